//! The event feed: the simulator's events told in plain language ("node 3 timed out in term
//! 4 and asks for votes", "entry 7 committed: a majority (1, 2, 4) has it"). Message sends and
//! deliveries are left out: the picture shows those.

use super::message_view::kind_words;
use raft_core::event::{DenyReason, Event, StepDownReason};
use raft_core::MembershipChange;
use raft_core::sim::{DropReason, Intervention, Sim, SimEvent, SimEventKind};
use raft_core::sim::USER_CLIENT;
use raft_core::{ClientRequest, NodeId, Op, Outcome, RoleKind, Term, Time};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Election,
    Replication,
    Client,
    Fault,
    /// Something the user did.
    You,
    Violation,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::Election => "election",
            Category::Replication => "replication",
            Category::Client => "client",
            Category::Fault => "fault",
            Category::You => "you",
            Category::Violation => "violation",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedLine {
    pub at: Time,
    pub category: Category,
    pub text: String,
}

/// Turns events into sentences. It remembers a little (votes granted to each candidate, who
/// was leader) so that a sentence can say why.
#[derive(Clone, Debug, Default)]
pub struct Narrator {
    /// Real votes counted by each candidate in its current election: (term, voters).
    votes: BTreeMap<NodeId, (Term, Vec<NodeId>)>,
    roles: BTreeMap<NodeId, RoleKind>,
    /// Cut links that have lost a message since the network last changed: a cut link loses
    /// every message, so the feed tells its first loss and leaves the rest to the picture.
    cut_losses: BTreeSet<(NodeId, NodeId)>,
}

pub fn list(ids: &[NodeId]) -> String {
    ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}

pub fn op_text(op: &Op) -> String {
    match op {
        Op::Get { key } => format!("get {key}"),
        Op::Put { key, value } => format!("put {key} = {value}"),
    }
}

