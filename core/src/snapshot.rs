//! A snapshot (§7): the state machine as of one log entry, which replaces the log up to it.

use crate::kv::KvStore;
use crate::log::Entry;
use crate::membership::Membership;
use crate::types::{Index, Term};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The last entry it covers (§7: "last included index" and "last included term").
    pub last_index: Index,
    pub last_term: Term,
    /// The terms of the entries it covers, as runs `(first index, term)` (terms never
    /// decrease along a log, so there is one run a term). A node that led and still owes a
    /// client an answer for one of those entries learns from it whether its entry was
    /// committed (the same term at that index) or replaced.
    pub terms: Vec<(Index, Term)>,
    /// The state machine after applying every entry up to `last_index`.
    pub kv: KvStore,
    /// The configuration as of `last_index` (§7: the snapshot carries the latest
    /// configuration it covers, since the entry that held it is gone).
    #[serde(default)]
    pub membership: Membership,
}

impl Snapshot {
    /// The snapshot that extends `previous` (or nothing) by `entries`, applied to give `kv`,
    /// the last of them at `last_index`, where the configuration is `membership`.
    pub fn extend(previous: Option<&Snapshot>, entries: &[Entry], last_index: Index, kv: KvStore, membership: Membership) -> Snapshot {
        let mut terms = previous.map(|s| s.terms.clone()).unwrap_or_default();
        let first = last_index + 1 - entries.len() as Index;
        for (i, e) in entries.iter().enumerate() {
            if terms.last().is_none_or(|&(_, t)| t != e.term) {
                terms.push((first + i as Index, e.term));
            }
        }
        let last_term = entries.last().map(|e| e.term).or(previous.map(|s| s.last_term)).unwrap_or(0);
        Snapshot { last_index, last_term, terms, kv, membership }
    }

    /// This snapshot's index, terms and configuration, without the state machine: what
    /// every chunk of it carries (§7).
    pub fn without_state(&self) -> Snapshot {
        let Snapshot { last_index, last_term, terms, membership, .. } = self;
        Snapshot { last_index: *last_index, last_term: *last_term, terms: terms.clone(), kv: KvStore::default(), membership: membership.clone() }
    }

    /// The term of the entry at `index`, for `1..=last_index`.
    pub fn term_at(&self, index: Index) -> Option<Term> {
        if index == 0 || index > self.last_index {
            return None;
        }
        let run = self.terms.partition_point(|&(first, _)| first <= index);
        run.checked_sub(1).map(|r| self.terms[r].1)
    }

    /// Whether the runs could describe a log ending at `last_index` in `last_term`: they
    /// start at 1, go up in index and in term, and end in that term. A snapshot from a peer
    /// must pass this before a node trusts it.
    pub fn is_consistent(&self) -> bool {
        let ordered = self.terms.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1);
        let bounds = match (self.terms.first(), self.terms.last()) {
            (Some(&(first, _)), Some(&(last, term))) => first == 1 && last <= self.last_index && term == self.last_term,
            _ => self.last_index == 0 && self.last_term == 0,
        };
        ordered && bounds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::Command;

    fn entries(terms: &[Term]) -> Vec<Entry> {
        terms.iter().map(|&t| Entry::new(t, Command::Noop)).collect()
    }

    #[test]
    fn term_runs_extend_across_snapshots_and_answer_for_every_index() {
        let a = Snapshot::extend(None, &entries(&[1, 1, 2]), 3, KvStore::default(), Membership::default());
        assert_eq!((a.last_index, a.last_term, a.terms.clone()), (3, 2, vec![(1, 1), (3, 2)]));
        let b = Snapshot::extend(Some(&a), &entries(&[2, 4, 4]), 6, KvStore::default(), Membership::default());
        assert_eq!(b.terms, vec![(1, 1), (3, 2), (5, 4)]);
        let terms: Vec<_> = (0..=7).map(|i| b.term_at(i)).collect();
        assert_eq!(terms, [None, Some(1), Some(1), Some(2), Some(2), Some(4), Some(4), None]);
        assert!(a.is_consistent() && b.is_consistent());
    }

    #[test]
    fn forged_runs_are_not_consistent() {
        let bad = |last_index, last_term, terms: &[(Index, Term)]| {
            !Snapshot { last_index, last_term, terms: terms.to_vec(), ..Snapshot::default() }.is_consistent()
        };
        assert!(bad(3, 2, &[(2, 1), (3, 2)]), "does not start at 1");
        assert!(bad(3, 2, &[(1, 2), (3, 1)]), "goes back in term");
        assert!(bad(3, 3, &[(1, 1), (3, 2)]), "ends in another term");
        assert!(bad(3, 2, &[(1, 1), (5, 2)]), "a run past the end");
        assert!(bad(3, 2, &[]), "no runs for a non-empty log");
    }
}
