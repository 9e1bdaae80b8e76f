//! The real `3700kvstore` binary, driven over UDP the way the simulator drives it.

use serde_json::{json, Value};
use std::io::Read;
use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_3700kvstore");

/// A replica started against a socket of ours, killed when dropped.
struct Replica {
    child: Child,
    sim: UdpSocket,
}

impl Replica {
    fn start(id: &str, peers: &[&str]) -> Replica {
        let sim = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = sim.local_addr().unwrap().port().to_string();
        let child = Command::new(BIN)
            .arg(port)
            .arg(id)
            .args(peers)
            .env_remove("RAFT_DEBUG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Long enough for a first election under the graded preset (3–6 s after the grace period).
        sim.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Replica { child, sim }
    }

    /// Receives one datagram; remembers the replica's address (connects to it).
    fn recv(&self) -> Value {
        let mut buf = vec![0; 65_536];
        // A signal (another test's child exiting, say) can interrupt the wait: wait again.
        let (len, from) = loop {
            match self.sim.recv_from(&mut buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other.expect("a datagram within 10 s"),
            }
        };
        self.sim.connect(from).unwrap();
        serde_json::from_slice(&buf[..len]).expect("replicas send JSON")
    }

    fn send(&self, bytes: &[u8]) {
        self.sim.send(bytes).unwrap();
    }

    fn terminate(&mut self) -> (std::process::ExitStatus, Duration) {
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let t0 = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, t0.elapsed());
            }
            assert!(
                t0.elapsed() < Duration::from_secs(2),
                "SIGTERM did not end the replica"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn bad_arguments_print_usage_and_exit_2() {
    for args in [
        &[][..],
        &["12345"],
        &["port", "0000"],
        &["12345", "zz"],
        &["12345", "0000", "0000"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("usage:"),
            "{args:?}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn serves_a_single_replica_cluster_survives_garbage_and_dies_on_sigterm() {
    let mut r = Replica::start("0000", &[]);
    let hello = r.recv();
    assert_eq!(
        hello,
        json!({"src": "0000", "dst": "FFFF", "leader": "FFFF", "type": "hello"})
    );

    // Garbage of every kind, then a put during the grace period: it must be answered later.
    for bad in [
        &b""[..],
        b"\xff\xfe",
        b"not json",
        b"[1,2,3]",
        br#"{"src":"0011","dst":"0000","type":"put"}"#,
        br#"{"src":"0011","dst":"0000","leader":"FFFF","type":"put","MID":5,"key":"k","value":"v"}"#,
        br#"{"src":"0011","dst":"0000","leader":"FFFF","type":"launch"}"#,
        br#"{"src":"0001","dst":"0000","leader":"FFFF","type":"ae","t":"x"}"#,
        &vec![b'x'; 65_000],
    ] {
        r.send(bad);
    }
    r.send(br#"{"src":"0011","dst":"0000","leader":"FFFF","type":"put","MID":"m1","key":"k","value":"v1"}"#);
    let ok = r.recv();
    assert_eq!(
        ok,
        json!({"src": "0000", "dst": "0011", "leader": "0000", "type": "ok", "MID": "m1"})
    );

    r.send(br#"{"src":"0012","dst":"0000","leader":"0000","type":"get","MID":"m2","key":"k"}"#);
    let got = r.recv();
    assert_eq!(
        got,
        json!({"src": "0000", "dst": "0012", "leader": "0000", "type": "ok", "MID": "m2", "value": "v1"})
    );
    r.send(
        br#"{"src":"0012","dst":"0000","leader":"0000","type":"get","MID":"m3","key":"absent"}"#,
    );
    assert_eq!(r.recv()["value"], "");

    let (status, took) = r.terminate();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(libc::SIGTERM)
    );
    assert!(took < Duration::from_millis(500), "took {took:?}");
    let mut stdout = String::new();
    r.child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert_eq!(stdout, "", "stdout stays quiet without RAFT_DEBUG");
    let mut stderr = String::new();
    r.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("dropped a datagram"),
        "bad input is logged: {stderr}"
    );
    assert!(
        stderr.lines().count() <= 12,
        "logging is rate-limited: {stderr}"
    );
}

#[test]
fn sends_nothing_to_peers_during_the_grace_period_then_campaigns() {
    let r = Replica::start("0001", &["0000", "0002"]);
    let t0 = Instant::now();
    assert_eq!(r.recv()["type"], "hello");
    let first = r.recv();
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_millis(350),
        "a peer message after {waited:?}"
    );
    assert_eq!(first["type"], "pv", "{first}");
    assert_eq!(first["src"], "0001");
    assert_eq!(first["leader"], "FFFF");
}
