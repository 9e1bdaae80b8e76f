//! The replicated state machine: a key-value map, changed only by applying committed log
//! entries in log order (§5.3).

use crate::membership::Membership;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a log entry asks the state machine to do.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Command {
    /// The empty entry a new leader appends to commit entries of earlier terms (§8).
    Noop,
    Put { key: String, value: String },
    /// A new cluster configuration (§6). Each server uses it as soon as it is in its log,
    /// committed or not (thesis §4.1); the state machine ignores it.
    Membership(Membership),
}

impl Command {
    /// A rough upper bound of this command's encoded size, used to keep AppendEntries batches
    /// under a byte budget.
    pub fn approx_size(&self) -> usize {
        match self {
            Command::Noop => 16,
            Command::Put { key, value } => 32 + key.len() + value.len(),
            Command::Membership(m) => m.approx_size(),
        }
    }

    /// The bytes of text this command owns.
    pub fn heap_size(&self) -> usize {
        match self {
            Command::Noop => 0,
            Command::Put { key, value } => key.len() + value.len(),
            Command::Membership(m) => std::mem::size_of::<crate::types::NodeId>() * (m.voters.len() + m.learners.len()),
        }
    }
}

/// The key-value map. A `BTreeMap` so that iteration (and rendering) order is deterministic.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvStore {
    map: BTreeMap<String, String>,
}

/// A store holding these pairs (a snapshot read from the wire, say).
impl FromIterator<(String, String)> for KvStore {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> KvStore {
        KvStore { map: pairs.into_iter().collect() }
    }
}

impl KvStore {
    pub fn apply(&mut self, command: &Command) {
        if let Command::Put { key, value } = command {
            self.map.insert(key.clone(), value.clone());
        }
    }

    pub fn get(&self, key: &str) -> Option<&String> {
        self.map.get(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.map.iter()
    }

    /// The pairs whose keys follow `after` (all of them if none), in key order.
    pub fn iter_after(&self, after: Option<&str>) -> impl Iterator<Item = (&String, &String)> {
        use std::ops::Bound::{Excluded, Unbounded};
        let from = after.map_or(Unbounded, Excluded);
        self.map.range::<str, _>((from, Unbounded))
    }

    /// The last key, in key order.
    pub fn last_key(&self) -> Option<&String> {
        self.map.keys().next_back()
    }

    /// Adds `other`'s pairs, if every key of `other` follows every key here (a snapshot's
    /// next chunk); returns whether it did.
    pub fn append_after(&mut self, other: KvStore) -> bool {
        let follows = match (self.map.keys().next_back(), other.map.keys().next()) {
            (Some(last), Some(first)) => first > last,
            _ => true,
        };
        if follows {
            self.map.extend(other.map);
        }
        follows
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}
