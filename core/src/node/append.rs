//! The follower's side of AppendEntries (§5.3): the consistency check, conflict removal,
//! and learning the commit index from the leader.

use super::quorum::majority;
use super::{Node, Role};
use crate::event::Event;
use crate::log::Entry;
use crate::message::{AppendResult, Body, Relay};
use crate::types::{Index, NodeId, Term, Time};

/// The fields of an AppendEntries, as received.
pub(super) struct Append {
    pub prev_log_index: Index,
    pub prev_log_term: Term,
    pub entries: Vec<Entry>,
    pub leader_commit: Index,
    pub sent_at: Time,
    pub relay: Relay,
}

impl Node {
    /// An AppendEntries from `sender`: the leader itself, or a follower forwarding the
    /// leader's message in a relay chain.
    pub(super) fn handle_append_entries(&mut self, now: Time, sender: NodeId, append: Append) {
        let leader = match append.relay {
            Relay::Forwarded { leader, .. } => leader,
            _ => sender,
        };
        match self.role {
            // Election safety (§5.2) allows one leader per term; a second one is a bug in the
            // sender, and its message must not touch our log.
            Role::Leader(_) => return,
            Role::Follower { leader: Some(l) } if l == leader => {
                self.last_leader_contact = Some(now);
                self.reset_election_timer(now);
                // The leader is alive after all: requests held for a bounced client can be
                // redirected to it.
                if !self.held.is_empty() {
                    self.release_held_requests(now);
                }
            }
            // A candidate (or a follower that did not know the leader) recognises the leader
            // of its term (§5.2).
            _ => self.become_follower(now, self.term, Some(leader)),
        }

        let Append { prev_log_index, prev_log_term, entries, leader_commit, sent_at, relay } = append;
        // Only a chain's first follower needs a copy of the entries, to pass them on.
        let forward = match relay {
            Relay::Forward { to } if self.is_peer(to) && to != leader => Some((to, entries.clone())),
            _ => None,
        };
        let result = self.check_and_append(prev_log_index, prev_log_term, entries, leader_commit);
        match (&result, forward) {
            (AppendResult::Success { match_index }, Some((to, entries))) => {
                let relay = Relay::Forwarded { leader, via_match: *match_index };
                let body = Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, sent_at, relay };
                self.send(to, body);
                return;
            }
            (AppendResult::Reject { .. }, _) => self.trace(Event::AppendRejected { leader, prev_log_index }),
            _ => {}
        }
        if relay == Relay::Store {
            return;
        }
        let via = match relay {
            Relay::Forwarded { via_match, .. } => Some((sender, via_match)),
            _ => None,
        };
        if let (AppendResult::Success { match_index }, Some((_, via_match))) = (&result, via) {
            self.commit_from_chain((*match_index).min(via_match));
        }
        let commit_index = self.commit_index;
        let prior_commit = self.prior_commit;
        self.send(leader, Body::AppendEntriesReply { result, sent_at, via, commit_index, prior_commit });
    }

    /// At the end of a relay chain: the leader, the forwarder and this node hold the log up
    /// to `index`. In a cluster of at most five that is a majority, and if the entry there
    /// is of the current term it is committed (§5.4.2), with everything before it. We commit
    /// (and so apply, and with `Config::chain_answers` answer) it now instead of waiting for
    /// the leader's next message to say so. So by the time the leader learns of a commit
    /// from this node, and answers for it, this node knows of it too, and reports it if it
    /// votes in the next election (`node/inherited.rs`).
    fn commit_from_chain(&mut self, index: Index) {
        if majority(self.cluster_size()) <= 3 && self.log.term_at(index) == Some(self.term) {
            self.set_commit_index(index);
        }
    }

    fn check_and_append(
        &mut self,
        prev_log_index: Index,
        prev_log_term: Term,
        entries: Vec<Entry>,
        leader_commit: Index,
    ) -> AppendResult {
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
        let last_new = prev_log_index + entries.len() as Index;
        let mut first_appended = None;
        for (offset, entry) in entries.into_iter().enumerate() {
            let index = prev_log_index + 1 + offset as Index;
            match self.log.term_at(index) {
                Some(term) if term == entry.term => continue,
                Some(_) => {
                    debug_assert!(index > self.commit_index, "a leader never overwrites committed entries");
                    if index <= self.commit_index {
                        // Cannot happen with a correct leader; refuse rather than corrupt.
                        return AppendResult::Reject {
                            rejected_index: prev_log_index,
                            conflict_index: self.commit_index + 1,
                            conflict_term: None,
                        };
                    }
                    self.log.truncate_from(index);
                    self.trace(Event::LogTruncated { from: index });
                }
                None => {}
            }
            first_appended.get_or_insert((index, entry.term));
            self.fresh_from = self.fresh_from.min(index);
            self.log.append(entry);
        }
        if let Some((first, term)) = first_appended {
            self.trace(Event::EntriesAppended { first, last: self.log.last_index(), term });
        }

        // §5.3: commit_index = min(leader_commit, index of last new entry).
        self.set_commit_index(leader_commit.min(last_new));
        AppendResult::Success { match_index: last_new }
    }
}
