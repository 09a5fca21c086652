//! Messages for the trust space, built with [`mail_builder`], that cannot be
//! injected.
//!
//! A [`Draft`] holds what a message says; [`Draft::build`] checks every value,
//! then writes the message and the [`Envelope`] that goes with it:
//!
//! * a CR, an LF or any other control character in an address, a display name, a
//!   subject or any header value is an [`Error::Control`] naming the field and the
//!   byte offset — never rewritten (mail-builder itself drops them silently from
//!   addresses);
//! * `Bcc` recipients go to the envelope only: no `Bcc:` header is ever written,
//!   and no extra header may be called `Bcc` (or any header the draft writes
//!   itself);
//! * MSSanté headers: `X-MSS-NIL` when configured, `X-MSS-CODECDA` and
//!   `X-MSS-INS` only with XDM content, `X-MSS-MES: FIN` whenever a recipient is
//!   a patient address, `Disposition-Notification-To` on request;
//! * with a Message-ID, a Date and a boundary given the output is byte-identical
//!   from run to run.
//!
//! ```
//! use mssante_envelope::message::{Draft, Mailbox};
//! let from = Mailbox::named("Opérateur Exemple", "supervision@operateur.mssante.fr").unwrap();
//! let built = Draft::new(from, "Incident clos", "Bonjour,\r\n")
//!     .to(Mailbox::new("dr.martin@medecin.mssante.fr").unwrap())
//!     .bcc(Mailbox::new("archive@operateur.mssante.fr").unwrap())
//!     .nil("EXEMPLE-NIL-1")
//!     .message_id("notice-1@operateur.mssante.fr")
//!     .date(1_607_709_600)
//!     .build()
//!     .unwrap();
//! let text = String::from_utf8(built.bytes.clone()).unwrap();
//! assert!(text.contains("\r\nX-MSS-NIL: EXEMPLE-NIL-1\r\n"));
//! assert!(!text.to_ascii_lowercase().contains("bcc"));
//! assert_eq!(built.envelope.recipients().len(), 2, "the Bcc recipient is in the envelope");
//!
//! let bad = Mailbox::named("Dr X\r\nBcc: z@evil.fr", "x@medecin.mssante.fr");
//! assert!(bad.is_err());
//! ```

use crate::envelope::{Envelope, Notify, Recipient, Ret, ReversePath};
use crate::error::Error;
use crate::route::{PATIENT_DOMAIN, normalize_domain};
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address as MbAddress;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::date::Date;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::text::Text;
use mail_builder::mime::MimePart;
use mssante_bal::Address;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Header names a [`Draft`] writes itself (or never writes, like `Bcc`): an
/// extra header may not use them. Compared without case; any `Content-` and
/// `X-MSS-` name is reserved too.
pub const RESERVED_HEADERS: [&str; 15] = [
    "from",
    "sender",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "mime-version",
    "disposition-notification-to",
    "return-path",
    "received",
];

/// Finds the first control character (C0, DEL, C1) of `value`.
/// Longest line of a message, in octets, CRLF excluded (RFC 5322 §2.1.1).
pub const MAX_LINE: usize = 998;

/// A header written as it is (never folded: a Message-ID, an ASCII value
/// without the encoding that would fold it) must fit on one line:
/// `Name: value` within [`MAX_LINE`] octets.
fn check_unfolded(field: &str, written: usize) -> Result<(), Error> {
    let len = field.len() + 2 + written;
    if len > MAX_LINE {
        return Err(Error::LineTooLong { field: field.to_owned(), len, max: MAX_LINE });
    }
    Ok(())
}

fn check_text(field: &str, value: &str) -> Result<(), Error> {
    match value.char_indices().find(|(_, c)| c.is_control()) {
        Some((offset, c)) => Err(Error::Control { field: field.to_owned(), offset, character: c }),
        None => Ok(()),
    }
}

/// An address with an optional display name, both checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    address: Address<'static>,
    name: Option<String>,
}

impl Mailbox {
    /// An address alone.
    pub fn new(address: &str) -> Result<Mailbox, Error> {
        check_text("address", address)?;
        let parsed = Address::parse(address)
            .map_err(|e| Error::Address { address: address.to_owned(), reason: e.to_string() })?;
        normalize_domain(parsed.domain().as_str())
            .map_err(|_| Error::Address { address: address.to_owned(), reason: "not a valid IDNA domain".into() })?;
        Ok(Mailbox { address: parsed.into_owned(), name: None })
    }

