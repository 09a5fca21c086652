//! Any string: the address parser never panics, the ASCII accelerator agrees
//! with the nom grammar, and Display → parse is the identity.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_bal::{Address, Domain};

fuzz_target!(|s: &str| {
    let full = Address::check(s);
    assert_eq!(full, Address::check_grammar(s));
    if let Ok(a) = Address::parse(s) {
        assert_eq!(a.as_str(), s);
        let shown = a.to_string();
        assert_eq!(Address::parse(&shown).expect("re-parse"), a);
        assert!(Domain::parse(a.domain().as_str()).is_ok());
        assert!(a.local_part().len() <= 64 && s.len() <= 254);
    }
    let _ = Domain::parse(s);
});
