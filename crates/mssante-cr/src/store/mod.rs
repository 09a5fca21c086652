//! Where the directory state lives: the [`Store`] trait, an in-memory
//! [`MemoryStore`], the folder-backed [`FsStore`] and, with the `postgres`
//! feature, `PgStore` on PostgreSQL.
//!
//! The state is the deposit ledger (every CR de dépôt, the content of accepted
//! files, which ones are integrated or failed) and the BALs of each operator.
//! Its promises, whatever the backend:
//!
//! * **one ledger**: [`Store::record_deposit`] decides and records a deposit in
//!   one step under the store's lock, so any number of processes depositing at
//!   once each get a unique sequence number, and the duplicate check (`D407`)
//!   sees every deposit recorded before;
//! * **one run at a time**: [`Store::begin_run`] takes the run lock, so each
//!   deposit is integrated by exactly one run; deposits keep arriving during a
//!   run and wait for the next one;
//! * **all or nothing**: integrating one file is a single [`Store::commit`]
//!   (the operator's new BALs, the deposit marked integrated, its CR
//!   d'intégration);
//! * **distrust**: content is checked against its SHA-256 before integration,
//!   and [`Store::verify`] checks everything the ledger names.

mod fs;
mod lock;
#[cfg(feature = "postgres")]
mod pg;
mod verify;

#[doc(hidden)]
pub use fs::Fault;
pub use fs::{DEFAULT_LOCK_TIMEOUT, FsStore};
#[cfg(feature = "postgres")]
pub use pg::PgStore;
pub use verify::{Finding, verify_logical};

use crate::directory::OperatorBals;
use crate::error::{Error, StateCode};
use crate::report::{DepositReport, IntegrationOutput, IntegrationReport, IntegrationSummary, ReportKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Why a deposit could not be integrated: it will not be tried again (its
/// operator deposits a new file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// `S707` (content does not match its SHA-256), `S708` (content missing)
    /// or `S717` (older than a file of the operator already integrated).
    pub code: StateCode,
    /// What was found.
    pub message: String,
    /// The run that found it.
    pub at: DateTime<Utc>,
}

/// One deposit in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositEntry {
    /// Sequence number, from 1, in the order deposits were recorded; unique.
    pub seq: u64,
    /// Its CR de dépôt.
    pub report: DepositReport,
    /// When it was integrated, if it was.
    pub integrated_at: Option<DateTime<Utc>>,
    /// Why it could not be integrated, if a run found its content damaged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<Failure>,
}

impl DepositEntry {
    /// Accepted, not integrated, not failed: waiting for a run.
    pub fn is_waiting(&self) -> bool {
        self.report.is_accepted() && self.integrated_at.is_none() && self.failed.is_none()
    }
}

/// An operator holding BALs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorInfo {
    /// Its identifier.
    pub operator: String,
    /// How many BALs it holds.
    pub bals: u64,
    /// The commit that last wrote its BALs (numbers the directory files).
    pub generation: u64,
}

