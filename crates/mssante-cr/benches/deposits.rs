//! Benchmark: deposits per second into one state, by 1 and by 8 concurrent
//! depositors (threads, each with its own store handle, as processes would),
//! on the folder store and, when `MSSANTE_TEST_PG` names a server, on
//! PostgreSQL (a fresh database).
//!
//! Each deposit is a 1,001-line feed of about 106 KB (one BAL differs per
//! deposit, so no D407), fsynced as the stores do.
//!
//! Run: `cargo bench -p mssante-cr --features postgres --bench deposits [-- DEPOSITS]`.

use chrono::{TimeZone, Utc};
use mssante_bal::generate::Generator;
use mssante_cr::deposit::Deposit;
use mssante_cr::{FsStore, Integrator, Store};
use std::time::{Duration, Instant};

fn deposits<S: Store>(it: &mut Integrator<S>, op: &str, text: &str, from: usize, n: usize) {
    for i in from..from + n {
        let at =
            Utc.with_ymd_and_hms(2020, 12, 1, 8, 0, 0).single().expect("time") + chrono::Duration::seconds(i as i64);
        let name = mssante_bal::feed::FeedFileName::new(op, at).expect("name").to_string();
        let content = format!("{text}PER|extra{i}@x.mssante.fr|8|10000000009||||||||N|1\n");
        let (_, r) =
            it.deposit(&Deposit { file_name: &name, content: content.as_bytes(), operator: op, at }).expect("deposit");
        assert!(r.is_accepted());
    }
}

fn measure<S: Store + Send>(
    open: &(dyn Fn() -> S + Sync),
    threads: usize,
    total: usize,
    op: &str,
    text: &str,
) -> Duration {
    let per = total / threads;
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                let mut it = Integrator::new(open());
                deposits(&mut it, op, text, t * per, per);
            });
        }
    });
    let elapsed = start.elapsed();
    assert_eq!(open().deposits().expect("ledger").len(), per * threads);
    elapsed
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let total: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(400);
    let mut g = Generator::new(7, 1000);
    let mut buf = Vec::new();
    g.write_feed(0, &mut buf).expect("feed");
    let op = g.operators()[0].id.clone();
    let text = String::from_utf8(buf).expect("UTF-8");
    println!("{total} deposits of {} bytes", text.len() + 50);
    let rate = |d: Duration| total as f64 / d.as_secs_f64();
    for round in 0..3 {
        for threads in [1, 8] {
            let dir = tempfile::tempdir().expect("tempdir");
            let root = dir.path().join("state");
            FsStore::create(&root).expect("state");
            let d = measure(&|| FsStore::open(&root).expect("open"), threads, total, &op, &text);
            println!("round {round}: folder, {threads} depositor(s): {:>7.0} deposits/s", rate(d));
        }
        #[cfg(feature = "postgres")]
        if let Some(admin) = std::env::var("MSSANTE_TEST_PG").ok().filter(|u| !u.is_empty()) {
            for threads in [1, 8] {
                let name = format!("mssante_bench_{}_{round}_{threads}", std::process::id());
                let mut c = postgres::Client::connect(&admin, postgres::NoTls).expect("connect");
                c.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
                let url = format!("{}/{name}", admin.rsplit_once('/').expect("url").0);
                mssante_cr::PgStore::open_or_create(&url).expect("schema");
                let d = measure(&|| mssante_cr::PgStore::open(&url).expect("open"), threads, total, &op, &text);
                println!("round {round}: postgres, {threads} depositor(s): {:>7.0} deposits/s", rate(d));
                c.batch_execute(&format!("DROP DATABASE {name}")).expect("drop database");
            }
        }
    }
}
