//! A deliberately broken replica for the harness's own tests. It speaks the simulator's wire
//! format; `TOY_REPLICA_MODE` picks one misbehaviour (or a trivially correct primary-backup).
//!
//! Modes:
//! - `local`: answers every request itself from its own map, never replicates, claims no leader.
//! - `solo`: like `local`, but names itself the leader (for a cluster of one).
//! - `chain`: passes each request on to the next replica until every replica has had it; the
//!   last answers, so a request takes as many hops as there are replicas, plus one.
//! - `silent`: says hello, then never answers.
//! - `badjson`: says hello, then sends malformed and misaddressed datagrams, then stays silent.
//! - `echo-wrong-mid`: answers every request with an ok carrying a MID nobody sent.
//! - `crash`: says hello and exits on its own shortly after.
//! - `nohello`: never says hello.
//! - `stubborn`: like `silent` but ignores SIGTERM, so only SIGKILL ends it.
//! - `primary`: replica 0000 serves everything and broadcasts each put; others redirect to it.
//! - `primary-dup`: like `primary` but every ok is sent twice.
//! - `runaround`: replica 0000 serves everything but names 0001 as the leader; every other
//!   replica redirects to the one after it: a request to 0001 goes round the whole cluster.
//! - `primary-flawed`: like `primary`, but the primary never answers the third put it
//!   stores and answers the fifth twice: one known unanswered request, one known duplicate.
//!
//! With `TOY_PID_DIR` set, each replica writes its pid to a file there, so tests can verify
//! that the harness leaves nothing running.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::UdpSocket;
use std::time::Duration;

const PRIMARY: &str = "0000";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: toy_replica PORT ID OTHER_IDS...");
        std::process::exit(2);
    }
    let port: u16 = args[1].parse().expect("port is a number");
    let me = args[2].clone();
    let mode = std::env::var("TOY_REPLICA_MODE").unwrap_or_else(|_| "silent".into());
    if let Ok(dir) = std::env::var("TOY_PID_DIR") {
        let _ = std::fs::write(format!("{dir}/{me}.pid"), std::process::id().to_string());
    }
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.connect(("127.0.0.1", port)).expect("connect");
    let send = |v: Value| {
        let _ = sock.send(v.to_string().as_bytes());
    };
    if mode != "nohello" {
        send(json!({"src": me, "dst": "FFFF", "leader": "FFFF", "type": "hello"}));
    }
    match mode.as_str() {
        "crash" => {
            std::thread::sleep(Duration::from_millis(300));
            std::process::exit(3);
        }
        "stubborn" => {
            // SAFETY: ignoring a signal has no memory-safety preconditions.
            unsafe {
                libc::signal(libc::SIGTERM, libc::SIG_IGN);
            }
        }
        "badjson" => {
            for raw in [
                r#"{"src": "#.to_owned(),
                "[1, 2, 3]".to_owned(),
                format!(r#"{{"src":"{me}","dst":"FFFF","type":"x"}}"#),
                format!(r#"{{"src":"{me}","dst":"FFFF","leader":"nobody","type":"x"}}"#),
                format!(r#"{{"src":"{me}","dst":"0999","leader":"FFFF","type":"x"}}"#),
            ] {
                let _ = sock.send(raw.as_bytes());
            }
        }
        _ => {}
    }
    let mut store: HashMap<String, String> = HashMap::new();
    let mut puts = 0;
    let mut buf = vec![0u8; 65535];
    loop {
        let Ok(len) = sock.recv(&mut buf) else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let Ok(msg) = serde_json::from_slice::<Value>(&buf[..len]) else {
            continue;
        };
        let kind = msg["type"].as_str().unwrap_or_default();
        if mode == "chain" && (kind == "chain" || kind == "put" || kind == "get") {
            chain(&me, &args[3..], msg, &send);
            continue;
        }
        if kind != "get" && kind != "put" {
            continue;
        }
        let key = msg["key"].as_str().unwrap_or_default().to_owned();
        let reply = |kind: &str, leader: &str, mid: &Value| json!({"src": me, "dst": msg["src"], "leader": leader, "type": kind, "MID": mid});
        match mode.as_str() {
            "local" | "solo" | "echo-wrong-mid" => {
                let mid = if mode == "echo-wrong-mid" {
                    json!("not-a-sent-mid")
                } else {
                    msg["MID"].clone()
                };
                let leader = if mode == "solo" { me.as_str() } else { "FFFF" };
                let mut ok = reply("ok", leader, &mid);
                if kind == "put" {
                    store.insert(key, msg["value"].as_str().unwrap_or_default().to_owned());
                } else {
                    ok["value"] = store.get(&key).cloned().unwrap_or_default().into();
                }
                send(ok);
            }
            "runaround" if me != PRIMARY => {
                let mut ids: Vec<&str> = args[2..].iter().map(String::as_str).collect();
                ids.sort_unstable();
                let next = ids.iter().position(|id| *id == me).and_then(|i| ids.get(i + 1)).unwrap_or(&PRIMARY);
                send(reply("redirect", next, &msg["MID"]))
            }
            "runaround" => {
                let mut ok = reply("ok", "0001", &msg["MID"]);
                if kind == "put" {
                    store.insert(key, msg["value"].as_str().unwrap_or_default().to_owned());
                } else {
                    ok["value"] = store.get(&key).cloned().unwrap_or_default().into();
                }
                send(ok);
            }
            "primary" | "primary-dup" | "primary-flawed" if me != PRIMARY => {
                send(reply("redirect", PRIMARY, &msg["MID"]))
            }
            "primary" | "primary-dup" | "primary-flawed" => {
                let mut ok = reply("ok", PRIMARY, &msg["MID"]);
                if kind == "put" {
                    store.insert(key, msg["value"].as_str().unwrap_or_default().to_owned());
                    send(json!({"src": me, "dst": "FFFF", "leader": PRIMARY, "type": "replicate"}));
                    puts += 1;
                } else {
                    ok["value"] = store.get(&key).cloned().unwrap_or_default().into();
                }
                let flawed = mode == "primary-flawed" && kind == "put";
                if mode == "primary-dup" || (flawed && puts == 5) {
                    send(ok.clone());
                }
                if !(flawed && puts == 3) {
                    send(ok);
                }
            }
            _ => {}
        }
    }
}

/// `chain` mode: a request travels from replica to replica (in ID order, wrapping round),
/// carrying its client and how many replicas have had it; the last answers the client.
fn chain(me: &str, others: &[String], mut msg: Value, send: &impl Fn(Value)) {
    let (client, seen) = if msg["type"] == "chain" {
        (msg["client"].clone(), msg["seen"].as_u64().unwrap_or(0) + 1)
    } else {
        (msg["src"].clone(), 1)
    };
    if seen as usize > others.len() {
        let mut ok = json!({"src": me, "dst": client, "leader": "FFFF", "type": "ok", "MID": msg["MID"]});
        if msg["type"] == "get" || msg["kind"] == "get" {
            ok["value"] = json!("");
        }
        send(ok);
        return;
    }
    let mut ids: Vec<&str> = others.iter().map(String::as_str).chain([me]).collect();
    ids.sort_unstable();
    let at = ids.iter().position(|id| *id == me).expect("own id is listed");
    let next = ids[(at + 1) % ids.len()];
    if msg["type"] != "chain" {
        msg["kind"] = msg["type"].clone();
    }
    msg["src"] = json!(me);
    msg["leader"] = json!("FFFF");
    msg["dst"] = json!(next);
    msg["type"] = json!("chain");
    msg["client"] = client;
    msg["seen"] = json!(seen);
    send(msg);
}
