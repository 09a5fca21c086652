//! The trust space on the wire: TLS with IGC-Santé certificates (rustls, no
//! OpenSSL, TLS 1.2 minimum), peers verified against the liste blanche.
//!
//! * [`material`]: the IGC-Santé chain (PEM, DER, `.p7b`), CRLs, and the
//!   operator's certificate and key (PEM or PKCS#12); only these are trusted;
//! * [`verify`]: the checks, in order — chain to a configured root, validity
//!   at an injectable clock, revocation by CRL (a documented policy for a
//!   missing or outdated CRL), the subject DN against the `DNCertificatOperateur`
//!   entries of the domain, with the one RFC 4514 comparison of
//!   [`Dn`](mssante_bal::liste_blanche::Dn);
//! * [`verdict`]: trusted (protocol, cipher, subject, issuer, expiry) or
//!   refused with a stable [`TrustCode`] per reason;
//! * [`client`]: STARTTLS or implicit TLS to a destination, probe and delivery;
//! * [`inbound`]: the same rules for a server built on rustls.
//!
//! `docs/trust.md` gives the rules for a security officer.
//!
//! ```no_run
//! use mssante_bal::liste_blanche::ListeBlanche;
//! use mssante_envelope::tls::{Checker, TlsClient, TrustMaterial};
//! use std::path::Path;
//! use std::sync::Arc;
//! let mut material = TrustMaterial::builder();
//! material.add_ca_file(Path::new("Chaine_de_certification-IGC-Sante.p7b"))?;
//! material.add_crl_file(Path::new("ac-igc-sante-organisations.crl"))?;
//! let checker = Checker::new(Arc::new(material.build()?));
//! let lb = ListeBlanche::from_reader(std::fs::File::open("liste-blanche.xml")?)?;
//! let client = TlsClient::new(checker, "mta.operateur-exemple.mssante.fr");
//! let probe = client.probe("mx.ch-exemple.mssante.fr", 25, "ch-exemple.mssante.fr", &lb)?;
//! println!("{:?}", probe.verdict.code());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod client;
pub mod inbound;
pub mod material;
#[cfg(feature = "test-pki")]
pub mod test_pki;
pub mod verdict;
pub mod verify;

pub use client::{Connected, Probe, TlsClient, Transport};
pub use inbound::{ClientVerifier, InboundPolicy};
pub use material::{Identity, MaterialError, TrustMaterial, TrustMaterialBuilder};
pub use verdict::{PeerCertificate, Refusal, TrustCode, TrustedPeer, Verdict};
pub use verify::{Checker, Clock, Revocation, Usage};
