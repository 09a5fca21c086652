//! Deposits and integration runs over a [`Store`]: the operator's side of the
//! evening alimentation, and the backlog catch-up after an outage.

use crate::deposit::{Deposit, DepositPolicy, check_hashed};
use crate::digest::sha256_hex;
use crate::directory::OperatorBals;
use crate::error::{Error, StateCode};
use crate::integrate::{IntegrationPolicy, RunContext, integrate_streaming};
use crate::ownership::Ownership;
use crate::report::{DepositReport, IntegrationOutput, IssueCount, Totals};
use crate::schedule::check_instant;
use crate::store::{DepositEntry, Failure, Store};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// One file a run integrated: what the CR d'intégration sums up (the report
/// itself stays in the store: [`Store::integration_report`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntegratedFile {
    /// The deposit.
    pub seq: u64,
    /// Its file name.
    pub file_name: String,
    /// Its operator.
    pub operator: String,
    /// Its business date.
    pub business_date: NaiveDate,
    /// The totals of its CR d'intégration.
    pub totals: Totals,
    /// Its issues by code, severity and column.
    pub issue_counts: Vec<IssueCount>,
}

/// A deposit a run did not integrate: its content is damaged or missing, or a
/// later file of its operator was integrated first. Marked failed in the
/// ledger, never integrated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedDeposit {
    /// The deposit.
    pub seq: u64,
    /// Its file name.
    pub file_name: String,
    /// Its operator.
    pub operator: String,
    /// Why.
    pub failure: Failure,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// When the run took place.
    pub run_at: DateTime<Utc>,
    /// The last business date it closed.
    pub closed_through: NaiveDate,
    /// The deposits integrated, in integration order.
    pub integrated: Vec<IntegratedFile>,
    /// Deposits marked failed by this run (damaged, missing, superseded).
    pub failed: Vec<FailedDeposit>,
    /// Accepted deposits left for a later run (business date not closed yet).
    pub pending: Vec<(u64, NaiveDate)>,
}

impl RunSummary {
    /// The business dates integrated, in order, without repetition.
    pub fn dates(&self) -> Vec<NaiveDate> {
        let mut v: Vec<NaiveDate> = self.integrated.iter().map(|f| f.business_date).collect();
        v.dedup();
        v
    }
}

/// The order files are integrated in: business date, then deposit time; ties
/// (same instant) are broken by operator, name and content hash, so that the
/// order deposits were recorded in never changes the result.
fn integration_order(a: &DepositEntry, b: &DepositEntry) -> std::cmp::Ordering {
    let key = |d: &DepositEntry| {
        (
            d.report.business_date,
            d.report.deposited_at,
            d.report.operator.clone(),
            d.report.file_name.clone(),
            d.report.sha256.clone(),
        )
    };
    key(a).cmp(&key(b)).then(a.seq.cmp(&b.seq))
}

/// Deposits and runs over a store.
#[derive(Debug)]
pub struct Integrator<S> {
    store: S,
    /// Deposit settings (size limit, schedule).
    pub deposit_policy: DepositPolicy,
    /// Integration settings.
    pub integration_policy: IntegrationPolicy,
    /// The domains of each operator; `None` skips the domain rule.
    pub ownership: Option<Ownership>,
}

impl<S: Store> Integrator<S> {
    /// An integrator with default settings and no domain rule.
    pub fn new(store: S) -> Self {
        Integrator {
            store,
            deposit_policy: DepositPolicy::default(),
            integration_policy: IntegrationPolicy::default(),
            ownership: None,
        }
    }

