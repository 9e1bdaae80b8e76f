//! A pre-vote or an election in progress. §5.1 has servers retry RPCs that get no answer in
//! time: without that, one lost vote request or reply costs a whole election timeout, and
//! with two nodes of five down (every live vote needed) about half the campaigns under 15 %
//! loss failed that way. A campaign asks the peers that have not answered again, a few times,
//! at doubling intervals.

use super::{Node, Role};
use crate::message::Body;
use crate::types::{Index, NodeId, Time};
use std::collections::BTreeSet;

/// How many times a campaign asks a silent peer again. Each round trip is lost with
/// probability q (about 0.28 at 15 % loss); after three resends a live peer stays unheard
/// with probability q^4 (about 0.6 %), and a dead or cut-off one costs three messages. A peer
/// that answered nothing in the previous campaign (all its resends spent, or a pre-vote
/// won without it) is asked only once: it is likely down or cut off, and a node on the
/// minority side of a partition would otherwise pay for resends in every campaign. So is
/// the leader whose silence fired our election timer, for the same reason.
const RESENDS: u32 = 3;

#[derive(Debug)]
pub(super) struct Campaign {
    /// Votes won so far, our own included.
    pub votes: BTreeSet<NodeId>,
    /// Peers that answered, granting or not.
    answered: BTreeSet<NodeId>,
    /// Peers not asked again: they answered nothing in the previous campaign.
    quiet: BTreeSet<NodeId>,
    /// Peers heard from in any way during this campaign: alive, so not quiet in the next.
    alive: BTreeSet<NodeId>,
    resends_left: u32,
    resend_at: Time,
    resend_interval: u64,
    /// The highest commit index a peer had when this term began, as its vote reply said
    /// (see `node/inherited.rs`).
    pub reported_commit: Index,
    /// Whether a pre-vote stands down when a peer's log is ahead of ours
    /// (`Config::defer_to_longer_logs`).
    pub defers: bool,
}

impl Campaign {
    pub fn new(me: NodeId, now: Time, interval: u64, quiet: BTreeSet<NodeId>) -> Campaign {
        Campaign {
            votes: BTreeSet::from([me]),
            answered: BTreeSet::new(),
            quiet,
            alive: BTreeSet::new(),
            resends_left: RESENDS,
            resend_at: now.saturating_add(interval),
            resend_interval: interval,
            reported_commit: 0,
            defers: false,
        }
    }

    pub fn record(&mut self, from: NodeId, granted: bool) {
        self.answered.insert(from);
        if granted {
            self.votes.insert(from);
        }
    }

    /// A peer sent us something: it is alive, so it is asked again like any other peer.
    pub fn heard_from(&mut self, peer: NodeId) {
        self.quiet.remove(&peer);
        self.alive.insert(peer);
    }

    /// Peers that answered neither this campaign nor the one before it (see `quiet`).
    pub fn unheard(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.quiet.iter().copied().filter(|p| !self.answered.contains(p))
    }

    /// Whether a peer that is not quiet has yet to answer, before the first resend of our
    /// requests (see `Config::defer_to_longer_logs`).
    pub fn awaits(&self, peers: &[NodeId], now: Time) -> bool {
        self.resends_left == RESENDS && now < self.resend_at && peers.iter().any(|p| !self.answered.contains(p) && !self.quiet.contains(p))
    }

    /// When silent peers are next asked again, if ever.
    pub fn resend_deadline(&self) -> Option<Time> {
        (self.resends_left > 0).then_some(self.resend_at)
    }
}

impl Node {
    /// Asks again the peers that have not answered our pre-vote or vote request.
    pub(super) fn resend_vote_requests(&mut self, now: Time) {
        let (campaign, pre_vote) = match &mut self.role {
            Role::PreCandidate(c) => (c, true),
            Role::Candidate(c) => (c, false),
            _ => return,
        };
        if campaign.resend_deadline().is_none_or(|t| now < t) {
            return;
        }
        campaign.resends_left -= 1;
        campaign.resend_interval = campaign.resend_interval.saturating_mul(2);
        campaign.resend_at = now.saturating_add(campaign.resend_interval);
        let silent: Vec<NodeId> =
            self.peers.iter().copied().filter(|p| !campaign.answered.contains(p) && !campaign.quiet.contains(p)).collect();
        for peer in silent {
            self.ask_for_vote(peer, pre_vote);
        }
    }

    /// The peers that answered nothing in the campaign we are leaving, if it spent all its
    /// resends or is a pre-vote that just won (the election needs no more votes than it
    /// got, and asks the silent ones once more anyway); or, for a follower, the leader that
    /// went silent. An election that followed a pre-vote counts only the peers that
    /// answered neither: one that granted the pre-vote is alive, and asking it only once in
    /// the next campaign left a three-node majority under 15 % loss without a leader for
    /// two election timeouts (the one node whose log could win lost that single request).
    /// Nor is a peer that sent us anything during the campaign, a pre-vote of its own say:
    /// with two of five down, a live peer whose answers to one campaign were all lost was
    /// asked only once in each of the next, and three live nodes went eleven seconds
    /// without a leader.
    pub(super) fn quiet_peers(&self) -> BTreeSet<NodeId> {
        match &self.role {
            Role::PreCandidate(c) | Role::Candidate(c) if c.resends_left == 0 || c.votes.len() >= super::majority(self.cluster_size()) => {
                let after_pre_vote = matches!(self.role, Role::Candidate(_)) && self.config.pre_vote;
                let silent = |p: &NodeId| !c.answered.contains(p) && !c.alive.contains(p);
                self.peers.iter().copied().filter(|p| silent(p) && (!after_pre_vote || c.quiet.contains(p))).collect()
            }
            Role::Follower { leader: Some(leader) } => BTreeSet::from([*leader]),
            _ => BTreeSet::new(),
        }
    }

    /// Sends one pre-vote (for the next term) or vote request (for ours) to `peer`.
    pub(super) fn ask_for_vote(&mut self, peer: NodeId, pre_vote: bool) {
        let (last_log_index, last_log_term) = (self.log.last_index(), self.log.last_term());
        if pre_vote {
            self.send_in_term(peer, self.term + 1, Body::PreVote { last_log_index, last_log_term });
        } else {
            self.send(peer, Body::RequestVote { last_log_index, last_log_term });
        }
    }
}
