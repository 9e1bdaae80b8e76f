//! The leader: log replication (§5.3), the commit rule (§5.4.2) and check-quorum (thesis
//! §6.2). Entries go out batched under a byte budget and pipelined up to a window; a
//! follower that stops answering is probed one message at a time, at doubling intervals.
//!
//! What each follower is due, and when, is decided in one place, [`Node::follower_due`]:
//! [`Node::flush`] sends what it says is due now, and [`Node::leader_deadline`] reports the
//! earliest time it names.

use super::progress::ProgressState;
use super::quorum::voters_quorum;
use super::reads::PendingRead;
use super::membership::Leaving;
use super::{Node, Progress, Role};
use crate::event::{Event, StepDownReason};
use crate::log::Entry;
use crate::membership::Membership;
use crate::message::{AppendResult, Body};
use crate::policy::{Follower, Selection};
use crate::types::{Index, NodeId, Time};
use std::collections::{BTreeMap, VecDeque};

/// A leader's volatile state (Figure 2: volatile state on leaders, plus the reads it owes).
#[derive(Debug)]
pub(super) struct Leadership {
    pub progress: BTreeMap<NodeId, Progress>,
    /// When this leadership began: silence is counted from here at the earliest.
    pub since: Time,
    /// The first index of this term; reads wait until it is committed, because only then
    /// does the leader know every entry committed before it (§8).
    pub term_start: Index,
    /// Reads waiting for leadership to be confirmed or for entries to be applied.
    pub pending_reads: Vec<PendingRead>,
    /// Servers removed from the configuration that are still sent the log until they know
    /// their removal is committed (see `membership.rs`).
    pub leaving: BTreeMap<NodeId, Leaving>,
    /// When this leader appended each entry that is not committed yet.
    uncommitted: VecDeque<(Index, Time)>,
    /// Smoothed round trip of AppendEntries to followers, from the send times they echo.
    srtt_us: Option<u64>,
}

impl Leadership {
    pub fn new(peers: &[NodeId], next_index: Index, now: Time, heartbeat_interval: u64) -> Leadership {
        Leadership {
            progress: peers.iter().map(|&p| (p, Progress::new(next_index, heartbeat_interval))).collect(),
            since: now,
            term_start: next_index,
            pending_reads: Vec::new(),
            leaving: BTreeMap::new(),
            uncommitted: VecDeque::new(),
            srtt_us: None,
        }
    }

    /// When the oldest entry this leader appended and has not committed yet was appended.
    pub(super) fn stalled_since(&self) -> Option<Time> {
        self.uncommitted.front().map(|&(_, t)| t)
    }

    /// The latest time by which a majority of the voters (the leader included, while it is
    /// one) had answered us.
    fn quorum_contact(&self, membership: &Membership, me: NodeId) -> Time {
        voters_quorum(membership, me, Time::MAX, &self.progress, |p| p.heard_since(self.since), self.since)
    }
}

/// Why a follower is sent an AppendEntries. When two reasons fall due at once the first
/// listed wins: a retransmission must reset the follower's progress before it sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reason {
    /// Its oldest unacknowledged AppendEntries timed out.
    Retransmit,
    /// It has entries to receive, and the fanout sends them now.
    Entries,
    /// It has had nothing from us for a heartbeat interval (§5.2).
    Heartbeat,
    /// A read waits for a quorum to confirm this leadership (thesis §6.4).
    ConfirmRead,
}

impl Node {
    /// Appends an entry of the leader's own term; `flush` sends it when it is due.
    pub(super) fn append_as_leader(&mut self, now: Time, entry: Entry) -> Index {
        let term = entry.term;
        let index = self.log_append(entry);
        self.trace(Event::EntriesAppended { first: index, last: index, term });
        if let Role::Leader(l) = &mut self.role {
            l.uncommitted.push_back((index, now));
        }
        index
    }

    pub(super) fn leader_tick(&mut self, now: Time) {
        if self.lost_quorum(now) {
            self.trace(Event::SteppedDown { term: self.term, reason: StepDownReason::LostQuorum });
            self.become_follower(now, self.term, None);
            // Cut off from a majority: the clients waiting here had better try another node.
            self.cut_off = true;
            self.redirect_held_requests();
            return;
        }
        self.maybe_commit(now);
        self.forget_silent_leavers(now);
        self.flush(now);
        self.serve_reads(now);
    }

