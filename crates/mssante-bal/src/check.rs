//! Whole-file validation: every line ends up valid or rejected, with totals that
//! add up.
//!
//! [`Checker::check_reader`] streams any [`Read`]; [`Checker::check_reader_parallel`]
//! cuts a stream into blocks of whole lines checked on several threads, and
//! [`Checker::check_slice`] splits an in-memory file: all give the same
//! [`Summary`] (positions included).
//!
//! Memory is bounded whatever the input: one read buffer (a few blocks in
//! flight on the parallel path), the distinct-address counter's budget
//! ([`crate::distinct`]) and the issue counts ([`crate::issues`]). The complete
//! list of issues is never held: [`Checker::check_with`] hands each one to an
//! [`IssueSink`] in file order.

use crate::blocks::{self, Block};
use crate::distinct::{DEFAULT_BUDGET, DistinctCounter};
use crate::error::{Code, Error, Issue, Position};
pub use crate::issues::{DEFAULT_EXAMPLES, IssueCount, IssueSink, IssueTally};
use crate::layout::{Format, Layout};
use crate::model::bal::{Rules, validate};
use crate::model::bal_type::BalType;
use crate::reader::{Item, RawRecord, Reader, ReaderConfig, field_count_warning};
use std::collections::BTreeMap;
use std::io::Read;

/// The result of checking a whole file. Every record is valid or rejected:
/// the totals are derived from those two counts, so they always add up.
#[derive(Debug)]
pub struct Summary {
    valid: u64,
    rejected: u64,
    errors: u64,
    warnings: u64,
    /// Valid records per BAL type code.
    pub by_type: BTreeMap<String, u64>,
    /// Distinct addresses among valid records, compared case-insensitively.
    pub distinct_addresses: u64,
    /// How many issues of each code, severity and column, sorted by them. Their
    /// counts add up to [`Summary::errors`] + [`Summary::warnings`].
    pub issue_counts: Vec<IssueCount>,
    /// The first issues of each code (at most [`Checker::examples`] per code),
    /// in file order.
    pub examples: Vec<Issue>,
    /// Bytes read.
    pub bytes: u64,
    /// Whether the file started with a UTF-8 BOM.
    pub bom: bool,
    /// Known columns of the format that the header lacks.
    pub missing_optional_columns: Vec<&'static str>,
    /// Header columns this crate does not know.
    pub unknown_columns: Vec<String>,
}

impl Summary {
    /// Records accepted (possibly with warnings).
    pub fn records_valid(&self) -> u64 {
        self.valid
    }

    /// Records rejected.
    pub fn records_rejected(&self) -> u64 {
        self.rejected
    }

    /// Data records (every line after the header): valid + rejected.
    pub fn records_total(&self) -> u64 {
        self.valid + self.rejected
    }

    /// Lines in the file, header included: the records + 1.
    pub fn physical_lines(&self) -> u64 {
        self.records_total() + 1
    }

    /// Issues of severity error: each rejected record has at least one.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Issues of severity warning (of accepted and rejected records alike).
    pub fn warnings(&self) -> u64 {
        self.warnings
    }

    /// Every issue: what an [`IssueSink`] received.
    pub fn issues_total(&self) -> u64 {
        self.errors + self.warnings
    }
}

/// The JSON of a summary: the derived totals as fields, then the rest.
#[cfg(feature = "serde")]
impl serde::Serialize for Summary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Summary", 14)?;
        st.serialize_field("physical_lines", &self.physical_lines())?;
        st.serialize_field("records_total", &self.records_total())?;
        st.serialize_field("records_valid", &self.valid)?;
        st.serialize_field("records_rejected", &self.rejected)?;
        st.serialize_field("by_type", &self.by_type)?;
        st.serialize_field("distinct_addresses", &self.distinct_addresses)?;
        st.serialize_field("errors", &self.errors)?;
        st.serialize_field("warnings", &self.warnings)?;
        st.serialize_field("issue_counts", &self.issue_counts)?;
        st.serialize_field("examples", &self.examples)?;
        st.serialize_field("bytes", &self.bytes)?;
        st.serialize_field("bom", &self.bom)?;
        st.serialize_field("missing_optional_columns", &self.missing_optional_columns)?;
        st.serialize_field("unknown_columns", &self.unknown_columns)?;
        st.end()
    }
}

/// Per-chunk counts.
struct Tally {
    valid: u64,
    rejected: u64,
    known: [u64; 4],
    unknown: BTreeMap<String, u64>,
    distinct: DistinctCounter,
    issues: IssueTally,
    /// Every issue in order, when a sink wants them.
    kept: Option<Vec<Issue>>,
    scratch: Vec<Issue>,
}

