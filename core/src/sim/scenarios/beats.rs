//! The beats of a story: the moments where a viewer pauses and reads what just happened. Their
//! times are found by replaying the scenario's run, so that a beat stays on its moment when a
//! seed or a timer changes.

use crate::client::Outcome;
use crate::event::Event;
use crate::sim::{Intervention, Run, Sim, SimEventKind, USER_CLIENT};
use crate::types::{NodeId, Time};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Beat {
    /// When the moment happens in the scenario's run.
    pub at: Time,
    pub title: &'static str,
    /// What just happened and what to look at now: a sentence or two, in the present tense.
    pub text: &'static str,
}

pub(super) fn beat(at: Time, title: &'static str, text: &'static str) -> Beat {
    Beat { at, title, text }
}

/// A replay of a scenario's run up to its end, searched for the moments of its beats.
pub(super) struct Replay {
    sim: Sim,
    id: &'static str,
    until: Time,
}

impl Replay {
    pub(super) fn new(id: &'static str, run: &Run, until: Time) -> Replay {
        Replay { sim: Sim::replay(run).expect("scenario runs are valid"), id, until }
    }

    /// The time of the first event at or after `from` that `pick` accepts. Events already
    /// replayed are searched too, so the searches may come in any order.
    pub(super) fn event(&mut self, from: Time, pick: impl Fn(&SimEventKind) -> bool) -> Time {
        let mut seen: usize = 0;
        loop {
            let first = seen.saturating_sub(self.sim.events_discarded()).min(self.sim.events().len());
            if let Some(e) = self.sim.events()[first..].iter().find(|e| e.at >= from && pick(&e.kind)) {
                return e.at;
            }
            seen = self.sim.events_total();
            self.advance(from);
        }
    }

    /// When `what`, scheduled at or after `from`, is applied.
    pub(super) fn intervened(&mut self, from: Time, what: &Intervention) -> Time {
        self.event(from, |e| matches!(e, SimEventKind::Intervened(w) if w == what))
    }

    /// The first moment at or after `from` when `holds` is true of the whole cluster, with
    /// everything due at that moment done. The replay cannot go back, so these searches come
    /// in time order, each after the moments found before it.
    pub(super) fn when(&mut self, from: Time, holds: impl Fn(&Sim) -> bool) -> Time {
        assert!(from >= self.sim.now(), "{}: the moment searched from {from} is already replayed", self.id);
        self.sim.run_until(from);
        while !holds(&self.sim) {
            self.advance(from);
        }
        self.sim.now()
    }

    /// Replays up to the next moment something happens, everything due then included.
    fn advance(&mut self, from: Time) {
        match self.sim.next_time().filter(|&t| t <= self.until) {
            Some(t) => self.sim.run_until(t),
            None => panic!("{}: the moment looked for after {from} does not come by {}", self.id, self.until),
        }
    }
}

/// The event of a node, whichever node.
pub(super) fn node_event(kind: &SimEventKind) -> Option<(NodeId, &Event)> {
    match kind {
        SimEventKind::Node { node, event } => Some((*node, event)),
        _ => None,
    }
}

/// The event of `node`.
pub(super) fn event_of(kind: &SimEventKind, node: NodeId) -> Option<&Event> {
    node_event(kind).filter(|&(n, _)| n == node).map(|(_, event)| event)
}

/// The outcome of an answer that reaches the user's client.
pub(super) fn your_answer(kind: &SimEventKind) -> Option<&Outcome> {
    match kind {
        SimEventKind::ClientAnswered { client, reply, .. } if client == USER_CLIENT => Some(&reply.outcome),
        _ => None,
    }
}

/// Whether `node` runs in the leader's term with the leader's log: it missed nothing. Logs
/// that end in the same entry (index and term) are the same (§5.3, Log Matching), however
/// far each was compacted.
pub(super) fn caught_up(sim: &Sim, node: NodeId) -> bool {
    let (Some(leader), Some(n)) = (sim.leader().and_then(|l| sim.node(l)), sim.node(node)) else { return false };
    let end = |n: &crate::node::Node| (n.log().last_index(), n.log().last_term());
    n.term() == leader.term() && end(n) == end(leader)
}
