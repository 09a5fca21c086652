//! Arbitrary display name, subject, header name and value, X-MSS-NIL, file
//! name, CDA code, body, attachment bytes and boundary: building either fails,
//! or the message has exactly the headers the draft writes — no injected
//! header, no `Bcc` — every line of it ends in CRLF, it holds no NUL, and it
//! reads back with all its parts, the attachment byte for byte.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mail_parser::MessageParser;
use mssante_envelope::message::{Attachment, Draft, Mailbox, Xdm};

fuzz_target!(|data: &[u8]| {
    let mut f = data.split(|&b| b == 0xff).map(|s| String::from_utf8_lossy(s).into_owned());
    let mut next = || f.next().unwrap_or_default();
    let (name, subject, hname, hvalue, nil, file, code, text, boundary) =
        (next(), next(), next(), next(), next(), next(), next(), next(), next());
    // The rest, raw, is the attachment.
    let cut = data.iter().enumerate().filter(|&(_, &b)| b == 0xff).nth(8).map_or(data.len(), |(i, _)| i + 1);
    let content = &data[cut.min(data.len())..];
    let Ok(from) = Mailbox::named(&name, "expediteur@operateur-exemple.mssante.fr") else {
        assert!(name.chars().any(char::is_control));
        return;
    };
    let mut d = Draft::new(from, subject.as_str(), text.as_str())
        .to(Mailbox::new("dest@medecin.mssante.fr").unwrap())
        .bcc(Mailbox::new("cache@medecin.mssante.fr").unwrap())
        .message_id("id@operateur-exemple.mssante.fr")
        .date(0)
        .attachment(Attachment::new("application/octet-stream", file.as_str(), content.to_vec()))
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
    let all = &built.bytes;
    for (i, &b) in all.iter().enumerate() {
        assert_ne!(b, 0, "NUL at {i}");
        if b == b'\n' {
            assert_eq!(i.checked_sub(1).map(|j| all[j]), Some(b'\r'), "bare LF at {i}");
        }
        if b == b'\r' {
            assert_eq!(all.get(i + 1), Some(&b'\n'), "bare CR at {i}");
        }
    }
    let head_end = all.windows(4).position(|w| w == b"\r\n\r\n").expect("a head") + 2;
    let head = &all[..head_end];
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
    assert_eq!(m.attachment(1).expect("the file").contents(), content);
});
