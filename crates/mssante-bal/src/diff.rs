//! BALs added, removed and changed between two files of the same format.
//!
//! The public extraction has no technical id and lists an address once per
//! carrier, so a row is identified by (address compared case-insensitively,
//! `Identifiant PP`, `Identification Structure`) plus its occurrence number when
//! the same key repeats. Lines that cannot be read as records (see
//! [`crate::reader`]) are counted apart and not compared.
//!
//! [`diff_streaming`] compares two files of any size in bounded memory: it
//! reads the old file twice (three times when the headers differ) and the new
//! file once, each [`Source`] opened again for each read (a file, a ZIP
//! entry); it keeps a compact index of the old file (about 80 bytes a record), and
//! the texts it needs later in a spool that goes to a temporary file past its
//! budget. [`diff`] is the in-memory convenience
//! over it; both give the same result.
//!
//! ```
//! use mssante_bal::{diff::diff, Format};
//! let h = Format::Extraction.header();
//! let pad = "|".repeat(26);
//! let old = format!("{h}\nPER|a@x.fr|8|10000000009|810000000009{pad}\nPER|b@x.fr|8|10000000017|810000000017{pad}\n");
//! let new = format!("{h}\nPER|A@x.fr|8|10000000009|810000000009|||Cardio{}\nPER|c@y.fr|8|10999999997|810999999997{pad}\n", "|".repeat(23));
//! let d = diff(old.as_bytes(), new.as_bytes(), Format::Extraction).unwrap();
//! assert_eq!((d.added, d.removed, d.changed, d.unchanged), (1, 1, 1, 0));
//! assert_eq!(d.changes.iter().find(|c| c.kind == mssante_bal::diff::ChangeKind::Changed).unwrap().fields, ["Adresse BAL", "Service de rattachement"]);
//! ```

use crate::blocks::{self, Block};
use crate::distinct::{Fingerprint, hash_key};
use crate::error::Error;
use crate::error::Position;
use crate::layout::{Column, Format, Layout, Slot};
use crate::reader::{Item, RawRecord, Reader, ReaderConfig};
use crate::source::Source;
use crate::spool::{Span, Spool};
use mssante_types::identity::{address_domain_key, address_key};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// What happened to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum ChangeKind {
    /// Only in the new file.
    Added,
    /// Only in the old file.
    Removed,
    /// In both, with different values.
    Changed,
}

/// One row that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Change {
    /// What happened.
    pub kind: ChangeKind,
    /// The address (new spelling when present in both).
    pub address: String,
    /// Line in the old file.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub old_line: Option<u64>,
    /// Line in the new file.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub new_line: Option<u64>,
    /// Columns whose value changed (new header spelling), for `changed`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub fields: Vec<String>,
}

/// Counts for one domain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DomainCounts {
    /// Rows added.
    pub added: u64,
    /// Rows removed.
    pub removed: u64,
    /// Rows changed.
    pub changed: u64,
}

/// The difference between two files.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Diff {
    /// Rows only in the new file.
    pub added: u64,
    /// Rows only in the old file.
    pub removed: u64,
    /// Rows in both with different values.
    pub changed: u64,
    /// Rows in both with the same values.
    pub unchanged: u64,
    /// Lines of the old file that are not records (not compared).
    pub old_unreadable: u64,
    /// Lines of the new file that are not records (not compared).
    pub new_unreadable: u64,
    /// Counts per domain (lower case), for domains with a difference.
    pub by_domain: BTreeMap<String, DomainCounts>,
    /// Every differing row: changed and added in new-file order, then removed in
    /// old-file order.
    pub changes: Vec<Change>,
}

/// The row key's fingerprint: the address's key, `Identifiant PP` and
/// `Identification Structure` in ASCII lower case, written without allocating
/// (an address that is not ASCII goes through its key first).
fn key_fp(rec: &RawRecord<'_>) -> u128 {
    let mut f = Fingerprint::new();
    let address = rec.field(Column::Address);
    // An ASCII address's key is its lower case, done below.
    let key = if address.is_ascii() { std::borrow::Cow::Borrowed(address) } else { address_key(address) };
    let mut buf = [0u8; 64];
    for part in [key.as_ref(), "\u{0}", rec.field(Column::PersonId), "\u{0}", rec.field(Column::StructureId)] {
        for chunk in part.as_bytes().chunks(buf.len()) {
            for (d, s) in buf.iter_mut().zip(chunk) {
                *d = s.to_ascii_lowercase();
            }
            f.write(&buf[..chunk.len()]);
        }
    }
    f.finish()
}

