//! What a leader knows about one follower's log, and what it has in flight to it (§5.3,
//! Figure 2: nextIndex and matchIndex, plus the bookkeeping of batching and pipelining).

use crate::types::{Index, Time};
use std::collections::VecDeque;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressState {
    /// The follower's log position is unknown: one AppendEntries at a time, and the next
    /// only after its answer or a retransmit timeout (§5.3: find where the logs agree).
    Probe,
    /// The follower is known to match: AppendEntries are pipelined without waiting for acks.
    Replicate,
}

#[derive(Clone, Debug)]
pub struct Progress {
    /// The next log index to send (Figure 2 nextIndex).
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
    pub misses: u32,
    /// The last index of the snapshot on its way to it (§7), until an answer reaches it.
    pub snapshot_sent: Option<Index>,
    /// The last key of the chunks of that snapshot it holds (none: it holds none).
    pub snapshot_received: Option<String>,
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
            misses: 0,
            snapshot_sent: None,
            snapshot_received: None,
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
    /// follower costs a few messages, not a stream.
    pub fn retransmit_at(&self, timeout: u64, cap: u64) -> Option<Time> {
        let backoff = timeout.saturating_mul(1 << self.misses.min(20)).min(cap.max(timeout));
        match self.state {
            ProgressState::Probe => self.probe_sent_at.map(|t| t.saturating_add(backoff)),
            ProgressState::Replicate => self.inflight.front().map(|&(_, t)| t.saturating_add(backoff)),
        }
    }

    /// An acknowledgement is overdue: forget what is in flight and probe again from the first
    /// entry the follower has not acknowledged.
    pub fn retransmit(&mut self) {
        self.probe_from(self.match_index + 1);
        self.misses = self.misses.saturating_add(1);
    }

    /// Forget what is in flight and probe from `next_index`, one message at a time.
    pub fn probe_from(&mut self, next_index: Index) {
        self.inflight.clear();
        self.probe_sent_at = None;
        self.next_index = next_index;
        self.state = ProgressState::Probe;
    }

    /// Records an AppendEntries sent at `now` whose entries end at `last` (None: no entries).
    pub fn sent(&mut self, now: Time, last: Option<Index>) {
        self.last_sent_at = Some(now);
        let Some(last) = last else { return };
        match self.state {
            ProgressState::Probe => self.probe_sent_at = Some(now),
            ProgressState::Replicate => {
                self.inflight.push_back((last, now));
                self.next_index = last + 1;
            }
        }
    }

    /// When the follower was last heard from, counting from `since` (the start of the
    /// leader's term) at the earliest: silence is measured from then.
    pub fn heard_since(&self, since: Time) -> Time {
        self.last_heard_at.unwrap_or(since).max(since)
    }

    /// The follower answered a message we sent at `sent_at`: it is alive, so timeouts and
    /// heartbeats return to normal.
    pub fn heard(&mut self, now: Time, sent_at: Time, heartbeat_interval: u64) {
        self.last_heard_at = Some(now);
        self.acked_sent_at = self.acked_sent_at.max(Some(sent_at));
        self.probe_interval = heartbeat_interval;
        self.misses = 0;
    }

    /// When the next heartbeat is due.
    pub fn heartbeat_at(&self) -> Time {
        self.last_sent_at.map_or(0, |t| t.saturating_add(self.probe_interval))
    }

    /// Records a snapshot ending at `last_index` sent at `now`: a probe, answered when the
    /// follower has installed it.
    pub fn sent_snapshot(&mut self, now: Time, last_index: Index) {
        self.probe_from(self.next_index);
        self.sent(now, Some(last_index));
        if self.snapshot_sent != Some(last_index) {
            self.snapshot_received = None;
        }
        self.snapshot_sent = Some(last_index);
    }

    /// The follower holds the chunks of the snapshot ending at `last_index` up to key
    /// `received`: if that is the snapshot on its way, the next chunk may go at once.
    pub fn snapshot_chunk_received(&mut self, last_index: Index, received: Option<String>) {
        if self.snapshot_sent == Some(last_index) && self.state == ProgressState::Probe {
            self.snapshot_received = received;
            self.probe_sent_at = None;
        }
    }

    /// Records a successful append up to `index`; returns whether `match_index` moved. While
    /// a snapshot is on its way, an answer short of it (to an AppendEntries sent before) moves
    /// the match index but not the probe: the next message is still the snapshot's answer.
    pub fn acknowledge(&mut self, index: Index) -> bool {
        match self.snapshot_sent {
            Some(s) if index < s => {
                let moved = index > self.match_index;
                self.match_index = self.match_index.max(index);
                return moved;
            }
            Some(_) => {
                self.snapshot_sent = None;
                self.snapshot_received = None;
            }
            None => {}
        }
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

    /// The retransmit timeouts of a follower that never answers double up to the cap.
    #[test]
    fn retransmissions_back_off_up_to_the_cap() {
        let mut p = Progress::new(1, 1_000);
        let mut at = 0;
        let mut timeouts = Vec::new();
        for _ in 0..6 {
            p.sent(at, Some(1));
            let due = p.retransmit_at(10, 200).unwrap();
            timeouts.push(due - at);
            p.retransmit();
            at = due;
        }
        assert_eq!(timeouts, [10, 20, 40, 80, 160, 200]);
    }

    #[test]
    fn an_answer_resets_the_back_off_and_starts_pipelining() {
        let mut p = Progress::new(1, 1_000);
        p.sent(0, Some(3));
        p.retransmit();
        p.sent(10, Some(3));
        p.heard(15, 10, 1_000);
        assert!(p.acknowledge(3));
        assert_eq!((p.state, p.misses, p.next_index), (ProgressState::Replicate, 0, 4));
        p.sent(20, Some(5));
        p.sent(21, Some(6));
        assert_eq!(p.inflight.len(), 2, "pipelined");
        assert!(p.acknowledge(6));
        assert!(p.inflight.is_empty());
    }
}
