//! Configuration changes, one server at a time (§6; thesis §4.1-4.2). A configuration is a
//! log entry, used by each server from the moment it is appended, committed or not; a
//! truncation that removes it restores the previous one. The leader takes one change at a
//! time, and only once it has committed an entry of its own term. A new server joins as a
//! learner and is made a voter, by the leader, once it holds every committed entry. A
//! leader that removes itself goes on replicating, without counting itself, until the
//! change is committed, and then steps down.
//!
//! A removed server may owe clients answers for puts it took as an earlier leader, and it
//! learns whether they were committed only from the log. So the leader goes on sending it
//! the log, as to a learner, until it has acknowledged its own removal as committed, or
//! has said nothing for `LEAVING_PATIENCE` election timeouts (a removed server is often a
//! dead one; if it speaks again, the leader takes it up again). (The paper lets a removed
//! server simply stop; one that answers every request it took needs to hear how its
//! entries ended.)

use super::{Node, Progress, Role};
use crate::event::{Event, StepDownReason};
use crate::kv::Command;
use crate::log::Entry;
use crate::membership::{Membership, MembershipChange, Refusal};
use crate::types::{Index, NodeId, Time};

/// How many maximum election timeouts a leader goes on sending the log to a removed server
/// that does not answer.
const LEAVING_PATIENCE: u64 = 10;

/// A server the leader removed and still sends the log to.
#[derive(Clone, Copy, Debug)]
pub(super) struct Leaving {
    /// The entry that removed it.
    removed_by: Index,
    /// When the leader first looked at it: its silence counts from then at the earliest.
    since: Option<Time>,
    /// When the leader committed that entry: a message sent later tells a server that stores
    /// the entry that it is committed (one sent at the same moment may have gone before).
    committed_at: Option<Time>,
}

impl Leaving {
    /// Whether the server acknowledged, storing the log up to `match_index`, a message sent
    /// at `sent_at` that told it its removal is committed (§5.3: its commit index became
    /// the smaller of the leader's and its last new entry).
    pub(super) fn knows(&self, match_index: Index, sent_at: Time) -> bool {
        match_index >= self.removed_by && self.committed_at.is_some_and(|t| sent_at > t)
    }
}

impl Node {
    /// Asks this node, as leader, to change the configuration. Returns the index of the
    /// configuration entry; the change takes effect at once and is done once that entry is
    /// committed. An added server first learns, then votes.
    pub fn change_membership(&mut self, now: Time, change: MembershipChange) -> Result<Index, Refusal> {
        let next = self.membership_refusal(change)?;
        Ok(self.append_membership(now, next))
    }

    /// The configuration `change` would lead to, or why this node refuses it now.
    pub fn membership_refusal(&self, change: MembershipChange) -> Result<Membership, Refusal> {
        self.may_change_membership()?;
        self.membership.after(change)
    }

    /// Whether this node may append a configuration now: it leads, the last change is
    /// committed (one at a time, thesis §4.1), and so is an entry of its own term (the
    /// thesis's correction: a change of an earlier leader may be undecided until then).
    fn may_change_membership(&self) -> Result<(), Refusal> {
        let Role::Leader(l) = &self.role else { return Err(Refusal::NotLeader) };
        if self.membership_index > self.commit_index {
            return Err(Refusal::ChangeInProgress);
        }
        if self.commit_index < l.term_start {
            return Err(Refusal::TermNotCommitted);
        }
        Ok(())
    }

    fn append_membership(&mut self, now: Time, next: Membership) -> Index {
        let index = self.append_as_leader(now, Entry::new(self.term, Command::Membership(next)));
        if self.commits_alone() {
            self.leader_tick(now);
        }
        index
    }

    /// Whether this node's own copy is a majority: no answer will prompt a commit, so it
    /// commits as it appends.
    pub(super) fn commits_alone(&self) -> bool {
        self.membership.voters.len() == 1 && self.membership.is_voter(self.id)
    }

    /// Thesis §4.2.1: a learner that holds every committed entry has caught up and is made a
    /// voter, one change at a time like any other.
    pub(super) fn maybe_promote(&mut self, now: Time) {
        if self.may_change_membership().is_err() {
            return;
        }
        let Role::Leader(l) = &self.role else { return };
        let caught_up = self
            .membership
            .learners
            .iter()
            .copied()
            .find(|learner| l.progress.get(learner).is_some_and(|p| p.match_index >= self.commit_index));
        if let Some(learner) = caught_up {
            let next = self.membership.promoted(learner);
            self.append_membership(now, next);
        }
    }

