//! Log compaction and InstallSnapshot (§7). A node snapshots its state machine once
//! `Config::snapshot_after_entries` applied entries follow its last snapshot, and drops those
//! entries from its log: only applied ones, so compaction never drops an entry that is not
//! committed. A leader sends its snapshot to a follower whose next entry it has dropped.
//!
//! Compaction is a step of its own: once due, `next_deadline` is now and `tick` compacts,
//! then asks for the snapshot to be written. So the entries of one step are written (and a
//! checker sees them) before any of them can be compacted away.

use super::{Node, Role};
use crate::client::Outcome;
use crate::event::Event;
use crate::message::{AppendResult, Body};
use crate::snapshot::Snapshot;
use crate::types::{Index, NodeId, Time};

/// What a key-value pair costs in a chunk, as an entry's command does in an AppendEntries.
fn pair_size(key: &str, value: &str) -> usize {
    32 + key.len() + value.len()
}

impl Node {
    /// Whether enough entries have been applied since the last snapshot to take another.
    pub(super) fn compaction_due(&self) -> bool {
        let every = self.config.snapshot_after_entries;
        every > 0 && self.last_applied.saturating_sub(self.log.start().0) >= every
    }

    /// Snapshots the state machine as of the last applied entry and drops the entries it
    /// covers, then asks for the snapshot to be written.
    pub(super) fn compact(&mut self) {
        let (start, _) = self.log.start();
        let upto = self.last_applied;
        if upto <= start {
            return;
        }
        let (_, membership) = self.membership_at(upto);
        let covered = &self.log.entries()[..(upto - start) as usize];
        let snapshot = Snapshot::extend(self.snapshot.as_ref(), covered, upto, self.kv.clone(), membership.clone());
        let term = snapshot.last_term;
        self.log.compact_to(upto);
        self.base_membership = membership;
        self.snapshot = Some(snapshot);
        self.snapshot_changed = true;
        self.trace(Event::Compacted { index: upto, term });
        self.persist();
    }

    /// §7: sends `to` the next chunk of the snapshot, one at a time as a probe: the next
    /// goes after its answer or a retransmit timeout. A chunk holds the pairs after the last
    /// key the follower has, up to the leader's byte budget (at least one pair).
    pub(super) fn send_snapshot(&mut self, to: NodeId, now: Time) {
        let Some(snapshot) = &self.snapshot else { return };
        let Role::Leader(l) = &mut self.role else { return };
        let p = l.progress.get_mut(&to).expect("progress for every peer");
        let after = if p.snapshot_sent == Some(snapshot.last_index) { p.snapshot_received.clone() } else { None };
        let budget = self.config.max_append_bytes;
        let mut pairs = snapshot.kv.iter_after(after.as_deref()).peekable();
        let mut kv = Vec::new();
        let mut size = 0;
        while let Some((key, value)) = pairs.next_if(|(k, v)| kv.is_empty() || size + pair_size(k, v) <= budget) {
            size += pair_size(key, value);
            kv.push((key.clone(), value.clone()));
        }
        let done = pairs.peek().is_none();
        drop(pairs);
        let chunk = Snapshot { kv: kv.into_iter().collect(), ..snapshot.without_state() };
        p.sent_snapshot(now, chunk.last_index);
        let body = Body::InstallSnapshot { snapshot: chunk, after, done, sent_at: now };
        self.send(to, body);
    }

    /// A follower's answer to a chunk of our snapshot but the last.
    pub(super) fn handle_snapshot_chunk_reply(&mut self, now: Time, from: NodeId, last_index: Index, received: Option<String>, sent_at: Time) {
        let heartbeat = self.config.heartbeat_interval_us;
        let Role::Leader(l) = &mut self.role else { return };
        let Some(p) = l.progress.get_mut(&from) else { return };
        p.heard(now, sent_at.min(now), heartbeat);
        p.snapshot_chunk_received(last_index, received);
        self.flush(now);
    }

    /// §7, on a follower: a chunk of the leader's snapshot. Chunks are kept, in key order,
    /// until the last; one that does not follow the kept ones is answered with what is
    /// kept, so that the leader sends what follows. Once whole, if the snapshot goes past
    /// what this node has committed, it replaces the state machine and the log up to its
    /// end (the entries after it are kept if the log holds its last entry). Either way the
    /// log now matches the leader's up to the snapshot's end, which the answer says.
    pub(super) fn handle_install_snapshot(&mut self, now: Time, leader: NodeId, chunk: Snapshot, after: Option<String>, done: bool, sent_at: Time) {
        self.heard_from_leader(now, leader);
        let (index, term) = (chunk.last_index, chunk.last_term);
        if index <= self.commit_index {
            self.incoming_snapshot = None;
            let result = AppendResult::Success { match_index: index };
            return self.send(leader, Body::AppendEntriesReply { result, sent_at });
        }
        let same = |s: &&mut Snapshot| (s.last_index, s.last_term) == (index, term);
        let kept = match after {
            None => {
                self.incoming_snapshot = Some(chunk);
                true
            }
            Some(key) => match self.incoming_snapshot.as_mut().filter(same) {
                Some(kept) => kept.kv.last_key() == Some(&key) && kept.kv.append_after(chunk.kv),
                None => false,
            },
        };
        let received = self.incoming_snapshot.as_ref().filter(|s| (s.last_index, s.last_term) == (index, term)).and_then(|s| s.kv.last_key().cloned());
        if !kept || !done {
            return self.send(leader, Body::InstallSnapshotReply { last_index: index, received, sent_at });
        }
        let snapshot = self.incoming_snapshot.take().expect("kept above");
        // Puts this node owes for entries the snapshot covers: each took effect if the
        // snapshot has an entry of its term there, else it was replaced (§5.4.2) and goes
        // back to request handling, as `settle_lost_puts` does.
        let owed = self.requests.take_owed_between(self.commit_index + 1, index);
        self.log.start_after(index, term);
        self.log_changed(index + 1);
        // The configuration as of the snapshot is its own; a later one in the log kept
        // after it still applies.
        self.base_membership = snapshot.membership.clone();
        self.kv = snapshot.kv.clone();
        self.commit_index = index;
        self.last_applied = index;
        self.snapshot = Some(snapshot);
        self.snapshot_changed = true;
        self.trace(Event::SnapshotInstalled { index, term });
        self.refresh_membership();
        for (at, of_term, request) in owed {
            if self.snapshot.as_ref().and_then(|s| s.term_at(at)) == Some(of_term) {
                self.answer(request, Outcome::Written);
            } else {
                self.handle_client_request(now, request);
            }
        }
        let result = AppendResult::Success { match_index: index };
        self.send(leader, Body::AppendEntriesReply { result, sent_at });
    }
}
