//! The streaming diff against a plain in-memory one written for clarity (the
//! crate's diff before it streamed): same counts, same changes, same order,
//! on any pair of files — duplicated keys, unreadable lines, a column the
//! other file lacks, columns in another order.

use mssante_bal::diff::{Change, ChangeKind, diff, diff_streaming};
use mssante_bal::{Column, Format, Item, Layout, Reader};
use mssante_types::identity::{address_domain_key, address_key};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// Values by column identity (known column, or unknown header name).
fn values(layout: &Layout, line: &str) -> BTreeMap<String, String> {
    line.split('|')
        .enumerate()
        .filter_map(|(i, v)| {
            let key = match layout.slot(i)? {
                mssante_bal::layout::Slot::Known(c) => format!("known:{}", c.name()),
                mssante_bal::layout::Slot::Unknown => format!("other:{}", layout.name(i)?),
            };
            (!v.is_empty()).then(|| (key, v.to_owned()))
        })
        .collect()
}

type Row = (String, u64, BTreeMap<String, String>, String);

fn rows(data: &[u8]) -> (Vec<Row>, u64, Layout) {
    let mut r = Reader::new(data, Format::Extraction).unwrap();
    let layout = r.layout().clone();
    let (mut rows, mut bad) = (Vec::new(), 0);
    while let Some(item) = r.next_item().unwrap() {
        match item {
            Item::Rejected(_) => bad += 1,
            Item::Record(rec) => {
                let key = format!(
                    "{}\0{}\0{}",
                    address_key(rec.field(Column::Address)),
                    rec.field(Column::PersonId),
                    rec.field(Column::StructureId)
                )
                .to_ascii_lowercase();
                rows.push((key, rec.position.line, values(&layout, rec.line()), rec.field(Column::Address).to_owned()));
            }
        }
    }
    (rows, bad, layout)
}

/// Counts and changes, the k-th row of a key matching the k-th of the other file.
fn oracle(old: &[u8], new: &[u8]) -> ([u64; 6], Vec<Change>) {
    let (a, a_bad, _) = rows(old);
    let (b, b_bad, new_layout) = rows(new);
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in a.iter().enumerate() {
        by_key.entry(&r.0).or_default().push(i);
    }
    let mut used = vec![false; a.len()];
    let mut changes = Vec::new();
    let mut n = [0u64; 6];
    for r in &b {
        let hit = by_key.get(r.0.as_str()).and_then(|v| v.iter().copied().find(|&i| !used[i]));
        match hit {
            None => {
                n[0] += 1;
                changes.push(Change {
                    kind: ChangeKind::Added,
                    address: r.3.clone(),
                    old_line: None,
                    new_line: Some(r.1),
                    fields: vec![],
                });
            }
            Some(i) => {
                used[i] = true;
                let keys: std::collections::BTreeSet<&String> = a[i].2.keys().chain(r.2.keys()).collect();
                let differing: Vec<&String> = keys.into_iter().filter(|k| a[i].2.get(*k) != r.2.get(*k)).collect();
                if differing.is_empty() {
                    n[3] += 1;
                } else {
                    n[2] += 1;
                    let mut fields: Vec<String> = differing
                        .iter()
                        .map(|k| match k.strip_prefix("known:") {
                            Some(name) => {
                                let c = Column::ALL.iter().find(|c| c.name() == name).unwrap();
                                new_layout.column_name(*c).to_owned()
                            }
                            None => k.strip_prefix("other:").unwrap().to_owned(),
                        })
                        .collect();
                    fields.sort();
                    changes.push(Change {
                        kind: ChangeKind::Changed,
                        address: r.3.clone(),
                        old_line: Some(a[i].1),
                        new_line: Some(r.1),
                        fields,
                    });
                }
            }
        }
    }
    for (i, r) in a.iter().enumerate() {
        if !used[i] {
            n[1] += 1;
            changes.push(Change {
                kind: ChangeKind::Removed,
                address: r.3.clone(),
                old_line: Some(r.1),
                new_line: None,
                fields: vec![],
            });
        }
    }
    n[4] = a_bad;
    n[5] = b_bad;
    (n, changes)
}

fn line(addr: usize, id: usize, service: usize, extra: Option<usize>) -> String {
    let mut f = vec![String::new(); 31];
    f[0] = "PER".into();
    f[1] = format!("{}@d{}.mssante.fr", ["a", "B", "c"][addr % 3], addr / 3);
    f[3] = format!("1000000000{id}");
    f[7] = ["", "Cardiologie", "Urgences"][service % 3].into();
    let mut s = f.join("|");
    if let Some(x) = extra {
        s.push('|');
        s.push_str(["", "x", "y"][x % 3]);
    }
    s
}

fn file(rows: &[(usize, usize, usize, bool)], extra_column: bool) -> Vec<u8> {
    let mut out = Format::Extraction.header();
    if extra_column {
        out.push_str("|Colonne ajoutée");
    }
    out.push('\n');
    for &(a, id, s, bad) in rows {
        if bad {
            out.push_str("not|a|record\n");
        } else {
            out.push_str(&line(a, id, s, extra_column.then_some(a + s)));
            out.push('\n');
        }
    }
    out.into_bytes()
}

proptest! {
    #[test]
    fn streaming_diff_equals_the_oracle(
        old in proptest::collection::vec((0usize..7, 0usize..3, 0usize..3, proptest::bool::weighted(0.05)), 0..40),
        new in proptest::collection::vec((0usize..7, 0usize..3, 0usize..3, proptest::bool::weighted(0.05)), 0..40),
        old_extra in any::<bool>(),
        new_extra in any::<bool>(),
    ) {
        let (a, b) = (file(&old, old_extra), file(&new, new_extra));
        let d = diff(&a, &b, Format::Extraction).unwrap();
        let threaded = diff_streaming(&mut &a[..], &mut &b[..], Format::Extraction, 2, &mut |_, _| {}).unwrap().into_diff().unwrap();
        prop_assert_eq!(&threaded.changes, &d.changes);
        prop_assert_eq!(&threaded.by_domain, &d.by_domain);
        prop_assert_eq!([threaded.added, threaded.removed, threaded.changed, threaded.unchanged, threaded.old_unreadable, threaded.new_unreadable], [d.added, d.removed, d.changed, d.unchanged, d.old_unreadable, d.new_unreadable]);
        let (n, mut expected) = oracle(&a, &b);
        prop_assert_eq!([d.added, d.removed, d.changed, d.unchanged, d.old_unreadable, d.new_unreadable], n);
        let mut got = d.changes.clone();
        for c in got.iter_mut().chain(expected.iter_mut()) {
            c.fields.sort();
        }
        prop_assert_eq!(got, expected);
        let per_domain: u64 = d.by_domain.values().map(|c| c.added + c.removed + c.changed).sum();
        prop_assert_eq!(per_domain, d.added + d.removed + d.changed);
        for c in &d.changes {
            prop_assert!(d.by_domain.contains_key(address_domain_key(&c.address).as_ref()));
        }
    }
}
