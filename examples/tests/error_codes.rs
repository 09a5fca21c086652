//! Every code of every crate's catalogue is documented in
//! `docs/error-codes.md`, no two codes are the same string (within a
//! catalogue or across), each reads back from its string and, where the
//! catalogue has serde, from its JSON. The catalogues are declared with
//! `mssante_types::stable_codes!`, so one test serves them all.
//! (Lives in the unpublished examples crate: it reads the workspace's docs.)

use mssante_types::StableCode;
use serde::{Serialize, de::DeserializeOwned};
use std::collections::BTreeMap;

fn reads_back<C: StableCode>(all: &[C]) {
    for &c in all {
        assert_eq!(C::from_code(c.as_str()), Some(c), "{c}");
    }
    assert_eq!(C::from_code("Z999"), None);
}

fn json_reads_back<C: StableCode + Serialize + DeserializeOwned>(all: &[C]) {
    for &c in all {
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, format!("\"{c}\""));
        assert_eq!(serde_json::from_str::<C>(&json).unwrap(), c);
    }
    assert!(serde_json::from_str::<C>("\"Z999\"").is_err());
}

#[test]
fn every_code_reads_back_from_its_string_and_its_json() {
    reads_back(mssante_bal::Code::ALL);
    reads_back(mssante_cr::DepositCode::ALL);
    reads_back(mssante_cr::error::StateCode::ALL);
    reads_back(mssante_incident::IncidentCode::ALL);
    reads_back(mssante_envelope::tls::TrustCode::ALL);
    reads_back(mssante_policy::code::PolicyCode::ALL);
    json_reads_back(mssante_policy::code::PolicyCode::ALL);
    json_reads_back(mssante_envelope::tls::TrustCode::ALL);
    json_reads_back(mssante_bal::Code::ALL);
    json_reads_back(mssante_cr::DepositCode::ALL);
    json_reads_back(mssante_cr::error::StateCode::ALL);
}

#[test]
fn every_code_is_documented_once_across_the_workspace() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/error-codes.md")).unwrap();
    let mut owner: BTreeMap<&'static str, &'static str> = BTreeMap::new();
    let catalogues: [(&str, Vec<&'static str>); 6] = [
        ("mssante_bal::Code", mssante_bal::Code::ALL.iter().map(|c| c.as_str()).collect()),
        ("mssante_cr::DepositCode", mssante_cr::DepositCode::ALL.iter().map(|c| c.as_str()).collect()),
        ("mssante_cr::error::StateCode", mssante_cr::error::StateCode::ALL.iter().map(|c| c.as_str()).collect()),
        ("mssante_incident::IncidentCode", mssante_incident::IncidentCode::ALL.iter().map(|c| c.as_str()).collect()),
        (
            "mssante_envelope::tls::TrustCode",
            mssante_envelope::tls::TrustCode::ALL.iter().map(|c| c.as_str()).collect(),
        ),
        (
            "mssante_policy::code::PolicyCode",
            mssante_policy::code::PolicyCode::ALL.iter().map(|c| c.as_str()).collect(),
        ),
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

#[test]
fn every_policy_code_is_explained_in_the_postfix_guide() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/postfix.md")).unwrap();
    for c in mssante_policy::code::PolicyCode::ALL {
        assert!(doc.contains(&format!("| {c} |")), "{c} is not in docs/postfix.md");
    }
}
