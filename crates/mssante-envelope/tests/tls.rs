//! The trust space on the wire, on loopback, with a test PKI made at test
//! time: the seven ANS audit cases, mutual TLS, trust files in every form
//! operators receive, and delivery over verified TLS.

use mssante_bal::liste_blanche::ListeBlanche;
use mssante_envelope::message::{Draft, Mailbox};
use mssante_envelope::tls::test_pki::{
    ServerSpec, Signer, Spec, Subject, TestCert, TestPki, TestServer, liste_blanche,
};
use mssante_envelope::tls::{
    Checker, Clock, Identity, InboundPolicy, Revocation, TlsClient, TrustCode, TrustMaterial, Usage, Verdict,
};
use mssante_envelope::{Error, Stage};
use rustls::pki_types::CertificateDer;
use std::sync::{Arc, OnceLock};

fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(TestPki::new)
}

fn material(pki: &TestPki) -> Arc<TrustMaterial> {
    let mut b = TrustMaterial::builder();
    b.add_ca_bytes("ca.pem", pki.ca_pem().as_bytes()).unwrap();
    b.add_crl_bytes("crl.pem", pki.crl_pem().as_bytes()).unwrap();
    Arc::new(b.build().unwrap())
}

fn checker() -> Checker {
    Checker::new(material(pki()))
}

fn client() -> TlsClient {
    TlsClient::new(checker(), "mta.operateur-exemple.mssante.fr")
}

fn der(c: &TestCert) -> Vec<CertificateDer<'static>> {
    c.rustls().0
}

#[test]
fn the_seven_audit_cases() {
    let (cases, xml) = pki().audit();
    let lb = ListeBlanche::parse(xml.as_bytes()).unwrap();
    assert_eq!(lb.domain_count(), 7);
    let mut seen = Vec::new();
    for case in &cases {
        let server = TestServer::start(ServerSpec::starttls(case.cert.clone()));
        let probe = client().probe("127.0.0.1", server.port, &case.domain, &lb).unwrap();
        assert_eq!(probe.verdict.code(), case.expected, "{}: {:?}", case.name, probe.verdict);
        match &probe.verdict {
            Verdict::Trusted(peer) => {
                assert!(probe.tls);
                assert!(matches!(peer.protocol.as_deref(), Some("TLSv1.3" | "TLSv1.2")), "{:?}", peer.protocol);
                assert!(peer.cipher.is_some());
                assert_eq!(peer.listed.to_string(), case.cert.as_ref().unwrap().dn);
                assert!(peer.certificate.issuer.as_ref().unwrap().to_string().contains("ORGANISATIONS TEST"));
                assert_eq!(peer.certificate.not_after, 2_208_988_800);
            }
            Verdict::Refused(r) => {
                assert_eq!(probe.tls, case.cert.is_some(), "{}", case.name);
                // What the refusal says it saw is the server's certificate.
                if let Some(cert) = &case.cert {
                    assert_eq!(r.certificate.as_ref().unwrap().subject.as_ref().unwrap().to_string(), cert.dn);
                }
            }
        }
        // Nothing was sent, to anyone.
        assert!(server.received().is_empty());
        seen.push((case.name, probe.verdict.code().map_or("trusted", |c| c.as_str())));
    }
    assert_eq!(
        seen,
        [
            ("cert-valide-audit", "trusted"),
            ("cert-expire-audit", "T904"),
            ("cert-revoque-audit", "T905"),
            ("cert-non-igc-audit", "T903"),
            ("cert-no-match-audit", "T907"),
            ("cert-cn-diff-dn-audit", "T908"),
            ("sans-tls-audit", "T901"),
        ]
    );
}

#[test]
fn a_domain_outside_the_liste_blanche_is_refused_before_connecting() {
    let lb = ListeBlanche::parse(liste_blanche(&[("a.mssante.fr", "CN=a,C=FR")]).as_bytes()).unwrap();
    // Port 9 on loopback: nothing listens; the refusal comes first.
    let probe = client().probe("127.0.0.1", 9, "ailleurs.fr", &lb).unwrap();
    assert_eq!(probe.verdict.code(), Some(TrustCode::DomainNotListed));
    assert!(!probe.tls);
    // A closed port is an error, not a verdict.
    assert!(matches!(client().probe("127.0.0.1", 9, "a.mssante.fr", &lb), Err(Error::Io(_))));
}

