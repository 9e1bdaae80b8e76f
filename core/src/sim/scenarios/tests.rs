//! Each scenario shows what its narration says.

use super::*;
use crate::check::{self, Verdict};
use crate::event::{DenyReason, Event};
use crate::client::Outcome;
use crate::sim::{NodeSlot, SimEventKind, USER_CLIENT};

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

/// A replay of a scenario walked through its beats: each check runs just before a beat and at
/// it, so that a beat at the wrong time fails as surely as a beat that tells the wrong thing.
struct Story {
    s: Scenario,
    sim: Sim,
    visited: usize,
}

impl Story {
    fn new(id: &str) -> Story {
        let s = by_id(id).unwrap();
        Story { sim: sim_of(&s), s, visited: 0 }
    }

    fn beat(&self, title: &str) -> &Beat {
        let b = self.s.beats.iter().find(|b| b.title == title);
        b.unwrap_or_else(|| panic!("{}: no beat titled {title:?}", self.s.id))
    }

    /// Replays up to just before the beat titled `title`.
    fn before(&mut self, title: &str) -> &Sim {
        let at = self.beat(title).at;
        assert!(at > self.sim.now(), "{}: {title:?} at {at} comes after {}", self.s.id, self.sim.now());
        self.sim.run_until(at - 1);
        &self.sim
    }

    /// Replays up to the beat titled `title`, which must be the next one.
    fn at(&mut self, title: &str) -> &Sim {
        assert_eq!(self.s.beats[self.visited].title, title, "{}: beat {}", self.s.id, self.visited);
        self.sim.run_until(self.s.beats[self.visited].at);
        self.visited += 1;
        &self.sim
    }

    /// Every beat was checked, and the run broke no safety rule.
    fn end(self) {
        assert_eq!(self.visited, self.s.beats.len(), "{}: every beat is checked", self.s.id);
        assert_eq!(self.sim.violations(), &[]);
    }
}

fn role(sim: &Sim, id: NodeId) -> Option<RoleKind> {
    sim.node(id).map(|n| n.role())
}

fn in_role(sim: &Sim, r: RoleKind) -> Vec<NodeId> {
    sim.node_ids().filter(|&id| role(sim, id) == Some(r)).collect()
}

fn leaders(sim: &Sim) -> Vec<NodeId> {
    in_role(sim, RoleKind::Leader)
}

/// The term of the put `key=value` in `id`'s log, if it holds it.
fn term_of_put(sim: &Sim, id: NodeId, key: &str, value: &str) -> Option<Term> {
    let log = sim.node(id)?.log();
    index_of(log, key, value).map(|i| log.get(i).unwrap().term)
}

fn x_at(sim: &Sim, id: NodeId) -> Option<String> {
    sim.node(id).and_then(|n| n.kv().get("x").cloned())
}

/// The outcomes of the answers the user's client got so far.
fn your_answers(sim: &Sim) -> Vec<Outcome> {
    sim.events().iter().filter_map(|e| your_answer(&e.kind).cloned()).collect()
}

/// Node events of `node` so far.
fn events_of(sim: &Sim, node: NodeId) -> impl Iterator<Item = (Time, &Event)> {
    sim.events().iter().filter_map(move |e| match node_event(&e.kind) {
        Some((n, event)) if n == node => Some((e.at, event)),
        _ => None,
    })
}

