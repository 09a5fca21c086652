//! A test PKI shaped like the IGC-Santé, and a loopback STARTTLS SMTP server
//! (feature `test-pki`): for the tests of this crate and of applications
//! built on it. Everything is made at run time (rcgen); names are invented.
//!
//! * a root `AC RACINE IGC-SANTE TEST` and an organisation CA `AC IGC-SANTE
//!   ELEMENTAIRE ORGANISATIONS TEST`, each with a CRL (the organisation CA's
//!   revokes serial [`TestPki::REVOKED_SERIAL`]);
//! * a foreign root (`AC RACINE HORS IGC TEST`) for "non IGC" certificates;
//! * [`TestPki::audit`]: the seven ANS audit cases, with a liste blanche.

use super::inbound::InboundPolicy;
use super::verdict::{TrustCode, Verdict};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams, SerialNumber,
    date_time_ymd,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The subject of a test certificate, in the liste blanche's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// `CN` (the MTA's host name).
    pub cn: String,
    /// `OU` (an identifier).
    pub ou: String,
    /// `O`.
    pub o: String,
    /// `ST`.
    pub st: String,
}

impl Subject {
    /// A subject with `ST=Exemple (99)`.
    pub fn new(cn: &str, ou: &str, o: &str) -> Subject {
        Subject { cn: cn.into(), ou: ou.into(), o: o.into(), st: "Exemple (99)".into() }
    }

    /// As the liste blanche writes it: `CN=…,OU=…,O=…,ST=…,C=FR`.
    pub fn dn(&self) -> String {
        format!("CN={},OU={},O={},ST={},C=FR", self.cn, self.ou, self.o, self.st)
    }
}

/// Which CA signs a test certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    /// The test IGC-Santé organisation CA.
    Igc,
    /// A root outside the IGC-Santé.
    Foreign,
}

/// What to issue.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The subject.
    pub subject: Subject,
    /// The signer.
    pub signer: Signer,
    /// Valid from (year, month, day).
    pub not_before: (i32, u8, u8),
    /// Valid until.
    pub not_after: (i32, u8, u8),
    /// Issue it with [`TestPki::REVOKED_SERIAL`] (revoked by the CRL).
    pub revoked: bool,
}

impl Spec {
    /// A certificate valid 2020–2040, signed by the test IGC-Santé CA.
    pub fn valid(subject: Subject) -> Spec {
        Spec { subject, signer: Signer::Igc, not_before: (2020, 1, 1), not_after: (2040, 1, 1), revoked: false }
    }
}

/// A certificate and its key, in PEM.
#[derive(Debug, Clone)]
pub struct TestCert {
    /// The certificate then the organisation CA (PEM).
    pub chain_pem: String,
    /// The private key (PKCS#8 PEM).
    pub key_pem: String,
    /// The certificate (DER).
    pub der: Vec<u8>,
    /// The subject as the liste blanche writes it.
    pub dn: String,
}

impl TestCert {
    /// The chain and key as rustls takes them.
    pub fn rustls(&self) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        let chain = rustls::pki_types::pem::PemObject::pem_slice_iter(self.chain_pem.as_bytes())
            .collect::<Result<Vec<CertificateDer<'static>>, _>>()
            .expect("test chain");
        let key = rustls::pki_types::pem::PemObject::from_pem_slice(self.key_pem.as_bytes()).expect("test key");
        (chain, key)
    }

    /// A PKCS#12 file of the certificate, its chain and key, under `password`.
    pub fn pkcs12(&self, password: &str) -> Vec<u8> {
        let (chain, key) = self.rustls();
        let certs: Vec<p12_keystore::Certificate> =
            chain.iter().map(|c| p12_keystore::Certificate::from_der(c).expect("test certificate")).collect();
        let key = p12_keystore::PrivateKey::from_der(key.secret_der()).expect("test key");
        let entry = p12_keystore::PrivateKeyChain::new(b"test-key".to_vec(), key, certs);
        let mut store = p12_keystore::KeyStore::new();
        store.add_entry("mta", p12_keystore::KeyStoreEntry::PrivateKeyChain(entry));
        store.writer(password).write().expect("PKCS#12")
    }
}

