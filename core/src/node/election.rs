//! Leader election (§5.2), the voting rule (§5.4.1) and pre-vote (thesis §9.6).

use super::{Campaign, Leadership, Node, Progress, Role};
use crate::event::{DenyReason, Event};
use crate::kv::Command;
use crate::log::Entry;
use crate::message::Body;
use crate::types::{Index, NodeId, Term, Time};
use std::collections::{BTreeMap, VecDeque};

impl Node {
    /// Steps down to follower, adopting `term` if it is newer (§5.1).
    pub(super) fn become_follower(&mut self, now: Time, term: Term, leader: Option<NodeId>) {
        let old_term = self.term;
        if term > self.term {
            self.term = term;
            self.prior_commit = self.commit_index;
            self.voted_for = None;
        }
        let old = std::mem::replace(&mut self.role, Role::Follower { leader });
        let was_leader = matches!(old, Role::Leader(_));
        if let Role::Leader(leadership) = old {
            self.abandon_leadership(*leadership, old_term);
        }
        self.trace(Event::BecameFollower { term: self.term, leader });
        if was_leader {
            self.reset_election_timer(now);
        }
        if let Some(leader) = leader {
            self.last_leader = Some((self.term, leader));
            self.last_leader_contact = Some(now);
            self.reset_election_timer(now);
            self.release_held_requests(now);
        }
    }

    /// §5.2: no word from a leader for an election timeout: campaign, after a pre-vote if on.
    pub(super) fn on_election_timeout(&mut self, now: Time) {
        self.trace(Event::ElectionTimeout { term: self.term });
        if self.config.pre_vote {
            self.start_pre_vote(now);
        } else {
            self.start_election(now);
        }
    }

    fn start_pre_vote(&mut self, now: Time) {
        let quiet = self.quiet_peers();
        let mut campaign = Campaign::new(self.id, now, self.config.retransmit_timeout_us, quiet);
        campaign.defers = self.config.defer_to_longer_logs && !std::mem::take(&mut self.stood_down);
        self.role = Role::PreCandidate(campaign);
        self.trace(Event::BecamePreCandidate { term: self.term + 1 });
        self.reset_election_timer(now);
        for peer in self.peers.clone() {
            self.ask_for_vote(peer, true);
        }
        self.check_votes(now, true);
    }

    fn start_election(&mut self, now: Time) {
        // Lease reads (thesis §6.4.1) rely on every node that acknowledged a leader not to
        // help elect another (its own vote included) within a minimum election timeout of
        // hearing from it. The election timer never fires sooner, but `timeout_now` can: then
        // a new leader could commit while the old one still answers reads from its lease.
        // So a forced election waits until that promise has lapsed, then runs as usual.
        if self.config.read_mode == crate::config::ReadMode::Lease && self.leader_is_alive(now) {
            if let Some(contact) = self.last_leader_contact {
                self.election_deadline = contact + self.config.election_timeout_min_us;
            }
            return;
        }
        self.term += 1;
        self.prior_commit = self.commit_index;
        self.voted_for = Some(self.id);
        let quiet = self.quiet_peers();
        self.role = Role::Candidate(Campaign::new(self.id, now, self.config.retransmit_timeout_us, quiet));
        self.trace(Event::BecameCandidate { term: self.term });
        self.reset_election_timer(now);
        for peer in self.peers.clone() {
            self.ask_for_vote(peer, false);
        }
        self.check_votes(now, false);
    }

    /// Would we vote for `candidate` in `term` were it a real election? Pre-votes answer this
    /// without changing any state.
    pub(super) fn handle_pre_vote(&mut self, now: Time, candidate: NodeId, term: Term, last_index: Index, last_term: Term) {
        // `Config::defer_to_longer_logs`: a pre-candidate stands down for a candidate whose
        // log is more up-to-date, or as up-to-date with a higher id (nodes whose logs are
        // equal would otherwise campaign at once when the same pre-vote makes them deny it,
        // and split the vote).
        let ours = (self.log.last_term(), self.log.last_index(), self.id);
        if self.config.defer_to_longer_logs && (last_term, last_index, candidate) > ours && term > self.term {
            if let Role::PreCandidate(_) = self.role {
                self.become_follower(now, self.term, None);
            }
        }
        let denial = if self.leader_is_alive(now) {
            Some(DenyReason::LeaderAlive)
        } else if term < self.term {
            Some(DenyReason::StaleTerm)
        } else {
            self.vote_denial(candidate, term == self.term, last_index, last_term)
        };
        let granted = denial.is_none();
        match denial {
            None => self.trace(Event::VoteGranted { candidate, term, pre_vote: true }),
            Some(reason) => self.trace(Event::VoteDenied { candidate, term, pre_vote: true, reason }),
        }
        // A granted pre-vote carries the proposed term, a denial our own (so that a candidate
        // with an old term learns it).
        let reply_term = if granted { term } else { self.term };
        let log_ahead = (self.log.last_term(), self.log.last_index()) > (last_term, last_index);
        self.send_in_term(candidate, reply_term, Body::PreVoteReply { granted, log_ahead });
        // `Config::defer_to_longer_logs`: our log is the more up-to-date one, so we campaign
        // instead, unless a leader may still be alive (the candidate may be cut off from it).
        if self.config.defer_to_longer_logs && denial == Some(DenyReason::LogBehind) && !self.heard_from_leader_lately(now) {
            if let Role::Follower { .. } = self.role {
                self.start_pre_vote(now);
            }
        }
    }

