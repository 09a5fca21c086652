//! The two reports: [`DepositReport`] (CR de dépôt, one per deposited file) and
//! [`IntegrationReport`] (CR d'intégration, one per integrated file and run).
//!
//! Each has three forms, specified in `docs/formats/cr.md`: the `|` form
//! ([`DepositReport::to_pipe`], [`DepositReport::from_pipe`], …), JSON through
//! serde, and a French text for people ([`DepositReport::to_text`]). The pipe
//! and JSON forms parse back to the same value.

mod pipe;
mod text;

pub(crate) use pipe::RowWriters;

pub use pipe::{DEPOSIT_MAGIC, INTEGRATION_MAGIC, IntegrationSummary};

/// The two kinds of report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// CR de dépôt.
    Deposit,
    /// CR d'intégration.
    Integration,
}

/// Which report a `|` form holds, from its first line.
pub fn pipe_kind(text: &str) -> Option<ReportKind> {
    let first = text.strip_prefix('\u{feff}').unwrap_or(text).lines().next()?.trim_end_matches('\r');
    match first.strip_prefix('#')? {
        DEPOSIT_MAGIC => Some(ReportKind::Deposit),
        INTEGRATION_MAGIC => Some(ReportKind::Integration),
        _ => None,
    }
}

use crate::deposit_code::DepositIssue;
use chrono::{DateTime, NaiveDate, Utc};
use mssante_bal::{Code, Issue, Severity};
use serde::{Deserialize, Serialize};

/// Whether a deposited file is accepted for integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DepositOutcome {
    /// The file will be integrated by the next run that closes its business date.
    Accepted,
    /// The file is refused as a whole; the reasons say why.
    Rejected,
}

/// CR de dépôt: what happened to one deposited file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositReport {
    /// The file name as deposited.
    pub file_name: String,
    /// The depositing operator (as authenticated by the caller).
    pub operator: String,
    /// When the file was deposited.
    pub deposited_at: DateTime<Utc>,
    /// The business date it belongs to (see [`crate::Schedule`]).
    pub business_date: NaiveDate,
    /// The generation time in the file name, when the name follows the pattern.
    pub generated_at: Option<DateTime<Utc>>,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
    /// Accepted or rejected.
    pub outcome: DepositOutcome,
    /// Data lines (the header excluded), counted even when the file is rejected.
    pub records: u64,
    /// Every reason for a rejection (errors) and remarks (warnings).
    pub reasons: Vec<DepositIssue>,
}

impl DepositReport {
    /// True when `content` is the deposited file: its size and SHA-256.
    pub fn matches_content(&self, content: &[u8]) -> bool {
        content.len() as u64 == self.size && crate::digest::sha256_hex(content) == self.sha256
    }

    /// True when the file is accepted.
    pub fn is_accepted(&self) -> bool {
        self.outcome == DepositOutcome::Accepted
    }
}

/// What integration did with one BAL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// New BAL.
    Created,
    /// Existing BAL with changed fields.
    Updated,
    /// Existing BAL, same fields.
    Unchanged,
    /// Held before, absent from the file: removed.
    Deleted,
    /// The line is rejected; when it describes a BAL held before, that BAL is
    /// kept as it was (`kept_previous`).
    Rejected,
    /// Held before, absent from a file that has lines which cannot be tied to
    /// a BAL: kept, since one of those lines may describe it.
    Kept,
}

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Outcome; 6] =
        [Outcome::Created, Outcome::Updated, Outcome::Unchanged, Outcome::Deleted, Outcome::Rejected, Outcome::Kept];
}

/// One changed field of an updated BAL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Column name (canonical feed spelling).
    pub column: String,
    /// Value before.
    pub before: String,
    /// Value after.
    pub after: String,
}

/// The outcome of one line of the file, or of one BAL held before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalOutcome {
    /// Physical line in the file (the header is line 1); `None` for a BAL that
    /// was not in the file (deleted or kept).
    pub line: Option<u64>,
    /// The address as written (empty when unreadable).
    pub address: String,
    /// What happened.
    pub outcome: Outcome,
    /// For a rejected line: the BAL it describes was held before and is kept.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kept_previous: bool,
    /// For an updated BAL: the changed fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
    /// Errors (rejected) and warnings (accepted) of the line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<Issue>,
}

/// Totals of an integration report, derived from its outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Data lines in the file.
    pub lines: u64,
    /// BALs created.
    pub created: u64,
    /// BALs updated.
    pub updated: u64,
    /// BALs unchanged.
    pub unchanged: u64,
    /// BALs deleted.
    pub deleted: u64,
    /// Lines rejected.
    pub rejected: u64,
    /// Rejected lines whose BAL was held before and is kept.
    pub rejected_kept: u64,
    /// BALs absent from the file but kept (the file has unattributable lines).
    pub kept: u64,
    /// BALs the operator held before.
    pub before: u64,
    /// BALs the operator holds after.
    pub after: u64,
}

