//! Any text parsed as a CR d'intégration: an error, or a report whose `|` form
//! parses back to itself and whose totals add up.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_cr::IntegrationReport;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(r) = IntegrationReport::from_pipe(text) {
        assert!(r.totals().adds_up());
        let rendered = r.to_pipe();
        let again = IntegrationReport::from_pipe(&rendered).expect("a rendered report parses");
        assert_eq!(again, r);
        assert_eq!(again.to_pipe(), rendered);
        let _ = r.to_text(5);
    }
});