    /// Checks the domain of every address against this table.
    pub fn with_ownership(mut self, ownership: Ownership) -> Self {
        self.ownership = Some(ownership);
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Gives the store back.
    pub fn into_store(self) -> S {
        self.store
    }

    /// Checks and records a deposit; returns its sequence number and CR de
    /// dépôt. A rejected file is recorded too (its report), without its
    /// content. The check and the recording are one step under the store's
    /// lock: concurrent deposits each get their own sequence number and see
    /// each other for the duplicate check. An instant outside 2000–2099 is an
    /// error ([`StateCode::InstantOutOfRange`]), recorded nowhere.
    pub fn deposit(&mut self, deposit: &Deposit<'_>) -> Result<(u64, DepositReport), Error> {
        check_instant(deposit.at)?;
        let sha256 = sha256_hex(deposit.content);
        let policy = self.deposit_policy;
        self.store.record_deposit(deposit.content, &sha256, &mut |earlier| {
            check_hashed(deposit, &policy, sha256.clone(), earlier)
        })
    }

    /// Runs an integration at `at`: every accepted deposit not yet integrated
    /// whose business date is closed at `at`, by business date then deposit
    /// time (exact ties by operator, name, hash), each committed on its own.
    /// Running again integrates nothing twice.
    ///
    /// The run holds the store's run lock: a second run waits (a bounded
    /// time) for this one, and deposits recorded meanwhile are left for the
    /// next run. A deposit older (business date, then deposit time) than a
    /// file of the same operator already integrated is marked failed
    /// ([`StateCode::Superseded`]): the directory never goes back in time,
    /// whatever order deposits and runs came in. Each content is checked
    /// against its size and SHA-256 first:
    /// a damaged or missing one is marked failed ([`StateCode::ContentMismatch`],
    /// [`StateCode::ContentMissing`]), changes nothing, and the run goes on.
    /// Memory holds one operator's BALs at a time and, per file, its counts:
    /// the report's rows go to temporary files as they are produced.
    pub fn run(&mut self, at: DateTime<Utc>) -> Result<RunSummary, Error> {
        check_instant(at)?;
        self.store.begin_run()?;
        let result = self.run_locked(at);
        let ended = self.store.end_run();
        let summary = result?;
        ended?;
        Ok(summary)
    }

    fn run_locked(&mut self, at: DateTime<Utc>) -> Result<RunSummary, Error> {
        let closed_through = self.deposit_policy.schedule.closed_through(at);
        let mut due: Vec<DepositEntry> = Vec::new();
        let mut pending = Vec::new();
        // The newest file of each operator already integrated: nothing older
        // is integrated over it.
        let mut newest: BTreeMap<String, DepositEntry> = BTreeMap::new();
        let ledger = self.store.deposits()?;
        for d in &ledger {
            if d.integrated_at.is_some() {
                match newest.get(&d.report.operator) {
                    Some(n) if integration_order(n, d).is_ge() => {}
                    _ => {
                        newest.insert(d.report.operator.clone(), d.clone());
                    }
                }
            }
        }
        for d in ledger {
            if !d.is_waiting() {
                continue;
            }
            if d.report.business_date <= closed_through {
                due.push(d);
            } else {
                pending.push((d.seq, d.report.business_date));
            }
        }
        due.sort_by(integration_order);
        // The last due file of each operator: its BALs leave memory after it.
        let last: BTreeMap<String, usize> =
            due.iter().enumerate().map(|(i, d)| (d.report.operator.clone(), i)).collect();
        let mut loaded: BTreeMap<String, OperatorBals> = BTreeMap::new();
        let mut integrated = Vec::with_capacity(due.len());
        let mut failed = Vec::new();
        let ctx = RunContext {
            run_at: at,
            closed_through,
            ownership: self.ownership.as_ref(),
            policy: &self.integration_policy,
        };
        for (i, d) in due.into_iter().enumerate() {
            let op = d.report.operator.clone();
            let done_with_operator = last.get(&op) == Some(&i);
            if let Some(n) = newest.get(&op)
                && integration_order(&d, n).is_lt()
            {
                let message = format!(
                    "{} (business date {}) arrived after {} (business date {}) was integrated: not integrated over it",
                    d.report.file_name, d.report.business_date, n.report.file_name, n.report.business_date
                );
                failed.push(fail(&mut self.store, &d, StateCode::Superseded, message, at)?);
                if done_with_operator {
                    loaded.remove(&op);
                }
                continue;
            }
            let content = match self.store.content(d.seq) {
                Ok(c) if d.report.matches_content(&c) => c,
                Ok(c) => {
                    let message = format!(
                        "stored content ({} bytes) does not match the deposit ({} bytes, SHA-256 {}): not integrated",
                        c.len(),
                        d.report.size,
                        d.report.sha256
                    );
                    failed.push(fail(&mut self.store, &d, StateCode::ContentMismatch, message, at)?);
                    continue;
                }
                Err(e) if e.state_code() == Some(StateCode::ContentMissing) => {
                    failed.push(fail(&mut self.store, &d, StateCode::ContentMissing, e.to_string(), at)?);
                    continue;
                }
                Err(e) => return Err(e),
            };
            if !loaded.contains_key(&op) {
                let bals = self.store.load_operator(&op)?;
                loaded.insert(op.clone(), bals);
            }
            let bals =
                loaded.get_mut(&op).ok_or_else(|| Error::state(StateCode::LedgerConflict, "operator not loaded"))?;
            // In place; if the commit fails the copy in memory is dropped, the
            // store still holds the previous state and the run stops.
            // The report's rows go to temporary files as they come: memory
            // holds this operator's BALs and the counts, not the lines.
            let report = match integrate_streaming(bals, &content, &d.report, &ctx) {
                Ok(r) => r,
                Err(e) => {
                    loaded.remove(&op);
                    return Err(e);
                }
            };
            drop(content);
            if let Err(e) = self.store.commit(d.seq, bals, &report) {
                loaded.remove(&op);
                return Err(e);
            }
            let head = report.head();
            integrated.push(IntegratedFile {
                seq: d.seq,
                file_name: head.file_name.clone(),
                operator: head.operator.clone(),
                business_date: head.business_date,
                totals: report.totals(),
                issue_counts: report.issue_counts(),
            });
            if done_with_operator {
                loaded.remove(&op);
            }
        }
        Ok(RunSummary { run_at: at, closed_through, integrated, failed, pending })
    }
}

/// Marks a deposit failed in the ledger.
fn fail<S: Store>(
    store: &mut S,
    d: &DepositEntry,
    code: StateCode,
    message: String,
    at: DateTime<Utc>,
) -> Result<FailedDeposit, Error> {
    let failure = Failure { code, message, at };
    store.fail(d.seq, &failure)?;
    Ok(FailedDeposit {
        seq: d.seq,
        file_name: d.report.file_name.clone(),
        operator: d.report.operator.clone(),
        failure,
    })
}
