//! A small deterministic test network in the spirit of etcd's raft tests: nodes `1..=N`, a
//! FIFO message queue, a virtual clock, and cut links that drop messages. Plus helpers to
//! build single nodes with a given log and hand-made messages for them.

#![allow(dead_code)] // every test file uses a different subset

use raft_core::*;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Every node gets the same seed; the core mixes in the node id, so timeouts still differ.
pub const SEED: u64 = 7;

/// Guards the event loops: a loop that runs this long means a node never goes quiet.
const STEP_LIMIT: usize = 200_000;

/// Textbook Raft as in §5 of the paper: no pre-vote, no check-quorum (so reads confirm
/// leadership with a heartbeat round), every follower replicated at once.
pub fn paper_config() -> Config {
    let mut c = Config::teaching();
    c.fanout = Fanout::All;
    c.pre_vote = false;
    c.check_quorum = false;
    c.read_mode = ReadMode::ReadIndex;
    c
}

/// The teaching preset with its extensions: pre-vote, check-quorum and lease reads.
pub fn modern_config() -> Config {
    let mut c = Config::teaching();
    c.fanout = Fanout::All;
    c
}

pub fn peers_of(id: NodeId, size: usize) -> Vec<NodeId> {
    (1..=size as NodeId).filter(|&p| p != id).collect()
}

// ----- logs -----

/// The entry a figure's log shows at `index` with `term`. The command is derived from both,
/// so that equal (index, term) pairs are equal entries, as the Log Matching Property says.
pub fn entry(index: Index, term: Term) -> Entry {
    Entry::new(term, Command::Put { key: format!("k{index}"), value: format!("t{term}") })
}

/// A log whose entry `i` (from 1) has term `terms[i - 1]`.
pub fn log_of(terms: &[Term]) -> RaftLog {
    let mut log = RaftLog::default();
    for (i, &term) in terms.iter().enumerate() {
        log.append(entry(i as Index + 1, term));
    }
    log
}

pub fn terms_of(log: &RaftLog) -> Vec<Term> {
    log.entries().iter().map(|e| e.term).collect()
}

// ----- single nodes -----

pub fn new_node(id: NodeId, size: usize, config: Config) -> Node {
    Node::new(id, peers_of(id, size), config, SEED, 0).expect("valid config")
}

/// A node restarted at time 0 with this persistent state, as if it had crashed with it.
pub fn node_with_log(
    id: NodeId,
    size: usize,
    config: Config,
    term: Term,
    voted_for: Option<NodeId>,
    terms: &[Term],
) -> Node {
    let state = PersistentState { term, voted_for, log: log_of(terms), snapshot: None };
    Node::restart(id, peers_of(id, size), config, SEED, 0, state).expect("valid config")
}

/// Turns a follower into a candidate through an election timeout (needs pre-vote off).
pub fn make_candidate(node: &mut Node, now: Time) {
    node.timeout_now(now);
    assert_eq!(node.role(), RoleKind::Candidate, "pre-vote must be off for make_candidate");
}

/// Turns a follower into a leader: a timeout, then granted votes until it wins (needs
/// pre-vote off).
pub fn make_leader(node: &mut Node, now: Time) {
    node.timeout_now(now);
    for voter in node.peers().to_vec() {
        if node.is_leader() {
            break;
        }
        let term = node.term();
        node.receive(now, vote_reply(voter, node.id(), term, true));
    }
    assert!(node.is_leader());
}

// ----- effects -----

pub fn sends(effects: &[Effect]) -> Vec<Message> {
    effects.iter().filter_map(|e| if let Effect::Send(m) = e { Some(m.clone()) } else { None }).collect()
}

pub fn replies(effects: &[Effect]) -> Vec<ClientReply> {
    effects.iter().filter_map(|e| if let Effect::Reply(r) = e { Some(r.clone()) } else { None }).collect()
}

pub fn events(effects: &[Effect]) -> Vec<Event> {
    effects.iter().filter_map(|e| if let Effect::Trace(t) = e { Some(t.clone()) } else { None }).collect()
}

// ----- hand-made messages -----

pub fn append_msg(
    from: NodeId,
    to: NodeId,
    term: Term,
    prev: (Index, Term),
    entries: Vec<Entry>,
    commit: Index,
) -> Message {
    let body = Body::AppendEntries {
        prev_log_index: prev.0,
        prev_log_term: prev.1,
        entries,
        leader_commit: commit,
        sent_at: 0,
    };
    Message { from, to, term, body }
}

pub fn append_reply(from: NodeId, to: NodeId, term: Term, result: AppendResult, sent_at: Time) -> Message {
    Message { from, to, term, body: Body::AppendEntriesReply { result, sent_at } }
}

