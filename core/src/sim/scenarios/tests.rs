//! Each scenario shows what its narration says.

use super::*;
use crate::check::{self, Verdict};
use crate::event::Event;
use crate::client::Outcome;
use crate::sim::SimEventKind;

fn sim_of(s: &Scenario) -> Sim {
    Sim::replay(&s.run).expect("scenario runs are valid")
}

fn play(s: &Scenario) -> Sim {
    let mut sim = sim_of(s);
    sim.run_until(s.until);
    assert_eq!(sim.violations(), &[], "{}: no safety violation", s.id);
    sim
}

fn leader_term(sim: &Sim) -> (NodeId, Term) {
    let l = sim.leader().expect("a leader");
    (l, sim.node(l).unwrap().term())
}

fn became_leader(sim: &Sim) -> Vec<(NodeId, Term)> {
    sim.events()
        .iter()
        .filter_map(|e| match &e.kind {
            SimEventKind::Node { node, event: Event::BecameLeader { term } } => Some((*node, *term)),
            _ => None,
        })
        .collect()
}

fn terms(sim: &Sim, id: NodeId) -> Vec<Term> {
    let log = sim.node(id).unwrap().log();
    (1..=log.last_index()).map(|i| log.get(i).unwrap().term).collect()
}

#[test]
fn ids_are_unique_and_listed() {
    let ids: Vec<_> = all().iter().map(|s| s.id).collect();
    assert_eq!(ids, IDS);
    for id in IDS {
        assert_eq!(by_id(id).unwrap().id, id);
    }
}

#[test]
fn leader_crash_elects_another_leader() {
    let s = by_id("leader-crash").unwrap();
    let Intervention::Crash { node: crashed } = s.run.interventions[0].what else { panic!() };
    let sim = play(&s);
    let (leader, term) = leader_term(&sim);
    assert_ne!(leader, crashed);
    assert!(term >= 2);
    assert!(sim.is_up(crashed));
    assert_eq!(sim.node(crashed).unwrap().term(), term, "the old leader learned the new term");
}

#[test]
fn split_vote_has_no_leader_in_term_1() {
    let s = by_id("split-vote").unwrap();
    let sim = play(&s);
    let leaders = became_leader(&sim);
    assert!(leaders.iter().all(|&(_, t)| t != 1), "{leaders:?}");
    assert!(leaders.iter().any(|&(_, t)| t >= 2), "a leader in a later term: {leaders:?}");
    let candidates_in_term_1 = sim
        .events()
        .iter()
        .filter(|e| matches!(e.kind, SimEventKind::Node { event: Event::BecameCandidate { term: 1 }, .. }))
        .count();
    assert_eq!(candidates_in_term_1, 3);
}

/// A story opens shortly before its first intervention, on a cluster that already has a
/// leader when there was time to elect one.
#[test]
fn every_story_starts_shortly_before_its_first_event() {
    for s in all() {
        let first = s.run.interventions.first().map_or(0, |i| i.at);
        let start = s.starts_at();
        assert!(start <= first && first - start <= LEAD, "{}: starts at {start}, first event at {first}", s.id);
        if first >= S {
            let mut sim = sim_of(&s);
            sim.run_until(start);
            assert!(sim.leader().is_some(), "{}: no leader when the story starts", s.id);
        }
    }
}

#[test]
fn stale_leader_cannot_commit_and_steps_down_on_heal() {
    let s = by_id("stale-leader").unwrap();
    let Intervention::Partition { groups } = &s.run.interventions[0].what else { panic!() };
    let old = groups[0][0];
    let mut sim = sim_of(&s);
    sim.run_until(1_500 * MS + 1);
    let commit = sim.node(old).unwrap().commit_index();
    let mut t = 1_500 * MS + 1;
    let mut two_leaders = false;
    while t < 5 * S {
        t += 10 * MS;
        sim.run_until(t.min(5 * S - 1));
        let node = sim.node(old).unwrap();
        assert!(node.is_leader(), "without check-quorum the old leader keeps leading while cut off");
        assert_eq!(node.commit_index(), commit, "the minority leader commits nothing at {t}");
        two_leaders |= sim.leader().is_some_and(|l| l != old);
    }
    assert!(two_leaders, "the majority elected a leader of its own");
    let stale = |sim: &Sim| {
        let log = sim.node(old).unwrap().log();
        (1..=log.last_index())
            .find(|&i| log.get(i).unwrap().command == Command::Put { key: "x".into(), value: "stale".into() })
            .map(|i| (i, log.get(i).unwrap().term))
    };
    let (index, term) = stale(&sim).expect("the stale write was appended");
    for node in 1..=s.run.config.nodes as NodeId {
        assert_eq!(sim.node(node).unwrap().kv().get("x"), None, "x is committed nowhere before the heal");
    }
    sim.run_until(s.until);
    assert!(!sim.node(old).unwrap().is_leader(), "the old leader stepped down");
    let now = sim.node(old).unwrap().log().get(index).map(|e| e.term);
    assert!(now.is_some_and(|t| t > term), "its uncommitted entry {index} was replaced");
    let redirected = sim.events().iter().any(|e| {
        matches!(&e.kind, SimEventKind::Node { node, event: Event::RequestAnswered { outcome: Outcome::Redirect(Some(_)), .. } } if *node == old)
    });
    assert!(redirected, "the old leader sent the client to the new leader");
    let new_leader = sim.leader().expect("a leader after the heal");
    let log = sim.node(new_leader).unwrap().log();
    let committed = (1..=sim.node(new_leader).unwrap().commit_index())
        .find(|&i| log.get(i).unwrap().command == Command::Put { key: "x".into(), value: "stale".into() });
    assert!(committed.is_some_and(|i| log.get(i).unwrap().term > term), "x=stale committed in a later term");
    assert_eq!(sim.violations(), &[]);
}

