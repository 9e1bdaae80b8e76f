//! The message economy: replication choices that save messages where a judge counts them
//! (the CS 3700 graded simulator scores every datagram between replicas). None of it changes
//! what Raft guarantees; each piece is a choice the paper leaves open, made through the
//! boundary in [`crate::policy`]. Built with the `economy` feature (on by default); the
//! teaching preset does not use it, and the paper core builds and passes its tests without it.

pub mod quorum;
