//! Replies, their classes, and retry backoff (RFC 5321 §4.5.4.1, RFC 3463).
//!
//! ```
//! use mssante_envelope::retry::{Class, Reply, RetryPolicy, Backoff};
//! assert_eq!(Reply::parse("451 4.7.1 Try again later").unwrap().class(), Class::Transient);
//! assert_eq!(Reply::parse("550 5.1.1 No such user").unwrap().class(), Class::Permanent);
//! // RFC 5321 §4.5.3.1.10: 552 for too many recipients is temporary.
//! assert_eq!(Reply::parse("552 5.5.3 Too many recipients").unwrap().class(), Class::Transient);
//! let mut b = Backoff::new(RetryPolicy::default(), 7);
//! let first = b.delay(1, 0).unwrap();
//! assert!(first >= 27 * 60 && first <= 33 * 60, "30 min ± 10 %: {first}");
//! assert_eq!(b.delay(2, 5 * 24 * 3600), None, "given up after 5 days");
//! ```

use crate::error::Error;

pub use crate::reply::{Class, Reply};

impl Reply {
    /// Parses `NNN[ -][c.s.d ]text`.
    pub fn parse(line: &str) -> Result<Reply, Error> {
        let bad = |m: &str| Error::Syntax { line: 1, column: 1, message: format!("{m}: {line:?}") };
        let code: u16 = line
            .get(..3)
            .and_then(|c| c.parse().ok())
            .filter(|c| (200..600).contains(c))
            .ok_or_else(|| bad("not a reply code"))?;
        let rest = line[3..].trim_start_matches([' ', '-']);
        let (first, text) = rest.split_once(' ').unwrap_or((rest, ""));
        let enhanced = {
            let p: Vec<&str> = first.split('.').collect();
            match p.as_slice() {
                [c, s, d] => match (c.parse::<u8>(), s.parse::<u16>(), d.parse::<u16>()) {
                    (Ok(c @ 2..=5), Ok(s), Ok(d)) if c != 3 && s < 1000 && d < 1000 => Some((c, s, d)),
                    _ => None,
                },
                _ => None,
            }
        };
        let text = if enhanced.is_some() { text } else { rest };
        Ok(Reply { code, enhanced, text: text.to_owned() })
    }
}

/// Retry parameters (seconds). Defaults follow RFC 5321 §4.5.4.1: first retry
/// after 30 minutes, growing ×1.5 up to 4 hours, give up after 5 days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Delay before the first retry.
    pub first: u64,
    /// Growth factor between retries.
    pub factor: f64,
    /// Longest delay.
    pub max: u64,
    /// Time after the first attempt when the message is returned to its sender.
    pub give_up: u64,
    /// Random spread, as a fraction of the delay (0.1 = ±10 %).
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { first: 30 * 60, factor: 1.5, max: 4 * 3600, give_up: 5 * 24 * 3600, jitter: 0.1 }
    }
}

/// Backoff with seedable jitter (SplitMix64, so runs are reproducible).
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: RetryPolicy,
    state: u64,
}

impl Backoff {
    /// A backoff with its seed.
    pub fn new(policy: RetryPolicy, seed: u64) -> Self {
        Backoff { policy, state: seed }
    }

    fn next_unit(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The delay before attempt `attempt + 1` after `attempt` failures, when
    /// `elapsed` seconds have passed since the first attempt; `None` once the
    /// give-up time would be passed.
    pub fn delay(&mut self, attempt: u32, elapsed: u64) -> Option<u64> {
        let p = self.policy;
        let base = (p.first as f64 * p.factor.powi(attempt.saturating_sub(1).min(64) as i32)).min(p.max as f64);
        let spread = base * p.jitter * (2.0 * self.next_unit() - 1.0);
        let d = (base + spread).max(1.0).round() as u64;
        (elapsed.saturating_add(d) < p.give_up).then_some(d)
    }
}

/// What to do with a destination operator after a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Send now (success, or a permanent refusal that concerns only the message).
    Ready,
    /// The destination is deferred: no transaction before this time (seconds).
    RetryAt(u64),
    /// The give-up time is passed: return the queued messages to their senders.
    GiveUp,
}

#[derive(Debug, Clone)]
struct DestinationState {
    attempts: u32,
    first_failure: u64,
    next: u64,
    backoff: Backoff,
}

/// Retry state per destination operator, not per message (RFC 5321
/// §4.5.4.1: keep a list of unreachable hosts). Each destination has its own
/// jitter sequence, seeded from the seed and its certificate DNs, so runs are
/// reproducible and destinations do not retry in lockstep.
///
/// ```
/// use mssante_envelope::retry::{Class, Retries, RetryPolicy, Verdict};
/// use mssante_envelope::route::Destination;
/// let mailiz = Destination { dns: vec!["CN=mta1.mailiz.example,O=MAILIZ,C=FR".into()] };
/// let mut r = Retries::new(RetryPolicy { jitter: 0.0, ..RetryPolicy::default() }, 1);
/// assert_eq!(r.record(&mailiz, Class::Connection, 0), Verdict::RetryAt(1800));
/// assert!(!r.ready(&mailiz, 600), "every message to Mailiz waits, not only the one that failed");
/// assert_eq!(r.record(&mailiz, Class::Transient, 1800), Verdict::RetryAt(1800 + 2700));
/// assert_eq!(r.record(&mailiz, Class::Success, 4500), Verdict::Ready);
/// assert!(r.ready(&mailiz, 4500));
/// ```
#[derive(Debug, Clone)]
pub struct Retries {
    policy: RetryPolicy,
    seed: u64,
    state: std::collections::HashMap<crate::route::Destination, DestinationState>,
}

impl Retries {
    /// No destination deferred yet.
    pub fn new(policy: RetryPolicy, seed: u64) -> Self {
        Retries { policy, seed, state: std::collections::HashMap::new() }
    }

    /// Records the outcome of a transaction (or connection attempt) at `now`
    /// (seconds). A connection failure, `421` or a transient reply defers the
    /// whole destination; a success clears it; a permanent reply concerns the
    /// message only.
    pub fn record(&mut self, destination: &crate::route::Destination, class: Class, now: u64) -> Verdict {
        match class {
            Class::Success => {
                self.state.remove(destination);
                Verdict::Ready
            }
            Class::Permanent => Verdict::Ready,
            Class::Transient | Class::Connection => {
                let seed = self.seed ^ fnv1a(destination.dns.iter().flat_map(|d| d.bytes().chain([0])));
                let policy = self.policy;
                let s = self.state.entry(destination.clone()).or_insert_with(|| DestinationState {
                    attempts: 0,
                    first_failure: now,
                    next: now,
                    backoff: Backoff::new(policy, seed),
                });
                s.attempts += 1;
                match s.backoff.delay(s.attempts, now.saturating_sub(s.first_failure)) {
                    Some(d) => {
                        s.next = now + d;
                        Verdict::RetryAt(s.next)
                    }
                    None => Verdict::GiveUp,
                }
            }
        }
    }

    /// True when a transaction to `destination` may start at `now`.
    pub fn ready(&self, destination: &crate::route::Destination, now: u64) -> bool {
        self.state.get(destination).is_none_or(|s| now >= s.next)
    }

    /// Destinations deferred at `now`, with the time they may be tried again.
    pub fn deferred(&self, now: u64) -> Vec<(&crate::route::Destination, u64)> {
        let mut v: Vec<_> = self.state.iter().filter(|(_, s)| s.next > now).map(|(d, s)| (d, s.next)).collect();
        v.sort();
        v
    }
}

fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}
