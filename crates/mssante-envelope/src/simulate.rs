//! A burst replayed against a destination with a limited acceptance rate: how
//! long clinical mail waits behind a mass alert, with and without lanes.
//!
//! Time advances by seconds. Alerts are all queued at 0; clinical messages
//! arrive uniformly over a window. Each second the sender offers at most its
//! rate budget to the destination operator; the destination accepts at most
//! its capacity and answers the rest with a 4xx, which defers them by the
//! [`Backoff`]. Without lanes the queue is first-in first-out; with lanes the
//! clinical lane gets up to its share of the budget each second (unused share
//! goes to alerts), so a mass alert cannot starve clinical mail.
//!
//! ```
//! use mssante_envelope::simulate::{simulate, Scenario};
//! let s = Scenario { alerts: 5_000, clinical: 100, clinical_window: 200, ..Scenario::default() };
//! let fifo = simulate(&Scenario { lanes: false, ..s.clone() });
//! let lanes = simulate(&s);
//! assert!(lanes.clinical.p90 < fifo.clinical.p90);
//! assert_eq!(lanes.clinical.delivered + lanes.clinical.given_up, 100);
//! ```

use crate::retry::{Backoff, RetryPolicy};
use serde::Serialize;
use std::collections::{BinaryHeap, VecDeque};

/// The burst and the sender's plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Alert messages, all queued at time 0 (default 50,000).
    pub alerts: u32,
    /// Clinical messages (default 500), arriving uniformly over `clinical_window` seconds.
    pub clinical: u32,
    /// Seconds over which clinical mail arrives (default 3,600).
    pub clinical_window: u32,
    /// Messages per second the destination accepts (default 20).
    pub capacity: u32,
    /// Messages per second the sender offers (default 20: throttled to capacity).
    pub budget: u32,
    /// Separate lanes (default true).
    pub lanes: bool,
    /// Share of the budget reserved for the clinical lane (default 0.2).
    pub clinical_share: f64,
    /// Retry policy for deferred messages.
    pub retry: RetryPolicy,
    /// Seed of the jitter.
    pub seed: u64,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            alerts: 50_000,
            clinical: 500,
            clinical_window: 3_600,
            capacity: 20,
            budget: 20,
            lanes: true,
            clinical_share: 0.2,
            retry: RetryPolicy::default(),
            seed: 1,
        }
    }
}

/// Delay statistics of one lane (seconds from arrival to acceptance).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LaneStats {
    /// Accepted by the destination.
    pub delivered: u32,
    /// Given up (returned to sender).
    pub given_up: u32,
    /// 4xx deferrals met.
    pub deferrals: u32,
    /// Median delay.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Longest delay.
    pub max: u64,
}

/// The result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Alert lane.
    pub alerts: LaneStats,
    /// Clinical lane.
    pub clinical: LaneStats,
    /// Seconds until the last message was settled.
    pub duration: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Msg {
    arrival: u64,
    attempts: u32,
    clinical: bool,
    id: u32,
}

