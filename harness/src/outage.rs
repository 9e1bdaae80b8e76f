//! How long the cluster went without a leader, as the simulator sees it: from the moment the
//! leader it believes in (the `leader` field of the last message from the majority side) is
//! unknown, dead or cut off in a minority, until a message names a live leader again. Time
//! before the start wait does not count: the first election is not an outage.

#[derive(Debug, Clone, Default)]
pub struct Outage {
    /// When the current span without a leader began, if there is one.
    since: Option<f64>,
    longest: f64,
}

impl Outage {
    /// Records whether there is a live leader at `now`; `from` is when client traffic starts.
    pub fn note(&mut self, now: f64, from: f64, leader: bool) {
        match (self.since, leader) {
            (None, false) => self.since = Some(now.max(from)),
            (Some(since), true) => {
                self.longest = self.longest.max(now - since);
                self.since = None;
            }
            _ => {}
        }
    }

    /// The longest span without a leader, a span still open at `now` included.
    pub fn longest(&self, now: f64) -> f64 {
        self.since
            .map_or(self.longest, |since| self.longest.max(now - since))
            .max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_span_without_a_leader_is_kept() {
        let mut o = Outage::default();
        o.note(0.5, 5.0, false);
        o.note(5.2, 5.0, true);
        o.note(10.0, 5.0, false);
        o.note(10.1, 5.0, false);
        o.note(10.4, 5.0, true);
        o.note(20.0, 5.0, true);
        assert!((o.longest(30.0) - 0.4).abs() < 1e-9);
        o.note(29.0, 5.0, false);
        assert!((o.longest(30.5) - 1.5).abs() < 1e-9);
    }

    #[test]
    fn a_cluster_that_never_lost_its_leader_has_none() {
        let mut o = Outage::default();
        o.note(1.0, 5.0, true);
        assert_eq!(o.longest(37.0), 0.0);
    }
}
