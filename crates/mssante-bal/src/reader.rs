//! The streaming line and field reader shared by the extraction and feed formats.
//!
//! [`Reader`] reads any [`std::io::Read`] through one bounded buffer: lines are
//! found with `memchr`, fields split on `|` into a reused index, nothing is
//! allocated per record. Each call to [`Reader::next_item`] yields either a
//! [`RawRecord`] borrowing the buffer, or an [`Issue`] for a line that cannot be a
//! record (too long, not UTF-8, wrong field count). Reading goes on after such a
//! line; only I/O failures stop it.
//!
//! ```
//! use mssante_bal::{Format, Item, Reader};
//! let data = "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|Type identifiant structure|Identification Structure\n\
//!             PER|a@b.mssante.fr|8|10000000009|810000000009||\n\
//!             bad line\n";
//! let mut r = Reader::new(data.as_bytes(), Format::Extraction).unwrap();
//! let mut ok = 0;
//! let mut bad = 0;
//! while let Some(item) = r.next_item().unwrap() {
//!     match item {
//!         Item::Record(rec) => { assert_eq!(rec.get(1), Some("a@b.mssante.fr")); ok += 1 }
//!         Item::Rejected(issue) => { assert_eq!(issue.position.line, 3); bad += 1 }
//!     }
//! }
//! assert_eq!((ok, bad), (1, 1));
//! ```

use crate::error::{Code, Error, Issue, Position, Severity};
use crate::layout::{Column, Format, Layout};
use memchr::memchr_iter;
use std::io::{ErrorKind, Read};

/// Default maximum line length: 64 KiB.
pub const DEFAULT_MAX_LINE: usize = 64 * 1024;
const MIN_BUFFER: usize = 256 * 1024;
const BOM: &[u8] = b"\xEF\xBB\xBF";

pub use crate::lines::Terminator;
use crate::lines::first_line;

/// Reader settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderConfig {
    /// Longest accepted line in bytes, terminator excluded (default 64 KiB). A
    /// longer line is rejected with `E103` and skipped without being buffered.
    pub max_line_len: usize,
    /// When true (default) a line whose field count differs from the header's is
    /// rejected (`E101`). When false it is accepted with a warning: missing fields
    /// read as empty, extra fields are ignored.
    pub strict_field_count: bool,
}

impl Default for ReaderConfig {
    fn default() -> Self {
        ReaderConfig { max_line_len: DEFAULT_MAX_LINE, strict_field_count: true }
    }
}

/// One line split into fields, borrowing the reader's buffer.
#[derive(Debug, Clone, Copy)]
pub struct RawRecord<'r> {
    line: &'r str,
    ends: &'r [usize],
    layout: &'r Layout,
    /// Where the line starts.
    pub position: Position,
    /// How the line ended.
    pub terminator: Terminator,
    /// Set when the field count differs from the header's (lenient mode only).
    pub field_count_mismatch: bool,
}

impl<'r> RawRecord<'r> {
    /// Number of fields on the line.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Never true: a line has at least one field.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i`.
    pub fn get(&self, i: usize) -> Option<&'r str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] + 1 };
        self.line.get(start..end)
    }

    /// The value of a known column; empty when the layout lacks it (or, in lenient
    /// mode, when the line is short).
    pub fn field(&self, c: Column) -> &'r str {
        self.layout.index_of(c).and_then(|i| self.get(i)).unwrap_or("")
    }

    /// All fields in order.
    pub fn iter(&self) -> impl Iterator<Item = &'r str> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// The whole line, terminator excluded.
    pub fn line(&self) -> &'r str {
        self.line
    }

    /// The layout the record was read with.
    pub fn layout(&self) -> &'r Layout {
        self.layout
    }
}

/// What [`Reader::next_item`] yields.
#[derive(Debug)]
pub enum Item<'r> {
    /// A line split into the header's number of fields.
    Record(RawRecord<'r>),
    /// A line that cannot be a record; the issue says why.
    Rejected(Issue),
}

enum Scan {
    Line { start: usize, end: usize, term: Terminator, byte: u64 },
    TooLong { byte: u64, len: u64 },
}

/// Streaming reader of `|`-separated files with a header line.
pub struct Reader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    base: u64,
    eof: bool,
    /// Size the buffer grows to (at least the longest line + 2).
    target: usize,
    config: ReaderConfig,
    layout: Layout,
    ends: Vec<usize>,
    line: u64,
    bom: bool,
    header_terminator: Terminator,
}

impl<R: Read> Reader<R> {
    /// Reads the header and resolves the layout with default settings.
    pub fn new(inner: R, format: Format) -> Result<Self, Error> {
        Self::with_config(inner, format, ReaderConfig::default())
    }