/// Persistence of the directory state. Implementations keep the promises
/// listed in the [module documentation](self).
pub trait Store {
    /// Every deposit, by sequence number.
    fn deposits(&self) -> Result<Vec<DepositEntry>, Error>;
    /// Under the store's lock: looks up an accepted deposit with content hash
    /// `sha256`, lets `check` decide the CR de dépôt (given the earlier file's
    /// name, if any), records it with the next sequence number (its content
    /// only when accepted) and returns both.
    fn record_deposit(
        &mut self,
        content: &[u8],
        sha256: &str,
        check: &mut dyn FnMut(Option<String>) -> DepositReport,
    ) -> Result<(u64, DepositReport), Error>;
    /// The stored content of an accepted deposit, as stored (not checked
    /// here). A missing content is [`StateCode::ContentMissing`].
    fn content(&self, seq: u64) -> Result<Vec<u8>, Error>;
    /// The BALs an operator holds (none for an unknown operator), checked
    /// against the ledger.
    fn load_operator(&self, operator: &str) -> Result<OperatorBals, Error>;
    /// Atomically: the operator's BALs become `bals`, deposit `seq` is
    /// integrated by the report's run time, and the report is kept (streamed
    /// from `report`, never held whole by the folder and database stores). A deposit already
    /// integrated or failed is a [`StateCode::LedgerConflict`].
    fn commit(&mut self, seq: u64, bals: &OperatorBals, report: &dyn IntegrationOutput) -> Result<(), Error>;
    /// Marks a deposit as failed: it is never integrated.
    fn fail(&mut self, seq: u64, failure: &Failure) -> Result<(), Error>;
    /// The CR d'intégration of a deposit, once integrated.
    fn integration_report(&self, seq: u64) -> Result<Option<IntegrationReport>, Error>;
    /// Writes a deposit's CR d'intégration, as stored, into `out`; false when
    /// it has none. Backends that keep the text copy it without parsing it.
    fn copy_integration_report(&self, seq: u64, out: &mut dyn std::io::Write) -> Result<bool, Error> {
        match self.integration_report(seq)? {
            None => Ok(false),
            Some(r) => r.write_pipe(out).map(|()| true).map_err(|e| Error::io("(CR d'intégration)", e)),
        }
    }
    /// The head of a deposit's CR d'intégration (header, totals, counts by
    /// code), once integrated. Backends that can read it without the rows do.
    fn integration_summary(&self, seq: u64) -> Result<Option<IntegrationSummary>, Error> {
        Ok(self.integration_report(seq)?.map(|r| IntegrationSummary {
            totals: r.totals(),
            issue_counts: r.issue_counts(),
            report: IntegrationReport { outcomes: Vec::new(), ..r },
        }))
    }
    /// Operators holding BALs, sorted.
    fn operators(&self) -> Result<Vec<OperatorInfo>, Error>;
    /// Takes the run lock (waiting a bounded time) and tidies what an
    /// interrupted step left. Held until [`Store::end_run`].
    fn begin_run(&mut self) -> Result<(), Error>;
    /// Releases the run lock.
    fn end_run(&mut self) -> Result<(), Error>;
    /// Checks everything the ledger names; an empty list means all is well.
    fn verify(&self) -> Result<Vec<Finding>, Error>;
    /// Where a report is kept as a file, for backends that keep files.
    fn report_path(&self, _seq: u64, _kind: ReportKind) -> Option<PathBuf> {
        None
    }
    /// How long this handle has waited for other processes' locks so far
    /// (zero for backends that cannot tell).
    fn lock_waited(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
    /// The pipe form of a deposit's CR de dépôt, as the store keeps it.
    fn deposit_report_pipe(&self, seq: u64) -> Result<String, Error> {
        self.deposits()?
            .into_iter()
            .find(|d| d.seq == seq)
            .map(|d| d.report.to_pipe())
            .ok_or_else(|| Error::state(StateCode::LedgerConflict, format!("unknown deposit {seq}")))
    }
}

macro_rules! forward_store {
    ($($t:ty),*) => {$(
impl<S: Store + ?Sized> Store for $t {
    fn deposits(&self) -> Result<Vec<DepositEntry>, Error> {
        (**self).deposits()
    }
    fn record_deposit(
        &mut self,
        content: &[u8],
        sha256: &str,
        check: &mut dyn FnMut(Option<String>) -> DepositReport,
    ) -> Result<(u64, DepositReport), Error> {
        (**self).record_deposit(content, sha256, check)
    }
    fn content(&self, seq: u64) -> Result<Vec<u8>, Error> {
        (**self).content(seq)
    }
    fn load_operator(&self, operator: &str) -> Result<OperatorBals, Error> {
        (**self).load_operator(operator)
    }
    fn commit(&mut self, seq: u64, bals: &OperatorBals, report: &dyn IntegrationOutput) -> Result<(), Error> {
        (**self).commit(seq, bals, report)
    }
    fn fail(&mut self, seq: u64, failure: &Failure) -> Result<(), Error> {
        (**self).fail(seq, failure)
    }
    fn integration_report(&self, seq: u64) -> Result<Option<IntegrationReport>, Error> {
        (**self).integration_report(seq)
    }
    fn integration_summary(&self, seq: u64) -> Result<Option<IntegrationSummary>, Error> {
        (**self).integration_summary(seq)
    }
    fn copy_integration_report(&self, seq: u64, out: &mut dyn std::io::Write) -> Result<bool, Error> {
        (**self).copy_integration_report(seq, out)
    }
    fn operators(&self) -> Result<Vec<OperatorInfo>, Error> {
        (**self).operators()
    }
    fn begin_run(&mut self) -> Result<(), Error> {
        (**self).begin_run()
    }
    fn end_run(&mut self) -> Result<(), Error> {
        (**self).end_run()
    }
    fn verify(&self) -> Result<Vec<Finding>, Error> {
        (**self).verify()
    }
    fn report_path(&self, seq: u64, kind: ReportKind) -> Option<PathBuf> {
        (**self).report_path(seq, kind)
    }
    fn lock_waited(&self) -> std::time::Duration {
        (**self).lock_waited()
    }
    fn deposit_report_pipe(&self, seq: u64) -> Result<String, Error> {
        (**self).deposit_report_pipe(seq)
    }
}
)*};
}

// A boxed store (`Box<dyn Store>`, chosen at run time) and a borrowed one are stores.
forward_store!(Box<S>, &mut S);

/// The state in memory (tests, embedding, benchmarks). One owner at a time
/// (`&mut self`), so it needs no lock.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    deposits: Vec<DepositEntry>,
    contents: BTreeMap<u64, Vec<u8>>,
    operators: BTreeMap<String, (OperatorBals, u64)>,
    reports: BTreeMap<u64, String>,
    generation: u64,
}

