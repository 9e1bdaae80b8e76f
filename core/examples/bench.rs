//! Steady client load on a simulated five-node cluster; prints the figures the README quotes.
//!
//!     cargo run --release -p raft-core --example bench [-- SECONDS]
//!
//! For each preset: messages between nodes per acknowledged write, entries per AppendEntries,
//! write and read latency in virtual time, and simulated steps per wall-clock second.

use raft_core::sim::{percentile, Sim, SimConfig};
use raft_core::{Config, Fanout};
use std::time::Instant;

struct Load {
    name: &'static str,
    raft: Config,
    delay_us: (u64, u64),
    think_us: (u64, u64),
}

fn main() {
    let seconds: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(60);
    let mut textbook = Config::graded();
    textbook.fanout = Fanout::All;
    let loads = [
        Load { name: "graded preset", raft: Config::graded(), delay_us: (150, 400), think_us: (20_000, 100_000) },
        Load { name: "graded, fanout all", raft: textbook, delay_us: (150, 400), think_us: (20_000, 100_000) },
        Load { name: "graded, busy clients", raft: Config::graded(), delay_us: (150, 400), think_us: (0, 2_000) },
        Load { name: "teaching preset", raft: Config::teaching(), delay_us: (10_000, 20_000), think_us: (50_000, 200_000) },
    ];
    println!("{seconds} s of virtual time, 5 nodes, 8 clients (40% gets), 5 seeds each; medians over seeds\n");
    println!(
        "{:<22} {:>10} {:>12} {:>12} {:>12} {:>12} {:>14}",
        "load", "msgs/write", "entries/AE", "write p50", "write p99", "read p50", "steps/s (wall)"
    );
    for load in loads {
        let mut rows = Vec::new();
        for seed in 1..=5 {
            let mut config = SimConfig::teaching(seed);
            config.raft = load.raft.clone();
            config.network.min_delay_us = load.delay_us.0;
            config.network.max_delay_us = load.delay_us.1;
            config.clients.count = 8;
            config.clients.think_min_us = load.think_us.0;
            config.clients.think_max_us = load.think_us.1;
            config.clients.start_us = 3_000_000;
            config.clients.timeout_us = 3_000_000;
            config.max_events = 10_000;
            let mut sim = Sim::new(config).expect("valid config");
            let started = Instant::now();
            sim.run_until(seconds * 1_000_000);
            let wall = started.elapsed().as_secs_f64();
            let s = sim.stats();
            rows.push([
                s.messages_per_write(),
                s.entries_per_append(),
                percentile(&s.write_latencies_us, 50.0) as f64,
                percentile(&s.write_latencies_us, 99.0) as f64,
                percentile(&s.read_latencies_us, 50.0) as f64,
                sim.steps() as f64 / wall,
            ]);
        }
        let median = |i: usize| {
            let mut v: Vec<f64> = rows.iter().map(|r| r[i]).collect();
            v.sort_by(|a, b| a.total_cmp(b));
            v[v.len() / 2]
        };
        println!(
            "{:<22} {:>10.2} {:>12.2} {:>10.2}ms {:>10.2}ms {:>10.2}ms {:>14.0}",
            load.name,
            median(0),
            median(1),
            median(2) / 1000.0,
            median(3) / 1000.0,
            median(4) / 1000.0,
            median(5)
        );
    }
}
