//! Raft's safety properties (§5.2, §5.4.3, Figure 3), checked after every step of a
//! simulation. Each log is summarised by prefix hashes, so that a check costs time
//! proportional to what changed, not to the length of the logs.

use crate::event::Event;
use crate::kv::Command;
use crate::log::Entry;
use crate::node::Node;
use crate::types::{Index, NodeId, Term, Time};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Invariant {
    /// At most one leader per term.
    ElectionSafety,
    /// Two logs with an entry of the same index and term are identical up to it.
    LogMatching,
    /// A leader holds every entry committed in an earlier term.
    LeaderCompleteness,
    /// No two nodes commit (and so apply) different entries at the same index.
    StateMachineSafety,
    /// A node's commit index never goes back while it runs.
    MonotonicCommit,
    /// Every client request a node receives gets exactly one answer.
    ExactlyOnceAnswer,
}

impl Invariant {
    pub const ALL: [Invariant; 6] = [
        Invariant::ElectionSafety,
        Invariant::LogMatching,
        Invariant::LeaderCompleteness,
        Invariant::StateMachineSafety,
        Invariant::MonotonicCommit,
        Invariant::ExactlyOnceAnswer,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Invariant::ElectionSafety => "election safety",
            Invariant::LogMatching => "log matching",
            Invariant::LeaderCompleteness => "leader completeness",
            Invariant::StateMachineSafety => "state machine safety",
            Invariant::MonotonicCommit => "monotonic commit",
            Invariant::ExactlyOnceAnswer => "one answer per request",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub at: Time,
    pub invariant: Invariant,
    pub node: NodeId,
    pub detail: String,
}

#[derive(Clone, Debug, Default)]
pub struct Invariants {
    /// Per node (index id - 1): hash of the log prefix ending at each index; [0] is empty.
    prefix: Vec<Vec<u64>>,
    /// The prefix hash first seen for an (index, term) pair.
    seen: HashMap<(Index, Term), u64>,
    leaders: BTreeMap<Term, NodeId>,
    /// Prefix hashes of the longest committed log seen, and the term in which each index was
    /// first known committed.
    committed: Vec<u64>,
    commit_term: Vec<Term>,
    /// The state machine of the committed log, applied in order (§5.4.3), and the hash of
    /// its contents after each committed index: a snapshot must hold exactly that (§7).
    applied: BTreeMap<String, String>,
    state_hashes: Vec<u64>,
    commit_index: Vec<Index>,
    violations: Vec<Violation>,
}

const EMPTY: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

fn chain(prev: u64, entry: &Entry) -> u64 {
    let mut h = fnv(prev, &entry.term.to_le_bytes());
    match &entry.command {
        Command::Noop => h = fnv(h, b"n"),
        Command::Put { key, value } => {
            h = fnv(h, b"p");
            h = fnv(h, &(key.len() as u64).to_le_bytes());
            h = fnv(h, key.as_bytes());
            h = fnv(h, value.as_bytes());
        }
        Command::Membership(m) => {
            h = fnv(h, b"m");
            for (tag, ids) in [(b"v", &m.voters), (b"l", &m.learners)] {
                h = fnv(h, tag);
                for id in ids {
                    h = fnv(h, &id.to_le_bytes());
                }
            }
        }
    }
    h
}

/// One key's value, hashed.
fn pair_hash(key: &str, value: &str) -> u64 {
    let h = fnv(EMPTY, &(key.len() as u64).to_le_bytes());
    fnv(fnv(h, key.as_bytes()), value.as_bytes())
}

/// A state machine's contents, hashed whatever the order: the sum of its pairs' hashes, so
/// that a put updates it in constant time.
fn state_hash<'a>(pairs: impl Iterator<Item = (&'a String, &'a String)>) -> u64 {
    pairs.fold(0u64, |h, (k, v)| h.wrapping_add(pair_hash(k, v)))
}

