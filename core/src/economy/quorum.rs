//! Quorum fanout: new entries go at once only to as many followers as a commit needs; the
//! others receive them batched with their next heartbeat. In a cluster of five a put then
//! costs four messages (two AppendEntries, two replies) instead of eight.
//!
//! The followers chosen are the ones most likely to answer: those that answered their last
//! AppendEntries first, then the most recently heard, then the furthest along. A follower
//! that misses an acknowledgement drops in the ranking, so the next decision replaces it.
//! If a commit still stalls for three retransmit timeouts, every follower gets the entries,
//! as with the paper's fanout (§5.3), so that a commit needs any majority, not a chosen one.

use crate::node::{majority, Progress};
use crate::policy::Selection;
use crate::types::{Index, NodeId, Time};
use std::collections::BTreeMap;

/// How many retransmit timeouts a commit may stall before every follower gets the entries.
const STALL_TIMEOUTS: u64 = 3;

pub fn select(
    progress: &BTreeMap<NodeId, Progress>,
    last_index: Index,
    stalled_since: Option<Time>,
    retransmit_timeout: u64,
) -> Selection {
    // Followers that have been sent everything already count towards the commit.
    let needed = majority(progress.len() + 1) - 1;
    let covered = progress.values().filter(|p| !p.has_unsent(last_index)).count();
    let mut ranked: Vec<(&NodeId, &Progress)> = progress.iter().filter(|(_, p)| p.has_unsent(last_index)).collect();
    ranked.sort_by(|(a, pa), (b, pb)| {
        (pa.misses > 0)
            .cmp(&(pb.misses > 0))
            .then(pb.last_heard_at.cmp(&pa.last_heard_at))
            .then(pb.match_index.cmp(&pa.match_index))
            .then(a.cmp(b))
    });
    let followers = ranked.into_iter().take(needed.saturating_sub(covered)).map(|(id, _)| *id).collect();
    let everyone_at = stalled_since.map(|t| t.saturating_add(retransmit_timeout.saturating_mul(STALL_TIMEOUTS)));
    Selection::Some { followers, everyone_at }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(next: &[(NodeId, Index)]) -> BTreeMap<NodeId, Progress> {
        next.iter().map(|&(id, n)| (id, Progress::new(n, 1_000))).collect()
    }

    #[test]
    fn a_five_node_commit_needs_two_followers() {
        let p = progress(&[(2, 5), (3, 5), (4, 5), (5, 5)]);
        let Selection::Some { followers, everyone_at } = select(&p, 5, Some(100), 10) else { panic!() };
        assert_eq!(followers.len(), 2);
        assert_eq!(everyone_at, Some(130));
    }

    #[test]
    fn followers_sent_everything_count_towards_the_commit() {
        let p = progress(&[(2, 6), (3, 5), (4, 5), (5, 5)]);
        let Selection::Some { followers, .. } = select(&p, 5, None, 10) else { panic!() };
        assert_eq!(followers.len(), 1, "node 2 has been sent entry 5 already");
        assert!(!followers.contains(&2));
    }

    #[test]
    fn a_follower_that_missed_an_acknowledgement_ranks_last() {
        let mut p = progress(&[(2, 5), (3, 5), (4, 5), (5, 5)]);
        p.get_mut(&2).unwrap().misses = 1;
        let Selection::Some { followers, .. } = select(&p, 5, None, 10) else { panic!() };
        assert_eq!(followers, vec![3, 4]);
    }

    #[test]
    fn a_stalled_commit_reaches_everyone() {
        let p = progress(&[(2, 5), (3, 5), (4, 5), (5, 5)]);
        let s = select(&p, 5, Some(100), 10);
        assert!(!s.includes(5, 129));
        assert!(s.includes(5, 130));
    }
}
