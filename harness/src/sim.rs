//! One simulation run: sockets, replica processes, the clock and the event loop.

use crate::client::{Clients, Outgoing};
use crate::clock::Clock;
use crate::config::{Config, EventKind};
use kvtrace::FindingKind;
use crate::ids;
use crate::network::{Network, Status};
use crate::outage::Outage;
use crate::report;
use crate::process::{Replicas, SpawnError};
use crate::schedule::{Action, Schedule};
use crate::signals;
use crate::stats::{self, Check, Counters, Score};
use crate::trace::Trace;
use crate::wire;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::time::Instant;

/// The simulator reads datagrams of up to this size.
const MAX_DATAGRAM: usize = 65535;
/// Mixed into the seed for the clients' streams of draws.
const WORKLOAD_STREAM: u64 = 0x5EED_0000_0000_0001;
const CLIENT_STREAM: u64 = 0x5EED_0000_0000_0002;
/// How often to look for replicas that exited on their own.
const REAP_INTERVAL: f64 = 0.05;

#[derive(Debug, Clone)]
pub struct Options {
    pub replica: PathBuf,
    /// Overrides the config's seed.
    pub seed: Option<u64>,
    /// Silences the replicas' output and the event log.
    pub quiet: bool,
    /// Writes every datagram of the run to `DIR/<config>.<run>.jsonl` (see `trace`).
    pub trace: Option<PathBuf>,
    /// Which run of its config this is (names the trace file).
    pub run: u32,
    /// How the loop spends time: the graded simulator's clock or an idealised one.
    pub clock: Clock,
}

#[derive(Debug)]
pub enum SimError {
    Socket(io::Error),
    Spawn(SpawnError),
    /// The trace file could not be written.
    Trace(io::Error),
    Interrupted,
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::Socket(e) => write!(f, "socket error: {e}"),
            SimError::Spawn(e) => e.fmt(f),
            SimError::Trace(e) => write!(f, "cannot write the trace: {e}"),
            SimError::Interrupted => f.write_str("interrupted"),
        }
    }
}

impl std::error::Error for SimError {}

/// Everything a report needs about one finished run.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub name: String,
    pub seed: u64,
    pub counters: Counters,
    pub checks: Vec<Check>,
    pub scores: Vec<Score>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }
}

struct Sim<'a> {
    config: &'a Config,
    clock: Clock,
    quiet: bool,
    start: Instant,
    rng: StdRng,
    /// The clients' draws, apart from the network's: what each request asks (`workload_rng`),
    /// and where requests and resends go with which MID (`client_rng`). With a fixed seed
    /// every run then asks the same requests, whatever the replicas' timing does to drops
    /// and redirects.
    workload_rng: StdRng,
    client_rng: StdRng,
    net: Network,
    clients: Clients,
    counters: Counters,
    sockets: Vec<UdpSocket>,
    /// Each replica's address, learned from its first hello.
    addrs: Vec<Option<SocketAddr>>,
    procs: Replicas,
    trace: Option<Trace>,
    /// The longest span without a leader the simulator could name.
    outage: Outage,
}