impl Tally {
    fn new(c: &Checker, keep: bool) -> Self {
        Tally {
            valid: 0,
            rejected: 0,
            known: [0; 4],
            unknown: BTreeMap::new(),
            distinct: DistinctCounter::with_budget(c.distinct_budget),
            issues: IssueTally::new(c.examples),
            kept: keep.then(Vec::new),
            scratch: Vec::new(),
        }
    }

    fn note(&mut self, issue: Issue) {
        self.issues.add(&issue);
        if let Some(k) = &mut self.kept {
            k.push(issue);
        }
    }

    fn item(&mut self, item: Item<'_>, format: Format, rules: &Rules) {
        let rec = match item {
            Item::Rejected(issue) => {
                self.rejected += 1;
                return self.note(issue);
            }
            Item::Record(rec) => rec,
        };
        self.scratch.clear();
        if rec.field_count_mismatch {
            self.scratch.push(field_count_warning(&rec));
        }
        let typed = validate(&rec, format, rules, rec.position, &mut self.scratch);
        quoted_fields(&rec, &mut self.scratch);
        match typed {
            Some(t) => {
                self.valid += 1;
                match t.bal_type {
                    BalType::Per => self.known[0] += 1,
                    BalType::Org => self.known[1] += 1,
                    BalType::App => self.known[2] += 1,
                    BalType::Cab => self.known[3] += 1,
                    BalType::Unknown(code) => *self.unknown.entry(code.into_owned()).or_default() += 1,
                }
                self.distinct.add_address(t.address.as_str());
            }
            None => self.rejected += 1,
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        for i in scratch.drain(..) {
            self.note(i);
        }
        self.scratch = scratch;
    }

    /// Hands the kept issues to `sink`.
    fn drain_into(&mut self, sink: &mut dyn IssueSink) -> Result<(), Error> {
        if let Some(k) = &mut self.kept {
            for i in k.drain(..) {
                sink.issue(&i)?;
            }
        }
        Ok(())
    }

    /// Merges the tally of a later chunk whose positions count lines from 0:
    /// `line_offset` lines come before it. Its issues go to `sink`.
    fn merge_after(&mut self, mut other: Tally, line_offset: u64, sink: &mut dyn IssueSink) -> Result<(), Error> {
        if let Some(k) = &mut other.kept {
            for mut i in k.drain(..) {
                crate::issues::shift(&mut i, line_offset);
                sink.issue(&i)?;
            }
        }
        self.valid += other.valid;
        self.rejected += other.rejected;
        for (a, b) in self.known.iter_mut().zip(other.known) {
            *a += b;
        }
        for (k, v) in other.unknown {
            *self.unknown.entry(k).or_default() += v;
        }
        self.distinct.merge(other.distinct);
        self.issues.merge_after(other.issues, line_offset);
        Ok(())
    }

    fn finish(self, layout: &Layout, bytes: u64, bom: bool) -> Result<Summary, Error> {
        let mut by_type = self.unknown;
        for (code, n) in ["PER", "ORG", "APP", "CAB"].into_iter().zip(self.known) {
            if n > 0 {
                by_type.insert(code.to_owned(), n);
            }
        }
        let distinct_addresses = self.distinct.count().map_err(|source| Error::Io { byte: bytes, source })?;
        let (errors, warnings) = (self.issues.errors(), self.issues.warnings());
        let (issue_counts, examples) = self.issues.finish();
        Ok(Summary {
            valid: self.valid,
            rejected: self.rejected,
            errors,
            warnings,
            by_type,
            distinct_addresses,
            issue_counts,
            examples,
            bytes,
            bom,
            missing_optional_columns: layout.missing_optional().iter().map(|c| c.name()).collect(),
            unknown_columns: layout.unknown_columns().into_iter().map(str::to_owned).collect(),
        })
    }
}

/// `W237` for each field that looks CSV-quoted (`"…"`): the format has no
/// quoting, so the quotes are data and the value is kept as is.
fn quoted_fields(rec: &RawRecord<'_>, out: &mut Vec<Issue>) {
    if memchr::memchr(b'"', rec.line().as_bytes()).is_none() {
        return;
    }
    for (i, f) in rec.iter().enumerate() {
        if f.len() >= 2 && f.starts_with('"') && f.ends_with('"') {
            let column = rec.layout().name(i).unwrap_or("");
            // A long value is shown by its start.
            let shown = match f.char_indices().nth(48) {
                Some((end, _)) => format!("{:?}…", &f[..end]),
                None => format!("{f:?}"),
            };
            out.push(
                Issue::warning(
                    Code::FieldQuoted,
                    rec.position,
                    format!("value {shown} looks CSV-quoted; the format has no quoting, the quotes are kept as data"),
                )
                .at_column(column),
            );
        }
    }
}

/// Checks whole files.
#[derive(Debug, Clone)]
pub struct Checker {
    format: Format,
    rules: Rules,
    config: ReaderConfig,
    distinct_budget: usize,
    examples: usize,
}

impl Checker {
    /// A checker with default reader settings, memory budget and
    /// [`DEFAULT_EXAMPLES`] examples per code.
    pub fn new(format: Format, rules: Rules) -> Self {
        Checker {
            format,
            rules,
            config: ReaderConfig::default(),
            distinct_budget: DEFAULT_BUDGET,
            examples: DEFAULT_EXAMPLES,
        }
    }

