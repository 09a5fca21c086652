//! MSSanté addresses and domains (RFC 5321 mailbox syntax, RFC 6531 UTF-8).
//!
//! The grammar is written with `nom`:
//!
//! ```text
//! mailbox    = local-part "@" domain
//! local-part = dot-string / quoted-string
//! dot-string = atom *("." atom)          ; atom = 1*atext, atext may be UTF-8
//! domain     = label *("." label)        ; label = let-dig [*(let-dig / "-") let-dig]
//! ```
//!
//! Limits: local part ≤ 64 octets, domain ≤ 255 octets, label ≤ 63 octets, whole
//! mailbox ≤ 254 octets (a 256-octet path minus the angle brackets). Address
//! literals (`user@[192.0.2.1]`) are refused: an MSSanté address always names a
//! domain of the trust space.

use mssante_types::identity::{address_key, domain_key_lossy, same_address, same_domain};
use nom::branch::alt;
use nom::bytes::complete::{take_while_m_n, take_while1};
use nom::character::complete::char;
use nom::combinator::{all_consuming, recognize, verify};
use nom::multi::many0_count;
use nom::{IResult, Parser};
use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};

/// Longest local part, in octets (RFC 5321 §4.5.3.1.1).
pub const MAX_LOCAL_PART: usize = 64;
/// Longest domain, in octets (RFC 5321 §4.5.3.1.2).
pub const MAX_DOMAIN: usize = 255;
/// Longest label, in octets (RFC 1035).
pub const MAX_LABEL: usize = 63;
/// Longest mailbox, in octets (path of 256 octets minus `<` and `>`).
pub const MAX_MAILBOX: usize = 254;

/// Why a string is not an address or a domain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// Empty input.
    #[error("empty address")]
    Empty,
    /// No `@`.
    #[error("no '@' in the address")]
    NoAt,
    /// The local part does not follow the grammar.
    #[error("invalid local part")]
    LocalPart,
    /// The domain does not follow the grammar.
    #[error("invalid domain")]
    Domain,
    /// An address literal instead of a domain.
    #[error("address literals are not MSSanté addresses")]
    AddressLiteral,
    /// The local part is longer than 64 octets.
    #[error("local part longer than {MAX_LOCAL_PART} octets")]
    LocalPartTooLong,
    /// The domain is longer than 255 octets, or one of its labels than 63.
    #[error("domain or label too long")]
    DomainTooLong,
    /// The mailbox is longer than 254 octets.
    #[error("address longer than {MAX_MAILBOX} octets")]
    TooLong,
}

impl AddressError {
    /// True for the length-limit variants.
    pub fn is_length(&self) -> bool {
        matches!(self, AddressError::LocalPartTooLong | AddressError::DomainTooLong | AddressError::TooLong)
    }
}

fn is_atext(c: char) -> bool {
    matches!(c, 'a'..='z' | 'A'..='Z' | '0'..='9' | '!' | '#'..='\'' | '*' | '+' | '-' | '/' | '=' | '?' | '^'..='`' | '{'..='~')
        || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())
}

fn is_let_dig(c: char) -> bool {
    c.is_ascii_alphanumeric() || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())
}

fn is_qtext(c: char) -> bool {
    matches!(c, ' ' | '!' | '#'..='[' | ']'..='~') || (!c.is_ascii() && !c.is_control())
}

fn dot_string(i: &str) -> IResult<&str, &str> {
    recognize((take_while1(is_atext), many0_count((char('.'), take_while1(is_atext))))).parse(i)
}

fn quoted_string(i: &str) -> IResult<&str, &str> {
    let quoted_pair = recognize((char('\\'), take_while_m_n(1, 1, |c: char| (' '..='~').contains(&c))));
    recognize((char('"'), many0_count(alt((take_while1(is_qtext), quoted_pair))), char('"'))).parse(i)
}

fn label(i: &str) -> IResult<&str, &str> {
    verify(take_while1(|c: char| is_let_dig(c) || c == '-'), |s: &str| !s.starts_with('-') && !s.ends_with('-'))
        .parse(i)
}

fn domain_grammar(i: &str) -> IResult<&str, &str> {
    recognize((label, many0_count((char('.'), label)))).parse(i)
}

