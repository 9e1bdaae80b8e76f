//! A deterministic simulator of a whole cluster: N nodes of the real core, a virtual clock, a
//! seeded PRNG, messages in flight with send and delivery times, per-link cuts and loss,
//! crashes and restarts, and clients. A run is its [`SimConfig`] plus a list of time-stamped
//! [`Intervention`]s, and replays exactly: the same run gives the same trace, byte for byte.
//!
//! Safety invariants are checked after every step (see [`invariants`]); the client history
//! can be checked for linearizability with [`crate::check`].

mod client;
pub mod intervention;
pub mod invariants;
pub mod network;
pub mod scenarios;
mod stats;

pub use client::{ClientConfig, Outstanding, SimClient, USER_CLIENT};
pub use intervention::{Intervention, Run, Stamped};
pub use invariants::{Invariant, Violation};
pub use network::{DropReason, InFlight, MessageId, NetworkConfig};
pub use stats::{percentile, Stats};

use crate::check::{OpKind, Operation};
use crate::client::{ClientReply, ClientRequest, Op, Outcome};
use crate::config::{Config, ConfigError};
use crate::event::Event;
use crate::membership::{Membership, MembershipChange, Refusal};
use crate::message::MessageKind;
use crate::node::{Effect, Node, PersistentState};
use crate::rng::Rng;
use crate::types::{NodeId, Time};
use invariants::Invariants;
use network::Network;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Ticks of one node at one moment that leave it due again, beyond which the run stops.
const MAX_TICKS_AT_ONCE: u32 = 10_000;
/// The most nodes a simulation has, those added to it included.
pub const MAX_NODES: usize = 9;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    pub nodes: usize,
    pub seed: u64,
    pub raft: Config,
    pub network: NetworkConfig,
    pub clients: ClientConfig,
    /// The event log keeps at most this many events (the oldest go first).
    pub max_events: usize,
    /// What node `i + 1` has on disk when the run starts (a node not listed starts empty):
    /// sets up logs like the paper's figures. Nodes start as if restarted with this state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub initial: Vec<PersistentState>,
}

impl SimConfig {
    /// Five nodes with the teaching preset: slow enough to watch, with a light workload.
    pub fn teaching(seed: u64) -> SimConfig {
        SimConfig {
            nodes: 5,
            seed,
            raft: Config::teaching(),
            network: NetworkConfig { min_delay_us: 10_000, max_delay_us: 20_000, loss: 0.0 },
            clients: ClientConfig {
                count: 2,
                keys: 4,
                get_ratio: 0.4,
                think_min_us: 400_000,
                think_max_us: 1_200_000,
                timeout_us: 600_000,
                resend_on_timeout: true,
                start_us: 600_000,
            },
            max_events: 200_000,
            initial: Vec::new(),
        }
    }

    /// The graded simulator's world with the replica's preset: five nodes on 0.15–0.4 ms
    /// hops, eight clients sending 80 % puts, who, like that simulator's, never resend a
    /// request that got no answer.
    pub fn graded(seed: u64) -> SimConfig {
        let mut config = SimConfig::teaching(seed);
        config.raft = Config { trace: false, ..Config::graded() };
        config.network.min_delay_us = 150;
        config.network.max_delay_us = 400;
        config.clients = ClientConfig {
            count: 8,
            keys: 8,
            get_ratio: 0.2,
            think_min_us: 20_000,
            think_max_us: 150_000,
            timeout_us: 2_000_000,
            resend_on_timeout: false,
            start_us: 1_000_000,
        };
        config.max_events = 1_000;
        config
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.nodes == 0 || self.nodes > MAX_NODES {
            return Err(ConfigError(format!("a simulated cluster has 1 to {MAX_NODES} nodes, not {}", self.nodes)));
        }
        if self.initial.len() > self.nodes {
            return Err(ConfigError(format!("initial states for {} nodes in a cluster of {}", self.initial.len(), self.nodes)));
        }
        if let Some((i, _)) = self.initial.iter().enumerate().find(|(_, s)| s.log.last_term() > s.term) {
            return Err(ConfigError(format!("node {}'s initial log has entries of a later term than its own", i + 1)));
        }
        let out_of_order = |s: &&PersistentState| s.log.entries().windows(2).any(|w| w[0].term > w[1].term);
        if let Some((i, _)) = self.initial.iter().enumerate().find(|(_, s)| out_of_order(s)) {
            return Err(ConfigError(format!("node {}'s initial log goes back in term", i + 1)));
        }
        self.raft.validate()?;
        self.network.validate().map_err(ConfigError)?;
        self.clients.validate().map_err(ConfigError)?;
        Ok(())
    }
}

