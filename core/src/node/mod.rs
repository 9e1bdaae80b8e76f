//! A Raft node in the sans-I/O style: its owner feeds it inputs stamped with the current time
//! and collects the effects (messages to send, client replies, trace events) and the time of
//! its next deadline. It never reads a clock, sleeps or touches a socket.
//!
//! Every input goes through [`Node::receive`], [`Node::client_request`] or [`Node::tick`].
//! Term handling comes first for every message (§5.1), then one handler per role and message.

mod append;
mod campaign;
mod chain_answers;
mod election;
mod inherited;
mod progress;
mod quorum;
mod replication;
mod requests;

pub use progress::{Progress, ProgressState};
pub use quorum::majority;

use crate::client::{ClientReply, ClientRequest, Outcome};
use crate::config::{Config, ConfigError};
use campaign::Campaign;
use crate::event::Event;
use crate::kv::KvStore;
use crate::log::RaftLog;
use crate::message::{Body, Message};
use crate::rng::Rng;
use crate::types::{Index, NodeId, Term, Time};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// What a node asks its owner to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    Send(Message),
    Reply(ClientReply),
    Trace(Event),
}

/// The state that survives a crash (§5, Figure 2: persistent state on all servers). A node
/// is assumed to persist it before it sends any message that depends on it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersistentState {
    pub term: Term,
    pub voted_for: Option<NodeId>,
    pub log: RaftLog,
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

/// A leader's volatile state (§5, Figure 2: volatile state on leaders, plus what it owes
/// to clients).
#[derive(Debug)]
struct Leadership {
    progress: BTreeMap<NodeId, Progress>,
    since: Time,
    /// The first index of this term; reads wait until it is committed, because only then
    /// does the leader know every entry committed before it (§8).
    term_start: Index,
    /// Puts appended by this leader, answered when applied.
    pending_writes: BTreeMap<Index, ClientRequest>,
    /// Reads waiting for leadership to be confirmed or for entries to be applied.
    pending_reads: Vec<PendingRead>,
    /// When this leader appended each entry that is not committed yet.
    uncommitted: VecDeque<(Index, Time)>,
    /// Set when replication has work to do at once (new entries, freed window).
    flush_due: bool,
    /// How often, in thousandths, an AppendEntries with entries to a live follower went
    /// unanswered until its retransmit timeout (a moving average). Under heavy loss a commit
    /// rarely gets both of the acknowledgements it needs on the first try, so quorum fanout
    /// then adds one follower, and relay fanout a second chain.
    loss_permille: u32,
    /// Smoothed round trip of AppendEntries to followers, from the send times they echo.
    srtt_us: Option<u64>,
    /// The last entry sent to any follower. Later ones have no copy elsewhere yet, so their
    /// answerer may still be named (`Config::chain_answers`).
    sent_through: Index,
    /// The quick retries of unanswered chains (`Config::chain_answers`).
    quick: chain_answers::QuickRetries,
    /// The last entry sent as a spare copy (`Config::spare_copies`).
    spared_through: Index,
    /// The puts of earlier terms that may still be unanswered.
    inherited: inherited::Inherited,
}

#[derive(Debug)]
struct PendingRead {
    request: ClientRequest,
    /// The commit index when the read arrived: the answer must reflect at least this.
    read_index: Index,
    /// With `Config::chain_answers`: the follower named to answer the latest applied put of
    /// the key, and that put's index, as of the last time reads were served. The read waits
    /// until that follower has applied it, so that the put's answer is on its way to the
    /// client before the value it wrote is (the client must not read a value it has not
    /// been told is written).
    answered_by: Option<(NodeId, Index)>,
    /// Leadership must be confirmed by acknowledgements of messages sent at or after this.
    arrived_at: Time,
}

