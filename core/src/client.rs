//! Requests from clients and the one answer each of them gets.

use crate::types::NodeId;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRequest {
    /// Who asked; the node hands the answer back with this.
    pub client: String,
    /// The client's id for this request, unique per client.
    pub id: String,
    pub op: Op,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    Get { key: String },
    Put { key: String, value: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientReply {
    pub client: String,
    pub id: String,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// The put is committed and applied.
    Written,
    /// The get's answer (None: no such key), linearizable unless the read mode says otherwise.
    Value(Option<String>),
    /// This node is not the leader; ask this one, or any other node when it names none (it
    /// has not heard from a leader for an election timeout). The request had no effect and
    /// never will (a deposed leader redirects a put it had appended only once a committed
    /// entry has overwritten it).
    Redirect(Option<NodeId>),
    /// The node cannot take the request now (too many requests wait already, or the log is
    /// full); it had no effect, and the client may try again.
    Fail(String),
}
