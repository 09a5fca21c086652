//! Identifiers of persons and structures, with their check digits.
//!
//! Shapes (length, character class) are always enforced by `parse`. Check digits
//! follow `identifiers.md`:
//!
//! | Type | Shape | Key | Key enforced by `parse` |
//! |---|---|---|---|
//! | [`Rpps`] | 11 digits | Luhn (reported) | no: [`Rpps::key_is_valid`] |
//! | [`Adeli`] | 9 chars, `2A`/`2B` allowed | Luhn (assumed) | no: [`Adeli::key_is_valid`] |
//! | [`Finess`] | `[0-9][0-9A-Z][0-9]{7}` | Luhn (assumed) | no: [`Finess::key_is_valid`] |
//! | [`Siren`] | 9 digits | Luhn (confirmed) | yes |
//! | [`Siret`] | 14 digits | Luhn on 14 and on the SIREN, La Poste rule (confirmed) | yes |

use std::fmt;

/// Why an identifier does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// Wrong length or character class.
    #[error("expected {expected}")]
    Shape {
        /// Description of the expected shape.
        expected: &'static str,
    },
    /// The (confirmed) check digit is wrong.
    #[error("check digit is wrong")]
    CheckDigit,
}

/// Luhn (mod 10) over ASCII digits; the rightmost digit is the key.
///
/// ```
/// assert!(mssante_bal::luhn_is_valid(b"10000000009"));
/// assert!(!mssante_bal::luhn_is_valid(b"10000000008"));
/// ```
pub fn luhn_is_valid(digits: &[u8]) -> bool {
    luhn_sum(digits).is_some_and(|s| s % 10 == 0)
}

fn luhn_sum(digits: &[u8]) -> Option<u32> {
    let mut sum = 0u32;
    for (i, &b) in digits.iter().rev().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    Some(sum)
}

/// The Luhn key to append to `digits` (ASCII digits) to make a valid number.
pub fn luhn_key(digits: &[u8]) -> Option<u8> {
    let mut v = digits.to_vec();
    v.push(b'0');
    let s = luhn_sum(&v)?;
    Some(((10 - s % 10) % 10) as u8)
}

macro_rules! fixed_id {
    ($(#[$doc:meta])* $name:ident, $len:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; $len]);

        impl $name {
            /// Length in characters.
            pub const LEN: usize = $len;

            /// The identifier as written.
            pub fn as_str(&self) -> &str {
                // Only ASCII bytes are ever stored (checked by `parse`).
                std::str::from_utf8(&self.0).unwrap_or_default()
            }

            fn from_bytes(s: &str) -> Option<Self> {
                let b: [u8; $len] = s.as_bytes().try_into().ok()?;
                Some($name(b))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                $name::parse(s)
            }
        }
    };
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// Département-style prefix then digits: `[0-9][0-9A-Z]` + digits.
fn finess_shape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 9
        && b[0].is_ascii_digit()
        && (b[1].is_ascii_digit() || b[1].is_ascii_uppercase())
        && b[2..].iter().all(u8::is_ascii_digit)
}

fixed_id!(
    /// RPPS number: 11 digits. The Luhn key is reported, not confirmed: a wrong key
    /// does not prevent parsing.
    ///
    /// ```
    /// use mssante_bal::Rpps;
    /// let r = Rpps::parse("10000000009").unwrap();
    /// assert!(r.key_is_valid());
    /// assert!(!Rpps::parse("10000000008").unwrap().key_is_valid());
    /// assert!(Rpps::parse("1000000000").is_err());
    /// ```
    Rpps, 11
);

impl Rpps {
    /// Parses 11 ASCII digits.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if s.len() == 11 && all_digits(s) {
            Rpps::from_bytes(s).ok_or(IdError::Shape { expected: "11 digits" })
        } else {
            Err(IdError::Shape { expected: "11 digits" })
        }
    }

    /// True when the Luhn key is right.
    pub fn key_is_valid(&self) -> bool {
        luhn_is_valid(&self.0)
    }
}

fixed_id!(
    /// ADELI number: 9 characters, département (2, `2A`/`2B` allowed), profession,
    /// order number and key. Whether Luhn applies is unknown.
    Adeli, 9
);

impl Adeli {
    /// Parses `[0-9][0-9AB][0-9]{7}`.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let b = s.as_bytes();
        if b.len() == 9
            && b[0].is_ascii_digit()
            && (b[1].is_ascii_digit() || (b[0] == b'2' && matches!(b[1], b'A' | b'B')))
            && b[2..].iter().all(u8::is_ascii_digit)
        {
            Adeli::from_bytes(s).ok_or(IdError::Shape { expected: "9 characters" })
        } else {
            Err(IdError::Shape { expected: "9 characters: 2 for the département, 7 digits" })
        }
    }

    /// `Some(true)` when the Luhn key is right; `None` for a Corsican number, for
    /// which no rule is known.
    pub fn key_is_valid(&self) -> Option<bool> {
        all_digits(self.as_str()).then(|| luhn_is_valid(&self.0))
    }
}

