//! A Raft node in the sans-I/O style: its owner feeds it inputs stamped with the current time
//! and collects the effects (messages to send, client replies, trace events) and the time of
//! its next deadline. It never reads a clock, sleeps or touches a socket.
//!
//! The files follow Figure 2 of the paper:
//! - `mod.rs`: the node's state and its inputs. Every message goes through [`Node::receive`]:
//!   term handling first (§5.1), then the handler of the node's role.
//! - `election.rs`: election timeouts, pre-vote, the voting rule, becoming leader (§5.2, §5.4.1).
//! - `campaign.rs`: a (pre-)candidate's tally and its resent vote requests.
//! - `follower.rs`: AppendEntries on the receiving side: the consistency check (§5.3).
//! - `leader.rs`: replication, the commit rule and check-quorum (§5.3, §5.4.2, thesis §6.2).
//! - `progress.rs`: the leader's view of one follower (nextIndex, matchIndex).
//! - `clients.rs`: client requests: puts, redirects, held requests, one answer each.
//! - `reads.rs`: linearizable reads by lease or ReadIndex (thesis §6.4).
//! - `snapshots.rs`: log compaction and InstallSnapshot (§7).
//! - `membership.rs`: configuration changes, one server at a time (§6, thesis §4).

mod campaign;
mod clients;
mod election;
mod follower;
mod leader;
mod membership;
mod progress;
mod quorum;
mod reads;
mod snapshots;

pub use progress::{Progress, ProgressState};
pub use quorum::majority;

use crate::client::{ClientReply, ClientRequest, Outcome};
use crate::config::{Config, ConfigError};
use crate::event::{DenyReason, Event};
use crate::kv::KvStore;
use crate::kv::Command;
use crate::log::{Entry, RaftLog};
use crate::membership::Membership;
use crate::message::{AppendResult, Body, Message};
use crate::rng::Rng;
use crate::snapshot::Snapshot;
use crate::types::{Index, NodeId, Term, Time, MAX_INDEX, MAX_TERM, MAX_TERM_JUMP};
use campaign::Campaign;
use clients::Requests;
use leader::Leadership;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What a node asks its owner to do, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    /// Write the persistent state to stable storage before carrying out any later effect:
    /// the messages and replies after it may rely on it (Figure 2: persistent state is
    /// "updated on stable storage before responding to RPCs"). `term` and `voted_for` are
    /// the current ones. If `snapshot`, the snapshot changed: write `Node::snapshot()`, and
    /// drop the entries it covers (the log starts after it, as `Node::log()` does). Then the
    /// log changed from index `log_from` on: keep the entries before it, and replace the rest
    /// with `Node::log()` from there (nothing, if it is past the end).
    Persist { term: Term, voted_for: Option<NodeId>, log_from: Index, snapshot: bool },
    Send(Message),
    Reply(ClientReply),
    Trace(Event),
}

/// The state that survives a crash (§5, Figure 2: persistent state on all servers). The node
/// asks for it to be written with [`Effect::Persist`] before any message or reply that
/// depends on it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersistentState {
    pub term: Term,
    pub voted_for: Option<NodeId>,
    pub log: RaftLog,
    /// The last snapshot (§7): the log holds the entries after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Snapshot>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoleKind {
    Follower,
    PreCandidate,
    Candidate,
    Leader,
}

#[derive(Debug)]
enum Role {
    Follower { leader: Option<NodeId> },
    PreCandidate(Campaign),
    Candidate(Campaign),
    Leader(Box<Leadership>),
}

