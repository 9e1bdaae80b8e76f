use harness::cli::{self, Parsed};
use harness::config::{self, Config};
use harness::sim::{self, Options, SimError};
use harness::table::{self, Style};
use harness::{report, signals};
use serde_json::Value;
use harness::view::Viewer;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const EXIT_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;
/// Conventional status for a run stopped by a signal.
const EXIT_INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let args = match cli::parse(std::env::args_os().skip(1)) {
        Ok(Parsed::Run(args)) => args,
        Ok(Parsed::Table { markdown, summaries }) => return saved_table(&summaries, markdown),
        Ok(Parsed::View { trace, port, app }) => return view(&trace, port, &app),
        Ok(Parsed::Help) => {
            println!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("kvsim: {e}\n\n{}", cli::USAGE);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    // Every config is checked before anything runs, so a typo fails fast.
    let configs = match config::collect_paths(&args.configs).and_then(|paths| {
        paths
            .iter()
            .map(|p| Config::load(p))
            .collect::<Result<Vec<_>, _>>()
    }) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kvsim: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    signals::install();
    let mut outcomes = Vec::new();
    let runs = configs.iter().flat_map(|c| (0..args.runs).map(move |i| (c, i)));
    for (config, i) in runs {
        let opts = Options {
            replica: args.replica.clone(),
            seed: args.seed.or(config.seed).map(|s| s.wrapping_add(u64::from(i))),
            quiet: args.quiet,
            trace: args.trace.clone(),
            run: i,
            clock: args.clock,
        };
        match sim::run(config, &opts) {
            Ok(outcome) => {
                println!("{}", report::text(&outcome));
                outcomes.push(outcome);
            }
            Err(SimError::Interrupted) => {
                eprintln!("kvsim: interrupted during {}; replicas killed", config.name);
                return ExitCode::from(EXIT_INTERRUPTED);
            }
            Err(e) => {
                eprintln!("kvsim: {}: {e}", config.name);
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let summaries: Vec<Value> = outcomes.iter().map(report::json).collect();
    if outcomes.len() > 1 || args.markdown {
        match table::table(&summaries, style(args.markdown)) {
            Ok(t) => print!("{t}"),
            Err(e) => eprintln!("kvsim: {e}"),
        }
    }
    if args.runs > 1 {
        print!("{}", report::series(&outcomes));
    }
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&summaries).expect("JSON values serialize");
        if let Err(e) = std::fs::write(path, text + "\n") {
            eprintln!("kvsim: cannot write {}: {e}", path.display());
            return ExitCode::from(EXIT_USAGE);
        }
    }
    if let Some(dir) = &args.trace {
        eprintln!(
            "kvsim: traces in {}/<config>.<run>.jsonl; to see one in the browser app: \
             kvsim --view {}/<config>.<run>.jsonl (after `make web`), or drop the file on the \
             page of `make demo`",
            dir.display(),
            dir.display()
        );
    }
    if outcomes.iter().all(|o| o.passed()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}

/// `--view`: serves the app and the trace until the process is stopped.
fn view(trace: &Path, port: u16, app: &Path) -> ExitCode {
    match Viewer::bind(app, trace, port) {
        Ok(viewer) => {
            println!("{}", viewer.url());
            eprintln!("kvsim: open the address above in a browser to see {}; Ctrl-C stops", trace.display());
            viewer.serve();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kvsim: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn style(markdown: bool) -> Style {
    if markdown {
        Style::Markdown
    } else {
        Style::Plain
    }
}

/// `--from-json`: the closing table of runs saved with `--json`, the files' runs in order.
fn saved_table(paths: &[PathBuf], markdown: bool) -> ExitCode {
    let mut summaries = Vec::new();
    for path in paths {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("kvsim: cannot read {}: {e}", path.display());
                return ExitCode::from(EXIT_USAGE);
            }
        };
        match serde_json::from_str::<Vec<Value>>(&text) {
            Ok(runs) => summaries.extend(runs),
            Err(e) => {
                eprintln!("kvsim: {}: not a kvsim --json summary: {e}", path.display());
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    match table::table(&summaries, style(markdown)) {
        Ok(t) => print!("{t}"),
        Err(e) => {
            eprintln!("kvsim: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    }
    if summaries.iter().all(|s| s["passed"] == true) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}
