//! Signals for the incident side: a stalled feed, a reconciliation gap.
//!
//! A [`Signal`] is plain data, defined once in `mssante-types`: `mssante-incident`
//! turns it into a draft incident without depending on this crate.
//!
//! The **stalled-feed detector** watches, day after day and per operator, a
//! digest of the BALs published in the extraction and the content of the
//! operator's deposits. An operator whose published BALs have not changed for
//! at least `days` days while it kept depositing *different* files is
//! reported: its files are received and not integrated, as in December 2020.

use crate::ownership::Ownership;
use crate::reconcile::Reconciliation;
use chrono::NaiveDate;
use mssante_bal::distinct::fingerprint;
use mssante_bal::{Column, Format, Item, Reader};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use mssante_types::signal::{Signal, SignalKind};

/// What was seen of one operator on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// The day (of the extraction; of the deposits' business date).
    pub date: NaiveDate,
    /// The operator.
    pub operator: String,
    /// Digest of the operator's published BALs that day (`None`: no extraction).
    pub published: Option<u128>,
    /// Content hash of the operator's deposit of that business date (`None`: none).
    pub deposited: Option<String>,
}

/// Digest and count of the BALs each operator publishes in an extraction. The
/// digest does not depend on line order.
pub fn published_digests(
    extraction: &[u8],
    ownership: &Ownership,
) -> Result<BTreeMap<String, (u128, u64)>, mssante_bal::Error> {
    let mut out: BTreeMap<String, (u128, u64)> = BTreeMap::new();
    let mut r = Reader::new(extraction, Format::Extraction)?;
    while let Some(item) = r.next_item()? {
        let Item::Record(rec) = item else { continue };
        let domain = rec.field(Column::Address).rsplit_once('@').map(|(_, d)| d).unwrap_or("");
        let fp = fingerprint(rec.line());
        for op in ownership.operators_of(domain) {
            let e = out.entry(op.to_owned()).or_default();
            e.0 = e.0.wrapping_add(fp);
            e.1 += 1;
        }
    }
    Ok(out)
}

/// The stalled-feed detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StallDetector {
    /// Days without a published change before a signal (default 2).
    pub days: u32,
}

impl Default for StallDetector {
    fn default() -> Self {
        StallDetector { days: 2 }
    }
}

impl StallDetector {
    /// Signals, one per stalled operator, sorted by operator. Observations may
    /// come in any order.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use mssante_cr::signal::{Observation, StallDetector};
    /// let d = |n| NaiveDate::from_ymd_opt(2020, 12, n).unwrap();
    /// let obs = |n, published, deposited: &str| Observation {
    ///     date: d(n), operator: "OPE-1".into(), published: Some(published), deposited: Some(deposited.into()),
    /// };
    /// let history = [obs(2, 7, "a"), obs(3, 8, "b"), obs(4, 8, "c"), obs(5, 8, "d"), obs(6, 8, "d")];
    /// let s = StallDetector { days: 2 }.detect(&history);
    /// assert_eq!(s.len(), 1);
    /// assert_eq!(s[0].since, d(3));
    /// assert_eq!(s[0].business_dates, [d(4), d(5)]);
    /// ```
    pub fn detect(&self, history: &[Observation]) -> Vec<crate::signal::Signal> {
        let mut by_op: BTreeMap<&str, Vec<&Observation>> = BTreeMap::new();
        for o in history {
            by_op.entry(&o.operator).or_default().push(o);
        }
        let mut out = Vec::new();
        for (op, mut obs) in by_op {
            obs.sort_by_key(|o| o.date);
            let mut last_published: Option<u128> = None;
            let mut changed_on: Option<NaiveDate> = None;
            let mut last_deposit: Option<&str> = None;
            let mut pending: Vec<NaiveDate> = Vec::new();
            for o in &obs {
                if let Some(p) = o.published
                    && last_published != Some(p)
                {
                    last_published = Some(p);
                    changed_on = Some(o.date);
                    pending.clear();
                }
                if let Some(h) = o.deposited.as_deref() {
                    if last_deposit.is_some_and(|l| l != h) && changed_on.is_some_and(|c| o.date > c) {
                        pending.push(o.date);
                    }
                    last_deposit = Some(h);
                }
            }
            let (Some(since), Some(last)) = (changed_on, obs.last()) else { continue };
            let days = (last.date - since).num_days();
            if days >= i64::from(self.days) && !pending.is_empty() {
                let mut counts = BTreeMap::new();
                counts.insert("days_unchanged".to_owned(), days as u64);
                counts.insert("deposits_not_reflected".to_owned(), pending.len() as u64);
                out.push(Signal {
                    kind: SignalKind::StalledFeed,
                    operator: op.to_owned(),
                    since,
                    through: last.date,
                    summary: format!(
                        "Les BAL publiées de l'opérateur {op} n'ont pas changé depuis le {} alors que {} fichier(s) différent(s) ont été déposés",
                        since.format("%d/%m/%Y"),
                        pending.len()
                    ),
                    business_dates: pending,
                    counts,
                });
            }
        }
        out
    }
}

/// A signal from a reconciliation with discrepancies (`None` when it
/// reconciles).
pub fn from_reconciliation(operator: &str, date: NaiveDate, r: &Reconciliation) -> Option<Signal> {
    let gaps = r.missing + r.unexpected + r.differing + r.published_despite_rule;
    if gaps == 0 {
        return None;
    }
    let counts = [
        ("missing", r.missing),
        ("unexpected", r.unexpected),
        ("differing", r.differing),
        ("published_despite_rule", r.published_despite_rule),
        ("expected", r.expected),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    Some(Signal {
        kind: SignalKind::ReconciliationGap,
        operator: operator.to_owned(),
        since: date,
        through: date,
        business_dates: vec![date],
        counts,
        summary: format!(
            "{gaps} BAL de l'opérateur {operator} ne correspondent pas à l'extraction publique du {} ({} manquante(s), {} inattendue(s), {} différente(s), {} publiée(s) malgré les règles)",
            date.format("%d/%m/%Y"),
            r.missing,
            r.unexpected,
            r.differing,
            r.published_despite_rule
        ),
    })
}
