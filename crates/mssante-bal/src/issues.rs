//! Issues at national scale: counted by code, severity and column, a few
//! examples per code kept, the complete list handed to an [`IssueSink`] as it
//! is found — never held in memory.
//!
//! A file where one column carries an unexpected value on most lines (a code
//! list that evolved) yields hundreds of thousands of warnings: the summary of
//! a check keeps their [`IssueCount`]s and the first examples of each code; who
//! wants every one of them streams them (`--issues-ndjson`).
//!
//! ```
//! use mssante_bal::issues::{IssueTally, IssueSink};
//! use mssante_bal::{Code, Issue, Position};
//! let mut tally = IssueTally::new(1);
//! for line in 2..5 {
//!     let at = Position { byte: 0, line, record: line - 1 };
//!     tally.add(&Issue::warning(Code::CategoryUnknown, at, "not TRE_R09").at_column("Catégorie profession"));
//! }
//! let (counts, examples) = tally.finish();
//! assert_eq!(counts[0].count, 3);
//! assert_eq!(examples.len(), 1, "one example per code");
//! assert_eq!(examples[0].position.line, 2, "the first one");
//! ```

use crate::error::{Code, Error, Issue, Severity};

/// Examples of each code a summary keeps by default.
pub const DEFAULT_EXAMPLES: usize = 20;

/// How many issues of one code, severity and column a file has.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IssueCount {
    /// The stable code.
    pub code: Code,
    /// Error (the record is rejected) or warning.
    pub severity: Severity,
    /// The column, as spelled in the header, when the issue names one.
    pub column: Option<String>,
    /// How many.
    pub count: u64,
}

/// Receives every issue of a check, in file order.
///
/// Implemented for `()` (drops them) and for any
/// `FnMut(&Issue) -> Result<(), Error>`; an `Err` stops the check and is
/// returned by it.
pub trait IssueSink {
    /// One issue.
    fn issue(&mut self, issue: &Issue) -> Result<(), Error>;

    /// False when the sink drops everything: the checker then keeps no issue
    /// lists at all.
    fn wants_issues(&self) -> bool {
        true
    }
}

impl IssueSink for () {
    fn issue(&mut self, _: &Issue) -> Result<(), Error> {
        Ok(())
    }
    fn wants_issues(&self) -> bool {
        false
    }
}

impl<F: FnMut(&Issue) -> Result<(), Error>> IssueSink for F {
    fn issue(&mut self, issue: &Issue) -> Result<(), Error> {
        self(issue)
    }
}

/// Counts of one code and severity per column (few: a linear search).
type ByColumn = Vec<(Option<String>, u64)>;

/// Counts by (code, severity, column) and the first examples of each code.
///
/// Memory is bounded by the number of distinct (code, column) pairs and
/// `examples` per code, whatever the number of issues.
#[derive(Debug, Clone)]
pub struct IssueTally {
    /// Indexed by code (catalogue position) × 2 + severity.
    counts: Vec<ByColumn>,
    /// Examples kept, by code.
    shown: Vec<usize>,
    examples: Vec<Issue>,
    max_examples: usize,
    total: [u64; 2],
}

/// A code's position in its catalogue (`Code` is a field-less enum).
fn slot(code: Code) -> usize {
    code as usize
}

impl IssueTally {
    /// A tally keeping at most `examples` examples per code.
    pub fn new(examples: usize) -> Self {
        IssueTally {
            counts: vec![Vec::new(); Code::ALL.len() * 2],
            shown: vec![0; Code::ALL.len()],
            examples: Vec::new(),
            max_examples: examples,
            total: [0; 2],
        }
    }

    /// Counts an issue; keeps it as an example when its code has fewer than
    /// the maximum.
    pub fn add(&mut self, issue: &Issue) {
        self.count(issue.code, issue.severity, issue.column.as_deref(), 1);
        self.offer(issue);
    }

    fn count(&mut self, code: Code, severity: Severity, column: Option<&str>, n: u64) {
        let warning = usize::from(severity == Severity::Warning);
        self.total[warning] += n;
        let Some(by_column) = self.counts.get_mut(slot(code) * 2 + warning) else { return };
        match by_column.iter_mut().find(|(c, _)| c.as_deref() == column) {
            Some((_, k)) => *k += n,
            None => by_column.push((column.map(str::to_owned), n)),
        }
    }

    fn offer(&mut self, issue: &Issue) {
        if let Some(shown) = self.shown.get_mut(slot(issue.code))
            && *shown < self.max_examples
        {
            *shown += 1;
            self.examples.push(issue.clone());
        }
    }

    /// Issues of severity error.
    pub fn errors(&self) -> u64 {
        self.total[0]
    }

    /// Issues of severity warning.
    pub fn warnings(&self) -> u64 {
        self.total[1]
    }

    /// Adds the counts of a tally of what follows in the file; its examples
    /// come after ours, `line_offset` lines further.
    pub(crate) fn merge_after(&mut self, other: IssueTally, line_offset: u64) {
        for (k, by_column) in other.counts.into_iter().enumerate() {
            let (Some(&code), severity) =
                (Code::ALL.get(k / 2), if k % 2 == 0 { Severity::Error } else { Severity::Warning })
            else {
                continue;
            };
            for (column, n) in by_column {
                self.count(code, severity, column.as_deref(), n);
            }
        }
        for mut i in other.examples {
            shift(&mut i, line_offset);
            self.offer(&i);
        }
    }

    /// The counts sorted by code, severity and column, and the examples in
    /// file order.
    pub fn finish(self) -> (Vec<IssueCount>, Vec<Issue>) {
        let mut counts: Vec<IssueCount> = self
            .counts
            .into_iter()
            .enumerate()
            .flat_map(|(k, by_column)| {
                let code = Code::ALL.get(k / 2).copied();
                let severity = if k % 2 == 0 { Severity::Error } else { Severity::Warning };
                by_column
                    .into_iter()
                    .filter_map(move |(column, count)| Some(IssueCount { code: code?, severity, column, count }))
            })
            .collect();
        counts.sort();
        (counts, self.examples)
    }
}

/// Moves an issue found in a chunk that starts `line_offset` lines into the
/// file to its place in the file (a record is its line less the header).
pub(crate) fn shift(issue: &mut Issue, line_offset: u64) {
    issue.position.line += line_offset;
    issue.position.record = issue.position.line.saturating_sub(1);
}
