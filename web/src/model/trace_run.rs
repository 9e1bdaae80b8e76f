//! A graded-simulator run read from a kvsim trace (the `kvtrace` format), for replay only:
//! it holds what the simulator saw, the datagrams and the grader's findings, and answers
//! what the picture asks of a moment: who claimed to lead, who was dead, which side of a
//! partition, and which datagrams carried a request. A replica's own state is not in a
//! trace; everything here comes from what the replicas sent.

use kvtrace::{Fate, FindingKind, Line, LineError, Verdict};
use serde_json::Value;
use std::collections::BTreeMap;

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
    /// Its `leader` field: whom the sender claimed as leader.
    pub leader: Option<String>,
    pub mid: Option<String>,
    pub key: Option<String>,
    /// A field named `term`, if the replica sends one.
    pub term: Option<u64>,
    pub raw: Value,
}

/// A request a client sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Req {
    pub t: f64,
    pub to: usize,
    pub kind: String,
    pub mid: Option<String>,
    pub key: Option<String>,
    pub client: Option<String>,
    /// Sent again after a `fail` or `redirect`.
    pub resend: bool,
    pub raw: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub t: f64,
    pub kind: String,
    /// The replica killed, or a partition's majority side.
    pub replicas: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub t: f64,
    pub kind: FindingKind,
    pub mid: Option<String>,
    pub key: Option<String>,
    pub detail: String,
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
    pub msgs: Vec<Msg>,
    pub requests: Vec<Req>,
    pub faults: Vec<Fault>,
    pub findings: Vec<Finding>,
    pub verdict: Option<Verdict>,
    /// The lines that could not be read.
    pub errors: Vec<LineError>,
}

impl TraceRun {
    /// Reads a trace; lines that cannot be read are kept as errors, the rest still shown. A
    /// trace without a single readable datagram or request has nothing to show, and is
    /// refused with the errors of its lines (none for an empty file).
    pub fn parse(text: &str) -> Result<TraceRun, Vec<LineError>> {
        let parsed = kvtrace::parse(text);
        let mut run = TraceRun {
            config: "a run".into(),
            seed: None,
            replicas: Vec::new(),
            start_wait: 0.0,
            end: 0.0,
            msgs: Vec::new(),
            requests: Vec::new(),
            faults: Vec::new(),
            findings: Vec::new(),
            verdict: None,
            errors: parsed.errors,
        };
        let mut declared_end = None;
        for line in parsed.lines {
            run.end = run.end.max(line.t());
            match line {
                Line::Run(r) => {
                    run.config = r.config;
                    run.seed = Some(r.seed);
                    run.replicas = r.replicas;
                    run.start_wait = r.start_wait;
                    declared_end = Some(r.end);
                }
                Line::Msg(m) => {
                    let text = |k: &str| m.raw.get(k).and_then(Value::as_str).map(str::to_owned);
                    let dst = text("dst");
                    let msg = Msg {
                        t: m.t,
                        from: m.from,
                        to: Target::Nowhere,
                        kind: text("type").unwrap_or_else(|| "?".into()),
                        fate: m.fate,
                        counted: m.counted,
                        leader: text("leader"),
                        mid: text("MID"),
                        key: text("key"),
                        term: m.raw.get("term").and_then(Value::as_u64),
                        raw: m.raw,
                    };
                    run.msgs.push(Msg { to: target(dst.as_deref(), m.fate), ..msg });
                }
                Line::Request(r) => {
                    let text = |k: &str| r.raw.get(k).and_then(Value::as_str).map(str::to_owned);
                    run.requests.push(Req {
                        t: r.t,
                        to: r.to,
                        kind: text("type").unwrap_or_else(|| "?".into()),
                        mid: text("MID"),
                        key: text("key"),
                        client: text("src"),
                        resend: r.due.is_none(),
                        raw: r.raw,
                    });
                }
                Line::Fault(f) => run.faults.push(Fault { t: f.t, kind: f.kind, replicas: f.replicas.iter().filter_map(|id| parse_id(id)).collect() }),
                Line::Event(_) => {}
                Line::Finding(f) => run.findings.push(Finding { t: f.t, kind: f.kind, mid: f.mid, key: f.key, detail: f.detail }),
                Line::Verdict(v) => run.verdict = Some(v),
            }
        }
        if run.msgs.is_empty() && run.requests.is_empty() {
            return Err(run.errors);
        }
        // A trace without a run line names its replicas by what they sent.
        let senders = run.msgs.iter().map(|m| m.from).chain(run.requests.iter().map(|r| r.to)).max().unwrap_or(0);
        for i in run.replicas.len()..=senders {
            run.replicas.push(format!("{i:04X}"));
        }
        run.end = declared_end.unwrap_or(run.end).max(run.end);
        let by_time = |a: &f64, b: &f64| a.total_cmp(b);
        run.msgs.sort_by(|a, b| by_time(&a.t, &b.t));
        run.requests.sort_by(|a, b| by_time(&a.t, &b.t));
        Ok(run)
    }

