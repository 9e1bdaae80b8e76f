//! The simulated network: messages in flight with send and delivery times, per-link cuts and
//! a loss rate.

use crate::message::Message;
use crate::rng::Rng;
use crate::types::{NodeId, Time};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub type MessageId = u64;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkConfig {
    /// One-way delay of a message, drawn uniformly from this range.
    pub min_delay_us: u64,
    pub max_delay_us: u64,
    /// The probability that a message is lost.
    pub loss: f64,
}

impl NetworkConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.max_delay_us < self.min_delay_us {
            return Err("network max_delay_us must be at least min_delay_us".into());
        }
        if !(0.0..=1.0).contains(&self.loss) {
            return Err(format!("network loss must be within [0, 1], got {}", self.loss));
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InFlight {
    pub id: MessageId,
    pub message: Message,
    pub sent_at: Time,
    pub deliver_at: Time,
    /// Set when the network has already decided to lose it; it still travels (so that a
    /// viewer sees it vanish) and disappears at `deliver_at`.
    pub lost: bool,
    /// Set while someone holds it: it stays where it is, and is not delivered until released.
    #[serde(default)]
    pub held_at: Option<Time>,
}

impl InFlight {
    /// How far along its way it is at `now`, from 0 to 1.
    pub fn progress(&self, now: Time) -> f64 {
        let now = self.held_at.unwrap_or(now);
        let span = self.deliver_at.saturating_sub(self.sent_at).max(1) as f64;
        (now.saturating_sub(self.sent_at) as f64 / span).clamp(0.0, 1.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DropReason {
    /// The network's loss rate.
    Loss,
    /// The link was cut (partition) when the message arrived.
    Cut,
    /// The destination was down.
    NodeDown,
    /// Someone dropped it by hand.
    Intervention,
}

#[derive(Clone, Debug)]
pub struct Network {
    pub config: NetworkConfig,
    in_flight: Vec<InFlight>,
    cut: BTreeSet<(NodeId, NodeId)>,
    next_id: MessageId,
}

impl Network {
    pub fn new(config: NetworkConfig) -> Network {
        Network { config, in_flight: Vec::new(), cut: BTreeSet::new(), next_id: 1 }
    }

    pub fn send(&mut self, rng: &mut Rng, now: Time, message: Message) -> MessageId {
        let id = self.next_id;
        self.next_id += 1;
        let delay = rng.range(self.config.min_delay_us, self.config.max_delay_us);
        let lost = rng.chance(self.config.loss);
        self.in_flight.push(InFlight { id, message, sent_at: now, deliver_at: now + delay, lost, held_at: None });
        id
    }

    /// Keeps message `id` where it is until [`Network::release`]; false if it is not in flight.
    pub fn hold(&mut self, now: Time, id: MessageId) -> bool {
        match self.in_flight.iter_mut().find(|m| m.id == id) {
            Some(m) => {
                m.held_at.get_or_insert(now);
                true
            }
            None => false,
        }
    }

    /// Lets a held message go on: it resumes where it stopped and takes the rest of its way.
    pub fn release(&mut self, now: Time, id: MessageId) -> bool {
        let Some(m) = self.in_flight.iter_mut().find(|m| m.id == id) else { return false };
        let Some(held_at) = m.held_at.take() else { return false };
        let shift = now.saturating_sub(held_at);
        m.sent_at += shift;
        m.deliver_at = (m.deliver_at + shift).max(now + 1);
        true
    }

    /// Sends a copy of message `id` (a new id, its own delay and loss draw); None if it is not in
    /// flight.
    pub fn duplicate(&mut self, rng: &mut Rng, now: Time, id: MessageId) -> Option<MessageId> {
        let message = self.in_flight.iter().find(|m| m.id == id)?.message.clone();
        Some(self.send(rng, now, message))
    }

    pub fn in_flight(&self) -> &[InFlight] {
        &self.in_flight
    }

    /// The message due first (earliest delivery time, then lowest id); held ones are not due.
    pub fn next_due(&self) -> Option<(Time, MessageId)> {
        self.in_flight.iter().filter(|m| m.held_at.is_none()).map(|m| (m.deliver_at, m.id)).min()
    }

    /// Takes message `id` out of the network.
    pub fn take(&mut self, id: MessageId) -> Option<InFlight> {
        let pos = self.in_flight.iter().position(|m| m.id == id)?;
        Some(self.in_flight.remove(pos))
    }

    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.cut.contains(&(from, to))
    }

    pub fn cut(&mut self, from: NodeId, to: NodeId) {
        self.cut.insert((from, to));
    }

    pub fn restore(&mut self, from: NodeId, to: NodeId) {
        self.cut.remove(&(from, to));
    }

    pub fn heal(&mut self) {
        self.cut.clear();
    }

    pub fn cut_links(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.cut.iter().copied()
    }

    /// Cuts every link between nodes of different groups; nodes not named form a group.
    pub fn partition(&mut self, nodes: &[NodeId], groups: &[Vec<NodeId>]) {
        let group_of = |n: NodeId| groups.iter().position(|g| g.contains(&n));
        self.cut.clear();
        for &a in nodes {
            for &b in nodes {
                if a != b && group_of(a) != group_of(b) {
                    self.cut.insert((a, b));
                }
            }
        }
    }
}
