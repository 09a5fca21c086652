//! Delivery status notifications in the shapes Postfix, Exim and Microsoft
//! Exchange produce (synthetic samples in `tests/data/dsn/`), read into
//! per-recipient outcomes that feed the reply classes and the retry plan.

use mssante_envelope::dsn::{Action, Report};
use mssante_envelope::retry::{Class, Retries, RetryPolicy, Verdict};
use mssante_envelope::route::{TrustSpace, plan};
use mssante_envelope::{Envelope, Recipient, ReversePath};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dsn").join(name)).unwrap()
}

fn envelope(envid: &str, to: &str) -> Envelope {
    Envelope::new(
        ReversePath::parse("supervision@operateur-exemple.mssante.fr").unwrap(),
        vec![Recipient::parse(to).unwrap()],
    )
    .unwrap()
    .envid(envid)
    .unwrap()
}

#[test]
fn postfix_bounce() {
    let r = Report::parse(&sample("postfix.eml")).unwrap();
    assert_eq!(r.reporting_mta.kind, "dns");
    assert_eq!(r.reporting_mta.value, "mx.ch-exemple.mssante.fr");
    assert_eq!(r.envelope_id.as_deref(), Some("notice 1+"), "xtext-decoded");
    assert!(r.is_about(&envelope("notice 1+", "inconnu@ch-exemple.mssante.fr")));
    assert!(!r.is_about(&envelope("notice 2", "inconnu@ch-exemple.mssante.fr")));
    assert!(r.fields.iter().any(|(n, v)| n == "X-Postfix-Queue-ID" && v == "4F1A2B3C4D"), "unknown fields are kept");
    assert_eq!(r.recipients.len(), 2);
    let failed = &r.recipients[0];
    assert_eq!(failed.address(), "inconnu@ch-exemple.mssante.fr");
    assert_eq!(failed.original_recipient.as_ref().unwrap().value, "inconnu@ch-exemple.mssante.fr");
    assert_eq!((failed.action, failed.status), (Action::Failed, (5, 1, 1)));
    assert_eq!(failed.remote_mta.as_ref().unwrap().value, "lmtp.ch-exemple.mssante.fr");
    let reply = failed.reply().unwrap();
    assert_eq!((reply.code, reply.enhanced), (550, Some((5, 1, 1))));
    assert!(reply.text.ends_with("Recipient address rejected: User unknown"), "folded lines joined: {reply}");
    assert_eq!(failed.class(), Class::Permanent);
    let delivered = &r.recipients[1];
    assert_eq!((delivered.action, delivered.class()), (Action::Delivered, Class::Success));
}

#[test]
fn exim_delay_warning_feeds_the_retry_plan() {
    let r = Report::parse(&sample("exim.eml")).unwrap();
    assert_eq!(r.envelope_id.as_deref(), Some("notice 2"));
    let delayed = &r.recipients[0];
    assert_eq!((delayed.action, delayed.status), (Action::Delayed, (4, 0, 0)));
    assert_eq!(delayed.will_retry_until.as_deref(), Some("Mon, 14 Dec 2020 19:15:00 +0100"));
    assert_eq!(delayed.class(), Class::Transient);
    let failed = &r.recipients[1];
    assert_eq!(failed.reply().unwrap().code, 550);
    assert_eq!(failed.reply().unwrap().enhanced, None);
    assert_eq!(failed.class(), Class::Permanent);

    // The outcomes go to the destination operator's retry state, as a reply
    // would: the delayed recipient defers the destination, the failed one
    // concerns its message only.
    let lb = mssante_bal::liste_blanche::ListeBlanche::parse(
        br#"<ListeBlancheMSSante><ListeDomaines><Domaine><Nom>clinique-exemple.mssante.fr</Nom>
        <DNCertificatOperateur>CN=mx.clinique-exemple.mssante.fr,OU=1,O=CLINIQUE,C=FR</DNCertificatOperateur>
        </Domaine></ListeDomaines></ListeBlancheMSSante>"#,
    )
    .unwrap();
    let space = TrustSpace::new(&lb);
    let p = plan(&[delayed.address()], &space, 100);
    let destination = &p.transactions[0].destination;
    let mut retries = Retries::new(RetryPolicy { jitter: 0.0, ..RetryPolicy::default() }, 1);
    assert_eq!(retries.record(destination, failed.class(), 0), Verdict::Ready);
    assert!(matches!(retries.record(destination, delayed.class(), 0), Verdict::RetryAt(t) if t > 0));
    assert!(!retries.ready(destination, 1));
}

