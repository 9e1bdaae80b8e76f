//! How long replaying ten virtual minutes of the teaching cluster takes (the browser's
//! time travel replays from the start).
//!
//!     cargo run --release -p raft-core --example replay_speed

use raft_core::sim::{Sim, SimConfig};
use std::time::Instant;

fn main() {
    let mut times = Vec::new();
    let mut steps = 0;
    for seed in 1..=5 {
        let started = Instant::now();
        let mut sim = Sim::new(SimConfig::teaching(seed)).expect("valid config");
        sim.run_until(600_000_000);
        times.push(started.elapsed().as_secs_f64());
        steps = sim.steps();
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!("10 virtual minutes, 5 nodes, teaching preset: median {:.3} s over 5 seeds ({steps} steps)", times[2]);
}
