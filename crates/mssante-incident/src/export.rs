//! Exports of a [`Timeline`]: the Statuspage v2 `incidents.json` shape, an
//! Atom feed with one entry per update, and iCalendar events. The model's own
//! JSON is serde ([`crate::model::Notice`], [`Timeline`]).
//!
//! Every output is well-formed whatever the notices hold: control characters
//! are removed from texts (XML 1.0 and RFC 5545 forbid them), and a calendar
//! always holds its `VTIMEZONE`, so it is never empty.
//!
//! ```
//! use mssante_incident::export::{Page, statuspage};
//! use mssante_incident::parse::parse_notice;
//! use mssante_incident::priority::PriorityMatrix;
//! use mssante_incident::timeline::Timeline;
//! let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/incidents-mssante-2020-12.txt")).unwrap();
//! let t = Timeline::merge(&[parse_notice(&text, None).unwrap()]);
//! let page = Page { base_url: Some("https://statut.exemple.fr".into()), ..Page::default() };
//! let json = statuspage(&t, &page, &PriorityMatrix::default());
//! assert_eq!(json["page"]["time_zone"], "Europe/Paris");
//! assert_eq!(json["incidents"][0]["shortlink"], "https://statut.exemple.fr/incidents/2020-12-03-traitement-de-l-alimentation-des-bal-mssante");
//! ```

use crate::identity::slug;
use crate::lifecycle::State;
use crate::model::{Action, Block, Incident, Role, Service};
use crate::priority::{Level, PriorityMatrix};
use crate::timeline::{Timeline, Tracked, Update, is_over};
use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The status page the exports describe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Its identifier (`page_id` of every incident).
    pub id: String,
    /// Its name (and the Atom feed's title).
    pub name: String,
    /// Where it is published (`https://…`, no trailing `/`): incidents link to
    /// `{base_url}/incidents/{id}`, the Atom feed to `{base_url}/history.atom`.
    /// Without one, links are `urn:mssante:…` names.
    pub base_url: Option<String>,
}

impl Default for Page {
    fn default() -> Page {
        Page { id: "mssante".into(), name: "Incidents MSSanté".into(), base_url: None }
    }
}

impl Page {
    fn base(&self) -> Option<&str> {
        self.base_url.as_deref().map(|b| b.trim_end_matches('/'))
    }

    /// The link of an incident.
    pub fn incident_link(&self, id: &str) -> String {
        match self.base() {
            Some(b) => format!("{b}/incidents/{id}"),
            None => format!("urn:mssante:incident:{id}"),
        }
    }

    /// The link of the Atom feed.
    pub fn feed_link(&self) -> String {
        match self.base() {
            Some(b) => format!("{b}/history.atom"),
            None => format!("urn:mssante:incidents:{}", slug(&self.id)),
        }
    }
}

/// A text without the control characters that XML 1.0 and iCalendar forbid
/// (line breaks and tabs are kept; `U+FFFE`, `U+FFFF` go too).
pub fn clean(s: &str) -> String {
    let kept = |c: char| match c {
        '\n' | '\t' | '\r' => true,
        '\u{fffe}' | '\u{ffff}' => false,
        c => !c.is_control(),
    };
    s.chars().filter(|&c| kept(c)).collect()
}

/// The Statuspage status of a lifecycle state: `OnHold` (waiting on someone
/// else, the cause known) is `identified`; `Declared` and `Reopened` are
/// `investigating`; `Closed`, `Cancelled`, `Merged` are `resolved`.
pub fn statuspage_status(s: State) -> &'static str {
    match s {
        State::Declared | State::Investigating | State::Reopened => "investigating",
        State::Identified | State::OnHold => "identified",
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

/// A component's status while an incident is in `state`.
fn component_status(state: State, impact: Level) -> &'static str {
    if is_over(state) {
        return "operational";
    }
    match impact {
        Level::High => "major_outage",
        Level::Medium => "partial_outage",
        Level::Low => "degraded_performance",
    }
}

