//! The part of the view that has memory: it reads the simulator's new events after every
//! frame and keeps the feed, the fate of each recent message (delivered or dropped), the
//! marks left where messages were dropped, and the user's requests.

use super::feed::{FeedLine, Narrator, UserRequests};
use super::geometry::{message_position, Point};
use raft_core::sim::{DropReason, MessageId, Sim, SimEventKind};
use raft_core::{MessageKind, NodeId, Time};
use std::collections::{BTreeMap, VecDeque};

/// Lines of the feed kept.
pub const FEED_LINES: usize = 200;
/// Message fates remembered (for the inspector of a message that has arrived or vanished).
pub const FATES: usize = 4096;
/// How long a drop mark stays, in virtual time: longer for the ones the user made.
pub const NETWORK_DROP_MARK_US: Time = 150_000;
pub const USER_DROP_MARK_US: Time = 2_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Delivered { at: Time },
    Dropped { at: Time, reason: DropReason },
}

impl Fate {
    pub fn name(self) -> &'static str {
        match self {
            Fate::Delivered { .. } => "delivered",
            Fate::Dropped { .. } => "dropped",
        }
    }

    pub fn describe(self) -> String {
        let t = super::speed::format_time;
        match self {
            Fate::Delivered { at } => format!("delivered at {}", t(at)),
            Fate::Dropped { at, reason } => {
                let why = match reason {
                    DropReason::Intervention => "by you",
                    DropReason::Loss => "by the lossy network",
                    DropReason::Cut => "on a cut link",
                    DropReason::NodeDown => "because its destination was down",
                };
                format!("dropped {why} at {}", t(at))
            }
        }
    }
}

/// Where a message vanished, drawn as a cross for a while.
#[derive(Clone, Debug, PartialEq)]
pub struct DropMark {
    pub id: MessageId,
    pub from: NodeId,
    pub to: NodeId,
    pub kind: MessageKind,
    pub pos: Point,
    pub at: Time,
    pub reason: DropReason,
}

impl DropMark {
    pub fn by_user(&self) -> bool {
        self.reason == DropReason::Intervention
    }
}

#[derive(Clone, Copy, Debug)]
struct Seen {
    sent_at: Time,
    deliver_at: Time,
}

#[derive(Clone, Debug, Default)]
pub struct Tracker {
    /// Events read so far, counted from the start of the run.
    cursor: usize,
    narrator: Narrator,
    pub feed: VecDeque<FeedLine>,
    pub requests: UserRequests,
    fates: VecDeque<(MessageId, Fate)>,
    pub drops: Vec<DropMark>,
    /// Messages in flight at the last look, to place a drop mark where the message was.
    seen: BTreeMap<MessageId, Seen>,
}

impl Tracker {
    pub fn new() -> Tracker {
        Tracker::default()
    }

    /// Reads what happened since the last call. `ring[id - 1]` is where node `id` is drawn.
    pub fn observe(&mut self, sim: &Sim, ring: &[Point]) {
        let discarded = sim.events_discarded();
        let start = self.cursor.saturating_sub(discarded);
        let events = sim.events();
        for event in events.get(start..).unwrap_or(&[]) {
            if let Some(line) = self.narrator.narrate(event, sim) {
                self.feed.push_back(line);
            }
            self.requests.observe(event);
            match &event.kind {
                SimEventKind::Delivered { id, .. } => self.fate(*id, Fate::Delivered { at: event.at }),
                SimEventKind::Dropped { id, from, to, kind, reason } => {
                    self.fate(*id, Fate::Dropped { at: event.at, reason: *reason });
                    let progress = match self.seen.get(id) {
                        Some(s) if *reason == DropReason::Intervention => {
                            let span = s.deliver_at.saturating_sub(s.sent_at).max(1) as f64;
                            (event.at.saturating_sub(s.sent_at) as f64 / span).clamp(0.0, 1.0)
                        }
                        _ => 1.0, // the network drops a message when it would arrive
                    };
                    let pos = match (node_pos(ring, *from), node_pos(ring, *to)) {
                        (Some(a), Some(b)) => message_position(a, b, progress),
                        _ => continue,
                    };
                    self.drops.push(DropMark { id: *id, from: *from, to: *to, kind: *kind, pos, at: event.at, reason: *reason });
                }
                _ => {}
            }
        }
        self.cursor = discarded + events.len();
        while self.feed.len() > FEED_LINES {
            self.feed.pop_front();
        }
        let now = sim.now();
        self.drops.retain(|d| {
            let keep = if d.by_user() { USER_DROP_MARK_US } else { NETWORK_DROP_MARK_US };
            now < d.at + keep
        });
        self.seen = sim
            .in_flight()
            .iter()
            .map(|m| {
                (m.id, Seen { sent_at: m.sent_at, deliver_at: m.deliver_at })
            })
            .collect();
    }

    /// What became of message `id`, if it is no longer in flight and was seen recently.
    pub fn fate_of(&self, id: MessageId) -> Option<Fate> {
        self.fates.iter().rev().find(|(m, _)| *m == id).map(|(_, f)| *f)
    }

    fn fate(&mut self, id: MessageId, fate: Fate) {
        if self.fates.len() >= FATES {
            self.fates.pop_front();
        }
        self.fates.push_back((id, fate));
    }
}

fn node_pos(ring: &[Point], id: NodeId) -> Option<Point> {
    ring.get((id as usize).checked_sub(1)?).copied()
}
