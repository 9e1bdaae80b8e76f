//! Test configurations: the JSON schema of the course's config files.

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// Seconds before the first client request when a config names none.
pub const DEFAULT_START_WAIT: f64 = 5.0;
/// Seconds of quiet after the last request before the run is graded.
pub const DEFAULT_END_WAIT: f64 = 2.0;
/// Share of gets asked when a config gives no `mix`.
pub const DEFAULT_MIX: f64 = 0.8;
/// Check 6's default bound on gets that could not be generated.
pub const DEFAULT_GET_GENERATION_FAIL_FRACTION: f64 = 0.1;

/// A fault a config schedules: the trace format's own kinds, named as configs name them.
pub use kvtrace::FaultKind as EventKind;

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// Seconds after client traffic starts.
    pub time: f64,
}

/// Tier lines `[bonus, full, partial]` of each scored metric.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct Benchmarks {
    pub total_msgs: [f64; 3],
    pub failures: [f64; 3],
    pub duplicates: [f64; 3],
    pub median_latency: [f64; 3],
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Tests {
    pub benchmarks: Benchmarks,
    /// The bound of check 6. The graded simulator reads it only here: a copy at the top level
    /// of a config is ignored, as it is there.
    #[serde(default)]
    pub maximum_get_generation_fail_fraction: Option<f64>,
}

/// The raw file as written; [`Config::load`] turns it into a checked [`Config`].
#[derive(Debug, Deserialize)]
struct RawConfig {
    lifetime: f64,
    replicas: usize,
    requests: usize,
    #[serde(default)]
    mix: Option<f64>,
    #[serde(default)]
    drops: Option<f64>,
    #[serde(default)]
    start_wait: Option<f64>,
    #[serde(default)]
    end_wait: Option<f64>,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    events: Vec<Event>,
    tests: Tests,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// File stem, used in reports.
    pub name: String,
    pub lifetime: f64,
    pub replicas: usize,
    pub requests: usize,
    pub mix: f64,
    pub drops: f64,
    pub start_wait: f64,
    pub end_wait: f64,
    pub seed: Option<u64>,
    pub events: Vec<Event>,
    pub benchmarks: Benchmarks,
    pub max_get_generation_fail_fraction: f64,
}

#[derive(Debug)]
pub enum ConfigError {
    Read(PathBuf, std::io::Error),
    Parse(PathBuf, serde_json::Error),
    Invalid(PathBuf, String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read(p, e) => write!(f, "cannot read config {}: {e}", p.display()),
            ConfigError::Parse(p, e) => write!(f, "config {} is not valid: {e}", p.display()),
            ConfigError::Invalid(p, why) => write!(f, "config {}: {why}", p.display()),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.to_owned(), e))?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        Config::parse(&name, &text).map_err(|e| match e {
            ConfigError::Parse(_, e) => ConfigError::Parse(path.to_owned(), e),
            ConfigError::Invalid(_, why) => ConfigError::Invalid(path.to_owned(), why),
            other => other,
        })
    }

    pub fn parse(name: &str, text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig =
            serde_json::from_str(text).map_err(|e| ConfigError::Parse(name.into(), e))?;
        let invalid = |why: String| ConfigError::Invalid(name.into(), why);
        let fraction = |what: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(v)
            } else {
                Err(invalid(format!(
                    "`{what}` must be between 0 and 1, got {v}"
                )))
            }
        };
        let seconds = |what: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(v)
            } else {
                Err(invalid(format!(
                    "`{what}` must be a non-negative number of seconds, got {v}"
                )))
            }
        };
        if raw.replicas == 0 || raw.replicas > 0xFFFF - 32 {
            return Err(invalid(format!(
                "`replicas` must be at least 1, got {}",
                raw.replicas
            )));
        }
        if !(raw.lifetime.is_finite() && raw.lifetime > 0.0) {
            return Err(invalid(format!(
                "`lifetime` must be positive, got {}",
                raw.lifetime
            )));
        }
        for e in &raw.events {
            seconds(&format!("{} time", e.kind), e.time)?;
        }
        let b = &raw.tests.benchmarks;
        for (metric, tiers) in [
            ("total_msgs", b.total_msgs),
            ("failures", b.failures),
            ("duplicates", b.duplicates),
            ("median_latency", b.median_latency),
        ] {
            if tiers.iter().any(|t| !t.is_finite()) {
                return Err(invalid(format!(
                    "benchmark `{metric}` has a non-finite tier"
                )));
            }
        }
        let max_gen = raw
            .tests
            .maximum_get_generation_fail_fraction
            .unwrap_or(DEFAULT_GET_GENERATION_FAIL_FRACTION);
        Ok(Config {
            name: name.to_owned(),
            lifetime: raw.lifetime,
            replicas: raw.replicas,
            requests: raw.requests,
            mix: fraction("mix", raw.mix.unwrap_or(DEFAULT_MIX))?,
            drops: fraction("drops", raw.drops.unwrap_or(0.0))?,
            start_wait: seconds(
                "start_wait",
                raw.start_wait.unwrap_or(DEFAULT_START_WAIT),
            )?,
            end_wait: seconds("end_wait", raw.end_wait.unwrap_or(DEFAULT_END_WAIT))?,
            seed: raw.seed,
            events: raw.events,
            benchmarks: raw.tests.benchmarks,
            max_get_generation_fail_fraction: fraction(
                "maximum_get_generation_fail_fraction",
                max_gen,
            )?,
        })
    }

    /// Total wall time of one run: start wait, client traffic, end wait.
    pub fn duration(&self) -> f64 {
        self.start_wait + self.lifetime + self.end_wait
    }
}

