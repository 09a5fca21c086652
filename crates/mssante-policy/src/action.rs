//! The answer to a policy request: `action=…` then an empty line.
//!
//! ```
//! use mssante_policy::action::{Action, Status};
//! let a = Action::reject(Status::new(5, 7, 1).unwrap(), "P201 hors de l'espace de confiance");
//! assert_eq!(a.response(), "action=REJECT 5.7.1 P201 hors de l'espace de confiance\n\n");
//! assert_eq!(Action::parse_response(a.response().as_bytes()).unwrap(), a);
//! assert_eq!(Action::dunno().response(), "action=DUNNO\n\n");
//! ```

use crate::error::Error;
use std::fmt;

/// An RFC 3463 enhanced status code `class.subject.detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Status {
    class: u8,
    subject: u16,
    detail: u16,
}

impl Status {
    /// `5.7.1`: delivery not authorized (the policy's refusals).
    pub const NOT_AUTHORIZED: Status = Status { class: 5, subject: 7, detail: 1 };
    /// `4.7.1`: not authorized for now (a spent bulk budget).
    pub const NOT_AUTHORIZED_NOW: Status = Status { class: 4, subject: 7, detail: 1 };
    /// `4.3.5`: system incorrectly configured (an unreadable request).
    pub const SYSTEM_CONFIGURATION: Status = Status { class: 4, subject: 3, detail: 5 };

    /// A status; `None` unless the class is 2, 4 or 5 and subject and detail
    /// are at most 999.
    pub fn new(class: u8, subject: u16, detail: u16) -> Option<Status> {
        (matches!(class, 2 | 4 | 5) && subject <= 999 && detail <= 999).then_some(Status { class, subject, detail })
    }

    /// 2 (success), 4 (temporary) or 5 (permanent).
    pub fn class(self) -> u8 {
        self.class
    }

    /// Parses `5.7.1`.
    pub fn parse(s: &str) -> Option<Status> {
        let mut parts = s.split('.');
        let class = parts.next()?;
        let subject = parts.next()?;
        let detail = parts.next()?;
        if parts.next().is_some() || class.len() != 1 {
            return None;
        }
        let digits = |p: &str| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(subject) || !digits(detail) {
            return None;
        }
        Status::new(class.parse().ok()?, subject.parse().ok()?, detail.parse().ok()?)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// What Postfix is told to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Verb {
    /// No opinion: Postfix goes on with its next restriction.
    Dunno,
    /// Accept at this restriction stage (relay control stays with
    /// `smtpd_relay_restrictions`).
    Ok,
    /// Refuse permanently (`5xx`).
    Reject,
    /// Refuse temporarily (`4xx`) if the rest of the restrictions would accept.
    DeferIfPermit,
}

impl Verb {
    /// The word Postfix reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Dunno => "DUNNO",
            Verb::Ok => "OK",
            Verb::Reject => "REJECT",
            Verb::DeferIfPermit => "DEFER_IF_PERMIT",
        }
    }
}

/// Longest text kept in a reply (Postfix's reply lines are limited; a
/// longer text is cut at a character boundary).
pub const MAX_TEXT: usize = 400;

/// An action: a verb, and for refusals an enhanced status and a text. The
/// text holds no control character and is at most [`MAX_TEXT`] bytes, so the
/// response is always one line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Action {
    verb: Verb,
    status: Option<Status>,
    text: String,
}

