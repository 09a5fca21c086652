//! `mssante tls probe`, `mssante mail send` and `mssante mail dsn`, against
//! loopback servers of the test PKI: exit codes, JSON, files named in errors.

mod common;

use common::run;
use mssante_envelope::tls::test_pki::{ServerSpec, TestPki, TestServer};
use std::path::{Path, PathBuf};
use std::process::Output;

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new(pki: &TestPki, liste_blanche: &str) -> Files {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), pki.ca_pem()).unwrap();
        std::fs::write(dir.path().join("chaine.p7b"), pki.ca_p7b()).unwrap();
        std::fs::write(dir.path().join("crl.pem"), pki.crl_pem()).unwrap();
        std::fs::write(dir.path().join("lb.xml"), liste_blanche).unwrap();
        Files { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The trust options.
    fn trust(&self) -> Vec<String> {
        let p = |n: &str| self.path(n).display().to_string();
        vec!["--liste-blanche".into(), p("lb.xml"), "--ca".into(), p("chaine.p7b"), "--crl".into(), p("crl.pem")]
    }
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn probe(files: &Files, port: u16, domain: &str, extra: &[&str]) -> Output {
    let target = format!("127.0.0.1:{port}");
    let mut args: Vec<String> =
        vec!["tls".into(), "probe".into(), target, "--domain".into(), domain.into(), "--json".into()];
    args.extend(files.trust());
    args.extend(extra.iter().map(|s| s.to_string()));
    run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn probe_gives_the_audit_verdicts_with_exit_codes_and_json() {
    let pki = TestPki::new();
    let (cases, xml) = pki.audit();
    let files = Files::new(&pki, &xml);
    for case in &cases {
        let server = TestServer::start(ServerSpec::starttls(case.cert.clone()));
        let out = probe(&files, server.port, &case.domain, &[]);
        let v = json(&out);
        assert_eq!(v["domain"], case.domain);
        assert_eq!(v["host"], "127.0.0.1");
        assert_eq!(v["port"], server.port);
        match case.expected {
            None => {
                assert_eq!(out.status.code(), Some(0), "{}", case.name);
                assert_eq!(v["verdict"], "trusted");
                assert_eq!(v["tls"], true);
                assert!(v["protocol"].as_str().unwrap().starts_with("TLSv1."));
                assert_eq!(v["peer_subject"], case.cert.as_ref().unwrap().dn.as_str());
                assert!(v["peer_issuer"].as_str().unwrap().contains("ORGANISATIONS TEST"));
                assert_eq!(v["not_after"], "2040-01-01T00:00:00+00:00");
                assert!(v["code"].is_null());
            }
            Some(code) => {
                assert_eq!(out.status.code(), Some(1), "{}: {v}", case.name);
                assert_eq!(v["verdict"], "refused");
                assert_eq!(v["code"], code.as_str(), "{}", case.name);
                assert_eq!(v["tls"], case.cert.is_some());
                assert!(!v["reason"].as_str().unwrap().is_empty());
            }
        }
    }
    // The human report.
    let server = TestServer::start(ServerSpec::starttls(cases[1].cert.clone()));
    let target = format!("127.0.0.1:{}", server.port);
    let mut args = vec!["tls", "probe", &target, "--domain", &cases[1].domain];
    let trust = files.trust();
    args.extend(trust.iter().map(String::as_str));
    let out = run(&args);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("refusé pour cert-expire-audit.espacedeconfiance.mssante.fr : T904")
    );
    // The clock: in 2020 the expired certificate was valid.
    let out = probe(&files, server.port, &cases[1].domain, &["--at", "2020-06-01T00:00:00Z"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn probe_failures_exit_2_and_name_the_file() {
    let pki = TestPki::new();
    let (cases, xml) = pki.audit();
    let files = Files::new(&pki, &xml);
    std::fs::write(files.path("notes.txt"), "pas un certificat").unwrap();
    let server = TestServer::start(ServerSpec::starttls(cases[0].cert.clone()));
    let bad_ca = files.path("notes.txt").display().to_string();
    let out = probe(&files, server.port, &cases[0].domain, &["--ca", &bad_ca]);
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    assert_eq!(v["error"]["code"], "T921");
    assert_eq!(v["error"]["file"], bad_ca.as_str());
    // A CRL that no configured CA signed.
    std::fs::write(files.path("foreign.crl"), pki.foreign_crl_der()).unwrap();
    let crl = files.path("foreign.crl").display().to_string();
    let out = probe(&files, server.port, &cases[0].domain, &["--crl", &crl]);
    assert_eq!((out.status.code(), json(&out)["error"]["code"].as_str()), (Some(2), Some("T922")));
    // Nothing listens: the probe could not be carried out.
    drop(server);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = probe(&files, closed, &cases[0].domain, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["error"]["code"], "M613");
    // A wrong PKCS#12 password, read from the environment, never the command line.
    let ours = pki.issue(&mssante_envelope::tls::test_pki::Spec::valid(mssante_envelope::tls::test_pki::Subject::new(
        "mta.a.fr", "1", "A",
    )));
    std::fs::write(files.path("ours.p12"), ours.pkcs12("juste")).unwrap();
    let p12 = files.path("ours.p12").display().to_string();
    let mut args: Vec<String> = vec![
        "tls".into(),
        "probe".into(),
        format!("127.0.0.1:{closed}"),
        "--domain".into(),
        cases[0].domain.clone(),
        "--json".into(),
    ];
    args.extend(files.trust());
    args.extend(["--p12".into(), p12.clone(), "--p12-password-env".into(), "MSSANTE_TEST_P12".into()]);
    let out = common::bin().args(&args).env("MSSANTE_TEST_P12", "faux").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["code"], "T923");
    assert_eq!(json(&out)["error"]["file"], p12.as_str());
    // The right password from a file opens it: the probe then reaches the
    // closed port (exit 2, M613), past the trust material.
    std::fs::write(files.path("mdp.txt"), "juste\n").unwrap();
    let n = args.len();
    args[n - 2] = "--p12-password-file".into();
    args[n - 1] = files.path("mdp.txt").display().to_string();
    let out = common::bin().args(&args).output().unwrap();
    assert_eq!(json(&out)["error"]["code"], "M613", "{}", String::from_utf8_lossy(&out.stdout));
}

fn send(files: &Files, port: u16, domain: &str, message: &Path) -> Output {
    let mut args: Vec<String> = vec![
        "mail".into(),
        "send".into(),
        message.display().to_string(),
        "--from".into(),
        "supervision@operateur-exemple.mssante.fr".into(),
        "--to".into(),
        format!("dr.exemple@{domain}"),
        "--via".into(),
        format!("127.0.0.1:{port}"),
        "--domain".into(),
        domain.into(),
        "--envid".into(),
        "envoi 1".into(),
        "--json".into(),
    ];
    args.extend(files.trust());
    run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn mail_send_delivers_only_to_a_trusted_peer() {
    let pki = TestPki::new();
    let (cases, xml) = pki.audit();
    let files = Files::new(&pki, &xml);
    let message = files.path("message.eml");
    std::fs::write(
        &message,
        b"From: supervision@operateur-exemple.mssante.fr\r\nSubject: Test\r\n\r\nBonjour.\r\n.Point\r\n",
    )
    .unwrap();
    let valid = TestServer::start(ServerSpec::starttls(cases[0].cert.clone()));
    let out = send(&files, valid.port, &cases[0].domain, &message);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let v = json(&out);
    assert_eq!(v["delivered"], true);
    assert_eq!(v["accepted"][0], format!("dr.exemple@{}", cases[0].domain));
    assert_eq!(v["peer"]["listed_dn"], cases[0].cert.as_ref().unwrap().dn.as_str());
    let got = valid.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].data, std::fs::read(&message).unwrap());
    assert!(got[0].mail_from.contains("ENVID=envoi+201"), "{}", got[0].mail_from);
    for case in &cases[1..] {
        let server = TestServer::start(ServerSpec::starttls(case.cert.clone()));
        let out = send(&files, server.port, &case.domain, &message);
        assert_eq!(out.status.code(), Some(1), "{}", case.name);
        assert_eq!(json(&out)["code"], case.expected.unwrap().as_str());
        assert!(server.received().is_empty(), "{}: nothing sent", case.name);
    }
}

#[test]
fn mail_dsn_reads_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dsn.eml");
    std::fs::write(
        &path,
        "From: MAILER-DAEMON@mx.exemple.fr\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nNon remis.\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; mx.exemple.fr\r\nOriginal-Envelope-Id: envoi+201\r\n\r\n\
         Final-Recipient: rfc822; inconnu@ch-exemple.mssante.fr\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 unknown\r\n\r\n\
         Final-Recipient: rfc822; lent@ch-exemple.mssante.fr\r\nAction: delayed\r\nStatus: 4.4.1\r\n--b--\r\n",
    )
    .unwrap();
    let out = run(&["mail", "dsn", path.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["envelope_id"], "envoi 1");
    assert_eq!(v["recipients"][0]["address"], "inconnu@ch-exemple.mssante.fr");
    assert_eq!(v["recipients"][0]["status"], "5.1.1");
    assert_eq!(v["recipients"][0]["class"], "permanent");
    assert_eq!(v["recipients"][1]["action"], "delayed");
    assert_eq!(v["recipients"][1]["class"], "transient");
    std::fs::write(&path, "Subject: pas un rapport\r\n\r\nbonjour\r\n").unwrap();
    let out = run(&["mail", "dsn", path.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["code"], "M617");
}
