//! Any text read as a notice: an error, or a notice whose rendering parses
//! back to the same notice (render → parse → render is stable).
#![no_main]
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use mssante_incident::parse::parse_notice;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let date = NaiveDate::from_ymd_opt(2020, 12, 11).unwrap();
    let _ = parse_notice(text, None);
    if let Ok(n) = parse_notice(text, Some(date)) {
        let rendered = n.to_text();
        let again = parse_notice(&rendered, Some(date)).expect("a rendered notice parses");
        assert_eq!(again, n, "{rendered}");
        let _ = n.to_markdown();
    }
});
