//! Shareable runs: the URL fragment carries either a scenario's id or the whole run (seed,
//! configuration, interventions) as base64url JSON, and the time cursor.
//! `#scenario=figure-8&t=400000` or `#run=eyJjb25m...&t=12000000`.

use raft_core::sim::Run;
use raft_core::Time;

#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    Scenario(String),
    Run(Box<Run>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Shared {
    pub source: Source,
    /// The time cursor, in virtual microseconds.
    pub at: Option<Time>,
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding.
pub fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

pub fn from_base64url(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).ok_or_else(|| format!("'{}' is not base64url", c as char))?;
        acc = acc << 6 | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// The fragment (without `#`) for a source and a time cursor.
pub fn fragment(source: &Source, at: Option<Time>) -> String {
    let mut out = match source {
        Source::Scenario(id) => format!("scenario={id}"),
        Source::Run(run) => format!("run={}", base64url(serde_json::to_string(run).unwrap_or_default().as_bytes())),
    };
    if let Some(t) = at {
        out.push_str(&format!("&t={t}"));
    }
    out
}

/// Reads a fragment (with or without `#`); None if it names no run.
pub fn parse(fragment: &str) -> Option<Result<Shared, String>> {
    let mut source = None;
    let mut at = None;
    for part in fragment.trim_start_matches('#').split('&') {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        match k {
            "scenario" => source = Some(Ok(Source::Scenario(v.to_string()))),
            "run" => source = Some(decode_run(v).map(|r| Source::Run(Box::new(r)))),
            "t" => at = v.parse().ok(),
            _ => {}
        }
    }
    Some(source?.map(|source| Shared { source, at }))
}

fn decode_run(text: &str) -> Result<Run, String> {
    let bytes = from_base64url(text)?;
    serde_json::from_slice(&bytes).map_err(|e| format!("the link does not hold a run: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_core::sim::{Intervention, SimConfig, Stamped};

    #[test]
    fn base64url_round_trips_every_length() {
        for n in 0..40u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37).wrapping_add(200)).collect();
            let text = base64url(&bytes);
            assert!(text.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
            assert_eq!(from_base64url(&text).unwrap(), bytes);
        }
        assert_eq!(base64url(b"Man"), "TWFu");
        assert_eq!(base64url(b"Ma"), "TWE");
        assert!(from_base64url("a b").is_err());
    }

    #[test]
    fn a_run_and_its_cursor_round_trip_through_the_fragment() {
        let run = Run {
            config: SimConfig::teaching(42),
            interventions: vec![Stamped { at: 1_500_001, what: Intervention::Crash { node: 3 } }],
        };
        let f = fragment(&Source::Run(Box::new(run.clone())), Some(2_000_000));
        assert!(f.len() < 2000, "a link stays reasonably short: {}", f.len());
        let shared = parse(&format!("#{f}")).unwrap().unwrap();
        assert_eq!(shared, Shared { source: Source::Run(Box::new(run)), at: Some(2_000_000) });
    }

    #[test]
    fn a_scenario_link_names_it() {
        let f = fragment(&Source::Scenario("figure-8".into()), None);
        assert_eq!(f, "scenario=figure-8");
        assert_eq!(parse(&f).unwrap().unwrap().source, Source::Scenario("figure-8".into()));
        assert_eq!(parse(""), None);
        assert_eq!(parse("#t=5"), None);
        assert!(parse("#run=!!").unwrap().is_err());
    }
}