#[test]
fn delivery_sends_only_to_a_trusted_peer_and_keeps_replies_typed() {
    let (cases, xml) = pki().audit();
    let lb = ListeBlanche::parse(xml.as_bytes()).unwrap();
    let from = Mailbox::new("supervision@operateur-exemple.mssante.fr").unwrap();
    for case in &cases {
        let server = TestServer::start(ServerSpec::starttls(case.cert.clone()));
        let built = Draft::notice(from.clone(), "Incident clos", "Bonjour,\r\n.Point\r\n")
            .to(Mailbox::new(&format!("dr.exemple@{}", case.domain)).unwrap())
            .message_id(format!("{}@operateur-exemple.mssante.fr", case.name))
            .date(1_607_709_600)
            .build()
            .unwrap();
        let result = client().deliver("127.0.0.1", server.port, &case.domain, &lb, &built.envelope, &built.bytes);
        match case.expected {
            None => {
                let (delivery, peer) = result.unwrap();
                assert_eq!(delivery.accepted, [0]);
                assert_eq!(delivery.data.unwrap().enhanced, Some((2, 0, 0)));
                assert!(peer.is_some());
                let got = server.received();
                assert_eq!(got.len(), 1);
                assert!(got[0].tls);
                assert_eq!(got[0].data, built.bytes, "the bytes received are the bytes sent");
            }
            Some(code) => {
                match result {
                    Err(Error::Untrusted(r)) => assert_eq!(r.code, code, "{}", case.name),
                    other => panic!("{}: {other:?}", case.name),
                }
                assert!(server.received().is_empty(), "{}: a refused peer receives nothing", case.name);
            }
        }
    }
}

#[test]
fn mutual_tls_the_server_verifies_the_client_and_its_mail_from_domain() {
    let pki = pki();
    let ours = pki.issue(&Spec::valid(Subject::new(
        "mta.operateur-exemple.mssante.fr",
        "12345678900012",
        "OPERATEUR EXEMPLE",
    )));
    let theirs = pki.issue(&Spec::valid(Subject::new("mx.ch-exemple.mssante.fr", "98765432100019", "CH EXEMPLE")));
    let xml = liste_blanche(&[
        ("operateur-exemple.mssante.fr", &ours.dn),
        ("ch-exemple.mssante.fr", &theirs.dn),
        ("autre-operateur.mssante.fr", "CN=mta.autre-operateur.mssante.fr,OU=1,O=AUTRE,ST=Exemple (99),C=FR"),
    ]);
    let lb = Arc::new(ListeBlanche::parse(xml.as_bytes()).unwrap());
    let policy = InboundPolicy::new(checker(), lb.clone());
    let server =
        TestServer::start(ServerSpec { cert: Some(theirs.clone()), inbound: Some(policy.clone()), implicit: false });
    // Our identity from a PKCS#12 file, as operators receive it.
    let p12 = ours.pkcs12("mot de passe");
    let identity = Identity::from_pkcs12("ours.p12", &p12, "mot de passe").unwrap();
    let me = client().identity(identity);
    let send = |client: &TlsClient, from: &str| {
        let built = Draft::notice(Mailbox::new(from).unwrap(), "Test", "Bonjour.\r\n")
            .to(Mailbox::new("dr.exemple@ch-exemple.mssante.fr").unwrap())
            .message_id("mtls@operateur-exemple.mssante.fr")
            .date(1_607_709_600)
            .build()
            .unwrap();
        (client.deliver("127.0.0.1", server.port, "ch-exemple.mssante.fr", &lb, &built.envelope, &built.bytes), built)
    };
    let (ok, built) = send(&me, "supervision@operateur-exemple.mssante.fr");
    assert_eq!(ok.unwrap().0.accepted, [0]);
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].data, built.bytes);
    match got[0].verdict.as_ref().unwrap() {
        Verdict::Trusted(p) => assert_eq!(p.listed.to_string(), ours.dn),
        other => panic!("{other:?}"),
    }
    // The same client certificate, but a MAIL FROM of another operator's
    // domain: the server refuses it (its certificate is not listed there).
    let (refused, _) = send(&me, "x@autre-operateur.mssante.fr");
    match refused {
        Err(Error::Rejected { stage: Stage::MailFrom, reply }) => {
            assert_eq!((reply.code, reply.enhanced), (550, Some((5, 7, 1))));
            assert!(reply.text.contains("T907"), "{reply}");
        }
        other => panic!("{other:?}"),
    }
    // Without a certificate, the server ends the handshake.
    let (no_cert, _) = send(&client(), "supervision@operateur-exemple.mssante.fr");
    match no_cert {
        Err(Error::Untrusted(r)) => assert_eq!(r.code, TrustCode::Handshake, "{r}"),
        other => panic!("{other:?}"),
    }
    // A client certificate from outside the IGC-Santé: same.
    let foreign = pki.issue(&Spec {
        signer: Signer::Foreign,
        ..Spec::valid(Subject::new("mta.operateur-exemple.mssante.fr", "12345678900012", "OPERATEUR EXEMPLE"))
    });
    let id = Identity::from_pem("foreign.pem", foreign.chain_pem.as_bytes(), foreign.key_pem.as_bytes()).unwrap();
    let (bad, _) = send(&client().identity(id), "supervision@operateur-exemple.mssante.fr");
    assert!(matches!(bad, Err(Error::Untrusted(ref r)) if r.code == TrustCode::Handshake), "{bad:?}");
    assert_eq!(server.received().len(), 1);

    // The decision on its own.
    let chain = der(&ours);
    assert!(policy.decide(Some(&chain), "operateur-exemple.mssante.fr").is_trusted());
    assert_eq!(policy.decide(None, "operateur-exemple.mssante.fr").code(), Some(TrustCode::NoTls));
    assert_eq!(policy.decide(Some(&[]), "operateur-exemple.mssante.fr").code(), Some(TrustCode::NoClientCertificate));
    assert_eq!(policy.decide(Some(&chain), "inconnu.fr").code(), Some(TrustCode::DomainNotListed));
    assert_eq!(policy.decide(Some(&chain), "Operateur-Exemple.MSSante.fr").code(), None, "domains compare by identity");
}

