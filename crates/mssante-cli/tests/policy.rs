//! `mssante liste-blanche export` and `mssante policy serve`, without Postfix:
//! the tables, the service's dry run and log, its stop, its refusals to start.
#![cfg(unix)]

mod common;

use common::{bin, free_port, run};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LB: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema">
  <DateDeGeneration>2025-03-13T14:54:10Z</DateDeGeneration>
  <ListeDomaines>
    <Domaine><Nom>pharmacien.mssante.fr</Nom><DNCertificatOperateur>CN=proxysmtp.mailiz.example,OU=1,O=MAILIZ,C=FR</DNCertificatOperateur></Domaine>
    <Domaine><Nom>Medecin.MSSante.fr</Nom><DNCertificatOperateur>CN=proxysmtp.mailiz.example,OU=1,O=MAILIZ,C=FR</DNCertificatOperateur></Domaine>
    <Domaine><Nom> medecin.mssante.fr </Nom><DNCertificatOperateur>CN=bus.mailiz.example, OU=1, O=MAILIZ, C=FR</DNCertificatOperateur></Domaine>
    <Domaine><Nom>hôpital-nord.mssante.fr</Nom><DNCertificatOperateur>CN=mx.hopital-nord.example,OU=3,O=HN,C=FR</DNCertificatOperateur></Domaine>
    <Domaine><Nom>sessad@ase.exemple.mssante.fr</Nom><DNCertificatOperateur>CN=mx.ase.example,OU=4,O=ASE,C=FR</DNCertificatOperateur></Domaine>
    <Domaine><Nom>ch-exemple.mssante.fr</Nom><DNCertificatOperateur>CN=mx.ch-exemple.example,OU=2,O=CH,C=FR</DNCertificatOperateur></Domaine>
  </ListeDomaines>
</ListeBlancheMSSante>
"#;

fn lb_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lb.xml");
    std::fs::write(&path, LB).unwrap();
    (dir, path)
}

/// `mssante liste-blanche export PATH --format FORMAT EXTRA…`.
fn run_export(path: &std::path::Path, format: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["liste-blanche", "export", path.to_str().unwrap(), "--format", format];
    args.extend_from_slice(extra);
    run(&args)
}

