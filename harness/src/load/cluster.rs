//! The cluster under load: one simulator socket per replica on 127.0.0.1, the replica
//! processes, and the routing of their datagrams by `dst` through kvsim's `Network` with no
//! drops, partitions or hop cost.

use super::envelope::Envelope;
use super::LoadError;
use crate::ids;
use crate::network::Network;
use crate::process::Replicas;
use crate::wire::Message;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::Serialize;
use serde_json::Map;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::path::Path;

/// The kernel queue asked for on each simulator socket, so that replies are not lost while
/// the loop waits for a core: at 100,000 replies/s a 50 ms wait is 5,000 datagrams of about
/// 1 KiB of kernel memory each. Beyond `net.core.rmem_max` only a privileged process gets it.
const SOCKET_RECV_BUFFER: libc::c_int = 32 * 1024 * 1024;

/// Replica traffic the client itself does not take part in.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Traffic {
    /// Replica-to-replica messages, counted like the simulator does (a broadcast counts once
    /// per other replica).
    pub peer_msgs: u64,
    /// Datagrams from replicas that are not a JSON object with the four envelope strings, or
    /// that name no replica or client in `dst`.
    pub invalid: u64,
    /// Peer messages addressed to a replica whose hello had not arrived (dropped).
    pub before_hello: u64,
    /// Datagrams the client could not hand to the kernel.
    pub send_errors: u64,
}

/// What a datagram from a replica turned out to be.
pub enum Arrival<'a> {
    /// A hello, or a peer message already delivered.
    Handled,
    /// An answer for a client.
    ToClient(Envelope<'a>),
    Invalid,
}

pub struct Cluster {
    sockets: Vec<UdpSocket>,
    /// Each replica's address, learned from its first hello.
    addrs: Vec<Option<SocketAddr>>,
    fds: Vec<libc::pollfd>,
    procs: Replicas,
    net: Network,
    rng: StdRng,
    /// The highest term seen on an AppendEntries, the term of the current leader.
    term: u64,
    exits: Vec<String>,
    pub traffic: Traffic,
}