    /// The rules a vote and a pre-vote share (§5.2, §5.4.1): one vote per term, and only for a
    /// candidate whose log is at least as up-to-date as ours. `same_term`: the request is for
    /// the term we are in, so the vote we cast in it counts.
    fn vote_denial(&self, candidate: NodeId, same_term: bool, last_index: Index, last_term: Term) -> Option<DenyReason> {
        match self.voted_for {
            Some(voted) if same_term && voted != candidate => Some(DenyReason::AlreadyVoted(voted)),
            _ if !self.log.is_up_to_date(last_index, last_term) => Some(DenyReason::LogBehind),
            _ => None,
        }
    }

    /// §5.2, §5.4.1: one vote per term, first come first served, only for a candidate whose
    /// log is at least as up-to-date as ours. Terms were already reconciled by the caller.
    pub(super) fn handle_request_vote(&mut self, now: Time, candidate: NodeId, last_index: Index, last_term: Term) {
        let denial = self.vote_denial(candidate, true, last_index, last_term);
        let granted = denial.is_none();
        match denial {
            None => {
                self.voted_for = Some(candidate);
                // §5.2: granting a vote resets the election timer.
                self.reset_election_timer(now);
                self.trace(Event::VoteGranted { candidate, term: self.term, pre_vote: false });
            }
            Some(reason) => self.trace(Event::VoteDenied { candidate, term: self.term, pre_vote: false, reason }),
        }
        self.send(candidate, Body::RequestVoteReply { granted, prior_commit: self.prior_commit });
    }

    /// `pre_vote`: for a pre-vote's reply, whether the replier's log is ahead of ours.
    pub(super) fn handle_vote_reply(&mut self, now: Time, from: NodeId, term: Term, granted: bool, pre_vote: Option<bool>) {
        let (log_ahead, pre_vote) = (pre_vote == Some(true), pre_vote.is_some());
        // A granted pre-vote speaks of the term it would elect us in; a denial, of the
        // voter's own term, which is ours (a newer one made us a follower already).
        let expected_term = if pre_vote && granted { self.term + 1 } else { self.term };
        let campaign = match &mut self.role {
            Role::PreCandidate(c) if pre_vote && term == expected_term => c,
            Role::Candidate(c) if !pre_vote && term == expected_term => c,
            // A late reply from an earlier campaign, or to the pre-vote that made us a
            // candidate (its sender, alive after all, is asked again for its vote like any
            // other peer, §5.1: `receive` noted it).
            _ => return,
        };
        campaign.record(from, granted);
        // `Config::defer_to_longer_logs`: a peer whose log is ahead of ours is one that
        // should win (§5.4.1), and a pre-vote of ours that won would take away votes it
        // needs (with its own denial of our pre-vote arriving first, or its reason being a
        // leader heard lately, a put held by it and the dead leader alone was lost to our
        // election). Only every other campaign stands down (see `stood_down`).
        if pre_vote && log_ahead && campaign.defers {
            let votes = campaign.votes.len();
            self.trace(Event::VoteCounted { from, term, pre_vote, granted, votes });
            self.stood_down = true;
            self.become_follower(now, self.term, None);
            return;
        }
        let tally = campaign.votes.len();
        self.trace(Event::VoteCounted { from, term, pre_vote, granted, votes: tally });
        self.check_votes(now, pre_vote);
    }

    pub(super) fn check_votes(&mut self, now: Time, pre_vote: bool) {
        let tally = self.votes().map_or(0, |v| v.len());
        if tally < super::majority(self.cluster_size()) {
            return;
        }
        if pre_vote {
            // `Config::defer_to_longer_logs`: a peer yet to answer may be one whose log is
            // more up-to-date, about to ask for our pre-vote.
            let waiting = |c: &Campaign| c.awaits(&self.peers, now);
            if self.config.defer_to_longer_logs && matches!(&self.role, Role::PreCandidate(c) if waiting(c)) {
                return;
            }
            self.start_election(now);
        } else {
            self.become_leader(now);
        }
    }

    /// §5.2: a candidate with votes from a majority becomes leader; it appends a no-op of its
    /// term (§8) and announces itself with AppendEntries to everyone at once.
    fn become_leader(&mut self, now: Time) {
        let next = self.log.last_index() + 1;
        let mut progress: BTreeMap<NodeId, Progress> =
            self.peers.iter().map(|&p| (p, Progress::new(next, self.config.heartbeat_interval_us))).collect();
        // A peer that answered neither our pre-vote nor our vote request (nor, as the leader
        // that went silent, anything for an election timeout) is likely down or cut off.
        let mut floor = self.commit_index;
        if let Role::Candidate(c) = &self.role {
            for peer in c.unheard() {
                progress.get_mut(&peer).expect("progress for every peer").suspect();
            }
            floor = floor.max(c.reported_commit);
        }
        self.role = Role::Leader(Box::new(Leadership {
            progress,
            since: now,
            term_start: next,
            pending_writes: BTreeMap::new(),
            pending_reads: Vec::new(),
            uncommitted: VecDeque::new(),
            flush_due: true,
            loss_permille: 0,
            srtt_us: None,
            sent_through: next - 1,
            quick: super::chain_answers::QuickRetries::after(next - 1),
            spared_through: next - 1,
            inherited: super::inherited::Inherited::new(
                &self.log,
                self.id,
                (floor, next),
                self.last_leader,
                self.last_leader_contact.unwrap_or(now),
                self.config.answer_inherited_puts,
            ),
        }));
        self.last_leader_contact = Some(now);
        self.trace(Event::BecameLeader { term: self.term });
        if self.config.leader_noop {
            self.append_as_leader(now, Entry::new(self.term, Command::Noop));
        }
        self.release_held_requests(now);
        self.leader_tick(now);
    }
}
