//! The messages nodes exchange: the RPCs of the paper (§5, Figure 2) plus pre-vote
//! (thesis §9.6), each with its reply.

use crate::log::Entry;
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
    /// `log_ahead`: the replier's log is more up-to-date than the candidate's (§5.4.1), so
    /// it would deny its vote, and with `Config::defer_to_longer_logs` the candidate stands
    /// down (see `node/election.rs`).
    PreVoteReply {
        granted: bool,
        #[serde(default)]
        log_ahead: bool,
    },
    RequestVote { last_log_index: Index, last_log_term: Term },
    /// `prior_commit`: the voter's commit index when its current term began, so that a new
    /// leader knows how far earlier leaders committed (see `node/inherited.rs`).
    RequestVoteReply { granted: bool, prior_commit: Index },
    AppendEntries {
        prev_log_index: Index,
        prev_log_term: Term,
        entries: Vec<Entry>,
        leader_commit: Index,
        /// The leader's clock when it sent this, echoed in the reply so that the leader knows
        /// which of its sends a follower has acknowledged (for leases and read confirmation).
        sent_at: Time,
        /// Whether this message is part of a relay chain (see [`Relay`]).
        #[serde(default)]
        relay: Relay,
    },
    AppendEntriesReply {
        result: AppendResult,
        sent_at: Time,
        /// For the answer to a forwarded AppendEntries: the follower that forwarded it and
        /// its match index, so that one reply acknowledges both.
        #[serde(default)]
        via: Option<(NodeId, Index)>,
        /// The follower's commit index once it has handled the AppendEntries: it has applied
        /// everything up to here, and answered the puts among them it was named to answer
        /// (`Config::chain_answers`).
        #[serde(default)]
        commit_index: Index,
        /// The follower's commit index when its current term began: what leaders of earlier
        /// terms had told it (see `node/inherited.rs`).
        #[serde(default)]
        prior_commit: Index,
    },
}

/// Relay replication: instead of sending new entries to two followers and hearing back from
/// both (four messages), the leader sends them to one, which appends and passes the same
/// AppendEntries on to a second, which answers the leader for both (three messages). The
/// forwarded message is the leader's own (term, entries, commit index), so the second
/// follower checks and appends it exactly as if it came straight from the leader (§5.3);
/// the only new fact it carries is the first follower's match index, which the reply
/// passes on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Relay {
    /// Straight from the leader, answered straight to it.
    #[default]
    Direct,
    /// From the leader: after a successful append, forward it to `to` instead of answering
    /// (a rejection is answered to the leader as usual).
    Forward { to: NodeId },
    /// Forwarded by the message's sender on behalf of `leader`, whose log matches the
    /// leader's up to `via_match`. Answer the leader.
    Forwarded { leader: NodeId, via_match: Index },
    /// From the leader: append, and answer nothing. A spare copy of entries that may exist
    /// only in the leader's log, sent to a follower outside the chain that went unanswered
    /// (`Config::chain_answers`, `node/chain_answers.rs`): one message, not a chain's three,
    /// so that a leader that dies before the next chain goes out does not take them with it.
    /// The follower reports its log in its next answer to anything else.
    Store,
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
        }
    }
}