#[test]
fn trust_files_in_every_form() {
    let pki = pki();
    // PEM, DER and .p7b give the same roots.
    for (name, bytes) in [("ca.pem", pki.ca_pem().into_bytes()), ("chaine.p7b", pki.ca_p7b())] {
        let mut b = TrustMaterial::builder();
        assert_eq!(b.add_ca_bytes(name, &bytes).unwrap(), 2, "{name}");
        b.add_crl_bytes("root.crl", &pki.root_crl_der()).unwrap();
        b.add_crl_bytes("org.crl", &pki.organisations_crl_der()).unwrap();
        let m = b.build().unwrap();
        assert_eq!((m.root_count(), m.crl_count()), (1, 2), "{name}");
    }
    let p7b_pem = format!("-----BEGIN PKCS7-----\n{}\n-----END PKCS7-----\n", base64_lines(&pki.ca_p7b()));
    let mut b = TrustMaterial::builder();
    assert_eq!(b.add_ca_bytes("chaine.p7b.pem", p7b_pem.as_bytes()).unwrap(), 2);
    let mut b = TrustMaterial::builder();
    assert_eq!(b.add_ca_bytes("root.der", &pki.root_der()).unwrap(), 1);
    // Bundles written by OpenSSL (`openssl crl2pkcs7 -nocrl`, DER and PEM;
    // synthetic CAs), not only by the test PKI.
    for name in ["openssl-bundle.p7b", "openssl-bundle.p7b.pem"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tls").join(name);
        let mut b = TrustMaterial::builder();
        assert_eq!(b.add_ca_file(&path).unwrap(), 2, "{name}");
        assert_eq!(b.build().unwrap().root_count(), 2);
    }

    // Bad files are errors that name the file.
    let e = TrustMaterial::builder().add_ca_bytes("notes.txt", b"hello").unwrap_err();
    assert_eq!((e.code, e.file.as_str()), (TrustCode::TrustFile, "notes.txt"));
    let leaf = pki.issue(&Spec::valid(Subject::new("a.fr", "1", "A")));
    let e = TrustMaterial::builder().add_ca_bytes("leaf.pem", leaf.chain_pem.as_bytes()).unwrap_err();
    assert!(e.reason.contains("not a CA"), "{e}");
    let e = TrustMaterial::builder().add_crl_bytes("x.crl", b"\x30\x03\x02\x01\x00").unwrap_err();
    assert_eq!((e.code, e.file.as_str()), (TrustCode::TrustFile, "x.crl"));
    let mut b = TrustMaterial::builder();
    b.add_ca_bytes("ca.pem", pki.ca_pem().as_bytes()).unwrap();
    b.add_crl_bytes("foreign.crl", &pki.foreign_crl_der()).unwrap();
    let e = b.build().unwrap_err();
    assert_eq!((e.code, e.file.as_str()), (TrustCode::CrlNotSigned, "foreign.crl"));
    assert_eq!(TrustMaterial::builder().build().unwrap_err().code, TrustCode::NoTrustAnchor);
    let p12 = leaf.pkcs12("juste");
    let e = Identity::from_pkcs12("leaf.p12", &p12, "faux").unwrap_err();
    assert_eq!((e.code, e.file.as_str()), (TrustCode::Pkcs12Password, "leaf.p12"));
    assert!(Identity::from_pkcs12("leaf.p12", &p12, "juste").is_ok());
    let other = pki.issue(&Spec::valid(Subject::new("b.fr", "2", "B")));
    let e = Identity::from_pem("mix.pem", leaf.chain_pem.as_bytes(), other.key_pem.as_bytes()).unwrap_err();
    assert_eq!(e.code, TrustCode::KeyMismatch);
}

