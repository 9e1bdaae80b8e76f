//! A deterministic, no-I/O Raft core: the Raft state machine ([`Node`]), a key-value state
//! machine ([`KvStore`]), and a cluster simulator ([`sim`]) that runs many nodes on a virtual
//! clock. The same code runs inside the native UDP replica and in the browser (wasm32).
//!
//! # Driving a node
//!
//! A [`Node`] never reads a clock, sleeps or touches a socket. Its owner feeds it inputs,
//! each stamped with the current time in microseconds, and collects [`Effect`]s in order:
//! writes of its persistent state (before the messages that rely on them), messages to
//! send, replies to clients and trace events. [`Node::next_deadline`] says when to call
//! [`Node::tick`] next, so an owner can sleep until then.
//!
//! ```
//! use raft_core::{Config, Effect, Node, Op, ClientRequest, Outcome};
//!
//! // A cluster of three nodes, wired together by hand.
//! let mut nodes: Vec<Node> = (1..=3)
//!     .map(|id| {
//!         let peers = (1..=3).filter(|&p| p != id).collect();
//!         Node::new(id, peers, Config::teaching(), 42, 0).unwrap()
//!     })
//!     .collect();
//!
//! // Deliver every message until the cluster is quiet, collecting client replies.
//! fn settle(nodes: &mut [Node], now: u64) -> Vec<Outcome> {
//!     let mut replies = Vec::new();
//!     loop {
//!         let mut mail = Vec::new();
//!         for node in nodes.iter_mut() {
//!             for effect in node.take_effects() {
//!                 match effect {
//!                     Effect::Send(m) => mail.push(m),
//!                     Effect::Reply(r) => replies.push(r.outcome),
//!                     // A node with a disk writes its persistent state here.
//!                     Effect::Persist { .. } | Effect::Trace(_) => {}
//!                 }
//!             }
//!         }
//!         if mail.is_empty() {
//!             return replies;
//!         }
//!         for m in mail {
//!             let to = m.to as usize - 1;
//!             nodes[to].receive(now, m);
//!         }
//!     }
//! }
//!
//! // Node 1's election timer fires: it asks for (pre-)votes and wins.
//! nodes[0].timeout_now(1_000);
//! settle(&mut nodes, 1_000);
//! assert!(nodes[0].is_leader());
//!
//! // A put is answered once a majority stores it and the leader has applied it.
//! let put = ClientRequest {
//!     client: "alice".into(),
//!     id: "1".into(),
//!     op: Op::Put { key: "x".into(), value: "1".into() },
//! };
//! nodes[0].client_request(2_000, put);
//! nodes[0].tick(2_000); // replication is due at once
//! assert_eq!(settle(&mut nodes, 2_000), vec![Outcome::Written]);
//! assert_eq!(nodes[0].kv().get("x").map(String::as_str), Some("1"));
//!
//! // A follower does not serve clients: it names the leader.
//! let get = ClientRequest { client: "bob".into(), id: "1".into(), op: Op::Get { key: "x".into() } };
//! nodes[1].client_request(3_000, get);
//! assert_eq!(settle(&mut nodes, 3_000), vec![Outcome::Redirect(Some(1))]);
//! ```
//!
//! # The paper core and the message economy
//!
//! [`node`] is Raft as the paper's Figure 2 states it, with the thesis's pre-vote,
//! check-quorum and lease reads; its module docs map each file to a part of the paper. The
//! one choice it leaves open that a message count depends on, which followers get new
//! entries at once, is [`policy::Fanout`]: the paper's answer is every follower. The
//! `economy` feature (on by default) adds [`economy`], which answers "just enough for a
//! commit"; without the feature the core builds and passes its tests unchanged.
//!
//! # Simulating a cluster
//!
//! [`sim::Sim`] runs N nodes with a seeded network (delays, loss, partitions), crashes and
//! restarts, and clients. Everything done to it is an [`sim::Intervention`] stamped with a
//! virtual time, so a run is its configuration plus that list, and replays exactly.
//!
//! ```
//! use raft_core::sim::{Intervention, Sim, SimConfig};
//!
//! let mut sim = Sim::new(SimConfig::teaching(7)).unwrap();
//! sim.run_until(2_000_000); // two virtual seconds
//! let leader = sim.leader().expect("a leader is elected");
//! sim.intervene(Intervention::Crash { node: leader });
//! sim.run_until(4_000_000);
//! assert_ne!(sim.leader(), Some(leader));
//! assert!(sim.violations().is_empty());
//!
//! // The same run, replayed, ends in the same state.
//! let mut again = Sim::replay(&sim.run()).unwrap();
//! again.run_until(4_000_000);
//! assert_eq!(again.events(), sim.events());
//! ```

pub mod check;
pub mod client;
pub mod config;
#[cfg(feature = "economy")]
pub mod economy;
pub mod event;
pub mod kv;
pub mod log;
pub mod membership;
pub mod message;
pub mod node;
pub mod policy;
pub mod rng;
pub mod snapshot;
pub mod sim;
pub mod types;

pub use client::{ClientReply, ClientRequest, Op, Outcome};
pub use config::{Config, ConfigError, ReadMode, MIN_LOG_BYTES};
pub use event::Event;
pub use kv::{Command, KvStore};
pub use log::{Entry, RaftLog};
pub use membership::{Membership, MembershipChange, Refusal};
pub use message::{AppendResult, Body, Message, MessageKind};
pub use node::{Effect, Node, PersistentState, RoleKind};
pub use policy::{Fanout, Selection};
pub use rng::Rng;
pub use snapshot::Snapshot;
pub use types::{Index, NodeId, Term, Time, MAX_INDEX, MAX_TERM, MAX_TERM_JUMP};
