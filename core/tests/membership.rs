//! Cluster membership changes, one server at a time (§6; thesis §4.1-4.2), one test per rule.

mod common;

use common::*;
use raft_core::*;
use MembershipChange::{Add, Remove};

fn voters(node: &Node) -> Vec<NodeId> {
    node.membership().voters.iter().copied().collect()
}

fn learners(node: &Node) -> Vec<NodeId> {
    node.membership().learners.iter().copied().collect()
}

/// The index of the last configuration entry in `node`'s log.
fn last_config_entry(node: &Node) -> Option<Index> {
    let (start, _) = node.log().start();
    node.log()
        .entries()
        .iter()
        .rposition(|e| matches!(e.command, Command::Membership(_)))
        .map(|i| start + 1 + i as Index)
}

fn puts(net: &mut Network, leader: NodeId, from: usize, n: usize) {
    for i in from..from + n {
        assert_eq!(
            outcomes(&net.put(leader, &format!("k{i}"), "v")),
            [Outcome::Written],
            "put {i}"
        );
    }
}

/// Three nodes under `config`: node 1 leads and, with node 3 cut off, appends the removal of
/// `removed`, which reaches node 2. Returns the network and the index of that entry.
fn removing_with_3_cut_off(config: Config, removed: NodeId) -> (Network, Index) {
    let mut net = Network::new(3, config);
    net.elect(1);
    net.isolate(3);
    let index = net.change(1, Remove(removed)).unwrap();
    net.deliver_all();
    (net, index)
}

/// Thesis §4.2.1: a new server joins as a learner. Until it has caught up its vote does not
/// count, so a commit never waits for a server with an empty log; once it holds every
/// committed entry the leader makes it a voter, with a configuration entry of its own.
#[test]
fn test_a_new_server_learns_before_it_votes() {
    let mut net = Network::new(3, paper_config());
    net.elect(1);
    puts(&mut net, 1, 0, 5);
    net.join(4);
    net.isolate(4);
    let index = net.change(1, Add(4)).expect("the leader takes the change");
    net.deliver_all();
    let leader = net.node(1);
    assert_eq!((voters(leader), learners(leader)), (vec![1, 2, 3], vec![4]));
    assert!(
        leader.commit_index() >= index,
        "committed by the three voters, without node 4"
    );
    puts(&mut net, 1, 5, 3);
    assert_eq!(
        learners(net.node(1)),
        [4],
        "node 4 cannot have caught up: it hears nothing"
    );
    assert_eq!(net.node(4).log().last_index(), 0);

    net.heal();
    net.advance(net.config.heartbeat_interval_us * 3);
    let leader = net.node(1);
    assert_eq!(
        (voters(leader), learners(leader)),
        (vec![1, 2, 3, 4], vec![]),
        "caught up, then promoted"
    );
    assert!(
        last_config_entry(leader) > Some(index),
        "the promotion is an entry of its own"
    );
    assert_eq!(voters(net.node(4)), [1, 2, 3, 4], "node 4 knows it votes");
    assert_eq!(net.node(4).kv().len(), 8, "and holds every put");
}

/// Thesis §4.1: a server uses a configuration as soon as the entry is in its log, before it
/// is committed.
#[test]
fn test_a_configuration_takes_effect_when_appended_not_when_committed() {
    let mut net = Network::new(3, paper_config());
    net.elect(1);
    net.isolate(3);
    let index = net.change(1, Remove(3)).unwrap();
    // Node 2 gets the entry; its answer is lost, so the leader has not committed it.
    net.deliver_all_with(|m| m.from != 2);
    assert!(net.node(1).commit_index() < index && net.node(2).commit_index() < index);
    assert_eq!(
        voters(net.node(2)),
        [1, 2],
        "node 2 uses the entry it has not seen committed"
    );
    assert_eq!(voters(net.node(1)), [1, 2]);
    assert_eq!(voters(net.node(3)), [1, 2, 3], "node 3 never received it");
}

