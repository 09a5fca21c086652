//! Builds an operator feed file from in-memory BALs, as an operator's backend
//! would from its database, then reads it back.
//!
//! `cargo run -p mssante-examples --example write_feed`

use mssante_bal::feed::FeedFileName;
use mssante_bal::{Address, Bal, BalType, Column, Format, Rules, Writer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rules = Rules::default();
    let address = |a: &'static str| Address::parse(a).expect("a valid address");
    let bals = [
        Bal::builder(BalType::Per, &address("prenom.nom@ch-exemple.mssante.fr"))
            .set(Column::PersonIdType, "8")
            .set(Column::PersonId, "10000000009")
            .set(Column::PersonIdNat, "810000000009")
            .set(Column::ListeRouge, "N")
            .set(Column::Rank, "1"),
        Bal::builder(BalType::Org, &address("secretariat@ch-exemple.mssante.fr"))
            .set(Column::StructureIdType, "1")
            .set(Column::StructureId, "1990000002")
            .set(Column::Service, "Secrétariat de cardiologie")
            .set(Column::Description, "Secrétariat, du lundi au vendredi")
            .set(Column::Responsible, "Cadre du service")
            .set(Column::ListeRouge, "N"),
        // Refused: an ORG BAL without structure identifier.
        Bal::builder(BalType::Org, &address("sans-structure@ch-exemple.mssante.fr")).set(Column::ListeRouge, "N"),
    ];
    let mut w = Writer::new(Vec::new(), Format::Feed)?;
    for b in bals {
        match b.build(Format::Feed, &rules) {
            Ok(bal) => w.write_bal(&bal)?,
            Err(issues) => issues.iter().for_each(|i| eprintln!("not written: {i}")),
        }
    }
    let bytes = w.into_inner()?;
    let at = generation_time();
    let name = FeedFileName::new("OPE-12345678200010", at)?;
    println!("{name}\n{}", String::from_utf8(bytes)?);
    Ok(())
}

/// A fixed generation time (the library takes the clock from the caller).
fn generation_time() -> mssante_bal::feed::Timestamp {
    mssante_bal::feed::Timestamp::from_timestamp(1_607_707_800, 0).unwrap_or_default()
}