/// One of the seven ANS audit cases.
#[derive(Debug, Clone)]
pub struct AuditCase {
    /// `cert-valide-audit`, …
    pub name: &'static str,
    /// The domain, under `espacedeconfiance.mssante.fr`.
    pub domain: String,
    /// The server's certificate (`None`: the server offers no TLS).
    pub cert: Option<TestCert>,
    /// The expected verdict: `None` trusted, else the refusal's code.
    pub expected: Option<TrustCode>,
}

/// The test PKI.
#[derive(Debug)]
pub struct TestPki {
    root: CertifiedIssuer<'static, KeyPair>,
    organisations: CertifiedIssuer<'static, KeyPair>,
    foreign: CertifiedIssuer<'static, KeyPair>,
    root_crl: Vec<u8>,
    organisations_crl: Vec<u8>,
}

fn ca_params(cn: &str, o: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "FR");
    dn.push(DnType::OrganizationName, o);
    dn.push(DnType::OrganizationalUnitName, "0002 187512751");
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    p.not_before = date_time_ymd(2015, 1, 1);
    p.not_after = date_time_ymd(2045, 1, 1);
    p
}

fn crl(issuer: &CertifiedIssuer<'static, KeyPair>, revoked: &[u64], next_update: (i32, u8, u8)) -> Vec<u8> {
    let params = CertificateRevocationListParams {
        this_update: date_time_ymd(2020, 1, 1),
        next_update: date_time_ymd(next_update.0, next_update.1, next_update.2),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: revoked
            .iter()
            .map(|s| RevokedCertParams {
                serial_number: SerialNumber::from(*s),
                revocation_time: date_time_ymd(2020, 6, 1),
                reason_code: None,
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::Sha256,
    };
    params.signed_by(issuer).expect("test CRL").der().to_vec()
}

impl Default for TestPki {
    fn default() -> TestPki {
        TestPki::new()
    }
}

impl TestPki {
    /// The serial of the certificates the organisation CA's CRL revokes.
    pub const REVOKED_SERIAL: u64 = 0x0BAD;

    /// A new PKI (fresh keys).
    pub fn new() -> TestPki {
        let key = || KeyPair::generate().expect("key");
        let root = CertifiedIssuer::self_signed(ca_params("AC RACINE IGC-SANTE TEST", "ASIP-SANTE TEST"), key())
            .expect("root");
        let organisations = CertifiedIssuer::signed_by(
            ca_params("AC IGC-SANTE ELEMENTAIRE ORGANISATIONS TEST", "ASIP-SANTE TEST"),
            key(),
            &root,
        )
        .expect("organisation CA");
        let foreign =
            CertifiedIssuer::self_signed(ca_params("AC RACINE HORS IGC TEST", "AUTRE AC TEST"), key()).expect("root");
        let root_crl = crl(&root, &[], (2040, 1, 1));
        let organisations_crl = crl(&organisations, &[TestPki::REVOKED_SERIAL], (2040, 1, 1));
        TestPki { root, organisations, foreign, root_crl, organisations_crl }
    }

    /// The root then the organisation CA, PEM.
    pub fn ca_pem(&self) -> String {
        format!("{}{}", self.root.pem(), self.organisations.pem())
    }

    /// The root alone, DER.
    pub fn root_der(&self) -> Vec<u8> {
        self.root.der().to_vec()
    }

    /// The foreign root, PEM.
    pub fn foreign_pem(&self) -> String {
        self.foreign.pem()
    }

    /// The root and the organisation CA as a PKCS#7 certs-only bundle
    /// (`.p7b`, DER), as the IGC-Santé chain is distributed.
    pub fn ca_p7b(&self) -> Vec<u8> {
        pkcs7_bundle(&[self.root.der().to_vec(), self.organisations.der().to_vec()])
    }

    /// Both CRLs (root's, organisation CA's), PEM.
    pub fn crl_pem(&self) -> String {
        [&self.root_crl, &self.organisations_crl].iter().map(|d| pem("X509 CRL", d)).collect()
    }

    /// The organisation CA's CRL, DER.
    pub fn organisations_crl_der(&self) -> Vec<u8> {
        self.organisations_crl.clone()
    }

    /// The root's CRL, DER.
    pub fn root_crl_der(&self) -> Vec<u8> {
        self.root_crl.clone()
    }

    /// A CRL of the organisation CA whose `nextUpdate` is 2021-01-01
    /// (outdated), DER.
    pub fn outdated_crl_der(&self) -> Vec<u8> {
        crl(&self.organisations, &[TestPki::REVOKED_SERIAL], (2021, 1, 1))
    }

    /// A CRL signed by the foreign root, DER.
    pub fn foreign_crl_der(&self) -> Vec<u8> {
        crl(&self.foreign, &[], (2040, 1, 1))
    }

    /// Issues a certificate for servers and clients.
    pub fn issue(&self, spec: &Spec) -> TestCert {
        let mut p = CertificateParams::new(vec![spec.subject.cn.clone()]).expect("name");
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "FR");
        dn.push(DnType::StateOrProvinceName, spec.subject.st.clone());
        dn.push(DnType::OrganizationName, spec.subject.o.clone());
        dn.push(DnType::OrganizationalUnitName, spec.subject.ou.clone());
        dn.push(DnType::CommonName, spec.subject.cn.clone());
        p.distinguished_name = dn;
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
        p.not_before = date_time_ymd(spec.not_before.0, spec.not_before.1, spec.not_before.2);
        p.not_after = date_time_ymd(spec.not_after.0, spec.not_after.1, spec.not_after.2);
        p.use_authority_key_identifier_extension = true;
        p.serial_number = spec.revoked.then(|| SerialNumber::from(TestPki::REVOKED_SERIAL));
        let key = KeyPair::generate().expect("key");
        let issuer = match spec.signer {
            Signer::Igc => &self.organisations,
            Signer::Foreign => &self.foreign,
        };
        let cert = p.signed_by(&key, issuer).expect("certificate");
        TestCert {
            chain_pem: format!("{}{}", cert.pem(), issuer.pem()),
            key_pem: key.serialize_pem(),
            der: cert.der().to_vec(),
            dn: spec.subject.dn(),
        }
    }

    /// The seven ANS audit cases and the liste blanche that lists their
    /// domains: the listed DN is the certificate's except for
    /// `cert-no-match-audit` (another host) and `cert-cn-diff-dn-audit` (the
    /// same CN, another `OU`).
    pub fn audit(&self) -> (Vec<AuditCase>, String) {
        let op = "OPERATEUR AUDIT TEST";
        let subject =
            |name: &str| Subject::new(&format!("mx.{name}.espacedeconfiance.mssante.fr"), "99999999900011", op);
        let case = |name: &'static str, spec: Option<Spec>, expected, listed: Option<String>| {
            let cert = spec.map(|s| self.issue(&s));
            let dn = listed.or_else(|| cert.as_ref().map(|c| c.dn.clone())).unwrap_or_else(|| subject(name).dn());
            (AuditCase { name, domain: format!("{name}.espacedeconfiance.mssante.fr"), cert, expected }, dn)
        };
        let cases = vec![
            case("cert-valide-audit", Some(Spec::valid(subject("cert-valide-audit"))), None, None),
            case(
                "cert-expire-audit",
                Some(Spec { not_after: (2021, 1, 1), ..Spec::valid(subject("cert-expire-audit")) }),
                Some(TrustCode::NotValidNow),
                None,
            ),
            case(
                "cert-revoque-audit",
                Some(Spec { revoked: true, ..Spec::valid(subject("cert-revoque-audit")) }),
                Some(TrustCode::Revoked),
                None,
            ),
            case(
                "cert-non-igc-audit",
                Some(Spec { signer: Signer::Foreign, ..Spec::valid(subject("cert-non-igc-audit")) }),
                Some(TrustCode::UntrustedIssuer),
                None,
            ),
            case(
                "cert-no-match-audit",
                Some(Spec::valid(subject("cert-no-match-audit"))),
                Some(TrustCode::DnNotListed),
                Some(subject("autre-mta").dn()),
            ),
            case(
                "cert-cn-diff-dn-audit",
                Some(Spec::valid(subject("cert-cn-diff-dn-audit"))),
                Some(TrustCode::CnMatchDnDiffers),
                Some(Subject { ou: "99999999900099".into(), ..subject("cert-cn-diff-dn-audit") }.dn()),
            ),
            case("sans-tls-audit", None, Some(TrustCode::NoTls), None),
        ];
        let entries: Vec<(String, String)> = cases.iter().map(|(c, dn)| (c.domain.clone(), dn.clone())).collect();
        let refs: Vec<(&str, &str)> = entries.iter().map(|(d, n)| (d.as_str(), n.as_str())).collect();
        (cases.into_iter().map(|(c, _)| c).collect(), liste_blanche(&refs))
    }
}

