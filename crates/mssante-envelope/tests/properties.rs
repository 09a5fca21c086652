//! Envelope render → parse = identity; xtext round trip; the routing plan
//! covers every recipient exactly once and never exceeds the transaction size.

use mssante_bal::Address;
use mssante_bal::liste_blanche::ListeBlanche;
use mssante_envelope::route::{Refusal, plan};
use mssante_envelope::{Envelope, Notify, Recipient, Ret, ReversePath, xtext};
use proptest::prelude::*;

fn address() -> impl Strategy<Value = String> {
    let local =
        prop_oneof!["[a-z0-9]{1,10}(\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]{1,8}){0,2}", "\"[a-z >@,]{1,8}\"", "[a-zéèà]{1,6}",];
    let domain = prop_oneof![
        "[a-z]{1,8}(-[a-z]{1,4})?\\.mssante\\.fr",
        "[a-zé]{2,6}\\.fr",
        Just("patient.mssante.fr".to_owned())
    ];
    (local, domain).prop_map(|(l, d)| format!("{l}@{d}")).prop_filter("a mailbox", |a| Address::parse(a).is_ok())
}

fn notify() -> impl Strategy<Value = Option<Notify>> {
    prop_oneof![
        Just(None),
        Just(Some(Notify::NEVER)),
        (any::<bool>(), any::<bool>(), any::<bool>())
            .prop_filter_map("non-empty", |(s, f, d)| Notify::on(s, f, d).ok().map(Some)),
    ]
}

fn envelope() -> impl Strategy<Value = Envelope> {
    let recipient = (address(), notify(), prop::option::of(any::<String>())).prop_map(|(a, n, o)| {
        let mut r = Recipient::parse(&a).unwrap();
        if let Some(n) = n {
            r = r.notify(n);
        }
        if let Some(o) = o {
            r = r.orcpt(o);
        }
        r
    });
    (
        prop::option::of(address()),
        prop::collection::vec(recipient, 1..5),
        prop::option::of(prop_oneof![Just(Ret::Full), Just(Ret::Hdrs)]),
        prop::option::of("[ -~é]{1,30}"),
    )
        .prop_map(|(from, rcpts, ret, envid)| {
            let rp = from.map_or(ReversePath::Null, |a| ReversePath::parse(&a).unwrap());
            let mut e = Envelope::new(rp, rcpts).unwrap();
            if let Some(r) = ret {
                e = e.ret(r);
            }
            if let Some(id) = envid {
                e = e.envid(id).unwrap();
            }
            e
        })
}

fn liste_blanche() -> ListeBlanche {
    let mut xml = String::from("<ListeBlancheMSSante><ListeDomaines>");
    for (d, ops) in [
        ("medecin.mssante.fr", &["CN=mta1.mailiz,OU=1,O=M,C=FR", "CN=mta2.mailiz,OU=1,O=M,C=FR"][..]),
        ("infirmier.mssante.fr", &["CN=mta2.mailiz,OU=1,O=M,C=FR", "CN=mta1.mailiz,OU=1,O=M,C=FR"][..]),
        ("ch-x.mssante.fr", &["CN=mta.x,OU=2,O=X,C=FR"][..]),
        ("patient.mssante.fr", &["CN=mta.mes,OU=3,O=MES,C=FR"][..]),
    ] {
        for dn in ops {
            xml.push_str(&format!(
                "<Domaine><Nom>{d}</Nom><DNCertificatOperateur>{dn}</DNCertificatOperateur></Domaine>"
            ));
        }
    }
    xml.push_str("</ListeDomaines></ListeBlancheMSSante>");
    ListeBlanche::parse(xml.as_bytes()).unwrap()
}

