//! # mssante-policy
//!
//! The MSSanté trust space enforced at the MTA: a Postfix SMTP access policy
//! service (`check_policy_service`) and static Postfix tables built from the
//! liste blanche.
//!
//! * [`request`]: the policy protocol's requests (`name=value` lines ended by
//!   an empty line), every attribute kept, rendered and parsed back;
//! * [`action`]: the answers (`DUNNO`, `OK`, `REJECT`, `DEFER_IF_PERMIT`
//!   with an enhanced status code and a one-line text);
//! * [`policy`]: the rules — inbound (sender's domain listed, TLS, a verified
//!   client certificate whose CN is listed for the sender's domain),
//!   outbound (recipient's domain in the liste blanche), mass alerts (bulk
//!   senders deferred when the destination operator's budget is spent) —
//!   and a dry-run mode; a pure decision per request;
//! * [`bulk`]: bulk senders and the per-operator token buckets;
//! * [`code`]: the stable codes (`P1xx`–`P4xx`) in Postfix's replies;
//! * [`maps`]: `transport_maps`, `smtp_tls_policy_maps` and
//!   `check_recipient_access` tables;
//! * [`server`]: the service itself over TCP — many connections, several
//!   requests per connection, bounded requests, idle timeout, the liste
//!   blanche reloaded when its file changes, one JSON log line per
//!   decision, a clean stop.
//!
//! What Postfix lets a policy service see of a client certificate is only
//! its subject and issuer **common names**, and only once Postfix verified it
//! against `smtpd_tls_CAfile`: the DN, the CRLs and the certificate's
//! validity are Postfix's or nobody's. `docs/postfix.md` says what this
//! covers and what a Rust server built on `mssante_envelope::tls::inbound`
//! checks in addition.
//!
//! ```
//! use mssante_bal::liste_blanche::ListeBlanche;
//! use mssante_policy::{bulk::BulkMeter, policy::{Policy, Settings}, request::Request};
//! let lb = ListeBlanche::parse(br#"<ListeBlancheMSSante><ListeDomaines>
//!   <Domaine><Nom>medecin.mssante.fr</Nom><DNCertificatOperateur>CN=mta1.op-a.fr,OU=1,O=A,C=FR</DNCertificatOperateur></Domaine>
//!   </ListeDomaines></ListeBlancheMSSante>"#).unwrap();
//! let policy = Policy::new(&lb, Settings::new(["ch-exemple.mssante.fr"]).unwrap());
//! let request = Request::parse(b"request=smtpd_access_policy\nprotocol_state=RCPT\n\
//!     sender=secretariat@ch-exemple.mssante.fr\nrecipient=x@gmail.example\n\n").unwrap();
//! let decision = policy.decide(&request, &BulkMeter::new(), 0);
//! assert_eq!(decision.action.response(),
//!     "action=REJECT 5.7.1 P201 destinataire hors espace de confiance / recipient outside the trust space: gmail.example\n\n");
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod action;
pub mod bulk;
pub mod code;
pub mod error;
pub mod maps;
pub mod policy;
pub mod request;
pub mod server;

pub use error::Error;