    /// Sets the reader settings.
    pub fn reader_config(mut self, config: ReaderConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the memory budget of the distinct-address counter (fingerprints).
    pub fn memory(mut self, distinct_budget: usize) -> Self {
        self.distinct_budget = distinct_budget;
        self
    }

    /// Sets how many examples of each code the summary keeps.
    pub fn examples(mut self, per_code: usize) -> Self {
        self.examples = per_code;
        self
    }

    /// Checks a stream.
    pub fn check_reader<R: Read>(&self, r: R) -> Result<Summary, Error> {
        self.check_with(r, 1, &mut |_| {}, &mut ())
    }

    /// Checks a stream, calling `progress(bytes_read)` now and then.
    pub fn check_reader_with_progress<R: Read>(&self, r: R, mut progress: impl FnMut(u64)) -> Result<Summary, Error> {
        self.check_with(r, 1, &mut progress, &mut ())
    }

    /// Checks a stream on `threads` threads (1: on the calling thread, see
    /// [`Checker::check_reader_parallel`] beyond), calling `progress(bytes_read)`
    /// now and then and handing every issue to `sink` in file order. The
    /// summary's [`Summary::issues_total`] is the number of issues `sink` got.
    ///
    /// ```
    /// use mssante_bal::{check::Checker, Format, Issue, Rules};
    /// let file = format!("{}\nPER|bad|8|10000000009|810000000009{}\n", Format::Extraction.header(), "|".repeat(26));
    /// let mut all: Vec<Issue> = Vec::new();
    /// let s = Checker::new(Format::Extraction, Rules::default())
    ///     .check_with(file.as_bytes(), 2, &mut |_| {}, &mut |i: &Issue| { all.push(i.clone()); Ok(()) })
    ///     .unwrap();
    /// assert_eq!(s.issues_total(), all.len() as u64);
    /// assert_eq!(all[0].code.as_str(), "E203");
    /// ```
    pub fn check_with<R: Read>(
        &self,
        r: R,
        threads: usize,
        progress: &mut dyn FnMut(u64),
        sink: &mut dyn IssueSink,
    ) -> Result<Summary, Error> {
        if threads > 1 {
            return self.parallel(r, threads, progress, sink);
        }
        let mut reader = Reader::with_config(r, self.format, self.config)?;
        let mut tally = Tally::new(self, sink.wants_issues());
        while let Some(item) = reader.next_item()? {
            tally.item(item, self.format, &self.rules);
            tally.drain_into(sink)?;
            if (tally.valid + tally.rejected).is_multiple_of(65_536) {
                progress(reader.bytes_read());
            }
        }
        progress(reader.bytes_read());
        let layout = reader.layout().clone();
        tally.finish(&layout, reader.bytes_read(), reader.had_bom())
    }

    /// Checks a stream on `threads` worker threads: the calling thread cuts the
    /// input into blocks of whole lines, workers check them, results are merged in
    /// input order. Memory stays bounded (a few blocks in flight). Gives the same
    /// summary as [`Checker::check_reader`].
    pub fn check_reader_parallel<R: Read>(&self, r: R, threads: usize) -> Result<Summary, Error> {
        self.parallel(r, threads, &mut |_| {}, &mut ())
    }

    /// [`Checker::check_reader_parallel`] calling `progress(bytes_read)` per block.
    pub fn check_reader_parallel_with_progress<R: Read>(
        &self,
        r: R,
        threads: usize,
        mut progress: impl FnMut(u64),
    ) -> Result<Summary, Error> {
        self.parallel(r, threads, &mut progress, &mut ())
    }

    fn parallel<R: Read>(
        &self,
        r: R,
        threads: usize,
        progress: &mut dyn FnMut(u64),
        sink: &mut dyn IssueSink,
    ) -> Result<Summary, Error> {
        let keep = sink.wants_issues();
        let mut total = Tally::new(self, false);
        let mut lines_before = 1u64; // the header
        let work = |block: Block, layout: &Layout| self.run_job(block, layout, keep);
        let head = blocks::in_blocks(
            r,
            self.format,
            self.config,
            threads.clamp(1, MAX_THREADS),
            &work,
            &mut |(t, lines): (Tally, u64)| {
                total.merge_after(t, lines_before, sink)?;
                lines_before += lines;
                Ok(())
            },
            progress,
        )?;
        total.finish(&head.layout, head.bytes, head.bom)
    }

    fn run_job(&self, job: Block, layout: &Layout, keep: bool) -> Result<(Tally, u64), Error> {
        let mut t = Tally::new(self, keep);
        match job {
            Block::Lines(block, byte) => {
                let mut r =
                    Reader::from_block(block, layout.clone(), self.config, Position { byte, line: 0, record: 0 });
                while let Some(item) = r.next_item()? {
                    t.item(item, self.format, &self.rules);
                }
                Ok((t, r.lines_read()))
            }
            Block::TooLong(byte, len, max) => {
                let issue = Issue::error(
                    crate::error::Code::LineTooLong,
                    Position { byte, line: 1, record: 0 },
                    format!("line of {len} bytes is longer than the maximum of {max}"),
                );
                t.rejected += 1;
                t.note(issue);
                Ok((t, 1))
            }
        }
    }

    /// Checks an in-memory file on `threads` threads (chunks split at line
    /// boundaries). Gives the same summary as [`Checker::check_reader`].
    pub fn check_slice(&self, data: &[u8], threads: usize) -> Result<Summary, Error> {
        let head = Reader::with_config(data, self.format, self.config)?;
        let layout = head.layout().clone();
        let bom = head.had_bom();
        let body_start = usize::try_from(head.bytes_read()).unwrap_or(data.len()).min(data.len());
        drop(head);
        let bounds = split_at_lines(data, body_start, threads.clamp(1, MAX_THREADS));
        let chunks: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
        // Phase 1: count lines per chunk so that every chunk knows its first line.
        let counts: Vec<u64> = std::thread::scope(|s| {
            let handles: Vec<_> = chunks
                .iter()
                .map(|&(a, b)| s.spawn(move || memchr::memchr_iter(b'\n', &data[a..b]).count() as u64))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or(0)).collect()
        });
        let mut starts = Vec::with_capacity(chunks.len());
        let mut line = 1u64;
        for (&(a, _), n) in chunks.iter().zip(&counts) {
            starts.push(Position { byte: a as u64, line, record: 0 });
            line += n;
        }
        // Phase 2: check the chunks.
        let results: Vec<Result<Tally, Error>> = std::thread::scope(|s| {
            let handles: Vec<_> = chunks
                .iter()
                .zip(&starts)
                .map(|(&(a, b), &start)| {
                    let layout = layout.clone();
                    s.spawn(move || -> Result<Tally, Error> {
                        let mut r = Reader::headless(&data[a..b], layout, self.config, start);
                        let mut t = Tally::new(self, false);
                        while let Some(item) = r.next_item()? {
                            t.item(item, self.format, &self.rules);
                        }
                        Ok(t)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(Error::NoHeader))).collect()
        });
        let mut total = Tally::new(self, false);
        for r in results {
            // Positions are absolute already.
            total.merge_after(r?, 0, &mut ())?;
        }
        total.finish(&layout, data.len() as u64, bom)
    }
}

/// Most threads a check starts, whatever it is asked: beyond the machine's
/// parallelism threads only cost memory (a block each in flight).
pub const MAX_THREADS: usize = 256;

/// Splits `data[start..]` into about `n` chunks ending just after a `\n` (the last
/// one at the end of the data). Returns the boundaries, first = `start`.
pub(crate) fn split_at_lines(data: &[u8], start: usize, n: usize) -> Vec<usize> {
    let mut bounds = vec![start];
    let len = data.len().saturating_sub(start);
    for k in 1..n {
        let target = start + len * k / n;
        let prev = *bounds.last().unwrap_or(&start);
        if target <= prev {
            continue;
        }
        match crate::lines::next_line_start(data, target) {
            Some(b) if b < data.len() => {
                if b > prev {
                    bounds.push(b);
                }
            }
            _ => break,
        }
    }
    if *bounds.last().unwrap_or(&start) != data.len() || bounds.len() == 1 {
        bounds.push(data.len());
    }
    bounds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_covers_everything_at_line_ends() {
        let data = b"h\na\nbb\nccc\ndddd\n";
        for n in 1..8 {
            let b = split_at_lines(data, 2, n);
            assert_eq!(b[0], 2);
            assert_eq!(*b.last().unwrap(), data.len());
            for w in b.windows(2) {
                assert!(w[0] < w[1]);
                assert_eq!(data[w[1] - 1], b'\n');
            }
        }
        assert_eq!(split_at_lines(b"h\n", 2, 4), vec![2, 2]);
    }
}