    /// Whom each replica claimed as leader in the last datagram it sent by `t`.
    pub fn claims_at(&self, t: f64) -> Vec<Option<String>> {
        let mut claims = vec![None; self.replicas.len()];
        for m in self.msgs.iter().take_while(|m| m.t <= t) {
            if let Some(c) = claims.get_mut(m.from) {
                *c = m.leader.clone().filter(|l| l != "FFFF");
            }
        }
        claims
    }

    /// The replicas killed by `t`.
    pub fn dead_at(&self, t: f64) -> Vec<bool> {
        let mut dead = vec![false; self.replicas.len()];
        for f in self.faults.iter().filter(|f| f.t <= t && f.kind.starts_with("kill")) {
            for &r in &f.replicas {
                if let Some(d) = dead.get_mut(r) {
                    *d = true;
                }
            }
        }
        dead
    }

    /// The majority side of the partition in force at `t`, if one is.
    pub fn partition_at(&self, t: f64) -> Option<Vec<usize>> {
        let mut side = None;
        for f in self.faults.iter().filter(|f| f.t <= t) {
            match f.kind.as_str() {
                "part_easy" | "part_hard" => side = Some(f.replicas.clone()),
                "part_end" => side = None,
                _ => {}
            }
        }
        side
    }

    /// The spans in which each replica claimed to be the leader itself: `(from, to)` in
    /// seconds, the last ending at its last datagram, or at its death.
    pub fn self_claims(&self) -> Vec<Vec<(f64, f64)>> {
        let mut spans: Vec<Vec<(f64, f64)>> = vec![Vec::new(); self.replicas.len()];
        let mut open: Vec<Option<(f64, f64)>> = vec![None; self.replicas.len()];
        for m in &self.msgs {
            let Some(me) = self.replicas.get(m.from) else { continue };
            let claims = m.leader.as_deref() == Some(me.as_str());
            match (&mut open[m.from], claims) {
                (Some(span), true) => span.1 = m.t,
                (slot @ None, true) => *slot = Some((m.t, m.t)),
                (slot @ Some(_), false) => spans[m.from].extend(slot.take()),
                (None, false) => {}
            }
        }
        for (r, slot) in open.into_iter().enumerate() {
            spans[r].extend(slot);
        }
        spans
    }

    /// Counted datagrams by the sender's `type`, and by sender: what used the message budget.
    pub fn counts(&self) -> BTreeMap<String, Vec<u64>> {
        let mut counts: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for m in self.msgs.iter().filter(|m| m.counted > 0) {
            let row = counts.entry(m.kind.clone()).or_insert_with(|| vec![0; self.replicas.len()]);
            if let Some(c) = row.get_mut(m.from) {
                *c += m.counted;
            }
        }
        counts
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
        let mut first_answer: std::collections::HashMap<&str, (&str, f64)> = std::collections::HashMap::new();
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

    /// Counted datagrams per `bin` seconds, by type: `(type, counts)`, `counts[i]` for the
    /// bin starting at `i * bin`.
    pub fn counts_over_time(&self, bin: f64) -> Vec<(String, Vec<u64>)> {
        let bins = (self.end / bin).ceil().max(1.0) as usize;
        let mut by_type: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for m in self.msgs.iter().filter(|m| m.counted > 0) {
            let i = ((m.t / bin) as usize).min(bins - 1);
            by_type.entry(&m.kind).or_insert_with(|| vec![0; bins])[i] += m.counted;
        }
        by_type.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}

fn parse_id(id: &str) -> Option<usize> {
    (id.len() == 4).then(|| usize::from_str_radix(id, 16).ok()).flatten()
}

fn target(dst: Option<&str>, fate: Fate) -> Target {
    match (dst, fate) {
        (_, Fate::Client) => Target::Client,
        (Some("FFFF"), _) => Target::Everyone,
        (_, Fate::Nowhere) => Target::Nowhere,
        (Some(id), _) => parse_id(id).map_or(Target::Nowhere, Target::Replica),
        (None, _) => Target::Nowhere,
    }
}
