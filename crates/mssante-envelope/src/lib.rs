//! # mssante-envelope
//!
//! SMTP for the MSSanté trust space: envelopes, routing through the liste
//! blanche, budgets, retries, and messages that cannot be injected.
//!
//! * [`envelope`]: reverse path (null for DSN/MDN), recipients, DSN parameters
//!   (`RET`, `ENVID`, `NOTIFY`, `ORCPT`, xtext-encoded), `SMTPUTF8`; the
//!   `MAIL FROM:` / `RCPT TO:` lines rendered and parsed back with nom;
//! * [`route`]: trust-space membership through the liste blanche (never the
//!   `.mssante.fr` suffix alone), patient addresses, recipients partitioned by
//!   destination operator (its certificate DNs) in transactions of at most 100;
//!   domains lower-cased and IDNA-normalised;
//! * [`throttle`]: concurrency, rate and size budgets per destination operator,
//!   with a clinical lane that bulk mail cannot delay;
//! * [`retry`]: reply classes (4xx, 5xx, enhanced codes, 421), backoff with
//!   seedable jitter and a give-up time (RFC 5321 §4.5.4.1 defaults);
//! * [`simulate`]: a mass alert and clinical mail against a destination with a
//!   limited acceptance rate, with and without separate lanes;
//! * [`message`]: notice and report mails built with mail-builder, with the
//!   MSSanté headers, no `Bcc:` header ever, control characters refused,
//!   byte-identical output when Message-ID, Date and boundary are given;
//! * [`smtp`]: a small blocking client that sends a built message with its
//!   envelope (DSN parameters when the server offers `DSN`);
//! * [`tls`] (feature `tls`, default): STARTTLS and mutual TLS with
//!   IGC-Santé certificates, peers verified against the liste blanche, with a
//!   typed verdict;
//! * [`dsn`]: delivery status notifications (RFC 3464) read into
//!   per-recipient outcomes that feed the reply classes and the retry plan.
//!
//! ```
//! use mssante_bal::liste_blanche::ListeBlanche;
//! use mssante_envelope::message::{Draft, Mailbox};
//! use mssante_envelope::route::{plan, TrustSpace};
//! use mssante_envelope::throttle::{Budgets, Lane, Throttle};
//! let lb = ListeBlanche::parse(br#"<ListeBlancheMSSante><ListeDomaines>
//!   <Domaine><Nom>medecin.mssante.fr</Nom><DNCertificatOperateur>CN=mta1.x,OU=1,O=X,C=FR</DNCertificatOperateur></Domaine>
//!   </ListeDomaines></ListeBlancheMSSante>"#).unwrap();
//! let space = TrustSpace::new(&lb);
//! let p = plan(&["a@medecin.mssante.fr", "b@Medecin.MSSante.fr"], &space, 100);
//! let budgets = Budgets::default();
//! let slots = Throttle::new(&budgets).schedule(Lane::Clinical, &p);
//! assert_eq!((p.transactions.len(), slots[0].start_ms), (1, 0));
//! let mut draft = Draft::notice(Mailbox::new("supervision@x.mssante.fr").unwrap(), "Incident clos", "Bonjour,\r\n");
//! for (addr, _) in &p.transactions[0].recipients {
//!     draft = draft.to(Mailbox::new(addr.as_str()).unwrap());
//! }
//! let built = draft.build().unwrap();
//! assert_eq!(built.envelope.recipients().len(), 2);
//! built.check_size(budgets.for_destination(&p.transactions[0].destination).max_message_size()).unwrap();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod dsn;
pub mod envelope;
pub mod error;
pub mod message;
mod parse;
mod reply;
pub mod retry;
pub mod route;
pub mod simulate;
pub mod smtp;
pub mod throttle;
#[cfg(feature = "tls")]
pub mod tls;
pub mod xtext;

pub use envelope::{Envelope, Notify, Recipient, Ret, ReversePath};
pub use error::{Error, Stage};
