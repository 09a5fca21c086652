//! Notices and incidents.
//!
//! An [`Incident`] is its text (title, heading, sections, as the ANS writes
//! them) plus [`Facts`] derived from that text and the notice date: affected
//! services and parties, causes, dated facts, planned actions, the feed
//! backlog, the lifecycle and the impact × urgency. Facts are computed by
//! [`Incident::new`] and cannot be set apart from the text, so an incident
//! never says one thing in prose and another in data.

use crate::date::{When, find_all};
use crate::lifecycle::{Lifecycle, State};
use crate::priority::{Level, PriorityMatrix};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

/// The label of an incident in a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// `nouveau` / `Nouvel incident`.
    New,
    /// `mise à jour` / `Incident en cours`.
    Update,
    /// `clos` / `Incident clos`.
    Closed,
}

impl Label {
    /// The word in the summary list: `nouveau`, `mise à jour`, `clos`.
    pub fn word(self) -> &'static str {
        match self {
            Label::New => "nouveau",
            Label::Update => "mise à jour",
            Label::Closed => "clos",
        }
    }

    /// The heading prefix: `Nouvel incident`, `Incident en cours`, `Incident clos`.
    pub fn heading(self) -> &'static str {
        match self {
            Label::New => "Nouvel incident",
            Label::Update => "Incident en cours",
            Label::Closed => "Incident clos",
        }
    }

    /// Every label.
    pub const ALL: [Label; 3] = [Label::New, Label::Update, Label::Closed];
}

/// Who a notice is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Audience {
    /// `opérateur MSSanté`.
    Operators,
    /// `chef de projet GRADeS pour MSSanté`.
    GradesLeads,
    /// Anything else, as written.
    Other(String),
}

impl Audience {
    /// As written in the audience sentence.
    pub fn text(&self) -> &str {
        match self {
            Audience::Operators => "opérateur MSSanté",
            Audience::GradesLeads => "chef de projet GRADeS pour MSSanté",
            Audience::Other(s) => s,
        }
    }

    /// Reads one audience back.
    pub fn from_text(s: &str) -> Audience {
        match s.trim() {
            "opérateur MSSanté" => Audience::Operators,
            "chef de projet GRADeS pour MSSanté" => Audience::GradesLeads,
            other => Audience::Other(other.to_owned()),
        }
    }
}

/// A block of a section.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "text", rename_all = "lowercase")]
pub enum Block {
    /// A paragraph (line breaks of the source are spaces).
    Paragraph(String),
    /// A bullet `•`.
    Bullet(String),
}

impl Block {
    /// Its text.
    pub fn text(&self) -> &str {
        match self {
            Block::Paragraph(s) | Block::Bullet(s) => s,
        }
    }
}

/// A named section (`Origine de l’incident`, `Résolution`, `Causes`, …).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Section {
    /// The title, without the trailing ` :`.
    pub title: String,
    /// Its blocks.
    pub blocks: Vec<Block>,
}

/// A service of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "service", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Service {
    /// The operators' BAL feed into the Annuaire Santé (*alimentation des BAL*).
    BalFeed,
    /// The deposit and integration reports.
    Reports,
    /// The Annuaire Santé itself.
    AnnuaireSante,
    /// The Annuaire Santé's general feed.
    AnnuaireGeneralFeed,
    /// The liste blanche.
    ListeBlanche,
    /// Mail delivery to an operator's domains.
    Messaging {
        /// The operator.
        operator: String,
    },
}

/// Who is affected, and in which direction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Party {
    /// Who (`opérateurs MSSanté`).
    pub who: String,
    /// When the impact has a direction: the operator whose domains they send to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sending_to: Option<String>,
}

/// How sure the notice is of a cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Certainty {
    /// Stated as a fact.
    Confirmed,
    /// Stated with a hedge (`probablement`, `semble`, `pourrait`).
    Likely,
}

/// What a cause is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CauseKind {
    /// An upstream service failed.
    Upstream {
        /// The service.
        service: Service,
    },
    /// A load from outside (mass mailing).
    ExternalLoad {
        /// What, as quoted in the notice.
        what: String,
    },
    /// Not classified.
    Other,
}

/// One link of the cause chain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cause {
    /// What.
    pub kind: CauseKind,
    /// A peer operator through which it acted (the overloaded one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_operator: Option<String>,
    /// Days it happened.
    pub days: Vec<NaiveDate>,
    /// Certainty.
    pub certainty: Certainty,
    /// The section it comes from.
    pub section: String,
}

