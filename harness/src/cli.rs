//! Command-line arguments of `kvsim`.

use crate::clock::{Clock, DEFAULT_HOP_COST};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "\
usage: kvsim [--replica PATH] [--seed N] [--runs N] [--json FILE] [--trace DIR] [--quiet]
             [--markdown] [--hop-cost-us N | --ideal-clock] CONFIG.json|DIR ...
       kvsim [--markdown] --from-json FILE ...
       kvsim --view TRACE [--port N] [--app DIR]

Runs the replicated key-value store simulator on each config (a directory means
every *.json in it, sorted) and grades the replicas like the course's simulator.

options:
  -r, --replica PATH  replica program to start (default ./3700kvstore)
      --seed N        seed for the simulator's own choices (overrides the config's)
      --runs N        run each config N times (default 1); with a seed, run i uses
                      seed + i; then sums up each config's runs
      --json FILE     also write a JSON summary of every run to FILE
      --trace DIR     write each run to DIR/<config>.<run>.jsonl: every datagram,
                      request, fault and finding (harness/README.md, Traces); the
                      browser app shows it (kvsim --view)
      --hop-cost-us N the busy time the simulator spends on each datagram it routes
                      and each request it sends, in microseconds (default 125)
      --ideal-clock   an idealised loop instead of the graded simulator's: wake
                      exactly when something is due, read sockets in bursts, no
                      cost per hop (kinder than the judge)
      --markdown      print the closing table (one line per run) as Markdown, and
                      print it after a single run too
      --from-json FILE  run nothing: print the closing table of the runs a --json
                      FILE recorded (repeatable; the files' runs in order)
      --view TRACE    run nothing: serve the browser app and the trace TRACE on
                      127.0.0.1 and print the address that opens it (until Ctrl-C)
      --port N        the port --view listens on (default 8090; 0: any free one)
      --app DIR       the built browser app --view serves (default dist, which
                      `make web` builds)
  -q, --quiet         silence replica output and the event log
  -h, --help          show this help

exit status: 0 if every config passed every check, 1 if any failed,
2 for bad usage, unreadable configs or summaries, replicas that cannot be started, or
(--view) a folder without the app, a file that is not a trace or a port in use";

/// The port `--view` listens on unless told: beside `trunk serve`'s 8080.
pub const DEFAULT_VIEW_PORT: u16 = 8090;

#[derive(Debug, Clone, PartialEq)]
pub struct Args {
    pub replica: PathBuf,
    pub seed: Option<u64>,
    /// How many times each config runs.
    pub runs: u32,
    pub json: Option<PathBuf>,
    pub trace: Option<PathBuf>,
    pub quiet: bool,
    /// The closing table in Markdown, printed even after one run.
    pub markdown: bool,
    pub clock: Clock,
    pub configs: Vec<PathBuf>,
}

#[derive(Debug, PartialEq)]
pub enum Parsed {
    Run(Args),
    /// Print the closing table of saved JSON summaries.
    Table { markdown: bool, summaries: Vec<PathBuf> },
    /// Serve the browser app and one trace.
    View { trace: PathBuf, port: u16, app: PathBuf },
    Help,
}

pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Parsed, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut out = Args {
        replica: PathBuf::from("./3700kvstore"),
        seed: None,
        runs: 1,
        json: None,
        trace: None,
        quiet: false,
        markdown: false,
        clock: Clock::default(),
        configs: Vec::new(),
    };
    let mut summaries = Vec::new();
    let (mut hop_cost, mut ideal) = (None, false);
    let (mut view, mut port, mut app): (Option<PathBuf>, Option<u16>, Option<PathBuf>) = (None, None, None);
    let err = |e: lexopt::Error| e.to_string();
    // Options that only a run (or a table) reads: --view refuses them rather than ignore them.
    let mut run_options = Vec::new();
    while let Some(arg) = parser.next().map_err(err)? {
        match &arg {
            Long(name @ ("replica" | "seed" | "runs" | "json" | "trace" | "quiet" | "markdown" | "hop-cost-us" | "ideal-clock" | "from-json")) => {
                run_options.push(format!("--{name}"))
            }
            Short(c @ ('r' | 'q')) => run_options.push(format!("-{c}")),
            _ => {}
        }
        match arg {
            Short('r') | Long("replica") => out.replica = parser.value().map_err(err)?.into(),
            Long("seed") => out.seed = Some(parser.value().map_err(err)?.parse().map_err(err)?),
            Long("runs") => out.runs = parser.value().map_err(err)?.parse().map_err(err)?,
            Long("json") => out.json = Some(parser.value().map_err(err)?.into()),
            Long("trace") => out.trace = Some(parser.value().map_err(err)?.into()),
            Short('q') | Long("quiet") => out.quiet = true,
            Long("markdown") => out.markdown = true,
            Long("hop-cost-us") => {
                let us: u64 = parser.value().map_err(err)?.parse().map_err(err)?;
                hop_cost = Some(Duration::from_micros(us));
            }
            Long("ideal-clock") => ideal = true,
            Long("from-json") => summaries.push(parser.value().map_err(err)?.into()),
            Long("view") if view.is_some() => return Err("--view serves one trace: give it once".into()),
            Long("view") => view = Some(parser.value().map_err(err)?.into()),
            Long("port") => port = Some(parser.value().map_err(err)?.parse().map_err(err)?),
            Long("app") => app = Some(parser.value().map_err(err)?.into()),
            Short('h') | Long("help") => return Ok(Parsed::Help),
            Value(path) => out.configs.push(path.into()),
            other => return Err(other.unexpected().to_string()),
        }
    }
    if let Some(trace) = view {
        if !out.configs.is_empty() {
            return Err("--view runs nothing: give it one trace and no configs".into());
        }
        if let Some(option) = run_options.first() {
            return Err(format!("--view runs nothing: {option} does not go with it (only --port and --app do)"));
        }
        return Ok(Parsed::View { trace, port: port.unwrap_or(DEFAULT_VIEW_PORT), app: app.unwrap_or_else(|| "dist".into()) });
    }
    if port.is_some() || app.is_some() {
        return Err("--port and --app go with --view".into());
    }
    if !summaries.is_empty() {
        if !out.configs.is_empty() {
            return Err("--from-json runs nothing: give it no configs".into());
        }
        return Ok(Parsed::Table { markdown: out.markdown, summaries });
    }
    if out.configs.is_empty() {
        return Err("no config given".into());
    }
    out.clock = match (ideal, hop_cost) {
        (true, Some(_)) => return Err("--ideal-clock has no hop cost: give one or the other".into()),
        (true, None) => Clock::Ideal,
        (false, cost) => Clock::Graded { hop_cost: cost.unwrap_or(DEFAULT_HOP_COST) },
    };
    if out.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    Ok(Parsed::Run(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Parsed, String> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn full_command_line() {
        let Parsed::Run(a) = parse_str(&[
            "--replica",
            "x/kv",
            "--seed",
            "42",
            "--runs",
            "3",
            "--json",
            "o.json",
            "--trace",
            "traces",
            "-q",
            "--markdown",
            "--hop-cost-us",
            "300",
            "a.json",
            "dir",
        ])
        .unwrap() else {
            panic!("expected a run");
        };
        assert_eq!(a.replica, PathBuf::from("x/kv"));
        assert_eq!((a.seed, a.runs, a.quiet, a.markdown), (Some(42), 3, true, true));
        assert_eq!(a.json, Some(PathBuf::from("o.json")));
        assert_eq!(a.trace, Some(PathBuf::from("traces")));
        assert_eq!(a.clock, Clock::Graded { hop_cost: Duration::from_micros(300) });
        assert_eq!(a.configs, [PathBuf::from("a.json"), PathBuf::from("dir")]);
    }

    #[test]
    fn errors() {
        assert!(parse_str(&[]).is_err());
        assert!(parse_str(&["--seed", "x", "a.json"]).is_err());
        assert!(parse_str(&["--bogus", "a.json"]).is_err());
        assert!(parse_str(&["--runs", "0", "a.json"]).is_err());
        assert!(parse_str(&["--runs", "-1", "a.json"]).is_err());
        assert_eq!(parse_str(&["-h"]), Ok(Parsed::Help));
        assert!(parse_str(&["--from-json", "s.json", "a.json"]).is_err());
        assert!(parse_str(&["--from-json"]).is_err());
        assert!(parse_str(&["--ideal-clock", "--hop-cost-us", "5", "a.json"]).is_err());
        assert!(parse_str(&["--hop-cost-us", "-5", "a.json"]).is_err());
    }

    #[test]
    fn the_graded_clock_is_the_default() {
        let clock = |args: &[&str]| match parse_str(args).unwrap() {
            Parsed::Run(a) => a.clock,
            _ => panic!("expected a run"),
        };
        assert_eq!(clock(&["a.json"]), Clock::default());
        assert_eq!(clock(&["--ideal-clock", "a.json"]), Clock::Ideal);
    }

    #[test]
    fn view_serves_one_trace() {
        assert_eq!(
            parse_str(&["--view", "t/a.0.jsonl"]),
            Ok(Parsed::View { trace: "t/a.0.jsonl".into(), port: DEFAULT_VIEW_PORT, app: "dist".into() })
        );
        assert_eq!(
            parse_str(&["--view", "a.jsonl", "--port", "0", "--app", "web/dist"]),
            Ok(Parsed::View { trace: "a.jsonl".into(), port: 0, app: "web/dist".into() })
        );
        assert!(parse_str(&["--view", "a.jsonl", "c.json"]).is_err());
        assert!(parse_str(&["--port", "9000", "c.json"]).is_err());
        assert!(parse_str(&["--view", "a.jsonl", "--port", "70000"]).is_err());
        assert!(parse_str(&["--view", "a.jsonl", "--seed", "3"]).is_err());
        assert!(parse_str(&["-q", "--view", "a.jsonl"]).is_err());
        assert!(parse_str(&["--view", "a.jsonl", "--view", "b.jsonl"]).is_err());
        assert!(parse_str(&["--view", "a.jsonl", "--from-json", "s.json"]).is_err());
    }

    #[test]
    fn from_json_prints_a_table_of_saved_runs() {
        assert_eq!(
            parse_str(&["--from-json", "a.json", "--markdown", "--from-json", "b.json"]),
            Ok(Parsed::Table {
                markdown: true,
                summaries: vec![PathBuf::from("a.json"), PathBuf::from("b.json")],
            })
        );
    }
}
