//! Messages: MSSanté headers, no Bcc, injection refused, byte-identical output,
//! read back with mail-parser.

use mail_parser::{MessageParser, MimeHeaders};
use mssante_envelope::message::DsnRequest;
use mssante_envelope::message::{Attachment, Body, Draft, Mailbox, Xdm};
use mssante_envelope::{Error, Notify, Ret, ReversePath};
use proptest::prelude::*;

fn mb(a: &str) -> Mailbox {
    Mailbox::new(a).unwrap()
}

fn draft() -> Draft {
    Draft::new(
        Mailbox::named("Supervision Opérateur Exemple", "supervision@operateur-exemple.mssante.fr").unwrap(),
        "[MSSanté] Incident clos : alimentation de l’annuaire",
        "Bonjour,\r\n\r\nL’incident est clos.\r\n",
    )
    .to(Mailbox::named("Dr Camille Exemple", "camille.exemple@medecin.mssante.fr").unwrap())
    .cc(mb("secretariat@ch-exemple.mssante.fr"))
    .bcc(mb("archive@operateur-exemple.mssante.fr"))
    .nil("NIL-EXEMPLE-0001")
    .message_id("incident-2020-12-11.1@operateur-exemple.mssante.fr")
    .date(1_607_709_600)
    .boundary("mssante-boundary-1")
}

