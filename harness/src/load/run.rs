//! One rate's run, in phases: hellos, a first `ok`, the sending window, the wait for the last
//! answers, and the report. A single thread polls every socket; it competes for the cores
//! with the replicas, so the loop does little per datagram.

use super::attack::{self, Attack, Target};
use super::cluster::{Arrival, Cluster};
use super::options::{LoadError, Options};
use super::report::Report;
use super::workload::{Kind, Outcome, Workload};
use super::{latency, procfs, schedule};
use crate::{ids, signals};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Instant;

/// How long the replicas get to send their hellos, and then to answer a first request.
pub(super) const START_TIMEOUT: f64 = 10.0;
/// While waiting for a leader, a put goes to a random replica this often.
pub(super) const PROBE_INTERVAL: f64 = 0.05;
/// How long after the window closes answers are still awaited.
const DRAIN: f64 = 1.0;
/// An answer within this long of the first send counts as timely.
const TIMELY: f64 = 1.0;
/// How often replicas that exited on their own are looked for.
const REAP_INTERVAL: f64 = 0.05;
/// Datagrams read from one socket before the loop looks at the schedule again.
const BURST: usize = 256;
/// Room for any UDP datagram.
const BUFFER: usize = 65_536;

/// A running cluster and the client that loads it.
pub(super) struct Run {
    cluster: Cluster,
    work: Workload,
    rng: StdRng,
    /// Fires only during the sending window.
    attack: Option<Attack>,
    origin: Instant,
    next_reap: f64,
    buf: Vec<u8>,
}

/// What was measured over the sending window.
pub(super) struct Window {
    sent: u64,
    seconds: f64,
    /// CPU seconds of each replica, and of the client, at the window's start and end.
    cpu: Vec<(Option<f64>, Option<f64>)>,
    own_cpu: (Option<f64>, Option<f64>),
    peer_msgs_before: u64,
}

impl Run {
    /// Starts the replicas; `origin` is when the run began, for the time to a first `ok`.
    pub(super) fn start(opts: &Options, seed: u64, origin: Instant) -> Result<Run, LoadError> {
        Ok(Run {
            cluster: Cluster::start(&opts.replica, opts.replicas, seed)?,
            work: Workload::new(opts.replicas, opts.mix, opts.keys, seed),
            rng: StdRng::seed_from_u64(seed ^ 0x5eed),
            attack: opts.attack.map(|a| Attack::new(a, opts.replicas)),
            origin,
            next_reap: 0.0,
            buf: vec![0; BUFFER],
        })
    }

    pub(super) fn now(&self) -> f64 {
        self.origin.elapsed().as_secs_f64()
    }

    /// Waits up to `timeout_ms` for datagrams, then routes and answers all that arrived.
    fn pump(&mut self, timeout_ms: i32) -> Result<(), LoadError> {
        if signals::interrupted() {
            return Err(LoadError::Interrupted);
        }
        self.cluster.poll(timeout_ms)?;
        for r in 0..self.cluster.replicas() {
            if !self.cluster.readable(r) {
                continue;
            }
            for _ in 0..BURST {
                let Some((len, from)) = self.cluster.recv(r, &mut self.buf) else {
                    break;
                };
                if let Arrival::ToClient(env) = self.cluster.handle(r, &self.buf[..len], from) {
                    let now = self.origin.elapsed().as_secs_f64();
                    if let Some(out) = self.work.on_reply(r, &env, now) {
                        self.cluster.send(out.replica, &out.bytes);
                    }
                }
            }
        }
        let now = self.now();
        if now >= self.next_reap {
            self.cluster.reap();
            self.next_reap = now + REAP_INTERVAL;
        }
        Ok(())
    }

    pub(super) fn await_hellos(&mut self) -> Result<(), LoadError> {
        let deadline = self.now() + START_TIMEOUT;
        while !self.cluster.missing_hellos().is_empty() {
            if self.now() >= deadline || !self.cluster.exits().is_empty() {
                return Err(LoadError::NoHello {
                    missing: self.cluster.missing_hellos(),
                    exits: self.cluster.exits().to_vec(),
                });
            }
            self.pump(10)?;
        }
        Ok(())
    }

    /// Sends a put to a random replica every PROBE_INTERVAL until one is acknowledged.
    pub(super) fn await_leader(&mut self) -> Result<(), LoadError> {
        let deadline = self.now() + START_TIMEOUT;
        let mut next_probe = self.now();
        while !self.work.any_ok() {
            let now = self.now();
            if now >= deadline {
                return Err(LoadError::NoLeader {
                    exits: self.cluster.exits().to_vec(),
                });
            }
            if now >= next_probe {
                let to = self.rng.random_range(0..self.cluster.replicas());
                let out = self.work.probe(now, to);
                self.cluster.send(out.replica, &out.bytes);
                next_probe = now + PROBE_INTERVAL;
            }
            self.pump(5)?;
        }
        Ok(())
    }

