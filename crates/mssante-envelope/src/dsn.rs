//! Delivery status notifications (RFC 3464): a `multipart/report;
//! report-type=delivery-status` message read into per-recipient outcomes.
//!
//! The MIME structure is read by mail-parser; the `message/delivery-status`
//! part (or `message/global-delivery-status`, RFC 6533) is read here: header
//! style fields, folded lines joined, one group for the message then one
//! group per recipient, separated by blank lines. Every field is kept, known
//! or not. A report without the fields RFC 3464 requires (`Reporting-MTA`;
//! `Final-Recipient`, `Action`, `Status` per recipient) is an error
//! ([`Error::Dsn`], `M617`) with its line.
//!
//! ```
//! use mssante_envelope::dsn::{Action, Report};
//! use mssante_envelope::retry::Class;
//! let raw = b"From: MAILER-DAEMON@mx.exemple.fr\r\n\
//! Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
//! --b\r\nContent-Type: text/plain\r\n\r\nNon remis.\r\n\
//! --b\r\nContent-Type: message/delivery-status\r\n\r\n\
//! Reporting-MTA: dns; mx.exemple.fr\r\nOriginal-Envelope-Id: notice+201\r\n\r\n\
//! Final-Recipient: rfc822; inconnu@ch-exemple.mssante.fr\r\nAction: failed\r\nStatus: 5.1.1\r\n\
//! Diagnostic-Code: smtp; 550 5.1.1 <inconnu@ch-exemple.mssante.fr>: Recipient address rejected\r\n\
//! --b--\r\n";
//! let report = Report::parse(raw).unwrap();
//! assert_eq!(report.envelope_id.as_deref(), Some("notice 1"));
//! let r = &report.recipients[0];
//! assert_eq!((r.action, r.status), (Action::Failed, (5, 1, 1)));
//! assert_eq!(r.class(), Class::Permanent);
//! assert_eq!(r.reply().unwrap().code, 550);
//! ```

use crate::envelope::Envelope;
use crate::error::Error;
use crate::retry::{Class, Reply};
use mail_parser::{MessageParser, MimeHeaders};

/// What the reporting MTA did for a recipient (RFC 3464 §2.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Not delivered, and no further attempt.
    Failed,
    /// Not delivered yet; attempts go on.
    Delayed,
    /// Delivered.
    Delivered,
    /// Relayed to a place that does not send DSNs.
    Relayed,
    /// Delivered and forwarded to several addresses.
    Expanded,
}

impl Action {
    fn parse(s: &str) -> Option<Action> {
        Some(match s.split_whitespace().next()?.to_ascii_lowercase().as_str() {
            "failed" => Action::Failed,
            "delayed" => Action::Delayed,
            "delivered" => Action::Delivered,
            "relayed" => Action::Relayed,
            "expanded" => Action::Expanded,
            _ => return None,
        })
    }
}

/// A typed field value: `type; value` (`rfc822; a@b`, `dns; mx.b`,
/// `smtp; 550 …`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Typed {
    /// The type (`rfc822`, `dns`, `smtp`, `X-…`), lower-cased.
    pub kind: String,
    /// The value, trimmed.
    pub value: String,
}

impl Typed {
    fn parse(s: &str) -> Typed {
        match s.split_once(';') {
            Some((k, v)) => Typed { kind: k.trim().to_ascii_lowercase(), value: v.trim().to_owned() },
            None => Typed { kind: String::new(), value: s.trim().to_owned() },
        }
    }
}

/// One recipient's outcome.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecipientStatus {
    /// `Final-Recipient` (usually `rfc822; address`).
    pub final_recipient: Typed,
    /// `Original-Recipient`: the `ORCPT` we sent, when the MTA kept it.
    pub original_recipient: Option<Typed>,
    /// `Action`.
    pub action: Action,
    /// `Status`: class, subject, detail (RFC 3463).
    pub status: (u8, u16, u16),
    /// `Diagnostic-Code` (`smtp; 550 5.1.1 …`).
    pub diagnostic: Option<Typed>,
    /// `Remote-MTA`.
    pub remote_mta: Option<Typed>,
    /// `Last-Attempt-Date`, as written.
    pub last_attempt: Option<String>,
    /// `Will-Retry-Until`, as written.
    pub will_retry_until: Option<String>,
    /// Every field of the group, known or not (`X-Postfix-…`,
    /// `X-Display-Name`…), names as written, values unfolded.
    pub fields: Vec<(String, String)>,
    /// The line of the group's first field in the delivery-status part.
    pub line: usize,
}

