//! Quorum fanout: new entries go at once only to as many followers as a commit needs; the
//! others receive them batched with their next heartbeat. In a cluster of five a put then
//! costs four messages (two AppendEntries, two replies) instead of eight.
//!
//! The followers chosen take turns: among those that answered their last AppendEntries and
//! are not far behind, the ones the leader has not sent anything for longest come first. So
//! under steady writes every follower hears from the leader every few writes, and its
//! election timer is reset by entries rather than by heartbeats, which cost messages of
//! their own. A follower that misses an acknowledgement drops in the ranking, so the next
//! decision replaces it; one far behind catches up through its heartbeats and retransmissions
//! instead of taking turns, so that a commit never waits for a long catch-up. If a commit still stalls for three retransmit timeouts, every
//! follower gets the entries, as with the paper's fanout (§5.3), so that a commit needs any
//! majority, not a chosen one.

use crate::policy::{Follower, Selection};
use crate::types::{Index, NodeId, Time};

/// How many retransmit timeouts a commit may stall before every follower gets the entries.
const STALL_TIMEOUTS: u64 = 3;
/// A follower missing more entries than this is catching up, not taking its turn.
const FAR_BEHIND: Index = 32;

/// `needed`: how many followers' copies a commit needs besides the leader's. Only voters
/// count; learners get new entries with their heartbeats.
pub fn select(followers: &[Follower], needed: usize, stalled_since: Option<Time>, retransmit_timeout: u64) -> Selection {
    // Voters that have been sent everything already count towards the commit.
    let covered = followers.iter().filter(|f| f.voter && f.has_everything).count();
    let mut ranked: Vec<&Follower> = followers.iter().filter(|f| f.voter && !f.has_everything).collect();
    ranked.sort_by_key(|f| (f.missed, f.behind > FAR_BEHIND, f.last_sent_at, f.id));
    let followers: Vec<NodeId> = ranked.into_iter().take(needed.saturating_sub(covered)).map(|f| f.id).collect();
    let everyone_at = stalled_since.map(|t| t.saturating_add(retransmit_timeout.saturating_mul(STALL_TIMEOUTS)));
    Selection::Some { followers, everyone_at }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Followers `ids`, none sent everything, none missed an acknowledgement.
    fn followers(ids: &[NodeId]) -> Vec<Follower> {
        ids.iter()
            .map(|&id| Follower { id, voter: true, has_everything: false, missed: false, last_heard_at: Some(0), last_sent_at: Some(0), behind: 1 })
            .collect()
    }

    #[test]
    fn a_commit_needs_half_the_followers_rounded_up() {
        for (n, needed) in [(2, 1), (4, 2), (6, 3)] {
            let ids: Vec<NodeId> = (2..2 + n).collect();
            let Selection::Some { followers, everyone_at } = select(&followers(&ids), n.div_ceil(2) as usize, Some(100), 10) else { panic!() };
            assert_eq!(followers.len(), needed, "cluster of {}", n + 1);
            assert_eq!(everyone_at, Some(130));
        }
    }

    #[test]
    fn followers_sent_everything_count_towards_the_commit() {
        let mut f = followers(&[2, 3, 4, 5]);
        f[0].has_everything = true;
        let Selection::Some { followers, .. } = select(&f, 2, None, 10) else { panic!() };
        assert_eq!(followers.len(), 1, "node 2 has been sent the entry already");
        assert!(!followers.contains(&2));
    }

    #[test]
    fn a_follower_that_missed_an_acknowledgement_ranks_last() {
        let mut f = followers(&[2, 3, 4, 5]);
        f[0].missed = true;
        let Selection::Some { followers, .. } = select(&f, 2, None, 10) else { panic!() };
        assert_eq!(followers, vec![3, 4]);
    }

    #[test]
    fn followers_take_turns_the_longest_unsent_first() {
        let mut f = followers(&[2, 3, 4, 5]);
        for (follower, sent_at) in f.iter_mut().zip([40, 10, 30, 20]) {
            follower.last_sent_at = Some(sent_at);
        }
        let Selection::Some { followers, .. } = select(&f, 2, None, 10) else { panic!() };
        assert_eq!(followers, vec![3, 5]);
    }

    #[test]
    fn a_follower_far_behind_catches_up_before_it_takes_a_turn() {
        let mut f = followers(&[2, 3, 4, 5]);
        f[0].last_sent_at = None;
        f[0].behind = FAR_BEHIND + 1;
        let Selection::Some { followers, .. } = select(&f, 2, None, 10) else { panic!() };
        assert_eq!(followers, vec![3, 4]);
    }

    #[test]
    fn a_stalled_commit_reaches_everyone() {
        let s = select(&followers(&[2, 3, 4, 5]), 2, Some(100), 10);
        let followers = match &s {
            Selection::Some { followers, .. } => followers.clone(),
            Selection::Everyone => panic!("a quorum, not everyone"),
        };
        let left_out = [2, 3, 4, 5].into_iter().find(|id| !followers.contains(id)).unwrap();
        assert_eq!(s.entries_at(left_out), 130);
        assert_eq!(s.entries_at(followers[0]), 0);
    }
}
