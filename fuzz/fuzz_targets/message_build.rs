//! Arbitrary display name, subject, header name and value, X-MSS-NIL, file
//! name, CDA code, body and boundary: building either fails, or the message
//! has exactly the headers the draft writes — no injected header, no `Bcc`,
//! every head line ending in CRLF — and reads back with all its parts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mail_parser::MessageParser;
use mssante_envelope::message::{Attachment, Draft, Mailbox, Xdm};

fuzz_target!(|data: &[u8]| {
    let mut f = data.split(|&b| b == 0xff).map(|s| String::from_utf8_lossy(s).into_owned());
    let mut next = || f.next().unwrap_or_default();
    let (name, subject, hname, hvalue, nil, file, code, text, boundary) =
        (next(), next(), next(), next(), next(), next(), next(), next(), next());
    let Ok(from) = Mailbox::named(&name, "expediteur@operateur-exemple.mssante.fr") else {
        assert!(name.chars().any(char::is_control));
        return;
    };
    let mut d = Draft::new(from, subject.as_str(), text.as_str())
        .to(Mailbox::new("dest@medecin.mssante.fr").unwrap())
        .bcc(Mailbox::new("cache@medecin.mssante.fr").unwrap())
        .message_id("id@operateur-exemple.mssante.fr")
        .date(0)
        .attachment(Attachment::new("text/plain", file.as_str(), "contenu"))
        .xdm(Xdm { archive: b"PK".to_vec(), pdfs: vec![], cda_codes: vec![code.clone()], qualified_ins: true });
    if !hname.is_empty() {
        d = d.header(hname.as_str(), hvalue.as_str());
    }
    if !nil.is_empty() {
        d = d.nil(nil.as_str());
    }
    if !boundary.is_empty() {
        d = d.boundary(boundary.as_str());
    }
    let Ok(built) = d.build() else { return };
    let header_used = if hname.is_empty() { "" } else { hvalue.as_str() };
    for checked in [subject.as_str(), &hname, header_used, &nil, &file, &code] {
        assert!(!checked.chars().any(char::is_control), "accepted a control character in {checked:?}");
    }
    let head_end = built.bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("a head") + 2;
    let head = &built.bytes[..head_end];
    for (i, &b) in head.iter().enumerate() {
        if b == b'\n' {
            assert_eq!(i.checked_sub(1).map(|j| head[j]), Some(b'\r'), "bare LF in the head");
        }
        if b == b'\r' {
            assert_eq!(head.get(i + 1), Some(&b'\n'), "bare CR in the head");
        }
    }
    let head = String::from_utf8_lossy(head);
    let names: Vec<&str> = head
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.starts_with([' ', '\t']))
        .map(|l| l.split(':').next().unwrap_or_default())
        .collect();
    let mut expected = vec!["From", "To", "Subject", "Date", "Message-ID"];
    if !nil.is_empty() {
        expected.push("X-MSS-NIL");
    }
    expected.extend(["X-MSS-CODECDA", "X-MSS-INS"]);
    if !hname.is_empty() {
        expected.push(hname.as_str());
    }
    expected.extend(["MIME-Version", "Content-Type"]);
    assert_eq!(names, expected);
    let m = MessageParser::default().parse(&built.bytes).expect("reads back");
    assert_eq!(m.attachments().count(), 2, "IHE_XDM.ZIP and the file, nothing cut or added");
});
