//! Configuration changes, one server at a time (§6; thesis §4.1-4.2). A configuration is a
//! log entry, used by each server from the moment it is appended, committed or not; a
//! truncation that removes it restores the previous one. The leader takes one change at a
//! time, and only once it has committed an entry of its own term. A new server joins as a
//! learner and is made a voter, by the leader, once it holds every committed entry. A
//! leader that removes itself goes on replicating, without counting itself, until the
//! change is committed, and then steps down.

use super::{Node, Progress, Role};
use crate::event::{Event, StepDownReason};
use crate::kv::Command;
use crate::log::Entry;
use crate::membership::{Membership, MembershipChange, Refusal};
use crate::types::{Index, Time};

impl Node {
    /// Asks this node, as leader, to change the configuration. Returns the index of the
    /// configuration entry; the change takes effect at once and is done once that entry
    /// is committed. An added server first learns, then votes.
    pub fn change_membership(
        &mut self,
        now: Time,
        change: MembershipChange,
    ) -> Result<Index, Refusal> {
        let next = self.membership_refusal(change)?;
        Ok(self.append_membership(now, next))
    }

    /// The configuration `change` would lead to, or why this node refuses it now.
    pub fn membership_refusal(&self, change: MembershipChange) -> Result<Membership, Refusal> {
        let Role::Leader(l) = &self.role else {
            return Err(Refusal::NotLeader);
        };
        if self.membership_index > self.commit_index {
            return Err(Refusal::ChangeInProgress);
        }
        if self.commit_index < l.term_start {
            return Err(Refusal::TermNotCommitted);
        }
        self.membership.after(change)
    }

    fn append_membership(&mut self, now: Time, next: Membership) -> Index {
        let index = self.append_as_leader(now, Entry::new(self.term, Command::Membership(next)));
        // A leader that is the only voter commits alone (and with no one to answer, nothing
        // else would prompt it).
        self.leader_tick(now);
        index
    }

    /// Thesis §4.2.1: a learner that holds every committed entry has caught up and is made
    /// a voter, one at a time like any change.
    pub(super) fn maybe_promote(&mut self, now: Time) {
        let Role::Leader(l) = &self.role else { return };
        if self.membership_index > self.commit_index || self.commit_index < l.term_start {
            return;
        }
        let caught_up = self.membership.learners.iter().copied().find(|learner| {
            l.progress
                .get(learner)
                .is_some_and(|p| p.match_index >= self.commit_index)
        });
        if let Some(learner) = caught_up {
            let next = self.membership.promoted(learner);
            self.append_membership(now, next);
        }
    }

    /// Thesis §4.2.2: a leader not in the configuration it committed steps down; it led only
    /// to commit its own removal.
    pub(super) fn step_down_if_removed(&mut self, now: Time) {
        let removed =
            !self.membership.is_voter(self.id) && self.membership_index <= self.commit_index;
        if self.is_leader() && removed {
            self.trace(Event::SteppedDown {
                term: self.term,
                reason: StepDownReason::Removed,
            });
            self.become_follower(now, self.term, None);
            self.cut_off = true;
            self.redirect_held_requests();
        }
    }

    /// The configuration as of entry `index`: the latest configuration entry at or before
    /// it, else the base one.
    pub(super) fn membership_at(&self, index: Index) -> (Index, Membership) {
        let (start, _) = self.log.start();
        let upto = index.min(self.log.last_index()).saturating_sub(start) as usize;
        self.log.entries()[..upto]
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, e)| match &e.command {
                Command::Membership(m) => Some((start + 1 + i as Index, m.clone())),
                _ => None,
            })
            .unwrap_or_else(|| (start, self.base_membership.clone()))
    }

    /// Uses the latest configuration in the log, after the log changed below it.
    pub(super) fn refresh_membership(&mut self) {
        let (index, membership) = self.membership_at(self.log.last_index());
        self.set_membership(index, membership);
    }

    /// Uses `membership`, held by entry `index`. A leader starts or stops replicating to the
    /// servers it adds or removes.
    pub(super) fn set_membership(&mut self, index: Index, membership: Membership) {
        self.membership_index = index;
        if membership == self.membership {
            return;
        }
        self.membership = membership;
        let (voters, learners) = (
            self.membership.voters.clone(),
            self.membership.learners.clone(),
        );
        self.trace(Event::MembershipChanged {
            index,
            voters,
            learners,
        });
        let next = self.log.last_index() + 1;
        let heartbeat = self.config.heartbeat_interval_us;
        let peers = self.peers();
        if let Role::Leader(l) = &mut self.role {
            l.progress.retain(|id, _| peers.contains(id));
            for peer in peers {
                l.progress
                    .entry(peer)
                    .or_insert_with(|| Progress::new(next, heartbeat));
            }
        }
    }
}
