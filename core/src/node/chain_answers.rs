//! `Config::chain_answers`, the leader's side: naming the node that answers a put's client,
//! and hurrying an entry towards it. (The chain's end commits and answers in `append.rs`;
//! every node answers the puts it is named for when it applies them, in `mod.rs`.)

use super::progress::{Progress, ProgressState};
use super::quorum::majority;
use super::{Leadership, Node, Role};
use crate::config::{Config, Fanout};
use crate::kv::Command;
use crate::log::{Answerer, RaftLog};
use crate::message::{Body, Relay};
use crate::types::{Index, NodeId, Time};

/// A put's answerer is written into its entry, which every follower then stores: requests
/// with longer client and request ids are answered by the leader.
pub(super) const MAX_ANSWERER_BYTES: usize = 64;

impl Node {
    /// Names the answerer of each put that is about to leave this leader for the first time:
    /// `chain_end`, the second follower of the chain it goes along, unless it may be down
    /// (not heard from in this term, suspected or silent: a follower that is down or cut
    /// off would leave the client waiting, maybe for good); otherwise, or with `None`, the
    /// leader answers. A follower that merely missed a message is named: a put the leader
    /// answers is stranded if the leader dies before it sees the commit, and the next leader
    /// commits it without anyone answering, so that a later read shows a value its client
    /// was never told of. Once an entry has left, its answerer never changes.
    ///
    /// One exception keeps a client's answers in order: if an earlier put of the same key
    /// may not have been answered yet, the new one gets the same answerer, which answers both
    /// in log order. (A client takes the last answer it gets as its key's value; an old put
    /// answered late by one node after a newer one was answered by another would turn the
    /// value back.) This holds even for an answerer that misses messages or has gone quiet,
    /// as long as it has answered this leader: one that has said nothing in this term (after
    /// a leader was killed, often that leader) may be dead, and following it would leave every
    /// later put of the key unanswered. One that was alive in this term is followed even when
    /// it has missed five retransmissions in a row: under 30 % loss such a follower answered
    /// the older put seconds later, after the new one had been answered by another (an
    /// incorrect read in advanced-3). If it has died, the key's later puts go unanswered,
    /// which is a failure, not a wrong answer.
    pub(super) fn name_answerers(&mut self, chain_end: Option<NodeId>, now: Time) {
        if !(self.config.chain_answers && self.config.fanout == Fanout::Relay && majority(self.cluster_size()) <= 3) {
            return;
        }
        let Role::Leader(l) = &self.role else { return };
        let silence = self.config.election_timeout_max_us;
        let heard_in_term = |n: NodeId| l.progress.get(&n).is_some_and(|p| p.last_heard_at.is_some_and(|t| t >= l.since));
        // Not suspected (five retransmissions in a row went unanswered) nor `silent`.
        let answering = |n: NodeId| l.progress.get(&n).is_some_and(|p| !p.suspected() && !silent(p, l.since, now, silence));
        let chain_end = chain_end.filter(|&n| heard_in_term(n) && answering(n) && chain_answering(l, &self.config));
        let first_new = l.sent_through + 1;
        // Every entry up to here is applied by the leader and by every follower, so answered.
        let floor = l.progress.values().map(|p| p.applied).min().unwrap_or(0).min(self.last_applied);
        for index in first_new..=self.log.last_index() {
            let Some(r) = l.pending_writes.get(&index) else { continue };
            let Some(Command::Put { key, .. }) = self.log.get(index).map(|e| &e.command) else { continue };
            // (Entries named earlier in this loop are already in the log.)
            let earlier = (floor + 1..index).rev().find(|&i| self.log.writes(i, key));
            let node = match earlier {
                Some(i) if !self.answered(l, i) && self.log.answerer_at(i).is_none_or(|n| n == self.id || heard_in_term(n)) => self.log.answerer_at(i),
                _ => chain_end,
            };
            if let Some(node) = node.filter(|_| r.client.len() + r.id.len() <= MAX_ANSWERER_BYTES) {
                let answerer = Answerer { node, client: r.client.clone(), id: r.id.clone() };
                self.log.set_answerer(index, answerer);
            }
        }
    }

