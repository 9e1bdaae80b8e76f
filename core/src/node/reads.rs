//! Linearizable reads (thesis §6.4). A read returns the state machine as of at least the
//! commit index when it arrived, once the leader knows it was still leader then: either a
//! majority acknowledged a message sent after the read arrived (ReadIndex), or a majority
//! acknowledged one recently enough that no other leader can have been elected since (a
//! lease, §6.4.1, which needs check-quorum's promise not to vote within an election timeout).

use super::leader::Leadership;
use super::quorum::voters_quorum;
use super::{Node, Role};
use crate::client::{ClientRequest, Op, Outcome};
use crate::config::ReadMode;
use crate::membership::Membership;
use crate::types::{Index, NodeId, Time};

#[derive(Debug)]
pub(super) struct PendingRead {
    pub request: ClientRequest,
    /// The commit index when the read arrived: the answer must reflect at least this.
    pub read_index: Index,
    /// Leadership must be confirmed by acknowledgements of messages sent at or after this.
    pub arrived_at: Time,
}

impl Node {
    /// Answers the pending reads that are safe to answer now.
    pub(super) fn serve_reads(&mut self, now: Time) {
        let lease = self.has_read_lease(now);
        let Role::Leader(l) = &mut self.role else { return };
        // Until an entry of its own term is committed, a new leader may not know of every
        // committed entry (§8).
        if l.pending_reads.is_empty() || self.commit_index < l.term_start {
            return;
        }
        let confirmed = quorum_acked(l, &self.membership, self.id);
        let applied = self.last_applied;
        let (ready, waiting): (Vec<PendingRead>, Vec<PendingRead>) = std::mem::take(&mut l.pending_reads)
            .into_iter()
            .partition(|r| (lease || confirmed >= r.arrived_at) && applied >= r.read_index);
        l.pending_reads = waiting;
        for read in ready {
            let Op::Get { key } = &read.request.op else { continue };
            let value = self.kv.get(key).cloned();
            self.answer(read.request, Outcome::Value(value));
        }
    }

    /// Reads wait for a round of messages sent to every follower after this time, if any:
    /// with lease reads, after the earliest waiting read arrived (one quorum's acknowledgement
    /// renews the lease for every read); otherwise after the latest, as each read must be
    /// confirmed by messages sent after it arrived (thesis §6.4).
    pub(super) fn read_round(&self, l: &Leadership) -> Option<Time> {
        let arrivals = l.pending_reads.iter().map(|r| r.arrived_at);
        match self.config.read_mode {
            ReadMode::Lease => arrivals.min(),
            _ => arrivals.max(),
        }
    }

    /// Whether this leader may answer a read at once: its lease is valid and its term has
    /// committed an entry.
    pub fn has_read_lease(&self, now: Time) -> bool {
        match &self.role {
            Role::Leader(l) => {
                self.config.read_mode == ReadMode::Lease
                    && self.commit_index >= l.term_start
                    && now < quorum_acked(l, &self.membership, self.id).saturating_add(self.config.lease_us())
            }
            _ => false,
        }
    }
}

/// The latest send time that a majority of the voters (the leader included, while it is one)
/// has acknowledged: leadership was certain at that moment.
fn quorum_acked(l: &Leadership, membership: &Membership, me: NodeId) -> Time {
    voters_quorum(membership, me, Time::MAX, &l.progress, |p| p.acked_sent_at.unwrap_or(0), 0)
}
