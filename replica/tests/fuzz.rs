//! Arbitrary bytes and arbitrary JSON through the codec, and whatever decodes into a node:
//! nothing a datagram holds may panic the replica. `REPLICA_FUZZ_CASES` sets how many
//! datagrams (a soak runs more).

use raft_core::{Config, Node, Rng};
use replica::codec::{self, Incoming};
use serde_json::{json, Value};

const ME: u32 = 2;

/// A JSON value of any type, numbers at the edges included.
fn any_value(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth > 2 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.chance(0.5)),
        2 => json!(rng.next_u64()),
        3 => {
            let edges = [0u64, 1, u64::MAX, (1u64 << 53) - 1, 1 << 53];
            json!(edges[rng.below(edges.len())])
        }
        4 => json!(-(rng.below(1000) as i64)),
        5 => {
            let texts = ["", "0001", "0000", "FFFF", "x", "\u{0}", "0015"];
            json!(texts[rng.below(texts.len())])
        }
        6 => Value::Array((0..rng.below(4)).map(|_| any_value(rng, depth + 1)).collect()),
        _ => {
            let keys = ["src", "dst", "leader", "type", "MID", "key", "value", "t", "li", "lt", "g", "pi", "pt", "c", "s", "e", "m", "r", "ci", "ct"];
            Value::Object((0..rng.below(6)).map(|_| (keys[rng.below(keys.len())].to_owned(), any_value(rng, depth + 1))).collect())
        }
    }
}

/// A well-formed message of a random type whose fields are then replaced at random.
fn mutated_message(rng: &mut Rng) -> Value {
    let types = ["pv", "pvr", "rv", "rvr", "ae", "aer", "get", "put", "hello", "ok"];
    let src = ["0001", "0003", "0015"][rng.below(3)];
    let kind = types[rng.below(types.len())];
    let mut m = json!({
        "src": src, "dst": "0002", "leader": "0001",
        "type": kind, "MID": "m", "key": "k", "value": "v",
        "t": 1, "li": 0, "lt": 0, "g": true, "pi": 0, "pt": 0, "c": 0, "s": 0,
        "e": [[1], [1, "k", "v"]], "m": 1, "r": 1, "ci": 1, "ct": 1
    });
    let keys: Vec<String> = m.as_object().unwrap().keys().cloned().collect();
    for _ in 0..rng.below(4) {
        let key = &keys[rng.below(keys.len())];
        m[key.as_str()] = any_value(rng, 0);
    }
    m
}

fn datagram(rng: &mut Rng) -> Vec<u8> {
    match rng.below(4) {
        0 => (0..rng.below(200)).map(|_| rng.next_u64() as u8).collect(),
        1 => any_value(rng, 0).to_string().into_bytes(),
        _ => mutated_message(rng).to_string().into_bytes(),
    }
}

#[test]
fn arbitrary_datagrams_never_panic_the_codec_or_the_node() {
    let cases: u64 = std::env::var("REPLICA_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let mut rng = Rng::new(7);
    let mut node = Node::new(ME, vec![0, 1, 3, 4], Config::graded(), 1, 0).unwrap();
    let (mut decoded, mut now) = (0, 0);
    for _ in 0..cases {
        now += rng.range(0, 200_000);
        let bytes = datagram(&mut rng);
        match codec::decode(&bytes, ME) {
            Ok(Incoming::Peer(msg)) => {
                decoded += 1;
                node.receive(now, msg);
            }
            Ok(Incoming::Client(request)) => {
                decoded += 1;
                node.client_request(now, request);
            }
            Ok(Incoming::Hello) | Err(_) => {}
        }
        if node.next_deadline() <= now {
            node.tick(now);
        }
        for effect in node.take_effects() {
            if let raft_core::Effect::Send(msg) = &effect {
                let _ = codec::encode_message(msg, node.leader());
            }
        }
    }
    assert!(decoded > cases / 10, "only {decoded} of {cases} datagrams decoded: the generator is too far off");
}
