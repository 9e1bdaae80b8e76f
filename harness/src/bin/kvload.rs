//! kvload: the open-loop load benchmark (see `harness::load`).

use harness::load::{self, LoadError, Options, Report};
use harness::signals;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: kvload [--replica PATH] [--rates R1,R2,...] [--seconds S] [--replicas N] [--mix P]
              [--json FILE] [--markdown] [--attack] [--attack-rate N] [--seed N]
              [--keys N] [--memory-every S]

For each rate, starts a fresh cluster, waits for a leader, then sends requests on a fixed
schedule for S seconds without waiting for answers (open loop), follows redirects, waits
up to 1 s more for answers, and reports throughput, latency, replica CPU and memory.

options:
  -r, --replica PATH  replica program (default ./3700kvstore)
      --rates LIST    requests per second, comma-separated (default 1000,3000,10000,30000,100000)
      --seconds S     length of each sending window (default 10)
      --replicas N    cluster size (default 5)
      --mix P         probability that a request is a get (default 0.5)
      --json FILE     also write every rate's report to FILE
      --markdown      print the table as Markdown
      --attack        also send bad datagrams to every replica while the load runs
      --attack-rate N bad datagrams per second to each replica (default 200)
      --seed N        seed for the client's choices
      --keys N        at most N distinct keys: then every put updates one (a store that
                      stops growing, so that a long run shows what else a replica keeps)
      --memory-every S  print each replica's resident memory every S seconds
  -h, --help          show this help

exit status: 0 when every rate ran, 1 when a cluster could not be started or brought to
answer, 2 for bad usage, 130 when interrupted";

const EXIT_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_INTERRUPTED: u8 = 130;

#[derive(Debug, Clone)]
struct Args {
    opts: Options,
    rates: Vec<f64>,
    json: Option<PathBuf>,
    markdown: bool,
}

#[derive(Debug)]
enum Parsed {
    Run(Args),
    Help,
}

fn parse_rates(text: &str) -> Result<Vec<f64>, String> {
    text.split(',')
        .map(|r| {
            let rate: f64 = r
                .trim()
                .parse()
                .map_err(|_| format!("--rates: {r:?} is not a number"))?;
            if rate.is_finite() && rate > 0.0 {
                Ok(rate)
            } else {
                Err(format!("--rates: {r:?} is not a positive rate"))
            }
        })
        .collect()
}

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Parsed, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut out = Args {
        opts: Options {
            replica: PathBuf::from("./3700kvstore"),
            replicas: 5,
            seconds: 10.0,
            mix: 0.5,
            attack: None,
            seed: None,
            keys: None,
            memory_every: None,
        },
        rates: vec![1000.0, 3000.0, 10_000.0, 30_000.0, 100_000.0],
        json: None,
        markdown: false,
    };
    let (mut attack, mut attack_rate) = (false, None);
    let err = |e: lexopt::Error| e.to_string();
    while let Some(arg) = parser.next().map_err(err)? {
        match arg {
            Short('r') | Long("replica") => out.opts.replica = parser.value().map_err(err)?.into(),
            Long("rates") => {
                let text = parser.value().map_err(err)?;
                let text = text.to_str().ok_or("--rates is not valid text")?;
                out.rates = parse_rates(text)?;
            }
            Long("seconds") => {
                out.opts.seconds = parser.value().map_err(err)?.parse().map_err(err)?
            }
            Long("replicas") => {
                out.opts.replicas = parser.value().map_err(err)?.parse().map_err(err)?
            }
            Long("mix") => out.opts.mix = parser.value().map_err(err)?.parse().map_err(err)?,
            Long("json") => out.json = Some(parser.value().map_err(err)?.into()),
            Long("markdown") => out.markdown = true,
            Long("attack") => attack = true,
            Long("attack-rate") => {
                attack_rate = Some(parser.value().map_err(err)?.parse().map_err(err)?)
            }
            Long("keys") => out.opts.keys = Some(parser.value().map_err(err)?.parse().map_err(err)?),
            Long("memory-every") => {
                out.opts.memory_every = Some(parser.value().map_err(err)?.parse().map_err(err)?)
            }
            Long("seed") => {
                out.opts.seed = Some(parser.value().map_err(err)?.parse().map_err(err)?)
            }
            Short('h') | Long("help") => return Ok(Parsed::Help),
            other => return Err(other.unexpected().to_string()),
        }
    }
    match (attack, attack_rate) {
        (false, Some(_)) => return Err("--attack-rate needs --attack".into()),
        (true, rate) => out.opts.attack = Some(rate.unwrap_or(load::DEFAULT_ATTACK_RATE)),
        (false, None) => {}
    }
    for &rate in &out.rates {
        load::validate(&out.opts, rate).map_err(|e| e.to_string())?;
    }
    Ok(Parsed::Run(out))
}