    /// Reads the header and resolves the layout.
    pub fn with_config(inner: R, format: Format, config: ReaderConfig) -> Result<Self, Error> {
        let mut r = Self::bare(inner, Layout::canonical(format), config, Position::default());
        r.fill_at_least(BOM.len())?;
        if r.buf[..r.end].starts_with(BOM) {
            r.bom = true;
            r.start = BOM.len();
        }
        let (start, end, term) = match r.scan()? {
            None => return Err(Error::NoHeader),
            Some(Scan::TooLong { .. }) => return Err(Error::HeaderTooLong { max: config.max_line_len }),
            Some(Scan::Line { start, end, term, .. }) => (start, end, term),
        };
        r.line = 1;
        let header = std::str::from_utf8(&r.buf[start..end])
            .map_err(|e| Error::HeaderNotUtf8 { byte: (start + e.valid_up_to()) as u64 })?;
        r.layout = Layout::from_header(format, header)?;
        r.header_terminator = term;
        Ok(r)
    }

    /// A reader with no header line: `layout` is given and positions start at
    /// `start` (byte offset and the physical line *before* the first one read).
    /// Used to read chunks of a file in parallel.
    pub fn headless(inner: R, layout: Layout, config: ReaderConfig, start: Position) -> Self {
        Self::bare(inner, layout, config, start)
    }

    /// Positions start at `start`, as for [`Reader::headless`].
    fn bare(inner: R, layout: Layout, mut config: ReaderConfig, start: Position) -> Self {
        let cap = config.max_line_len.saturating_add(2).clamp(MIN_BUFFER, 1 << 30);
        config.max_line_len = config.max_line_len.min(cap - 2);
        Reader {
            inner,
            // Grows to `target` as data comes: small inputs stay small.
            buf: vec![0; cap.min(4096)],
            start: 0,
            end: 0,
            base: start.byte,
            eof: false,
            target: cap,
            config,
            layout,
            ends: Vec::with_capacity(64),
            line: start.line,
            bom: false,
            header_terminator: Terminator::Lf,
        }
    }

    /// The resolved layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// True when the input started with a UTF-8 BOM (stripped).
    pub fn had_bom(&self) -> bool {
        self.bom
    }

    /// How the header line ended.
    pub fn header_terminator(&self) -> Terminator {
        self.header_terminator
    }

    /// Physical lines read so far, header included.
    pub fn lines_read(&self) -> u64 {
        self.line
    }

    /// Bytes consumed so far.
    pub fn bytes_read(&self) -> u64 {
        self.base + self.start as u64
    }

    fn fill(&mut self) -> Result<(), Error> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.base += self.start as u64;
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() < self.target {
            let n = self.buf.len().saturating_mul(2).min(self.target);
            self.buf.resize(n, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(source) => return Err(Error::Io { byte: self.base + self.end as u64, source }),
            }
        }
    }

    fn fill_at_least(&mut self, n: usize) -> Result<(), Error> {
        while self.end - self.start < n && !self.eof {
            self.fill()?;
        }
        Ok(())
    }

    fn scan(&mut self) -> Result<Option<Scan>, Error> {
        let max = self.config.max_line_len;
        loop {
            if let Some((content, term, next)) = first_line(&self.buf[self.start..self.end]) {
                let s = self.start;
                let e = s + content;
                let byte = self.base + s as u64;
                self.start = s + next;
                if e - s > max {
                    return Ok(Some(Scan::TooLong { byte, len: (e - s) as u64 }));
                }
                return Ok(Some(Scan::Line { start: s, end: e, term, byte }));
            }
            let pending = self.end - self.start;
            if self.eof {
                if pending == 0 {
                    return Ok(None);
                }
                let (s, e) = (self.start, self.end);
                let byte = self.base + s as u64;
                self.start = self.end;
                if e - s > max {
                    return Ok(Some(Scan::TooLong { byte, len: (e - s) as u64 }));
                }
                return Ok(Some(Scan::Line { start: s, end: e, term: Terminator::None, byte }));
            }
            if pending > max + 1 {
                return self.skip_long_line().map(Some);
            }
            self.fill()?;
        }
    }

    /// Discards the rest of a line longer than the maximum, without buffering it.
    fn skip_long_line(&mut self) -> Result<Scan, Error> {
        let byte = self.base + self.start as u64;
        let mut len = 0u64;
        loop {
            if let Some((_, _, next)) = first_line(&self.buf[self.start..self.end]) {
                // Everything before the `\n` (as the first part of the line was counted).
                len += (next - 1) as u64;
                self.start += next;
                return Ok(Scan::TooLong { byte, len });
            }
            len += (self.end - self.start) as u64;
            self.start = self.end;
            if self.eof {
                return Ok(Scan::TooLong { byte, len });
            }
            self.fill()?;
        }
    }

    /// The next line: a record, or a rejected line. `Ok(None)` at the end.
    pub fn next_item(&mut self) -> Result<Option<Item<'_>>, Error> {
        let scan = match self.scan()? {
            None => return Ok(None),
            Some(s) => s,
        };
        self.line += 1;
        let position = |byte| Position { byte, line: self.line, record: self.line - 1 };
        match scan {
            Scan::TooLong { byte, len } => Ok(Some(Item::Rejected(Issue::error(
                Code::LineTooLong,
                position(byte),
                format!("line of {len} bytes is longer than the maximum of {}", self.config.max_line_len),
            )))),
            Scan::Line { start, end, term, byte } => {
                let pos = position(byte);
                Ok(Some(split_line(
                    &self.buf[start..end],
                    term,
                    pos,
                    &self.layout,
                    &mut self.ends,
                    self.config.strict_field_count,
                )))
            }
        }
    }
}

