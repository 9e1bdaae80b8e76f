//! The view of membership changes (§6) against real runs: servers added mid-run join every
//! per-node view, and each node shows its place in the leader's configuration.

use super::geometry::ring;
use super::log_view::log_columns;
use super::log_strip::LogStrip;
use super::membership::{change_for, member_of, next_server, refusal_since, Member};
use super::partition::PartitionDraft;
use super::sim_trace::sim_trace;
use super::tracker::Tracker;
use super::*;
use raft_core::sim::{Intervention, SimConfig, MAX_NODES};
use raft_core::MembershipChange::{Add, Remove};

const SEED: u64 = 7;

/// Runs in frame-sized steps, observing like the app does, until `done` (or fails after `for_us`).
fn run_until(sim: &mut Sim, tracker: &mut Tracker, for_us: Time, what: &str, done: impl Fn(&Sim) -> bool) {
    let until = sim.now() + for_us;
    while !done(sim) {
        assert!(sim.now() < until, "{what}: not by {until} (seed {SEED})");
        sim.run_until(sim.now() + 16_000);
        tracker.observe(sim, &ring(sim.node_count()));
    }
}

fn led(tracker: &mut Tracker) -> (Sim, NodeId) {
    let mut sim = Sim::new(SimConfig::teaching(SEED)).unwrap();
    // A leader that has committed an entry of its term takes a change (thesis §4.1).
    run_until(&mut sim, tracker, 5_000_000, "a leader with a committed no-op", |s| {
        s.leader().and_then(|l| s.node(l)).is_some_and(|n| n.commit_index() >= 1)
    });
    let leader = sim.leader().unwrap();
    (sim, leader)
}

fn members(view: &ClusterView) -> Vec<(NodeId, Member)> {
    view.nodes.iter().map(|n| (n.id, n.member)).collect()
}

#[test]
fn an_added_server_joins_the_ring_as_a_learner_and_becomes_a_voter() {
    let mut tracker = Tracker::new();
    let (mut sim, _) = led(&mut tracker);
    let added = sim.now();
    assert_eq!(next_server(&sim), Some(Add(6)));
    sim.intervene(Intervention::ChangeMembership { change: Add(6) });
    tracker.observe(&sim, &ring(sim.node_count()));
    let view = ClusterView::build(&sim, &tracker);
    assert_eq!(view.nodes.len(), 6, "the ring holds the new node");
    assert_eq!(view.node(6).unwrap().member, Member::Learner);
    assert!(view.node(6).unwrap().label().contains("learner"));
    assert_ne!(view.position(6), view.position(1), "the ring was laid out again for six");
    let strip = LogStrip::of(&log_columns(&sim, 24), 24);
    assert_eq!(strip.rows.len(), 6);
    let leader = sim.leader().unwrap();
    let column = &log_columns(&sim, 24)[leader as usize - 1];
    let config = column.rows.iter().find(|r| r.config).expect("the leader's log holds the configuration entry");
    assert!(config.command.contains("learner 6"), "{}", config.command);

    run_until(&mut sim, &mut tracker, 3_000_000, "node 6 promoted", |s| member_of(s, 6) == Member::Voter);
    let leader = sim.leader().unwrap();
    let column = &log_columns(&sim, 24)[leader as usize - 1];
    let promotion = column.rows.iter().rev().find(|r| r.config).unwrap();
    assert_eq!(promotion.command, "configuration: voters 1, 2, 3, 4, 5, 6");
    run_until(&mut sim, &mut tracker, 1_000_000, "the promotion committed", |s| {
        let c = &log_columns(s, 24)[s.leader().unwrap() as usize - 1];
        c.rows.iter().rev().find(|r| r.config).is_some_and(|r| r.committed)
    });
    assert_eq!(sim_trace(&sim, 0, sim.now()).replicas.len(), 6, "the space-time diagram has a lane for node 6");

    // Back before the add, the run has five nodes again; nothing in the view assumes six.
    let mut earlier = Sim::replay(&sim.run()).unwrap();
    earlier.run_until(added - 1);
    let mut fresh = Tracker::new();
    fresh.observe(&earlier, &ring(earlier.node_count()));
    let view = ClusterView::build(&earlier, &fresh);
    assert_eq!(members(&view), (1..=5).map(|id| (id, Member::Voter)).collect::<Vec<_>>());
    assert_eq!(log_columns(&earlier, 24).len(), 5);
    let _ = sim_trace(&earlier, 0, earlier.now());
}

#[test]
fn a_removed_leader_steps_down_and_is_shown_outside_the_cluster() {
    let mut tracker = Tracker::new();
    let (mut sim, leader) = led(&mut tracker);
    assert_eq!(change_for(&sim, leader), Remove(leader));
    sim.intervene(Intervention::ChangeMembership { change: Remove(leader) });
    tracker.observe(&sim, &ring(sim.node_count()));
    assert_eq!(member_of(&sim, leader), Member::Outside, "the leader uses the new configuration at once (§6)");
    assert!(sim.node(leader).unwrap().is_leader(), "and leads until it commits");
    run_until(&mut sim, &mut tracker, 3_000_000, "another leader", |s| s.leader().is_some_and(|l| l != leader));
    let view = ClusterView::build(&sim, &tracker);
    assert_eq!(view.node(leader).unwrap().member, Member::Outside);
    assert_eq!(view.node(leader).unwrap().role, RoleGlyph::Follower);
    assert_eq!(change_for(&sim, leader), Add(leader), "a removed node can be added back");
    assert!(tracker.feed.iter().any(|l| l.text.contains(&format!("leader {leader} steps down"))));
}

#[test]
fn a_refused_change_says_why() {
    let mut tracker = Tracker::new();
    let (mut sim, leader) = led(&mut tracker);
    let other = if leader == 1 { 2 } else { 1 };
    sim.intervene(Intervention::ChangeMembership { change: Remove(other) });
    let seen = sim.events_total();
    assert_eq!(refusal_since(&sim, 0), None);
    sim.intervene(Intervention::ChangeMembership { change: Add(6) });
    let why = refusal_since(&sim, seen).expect("one change at a time");
    assert!(why.starts_with("Cannot add node 6: the last change is not committed yet"), "{why}");
    assert_eq!(sim.node_count(), 5, "a refused add starts no server");
}

#[test]
fn a_crashed_node_without_a_leader_reads_its_own_configuration() {
    let mut tracker = Tracker::new();
    let (mut sim, leader) = led(&mut tracker);
    sim.intervene(Intervention::ChangeMembership { change: Add(6) });
    run_until(&mut sim, &mut tracker, 1_000_000, "node 6 holds the configuration", |s| {
        s.node(6).is_some_and(|n| n.membership().is_member(6))
    });
    sim.intervene(Intervention::Crash { node: leader });
    sim.intervene(Intervention::Crash { node: 6 });
    assert_eq!(sim.leader(), None);
    assert_ne!(member_of(&sim, 6), Member::Outside, "its log on disk names it");
    assert_eq!(member_of(&sim, leader), Member::Voter);
}

#[test]
fn no_server_is_offered_past_the_most_a_simulation_has() {
    let mut config = SimConfig::teaching(SEED);
    config.nodes = MAX_NODES;
    let sim = Sim::new(config).unwrap();
    assert_eq!(next_server(&sim), None);
    let mut d = PartitionDraft::new(5);
    d.fit(sim.node_count());
    assert_eq!(d.side_a().len(), MAX_NODES);
}
