//! The small vocabulary every other module speaks.

/// A node's identity within its cluster.
pub type NodeId = u32;
/// A Raft term (§5.1): a logical clock that numbers leaderships.
pub type Term = u64;
/// The highest term a node accepts from a message. No cluster gets there honestly (a
/// billion elections a second for a hundred days); a message beyond it is forged or corrupt
/// and is dropped, so that adopting a term never leaves a node without a next one to
/// campaign in, and every term stays exact in any JSON reader (2^53 - 1).
pub const MAX_TERM: Term = (1 << 53) - 1;
/// The most a message's term may exceed a node's own. An honest cluster moves a term at a
/// time; a million elections while a node was away would take weeks. Without this bound
/// one forged message could move a cluster to `MAX_TERM` and leave it nowhere to go; with
/// it, that takes billions.
pub const MAX_TERM_JUMP: Term = 1 << 20;
/// A position in the replicated log, counted from 1; 0 means "before the first entry".
pub type Index = u64;
/// The highest log index a node accepts from a message: no log gets there honestly (a
/// billion entries a second for a hundred days), every index below it stays exact in any
/// JSON reader, and a log there still has room to count past its end.
pub const MAX_INDEX: Index = (1 << 53) - 1;
/// Time as the owner counts it, in microseconds. The core never reads a clock: the native
/// replica passes wall-clock time, the simulator passes virtual time.
pub type Time = u64;