impl Totals {
    /// The accounting rules: every line has one outcome, every BAL held before
    /// is updated, unchanged, deleted or kept, and the count after follows.
    pub fn adds_up(&self) -> bool {
        self.lines == self.created + self.updated + self.unchanged + self.rejected
            && self.before == self.updated + self.unchanged + self.deleted + self.kept + self.rejected_kept
            && self.after == self.created + self.updated + self.unchanged + self.kept + self.rejected_kept
            && self.rejected_kept <= self.rejected
    }
}

/// How many issues of one code, severity and column a report holds: the
/// summary that keeps a report of a million bad lines readable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IssueCount {
    /// The code.
    pub code: Code,
    /// Error (line rejected) or warning.
    pub severity: Severity,
    /// The column, when the issue names one.
    pub column: Option<String>,
    /// How many.
    pub count: u64,
}

/// CR d'intégration: the integration of one deposited file by one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationReport {
    /// When the run took place.
    pub run_at: DateTime<Utc>,
    /// The last business date the run closed.
    pub closed_through: NaiveDate,
    /// The integrated file.
    pub file_name: String,
    /// Its operator.
    pub operator: String,
    /// When it was deposited.
    pub deposited_at: DateTime<Utc>,
    /// Its business date.
    pub business_date: NaiveDate,
    /// SHA-256 of its content.
    pub sha256: String,
    /// Whether the addresses' domains were checked against the liste blanche.
    pub domains_checked: bool,
    /// One outcome per data line, in line order, then one per BAL held before
    /// and absent from the file, by address.
    pub outcomes: Vec<BalOutcome>,
}

/// Counts outcomes and issues one at a time: what a report's `#TOTAUX` and
/// `#CODES` hold, without keeping the outcomes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    totals: Totals,
    codes: Vec<IssueCount>,
}

impl Tally {
    pub(crate) fn add(&mut self, o: &BalOutcome) {
        let t = &mut self.totals;
        t.lines += u64::from(o.line.is_some());
        match o.outcome {
            Outcome::Created => t.created += 1,
            Outcome::Updated => t.updated += 1,
            Outcome::Unchanged => t.unchanged += 1,
            Outcome::Deleted => t.deleted += 1,
            Outcome::Rejected => {
                t.rejected += 1;
                t.rejected_kept += u64::from(o.kept_previous);
            }
            Outcome::Kept => t.kept += 1,
        }
        for i in &o.issues {
            // Few distinct (code, severity, column): a linear search beats a map.
            match self
                .codes
                .iter_mut()
                .find(|c| c.code == i.code && c.severity == i.severity && c.column.as_deref() == i.column.as_deref())
            {
                Some(c) => c.count += 1,
                None => self.codes.push(IssueCount {
                    code: i.code,
                    severity: i.severity,
                    column: i.column.clone(),
                    count: 1,
                }),
            }
        }
    }

    pub(crate) fn totals(&self) -> Totals {
        let mut t = self.totals;
        t.before = t.updated + t.unchanged + t.deleted + t.kept + t.rejected_kept;
        t.after = t.created + t.updated + t.unchanged + t.kept + t.rejected_kept;
        t
    }

    pub(crate) fn issue_counts(&self) -> Vec<IssueCount> {
        let mut v = self.codes.clone();
        v.sort();
        v
    }
}

impl IntegrationReport {
    fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for o in &self.outcomes {
            t.add(o);
        }
        t
    }

    /// Counts the issues by code, severity and column, sorted.
    pub fn issue_counts(&self) -> Vec<IssueCount> {
        self.tally().issue_counts()
    }

    /// Counts the outcomes.
    pub fn totals(&self) -> Totals {
        self.tally().totals()
    }
}

/// What a store keeps of an integration: the CR d'intégration, whole in
/// memory ([`IntegrationReport`]) or written to disk as it was produced
/// ([`crate::integrate::StreamedReport`]).
pub trait IntegrationOutput {
    /// The report's header fields (its `outcomes` may be empty when the rows
    /// are kept elsewhere).
    fn head(&self) -> &IntegrationReport;
    /// Its totals.
    fn totals(&self) -> Totals;
    /// Its issues by code, severity and column.
    fn issue_counts(&self) -> Vec<IssueCount>;
    /// Writes its `|` form.
    fn write_pipe(&self, out: &mut dyn std::io::Write) -> std::io::Result<()>;
}

impl IntegrationOutput for IntegrationReport {
    fn head(&self) -> &IntegrationReport {
        self
    }
    fn totals(&self) -> Totals {
        IntegrationReport::totals(self)
    }
    fn issue_counts(&self) -> Vec<IssueCount> {
        IntegrationReport::issue_counts(self)
    }
    fn write_pipe(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        IntegrationReport::write_pipe(self, out)
    }
}