    /// A display name and an address. An empty name is no name.
    pub fn named(name: &str, address: &str) -> Result<Mailbox, Error> {
        check_text("display name", name)?;
        let mut m = Mailbox::new(address)?;
        m.name = (!name.trim().is_empty()).then(|| name.to_owned());
        Ok(m)
    }

    /// The address.
    pub fn address(&self) -> &Address<'static> {
        &self.address
    }

    /// The display name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// True for `…@patient.mssante.fr` (any case, any IDNA spelling).
    pub fn is_patient(&self) -> bool {
        normalize_domain(self.address.domain().as_str()).is_ok_and(|d| d == PATIENT_DOMAIN)
    }

    fn header(&self) -> MbAddress<'_> {
        MbAddress::new_address(self.name.as_deref(), self.address.as_str())
    }
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// MIME type, `type/subtype` with an optional `; charset=…`.
    pub content_type: String,
    /// File name shown to the reader.
    pub filename: String,
    /// Content.
    pub data: Vec<u8>,
}

impl Attachment {
    /// A new attachment.
    pub fn new(content_type: impl Into<String>, filename: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Attachment { content_type: content_type.into(), filename: filename.into(), data: data.into() }
    }

    fn check(&self) -> Result<(), Error> {
        check_text("attachment content type", &self.content_type)?;
        check_text("attachment file name", &self.filename)?;
        let (mime, params) = match self.content_type.split_once(';') {
            Some((m, p)) => (m.trim(), Some(p.trim())),
            None => (self.content_type.trim(), None),
        };
        let token =
            |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b));
        let valid_mime = mime.split_once('/').is_some_and(|(t, s)| token(t) && token(s));
        let valid_params = params.is_none_or(|p| {
            p.split(';').all(|kv| kv.trim().split_once('=').is_some_and(|(k, v)| token(k.trim()) && token(v.trim())))
        });
        if !valid_mime || !valid_params {
            return Err(Error::Value { field: "attachment content type".into(), value: self.content_type.clone() });
        }
        if self.filename.trim().is_empty() {
            return Err(Error::Value { field: "attachment file name".into(), value: self.filename.clone() });
        }
        Ok(())
    }

    fn content_type(&self) -> ContentType<'_> {
        match self.content_type.split_once(';') {
            None => ContentType::new(self.content_type.trim()),
            Some((mime, params)) => {
                params.split(';').fold(ContentType::new(mime.trim()), |ct, kv| match kv.split_once('=') {
                    Some((k, v)) => ct.attribute(k.trim(), v.trim()),
                    None => ct,
                })
            }
        }
    }
}

/// XDM content: the `IHE_XDM.ZIP` archive of CDA documents, the same documents
/// as PDF, and what the MSSanté headers say of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Xdm {
    /// The `IHE_XDM.ZIP` archive.
    pub archive: Vec<u8>,
    /// The documents as PDF/A-1 (file name, content).
    pub pdfs: Vec<(String, Vec<u8>)>,
    /// The CDA header `code` of each document, for `X-MSS-CODECDA` (at least one).
    pub cda_codes: Vec<String>,
    /// Whether a qualified INS is in the archive (`X-MSS-INS: O` / `N`).
    pub qualified_ins: bool,
}

impl Xdm {
    fn check(&self) -> Result<(), Error> {
        if self.cda_codes.is_empty() {
            return Err(Error::Value { field: "X-MSS-CODECDA".into(), value: String::new() });
        }
        for code in &self.cda_codes {
            check_text("X-MSS-CODECDA", code)?;
            if code.is_empty() || !code.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
                return Err(Error::Value { field: "X-MSS-CODECDA".into(), value: code.clone() });
            }
        }
        for (name, _) in &self.pdfs {
            check_text("attachment file name", name)?;
        }
        Ok(())
    }
}

/// A plain-text body (`text/plain; charset=utf-8`), encoded once by
/// mail-builder when made and shared by every message built with it: a notice
/// sent to 100,000 recipients is quoted-printable-encoded once, not 100,000
/// times. The bytes written are those mail-builder writes for the same text.
///
/// The text is put in the canonical form of `text/plain` (RFC 2046 §4.1.1):
/// every line end — CRLF, LF or a lone CR — becomes CRLF, and a non-empty text
/// ends with one, so no bare CR or LF ever reaches the wire (RFC 5321 §2.3.8)
/// and the message a server receives is byte for byte the one built.
///
/// ```
/// use mssante_envelope::message::Body;
/// let b = Body::new("Journée d’intégration\nà 20h");
/// assert_eq!(b.text(), "Journée d’intégration\r\nà 20h\r\n");
/// let shared = b.clone(); // cheap: the encoded part is shared
/// assert_eq!(shared, b);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    text: Arc<str>,
    /// The MIME part (its headers, a blank line, the encoded text).
    part: Arc<[u8]>,
}

