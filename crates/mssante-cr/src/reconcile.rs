//! Reconciliation: what an operator sent (its feed) against what is published
//! (the public extraction), and the day-over-day extraction diff per operator.
//!
//! The publication rules are explicit ([`PublicationRules`]): a red-listed BAL
//! is not expected in the public file, nor are BALs of the types listed in
//! [`PublicationRules::unpublished_types`] (APP by default). Finding one of
//! them published anyway is its own finding, [`Finding::PublishedDespiteRule`],
//! since it may expose a red-listed person.
//!
//! Only the part of the extraction that belongs to the operator is compared:
//! the domains of the feed's addresses, plus the operator's domains in the
//! liste blanche when an [`Ownership`] is given.

use crate::error::Error;
use crate::ownership::Ownership;
use crate::report::FieldChange;
use mssante_bal::diff::{Diff, DomainCounts};
use mssante_bal::distinct::fingerprint;
use mssante_bal::{Bal, Column, Format, Item, Reader, Rules, parse_flag};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What is expected in the public extraction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationRules {
    /// Red-listed BALs are published (default false: they are not).
    pub liste_rouge_published: bool,
    /// BAL types never published (default `["APP"]`).
    pub unpublished_types: Vec<String>,
    /// Columns compared between the feed and the extraction.
    pub compared: Vec<Column>,
}

impl Default for PublicationRules {
    fn default() -> Self {
        PublicationRules {
            liste_rouge_published: false,
            unpublished_types: vec!["APP".to_owned()],
            compared: vec![
                Column::BalType,
                Column::PersonIdType,
                Column::PersonId,
                Column::StructureIdType,
                Column::StructureId,
                Column::Service,
                Column::Dematerialisation,
            ],
        }
    }
}

/// The kind of a discrepancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Finding {
    /// Sent, expected, not published.
    Missing,
    /// Published on the operator's domains, not sent.
    Unexpected,
    /// Sent and published with different values.
    Differing,
    /// Sent, not to be published by the rules (red list, type), published.
    PublishedDespiteRule,
}

/// One BAL that does not reconcile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discrepancy {
    /// What is wrong.
    pub finding: Finding,
    /// The address (feed spelling when sent).
    pub address: String,
    /// Line in the feed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed_line: Option<u64>,
    /// Line in the extraction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extraction_line: Option<u64>,
    /// For `differing`: `before` is the feed value, `after` the published one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    /// For `published_despite_rule`: which rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// The result of a reconciliation. Totals add up: `expected = matching +
/// differing + missing` and `published = matching + differing + unexpected +
/// published_despite_rule + repeated`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// Feed data lines.
    pub feed_lines: u64,
    /// Feed lines not valid BAL records (integration would reject them): not expected.
    pub feed_rejected: u64,
    /// Valid feed BALs excluded from publication by the rules.
    pub excluded: u64,
    /// Valid feed BALs expected in the extraction.
    pub expected: u64,
    /// Extraction rows on the compared domains.
    pub published: u64,
    /// Extraction lines that are not records.
    pub extraction_unreadable: u64,
    /// Expected and published with the same values.
    pub matching: u64,
    /// Expected and published with different values.
    pub differing: u64,
    /// Expected, not published.
    pub missing: u64,
    /// Published, not sent.
    pub unexpected: u64,
    /// Excluded by a rule, published.
    pub published_despite_rule: u64,
    /// Further rows of an address already met in the extraction (one row per carrier).
    pub repeated: u64,
    /// The domains compared, sorted.
    pub domains: Vec<String>,
    /// Every discrepancy: in feed order for sent BALs, then unexpected ones in
    /// extraction order.
    pub discrepancies: Vec<Discrepancy>,
}

impl Reconciliation {
    /// Checks the accounting.
    pub fn adds_up(&self) -> bool {
        self.feed_lines == self.feed_rejected + self.excluded + self.expected
            && self.expected == self.matching + self.differing + self.missing
            && self.published
                == self.matching + self.differing + self.unexpected + self.published_despite_rule + self.repeated
            && self.discrepancies.len() as u64
                == self.differing + self.missing + self.unexpected + self.published_despite_rule
    }
}