/// §5.3 and thesis §4.1: a configuration entry that a new leader overwrites no longer
/// applies; the server goes back to the configuration before it.
#[test]
fn test_a_truncated_configuration_entry_no_longer_applies() {
    let mut net = Network::new(5, paper_config());
    net.elect(1);
    net.partition(&[&[1, 2], &[3, 4, 5]]);
    let index = net.change(1, Remove(5)).unwrap();
    net.deliver_all();
    assert_eq!(voters(net.node(2)), [1, 2, 3, 4]);
    assert!(
        net.node(1).commit_index() < index,
        "two of four voters cannot commit it"
    );

    net.heal();
    net.isolate(1);
    net.elect(3);
    net.advance(net.config.heartbeat_interval_us);
    assert_eq!(
        net.node(2).log().term_at(index),
        Some(net.node(3).term()),
        "node 3's entry replaced it"
    );
    assert_eq!(
        voters(net.node(2)),
        [1, 2, 3, 4, 5],
        "the configuration before the entry applies again"
    );
}

/// Thesis §4.1: one change at a time. A change is accepted only once the last one is
/// committed, so that any two configurations in use overlap in a majority.
#[test]
fn test_one_change_at_a_time() {
    let mut net = Network::new(3, paper_config());
    net.elect(1);
    net.join(4);
    net.isolate(2);
    net.isolate(3);
    net.change(1, Add(4)).unwrap();
    assert_eq!(net.change(1, Remove(3)), Err(Refusal::ChangeInProgress));
    net.heal();
    net.deliver_all();
    assert!(
        net.change(1, Remove(3)).is_ok(),
        "the first change is committed"
    );
}

/// The thesis's correction to §4.1: a new leader changes nothing until an entry of its own
/// term is committed, or a change of an earlier leader that it does not know of could still
/// commit, and the two would not overlap.
#[test]
fn test_a_new_leader_changes_nothing_before_an_entry_of_its_term_commits() {
    let mut node = new_node(1, 3, paper_config());
    make_leader(&mut node, 1_000);
    assert_eq!(
        node.change_membership(1_000, Remove(3)),
        Err(Refusal::TermNotCommitted)
    );
    assert_eq!(
        new_node(2, 3, paper_config()).change_membership(0, Remove(3)),
        Err(Refusal::NotLeader)
    );
}

/// Thesis §4.2.2: a leader may remove itself. Until the change is committed it goes on
/// leading without counting its own copy; once it is, it steps down and never campaigns
/// again, and the others elect a leader among themselves.
#[test]
fn test_a_leader_that_removes_itself_steps_down_once_the_change_commits() {
    let (mut net, index) = removing_with_3_cut_off(paper_config(), 1);
    assert!(net.node(1).is_leader());
    assert!(
        net.node(1).commit_index() < index,
        "node 2's copy alone is not a majority of {{2, 3}}"
    );

    net.heal();
    net.advance(net.config.heartbeat_interval_us);
    assert!(net.node(1).commit_index() >= index);
    assert!(!net.node(1).is_leader(), "removed, it steps down");
    assert!(net.events.iter().any(|(_, id, e)| *id == 1
        && matches!(
            e,
            Event::SteppedDown {
                reason: event::StepDownReason::Removed,
                ..
            }
        )));

    let term = net.node(1).term();
    net.advance(net.config.election_timeout_max_us * 3);
    let leader = net.leader().expect("nodes 2 and 3 elect a leader");
    assert!(leader == 2 || leader == 3);
    assert_eq!(voters(net.node(leader)), [2, 3]);
    let campaigned = net
        .events
        .iter()
        .any(|(_, id, e)| *id == 1 && matches!(e, Event::BecameCandidate { term: t } if *t > term));
    assert!(!campaigned, "node 1 stays out of elections");
    assert_eq!(net.node(1).role(), RoleKind::Follower);
    assert!(!net.node(1).membership().is_member(1), "it knows it is out");
}

