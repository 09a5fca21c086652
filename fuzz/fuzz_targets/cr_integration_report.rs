//! Any text parsed as a CR d'intégration: an error, or a report whose `|` form
//! parses back to itself and whose totals add up. Its head alone
//! (`IntegrationSummary`, read up to `#BAL`) never panics either, and for a
//! rendered report it carries the report's totals and counts by code.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_cr::IntegrationReport;
use mssante_cr::report::IntegrationSummary;

fuzz_target!(|data: &[u8]| {
    let _ = IntegrationSummary::read_pipe(data);
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(r) = IntegrationReport::from_pipe(text) {
        assert!(r.totals().adds_up());
        let rendered = r.to_pipe();
        let again = IntegrationReport::from_pipe(&rendered).expect("a rendered report parses");
        assert_eq!(again, r);
        assert_eq!(again.to_pipe(), rendered);
        let _ = r.to_text(5);
        let head = IntegrationSummary::read_pipe(rendered.as_bytes()).expect("a rendered head parses");
        assert_eq!(head.totals, r.totals());
        assert_eq!(head.issue_counts, r.issue_counts());
    }
});
