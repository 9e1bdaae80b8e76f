//! Guided scenarios: preset runs that each show one thing about Raft, with a short narration
//! and what to watch. A scenario is data (a [`Run`]): it replays exactly like any other run,
//! and the user can act in it, branch it, or change its toggles.

use super::intervention::{Intervention, Run, Stamped};
use super::{Sim, SimConfig};
use crate::client::Op;
use crate::kv::Command;
use crate::log::{Entry, RaftLog};
use crate::node::PersistentState;
use crate::types::{NodeId, Term, Time};
use crate::ReadMode;

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Short, URL-safe name (`#scenario=figure-8`).
    pub id: &'static str,
    pub title: &'static str,
    pub narration: &'static str,
    pub watch: &'static [&'static str],
    pub run: Run,
    /// Where the interesting part ends: the scenario plays up to here.
    pub until: Time,
}

const MS: Time = 1_000;
const S: Time = 1_000_000;
/// How long before its first intervention a story starts.
const LEAD: Time = 300 * MS;

impl Scenario {
    /// Where the story starts: a moment before its first intervention, so that a viewer does
    /// not sit through the routine election before it (the run up to here is there to scrub
    /// back to).
    pub fn starts_at(&self) -> Time {
        self.run.interventions.first().map_or(0, |i| i.at.saturating_sub(LEAD))
    }
}

/// Every scenario, in menu order.
pub fn all() -> Vec<Scenario> {
    vec![
        leader_crash(),
        split_vote(),
        stale_leader(),
        figure_7(),
        figure_8(),
        disruptive_rejoin(false),
        disruptive_rejoin(true),
        lagging_follower(),
        unsafe_read(),
    ]
}

pub fn by_id(id: &str) -> Option<Scenario> {
    all().into_iter().find(|s| s.id == id)
}

/// The ids of every scenario (cheap: does not build the runs).
pub const IDS: [&str; 9] = [
    "leader-crash",
    "split-vote",
    "stale-leader",
    "figure-7",
    "figure-8",
    "disruptive-rejoin",
    "disruptive-rejoin-prevote",
    "lagging-follower",
    "unsafe-read",
];

fn run(config: SimConfig, list: Vec<(Time, Intervention)>) -> Run {
    Run { config, interventions: list.into_iter().map(|(at, what)| Stamped { at, what }).collect() }
}

/// Who leads at `t` in a run of `config` without interventions.
fn leader_at(config: &SimConfig, t: Time) -> NodeId {
    let mut sim = Sim::new(config.clone()).expect("scenario configs are valid");
    sim.run_until(t);
    sim.leader().expect("the scenario seeds elect a leader by then")
}

fn other_than(config: &SimConfig, node: NodeId) -> NodeId {
    (1..=config.nodes as NodeId).find(|&n| n != node).expect("a cluster of more than one node")
}

/// Without check-quorum, a leader cut off from the majority goes on believing it leads: the
/// scenarios about stale leaders turn it off (and so read with ReadIndex, which does not need it).
fn without_check_quorum(mut config: SimConfig) -> SimConfig {
    config.raft.check_quorum = false;
    config.raft.read_mode = ReadMode::ReadIndex;
    config
}

fn put(key: &str, value: &str) -> Op {
    Op::Put { key: key.into(), value: value.into() }
}

fn leader_crash() -> Scenario {
    let config = SimConfig::teaching(7);
    let leader = leader_at(&config, 1_500 * MS);
    Scenario {
        id: "leader-crash",
        title: "Leader crash and re-election",
        narration: "The leader crashes. Its followers stop hearing heartbeats; the first whose \
            election timer runs out asks for votes in a new term and becomes the leader. Later the \
            old leader comes back as a follower and catches up.",
        watch: &[
            "the followers' timer rings draining once the heartbeats stop",
            "the first node to time out: pre-vote, then RequestVote in a higher term",
            "the restarted node learns the new term and receives the entries it missed",
        ],
        run: run(
            config,
            vec![(1_500 * MS, Intervention::Crash { node: leader }), (4 * S, Intervention::Restart { node: leader })],
        ),
        until: 5 * S,
    }
}

fn split_vote() -> Scenario {
    let config = SimConfig::teaching(3);
    let at = 100 * MS;
    Scenario {
        id: "split-vote",
        title: "Split vote",
        narration: "Three of five nodes time out at the same moment. Each votes for itself, and the \
            two others can give only two votes between them: nobody reaches three, term 1 ends without \
            a leader. Random timeouts make the next attempt unlikely to collide again.",
        watch: &[
            "three candidates in term 1, each with its own vote and at most one more: none reaches three",
            "the timers running out at different moments for the next term",
            "a single winner in a later term",
        ],
        run: run(
            config,
            vec![
                (at, Intervention::Timeout { node: 1 }),
                (at, Intervention::Timeout { node: 2 }),
                (at, Intervention::Timeout { node: 3 }),
            ],
        ),
        until: 1_500 * MS,
    }
}

