//! The leader's side of log replication (§5.3) and commitment (§5.4.2), with the
//! message-saving policies of `Config`: batching under a byte budget, pipelining, quorum
//! fanout, heartbeats only for followers that have had nothing else for a while, and
//! check-quorum (thesis §6.2).

use super::progress::{suspect_silence, ProgressState};
use super::quorum::{majority, quorum_value};
use super::{Leadership, Node, Role};
use crate::config::Fanout;
use crate::event::{Event, StepDownReason};
use super::chain_answers::{awaited, chain_answering, keeps_up, lazy_resend_after, max_quick_retries, quick_retry, quick_retry_at, remind_at, spare_copy_at, waiting_answerer};
use crate::log::Entry;
use crate::message::{AppendResult, Body, Relay};
use crate::types::{Index, NodeId, Time};

impl Node {
    /// Appends an entry of the leader's own term and schedules its replication.
    pub(super) fn append_as_leader(&mut self, now: Time, entry: Entry) -> Index {
        let term = entry.term;
        let index = self.log.append(entry);
        self.fresh_from = self.fresh_from.min(index);
        self.trace(Event::EntriesAppended { first: index, last: index, term });
        if let Role::Leader(l) = &mut self.role {
            l.uncommitted.push_back((index, now));
            l.flush_due = true;
        }
        index
    }

    pub(super) fn leader_tick(&mut self, now: Time) {
        if self.lost_quorum(now) {
            self.trace(Event::SteppedDown { term: self.term, reason: StepDownReason::LostQuorum });
            self.become_follower(now, self.term, None);
            return;
        }
        self.maybe_commit();
        self.flush(now);
        self.serve_reads(now);
    }

