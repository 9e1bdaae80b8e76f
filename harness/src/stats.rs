//! Counters gathered during a run, the seven pass/fail checks and the benchmark tiers.

use crate::config::{Benchmarks, Config};
use kvtrace::{Finding, FindingKind};
use serde::Serialize;
use std::collections::BTreeMap;

/// Keeps reports readable when a replica floods the simulator with bad messages.
const MAX_REASONS: usize = 20;

#[derive(Debug, Default, Clone, Serialize)]
pub struct Counters {
    /// Replica→replica datagrams, as scored.
    pub total_msgs: u64,
    /// The same count split by the message's `type` field.
    pub msgs_by_type: BTreeMap<String, u64>,
    pub delivered: u64,
    pub dropped: u64,
    pub partitioned: u64,
    pub to_dead: u64,
    /// Replica→client datagrams (never scored).
    pub to_clients: u64,
    pub gets: u64,
    pub puts: u64,
    pub get_generation_failures: u64,
    pub oks: u64,
    pub fails: u64,
    pub redirects: u64,
    pub duplicates: u64,
    pub unanswered_gets: u64,
    pub unanswered_puts: u64,
    /// Unanswered requests whose last copy went to a replica that an event killed.
    pub unanswered_at_killed: u64,
    /// The longest time, in seconds of client traffic, the simulator saw no live leader.
    pub longest_leaderless: f64,
    pub incorrect: u64,
    pub died: u64,
    pub killed: u64,
    pub acked_keys: u64,
    #[serde(skip)]
    pub latencies: Vec<f64>,
    /// Why messages were counted incorrect and why replicas died (the first few of each).
    pub incorrect_reasons: Vec<String>,
    pub died_reasons: Vec<String>,
    /// Every incorrect answer and duplicate, where and why, for a trace (the unanswered
    /// requests are found at the end, from the clients).
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

impl Counters {
    /// Counts an incorrect answer or message, and keeps it as a finding.
    pub fn incorrect(&mut self, finding: Finding) {
        self.incorrect += 1;
        if self.incorrect_reasons.len() < MAX_REASONS {
            self.incorrect_reasons.push(finding.detail.clone());
        }
        self.findings.push(finding);
    }

    /// Counts a second answer to a MID, and keeps it as a finding.
    pub fn duplicate(&mut self, finding: Finding) {
        self.duplicates += 1;
        self.findings.push(finding);
    }

    pub fn died(&mut self, why: impl Into<String>) {
        self.died += 1;
        self.died_reasons.push(why.into());
    }

    /// Fail responses plus requests never answered with ok; redirects are not failures.
    pub fn failures(&self) -> u64 {
        self.fails + self.unanswered_gets + self.unanswered_puts
    }

    pub fn median_latency(&self) -> Option<f64> {
        let sorted = self.sorted_latencies();
        sorted.get(sorted.len() / 2).copied()
    }

    pub fn p99_latency(&self) -> Option<f64> {
        let sorted = self.sorted_latencies();
        let rank = ((sorted.len() as f64) * 0.99).ceil() as usize;
        sorted.get(rank.saturating_sub(1)).copied()
    }