pub struct Node {
    id: NodeId,
    /// The configuration as of the log's start: the snapshot's, or the one the node was
    /// started in (empty for a server that joins a running cluster).
    base_membership: Membership,
    /// The latest configuration in the log (or the base), which this node uses at once
    /// (thesis §4.1), and the index of the entry that holds it (the log's start for the base).
    membership: Membership,
    membership_index: Index,
    config: Config,
    // Persistent state (Figure 2).
    term: Term,
    voted_for: Option<NodeId>,
    log: RaftLog,
    // Volatile state (Figure 2).
    commit_index: Index,
    last_applied: Index,
    kv: KvStore,
    /// The state machine as of the log's start (§7), if the log was ever compacted.
    snapshot: Option<Snapshot>,
    /// The chunks of a leader's snapshot received so far (§7), until the last.
    incoming_snapshot: Option<Snapshot>,
    /// Every server of every configuration this node has used: a leader sends the log to one
    /// of them that speaks from outside the configuration (see `membership.rs`).
    former_members: BTreeSet<NodeId>,
    role: Role,
    rng: Rng,
    election_deadline: Time,
    /// When we last heard from a leader of our term (or granted a vote): until a minimum
    /// election timeout has passed, check-quorum makes us ignore other candidates.
    last_leader_contact: Option<Time>,
    /// Client requests held or owed an answer.
    requests: Requests,
    /// This node found it cannot reach a majority (it led and lost its majority, or a
    /// campaign won nothing in an election timeout) and has heard from no leader since: a
    /// request that would wait here for a leader is sent elsewhere at once (§8 leaves how a
    /// node without a leader answers to the implementation).
    cut_off: bool,
    /// What the last `Effect::Persist` wrote: the term and vote, and whether (from which
    /// index) the log has changed since.
    persisted: (Term, Option<NodeId>),
    log_changed_from: Option<Index>,
    /// Whether the snapshot changed since the last `Effect::Persist`.
    snapshot_changed: bool,
    effects: Vec<Effect>,
}

impl Node {
    /// A fresh node with an empty log. `peers` are the other voters of the cluster it starts
    /// in.
    pub fn new(id: NodeId, peers: Vec<NodeId>, config: Config, seed: u64, now: Time) -> Result<Node, ConfigError> {
        Node::restart(id, peers, config, seed, now, PersistentState::default()).map(Node::never_ran)
    }

    /// A fresh node that is in no configuration yet: it waits, without campaigning, for a
    /// leader to add it (§6) and send it the log.
    pub fn join(id: NodeId, config: Config, seed: u64, now: Time) -> Result<Node, ConfigError> {
        Node::restart_in(id, Membership::default(), config, seed, now, PersistentState::default()).map(Node::never_ran)
    }

    /// A node that never ran has acknowledged no leader's lease.
    fn never_ran(mut node: Node) -> Node {
        node.last_leader_contact = None;
        node
    }

    /// A node coming back from a crash with the state it had persisted; `peers` are the
    /// other voters of the cluster it was first started in.
    pub fn restart(
        id: NodeId,
        peers: Vec<NodeId>,
        config: Config,
        seed: u64,
        now: Time,
        persistent: PersistentState,
    ) -> Result<Node, ConfigError> {
        if peers.contains(&id) {
            return Err(ConfigError(format!("node {id} lists itself among its peers")));
        }
        let bootstrap = Membership::of_voters(peers.into_iter().chain([id]));
        Node::restart_in(id, bootstrap, config, seed, now, persistent)
    }