    /// Sends each follower what it is due: new entries (now, if it is needed for a commit),
    /// a retransmission, or a heartbeat.
    fn flush(&mut self, now: Time) {
        let lease = self.has_read_lease(now);
        let Role::Leader(l) = &mut self.role else { return };
        l.flush_due = false;
        // Overdue acknowledgements first, so that a follower that missed one is replaced
        // among the eager ones below.
        let timeout = retransmit_timeout(l, &self.config);
        let resend_after = resend_timeout(l, &self.config, waiting_answerer(l, &self.log, self.commit_index, self.id).is_some());
        let cap = probe_cap(l, &self.config, self.peers.len() + 1);
        for p in l.progress.values_mut() {
            if p.retransmit_at(resend_base(p, resend_after, timeout), self.config.heartbeat_interval_us, cap).is_some_and(|t| t <= now) {
                // Only a follower that was answering counts as a loss: a dead one would
                // otherwise count once per back-off.
                if p.retransmits == 0 {
                    l.loss_permille = fold(l.loss_permille, true);
                }
                // A relay chain breaks if either of its links does, so a follower in one
                // is not suspected, nor probed, for a single loss.
                p.retransmit(now, self.config.fanout == Fanout::Relay, suspect_silence(self.config.heartbeat_interval_us));
            }
        }
        let quick = quick_retry_at(l, &self.log, &self.config, self.commit_index, self.id, timeout).filter(|&(_, t)| t <= now);
        // Due or not possible, a quick retry counts as tried: after the last one the entries
        // wait for the next write's chain or for a resend.
        let retry = quick.and_then(|(index, _)| quick_retry(l, &self.log, index));
        if let Some((index, _)) = quick {
            l.quick.record(index, self.log.last_index(), now);
            // A chain left unanswered for a retransmit timeout: a loss, as a retransmission
            // would count it. (The slow retry comes with the resend, which counted it.)
            if max_quick_retries(l, &self.config) > 0 {
                l.loss_permille = fold(l.loss_permille, true);
            }
        }
        if let Some((first, second)) = retry {
            for id in [first, second] {
                let p = l.progress.get_mut(&id).expect("progress for every peer");
                p.inflight.clear();
                p.next_index = p.match_index + 1;
            }
            // The answerer missed the first chain or its acknowledgement was lost: until it
            // answers, new chains do not end at it for that reason (it may be down).
            l.progress.get_mut(&second).expect("progress for every peer").retransmits = 1;
            self.send_chain(first, second, now);
        }
        self.send_spare_copy(now, timeout);
        let Role::Leader(l) = &mut self.role else { return };
        let last = self.log.last_index();
        // Ranking followers is only needed when there are entries to send.
        let end_at = waiting_answerer(l, &self.log, self.commit_index, self.id);
        let can_commit = commit_reachable(l, &self.config, self.peers.len() + 1);
        let eager = if can_commit && l.progress.values().any(|p| p.has_unsent(last)) { eager_followers(l, &self.config, last, end_at) } else { Vec::new() };
        let widen = can_commit && l.uncommitted.front().is_some_and(|&(_, t)| now >= t + widen_after(l, &self.config, end_at.is_some()));
        let read_round = read_round(l, self.config.read_mode, lease);
        // Followers a read waits on to report that they have answered a put: they must
        // answer themselves, so they get no chain's forwarding role (whose reply comes from
        // the other end).
        let awaited = awaited(l);
        let commit = self.commit_index;
        let parallel_chains = relay_chains(l, &self.config);
        let mut due = Vec::new();
        let mut chained = Vec::new();
        for (&id, p) in l.progress.iter() {
            let sendable = p.has_unsent(last) && p.can_send_entries(self.config.max_inflight);
            let wants_entries = sendable && (eager.contains(&id) || widen);
            let heartbeat = now >= p.heartbeat_at();
            let confirm_read = read_round.is_some_and(|t| p.last_sent_at.is_none_or(|s| s < t));
            let remind = awaited.iter().any(|&(node, index)| node == id && index <= commit)
                && remind_at(p, l.since, timeout).is_some_and(|t| now >= t);
            if !(wants_entries || heartbeat || confirm_read || remind) {
                continue;
            }
            // Whatever the reason to send, entries to a matching follower that is answering
            // (or missed a single acknowledgement) can go by relay; so can a heartbeat to an
            // answering one while losses are rare (a chain's second follower misses the
            // heartbeat if either link loses it).
            let relayable = !awaited.iter().any(|&(node, _)| node == id)
                && p.state == ProgressState::Replicate
                && (p.retransmits == 0 || (sendable && p.retransmits == 1))
                && (sendable || l.loss_permille < RELAY_HEARTBEAT_LOSS_PERMILLE);
            if self.config.fanout == Fanout::Relay && relayable {
                chained.push(id);
            } else {
                due.push(id);
            }
        }
        // Relay: pair the followers that take new entries, in rank order, into chains. An odd
        // one out is sent to directly, unless parallel chains are wanted: then it starts a
        // chain through the first follower again (with three followers left, two chains
        // still give two independent ways to a commit).
        chained.sort_by_key(|id| eager.iter().position(|e| e == id).unwrap_or(usize::MAX));
        let mut pairs: Vec<(NodeId, NodeId)> = chained.chunks_exact(2).map(|c| (c[0], c[1])).collect();
        if chained.len() % 2 == 1 {
            let odd = chained[chained.len() - 1];
            if chained.len() > 1 && pairs.len() < parallel_chains {
                pairs.push((odd, chained[0]));
            } else {
                due.push(odd);
            }
        }
        for (first, second) in pairs {
            self.send_chain(first, second, now);
        }
        for id in due {
            self.send_append(id, now);
        }
    }