/// Thesis §4.2.3: a removed server that never learns of its removal times out and asks for
/// votes. Pre-vote and check-quorum's stickiness keep it from disrupting the cluster: the
/// others, hearing from their leader, refuse it, and nobody's term moves.
#[test]
fn test_a_removed_server_does_not_disrupt_the_cluster() {
    let (mut net, index) = removing_with_3_cut_off(modern_config(), 3);
    assert!(net.node(1).commit_index() >= index);
    // Node 3 can speak to the others but hears nothing back: it never learns.
    net.heal();
    net.cut(1, 3);
    net.cut(2, 3);
    let term = net.node(1).term();
    let mark = net.sent.len();
    net.advance(net.config.election_timeout_max_us * 5);
    let asked = net.sent_since(mark).iter().filter(|m| m.from == 3 && matches!(m.body, Body::PreVote { .. })).count();
    assert!(asked >= 6, "node 3 kept asking for pre-votes ({asked})");
    assert_eq!(voters(net.node(3)), [1, 2, 3], "it does not know");
    assert_eq!(net.leader(), Some(1));
    assert_eq!((net.node(1).term(), net.node(2).term()), (term, term));
}

/// §6: only voters campaign. A learner that stops hearing from the leader, or a new server
/// that no configuration names yet, waits for a leader and sends its clients elsewhere.
#[test]
fn test_a_server_that_is_not_a_voter_does_not_campaign() {
    let config = paper_config();
    let learner_log = {
        let mut log = RaftLog::default();
        log.append(Entry::new(1, Command::Noop));
        log.append(Entry::new(
            1,
            Command::Membership(Membership {
                voters: [1, 2, 3].into(),
                learners: [4].into(),
            }),
        ));
        log
    };
    let learner = PersistentState {
        term: 1,
        voted_for: None,
        log: learner_log,
        snapshot: None,
    };
    let nodes = [
        (
            "a learner",
            Node::restart_in(4, Membership::default(), config.clone(), SEED, 0, learner).unwrap(),
        ),
        (
            "a new server",
            Node::join(5, config.clone(), SEED, 0).unwrap(),
        ),
    ];
    for (what, mut node) in nodes {
        let mut now = 0;
        for _ in 0..5 {
            now = node.next_deadline();
            node.tick(now);
        }
        assert!(
            now >= config.election_timeout_min_us * 5,
            "{what}: its election timer fired five times"
        );
        let campaigned = node
            .take_effects()
            .iter()
            .any(|e| matches!(e, Effect::Send(_)));
        assert!(!campaigned, "{what} asked for votes");
        assert_eq!(node.role(), RoleKind::Follower, "{what}");
        let request = ClientRequest {
            client: "c".into(),
            id: "1".into(),
            op: put_op("x", "1"),
        };
        node.client_request(now, request);
        assert_eq!(
            outcomes(&replies(&node.take_effects())),
            [Outcome::Redirect(None)],
            "{what}"
        );
    }
}

/// §7: a snapshot carries the configuration as of its last entry, since the entry that held
/// it is compacted away. A new server that catches up from a snapshot learns from it that
/// it is in the cluster.
#[test]
fn test_the_snapshot_carries_the_configuration() {
    let mut config = paper_config();
    config.snapshot_after_entries = 3;
    let mut net = Network::new(3, config);
    net.elect(1);
    net.join(4);
    net.isolate(4);
    let index = net.change(1, Add(4)).unwrap();
    net.deliver_all();
    puts(&mut net, 1, 0, 6);
    let snapshot = net.node(1).snapshot().expect("compacted").clone();
    assert!(
        snapshot.last_index >= index,
        "the configuration entry is compacted"
    );
    assert_eq!(
        snapshot
            .membership
            .learners
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        [4]
    );

    net.heal();
    net.advance(net.config.heartbeat_interval_us * 3);
    let installed = net
        .events
        .iter()
        .any(|(_, id, e)| *id == 4 && matches!(e, Event::SnapshotInstalled { .. }));
    assert!(installed, "node 4 catches up from the snapshot");
    assert_eq!(voters(net.node(1)), [1, 2, 3, 4]);
    assert_eq!(voters(net.node(4)), [1, 2, 3, 4]);
}