/// What a date in the text is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The impact started (`depuis le 3/12/2020`).
    ImpactStart,
    /// The cause happened (`sur la période du 1er et 2 décembre`, `envoyés le 10/12`).
    Cause,
    /// Resolution (`résolu depuis le 11/12/2020`).
    Resolved,
    /// Backlog files integrated (`les 3, 4 … ont été intégrées`).
    BacklogIntegrated,
    /// Backlog files still to integrate (`du 11 décembre seront intégrés`).
    BacklogPending,
    /// A scheduled run (`lors de l’alimentation du 11/12/2020 à 20h`).
    Run,
    /// Expected return to normal.
    Eta,
    /// A planned fix.
    FixPlanned,
    /// Another communication referred to.
    Reference,
    /// Anything else.
    Mentioned,
}

/// A date expression found in the text, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateFact {
    /// What it is about.
    pub role: Role,
    /// The section (`""` for the heading).
    pub section: String,
    /// The words as written.
    pub phrase: String,
    /// Parsed.
    pub when: When,
    /// Resolved days (Europe/Paris calendar).
    pub days: Vec<NaiveDate>,
    /// Resolved instant, when a time of day is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<FixedOffset>>,
}

/// A planned action.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Action {
    /// Eta, fix or run.
    pub role: Role,
    /// The sentence.
    pub text: String,
    /// Its window.
    pub when: When,
    /// Resolved days: a set of candidates, a week, …
    pub days: Vec<NaiveDate>,
}

/// The backlog of a feed incident.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Backlog {
    /// Business dates integrated by the catch-up (a set, in order).
    pub integrated: Vec<NaiveDate>,
    /// Business dates still to integrate.
    pub pending: Vec<NaiveDate>,
    /// The run that integrates them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<DateTime<FixedOffset>>,
    /// CR de dépôt and CR d'intégration available again.
    pub reports_available: bool,
}

/// What the text says, in data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// Affected services.
    pub services: Vec<Service>,
    /// Affected parties.
    pub parties: Vec<Party>,
    /// Cause chain, in text order.
    pub causes: Vec<Cause>,
    /// Every date, in text order.
    pub dates: Vec<DateFact>,
    /// Planned actions.
    pub actions: Vec<Action>,
    /// For a BAL feed incident.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backlog: Option<Backlog>,
    /// The lifecycle as far as the notice tells it.
    pub lifecycle: Lifecycle,
    /// Impact.
    pub impact: Level,
    /// Urgency.
    pub urgency: Level,
}

/// An incident: text plus derived facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    id: String,
    label: Label,
    title: String,
    heading: String,
    sections: Vec<Section>,
    facts: Facts,
}

/// A notice: several incidents, for some audiences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// `Incidents MSSanté`.
    pub title: String,
    /// The date of the notice (given, or inferred: the latest date written with its year).
    pub date: NaiveDate,
    /// Who it is for.
    pub audiences: Vec<Audience>,
    /// The incidents, in order.
    pub incidents: Vec<Incident>,
    /// The signature.
    pub sender: String,
}

/// A time of a day in Paris ([`mssante_types::paris::instant`]: the workspace's
/// one daylight-saving policy).
pub fn paris(day: NaiveDate, time: NaiveTime) -> DateTime<FixedOffset> {
    mssante_types::paris::instant(day.and_time(time))
}

/// Midnight of a day in Paris.
pub fn midnight(day: NaiveDate) -> DateTime<FixedOffset> {
    mssante_types::paris::midnight(day)
}

fn fold(s: &str) -> String {
    s.replace('’', "'").to_lowercase()
}

/// The operator named after `l’opérateur` / `l'opérateur` in a text.
fn operator_named(text: &str) -> Option<String> {
    let t = text.replace('’', "'");
    let i = t.find("l'opérateur ")?;
    let name: String = t[i + "l'opérateur ".len()..].chars().take_while(|c| c.is_alphanumeric() || *c == '-').collect();
    (!name.is_empty() && name.chars().next().is_some_and(char::is_uppercase)).then_some(name)
}