impl Reader<std::io::Empty> {
    /// A headless reader over a block of whole lines already in memory (no copy).
    /// Lines longer than the maximum are rejected as usual.
    pub fn from_block(block: Vec<u8>, layout: Layout, config: ReaderConfig, start: Position) -> Self {
        let mut r = Self::bare(std::io::empty(), layout, config, start);
        r.end = block.len();
        r.target = block.len();
        r.buf = block;
        r.eof = true;
        r
    }

    /// The block back, unchanged: positions of its records minus the start's
    /// byte are offsets into it.
    pub(crate) fn into_block(self) -> Vec<u8> {
        self.buf
    }
}

/// Appends the offset of every `|` in `bytes`.
///
/// Fields are a few bytes long on average, so instead of one `memchr` call per
/// field this scans eight bytes at a time (SWAR): the exact zero-byte test on
/// `word ^ "||||||||"` marks the separators, and each mark is popped with
/// `trailing_zeros`.
pub(crate) fn push_separators(bytes: &[u8], ends: &mut Vec<usize>) {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const PIPES: u64 = 0x7c7c_7c7c_7c7c_7c7c;
    let mut chunks = bytes.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w) ^ PIPES;
        let mut marks = !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7);
        while marks != 0 {
            ends.push(base + (marks.trailing_zeros() / 8) as usize);
            marks &= marks - 1;
        }
        base += 8;
    }
    for (i, b) in chunks.remainder().iter().enumerate() {
        if *b == b'|' {
            ends.push(base + i);
        }
    }
}

/// Decodes one line and splits it into fields.
fn split_line<'r>(
    bytes: &'r [u8],
    terminator: Terminator,
    position: Position,
    layout: &'r Layout,
    ends: &'r mut Vec<usize>,
    strict: bool,
) -> Item<'r> {
    // simdutf8's fast validation first; std's (slower) one only to locate an error.
    let checked = match simdutf8::basic::from_utf8(bytes) {
        Ok(l) => Ok(l),
        Err(_) => std::str::from_utf8(bytes),
    };
    let line = match checked {
        Ok(l) => l,
        Err(e) => {
            let at = e.valid_up_to();
            let field = memchr_iter(b'|', &bytes[..at]).count();
            let mut issue =
                Issue::error(Code::InvalidUtf8, position, format!("invalid UTF-8 at byte {} of the line", at));
            if let Some(name) = layout.name(field) {
                issue = issue.at_column(name);
            }
            return Item::Rejected(issue);
        }
    };
    ends.clear();
    push_separators(bytes, ends);
    ends.push(bytes.len());
    let mismatch = ends.len() != layout.len();
    if mismatch && strict {
        let mut issue =
            Issue::error(Code::FieldCount, position, format!("expected {} fields, found {}", layout.len(), ends.len()));
        let first_off = ends.len().min(layout.len());
        if let Some(name) = layout.name(first_off) {
            issue = issue.at_column(name);
        }
        return Item::Rejected(issue);
    }
    Item::Record(RawRecord { line, ends, layout, position, terminator, field_count_mismatch: mismatch })
}