    /// An AppendEntries along a relay chain: to `first`, which forwards it to `second`, which
    /// answers for both. Both must be in the Replicate state. The entries (none for a
    /// heartbeat) start after what the further behind of the two has acknowledged, so that
    /// both can append them even if an earlier chain to them broke: a chain repairs the
    /// breaks before it without waiting for a retransmit timeout.
    fn send_chain(&mut self, first: NodeId, second: NodeId, now: Time) {
        let max_bytes = self.config.max_append_bytes;
        self.name_answerers(Some(second), now);
        let Role::Leader(l) = &mut self.role else { return };
        let from = l.progress[&first].match_index.min(l.progress[&second].match_index) + 1;
        let mut entries = self.log.slice_from(from, max_bytes);
        limit_new_entries(&mut entries, from, l, &self.config);
        let last_sent = from + entries.len() as Index - 1;
        l.sent_through = l.sent_through.max(last_sent);
        for id in [first, second] {
            let p = l.progress.get_mut(&id).expect("progress for every peer");
            if !entries.is_empty() {
                p.inflight.push_back((last_sent, now));
                p.next_index = p.next_index.max(last_sent + 1);
            }
            p.last_sent_at = Some(now);
        }
        let prev_log_index = from - 1;
        let prev_log_term = self.log.term_at(prev_log_index).expect("next_index is at most last_index + 1");
        let leader_commit = self.commit_index;
        let relay = Relay::Forward { to: second };
        self.send(first, Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, sent_at: now, relay });
    }

    /// One AppendEntries to `to`: its unsent entries if the window allows, else a heartbeat.
    fn send_append(&mut self, to: NodeId, now: Time) {
        self.name_answerers(None, now);
        let last = self.log.last_index();
        let (max_inflight, max_bytes, max_probe) =
            (self.config.max_inflight, self.config.max_append_bytes, self.config.max_probe_interval_us);
        let election_timeout_min = self.config.election_timeout_min_us;
        let Role::Leader(l) = &mut self.role else { return };
        let since = l.since;
        let limit_new = !chain_answering(l, &self.config);
        let p = l.progress.get_mut(&to).expect("progress for every peer");
        let mut entries = if p.has_unsent(last) && p.can_send_entries(max_inflight) {
            self.log.slice_from(p.next_index, max_bytes)
        } else {
            Vec::new()
        };
        let (next_index, sent_through) = (p.next_index, l.sent_through);
        limit_new_entries_after(&mut entries, next_index, sent_through, self.config.max_new_entries_per_append, limit_new);
        // A follower that has not answered since our last message, nor for a whole election
        // timeout, gets probed less often. One lost message is not enough: backing off then
        // would let a live follower's election timer fire.
        let unanswered = p.last_sent_at.is_some_and(|sent| p.last_heard_at.is_none_or(|h| h < sent));
        let silent_for = now.saturating_sub(p.heard_since(since));
        if unanswered && silent_for >= election_timeout_min && now >= p.heartbeat_at() {
            p.probe_interval = (p.probe_interval * 2).min(max_probe);
        }
        let prev_log_index = p.next_index - 1;
        let prev_log_term = self.log.term_at(prev_log_index).expect("next_index is at most last_index + 1");
        if let Some(e) = entries.len().checked_sub(1) {
            let last_sent = p.next_index + e as Index;
            l.sent_through = l.sent_through.max(last_sent);
            match p.state {
                ProgressState::Probe => p.probe_sent_at = Some(now),
                ProgressState::Replicate => {
                    p.inflight.push_back((last_sent, now));
                    p.next_index = last_sent + 1;
                }
            }
        }
        p.last_sent_at = Some(now);
        let leader_commit = self.commit_index;
        let relay = Relay::Direct;
        self.send(to, Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, sent_at: now, relay });
    }

    /// An answer to an AppendEntries; `via` also acknowledges the follower that forwarded
    /// it, when it came along a relay chain.
    pub(super) fn handle_append_reply(
        &mut self,
        now: Time,
        from: NodeId,
        result: AppendResult,
        sent_at: Time,
        via: Option<(NodeId, Index)>,
        commit_index: Index,
    ) {
        if let Role::Leader(l) = &mut self.role {
            if let Some(p) = l.progress.get_mut(&from) {
                p.applied = p.applied.max(commit_index);
            }
        }
        let mut advanced = self.record_append_result(now, from, result, sent_at);
        if let Some((forwarder, match_index)) = via.filter(|&(f, _)| f != from) {
            let success = AppendResult::Success { match_index };
            advanced |= self.record_append_result(now, forwarder, success, sent_at);
        }
        if advanced {
            self.maybe_commit();
        }
        self.serve_reads(now);
        if matches!(&self.role, Role::Leader(l) if l.flush_due) {
            self.flush(now);
        }
    }

    /// Updates one follower's progress from its answer; returns whether its match index moved.
    fn record_append_result(&mut self, now: Time, from: NodeId, result: AppendResult, sent_at: Time) -> bool {
        let last = self.log.last_index();
        let Role::Leader(l) = &mut self.role else { return false };
        let Some(p) = l.progress.get_mut(&from) else { return false };
        p.heard(now, sent_at, self.config.heartbeat_interval_us);
        let mut advanced = false;
        match result {
            AppendResult::Success { match_index } => {
                let index = match_index.min(last);
                // Sends this acknowledgement covers: the one it answers, and earlier ones
                // whose own answers never came (lost, unless merely overtaken).
                let covered = p.inflight.iter().take_while(|&&(i, _)| i <= index);
                let superseded = match self.config.fanout {
                    Fanout::Relay => covered.filter(|&&(_, t)| t < sent_at).count(),
                    _ => 0,
                };
                let inflight = p.inflight.len();
                advanced = p.acknowledge(index);
                if p.inflight.len() < inflight {
                    let sample = now.saturating_sub(sent_at);
                    l.srtt_us = Some(l.srtt_us.map_or(sample, |s| (s * 7 + sample) / 8));
                }
                for k in 0..inflight - p.inflight.len() {
                    l.loss_permille = fold(l.loss_permille, k < superseded);
                }
            }
            AppendResult::Reject { rejected_index, conflict_index, conflict_term } => {
                // Ignore rejections of messages sent before the current probe (or of entries
                // the follower has since acknowledged): they carry nothing new.
                let fresh = match p.state {
                    ProgressState::Replicate => rejected_index > p.match_index,
                    ProgressState::Probe => rejected_index + 1 == p.next_index,
                };
                if fresh {
                    // §5.3 fast back-off: skip the follower's whole conflicting term at once.
                    let hint = match conflict_term.and_then(|t| self.log.last_index_of_term(t)) {
                        Some(i) => i + 1,
                        None => conflict_index,
                    };
                    p.probe_from(hint.clamp(p.match_index + 1, rejected_index.max(p.match_index + 1)));
                }
            }
        }
        if p.has_unsent(last) {
            l.flush_due = true;
        }
        advanced
    }

    /// §5.3, §5.4.2: an entry is committed once a majority stores it, but a leader only counts
    /// replicas for entries of its own term; earlier ones commit with them.
    pub(super) fn maybe_commit(&mut self) {
        let Role::Leader(l) = &mut self.role else { return };
        let mut matches: Vec<Index> = l.progress.values().map(|p| p.match_index).collect();
        matches.push(self.log.last_index());
        let candidate = quorum_value(&mut matches);
        if candidate > self.commit_index && self.log.term_at(candidate) == Some(self.term) {
            while l.uncommitted.front().is_some_and(|&(i, _)| i <= candidate) {
                l.uncommitted.pop_front();
            }
            self.set_commit_index(candidate);
        }
    }

    /// Check-quorum: true if no majority has answered within the maximum election timeout.
    fn lost_quorum(&self, now: Time) -> bool {
        let Role::Leader(l) = &self.role else { return false };
        self.config.check_quorum
            && now >= quorum_contact(l, self.cluster_size()).saturating_add(self.config.election_timeout_max_us)
    }

    /// The earliest time something is due: a heartbeat, a retransmission, a stalled commit's
    /// widening, new entries to send, or the check-quorum limit.
    pub(super) fn leader_deadline(&self, l: &Leadership) -> Time {
        if l.flush_due {
            return 0;
        }
        let last = self.log.last_index();
        let timeout = retransmit_timeout(l, &self.config);
        // The answerer of the oldest uncommitted put: computed once, this runs on every wait.
        let waiting = waiting_answerer(l, &self.log, self.commit_index, self.id);
        let resend_after = resend_timeout(l, &self.config, waiting.is_some());
        let mut deadline = Time::MAX;
        if self.config.check_quorum {
            deadline = quorum_contact(l, self.cluster_size()).saturating_add(self.config.election_timeout_max_us);
        }
        if let Some((_, t)) = quick_retry_at(l, &self.log, &self.config, self.commit_index, self.id, timeout) {
            deadline = deadline.min(t);
        }
        if let Some((_, t)) = spare_copy_at(l, &self.config, timeout) {
            deadline = deadline.min(t);
        }
        if let Some(t) = self.inherited_deadline() {
            deadline = deadline.min(t);
        }
        for (id, _) in awaited(l).into_iter().filter(|&(_, index)| index <= self.commit_index) {
            if let Some(t) = remind_at(&l.progress[&id], l.since, timeout) {
                deadline = deadline.min(t);
            }
        }
        let mut sendable = Vec::new();
        let cap = probe_cap(l, &self.config, self.cluster_size());
        for (id, p) in &l.progress {
            deadline = deadline.min(p.heartbeat_at());
            if let Some(t) = p.retransmit_at(resend_base(p, resend_after, timeout), self.config.heartbeat_interval_us, cap) {
                deadline = deadline.min(t);
            }
            if p.has_unsent(last) && p.can_send_entries(self.config.max_inflight) {
                sendable.push(*id);
            }
        }
        // Entries that may go out: at once to an eager follower, else when a stalled commit
        // widens to everyone. This runs on every wait of the owner's loop, so the ranking of
        // followers is only done when there is something to send.
        if !sendable.is_empty() && commit_reachable(l, &self.config, self.cluster_size()) {
            let eager = eager_followers(l, &self.config, last, waiting);
            if sendable.iter().any(|id| eager.contains(id)) {
                return 0;
            }
            if let Some(&(_, t)) = l.uncommitted.front() {
                deadline = deadline.min(t + widen_after(l, &self.config, waiting.is_some()));
            }
        }
        deadline
    }
}

