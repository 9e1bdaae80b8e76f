//! The read check. Rule: an `ok` get returns the value of the latest put to its key that was
//! acknowledged before the get was first sent, or of a put to that key that was sent before
//! the get's answer but not yet acknowledged when the get was first sent (it may or may not
//! have taken effect: a `fail` or no answer does not prove a put was lost). Anything else is a
//! value no put wrote, or a stale one.
//!
//! Times are positions in one sequence of the client's own events (sends and answers), so
//! "before" never depends on clock resolution.

use serde::Serialize;
use std::collections::HashMap;

/// How many violations are described in full.
const EXAMPLES: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Put<'a> {
    pub key: &'a str,
    pub value: &'a str,
    /// When the put was first sent.
    pub sent: u64,
    /// When its `ok` arrived, if one did.
    pub acked: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Get<'a> {
    pub key: &'a str,
    /// What its `ok` carried (None: the ok had no value).
    pub value: Option<&'a str>,
    pub sent: u64,
    pub answered: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReadCheck {
    pub checked: u64,
    pub violations: u64,
    /// The first few violations, described.
    pub examples: Vec<String>,
}

pub fn check_reads(puts: &[Put], gets: &[Get]) -> ReadCheck {
    let mut writers: HashMap<(&str, &str), Vec<&Put>> = HashMap::new();
    let mut acked: HashMap<&str, Vec<&Put>> = HashMap::new();
    for p in puts {
        writers.entry((p.key, p.value)).or_default().push(p);
        if p.acked.is_some() {
            acked.entry(p.key).or_default().push(p);
        }
    }
    for list in acked.values_mut() {
        list.sort_by_key(|p| p.acked);
    }
    let mut out = ReadCheck::default();
    for g in gets {
        out.checked += 1;
        let Some(problem) = judge(g, &writers, &acked) else {
            continue;
        };
        out.violations += 1;
        if out.examples.len() < EXAMPLES {
            out.examples.push(problem);
        }
    }
    out
}

/// Why the get broke the rule, or None if it did not.
fn judge(
    g: &Get,
    writers: &HashMap<(&str, &str), Vec<&Put>>,
    acked: &HashMap<&str, Vec<&Put>>,
) -> Option<String> {
    let what = format!("get of {} (sent at event {})", g.key, g.sent);
    let Some(value) = g.value else {
        return Some(format!("{what}: ok without a value"));
    };
    let latest = acked.get(g.key).and_then(|list| {
        let before = list.partition_point(|p| p.acked < Some(g.sent));
        before.checked_sub(1).map(|i| list[i])
    });
    let allowed = |p: &&Put| {
        latest.is_some_and(|l| std::ptr::eq(l, *p))
            || (p.sent < g.answered && p.acked.is_none_or(|a| a >= g.sent))
    };
    let candidates = writers.get(&(g.key, value));
    if candidates.is_some_and(|ps| ps.iter().any(allowed)) {
        return None;
    }
    let expected = latest.map_or_else(
        || "no acknowledged put".to_owned(),
        |l| {
            format!(
                "{:?} (acknowledged at event {})",
                l.value,
                l.acked.unwrap_or(0)
            )
        },
    );
    Some(match candidates {
        None => format!(
            "{what}: returned {value:?}, which no put of the key wrote; expected {expected}"
        ),
        Some(_) => format!("{what}: returned the stale {value:?}; expected {expected}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put<'a>(value: &'a str, sent: u64, acked: Option<u64>) -> Put<'a> {
        Put {
            key: "k",
            value,
            sent,
            acked,
        }
    }

    fn get(value: &str, sent: u64, answered: u64) -> Get<'_> {
        Get {
            key: "k",
            value: Some(value),
            sent,
            answered,
        }
    }

    fn violations(puts: &[Put], gets: &[Get]) -> u64 {
        check_reads(puts, gets).violations
    }

    #[test]
    fn the_latest_acknowledged_value_is_right() {
        let puts = [put("a", 1, Some(2)), put("b", 3, Some(4))];
        assert_eq!(violations(&puts, &[get("b", 5, 6)]), 0);
        let r = check_reads(&puts, &[get("a", 5, 6)]);
        assert_eq!((r.checked, r.violations), (1, 1));
        assert!(r.examples[0].contains("stale \"a\""), "{:?}", r.examples);
        assert!(r.examples[0].contains("expected \"b\""), "{:?}", r.examples);
    }

    #[test]
    fn a_put_in_flight_when_the_get_was_sent_may_or_may_not_be_seen() {
        // "b" is sent at 3 and acknowledged at 7, after the get was sent at 5.
        let puts = [put("a", 1, Some(2)), put("b", 3, Some(7))];
        assert_eq!(violations(&puts, &[get("a", 5, 6)]), 0);
        assert_eq!(violations(&puts, &[get("b", 5, 6)]), 0);
        // A put that failed or got no answer may have taken effect.
        let puts = [put("a", 1, Some(2)), put("c", 3, None)];
        assert_eq!(violations(&puts, &[get("c", 5, 9)]), 0);
        // A value sent only after the get was answered cannot have been read.
        let puts = [put("a", 1, Some(2)), put("c", 10, None)];
        assert_eq!(violations(&puts, &[get("c", 5, 9)]), 1);
    }

    #[test]
    fn values_nobody_wrote_and_missing_values_are_violations() {
        let puts = [put("a", 1, Some(2))];
        let r = check_reads(&puts, &[get("zzz", 5, 6), get("", 5, 6)]);
        assert_eq!(r.violations, 2);
        assert!(
            r.examples[0].contains("no put of the key wrote"),
            "{:?}",
            r.examples
        );
        let none = Get {
            key: "k",
            value: None,
            sent: 5,
            answered: 6,
        };
        assert_eq!(violations(&puts, &[none]), 1);
        // The same value under another key does not count.
        let other = Put {
            key: "other",
            value: "x",
            sent: 1,
            acked: Some(2),
        };
        assert_eq!(
            violations(&[put("a", 1, Some(2)), other], &[get("x", 5, 6)]),
            1
        );
    }

    #[test]
    fn a_put_acknowledged_exactly_when_the_get_left_is_not_before_it() {
        // Events are distinct in practice; an ack at the get's own event counts as in flight.
        let puts = [put("a", 1, Some(2)), put("b", 3, Some(5))];
        assert_eq!(violations(&puts, &[get("a", 5, 6), get("b", 5, 6)]), 0);
    }

    #[test]
    fn only_the_first_examples_are_kept() {
        let puts = [put("a", 1, Some(2))];
        let gets: Vec<Get> = (0..25).map(|i| get("bad", 10 + i, 11 + i)).collect();
        let r = check_reads(&puts, &gets);
        assert_eq!(
            (r.checked, r.violations, r.examples.len()),
            (25, 25, EXAMPLES)
        );
    }
}
