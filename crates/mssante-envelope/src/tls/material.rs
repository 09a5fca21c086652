//! Trust material as operators receive it: the IGC-Santé chain (PEM, DER or
//! a PKCS#7 `.p7b` bundle), CRLs (DER or PEM, several), and the operator's
//! own certificate and key for mutual TLS (PEM, or PKCS#12 with a password).
//!
//! Only the configured certificates are trusted, never a system store. The
//! self-signed ones are the roots; the others are intermediates that a peer
//! may omit from its chain. When no configured certificate is self-signed,
//! the configured ones are the roots (an organisation CA pinned on its own).
//! Every CRL must be signed by a configured CA: a CRL from elsewhere is an
//! error when the material is built, naming its file.
//!
//! Reading files is left to the caller or to the `*_file` helpers; the
//! `*_bytes` methods take the bytes with a name for the errors.

use super::verdict::TrustCode;
use base64::Engine;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer, TrustAnchor};
use std::path::Path;
use x509_parser::der_parser::asn1_rs::{Any, Class, FromBer, Tag};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::revocation_list::CertificateRevocationList;

/// Why trust material cannot be used; names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {reason} ({code})")]
pub struct MaterialError {
    /// `T921`…`T925`.
    pub code: TrustCode,
    /// The file (or the name given with the bytes).
    pub file: String,
    /// What is wrong.
    pub reason: String,
}

impl MaterialError {
    fn new(code: TrustCode, file: &str, reason: impl Into<String>) -> MaterialError {
        MaterialError { code, file: file.to_owned(), reason: reason.into() }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, MaterialError> {
    std::fs::read(path)
        .map_err(|e| MaterialError::new(TrustCode::TrustFile, &path.display().to_string(), format!("unreadable: {e}")))
}

/// The DER encoding of the `signedData` content type, 1.2.840.113549.1.7.2.
const OID_SIGNED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];

/// The certificates of a PKCS#7 (RFC 5652) `SignedData` bundle, as `.p7b`
/// files carry them; BER (indefinite lengths) accepted. `None` when the bytes
/// are not such a bundle.
pub fn pkcs7_certificates(der: &[u8]) -> Option<Vec<Vec<u8>>> {
    let (_, content_info) = Any::from_ber(der).ok()?;
    if content_info.tag() != Tag::Sequence {
        return None;
    }
    let (rest, oid) = Any::from_ber(content_info.data).ok()?;
    if oid.tag() != Tag::Oid || oid.data != OID_SIGNED_DATA {
        return None;
    }
    let (_, explicit) = Any::from_ber(rest).ok()?;
    if explicit.class() != Class::ContextSpecific || explicit.tag() != Tag(0) {
        return None;
    }
    let (_, signed_data) = Any::from_ber(explicit.data).ok()?;
    if signed_data.tag() != Tag::Sequence {
        return None;
    }
    // version, digestAlgorithms, encapContentInfo, then [0] certificates.
    let mut input: &[u8] = signed_data.data;
    for _ in 0..3 {
        input = Any::from_ber(input).ok()?.0;
    }
    let mut certs = Vec::new();
    while !input.is_empty() {
        let (rest, field) = Any::from_ber(input).ok()?;
        input = rest;
        if field.class() != Class::ContextSpecific || field.tag() != Tag(0) {
            continue;
        }
        let mut set: &[u8] = field.data;
        while !set.is_empty() {
            let (rest, item) = Any::from_ber(set).ok()?;
            if item.class() == Class::Universal && item.tag() == Tag::Sequence {
                certs.push(set[..set.len() - rest.len()].to_vec());
            }
            set = rest;
        }
    }
    Some(certs)
}

/// The base64 content of each `-----BEGIN <label>-----` section.
fn pem_sections(data: &[u8], label: &str) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(data);
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find(&begin) {
        let body = &rest[start + begin.len()..];
        let Some(stop) = body.find(&end) else { break };
        let b64: String = body[..stop].chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(b64) {
            out.push(der);
        }
        rest = &body[stop + end.len()..];
    }
    out
}

