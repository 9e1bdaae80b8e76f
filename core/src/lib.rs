//! A deterministic, no-I/O Raft core: the Raft state machine, a key-value state machine and a
//! cluster simulator. See the crate README for a walk-through.

pub mod check;
pub mod client;
pub mod config;
pub mod event;
pub mod kv;
pub mod log;
pub mod message;
pub mod node;
pub mod rng;
pub mod sim;
pub mod types;

pub use client::{ClientReply, ClientRequest, Op, Outcome};
pub use config::{Config, ConfigError, Fanout, ReadMode};
pub use event::Event;
pub use kv::{Command, KvStore};
pub use log::{Entry, RaftLog};
pub use message::{AppendResult, Body, Message, MessageKind};
pub use node::{Effect, Node, PersistentState, RoleKind};
pub use rng::Rng;
pub use types::{Index, NodeId, Term, Time};
