//! The checks, in order: the chain to a configured root (signatures, usage),
//! validity at the checker's clock, revocation by the configured CRLs, then
//! the subject DN against the liste blanche entries of the domain.

use super::material::TrustMaterial;
use super::verdict::{PeerCertificate, Refusal, TrustCode, TrustedPeer};
use mssante_bal::liste_blanche::{Dn, ListeBlanche};
use rustls::pki_types::{CertificateDer, UnixTime};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};

/// What a missing or outdated CRL means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Revocation {
    /// Every certificate of the chain below the root must be covered by a
    /// current CRL of its issuer (`nextUpdate` not passed); otherwise the
    /// peer is refused with `T906`. The default.
    #[default]
    Require,
    /// A certificate whose status no CRL tells, or told by an outdated CRL,
    /// is accepted; one listed in a configured CRL (outdated or not) is
    /// still refused (`T905`).
    AllowUnknown,
}

/// The time the checks use: the system clock, or a fixed instant (tests,
/// replays).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A fixed instant, seconds since the Unix epoch.
    Fixed(u64),
}

impl Clock {
    /// The current time by this clock.
    pub fn now(self) -> UnixTime {
        match self {
            Clock::System => UnixTime::now(),
            Clock::Fixed(s) => UnixTime::since_unix_epoch(Duration::from_secs(s)),
        }
    }
}

/// Which end the certificate must be made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// A server (`id-kp-serverAuth` when the certificate restricts its use).
    Server,
    /// A client (`id-kp-clientAuth`).
    Client,
}

/// Checks certificate chains against trust material.
#[derive(Debug, Clone)]
pub struct Checker {
    material: Arc<TrustMaterial>,
    revocation: Revocation,
    clock: Clock,
}

impl Checker {
    /// A checker with the strict revocation policy and the system clock.
    pub fn new(material: Arc<TrustMaterial>) -> Checker {
        Checker { material, revocation: Revocation::Require, clock: Clock::System }
    }

    /// With this revocation policy.
    pub fn revocation(mut self, revocation: Revocation) -> Checker {
        self.revocation = revocation;
        self
    }

    /// With this clock.
    pub fn clock(mut self, clock: Clock) -> Checker {
        self.clock = clock;
        self
    }

    /// The trust material.
    pub fn material(&self) -> &TrustMaterial {
        &self.material
    }

