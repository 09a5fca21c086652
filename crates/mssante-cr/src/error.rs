//! The crate's error type and the stable codes of the directory state.
//!
//! Record-level and file-level *findings* (a rejected line, a refused deposit)
//! are not errors: they are [`mssante_bal::Issue`]s inside the reports. An
//! [`Error`] means the operation itself could not be carried out: the state
//! is absent, locked or damaged, a report does not parse, I/O failed.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Stable codes of the directory state (`S7xx`), listed in
/// `docs/error-codes.md`. They name why a state could not be used, why a
/// deposit could not be integrated, and what `verify` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum StateCode {
    /// The folder is not empty and is not a state (no marker).
    NotAState,
    /// The state does not exist (a folder that is absent, a database without
    /// the schema) and the operation does not create one.
    Absent,
    /// The state's marker is there but its manifest is missing.
    ManifestMissing,
    /// The manifest (or the schema) does not parse, is of another format or
    /// version, or contradicts itself.
    ManifestCorrupt,
    /// A path in the ledger leaves the state folder or is not a name the state
    /// writes.
    PathOutside,
    /// The state stayed locked by another process longer than the wait limit.
    Locked,
    /// A stored deposit's content does not match its SHA-256 or size.
    ContentMismatch,
    /// A stored deposit's content is missing.
    ContentMissing,
    /// An operator's directory file is missing, unreadable or does not match
    /// the ledger.
    DirectoryMismatch,
    /// A report file is missing, unreadable or does not match the ledger.
    ReportMismatch,
    /// A file in the state folder that the ledger does not name.
    Unreferenced,
    /// An instant outside the accepted window (2000-01-01 to 2099-12-31).
    InstantOutOfRange,
    /// The database backend failed.
    Backend,
    /// The database schema is newer than this version of the crate.
    SchemaTooNew,
    /// A deposit is unknown, or already integrated or failed, for this step.
    LedgerConflict,
    /// The state already exists where one was to be created.
    AlreadyExists,
    /// A deposit older (business date, deposit time) than a file of the same
    /// operator already integrated: integrating it would take the operator's
    /// BALs back in time.
    Superseded,
}

impl StateCode {
    /// Every code, in catalogue order.
    pub const ALL: [StateCode; 17] = [
        StateCode::NotAState,
        StateCode::Absent,
        StateCode::ManifestMissing,
        StateCode::ManifestCorrupt,
        StateCode::PathOutside,
        StateCode::Locked,
        StateCode::ContentMismatch,
        StateCode::ContentMissing,
        StateCode::DirectoryMismatch,
        StateCode::ReportMismatch,
        StateCode::Unreferenced,
        StateCode::InstantOutOfRange,
        StateCode::Backend,
        StateCode::SchemaTooNew,
        StateCode::LedgerConflict,
        StateCode::AlreadyExists,
        StateCode::Superseded,
    ];

    /// The code as written in reports, JSON and docs (`S701`).
    pub fn as_str(self) -> &'static str {
        match self {
            StateCode::NotAState => "S701",
            StateCode::Absent => "S702",
            StateCode::ManifestMissing => "S703",
            StateCode::ManifestCorrupt => "S704",
            StateCode::PathOutside => "S705",
            StateCode::Locked => "S706",
            StateCode::ContentMismatch => "S707",
            StateCode::ContentMissing => "S708",
            StateCode::DirectoryMismatch => "S709",
            StateCode::ReportMismatch => "S710",
            StateCode::Unreferenced => "S711",
            StateCode::InstantOutOfRange => "S712",
            StateCode::Backend => "S713",
            StateCode::SchemaTooNew => "S714",
            StateCode::LedgerConflict => "S715",
            StateCode::AlreadyExists => "S716",
            StateCode::Superseded => "S717",
        }
    }

    /// The code of a string such as `S707`.
    pub fn from_code(s: &str) -> Option<StateCode> {
        StateCode::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for StateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StateCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StateCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        StateCode::from_code(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown state code {s:?}")))
    }
}

/// Why an operation could not be carried out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file of the state folder (or a report) could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A BAL file could not be read at all.
    #[error(transparent)]
    Bal(#[from] mssante_bal::Error),
    /// A report (pipe form) does not parse.
    #[error("report line {line}{}: {message}", column.as_deref().map(|c| format!(", column {c:?}")).unwrap_or_default())]
    Report {
        /// 1-based line of the report.
        line: u64,
        /// The column concerned, when one applies.
        column: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// The state cannot be used as asked: absent, not a state, damaged, a
    /// ledger conflict.
    #[error("{code}: {message}")]
    State {
        /// The stable code.
        code: StateCode,
        /// What is wrong, naming the folder, file or deposit.
        message: String,
    },
    /// Another process held the state's lock longer than the wait limit.
    #[error("{}: {path}: still locked by another process after {:.1} s", StateCode::Locked, waited.as_secs_f64())]
    Locked {
        /// The lock file (or the database).
        path: String,
        /// How long this process waited.
        waited: Duration,
    },
    /// The database backend failed.
    #[error("{}: database: {source}", StateCode::Backend)]
    Backend {
        /// The backend's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// JSON (manifest, report) does not parse or cannot be written.
    #[error("JSON at {path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }

    pub(crate) fn report(line: u64, column: Option<&str>, message: impl Into<String>) -> Self {
        Error::Report { line, column: column.map(str::to_owned), message: message.into() }
    }

    pub(crate) fn state(code: StateCode, message: impl Into<String>) -> Self {
        Error::State { code, message: message.into() }
    }

    /// The stable code of this error, when it has one: its state code, the
    /// code of a BAL file error, `F001` for I/O.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Error::Io { .. } => Some(mssante_bal::Code::Io.as_str()),
            Error::Bal(e) => Some(e.code().as_str()),
            _ => self.state_code().map(StateCode::as_str),
        }
    }

    /// The state code of this error, when it has one.
    pub fn state_code(&self) -> Option<StateCode> {
        match self {
            Error::State { code, .. } => Some(*code),
            Error::Locked { .. } => Some(StateCode::Locked),
            Error::Backend { .. } => Some(StateCode::Backend),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_codes_are_unique_and_parse_back() {
        let mut seen = std::collections::BTreeSet::new();
        for c in StateCode::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert_eq!(StateCode::from_code(c.as_str()), Some(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(serde_json::from_str::<StateCode>(&json).unwrap(), c);
        }
        assert_eq!(StateCode::from_code("S700"), None);
    }
}