fixed_id!(
    /// FINESS number (EJ or EG): `[0-9][0-9A-Z][0-9]{7}` (Etalab FINESS XSD).
    /// Whether Luhn applies is unknown.
    ///
    /// ```
    /// use mssante_bal::Finess;
    /// assert_eq!(Finess::parse("990000002").unwrap().key_is_valid(), Some(true));
    /// assert_eq!(Finess::parse("2A0000001").unwrap().key_is_valid(), None);
    /// ```
    Finess, 9
);

impl Finess {
    /// Parses the FINESS shape.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if finess_shape(s) {
            Finess::from_bytes(s).ok_or(IdError::Shape { expected: "9 characters" })
        } else {
            Err(IdError::Shape { expected: "9 characters: [0-9][0-9A-Z] then 7 digits" })
        }
    }

    /// `Some(true)` when the Luhn key is right; `None` when the number has a letter
    /// (Corsica), for which no rule is known.
    pub fn key_is_valid(&self) -> Option<bool> {
        all_digits(self.as_str()).then(|| luhn_is_valid(&self.0))
    }
}

fixed_id!(
    /// SIREN number: 9 digits with a valid Luhn key (confirmed rule).
    Siren, 9
);

impl Siren {
    /// Parses 9 digits and checks the key.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if s.len() != 9 || !all_digits(s) {
            return Err(IdError::Shape { expected: "9 digits" });
        }
        if !luhn_is_valid(s.as_bytes()) {
            return Err(IdError::CheckDigit);
        }
        Siren::from_bytes(s).ok_or(IdError::Shape { expected: "9 digits" })
    }
}

/// The SIREN of La Poste, whose establishments use a digit-sum rule.
pub const LA_POSTE_SIREN: &str = "356000000";

fixed_id!(
    /// SIRET number: SIREN + NIC, 14 digits; Luhn on the 14 digits and on the SIREN,
    /// or, for La Poste (SIREN 356000000), a digit sum multiple of 5.
    ///
    /// ```
    /// use mssante_bal::Siret;
    /// assert!(Siret::parse("12345678200010").is_ok());
    /// assert!(Siret::parse("35600000000010").is_ok()); // La Poste rule
    /// assert!(Siret::parse("12345678200011").is_err());
    /// ```
    Siret, 14
);

impl Siret {
    /// Parses 14 digits and checks the key.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if s.len() != 14 || !all_digits(s) {
            return Err(IdError::Shape { expected: "14 digits" });
        }
        let b = s.as_bytes();
        let ok = (luhn_is_valid(b) && luhn_is_valid(&b[..9]))
            || (&s[..9] == LA_POSTE_SIREN && b.iter().map(|d| u32::from(d - b'0')).sum::<u32>() % 5 == 0);
        if !ok {
            return Err(IdError::CheckDigit);
        }
        Siret::from_bytes(s).ok_or(IdError::Shape { expected: "14 digits" })
    }

    /// The SIREN part (its key may be invalid under the La Poste rule, so it is
    /// returned as text).
    pub fn siren_str(&self) -> &str {
        &self.as_str()[..9]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_values_of_identifiers_md() {
        for r in ["10000000009", "10999999997", "10000000017"] {
            assert!(Rpps::parse(r).unwrap().key_is_valid(), "{r}");
        }
        assert_eq!(Adeli::parse("991000019").unwrap().key_is_valid(), Some(true));
        assert_eq!(Finess::parse("990000002").unwrap().key_is_valid(), Some(true));
        assert_eq!(Finess::parse("990000010").unwrap().key_is_valid(), Some(true));
        assert!(Siren::parse("123456782").is_ok());
        assert!(Siret::parse("12345678200010").is_ok());
        assert!(Siret::parse("12345678200028").is_ok());
        // La Poste: fails Luhn, digit sum 15.
        assert!(!luhn_is_valid(b"35600000000010"));
        assert!(Siret::parse("35600000000010").is_ok());
        assert_eq!(Siret::parse("35600000000011"), Err(IdError::CheckDigit));
    }

    #[test]
    fn shapes_are_enforced() {
        assert!(Rpps::parse("1000000000a").is_err());
        assert!(Rpps::parse("").is_err());
        assert!(Adeli::parse("2A1000019").is_ok());
        assert!(Adeli::parse("3A1000019").is_err());
        assert!(Finess::parse("2B0000001").is_ok());
        assert!(Finess::parse("A90000001").is_err());
        assert_eq!(Siren::parse("123456789"), Err(IdError::CheckDigit));
        assert!(matches!(Siren::parse("12345678"), Err(IdError::Shape { .. })));
        assert!(matches!(Siret::parse("1234567820001x"), Err(IdError::Shape { .. })));
    }

    #[test]
    fn luhn_key_completes_numbers() {
        assert_eq!(luhn_key(b"1000000000"), Some(9));
        assert_eq!(luhn_key(b"12345678"), Some(2));
        assert_eq!(luhn_key(b"12a"), None);
    }
}
