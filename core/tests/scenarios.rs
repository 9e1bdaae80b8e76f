//! Whole-cluster scenarios on the test network: the paper's Figures 7 and 8, partitions,
//! a disruptive rejoin, a lagging follower, and quorum fanout.

mod common;

use common::*;
use raft_core::*;

fn value(net: &Network, id: NodeId, key: &str) -> Option<String> {
    net.node(id).kv().get(key).cloned()
}

// ----- Figure 7 -----

/// Figure 7 (§5.3): the term-8 leader and all six followers (a)-(f) in one cluster. The
/// leader wins with the votes of (a), (b), (e) and (f), then every log is repaired to match
/// its own, including (c) and (d) which had extra uncommitted entries.
#[test]
fn figure_7_log_repair() {
    let (leader, followers) = (FIGURE_7_LEADER, FIGURE_7_FOLLOWERS);
    let mut states = vec![(7, leader)];
    states.extend(followers.iter().map(|&f| (*f.last().unwrap(), f)));
    let mut net = Network::with_logs(paper_config(), &states);
    net.elect(1);
    assert_eq!(net.node(1).term(), 8);

    net.advance(net.config.heartbeat_interval_us);
    assert_logs_converged(&net);
    let mut expected = leader.to_vec();
    expected.push(8); // the leader's no-op
    assert_eq!(terms_of(net.node(4).log()), expected, "(c) lost its extra entry");
    assert_eq!(net.node(1).commit_index(), 11);
}

// ----- Figure 8 -----

/// Figure 8 (§5.4.2), state (c): S1 was leader in term 2 and wrote index 2 on S2; S5 won
/// term 3 and wrote a different index 2 only on itself, then crashed; S1 now wins term 4
/// and spreads its term-2 entry to a majority. No-ops are off, as in the paper's figure.
fn figure_8_state_c() -> Network {
    let mut config = paper_config();
    config.leader_noop = false;
    let mut net = Network::with_logs(config, &[(3, &[1, 2]), (2, &[1, 2]), (3, &[1]), (3, &[1]), (3, &[1, 3])]);
    net.isolate(5); // S5 is down
    net.elect(1);
    assert_eq!(net.node(1).term(), 4);
    for id in [2, 3, 4] {
        assert_eq!(terms_of(net.node(id).log()), [1, 2]);
    }
    net
}

/// Figure 8 (c) to (d): the term-2 entry is stored on four of five servers, yet S1 must not
/// commit it by counting replicas; indeed S5 can still be elected and overwrite it.
#[test]
fn figure_8_old_term_entry_is_not_committed_by_counting() {
    let mut net = figure_8_state_c();
    assert_eq!(net.node(1).commit_index(), 0);

    // (d): S1 crashes, S5 returns. Term 4 is taken (its voters chose S1), so it needs two tries.
    net.heal();
    net.isolate(1);
    net.campaign(5);
    net.elect(5);
    net.advance(net.config.heartbeat_interval_us);
    for id in [2, 3, 4] {
        assert_eq!(terms_of(net.node(id).log()), [1, 3], "node {id}: the term-2 entry is gone");
    }
}

/// Figure 8 (e): once S1 commits an entry of its own term on a majority, the term-2 entry
/// before it is committed too, and S5 can no longer be elected to overwrite it.
#[test]
fn figure_8_old_term_entry_commits_with_current_term_entry() {
    let mut net = figure_8_state_c();
    net.isolate(4); // as in the figure, only S1-S3 get the new entry
    assert_eq!(outcomes(&net.put(1, "x", "1")), [Outcome::Written]);
    assert_eq!(net.node(1).commit_index(), 3);

    net.heal();
    net.isolate(1);
    for _ in 0..3 {
        net.elect_attempt(5);
        assert!(!net.node(5).is_leader(), "S5 lacks a committed entry and must lose");
    }
    for id in [2, 3] {
        assert_eq!(terms_of(net.node(id).log()), [1, 2, 4]);
    }
}

// ----- partitions -----

/// A leader cut off with a minority keeps appending but cannot commit; the majority elects
/// a new leader that can. When the partition heals, the old leader learns the newer term,
/// steps down, redirects the client it owed, and its uncommitted entry is replaced.
/// (Check-quorum off, so that only the healed partition can depose it.)
#[test]
fn partitioned_old_leader_cannot_commit_and_steps_down_on_heal() {
    let mut net = Network::new(5, paper_config());
    net.elect(1);
    let old_term = net.node(1).term();
    net.partition(&[&[1, 2], &[3, 4, 5]]);
    let stale = net.submit(1, put_op("x", "old"));
    net.advance(1_000_000);
    assert!(net.replies_to(&stale).is_empty());
    assert_eq!(net.node(1).log().last_index(), 2, "appended on the old leader");
    assert_eq!((net.node(1).commit_index(), net.node(2).commit_index()), (1, 1), "but never committed");

    let new_leader = net.leader().expect("the majority elected a leader");
    assert!(new_leader >= 3 && net.node(new_leader).term() > old_term);
    assert_eq!(outcomes(&net.put(new_leader, "x", "new")), [Outcome::Written]);
    assert!(net.node(1).is_leader(), "nothing has told the old leader yet");

    net.heal();
    net.advance(net.config.heartbeat_interval_us * 4);
    assert_eq!((net.node(1).role(), net.node(1).leader()), (RoleKind::Follower, Some(new_leader)));
    assert_eq!(outcomes(&net.replies_to(&stale)), [Outcome::Redirect(Some(new_leader))]);
    assert_logs_converged(&net);
    assert_eq!(value(&net, 1, "x").as_deref(), Some("new"));
}

