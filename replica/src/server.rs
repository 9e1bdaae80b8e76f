//! The event loop: one UDP socket, a monotonic clock, and a `raft_core::Node`.
//!
//! The loop blocks on the socket until a datagram arrives or the node's next deadline comes.
//! Then it reads what is queued on the socket, up to a batch, and hands the node the peers'
//! messages before the clients' requests. However much is queued, the node acts on its
//! deadlines between batches, so a flood of requests cannot stop a leader's heartbeats; a
//! peer's message still waits behind the datagrams queued before it in the kernel.
//! Requests that arrive together leave in one AppendEntries. Then the node acts on its
//! deadlines, and the loop sends every effect it produced.

use crate::args::Args;
use crate::codec::{self, format_id, Incoming, MAX_PUT_BYTES};
use crate::ratelog::RateLimitedLog;
use raft_core::{ClientRequest, Effect, Node, NodeId, Op, RoleKind, Term, Time};
use std::collections::BTreeMap;
use std::io;
use std::net::UdpSocket;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// After its hello, a replica sends nothing to its peers for this long: a peer's hello may
/// not have reached the simulator yet, and a message routed to it before then kills it.
pub const GRACE: Duration = Duration::from_millis(400);
/// Room for any UDP datagram, so that an oversized one is seen as such, not truncated.
const RECV_BUFFER: usize = 65_536;
/// The kernel's queue for our socket. Its default (about 200 KB) holds only a few large
/// datagrams, so a burst of them would push out peers' messages; the kernel may cap it lower
/// (`net.core.rmem_max`), which is not an error.
const SOCKET_RECV_BUFFER: usize = 4 * 1024 * 1024;
/// Datagrams read from the socket between two turns of the node's deadlines.
const MAX_BATCH: usize = 1024;
/// A socket that has not been emptied for this long receives more than the loop can serve.
/// Until it is emptied, clients' requests are answered `fail` at once (a failure the client
/// may retry), which costs a fraction of serving them: every request still gets an answer,
/// quickly, and the kernel's queue, which peers' messages share, stops overflowing.
const SHED_AFTER: Duration = Duration::from_millis(20);
/// Longest single wait; the node has a deadline long before this in practice.
const MAX_WAIT_MS: u64 = 60_000;
/// The longest the loop sleeps before it says how many complaints it suppressed.
const LOG_FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// How often debug mode logs message counts.
const STATS_INTERVAL: Duration = Duration::from_secs(5);

pub fn run(args: &Args, debug: bool) -> io::Result<()> {
    restore_default_sigterm();
    let sock = open_socket(args.port)?;
    let mut server = Server {
        sock,
        me: args.id,
        start: Instant::now(),
        debug,
        complaints: RateLimitedLog::new(5),
        buf: vec![0; RECV_BUFFER],
        effects: Vec::new(),
        last_state: None,
        sent: BTreeMap::new(),
        sent_logged_at: Instant::now(),
    };
    server.send(&codec::encode_hello(args.id));
    let queued = server.grace(args.config.max_waiting_requests)?;
    let now = server.now();
    let seed = seed();
    let mut node = Node::new(args.id, args.peers.clone(), args.config.clone(), seed, now)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    server.debug_log(format_args!(
        "started with peers {:?}, seed {seed}",
        args.peers.iter().map(|&p| format_id(p)).collect::<Vec<_>>()
    ));
    for request in queued {
        server.client_request(&mut node, request);
    }
    server.serve(&mut node)
}

struct Server {
    sock: UdpSocket,
    me: NodeId,
    start: Instant,
    debug: bool,
    complaints: RateLimitedLog,
    buf: Vec<u8>,
    effects: Vec<Effect>,
    /// Term, role and leader when last logged (debug only).
    last_state: Option<(Term, RoleKind, Option<NodeId>)>,
    /// Messages sent to peers by kind, and when they were last logged (debug only).
    sent: BTreeMap<&'static str, u64>,
    sent_logged_at: Instant,
}

impl Server {
    /// Microseconds since start, from a monotonic clock.
    fn now(&self) -> Time {
        self.start.elapsed().as_micros() as Time
    }

