//! Each rule, with the answer Postfix gets.

use mssante_bal::liste_blanche::ListeBlanche;
use mssante_envelope::throttle::{Budget, Budgets};
use mssante_policy::action::Verb;
use mssante_policy::bulk::{BulkMeter, BulkSenders};
use mssante_policy::code::PolicyCode;
use mssante_policy::policy::{Decision, Mode, Policy, Rule, Settings};
use mssante_policy::request::Request;

const LB: &str = r#"<ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><ListeDomaines>
  <Domaine><Nom>medecin.mssante.fr</Nom><DNCertificatOperateur>CN=bus.mailiz.example,OU=1,O=MAILIZ,C=FR</DNCertificatOperateur></Domaine>
  <Domaine><Nom>medecin.mssante.fr</Nom><DNCertificatOperateur>CN=proxy.mailiz.example,OU=1,O=MAILIZ,C=FR</DNCertificatOperateur></Domaine>
  <Domaine><Nom>infirmier.mssante.fr</Nom><DNCertificatOperateur>CN=bus.mailiz.example,OU=1,O=MAILIZ,C=FR</DNCertificatOperateur></Domaine>
  <Domaine><Nom>ch-exemple.mssante.fr</Nom><DNCertificatOperateur>CN=mx.ch-exemple.example,OU=2,O=CH EXEMPLE,C=FR</DNCertificatOperateur></Domaine>
  <Domaine><Nom>hôpital-nord.mssante.fr</Nom><DNCertificatOperateur>CN=mx.hopital-nord.example,OU=3,O=HN,C=FR</DNCertificatOperateur></Domaine>
  <Domaine><Nom>dgs.mssante.fr</Nom><DNCertificatOperateur>CN=mx.dgs.example,OU=4,O=DGS,C=FR</DNCertificatOperateur></Domaine>
</ListeDomaines></ListeBlancheMSSante>"#;

fn policy(mode: Mode) -> Policy {
    let lb = ListeBlanche::parse(LB.as_bytes()).unwrap();
    let bulk = BulkSenders::parse("alerte@dgs.mssante.fr\n").unwrap();
    let budgets = Budgets::new(Budget::new(4, 12, 1, 10).unwrap()); // 2 bulk per minute
    Policy::new(&lb, Settings::new(["ch-exemple.mssante.fr"]).unwrap().bulk_senders(bulk).budgets(budgets).mode(mode))
}

fn request(pairs: &[(&str, &str)]) -> Request {
    let mut r = Request::new().with("request", "smtpd_access_policy").unwrap().with("protocol_state", "RCPT").unwrap();
    for (n, v) in pairs {
        r.insert(n, v).unwrap();
    }
    r
}

fn inbound(sender: &str, tls: &str, cn: &str) -> Request {
    request(&[
        ("sender", sender),
        ("recipient", "secretariat@ch-exemple.mssante.fr"),
        ("client_address", "192.0.2.10"),
        ("encryption_protocol", tls),
        ("ccert_subject", cn),
        ("ccert_issuer", "AC+20IGC-SANTE+20ELEMENTAIRE+20ORGANISATIONS"),
    ])
}

fn decide(r: &Request) -> Decision {
    policy(Mode::Enforce).decide(r, &BulkMeter::new(), 0)
}

fn code(r: &Request) -> Option<&'static str> {
    decide(r).code.map(PolicyCode::as_str)
}

#[test]
fn inbound_from_a_listed_peer_passes() {
    let d = decide(&inbound("dr.a@medecin.mssante.fr", "TLSv1.3", "bus.mailiz.example"));
    assert_eq!((d.rule, d.action.response().as_str()), (Rule::Inbound, "action=DUNNO\n\n"));
    // Any of the domain's MTAs, any case.
    assert_eq!(code(&inbound("dr.a@MEDECIN.mssante.fr", "TLSv1.2", "PROXY.Mailiz.example")), None);
    // An IDN sender domain, in Unicode or ASCII.
    assert_eq!(code(&inbound("x@xn--hpital-nord-2eb.mssante.fr", "TLSv1.3", "mx.hopital-nord.example")), None);
    assert_eq!(code(&inbound("x@hôpital-nord.mssante.fr", "TLSv1.3", "mx.hopital-nord.example")), None);
}

