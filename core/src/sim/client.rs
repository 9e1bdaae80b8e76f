//! Simulated clients: each issues puts and gets one at a time, follows redirects, retries
//! after a timeout, and records what it saw for the linearizability check.

use crate::check::{OpKind, Operation};
use crate::client::{ClientRequest, Op};
use crate::rng::Rng;
use crate::types::{NodeId, Time};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientConfig {
    /// Number of workload clients (the user's own client comes on top).
    pub count: usize,
    /// Keys are `k0 .. k{keys-1}`: few keys make for interesting histories.
    pub keys: usize,
    /// The probability that a request is a get.
    pub get_ratio: f64,
    /// Pause between an answer and the next request, drawn from this range.
    pub think_min_us: u64,
    pub think_max_us: u64,
    /// A request without an answer after this long is abandoned and retried elsewhere, or
    /// with `resend_on_timeout` off, left waiting while the client moves on.
    pub timeout_us: u64,
    /// Off: like the graded simulator's clients, a client never resends a request that got
    /// no answer; it goes on to its next request, and still takes the answer if one comes.
    #[serde(default = "resend_by_default")]
    pub resend_on_timeout: bool,
    /// Workload clients start sending at this time.
    pub start_us: u64,
}

fn resend_by_default() -> bool {
    true
}

impl ClientConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.count > 0 && self.keys == 0 {
            return Err("clients need at least one key".into());
        }
        if self.think_max_us < self.think_min_us {
            return Err("client think_max_us must be at least think_min_us".into());
        }
        if self.timeout_us == 0 {
            return Err("client timeout_us must be positive".into());
        }
        if !(0.0..=1.0).contains(&self.get_ratio) {
            return Err("client get_ratio must be within [0, 1]".into());
        }
        Ok(())
    }
}

/// A request a client is waiting on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outstanding {
    pub request: ClientRequest,
    pub node: NodeId,
    pub sent_at: Time,
    /// Its entry in the history.
    pub op: usize,
}

/// The name of the user's own client (the one that [`super::Intervention::Request`] drives).
pub const USER_CLIENT: &str = "you";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimClient {
    pub name: String,
    /// The user's client acts only when told to; workload clients act by themselves.
    pub user: bool,
    pub leader_guess: Option<NodeId>,
    pub next_request_at: Option<Time>,
    pub outstanding: Vec<Outstanding>,
    /// Requests the client stopped waiting for but would still take an answer to
    /// (`ClientConfig::resend_on_timeout` off).
    pub background: Vec<Outstanding>,
    sent: u64,
    puts: u64,
}

impl SimClient {
    pub fn workload(index: usize, start: Time) -> SimClient {
        SimClient::new(format!("c{}", index + 1), false, Some(start))
    }

    pub fn user() -> SimClient {
        SimClient::new(USER_CLIENT.into(), true, None)
    }

    fn new(name: String, user: bool, next_request_at: Option<Time>) -> SimClient {
        SimClient {
            name,
            user,
            leader_guess: None,
            next_request_at,
            outstanding: Vec::new(),
            background: Vec::new(),
            sent: 0,
            puts: 0,
        }
    }

    /// A fresh request id: the graded simulator's clients never reuse one, and neither do ours.
    pub fn next_id(&mut self) -> String {
        self.sent += 1;
        format!("{}-{}", self.name, self.sent)
    }

    /// The next workload operation: a get of a random key, or a put of a value that names
    /// the client and is unique, so that a history shows which write a read saw.
    pub fn next_op(&mut self, rng: &mut Rng, config: &ClientConfig) -> Op {
        let key = format!("k{}", rng.below(config.keys.max(1)));
        if rng.chance(config.get_ratio) {
            Op::Get { key }
        } else {
            self.puts += 1;
            Op::Put { key, value: format!("{}.{}", self.name, self.puts) }
        }
    }

    /// Where to send: the leader we believe in, else a random node.
    pub fn pick_node(&self, rng: &mut Rng, nodes: usize) -> NodeId {
        self.leader_guess.unwrap_or_else(|| rng.below(nodes) as NodeId + 1)
    }
}

/// The history entry for a request just sent.
pub fn operation_for(client: u64, op: &Op, now: Time) -> Operation {
    let (key, kind) = match op {
        Op::Get { key } => (key.clone(), OpKind::Get { value: None }),
        Op::Put { key, value } => (key.clone(), OpKind::Put { value: value.clone() }),
    };
    Operation { client, key, kind, call: now, ret: None, refused: false }
}
