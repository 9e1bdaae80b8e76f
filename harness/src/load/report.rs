//! What one rate's run measured, and the table of several.

use super::check::ReadCheck;
use super::cluster::Traffic;
use super::latency::Summary;
use super::workload::Answers;
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Offered logical requests per second.
    pub rate: f64,
    pub seconds: f64,
    pub replicas: usize,
    pub mix: f64,
    /// Seconds from starting the replicas until the first `ok`.
    pub startup_seconds: f64,
    /// Logical requests sent in the window.
    pub sent: u64,
    /// How many of them were gets.
    pub gets: u64,
    /// `sent` over the window's measured length: whether the schedule held.
    pub sent_per_second: f64,
    pub ok: u64,
    pub failed: u64,
    /// No final answer by 1 s after the window closed.
    pub unanswered: u64,
    /// Final answers (`ok` or `fail`) within 1 s of the request's first send.
    pub within_1s: u64,
    /// Latency of final answers, from the first send, in seconds.
    pub latency: Summary,
    /// Replica-to-replica messages from the window's start until the last answer was awaited.
    pub peer_msgs: u64,
    /// The replica that answered the most `ok`s.
    pub leader: Option<String>,
    /// Its CPU time over the window, as a percentage of one core.
    pub leader_cpu_percent: Option<f64>,
    pub leader_peak_rss_kib: Option<u64>,
    /// The largest peak RSS of any replica, and whose.
    pub max_peak_rss_kib: Option<u64>,
    pub max_peak_rss_replica: Option<String>,
    /// How often the `leader` field of `ok` answers changed.
    pub leader_changes: u64,
    /// Datagrams lost to full socket queues over the whole run: at the replicas' sockets
    /// (requests and peer messages they never read), and at the client's.
    pub replica_socket_drops: Option<u64>,
    pub client_socket_drops: Option<u64>,
    /// Replicas that exited on their own, with their status.
    pub exited: Vec<String>,
    /// The load client's own CPU over the window, as a percentage of one core.
    pub client_cpu_percent: Option<f64>,
    pub answers: Answers,
    pub traffic: Traffic,
    pub reads: ReadCheck,
    /// Bad datagrams sent per class, with `--attack`.
    pub attack: Option<Vec<(&'static str, u64)>>,
}

fn ms(s: Option<f64>) -> String {
    s.map_or_else(|| "n/a".to_owned(), |s| format!("{:.2}", s * 1000.0))
}

fn mib(k: Option<u64>) -> String {
    k.map_or_else(|| "n/a".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0))
}

fn percent(p: Option<f64>) -> String {
    p.map_or_else(|| "n/a".to_owned(), |p| format!("{p:.0}"))
}

const HEADER: [&str; 18] = [
    "rate/s",
    "sent",
    "ok",
    "failed",
    "unanswered",
    "<=1s",
    "p50 ms",
    "p99 ms",
    "max ms",
    "peer msgs",
    "leader",
    "leader cpu%",
    "leader rss MiB",
    "max rss MiB",
    "leader chg",
    "queue drops",
    "bad reads",
    "exited",
];

fn count(n: Option<u64>) -> String {
    n.map_or_else(|| "n/a".to_owned(), |n| n.to_string())
}

fn cells(r: &Report) -> [String; 18] {
    let exited = if r.exited.is_empty() {
        "none".to_owned()
    } else {
        r.exited
            .iter()
            .map(|e| e.split(' ').next().unwrap_or("?"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    [
        format!("{}", r.rate),
        r.sent.to_string(),
        r.ok.to_string(),
        r.failed.to_string(),
        r.unanswered.to_string(),
        r.within_1s.to_string(),
        ms(r.latency.p50),
        ms(r.latency.p99),
        ms(r.latency.max),
        r.peer_msgs.to_string(),
        r.leader.clone().unwrap_or_else(|| "n/a".to_owned()),
        percent(r.leader_cpu_percent),
        mib(r.leader_peak_rss_kib),
        mib(r.max_peak_rss_kib),
        r.leader_changes.to_string(),
        format!(
            "{}/{}",
            count(r.replica_socket_drops),
            count(r.client_socket_drops)
        ),
        format!("{}/{}", r.reads.violations, r.reads.checked),
        exited,
    ]
}

/// Aligned columns, then per rate the lines a table has no room for.
pub fn plain(reports: &[Report]) -> String {
    let rows: Vec<[String; 18]> = reports.iter().map(cells).collect();
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].len())
            .chain([HEADER[i].len()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..HEADER.len()).map(width).collect();
    let mut out = String::new();
    let line = |out: &mut String, cells: &[&str]| {
        let joined: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect();
        let _ = writeln!(out, "{}", joined.join("  ").trim_end());
    };
    line(&mut out, &HEADER);
    for row in &rows {
        line(&mut out, &row.each_ref().map(String::as_str));
    }
    out + &notes(reports)
}

pub fn markdown(reports: &[Report]) -> String {
    let mut out = format!(
        "| {} |\n|{}\n",
        HEADER.join(" | "),
        "---|".repeat(HEADER.len())
    );
    for r in reports {
        let _ = writeln!(out, "| {} |", cells(r).join(" | "));
    }
    out + "\n" + &notes(reports)
}

/// Per rate: the achieved send rate, the client's own CPU, answers that were not final,
/// the first bad reads, exits and the attack's tally.
fn notes(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        let a = &r.answers;
        let _ = writeln!(
            out,
            "rate {}: sent {:.0}/s, first ok after {:.2} s, client cpu {}%, redirects {}, duplicates {}, \
             stray {}, malformed {}, invalid from replicas {}, send errors {}",
            r.rate,
            r.sent_per_second,
            r.startup_seconds,
            percent(r.client_cpu_percent),
            a.redirects,
            a.duplicates,
            a.stray,
            a.malformed,
            r.traffic.invalid,
            r.traffic.send_errors
        );
        for e in &r.exited {
            let _ = writeln!(out, "  exited: {e}");
        }
        for e in &r.reads.examples {
            let _ = writeln!(out, "  bad read: {e}");
        }
        if let Some(attack) = &r.attack {
            let total: u64 = attack.iter().map(|(_, n)| n).sum();
            let each: Vec<String> = attack.iter().map(|(c, n)| format!("{c} {n}")).collect();
            let _ = writeln!(out, "  attack: {total} bad datagrams: {}", each.join(", "));
        }
    }
    out
}