    /// A node coming back from a crash, first started in the configuration `bootstrap` (empty
    /// for one that joined a running cluster). The log and the snapshot say what it is now.
    pub fn restart_in(
        id: NodeId,
        bootstrap: Membership,
        config: Config,
        seed: u64,
        now: Time,
        persistent: PersistentState,
    ) -> Result<Node, ConfigError> {
        config.validate()?;
        let PersistentState { term, voted_for, log, snapshot } = persistent;
        // §7: the log starts where the snapshot ends, and the state machine is the snapshot's.
        let covered = snapshot.as_ref().map_or((0, 0), |s| (s.last_index, s.last_term));
        if !snapshot.as_ref().is_none_or(Snapshot::is_consistent) {
            return Err(ConfigError(format!("node {id}'s snapshot names terms no log could have")));
        }
        if log.start() != covered {
            return Err(ConfigError(format!(
                "node {id}'s log starts after entry {:?} but its snapshot ends at {covered:?}",
                log.start()
            )));
        }
        let applied = covered.0;
        let kv = snapshot.as_ref().map(|s| s.kv.clone()).unwrap_or_default();
        let base_membership = snapshot.as_ref().map_or(bootstrap, |s| s.membership.clone());
        let mut node = Node {
            id,
            membership: base_membership.clone(),
            membership_index: applied,
            base_membership,
            config,
            term,
            voted_for,
            log,
            commit_index: applied,
            last_applied: applied,
            kv,
            snapshot,
            incoming_snapshot: None,
            former_members: BTreeSet::new(),
            role: Role::Follower { leader: None },
            rng: Rng::new(seed ^ (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            election_deadline: 0,
            // A restarted node cannot know whether it acknowledged a leader's lease just
            // before it crashed, so it honours one from now on (thesis §6.4.1).
            last_leader_contact: Some(now),
            requests: Requests::default(),
            cut_off: false,
            persisted: (term, voted_for),
            log_changed_from: None,
            snapshot_changed: false,
            effects: Vec::new(),
        };
        node.refresh_membership();
        node.reset_election_timer(now);
        Ok(node)
    }

    // ----- inputs -----

    /// Whether an honest peer could have sent `msg`. Raft does not defend against a lying
    /// peer, but numbers no honest one sends must not break this node: a term past
    /// `MAX_TERM` (or more than `MAX_TERM_JUMP` past ours) would leave the cluster without a
    /// term to campaign in, and a log term above the message's own term (a leader's entries
    /// and a candidate's last entry are never newer than its term) would win every election
    /// with a log no leader can commit behind. A leader's entries never go back in term (the
    /// log keeps its terms in order, which its searches rely on), no log reaches
    /// `MAX_INDEX`, and no configuration is without voters (no change leads to one, and it
    /// would leave its servers unable to elect anyone).
    /// [`Node::receive`] drops a message for which this is false; a host may ask first, to
    /// log the drop.
    pub fn is_possible(&self, msg: &Message) -> bool {
        let term = msg.term;
        if term > MAX_TERM || term > self.term.saturating_add(MAX_TERM_JUMP) {
            return false;
        }
        match &msg.body {
            Body::PreVote { last_log_term, .. } | Body::RequestVote { last_log_term, .. } => *last_log_term <= term,
            Body::AppendEntries { prev_log_index, prev_log_term, entries, .. } => {
                let mut newest = *prev_log_term;
                let in_order = entries.iter().all(|e| std::mem::replace(&mut newest, e.term) <= e.term);
                let voterless = entries.iter().any(|e| matches!(&e.command, Command::Membership(m) if m.voters.is_empty()));
                in_order && !voterless && newest <= term && prev_log_index.checked_add(entries.len() as Index).is_some_and(|end| end <= MAX_INDEX)
            }
            // A snapshot covers a log a leader of `term` holds: no newer term than that.
            Body::InstallSnapshot { snapshot, .. } => {
                snapshot.last_term <= term && snapshot.last_index <= MAX_INDEX && snapshot.is_consistent()
            }
            _ => true,
        }
    }

    /// A message from a peer. §5.1: a newer term makes any node a follower of it; a message
    /// of an older term is answered with ours and otherwise ignored. Then the role decides.
    pub fn receive(&mut self, now: Time, msg: Message) {
        // Thesis §4.1: a server handles messages from outside its configuration too: a leader
        // that is removing itself still replicates, and a new server hears from a leader it
        // does not know yet.
        if msg.to != self.id || msg.from == self.id || !self.is_possible(&msg) {
            return; // not for us, or one no honest peer sends
        }
        if self.is_leader() && !self.membership.is_member(msg.from) {
            self.heard_from_outside(msg.from, now);
            // Thesis §4.2.3: a removed server that does not know it campaigns in ever higher
            // terms; its vote requests do not depose the leader, which sends it the log
            // instead. (An answer to that log in a higher term does: only a leader of at least
            // that term can reach it.)
            let asks_for_votes = matches!(msg.body, Body::PreVote { .. } | Body::RequestVote { .. });
            if msg.term > self.term && asks_for_votes {
                return;
            }
        }
        if msg.term > self.term && !self.accept_higher_term(now, &msg) {
            return;
        }
        if msg.term < self.term {
            self.reply_to_stale(msg);
            return;
        }
        match msg.body {
            // Every role answers vote requests (a leader or candidate of this term has voted
            // for itself, so it denies them).
            Body::PreVote { last_log_index, last_log_term } => {
                self.handle_pre_vote(now, msg.from, msg.term, last_log_index, last_log_term)
            }
            Body::RequestVote { last_log_index, last_log_term } => {
                self.handle_request_vote(now, msg.from, last_log_index, last_log_term)
            }
            body => match self.role {
                Role::Follower { .. } => self.step_follower(now, msg.from, body),
                Role::PreCandidate(_) | Role::Candidate(_) => self.step_candidate(now, msg.from, msg.term, body),
                Role::Leader(_) => self.step_leader(now, msg.from, body),
            },
        }
    }

    fn step_follower(&mut self, now: Time, from: NodeId, body: Body) {
        match body {
            Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, sent_at } => {
                let append = follower::Append { prev_log_index, prev_log_term, entries, leader_commit, sent_at };
                self.handle_append_entries(now, from, append);
            }
            Body::InstallSnapshot { snapshot, after, done, sent_at } => {
                self.handle_install_snapshot(now, from, snapshot, after, done, sent_at)
            }
            // Replies to a campaign or a leadership we have left: nothing to do.
            _ => {}
        }
    }

    fn step_candidate(&mut self, now: Time, from: NodeId, term: Term, body: Body) {
        match body {
            Body::PreVoteReply { granted } => self.handle_vote_reply(now, from, term, granted, true),
            Body::RequestVoteReply { granted } => self.handle_vote_reply(now, from, term, granted, false),
            // §5.2: a candidate that hears from a leader of its term recognises it.
            Body::AppendEntries { .. } | Body::InstallSnapshot { .. } => {
                self.become_follower(now, self.term, Some(from));
                self.step_follower(now, from, body);
            }
            Body::AppendEntriesReply { .. } | Body::InstallSnapshotReply { .. } | Body::PreVote { .. } | Body::RequestVote { .. } => {}
        }
    }

    fn step_leader(&mut self, now: Time, from: NodeId, body: Body) {
        // Election safety (§5.2) allows one leader per term: an AppendEntries of our own term
        // from another node is a bug in the sender and must not touch our log.
        match body {
            Body::AppendEntriesReply { result, sent_at } => self.handle_append_reply(now, from, result, sent_at),
            Body::InstallSnapshotReply { last_index, received, sent_at } => {
                self.handle_snapshot_chunk_reply(now, from, last_index, received, sent_at)
            }
            _ => {}
        }
    }

    /// A request from a client. It gets exactly one answer, now or later.
    pub fn client_request(&mut self, now: Time, request: ClientRequest) {
        self.handle_client_request(now, request);
    }

    /// Lets time pass: fires whatever deadline is due. Call it whenever `now` has reached
    /// [`Node::next_deadline`]; calling it more often is harmless.
    pub fn tick(&mut self, now: Time) {
        if self.compaction_due() {
            self.compact();
        }
        match self.role {
            Role::Leader(_) => self.leader_tick(now),
            _ if now >= self.election_deadline => self.on_election_timeout(now),
            _ => self.resend_vote_requests(now),
        }
    }

    /// Makes a follower or candidate act as if its election timer had fired (for example, to
    /// hand over leadership quickly, or in a demonstration). A leader ignores it.
    pub fn timeout_now(&mut self, now: Time) {
        if !self.is_leader() {
            self.on_election_timeout(now);
        }
    }

    /// The earliest time at which [`Node::tick`] has something to do.
    pub fn next_deadline(&self) -> Time {
        if self.compaction_due() {
            return 0; // at once, as a step of its own (see `snapshots.rs`)
        }
        match &self.role {
            Role::Leader(l) => self.leader_deadline(l),
            Role::PreCandidate(c) | Role::Candidate(c) => {
                c.resend_deadline().map_or(self.election_deadline, |t| t.min(self.election_deadline))
            }
            Role::Follower { .. } => self.election_deadline,
        }
    }

    /// Takes the effects produced since the last call, in the order they happened.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// Moves the effects produced since the last call into `out`.
    pub fn drain_effects_into(&mut self, out: &mut Vec<Effect>) {
        out.append(&mut self.effects);
    }

    // ----- queries -----

    pub fn id(&self) -> NodeId {
        self.id
    }
    /// The configuration this node uses: the latest in its log (§6, thesis §4.1).
    pub fn membership(&self) -> &Membership {
        &self.membership
    }
    /// The other members of its configuration, voters and learners.
    pub fn peers(&self) -> Vec<NodeId> {
        self.membership.members().filter(|&p| p != self.id).collect()
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn term(&self) -> Term {
        self.term
    }
    pub fn voted_for(&self) -> Option<NodeId> {
        self.voted_for
    }
    pub fn log(&self) -> &RaftLog {
        &self.log
    }
    pub fn commit_index(&self) -> Index {
        self.commit_index
    }
    pub fn last_applied(&self) -> Index {
        self.last_applied
    }
    pub fn kv(&self) -> &KvStore {
        &self.kv
    }
    /// The last snapshot (§7), if the log was ever compacted: the log starts after it.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_ref()
    }
    pub fn election_deadline(&self) -> Time {
        self.election_deadline
    }
    pub fn held_requests(&self) -> usize {
        self.requests.held_len()
    }

    pub fn role(&self) -> RoleKind {
        match self.role {
            Role::Follower { .. } => RoleKind::Follower,
            Role::PreCandidate { .. } => RoleKind::PreCandidate,
            Role::Candidate { .. } => RoleKind::Candidate,
            Role::Leader(_) => RoleKind::Leader,
        }
    }

    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader(_))
    }

    /// Who this node believes leads its current term, itself included.
    pub fn leader(&self) -> Option<NodeId> {
        match self.role {
            Role::Follower { leader } => leader,
            Role::Leader(_) => Some(self.id),
            _ => None,
        }
    }

    /// Votes a (pre-)candidate has collected, itself included.
    pub fn votes(&self) -> Option<&BTreeSet<NodeId>> {
        match &self.role {
            Role::PreCandidate(c) | Role::Candidate(c) => Some(&c.votes),
            _ => None,
        }
    }

    /// A leader's view of each follower.
    pub fn progress(&self) -> Option<&BTreeMap<NodeId, Progress>> {
        match &self.role {
            Role::Leader(l) => Some(&l.progress),
            _ => None,
        }
    }

    /// What survives a crash of this node.
    pub fn persistent_state(&self) -> PersistentState {
        PersistentState { term: self.term, voted_for: self.voted_for, log: self.log.clone(), snapshot: self.snapshot.clone() }
    }

    // ----- shared helpers -----

    /// The other voters: those a campaign asks (§5.2).
    fn other_voters(&self) -> Vec<NodeId> {
        self.membership.voters.iter().copied().filter(|&p| p != self.id).collect()
    }

    fn trace(&mut self, event: Event) {
        if self.config.trace {
            self.effects.push(Effect::Trace(event));
        }
    }

    fn send(&mut self, to: NodeId, body: Body) {
        self.send_in_term(to, self.term, body);
    }

    /// Sends with a term other than our own (pre-votes speak of the term they propose).
    fn send_in_term(&mut self, to: NodeId, term: Term, body: Body) {
        self.persist();
        self.effects.push(Effect::Send(Message { from: self.id, to, term, body }));
    }

    fn answer(&mut self, request: ClientRequest, outcome: Outcome) {
        self.trace(Event::RequestAnswered { client: request.client.clone(), id: request.id.clone(), outcome: outcome.clone() });
        self.persist();
        self.effects.push(Effect::Reply(ClientReply { client: request.client, id: request.id, outcome }));
    }

    /// Asks for the persistent state to be written if it changed since it last was.
    fn persist(&mut self) {
        if self.persisted == (self.term, self.voted_for) && self.log_changed_from.is_none() && !self.snapshot_changed {
            return;
        }
        let log_from = self.log_changed_from.take().unwrap_or(self.log.last_index() + 1);
        self.persisted = (self.term, self.voted_for);
        let snapshot = std::mem::take(&mut self.snapshot_changed);
        self.effects.push(Effect::Persist { term: self.term, voted_for: self.voted_for, log_from, snapshot });
    }

    /// Appends to the log, noting the change for the next `Effect::Persist`. A
    /// configuration takes effect as soon as it is appended (thesis §4.1).
    fn log_append(&mut self, entry: Entry) -> Index {
        let membership = match &entry.command {
            Command::Membership(m) => Some(m.clone()),
            _ => None,
        };
        let index = self.log.append(entry);
        self.log_changed(index);
        if let Some(m) = membership {
            self.set_membership(index, m);
        }
        index
    }

    /// Removes the entry at `from` and everything after it (§5.3), noting the change. A
    /// configuration removed with it no longer applies: the previous one does again.
    fn log_truncate(&mut self, from: Index) {
        self.log.truncate_from(from);
        self.log_changed(from);
        if from <= self.membership_index {
            self.refresh_membership();
        }
    }

    fn log_changed(&mut self, from: Index) {
        self.log_changed_from = Some(self.log_changed_from.map_or(from, |f| f.min(from)));
    }

    fn reset_election_timer(&mut self, now: Time) {
        let timeout = self.rng.range(self.config.election_timeout_min_us, self.config.election_timeout_max_us);
        self.election_deadline = now.saturating_add(timeout);
    }

    /// Check-quorum's leader stickiness: we heard from a live leader so recently that no
    /// election can be needed yet (thesis §4.2.3).
    fn leader_is_alive(&self, now: Time) -> bool {
        self.config.check_quorum && (self.is_leader() || self.heard_from_leader_lately(now))
    }

    /// Whether a leader was heard from less than a minimum election timeout ago.
    fn heard_from_leader_lately(&self, now: Time) -> bool {
        self.last_leader_contact.is_some_and(|t| now < t.saturating_add(self.config.election_timeout_min_us))
    }

    /// A message carries a newer term. Returns whether to go on handling it.
    fn accept_higher_term(&mut self, now: Time, msg: &Message) -> bool {
        match msg.body {
            // A pre-vote does not change terms (thesis §9.6); a granted pre-vote reply carries
            // the term we proposed.
            Body::PreVote { .. } | Body::PreVoteReply { granted: true } => true,
            // Stickiness: a vote request while our leader is alive is ignored, term and all.
            Body::RequestVote { .. } if self.leader_is_alive(now) => {
                let (candidate, term) = (msg.from, msg.term);
                self.trace(Event::VoteDenied { candidate, term, pre_vote: false, reason: DenyReason::LeaderAlive });
                false
            }
            _ => {
                let leader = matches!(msg.body, Body::AppendEntries { .. } | Body::InstallSnapshot { .. }).then_some(msg.from);
                self.become_follower(now, msg.term, leader);
                true
            }
        }
    }

    /// A message from an older term: tell the sender our term so that it catches up (§5.1).
    fn reply_to_stale(&mut self, msg: Message) {
        match msg.body {
            Body::PreVote { .. } => self.send(msg.from, Body::PreVoteReply { granted: false }),
            Body::RequestVote { .. } => self.send(msg.from, Body::RequestVoteReply { granted: false }),
            Body::AppendEntries { prev_log_index, sent_at, .. } => {
                let result = AppendResult::Reject {
                    rejected_index: prev_log_index,
                    conflict_index: prev_log_index,
                    conflict_term: None,
                };
                self.send(msg.from, Body::AppendEntriesReply { result, sent_at })
            }
            Body::InstallSnapshot { snapshot, sent_at, .. } => {
                let index = snapshot.last_index;
                let result = AppendResult::Reject { rejected_index: index, conflict_index: index, conflict_term: None };
                self.send(msg.from, Body::AppendEntriesReply { result, sent_at })
            }
            _ => {} // a stale reply: nothing to do
        }
    }

    /// §5.3: applies newly committed entries to the state machine in log order, answering
    /// the puts this node owes.
    fn apply_committed(&mut self) {
        while self.last_applied < self.commit_index {
            self.last_applied += 1;
            let index = self.last_applied;
            let entry = self.log.get(index).expect("committed entries exist");
            let (term, command) = (entry.term, entry.command.clone());
            self.kv.apply(&command);
            self.trace(Event::Applied { index });
            if let Some(request) = self.requests.take_owed(index, term) {
                self.answer(request, Outcome::Written);
            }
        }
    }

    /// §5.3, §5.4.2: the commit index only grows; what it covers is applied at once.
    fn set_commit_index(&mut self, to: Index, now: Time) {
        if to > self.commit_index {
            let from = self.commit_index;
            self.trace(Event::CommitAdvanced { from, to });
            self.commit_index = to;
            self.apply_committed();
            self.settle_lost_puts(now, from + 1, to);
        }
    }
}
