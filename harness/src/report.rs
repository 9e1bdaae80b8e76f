//! Human-readable reports, the JSON summary of a run and the sum of a series of runs.

use crate::sim::Outcome;
use crate::stats::{Score, Tier};
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// How many recorded reasons to show per kind of problem.
const SHOWN_REASONS: usize = 5;

pub(crate) fn ms(seconds: Option<f64>) -> String {
    seconds.map_or_else(|| "n/a".to_owned(), |s| format!("{:.3} ms", s * 1000.0))
}

fn tier_name(t: Tier) -> &'static str {
    match t {
        Tier::Bonus => "Bonus",
        Tier::Full => "Full",
        Tier::Partial => "Partial",
        Tier::None => "None",
    }
}

fn show_value(s: &Score) -> String {
    match (s.metric, s.value) {
        ("median_latency", v) => ms(v),
        (_, Some(v)) => format!("{v}"),
        (_, None) => "n/a".to_owned(),
    }
}

fn show_tiers(s: &Score) -> String {
    let t = s.tiers;
    if s.metric == "median_latency" {
        format!(
            "{} / {} / {}",
            ms(Some(t[0])),
            ms(Some(t[1])),
            ms(Some(t[2]))
        )
    } else {
        format!("{} / {} / {}", t[0], t[1], t[2])
    }
}

/// The full report of one run.
pub fn text(o: &Outcome) -> String {
    let c = &o.counters;
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "== {} (harness seed {}) ==", o.name, o.seed);
    let _ = writeln!(w, "Statistics");
    let mut stat = |label: &str, value: String| {
        let _ = writeln!(w, "  {label:<36} {value}");
    };
    stat(
        "total messages (replica-to-replica)",
        c.total_msgs.to_string(),
    );
    stat(
        "  delivered/dropped/cut/to dead",
        format!(
            "{} / {} / {} / {}",
            c.delivered, c.dropped, c.partitioned, c.to_dead
        ),
    );
    if !c.msgs_by_type.is_empty() {
        let kinds: Vec<String> = c
            .msgs_by_type
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        stat("  by type", kinds.join(", "));
    }
    stat(
        "messages to clients (not counted)",
        c.to_clients.to_string(),
    );
    stat("gets / puts generated", format!("{} / {}", c.gets, c.puts));
    stat(
        "oks / fails / redirects",
        format!("{} / {} / {}", c.oks, c.fails, c.redirects),
    );
    stat("failures (fails + unanswered)", c.failures().to_string());
    stat("duplicates", c.duplicates.to_string());
    stat(
        "unanswered gets / puts",
        format!("{} / {}", c.unanswered_gets, c.unanswered_puts),
    );
    stat(
        "  of them sent to a killed replica",
        c.unanswered_at_killed.to_string(),
    );
    stat(
        "failed-to-generate gets",
        c.get_generation_failures.to_string(),
    );
    stat("acknowledged keys", c.acked_keys.to_string());
    stat("median latency", ms(c.median_latency()));
    stat("p99 latency", ms(c.p99_latency()));
    stat(
        "longest time without a leader",
        format!("{:.3} s", c.longest_leaderless),
    );
    stat("incorrect responses", c.incorrect.to_string());
    stat(
        "died replicas",
        format!("{} (killed by events: {})", c.died, c.killed),
    );
    for (label, reasons, total) in [
        ("incorrect", &c.incorrect_reasons, c.incorrect as usize),
        ("died", &c.died_reasons, c.died as usize),
    ] {
        for r in reasons.iter().take(SHOWN_REASONS) {
            let _ = writeln!(w, "    {label}: {r}");
        }
        if total > SHOWN_REASONS {
            let _ = writeln!(w, "    ... {} more {label}", total - SHOWN_REASONS);
        }
    }
    let _ = writeln!(w, "Correctness checks");
    for k in &o.checks {
        let mark = if k.passed { "PASS" } else { "FAIL" };
        let _ = writeln!(w, "  [{mark}] {}. {}: {}", k.number, k.name, k.detail);
    }
    if o.passed() {
        let _ = writeln!(w, "Performance (tiers: Bonus < a, Full < b, Partial < c)");
        for s in &o.scores {
            let _ = writeln!(
                w,
                "  {:<15} {:>12}   tiers {:<30} {}",
                s.metric,
                show_value(s),
                show_tiers(s),
                tier_name(s.tier)
            );
        }
        let _ = writeln!(w, "Result: PASSED");
    } else {
        let failed: Vec<String> = o
            .checks
            .iter()
            .filter(|k| !k.passed)
            .map(|k| k.number.to_string())
            .collect();
        let _ = writeln!(
            w,
            "Result: FAILED (check {}); performance not scored",
            failed.join(", ")
        );
    }
    out
}

