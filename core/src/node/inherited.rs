//! The puts a new leader inherits from earlier terms, and who answers them.
//!
//! Every put's entry names the node that answers its client: the leader that appended it,
//! or (`Config::chain_answers`) the end of the chain it went along. A new leader commits
//! the entries of earlier terms in its log together with one of its own (§5.4.2, §8), and
//! each named node answers when it applies them. A named node that has died never will:
//! in practice a leader killed before it learned that its latest puts were committed. The
//! client then waits for good, and a later read of the key shows it a value it was never
//! told was written, an incorrect read. So with `Config::answer_inherited_puts` a new
//! leader answers an inherited put itself once its answerer has been silent towards it for
//! an election timeout (the former leader: since this node last heard from it as a
//! follower), and until the put is answered, by either, reads of its key wait.
//!
//! Which inherited puts may be unanswered: those above the highest commit index the new
//! leader knows the earlier leaders reached. Every node reports, in its vote replies and
//! its acknowledgements, its commit index when its current term began (what earlier
//! leaders told it). A leader answers a put only once it knows it committed, and a former
//! leader that is alive reports everything it knew; along a relay chain the chain's end
//! knows of a commit before the leader does (`append.rs`), so the commit of a put a dead
//! leader answered has usually reached a live node. Two cases remain. A put answered by a
//! leader that learned of its commit from direct acknowledgements and died before telling
//! anyone gets a second answer, a duplicate: for such clients, better than a wrong value.
//! And a chain's end that committed a put whose acknowledgement never reached the leader,
//! killed before a retransmission got through, makes the put count as answered although
//! nobody answered it (with chain answers, only a put the leader was to answer itself).

use super::progress::Progress;
use super::{Node, Role};
use crate::client::Outcome;
use crate::log::RaftLog;
use crate::types::{Index, NodeId, Term, Time};

#[derive(Debug)]
pub(super) struct Inherited {
    /// The highest commit index known to have been reached before this term: puts up to
    /// here were answered.
    floor: Index,
    /// The inherited puts above `floor` that name another node to answer, until it reports
    /// having applied them or this leader answers them.
    puts: Vec<Index>,
    /// The leader this node followed before its election, with its term.
    former_leader: Option<(Term, NodeId)>,
    /// When this node last heard from that leader: its silence counts from then.
    former_contact: Time,
}

impl Inherited {
    /// `former_leader` and `former_contact`: the leader this node followed and when it
    /// last heard from it; `on`: `Config::answer_inherited_puts` (else nothing is tracked).
    pub(super) fn new(
        log: &RaftLog,
        me: NodeId,
        (floor, term_start): (Index, Index),
        former_leader: Option<(Term, NodeId)>,
        former_contact: Time,
        on: bool,
    ) -> Inherited {
        let inherited = if on { floor + 1..term_start } else { 0..0 };
        let puts = inherited.filter(|&i| log.answerer_at(i).is_some_and(|a| a != me)).collect();
        Inherited { floor, puts, former_leader, former_contact }
    }

    /// A peer's commit index when its current term (ours) began: what leaders of earlier
    /// terms had told it. The puts up to there were answered.
    pub(super) fn reported(&mut self, prior_commit: Index) {
        if prior_commit > self.floor {
            self.floor = prior_commit;
            self.puts.retain(|&i| i > prior_commit);
        }
    }

    /// Whether the put at `index` is known to be answered: it names the former leader to
    /// answer it, the floor covers it, and that leader applied it: the put is of the
    /// leader's own term, or of an earlier one (named to it as a chain's end) and the floor
    /// covers an entry of the leader's term, which it could commit only after everything
    /// before (§5.4.2). (A put a follower was named to answer is answered once that
    /// follower applies it, which a commit index known to the leader does not show. Reads
    /// of keys last written before a kill waited an election timeout for the killed leader
    /// when it had been the chain's end of their puts.)
    pub(super) fn answered_by_former_leader(&self, log: &RaftLog, index: Index) -> bool {
        let Some((term, leader)) = self.former_leader else { return false };
        let leader_committed_its_term = || log.last_index_of_term(term).is_some_and(|i| log.first_index_of_term_at(i) <= self.floor);
        index <= self.floor
            && log.get(index).is_some_and(|e| e.term <= term && e.answerer.as_ref().is_some_and(|a| a.node == leader))
            && leader_committed_its_term()
    }

    /// Whether a read of `key` must wait: an inherited put of it may not be answered yet.
    pub(super) fn holds_back(&self, log: &RaftLog, key: &str) -> bool {
        self.puts.iter().any(|&i| log.writes(i, key))
    }

    /// When this leader may answer a put named to `node` itself: once `node` has been
    /// `silent` for that long since it was last heard from, in this term, or for the
    /// former leader before it (its silence fired this node's election timer), or else
    /// since this term's start.
    fn adopt_at(&self, node: NodeId, p: &Progress, since: Time, silence: u64) -> Time {
        let before = match self.former_leader {
            Some((_, leader)) if leader == node => self.former_contact.min(since),
            _ => since,
        };
        p.last_heard_at.filter(|&t| t >= since).unwrap_or(before).saturating_add(silence)
    }
}

impl Node {
    /// A peer's commit index when `term` began, from its reply to our vote request or
    /// AppendEntries: for the campaign in that term, or the leadership it won.
    pub(super) fn note_prior_commit(&mut self, term: Term, prior_commit: Index) {
        if term != self.term {
            return;
        }
        match &mut self.role {
            Role::Candidate(c) => c.reported_commit = c.reported_commit.max(prior_commit),
            Role::Leader(l) => l.inherited.reported(prior_commit),
            _ => {}
        }
    }

    /// Settles the committed inherited puts: answered by their answerer (it reports its
    /// commit index in every acknowledgement), or by this leader once that one has been
    /// silent for an election timeout.
    pub(super) fn settle_inherited(&mut self, now: Time) {
        let Role::Leader(l) = &mut self.role else { return };
        let silence = self.config.election_timeout_max_us;
        let (commit, since) = (self.commit_index, l.since);
        if l.inherited.puts.first().is_none_or(|&i| i > commit) {
            return;
        }
        let mut puts = std::mem::take(&mut l.inherited.puts);
        let inherited = &l.inherited;
        let mut ours = Vec::new();
        puts.retain(|&i| {
            if i > commit {
                return true;
            }
            let Some(node) = self.log.answerer_at(i) else { return false };
            match l.progress.get(&node) {
                Some(p) if p.applied >= i => false,
                Some(p) if now < inherited.adopt_at(node, p, since, silence) => true,
                _ => {
                    ours.push(i);
                    false
                }
            }
        });
        l.inherited.puts = puts;
        for i in ours {
            let a = self.log.get(i).and_then(|e| e.answerer.clone()).expect("inherited puts name an answerer");
            self.answer_to(a.client, a.id, Outcome::Written);
        }
    }

    /// When the next committed inherited put's answerer will have been silent long enough.
    pub(super) fn inherited_deadline(&self) -> Option<Time> {
        let Role::Leader(l) = &self.role else { return None };
        let silence = self.config.election_timeout_max_us;
        l.inherited
            .puts
            .iter()
            .filter(|&&i| i <= self.commit_index)
            .filter_map(|&i| {
                let node = self.log.answerer_at(i)?;
                Some(l.inherited.adopt_at(node, l.progress.get(&node)?, l.since, silence))
            })
            .min()
    }
}