/// Checks a domain name; shared by [`Domain::parse`] and [`Address::parse`].
fn check_domain(d: &str) -> Result<(), AddressError> {
    if fast_domain(d.as_bytes()) {
        return Ok(());
    }
    if d.starts_with('[') {
        return Err(AddressError::AddressLiteral);
    }
    if all_consuming(domain_grammar).parse(d).is_err() {
        return Err(AddressError::Domain);
    }
    if d.len() > MAX_DOMAIN || d.split('.').any(|l| l.len() > MAX_LABEL) {
        return Err(AddressError::DomainTooLong);
    }
    Ok(())
}

fn domain_hash<H: Hasher>(d: &str, state: &mut H) {
    if d.is_ascii() {
        for b in d.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
    } else {
        state.write(domain_key_lossy(d).as_bytes());
    }
    state.write_u8(0xff);
}

/// A domain name (e.g. `medecin.mssante.fr`), spelled as written; equality and
/// hashing compare keys ([`mssante_types::identity`]: IDNA to ASCII, lower case),
/// so `Hôpital.mssante.fr` equals `xn--hpital-ixa.mssante.fr`.
#[derive(Debug, Clone, Eq)]
pub struct Domain<'a> {
    text: Cow<'a, str>,
}

impl<'a> Domain<'a> {
    /// Parses a domain name.
    ///
    /// ```
    /// use mssante_bal::Domain;
    /// let d = Domain::parse("UC-CMP.mssante.fr").unwrap();
    /// assert_eq!(d, Domain::parse("uc-cmp.MSSANTE.fr").unwrap());
    /// assert!(Domain::parse("-bad.mssante.fr").is_err());
    /// ```
    pub fn parse(text: &'a str) -> Result<Self, AddressError> {
        if text.is_empty() {
            return Err(AddressError::Empty);
        }
        check_domain(text)?;
        Ok(Domain { text: Cow::Borrowed(text) })
    }

    /// The domain as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The comparison key of the domain ([`mssante_types::identity`]): IDNA to
    /// ASCII, lower case; borrowed when the domain is already its key.
    pub fn key(&self) -> Cow<'_, str> {
        domain_key_lossy(&self.text)
    }

    /// True when the domain is `suffix` or a sub-domain of it, comparing keys.
    pub fn is_within(&self, suffix: &str) -> bool {
        let (t, suffix) = (self.key(), domain_key_lossy(suffix));
        t == suffix
            || (t.len() > suffix.len()
                && t.ends_with(suffix.as_ref())
                && t.as_bytes()[t.len() - suffix.len() - 1] == b'.')
    }

    /// Copies any borrowed data.
    pub fn into_owned(self) -> Domain<'static> {
        Domain { text: Cow::Owned(self.text.into_owned()) }
    }
}

impl PartialEq for Domain<'_> {
    fn eq(&self, other: &Self) -> bool {
        same_domain(&self.text, &other.text)
    }
}

impl Hash for Domain<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        domain_hash(&self.text, state);
    }
}

impl fmt::Display for Domain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// An MSSanté address: an RFC 5321 mailbox, spelled as written.
///
/// Equality and hashing compare keys ([`mssante_types::identity`]): the local
/// part without case, the domain in its IDNA ASCII form, as the directory does.
#[derive(Debug, Clone, Eq)]
pub struct Address<'a> {
    text: Cow<'a, str>,
    at: usize,
}

impl<'a> Address<'a> {
    /// Parses an address.
    ///
    /// ```
    /// use mssante_bal::Address;
    /// let a = Address::parse("Prenom.Nom@Exemple.mssante.fr").unwrap();
    /// assert_eq!(a.local_part(), "Prenom.Nom");
    /// assert_eq!(a.domain().as_str(), "Exemple.mssante.fr");
    /// assert_eq!(a, Address::parse("Prenom.Nom@exemple.MSSANTE.fr").unwrap());
    /// assert!(Address::parse("prenom..nom@exemple.mssante.fr").is_err());
    /// ```
    pub fn parse(text: &'a str) -> Result<Self, AddressError> {
        let at = Self::check(text)?;
        Ok(Address { text: Cow::Borrowed(text), at })
    }

    /// Validates without building a value; returns the index of the `@`.
    pub fn check(text: &str) -> Result<usize, AddressError> {
        match fast_check(text) {
            Some(at) => Ok(at),
            None => grammar_check(text),
        }
    }

    /// Validates with the nom grammar alone, without the ASCII accelerator that
    /// [`Address::check`] tries first. Both always give the same answer (property
    /// tested and fuzzed); this one exists for those tests.
    pub fn check_grammar(text: &str) -> Result<usize, AddressError> {
        grammar_check(text)
    }