/// The names of the configs that ran, each once, in the order they first ran.
fn config_names(outcomes: &[Outcome]) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for o in outcomes {
        if !names.contains(&o.name.as_str()) {
            names.push(&o.name);
        }
    }
    names
}

/// For configs run several times (`--runs`): one line each that sums up its runs, in the
/// order the configs first ran.
pub fn series(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for name in config_names(outcomes) {
        let runs: Vec<&Outcome> = outcomes.iter().filter(|o| o.name == name).collect();
        let passed = runs.iter().filter(|o| o.passed()).count();
        let msgs: Vec<u64> = runs.iter().map(|o| o.counters.total_msgs).collect();
        let failing = runs.iter().filter(|o| o.counters.failures() > 0).count();
        let failures: u64 = runs.iter().map(|o| o.counters.failures()).sum();
        let duplicates: u64 = runs.iter().map(|o| o.counters.duplicates).sum();
        let incorrect: u64 = runs.iter().map(|o| o.counters.incorrect).sum();
        let medians: Vec<f64> = runs.iter().filter_map(|o| o.counters.median_latency()).collect();
        let (lo, hi) = medians.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), &m| (lo.min(m), hi.max(m)));
        let median_range = if medians.is_empty() { "n/a".to_owned() } else { format!("{:.2}-{:.2} ms", lo * 1000.0, hi * 1000.0) };
        let _ = writeln!(
            out,
            "{name}: {} runs, {passed} passed; total_msgs {}-{}; failures in {failing} of them ({failures} in all); \
             {incorrect} incorrect; {duplicates} duplicates; median latency {median_range}",
            runs.len(),
            msgs.iter().min().unwrap_or(&0),
            msgs.iter().max().unwrap_or(&0),
        );
    }
    out
}

/// A score's tier, if the run was scored: only when every check passed.
fn scored_tier(o: &Outcome, s: &Score) -> Option<&'static str> {
    o.passed().then(|| tier_name(s.tier))
}

/// The grade as a trace's last line records it, at `t`.
pub fn verdict(t: f64, o: &Outcome) -> kvtrace::Verdict {
    kvtrace::Verdict {
        t,
        passed: o.passed(),
        checks: o
            .checks
            .iter()
            .map(|c| kvtrace::Check { number: c.number, name: c.name.into(), passed: c.passed, detail: c.detail.clone() })
            .collect(),
        scores: o
            .scores
            .iter()
            .map(|s| kvtrace::Score { metric: s.metric.into(), value: s.value, tiers: s.tiers, tier: scored_tier(o, s).map(str::to_owned) })
            .collect(),
    }
}

