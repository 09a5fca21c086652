//! Properties of the protocol and of the decision.

use mssante_bal::liste_blanche::ListeBlanche;
use mssante_envelope::throttle::{Budget, Budgets};
use mssante_policy::action::{Action, Status};
use mssante_policy::bulk::{BulkMeter, BulkSenders};
use mssante_policy::policy::{Policy, Settings};
use mssante_policy::request::Request;
use proptest::prelude::*;

const LB: &str = r#"<ListeBlancheMSSante><ListeDomaines>
  <Domaine><Nom>medecin.mssante.fr</Nom><DNCertificatOperateur>CN=bus.mailiz.example,OU=1,O=MAILIZ,C=FR</DNCertificatOperateur></Domaine>
  <Domaine><Nom>ch-exemple.mssante.fr</Nom><DNCertificatOperateur>CN=mx.ch-exemple.example,OU=2,O=CH,C=FR</DNCertificatOperateur></Domaine>
  <Domaine><Nom>dgs.mssante.fr</Nom><DNCertificatOperateur>CN=mx.dgs.example,OU=4,O=DGS,C=FR</DNCertificatOperateur></Domaine>
</ListeDomaines></ListeBlancheMSSante>"#;

/// The attributes the rules read.
const KNOWN: &[&str] = &[
    "request",
    "protocol_state",
    "sender",
    "recipient",
    "encryption_protocol",
    "ccert_subject",
    "ccert_issuer",
    "sasl_username",
];

fn policy() -> Policy {
    let lb = ListeBlanche::parse(LB.as_bytes()).unwrap();
    let bulk = BulkSenders::parse("alerte@dgs.mssante.fr").unwrap();
    Policy::new(
        &lb,
        Settings::new(["ch-exemple.mssante.fr"])
            .unwrap()
            .bulk_senders(bulk)
            .budgets(Budgets::new(Budget::new(2, 3, 1, 1).unwrap())),
    )
}

fn value() -> impl Strategy<Value = String> {
    "[^\r\n]{0,40}"
}

/// A request Postfix could send, with the known attributes drawn from
/// values that exercise every rule.
fn known_attributes() -> impl Strategy<Value = Vec<(String, String)>> {
    (
        prop::sample::select(vec!["smtpd_access_policy", "other"]),
        prop::sample::select(vec!["RCPT", "DATA", "END-OF-MESSAGE"]),
        prop::sample::select(vec![
            "",
            "dr.a@medecin.mssante.fr",
            "alerte@dgs.mssante.fr",
            "x@gmail.example",
            "s@ch-exemple.mssante.fr",
        ]),
        prop::sample::select(vec![
            "",
            "b@ch-exemple.mssante.fr",
            "c@medecin.mssante.fr",
            "d@gmail.example",
            "e@xn--a.fr",
        ]),
        prop::sample::select(vec!["", "TLSv1.3"]),
        prop::sample::select(vec![
            "",
            "bus.mailiz.example",
            "mx.ch-exemple.example",
            "mx.unknown.example",
            "mx+2Edgs.example",
        ]),
        prop::sample::select(vec!["", "user"]),
    )
        .prop_map(|(req, state, sender, rcpt, tls, cn, sasl)| {
            let mut v: Vec<(String, String)> = vec![
                ("request".into(), req.into()),
                ("protocol_state".into(), state.into()),
                ("sender".into(), sender.into()),
                ("recipient".into(), rcpt.into()),
                ("encryption_protocol".into(), tls.into()),
                ("ccert_subject".into(), cn.into()),
                ("ccert_issuer".into(), "AC+20TEST".into()),
            ];
            if !sasl.is_empty() {
                v.push(("sasl_username".into(), sasl.into()));
            }
            v
        })
}

fn unknown_attributes() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::btree_map("zz_[a-z_]{1,12}", value(), 0..8).prop_map(|m| m.into_iter().collect())
}

