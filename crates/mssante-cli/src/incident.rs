//! `mssante incident parse|render` (glue over `mssante-incident`).

use anyhow::Context;
use chrono::NaiveDate;
use mssante_incident::Notice;
use mssante_incident::export;
use mssante_incident::parse::parse_notice;
use mssante_incident::priority::PriorityMatrix;
use std::path::Path;

/// `--format` of `incident render`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderFormat {
    /// French plain text, as the ANS writes notices.
    Text,
    /// Markdown.
    Markdown,
    /// An Atom feed with the notice.
    Atom,
    /// A Statuspage-style incidents JSON.
    Statuspage,
    /// iCalendar events for the planned actions.
    Ical,
}

/// Exit status 0.
pub fn parse(path: &Path, json: bool, date: Option<&str>) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let date = date
        .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").with_context(|| format!("--date {d:?}: expected YYYY-MM-DD")))
        .transpose()?;
    let notice = parse_notice(&text, date).with_context(|| format!("{}", path.display()))?;
    if json {
        outln!("{}", serde_json::to_string(&notice)?);
        return Ok(0);
    }
    let m = PriorityMatrix::default();
    outln!("{} du {} : {} incident(s)", notice.title, notice.date.format("%d/%m/%Y"), notice.incidents.len());
    for i in &notice.incidents {
        let f = i.facts();
        outln!(
            "- [{}] {} — état {:?}, priorité {}, {} date(s), {} cause(s), {} action(s)",
            i.label().word(),
            i.title(),
            f.lifecycle.state(),
            i.priority(&m),
            f.dates.len(),
            f.causes.len(),
            f.actions.len()
        );
        for d in &f.dates {
            let days: Vec<String> = d.days.iter().map(|x| x.to_string()).collect();
            outln!("    {:?} « {} » → {}", d.role, d.phrase, days.join(", "));
        }
        if let Some(b) = &f.backlog {
            let fmt = |v: &[NaiveDate]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ");
            outln!(
                "    backlog intégré : {} ; en attente : {} ; alimentation : {}",
                fmt(&b.integrated),
                fmt(&b.pending),
                b.run.map(|r| r.to_rfc3339()).unwrap_or_default()
            );
        }
    }
    Ok(0)
}

/// Exit status 0.
pub fn render(path: &Path, format: RenderFormat) -> anyhow::Result<u8> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let notice: Notice =
        serde_json::from_slice(&bytes).with_context(|| format!("{}: not a notice JSON", path.display()))?;
    let notices = std::slice::from_ref(&notice);
    match format {
        RenderFormat::Text => out!("{}", notice.to_text()),
        RenderFormat::Markdown => out!("{}", notice.to_markdown()),
        RenderFormat::Atom => outln!("{}", export::atom(notices, "urn:mssante:notices", "Incidents MSSanté")),
        RenderFormat::Statuspage => {
            outln!("{}", serde_json::to_string(&export::statuspage(notices, &PriorityMatrix::default()))?)
        }
        RenderFormat::Ical => out!("{}", export::icalendar(notices)),
    }
    Ok(0)
}
