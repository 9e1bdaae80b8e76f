//! The replicated log (§5.3): entries indexed from 1, each stamped with the term in which a
//! leader created it.

use crate::kv::Command;
use crate::types::{Index, Term};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    pub term: Term,
    pub command: Command,
}

impl Entry {
    pub fn new(term: Term, command: Command) -> Entry {
        Entry { term, command }
    }

    /// A rough upper bound of the encoded size.
    pub fn approx_size(&self) -> usize {
        self.command.approx_size() + 16
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaftLog {
    entries: Vec<Entry>,
}

impl RaftLog {
    pub fn last_index(&self) -> Index {
        self.entries.len() as Index
    }

    pub fn last_term(&self) -> Term {
        self.entries.last().map_or(0, |e| e.term)
    }

    /// The term of the entry at `index`; index 0 has term 0, beyond the end is `None`.
    pub fn term_at(&self, index: Index) -> Option<Term> {
        if index == 0 {
            return Some(0);
        }
        self.get(index).map(|e| e.term)
    }

    pub fn get(&self, index: Index) -> Option<&Entry> {
        index.checked_sub(1).and_then(|i| self.entries.get(i as usize))
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn append(&mut self, entry: Entry) -> Index {
        self.entries.push(entry);
        self.last_index()
    }

    /// Removes the entry at `index` and everything after it (§5.3: a conflicting entry and all
    /// that follow it are deleted).
    pub fn truncate_from(&mut self, index: Index) {
        self.entries.truncate(index.saturating_sub(1) as usize);
    }

    /// Entries from `from` on, at least one if there is any, at most `max_bytes` (estimated).
    pub fn slice_from(&self, from: Index, max_bytes: usize) -> Vec<Entry> {
        let start = from.saturating_sub(1) as usize;
        let mut bytes = 0;
        let mut out = Vec::new();
        for e in self.entries.iter().skip(start) {
            bytes += e.approx_size();
            if !out.is_empty() && bytes > max_bytes {
                break;
            }
            out.push(e.clone());
        }
        out
    }

    /// §5.4.1: a candidate's log is at least as up-to-date as ours if its last term is later,
    /// or the same and its log is at least as long.
    pub fn is_up_to_date(&self, last_index: Index, last_term: Term) -> bool {
        (last_term, last_index) >= (self.last_term(), self.last_index())
    }

    /// The first index of the run of entries that share the term of `index` (used as a
    /// conflict hint so that a leader can skip a whole term at once, §5.3).
    pub fn first_index_of_term_at(&self, index: Index) -> Index {
        let Some(term) = self.term_at(index) else { return self.last_index() + 1 };
        let mut i = index;
        while i > 1 && self.term_at(i - 1) == Some(term) {
            i -= 1;
        }
        i
    }

    /// The last index whose entry has `term`, if any.
    pub fn last_index_of_term(&self, term: Term) -> Option<Index> {
        self.entries.iter().rposition(|e| e.term == term).map(|i| i as Index + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_of(terms: &[Term]) -> RaftLog {
        let mut l = RaftLog::default();
        for &t in terms {
            l.append(Entry::new(t, Command::Noop));
        }
        l
    }

    #[test]
    fn up_to_date_compares_last_term_then_length() {
        let l = log_of(&[1, 1, 2]);
        assert!(l.is_up_to_date(3, 2));
        assert!(l.is_up_to_date(1, 3));
        assert!(!l.is_up_to_date(5, 1));
        assert!(!l.is_up_to_date(2, 2));
    }

    #[test]
    fn conflict_hints() {
        let l = log_of(&[1, 1, 2, 2, 2, 3]);
        assert_eq!(l.first_index_of_term_at(5), 3);
        assert_eq!(l.first_index_of_term_at(1), 1);
        assert_eq!(l.last_index_of_term(2), Some(5));
        assert_eq!(l.last_index_of_term(4), None);
    }

    #[test]
    fn slice_respects_byte_budget_but_sends_at_least_one() {
        let mut l = RaftLog::default();
        for i in 0..10 {
            l.append(Entry::new(1, Command::Put { key: format!("k{i}"), value: "x".repeat(100) }));
        }
        assert_eq!(l.slice_from(1, 10).len(), 1);
        let some = l.slice_from(1, 500);
        assert!(some.len() > 1 && some.len() < 10);
        assert_eq!(l.slice_from(11, 500).len(), 0);
    }
}
