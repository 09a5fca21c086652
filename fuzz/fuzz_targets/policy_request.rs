//! A Postfix policy request: never a panic; what parses renders to a request
//! that parses to the same value; every decision's answer is one line that
//! parses back to the same action; the response parser and the bulk
//! senders' file reader fed anything return.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_bal::liste_blanche::ListeBlanche;
use mssante_policy::action::Action;
use mssante_policy::bulk::{BulkMeter, BulkSenders};
use mssante_policy::policy::{Policy, Settings};
use mssante_policy::request::Request;
use std::sync::OnceLock;

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let lb = ListeBlanche::parse(
            br#"<ListeBlancheMSSante><ListeDomaines>
            <Domaine><Nom>medecin.mssante.fr</Nom><DNCertificatOperateur>CN=bus.mailiz.example,OU=1,O=M,C=FR</DNCertificatOperateur></Domaine>
            <Domaine><Nom>ch-exemple.mssante.fr</Nom><DNCertificatOperateur>CN=mx.ch.example,OU=2,O=CH,C=FR</DNCertificatOperateur></Domaine>
            </ListeDomaines></ListeBlancheMSSante>"#,
        )
        .unwrap();
        let settings = Settings::new(["ch-exemple.mssante.fr"])
            .unwrap()
            .bulk_senders(BulkSenders::parse("alerte@dgs.mssante.fr\n@ch-exemple.mssante.fr").unwrap())
            .issuers(["AC TEST"]);
        Policy::new(&lb, settings)
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = Action::parse_response(data);
    if let Ok(senders) = BulkSenders::parse(&String::from_utf8_lossy(data)) {
        let _ = senders.contains("alerte@dgs.mssante.fr");
    }
    if let Ok(request) = Request::parse(data) {
        let text = request.to_string();
        assert_eq!(Request::parse(text.as_bytes()).unwrap(), request);
        let decision = policy().decide(&request, &BulkMeter::new(), 0);
        let response = decision.action.response();
        assert_eq!(response.matches('\n').count(), 2);
        assert_eq!(Action::parse_response(response.as_bytes()).unwrap(), decision.action);
    }
});
