//! Log compaction and InstallSnapshot (§7), one test per rule.

mod common;

use common::*;
use raft_core::sim::{Intervention, NodeSlot, Sim, SimConfig};
use raft_core::*;

/// The paper's configuration, compacting every `every` applied entries.
fn compacting(every: u64) -> Config {
    let mut c = paper_config();
    c.snapshot_after_entries = every;
    c
}

/// `n` puts of `k{i} = v{i}` to the leader `id`, each answered before the next.
fn puts(net: &mut Network, id: NodeId, n: usize) {
    for i in 0..n {
        let answers = net.put(id, &format!("k{i}"), &format!("v{i}"));
        assert_eq!(outcomes(&answers), [Outcome::Written], "put {i}");
    }
}

fn snapshots_sent(net: &Network, mark: usize, to: NodeId) -> usize {
    net.sent_since(mark).iter().filter(|m| m.to == to && matches!(m.body, Body::InstallSnapshot { .. })).count()
}

/// §7: once enough entries are applied a node snapshots its state machine and keeps only
/// the entries after it; the snapshot is the state machine as of its last entry.
#[test]
fn test_compaction_replaces_applied_entries_with_a_snapshot_of_the_state_machine() {
    let mut net = Network::new(3, compacting(5));
    net.elect(1);
    puts(&mut net, 1, 12);
    // Followers learn the last commit with the next heartbeat.
    net.advance(net.config.heartbeat_interval_us);
    for id in net.ids() {
        let node = net.node(id);
        let (start, _) = node.log().start();
        assert!(start >= 5 && start <= node.commit_index(), "node {id}: start {start}, commit {}", node.commit_index());
        let snapshot = node.snapshot().expect("a snapshot");
        assert_eq!((snapshot.last_index, Some(snapshot.last_term)), (start, node.log().term_at(start)));
        // The snapshot holds what its entries wrote, and the store all twelve puts.
        let in_snapshot = snapshot.kv.len();
        assert!(in_snapshot >= 4 && in_snapshot < 12, "node {id}: {in_snapshot} keys in the snapshot");
        assert_eq!(node.kv().len(), 12);
        assert_eq!(node.log().first_index(), start + 1);
        assert_eq!(node.log().last_index(), 13, "the no-op and twelve puts");
    }
}

/// §7: a node snapshots only what it has applied, so compaction never drops an entry that
/// is not committed, however low the threshold.
#[test]
fn test_compaction_never_drops_an_uncommitted_entry() {
    let mut net = Network::new(3, compacting(1));
    net.elect(1);
    puts(&mut net, 1, 3);
    net.isolate(1);
    for i in 0..4 {
        net.submit(1, put_op(&format!("cut{i}"), "x"));
    }
    net.deliver_all();
    let leader = net.node(1);
    assert_eq!(leader.commit_index(), 4, "nothing commits without a majority");
    assert_eq!(leader.log().start().0, 4, "compacted to the commit index, not beyond");
    assert_eq!(leader.log().entries().len(), 4, "the four uncommitted puts are all held");
}

/// §7: a follower so far behind that the leader has compacted the entries it needs gets
/// the snapshot, then the entries after it, and ends with the leader's state machine.
#[test]
fn test_a_follower_far_behind_catches_up_through_a_snapshot() {
    let mut net = Network::new(3, compacting(4));
    net.elect(1);
    net.isolate(3);
    puts(&mut net, 1, 10);
    assert!(net.node(1).log().start().0 > net.node(3).log().last_index(), "the leader dropped what node 3 needs");
    let mark = net.sent.len();
    net.heal();
    net.advance(net.config.heartbeat_interval_us * 3);
    net.advance(net.config.heartbeat_interval_us);
    assert_eq!(snapshots_sent(&net, mark, 3), 1, "one snapshot, then entries");
    let (leader, follower) = (net.node(1), net.node(3));
    assert_eq!(follower.kv(), leader.kv());
    assert_eq!(follower.commit_index(), leader.commit_index());
    assert_eq!(follower.log().last_index(), leader.log().last_index());
    assert!(follower.snapshot().is_some_and(|s| s.last_index == follower.log().start().0));
    // And it goes on replicating normally.
    puts(&mut net, 1, 1);
    net.advance(net.config.heartbeat_interval_us);
    assert_eq!(net.node(3).kv().get("k0"), Some(&"v0".to_string()));
    assert_eq!(net.node(3).commit_index(), net.node(1).commit_index());
}

