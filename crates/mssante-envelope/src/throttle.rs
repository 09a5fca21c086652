//! Concurrency and rate budgets per destination operator, with separate lanes
//! for clinical mail and bulk alerts.
//!
//! A [`Budget`] gives a destination operator (all the domains behind the same
//! MTAs, see [`crate::route::Destination`]) a number of simultaneous connections
//! and a number of transactions per minute, and reserves part of both for the
//! clinical lane. A [`Throttle`] hands out [`Slot`]s: which connection carries a
//! transaction and the earliest time it may start. Each lane has its own
//! connections and its own share of the rate, so however many alerts are
//! queued, a clinical transaction waits only behind clinical ones.
//!
//! ```
//! use mssante_envelope::route::Destination;
//! use mssante_envelope::throttle::{Budget, Budgets, Lane, Throttle};
//! let budgets = Budgets::new(Budget::new(4, 60, 1, 12).unwrap());
//! let mailiz = Destination { dns: vec!["CN=mta1.mailiz.example,O=MAILIZ,C=FR".into()] };
//! let mut t = Throttle::new(&budgets);
//! let alerts: Vec<_> = (0..1000).map(|_| t.assign(Lane::Bulk, &mailiz)).collect();
//! let clinical = t.assign(Lane::Clinical, &mailiz);
//! assert_eq!(clinical.start_ms, 0, "the first clinical mail does not wait behind 1,000 alerts");
//! assert_eq!(clinical.connection, 0, "on the reserved connection");
//! assert_eq!(alerts[48].start_ms, 60_000, "48 bulk transactions per minute");
//! assert!(alerts.iter().all(|s| (1..4).contains(&s.connection)));
//! ```

use crate::error::Error;
use crate::route::{Destination, Plan};
use serde::Serialize;
use std::collections::HashMap;

/// Which queue a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lane {
    /// Mail between care providers: never waits behind bulk mail.
    Clinical,
    /// Mass alerts and other bulk mail.
    Bulk,
}

/// What the sender allows itself towards one destination operator. Built by
/// [`Budget::new`], which refuses a budget that would leave a lane without
/// connections or rate: a `Budget` is always usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Budget {
    connections: u32,
    per_minute: u32,
    clinical_connections: u32,
    clinical_per_minute: u32,
    max_message_size: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            connections: 4,
            per_minute: 600,
            clinical_connections: 1,
            clinical_per_minute: 120,
            max_message_size: 10 * 1024 * 1024,
        }
    }
}

impl Budget {
    /// A budget of `connections` simultaneous connections and `per_minute`
    /// transactions per minute, of which `clinical_connections` and
    /// `clinical_per_minute` are reserved for the clinical lane; the message
    /// size limit is the default (10 MiB, see [`Budget::with_max_message_size`]).
    /// Both lanes must keep at least one connection and one transaction per
    /// minute (`M611` otherwise).
    ///
    /// ```
    /// use mssante_envelope::throttle::Budget;
    /// assert!(Budget::new(4, 600, 1, 120).is_ok());
    /// assert_eq!(Budget::new(4, 600, 4, 120).unwrap_err().code(), "M611");
    /// assert_eq!(Budget::new(u32::MAX, u32::MAX, 1, 1).unwrap().connections(), u32::MAX);
    /// ```
    pub fn new(
        connections: u32,
        per_minute: u32,
        clinical_connections: u32,
        clinical_per_minute: u32,
    ) -> Result<Budget, Error> {
        let b = Budget { connections, per_minute, clinical_connections, clinical_per_minute, ..Budget::default() };
        b.check()?;
        Ok(b)
    }

    /// The same budget with another message size limit, in bytes (not 0).
    pub fn with_max_message_size(self, bytes: u64) -> Result<Budget, Error> {
        let b = Budget { max_message_size: bytes, ..self };
        b.check()?;
        Ok(b)
    }

    /// Simultaneous connections (default 4).
    pub fn connections(&self) -> u32 {
        self.connections
    }

    /// Transactions started per minute (default 600).
    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    /// Connections reserved for the clinical lane (default 1).
    pub fn clinical_connections(&self) -> u32 {
        self.clinical_connections
    }

    /// Transactions per minute reserved for the clinical lane (default 120).
    pub fn clinical_per_minute(&self) -> u32 {
        self.clinical_per_minute
    }

    /// Largest message the operator accepts, in bytes (default 10 MiB; no
    /// trust-space-wide maximum is published).
    pub fn max_message_size(&self) -> u64 {
        self.max_message_size
    }

    fn check(&self) -> Result<(), Error> {
        if self.clinical_connections == 0 || self.clinical_connections >= self.connections {
            return Err(Error::Budget(format!(
                "clinical connections must be 1 to {} (one fewer than the {} connections)",
                self.connections.saturating_sub(1),
                self.connections
            )));
        }
        if self.clinical_per_minute == 0 || self.clinical_per_minute >= self.per_minute {
            return Err(Error::Budget(format!(
                "clinical rate must be 1 to {} per minute (below the total of {})",
                self.per_minute.saturating_sub(1),
                self.per_minute
            )));
        }
        if self.max_message_size == 0 {
            return Err(Error::Budget("the message size limit cannot be 0".into()));
        }
        Ok(())
    }

