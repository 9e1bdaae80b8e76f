//! Every timing and behaviour knob of a node, in one validated struct.

use crate::policy::Fanout;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a leader answers reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReadMode {
    /// Answer at once while a quorum acknowledged us within the lease (needs check-quorum);
    /// otherwise confirm leadership with a round of heartbeats first (thesis §6.4.1).
    Lease,
    /// Always confirm leadership with a round of heartbeats (thesis §6.4).
    ReadIndex,
    /// Answer from local state without any check. Not linearizable: a deposed leader can
    /// return stale data. Exists to show why the other two modes exist.
    UnsafeLocal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// A follower starts an election after hearing nothing from a leader for a random time in
    /// `[election_timeout_min_us, election_timeout_max_us]` (§5.2).
    pub election_timeout_min_us: u64,
    pub election_timeout_max_us: u64,
    /// A leader sends an empty AppendEntries to a follower that has had nothing else from it
    /// for this long (§5.2: heartbeats keep followers from starting elections).
    pub heartbeat_interval_us: u64,
    /// Heartbeats to a follower that has not answered for an election timeout back off
    /// exponentially up to this.
    pub max_probe_interval_us: u64,
    /// Unacknowledged entries are resent after this long at most (§5.3: a leader retries
    /// AppendEntries indefinitely); a leader shortens it to twice the measured round trip,
    /// but not below a quarter of it.
    pub retransmit_timeout_us: u64,
    /// Upper bound on the estimated encoded size of the entries of one AppendEntries (batching).
    pub max_append_bytes: usize,
    /// Upper bound on AppendEntries with entries in flight to one follower (pipelining).
    pub max_inflight: usize,
    /// Which followers get new entries at once (see [`Fanout`]).
    pub fanout: Fanout,
    /// Pre-vote (thesis §9.6): a node only starts a real election if a majority would vote
    /// for it, so a partitioned node rejoining cannot disrupt a healthy leader.
    pub pre_vote: bool,
    /// A leader that has not heard from a majority within an election timeout steps down, and
    /// a follower that heard from a leader within the minimum election timeout ignores votes
    /// (thesis §6.2, §4.2.3).
    pub check_quorum: bool,
    /// A new leader appends an empty entry of its term so that it can commit (§8).
    pub leader_noop: bool,
    pub read_mode: ReadMode,
    /// Safety margin subtracted from the lease for clock drift between nodes.
    pub lease_margin_us: u64,
    /// Client requests a node keeps waiting for an answer at once (held for want of a leader,
    /// or a leader's puts and reads not yet answered); beyond this a new request is answered
    /// `Fail` at once, which a client may retry, so that a burst of load costs answers, not
    /// memory or the leader's heartbeats.
    #[serde(alias = "max_held_requests")]
    pub max_waiting_requests: usize,
    /// Upper bound of the log's size in memory (the sum of [`crate::log::Entry::memory_size`]
    /// of the entries not compacted). Without compaction this bounds what a node holds for
    /// good: a leader answers
    /// puts `Fail` once its log is within 1/64 of it, and a follower takes entries only up to
    /// it. The 64th left is room for the no-op entries of later leaders (§8), which are
    /// appended whatever the size: a thousand elections' worth at least (`MIN_LOG_BYTES`);
    /// once they too have filled it, a new leader cannot commit.
    #[serde(default = "default_max_log_bytes")]
    pub max_log_bytes: usize,
    /// A leader whose oldest entry not yet committed has waited this long holds new puts
    /// instead of appending them (0: never, as in the paper, which appends at once, §5.3).
    /// Cut off from its majority, such a leader cannot commit them; held, they have had no
    /// effect, so when it steps down (check-quorum) it can send their clients elsewhere,
    /// where appended they would wait for the partition to heal. It appends them once the
    /// commit moves again.
    #[serde(default)]
    pub hold_puts_after_stall_us: u64,
    /// §7: once this many applied entries follow the last snapshot, a node snapshots its
    /// state machine and drops them from its log (0: never). A follower whose next entry a
    /// leader has dropped gets the snapshot instead (InstallSnapshot).
    #[serde(default)]
    pub snapshot_after_entries: u64,
    /// Whether the node records trace events (a visualizer wants them, a server may not).
    pub trace: bool,
}

/// The smallest `Config::max_log_bytes` allowed: its last 64th holds the no-ops of about
/// a thousand elections.
pub const MIN_LOG_BYTES: usize = 4 << 20;

/// `Config::max_log_bytes` for a config written before there was one.
fn default_max_log_bytes() -> usize {
    Config::graded().max_log_bytes
}

