//! AppendEntries on the receiving side (§5.3): the consistency check, conflict removal,
//! and learning the commit index from the leader.

use super::{Node, Role};
use crate::event::Event;
use crate::log::Entry;
use crate::message::{AppendResult, Body};
use crate::types::{Index, NodeId, Term, Time};

/// The fields of an AppendEntries, as received.
pub(super) struct Append {
    pub prev_log_index: Index,
    pub prev_log_term: Term,
    pub entries: Vec<Entry>,
    pub leader_commit: Index,
    pub sent_at: Time,
}

impl Node {
    /// An AppendEntries from the leader of our term.
    pub(super) fn handle_append_entries(&mut self, now: Time, leader: NodeId, append: Append) {
        self.heard_from_leader(now, leader);
        let Append { prev_log_index, prev_log_term, entries, leader_commit, sent_at } = append;
        let result = self.check_and_append(now, prev_log_index, prev_log_term, entries, leader_commit);
        if let AppendResult::Reject { .. } = result {
            self.trace(Event::AppendRejected { leader, prev_log_index });
        }
        self.send(leader, Body::AppendEntriesReply { result, sent_at });
    }

    /// The leader of our term spoke to us (an AppendEntries or an InstallSnapshot): it is
    /// alive, so our election timer starts again (§5.2).
    pub(super) fn heard_from_leader(&mut self, now: Time, leader: NodeId) {
        match self.role {
            Role::Follower { leader: Some(l) } if l == leader => {
                self.last_leader_contact = Some(now);
                self.reset_election_timer(now);
                // The leader is alive after all: requests held for a client that came back
                // can be redirected to it.
                if self.requests.held_len() > 0 {
                    self.release_held_requests(now);
                }
            }
            // A follower that did not know the leader recognises it (§5.2).
            _ => self.become_follower(now, self.term, Some(leader)),
        }
    }

    fn check_and_append(
        &mut self,
        now: Time,
        mut prev_log_index: Index,
        mut prev_log_term: Term,
        mut entries: Vec<Entry>,
        leader_commit: Index,
    ) -> AppendResult {
        // §7: entries up to the log's start are in our snapshot; they are committed, so the
        // leader's are the same (§5.4). Check from the start instead.
        let (start, start_term) = self.log.start();
        if prev_log_index < start {
            let covered = start - prev_log_index;
            if entries.len() as Index <= covered {
                return AppendResult::Success { match_index: prev_log_index + entries.len() as Index };
            }
            // The leader's entry at our start is the committed one we snapshotted: one of
            // another term is no honest leader's, and would put our log out of term order.
            if entries[covered as usize - 1].term != start_term {
                return AppendResult::Reject { rejected_index: prev_log_index, conflict_index: start + 1, conflict_term: None };
            }
            entries.drain(..covered as usize);
            (prev_log_index, prev_log_term) = (start, start_term);
        }
        // §5.3: reply false if the log has no entry at prev_log_index with prev_log_term.
        match self.log.term_at(prev_log_index) {
            None => {
                return AppendResult::Reject {
                    rejected_index: prev_log_index,
                    conflict_index: self.log.last_index() + 1,
                    conflict_term: None,
                }
            }
            Some(term) if term != prev_log_term => {
                return AppendResult::Reject {
                    rejected_index: prev_log_index,
                    conflict_index: self.log.first_index_of_term_at(prev_log_index),
                    conflict_term: Some(term),
                }
            }
            Some(_) => {}
        }

        // §5.3: delete an existing entry that conflicts with a new one and all that follow;
        // keep entries that match (a reordered, older AppendEntries must not shorten the log).
        // The entries are taken in order until the log would outgrow `Config::max_log_bytes`:
        // a prefix of a leader's entries is a shorter AppendEntries, and the reply says how
        // far it got.
        let mut last_new = prev_log_index;
        let mut first_appended = None;
        for entry in entries {
            let index = last_new + 1;
            match self.log.term_at(index) {
                Some(term) if term == entry.term => {
                    last_new = index;
                    continue;
                }
                Some(_) if index <= self.commit_index => {
                    // A leader never overwrites committed entries (§5.4); refuse rather
                    // than corrupt the state machine.
                    return AppendResult::Reject {
                        rejected_index: prev_log_index,
                        conflict_index: self.commit_index + 1,
                        conflict_term: None,
                    };
                }
                Some(_) => {
                    self.log_truncate(index);
                    self.trace(Event::LogTruncated { from: index });
                }
                None => {}
            }
            if self.log.memory_size() + entry.memory_size() > self.config.max_log_bytes {
                break;
            }
            first_appended.get_or_insert((index, entry.term));
            self.log_append(entry);
            last_new = index;
        }
        if let Some((first, term)) = first_appended {
            self.trace(Event::EntriesAppended { first, last: self.log.last_index(), term });
        }

        // §5.3: commit_index = min(leader_commit, index of last new entry).
        self.set_commit_index(leader_commit.min(last_new), now);
        AppendResult::Success { match_index: last_new }
    }
}
