//! What a node holds is bounded, whatever its clients and peers send: the requests waiting
//! for an answer (`Config::max_waiting_requests`) and the log (`Config::max_log_bytes`). A
//! request beyond a bound is answered `Fail` at once, which a client may retry; an entry
//! beyond it is not taken.

mod common;

use common::*;
use raft_core::*;

fn fail_reason(replies: &[ClientReply]) -> Option<String> {
    match outcomes(replies).as_slice() {
        [Outcome::Fail(why)] => Some(why.clone()),
        _ => None,
    }
}

/// A leader cut off from its followers keeps what it accepted waiting; past the bound a put
/// or a get is refused at once, and once the puts commit there is room again.
#[test]
fn a_leader_refuses_requests_beyond_max_waiting_requests() {
    let config = Config { max_waiting_requests: 3, ..paper_config() };
    let mut net = Network::new(3, config);
    net.elect(1);
    net.isolate(1);
    let waiting: Vec<String> = (0..3).map(|i| net.submit(1, put_op(&format!("k{i}"), "v"))).collect();
    let last = net.node(1).log().last_index();
    let refused_put = net.submit(1, put_op("k3", "v"));
    let refused_get = net.submit(1, get_op("k0"));
    for id in [&refused_put, &refused_get] {
        let why = fail_reason(&net.replies_to(id)).expect("refused at once with fail");
        assert!(why.contains("too many requests"), "{why}");
    }
    assert_eq!(net.node(1).log().last_index(), last, "a refused put is not appended");
    assert!(waiting.iter().all(|id| net.replies_to(id).is_empty()));

    net.heal();
    net.advance(net.config.heartbeat_interval_us * 2);
    for id in &waiting {
        assert_eq!(outcomes(&net.replies_to(id)), [Outcome::Written], "request {id}");
    }
    assert_eq!(outcomes(&net.put(1, "k3", "v")), [Outcome::Written]);
}

/// A node that knows no leader holds requests up to the same bound.
#[test]
fn a_node_without_a_leader_holds_requests_up_to_the_bound() {
    let config = Config { max_waiting_requests: 2, ..paper_config() };
    let mut net = Network::new(3, config);
    net.submit(2, put_op("a", "1"));
    net.submit(2, put_op("b", "1"));
    let refused = net.submit(2, put_op("c", "1"));
    assert!(fail_reason(&net.replies_to(&refused)).is_some());
    assert_eq!(net.node(2).held_requests(), 2);
}

/// A copy of a put the leader already appended (the same client and request id) is neither
/// appended again nor answered twice, even while the leader is at its bound.
#[test]
fn a_copy_of_a_waiting_put_is_ignored() {
    let config = Config { max_waiting_requests: 1, ..paper_config() };
    let mut net = Network::new(3, config);
    net.elect(1);
    let request = ClientRequest { client: "c".into(), id: "m1".into(), op: put_op("x", "1") };
    net.with_node(1, |n, now| n.client_request(now, request.clone()));
    let last = net.node(1).log().last_index();
    net.with_node(1, |n, now| n.client_request(now, request.clone()));
    assert_eq!(net.node(1).log().last_index(), last);
    net.deliver_all();
    assert_eq!(outcomes(&net.replies_to("m1")), [Outcome::Written]);
}

fn small_log_config() -> Config {
    Config { max_log_bytes: MIN_LOG_BYTES, ..paper_config() }
}

/// A value that fills a good part of a small log with each put.
fn big_value() -> String {
    "v".repeat(MIN_LOG_BYTES / 200)
}

/// A leader stops taking puts a 64th short of `max_log_bytes`, so that later leaders still
/// have room for their no-op entries; reads go on.
#[test]
fn a_leader_refuses_puts_once_its_log_is_nearly_full() {
    let config = small_log_config();
    let max = config.max_log_bytes;
    let mut net = Network::new(3, config);
    net.elect(1);
    let value = big_value();
    let mut written = 0;
    let why = loop {
        let replies = net.put(1, &format!("k{written}"), &value);
        match outcomes(&replies).as_slice() {
            [Outcome::Written] => written += 1,
            _ => break fail_reason(&replies).expect("a put gets one answer"),
        }
        assert!(written < 300, "the log never filled up");
    };
    assert!(why.contains("log is full"), "{why}");
    assert!(written > 100, "only {written} puts fit");
    for id in net.ids() {
        let size = net.node(id).log().memory_size();
        assert!(size <= max - max / 64, "node {id} holds {size} bytes");
    }
    assert_eq!(outcomes(&net.get(1, "k0")), [Outcome::Value(Some(value))]);
}

/// A follower takes a leader's entries in order up to `max_log_bytes` and says how far it
/// got; the rest are not taken, however often they come.
#[test]
fn a_follower_takes_entries_only_up_to_max_log_bytes() {
    let config = small_log_config();
    let max = config.max_log_bytes;
    let mut node = new_node(2, 3, config);
    let entries: Vec<Entry> = (1..=300)
        .map(|i| Entry::new(1, Command::Put { key: format!("k{i}"), value: big_value() }))
        .collect();
    let mut taken = None;
    for _ in 0..2 {
        node.receive(0, append_msg(1, 2, 1, (0, 0), entries.clone(), 0));
        let replies = sends(&node.take_effects());
        let [Message { body: Body::AppendEntriesReply { result: AppendResult::Success { match_index }, .. }, .. }] =
            replies.as_slice()
        else {
            panic!("expected one successful reply, got {replies:?}");
        };
        assert_eq!(*match_index, node.log().last_index());
        assert_eq!(*taken.get_or_insert(*match_index), *match_index, "the same prefix each time");
    }
    let taken = taken.unwrap();
    assert!(taken > 10 && taken < 300, "took {taken} of 300");
    assert!(node.log().memory_size() <= max);
    assert!(node.log().memory_size() + entries[0].memory_size() > max, "it stopped only when full");
}
