//! Human-readable rendering of summaries.

use mssante_bal::Issue;
use mssante_bal::check::Summary;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// `--quiet`: no human report on stdout.
pub fn set_quiet(q: bool) {
    QUIET.store(q, Ordering::Relaxed);
}

/// True under `--quiet` (and not `--json`).
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Formats an integer with thousands separated by a space, the French way
/// (`535 000`).
pub fn n(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// One issue for people: `FILE:LINE: CODE [column] message`, control
/// characters escaped.
pub fn issue_line<C: mssante_bal::StableCode>(file: &str, i: &Issue<C>) -> String {
    let mut s = format!("{file}:{}: {}", i.position.line, i.code);
    if let Some(c) = &i.column {
        let _ = write!(s, " [{c}]");
    }
    let _ = write!(s, " {}", i.message);
    crate::files::printable(&s).into_owned()
}

/// The human summary of a check: totals, issues counted by code, severity and
/// column, then the first `show` examples.
pub fn summary(name: &str, s: &Summary, show: usize) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{name} : {} lignes ({} octets{})",
        n(s.physical_lines()),
        n(s.bytes),
        if s.bom { ", BOM UTF-8" } else { "" }
    );
    let _ = writeln!(o, "  enregistrements     {:>10}", n(s.records_total()));
    let types: Vec<String> = s.by_type.iter().map(|(k, v)| format!("{k} {}", n(*v))).collect();
    let _ = writeln!(o, "  valides             {:>10}   ({})", n(s.records_valid()), types.join(", "));
    let _ = writeln!(o, "  rejetés             {:>10}", n(s.records_rejected()));
    let _ = writeln!(o, "  erreurs             {:>10}", n(s.errors()));
    let _ = writeln!(o, "  avertissements      {:>10}", n(s.warnings()));
    let _ = writeln!(o, "  adresses distinctes {:>10}", n(s.distinct_addresses));
    if !s.missing_optional_columns.is_empty() {
        let _ = writeln!(o, "  colonnes absentes (lues vides) : {}", s.missing_optional_columns.join(", "));
    }
    if !s.unknown_columns.is_empty() {
        let _ = writeln!(o, "  colonnes inconnues (conservées) : {}", s.unknown_columns.join(", "));
    }
    if !s.issue_counts.is_empty() {
        let _ = writeln!(o, "anomalies par code :");
        for c in &s.issue_counts {
            let sev = match c.severity {
                mssante_bal::Severity::Error => "erreur",
                mssante_bal::Severity::Warning => "avertissement",
            };
            let column = c.column.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default();
            let line = format!("  {} {sev:<13} {:>10}{column}", c.code, n(c.count));
            let _ = writeln!(o, "{}", crate::files::printable(&line));
        }
    }
    if !s.examples.is_empty() && show > 0 {
        let shown = s.examples.len().min(show);
        let _ = writeln!(o, "exemples ({shown} sur {}, --issues-ndjson pour toutes) :", n(s.issues_total()));
        for i in s.examples.iter().take(show) {
            let _ = writeln!(o, "{}", issue_line(name, i));
        }
    }
    o
}
