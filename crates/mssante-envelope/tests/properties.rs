//! Envelope render → parse = identity; xtext round trip; the routing plan
//! covers every recipient exactly once and never exceeds the transaction size.

use mssante_bal::Address;
use mssante_bal::liste_blanche::ListeBlanche;
use mssante_envelope::route::{Refusal, TrustSpace, plan};
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
        let lb = TrustSpace::new(&liste_blanche());
        let p = plan(&refs, &lb, max);
        let routed: usize = p.transactions.iter().map(|t| t.recipients.len()).sum();
        prop_assert_eq!(routed + p.refused.len(), recipients.len());
        prop_assert!(p.transactions.iter().all(|t| !t.recipients.is_empty() && t.recipients.len() <= max));
        // The two Mailiz domains share one destination; other domains never.
        let dests: std::collections::BTreeSet<_> = p.transactions.iter().map(|t| t.destination.clone()).collect();
        prop_assert!(dests.len() <= 3);
        let refusals_explained = p.refused.iter().all(|r| match &r.reason {
            Refusal::NotInTrustSpace => r.input.contains("autre.mssante.fr") && recipients[r.index] == r.input,
            Refusal::Duplicate => true,
            Refusal::BadIns => r.input.ends_with("@patient.mssante.fr"),
            // Syntax, and any reason added later: not expected from these inputs.
            _ => false,
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
    let p = plan(
        &["299129912345662@patient.mssante.fr", "299129912345663@patient.mssante.fr"],
        &TrustSpace::new(&liste_blanche()),
        100,
    );
    assert_eq!(p.transactions[0].recipients.len(), 1);
    assert_eq!(p.refused[0].reason, Refusal::BadIns);
    assert_eq!(p.refused[0].index, 1);
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

mod budgets {
    use mssante_envelope::route::Destination;
    use mssante_envelope::throttle::{Budget, Budgets, Lane, Slot, Throttle};
    use proptest::prelude::*;

    fn budget() -> impl Strategy<Value = Budget> {
        (2..12u32, 2..1000u32)
            .prop_flat_map(|(c, r)| (1..c, 1..r).prop_map(move |(cc, cr)| Budget::new(c, r, cc, cr).unwrap()))
    }

    fn dest(i: u8) -> Destination {
        Destination { dns: vec![format!("CN=mta{i}.op{i}.example,O=OP{i},C=FR")] }
    }

    fn max_in_a_minute(starts: &mut [u64]) -> usize {
        starts.sort_unstable();
        (0..starts.len())
            .map(|i| starts[i..].iter().take_while(|&&s| s < starts[i] + 60_000).count())
            .max()
            .unwrap_or(0)
    }

    proptest! {
        /// No destination ever gets more connections or transactions per minute
        /// than its budget, per lane and in all; a lane stays on its connections.
        #[test]
        fn plans_never_exceed_a_budget(default in budget(), special in budget(), jobs in prop::collection::vec((0..3u8, any::<bool>()), 0..600)) {
            let budgets = Budgets::new(default).with("mta1.op1.example", special);
            let mut t = Throttle::new(&budgets);
            let slots: Vec<(u8, Slot)> = jobs.iter().map(|&(d, clinical)| {
                let lane = if clinical { Lane::Clinical } else { Lane::Bulk };
                (d, t.assign(lane, &dest(d)))
            }).collect();
            for d in 0..3u8 {
                let b = budgets.for_destination(&dest(d));
                prop_assert_eq!(b, if d == 1 { &special } else { &default });
                let mine: Vec<Slot> = slots.iter().filter(|(x, _)| *x == d).map(|(_, s)| *s).collect();
                prop_assert!(mine.iter().all(|s| s.connection < b.connections()));
                for lane in [Lane::Clinical, Lane::Bulk] {
                    let (first, count) = b.connections_of(lane);
                    let mut starts: Vec<u64> = mine.iter().filter(|s| s.lane == lane).map(|s| s.start_ms).collect();
                    prop_assert!(mine.iter().filter(|s| s.lane == lane).all(|s| (first..first + count).contains(&s.connection)));
                    prop_assert!(max_in_a_minute(&mut starts) <= b.rate_of(lane) as usize);
                }
                let mut all: Vec<u64> = mine.iter().map(|s| s.start_ms).collect();
                prop_assert!(max_in_a_minute(&mut all) <= b.per_minute() as usize);
            }
        }

        /// Clinical slots are the same whatever bulk mail is queued.
        #[test]
        fn bulk_mail_never_delays_clinical_mail(jobs in prop::collection::vec(any::<bool>(), 0..400)) {
            let budgets = Budgets::default();
            let mut with_bulk = Throttle::new(&budgets);
            let mut alone = Throttle::new(&budgets);
            for clinical in jobs {
                if clinical {
                    prop_assert_eq!(with_bulk.assign(Lane::Clinical, &dest(0)), alone.assign(Lane::Clinical, &dest(0)));
                } else {
                    with_bulk.assign(Lane::Bulk, &dest(0));
                }
            }
        }
    }

    #[test]
    fn a_budget_that_starves_a_lane_is_refused() {
        let bad = [
            Budget::new(4, 600, 0, 120),
            Budget::new(4, 600, 4, 120),
            Budget::new(4, 600, 1, 600),
            Budget::new(1, 600, 1, 120),
            Budget::default().with_max_message_size(0),
        ];
        for (i, b) in bad.into_iter().enumerate() {
            let e = b.unwrap_err();
            assert_eq!(e.code(), "M611", "case {i}: {e}");
        }
    }
}

mod retries {
    use mssante_envelope::retry::{Class, Retries, RetryPolicy, Verdict};
    use mssante_envelope::route::Destination;
    use proptest::prelude::*;

    proptest! {
        /// Per destination: every deferral is at least the first delay minus
        /// jitter and never past the give-up time; once given up, always; a
        /// success clears; the same seed gives the same schedule.
        #[test]
        fn destination_backoff_respects_the_policy(seed in any::<u64>(), outcomes in prop::collection::vec(0..3u8, 1..80)) {
            let policy = RetryPolicy::default();
            let d = Destination { dns: vec!["CN=mta1.op.example,O=OP,C=FR".into()] };
            let run = || {
                let mut r = Retries::new(policy, seed);
                let mut now = 0u64;
                let mut first_failure: Option<u64> = None;
                let mut verdicts = Vec::new();
                for &o in &outcomes {
                    let class = [Class::Success, Class::Transient, Class::Connection][o as usize];
                    let v = r.record(&d, class, now);
                    match v {
                        Verdict::Ready => { first_failure = None; assert!(r.ready(&d, now)); }
                        Verdict::RetryAt(t) => {
                            let f = *first_failure.get_or_insert(now);
                            assert!(t >= now + (policy.first as f64 * (1.0 - policy.jitter)) as u64);
                            assert!(t < f + policy.give_up);
                            assert!(!r.ready(&d, t - 1) && r.ready(&d, t));
                            now = t;
                        }
                        Verdict::GiveUp => { assert!(now >= first_failure.unwrap_or(now)); }
                    }
                    verdicts.push(v);
                }
                verdicts
            };
            prop_assert_eq!(run(), run());
        }
    }

    #[test]
    fn destinations_do_not_retry_in_lockstep() {
        let mut r = Retries::new(RetryPolicy::default(), 42);
        let a = Destination { dns: vec!["CN=mta1.a.example,O=A,C=FR".into()] };
        let b = Destination { dns: vec!["CN=mta1.b.example,O=B,C=FR".into()] };
        assert_ne!(r.record(&a, Class::Connection, 0), r.record(&b, Class::Connection, 0));
        assert!(r.ready(&a, 0) == r.ready(&b, 0));
        assert_eq!(r.deferred(0).len(), 2);
        // Permanent refusals concern the message, not the destination.
        let c = Destination { dns: vec!["CN=mta1.c.example,O=C,C=FR".into()] };
        assert_eq!(r.record(&c, Class::Permanent, 0), Verdict::Ready);
        assert!(r.ready(&c, 0));
        // Given up after five days of failures.
        let mut t = 0;
        let last = loop {
            match r.record(&a, Class::Transient, t) {
                Verdict::RetryAt(next) => t = next,
                v => break v,
            }
        };
        assert_eq!(last, Verdict::GiveUp);
        assert!(t < 5 * 24 * 3600 && t > 4 * 24 * 3600, "{t}");
    }
}

mod ehlo {
    use mssante_envelope::smtp::{Extensions, Session};
    use proptest::prelude::*;
    use std::io::{Cursor, Read, Write};

    /// A server that says a script and ignores what the client writes.
    struct Scripted {
        says: Cursor<Vec<u8>>,
    }

    impl Read for Scripted {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.says.read(buf)
        }
    }

    impl Write for Scripted {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    proptest! {
        /// Extensions written as an EHLO reply (any order, any case, other
        /// keywords between) read back as themselves.
        #[test]
        fn ehlo_extensions_read_back(dsn in any::<bool>(), utf8 in any::<bool>(), eight in any::<bool>(), starttls in any::<bool>(), size in prop::option::of(0..100_000_000u64), shuffle in any::<u64>(), lower in any::<bool>()) {
            let mut lines: Vec<String> = vec!["PIPELINING".into(), "HELP".into()];
            if dsn { lines.push("DSN".into()); }
            if utf8 { lines.push("SMTPUTF8".into()); }
            if eight { lines.push("8BITMIME".into()); }
            if starttls { lines.push("STARTTLS".into()); }
            if let Some(n) = size { lines.push(format!("SIZE {n}")); }
            let n = lines.len();
            lines.rotate_left((shuffle % n as u64) as usize);
            if lower { lines.iter_mut().for_each(|l| *l = l.to_lowercase()); }
            let mut script = "220 mx.example ESMTP\r\n250-mx.example greets client\r\n".to_owned();
            for (i, l) in lines.iter().enumerate() {
                script.push_str(&format!("250{}{l}\r\n", if i + 1 == n { ' ' } else { '-' }));
            }
            let s = Session::open(Scripted { says: Cursor::new(script.into_bytes()) }, "client.example.fr").unwrap();
            let expected = Extensions { dsn, smtputf8: utf8, eight_bit_mime: eight, size, starttls };
            prop_assert_eq!(s.extensions(), &expected);
        }
    }
}
