//! The directory state: the BALs each operator holds.
//!
//! A BAL is kept as its canonical feed line (the 13 columns of the feed format
//! v1, in canonical order, `|`-separated), keyed by its address in lower case.
//! Columns unknown to the feed format are not kept. The serialised form of an
//! operator's BALs is a feed file (canonical header, lines sorted by key), so
//! the state folder can be read with any tool that reads feeds.

use crate::error::Error;
use mssante_bal::{Column, Format, Item, RawRecord, Reader, ReaderConfig};
use std::collections::HashMap;

/// The columns of a canonical line, in order.
pub(crate) fn columns() -> &'static [Column] {
    Format::Feed.columns()
}

/// The canonical line of a record: the feed columns in canonical order.
pub(crate) fn canonical_line(rec: &RawRecord<'_>) -> String {
    let len = columns().iter().map(|c| rec.field(*c).len()).sum::<usize>() + columns().len() - 1;
    let mut s = String::with_capacity(len);
    for (i, c) in columns().iter().enumerate() {
        if i > 0 {
            s.push('|');
        }
        s.push_str(rec.field(*c));
    }
    s
}

/// The key of an address in the directory: trimmed, then
/// [`address_key`](mssante_types::identity::address_key) (local part in lower
/// case, domain in its IDNA ASCII form).
pub fn key_of(address: &str) -> String {
    key_cow(address).into_owned()
}

/// [`key_of`], borrowed when the address is already its key (the common case:
/// ASCII without capitals or surrounding spaces).
pub(crate) fn key_cow(address: &str) -> std::borrow::Cow<'_, str> {
    mssante_types::identity::address_key(address.trim())
}

/// True when a record has exactly this canonical line, compared field by field
/// without building it.
pub(crate) fn same_line(rec: &RawRecord<'_>, canonical: &str) -> bool {
    let mut old = canonical.split('|');
    columns().iter().all(|c| old.next() == Some(rec.field(*c))) && old.next().is_none()
}

/// One stored BAL: its canonical line, and a mark used during an integration
/// (0 outside one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) line: Box<str>,
    pub(crate) mark: u64,
}

/// The BALs of one operator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperatorBals {
    bals: HashMap<Box<str>, Entry>,
}

impl OperatorBals {
    /// No BAL.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of BALs.
    pub fn len(&self) -> usize {
        self.bals.len()
    }

    /// True when the operator holds no BAL.
    pub fn is_empty(&self) -> bool {
        self.bals.is_empty()
    }

    /// The canonical line of the BAL with this key (see [`key_of`]).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.bals.get(key).map(|v| &*v.line)
    }

    /// True when a BAL has this key.
    pub fn contains(&self, key: &str) -> bool {
        self.bals.contains_key(key)
    }

    /// Keys and canonical lines, sorted by key.
    pub fn sorted(&self) -> Vec<(&str, &str)> {
        let mut v: Vec<(&str, &str)> = self.bals.iter().map(|(k, e)| (&**k, &*e.line)).collect();
        v.sort_unstable_by(|a, b| a.0.cmp(b.0));
        v
    }

    pub(crate) fn map_mut(&mut self) -> &mut HashMap<Box<str>, Entry> {
        &mut self.bals
    }

    /// Writes the BALs as a feed file (canonical header, sorted by key, LF).
    pub fn to_feed(&self) -> Vec<u8> {
        let mut out = Format::Feed.header().into_bytes();
        out.push(b'\n');
        for (_, line) in self.sorted() {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        out
    }

    /// Reads BALs back from a feed file written by [`OperatorBals::to_feed`]
    /// (or any feed file: lines are taken as they are, without validation; a
    /// line that is not a record is an error, since the state must be exact).
    pub fn from_feed(data: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::with_config(data, Format::Feed, ReaderConfig::default())?;
        let mut bals = HashMap::new();
        while let Some(item) = r.next_item()? {
            match item {
                Item::Record(rec) => {
                    let key = key_of(rec.field(Column::Address));
                    let line = canonical_line(&rec).into_boxed_str();
                    bals.insert(key.into_boxed_str(), Entry { line, mark: 0 });
                }
                Item::Rejected(issue) => {
                    return Err(Error::state(
                        crate::error::StateCode::DirectoryMismatch,
                        format!("directory file: {issue}"),
                    ));
                }
            }
        }
        Ok(OperatorBals { bals })
    }
}
