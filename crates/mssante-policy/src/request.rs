//! A policy request: the `name=value` lines Postfix sends for one SMTP
//! event, ended by an empty line (Postfix `SMTPD_POLICY_README`).
//!
//! Every attribute is kept, known or not, in the order received; a
//! [`Request`] cannot hold a name twice, an empty name, a name with `=`, or a
//! value with a line break, so that rendering it gives a request that parses
//! back to the same value.
//!
//! ```
//! use mssante_policy::request::Request;
//! let r = Request::parse(b"request=smtpd_access_policy\nprotocol_state=RCPT\n\
//!     sender=a@medecin.mssante.fr\nrecipient=b@ch-exemple.mssante.fr\n\
//!     ccert_subject=mta1.operateur+20exemple.fr\nfuture_attribute=kept\n\n").unwrap();
//! assert_eq!(r.sender(), Some("a@medecin.mssante.fr"));
//! assert_eq!(r.ccert_subject().as_deref(), Some("mta1.operateur exemple.fr"), "xtext read");
//! assert_eq!(r.get("future_attribute"), Some("kept"));
//! assert_eq!(Request::parse(r.to_string().as_bytes()).unwrap(), r);
//! ```

use crate::error::Error;
use std::fmt;

/// One policy request. The attributes live in one buffer (names and values
/// one after the other, in order) with their spans: two allocations per
/// request whatever the number of attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    buf: String,
    spans: Vec<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    name_end: usize,
    value_end: usize,
}

/// Why a name cannot be an attribute name, if it cannot.
fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("an attribute name cannot be empty")
    } else if name.contains('=') {
        Some("an attribute name cannot contain '='")
    } else if name.contains(['\n', '\r']) {
        Some("an attribute name cannot contain a line break")
    } else {
        None
    }
}

/// Why a value cannot be an attribute value, if it cannot.
fn value_problem(value: &str) -> Option<&'static str> {
    value.contains(['\n', '\r']).then_some("an attribute value cannot contain a line break")
}

impl Request {
    /// A request without attributes.
    pub fn new() -> Request {
        Request::default()
    }

    /// Adds an attribute at the end. Refused when the name is already there,
    /// is empty or holds `=` or a line break, or when the value holds a line
    /// break.
    pub fn insert(&mut self, name: &str, value: &str) -> Result<(), Error> {
        let problem = name_problem(name)
            .or_else(|| value_problem(value))
            .or_else(|| self.get(name).map(|_| "an attribute cannot be given twice"));
        if let Some(message) = problem {
            return Err(Error::Attribute { name: name.to_owned(), message: message.to_owned() });
        }
        self.push(name, value);
        Ok(())
    }

    fn push(&mut self, name: &str, value: &str) {
        self.buf.push_str(name);
        let name_end = self.buf.len();
        self.buf.push_str(value);
        self.spans.push(Span { name_end, value_end: self.buf.len() });
    }

    /// [`Request::insert`], by value.
    pub fn with(mut self, name: &str, value: &str) -> Result<Request, Error> {
        self.insert(name, value)?;
        Ok(self)
    }

    /// Parses one request: `name=value` lines, each ended by `\n` (a `\r`
    /// before it is dropped), up to an empty line or the end of the input.
    /// The value is everything after the first `=`; bytes that are not UTF-8
    /// are replaced (U+FFFD). Errors give the line and column: a line without
    /// `=`, an empty name, a name given twice, an unterminated last line,
    /// bytes after the empty line, an empty request.
    pub fn parse(input: &[u8]) -> Result<Request, Error> {
        let mut request = Request { buf: String::with_capacity(input.len()), spans: Vec::with_capacity(32) };
        let mut rest = input;
        let mut line_no = 0;
        while !rest.is_empty() {
            line_no += 1;
            let Some(end) = memchr::memchr(b'\n', rest) else {
                return Err(Error::syntax(line_no, rest.len() + 1, "the line is not ended by a line feed"));
            };
            let mut line = &rest[..end];
            rest = &rest[end + 1..];
            if let Some(stripped) = line.strip_suffix(b"\r") {
                line = stripped;
            }
            if line.is_empty() {
                if !rest.is_empty() {
                    return Err(Error::syntax(line_no + 1, 1, "data after the empty line that ends the request"));
                }
                break;
            }
            let Some(eq) = line.iter().position(|&b| b == b'=') else {
                return Err(Error::syntax(line_no, 1, "a line must be name=value"));
            };
            if eq == 0 {
                return Err(Error::syntax(line_no, 1, "an attribute name cannot be empty"));
            }
            let name = String::from_utf8_lossy(&line[..eq]);
            let value = String::from_utf8_lossy(&line[eq + 1..]);
            if value.contains('\r') || name.contains('\r') {
                let at = line.iter().position(|&b| b == b'\r').unwrap_or(0);
                return Err(Error::syntax(line_no, at + 1, "a carriage return inside a line"));
            }
            request.push(&name, &value);
        }
        if request.spans.is_empty() {
            return Err(Error::syntax(1, 1, "an empty request"));
        }
        if let Some(i) = request.first_repeated() {
            let name = request.name(i);
            return Err(Error::syntax(i + 1, 1, format!("attribute {name} given twice")));
        }
        Ok(request)
    }

    fn start(&self, i: usize) -> usize {
        if i == 0 { 0 } else { self.spans[i - 1].value_end }
    }

    fn name(&self, i: usize) -> &str {
        &self.buf[self.start(i)..self.spans[i].name_end]
    }

    fn value(&self, i: usize) -> &str {
        &self.buf[self.spans[i].name_end..self.spans[i].value_end]
    }

