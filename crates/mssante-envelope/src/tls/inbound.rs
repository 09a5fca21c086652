//! The receiving side, for a server built on rustls (an operator's Rust MTA
//! or proxy): a client-certificate verifier that refuses, at the handshake,
//! a chain the IGC-Santé roots do not vouch for, and a decision for
//! (client chain, `MAIL FROM` domain) once the sender's domain is known.

use super::client::rustls_error;
use super::verdict::{Refusal, TrustCode, TrustedPeer, Verdict};
use super::verify::{Checker, Usage, algorithms, listed_for};
use mssante_bal::liste_blanche::ListeBlanche;
use rustls::DistinguishedName;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, ServerConnection, SignatureScheme};
use std::sync::Arc;

/// A rustls [`ClientCertVerifier`]: the chain, validity and revocation
/// checks of [`Checker::check_chain`] for a client certificate. The DN is
/// checked later by [`InboundPolicy::decide`], when `MAIL FROM` names the
/// domain.
#[derive(Debug)]
pub struct ClientVerifier {
    checker: Checker,
    mandatory: bool,
    hints: Vec<DistinguishedName>,
}

impl ClientVerifier {
    /// A verifier that requires a client certificate.
    pub fn new(checker: Checker) -> ClientVerifier {
        let hints = checker.material().root_subjects();
        ClientVerifier { checker, mandatory: true, hints }
    }

    /// Accepts clients without a certificate at the handshake (the decision
    /// then refuses them with `T911`).
    pub fn optional(mut self) -> ClientVerifier {
        self.mandatory = false;
        self
    }
}

impl ClientCertVerifier for ClientVerifier {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.clone()];
        chain.extend(intermediates.iter().cloned());
        match self.checker.check_chain(&chain, Usage::Client) {
            Ok(_) => Ok(ClientCertVerified::assertion()),
            Err(r) => Err(rustls_error(r.code)),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &algorithms())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &algorithms())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        algorithms().supported_schemes()
    }
}

/// Decides whether a client may send mail from a domain.
#[derive(Debug, Clone)]
pub struct InboundPolicy {
    checker: Checker,
    liste_blanche: Arc<ListeBlanche>,
}

impl InboundPolicy {
    /// A policy over a liste blanche.
    pub fn new(checker: Checker, liste_blanche: Arc<ListeBlanche>) -> InboundPolicy {
        InboundPolicy { checker, liste_blanche }
    }

    /// A rustls verifier with the same checker, for the server's config.
    pub fn verifier(&self) -> Arc<ClientVerifier> {
        Arc::new(ClientVerifier::new(self.checker.clone()))
    }

    /// The decision for a client chain (`None`: no TLS) and the domain of
    /// its `MAIL FROM`: the domain in the liste blanche (`T909`), a TLS
    /// session (`T901`), a certificate (`T911`), the chain (`T903`–`T906`,
    /// `T910`), the subject DN listed for the domain (`T907`, `T908`).
    /// Checked again in full, so it holds even behind a verifier that
    /// accepted anything.
    pub fn decide(&self, chain: Option<&[CertificateDer<'_>]>, mail_from_domain: &str) -> Verdict {
        let result = (|| {
            let (domain, listed) = listed_for(mail_from_domain, &self.liste_blanche)?;
            let chain = chain.ok_or_else(|| Refusal::new(TrustCode::NoTls, "the session is not TLS"))?;
            if chain.is_empty() {
                return Err(Refusal::new(TrustCode::NoClientCertificate, "the client presented no certificate"));
            }
            self.checker.check_listed(chain, Usage::Client, &domain, &listed)
        })();
        Verdict::from(result)
    }

    /// [`decide`](Self::decide) for a rustls server connection, with the
    /// negotiated protocol and cipher in the verdict.
    pub fn decide_connection(&self, connection: &ServerConnection, mail_from_domain: &str) -> Verdict {
        let chain = connection.peer_certificates().unwrap_or(&[]);
        match self.decide(Some(chain), mail_from_domain) {
            Verdict::Trusted(peer) => Verdict::Trusted(Box::new(TrustedPeer {
                protocol: connection.protocol_version().map(|v| format!("{v:?}").replace('_', ".")),
                cipher: connection.negotiated_cipher_suite().map(|s| format!("{:?}", s.suite())),
                ..*peer
            })),
            refused => refused,
        }
    }
}
