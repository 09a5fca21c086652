//! BALs added, removed and changed between two files of the same format.
//!
//! The public extraction has no technical id and lists an address once per
//! carrier, so a row is identified by (address compared case-insensitively,
//! `Identifiant PP`, `Identification Structure`) plus its occurrence number when
//! the same key repeats. Lines that cannot be read as records (see
//! [`crate::reader`]) are counted apart and not compared.
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

use crate::distinct::hash_key;
use crate::error::Error;
use crate::layout::{Column, Format, Layout, Slot};
use crate::reader::{Item, RawRecord, Reader};
use mssante_types::identity::{address_domain_key, address_key};
use std::collections::{BTreeMap, HashMap};

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

fn key_fp(rec: &RawRecord<'_>) -> u128 {
    let mut k = String::with_capacity(96);
    k.push_str(&address_key(rec.field(Column::Address)));
    k.push('\u{0}');
    k.push_str(rec.field(Column::PersonId));
    k.push('\u{0}');
    k.push_str(rec.field(Column::StructureId));
    // The address part is a key already; identifiers compare without ASCII case.
    k.make_ascii_lowercase();
    hash_key(k.as_bytes())
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

/// Compares two in-memory files.
pub fn diff(old: &[u8], new: &[u8], format: Format) -> Result<Diff, Error> {
    let mut d = Diff::default();
    // Index the old file: key + occurrence -> (line text, line number).
    let mut old_reader = Reader::new(old, format)?;
    let old_layout = old_reader.layout().clone();
    let mut index: HashMap<(u128, u32), (String, u64, bool)> = HashMap::new();
    let mut occ: HashMap<u128, u32> = HashMap::new();
    let mut order: Vec<(u128, u32)> = Vec::new();
    while let Some(item) = old_reader.next_item()? {
        match item {
            Item::Rejected(_) => d.old_unreadable += 1,
            Item::Record(rec) => {
                let fp = key_fp(&rec);
                let n = occ.entry(fp).or_default();
                let k = (fp, *n);
                *n += 1;
                index.insert(k, (rec.line().to_owned(), rec.position.line, false));
                order.push(k);
            }
        }
    }
    occ.clear();
    let mut new_reader = Reader::new(new, format)?;
    let new_layout = new_reader.layout().clone();
    while let Some(item) = new_reader.next_item()? {
        let rec = match item {
            Item::Rejected(_) => {
                d.new_unreadable += 1;
                continue;
            }
            Item::Record(rec) => rec,
        };
        let fp = key_fp(&rec);
        let n = occ.entry(fp).or_default();
        let k = (fp, *n);
        *n += 1;
        let address = rec.field(Column::Address).to_owned();
        match index.get_mut(&k) {
            None => {
                d.added += 1;
                d.by_domain.entry(domain_of(&address)).or_default().added += 1;
                d.changes.push(Change {
                    kind: ChangeKind::Added,
                    address,
                    old_line: None,
                    new_line: Some(rec.position.line),
                    fields: Vec::new(),
                });
            }
            Some((old_line, old_no, seen)) => {
                *seen = true;
                let mut a = values(&old_layout, old_line);
                let mut b = values(&new_layout, rec.line());
                a.sort();
                b.sort();
                let mut fields = Vec::new();
                let (mut i, mut j) = (0, 0);
                while i < a.len() || j < b.len() {
                    let (ka, kb) = (a.get(i).map(|x| x.0), b.get(j).map(|x| x.0));
                    let (col, va, vb) = match (ka, kb) {
                        (Some(x), Some(y)) if x == y => {
                            i += 1;
                            j += 1;
                            (x, a[i - 1].1, b[j - 1].1)
                        }
                        (Some(x), Some(y)) if x < y => {
                            i += 1;
                            (x, a[i - 1].1, "")
                        }
                        (Some(x), None) => {
                            i += 1;
                            (x, a[i - 1].1, "")
                        }
                        (_, Some(y)) => {
                            j += 1;
                            (y, "", b[j - 1].1)
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
                if fields.is_empty() {
                    d.unchanged += 1;
                } else {
                    d.changed += 1;
                    d.by_domain.entry(domain_of(&address)).or_default().changed += 1;
                    d.changes.push(Change {
                        kind: ChangeKind::Changed,
                        address,
                        old_line: Some(*old_no),
                        new_line: Some(rec.position.line),
                        fields,
                    });
                }
            }
        }
    }
    for k in order {
        if let Some((line, no, false)) = index.remove(&k) {
            let address = values(&old_layout, &line)
                .into_iter()
                .find(|(c, _)| *c == ColumnKey::Known(Column::Address))
                .map(|(_, v)| v.to_owned())
                .unwrap_or_default();
            d.removed += 1;
            d.by_domain.entry(domain_of(&address)).or_default().removed += 1;
            d.changes.push(Change {
                kind: ChangeKind::Removed,
                address,
                old_line: Some(no),
                new_line: None,
                fields: Vec::new(),
            });
        }
    }
    Ok(d)
}
