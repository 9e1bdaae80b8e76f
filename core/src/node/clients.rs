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
use std::collections::BTreeMap;

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
    /// When we last redirected each client, to notice one that comes straight back.
    redirected: BTreeMap<String, Time>,
}

impl Requests {
    pub fn held_len(&self) -> usize {
        self.held.len()
    }

    /// The put owed for the entry of `term` at `index`, if any.
    pub fn take_owed(&mut self, index: Index, term: Term) -> Option<ClientRequest> {
        self.owed.remove(&(index, term))
    }

    fn owes(&self, request: &ClientRequest) -> bool {
        self.owed.values().any(|r| r.client == request.client && r.id == request.id)
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
        match &mut self.role {
            Role::Leader(l) => match &request.op {
                Op::Put { key, value } => {
                    // A retry of a put still in flight must not be appended (or answered) twice.
                    if self.requests.owes(&request) {
                        return;
                    }
                    let command = Command::Put { key: key.clone(), value: value.clone() };
                    let index = self.append_as_leader(now, Entry::new(self.term, command));
                    self.requests.owed.insert((index, self.term), request);
                    if self.peers.is_empty() {
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
            _ => self.hold(request),
        }
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
        if self.requests.held.len() >= self.config.max_held_requests {
            self.answer(request, Outcome::Fail("no leader is known and too many requests are waiting".into()));
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

    /// Hands the owed puts whose entries a committed entry has replaced back to request
    /// handling: they can never take effect, so they are redirected (or appended again,
    /// if this node leads). Applied ones were answered in `apply_committed`.
    pub(super) fn settle_lost_puts(&mut self, now: Time) {
        let (log, commit) = (&self.log, self.commit_index);
        let lost: Vec<_> = self
            .requests
            .owed
            .extract_if(.., |&(index, term), _| index <= commit && log.term_at(index) != Some(term))
            .collect();
        for (_, request) in lost {
            self.handle_client_request(now, request);
        }
    }
}