#[test]
fn inbound_refusals_have_their_codes() {
    let c = |s, t, cn| code(&inbound(s, t, cn));
    assert_eq!(c("x@gmail.example", "TLSv1.3", "mx.gmail.example"), Some("P101"));
    // A suffix is not membership.
    assert_eq!(c("x@evil.medecin.mssante.fr", "TLSv1.3", "bus.mailiz.example"), Some("P101"));
    assert_eq!(c("dr.a@medecin.mssante.fr", "", "bus.mailiz.example"), Some("P102"));
    assert_eq!(c("dr.a@medecin.mssante.fr", "TLSv1.3", ""), Some("P103"));
    assert_eq!(c("dr.a@medecin.mssante.fr", "TLSv1.3", "mx.ch-exemple.example"), Some("P104"));
    assert_eq!(c("dr.a@medecin.mssante.fr", "TLSv1.3", "mx.unknown.example"), Some("P105"));
    let d = decide(&inbound("dr.a@medecin.mssante.fr", "TLSv1.3", "mx.ch-exemple.example"));
    assert_eq!(d.action.verb(), Verb::Reject);
    assert_eq!(d.action.status().unwrap().to_string(), "5.7.1");
    assert!(d.action.text().starts_with("P104 "), "{}", d.action.text());
    assert!(d.action.text().is_ascii(), "SMTP replies are ASCII");
}

#[test]
fn the_null_sender_needs_a_listed_certificate() {
    assert_eq!(code(&inbound("", "TLSv1.3", "mx.dgs.example")), None);
    assert_eq!(code(&inbound("", "TLSv1.3", "mx.unknown.example")), Some("P105"));
    assert_eq!(code(&inbound("", "", "mx.dgs.example")), Some("P102"));
}

#[test]
fn accepted_issuers_are_checked_when_set() {
    let lb = ListeBlanche::parse(LB.as_bytes()).unwrap();
    let p = Policy::new(
        &lb,
        Settings::new(["ch-exemple.mssante.fr"]).unwrap().issuers(["AC IGC-SANTE ELEMENTAIRE ORGANISATIONS"]),
    );
    let m = BulkMeter::new();
    let ok = inbound("dr.a@medecin.mssante.fr", "TLSv1.3", "bus.mailiz.example");
    assert_eq!(p.decide(&ok, &m, 0).code, None);
    let other = request(&[
        ("sender", "dr.a@medecin.mssante.fr"),
        ("recipient", "x@ch-exemple.mssante.fr"),
        ("encryption_protocol", "TLSv1.3"),
        ("ccert_subject", "bus.mailiz.example"),
        ("ccert_issuer", "Another+20CA"),
    ]);
    assert_eq!(p.decide(&other, &m, 0).code, Some(PolicyCode::IssuerNotAccepted));
    // A list that names no usable CN accepts none, never any.
    let none = Policy::new(&lb, Settings::new(["ch-exemple.mssante.fr"]).unwrap().issuers([""]));
    assert_eq!(none.decide(&ok, &m, 0).code, Some(PolicyCode::IssuerNotAccepted));
}

#[test]
fn authenticated_users_skip_the_peer_checks() {
    let mut r = inbound("secretariat@ch-exemple.mssante.fr", "", "");
    r.insert("sasl_username", "secretariat").unwrap();
    assert_eq!(code(&r), None);
}

#[test]
fn outbound_needs_a_listed_recipient_domain() {
    let out = |rcpt: &str| code(&request(&[("sender", "s@ch-exemple.mssante.fr"), ("recipient", rcpt)]));
    assert_eq!(out("dr.b@medecin.mssante.fr"), None);
    assert_eq!(out("dr.b@Medecin.MSSante.FR"), None);
    assert_eq!(out("y@hôpital-nord.mssante.fr"), None);
    assert_eq!(out("y@xn--hpital-nord-2eb.mssante.fr"), None);
    assert_eq!(out("x@gmail.example"), Some("P201"));
    assert_eq!(out("x@sub.medecin.mssante.fr"), Some("P201"), "never a suffix test");
    assert_eq!(out("x@mssante.fr"), Some("P201"));
    assert_eq!(out("x@xn--a.mssante.fr"), Some("P202"));
}