impl Body {
    /// Encodes `text` once.
    pub fn new(text: impl Into<String>) -> Body {
        let text = canonical_lines(text.into());
        let mut part = Vec::with_capacity(text.len() + text.len() / 4 + 96);
        let ct = ContentType::new("text/plain").attribute("charset", "utf-8");
        if unsafe_for_7bit(text.as_bytes()) {
            base64_part(MimePart::new(ct, base64_lines(text.as_bytes()))).write_part(&mut part);
        } else {
            MimePart::new(ct, text.as_str()).write_part(&mut part);
        }
        Body { text: text.into(), part: part.into() }
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// True when mail-builder 2.0.1 would write `data` in a 7bit part although it
/// must not be: it sends bytes up to 0x7E as they are, NUL, other C0 controls
/// and bare CRs included (RFC 2045 §2.7, RFC 5321 §2.3.8). Such data is
/// base64-encoded here instead.
fn unsafe_for_7bit(data: &[u8]) -> bool {
    data.iter().enumerate().any(|(i, &b)| match b {
        b'\r' => data.get(i + 1) != Some(&b'\n'),
        b'\n' | b'\t' => false,
        b => b < 0x20,
    })
}

/// Base64 in lines of 76 characters, CRLF-terminated (RFC 2045 §6.8).
fn base64_lines(data: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = Vec::with_capacity(encoded.len() + encoded.len() / 38 + 2);
    for line in encoded.as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A part whose content is already base64: mail-builder writes it as it is
/// when the part says its transfer encoding.
fn base64_part(part: MimePart<'_>) -> MimePart<'_> {
    part.header("Content-Transfer-Encoding", Raw::new("base64"))
}

/// CRLF line ends, a final one on a non-empty text; borrows nothing, copies
/// only when something changes.
fn canonical_lines(text: String) -> String {
    let b = text.as_bytes();
    let canonical = b.iter().enumerate().all(|(i, &c)| match c {
        b'\r' => b.get(i + 1) == Some(&b'\n'),
        b'\n' => i > 0 && b[i - 1] == b'\r',
        _ => true,
    }) && (b.is_empty() || b.ends_with(b"\r\n"));
    if canonical {
        return text;
    }
    let mut out = String::with_capacity(text.len() + text.len() / 16 + 2);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\r\n");
            }
            '\n' => out.push_str("\r\n"),
            c => out.push(c),
        }
    }
    if !out.is_empty() && !out.ends_with("\r\n") {
        out.push_str("\r\n");
    }
    out
}

impl From<&str> for Body {
    fn from(s: &str) -> Body {
        Body::new(s)
    }
}

impl From<String> for Body {
    fn from(s: String) -> Body {
        Body::new(s)
    }
}

/// DSN requests carried by the envelope (RFC 3461).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DsnRequest {
    /// `NOTIFY` for every recipient.
    pub notify: Option<Notify>,
    /// `RET`.
    pub ret: Option<Ret>,
    /// `ENVID`.
    pub envid: Option<String>,
}

/// What a message says, before it is checked and written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    from: Mailbox,
    return_path: Option<ReversePath>,
    to: Vec<Mailbox>,
    cc: Vec<Mailbox>,
    bcc: Vec<Mailbox>,
    reply_to: Option<Mailbox>,
    subject: String,
    text: Body,
    message_id: Option<String>,
    in_reply_to: Vec<String>,
    references: Vec<String>,
    date: Option<i64>,
    nil: Option<String>,
    disposition_notification_to: Option<Mailbox>,
    headers: Vec<(String, String)>,
    attachments: Vec<Attachment>,
    xdm: Option<Xdm>,
    boundary: Option<String>,
    dsn: DsnRequest,
}

/// A written message and its envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The envelope: reverse path and every recipient (To, Cc and Bcc).
    pub envelope: Envelope,
    /// The message (RFC 5322, CRLF line ends).
    pub bytes: Vec<u8>,
    /// The Message-ID written (without angle brackets).
    pub message_id: String,
}

