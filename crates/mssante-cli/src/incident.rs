//! `mssante incident parse|render` (glue over `mssante-incident`).

use crate::args::RenderFormat;
use crate::files;
use anyhow::Context;
use chrono::NaiveDate;
use mssante_incident::Notice;
use mssante_incident::export;
use mssante_incident::parse::parse_notice;
use mssante_incident::priority::PriorityMatrix;
use std::path::Path;

/// Exit status 0.
pub fn parse(path: &Path, json: bool, date: Option<&str>) -> anyhow::Result<u8> {
    let text = files::read_text(path)?;
    let date = date
        .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").with_context(|| format!("--date {d:?} : AAAA-MM-JJ attendu")))
        .transpose()?;
    let notice = parse_notice(&text, date).map_err(|e| files::about(path, e))?;
    if json {
        jsonln!("{}", serde_json::to_string(&notice)?);
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
    let bytes = files::read(path)?;
    let notice: Notice = serde_json::from_slice(&bytes)
        .map_err(|e| files::about(path, anyhow::Error::new(e).context("JSON d'avis illisible")))?;
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