#[test]
fn other_events_get_no_opinion_and_bad_requests_a_temporary_refusal() {
    let mut r = Request::new().with("request", "smtpd_access_policy").unwrap();
    r.insert("protocol_state", "END-OF-MESSAGE").unwrap();
    r.insert("recipient", "x@gmail.example").unwrap();
    let d = decide(&r);
    assert_eq!((d.rule, d.action.verb()), (Rule::NotApplicable, Verb::Dunno));
    let postmaster = request(&[("sender", "x@gmail.example"), ("recipient", "postmaster")]);
    assert_eq!((decide(&postmaster).rule, decide(&postmaster).code), (Rule::NotApplicable, None));
    let empty_domain = request(&[("sender", "x@gmail.example"), ("recipient", "x@")]);
    assert_eq!(code(&empty_domain), Some("P201"), "an empty domain is in no liste blanche");
    let no_rcpt = request(&[("sender", "a@b.example")]);
    assert_eq!(decide(&no_rcpt).action.verb(), Verb::Dunno);
    let other = Request::new().with("request", "junk").unwrap();
    let d = decide(&other);
    assert_eq!((d.code, d.action.verb()), (Some(PolicyCode::UnknownRequest), Verb::DeferIfPermit));
    assert_eq!(d.action.status().unwrap().to_string(), "4.3.5");
}

#[test]
fn bulk_is_deferred_when_the_budget_is_spent_and_clinical_mail_never() {
    let p = policy(Mode::Enforce);
    let m = BulkMeter::new();
    let alert = |rcpt: &str| request(&[("sender", "alerte@dgs.mssante.fr"), ("recipient", rcpt)]);
    let clinical = |rcpt: &str| request(&[("sender", "dr.c@ch-exemple.mssante.fr"), ("recipient", rcpt)]);
    // Budget 12/min with 10 reserved for clinical: 2 bulk per minute to Mailiz.
    let first: Vec<_> = (0..5).map(|i| p.decide(&alert(&format!("p{i}@medecin.mssante.fr")), &m, 0)).collect();
    let codes: Vec<_> = first.iter().map(|d| d.code.map(PolicyCode::as_str)).collect();
    assert_eq!(codes, [None, None, Some("P301"), Some("P301"), Some("P301")]);
    assert_eq!(first[2].action.verb(), Verb::DeferIfPermit);
    assert_eq!(first[2].action.status().unwrap().to_string(), "4.7.1");
    assert_eq!(p.decide(&alert("x@hôpital-nord.mssante.fr"), &m, 0).code, None, "other operators keep their budget");
    for i in 0..1000 {
        assert_eq!(p.decide(&clinical(&format!("p{i}@medecin.mssante.fr")), &m, 0).code, None);
    }
    // 30 s later: one more bulk token (2/min).
    assert_eq!(p.decide(&alert("q@medecin.mssante.fr"), &m, 30_000).code, None);
    assert_eq!(p.decide(&alert("r@medecin.mssante.fr"), &m, 30_000).code, Some(PolicyCode::BulkBudgetSpent));
}

#[test]
fn dry_run_answers_dunno_and_says_what_it_would_do() {
    let p = policy(Mode::DryRun);
    let d = p.decide(&inbound("x@gmail.example", "TLSv1.3", "mx"), &BulkMeter::new(), 0);
    assert_eq!(d.action.verb(), Verb::Dunno);
    assert_eq!(d.code, Some(PolicyCode::SenderNotListed));
    assert!(d.would.as_ref().unwrap().to_string().starts_with("REJECT 5.7.1 P101"));
    let ok = p.decide(&inbound("dr.a@medecin.mssante.fr", "TLSv1.3", "bus.mailiz.example"), &BulkMeter::new(), 0);
    assert_eq!((ok.would, ok.code), (None, None));
    // A broken exchange is never let through, even in dry run.
    let other = Request::new().with("request", "junk").unwrap();
    assert_eq!(p.decide(&other, &BulkMeter::new(), 0).action.verb(), Verb::DeferIfPermit);
}
