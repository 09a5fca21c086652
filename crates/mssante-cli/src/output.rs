//! Human-readable rendering of summaries.

use mssante_bal::Issue;
use mssante_bal::check::Summary;
use std::fmt::Write as _;

/// Formats an integer with thousands separators (`535,000`).
pub fn n(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn issue_line(i: &Issue) -> String {
    let mut s = format!("  line {:>8}  {}", i.position.line, i.code);
    if let Some(c) = &i.column {
        let _ = write!(s, " [{c}]");
    }
    let _ = write!(s, " {}", i.message);
    s
}

/// The human summary of a check.
pub fn summary(name: &str, s: &Summary, show: usize) -> anyhow::Result<String> {
    let mut o = String::new();
    writeln!(
        o,
        "{name}: {} lines ({} bytes{})",
        n(s.physical_lines),
        n(s.bytes),
        if s.bom { ", UTF-8 BOM" } else { "" }
    )?;
    writeln!(o, "  records    {:>10}", n(s.records_total))?;
    let types: Vec<String> = s.by_type.iter().map(|(k, v)| format!("{k} {}", n(*v))).collect();
    writeln!(o, "  valid      {:>10}   ({})", n(s.records_valid), types.join(", "))?;
    writeln!(o, "  rejected   {:>10}", n(s.records_rejected))?;
    writeln!(o, "  warnings   {:>10}", n(s.warnings.len()))?;
    writeln!(o, "  distinct addresses {:>10}", n(s.distinct_addresses))?;
    if !s.missing_optional_columns.is_empty() {
        writeln!(o, "  columns absent (read as empty): {}", s.missing_optional_columns.join(", "))?;
    }
    if !s.unknown_columns.is_empty() {
        writeln!(o, "  unknown columns (kept): {}", s.unknown_columns.join(", "))?;
    }
    for (title, log) in [("errors", &s.errors), ("warnings", &s.warnings)] {
        if log.is_empty() {
            continue;
        }
        let first = log.first(show)?;
        writeln!(o, "{title} (first {} of {}):", first.len(), n(log.len()))?;
        for i in &first {
            writeln!(o, "{}", issue_line(i))?;
        }
    }
    Ok(o)
}