/// §7: what a node persists includes its snapshot; restarted, it recovers its state
/// machine from the snapshot and the log after it, with the snapshot's entries committed.
#[test]
fn test_a_restarted_node_recovers_from_its_snapshot_and_log() {
    let mut net = Network::new(3, compacting(4));
    net.elect(1);
    puts(&mut net, 1, 9);
    // Compaction is a step of its own: the follower takes it at its next tick.
    net.advance(net.config.heartbeat_interval_us);
    let before = net.node(2);
    assert!(before.log().start().0 > 0, "the follower compacted");
    let state = before.persistent_state();
    let start = state.log.start().0;
    assert_eq!(state.snapshot.as_ref().map(|s| s.last_index), Some(start));
    let restarted = Node::restart(2, peers_of(2, 3), compacting(4), SEED, net.now, state.clone()).unwrap();
    assert_eq!(restarted.commit_index(), start, "what the snapshot covers was committed");
    assert_eq!(restarted.log(), before.log());
    assert_eq!(restarted.snapshot(), before.snapshot());
    let snapshot = state.snapshot.clone().unwrap();
    assert_eq!(restarted.kv(), &snapshot.kv, "the rest is applied once the commit index is learnt again");
    // A snapshot that does not meet the log is refused, not half-loaded.
    let mut torn = state.clone();
    torn.snapshot = None;
    assert!(Node::restart(2, peers_of(2, 3), compacting(4), SEED, 0, torn).is_err());
}

/// §7: "If existing log entry has same index and term as snapshot's last included entry,
/// retain log entries following it and reply"; otherwise the whole log is discarded.
#[test]
fn test_install_snapshot_keeps_the_entries_after_it_only_if_the_log_holds_its_last_entry() {
    let snapshot = |last_index, last_term, terms: Vec<(Index, Term)>| Snapshot { last_index, last_term, terms, kv: KvStore::default(), membership: Membership::of_voters([1, 2, 3]) };
    let install = |node: &mut Node, s: Snapshot| {
        node.receive(LATE, Message { from: 2, to: 1, term: 3, body: Body::InstallSnapshot { snapshot: s, after: None, done: true, sent_at: 7 } });
        sends(&node.take_effects())
    };
    let mut node = node_with_log(1, 3, paper_config(), 3, None, &[1, 1, 2, 3, 3]);
    let answer = install(&mut node, snapshot(3, 2, vec![(1, 1), (3, 2)]));
    assert_eq!((node.log().start(), node.log().last_index(), node.commit_index()), ((3, 2), 5, 3));
    assert_eq!(answer[0].body, Body::AppendEntriesReply { result: AppendResult::Success { match_index: 3 }, sent_at: 7 });

    let mut node = node_with_log(1, 3, paper_config(), 3, None, &[1, 1, 1, 1]);
    install(&mut node, snapshot(3, 2, vec![(1, 1), (3, 2)]));
    assert_eq!((node.log().start(), node.log().last_index()), ((3, 2), 3), "entry 3 differs: the log is discarded");
}

/// §7, §5.1: a snapshot from an older term is refused with our term, and one older than
/// what a follower has committed changes nothing (its answer still says where it matches).
#[test]
fn test_a_stale_or_old_snapshot_changes_nothing() {
    let s = Snapshot { last_index: 2, last_term: 1, terms: vec![(1, 1)], kv: KvStore::default(), membership: Membership::of_voters([1, 2, 3]) };
    let mut node = node_with_log(1, 3, paper_config(), 3, None, &[1, 1, 2]);
    node.receive(LATE, Message { from: 2, to: 1, term: 2, body: Body::InstallSnapshot { snapshot: s.clone(), after: None, done: true, sent_at: 0 } });
    let answer = sends(&node.take_effects());
    assert!(matches!(answer[0].body, Body::AppendEntriesReply { result: AppendResult::Reject { .. }, .. }) && answer[0].term == 3);
    assert_eq!(node.log().start(), (0, 0));

    // Node 1 follows leader 2 of term 3 and has committed entry 3.
    node.receive(LATE, append_msg(2, 1, 3, (3, 2), vec![], 3));
    node.take_effects();
    node.receive(LATE, Message { from: 2, to: 1, term: 3, body: Body::InstallSnapshot { snapshot: s, after: None, done: true, sent_at: 0 } });
    let answer = sends(&node.take_effects());
    assert_eq!(answer[0].body, Body::AppendEntriesReply { result: AppendResult::Success { match_index: 2 }, sent_at: 0 });
    assert_eq!((node.log().start(), node.commit_index(), node.log().last_index()), ((0, 0), 3, 3));
}

