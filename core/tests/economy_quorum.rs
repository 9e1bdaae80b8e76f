//! The message economy's quorum fanout (`src/economy/quorum.rs`), end to end on a small
//! network: who gets a put at once, who catches up later, and what happens when the chosen
//! followers do not answer.

#![cfg(feature = "economy")]

mod common;

use common::*;
use raft_core::*;

/// Quorum fanout with heartbeats well apart from the retransmit timeout, so that a commit
/// by widening and a catch-up by heartbeat are told apart by their time.
fn quorum_fanout_config() -> Config {
    let mut c = modern_config();
    c.fanout = Fanout::Quorum;
    c.heartbeat_interval_us = 100_000;
    c.retransmit_timeout_us = 20_000;
    c
}

/// The followers that got the put at `index` in messages sent from `mark` on.
fn recipients_of(net: &Network, mark: usize, index: Index) -> Vec<NodeId> {
    let carries = |m: &Message| {
        matches!(&m.body, Body::AppendEntries { prev_log_index, entries, .. }
        if *prev_log_index < index && *prev_log_index + entries.len() as Index >= index)
    };
    net.sent_since(mark).into_iter().filter(|m| m.from == 1 && carries(m)).map(|m| m.to).collect()
}

/// Quorum fanout: a put goes at once only to the two followers a 5-node commit needs, and
/// commits with them; the other two get it with their next heartbeat.
#[test]
fn quorum_fanout_commits_with_a_majority_and_the_rest_catch_up() {
    let mut net = Network::new(5, quorum_fanout_config());
    net.elect(1);
    let mark = net.sent.len();
    assert_eq!(outcomes(&net.put(1, "x", "1")), [Outcome::Written]);
    let index = net.node(1).commit_index();
    let eager = recipients_of(&net, mark, index);
    assert_eq!(eager.len(), 2, "only a quorum is contacted: {eager:?}");
    let lazy: Vec<NodeId> = [2, 3, 4, 5].into_iter().filter(|id| !eager.contains(id)).collect();
    for &id in &lazy {
        assert!(net.node(id).log().last_index() < index, "node {id} is not sent the entry yet");
    }

    net.advance(net.config.heartbeat_interval_us);
    assert_logs_converged(&net);
}

/// Quorum fanout: if the followers it picked do not answer, the leader turns to the others
/// after the retransmit timeout and commits with them, well before their next heartbeat
/// would have carried the entry.
#[test]
fn quorum_fanout_widens_when_the_eager_followers_are_cut_off() {
    let mut net = Network::new(5, quorum_fanout_config());
    net.elect(1);
    let mark = net.sent.len();
    net.put(1, "x", "1");
    let eager = recipients_of(&net, mark, net.node(1).commit_index());
    // Let everyone catch up and answer a heartbeat, so that the same two are picked again.
    net.advance(net.config.heartbeat_interval_us);

    for &id in &eager {
        net.isolate(id);
    }
    let start = net.now;
    let put = net.submit(1, put_op("y", "2"));
    net.deliver_all();
    assert!(net.replies_to(&put).is_empty(), "the picked followers are cut off");
    net.advance(net.config.heartbeat_interval_us);

    let answered: Vec<Time> = net.replies.iter().filter(|(_, _, r)| r.id == put).map(|(t, _, _)| *t).collect();
    // Round trips in this network take no time, so the leader's retransmit timeout has
    // shrunk to its floor, a quarter of the configured one.
    assert_eq!(answered, [start + net.config.retransmit_timeout_us / 4], "committed by widening");
    assert_eq!(net.leader(), Some(1));
}
