//! The exports read by third-party consumers: the Statuspage JSON against a
//! JSON Schema of the Statuspage v2 shape (Python `jsonschema`), the Atom feed
//! by `feedparser`, the calendars by `icalendar`.
//!
//! Needs `python3` with `pip`; the three packages are taken from the
//! environment or installed from PyPI into this build's temporary directory.

use chrono::NaiveDate;
use mssante_incident::export::{Page, atom, icalendar, statuspage};
use mssante_incident::model::{Block, Incident, Label, Notice, Section};
use mssante_incident::parse::parse_notice;
use mssante_incident::priority::PriorityMatrix;
use mssante_incident::timeline::Timeline;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

const PACKAGES: [&str; 3] = ["feedparser==6.0.11", "icalendar==6.1.0", "jsonschema[format-nongpl]==4.23.0"];

/// A PYTHONPATH under which the three parsers import (installed once per run).
fn python_path() -> String {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("incident-consumers-py");
        if !dir.join("feedparser").is_dir() || !dir.join("icalendar").is_dir() || !dir.join("jsonschema").is_dir() {
            let st = Command::new("python3")
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target"])
                .env("PIP_ROOT_USER_ACTION", "ignore")
                .arg(&dir)
                .args(PACKAGES)
                .status()
                .expect("python3 with pip is needed for the consumers test");
            assert!(st.success(), "cannot install {PACKAGES:?} from PyPI");
        }
        dir.display().to_string()
    })
    .clone()
}

fn notice(name: &str) -> Notice {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name);
    parse_notice(&std::fs::read_to_string(path).unwrap(), None).unwrap()
}

/// An incident whose texts carry control characters (a terminal escape, NUL,
/// a bell) and a line break: the exports must stay well-formed.
fn hostile() -> Notice {
    let day = NaiveDate::from_ymd_opt(2020, 12, 15).unwrap();
    let i = Incident::new(
        Label::New,
        "Panne\u{0}\u{7} du \u{1b}[31mservice\u{fffe}",
        "panne\nsur deux lignes",
        vec![Section { title: "Description".into(), blocks: vec![Block::Paragraph("x < y & \"z\" \u{1f}".into())] }],
        day,
    );
    Notice::new("Incidents \u{8}MSSanté", day, vec![], vec![i], "ANS\u{c}")
}

const BASE: &str = "https://statut.operateur-exemple.fr";

fn consumers(t: &Timeline) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let page = Page { base_url: Some(BASE.into()), ..Page::default() };
    let sp = statuspage(t, &page, &PriorityMatrix::default());
    std::fs::write(dir.path().join("statuspage.json"), serde_json::to_vec(&sp).unwrap()).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/statuspage-incidents.schema.json"),
        dir.path().join("statuspage.schema.json"),
    )
    .unwrap();
    std::fs::write(dir.path().join("history.atom"), atom(t, &page)).unwrap();
    std::fs::write(dir.path().join("incidents.ics"), icalendar(t)).unwrap();
    std::fs::write(dir.path().join("empty.ics"), icalendar(&Timeline::default())).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/consumers.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(dir.path())
        .env("PYTHONPATH", python_path())
        .stderr(Stdio::inherit())
        .output()
        .expect("python3");
    assert!(out.status.success(), "a third-party parser refused an export");
    serde_json::from_slice(&out.stdout).unwrap()
}

const MAILIZ: &str = "2020-12-10-erreurs-lors-de-l-emission-de-messages-a-l-operateur-mailiz";
const BAL: &str = "2020-12-03-traitement-de-l-alimentation-des-bal-mssante";

#[test]
fn third_party_parsers_accept_the_merged_timeline() {
    let t = Timeline::merge(&[
        notice("incidents-mssante-2020-12-14.txt"),
        notice("incidents-mssante-2020-12.txt"),
        hostile(),
    ]);
    let seen = consumers(&t);

    // Statuspage: valid against the schema; the Mailiz incident once, its updates newest first.
    let ids: Vec<&str> =
        seen["statuspage"]["incidents"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(ids.iter().filter(|i| **i == MAILIZ).count(), 1, "{ids:?}");
    assert_eq!(ids.len(), 3);
    assert_eq!(seen["statuspage"]["statuses"][MAILIZ], serde_json::json!(["resolved", "identified"]));
    assert_eq!(seen["statuspage"]["statuses"][BAL], serde_json::json!(["resolved"]));

    // Atom: well-formed for feedparser, French, self and alternate links, one entry per update.
    let a = &seen["atom"];
    assert_eq!(a["version"], "atom10");
    assert_eq!(a["lang"], "fr");
    let links = a["links"].to_string();
    assert!(links.contains(&format!("[\"self\",\"{BASE}/history.atom\"]")), "{links}");
    assert!(links.contains(&format!("[\"alternate\",\"{BASE}\"]")), "{links}");
    let entry_ids: Vec<&str> = a["ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(entry_ids.len(), 4, "2 Mailiz updates, 1 BAL, 1 hostile");
    assert!(entry_ids.contains(&format!("urn:mssante:incident:{MAILIZ}:update:2").as_str()));
    let titles = a["titles"].to_string();
    assert!(titles.contains("Panne du [31mservice"), "control characters removed, the rest kept: {titles}");

    // iCalendar: the time zone, stable UIDs, the 20:00 run in Europe/Paris.
    let ical = &seen["ical"];
    assert_eq!(ical["components"][0], "VTIMEZONE");
    let events = ical["events"].as_array().unwrap();
    let by_uid = |uid: &str| events.iter().find(|e| e["uid"] == uid).unwrap_or_else(|| panic!("{uid}: {events:?}"));
    assert_eq!(by_uid(&format!("{MAILIZ}@mssante"))["sequence"], 1, "told by two notices");
    assert_eq!(by_uid(&format!("{MAILIZ}@mssante"))["start"], "2020-12-10");
    let run = by_uid(&format!("{BAL}-run-1@mssante"));
    assert_eq!(run["timed"], true);
    assert_eq!(run["start"], "2020-12-11T20:00:00+01:00");
    assert_eq!(run["tz"], "Europe/Paris");
    assert_eq!(by_uid(&format!("{MAILIZ}-eta-1@mssante"))["start"], "2020-12-12");
    // An empty timeline is still a valid calendar.
    assert_eq!(seen["ical_empty"]["components"], serde_json::json!(["VTIMEZONE"]));
}
