//! End-to-end runs of kvsim against the deliberately broken toy replica: each misbehaviour must
//! fail the specific check it violates, and the counters must say why.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const KVSIM: &str = env!("CARGO_BIN_EXE_kvsim");
const TOY: &str = env!("CARGO_BIN_EXE_toy_replica");

/// A fast config: 3 replicas, 0.5 s start wait, 2 s of traffic, 0.5 s end wait.
fn config(overrides: Value) -> Value {
    let mut c = json!({
        "lifetime": 2, "replicas": 3, "requests": 40, "mix": 0.2,
        "start_wait": 0.5, "end_wait": 0.5,
        "tests": {"benchmarks": {
            "total_msgs": [50, 100, 200], "failures": [0, 1, 2],
            "duplicates": [0, 1, 2], "median_latency": [0.0005, 0.005, 0.05]},
            "maximum_get_generation_fail_fraction": 1.0}
    });
    c.as_object_mut()
        .unwrap()
        .extend(overrides.as_object().unwrap().clone());
    c
}

struct Run {
    output: Output,
    summary: Vec<Value>,
}

impl Run {
    fn code(&self) -> i32 {
        self.output.status.code().expect("kvsim exited normally")
    }

    fn first(&self) -> &Value {
        &self.summary[0]
    }

    fn metric(&self, name: &str) -> u64 {
        self.first()["metrics"][name]
            .as_u64()
            .unwrap_or_else(|| panic!("metric {name}"))
    }

    fn failed_checks(&self) -> Vec<u64> {
        let list = self.first()["failed_checks"].as_array().unwrap();
        list.iter().map(|c| c["check"].as_u64().unwrap()).collect()
    }

    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
}

fn write_config(dir: &Path, name: &str, config: &Value) -> PathBuf {
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

fn kvsim(mode: &str, dir: &Path, targets: &[PathBuf]) -> Command {
    kvsim_with(mode, dir, targets, &[])
}

fn kvsim_with(mode: &str, dir: &Path, targets: &[PathBuf], extra: &[&str]) -> Command {
    let pids = dir.join("pids");
    std::fs::create_dir_all(&pids).unwrap();
    let mut cmd = Command::new(KVSIM);
    cmd.args(["--replica", TOY, "--quiet", "--seed", "1", "--json"])
        .arg(dir.join("summary.json"))
        .args(extra)
        .args(targets)
        .env("TOY_REPLICA_MODE", mode)
        .env("TOY_PID_DIR", &pids)
        .stdin(Stdio::null());
    cmd
}

fn run_dir(mode: &str, dir: &Path, targets: &[PathBuf]) -> Run {
    run_dir_with(mode, dir, targets, &[])
}

fn run_dir_with(mode: &str, dir: &Path, targets: &[PathBuf], extra: &[&str]) -> Run {
    let output = kvsim_with(mode, dir, targets, extra).output().unwrap();
    assert_no_leftovers(dir);
    let summary = std::fs::read_to_string(dir.join("summary.json"))
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or_default();
    Run { output, summary }
}

fn run(mode: &str, overrides: Value) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), mode, &config(overrides));
    run_dir(mode, dir.path(), &[path])
}

/// Every replica the run started must be gone once kvsim has returned.
fn assert_no_leftovers(dir: &Path) {
    for entry in std::fs::read_dir(dir.join("pids")).unwrap() {
        let pid = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()));
        if let Ok(stat) = stat {
            assert!(
                !stat.contains("(toy_replica)"),
                "replica {} still running: {stat}",
                pid.trim()
            );
        }
    }
}