/// A liste blanche listing each (domain, DN).
pub fn liste_blanche(entries: &[(&str, &str)]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListeBlancheMSSante><ListeDomaines>\n");
    for (domain, dn) in entries {
        xml.push_str(&format!(
            "<Domaine><Nom>{domain}</Nom><DNCertificatOperateur>{}</DNCertificatOperateur></Domaine>\n",
            mssante_bal::liste_blanche::escape(dn)
        ));
    }
    xml.push_str("</ListeDomaines></ListeBlancheMSSante>\n");
    xml
}

/// A PKCS#7 certs-only `SignedData` bundle (`.p7b`, DER) of these
/// certificates, in order.
pub fn pkcs7_bundle(certs: &[Vec<u8>]) -> Vec<u8> {
    let signed_data = tlv(
        0x30,
        &[
            tlv(0x02, &[1]),
            tlv(0x31, &[]),
            tlv(0x30, &tlv(0x06, &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01])),
            tlv(0xA0, &certs.concat()),
            tlv(0x31, &[]),
        ]
        .concat(),
    );
    tlv(0x30, &[tlv(0x06, &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02]), tlv(0xA0, &signed_data)].concat())
}

/// A DER tag-length-value with a definite length.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n.to_be_bytes().iter().copied().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

/// How the test server behaves.
#[derive(Debug, Clone, Default)]
pub struct ServerSpec {
    /// Its certificate; `None`: no `STARTTLS` offered.
    pub cert: Option<TestCert>,
    /// Mutual TLS: demand a client certificate, verified by this policy's
    /// verifier, and decide each `MAIL FROM` with it (`550 5.7.1` when
    /// refused).
    pub inbound: Option<InboundPolicy>,
    /// TLS from the first byte (implicit TLS) instead of `STARTTLS`.
    pub implicit: bool,
}

