//! End to end: the release replica under kvsim on one official config. About 40 s plus a
//! build, so it is ignored by default: `cargo test -p replica --release -- --ignored`.
//! `replica/tests/run-official.sh` runs every official config and our own scenarios.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
#[ignore = "takes about 40 s; run with --ignored"]
fn passes_simple_1_under_kvsim() {
    let root = root();
    let config = root.join("../shared/cs3700-configs/simple-1.json");
    assert!(
        config.exists(),
        "official configs are expected at {}",
        config.display()
    );
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let build = Command::new(env!("CARGO"))
        .args(["build", "--release", "-p", "harness", "-p", "replica"])
        .current_dir(&root)
        .status()
        .unwrap();
    assert!(build.success());
    let summary = target.join("replica-kvsim-simple-1.json");
    let run = Command::new(target.join("release/kvsim"))
        .arg("--replica")
        .arg(target.join("release/3700kvstore"))
        .arg("--quiet")
        .arg("--json")
        .arg(&summary)
        .arg(&config)
        .current_dir(&root)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "kvsim failed:\n{report}");
    let json: Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    let outcome = &json[0];
    assert_eq!(outcome["passed"], true, "{report}");
    assert_eq!(outcome["metrics"]["duplicates"], 0, "{report}");
    assert_eq!(outcome["metrics"]["failures"], 0, "{report}");
}