/// The hash of a whole line: when both files have the same layout, two rows
/// have the same values exactly when their lines are the same.
fn line_hash(rec: &RawRecord<'_>) -> u128 {
    hash_key(rec.line().as_bytes())
}

/// A hash of a record's values by column identity, whatever the column order:
/// the sum of one fingerprint per non-empty (column, value). Two records with
/// the same values (a column absent from one header reads as empty) have the
/// same hash.
fn content_hash(layout: &Layout, rec: &RawRecord<'_>) -> u128 {
    let mut sum = 0u128;
    for (i, v) in rec.iter().enumerate() {
        if v.is_empty() {
            continue;
        }
        let id: u64 = match layout.slot(i) {
            Some(Slot::Known(c)) => *c as u64,
            Some(Slot::Unknown) => (hash_key(layout.name(i).unwrap_or("").as_bytes()) as u64) | (1 << 63),
            None => continue,
        };
        let mut f = Fingerprint::new();
        f.write(&id.to_le_bytes());
        f.write(v.as_bytes());
        sum = sum.wrapping_add(f.finish());
    }
    sum
}

fn domain_of(address: &str) -> String {
    address_domain_key(address).into_owned()
}

/// The values of a line by column identity: known columns by [`Column`], unknown
/// ones by folded header name.
fn values<'a>(layout: &'a Layout, line: &'a str) -> Vec<(ColumnKey<'a>, &'a str)> {
    line.split('|')
        .enumerate()
        .filter_map(|(i, v)| {
            let key = match layout.slot(i)? {
                Slot::Known(c) => ColumnKey::Known(*c),
                Slot::Unknown => ColumnKey::Other(layout.name(i)?),
            };
            Some((key, v))
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ColumnKey<'a> {
    Known(Column),
    Other(&'a str),
}

/// The columns whose value differs between two lines (new header spelling).
fn changed_fields(old_layout: &Layout, old: &str, new_layout: &Layout, new: &str) -> Vec<String> {
    let mut a = values(old_layout, old);
    let mut b = values(new_layout, new);
    a.sort();
    b.sort();
    let mut fields = Vec::new();
    let (mut i, mut j) = (0, 0);
    loop {
        let (col, va, vb) = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                i += 1;
                j += 1;
                (x.0, x.1, y.1)
            }
            (Some(x), Some(y)) if x.0 < y.0 => {
                i += 1;
                (x.0, x.1, "")
            }
            (Some(x), None) => {
                i += 1;
                (x.0, x.1, "")
            }
            (_, Some(y)) => {
                j += 1;
                (y.0, "", y.1)
            }
            (None, None) => break,
        };
        if va != vb {
            fields.push(match col {
                ColumnKey::Known(c) => new_layout.column_name(c).to_owned(),
                ColumnKey::Other(n) => n.to_owned(),
            });
        }
    }
    fields
}

/// Compares two in-memory files.
pub fn diff(old: &[u8], new: &[u8], format: Format) -> Result<Diff, Error> {
    diff_streaming(&mut { old }, &mut { new }, format, 1, &mut |_, _| {})?.into_diff()
}

/// Which read of [`diff_streaming`] a progress report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Indexing the old file.
    IndexOld,
    /// Comparing the new file with the index.
    CompareNew,
    /// Reading the old file again for the removed and changed rows.
    RevisitOld,
}

/// One record of the old file in the index.
#[derive(Clone, Copy)]
struct OldRow {
    content: u128,
    line: u64,
    /// The next row of the same key, in line order (`u32::MAX`: none).
    next: u32,
    matched: bool,
}

/// Rows of a key: the first one not matched yet, and the last one.
#[derive(Clone, Copy)]
struct Chain {
    head: u32,
    tail: u32,
}

/// A hasher for keys that are fingerprints already: their low 64 bits.
#[derive(Default)]
struct Prehashed(u64);

impl std::hash::Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
}

type KeyMap = std::collections::HashMap<u128, Chain, std::hash::BuildHasherDefault<Prehashed>>;