#[test]
fn figure_7_logs_converge_on_the_leaders() {
    let s = by_id("figure-7").unwrap();
    let sim = play(&s);
    assert!(became_leader(&sim).contains(&(1, 8)), "{:?}", became_leader(&sim));
    let leader = terms(&sim, 1);
    assert_eq!(&leader[..10], &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6]);
    assert_eq!(leader[10], 8, "the new leader's no-op");
    for id in 2..=7 {
        assert_eq!(terms(&sim, id), leader, "node {id}'s log was repaired");
        assert_eq!(sim.node(id).unwrap().commit_index(), leader.len() as u64);
    }
}

#[test]
fn figure_8_does_not_commit_an_old_term_entry_by_counting() {
    let s = by_id("figure-8").unwrap();
    let mut sim = sim_of(&s);
    let mut replicated = false;
    let mut t = 0;
    while t + 5 * MS < FIGURE_8_CRASH {
        t += 5 * MS;
        sim.run_until(t);
        if let Some(n) = sim.node(1).filter(|n| n.is_leader()) {
            assert_eq!(n.term(), 4);
            assert_eq!(n.commit_index(), 0, "node 1 does not commit entries of term 2 at {t}");
            let with_entry_2 = (1..=4).filter(|&id| terms(&sim, id).get(1) == Some(&2)).count();
            replicated |= with_entry_2 >= 3;
        }
    }
    assert!(replicated, "entry 2 of term 2 reached a majority");
    sim.run_until(s.until);
    assert_eq!(sim.violations(), &[]);
    assert_eq!(sim.leader(), Some(5));
    for id in 2..=5 {
        assert_eq!(terms(&sim, id), vec![1, 3], "node {id}'s entry 2 replaced by node 5's");
    }
}

#[test]
fn figure_8_with_the_noop_commits_through_the_current_term() {
    let mut s = by_id("figure-8").unwrap();
    s.run.config.raft.leader_noop = true;
    let mut sim = sim_of(&s);
    sim.run_until(FIGURE_8_CRASH - 1);
    assert!(sim.node(1).unwrap().commit_index() >= 3, "entries 1-2 committed with the term-4 no-op");
    sim.run_until(s.until);
    assert_eq!(sim.violations(), &[]);
    assert_eq!(terms(&sim, 2)[..2], [1, 2], "the committed entry 2 survives");
}

#[test]
fn rejoin_without_pre_vote_disrupts_the_leader() {
    let s = by_id("disruptive-rejoin").unwrap();
    let mut sim = sim_of(&s);
    sim.run_until(REJOIN_CUT);
    let before = leader_term(&sim);
    sim.run_until(REJOIN_HEAL);
    let Intervention::Partition { groups } = &s.run.interventions[0].what else { panic!() };
    assert!(sim.node(groups[0][0]).unwrap().term() > before.1 + 2, "the loner's term grew");
    sim.run_until(s.until);
    assert!(leader_term(&sim).1 > before.1, "the healthy leader was deposed");
    assert_eq!(sim.violations(), &[]);
}

#[test]
fn rejoin_with_pre_vote_keeps_the_leader() {
    let s = by_id("disruptive-rejoin-prevote").unwrap();
    let mut sim = sim_of(&s);
    sim.run_until(REJOIN_CUT);
    let before = leader_term(&sim);
    sim.run_until(s.until);
    assert_eq!(leader_term(&sim), before);
    assert_eq!(sim.violations(), &[]);
}

#[test]
fn lagging_follower_catches_up() {
    let s = by_id("lagging-follower").unwrap();
    let Intervention::Crash { node: lagger } = s.run.interventions[0].what else { panic!() };
    let mut sim = sim_of(&s);
    sim.run_until(6_500 * MS);
    let (leader, _) = leader_term(&sim);
    let target = sim.node(leader).unwrap().commit_index();
    let behind = sim.node(leader).unwrap().log().last_index();
    assert!(target > 4, "clients wrote while it was down: {target}");
    let _ = behind;
    sim.run_until(s.until);
    assert!(sim.node(lagger).unwrap().commit_index() >= target, "the restarted follower caught up");
    assert_eq!(sim.violations(), &[]);
}

#[test]
fn unsafe_local_read_is_flagged_by_the_checker() {
    let s = by_id("unsafe-read").unwrap();
    let sim = play(&s);
    let report = check::check(sim.history());
    assert_eq!(report.verdict, Verdict::NotLinearizable);
    assert!(report.bad_keys().any(|k| k.key == "x"));

    let mut safe = s.clone();
    safe.run.config.raft.read_mode = ReadMode::ReadIndex;
    let sim = play(&safe);
    assert_eq!(check::check(sim.history()).verdict, Verdict::Linearizable);
}
