//! The crate's error type.

use crate::reply::Reply;
use std::fmt;

/// The step of an SMTP exchange a reply answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stage {
    /// The server's greeting (`220`).
    Greeting,
    /// `EHLO`.
    Ehlo,
    /// `MAIL FROM`.
    MailFrom,
    /// `DATA` (the `354` go-ahead).
    Data,
    /// `QUIT`.
    Quit,
    /// `STARTTLS`.
    StartTls,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Greeting => "greeting",
            Stage::Ehlo => "EHLO",
            Stage::MailFrom => "MAIL FROM",
            Stage::Data => "DATA",
            Stage::Quit => "QUIT",
            Stage::StartTls => "STARTTLS",
        })
    }
}

/// Why an envelope cannot be built or read, or an SMTP exchange failed.
#[derive(Debug, thiserror::Error)]
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
    /// A header that is written without folding would make a line longer
    /// than RFC 5322 allows (998 octets).
    #[error("{field}: the header line would be {len} octets, more than the {max} RFC 5322 allows")]
    LineTooLong {
        /// The header.
        field: String,
        /// Its line length, `Name: value`.
        len: usize,
        /// The limit (998).
        max: usize,
    },
    /// The server refused a step of the exchange; the reply is kept whole
    /// (classify it with [`Reply::class`]).
    #[error("SMTP {stage} refused: {reply}")]
    Rejected {
        /// The step refused.
        stage: Stage,
        /// The server's reply.
        reply: Reply,
    },
    /// Reading from or writing to the connection failed.
    #[error("SMTP connection: {0}")]
    Io(#[from] std::io::Error),
    /// The server closed the connection in the middle of the exchange.
    #[error("SMTP: the server closed the connection")]
    Closed,
    /// The message needs an extension the server does not offer.
    #[error("SMTP: the server does not offer {0}, needed by this message")]
    MissingExtension(&'static str),
    /// A delivery status notification that does not follow RFC 3464.
    #[error("DSN, line {line} of the delivery-status part: {message}")]
    Dsn {
        /// 1-based line in the `message/delivery-status` part (0: the
        /// message as a whole).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The peer is refused by the trust checks (`T901`–`T911`): it received
    /// nothing of the message.
    #[cfg(feature = "tls")]
    #[error("peer refused: {0}")]
    Untrusted(Box<crate::tls::Refusal>),
    /// Trust material that cannot be used (`T921`–`T925`).
    #[cfg(feature = "tls")]
    #[error("trust material: {0}")]
    Material(#[from] crate::tls::MaterialError),
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
            Error::Rejected { .. } => "M612",
            Error::Io(_) => "M613",
            Error::Closed => "M614",
            Error::MissingExtension(_) => "M615",
            Error::LineTooLong { .. } => "M616",
            Error::Dsn { .. } => "M617",
            #[cfg(feature = "tls")]
            Error::Untrusted(r) => r.code.as_str(),
            #[cfg(feature = "tls")]
            Error::Material(m) => m.code.as_str(),
        }
    }
}
