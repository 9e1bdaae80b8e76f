//! The replicated log (§5.3): entries indexed from 1, each stamped with the term in which a
//! leader created it. Once compacted (§7), the log starts after the last entry a snapshot
//! covers, and remembers only that entry's index and term.

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
    /// The entries after `start`: the first is at index `start + 1`.
    entries: Vec<Entry>,
    bytes: usize,
    /// The last index a snapshot covers (0: nothing compacted), and its term (§7: "last
    /// included index" and "last included term"), kept for the consistency check of the
    /// entry after it.
    start: Index,
    start_term: Term,
}

/// How a log is written out: its entries, and where they start once compacted.
#[derive(Clone, Serialize, Deserialize)]
struct LogEntries {
    entries: Vec<Entry>,
    #[serde(default, skip_serializing_if = "is_zero")]
    start: Index,
    #[serde(default, skip_serializing_if = "is_zero")]
    start_term: Term,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl From<LogEntries> for RaftLog {
    fn from(l: LogEntries) -> RaftLog {
        let bytes = l.entries.iter().map(Entry::memory_size).sum();
        RaftLog { entries: l.entries, bytes, start: l.start, start_term: l.start_term }
    }
}

impl From<RaftLog> for LogEntries {
    fn from(l: RaftLog) -> LogEntries {
        LogEntries { entries: l.entries, start: l.start, start_term: l.start_term }
    }
}

impl RaftLog {
    /// The total memory size of the entries kept (see `Config::max_log_bytes`).
    pub fn memory_size(&self) -> usize {
        self.bytes
    }

    pub fn last_index(&self) -> Index {
        self.start + self.entries.len() as Index
    }

    pub fn last_term(&self) -> Term {
        self.entries.last().map_or(self.start_term, |e| e.term)
    }

    /// The last index a snapshot covers, and its term: the log holds the entries after it.
    pub fn start(&self) -> (Index, Term) {
        (self.start, self.start_term)
    }

    /// The index of the first entry the log holds (one past the end if it holds none).
    pub fn first_index(&self) -> Index {
        self.start + 1
    }

    /// The term of the entry at `index`: known for the entries held and for the last one
    /// compacted (index 0 has term 0); `None` beyond the end and below the start.
    pub fn term_at(&self, index: Index) -> Option<Term> {
        if index == self.start {
            return Some(self.start_term);
        }
        self.get(index).map(|e| e.term)
    }

    /// The entry at `index`, if the log holds it (not compacted, not beyond the end).
    pub fn get(&self, index: Index) -> Option<&Entry> {
        let i = index.checked_sub(self.start + 1)?;
        self.entries.get(usize::try_from(i).ok()?)
    }

    /// The entries held, from `first_index()` on.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entries held from `from` on (all held if `from` is at or below the start).
    pub fn entries_from(&self, from: Index) -> &[Entry] {
        let skip = from.saturating_sub(self.start + 1).min(self.entries.len() as Index);
        &self.entries[skip as usize..]
    }

    pub fn append(&mut self, entry: Entry) -> Index {
        debug_assert!(entry.term >= self.last_term(), "terms never decrease along the log");
        self.bytes += entry.memory_size();
        self.entries.push(entry);
        self.last_index()
    }

    /// Removes the entry at `index` and everything after it (§5.3: a conflicting entry and all
    /// that follow it are deleted). Compacted entries are committed and cannot conflict
    /// (§5.4), so an `index` at or below the start removes only what the log holds.
    pub fn truncate_from(&mut self, index: Index) {
        let keep = (index.saturating_sub(self.start + 1) as usize).min(self.entries.len());
        self.bytes -= self.entries[keep..].iter().map(Entry::memory_size).sum::<usize>();
        self.entries.truncate(keep);
    }

    /// §7: drops the entries up to `index`, which a snapshot now covers. The caller
    /// snapshots only what is applied, so only committed entries go. An index outside
    /// the entries held changes nothing.
    pub fn compact_to(&mut self, index: Index) {
        let Some(term) = self.get(index).map(|e| e.term) else { return };
        let n = (index - self.start) as usize;
        self.bytes -= self.entries[..n].iter().map(Entry::memory_size).sum::<usize>();
        self.entries.drain(..n);
        self.start = index;
        self.start_term = term;
    }

