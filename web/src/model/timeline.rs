//! The timeline of a whole run: term bands, elections, crashes, acknowledged writes, the
//! user's interventions and safety violations, each at its virtual time. It is read from the
//! simulator's events as they happen and counts them from the start of the run, so replaying
//! the same run to an earlier time and forward again adds nothing twice.

use raft_core::MembershipChange;
use raft_core::client::Outcome;
use raft_core::sim::{Intervention, Sim, SimEventKind, Violation};
use raft_core::{Event, NodeId, Term, Time};

#[derive(Clone, Debug, PartialEq)]
pub enum MarkKind {
    Election { node: NodeId, term: Term },
    Crash { node: NodeId },
    Restart { node: NodeId },
    /// A client's put was acknowledged.
    Write,
    /// Something the user (or the scenario) did.
    Action(String),
    Violation(String),
}

impl MarkKind {
    pub fn label(&self) -> String {
        match self {
            MarkKind::Election { node, term } => format!("node {node} elected leader of term {term}"),
            MarkKind::Crash { node } => format!("node {node} crashed"),
            MarkKind::Restart { node } => format!("node {node} restarted"),
            MarkKind::Write => "a write acknowledged".into(),
            MarkKind::Action(what) => what.clone(),
            MarkKind::Violation(what) => format!("safety violation: {what}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub at: Time,
    pub kind: MarkKind,
}

/// From `from` until the next band, the highest term any node had reached, and its leader once
/// elected.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    pub from: Time,
    pub term: Term,
    pub leader: Option<NodeId>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeline {
    /// Events read so far, counted from the start of the run.
    seen: usize,
    /// The furthest virtual time reached in this branch of the run.
    pub horizon: Time,
    pub bands: Vec<Band>,
    pub marks: Vec<Mark>,
    pub violations: Vec<Violation>,
}

/// An intervention in a few words.
pub fn describe(what: &Intervention) -> String {
    match what {
        Intervention::Crash { node } => format!("crash node {node}"),
        Intervention::Restart { node } => format!("restart node {node}"),
        Intervention::Timeout { node } => format!("node {node} times out"),
        Intervention::DropMessage { id } => format!("drop message #{id}"),
        Intervention::HoldMessage { id } => format!("hold message #{id}"),
        Intervention::ReleaseMessage { id } => format!("release message #{id}"),
        Intervention::DuplicateMessage { id } => format!("duplicate message #{id}"),
        Intervention::Partition { groups } => {
            let g: Vec<String> = groups.iter().map(|g| format!("{g:?}")).collect();
            format!("partition {}", g.join(" | "))
        }
        Intervention::CutLink { from, to } => format!("cut {from}→{to}"),
        Intervention::RestoreLink { from, to } => format!("restore {from}→{to}"),
        Intervention::Heal => "heal the network".into(),
        Intervention::SetLoss { loss } => format!("loss {:.0}%", loss * 100.0),
        Intervention::Request { node, op } => format!("request to node {node}: {op:?}"),
        Intervention::ChangeMembership { change: MembershipChange::Add(node) } => format!("add node {node}"),
        Intervention::ChangeMembership { change: MembershipChange::Remove(node) } => format!("remove node {node}"),
    }
}

impl Timeline {
    pub fn new() -> Timeline {
        Timeline::default()
    }

    /// Reads the events the simulator recorded since the last look (events this timeline has
    /// already seen, in an earlier pass over the same run, are skipped).
    pub fn observe(&mut self, sim: &Sim) {
        let total = sim.events_total();
        let events = sim.events();
        let first = total - events.len();
        let start = self.seen.max(first) - first;
        for e in events.get(start..).unwrap_or(&[]) {
            self.read(e.at, &e.kind);
        }
        self.seen = self.seen.max(total);
        self.horizon = self.horizon.max(sim.now());
    }

    fn read(&mut self, at: Time, kind: &SimEventKind) {
        let current = self.bands.last().map_or(0, |b| b.term);
        match kind {
            SimEventKind::Node { node, event } => match event {
                Event::BecameCandidate { term } if *term > current => {
                    self.bands.push(Band { from: at, term: *term, leader: None })
                }
                Event::BecameLeader { term } => {
                    if *term > current {
                        self.bands.push(Band { from: at, term: *term, leader: Some(*node) });
                    } else if let Some(b) = self.bands.last_mut().filter(|b| b.term == *term) {
                        b.leader = Some(*node);
                    }
                    self.marks.push(Mark { at, kind: MarkKind::Election { node: *node, term: *term } });
                }
                _ => {}
            },
            SimEventKind::Crashed { node } => self.marks.push(Mark { at, kind: MarkKind::Crash { node: *node } }),
            SimEventKind::Restarted { node } => self.marks.push(Mark { at, kind: MarkKind::Restart { node: *node } }),
            SimEventKind::ClientAnswered { reply, .. } if reply.outcome == Outcome::Written => {
                self.marks.push(Mark { at, kind: MarkKind::Write })
            }
            SimEventKind::Intervened(what) => self.marks.push(Mark { at, kind: MarkKind::Action(describe(what)) }),
            SimEventKind::Violation(v) => {
                self.violations.push(v.clone());
                self.marks.push(Mark { at, kind: MarkKind::Violation(v.invariant.name().into()) });
            }
            _ => {}
        }
    }

    /// Forgets everything after the simulator's present: the run branches here.
    pub fn truncate(&mut self, sim: &Sim) {
        let now = sim.now();
        self.marks.retain(|m| m.at <= now);
        self.bands.retain(|b| b.from <= now);
        self.violations.retain(|v| v.at <= now);
        self.seen = sim.events_total();
        self.horizon = now;
    }

    /// Where the timeline's scale ends: at the furthest point reached, or at `end` (a story's
    /// end) if that is later, so that what is ahead can be marked.
    pub fn extent(&self, end: Option<Time>) -> Time {
        self.horizon.max(end.unwrap_or(0))
    }

    /// Where `at` falls on a timeline whose scale ends at `extent`, from 0 to 1.
    pub fn fraction(at: Time, extent: Time) -> f64 {
        if extent == 0 {
            return 0.0;
        }
        (at as f64 / extent as f64).clamp(0.0, 1.0)
    }

    /// Each band with the time it ends.
    pub fn band_spans(&self) -> impl Iterator<Item = (&Band, Time)> {
        self.bands.iter().enumerate().map(|(i, b)| (b, self.bands.get(i + 1).map_or(self.horizon, |n| n.from)))
    }

    /// Acknowledged writes counted in `bins` equal slices of the timeline: (slice, count).
    pub fn write_bins(&self, bins: usize, extent: Time) -> Vec<(usize, usize)> {
        let mut counts = vec![0; bins.max(1)];
        for m in self.marks.iter().filter(|m| m.kind == MarkKind::Write) {
            let i = (Self::fraction(m.at, extent) * bins as f64) as usize;
            counts[i.min(bins.max(1) - 1)] += 1;
        }
        counts.into_iter().enumerate().filter(|&(_, c)| c > 0).collect()
    }

    pub fn summary(&self) -> String {
        let elections = self.marks.iter().filter(|m| matches!(m.kind, MarkKind::Election { .. })).count();
        let crashes = self.marks.iter().filter(|m| matches!(m.kind, MarkKind::Crash { .. })).count();
        let writes = self.marks.iter().filter(|m| m.kind == MarkKind::Write).count();
        format!("{elections} election(s) · {crashes} crash(es) · {writes} acknowledged write(s)")
    }
}
