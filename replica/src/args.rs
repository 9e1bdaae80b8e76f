//! Command-line arguments: `3700kvstore [options] <port> <id> <peer ids...>`.

use crate::codec::{format_id, parse_id};
use raft_core::{Config, Fanout, NodeId};
use std::ffi::OsString;

pub const USAGE: &str = "usage: 3700kvstore [--debug] [--fanout F] [--election-ms MIN-MAX] [--heartbeat-ms N]\n\
    \x20                  <port> <id> <peer ids...>\n\
    \x20 port        UDP port of the simulator on 127.0.0.1\n\
    \x20 id, peer    replica IDs: 4 uppercase hex digits (FFFF is reserved)\n\
    \x20 --debug     log state changes to stdout (also RAFT_DEBUG=1)\n\
    \x20 --fanout F  which followers get new entries at once: quorum (default, just enough\n\
    \x20             for a commit) or all\n\
    \x20 --election-ms MIN-MAX  the election timeout's range in milliseconds\n\
    \x20 --heartbeat-ms N       the longest a follower goes without hearing from its leader\n\
    \x20             (the defaults are the graded preset's; see replica/README.md, Timers)";

#[derive(Clone, Debug, PartialEq)]
pub struct Args {
    pub port: u16,
    pub id: NodeId,
    pub peers: Vec<NodeId>,
    pub debug: bool,
    /// The graded preset with the options above applied, validated.
    pub config: Config,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    Run(Args),
    Help,
}

/// Parses the arguments after the program name.
pub fn parse<I: IntoIterator<Item = OsString>>(args: I) -> Result<Parsed, String> {
    let mut debug = false;
    let mut config = Config::graded();
    let mut positional = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg
            .into_string()
            .map_err(|a| format!("argument {a:?} is not UTF-8"))?;
        match arg.as_str() {
            "--debug" => debug = true,
            "--fanout" | "--election-ms" | "--heartbeat-ms" => {
                let value = args.next().ok_or(format!("{arg} needs a value"))?;
                apply(&mut config, &arg, &value.to_string_lossy())?;
            }
            s if s.starts_with("--") && s.contains('=') => {
                let (name, value) = s.split_once('=').expect("contains '='");
                apply(&mut config, name, value)?;
            }
            "-h" | "--help" => return Ok(Parsed::Help),
            s if s.starts_with('-') => return Err(format!("unknown option {s:?}")),
            _ => positional.push(arg),
        }
    }
    let mut positional = positional.into_iter();
    let port = positional.next().ok_or("missing <port>")?;
    let port = match port.parse::<u16>() {
        Ok(p) if p > 0 => p,
        _ => return Err(format!("port {port:?} is not a number in 1..=65535")),
    };
    let id = positional.next().ok_or("missing <id>")?;
    let id = parse_id(&id)
        .ok_or_else(|| format!("id {id:?} is not 4 uppercase hex digits (FFFF excluded)"))?;
    let mut peers = Vec::new();
    for p in positional {
        let peer = parse_id(&p).ok_or_else(|| {
            format!("peer id {p:?} is not 4 uppercase hex digits (FFFF excluded)")
        })?;
        if peer == id {
            return Err(format!("peer id {p} is our own id"));
        }
        if peers.contains(&peer) {
            return Err(format!("peer id {} is listed twice", format_id(peer)));
        }
        peers.push(peer);
    }
    config.validate().map_err(|e| e.to_string())?;
    Ok(Parsed::Run(Args {
        port,
        id,
        peers,
        debug,
        config,
    }))
}

/// Applies one tuning option to the preset.
fn apply(config: &mut Config, name: &str, value: &str) -> Result<(), String> {
    let ms = |v: &str| {
        v.parse::<u64>()
            .ok()
            .and_then(|ms| ms.checked_mul(1000))
            .ok_or_else(|| format!("{name} {value:?}: {v:?} is not a number of milliseconds"))
    };
    match name {
        "--fanout" => config.fanout = parse_fanout(value)?,
        "--election-ms" => {
            let (min, max) = value
                .split_once('-')
                .ok_or_else(|| format!("{name} {value:?} is not MIN-MAX, as in 1000-2000"))?;
            config.election_timeout_min_us = ms(min)?;
            config.election_timeout_max_us = ms(max)?;
        }
        "--heartbeat-ms" => config.heartbeat_interval_us = ms(value)?,
        _ => return Err(format!("unknown option {name:?}")),
    }
    Ok(())
}

fn parse_fanout(value: &str) -> Result<Fanout, String> {
    match value {
        "quorum" => Ok(Fanout::Quorum),
        "all" => Ok(Fanout::All),
        _ => Err(format!("--fanout {value:?} is not one of quorum, all")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Parsed, String> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn parses_port_id_and_peers() {
        let parsed = run(&["40123", "0001", "0000", "0002", "000A"]).unwrap();
        assert_eq!(
            parsed,
            Parsed::Run(Args {
                port: 40123,
                id: 1,
                peers: vec![0, 2, 10],
                debug: false,
                config: Config::graded(),
            })
        );
    }

    #[test]
    fn fanout_option_in_both_spellings() {
        for (args, fanout) in [
            (&["--fanout", "all", "40123", "0001"][..], Fanout::All),
            (&["40123", "--fanout=all", "0001"], Fanout::All),
            (&["40123", "0001", "--fanout", "quorum"], Fanout::Quorum),
        ] {
            let Parsed::Run(a) = run(args).unwrap() else {
                panic!()
            };
            assert_eq!((a.config.fanout, a.id), (fanout, 1), "{args:?}");
        }
    }

    #[test]
    fn timing_options_change_the_preset() {
        let Parsed::Run(a) = run(&["--election-ms", "800-1600", "--heartbeat-ms=250", "40123", "0001"]).unwrap() else {
            panic!()
        };
        let c = &a.config;
        assert_eq!((c.election_timeout_min_us, c.election_timeout_max_us), (800_000, 1_600_000));
        assert_eq!(c.heartbeat_interval_us, 250_000);
        assert_eq!(c.fanout, Config::graded().fanout);
    }

    #[test]
    fn debug_flag_anywhere() {
        let Parsed::Run(a) = run(&["40123", "--debug", "0001"]).unwrap() else {
            panic!()
        };
        assert!(a.debug);
        assert!(a.peers.is_empty());
    }

    #[test]
    fn help() {
        assert_eq!(run(&["--help"]).unwrap(), Parsed::Help);
    }

    #[test]
    fn rejects_bad_arguments() {
        for bad in [
            &[][..],
            &["40123"],
            &["port", "0001"],
            &["0", "0001"],
            &["70000", "0001"],
            &["40123", "1"],
            &["40123", "00001"],
            &["40123", "000a"],
            &["40123", "FFFF"],
            &["40123", "0001", "xyz"],
            &["40123", "0001", "0001"],
            &["40123", "0001", "0002", "0002"],
            &["40123", "0001", "--verbose"],
            &["40123", "0001", "--fanout"],
            &["40123", "0001", "--fanout", "some"],
            &["40123", "0001", "--fanout", "relay"],
            &["--fanout=", "40123", "0001"],
            &["--election-ms", "800", "40123", "0001"],
            &["--election-ms", "900-800", "40123", "0001"],
            &["--election-ms", "a-b", "40123", "0001"],
            &["--heartbeat-ms", "5000", "40123", "0001"],
            &["--heartbeat-ms=99999999999999999999", "40123", "0001"],
            &["--bogus=1", "40123", "0001"],
        ] {
            assert!(run(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