    /// The index of the first attribute whose name came before (linear for
    /// the ~30 attributes Postfix sends, hashed beyond).
    fn first_repeated(&self) -> Option<usize> {
        let n = self.spans.len();
        if n <= 48 {
            return (1..n).find(|&i| (0..i).any(|j| self.name(j) == self.name(i)));
        }
        let mut seen = std::collections::HashSet::with_capacity(n);
        (0..n).find(|&i| !seen.insert(self.name(i)))
    }

    /// The value of an attribute.
    pub fn get(&self, name: &str) -> Option<&str> {
        (0..self.spans.len()).find(|&i| self.name(i) == name).map(|i| self.value(i))
    }

    /// Every attribute, in order.
    pub fn attributes(&self) -> impl Iterator<Item = (&str, &str)> {
        (0..self.spans.len()).map(|i| (self.name(i), self.value(i)))
    }

    /// Number of attributes.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True without attributes.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// `request` (always `smtpd_access_policy` from Postfix's smtpd).
    pub fn request_type(&self) -> Option<&str> {
        self.get("request")
    }

    /// `protocol_state`: `RCPT`, `DATA`, `END-OF-MESSAGE`, …
    pub fn protocol_state(&self) -> Option<&str> {
        self.get("protocol_state")
    }

    /// `sender` (empty for the null reverse path `<>`).
    pub fn sender(&self) -> Option<&str> {
        self.get("sender")
    }

    /// `recipient`.
    pub fn recipient(&self) -> Option<&str> {
        self.get("recipient")
    }

    /// `client_address`.
    pub fn client_address(&self) -> Option<&str> {
        self.get("client_address")
    }

    /// `encryption_protocol` (e.g. `TLSv1.3`; empty without TLS).
    pub fn encryption_protocol(&self) -> Option<&str> {
        self.get("encryption_protocol")
    }

    /// `sasl_username` (empty unless the client authenticated).
    pub fn sasl_username(&self) -> Option<&str> {
        self.get("sasl_username")
    }

    /// `ccert_subject`: the verified client certificate's subject CN,
    /// xtext-decoded (Postfix encodes it; `Wietse+20Venema`). `None` when
    /// absent or empty (no certificate, or one Postfix did not verify).
    pub fn ccert_subject(&self) -> Option<String> {
        self.xtext("ccert_subject")
    }

    /// `ccert_issuer`: the verified client certificate's issuer CN,
    /// xtext-decoded; `None` when absent or empty.
    pub fn ccert_issuer(&self) -> Option<String> {
        self.xtext("ccert_issuer")
    }

    fn xtext(&self, name: &str) -> Option<String> {
        let raw = self.get(name).filter(|v| !v.is_empty())?;
        // A value that is not xtext is taken as it is (older Postfix versions
        // and other MTAs speaking the protocol may not encode it).
        Some(match mssante_envelope::xtext::decode(raw) {
            Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            None => raw.to_owned(),
        })
    }
}

impl fmt::Display for Request {
    /// The request as Postfix sends it: one `name=value` line per attribute,
    /// then the empty line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, v) in self.attributes() {
            writeln!(f, "{n}={v}")?;
        }
        writeln!(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(input: &[u8]) -> (usize, usize) {
        match Request::parse(input) {
            Err(Error::Syntax { line, column, .. }) => (line, column),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_requests_name_their_line() {
        assert_eq!(err(b"request=smtpd_access_policy\nno equals sign\n\n"), (2, 1));
        assert_eq!(err(b"=value\n\n"), (1, 1));
        assert_eq!(err(b"a=1\na=2\n\n"), (2, 1));
        assert_eq!(err(b"a=1\nb=2"), (2, 4));
        assert_eq!(err(b"a=1\n\nb=2\n"), (3, 1));
        assert_eq!(err(b"\n"), (1, 1));
        assert_eq!(err(b""), (1, 1));
        assert_eq!(err(b"a=x\ry\n\n"), (1, 4));
    }

    #[test]
    fn duplicates_are_found_among_many_attributes() {
        let mut text: String = (0..500).map(|i| format!("a{i}=v\n")).collect();
        assert_eq!(Request::parse(text.as_bytes()).unwrap().len(), 500);
        text.push_str("a7=again\n\n");
        assert_eq!(err(text.as_bytes()), (501, 1));
    }

    #[test]
    fn crlf_lines_and_missing_terminator_are_read() {
        let r = Request::parse(b"a=1\r\nb=x=y\r\n\r\n").unwrap();
        assert_eq!(r.get("a"), Some("1"));
        assert_eq!(r.get("b"), Some("x=y"), "the value is everything after the first '='");
        assert_eq!(Request::parse(b"a=1\nb=\n").unwrap().get("b"), Some(""));
    }

    #[test]
    fn invalid_names_and_values_are_refused() {
        let r = Request::new();
        assert!(r.clone().with("", "x").is_err());
        assert!(r.clone().with("a=b", "x").is_err());
        assert!(r.clone().with("a", "x\ny").is_err());
        assert!(r.clone().with("a", "1").unwrap().with("a", "2").is_err());
    }

    #[test]
    fn ccert_values_are_xtext_decoded_or_kept() {
        let r = Request::parse(b"ccert_subject=mta+2Eop.fr\nccert_issuer=AC+20IGC+zz\n\n").unwrap();
        assert_eq!(r.ccert_subject().as_deref(), Some("mta.op.fr"));
        assert_eq!(r.ccert_issuer().as_deref(), Some("AC+20IGC+zz"), "not xtext: kept");
        let empty = Request::parse(b"ccert_subject=\n\n").unwrap();
        assert_eq!(empty.ccert_subject(), None);
    }
}
