//! DN, feed file name, identifiers, the published extraction's name and diff on arbitrary input: no panic, and
//! Display → parse identities.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_bal::feed::FeedFileName;
use mssante_bal::liste_blanche::Dn;
use mssante_bal::{Adeli, Finess, Rpps, Siren, Siret};

fuzz_target!(|s: &str| {
    if let Ok(dn) = Dn::parse(s) {
        assert_eq!(Dn::parse(&dn.to_string()).expect("canonical form re-parses"), dn);
    }
    if let Ok(n) = s.parse::<FeedFileName>() {
        assert_eq!(n.to_string().parse::<FeedFileName>().expect("re-parse"), n);
    }
    if let Ok(r) = Rpps::parse(s) {
        assert_eq!(r.as_str(), s);
    }
    let _ = (Adeli::parse(s), Finess::parse(s), Siren::parse(s), Siret::parse(s));
    if let Some(t) = mssante_bal::archive::snapshot_of(s) {
        let name = format!("Extraction_Correspondance_MSSante_{}.zip", t.format("%Y%m%d%H%M"));
        assert_eq!(mssante_bal::archive::snapshot_of(&name), Some(t), "the published name of a time reads back");
    }
    let bytes = s.as_bytes();
    let (a, b) = bytes.split_at(bytes.len() / 2);
    if let Ok(d) = mssante_bal::diff::diff(a, b, mssante_bal::Format::Extraction) {
        assert_eq!(d.changes.len() as u64, d.added + d.removed + d.changed);
    }
});