pub fn vote_msg(from: NodeId, to: NodeId, term: Term, last: (Index, Term)) -> Message {
    Message { from, to, term, body: Body::RequestVote { last_log_index: last.0, last_log_term: last.1 } }
}

pub fn vote_reply(from: NodeId, to: NodeId, term: Term, granted: bool) -> Message {
    Message { from, to, term, body: Body::RequestVoteReply { granted } }
}

pub fn pre_vote_msg(from: NodeId, to: NodeId, term: Term, last: (Index, Term)) -> Message {
    Message { from, to, term, body: Body::PreVote { last_log_index: last.0, last_log_term: last.1 } }
}

pub fn put_op(key: &str, value: &str) -> Op {
    Op::Put { key: key.into(), value: value.into() }
}

pub fn get_op(key: &str) -> Op {
    Op::Get { key: key.into() }
}

// ----- the network -----

pub struct Network {
    pub config: Config,
    pub now: Time,
    nodes: BTreeMap<NodeId, Node>,
    queue: VecDeque<Message>,
    /// Links that drop messages, as (from, to).
    cut: BTreeSet<(NodeId, NodeId)>,
    /// Every message any node sent, with when, whether it was then delivered or dropped.
    pub sent: Vec<(Time, Message)>,
    /// Every client answer, with when and by which node.
    pub replies: Vec<(Time, NodeId, ClientReply)>,
    pub events: Vec<(Time, NodeId, Event)>,
    next_request: u64,
}

impl Network {
    /// `size` fresh nodes with empty logs.
    pub fn new(size: usize, config: Config) -> Network {
        let nodes = (1..=size as NodeId).map(|id| (id, new_node(id, size, config.clone()))).collect();
        Network::from_nodes(config, nodes)
    }

    /// One node per `(term, log terms)`, as if each had crashed with that persistent state
    /// (`voted_for` none): the way to set up the paper's figures.
    pub fn with_logs(config: Config, states: &[(Term, &[Term])]) -> Network {
        let size = states.len();
        let nodes = states
            .iter()
            .enumerate()
            .map(|(i, &(term, terms))| {
                let id = i as NodeId + 1;
                (id, node_with_log(id, size, config.clone(), term, None, terms))
            })
            .collect();
        Network::from_nodes(config, nodes)
    }

    fn from_nodes(config: Config, nodes: BTreeMap<NodeId, Node>) -> Network {
        Network {
            config,
            now: 0,
            nodes,
            queue: VecDeque::new(),
            cut: BTreeSet::new(),
            sent: Vec::new(),
            replies: Vec::new(),
            events: Vec::new(),
            next_request: 0,
        }
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[&id]
    }

    /// Starts a new, empty node `id` in no configuration, waiting to be added (§6).
    pub fn join(&mut self, id: NodeId) {
        let node = Node::join(id, self.config.clone(), SEED, self.now).expect("valid config");
        self.nodes.insert(id, node);
    }

    /// Asks node `leader` to change the configuration.
    pub fn change(&mut self, leader: NodeId, change: MembershipChange) -> Result<Index, Refusal> {
        let mut result = Err(Refusal::NotLeader);
        self.with_node(leader, |n, now| result = n.change_membership(now, change));
        result
    }

    /// Crashes node `id` and starts it again from what it persisted; `bootstrap` is the
    /// configuration it was first started in.
    pub fn restart(&mut self, id: NodeId, bootstrap: Membership) {
        let state = self.node(id).persistent_state();
        let node = Node::restart_in(id, bootstrap, self.config.clone(), SEED, self.now, state).expect("a state it wrote");
        self.nodes.insert(id, node);
    }

    pub fn ids(&self) -> Vec<NodeId> {
        self.nodes.keys().copied().collect()
    }

    /// The leader with the highest term, if any node believes it leads.
    pub fn leader(&self) -> Option<NodeId> {
        self.nodes.values().filter(|n| n.is_leader()).max_by_key(|n| n.term()).map(|n| n.id())
    }

    /// Runs `f` on node `id` and routes whatever it produced.
    pub fn with_node(&mut self, id: NodeId, f: impl FnOnce(&mut Node, Time)) {
        let now = self.now;
        f(self.nodes.get_mut(&id).expect("no such node"), now);
        self.collect(id);
    }

    fn collect(&mut self, id: NodeId) {
        let now = self.now;
        for effect in self.nodes.get_mut(&id).expect("no such node").take_effects() {
            match effect {
                Effect::Send(m) => {
                    self.sent.push((now, m.clone()));
                    self.queue.push_back(m);
                }
                Effect::Reply(r) => self.replies.push((now, id, r)),
                Effect::Trace(e) => self.events.push((now, id, e)),
                Effect::Persist { .. } => {}
            }
        }
    }

