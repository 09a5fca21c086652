//! The crate's error type and the stable codes of the directory state.
//!
//! Record-level and file-level *findings* (a rejected line, a refused deposit)
//! are not errors: they are [`mssante_bal::Issue`]s inside the reports. An
//! [`Error`] means the operation itself could not be carried out: the state
//! is absent, locked or damaged, a report does not parse, I/O failed.

use std::path::PathBuf;
use std::time::Duration;

mssante_types::stable_codes! {
    /// Stable codes of the directory state (`S7xx`), listed in
    /// `docs/error-codes.md`. They name why a state could not be used, why a
    /// deposit could not be integrated, and what `verify` found.
    pub enum StateCode {
        /// The folder is not empty and is not a state (no marker).
        NotAState = "S701",
        /// The state does not exist (a folder that is absent, a database without
        /// the schema) and the operation does not create one.
        Absent = "S702",
        /// The state's marker is there but its manifest is missing.
        ManifestMissing = "S703",
        /// The manifest (or the schema) does not parse, is of another format or
        /// version, or contradicts itself.
        ManifestCorrupt = "S704",
        /// A path in the ledger leaves the state folder or is not a name the state
        /// writes.
        PathOutside = "S705",
        /// The state stayed locked by another process longer than the wait limit.
        Locked = "S706",
        /// A stored deposit's content does not match its SHA-256 or size.
        ContentMismatch = "S707",
        /// A stored deposit's content is missing.
        ContentMissing = "S708",
        /// An operator's directory file is missing, unreadable or does not match
        /// the ledger.
        DirectoryMismatch = "S709",
        /// A report file is missing, unreadable or does not match the ledger.
        ReportMismatch = "S710",
        /// A file in the state folder that the ledger does not name.
        Unreferenced = "S711",
        /// An instant outside the accepted window (2000-01-01 to 2099-12-31).
        InstantOutOfRange = "S712",
        /// The database backend failed.
        Backend = "S713",
        /// The database schema is newer than this version of the crate.
        SchemaTooNew = "S714",
        /// A deposit is unknown, or already integrated or failed, for this step.
        LedgerConflict = "S715",
        /// The state already exists where one was to be created.
        AlreadyExists = "S716",
        /// A deposit older (business date, deposit time) than a file of the same
        /// operator already integrated: integrating it would take the operator's
        /// BALs back in time.
        Superseded = "S717",
    }
}

mssante_types::stable_codes_serde!(StateCode);

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