/// The warning a lenient reader attaches to a record whose field count differs.
pub fn field_count_warning(rec: &RawRecord<'_>) -> Issue {
    Issue {
        code: Code::FieldCount,
        severity: Severity::Warning,
        position: rec.position,
        column: None,
        message: format!("expected {} fields, found {}", rec.layout().len(), rec.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hdr() -> String {
        Format::Extraction.header()
    }

    fn row(addr: &str) -> String {
        format!("PER|{addr}|8|10000000009|810000000009{}", "|".repeat(26))
    }

    fn collect(input: &[u8], config: ReaderConfig) -> (Vec<(u64, u64, String)>, Vec<Issue>) {
        let mut r = Reader::with_config(input, Format::Extraction, config).unwrap();
        let mut recs = Vec::new();
        let mut issues = Vec::new();
        while let Some(item) = r.next_item().unwrap() {
            match item {
                Item::Record(rec) => {
                    recs.push((rec.position.line, rec.position.byte, rec.field(Column::Address).to_owned()))
                }
                Item::Rejected(i) => issues.push(i),
            }
        }
        (recs, issues)
    }

    #[test]
    fn lf_crlf_bom_and_missing_final_terminator() {
        let text = format!("\u{feff}{}\r\n{}\r\n{}", hdr(), row("a@x.fr"), row("b@x.fr"));
        let (recs, issues) = collect(text.as_bytes(), ReaderConfig::default());
        assert!(issues.is_empty());
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].0, 2);
        assert_eq!(recs[0].1, (3 + hdr().len() + 2) as u64);
        assert_eq!(recs[1].2, "b@x.fr");
    }

    #[test]
    fn bad_lines_are_reported_and_reading_continues() {
        let mut data = format!("{}\n{}\n", hdr(), row("a@x.fr")).into_bytes();
        data.extend_from_slice(b"PER|\xff\xfe|x\n");
        data.extend_from_slice(b"\n");
        data.extend_from_slice(format!("{}\n", row("c@x.fr")).as_bytes());
        let (recs, issues) = collect(&data, ReaderConfig::default());
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].0, 5);
        assert_eq!(issues.len(), 2);
        assert_eq!(issues[0].code, Code::InvalidUtf8);
        assert_eq!(issues[0].position.line, 3);
        assert_eq!(issues[0].column.as_deref(), Some("Adresse BAL"));
        assert_eq!(issues[1].code, Code::FieldCount);
        assert_eq!(issues[1].position.line, 4);
    }

    #[test]
    fn long_lines_are_skipped_with_bounded_buffer() {
        let config = ReaderConfig { max_line_len: 2000, ..ReaderConfig::default() };
        let long = "x".repeat(1_000_000);
        let data = format!("{}\n{long}\n{}\n{long}", hdr(), row("a@x.fr"));
        let mut r = Reader::with_config(data.as_bytes(), Format::Extraction, config).unwrap();
        let mut codes = Vec::new();
        while let Some(item) = r.next_item().unwrap() {
            match item {
                Item::Record(rec) => codes.push(format!("ok{}", rec.position.line)),
                Item::Rejected(i) => codes.push(format!("{}@{}", i.code, i.position.line)),
            }
        }
        assert_eq!(codes, ["E103@2", "ok3", "E103@4"]);
        assert!(r.buf.len() <= MIN_BUFFER);
    }

    #[test]
    fn header_errors_are_file_errors() {
        assert!(matches!(Reader::new(&b""[..], Format::Extraction), Err(Error::NoHeader)));
        assert!(matches!(Reader::new(&b"\xff|x\n"[..], Format::Extraction), Err(Error::HeaderNotUtf8 { .. })));
        assert!(matches!(Reader::new(&b"Type de BAL\n"[..], Format::Extraction), Err(Error::MissingColumns { .. })));
    }

    #[test]
    fn swar_split_matches_a_plain_scan() {
        let samples: [&[u8]; 6] =
            [b"", b"|", b"a|b", b"||||||||||||||||||", b"\x7c\xfc|\x00\x7d|\xff\x80||x", b"abcdefgh|ijklmnop|q"];
        for s in samples {
            let mut got = Vec::new();
            push_separators(s, &mut got);
            let want: Vec<usize> = s.iter().enumerate().filter(|(_, b)| **b == b'|').map(|(i, _)| i).collect();
            assert_eq!(got, want, "{s:?}");
        }
    }

    #[test]
    fn lenient_field_count() {
        let data = format!("{}\nPER|a@x.fr\n", hdr());
        let config = ReaderConfig { strict_field_count: false, ..ReaderConfig::default() };
        let mut r = Reader::with_config(data.as_bytes(), Format::Extraction, config).unwrap();
        match r.next_item().unwrap() {
            Some(Item::Record(rec)) => {
                assert!(rec.field_count_mismatch);
                assert_eq!(rec.field(Column::Country), "");
                assert_eq!(field_count_warning(&rec).severity, Severity::Warning);
            }
            other => panic!("{other:?}"),
        }
    }
}
