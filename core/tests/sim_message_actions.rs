//! Holding, releasing and duplicating messages, and runs that start from given logs: all
//! interventions, so they replay exactly.

use raft_core::sim::{Intervention, Sim, SimConfig, SimEventKind};
use raft_core::{Command, Entry, PersistentState, RaftLog};

fn first_message(sim: &mut Sim) -> u64 {
    while sim.in_flight().is_empty() {
        sim.step().expect("something happens");
    }
    sim.in_flight()[0].id
}

fn delivered(sim: &Sim, id: u64) -> bool {
    sim.events().iter().any(|e| matches!(e.kind, SimEventKind::Delivered { id: d, .. } if d == id))
}

#[test]
fn a_held_message_stays_until_released_and_replays_exactly() {
    let mut sim = Sim::new(SimConfig::teaching(4)).unwrap();
    let id = first_message(&mut sim);
    sim.intervene(Intervention::HoldMessage { id });
    let progress = sim.in_flight().iter().find(|m| m.id == id).unwrap().progress(sim.now());
    sim.run_until(sim.now() + 2_000_000);
    let held = sim.in_flight().iter().find(|m| m.id == id).expect("still in flight");
    assert_eq!(held.progress(sim.now()), progress, "it does not move while held");
    assert!(!delivered(&sim, id));
    sim.intervene(Intervention::ReleaseMessage { id });
    sim.run_until(sim.now() + 100_000);
    assert!(delivered(&sim, id), "delivered once released");

    let mut again = Sim::replay(&sim.run()).unwrap();
    again.run_until(sim.now());
    assert_eq!(again.events(), sim.events());
}

#[test]
fn a_duplicated_message_is_delivered_twice() {
    let mut sim = Sim::new(SimConfig::teaching(4)).unwrap();
    let id = first_message(&mut sim);
    let before: Vec<u64> = sim.in_flight().iter().map(|m| m.id).collect();
    sim.intervene(Intervention::DuplicateMessage { id });
    let copy = sim.in_flight().iter().map(|m| m.id).find(|m| !before.contains(m)).expect("a copy in flight");
    let (a, b) = (
        sim.in_flight().iter().find(|m| m.id == id).unwrap().message.clone(),
        sim.in_flight().iter().find(|m| m.id == copy).unwrap().message.clone(),
    );
    assert_eq!(a, b);
    sim.run_until(sim.now() + 100_000);
    assert!(delivered(&sim, id) && delivered(&sim, copy));
    assert_eq!(sim.violations(), &[]);
    let mut again = Sim::replay(&sim.run()).unwrap();
    again.run_until(sim.now());
    assert_eq!(again.events(), sim.events());
}

#[test]
fn nodes_can_start_from_given_logs() {
    let mut log = RaftLog::default();
    log.append(Entry::new(1, Command::Put { key: "a".into(), value: "1".into() }));
    let mut config = SimConfig::teaching(2);
    config.initial = vec![PersistentState { term: 1, voted_for: None, log: log.clone(), snapshot: None }; 3];
    let mut sim = Sim::new(config.clone()).unwrap();
    assert_eq!(sim.node(1).unwrap().log(), &log);
    assert_eq!(sim.node(4).unwrap().log().last_index(), 0, "nodes not listed start empty");
    sim.run_until(3_000_000);
    assert_eq!(sim.violations(), &[]);
    let leader = sim.leader().unwrap();
    assert_eq!(sim.node(leader).unwrap().kv().get("a"), Some(&"1".to_string()));

    let text = serde_json::to_string(&config).unwrap();
    assert_eq!(serde_json::from_str::<SimConfig>(&text).unwrap(), config);
    let plain = serde_json::to_string(&SimConfig::teaching(2)).unwrap();
    assert!(!plain.contains("initial"), "an empty initial state is not written");

    config.initial[0].term = 0;
    assert!(Sim::new(config).is_err(), "a log entry from a later term than the node's is rejected");
}

#[test]
fn truncating_the_future_branches_the_run() {
    let mut sim = Sim::new(SimConfig::teaching(4)).unwrap();
    sim.schedule(1_000_000, Intervention::Crash { node: 1 }).unwrap();
    sim.schedule(3_000_000, Intervention::Crash { node: 2 }).unwrap();
    sim.run_until(2_000_000);
    sim.truncate_future();
    assert_eq!(sim.interventions().len(), 1);
    sim.run_until(4_000_000);
    assert!(sim.is_up(2), "the dropped future did not happen");
}

#[test]
fn conflicting_initial_logs_are_reported_as_violations() {
    let entry = |v: &str| Entry::new(1, Command::Put { key: "a".into(), value: v.into() });
    let mut config = SimConfig::teaching(2);
    let state = |v: &str| {
        let mut log = RaftLog::default();
        log.append(entry(v));
        PersistentState { term: 1, voted_for: None, log, snapshot: None }
    };
    config.initial = vec![state("1"), state("2")];
    let sim = Sim::new(config).unwrap();
    assert_eq!(sim.violations().len(), 1);
    assert!(matches!(&sim.events()[0].kind, SimEventKind::Violation(v) if v.at == 0));
}