impl RecipientStatus {
    /// The SMTP reply of an `smtp` diagnostic, when it parses.
    pub fn reply(&self) -> Option<Reply> {
        let d = self.diagnostic.as_ref().filter(|d| d.kind == "smtp")?;
        Reply::parse(&d.value).ok()
    }

    /// The address of `Final-Recipient`.
    pub fn address(&self) -> &str {
        self.final_recipient.value.trim_start_matches('<').trim_end_matches('>')
    }

    /// What the outcome means for the retry plan: delivered, relayed or
    /// expanded is a success; delayed is transient; failed is the class of
    /// the diagnostic's reply when there is one, else of the status
    /// (`4.x.x` transient, otherwise permanent: a failed action is final).
    pub fn class(&self) -> Class {
        match self.action {
            Action::Delivered | Action::Relayed | Action::Expanded => Class::Success,
            Action::Delayed => Class::Transient,
            Action::Failed => match self.reply().map(|r| r.class()) {
                Some(c @ (Class::Permanent | Class::Transient | Class::Connection)) => c,
                _ if self.status.0 == 4 => Class::Transient,
                _ => Class::Permanent,
            },
        }
    }
}

/// A delivery status notification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// `Reporting-MTA`.
    pub reporting_mta: Typed,
    /// `Original-Envelope-Id`, xtext-decoded: the `ENVID` we sent.
    pub envelope_id: Option<String>,
    /// `Arrival-Date`, as written.
    pub arrival_date: Option<String>,
    /// Every per-message field.
    pub fields: Vec<(String, String)>,
    /// One outcome per recipient, in order.
    pub recipients: Vec<RecipientStatus>,
}

impl Report {
    /// Reads a whole DSN message.
    pub fn parse(message: &[u8]) -> Result<Report, Error> {
        let whole = |message: &str| Error::Dsn { line: 0, message: message.to_owned() };
        let parsed = MessageParser::default().parse(message).ok_or_else(|| whole("not a MIME message"))?;
        let ct = parsed.content_type().ok_or_else(|| whole("no Content-Type: not a multipart/report"))?;
        let report_type = ct.attribute("report-type").unwrap_or_default();
        if !ct.ctype().eq_ignore_ascii_case("multipart")
            || !ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
            || !report_type.eq_ignore_ascii_case("delivery-status")
        {
            return Err(whole("not a multipart/report; report-type=delivery-status message"));
        }
        let part = parsed
            .parts
            .iter()
            .skip(1)
            .find(|p| {
                p.content_type().is_some_and(|c| {
                    c.ctype().eq_ignore_ascii_case("message")
                        && c.subtype().is_some_and(|s| {
                            s.eq_ignore_ascii_case("delivery-status")
                                || s.eq_ignore_ascii_case("global-delivery-status")
                        })
                })
            })
            .ok_or_else(|| whole("no message/delivery-status part"))?;
        Report::parse_status(part.contents())
    }

    /// Reads the content of a `message/delivery-status` part.
    pub fn parse_status(part: &[u8]) -> Result<Report, Error> {
        let text = String::from_utf8_lossy(part);
        let mut groups = groups(&text)?.into_iter();
        let (line, fields) = groups.next().ok_or(Error::Dsn { line: 1, message: "the part is empty".into() })?;
        let get = |fields: &[(String, String)], name: &str| {
            fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
        };
        if get(&fields, "Final-Recipient").is_some() {
            return Err(Error::Dsn { line, message: "the per-message fields are missing".into() });
        }
        let reporting_mta = get(&fields, "Reporting-MTA")
            .map(|v| Typed::parse(&v))
            .ok_or(Error::Dsn { line, message: "Reporting-MTA missing".into() })?;
        let envelope_id = match get(&fields, "Original-Envelope-Id") {
            Some(v) => Some(
                crate::xtext::decode(v.trim())
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or(Error::Dsn { line, message: format!("Original-Envelope-Id {v:?} is not xtext") })?,
            ),
            None => None,
        };
        let arrival_date = get(&fields, "Arrival-Date");
        let mut recipients = Vec::new();
        for (line, fields) in groups {
            let need =
                |name: &str| get(&fields, name).ok_or_else(|| Error::Dsn { line, message: format!("{name} missing") });
            let final_recipient = Typed::parse(&need("Final-Recipient")?);
            let action_text = need("Action")?;
            let action = Action::parse(&action_text).ok_or_else(|| Error::Dsn {
                line,
                message: format!("Action {action_text:?} is not an RFC 3464 action"),
            })?;
            let status_text = need("Status")?;
            let status = parse_status(&status_text).ok_or_else(|| Error::Dsn {
                line,
                message: format!("Status {status_text:?} is not class.subject.detail"),
            })?;
            recipients.push(RecipientStatus {
                final_recipient,
                original_recipient: get(&fields, "Original-Recipient").map(|v| Typed::parse(&v)),
                action,
                status,
                diagnostic: get(&fields, "Diagnostic-Code").map(|v| Typed::parse(&v)),
                remote_mta: get(&fields, "Remote-MTA").map(|v| Typed::parse(&v)),
                last_attempt: get(&fields, "Last-Attempt-Date"),
                will_retry_until: get(&fields, "Will-Retry-Until"),
                fields,
                line,
            });
        }
        if recipients.is_empty() {
            return Err(Error::Dsn { line, message: "no per-recipient group".into() });
        }
        Ok(Report { reporting_mta, envelope_id, arrival_date, fields, recipients })
    }