fn export(path: &std::path::Path, format: &str) -> String {
    let out = run_export(path, format, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn body(table: &str) -> Vec<&str> {
    table.lines().filter(|l| !l.starts_with('#')).collect()
}

#[test]
fn tables_have_one_sorted_idna_line_per_domain_and_are_deterministic() {
    let (_dir, path) = lb_file();
    let transport = export(&path, "postfix-transport");
    assert_eq!(transport, export(&path, "postfix-transport"), "the same bytes every time");
    assert_eq!(
        body(&transport),
        [
            "ch-exemple.mssante.fr mssante:",
            "medecin.mssante.fr mssante:",
            "pharmacien.mssante.fr mssante:",
            "xn--hpital-nord-2eb.mssante.fr mssante:"
        ]
    );
    assert!(transport.starts_with("# postfix-transport : "));
    assert!(transport.contains("2025-03-13 14:54:10 UTC"));
    assert_eq!(
        body(&export(&path, "postfix-tls-policy"))[1],
        "medecin.mssante.fr secure match=bus.mailiz.example:proxysmtp.mailiz.example protocols=!SSLv2:!SSLv3:!TLSv1:!TLSv1.1"
    );
    assert_eq!(body(&export(&path, "postfix-recipient-access"))[3], "xn--hpital-nord-2eb.mssante.fr OK");
    let out = run_export(&path, "postfix-transport", &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 entrée"), "the malformed name is counted");
}

#[test]
fn export_writes_a_file_in_one_step_and_refuses_a_bad_transport() {
    let (dir, path) = lb_file();
    let table = dir.path().join("transport");
    let out = run_export(&path, "postfix-transport", &["--transport", "igc", "-o", table.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(std::fs::read_to_string(&table).unwrap().contains("\nmedecin.mssante.fr igc:\n"));
    assert!(!dir.path().join("transport.mssante-tmp").exists());
    let bad = run_export(&path, "postfix-transport", &["--transport", "a b:"]);
    assert_eq!(bad.status.code(), Some(2));
    let missing = run_export(std::path::Path::new("/nonexistent/lb.xml"), "postfix-transport", &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/lb.xml"));
}

fn connect(port: u16) -> TcpStream {
    let start = Instant::now();
    loop {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            return s;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "the service does not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn ask(s: &mut TcpStream, request: &str) -> String {
    s.write_all(request.as_bytes()).unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let mut empty = String::new();
    r.read_line(&mut empty).unwrap();
    line.trim_end().to_owned()
}

#[test]
fn serve_in_dry_run_answers_dunno_logs_what_it_would_do_and_stops_on_sigterm() {
    let (dir, path) = lb_file();
    let bulk = dir.path().join("bulk.txt");
    std::fs::write(&bulk, "# alertes\nalerte@dgs.mssante.fr\n").unwrap();
    let port = free_port();
    let log = dir.path().join("log");
    let mut child = bin()
        .args(["policy", "serve", "--listen", &format!("127.0.0.1:{port}"), "--liste-blanche"])
        .arg(&path)
        .args(["--own-domains", "ch-exemple.mssante.fr", "--dry-run", "--bulk-senders"])
        .arg(&bulk)
        .args(["--max-request-bytes", "99999999999"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut s = connect(port);
    let outbound = "request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a@ch-exemple.mssante.fr\nrecipient=x@gmail.example\n\n";
    assert_eq!(ask(&mut s, outbound), "action=DUNNO");
    let broken = "request=smtpd_access_policy\nbroken line\n\n";
    assert!(ask(&mut s, broken).starts_with("action=DEFER_IF_PERMIT 4.3.5 P401"), "never let through, even in dry run");
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("--max-request-bytes 99999999999 ramené à 1048576"), "{text}");
    let lines: Vec<serde_json::Value> =
        text.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap()).collect();
    let events: Vec<&str> = lines.iter().map(|v| v["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["start", "decision", "decision", "stop"]);
    assert_eq!(lines[1]["action"], "DUNNO");
    assert_eq!(lines[1]["dry_run"], true);
    assert_eq!(lines[1]["code"], "P201");
    assert!(lines[1]["would"].as_str().unwrap().starts_with("REJECT 5.7.1 P201"));
    assert_eq!(lines[2]["code"], "P401");
}

#[test]
fn serve_refuses_to_start_without_a_usable_configuration() {
    let (dir, path) = lb_file();
    let listen = format!("127.0.0.1:{}", free_port());
    let p = path.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--liste-blanche", "/nonexistent.xml", "--own-domains", "a.fr"], "/nonexistent.xml"),
        (vec!["--liste-blanche", p, "--own-domains", "xn--a.fr"], "own domain"),
        (vec!["--liste-blanche", p, "--own-domains", "a.fr", "--issuer-cn", " "], "an empty CN"),
        (
            vec!["--liste-blanche", p, "--own-domains", "a.fr", "--bulk-senders", "/nonexistent-bulk"],
            "/nonexistent-bulk",
        ),
    ];
    for (args, expected) in cases {
        let out = bin().args(["policy", "serve", "--listen", &listen]).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(expected),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let empty = dir.path().join("empty.xml");
    std::fs::write(&empty, "<ListeBlancheMSSante><ListeDomaines></ListeDomaines></ListeBlancheMSSante>").unwrap();
    let out = bin()
        .args(["policy", "serve", "--listen", &listen, "--own-domains", "a.fr", "--liste-blanche"])
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no usable entry"));
    // An address already taken.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = bin()
        .args(["policy", "serve", "--listen", &addr, "--own-domains", "a.fr", "--liste-blanche", p])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen"));
}
