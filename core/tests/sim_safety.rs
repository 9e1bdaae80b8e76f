//! Randomized simulation: many seeds with message loss, partitions, one-way cuts, crashes
//! and restarts under a steady client load. After every step the simulator checks election
//! safety, log matching, leader completeness, state machine safety, monotonic commit and
//! one answer per request; at the end the client history must be linearizable and, once
//! faults have healed, every request must have been answered.
//!
//! `RAFT_SEEDS=n` sets the number of seeds (default 500), `RAFT_SEED=s` replays one seed.

use raft_core::check::{self, Verdict};
use raft_core::sim::{Intervention, Sim, SimConfig};
use raft_core::{Fanout, NodeId, ReadMode, Rng, Time};

const FAULTY_UNTIL: Time = 30_000_000;
const SETTLE: Time = 6_000_000;

/// A cluster configuration and a fault schedule drawn from the seed.
fn scenario(seed: u64) -> Sim {
    let mut rng = Rng::new(seed);
    let mut config = SimConfig::teaching(seed);
    config.nodes = if rng.chance(0.3) { 3 } else { 5 };
    config.raft.pre_vote = rng.chance(0.7);
    config.raft.defer_to_longer_logs = config.raft.pre_vote && rng.chance(0.5);
    config.raft.fanout = [Fanout::All, Fanout::Quorum, Fanout::Relay][rng.below(3)];
    config.raft.chain_answers = config.raft.fanout == Fanout::Relay && rng.chance(0.7);
    config.raft.read_mode = if rng.chance(0.5) { ReadMode::Lease } else { ReadMode::ReadIndex };
    config.network.max_delay_us = rng.range(10_000, 40_000);
    config.clients.count = 3;
    config.clients.think_min_us = 50_000;
    config.clients.think_max_us = 300_000;
    let mut sim = Sim::new(config).expect("valid config");
    let n = sim.config().nodes as NodeId;
    let mut t = 300_000;
    while t < FAULTY_UNTIL {
        let node = rng.range(1, n as u64) as NodeId;
        let what = match rng.below(8) {
            0 => Intervention::Crash { node },
            1 => Intervention::Restart { node },
            2 => {
                let mut ids: Vec<NodeId> = (1..=n).collect();
                let split = rng.range(1, n as u64 - 1) as usize;
                for i in (1..ids.len()).rev() {
                    ids.swap(i, rng.below(i + 1));
                }
                Intervention::Partition { groups: vec![ids[..split].to_vec(), ids[split..].to_vec()] }
            }
            3 => Intervention::CutLink { from: node, to: (node % n) + 1 },
            4 => Intervention::SetLoss { loss: [0.0, 0.05, 0.2][rng.below(3)] },
            5 => Intervention::Timeout { node },
            _ => Intervention::Heal,
        };
        sim.schedule(t, what).unwrap();
        t += rng.range(200_000, 1_500_000);
    }
    sim.schedule(FAULTY_UNTIL, Intervention::Heal).unwrap();
    sim.schedule(FAULTY_UNTIL, Intervention::SetLoss { loss: 0.0 }).unwrap();
    for node in 1..=n {
        sim.schedule(FAULTY_UNTIL, Intervention::Restart { node }).unwrap();
    }
    sim
}

fn check_seed(seed: u64) -> Result<(), String> {
    let mut sim = scenario(seed);
    sim.run_until(FAULTY_UNTIL + SETTLE);
    if let Some(v) = sim.violations().first() {
        return Err(format!("{} violated at {} us on node {}: {}", v.invariant.name(), v.at, v.node, v.detail));
    }
    let report = check::check(sim.history());
    if report.verdict == Verdict::NotLinearizable {
        let key = report.bad_keys().next().map(|k| k.key.clone()).unwrap_or_default();
        return Err(format!("client history is not linearizable (key {key})"));
    }
    // After the faults healed, a request waits at most a few election timeouts.
    let bound = 3_000_000;
    if let Some(((client, id), (node, since))) = sim.unanswered_requests().find(|(_, (_, t))| *t + bound < sim.now()) {
        return Err(format!("request {id} of {client} at node {node} since {since} us was never answered"));
    }
    if sim.stats().writes_answered == 0 {
        return Err("no write was acknowledged at all".into());
    }
    Ok(())
}

#[test]
fn randomized_safety_and_linearizability() {
    let seeds: Vec<u64> = match std::env::var("RAFT_SEED") {
        Ok(s) => vec![s.parse().expect("RAFT_SEED is a number")],
        Err(_) => {
            let n: u64 = std::env::var("RAFT_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(500);
            (0..n).collect()
        }
    };
    let failures: Vec<String> = seeds
        .iter()
        .filter_map(|&seed| {
            check_seed(seed).err().map(|e| {
                format!("seed {seed}: {e} (replay: RAFT_SEED={seed} cargo test -p raft-core --test sim_safety)")
            })
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} seeds failed:\n{}", failures.len(), seeds.len(), failures.join("\n"));
}