/// A snapshot whose term runs could not describe a log is dropped unread (a forged one).
#[test]
fn test_an_impossible_snapshot_is_ignored() {
    let forged = Snapshot { last_index: 9, last_term: 2, terms: vec![(1, 5), (4, 2)], kv: KvStore::default(), membership: Membership::of_voters([1, 2, 3]) };
    let mut node = node_with_log(1, 3, paper_config(), 3, None, &[1, 1]);
    let msg = Message { from: 2, to: 1, term: 3, body: Body::InstallSnapshot { snapshot: forged, after: None, done: true, sent_at: 0 } };
    assert!(!node.is_possible(&msg));
    node.receive(LATE, msg);
    assert!(sends(&node.take_effects()).is_empty());
    assert_eq!(node.log().start(), (0, 0));
}

/// §7: the leader sends a follower its snapshot once at a time. Answers to AppendEntries
/// sent before it, arriving late, must not make it send the snapshot again.
#[test]
fn test_late_answers_to_earlier_appends_do_not_resend_the_snapshot() {
    let mut config = compacting(2);
    config.max_inflight = 8;
    let mut net = Network::new(3, config.clone());
    net.elect(1);
    puts(&mut net, 1, 2);
    // Node 3's answers are held back while the leader writes on and compacts.
    let mut held = Vec::new();
    for i in 0..6 {
        net.submit(1, put_op(&format!("k{i}"), "v"));
        net.deliver_all_with(|m| {
            let hold = m.from == 3 && m.to == 1;
            if hold {
                held.push(m.clone());
            }
            !hold
        });
    }
    net.advance(1); // the leader's compaction step
    assert!(net.node(1).log().start().0 > net.node(1).progress().unwrap()[&3].match_index);
    // Its appends to node 3 time out: the snapshot goes instead.
    net.now += config.retransmit_timeout_us + 1;
    let mark = net.sent.len();
    net.with_node(1, |n, now| n.tick(now));
    net.drop_queued();
    for m in held {
        net.inject(m);
        net.flush();
    }
    let snapshots = net.sent_since(mark).iter().filter(|m| m.to == 3 && matches!(m.body, Body::InstallSnapshot { .. })).count();
    assert_eq!(snapshots, 1, "one snapshot, however many late answers");
}

/// §7, Figure 2: what a node persists before it answers includes the snapshot, so a single
/// node that compacts and crashes still has every put it answered.
#[test]
fn test_a_single_node_keeps_every_answered_put_across_a_crash() {
    let mut config = SimConfig::teaching(11);
    config.nodes = 1;
    config.raft.snapshot_after_entries = 3;
    config.clients.count = 0;
    let mut sim = Sim::new(config).unwrap();
    sim.run_until(1_000_000);
    for k in 0..12 {
        let key = format!("k{k}");
        sim.intervene(Intervention::Request { node: 1, op: put_op(&key, "v") });
        sim.run_until(sim.now() + 100_000);
        sim.intervene(Intervention::Crash { node: 1 });
        let Some(NodeSlot::Down { state, .. }) = sim.slot(1) else { panic!("node 1 is down") };
        assert_eq!(state.log.start(), state.snapshot.as_ref().map_or((0, 0), |s| (s.last_index, s.last_term)));
        sim.intervene(Intervention::Restart { node: 1 });
        sim.run_until(sim.now() + 400_000);
        for j in 0..=k {
            assert!(sim.node(1).unwrap().kv().get(&format!("k{j}")).is_some(), "put k{j} lost after crash {k}");
        }
    }
    assert!(sim.node(1).unwrap().snapshot().is_some());
    assert_eq!(sim.violations(), &[], "no invariant broken, none reported falsely");
}

/// A time well after start-up.
const LATE: Time = 10_000_000;

/// The chunks of InstallSnapshot messages sent to `to` from position `mark` on: for each,
/// the number of pairs, its `after` key and whether it is the last.
fn chunks_sent(net: &Network, mark: usize, to: NodeId) -> Vec<(usize, Option<String>, bool)> {
    net.sent_since(mark)
        .into_iter()
        .filter(|m| m.to == to)
        .filter_map(|m| match m.body {
            Body::InstallSnapshot { snapshot, after, done, .. } => Some((snapshot.kv.len(), after, done)),
            _ => None,
        })
        .collect()
}