    /// Connections of a lane: `(first, count)`; clinical first.
    pub fn connections_of(&self, lane: Lane) -> (u32, u32) {
        match lane {
            Lane::Clinical => (0, self.clinical_connections),
            Lane::Bulk => (self.clinical_connections, self.connections - self.clinical_connections),
        }
    }

    /// Transactions per minute of a lane.
    pub fn rate_of(&self, lane: Lane) -> u32 {
        match lane {
            Lane::Clinical => self.clinical_per_minute,
            Lane::Bulk => self.per_minute - self.clinical_per_minute,
        }
    }
}

/// A default budget and per-operator ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Budgets {
    default: Budget,
    operators: Vec<(String, Budget)>,
}

impl Budgets {
    /// Every destination gets `default`.
    pub fn new(default: Budget) -> Budgets {
        Budgets { default, operators: Vec::new() }
    }

    /// A destination one of whose certificate DNs or MTA names is `key`
    /// (without case) gets `budget`. The first matching key wins.
    pub fn with(mut self, key: impl Into<String>, budget: Budget) -> Budgets {
        self.operators.push((key.into(), budget));
        self
    }

    /// The budget of a destination: a key is one of its certificate DNs
    /// (compared as DNs: [`Dn`](mssante_bal::liste_blanche::Dn)) or one of its
    /// MTA names (compared as domains: [`mssante_types::identity`]).
    pub fn for_destination(&self, d: &Destination) -> &Budget {
        use mssante_bal::liste_blanche::Dn;
        if self.operators.is_empty() {
            return &self.default;
        }
        let mtas = d.mtas();
        let dns: Vec<Dn> = d.dns.iter().filter_map(|s| Dn::parse(s).ok()).collect();
        self.operators
            .iter()
            .find(|(key, _)| match Dn::parse(key) {
                Ok(k) if key.contains('=') => dns.contains(&k),
                _ => mtas.iter().any(|m| mssante_types::identity::same_domain(m, key)),
            })
            .map_or(&self.default, |(_, b)| b)
    }
}

/// Where and when a transaction may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Slot {
    /// The lane.
    pub lane: Lane,
    /// Connection index towards the destination (clinical ones first).
    pub connection: u32,
    /// Earliest start, in milliseconds from the start of the plan.
    pub start_ms: u64,
}

/// Hands out slots within the budgets; deterministic.
#[derive(Debug, Clone)]
pub struct Throttle<'b> {
    budgets: &'b Budgets,
    issued: HashMap<Destination, [u64; 2]>,
}

impl<'b> Throttle<'b> {
    /// A throttle with nothing issued yet.
    pub fn new(budgets: &'b Budgets) -> Self {
        Throttle { budgets, issued: HashMap::new() }
    }

    /// The next slot of `lane` towards `destination`. The k-th transaction of a
    /// lane starts at k × ⌈60 000 / rate⌉ ms on connection `first + k mod count`,
    /// so no minute ever holds more than the lane's rate and the two lanes
    /// together never more than the budget's.
    pub fn assign(&mut self, lane: Lane, destination: &Destination) -> Slot {
        let budget = self.budgets.for_destination(destination);
        let counters = match self.issued.get_mut(destination) {
            Some(c) => c,
            None => self.issued.entry(destination.clone()).or_insert([0, 0]),
        };
        let k = &mut counters[lane as usize];
        let n = *k;
        *k += 1;
        let (first, count) = budget.connections_of(lane);
        let interval = 60_000u64.div_ceil(u64::from(budget.rate_of(lane)));
        Slot { lane, connection: first + (n % u64::from(count)) as u32, start_ms: n * interval }
    }

    /// One slot per transaction of a plan, in the plan's order.
    pub fn schedule(&mut self, lane: Lane, plan: &Plan) -> Vec<Slot> {
        plan.transactions.iter().map(|t| self.assign(lane, &t.destination)).collect()
    }
}

#[cfg(test)]
mod budget_keys {
    use super::*;

    #[test]
    fn a_key_is_a_dn_compared_as_a_dn_or_an_mta_compared_as_a_domain() {
        let d = Destination { dns: vec!["CN=mta1.op1.example,OU=1,O=OP1,C=FR".into()] };
        let small = Budget::default().with_max_message_size(1000).unwrap();
        for key in ["cn=mta1.op1.example, ou=1, O=OP1, C=FR", "MTA1.OP1.Example", "mta1.op1.example"] {
            let b = Budgets::default().with(key, small);
            assert_eq!(b.for_destination(&d).max_message_size(), 1000, "{key}");
        }
        for key in ["CN=mta1.op1.example,O=OP1,C=FR", "mta2.op1.example", "op1.example"] {
            let b = Budgets::default().with(key, small);
            assert_eq!(b.for_destination(&d), &Budget::default(), "{key}");
        }
    }
}