impl Invariants {
    pub fn new(nodes: usize) -> Invariants {
        Invariants {
            prefix: vec![vec![EMPTY]; nodes],
            committed: vec![EMPTY],
            commit_term: vec![0],
            state_hashes: vec![0],
            commit_index: vec![0; nodes],
            ..Default::default()
        }
    }

    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    pub fn report(&mut self, at: Time, invariant: Invariant, node: NodeId, detail: String) {
        self.violations.push(Violation { at, invariant, node, detail });
    }

    /// A node joins the simulation: it is checked like the others from now on.
    pub fn add_node(&mut self) {
        self.prefix.push(vec![EMPTY]);
        self.commit_index.push(0);
    }

    /// Node `id` starts with a log already (set up by the run's configuration).
    pub fn initial_log(&mut self, id: NodeId, node: &Node) {
        if node.log().last_index() > 0 {
            self.rehash(0, id, node, 1);
        }
    }

    /// A node restarted: its commit index starts again from zero (it is volatile).
    pub fn restarted(&mut self, node: NodeId) {
        self.commit_index[node as usize - 1] = 0;
    }

    /// Checks what node `id` did in one step, given the events it emitted and its state after.
    pub fn after_step(&mut self, at: Time, id: NodeId, node: &Node, events: &[Event]) {
        for event in events {
            if let Event::SnapshotInstalled { index, .. } = event {
                self.on_snapshot(at, id, node, *index);
            }
        }
        let changed_from = events
            .iter()
            .filter_map(|e| match e {
                Event::EntriesAppended { first, .. } => Some(*first),
                Event::LogTruncated { from } => Some(*from),
                _ => None,
            })
            .min();
        if let Some(from) = changed_from {
            self.rehash(at, id, node, from);
        }
        for event in events {
            match event {
                Event::BecameLeader { term } => self.on_leader(at, id, *term),
                Event::CommitAdvanced { to, .. } => self.on_commit(at, id, node, *to),
                Event::Compacted { index, .. } | Event::SnapshotInstalled { index, .. } => {
                    self.check_snapshot(at, id, node, *index)
                }
                _ => {}
            }
        }
    }

    /// A node installed a snapshot that ends at `index` (§7): it must hold only what was
    /// committed, so its log's prefix is the committed one up to there.
    fn on_snapshot(&mut self, at: Time, id: NodeId, node: &Node, index: Index) {
        let known = self.committed.len() as Index - 1;
        if index > known {
            self.report(at, Invariant::StateMachineSafety, id, format!("node {id} installed a snapshot up to {index}, past what was committed ({known})"));
            return;
        }
        self.prefix[id as usize - 1] = self.committed[..=index as usize].to_vec();
        let from = std::mem::replace(&mut self.commit_index[id as usize - 1], index);
        if index < from {
            self.report(at, Invariant::MonotonicCommit, id, format!("node {id}'s commit index went back from {from} to {index}"));
        }
        self.rehash(at, id, node, index + 1);
    }

    fn rehash(&mut self, at: Time, id: NodeId, node: &Node, from: Index) {
        let log = node.log();
        let hashes = &mut self.prefix[id as usize - 1];
        hashes.truncate(from as usize);
        // Entries appended and compacted in the same step are no longer held: compaction
        // covers only committed entries, so their hashes are the committed ones.
        let start = log.start().0 as usize;
        while hashes.len() <= start {
            let Some(&h) = self.committed.get(hashes.len()) else {
                let index = hashes.len();
                self.report(at, Invariant::StateMachineSafety, id, format!("node {id} compacted entry {index}, which was not committed"));
                return;
            };
            hashes.push(h);
        }
        let from = from.max(log.first_index());
        let mut found = None;
        for index in from..=log.last_index() {
            let entry = log.get(index).expect("index within the log");
            let h = chain(*hashes.last().expect("prefix hashes start with the empty log"), entry);
            hashes.push(h);
            let first = *self.seen.entry((index, entry.term)).or_insert(h);
            if first != h && found.is_none() {
                found = Some((index, entry.term));
            }
        }
        if let Some((index, term)) = found {
            self.report(
                at,
                Invariant::LogMatching,
                id,
                format!("node {id}'s entry {index} (term {term}) follows a log that differs from another node's"),
            );
        }
    }