/// Why a `Config` was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid raft config: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// For the CS 3700 graded simulator, which scores messages and the median latency: lease
    /// reads and (with the `economy` feature) quorum fanout. A follower waits 1–2 s for a
    /// silent leader, so that a killed leader is replaced within about 1.5 s, and idle
    /// heartbeats come every 0.35 s, a third of the shortest election timeout, so that two
    /// lost in a row are not a timeout; under steady writes the quorum fanout's turns reach
    /// every follower more often than that, so heartbeats cost messages only when idle.
    pub fn graded() -> Config {
        Config {
            election_timeout_min_us: 1_000_000,
            election_timeout_max_us: 2_000_000,
            heartbeat_interval_us: 350_000,
            max_probe_interval_us: 5_000_000,
            retransmit_timeout_us: 4_000,
            // JSON can escape a character as six bytes: 8 KB of entries stays under the
            // simulator's 64 KB datagram whatever the keys hold.
            max_append_bytes: 8_000,
            max_inflight: 64,
            fanout: Fanout::economical(),
            pre_vote: true,
            check_quorum: true,
            leader_noop: true,
            read_mode: ReadMode::Lease,
            lease_margin_us: 50_000,
            max_waiting_requests: 10_000,
            max_log_bytes: 256 << 20,
            // A commit takes a round trip of a millisecond or so, a few with losses resent;
            // a tenth of a second without one means the majority is out of reach.
            hold_puts_after_stall_us: 100_000,
            // A long run at full load would fill `max_log_bytes`; compacting every 20,000
            // entries keeps the log to a few megabytes. A graded run's 30 s never gets there.
            snapshot_after_entries: 20_000,
            trace: false,
        }
    }

    /// For watching Raft in the browser: the paper's timings (§5.6: 150–300 ms elections),
    /// every follower replicated at once, and traces on.
    pub fn teaching() -> Config {
        Config {
            election_timeout_min_us: 150_000,
            election_timeout_max_us: 300_000,
            heartbeat_interval_us: 50_000,
            max_probe_interval_us: 200_000,
            retransmit_timeout_us: 60_000,
            max_append_bytes: 4_000,
            max_inflight: 8,
            fanout: Fanout::All,
            pre_vote: true,
            check_quorum: true,
            leader_noop: true,
            read_mode: ReadMode::Lease,
            lease_margin_us: 10_000,
            max_waiting_requests: 1_000,
            max_log_bytes: 16 << 20,
            hold_puts_after_stall_us: 0,
            snapshot_after_entries: 0,
            trace: true,
        }
    }

    /// Checks the relations the algorithm relies on.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |m: String| Err(ConfigError(m));
        if self.election_timeout_min_us == 0 {
            return err("election_timeout_min_us must be positive".into());
        }
        if self.election_timeout_max_us < self.election_timeout_min_us {
            return err(format!(
                "election_timeout_max_us ({}) must be at least election_timeout_min_us ({})",
                self.election_timeout_max_us, self.election_timeout_min_us
            ));
        }
        if self.heartbeat_interval_us == 0 || self.heartbeat_interval_us >= self.election_timeout_min_us {
            return err(format!(
                "heartbeat_interval_us ({}) must be positive and below election_timeout_min_us ({}), \
                 or followers time out under a healthy leader",
                self.heartbeat_interval_us, self.election_timeout_min_us
            ));
        }
        if self.max_probe_interval_us < self.heartbeat_interval_us {
            return err("max_probe_interval_us must be at least heartbeat_interval_us".into());
        }
        if self.retransmit_timeout_us == 0 {
            return err("retransmit_timeout_us must be positive".into());
        }
        if self.max_append_bytes < 256 {
            return err("max_append_bytes must be at least 256".into());
        }
        if self.max_waiting_requests == 0 {
            return err("max_waiting_requests must be at least 1".into());
        }
        if self.max_log_bytes < MIN_LOG_BYTES {
            return err(format!("max_log_bytes ({}) must be at least {MIN_LOG_BYTES}", self.max_log_bytes));
        }
        if self.max_inflight == 0 {
            return err("max_inflight must be at least 1".into());
        }
        if self.read_mode == ReadMode::Lease {
            if !self.check_quorum {
                return err("read_mode Lease needs check_quorum: without it a deposed leader could \
                            still believe its lease"
                    .into());
            }
            if self.lease_margin_us >= self.election_timeout_min_us {
                return err("lease_margin_us must be below election_timeout_min_us".into());
            }
        }
        Ok(())
    }

    /// How long a quorum acknowledgement lets a leader serve reads alone: no other leader can
    /// be elected before a follower's minimum election timeout has passed since it last heard
    /// from us (thesis §6.4.1).
    pub fn lease_us(&self) -> u64 {
        self.election_timeout_min_us.saturating_sub(self.lease_margin_us)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid() {
        Config::graded().validate().unwrap();
        Config::teaching().validate().unwrap();
    }

    #[test]
    fn rejects_heartbeat_not_below_election_timeout() {
        let mut c = Config::teaching();
        c.heartbeat_interval_us = c.election_timeout_min_us;
        let e = c.validate().unwrap_err();
        assert!(e.to_string().contains("heartbeat_interval_us"), "{e}");
    }

    #[test]
    fn reads_a_config_written_before_the_bounds() {
        let mut old = serde_json::to_value(Config::teaching()).unwrap();
        let fields = old.as_object_mut().unwrap();
        let waiting = fields.remove("max_waiting_requests").unwrap();
        fields.insert("max_held_requests".into(), waiting);
        fields.remove("max_log_bytes");
        let read: Config = serde_json::from_value(old).unwrap();
        assert_eq!(read.max_waiting_requests, Config::teaching().max_waiting_requests);
        assert_eq!(read.max_log_bytes, Config::graded().max_log_bytes);
        read.validate().unwrap();
    }

    #[test]
    fn rejects_inverted_election_timeouts() {
        let mut c = Config::graded();
        c.election_timeout_max_us = c.election_timeout_min_us - 1;
        assert!(c.validate().unwrap_err().to_string().contains("election_timeout_max_us"));
    }

    #[test]
    fn rejects_lease_reads_without_check_quorum() {
        let mut c = Config::graded();
        c.check_quorum = false;
        assert!(c.validate().unwrap_err().to_string().contains("check_quorum"));
        c.read_mode = ReadMode::ReadIndex;
        c.validate().unwrap();
    }
}
