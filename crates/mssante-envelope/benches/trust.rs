//! Benchmark: the cost of the trust checks and of reading DSNs.
//!
//! Measured, median of interleaved rounds, with the test PKI (ECDSA P-256, a
//! root, the organisation CA and its CRLs; `tls::test_pki`):
//! * chain check: `Checker::check_peer` (certificate read, chain, dates, both
//!   CRLs, DN against the liste blanche) on a valid server chain, against the
//!   baseline rustls `WebPkiServerVerifier` with the same roots and CRLs (chain,
//!   dates, CRLs, host name) — both in-process, no network;
//! * session: a full STARTTLS probe on loopback (connect, EHLO, STARTTLS,
//!   handshake with the checks, EHLO, QUIT) against the baseline of the same
//!   session without TLS (connect, EHLO, QUIT), same test server;
//! * DSN: `dsn::Report::parse` of the Postfix sample against the baseline
//!   mail-parser 0.11 parsing the same bytes (MIME only, no DSN fields).
//!
//! Run: `cargo bench -p mssante-envelope --bench trust [-- ROUNDS]`.

use mssante_bal::liste_blanche::ListeBlanche;
use mssante_envelope::dsn::Report;
use mssante_envelope::smtp::Session;
use mssante_envelope::tls::test_pki::{ServerSpec, Spec, Subject, TestPki, TestServer, liste_blanche};
use mssante_envelope::tls::{Checker, TlsClient, TrustMaterial, Usage};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, ServerName, UnixTime};
use std::hint::black_box;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time(f: &mut dyn FnMut()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

fn report(name: &str, n: usize, ours: Duration, base: Duration) {
    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    println!(
        "{name:<14} ours {:>9.1} µs/op   baseline {:>9.1} µs/op   ratio ×{:.2}",
        per(ours),
        per(base),
        ours.as_secs_f64() / base.as_secs_f64()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let rounds: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(7);
    let pki = TestPki::new();
    let cert = pki.issue(&Spec::valid(Subject::new("mx.ch-exemple.mssante.fr", "98765432100019", "CH EXEMPLE")));
    let (chain, _) = cert.rustls();
    let lb = ListeBlanche::parse(liste_blanche(&[("ch-exemple.mssante.fr", &cert.dn)]).as_bytes()).unwrap();
    let mut m = TrustMaterial::builder();
    m.add_ca_bytes("ca.pem", pki.ca_pem().as_bytes()).unwrap();
    m.add_crl_bytes("crl.pem", pki.crl_pem().as_bytes()).unwrap();
    let material = Arc::new(m.build().unwrap());
    let checker = Checker::new(material.clone());

    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(pki.root_der())).unwrap();
    let crls = vec![
        CertificateRevocationListDer::from(pki.root_crl_der()),
        CertificateRevocationListDer::from(pki.organisations_crl_der()),
    ];
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let baseline =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider).with_crls(crls).build().unwrap();
    let name = ServerName::try_from("mx.ch-exemple.mssante.fr").unwrap();
    let now = UnixTime::now();

    // Chain check.
    let n = 2_000;
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ours.push(time(&mut || {
            for _ in 0..n {
                black_box(checker.check_peer(&chain, Usage::Server, "ch-exemple.mssante.fr", &lb).unwrap());
            }
        }));
        base.push(time(&mut || {
            for _ in 0..n {
                black_box(baseline.verify_server_cert(&chain[0], &chain[1..], &name, &[], now).unwrap());
            }
        }));
    }
    report("chain check", n, median(ours), median(base));

    // Session on loopback.
    let tls_server = TestServer::start(ServerSpec::starttls(Some(cert.clone())));
    let plain_server = TestServer::start(ServerSpec::default());
    let client = TlsClient::new(checker.clone(), "mta.operateur-exemple.mssante.fr");
    let n = 100;
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ours.push(time(&mut || {
            for _ in 0..n {
                let p = client.probe("127.0.0.1", tls_server.port, "ch-exemple.mssante.fr", &lb).unwrap();
                assert!(p.verdict.is_trusted());
            }
        }));
        base.push(time(&mut || {
            for _ in 0..n {
                let s = TcpStream::connect(("127.0.0.1", plain_server.port)).unwrap();
                Session::open(s, "mta.operateur-exemple.mssante.fr").unwrap().quit().unwrap();
            }
        }));
    }
    report("session", n, median(ours), median(base));

    // DSN.
    let sample = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/dsn/postfix.eml")).unwrap();
    let n = 20_000;
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ours.push(time(&mut || {
            for _ in 0..n {
                black_box(Report::parse(black_box(&sample)).unwrap());
            }
        }));
        base.push(time(&mut || {
            for _ in 0..n {
                black_box(mail_parser::MessageParser::default().parse(black_box(&sample[..])).unwrap());
            }
        }));
    }
    report("dsn parse", n, median(ours), median(base));
}