pub struct Node {
    id: NodeId,
    peers: Vec<NodeId>,
    config: Config,
    // Persistent state (§5, Figure 2).
    term: Term,
    voted_for: Option<NodeId>,
    log: RaftLog,
    // Volatile state.
    commit_index: Index,
    /// The commit index when the current term began: what leaders of earlier terms told us.
    /// Reported in every AppendEntries and vote reply (see `inherited.rs`).
    prior_commit: Index,
    last_applied: Index,
    kv: KvStore,
    role: Role,
    rng: Rng,
    election_deadline: Time,
    /// When we last heard from a leader of our term (or granted a vote): until a minimum
    /// election timeout has passed, check-quorum makes us ignore other candidates.
    last_leader_contact: Option<Time>,
    /// The last leader we followed, with its term (see `inherited.rs`).
    last_leader: Option<(Term, NodeId)>,
    /// Requests that arrived while no leader was known (or while the known one seemed gone).
    held: Vec<ClientRequest>,
    /// Puts this node appended as leader and still owes an answer for although it lost
    /// leadership, with the term of their entry: an entry of a deposed leader may still be
    /// committed by the next one, so the client is told it was written once the entry is
    /// applied (unless the entry names another node to answer), or redirected once a
    /// committed entry overwrites it (never before its fate is known: a redirected put must
    /// have had no effect).
    orphaned: BTreeMap<Index, (Term, ClientRequest)>,
    /// When we last redirected each client, to notice one that comes straight back.
    redirected: BTreeMap<String, Time>,
    /// The first index this node has written since it started: it answers for entries it
    /// applies only from here on (after a restart, replaying older ones must not answer a
    /// client twice).
    fresh_from: Index,
    /// `Config::defer_to_longer_logs`: our last pre-vote stood down for a peer whose log is
    /// ahead of ours. The next one does not, so that a peer that cannot win (cut off from a
    /// majority, say) costs us every other campaign, not all of them.
    stood_down: bool,
    effects: Vec<Effect>,
}

impl Node {
    /// A fresh node with an empty log. `peers` are the other members of the cluster.
    pub fn new(id: NodeId, peers: Vec<NodeId>, config: Config, seed: u64, now: Time) -> Result<Node, ConfigError> {
        let mut node = Node::restart(id, peers, config, seed, now, PersistentState::default())?;
        // A node that never ran has acknowledged no leader's lease.
        node.last_leader_contact = None;
        Ok(node)
    }

