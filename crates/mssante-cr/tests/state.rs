//! The directory state under hostile conditions: concurrent processes and
//! threads, folders that are not states, damaged files, poison inputs. Each
//! regression test names the case it was written for (issue 11, "Why").

mod common;

use chrono::{DateTime, Utc};
use common::{File, World, deposit, directory, files, paris, sequential, tree};
use mssante_cr::deposit::Deposit;
use mssante_cr::error::StateCode;
use mssante_cr::store::{FsStore, Store};
use mssante_cr::{Integrator, MemoryStore};
use proptest::prelude::*;

#[test]
fn threads_depositing_and_running_at_once_lose_nothing() {
    // Three operators each depositing five days in order from its own thread
    // (its own FsStore, as a process would), two threads running all along.
    let world = World::new(2020, 30, 3);
    let all = files(&world, &[3, 4, 5, 7, 8]);
    let dir = tempfile::tempdir().unwrap();
    FsStore::create(dir.path()).unwrap();
    let run_at = paris(2020, 12, 11, 20, 0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let acknowledged: Vec<(u64, String)> = std::thread::scope(|s| {
        let runners: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut it = Integrator::new(FsStore::open(dir.path()).unwrap());
                    let mut integrated = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        integrated += it.run(run_at).unwrap().integrated.len();
                    }
                    integrated
                })
            })
            .collect();
        let depositors: Vec<_> = (0..world.operators.len())
            .map(|op| {
                let (world, all, dir) = (&world, &all, dir.path());
                s.spawn(move || {
                    let mut it = Integrator::new(FsStore::open(dir).unwrap());
                    let mut acks = Vec::new();
                    for f in all.iter().filter(|f| f.op == op) {
                        let (seq, accepted) = deposit(&mut it, world, f);
                        assert!(accepted);
                        acks.push((seq, f.name.clone()));
                    }
                    acks
                })
            })
            .collect();
        let acks: Vec<(u64, String)> = depositors.into_iter().flat_map(|h| h.join().unwrap()).collect();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let during: usize = runners.into_iter().map(|h| h.join().unwrap()).sum();
        assert!(during <= all.len());
        acks
    });
    // A last run takes what the concurrent runs left.
    let mut it = Integrator::new(FsStore::open(dir.path()).unwrap());
    it.run(run_at).unwrap();
    let ledger = it.store().deposits().unwrap();
    // Every acknowledged deposit is in the ledger exactly once, with its own number.
    assert_eq!(ledger.len(), all.len());
    let mut seqs: Vec<u64> = acknowledged.iter().map(|a| a.0).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=all.len() as u64).collect::<Vec<_>>());
    for (seq, name) in &acknowledged {
        let d = ledger.iter().find(|d| d.seq == *seq).unwrap();
        assert_eq!(&d.report.file_name, name);
        // Integrated exactly once: one report, about this file.
        assert!(d.integrated_at.is_some(), "{name}");
        assert_eq!(&it.store().integration_report(*seq).unwrap().unwrap().file_name, name);
    }
    assert_eq!(directory(it.store(), &world), sequential(&world, &all, run_at));
    assert!(it.store().verify().unwrap().is_empty());
}

#[test]
fn the_same_file_deposited_by_many_at_once_is_accepted_once() {
    let world = World::new(42, 20, 1);
    let f = files(&world, &[3]).remove(0);
    let dir = tempfile::tempdir().unwrap();
    let results: Vec<(u64, bool)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    // The first deposit into an absent folder creates the state, once.
                    let mut it = Integrator::new(FsStore::open_or_create(dir.path().join("state")).unwrap());
                    deposit(&mut it, &world, &f)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|r| r.1).count(), 1, "{results:?}");
    let mut seqs: Vec<u64> = results.iter().map(|r| r.0).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=8).collect::<Vec<_>>());
    let ledger = FsStore::open(dir.path().join("state")).unwrap().deposits().unwrap();
    assert_eq!(ledger.iter().filter(|d| d.report.reasons.iter().any(|i| i.code.as_str() == "D407")).count(), 7);
}

