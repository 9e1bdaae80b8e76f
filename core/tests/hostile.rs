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

    // A jump of more than MAX_TERM_JUMP is dropped too; one within it is accepted.
    net.inject(append_msg(3, 2, term + MAX_TERM_JUMP + 1, (0, 0), Vec::new(), 0));
    assert_eq!(net.node(2).term(), term);
    net.inject(append_msg(3, 2, term + MAX_TERM_JUMP, (0, 0), Vec::new(), 0));
    assert_eq!(net.node(2).term(), term + MAX_TERM_JUMP);
}

/// Entries newer than the leader's own term, or a candidate's last entry newer than its
/// term, no honest node sends: such a message is dropped before it can reach a log.
#[test]
fn log_terms_above_the_message_term_are_dropped() {
    let mut net = Network::new(3, modern_config());
    net.elect(1);
    let term = net.node(2).term();
    let last = net.node(2).log().last_index();
    let future = Entry::new(term + 1, Command::Put { key: "x".into(), value: "forged".into() });
    net.inject(append_msg(1, 2, term, (last, term), vec![future], 0));
    assert_eq!(net.node(2).log().last_index(), last, "the entry was not appended");
    net.inject(vote_msg(3, 2, term + 1, (last + 5, term + 2)));
    assert_eq!(net.node(2).term(), term, "the vote request was dropped whole");
}

