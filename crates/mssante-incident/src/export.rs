//! Exports: a Statuspage-style incidents JSON, an Atom feed of notices
//! (atom_syndication), and iCalendar events for planned actions. The model's
//! own JSON is serde ([`crate::model::Notice`] derives it).

use crate::lifecycle::State;
use crate::model::{Incident, Notice, Role, Service, midnight};
use crate::priority::{Level, PriorityMatrix};
use atom_syndication::{Content, Entry, Feed, Person, Text};
use serde_json::{Value, json};
use std::fmt::Write as _;

fn statuspage_status(s: State) -> &'static str {
    match s {
        State::Declared | State::Investigating | State::OnHold | State::Reopened => "investigating",
        State::Identified => "identified",
        State::Monitoring => "monitoring",
        State::Resolved | State::Closed | State::Cancelled | State::Merged => "resolved",
    }
}

fn service_name(s: &Service) -> String {
    match s {
        Service::BalFeed => "Alimentation des BAL MSSanté".into(),
        Service::Reports => "CR de dépôt et d'intégration".into(),
        Service::AnnuaireSante => "Annuaire Santé".into(),
        Service::AnnuaireGeneralFeed => "Alimentation générale de l'Annuaire Santé".into(),
        Service::ListeBlanche => "Liste blanche".into(),
        Service::Messaging { operator } => format!("Messagerie {operator}"),
    }
}

fn incident_json(i: &Incident, m: &PriorityMatrix) -> Value {
    let f = i.facts();
    let state = f.lifecycle.state();
    let resolved = matches!(state, State::Resolved | State::Closed | State::Cancelled | State::Merged);
    let impact = match i.priority(m) {
        1 => "critical",
        2 => "major",
        3 => "minor",
        _ => "none",
    };
    let component_status = if resolved {
        "operational"
    } else {
        match f.impact {
            Level::High => "major_outage",
            Level::Medium => "partial_outage",
            Level::Low => "degraded_performance",
        }
    };
    let body: String = i
        .sections()
        .iter()
        .map(|s| format!("{} : {}", s.title, s.blocks.iter().map(|b| b.text()).collect::<Vec<_>>().join(" ")))
        .collect::<Vec<_>>()
        .join("\n");
    let steps = f.lifecycle.steps();
    let updates: Vec<Value> = steps
        .iter()
        .enumerate()
        .rev()
        .map(|(n, s)| {
            json!({
                "id": format!("{}-{}", i.id(), n + 1),
                "status": statuspage_status(s.state),
                "body": if n + 1 == steps.len() { body.clone() } else { i.heading().to_owned() },
                "created_at": s.at.to_rfc3339(),
                "display_at": s.at.to_rfc3339(),
            })
        })
        .collect();
    json!({
        "id": i.id(),
        "name": i.title(),
        "status": statuspage_status(state),
        "impact": impact,
        "created_at": steps[0].at.to_rfc3339(),
        "updated_at": steps[steps.len() - 1].at.to_rfc3339(),
        "monitoring_at": f.lifecycle.entered(State::Monitoring).map(|t| t.to_rfc3339()),
        "resolved_at": f.lifecycle.entered(State::Resolved).map(|t| t.to_rfc3339()),
        "components": f.services.iter().map(|s| json!({"name": service_name(s), "status": component_status})).collect::<Vec<_>>(),
        "incident_updates": updates,
        "metadata": { "mssante": { "label": i.label(), "priority": i.priority(m), "backlog": f.backlog, "parties": f.parties } },
    })
}

/// A Statuspage-style `incidents.json` (`{"incidents": [...]}`), newest notice first.
pub fn statuspage(notices: &[Notice], m: &PriorityMatrix) -> Value {
    let mut sorted: Vec<&Notice> = notices.iter().collect();
    sorted.sort_by_key(|n| std::cmp::Reverse(n.date));
    json!({ "incidents": sorted.iter().flat_map(|n| n.incidents.iter().map(|i| incident_json(i, m))).collect::<Vec<_>>() })
}

/// An Atom feed with one entry per notice (content: the French text).
pub fn atom(notices: &[Notice], feed_id: &str, title: &str) -> String {
    let mut feed = Feed::default();
    feed.set_id(feed_id);
    feed.set_title(Text::plain(title));
    let updated = notices.iter().map(|n| midnight(n.date)).max().unwrap_or_else(|| midnight(chrono::NaiveDate::MIN));
    feed.set_updated(updated);
    let mut entries = Vec::new();
    let mut sorted: Vec<&Notice> = notices.iter().collect();
    sorted.sort_by_key(|n| std::cmp::Reverse(n.date));
    for n in sorted {
        let mut e = Entry::default();
        e.set_id(format!("{feed_id}:{}:{}", n.date, n.incidents.iter().map(|i| i.id()).collect::<Vec<_>>().join("+")));
        e.set_title(Text::plain(format!(
            "{} : {}",
            n.title,
            n.incidents.iter().map(|i| format!("{} ({})", i.title(), i.label().word())).collect::<Vec<_>>().join(" ; ")
        )));
        e.set_updated(midnight(n.date));
        let mut author = Person::default();
        author.set_name(n.sender.clone());
        e.set_authors(vec![author]);
        let mut c = Content::default();
        c.set_content_type(Some("text".to_owned()));
        c.set_value(Some(n.to_text()));
        e.set_content(Some(c));
        entries.push(e);
    }
    feed.set_entries(entries);
    feed.to_string()
}

fn ical_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (RFC 5545 §3.1), never inside a character.
fn fold_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// iCalendar (RFC 5545): one all-day event per planned action (expected return
/// to normal, planned fix, scheduled run) spanning its days.
pub fn icalendar(notices: &[Notice]) -> String {
    let mut out = String::new();
    fold_line(&mut out, "BEGIN:VCALENDAR");
    fold_line(&mut out, "VERSION:2.0");
    fold_line(&mut out, "PRODID:-//mssante//mssante-incident//FR");
    for n in notices {
        for i in &n.incidents {
            for (k, a) in i.facts().actions.iter().enumerate() {
                let (Some(first), Some(last)) = (a.days.iter().min(), a.days.iter().max()) else { continue };
                let what = match a.role {
                    Role::Eta => "Retour à la normale attendu",
                    Role::FixPlanned => "Correctif prévu",
                    Role::Run => "Alimentation",
                    _ => "Action",
                };
                fold_line(&mut out, "BEGIN:VEVENT");
                fold_line(&mut out, &format!("UID:{}-{}@mssante", i.id(), k + 1));
                fold_line(&mut out, &format!("DTSTAMP:{}T000000Z", n.date.format("%Y%m%d")));
                fold_line(&mut out, &format!("DTSTART;VALUE=DATE:{}", first.format("%Y%m%d")));
                let end = last.succ_opt().unwrap_or(*last);
                fold_line(&mut out, &format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")));
                fold_line(&mut out, &format!("SUMMARY:{}", ical_escape(&format!("{what} : {}", i.title()))));
                fold_line(&mut out, &format!("DESCRIPTION:{}", ical_escape(&a.text)));
                fold_line(&mut out, "END:VEVENT");
            }
        }
    }
    fold_line(&mut out, "END:VCALENDAR");
    let _ = write!(out, "");
    out
}
