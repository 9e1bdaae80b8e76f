//! Routing by `dst`, message counting, drops, partitions and the simulator's belief about who
//! leads. Pure logic: sockets live in `sim`, so every rule here is unit-tested.

use crate::ids::{self, Party};
use crate::wire::Message;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Up,
    /// Killed by an event: expected, not a failure.
    Killed,
    /// Gone without being killed (exited, closed its socket, or was sent to before its hello).
    Died,
}

/// What happens to one datagram a replica sent.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Route {
    /// Added to `total_msgs`: 1 for a replica, replicas − 1 for a broadcast, 0 for a client.
    pub counted: u64,
    /// Replicas that receive a copy.
    pub deliver: Vec<usize>,
    /// The client that receives it.
    pub client: Option<usize>,
    pub dropped: u64,
    pub cut: u64,
    pub to_dead: u64,
    /// Replicas addressed before their hello arrived: the simulator declares them dead.
    pub early: Vec<usize>,
    /// `dst` names nobody: an incorrect message.
    pub unknown_dst: bool,
}

#[derive(Debug, Clone)]
pub struct Network {
    status: Vec<Status>,
    hello: Vec<bool>,
    /// During a partition, which replicas are on the majority side.
    majority: Option<Vec<bool>>,
    drops: f64,
    /// The last `leader` field seen (`FFFF` when unknown).
    leader: String,
}

impl Network {
    pub fn new(replicas: usize, drops: f64) -> Network {
        Network {
            status: vec![Status::Up; replicas],
            hello: vec![false; replicas],
            majority: None,
            drops,
            leader: ids::BROADCAST.to_owned(),
        }
    }

    pub fn replicas(&self) -> usize {
        self.status.len()
    }

    pub fn status(&self, r: usize) -> Status {
        self.status[r]
    }

    pub fn is_up(&self, r: usize) -> bool {
        self.status[r] == Status::Up
    }

    pub fn live(&self) -> Vec<usize> {
        (0..self.replicas()).filter(|&r| self.is_up(r)).collect()
    }

    pub fn has_hello(&self, r: usize) -> bool {
        self.hello[r]
    }

    pub fn mark_hello(&mut self, r: usize) {
        self.hello[r] = true;
    }

    /// Records a killed or died replica; the first verdict sticks.
    pub fn set_down(&mut self, r: usize, how: Status) {
        if self.status[r] == Status::Up {
            self.status[r] = how;
        }
    }

    pub fn leader(&self) -> &str {
        &self.leader
    }

    pub fn partition(&self) -> Option<&[bool]> {
        self.majority.as_deref()
    }

    /// Learns the leader from a non-hello message; a cut-off minority cannot mislead the simulator.
    pub fn observe(&mut self, from: usize, msg: &Message) {
        if msg.is_hello() {
            return;
        }
        if self.majority.as_ref().is_some_and(|side| !side[from]) {
            return;
        }
        self.leader = msg.leader.clone();
    }

    /// The believed leader if it is a replica that is still up.
    pub fn leader_replica(&self) -> Option<usize> {
        match ids::resolve(&self.leader, self.replicas()) {
            Party::Replica(r) if self.is_up(r) => Some(r),
            _ => None,
        }
    }

    /// Whether the believed leader is up and, during a partition, on the majority side.
    pub fn has_live_leader(&self) -> bool {
        self.leader_replica()
            .is_some_and(|l| self.majority.as_ref().is_none_or(|side| side[l]))
    }

    /// After a leader is killed nobody is believed to lead until a message says otherwise.
    pub fn forget_leader(&mut self) {
        self.leader = ids::BROADCAST.to_owned();
    }

    /// A random live replica other than the believed leader.
    pub fn pick_non_leader(&self, rng: &mut impl Rng) -> Option<usize> {
        let leader = self.leader_replica();
        let candidates: Vec<usize> = self
            .live()
            .into_iter()
            .filter(|&r| Some(r) != leader)
            .collect();
        candidates.choose(rng).copied()
    }