    /// The sending window: requests on schedule (and bad datagrams with an attack), in
    /// batches every millisecond or whenever answers wake the loop.
    pub(super) fn load(&mut self, rate: f64, seconds: f64, memory_every: Option<f64>) -> Result<Window, LoadError> {
        let n = self.cluster.replicas();
        let pids: Vec<Option<u32>> = (0..n).map(|r| self.cluster.pid(r)).collect();
        let read_cpu = |pids: &[Option<u32>]| -> Vec<Option<f64>> {
            pids.iter()
                .map(|p| p.and_then(procfs::cpu_seconds))
                .collect()
        };
        let cpu_before = read_cpu(&pids);
        let own_before = procfs::own_cpu_seconds();
        let peer_msgs_before = self.cluster.traffic.peer_msgs;
        let total = schedule::total(rate, seconds);
        let start = self.now();
        let mut sent = 0;
        let mut memory_at = 0.0;
        loop {
            let now = self.now();
            let elapsed = now - start;
            if let Some(every) = memory_every.filter(|_| elapsed >= memory_at) {
                let rss: Vec<String> = pids.iter().map(|p| p.and_then(procfs::rss).map_or("-".into(), |k| format!("{:.1}", k as f64 / 1024.0))).collect();
                println!("{elapsed:>7.1} s  {sent:>10} sent  resident MiB by replica: {}", rss.join(" "));
                memory_at += every;
            }
            let due = schedule::due(rate, elapsed, total);
            while sent < due {
                let out = self.work.next(self.now());
                self.cluster.send(out.replica, &out.bytes);
                sent += 1;
            }
            self.send_attack(elapsed);
            if elapsed >= seconds {
                break;
            }
            self.pump(1)?;
        }
        let end = self.now();
        let cpu_after = read_cpu(&pids);
        let own_after = procfs::own_cpu_seconds();
        Ok(Window {
            sent,
            seconds: end - start,
            cpu: cpu_before.into_iter().zip(cpu_after).collect(),
            own_cpu: (own_before, own_after),
            peer_msgs_before,
        })
    }

    fn send_attack(&mut self, elapsed: f64) {
        let Some(attack) = &mut self.attack else {
            return;
        };
        for _ in 0..attack.due(elapsed) {
            let (to, class, nth) = attack.next();
            let leader = self.work.leader();
            let term = self.cluster.term();
            let replicas = self.cluster.replicas();
            let key = self.work.some_acked_key();
            let target = Target {
                to,
                replicas,
                leader,
                term,
                key,
                nth,
            };
            let bytes = attack::datagram(class, &target);
            self.cluster.send(to, &bytes);
        }
    }

    /// Waits up to DRAIN seconds for the answers still due.
    pub(super) fn drain(&mut self) -> Result<(), LoadError> {
        let deadline = self.now() + DRAIN;
        while self.work.pending_measured() > 0 && self.now() < deadline {
            self.pump(1)?;
        }
        self.cluster.reap();
        Ok(())
    }

    pub(super) fn report(
        &self,
        opts: &Options,
        rate: f64,
        startup_seconds: f64,
        w: &Window,
    ) -> Report {
        let measured = || self.work.requests().iter().filter(|r| r.measured);
        let count = |o: Outcome| measured().filter(|r| r.outcome == o).count() as u64;
        let latencies: Vec<f64> = measured()
            .filter(|r| r.outcome != Outcome::Pending)
            .map(|r| r.answered_at - r.first_sent)
            .collect();
        let within_1s = latencies.iter().filter(|&&l| l <= TIMELY).count() as u64;
        let oks = &self.work.oks_by_replica;
        let leader = (0..oks.len())
            .filter(|&r| oks[r] > 0)
            .max_by_key(|&r| oks[r]);
        let rss: Vec<Option<u64>> = (0..self.cluster.replicas())
            .map(|r| self.cluster.pid(r).and_then(procfs::peak_rss))
            .collect();
        let largest = (0..rss.len())
            .filter(|&r| rss[r].is_some())
            .max_by_key(|&r| rss[r]);
        let (replica_drops, client_drops) = self.cluster.socket_drops();
        let id = ids::format_id;
        Report {
            rate,
            seconds: opts.seconds,
            replicas: opts.replicas,
            mix: opts.mix,
            startup_seconds,
            sent: w.sent,
            gets: measured().filter(|r| r.kind == Kind::Get).count() as u64,
            sent_per_second: if w.seconds > 0.0 {
                w.sent as f64 / w.seconds
            } else {
                0.0
            },
            ok: count(Outcome::Ok),
            failed: count(Outcome::Fail),
            unanswered: count(Outcome::Pending),
            within_1s,
            latency: latency::summarize(latencies),
            peer_msgs: self.cluster.traffic.peer_msgs - w.peer_msgs_before,
            leader: leader.map(id),
            leader_cpu_percent: leader
                .and_then(|l| procfs::cpu_percent(w.cpu[l].0, w.cpu[l].1, w.seconds)),
            leader_peak_rss_kib: leader.and_then(|l| rss[l]),
            max_peak_rss_kib: largest.and_then(|r| rss[r]),
            max_peak_rss_replica: largest.map(id),
            leader_changes: self.work.leader_changes,
            replica_socket_drops: replica_drops,
            client_socket_drops: client_drops,
            exited: self.cluster.exits().to_vec(),
            client_cpu_percent: procfs::cpu_percent(w.own_cpu.0, w.own_cpu.1, w.seconds),
            answers: self.work.answers.clone(),
            traffic: self.cluster.traffic.clone(),
            reads: self.work.check_reads(),
            attack: self.attack.as_ref().map(Attack::counts),
        }
    }
}