impl Cluster {
    /// Binds the sockets and starts `program PORT ID OTHER_IDS...` for each replica, quietly.
    pub fn start(program: &Path, replicas: usize, seed: u64) -> Result<Cluster, LoadError> {
        let sockets = (0..replicas)
            .map(|_| open_socket())
            .collect::<io::Result<Vec<_>>>()
            .map_err(LoadError::Socket)?;
        let fds = sockets
            .iter()
            .map(|s| libc::pollfd {
                fd: s.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        let mut cluster = Cluster {
            sockets,
            addrs: vec![None; replicas],
            fds,
            procs: Replicas::default(),
            net: Network::new(replicas, 0.0),
            rng: StdRng::seed_from_u64(seed),
            term: 0,
            exits: Vec::new(),
            traffic: Traffic::default(),
        };
        let ports = Replicas::ports(&cluster.sockets).map_err(LoadError::Socket)?;
        cluster
            .procs
            .spawn_cluster(program, &ports, &mut cluster.rng, true)
            .map_err(LoadError::Spawn)?;
        Ok(cluster)
    }

    pub fn replicas(&self) -> usize {
        self.sockets.len()
    }

    pub fn term(&self) -> u64 {
        self.term
    }

    /// Replicas whose hello has not arrived.
    pub fn missing_hellos(&self) -> Vec<String> {
        (0..self.replicas())
            .filter(|&r| self.addrs[r].is_none())
            .map(ids::format_id)
            .collect()
    }

    /// Waits up to `timeout_ms` for any socket to become readable.
    pub fn poll(&mut self, timeout_ms: i32) -> Result<(), LoadError> {
        for fd in &mut self.fds {
            fd.revents = 0;
        }
        // SAFETY: fds is a valid, exclusively borrowed array of fds.len() pollfd structs.
        let ready = unsafe {
            libc::poll(
                self.fds.as_mut_ptr(),
                self.fds.len() as libc::nfds_t,
                timeout_ms,
            )
        };
        if ready < 0 {
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(LoadError::Socket(err));
            }
        }
        Ok(())
    }

    pub fn readable(&self, r: usize) -> bool {
        self.fds[r].revents != 0
    }

    /// The next datagram waiting on replica `r`'s socket, if any.
    pub fn recv(&self, r: usize, buf: &mut [u8]) -> Option<(usize, SocketAddr)> {
        loop {
            match self.sockets[r].recv_from(buf) {
                Ok(got) => return Some(got),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // WouldBlock: drained. Anything else (such as ECONNREFUSED left by a send to a
                // replica that exited) is not a datagram either.
                Err(_) => return None,
            }
        }
    }

    /// Routes a datagram replica `r` sent: a hello teaches its address, a peer message is
    /// delivered at once, an answer for a client is handed back.
    pub fn handle<'a>(&mut self, r: usize, bytes: &'a [u8], from: SocketAddr) -> Arrival<'a> {
        let Some(env) = Envelope::parse(bytes) else {
            self.traffic.invalid += 1;
            return Arrival::Invalid;
        };
        if env.kind == "hello" {
            if self.addrs[r].is_none() {
                // Connected, the socket sends without a route lookup per datagram and takes
                // datagrams only from its replica, which is all it should get.
                if self.sockets[r].connect(from).is_ok() {
                    self.addrs[r] = Some(from);
                    self.net.mark_hello(r);
                }
            }
            return Arrival::Handled;
        }
        if env.kind == "ae" {
            self.term = self.term.max(env.t.unwrap_or(0));
        }
        // Network routes by `dst` alone; the other fields of the message are not needed.
        let msg = Message {
            src: env.src.to_string(),
            dst: env.dst.to_string(),
            leader: env.leader.to_string(),
            kind: env.kind.to_string(),
            fields: Map::new(),
        };
        let route = self.net.route(r, &msg, &mut self.rng);
        self.traffic.peer_msgs += route.counted;
        self.traffic.before_hello += route.early.len() as u64;
        for to in route.deliver {
            self.send(to, bytes);
        }
        if route.unknown_dst {
            self.traffic.invalid += 1;
            return Arrival::Invalid;
        }
        match route.client {
            Some(_) => Arrival::ToClient(env),
            None => Arrival::Handled,
        }
    }

    /// Sends from replica `r`'s simulator socket, the only address it hears from.
    pub fn send(&mut self, r: usize, bytes: &[u8]) {
        if self.addrs[r].is_none() {
            return;
        }
        if self.sockets[r].send(bytes).is_err() {
            self.traffic.send_errors += 1;
        }
    }

    /// Notes replicas that exited on their own since the last call.
    pub fn reap(&mut self) {
        for (r, status) in self.procs.reap() {
            self.exits
                .push(format!("{} exited ({status})", ids::format_id(r)));
        }
    }

    pub fn exits(&self) -> &[String] {
        &self.exits
    }

    /// Datagrams the kernel dropped because a socket's queue was full: summed over the
    /// replicas' own sockets, and over the client's simulator sockets. None if unreadable.
    pub fn socket_drops(&self) -> (Option<u64>, Option<u64>) {
        let replica_ports: Vec<u16> = self.addrs.iter().flatten().map(SocketAddr::port).collect();
        let client_ports: Vec<u16> = self
            .sockets
            .iter()
            .filter_map(|s| s.local_addr().ok())
            .map(|a| a.port())
            .collect();
        let sum = |drops: Vec<Option<u64>>| drops.into_iter().sum::<Option<u64>>();
        (
            sum(super::procfs::socket_drops(&replica_ports)),
            sum(super::procfs::socket_drops(&client_ports)),
        )
    }

    pub fn pid(&self, r: usize) -> Option<u32> {
        self.procs.pid(r)
    }
}

fn open_socket() -> io::Result<UdpSocket> {
    let socket = UdpSocket::bind("127.0.0.1:0")?;
    socket.set_nonblocking(true)?;
    let size = SOCKET_RECV_BUFFER;
    let set = |option| {
        // SAFETY: the option value is a valid c_int that outlives the call.
        unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                option,
                std::ptr::addr_of!(size).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            ) == 0
        }
    };
    // SO_RCVBUFFORCE passes the rmem_max cap but needs CAP_NET_ADMIN; SO_RCVBUF is capped.
    // A smaller queue than asked for only means more loss under overload (reported as
    // the client's queue drops), so neither refusal is an error.
    if !set(libc::SO_RCVBUFFORCE) {
        set(libc::SO_RCVBUF);
    }
    Ok(socket)
}