#[test]
fn revocation_policy_and_clock() {
    let pki = pki();
    let cert = pki.issue(&Spec::valid(Subject::new("mx.a.fr", "1", "A")));
    let chain = der(&cert);
    let build = |crls: &[Vec<u8>]| {
        let mut b = TrustMaterial::builder();
        b.add_ca_bytes("ca.pem", pki.ca_pem().as_bytes()).unwrap();
        for (i, c) in crls.iter().enumerate() {
            b.add_crl_bytes(&format!("{i}.crl"), c).unwrap();
        }
        Arc::new(b.build().unwrap())
    };
    let full = build(&[pki.root_crl_der(), pki.organisations_crl_der()]);
    assert!(Checker::new(full.clone()).check_chain(&chain, Usage::Server).is_ok());
    // No CRL at all: unknown status; refused under the strict policy only.
    let none = build(&[]);
    assert_eq!(
        Checker::new(none.clone()).check_chain(&chain, Usage::Server).unwrap_err().code,
        TrustCode::RevocationUnknown
    );
    assert!(Checker::new(none).revocation(Revocation::AllowUnknown).check_chain(&chain, Usage::Server).is_ok());
    // The organisation CA's CRL missing: the leaf's status is unknown.
    let root_only = build(&[pki.root_crl_der()]);
    assert_eq!(
        Checker::new(root_only).check_chain(&chain, Usage::Server).unwrap_err().code,
        TrustCode::RevocationUnknown
    );
    // An outdated CRL: unknown under the strict policy; still revokes.
    let outdated = build(&[pki.root_crl_der(), pki.outdated_crl_der()]);
    assert_eq!(
        Checker::new(outdated.clone()).check_chain(&chain, Usage::Server).unwrap_err().code,
        TrustCode::RevocationUnknown
    );
    assert!(
        Checker::new(outdated.clone()).revocation(Revocation::AllowUnknown).check_chain(&chain, Usage::Server).is_ok()
    );
    let revoked = der(&pki.issue(&Spec { revoked: true, ..Spec::valid(Subject::new("mx.r.fr", "1", "R")) }));
    assert_eq!(
        Checker::new(outdated)
            .revocation(Revocation::AllowUnknown)
            .check_chain(&revoked, Usage::Server)
            .unwrap_err()
            .code,
        TrustCode::Revoked
    );
    // The injectable clock: valid in 2030, not yet valid in 2019, expired in 2041.
    let at = |y: u64| Clock::Fixed((y - 1970) * 31_556_952);
    assert!(Checker::new(full.clone()).clock(at(2030)).check_chain(&chain, Usage::Server).is_ok());
    assert_eq!(
        Checker::new(full.clone()).clock(at(2019)).check_chain(&chain, Usage::Server).unwrap_err().code,
        TrustCode::NotValidNow
    );
    assert_eq!(
        Checker::new(full).clock(at(2041)).check_chain(&chain, Usage::Server).unwrap_err().code,
        TrustCode::NotValidNow
    );
}

