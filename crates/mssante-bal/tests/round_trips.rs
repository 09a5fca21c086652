//! Display → parse round trips and invariants of the smaller formats.

use chrono::DateTime;
use mssante_bal::diff::diff;
use mssante_bal::feed::FeedFileName;
use mssante_bal::generate::Generator;
use mssante_bal::liste_blanche::{Dn, ListeBlanche};
use mssante_bal::{Format, Item, Reader};
use proptest::prelude::*;

fn count_records(data: &[u8]) -> u64 {
    let mut r = Reader::new(data, Format::Extraction).unwrap();
    let mut n = 0;
    while let Some(item) = r.next_item().unwrap() {
        if let Item::Record(_) = item {
            n += 1;
        }
    }
    n
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn feed_file_name_round_trip(op in "[A-Za-z0-9-]{1,64}", secs in 0i64..4_000_000_000) {
        let at = DateTime::from_timestamp(secs, 0).unwrap();
        let n = FeedFileName::new(&op, at).unwrap();
        let back: FeedFileName = n.to_string().parse().unwrap();
        prop_assert_eq!(back, n);
    }

    #[test]
    fn idnat_round_trip(body in "[0-9]{8}", rpps in any::<bool>()) {
        use mssante_bal::{IdNatPs, IdNatStruct, PersonIdType, StructureIdType, luhn_key};
        let key = luhn_key(format!("10{body}").as_bytes()).unwrap();
        let (kind, id) = if rpps {
            (PersonIdType::Rpps, format!("10{body}{key}"))
        } else {
            let k = luhn_key(format!("99{}", &body[..6]).as_bytes()).unwrap();
            (PersonIdType::Adeli, format!("99{}{k}", &body[..6]))
        };
        let ps = IdNatPs::new(kind, &id).unwrap();
        prop_assert_eq!(IdNatPs::parse(&ps.to_string()).unwrap(), ps);
        let finess = format!("99{}{}", &body[..6], luhn_key(format!("99{}", &body[..6]).as_bytes()).unwrap());
        let st = IdNatStruct::new(StructureIdType::Finess, &finess).unwrap();
        prop_assert_eq!(IdNatStruct::parse(&st.to_string()).unwrap(), st);
    }

    #[test]
    fn dn_round_trip(parts in proptest::collection::vec(("[A-Z]{1,3}", "[A-Za-z0-9 .()-]{0,12}[A-Za-z0-9]"), 1..6)) {
        let text: Vec<String> = parts.iter().map(|(t, v)| format!("{t}={v}")).collect();
        let dn = Dn::parse(&text.join(", ")).unwrap();
        let back = Dn::parse(&dn.to_string()).unwrap();
        prop_assert_eq!(back, dn);
    }

    #[test]
    fn liste_blanche_of_generator_parses_whole(seed in 0u64..1000, records in 1u64..3000) {
        let mut g = Generator::new(seed, records);
        let mut xml = Vec::new();
        g.write_liste_blanche(&mut xml).unwrap();
        let lb = ListeBlanche::parse(&xml).unwrap();
        prop_assert!(lb.issues().is_empty());
        prop_assert_eq!(lb.domain_count(), g.domains().len());
        for d in g.domains() {
            let ops = lb.operators_of(&d.name);
            prop_assert_eq!(ops.len(), g.operators()[d.operator].dns.len());
            for dn in ops {
                prop_assert!(lb.domains_of(dn).iter().any(|x| x.as_str() == d.name));
            }
        }
    }

    #[test]
    fn liste_blanche_arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(lb) = ListeBlanche::parse(&data) {
            prop_assert_eq!(lb.entries_total(), lb.entries().len() as u64 + lb.entries_rejected());
        }
    }

    /// Diff accounting: every row of each side is classified once.
    #[test]
    fn diff_accounts_for_every_row(seed_a in 0u64..50, seed_b in 0u64..50, n in 1u64..200) {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        Generator::new(seed_a, n).write_extraction(&mut a).unwrap();
        Generator::new(seed_b, n + seed_b % 7).write_extraction(&mut b).unwrap();
        let d = diff(&a, &b, Format::Extraction).unwrap();
        prop_assert_eq!(d.added + d.changed + d.unchanged, count_records(&b));
        prop_assert_eq!(d.removed + d.changed + d.unchanged, count_records(&a));
        let same = diff(&a, &a, Format::Extraction).unwrap();
        prop_assert_eq!(same.unchanged, count_records(&a));
        prop_assert!(same.changes.is_empty());
    }
}

#[test]
fn generator_is_deterministic_and_shaped_like_the_real_file() {
    let mut a = Vec::new();
    let mut b = Vec::new();
    Generator::new(42, 20_000).write_extraction(&mut a).unwrap();
    Generator::new(42, 20_000).write_extraction(&mut b).unwrap();
    assert_eq!(a, b);
    let s = mssante_bal::check::Checker::new(Format::Extraction, mssante_bal::Rules::default())
        .check_reader(&a[..])
        .unwrap();
    assert_eq!(s.records_valid(), 20_000, "{:?}", s.examples);
    let per = s.by_type["PER"] as f64 / 20_000.0;
    assert!((0.82..0.90).contains(&per), "PER share {per}");
    let dups = 20_000 - s.distinct_addresses;
    assert!(dups > 0 && dups < 60, "{dups} duplicate addresses");
    let medecin = String::from_utf8_lossy(&a).lines().filter(|l| l.contains("@medecin.mssante.fr|")).count() as f64;
    assert!((0.09..0.14).contains(&(medecin / 20_000.0)), "large domain share {}", medecin / 20_000.0);
}