/// One valid feed BAL, compactly (32 bytes and its text in a shared arena).
struct Sent {
    line: u64,
    /// The extraction line where it was first met (0: not met).
    published_at: u64,
    /// Its text in the arena: the address then each compared value,
    /// `\u{1f}`-separated.
    at: u32,
    len: u32,
    excluded_by: Option<Exclusion>,
    /// A later line of an address already sent: integration rejects it.
    repeated: bool,
}

impl Sent {
    fn text<'a>(&self, arena: &'a str) -> &'a str {
        arena.get(self.at as usize..self.at as usize + self.len as usize).unwrap_or("")
    }

    fn address<'a>(&self, arena: &'a str) -> &'a str {
        self.text(arena).split('\u{1f}').next().unwrap_or("")
    }

    fn values<'a>(&self, arena: &'a str) -> impl Iterator<Item = &'a str> {
        self.text(arena).split('\u{1f}').skip(1)
    }

    fn published(&self) -> Option<u64> {
        (self.published_at > 0).then_some(self.published_at)
    }
}

/// Why a sent BAL is not expected in the extraction.
#[derive(Clone, Copy)]
enum Exclusion {
    ListeRouge,
    /// The index of its type in [`PublicationRules::unpublished_types`].
    Type(u16),
}

impl Exclusion {
    fn rule(self, rules: &PublicationRules) -> String {
        match self {
            Exclusion::ListeRouge => "liste rouge".to_owned(),
            Exclusion::Type(i) => {
                format!("type {} not published", rules.unpublished_types.get(usize::from(i)).map_or("", |t| t))
            }
        }
    }
}

fn normalise(c: Column, v: &str) -> String {
    match c {
        Column::Dematerialisation => match parse_flag(v) {
            Some(true) => "O".to_owned(),
            Some(false) => "N".to_owned(),
            None => v.trim().to_owned(),
        },
        _ => v.trim().to_owned(),
    }
}

fn domain_of(address: &str) -> String {
    mssante_types::identity::address_domain_key(address.trim()).into_owned()
}

/// Reconciles an operator's feed with a public extraction, every discrepancy
/// in memory: [`reconcile_streaming`] and [`ReconcileStream::into_reconciliation`].
///
/// ```
/// use mssante_cr::reconcile::{reconcile, PublicationRules};
/// let feed = format!("{}\nPER|a@x.mssante.fr|8|10000000009||||||||N|\nPER|b@x.mssante.fr|8|10000000017||||||||O|\n",
///     mssante_bal::Format::Feed.header());
/// let pad = "|".repeat(26);
/// let ext = format!("{}\nPER|b@x.mssante.fr|8|10000000017|810000000017{pad}\nPER|c@x.mssante.fr|8|10000000025|810000000025{pad}\n",
///     mssante_bal::Format::Extraction.header());
/// let r = reconcile(feed.as_bytes(), ext.as_bytes(), &PublicationRules::default(), None, "OPE-1").unwrap();
/// assert_eq!((r.missing, r.unexpected, r.published_despite_rule), (1, 1, 1));
/// assert!(r.adds_up());
/// ```
pub fn reconcile(
    feed: impl std::io::Read,
    extraction: impl std::io::Read,
    rules: &PublicationRules,
    ownership: Option<&Ownership>,
    operator: &str,
) -> Result<Reconciliation, Error> {
    reconcile_streaming(feed, extraction, rules, ownership, operator)?.into_reconciliation()
}

/// A reconciliation whose counts are known and whose discrepancies are made
/// one at a time ([`ReconcileStream::try_for_each`]): a national feed
/// reconciled with the national extraction holds its BALs compactly (about
/// 130 bytes each), never the extraction nor a list of findings.
pub struct ReconcileStream {
    /// The counts and domains; `discrepancies` is empty.
    pub totals: Reconciliation,
    sent: Vec<Sent>,
    arena: String,
    /// The differing fields of sent BALs, by index.
    fields: HashMap<usize, Vec<FieldChange>>,
    /// Published rows not sent: address and extraction line, in extraction order.
    unexpected: Vec<(Box<str>, u64)>,
    rules: PublicationRules,
}

impl std::fmt::Debug for ReconcileStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReconcileStream").field("totals", &self.totals).finish_non_exhaustive()
    }
}

