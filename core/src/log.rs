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

    /// What the entry takes in memory: itself and the text it owns.
    pub fn memory_size(&self) -> usize {
        std::mem::size_of::<Entry>() + self.command.heap_size()
    }
}

/// The entries, with their total [`Entry::memory_size`] kept up to date. Terms never decrease
/// along the log: a leader appends entries of its own term, the newest there is (§5.3), and a
/// follower takes a leader's entries only after the entry they follow
/// (`Node::is_possible` refuses a message whose entries go back in term).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "LogEntries", into = "LogEntries")]
pub struct RaftLog {
    entries: Vec<Entry>,
    bytes: usize,
}

/// How a log is written out: just its entries.
#[derive(Clone, Serialize, Deserialize)]
struct LogEntries {
    entries: Vec<Entry>,
}

impl From<LogEntries> for RaftLog {
    fn from(l: LogEntries) -> RaftLog {
        let bytes = l.entries.iter().map(Entry::memory_size).sum();
        RaftLog { entries: l.entries, bytes }
    }
}

impl From<RaftLog> for LogEntries {
    fn from(l: RaftLog) -> LogEntries {
        LogEntries { entries: l.entries }
    }
}

impl RaftLog {
    /// The total memory size of the entries (see `Config::max_log_bytes`).
    pub fn memory_size(&self) -> usize {
        self.bytes
    }

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
        debug_assert!(entry.term >= self.last_term(), "terms never decrease along the log");
        self.bytes += entry.memory_size();
        self.entries.push(entry);
        self.last_index()
    }

    /// Removes the entry at `index` and everything after it (§5.3: a conflicting entry and all
    /// that follow it are deleted).
    pub fn truncate_from(&mut self, index: Index) {
        let keep = (index.saturating_sub(1) as usize).min(self.entries.len());
        self.bytes -= self.entries[keep..].iter().map(Entry::memory_size).sum::<usize>();
        self.entries.truncate(keep);
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
    /// conflict hint so that a leader can skip a whole term at once, §5.3). A binary search,
    /// as terms never decrease along the log.
    pub fn first_index_of_term_at(&self, index: Index) -> Index {
        let Some(term) = self.term_at(index) else { return self.last_index() + 1 };
        if index == 0 {
            return 0;
        }
        self.entries.partition_point(|e| e.term < term) as Index + 1
    }

    /// The last index whose entry has `term`, if any (a binary search, as above).
    pub fn last_index_of_term(&self, term: Term) -> Option<Index> {
        let after = self.entries.partition_point(|e| e.term <= term);
        (after > 0 && self.entries[after - 1].term == term).then_some(after as Index)
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
    fn memory_size_follows_appends_truncations_and_round_trips() {
        let mut l = log_of(&[1, 1]);
        l.append(Entry::new(2, Command::Put { key: "k".repeat(10), value: "v".repeat(90) }));
        let noop = Entry::new(1, Command::Noop).memory_size();
        assert_eq!(l.memory_size(), 3 * noop + 100);
        let json = serde_json::to_string(&l).unwrap();
        let back: RaftLog = serde_json::from_str(&json).unwrap();
        assert_eq!(back.memory_size(), l.memory_size());
        l.truncate_from(2);
        assert_eq!(l.memory_size(), noop);
        l.truncate_from(5);
        assert_eq!(l.memory_size(), noop);
        l.truncate_from(0);
        assert_eq!(l.memory_size(), 0);
    }

    #[test]
    fn term_searches_agree_with_a_scan() {
        let terms = [1, 1, 2, 2, 2, 3, 5, 5];
        let l = log_of(&terms);
        for t in 0..7 {
            let scan = terms.iter().rposition(|&x| x == t).map(|i| i as Index + 1);
            assert_eq!(l.last_index_of_term(t), scan, "term {t}");
        }
        for i in 1..=terms.len() as Index {
            let t = terms[i as usize - 1];
            let scan = terms.iter().position(|&x| x == t).unwrap() as Index + 1;
            assert_eq!(l.first_index_of_term_at(i), scan, "index {i}");
        }
        assert_eq!(l.first_index_of_term_at(9), 9);
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