fn role_of(clause: &str, start: usize, phrase: &str, section: &str) -> Role {
    let c = fold(clause);
    let before: String = {
        let b = fold(clause.get(..start).unwrap_or(""));
        let n = b.chars().count();
        b.chars().skip(n.saturating_sub(40)).collect()
    };
    let p = fold(phrase);
    let s = fold(section);
    if before.contains("communication") {
        Role::Reference
    } else if p.starts_with("depuis") || p.starts_with("à partir") {
        if c.contains("résolu") { Role::Resolved } else { Role::ImpactStart }
    } else if c.contains("résolu") {
        Role::Resolved
    } else if c.contains("ont été intégr") {
        Role::BacklogIntegrated
    } else if c.contains("retour à la normale") || c.contains("attendu") {
        Role::Eta
    } else if c.contains("correctif") {
        Role::FixPlanned
    } else if s.starts_with("origine") || s.starts_with("cause") {
        Role::Cause
    } else {
        Role::Mentioned
    }
}

/// Clauses: sentences and bullets, with their section.
fn clauses<'a>(heading: &'a str, sections: &'a [Section]) -> Vec<(&'a str, String)> {
    let mut out = vec![("", heading.to_owned())];
    for s in sections {
        for b in &s.blocks {
            for sentence in b.text().split_inclusive(". ") {
                out.push((s.title.as_str(), sentence.to_owned()));
            }
        }
    }
    out
}

impl Incident {
    /// Builds an incident from its text; the facts are derived from it, the
    /// label and the notice date (which resolves dates without a year).
    pub fn new(
        id: impl Into<String>,
        label: Label,
        title: impl Into<String>,
        heading: impl Into<String>,
        sections: Vec<Section>,
        notice_date: NaiveDate,
    ) -> Incident {
        let (title, heading) = (title.into(), heading.into());
        let facts = analyse(label, &title, &heading, &sections, notice_date);
        Incident { id: id.into(), label, title, heading, sections, facts }
    }

    /// Identifier.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// Label in its notice.
    pub fn label(&self) -> Label {
        self.label
    }
    /// Title (summary list).
    pub fn title(&self) -> &str {
        &self.title
    }
    /// Heading (after `Incident clos :` …).
    pub fn heading(&self) -> &str {
        &self.heading
    }
    /// Sections.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }
    /// Derived facts.
    pub fn facts(&self) -> &Facts {
        &self.facts
    }
    /// Priority through a matrix.
    pub fn priority(&self, m: &PriorityMatrix) -> u8 {
        m.priority(self.facts.impact, self.facts.urgency)
    }
}