/// A leader's entries never go back in term, and never start below the entry they follow:
/// such a message is dropped, so the log keeps its terms in order.
#[test]
fn entries_that_go_back_in_term_are_dropped() {
    let mut node = node_with_log(3, 3, modern_config(), 3, None, &[1, 2, 2]);
    let at = |t: Term| Entry::new(t, Command::Put { key: "x".into(), value: "forged".into() });
    for entries in [vec![at(3), at(2)], vec![at(1)]] {
        let msg = append_msg(2, 3, 3, (3, 2), entries, 0);
        assert!(!node.is_possible(&msg));
        node.receive(0, msg);
        assert_eq!(terms_of(node.log()), [1, 2, 2], "nothing was appended");
    }
    let honest = append_msg(2, 3, 3, (3, 2), vec![at(2), at(3)], 0);
    assert!(node.is_possible(&honest));
    node.receive(0, honest);
    assert_eq!(terms_of(node.log()), [1, 2, 2, 2, 3]);
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

/// A number a forger might pick: near the node's own view, or at an extreme.
fn number(rng: &mut Rng, near: u64) -> u64 {
    match rng.below(6) {
        0 => 0,
        1 => u64::MAX,
        2 => MAX_TERM,
        3 => MAX_TERM + 1,
        4 => rng.next_u64(),
        _ => near.saturating_add(rng.range(0, 4)).saturating_sub(2),
    }
}

/// An arbitrary well-typed message from member `from` to member `to`.
fn forged(rng: &mut Rng, net: &Network, from: NodeId, to: NodeId) -> Message {
    let node = net.node(to);
    let (term, last) = (node.term(), node.log().last_index());
    let entries = (0..rng.below(4))
        .map(|i| {
            let command = if rng.chance(0.3) {
                Command::Noop
            } else {
                Command::Put { key: format!("k{i}"), value: format!("forged{}", rng.below(100)) }
            };
            Entry::new(number(rng, term), command)
        })
        .collect();
    let result = if rng.chance(0.5) {
        AppendResult::Success { match_index: number(rng, last) }
    } else {
        let conflict_term = rng.chance(0.5).then(|| number(rng, term));
        AppendResult::Reject { rejected_index: number(rng, last), conflict_index: number(rng, last), conflict_term }
    };
    let body = match rng.below(6) {
        0 => Body::PreVote { last_log_index: number(rng, last), last_log_term: number(rng, term) },
        1 => Body::PreVoteReply { granted: rng.chance(0.5) },
        2 => Body::RequestVote { last_log_index: number(rng, last), last_log_term: number(rng, term) },
        3 => Body::RequestVoteReply { granted: rng.chance(0.5) },
        4 => Body::AppendEntries {
            prev_log_index: number(rng, last),
            prev_log_term: number(rng, term),
            entries,
            leader_commit: number(rng, last),
            sent_at: number(rng, net.now),
        },
        _ => Body::AppendEntriesReply { result, sent_at: number(rng, net.now) },
    };
    Message { from, to, term: number(rng, term), body }
}

/// Arbitrary well-typed messages from members, in any order, among client requests and
/// the passing of time: no node panics (in a debug build, no arithmetic overflows either),
/// and once the forging stops the cluster elects a leader and commits a write again.
/// `RAFT_HOSTILE_SEEDS` sets the number of seeds (a soak runs more).
#[test]
fn arbitrary_forged_messages_never_panic_a_node() {
    let seeds: u64 = std::env::var("RAFT_HOSTILE_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(100);
    for seed in 0..seeds {
        let mut rng = Rng::new(seed);
        let mut net = Network::new(5, modern_config());
        net.elect(1);
        for _ in 0..200 {
            let (from, to) = (rng.range(1, 5) as NodeId, rng.range(1, 5) as NodeId);
            match rng.below(4) {
                0 => {
                    net.submit(to, put_op("k", "v"));
                }
                1 => net.advance(rng.range(1, net.config.heartbeat_interval_us)),
                _ if from != to => {
                    let m = forged(&mut rng, &net, from, to);
                    net.inject(m);
                }
                _ => {}
            }
            net.deliver_all();
        }
        let recovered = net.advance_until(net.config.election_timeout_max_us * 20, |n| {
            n.leader().is_some_and(|l| n.node(l).commit_index() == n.node(l).log().last_index())
        });
        assert!(recovered, "seed {seed}: no leader with a committed log after the forging stopped");
        let leader = net.leader().expect("a leader");
        let id = net.submit(leader, put_op("after", "forging"));
        net.advance_until(net.config.election_timeout_max_us * 20, |n| !n.replies_to(&id).is_empty());
        let answers = outcomes(&net.replies_to(&id));
        assert_eq!(answers, [Outcome::Written], "seed {seed}");
    }
}

/// A snapshot ending past `MAX_INDEX` no honest leader sends (its log could not count on),
/// and entries below a follower's snapshot must be the committed ones: a forged message of
/// either kind changes nothing and panics nothing.
#[test]
fn forged_snapshots_and_entries_below_a_snapshot_are_refused() {
    let mut node = node_with_log(1, 3, modern_config(), 3, None, &[1, 1]);
    for last_index in [Index::MAX, MAX_INDEX + 1] {
        let snapshot = Snapshot { last_index, last_term: 3, terms: vec![(1, 3)], kv: KvStore::default(), membership: Membership::of_voters([1, 2, 3]) };
        let msg = Message { from: 2, to: 1, term: 3, body: Body::InstallSnapshot { snapshot, after: None, done: true, sent_at: 0 } };
        assert!(!node.is_possible(&msg));
        node.receive(10_000_000, msg);
        assert_eq!(node.log().start(), (0, 0));
    }
    // A follower whose snapshot ends at entry 5 of term 3 is sent entries of term 1 that
    // would cover it: refused, and its log keeps its terms in order.
    let mut log = RaftLog::default();
    log.start_after(5, 3);
    let snapshot = Snapshot { last_index: 5, last_term: 3, terms: vec![(1, 3)], kv: KvStore::default(), membership: Membership::of_voters([1, 2, 3]) };
    let state = PersistentState { term: 3, voted_for: None, log, snapshot: Some(snapshot) };
    let mut node = Node::restart(1, peers_of(1, 3), modern_config(), SEED, 0, state).unwrap();
    let entries = (0..7).map(|_| Entry::new(1, Command::Noop)).collect();
    node.receive(10_000_000, append_msg(2, 1, 3, (0, 0), entries, 0));
    assert_eq!((node.log().start(), node.log().last_index()), ((5, 3), 5), "nothing appended");
}