fn is_pem(data: &[u8]) -> bool {
    data.windows(11).any(|w| w == b"-----BEGIN ")
}

/// A CA certificate kept with what the checks need.
#[derive(Debug, Clone)]
struct Ca {
    der: CertificateDer<'static>,
    self_signed: bool,
}

/// Collects CA certificates and CRLs, then checks them together
/// ([`TrustMaterialBuilder::build`]).
#[derive(Debug, Default, Clone)]
pub struct TrustMaterialBuilder {
    cas: Vec<(String, Ca)>,
    crls: Vec<(String, CertificateRevocationListDer<'static>)>,
}

impl TrustMaterialBuilder {
    /// An empty builder.
    pub fn new() -> TrustMaterialBuilder {
        TrustMaterialBuilder::default()
    }

    /// Adds the CA certificates of one file's bytes: PEM (any number of
    /// `CERTIFICATE` and `PKCS7` sections), DER, or a DER `.p7b` bundle.
    /// Returns how many certificates were added.
    pub fn add_ca_bytes(&mut self, name: &str, data: &[u8]) -> Result<usize, MaterialError> {
        let mut ders: Vec<Vec<u8>> = Vec::new();
        if is_pem(data) {
            for item in CertificateDer::pem_slice_iter(data) {
                let c = item.map_err(|e| MaterialError::new(TrustCode::TrustFile, name, format!("bad PEM: {e}")))?;
                ders.push(c.to_vec());
            }
            for p7 in pem_sections(data, "PKCS7") {
                ders.extend(pkcs7_certificates(&p7).ok_or_else(|| {
                    MaterialError::new(TrustCode::TrustFile, name, "a PKCS7 section is not a certificate bundle")
                })?);
            }
        } else if X509Certificate::from_der(data).is_ok() {
            ders.push(data.to_vec());
        } else if let Some(certs) = pkcs7_certificates(data) {
            ders.extend(certs);
        } else {
            return Err(MaterialError::new(
                TrustCode::TrustFile,
                name,
                "not a certificate (PEM, DER or PKCS#7 .p7b expected)",
            ));
        }
        if ders.is_empty() {
            return Err(MaterialError::new(TrustCode::TrustFile, name, "holds no certificate"));
        }
        for (i, der) in ders.iter().enumerate() {
            let (_, cert) = X509Certificate::from_der(der).map_err(|e| {
                MaterialError::new(TrustCode::TrustFile, name, format!("certificate {} does not parse: {e}", i + 1))
            })?;
            if !cert.is_ca() {
                return Err(MaterialError::new(
                    TrustCode::TrustFile,
                    name,
                    format!("certificate {} ({}) is not a CA certificate", i + 1, cert.subject()),
                ));
            }
            let self_signed = cert.subject().as_raw() == cert.issuer().as_raw() && cert.verify_signature(None).is_ok();
            self.cas.push((name.to_owned(), Ca { der: CertificateDer::from(der.clone()), self_signed }));
        }
        Ok(ders.len())
    }

    /// Reads a CA file ([`add_ca_bytes`](Self::add_ca_bytes)).
    pub fn add_ca_file(&mut self, path: &Path) -> Result<usize, MaterialError> {
        self.add_ca_bytes(&path.display().to_string(), &read(path)?)
    }