    fn on_leader(&mut self, at: Time, id: NodeId, term: Term) {
        if let Some(&other) = self.leaders.get(&term) {
            if other != id {
                self.report(at, Invariant::ElectionSafety, id, format!("nodes {other} and {id} both lead term {term}"));
            }
        } else {
            self.leaders.insert(term, id);
        }
        // Entries committed in earlier terms must all be in the new leader's log.
        let required = self.commit_term.iter().skip(1).take_while(|&&t| t < term).count();
        let hashes = &self.prefix[id as usize - 1];
        if hashes.get(required) != Some(&self.committed[required]) {
            self.report(
                at,
                Invariant::LeaderCompleteness,
                id,
                format!("node {id} leads term {term} without the {required} entries committed before it"),
            );
        }
    }

    /// §7: a node's snapshot is the state machine of the committed log up to its index.
    fn check_snapshot(&mut self, at: Time, id: NodeId, node: &Node, index: Index) {
        let (Some(snapshot), Some(&expected)) = (node.snapshot(), self.state_hashes.get(index as usize)) else { return };
        if snapshot.last_index == index && state_hash(snapshot.kv.iter()) != expected {
            self.report(
                at,
                Invariant::StateMachineSafety,
                id,
                format!("node {id}'s snapshot up to {index} differs from the state machine of the committed log"),
            );
        }
    }

    fn on_commit(&mut self, at: Time, id: NodeId, node: &Node, to: Index) {
        let term = node.term();
        let from = std::mem::replace(&mut self.commit_index[id as usize - 1], to);
        if to < from {
            self.report(at, Invariant::MonotonicCommit, id, format!("node {id}'s commit index went back from {from} to {to}"));
        }
        let hashes = &self.prefix[id as usize - 1];
        let known = self.committed.len() as Index - 1;
        let overlap = to.min(known) as usize;
        if hashes.get(overlap) != Some(&self.committed[overlap]) {
            self.report(
                at,
                Invariant::StateMachineSafety,
                id,
                format!("node {id} committed up to {to}, but its log differs from what was committed before"),
            );
            return;
        }
        for index in known + 1..=to {
            match hashes.get(index as usize) {
                Some(&h) => {
                    self.committed.push(h);
                    self.commit_term.push(term);
                    // Compaction is a step of its own, so what a node commits it still holds.
                    let mut state = *self.state_hashes.last().expect("the empty state's hash");
                    if let Some(Command::Put { key, value }) = node.log().get(index).map(|e| &e.command) {
                        if let Some(old) = self.applied.insert(key.clone(), value.clone()) {
                            state = state.wrapping_sub(pair_hash(key, &old));
                        }
                        state = state.wrapping_add(pair_hash(key, value));
                    }
                    self.state_hashes.push(state);
                }
                None => {
                    self.report(at, Invariant::StateMachineSafety, id, format!("node {id} committed {to} beyond its log"));
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hash kept up to date put by put is the hash of the resulting state machine,
    /// whatever the order of its keys and however often a key is overwritten.
    #[test]
    fn a_state_hash_kept_by_puts_is_the_hash_of_the_state() {
        let puts = [("a", "1"), ("b", "2"), ("a", "3"), ("c", ""), ("b", "2"), ("a", "1")];
        let (mut map, mut h) = (BTreeMap::new(), 0u64);
        for (k, v) in puts {
            if let Some(old) = map.insert(k.to_string(), v.to_string()) {
                h = h.wrapping_sub(pair_hash(k, &old));
            }
            h = h.wrapping_add(pair_hash(k, v));
            assert_eq!(h, state_hash(map.iter()));
        }
        let other: BTreeMap<String, String> = [("a", "1"), ("b", "2")].map(|(k, v)| (k.into(), v.into())).into();
        assert_ne!(h, state_hash(other.iter()), "a missing key changes the hash");
    }
}
