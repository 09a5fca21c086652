//! Integration of one accepted file into an operator's BALs → one
//! [`IntegrationReport`].
//!
//! A file is the complete set of the operator's BALs. Each data line comes out
//! created, updated (with the changed fields), unchanged or rejected; each BAL
//! held before and absent from the file comes out deleted. Rules:
//!
//! * every record rule of `mssante-bal` (address syntax, identifiers and their
//!   check digits, PER / CAB / ORG / APP carriers, feed field values, unknown
//!   BAL types as warnings); a line with a wrong field count is rejected
//!   (`E101`), and with [`IntegrationPolicy::strict_lengths`] so is a field
//!   longer than its reported maximum (`W234` becomes an error);
//! * the address's domain is served by the depositing operator in the liste
//!   blanche (`E233`), when an [`Ownership`] is given;
//! * an address appears once per file: later lines with the same address are
//!   rejected (`E232`) and the first one stands.
//!
//! A rejected line never deletes the BAL it describes: when its address is one
//! the operator held, that BAL is kept as it was (`kept_previous`). A line whose
//! address cannot be read at all (not UTF-8, too long, empty address) cannot be
//! tied to a BAL (`E234`): then no BAL is deleted by this file, the absent ones
//! are [`Outcome::Kept`].

use crate::directory::{Entry, OperatorBals, canonical_line, columns, key_cow, same_line};
use crate::error::Error;
use crate::ownership::Ownership;
use crate::report::{
    BalOutcome, DepositReport, FieldChange, IntegrationOutput, IntegrationReport, IssueCount, Outcome, RowWriters,
    Tally, Totals,
};
use chrono::{DateTime, NaiveDate, Utc};
use mssante_bal::reader::field_count_warning;
use mssante_bal::{Address, Code, Column, Format, Issue, Item, Reader, ReaderConfig, Rules, Severity, validate};
use std::collections::HashMap;

/// Integration settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntegrationPolicy {
    /// Record rules (check digits).
    pub rules: Rules,
    /// Longest line.
    pub max_line_len: usize,
    /// Reject fields longer than their reported maxima (`W234` → error).
    pub strict_lengths: bool,
}

impl Default for IntegrationPolicy {
    fn default() -> Self {
        IntegrationPolicy {
            rules: Rules::default(),
            max_line_len: mssante_bal::reader::DEFAULT_MAX_LINE,
            strict_lengths: false,
        }
    }
}

/// What integration needs to know about the run and the file.
#[derive(Debug, Clone, Copy)]
pub struct RunContext<'a> {
    /// When the run takes place.
    pub run_at: DateTime<Utc>,
    /// The last business date the run closes.
    pub closed_through: NaiveDate,
    /// The domains of each operator; `None` skips the domain rule.
    pub ownership: Option<&'a Ownership>,
    /// Settings.
    pub policy: &'a IntegrationPolicy,
}

const UNATTRIBUTED: &str = "this line cannot be tied to a BAL: no BAL of the operator is deleted by this file";

fn diff_fields(before: &str, after: &str) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for ((c, b), a) in columns().iter().zip(before.split('|')).zip(after.split('|')) {
        if a != b {
            out.push(FieldChange { column: c.name().to_owned(), before: b.to_owned(), after: a.to_owned() });
        }
    }
    out
}

/// Integrates `content` (an accepted deposit described by `deposit`) into
/// `bals`, the operator's BALs, and returns the report. On `Err` (the file has
/// no usable header) `bals` is left as it was.
///
/// The work is done in place: unchanged BALs cost no allocation.
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use mssante_cr::deposit::{check_deposit, Deposit, DepositPolicy};
/// use mssante_cr::integrate::{integrate, IntegrationPolicy, RunContext};
/// use mssante_cr::{OperatorBals, Outcome};
/// let content = format!(
///     "{}\nPER|a@x.mssante.fr|8|10000000009||||||||N|\nPER|bad||||||||||N|\n",
///     mssante_bal::Format::Feed.header()
/// );
/// let at = Utc.with_ymd_and_hms(2020, 12, 3, 10, 0, 0).unwrap();
/// let d = Deposit { file_name: "BALMSS_OPE-1_20201203090000.txt", content: content.as_bytes(), operator: "OPE-1", at };
/// let deposit = check_deposit(&d, &DepositPolicy::default(), |_| None);
/// let policy = IntegrationPolicy::default();
/// let ctx = RunContext { run_at: at, closed_through: NaiveDate::from_ymd_opt(2020, 12, 3).unwrap(), ownership: None, policy: &policy };
/// let mut bals = OperatorBals::new();
/// let report = integrate(&mut bals, d.content, &deposit, &ctx).unwrap();
/// let t = report.totals();
/// assert_eq!((t.lines, t.created, t.rejected, t.after), (2, 1, 1, 1));
/// assert_eq!(report.outcomes[1].outcome, Outcome::Rejected);
/// assert_eq!(bals.len(), 1);
/// ```
pub fn integrate(
    bals: &mut OperatorBals,
    content: &[u8],
    deposit: &DepositReport,
    ctx: &RunContext<'_>,
) -> Result<IntegrationReport, Error> {
    let mut outcomes = Vec::with_capacity(bals.len() + 16);
    let head = integrate_into(bals, content, deposit, ctx, &mut |o| {
        outcomes.push(o);
        Ok(())
    })?;
    Ok(IntegrationReport { outcomes, ..head })
}