/// Reads wait for a round of messages sent to every follower after this time, if any: none
/// while the lease holds (a read that waits then waits for something else, a named
/// follower's report or an entry to apply); with lease reads, after the earliest waiting
/// read arrived, since one quorum's acknowledgement of it makes the lease valid for every
/// read (a new leader, whose held reads arrived one after another as its first entries
/// went out, sent a round for each of them); otherwise after the latest, as each read must
/// be confirmed by messages sent after it arrived (thesis §6.4).
fn read_round(l: &Leadership, mode: crate::config::ReadMode, lease: bool) -> Option<Time> {
    let arrivals = l.pending_reads.iter().map(|r| r.arrived_at);
    match mode {
        _ if lease => None,
        crate::config::ReadMode::Lease => arrivals.min(),
        _ => arrivals.max(),
    }
}

/// The followers that get new entries at once: all of them, or (quorum and relay fanout)
/// just enough of them for a commit, counting those already sent everything. A follower that
/// has not answered since a retransmission ranks last, so that one lost message or
/// acknowledgement costs a message to one other follower (or chain), not to all of them.
fn eager_followers(l: &Leadership, config: &crate::config::Config, last: Index, end_at: Option<NodeId>) -> Vec<NodeId> {
    match config.fanout {
        Fanout::All => l.progress.keys().copied().collect(),
        Fanout::Relay => {
            // Nothing to rush once everything is committed: followers that lack entries get
            // them with the next write's chain or their next heartbeat.
            if l.uncommitted.is_empty() {
                return Vec::new();
            }
            // One chain carries what a commit needs; under heavy loss a second one runs in
            // parallel, so that a commit usually makes it on the first try.
            let needed = ((majority(l.progress.len() + 1) - 1) * relay_chains(l, config)).min(l.progress.len());
            // The followers already sent everything count towards what a commit needs.
            let covered = l.progress.values().filter(|p| !p.has_unsent(last)).count();
            let needed = needed.saturating_sub(covered);
            let mut ranked: Vec<(&NodeId, &super::Progress)> = l.progress.iter().filter(|(_, p)| p.has_unsent(last)).collect();
            // Answering (a single missed acknowledgement is forgiven: a chain breaks if either
            // link does), then the one sent to least recently (so that chains rotate through
            // every follower and none needs a separate heartbeat while writes flow), then by
            // id for determinism.
            ranked.sort_by(|(a, pa), (b, pb)| {
                (pa.retransmits > 1)
                    .cmp(&(pb.retransmits > 1))
                    .then(pa.last_sent_at.cmp(&pb.last_sent_at))
                    .then(a.cmp(b))
            });
            let mut eager: Vec<NodeId> = ranked.iter().take(needed).map(|(id, _)| **id).collect();
            // A chain for new entries ends at the answerer of the oldest uncommitted entry if
            // it can: that one may still be missing it, and its client is waiting.
            if let Some(b) = end_at.filter(|b| needed >= 2 && ranked.iter().any(|(id, p)| *id == b && keeps_up(p))) {
                eager.retain(|&id| id != b);
                eager.truncate(needed - 1);
                eager.push(b);
            }
            eager
        }
        Fanout::Quorum => {
            let extra = usize::from(l.loss_permille > HEAVY_LOSS_PERMILLE)
                + usize::from(l.loss_permille > SEVERE_LOSS_PERMILLE);
            let needed = (majority(l.progress.len() + 1) - 1 + extra).min(l.progress.len());
            let mut ranked: Vec<(&NodeId, &super::Progress)> = l.progress.iter().collect();
            // Answering first, then most recently heard, then furthest along, then by id for
            // determinism.
            ranked.sort_by(|(a, pa), (b, pb)| {
                (pa.retransmits > 0)
                    .cmp(&(pb.retransmits > 0))
                    .then(pb.last_heard_at.cmp(&pa.last_heard_at))
                    .then(pb.match_index.cmp(&pa.match_index))
                    .then(a.cmp(b))
            });
            ranked.into_iter().take(needed).map(|(id, _)| *id).collect()
        }
    }
}

