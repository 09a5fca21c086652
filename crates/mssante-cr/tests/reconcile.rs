//! Reconciliation of a feed with a published extraction, and the signals.

mod common;

use common::{World, date};
use mssante_bal::{Column, Format, Layout, parse_flag};
use mssante_cr::SignalKind;
use mssante_cr::reconcile::{Finding, PublicationRules, diff_by_operator, reconcile};
use mssante_cr::signal::{Observation, StallDetector, published_digests};

/// The extraction line the directory would publish for a feed line.
fn published(feed_line: &str) -> String {
    let feed = Layout::canonical(Format::Feed);
    let ext = Layout::canonical(Format::Extraction);
    let f: Vec<&str> = feed_line.split('|').collect();
    let mut out = vec![String::new(); ext.len()];
    // Every column the two formats share.
    for &c in Format::Feed.columns() {
        if let (Some(i), Some(j)) = (ext.index_of(c), feed.index_of(c)) {
            out[i] = f[j].to_owned();
        }
    }
    out.join("|")
}

#[test]
fn missing_unexpected_differing_and_red_list() {
    let world = World::new(5, 80, 2);
    let feed = world.feed(0, 3, 80);
    let lines: Vec<&str> = feed.lines().skip(1).collect();
    let feed_layout = Layout::canonical(Format::Feed);
    let lr = feed_layout.index_of(Column::ListeRouge).unwrap();
    let ty = feed_layout.index_of(Column::BalType).unwrap();
    let excluded = |l: &&str| {
        let f: Vec<&str> = l.split('|').collect();
        parse_flag(f[lr]) == Some(true) || f[ty] == "APP"
    };
    let expected: Vec<&str> = lines.iter().copied().filter(|l| !excluded(l)).collect();
    let red: Vec<&str> = lines.iter().copied().filter(excluded).collect();
    assert!(!red.is_empty(), "the generator red-lists about 1 in 20");

    let mut ext = vec![Format::Extraction.header()];
    // Published: all expected but the first; the second with another service;
    // one red-listed BAL published by mistake; one BAL nobody sent on a domain of the feed.
    for (i, l) in expected.iter().enumerate().skip(1) {
        let mut p = published(l);
        if i == 1 {
            let ext_layout = Layout::canonical(Format::Extraction);
            let mut f: Vec<String> = p.split('|').map(str::to_owned).collect();
            f[ext_layout.index_of(Column::Service).unwrap()] = "Autre service".into();
            p = f.join("|");
        }
        ext.push(p);
    }
    ext.push(published(red[0]));
    let domain = expected[0].split('|').nth(1).unwrap().split('@').nth(1).unwrap();
    ext.push(published(&expected[0].replacen(expected[0].split('|').nth(1).unwrap(), &format!("inconnu@{domain}"), 1)));
    // A row on a domain of another operator is out of scope.
    ext.push(published(world.pools[1][0].as_str()));
    let ext = ext.join("\n") + "\n";

    let r =
        reconcile(feed.as_bytes(), ext.as_bytes(), &PublicationRules::default(), None, &world.operators[0]).unwrap();
    assert!(r.adds_up(), "{r:?}");
    assert_eq!((r.missing, r.differing, r.unexpected, r.published_despite_rule), (1, 1, 1, 1));
    assert_eq!(r.expected as usize, expected.len());
    assert_eq!(r.excluded as usize, red.len());
    let kinds: Vec<Finding> = r.discrepancies.iter().map(|d| d.finding).collect();
    assert!(kinds.contains(&Finding::PublishedDespiteRule));
    let differing = r.discrepancies.iter().find(|d| d.finding == Finding::Differing).unwrap();
    assert_eq!(differing.fields[0].column, "Service de rattachement");
    assert_eq!(differing.fields[0].after, "Autre service");
    // With the liste blanche, the operator's other domains are in scope too.
    let own = world.ownership();
    let r2 = reconcile(feed.as_bytes(), ext.as_bytes(), &PublicationRules::default(), Some(&own), &world.operators[0])
        .unwrap();
    assert!(r2.domains.len() >= r.domains.len());
    assert!(r2.adds_up());
    // The streamed JSON is the JSON of the reconciliation in memory.
    let stream = mssante_cr::reconcile::reconcile_streaming(
        feed.as_bytes(),
        ext.as_bytes(),
        &PublicationRules::default(),
        Some(&own),
        &world.operators[0],
    )
    .unwrap();
    assert_eq!(serde_json::to_string(&stream).unwrap(), serde_json::to_string(&r2).unwrap());

    let s = mssante_cr::signal::from_reconciliation(&world.operators[0], date(2020, 12, 4), &r).unwrap();
    assert_eq!(s.kind, SignalKind::ReconciliationGap);
    assert_eq!(s.counts["missing"], 1);
    // Publishing red-listed BALs is allowed by a configured rule.
    let rules = PublicationRules { liste_rouge_published: true, ..PublicationRules::default() };
    let r3 = reconcile(feed.as_bytes(), ext.as_bytes(), &rules, None, &world.operators[0]).unwrap();
    assert_eq!(r3.published_despite_rule, 0);
    assert!(r3.missing as usize >= red.len() - 1);
}