    /// §7, InstallSnapshot: the log now follows a snapshot that ends at `index` in `term`.
    /// If it holds that entry, the entries after it are kept (they may be newer than the
    /// snapshot); otherwise the whole log is discarded.
    pub fn start_after(&mut self, index: Index, term: Term) {
        if index > self.start && self.term_at(index) == Some(term) {
            self.compact_to(index);
        } else {
            self.entries.clear();
            self.bytes = 0;
            self.start = index;
            self.start_term = term;
        }
    }

    /// Entries from `from` on, at least one if there is any, at most `max_bytes` (estimated).
    /// None (an empty list) if `from` is compacted: the follower needs the snapshot instead.
    pub fn slice_from(&self, from: Index, max_bytes: usize) -> Vec<Entry> {
        let mut bytes = 0;
        let mut out = Vec::new();
        if from <= self.start {
            return out;
        }
        for e in self.entries_from(from) {
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
    /// as terms never decrease along the log. Compacted entries are committed: the run is
    /// counted from the start at the earliest.
    pub fn first_index_of_term_at(&self, index: Index) -> Index {
        let Some(term) = self.term_at(index) else { return self.last_index() + 1 };
        if index == self.start {
            return self.start;
        }
        self.start + self.entries.partition_point(|e| e.term < term) as Index + 1
    }

    /// The last index whose entry has `term`, if any (a binary search, as above).
    pub fn last_index_of_term(&self, term: Term) -> Option<Index> {
        let after = self.entries.partition_point(|e| e.term <= term);
        if after > 0 && self.entries[after - 1].term == term {
            Some(self.start + after as Index)
        } else {
            (after == 0 && self.start > 0 && self.start_term == term).then_some(self.start)
        }
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
    fn a_compacted_log_keeps_its_indexes_and_the_term_of_its_start() {
        let mut l = log_of(&[1, 1, 2, 2, 3]);
        l.compact_to(3);
        assert_eq!((l.start(), l.first_index(), l.last_index(), l.last_term()), ((3, 2), 4, 5, 3));
        assert_eq!((l.term_at(2), l.term_at(3), l.term_at(4)), (None, Some(2), Some(2)));
        assert_eq!(l.get(3), None);
        assert_eq!(l.get(5).map(|e| e.term), Some(3));
        assert_eq!(l.entries_from(5).len(), 1);
        assert_eq!(l.entries_from(1).len(), 2);
        assert_eq!(l.slice_from(3, 1000), Vec::new(), "compacted: the snapshot is due instead");
        assert_eq!(l.slice_from(4, 1000).len(), 2);
        assert_eq!(l.first_index_of_term_at(4), 4);
        assert_eq!(l.first_index_of_term_at(3), 3);
        assert_eq!(l.last_index_of_term(2), Some(4));
        assert_eq!(l.last_index_of_term(3), Some(5));
        assert_eq!(l.memory_size(), 2 * Entry::new(1, Command::Noop).memory_size());
        // Truncation below the start removes only what is held; compaction past the end
        // changes nothing.
        l.compact_to(9);
        assert_eq!(l.start(), (3, 2));
        l.truncate_from(2);
        assert_eq!((l.last_index(), l.last_term(), l.memory_size()), (3, 2, 0));
        assert_eq!(l.last_index_of_term(2), Some(3));
        l.append(Entry::new(4, Command::Noop));
        assert_eq!(l.last_index(), 4);
        let back: RaftLog = serde_json::from_str(&serde_json::to_string(&l).unwrap()).unwrap();
        assert_eq!(back, l);
    }

    #[test]
    fn a_snapshot_keeps_the_entries_after_it_only_if_the_log_holds_its_last_entry() {
        let mut l = log_of(&[1, 1, 2, 2]);
        l.start_after(2, 1);
        assert_eq!((l.start(), l.last_index()), ((2, 1), 4));
        l.start_after(3, 5);
        assert_eq!((l.start(), l.last_index(), l.last_term()), ((3, 5), 3, 5), "a different entry 3: all discarded");
        l.start_after(10, 6);
        assert_eq!((l.start(), l.last_index(), l.entries().len()), ((10, 6), 10, 0));
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
