//! A kvsim trace: one run of the graded simulator's rules, written by `kvsim --trace DIR` as
//! JSON lines and read back by the browser app. This crate is the format's one definition:
//! kvsim writes [`Line`]s and the app parses them with [`parse`].
//!
//! Every line is an object with `ev`, its kind, and `t`, seconds since the simulator started
//! (its clients start at [`Run::start_wait`]). A trace opens with one [`Run`] line, ends with its [`Finding`]s and one
//! [`Verdict`], and between them has, in the order they happened, the datagrams replicas
//! sent ([`Datagram`]), the requests clients sent ([`Request`]), the faults the config
//! scheduled ([`Fault`]) and the simulator's log ([`Note`]). It records what the simulator
//! saw, not what the replicas thought: a replica's state shows only in its datagrams.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The version of the format this crate writes. A reader takes traces of its own version
/// and traces written before there was a version (they lack the run line and the findings).
pub const FORMAT: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "ev", rename_all = "snake_case")]
pub enum Line {
    Run(Run),
    Msg(Datagram),
    Request(Request),
    Fault(Fault),
    Event(Note),
    Finding(Finding),
    Verdict(Verdict),
}

impl Line {
    /// Seconds since the simulator started.
    pub fn t(&self) -> f64 {
        match self {
            Line::Run(l) => l.t,
            Line::Msg(l) => l.t,
            Line::Request(l) => l.t,
            Line::Fault(l) => l.t,
            Line::Event(l) => l.t,
            Line::Finding(l) => l.t,
            Line::Verdict(l) => l.t,
        }
    }
}

/// What was run: the first line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub t: f64,
    pub format: u32,
    /// The config's file stem, e.g. `advanced-1`.
    pub config: String,
    /// The replicas' IDs; a datagram's `from` and a request's `to` index this list.
    pub replicas: Vec<String>,
    /// The clients' IDs.
    pub clients: Vec<String>,
    pub seed: u64,
    /// The probability that a datagram between replicas is lost.
    pub drops: f64,
    /// When the clients' first request is due (every `t` counts from the simulator's start).
    pub start_wait: f64,
    /// How long the clients send requests, from `start_wait` on.
    pub lifetime: f64,
    /// When the simulator stops.
    pub end: f64,
    /// The config's faults, as scheduled: `time` counts from `start_wait`.
    pub faults: Vec<ScheduledFault>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduledFault {
    #[serde(rename = "type")]
    pub kind: FaultKind,
    pub time: f64,
}

/// The faults a config can schedule, named as configs name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    KillLeader,
    KillNonLeader,
    /// A partition whose majority side holds the believed leader.
    PartEasy,
    /// A partition whose majority side is drawn at random.
    PartHard,
    PartEnd,
}

impl FaultKind {
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::KillLeader => "kill_leader",
            FaultKind::KillNonLeader => "kill_non_leader",
            FaultKind::PartEasy => "part_easy",
            FaultKind::PartHard => "part_hard",
            FaultKind::PartEnd => "part_end",
        }
    }

    pub fn is_kill(self) -> bool {
        matches!(self, FaultKind::KillLeader | FaultKind::KillNonLeader)
    }
}

impl std::fmt::Display for FaultKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A datagram a replica sent, when the simulator routed it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Datagram {
    pub t: f64,
    /// The sender, an index into [`Run::replicas`].
    pub from: usize,
    pub fate: Fate,
    /// What it added to the scored `total_msgs` (a broadcast counts once per other replica).
    pub counted: u64,
    /// The datagram as JSON, or as text if it was not JSON.
    pub raw: Value,
}

/// What became of a datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    Delivered,
    /// Lost at random (the config's `drops`).
    Dropped,
    /// Lost to a partition.
    Cut,
    /// Sent to a replica that was killed.
    Dead,
    /// An answer to a client (never lost, never counted).
    Client,
    /// A broadcast whose copies fared differently.
    Mixed,
    /// Addressed to no replica or client the simulator knows (an incorrect message).
    Nowhere,
}