fn stats(mut delays: Vec<u64>, given_up: u32, deferrals: u32) -> LaneStats {
    delays.sort_unstable();
    let q = |p: f64| delays.get(((delays.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0);
    LaneStats {
        delivered: delays.len() as u32,
        given_up,
        deferrals,
        p50: q(0.5),
        p90: q(0.9),
        p99: q(0.99),
        max: delays.last().copied().unwrap_or(0),
    }
}

/// Runs a scenario.
pub fn simulate(s: &Scenario) -> Report {
    let mut backoff = Backoff::new(s.retry, s.seed);
    // Ready queues; with lanes, clinical and alerts apart.
    let mut alerts: VecDeque<Msg> =
        (0..s.alerts).map(|id| Msg { arrival: 0, attempts: 0, clinical: false, id }).collect();
    let mut clinical: VecDeque<Msg> = VecDeque::new();
    let arrivals: Vec<Msg> = (0..s.clinical)
        .map(|id| Msg {
            arrival: u64::from(s.clinical_window) * u64::from(id) / u64::from(s.clinical.max(1)),
            attempts: 0,
            clinical: true,
            id,
        })
        .collect();
    let mut next_arrival = 0usize;
    // Deferred: (ready time, message), earliest first.
    let mut deferred: BinaryHeap<std::cmp::Reverse<(u64, Msg)>> = BinaryHeap::new();
    let (mut delays, mut gave_up, mut deferrals) = ([Vec::new(), Vec::new()], [0u32; 2], [0u32; 2]);
    let total = s.alerts + s.clinical;
    let mut settled = 0u32;
    let mut t = 0u64;
    while settled < total {
        while next_arrival < arrivals.len() && arrivals[next_arrival].arrival <= t {
            let m = arrivals[next_arrival];
            if s.lanes {
                clinical.push_back(m)
            } else {
                alerts.push_back(m)
            }
            next_arrival += 1;
        }
        while let Some(std::cmp::Reverse((ready, m))) = deferred.peek().copied() {
            if ready > t {
                break;
            }
            deferred.pop();
            if m.clinical && s.lanes { clinical.push_back(m) } else { alerts.push_back(m) }
        }
        // What the sender offers this second.
        // Never more than what is queued, whatever the budget (u32::MAX included).
        let mut offered = Vec::with_capacity((s.budget as usize).min(alerts.len() + clinical.len()));
        if s.lanes {
            let reserved = ((f64::from(s.budget) * s.clinical_share).ceil() as u32).min(s.budget);
            while offered.len() < reserved as usize {
                match clinical.pop_front() {
                    Some(m) => offered.push(m),
                    None => break,
                }
            }
        }
        while offered.len() < s.budget as usize {
            match alerts.pop_front().or_else(|| if s.lanes { clinical.pop_front() } else { None }) {
                Some(m) => offered.push(m),
                None => break,
            }
        }
        // The destination accepts up to its capacity; the rest is deferred.
        for (k, mut m) in offered.into_iter().enumerate() {
            let lane = usize::from(m.clinical);
            if (k as u32) < s.capacity {
                delays[lane].push(t - m.arrival);
                settled += 1;
            } else {
                m.attempts += 1;
                deferrals[lane] += 1;
                match backoff.delay(m.attempts, t - m.arrival) {
                    Some(d) => deferred.push(std::cmp::Reverse((t + d, m))),
                    None => {
                        gave_up[lane] += 1;
                        settled += 1;
                    }
                }
            }
        }
        // Jump over idle time.
        let idle = alerts.is_empty() && clinical.is_empty();
        t = if idle {
            let a = arrivals.get(next_arrival).map(|m| m.arrival);
            let d = deferred.peek().map(|r| r.0.0);
            match (a, d) {
                (Some(a), Some(d)) => a.min(d).max(t + 1),
                (Some(x), None) | (None, Some(x)) => x.max(t + 1),
                (None, None) => t + 1,
            }
        } else {
            t + 1
        };
    }
    let [a, c] = delays;
    Report { alerts: stats(a, gave_up[0], deferrals[0]), clinical: stats(c, gave_up[1], deferrals[1]), duration: t }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_settled_and_lanes_protect_clinical_mail() {
        let s = Scenario::default();
        let lanes = simulate(&s);
        let fifo = simulate(&Scenario { lanes: false, ..s.clone() });
        for r in [&lanes, &fifo] {
            assert_eq!(r.alerts.delivered + r.alerts.given_up, s.alerts);
            assert_eq!(r.clinical.delivered + r.clinical.given_up, s.clinical);
        }
        // 50,000 alerts at 20/s take 2,500 s: behind them in FIFO, clinical mail waits up to that long.
        assert!(fifo.clinical.max >= 2_000, "{fifo:?}");
        assert!(lanes.clinical.max <= 1, "{lanes:?}");
        // An unthrottled sender (offering 200/s to a destination taking 20/s) meets
        // deferrals and waits for retries: the failure mode of December 2020.
        let flood = simulate(&Scenario { budget: 200, lanes: false, ..s.clone() });
        assert!(flood.alerts.deferrals > 0, "{flood:?}");
        assert!(flood.clinical.p99 > fifo.clinical.p99 && flood.alerts.p50 > fifo.alerts.p50, "{flood:?} {fifo:?}");
        // Deterministic.
        assert_eq!(simulate(&s), lanes);
    }
}