fn analyse(label: Label, title: &str, heading: &str, sections: &[Section], notice: NaiveDate) -> Facts {
    let all_text: String = std::iter::once(title.to_owned())
        .chain(std::iter::once(heading.to_owned()))
        .chain(sections.iter().flat_map(|s| s.blocks.iter().map(|b| b.text().to_owned())))
        .collect::<Vec<_>>()
        .join("\n");
    let folded = fold(&all_text);
    let operator = operator_named(title).or_else(|| operator_named(heading)).or_else(|| operator_named(&all_text));

    // Services.
    let mut services = Vec::new();
    let head = fold(&format!("{title} {heading}"));
    if head.contains("alimentation des bal") {
        services.push(Service::BalFeed);
    }
    if (head.contains("émission de messages") || head.contains("réception de messages"))
        && let Some(op) = &operator
    {
        services.push(Service::Messaging { operator: op.clone() });
    }
    if head.contains("liste blanche") {
        services.push(Service::ListeBlanche);
    }
    if folded.contains("cr de dépôt") || folded.contains("cr d'intégration") {
        services.push(Service::Reports);
    }

    // Dates.
    let mut dates = Vec::new();
    for (section, clause) in clauses(heading, sections) {
        for f in find_all(&clause) {
            let phrase = clause[f.start..f.end].to_owned();
            let mut role = role_of(&clause, f.start, &phrase, section);
            let c = fold(&clause);
            if c.contains("seront intégr") {
                role = if matches!(f.when, When::DayAt { .. } | When::Time { .. })
                    || fold(&clause[..f.start]).contains("lors")
                {
                    Role::Run
                } else {
                    Role::BacklogPending
                };
            }
            let days = f.when.days(notice);
            let at = match &f.when {
                When::DayAt { at, .. } => days.first().map(|d| paris(*d, at.time())),
                _ => None,
            };
            dates.push(DateFact { role, section: section.to_owned(), phrase, when: f.when, days, at });
        }
    }

    // Parties.
    let mut parties = Vec::new();
    if folded.contains("opérateurs mssanté émettant") || folded.contains("émettant des messages") {
        parties.push(Party { who: "opérateurs MSSanté".into(), sending_to: operator.clone() });
    } else if folded.contains("opérateurs") {
        parties.push(Party { who: "opérateurs MSSanté".into(), sending_to: None });
    }

    // Causes.
    let mut causes = Vec::new();
    for s in sections {
        let st = fold(&s.title);
        if !(st.starts_with("origine") || st.starts_with("cause")) {
            continue;
        }
        let text: String = s.blocks.iter().map(Block::text).collect::<Vec<_>>().join(" ");
        let t = fold(&text);
        let kind = if t.contains("alimentation générale") {
            CauseKind::Upstream { service: Service::AnnuaireGeneralFeed }
        } else if t.contains("en masse") || t.contains("«") {
            let what = text
                .split_once('«')
                .and_then(|(_, r)| r.split_once('»'))
                .map(|(q, _)| q.trim().to_owned())
                .unwrap_or_else(|| "messages en masse".to_owned());
            CauseKind::ExternalLoad { what }
        } else {
            CauseKind::Other
        };
        let via_operator = match &kind {
            CauseKind::ExternalLoad { .. } => operator.clone().filter(|op| text.contains(op.as_str())),
            _ => None,
        };
        let days = dates
            .iter()
            .filter(|d| d.section == s.title && d.role == Role::Cause)
            .flat_map(|d| d.days.clone())
            .collect();
        let hedged = t
            .split(|c: char| !c.is_alphabetic())
            .any(|w| ["probablement", "semble", "pourrait", "serait"].contains(&w));
        let certainty = if hedged { Certainty::Likely } else { Certainty::Confirmed };
        causes.push(Cause { kind, via_operator, days, certainty, section: s.title.clone() });
    }

    // Actions.
    let mut actions = Vec::new();
    for (section, clause) in clauses(heading, sections) {
        let _ = section;
        for d in dates.iter().filter(|d| matches!(d.role, Role::Eta | Role::FixPlanned | Role::Run)) {
            if clause.contains(&d.phrase) && !actions.iter().any(|a: &Action| a.when == d.when && a.role == d.role) {
                actions.push(Action {
                    role: d.role,
                    text: clause.trim().to_owned(),
                    when: d.when.clone(),
                    days: d.days.clone(),
                });
            }
        }
    }

    // Backlog.
    let backlog = services.contains(&Service::BalFeed).then(|| Backlog {
        integrated: dates.iter().filter(|d| d.role == Role::BacklogIntegrated).flat_map(|d| d.days.clone()).collect(),
        pending: dates.iter().filter(|d| d.role == Role::BacklogPending).flat_map(|d| d.days.clone()).collect(),
        run: dates.iter().find(|d| d.role == Role::Run).and_then(|d| d.at),
        reports_available: folded.contains("cr de dépôt") && folded.contains("disponibles"),
    });

    // Lifecycle.
    let first = |role: Role| dates.iter().filter(|d| d.role == role).flat_map(|d| d.days.iter().copied()).min();
    // Declared when the impact started, else when the cause happened, else on the notice date.
    let start = first(Role::ImpactStart)
        .or_else(|| causes.iter().flat_map(|c| c.days.iter().copied()).max())
        .unwrap_or(notice)
        .min(notice);
    let mut lifecycle = Lifecycle::new(midnight(start));
    let notice_at = midnight(notice);
    let ongoing_peer = causes.iter().any(|c| c.via_operator.is_some());
    match label {
        Label::Closed => {
            let resolved = first(Role::Resolved).unwrap_or(notice).clamp(start, notice);
            let _ = lifecycle.transition(State::Resolved, midnight(resolved));
            let _ = lifecycle.transition(State::Closed, notice_at);
        }
        Label::New | Label::Update => {
            if !causes.is_empty() {
                let _ = lifecycle.transition(State::Identified, notice_at);
                if ongoing_peer {
                    let _ = lifecycle.transition(State::OnHold, notice_at);
                }
            } else {
                let _ = lifecycle.transition(State::Investigating, notice_at);
            }
        }
    }
    let impact = match parties.first() {
        Some(p) if p.sending_to.is_none() => Level::High,
        Some(_) => Level::Medium,
        None => Level::Low,
    };
    let urgency = if matches!(lifecycle.state(), State::Resolved | State::Closed) { Level::Low } else { Level::High };
    Facts { services, parties, causes, dates, actions, backlog, lifecycle, impact, urgency }
}
