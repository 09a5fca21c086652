//! Delivery status notifications (RFC 3464): a `multipart/report;
//! report-type=delivery-status` message read into per-recipient outcomes.
//!
//! Only what RFC 3462 needs of MIME is read, here: the top-level
//! `Content-Type` (folded lines joined, parameters quoted or not), the parts
//! between the boundary lines, and the part `message/delivery-status` (or
//! `message/global-delivery-status`, RFC 6533) decoded from its transfer
//! encoding (7bit, 8bit, binary, base64, quoted-printable). A general MIME
//! parser is not used: mail-parser 0.11 stops on a debug assertion on some
//! inputs (see the fuzz regression test below), and a DSN never needs more.
//! The delivery-status part is then read as header-style fields, folded
//! lines joined, one group for the message then one group per recipient,
//! separated by blank lines. Every field is kept, known
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
use base64::Engine;

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
        let (headers, body) = mime::split_headers(message);
        let ct = mime::content_type(&headers).ok_or_else(|| whole("no Content-Type: not a multipart/report"))?;
        if ct.mime != "multipart/report" || ct.param("report-type") != Some("delivery-status") {
            return Err(whole("not a multipart/report; report-type=delivery-status message"));
        }
        let boundary = ct.param("boundary").ok_or_else(|| whole("multipart/report without a boundary"))?;
        let part = mime::parts(body, boundary)
            .into_iter()
            .map(mime::split_headers)
            .find(|(h, _)| {
                mime::content_type(h)
                    .is_some_and(|c| c.mime == "message/delivery-status" || c.mime == "message/global-delivery-status")
            })
            .ok_or_else(|| whole("no message/delivery-status part"))?;
        let content = mime::decode(&part.0, part.1).ok_or_else(|| whole("the delivery-status part does not decode"))?;
        Report::parse_status(&content)
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

/// The little of MIME a DSN needs.
mod mime {
    use super::Engine;
    use std::borrow::Cow;

    /// Header fields (name, unfolded value) and the body after the blank line.
    pub(super) fn split_headers(data: &[u8]) -> (Vec<(String, String)>, &[u8]) {
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut pos = 0;
        while pos < data.len() {
            let end = memchr(data, pos);
            let line = trim_cr(&data[pos..end]);
            let next = (end + 1).min(data.len());
            if line.is_empty() {
                return (headers, &data[next..]);
            }
            let text = String::from_utf8_lossy(line);
            if line[0] == b' ' || line[0] == b'\t' {
                if let Some((_, v)) = headers.last_mut() {
                    v.push(' ');
                    v.push_str(text.trim());
                }
            } else if let Some((n, v)) = text.split_once(':') {
                headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
            pos = next;
        }
        (headers, &data[data.len()..])
    }

    fn memchr(data: &[u8], from: usize) -> usize {
        data[from..].iter().position(|&b| b == b'\n').map_or(data.len(), |i| from + i)
    }

    fn trim_cr(line: &[u8]) -> &[u8] {
        line.strip_suffix(b"\r").unwrap_or(line)
    }

    /// A parsed `Content-Type`: `type/subtype` lower-cased, parameters with
    /// lower-cased names.
    pub(super) struct ContentType {
        pub(super) mime: String,
        params: Vec<(String, String)>,
    }

    impl ContentType {
        pub(super) fn param(&self, name: &str) -> Option<&str> {
            self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
        }
    }

    pub(super) fn content_type(headers: &[(String, String)]) -> Option<ContentType> {
        let value = headers.iter().find(|(n, _)| n == "content-type").map(|(_, v)| v)?;
        let mut fields = split_params(value).into_iter();
        let mime = fields.next()?.trim().to_ascii_lowercase();
        let params = fields
            .filter_map(|p| {
                let (n, v) = p.split_once('=')?;
                let v = v.trim();
                let v = match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                    Some(q) => q.replace("\\\"", "\"").replace("\\\\", "\\"),
                    None => v.to_owned(),
                };
                Some((
                    n.trim().to_ascii_lowercase(),
                    if n.trim().eq_ignore_ascii_case("boundary") { v } else { v.to_ascii_lowercase() },
                ))
            })
            .collect();
        Some(ContentType { mime, params })
    }

