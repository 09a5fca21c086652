//! SMTP envelopes with DSN parameters (RFC 5321, RFC 3461, RFC 6531).
//!
//! An [`Envelope`] renders its `MAIL FROM:` and `RCPT TO:` lines and parses them
//! back (nom); `SMTPUTF8` is added when an address needs it.
//!
//! ```
//! use mssante_envelope::envelope::{Envelope, Notify, Recipient, ReversePath, Ret};
//! let env = Envelope::new(
//!     ReversePath::parse("secretariat@ch-exemple.mssante.fr").unwrap(),
//!     vec![Recipient::parse("dr.exemple@medecin.mssante.fr").unwrap().notify(Notify::on(true, true, false).unwrap())],
//! )
//! .unwrap()
//! .ret(Ret::Hdrs)
//! .envid("2020-12-11/42")
//! .unwrap();
//! let lines = env.lines();
//! assert_eq!(lines[0], "MAIL FROM:<secretariat@ch-exemple.mssante.fr> RET=HDRS ENVID=2020-12-11/42");
//! assert_eq!(lines[1], "RCPT TO:<dr.exemple@medecin.mssante.fr> NOTIFY=SUCCESS,FAILURE");
//! assert_eq!(Envelope::parse(&lines).unwrap(), env);
//! // DSNs and MDNs go with the null reverse path.
//! assert_eq!(ReversePath::Null.to_string(), "<>");
//! ```

use crate::error::Error;
use crate::xtext;
use mssante_bal::Address;
use std::fmt;

/// The reverse path: a mailbox, or null (`<>`) for notifications.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReversePath {
    /// `<>`: delivery and disposition notifications.
    Null,
    /// A mailbox.
    Mailbox(Address<'static>),
}

fn address(s: &str) -> Result<Address<'static>, Error> {
    Address::parse(s)
        .map(Address::into_owned)
        .map_err(|e| Error::Address { address: s.to_owned(), reason: e.to_string() })
}

impl ReversePath {
    /// A mailbox reverse path (an empty string is the null path).
    pub fn parse(s: &str) -> Result<Self, Error> {
        if s.is_empty() { Ok(ReversePath::Null) } else { address(s).map(ReversePath::Mailbox) }
    }
}

impl fmt::Display for ReversePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReversePath::Null => f.write_str("<>"),
            ReversePath::Mailbox(a) => write!(f, "<{a}>"),
        }
    }
}

/// `RET`: what a DSN returns of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ret {
    /// The whole message.
    Full,
    /// Its headers.
    Hdrs,
}

/// `NOTIFY`: `NEVER`, or a non-empty set of conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Notify {
    bits: u8,
}

const SUCCESS: u8 = 1;
const FAILURE: u8 = 2;
const DELAY: u8 = 4;

impl Notify {
    /// `NOTIFY=NEVER`.
    pub const NEVER: Notify = Notify { bits: 0 };

    /// Some conditions; at least one.
    pub fn on(success: bool, failure: bool, delay: bool) -> Result<Notify, Error> {
        let bits = (u8::from(success) * SUCCESS) | (u8::from(failure) * FAILURE) | (u8::from(delay) * DELAY);
        if bits == 0 { Err(Error::EmptyNotify) } else { Ok(Notify { bits }) }
    }

    /// True for `NEVER`.
    pub fn is_never(self) -> bool {
        self.bits == 0
    }
}

impl fmt::Display for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_never() {
            return f.write_str("NEVER");
        }
        let names: Vec<&str> = [(SUCCESS, "SUCCESS"), (FAILURE, "FAILURE"), (DELAY, "DELAY")]
            .into_iter()
            .filter(|(b, _)| self.bits & b != 0)
            .map(|(_, n)| n)
            .collect();
        f.write_str(&names.join(","))
    }
}

/// A forward path with its DSN parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Recipient {
    address: Address<'static>,
    notify: Option<Notify>,
    orcpt: Option<String>,
}

impl Recipient {
    /// A recipient without DSN parameters.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Ok(Recipient { address: address(s)?, notify: None, orcpt: None })
    }

    /// A recipient from an address already checked.
    pub fn from_address(address: Address<'static>) -> Self {
        Recipient { address, notify: None, orcpt: None }
    }

    /// With `NOTIFY`.
    pub fn notify(mut self, n: Notify) -> Self {
        self.notify = Some(n);
        self
    }

    /// With `ORCPT=rfc822;<original>`.
    pub fn orcpt(mut self, original: impl Into<String>) -> Self {
        self.orcpt = Some(original.into());
        self
    }

    /// The address.
    pub fn address(&self) -> &Address<'static> {
        &self.address
    }

    /// `NOTIFY`, if set.
    pub fn notify_value(&self) -> Option<Notify> {
        self.notify
    }

    /// The original recipient, if set.
    pub fn orcpt_value(&self) -> Option<&str> {
        self.orcpt.as_deref()
    }

    /// The `RCPT TO:` line (no CRLF).
    pub fn line(&self) -> String {
        let mut s = format!("RCPT TO:<{}>", self.address);
        if let Some(n) = self.notify {
            s.push_str(&format!(" NOTIFY={n}"));
        }
        if let Some(o) = &self.orcpt {
            s.push_str(&format!(" ORCPT=rfc822;{}", xtext::encode(o)));
        }
        s
    }
}

