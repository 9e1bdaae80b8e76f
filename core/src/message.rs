//! The messages nodes exchange: the RPCs of the paper (§5, Figure 2; §7, InstallSnapshot)
//! plus pre-vote (thesis §9.6), each with its reply.

use crate::log::Entry;
use crate::snapshot::Snapshot;
use crate::types::{Index, NodeId, Term, Time};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub from: NodeId,
    pub to: NodeId,
    /// The sender's term; for a `PreVote` the term it would campaign in, and for a granted
    /// `PreVoteReply` that same proposed term.
    pub term: Term,
    pub body: Body,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Body {
    PreVote { last_log_index: Index, last_log_term: Term },
    PreVoteReply { granted: bool },
    RequestVote { last_log_index: Index, last_log_term: Term },
    RequestVoteReply { granted: bool },
    AppendEntries {
        prev_log_index: Index,
        prev_log_term: Term,
        entries: Vec<Entry>,
        leader_commit: Index,
        /// The leader's clock when it sent this, echoed in the reply so that the leader knows
        /// which of its sends a follower has acknowledged (for leases and read confirmation).
        sent_at: Time,
    },
    AppendEntriesReply { result: AppendResult, sent_at: Time },
    /// §7: the leader's snapshot, for a follower whose next entry the leader has compacted
    /// away, sent in chunks one at a time, each under the leader's byte budget. A chunk
    /// carries the snapshot's index, terms and configuration, and in `snapshot.kv` the pairs
    /// whose keys follow `after` (none: the first chunk), in key order; `done` on the last.
    /// The follower answers each chunk but the last with `InstallSnapshotReply`, and the
    /// last as it answers an AppendEntries: its log now matches the leader's up to the
    /// snapshot's last index.
    InstallSnapshot { snapshot: Snapshot, after: Option<String>, done: bool, sent_at: Time },
    /// The follower holds the chunks of the snapshot ending at `last_index` up to the key
    /// `received` (none: it holds none of it), and wants the next.
    InstallSnapshotReply { last_index: Index, received: Option<String>, sent_at: Time },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppendResult {
    /// The follower's log matches the leader's up to `match_index`.
    Success { match_index: Index },
    /// The consistency check failed at `rejected_index` (the request's prev_log_index). The
    /// hints let the leader skip back a whole term at a time (§5.3): `conflict_term` is the
    /// follower's term at that index (None if its log is shorter) and `conflict_index` the
    /// first index the leader should try.
    Reject { rejected_index: Index, conflict_index: Index, conflict_term: Option<Term> },
}

impl Body {
    /// A short name for logs and renderers.
    pub fn kind(&self) -> MessageKind {
        match self {
            Body::PreVote { .. } => MessageKind::PreVote,
            Body::PreVoteReply { .. } => MessageKind::PreVoteReply,
            Body::RequestVote { .. } => MessageKind::RequestVote,
            Body::RequestVoteReply { .. } => MessageKind::RequestVoteReply,
            Body::AppendEntries { entries, .. } if entries.is_empty() => MessageKind::Heartbeat,
            Body::AppendEntries { .. } => MessageKind::AppendEntries,
            Body::AppendEntriesReply { .. } => MessageKind::AppendEntriesReply,
            Body::InstallSnapshot { .. } => MessageKind::InstallSnapshot,
            Body::InstallSnapshotReply { .. } => MessageKind::InstallSnapshotReply,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MessageKind {
    PreVote,
    PreVoteReply,
    RequestVote,
    RequestVoteReply,
    /// An AppendEntries without entries.
    Heartbeat,
    AppendEntries,
    AppendEntriesReply,
    InstallSnapshot,
    InstallSnapshotReply,
}

impl MessageKind {
    pub fn name(self) -> &'static str {
        match self {
            MessageKind::PreVote => "PreVote",
            MessageKind::PreVoteReply => "PreVoteReply",
            MessageKind::RequestVote => "RequestVote",
            MessageKind::RequestVoteReply => "RequestVoteReply",
            MessageKind::Heartbeat => "Heartbeat",
            MessageKind::AppendEntries => "AppendEntries",
            MessageKind::AppendEntriesReply => "AppendEntriesReply",
            MessageKind::InstallSnapshot => "InstallSnapshot",
            MessageKind::InstallSnapshotReply => "InstallSnapshotReply",
        }
    }
}