/// The configuration survives a crash: a server restarts with the one its log and snapshot
/// hold, whatever it was first started in.
#[test]
fn test_a_restarted_server_recovers_its_configuration() {
    let mut config = paper_config();
    config.snapshot_after_entries = 4;
    let mut net = Network::new(3, config);
    net.elect(1);
    net.join(4);
    net.change(1, Add(4)).unwrap();
    net.deliver_all();
    net.advance(net.config.heartbeat_interval_us);
    assert_eq!(voters(net.node(1)), [1, 2, 3, 4]);
    // Node 2 restarts from its log (the changes are in it), node 4 from a snapshot.
    net.restart(2, Membership::of_voters([1, 2, 3]));
    assert_eq!(voters(net.node(2)), [1, 2, 3, 4]);
    puts(&mut net, 1, 0, 6);
    net.advance(net.config.heartbeat_interval_us);
    assert!(net
        .node(4)
        .snapshot()
        .is_some_and(|s| s.membership.is_voter(4)));
    net.restart(4, Membership::default());
    assert_eq!(
        voters(net.node(4)),
        [1, 2, 3, 4],
        "a joined server knows the cluster it joined"
    );
}

/// A server removed while cut off may owe a client the answer to a put it took as leader,
/// and only the log can tell it how that put ended. When it makes itself known (its
/// election timer fires and it asks for pre-votes), the leader sends it the log until it
/// knows its removal is committed; it then answers the put, here with a redirect, since a
/// committed entry replaced it.
#[test]
fn test_a_removed_server_learns_how_the_puts_it_took_ended() {
    let mut net = Network::new(5, modern_config());
    net.elect(2);
    net.isolate(2);
    let owed = net.submit(2, put_op("x", "lost"));
    net.advance(net.config.election_timeout_max_us * 2);
    net.elect(1);
    let index = net.change(1, Remove(2)).unwrap();
    net.deliver_all();
    assert!(net.node(1).commit_index() >= index);
    assert!(net.replies_to(&owed).is_empty(), "node 2 cannot know yet");

    net.heal();
    net.advance(net.config.election_timeout_max_us * 3);
    assert_eq!(outcomes(&net.replies_to(&owed)), [Outcome::Redirect(Some(1))], "to the leader it now knows");
    let removed = net.node(2);
    assert!(!removed.membership().is_member(2) && removed.commit_index() >= index, "it knows it is out");
    assert_eq!(net.leader(), Some(1), "and disturbed nobody");
    assert_eq!(net.node(1).progress().unwrap().keys().copied().collect::<Vec<_>>(), [3, 4, 5], "the leader is done with it");
}

/// A leader that has removed itself appends nothing more: a put it took now could stay
/// uncommitted when it steps down, owed by a server nobody needs to speak to again. It
/// holds the put, and once out sends the client elsewhere (the put had no effect).
#[test]
fn test_a_leader_removing_itself_takes_no_new_puts() {
    let (mut net, _) = removing_with_3_cut_off(paper_config(), 1);
    let last = net.node(1).log().last_index();
    let put = net.submit(1, put_op("x", "1"));
    net.deliver_all();
    assert_eq!(net.node(1).log().last_index(), last, "not appended");
    assert!(net.replies_to(&put).is_empty(), "held while it leads");
    net.heal();
    net.advance(net.config.heartbeat_interval_us);
    assert!(!net.node(1).is_leader());
    assert_eq!(outcomes(&net.replies_to(&put)), [Outcome::Redirect(None)]);
}

