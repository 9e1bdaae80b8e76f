//! A graded-simulator run read from a kvsim trace (the `kvtrace` format), for replay only:
//! it holds what the simulator saw, the datagrams and the grader's findings, and answers
//! what the picture asks of a moment: who claimed to lead, who was dead, which side of a
//! partition, and which datagrams carried a request. A replica's own state is not in a
//! trace; everything here comes from what the replicas sent.

use kvtrace::{Fate, FaultKind, Finding, Line, LineError, Verdict};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Replicas named by what they sent, for a trace without a run line: more than any config
/// has, few enough to draw.
const MAX_INFERRED_REPLICAS: usize = 16;

/// Who a datagram was for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Replica(usize),
    /// Every other replica (`FFFF`).
    Everyone,
    Client,
    /// Not an address the simulator knows.
    Nowhere,
}

/// A datagram a replica sent, with the fields the picture reads from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Msg {
    pub t: f64,
    pub from: usize,
    pub to: Target,
    /// Its `type`, as the replica named it.
    pub kind: String,
    pub fate: Fate,
    pub counted: u64,
    /// Its `leader` field: whom the sender claimed as leader (`FFFF` for no one).
    pub leader: Option<String>,
    pub mid: Option<String>,
    /// A field named `term`, if the replica sends one.
    pub term: Option<u64>,
    /// When it arrived, where that differs from when it was sent (in the simulation, not in
    /// a trace: the graded simulator delivers at once).
    pub arrives: Option<f64>,
    pub raw: Value,
}

/// A request a client sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Req {
    pub t: f64,
    pub to: usize,
    pub kind: String,
    pub mid: Option<String>,
    /// Sent again after a `fail` or `redirect`.
    pub resend: bool,
    pub raw: Value,
}

/// A fault as it fired, its replicas resolved to lanes.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub t: f64,
    pub kind: FaultKind,
    /// The replica killed, or a partition's majority side.
    pub replicas: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TraceRun {
    /// The config's name, or "a run" for a trace without a run line.
    pub config: String,
    pub seed: Option<u64>,
    pub replicas: Vec<String>,
    pub start_wait: f64,
    /// When the run ended: its run line's end, or its last line.
    pub end: f64,
    /// In time order.
    pub msgs: Vec<Msg>,
    /// In time order.
    pub requests: Vec<Req>,
    pub faults: Vec<Fault>,
    pub findings: Vec<Finding>,
    pub verdict: Option<Verdict>,
    /// The lines that could not be read, or named a replica the run does not have.
    pub errors: Vec<LineError>,
    /// Per replica, each change of the leader it claims: (when, whom), `None` for no one.
    claims: Vec<Vec<(f64, Option<String>)>>,
    /// Counted datagrams by type, then by sender.
    counts: BTreeMap<String, Vec<u64>>,
    /// Per replica, the indices in `msgs` of what it sent.
    sent: Vec<Vec<usize>>,
    /// Per replica, the spans in which it claimed to lead (see `self_claims`).
    self_claims: Vec<Vec<(f64, f64)>>,
    /// Per replica, when it was killed (see `deaths`).
    deaths: Vec<Option<f64>>,
}