    /// Splits on `;` outside double quotes.
    fn split_params(value: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let (mut start, mut quoted, mut escaped) = (0, false, false);
        for (i, c) in value.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                ';' if !quoted => {
                    out.push(&value[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        out.push(&value[start..]);
        out
    }

    /// The parts of a multipart body: what lies between `--boundary` lines,
    /// up to `--boundary--` (RFC 2046 §5.1.1).
    pub(super) fn parts<'a>(body: &'a [u8], boundary: &str) -> Vec<&'a [u8]> {
        let delimiter = format!("--{boundary}");
        let mut parts = Vec::new();
        let mut start: Option<usize> = None;
        let mut pos = 0;
        while pos < body.len() {
            let end = memchr(body, pos);
            let line = trim_cr(&body[pos..end]);
            let next = (end + 1).min(body.len());
            if let Some(rest) = line.strip_prefix(delimiter.as_bytes()) {
                let close = rest.starts_with(b"--");
                let rest = if close { &rest[2..] } else { rest };
                if rest.iter().all(|b| *b == b' ' || *b == b'\t') {
                    if let Some(s) = start {
                        // The CRLF before a delimiter belongs to the delimiter.
                        let mut e = pos;
                        if e > s && body[e - 1] == b'\n' {
                            e -= 1;
                            if e > s && body[e - 1] == b'\r' {
                                e -= 1;
                            }
                        }
                        parts.push(&body[s..e.max(s)]);
                    }
                    if close {
                        return parts;
                    }
                    start = Some(next);
                }
            }
            pos = next;
        }
        if let Some(s) = start {
            parts.push(&body[s..]);
        }
        parts
    }

    /// The body decoded from its `Content-Transfer-Encoding`.
    pub(super) fn decode<'a>(headers: &[(String, String)], body: &'a [u8]) -> Option<Cow<'a, [u8]>> {
        let cte = headers
            .iter()
            .find(|(n, _)| n == "content-transfer-encoding")
            .map(|(_, v)| v.trim().to_ascii_lowercase())
            .unwrap_or_default();
        match cte.as_str() {
            "" | "7bit" | "8bit" | "binary" => Some(Cow::Borrowed(body)),
            "base64" => {
                let clean: Vec<u8> = body.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
                base64::engine::general_purpose::STANDARD.decode(clean).ok().map(Cow::Owned)
            }
            "quoted-printable" => Some(Cow::Owned(quoted_printable(body))),
            _ => None,
        }
    }

    fn quoted_printable(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(body.len());
        let mut i = 0;
        while i < body.len() {
            if body[i] == b'=' {
                let rest = &body[i + 1..];
                if rest.starts_with(b"\r\n") {
                    i += 3;
                    continue;
                }
                if rest.starts_with(b"\n") {
                    i += 2;
                    continue;
                }
                let hex = rest
                    .get(..2)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(b) = hex {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(body[i]);
            i += 1;
        }
        out
    }
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

    /// Found by the `dsn_report` fuzz target: a `multipart/report` whose
    /// parts are never closed and whose headers hold control bytes. Parsed
    /// with mail-parser 0.11.9, it stopped on that crate's debug assertion
    /// "Invalid part ID, could not find multipart" (a panic in debug
    /// builds); the MIME walk here has no such state to lose.
    #[test]
    fn fuzz_regression_unclosed_multipart() {
        let mut data = b"R".to_vec();
        data.extend([0x0f; 87]);
        data.extend_from_slice(b"eceived:\xb8\xb8 from EXCH01\r\nContent-Type: multipart/report; r_port-type=delivery-status;\r\n\tboundary=\"b\"\r\n\r\n--b\r\nContent-Type: multipart/alternative; boundary=\"c\"\r\n\r\n--c\r\n");
        assert!(Report::parse(&data).is_err());
    }

    #[test]
    fn transfer_encodings_and_quoted_parameters() {
        let status = "Reporting-MTA: dns; a\r\n\r\nFinal-Recipient: rfc822; x@y\r\nAction: failed\r\nStatus: 5.0.0\r\n";
        let b64 = base64::engine::general_purpose::STANDARD.encode(status);
        for (cte, body) in [
            ("base64", b64.as_str()),
            (
                "quoted-printable",
                "Reporting-MTA: dns; =61\r\n\r\nFinal-Recipient: rfc822; x@y\r\nAction: fai=\r\nled\r\nStatus: 5.0.0\r\n",
            ),
        ] {
            let msg = format!(
                "Content-Type: Multipart/Report; boundary=\"x;y\"; report-type=\"Delivery-Status\"\r\n\r\npreamble\r\n--x;y\r\nContent-Type: text/plain\r\n\r\nhello\r\n--x;y\r\nContent-Type: message/delivery-status\r\nContent-Transfer-Encoding: {cte}\r\n\r\n{body}\r\n--x;y--\r\n"
            );
            let r = Report::parse(msg.as_bytes()).unwrap_or_else(|e| panic!("{cte}: {e}"));
            assert_eq!(r.reporting_mta.value, "a", "{cte}");
            assert_eq!(r.recipients[0].action, Action::Failed, "{cte}");
        }
    }
}