#[test]
fn primary_backup_passes_and_counts_every_broadcast_copy() {
    let r = run(
        "primary",
        json!({"drops": 0.5, "events": [{"type": "kill_non_leader", "time": 1.0}]}),
    );
    assert_eq!(r.code(), 0, "{}", r.stdout());
    let s = r.first();
    assert_eq!(s["passed"], true);
    // Each put reaches the primary exactly once and is broadcast to the 2 other replicas;
    // dropped, and sent-to-dead copies still count.
    assert_eq!(r.metric("total_msgs"), 2 * r.metric("puts"));
    assert_eq!(
        r.metric("delivered") + r.metric("dropped") + r.metric("to_dead"),
        r.metric("total_msgs")
    );
    assert!(r.metric("dropped") > 0);
    assert_eq!((r.metric("killed"), r.metric("died")), (1, 0));
    assert_eq!(r.metric("oks"), 40);
    assert!(r.metric("redirects") > 0);
    assert_eq!(s["tiers"]["failures"], "Full");
    assert!(s["tiers"]["median_latency"].is_string());
    assert!(r.stdout().contains("Result: PASSED"));
}

#[test]
fn duplicate_oks_are_counted_not_incorrect() {
    let r = run("primary-dup", json!({}));
    assert_eq!(r.code(), 0, "{}", r.stdout());
    assert_eq!(r.metric("duplicates"), r.metric("oks"));
    assert_eq!(r.metric("incorrect"), 0);
    assert_eq!(r.first()["tiers"]["duplicates"], "None");
}

#[test]
fn unreplicated_local_answers_fail_get_correctness() {
    let r = run("local", json!({"requests": 60, "mix": 0.5}));
    assert_eq!(r.code(), 1);
    assert!(r.metric("incorrect") > 0);
    let failed = r.failed_checks();
    assert!(failed.contains(&1) && failed.contains(&7), "{failed:?}");
    assert_eq!(r.metric("total_msgs"), 0);
    assert_eq!(r.first()["tiers"]["total_msgs"], Value::Null);
    let reasons = r.first()["incorrect_reasons"].to_string();
    assert!(reasons.contains("expected"), "{reasons}");
}

#[test]
fn silent_replicas_leave_everything_unanswered() {
    let r = run("silent", json!({}));
    assert_eq!(r.code(), 1);
    // No put is ever acknowledged, so every wanted get fails to generate.
    assert_eq!(r.failed_checks(), [3, 5, 6, 7]);
    assert_eq!((r.metric("puts"), r.metric("unanswered_puts")), (40, 40));
    assert_eq!(r.metric("gets"), 0);
    assert!(r.metric("get_generation_failures") > 0);
    assert_eq!(r.metric("failures"), 40);
}

#[test]
fn malformed_and_misaddressed_datagrams_are_incorrect() {
    let r = run("badjson", json!({}));
    assert_eq!(r.code(), 1);
    assert!(r.failed_checks().contains(&1));
    // Five bad datagrams from each of the three replicas.
    assert_eq!(r.metric("incorrect"), 15);
    let reasons = r.first()["incorrect_reasons"].to_string();
    for why in [
        "not JSON",
        "not an object",
        "missing field `leader`",
        "not 4 hex digits",
        "unknown destination",
    ] {
        assert!(reasons.contains(why), "{why}: {reasons}");
    }
}

#[test]
fn every_incorrect_message_is_a_finding_in_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), "badjson", &config(json!({})));
    let traces = dir.path().join("traces");
    let run = run_dir_with("badjson", dir.path(), &[path], &["--trace", traces.to_str().unwrap()]);
    let trace = kvtrace::parse(&std::fs::read_to_string(traces.join("badjson.0.jsonl")).unwrap());
    let incorrect: Vec<_> = trace
        .lines()
        .filter_map(|l| match l {
            kvtrace::Line::Finding(f) if f.kind == kvtrace::FindingKind::Incorrect => Some(f),
            _ => None,
        })
        .collect();
    assert_eq!(incorrect.len() as u64, run.metric("incorrect"));
    assert!(incorrect.iter().any(|f| f.detail.contains("unknown destination")));
    let Some(kvtrace::Line::Verdict(v)) = trace.lines().last() else { panic!("no verdict") };
    assert!(!v.passed);
    assert!(v.scores.iter().all(|s| s.tier.is_none()), "a run that failed a check is not scored");
}

