//! # mssante-envelope
//!
//! SMTP envelopes for the MSSanté trust space (work in progress, issue 5):
//!
//! * [`envelope`]: reverse path (null for DSN/MDN), recipients, DSN parameters
//!   (`RET`, `ENVID`, `NOTIFY`, `ORCPT`, xtext-encoded), `SMTPUTF8`; the
//!   `MAIL FROM:` / `RCPT TO:` lines rendered and parsed back with nom;
//! * [`route`]: trust-space membership through the liste blanche (never the
//!   `.mssante.fr` suffix alone), patient addresses, recipients partitioned by
//!   destination operator (its certificate DNs) in transactions of at most 100;
//! * [`retry`]: reply classes (4xx, 5xx, enhanced codes, 421), backoff with
//!   seedable jitter and a give-up time (RFC 5321 §4.5.4.1 defaults);
//! * [`simulate`]: a mass alert and clinical mail against a destination with a
//!   limited acceptance rate, with and without separate lanes.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod envelope;
pub mod error;
pub mod message;
mod parse;
pub mod retry;
pub mod route;
pub mod simulate;
pub mod smtp;
pub mod throttle;
pub mod xtext;

pub use envelope::{Envelope, Notify, Recipient, Ret, ReversePath};
pub use error::Error;
