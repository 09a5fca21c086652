//! When two MSSanté addresses or domains are the same.
//!
//! One rule, used by every crate of the workspace (directory keys, diff,
//! distinct counting, ownership of domains, reconciliation, liste blanche,
//! routing, trust checks):
//!
//! - **Domain**: IDNA to ASCII (UTS #46, non-transitional), which also
//!   lower-cases: `Hôpital.MSSante.fr`, `hôpital.mssante.fr` and
//!   `xn--hpital-ixa.mssante.fr` have the same key. An ASCII domain without an
//!   `xn--` label is only lower-cased (IDNA would give the same result), so the
//!   common case costs no allocation when already in lower case. A domain that
//!   IDNA refuses has no strict key ([`domain_key`] fails; routing refuses it);
//!   its lossy key ([`domain_key_lossy`]) is its Unicode lower-case spelling, so
//!   it can only equal itself.
//! - **Local part**: lower case (Unicode default lower-casing, no
//!   normalisation form). RFC 5321 lets a receiving host treat the local part's
//!   case as significant; MSSanté does not: the national directory and the
//!   operators treat `Jean.Dupont@…` and `jean.dupont@…` as one BAL (see
//!   `shared/domain/extraction-file.md`, "Case"), and so does every crate here.
//! - The original spelling is never changed: keys are for comparison only.
//!
//! ```
//! use mssante_types::identity::{address_key, domain_key, same_address};
//! assert_eq!(domain_key("Hôpital.MSSante.fr").unwrap(), "xn--hpital-ixa.mssante.fr");
//! assert_eq!(domain_key("XN--HPITAL-IXA.mssante.fr").unwrap(), "xn--hpital-ixa.mssante.fr");
//! assert_eq!(address_key("Jean.Dupont@Hôpital.mssante.fr"), "jean.dupont@xn--hpital-ixa.mssante.fr");
//! assert!(same_address("jean@HÔPITAL.mssante.fr", "JEAN@xn--hpital-ixa.mssante.fr"));
//! assert!(domain_key("xn--a.mssante.fr").is_err());
//! ```

use std::borrow::Cow;

/// Why a domain has no IDNA key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{domain:?} is not a valid internationalised domain name (IDNA)")]
pub struct IdentityError {
    /// The domain as given.
    pub domain: String,
}

fn has_ace_label(domain: &str) -> bool {
    domain.split('.').any(|l| l.len() >= 4 && l.as_bytes()[..4].eq_ignore_ascii_case(b"xn--"))
}

fn ascii_lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) { Cow::Owned(s.to_ascii_lowercase()) } else { Cow::Borrowed(s) }
}

/// The key of a domain: IDNA to ASCII, lower case. Borrowed when the domain is
/// already its own key. Fails when IDNA refuses the domain (a malformed `xn--`
/// label, a disallowed character).
pub fn domain_key(domain: &str) -> Result<Cow<'_, str>, IdentityError> {
    if domain.is_ascii() && !has_ace_label(domain) {
        return Ok(ascii_lower(domain));
    }
    match idna::domain_to_ascii(domain) {
        Ok(k) if k == domain => Ok(Cow::Borrowed(domain)),
        Ok(k) => Ok(Cow::Owned(k)),
        Err(_) => Err(IdentityError { domain: domain.to_owned() }),
    }
}

/// The key of a domain, never failing: [`domain_key`], or the Unicode lower
/// case spelling when IDNA refuses the domain. Two domains that both have a
/// strict key get the same lossy key exactly when their strict keys are equal.
pub fn domain_key_lossy(domain: &str) -> Cow<'_, str> {
    match domain_key(domain) {
        Ok(k) => k,
        Err(_) if domain.is_ascii() => ascii_lower(domain),
        Err(_) => Cow::Owned(domain.to_lowercase()),
    }
}

