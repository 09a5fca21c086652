//! Notices and incidents.
//!
//! An [`Incident`] is its text (title, heading, sections, as the ANS writes
//! them) plus [`Facts`] derived from that text and the notice date: affected
//! services and parties, causes, dated facts, planned actions, the feed
//! backlog, the lifecycle and the impact × urgency. Facts are computed by
//! [`Incident::new`] and cannot be set apart from the text, so an incident
//! never says one thing in prose and another in data.

use crate::date::{When, find_all};
use crate::identity::IncidentId;
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
///
/// Its texts are single lines: a line break in a title, heading, section
/// title or block reads as the notice text would read it back (the lines
/// trimmed and joined by one space), whether it comes through
/// [`Incident::new`] or JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "IncidentFields")]
pub struct Incident {
    id: IncidentId,
    label: Label,
    title: String,
    heading: String,
    sections: Vec<Section>,
    facts: Facts,
}

/// An incident as JSON holds it, before its texts are made single lines.
#[derive(Deserialize)]
struct IncidentFields {
    id: IncidentId,
    label: Label,
    title: String,
    heading: String,
    sections: Vec<Section>,
    facts: Facts,
}

impl From<IncidentFields> for Incident {
    fn from(f: IncidentFields) -> Incident {
        Incident {
            id: f.id,
            label: f.label,
            title: one_line(&f.title),
            heading: one_line(&f.heading),
            sections: f.sections.into_iter().map(Section::one_line).collect(),
            facts: f.facts,
        }
    }
}

