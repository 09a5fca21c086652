//! `mssante incident parse|render|timeline` (glue over `mssante-incident`).

use crate::args::{PageArgs, RenderFormat, TimelineFormat};
use crate::files::{self, printable};
use anyhow::Context;
use chrono::NaiveDate;
use mssante_incident::export::{self, Page};
use mssante_incident::parse::parse_notice;
use mssante_incident::priority::PriorityMatrix;
use mssante_incident::{Notice, Timeline};
use std::path::{Path, PathBuf};

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

/// A notice from a file: its JSON (`incident parse --json`) or its French text
/// (the notice date then inferred).
pub fn load_notice(path: &Path) -> anyhow::Result<Notice> {
    let raw = files::read(path)?;
    match serde_json::from_slice(&raw) {
        Ok(n) => Ok(n),
        Err(json_err) => {
            let text = std::str::from_utf8(&raw).map_err(|e| {
                files::about(path, anyhow::anyhow!("n'est pas du texte UTF-8 (octet {})", e.valid_up_to()))
            })?;
            if text.trim_start().starts_with('{') {
                return Err(files::about(path, anyhow::Error::new(json_err).context("JSON d'avis illisible")));
            }
            parse_notice(text, None).map_err(|e| files::about(path, e))
        }
    }
}

fn page(a: &PageArgs) -> anyhow::Result<Page> {
    if let Some(u) = &a.base_url {
        let ok = (u.starts_with("https://") || u.starts_with("http://"))
            && u.len() > "https://".len()
            && !u.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"'));
        if !ok {
            anyhow::bail!("--base-url {u:?} : une adresse http(s) sans espace attendue");
        }
    }
    Ok(Page { id: a.page_id.clone(), name: a.page_name.clone(), base_url: a.base_url.clone() })
}

fn write_timeline(t: &Timeline, format: TimelineFormat, page: &Page) -> anyhow::Result<()> {
    match format {
        TimelineFormat::Json => jsonln!("{}", serde_json::to_string(t)?),
        TimelineFormat::Statuspage => {
            jsonln!("{}", serde_json::to_string_pretty(&export::statuspage(t, page, &PriorityMatrix::default()))?)
        }
        TimelineFormat::Atom => outln!("{}", export::atom(t, page)),
        TimelineFormat::Ical => out!("{}", export::icalendar(t)),
        TimelineFormat::Text => {
            outln!("{} incident(s)", t.incidents().len());
            for i in t.incidents() {
                outln!(
                    "- {} « {} » : {} depuis le {}",
                    i.id(),
                    printable(i.title()),
                    export::statuspage_status(i.lifecycle().state()),
                    i.started_at().format("%d/%m/%Y")
                );
                for u in i.updates() {
                    outln!(
                        "    {}. avis du {} ({}) : {:?} — {}",
                        u.number,
                        u.notice.format("%d/%m/%Y"),
                        u.label.word(),
                        u.state,
                        printable(u.incident.heading())
                    );
                }
            }
            for a in t.anomalies() {
                outln!("anomalie : {} (avis du {}) : {}", a.incident, a.notice.format("%d/%m/%Y"), a.error);
            }
        }
    }
    Ok(())
}

/// Exit status 0.
pub fn render(path: &Path, format: RenderFormat, page_args: &PageArgs) -> anyhow::Result<u8> {
    let notice = load_notice(path)?;
    let page = page(page_args)?;
    let as_timeline = |f| write_timeline(&Timeline::merge(std::slice::from_ref(&notice)), f, &page);
    match format {
        RenderFormat::Text => out!("{}", notice.to_text().map_err(|e| files::about(path, e))?),
        RenderFormat::Markdown => out!("{}", notice.to_markdown()),
        RenderFormat::Atom => as_timeline(TimelineFormat::Atom)?,
        RenderFormat::Statuspage => as_timeline(TimelineFormat::Statuspage)?,
        RenderFormat::Ical => as_timeline(TimelineFormat::Ical)?,
    }
    Ok(0)
}

/// Exit status 0.
pub fn timeline(paths: &[PathBuf], format: TimelineFormat, page_args: &PageArgs) -> anyhow::Result<u8> {
    if paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        anyhow::bail!("l'entrée standard (`-`) ne peut être lue qu'une fois");
    }
    let page = page(page_args)?;
    let notices = paths.iter().map(|p| load_notice(p)).collect::<anyhow::Result<Vec<_>>>()?;
    write_timeline(&Timeline::merge(&notices), format, &page)?;
    Ok(0)
}