/// The text made safe for a reply line: control characters become spaces,
/// runs of spaces one space, cut to [`MAX_TEXT`] bytes.
pub fn reply_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_TEXT));
    for word in s.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty()) {
        let sep = usize::from(!out.is_empty());
        if out.len() + sep + word.len() > MAX_TEXT {
            let room = MAX_TEXT.saturating_sub(out.len() + sep);
            let cut = word.char_indices().map(|(i, c)| i + c.len_utf8()).take_while(|&end| end <= room).last();
            if let Some(end) = cut {
                if sep == 1 {
                    out.push(' ');
                }
                out.push_str(&word[..end]);
            }
            break;
        }
        if sep == 1 {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

impl Action {
    /// `DUNNO`.
    pub fn dunno() -> Action {
        Action { verb: Verb::Dunno, status: None, text: String::new() }
    }

    /// `OK`.
    pub fn ok() -> Action {
        Action { verb: Verb::Ok, status: None, text: String::new() }
    }

    /// `REJECT status text`; a status whose class is not 5 is made 5.
    pub fn reject(status: Status, text: &str) -> Action {
        let status = Status { class: 5, ..status };
        Action { verb: Verb::Reject, status: Some(status), text: reply_text(text) }
    }

    /// `DEFER_IF_PERMIT status text`; a status whose class is not 4 is made 4.
    pub fn defer_if_permit(status: Status, text: &str) -> Action {
        let status = Status { class: 4, ..status };
        Action { verb: Verb::DeferIfPermit, status: Some(status), text: reply_text(text) }
    }

    /// The verb.
    pub fn verb(&self) -> Verb {
        self.verb
    }

    /// The enhanced status (refusals only).
    pub fn status(&self) -> Option<Status> {
        self.status
    }

    /// The text (empty for `DUNNO` and `OK`).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The response lines: `action=…\n\n`.
    pub fn response(&self) -> String {
        format!("action={self}\n\n")
    }

    /// Parses a response (`action=…` then an empty line), as Postfix reads
    /// what this crate writes.
    pub fn parse_response(input: &[u8]) -> Result<Action, Error> {
        let s = std::str::from_utf8(input).map_err(|e| Error::syntax(1, e.valid_up_to() + 1, "not UTF-8"))?;
        let Some(body) = s.strip_suffix("\n\n") else {
            return Err(Error::syntax(1, s.len() + 1, "a response ends with an empty line"));
        };
        let Some(value) = body.strip_prefix("action=") else {
            return Err(Error::syntax(1, 1, "a response is one action=… line"));
        };
        if let Some(at) = value.find(|c: char| c.is_control()) {
            return Err(Error::syntax(1, "action=".len() + at + 1, "a control character in the action"));
        }
        let (verb, rest) = value.split_once(' ').unwrap_or((value, ""));
        let column = "action=".len() + verb.len() + 2;
        let (status_text, text) = rest.split_once(' ').unwrap_or((rest, ""));
        let refusal = |make: fn(Status, &str) -> Action| {
            let status =
                Status::parse(status_text).ok_or_else(|| Error::syntax(1, column, "an enhanced status code"))?;
            let action = make(status, text);
            if action.status != Some(status) || action.text != text {
                return Err(Error::syntax(1, column, "not a response this crate writes"));
            }
            Ok(action)
        };
        match verb {
            "DUNNO" if rest.is_empty() => Ok(Action::dunno()),
            "OK" if rest.is_empty() => Ok(Action::ok()),
            "REJECT" => refusal(Action::reject),
            "DEFER_IF_PERMIT" => refusal(Action::defer_if_permit),
            _ => Err(Error::syntax(1, "action=".len() + 1, format!("unknown action {verb:?}"))),
        }
    }
}

impl fmt::Display for Action {
    /// What follows `action=`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.verb.as_str())?;
        if let Some(status) = self.status {
            write!(f, " {status}")?;
        }
        if !self.text.is_empty() {
            write!(f, " {}", self.text)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_one_safe_line() {
        let a = Action::reject(Status::new(5, 7, 1).unwrap(), "P101 a\r\nb\tc\u{7}d  ");
        assert_eq!(a.text(), "P101 a b c d");
        let long = "é".repeat(1000);
        let t = reply_text(&long);
        assert!(t.len() <= MAX_TEXT && t.chars().all(|c| c == 'é'));
    }

    #[test]
    fn the_class_follows_the_verb() {
        let s = Status::new(2, 7, 1).unwrap();
        assert_eq!(Action::reject(s, "x").status().unwrap().to_string(), "5.7.1");
        assert_eq!(Action::defer_if_permit(s, "x").status().unwrap().to_string(), "4.7.1");
    }

    #[test]
    fn statuses_parse_strictly() {
        assert_eq!(Status::parse("4.7.28").unwrap().to_string(), "4.7.28");
        for bad in ["3.7.1", "5.7", "5.7.1.1", "5.x.1", "5.7.1000", "55.7.1", "5..1"] {
            assert_eq!(Status::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn responses_that_are_not_ours_are_refused() {
        for bad in
            [&b"action=DUNNO\n"[..], b"action=DUNNO x\n\n", b"action=FOO\n\n", b"foo=DUNNO\n\n", b"action=REJECT x\n\n"]
        {
            assert!(Action::parse_response(bad).is_err(), "{bad:?}");
        }
    }
}