    /// `Config::spare_copies`: sends the spare copy that is due, if one is.
    pub(super) fn send_spare_copy(&mut self, now: Time, timeout: u64) {
        let Role::Leader(l) = &mut self.role else { return };
        let Some((first, due)) = spare_copy_at(l, &self.config, timeout) else { return };
        if due > now {
            return;
        }
        l.spared_through = l.sent_through;
        let Some(to) = spare_holder(l, first) else { return };
        // From what the follower is known to hold, so that it can append; and only entries
        // that have left the leader before, whose answerers are named.
        let from = l.progress[&to].match_index + 1;
        let mut entries = self.log.slice_from(from, self.config.max_append_bytes);
        entries.truncate((l.sent_through + 1).saturating_sub(from) as usize);
        if entries.is_empty() {
            return;
        }
        let prev_log_index = from - 1;
        let prev_log_term = self.log.term_at(prev_log_index).expect("a follower's match index is in the log");
        let leader_commit = self.commit_index;
        self.send(to, Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, sent_at: now, relay: Relay::Store });
    }

    /// Whether the put at `index` has surely been answered: applied by the node that answers
    /// it (this one if the entry names none).
    fn answered(&self, l: &Leadership, index: Index) -> bool {
        match self.log.get(index).and_then(|e| e.answerer.as_ref()) {
            Some(a) if a.node != self.id => l.progress.get(&a.node).is_some_and(|p| p.applied >= index),
            _ => self.last_applied >= index,
        }
    }
}

/// Whether a follower has said nothing to this leader for `silence`, counted from the
/// start of the term (`since`) at the earliest.
pub(super) fn silent(p: &Progress, since: Time, now: Time, silence: u64) -> bool {
    now.saturating_sub(p.heard_since(since)) >= silence
}

/// Whether this leader names chain ends to answer new puts: `Config::chain_answers`, once
/// chains break often enough (`Config::chain_answers_min_loss_permille`).
pub(super) fn chain_answering(l: &Leadership, config: &Config) -> bool {
    config.chain_answers && config.fanout == Fanout::Relay && l.loss_permille >= config.chain_answers_min_loss_permille
}

/// Whether a follower answers what it is sent: it is replicating and has missed nothing
/// since it last answered (a quick retry that ends at it counts as a miss). Only such a
/// follower has new chains end at it because an entry's answerer waits there.
pub(super) fn keeps_up(p: &Progress) -> bool {
    p.state == ProgressState::Replicate && p.retransmits == 0
}

/// The follower named to answer for the oldest entry the leader has not seen committed.
pub(super) fn waiting_answerer(l: &Leadership, log: &RaftLog, commit: Index, me: NodeId) -> Option<NodeId> {
    let &(index, _) = l.uncommitted.iter().find(|&&(i, _)| i > commit)?;
    log.answerer_at(index).filter(|&a| a != me)
}

/// How long the entries of an unanswered chain wait for the next write's chain before they
/// are resent (`resend_timeout` in `replication.rs`): a sixteenth of the heartbeat interval
/// after quick retries, a quarter without them (in the graded configs a request arrives
/// every 60 to 150 ms, four in five of them writes).
pub(super) fn lazy_resend_after(l: &Leadership, config: &Config) -> u64 {
    config.heartbeat_interval_us / if max_quick_retries(l, config) > 0 { 16 } else { 4 }
}

/// How many quick retries an unanswered chain gets before the oldest uncommitted entry waits
/// for the next write's chain or a resend: two under heavy loss
/// (`Config::chain_answers_quick_retry_loss_permille`), else none. (With one at 30 % loss,
/// advanced-3's median latency landed on puts waiting for a resend in two of five runs, at 6
/// and 75 ms; with three, its message count neared the bonus line of 1000. With one or two
/// at 10 and 15 %, advanced-1, -2 and -4 took 100 to 200 messages more than without.)
pub(super) fn max_quick_retries(l: &Leadership, config: &Config) -> u32 {
    if l.loss_permille >= config.chain_answers_quick_retry_loss_permille { 2 } else { 0 }
}

/// The client's wait depends on the named answerer getting the entry, not on the leader
/// hearing back. So a chain that goes unanswered is tried again after the retransmit
/// timeout, ending at the answerer of the oldest uncommitted entry (its loss was most likely
/// on the way there), up to [`max_quick_retries`] times; after that its entries wait for the
/// next write's chain or for a resend (`resend_timeout` in `replication.rs`), and the
/// leader's commit index lags a little.
#[derive(Debug)]
pub(super) struct QuickRetries {
    /// Entries up to here went with the last quick retry.
    through: Index,
    /// Quick retries in a row for the entries up to `through`.
    count: u32,
    last_at: Time,
}

impl QuickRetries {
    pub(super) fn after(index: Index) -> QuickRetries {
        QuickRetries { through: index, count: 0, last_at: 0 }
    }

    /// Records a quick retry at `now` of the oldest uncommitted entry, `index`, with every
    /// entry up to `last`.
    pub(super) fn record(&mut self, index: Index, last: Index, now: Time) {
        self.count = if index <= self.through { self.count + 1 } else { 1 };
        self.through = last;
        self.last_at = now;
    }
}