#[test]
fn answers_for_unknown_mids_are_incorrect() {
    let r = run("echo-wrong-mid", json!({}));
    assert_eq!(r.code(), 1);
    assert!(r.failed_checks().contains(&1));
    assert_eq!(r.metric("incorrect"), 40);
    assert_eq!(r.metric("unanswered_puts"), 40);
    assert!(r.first()["incorrect_reasons"]
        .to_string()
        .contains("not outstanding"));
}

#[test]
fn replicas_that_exit_on_their_own_died() {
    let r = run("crash", json!({}));
    assert_eq!(r.code(), 1);
    assert!(r.failed_checks().contains(&2));
    assert_eq!((r.metric("died"), r.metric("killed")), (3, 0));
    assert!(r.first()["died_reasons"]
        .to_string()
        .contains("exited without being killed"));
}

#[test]
fn a_request_before_hello_kills_the_replica() {
    let r = run("nohello", json!({}));
    assert_eq!(r.code(), 1);
    assert!(r.failed_checks().contains(&2));
    assert!(r.metric("died") >= 1);
    assert!(r.first()["died_reasons"]
        .to_string()
        .contains("before its hello"));
}

#[test]
fn replicas_ignoring_sigterm_are_killed_anyway() {
    let started = Instant::now();
    let r = run("stubborn", json!({}));
    assert_eq!(r.code(), 1);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn interrupt_kills_replicas_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), "long", &config(json!({"lifetime": 60})));
    let mut child = kvsim("silent", dir.path(), &[path])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: plain signal delivery to our own child.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(
        std::fs::read_dir(dir.path().join("pids")).unwrap().count(),
        3
    );
    assert_no_leftovers(dir.path());
}

#[test]
fn a_directory_runs_every_config_and_prints_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let configs = dir.path().join("configs");
    std::fs::create_dir(&configs).unwrap();
    write_config(&configs, "b-second", &config(json!({"requests": 10})));
    write_config(&configs, "a-first", &config(json!({"requests": 10})));
    std::fs::write(configs.join("notes.txt"), "ignored").unwrap();
    let r = run_dir("primary", dir.path(), &[configs]);
    assert_eq!(r.code(), 0, "{}", r.stdout());
    let names: Vec<&str> = r
        .summary
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a-first", "b-second"]);
    let stdout = r.stdout();
    let table = &stdout[stdout.find("config ").expect("a closing table")..];
    assert!(table.ends_with("2 of 2 configs passed\n"), "{stdout}");
    // The same table, printed later from the run's JSON summary.
    let saved = Command::new(KVSIM)
        .arg("--from-json")
        .arg(dir.path().join("summary.json"))
        .output()
        .unwrap();
    assert_eq!(saved.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&saved.stdout), table);
}

#[test]
fn usage_and_config_errors_exit_2_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"lifetime": 2}"#).unwrap();
    let good = write_config(dir.path(), "good", &config(json!({})));
    let missing = dir.path().join("missing-summary.json");
    let missing_summary = format!("cannot read {}", missing.display());
    let cases: Vec<(Vec<PathBuf>, &str)> = vec![
        (vec![], "no config given"),
        (vec![bad.clone()], "bad.json"),
        (vec![dir.path().join("missing.json")], "cannot read config"),
        (vec!["--from-json".into(), bad.clone()], "bad.json: not a kvsim --json summary"),
        (vec!["--from-json".into(), missing.clone()], &missing_summary),
        (
            vec!["--replica".into(), dir.path().join("nope"), good],
            "cannot start replica program",
        ),
    ];
    for (args, expected) in cases {
        let out = Command::new(KVSIM)
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

// The graded simulator's clock (../shared/graded-simulator.md, "The simulator's clock").

/// Runs `mode` with `extra` kvsim arguments and a trace; returns the run and its trace lines.
fn traced(mode: &str, overrides: Value, extra: &[&str]) -> (Run, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), mode, &config(overrides));
    let traces = dir.path().join("traces");
    let mut args = vec!["--trace", traces.to_str().unwrap()];
    args.extend_from_slice(extra);
    let run = run_dir_with(mode, dir.path(), &[path], &args);
    let text = std::fs::read_to_string(traces.join(format!("{mode}.0.jsonl"))).unwrap();
    let lines = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (run, lines)
}