/// A CR d'intégration whose rows went to temporary files as they were
/// produced: integrating a file of a million rejected lines holds its counts,
/// not its lines. Written out with [`IntegrationOutput::write_pipe`] (the same
/// bytes as [`IntegrationReport::to_pipe`]); the files go away with it.
#[derive(Debug)]
pub struct StreamedReport {
    head: IntegrationReport,
    tally: Tally,
    rows: [std::fs::File; 3],
}

impl IntegrationOutput for StreamedReport {
    fn head(&self) -> &IntegrationReport {
        &self.head
    }
    fn totals(&self) -> Totals {
        self.tally.totals()
    }
    fn issue_counts(&self) -> Vec<IssueCount> {
        self.tally.issue_counts()
    }
    fn write_pipe(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        use std::io::{Seek, SeekFrom};
        let [a, b, c] = &self.rows;
        let (mut a, mut b, mut c) = (a, b, c);
        for f in [&mut a, &mut b, &mut c] {
            f.seek(SeekFrom::Start(0))?;
        }
        RowWriters::write_document(out, &self.head, &self.totals(), &self.issue_counts(), [&mut a, &mut b, &mut c])
    }
}

/// [`integrate`], with the report's rows written to anonymous temporary
/// files as they come (see [`StreamedReport`]). On `Err` `bals` may have been
/// changed: drop it.
pub fn integrate_streaming(
    bals: &mut OperatorBals,
    content: &[u8],
    deposit: &DepositReport,
    ctx: &RunContext<'_>,
) -> Result<StreamedReport, Error> {
    let spill = || tempfile::tempfile().map_err(|e| Error::io(std::env::temp_dir(), e));
    let rows = [spill()?, spill()?, spill()?];
    let mut tally = Tally::default();
    // A second handle on each file to write through; `rows` reads them back.
    let handle = |f: &std::fs::File| -> Result<std::fs::File, Error> {
        f.try_clone().map_err(|e| Error::io(std::env::temp_dir(), e))
    };
    let mut writers = RowWriters::new(handle(&rows[0])?, handle(&rows[1])?, handle(&rows[2])?);
    let head = integrate_into(bals, content, deposit, ctx, &mut |o| {
        tally.add(&o);
        writers.push(&o);
        Ok(())
    })?;
    writers.finish().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    Ok(StreamedReport { head, tally, rows })
}