    // ----- partitions -----

    /// Drops every message to or from `id` until `heal`.
    pub fn isolate(&mut self, id: NodeId) {
        for other in self.ids() {
            if other != id {
                self.cut.insert((id, other));
                self.cut.insert((other, id));
            }
        }
    }

    /// Drops every message between nodes of different groups until `heal`.
    pub fn partition(&mut self, groups: &[&[NodeId]]) {
        for (i, a) in groups.iter().enumerate() {
            for b in &groups[i + 1..] {
                for &x in a.iter() {
                    for &y in b.iter() {
                        self.cut.insert((x, y));
                        self.cut.insert((y, x));
                    }
                }
            }
        }
    }

    /// Drops every message from `from` to `to` until `heal` (a one-way cut).
    pub fn cut(&mut self, from: NodeId, to: NodeId) {
        self.cut.insert((from, to));
    }

    pub fn heal(&mut self) {
        self.cut.clear();
    }

    fn blocked(&self, m: &Message) -> bool {
        self.cut.contains(&(m.from, m.to))
    }

    // ----- delivery and time -----

    /// Forgets every message sent and not delivered yet.
    pub fn drop_queued(&mut self) {
        self.queue.clear();
    }

    /// Delivers one message now, past any cut (for hand-made messages).
    pub fn inject(&mut self, m: Message) {
        let to = m.to;
        self.with_node(to, |n, now| n.receive(now, m));
    }

    /// Ticks every leader whose work is due now (new entries to send, a heartbeat, ...);
    /// messages it sends are queued, not delivered.
    pub fn flush(&mut self) {
        let now = self.now;
        let due: Vec<NodeId> =
            self.nodes.values().filter(|n| n.is_leader() && n.next_deadline() <= now).map(|n| n.id()).collect();
        for id in due {
            self.with_node(id, |n, now| n.tick(now));
        }
    }

    /// Delivers messages until the network is quiet. No time passes: only leaders act on
    /// their own (they flush work due now); election timers fire only in `tick_until`.
    pub fn deliver_all(&mut self) {
        self.deliver_all_with(|_| true);
    }

    /// Like `deliver_all`, but also drops every message for which `keep` says false.
    pub fn deliver_all_with(&mut self, mut keep: impl FnMut(&Message) -> bool) {
        for _ in 0..STEP_LIMIT {
            self.flush();
            let Some(m) = self.queue.pop_front() else { return };
            if !self.blocked(&m) && keep(&m) {
                self.inject(m);
            }
        }
        panic!("the network did not go quiet");
    }

    /// Advances the clock to `until`, ticking each node at its deadlines and delivering
    /// everything in between.
    pub fn tick_until(&mut self, until: Time) {
        self.deliver_all();
        for _ in 0..STEP_LIMIT {
            let next = self.nodes.values().map(|n| n.next_deadline()).min().unwrap_or(Time::MAX);
            if next > until {
                self.now = self.now.max(until);
                return;
            }
            self.now = self.now.max(next);
            let now = self.now;
            let due: Vec<NodeId> = self.nodes.values().filter(|n| n.next_deadline() <= now).map(|n| n.id()).collect();
            for id in due {
                self.with_node(id, |n, now| n.tick(now));
            }
            self.deliver_all();
        }
        panic!("tick_until({until}) did not settle");
    }

    pub fn advance(&mut self, by: Time) {
        self.tick_until(self.now + by);
    }

    /// Advances a millisecond at a time until `done` holds (true) or `by` has passed (false).
    pub fn advance_until(&mut self, by: Time, mut done: impl FnMut(&Network) -> bool) -> bool {
        let end = self.now + by;
        while self.now < end {
            if done(self) {
                return true;
            }
            self.tick_until((self.now + 1_000).min(end));
        }
        done(self)
    }

    /// `id` times out at once and the network delivers everything that follows.
    pub fn campaign(&mut self, id: NodeId) {
        self.with_node(id, |n, now| n.timeout_now(now));
        self.deliver_all();
    }

    /// Makes `id` the leader. Voters ignore candidates while they may still honour a
    /// leader's lease (check-quorum; a restarted node starts out honouring one), so the clock
    /// first moves past that, firing no timers: as if this node's timer happened to fire first.
    pub fn elect(&mut self, id: NodeId) {
        self.elect_attempt(id);
        assert!(self.node(id).is_leader(), "node {id} did not win: {:?}", self.node(id).role());
    }