/// A changed or added row, in new-file order.
struct Pending {
    new_line: u64,
    /// 0 for an added row.
    old_line: u64,
    address: Span,
    /// The new line's text, for a changed row until its fields are known.
    text: Option<Span>,
    /// The changed columns, `|`-separated (a header name has no `|`).
    fields: Option<Span>,
}

/// Memory the spools of a streaming diff hold before they go to disk.
const SPOOL_BUDGET: usize = 16 << 20;

/// The result of [`diff_streaming`]: the counts, and the changes read back
/// from its spool one at a time ([`DiffStream::try_for_each_change`]).
pub struct DiffStream {
    /// The counts and the domains; `changes` is empty.
    pub totals: Diff,
    pending: Vec<Pending>,
    /// Removed rows: old line and address, in old-file order.
    gone: Vec<(u64, Span)>,
    spool: RefCell<Spool>,
}

impl std::fmt::Debug for DiffStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiffStream").field("totals", &self.totals).finish_non_exhaustive()
    }
}

fn io_err(source: std::io::Error) -> Error {
    Error::Io { byte: 0, source }
}

fn text(spool: &mut Spool, span: Span, buf: &mut Vec<u8>) -> Result<String, Error> {
    spool.get(span, buf).map_err(io_err)?;
    Ok(String::from_utf8_lossy(buf).into_owned())
}

impl DiffStream {
    /// Visits every differing row: changed and added in new-file order, then
    /// removed in old-file order (the order of [`Diff::changes`]).
    pub fn try_for_each_change<E: From<Error>>(&self, mut f: impl FnMut(Change) -> Result<(), E>) -> Result<(), E> {
        let mut spool = self.spool.borrow_mut();
        let mut buf = Vec::new();
        for p in &self.pending {
            let address = text(&mut spool, p.address, &mut buf)?;
            let change = match p.fields {
                None => Change {
                    kind: ChangeKind::Added,
                    address,
                    old_line: None,
                    new_line: Some(p.new_line),
                    fields: Vec::new(),
                },
                Some(span) => Change {
                    kind: ChangeKind::Changed,
                    address,
                    old_line: Some(p.old_line),
                    new_line: Some(p.new_line),
                    fields: text(&mut spool, span, &mut buf)?.split('|').map(str::to_owned).collect(),
                },
            };
            f(change)?;
        }
        for &(line, span) in &self.gone {
            let address = text(&mut spool, span, &mut buf)?;
            f(Change { kind: ChangeKind::Removed, address, old_line: Some(line), new_line: None, fields: Vec::new() })?;
        }
        Ok(())
    }

    /// Everything in memory: the [`Diff`].
    pub fn into_diff(self) -> Result<Diff, Error> {
        let mut changes = Vec::new();
        self.try_for_each_change(|c| {
            changes.push(c);
            Ok::<(), Error>(())
        })?;
        Ok(Diff { changes, ..self.totals })
    }
}

/// The JSON of [`Diff`], the changes written one at a time.
#[cfg(feature = "serde")]
impl serde::Serialize for DiffStream {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeSeq, SerializeStruct};
        struct Changes<'a>(&'a DiffStream);
        impl serde::Serialize for Changes<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let t = &self.0.totals;
                let n = t.added + t.removed + t.changed;
                let mut seq = s.serialize_seq(usize::try_from(n).ok())?;
                self.0.try_for_each_change(|c| seq.serialize_element(&c).map_err(Failed::Ser)).map_err(
                    |e| match e {
                        Failed::Ser(e) => e,
                        Failed::Diff(e) => serde::ser::Error::custom(e),
                    },
                )?;
                seq.end()
            }
        }
        enum Failed<E> {
            Ser(E),
            Diff(Error),
        }
        impl<E> From<Error> for Failed<E> {
            fn from(e: Error) -> Self {
                Failed::Diff(e)
            }
        }
        let t = &self.totals;
        let mut st = s.serialize_struct("Diff", 8)?;
        st.serialize_field("added", &t.added)?;
        st.serialize_field("removed", &t.removed)?;
        st.serialize_field("changed", &t.changed)?;
        st.serialize_field("unchanged", &t.unchanged)?;
        st.serialize_field("old_unreadable", &t.old_unreadable)?;
        st.serialize_field("new_unreadable", &t.new_unreadable)?;
        st.serialize_field("by_domain", &t.by_domain)?;
        st.serialize_field("changes", &Changes(self))?;
        st.end()
    }
}