#[test]
fn ids_are_unique_and_listed() {
    let listed: Vec<_> = all().iter().map(|s| (s.id, s.title)).collect();
    assert_eq!(listed, MENU);
    for (id, _) in MENU {
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

#[test]
fn every_story_has_three_to_five_beats_in_time_order() {
    for s in all() {
        assert!((3..=5).contains(&s.beats.len()), "{}: {} beats", s.id, s.beats.len());
        assert_eq!(s.beats[0].at, s.starts_at(), "{}: the first beat opens the story", s.id);
        assert!(s.beats.windows(2).all(|w| w[0].at < w[1].at), "{}: beats in time order: {:?}", s.id, s.beats);
        assert!(s.beats.last().unwrap().at <= s.until, "{}: the last beat comes by the end", s.id);
        for b in &s.beats {
            assert!(!b.title.trim().is_empty() && !b.text.trim().is_empty(), "{}: {b:?}", s.id);
        }
    }
}

#[test]
fn leader_crash_beats() {
    let mut story = Story::new("leader-crash");
    let Intervention::Crash { node: old } = story.s.run.interventions[0].what else { panic!() };

    let sim = story.at("A healthy cluster");
    let (_, old_term) = leader_term(sim);
    assert_eq!(leaders(sim), vec![old]);
    assert!(sim.node_ids().filter(|&n| n != old).all(|n| sim.node(n).unwrap().leader() == Some(old)));

    assert!(story.before("The leader crashes").is_up(old));
    let sim = story.at("The leader crashes");
    assert!(!sim.is_up(old));
    assert_eq!(sim.leader(), None);

    let sim = story.before("A timer runs out");
    assert_eq!(in_role(sim, RoleKind::Follower).len(), 4, "every running node still follows");
    let sim = story.at("A timer runs out");
    let pre = in_role(sim, RoleKind::PreCandidate);
    assert_eq!(pre.len(), 1, "one pre-candidate");
    assert_eq!(sim.node(pre[0]).unwrap().term(), old_term, "a pre-vote does not raise the term");

    assert_eq!(story.before("A new leader").leader(), None);
    let sim = story.at("A new leader");
    let (new, term) = leader_term(sim);
    assert!(new != old && term > old_term, "{new} in {term}");

    let sim = story.before("The old leader catches up");
    assert!(sim.is_up(old) && !caught_up(sim, old), "restarted, not yet caught up");
    let sim = story.at("The old leader catches up");
    assert_eq!(role(sim, old), Some(RoleKind::Follower));
    assert_eq!(sim.node(old).unwrap().term(), term);
    assert_eq!(sim.node(old).unwrap().log(), sim.node(new).unwrap().log());
    story.end();
}

#[test]
fn split_vote_beats() {
    let mut story = Story::new("split-vote");
    let votes = |sim: &Sim| -> Vec<usize> {
        candidates_in(sim, 1).map(|id| sim.node(id).unwrap().votes().unwrap().len()).collect()
    };

    let sim = story.at("No leader yet");
    assert_eq!(sim.leader(), None);
    assert!(sim.node_ids().all(|id| sim.node(id).unwrap().term() == 0));

    assert!(candidates_in(story.before("Three candidates"), 1).count() < 3);
    let sim = story.at("Three candidates");
    assert_eq!(candidates_in(sim, 1).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert!((1..=3).all(|id| sim.node(id).unwrap().voted_for() == Some(id)), "each votes for itself");

    assert!(votes(story.before("A split vote")).iter().sum::<usize>() < 5);
    let sim = story.at("A split vote");
    let v = votes(sim);
    assert_eq!(v.iter().sum::<usize>(), 5, "every vote cast: {v:?}");
    assert!(v.iter().all(|&n| n < 3), "none has a majority: {v:?}");
    assert_eq!(sim.leader(), None);

    let sim = story.before("One timer runs out first");
    assert_eq!(candidates_in(sim, 1).count(), 3, "the three still wait");
    let sim = story.at("One timer runs out first");
    let first = in_role(sim, RoleKind::PreCandidate);
    assert_eq!(first.len(), 1, "one node asks first");
    assert_eq!(candidates_in(sim, 1).filter(|n| !first.contains(n)).count(), 2, "the others still wait");

    assert_eq!(story.before("One winner").leader(), None);
    let sim = story.at("One winner");
    assert_eq!(leaders(sim), first, "the first to time out wins, alone");
    assert!(leader_term(sim).1 > 1);
    story.end();
}

#[test]
fn stale_leader_beats() {
    let mut story = Story::new("stale-leader");
    let Intervention::Partition { groups } = &story.s.run.interventions[0].what else { panic!() };
    let (old, buddy) = (groups[0][0], groups[0][1]);
    let majority: Vec<NodeId> = (1..=5).filter(|n| !groups[0].contains(n)).collect();

    let sim = story.at("Check-quorum is off");
    assert!(!sim.config().raft.check_quorum);
    let (_, old_term) = leader_term(sim);
    assert_eq!(leaders(sim), vec![old]);

    assert!(!story.before("The cut").is_cut(old, majority[0]));
    let sim = story.at("The cut");
    assert!(majority.iter().all(|&n| sim.is_cut(old, n) && sim.is_cut(buddy, n)) && !sim.is_cut(old, buddy));
    assert_eq!(leaders(sim), vec![old]);

    let sim = story.before("Two leaders");
    assert!(leaders(sim).len() < 2 || term_of_put(sim, old, "x", "stale").is_none());
    let sim = story.at("Two leaders");
    let two = leaders(sim);
    assert!(two.len() == 2 && two.contains(&old), "{two:?}");
    let (new, new_term) = leader_term(sim);
    assert!(new != old && new_term > old_term);
    assert_eq!(sim.node(old).unwrap().term(), old_term);
    assert_eq!(term_of_put(sim, old, "x", "stale"), Some(old_term), "x=stale appended in the old term");
    let log = sim.node(old).unwrap().log();
    assert!(index_of(log, "x", "stale").unwrap() > sim.node(old).unwrap().commit_index(), "not committed");
    assert!(sim.clients().iter().any(|c| c.user && !c.outstanding.is_empty()), "the client waits");

    assert_eq!(term_of_put(story.before("The heal"), old, "x", "stale"), Some(old_term));
    let sim = story.at("The heal");
    assert!(sim.cut_links().is_empty());
    assert_eq!(role(sim, old), Some(RoleKind::Follower));
    assert!(sim.node(old).unwrap().term() > old_term);
    assert_eq!(term_of_put(sim, old, "x", "stale"), None, "its uncommitted x=stale is gone");
    let redirected = events_of(sim, old).any(|(_, e)| {
        matches!(e, Event::RequestAnswered { client, outcome: Outcome::Redirect(Some(l)), .. }
            if client == USER_CLIENT && *l == new)
    });
    assert!(redirected, "the old leader sends the client to the new leader");

    assert_ne!(x_at(story.before("x=stale commits"), new).as_deref(), Some("stale"));
    let sim = story.at("x=stale commits");
    assert_eq!(sim.leader(), Some(new));
    assert_eq!(x_at(sim, new).as_deref(), Some("stale"));
    assert_eq!(term_of_put(sim, new, "x", "stale"), Some(new_term), "an entry of the new term");
    story.end();
}

#[test]
fn figure_7_beats() {
    let mut story = Story::new("figure-7");

    let sim = story.at("The logs of Figure 7");
    assert_eq!(sim.leader(), None);
    assert_eq!(terms(sim, 7), vec![1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], "f, as in the paper");

    assert_eq!(story.before("Node 1 leads term 8").leader(), None);
    let sim = story.at("Node 1 leads term 8");
    assert_eq!(leader_term(sim), (1, 8));
    assert_eq!(terms(sim, 1), vec![1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 8], "its no-op is entry 11");
    for refuser in [4, 5] {
        let refused = events_of(sim, refuser).any(|(_, e)| {
            matches!(e, Event::VoteDenied { candidate: 1, term: 8, pre_vote: false, reason: DenyReason::LogBehind })
        });
        assert!(refused, "node {refuser} refuses: node 1's log is behind its own");
    }

    let sim = story.before("Extra entries go");
    assert!(terms(sim, 4) != terms(sim, 1) || terms(sim, 5) != terms(sim, 1));
    let sim = story.at("Extra entries go");
    assert_eq!(terms(sim, 4), terms(sim, 1));
    assert_eq!(terms(sim, 5), terms(sim, 1));

    assert_ne!(terms(story.before("Node 7 repaired"), 7), terms(&story.sim, 1));
    let sim = story.at("Node 7 repaired");
    assert_eq!(terms(sim, 7), terms(sim, 1));
    assert!(events_of(sim, 7).filter(|(_, e)| matches!(e, Event::AppendRejected { leader: 1, .. })).count() >= 2);

    let sim = story.before("Seven identical logs");
    assert!((1..=7).any(|id| sim.node(id).unwrap().commit_index() < 11));
    let sim = story.at("Seven identical logs");
    for id in 1..=7 {
        assert_eq!(sim.node(id).unwrap().log(), sim.node(1).unwrap().log(), "node {id}");
        assert_eq!(sim.node(id).unwrap().commit_index(), 11, "node {id}");
    }
    story.end();
}

#[test]
fn figure_8_beats() {
    let mut story = Story::new("figure-8");
    // Entry 2 of term 2 on every node, the crashed ones included (what they have on disk).
    let with_entry_2 = |sim: &Sim| {
        let on = |id| match sim.slot(id).unwrap() {
            NodeSlot::Up(n) => n.log().term_at(2) == Some(2),
            NodeSlot::Down { state, .. } => state.log.term_at(2) == Some(2),
        };
        (1..=5).filter(|&id| on(id)).count()
    };
    let committed = |sim: &Sim| sim.node_ids().filter_map(|id| sim.node(id)).map(|n| n.commit_index()).max();

    let sim = story.at("Figure 8 (c)");
    assert!(!sim.is_up(5) && !sim.config().raft.leader_noop);
    assert_eq!(with_entry_2(sim), 2);

    assert!(with_entry_2(story.before("On a majority, not committed")) < 3);
    let sim = story.at("On a majority, not committed");
    assert_eq!(leader_term(sim), (1, 4));
    assert!(with_entry_2(sim) >= 3);
    assert_eq!(committed(sim), Some(0));

    assert!(story.before("Node 1 crashes").is_up(1));
    let sim = story.at("Node 1 crashes");
    assert!(!sim.is_up(1));
    assert!(with_entry_2(sim) >= 3);
    assert_eq!(committed(sim), Some(0));
    let five = sim.slot(5).unwrap();
    assert!(matches!(five, NodeSlot::Down { state, .. } if state.log.last_term() == 3), "node 5's log ends in term 3");

    assert_eq!(story.before("Node 5 leads term 5").leader(), None);
    let sim = story.at("Node 5 leads term 5");
    assert_eq!(leader_term(sim), (5, 5));
    assert!((2..=4).all(|id| sim.node(id).unwrap().voted_for() == Some(5)));

    assert!((2..=4).any(|id| terms(story.before("Entry 2 overwritten"), id) != [1, 3]));
    let sim = story.at("Entry 2 overwritten");
    assert!((2..=5).all(|id| terms(sim, id) == [1, 3]));
    story.end();
}

/// The leader when the rejoin stories start, its term, and the node cut off.
fn rejoin_cast(story: &mut Story, title: &str) -> (NodeId, Term, NodeId) {
    let Intervention::Partition { groups } = &story.s.run.interventions[0].what else { panic!() };
    let loner = groups[0][0];
    let sim = story.at(title);
    let (leader, term) = leader_term(sim);
    assert_eq!(sim.node(loner).unwrap().leader(), Some(leader));
    (leader, term, loner)
}

#[test]
fn disruptive_rejoin_beats() {
    let mut story = Story::new("disruptive-rejoin");
    let (leader, term, loner) = rejoin_cast(&mut story, "Pre-vote off");
    assert!(!story.sim.config().raft.pre_vote);

    assert_eq!(role(story.before("Alone, it runs for leader"), loner), Some(RoleKind::Follower));
    let sim = story.at("Alone, it runs for leader");
    assert!(sim.is_cut(loner, leader));
    assert_eq!(role(sim, loner), Some(RoleKind::Candidate));
    assert_eq!(sim.node(loner).unwrap().term(), term + 1);

    assert!(story.before("The heal").is_cut(loner, leader));
    let sim = story.at("The heal");
    assert!(sim.cut_links().is_empty());
    assert!(sim.node(loner).unwrap().term() > term + 2, "far above the leader's");
    assert_eq!(leader_term(sim), (leader, term));

    assert!(story.before("The leader steps down").node(leader).unwrap().is_leader());
    let sim = story.at("The leader steps down");
    assert_eq!(role(sim, leader), Some(RoleKind::Follower));
    assert!(sim.node(leader).unwrap().term() > term + 2);
    assert_eq!(sim.leader(), None);

    assert_eq!(story.before("A needless election").leader(), None);
    let sim = story.at("A needless election");
    assert!(leader_term(sim).1 > term + 2);
    story.end();
}

#[test]
fn rejoin_with_pre_vote_beats() {
    let mut story = Story::new("disruptive-rejoin-prevote");
    let (leader, term, loner) = rejoin_cast(&mut story, "Pre-vote on");
    assert!(story.sim.config().raft.pre_vote);

    assert_eq!(role(story.before("Alone, it only asks"), loner), Some(RoleKind::Follower));
    let sim = story.at("Alone, it only asks");
    assert!(sim.is_cut(loner, leader));
    assert_eq!(role(sim, loner), Some(RoleKind::PreCandidate));
    assert_eq!(sim.node(loner).unwrap().term(), term);

    assert!(story.before("The heal").is_cut(loner, leader));
    let sim = story.at("The heal");
    assert!(sim.cut_links().is_empty());
    assert_eq!(sim.node(loner).unwrap().term(), term, "its term never grew");

    assert_ne!(story.before("A quiet rejoin").node(loner).unwrap().leader(), Some(leader));
    let sim = story.at("A quiet rejoin");
    assert_eq!(role(sim, loner), Some(RoleKind::Follower));
    assert_eq!(sim.node(loner).unwrap().leader(), Some(leader));
    assert_eq!(leader_term(sim), (leader, term), "same leader, same term");
    assert_eq!(became_leader(sim).last().map(|&(_, t)| t), Some(term), "no election since");
    story.end();
}

#[test]
fn lagging_follower_beats() {
    let mut story = Story::new("lagging-follower");
    let Intervention::Crash { node: lagger } = story.s.run.interventions[0].what else { panic!() };
    let on_disk = |sim: &Sim| match sim.slot(lagger).unwrap() {
        NodeSlot::Down { state, .. } => state.log.last_index(),
        NodeSlot::Up(_) => panic!("node {lagger} is up"),
    };
    let progress = |sim: &Sim| {
        let (leader, _) = leader_term(sim);
        let p = &sim.node(leader).unwrap().progress().unwrap()[&lagger];
        (p.next_index, p.match_index)
    };

    let sim = story.at("Clients writing");
    let (leader, term) = leader_term(sim);
    assert!(sim.is_up(lagger) && lagger != leader);

    assert!(story.before("A follower crashes").is_up(lagger));
    let sim = story.at("A follower crashes");
    let last = on_disk(sim);
    assert_eq!(progress(sim).1, last, "match: its last acknowledged entry");

    let sim = story.before("Back, far behind");
    assert_eq!(on_disk(sim), last);
    assert_eq!(progress(sim), (last + 1, last), "next and match stay where it acknowledged");
    assert_eq!(leader_term(sim), (leader, term));
    let sim = story.at("Back, far behind");
    let behind = sim.node(leader).unwrap().commit_index() - sim.node(lagger).unwrap().log().last_index();
    assert!(behind >= 5, "{behind} committed entries behind");

    assert!(!caught_up(story.before("Caught up"), lagger));
    let restart = story.s.run.interventions[1].at;
    let sim = story.at("Caught up");
    assert_eq!(sim.node(lagger).unwrap().log(), sim.node(leader).unwrap().log());
    let since_restart: Vec<&Event> = events_of(sim, lagger).filter(|&(t, _)| t >= restart).map(|(_, e)| e).collect();
    assert!(
        !since_restart.iter().any(|e| matches!(e, Event::AppendRejected { .. })),
        "the leader sent from its last acknowledged entry: nothing to reject"
    );
    let appends = since_restart.iter().filter(|e| matches!(e, Event::EntriesAppended { .. })).count();
    assert_eq!(appends, 1, "one AppendEntries brought everything it missed");
    story.end();
}

#[test]
fn unsafe_read_beats() {
    let mut story = Story::new("unsafe-read");
    let Intervention::Request { node: old, .. } = story.s.run.interventions[0].what else { panic!() };
    let written = |sim: &Sim| your_answers(sim).iter().filter(|&o| *o == Outcome::Written).count();

    let sim = story.at("Reads without a check");
    assert_eq!(sim.config().raft.read_mode, ReadMode::UnsafeLocal);
    assert_eq!(sim.leader(), Some(old));

    assert_eq!(written(story.before("x=old")), 0);
    let sim = story.at("x=old");
    assert_eq!(written(sim), 1);
    assert_eq!(x_at(sim, old).as_deref(), Some("old"));

    assert_eq!(leaders(story.before("A new leader")), vec![old]);
    let sim = story.at("A new leader");
    let (new, new_term) = leader_term(sim);
    assert!(new != old && new_term > sim.node(old).unwrap().term());
    assert!(sim.node(old).unwrap().is_leader() && sim.is_cut(old, new), "the old leader still believes it leads");

    assert_eq!(written(story.before("x=new")), 1);
    let sim = story.at("x=new");
    assert_eq!(written(sim), 2);
    assert_eq!(x_at(sim, new).as_deref(), Some("new"));
    assert_eq!(x_at(sim, old).as_deref(), Some("old"));

    assert_eq!(check::check(story.before("A stale read").history()).verdict, Verdict::Linearizable);
    let sim = story.at("A stale read");
    assert_eq!(your_answers(sim).last(), Some(&Outcome::Value(Some("old".into()))));
    let report = check::check(sim.history());
    assert_eq!(report.verdict, Verdict::NotLinearizable);
    assert!(report.bad_keys().any(|k| k.key == "x"));
    story.end();
}

#[test]
fn snapshot_catch_up_beats() {
    let mut story = Story::new("snapshot-catch-up");
    let Intervention::Crash { node: lagger } = story.s.run.interventions[0].what else { panic!() };
    let on_disk = |sim: &Sim| match sim.slot(lagger).unwrap() {
        NodeSlot::Down { state, .. } => state.log.last_index(),
        NodeSlot::Up(_) => panic!("node {lagger} is up"),
    };
    let leader_start = |sim: &Sim| sim.node(sim.leader().unwrap()).unwrap().log().start().0;
    story.at("Clients writing");
    let sim = story.before("Its entries are gone");
    assert!(leader_start(sim) <= on_disk(sim), "the leader still holds what the follower needs");
    let sim = story.at("Its entries are gone");
    assert!(leader_start(sim) > on_disk(sim), "the leader compacted past the follower's last entry");
    let sim = story.at("Back, too far behind");
    assert!(sim.node(lagger).is_some());
    let sim = story.before("Snapshot installed");
    assert!(sim.node(lagger).unwrap().snapshot().is_none_or(|s| s.last_index < leader_start(sim)));
    let sim = story.at("Snapshot installed");
    let (leader, _) = leader_term(sim);
    let got = sim.node(lagger).unwrap().snapshot().expect("a snapshot").last_index;
    assert!(got <= sim.node(leader).unwrap().commit_index());
    assert_eq!(sim.node(lagger).unwrap().log().start().0, got);
    let sent = sim.stats().sent_by_kind.get(&crate::message::MessageKind::InstallSnapshot).copied().unwrap_or(0);
    assert!(sent >= 1, "the leader sent its snapshot");
    let sim = story.at("Caught up");
    let (leader, _) = leader_term(sim);
    let (l, f) = (sim.node(leader).unwrap(), sim.node(lagger).unwrap());
    assert_eq!((f.log().last_index(), f.log().last_term()), (l.log().last_index(), l.log().last_term()));
    assert_eq!(f.kv(), l.kv(), "the same state machine once both applied the same entries");
    story.end();
}

/// The index of the last configuration entry in `id`'s log.
fn config_entry(sim: &Sim, id: NodeId) -> Option<Index> {
    let log = sim.node(id)?.log();
    (log.first_index()..=log.last_index()).rev().find(|&i| matches!(log.get(i).unwrap().command, Command::Membership(_)))
}

#[test]
fn adding_a_server_beats() {
    let mut story = Story::new("adding-a-server");
    assert_eq!(story.s.run.config.nodes, 3);
    let sim = story.at("Three servers, a long log");
    let (leader, _) = leader_term(sim);
    assert!(sim.node(leader).unwrap().commit_index() >= 30, "a long log to catch up on");
    assert_eq!(sim.node_count(), 3);
    let sim = story.at("Node 4 joins as a learner");
    let (leader, _) = leader_term(sim);
    let l = sim.node(leader).unwrap();
    assert_eq!(sim.node_count(), 4, "node 4 started");
    assert!(l.membership().learners.contains(&4) && !l.membership().is_voter(4));
    let index = config_entry(sim, leader).expect("a configuration entry");
    assert!(l.commit_index() < index, "used before it commits");
    assert_eq!(sim.node(4).unwrap().log().last_index(), 0, "node 4 starts empty");
    let sim = story.before("Committed without it");
    assert!(sim.node(sim.leader().unwrap()).unwrap().commit_index() < index);
    let sim = story.at("Committed without it");
    let (leader, _) = leader_term(sim);
    assert!(sim.node(leader).unwrap().commit_index() >= index);
    assert!(sim.node(4).unwrap().log().last_index() < index, "committed while node 4 is behind");
    let sim = story.before("Caught up, promoted");
    assert!(!sim.node(sim.leader().unwrap()).unwrap().membership().is_voter(4));
    let sim = story.at("Caught up, promoted");
    let (leader, _) = leader_term(sim);
    let l = sim.node(leader).unwrap();
    assert!(l.membership().is_voter(4) && l.membership().learners.is_empty());
    let promotion = config_entry(sim, leader).unwrap();
    assert!(promotion > index, "the promotion is an entry of its own");
    let held = sim.node(4).unwrap().log().last_index();
    assert!(held >= l.commit_index(), "node 4 holds every committed entry ({held} of {})", l.commit_index());
    assert!(l.commit_index() > index, "commits went on while node 4 learned");
    let sim = story.before("Four voters");
    let (leader, _) = leader_term(sim);
    assert!(sim.node(leader).unwrap().commit_index() < promotion);
    let sim = story.at("Four voters");
    let (leader, _) = leader_term(sim);
    assert!(sim.node(leader).unwrap().commit_index() >= promotion);
    assert_eq!(sim.node(leader).unwrap().membership().majority(), 3);
    story.end();
}

#[test]
fn removing_the_leader_beats() {
    let mut story = Story::new("removing-the-leader");
    let Intervention::ChangeMembership { change: crate::membership::MembershipChange::Remove(old) } = story.s.run.interventions[0].what else {
        panic!()
    };
    let sim = story.at("Five voters");
    assert_eq!(sim.leader(), Some(old));
    let sim = story.at("The leader removes itself");
    let l = sim.node(old).unwrap();
    assert!(l.is_leader() && !l.membership().is_member(old), "it leads with a configuration without itself");
    let index = config_entry(sim, old).unwrap();
    let sim = story.before("Committed, it steps down");
    let l = sim.node(old).unwrap();
    assert!(l.is_leader() && l.commit_index() < index);
    let sim = story.at("Committed, it steps down");
    let l = sim.node(old).unwrap();
    assert!(!l.is_leader() && l.commit_index() >= index);
    let holders = sim.node_ids().filter(|&id| id != old && sim.node(id).unwrap().log().last_index() >= index).count();
    assert!(holders >= 3, "a majority of the four other voters hold it: {holders}");
    assert_eq!(sim.leader(), None);
    let sim = story.at("A timer runs out");
    assert!(sim.node_ids().any(|id| id != old && matches!(role(sim, id), Some(RoleKind::Candidate | RoleKind::PreCandidate))));
    assert_eq!(role(sim, old), Some(RoleKind::Follower), "the removed server does not campaign");
    let sim = story.at("A new leader");
    let (leader, term) = leader_term(sim);
    assert_ne!(leader, old);
    assert!(term > sim.node(old).unwrap().term(), "the old leader hears nothing of the new term");
    assert!(!sim.node(leader).unwrap().membership().is_member(old));
    story.end();
    let sim = play(&by_id("removing-the-leader").unwrap());
    assert_eq!(role(&sim, old), Some(RoleKind::Follower), "it stays out to the end");
}