/// The text of an incident as an update's body: its heading, then each
/// section on its own paragraph, a bullet on its own line.
fn body(i: &Incident) -> String {
    let mut out = clean(i.heading());
    for s in i.sections() {
        out.push_str("\n\n");
        if !s.title.is_empty() {
            out.push_str(&clean(&s.title));
            out.push_str(" :");
        }
        for (k, b) in s.blocks.iter().enumerate() {
            match b {
                Block::Paragraph(t) => {
                    out.push_str(if k == 0 && s.title.is_empty() {
                        ""
                    } else if k == 0 {
                        " "
                    } else {
                        "\n"
                    });
                    out.push_str(&clean(t));
                }
                Block::Bullet(t) => {
                    out.push_str(if k == 0 && s.title.is_empty() { "• " } else { "\n• " });
                    out.push_str(&clean(t));
                }
            }
        }
    }
    out
}

fn rfc3339(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339()
}

fn impact_word(priority: u8) -> &'static str {
    match priority {
        1 => "critical",
        2 => "major",
        3 => "minor",
        _ => "none",
    }
}

fn incident_json(tr: &Tracked, page: &Page, m: &PriorityMatrix) -> Value {
    let id = tr.id().as_str();
    let latest = tr.latest();
    let state = tr.lifecycle().state();
    // Each update's component statuses: from the previous update's (operational before the first).
    let mut previous: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut updates = Vec::new();
    for u in tr.updates() {
        let status = component_status(u.state, u.incident.facts().impact);
        let affected: Vec<Value> = tr
            .services()
            .iter()
            .map(|s| {
                let code = slug(&service_name(s));
                let old = previous.insert(code.clone(), status).unwrap_or("operational");
                json!({ "code": code, "name": clean(&service_name(s)), "old_status": old, "new_status": status })
            })
            .collect();
        updates.push(json!({
            "id": format!("{id}-{}", u.number),
            "incident_id": id,
            "status": statuspage_status(u.state),
            "body": body(&u.incident),
            "created_at": rfc3339(u.at),
            "updated_at": rfc3339(u.at),
            "display_at": rfc3339(u.at),
            "affected_components": affected,
            "deliver_notifications": true,
        }));
    }
    updates.reverse();
    let components: Vec<Value> = tr
        .services()
        .iter()
        .enumerate()
        .map(|(k, s)| {
            json!({
                "id": slug(&service_name(s)),
                "page_id": page.id,
                "group_id": null,
                "name": clean(&service_name(s)),
                "description": null,
                "status": component_status(state, latest.facts().impact),
                "position": k + 1,
                "showcase": true,
                "only_show_if_degraded": false,
                "group": false,
                "start_date": null,
                "created_at": rfc3339(tr.created_at()),
                "updated_at": rfc3339(tr.updated_at()),
            })
        })
        .collect();
    json!({
        "id": id,
        "name": clean(tr.title()),
        "status": statuspage_status(state),
        "impact": impact_word(latest.priority(m)),
        "created_at": rfc3339(tr.created_at()),
        "updated_at": rfc3339(tr.updated_at()),
        "started_at": rfc3339(tr.started_at()),
        "monitoring_at": tr.lifecycle().entered(State::Monitoring).map(rfc3339),
        "resolved_at": tr.resolved_at().map(rfc3339),
        "shortlink": page.incident_link(id),
        "page_id": page.id,
        "incident_updates": updates,
        "components": components,
        "metadata": { "mssante": {
            "state": state,
            "label": latest.label(),
            "priority": latest.priority(m),
            "backlog": latest.facts().backlog,
            "parties": latest.facts().parties,
        } },
    })
}

/// The Statuspage v2 `incidents.json`: the `page` object, then the incidents,
/// most recently updated first, each with its updates newest first.
pub fn statuspage(t: &Timeline, page: &Page, m: &PriorityMatrix) -> Value {
    let mut incidents: Vec<&Tracked> = t.incidents().iter().collect();
    incidents.sort_by_key(|i| std::cmp::Reverse(i.updated_at()));
    let updated = t.updated_at().map_or_else(|| rfc3339(crate::model::midnight(NaiveDate::MIN)), rfc3339);
    json!({
        "page": {
            "id": page.id,
            "name": clean(&page.name),
            "url": page.base().map_or_else(|| format!("urn:mssante:page:{}", slug(&page.id)), str::to_owned),
            "time_zone": "Europe/Paris",
            "updated_at": updated,
        },
        "incidents": incidents.iter().map(|i| incident_json(i, page, m)).collect::<Vec<_>>(),
    })
}