    /// What `follower` is due next, and when: the earliest of a retransmission, its
    /// entries, a heartbeat and a read's confirmation. A time at or before now means now.
    /// `timeout`: the leader's current retransmit timeout.
    fn follower_due(&self, p: &Progress, follower: NodeId, timeout: u64, selection: &Selection, read_round: Option<Time>) -> (Time, Reason) {
        let mut due = (p.heartbeat_at(), Reason::Heartbeat);
        if let Some(t) = p.retransmit_at(timeout, self.config.max_probe_interval_us) {
            due = due.min((t, Reason::Retransmit));
        }
        if p.has_unsent(self.log.last_index()) && p.can_send_entries(self.config.max_inflight) {
            due = due.min((selection.entries_at(follower), Reason::Entries));
        }
        if let Some(t) = read_round.filter(|&t| p.last_sent_at.is_none_or(|s| s < t)) {
            due = due.min((t, Reason::ConfirmRead));
        }
        due
    }

    /// The followers that get new entries now (the one decision `Config::fanout` makes).
    fn selection(&self, l: &Leadership, timeout: u64) -> Selection {
        let stalled_since = l.stalled_since();
        let last = self.log.last_index();
        let followers = l.progress.iter().map(|(&id, p)| Follower {
            id,
            voter: self.membership.is_voter(id),
            has_everything: !p.has_unsent(last),
            missed: p.misses > 0,
            last_heard_at: p.last_heard_at,
            last_sent_at: p.last_sent_at,
            behind: last.saturating_sub(p.match_index),
        });
        let needed = self.membership.majority().saturating_sub(usize::from(self.membership.is_voter(self.id)));
        self.config.fanout.select(followers, needed, stalled_since, timeout)
    }

    /// Sends each follower what [`Node::follower_due`] says is due now.
    pub(super) fn flush(&mut self, now: Time) {
        let Role::Leader(l) = &self.role else { return };
        let timeout = retransmit_timeout(l.srtt_us, self.config.retransmit_timeout_us);
        let selection = self.selection(l, timeout);
        let read_round = self.read_round(l);
        let due: Vec<(NodeId, Reason)> = l
            .progress
            .iter()
            .map(|(&id, p)| (id, self.follower_due(p, id, timeout, &selection, read_round)))
            .filter(|(_, (at, _))| *at <= now)
            .map(|(id, (_, reason))| (id, reason))
            .collect();
        for (id, reason) in due {
            if reason == Reason::Retransmit {
                if let Role::Leader(l) = &mut self.role {
                    l.progress.get_mut(&id).expect("progress for every peer").retransmit();
                }
            }
            self.send_append(id, now);
        }
    }

    /// The earliest time something is due: a follower's next message, or the check-quorum
    /// limit.
    pub(super) fn leader_deadline(&self, l: &Leadership) -> Time {
        let mut deadline = Time::MAX;
        if self.config.check_quorum {
            deadline = l.quorum_contact(&self.membership, self.id).saturating_add(self.config.election_timeout_max_us);
        }
        let timeout = retransmit_timeout(l.srtt_us, self.config.retransmit_timeout_us);
        let selection = self.selection(l, timeout);
        let read_round = self.read_round(l);
        for (&id, p) in &l.progress {
            deadline = deadline.min(self.follower_due(p, id, timeout, &selection, read_round).0);
        }
        deadline
    }