impl ServerSpec {
    /// A server offering `STARTTLS` with this certificate (`None`: no TLS).
    pub fn starttls(cert: Option<TestCert>) -> ServerSpec {
        ServerSpec { cert, ..ServerSpec::default() }
    }
}

/// A message the test server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The `MAIL FROM` line.
    pub mail_from: String,
    /// The `RCPT TO` lines.
    pub rcpt_to: Vec<String>,
    /// The message, dot-stuffing undone.
    pub data: Vec<u8>,
    /// Whether it came over TLS.
    pub tls: bool,
    /// The inbound verdict for `MAIL FROM`, in mutual TLS.
    pub verdict: Option<Verdict>,
}

/// A STARTTLS SMTP server on 127.0.0.1, one thread per connection, stopped
/// when dropped.
#[derive(Debug)]
pub struct TestServer {
    /// Its port.
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
}

impl TestServer {
    /// Starts a server.
    pub fn start(spec: ServerSpec) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let config = spec.cert.as_ref().map(|cert| {
            let (chain, key) = cert.rustls();
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let builder =
                ServerConfig::builder_with_provider(provider).with_safe_default_protocol_versions().expect("TLS");
            let builder = match &spec.inbound {
                Some(policy) => builder.with_client_cert_verifier(policy.verifier()),
                None => builder.with_no_client_auth(),
            };
            Arc::new(builder.with_single_cert(chain, key).expect("server certificate"))
        });
        let (rx, st) = (received.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (rx, config, inbound, implicit) = (rx.clone(), config.clone(), spec.inbound.clone(), spec.implicit);
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                    let _ = stream.set_nodelay(true);
                    let _ = serve(stream, config, inbound, implicit, &rx);
                });
            }
        });
        TestServer { port, received, stop }
    }

    /// What it received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

enum Next {
    Done,
    StartTls,
}