impl Fate {
    /// As the format writes it.
    pub fn name(self) -> &'static str {
        match self {
            Fate::Delivered => "delivered",
            Fate::Dropped => "dropped",
            Fate::Cut => "cut",
            Fate::Dead => "dead",
            Fate::Client => "client",
            Fate::Mixed => "mixed",
            Fate::Nowhere => "nowhere",
        }
    }
}

/// A client's request, as it was handed to a replica.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub t: f64,
    /// The replica it went to, an index into [`Run::replicas`].
    pub to: usize,
    /// When the schedule wanted it sent; absent for a resend after a `fail` or `redirect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<f64>,
    pub raw: Value,
}

/// A fault firing: a kill, or a partition starting or ending.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    pub t: f64,
    #[serde(rename = "type")]
    pub kind: FaultKind,
    /// For a kill, the replica killed (none if there was no one to kill); for a partition,
    /// the majority side; for its end, none.
    pub replicas: Vec<String>,
}

/// A line of the simulator's log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub t: f64,
    pub what: String,
}

/// Something the grader holds against the replicas, placed at the moment it concerns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// For an unanswered request, when its last MID was sent; for a redirect loop, when its
    /// first was; otherwise when the offending answer arrived.
    pub t: f64,
    pub kind: FindingKind,
    #[serde(rename = "MID", default, skip_serializing_if = "Option::is_none")]
    pub mid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The grader's words.
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A request that never got an `ok` (a failure).
    Unanswered,
    /// An answer to a MID that had been answered `ok` already.
    Duplicate,
    /// A wrong answer: a get's stale value, an answer to a MID never sent, a malformed reply.
    Incorrect,
    /// A request redirected again and again (not a failure, but each lap costs a round trip
    /// and a latency sample).
    RedirectLoop,
}

/// The grade: the last line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub t: f64,
    /// Every check passed.
    pub passed: bool,
    pub checks: Vec<Check>,
    pub scores: Vec<Score>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub number: u8,
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// `total_msgs`, `failures`, `duplicates` or `median_latency`.
    pub metric: String,
    pub value: Option<f64>,
    /// The tier lines `[bonus, full, partial]`.
    pub tiers: [f64; 3],
    /// `Bonus`, `Full`, `Partial` or `None`; absent when a check failed (nothing is scored).
    pub tier: Option<String>,
}

/// A trace as read: its lines, each with its number (counted from 1), and the lines that
/// could not be read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    pub lines: Vec<(usize, Line)>,
    pub errors: Vec<LineError>,
}

impl Parsed {
    /// The lines read, without their numbers.
    pub fn lines(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().map(|(_, l)| l)
    }
}

/// A line that is not part of the format, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// Counted from 1, as an editor does.
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// Reads a trace. A line that cannot be read becomes an error naming it, and the rest are
/// still read: a trace cut off by a killed kvsim, or edited by hand, shows what it has.
/// Blank lines are skipped.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let error = |reason: String| LineError { line: i + 1, reason };
        match serde_json::from_str::<Line>(line) {
            Ok(Line::Run(run)) if run.format > FORMAT => parsed.errors.push(error(format!(
                "written in format {} by a newer kvsim; this reader knows format {FORMAT}",
                run.format
            ))),
            Ok(l) => parsed.lines.push((i + 1, l)),
            Err(e) => parsed.errors.push(error(reason(line, &e))),
        }
    }
    parsed
}

/// Why a line is not part of the format, in words that name what is wrong with it.
fn reason(line: &str, e: &serde_json::Error) -> String {
    let Ok(value) = serde_json::from_str::<Value>(line) else {
        return format!("not JSON ({e})");
    };
    match value.get("ev") {
        None if !value.is_object() => "not a JSON object".into(),
        None => "no `ev` field".into(),
        Some(Value::String(ev)) if !KINDS.contains(&ev.as_str()) => {
            format!("unknown kind of line `ev: {ev:?}` (known: {})", KINDS.join(", "))
        }
        Some(_) => format!("a malformed line ({e})"),
    }
}

/// Every `ev` of the format.
const KINDS: [&str; 7] = ["run", "msg", "request", "fault", "event", "finding", "verdict"];

/// Writes one line of a trace (without its newline).
pub fn to_line(line: &Line) -> String {
    serde_json::to_string(line).expect("a trace line is plain data")
}

#[cfg(test)]
mod tests;