/// Thesis §4.2.2: a server that its latest configuration removes still campaigns while that
/// configuration is not known to be committed, without counting its own vote: its log may be
/// the only one up to date enough to commit it. Here leader 1 of {1, 2} removes itself and
/// loses its leadership before node 2 has the entry: node 2 cannot win (its log is behind),
/// so node 1 wins node 2's vote, commits the configuration {2}, and steps down.
#[test]
fn test_a_removed_server_campaigns_until_its_removal_is_committed() {
    for noop in [true, false] {
        removed_server_campaigns(noop);
    }
}

/// `noop`: whether leaders append a no-op when elected. One outside its configuration does
/// anyway: it takes no puts, and needs an entry of its term to commit.
fn removed_server_campaigns(noop: bool) {
    let mut config = paper_config();
    config.leader_noop = noop;
    let mut net = Network::new(2, config);
    net.elect(1);
    if !noop {
        puts(&mut net, 1, 0, 1); // an entry of its term, so that it may change the configuration
    }
    net.isolate(2);
    let index = net.change(1, Remove(1)).unwrap();
    net.deliver_all();
    net.advance(net.config.election_timeout_max_us * 2);
    assert!(net.node(2).term() > net.node(1).term(), "node 2 campaigned alone");
    net.heal();
    net.advance(net.config.election_timeout_max_us * 6);
    let leader = net.leader().expect("a leader");
    assert_eq!(leader, 2);
    assert_eq!(voters(net.node(2)), [2]);
    if !noop {
        puts(&mut net, 2, 1, 1); // without a no-op, node 2 commits with its first entry (§5.4.2)
    }
    assert!(net.node(2).commit_index() >= index, "the removal is committed");
    assert!(net.events.iter().any(|(_, id, e)| *id == 1 && matches!(e, Event::SteppedDown { reason: event::StepDownReason::Removed, .. })), "node 1 led again to commit it");
}

/// A removed server that campaigned alone while cut off is in a higher term than the
/// cluster's when it comes back (without pre-vote). Its vote requests do not depose the
/// leader, but its answer to the log the leader sends it does: the next leader's term reaches
/// it, and it learns how the put it took ended.
#[test]
fn test_a_removed_server_in_a_higher_term_still_hears_how_its_puts_ended() {
    let mut config = modern_config();
    config.pre_vote = false;
    let mut net = Network::new(5, config);
    net.elect(3);
    net.isolate(3);
    let owed = net.submit(3, put_op("x", "lost"));
    net.advance(net.config.election_timeout_max_us * 2);
    net.elect(1);
    let index = net.change(1, Remove(3)).unwrap();
    net.deliver_all();
    net.advance(net.config.election_timeout_max_us * 10);
    assert!(net.node(3).term() > net.node(1).term() + 3, "node 3 campaigned alone");
    net.heal();
    net.advance(net.config.election_timeout_max_us * 20);
    assert_eq!(outcomes(&net.replies_to(&owed)).len(), 1, "answered once");
    let removed = net.node(3);
    assert!(!removed.membership().is_member(3) && removed.commit_index() >= index, "it knows it is out");
    let leader = net.leader().expect("a leader");
    assert_ne!(leader, 3);
    assert!(net.node(leader).progress().unwrap().keys().all(|&id| id != 3), "and the leader is done with it");
}

/// A removed server that never answers (it is usually removed because it died) is sent the
/// log for a while, then no more; if it speaks again, the leader takes it up again.
#[test]
fn test_a_leader_gives_up_on_a_removed_server_that_never_answers() {
    let (mut net, _) = removing_with_3_cut_off(modern_config(), 3);
    assert!(net.node(1).progress().unwrap().contains_key(&3), "sent the log for now");
    net.cut(3, 1);
    net.cut(3, 2);
    net.advance(net.config.election_timeout_max_us * 12);
    assert!(!net.node(1).progress().unwrap().contains_key(&3), "given up");
    let mark = net.sent.len();
    net.advance(net.config.election_timeout_max_us * 4);
    assert!(net.sent_since(mark).iter().all(|m| m.to != 3), "nothing more is sent to it");
}
