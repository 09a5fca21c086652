//! The incident lifecycle: a state machine with checked transitions and
//! timestamps that never go back.
//!
//! ```text
//! Declared → Investigating → Identified → Monitoring → Resolved → Closed
//!   side exits: OnHold (and back), Cancelled, Merged; Resolved/Closed → Reopened
//! ```
//!
//! ```
//! use chrono::{FixedOffset, TimeZone};
//! use mssante_incident::lifecycle::{Lifecycle, State};
//! let t = |d| FixedOffset::east_opt(3600).unwrap().with_ymd_and_hms(2020, 12, d, 0, 0, 0).unwrap();
//! let mut l = Lifecycle::new(t(3));
//! l.transition(State::Resolved, t(11)).unwrap();
//! assert!(l.transition(State::Investigating, t(12)).is_err()); // resolved → investigating: reopen first
//! assert!(l.transition(State::Closed, t(10)).is_err());        // time goes forward
//! l.transition(State::Closed, t(11)).unwrap();
//! assert_eq!(l.state(), State::Closed);
//! ```

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// A lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Reported, not yet looked at.
    Declared,
    /// Being analysed.
    Investigating,
    /// Cause known.
    Identified,
    /// Fix applied, being watched.
    Monitoring,
    /// Service restored.
    Resolved,
    /// Resolution confirmed (backlog processed, reports back): ITIL *Closed*.
    Closed,
    /// Waiting on someone else (a peer operator, a supplier).
    OnHold,
    /// Not an incident after all.
    Cancelled,
    /// Merged into another incident.
    Merged,
    /// Came back after resolution.
    Reopened,
}

impl State {
    /// Every state.
    pub const ALL: [State; 10] = [
        State::Declared,
        State::Investigating,
        State::Identified,
        State::Monitoring,
        State::Resolved,
        State::Closed,
        State::OnHold,
        State::Cancelled,
        State::Merged,
        State::Reopened,
    ];

    /// Whether `self → to` is allowed.
    pub fn can_go_to(self, to: State) -> bool {
        use State::*;
        match self {
            Declared => matches!(to, Investigating | Identified | Monitoring | Resolved | OnHold | Cancelled | Merged),
            Investigating => matches!(to, Identified | Monitoring | Resolved | OnHold | Cancelled | Merged),
            Identified => matches!(to, Monitoring | Resolved | OnHold | Cancelled | Merged),
            Monitoring => matches!(to, Identified | Resolved | OnHold),
            OnHold => matches!(to, Investigating | Identified | Monitoring | Resolved | Cancelled),
            Resolved => matches!(to, Closed | Reopened),
            Closed => matches!(to, Reopened),
            Reopened => matches!(to, Investigating | Identified | Monitoring | Resolved | OnHold),
            Cancelled | Merged => false,
        }
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LifecycleError {
    /// Not an allowed transition.
    #[error("transition {from:?} → {to:?} is not allowed")]
    Transition {
        /// Current state.
        from: State,
        /// Requested state.
        to: State,
    },
    /// The timestamp is before the previous one.
    #[error("{at} is before the previous transition ({previous})")]
    Backwards {
        /// Requested time.
        at: DateTime<FixedOffset>,
        /// Time of the previous transition.
        previous: DateTime<FixedOffset>,
    },
    /// An empty history.
    #[error("a lifecycle starts with Declared")]
    Empty,
}

/// One step of the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The state entered.
    pub state: State,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// A checked history: starts `Declared`, every step allowed, times in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Step>", into = "Vec<Step>")]
pub struct Lifecycle {
    steps: Vec<Step>,
}

impl Lifecycle {
    /// Declared at `at`.
    pub fn new(at: DateTime<FixedOffset>) -> Self {
        Lifecycle { steps: vec![Step { state: State::Declared, at }] }
    }

    /// Moves to `to` at `at`, or refuses.
    pub fn transition(&mut self, to: State, at: DateTime<FixedOffset>) -> Result<(), LifecycleError> {
        let last = *self.steps.last().ok_or(LifecycleError::Empty)?;
        if !last.state.can_go_to(to) {
            return Err(LifecycleError::Transition { from: last.state, to });
        }
        if at < last.at {
            return Err(LifecycleError::Backwards { at, previous: last.at });
        }
        self.steps.push(Step { state: to, at });
        Ok(())
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.steps.last().map_or(State::Declared, |s| s.state)
    }

    /// The history.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// When the state was last entered.
    pub fn entered(&self, state: State) -> Option<DateTime<FixedOffset>> {
        self.steps.iter().rev().find(|s| s.state == state).map(|s| s.at)
    }
}

impl TryFrom<Vec<Step>> for Lifecycle {
    type Error = LifecycleError;
    fn try_from(steps: Vec<Step>) -> Result<Self, LifecycleError> {
        let mut it = steps.into_iter();
        let first = it.next().ok_or(LifecycleError::Empty)?;
        if first.state != State::Declared {
            return Err(LifecycleError::Empty);
        }
        let mut l = Lifecycle::new(first.at);
        for s in it {
            l.transition(s.state, s.at)?;
        }
        Ok(l)
    }
}

impl From<Lifecycle> for Vec<Step> {
    fn from(l: Lifecycle) -> Self {
        l.steps
    }
}