/// Compares two files of any size in bounded memory, splitting and hashing
/// rows on `threads` threads (1: on the calling thread). The old file is read
/// twice, the new one once; `progress(pass, bytes)` reports each read now and
/// then.
///
/// ```
/// use mssante_bal::{diff::{diff_streaming, ChangeKind}, Format};
/// let h = Format::Extraction.header();
/// let pad = "|".repeat(26);
/// let old = format!("{h}\nPER|a@x.fr|8|10000000009|810000000009{pad}\n");
/// let new = format!("{h}\nPER|b@x.fr|8|10000000017|810000000017{pad}\n");
/// let d = diff_streaming(&mut old.as_bytes(), &mut new.as_bytes(), Format::Extraction, 2, &mut |_, _| {}).unwrap();
/// assert_eq!((d.totals.added, d.totals.removed), (1, 1));
/// let mut kinds = Vec::new();
/// d.try_for_each_change(|c| { kinds.push(c.kind); Ok::<_, mssante_bal::Error>(()) }).unwrap();
/// assert_eq!(kinds, [ChangeKind::Added, ChangeKind::Removed]);
/// ```
pub fn diff_streaming(
    old: &mut dyn Source,
    new: &mut dyn Source,
    format: Format,
    threads: usize,
    progress: &mut dyn FnMut(Pass, u64),
) -> Result<DiffStream, Error> {
    diff_in(SPOOL_BUDGET, old, new, format, threads, progress)
}

