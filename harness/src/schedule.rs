//! The run's timeline: when requests, fault events and the end happen (seconds from launch).

use crate::config::{Config, EventKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Request,
    Event(EventKind),
    End,
}

#[derive(Debug, Clone)]
pub struct Schedule {
    items: Vec<(f64, Action)>,
    next: usize,
}

impl Schedule {
    /// Requests are spread evenly over the lifetime after the start wait; event times count from
    /// the start of client traffic; the end comes `end_wait` after the lifetime.
    pub fn new(config: &Config) -> Schedule {
        let start = config.start_wait;
        let mut items: Vec<(f64, Action)> = config
            .events
            .iter()
            .map(|e| (start + e.time, Action::Event(e.kind)))
            .collect();
        let spacing = config.lifetime / config.requests.max(1) as f64;
        items.extend((0..config.requests).map(|i| (start + i as f64 * spacing, Action::Request)));
        items.push((config.duration(), Action::End));
        // Stable: at equal times events come before requests, and the end comes last.
        items.sort_by(|a, b| a.0.total_cmp(&b.0));
        Schedule { items, next: 0 }
    }

    pub fn next_time(&self) -> Option<f64> {
        self.items.get(self.next).map(|&(t, _)| t)
    }

    /// The next action if it is due at `now`.
    pub fn pop_due(&mut self, now: f64) -> Option<Action> {
        let &(t, action) = self.items.get(self.next)?;
        (t <= now).then(|| {
            self.next += 1;
            action
        })
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
            seen.push((t, s.pop_due(t).unwrap()));
        }
        assert_eq!(
            seen,
            vec![
                (1.0, Action::Request),
                (2.0, Action::Request),
                (3.0, Action::Event(EventKind::KillLeader)),
                (3.0, Action::Request),
                (4.0, Action::Request),
                (5.5, Action::End),
            ]
        );
        assert_eq!(s.pop_due(100.0), None);
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
        assert_eq!(s.pop_due(5.0), Some(Action::Request));
    }
}