fn stale_leader() -> Scenario {
    let mut config = without_check_quorum(SimConfig::teaching(11));
    // The client waits for its answer instead of trying another node after a timeout, so the
    // write reaches the majority only the way the story tells: redirected after the heal.
    config.clients.resend_on_timeout = false;
    let leader = leader_at(&config, 1_500 * MS);
    let buddy = other_than(&config, leader);
    Scenario {
        id: "stale-leader",
        title: "Partitioned old leader",
        narration: "The leader and one follower are cut off from the other three (check-quorum is off, \
            so the old leader does not notice). The majority elects a new leader and goes on. A write \
            sent to the old leader is appended but cannot commit: the old leader cannot reach a \
            majority, and the client waits. When the network heals, the old leader sees the higher \
            term and steps down; the new leader's log replaces its uncommitted entry, and it sends \
            the client to the new leader, where the write commits as an entry of the new term.",
        watch: &[
            "two leaders at once, in different terms: only the higher term can commit",
            "the old leader's entry x=stale stays dashed (uncommitted) while the client waits",
            "after the heal: the old leader steps down, its log is repaired, and it redirects the client",
            "x=stale commits through the new leader, in the new term",
        ],
        run: run(
            config,
            vec![
                (1_500 * MS, Intervention::Partition { groups: vec![vec![leader, buddy]] }),
                (1_700 * MS, Intervention::Request { node: leader, op: put("x", "stale") }),
                (5 * S, Intervention::Heal),
            ],
        ),
        until: 6 * S,
    }
}

/// A log of puts `e<index>=t<term>` with these terms.
fn log_of(terms: &[Term]) -> RaftLog {
    let mut log = RaftLog::default();
    for (i, &term) in terms.iter().enumerate() {
        log.append(Entry::new(term, Command::Put { key: format!("e{}", i + 1), value: format!("t{term}") }));
    }
    log
}

fn state(term: Term, voted_for: Option<NodeId>, terms: &[Term]) -> PersistentState {
    PersistentState { term, voted_for, log: log_of(terms) }
}

fn quiet(mut config: SimConfig) -> SimConfig {
    config.clients.count = 0;
    without_check_quorum(config)
}

fn figure_7() -> Scenario {
    let mut config = quiet(SimConfig::teaching(1));
    config.nodes = 7;
    config.initial = vec![
        state(7, None, &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6]),
        state(6, None, &[1, 1, 1, 4, 4, 5, 5, 6, 6]),
        state(4, None, &[1, 1, 1, 4]),
        state(6, None, &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6]),
        state(7, None, &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7]),
        state(4, None, &[1, 1, 1, 4, 4, 4, 4]),
        state(3, None, &[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]),
    ];
    Scenario {
        id: "figure-7",
        title: "Figure 7: log repair",
        narration: "The logs of the paper's Figure 7. Node 1 becomes leader of term 8; the followers \
            (a to f in the paper: nodes 2 to 7) miss entries, have extra uncommitted ones, or both. The \
            leader finds the last entry each follower agrees on by stepping nextIndex back after each \
            rejection, then overwrites everything after it.",
        watch: &[
            "the rejections (✗) and next stepping back under the leader's log",
            "nodes 4 and 5 losing their extra entries (terms 6 and 7), node 7 its terms 2 and 3",
            "all seven logs identical at the end, committed up to the leader's no-op",
        ],
        run: run(config, vec![(MS, Intervention::Timeout { node: 1 })]),
        until: 1_500 * MS,
    }
}

/// The moment node 1 (leader of term 4) crashes in the Figure 8 scenario.
pub const FIGURE_8_CRASH: Time = 400 * MS;

fn figure_8() -> Scenario {
    let mut config = quiet(SimConfig::teaching(1));
    config.raft.leader_noop = false;
    config.raft.pre_vote = false;
    // Figure 8 (c): S1 was leader of term 2 and reached S2; S5 led term 3 (with S3 and S4 voting)
    // and appended one entry; S5 is down.
    config.initial = vec![
        state(3, None, &[1, 2]),
        state(2, Some(1), &[1, 2]),
        state(3, Some(5), &[1]),
        state(3, Some(5), &[1]),
        state(3, Some(5), &[1, 3]),
    ];
    Scenario {
        id: "figure-8",
        title: "Figure 8: only the current term commits",
        narration: "The paper's Figure 8, with the leader no-op off. Node 1 wins term 4 and copies its \
            term-2 entry to a majority, but it must not count replicas to commit it: that entry is not \
            from its own term. Node 1 crashes; node 5 (whose log ends in term 3) wins term 5 and \
            overwrites entry 2 everywhere. Had entry 2 been committed, that would have lost a \
            committed entry. Turn the leader no-op on to see node 1 commit through an entry of term 4.",
        watch: &[
            "entry 2 (term 2) on three nodes, yet still dashed: not committed",
            "node 5 winning term 5 and replacing entry 2 with its term-3 entry",
            "the safety badges stay green throughout",
        ],
        run: run(
            config,
            vec![
                (0, Intervention::Crash { node: 5 }),
                (MS, Intervention::Timeout { node: 1 }),
                (FIGURE_8_CRASH, Intervention::Crash { node: 1 }),
                (FIGURE_8_CRASH + MS, Intervention::Restart { node: 5 }),
                (FIGURE_8_CRASH + 2 * MS, Intervention::Timeout { node: 5 }),
                (FIGURE_8_CRASH + 60 * MS, Intervention::Timeout { node: 5 }),
            ],
        ),
        until: 1_200 * MS,
    }
}

