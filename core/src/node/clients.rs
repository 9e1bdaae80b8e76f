//! Client requests: every request a node accepts gets exactly one answer. A leader appends
//! puts and answers each once its entry is applied; it answers gets as `reads.rs` allows.
//! Other nodes redirect to the leader they know, and hold requests while they know none;
//! a node that has gone an election timeout without a leader sends the client elsewhere.
//!
//! A leader that loses its leadership still owes the puts it appended: an entry of a
//! deposed leader may yet be committed by the next one (§5.4.2, Figure 8). So the node
//! answers such a put when its entry is applied, and redirects it only once a committed
//! entry has replaced it, when it can no longer take effect.

use super::reads::PendingRead;
use super::{Node, Role};
use crate::client::{ClientRequest, Op, Outcome};
use crate::config::ReadMode;
use crate::event::Event;
use crate::kv::Command;
use crate::log::Entry;
use crate::types::{Index, Term, Time};
use std::collections::{BTreeMap, BTreeSet};

/// Redirected clients remembered at most (see `Requests::redirected`).
const MAX_REMEMBERED_REDIRECTS: usize = 1024;

#[derive(Debug, Default)]
pub(super) struct Requests {
    /// Requests that arrived while no leader was known (or while the known one seemed gone).
    held: Vec<ClientRequest>,
    /// Puts this node appended as leader, by the index and term of their entry. A later
    /// leadership of this node may append at an index where an earlier one's put still
    /// waits for its fate, so the term is part of the key.
    owed: BTreeMap<(Index, Term), ClientRequest>,
    /// The same puts' request ids by client, so that a duplicate is found in O(log n).
    owed_ids: BTreeMap<String, BTreeSet<String>>,
    /// When we last redirected each client, to notice one that comes straight back.
    redirected: BTreeMap<String, Time>,
}

impl Requests {
    pub fn held_len(&self) -> usize {
        self.held.len()
    }

    /// Whether this node still owes an answer for a put it appended as leader.
    pub fn owes_any(&self) -> bool {
        !self.owed.is_empty()
    }

    fn owe(&mut self, index: Index, term: Term, request: ClientRequest) {
        self.owed_ids.entry(request.client.clone()).or_default().insert(request.id.clone());
        self.owed.insert((index, term), request);
    }

    /// The put owed for the entry of `term` at `index`, if any.
    pub fn take_owed(&mut self, index: Index, term: Term) -> Option<ClientRequest> {
        let request = self.owed.remove(&(index, term))?;
        if let Some(ids) = self.owed_ids.get_mut(&request.client) {
            ids.remove(&request.id);
            if ids.is_empty() {
                self.owed_ids.remove(&request.client);
            }
        }
        Some(request)
    }

    fn owes(&self, request: &ClientRequest) -> bool {
        self.owed_ids.get(&request.client).is_some_and(|ids| ids.contains(&request.id))
    }

    /// The puts owed for entries at indexes `from..=to`, whatever their term, removed, each
    /// with the index and term of its entry.
    pub fn take_owed_between(&mut self, from: Index, to: Index) -> Vec<(Index, Term, ClientRequest)> {
        let keys: Vec<_> = self.owed.range((from, Term::MIN)..=(to, Term::MAX)).map(|(&k, _)| k).collect();
        keys.into_iter().filter_map(|(index, term)| Some((index, term, self.take_owed(index, term)?))).collect()
    }
}

impl Node {
    pub(super) fn handle_client_request(&mut self, now: Time, request: ClientRequest) {
        if self.config.read_mode == ReadMode::UnsafeLocal {
            if let Op::Get { key } = &request.op {
                let value = self.kv.get(key).cloned();
                self.answer(request, Outcome::Value(value));
                return;
            }
        }
        // A copy of a put this node still owes an answer must not be appended or answered
        // again, whatever its role now: the put it copies will be answered.
        if matches!(request.op, Op::Put { .. }) && self.requests.owes(&request) {
            return;
        }
        if self.is_leader() && self.waiting() >= self.config.max_waiting_requests {
            self.answer(request, Outcome::Fail("too many requests are waiting; try again".into()));
            return;
        }
        let stalled = self.commit_stalled(now);
        match &mut self.role {
            Role::Leader(_) if stalled && matches!(request.op, Op::Put { .. }) => self.hold(request),
            // A leader that has removed itself (thesis §4.2.2) appends nothing more: a put it
            // took now could stay uncommitted when it steps down, owed by a server nobody
            // speaks to again. It waits, and goes to another server once this one is out.
            Role::Leader(_) if !self.membership.is_voter(self.id) && matches!(request.op, Op::Put { .. }) => self.hold(request),
            Role::Leader(l) => match &request.op {
                Op::Put { key, value } => {
                    let entry = Entry::new(self.term, Command::Put { key: key.clone(), value: value.clone() });
                    if !self.log_has_room_for(&entry) {
                        self.answer(request, Outcome::Fail("the log is full".into()));
                        return;
                    }
                    let index = self.append_as_leader(now, entry);
                    self.requests.owe(index, self.term, request);
                    if self.commits_alone() {
                        self.leader_tick(now);
                    }
                }
                Op::Get { .. } => {
                    l.pending_reads.push(PendingRead { request, read_index: self.commit_index, arrived_at: now });
                    self.serve_reads(now);
                }
            },
            Role::Follower { leader: Some(leader) } => {
                let leader = *leader;
                if self.client_bounced(&request.client) {
                    self.hold(request);
                } else {
                    self.remember_redirect(&request.client, now);
                    self.answer(request, Outcome::Redirect(Some(leader)));
                }
            }
            // Held requests have had no effect, so sending one elsewhere cannot lead to a second.
            _ if self.cut_off => self.answer(request, Outcome::Redirect(None)),
            _ => self.hold(request),
        }
    }