    fn sorted_latencies(&self) -> Vec<f64> {
        let mut v = self.latencies.clone();
        v.sort_by(f64::total_cmp);
        v
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Check {
    pub number: u8,
    pub name: &'static str,
    pub passed: bool,
    pub detail: String,
}

/// The seven checks, in the simulator's order. All must pass before metrics are scored.
pub fn checks(config: &Config, c: &Counters) -> Vec<Check> {
    let mut out = Vec::new();
    let mut check = |name, passed, detail: String| {
        out.push(Check {
            number: out.len() as u8 + 1,
            name,
            passed,
            detail,
        });
    };
    check(
        "no incorrect responses",
        c.incorrect == 0,
        format!("{} incorrect", c.incorrect),
    );
    check("no replica died", c.died == 0, format!("{} died", c.died));
    check(
        "some key acknowledged",
        c.acked_keys > 0,
        format!("{} keys acknowledged", c.acked_keys),
    );
    check(
        "unanswered gets <= 50%",
        within(c.unanswered_gets, c.gets, 0.5),
        format!("{} of {} gets unanswered", c.unanswered_gets, c.gets),
    );
    check(
        "unanswered puts <= 50%",
        within(c.unanswered_puts, c.puts, 0.5),
        format!("{} of {} puts unanswered", c.unanswered_puts, c.puts),
    );
    let bound = config.max_get_generation_fail_fraction;
    check(
        "failed-to-generate gets within bound",
        within(c.get_generation_failures, c.gets, bound),
        format!(
            "{} failed to generate against {} gets (bound {:.0}%)",
            c.get_generation_failures,
            c.gets,
            bound * 100.0
        ),
    );
    let floor = traffic_floor(config);
    check(
        "replica traffic above floor",
        c.total_msgs as f64 >= floor,
        format!("{} messages, floor {floor:.0}", c.total_msgs),
    );
    out
}

fn within(part: u64, whole: u64, fraction: f64) -> bool {
    part as f64 <= whole as f64 * fraction
}

/// Check 7: replication cannot be skipped.
pub fn traffic_floor(config: &Config) -> f64 {
    config.requests as f64 * config.replicas as f64 * (1.0 - config.mix) * 0.5
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Tier {
    Bonus,
    Full,
    Partial,
    None,
}

impl Tier {
    /// Strict comparisons: a tier line of 0 cannot be beaten.
    pub fn of(value: f64, [bonus, full, partial]: [f64; 3]) -> Tier {
        if value < bonus {
            Tier::Bonus
        } else if value < full {
            Tier::Full
        } else if value < partial {
            Tier::Partial
        } else {
            Tier::None
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Score {
    pub metric: &'static str,
    pub value: Option<f64>,
    pub tiers: [f64; 3],
    pub tier: Tier,
}

pub fn scores(b: &Benchmarks, c: &Counters) -> Vec<Score> {
    [
        ("total_msgs", Some(c.total_msgs as f64), b.total_msgs),
        ("failures", Some(c.failures() as f64), b.failures),
        ("duplicates", Some(c.duplicates as f64), b.duplicates),
        ("median_latency", c.median_latency(), b.median_latency),
    ]
    .into_iter()
    .map(|(metric, value, tiers)| Score {
        metric,
        value,
        tiers,
        tier: value.map_or(Tier::None, |v| Tier::of(v, tiers)),
    })
    .collect()
}

/// A finding of `kind` at `t` that names no request (the caller adds what it knows).
pub fn finding(t: f64, kind: FindingKind, detail: String) -> Finding {
    Finding { t, kind, mid: None, client: None, key: None, detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::parse(
            "t",
            r#"{"lifetime": 30, "replicas": 5, "requests": 500, "mix": 0.2,
            "tests": {"benchmarks": {"total_msgs": [2200,4000,5000], "failures": [0,1,2],
            "duplicates": [0,2,5], "median_latency": [0.001, 0.005, 0.05]}}}"#,
        )
        .unwrap()
    }

    fn healthy() -> Counters {
        Counters {
            total_msgs: 1000,
            gets: 100,
            puts: 400,
            acked_keys: 50,
            latencies: vec![0.003, 0.001, 0.002],
            ..Counters::default()
        }
    }

    fn failed(c: &Counters) -> Vec<u8> {
        checks(&config(), c)
            .iter()
            .filter(|k| !k.passed)
            .map(|k| k.number)
            .collect()
    }

    #[test]
    fn healthy_run_passes_every_check() {
        assert!(failed(&healthy()).is_empty());
    }

    #[test]
    fn each_check_fails_on_its_own_counter() {
        type Spoil = fn(&mut Counters);
        let cases: [(u8, Spoil); 7] = [
            (1, |c| c.incorrect(finding(1.0, FindingKind::Incorrect, "bad".into()))),
            (2, |c| c.died("gone")),
            (3, |c| c.acked_keys = 0),
            (4, |c| c.unanswered_gets = 51),
            (5, |c| c.unanswered_puts = 201),
            (6, |c| c.get_generation_failures = 11),
            (7, |c| c.total_msgs = 999),
        ];
        for (number, spoil) in cases {
            let mut c = healthy();
            spoil(&mut c);
            assert_eq!(failed(&c), vec![number]);
        }
    }

    #[test]
    fn bounds_are_inclusive() {
        let mut c = healthy();
        c.unanswered_gets = 50;
        c.unanswered_puts = 200;
        c.get_generation_failures = 10;
        assert!(failed(&c).is_empty());
        assert_eq!(traffic_floor(&config()), 1000.0);
    }

    #[test]
    fn tiers_use_strict_comparisons() {
        let t = [0.0, 1.0, 2.0];
        assert_eq!(Tier::of(0.0, t), Tier::Full);
        assert_eq!(Tier::of(1.0, t), Tier::Partial);
        assert_eq!(Tier::of(2.0, t), Tier::None);
        assert_eq!(Tier::of(2199.0, [2200.0, 4000.0, 5000.0]), Tier::Bonus);
        assert_eq!(Tier::of(2200.0, [2200.0, 4000.0, 5000.0]), Tier::Full);
    }

    #[test]
    fn latency_statistics() {
        let mut c = healthy();
        assert_eq!(c.median_latency(), Some(0.002));
        c.latencies = (1..=100).map(|i| i as f64).collect();
        assert_eq!(c.median_latency(), Some(51.0));
        assert_eq!(c.p99_latency(), Some(99.0));
        c.latencies.clear();
        assert_eq!(c.median_latency(), None);
        let s = scores(&config().benchmarks, &c);
        assert_eq!(s[3].tier, Tier::None);
    }

    #[test]
    fn failures_add_fails_and_unanswered_but_not_redirects() {
        let c = Counters {
            fails: 2,
            redirects: 9,
            unanswered_gets: 1,
            unanswered_puts: 3,
            ..healthy()
        };
        assert_eq!(c.failures(), 6);
        let s = scores(&config().benchmarks, &c);
        assert_eq!((s[1].value, s[1].tier), (Some(6.0), Tier::None));
        assert_eq!((s[0].value, s[0].tier), (Some(1000.0), Tier::Bonus));
    }
}