#[test]
fn implicit_tls() {
    let (cases, xml) = pki().audit();
    let lb = ListeBlanche::parse(xml.as_bytes()).unwrap();
    let c = client().transport(mssante_envelope::tls::Transport::Implicit).timeout(std::time::Duration::from_secs(5));
    // A TLS server from the first byte: the greeting comes over TLS.
    for case in &cases[..2] {
        let server = TestServer::start(ServerSpec { cert: case.cert.clone(), inbound: None, implicit: true });
        let probe = c.probe("127.0.0.1", server.port, &case.domain, &lb).unwrap();
        assert_eq!(probe.verdict.code(), case.expected, "{}", case.name);
        if case.expected.is_none() {
            let built = Draft::notice(Mailbox::new("a@operateur-exemple.mssante.fr").unwrap(), "Test", "Bonjour.\r\n")
                .to(Mailbox::new(&format!("b@{}", case.domain)).unwrap())
                .message_id("implicit@operateur-exemple.mssante.fr")
                .date(1_607_709_600)
                .build()
                .unwrap();
            c.deliver("127.0.0.1", server.port, &case.domain, &lb, &built.envelope, &built.bytes).unwrap();
            assert_eq!(server.received()[0].data, built.bytes);
        }
    }
    // A plaintext server: the handshake fails.
    let plain = TestServer::start(ServerSpec::default());
    let probe = c.probe("127.0.0.1", plain.port, &cases[0].domain, &lb).unwrap();
    assert_eq!(probe.verdict.code(), Some(TrustCode::Handshake));
}

fn base64_lines(der: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(der)
}

/// The order of the checks as docs/trust.md states it, on certificates with
/// several faults at once.
#[test]
fn several_faults_get_the_code_of_the_first_check() {
    let pki = pki();
    let subject = || Subject::new("mx.multi.fr", "1", "MULTI");
    let lb = ListeBlanche::parse(liste_blanche(&[("multi.fr", "CN=autre.fr,OU=1,O=X,C=FR")]).as_bytes()).unwrap();
    let check =
        |spec: Spec| checker().check_peer(&der(&pki.issue(&spec)), Usage::Server, "multi.fr", &lb).unwrap_err().code;
    // Foreign and expired: the validity period is checked as the chain is walked.
    assert_eq!(
        check(Spec { signer: Signer::Foreign, not_after: (2021, 1, 1), ..Spec::valid(subject()) }),
        TrustCode::NotValidNow
    );
    // Expired and revoked: validity first.
    assert_eq!(
        check(Spec { revoked: true, not_after: (2021, 1, 1), ..Spec::valid(subject()) }),
        TrustCode::NotValidNow
    );
    // Foreign and not listed: the chain first.
    assert_eq!(check(Spec { signer: Signer::Foreign, ..Spec::valid(subject()) }), TrustCode::UntrustedIssuer);
    // Revoked and not listed: revocation first.
    assert_eq!(check(Spec { revoked: true, ..Spec::valid(subject()) }), TrustCode::Revoked);
    // Only not listed.
    assert_eq!(check(Spec::valid(subject())), TrustCode::DnNotListed);
    // The domain outside the liste blanche comes before everything.
    let e =
        checker().check_peer(&der(&pki.issue(&Spec::valid(subject()))), Usage::Server, "ailleurs.fr", &lb).unwrap_err();
    assert_eq!(e.code, TrustCode::DomainNotListed);
}

/// A plaintext transport verifies nothing: its probe is a refusal.
#[test]
fn a_plaintext_probe_is_a_refusal() {
    let (cases, xml) = pki().audit();
    let lb = ListeBlanche::parse(xml.as_bytes()).unwrap();
    let plain = TestServer::start(ServerSpec::default());
    let c = client().transport(mssante_envelope::tls::Transport::InsecurePlaintext);
    let probe = c.probe("127.0.0.1", plain.port, &cases[0].domain, &lb).unwrap();
    assert_eq!((probe.tls, probe.verdict.code()), (false, Some(TrustCode::NoTls)));
}

