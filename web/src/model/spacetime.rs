//! The space-time diagram of a traced run: one lane per replica and one for the clients,
//! time to the right, every datagram a stroke from its sender's lane to its receiver's. The
//! simulator delivers a datagram the moment it routes it, so a trace has one time per
//! datagram; each stroke leans a fixed step to the right only to show its direction.

use super::trace_run::{Target, TraceRun};
use kvtrace::{Fate, FaultKind, Finding, FindingKind};

/// The diagram's width in its own units (its x axis is stretched to the page's width).
pub const WIDTH: f64 = 1000.0;
/// The height of one lane.
pub const LANE: f64 = 46.0;
/// How far a stroke leans, in diagram units.
const LEAN: f64 = 6.0;
/// Strokes drawn at most; beyond this the diagram says how many it left out (zoom in).
pub const MAX_STROKES: usize = 4000;

/// The span of time on screen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub from: f64,
    pub to: f64,
}

impl Window {
    /// `width` seconds centred on `t`, kept inside `[0, end]`.
    pub fn around(t: f64, width: f64, end: f64) -> Window {
        let width = width.min(end).max(1e-3);
        let from = (t - width / 2.0).clamp(0.0, (end - width).max(0.0));
        Window { from, to: from + width }
    }

    /// Where `t` falls, in diagram units.
    pub fn x(&self, t: f64) -> f64 {
        (t - self.from) / (self.to - self.from) * WIDTH
    }

    pub fn contains(&self, t: f64) -> bool {
        (self.from..=self.to).contains(&t)
    }
}

/// What a stroke stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrokeKind {
    /// Between replicas, delivered.
    Peer,
    /// Between replicas, lost: dropped, cut by a partition, or sent to the dead. It ends
    /// half way, in a cross.
    Lost,
    /// A copy of a broadcast whose copies fared differently (the trace does not say which).
    Mixed,
    /// An answer to a client.
    Answer,
    /// A client's request.
    Request,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stroke {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
    pub kind: StrokeKind,
    /// The datagram's `type`, or the request's.
    pub label: String,
    /// It carries the MID or key being followed.
    pub followed: bool,
    /// What it is, for the inspector: a datagram or a request, by index.
    pub item: Item,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    Msg(usize),
    Request(usize),
}

/// A mark above the lanes.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub x: f64,
    pub label: String,
    pub kind: MarkKind,
    /// For a finding, its index in `TraceRun::findings`.
    pub finding: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    Finding(FindingKind),
    Kill,
    Partition,
    Heal,
}

/// Marks drawn at most (a replica that answers nothing leaves thousands of findings).
pub const MAX_MARKS: usize = 300;

impl MarkKind {
    /// The mark of a fault of the config.
    pub fn of_fault(kind: FaultKind) -> MarkKind {
        match kind {
            FaultKind::PartEnd => MarkKind::Heal,
            FaultKind::PartEasy | FaultKind::PartHard => MarkKind::Partition,
            FaultKind::KillLeader | FaultKind::KillNonLeader => MarkKind::Kill,
        }
    }
}

/// The findings to mark, at most `MAX_MARKS`, every few taken evenly when there are more:
/// `(index into the run's findings, finding)`.
pub fn marked_findings<'a>(findings: impl ExactSizeIterator<Item = (usize, &'a Finding)> + 'a) -> impl Iterator<Item = (usize, &'a Finding)> + 'a {
    let every = findings.len().div_ceil(MAX_MARKS).max(1);
    findings.step_by(every)
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagram {
    pub window: Window,
    /// Lane labels, replicas first, then the clients.
    pub lanes: Vec<String>,
    /// Where each replica claimed to lead: `(lane, x1, x2)`.
    pub claims: Vec<(usize, f64, f64)>,
    /// Where each replica was dead: `(lane, x1)`, to the right edge.
    pub dead: Vec<(usize, f64)>,
    pub strokes: Vec<Stroke>,
    /// Strokes in the window that were not drawn (more than `MAX_STROKES`): every few are
    /// drawn, evenly across the window.
    pub left_out: usize,
    pub marks: Vec<Mark>,
}

impl Diagram {
    pub fn height(&self) -> f64 {
        self.lanes.len() as f64 * LANE
    }