/// Machine-readable summary of one run. Tiers are null when the checks failed (not scored).
pub fn json(o: &Outcome) -> Value {
    let c = &o.counters;
    let mut metrics = match serde_json::to_value(c) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    metrics.remove("incorrect_reasons");
    metrics.remove("died_reasons");
    metrics.insert("failures".into(), c.failures().into());
    metrics.insert("median_latency".into(), json!(c.median_latency()));
    metrics.insert("p99_latency".into(), json!(c.p99_latency()));
    let tiers: Map<String, Value> = o
        .scores
        .iter()
        .map(|s| (s.metric.to_owned(), json!(scored_tier(o, s))))
        .collect();
    let benchmarks: Map<String, Value> = o
        .scores
        .iter()
        .map(|s| (s.metric.to_owned(), json!(s.tiers)))
        .collect();
    let failed: Vec<Value> = o
        .checks
        .iter()
        .filter(|k| !k.passed)
        .map(|k| json!({"check": k.number, "name": k.name, "reason": k.detail}))
        .collect();
    json!({
        "name": o.name,
        "seed": o.seed,
        "passed": o.passed(),
        "metrics": metrics,
        "tiers": tiers,
        "benchmarks": benchmarks,
        "failed_checks": failed,
        "incorrect_reasons": c.incorrect_reasons,
        "died_reasons": c.died_reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::stats::{self, Counters};
    use crate::table::{table, Style};

    fn outcome(c: Counters) -> Outcome {
        let config = Config::parse(
            "demo",
            r#"{"lifetime": 30, "replicas": 5, "requests": 100, "mix": 0.2,
            "tests": {"benchmarks": {"total_msgs": [300,400,500], "failures": [0,1,2],
            "duplicates": [0,2,5], "median_latency": [0.001, 0.005, 0.05]}}}"#,
        )
        .unwrap();
        Outcome {
            name: config.name.clone(),
            seed: 9,
            checks: stats::checks(&config, &c),
            scores: stats::scores(&config.benchmarks, &c),
            counters: c,
        }
    }

    fn good() -> Counters {
        Counters {
            total_msgs: 250,
            gets: 20,
            puts: 80,
            acked_keys: 30,
            latencies: vec![0.0008],
            ..Counters::default()
        }
    }

    #[test]
    fn passing_run_shows_tiers() {
        let o = outcome(good());
        let t = text(&o);
        assert!(t.contains("Result: PASSED"), "{t}");
        assert!(t.contains("Bonus"), "{t}");
        let j = json(&o);
        assert_eq!(j["passed"], true);
        assert_eq!(j["tiers"]["total_msgs"], "Bonus");
        assert_eq!(j["tiers"]["failures"], "Full");
        assert_eq!(j["metrics"]["total_msgs"], 250);
        assert_eq!(j["failed_checks"].as_array().unwrap().len(), 0);
    }

    #[test]
    fn series_sums_up_the_runs_of_each_config() {
        let mut slow = good();
        slow.total_msgs = 280;
        slow.unanswered_puts = 2;
        slow.duplicates = 1;
        slow.latencies = vec![0.0021];
        let runs = [outcome(good()), outcome(slow)];
        let summaries: Vec<Value> = runs.iter().map(json).collect();
        assert!(table(&summaries, Style::Plain).unwrap().contains("2 of 2 runs passed"));
        let line = series(&runs);
        assert_eq!(
            line,
            "demo: 2 runs, 2 passed; total_msgs 250-280; failures in 1 of them (2 in all); \
             0 incorrect; 1 duplicates; median latency 0.80-2.10 ms\n"
        );
    }

    #[test]
    fn failing_run_names_checks_and_hides_tiers() {
        let mut c = good();
        c.incorrect(crate::stats::finding(1.0, kvtrace::FindingKind::Incorrect, "0001 sent an invalid message".into()));
        let o = outcome(c);
        let t = text(&o);
        assert!(t.contains("FAILED (check 1)"), "{t}");
        assert!(t.contains("incorrect: 0001 sent an invalid message"), "{t}");
        assert!(!t.contains("Bonus"), "{t}");
        let j = json(&o);
        assert_eq!(j["tiers"]["total_msgs"], Value::Null);
        assert_eq!(j["failed_checks"][0]["check"], 1);
        let table = table(&[j], Style::Plain).unwrap();
        assert!(table.contains("demo") && table.contains("FAIL"), "{table}");
        assert!(table.contains("0 of 1 configs passed"), "{table}");
    }
}
