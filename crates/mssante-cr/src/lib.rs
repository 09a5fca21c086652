//! # mssante-cr
//!
//! Deposit and integration of MSSanté operator BAL files, as the Annuaire Santé
//! does it every evening, reproduced so that an operator can run it on its own
//! side:
//!
//! * [`deposit`]: the file-level checks → a **CR de dépôt** ([`DepositReport`]);
//! * [`integrate`]: one accepted file into the operator's BALs → a **CR
//!   d'intégration** ([`IntegrationReport`]) with one outcome per line and per
//!   BAL held before;
//! * [`store`]: the directory state (a [`Store`] trait; in memory, in a
//!   crash-safe folder shared by concurrent processes, and with the
//!   `postgres` feature on PostgreSQL);
//! * [`run`]: deposits and runs over a store, in business-date order, including
//!   the catch-up of a backlog after an outage ([`Schedule`]);
//! * [`report`]: both reports in a `|` form and JSON that parse back, and a
//!   French text;
//! * [`reconcile`]: a feed against the public extraction; [`signal`]: the
//!   stalled-feed detector and plain [`Signal`]s for incidents.
//!
//! Formats are specified in `docs/formats/cr.md`, codes in `docs/error-codes.md`.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use mssante_cr::{deposit::Deposit, Integrator, MemoryStore, Store};
//! let feed = format!("{}\nPER|jean.exemple@ch-x.mssante.fr|8|10000000009||||||||N|1\n", mssante_bal::Format::Feed.header());
//! let mut it = Integrator::new(MemoryStore::new());
//! let at = Utc.with_ymd_and_hms(2020, 12, 11, 16, 0, 0).unwrap(); // 17:00 in Paris
//! let (_, cr_depot) = it.deposit(&Deposit { file_name: "BALMSS_OPE-1_20201211160000.txt", content: feed.as_bytes(), operator: "OPE-1", at }).unwrap();
//! assert!(cr_depot.is_accepted());
//! let run = it.run(Utc.with_ymd_and_hms(2020, 12, 11, 19, 0, 0).unwrap()).unwrap(); // the 20:00 run
//! assert_eq!(run.integrated[0].totals.created, 1);
//! let cr = it.store().integration_report(run.integrated[0].seq).unwrap().unwrap();
//! assert_eq!(mssante_cr::IntegrationReport::from_pipe(&cr.to_pipe()).unwrap(), cr);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod deposit;
pub mod deposit_code;
pub mod digest;
pub mod directory;
pub mod error;
pub mod integrate;
pub mod ownership;
pub mod reconcile;
pub mod report;
pub mod run;
pub mod schedule;
pub mod sections;
pub mod signal;
pub mod store;

pub use deposit_code::{DepositCode, DepositIssue};
pub use directory::OperatorBals;
pub use error::Error;
pub use ownership::{OperatorRule, Ownership};
pub use report::{
    BalOutcome, DepositOutcome, DepositReport, FieldChange, IntegrationOutput, IntegrationReport, IssueCount, Outcome,
    Totals,
};
pub use run::{FailedDeposit, IntegratedFile, Integrator, RunSummary};
pub use schedule::Schedule;
pub use signal::{Signal, SignalKind};
#[cfg(feature = "postgres")]
pub use store::PgStore;
pub use store::{FsStore, MemoryStore, Store};