/// Bytes after the `220` to `STARTTLS`, before the handshake, are refused:
/// they would be read as if they came over TLS (CVE-2011-0411).
#[test]
fn bytes_injected_after_starttls_are_refused() {
    use std::io::{BufRead, BufReader, Write};
    let (cases, xml) = pki().audit();
    let lb = ListeBlanche::parse(xml.as_bytes()).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut r = BufReader::new(stream.try_clone().unwrap());
        let mut w = stream;
        w.write_all(b"220 mx.test ESMTP\r\n").unwrap();
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        w.write_all(b"250-mx.test\r\n250 STARTTLS\r\n").unwrap();
        line.clear();
        r.read_line(&mut line).unwrap();
        assert_eq!(line, "STARTTLS\r\n");
        w.write_all(b"220 go ahead\r\n250 injected\r\n").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(500));
    });
    // Let the injected line arrive with the 220.
    let probe = client().probe("127.0.0.1", port, &cases[0].domain, &lb).unwrap();
    assert_eq!(probe.verdict.code(), Some(TrustCode::Handshake), "{:?}", probe.verdict);
}

/// A message to recipients of two destination operators, routed by the
/// liste blanche: each transaction goes to its operator's server, verified
/// for its domains; the refused operator receives nothing, the other one
/// only its own recipients.
#[test]
fn planned_transactions_each_to_their_verified_operator() {
    let (cases, xml) = pki().audit();
    let lb = ListeBlanche::parse(xml.as_bytes()).unwrap();
    let (valid, expired) = (&cases[0], &cases[1]);
    let to = [format!("a@{}", valid.domain), format!("b@{}", expired.domain), format!("c@{}", valid.domain)];
    let mut draft =
        Draft::notice(Mailbox::new("supervision@operateur-exemple.mssante.fr").unwrap(), "Test", "Bonjour.\r\n")
            .message_id("plan@operateur-exemple.mssante.fr")
            .date(1_607_709_600)
            .dsn(mssante_envelope::message::DsnRequest { envid: Some("plan 1".into()), ..Default::default() });
    for t in &to {
        draft = draft.to(Mailbox::new(t).unwrap());
    }
    let built = draft.build().unwrap();
    let space = mssante_envelope::route::TrustSpace::new(&lb);
    let plan = mssante_envelope::route::plan(&to, &space, 100);
    assert_eq!(plan.transactions.len(), 2);
    let servers: Vec<(String, TestServer)> = [valid, expired]
        .iter()
        .map(|c| (c.domain.clone(), TestServer::start(ServerSpec::starttls(c.cert.clone()))))
        .collect();
    for t in &plan.transactions {
        let domain = t.recipients[0].0.domain().as_str().to_owned();
        let (_, server) = servers.iter().find(|(d, _)| *d == domain).unwrap();
        let result = client().deliver_transaction("127.0.0.1", server.port, t, &lb, &built.envelope, &built.bytes);
        if domain == valid.domain {
            assert_eq!(result.unwrap().0.accepted, [0, 1]);
        } else {
            assert!(matches!(result, Err(Error::Untrusted(ref r)) if r.code == TrustCode::NotValidNow), "{result:?}");
        }
    }
    let got = servers[0].1.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpt_to.len(), 2, "{:?}", got[0].rcpt_to);
    assert!(got[0].mail_from.contains("ENVID=plan+201"), "DSN parameters kept: {}", got[0].mail_from);
    assert_eq!(got[0].data, built.bytes);
    assert!(servers[1].1.received().is_empty());
}

mod p7b_round_trip {
    use mssante_envelope::tls::material::pkcs7_certificates;
    use mssante_envelope::tls::test_pki::{pkcs7_bundle, tlv};
    use proptest::prelude::*;

    proptest! {
        /// Any certificates (DER SEQUENCEs, short and long lengths) written
        /// into a certs-only bundle are read back, in order, byte for byte.
        #[test]
        fn bundles_read_back(contents in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..400), 0..5)) {
            let certs: Vec<Vec<u8>> = contents.iter().map(|c| tlv(0x30, &tlv(0x04, c))).collect();
            prop_assert_eq!(pkcs7_certificates(&pkcs7_bundle(&certs)), Some(certs));
        }
    }
}