impl Built {
    /// Checks the message against a size limit in bytes (the destination
    /// operator's, see [`crate::throttle::Budget::max_message_size`]).
    pub fn check_size(&self, limit: u64) -> Result<(), Error> {
        let size = self.bytes.len() as u64;
        if size > limit { Err(Error::TooLarge { size, limit }) } else { Ok(()) }
    }
}

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

impl Draft {
    /// A message from `from` with a subject and a plain-text body.
    pub fn new(from: Mailbox, subject: impl Into<String>, text: impl Into<Body>) -> Draft {
        Draft {
            from,
            return_path: None,
            to: Vec::new(),
            cc: Vec::new(),
            bcc: Vec::new(),
            reply_to: None,
            subject: subject.into(),
            text: text.into(),
            message_id: None,
            in_reply_to: Vec::new(),
            references: Vec::new(),
            date: None,
            nil: None,
            disposition_notification_to: None,
            headers: Vec::new(),
            attachments: Vec::new(),
            xdm: None,
            boundary: None,
            dsn: DsnRequest::default(),
        }
    }

    /// The notification mail of an incident notice: subject `[MSSanté] <title>`,
    /// the notice's text as the body.
    pub fn notice(from: Mailbox, title: &str, text: impl Into<Body>) -> Draft {
        Draft::new(from, format!("[MSSanté] {title}"), text)
    }

    /// The mail that delivers a report (CR de dépôt or CR d'intégration): the
    /// report attached as UTF-8 text under its file name, a summary as body.
    pub fn report_delivery(from: Mailbox, report_name: &str, report: Vec<u8>, summary: impl Into<Body>) -> Draft {
        Draft::new(from, format!("[MSSanté] Compte rendu {report_name}"), summary).attachment(Attachment::new(
            "text/plain; charset=utf-8",
            report_name,
            report,
        ))
    }

    /// Adds a `To` recipient.
    pub fn to(mut self, m: Mailbox) -> Self {
        self.to.push(m);
        self
    }

    /// Adds a `Cc` recipient.
    pub fn cc(mut self, m: Mailbox) -> Self {
        self.cc.push(m);
        self
    }

    /// Adds a blind recipient: in the envelope, never in a header.
    pub fn bcc(mut self, m: Mailbox) -> Self {
        self.bcc.push(m);
        self
    }

    /// Sets `Reply-To`.
    pub fn reply_to(mut self, m: Mailbox) -> Self {
        self.reply_to = Some(m);
        self
    }

    /// Sets the envelope's reverse path (default: the `From` address). Use
    /// [`ReversePath::Null`] for delivery and disposition notifications.
    pub fn return_path(mut self, r: ReversePath) -> Self {
        self.return_path = Some(r);
        self
    }

    /// Sets the Message-ID (`left@right`, without angle brackets). Without one,
    /// a unique id in the sender's domain is made.
    pub fn message_id(mut self, id: impl Into<String>) -> Self {
        self.message_id = Some(id.into());
        self
    }

    /// Adds an `In-Reply-To` id (ECO.2.2.2).
    pub fn in_reply_to(mut self, id: impl Into<String>) -> Self {
        self.in_reply_to.push(id.into());
        self
    }

    /// Adds a `References` id.
    pub fn references(mut self, id: impl Into<String>) -> Self {
        self.references.push(id.into());
        self
    }

    /// Sets the Date (seconds since the Unix epoch, written in UTC). Without
    /// one, the time of [`Draft::build`].
    pub fn date(mut self, unix_seconds: i64) -> Self {
        self.date = Some(unix_seconds);
        self
    }

    /// Sets `X-MSS-NIL`, the product reference given at declaration.
    pub fn nil(mut self, reference: impl Into<String>) -> Self {
        self.nil = Some(reference.into());
        self
    }

    /// Asks for a disposition notification (MDN, RFC 8098) to `to`.
    pub fn disposition_notification_to(mut self, to: Mailbox) -> Self {
        self.disposition_notification_to = Some(to);
        self
    }

    /// Adds an extra header (not one of [`RESERVED_HEADERS`], nor `Content-*`,
    /// nor `X-MSS-*`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds an attachment.
    pub fn attachment(mut self, a: Attachment) -> Self {
        self.attachments.push(a);
        self
    }

    /// Sets the XDM content (archive, PDFs, CDA codes, INS qualification).
    pub fn xdm(mut self, x: Xdm) -> Self {
        self.xdm = Some(x);
        self
    }

