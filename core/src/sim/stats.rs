//! Figures a simulation run reports: messages by kind, batching, client latencies.

use crate::client::Op;
use crate::message::{Body, Message, MessageKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub messages_sent: u64,
    pub messages_delivered: u64,
    pub messages_lost: u64,
    pub sent_by_kind: BTreeMap<MessageKind, u64>,
    /// Entries carried by all AppendEntries together.
    pub entries_sent: u64,
    pub writes_answered: u64,
    pub reads_answered: u64,
    /// Virtual microseconds from a client's send to its answer, for answered writes.
    pub write_latencies_us: Vec<u64>,
    pub read_latencies_us: Vec<u64>,
}

impl Stats {
    pub(super) fn count_send(&mut self, message: &Message) {
        self.messages_sent += 1;
        *self.sent_by_kind.entry(message.body.kind()).or_default() += 1;
        if let Body::AppendEntries { entries, .. } = &message.body {
            self.entries_sent += entries.len() as u64;
        }
    }

    pub(super) fn record_answer(&mut self, op: &Op, latency: u64) {
        match op {
            Op::Put { .. } => {
                self.writes_answered += 1;
                self.write_latencies_us.push(latency);
            }
            Op::Get { .. } => {
                self.reads_answered += 1;
                self.read_latencies_us.push(latency);
            }
        }
    }

    /// Messages between nodes per write acknowledged to a client.
    pub fn messages_per_write(&self) -> f64 {
        self.messages_sent as f64 / self.writes_answered.max(1) as f64
    }

    /// Entries per AppendEntries that carried any.
    pub fn entries_per_append(&self) -> f64 {
        let appends = self.sent_by_kind.get(&MessageKind::AppendEntries).copied().unwrap_or(0);
        self.entries_sent as f64 / appends.max(1) as f64
    }
}

/// The `p`-th percentile (0–100) of `values` (nearest rank), or 0 if empty.
pub fn percentile(values: &[u64], p: f64) -> u64 {
    if values.is_empty() {
        return 0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}