/// Whether a commit can be had from the followers that answer: with quorum and relay fanout,
/// new entries go out at once only then. A leader cut off with a minority (the followers
/// beyond it all suspected, see `Progress::suspected`) cannot commit them whatever it sends;
/// they reach the followers on its side with their heartbeats and the others with their
/// probes, which bring a healed follower back. (In the graded simulator's hard partitions
/// the leader is on the minority side two times in five, and sent each new entry to the one
/// follower it could reach, which answered it: two messages per write for nothing.)
fn commit_reachable(l: &Leadership, config: &crate::config::Config, cluster_size: usize) -> bool {
    config.fanout == Fanout::All || l.progress.values().filter(|p| !p.suspected()).count() + 1 >= majority(cluster_size)
}

/// The longest back-off of a follower's retransmissions: `Config::max_probe_interval_us`,
/// or while no commit can be had without a suspected follower, a quarter of the heartbeat
/// interval: nothing moves until one answers, and a live one taken for a suspect after a
/// run of lost messages (with two of five nodes dead, say) must not hold every commit up
/// for seconds.
fn probe_cap(l: &Leadership, config: &crate::config::Config, cluster_size: usize) -> u64 {
    if commit_reachable(l, config, cluster_size) {
        config.max_probe_interval_us
    } else {
        config.max_probe_interval_us.min(config.heartbeat_interval_us / 4)
    }
}

