//! Bulk senders and the per-operator bulk budget of the mass-alert rule.
//!
//! A [`BulkMeter`] holds one token bucket per destination operator: it
//! holds at most a minute of the operator's bulk rate and refills at that
//! rate; a bulk recipient takes one token, and when none is left the
//! recipient is deferred. Clinical mail never takes a token. Time is given
//! by the caller (milliseconds on any monotonic clock), so the meter is
//! deterministic under test.
//!
//! ```
//! use mssante_policy::bulk::BulkMeter;
//! let meter = BulkMeter::new();
//! let admitted = (0..100).filter(|_| meter.admit("mailiz", 60, 0)).count();
//! assert_eq!(admitted, 60, "one minute of a 60/min budget");
//! assert!(!meter.admit("mailiz", 60, 500), "half a token after 0.5 s: still spent");
//! assert!(meter.admit("mailiz", 60, 1_000), "one token back after one second");
//! assert!(meter.admit("another operator", 60, 1_000), "budgets are per operator");
//! ```

use crate::error::Error;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// The senders whose mail is bulk (mass alerts): addresses, or whole
/// domains written `@domain`, compared by the workspace's keys
/// ([`mssante_types::identity`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkSenders {
    addresses: HashSet<String>,
    domains: HashSet<String>,
}

impl BulkSenders {
    /// No bulk sender.
    pub fn new() -> BulkSenders {
        BulkSenders::default()
    }

    /// Reads the file format: one address or `@domain` per line; blank lines
    /// and lines starting with `#` are ignored. A line that is neither is an
    /// error naming the line.
    ///
    /// ```
    /// use mssante_policy::bulk::BulkSenders;
    /// let s = BulkSenders::parse("# DGS alerts\nalerte@dgs.mssante.fr\n@alertes.mssante.fr\n").unwrap();
    /// assert!(s.contains("Alerte@DGS.mssante.fr"));
    /// assert!(s.contains("x@alertes.mssante.fr"));
    /// assert!(!s.contains("medecin@dgs.mssante.fr"));
    /// assert!(BulkSenders::parse("not an address\n").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<BulkSenders, Error> {
        let mut s = BulkSenders::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |message: &str| Error::Config {
                what: format!("bulk senders, line {}", i + 1),
                message: message.into(),
            };
            if let Some(domain) = line.strip_prefix('@') {
                let key = mssante_types::identity::domain_key(domain).map_err(|e| bad(&e.to_string()))?;
                if key.is_empty() || key.contains('@') {
                    return Err(bad("a domain is written @domain"));
                }
                s.domains.insert(key.into_owned());
            } else {
                let address = mssante_bal::Address::parse(line).map_err(|e| bad(&e.to_string()))?;
                s.addresses.insert(address.key().into_owned());
            }
        }
        Ok(s)
    }

    /// Adds an address, or a domain written `@domain`.
    pub fn with(mut self, entry: &str) -> Result<BulkSenders, Error> {
        let other = BulkSenders::parse(entry)?;
        self.addresses.extend(other.addresses);
        self.domains.extend(other.domains);
        Ok(self)
    }

    /// Whether mail from this sender is bulk. The null sender never is.
    pub fn contains(&self, sender: &str) -> bool {
        if sender.is_empty() {
            return false;
        }
        self.addresses.contains(mssante_types::identity::address_key(sender).as_ref())
            || self.domains.contains(mssante_types::identity::address_domain_key(sender).as_ref())
    }

    /// True without any sender.
    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty() && self.domains.is_empty()
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Tokens, in thousandths (integer arithmetic: no drift).
    milli_tokens: u64,
    at_ms: u64,
}

/// Token buckets per destination operator (see the [module](self)).
#[derive(Debug, Default)]
pub struct BulkMeter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl BulkMeter {
    /// No bucket yet: every operator starts with a full minute.
    pub fn new() -> BulkMeter {
        BulkMeter::default()
    }

    /// Takes one token from `operator`'s bucket at `now_ms` for a budget of
    /// `per_minute`; false when none is left. A clock that goes back is
    /// read as not moving.
    pub fn admit(&self, operator: &str, per_minute: u32, now_ms: u64) -> bool {
        let capacity = u64::from(per_minute.max(1)) * 1000;
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = match buckets.get_mut(operator) {
            Some(b) => b,
            None => buckets.entry(operator.to_owned()).or_insert(Bucket { milli_tokens: capacity, at_ms: now_ms }),
        };
        let elapsed = now_ms.saturating_sub(bucket.at_ms);
        // per_minute tokens per 60,000 ms = per_minute thousandths per 60 ms.
        let refill = elapsed.saturating_mul(u64::from(per_minute.max(1))) / 60;
        bucket.milli_tokens = bucket.milli_tokens.saturating_add(refill).min(capacity);
        bucket.at_ms = bucket.at_ms.max(now_ms);
        if bucket.milli_tokens >= 1000 {
            bucket.milli_tokens -= 1000;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_budget_comes_back_at_its_rate() {
        let m = BulkMeter::new();
        assert_eq!((0..1000).filter(|_| m.admit("op", 600, 0)).count(), 600);
        // 600/min = 10/s: after 1.5 s, 15 tokens.
        assert_eq!((0..1000).filter(|_| m.admit("op", 600, 1_500)).count(), 15);
        // A clock that goes back gives nothing.
        assert_eq!((0..10).filter(|_| m.admit("op", 600, 1_000)).count(), 0);
        // A long pause never gives more than a minute.
        assert_eq!((0..1000).filter(|_| m.admit("op", 600, 10_000_000)).count(), 600);
    }

    #[test]
    fn bad_lines_are_named() {
        match BulkSenders::parse("a@b.fr\n\n@\n") {
            Err(Error::Config { what, .. }) => assert_eq!(what, "bulk senders, line 3"),
            other => panic!("{other:?}"),
        }
        assert!(!BulkSenders::parse("@b.fr").unwrap().contains(""));
    }
}
