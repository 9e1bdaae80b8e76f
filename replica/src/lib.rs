//! `3700kvstore`: a replica of the CS 3700 key-value store, built around `raft_core::Node`.
//! The crate adds only what the core leaves to its owner: the simulator's wire format
//! ([`codec`]), a UDP socket and a clock ([`server`]), and argument parsing ([`args`]).

pub mod args;
pub mod codec;
pub mod ratelog;
pub mod server;