/// Why: `run --state` on a folder without `manifest.json` exited 0 and deleted
/// every file under `deposits/`, `directory/` and `reports/`.
#[test]
fn regression_a_folder_that_is_not_a_state_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["deposits", "directory", "reports"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("000001_CR_DEPOT_precious.txt"), b"keep me").unwrap();
    }
    let before = tree(dir.path());
    for e in [FsStore::open(dir.path()).unwrap_err(), FsStore::open_or_create(dir.path()).unwrap_err()] {
        assert_eq!(e.state_code(), Some(StateCode::NotAState), "{e}");
    }
    assert_eq!(FsStore::create(dir.path()).unwrap_err().state_code(), Some(StateCode::NotAState));
    assert_eq!(tree(dir.path()), before, "nothing created, changed or removed");

    // A state whose manifest was deleted: an error, not an empty night.
    let world = World::new(43, 10, 1);
    let state = tempfile::tempdir().unwrap();
    let mut it = Integrator::new(FsStore::open_or_create(state.path()).unwrap());
    deposit(&mut it, &world, &files(&world, &[3])[0]);
    it.run(paris(2020, 12, 3, 20, 0)).unwrap();
    std::fs::remove_file(state.path().join("manifest.json")).unwrap();
    let before = tree(state.path());
    assert_eq!(FsStore::open(state.path()).unwrap_err().state_code(), Some(StateCode::ManifestMissing));
    assert_eq!(FsStore::open_or_create(state.path()).unwrap_err().state_code(), Some(StateCode::ManifestMissing));
    assert_eq!(tree(state.path()), before);
}

/// Why: `run` on an absent folder must not look like an empty night.
#[test]
fn regression_an_absent_state_is_an_error_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("typo");
    assert_eq!(FsStore::open(&absent).unwrap_err().state_code(), Some(StateCode::Absent));
    assert!(!absent.exists());
    // An empty folder is not a state either, until one is created in it.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert_eq!(FsStore::open(&empty).unwrap_err().state_code(), Some(StateCode::NotAState));
    FsStore::create(&empty).unwrap();
    assert!(FsStore::open(&empty).is_ok());
    assert_eq!(FsStore::create(&empty).unwrap_err().state_code(), Some(StateCode::AlreadyExists));
}

/// Why: a stored deposit truncated on disk was integrated anyway (908 BALs
/// deleted) while its CR quoted the original SHA-256.
#[test]
fn regression_a_damaged_deposit_is_never_integrated() {
    let world = World::new(44, 40, 1);
    let days = files(&world, &[3, 4]);
    let dir = tempfile::tempdir().unwrap();
    let mut it = Integrator::new(FsStore::open_or_create(dir.path()).unwrap());
    deposit(&mut it, &world, &days[0]);
    it.run(paris(2020, 12, 3, 20, 0)).unwrap();
    let held = directory(it.store(), &world);
    let (seq, _) = deposit(&mut it, &world, &days[1]);
    let stored = std::fs::read_dir(dir.path().join("deposits"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(&format!("{seq:06}_")))
        .unwrap();
    let bytes = std::fs::read(&stored).unwrap();
    std::fs::write(&stored, &bytes[..bytes.len() / 3]).unwrap();

    let found = it.store().verify().unwrap();
    assert!(found.iter().any(|f| f.code == StateCode::ContentMismatch && f.seq == Some(seq)), "{found:?}");
    let s = it.run(paris(2020, 12, 4, 20, 0)).unwrap();
    assert!(s.integrated.is_empty());
    assert_eq!(s.failed.len(), 1);
    assert_eq!((s.failed[0].seq, s.failed[0].failure.code), (seq, StateCode::ContentMismatch));
    assert_eq!(directory(it.store(), &world), held, "the directory is unchanged");
    // Marked in the ledger: never tried again.
    let entry = it.store().deposits().unwrap().into_iter().find(|d| d.seq == seq).unwrap();
    assert!(entry.failed.is_some() && entry.integrated_at.is_none());
    assert!(it.run(paris(2020, 12, 5, 20, 0)).unwrap().failed.is_empty());

    // A missing content is its own code.
    let (seq, _) =
        deposit(&mut it, &world, &File { content: days[1].content.replace("PER|", "ORG|"), ..days[1].clone() });
    for e in std::fs::read_dir(dir.path().join("deposits")).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap().to_string_lossy().starts_with(&format!("{seq:06}_")) {
            std::fs::remove_file(p).unwrap();
        }
    }
    let s = it.run(paris(2020, 12, 6, 20, 0)).unwrap();
    assert_eq!(s.failed[0].failure.code, StateCode::ContentMissing);
    assert_eq!(directory(it.store(), &world), held);
}

