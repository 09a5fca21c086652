//! What a peer check concludes: [`Verdict`], trusted with what was seen or
//! refused with a stable [`TrustCode`].

use mssante_bal::liste_blanche::Dn;
use serde::{Serialize, Serializer};
use std::fmt;

mssante_types::stable_codes! {
    /// Stable codes of the trust checks and of the trust material (`T9xx`,
    /// see `docs/error-codes.md` and `docs/trust.md`).
    pub enum TrustCode {
        /// The server does not offer `STARTTLS` (or the session is not TLS):
        /// nothing is sent in plaintext.
        NoTls = "T901",
        /// The TLS handshake failed: no common version (TLS 1.2 minimum) or
        /// cipher, a bad signature, the peer closed, or bytes sent after the
        /// `STARTTLS` reply before the handshake (command injection).
        Handshake = "T902",
        /// The peer's certificate does not chain to a configured root.
        UntrustedIssuer = "T903",
        /// A certificate of the chain is expired or not yet valid.
        NotValidNow = "T904",
        /// A certificate of the chain is revoked by a configured CRL.
        Revoked = "T905",
        /// No valid CRL tells the status of a certificate of the chain
        /// (missing or outdated CRL) under the strict revocation policy.
        RevocationUnknown = "T906",
        /// The certificate's subject DN is not listed for the domain.
        DnNotListed = "T907",
        /// The certificate's CN is the CN of a DN listed for the domain, but
        /// the DN differs: another certificate than the listed one.
        CnMatchDnDiffers = "T908",
        /// The domain is not in the liste blanche.
        DomainNotListed = "T909",
        /// The certificate cannot be used: malformed, or not made for this
        /// use (key usage, extended key usage, a CA as an end entity).
        BadCertificate = "T910",
        /// The client presented no certificate (inbound, mutual TLS).
        NoClientCertificate = "T911",
        /// A trust file cannot be read or holds no certificate, CRL or key.
        TrustFile = "T921",
        /// A CRL is not signed by a configured CA.
        CrlNotSigned = "T922",
        /// A PKCS#12 file does not open with the password given.
        Pkcs12Password = "T923",
        /// The private key does not match the certificate, or no key was found.
        KeyMismatch = "T924",
        /// No CA certificate was configured: nothing could be trusted.
        NoTrustAnchor = "T925",
    }
}
mssante_types::stable_codes_serde!(TrustCode);

/// A peer's certificate as seen: subject, issuer, validity, serial,
/// fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerCertificate {
    /// The subject DN, in RFC 4514 order (`CN` first); `None` if empty.
    #[serde(serialize_with = "dn_opt")]
    pub subject: Option<Dn>,
    /// The issuer DN.
    #[serde(serialize_with = "dn_opt")]
    pub issuer: Option<Dn>,
    /// Start of validity, seconds since the Unix epoch.
    pub not_before: i64,
    /// End of validity, seconds since the Unix epoch.
    pub not_after: i64,
    /// The serial number in upper-case hex.
    pub serial: String,
    /// SHA-256 of the certificate's DER, lower-case hex.
    pub sha256: String,
}

fn dn_opt<S: Serializer>(dn: &Option<Dn>, s: S) -> Result<S::Ok, S::Error> {
    match dn {
        Some(d) => s.serialize_str(&d.to_string()),
        None => s.serialize_none(),
    }
}

fn dn<S: Serializer>(dn: &Dn, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&dn.to_string())
}

/// A peer found trustworthy for a domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustedPeer {
    /// The domain it was checked for (IDNA ASCII, lower case).
    pub domain: String,
    /// The negotiated protocol (`TLSv1.3`), when known.
    pub protocol: Option<String>,
    /// The negotiated cipher suite, when known.
    pub cipher: Option<String>,
    /// The peer's certificate.
    pub certificate: PeerCertificate,
    /// The liste blanche DN it matched.
    #[serde(serialize_with = "dn")]
    pub listed: Dn,
}

/// A peer refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// The stable code of the reason.
    pub code: TrustCode,
    /// What was seen, in words.
    pub reason: String,
    /// The peer's certificate, when one was received and could be read.
    pub certificate: Option<Box<PeerCertificate>>,
}

impl Refusal {
    /// A refusal without a certificate.
    pub fn new(code: TrustCode, reason: impl Into<String>) -> Refusal {
        Refusal { code, reason: reason.into(), certificate: None }
    }

    pub(crate) fn with_certificate(mut self, certificate: Option<PeerCertificate>) -> Refusal {
        self.certificate = certificate.map(Box::new);
        self
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.reason)
    }
}

impl std::error::Error for Refusal {}

/// The outcome of a peer check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The peer is who the liste blanche says.
    Trusted(Box<TrustedPeer>),
    /// The peer is refused: nothing is to be sent to it or accepted from it.
    Refused(Refusal),
}

impl Verdict {
    /// Whether the peer is trusted.
    pub fn is_trusted(&self) -> bool {
        matches!(self, Verdict::Trusted(_))
    }

    /// The code of a refusal.
    pub fn code(&self) -> Option<TrustCode> {
        match self {
            Verdict::Trusted(_) => None,
            Verdict::Refused(r) => Some(r.code),
        }
    }
}

impl From<Result<TrustedPeer, Refusal>> for Verdict {
    fn from(r: Result<TrustedPeer, Refusal>) -> Verdict {
        match r {
            Ok(t) => Verdict::Trusted(Box::new(t)),
            Err(r) => Verdict::Refused(r),
        }
    }
}