impl Narrator {
    /// The sentence for `event`, if it deserves one. `sim` is the simulation the event comes
    /// from, read for context (for example who holds a newly committed entry).
    pub fn narrate(&mut self, event: &SimEvent, sim: &Sim) -> Option<FeedLine> {
        let line = |category, text: String| Some(FeedLine { at: event.at, category, text });
        match &event.kind {
            SimEventKind::Node { node, event: e } => self.node_event(*node, e, sim).map(|(c, text)| FeedLine {
                at: event.at,
                category: c,
                text,
            }),
            SimEventKind::Sent { .. } | SimEventKind::Delivered { .. } => None,
            SimEventKind::Dropped { id, from, to, kind, reason } => {
                let what = format!("{} {from} → {to} (message {id})", kind_words(*kind));
                match reason {
                    DropReason::Intervention => line(Category::You, format!("you dropped {what}")),
                    DropReason::Loss => line(Category::Fault, format!("the network lost {what}")),
                    DropReason::Cut if self.cut_losses.insert((*from, *to)) => line(
                        Category::Fault,
                        format!("{what} was lost on a cut link; so will every message {from} → {to} be until it is restored"),
                    ),
                    DropReason::Cut => None,
                    DropReason::NodeDown => None,
                }
            }
            SimEventKind::Crashed { node } => {
                self.roles.remove(node);
                line(Category::Fault, format!("node {node} crashed: it keeps its term, vote and log on disk and forgets the rest"))
            }
            SimEventKind::Restarted { node } => {
                line(Category::Fault, format!("node {node} restarts as a follower with its saved term and log"))
            }
            SimEventKind::Intervened(i) => {
                let network_changed = matches!(
                    i,
                    Intervention::Partition { .. } | Intervention::CutLink { .. } | Intervention::RestoreLink { .. } | Intervention::Heal
                );
                if network_changed {
                    self.cut_losses.clear();
                }
                match i {
                Intervention::Crash { node } => line(Category::You, format!("you crash node {node}")),
                Intervention::Restart { node } => line(Category::You, format!("you restart node {node}")),
                Intervention::Timeout { node } => {
                    line(Category::You, format!("you make node {node}'s election timer fire now"))
                }
                Intervention::Partition { groups } if groups.len() == 1 => line(
                    Category::You,
                    format!("you cut node{} {} off from the others", if groups[0].len() == 1 { "" } else { "s" }, list(&groups[0])),
                ),
                Intervention::Partition { groups } => line(
                    Category::You,
                    format!(
                        "you partition the network into {}",
                        groups.iter().map(|g| format!("{{{}}}", list(g))).collect::<Vec<_>>().join(" ")
                    ),
                ),
                Intervention::CutLink { from, to } => line(Category::You, format!("you cut the link {from} → {to}")),
                Intervention::RestoreLink { from, to } => {
                    line(Category::You, format!("you restore the link {from} → {to}"))
                }
                Intervention::Heal => line(Category::You, "you heal the network".into()),
                Intervention::SetLoss { loss } => {
                    line(Category::You, format!("you set message loss to {:.0}%", loss * 100.0))
                }
                Intervention::HoldMessage { id } => line(Category::You, format!("you hold message #{id} where it is")),
                Intervention::ReleaseMessage { id } => line(Category::You, format!("you release message #{id}")),
                Intervention::DuplicateMessage { id } => {
                    line(Category::You, format!("you duplicate message #{id}: the network delivers it twice"))
                }
                Intervention::ChangeMembership { change: MembershipChange::Add(node) } => line(
                    Category::You,
                    format!("you ask the leader to add node {node}: it joins as a learner and votes once it has caught up (§6)"),
                ),
                Intervention::ChangeMembership { change: MembershipChange::Remove(node) } => {
                    line(Category::You, format!("you ask the leader to remove node {node} (§6)"))
                }
                Intervention::DropMessage { .. } | Intervention::Request { .. } => None,
                }
            }
            SimEventKind::ChangeRefused { reason, .. } => line(Category::You, format!("the change is refused: {reason}")),
            SimEventKind::Joined { node } => {
                line(Category::Fault, format!("node {node} starts, empty and in no configuration: it waits for the leader"))
            }
            SimEventKind::ClientSent { client, node, request } if client == USER_CLIENT => {
                line(Category::Client, format!("you → node {node}: {}", op_text(&request.op)))
            }
            SimEventKind::ClientAnswered { client, node, reply } if client == USER_CLIENT => {
                let text = match &reply.outcome {
                    Outcome::Written => format!("node {node} → you: done, the put is committed and applied"),
                    Outcome::Value(Some(v)) => format!("node {node} → you: the value is {v}"),
                    Outcome::Value(None) => format!("node {node} → you: no such key"),
                    Outcome::Redirect(Some(l)) => format!("node {node} → you: not the leader, ask node {l}"),
                    Outcome::Redirect(None) => format!("node {node} → you: no leader heard of lately, ask another node"),
                    Outcome::Fail(why) => format!("node {node} → you: cannot take it now ({why})"),
                };
                line(Category::Client, text)
            }
            SimEventKind::ClientLost { client, node, .. } if client == USER_CLIENT => line(
                Category::Client,
                format!("your request to node {node} is lost: node {node} is down (you will retry after a timeout)"),
            ),
            SimEventKind::ClientSent { .. } | SimEventKind::ClientAnswered { .. } | SimEventKind::ClientLost { .. } => {
                None
            }
            SimEventKind::Violation(v) => line(
                Category::Violation,
                format!("SAFETY VIOLATION ({}) at node {}: {}", v.invariant.name(), v.node, v.detail),
            ),
        }
    }