/// The characters that end a line of text (`str::lines` splits at `\n` only).
pub(crate) fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// A text as the notice layout reads it back: its lines trimmed, the empty
/// ones dropped, joined by one space.
pub(crate) fn one_line(s: &str) -> String {
    if !s.contains(is_line_break) {
        return s.trim().to_owned();
    }
    s.split(is_line_break).map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Gives the second, third … incident of the same identifier in one notice
/// the suffix `-2`, `-3` …, so that identifiers are distinct in a notice.
pub(crate) fn number_repeats(incidents: &mut [Incident]) {
    let mut seen: std::collections::HashMap<IncidentId, usize> = std::collections::HashMap::new();
    for i in incidents {
        let n = seen.entry(i.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            let k = *n;
            i.renumber(k);
        }
    }
}

impl Section {
    fn one_line(self) -> Section {
        let blocks = self
            .blocks
            .into_iter()
            .map(|b| match b {
                Block::Paragraph(t) => Block::Paragraph(one_line(&t)),
                Block::Bullet(t) => Block::Bullet(one_line(&t)),
            })
            .collect();
        Section { title: one_line(&self.title), blocks }
    }
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

impl Notice {
    /// A notice; a second incident with the identifier of an earlier one
    /// (same subject, same start) gets the suffix `-2`, a third `-3` …, as
    /// [`crate::parse::parse_notice`] numbers them. Its title, audiences and
    /// signature are read as the layout reads them, as an incident's texts
    /// are: lines trimmed and joined by one space (and a title without a
    /// leading byte-order mark; an audience that names a known one is it).
    pub fn new(
        title: impl AsRef<str>,
        date: NaiveDate,
        audiences: Vec<Audience>,
        mut incidents: Vec<Incident>,
        sender: impl AsRef<str>,
    ) -> Notice {
        number_repeats(&mut incidents);
        let title = crate::wording::notice_title(&one_line(title.as_ref())).to_owned();
        let audiences = audiences
            .into_iter()
            .map(|a| match a {
                Audience::Other(t) => Audience::from_text(&one_line(&t)),
                known => known,
            })
            .collect();
        Notice { title, date, audiences, incidents, sender: one_line(sender.as_ref()) }
    }
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

/// What a clause says, folded once: the role of each date in it is read from
/// these, so a clause with many dates costs its length once, not once a date.
struct ClauseWords {
    resolved: bool,
    integrated: bool,
    eta: bool,
    fix: bool,
    pending: bool,
    /// Byte offset (in the clause as written) of the first `lors`.
    lors: Option<usize>,
}

impl ClauseWords {
    fn of(clause: &str) -> ClauseWords {
        let c = fold(clause);
        ClauseWords {
            resolved: c.contains("résolu"),
            integrated: c.contains("ont été intégr"),
            eta: c.contains("retour à la normale") || c.contains("attendu"),
            fix: c.contains("correctif"),
            pending: c.contains("seront intégr"),
            lors: clause.as_bytes().windows(4).position(|w| w.eq_ignore_ascii_case(b"lors")),
        }
    }
}

/// The (at most) 40 characters of `clause` before byte `start`, folded.
fn words_before(clause: &str, start: usize) -> String {
    let b = clause.get(..start).unwrap_or("");
    let from = b.char_indices().rev().nth(39).map_or(0, |(i, _)| i);
    fold(&b[from..])
}

fn role_of(words: &ClauseWords, clause: &str, start: usize, phrase: &str, section: &str) -> Role {
    let p = fold(phrase);
    if words_before(clause, start).contains("communication") {
        Role::Reference
    } else if p.starts_with("depuis") || p.starts_with("à partir") {
        if words.resolved { Role::Resolved } else { Role::ImpactStart }
    } else if words.resolved {
        Role::Resolved
    } else if words.integrated {
        Role::BacklogIntegrated
    } else if words.eta {
        Role::Eta
    } else if words.fix {
        Role::FixPlanned
    } else if section.starts_with("origine") || section.starts_with("cause") {
        Role::Cause
    } else {
        Role::Mentioned
    }
}

/// Clauses: sentences and bullets, with the index of their section (`None`
/// for the heading) and its title.
fn clauses<'a>(heading: &'a str, sections: &'a [Section]) -> Vec<(Option<usize>, &'a str, &'a str)> {
    let mut out = vec![(None, "", heading)];
    for (k, s) in sections.iter().enumerate() {
        for b in &s.blocks {
            for sentence in b.text().split_inclusive(". ") {
                out.push((Some(k), s.title.as_str(), sentence));
            }
        }
    }
    out
}

impl Incident {
    /// Builds an incident from its text; the facts are derived from it, the
    /// label and the notice date (which resolves dates without a year). Line
    /// breaks in the texts are read as the notice layout reads them (the
    /// lines trimmed and joined by one space).
    ///
    /// Its identifier derives from its title and the day its impact started
    /// ([`IncidentId::derive`]), so the same incident told by two notices has
    /// the same one.
    pub fn new(
        label: Label,
        title: impl AsRef<str>,
        heading: impl AsRef<str>,
        sections: Vec<Section>,
        notice_date: NaiveDate,
    ) -> Incident {
        let (title, heading) = (one_line(title.as_ref()), one_line(heading.as_ref()));
        let sections: Vec<Section> = sections.into_iter().map(Section::one_line).collect();
        let facts = analyse(label, &title, &heading, &sections, notice_date);
        let start = facts.lifecycle.steps().first().map_or(notice_date, |s| s.at.date_naive());
        let subject = if title.is_empty() { &heading } else { &title };
        let id = IncidentId::derive(subject, start);
        Incident { id, label, title, heading, sections, facts }
    }

    /// The `n`-th incident (from 2) of the same subject and start in one notice
    /// gets the suffix `-n` ([`IncidentId::nth`]).
    pub(crate) fn renumber(&mut self, n: usize) {
        self.id = self.id.nth(n);
    }

    /// Identifier: stable across the notices that tell this incident
    /// ([`crate::identity`]).
    pub fn id(&self) -> &IncidentId {
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

    // Dates, each with the clause it was found in.
    let mut dates = Vec::new();
    let mut clause_of = Vec::new();
    let clause_list = clauses(heading, sections);
    for (k, &(_, section, clause)) in clause_list.iter().enumerate() {
        let found = find_all(clause);
        if found.is_empty() {
            continue;
        }
        let words = ClauseWords::of(clause);
        let folded_section = fold(section);
        for f in found {
            let phrase = clause[f.start..f.end].to_owned();
            let mut role = role_of(&words, clause, f.start, &phrase, &folded_section);
            if words.pending {
                role = if matches!(f.when, When::DayAt { .. } | When::Time { .. })
                    || words.lors.is_some_and(|l| l + 4 <= f.start)
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
            clause_of.push(k);
        }
    }

    // Parties.
    let mut parties = Vec::new();
    if folded.contains("opérateurs mssanté émettant") || folded.contains("émettant des messages") {
        parties.push(Party { who: "opérateurs MSSanté".into(), sending_to: operator.clone() });
    } else if folded.contains("opérateurs") {
        parties.push(Party { who: "opérateurs MSSanté".into(), sending_to: None });
    }

    // Causes: the days of each section's cause dates.
    let mut cause_days: Vec<Vec<NaiveDate>> = vec![Vec::new(); sections.len()];
    for (d, &k) in dates.iter().zip(&clause_of) {
        if d.role == Role::Cause
            && let (Some(n), _, _) = clause_list[k]
        {
            cause_days[n].extend(&d.days);
        }
    }
    let mut causes = Vec::new();
    for (n, s) in sections.iter().enumerate() {
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
        let days = std::mem::take(&mut cause_days[n]);
        let hedged = t
            .split(|c: char| !c.is_alphabetic())
            .any(|w| ["probablement", "semble", "pourrait", "serait"].contains(&w));
        let certainty = if hedged { Certainty::Likely } else { Certainty::Confirmed };
        causes.push(Cause { kind, via_operator, days, certainty, section: s.title.clone() });
    }

    // Actions: each planned date with the clause it is in, once per (role, when).
    let mut actions = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (d, &k) in dates.iter().zip(&clause_of) {
        if matches!(d.role, Role::Eta | Role::FixPlanned | Role::Run) && seen.insert((d.role, &d.when)) {
            actions.push(Action {
                role: d.role,
                text: clause_list[k].2.trim().to_owned(),
                when: d.when.clone(),
                days: d.days.clone(),
            });
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
