//! `mssante deposit`, `run` and `state` as processes: many at once on one
//! state (a folder, and PostgreSQL), states that are not states, damaged
//! states. The ledger is checked against the exit codes.

use mssante_cr::store::Store;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mssante"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run mssante")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const HEADER: &str = "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|Type identifiant structure|Identification Structure|Service de rattachement|Description|Responsable|Dématérialisation|Liste rouge|Rang";

/// A feed file of operator `op` holding `n` BALs, named for `stamp`.
fn feed(dir: &Path, op: usize, stamp: &str, n: usize) -> PathBuf {
    let mut s = format!("{HEADER}\n");
    for i in 0..n {
        s.push_str(&format!("PER|agent{i}.{stamp}@ch-{op}.mssante.fr|8|10000000009||||||||N|\n"));
    }
    let p = dir.join(format!("BALMSS_OPE-{op}_{stamp}.txt"));
    std::fs::write(&p, s).unwrap();
    p
}

fn spawn(args: &[String]) -> Child {
    bin().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn mssante")
}

/// 20 deposits (5 operators × 4 days) and 2 runs started at once; then a
/// last run. Every deposit that exited 0 is in the ledger once, with its own
/// number, and is either integrated once or, when a later file of its
/// operator was integrated first (processes start in any order), refused as
/// superseded (S717); each operator ends with its last day's BALs.
fn many_processes(state: &str, open: impl Fn() -> Box<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let mut jobs = Vec::new();
    for day in 3..7 {
        for op in 1..=5 {
            let stamp = format!("202012{day:02}16{op:02}00");
            let f = feed(dir.path(), op, &stamp, 20 + day);
            let args: Vec<String> = [
                "deposit",
                f.to_str().unwrap(),
                "--operator",
                &format!("OPE-{op}"),
                "--state",
                state,
                "--at",
                &format!("2020-12-{day:02}T17:{op:02}"),
                "--json",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            jobs.push((Some(f), spawn(&args)));
        }
        if day % 2 == 0 {
            let args: Vec<String> =
                ["run", "--state", state, "--at", "2020-12-11T20:00", "--json"].iter().map(|s| s.to_string()).collect();
            jobs.push((None, spawn(&args)));
        }
    }
    let mut acknowledged = Vec::new();
    for (file, child) in jobs {
        let out = child.wait_with_output().unwrap();
        match file {
            Some(f) => {
                assert_eq!(out.status.code(), Some(0), "{}: {}", f.display(), stderr(&out));
                let v: Value = serde_json::from_slice(&out.stdout).unwrap();
                acknowledged.push((v["seq"].as_u64().unwrap(), f.file_name().unwrap().to_string_lossy().into_owned()));
            }
            None => assert!(matches!(out.status.code(), Some(0 | 1)), "run: {}", stderr(&out)),
        }
    }
    let out = run(&["run", "--state", state, "--at", "2020-12-11T20:00", "--json"]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    let store = open();
    let ledger = store.deposits().unwrap();
    assert_eq!(ledger.len(), 20);
    let mut seqs: Vec<u64> = acknowledged.iter().map(|a| a.0).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=20).collect::<Vec<_>>(), "unique sequence numbers");
    for (seq, name) in &acknowledged {
        let d = ledger.iter().find(|d| d.seq == *seq).unwrap();
        assert_eq!(&d.report.file_name, name);
        match &d.failed {
            None => {
                assert!(d.integrated_at.is_some(), "{name} integrated");
                assert_eq!(
                    &store.integration_report(*seq).unwrap().unwrap().file_name,
                    name,
                    "one report, this file's"
                );
            }
            Some(f) => {
                assert_eq!(f.code.as_str(), "S717", "{name}: {}", f.message);
                assert!(d.integrated_at.is_none() && store.integration_report(*seq).unwrap().is_none());
                assert!(ledger.iter().any(|n| n.integrated_at.is_some()
                    && n.report.operator == d.report.operator
                    && n.report.business_date > d.report.business_date));
            }
        }
    }
    // Each operator holds its last day's BALs.
    for op in 1..=5 {
        assert_eq!(store.load_operator(&format!("OPE-{op}")).unwrap().len(), 26);
    }
    let findings = store.verify().unwrap();
    assert!(
        findings.iter().all(|f| f.severity == mssante_bal::Severity::Warning && f.code.as_str() == "S717"),
        "{findings:?}"
    );
    let out = run(&["state", "verify", "--state", state, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn many_processes_on_one_state_folder() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let s = state.to_str().unwrap().to_owned();
    // Runs started before any deposit need the state to exist (a run never creates one).
    assert_eq!(run(&["state", "init", &s]).status.code(), Some(0));
    many_processes(&s, || Box::new(mssante_cr::FsStore::open(&state).unwrap()));
}

#[test]
fn many_processes_on_one_postgres_state() {
    let admin = match std::env::var("MSSANTE_TEST_PG").ok().filter(|u| !u.is_empty()).ok_or(()) {
        Ok(url) => url,
        Err(_) if std::env::var_os("CI").is_some() => panic!("MSSANTE_TEST_PG is not set: .ci/run starts PostgreSQL"),
        Err(_) => {
            eprintln!(
                "\n*** SKIPPED: set MSSANTE_TEST_PG (eval \"$(.ci/postgres.sh start)\") for the PostgreSQL test ***\n"
            );
            return;
        }
    };
    let name = format!("mssante_cli{}", std::process::id());
    let mut c = postgres_client(&admin);
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
    c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    // A database without the schema is not a state for `run`.
    let out = run(&["run", "--state", &url, "--at", "2020-12-11T20:00"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("S702"), "{}", stderr(&out));
    let out = run(&["state", "init", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    many_processes(&url, || Box::new(mssante_cr::PgStore::open(&url).unwrap()));
    // Exported as a folder, it is a sound state.
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    let out = run(&["state", "export", "--state", &url, export.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(&["state", "verify", "--state", export.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(!stderr(&out).contains("postgres://postgres@"), "no URL credentials printed");
}

fn postgres_client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("connect to MSSANTE_TEST_PG")
}

#[test]
fn run_refuses_what_is_not_a_state_and_deletes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other");
    std::fs::create_dir_all(other.join("reports")).unwrap();
    std::fs::write(other.join("reports/000001_CR_DEPOT_x.txt"), b"precious").unwrap();
    let out = run(&["run", "--state", other.to_str().unwrap(), "--at", "2020-12-11T20:00"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("S701"), "{}", stderr(&out));
    assert_eq!(std::fs::read(other.join("reports/000001_CR_DEPOT_x.txt")).unwrap(), b"precious");
    // A mistyped path is an error and creates nothing.
    let typo = dir.path().join("stat");
    let out = run(&["run", "--state", typo.to_str().unwrap(), "--at", "2020-12-11T20:00"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("S702"), "{}", stderr(&out));
    assert!(!typo.exists());
    // A deposit into a folder that is not a state records nothing.
    let f = feed(dir.path(), 1, "20201203160000", 3);
    let out = run(&["deposit", f.to_str().unwrap(), "--operator", "OPE-1", "--state", other.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!other.join("manifest.json").exists());
}

#[test]
fn instants_outside_the_window_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let f = feed(dir.path(), 1, "20201203160000", 3);
    let out = run(&[
        "deposit",
        f.to_str().unwrap(),
        "--operator",
        "OPE-1",
        "--state",
        state.to_str().unwrap(),
        "--at",
        "0000-01-01T00:00",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("S712"), "{}", stderr(&out));
    assert!(!state.exists(), "nothing created");
}

#[test]
fn state_init_verify_and_a_damaged_deposit() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let s = state.to_str().unwrap();
    assert_eq!(run(&["state", "init", s]).status.code(), Some(0));
    let out = run(&["state", "init", s]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("S716"), "{}", stderr(&out));
    let f = feed(dir.path(), 1, "20201203160000", 30);
    let out = run(&["deposit", f.to_str().unwrap(), "--operator", "OPE-1", "--state", s, "--at", "2020-12-03T17:00"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(&["state", "verify", "--state", s, "--json"]);
    assert_eq!(out.status.code(), Some(0));
    // Truncate the stored deposit.
    let stored = std::fs::read_dir(state.join("deposits")).unwrap().next().unwrap().unwrap().path();
    let bytes = std::fs::read(&stored).unwrap();
    std::fs::write(&stored, &bytes[..bytes.len() / 2]).unwrap();
    let out = run(&["state", "verify", "--state", s, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["findings"][0]["code"], "S707");
    assert_eq!(v["findings"][0]["seq"], 1);
    // The run does not integrate it, and says so.
    let out = run(&["run", "--state", s, "--at", "2020-12-03T20:00", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["integrated"].as_array().unwrap().len(), 0);
    assert_eq!(v["failed"][0]["failure"]["code"], "S707");
    // Another file with bad lines: its CR sums them up by code, and `cr show
    // --summary` reads that head alone.
    let bad = dir.path().join("BALMSS_OPE-1_20201203170000.txt");
    let mut text = std::fs::read_to_string(&f).unwrap();
    text.push_str("PER|bad@|8|10000000009||||||||N|\n\n");
    std::fs::write(&bad, text).unwrap();
    let out = run(&["deposit", bad.to_str().unwrap(), "--operator", "OPE-1", "--state", s, "--at", "2020-12-03T18:00"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(&["run", "--state", s, "--at", "2020-12-03T20:00", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes = &v["integrated"][0]["issue_counts"];
    assert!(codes.as_array().unwrap().iter().any(|c| c["code"] == "E202" && c["count"] == 1), "{codes}");
    let report = v["integrated"][0]["report_file"].as_str().unwrap().to_owned();
    let out = run(&["cr", "show", &report, "--summary", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["summary_only"], true);
    assert_eq!(&summary["issue_counts"], codes);
    assert_eq!(summary["totals"]["rejected"], 2);
    // A manifest deleted: verify says so (1), run refuses (2).
    std::fs::remove_file(state.join("manifest.json")).unwrap();
    let out = run(&["state", "verify", "--state", s]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("S703"));
    assert_eq!(run(&["run", "--state", s, "--at", "2020-12-04T20:00"]).status.code(), Some(2));
}

#[test]
fn deposit_reads_at_most_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    // /dev/zero never ends: the deposit reads one byte past the limit and refuses it.
    let out = run(&[
        "deposit",
        "/dev/zero",
        "--operator",
        "OPE-1",
        "--state",
        state.to_str().unwrap(),
        "--at",
        "2020-12-03T17:00",
        "--max-size",
        "1000000",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["size"], 1_000_001);
    assert!(v["reasons"].as_array().unwrap().iter().any(|r| r["code"] == "D405"));
}

#[test]
fn a_deposit_waits_for_the_lock_a_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let s = state.to_str().unwrap();
    assert_eq!(run(&["state", "init", s]).status.code(), Some(0));
    let f = feed(dir.path(), 1, "20201203160000", 3);
    let args = ["deposit", f.to_str().unwrap(), "--operator", "OPE-1", "--state", s, "--at", "2020-12-03T17:00"];
    // Another process holds the state's lock (here: this test).
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(state.join("state.lock"))
        .unwrap();
    lock.lock().unwrap();
    let start = std::time::Instant::now();
    let out = run(&[&args[..], &["--lock-timeout", "1"]].concat());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("S706"), "{}", stderr(&out));
    assert!(start.elapsed() >= std::time::Duration::from_secs(1));
    // Released while a second deposit waits: it goes through and says it waited.
    let child = spawn(&[&args[..], &["--json"]].concat().iter().map(|s| s.to_string()).collect::<Vec<_>>());
    std::thread::sleep(std::time::Duration::from_millis(1200));
    drop(lock);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["seq"], 1, "the timed-out deposit recorded nothing");
    assert!(v["lock_waited_ms"].as_u64().unwrap() >= 1000, "{v}");
    assert!(stderr(&out).contains("attente du verrou"), "{}", stderr(&out));
}