#[test]
fn exchange_ndr() {
    let r = Report::parse(&sample("exchange.eml")).unwrap();
    assert_eq!(r.reporting_mta.value, "EXCH01.ght-exemple.local");
    assert_eq!(r.envelope_id, None);
    assert_eq!(r.arrival_date.as_deref(), Some("Sat, 12 Dec 2020 07:09:58 +0000"));
    let f = &r.recipients[0];
    assert_eq!(f.address(), "direction@ght-exemple.mssante.fr");
    assert_eq!(f.status, (5, 1, 10));
    let reply = f.reply().unwrap();
    assert_eq!(reply.enhanced, Some((5, 1, 10)));
    assert!(reply.text.contains("RESOLVER.ADR.RecipientNotFound; Recipient not found"), "{reply}");
    assert!(f.fields.iter().any(|(n, v)| n == "X-Display-Name" && v == "Direction GHT Exemple"));
    assert_eq!(f.class(), Class::Permanent);
}

#[test]
fn malformed_reports_are_clear_errors() {
    let postfix = String::from_utf8(sample("postfix.eml")).unwrap();
    let cases: Vec<(String, &str)> = vec![
        (
            postfix.replace("report-type=delivery-status", "report-type=disposition-notification"),
            "not a multipart/report",
        ),
        (
            postfix.replace("Content-Type: message/delivery-status", "Content-Type: text/plain"),
            "no message/delivery-status part",
        ),
        (postfix.replace("Status: 5.1.1\r\n", ""), "Status missing"),
        (postfix.replace("Action: failed", "Action: bounced"), "not an RFC 3464 action"),
        (postfix.replace("Status: 5.1.1", "Status: 9.9"), "not class.subject.detail"),
        (postfix.replace("Reporting-MTA: dns; mx.ch-exemple.mssante.fr\r\n", ""), "Reporting-MTA missing"),
        (postfix.replace("Original-Envelope-Id: notice+201+2B", "Original-Envelope-Id: a+ZZ"), "is not xtext"),
        ("not a mail at all".to_owned(), "not a multipart/report"),
    ];
    for (text, expected) in cases {
        let e = Report::parse(text.as_bytes()).unwrap_err();
        assert_eq!(e.code(), "M617");
        assert!(e.to_string().contains(expected), "{e} / {expected}");
    }
    // The line is the line in the delivery-status part.
    let e = Report::parse(postfix.replace("Status: 5.1.1\r\n", "").as_bytes()).unwrap_err();
    assert!(e.to_string().starts_with("DSN, line 7 "), "{e}");
}

mod round_trip {
    use super::*;
    use base64::Engine;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    struct Rcpt {
        address: String,
        action: Action,
        status: (u8, u16, u16),
        diagnostic: Option<String>,
        extra: Option<String>,
    }

    fn action() -> impl Strategy<Value = Action> {
        prop_oneof![
            Just(Action::Failed),
            Just(Action::Delayed),
            Just(Action::Delivered),
            Just(Action::Relayed),
            Just(Action::Expanded)
        ]
    }