/// The French word of a Statuspage status, for titles.
fn status_word(s: State) -> &'static str {
    match statuspage_status(s) {
        "investigating" => "En cours d'analyse",
        "identified" => "Cause identifiée",
        "monitoring" => "Sous surveillance",
        _ => "Résolu",
    }
}

fn link(href: String, rel: &str, mime: &str) -> Link {
    let mut l = Link::default();
    l.set_href(href);
    l.set_rel(rel);
    l.set_mime_type(Some(mime.to_owned()));
    l
}

fn entry(tr: &Tracked, u: &Update, page: &Page) -> Entry {
    let mut e = Entry::default();
    e.set_id(format!("urn:mssante:incident:{}:update:{}", tr.id(), u.number));
    e.set_title(Text::plain(clean(&format!("{} : {}", status_word(u.state), u.incident.title()))));
    e.set_updated(u.at);
    e.set_published(Some(u.at));
    let mut author = Person::default();
    author.set_name(clean(if u.sender.trim().is_empty() { &page.name } else { &u.sender }));
    e.set_authors(vec![author]);
    if page.base_url.is_some() {
        e.set_links(vec![link(page.incident_link(tr.id().as_str()), "alternate", "text/html")]);
    }
    let mut c = Content::default();
    c.set_content_type(Some("text".to_owned()));
    c.set_value(Some(body(&u.incident)));
    e.set_content(Some(c));
    e
}

/// An Atom feed (RFC 4287, `xml:lang="fr"`) with one entry per update, newest
/// first; entry ids are stable (`urn:mssante:incident:{id}:update:{n}`). With
/// a base URL, the feed links to itself (`rel="self"`) and to the page.
pub fn atom(t: &Timeline, page: &Page) -> String {
    let mut feed = Feed::default();
    feed.set_lang(Some("fr".to_owned()));
    feed.set_id(page.feed_link());
    feed.set_title(Text::plain(clean(&page.name)));
    feed.set_updated(t.updated_at().unwrap_or_else(|| crate::model::midnight(NaiveDate::MIN)));
    let mut author = Person::default();
    author.set_name(clean(&page.name));
    feed.set_authors(vec![author]);
    if let Some(b) = page.base() {
        feed.set_links(vec![
            link(page.feed_link(), "self", "application/atom+xml"),
            link(b.to_owned(), "alternate", "text/html"),
        ]);
    }
    let mut entries: Vec<(DateTime<FixedOffset>, Entry)> =
        t.incidents().iter().flat_map(|tr| tr.updates().iter().map(move |u| (u.at, entry(tr, u, page)))).collect();
    entries.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    feed.set_entries(entries.into_iter().map(|(_, e)| e).collect::<Vec<_>>());
    feed.to_string()
}

fn ical_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in clean(s).chars() {
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

/// Europe/Paris since 1996 (the EU rule): what `TZID=Europe/Paris` means here.
const VTIMEZONE: [&str; 16] = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Paris",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19810329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19961027T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
];

fn date_value(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

fn role_key(r: Role) -> &'static str {
    match r {
        Role::Eta => "eta",
        Role::FixPlanned => "fix",
        Role::Run => "run",
        _ => "action",
    }
}

fn role_words(r: Role) -> &'static str {
    match r {
        Role::Eta => "Retour à la normale attendu",
        Role::FixPlanned => "Correctif prévu",
        Role::Run => "Alimentation",
        _ => "Action",
    }
}

/// One event: its lines between `BEGIN:VEVENT` and `END:VEVENT`.
struct Event {
    uid: String,
    start: Start,
    summary: String,
    description: String,
}