    /// Splits the replicas into a majority of ⌊n/2⌋+1 and the rest. With `keep_leader` the
    /// believed leader is placed on the majority side (part_easy); otherwise sides are random.
    pub fn start_partition(&mut self, keep_leader: bool, rng: &mut impl Rng) {
        let n = self.replicas();
        let size = n / 2 + 1;
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(rng);
        if keep_leader {
            if let Party::Replica(l) = ids::resolve(&self.leader, n) {
                let at = order
                    .iter()
                    .position(|&r| r == l)
                    .expect("leader is a replica");
                order.swap(0, at);
            }
        }
        let mut side = vec![false; n];
        for &r in &order[..size] {
            side[r] = true;
        }
        self.majority = Some(side);
    }

    pub fn end_partition(&mut self) {
        self.majority = None;
    }

    fn crosses_cut(&self, a: usize, b: usize) -> bool {
        self.majority
            .as_ref()
            .is_some_and(|side| side[a] != side[b])
    }

    /// Routes a validated message sent by replica `from`.
    pub fn route(&self, from: usize, msg: &Message, rng: &mut impl Rng) -> Route {
        let mut route = Route::default();
        match ids::resolve(&msg.dst, self.replicas()) {
            Party::Client(c) => route.client = Some(c),
            Party::Unknown => route.unknown_dst = true,
            Party::Replica(to) => self.copy_to(from, to, &mut route, rng),
            Party::Broadcast => {
                for to in (0..self.replicas()).filter(|&to| to != from) {
                    self.copy_to(from, to, &mut route, rng);
                }
            }
        }
        route
    }