    fn rcpt() -> impl Strategy<Value = Rcpt> {
        (
            "[a-z][a-z0-9.]{0,10}@[a-z]{1,8}\\.mssante\\.fr",
            action(),
            (prop_oneof![Just(2u8), Just(4), Just(5)], 0..1000u16, 0..1000u16),
            prop::option::of("[A-Za-z0-9<>@.:;, -]{0,150}"),
            prop::option::of("[A-Za-z0-9 ]{1,20}"),
        )
            .prop_map(|(address, action, status, diagnostic, extra)| Rcpt {
                address,
                action,
                status,
                diagnostic,
                extra,
            })
    }

    fn action_word(a: Action) -> &'static str {
        match a {
            Action::Failed => "failed",
            Action::Delayed => "delayed",
            Action::Delivered => "delivered",
            Action::Relayed => "relayed",
            Action::Expanded => "expanded",
        }
    }

    /// Folds a long value over continuation lines (at spaces), as MTAs do.
    fn fold(name: &str, value: &str) -> String {
        let mut out = format!("{name}:");
        let mut line = out.len();
        for word in value.split(' ') {
            if line + word.len() + 1 > 76 && line > name.len() + 1 {
                out.push_str("\r\n   ");
                line = 3;
            }
            out.push(' ');
            out.push_str(word);
            line += word.len() + 1;
        }
        out.push_str("\r\n");
        out
    }

    fn render(envid: &str, rcpts: &[Rcpt]) -> String {
        let mut status = format!(
            "Reporting-MTA: dns; mx.exemple.fr\r\nOriginal-Envelope-Id: {}\r\n",
            mssante_envelope::xtext::encode(envid)
        );
        for r in rcpts {
            status.push_str("\r\n");
            status.push_str(&format!(
                "Final-Recipient: rfc822; {}\r\nAction: {}\r\n",
                r.address,
                action_word(r.action)
            ));
            status.push_str(&format!("Status: {}.{}.{}\r\n", r.status.0, r.status.1, r.status.2));
            if let Some(d) = &r.diagnostic {
                status.push_str(&fold("Diagnostic-Code", &format!("smtp; {}", d.trim())));
            }
            if let Some(x) = &r.extra {
                status.push_str(&format!("X-Extra: {}\r\n", x.trim()));
            }
        }
        status
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// A report written with any recipients, in any transfer encoding,
        /// reads back as what was written.
        #[test]
        fn written_reports_read_back(envid in "[ -~]{1,40}", rcpts in prop::collection::vec(rcpt(), 1..5), encoding in 0..3u8, boundary in "[A-Za-z0-9'()+_,./:=?-]{1,40}") {
            let status = render(&envid, &rcpts);
            let (cte, body) = match encoding {
                0 => ("7bit", status.clone()),
                1 => ("base64", base64::engine::general_purpose::STANDARD.encode(&status)),
                _ => ("quoted-printable", status.replace('=', "=3D")),
            };
            let message = format!(
                "From: MAILER-DAEMON@mx.exemple.fr\r\nContent-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"{boundary}\"\r\n\r\n--{boundary}\r\nContent-Type: text/plain\r\n\r\nNon remis.\r\n--{boundary}\r\nContent-Type: message/delivery-status\r\nContent-Transfer-Encoding: {cte}\r\n\r\n{body}\r\n--{boundary}--\r\n"
            );
            let report = Report::parse(message.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}\n{message}")))?;
            prop_assert_eq!(report.envelope_id.as_deref(), Some(envid.as_str()));
            prop_assert_eq!(report.recipients.len(), rcpts.len());
            for (got, want) in report.recipients.iter().zip(&rcpts) {
                prop_assert_eq!(got.address(), want.address.as_str());
                prop_assert_eq!(got.action, want.action);
                prop_assert_eq!(got.status, want.status);
                let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
                prop_assert_eq!(got.diagnostic.as_ref().map(|d| words(&d.value)), want.diagnostic.as_ref().map(|d| words(d)));
                let extra = got.fields.iter().find(|(n, _)| n == "X-Extra").map(|(_, v)| v.as_str());
                prop_assert_eq!(extra, want.extra.as_deref().map(str::trim));
            }
        }
    }
}
