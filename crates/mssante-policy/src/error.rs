//! The crate's error type.

/// Why a request, a response or the policy's configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A policy request (or response) does not follow the protocol.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line in the request.
        line: usize,
        /// 1-based byte column where the problem starts.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A request longer than the limit.
    #[error("request longer than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// An attribute name or value that a request cannot carry.
    #[error("attribute {name:?}: {message}")]
    Attribute {
        /// The name, as given.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A configuration value that is not usable (an own domain IDNA refuses,
    /// a line of the bulk senders' file).
    #[error("{what}: {message}")]
    Config {
        /// Which setting, and where (`bulk senders, line 3`).
        what: String,
        /// What is wrong.
        message: String,
    },
    /// The liste blanche cannot be used.
    #[error("liste blanche: {0}")]
    ListeBlanche(String),
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Error {
    pub(crate) fn syntax(line: usize, column: usize, message: impl Into<String>) -> Error {
        Error::Syntax { line, column, message: message.into() }
    }
}