    /// Sets the MIME boundary (1 to 70 of RFC 2046 `bchars`, not ending with a
    /// space), for reproducible output.
    pub fn boundary(mut self, b: impl Into<String>) -> Self {
        self.boundary = Some(b.into());
        self
    }

    /// Sets the DSN requests of the envelope.
    pub fn dsn(mut self, dsn: DsnRequest) -> Self {
        self.dsn = dsn;
        self
    }

    /// True when a recipient (To, Cc or Bcc) is a patient address: the message
    /// then carries `X-MSS-MES: FIN`.
    pub fn to_patient(&self) -> bool {
        self.to.iter().chain(&self.cc).chain(&self.bcc).any(Mailbox::is_patient)
    }

    /// Checks every value, then writes the message and its envelope.
    pub fn build(&self) -> Result<Built, Error> {
        self.check()?;
        let message_id = match &self.message_id {
            Some(id) => id.clone(),
            None => self.fresh_id(),
        };
        let date = self.date.unwrap_or_else(now);
        let envelope = self.envelope()?;

        let mut b = MessageBuilder::new().from(self.from.header());
        if !self.to.is_empty() {
            b = b.to(MbAddress::new_list(self.to.iter().map(Mailbox::header).collect()));
        }
        if !self.cc.is_empty() {
            b = b.cc(MbAddress::new_list(self.cc.iter().map(Mailbox::header).collect()));
        }
        if let Some(r) = &self.reply_to {
            b = b.reply_to(r.header());
        }
        b = b.subject(Text::new(self.subject.as_str())).date(Date::new(date)).message_id(message_id.as_str());
        if !self.in_reply_to.is_empty() {
            b = b.in_reply_to(MessageId::new_list(self.in_reply_to.iter().map(String::as_str)));
        }
        if !self.references.is_empty() {
            b = b.references(MessageId::new_list(self.references.iter().map(String::as_str)));
        }
        if let Some(d) = &self.disposition_notification_to {
            b = b.header("Disposition-Notification-To", d.header());
        }
        if let Some(nil) = &self.nil {
            b = b.header("X-MSS-NIL", text_or_raw(nil));
        }
        if self.to_patient() {
            b = b.header("X-MSS-MES", Raw::new("FIN"));
        }
        if let Some(x) = &self.xdm {
            b = b.header("X-MSS-CODECDA", Raw::new(x.cda_codes.join(",")));
            b = b.header("X-MSS-INS", Raw::new(if x.qualified_ins { "O" } else { "N" }));
        }
        for (name, value) in &self.headers {
            b = b.header(name.as_str(), text_or_raw(value));
        }
        b = b.body(self.body());
        let mut bytes = Vec::with_capacity(1024 + self.text.part.len() + self.attachment_bytes() * 4 / 3);
        b.serialize(&mut bytes);
        Ok(Built { envelope, bytes, message_id })
    }

    fn attachment_bytes(&self) -> usize {
        let xdm = self.xdm.as_ref().map_or(0, |x| x.archive.len() + x.pdfs.iter().map(|p| p.1.len()).sum::<usize>());
        xdm + self.attachments.iter().map(|a| a.data.len()).sum::<usize>()
    }