/// Top-level header names, unfolded, in order.
fn header_names(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    head.split("\r\n")
        .filter(|l| !l.starts_with(' ') && !l.starts_with('\t'))
        .map(|l| l.split(':').next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn a_notice_mail_reads_back_with_every_header() {
    let built = draft()
        .attachment(Attachment::new("text/plain; charset=utf-8", "CR_integration.txt", "#MSSANTE-CR|1\n"))
        .build()
        .unwrap();
    let m = MessageParser::default().parse(&built.bytes).unwrap();
    assert_eq!(m.subject(), Some("[MSSanté] Incident clos : alimentation de l’annuaire"));
    assert_eq!(m.message_id(), Some("incident-2020-12-11.1@operateur-exemple.mssante.fr"));
    assert_eq!(m.from().unwrap().first().unwrap().address(), Some("supervision@operateur-exemple.mssante.fr"));
    assert_eq!(m.to().unwrap().first().unwrap().name(), Some("Dr Camille Exemple"));
    assert_eq!(m.header_raw("X-MSS-NIL").map(str::trim), Some("NIL-EXEMPLE-0001"));
    assert!(m.header("X-MSS-MES").is_none(), "no patient recipient");
    assert!(m.header("X-MSS-CODECDA").is_none() && m.header("X-MSS-INS").is_none(), "no XDM content");
    assert!(m.header("Bcc").is_none());
    assert_eq!(m.date().unwrap().to_rfc3339(), "2020-12-11T18:00:00Z");
    assert_eq!(m.body_text(0).unwrap(), "Bonjour,\r\n\r\nL’incident est clos.\r\n");
    let att = m.attachment(0).unwrap();
    assert_eq!(att.attachment_name(), Some("CR_integration.txt"));
    assert_eq!(att.contents(), b"#MSSANTE-CR|1\n");
    // Every recipient in the envelope, Bcc included, once; the sender as reverse path.
    let rcpts: Vec<&str> = built.envelope.recipients().iter().map(|r| r.address().as_str()).collect();
    assert_eq!(
        rcpts,
        [
            "camille.exemple@medecin.mssante.fr",
            "secretariat@ch-exemple.mssante.fr",
            "archive@operateur-exemple.mssante.fr"
        ]
    );
    assert_eq!(built.envelope.mail_from(), "MAIL FROM:<supervision@operateur-exemple.mssante.fr>");
    assert!(!String::from_utf8_lossy(&built.bytes).to_ascii_lowercase().contains("archive@"));
}

#[test]
fn output_is_byte_identical_when_id_date_and_boundary_are_given() {
    let d = draft().attachment(Attachment::new("application/octet-stream", "r.bin", vec![0u8, 1, 2, 255]));
    let a = d.build().unwrap();
    let b = d.clone().build().unwrap();
    assert_eq!(a.bytes, b.bytes);
    let text = String::from_utf8_lossy(&a.bytes);
    assert!(text.contains("boundary=\"mssante-boundary-1\""), "{text}");
    assert!(text.ends_with("--mssante-boundary-1--\r\n"));
    // Without them, two builds differ (fresh Message-ID).
    let free = Draft::new(mb("a@operateur-exemple.mssante.fr"), "s", "t").to(mb("b@medecin.mssante.fr"));
    assert_ne!(free.build().unwrap().message_id, free.build().unwrap().message_id);
    assert!(free.build().unwrap().message_id.ends_with("@operateur-exemple.mssante.fr"));
}

/// A shared, pre-encoded body writes exactly what mail-builder writes for the
/// same message built directly.
#[test]
fn a_shared_body_writes_what_mail_builder_writes() {
    use mail_builder::MessageBuilder;
    use mail_builder::headers::address::Address as MbAddress;
    use mail_builder::headers::content_type::ContentType;
    use mail_builder::headers::raw::Raw;
    use mail_builder::mime::MimePart;
    let text =
        "Bonjour,\r\n\r\nL’intégration du 11/12 est reportée à 20h ; les CR seront envoyés ensuite.\r\n".repeat(30);
    let body = Body::new(text.as_str());
    for d in [
        draft_with(body.clone()).build().unwrap(),
        draft_with(body.clone()).attachment(Attachment::new("text/plain", "cr.txt", "x")).build().unwrap(),
    ] {
        let mut direct = MessageBuilder::new()
            .from(MbAddress::new_address(
                Some("Supervision Opérateur Exemple"),
                "supervision@operateur-exemple.mssante.fr",
            ))
            .to(MbAddress::new_list(vec![MbAddress::new_address(
                Some("Dr Camille Exemple"),
                "camille.exemple@medecin.mssante.fr",
            )]))
            .cc(MbAddress::new_list(vec![MbAddress::new_address(None::<&str>, "secretariat@ch-exemple.mssante.fr")]))
            .subject("s")
            .date(1_607_709_600i64)
            .message_id("incident-2020-12-11.1@operateur-exemple.mssante.fr")
            .header("X-MSS-NIL", Raw::new("NIL-EXEMPLE-0001"));
        let text_part = MimePart::new(ContentType::new("text/plain").attribute("charset", "utf-8"), text.as_str());
        direct = if String::from_utf8_lossy(&d.bytes).contains("cr.txt") {
            direct.body(MimePart::new(
                ContentType::new("multipart/mixed").attribute("boundary", "mssante-boundary-1"),
                vec![text_part, MimePart::new(ContentType::new("text/plain"), b"x".as_slice()).attachment("cr.txt")],
            ))
        } else {
            direct.body(text_part)
        };
        let mut expected = Vec::new();
        direct.serialize(&mut expected);
        assert_eq!(String::from_utf8_lossy(&d.bytes), String::from_utf8_lossy(&expected));
    }
    assert_eq!(body.text(), text);
}

fn draft_with(body: Body) -> Draft {
    Draft::new(
        Mailbox::named("Supervision Opérateur Exemple", "supervision@operateur-exemple.mssante.fr").unwrap(),
        "s",
        body,
    )
    .to(Mailbox::named("Dr Camille Exemple", "camille.exemple@medecin.mssante.fr").unwrap())
    .cc(mb("secretariat@ch-exemple.mssante.fr"))
    .nil("NIL-EXEMPLE-0001")
    .message_id("incident-2020-12-11.1@operateur-exemple.mssante.fr")
    .date(1_607_709_600)
    .boundary("mssante-boundary-1")
}

#[test]
fn patient_mail_says_fin_and_xdm_mail_says_its_codes() {
    let built = draft()
        .to(mb("299129912345662@PATIENT.mssante.fr"))
        .xdm(Xdm {
            archive: b"PK\x03\x04 synthetic".to_vec(),
            pdfs: vec![("DOC0001.PDF".into(), b"%PDF-1.4 synthetic".to_vec())],
            cda_codes: vec!["34112-3".into(), "PRESC-BIO".into()],
            qualified_ins: true,
        })
        .build()
        .unwrap();
    let m = MessageParser::default().parse(&built.bytes).unwrap();
    assert_eq!(m.header_raw("X-MSS-MES").map(str::trim), Some("FIN"));
    assert_eq!(m.header_raw("X-MSS-CODECDA").map(str::trim), Some("34112-3,PRESC-BIO"));
    assert_eq!(m.header_raw("X-MSS-INS").map(str::trim), Some("O"));
    assert_eq!(m.attachment(0).unwrap().attachment_name(), Some("IHE_XDM.ZIP"));
    assert_eq!(m.attachment(0).unwrap().contents(), b"PK\x03\x04 synthetic");
    assert_eq!(m.attachment(1).unwrap().attachment_name(), Some("DOC0001.PDF"));
    // A patient in Bcc only still gets FIN: the header is the same for every copy.
    let bcc_only = draft().bcc(mb("299129912345662@patient.mssante.fr")).build().unwrap();
    assert!(String::from_utf8_lossy(&bcc_only.bytes).contains("\r\nX-MSS-MES: FIN\r\n"));
    // XDM without a CDA code is refused.
    let e = draft().xdm(Xdm { archive: vec![], pdfs: vec![], cda_codes: vec![], qualified_ins: false }).build();
    assert!(matches!(e, Err(Error::Value { .. })));
}

#[test]
fn disposition_notification_and_dsn_on_request() {
    let built = draft()
        .disposition_notification_to(mb("supervision@operateur-exemple.mssante.fr"))
        .dsn(DsnRequest {
            notify: Some(Notify::on(true, true, false).unwrap()),
            ret: Some(Ret::Hdrs),
            envid: Some("incident 1".into()),
        })
        .build()
        .unwrap();
    let m = MessageParser::default().parse(&built.bytes).unwrap();
    assert!(m.header_raw("Disposition-Notification-To").unwrap().contains("supervision@operateur-exemple.mssante.fr"));
    assert_eq!(
        built.envelope.mail_from(),
        "MAIL FROM:<supervision@operateur-exemple.mssante.fr> RET=HDRS ENVID=incident+201"
    );
    assert!(built.envelope.lines()[1].ends_with(" NOTIFY=SUCCESS,FAILURE"));
    // Without the request, no such header.
    assert!(!String::from_utf8_lossy(&draft().build().unwrap().bytes).contains("Disposition-Notification-To"));
    // A notification itself goes with the null reverse path.
    let dsn = draft().return_path(ReversePath::Null).build().unwrap();
    assert_eq!(dsn.envelope.mail_from(), "MAIL FROM:<>");
}

/// A header written without folding must fit the 998-octet line limit of
/// RFC 5322: at the limit it is written and every line of the message fits,
/// one octet past it is refused with M616.
#[test]
fn header_lines_never_exceed_the_rfc_5322_limit() {
    let lines_fit = |bytes: &[u8]| bytes.split(|&b| b == b'\n').all(|l| l.len() <= 999);
    // `Message-ID: <` + id + `>`: 14 octets around the id.
    let right = "operateur.mssante.fr";
    let fits = format!("{}@{right}", "a".repeat(998 - 14 - 1 - right.len()));
    let built = draft().message_id(&fits).build().unwrap();
    assert!(lines_fit(&built.bytes));
    let e = draft().message_id(format!("a{fits}")).build().unwrap_err();
    assert!(matches!(e, Error::LineTooLong { len: 999, max: 998, .. }), "{e:?}");
    assert_eq!(e.code(), "M616");
    // `X-MSS-NIL: ` + value.
    let nil = "N".repeat(998 - 11);
    assert!(lines_fit(&draft().nil(&nil).build().unwrap().bytes));
    assert!(matches!(draft().nil(format!("{nil}N")).build(), Err(Error::LineTooLong { .. })));
    assert!(matches!(draft().header("X-Trace", "t".repeat(990)).build(), Err(Error::LineTooLong { .. })));
    assert!(matches!(draft().in_reply_to("x".repeat(990) + "@a.fr").build(), Err(Error::LineTooLong { .. })));
}

#[test]
fn injection_is_refused_with_the_field_and_offset() {
    let e = Mailbox::new("a@b.fr\r\nBcc: z@evil.fr").unwrap_err();
    assert!(matches!(e, Error::Control { ref field, offset: 6, character: '\r' } if field == "address"), "{e:?}");
    assert_eq!(e.code(), "M606");
    let e = Mailbox::named("Dr X\nBcc: z@evil.fr", "x@medecin.mssante.fr").unwrap_err();
    assert!(matches!(e, Error::Control { ref field, offset: 4, character: '\n' } if field == "display name"));
    let e = Draft::new(mb("a@operateur-exemple.mssante.fr"), "sujet\r\nBcc: z@evil.fr", "t")
        .to(mb("b@medecin.mssante.fr"))
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Control { ref field, offset: 5, .. } if field == "subject"));
    for bad in ["X-Trace\u{7f}", "Bcc", "bcc", "Content-Type", "X-MSS-NIL", "From", "X Trace", "X:T", ""] {
        assert!(matches!(draft().header(bad, "v").build(), Err(Error::HeaderName(_))), "{bad:?}");
    }
    assert!(matches!(draft().header("X-Trace", "v\u{0}").build(), Err(Error::Control { .. })));
    assert!(matches!(draft().header("X-Trace", "tab\there").build(), Err(Error::Control { .. })));
    assert!(matches!(draft().nil("NIL\r\nX: y").build(), Err(Error::Control { .. })));
    assert!(matches!(draft().message_id("a b@c").build(), Err(Error::Value { .. })));
    assert!(matches!(draft().message_id("<a@c>").build(), Err(Error::Value { .. })));
    assert!(matches!(
        draft().attachment(Attachment::new("text/plain\r\nX: y", "a.txt", "x")).build(),
        Err(Error::Control { .. })
    ));
    assert!(matches!(draft().attachment(Attachment::new("text", "a.txt", "x")).build(), Err(Error::Value { .. })));
    // A boundary that the text contains would cut the message.
    let e = Draft::new(mb("a@operateur-exemple.mssante.fr"), "s", "x\r\n--b1\r\nX: y\r\n")
        .to(mb("b@medecin.mssante.fr"))
        .attachment(Attachment::new("text/plain", "a.txt", "x"))
        .boundary("b1")
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::BoundaryInBody(ref b) if b == "b1"), "{e:?}");
    assert!(matches!(Draft::new(mb("a@operateur-exemple.mssante.fr"), "s", "t").build(), Err(Error::NoRecipient)));
}

