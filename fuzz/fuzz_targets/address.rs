//! Any string: the address parser never panics, the ASCII accelerator agrees
//! with the nom grammar, and Display → parse is the identity. The envelope
//! crate's domain normalisation (lower case, IDNA) is idempotent and ASCII, and
//! its fast path agrees with the idna crate; a `Mailbox` accepts exactly the
//! addresses without control characters that parse and normalise.
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
    if let Ok(n) = mssante_envelope::route::normalize_domain(s) {
        assert!(n.is_ascii() && !n.bytes().any(|b| b.is_ascii_uppercase()), "{n:?}");
        assert_eq!(mssante_envelope::route::normalize_domain(&n).expect("idempotent"), n);
        assert_eq!(idna::domain_to_ascii(s).ok().as_deref(), Some(n.as_ref()), "fast path = idna");
    }
    let mailbox_ok = mssante_envelope::message::Mailbox::new(s).is_ok();
    let expected = !s.chars().any(char::is_control)
        && Address::parse(s).is_ok_and(|a| mssante_envelope::route::normalize_domain(a.domain().as_str()).is_ok());
    assert_eq!(mailbox_ok, expected);
});