impl MemoryStore {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces an operator's BALs directly (to seed a directory).
    pub fn set_operator(&mut self, operator: &str, bals: OperatorBals) {
        self.generation += 1;
        self.operators.insert(operator.to_owned(), (bals, self.generation));
    }

    fn entry_mut(&mut self, seq: u64) -> Result<&mut DepositEntry, Error> {
        self.deposits
            .iter_mut()
            .find(|d| d.seq == seq)
            .ok_or_else(|| Error::state(StateCode::LedgerConflict, format!("unknown deposit {seq}")))
    }
}

/// The ledger conflict of a commit or a failure on a deposit that is not
/// waiting any more.
pub(crate) fn check_waiting(entry: &DepositEntry) -> Result<(), Error> {
    if entry.is_waiting() {
        Ok(())
    } else {
        let why = if !entry.report.is_accepted() {
            "was rejected"
        } else if entry.integrated_at.is_some() {
            "is already integrated"
        } else {
            "has failed"
        };
        Err(Error::state(StateCode::LedgerConflict, format!("deposit {} {why}", entry.seq)))
    }
}

impl Store for MemoryStore {
    fn deposits(&self) -> Result<Vec<DepositEntry>, Error> {
        Ok(self.deposits.clone())
    }

    fn record_deposit(
        &mut self,
        content: &[u8],
        sha256: &str,
        check: &mut dyn FnMut(Option<String>) -> DepositReport,
    ) -> Result<(u64, DepositReport), Error> {
        let earlier = self
            .deposits
            .iter()
            .find(|d| d.report.is_accepted() && d.report.sha256 == sha256)
            .map(|d| d.report.file_name.clone());
        let report = check(earlier);
        let seq = self.deposits.len() as u64 + 1;
        self.deposits.push(DepositEntry { seq, report: report.clone(), integrated_at: None, failed: None });
        if report.is_accepted() {
            self.contents.insert(seq, content.to_vec());
        }
        Ok((seq, report))
    }

    fn content(&self, seq: u64) -> Result<Vec<u8>, Error> {
        self.contents
            .get(&seq)
            .cloned()
            .ok_or_else(|| Error::state(StateCode::ContentMissing, format!("no content for deposit {seq}")))
    }

    fn load_operator(&self, operator: &str) -> Result<OperatorBals, Error> {
        Ok(self.operators.get(operator).map(|(b, _)| b.clone()).unwrap_or_default())
    }

    fn commit(&mut self, seq: u64, bals: &OperatorBals, report: &dyn IntegrationOutput) -> Result<(), Error> {
        check_waiting(self.entry_mut(seq)?)?;
        let mut pipe = Vec::new();
        report.write_pipe(&mut pipe).map_err(|e| Error::io("(memory)", e))?;
        let pipe = String::from_utf8(pipe)
            .map_err(|_| Error::state(StateCode::ReportMismatch, "a CR d'intégration is not UTF-8"))?;
        let head = report.head();
        self.entry_mut(seq)?.integrated_at = Some(head.run_at);
        self.generation += 1;
        self.operators.insert(head.operator.clone(), (bals.clone(), self.generation));
        self.reports.insert(seq, pipe);
        Ok(())
    }

    fn fail(&mut self, seq: u64, failure: &Failure) -> Result<(), Error> {
        let entry = self.entry_mut(seq)?;
        check_waiting(entry)?;
        entry.failed = Some(failure.clone());
        Ok(())
    }

    fn integration_report(&self, seq: u64) -> Result<Option<IntegrationReport>, Error> {
        self.reports.get(&seq).map(|p| IntegrationReport::from_pipe(p)).transpose()
    }

    fn operators(&self) -> Result<Vec<OperatorInfo>, Error> {
        Ok(self
            .operators
            .iter()
            .map(|(k, (b, g))| OperatorInfo { operator: k.clone(), bals: b.len() as u64, generation: *g })
            .collect())
    }

    fn begin_run(&mut self) -> Result<(), Error> {
        Ok(())
    }

    fn end_run(&mut self) -> Result<(), Error> {
        Ok(())
    }

    fn verify(&self) -> Result<Vec<Finding>, Error> {
        verify_logical(self)
    }
}