/// A node's place in the cluster: running, or crashed with what it had persisted.
pub enum NodeSlot {
    Up(Box<Node>),
    Down { state: PersistentState, since: Time },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimEvent {
    pub at: Time,
    pub kind: SimEventKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SimEventKind {
    Node { node: NodeId, event: Event },
    Sent { id: MessageId, from: NodeId, to: NodeId, kind: MessageKind },
    Delivered { id: MessageId, from: NodeId, to: NodeId, kind: MessageKind },
    Dropped { id: MessageId, from: NodeId, to: NodeId, kind: MessageKind, reason: DropReason },
    Crashed { node: NodeId },
    Restarted { node: NodeId },
    Intervened(Intervention),
    /// The leader refused a change of configuration, or there was no leader to ask.
    ChangeRefused { change: MembershipChange, reason: String },
    /// A new, empty server started, to be added to the cluster.
    Joined { node: NodeId },
    ClientSent { client: String, node: NodeId, request: ClientRequest },
    ClientAnswered { client: String, node: NodeId, reply: ClientReply },
    /// A request was lost because its node was down; the client will time out.
    ClientLost { client: String, node: NodeId, id: String },
    Violation(Violation),
}

/// Traffic between clients and nodes: never cut or lost, but delayed like the rest.
#[derive(Clone, Debug)]
enum ClientTraffic {
    Request { node: NodeId, client: usize, request: ClientRequest },
    /// `leader`: whom the answering node took for the leader (like the graded simulator's
    /// `leader` field).
    Reply { node: NodeId, leader: Option<NodeId>, reply: ClientReply },
}

/// The next thing that happens; at equal times, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Happening {
    Intervention,
    Deliver(MessageId),
    ClientTraffic(usize),
    ClientTimeout(usize),
    ClientAction(usize),
    Tick(NodeId),
}

pub struct Sim {
    config: SimConfig,
    now: Time,
    rng: Rng,
    nodes: Vec<NodeSlot>,
    /// The configuration each node was first started in: the cluster's first one, or none
    /// for a node added later. A restart needs it (the log says the rest).
    bootstraps: Vec<Membership>,
    incarnations: Vec<u64>,
    /// What each node has asked to persist (`Effect::Persist`): its state after a crash.
    disks: Vec<PersistentState>,
    /// The node last ticked, when, and how many ticks in a row left it due at once.
    spinning: (NodeId, Time, u32),
    network: Network,
    clients: Vec<SimClient>,
    traffic: Vec<(Time, u64, ClientTraffic)>,
    traffic_seq: u64,
    /// When the latest answer from each node to each client arrives (`queue_traffic`).
    reply_order: BTreeMap<(NodeId, String), Time>,
    interventions: Vec<Stamped>,
    next_intervention: usize,
    events: Vec<SimEvent>,
    events_dropped: usize,
    history: Vec<Operation>,
    invariants: Invariants,
    /// Requests a node has received and not yet answered: (client, id) -> (node, since).
    unanswered: BTreeMap<(String, String), (NodeId, Time)>,
    stats: Stats,
    steps: u64,
}

impl Sim {
    pub fn new(config: SimConfig) -> Result<Sim, ConfigError> {
        config.validate()?;
        let mut config = config;
        // The simulator reads the nodes' traces to render them and to check invariants.
        config.raft.trace = true;
        let mut rng = Rng::new(config.seed);
        let ids: Vec<NodeId> = (1..=config.nodes as NodeId).collect();
        let mut nodes = Vec::new();
        let mut invariants = Invariants::new(config.nodes);
        let mut disks = Vec::new();
        for &id in &ids {
            let peers = ids.iter().copied().filter(|&p| p != id).collect();
            let seed = rng.next_u64();
            let node = match config.initial.get(id as usize - 1) {
                Some(state) => {
                    let node = Node::restart(id, peers, config.raft.clone(), seed, 0, state.clone())?;
                    invariants.initial_log(id, &node);
                    node
                }
                None => Node::new(id, peers, config.raft.clone(), seed, 0)?,
            };
            disks.push(node.persistent_state());
            nodes.push(NodeSlot::Up(Box::new(node)));
        }
        let mut clients: Vec<SimClient> =
            (0..config.clients.count).map(|i| SimClient::workload(i, config.clients.start_us)).collect();
        clients.push(SimClient::user());
        // Logs set up by the configuration are checked like any other: a violation among them
        // is an event at time 0.
        let events = invariants
            .violations()
            .iter()
            .map(|v| SimEvent { at: 0, kind: SimEventKind::Violation(v.clone()) })
            .collect();
        Ok(Sim {
            network: Network::new(config.network.clone()),
            incarnations: vec![0; config.nodes],
            bootstraps: vec![Membership::of_voters(ids.iter().copied()); config.nodes],
            disks,
            spinning: (0, 0, 0),
            invariants,
            config,
            now: 0,
            rng,
            nodes,
            clients,
            traffic: Vec::new(),
            traffic_seq: 0,
            reply_order: BTreeMap::new(),
            interventions: Vec::new(),
            next_intervention: 0,
            events,
            events_dropped: 0,
            history: Vec::new(),
            unanswered: BTreeMap::new(),
            stats: Stats::default(),
            steps: 0,
        })
    }