/// How late each scheduled request left: its send time less its due time.
fn lateness(trace: &[Value]) -> Vec<f64> {
    trace
        .iter()
        .filter(|l| l["ev"] == "request" && l["due"].is_f64())
        .map(|l| l["t"].as_f64().unwrap() - l["due"].as_f64().unwrap())
        .collect()
}

#[test]
fn a_quiet_cluster_delays_requests_by_up_to_the_quiet_wait() {
    let (run, trace) = traced("silent", json!({}), &[]);
    let late = lateness(&trace);
    assert_eq!(late.len() as u64, run.metric("gets") + run.metric("puts"));
    let max = late.iter().copied().fold(0.0, f64::max);
    assert!(max <= 0.1 + 0.02, "a request left {max} s late");
    // Requests due every 50 ms against passes every 100 ms: many leave tens of ms late.
    let very = late.iter().filter(|&&l| l > 0.02).count();
    assert!(very >= late.len() / 4, "only {very} of {} late by more than 20 ms", late.len());

    let (_, trace) = traced("silent", json!({}), &["--ideal-clock"]);
    let max = lateness(&trace).into_iter().fold(0.0, f64::max);
    assert!(max < 0.01, "the idealised loop sent a request {max} s late");
}

#[test]
fn a_request_due_with_a_kill_goes_to_the_leader_before_it_dies() {
    // One replica that answers everything itself; the kill is due with the last request.
    let (run, trace) = traced(
        "solo",
        json!({"replicas": 1, "requests": 10, "lifetime": 1, "mix": 0,
               "events": [{"type": "kill_leader", "time": 0.9}]}),
        &[],
    );
    assert_eq!(run.metric("killed"), 1);
    assert_eq!((run.metric("unanswered_puts"), run.metric("unanswered_at_killed")), (1, 1));
    let last = trace.iter().rposition(|l| l["ev"] == "request").unwrap();
    let kill = trace
        .iter()
        .position(|l| l["what"].as_str().is_some_and(|w| w.starts_with("kill_leader")))
        .unwrap();
    assert!(last < kill, "the request must go out before the kill");
    let gap = trace[kill]["t"].as_f64().unwrap() - trace[last]["t"].as_f64().unwrap();
    assert!(gap < 0.005, "request and kill fired {gap} s apart, not in one pass");
}

#[test]
fn hop_costs_add_up_along_a_chain_of_hops() {
    // Request, two replica-to-replica hops, answer: four hops of 5 ms each at least.
    let slow = json!({"mix": 0, "requests": 10});
    let (run, _) = traced("chain", slow.clone(), &["--hop-cost-us", "5000"]);
    assert_eq!(run.metric("oks"), 10, "{}", run.stdout());
    let median = run.first()["metrics"]["median_latency"].as_f64().unwrap();
    assert!((0.020..0.035).contains(&median), "median latency {median} s");
    let (run, _) = traced("chain", slow, &["--hop-cost-us", "0"]);
    let median = run.first()["metrics"]["median_latency"].as_f64().unwrap();
    assert!(median < 0.005, "median latency {median} s without a hop cost");
}