impl TraceRun {
    /// Reads a trace; lines that cannot be read are kept as errors, the rest still shown. A
    /// file without a single readable line is refused with its errors (none if it is empty).
    pub fn parse(text: &str) -> Result<TraceRun, Vec<LineError>> {
        let mut parsed = kvtrace::parse(text);
        if parsed.lines.is_empty() {
            return Err(parsed.errors);
        }
        let mut errors = std::mem::take(&mut parsed.errors);
        let header = parsed.lines().find_map(|l| match l {
            Line::Run(r) => Some(r.clone()),
            _ => None,
        });
        let replicas = match &header {
            Some(r) => r.replicas.clone(),
            // Named by what they sent, as kvsim names them: 0000, 0001, ...
            None => {
                let highest = parsed.lines().filter_map(|l| match l {
                    Line::Msg(m) => Some(m.from),
                    Line::Request(r) => Some(r.to),
                    _ => None,
                });
                let n = highest.filter(|&i| i < MAX_INFERRED_REPLICAS).max().map_or(0, |i| i + 1);
                (0..n).map(|i| format!("{i:04X}")).collect()
            }
        };
        let lane = |id: &str| replicas.iter().position(|r| r == id);
        let mut run = TraceRun {
            config: header.as_ref().map_or_else(|| "a run".into(), |r| r.config.clone()),
            seed: header.as_ref().map(|r| r.seed),
            replicas: replicas.clone(),
            start_wait: header.as_ref().map_or(0.0, |r| r.start_wait),
            end: header.as_ref().map_or(0.0, |r| r.end),
            msgs: Vec::new(),
            requests: Vec::new(),
            faults: Vec::new(),
            findings: Vec::new(),
            verdict: None,
            errors: Vec::new(),
            claims: vec![Vec::new(); replicas.len()],
            counts: BTreeMap::new(),
            sent: vec![Vec::new(); replicas.len()],
            self_claims: Vec::new(),
            deaths: Vec::new(),
        };
        for (number, line) in parsed.lines {
            let t = line.t();
            if !t.is_finite() || t < 0.0 {
                errors.push(LineError { line: number, reason: format!("a time of {t} s") });
                continue;
            }
            let unknown = |what: &str, i: usize| LineError { line: number, reason: format!("{what} {i} is not one of the {} replicas", replicas.len()) };
            match line {
                Line::Run(_) | Line::Event(_) => {}
                Line::Msg(m) if m.from >= replicas.len() => errors.push(unknown("sender", m.from)),
                Line::Msg(m) => {
                    let text = |k: &str| m.raw.get(k).and_then(Value::as_str).map(str::to_owned);
                    let to = match (text("dst").as_deref(), m.fate) {
                        (_, Fate::Client) => Target::Client,
                        (Some("FFFF"), _) => Target::Everyone,
                        (Some(dst), f) if f != Fate::Nowhere => lane(dst).map_or(Target::Nowhere, Target::Replica),
                        _ => Target::Nowhere,
                    };
                    run.msgs.push(Msg {
                        t,
                        from: m.from,
                        to,
                        kind: text("type").unwrap_or_else(|| "?".into()),
                        fate: m.fate,
                        counted: m.counted,
                        leader: text("leader"),
                        mid: text("MID"),
                        term: m.raw.get("term").and_then(Value::as_u64),
                        arrives: None,
                        raw: m.raw,
                    });
                }
                Line::Request(r) if r.to >= replicas.len() => errors.push(unknown("replica", r.to)),
                Line::Request(r) => {
                    let text = |k: &str| r.raw.get(k).and_then(Value::as_str).map(str::to_owned);
                    run.requests.push(Req { t, to: r.to, kind: text("type").unwrap_or_else(|| "?".into()), mid: text("MID"), resend: r.due.is_none(), raw: r.raw });
                }
                Line::Fault(f) => run.faults.push(Fault { t, kind: f.kind, replicas: f.replicas.iter().filter_map(|id| lane(id)).collect() }),
                Line::Finding(f) => run.findings.push(f),
                Line::Verdict(v) => run.verdict = Some(v),
            }
            run.end = run.end.max(t);
        }
        errors.sort_by_key(|e| e.line);
        run.errors = errors;
        Ok(run.finish())
    }

    /// A run of `replicas` from what happened in it, in any order: sorted, with what the
    /// picture reads computed once.
    pub fn assemble(replicas: Vec<String>, end: f64, msgs: Vec<Msg>, requests: Vec<Req>) -> TraceRun {
        let n = replicas.len();
        TraceRun {
            config: String::new(),
            seed: None,
            replicas,
            start_wait: 0.0,
            end,
            msgs,
            requests,
            faults: Vec::new(),
            findings: Vec::new(),
            verdict: None,
            errors: Vec::new(),
            claims: vec![Vec::new(); n],
            counts: BTreeMap::new(),
            sent: vec![Vec::new(); n],
            self_claims: Vec::new(),
            deaths: Vec::new(),
        }
        .finish()
    }

