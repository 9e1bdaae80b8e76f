//! Client requests: every request gets exactly one answer. A leader replicates puts and
//! answers them once applied; it answers gets under a lease or after confirming its
//! leadership (thesis §6.4). Other nodes redirect to the leader they know, and hold requests
//! while they know none.

use super::chain_answers::{silent, MAX_ANSWERER_BYTES};
use super::quorum::quorum_value;
use super::{Leadership, Node, PendingRead, Role};
use crate::client::{ClientRequest, Op, Outcome};
use crate::config::ReadMode;
use crate::event::Event;
use crate::kv::Command;
use crate::log::{Answerer, Entry, RaftLog};
use crate::types::{Index, NodeId, Term, Time};

impl Node {
    pub(super) fn handle_client_request(&mut self, now: Time, request: ClientRequest) {
        if self.config.read_mode == ReadMode::UnsafeLocal {
            if let Op::Get { key } = &request.op {
                let value = self.kv.get(key).cloned();
                self.answer(request, Outcome::Value(value));
                return;
            }
        }
        match &mut self.role {
            Role::Leader(l) => match &request.op {
                Op::Put { key, value } => {
                    // A retry of a put still in flight must not be appended (or answered) twice.
                    let same = |r: &ClientRequest| r.client == request.client && r.id == request.id;
                    if l.pending_writes.values().any(same) || self.orphaned.values().any(|(_, r)| same(r)) {
                        return;
                    }
                    let command = Command::Put { key: key.clone(), value: value.clone() };
                    // The entry names this leader to answer it, so that a later leader knows
                    // whom the client waits for (`inherited.rs`); `name_answerers` may name a
                    // chain's end instead before the entry first leaves.
                    let mut entry = Entry::new(self.term, command);
                    if request.client.len() + request.id.len() <= MAX_ANSWERER_BYTES {
                        entry.answerer = Some(Answerer { node: self.id, client: request.client.clone(), id: request.id.clone() });
                    }
                    let index = self.append_as_leader(now, entry);
                    if let Role::Leader(l) = &mut self.role {
                        l.pending_writes.insert(index, request);
                    }
                    if self.peers.is_empty() {
                        self.leader_tick(now);
                    }
                }
                Op::Get { key } => {
                    let read_index = read_index(&self.log, self.commit_index, key, self.config.chain_answers);
                    // Its answerer is looked up when it is served (`serve_reads`).
                    l.pending_reads.push(PendingRead { request, read_index, answered_by: None, arrived_at: now });
                    self.serve_reads(now);
                    if let Role::Leader(l) = &mut self.role {
                        if !l.pending_reads.is_empty() {
                            // Confirm leadership: everyone gets a message sent from now on.
                            l.flush_due = true;
                        }
                    }
                }
            },
            Role::Follower { leader: Some(leader) } => {
                let leader = *leader;
                if self.client_bounced(&request.client) {
                    self.hold(request);
                } else {
                    self.remember_redirect(&request.client, now);
                    self.answer(request, Outcome::Redirect(leader));
                }
            }
            _ => self.hold(request),
        }
    }

