//! Every code of every crate's catalogue is documented in
//! `docs/error-codes.md`, and no two catalogues share a code.
//! (Lives in the unpublished examples crate: it reads the workspace's docs.)

use std::collections::BTreeMap;

#[test]
fn every_code_is_documented_once_across_the_workspace() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/error-codes.md")).unwrap();
    let mut owner: BTreeMap<&'static str, &'static str> = BTreeMap::new();
    let catalogues: [(&str, Vec<&'static str>); 4] = [
        ("mssante_bal::Code", mssante_bal::Code::ALL.iter().map(|c| c.as_str()).collect()),
        ("mssante_cr::DepositCode", mssante_cr::DepositCode::ALL.iter().map(|c| c.as_str()).collect()),
        ("mssante_cr::error::StateCode", mssante_cr::error::StateCode::ALL.iter().map(|c| c.as_str()).collect()),
        ("mssante_incident::IncidentCode", mssante_incident::IncidentCode::ALL.iter().map(|c| c.as_str()).collect()),
    ];
    for (name, codes) in &catalogues {
        assert!(!codes.is_empty(), "{name}");
        for code in codes {
            if let Some(other) = owner.insert(code, name) {
                panic!("{code} is in both {other} and {name}");
            }
            assert!(doc.contains(&format!("| {code} |")), "{code} ({name}) is not in docs/error-codes.md");
        }
    }
}