    /// Notes when the entries that removed servers were committed (see `Leaving`).
    pub(super) fn note_removals_committed(&mut self, now: Time) {
        let commit = self.commit_index;
        if let Role::Leader(l) = &mut self.role {
            for leaving in l.leaving.values_mut().filter(|x| x.removed_by <= commit && x.committed_at.is_none()) {
                leaving.committed_at = Some(now);
            }
        }
    }

    /// A new leader whose latest configuration is not committed yet goes on sending the log
    /// to the servers that configuration removed, as the leader that removed them would have.
    pub(super) fn track_leaving_servers(&mut self, now: Time) {
        if self.membership_index <= self.commit_index {
            return;
        }
        let (_, before) = self.membership_at(self.membership_index - 1);
        let departed = before.members().filter(|&id| id != self.id && !self.membership.is_member(id)).collect();
        self.depart(departed, self.membership_index, Some(now));
    }

    /// Stops sending the log to removed servers that have said nothing for
    /// `LEAVING_PATIENCE` election timeouts.
    pub(super) fn forget_silent_leavers(&mut self, now: Time) {
        let patience = self.config.election_timeout_max_us.saturating_mul(LEAVING_PATIENCE);
        let Role::Leader(l) = &mut self.role else { return };
        let mut silent = Vec::new();
        for (&id, leaving) in &mut l.leaving {
            let since = *leaving.since.get_or_insert(now);
            if l.progress.get(&id).is_none_or(|p| now.saturating_sub(p.heard_since(since)) >= patience) {
                silent.push(id);
            }
        }
        for id in silent {
            l.leaving.remove(&id);
            l.progress.remove(&id);
        }
    }

    /// A leader heard from a server outside its configuration. One that was a member once,
    /// and may not know it was removed or how its entries ended, is sent the log until it
    /// knows (a server that never was is ignored: anyone can claim an id).
    pub(super) fn heard_from_outside(&mut self, id: NodeId, now: Time) {
        let Role::Leader(l) = &self.role else { return };
        if !l.progress.contains_key(&id) && self.former_members.contains(&id) {
            self.depart(vec![id], self.membership_index, Some(now));
        }
    }

    /// Servers that entry `index` removed: the leader sends them the log for now. `now`, if
    /// known, is when it takes them up.
    fn depart(&mut self, servers: Vec<NodeId>, index: Index, now: Option<Time>) {
        let next = self.log.last_index() + 1;
        let heartbeat = self.config.heartbeat_interval_us;
        let committed_at = now.filter(|_| index <= self.commit_index);
        if let Role::Leader(l) = &mut self.role {
            for id in servers {
                l.progress.entry(id).or_insert_with(|| Progress::new(next, heartbeat));
                l.leaving.insert(id, Leaving { removed_by: index, since: now, committed_at });
            }
        }
    }

    /// Whether this node starts elections: a voter does, a learner does not. Thesis §4.2.2: a
    /// server its latest configuration removed still does while that configuration is not
    /// known to be committed, as it may be needed to commit it (its log may be the only one
    /// up to date enough); its own vote does not count (see `Membership::has_majority`).
    pub(super) fn may_campaign(&self) -> bool {
        self.membership.is_voter(self.id) || (!self.membership.is_member(self.id) && self.membership_index > self.commit_index)
    }

    /// Thesis §4.2.2: a leader not in the configuration it committed steps down; it led only
    /// to commit its own removal.
    pub(super) fn step_down_if_removed(&mut self, now: Time) {
        let removed = !self.membership.is_voter(self.id) && self.membership_index <= self.commit_index;
        if self.is_leader() && removed {
            self.trace(Event::SteppedDown { term: self.term, reason: StepDownReason::Removed });
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
        self.former_members.extend(self.base_membership.members());
        let (index, membership) = self.membership_at(self.log.last_index());
        self.set_membership(index, membership);
    }

    /// Uses `membership`, held by entry `index`. A leader starts replicating to the servers
    /// it adds; those it removes go on receiving the log until they know (see `Leaving`).
    pub(super) fn set_membership(&mut self, index: Index, membership: Membership) {
        self.membership_index = index;
        if membership == self.membership {
            return;
        }
        self.former_members.extend(membership.members());
        self.membership = membership;
        let (voters, learners) = (self.membership.voters.clone(), self.membership.learners.clone());
        self.trace(Event::MembershipChanged { index, voters, learners });
        let next = self.log.last_index() + 1;
        let heartbeat = self.config.heartbeat_interval_us;
        let peers = self.peers();
        let Role::Leader(l) = &mut self.role else { return };
        let departed = l.progress.keys().copied().filter(|id| !peers.contains(id) && !l.leaving.contains_key(id)).collect();
        for peer in peers {
            l.leaving.remove(&peer);
            l.progress.entry(peer).or_insert_with(|| Progress::new(next, heartbeat));
        }
        self.depart(departed, index, None);
    }
}
