//! Every node's log as one row of a shared grid, entries aligned by index: the compact form
//! that fits beside the ring. Aligned rows show at a glance what §5.3 is about: where two logs
//! agree, where one lags, and where one holds entries of a term the others never saw.

use super::log_view::{LogColumn, LogRow};
use super::membership::Member;
use super::node_view::RoleGlyph;
use raft_core::{Index, NodeId, Term};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StripRow {
    pub node: NodeId,
    pub role: RoleGlyph,
    pub member: Member,
    pub term: Term,
    pub commit_index: Index,
    /// One cell per index of the window, oldest first; `None` where this log has no entry.
    pub cells: Vec<Option<LogRow>>,
    /// The last index its snapshot covers (§7; 0: none): the log holds no entry up to there,
    /// yet has them all, in the snapshot.
    pub snapshot: Index,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogStrip {
    /// The first index of the window (1 when the whole log fits).
    pub first: Index,
    /// The highest last index of any log: the window ends there.
    pub last: Index,
    pub rows: Vec<StripRow>,
}

impl LogStrip {
    /// The newest `width` indexes of any log, drawn from `columns` (each of which must hold
    /// at least its newest `width` entries, as `log_columns(sim, width)` does: every index of
    /// the window at or below a log's last index is then among its rows).
    pub fn of(columns: &[LogColumn], width: usize) -> LogStrip {
        let last = columns.iter().map(|c| c.last_index).max().unwrap_or(0);
        let first = last.saturating_sub(width as Index).saturating_add(1).max(1);
        let rows = columns
            .iter()
            .map(|c| StripRow {
                node: c.node,
                role: c.role,
                member: c.member,
                term: c.term,
                commit_index: c.commit_index,
                cells: (first..=last).map(|i| c.rows.iter().find(|r| r.index == i).cloned()).collect(),
                snapshot: c.snapshot.map_or(0, |(index, _)| index),
            })
            .collect();
        LogStrip { first, last, rows }
    }

    /// The indexes of the window, oldest first.
    pub fn indexes(&self) -> impl Iterator<Item = Index> {
        self.first..=self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(node: NodeId, terms: &[Term], commit_index: Index) -> LogColumn {
        let rows: Vec<_> = terms
            .iter()
            .enumerate()
            .map(|(i, &term)| {
                let index = i as Index + 1;
                LogRow { index, term, command: format!("e{index}"), committed: index <= commit_index, config: false }
            })
            .collect();
        LogColumn {
            node,
            role: RoleGlyph::Follower,
            member: Member::Voter,
            term: *terms.last().unwrap_or(&0),
            commit_index,
            last_applied: commit_index,
            last_index: rows.len() as Index,
            rows,
            hidden: 0,
            snapshot: None,
            progress: Vec::new(),
            kv: Vec::new(),
        }
    }

    #[test]
    fn rows_are_aligned_by_index_with_gaps_where_a_log_is_short() {
        let strip = LogStrip::of(&[column(1, &[1, 1, 2], 2), column(2, &[1], 1)], 10);
        assert_eq!((strip.first, strip.last), (1, 3));
        let terms: Vec<Vec<Option<Term>>> =
            strip.rows.iter().map(|r| r.cells.iter().map(|c| c.as_ref().map(|c| c.term)).collect()).collect();
        assert_eq!(terms, vec![vec![Some(1), Some(1), Some(2)], vec![Some(1), None, None]]);
        assert!(strip.rows[0].cells[1].as_ref().unwrap().committed);
        assert!(!strip.rows[0].cells[2].as_ref().unwrap().committed);
    }

    #[test]
    fn the_window_keeps_the_newest_indexes() {
        let strip = LogStrip::of(&[column(1, &[1; 30], 30)], 8);
        assert_eq!((strip.first, strip.last), (23, 30));
        assert_eq!(strip.indexes().count(), 8);
        assert_eq!(strip.rows[0].cells.first().unwrap().as_ref().unwrap().index, 23);
    }

    #[test]
    fn empty_logs_make_an_empty_window() {
        let strip = LogStrip::of(&[column(1, &[], 0), column(2, &[], 0)], 8);
        assert_eq!(strip.indexes().count(), 0);
        assert!(strip.rows.iter().all(|r| r.cells.is_empty()));
    }
}
