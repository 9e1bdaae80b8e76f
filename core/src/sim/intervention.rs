//! What can be done to a running simulation, as values: every change a user or a test makes
//! is one of these, stamped with the virtual time at which it applies. A run is its
//! configuration plus this list, and replays exactly.

use crate::client::Op;
use crate::membership::MembershipChange;
use crate::types::{NodeId, Time};
use serde::{Deserialize, Serialize};

use super::network::MessageId;
use super::SimConfig;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Intervention {
    /// The node stops: its volatile state is lost, its persistent state kept.
    Crash { node: NodeId },
    /// A crashed node comes back with its persistent state.
    Restart { node: NodeId },
    /// The node's election timer fires now.
    Timeout { node: NodeId },
    /// A message in flight is lost.
    DropMessage { id: MessageId },
    /// A message in flight stops where it is until released (or dropped).
    HoldMessage { id: MessageId },
    /// A held message goes on and takes the rest of its way.
    ReleaseMessage { id: MessageId },
    /// The network delivers a second copy of a message in flight (with its own delay).
    DuplicateMessage { id: MessageId },
    /// Only nodes within the same group can talk to each other; nodes not named form a group
    /// of their own.
    Partition { groups: Vec<Vec<NodeId>> },
    /// Messages from `from` to `to` are lost (a one-way cut).
    CutLink { from: NodeId, to: NodeId },
    RestoreLink { from: NodeId, to: NodeId },
    /// Every link works again.
    Heal,
    /// The probability that any message between nodes is lost.
    SetLoss { loss: f64 },
    /// The user's own client sends a request to `node` (and follows redirects).
    Request { node: NodeId, op: Op },
    /// The leader is asked to change the configuration (§6). Adding the node after the last
    /// one starts a new, empty server for it first.
    ChangeMembership { change: MembershipChange },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stamped {
    pub at: Time,
    pub what: Intervention,
}

/// Everything needed to reproduce a simulation exactly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub config: SimConfig,
    pub interventions: Vec<Stamped>,
}