#[test]
fn the_size_limit_is_checked() {
    let built =
        draft().attachment(Attachment::new("application/octet-stream", "big.bin", vec![7u8; 30_000])).build().unwrap();
    let size = built.bytes.len() as u64;
    assert!(size > 40_000, "base64 grows the attachment");
    assert!(built.check_size(size).is_ok());
    let e = built.check_size(size - 1).unwrap_err();
    assert!(matches!(e, Error::TooLarge { size: s, limit } if s == size && limit == size - 1), "{e:?}");
    // Per destination operator: one operator declares a small limit.
    use mssante_envelope::route::Destination;
    use mssante_envelope::throttle::{Budget, Budgets};
    let small = Destination { dns: vec!["CN=mta1.petit.example,O=PETIT,C=FR".into()] };
    let other = Destination { dns: vec!["CN=mta1.autre.example,O=AUTRE,C=FR".into()] };
    let budgets =
        Budgets::default().with("mta1.petit.example", Budget::default().with_max_message_size(32_000).unwrap());
    let e = built.check_size(budgets.for_destination(&small).max_message_size()).unwrap_err();
    assert!(matches!(e, Error::TooLarge { size: s, limit: 32_000 } if s == size), "{e:?}");
    assert!(built.check_size(budgets.for_destination(&other).max_message_size()).is_ok());
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,80}",
        "[a-zé ]{0,20}(\r\n|\n|\r|\u{0}|\u{85}|\t)[A-Za-z-]{1,10}: [a-z@.]{0,20}",
        "[ -~]{0,200}",
        "[a-z \"\\\\<>,;:@()=?]{0,30}",
    ]
}