    fn node_event(&mut self, node: NodeId, e: &Event, sim: &Sim) -> Option<(Category, String)> {
        let pre_vote = sim.config().raft.pre_vote;
        let previous = self.roles.get(&node).copied();
        let text = match e {
            Event::ElectionTimeout { term } => {
                if pre_vote {
                    format!("node {node} timed out in term {term} and asks whether it could win term {} (pre-vote)", term + 1)
                } else {
                    format!("node {node} timed out in term {term} and asks for votes")
                }
            }
            Event::BecamePreCandidate { .. } => {
                self.roles.insert(node, RoleKind::PreCandidate);
                return None;
            }
            Event::BecameCandidate { term } => {
                self.roles.insert(node, RoleKind::Candidate);
                self.votes.insert(node, (*term, vec![node]));
                format!("node {node} becomes a candidate for term {term} and asks for votes")
            }
            Event::BecameLeader { term } => {
                self.roles.insert(node, RoleKind::Leader);
                let voters = match self.votes.remove(&node) {
                    Some((t, v)) if t == *term => v,
                    _ => vec![node],
                };
                return Some((
                    Category::Election,
                    format!("node {node} is the leader of term {term}: a majority ({}) voted for it", list(&voters)),
                ));
            }
            Event::BecameFollower { term, leader } => {
                self.roles.insert(node, RoleKind::Follower);
                match previous {
                    Some(RoleKind::Leader) => format!("node {node} steps down: it saw term {term}, newer than its own"),
                    Some(RoleKind::Candidate) => match leader {
                        Some(l) => format!("node {node} gives up its election: node {l} leads term {term}"),
                        None => format!("node {node} gives up its election: it saw term {term}"),
                    },
                    _ => return None,
                }
            }
            Event::SteppedDown { term, reason: StepDownReason::LostQuorum } => {
                self.roles.insert(node, RoleKind::Follower);
                format!("leader {node} has not heard from a majority and steps down (term {term})")
            }
            Event::SteppedDown { term, reason: StepDownReason::Removed } => {
                self.roles.insert(node, RoleKind::Follower);
                format!("leader {node} steps down (term {term}): the configuration without it is committed, and it no longer votes")
            }
            Event::MembershipChanged { index, voters, learners } => {
                if !sim.node(node).is_some_and(|n| n.is_leader()) {
                    return None; // every node switches; the leader's line says it for all
                }
                let what = super::membership_text(voters, learners);
                return Some((
                    Category::Replication,
                    format!("leader {node} uses configuration entry {index} at once, before it commits (§6): {what}"),
                ));
            }
            Event::VoteGranted { candidate, term, pre_vote } => {
                if *pre_vote {
                    format!("node {node} would vote for node {candidate} in term {term} (pre-vote)")
                } else {
                    format!("node {node} votes for node {candidate} in term {term}")
                }
            }
            Event::VoteDenied { candidate, term, pre_vote, reason } => {
                let why = match reason {
                    DenyReason::StaleTerm => "its term is older".to_string(),
                    DenyReason::AlreadyVoted(other) if *other == node => "it already voted for itself".to_string(),
                    DenyReason::AlreadyVoted(other) => format!("it already voted for node {other}"),
                    DenyReason::LogBehind => "its log is behind (§5.4.1)".to_string(),
                    DenyReason::LeaderAlive => "it heard from a live leader recently".to_string(),
                };
                let what = if *pre_vote { "pre-vote" } else { "vote" };
                format!("node {node} refuses node {candidate} its {what} for term {term}: {why}")
            }
            Event::VoteCounted { from, term, pre_vote: false, granted: true, .. } => {
                let entry = self.votes.entry(node).or_insert((*term, vec![node]));
                if entry.0 != *term {
                    *entry = (*term, vec![node]);
                }
                if !entry.1.contains(from) {
                    entry.1.push(*from);
                    entry.1.sort_unstable();
                }
                return None;
            }
            Event::VoteCounted { .. } => return None,
            Event::EntriesAppended { first, last, term } => {
                if !sim.node(node).is_some_and(|n| n.is_leader()) {
                    return None;
                }
                let what = sim
                    .node(node)
                    .map(|n| {
                        (*first..=*last)
                            .filter_map(|i| n.log().get(i).map(|e| super::command_text(&e.command)))
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                    .unwrap_or_default();
                let which = if first == last { format!("entry {first}") } else { format!("entries {first}–{last}") };
                return Some((Category::Replication, format!("leader {node} appends {which} in term {term}: {what}")));
            }
            Event::Compacted { index, term } => {
                return Some((
                    Category::Replication,
                    format!("node {node} snapshots its state machine up to entry {index} (term {term}) and drops those entries from its log (§7)"),
                ))
            }
            Event::SnapshotInstalled { index, term } => {
                return Some((
                    Category::Replication,
                    format!("node {node} installs the leader's snapshot up to entry {index} (term {term}): its state machine and log now start there (§7)"),
                ))
            }
            Event::LogTruncated { from } => {
                return Some((
                    Category::Replication,
                    format!("node {node} deletes its conflicting entries from index {from} on (§5.3)"),
                ))
            }
            Event::AppendRejected { leader, prev_log_index } => {
                return Some((
                    Category::Replication,
                    format!("node {node} rejects AppendEntries from node {leader}: its log does not match at index {prev_log_index} (§5.3)"),
                ))
            }
            Event::CommitAdvanced { from, to } => {
                let n = sim.node(node)?;
                let progress = n.progress()?; // followers learn commits from the leader: not news
                let voters = &n.membership().voters;
                let mut holders: Vec<NodeId> = progress
                    .iter()
                    .filter(|(id, p)| p.match_index >= *to && voters.contains(id))
                    .map(|(&id, _)| id)
                    .collect();
                if voters.contains(&node) {
                    holders.push(node);
                }
                holders.sort_unstable();
                let which = if to.saturating_sub(*from) == 1 { format!("entry {to}") } else { format!("entries {}–{to}", from + 1) };
                return Some((
                    Category::Replication,
                    format!("{which} committed: a majority ({}) has it", list(&holders)),
                ));
            }
            Event::Applied { .. } | Event::RequestHeld { .. } | Event::RequestAnswered { .. } => return None,
        };
        Some((Category::Election, text))
    }
}

/// A request the user made through the client panel, and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRequest {
    pub op: Op,
    /// Each node the request went to, in order, with what that node said.
    pub hops: Vec<(NodeId, String)>,
    pub done: Option<String>,
    /// The simulator's id of the latest attempt.
    current_id: String,
}

impl UserRequest {
    pub fn summary(&self) -> String {
        op_text(&self.op)
    }
}

/// Follows the user's requests through redirects and retries.
#[derive(Clone, Debug, Default)]
pub struct UserRequests {
    pub list: Vec<UserRequest>,
    expect_new: usize,
}

impl UserRequests {
    pub fn observe(&mut self, event: &SimEvent) {
        match &event.kind {
            SimEventKind::Intervened(Intervention::Request { .. }) => self.expect_new += 1,
            SimEventKind::ClientSent { client, node, request } if client == USER_CLIENT => self.sent(*node, request),
            SimEventKind::ClientAnswered { client, node, reply } if client == USER_CLIENT => {
                let Some(r) = self.list.iter_mut().find(|r| r.current_id == reply.id) else { return };
                let said = match &reply.outcome {
                    Outcome::Written => "committed".to_string(),
                    Outcome::Value(Some(v)) => format!("= {v}"),
                    Outcome::Value(None) => "no such key".to_string(),
                    Outcome::Redirect(Some(l)) => format!("redirect to {l}"),
                    Outcome::Redirect(None) => "redirect to any node".to_owned(),
                    Outcome::Fail(why) => format!("failed: {why}"),
                };
                if let Some(hop) = r.hops.iter_mut().rev().find(|(n, _)| n == node) {
                    hop.1 = said.clone();
                }
                if matches!(reply.outcome, Outcome::Written | Outcome::Value(_)) {
                    r.done = Some(said);
                }
            }
            SimEventKind::ClientLost { client, node, id } if client == USER_CLIENT => {
                if let Some(r) = self.list.iter_mut().find(|r| &r.current_id == id) {
                    if let Some(hop) = r.hops.iter_mut().rev().find(|(n, _)| n == node) {
                        hop.1 = "down: lost".into();
                    }
                }
            }
            _ => {}
        }
    }

    fn sent(&mut self, node: NodeId, request: &ClientRequest) {
        let retry = if self.expect_new > 0 {
            self.expect_new -= 1;
            None
        } else {
            // A resend after a redirect, a failure or a timeout: same operation, new id.
            self.list.iter_mut().rev().find(|r| r.done.is_none() && r.op == request.op)
        };
        match retry {
            Some(r) => {
                r.current_id = request.id.clone();
                r.hops.push((node, "waiting".into()));
            }
            None => self.list.push(UserRequest {
                op: request.op.clone(),
                hops: vec![(node, "waiting".into())],
                done: None,
                current_id: request.id.clone(),
            }),
        }
    }
}