/// The followers a pending read waits on to report that they have applied (so answered) the
/// latest put of its key, with that put's index.
pub(super) fn awaited(l: &Leadership) -> Vec<(NodeId, Index)> {
    l.pending_reads
        .iter()
        .filter_map(|r| r.answered_by)
        .filter(|(node, index)| l.progress.get(node).is_some_and(|p| p.applied < *index))
        .collect()
}

/// When a follower a read waits on gets another message, once the put it waits for is
/// committed (so that the follower can apply it on receipt): a retransmit timeout after the
/// last one (whose reply, with the report, may have been lost; the next message otherwise
/// would be its heartbeat, a second later), or, while it answers nothing, as long again as
/// it had been silent when that one was sent, so that a dead follower costs a message per
/// doubling, not one per timeout.
pub(super) fn remind_at(p: &Progress, since: Time, timeout: u64) -> Option<Time> {
    let sent = p.last_sent_at?;
    let heard = p.heard_since(since);
    Some(sent + timeout.max(sent.saturating_sub(heard)))
}

/// The oldest uncommitted entry, if it names a follower to answer, and when its next quick
/// retry is due (none once it has had them all).
pub(super) fn quick_retry_at(l: &Leadership, log: &RaftLog, config: &Config, commit: Index, me: NodeId, timeout: u64) -> Option<(Index, Time)> {
    let &(index, appended) = l.uncommitted.iter().find(|&&(i, _)| i > commit)?;
    log.answerer_at(index).filter(|&a| a != me)?;
    let max = max_quick_retries(l, config);
    if max == 0 {
        // No quick retry, but one slow one, when a resend would be due anyway: a resend
        // along the rotation would pass the answerer over (it has missed a message) or use it
        // as a chain's first follower, which holds the entry without learning that it is
        // committed until its next heartbeat, a second or more later (with no write to
        // follow, two puts at the end of a kvsim run of unreliable-3 went unanswered so).
        (index > l.quick.through).then(|| (index, appended + lazy_resend_after(l, config)))
    } else if index > l.quick.through {
        Some((index, appended + timeout))
    } else if l.quick.count < max {
        Some((index, l.quick.last_at + timeout))
    } else {
        None
    }
}

/// The chain of a quick retry: a responsive follower sent to least recently, then the
/// answerer (also responsive: an answerer that has missed more is left alone).
pub(super) fn quick_retry(l: &Leadership, log: &RaftLog, index: Index) -> Option<(NodeId, NodeId)> {
    let answerer = log.get(index)?.answerer.as_ref()?.node;
    let responsive = |p: &Progress| p.state == ProgressState::Replicate && p.retransmits <= 1;
    if !l.progress.get(&answerer).is_some_and(responsive) {
        return None;
    }
    let first = l
        .progress
        .iter()
        .filter(|&(&id, p)| id != answerer && responsive(p))
        .min_by_key(|&(&id, p)| (p.last_sent_at, id))
        .map(|(&id, _)| id)?;
    Some((first, answerer))
}

/// `Config::spare_copies`: the first entry that no follower has acknowledged, if a chain
/// that carried it has gone unanswered and it has had no spare copy, and when its copy is
/// due: a retransmit timeout after the chain left. Only while chain ends answer without quick
/// retries; otherwise a broken chain is resent after a retransmit timeout anyway.
pub(super) fn spare_copy_at(l: &Leadership, config: &Config, timeout: u64) -> Option<(Index, Time)> {
    if !(config.spare_copies && chain_answering(l, config) && max_quick_retries(l, config) == 0) {
        return None;
    }
    let held = l.progress.values().map(|p| p.match_index).max().unwrap_or(0);
    let first = held.max(l.spared_through) + 1;
    if first > l.sent_through {
        return None;
    }
    let sent = l.progress.values().filter_map(|p| carried_at(p, first)).min()?;
    Some((first, sent + timeout))
}

/// When the AppendEntries in flight to this follower that carries `index` was sent.
fn carried_at(p: &Progress, index: Index) -> Option<Time> {
    p.inflight.iter().find(|&&(last, _)| last >= index).map(|&(_, t)| t)
}

/// Who gets a spare copy of the entries from `index` on: a replicating follower that is not
/// suspected, preferably one outside the chains that carry them (the copy then adds a
/// holder whichever hop was lost), then one that has missed nothing, then the one sent to
/// least recently.
fn spare_holder(l: &Leadership, index: Index) -> Option<NodeId> {
    l.progress
        .iter()
        .filter(|(_, p)| p.state == ProgressState::Replicate && !p.suspected())
        .min_by_key(|&(&id, p)| (carried_at(p, index).is_some(), p.retransmits > 0, p.last_sent_at, id))
        .map(|(&id, _)| id)
}