    /// Waits out the grace period, keeping client requests for later, as many as the node
    /// would keep waiting; the rest are answered `fail`.
    fn grace(&mut self, max_queued: usize) -> io::Result<Vec<ClientRequest>> {
        let mut queued = Vec::new();
        let end = self.start + GRACE;
        loop {
            let now = Instant::now();
            if now >= end {
                return Ok(queued);
            }
            self.wait_readable(end - now)?;
            for _ in 0..MAX_BATCH {
                let Some(received) = self.recv() else { break };
                match received {
                    None => {}
                    Some(Incoming::Client(request)) if queued.len() < max_queued => queued.push(request),
                    Some(Incoming::Client(request)) => {
                        self.send(&codec::encode_fail(self.me, &request, None))
                    }
                    Some(Incoming::Peer(msg)) => self.debug_log(format_args!(
                        "before start, dropped {:?} from {}",
                        msg.body.kind(),
                        format_id(msg.from)
                    )),
                    Some(Incoming::Hello) => {}
                }
            }
        }
    }

    fn serve(&mut self, node: &mut Node) -> io::Result<()> {
        let mut ticked = false;
        let mut backlog = false;
        let mut overload = Overload::default();
        let mut requests = Vec::with_capacity(MAX_BATCH);
        loop {
            let now = self.now();
            if node.next_deadline() <= now {
                node.tick(now);
                ticked = true;
            }
            self.flush(node);
            let deadline = node.next_deadline();
            let now = self.now();
            if !backlog {
                let wait = if deadline > now {
                    Duration::from_micros(deadline - now)
                } else if ticked {
                    // Still due right after a tick: wait a little rather than spin.
                    Duration::from_millis(1)
                } else {
                    continue;
                };
                self.complaints.flush(Instant::now());
                self.wait_readable(wait.min(LOG_FLUSH_INTERVAL))?;
            }
            ticked = false;
            // Peers first: their messages are handled as they are read, clients' requests
            // after the batch.
            let mut read = 0;
            while read < MAX_BATCH {
                let Some(received) = self.recv() else { break };
                read += 1;
                let Some(incoming) = received else { continue };
                match incoming {
                    Incoming::Peer(msg) if !node.is_possible(&msg) => self.complain(format!(
                        "dropped {:?} from {}: a term or log term no honest replica sends (term {})",
                        msg.body.kind(),
                        format_id(msg.from),
                        msg.term
                    )),
                    Incoming::Peer(msg) => node.receive(self.now(), msg),
                    Incoming::Client(request) => requests.push(request),
                    Incoming::Hello => {}
                }
            }
            backlog = read == MAX_BATCH;
            let shed = overload.shed(backlog, Instant::now());
            if shed && !requests.is_empty() {
                self.complain(format!("overloaded: answered {} requests fail", requests.len()));
            }
            for request in requests.drain(..) {
                if shed {
                    self.send(&codec::encode_fail(self.me, &request, node.leader()));
                } else {
                    self.client_request(node, request);
                }
            }
        }
    }

    fn client_request(&mut self, node: &mut Node, request: ClientRequest) {
        if let Op::Put { key, value } = &request.op {
            let size = codec::put_wire_size(key, value);
            if size > MAX_PUT_BYTES {
                self.complain(format!(
                    "put of {size} bytes from {} refused (limit {MAX_PUT_BYTES})",
                    request.client
                ));
                self.send(&codec::encode_fail(self.me, &request, node.leader()));
                return;
            }
        }
        node.client_request(self.now(), request);
    }

    /// Sends what the node asked for, each datagram stamped with its current leader.
    fn flush(&mut self, node: &mut Node) {
        // The buffer is kept between calls: under load it holds thousands of effects, and
        // growing it anew on every pass costs more than the effects themselves.
        let mut effects = std::mem::take(&mut self.effects);
        node.drain_effects_into(&mut effects);
        let leader = node.leader();
        for effect in effects.drain(..) {
            match effect {
                Effect::Send(msg) => {
                    if self.debug {
                        *self.sent.entry(msg.body.kind().name()).or_default() += 1;
                    }
                    self.send(&codec::encode_message(&msg, leader))
                }
                Effect::Reply(reply) => self.send(&codec::encode_reply(self.me, &reply, leader)),
                // The graded simulator never restarts a replica: nothing is kept on disk.
                Effect::Persist { .. } | Effect::Trace(_) => {}
            }
        }
        self.effects = effects;
        if self.debug {
            let state = (node.term(), node.role(), leader);
            if self.last_state != Some(state) {
                self.last_state = Some(state);
                let shown = leader.map_or_else(|| "none".to_owned(), format_id);
                self.debug_log(format_args!(
                    "term {} {:?}, leader {shown}",
                    state.0, state.1
                ));
            }
            if self.sent_logged_at.elapsed() >= STATS_INTERVAL {
                self.sent_logged_at = Instant::now();
                self.debug_log(format_args!("sent so far: {:?}", self.sent));
            }
        }
    }

