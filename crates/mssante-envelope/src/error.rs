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
    /// A CR, LF or other control character in a message value.
    #[error("{field} has the control character {character:?} at byte {offset}: refused, never rewritten")]
    Control {
        /// Which value (`display name`, `subject`, a header name…).
        field: String,
        /// Byte offset of the character in the value.
        offset: usize,
        /// The character.
        character: char,
    },
    /// A value that does not have the form its field needs.
    #[error("{field} cannot be {value:?}")]
    Value {
        /// Which value.
        field: String,
        /// As given.
        value: String,
    },
    /// An extra header whose name is malformed or written by the library itself.
    #[error("{0:?} cannot be an extra header name (malformed, or reserved: Bcc, From, Content-*, X-MSS-*…)")]
    HeaderName(String),
    /// The MIME boundary given occurs in a text part.
    #[error("the boundary {0:?} occurs in the message text")]
    BoundaryInBody(String),
    /// The message is larger than the destination accepts.
    #[error("the message is {size} bytes, more than the limit of {limit}")]
    TooLarge {
        /// Message size in bytes.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A budget that cannot be honoured (e.g. a lane left without capacity).
    #[error("budget: {0}")]
    Budget(String),
    /// An SMTP exchange failed.
    #[error("SMTP: {0}")]
    Smtp(String),
}

impl Error {
    /// The stable code of this error (see `docs/error-codes.md`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Syntax { .. } => "M601",
            Error::Address { .. } => "M602",
            Error::NoRecipient => "M603",
            Error::EnvidTooLong(_) | Error::EnvidEmpty => "M604",
            Error::EmptyNotify => "M605",
            Error::Control { .. } => "M606",
            Error::Value { .. } => "M607",
            Error::HeaderName(_) => "M608",
            Error::BoundaryInBody(_) => "M609",
            Error::TooLarge { .. } => "M610",
            Error::Budget(_) => "M611",
            Error::Smtp(_) => "M612",
        }
    }
}