    /// The whole address as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// ASCII `atext` (RFC 5321), as a lookup table.
const ATEXT: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'/'
                    | b'='
                    | b'?'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'{'
                    | b'|'
                    | b'}'
                    | b'~'
            );
        c += 1;
    }
    t
};

/// Accelerator for the overwhelmingly common form, ASCII `dot-atom@domain`
/// within the length limits. `Some(at)` only when the grammar would accept the
/// address with the same `@`; `None` means "ask the grammar" (which also builds
/// the precise error). A property test checks the agreement.
pub(crate) fn fast_check(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    if b.len() > MAX_MAILBOX {
        return None;
    }
    let at = b.iter().position(|&c| c == b'@')?;
    if at == 0 || at > MAX_LOCAL_PART {
        return None;
    }
    let mut prev_dot = true;
    for &c in &b[..at] {
        if c == b'.' {
            if prev_dot {
                return None;
            }
            prev_dot = true;
        } else if ATEXT[usize::from(c)] {
            prev_dot = false;
        } else {
            return None;
        }
    }
    if prev_dot {
        return None;
    }
    fast_domain(&b[at + 1..]).then_some(at)
}

/// Accelerator for ASCII domains: true only when the grammar and the limits accept.
fn fast_domain(d: &[u8]) -> bool {
    if d.is_empty() || d.len() > MAX_DOMAIN {
        return false;
    }
    let mut label = 0usize;
    let mut prev = b'.';
    for &c in d {
        if c == b'.' {
            if label == 0 || prev == b'-' {
                return false;
            }
            label = 0;
        } else if c.is_ascii_alphanumeric() || (c == b'-' && label > 0) {
            label += 1;
            if label > MAX_LABEL {
                return false;
            }
        } else {
            return false;
        }
        prev = c;
    }
    label > 0 && prev != b'-'
}

/// The nom grammar and the limits, with a precise error.
pub(crate) fn grammar_check(text: &str) -> Result<usize, AddressError> {
    {
        if text.is_empty() {
            return Err(AddressError::Empty);
        }
        let at = text.rfind('@').ok_or(AddressError::NoAt)?;
        let (local, domain) = (&text[..at], &text[at + 1..]);
        if local.is_empty() || all_consuming(alt((dot_string, quoted_string))).parse(local).is_err() {
            return Err(AddressError::LocalPart);
        }
        if domain.is_empty() {
            return Err(AddressError::Domain);
        }
        check_domain(domain)?;
        if local.len() > MAX_LOCAL_PART {
            return Err(AddressError::LocalPartTooLong);
        }
        if text.len() > MAX_MAILBOX {
            return Err(AddressError::TooLong);
        }
        Ok(at)
    }
}

impl<'a> Address<'a> {
    /// The part before the last `@`.
    pub fn local_part(&self) -> &str {
        &self.text[..self.at]
    }

    /// The domain.
    pub fn domain(&self) -> Domain<'_> {
        Domain { text: Cow::Borrowed(&self.text[self.at + 1..]) }
    }

    /// True when sending to this address needs the SMTPUTF8 extension.
    pub fn needs_smtputf8(&self) -> bool {
        !self.text.is_ascii()
    }

    /// The comparison key of the address ([`mssante_types::identity`]): local
    /// part in lower case, domain in its IDNA ASCII form; borrowed when the
    /// address is already its key.
    pub fn key(&self) -> Cow<'_, str> {
        address_key(&self.text)
    }

    /// Copies any borrowed data.
    pub fn into_owned(self) -> Address<'static> {
        Address { text: Cow::Owned(self.text.into_owned()), at: self.at }
    }
}

impl PartialEq for Address<'_> {
    fn eq(&self, other: &Self) -> bool {
        same_address(&self.text, &other.text)
    }
}

impl Hash for Address<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        if self.text.is_ascii() {
            for b in self.local_part().bytes() {
                state.write_u8(b.to_ascii_lowercase());
            }
            state.write_u8(b'@');
            domain_hash(&self.text[self.at + 1..], state);
        } else {
            let key = self.key();
            let at = key.rfind('@').unwrap_or(key.len());
            state.write(&key.as_bytes()[..at]);
            state.write_u8(b'@');
            domain_hash(&key[(at + 1).min(key.len())..], state);
        }
    }
}