    /// Blocks until the socket is readable or `timeout` has passed (rounded up to a
    /// millisecond, so that a deadline is never polled for early in a busy loop).
    fn wait_readable(&self, timeout: Duration) -> io::Result<()> {
        let ms = timeout.as_micros().div_ceil(1000).min(MAX_WAIT_MS as u128) as libc::c_int;
        let mut fd = libc::pollfd {
            fd: self.sock.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: `fd` is one valid pollfd, exclusively borrowed for the call.
        let ready = unsafe { libc::poll(&mut fd, 1, ms) };
        if ready < 0 {
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
        Ok(())
    }

    /// The next datagram already waiting: `None` if there is none, `Some(None)` if it did not
    /// decode (it is logged and dropped).
    fn recv(&mut self) -> Option<Option<Incoming>> {
        let len = loop {
            match self.sock.recv(&mut self.buf) {
                Ok(len) => break len,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return None,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // For example ECONNREFUSED after the simulator's port went away.
                    self.complain(format!("receive failed: {e}"));
                    return None;
                }
            }
        };
        match codec::decode(&self.buf[..len], self.me) {
            Ok(incoming) => Some(Some(incoming)),
            Err(e) => {
                let shown = String::from_utf8_lossy(&self.buf[..len.min(100)]).into_owned();
                self.complain(format!("dropped a datagram: {e}: {shown:?}"));
                Some(None)
            }
        }
    }

    fn send(&mut self, datagram: &[u8]) {
        if let Err(e) = self.sock.send(datagram) {
            self.complain(format!("send failed: {e}"));
        }
    }

    fn complain(&mut self, line: String) {
        self.complaints.log(Instant::now(), || line);
    }

    fn debug_log(&self, what: std::fmt::Arguments) {
        if self.debug {
            println!(
                "[{:>9.3}s {}] {what}",
                self.start.elapsed().as_secs_f64(),
                format_id(self.me)
            );
        }
    }
}

/// Whether to shed clients' requests: the socket has stayed backlogged (each read filled a
/// batch) for `SHED_AFTER`.
#[derive(Default)]
struct Overload {
    backlogged_since: Option<Instant>,
}

impl Overload {
    /// Called after each batch read at `now`, `backlog` telling whether it was full.
    fn shed(&mut self, backlog: bool, now: Instant) -> bool {
        self.backlogged_since = if backlog { self.backlogged_since.or(Some(now)) } else { None };
        self.backlogged_since.is_some_and(|since| now.duration_since(since) >= SHED_AFTER)
    }
}

/// Our socket: any local port, connected to the simulator's, non-blocking, with a large
/// receive queue.
fn open_socket(port: u16) -> io::Result<UdpSocket> {
    let sock = UdpSocket::bind("127.0.0.1:0")?;
    sock.connect(("127.0.0.1", port))?;
    sock.set_nonblocking(true)?;
    socket2::SockRef::from(&sock).set_recv_buffer_size(SOCKET_RECV_BUFFER)?;
    Ok(sock)
}

/// A SIGTERM must end the replica at once. An ignored disposition is inherited across exec,
/// so restore the default rather than trust the parent's.
fn restore_default_sigterm() {
    // SAFETY: setting a signal's disposition to its default has no preconditions.
    unsafe {
        libc::signal(libc::SIGTERM, libc::SIG_DFL);
    }
}

/// Election timeouts must differ between replicas and between runs.
fn seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_shed_only_while_the_socket_stays_backlogged() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut o = Overload::default();
        assert!(!o.shed(false, at(0)));
        assert!(!o.shed(true, at(1)), "a full batch alone is not overload");
        assert!(!o.shed(true, at(20)));
        assert!(o.shed(true, at(21)), "backlogged for 20 ms");
        assert!(o.shed(true, at(500)));
        assert!(!o.shed(false, at(501)), "the socket was emptied");
        assert!(!o.shed(true, at(502)), "a new backlog starts its own count");
        assert!(o.shed(true, at(522)));
    }

    #[test]
    fn the_socket_queue_is_as_large_as_the_kernel_allows() {
        let sock = open_socket(9).unwrap();
        let got = socket2::SockRef::from(&sock).recv_buffer_size().unwrap();
        let cap = std::fs::read_to_string("/proc/sys/net/core/rmem_max")
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .unwrap_or(SOCKET_RECV_BUFFER);
        assert!(got >= SOCKET_RECV_BUFFER.min(cap), "{got} bytes, the kernel allows {cap}");
    }
}
