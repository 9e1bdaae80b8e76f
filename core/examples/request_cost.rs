//! What one client request costs a leader, as its log and its backlog grow.
//!
//!     cargo run --release -p raft-core --example request_cost
//!
//! A leader of five (the graded preset) with a log of L committed entries and B puts
//! appended but not yet acknowledged takes 20,000 more puts, one `client_request` and one
//! `tick` each (the tick sends what the fanout says is due); then two followers acknowledge
//! them all, which commits, applies and answers them. Printed: wall-clock nanoseconds per
//! put for each phase, and per get answered under the lease. Flat rows mean the cost does
//! not grow with the log or the backlog.

use raft_core::*;
use std::time::Instant;

const PUTS: u64 = 20_000;

fn put(i: u64) -> Op {
    Op::Put { key: format!("key-{i:08}"), value: format!("value-{i:08}") }
}

fn request(i: u64, op: Op) -> ClientRequest {
    ClientRequest { client: format!("c{}", i % 8), id: format!("r{i}"), op }
}

fn ack(node: &mut Node, now: Time, from: NodeId) {
    let result = AppendResult::Success { match_index: node.log().last_index() };
    let term = node.term();
    node.receive(now, Message { from, to: 1, term, body: Body::AppendEntriesReply { result, sent_at: now } });
}

/// A leader whose log holds `log_len` committed entries.
fn leader_with_log(log_len: u64) -> (Node, Time) {
    let mut config = Config::graded();
    config.pre_vote = false;
    config.max_waiting_requests = usize::MAX;
    config.max_log_bytes = usize::MAX;
    let mut log = RaftLog::default();
    for i in 0..log_len {
        let Op::Put { key, value } = put(i) else { unreachable!() };
        log.append(Entry::new(1, Command::Put { key, value }));
    }
    let state = PersistentState { term: 1, voted_for: None, log, snapshot: None };
    let mut node = Node::restart(1, vec![2, 3, 4, 5], config, 1, 0, state).expect("valid config");
    let mut now = 10_000_000;
    node.timeout_now(now);
    for voter in [2, 3] {
        let term = node.term();
        node.receive(now, Message { from: voter, to: 1, term, body: Body::RequestVoteReply { granted: true } });
    }
    assert!(node.is_leader());
    now += 1_000;
    ack(&mut node, now, 2);
    ack(&mut node, now, 3);
    assert_eq!(node.commit_index(), node.log().last_index());
    node.take_effects();
    (node, now)
}

fn per_put(started: Instant) -> f64 {
    started.elapsed().as_nanos() as f64 / PUTS as f64
}

fn main() {
    println!("ns per request on a leader of five (graded preset), {PUTS} requests a row\n");
    println!("{:>10} {:>8} {:>12} {:>12} {:>12}", "log", "backlog", "put+tick", "commit", "lease get");
    for log_len in [1_000, 100_000, 1_000_000] {
        for backlog in [0, 1_000, 10_000] {
            let (mut node, mut now) = leader_with_log(log_len);
            let mut next = log_len;
            for _ in 0..backlog {
                node.client_request(now, request(next, put(next)));
                next += 1;
            }
            node.tick(now);
            node.take_effects();

            let started = Instant::now();
            for _ in 0..PUTS {
                now += 10;
                node.client_request(now, request(next, put(next)));
                node.tick(now);
                next += 1;
                node.take_effects();
            }
            let append = per_put(started);

            let started = Instant::now();
            now += 1_000;
            ack(&mut node, now, 2);
            ack(&mut node, now, 3);
            let answered = node.take_effects().iter().filter(|e| matches!(e, Effect::Reply(_))).count();
            let commit = per_put(started);
            assert_eq!(answered as u64, backlog + PUTS, "every put answered once");

            let started = Instant::now();
            for i in 0..PUTS {
                node.client_request(now, request(next + i, Op::Get { key: format!("key-{:08}", i * 7 % log_len) }));
                node.take_effects();
            }
            let get = per_put(started);
            println!("{log_len:>10} {backlog:>8} {append:>12.0} {commit:>12.0} {get:>12.0}");
        }
    }
}