fn diff_in(
    spool_budget: usize,
    old: &mut dyn Source,
    new: &mut dyn Source,
    format: Format,
    threads: usize,
    progress: &mut dyn FnMut(Pass, u64),
) -> Result<DiffStream, Error> {
    // Lines as long as the reader allows: a diff compares what is there.
    let config = ReaderConfig { strict_field_count: true, ..ReaderConfig::default() };
    let threads = threads.clamp(1, crate::check::MAX_THREADS);
    let mut d = DiffStream {
        totals: Diff::default(),
        pending: Vec::new(),
        gone: Vec::new(),
        spool: RefCell::new(Spool::new(spool_budget)),
    };
    let spool = d.spool.get_mut();

    // 1. Index the old file: per row its key, the hash of its line, its line.
    // The hash becomes one of the values by column, from another read, when
    // the new file's columns differ.
    let mut index: Vec<OldRow> = Vec::new();
    let mut keys = KeyMap::default();
    let mut lines_before = 1u64;
    let head = blocks::in_blocks(
        old.open()?,
        format,
        config,
        threads,
        &|block, layout| scan(block, layout, config, false),
        &mut |b: Scanned| {
            d.totals.old_unreadable += b.unreadable;
            for row in b.rows {
                let i = u32::try_from(index.len()).map_err(|_| too_many())?;
                match keys.entry(row.key) {
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(Chain { head: i, tail: i });
                    }
                    std::collections::hash_map::Entry::Occupied(mut o) => {
                        let c = o.get_mut();
                        index[c.tail as usize].next = i;
                        c.tail = i;
                    }
                }
                index.push(OldRow {
                    content: row.content,
                    line: lines_before + row.line,
                    next: u32::MAX,
                    matched: false,
                });
            }
            lines_before += b.lines;
            Ok(())
        },
        &mut |bytes| progress(Pass::IndexOld, bytes),
    )?;
    let old_layout = head.layout;

    // 2. The new file: the k-th row of a key matches the k-th row of that key
    // in the old file (the first one not matched yet, in line order).
    let mut lines_before = 1u64;
    let mut hashes_by_column = None;
    let head = blocks::in_blocks(
        new.open()?,
        format,
        config,
        threads,
        &|block, layout| scan(block, layout, config, *layout != old_layout),
        &mut |b: Scanned| {
            d.totals.new_unreadable += b.unreadable;
            if hashes_by_column.is_none() {
                hashes_by_column = Some(b.by_column);
                if b.by_column {
                    rehash_by_column(old, format, config, &old_layout, &mut index)?;
                }
            }
            for row in b.rows {
                // The first row of the key not matched yet; the next one becomes first.
                let hit = match keys.get_mut(&row.key) {
                    Some(c) if c.head != u32::MAX => {
                        let i = c.head as usize;
                        c.head = index[i].next;
                        Some(i)
                    }
                    _ => None,
                };
                if let Some(i) = hit {
                    index[i].matched = true;
                    if index[i].content == row.content {
                        d.totals.unchanged += 1;
                        continue;
                    }
                }
                // Changed or added: only these need their text.
                let text = b.text.get(row.start..row.end).and_then(|t| std::str::from_utf8(t).ok()).unwrap_or("");
                let address = text.split('|').nth(b.address_at.unwrap_or(usize::MAX)).unwrap_or("");
                let counts = d.totals.by_domain.entry(domain_of(address)).or_default();
                let (old_line, text) = match hit {
                    Some(i) => {
                        d.totals.changed += 1;
                        counts.changed += 1;
                        (index[i].line, Some(spool.put(text.as_bytes()).map_err(io_err)?))
                    }
                    None => {
                        d.totals.added += 1;
                        counts.added += 1;
                        (0, None)
                    }
                };
                d.pending.push(Pending {
                    new_line: lines_before + row.line,
                    old_line,
                    address: spool.put(address.as_bytes()).map_err(io_err)?,
                    text,
                    fields: None,
                });
            }
            lines_before += b.lines;
            Ok(())
        },
        &mut |bytes| progress(Pass::CompareNew, bytes),
    )?;
    let new_layout = head.layout;

    // 3. The old file again, for what only it holds: the removed rows'
    // addresses and the changed rows' old values.
    drop(keys);
    // In line order already.
    let gone_lines: Vec<u64> = index.iter().filter(|o| !o.matched).map(|o| o.line).collect();
    drop(index);
    let mut partners: Vec<(u64, usize)> =
        d.pending.iter().enumerate().filter(|(_, p)| p.text.is_some()).map(|(i, p)| (p.old_line, i)).collect();
    partners.sort_unstable();
    if gone_lines.is_empty() && partners.is_empty() {
        return Ok(d);
    }
    let mut r = Reader::with_config(old.open()?, format, config)?;
    if *r.layout() != old_layout {
        return Err(changed_underneath());
    }
    let (mut g, mut p) = (0usize, 0usize);
    let mut buf = Vec::new();
    while g < gone_lines.len() || p < partners.len() {
        if r.lines_read().is_multiple_of(65_536) {
            progress(Pass::RevisitOld, r.bytes_read());
        }
        let Some(item) = r.next_item()? else { return Err(changed_underneath()) };
        let Item::Record(rec) = item else { continue };
        let line = rec.position.line;
        if gone_lines.get(g) == Some(&line) {
            g += 1;
            let address = rec.field(Column::Address);
            d.totals.removed += 1;
            d.totals.by_domain.entry(domain_of(address)).or_default().removed += 1;
            d.gone.push((line, spool.put(address.as_bytes()).map_err(io_err)?));
        }
        while partners.get(p).is_some_and(|&(l, _)| l == line) {
            let i = partners[p].1;
            p += 1;
            let Some(span) = d.pending[i].text.take() else { continue };
            let new_text = text(spool, span, &mut buf)?;
            let fields = changed_fields(&old_layout, rec.line(), &new_layout, &new_text);
            if fields.is_empty() {
                // Equal hashes make unchanged rows; different hashes with equal
                // values mean the file changed between its two reads.
                return Err(changed_underneath());
            }
            d.pending[i].fields = Some(spool.put(fields.join("|").as_bytes()).map_err(io_err)?);
        }
    }
    progress(Pass::RevisitOld, r.bytes_read());
    Ok(d)
}

/// A row of a block, its line counted from the block's start.
struct ScannedRow {
    key: u128,
    content: u128,
    line: u64,
    /// The line's bytes in the block.
    start: usize,
    end: usize,
}

/// What a worker makes of a block.
struct Scanned {
    rows: Vec<ScannedRow>,
    unreadable: u64,
    lines: u64,
    /// The block, for the lines the merge needs.
    text: Vec<u8>,
    /// Contents are hashes of the values by column (the files' columns differ).
    by_column: bool,
    /// The field index of `Adresse BAL`.
    address_at: Option<usize>,
}