fn build(attributes: &[(String, String)]) -> Request {
    let mut r = Request::new();
    for (n, v) in attributes {
        r.insert(n, v).unwrap();
    }
    r
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any request renders to lines that parse back to the same request.
    #[test]
    fn request_render_parse_identity(attributes in prop::collection::btree_map("[a-z_]{1,24}", value(), 1..30)) {
        let r = build(&attributes.into_iter().collect::<Vec<_>>());
        let text = r.to_string();
        prop_assert_eq!(Request::parse(text.as_bytes()).unwrap(), r.clone());
        prop_assert_eq!(Request::parse(text.replace('\n', "\r\n").as_bytes()).unwrap(), r, "CRLF lines too");
    }

    /// Any answer this crate writes parses back to the same action.
    #[test]
    fn action_render_parse_identity(class in prop::sample::select(vec![4u8, 5]), subject in 0u16..1000, detail in 0u16..1000, text in "\\PC{0,500}") {
        let status = Status::new(class, subject, detail).unwrap();
        for a in [Action::reject(status, &text), Action::defer_if_permit(status, &text), Action::dunno(), Action::ok()] {
            let response = a.response();
            prop_assert_eq!(response.matches('\n').count(), 2, "one line then the empty line");
            prop_assert_eq!(Action::parse_response(response.as_bytes()).unwrap(), a);
        }
    }

    /// A decision never depends on the order of the attributes.
    #[test]
    fn decisions_ignore_attribute_order(known in known_attributes(), unknown in unknown_attributes(), seed in any::<u64>()) {
        let p = policy();
        let mut all: Vec<_> = known.into_iter().chain(unknown).collect();
        let first = p.decide(&build(&all), &BulkMeter::new(), 0);
        // A deterministic shuffle from the seed.
        let mut s = seed | 1;
        for i in (1..all.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            all.swap(i, (s % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(p.decide(&build(&all), &BulkMeter::new(), 0), first);
    }

    /// Attributes the rules do not read never change a decision.
    #[test]
    fn unknown_attributes_never_change_a_decision(known in known_attributes(), unknown in unknown_attributes()) {
        prop_assume!(unknown.iter().all(|(n, _)| !KNOWN.contains(&n.as_str())));
        let p = policy();
        let without = p.decide(&build(&known), &BulkMeter::new(), 0);
        let with: Vec<_> = known.into_iter().chain(unknown).collect();
        prop_assert_eq!(p.decide(&build(&with), &BulkMeter::new(), 0), without);
    }

    /// Whatever the bytes, parsing a request returns (no panic), and what
    /// parses renders to bytes that parse to the same request.
    #[test]
    fn any_bytes_parse_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(r) = Request::parse(&bytes) {
            prop_assert_eq!(Request::parse(r.to_string().as_bytes()).unwrap(), r);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A bulk senders' file written from any addresses and `@domain`s, with
    /// comments, blank lines and stray spaces, reads back to exactly them.
    #[test]
    fn bulk_senders_write_read(
        addresses in prop::collection::btree_set("[a-z][a-z0-9.]{0,10}[a-z0-9]@[a-z]{1,10}\\.mssante\\.fr", 0..10),
        domains in prop::collection::btree_set("[a-z]{1,10}\\.example", 0..5),
        noise in prop::collection::vec(prop::sample::select(vec!["", "# commentaire", "   ", "\t# autre"]), 0..10),
    ) {
        prop_assume!(addresses.iter().all(|a| !a.contains("..") && !a.contains(".@")));
        let mut lines: Vec<String> = addresses.iter().map(|a| format!("  {}  ", a.to_uppercase())).collect();
        lines.extend(domains.iter().map(|d| format!("@{d}")));
        for (i, n) in noise.iter().enumerate() {
            lines.insert(i.min(lines.len()), (*n).to_owned());
        }
        let s = BulkSenders::parse(&lines.join("\n")).unwrap();
        prop_assert_eq!(s.is_empty(), addresses.is_empty() && domains.is_empty());
        for a in &addresses {
            prop_assert!(s.contains(a));
            let (local, domain) = a.split_once('@').unwrap();
            let other = format!("{local}x@{domain}");
            prop_assert_eq!(s.contains(&other), addresses.contains(&other), "only the addresses listed");
        }
        for d in &domains {
            let anyone = format!("anyone@{d}");
            prop_assert!(s.contains(&anyone));
            let sub = format!("sub.{d}");
            let below = format!("anyone@{sub}");
            prop_assert_eq!(s.contains(&below), domains.contains(&sub), "never a suffix");
        }
    }
}
