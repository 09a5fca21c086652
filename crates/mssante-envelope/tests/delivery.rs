//! Real delivery: built messages go through a real SMTP server (aiosmtpd, on
//! loopback, started by this test); what it received is read back with
//! mail-parser and compared with what was built — envelope (DSN parameters
//! included), headers, attachments, bytes.
//!
//! Needs `python3`; aiosmtpd is taken from the environment or installed from
//! PyPI into the target directory on first use.

use mail_parser::{MessageParser, MimeHeaders};
use mssante_envelope::message::{Draft, DsnRequest, Mailbox, Xdm};
use mssante_envelope::retry::Class;
use mssante_envelope::smtp::Session;
use mssante_envelope::{Envelope, Notify, Ret};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
    out: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A PYTHONPATH under which `import aiosmtpd` works (installed once per run).
fn python_path() -> String {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(find_or_install).clone()
}

fn find_or_install() -> String {
    let have = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .expect("python3 is needed for the delivery test");
    if have.success() {
        return std::env::var("PYTHONPATH").unwrap_or_default();
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("aiosmtpd-py");
    if !dir.join("aiosmtpd").is_dir() {
        let st = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target"])
            .env("PIP_ROOT_USER_ACTION", "ignore")
            .arg(&dir)
            .arg("aiosmtpd==1.4.6")
            .status()
            .expect("pip");
        assert!(st.success(), "cannot install aiosmtpd from PyPI");
    }
    dir.display().to_string()
}

fn start() -> Server {
    start_with(&[])
}

/// Starts the server with extra arguments (certificate files for TLS).
fn start_with(args: &[&Path]) -> Server {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_server.py");
    let out = tempfile::tempdir().unwrap();
    let mut child = Command::new("python3")
        .arg(&script)
        .arg(out.path())
        .args(args)
        .env("PYTHONPATH", python_path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the SMTP server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port = line.trim().parse().unwrap_or_else(|_| panic!("the server did not print its port: {line:?}"));
    Server { child, port, out }
}

fn received(server: &Server, n: usize) -> (serde_json::Value, Vec<u8>) {
    let json = server.out.path().join(format!("{n}.json"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !json.exists() {
        assert!(Instant::now() < deadline, "message {n} never arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
    let info: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    (info, std::fs::read(server.out.path().join(format!("{n}.eml"))).unwrap())
}

fn mb(a: &str) -> Mailbox {
    Mailbox::new(a).unwrap()
}

fn from() -> Mailbox {
    Mailbox::named("Supervision Opérateur Exemple", "supervision@operateur-exemple.mssante.fr").unwrap()
}

#[test]
fn messages_cross_a_real_smtp_server_unchanged() {
    let server = start();
    let stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut session = Session::open(stream, "client.operateur-exemple.mssante.fr").unwrap();
    let ext = session.extensions().clone();
    assert!(ext.dsn && ext.smtputf8 && ext.size == Some(2_000_000), "{ext:?}");

    // 1. An incident notice: To, Cc, Bcc, DSN requested, one recipient unknown.
    let notice =
        Draft::notice(from(), "Incident clos", ".Ligne qui commence par un point\r\nBonjour,\r\n.\r\nFin.\r\n")
            .to(Mailbox::named("Dr Camille Exemple", "camille.exemple@medecin.mssante.fr").unwrap())
            .cc(mb("inconnu@ch-exemple.mssante.fr"))
            .bcc(mb("archive@operateur-exemple.mssante.fr"))
            .nil("NIL-EXEMPLE-0001")
            .message_id("notice-1@operateur-exemple.mssante.fr")
            .date(1_607_709_600)
            .disposition_notification_to(from())
            .dsn(DsnRequest {
                notify: Some(Notify::on(false, true, true).unwrap()),
                ret: Some(Ret::Hdrs),
                envid: Some("notice 1+".into()),
            })
            .build()
            .unwrap();
    let d = session.send(&notice.envelope, &notice.bytes).unwrap();
    assert!(d.dsn_sent);
    assert_eq!(d.accepted, [0, 2]);
    assert_eq!(d.refused.len(), 1);
    assert_eq!(d.refused[0].0, 1);
    assert_eq!(d.refused[0].1.class(), Class::Permanent);
    assert_eq!(d.refused[0].1.enhanced, Some((5, 1, 1)));
    assert_eq!(d.data.as_ref().map(|r| r.code), Some(250));

    // 2. A CR delivery with the report attached.
    let report = "#MSSANTE-CR-INTEGRATION|1\nligne|resultat|code\n2|cree|\n3|rejete|E201\n".as_bytes().to_vec();
    let cr = Draft::report_delivery(
        from(),
        "CR_INTEGRATION_OPE-99710817004951_20201211.txt",
        report.clone(),
        "3 lignes : 2 acceptées, 1 rejetée.\r\n",
    )
    .to(mb("bal-admin@operateur-exemple.mssante.fr"))
    .message_id("cr-1@operateur-exemple.mssante.fr")
    .date(1_607_713_200)
    .boundary("cr-boundary-1")
    .build()
    .unwrap();
    assert_eq!(session.send(&cr.envelope, &cr.bytes).unwrap().accepted, [0]);

    // 3. To a patient, with XDM content, and a non-ASCII address (SMTPUTF8).
    let patient = Draft::new(from(), "XDM/1.0/DDM+Compte rendu EXEMPLE Camille", "Votre compte rendu.\r\n")
        .to(mb("299129912345662@patient.mssante.fr"))
        .cc(mb("andré.exemple@médecin.mssante.fr"))
        .xdm(Xdm {
            archive: b"PK\x03\x04synthetic-archive".to_vec(),
            pdfs: vec![("DOC0001.PDF".into(), b"%PDF-1.4 synthetic".to_vec())],
            cda_codes: vec!["11488-4".into()],
            qualified_ins: false,
        })
        .message_id("xdm-1@operateur-exemple.mssante.fr")
        .date(1_607_716_800)
        .boundary("xdm-boundary-1")
        .build()
        .unwrap();
    assert!(patient.envelope.needs_smtputf8());
    assert_eq!(session.send(&patient.envelope, &patient.bytes).unwrap().accepted, [0, 1]);
    session.quit().unwrap();

    // What the server received.
    let (info, bytes) = received(&server, 1);
    assert_eq!(bytes, notice.bytes, "the message crosses unchanged (dot-stuffing undone by the server)");
    assert_eq!(info["mail_from"], "supervision@operateur-exemple.mssante.fr");
    assert_eq!(
        info["rcpt_tos"],
        serde_json::json!(["camille.exemple@medecin.mssante.fr", "archive@operateur-exemple.mssante.fr"])
    );
    assert_eq!(info["ehlo"], "client.operateur-exemple.mssante.fr");
    // The commands as they were on the wire parse back to the envelope built
    // (the refused recipient included: it was sent, then refused).
    let mut wire = vec![info["raw_mail"].as_str().unwrap().to_owned()];
    wire.extend(info["raw_rcpts"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()));
    assert!(wire[0].contains(" RET=HDRS ENVID=notice+201+2B") && wire[0].contains(" SIZE="), "{}", wire[0]);
    assert!(wire[1].ends_with(" NOTIFY=FAILURE,DELAY"), "{}", wire[1]);
    assert_eq!(Envelope::parse(&wire).unwrap(), notice.envelope);
    let m = MessageParser::default().parse(&bytes).unwrap();
    assert_eq!(m.subject(), Some("[MSSanté] Incident clos"));
    assert_eq!(m.header_raw("X-MSS-NIL").map(str::trim), Some("NIL-EXEMPLE-0001"));
    assert!(m.header_raw("Disposition-Notification-To").unwrap().contains("supervision@operateur-exemple.mssante.fr"));
    assert!(m.header("Bcc").is_none() && !String::from_utf8_lossy(&bytes).contains("archive@"));
    assert_eq!(m.body_text(0).unwrap(), ".Ligne qui commence par un point\r\nBonjour,\r\n.\r\nFin.\r\n");

    let (info, bytes) = received(&server, 2);
    assert_eq!(bytes, cr.bytes);
    assert_eq!(info["rcpt_tos"], serde_json::json!(["bal-admin@operateur-exemple.mssante.fr"]));
    let m = MessageParser::default().parse(&bytes).unwrap();
    let att = m.attachment(0).unwrap();
    assert_eq!(att.attachment_name(), Some("CR_INTEGRATION_OPE-99710817004951_20201211.txt"));
    assert_eq!(att.contents(), report.as_slice());
    assert_eq!(m.body_text(0).unwrap(), "3 lignes : 2 acceptées, 1 rejetée.\r\n");

    let (info, bytes) = received(&server, 3);
    assert_eq!(bytes, patient.bytes);
    assert!(info["raw_mail"].as_str().unwrap().contains(" SMTPUTF8"));
    assert_eq!(info["rcpt_tos"][1], "andré.exemple@médecin.mssante.fr");
    let m = MessageParser::default().parse(&bytes).unwrap();
    assert_eq!(m.header_raw("X-MSS-MES").map(str::trim), Some("FIN"));
    assert_eq!(m.header_raw("X-MSS-CODECDA").map(str::trim), Some("11488-4"));
    assert_eq!(m.header_raw("X-MSS-INS").map(str::trim), Some("N"));
    assert_eq!(m.attachment(0).unwrap().attachment_name(), Some("IHE_XDM.ZIP"));
    assert_eq!(m.attachment(0).unwrap().contents(), b"PK\x03\x04synthetic-archive");
    assert_eq!(m.attachment(1).unwrap().contents(), b"%PDF-1.4 synthetic");
}

#[test]
fn the_server_size_limit_is_honoured_before_sending() {
    let server = start();
    let stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut session = Session::open(stream, "client.operateur-exemple.mssante.fr").unwrap();
    let big = Draft::report_delivery(from(), "gros.txt", vec![b'x'; 2_100_000], "trop gros")
        .to(mb("bal-admin@operateur-exemple.mssante.fr"))
        .build()
        .unwrap();
    let e = session.send(&big.envelope, &big.bytes).unwrap_err();
    assert_eq!(e.code(), "M610", "{e}");
    // The session is still usable.
    let small = Draft::notice(from(), "ok", "ok\r\n").to(mb("bal-admin@operateur-exemple.mssante.fr")).build().unwrap();
    assert_eq!(session.send(&small.envelope, &small.bytes).unwrap().accepted, [0]);
    session.quit().unwrap();
    assert_eq!(received(&server, 1).1, small.bytes);
}

#[test]
fn a_refused_sender_is_a_typed_rejection_with_the_server_reply() {
    let server = start();
    let stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut session = Session::open(stream, "client.operateur-exemple.mssante.fr").unwrap();
    let refused = Draft::notice(mb("interdit@operateur-exemple.mssante.fr"), "non", "non\r\n")
        .to(mb("bal-admin@operateur-exemple.mssante.fr"))
        .build()
        .unwrap();
    match session.send(&refused.envelope, &refused.bytes).unwrap_err() {
        mssante_envelope::Error::Rejected { stage, reply } => {
            assert_eq!(stage, mssante_envelope::Stage::MailFrom);
            assert_eq!((reply.code, reply.enhanced), (550, Some((5, 7, 1))), "{reply}");
            assert_eq!(reply.class(), mssante_envelope::retry::Class::Permanent);
        }
        e => panic!("expected a typed rejection, got {e:?}"),
    }
    // RSET was sent: the session goes on.
    let ok = Draft::notice(from(), "ok", "ok\r\n").to(mb("bal-admin@operateur-exemple.mssante.fr")).build().unwrap();
    assert_eq!(session.send(&ok.envelope, &ok.bytes).unwrap().accepted, [0]);
    session.quit().unwrap();
}

/// The trust checks against a third-party STARTTLS server (aiosmtpd over
/// Python's ssl, i.e. OpenSSL), with certificates of the test PKI: the valid
/// case, the server without TLS, and mutual TLS where the server demands our
/// certificate and verifies it against the IGC-Santé chain.
mod tls_against_aiosmtpd {
    use super::*;
    use mssante_bal::liste_blanche::ListeBlanche;
    use mssante_envelope::tls::test_pki::{Spec, Subject, TestPki, liste_blanche};
    use mssante_envelope::tls::{Checker, Identity, TlsClient, TrustCode, TrustMaterial, Verdict};
    use std::sync::Arc;

    struct Setup {
        dir: tempfile::TempDir,
        client: TlsClient,
        lb: ListeBlanche,
        ours: mssante_envelope::tls::test_pki::TestCert,
    }

    const DOMAIN: &str = "ch-exemple.mssante.fr";

    fn setup() -> Setup {
        let pki = TestPki::new();
        let theirs = pki.issue(&Spec::valid(Subject::new("mx.ch-exemple.mssante.fr", "98765432100019", "CH EXEMPLE")));
        let ours = pki.issue(&Spec::valid(Subject::new(
            "mta.operateur-exemple.mssante.fr",
            "12345678900012",
            "OPERATEUR EXEMPLE",
        )));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("chain.pem"), &theirs.chain_pem).unwrap();
        std::fs::write(dir.path().join("key.pem"), &theirs.key_pem).unwrap();
        std::fs::write(dir.path().join("ca.pem"), pki.ca_pem()).unwrap();
        std::fs::write(dir.path().join("crl.pem"), pki.crl_pem()).unwrap();
        let mut m = TrustMaterial::builder();
        m.add_ca_file(&dir.path().join("ca.pem")).unwrap();
        m.add_crl_file(&dir.path().join("crl.pem")).unwrap();
        let client = TlsClient::new(Checker::new(Arc::new(m.build().unwrap())), "mta.operateur-exemple.mssante.fr");
        let lb = ListeBlanche::parse(liste_blanche(&[(DOMAIN, &theirs.dn)]).as_bytes()).unwrap();
        Setup { dir, client, lb, ours }
    }

    fn message() -> mssante_envelope::message::Built {
        Draft::notice(from(), "Incident clos", "Bonjour,\r\n.Ligne\r\n")
            .to(mb("dr.exemple@ch-exemple.mssante.fr"))
            .message_id("tls-1@operateur-exemple.mssante.fr")
            .date(1_607_709_600)
            .build()
            .unwrap()
    }

    #[test]
    fn valid_certificate_delivers_over_starttls() {
        let s = setup();
        let server = start_with(&[&s.dir.path().join("chain.pem"), &s.dir.path().join("key.pem")]);
        let probe = s.client.probe("127.0.0.1", server.port, DOMAIN, &s.lb).unwrap();
        assert!(probe.verdict.is_trusted(), "{:?}", probe.verdict);
        let built = message();
        let (delivery, peer) =
            s.client.deliver("127.0.0.1", server.port, DOMAIN, &s.lb, &built.envelope, &built.bytes).unwrap();
        assert_eq!(delivery.accepted, [0]);
        assert!(peer.unwrap().protocol.unwrap().starts_with("TLSv1."));
        let (info, bytes) = received(&server, 1);
        assert_eq!(bytes, built.bytes, "the bytes received are the bytes sent");
        assert!(info["tls"]["version"].as_str().unwrap().starts_with("TLSv1."), "{info}");
    }

    #[test]
    fn a_server_without_starttls_receives_nothing() {
        let s = setup();
        let server = start();
        let probe = s.client.probe("127.0.0.1", server.port, DOMAIN, &s.lb).unwrap();
        assert_eq!(probe.verdict.code(), Some(TrustCode::NoTls));
        let built = message();
        let e = s.client.deliver("127.0.0.1", server.port, DOMAIN, &s.lb, &built.envelope, &built.bytes).unwrap_err();
        assert_eq!(e.code(), "T901", "{e}");
        std::thread::sleep(Duration::from_millis(200));
        assert!(!server.out.path().join("1.eml").exists(), "nothing was sent in plaintext");
    }

    #[test]
    fn mutual_tls_with_a_pkcs12_identity() {
        let s = setup();
        let d = s.dir.path();
        let server = start_with(&[&d.join("chain.pem"), &d.join("key.pem"), &d.join("ca.pem")]);
        // Without our certificate, OpenSSL ends the session.
        let built = message();
        let e = s.client.deliver("127.0.0.1", server.port, DOMAIN, &s.lb, &built.envelope, &built.bytes).unwrap_err();
        assert_eq!(e.code(), "T902", "{e}");
        // With it, from a .p12 file.
        let id = Identity::from_pkcs12("ours.p12", &s.ours.pkcs12("secret"), "secret").unwrap();
        let client = s.client.clone().identity(id);
        let probe = client.probe("127.0.0.1", server.port, DOMAIN, &s.lb).unwrap();
        assert!(matches!(probe.verdict, Verdict::Trusted(_)), "{:?}", probe.verdict);
        client.deliver("127.0.0.1", server.port, DOMAIN, &s.lb, &built.envelope, &built.bytes).unwrap();
        let (info, bytes) = received(&server, 1);
        assert_eq!(bytes, built.bytes);
        let subject = info["tls"]["peer_subject"].to_string();
        assert!(subject.contains("mta.operateur-exemple.mssante.fr"), "OpenSSL saw our certificate: {subject}");
    }
}