    /// What `elect` does, without insisting that `id` wins.
    pub fn elect_attempt(&mut self, id: NodeId) {
        self.now += self.config.election_timeout_min_us;
        self.campaign(id);
    }

    // ----- clients -----

    /// Hands a client request to node `id` without delivering anything; returns its id.
    pub fn submit(&mut self, id: NodeId, op: Op) -> String {
        self.next_request += 1;
        let request = ClientRequest { client: "client".into(), id: format!("r{}", self.next_request), op };
        let request_id = request.id.clone();
        self.with_node(id, |n, now| n.client_request(now, request));
        request_id
    }

    /// Every answer request `request_id` got so far.
    pub fn replies_to(&self, request_id: &str) -> Vec<ClientReply> {
        self.replies.iter().filter(|(_, _, r)| r.id == request_id).map(|(_, _, r)| r.clone()).collect()
    }

    /// A put to node `id`, delivered until quiet; returns the answers it got.
    pub fn put(&mut self, id: NodeId, key: &str, value: &str) -> Vec<ClientReply> {
        let request_id = self.submit(id, put_op(key, value));
        self.deliver_all();
        self.replies_to(&request_id)
    }

    /// A get to node `id`, delivered until quiet; returns the answers it got.
    pub fn get(&mut self, id: NodeId, key: &str) -> Vec<ClientReply> {
        let request_id = self.submit(id, get_op(key));
        self.deliver_all();
        self.replies_to(&request_id)
    }

    /// Messages sent from position `mark` of `sent` on.
    pub fn sent_since(&self, mark: usize) -> Vec<Message> {
        self.sent[mark..].iter().map(|(_, m)| m.clone()).collect()
    }
}

/// The outcomes of a list of replies, for compact assertions.
pub fn outcomes(replies: &[ClientReply]) -> Vec<Outcome> {
    replies.iter().map(|r| r.outcome.clone()).collect()
}

/// The logs of Figure 7 (§5.3): the term-8 leader's, and followers (a)-(f).
pub const FIGURE_7_LEADER: &[Term] = &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
pub const FIGURE_7_FOLLOWERS: [&[Term]; 6] = [
    &[1, 1, 1, 4, 4, 5, 5, 6, 6],
    &[1, 1, 1, 4],
    &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    &[1, 1, 1, 4, 4, 4, 4],
    &[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
];

/// A five-node leader (id 1) elected at `at`, whose no-op every follower has acknowledged, so
/// that all of them are in the Replicate state.
pub fn settled_leader_of(config: Config, at: Time) -> Node {
    let mut leader = new_node(1, 5, config);
    make_leader(&mut leader, at);
    let term = leader.term();
    leader.take_effects();
    for f in 2..=5 {
        leader.receive(at, append_reply(f, 1, term, AppendResult::Success { match_index: 1 }, at));
    }
    assert_eq!(leader.commit_index(), 1);
    leader.take_effects();
    leader
}

// ----- puts -----

/// A client's put to `leader` at `now`, and what the leader sends for it.
pub fn send_put(leader: &mut Node, now: Time, key: &str, id: &str) -> Vec<Message> {
    leader.client_request(now, ClientRequest { client: "c".into(), id: id.into(), op: put_op(key, id) });
    leader.tick(now);
    sends(&leader.take_effects())
}

pub fn entries_of(m: &Message) -> &[Entry] {
    match &m.body {
        Body::AppendEntries { entries, .. } => entries,
        _ => panic!("not an AppendEntries: {m:?}"),
    }
}

// ----- simulations -----

/// A simulation of `raft` in the graded simulator's world (`SimConfig::graded`) at
/// advanced-2's 15 % loss, with clients that resend after 3 s, from 2 s on.
pub fn graded_like_sim(seed: u64, raft: Config) -> raft_core::sim::SimConfig {
    let mut config = raft_core::sim::SimConfig::graded(seed);
    config.raft = Config { trace: false, ..raft };
    config.network.min_delay_us = 100;
    config.network.loss = 0.15;
    config.clients.think_min_us = 50_000;
    config.clients.think_max_us = 250_000;
    config.clients.timeout_us = 3_000_000;
    config.clients.resend_on_timeout = true;
    config.clients.start_us = 2_000_000;
    config
}

pub fn assert_logs_converged(net: &Network) {
    let leader = net.leader().expect("a leader");
    for id in net.ids() {
        assert_eq!(net.node(id).log(), net.node(leader).log(), "log of node {id}");
        assert_eq!(net.node(id).commit_index(), net.node(leader).commit_index(), "commit of node {id}");
        assert_eq!(net.node(id).kv(), net.node(leader).kv(), "state machine of node {id}");
    }
}
