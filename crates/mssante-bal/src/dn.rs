//! Certificate distinguished names as written in the liste blanche
//! (`CN=<MTA>,OU=<id>,O=<organisation>,ST=<département>,C=FR`).
//!
//! Grammar (nom): `dn = rdn *( "," *SP rdn )`, `rdn = type "=" value`, where a value
//! runs to the next unescaped `,` and `\` escapes one character. Attribute types
//! compare case-insensitively; spaces around components are not significant, so
//! `"CN=a, O=b"` and `"cn=a,O=b"` are the same DN.

use nom::bytes::complete::{escaped, is_not, take_while1};
use nom::character::complete::{anychar, char, space0};
use nom::combinator::{all_consuming, opt};
use nom::multi::separated_list1;
use nom::sequence::{delimited, separated_pair};
use nom::{IResult, Parser};
use std::fmt;

/// Why a DN does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a distinguished name: {0:?}")]
pub struct DnError(pub String);

/// A distinguished name, kept in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dn {
    rdns: Vec<(String, String)>,
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
        let (_, list) =
            all_consuming(separated_list1(char(','), rdn)).parse(s.trim()).map_err(|_| DnError(s.to_owned()))?;
        let rdns: Vec<(String, String)> =
            list.into_iter().map(|(t, v)| (t.to_ascii_uppercase(), trim_value(v.unwrap_or("")).to_owned())).collect();
        if rdns.iter().all(|(_, v)| v.is_empty()) {
            return Err(DnError(s.to_owned()));
        }
        Ok(Dn { rdns })
    }

    /// The value of the first attribute of the given type (case-insensitive).
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

    /// The components, attribute types upper-cased.
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
    fn escapes_and_errors() {
        let d = Dn::parse("CN=a\\,b,C=FR").unwrap();
        assert_eq!(d.cn(), Some("a\\,b"));
        for bad in ["", "CN", "=x", "CN=a,,C=FR", "CN=,O="] {
            assert!(Dn::parse(bad).is_err(), "{bad}");
        }
    }
}
