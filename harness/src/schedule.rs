//! The run's timeline: when requests, fault events and the end happen (seconds from launch).

use crate::config::{Config, EventKind};
use std::collections::VecDeque;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Request,
    Event(EventKind),
    End,
}

#[derive(Debug, Clone)]
pub struct Schedule {
    /// When each client request is due, earliest first.
    requests: VecDeque<f64>,
    /// Fault events and the end, earliest first.
    events: VecDeque<(f64, Action)>,
}

impl Schedule {
    /// Requests are spread evenly over the lifetime after the start wait, their times found by
    /// adding the gap again and again as the graded simulator does; event times count from the
    /// start of client traffic; the end comes `end_wait` after the lifetime.
    pub fn new(config: &Config) -> Schedule {
        let start = config.start_wait;
        let spacing = config.lifetime / config.requests.max(1) as f64;
        let requests = std::iter::successors(Some(start), |t| Some(t + spacing))
            .take(config.requests)
            .collect();
        let mut events: Vec<(f64, Action)> = config
            .events
            .iter()
            .map(|e| (start + e.time, Action::Event(e.kind)))
            .collect();
        events.push((config.duration(), Action::End));
        // Stable: events at one time keep the config's order, and the end comes last.
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        Schedule { requests, events: events.into() }
    }

    pub fn next_time(&self) -> Option<f64> {
        let event = self.events.front().map(|&(t, _)| t);
        match (self.requests.front().copied(), event) {
            (Some(r), Some(e)) => Some(r.min(e)),
            (r, e) => r.or(e),
        }
    }

    /// The next action due at `now`, with the time it was due. Within one pass every request
    /// due fires before any event due, as in the graded simulator: a request due as its leader
    /// is killed reaches that leader just before it dies.
    pub fn pop_due(&mut self, now: f64) -> Option<(f64, Action)> {
        if self.requests.front().is_some_and(|&t| t <= now) {
            return self.requests.pop_front().map(|t| (t, Action::Request));
        }
        if self.events.front().is_some_and(|&(t, _)| t <= now) {
            return self.events.pop_front();
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_spread_evenly_and_events_are_offset_by_start_wait() {
        let config = Config::parse(
            "t",
            r#"{"lifetime": 4, "replicas": 3, "requests": 4, "start_wait": 1, "end_wait": 0.5,
            "events": [{"type": "kill_leader", "time": 2}],
            "tests": {"benchmarks": {"total_msgs": [1,2,3], "failures": [1,2,3],
            "duplicates": [1,2,3], "median_latency": [1,2,3]}}}"#,
        )
        .unwrap();
        let mut s = Schedule::new(&config);
        let mut seen = Vec::new();
        while let Some(t) = s.next_time() {
            seen.push(s.pop_due(t).unwrap());
        }
        assert_eq!(
            seen,
            vec![
                (1.0, Action::Request),
                (2.0, Action::Request),
                (3.0, Action::Request),
                (3.0, Action::Event(EventKind::KillLeader)),
                (4.0, Action::Request),
                (5.5, Action::End),
            ]
        );
        assert_eq!(s.pop_due(100.0), None);
    }

    #[test]
    fn in_one_pass_every_request_due_fires_before_an_event_due() {
        let config = Config::parse(
            "t",
            r#"{"lifetime": 2, "replicas": 3, "requests": 20, "start_wait": 0,
            "events": [{"type": "kill_leader", "time": 0.95}, {"type": "part_end", "time": 0.95}],
            "tests": {"benchmarks": {"total_msgs": [1,2,3], "failures": [1,2,3],
            "duplicates": [1,2,3], "median_latency": [1,2,3]}}}"#,
        )
        .unwrap();
        let mut s = Schedule::new(&config);
        let mut order = Vec::new();
        while let Some((_, action)) = s.pop_due(1.05) {
            order.push(action);
        }
        // Requests 0..=10 (due up to about 1.0) first, then both events in the config's order.
        assert_eq!(order.len(), 13);
        assert!(order[..11].iter().all(|&a| a == Action::Request));
        assert_eq!(
            order[11..],
            [Action::Event(EventKind::KillLeader), Action::Event(EventKind::PartEnd)]
        );
    }

    #[test]
    fn nothing_is_due_early() {
        let config = Config::parse(
            "t",
            r#"{"lifetime": 4, "replicas": 3, "requests": 1,
            "tests": {"benchmarks": {"total_msgs": [1,2,3], "failures": [1,2,3],
            "duplicates": [1,2,3], "median_latency": [1,2,3]}}}"#,
        )
        .unwrap();
        let mut s = Schedule::new(&config);
        assert_eq!(s.pop_due(4.9), None);
        assert_eq!(s.pop_due(5.0), Some((5.0, Action::Request)));
    }
}
