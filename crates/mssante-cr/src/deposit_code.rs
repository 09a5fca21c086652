//! The deposit codes (`D4xx`): why a deposited file is refused as a whole.
//! They belong to this crate; record-level codes stay in
//! [`mssante_bal::Code`]. Listed in `docs/error-codes.md`.

use mssante_bal::{Issue, StableCode};
use std::fmt;

/// A deposit problem, at the file level (`D4xx`): an [`Issue`] whose code is a
/// [`DepositCode`].
pub type DepositIssue = Issue<DepositCode>;

/// Stable deposit codes. The string form (`"D407"`) never changes once
/// published; new codes are only added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DepositCode {
    /// A deposited file's name does not follow the feed pattern.
    FileName,
    /// The operator in the file name is not the depositing operator.
    OperatorMismatch,
    /// The deposited file is not valid UTF-8.
    NotUtf8,
    /// The deposited file has no usable header (missing, a required column
    /// absent, a column twice, too long).
    Header,
    /// The deposited file is larger than the size limit.
    TooLarge,
    /// The deposited file is empty or holds no record.
    Empty,
    /// The deposited file is an exact copy of a file already deposited.
    Duplicate,
    /// The depositing operator identifier is not valid.
    OperatorInvalid,
    /// The deposited file has more data lines than the record limit.
    TooManyRecords,
    /// Most data lines of the deposited file are blank.
    MostlyBlank,
}

impl DepositCode {
    /// Every code, in catalogue order.
    pub const ALL: &'static [DepositCode] = &[
        DepositCode::FileName,
        DepositCode::OperatorMismatch,
        DepositCode::NotUtf8,
        DepositCode::Header,
        DepositCode::TooLarge,
        DepositCode::Empty,
        DepositCode::Duplicate,
        DepositCode::OperatorInvalid,
        DepositCode::TooManyRecords,
        DepositCode::MostlyBlank,
    ];

    /// The stable string form, e.g. `"D407"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DepositCode::FileName => "D401",
            DepositCode::OperatorMismatch => "D402",
            DepositCode::NotUtf8 => "D403",
            DepositCode::Header => "D404",
            DepositCode::TooLarge => "D405",
            DepositCode::Empty => "D406",
            DepositCode::Duplicate => "D407",
            DepositCode::OperatorInvalid => "D408",
            DepositCode::TooManyRecords => "D409",
            DepositCode::MostlyBlank => "D410",
        }
    }

    /// Looks a code up by its string form.
    pub fn from_code(s: &str) -> Option<DepositCode> {
        DepositCode::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl StableCode for DepositCode {
    fn as_str(self) -> &'static str {
        DepositCode::as_str(self)
    }
    fn from_code(s: &str) -> Option<Self> {
        DepositCode::from_code(s)
    }
}

impl fmt::Display for DepositCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for DepositCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for DepositCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        DepositCode::from_code(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown deposit code {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_round_trip_and_apart_from_the_record_codes() {
        let mut seen = std::collections::HashSet::new();
        for c in DepositCode::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {c}");
            assert_eq!(DepositCode::from_code(c.as_str()), Some(*c));
            assert_eq!(mssante_bal::Code::from_code(c.as_str()), None, "{c} is still a record code");
        }
        assert_eq!(seen.len(), 10);
    }
}
