//! BAL types (terminology TRE_R257).

use std::borrow::Cow;
use std::fmt;

/// The type of a BAL (TRE_R257 "TypeBAL").
///
/// An unknown code is kept raw in [`BalType::Unknown`] so that a file can be
/// re-emitted byte for byte; validation flags it with a warning.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BalType<'a> {
    /// `PER`: personal BAL, held by one person (RPPS or ADELI).
    Per,
    /// `ORG`: organisational BAL of a service or team of a legal entity.
    Org,
    /// `APP`: applicative BAL (software or machine).
    App,
    /// `CAB`: BAL of a practice shared by liberal practitioners (since 2023-11-24).
    Cab,
    /// A code outside TRE_R257, kept as written. Never empty.
    Unknown(Cow<'a, str>),
}

impl<'a> BalType<'a> {
    /// Parses a code; `None` when it is empty. Codes are case-sensitive
    /// (`per` is an unknown code).
    pub fn parse(code: &'a str) -> Option<Self> {
        Some(match code {
            "" => return None,
            "PER" => BalType::Per,
            "ORG" => BalType::Org,
            "APP" => BalType::App,
            "CAB" => BalType::Cab,
            other => BalType::Unknown(Cow::Borrowed(other)),
        })
    }

    /// The code as written.
    pub fn code(&self) -> &str {
        match self {
            BalType::Per => "PER",
            BalType::Org => "ORG",
            BalType::App => "APP",
            BalType::Cab => "CAB",
            BalType::Unknown(s) => s,
        }
    }

    /// The TRE_R257 label, `None` for an unknown code.
    pub fn label(&self) -> Option<&'static str> {
        Some(match self {
            BalType::Per => "Boîte aux lettres personnelle",
            BalType::Org => "Boîte aux lettres organisationnelle",
            BalType::App => "Boîte aux lettres applicative",
            BalType::Cab => "Boîte aux lettres cabinet",
            BalType::Unknown(_) => return None,
        })
    }

    /// True for a TRE_R257 code.
    pub fn is_known(&self) -> bool {
        !matches!(self, BalType::Unknown(_))
    }

    /// Copies any borrowed data.
    pub fn into_owned(self) -> BalType<'static> {
        match self {
            BalType::Per => BalType::Per,
            BalType::Org => BalType::Org,
            BalType::App => BalType::App,
            BalType::Cab => BalType::Cab,
            BalType::Unknown(s) => BalType::Unknown(Cow::Owned(s.into_owned())),
        }
    }
}

impl fmt::Display for BalType<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        for code in ["PER", "ORG", "APP", "CAB", "XYZ", "per"] {
            let t = BalType::parse(code).expect("non-empty");
            assert_eq!(t.to_string(), code);
        }
        assert_eq!(BalType::parse(""), None);
        assert!(!BalType::parse("per").unwrap().is_known());
        assert_eq!(BalType::parse("CAB").unwrap().label(), Some("Boîte aux lettres cabinet"));
    }
}
