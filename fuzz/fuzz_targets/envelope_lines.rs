//! Any text read as `MAIL FROM:` / `RCPT TO:` lines: an error, or an envelope
//! whose rendered lines parse back to itself and hold no CR or LF. Each line is
//! also read as an SMTP reply: an error, or a reply with a class.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_envelope::Envelope;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines: Vec<&str> = text.split('\n').collect();
    for l in &lines {
        if let Ok(r) = mssante_envelope::retry::Reply::parse(l) {
            assert!((200..600).contains(&r.code));
            let _ = r.class();
        }
    }
    if let Ok(e) = Envelope::parse(&lines) {
        let rendered = e.lines();
        assert!(rendered.iter().all(|l| !l.contains(['\r', '\n'])));
        assert_eq!(Envelope::parse(&rendered).expect("rendered lines parse"), e);
    }
});
