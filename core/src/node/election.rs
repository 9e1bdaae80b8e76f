//! Leader election (§5.2), the voting rule (§5.4.1) and pre-vote (thesis §9.6).

use super::{Campaign, Leadership, Node, Role};
use crate::event::{DenyReason, Event};
use crate::kv::Command;
use crate::log::Entry;
use crate::message::Body;
use crate::types::{Index, NodeId, Term, Time};

impl Node {
    /// Steps down to follower, adopting `term` if it is newer (§5.1).
    pub(super) fn become_follower(&mut self, now: Time, term: Term, leader: Option<NodeId>) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
        }
        let old = std::mem::replace(&mut self.role, Role::Follower { leader });
        if let Role::Leader(leadership) = old {
            self.abandon_leadership(*leadership);
            self.reset_election_timer(now);
        }
        self.trace(Event::BecameFollower { term: self.term, leader });
        if leader.is_some() {
            self.cut_off = false;
            self.last_leader_contact = Some(now);
            self.reset_election_timer(now);
            self.release_held_requests(now);
        }
    }

    /// §5.2: no word from a leader for an election timeout: campaign, after a pre-vote if on.
    pub(super) fn on_election_timeout(&mut self, now: Time) {
        self.trace(Event::ElectionTimeout { term: self.term });
        // §6: a learner, or a server the cluster is done with, does not campaign; when it
        // stops hearing from a leader it forgets it and sends its clients elsewhere.
        if !self.may_campaign() {
            self.reset_election_timer(now);
            if self.leader().is_some() {
                self.become_follower(now, self.term, None);
            }
            self.cut_off = true;
            self.redirect_held_requests();
            // A removed server that still owes answers must hear from a leader how its
            // entries ended: it makes itself known with a pre-vote, which changes nothing
            // for anyone (thesis §9.6), and the leader sends it the log (`membership.rs`).
            if self.requests.owes_any() {
                for voter in self.other_voters() {
                    self.ask_for_vote(voter, true);
                }
            }
            return;
        }
        // Our last campaign won nothing in a whole election timeout: this node cannot reach a
        // majority, so the requests waiting here could wait as long as that lasts.
        if matches!(self.role, Role::PreCandidate(_) | Role::Candidate(_)) {
            self.cut_off = true;
            self.redirect_held_requests();
        }
        if self.config.pre_vote {
            self.start_pre_vote(now);
        } else {
            self.start_election(now);
        }
    }

    /// Thesis §9.6: ask whether we could win before disturbing anyone with a new term.
    fn start_pre_vote(&mut self, now: Time) {
        if self.term == Term::MAX {
            return; // no term left to propose
        }
        self.role = Role::PreCandidate(Campaign::new(self.id, now, self.config.retransmit_timeout_us));
        self.trace(Event::BecamePreCandidate { term: self.term + 1 });
        self.reset_election_timer(now);
        for peer in self.other_voters() {
            self.ask_for_vote(peer, true);
        }
        self.check_votes(now, true);
    }

    /// §5.2: increment the term, vote for ourselves, ask everyone else.
    fn start_election(&mut self, now: Time) {
        // Lease reads (thesis §6.4.1) rely on every node that acknowledged a leader not to
        // help elect another (its own vote included) within a minimum election timeout of
        // hearing from it. The election timer never fires sooner, but `timeout_now` can, so
        // a forced election waits until that promise has lapsed.
        if self.config.read_mode == crate::config::ReadMode::Lease && self.leader_is_alive(now) {
            if let Some(contact) = self.last_leader_contact {
                self.election_deadline = contact.saturating_add(self.config.election_timeout_min_us);
            }
            return;
        }
        let Some(term) = self.term.checked_add(1) else { return };
        self.term = term;
        self.voted_for = Some(self.id);
        self.role = Role::Candidate(Campaign::new(self.id, now, self.config.retransmit_timeout_us));
        self.trace(Event::BecameCandidate { term: self.term });
        self.reset_election_timer(now);
        for peer in self.other_voters() {
            self.ask_for_vote(peer, false);
        }
        self.check_votes(now, false);
    }

    /// Would we vote for `candidate` in `term` were it a real election? A pre-vote answers
    /// this without changing any state (thesis §9.6).
    pub(super) fn handle_pre_vote(&mut self, now: Time, candidate: NodeId, term: Term, last_index: Index, last_term: Term) {
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
        self.send_in_term(candidate, reply_term, Body::PreVoteReply { granted });
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
        match denial {
            None => {
                self.voted_for = Some(candidate);
                // §5.2: granting a vote resets the election timer.
                self.reset_election_timer(now);
                self.trace(Event::VoteGranted { candidate, term: self.term, pre_vote: false });
            }
            Some(reason) => self.trace(Event::VoteDenied { candidate, term: self.term, pre_vote: false, reason }),
        }
        self.send(candidate, Body::RequestVoteReply { granted: denial.is_none() });
    }

    /// A (pre-)vote reply. A granted pre-vote speaks of the term it would elect us in; a
    /// denial of the voter's own term, which is ours (a newer one made us a follower already).
    pub(super) fn handle_vote_reply(&mut self, now: Time, from: NodeId, term: Term, granted: bool, pre_vote: bool) {
        let expected_term = if pre_vote && granted { self.term.saturating_add(1) } else { self.term };
        if !self.membership.is_voter(from) {
            return; // only voters' answers count (§6)
        }
        let campaign = match &mut self.role {
            Role::PreCandidate(c) if pre_vote && term == expected_term => c,
            Role::Candidate(c) if !pre_vote && term == expected_term => c,
            _ => return, // a late reply from an earlier campaign
        };
        campaign.record(from, granted);
        let votes = campaign.votes.len();
        self.trace(Event::VoteCounted { from, term, pre_vote, granted, votes });
        self.check_votes(now, pre_vote);
    }

    /// A majority of the voters' (pre-)votes: campaign for real, or lead.
    fn check_votes(&mut self, now: Time, pre_vote: bool) {
        if !self.votes().is_some_and(|v| self.membership.has_majority(v)) {
            return;
        }
        if pre_vote {
            self.start_election(now);
        } else {
            self.become_leader(now);
        }
    }

    /// §5.2: a candidate with votes from a majority becomes leader; it appends a no-op of its
    /// term (§8) and announces itself with AppendEntries to everyone at once.
    fn become_leader(&mut self, now: Time) {
        let next = self.log.last_index() + 1;
        self.role = Role::Leader(Box::new(Leadership::new(&self.peers(), next, now, self.config.heartbeat_interval_us)));
        self.last_leader_contact = Some(now);
        self.cut_off = false;
        self.trace(Event::BecameLeader { term: self.term });
        self.track_leaving_servers(now);
        // A leader outside its configuration (thesis §4.2.2: elected to commit its own
        // removal) appends a no-op whatever the preset: it takes no puts, and needs an entry
        // of its term to commit the configuration.
        if self.config.leader_noop || !self.membership.is_voter(self.id) {
            self.append_as_leader(now, Entry::new(self.term, Command::Noop));
        }
        self.release_held_requests(now);
        self.leader_tick(now);
    }
}
