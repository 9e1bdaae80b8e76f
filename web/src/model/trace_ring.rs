//! A traced run at one moment, on the same ring as the simulation: each replica with the
//! role its datagrams claim (the leader it names is itself, or not; killed), and the
//! datagrams of the moments just before, each a line from its sender to its receiver. The
//! simulator delivers at once, so a datagram is not "in flight": the lines show what was
//! just sent, fading with age.

use super::geometry::{ring, Point, NODE_RADIUS};
use super::node_view::RoleGlyph;
use super::trace_run::{Target, TraceRun};
use kvtrace::Fate;

/// How far back the ring shows datagrams, in seconds.
pub const RECENT: f64 = 0.005;
/// Lines drawn at most (the newest).
const MAX_LINES: usize = 200;

#[derive(Clone, Debug, PartialEq)]
pub struct RingNode {
    pub name: String,
    pub pos: Point,
    pub role: RoleGlyph,
    /// Cut off from the partition's majority side.
    pub cut_off: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RingLine {
    pub from: Point,
    pub to: Point,
    /// How recent, from 1 (now) to 0 (`RECENT` ago).
    pub freshness: f64,
    pub lost: bool,
    pub kind: String,
    pub followed: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TraceRing {
    pub nodes: Vec<RingNode>,
    pub lines: Vec<RingLine>,
}

impl TraceRing {
    pub fn at(run: &TraceRun, t: f64, needle: &str) -> TraceRing {
        let n = run.replicas.len();
        let ring = ring(n);
        let claims = run.claims_at(t);
        let dead = run.dead_at(t);
        let side = run.partition_at(t);
        let nodes = (0..n)
            .map(|r| RingNode {
                name: run.replicas[r].clone(),
                pos: ring[r],
                role: if dead[r] {
                    RoleGlyph::Crashed
                } else if claims[r].as_deref() == Some(run.replicas[r].as_str()) {
                    RoleGlyph::Leader
                } else {
                    RoleGlyph::Follower
                },
                cut_off: side.as_ref().is_some_and(|s| !s.contains(&r)),
            })
            .collect();
        let (_, recent) = run.msgs_between(t - RECENT, t);
        let mut lines = Vec::new();
        for m in recent.iter().rev() {
            let to: Vec<usize> = match m.to {
                Target::Replica(r) => vec![r],
                Target::Everyone => (0..n).filter(|&r| r != m.from).collect(),
                _ => Vec::new(),
            };
            for r in to {
                let (from, to) = shorten(ring[m.from], ring[r]);
                let lost = matches!(m.fate, Fate::Dropped | Fate::Cut | Fate::Dead);
                let to = if lost { Point::new((from.x + to.x) / 2.0, (from.y + to.y) / 2.0) } else { to };
                lines.push(RingLine {
                    from,
                    to,
                    freshness: (1.0 - (t - m.t) / RECENT).clamp(0.0, 1.0),
                    lost,
                    kind: m.kind.clone(),
                    followed: TraceRun::carries(&m.raw, needle),
                });
            }
            if lines.len() >= MAX_LINES {
                break;
            }
        }
        TraceRing { nodes, lines }
    }
}

/// The line between two nodes' edges rather than their centres.
fn shorten(a: Point, b: Point) -> (Point, Point) {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = (dx * dx + dy * dy).sqrt().max(1e-9);
    let k = (NODE_RADIUS + 4.0) / len;
    (Point::new(a.x + dx * k, a.y + dy * k), Point::new(b.x - dx * k, b.y - dy * k))
}
