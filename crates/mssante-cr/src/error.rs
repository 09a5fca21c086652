//! The crate's error type.
//!
//! Record-level and file-level *findings* (a rejected line, a refused deposit)
//! are not errors: they are [`mssante_bal::Issue`]s inside the reports. An
//! [`Error`] means the operation itself could not be carried out: the state
//! folder is unreadable, a report does not parse, I/O failed.

use std::path::PathBuf;

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
    /// The state is inconsistent (a manifest names a file that is missing, a
    /// deposit is unknown, the manifest does not parse).
    #[error("state: {0}")]
    State(String),
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
}