/// The integration itself: each outcome goes to `sink` as it is decided; the
/// report's header fields come back (with no outcomes).
fn integrate_into(
    bals: &mut OperatorBals,
    content: &[u8],
    deposit: &DepositReport,
    ctx: &RunContext<'_>,
    sink: &mut dyn FnMut(BalOutcome) -> Result<(), Error>,
) -> Result<IntegrationReport, Error> {
    let config = ReaderConfig { max_line_len: ctx.policy.max_line_len, strict_field_count: false };
    // Header errors come out here, before `bals` is touched; after the header a
    // reader over a byte slice cannot fail.
    let mut reader = Reader::with_config(content, Format::Feed, config)?;
    let address_index = columns().iter().position(|c| *c == Column::Address).unwrap_or(1);
    // In place: the mark of an entry is the first line that names it (0: not
    // named yet), so that unnamed entries are the deleted ones.
    let map = bals.map_mut();
    let mut rejected_new: HashMap<String, u64> = HashMap::new();
    let mut unattributed = false;
    let operator = deposit.operator.as_str();
    let mut issues = Vec::new();
    while let Some(item) = reader.next_item()? {
        let rec = match item {
            Item::Rejected(issue) => {
                unattributed = true;
                let line = issue.position.line;
                let note = Issue::error(Code::LineUnattributed, issue.position, UNATTRIBUTED);
                sink(BalOutcome {
                    line: Some(line),
                    address: String::new(),
                    outcome: Outcome::Rejected,
                    kept_previous: false,
                    changes: Vec::new(),
                    issues: vec![issue, note],
                })?;
                continue;
            }
            Item::Record(rec) => rec,
        };
        let line = rec.position.line;
        let raw_address = rec.field(Column::Address);
        let key = key_cow(raw_address);
        if rec.field_count_mismatch {
            let mut i = field_count_warning(&rec);
            i.severity = Severity::Error;
            issues.push(i);
        }
        let typed = validate(&rec, Format::Feed, &ctx.policy.rules, rec.position, &mut issues);
        if ctx.policy.strict_lengths {
            for i in issues.iter_mut().filter(|i| i.code == Code::FieldTooLong) {
                i.severity = Severity::Error;
            }
        }
        if let Some(own) = ctx.ownership {
            let parsed;
            let address = match &typed {
                Some(t) => Some(&t.address),
                None => {
                    parsed = Address::parse(raw_address).ok();
                    parsed.as_ref()
                }
            };
            if let Some(addr) = address
                && !own.serves(operator, addr.domain().as_str())
            {
                issues.push(
                    Issue::error(
                        Code::DomainNotServed,
                        rec.position,
                        format!(
                            "domain {} is not served by operator {operator} in the liste blanche",
                            addr.domain().as_str()
                        ),
                    )
                    .at_column(rec.layout().column_name(Column::Address)),
                );
            }
        }
        let mut duplicate = false;
        if key.is_empty() {
            unattributed = true;
            issues.push(Issue::error(Code::LineUnattributed, rec.position, UNATTRIBUTED));
        } else {
            let first = map.get(&*key).map(|e| e.mark).filter(|m| *m != 0).or_else(|| rejected_new.get(&*key).copied());
            if let Some(first) = first {
                duplicate = true;
                issues.push(
                    Issue::error(
                        Code::DuplicateAddress,
                        rec.position,
                        format!("the address is already on line {first}"),
                    )
                    .at_column(rec.layout().column_name(Column::Address)),
                );
            }
        }
        let mut outcome = BalOutcome {
            line: Some(line),
            address: raw_address.to_owned(),
            outcome: Outcome::Rejected,
            kept_previous: false,
            changes: Vec::new(),
            issues: std::mem::take(&mut issues),
        };
        if outcome.issues.iter().any(Issue::is_error) {
            if !key.is_empty() && !duplicate {
                match map.get_mut(&*key) {
                    Some(e) => {
                        e.mark = line;
                        outcome.kept_previous = true;
                    }
                    None => {
                        rejected_new.insert(key.into_owned(), line);
                    }
                }
            }
        } else {
            outcome.outcome = match map.get_mut(&*key) {
                Some(e) => {
                    e.mark = line;
                    if same_line(&rec, &e.line) {
                        Outcome::Unchanged
                    } else {
                        let canonical = canonical_line(&rec);
                        outcome.changes = diff_fields(&e.line, &canonical);
                        e.line = canonical.into_boxed_str();
                        Outcome::Updated
                    }
                }
                None => {
                    let entry = Entry { line: canonical_line(&rec).into_boxed_str(), mark: line };
                    map.insert(key.into_owned().into_boxed_str(), entry);
                    Outcome::Created
                }
            };
        }
        sink(outcome)?;
    }
    let mut absent: Vec<(&str, &str)> =
        map.iter().filter(|(_, e)| e.mark == 0).map(|(k, e)| (&**k, &*e.line)).collect();
    absent.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let gone = if unattributed { Outcome::Kept } else { Outcome::Deleted };
    for (_, line) in absent {
        sink(BalOutcome {
            line: None,
            address: line.split('|').nth(address_index).unwrap_or_default().to_owned(),
            outcome: gone,
            kept_previous: false,
            changes: Vec::new(),
            issues: Vec::new(),
        })?;
    }
    map.retain(|_, e| {
        let keep = e.mark != 0 || unattributed;
        e.mark = 0;
        keep
    });
    Ok(IntegrationReport {
        run_at: ctx.run_at,
        closed_through: ctx.closed_through,
        file_name: deposit.file_name.clone(),
        operator: deposit.operator.clone(),
        deposited_at: deposit.deposited_at,
        business_date: deposit.business_date,
        sha256: deposit.sha256.clone(),
        domains_checked: ctx.ownership.is_some(),
        outcomes: Vec::new(),
    })
}
