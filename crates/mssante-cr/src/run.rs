//! Deposits and integration runs over a [`Store`]: the operator's side of the
//! evening alimentation, and the backlog catch-up after an outage.

use crate::deposit::{Deposit, DepositPolicy, check_deposit};
use crate::directory::OperatorBals;
use crate::error::Error;
use crate::integrate::{IntegrationPolicy, RunContext, integrate};
use crate::ownership::Ownership;
use crate::report::{DepositReport, IntegrationReport};
use crate::store::{DepositEntry, Store};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// When the run took place.
    pub run_at: DateTime<Utc>,
    /// The last business date it closed.
    pub closed_through: NaiveDate,
    /// The deposits integrated, in integration order, with their reports.
    pub integrated: Vec<(u64, IntegrationReport)>,
    /// Accepted deposits left for a later run (business date not closed yet).
    pub pending: Vec<(u64, NaiveDate)>,
}

impl RunSummary {
    /// The business dates integrated, in order, without repetition.
    pub fn dates(&self) -> Vec<NaiveDate> {
        let mut v: Vec<NaiveDate> = self.integrated.iter().map(|(_, r)| r.business_date).collect();
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
    /// dépôt. A rejected file is recorded too (its report), without its content.
    pub fn deposit(&mut self, deposit: &Deposit<'_>) -> Result<(u64, DepositReport), Error> {
        let ledger = self.store.deposits()?;
        let report = check_deposit(deposit, &self.deposit_policy, |hash| {
            ledger
                .iter()
                .find(|d| d.report.is_accepted() && d.report.sha256 == hash)
                .map(|d| d.report.file_name.clone())
        });
        let seq = self.store.record_deposit(&report, deposit.content)?;
        Ok((seq, report))
    }

    /// Runs an integration at `at`: every accepted deposit not yet integrated
    /// whose business date is closed at `at`, by business date then deposit time (exact ties by operator, name, hash), each
    /// committed on its own. Running again integrates nothing twice.
    pub fn run(&mut self, at: DateTime<Utc>) -> Result<RunSummary, Error> {
        let closed_through = self.deposit_policy.schedule.closed_through(at);
        let mut due: Vec<DepositEntry> = Vec::new();
        let mut pending = Vec::new();
        for d in self.store.deposits()? {
            if !d.report.is_accepted() || d.integrated_at.is_some() {
                continue;
            }
            if d.report.business_date <= closed_through {
                due.push(d);
            } else {
                pending.push((d.seq, d.report.business_date));
            }
        }
        due.sort_by(integration_order);
        let mut loaded: BTreeMap<String, OperatorBals> = BTreeMap::new();
        let mut integrated = Vec::with_capacity(due.len());
        let ctx = RunContext {
            run_at: at,
            closed_through,
            ownership: self.ownership.as_ref(),
            policy: &self.integration_policy,
        };
        for d in due {
            let op = d.report.operator.clone();
            if !loaded.contains_key(&op) {
                let bals = self.store.load_operator(&op)?;
                loaded.insert(op.clone(), bals);
            }
            let content = self.store.content(d.seq)?;
            let bals = loaded.get_mut(&op).ok_or_else(|| Error::State("operator not loaded".into()))?;
            // In place; if the commit fails the copy in memory is dropped, the
            // store still holds the previous state and the run stops.
            let report = integrate(bals, &content, &d.report, &ctx)?;
            if let Err(e) = self.store.commit(d.seq, bals, &report) {
                loaded.remove(&op);
                return Err(e);
            }
            integrated.push((d.seq, report));
        }
        Ok(RunSummary { run_at: at, closed_through, integrated, pending })
    }
}