/// Why: a manifest path such as `../victim/file` was read and then deleted
/// outside the state folder; an absolute path was read.
#[test]
fn regression_ledger_paths_stay_inside_the_state() {
    let world = World::new(45, 10, 1);
    let outer = tempfile::tempdir().unwrap();
    let state = outer.path().join("state");
    let victim = outer.path().join("victim");
    std::fs::create_dir(&victim).unwrap();
    std::fs::write(victim.join("file"), b"not yours").unwrap();
    let mut it = Integrator::new(FsStore::open_or_create(&state).unwrap());
    deposit(&mut it, &world, &files(&world, &[3])[0]);
    it.run(paris(2020, 12, 3, 20, 0)).unwrap();
    let manifest = std::fs::read_to_string(state.join("manifest.json")).unwrap();
    let file = |m: &str| m.split("\"file\":\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let current = file(&manifest);
    for evil in ["../victim/file", "/etc/passwd", "directory/../../victim/file"] {
        std::fs::write(state.join("manifest.json"), manifest.replace(&current, evil)).unwrap();
        let e = FsStore::open(&state).unwrap_err();
        assert_eq!(e.state_code(), Some(StateCode::PathOutside), "{evil}: {e}");
    }
    assert_eq!(std::fs::read(victim.join("file")).unwrap(), b"not yours");
}

/// Why: `--at 0000-01-01T00:00` was accepted and wrote a CR that `cr show`
/// could not read.
#[test]
fn regression_instants_outside_2000_2099_are_refused() {
    let world = World::new(46, 10, 1);
    let f = files(&world, &[3]).remove(0);
    let mut it = Integrator::new(MemoryStore::new());
    let year0 = "0000-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let d = Deposit { file_name: &f.name, content: f.content.as_bytes(), operator: &world.operators[0], at: year0 };
    assert_eq!(it.deposit(&d).unwrap_err().state_code(), Some(StateCode::InstantOutOfRange));
    assert_eq!(it.run(year0).unwrap_err().state_code(), Some(StateCode::InstantOutOfRange));
    assert!(it.store().deposits().unwrap().is_empty(), "nothing recorded");
}

/// Why: a header plus 10 million empty lines (10 MB) was accepted, and `run`
/// grew past 11 GB; with 1 million lines it wrote a 383 MB CR.
#[test]
fn regression_poison_files_are_refused_at_deposit() {
    let world = World::new(47, 10, 1);
    let f = files(&world, &[3]).remove(0);
    let header = mssante_bal::Format::Feed.header();
    let mut it = Integrator::new(MemoryStore::new());
    let blank = format!("{header}\n{}", "\n".repeat(10_000_000));
    let d = Deposit { file_name: &f.name, content: blank.as_bytes(), operator: &world.operators[0], at: f.at };
    let (_, r) = it.deposit(&d).unwrap();
    let codes: Vec<&str> = r.reasons.iter().map(|i| i.code.as_str()).collect();
    assert_eq!(codes, ["D409", "D410"]);
    assert_eq!(r.records, 10_000_000);
    // The size limit is checked while reading: an endless stream stops one byte past it.
    let (bytes, complete) = mssante_cr::deposit::read_limited(std::io::repeat(0), 1 << 20).unwrap();
    assert_eq!((bytes.len(), complete), ((1 << 20) + 1, false));
    it.deposit_policy.max_size = 1 << 20;
    let d = Deposit { content: &bytes, ..d };
    let (_, r) = it.deposit(&d).unwrap();
    assert!(!r.is_accepted());
    assert_eq!(r.reasons.iter().filter(|i| i.code.as_str() == "D405").count(), 1);
    assert!(it.store().deposits().unwrap().iter().all(|d| !d.report.is_accepted()), "no content kept");
}

/// A huge bad file that passes the deposit checks gives a CR that stays
/// readable: the per-line rows, and the summary by code.
#[test]
fn a_report_of_many_bad_lines_sums_them_up_by_code() {
    let world = World::new(48, 10, 1);
    let f = files(&world, &[3]).remove(0);
    let mut content = f.content.clone();
    for i in 0..5_000 {
        content.push_str(&format!("PER|bad{i}@|8|1||||||||N|\n"));
    }
    let mut it = Integrator::new(MemoryStore::new());
    let d = Deposit { file_name: &f.name, content: content.as_bytes(), operator: &world.operators[0], at: f.at };
    assert!(it.deposit(&d).unwrap().1.is_accepted());
    let s = it.run(paris(2020, 12, 3, 20, 0)).unwrap();
    let file = &s.integrated[0];
    assert_eq!(file.totals.rejected, 5_000);
    let report = it.store().integration_report(file.seq).unwrap().unwrap();
    assert_eq!(file.issue_counts, report.issue_counts());
    let errors: u64 =
        file.issue_counts.iter().filter(|c| c.severity == mssante_bal::Severity::Error).map(|c| c.count).sum();
    assert!(errors >= 5_000, "{:?}", file.issue_counts);
    let pipe = report.to_pipe();
    assert!(pipe.contains("#CODES\nCode|Gravite|Colonne|Nombre\n"));
    // Streamed and whole renderings are the same bytes.
    let mut streamed = Vec::new();
    report.write_pipe(&mut streamed).unwrap();
    assert_eq!(streamed, pipe.as_bytes());
    // The head alone (read up to #BAL) carries the same totals and counts.
    let head = mssante_cr::report::IntegrationSummary::read_pipe(pipe.as_bytes()).unwrap();
    assert_eq!((head.totals, &head.issue_counts), (file.totals, &file.issue_counts));
    assert_eq!(head.report.file_name, report.file_name);
    assert!(head.to_text().contains("E203 (erreur, colonne « Adresse BAL ») : 5000"), "{}", head.to_text());
    // A tampered summary is refused.
    let tampered = pipe.replacen("|5000\n", "|4999\n", 1);
    assert_ne!(tampered, pipe);
    assert!(mssante_cr::IntegrationReport::from_pipe(&tampered).is_err());
}

#[derive(Debug, Clone)]
enum Step {
    Deposit(usize),
    Run,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any interleaving of deposits and runs, with the clock moving forward,
    /// gives the directory that the same deposits done one after the other
    /// and one run give; on the folder store and in memory alike.
    #[test]
    fn interleaved_deposits_and_runs_reach_the_sequential_directory(
        seed in 0u64..1000,
        runs in proptest::collection::vec(0usize..12, 0..6),
        folder in any::<bool>(),
    ) {
        let world = World::new(seed, 12, 2);
        let all = files(&world, &[3, 4, 5, 7, 8, 9]);
        let mut steps: Vec<Step> = (0..all.len()).map(Step::Deposit).collect();
        for r in runs.iter().rev() {
            steps.insert((*r).min(steps.len()), Step::Run);
        }
        let final_run = paris(2020, 12, 11, 20, 0);
        let replay = |store: &mut dyn Store| {
            let mut it = Integrator::new(store);
            let mut now = paris(2020, 12, 3, 8, 0);
            for step in &steps {
                match step {
                    Step::Deposit(i) => {
                        let f = &all[*i];
                        now = now.max(f.at);
                        deposit(&mut it, &world, f);
                    }
                    // A run at the current time: it closes the dates before it.
                    Step::Run => {
                        now += chrono::Duration::minutes(1);
                        it.run(now).unwrap();
                    }
                }
            }
            it.run(final_run).unwrap();
            directory(it.store(), &world)
        };
        let got = if folder {
            let dir = tempfile::tempdir().unwrap();
            let mut s = FsStore::create(dir.path().join("s")).unwrap();
            replay(&mut s)
        } else {
            replay(&mut MemoryStore::new())
        };
        prop_assert_eq!(got, sequential(&world, &all, final_run));
    }
}

/// A file that arrives after a later file of its operator was integrated is
/// not integrated over it: the directory never goes back in time.
#[test]
fn an_older_file_arriving_late_is_superseded() {
    let world = World::new(49, 30, 1);
    let days = files(&world, &[3, 4]);
    let mut it = Integrator::new(MemoryStore::new());
    deposit(&mut it, &world, &days[1]);
    it.run(paris(2020, 12, 4, 20, 0)).unwrap();
    let held = directory(it.store(), &world);
    let (seq, accepted) = deposit(&mut it, &world, &days[0]);
    assert!(accepted);
    let s = it.run(paris(2020, 12, 4, 20, 5)).unwrap();
    assert!(s.integrated.is_empty());
    assert_eq!((s.failed[0].seq, s.failed[0].failure.code), (seq, StateCode::Superseded));
    assert_eq!(directory(it.store(), &world), held);
}