/// The key of an address: the local part in lower case, `@`, the lossy key of
/// the domain (see the [module](self) documentation). The split is at the last
/// `@`; a string without `@` is keyed as a local part. Borrowed for an ASCII
/// address without capitals, the common case.
pub fn address_key(address: &str) -> Cow<'_, str> {
    if address.is_ascii() {
        return ascii_lower(address);
    }
    let Some(at) = address.rfind('@') else { return Cow::Owned(address.to_lowercase()) };
    let (local, domain) = (&address[..at], &address[at + 1..]);
    let mut k = String::with_capacity(address.len() + 8);
    if local.is_ascii() {
        k.push_str(&local.to_ascii_lowercase());
    } else {
        k.push_str(&local.to_lowercase());
    }
    k.push('@');
    k.push_str(&domain_key_lossy(domain));
    Cow::Owned(k)
}

/// The key of the domain of an address (the text after the last `@`; empty
/// without one), lossy as [`domain_key_lossy`].
pub fn address_domain_key(address: &str) -> Cow<'_, str> {
    domain_key_lossy(address.rsplit_once('@').map_or("", |(_, d)| d))
}

/// True when two domains have the same key. Allocation-free for ASCII domains.
pub fn same_domain(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    domain_key_lossy(a) == domain_key_lossy(b)
}

/// True when two addresses have the same key. Allocation-free for ASCII addresses.
pub fn same_address(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    address_key(a) == address_key(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_three_spellings_of_a_domain_agree() {
        for d in ["hôpital.mssante.fr", "HÔPITAL.MSSante.FR", "xn--hpital-ixa.mssante.fr", "XN--HPITAL-IXA.MSSANTE.FR"]
        {
            assert_eq!(domain_key(d).unwrap(), "xn--hpital-ixa.mssante.fr", "{d}");
            assert!(same_domain(d, "Hôpital.mssante.fr"), "{d}");
        }
    }

    #[test]
    fn ascii_keys_are_borrowed_when_already_keys() {
        assert!(matches!(domain_key("medecin.mssante.fr").unwrap(), Cow::Borrowed(_)));
        assert!(matches!(address_key("a.b@medecin.mssante.fr"), Cow::Borrowed(_)));
        assert!(matches!(domain_key("xn--hpital-ixa.mssante.fr").unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn refused_domains_have_only_a_lossy_key() {
        assert!(domain_key("xn--a.mssante.fr").is_err());
        assert_eq!(domain_key_lossy("XN--A.mssante.fr"), "xn--a.mssante.fr");
        assert!(!same_domain("xn--a.mssante.fr", "a.mssante.fr"));
    }

    #[test]
    fn local_part_case_is_not_significant() {
        assert!(same_address("Élise.Durand@exemple.mssante.fr", "élise.durand@EXEMPLE.mssante.fr"));
        assert!(!same_address("elise@exemple.mssante.fr", "élise@exemple.mssante.fr"));
        assert_eq!(address_domain_key("a@Hôpital.fr"), "xn--hpital-ixa.fr");
    }

    proptest! {
        /// Equality through `same_*` is equality of keys, and keys are fixed points.
        #[test]
        fn keys_are_idempotent_and_agree_with_same(a in "[a-zA-Zéèô]{1,6}@[a-zA-Zéô]{1,6}\\.(fr|FR)", b in "[a-zA-Zéèô]{1,6}@[a-zA-Zéô]{1,6}\\.(fr|FR)") {
            let ka = address_key(&a).into_owned();
            prop_assert_eq!(address_key(&ka), ka.as_str());
            prop_assert_eq!(same_address(&a, &b), ka == address_key(&b));
            prop_assert!(same_address(&a, &a.to_uppercase()) || a.to_uppercase().to_lowercase() != a.to_lowercase());
        }

        /// A Unicode domain and its `xn--` form have the same key.
        #[test]
        fn unicode_and_ace_forms_agree(d in "[a-zéèôü]{1,10}\\.mssante\\.fr") {
            let ace = domain_key(&d).unwrap().into_owned();
            prop_assert!(ace.is_ascii());
            prop_assert_eq!(domain_key(&ace).unwrap(), ace.as_str());
            let upper = d.to_uppercase();
            prop_assert_eq!(domain_key(&upper).unwrap(), ace.as_str());
            prop_assert!(same_domain(&d, &ace.to_uppercase()));
        }
    }
}
