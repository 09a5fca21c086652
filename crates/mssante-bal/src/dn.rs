//! Certificate distinguished names as written in the liste blanche
//! (`CN=<MTA>,OU=<id>,O=<organisation>,ST=<département>,C=FR`) and as read
//! from a certificate: one comparison for both (RFC 4514 strings, RFC 5280
//! §7.1 matching).
//!
//! Grammar (nom): `dn = rdn *( "," *SP rdn )`, `rdn = type "=" value`, where a value
//! runs to the next unescaped `,` and `\` escapes one character or gives one
//! byte as two hex digits (`\2C` is `,`).
//!
//! **What compares equal.** Two DNs are equal when they have the same
//! attributes in the same order (the RFC 4514 order: the most specific, `CN`,
//! first) and, attribute by attribute:
//! * the types are the same once upper-cased and once the long names and
//!   OIDs are read as their short name (`cn`, `commonName`, `2.5.4.3` are `CN`);
//! * the values are the same once escapes are read (`a\,b` and `a\2Cb` are
//!   `a,b`), leading and trailing spaces removed, inner runs of white space
//!   read as one space, and case folded — the LDAP "insignificant space" and
//!   `caseIgnoreMatch` rules that RFC 5280 §7.1 prescribes for names.
//!
//! Anything else is a different DN: another value, a missing or extra
//! attribute, another order. So `"CN=a, O=b"`, `"cn=a,O=b"` and
//! `"commonName=A,o=B"` are the same DN; `"CN=a,O=c"` is not.

use nom::bytes::complete::{escaped, is_not, take_while1};
use nom::character::complete::{anychar, char, space0};
use nom::combinator::{all_consuming, opt};
use nom::multi::separated_list1;
use nom::sequence::{delimited, separated_pair};
use nom::{IResult, Parser};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// Why a DN does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a distinguished name: {0:?}")]
pub struct DnError(pub String);

/// A distinguished name: its attributes as written (for display) and their
/// comparison form (for equality, hashing and order; see the module docs).
#[derive(Debug, Clone)]
pub struct Dn {
    rdns: Vec<(String, String)>,
    key: Vec<(String, String)>,
}

impl PartialEq for Dn {
    fn eq(&self, other: &Dn) -> bool {
        self.key == other.key
    }
}

impl Eq for Dn {}