/// Three nodes at the smallest byte budget; node 3, cut off, missed 30 puts that leader 1
/// has compacted into a snapshot of 30 keys, several chunks' worth.
fn behind_a_large_snapshot() -> Network {
    let mut config = compacting(5);
    config.max_append_bytes = 256;
    let mut net = Network::new(3, config);
    net.elect(1);
    net.isolate(3);
    puts(&mut net, 1, 30);
    net
}

/// §7: a snapshot larger than the leader's byte budget goes in chunks, one at a time, each
/// after the follower has answered the one before; the follower installs it once whole.
#[test]
fn test_a_large_snapshot_goes_in_chunks_one_at_a_time() {
    let mut net = behind_a_large_snapshot();
    let mark = net.sent.len();
    net.heal();
    net.advance(net.config.heartbeat_interval_us * 3);
    let chunks = chunks_sent(&net, mark, 3);
    assert!(chunks.len() >= 4, "30 keys at 256 bytes a chunk: {chunks:?}");
    assert!(chunks.iter().all(|&(pairs, _, _)| (1..=7).contains(&pairs)), "each under the budget: {chunks:?}");
    assert_eq!(chunks.iter().filter(|c| c.2).count(), 1, "one last chunk");
    assert!(chunks[0].1.is_none() && chunks[1..].iter().all(|c| c.1.is_some()), "each after the one before");
    assert_eq!(chunks.iter().map(|c| c.0).sum::<usize>(), net.node(1).snapshot().unwrap().kv.len(), "each pair once");
    assert_eq!(net.node(3).kv(), net.node(1).kv());
    assert_eq!(net.node(3).commit_index(), net.node(1).commit_index());
}

/// §7: a lost chunk is sent again after a retransmit timeout, from the last key the follower
/// holds.
#[test]
fn test_a_lost_chunk_is_sent_again_from_what_the_follower_holds() {
    let mut net = behind_a_large_snapshot();
    net.heal();
    // The third chunk to node 3 is lost; time moves on a little at a time (no follower's
    // election timer fires: only the leader is ticked).
    let mark = net.sent.len();
    let mut chunks_seen = 0;
    for _ in 0..40 {
        net.now += 5_000;
        net.flush();
        net.deliver_all_with(|m| {
            if m.to == 3 && matches!(m.body, Body::InstallSnapshot { .. }) {
                chunks_seen += 1;
                return chunks_seen != 3;
            }
            true
        });
    }
    let chunks = chunks_sent(&net, mark, 3);
    assert!(chunks.len() >= 4, "{chunks:?}");
    assert!(chunks[2].1.is_some() && chunks[3].1 == chunks[2].1, "resent from the last key node 3 holds: {chunks:?}");
    assert_eq!(net.node(3).kv(), net.node(1).kv());

}

/// §7: a chunk that does not follow what the follower holds (a stale or reordered copy) is
/// not kept; the answer says what the follower holds, so that the leader goes on from there.
#[test]
fn test_a_chunk_out_of_order_is_answered_with_what_the_follower_holds() {
    let mut node = node_with_log(1, 3, paper_config(), 2, None, &[1]);
    let meta = Snapshot { last_index: 9, last_term: 2, terms: vec![(1, 1), (5, 2)], kv: KvStore::default(), membership: Membership::of_voters([1, 2, 3]) };
    let chunk = |pairs: &[(&str, &str)], after: Option<&str>, done| {
        let snapshot = Snapshot { kv: pairs.iter().map(|&(k, v)| (k.to_string(), v.to_string())).collect(), ..meta.clone() };
        Message { from: 2, to: 1, term: 2, body: Body::InstallSnapshot { snapshot, after: after.map(String::from), done, sent_at: 0 } }
    };
    let answer = |node: &mut Node| match sends(&node.take_effects()).pop().map(|m| m.body) {
        Some(Body::InstallSnapshotReply { last_index: 9, received, .. }) => received,
        other => panic!("not a chunk's answer: {other:?}"),
    };
    node.receive(LATE, chunk(&[("b", "2")], Some("a"), false));
    assert_eq!(answer(&mut node), None, "it holds nothing of the snapshot");
    node.receive(LATE, chunk(&[("a", "1")], None, false));
    assert_eq!(answer(&mut node), Some("a".into()));
    node.receive(LATE, chunk(&[("c", "3")], Some("b"), true));
    assert_eq!(answer(&mut node), Some("a".into()), "a chunk after a key it does not hold");
    assert_eq!(node.commit_index(), 0, "nothing installed");
    node.receive(LATE, chunk(&[("b", "2")], Some("a"), true));
    assert_eq!(node.commit_index(), 9, "installed once whole");
    assert_eq!(node.kv().len(), 2);
}