pub fn run(config: &Config, opts: &Options) -> Result<Outcome, SimError> {
    let seed = opts.seed.or(config.seed).unwrap_or_else(rand::random);
    let n = config.replicas;
    let sockets = (0..n)
        .map(|_| {
            let s = UdpSocket::bind("127.0.0.1:0")?;
            s.set_nonblocking(true)?;
            Ok(s)
        })
        .collect::<io::Result<Vec<_>>>()
        .map_err(SimError::Socket)?;
    let mut sim = Sim {
        config,
        clock: opts.clock,
        quiet: opts.quiet,
        start: Instant::now(),
        rng: StdRng::seed_from_u64(seed),
        workload_rng: StdRng::seed_from_u64(seed ^ WORKLOAD_STREAM),
        client_rng: StdRng::seed_from_u64(seed ^ CLIENT_STREAM),
        net: Network::new(n, config.drops),
        clients: Clients::new(n),
        counters: Counters::default(),
        sockets,
        addrs: vec![None; n],
        procs: Replicas::default(),
        trace: None,
        outage: Outage::default(),
    };
    if let Some(dir) = &opts.trace {
        let mut trace = Trace::create(dir, &config.name, opts.run).map_err(SimError::Trace)?;
        trace.run(kvtrace::Run {
            t: 0.0,
            format: kvtrace::FORMAT,
            config: config.name.clone(),
            replicas: (0..n).map(ids::format_id).collect(),
            clients: ids::client_ids(n),
            seed,
            drops: config.drops,
            start_wait: config.start_wait,
            lifetime: config.lifetime,
            end: config.duration(),
            faults: config.events.iter().map(|e| kvtrace::ScheduledFault { kind: e.kind, time: e.time }).collect(),
        });
        sim.trace = Some(trace);
    }
    let ports = Replicas::ports(&sim.sockets).map_err(SimError::Socket)?;
    sim.procs
        .spawn_cluster(&opts.replica, &ports, &mut sim.rng, opts.quiet)
        .map_err(SimError::Spawn)?;
    sim.start = Instant::now();
    sim.event_loop()?;
    // A replica that crashed in the last moments still counts as died.
    sim.reap();
    sim.procs.shutdown();
    for line in sim.clients.outstanding(&sim.net) {
        sim.log(format_args!("{line}"));
    }
    sim.clients.finish(&sim.net, &mut sim.counters);
    sim.counters.longest_leaderless = sim.outage.longest(sim.now().min(config.duration()));
    let checks = stats::checks(config, &sim.counters);
    let scores = stats::scores(&config.benchmarks, &sim.counters);
    let end = sim.now();
    let outcome = Outcome { name: config.name.clone(), seed, counters: sim.counters, checks, scores };
    if let Some(mut trace) = sim.trace.take() {
        for finding in outcome.counters.findings.iter().cloned().chain(sim.clients.findings(&sim.net)) {
            trace.finding(finding);
        }
        trace.verdict(report::verdict(end, &outcome));
        trace.finish().map_err(SimError::Trace)?;
    }
    Ok(outcome)
}