proptest! {
    /// Whatever the values, the message has exactly the headers the draft
    /// writes, or the build is refused with a control-character error.
    #[test]
    fn no_value_ever_adds_a_header(name in any_text(), subject in any_text(), value in any_text(), nil in any_text(), file in any_text()) {
        let from = Mailbox::named(&name, "a@operateur-exemple.mssante.fr");
        let has_control = |s: &str| s.chars().any(char::is_control);
        prop_assert_eq!(from.is_err(), has_control(&name));
        let Ok(from) = from else { return Ok(()) };
        let d = Draft::new(from, subject.clone(), "texte")
            .to(mb("b@medecin.mssante.fr"))
            .bcc(mb("c@medecin.mssante.fr"))
            .message_id("x@operateur-exemple.mssante.fr")
            .date(0)
            .header("X-Trace", value.clone())
            .nil(nil.clone())
            .attachment(Attachment::new("text/plain", file.clone(), "contenu"));
        match d.build() {
            Ok(built) => {
                prop_assert!(![&subject, &value, &nil, &file].iter().any(|s| has_control(s)));
                let names = header_names(&built.bytes);
                prop_assert_eq!(names, ["From", "To", "Subject", "Date", "Message-ID", "X-MSS-NIL", "X-Trace", "MIME-Version", "Content-Type"]);
                let parsed = MessageParser::default().parse(&built.bytes).unwrap();
                // The display name can never change the address read back.
                let from = parsed.from().and_then(|a| a.first()).unwrap();
                prop_assert_eq!(from.address(), Some("a@operateur-exemple.mssante.fr"));
                prop_assert_eq!(parsed.from().map(|a| a.iter().count()), Some(1));
                if !name.trim().is_empty() {
                    prop_assert_eq!(from.name().unwrap_or_default().trim(), name.trim());
                }
                // Leading and trailing blanks are not significant in an
                // unstructured header. mail-parser 0.11 reads a fold before a
                // run of blanks (`\r\n  `) as one blank where RFC 5322 §2.2.3
                // keeps them all: runs of blanks are compared as one here, and
                // the bytes are checked exactly in `folding_keeps_every_blank`.
                let blanks = |s: &str| s.split([' ', '\t']).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
                prop_assert_eq!(blanks(parsed.subject().unwrap_or_default()), blanks(&subject));
            }
            Err(Error::Control { .. }) => prop_assert!([&subject, &value, &nil, &file].iter().any(|s| has_control(s))),
            Err(Error::Value { field, .. }) => prop_assert!(nil.trim().is_empty() && field == "X-MSS-NIL" || file.trim().is_empty()),
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }
}

/// Found by `no_value_ever_adds_a_header` in CI: a long subject with two
/// blanks where mail-builder folds. The message is right — unfolded as RFC
/// 5322 §2.2.3 says (CRLF removed), the header is the subject exactly — but
/// mail-parser 0.11 reads the fold as one blank, which the property compared.
#[test]
fn folding_keeps_every_blank() {
    let subject = "a 0Aaa0AAA  0AAAa00!a!aaaAA!aA!!a0!aa!A0000a!aaaA00AA0aA!AA!0!!0A!!Aaa";
    let built = Draft::new(mb("a@operateur-exemple.mssante.fr"), subject, "texte")
        .to(mb("b@medecin.mssante.fr"))
        .message_id("x@operateur-exemple.mssante.fr")
        .date(0)
        .build()
        .unwrap();
    let text = String::from_utf8(built.bytes).unwrap();
    let start = text.find("\r\nSubject: ").unwrap() + 2;
    let end = start + text[start..].find("\r\nDate:").unwrap();
    assert!(text[start..end].contains("\r\n"), "the header is folded: {:?}", &text[start..end]);
    assert_eq!(text[start..end].replace("\r\n", ""), format!("Subject: {subject}"));
}

/// Every line of a message ends with CRLF and no NUL is written: what a
/// server must receive (RFC 5321 §2.3.8, RFC 2045 §2.7).
fn wire_safe(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().all(|(i, &b)| match b {
        b'\r' => bytes.get(i + 1) == Some(&b'\n'),
        b'\n' => i > 0 && bytes[i - 1] == b'\r',
        0 => false,
        _ => true,
    }) && bytes.ends_with(b"\r\n")
}

proptest! {
    /// Any text and any attachment bytes: the message is wire-safe, the text
    /// reads back as its canonical form (CRLF line ends), the attachment reads
    /// back byte for byte.
    #[test]
    fn any_body_and_attachment_cross_intact(text in any::<String>(), data in prop::collection::vec(any::<u8>(), 0..400), ascii in "[\\x00-\\x7f]{0,200}", textual in any::<bool>()) {
        for (t, d) in [(text.as_str(), data.as_slice()), (ascii.as_str(), ascii.as_bytes()), (ascii.as_str(), text.as_bytes())] {
            // A text/* part is read back as text (mail-parser decodes it), so only UTF-8 content is compared as text.
            let ct = if textual && std::str::from_utf8(d).is_ok() { "text/plain; charset=utf-8" } else { "application/octet-stream" };
            let body = Body::new(t);
            let built = Draft::new(mb("a@operateur-exemple.mssante.fr"), "s", body.clone())
                .to(mb("b@medecin.mssante.fr"))
                .message_id("x@operateur-exemple.mssante.fr")
                .date(0)
                .attachment(Attachment::new(ct, "f.bin", d.to_vec()))
                .build()
                .unwrap();
            prop_assert!(wire_safe(&built.bytes), "{:?}", String::from_utf8_lossy(&built.bytes));
            let expected: String = t.replace("\r\n", "\n").replace('\r', "\n").replace('\n', "\r\n");
            let expected = if expected.is_empty() || expected.ends_with("\r\n") { expected } else { expected + "\r\n" };
            prop_assert_eq!(body.text(), expected.as_str());
            let m = MessageParser::default().parse(&built.bytes).unwrap();
            if !expected.is_empty() {
                prop_assert_eq!(m.body_text(0).unwrap_or_default(), expected.as_str());
            }
            let att = m.attachments().find(|a| a.attachment_name() == Some("f.bin"));
            prop_assert!(att.is_some());
            prop_assert_eq!(att.unwrap().contents(), d);
        }
    }
}

/// Found by the `any_body_and_attachment_cross_intact` property: mail-builder
/// 2.0.1 picks 7bit for any data below 0x7F, so a NUL or a bare CR in a text
/// body or a text attachment went to the wire as it was. Such parts are now
/// base64-encoded by this crate, and text bodies get CRLF line ends.
#[test]
fn regression_nul_and_bare_cr_never_reach_the_wire() {
    let built = Draft::new(mb("a@operateur-exemple.mssante.fr"), "s", "a\rb\u{0}c")
        .to(mb("b@medecin.mssante.fr"))
        .attachment(Attachment::new("text/plain", "cr.txt", b"ligne\rsuite\x00fin".to_vec()))
        .boundary("b1")
        .build()
        .unwrap();
    assert!(wire_safe(&built.bytes), "{:?}", String::from_utf8_lossy(&built.bytes));
    let text = String::from_utf8_lossy(&built.bytes);
    assert_eq!(text.matches("Content-Transfer-Encoding: base64").count(), 2, "{text}");
    let m = MessageParser::default().parse(&built.bytes).unwrap();
    assert_eq!(m.body_text(0).unwrap(), "a\r\nb\u{0}c\r\n");
    assert_eq!(m.attachment(0).unwrap().contents(), b"ligne\rsuite\x00fin");
}
