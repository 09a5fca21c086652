//! A delivery status notification, whole message or its delivery-status part:
//! never a panic; a report parses to at least one recipient, each with a
//! class, and an SMTP diagnostic that parses keeps its code.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_envelope::dsn::Report;

fuzz_target!(|data: &[u8]| {
    for report in [Report::parse(data), Report::parse_status(data)].into_iter().flatten() {
        assert!(!report.recipients.is_empty());
        for r in &report.recipients {
            let _ = r.class();
            assert!(matches!(r.status.0, 2 | 4 | 5));
            if let Some(reply) = r.reply() {
                assert!((100..=599).contains(&reply.code) || reply.code < 1000);
            }
        }
    }
});
