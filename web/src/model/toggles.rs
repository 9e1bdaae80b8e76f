//! The protocol's extensions as switches: pre-vote, check-quorum, the leader's no-op, how
//! reads are answered and which followers get new entries at once. Lease reads rely on
//! check-quorum, so the switches keep the two consistent (the core rejects a lease without
//! check-quorum).

use raft_core::{Config, Fanout, ReadMode};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Toggle {
    PreVote,
    CheckQuorum,
    LeaderNoop,
}

pub const READ_MODES: [ReadMode; 3] = [ReadMode::Lease, ReadMode::ReadIndex, ReadMode::UnsafeLocal];

pub fn read_mode_name(mode: ReadMode) -> &'static str {
    match mode {
        ReadMode::Lease => "lease",
        ReadMode::ReadIndex => "ReadIndex",
        ReadMode::UnsafeLocal => "unsafe local",
    }
}

pub fn read_mode_from(name: &str) -> Option<ReadMode> {
    READ_MODES.into_iter().find(|&m| read_mode_name(m) == name)
}

pub fn fanout_name(fanout: Fanout) -> &'static str {
    match fanout {
        Fanout::All => "all followers",
        Fanout::Quorum => "just a quorum",
    }
}

pub fn fanout_from(name: &str) -> Option<Fanout> {
    Fanout::all().into_iter().find(|&f| fanout_name(f) == name)
}

/// The compaction thresholds offered (§7): applied entries between snapshots, 0 for never.
pub const COMPACTIONS: [u64; 4] = [0, 5, 10, 20];

pub fn compaction_name(every: u64) -> String {
    if every == 0 {
        "never".into()
    } else {
        format!("every {every} entries")
    }
}

/// `config` snapshotting every `every` applied entries (0: never).
pub fn with_compaction(config: &Config, every: u64) -> Config {
    Config { snapshot_after_entries: every, ..config.clone() }
}

/// `config` replicating new entries with `fanout`.
pub fn with_fanout(config: &Config, fanout: Fanout) -> Config {
    Config { fanout, ..config.clone() }
}

pub fn is_on(config: &Config, t: Toggle) -> bool {
    match t {
        Toggle::PreVote => config.pre_vote,
        Toggle::CheckQuorum => config.check_quorum,
        Toggle::LeaderNoop => config.leader_noop,
    }
}

/// `config` with `t` flipped (turning check-quorum off moves lease reads to ReadIndex).
pub fn flip(config: &Config, t: Toggle) -> Config {
    let mut c = config.clone();
    match t {
        Toggle::PreVote => c.pre_vote = !c.pre_vote,
        Toggle::CheckQuorum => {
            c.check_quorum = !c.check_quorum;
            if !c.check_quorum && c.read_mode == ReadMode::Lease {
                c.read_mode = ReadMode::ReadIndex;
            }
        }
        Toggle::LeaderNoop => c.leader_noop = !c.leader_noop,
    }
    c
}

/// `config` reading with `mode` (lease reads turn check-quorum on).
pub fn with_read_mode(config: &Config, mode: ReadMode) -> Config {
    let mut c = config.clone();
    c.read_mode = mode;
    if mode == ReadMode::Lease {
        c.check_quorum = true;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination_of_switches_stays_valid() {
        let mut c = Config::teaching();
        for step in 0..24 {
            c = match step % 4 {
                0 => flip(&c, Toggle::CheckQuorum),
                1 => with_read_mode(&c, READ_MODES[step % 3]),
                2 => flip(&c, Toggle::PreVote),
                _ => flip(&c, Toggle::LeaderNoop),
            };
            assert_eq!(c.validate(), Ok(()), "step {step}: {c:?}");
        }
    }

    #[test]
    fn lease_reads_follow_check_quorum() {
        let c = Config::teaching();
        assert_eq!(c.read_mode, ReadMode::Lease);
        let off = flip(&c, Toggle::CheckQuorum);
        assert!(!off.check_quorum);
        assert_eq!(off.read_mode, ReadMode::ReadIndex);
        let lease = with_read_mode(&off, ReadMode::Lease);
        assert!(lease.check_quorum);
        let unsafe_ = with_read_mode(&off, ReadMode::UnsafeLocal);
        assert!(!unsafe_.check_quorum, "other modes leave check-quorum alone");
        assert!(!is_on(&flip(&c, Toggle::PreVote), Toggle::PreVote));
        for m in READ_MODES {
            assert_eq!(read_mode_from(read_mode_name(m)), Some(m));
        }
    }

    #[test]
    fn fanouts_round_trip_and_stay_valid() {
        for f in Fanout::all() {
            assert_eq!(fanout_from(fanout_name(f)), Some(f));
            let c = with_fanout(&Config::teaching(), f);
            assert_eq!((c.fanout, c.validate()), (f, Ok(())));
        }
        assert_eq!(fanout_from("everyone"), None);
    }

    #[test]
    fn compaction_thresholds_stay_valid() {
        for every in COMPACTIONS {
            let c = with_compaction(&Config::teaching(), every);
            assert_eq!((c.snapshot_after_entries, c.validate()), (every, Ok(())));
        }
        assert_eq!(compaction_name(0), "never");
        assert_eq!(compaction_name(5), "every 5 entries");
    }
}
