//! Benchmark: integrating a 100,000-record feed into a directory of 535,000 BALs.
//!
//! The directory holds six operators: the one depositing (100,000 BALs, its
//! previous file) and five others (87,000 each). The new file is the previous
//! one with about 0.2 % of the BALs removed, 0.3 % changed and 0.3 % added.
//!
//! Measured, median of interleaved rounds:
//! * baseline: `mssante_bal::check::Checker::check_slice` (1 thread) validating
//!   the same file, i.e. what `mssante feed check` does;
//! * `integrate`: the integration itself (validation, duplicates, domain rule,
//!   diff against the previous BALs, outcomes);
//! * `run (memory)`: a whole run over a [`MemoryStore`] (integration + commit);
//! * `run (folder)`: a whole run over an [`FsStore`]: load the operator's BALs,
//!   integrate, write its new BAL file, the CR d'intégration and the manifest,
//!   each fsynced;
//! * `render`: the CR d'intégration in `|` form.
//!
//! * `run (PostgreSQL)`: the same run over a [`PgStore`](mssante_cr::PgStore)
//!   seeded with the same directory, when `MSSANTE_TEST_PG` names a server
//!   (`--features postgres`).
//!
//! Run: `cargo bench -p mssante-cr --features postgres --bench integration [-- RECORDS [RUNS]]`.

