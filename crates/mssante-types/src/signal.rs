//! Signals about an operator's feed: produced by `mssante-cr` (a stalled feed,
//! a reconciliation gap), turned into a draft incident by `mssante-incident`.
//! One type for both sides, so they cannot drift apart.

use chrono::NaiveDate;
use std::collections::BTreeMap;

/// What a signal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum SignalKind {
    /// Deposits change, the published BALs do not.
    StalledFeed,
    /// The operator's feed and the public extraction disagree.
    ReconciliationGap,
}

/// A signal about one operator.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Signal {
    /// What it is about.
    pub kind: SignalKind,
    /// The operator.
    pub operator: String,
    /// First day of the observed problem (for a stall: the last day the
    /// published BALs changed).
    pub since: NaiveDate,
    /// Last day observed.
    pub through: NaiveDate,
    /// Business dates of the deposits not reflected in the publication (the backlog).
    pub business_dates: Vec<NaiveDate>,
    /// Counts that size the problem (e.g. `days_unchanged`, `missing`).
    pub counts: BTreeMap<String, u64>,
    /// One sentence, in French, for a draft incident.
    pub summary: String,
}