/// The rejoining node is cut off from this time to [`REJOIN_HEAL`].
pub const REJOIN_CUT: Time = 1_500 * MS;
pub const REJOIN_HEAL: Time = 4 * S;

fn disruptive_rejoin(pre_vote: bool) -> Scenario {
    let mut config = without_check_quorum(SimConfig::teaching(5));
    config.raft.pre_vote = pre_vote;
    let leader = leader_at(&config, REJOIN_CUT);
    let loner = other_than(&config, leader);
    let list = vec![
        (REJOIN_CUT, Intervention::Partition { groups: vec![vec![loner]] }),
        (REJOIN_HEAL, Intervention::Heal),
    ];
    let watch: &[&str] = if pre_vote {
        &[
            "the cut-off node only pre-votes: its term does not grow",
            "after the heal it simply follows the leader again: same leader, same term",
        ]
    } else {
        &[
            "the cut-off node's term growing with every election it starts alone",
            "after the heal its higher term makes the healthy leader step down",
            "a needless election, and a leader in a much higher term",
        ]
    };
    Scenario {
        id: if pre_vote { "disruptive-rejoin-prevote" } else { "disruptive-rejoin" },
        title: if pre_vote { "Rejoin with pre-vote on" } else { "Disruptive rejoin (pre-vote off)" },
        narration: if pre_vote {
            "The same cut as in the disruptive rejoin, with pre-vote on. The isolated node first asks \
             whether it could win; nobody answers, so it never raises its term, and it rejoins quietly."
        } else {
            "One follower is cut off for a few seconds, with pre-vote off. It times out again and again, \
             each time starting an election in a higher term. When it comes back, that term forces the \
             healthy leader to step down, and the cluster holds a needless election."
        },
        watch,
        run: run(config, list),
        until: 5 * S,
    }
}

fn lagging_follower() -> Scenario {
    let config = SimConfig::teaching(9);
    let leader = leader_at(&config, 1_500 * MS);
    let lagger = other_than(&config, leader);
    Scenario {
        id: "lagging-follower",
        title: "Lagging follower catches up",
        narration: "A follower is down for five seconds while clients keep writing. When it restarts \
            its log is far behind. The leader's first AppendEntries is rejected; it steps nextIndex back \
            to the follower's last entry and then sends everything it missed.",
        watch: &[
            "next and match for the restarted node under the leader's log",
            "a rejection, then large AppendEntries (+n) until the follower is up to date",
        ],
        run: run(
            config,
            vec![(1_500 * MS, Intervention::Crash { node: lagger }), (6_500 * MS, Intervention::Restart { node: lagger })],
        ),
        until: 8 * S,
    }
}

fn unsafe_read() -> Scenario {
    let mut config = without_check_quorum(SimConfig::teaching(13));
    config.raft.read_mode = ReadMode::UnsafeLocal;
    let leader = leader_at(&config, 1_500 * MS);
    let other = other_than(&config, leader);
    Scenario {
        id: "unsafe-read",
        title: "Unsafe local reads",
        narration: "Reads are answered from the leader's local state, without checking that it still \
            leads. You write x=old, the leader is cut off, you write x=new through the majority's new \
            leader, then read x from the old leader: it answers old after new was acknowledged. The \
            linearizability checker flags the history. Switch reads to lease or ReadIndex to compare.",
        watch: &[
            "your get of x answered by the cut-off old leader with the old value",
            "the history plot: the operations on x marked not linearizable",
        ],
        run: run(
            config,
            vec![
                (1_500 * MS, Intervention::Request { node: leader, op: put("x", "old") }),
                (2 * S, Intervention::Partition { groups: vec![vec![leader]] }),
                (3 * S, Intervention::Request { node: other, op: put("x", "new") }),
                (4 * S, Intervention::Request { node: leader, op: Op::Get { key: "x".into() } }),
                (5 * S, Intervention::Heal),
            ],
        ),
        until: 5_500 * MS,
    }
}

#[cfg(test)]
mod tests;