/// An SMTP envelope: reverse path, at least one recipient, DSN parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Envelope {
    reverse_path: ReversePath,
    pub(crate) ret: Option<Ret>,
    envid: Option<String>,
    recipients: Vec<Recipient>,
}

impl Envelope {
    /// An envelope; refuses an empty recipient list.
    pub fn new(reverse_path: ReversePath, recipients: Vec<Recipient>) -> Result<Self, Error> {
        if recipients.is_empty() {
            return Err(Error::NoRecipient);
        }
        Ok(Envelope { reverse_path, ret: None, envid: None, recipients })
    }

    /// With `RET`.
    pub fn ret(mut self, ret: Ret) -> Self {
        self.ret = Some(ret);
        self
    }

    /// With `ENVID` (1 to 100 characters once xtext-encoded).
    pub fn envid(mut self, id: impl Into<String>) -> Result<Self, Error> {
        let id = id.into();
        if id.is_empty() {
            return Err(Error::EnvidEmpty);
        }
        let n = xtext::encode(&id).len();
        if n > 100 {
            return Err(Error::EnvidTooLong(n));
        }
        self.envid = Some(id);
        Ok(self)
    }

    /// The `ENVID`, decoded.
    pub fn envid_value(&self) -> Option<&str> {
        self.envid.as_deref()
    }

    /// The reverse path.
    pub fn reverse_path(&self) -> &ReversePath {
        &self.reverse_path
    }

    /// The recipients, in order.
    pub fn recipients(&self) -> &[Recipient] {
        &self.recipients
    }

    /// Whether `SMTPUTF8` is needed: an address with non-ASCII characters.
    pub fn needs_smtputf8(&self) -> bool {
        matches!(&self.reverse_path, ReversePath::Mailbox(a) if a.needs_smtputf8())
            || self.recipients.iter().any(|r| r.address.needs_smtputf8())
    }

    /// The `MAIL FROM:` line (no CRLF).
    pub fn mail_from(&self) -> String {
        let mut s = format!("MAIL FROM:{}", self.reverse_path);
        match self.ret {
            Some(Ret::Full) => s.push_str(" RET=FULL"),
            Some(Ret::Hdrs) => s.push_str(" RET=HDRS"),
            None => {}
        }
        if let Some(id) = &self.envid {
            s.push_str(&format!(" ENVID={}", xtext::encode(id)));
        }
        if self.needs_smtputf8() {
            s.push_str(" SMTPUTF8");
        }
        s
    }

    /// The same envelope without DSN parameters (`RET`, `ENVID`, `NOTIFY`,
    /// `ORCPT`), for a server that does not advertise `DSN` (RFC 3461 §4).
    pub fn without_dsn(&self) -> Envelope {
        Envelope {
            reverse_path: self.reverse_path.clone(),
            ret: None,
            envid: None,
            recipients: self.recipients.iter().map(|r| Recipient::from_address(r.address.clone())).collect(),
        }
    }

    /// The same envelope (DSN parameters kept) for the recipients `keep`
    /// accepts, in order: one transaction's share of a message. `None` when
    /// none is kept.
    pub fn for_recipients(&self, keep: impl Fn(&Address<'static>) -> bool) -> Option<Envelope> {
        let recipients: Vec<Recipient> = self.recipients.iter().filter(|r| keep(&r.address)).cloned().collect();
        (!recipients.is_empty()).then(|| Envelope {
            reverse_path: self.reverse_path.clone(),
            ret: self.ret,
            envid: self.envid.clone(),
            recipients,
        })
    }

    /// True when a DSN parameter is set.
    pub fn has_dsn(&self) -> bool {
        self.ret.is_some()
            || self.envid.is_some()
            || self.recipients.iter().any(|r| r.notify.is_some() || r.orcpt.is_some())
    }

    /// `MAIL FROM:` then one `RCPT TO:` per recipient.
    pub fn lines(&self) -> Vec<String> {
        std::iter::once(self.mail_from()).chain(self.recipients.iter().map(Recipient::line)).collect()
    }

    pub(crate) fn raw_recipient(address: Address<'static>, notify: Option<Notify>, orcpt: Option<String>) -> Recipient {
        Recipient { address, notify, orcpt }
    }

    pub(crate) fn from_bits(bits: u8) -> Notify {
        Notify { bits }
    }
}

/// Bits of a parsed NOTIFY list.
pub(crate) const NOTIFY_BITS: [(&str, u8); 3] = [("SUCCESS", SUCCESS), ("FAILURE", FAILURE), ("DELAY", DELAY)];