    /// A simulation that will replay `run` as it advances.
    pub fn replay(run: &Run) -> Result<Sim, ConfigError> {
        let mut sim = Sim::new(run.config.clone())?;
        let mut list = run.interventions.clone();
        list.sort_by_key(|s| s.at);
        sim.interventions = list;
        Ok(sim)
    }

    /// The run so far and what is scheduled: enough to reproduce this simulation.
    pub fn run(&self) -> Run {
        Run { config: self.config.clone(), interventions: self.interventions.clone() }
    }

    // ----- queries -----

    pub fn config(&self) -> &SimConfig {
        &self.config
    }
    pub fn now(&self) -> Time {
        self.now
    }
    pub fn steps(&self) -> u64 {
        self.steps
    }
    /// Every node of the simulation, those added since it started included.
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> {
        1..=self.nodes.len() as NodeId
    }
    /// How many nodes the simulation has now: `SimConfig::nodes` and those added since.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }
    /// The running node with this id (None if crashed or unknown).
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        match self.nodes.get((id as usize).checked_sub(1)?)? {
            NodeSlot::Up(node) => Some(node),
            NodeSlot::Down { .. } => None,
        }
    }
    pub fn slot(&self, id: NodeId) -> Option<&NodeSlot> {
        self.nodes.get((id as usize).checked_sub(1)?)
    }
    pub fn is_up(&self, id: NodeId) -> bool {
        self.node(id).is_some()
    }
    /// The leader with the highest term among running nodes, if any.
    pub fn leader(&self) -> Option<NodeId> {
        self.node_ids()
            .filter_map(|id| self.node(id).filter(|n| n.is_leader()).map(|n| (n.term(), id)))
            .max()
            .map(|(_, id)| id)
    }
    pub fn in_flight(&self) -> &[InFlight] {
        self.network.in_flight()
    }
    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.network.is_cut(from, to)
    }
    pub fn cut_links(&self) -> Vec<(NodeId, NodeId)> {
        self.network.cut_links().collect()
    }
    pub fn loss(&self) -> f64 {
        self.network.config.loss
    }
    pub fn events(&self) -> &[SimEvent] {
        &self.events
    }
    /// How many of the oldest events were discarded to respect `max_events`.
    pub fn events_discarded(&self) -> usize {
        self.events_dropped
    }
    pub fn history(&self) -> &[Operation] {
        &self.history
    }
    pub fn clients(&self) -> &[SimClient] {
        &self.clients
    }
    pub fn violations(&self) -> &[Violation] {
        self.invariants.violations()
    }
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
    pub fn interventions(&self) -> &[Stamped] {
        &self.interventions
    }
    /// Requests that nodes received and have not answered, with the node and time.
    pub fn unanswered_requests(&self) -> impl Iterator<Item = (&(String, String), &(NodeId, Time))> {
        self.unanswered.iter()
    }

    // ----- driving -----

    /// Applies `what` at the next microsecond, after everything already due now; returns the
    /// time stamped on it. Stamping it later than `now` keeps replays exact.
    pub fn intervene(&mut self, what: Intervention) -> Time {
        let at = self.now + 1;
        self.schedule(at, what).expect("the next microsecond is never in the past");
        self.run_until(at);
        at
    }

    /// Schedules `what` at `at` (not in the past).
    pub fn schedule(&mut self, at: Time, what: Intervention) -> Result<(), String> {
        if at <= self.now && self.steps > 0 {
            return Err(format!("cannot schedule at {at}: the simulation is already at {}", self.now));
        }
        let pos = self.interventions.partition_point(|s| s.at <= at);
        self.interventions.insert(pos.max(self.next_intervention), Stamped { at, what });
        Ok(())
    }

    /// Forgets every scheduled intervention not applied yet: after this, the run goes on without
    /// the future it had (acting in the past branches a new future).
    pub fn truncate_future(&mut self) {
        self.interventions.truncate(self.next_intervention);
    }

    /// The total number of events recorded since the start, discarded ones included.
    pub fn events_total(&self) -> usize {
        self.events_dropped + self.events.len()
    }

    /// Advances until virtual time `until`, processing everything due by then.
    pub fn run_until(&mut self, until: Time) {
        while let Some((at, _)) = self.next_happening() {
            if at > until {
                break;
            }
            self.step();
        }
        self.now = self.now.max(until);
    }

    /// The time of the next happening, if any.
    pub fn next_time(&self) -> Option<Time> {
        self.next_happening().map(|(t, _)| t)
    }

    /// Processes the next happening; returns its time.
    pub fn step(&mut self) -> Option<Time> {
        let (at, what) = self.next_happening()?;
        self.now = self.now.max(at);
        self.steps += 1;
        match what {
            Happening::Intervention => {
                let stamped = self.interventions[self.next_intervention].clone();
                self.next_intervention += 1;
                self.apply(stamped.what);
            }
            Happening::Deliver(id) => self.deliver(id),
            Happening::ClientTraffic(i) => {
                let (_, _, traffic) = self.traffic.remove(i);
                self.client_traffic(traffic);
            }
            Happening::ClientTimeout(c) => self.client_timeout(c),
            Happening::ClientAction(c) => self.client_action(c),
            Happening::Tick(id) => {
                self.with_node(id, |node, now| node.tick(now));
                self.check_timer_progress(id);
            }
        }
        Some(self.now)
    }

    /// A node that is due again right after a tick, over and over at the same moment, would
    /// make its host spin (a deadline in the past means "wake me now"): a bug, stopped here
    /// rather than left to hang the run.
    fn check_timer_progress(&mut self, id: NodeId) {
        let due_again = self.node(id).is_some_and(|n| n.next_deadline() <= self.now);
        let (node, at, count) = &mut self.spinning;
        if !due_again || (*node, *at) != (id, self.now) {
            self.spinning = (id, self.now, u32::from(due_again));
            return;
        }
        *count += 1;
        assert!(*count < MAX_TICKS_AT_ONCE, "node {id} is still due after {count} ticks at {} us: its deadline never moves on", self.now);
    }

    fn next_happening(&self) -> Option<(Time, Happening)> {
        let mut best: Option<(Time, Happening)> = None;
        let mut consider = |t: Time, h: Happening| {
            if best.is_none_or(|b| (t, h) < b) {
                best = Some((t, h));
            }
        };
        if let Some(s) = self.interventions.get(self.next_intervention) {
            consider(s.at.max(self.now), Happening::Intervention);
        }
        if let Some((t, id)) = self.network.next_due() {
            consider(t.max(self.now), Happening::Deliver(id));
        }
        if let Some((i, (t, _, _))) = self.traffic.iter().enumerate().min_by_key(|(_, (t, seq, _))| (*t, *seq)) {
            consider((*t).max(self.now), Happening::ClientTraffic(i));
        }
        for (c, client) in self.clients.iter().enumerate() {
            if let Some(t) = client.outstanding.iter().map(|o| o.sent_at + self.config.clients.timeout_us).min() {
                consider(t.max(self.now), Happening::ClientTimeout(c));
            }
            if let (Some(t), true) = (client.next_request_at, client.outstanding.is_empty()) {
                consider(t.max(self.now), Happening::ClientAction(c));
            }
        }
        for id in self.node_ids() {
            if let Some(node) = self.node(id) {
                consider(node.next_deadline().max(self.now), Happening::Tick(id));
            }
        }
        best
    }

    fn record(&mut self, kind: SimEventKind) {
        if self.events.len() >= self.config.max_events.max(1) {
            let cut = self.events.len() / 4 + 1;
            self.events.drain(..cut);
            self.events_dropped += cut;
        }
        self.events.push(SimEvent { at: self.now, kind });
    }

    /// Runs `f` on a running node, then routes its effects and checks the invariants.
    fn with_node(&mut self, id: NodeId, f: impl FnOnce(&mut Node, Time)) {
        let now = self.now;
        let Some(NodeSlot::Up(node)) = self.nodes.get_mut(id as usize - 1) else { return };
        f(node, now);
        let effects = node.take_effects();
        let believed_leader = node.leader();
        // The node's disk: what it asked to persist survives a crash, nothing else does.
        let written = effects.iter().filter_map(|e| match e {
            Effect::Persist { term, voted_for, log_from, snapshot } => Some((*term, *voted_for, *log_from, *snapshot)),
            _ => None,
        });
        if let Some((term, voted_for, log_from, snapshot)) = written.reduce(|a, b| (b.0, b.1, a.2.min(b.2), a.3 || b.3)) {
            let disk = &mut self.disks[id as usize - 1];
            disk.term = term;
            disk.voted_for = voted_for;
            if let Some(s) = node.snapshot().filter(|_| snapshot) {
                disk.log.start_after(s.last_index, s.last_term);
                disk.snapshot = Some(s.clone());
            }
            disk.log.truncate_from(log_from);
            for entry in node.log().entries_from(log_from) {
                disk.log.append(entry.clone());
            }
        }
        let mut traces = Vec::new();
        for effect in effects {
            match effect {
                Effect::Send(message) => {
                    self.stats.count_send(&message);
                    let (from, to, kind) = (message.from, message.to, message.body.kind());
                    let mid = self.network.send(&mut self.rng, now, message);
                    self.record(SimEventKind::Sent { id: mid, from, to, kind });
                }
                Effect::Reply(reply) => self.node_replied(id, believed_leader, reply),
                Effect::Persist { .. } => {}
                Effect::Trace(event) => {
                    traces.push(event.clone());
                    self.record(SimEventKind::Node { node: id, event });
                }
            }
        }
        let before = self.invariants.violations().len();
        if let Some(NodeSlot::Up(node)) = self.nodes.get(id as usize - 1) {
            self.invariants.after_step(now, id, node, &traces);
        }
        let found: Vec<Violation> = self.invariants.violations()[before..].to_vec();
        for v in found {
            self.record(SimEventKind::Violation(v));
        }
    }

    fn deliver(&mut self, id: MessageId) {
        let Some(m) = self.network.take(id) else { return };
        let (from, to, kind) = (m.message.from, m.message.to, m.message.body.kind());
        let reason = if m.lost {
            Some(DropReason::Loss)
        } else if self.network.is_cut(from, to) {
            Some(DropReason::Cut)
        } else if !self.is_up(to) {
            Some(DropReason::NodeDown)
        } else {
            None
        };
        if let Some(reason) = reason {
            self.stats.messages_lost += 1;
            self.record(SimEventKind::Dropped { id, from, to, kind, reason });
            return;
        }
        self.stats.messages_delivered += 1;
        self.record(SimEventKind::Delivered { id, from, to, kind });
        self.with_node(to, |node, now| node.receive(now, m.message));
    }

    fn apply(&mut self, what: Intervention) {
        self.record(SimEventKind::Intervened(what.clone()));
        let n = self.nodes.len() as NodeId;
        let valid = |id: NodeId| (1..=n).contains(&id);
        match what {
            Intervention::Crash { node } if valid(node) => self.crash(node),
            Intervention::Restart { node } if valid(node) => self.restart(node),
            Intervention::Timeout { node } if valid(node) => self.with_node(node, |nd, now| nd.timeout_now(now)),
            Intervention::DropMessage { id } => {
                if let Some(m) = self.network.take(id) {
                    self.stats.messages_lost += 1;
                    let (from, to, kind) = (m.message.from, m.message.to, m.message.body.kind());
                    self.record(SimEventKind::Dropped { id, from, to, kind, reason: DropReason::Intervention });
                }
            }
            Intervention::HoldMessage { id } => {
                self.network.hold(self.now, id);
            }
            Intervention::ReleaseMessage { id } => {
                self.network.release(self.now, id);
            }
            Intervention::DuplicateMessage { id } => {
                if let Some(copy) = self.network.duplicate(&mut self.rng, self.now, id) {
                    if let Some(m) = self.network.in_flight().iter().find(|m| m.id == copy) {
                        let (from, to, kind) = (m.message.from, m.message.to, m.message.body.kind());
                        self.record(SimEventKind::Sent { id: copy, from, to, kind });
                    }
                }
            }
            Intervention::Partition { groups } => {
                let ids: Vec<NodeId> = self.node_ids().collect();
                self.network.partition(&ids, &groups);
            }
            Intervention::CutLink { from, to } if valid(from) && valid(to) && from != to => self.network.cut(from, to),
            Intervention::RestoreLink { from, to } => self.network.restore(from, to),
            Intervention::Heal => self.network.heal(),
            Intervention::SetLoss { loss } => self.network.config.loss = loss.clamp(0.0, 1.0),
            Intervention::Request { node, op } if valid(node) => {
                let user = self.clients.len() - 1;
                self.client_send(user, node, op);
            }
            Intervention::ChangeMembership { change } => self.change_membership(change),
            _ => {} // names a node that does not exist: recorded, otherwise ignored
        }
    }

    fn crash(&mut self, id: NodeId) {
        let slot = &mut self.nodes[id as usize - 1];
        if let NodeSlot::Up(_) = slot {
            let state = self.disks[id as usize - 1].clone();
            *slot = NodeSlot::Down { state, since: self.now };
            // Requests it held die with it (no other node answers them); their clients will
            // time out.
            self.unanswered.retain(|_, (n, _)| *n != id);
            self.record(SimEventKind::Crashed { node: id });
        }
    }

    /// Asks the leader (the one of the highest term) for `change`. Adding the node after
    /// the last starts an empty server first, if the leader will take it.
    fn change_membership(&mut self, change: MembershipChange) {
        let refused = |reason: &str| SimEventKind::ChangeRefused { change, reason: reason.to_string() };
        let Some(leader) = self.leader() else { return self.record(refused(Refusal::NotLeader.describe())) };
        if let Some(Err(reason)) = self.node(leader).map(|n| n.membership_refusal(change)) {
            return self.record(refused(reason.describe()));
        }
        let new = self.nodes.len() as NodeId + 1;
        if let MembershipChange::Add(node) = change {
            if node == 0 || node > new {
                return self.record(refused(&format!("the next server to add is node {new}")));
            }
            if node == new && self.nodes.len() >= MAX_NODES {
                return self.record(refused(&format!("a simulation has at most {MAX_NODES} servers")));
            }
            if node == new {
                self.start_joining(node);
            }
        }
        self.with_node(leader, |n, now| {
            n.change_membership(now, change).expect("the leader was asked first and nothing happened since");
        });
    }

    /// A new node, in no configuration, that waits for a leader to add it.
    fn start_joining(&mut self, id: NodeId) {
        let seed = self.rng.next_u64();
        let node = Node::join(id, self.config.raft.clone(), seed, self.now).expect("the config was validated when the simulation was created");
        self.disks.push(node.persistent_state());
        self.nodes.push(NodeSlot::Up(Box::new(node)));
        self.bootstraps.push(Membership::default());
        self.incarnations.push(0);
        self.invariants.add_node();
        self.record(SimEventKind::Joined { node: id });
    }

    fn restart(&mut self, id: NodeId) {
        let i = id as usize - 1;
        if let NodeSlot::Down { state, .. } = &self.nodes[i] {
            self.incarnations[i] += 1;
            let seed = self.rng.next_u64();
            let node = Node::restart_in(id, self.bootstraps[i].clone(), self.config.raft.clone(), seed, self.now, state.clone())
                .expect("the config was validated when the simulation was created");
            self.nodes[i] = NodeSlot::Up(Box::new(node));
            self.invariants.restarted(id);
            self.record(SimEventKind::Restarted { node: id });
        }
    }

    // ----- clients -----

    fn delay(&mut self) -> Time {
        self.rng.range(self.config.network.min_delay_us, self.config.network.max_delay_us)
    }

    fn queue_traffic(&mut self, traffic: ClientTraffic) {
        let mut at = self.now + self.delay();
        // A node's answers reach a client in the order it sent them, as they would over one
        // socket on one host: an answer never overtakes an earlier one.
        if let ClientTraffic::Reply { node, reply, .. } = &traffic {
            let last = self.reply_order.entry((*node, reply.client.clone())).or_insert(0);
            at = at.max(*last);
            *last = at;
        }
        self.traffic_seq += 1;
        self.traffic.push((at, self.traffic_seq, traffic));
    }

    fn client_action(&mut self, c: usize) {
        self.clients[c].next_request_at = None;
        let op = self.clients[c].next_op(&mut self.rng, &self.config.clients);
        let node = self.clients[c].pick_node(&mut self.rng, self.config.nodes);
        self.client_send(c, node, op);
    }

    fn client_send(&mut self, c: usize, node: NodeId, op: Op) {
        self.client_send_to(c, node, op, false);
    }

    /// Sends a request; `background`: one the client no longer waits for (see
    /// `ClientConfig::resend_on_timeout`).
    fn client_send_to(&mut self, c: usize, node: NodeId, op: Op, background: bool) {
        let id = self.clients[c].next_id();
        let client = &mut self.clients[c];
        let request = ClientRequest { client: client.name.clone(), id, op };
        let op_index = self.history.len();
        self.history.push(client::operation_for(c as u64, &request.op, self.now));
        let out = Outstanding { request: request.clone(), node, sent_at: self.now, op: op_index };
        if background {
            client.background.push(out);
        } else {
            client.outstanding.push(out);
        }
        self.record(SimEventKind::ClientSent { client: request.client.clone(), node, request: request.clone() });
        self.queue_traffic(ClientTraffic::Request { node, client: c, request });
    }

    fn client_traffic(&mut self, traffic: ClientTraffic) {
        match traffic {
            ClientTraffic::Request { node, client, request } => {
                if !self.is_up(node) {
                    let name = self.clients[client].name.clone();
                    self.record(SimEventKind::ClientLost { client: name, node, id: request.id });
                    return;
                }
                self.unanswered.insert((request.client.clone(), request.id.clone()), (node, self.now));
                self.with_node(node, |n, now| n.client_request(now, request));
            }
            ClientTraffic::Reply { node, leader, reply } => self.client_received(node, leader, reply),
        }
    }

    fn node_replied(&mut self, node: NodeId, leader: Option<NodeId>, reply: ClientReply) {
        let key = (reply.client.clone(), reply.id.clone());
        if self.unanswered.remove(&key).is_none() {
            let detail = format!("node {node} answered request {} of {} that it does not owe", reply.id, reply.client);
            self.invariants.report(self.now, Invariant::ExactlyOnceAnswer, node, detail);
        }
        self.queue_traffic(ClientTraffic::Reply { node, leader, reply });
    }

    fn client_received(&mut self, node: NodeId, leader: Option<NodeId>, reply: ClientReply) {
        let Some(c) = self.clients.iter().position(|cl| cl.name == reply.client) else { return };
        self.record(SimEventKind::ClientAnswered { client: reply.client.clone(), node, reply: reply.clone() });
        let client = &mut self.clients[c];
        let (out, background) = if let Some(pos) = client.outstanding.iter().position(|o| o.request.id == reply.id) {
            (client.outstanding.remove(pos), false)
        } else if let Some(pos) = client.background.iter().position(|o| o.request.id == reply.id) {
            (client.background.remove(pos), true)
        } else {
            return; // the client gave up on it already
        };
        let now = self.now;
        match reply.outcome {
            Outcome::Written | Outcome::Value(_) => {
                let op = &mut self.history[out.op];
                op.ret = Some(now);
                if let (OpKind::Get { value }, Outcome::Value(v)) = (&mut op.kind, &reply.outcome) {
                    *value = v.clone();
                }
                self.stats.record_answer(&out.request.op, now - out.sent_at);
                self.clients[c].leader_guess = Some(leader.unwrap_or(node));
                if !background {
                    self.schedule_next(c);
                }
            }
            // A refused request has no effect (the graded simulator's clients rely on it: a
            // put is in their map only once acknowledged), so the check must not let one
            // be read.
            Outcome::Redirect(leader) => {
                self.history[out.op].refused = true;
                self.clients[c].leader_guess = leader;
                let next = leader.unwrap_or_else(|| self.clients[c].pick_node(&mut self.rng, self.config.nodes));
                self.client_send_to(c, next, out.request.op, background);
            }
            Outcome::Fail(_) => {
                self.history[out.op].refused = true;
                self.clients[c].leader_guess = None;
                let next = self.clients[c].pick_node(&mut self.rng, self.config.nodes);
                self.client_send_to(c, next, out.request.op, background);
            }
        }
    }

    fn client_timeout(&mut self, c: usize) {
        let timeout = self.config.clients.timeout_us;
        let now = self.now;
        let Some(pos) = self.clients[c].outstanding.iter().position(|o| o.sent_at + timeout <= now) else { return };
        let out = self.clients[c].outstanding.remove(pos);
        self.clients[c].leader_guess = None;
        if !self.config.clients.resend_on_timeout {
            self.clients[c].background.push(out);
            self.schedule_next(c);
            return;
        }
        let next = self.clients[c].pick_node(&mut self.rng, self.config.nodes);
        self.client_send(c, next, out.request.op);
    }

    fn schedule_next(&mut self, c: usize) {
        if self.clients[c].user {
            return;
        }
        let think = self.rng.range(self.config.clients.think_min_us, self.config.clients.think_max_us);
        self.clients[c].next_request_at = Some(self.now + think);
    }
}
