//! The vocabulary every mssante crate shares, defined once.
//!
//! - [`identity`]: when two MSSanté addresses or domains are the same — one
//!   canonical key (IDNA to ASCII for the domain, lower case for the local
//!   part), used by the directory, the diff, the distinct count, the ownership
//!   of domains, the reconciliation, the liste blanche and the routing.
//! - [`paris`]: a civil date and time in Paris to an instant, with one policy for
//!   the daylight-saving gap and overlap.
//! - [`codes`]: the shape every crate's catalogue of stable codes shares.
//! - [`signal`]: a signal about an operator's feed (a stall, a reconciliation
//!   gap), produced by `mssante-cr` and turned into a draft incident by
//!   `mssante-incident`.
//!
//! This crate is small on purpose: `mssante-incident` needs the signal and Paris
//! time but none of the file readers of `mssante-bal`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod codes;
pub mod identity;
#[cfg(feature = "paris")]
pub mod paris;
pub mod signal;

pub use codes::StableCode;
pub use identity::{IdentityError, address_key, domain_key, domain_key_lossy, same_address, same_domain};
pub use signal::{Signal, SignalKind};
