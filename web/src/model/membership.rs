//! Each node's place in the cluster's configuration (§6; thesis §4): a voter, a learner that
//! is still catching up, or outside the configuration (removed, or a new server the leader
//! has not added yet). The picture reads it from the leader's configuration, which is the one
//! that decides commits; without a leader, each node from its own.

use raft_core::sim::{NodeSlot, Sim, SimEventKind, MAX_NODES};
use raft_core::{Command, Membership, MembershipChange, NodeId, PersistentState};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member {
    Voter,
    /// Receives the log but neither votes nor counts towards a commit, until it has caught up
    /// (thesis §4.2.1).
    Learner,
    /// In no configuration that counts: removed, or started but not added yet.
    Outside,
}

impl Member {
    pub fn of(membership: &Membership, id: NodeId) -> Member {
        if membership.is_voter(id) {
            Member::Voter
        } else if membership.is_member(id) {
            Member::Learner
        } else {
            Member::Outside
        }
    }

    /// The value of a node's `data-member` attribute, and the word printed on a node that is
    /// not a voter.
    pub fn name(self) -> &'static str {
        match self {
            Member::Voter => "voter",
            Member::Learner => "learner",
            Member::Outside => "outside",
        }
    }

    /// What it means, in a few words, for a label.
    pub fn describe(self) -> &'static str {
        match self {
            Member::Voter => "a voter",
            Member::Learner => "a learner: it receives the log but does not vote yet",
            Member::Outside => "not in the cluster's configuration",
        }
    }
}

/// The configuration the picture reads node `id`'s place from: the leader's if there is one,
/// else the node's own.
pub fn member_of(sim: &Sim, id: NodeId) -> Member {
    if let Some(leader) = sim.leader().and_then(|l| sim.node(l)) {
        return Member::of(leader.membership(), id);
    }
    match sim.slot(id) {
        Some(NodeSlot::Up(node)) => Member::of(node.membership(), id),
        Some(NodeSlot::Down { state, .. }) => Member::of(&on_disk(sim, id, state), id),
        None => Member::Outside,
    }
}

/// The configuration a crashed node will use when it restarts: the latest in its log, else
/// its snapshot's, else the one it started with (every first node a voter; an added node
/// none).
fn on_disk(sim: &Sim, id: NodeId, state: &PersistentState) -> Membership {
    let in_log = state.log.entries().iter().rev().find_map(|e| match &e.command {
        Command::Membership(m) => Some(m.clone()),
        _ => None,
    });
    in_log.or_else(|| state.snapshot.as_ref().map(|s| s.membership.clone())).unwrap_or_else(|| {
        let first = sim.config().nodes as NodeId;
        if id <= first {
            Membership::of_voters(1..=first)
        } else {
            Membership::default()
        }
    })
}

/// The change "Add a server" asks for: a new, empty node after the last one, while the
/// simulation has room for it.
pub fn next_server(sim: &Sim) -> Option<MembershipChange> {
    (sim.node_count() < MAX_NODES).then(|| MembershipChange::Add(sim.node_count() as NodeId + 1))
}

/// The change a node's inspector offers: removing it while it is in the leader's
/// configuration, adding it back once it is not.
pub fn change_for(sim: &Sim, id: NodeId) -> MembershipChange {
    match member_of(sim, id) {
        Member::Voter | Member::Learner => MembershipChange::Remove(id),
        Member::Outside => MembershipChange::Add(id),
    }
}

/// The reason the leader (or the simulator) refused a change among the events after the first
/// `seen` of the run, if one was refused: the user asked, so the answer is said where they
/// look, not only in the feed.
pub fn refusal_since(sim: &Sim, seen: usize) -> Option<String> {
    let first = seen.saturating_sub(sim.events_discarded()).min(sim.events().len());
    sim.events()[first..].iter().find_map(|e| match &e.kind {
        SimEventKind::ChangeRefused { change, reason } => {
            let what = match change {
                MembershipChange::Add(id) => format!("add node {id}"),
                MembershipChange::Remove(id) => format!("remove node {id}"),
            };
            Some(format!("Cannot {what}: {reason}."))
        }
        _ => None,
    })
}