fn main() -> ExitCode {
    let args = match parse(std::env::args_os().skip(1)) {
        Ok(Parsed::Run(args)) => args,
        Ok(Parsed::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("kvload: {e}\n\n{USAGE}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    signals::install();
    let mut reports: Vec<Report> = Vec::new();
    let mut status = ExitCode::SUCCESS;
    for &rate in &args.rates {
        eprintln!(
            "kvload: {rate}/s for {} s on a fresh cluster of {}",
            args.opts.seconds, args.opts.replicas
        );
        match load::run_rate(&args.opts, rate) {
            Ok(report) => reports.push(report),
            Err(LoadError::Interrupted) => {
                eprintln!("kvload: interrupted; replicas killed");
                status = ExitCode::from(EXIT_INTERRUPTED);
                break;
            }
            Err(e @ LoadError::Spawn(_)) => {
                eprintln!("kvload: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
            Err(e) => {
                eprintln!("kvload: at {rate}/s: {e}");
                status = ExitCode::from(EXIT_FAILED);
            }
        }
    }
    if !reports.is_empty() {
        let table = if args.markdown {
            load::markdown(&reports)
        } else {
            load::plain(&reports)
        };
        print!("{table}");
    }
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&reports).expect("reports serialize");
        if let Err(e) = std::fs::write(path, text + "\n") {
            eprintln!("kvload: cannot write {}: {e}", path.display());
            return ExitCode::from(EXIT_USAGE);
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Parsed, String> {
        parse(args.iter().map(OsString::from))
    }

    fn run(args: &[&str]) -> Args {
        match parse_str(args) {
            Ok(Parsed::Run(a)) => a,
            other => panic!("expected a run: {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let a = run(&[]);
        assert_eq!(a.rates, [1000.0, 3000.0, 10_000.0, 30_000.0, 100_000.0]);
        assert_eq!(
            (a.opts.seconds, a.opts.replicas, a.opts.mix),
            (10.0, 5, 0.5)
        );
        assert_eq!(a.opts.replica, PathBuf::from("./3700kvstore"));
        assert_eq!((a.opts.attack, a.json, a.markdown), (None, None, false));
    }

    #[test]
    fn full_command_line() {
        let a = run(&[
            "--replica",
            "x/kv",
            "--rates",
            "1000, 2500.5",
            "--seconds",
            "3",
            "--replicas",
            "3",
            "--mix",
            "0.8",
            "--json",
            "o.json",
            "--markdown",
            "--attack",
            "--attack-rate",
            "50",
            "--seed",
            "7",
        ]);
        assert_eq!(a.rates, [1000.0, 2500.5]);
        assert_eq!((a.opts.seconds, a.opts.replicas, a.opts.mix), (3.0, 3, 0.8));
        assert_eq!(
            (a.opts.attack, a.opts.seed, a.markdown),
            (Some(50.0), Some(7), true)
        );
        assert_eq!(a.json, Some(PathBuf::from("o.json")));
        assert_eq!(
            run(&["--attack"]).opts.attack,
            Some(load::DEFAULT_ATTACK_RATE)
        );
    }

    #[test]
    fn errors() {
        for bad in [
            &["--rates", "1000,x"][..],
            &["--rates", "0"],
            &["--rates", "-5"],
            &["--rates", ""],
            &["--rates", "inf"],
            &["--seconds", "0"],
            &["--seconds", "nan"],
            &["--replicas", "0"],
            &["--replicas", "1", "--attack"],
            &["--mix", "1.5"],
            &["--attack-rate", "5"],
            &["--attack", "--attack-rate", "-5"],
            &["--bogus"],
            &["extra"],
            &["--seed", "x"],
        ] {
            assert!(parse_str(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(parse_str(&["-h"]), Ok(Parsed::Help)));
    }
}
