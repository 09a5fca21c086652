//! The PostgreSQL store against a real server: the same outputs as the folder
//! store byte for byte, concurrency from the database, integrity, schema
//! versions, bounded lock waits.
//!
//! The server comes from `MSSANTE_TEST_PG` (a URL to an administrative
//! database; `.ci/run` starts a throwaway cluster with `.ci/postgres.sh`). Each
//! test works in a database of its own. Without the variable the tests fail in
//! CI and are skipped with a loud message elsewhere.
#![cfg(feature = "postgres")]

mod common;

use common::{World, deposit, directory, files, paris, sequential, tree};
use mssante_cr::error::StateCode;
use mssante_cr::store::{FsStore, Store};
use mssante_cr::{Error, Integrator, PgStore};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh database on the test server, or `None` (skipped, loudly) outside CI.
fn database() -> Option<String> {
    let admin = match std::env::var("MSSANTE_TEST_PG").ok().filter(|u| !u.is_empty()).ok_or(()) {
        Ok(url) => url,
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("MSSANTE_TEST_PG is not set: in CI, .ci/run starts a PostgreSQL cluster for these tests")
        }
        Err(_) => {
            eprintln!(
                "\n*** SKIPPED: the PostgreSQL tests need a server: eval \"$(.ci/postgres.sh start)\" sets MSSANTE_TEST_PG ***\n"
            );
            return None;
        }
    };
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = format!("mssante_t{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let mut c = postgres::Client::connect(&admin, postgres::NoTls).expect("connect to MSSANTE_TEST_PG");
    // One statement each: CREATE DATABASE cannot run in a transaction block.
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).expect("drop database");
    c.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    Some(format!("{base}/{name}"))
}

#[test]
fn the_same_deposits_give_the_same_files_as_the_folder_store() {
    let Some(url) = database() else { return };
    let world = World::new(2020, 40, 3);
    let early = files(&world, &[3, 4, 5, 7]);
    let late = files(&world, &[11]);
    let scenario = |store: &mut dyn Store| {
        let mut it = Integrator::new(store).with_ownership(world.ownership());
        for f in &early {
            deposit(&mut it, &world, f);
        }
        // A duplicate, refused (D407), is in the ledger too.
        deposit(&mut it, &world, &early[0]);
        it.run(paris(2020, 12, 11, 11, 0)).unwrap();
        for f in &late {
            deposit(&mut it, &world, f);
        }
        it.run(paris(2020, 12, 11, 20, 0)).unwrap();
    };
    let folder = tempfile::tempdir().unwrap();
    let mut fs = FsStore::create(folder.path().join("state")).unwrap();
    scenario(&mut fs);
    let mut pg = PgStore::open_or_create(&url).unwrap();
    scenario(&mut pg);
    assert_eq!(directory(&pg, &world), directory(&fs, &world));
    assert!(pg.verify().unwrap().is_empty(), "{:?}", pg.verify().unwrap());

    let exported = tempfile::tempdir().unwrap();
    let mut copy = FsStore::create(exported.path().join("state")).unwrap();
    copy.import(&pg).unwrap();
    let pick = |root: &std::path::Path| {
        tree(root)
            .into_iter()
            .filter(|(p, _)| p.starts_with("reports/") || p.starts_with("directory/") || p == "manifest.json")
            .collect::<Vec<_>>()
    };
    let want = pick(&folder.path().join("state"));
    assert!(want.iter().filter(|(p, _)| p.starts_with("reports/")).count() >= 2 * (early.len() + late.len()));
    assert_eq!(pick(&exported.path().join("state")), want, "reports/, directory/ and the ledger, byte for byte");
    assert!(copy.verify().unwrap().is_empty());
}

#[test]
fn concurrent_connections_lose_nothing() {
    let Some(url) = database() else { return };
    PgStore::open_or_create(&url).unwrap();
    let world = World::new(2020, 30, 3);
    let all = files(&world, &[3, 4, 5, 7, 8]);
    let run_at = paris(2020, 12, 11, 20, 0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let acks: Vec<u64> = std::thread::scope(|s| {
        let runner = s.spawn(|| {
            let mut it = Integrator::new(PgStore::open(&url).unwrap());
            while !stop.load(Ordering::Relaxed) {
                it.run(run_at).unwrap();
            }
        });
        let depositors: Vec<_> = (0..world.operators.len())
            .map(|op| {
                let (world, all, url) = (&world, &all, &url);
                s.spawn(move || {
                    let mut it = Integrator::new(PgStore::open(url).unwrap());
                    all.iter().filter(|f| f.op == op).map(|f| deposit(&mut it, world, f).0).collect::<Vec<_>>()
                })
            })
            .collect();
        let acks = depositors.into_iter().flat_map(|h| h.join().unwrap()).collect();
        stop.store(true, Ordering::Relaxed);
        runner.join().unwrap();
        acks
    });
    let mut it = Integrator::new(PgStore::open(&url).unwrap());
    it.run(run_at).unwrap();
    let mut seqs = acks;
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=all.len() as u64).collect::<Vec<_>>());
    let ledger = it.store().deposits().unwrap();
    assert_eq!(ledger.len(), all.len());
    assert!(ledger.iter().all(|d| d.integrated_at.is_some()));
    assert_eq!(directory(it.store(), &world), sequential(&world, &all, run_at));
}

#[test]
fn a_damaged_content_is_never_integrated() {
    let Some(url) = database() else { return };
    let world = World::new(44, 30, 1);
    let f = files(&world, &[3]).remove(0);
    let mut it = Integrator::new(PgStore::open_or_create(&url).unwrap());
    let (seq, _) = deposit(&mut it, &world, &f);
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.execute(
        "UPDATE mssante_deposits SET content = substring(content from 1 for 100) WHERE seq = $1",
        &[&(seq as i64)],
    )
    .unwrap();
    assert!(it.store().verify().unwrap().iter().any(|f| f.code == StateCode::ContentMismatch));
    let s = it.run(paris(2020, 12, 3, 20, 0)).unwrap();
    assert_eq!(s.failed[0].failure.code, StateCode::ContentMismatch);
    assert!(s.integrated.is_empty());
    assert!(it.store().operators().unwrap().is_empty());
}

#[test]
fn the_schema_is_created_on_request_and_versioned() {
    let Some(url) = database() else { return };
    assert_eq!(PgStore::open(&url).unwrap_err().state_code(), Some(StateCode::Absent));
    let pg = PgStore::open_or_create(&url).unwrap();
    assert_eq!(pg.schema_version().unwrap(), 1);
    drop(pg);
    // Opening again applies nothing twice.
    assert_eq!(PgStore::open(&url).unwrap().schema_version().unwrap(), 1);
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.execute("INSERT INTO mssante_schema (version) VALUES (99)", &[]).unwrap();
    assert_eq!(PgStore::open(&url).unwrap_err().state_code(), Some(StateCode::SchemaTooNew));
}

#[test]
fn a_second_run_waits_a_bounded_time() {
    let Some(url) = database() else { return };
    let mut first = PgStore::open_or_create(&url).unwrap();
    first.begin_run().unwrap();
    let second = PgStore::open(&url).unwrap().with_lock_timeout(std::time::Duration::from_millis(200)).unwrap();
    let mut it = Integrator::new(second);
    match it.run(paris(2020, 12, 3, 20, 0)) {
        Err(Error::Locked { .. }) => {}
        other => panic!("expected a lock time-out, got {other:?}"),
    }
    first.end_run().unwrap();
    assert!(it.run(paris(2020, 12, 3, 20, 0)).is_ok());
}
