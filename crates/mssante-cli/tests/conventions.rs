//! The command behaves like the tools operators already use: `-` is stdin,
//! `--quiet` silences the report, failures name their file once (and are a
//! JSON object with `--json`), a closed pipe is not an error, control
//! characters never reach the terminal, completions and a man page exist.

mod common;

use common::{bin, data, run};
use serde_json::Value;
use std::io::{Read, Write};
use std::process::{Output, Stdio};

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child =
        bin().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

#[test]
fn a_dash_reads_stdin_wherever_a_file_is_read() {
    let sample = std::fs::read(data("Extraction_Correspondance_MSSante_exemple.txt")).unwrap();
    let from_file = run(&[
        "extraction",
        "check",
        data("Extraction_Correspondance_MSSante_exemple.txt").to_str().unwrap(),
        "--json",
    ]);
    let from_stdin = run_stdin(&["extraction", "check", "-", "--json"], &sample);
    assert_eq!(from_stdin.status.code(), Some(0), "{}", String::from_utf8_lossy(&from_stdin.stderr));
    let (a, b) = (json(&from_file), json(&from_stdin));
    assert_eq!(a["records_valid"], b["records_valid"]);
    assert_eq!(b["file"], "-");

    let lb = std::fs::read(data("listeblanchemssante-exemple.xml")).unwrap();
    let out = run_stdin(&["liste-blanche", "check", "-", "--json"], &lb);
    assert_eq!(out.status.code(), Some(0));
    assert!(json(&out)["domains"].as_u64().unwrap() > 0);

    let notice = std::fs::read(data("incidents-mssante-2020-12.txt")).unwrap();
    let out = run_stdin(&["incident", "parse", "-", "--json"], &notice);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["incidents"].as_array().unwrap().len(), 2);
}

#[test]
fn quiet_prints_no_report_but_keeps_the_exit_status() {
    let out = run(&["extraction", "check", data("extraction-avec-erreurs.txt").to_str().unwrap(), "--quiet"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    // --json objects are still printed.
    let out = run(&["extraction", "check", data("extraction-avec-erreurs.txt").to_str().unwrap(), "-q", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(json(&out)["records_rejected"].as_u64().unwrap() > 0);
}

#[test]
fn a_failure_names_its_file_once_and_is_json_with_json() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("absent.txt");
    let out = run(&["extraction", "check", absent.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("absent.txt").count(), 1, "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("F001"), "{err}");

    let out = run(&["extraction", "check", absent.to_str().unwrap(), "--json"]);
    let e = &json(&out)["error"];
    assert_eq!(e["code"], "F001");
    assert_eq!(e["file"], absent.to_str().unwrap());
    assert!(!e["message"].as_str().unwrap().is_empty());

    // diff and reconcile say which of their two files is unusable.
    let empty = dir.path().join("vide.txt");
    std::fs::write(&empty, "").unwrap();
    let good = data("Extraction_Correspondance_MSSante_exemple.txt");
    let out = run(&["extraction", "diff", good.to_str().unwrap(), empty.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["file"], empty.to_str().unwrap());
    let feed = data("BALMSS_OPE-99710817004951_20201211173001.txt");
    let out = run(&["reconcile", feed.to_str().unwrap(), empty.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["file"], empty.to_str().unwrap());
    assert_eq!(json(&out)["error"]["code"], "F002");
}

#[test]
fn people_read_issues_as_file_line_code_message() {
    let f = data("extraction-avec-erreurs.txt");
    let out = run(&["extraction", "check", f.to_str().unwrap(), "--show", "3"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let prefix = format!("{}:", f.display());
    let issue = text.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("{text}"));
    let rest = &issue[prefix.len()..];
    let (line, rest) = rest.split_once(": ").unwrap();
    assert!(line.parse::<u64>().is_ok(), "{issue}");
    let code = rest.split_whitespace().next().unwrap();
    assert!(mssante_bal::Code::from_code(code).is_some(), "{issue}");
}

#[test]
fn a_closed_pipe_ends_quietly_with_zero() {
    let mut child = bin()
        .args(["generate", "extraction", "--records", "50000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));

    // The same with a --json object larger than the pipe's buffer (64 KiB).
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("e.txt");
    let written = run(&[
        "generate",
        "extraction",
        "--records",
        "20000",
        "--errors-per-million",
        "200000",
        "-o",
        f.to_str().unwrap(),
    ]);
    assert_eq!(written.status.code(), Some(0));
    let full = run(&["extraction", "check", f.to_str().unwrap(), "--json", "--examples", "10000"]);
    assert!(full.stdout.len() > 1 << 18, "{} bytes only", full.stdout.len());
    let mut child = bin()
        .args(["extraction", "check", f.to_str().unwrap(), "--json", "--examples", "10000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("r.txt");
    std::fs::write(&r, "a@medecin.mssante.fr\nx\u{1b}[2J@inconnu.fr\n").unwrap();
    let lb = data("listeblanchemssante-exemple.xml");
    let out = run(&["mail", "plan", "--recipients", r.to_str().unwrap(), "--liste-blanche", lb.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!out.stdout.contains(&0x1b), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\\u{1b}[2J"));
}

#[test]
fn completions_and_man_page_are_generated() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("mssante") && text.contains("reconcile"), "{shell}");
    }
    let out = run(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let roff = String::from_utf8(out.stdout).unwrap();
    assert!(roff.starts_with(".ie") || roff.contains(".TH mssante"), "{}", &roff[..200.min(roff.len())]);
}

#[test]
fn help_is_in_french_everywhere() {
    let paths: &[&[&str]] = &[
        &[],
        &["extraction"],
        &["extraction", "check"],
        &["extraction", "diff"],
        &["feed", "check"],
        &["liste-blanche", "check"],
        &["generate"],
        &["deposit"],
        &["run"],
        &["state", "init"],
        &["state", "verify"],
        &["state", "export"],
        &["reconcile"],
        &["cr", "show"],
        &["incident", "parse"],
        &["incident", "render"],
        &["mail", "plan"],
        &["mail", "simulate"],
        &["mail", "notice"],
        &["completions"],
        &["man"],
    ];
    for path in paths {
        for flag in ["-h", "--help"] {
            let mut args = path.to_vec();
            args.push(flag);
            let out = run(&args);
            assert_eq!(out.status.code(), Some(0), "{args:?}");
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(text.contains("Utilisation : mssante"), "{args:?}: {text}");
            for english in ["Usage:", "Print help", "[default:", "ossible values", "Print version", "Commands:"] {
                assert!(!text.contains(english), "{args:?} says {english:?}: {text}");
            }
        }
    }
}
