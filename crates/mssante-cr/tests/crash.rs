//! A crash in the middle of a run loses nothing: the step is redone on restart
//! and the result is the one an uninterrupted run gives.

mod common;

use common::{World, paris};
use mssante_bal::feed::FeedFileName;
use mssante_cr::Integrator;
use mssante_cr::deposit::Deposit;
use mssante_cr::store::{Fault, FsStore, Store};

fn fill(dir: &std::path::Path, world: &World) {
    let mut it = Integrator::new(FsStore::open_or_create(dir).unwrap());
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
    let store = FsStore::open_or_create(dir).unwrap();
    let reports = store
        .deposits()
        .unwrap()
        .iter()
        .map(|d| store.integration_report(d.seq).unwrap().map(|r| r.to_pipe()))
        .collect();
    let bals = world.operators.iter().map(|id| store.load_operator(id).unwrap().to_feed()).collect();
    (reports, bals)
}

fn files(dir: &std::path::Path, sub: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join(sub))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
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
        // Files the state did not write are never removed by its clean-up.
        std::fs::write(dir.path().join("reports/README.txt"), b"operator's notes").unwrap();
        std::fs::write(dir.path().join("deposits/12_not-ours"), b"x").unwrap();
        let before = snapshot(dir.path(), &world);
        let err = Integrator::new(FsStore::open(dir.path()).unwrap().with_fault(fault)).run(run_at);
        assert!(err.is_err(), "{fault:?}");
        // The interrupted step left files behind, but the state is the one before.
        assert_eq!(snapshot(dir.path(), &world), before, "{fault:?}");
        assert_eq!(files(dir.path(), "directory").len(), 1, "the new BAL file is there, unreferenced");
        let found = FsStore::open(dir.path()).unwrap().verify().unwrap();
        assert!(
            !found.is_empty()
                && found.iter().all(|f| f.code.as_str() == "S711" && f.severity == mssante_bal::Severity::Warning),
            "{found:?}"
        );
        // Restart: the run removes the leftovers, completes and matches the uninterrupted one.
        Integrator::new(FsStore::open(dir.path()).unwrap()).run(run_at).unwrap();
        assert_eq!(snapshot(dir.path(), &world), expected, "{fault:?}");
        assert_eq!(files(dir.path(), "directory"), files(clean.path(), "directory"));
        let mut want = files(clean.path(), "reports");
        want.push("README.txt".into());
        want.sort();
        assert_eq!(files(dir.path(), "reports"), want);
        assert_eq!(std::fs::read(dir.path().join("deposits/12_not-ours")).unwrap(), b"x");
        let found = FsStore::open(dir.path()).unwrap().verify().unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|f| f.code.as_str() == "S711" && f.message.contains("left alone")));
    }
}

#[test]
fn an_interrupted_deposit_is_not_acknowledged_and_changes_nothing() {
    let world = World::new(13, 20, 1);
    let id = &world.operators[0];
    let at = paris(2020, 12, 3, 17, 0);
    let name = FeedFileName::new(id, at).unwrap().to_string();
    let content = world.feed(0, 3, 20);
    let dep = Deposit { file_name: &name, content: content.as_bytes(), operator: id, at };
    for fault in [Fault::AfterContent, Fault::AfterDepositReport] {
        let dir = tempfile::tempdir().unwrap();
        let mut it = Integrator::new(FsStore::open_or_create(dir.path()).unwrap().with_fault(fault));
        assert!(it.deposit(&dep).is_err(), "{fault:?}");
        let mut it = Integrator::new(FsStore::open(dir.path()).unwrap());
        assert!(it.store().deposits().unwrap().is_empty(), "{fault:?}: not in the ledger");
        // The same file deposited again gets the first sequence number and is accepted.
        let (seq, r) = it.deposit(&dep).unwrap();
        assert_eq!((seq, r.is_accepted()), (1, true), "{fault:?}");
        let s = it.run(paris(2020, 12, 3, 20, 0)).unwrap();
        assert_eq!(s.integrated.len(), 1);
        assert!(FsStore::open(dir.path()).unwrap().verify().unwrap().is_empty(), "{fault:?}");
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
    let err = FsStore::open(dir.path()).unwrap_err();
    assert_eq!(err.state_code().map(|c| c.as_str()), Some("S704"));
    assert!(err.to_string().contains("not a version 2 state"), "{err}");
}