    /// Adds the CRLs of one file's bytes: DER, or PEM with any number of
    /// `X509 CRL` sections. Their signatures are checked by
    /// [`build`](Self::build).
    pub fn add_crl_bytes(&mut self, name: &str, data: &[u8]) -> Result<usize, MaterialError> {
        let mut ders = Vec::new();
        if is_pem(data) {
            for item in CertificateRevocationListDer::pem_slice_iter(data) {
                ders.push(item.map_err(|e| MaterialError::new(TrustCode::TrustFile, name, format!("bad PEM: {e}")))?);
            }
        } else {
            ders.push(CertificateRevocationListDer::from(data.to_vec()));
        }
        if ders.is_empty() {
            return Err(MaterialError::new(TrustCode::TrustFile, name, "holds no CRL"));
        }
        for der in &ders {
            CertificateRevocationList::from_der(der)
                .map_err(|e| MaterialError::new(TrustCode::TrustFile, name, format!("not a CRL: {e}")))?;
            webpki::OwnedCertRevocationList::from_der(der)
                .map_err(|e| MaterialError::new(TrustCode::TrustFile, name, format!("CRL not usable: {e}")))?;
        }
        let n = ders.len();
        self.crls.extend(ders.into_iter().map(|d| (name.to_owned(), d)));
        Ok(n)
    }

    /// Reads a CRL file ([`add_crl_bytes`](Self::add_crl_bytes)).
    pub fn add_crl_file(&mut self, path: &Path) -> Result<usize, MaterialError> {
        self.add_crl_bytes(&path.display().to_string(), &read(path)?)
    }

    /// Checks the whole: at least one CA; every CRL signed by one of them.
    pub fn build(self) -> Result<TrustMaterial, MaterialError> {
        if self.cas.is_empty() {
            return Err(MaterialError::new(
                TrustCode::NoTrustAnchor,
                "(trust material)",
                "no CA certificate configured",
            ));
        }
        let any_self_signed = self.cas.iter().any(|(_, c)| c.self_signed);
        let mut anchors = Vec::new();
        let mut intermediates = Vec::new();
        for (name, ca) in &self.cas {
            if ca.self_signed || !any_self_signed {
                let anchor = webpki::anchor_from_trusted_cert(&ca.der)
                    .map_err(|e| MaterialError::new(TrustCode::TrustFile, name, format!("not a usable root: {e}")))?
                    .to_owned();
                anchors.push(anchor);
            } else {
                intermediates.push(ca.der.clone());
            }
        }
        let mut crls = Vec::new();
        for (name, der) in &self.crls {
            let (_, crl) = CertificateRevocationList::from_der(der)
                .map_err(|e| MaterialError::new(TrustCode::TrustFile, name, format!("not a CRL: {e}")))?;
            let signed = self.cas.iter().any(|(_, ca)| {
                X509Certificate::from_der(&ca.der).is_ok_and(|(_, c)| {
                    c.subject().as_raw() == crl.issuer().as_raw() && crl.verify_signature(c.public_key()).is_ok()
                })
            });
            if !signed {
                return Err(MaterialError::new(
                    TrustCode::CrlNotSigned,
                    name,
                    format!("the CRL of {} is not signed by a configured CA", crl.issuer()),
                ));
            }
            let owned = webpki::OwnedCertRevocationList::from_der(der)
                .map_err(|e| MaterialError::new(TrustCode::TrustFile, name, format!("CRL not usable: {e}")))?;
            crls.push(webpki::CertRevocationList::Owned(owned));
        }
        let cas = self.cas.into_iter().map(|(_, c)| c.der).collect();
        Ok(TrustMaterial { anchors, intermediates, crls, cas })
    }
}

/// The checked trust material: roots, intermediates, CRLs.
#[derive(Debug)]
pub struct TrustMaterial {
    pub(crate) anchors: Vec<TrustAnchor<'static>>,
    pub(crate) intermediates: Vec<CertificateDer<'static>>,
    pub(crate) crls: Vec<webpki::CertRevocationList<'static>>,
    cas: Vec<CertificateDer<'static>>,
}

impl TrustMaterial {
    /// A builder.
    pub fn builder() -> TrustMaterialBuilder {
        TrustMaterialBuilder::new()
    }

    /// How many roots are trusted.
    pub fn root_count(&self) -> usize {
        self.anchors.len()
    }