    /// The clock.
    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }

    /// Checks a chain (the peer's certificate first) at the checker's clock:
    /// chain to a root, validity, revocation. Returns what the certificate
    /// says.
    pub fn check_chain(&self, chain: &[CertificateDer<'_>], usage: Usage) -> Result<PeerCertificate, Refusal> {
        let now = self.clock.now();
        let Some((ee_der, peer_intermediates)) = chain.split_first() else {
            return Err(Refusal::new(TrustCode::NoClientCertificate, "no certificate presented"));
        };
        let seen = PeerCertificate::read(ee_der)?;
        let ee = webpki::EndEntityCert::try_from(ee_der).map_err(|e| {
            Refusal::new(TrustCode::BadCertificate, format!("certificate not usable: {e}"))
                .with_certificate(Some(seen.clone()))
        })?;
        let mut intermediates: Vec<CertificateDer<'_>> = peer_intermediates.to_vec();
        intermediates.extend(self.material.intermediates.iter().cloned());
        let crls: Vec<&webpki::CertRevocationList<'_>> = self.material.crls.iter().collect();
        let revocation = if crls.is_empty() {
            None
        } else {
            let (status, expiry) = match self.revocation {
                Revocation::Require => (webpki::UnknownStatusPolicy::Deny, webpki::ExpirationPolicy::Enforce),
                Revocation::AllowUnknown => (webpki::UnknownStatusPolicy::Allow, webpki::ExpirationPolicy::Ignore),
            };
            webpki::RevocationOptionsBuilder::new(&crls).ok().map(|b| {
                b.with_depth(webpki::RevocationCheckDepth::Chain)
                    .with_status_policy(status)
                    .with_expiration_policy(expiry)
                    .build()
            })
        };
        let eku = match usage {
            Usage::Server => webpki::KeyUsage::server_auth(),
            Usage::Client => webpki::KeyUsage::client_auth(),
        };
        ee.verify_for_usage(algorithms().all, &self.material.anchors, &intermediates, now, eku, revocation, None)
            .map_err(|e| refusal_of(&e).with_certificate(Some(seen.clone())))?;
        if revocation.is_none() && self.revocation == Revocation::Require {
            return Err(Refusal::new(TrustCode::RevocationUnknown, "no CRL configured: revocation status unknown")
                .with_certificate(Some(seen)));
        }
        Ok(seen)
    }

    /// Checks a peer for a domain: the domain in the liste blanche, then the
    /// chain ([`check_chain`](Self::check_chain)), then the subject DN
    /// against the DNs listed for the domain ([`match_listed`]).
    pub fn check_peer(
        &self,
        chain: &[CertificateDer<'_>],
        usage: Usage,
        domain: &str,
        liste_blanche: &ListeBlanche,
    ) -> Result<TrustedPeer, Refusal> {
        let (domain, listed) = listed_for(domain, liste_blanche)?;
        self.check_listed(chain, usage, &domain, &listed)
    }

    /// The chain ([`check_chain`](Self::check_chain)), then the subject DN
    /// against `listed`, the DNs of `domain` ([`listed_for`]).
    pub fn check_listed(
        &self,
        chain: &[CertificateDer<'_>],
        usage: Usage,
        domain: &str,
        listed: &[Dn],
    ) -> Result<TrustedPeer, Refusal> {
        let seen = self.check_chain(chain, usage)?;
        match match_listed(seen.subject.as_ref(), listed) {
            Ok(dn) => Ok(TrustedPeer {
                domain: domain.to_owned(),
                protocol: None,
                cipher: None,
                certificate: seen,
                listed: dn,
            }),
            Err(r) => Err(r.with_certificate(Some(seen))),
        }
    }
}

/// The signature algorithms of the ring provider (what rustls itself
/// verifies with), built once.
pub(crate) fn algorithms() -> rustls::crypto::WebPkiSupportedAlgorithms {
    static ALGORITHMS: std::sync::OnceLock<rustls::crypto::WebPkiSupportedAlgorithms> = std::sync::OnceLock::new();
    *ALGORITHMS.get_or_init(|| rustls::crypto::ring::default_provider().signature_verification_algorithms)
}

/// The domain's key and the DNs listed for it; `T909` when it is not in the
/// liste blanche.
pub fn listed_for(domain: &str, liste_blanche: &ListeBlanche) -> Result<(String, Vec<Dn>), Refusal> {
    let key = mssante_types::identity::domain_key_lossy(domain).into_owned();
    let listed: Vec<Dn> = liste_blanche.operators_of(&key).into_iter().cloned().collect();
    if !liste_blanche.contains(&key) {
        return Err(Refusal::new(TrustCode::DomainNotListed, format!("{key} is not in the liste blanche")));
    }
    Ok((key, listed))
}

/// Matches a subject DN against the DNs listed for a domain (the RFC 4514
/// comparison of [`Dn`]): the listed DN it equals, or `T908` when only its
/// `CN` matches one, or `T907`.
pub fn match_listed(subject: Option<&Dn>, listed: &[Dn]) -> Result<Dn, Refusal> {
    let Some(subject) = subject else {
        return Err(Refusal::new(
            TrustCode::DnNotListed,
            "the certificate's subject is empty or has a multi-valued RDN: it cannot be a listed DN",
        ));
    };
    if let Some(dn) = listed.iter().find(|l| *l == subject) {
        return Ok(dn.clone());
    }
    if let Some(same_cn) = listed.iter().find(|l| l.same_cn(subject)) {
        return Err(Refusal::new(
            TrustCode::CnMatchDnDiffers,
            format!("subject {subject} has the CN of the listed {same_cn} but another DN"),
        ));
    }
    Err(Refusal::new(TrustCode::DnNotListed, format!("subject {subject} is not listed for the domain")))
}

/// The refusal for a webpki error.
fn refusal_of(e: &webpki::Error) -> Refusal {
    use webpki::Error as E;
    let code = match e {
        E::CertExpired { .. } | E::CertNotValidYet { .. } | E::InvalidCertValidity => TrustCode::NotValidNow,
        E::CertRevoked => TrustCode::Revoked,
        E::UnknownRevocationStatus
        | E::CrlExpired { .. }
        | E::InvalidCrlSignatureForPublicKey
        | E::IssuerNotCrlSigner
        | E::UnsupportedCrlSignatureAlgorithmContext(_)
        | E::UnsupportedIndirectCrl
        | E::UnsupportedRevocationReasonsPartitioning
        | E::UnsupportedCrlIssuingDistributionPoint => TrustCode::RevocationUnknown,
        E::UnknownIssuer
        | E::InvalidSignatureForPublicKey
        | E::CertDistrusted
        | E::PathLenConstraintViolated
        | E::NameConstraintViolation
        | E::MaximumPathDepthExceeded
        | E::MaximumPathBuildCallsExceeded
        | E::MaximumSignatureChecksExceeded
        | E::SignatureAlgorithmMismatch
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => TrustCode::UntrustedIssuer,
        _ => TrustCode::BadCertificate,
    };
    let reason = match code {
        TrustCode::NotValidNow => "the certificate (or one of its chain) is expired or not yet valid".to_owned(),
        TrustCode::Revoked => "the certificate (or one of its chain) is revoked".to_owned(),
        TrustCode::RevocationUnknown => format!("revocation status unknown ({e})"),
        TrustCode::UntrustedIssuer => format!("the certificate does not chain to a configured root ({e})"),
        _ => format!("the certificate cannot be used ({e})"),
    };
    Refusal::new(code, reason)
}

/// A name as a [`Dn`] in RFC 4514 order (the encoding order reversed);
/// `None` when it is empty or has a multi-valued RDN (`CN=a+OU=b`), which
/// the liste blanche cannot write and so can never match.
pub(crate) fn name_to_dn(name: &X509Name<'_>) -> Option<Dn> {
    if name.iter_rdn().any(|rdn| rdn.iter().count() != 1) {
        return None;
    }
    let attrs: Vec<(String, String)> = name
        .iter_rdn()
        .flat_map(|rdn| rdn.iter())
        .map(|a| {
            let value = match a.as_str() {
                Ok(s) => s.to_owned(),
                Err(_) => {
                    let hex: String = a.attr_value().data.iter().map(|b| format!("{b:02X}")).collect();
                    format!("#{hex}")
                }
            };
            (a.attr_type().to_id_string(), value)
        })
        .collect();
    Dn::from_attributes(attrs.iter().rev().map(|(t, v)| (t.as_str(), v.as_str())))
}

impl PeerCertificate {
    /// Reads what a certificate says; `T910` when it does not parse.
    pub fn read(der: &[u8]) -> Result<PeerCertificate, Refusal> {
        let (_, cert) = X509Certificate::from_der(der)
            .map_err(|e| Refusal::new(TrustCode::BadCertificate, format!("the certificate does not parse: {e}")))?;
        let validity = cert.validity();
        Ok(PeerCertificate {
            subject: name_to_dn(cert.subject()),
            issuer: name_to_dn(cert.issuer()),
            not_before: validity.not_before.timestamp(),
            not_after: validity.not_after.timestamp(),
            serial: cert.raw_serial().iter().map(|b| format!("{b:02X}")).collect(),
            sha256: Sha256::digest(der).iter().map(|b| format!("{b:02x}")).collect(),
        })
    }
}
