//! Trace events: every state change a visualizer or a test needs to see.

use crate::client::Outcome;
use crate::types::{Index, NodeId, Term};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// No word from a leader for a whole election timeout (§5.2).
    ElectionTimeout { term: Term },
    BecameFollower { term: Term, leader: Option<NodeId> },
    /// Started a pre-vote for `term` without changing its own term (thesis §9.6).
    BecamePreCandidate { term: Term },
    BecameCandidate { term: Term },
    BecameLeader { term: Term },
    /// A leader gave up leadership without seeing a higher term.
    SteppedDown { term: Term, reason: StepDownReason },
    VoteGranted { candidate: NodeId, term: Term, pre_vote: bool },
    VoteDenied { candidate: NodeId, term: Term, pre_vote: bool, reason: DenyReason },
    /// A candidate counted a reply; `votes` is its tally so far, itself included.
    VoteCounted { from: NodeId, term: Term, pre_vote: bool, granted: bool, votes: usize },
    /// Entries `first..=last` were added to the log (by a leader, or from an AppendEntries).
    EntriesAppended { first: Index, last: Index, term: Term },
    /// A follower deleted a conflicting suffix starting at `from` (§5.3).
    LogTruncated { from: Index },
    /// A follower's log failed the AppendEntries consistency check (§5.3).
    AppendRejected { leader: NodeId, prev_log_index: Index },
    CommitAdvanced { from: Index, to: Index },
    /// §7: the entries up to `index` (of `term`) were replaced by a snapshot of the state
    /// machine.
    Compacted { index: Index, term: Term },
    /// §7: a follower took the leader's snapshot, which ends at `index` in `term`; its state
    /// machine and commit index are now the snapshot's.
    SnapshotInstalled { index: Index, term: Term },
    Applied { index: Index },
    /// The node now uses this configuration (§6): one it appended or installed, or the one
    /// before an entry that was truncated. It names the entry that holds it.
    MembershipChanged { index: Index, voters: BTreeSet<NodeId>, learners: BTreeSet<NodeId> },
    /// A request waits until a leader is known.
    RequestHeld { client: String, id: String },
    RequestAnswered { client: String, id: String, outcome: Outcome },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DenyReason {
    /// The candidate's term is older than ours.
    StaleTerm,
    /// We already voted for someone else in this term.
    AlreadyVoted(NodeId),
    /// The candidate's log is less up-to-date than ours (§5.4.1).
    LogBehind,
    /// We heard from a live leader less than an election timeout ago (thesis §4.2.3).
    LeaderAlive,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepDownReason {
    /// Check-quorum: no word from a majority within an election timeout.
    LostQuorum,
    /// Its own removal from the configuration is committed (thesis §4.2.2).
    Removed,
}
