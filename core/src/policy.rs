//! The one decision the paper leaves to the implementation that a message economy changes:
//! which followers a leader sends new entries to at once. The paper sends them to every
//! follower (§5.3); the `economy` feature adds a fanout that sends them to just enough
//! followers for a commit ([`crate::economy`]). The leader asks [`Fanout::select`] once per
//! decision and both its sends and its next deadline follow the answer.

use crate::types::{Index, NodeId, Time};
use serde::{Deserialize, Serialize};

/// Which followers get new entries as soon as the leader has them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fanout {
    /// Every follower, at once (§5.3).
    All,
    /// Only as many followers as a commit needs; the others get new entries with their next
    /// heartbeat, or every follower does once a commit has stalled (see
    /// [`crate::economy::quorum`]).
    #[cfg(feature = "economy")]
    Quorum,
}

/// What a fanout may know of one follower: the leader's view of it (`node::Progress`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Follower {
    pub id: NodeId,
    /// It votes: its copy counts towards a commit (a learner's does not, §6).
    pub voter: bool,
    /// It has been sent every entry the leader has.
    pub has_everything: bool,
    /// Its last AppendEntries went unanswered until it timed out.
    pub missed: bool,
    pub last_heard_at: Option<Time>,
    /// When the leader last sent it anything.
    pub last_sent_at: Option<Time>,
    /// How many entries the leader has that it has not acknowledged.
    pub behind: Index,
}

/// The followers that get new entries now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    Everyone,
    /// These followers now; every follower from `everyone_at` on, if set.
    Some { followers: Vec<NodeId>, everyone_at: Option<Time> },
}

impl Selection {
    /// When `follower` gets the entries it has not been sent: now (0), once a stalled
    /// commit reaches everyone, or never (its next heartbeat carries them).
    pub fn entries_at(&self, follower: NodeId) -> Time {
        match self {
            Selection::Everyone => 0,
            Selection::Some { followers, .. } if followers.contains(&follower) => 0,
            Selection::Some { everyone_at, .. } => everyone_at.unwrap_or(Time::MAX),
        }
    }
}

impl Fanout {
    /// The most economical fanout this build has: the graded preset's.
    pub fn economical() -> Fanout {
        #[cfg(feature = "economy")]
        return Fanout::Quorum;
        #[cfg(not(feature = "economy"))]
        return Fanout::All;
    }

    /// Every fanout this build has, for menus.
    pub fn all() -> Vec<Fanout> {
        vec![
            Fanout::All,
            #[cfg(feature = "economy")]
            Fanout::Quorum,
        ]
    }

    /// Chooses the followers that get new entries now. `needed`: how many followers' copies
    /// a commit needs besides the leader's own; `stalled_since`: when the oldest entry not
    /// yet committed was appended; `retransmit_timeout`: the leader's current one.
    /// The leader asks on every send and every deadline, so `followers` is read only by a
    /// fanout that needs it.
    #[cfg_attr(not(feature = "economy"), allow(unused_variables))]
    pub fn select(
        self,
        followers: impl Iterator<Item = Follower>,
        needed: usize,
        stalled_since: Option<Time>,
        retransmit_timeout: u64,
    ) -> Selection {
        match self {
            Fanout::All => Selection::Everyone,
            #[cfg(feature = "economy")]
            Fanout::Quorum => crate::economy::quorum::select(&followers.collect::<Vec<_>>(), needed, stalled_since, retransmit_timeout),
        }
    }
}