    /// Whether a leader may append a client's `entry`: its log stays short of
    /// `Config::max_log_bytes` by 1/64, room for the no-op entries of later leaders (§8).
    fn log_has_room_for(&self, entry: &Entry) -> bool {
        let max = self.config.max_log_bytes;
        self.log.memory_size() + entry.memory_size() <= max - max / 64
    }

    /// Client requests this node has accepted and not answered yet.
    fn waiting(&self) -> usize {
        let reads = match &self.role {
            Role::Leader(l) => l.pending_reads.len(),
            _ => 0,
        };
        self.requests.held.len() + self.requests.owed.len() + reads
    }

    /// A client we sent to the leader is back, and we have not heard from the leader since:
    /// the client could not reach it, so it may be gone. Redirecting again would only bounce
    /// the client between us and a dead node until our election timer fires; instead we hold
    /// the request until a leader shows signs of life.
    fn client_bounced(&self, client: &str) -> bool {
        match (self.requests.redirected.get(client), self.last_leader_contact) {
            // Contact at the same instant as the redirect came first (it may have released it).
            (Some(&redirected_at), Some(contact)) => contact < redirected_at,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    fn remember_redirect(&mut self, client: &str, now: Time) {
        // Forget redirects older than an election timeout: by then a silent leader has been
        // replaced or has been heard from. This also bounds the map.
        let horizon = now.saturating_sub(self.config.election_timeout_max_us);
        let redirected = &mut self.requests.redirected;
        if redirected.len() >= MAX_REMEMBERED_REDIRECTS {
            redirected.retain(|_, &mut t| t >= horizon);
        }
        redirected.insert(client.to_owned(), now);
    }

    fn hold(&mut self, request: ClientRequest) {
        if self.waiting() >= self.config.max_waiting_requests {
            self.answer(request, Outcome::Fail("too many requests are waiting for a leader".into()));
            return;
        }
        self.trace(Event::RequestHeld { client: request.client.clone(), id: request.id.clone() });
        self.requests.held.push(request);
    }

    /// This node found it cannot reach a majority (a campaign won nothing for an election
    /// timeout, or it led and lost its majority): the clients waiting here could wait as
    /// long as that lasts, so they are sent to try another node. Held requests have had no
    /// effect, so a redirect cannot lead to a second one.
    pub(super) fn redirect_held_requests(&mut self) {
        for request in std::mem::take(&mut self.requests.held) {
            self.answer(request, Outcome::Redirect(None));
        }
    }

    /// A leader became known (or we became it): deal with the requests that waited.
    pub(super) fn release_held_requests(&mut self, now: Time) {
        for request in std::mem::take(&mut self.requests.held) {
            self.handle_client_request(now, request);
        }
    }

    /// A deposed leader holds the reads it owed until a leader is known; its puts stay owed.
    pub(super) fn abandon_leadership(&mut self, leadership: super::Leadership) {
        for read in leadership.pending_reads {
            self.hold(read.request);
        }
    }

    /// The commit index moved past `from..=to`: the puts still owed there are those whose
    /// entries a committed entry replaced (applied ones were answered in `apply_committed`).
    /// They can never take effect, so they go back to request handling, to be redirected (or
    /// appended again, if this node leads). A put is owed only for an entry past the commit
    /// index when it was appended, so looking at the newly committed range finds them all.
    pub(super) fn settle_lost_puts(&mut self, now: Time, from: Index, to: Index) {
        for (_, _, request) in self.requests.take_owed_between(from, to) {
            self.handle_client_request(now, request);
        }
    }
}
