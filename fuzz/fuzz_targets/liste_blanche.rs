//! Arbitrary XML: no panic, entries accounted for, lookups consistent.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_bal::liste_blanche::ListeBlanche;

fuzz_target!(|data: &[u8]| {
    if let Ok(lb) = ListeBlanche::parse(data) {
        assert_eq!(lb.entries_total(), lb.entries().len() as u64 + lb.entries_rejected());
        for e in lb.entries() {
            assert!(lb.operators_of(e.domain.as_str()).contains(&&e.dn));
            assert!(lb.domains_of(&e.dn).contains(&&e.domain));
        }
    }
});