    fn finish(mut self) -> TraceRun {
        let run = &mut self;
        let by_time = |a: f64, b: f64| a.total_cmp(&b);
        run.msgs.sort_by(|a, b| by_time(a.t, b.t));
        run.requests.sort_by(|a, b| by_time(a.t, b.t));
        run.faults.sort_by(|a, b| by_time(a.t, b.t));
        run.findings.sort_by(|a, b| by_time(a.t, b.t));
        for (i, m) in run.msgs.iter().enumerate() {
            run.sent[m.from].push(i);
            let claim = m.leader.clone().filter(|l| l != "FFFF");
            let changes = &mut run.claims[m.from];
            if changes.last().map(|(_, c)| c) != Some(&claim) {
                changes.push((m.t, claim));
            }
            if m.counted > 0 {
                let n = run.replicas.len();
                run.counts.entry(m.kind.clone()).or_insert_with(|| vec![0; n])[m.from] += m.counted;
            }
        }
        run.deaths = run.kills();
        run.self_claims = run.spans_claiming_to_lead();
        self
    }

    /// The datagrams sent in `[from, to]`, and the index of the first in `msgs`.
    pub fn msgs_between(&self, from: f64, to: f64) -> (usize, &[Msg]) {
        let a = self.msgs.partition_point(|m| m.t < from);
        let b = self.msgs.partition_point(|m| m.t <= to);
        (a, &self.msgs[a..b.max(a)])
    }

    /// The requests sent in `[from, to]`, and the index of the first in `requests`.
    pub fn requests_between(&self, from: f64, to: f64) -> (usize, &[Req]) {
        let a = self.requests.partition_point(|r| r.t < from);
        let b = self.requests.partition_point(|r| r.t <= to);
        (a, &self.requests[a..b.max(a)])
    }

    /// The time of the first datagram or request after `t` (or the last before it).
    pub fn next_after(&self, t: f64, forward: bool) -> Option<f64> {
        let m = self.msgs.partition_point(|m| m.t <= t);
        let r = self.requests.partition_point(|q| q.t <= t);
        if forward {
            [self.msgs.get(m).map(|x| x.t), self.requests.get(r).map(|x| x.t)].into_iter().flatten().min_by(f64::total_cmp)
        } else {
            let m = self.msgs.partition_point(|x| x.t < t);
            let r = self.requests.partition_point(|x| x.t < t);
            [m.checked_sub(1).map(|i| self.msgs[i].t), r.checked_sub(1).map(|i| self.requests[i].t)].into_iter().flatten().max_by(f64::total_cmp)
        }
    }

    /// Whom each replica claimed as leader in the last datagram it sent by `t`.
    pub fn claims_at(&self, t: f64) -> Vec<Option<String>> {
        self.claims
            .iter()
            .map(|changes| {
                let i = changes.partition_point(|(at, _)| *at <= t);
                i.checked_sub(1).and_then(|i| changes[i].1.clone())
            })
            .collect()
    }

    /// The last datagram `replica` sent by `t`.
    pub fn last_sent(&self, replica: usize, t: f64) -> Option<&Msg> {
        let sent = self.sent.get(replica)?;
        let i = sent.partition_point(|&i| self.msgs[i].t <= t);
        i.checked_sub(1).map(|i| &self.msgs[sent[i]])
    }

    /// When each replica was killed, if it was.
    pub fn deaths(&self) -> &[Option<f64>] {
        &self.deaths
    }

    fn kills(&self) -> Vec<Option<f64>> {
        let mut died = vec![None; self.replicas.len()];
        for f in self.faults.iter().filter(|f| f.kind.is_kill()) {
            for &r in &f.replicas {
                died[r].get_or_insert(f.t);
            }
        }
        died
    }