impl Sim<'_> {
    fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Records a fault that fired in the trace: who was killed, or the majority side.
    fn fault(&mut self, kind: EventKind, replicas: Vec<String>) {
        let now = self.now();
        if let Some(trace) = &mut self.trace {
            trace.fault(now, kind, replicas);
        }
    }

    fn log(&mut self, what: std::fmt::Arguments) {
        let now = self.now();
        if !self.quiet {
            eprintln!("[{now:>8.3}s] {what}");
        }
        if let Some(trace) = &mut self.trace {
            trace.event(now, &what.to_string());
        }
    }

    /// One pass at a time, as the graded simulator: wait for datagrams, route what arrived,
    /// then fire everything the schedule has made due, in time order.
    fn event_loop(&mut self) -> Result<(), SimError> {
        let mut schedule = Schedule::new(self.config);
        let mut next_reap = 0.0;
        self.note_leader();
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            if signals::interrupted() {
                return Err(SimError::Interrupted);
            }
            let wait = self.clock.wait(self.now(), schedule.next_time());
            for r in self.wait_readable(wait)? {
                self.drain(r, &mut buf);
            }
            let now = self.now();
            while let Some((due, action)) = schedule.pop_due(now) {
                match action {
                    Action::End => return Ok(()),
                    Action::Request => self.request(due),
                    Action::Event(kind) => self.event(kind),
                }
            }
            if now >= next_reap {
                self.reap();
                next_reap = now + REAP_INTERVAL;
            }
        }
    }

    /// Blocks until a replica socket is readable or `timeout` seconds pass.
    fn wait_readable(&self, timeout: f64) -> Result<Vec<usize>, SimError> {
        let watched: Vec<usize> = (0..self.sockets.len())
            .filter(|&r| self.net.is_up(r))
            .collect();
        let mut fds: Vec<libc::pollfd> = watched
            .iter()
            .map(|&r| libc::pollfd {
                fd: self.sockets[r].as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        // Round up so an almost-due action does not turn into a spin of zero-length polls.
        let ms = (timeout.max(0.0) * 1000.0).ceil() as libc::c_int;
        // SAFETY: fds is a valid, exclusively borrowed array of fds.len() pollfd structs.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        if ready < 0 {
            let err = io::Error::last_os_error();
            return match err.kind() {
                io::ErrorKind::Interrupted => Ok(Vec::new()),
                _ => Err(SimError::Socket(err)),
            };
        }
        Ok(watched
            .into_iter()
            .zip(&fds)
            .filter(|(_, fd)| fd.revents != 0)
            .map(|(r, _)| r)
            .collect())
    }

    fn drain(&mut self, r: usize, buf: &mut [u8]) {
        for _ in 0..self.clock.per_socket() {
            if !self.net.is_up(r) {
                return;
            }
            match self.sockets[r].recv_from(buf) {
                Ok((len, from)) => {
                    self.clock.hop();
                    let datagram = buf[..len].to_vec();
                    self.on_datagram(r, &datagram, from);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(_) => return,
            }
        }
    }

    fn on_datagram(&mut self, r: usize, bytes: &[u8], from: SocketAddr) {
        let id = ids::format_id(r);
        let msg = match wire::parse(bytes) {
            Ok(msg) => msg,
            Err(e) if e.closes_replica() => {
                self.declare_died(r, format!("{id} closed its connection ({e})"));
                return;
            }
            Err(e) => {
                let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(120)]).into_owned();
                let detail = format!("{id} sent an invalid message ({e}): {shown}");
                self.counters.incorrect(stats::finding(self.now(), FindingKind::Incorrect, detail));
                return;
            }
        };
        if msg.is_hello() {
            if self.addrs[r].is_none() {
                self.addrs[r] = Some(from);
                self.net.mark_hello(r);
            }
            return;
        }
        self.net.observe(r, &msg);
        self.note_leader();
        let route = self.net.route(r, &msg, &mut self.rng);
        if let Some(trace) = &mut self.trace {
            trace.datagram(self.start.elapsed().as_secs_f64(), r, &route, bytes);
        }
        let c = &mut self.counters;
        c.total_msgs += route.counted;
        if route.counted > 0 {
            *c.msgs_by_type.entry(msg.kind.clone()).or_default() += route.counted;
        }
        c.dropped += route.dropped;
        c.partitioned += route.cut;
        c.to_dead += route.to_dead;
        if route.unknown_dst {
            let detail = format!("{id} sent to unknown destination {:?}", msg.dst);
            c.incorrect(stats::finding(self.start.elapsed().as_secs_f64(), FindingKind::Incorrect, detail));
        }
        for to in route.early {
            self.declare_died(
                to,
                format!("{} was sent a message before its hello", ids::format_id(to)),
            );
        }
        for to in route.deliver {
            self.send(to, bytes);
            self.counters.delivered += 1;
        }
        if let Some(client) = route.client {
            self.counters.to_clients += 1;
            let now = self.now();
            let resend = self.clients.on_response(
                client,
                &msg,
                &self.net,
                now,
                &mut self.client_rng,
                &mut self.counters,
            );
            if let Some(out) = resend {
                self.deliver_request(out, None);
            }
        }
    }

    /// A client's new request, scheduled for `due` (the loop may send it later). Its send
    /// costs a hop, after the client has taken the time, so latency includes it.
    fn request(&mut self, due: f64) {
        let now = self.now();
        let out = self.clients.generate(
            self.config.mix,
            &self.net,
            now,
            &mut self.workload_rng,
            &mut self.client_rng,
            &mut self.counters,
        );
        if let Some(out) = out {
            self.clock.hop();
            self.deliver_request(out, Some(due));
        }
    }

    fn deliver_request(&mut self, out: Outgoing, due: Option<f64>) {
        if self.net.has_hello(out.replica) {
            if let Some(trace) = &mut self.trace {
                trace.request(self.start.elapsed().as_secs_f64(), due, out.replica, &out.bytes);
            }
            self.send(out.replica, &out.bytes);
        } else {
            let id = ids::format_id(out.replica);
            self.declare_died(
                out.replica,
                format!(
                    "{id} was sent a request by client {} before its hello",
                    self.clients.id(out.client)
                ),
            );
        }
    }

    /// Sends from the replica's own simulator socket, as the replica expects.
    fn send(&self, to: usize, bytes: &[u8]) {
        if let Some(addr) = self.addrs[to] {
            // A full socket buffer loses the datagram, as an overloaded network would.
            let _ = self.sockets[to].send_to(bytes, addr);
        }
    }

    fn event(&mut self, kind: EventKind) {
        match kind {
            EventKind::KillLeader => {
                match self.net.leader_replica() {
                    Some(r) => {
                        self.kill(r);
                        self.fault(kind, vec![ids::format_id(r)]);
                        self.log(format_args!("kill_leader: killed {}", ids::format_id(r)));
                    }
                    None => {
                        self.fault(kind, Vec::new());
                        self.log(format_args!("kill_leader: no known leader, nothing killed"));
                    }
                }
                self.net.forget_leader();
                self.clients.forget_leaders();
            }
            EventKind::KillNonLeader => match self.net.pick_non_leader(&mut self.rng) {
                Some(r) => {
                    self.kill(r);
                    self.fault(kind, vec![ids::format_id(r)]);
                    self.log(format_args!(
                        "kill_non_leader: killed {}",
                        ids::format_id(r)
                    ));
                }
                None => {
                    self.fault(kind, Vec::new());
                    self.log(format_args!("kill_non_leader: no live non-leader"));
                }
            },
            EventKind::PartEasy | EventKind::PartHard => {
                let easy = kind == EventKind::PartEasy;
                self.net.start_partition(easy, &mut self.rng);
                if !easy {
                    self.clients.forget_leaders();
                }
                let side = self.net.partition().expect("partition just started");
                let majority: Vec<String> = (0..side.len())
                    .filter(|&r| side[r])
                    .map(ids::format_id)
                    .collect();
                self.log(format_args!("{kind}: majority side {}", majority.join(" ")));
                self.fault(kind, majority);
            }
            EventKind::PartEnd => {
                self.net.end_partition();
                self.fault(kind, Vec::new());
                self.log(format_args!("part_end: partition healed"));
            }
        }
        self.note_leader();
    }

    /// The simulator's belief about the leader changes only on a message, a kill or a
    /// partition: each of them calls this.
    fn note_leader(&mut self) {
        let now = self.now();
        let leader = self.net.has_live_leader();
        self.outage.note(now, self.config.start_wait, leader);
    }

    fn kill(&mut self, r: usize) {
        self.procs.kill(r);
        self.net.set_down(r, Status::Killed);
        self.counters.killed += 1;
    }

    fn declare_died(&mut self, r: usize, why: String) {
        if !self.net.is_up(r) {
            return;
        }
        self.net.set_down(r, Status::Died);
        self.note_leader();
        self.procs.kill(r);
        self.log(format_args!("died: {why}"));
        self.counters.died(why);
    }

    fn reap(&mut self) {
        for (r, status) in self.procs.reap() {
            if self.net.is_up(r) {
                self.declare_died(
                    r,
                    format!(
                        "{} exited without being killed ({status})",
                        ids::format_id(r)
                    ),
                );
            }
        }
    }
}
