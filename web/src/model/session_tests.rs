//! Time travel against real runs: scrubbing back gives exactly the earlier state, acting in the
//! past branches, and the timeline marks what happened once.

use super::session::Session;
use super::timeline::MarkKind;
use raft_core::sim::{Intervention, Run, SimConfig};
use raft_core::{NodeId, Term, Time};

fn session(seed: u64) -> Session {
    Session::new(&Run { config: SimConfig::teaching(seed), interventions: vec![] }).unwrap()
}

/// What a node looks like, enough to tell two states apart.
fn snapshot(s: &Session) -> Vec<Option<(Term, u64, u64, String)>> {
    s.sim
        .node_ids()
        .map(|id| s.sim.node(id).map(|n| (n.term(), n.log().last_index(), n.commit_index(), format!("{:?}", n.role()))))
        .collect()
}

#[test]
fn scrubbing_back_gives_the_earlier_state_exactly() {
    let mut s = session(3);
    s.advance_to(2_000_000);
    let leader: NodeId = s.sim.leader().unwrap();
    s.intervene(Intervention::Crash { node: leader });
    s.advance_to(3_000_000);
    let at_3s = (snapshot(&s), s.sim.in_flight().to_vec(), s.sim.history().to_vec());
    s.advance_to(8_000_000);
    assert_ne!(snapshot(&s), at_3s.0);
    let marks = s.timeline.marks.len();

    assert!(s.seek(3_000_000).unwrap(), "going back replays");
    assert_eq!(s.now(), 3_000_000);
    assert_eq!((snapshot(&s), s.sim.in_flight().to_vec(), s.sim.history().to_vec()), at_3s);
    assert_eq!(s.horizon(), 8_000_000, "the future is still there");
    assert!(s.in_the_past());
    assert!(!s.seek(8_000_000).unwrap(), "forward is simulated");
    assert_eq!(s.timeline.marks.len(), marks, "nothing marked twice");
    assert!(s.timeline.marks.iter().any(|m| m.kind == MarkKind::Crash { node: leader }));
    assert!(s.timeline.marks.iter().any(|m| matches!(m.kind, MarkKind::Election { .. })));
    assert!(s.timeline.bands.len() >= 2, "a band per term");
}

#[test]
fn acting_in_the_past_branches_a_new_future() {
    let mut s = session(3);
    s.advance_to(1_000_000);
    s.intervene(Intervention::Crash { node: 1 });
    s.advance_to(4_000_000);
    s.intervene(Intervention::Crash { node: 2 });
    s.advance_to(6_000_000);
    s.seek(2_000_000).unwrap();
    s.intervene(Intervention::Crash { node: 3 });
    assert_eq!(s.horizon(), s.now(), "the old future is gone");
    let run = s.run();
    assert_eq!(run.interventions.len(), 2);
    assert_eq!(run.interventions[1].what, Intervention::Crash { node: 3 });
    s.advance_to(6_000_000);
    assert!(s.sim.is_up(2) && !s.sim.is_up(3));
    let crashes: Vec<_> = s.timeline.marks.iter().filter(|m| matches!(m.kind, MarkKind::Crash { .. })).collect();
    assert_eq!(crashes.len(), 2, "{crashes:?}");
}

#[test]
fn step_back_goes_to_the_previous_event() {
    let mut s = session(5);
    s.advance_to(500_000);
    for _ in 0..5 {
        s.step();
    }
    let now = s.now();
    let prev = s.previous_event_time();
    assert!(prev < now);
    s.step_back().unwrap();
    assert_eq!(s.now(), prev);
    assert!(s.sim.events().iter().all(|e| e.at <= prev));
}

#[test]
fn a_long_jump_marks_the_whole_run() {
    let mut s = session(2);
    let ten_minutes: Time = 600_000_000;
    s.advance_to(ten_minutes);
    let writes = s.timeline.marks.iter().filter(|m| m.kind == MarkKind::Write).count();
    assert!(writes > 500, "{writes} writes in ten minutes");
    assert!(s.timeline.marks.iter().any(|m| m.at < 1_000_000), "early marks survive the event log's bound");
}
