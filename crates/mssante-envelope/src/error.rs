//! The crate's error type.

/// Why an envelope cannot be built or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A command line does not parse.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line among those given.
        line: usize,
        /// 1-based character column where the problem starts.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// An address is not an RFC 5321 mailbox.
    #[error("{address:?} is not a mailbox: {reason}")]
    Address {
        /// As given.
        address: String,
        /// Why.
        reason: String,
    },
    /// An envelope needs at least one forward path.
    #[error("an envelope needs at least one recipient")]
    NoRecipient,
    /// An ENVID longer than 100 characters once encoded (RFC 3461 §4.4).
    #[error("ENVID is {0} characters once xtext-encoded, more than 100")]
    EnvidTooLong(usize),
    /// An empty ENVID.
    #[error("ENVID cannot be empty")]
    EnvidEmpty,
    /// `NOTIFY` with no condition.
    #[error("NOTIFY needs NEVER or at least one of SUCCESS, FAILURE, DELAY")]
    EmptyNotify,
}