/// Expands the command-line arguments into config files: a directory means its `*.json`, sorted.
pub fn collect_paths(args: &[PathBuf]) -> Result<Vec<PathBuf>, ConfigError> {
    let mut out = Vec::new();
    for arg in args {
        if arg.is_dir() {
            let entries = std::fs::read_dir(arg).map_err(|e| ConfigError::Read(arg.clone(), e))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
                .collect();
            if found.is_empty() {
                return Err(ConfigError::Invalid(
                    arg.clone(),
                    "no *.json configs in this directory".into(),
                ));
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(arg.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{"lifetime": 30, "replicas": 5, "requests": 500,
        "tests": {"benchmarks": {"total_msgs": [1,2,3], "failures": [0,1,2],
        "duplicates": [0,2,5], "median_latency": [0.001, 0.005, 0.05]}}}"#;

    #[test]
    fn defaults_follow_the_graded_simulator() {
        let c = Config::parse("t", MINIMAL).unwrap();
        assert_eq!(c.mix, 0.8);
        assert_eq!(c.drops, 0.0);
        assert_eq!(c.start_wait, 5.0);
        assert_eq!(c.end_wait, 2.0);
        assert_eq!(c.max_get_generation_fail_fraction, 0.1);
        assert_eq!(c.duration(), 37.0);
    }

    #[test]
    fn keys_the_graded_simulator_does_not_read_are_ignored() {
        // A `wait` key and a check-6 bound at the top level change nothing there.
        let text = MINIMAL.replacen(
            '{',
            r#"{"wait": 1.5, "maximum_get_generation_fail_fraction": 0.2, "#,
            1,
        );
        let c = Config::parse("t", &text).unwrap();
        assert_eq!(c.start_wait, 5.0);
        assert_eq!(c.max_get_generation_fail_fraction, 0.1);
        let text = MINIMAL.replacen(
            r#""benchmarks""#,
            r#""maximum_get_generation_fail_fraction": 0.2, "benchmarks""#,
            1,
        );
        let c = Config::parse("t", &text).unwrap();
        assert_eq!(c.max_get_generation_fail_fraction, 0.2);
    }

    #[test]
    fn bad_values_are_reported_not_accepted() {
        let text = MINIMAL.replacen('{', r#"{"drops": 1.5, "#, 1);
        let err = Config::parse("t", &text).unwrap_err().to_string();
        assert!(err.contains("drops"), "{err}");
        let text = MINIMAL.replacen('{', r#"{"events": [{"type": "explode", "time": 1}], "#, 1);
        assert!(matches!(
            Config::parse("t", &text),
            Err(ConfigError::Parse(..))
        ));
        assert!(matches!(
            Config::parse("t", "{}"),
            Err(ConfigError::Parse(..))
        ));
    }
}