    /// How many CRLs are used.
    pub fn crl_count(&self) -> usize {
        self.crls.len()
    }

    /// Every configured CA certificate (roots and intermediates).
    pub fn ca_certificates(&self) -> &[CertificateDer<'static>] {
        &self.cas
    }

    /// The subjects of the roots (DER), which a server names when it asks a
    /// client for a certificate.
    pub fn root_subjects(&self) -> Vec<rustls::DistinguishedName> {
        self.anchors.iter().map(|a| rustls::DistinguishedName::from(a.subject.to_vec())).collect()
    }
}

/// The operator's own certificate chain and key, presented for mutual TLS.
#[derive(Debug)]
pub struct Identity {
    pub(crate) chain: Vec<CertificateDer<'static>>,
    pub(crate) key: PrivateKeyDer<'static>,
}

impl Clone for Identity {
    fn clone(&self) -> Identity {
        Identity { chain: self.chain.clone(), key: self.key.clone_key() }
    }
}

impl Identity {
    /// From PEM: the certificate (then its chain) and the private key (PKCS#8,
    /// PKCS#1 or SEC1), possibly in one file.
    pub fn from_pem(name: &str, certs: &[u8], key: &[u8]) -> Result<Identity, MaterialError> {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(certs)
            .collect::<Result<_, _>>()
            .map_err(|e| MaterialError::new(TrustCode::TrustFile, name, format!("bad PEM: {e}")))?;
        let key = PrivateKeyDer::from_pem_slice(key)
            .map_err(|e| MaterialError::new(TrustCode::KeyMismatch, name, format!("no private key: {e}")))?;
        Identity::new(name, chain, key)
    }

    /// From a PKCS#12 (`.p12`) file's bytes and its password.
    pub fn from_pkcs12(name: &str, data: &[u8], password: &str) -> Result<Identity, MaterialError> {
        let store = p12_keystore::KeyStore::from_pkcs12(data, password, p12_keystore::Pkcs12ImportPolicy::Strict)
            .map_err(|e| match e {
                p12_keystore::error::Error::MacError(_) => {
                    MaterialError::new(TrustCode::Pkcs12Password, name, "the password does not open this PKCS#12 file")
                }
                other => MaterialError::new(TrustCode::TrustFile, name, format!("not a PKCS#12 file: {other}")),
            })?;
        let (_, chain) = store
            .private_key_chain()
            .ok_or_else(|| MaterialError::new(TrustCode::KeyMismatch, name, "the PKCS#12 file holds no private key"))?;
        let certs = chain.certs().iter().map(|c| CertificateDer::from(c.as_der().to_vec())).collect();
        let key = PrivateKeyDer::try_from(chain.key().as_der().to_vec())
            .map_err(|e| MaterialError::new(TrustCode::KeyMismatch, name, format!("private key: {e}")))?;
        Identity::new(name, certs, key)
    }

    fn new(
        name: &str,
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Identity, MaterialError> {
        if chain.is_empty() {
            return Err(MaterialError::new(TrustCode::TrustFile, name, "holds no certificate"));
        }
        let provider = rustls::crypto::ring::default_provider();
        rustls::sign::CertifiedKey::from_der(chain.clone(), key.clone_key(), &provider)
            .map_err(|e| MaterialError::new(TrustCode::KeyMismatch, name, format!("key and certificate: {e}")))?;
        Identity::check_leaf(name, &chain[0])?;
        Ok(Identity { chain, key })
    }

    fn check_leaf(name: &str, der: &CertificateDer<'_>) -> Result<(), MaterialError> {
        X509Certificate::from_der(der)
            .map(|_| ())
            .map_err(|e| MaterialError::new(TrustCode::TrustFile, name, format!("certificate does not parse: {e}")))
    }

    /// The certificate chain, the operator's own first.
    pub fn chain(&self) -> &[CertificateDer<'static>] {
        &self.chain
    }
}