impl Hash for Dn {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl PartialOrd for Dn {
    fn partial_cmp(&self, other: &Dn) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Dn {
    fn cmp(&self, other: &Dn) -> Ordering {
        self.key.cmp(&other.key)
    }
}

/// Short names of the attribute types of X.520 and RFC 4519 that certificates
/// use, with their long names and OIDs.
const TYPES: &[(&str, &[&str])] = &[
    ("CN", &["COMMONNAME", "2.5.4.3"]),
    ("SN", &["SURNAME", "2.5.4.4"]),
    ("SERIALNUMBER", &["2.5.4.5"]),
    ("C", &["COUNTRYNAME", "2.5.4.6"]),
    ("L", &["LOCALITYNAME", "2.5.4.7"]),
    ("ST", &["STATEORPROVINCENAME", "S", "2.5.4.8"]),
    ("STREET", &["STREETADDRESS", "2.5.4.9"]),
    ("O", &["ORGANIZATIONNAME", "2.5.4.10"]),
    ("OU", &["ORGANIZATIONALUNITNAME", "2.5.4.11"]),
    ("TITLE", &["2.5.4.12"]),
    ("GIVENNAME", &["GN", "2.5.4.42"]),
    ("ORGANIZATIONIDENTIFIER", &["2.5.4.97"]),
    ("DC", &["DOMAINCOMPONENT", "0.9.2342.19200300.100.1.25"]),
    ("UID", &["USERID", "0.9.2342.19200300.100.1.1"]),
    ("EMAILADDRESS", &["E", "1.2.840.113549.1.9.1"]),
];

/// The comparison form of an attribute type: upper case, short name.
fn type_key(t: &str) -> String {
    let upper = t.to_ascii_uppercase();
    let bare = upper.strip_prefix("OID.").unwrap_or(&upper);
    TYPES
        .iter()
        .find(|(short, aliases)| *short == bare || aliases.contains(&bare))
        .map_or_else(|| bare.to_owned(), |(short, _)| (*short).to_owned())
}

/// The value once its escapes are read: `\X` is `X`, `\HH` is the byte `HH`.
fn unescape(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(byte) => {
                    out.push(byte);
                    i += 3;
                }
                None => {
                    out.push(b[i + 1]);
                    i += 2;
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The comparison form of a value already unescaped: trimmed, inner white
/// space runs as one space, lower case.
fn value_key(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for word in v.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// Escapes a raw value for an RFC 4514 string.
fn escape_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let last = v.chars().count().saturating_sub(1);
    for (i, c) in v.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=')
            || ((i == 0 || i == last) && c == ' ')
            || (i == 0 && c == '#');
        if special {
            out.push('\\');
            out.push(c);
        } else if c.is_control() {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\{byte:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn attr_type(i: &str) -> IResult<&str, &str> {
    take_while1(|c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-').parse(i)
}

fn attr_value(i: &str) -> IResult<&str, Option<&str>> {
    opt(escaped(is_not(",\\"), '\\', anychar)).parse(i)
}

fn rdn(i: &str) -> IResult<&str, (&str, Option<&str>)> {
    delimited(space0, separated_pair(attr_type, delimited(space0, char('='), space0), attr_value), space0).parse(i)
}

/// Trims trailing white space that is not escaped: in `a\ ` the space belongs
/// to the value.
fn trim_value(v: &str) -> &str {
    let t = v.trim_end();
    let backslashes = t.bytes().rev().take_while(|b| *b == b'\\').count();
    if backslashes % 2 == 1 {
        let escaped = v[t.len()..].chars().next().map_or(0, char::len_utf8);
        &v[..t.len() + escaped]
    } else {
        t
    }
}

impl Dn {
    /// Parses a DN.
    ///
    /// ```
    /// use mssante_bal::liste_blanche::Dn;
    /// let a = Dn::parse("CN=mta1.exemple.fr, OU=12345678200010,O=OPERATEUR,ST=Exemple (99),C=FR").unwrap();
    /// assert_eq!(a.cn(), Some("mta1.exemple.fr"));
    /// assert_eq!(a.to_string(), "CN=mta1.exemple.fr,OU=12345678200010,O=OPERATEUR,ST=Exemple (99),C=FR");
    /// ```
    pub fn parse(s: &str) -> Result<Dn, DnError> {
        let (_, list) = all_consuming(separated_list1(char(','), rdn))
            .parse(trim_value(s.trim_start()))
            .map_err(|_| DnError(s.to_owned()))?;
        let rdns: Vec<(String, String)> =
            list.into_iter().map(|(t, v)| (t.to_ascii_uppercase(), trim_value(v.unwrap_or("")).to_owned())).collect();
        if rdns.iter().all(|(_, v)| v.is_empty()) {
            return Err(DnError(s.to_owned()));
        }
        let key = rdns.iter().map(|(t, v)| (type_key(t), value_key(&unescape(v)))).collect();
        Ok(Dn { rdns, key })
    }

    /// A DN from attributes as a certificate holds them (type as a short
    /// name, a long name or an OID; value raw, not escaped), in RFC 4514
    /// order (`CN` first: the reverse of the certificate's encoding order).
    /// `None` when there is no attribute with a value.
    ///
    /// ```
    /// use mssante_bal::liste_blanche::Dn;
    /// let from_cert = Dn::from_attributes([("2.5.4.3", "mta1.exemple.fr"), ("2.5.4.10", "OPERATEUR, SA"), ("2.5.4.6", "FR")]).unwrap();
    /// assert_eq!(from_cert.to_string(), "CN=mta1.exemple.fr,O=OPERATEUR\\, SA,C=FR");
    /// assert_eq!(from_cert, Dn::parse("cn=MTA1.exemple.fr, O=OPERATEUR\\2C SA, c=FR").unwrap());
    /// ```
    pub fn from_attributes<'a>(attributes: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Dn> {
        let mut rdns = Vec::new();
        let mut key = Vec::new();
        for (t, v) in attributes {
            let short = type_key(t);
            key.push((short.clone(), value_key(v)));
            rdns.push((short, escape_value(v)));
        }
        if key.iter().all(|(_, v)| v.is_empty()) {
            return None;
        }
        Some(Dn { rdns, key })
    }

    /// The value of the first attribute of the given type, escapes read
    /// (`CN`, `commonName` and `2.5.4.3` name the same type).
    pub fn value(&self, attr: &str) -> Option<String> {
        let t = type_key(attr);
        self.rdns.iter().find(|(k, _)| type_key(k) == t).map(|(_, v)| unescape(v))
    }

    /// Whether the two DNs have the same `CN` (compared as values are) —
    /// whatever the rest: tells "another certificate of the same host" from
    /// "another host".
    pub fn same_cn(&self, other: &Dn) -> bool {
        let cn = |d: &Dn| d.key.iter().find(|(t, _)| t == "CN").map(|(_, v)| v.clone());
        cn(self).is_some() && cn(self) == cn(other)
    }

    /// The comparison form of the `CN` value (escapes read, insignificant
    /// spaces dropped, case folded): two DNs have the [same
    /// CN](Dn::same_cn) exactly when their keys are equal, so it can index
    /// a table.
    ///
    /// ```
    /// use mssante_bal::liste_blanche::Dn;
    /// let a = Dn::parse("CN=MTA1.Exemple.fr,O=X").unwrap();
    /// let b = Dn::from_attributes([("CN", "mta1.exemple.fr ")]).unwrap();
    /// assert_eq!(a.cn_key(), b.cn_key());
    /// ```
    pub fn cn_key(&self) -> Option<&str> {
        self.key.iter().find(|(t, _)| t == "CN").map(|(_, v)| v.as_str())
    }

    /// The value of the first attribute of the given type (case-insensitive),
    /// as written (escapes kept).
    pub fn get(&self, attr: &str) -> Option<&str> {
        self.rdns.iter().find(|(t, _)| t.eq_ignore_ascii_case(attr)).map(|(_, v)| v.as_str())
    }

    /// The `CN` (MTA host name).
    pub fn cn(&self) -> Option<&str> {
        self.get("CN")
    }

    /// The `O` (organisation).
    pub fn organisation(&self) -> Option<&str> {
        self.get("O")
    }

    /// The components as written, attribute types upper-cased.
    pub fn rdns(&self) -> &[(String, String)] {
        &self.rdns
    }
}

impl fmt::Display for Dn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (t, v)) in self.rdns.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{t}={v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_normalised() {
        let a = Dn::parse("CN=a.fr,OU=1,O=X Y,C=FR").unwrap();
        let b = Dn::parse(" cn=a.fr, OU = 1 , O=X Y,C=FR ").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.organisation(), Some("X Y"));
    }

    /// Found by the `small_parsers` fuzz target (minimised input `B=\ ,E=`): the
    /// value `\ ` (an escaped space) was trimmed to `\`, so printing gave
    /// `B=\,E=`, where the backslash now escaped the comma and the DN re-parsed as
    /// one component instead of two.
    #[test]
    fn fuzz_regression_escaped_trailing_space() {
        let dn = Dn::parse("B=\\ ,E=").unwrap();
        assert_eq!(dn.rdns().len(), 2);
        assert_eq!(dn.get("B"), Some("\\ "));
        assert_eq!(Dn::parse(&dn.to_string()).unwrap(), dn);
    }

    #[test]
    fn rfc4514_comparison() {
        let listed =
            Dn::parse("CN=mta1.exemple.fr,OU=12345678200010,O=OPERATEUR EXEMPLE,ST=Exemple (99),C=FR").unwrap();
        for same in [
            "cn=MTA1.exemple.fr, ou=12345678200010, o=Operateur  Exemple, st=Exemple (99), c=fr",
            "commonName=mta1.exemple.fr,2.5.4.11=12345678200010,O=OPERATEUR\\20EXEMPLE,S=Exemple (99),C=FR",
        ] {
            assert_eq!(Dn::parse(same).unwrap(), listed, "{same}");
        }
        for other in [
            "CN=mta1.exemple.fr,OU=12345678200011,O=OPERATEUR EXEMPLE,ST=Exemple (99),C=FR",
            "CN=mta1.exemple.fr,O=OPERATEUR EXEMPLE,ST=Exemple (99),C=FR",
            "C=FR,ST=Exemple (99),O=OPERATEUR EXEMPLE,OU=12345678200010,CN=mta1.exemple.fr",
        ] {
            let d = Dn::parse(other).unwrap();
            assert_ne!(d, listed, "{other}");
            assert!(d.same_cn(&listed));
        }
        assert_eq!(listed.value("commonName").as_deref(), Some("mta1.exemple.fr"));
        let cert = Dn::from_attributes([("CN", "a,b"), ("O", " x ")]).unwrap();
        assert_eq!(Dn::parse(&cert.to_string()).unwrap(), cert);
        assert_eq!(cert.value("CN").as_deref(), Some("a,b"));
    }

    #[test]
    fn escapes_and_errors() {
        let d = Dn::parse("CN=a\\,b,C=FR").unwrap();
        assert_eq!(d.cn(), Some("a\\,b"));
        for bad in ["", "CN", "=x", "CN=a,,C=FR", "CN=,O="] {
            assert!(Dn::parse(bad).is_err(), "{bad}");
        }
    }
}
