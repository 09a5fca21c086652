//! A crash in the middle of a run loses nothing: the step is redone on restart
//! and the result is the one an uninterrupted run gives.

mod common;

use common::{World, paris};
use mssante_bal::feed::FeedFileName;
use mssante_cr::Integrator;
use mssante_cr::deposit::Deposit;
use mssante_cr::store::{Fault, FsStore, Store};

fn fill(dir: &std::path::Path, world: &World) {
    let mut it = Integrator::new(FsStore::open(dir).unwrap());
    for day in [3, 4] {
        for (op, id) in world.operators.iter().enumerate() {
            let at = paris(2020, 12, day, 17, op as u32);
            let name = FeedFileName::new(id, at).unwrap().to_string();
            let content = world.feed(op, day, 30);
            it.deposit(&Deposit { file_name: &name, content: content.as_bytes(), operator: id, at }).unwrap();
        }
    }
}

fn snapshot(dir: &std::path::Path, world: &World) -> (Vec<Option<String>>, Vec<Vec<u8>>) {
    let store = FsStore::open(dir).unwrap();
    let reports = store
        .deposits()
        .unwrap()
        .iter()
        .map(|d| store.integration_report(d.seq).unwrap().map(|r| r.to_pipe()))
        .collect();
    let bals = world.operators.iter().map(|id| store.load_operator(id).unwrap().to_feed()).collect();
    (reports, bals)
}

#[test]
fn interrupted_commits_are_redone_identically() {
    let world = World::new(11, 30, 2);
    let run_at = paris(2020, 12, 11, 20, 0);

    let clean = tempfile::tempdir().unwrap();
    fill(clean.path(), &world);
    Integrator::new(FsStore::open(clean.path()).unwrap()).run(run_at).unwrap();
    let expected = snapshot(clean.path(), &world);
    assert!(expected.0.iter().all(Option::is_some));

    for fault in [Fault::AfterBals, Fault::AfterReport] {
        let dir = tempfile::tempdir().unwrap();
        fill(dir.path(), &world);
        let before = snapshot(dir.path(), &world);
        let err = Integrator::new(FsStore::open(dir.path()).unwrap().with_fault(fault)).run(run_at);
        assert!(err.is_err(), "{fault:?}");
        // The interrupted step left files behind, but the state is the one before.
        assert_eq!(snapshot(dir.path(), &world), before, "{fault:?}");
        let leftovers = std::fs::read_dir(dir.path().join("directory")).unwrap().count();
        assert_eq!(leftovers, 0, "opening the store sweeps unreferenced files");
        // Restart: the run completes and matches the uninterrupted one.
        Integrator::new(FsStore::open(dir.path()).unwrap()).run(run_at).unwrap();
        assert_eq!(snapshot(dir.path(), &world), expected, "{fault:?}");
    }
}

#[test]
fn a_state_folder_is_reopened_with_its_ledger() {
    let world = World::new(12, 10, 1);
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), &world);
    let store = FsStore::open(dir.path()).unwrap();
    let ledger = store.deposits().unwrap();
    assert_eq!(ledger.len(), 2);
    assert!(ledger.iter().all(|d| d.report.is_accepted() && d.integrated_at.is_none()));
    let cr = std::fs::read_to_string(store.deposit_report_path(1).unwrap()).unwrap();
    assert_eq!(mssante_cr::DepositReport::from_pipe(&cr).unwrap(), ledger[0].report);
    // A manifest of another format is refused with a clear error.
    std::fs::write(
        dir.path().join("manifest.json"),
        b"{\"format\":\"x\",\"version\":9,\"generation\":0,\"deposits\":[],\"operators\":{}}",
    )
    .unwrap();
    let err = FsStore::open(dir.path()).unwrap_err().to_string();
    assert!(err.contains("not a version 1 state"), "{err}");
}