    /// A client we sent to the leader is back, and we have not heard from the leader since:
    /// the client could not reach it, so it may be gone. Redirecting again would only bounce
    /// the client between us and a dead node until our election timer fires; instead we hold
    /// the request until a leader shows signs of life.
    fn client_bounced(&self, client: &str) -> bool {
        match (self.redirected.get(client), self.last_leader_contact) {
            // Contact at the same instant as the redirect came first (it may have released it).
            (Some(&redirected_at), Some(contact)) => contact < redirected_at,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    fn remember_redirect(&mut self, client: &str, now: Time) {
        // Forget redirects older than an election timeout: by then a silent leader has been
        // replaced or has been heard from. This also bounds the map.
        let horizon = now.saturating_sub(self.config.election_timeout_max_us);
        if self.redirected.len() >= 1024 {
            self.redirected.retain(|_, &mut t| t >= horizon);
        }
        self.redirected.insert(client.to_owned(), now);
    }

    fn hold(&mut self, request: ClientRequest) {
        if self.held.len() >= self.config.max_held_requests {
            self.answer(request, Outcome::Fail("no leader is known and too many requests are waiting".into()));
            return;
        }
        self.trace(Event::RequestHeld { client: request.client.clone(), id: request.id.clone() });
        self.held.push(request);
    }

    /// A leader became known (or we became it): deal with the requests that waited.
    pub(super) fn release_held_requests(&mut self, now: Time) {
        for request in std::mem::take(&mut self.held) {
            self.handle_client_request(now, request);
        }
    }

    /// A deposed leader redirects the reads it owed (once a leader is known), but not the
    /// puts: their entries may still be committed by the next leader, and a client that was
    /// redirected must be able to trust that its put had no effect. They wait as orphans
    /// until their fate is known. `term` is the one this node led: its entries' term.
    pub(super) fn abandon_leadership(&mut self, leadership: Leadership, term: Term) {
        self.orphaned.extend(leadership.pending_writes.into_iter().map(|(index, request)| (index, (term, request))));
        for read in leadership.pending_reads {
            self.hold(read.request);
        }
    }

    /// Redirects (or holds) the orphaned puts whose entries a new leader has overwritten with
    /// a committed entry: those can never be committed. (An entry overwritten by one that is
    /// not committed yet may still come back and be committed, through a leader that has it,
    /// §5.4.2, Figure 8.) Applied ones were answered in `apply_committed`.
    pub(super) fn settle_orphans(&mut self, now: Time) {
        let (log, commit) = (&self.log, self.commit_index);
        let lost: Vec<_> =
            self.orphaned.extract_if(.., |&index, (term, _)| index <= commit && log.term_at(index) != Some(*term)).collect();
        for (_, (_, request)) in lost {
            self.handle_client_request(now, request);
        }
    }

    /// Answers the pending reads that are safe to answer now.
    pub(super) fn serve_reads(&mut self, now: Time) {
        // An inherited put's answer goes out before any read that shows its value.
        self.settle_inherited(now);
        let lease_valid = self.has_read_lease(now);
        let Role::Leader(l) = &mut self.role else { return };
        // Until an entry of its own term is committed, a new leader may not know of every
        // committed entry (§8).
        if l.pending_reads.is_empty() || self.commit_index < l.term_start {
            return;
        }
        let confirmed = quorum_acked(l);
        let applied = self.last_applied;
        if self.config.chain_answers {
            // The value a read returns is what is applied when it is answered, which may
            // include puts that arrived after it, or that were named an answerer only after
            // it arrived (a put leaves, and is named, after the read was counted in): the read
            // waits for the answerer of the latest applied put of its key. (Answering on
            // the arrival-time answerer let a read overtake a put's answer from a follower.)
            for r in l.pending_reads.iter_mut() {
                if let Op::Get { key } = &r.request.op {
                    let upto = r.read_index.max(applied);
                    r.answered_by = latest_write(&self.log, key, upto).and_then(|i| named_answerer(&self.log, i, self.id));
                }
            }
        }
        // A named follower silent for a whole election timeout in this term is taken for
        // dead, for a put of an earlier term: in practice a former leader that applied and
        // answered it before it was killed. A put of this term named to a follower that died
        // may never have been answered, and a read must not show its value: that read waits.
        let (silence, since, term_start) = (self.config.election_timeout_max_us, l.since, l.term_start);
        let inherited = &l.inherited;
        let log = &self.log;
        let answered = |p: &super::Progress, index: Index| {
            p.applied >= index
                || inherited.answered_by_former_leader(log, index)
                || (index < term_start && silent(p, since, now, silence))
        };
        let (ready, waiting): (Vec<PendingRead>, Vec<PendingRead>) = std::mem::take(&mut l.pending_reads)
            .into_iter()
            .partition(|r| {
                (lease_valid || confirmed >= r.arrived_at)
                    && applied >= r.read_index
                    && !matches!(&r.request.op, Op::Get { key } if l.inherited.holds_back(&self.log, key))
                    && r.answered_by.is_none_or(|(node, index)| l.progress.get(&node).is_some_and(|p| answered(p, index)))
            });
        l.pending_reads = waiting;
        for read in ready {
            let Op::Get { key } = &read.request.op else { continue };
            let value = self.kv.get(key).cloned();
            self.answer(read.request, Outcome::Value(value));
        }
    }

    /// Whether this leader may answer a read at once: its lease is valid and its term has
    /// committed an entry.
    pub fn has_read_lease(&self, now: Time) -> bool {
        match &self.role {
            Role::Leader(l) => {
                self.config.read_mode == ReadMode::Lease
                    && self.commit_index >= l.term_start
                    && now < quorum_acked(l).saturating_add(self.config.lease_us())
            }
            _ => false,
        }
    }
}

/// What a read of `key` must wait for: the commit index, since every put answered so far is
/// committed. With `Config::chain_answers` a put's answer comes from the follower it names,
/// which may answer before the leader learns of the commit, or after the leader applied it.
/// So a read also waits for the latest entry that writes its key to be applied here, and
/// applied (so answered) by its named follower, checked in `serve_reads` (a read of another
/// key need not wait).
fn read_index(log: &RaftLog, commit_index: Index, key: &str, chain_answers: bool) -> Index {
    let latest = if chain_answers { latest_write(log, key, log.last_index()) } else { None };
    commit_index.max(latest.unwrap_or(0))
}

/// The index of the latest entry up to `upto` that writes `key`.
fn latest_write(log: &RaftLog, key: &str, upto: Index) -> Option<Index> {
    (1..=upto.min(log.last_index())).rev().find(|&i| log.writes(i, key))
}

/// The follower other than `me` that the entry at `index` names to answer, with the index.
fn named_answerer(log: &RaftLog, index: Index, me: NodeId) -> Option<(NodeId, Index)> {
    log.answerer_at(index).filter(|&n| n != me).map(|n| (n, index))
}

/// The latest send time that a majority (the leader included) has acknowledged: leadership
/// was certain at that moment.
fn quorum_acked(l: &Leadership) -> Time {
    let mut acked: Vec<Time> = l.progress.values().map(|p| p.acked_sent_at.unwrap_or(0)).collect();
    acked.push(Time::MAX);
    quorum_value(&mut acked)
}
