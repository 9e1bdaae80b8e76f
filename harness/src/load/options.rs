//! What a load run is asked to do, the checks on it, and how it can fail.

use super::run::{PROBE_INTERVAL, START_TIMEOUT};
use super::schedule;
use crate::process::SpawnError;
use std::io;
use std::path::PathBuf;

/// Bad datagrams per second to each replica with `--attack`.
pub const DEFAULT_ATTACK_RATE: f64 = 200.0;

#[derive(Debug, Clone)]
pub struct Options {
    pub replica: PathBuf,
    pub replicas: usize,
    /// Length of the sending window.
    pub seconds: f64,
    /// Probability that a request is a get.
    pub mix: f64,
    /// Bad datagrams per second to each replica, if any.
    pub attack: Option<f64>,
    /// Seeds the client's choices (keys, request kinds, first leader guess).
    pub seed: Option<u64>,
    /// At most this many distinct keys: once there are, every put updates one (so that the
    /// store stops growing and what else a replica holds shows).
    pub keys: Option<usize>,
    /// Prints each replica's resident memory every this many seconds of the window.
    pub memory_every: Option<f64>,
}

#[derive(Debug)]
pub enum LoadError {
    Invalid(String),
    Socket(io::Error),
    Spawn(SpawnError),
    NoHello {
        missing: Vec<String>,
        exits: Vec<String>,
    },
    NoLeader {
        exits: Vec<String>,
    },
    Interrupted,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let exits = |e: &[String]| {
            if e.is_empty() {
                String::new()
            } else {
                format!("; {}", e.join(", "))
            }
        };
        match self {
            LoadError::Invalid(why) => f.write_str(why),
            LoadError::Socket(e) => write!(f, "socket error: {e}"),
            LoadError::Spawn(e) => e.fmt(f),
            LoadError::NoHello { missing, exits: e } => write!(
                f,
                "no hello from {} within {START_TIMEOUT} s{}",
                missing.join(", "),
                exits(e)
            ),
            LoadError::NoLeader { exits: e } => write!(
                f,
                "no replica answered a put with ok within {START_TIMEOUT} s (a put went to a random \
                 replica every {} ms, redirects followed){}",
                PROBE_INTERVAL * 1000.0,
                exits(e)
            ),
            LoadError::Interrupted => f.write_str("interrupted"),
        }
    }
}

impl std::error::Error for LoadError {}

/// Checks options before any cluster starts, so a typo fails at once.
pub fn validate(opts: &Options, rate: f64) -> Result<(), LoadError> {
    let bad = |why: String| Err(LoadError::Invalid(why));
    if !(rate.is_finite() && rate > 0.0) {
        return bad(format!("rate {rate} is not a positive number"));
    }
    if !(opts.seconds.is_finite() && opts.seconds > 0.0 && opts.seconds <= 3600.0) {
        return bad(format!("--seconds {} is not in (0, 3600]", opts.seconds));
    }
    if !(1..=64).contains(&opts.replicas) {
        return bad(format!("--replicas {} is not in 1..=64", opts.replicas));
    }
    if opts.keys == Some(0) {
        return bad("--keys 0: a put needs a key".into());
    }
    if opts.memory_every.is_some_and(|s| !(s.is_finite() && s > 0.0)) {
        return bad("--memory-every needs a positive number of seconds".into());
    }
    if !(0.0..=1.0).contains(&opts.mix) {
        return bad(format!("--mix {} is not in [0, 1]", opts.mix));
    }
    // Request indices and MIDs are kept in 32 bits.
    if schedule::total(rate, opts.seconds) > u64::from(u32::MAX / 4) {
        return bad(format!(
            "{rate}/s for {} s is too many requests",
            opts.seconds
        ));
    }
    if let Some(a) = opts.attack {
        if !(a.is_finite() && a > 0.0 && a <= 100_000.0) {
            return bad(format!("attack rate {a} is not in (0, 100000]"));
        }
        // Forged peer messages must come from a replica other than their target.
        if opts.replicas < 2 {
            return bad("--attack needs at least 2 replicas".into());
        }
    }
    Ok(())
}
