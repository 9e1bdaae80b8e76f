use replica::args::{self, Parsed, USAGE};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match args::parse(std::env::args_os().skip(1)) {
        Ok(Parsed::Run(args)) => args,
        Ok(Parsed::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("3700kvstore: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let debug = args.debug || std::env::var("RAFT_DEBUG").is_ok_and(|v| v == "1");
    match replica::server::run(&args, debug) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("3700kvstore: {e}");
            ExitCode::FAILURE
        }
    }
}
