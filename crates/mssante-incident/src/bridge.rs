//! From a signal of `mssante-cr` (a stalled feed, a reconciliation gap) to a
//! draft incident.
//!
//! The [`Signal`] type is the one `mssante-cr` produces (defined once in
//! `mssante-types`), so the crates stay acyclic and cannot drift apart.

use crate::date::{DayMonth, Style, When};
use crate::model::{Block, Incident, Label, Section};
use chrono::{Datelike, NaiveDate};

pub use mssante_types::signal::{Signal, SignalKind};

fn words(d: NaiveDate) -> DayMonth {
    DayMonth { day: d.day(), month: d.month(), year: Some(d.year()), style: Style::Words, padded: false }
}

fn numeric(d: NaiveDate) -> DayMonth {
    DayMonth { day: d.day(), month: d.month(), year: Some(d.year()), style: Style::Numeric, padded: false }
}

/// A draft incident (label `nouveau`) for a signal, dated `through`; its facts
/// are derived from the text like any other incident, and its identifier from
/// its title and `since` (the same signal on later days gives the same one).
///
/// ```
/// use chrono::NaiveDate;
/// use mssante_incident::bridge::{draft_incident, Signal, SignalKind};
/// let d = |n| NaiveDate::from_ymd_opt(2020, 12, n).unwrap();
/// let s = Signal { kind: SignalKind::StalledFeed, operator: "OPE-1".into(), since: d(3), through: d(8),
///     business_dates: vec![d(4), d(5), d(7)], counts: Default::default(), summary: "Les BAL publiées ne changent plus.".into() };
/// let i = draft_incident(&s);
/// assert_eq!(i.id().as_str(), "2020-12-03-traitement-de-l-alimentation-des-bal-mssante-de-l-operateur-ope-1");
/// let b = i.facts().backlog.as_ref().unwrap();
/// assert_eq!(b.pending, [d(4), d(5), d(7)]);
/// assert_eq!(i.facts().lifecycle.steps()[0].at.date_naive(), d(3));
/// ```
pub fn draft_incident(s: &Signal) -> Incident {
    let since = When::Since { date: numeric(s.since) };
    match s.kind {
        SignalKind::StalledFeed => {
            let mut blocks = vec![Block::Paragraph(s.summary.clone())];
            if !s.business_dates.is_empty() {
                let dates = When::AllOf { dates: s.business_dates.iter().copied().map(words).collect() };
                let list = if s.business_dates.len() == 1 {
                    format!("du {}", words(s.business_dates[0]))
                } else {
                    dates.to_string()
                };
                blocks.push(Block::Bullet(format!(
                    "Les fichiers contenant les BAL MSSanté de l’opérateur {} déposés {list} seront intégrés après correction.",
                    s.operator
                )));
            }
            Incident::new(
                Label::New,
                format!("Traitement de l’alimentation des BAL MSSanté de l’opérateur {}", s.operator),
                format!("BAL publiées de l’opérateur {} inchangées {since}", s.operator),
                vec![Section { title: "Description".into(), blocks }],
                s.through,
            )
        }
        SignalKind::ReconciliationGap => Incident::new(
            Label::New,
            format!("Écarts entre les BAL de l’opérateur {} et l’extraction publique", s.operator),
            format!("écarts constatés le {}", numeric(s.through)),
            vec![Section { title: "Description".into(), blocks: vec![Block::Paragraph(s.summary.clone())] }],
            s.through,
        ),
        // A kind added later: a draft that carries the signal's own sentence.
        _ => Incident::new(
            Label::New,
            format!("Signal sur l’alimentation de l’opérateur {}", s.operator),
            format!("constaté le {}", numeric(s.through)),
            vec![Section { title: "Description".into(), blocks: vec![Block::Paragraph(s.summary.clone())] }],
            s.through,
        ),
    }
}
