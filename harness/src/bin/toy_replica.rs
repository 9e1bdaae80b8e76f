//! A deliberately broken replica for the harness's own tests. It speaks the simulator's wire
//! format; `TOY_REPLICA_MODE` picks one misbehaviour (or a trivially correct primary-backup).
//!
//! Modes:
//! - `local`: answers every request itself from its own map, never replicates, claims no leader.
//! - `silent`: says hello, then never answers.
//! - `badjson`: says hello, then sends malformed and misaddressed datagrams, then stays silent.
//! - `echo-wrong-mid`: answers every request with an ok carrying a MID nobody sent.
//! - `crash`: says hello and exits on its own shortly after.
//! - `nohello`: never says hello.
//! - `stubborn`: like `silent` but ignores SIGTERM, so only SIGKILL ends it.
//! - `primary`: replica 0000 serves everything and broadcasts each put; others redirect to it.
//! - `primary-dup`: like `primary` but every ok is sent twice.
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
        if kind != "get" && kind != "put" {
            continue;
        }
        let key = msg["key"].as_str().unwrap_or_default().to_owned();
        let reply = |kind: &str, leader: &str, mid: &Value| json!({"src": me, "dst": msg["src"], "leader": leader, "type": kind, "MID": mid});
        match mode.as_str() {
            "local" | "echo-wrong-mid" => {
                let mid = if mode == "local" {
                    msg["MID"].clone()
                } else {
                    json!("not-a-sent-mid")
                };
                let mut ok = reply("ok", "FFFF", &mid);
                if kind == "put" {
                    store.insert(key, msg["value"].as_str().unwrap_or_default().to_owned());
                } else {
                    ok["value"] = store.get(&key).cloned().unwrap_or_default().into();
                }
                send(ok);
            }
            "primary" | "primary-dup" if me != PRIMARY => {
                send(reply("redirect", PRIMARY, &msg["MID"]))
            }
            "primary" | "primary-dup" => {
                let mut ok = reply("ok", PRIMARY, &msg["MID"]);
                if kind == "put" {
                    store.insert(key, msg["value"].as_str().unwrap_or_default().to_owned());
                    send(json!({"src": me, "dst": "FFFF", "leader": PRIMARY, "type": "replicate"}));
                } else {
                    ok["value"] = store.get(&key).cloned().unwrap_or_default().into();
                }
                if mode == "primary-dup" {
                    send(ok.clone());
                }
                send(ok);
            }
            _ => {}
        }
    }
}