#[test]
fn a_trace_records_the_run_its_faults_and_what_the_grader_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), "primary-flawed", &config(json!({"events": [{"type": "part_easy", "time": 0.5}, {"type": "part_end", "time": 1.0}]})));
    let traces = dir.path().join("traces");
    let run = run_dir_with("primary-flawed", dir.path(), &[path], &["--trace", traces.to_str().unwrap()]);
    assert_eq!((run.metric("unanswered_puts"), run.metric("duplicates")), (1, 1), "{}", run.stdout());
    let text = std::fs::read_to_string(traces.join("primary-flawed.0.jsonl")).unwrap();
    let trace = kvtrace::parse(&text);
    assert_eq!(trace.errors, vec![]);
    use kvtrace::{FindingKind, Line};
    let Some(Line::Run(head)) = trace.lines().next() else { panic!("no run line first") };
    assert_eq!((head.config.as_str(), head.replicas.len(), head.seed), ("primary-flawed", 3, 1));
    assert_eq!(head.faults.iter().map(|f| f.kind.name()).collect::<Vec<_>>(), ["part_easy", "part_end"]);
    let faults: Vec<_> = trace.lines().filter_map(|l| if let Line::Fault(f) = l { Some(f) } else { None }).collect();
    assert_eq!(faults.len(), 2);
    assert_eq!((faults[0].kind.name(), faults[0].replicas.len()), ("part_easy", 2), "a majority side of two");
    assert!(faults[0].t >= head.start_wait + 0.5);
    let findings: Vec<_> = trace.lines().filter_map(|l| if let Line::Finding(f) = l { Some(f) } else { None }).collect();
    assert_eq!(findings.iter().map(|f| f.kind).collect::<Vec<_>>(), [FindingKind::Duplicate, FindingKind::Unanswered]);
    // Each finding names a MID the trace shows: the request that carried it, and for the
    // duplicate both of its answers.
    let carried = |mid: &str| trace.lines().filter(|l| matches!(l, Line::Request(r) if r.raw["MID"] == mid)).count();
    let answers = |mid: &str| trace.lines().filter(|l| matches!(l, Line::Msg(m) if m.raw["MID"] == mid)).count();
    let (dup, lost) = (findings[0].mid.as_deref().unwrap(), findings[1].mid.as_deref().unwrap());
    assert_eq!((carried(dup), answers(dup)), (1, 2));
    assert_eq!((carried(lost), answers(lost)), (1, 0));
    assert!(findings[1].detail.contains("sent to 0000"), "{}", findings[1].detail);
    let Some(Line::Verdict(verdict)) = trace.lines().last() else { panic!("no verdict last") };
    assert!(verdict.passed);
    assert_eq!(verdict.checks.len(), 7);
    let dups = verdict.scores.iter().find(|s| s.metric == "duplicates").unwrap();
    assert_eq!((dups.value, dups.tier.as_deref()), (Some(1.0), Some("Partial")), "tiers 0 / 1 / 2");
}

#[test]
fn a_request_sent_round_the_cluster_is_a_redirect_loop_in_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), "runaround", &config(json!({"replicas": 7, "requests": 20})));
    let traces = dir.path().join("traces");
    let run = run_dir_with("runaround", dir.path(), &[path], &["--trace", traces.to_str().unwrap()]);
    let trace = kvtrace::parse(&std::fs::read_to_string(traces.join("runaround.0.jsonl")).unwrap());
    use kvtrace::{FindingKind, Line};
    let loops: Vec<_> = trace.lines().filter_map(|l| match l { Line::Finding(f) if f.kind == FindingKind::RedirectLoop => Some(f), _ => None }).collect();
    assert!(!loops.is_empty(), "{}", run.stdout());
    assert!(run.metric("redirects") >= 5 * loops.len() as u64);
    for f in &loops {
        let key = f.key.as_deref().unwrap();
        // Each lap is a request of the same key: the first handed to a replica just after the
        // finding's time (the client's clock, before the simulator's cost of sending it).
        let laps: Vec<f64> = trace.lines().filter_map(|l| match l { Line::Request(r) if r.raw["key"] == key => Some(r.t), _ => None }).collect();
        assert!(laps.len() >= 6, "{key}: {} requests", laps.len());
        assert!(laps.iter().any(|&t| t >= f.t && t - f.t < 0.01), "{key} first sent at {}", f.t);
        assert!(f.detail.contains("redirected"), "{}", f.detail);
    }
}
