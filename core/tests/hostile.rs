//! Forged messages from a member of the cluster. Raft does not defend against a Byzantine
//! peer, but no message, however forged, may panic a node or leave the cluster unable to
//! elect a leader again.

mod common;

use common::*;
use raft_core::*;

/// A term of 2^64 - 1 would leave no term to campaign in: every node drops it.
#[test]
fn a_message_with_an_impossible_term_is_dropped() {
    let mut net = Network::new(3, modern_config());
    net.elect(1);
    let term = net.node(2).term();
    for forged in [MAX_TERM + 1, Term::MAX] {
        net.inject(append_reply(1, 2, forged, AppendResult::Success { match_index: 1 }, 0));
        net.inject(append_msg(3, 2, forged, (0, 0), Vec::new(), 0));
        net.inject(vote_msg(3, 1, forged, (Index::MAX, Term::MAX)));
    }
    assert_eq!((net.node(1).term(), net.node(2).term()), (term, term));
    assert!(net.node(1).is_leader());

    // The highest honest term is still accepted, and a next election still finds a term.
    net.inject(append_msg(3, 2, MAX_TERM, (0, 0), Vec::new(), 0));
    assert_eq!(net.node(2).term(), MAX_TERM);
}

/// A rejection whose hints point past the leader's log must not move the leader's view of
/// the follower past it (next_index stays at most last index + 1).
#[test]
fn a_rejection_with_forged_hints_cannot_panic_the_leader() {
    let mut net = Network::new(3, modern_config());
    net.elect(1);
    let term = net.node(1).term();
    let forged = AppendResult::Reject { rejected_index: Index::MAX, conflict_index: Index::MAX, conflict_term: Some(Term::MAX) };
    net.inject(append_reply(2, 1, term, forged, 0));
    net.advance(net.config.heartbeat_interval_us * 3);
    assert_eq!(outcomes(&net.put(1, "x", "1")), [Outcome::Written]);
    net.advance(net.config.heartbeat_interval_us * 3);
    assert_logs_converged(&net);
}

/// `sent_at` echoes the leader's own clock; one from the future must not stretch the
/// leader's lease past what its followers really acknowledged.
#[test]
fn a_reply_from_the_future_does_not_extend_the_lease() {
    let mut net = Network::new(3, modern_config());
    net.elect(1);
    let term = net.node(1).term();
    net.isolate(1);
    for from in [2, 3] {
        net.inject(append_reply(from, 1, term, AppendResult::Success { match_index: 0 }, Time::MAX / 2));
    }
    // Cut off for longer than any lease: a read must not be served from it.
    net.advance(net.config.election_timeout_min_us + 1);
    let read = net.submit(1, get_op("x"));
    net.advance(1);
    assert!(net.replies_to(&read).iter().all(|r| !matches!(r.outcome, Outcome::Value(_))), "a stale lease served a read");
}
