//! kvload: an open-loop load benchmark of a replica cluster. Per rate, a fresh cluster is
//! started and a single client sends requests on a fixed schedule, never waiting for answers,
//! while the replicas' own messages are routed at once (no drops, no hop cost). Optionally
//! bad datagrams are mixed in (`attack`). Every `ok` get is checked against the puts (`check`).

mod attack;
mod check;
mod cluster;
mod envelope;
mod latency;
mod options;
mod procfs;
mod report;
mod run;
mod schedule;
mod workload;

pub use check::ReadCheck;
pub use options::{validate, LoadError, Options, DEFAULT_ATTACK_RATE};
pub use report::{markdown, plain, Report};

use run::Run;
use std::time::Instant;

/// Starts a fresh cluster, loads it at `rate` requests per second for `opts.seconds`, and
/// reports. The replicas are killed before it returns, on errors too.
pub fn run_rate(opts: &Options, rate: f64) -> Result<Report, LoadError> {
    validate(opts, rate)?;
    let seed = opts.seed.unwrap_or_else(rand::random);
    let mut run = Run::start(opts, seed, Instant::now())?;
    run.await_hellos()?;
    run.await_leader()?;
    let startup_seconds = run.now();
    let window = run.load(rate, opts.seconds, opts.memory_every)?;
    run.drain()?;
    Ok(run.report(opts, rate, startup_seconds, &window))
}