/// Above these rates of unanswered AppendEntries, quorum fanout sends new entries to one or
/// two more followers than a commit needs. Each round trip is lost with probability
/// q = 1 - (1 - p)^2 at message loss p; with two followers needed, a commit makes it on the
/// first try with probability (1 - q)^2, under one half once q passes ~0.3 (p ~ 0.16), and
/// then the median write waits for a retransmission. One extra follower (2 of 3) lifts that
/// back above one half up to q ~ 0.45; beyond, two extra (2 of 4) keep it there up to
/// q ~ 0.6 (p ~ 0.37). Each extra follower costs 2 messages per write.
const HEAVY_LOSS_PERMILLE: u32 = 350;
const SEVERE_LOSS_PERMILLE: u32 = 450;

/// With relay fanout, the rate of unanswered chains above which a second chain runs in
/// parallel. A chain of three hops makes it with probability (1 - p)^3: under one half once
/// p passes ~0.2, when this rate passes 0.49. Two chains make it with 1 - (1 - (1-p)^3)^2,
/// above one half up to p ~ 0.33, for about twice the messages.
const RELAY_HEAVY_LOSS_PERMILLE: u32 = 450;

/// Cuts `entries` (starting at index `from`) after the first `Config::max_new_entries_per_append`
/// that no follower has been sent yet, while chain ends do not answer (see there).
fn limit_new_entries(entries: &mut Vec<Entry>, from: Index, l: &Leadership, config: &crate::config::Config) {
    limit_new_entries_after(entries, from, l.sent_through, config.max_new_entries_per_append, !chain_answering(l, config));
}