/// With check-quorum (thesis §6.2) the cut-off leader does not wait for the heal: it steps
/// down once it has not heard from a majority for an election timeout.
#[test]
fn partitioned_old_leader_with_check_quorum_steps_down_by_itself() {
    let mut net = Network::new(5, modern_config());
    net.elect(1);
    net.partition(&[&[1, 2], &[3, 4, 5]]);
    net.advance(net.config.election_timeout_max_us + net.config.heartbeat_interval_us);
    assert_eq!(net.node(1).role(), RoleKind::Follower);
    assert!(net.leader().is_some_and(|l| l >= 3));
}

/// Node 3 is cut off for three seconds while the cluster writes, then rejoins. Returns the
/// network and the term of node 1's leadership before the cut.
fn rejoin_after_long_isolation(pre_vote: bool) -> (Network, Term) {
    let mut config = modern_config();
    config.pre_vote = pre_vote;
    let mut net = Network::new(3, config);
    net.elect(1);
    let term = net.node(1).term();
    net.isolate(3);
    for i in 0..5 {
        assert_eq!(outcomes(&net.put(1, &format!("k{i}"), "v")), [Outcome::Written]);
    }
    net.advance(3_000_000);
    net.heal();
    net.advance(2_000_000);
    (net, term)
}

/// Thesis §9.6: without pre-vote, a node that was cut off has run up its term in failed
/// elections; when it rejoins, that term deposes a healthy leader (a needless election).
/// Its stale log keeps it from winning, and the cluster recovers under a new term.
#[test]
fn disruptive_rejoin_without_pre_vote_deposes_the_leader() {
    let (net, term) = rejoin_after_long_isolation(false);
    let leader = net.leader().expect("the cluster recovers");
    assert!(net.node(leader).term() > term + 5, "the rejoining node's term took over");
    assert_ne!(leader, 3, "a node with a stale log cannot win");
    assert_logs_converged(&net);
}

/// Thesis §9.6: with pre-vote, the cut-off node never raised its term, so it rejoins as a
/// follower of the same leader in the same term and catches up.
#[test]
fn disruptive_rejoin_with_pre_vote_keeps_the_leader() {
    let (net, term) = rejoin_after_long_isolation(true);
    assert_eq!(net.leader(), Some(1));
    assert_eq!(net.node(1).term(), term);
    assert_eq!(net.node(3).leader(), Some(1));
    assert_logs_converged(&net);
}

/// Thesis §6.4.1: a forced timeout (`timeout_now`) on a node that just acknowledged the
/// leader must not elect a new leader while the old one may still answer reads from its
/// lease; otherwise a write at the new leader could be followed by a stale read at the old.
#[test]
fn forced_timeout_waits_out_the_old_leaders_lease() {
    let mut net = Network::new(3, modern_config());
    net.elect(1);
    net.put(1, "x", "1");
    // Node 3 loses node 1 long enough to stop honouring its lease; node 2 keeps acknowledging.
    net.partition(&[&[1], &[3]]);
    net.advance(400_000);
    assert!(net.node(1).has_read_lease(net.now));

    net.with_node(2, |n, now| n.timeout_now(now));
    net.partition(&[&[1], &[2, 3]]); // from now on node 1 hears nothing
    net.deliver_all();
    assert!(!net.node(2).is_leader(), "node 2 still owes node 1 its lease");

    assert!(net.advance_until(1_000_000, |net| net.node(2).is_leader()));
    assert_eq!(outcomes(&net.put(2, "x", "2")), [Outcome::Written]);
    let read = outcomes(&net.get(1, "x"));
    assert!(!read.contains(&Outcome::Value(Some("1".into()))), "stale read {read:?}");
}

// ----- catching up -----

/// A follower that missed a hundred entries catches up in several AppendEntries, each
/// within the byte budget (one entry may exceed it alone), and ends with the same state.
#[test]
fn lagging_follower_catches_up_in_batches() {
    let mut net = Network::new(3, modern_config());
    net.elect(1);
    net.isolate(3);
    let payload = "v".repeat(100);
    for i in 0..100 {
        assert_eq!(outcomes(&net.put(1, &format!("key{i}"), &payload)), [Outcome::Written]);
    }
    assert!(net.node(3).log().last_index() < 10);

    net.heal();
    let mark = net.sent.len();
    net.advance(1_000_000);
    assert_logs_converged(&net);

    let budget = net.config.max_append_bytes;
    let batches: Vec<Vec<Entry>> = net
        .sent_since(mark)
        .into_iter()
        .filter_map(|m| match m.body {
            Body::AppendEntries { entries, .. } if m.to == 3 && !entries.is_empty() => Some(entries),
            _ => None,
        })
        .collect();
    assert!(batches.len() >= 4, "100 entries of ~150 bytes do not fit in {budget} bytes: {} batches", batches.len());
    for batch in &batches {
        let bytes: usize = batch.iter().map(|e| e.command.approx_size() + 16).sum();
        assert!(batch.len() == 1 || bytes <= budget, "{} entries, {bytes} bytes", batch.len());
    }
}
