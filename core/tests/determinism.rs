//! A run is its seed, its configuration and its interventions: the same run must produce
//! the same trace, byte for byte, and a bad configuration must be refused with a message.

use raft_core::sim::{Intervention, Run, Sim, SimConfig};
use raft_core::Op;

fn busy_run(seed: u64) -> Sim {
    let mut config = SimConfig::teaching(seed);
    config.network.loss = 0.05;
    config.clients.count = 4;
    let mut sim = Sim::new(config).unwrap();
    sim.schedule(1_000_000, Intervention::Crash { node: 2 }).unwrap();
    sim.schedule(1_500_000, Intervention::Partition { groups: vec![vec![1, 3], vec![4, 5]] }).unwrap();
    sim.schedule(2_500_000, Intervention::Heal).unwrap();
    sim.schedule(2_600_000, Intervention::Restart { node: 2 }).unwrap();
    sim.schedule(2_700_000, Intervention::Request { node: 3, op: Op::Put { key: "k".into(), value: "v".into() } })
        .unwrap();
    sim.run_until(5_000_000);
    sim
}

fn trace_bytes(sim: &Sim) -> Vec<u8> {
    serde_json::to_vec(&(sim.events(), sim.history())).unwrap()
}

#[test]
fn same_seed_gives_a_byte_identical_trace() {
    let a = busy_run(11);
    let b = busy_run(11);
    assert!(a.events().len() > 1000, "the run should be busy");
    assert_eq!(trace_bytes(&a), trace_bytes(&b));
}

#[test]
fn different_seeds_give_different_traces() {
    assert_ne!(trace_bytes(&busy_run(11)), trace_bytes(&busy_run(12)));
}

#[test]
fn a_run_saved_as_json_replays_exactly() {
    let original = busy_run(5);
    let json = serde_json::to_string(&original.run()).unwrap();
    let run: Run = serde_json::from_str(&json).unwrap();
    let mut replayed = Sim::replay(&run).unwrap();
    replayed.run_until(original.now());
    assert_eq!(trace_bytes(&replayed), trace_bytes(&original));
}

#[test]
fn live_interventions_replay_exactly() {
    // Interventions made while running (as a user clicking) are stamped just after the
    // current instant, so that replaying the recorded run reaches the same states.
    let mut live = Sim::new(SimConfig::teaching(3)).unwrap();
    live.run_until(700_000);
    let leader = live.leader().unwrap();
    live.intervene(Intervention::Crash { node: leader });
    live.run_until(1_234_567);
    live.intervene(Intervention::Request { node: 1, op: Op::Get { key: "k0".into() } });
    live.run_until(3_000_000);
    let mut replayed = Sim::replay(&live.run()).unwrap();
    replayed.run_until(3_000_000);
    assert_eq!(trace_bytes(&replayed), trace_bytes(&live));
}

#[test]
fn bad_configs_are_rejected_with_a_reason() {
    type Breakage = Box<dyn Fn(&mut SimConfig)>;
    let cases: Vec<(&str, Breakage)> = vec![
        ("1 to 9 nodes", Box::new(|c| c.nodes = 0)),
        ("heartbeat_interval_us", Box::new(|c| c.raft.heartbeat_interval_us = c.raft.election_timeout_min_us * 2)),
        ("election_timeout_max_us", Box::new(|c| c.raft.election_timeout_max_us = 1)),
        ("loss", Box::new(|c| c.network.loss = 1.5)),
        ("max_delay_us", Box::new(|c| c.network.max_delay_us = 0)),
        ("check_quorum", Box::new(|c| c.raft.check_quorum = false)),
    ];
    for (needle, break_it) in cases {
        let mut config = SimConfig::teaching(1);
        break_it(&mut config);
        let err = Sim::new(config).err().unwrap_or_else(|| panic!("config breaking {needle} was accepted"));
        assert!(err.to_string().contains(needle), "error for {needle} does not say so: {err}");
    }
}