proptest! {
    #[test]
    fn envelope_render_parse_is_identity(e in envelope()) {
        let lines = e.lines();
        prop_assert!(lines.iter().all(|l| !l.contains(['\r', '\n'])));
        prop_assert_eq!(lines[0].ends_with(" SMTPUTF8"), e.needs_smtputf8());
        prop_assert_eq!(Envelope::parse(&lines).map_err(|x| TestCaseError::fail(x.to_string()))?, e);
    }

    #[test]
    fn xtext_round_trips(s in any::<String>()) {
        let x = xtext::encode(&s);
        prop_assert!(x.bytes().all(|b| (b'!'..=b'~').contains(&b) && b != b'='));
        prop_assert_eq!(xtext::decode(&x).unwrap(), s.as_bytes());
    }

    #[test]
    fn the_plan_covers_every_recipient_once(
        locals in prop::collection::vec((0..40u32, 0..6usize), 0..300),
        max in 1..120usize,
    ) {
        let domains = ["medecin.mssante.fr", "infirmier.mssante.fr", "ch-x.mssante.fr", "autre.mssante.fr", "patient.mssante.fr", "MEDECIN.mssante.fr"];
        let recipients: Vec<String> = locals.iter().map(|(n, d)| {
            if domains[*d] == "patient.mssante.fr" { format!("29912991234{n:04}@patient.mssante.fr") } else { format!("u{n}@{}", domains[*d]) }
        }).collect();
        let refs: Vec<&str> = recipients.iter().map(String::as_str).collect();
        let lb = liste_blanche();
        let p = plan(&refs, &lb, max);
        let routed: usize = p.transactions.iter().map(|t| t.recipients.len()).sum();
        prop_assert_eq!(routed + p.refused.len(), recipients.len());
        prop_assert!(p.transactions.iter().all(|t| !t.recipients.is_empty() && t.recipients.len() <= max));
        // The two Mailiz domains share one destination; other domains never.
        let dests: std::collections::BTreeSet<_> = p.transactions.iter().map(|t| t.destination.clone()).collect();
        prop_assert!(dests.len() <= 3);
        let refusals_explained = p.refused.iter().all(|(a, why)| match why {
            Refusal::NotInTrustSpace => a.contains("autre.mssante.fr"),
            Refusal::Duplicate => true,
            Refusal::BadIns => a.ends_with("@patient.mssante.fr"),
            Refusal::Syntax(_) => false,
        });
        prop_assert!(refusals_explained);
        // Deterministic.
        prop_assert_eq!(plan(&refs, &lb, max), p);
    }
}

#[test]
fn patient_addresses_need_a_valid_ins() {
    assert!(mssante_envelope::route::ins_is_valid("299129912345662"));
    assert!(!mssante_envelope::route::ins_is_valid("299129912345663"));
    let p = plan(&["299129912345662@patient.mssante.fr", "299129912345663@patient.mssante.fr"], &liste_blanche(), 100);
    assert_eq!(p.transactions[0].recipients.len(), 1);
    assert_eq!(p.refused[0].1, Refusal::BadIns);
}

#[test]
fn parse_errors_say_where() {
    let err = Envelope::parse(&["MAIL FROM:<a@b.fr> RET=ALL", "RCPT TO:<c@d.fr>"]).unwrap_err().to_string();
    assert!(err.starts_with("line 1, column 20"), "{err}");
    let err = Envelope::parse(&["MAIL FROM:<>", "RCPT TO:<c@d.fr> NOTIFY=SUCCESS,SUCCESS"]).unwrap_err().to_string();
    assert!(err.contains("line 2") && err.contains("twice"), "{err}");
    assert!(Envelope::parse(&["MAIL FROM:<>"]).is_err(), "no recipient");
    let e = Envelope::parse(&["mail from:<> SIZE=1000 BODY=8BITMIME\r\n", "RCPT TO:<\"a>b\"@d.fr>"]).unwrap();
    assert_eq!(e.reverse_path(), &ReversePath::Null);
    assert_eq!(e.recipients()[0].address().local_part(), "\"a>b\"");
}

proptest! {
    #[test]
    fn replies_read_back_their_parts(code in 200u16..600, enhanced in prop::option::of((2u8..6, 0u16..1000, 0u16..1000)), text in "[ -~]{0,40}") {
        let enhanced = enhanced.filter(|(c, _, _)| *c != 3);
        let line = match enhanced {
            Some((c, s, d)) => format!("{code} {c}.{s}.{d} {text}"),
            None => format!("{code} {text}"),
        };
        let r = mssante_envelope::retry::Reply::parse(&line).unwrap();
        prop_assert_eq!(r.code, code);
        if let Some(e) = enhanced {
            prop_assert_eq!(r.enhanced, Some(e));
            prop_assert_eq!(r.text, text);
        }
    }
}