use chrono::{TimeZone, Utc};
use mssante_bal::check::Checker;
use mssante_bal::generate::Generator;
use mssante_bal::liste_blanche::ListeBlanche;
use mssante_bal::{Format, Rules};
use mssante_cr::deposit::{Deposit, check_deposit};
use mssante_cr::integrate::{IntegrationPolicy, RunContext, integrate};
use mssante_cr::{FsStore, Integrator, MemoryStore, OperatorBals, OperatorRule, Ownership, Store};
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The next day's file: drop 1 line in 500, change the service of 3 in 1000, add 3 in 1000.
fn next_day(prev: &str, extra: &[&str]) -> String {
    let mut out = String::with_capacity(prev.len() + 4096);
    for (i, l) in prev.lines().enumerate() {
        if i > 0 && i % 500 == 0 {
            continue;
        }
        if i > 0 && i % 333 == 0 {
            let mut f: Vec<&str> = l.split('|').collect();
            f[7] = "Service modifié";
            out.push_str(&f.join("|"));
        } else {
            out.push_str(l);
        }
        out.push('\n');
    }
    for l in extra {
        out.push_str(l);
        out.push('\n');
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let records: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let runs: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(7);
    let others = 5usize;
    let other_size = (535_000 - records.min(535_000)) / others;

    // One universe for the liste blanche and every operator's feed.
    let mut g = Generator::new(2020, (records + records * 3 / 1000) as u64);
    let mut lb = Vec::new();
    g.write_liste_blanche(&mut lb).expect("liste blanche");
    let ownership =
        Ownership::from_liste_blanche(&ListeBlanche::parse(&lb).expect("liste blanche"), &OperatorRule::default());
    let serving: Vec<usize> =
        (0..g.operators().len()).filter(|i| g.domains().iter().any(|d| d.operator == *i)).take(others + 1).collect();
    let ids: Vec<String> = serving.iter().map(|i| g.operators()[*i].id.clone()).collect();
    let mut full = Vec::new();
    g.write_feed(serving[0], &mut full).expect("feed");
    let full = String::from_utf8(full).expect("UTF-8");
    let lines: Vec<&str> = full.lines().collect();
    let previous: String = lines[..=records].iter().map(|l| format!("{l}\n")).collect();
    let feed = next_day(&previous, &lines[records + 1..]);
    let feed_records = feed.lines().count() - 1;

    let mut store = MemoryStore::new();
    let prev_bals = OperatorBals::from_feed(previous.as_bytes()).expect("previous");
    store.set_operator(&ids[0], prev_bals.clone());
    let mut directory = prev_bals.len();
    for (k, id) in ids.iter().enumerate().skip(1) {
        let mut g = Generator::new(100 + k as u64, other_size as u64);
        let mut buf = Vec::new();
        g.write_feed(0, &mut buf).expect("feed");
        let bals = OperatorBals::from_feed(&buf).expect("other");
        directory += bals.len();
        store.set_operator(id, bals);
    }
    println!(
        "directory: {directory} BALs over {} operators; feed: {feed_records} records, {} bytes",
        ids.len(),
        feed.len()
    );

    let at = Utc.with_ymd_and_hms(2020, 12, 11, 16, 0, 0).single().expect("time");
    let name = mssante_bal::feed::FeedFileName::new(&ids[0], at).expect("name").to_string();
    let dep = Deposit { file_name: &name, content: feed.as_bytes(), operator: &ids[0], at };
    let deposit = check_deposit(&dep, &Default::default(), |_| None);
    assert!(deposit.is_accepted(), "{:?}", deposit.reasons);
    let run_at = Utc.with_ymd_and_hms(2020, 12, 11, 19, 0, 0).single().expect("time");
    let policy = IntegrationPolicy::default();
    let ctx = RunContext {
        run_at,
        closed_through: chrono::NaiveDate::from_ymd_opt(2020, 12, 11).expect("date"),
        ownership: Some(&ownership),
        policy: &policy,
    };

    // Seeds a store by integrating each operator's current BALs once.
    let seed = |to: &mut dyn Store| {
        for (k, id) in ids.iter().enumerate() {
            let content = store.load_operator(id).expect("load").to_feed();
            let t = Utc.with_ymd_and_hms(2020, 12, 10, 10, k as u32, 0).single().expect("time");
            let n = mssante_bal::feed::FeedFileName::new(id, t).expect("name").to_string();
            let d = check_deposit(
                &Deposit { file_name: &n, content: &content, operator: id, at: t },
                &Default::default(),
                |_| None,
            );
            let (seq, _) = to.record_deposit(&content, &d.sha256.clone(), &mut |_| d.clone()).expect("deposit");
            let mut bals = OperatorBals::new();
            let r = integrate(&mut bals, &content, &d, &RunContext { ownership: None, ..ctx }).expect("seed");
            to.commit(seq, &bals, &r).expect("commit");
        }
    };

    // A folder state holding the same directory.
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let mut fs = FsStore::open_or_create(dir.path()).expect("state");
        seed(&mut fs);
    }

    // The same directory on PostgreSQL, when a server is named.
    #[cfg(feature = "postgres")]
    let pg_seed = |round: usize| -> Option<mssante_cr::PgStore> {
        let admin = std::env::var("MSSANTE_TEST_PG").ok().filter(|u| !u.is_empty())?;
        let name = format!("mssante_bench_run_{}_{round}", std::process::id());
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).expect("connect");
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).expect("drop");
        c.batch_execute(&format!("CREATE DATABASE {name}")).expect("create");
        let url = format!("{}/{name}", admin.rsplit_once('/').expect("url").0);
        let mut pg = mssante_cr::PgStore::open_or_create(&url).expect("schema");
        seed(&mut pg);
        Some(pg)
    };
    #[cfg(feature = "postgres")]
    let mut pgrun = vec![];

    let checker = Checker::new(Format::Feed, Rules::default());
    let (mut base, mut integ, mut mem, mut folder, mut render) = (vec![], vec![], vec![], vec![], vec![]);
    let mut report = None;
    for _ in 0..runs {
        let t = Instant::now();
        let s = checker.check_slice(feed.as_bytes(), 1).expect("check");
        base.push(t.elapsed());
        assert_eq!(s.records_total() as usize, feed_records);

        let mut bals = prev_bals.clone();
        let t = Instant::now();
        let r = integrate(&mut bals, feed.as_bytes(), &deposit, &ctx).expect("integrate");
        integ.push(t.elapsed());

        let t = Instant::now();
        let text = r.to_pipe();
        render.push(t.elapsed());
        assert!(text.len() > feed_records);
        report = Some(r);

        let mut it = Integrator::new(store.clone()).with_ownership(ownership.clone());
        it.deposit(&dep).expect("deposit");
        let t = Instant::now();
        let s = it.run(run_at).expect("run");
        mem.push(t.elapsed());
        assert_eq!(s.integrated.len(), 1);

        let copy = tempfile::tempdir().expect("tempdir");
        for sub in ["", "deposits", "directory", "reports"] {
            std::fs::create_dir_all(copy.path().join(sub)).expect("mkdir");
        }
        for e in walk(dir.path()) {
            let rel = e.strip_prefix(dir.path()).expect("prefix");
            std::fs::copy(&e, copy.path().join(rel)).expect("copy");
        }
        let mut it = Integrator::new(FsStore::open(copy.path()).expect("state")).with_ownership(ownership.clone());
        it.deposit(&dep).expect("deposit");
        let t = Instant::now();
        let s = it.run(run_at).expect("run");
        folder.push(t.elapsed());
        assert_eq!(s.integrated.len(), 1);

        #[cfg(feature = "postgres")]
        if let Some(pg) = pg_seed(folder.len()) {
            let mut it = Integrator::new(pg).with_ownership(ownership.clone());
            it.deposit(&dep).expect("deposit");
            let t = Instant::now();
            let s = it.run(run_at).expect("run");
            pgrun.push(t.elapsed());
            assert_eq!(s.integrated.len(), 1);
        }
    }
    let t = report.expect("a report").totals();
    println!(
        "outcomes: {} lines, {} created, {} updated, {} unchanged, {} deleted, {} rejected",
        t.lines, t.created, t.updated, t.unchanged, t.deleted, t.rejected
    );
    let b = median(base);
    let row = |name: &str, d: Duration| println!("{name:<38} {:>9.1} ms   ×{:.2} of baseline", ms(d), ms(d) / ms(b));
    row("baseline: feed check (1 thread)", b);
    row("integrate", median(integ));
    row("render CR d'intégration (| form)", median(render));
    row("run, memory store", median(mem));
    row("run, folder store (load+write+fsync)", median(folder));
    #[cfg(feature = "postgres")]
    if !pgrun.is_empty() {
        row("run, PostgreSQL store", median(pgrun));
    }
}

fn walk(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() { stack.push(p) } else { out.push(p) }
        }
    }
    out
}
