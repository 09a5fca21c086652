//! One incident across the notices that tell it: notices merged into
//! incidents with their ordered updates and a checked lifecycle.
//!
//! Notices are taken in date order (notices of the same day in the order
//! given). An incident is found again by its identifier
//! ([`crate::identity`]). Each notice that mentions it brings the states its
//! text tells ([`crate::model::Facts::lifecycle`]), applied to the merged
//! lifecycle through its checked transitions:
//!
//! * a state the incident is already in is not a new step, and a notice that
//!   leaves the state unchanged is not a new update (its text still becomes
//!   the incident's latest text);
//! * an incident closed or resolved that a later notice tells again as open
//!   goes through `Reopened`; one that a notice closes without having been
//!   resolved goes through `Resolved`;
//! * a step dated before the previous one is dated at the previous one (the
//!   notices give days, not times);
//! * a step the state machine refuses even so is left out and reported as an
//!   [`Anomaly`], never silently.
//!
//! ```
//! use mssante_incident::parse::parse_notice;
//! use mssante_incident::timeline::Timeline;
//! use mssante_incident::lifecycle::State;
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");
//! let first = parse_notice(&std::fs::read_to_string(format!("{dir}incidents-mssante-2020-12.txt")).unwrap(), None).unwrap();
//! let second = parse_notice(&std::fs::read_to_string(format!("{dir}incidents-mssante-2020-12-14.txt")).unwrap(), None).unwrap();
//! let t = Timeline::merge(&[second, first]); // any order
//! assert_eq!(t.incidents().len(), 2, "the Mailiz incident once, not twice");
//! let mailiz = t.incidents().iter().find(|i| i.title().contains("Mailiz")).unwrap();
//! assert_eq!(mailiz.updates().len(), 2);
//! assert_eq!(mailiz.lifecycle().state(), State::Closed);
//! assert!(t.anomalies().is_empty());
//! ```

use crate::identity::IncidentId;
use crate::lifecycle::{Lifecycle, LifecycleError, State};
use crate::model::{Incident, Label, Notice, Service, midnight, number_repeats};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use std::collections::HashMap;

/// One update of an incident: a notice that changed its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Update {
    /// 1, 2, … in the incident's order.
    pub number: usize,
    /// When it was told: the notice's day, at midnight Europe/Paris (the
    /// notices give no time of sending).
    pub at: DateTime<FixedOffset>,
    /// The notice's date.
    pub notice: NaiveDate,
    /// The incident's label in that notice.
    pub label: Label,
    /// The state the update leaves the incident in.
    pub state: State,
    /// The incident as that notice tells it.
    pub incident: Incident,
    /// The notice's signature.
    pub sender: String,
}

/// An incident with the updates of every notice that told it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tracked {
    id: IncidentId,
    mentions: usize,
    lifecycle: Lifecycle,
    updates: Vec<Update>,
    latest: Incident,
    services: Vec<Service>,
}

impl Tracked {
    /// The identifier shared by its notices.
    pub fn id(&self) -> &IncidentId {
        &self.id
    }
    /// Its title, as the latest notice writes it.
    pub fn title(&self) -> &str {
        self.latest.title()
    }
    /// The merged lifecycle.
    pub fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }
    /// How many notices told it (each one, with or without a change of state).
    pub fn mentions(&self) -> usize {
        self.mentions
    }
    /// The updates, oldest first; never empty.
    pub fn updates(&self) -> &[Update] {
        &self.updates
    }
    /// The incident as the latest notice that mentions it tells it.
    pub fn latest(&self) -> &Incident {
        &self.latest
    }
    /// Every service any of its notices names, in order of first mention.
    pub fn services(&self) -> &[Service] {
        &self.services
    }
    /// When the impact started (the lifecycle's first step).
    pub fn started_at(&self) -> DateTime<FixedOffset> {
        self.lifecycle.steps()[0].at
    }
    /// When it was first told (its first update).
    pub fn created_at(&self) -> DateTime<FixedOffset> {
        self.updates[0].at
    }
    /// When it was last told.
    pub fn updated_at(&self) -> DateTime<FixedOffset> {
        self.updates[self.updates.len() - 1].at
    }
    /// When it was resolved, if its current state is resolved, closed,
    /// cancelled or merged.
    pub fn resolved_at(&self) -> Option<DateTime<FixedOffset>> {
        is_over(self.lifecycle.state()).then(|| {
            self.lifecycle
                .entered(State::Resolved)
                .unwrap_or_else(|| self.lifecycle.steps()[self.lifecycle.steps().len() - 1].at)
        })
    }
}