enum Start {
    /// All-day, first and last day.
    Days(NaiveDate, NaiveDate),
    /// At a time, Europe/Paris.
    At(DateTime<FixedOffset>),
}

fn action_events(tr: &Tracked) -> Vec<Event> {
    // The latest notice that tells an action wins: (role, ordinal) → action.
    let mut by_uid: BTreeMap<(&'static str, usize), &Action> = BTreeMap::new();
    let told = tr.updates().iter().map(|u| &u.incident).chain(std::iter::once(tr.latest()));
    for i in told {
        let mut ordinal: BTreeMap<&'static str, usize> = BTreeMap::new();
        for a in &i.facts().actions {
            let key = role_key(a.role);
            let n = ordinal.entry(key).or_insert(0);
            *n += 1;
            by_uid.insert((key, *n), a);
        }
    }
    by_uid
        .into_iter()
        .filter_map(|((key, n), a)| {
            let (first, last) = (*a.days.iter().min()?, *a.days.iter().max()?);
            let at = match &a.when {
                crate::date::When::DayAt { at, .. } if first == last => Some(crate::model::paris(first, at.time())),
                _ => None,
            };
            Some(Event {
                uid: format!("{}-{key}-{n}@mssante", tr.id()),
                start: at.map_or(Start::Days(first, last), Start::At),
                summary: format!("{} : {}", role_words(a.role), tr.title()),
                description: a.text.clone(),
            })
        })
        .collect()
}

/// iCalendar (RFC 5545): per incident, an all-day event over its impact
/// (from its start to its resolution, or to its latest update while open),
/// and an event per planned action (expected return to normal, planned fix,
/// scheduled run) — at its time in Europe/Paris when the notice gives an
/// hour, over its days otherwise. UIDs are stable
/// (`{incident}@mssante`, `{incident}-{eta|fix|run}-{n}@mssante`) and
/// `SEQUENCE` counts the notices that told the incident after the first, so a
/// calendar replaces an event when a later notice moves it. The calendar
/// always holds the Europe/Paris `VTIMEZONE`: it is never empty.
pub fn icalendar(t: &Timeline) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//mssante//mssante-incident//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        fold_line(&mut out, l);
    }
    for l in VTIMEZONE {
        fold_line(&mut out, l);
    }
    fold_line(&mut out, "END:VTIMEZONE");
    for tr in t.incidents() {
        let stamp = tr.updated_at().with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string();
        let sequence = tr.mentions() - 1;
        let end = tr.resolved_at().unwrap_or_else(|| tr.updated_at()).date_naive();
        let mut events = vec![Event {
            uid: format!("{}@mssante", tr.id()),
            start: Start::Days(tr.started_at().date_naive(), end.max(tr.started_at().date_naive())),
            summary: format!("Incident : {}", tr.title()),
            description: body(tr.latest()),
        }];
        events.extend(action_events(tr));
        for e in events {
            fold_line(&mut out, "BEGIN:VEVENT");
            fold_line(&mut out, &format!("UID:{}", e.uid));
            fold_line(&mut out, &format!("SEQUENCE:{sequence}"));
            fold_line(&mut out, &format!("DTSTAMP:{stamp}"));
            match e.start {
                Start::Days(first, last) => {
                    fold_line(&mut out, &format!("DTSTART;VALUE=DATE:{}", date_value(first)));
                    let after = last.checked_add_signed(Duration::days(1)).unwrap_or(last);
                    fold_line(&mut out, &format!("DTEND;VALUE=DATE:{}", date_value(after)));
                }
                Start::At(at) => {
                    fold_line(&mut out, &format!("DTSTART;TZID=Europe/Paris:{}", at.format("%Y%m%dT%H%M%S")));
                }
            }
            fold_line(&mut out, &format!("SUMMARY:{}", ical_text(&e.summary)));
            fold_line(&mut out, &format!("DESCRIPTION:{}", ical_text(&e.description)));
            fold_line(&mut out, "TRANSP:TRANSPARENT");
            fold_line(&mut out, "END:VEVENT");
        }
    }
    fold_line(&mut out, "END:VCALENDAR");
    out
}