impl fmt::Display for Address<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_mailboxes() {
        for a in [
            "prenom.nom@exemple.mssante.fr",
            "a@b",
            "x+tag@interop-mssante.apicrypt.org",
            "\"quoted @ local\"@exemple.mssante.fr",
            "\"esc\\\"aped\"@exemple.mssante.fr",
            "élise.durand@exemple.mssante.fr",
            "o'brien@exemple.mssante.fr",
        ] {
            assert!(Address::parse(a).is_ok(), "{a}");
        }
    }

    #[test]
    fn rejects_invalid_mailboxes_with_reason() {
        let cases = [
            ("", AddressError::Empty),
            ("no-at.mssante.fr", AddressError::NoAt),
            ("@exemple.mssante.fr", AddressError::LocalPart),
            ("a..b@exemple.mssante.fr", AddressError::LocalPart),
            (".a@exemple.mssante.fr", AddressError::LocalPart),
            ("a.@exemple.mssante.fr", AddressError::LocalPart),
            ("a b@exemple.mssante.fr", AddressError::LocalPart),
            ("a@", AddressError::Domain),
            ("a@exemple..fr", AddressError::Domain),
            ("a@-exemple.fr", AddressError::Domain),
            ("a@exemple-.fr", AddressError::Domain),
            ("a@exemple.fr.", AddressError::Domain),
            ("a@exe_mple.fr", AddressError::Domain),
            ("a@[192.0.2.1]", AddressError::AddressLiteral),
            ("a@b@c.fr", AddressError::LocalPart),
        ];
        for (a, e) in cases {
            assert_eq!(Address::parse(a).unwrap_err(), e, "{a}");
        }
    }

    #[test]
    fn enforces_length_limits() {
        let local = "a".repeat(65);
        assert_eq!(Address::parse(&format!("{local}@x.fr")).unwrap_err(), AddressError::LocalPartTooLong);
        let label = "b".repeat(64);
        assert_eq!(Address::parse(&format!("a@{label}.fr")).unwrap_err(), AddressError::DomainTooLong);
        let long = format!("{}@{}.{}.{}.fr", "a".repeat(64), "c".repeat(63), "d".repeat(63), "e".repeat(60));
        assert!(long.len() > MAX_MAILBOX);
        assert_eq!(Address::parse(&long).unwrap_err(), AddressError::TooLong);
    }

    #[test]
    fn comparison_uses_the_workspace_keys() {
        use std::collections::HashSet;
        let a = Address::parse("Jean@EXEMPLE.mssante.fr").unwrap();
        assert_eq!(a, Address::parse("Jean@exemple.MSSANTE.FR").unwrap());
        assert_eq!(a, Address::parse("jean@exemple.mssante.fr").unwrap());
        assert_ne!(a, Address::parse("jeanne@exemple.mssante.fr").unwrap());
        let u = Address::parse("Élise@Hôpital.mssante.fr").unwrap();
        let x = Address::parse("élise@xn--hpital-ixa.MSSANTE.fr").unwrap();
        assert_eq!(u, x);
        assert_eq!(HashSet::from([u.clone(), x.clone()]).len(), 1);
        assert!(Domain::parse("ch.hôpital.mssante.fr").unwrap().is_within("xn--hpital-ixa.mssante.fr"));
        let d = Domain::parse("ch.exemple.mssante.fr").unwrap();
        assert!(d.is_within("MSSANTE.fr"));
        assert!(!d.is_within("ante.fr"));
        assert!(!Domain::parse("xmssante.fr").unwrap().is_within("mssante.fr"));
    }

    proptest::proptest! {
        /// The accelerator never accepts what the grammar refuses, and finds the
        /// same `@`.
        #[test]
        fn fast_path_agrees_with_the_grammar(s in "[a-zA-Z0-9.@_\\-\"+é ]{0,40}") {
            if let Some(at) = fast_check(&s) {
                proptest::prop_assert_eq!(grammar_check(&s), Ok(at));
            }
        }

        #[test]
        fn fast_path_agrees_on_likely_addresses(s in "[a-z0-9]{1,8}([.][a-z0-9-]{1,6}){0,2}@[a-z0-9-]{1,10}([.][a-z0-9-]{0,8}){0,3}") {
            match fast_check(&s) {
                Some(at) => proptest::prop_assert_eq!(grammar_check(&s), Ok(at)),
                None => proptest::prop_assert!(grammar_check(&s).is_err()),
            }
        }

        #[test]
        fn display_then_parse_is_identity(s in "[a-z0-9]{1,8}@[a-z0-9]{1,8}\\.[a-z]{2,4}") {
            let a = Address::parse(&s).unwrap();
            let shown = a.to_string();
            proptest::prop_assert_eq!(Address::parse(&shown).unwrap(), a);
        }
    }
}
