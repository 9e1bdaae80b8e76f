//! Cluster membership (§6; the thesis's single-server changes, §4.1). A configuration names
//! the voters, whose majority elects leaders and commits entries, and the learners, which
//! receive the log but do not vote: a new server joins as a learner and becomes a voter once
//! it has caught up (thesis §4.2.1), so that it never slows commits while its log is empty.
//!
//! Changes go one server at a time: any majority of the old voters and any majority of the
//! new ones share a server, so the two configurations cannot elect two leaders in one term,
//! and no joint consensus is needed (thesis §4.1 explains why the single-server way is
//! simpler; etcd and raft-rs support both).

use crate::node::majority;
use crate::types::NodeId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Membership {
    pub voters: BTreeSet<NodeId>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub learners: BTreeSet<NodeId>,
}

/// A change an operator asks the leader for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MembershipChange {
    /// Adds a server as a learner; the leader makes it a voter once it has caught up.
    Add(NodeId),
    /// Removes a voter or a learner, the leader itself included.
    Remove(NodeId),
}

/// Why a leader refuses a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// Only a leader changes the configuration.
    NotLeader,
    /// The last change is not committed yet: one change at a time (thesis §4.1).
    ChangeInProgress,
    /// This leader has not committed an entry of its own term yet, so a change of a
    /// previous leader's may still be undecided (the thesis's correction to §4.1).
    TermNotCommitted,
    AlreadyMember,
    NotMember,
    /// It would leave no voter.
    LastVoter,
}

impl Refusal {
    pub fn describe(self) -> &'static str {
        match self {
            Refusal::NotLeader => "only the leader changes the configuration",
            Refusal::ChangeInProgress => {
                "the last change is not committed yet: one change at a time"
            }
            Refusal::TermNotCommitted => "the leader has not committed an entry of its term yet",
            Refusal::AlreadyMember => "that server is already in the cluster",
            Refusal::NotMember => "that server is not in the cluster",
            Refusal::LastVoter => "removing it would leave no voter",
        }
    }
}

impl Membership {
    /// Every server in `voters` votes; none learns.
    pub fn of_voters(voters: impl IntoIterator<Item = NodeId>) -> Membership {
        Membership {
            voters: voters.into_iter().collect(),
            learners: BTreeSet::new(),
        }
    }

    pub fn is_voter(&self, id: NodeId) -> bool {
        self.voters.contains(&id)
    }

    pub fn is_member(&self, id: NodeId) -> bool {
        self.voters.contains(&id) || self.learners.contains(&id)
    }

    /// Voters and learners, in order.
    pub fn members(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.voters.union(&self.learners).copied()
    }

    /// How many voters make a majority.
    pub fn majority(&self) -> usize {
        majority(self.voters.len())
    }

    /// Whether the servers in `votes` include a majority of the voters (§5.2).
    pub fn has_majority(&self, votes: &BTreeSet<NodeId>) -> bool {
        !self.voters.is_empty() && self.voters.intersection(votes).count() >= self.majority()
    }

    /// The configuration after `change`, or why it cannot follow this one.
    pub fn after(&self, change: MembershipChange) -> Result<Membership, Refusal> {
        let mut next = self.clone();
        match change {
            MembershipChange::Add(id) if self.is_member(id) => return Err(Refusal::AlreadyMember),
            MembershipChange::Add(id) => {
                next.learners.insert(id);
            }
            MembershipChange::Remove(id) if !self.is_member(id) => return Err(Refusal::NotMember),
            MembershipChange::Remove(id) if self.voters.len() == 1 && self.is_voter(id) => {
                return Err(Refusal::LastVoter)
            }
            MembershipChange::Remove(id) => {
                next.voters.remove(&id);
                next.learners.remove(&id);
            }
        }
        Ok(next)
    }

    /// The configuration with learner `id` made a voter.
    pub fn promoted(&self, id: NodeId) -> Membership {
        let mut next = self.clone();
        if next.learners.remove(&id) {
            next.voters.insert(id);
        }
        next
    }

    /// A rough upper bound of the encoded size.
    pub fn approx_size(&self) -> usize {
        16 + 11 * (self.voters.len() + self.learners.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_is_added_as_a_learner_and_promoted_to_voter() {
        let three = Membership::of_voters([1, 2, 3]);
        let four = three.after(MembershipChange::Add(4)).unwrap();
        assert!(four.is_member(4) && !four.is_voter(4));
        assert_eq!(
            four.majority(),
            2,
            "a learner does not count towards a majority"
        );
        let promoted = four.promoted(4);
        assert!(promoted.is_voter(4) && promoted.learners.is_empty());
        assert_eq!(promoted.majority(), 3);
    }

    #[test]
    fn changes_that_make_no_sense_are_refused() {
        let one = Membership::of_voters([1]);
        assert_eq!(
            one.after(MembershipChange::Add(1)),
            Err(Refusal::AlreadyMember)
        );
        assert_eq!(
            one.after(MembershipChange::Remove(2)),
            Err(Refusal::NotMember)
        );
        assert_eq!(
            one.after(MembershipChange::Remove(1)),
            Err(Refusal::LastVoter)
        );
        let with_learner = one.after(MembershipChange::Add(2)).unwrap();
        assert_eq!(with_learner.after(MembershipChange::Remove(2)), Ok(one));
    }

    #[test]
    fn a_majority_counts_voters_only() {
        let m = Membership {
            voters: [1, 2, 3].into(),
            learners: [4, 5].into(),
        };
        assert!(!m.has_majority(&[1, 4, 5].into()));
        assert!(m.has_majority(&[1, 3].into()));
        assert!(!Membership::default().has_majority(&[1].into()));
    }
}