    /// One AppendEntries to `to`: the entries it has not been sent if its window allows
    /// (up to `Config::max_append_bytes`), else none (a heartbeat).
    fn send_append(&mut self, to: NodeId, now: Time) {
        let last = self.log.last_index();
        let (start, start_term) = self.log.start();
        let config = &self.config;
        let Role::Leader(l) = &mut self.role else { return };
        let since = l.since;
        let p = l.progress.get_mut(&to).expect("progress for every peer");
        // §7: the entry it needs next is compacted away, so it needs the snapshot (unless
        // one is on its way: then this is a heartbeat).
        if p.next_index <= start && (p.state == ProgressState::Replicate || p.can_send_entries(config.max_inflight)) {
            self.send_snapshot(to, now);
            return;
        }
        let entries = if p.has_unsent(last) && p.can_send_entries(config.max_inflight) {
            self.log.slice_from(p.next_index, config.max_append_bytes)
        } else {
            Vec::new()
        };
        // A follower that has not answered since our last message, nor for a whole election
        // timeout, is probed less often; one lost message is not enough, or a live
        // follower's election timer could fire.
        let unanswered = p.last_sent_at.is_some_and(|sent| p.last_heard_at.is_none_or(|h| h < sent));
        let silent_for = now.saturating_sub(p.heard_since(since));
        if unanswered && silent_for >= config.election_timeout_min_us && now >= p.heartbeat_at() {
            p.probe_interval = p.probe_interval.saturating_mul(2).min(config.max_probe_interval_us);
        }
        // While a snapshot is on its way the entry before next_index may be compacted: a
        // heartbeat then names the log's start, which every follower's log matches or lacks.
        let (prev_log_index, prev_log_term) = match p.next_index - 1 {
            prev if prev < start => (start, start_term),
            prev => (prev, self.log.term_at(prev).expect("next_index is at most last_index + 1")),
        };
        p.sent(now, (!entries.is_empty()).then(|| prev_log_index + entries.len() as Index));
        let leader_commit = self.commit_index;
        self.send(to, Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, sent_at: now });
    }

    /// An answer to an AppendEntries we sent at `sent_at`.
    pub(super) fn handle_append_reply(&mut self, now: Time, from: NodeId, result: AppendResult, sent_at: Time) {
        let last = self.log.last_index();
        let heartbeat = self.config.heartbeat_interval_us;
        let Role::Leader(l) = &mut self.role else { return };
        let Some(p) = l.progress.get_mut(&from) else { return };
        // `sent_at` echoes our own clock; a later one is forged and must not stretch a lease.
        p.heard(now, sent_at.min(now), heartbeat);
        match result {
            AppendResult::Success { match_index } => {
                if l.leaving.get(&from).is_some_and(|leaving| leaving.knows(match_index, sent_at)) {
                    l.leaving.remove(&from);
                    l.progress.remove(&from);
                    return;
                }
                let inflight = p.inflight.len();
                p.acknowledge(match_index.min(last));
                if p.inflight.len() < inflight {
                    let sample = now.saturating_sub(sent_at);
                    l.srtt_us = Some(l.srtt_us.map_or(sample, |s| (s * 7 + sample) / 8));
                }
            }
            AppendResult::Reject { rejected_index, conflict_index, conflict_term } => {
                // Only a rejection of the outstanding probe, or of entries beyond what the
                // follower acknowledged, says something new.
                let fresh = match p.state {
                    ProgressState::Replicate => rejected_index > p.match_index,
                    ProgressState::Probe => rejected_index.checked_add(1) == Some(p.next_index),
                };
                if fresh {
                    // §5.3 fast back-off: skip the follower's whole conflicting term at once.
                    let hint = match conflict_term.and_then(|t| self.log.last_index_of_term(t)) {
                        Some(i) => i + 1,
                        None => conflict_index,
                    };
                    let floor = p.match_index + 1;
                    p.probe_from(hint.clamp(floor, rejected_index.max(floor)).min(last + 1));
                }
            }
        }
        self.maybe_commit(now);
        self.maybe_promote(now);
        self.serve_reads(now);
        self.flush(now);
    }

    /// §5.3, §5.4.2: an entry is committed once a majority of the voters stores it (§6: of
    /// the configuration in use), but a leader only counts replicas for entries of its own
    /// term; earlier ones commit with them.
    fn maybe_commit(&mut self, now: Time) {
        let Role::Leader(l) = &mut self.role else { return };
        let last = self.log.last_index();
        let candidate = voters_quorum(&self.membership, self.id, last, &l.progress, |p| p.match_index, 0);
        if candidate > self.commit_index && self.log.term_at(candidate) == Some(self.term) {
            while l.uncommitted.front().is_some_and(|&(i, _)| i <= candidate) {
                l.uncommitted.pop_front();
            }
            self.set_commit_index(candidate, now);
            if !self.commit_stalled(now) {
                self.release_held_requests(now);
            }
            self.note_removals_committed(now);
            self.step_down_if_removed(now);
        }
    }

    /// Whether this leader holds new puts rather than append them: its oldest uncommitted
    /// entry has waited `Config::hold_puts_after_stall_us` (see there why).
    pub(super) fn commit_stalled(&self, now: Time) -> bool {
        let Role::Leader(l) = &self.role else { return false };
        let after = self.config.hold_puts_after_stall_us;
        after > 0 && l.stalled_since().is_some_and(|since| now.saturating_sub(since) >= after)
    }

    /// Check-quorum: true if no majority has answered within the maximum election timeout.
    fn lost_quorum(&self, now: Time) -> bool {
        let Role::Leader(l) = &self.role else { return false };
        self.config.check_quorum && now >= l.quorum_contact(&self.membership, self.id).saturating_add(self.config.election_timeout_max_us)
    }
}

/// How long an AppendEntries may go unanswered before it is resent: twice the smoothed round
/// trip, within [a quarter of, all of] `max`, so that a fast network recovers a lost message
/// quickly and a slow one does not resend what is still on its way.
fn retransmit_timeout(srtt_us: Option<u64>, max: u64) -> u64 {
    srtt_us.map_or(max, |srtt| srtt.saturating_mul(2).clamp(max / 4, max))
}
