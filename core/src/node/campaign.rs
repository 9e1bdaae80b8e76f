//! A pre-vote or an election in progress: the votes won, and the vote requests to resend.
//! §5.1 has servers retry RPCs that get no answer in time; without that, one lost vote
//! request or reply costs a whole election timeout. A campaign asks the peers that have not
//! answered again, a few times, at doubling intervals.

use super::{Node, Role};
use crate::message::Body;
use crate::types::{NodeId, Time};
use std::collections::BTreeSet;

/// How many times a campaign asks a silent peer again.
const RESENDS: u32 = 3;

#[derive(Debug)]
pub(super) struct Campaign {
    /// Votes won so far, our own included.
    pub votes: BTreeSet<NodeId>,
    /// Peers that answered, granting or not.
    answered: BTreeSet<NodeId>,
    resends_left: u32,
    resend_at: Time,
    resend_interval: u64,
}

impl Campaign {
    pub fn new(me: NodeId, now: Time, interval: u64) -> Campaign {
        Campaign {
            votes: BTreeSet::from([me]),
            answered: BTreeSet::new(),
            resends_left: RESENDS,
            resend_at: now.saturating_add(interval),
            resend_interval: interval,
        }
    }

    pub fn record(&mut self, from: NodeId, granted: bool) {
        self.answered.insert(from);
        if granted {
            self.votes.insert(from);
        }
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
        let silent: Vec<NodeId> = self.membership.voters.iter().copied().filter(|p| *p != self.id && !campaign.answered.contains(p)).collect();
        for peer in silent {
            self.ask_for_vote(peer, pre_vote);
        }
    }

    /// Sends one pre-vote (for the next term) or vote request (for ours) to `peer`.
    pub(super) fn ask_for_vote(&mut self, peer: NodeId, pre_vote: bool) {
        let (last_log_index, last_log_term) = (self.log.last_index(), self.log.last_term());
        if pre_vote {
            self.send_in_term(peer, self.term.saturating_add(1), Body::PreVote { last_log_index, last_log_term });
        } else {
            self.send(peer, Body::RequestVote { last_log_index, last_log_term });
        }
    }
}