fn serve(
    stream: TcpStream,
    config: Option<Arc<ServerConfig>>,
    inbound: Option<InboundPolicy>,
    implicit: bool,
    received: &Mutex<Vec<Received>>,
) -> std::io::Result<()> {
    let mut tcp = stream;
    if !implicit {
        let mut io = BufReader::new(tcp);
        io.get_mut().write_all(b"220 mx.test ESMTP\r\n")?;
        let offer = config.is_some();
        if let Next::Done = converse(&mut io, offer, None, None, received)? {
            return Ok(());
        }
        tcp = io.into_inner();
    }
    let Some(config) = config else { return Ok(()) };
    let mut conn = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp)?;
    }
    let chain: Vec<CertificateDer<'static>> = conn.peer_certificates().map(<[_]>::to_vec).unwrap_or_default();
    let mut io = BufReader::new(rustls::StreamOwned::new(conn, tcp));
    if implicit {
        io.get_mut().write_all(b"220 mx.test ESMTP\r\n")?;
        io.get_mut().flush()?;
    }
    converse(&mut io, false, Some(chain), inbound.as_ref(), received)?;
    Ok(())
}

fn converse<S: Read + Write>(
    io: &mut BufReader<S>,
    offer_starttls: bool,
    tls: Option<Vec<CertificateDer<'static>>>,
    inbound: Option<&InboundPolicy>,
    received: &Mutex<Vec<Received>>,
) -> std::io::Result<Next> {
    let mut current: Option<Received> = None;
    loop {
        let mut line = String::new();
        if io.read_line(&mut line)? == 0 {
            return Ok(Next::Done);
        }
        let cmd = line.trim_end().to_owned();
        let upper = cmd.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") {
            let tls_line = if offer_starttls { "250-STARTTLS\r\n" } else { "" };
            format!("250-mx.test\r\n{tls_line}250-DSN\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10000000\r\n")
        } else if upper == "STARTTLS" && offer_starttls {
            io.get_mut().write_all(b"220 2.0.0 Ready to start TLS\r\n")?;
            io.get_mut().flush()?;
            return Ok(Next::StartTls);
        } else if upper.starts_with("MAIL FROM:") {
            let addr = cmd[10..].split_whitespace().next().unwrap_or("").trim_matches(['<', '>']).to_owned();
            let domain = addr.rsplit_once('@').map(|(_, d)| d.to_owned()).unwrap_or_default();
            let verdict = inbound.map(|p| p.decide(tls.as_deref(), &domain));
            let refused = verdict.as_ref().and_then(Verdict::code);
            current = Some(Received {
                mail_from: cmd.clone(),
                rcpt_to: Vec::new(),
                data: Vec::new(),
                tls: tls.is_some(),
                verdict,
            });
            match refused {
                Some(code) => {
                    current = None;
                    format!("550 5.7.1 {code} peer refused\r\n")
                }
                None => "250 2.1.0 Ok\r\n".into(),
            }
        } else if upper.starts_with("RCPT TO:") {
            match current.as_mut() {
                Some(m) => {
                    m.rcpt_to.push(cmd.clone());
                    "250 2.1.5 Ok\r\n".into()
                }
                None => "503 5.5.1 MAIL first\r\n".into(),
            }
        } else if upper == "DATA" {
            match current.take() {
                Some(mut m) => {
                    io.get_mut().write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
                    io.get_mut().flush()?;
                    loop {
                        let mut l = Vec::new();
                        if io.read_until(b'\n', &mut l)? == 0 {
                            return Ok(Next::Done);
                        }
                        if l == b".\r\n" {
                            break;
                        }
                        let body = if l.starts_with(b"..") { &l[1..] } else { &l[..] };
                        m.data.extend_from_slice(body);
                    }
                    if let Ok(mut r) = received.lock() {
                        r.push(m);
                    }
                    "250 2.0.0 queued\r\n".into()
                }
                None => "503 5.5.1 MAIL first\r\n".into(),
            }
        } else if upper == "RSET" {
            current = None;
            "250 2.0.0 Ok\r\n".into()
        } else if upper == "QUIT" {
            io.get_mut().write_all(b"221 2.0.0 Bye\r\n")?;
            io.get_mut().flush()?;
            return Ok(Next::Done);
        } else {
            "500 5.5.2 unknown command\r\n".into()
        };
        io.get_mut().write_all(reply.as_bytes())?;
        io.get_mut().flush()?;
    }
}
