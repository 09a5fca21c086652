//! Any text: date expressions found in it lie on character boundaries; a
//! whole expression that parses prints and parses back to itself.
#![no_main]
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use mssante_incident::date::{find_all, parse_when};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let notice = NaiveDate::from_ymd_opt(2020, 12, 11).unwrap();
    for f in find_all(text) {
        assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end) && f.start < f.end);
        let _ = f.when.days(notice);
    }
    if let Ok(w) = parse_when(text) {
        let printed = w.to_string();
        assert_eq!(parse_when(&printed).expect("printed expression parses"), w, "{printed}");
        let _ = w.days(NaiveDate::MIN);
        let _ = w.days(NaiveDate::MAX);
    }
});
