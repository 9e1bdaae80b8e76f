//! kvsim: a reproduction of the CS 3700 "graded simulator" for the replicated key-value store.
//!
//! The simulator owns one UDP socket per replica, routes every datagram by its `dst` field,
//! plays eight clients, injects drops, kills and partitions, and finally grades the run with the
//! same checks and benchmark tiers as the course's Python harness. `load` is kvload, an
//! open-loop load benchmark that reuses kvsim's sockets, processes and routing.

pub mod cli;
pub mod client;
pub mod clock;
pub mod config;
pub mod ids;
pub mod load;
pub mod network;
pub mod outage;
pub mod process;
pub mod report;
pub mod schedule;
pub mod signals;
pub mod sim;
pub mod stats;
pub mod table;
pub mod trace;
pub mod view;
pub mod wire;
