//! A real Postfix on loopback whose `check_policy_service` is `mssante policy
//! serve`: a private instance (its own configuration, queue and data
//! directories in a throwaway directory, never the system's), STARTTLS with a
//! certificate of the test PKI, client certificates asked for and verified
//! against the test PKI's CAs. Our SMTP client connects over mutual TLS and
//! reads Postfix's replies.
//!
//! Needs the distribution's Postfix (`.ci/run` installs it) and root (Postfix's
//! master starts as root and drops to `mail_owner`). Without them the test
//! says so loudly and passes, except under CI (`CI` set), where it fails.
#![cfg(unix)]

mod common;

use common::{bin, free_port};
use mssante_bal::liste_blanche::ListeBlanche;
use mssante_envelope::envelope::{Envelope, Recipient, ReversePath};
use mssante_envelope::smtp::Delivery;
use mssante_envelope::tls::test_pki::{Spec, Subject, TestCert, TestPki, liste_blanche};
use mssante_envelope::tls::{Checker, Identity, TlsClient, Transport, TrustMaterial};
use std::io::Read as _;
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const OWN: &str = "ch-exemple.mssante.fr";

fn wait_for(port: u16, what: &str, log: &Path) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if start.elapsed() > Duration::from_secs(30) {
            panic!("{what} is not listening on {port}: {}", std::fs::read_to_string(log).unwrap_or_default());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Why Postfix cannot run here, if it cannot.
fn missing() -> Option<String> {
    if !Path::new("/usr/sbin/postfix").exists() {
        return Some("/usr/sbin/postfix not found (apt-get install postfix)".into());
    }
    let uid = Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if uid.ok().as_deref() != Some("0") {
        return Some("not root: Postfix's master must start as root".into());
    }
    None
}

/// A private Postfix instance; stopped on drop.
struct Postfix {
    dir: tempfile::TempDir,
    port: u16,
}

impl Postfix {
    fn conf(&self) -> PathBuf {
        self.dir.path().join("conf")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("maillog")
    }

    fn start(server: &TestCert, ca_pem: &str, policy_port: u16) -> Postfix {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        for sub in ["conf", "queue", "data"] {
            std::fs::create_dir(d.join(sub)).unwrap();
        }
        let status = Command::new("chown").args(["postfix"]).arg(d.join("data")).status().unwrap();
        assert!(status.success(), "chown postfix");
        std::fs::write(d.join("conf/cert.pem"), &server.chain_pem).unwrap();
        std::fs::write(d.join("conf/key.pem"), &server.key_pem).unwrap();
        std::fs::write(d.join("conf/ca.pem"), ca_pem).unwrap();
        let port = free_port();
        let p = d.display();
        let main_cf = format!(
            "compatibility_level = 3.6
queue_directory = {p}/queue
data_directory = {p}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file_prefixes = {p}
maillog_file = {p}/maillog
myhostname = mx.ch-exemple.test
mydomain = ch-exemple.test
myorigin = $myhostname
mydestination = {OWN}
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
default_transport = discard
local_transport = discard
relay_transport = discard
biff = no
smtpd_tls_cert_file = {p}/conf/cert.pem
smtpd_tls_key_file = {p}/conf/key.pem
smtpd_tls_CAfile = {p}/conf/ca.pem
smtpd_tls_security_level = may
smtpd_tls_ask_ccert = yes
smtpd_tls_loglevel = 1
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = check_policy_service {{ inet:127.0.0.1:{policy_port}, timeout=3s, default_action=DEFER_IF_PERMIT }}
"
        );
        std::fs::write(d.join("conf/main.cf"), main_cf).unwrap();
        // Only what an smtpd needs; nothing is chrooted.
        let master_cf = format!(
            "127.0.0.1:{port} inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"
        );
        std::fs::write(d.join("conf/master.cf"), master_cf).unwrap();
        let postfix = Postfix { dir, port };
        let out = Command::new("/usr/sbin/postfix").arg("-c").arg(postfix.conf()).arg("start").output().unwrap();
        assert!(
            out.status.success(),
            "postfix start: {}{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(postfix.log()).unwrap_or_default()
        );
        wait_for(port, "Postfix", &postfix.log());
        postfix
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new("/usr/sbin/postfix").arg("-c").arg(self.conf()).arg("stop").output();
        // `postfix stop` returns before master has exited: wait for its
        // lock to be released so that the directory can go.
        let pid_file = self.dir.path().join("queue/pid/master.pid");
        let start = Instant::now();
        while pid_file.exists() && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `mssante policy serve` as a child process; killed on drop if still running.
struct Service {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Service {
    fn start(dir: &Path, liste_blanche: &Path) -> Service {
        let port = free_port();
        let log = dir.join("policy.log");
        let child = bin()
            .args(["policy", "serve", "--listen", &format!("127.0.0.1:{port}"), "--liste-blanche"])
            .arg(liste_blanche)
            .args(["--own-domains", OWN, "--issuer-cn", "AC IGC-SANTE ELEMENTAIRE ORGANISATIONS TEST"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        wait_for(port, "mssante policy serve", &log);
        Service { child, port, log }
    }

    /// SIGTERM, then the exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "no clean stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn decisions(&self) -> Vec<serde_json::Value> {
        let mut text = String::new();
        std::fs::File::open(&self.log).unwrap().read_to_string(&mut text).unwrap();
        text.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .filter(|v| v["event"] == "decision")
            .collect()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Case<'a> {
    name: &'a str,
    identity: Option<&'a TestCert>,
    plaintext: bool,
    sender: &'a str,
    recipient: &'a str,
}

fn deliver(pki: &TestPki, lb: &ListeBlanche, port: u16, case: &Case<'_>) -> Delivery {
    let mut m = TrustMaterial::builder();
    m.add_ca_bytes("ca.pem", pki.ca_pem().as_bytes()).unwrap();
    m.add_crl_bytes("crl.pem", pki.crl_pem().as_bytes()).unwrap();
    let mut client =
        TlsClient::new(Checker::new(Arc::new(m.build().unwrap())), "mta.client.test").timeout(Duration::from_secs(30));
    if let Some(cert) = case.identity {
        client = client
            .identity(Identity::from_pem("client.pem", cert.chain_pem.as_bytes(), cert.key_pem.as_bytes()).unwrap());
    }
    if case.plaintext {
        client = client.transport(Transport::InsecurePlaintext);
    }
    let mut c = client.connect("127.0.0.1", port, OWN, lb).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    assert_eq!(
        c.peer.is_some(),
        !case.plaintext,
        "{}: Postfix's certificate is verified as listed for {OWN}",
        case.name
    );
    let envelope =
        Envelope::new(ReversePath::parse(case.sender).unwrap(), vec![Recipient::parse(case.recipient).unwrap()])
            .unwrap();
    let message = format!(
        "From: <{}>\r\nTo: <{}>\r\nSubject: test {}\r\n\r\nCorps synthetique.\r\n",
        case.sender, case.recipient, case.name
    );
    let delivery = c.session.send(&envelope, message.as_bytes()).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    c.session.quit().unwrap();
    delivery
}

#[test]
fn postfix_enforces_the_trust_space_through_the_policy_service() {
    if let Some(why) = missing() {
        if std::env::var_os("CI").is_some() {
            panic!("the real-Postfix test cannot run under CI: {why}");
        }
        eprintln!("\n!!!!!!!! SKIPPED: the real-Postfix test did not run: {why} !!!!!!!!\n");
        return;
    }
    let pki = TestPki::new();
    let cert = |cn: &str, ou: &str, o: &str| pki.issue(&Spec::valid(Subject::new(cn, ou, o)));
    let server = cert("mx.ch-exemple.test", "26000000000001", "CH EXEMPLE");
    let op_a = cert("mta.operateur-a.test", "26000000000002", "OPERATEUR A");
    let op_b = cert("mta.operateur-b.test", "26000000000003", "OPERATEUR B");
    let xml =
        liste_blanche(&[(OWN, &server.dn), ("medecin.mssante.fr", &op_a.dn), ("pharmacien.mssante.fr", &op_b.dn)]);
    let work = tempfile::tempdir().unwrap();
    let lb_path = work.path().join("liste-blanche.xml");
    std::fs::write(&lb_path, &xml).unwrap();
    let lb = ListeBlanche::parse(xml.as_bytes()).unwrap();

    let service = Service::start(work.path(), &lb_path);
    let postfix = Postfix::start(&server, &pki.ca_pem(), service.port);

    let cases = [
        // (case, expected: None accepted, Some(code) refused with it)
        (
            Case {
                name: "listed sender, listed certificate",
                identity: Some(&op_a),
                plaintext: false,
                sender: "dr.a@medecin.mssante.fr",
                recipient: "secretariat@ch-exemple.mssante.fr",
            },
            None,
        ),
        (
            Case {
                name: "unlisted sender domain",
                identity: Some(&op_a),
                plaintext: false,
                sender: "x@gmail.example",
                recipient: "secretariat@ch-exemple.mssante.fr",
            },
            Some("P101"),
        ),
        (
            Case {
                name: "certificate listed for another domain",
                identity: Some(&op_b),
                plaintext: false,
                sender: "dr.a@medecin.mssante.fr",
                recipient: "secretariat@ch-exemple.mssante.fr",
            },
            Some("P104"),
        ),
        (
            Case {
                name: "no client certificate",
                identity: None,
                plaintext: false,
                sender: "dr.a@medecin.mssante.fr",
                recipient: "secretariat@ch-exemple.mssante.fr",
            },
            Some("P103"),
        ),
        (
            Case {
                name: "no TLS",
                identity: None,
                plaintext: true,
                sender: "dr.a@medecin.mssante.fr",
                recipient: "secretariat@ch-exemple.mssante.fr",
            },
            Some("P102"),
        ),
        (
            Case {
                name: "recipient outside the trust space",
                identity: Some(&op_a),
                plaintext: false,
                sender: "secretariat@ch-exemple.mssante.fr",
                recipient: "x@gmail.example",
            },
            Some("P201"),
        ),
    ];
    let mut report = Vec::new();
    for (case, expected) in &cases {
        let d = deliver(&pki, &lb, postfix.port, case);
        match expected {
            None => {
                assert_eq!(d.accepted, [0], "{}: {:?}", case.name, d.refused);
                let data = d.data.as_ref().expect("DATA");
                assert_eq!(data.code, 250, "{}: {data}", case.name);
                report.push(format!("{}: {data}", case.name));
            }
            Some(code) => {
                assert!(d.accepted.is_empty(), "{}", case.name);
                let (_, reply) = &d.refused[0];
                assert_eq!(reply.code, 554, "{}: {reply}", case.name);
                assert_eq!(reply.enhanced, Some((5, 7, 1)), "{}: {reply}", case.name);
                assert!(reply.text.contains(&format!("Recipient address rejected: {code} ")), "{}: {reply}", case.name);
                report.push(format!("{}: {reply}", case.name));
            }
        }
    }
    eprintln!("Postfix answered:\n  {}", report.join("\n  "));

    // One decision line per RCPT, with the code Postfix gave, and what Postfix
    // told the service about the certificate.
    let decisions = service.decisions();
    assert_eq!(decisions.len(), cases.len(), "{decisions:?}");
    for (v, (case, expected)) in decisions.iter().zip(&cases) {
        assert_eq!(v["code"].as_str(), *expected, "{}: {v}", case.name);
        assert_eq!(v["recipient"], case.recipient, "{}", case.name);
        assert_eq!(v["client_address"], "127.0.0.1");
    }
    assert_eq!(decisions[0]["ccert_subject"], "mta.operateur-a.test", "Postfix passes the verified CN");
    assert_eq!(decisions[0]["encryption_protocol"], "TLSv1.3");
    assert!(decisions[3]["ccert_subject"].is_null(), "no certificate, no CN");

    // The maps, read by Postfix's own postmap.
    for (format, key, value) in [
        ("postfix-recipient-access", "medecin.mssante.fr", "OK"),
        ("postfix-transport", "pharmacien.mssante.fr", "mssante:"),
        ("postfix-tls-policy", OWN, "secure match=mx.ch-exemple.test protocols=!SSLv2:!SSLv3:!TLSv1:!TLSv1.1"),
    ] {
        let table = work.path().join(format);
        let out = bin()
            .args(["liste-blanche", "export", "--format", format, "-o"])
            .arg(&table)
            .arg(&lb_path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let map = format!("hash:{}", table.display());
        let built = Command::new("/usr/sbin/postmap").arg("-c").arg(postfix.conf()).arg(&map).output().unwrap();
        assert!(built.status.success(), "postmap {format}: {}", String::from_utf8_lossy(&built.stderr));
        let q = Command::new("/usr/sbin/postmap")
            .arg("-c")
            .arg(postfix.conf())
            .args(["-q", key])
            .arg(&map)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&q.stdout).trim_end(), value, "{format}");
        let q = Command::new("/usr/sbin/postmap")
            .arg("-c")
            .arg(postfix.conf())
            .args(["-q", "gmail.example"])
            .arg(&map)
            .output()
            .unwrap();
        assert_eq!(q.status.code(), Some(1), "{format}: a domain outside the trust space is not in the table");
    }

    let status = service.terminate();
    assert!(status.success(), "clean stop on SIGTERM: {status}");
    // The service down: Postfix's default_action defers, nothing goes through.
    let d = deliver(&pki, &lb, postfix.port, &cases[0].0);
    let (_, reply) = &d.refused[0];
    assert_eq!(reply.code / 100, 4, "service down: a temporary refusal, {reply}");
    eprintln!("  policy service stopped: {reply}");
}