    /// The replicas killed by `t`.
    pub fn dead_at(&self, t: f64) -> Vec<bool> {
        self.deaths.iter().map(|d| d.is_some_and(|d| d <= t)).collect()
    }

    /// The majority side of the partition in force at `t`, if one is.
    pub fn partition_at(&self, t: f64) -> Option<Vec<usize>> {
        let mut side = None;
        for f in self.faults.iter().take_while(|f| f.t <= t) {
            match f.kind {
                FaultKind::PartEasy | FaultKind::PartHard => side = Some(f.replicas.clone()),
                FaultKind::PartEnd => side = None,
                _ => {}
            }
        }
        side
    }

    /// The spans in which each replica claimed to be the leader itself: from the datagram
    /// that first said so to the next that said otherwise, or to its death, or to the end:
    /// the same claims `claims_at` reads.
    pub fn self_claims(&self) -> &[Vec<(f64, f64)>] {
        &self.self_claims
    }

    fn spans_claiming_to_lead(&self) -> Vec<Vec<(f64, f64)>> {
        let deaths = &self.deaths;
        self.claims
            .iter()
            .enumerate()
            .map(|(r, changes)| {
                let until = deaths[r].unwrap_or(self.end);
                changes
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, c))| c.as_deref() == Some(self.replicas[r].as_str()))
                    .map(|(i, &(from, _))| (from, changes.get(i + 1).map_or(until, |c| c.0).clamp(from, until.max(from))))
                    .collect()
            })
            .collect()
    }

    /// Counted datagrams by the sender's `type`, and by sender: what used the message budget.
    pub fn counts(&self) -> &BTreeMap<String, Vec<u64>> {
        &self.counts
    }

    /// Whether a datagram or request is part of what `needle` names: it carries that MID or
    /// that key.
    pub fn carries(raw: &Value, needle: &str) -> bool {
        !needle.is_empty() && ["MID", "key"].iter().any(|k| raw.get(*k).and_then(Value::as_str) == Some(needle))
    }
}

/// What became of one MID a client sent: the latency sample the grader took, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Latency {
    /// When the request was sent, and its index in `TraceRun::requests`.
    pub t: f64,
    pub request: usize,
    /// The first answer's type (`ok`, `fail`, `redirect`) and how long it took; `None` if
    /// nothing came.
    pub answer: Option<(String, f64)>,
}

impl TraceRun {
    /// Every request with its first answer, in the order they were sent: the samples of the
    /// grader's median latency (and the unanswered, which have none).
    pub fn latencies(&self) -> Vec<Latency> {
        let mut first_answer: HashMap<&str, (&str, f64)> = HashMap::new();
        for m in self.msgs.iter().filter(|m| m.to == Target::Client) {
            if let Some(mid) = &m.mid {
                first_answer.entry(mid).or_insert((&m.kind, m.t));
            }
        }
        self.requests
            .iter()
            .enumerate()
            .map(|(i, r)| Latency {
                t: r.t,
                request: i,
                answer: r.mid.as_deref().and_then(|mid| first_answer.get(mid)).map(|&(kind, at)| (kind.to_string(), (at - r.t).max(0.0))),
            })
            .collect()
    }

    /// Counted datagrams per `bin` seconds, by type or, with `by_sender`, by sender:
    /// `(name, counts)`, `counts[i]` for the bin starting at `i * bin`.
    pub fn counts_over_time(&self, bin: f64, by_sender: bool) -> Vec<(String, Vec<u64>)> {
        let bins = (self.end / bin).ceil().clamp(1.0, 10_000.0) as usize;
        let mut series: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for m in self.msgs.iter().filter(|m| m.counted > 0) {
            let i = ((m.t / bin) as usize).min(bins - 1);
            let name = if by_sender { self.replicas[m.from].as_str() } else { m.kind.as_str() };
            series.entry(name).or_insert_with(|| vec![0; bins])[i] += m.counted;
        }
        series.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}