fn scan(block: Block, layout: &Layout, config: ReaderConfig, by_column: bool) -> Result<Scanned, Error> {
    let address_at = layout.index_of(Column::Address);
    let (block, byte) = match block {
        Block::Lines(block, byte) => (block, byte),
        Block::TooLong(..) => {
            return Ok(Scanned { rows: Vec::new(), unreadable: 1, lines: 1, text: Vec::new(), by_column, address_at });
        }
    };
    let mut r = Reader::from_block(block, layout.clone(), config, Position { byte, line: 0, record: 0 });
    let (mut rows, mut unreadable) = (Vec::new(), 0);
    while let Some(item) = r.next_item()? {
        match item {
            Item::Rejected(_) => unreadable += 1,
            Item::Record(rec) => {
                let start = usize::try_from(rec.position.byte - byte).unwrap_or(0);
                rows.push(ScannedRow {
                    key: key_fp(&rec),
                    content: if by_column { content_hash(layout, &rec) } else { line_hash(&rec) },
                    line: rec.position.line,
                    start,
                    end: start + rec.line().len(),
                })
            }
        }
    }
    let lines = r.lines_read();
    Ok(Scanned { rows, unreadable, lines, text: r.into_block(), by_column, address_at })
}

/// Replaces the old rows' line hashes by hashes of their values by column.
fn rehash_by_column(
    old: &mut dyn Source,
    format: Format,
    config: ReaderConfig,
    layout: &Layout,
    index: &mut [OldRow],
) -> Result<(), Error> {
    let mut again = Reader::with_config(old.open()?, format, config)?;
    let mut rows = index.iter_mut();
    while let Some(item) = again.next_item()? {
        if let Item::Record(rec) = item {
            let row = rows.next().filter(|o| o.line == rec.position.line).ok_or_else(changed_underneath)?;
            row.content = content_hash(layout, &rec);
        }
    }
    Ok(())
}

fn too_many() -> Error {
    Error::Io { byte: 0, source: std::io::Error::other("more than 4 billion records in the old file") }
}

fn changed_underneath() -> Error {
    Error::Io {
        byte: 0,
        source: std::io::Error::other("the old file changed between its two reads: compare stable copies"),
    }
}

#[cfg(all(test, feature = "generate"))]
mod tests {
    use super::*;
    use crate::generate::Generator;

    #[test]
    fn a_spool_on_disk_gives_the_same_changes() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        Generator::new(3, 3000).errors_per_million(20_000).write_extraction(&mut a).unwrap();
        Generator::new(4, 3000).errors_per_million(20_000).write_extraction(&mut b).unwrap();
        // Half the old rows, then the new file: rows removed, added and kept.
        let cut = a.len() / 2 + memchr::memchr(b'\n', &a[a.len() / 2..]).unwrap() + 1;
        let mut new = a[..cut].to_vec();
        new.extend(b.split(|c| *c == b'\n').skip(1).flat_map(|l| l.iter().copied().chain([b'\n'])));
        // Some kept rows change a value.
        let new = String::from_utf8(new).unwrap().replacen("|C|Civil|", "|E|Étudiant|", 40).into_bytes();
        let run = |budget| {
            diff_in(budget, &mut &a[..], &mut &new[..], Format::Extraction, 2, &mut |_, _| {})
                .unwrap()
                .into_diff()
                .unwrap()
        };
        let (disk, mem) = (run(0), run(usize::MAX));
        assert!(disk.added > 0 && disk.removed > 0 && disk.changed > 0, "{disk:?}");
        assert_eq!(disk.changes, mem.changes);
        assert_eq!((disk.added, disk.removed, disk.changed), (mem.added, mem.removed, mem.changed));
    }

    #[test]
    fn an_old_file_that_changes_between_its_reads_is_an_error() {
        let h = Format::Extraction.header();
        let pad = "|".repeat(26);
        let old = format!("{h}\nPER|a@x.fr|8|10000000009|810000000009{pad}\n");
        let other = format!("{h}\n");
        let new = format!("{h}\nPER|b@x.fr|8|10000000017|810000000017{pad}\n");
        /// The first read gives `old`, the next ones `other`.
        struct Replaced<'a>(u32, &'a str, &'a str);
        impl Source for Replaced<'_> {
            fn open(&mut self) -> Result<Box<dyn std::io::Read + '_>, Error> {
                self.0 += 1;
                Ok(Box::new(if self.0 == 1 { self.1 } else { self.2 }.as_bytes()))
            }
        }
        let mut source = Replaced(0, &old, &other);
        let e = diff_streaming(&mut source, &mut new.as_bytes(), Format::Extraction, 1, &mut |_, _| {}).unwrap_err();
        assert!(e.to_string().contains("changed between its two reads"), "{e}");
    }
}