    /// Whether this report is about a message sent with this envelope (its
    /// `ENVID` is the report's `Original-Envelope-Id`).
    pub fn is_about(&self, envelope: &Envelope) -> bool {
        self.envelope_id.is_some() && self.envelope_id.as_deref() == envelope.envid_value()
    }
}

/// `class.subject.detail`, class 2, 4 or 5; a comment after it is allowed.
fn parse_status(s: &str) -> Option<(u8, u16, u16)> {
    let token = s.split_whitespace().next()?;
    let mut it = token.split('.');
    let (c, sub, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || sub.len() > 3 || d.len() > 3 {
        return None;
    }
    let c: u8 = c.parse().ok().filter(|c| matches!(c, 2 | 4 | 5))?;
    Some((c, sub.parse().ok()?, d.parse().ok()?))
}

/// The groups of fields: folded lines joined, groups split on blank lines;
/// each with the line of its first field.
type Group = (usize, Vec<(String, String)>);

fn groups(text: &str) -> Result<Vec<Group>, Error> {
    let mut out: Vec<Group> = Vec::new();
    let mut current: Option<Group> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let line = i + 1;
        let l = raw.strip_suffix('\r').unwrap_or(raw);
        if l.trim().is_empty() {
            if let Some(g) = current.take() {
                out.push(g);
            }
            continue;
        }
        if l.starts_with([' ', '\t']) {
            match current.as_mut().and_then(|(_, f)| f.last_mut()) {
                Some((_, v)) => {
                    v.push(' ');
                    v.push_str(l.trim());
                }
                None => return Err(Error::Dsn { line, message: "a continuation line with no field before it".into() }),
            }
            continue;
        }
        let (name, value) = l
            .split_once(':')
            .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_graphic() && b != b':'))
            .ok_or_else(|| Error::Dsn { line, message: format!("{:?} is not a field (Name: value)", clip(l)) })?;
        current.get_or_insert_with(|| (line, Vec::new())).1.push((name.to_owned(), value.trim().to_owned()));
    }
    if let Some(g) = current.take() {
        out.push(g);
    }
    Ok(out)
}

fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_grammar() {
        assert_eq!(parse_status("5.1.1"), Some((5, 1, 1)));
        assert_eq!(parse_status("4.4.7 (delivery time expired)"), Some((4, 4, 7)));
        for bad in ["", "5.1", "3.1.1", "5.1.1.1", "x.1.1", "5.1234.1"] {
            assert_eq!(parse_status(bad), None, "{bad}");
        }
    }

    #[test]
    fn malformed_parts_are_errors_with_lines() {
        let e = Report::parse_status(b"Reporting-MTA: dns; a\n\nFinal-Recipient: rfc822; x@y\nAction: failed\n")
            .unwrap_err();
        assert!(matches!(e, Error::Dsn { line: 3, ref message } if message == "Status missing"), "{e}");
        let e = Report::parse_status(b"Reporting-MTA: dns; a\n\nnot a field\n").unwrap_err();
        assert!(matches!(e, Error::Dsn { line: 3, .. }), "{e}");
        let e = Report::parse_status(b" folded\n").unwrap_err();
        assert!(matches!(e, Error::Dsn { line: 1, .. }), "{e}");
        assert!(Report::parse_status(b"Reporting-MTA: dns; a\n").is_err());
        assert!(Report::parse(b"Subject: x\r\n\r\nhello").is_err());
    }
}