    fn body(&self) -> MimePart<'_> {
        let text = MimePart::raw(&*self.text.part);
        if self.xdm.is_none() && self.attachments.is_empty() {
            return text;
        }
        let mut parts = vec![text];
        if let Some(x) = &self.xdm {
            parts.push(MimePart::new("application/zip", x.archive.as_slice()).attachment("IHE_XDM.ZIP"));
            for (name, pdf) in &x.pdfs {
                parts.push(MimePart::new("application/pdf", pdf.as_slice()).attachment(name.as_str()));
            }
        }
        for a in &self.attachments {
            parts.push(if unsafe_for_7bit(&a.data) {
                base64_part(MimePart::new(a.content_type(), base64_lines(&a.data)).attachment(a.filename.as_str()))
            } else {
                MimePart::new(a.content_type(), a.data.as_slice()).attachment(a.filename.as_str())
            });
        }
        let mut ct = ContentType::new("multipart/mixed");
        if let Some(boundary) = &self.boundary {
            ct = ct.attribute("boundary", boundary.as_str());
        }
        MimePart::new(ct, parts)
    }

    fn envelope(&self) -> Result<Envelope, Error> {
        let reverse = self.return_path.clone().unwrap_or_else(|| ReversePath::Mailbox(self.from.address.clone()));
        let mut seen = std::collections::HashSet::new();
        let mut recipients = Vec::new();
        for m in self.to.iter().chain(&self.cc).chain(&self.bcc) {
            if !seen.insert(m.address.clone()) {
                continue;
            }
            let mut r = Recipient::from_address(m.address.clone());
            if let Some(n) = self.dsn.notify {
                r = r.notify(n);
            }
            recipients.push(r);
        }
        let mut e = Envelope::new(reverse, recipients)?;
        if let Some(ret) = self.dsn.ret {
            e = e.ret(ret);
        }
        if let Some(id) = &self.dsn.envid {
            e = e.envid(id.as_str())?;
        }
        Ok(e)
    }

    fn fresh_id(&self) -> String {
        let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let domain = normalize_domain(self.from.address.domain().as_str())
            .map(|d| d.into_owned())
            .unwrap_or_else(|_| "localhost".into());
        format!("{t:x}.{}.{n}@{domain}", std::process::id())
    }

    fn check(&self) -> Result<(), Error> {
        if self.to.is_empty() && self.cc.is_empty() && self.bcc.is_empty() {
            return Err(Error::NoRecipient);
        }
        check_text("subject", &self.subject)?;
        if let Some(id) = &self.message_id {
            check_message_id("Message-ID", id)?;
        }
        for id in &self.in_reply_to {
            check_message_id("In-Reply-To", id)?;
        }
        for id in &self.references {
            check_message_id("References", id)?;
        }
        if let Some(nil) = &self.nil {
            check_text("X-MSS-NIL", nil)?;
            if nil.is_ascii() {
                check_unfolded("X-MSS-NIL", nil.len())?;
            }
            if nil.trim().is_empty() {
                return Err(Error::Value { field: "X-MSS-NIL".into(), value: nil.clone() });
            }
        }
        for (name, value) in &self.headers {
            check_header_name(name)?;
            check_text(name, value)?;
            if value.is_ascii() {
                check_unfolded(name, value.len())?;
            }
        }
        for a in &self.attachments {
            a.check()?;
        }
        if let Some(x) = &self.xdm {
            x.check()?;
            check_unfolded("X-MSS-CODECDA", x.cda_codes.iter().map(|c| c.len() + 1).sum::<usize>().saturating_sub(1))?;
        }
        if let Some(b) = &self.boundary {
            check_boundary(b, self)?;
        }
        Ok(())
    }
}

/// Non-ASCII values are RFC 2047-encoded; ASCII ones are written as they are.
fn text_or_raw(value: &str) -> mail_builder::headers::HeaderType<'_> {
    if value.is_ascii() { Raw::new(value).into() } else { Text::new(value).into() }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn check_message_id(field: &str, id: &str) -> Result<(), Error> {
    check_text(field, id)?;
    check_unfolded(field, id.len() + 2)?;
    let atext = |s: &str| {
        !s.is_empty()
            && !s.starts_with('.')
            && !s.ends_with('.')
            && !s.contains("..")
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b))
    };
    match id.split_once('@') {
        Some((left, right)) if atext(left) && atext(right) => Ok(()),
        _ => Err(Error::Value { field: field.to_owned(), value: id.to_owned() }),
    }
}

fn check_header_name(name: &str) -> Result<(), Error> {
    let lower = name.to_ascii_lowercase();
    let valid = !name.is_empty() && name.len() <= 76 && name.bytes().all(|b| (33..=126).contains(&b) && b != b':');
    let reserved =
        RESERVED_HEADERS.contains(&lower.as_str()) || lower.starts_with("content-") || lower.starts_with("x-mss-");
    if !valid || reserved {
        return Err(Error::HeaderName(name.to_owned()));
    }
    Ok(())
}

/// RFC 2046 §5.1.1 boundary, absent from every text written as it is.
fn check_boundary(b: &str, draft: &Draft) -> Result<(), Error> {
    let bchar = |c: u8| c.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(&c);
    if b.is_empty() || b.len() > 70 || b.ends_with(' ') || !b.bytes().all(bchar) {
        return Err(Error::Value { field: "boundary".into(), value: b.to_owned() });
    }
    let delimiter = format!("--{b}");
    let texts = std::iter::once(draft.text.text())
        .chain(draft.attachments.iter().filter_map(|a| std::str::from_utf8(&a.data).ok()));
    for t in texts {
        if t.contains(&delimiter) {
            return Err(Error::BoundaryInBody(b.to_owned()));
        }
    }
    Ok(())
}
