//! The operator feed file, format v1 (`docs/formats/bal-feed.md`).
//!
//! The records are read with [`crate::Reader`] and written with [`crate::Writer`]
//! under [`crate::Format::Feed`]; this module holds what is specific to the feed:
//! the file-name pattern.
//!
//! ```text
//! BALMSS_<operator>_<YYYYMMDDhhmmss>.txt      (timestamp in UTC)
//! ```
//!
//! ```
//! use mssante_bal::feed::FeedFileName;
//! let n: FeedFileName = "BALMSS_OPE-12345678200010_20201211183000.txt".parse().unwrap();
//! assert_eq!(n.operator(), "OPE-12345678200010");
//! assert_eq!(n.generated_at().to_string(), "2020-12-11 18:30:00 UTC");
//! assert_eq!(n.to_string(), "BALMSS_OPE-12345678200010_20201211183000.txt");
//! ```

use crate::error::Error;
use chrono::{DateTime, NaiveDateTime, Utc};
use std::fmt;
use std::str::FromStr;

/// File-name prefix.
pub const PREFIX: &str = "BALMSS_";
/// File-name extension.
pub const EXTENSION: &str = ".txt";
/// Longest operator identifier.
pub const MAX_OPERATOR: usize = 64;
const STAMP: &str = "%Y%m%d%H%M%S";

/// The generation time type of a feed file name (UTC), re-exported so callers need
/// not depend on `chrono` directly.
pub type Timestamp = DateTime<Utc>;

/// A feed file name: the operator and the generation time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeedFileName {
    operator: String,
    generated_at: DateTime<Utc>,
}

/// True when `op` is a valid operator identifier: 1 to 64 of `[A-Za-z0-9-]`.
pub fn is_operator_id(op: &str) -> bool {
    !op.is_empty() && op.len() <= MAX_OPERATOR && op.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl FeedFileName {
    /// A name for `operator` (`[A-Za-z0-9-]{1,64}`) generated at `at` (seconds kept).
    pub fn new(operator: &str, at: DateTime<Utc>) -> Result<Self, Error> {
        if !is_operator_id(operator) {
            return Err(Error::FileName {
                name: operator.to_owned(),
                reason: "operator must be 1 to 64 of [A-Za-z0-9-]",
            });
        }
        let generated_at = at.with_timezone(&Utc);
        let secs = generated_at.timestamp();
        let generated_at = DateTime::from_timestamp(secs, 0).unwrap_or(generated_at);
        Ok(FeedFileName { operator: operator.to_owned(), generated_at })
    }

    /// The operator identifier.
    pub fn operator(&self) -> &str {
        &self.operator
    }

    /// The generation time (UTC, whole seconds).
    pub fn generated_at(&self) -> DateTime<Utc> {
        self.generated_at
    }
}

impl FromStr for FeedFileName {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Error> {
        let err = |reason| Error::FileName { name: name.to_owned(), reason };
        let rest = name.strip_prefix(PREFIX).ok_or_else(|| err("must start with BALMSS_"))?;
        let rest = rest.strip_suffix(EXTENSION).ok_or_else(|| err("must end with .txt"))?;
        let (op, stamp) =
            rest.rsplit_once('_').ok_or_else(|| err("expected BALMSS_<operator>_<YYYYMMDDhhmmss>.txt"))?;
        if !is_operator_id(op) {
            return Err(err("operator must be 1 to 64 of [A-Za-z0-9-]"));
        }
        if stamp.len() != 14 || !stamp.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("timestamp must be 14 digits YYYYMMDDhhmmss"));
        }
        let naive =
            NaiveDateTime::parse_from_str(stamp, STAMP).map_err(|_| err("timestamp is not a valid date and time"))?;
        Ok(FeedFileName { operator: op.to_owned(), generated_at: naive.and_utc() })
    }
}

impl fmt::Display for FeedFileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{}_{}{EXTENSION}", self.operator, self.generated_at.format(STAMP))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_names() {
        for bad in [
            "BALMSS__20201211183000.txt",
            "BALMSS_OP_2020121118300.txt",
            "BALMSS_OP_20201311183000.txt",
            "BALMSS_OP_20201211183000.csv",
            "BAL_OP_20201211183000.txt",
            "BALMSS_O P_20201211183000.txt",
        ] {
            assert!(bad.parse::<FeedFileName>().is_err(), "{bad}");
        }
        assert!(FeedFileName::new("bad_op", DateTime::from_timestamp(0, 0).unwrap()).is_err());
    }
}
