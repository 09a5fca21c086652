//! Any text parsed as a CR de dépôt: an error, or a report whose `|` form
//! parses back to itself.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_cr::DepositReport;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(r) = DepositReport::from_pipe(text) {
        let again = DepositReport::from_pipe(&r.to_pipe()).expect("a rendered report parses");
        assert_eq!(again, r);
        let _ = r.to_text();
    }
});