    /// One replica→replica copy: always counted, then possibly lost.
    fn copy_to(&self, from: usize, to: usize, route: &mut Route, rng: &mut impl Rng) {
        route.counted += 1;
        if !self.is_up(to) {
            route.to_dead += 1;
        } else if !self.hello[to] {
            route.early.push(to);
        } else if self.crosses_cut(from, to) {
            route.cut += 1;
        } else if self.drops > 0.0 && rng.random::<f64>() < self.drops {
            route.dropped += 1;
        } else {
            route.deliver.push(to);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn msg(src: &str, dst: &str, leader: &str) -> Message {
        wire::parse(
            format!(r#"{{"src":"{src}","dst":"{dst}","leader":"{leader}","type":"append"}}"#)
                .as_bytes(),
        )
        .unwrap()
    }

    fn ready(n: usize, drops: f64) -> Network {
        let mut net = Network::new(n, drops);
        (0..n).for_each(|r| net.mark_hello(r));
        net
    }

    fn rng() -> StdRng {
        StdRng::seed_from_u64(7)
    }

    #[test]
    fn unicast_counts_one_and_delivers() {
        let net = ready(5, 0.0);
        let r = net.route(0, &msg("0000", "0003", "0000"), &mut rng());
        assert_eq!((r.counted, r.deliver.clone()), (1, vec![3]));
    }

    #[test]
    fn broadcast_counts_every_other_replica_even_dead_ones() {
        let mut net = ready(5, 0.0);
        net.set_down(2, Status::Killed);
        let r = net.route(1, &msg("0001", "FFFF", "0001"), &mut rng());
        assert_eq!(r.counted, 4);
        assert_eq!(r.deliver, vec![0, 3, 4]);
        assert_eq!(r.to_dead, 1);
    }

    #[test]
    fn client_messages_are_free_and_never_lost() {
        let mut net = ready(5, 1.0);
        net.start_partition(false, &mut rng());
        let r = net.route(0, &msg("0000", "0017", "0000"), &mut rng());
        assert_eq!((r.counted, r.client), (0, Some(2)));
    }

    #[test]
    fn unknown_destination_is_flagged() {
        let net = ready(5, 0.0);
        assert!(
            net.route(0, &msg("0000", "0005", "0000"), &mut rng())
                .unknown_dst
        );
        assert!(
            net.route(0, &msg("0000", "0020", "0000"), &mut rng())
                .unknown_dst
        );
    }

    #[test]
    fn drops_are_decided_per_copy_and_still_counted() {
        let net = ready(5, 0.5);
        let mut rng = rng();
        let (mut dropped, mut delivered) = (0, 0);
        for _ in 0..200 {
            let r = net.route(0, &msg("0000", "FFFF", "0000"), &mut rng);
            assert_eq!(r.counted, 4);
            assert_eq!(r.dropped as usize + r.deliver.len(), 4);
            dropped += r.dropped;
            delivered += r.deliver.len();
        }
        assert!(dropped > 300 && delivered > 300, "{dropped} {delivered}");
        assert_eq!(
            ready(5, 1.0)
                .route(0, &msg("0000", "0001", "0000"), &mut rng)
                .dropped,
            1
        );
    }

    #[test]
    fn sending_before_hello_kills_the_addressee() {
        let mut net = Network::new(3, 0.0);
        net.mark_hello(0);
        let r = net.route(0, &msg("0000", "FFFF", "0000"), &mut rng());
        assert_eq!(r.early, vec![1, 2]);
        assert!(r.deliver.is_empty());
    }

    #[test]
    fn easy_partition_keeps_the_leader_with_a_majority() {
        for seed in 0..50 {
            let mut net = ready(5, 0.0);
            net.observe(3, &msg("0003", "0001", "0003"));
            net.start_partition(true, &mut StdRng::seed_from_u64(seed));
            let side = net.partition().unwrap().to_vec();
            assert!(side[3]);
            assert_eq!(side.iter().filter(|&&s| s).count(), 3);
        }
    }

    #[test]
    fn hard_partition_sometimes_cuts_off_the_leader() {
        let cut_off = (0..100)
            .filter(|&seed| {
                let mut net = ready(5, 0.0);
                net.observe(3, &msg("0003", "0001", "0003"));
                net.start_partition(false, &mut StdRng::seed_from_u64(seed));
                !net.partition().unwrap()[3]
            })
            .count();
        assert!(cut_off > 10 && cut_off < 90, "{cut_off}");
    }

    #[test]
    fn partition_cuts_across_but_not_within_sides() {
        let mut net = ready(5, 0.0);
        net.start_partition(false, &mut rng());
        let side = net.partition().unwrap().to_vec();
        let major: Vec<usize> = (0..5).filter(|&r| side[r]).collect();
        let minor: Vec<usize> = (0..5).filter(|&r| !side[r]).collect();
        let across = net.route(
            major[0],
            &msg("0000", &ids::format_id(minor[0]), "FFFF"),
            &mut rng(),
        );
        assert_eq!((across.counted, across.cut), (1, 1));
        let within = net.route(
            minor[0],
            &msg("0000", &ids::format_id(minor[1]), "FFFF"),
            &mut rng(),
        );
        assert_eq!(within.deliver, vec![minor[1]]);
        let bcast = net.route(major[0], &msg("0000", "FFFF", "FFFF"), &mut rng());
        assert_eq!((bcast.counted, bcast.cut, bcast.deliver.len()), (4, 2, 2));
        net.end_partition();
        let healed = net.route(
            major[0],
            &msg("0000", &ids::format_id(minor[0]), "FFFF"),
            &mut rng(),
        );
        assert_eq!(healed.deliver, vec![minor[0]]);
    }

    #[test]
    fn leader_is_learned_only_from_the_majority_side_and_not_from_hello() {
        let mut net = ready(5, 0.0);
        let hello =
            wire::parse(br#"{"src":"0002","dst":"FFFF","leader":"0002","type":"hello"}"#).unwrap();
        net.observe(2, &hello);
        assert_eq!(net.leader(), "FFFF");
        net.observe(1, &msg("0001", "0002", "0001"));
        assert_eq!(net.leader_replica(), Some(1));
        net.start_partition(true, &mut rng());
        let side = net.partition().unwrap().to_vec();
        let minority = (0..5).find(|&r| !side[r]).unwrap();
        let id = ids::format_id(minority);
        net.observe(minority, &msg(&id, "0001", &id));
        assert_eq!(net.leader(), "0001");
        net.set_down(1, Status::Killed);
        assert_eq!(net.leader_replica(), None);
    }

    #[test]
    fn non_leader_pick_avoids_leader_and_dead() {
        let mut net = ready(3, 0.0);
        net.observe(0, &msg("0000", "0001", "0000"));
        net.set_down(1, Status::Died);
        for seed in 0..20 {
            assert_eq!(
                net.pick_non_leader(&mut StdRng::seed_from_u64(seed)),
                Some(2)
            );
        }
    }
}
