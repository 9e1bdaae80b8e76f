//! The closing table: one line per run, read from the runs' JSON summaries (`report::json`),
//! so a table printed after a run and one printed later from its `--json` file are the same.

use crate::report::ms;
use serde_json::Value;
use std::fmt::Write;

/// The scored metrics, in the order of their columns; each has a tier.
const SCORED: [&str; 4] = ["total_msgs", "failures", "duplicates", "median_latency"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Aligned columns for a terminal, the tier after each value.
    Plain,
    /// A Markdown table, the tier in parentheses after each value.
    Markdown,
}

/// What the table shows of one run.
struct Row<'a> {
    name: &'a str,
    passed: bool,
    /// Each scored metric's value and its tier (none when a check failed).
    scored: [(String, Option<&'a str>); 4],
    p99: String,
    /// The longest time without a leader, in seconds (summaries of older kvsims lack it).
    no_leader: String,
    /// Unanswered requests that last went to a replica an event killed.
    at_killed: String,
}

fn value(metric: &str, v: &Value) -> Result<String, String> {
    match (metric, v) {
        ("median_latency" | "p99_latency", Value::Null | Value::Number(_)) => Ok(ms(v.as_f64())),
        (_, Value::Number(n)) => Ok(n.to_string()),
        _ => Err(format!("metric `{metric}` is not a number")),
    }
}

impl<'a> Row<'a> {
    fn of(summary: &'a Value) -> Result<Row<'a>, String> {
        let name = summary["name"].as_str().ok_or("no config `name`")?;
        let passed = summary["passed"].as_bool().ok_or("no boolean `passed`")?;
        let metrics = &summary["metrics"];
        let scored = SCORED.map(|m| {
            let tier = summary["tiers"][m].as_str();
            value(m, &metrics[m]).map(|v| (v, tier))
        });
        let [a, b, c, d] = scored;
        Ok(Row {
            name,
            passed,
            scored: [a?, b?, c?, d?],
            p99: value("p99_latency", &metrics["p99_latency"])?,
            no_leader: metrics["longest_leaderless"]
                .as_f64()
                .map_or_else(|| "n/a".to_owned(), |s| format!("{s:.2} s")),
            at_killed: metrics["unanswered_at_killed"]
                .as_u64()
                .map_or_else(|| "n/a".to_owned(), |n| n.to_string()),
        })
    }
}

/// The table of the given run summaries, with a closing line that counts those that passed.
/// Fails on a value that is not a kvsim run summary, naming which one.
pub fn table(summaries: &[Value], style: Style) -> Result<String, String> {
    let rows = summaries
        .iter()
        .enumerate()
        .map(|(i, s)| Row::of(s).map_err(|e| format!("summary {}: {e}", i + 1)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = match style {
        Style::Plain => plain(&rows),
        Style::Markdown => markdown(&rows),
    };
    let passed = rows.iter().filter(|r| r.passed).count();
    let mut names: Vec<&str> = rows.iter().map(|r| r.name).collect();
    names.sort_unstable();
    names.dedup();
    let what = if names.len() < rows.len() { "runs" } else { "configs" };
    if style == Style::Markdown {
        out.push('\n');
    }
    let _ = writeln!(out, "{passed} of {} {what} passed", rows.len());
    Ok(out)
}

fn plain(rows: &[Row]) -> String {
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(6);
    let mut out = String::new();
    let mut line = |[name, result, a, b, c, d, p99, nl, k]: [&str; 9]| {
        let _ = writeln!(
            out,
            "{name:<width$}  {result:<6}  {a:>16}  {b:>14}  {c:>14}  {d:>20}  {p99:>14}  {nl:>9}  {k:>9}"
        );
    };
    let [a, b, c, d] = SCORED;
    line(["config", "result", a, b, c, d, "p99_latency", "no_leader", "at_killed"]);
    for r in rows {
        let [a, b, c, d] = r
            .scored
            .each_ref()
            .map(|(v, tier)| format!("{v} {}", tier.unwrap_or("-")));
        let result = if r.passed { "PASS" } else { "FAIL" };
        line([r.name, result, &a, &b, &c, &d, &r.p99, &r.no_leader, &r.at_killed]);
    }
    out
}

fn markdown(rows: &[Row]) -> String {
    let mut out = String::from(
        "| config | result | total_msgs | failures | duplicates | median latency | p99 latency \
         | longest without a leader | unanswered at a killed replica |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let result = if r.passed { "pass" } else { "FAIL" };
        let _ = write!(out, "| {} | {result} |", r.name);
        for (v, tier) in &r.scored {
            match tier {
                Some(t) => write!(out, " {v} ({t}) |"),
                None => write!(out, " {v} |"),
            }
            .expect("writing to a String");
        }
        let _ = writeln!(out, " {} | {} | {} |", r.p99, r.no_leader, r.at_killed);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn summary(name: &str, passed: bool) -> Value {
        let tiers = if passed {
            json!({"total_msgs": "Bonus", "failures": "Full", "duplicates": "Full",
                   "median_latency": "Bonus"})
        } else {
            json!({"total_msgs": null, "failures": null, "duplicates": null,
                   "median_latency": null})
        };
        json!({"name": name, "passed": passed, "tiers": tiers,
               "metrics": {"total_msgs": 728, "failures": 0, "duplicates": 1,
                           "median_latency": 0.00044, "p99_latency": 3.23469,
                           "longest_leaderless": 1.234, "unanswered_at_killed": 1}})
    }

    #[test]
    fn markdown_shows_every_value_with_its_tier_and_p99() {
        let t = table(&[summary("advanced-1", true), summary("simple-1", false)], Style::Markdown).unwrap();
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[2],
            "| advanced-1 | pass | 728 (Bonus) | 0 (Full) | 1 (Full) | 0.440 ms (Bonus) | 3234.690 ms | 1.23 s | 1 |"
        );
        assert_eq!(lines[3], "| simple-1 | FAIL | 728 | 0 | 1 | 0.440 ms | 3234.690 ms | 1.23 s | 1 |");
        assert_eq!(lines[4], "");
        assert_eq!(lines[5], "1 of 2 configs passed");
    }

    #[test]
    fn plain_marks_unscored_runs_and_counts_repeated_configs_as_runs() {
        let t = table(&[summary("demo", true), summary("demo", false)], Style::Plain).unwrap();
        assert!(t.lines().next().unwrap().ends_with("at_killed"), "{t}");
        assert!(t.contains("728 Bonus") && t.contains("728 -") && t.contains("3234.690 ms"), "{t}");
        assert!(t.ends_with("1 of 2 runs passed\n"), "{t}");
    }

    #[test]
    fn summaries_without_the_leader_figures_still_print() {
        let mut old = summary("x", true);
        let metrics = old["metrics"].as_object_mut().unwrap();
        metrics.remove("longest_leaderless");
        metrics.remove("unanswered_at_killed");
        let t = table(&[old], Style::Markdown).unwrap();
        assert!(t.lines().nth(2).unwrap().ends_with("| n/a | n/a |"), "{t}");
    }

    #[test]
    fn a_value_that_is_not_a_summary_is_named() {
        let mut bad = summary("x", true);
        bad["metrics"]["total_msgs"] = json!("many");
        let err = table(&[summary("ok", true), bad], Style::Plain).unwrap_err();
        assert_eq!(err, "summary 2: metric `total_msgs` is not a number");
        assert_eq!(table(&[json!([])], Style::Markdown).unwrap_err(), "summary 1: no config `name`");
    }
}