    /// A node coming back from a crash with the state it had persisted.
    pub fn restart(
        id: NodeId,
        mut peers: Vec<NodeId>,
        config: Config,
        seed: u64,
        now: Time,
        persistent: PersistentState,
    ) -> Result<Node, ConfigError> {
        config.validate()?;
        peers.sort_unstable();
        peers.dedup();
        if peers.contains(&id) {
            return Err(ConfigError(format!("node {id} lists itself among its peers")));
        }
        let fresh_from = persistent.log.last_index() + 1;
        let mut node = Node {
            id,
            peers,
            config,
            term: persistent.term,
            voted_for: persistent.voted_for,
            log: persistent.log,
            commit_index: 0,
            prior_commit: 0,
            last_applied: 0,
            kv: KvStore::default(),
            role: Role::Follower { leader: None },
            rng: Rng::new(seed ^ (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            election_deadline: 0,
            // A restarted node cannot know whether it acknowledged a leader's lease just
            // before it crashed, so it honours one from now on (thesis §6.4.1).
            last_leader_contact: Some(now),
            last_leader: None,
            held: Vec::new(),
            orphaned: BTreeMap::new(),
            redirected: BTreeMap::new(),
            fresh_from,
            stood_down: false,
            effects: Vec::new(),
        };
        node.reset_election_timer(now);
        Ok(node)
    }

    // ----- inputs -----

    /// A message from a peer (§5.1: term handling first, then the role's handler).
    pub fn receive(&mut self, now: Time, msg: Message) {
        if msg.to != self.id || !self.is_peer(msg.from) || append_leader(&msg).is_some_and(|l| !self.is_peer(l)) {
            return; // not for us, or from (or forwarded for) outside the cluster: drop it
        }
        if msg.term > self.term && !self.accept_higher_term(now, &msg) {
            return;
        }
        // Whatever it says, its sender is alive (`Campaign::quiet`).
        if let Role::PreCandidate(c) | Role::Candidate(c) = &mut self.role {
            c.heard_from(msg.from);
        }
        if msg.term < self.term {
            self.reply_to_stale(msg);
            return;
        }
        match msg.body {
            Body::PreVote { last_log_index, last_log_term } => {
                self.handle_pre_vote(now, msg.from, msg.term, last_log_index, last_log_term)
            }
            Body::PreVoteReply { granted, log_ahead } => {
                self.handle_vote_reply(now, msg.from, msg.term, granted, Some(log_ahead))
            }
            Body::RequestVote { last_log_index, last_log_term } => {
                self.handle_request_vote(now, msg.from, last_log_index, last_log_term)
            }
            Body::RequestVoteReply { granted, prior_commit } => {
                self.note_prior_commit(msg.term, prior_commit);
                self.handle_vote_reply(now, msg.from, msg.term, granted, None)
            }
            Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, sent_at, relay } => {
                let append = append::Append { prev_log_index, prev_log_term, entries, leader_commit, sent_at, relay };
                self.handle_append_entries(now, msg.from, append)
            }
            Body::AppendEntriesReply { result, sent_at, via, commit_index, prior_commit } => {
                self.note_prior_commit(msg.term, prior_commit);
                self.handle_append_reply(now, msg.from, result, sent_at, via, commit_index)
            }
        }
        // A commit may have settled the fate of puts this node owes from an earlier
        // leadership (also when it leads again).
        if !self.orphaned.is_empty() {
            self.settle_orphans(now);
        }
    }

    /// A request from a client. It gets exactly one answer, now or later.
    pub fn client_request(&mut self, now: Time, request: ClientRequest) {
        self.handle_client_request(now, request);
    }

    /// Lets time pass: fires whatever deadline is due. Call it whenever `now` has reached
    /// [`Node::next_deadline`]; calling it more often is harmless.
    pub fn tick(&mut self, now: Time) {
        if self.is_leader() {
            self.leader_tick(now);
        } else if now >= self.election_deadline {
            self.on_election_timeout(now);
        } else {
            // A won pre-vote that waited for the other answers (`Config::defer_to_longer_logs`)
            // goes on before they are asked again.
            if let Role::PreCandidate(_) = self.role {
                self.check_votes(now, true);
            }
            self.resend_vote_requests(now);
        }
        if !self.orphaned.is_empty() {
            self.settle_orphans(now);
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
    pub fn peers(&self) -> &[NodeId] {
        &self.peers
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
    pub fn election_deadline(&self) -> Time {
        self.election_deadline
    }
    pub fn held_requests(&self) -> usize {
        self.held.len()
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
        PersistentState { term: self.term, voted_for: self.voted_for, log: self.log.clone() }
    }

    // ----- shared helpers -----

    fn cluster_size(&self) -> usize {
        self.peers.len() + 1
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
        self.effects.push(Effect::Send(Message { from: self.id, to, term, body }));
    }

    fn answer(&mut self, request: ClientRequest, outcome: Outcome) {
        self.answer_to(request.client, request.id, outcome);
    }

    fn answer_to(&mut self, client: String, id: String, outcome: Outcome) {
        self.trace(Event::RequestAnswered { client: client.clone(), id: id.clone(), outcome: outcome.clone() });
        self.effects.push(Effect::Reply(ClientReply { client, id, outcome }));
    }

    fn reset_election_timer(&mut self, now: Time) {
        let timeout = self.rng.range(self.config.election_timeout_min_us, self.config.election_timeout_max_us);
        self.election_deadline = now + timeout;
    }

    /// Check-quorum's leader stickiness: we heard from a live leader so recently that no
    /// election can be needed yet (thesis §4.2.3).
    fn leader_is_alive(&self, now: Time) -> bool {
        if !self.config.check_quorum {
            return false;
        }
        self.is_leader() || self.heard_from_leader_lately(now)
    }

    /// Whether a leader was heard from less than a minimum election timeout ago.
    fn heard_from_leader_lately(&self, now: Time) -> bool {
        self.last_leader_contact.is_some_and(|t| now < t + self.config.election_timeout_min_us)
    }

    /// A message carries a newer term. Returns whether to go on handling it.
    fn accept_higher_term(&mut self, now: Time, msg: &Message) -> bool {
        match msg.body {
            // A pre-vote does not change terms (thesis §9.6); a granted pre-vote reply carries
            // the term we proposed.
            Body::PreVote { .. } | Body::PreVoteReply { granted: true, .. } => true,
            Body::RequestVote { .. } if self.leader_is_alive(now) => {
                self.trace(Event::VoteDenied {
                    candidate: msg.from,
                    term: msg.term,
                    pre_vote: false,
                    reason: crate::event::DenyReason::LeaderAlive,
                });
                false
            }
            _ => {
                let leader = append_leader(msg);
                self.become_follower(now, msg.term, leader);
                true
            }
        }
    }

    /// A message from an older term: tell the sender our term so that it catches up (§5.1).
    fn reply_to_stale(&mut self, msg: Message) {
        match msg.body {
            Body::PreVote { .. } => self.send(msg.from, Body::PreVoteReply { granted: false, log_ahead: false }),
            Body::RequestVote { .. } => self.send(msg.from, Body::RequestVoteReply { granted: false, prior_commit: self.prior_commit }),
            Body::AppendEntries { prev_log_index, sent_at, .. } => {
                let leader = append_leader(&msg).unwrap_or(msg.from);
                let result = crate::message::AppendResult::Reject {
                    rejected_index: prev_log_index,
                    conflict_index: prev_log_index,
                    conflict_term: None,
                };
                let commit_index = self.commit_index;
                let prior_commit = self.prior_commit;
                self.send(leader, Body::AppendEntriesReply { result, sent_at, via: None, commit_index, prior_commit })
            }
            _ => {} // a stale reply: nothing to do
        }
    }

    /// Whether `node` is another member of the cluster.
    fn is_peer(&self, node: NodeId) -> bool {
        node != self.id && self.peers.contains(&node)
    }

    /// Applies newly committed entries to the state machine in log order (§5.3), answering
    /// the clients a leader owes.
    fn apply_committed(&mut self) {
        while self.last_applied < self.commit_index {
            self.last_applied += 1;
            let index = self.last_applied;
            let entry = self.log.get(index).expect("committed entries exist");
            let (term, command, answerer) = (entry.term, entry.command.clone(), entry.answerer.clone());
            self.kv.apply(&command);
            self.trace(Event::Applied { index });
            let mut owed = match &mut self.role {
                Role::Leader(l) => l.pending_writes.remove(&index),
                _ => None,
            };
            if owed.is_none() && self.orphaned.get(&index).is_some_and(|(t, _)| *t == term) {
                owed = self.orphaned.remove(&index).map(|(_, request)| request);
            }
            // An orphan whose entry was replaced by another is redirected by `settle_orphans`.
            match answerer {
                // The entry names who answers; that may be us, with or without the request.
                Some(a) if a.node == self.id && index >= self.fresh_from => {
                    self.answer_to(a.client, a.id, Outcome::Written);
                }
                Some(_) => {}
                None => {
                    if let Some(request) = owed {
                        self.answer(request, Outcome::Written);
                    }
                }
            }
        }
    }

    fn set_commit_index(&mut self, to: Index) {
        if to > self.commit_index {
            self.trace(Event::CommitAdvanced { from: self.commit_index, to });
            self.commit_index = to;
            self.apply_committed();
        }
    }
}

/// The leader an AppendEntries speaks for: its sender, or the leader named by a forwarded one.
fn append_leader(msg: &Message) -> Option<NodeId> {
    match msg.body {
        Body::AppendEntries { relay: crate::message::Relay::Forwarded { leader, .. }, .. } => Some(leader),
        Body::AppendEntries { .. } => Some(msg.from),
        _ => None,
    }
}
