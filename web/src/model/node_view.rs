//! One node as the picture shows it: its role (drawn as a shape, an outline and a label, not
//! by colour alone), its term, its draining election timer, the votes it has collected, and
//! whether it votes at all (§6: a learner or a removed server does not).

use super::geometry::Point;
use super::membership::{member_of, Member};
use raft_core::node::majority;
use raft_core::sim::{NodeSlot, Sim};
use raft_core::{Index, NodeId, RoleKind, Term};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleGlyph {
    Follower,
    PreCandidate,
    Candidate,
    Leader,
    Crashed,
}

impl RoleGlyph {
    pub fn of(role: RoleKind) -> RoleGlyph {
        match role {
            RoleKind::Follower => RoleGlyph::Follower,
            RoleKind::PreCandidate => RoleGlyph::PreCandidate,
            RoleKind::Candidate => RoleGlyph::Candidate,
            RoleKind::Leader => RoleGlyph::Leader,
        }
    }

    /// The word printed under the node, and the value of its `data-role` attribute.
    pub fn name(self) -> &'static str {
        match self {
            RoleGlyph::Follower => "follower",
            RoleGlyph::PreCandidate => "pre-candidate",
            RoleGlyph::Candidate => "candidate",
            RoleGlyph::Leader => "leader",
            RoleGlyph::Crashed => "crashed",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NodeView {
    pub id: NodeId,
    pub pos: Point,
    pub role: RoleGlyph,
    pub term: Term,
    pub voted_for: Option<NodeId>,
    /// Who this node believes is the leader.
    pub leader: Option<NodeId>,
    /// Remaining election timer as a fraction of the longest timeout (None for a leader or a
    /// crashed node): followers with shorter random timeouts start with less.
    pub timer: Option<f64>,
    /// Votes a (pre-)candidate holds, itself included.
    pub votes: Vec<NodeId>,
    /// Votes needed to win: a majority of the voters of the node's own configuration.
    pub quorum: usize,
    /// Its place in the cluster's configuration.
    pub member: Member,
    pub commit_index: Index,
    pub last_index: Index,
}

impl NodeView {
    /// The compact label a pointer hover shows.
    pub fn label(&self) -> String {
        let mut s = format!("Node {}: {} in term {}", self.id, self.role.name(), self.term);
        if self.member != Member::Voter {
            s.push_str(&format!(", {}", self.member.describe()));
        }
        if !self.votes.is_empty() {
            s.push_str(&format!(", {} of {} votes needed", self.votes.len(), self.quorum));
        }
        if self.role != RoleGlyph::Crashed {
            s.push_str(&format!(", log {} entries, {} committed", self.last_index, self.commit_index));
        }
        s
    }
}

pub fn node_view(sim: &Sim, id: NodeId, pos: Point) -> NodeView {
    let quorum = majority(sim.node_count());
    let member = member_of(sim, id);
    let timeout_max = sim.config().raft.election_timeout_max_us.max(1) as f64;
    match sim.slot(id) {
        Some(NodeSlot::Up(node)) => {
            let role = RoleGlyph::of(node.role());
            let timer = (role != RoleGlyph::Leader).then(|| {
                let left = node.election_deadline().saturating_sub(sim.now()) as f64;
                (left / timeout_max).clamp(0.0, 1.0)
            });
            NodeView {
                id,
                pos,
                role,
                term: node.term(),
                voted_for: node.voted_for(),
                leader: node.leader(),
                timer,
                votes: node.votes().map(|v| v.iter().copied().collect()).unwrap_or_default(),
                quorum: node.membership().majority(),
                member,
                commit_index: node.commit_index(),
                last_index: node.log().last_index(),
            }
        }
        Some(NodeSlot::Down { state, .. }) => NodeView {
            id,
            pos,
            role: RoleGlyph::Crashed,
            term: state.term,
            voted_for: state.voted_for,
            leader: None,
            timer: None,
            votes: Vec::new(),
            quorum,
            member,
            commit_index: 0,
            last_index: state.log.last_index(),
        },
        None => NodeView {
            id,
            pos,
            role: RoleGlyph::Crashed,
            term: 0,
            voted_for: None,
            leader: None,
            timer: None,
            votes: Vec::new(),
            quorum,
            member,
            commit_index: 0,
            last_index: 0,
        },
    }
}