#[test]
fn stalled_feed_from_extractions_and_deposits() {
    let world = World::new(6, 40, 2);
    let own = world.ownership();
    // Day by day: operator 0's extraction follows its feed until the 3rd, then freezes.
    let extraction = |op0_day: u32, op1_day: u32| {
        let mut ext = vec![Format::Extraction.header()];
        for (op, day) in [(0, op0_day), (1, op1_day)] {
            for l in world.feed(op, day, 40).lines().skip(1) {
                ext.push(published(l));
            }
        }
        ext.join("\n") + "\n"
    };
    let mut history = Vec::new();
    for day in 2..=8u32 {
        let digests = published_digests(extraction(day.min(3), day).as_bytes(), &own).unwrap();
        for (op, id) in world.operators.iter().enumerate() {
            history.push(Observation {
                date: date(2020, 12, day),
                operator: id.clone(),
                published: digests.get(id).map(|d| d.0),
                deposited: Some(mssante_cr::deposit::sha256_hex(world.feed(op, day, 40).as_bytes())),
            });
        }
    }
    let signals = StallDetector { days: 3 }.detect(&history);
    assert_eq!(signals.len(), 1, "{signals:?}");
    let s = &signals[0];
    assert_eq!(s.operator, world.operators[0]);
    assert_eq!((s.since, s.through), (date(2020, 12, 3), date(2020, 12, 8)));
    assert_eq!(s.business_dates, (4..=8).map(|d| date(2020, 12, d)).collect::<Vec<_>>());
    // Not stalled for a longer threshold.
    assert!(StallDetector { days: 6 }.detect(&history).is_empty());
    // The per-operator day-over-day diff sees operator 1 change and operator 0 frozen.
    let d =
        mssante_bal::diff::diff(extraction(3, 4).as_bytes(), extraction(3, 5).as_bytes(), Format::Extraction).unwrap();
    let per_op = diff_by_operator(&d, &own);
    assert!(per_op.get(&world.operators[0]).is_none_or(|c| c.added + c.removed + c.changed == 0));
    let c1 = per_op[&world.operators[1]];
    assert!(c1.added + c1.removed + c1.changed > 0);
}

#[test]
fn a_repeated_feed_address_is_rejected_once_the_first_line_stands() {
    let h = mssante_bal::Format::Feed.header();
    // Line 3 repeats line 2's address (other case) with another service; line 4
    // repeats it again, red-listed.
    let feed = format!(
        "{h}\nPER|a@x.mssante.fr|8|10000000009||||||||N|\nPER|A@X.mssante.fr|8|10000000009|||Autre|||||N|\nPER|a@x.mssante.fr|8|10000000009||||||||O|\n"
    );
    let pad = "|".repeat(26);
    let ext =
        format!("{}\nPER|a@x.mssante.fr|8|10000000009|810000000009{pad}\n", mssante_bal::Format::Extraction.header());
    let r = reconcile(feed.as_bytes(), ext.as_bytes(), &PublicationRules::default(), None, "OPE-1").unwrap();
    assert_eq!((r.feed_lines, r.feed_rejected, r.expected, r.excluded), (3, 2, 1, 0));
    assert_eq!((r.matching, r.differing, r.missing), (1, 0, 0), "{r:?}");
    assert!(r.adds_up(), "{r:?}");
    assert!(r.discrepancies.is_empty());
}
