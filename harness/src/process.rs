//! Replica processes: each runs in its own process group so that a kill reaches anything it
//! forked, and a guard kills every group when the run ends, fails or is interrupted.

use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long replicas get to exit after SIGTERM before SIGKILL.
const TERM_GRACE: Duration = Duration::from_millis(1000);

#[derive(Debug)]
pub struct SpawnError {
    pub path: PathBuf,
    pub source: io::Error,
}

impl std::fmt::Display for SpawnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot start replica program {}: {}",
            self.path.display(),
            self.source
        )?;
        if self.source.kind() == io::ErrorKind::NotFound {
            write!(f, " (build it first, or pass --replica PATH)")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpawnError {}

struct Proc {
    child: Child,
    exited: Option<ExitStatus>,
}

/// The running replicas, indexed by replica number. Dropping it kills them all.
#[derive(Default)]
pub struct Replicas {
    procs: Vec<Proc>,
}

impl Replicas {
    /// Starts `program PORT ID OTHER_IDS...` in a new process group.
    pub fn spawn(
        &mut self,
        program: &Path,
        port: u16,
        id: &str,
        others: &[String],
        quiet: bool,
    ) -> Result<(), SpawnError> {
        // A bare name would be looked up in PATH; the simulator runs the file named, like `./x`.
        let program = if program.components().count() == 1 {
            Path::new(".").join(program)
        } else {
            program.to_owned()
        };
        let output = || {
            if quiet {
                Stdio::null()
            } else {
                Stdio::inherit()
            }
        };
        let child = Command::new(&program)
            .arg(port.to_string())
            .arg(id)
            .args(others)
            .stdin(Stdio::null())
            .stdout(output())
            .stderr(output())
            .process_group(0)
            .spawn()
            .map_err(|source| SpawnError {
                path: program.clone(),
                source,
            })?;
        self.procs.push(Proc {
            child,
            exited: None,
        });
        Ok(())
    }

    /// The process id of a replica that has not been reaped yet, for reading `/proc/PID`.
    pub fn pid(&self, replica: usize) -> Option<u32> {
        let p = self.procs.get(replica)?;
        p.exited.is_none().then(|| p.child.id())
    }

    /// The ports of the simulator's sockets, one for each replica to start.
    pub fn ports(sockets: &[std::net::UdpSocket]) -> io::Result<Vec<u16>> {
        sockets.iter().map(|s| s.local_addr().map(|a| a.port())).collect()
    }

    /// Starts one replica for each of `ports` (the simulator's socket for it), with the IDs
    /// of `ids::replica_ids` and its peers' IDs in a random order, as the simulator does.
    pub fn spawn_cluster(
        &mut self,
        program: &Path,
        ports: &[u16],
        rng: &mut impl rand::Rng,
        quiet: bool,
    ) -> Result<(), SpawnError> {
        let ids = crate::ids::replica_ids(ports.len());
        for (id, &port) in ids.iter().zip(ports) {
            let mut others: Vec<String> = ids.iter().filter(|o| *o != id).cloned().collect();
            rand::seq::SliceRandom::shuffle(others.as_mut_slice(), rng);
            self.spawn(program, port, id, &others, quiet)?;
        }
        Ok(())
    }

    /// SIGTERM to the replica's whole process group.
    pub fn kill(&mut self, replica: usize) {
        signal_group(&self.procs[replica].child, libc::SIGTERM);
    }

    /// Replicas whose process exited since the last call, with how it ended.
    pub fn reap(&mut self) -> Vec<(usize, ExitStatus)> {
        let mut out = Vec::new();
        for (i, p) in self.procs.iter_mut().enumerate() {
            if p.exited.is_none() {
                if let Ok(Some(status)) = p.child.try_wait() {
                    p.exited = Some(status);
                    out.push((i, status));
                }
            }
        }
        out
    }

    /// SIGTERM every group, wait a moment, then SIGKILL whatever is left.
    pub fn shutdown(&mut self) {
        for p in &self.procs {
            signal_group(&p.child, libc::SIGTERM);
        }
        let deadline = Instant::now() + TERM_GRACE;
        while Instant::now() < deadline {
            self.reap();
            if self.procs.iter().all(|p| p.exited.is_some()) {
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        for p in &mut self.procs {
            // Children of a replica may outlive it; the group signal reaches them too.
            signal_group(&p.child, libc::SIGKILL);
            if p.exited.is_none() {
                p.exited = p.child.wait().ok();
            }
        }
        self.procs.clear();
    }
}

impl Drop for Replicas {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn signal_group(child: &Child, signal: libc::c_int) {
    // process_group(0) made the child the leader of a group whose id is its pid.
    if let Ok(pgid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: killpg has no memory-safety preconditions; ESRCH (group gone) is expected.
        unsafe {
            libc::killpg(pgid, signal);
        }
    }
}
