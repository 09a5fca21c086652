//! Any text read as a notice: an error, or a notice that renders (a parsed
//! notice is always writable) to a text that parses back to the same notice;
//! its timeline exports never panic.
#![no_main]
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use mssante_incident::export::{Page, atom, icalendar, statuspage};
use mssante_incident::parse::parse_notice;
use mssante_incident::priority::PriorityMatrix;
use mssante_incident::timeline::Timeline;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let date = NaiveDate::from_ymd_opt(2020, 12, 11).unwrap();
    let _ = parse_notice(text, None);
    if let Ok(n) = parse_notice(text, Some(date)) {
        let rendered = n.to_text().expect("a parsed notice renders");
        let again = parse_notice(&rendered, Some(date)).expect("a rendered notice parses");
        assert_eq!(again, n, "{rendered}");
        let _ = n.to_markdown();
        let t = Timeline::merge(&[n, again]);
        let _ = statuspage(&t, &Page::default(), &PriorityMatrix::default());
        let _ = atom(&t, &Page::default());
        let _ = icalendar(&t);
    }
});
