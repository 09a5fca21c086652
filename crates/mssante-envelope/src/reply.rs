//! An SMTP reply and its class (RFC 5321 §4.2, RFC 3463); parsed by
//! [`Reply::parse`](crate::retry), which lives with the retry rules so that
//! this data type depends on nothing.

/// What a reply means for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// 2xx: accepted.
    Success,
    /// 4xx (or a temporary 552): retry later.
    Transient,
    /// 5xx: do not retry.
    Permanent,
    /// 421 or no connection: the destination is unavailable, retry the destination.
    Connection,
}

/// An SMTP reply line: code, optional enhanced status code, text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The basic code (200–599).
    pub code: u16,
    /// `class.subject.detail` (RFC 3463), when given.
    pub enhanced: Option<(u8, u16, u16)>,
    /// The text.
    pub text: String,
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some((c, s, d)) = self.enhanced {
            write!(f, " {c}.{s}.{d}")?;
        }
        write!(f, " {}", self.text)
    }
}

impl Reply {
    /// Its class.
    pub fn class(&self) -> Class {
        match self.code {
            421 => Class::Connection,
            552 if self.enhanced == Some((5, 5, 3))
                || self.text.to_ascii_lowercase().contains("too many recipients") =>
            {
                Class::Transient
            }
            200..=399 => Class::Success,
            400..=499 => Class::Transient,
            _ => match self.enhanced {
                Some((4, _, _)) => Class::Transient,
                _ => Class::Permanent,
            },
        }
    }
}
