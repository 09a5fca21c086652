//! Any bytes as the manifest of a state folder: opening, verifying and running
//! never panic, and never read, write or remove a file outside the state
//! (a sentinel beside the state stays as it was).
#![no_main]
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use mssante_cr::{FsStore, Integrator, Store};

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let state = dir.path().join("state");
    let sentinel = dir.path().join("victim.txt");
    std::fs::write(&sentinel, b"not yours").expect("sentinel");
    FsStore::create(&state).expect("state");
    std::fs::write(state.join("reports/000001_CR_DEPOT_x.txt"), b"#CR-DEPOT v1\n").expect("report");
    std::fs::write(state.join("manifest.json"), data).expect("manifest");
    if let Ok(store) = FsStore::open(&state) {
        let _ = store.verify();
        let _ = store.deposits();
        let mut it = Integrator::new(store);
        let _ = it.run(Utc.with_ymd_and_hms(2020, 12, 11, 19, 0, 0).unwrap());
    }
    assert_eq!(std::fs::read(&sentinel).expect("sentinel kept"), b"not yours");
});
