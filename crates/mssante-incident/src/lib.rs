//! # mssante-incident
//!
//! Incidents and notices as the ANS sends them to MSSanté operators: several
//! incidents per notice, each with its label (`nouveau`, `clos`), sections,
//! fuzzy French dates, affected services and parties (with a direction), a
//! cause chain, planned actions, the backlog of a feed incident, a checked
//! lifecycle and a priority.
//!
//! * [`date`]: French date expressions (nom), resolved against the notice date;
//! * [`model`]: [`Notice`], [`Incident`] (text + derived [`model::Facts`]);
//! * [`lifecycle`], [`priority`]: the state machine, impact × urgency;
//! * [`parse`] / [`render`]: text → model → text (and Markdown), linear in
//!   the text; a notice that cannot be written faithfully is refused (`N806`);
//! * [`identity`]: an incident's identifier, stable across the notices that tell it;
//! * [`timeline`]: notices merged into incidents with their updates;
//! * [`export`]: a timeline as Statuspage `incidents.json`, Atom, iCalendar;
//! * [`bridge`]: a `mssante-cr` signal → a draft incident.
//!
//! ```
//! use mssante_incident::parse::parse_notice;
//! let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/incidents-mssante-2020-12.txt")).unwrap();
//! let notice = parse_notice(&text, None).unwrap();
//! let closed = &notice.incidents[0];
//! let backlog = closed.facts().backlog.as_ref().unwrap();
//! assert_eq!(backlog.integrated.len(), 7);
//! assert_eq!(backlog.run.unwrap().to_rfc3339(), "2020-12-11T20:00:00+01:00");
//! // Render → parse → render is stable.
//! let again = parse_notice(&notice.to_text().unwrap(), Some(notice.date)).unwrap();
//! assert_eq!(again, notice);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bridge;
pub mod date;
pub mod error;
pub mod export;
pub mod identity;
pub mod lifecycle;
pub mod model;
pub mod parse;
pub mod priority;
pub mod render;
pub mod timeline;
mod wording;

pub use error::{Error, IncidentCode, RenderError};
pub use identity::IncidentId;
pub use lifecycle::{Lifecycle, State};
pub use model::{Incident, Label, Notice};
pub use timeline::Timeline;