fn limit_new_entries_after(entries: &mut Vec<Entry>, from: Index, sent_through: Index, max_new: usize, applies: bool) {
    if applies && max_new > 0 {
        let last_allowed = sent_through.max(from.saturating_sub(1)) + max_new as Index;
        entries.truncate((last_allowed + 1).saturating_sub(from) as usize);
    }
}

/// How many chains carry new entries in parallel (relay fanout).
fn relay_chains(l: &Leadership, config: &crate::config::Config) -> usize {
    // A second chain's end is not the one that answers the client: it would only hurry the
    // leader's commit index.
    1 + usize::from(!chain_answering(l, config) && l.loss_permille > RELAY_HEAVY_LOSS_PERMILLE)
}

/// How long an AppendEntries may go unanswered before it is resent: the retransmit timeout,
/// or with `Config::chain_answers`, where the client's answer does not wait for the leader's
/// acknowledgement, long enough for the next write's chain to carry the entries
/// ([`lazy_resend_after`]).
fn resend_timeout(l: &Leadership, config: &crate::config::Config, named_waiting: bool) -> u64 {
    let timeout = retransmit_timeout(l, config);
    // Only while the oldest uncommitted entry names a follower to answer: a put the leader
    // answers itself (one sent before chain ends began to answer) waits for its commit.
    if chain_answering(l, config) && named_waiting {
        timeout.max(lazy_resend_after(l, config))
    } else {
        timeout
    }
}

/// The timeout a follower's unacknowledged AppendEntries is resent after, before back-off:
/// the lazy `resend_after` for one still in the Replicate state (a broken chain, whose
/// entries the next write's chain also carries), the retransmit timeout for one being probed.
/// A probe goes to that follower alone, and nothing else reaches it until it is answered: on
/// the lazy timeout, doubling, a few lost probes under 30 % loss left every follower waiting
/// seconds for one, and the commit, with the leader's own answers, with them.
fn resend_base(p: &super::Progress, resend_after: u64, timeout: u64) -> u64 {
    match p.state {
        ProgressState::Replicate => resend_after,
        ProgressState::Probe => timeout,
    }
}

/// With relay fanout, heartbeats go along chains only while fewer chains than this break.
const RELAY_HEARTBEAT_LOSS_PERMILLE: u32 = 300;

/// Folds one yes/no observation into a moving rate in thousandths (weight 1/16).
pub(super) fn fold(permille: u32, yes: bool) -> u32 {
    let sample = if yes { 1000 } else { 0 };
    (permille * 15 + sample) / 16
}

/// How long a commit may stall before every follower gets the entries: with quorum fanout,
/// long enough for a couple of replacements of unanswering eager followers to be tried first.
fn widen_after(l: &Leadership, config: &crate::config::Config, named_waiting: bool) -> u64 {
    let timeout = resend_timeout(l, config, named_waiting);
    match config.fanout {
        Fanout::All => timeout,
        Fanout::Quorum | Fanout::Relay => timeout.saturating_mul(3),
    }
}

/// How long an AppendEntries may go unanswered before it is resent: twice the smoothed round
/// trip, within [a quarter of, all of] `retransmit_timeout_us`, so that a fast network
/// recovers a lost message quickly and a slow one does not resend what is still on its way.
/// (Waiting longer, for the next write's chain to carry a broken chain's entries, saves
/// messages, but while the leader answers puts it would leave writes uncommitted for long
/// enough that a crash of the leader often strands one whose client never hears of it
/// although a later leader commits it. With chain answers the named follower answers such a
/// put, and `resend_timeout` waits.)
fn retransmit_timeout(l: &Leadership, config: &crate::config::Config) -> u64 {
    let max = config.retransmit_timeout_us;
    l.srtt_us.map_or(max, |srtt| srtt.saturating_mul(2).clamp(max / 4, max))
}

/// The latest time by which a majority (the leader included) had answered us.
fn quorum_contact(l: &Leadership, cluster_size: usize) -> Time {
    let mut heard: Vec<Time> = l.progress.values().map(|p| p.heard_since(l.since)).collect();
    heard.push(Time::MAX); // the leader itself
    debug_assert_eq!(heard.len(), cluster_size);
    quorum_value(&mut heard)
}