/// Whether a state ends the impact.
pub(crate) fn is_over(s: State) -> bool {
    matches!(s, State::Resolved | State::Closed | State::Cancelled | State::Merged)
}

/// A step a notice tells that the merged lifecycle refuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    /// The incident.
    pub incident: IncidentId,
    /// The notice's date.
    pub notice: NaiveDate,
    /// Why the step was left out.
    pub error: String,
}

/// Incidents merged from notices.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Timeline {
    incidents: Vec<Tracked>,
    anomalies: Vec<Anomaly>,
}

impl Timeline {
    /// Merges notices, in any order, into incidents.
    pub fn merge(notices: &[Notice]) -> Timeline {
        let mut order: Vec<&Notice> = notices.iter().collect();
        order.sort_by_key(|n| n.date); // stable: same-day notices keep their order
        let mut t = Timeline::default();
        let mut index: HashMap<IncidentId, usize> = HashMap::new();
        for n in order {
            let mut incidents = n.incidents.clone();
            number_repeats(&mut incidents);
            for i in incidents {
                match index.get(i.id()) {
                    Some(&k) => t.update(k, n, i),
                    None => {
                        index.insert(i.id().clone(), t.incidents.len());
                        t.incidents.push(Tracked {
                            id: i.id().clone(),
                            mentions: 1,
                            lifecycle: i.facts().lifecycle.clone(),
                            updates: vec![Update {
                                number: 1,
                                at: midnight(n.date),
                                notice: n.date,
                                label: i.label(),
                                state: i.facts().lifecycle.state(),
                                incident: i.clone(),
                                sender: n.sender.clone(),
                            }],
                            services: i.facts().services.clone(),
                            latest: i,
                        });
                    }
                }
            }
        }
        t
    }

    fn update(&mut self, k: usize, n: &Notice, i: Incident) {
        let tr = &mut self.incidents[k];
        tr.mentions += 1;
        let before = tr.lifecycle.state();
        for step in &i.facts().lifecycle.steps()[1..] {
            let last = tr.lifecycle.steps()[tr.lifecycle.steps().len() - 1];
            if step.state == last.state {
                continue;
            }
            let at = step.at.max(last.at);
            let mut path = vec![step.state];
            if !last.state.can_go_to(step.state) {
                if matches!(last.state, State::Resolved | State::Closed) && State::Reopened.can_go_to(step.state) {
                    path.insert(0, State::Reopened);
                } else if step.state == State::Closed && last.state.can_go_to(State::Resolved) {
                    path.insert(0, State::Resolved);
                }
            }
            for s in path {
                if let Err(e) = tr.lifecycle.transition(s, at) {
                    self.anomalies.push(Anomaly { incident: tr.id.clone(), notice: n.date, error: describe(&e) });
                    break;
                }
            }
        }
        for s in &i.facts().services {
            if !tr.services.contains(s) {
                tr.services.push(s.clone());
            }
        }
        let after = tr.lifecycle.state();
        if after != before {
            tr.updates.push(Update {
                number: tr.updates.len() + 1,
                at: midnight(n.date),
                notice: n.date,
                label: i.label(),
                state: after,
                incident: i.clone(),
                sender: n.sender.clone(),
            });
        }
        tr.latest = i;
    }

    /// The incidents, in order of first mention.
    pub fn incidents(&self) -> &[Tracked] {
        &self.incidents
    }

    /// The steps left out, with why.
    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }

    /// When anything last changed (the latest update), if there is anything.
    pub fn updated_at(&self) -> Option<DateTime<FixedOffset>> {
        self.incidents.iter().map(Tracked::updated_at).max()
    }
}

fn describe(e: &LifecycleError) -> String {
    format!("{} {e}", e.code())
}
