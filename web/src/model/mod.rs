//! The view model: turns a simulation into plain structs the view draws, with no DOM, so
//! that it is unit-tested natively. The view never reads the simulator itself, and never
//! changes it except through an intervention.

pub mod feed;
pub mod geometry;
pub mod log_strip;
pub mod log_view;
pub mod membership;
pub mod message_view;
pub mod node_view;
pub mod partition;
pub mod safety;
pub mod session;
pub mod share;
pub mod sim_trace;
pub mod spacetime;
pub mod speed;
pub mod story;
pub mod timeline;
pub mod toggles;
pub mod tour;
pub mod trace_ring;
pub mod trace_run;
pub mod tracker;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod membership_tests;
#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod trace_tests;

use geometry::Point;
use message_view::MessageView;
use node_view::{NodeView, RoleGlyph};
use raft_core::sim::Sim;
use raft_core::{Command, NodeId, Term, Time};
use std::collections::BTreeSet;
use tracker::{DropMark, Tracker};

/// Everything the cluster drawing needs for one frame.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterView {
    pub now: Time,
    pub nodes: Vec<NodeView>,
    pub messages: Vec<MessageView>,
    pub drops: Vec<DropMark>,
    pub leader: Option<(NodeId, Term)>,
    /// One-way links that are cut, as (from, to).
    pub cut_links: Vec<(NodeId, NodeId)>,
}

impl ClusterView {
    pub fn build(sim: &Sim, tracker: &Tracker) -> ClusterView {
        let ring = geometry::ring(sim.node_count());
        let nodes = sim.node_ids().map(|id| node_view::node_view(sim, id, ring[id as usize - 1])).collect();
        ClusterView {
            now: sim.now(),
            nodes,
            messages: message_view::message_views(sim, &ring),
            drops: tracker.drops.clone(),
            leader: leader(sim),
            cut_links: sim.cut_links(),
        }
    }

    pub fn node(&self, id: NodeId) -> Option<&NodeView> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// Where node `id` is drawn.
    pub fn position(&self, id: NodeId) -> Option<Point> {
        self.node(id).map(|n| n.pos)
    }
}

/// The leader and its term, as the status line reports it.
pub fn leader(sim: &Sim) -> Option<(NodeId, Term)> {
    let id = sim.leader()?;
    Some((id, sim.node(id)?.term()))
}

/// The status line: who leads, or that nobody does.
pub fn status_text(view: &ClusterView) -> String {
    let crashed = view.nodes.iter().filter(|n| n.role == RoleGlyph::Crashed).count();
    let down = if crashed > 0 { format!(" · {crashed} crashed") } else { String::new() };
    match view.leader {
        Some((id, term)) => format!("Leader: node {id} (term {term}){down}"),
        None => {
            let electing = view.nodes.iter().any(|n| matches!(n.role, RoleGlyph::Candidate | RoleGlyph::PreCandidate));
            let what = if electing { "No leader: election under way" } else { "No leader" };
            format!("{what}{down}")
        }
    }
}

/// Each cut link once, as (lower id, higher id), whichever way (or both ways) it is cut.
pub fn cut_pairs(cut: &[(NodeId, NodeId)]) -> Vec<(NodeId, NodeId)> {
    let mut pairs: Vec<_> = cut.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// A log entry's command in a few words.
pub fn command_text(command: &Command) -> String {
    match command {
        Command::Noop => "no-op".into(),
        Command::Put { key, value } => format!("{key}={value}"),
        Command::Membership(m) => format!("configuration: {}", membership_text(&m.voters, &m.learners)),
    }
}

/// A configuration in a few words: its voters, and its learners if any.
pub fn membership_text(voters: &BTreeSet<NodeId>, learners: &BTreeSet<NodeId>) -> String {
    let voters: Vec<NodeId> = voters.iter().copied().collect();
    let learners: Vec<NodeId> = learners.iter().copied().collect();
    match learners.len() {
        0 => format!("voters {}", feed::list(&voters)),
        1 => format!("voters {}, learner {}", feed::list(&voters), learners[0]),
        _ => format!("voters {}, learners {}", feed::list(&voters), feed::list(&learners)),
    }
}
