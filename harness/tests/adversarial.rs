//! The release replica under load while every replica is sent bad datagrams (malformed
//! input, and peer messages with impossible numbers forged from real replica IDs): no replica
//! may exit, every request must get a final answer, nearly all of them `ok`, and every `ok`
//! get must return a value that a linearizable store could return (see `load::check`).
//! About 8 s plus a build of the replica.

use harness::load::{self, Options, Report};
use std::path::{Path, PathBuf};
use std::process::Command;

const RATE: f64 = 2000.0;
const SECONDS: f64 = 4.0;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harness lives in the workspace")
        .to_path_buf()
}

/// Builds the release replica and returns its path, as `replica/tests/kvsim.rs` does.
fn release_replica() -> PathBuf {
    let root = root();
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |d| root.join(d));
    let build = Command::new(env!("CARGO"))
        .args(["build", "--release", "-p", "replica"])
        .current_dir(&root)
        .status()
        .expect("cargo runs");
    assert!(build.success(), "cargo build --release -p replica failed");
    target.join("release/3700kvstore")
}

fn explain(r: &Report) -> String {
    load::plain(std::slice::from_ref(r))
}

#[test]
fn replicas_survive_bad_datagrams_and_reads_stay_correct_under_load() {
    let opts = Options {
        replica: release_replica(),
        replicas: 5,
        seconds: SECONDS,
        mix: 0.5,
        attack: Some(load::DEFAULT_ATTACK_RATE),
        seed: Some(3700),
        keys: None,
        memory_every: None,
    };
    let r = load::run_rate(&opts, RATE).unwrap_or_else(|e| panic!("the load did not run: {e}"));
    let why = explain(&r);
    assert_eq!(r.sent, (RATE * SECONDS) as u64, "{why}");
    assert!(
        r.exited.is_empty(),
        "replicas exited: {:?}\n{why}",
        r.exited
    );
    assert_eq!(r.unanswered, 0, "requests without a final answer\n{why}");
    assert!(r.ok * 100 >= r.sent * 95, "fewer than 95 % ok\n{why}");
    // The gets were really checked (about half of 8,000 requests), and none was wrong.
    assert!(
        r.reads.checked >= 1000,
        "only {} reads checked\n{why}",
        r.reads.checked
    );
    assert_eq!(r.reads.violations, 0, "{:#?}\n{why}", r.reads.examples);
    // What the replicas sent stayed well-formed.
    assert_eq!((r.traffic.invalid, r.answers.malformed), (0, 0), "{why}");
    // Every class of bad datagram reached every replica (18 classes × 5 replicas).
    let attack = r.attack.as_ref().expect("the attack ran");
    assert!(attack.iter().all(|&(_, n)| n >= 5 * 5), "{attack:?}");
}
