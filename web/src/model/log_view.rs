//! Each node's log side by side (index, term, command; committed or not; configuration
//! entries marked), the leader's next/match index per follower, and the node's key-value state.

use super::membership::{member_of, Member};
use super::node_view::RoleGlyph;
use crate::model::command_text;
use raft_core::sim::{NodeSlot, Sim};
use raft_core::{Command, Index, NodeId, RaftLog, Term};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRow {
    pub index: Index,
    pub term: Term,
    pub command: String,
    pub committed: bool,
    /// A configuration entry (§6): the servers that vote from the moment it is appended.
    pub config: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowerProgress {
    pub follower: NodeId,
    pub next_index: Index,
    pub match_index: Index,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogColumn {
    pub node: NodeId,
    pub role: RoleGlyph,
    /// Its place in the cluster's configuration.
    pub member: Member,
    pub term: Term,
    pub commit_index: Index,
    pub last_applied: Index,
    pub last_index: Index,
    /// The newest entries, oldest first.
    pub rows: Vec<LogRow>,
    /// How many older entries the log holds but are not shown.
    pub hidden: usize,
    /// The last entry a snapshot covers, and its term (§7): the log holds only what follows.
    pub snapshot: Option<(Index, Term)>,
    /// Set on a leader only.
    pub progress: Vec<FollowerProgress>,
    /// The state machine, key by key (empty while crashed: it is rebuilt from the log).
    pub kv: Vec<(String, String)>,
}

/// One column per node, each showing at most `max_rows` of the newest entries.
pub fn log_columns(sim: &Sim, max_rows: usize) -> Vec<LogColumn> {
    sim.node_ids().map(|id| log_column(sim, id, max_rows)).collect()
}

pub fn log_column(sim: &Sim, id: NodeId, max_rows: usize) -> LogColumn {
    let member = member_of(sim, id);
    match sim.slot(id) {
        Some(NodeSlot::Up(node)) => {
            let (rows, hidden) = rows(node.log(), node.commit_index(), max_rows);
            LogColumn {
                node: id,
                role: RoleGlyph::of(node.role()),
                member,
                term: node.term(),
                commit_index: node.commit_index(),
                last_applied: node.last_applied(),
                last_index: node.log().last_index(),
                rows,
                hidden,
                snapshot: node.snapshot().map(|s| (s.last_index, s.last_term)),
                progress: node
                    .progress()
                    .map(|p| {
                        p.iter()
                            .map(|(&follower, pr)| FollowerProgress {
                                follower,
                                next_index: pr.next_index,
                                match_index: pr.match_index,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                kv: node.kv().iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            }
        }
        Some(NodeSlot::Down { state, .. }) => {
            // The log survived on disk; what was committed is volatile and must be relearned,
            // but for what the snapshot covers.
            let snapshot = state.snapshot.as_ref().map(|s| (s.last_index, s.last_term));
            let committed = snapshot.map_or(0, |s| s.0);
            let (rows, hidden) = rows(&state.log, committed, max_rows);
            LogColumn {
                node: id,
                role: RoleGlyph::Crashed,
                member,
                term: state.term,
                commit_index: committed,
                last_applied: 0,
                last_index: state.log.last_index(),
                rows,
                hidden,
                snapshot,
                progress: Vec::new(),
                kv: Vec::new(),
            }
        }
        None => LogColumn {
            node: id,
            role: RoleGlyph::Crashed,
            member,
            term: 0,
            commit_index: 0,
            last_applied: 0,
            last_index: 0,
            rows: Vec::new(),
            hidden: 0,
            snapshot: None,
            progress: Vec::new(),
            kv: Vec::new(),
        },
    }
}

fn rows(log: &RaftLog, commit_index: Index, max_rows: usize) -> (Vec<LogRow>, usize) {
    let entries = log.entries();
    let first = log.first_index();
    let skip = entries.len().saturating_sub(max_rows);
    let rows = entries
        .iter()
        .enumerate()
        .skip(skip)
        .map(|(i, e)| {
            let index = first + i as Index;
            let config = matches!(e.command, Command::Membership(_));
            LogRow { index, term: e.term, command: command_text(&e.command), committed: index <= commit_index, config }
        })
        .collect();
    (rows, skip)
}