impl ReconcileStream {
    /// Visits every discrepancy: sent BALs in feed order, then unexpected
    /// ones in extraction order.
    pub fn try_for_each<E>(&self, mut f: impl FnMut(Discrepancy) -> Result<(), E>) -> Result<(), E> {
        let arena = self.arena.as_str();
        for (i, s) in self.sent.iter().enumerate() {
            if s.repeated {
                continue;
            }
            let (finding, fields, rule) = match (s.excluded_by, s.published()) {
                (Some(rule), Some(_)) => (Finding::PublishedDespiteRule, Vec::new(), Some(rule.rule(&self.rules))),
                (None, None) => (Finding::Missing, Vec::new(), None),
                (None, Some(_)) => match self.fields.get(&i) {
                    Some(fields) => (Finding::Differing, fields.clone(), None),
                    None => continue,
                },
                (Some(_), None) => continue,
            };
            f(Discrepancy {
                finding,
                address: s.address(arena).to_owned(),
                feed_line: Some(s.line),
                extraction_line: s.published(),
                fields,
                rule,
            })?;
        }
        for (address, line) in &self.unexpected {
            f(Discrepancy {
                finding: Finding::Unexpected,
                address: address.to_string(),
                feed_line: None,
                extraction_line: Some(*line),
                fields: Vec::new(),
                rule: None,
            })?;
        }
        Ok(())
    }

    /// Everything in memory.
    pub fn into_reconciliation(self) -> Result<Reconciliation, Error> {
        let mut all = Vec::new();
        self.try_for_each(|d| {
            all.push(d);
            Ok::<(), Error>(())
        })?;
        Ok(Reconciliation { discrepancies: all, ..self.totals })
    }
}

/// The JSON of [`Reconciliation`], the discrepancies written one at a time.
impl Serialize for ReconcileStream {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeSeq, SerializeStruct};
        struct All<'a>(&'a ReconcileStream);
        impl Serialize for All<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(None)?;
                self.0.try_for_each(|d| seq.serialize_element(&d))?;
                seq.end()
            }
        }
        let t = &self.totals;
        let mut st = s.serialize_struct("Reconciliation", 14)?;
        st.serialize_field("feed_lines", &t.feed_lines)?;
        st.serialize_field("feed_rejected", &t.feed_rejected)?;
        st.serialize_field("excluded", &t.excluded)?;
        st.serialize_field("expected", &t.expected)?;
        st.serialize_field("published", &t.published)?;
        st.serialize_field("extraction_unreadable", &t.extraction_unreadable)?;
        st.serialize_field("matching", &t.matching)?;
        st.serialize_field("differing", &t.differing)?;
        st.serialize_field("missing", &t.missing)?;
        st.serialize_field("unexpected", &t.unexpected)?;
        st.serialize_field("published_despite_rule", &t.published_despite_rule)?;
        st.serialize_field("repeated", &t.repeated)?;
        st.serialize_field("domains", &t.domains)?;
        st.serialize_field("discrepancies", &All(self))?;
        st.end()
    }
}