    /// The diagram of `run` in `window`, following `needle` (a MID or key; empty for none).
    pub fn of(run: &TraceRun, window: Window, needle: &str) -> Diagram {
        let n = run.replicas.len();
        let lane_y = |lane: usize| lane as f64 * LANE + LANE / 2.0;
        let clients = n;
        let mut strokes = Vec::new();
        let (first, msgs) = run.msgs_between(window.from, window.to);
        for (i, m) in msgs.iter().enumerate() {
            let x = window.x(m.t);
            let followed = TraceRun::carries(&m.raw, needle);
            let to: Vec<usize> = match &m.to {
                Target::Replica(r) => vec![*r],
                Target::Everyone => (0..n).filter(|&r| r != m.from).collect(),
                Target::Client => vec![clients],
                Target::Nowhere => Vec::new(),
            };
            let kind = match (&m.to, m.fate) {
                (Target::Client, _) => StrokeKind::Answer,
                (_, Fate::Dropped | Fate::Cut | Fate::Dead) => StrokeKind::Lost,
                (_, Fate::Mixed) => StrokeKind::Mixed,
                _ => StrokeKind::Peer,
            };
            // Where it arrived (or was lost), if the run says; else a fixed lean.
            let end = m.arrives.map_or(x + LEAN, |a| window.x(a).max(x + 1.0));
            for lane in to {
                let (y1, y2) = (lane_y(m.from), lane_y(lane));
                let (x2, y2) = if kind == StrokeKind::Lost { ((x + end) / 2.0, (y1 + y2) / 2.0) } else { (end, y2) };
                strokes.push(Stroke { x1: x, y1, x2, y2, kind, label: m.kind.clone(), followed, item: Item::Msg(first + i) });
            }
        }
        let (first, requests) = run.requests_between(window.from, window.to);
        for (i, r) in requests.iter().enumerate() {
            let x = window.x(r.t);
            strokes.push(Stroke {
                x1: x,
                y1: lane_y(clients),
                x2: x + LEAN,
                y2: lane_y(r.to),
                kind: StrokeKind::Request,
                label: r.kind.clone(),
                followed: TraceRun::carries(&r.raw, needle),
                item: Item::Request(first + i),
            });
        }
        let left_out = thin(&mut strokes);
        // Followed strokes last, so that they are drawn on top.
        strokes.sort_by_key(|s| s.followed);
        let claims = run
            .self_claims()
            .iter()
            .enumerate()
            .flat_map(|(lane, spans)| spans.iter().map(move |&span| (lane, span)))
            .filter(|(_, (a, b))| *b >= window.from && *a <= window.to)
            .map(|(lane, (a, b))| (lane, window.x(a).max(0.0), window.x(b).min(WIDTH)))
            .collect();
        let dead = run
            .deaths()
            .iter()
            .enumerate()
            .filter_map(|(lane, d)| d.filter(|&d| d <= window.to).map(|d| (lane, window.x(d).max(0.0))))
            .collect();
        let mut marks: Vec<Mark> = run
            .faults
            .iter()
            .filter(|f| window.contains(f.t))
            .map(|f| Mark {
                x: window.x(f.t),
                label: f.kind.name().into(),
                kind: MarkKind::of_fault(f.kind),
                finding: None,
            })
            .collect();
        let findings: Vec<_> = run.findings.iter().enumerate().filter(|(_, f)| window.contains(f.t)).collect();
        marks.extend(marked_findings(findings.into_iter()).map(|(i, f)| Mark {
            x: window.x(f.t),
            label: f.mid.clone().or_else(|| f.key.clone()).unwrap_or_default(),
            kind: MarkKind::Finding(f.kind),
            finding: Some(i),
        }));
        let mut lanes = run.replicas.clone();
        lanes.push("clients".into());
        Diagram { window, lanes, claims, dead, strokes, left_out, marks }
    }
}

/// Keeps at most `MAX_STROKES`: every followed stroke, and of the others as many as there
/// is room for, spread evenly across the window. Returns how many were left out.
fn thin(strokes: &mut Vec<Stroke>) -> usize {
    let must = strokes.iter().filter(|s| s.followed).count();
    let others = strokes.len() - must;
    let room = MAX_STROKES.saturating_sub(must);
    if others <= room {
        return 0;
    }
    // Strokes are in time order within datagrams, then within requests: thinning each list
    // evenly keeps both spread across the window.
    let mut j = 0;
    strokes.retain(|s| {
        if s.followed {
            return true;
        }
        j += 1;
        // The j-th stays when it starts a new room-th of them.
        (j * room) / others > ((j - 1) * room) / others
    });
    others - room
}
