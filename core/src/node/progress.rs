//! What a leader knows about one follower's log, and what it has in flight to it.

use crate::types::{Index, Time};
use std::collections::VecDeque;

/// Unanswered retransmissions in a row after which a follower is suspected to be down or
/// cut off, if it has also been silent for [`suspect_silence`]. A chain of three messages
/// breaks with probability 1 - (1 - p)^3 at loss p: five times running once in 120 at
/// p = 0.15, but once in 8 at p = 0.3, where a live follower taken for a suspect is replaced
/// by the others in the chains until it answers one of its probes (the first a heartbeat
/// interval later; each round trip makes it one time in two).
const SUSPECT_AFTER: u32 = 5;

/// How long the retransmissions of a run must have gone unanswered before a follower is
/// suspected: a quarter of the heartbeat interval. Five retransmissions at a retransmit
/// timeout of a few milliseconds, doubling, take only some 60 ms; with two of five nodes
/// dead, one live follower whose answers to them were all lost under 15 % loss was then
/// probed a second apart, and every commit waited for it.
pub fn suspect_silence(heartbeat_interval: u64) -> u64 {
    heartbeat_interval / 4
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressState {
    /// The follower's log position is unknown: send one AppendEntries at a time and wait for
    /// the answer (or a retransmit timeout) before the next.
    Probe,
    /// The follower is known to match: pipeline AppendEntries without waiting for acks.
    Replicate,
}

#[derive(Clone, Debug)]
pub struct Progress {
    /// The next log index to send (§5.3, Figure 2 nextIndex).
    pub next_index: Index,
    /// The highest index known to be replicated on the follower (Figure 2 matchIndex).
    pub match_index: Index,
    pub state: ProgressState,
    /// Replicate: for each AppendEntries in flight with entries, its last index and send time.
    pub inflight: VecDeque<(Index, Time)>,
    /// Probe: when the outstanding probe was sent.
    pub probe_sent_at: Option<Time>,
    /// When we last sent this follower anything.
    pub last_sent_at: Option<Time>,
    /// When we last heard an answer from it (check-quorum).
    pub last_heard_at: Option<Time>,
    /// The latest of our sends it has acknowledged (leases and read confirmation).
    pub acked_sent_at: Option<Time>,
    /// How long it may go without a message; doubles while it does not answer.
    pub probe_interval: u64,
    /// Retransmissions since it last answered; each one doubles the next timeout.
    pub retransmits: u32,
    /// The follower's commit index as it last reported it: it has applied (and answered for)
    /// the entries up to here.
    pub applied: Index,
    /// When the current run of unanswered retransmissions began.
    unanswered_since: Option<Time>,
    /// The count of retransmissions at which the follower was suspected, if it is.
    suspected_from: Option<u32>,
}

impl Progress {
    pub fn new(next_index: Index, heartbeat_interval: u64) -> Progress {
        Progress {
            next_index,
            match_index: 0,
            state: ProgressState::Probe,
            inflight: VecDeque::new(),
            probe_sent_at: None,
            last_sent_at: None,
            last_heard_at: None,
            acked_sent_at: None,
            probe_interval: heartbeat_interval,
            retransmits: 0,
            applied: 0,
            unanswered_since: None,
            suspected_from: None,
        }
    }

    /// Whether the log holds entries this follower has not been sent.
    pub fn has_unsent(&self, last_index: Index) -> bool {
        self.next_index <= last_index
    }

    /// Whether another AppendEntries with entries may go out now.
    pub fn can_send_entries(&self, max_inflight: usize) -> bool {
        match self.state {
            ProgressState::Probe => self.probe_sent_at.is_none(),
            ProgressState::Replicate => self.inflight.len() < max_inflight,
        }
    }

    /// When the oldest unacknowledged send times out. The timeout doubles with every
    /// retransmission the follower leaves unanswered, up to `cap`, so that a dead or cut-off
    /// follower costs a few messages, not a stream. After [`SUSPECT_AFTER`] of them in a row
    /// it is taken for down or cut off, not unlucky: from then on the back-off starts from
    /// the heartbeat interval (a live follower's log can wait that long), not from the
    /// retransmit timeout, whose doublings would take a dozen messages to get there.
    pub fn retransmit_at(&self, timeout: u64, heartbeat: u64, cap: u64) -> Option<Time> {
        let doubled = |base: u64, times: u32| base.saturating_mul(1 << times.min(20));
        let mut backoff = doubled(timeout, self.retransmits);
        if let Some(from) = self.suspected_from {
            backoff = backoff.max(doubled(heartbeat, self.retransmits.saturating_sub(from)));
        }
        let timeout = backoff.min(cap.max(timeout));
        match self.state {
            ProgressState::Probe => self.probe_sent_at.map(|t| t + timeout),
            ProgressState::Replicate => self.inflight.front().map(|&(_, t)| t + timeout),
        }
    }

    /// An acknowledgement is overdue: forget what is in flight and send again from the first
    /// unacknowledged entry. With `keep_replicating`, the first time a follower that was
    /// answering misses one, it stays in the Replicate state (one loss says little about a
    /// follower whose log position is known); otherwise it is probed, one message at a time.
    /// `silence`: see [`suspect_silence`].
    pub fn retransmit(&mut self, now: Time, keep_replicating: bool, silence: u64) {
        if keep_replicating && self.retransmits == 0 && self.state == ProgressState::Replicate {
            self.inflight.clear();
            self.next_index = self.match_index + 1;
        } else {
            self.probe_from(self.match_index + 1);
        }
        let since = *self.unanswered_since.get_or_insert(now);
        self.retransmits = self.retransmits.saturating_add(1);
        if self.suspected_from.is_none() && self.retransmits >= SUSPECT_AFTER && now >= since.saturating_add(silence) {
            self.suspected_from = Some(self.retransmits);
        }
    }

    /// Whether the follower is taken for down or cut off (see [`SUSPECT_AFTER`]).
    pub fn suspected(&self) -> bool {
        self.suspected_from.is_some()
    }

    /// Treats the follower as down or cut off until it answers (see [`SUSPECT_AFTER`]).
    pub fn suspect(&mut self) {
        self.retransmits = self.retransmits.max(SUSPECT_AFTER);
        self.suspected_from = Some(self.retransmits);
    }

    /// Forget what is in flight and probe from `next_index`, one message at a time.
    pub fn probe_from(&mut self, next_index: Index) {
        self.inflight.clear();
        self.probe_sent_at = None;
        self.next_index = next_index;
        self.state = ProgressState::Probe;
    }

    /// When the follower was last heard from, counting from `since` (the start of the
    /// leader's term) at the earliest: silence is measured from then.
    pub fn heard_since(&self, since: Time) -> Time {
        self.last_heard_at.unwrap_or(since).max(since)
    }

    /// The follower answered: it is alive, so timeouts and heartbeats return to normal.
    pub fn heard(&mut self, now: Time, sent_at: Time, heartbeat_interval: u64) {
        self.last_heard_at = Some(now);
        self.acked_sent_at = self.acked_sent_at.max(Some(sent_at));
        self.probe_interval = heartbeat_interval;
        self.retransmits = 0;
        self.unanswered_since = None;
        self.suspected_from = None;
    }

    /// When the next heartbeat is due.
    pub fn heartbeat_at(&self) -> Time {
        self.last_sent_at.map_or(0, |t| t + self.probe_interval)
    }

    /// Records a successful append up to `index`; returns whether `match_index` moved.
    pub fn acknowledge(&mut self, index: Index) -> bool {
        if self.state == ProgressState::Probe {
            self.state = ProgressState::Replicate;
            self.probe_sent_at = None;
        }
        while self.inflight.front().is_some_and(|&(last, _)| last <= index) {
            self.inflight.pop_front();
        }
        if index > self.match_index {
            self.match_index = index;
            self.next_index = self.next_index.max(index + 1);
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Silence counts from the start of the term for a follower not heard from since.
    #[test]
    fn heard_since_counts_from_the_term_start_at_the_earliest() {
        let mut p = Progress::new(1, 1_000);
        assert_eq!(p.heard_since(500), 500, "never heard");
        p.heard(300, 0, 1_000);
        assert_eq!(p.heard_since(500), 500, "heard before the term began");
        p.heard(700, 0, 1_000);
        assert_eq!(p.heard_since(500), 700);
    }

    /// The retransmit timeouts of a follower that never answers: doubling from the
    /// retransmit timeout, then from the heartbeat interval once it is suspected, up to the cap.
    #[test]
    fn back_off_starts_over_from_the_heartbeat_interval_for_a_suspect() {
        let mut p = Progress::new(1, 1_000);
        p.probe_sent_at = Some(0);
        let mut timeouts = Vec::new();
        for _ in 0..9 {
            let at = p.retransmit_at(10, 1_000, 5_000).unwrap();
            timeouts.push(at - p.probe_sent_at.unwrap());
            p.retransmit(at, false, 0);
            p.probe_sent_at = Some(at);
        }
        assert_eq!(timeouts, [10, 20, 40, 80, 160, 1_000, 2_000, 4_000, 5_000]);
    }

    /// Five unanswered retransmissions in quick succession are not enough: the follower must
    /// also have been silent for a while.
    #[test]
    fn a_suspect_has_been_silent_for_a_while() {
        let mut p = Progress::new(1, 1_000);
        let mut now = 0;
        for _ in 0..5 {
            now += 10;
            p.retransmit(now, false, 300);
        }
        assert!(!p.suspected(), "five retransmissions within 40 us");
        p.retransmit(now + 300, false, 300);
        assert!(p.suspected(), "a sixth once 300 us have passed since the first");
    }

    #[test]
    fn a_suspect_that_answers_is_trusted_again() {
        let mut p = Progress::new(1, 1_000);
        p.probe_sent_at = Some(0);
        p.suspect();
        assert_eq!(p.retransmit_at(10, 1_000, 5_000), Some(1_000));
        p.heard(5, 0, 1_000);
        assert_eq!(p.retransmit_at(10, 1_000, 5_000), Some(10));
    }
}