/// Reconciles an operator's feed with a public extraction. Both are read
/// once, as streams; see [`ReconcileStream`].
pub fn reconcile_streaming(
    feed: impl std::io::Read,
    extraction: impl std::io::Read,
    rules: &PublicationRules,
    ownership: Option<&Ownership>,
    operator: &str,
) -> Result<ReconcileStream, Error> {
    let mut r = Reconciliation::default();
    let mut sent: Vec<Sent> = Vec::new();
    let mut arena = String::new();
    // Fingerprints of the sent addresses' keys with their index in `sent`;
    // sorted once the feed is read.
    let mut keyed: Vec<(u128, u32)> = Vec::new();
    let mut domains: BTreeSet<String> =
        ownership.map(|o| o.domains(operator).map(str::to_owned).collect()).unwrap_or_default();
    let mut reader = Reader::new(feed, Format::Feed)?;
    while let Some(item) = reader.next_item()? {
        r.feed_lines += 1;
        let Item::Record(rec) = item else {
            r.feed_rejected += 1;
            continue;
        };
        if Bal::from_record(&rec, &Rules::default()).is_err() {
            r.feed_rejected += 1;
            continue;
        }
        let address = rec.field(Column::Address);
        domains.insert(domain_of(address));
        let bal_type = rec.field(Column::BalType).trim();
        let excluded_by = if !rules.liste_rouge_published && parse_flag(rec.field(Column::ListeRouge)) == Some(true) {
            Some(Exclusion::ListeRouge)
        } else {
            rules
                .unpublished_types
                .iter()
                .position(|t| t.eq_ignore_ascii_case(bal_type))
                .map(|i| Exclusion::Type(u16::try_from(i).unwrap_or(u16::MAX)))
        };
        if excluded_by.is_some() {
            r.excluded += 1;
        } else {
            r.expected += 1;
        }
        let at = arena.len();
        arena.push_str(&address.replace('\u{1f}', " "));
        for c in &rules.compared {
            arena.push('\u{1f}');
            arena.push_str(&normalise(*c, rec.field(*c)).replace('\u{1f}', " "));
        }
        let too_big = || Error::io("(feed)", std::io::Error::other("a feed over 4 GiB of compared values"));
        let (at32, len) =
            (u32::try_from(at).map_err(|_| too_big())?, u32::try_from(arena.len() - at).map_err(|_| too_big())?);
        keyed.push((fingerprint(address.trim()), u32::try_from(sent.len()).map_err(|_| too_big())?));
        sent.push(Sent { line: rec.position.line, published_at: 0, at: at32, len, excluded_by, repeated: false });
    }
    // A repeated address: the first line stands, integration rejects the others.
    keyed.sort_unstable();
    keyed.dedup_by(|later, first| {
        let same = later.0 == first.0;
        if same {
            let s = &mut sent[later.1 as usize];
            s.repeated = true;
            r.feed_rejected += 1;
            if s.excluded_by.is_some() {
                r.excluded -= 1;
            } else {
                r.expected -= 1;
            }
        }
        same
    });
    let (keys, index): (Vec<u128>, Vec<u32>) = keyed.into_iter().unzip();
    let find = |key: u128| keys.binary_search(&key).ok().map(|k| index[k] as usize);
    let mut unexpected = Vec::new();
    let mut fields_of: HashMap<usize, Vec<FieldChange>> = HashMap::new();
    let mut reader = Reader::new(extraction, Format::Extraction)?;
    while let Some(item) = reader.next_item()? {
        let Item::Record(rec) = item else {
            r.extraction_unreadable += 1;
            continue;
        };
        let address = rec.field(Column::Address);
        if !domains.contains(&domain_of(address)) {
            continue;
        }
        r.published += 1;
        let line = rec.position.line;
        let Some(i) = find(fingerprint(address.trim())) else {
            unexpected.push((Box::from(address), line));
            r.unexpected += 1;
            continue;
        };
        let s = &mut sent[i];
        if s.published_at > 0 {
            r.repeated += 1;
            continue;
        }
        s.published_at = line;
        if s.excluded_by.is_some() {
            r.published_despite_rule += 1;
            continue;
        }
        let fields: Vec<FieldChange> = rules
            .compared
            .iter()
            .zip(s.values(&arena))
            .filter_map(|(c, v)| {
                let published = normalise(*c, rec.field(*c));
                (published.replace('\u{1f}', " ") != v).then(|| FieldChange {
                    column: c.name().to_owned(),
                    before: v.to_owned(),
                    after: published,
                })
            })
            .collect();
        if fields.is_empty() {
            r.matching += 1;
        } else {
            r.differing += 1;
            fields_of.insert(i, fields);
        }
    }
    r.missing = sent.iter().filter(|s| !s.repeated && s.published_at == 0 && s.excluded_by.is_none()).count() as u64;
    r.domains = domains.into_iter().collect();
    Ok(ReconcileStream { totals: r, sent, arena, fields: fields_of, unexpected, rules: rules.clone() })
}

/// Adds up a day-over-day extraction diff per operator (through the liste
/// blanche): a domain served by several operators counts for each; domains no
/// operator serves are grouped under `""`.
pub fn diff_by_operator(diff: &Diff, ownership: &Ownership) -> BTreeMap<String, DomainCounts> {
    let mut out: BTreeMap<String, DomainCounts> = BTreeMap::new();
    for (domain, c) in &diff.by_domain {
        let mut ops: Vec<&str> = ownership.operators_of(domain).collect();
        if ops.is_empty() {
            ops.push("");
        }
        for op in ops {
            let e = out.entry(op.to_owned()).or_default();
            e.added += c.added;
            e.removed += c.removed;
            e.changed += c.changed;
        }
    }
    out
}
