//! Guided scenarios: preset runs that each show one thing about Raft, with a short narration,
//! what to watch, and the beats of the story. A scenario is data (a [`Run`]): it replays
//! exactly like any other run, and the user can act in it, branch it, or change its toggles.

mod beats;

pub use beats::Beat;

use super::intervention::{Intervention, Run, Stamped};
use super::{Sim, SimConfig, SimEventKind};
use crate::client::{Op, Outcome};
use crate::event::Event;
use crate::kv::Command;
use crate::log::{Entry, RaftLog};
use crate::membership::MembershipChange;
use crate::node::{PersistentState, RoleKind};
use crate::types::{Index, NodeId, Term, Time};
use crate::ReadMode;
use beats::{beat, caught_up, event_of, node_event, your_answer, Replay};

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
    /// The story's moments in time order, the first at [`Scenario::starts_at`], the last by
    /// `until`.
    pub beats: Vec<Beat>,
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

    /// Sets the beats that `tell` finds in a replay of the run; it gets the replay and the
    /// time the story starts.
    fn told(mut self, tell: impl FnOnce(&mut Replay, Time) -> Vec<Beat>) -> Scenario {
        let mut replay = Replay::new(self.id, &self.run, self.until);
        self.beats = tell(&mut replay, self.starts_at());
        self
    }
}

/// Every scenario, in menu order.
pub fn all() -> Vec<Scenario> {
    MENU.iter().filter_map(|(id, _)| by_id(id)).collect()
}

/// The scenario with this id, built alone: each one replays its run to time its beats.
pub fn by_id(id: &str) -> Option<Scenario> {
    Some(match id {
        "leader-crash" => leader_crash(),
        "split-vote" => split_vote(),
        "stale-leader" => stale_leader(),
        "figure-7" => figure_7(),
        "figure-8" => figure_8(),
        "disruptive-rejoin" => disruptive_rejoin(false),
        "disruptive-rejoin-prevote" => disruptive_rejoin(true),
        "lagging-follower" => lagging_follower(),
        "snapshot-catch-up" => snapshot_catch_up(),
        "adding-a-server" => adding_a_server(),
        "removing-the-leader" => removing_the_leader(),
        "unsafe-read" => unsafe_read(),
        _ => return None,
    })
}

/// Every scenario's id and title, in menu order: a menu needs no run built.
pub const MENU: [(&str, &str); 12] = [
    ("leader-crash", "Leader crash and re-election"),
    ("split-vote", "Split vote"),
    ("stale-leader", "Partitioned old leader"),
    ("figure-7", "Figure 7: log repair"),
    ("figure-8", "Figure 8: only the current term commits"),
    ("disruptive-rejoin", "Disruptive rejoin (pre-vote off)"),
    ("disruptive-rejoin-prevote", "Rejoin with pre-vote on"),
    ("lagging-follower", "Lagging follower catches up"),
    ("snapshot-catch-up", "A follower too far behind gets a snapshot"),
    ("adding-a-server", "Adding a server"),
    ("removing-the-leader", "Removing the leader"),
    ("unsafe-read", "Unsafe local reads"),
];

/// The title `MENU` gives the scenario `id`.
fn title(id: &str) -> &'static str {
    MENU.iter().find(|(i, _)| *i == id).map(|(_, t)| *t).expect("every scenario is in MENU")
}

fn run(config: SimConfig, list: Vec<(Time, Intervention)>) -> Run {
    Run { config, interventions: list.into_iter().map(|(at, what)| Stamped { at, what }).collect() }
}

/// `node` crashes at `crash` and comes back at `restart`.
fn down_between(node: NodeId, crash: Time, restart: Time) -> Vec<(Time, Intervention)> {
    vec![(crash, Intervention::Crash { node }), (restart, Intervention::Restart { node })]
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

/// Where the log holds the put `key=value`.
fn index_of(log: &RaftLog, key: &str, value: &str) -> Option<Index> {
    let put = Command::Put { key: key.into(), value: value.into() };
    (1..=log.last_index()).find(|&i| log.get(i).is_some_and(|e| e.command == put))
}

/// The running candidates (pre-candidates excluded) in `term`.
fn candidates_in(sim: &Sim, term: Term) -> impl Iterator<Item = NodeId> + '_ {
    sim.node_ids().filter(move |&id| sim.node(id).is_some_and(|n| n.role() == RoleKind::Candidate && n.term() == term))
}

/// Whether nodes `a` and `b` both run and hold the same log.
fn same_log(sim: &Sim, a: NodeId, b: NodeId) -> bool {
    matches!((sim.node(a), sim.node(b)), (Some(a), Some(b)) if a.log() == b.log())
}

fn leader_crash() -> Scenario {
    let config = SimConfig::teaching(7);
    let (crash, restart) = (1_500 * MS, 4 * S);
    let leader = leader_at(&config, crash);
    Scenario {
        id: "leader-crash",
        title: title("leader-crash"),
        narration: "The leader crashes. Its followers stop hearing heartbeats; the first whose \
            election timer runs out asks for votes in a new term and becomes the leader. Later the \
            old leader comes back as a follower and catches up.",
        watch: &[
            "the followers' timer rings draining once the heartbeats stop",
            "the first node to time out: pre-vote, then RequestVote in a higher term",
            "the restarted node learns the new term and receives the entries it missed",
        ],
        run: run(config, down_between(leader, crash, restart)),
        until: 5 * S,
        beats: Vec::new(),
    }
    .told(|r, start| {
        let crashed = r.intervened(crash, &Intervention::Crash { node: leader });
        let timed_out = r.event(crashed, |e| {
            matches!(node_event(e), Some((_, Event::BecamePreCandidate { .. } | Event::BecameCandidate { .. })))
        });
        let elected = r.event(timed_out, |e| matches!(node_event(e), Some((_, Event::BecameLeader { .. }))));
        let back = r.when(restart, |sim| caught_up(sim, leader));
        vec![
            beat(
                start,
                "A healthy cluster",
                "The leader's heartbeats keep resetting the four followers' election timers. \
                 The leader is about to crash.",
            ),
            beat(
                crashed,
                "The leader crashes",
                "The leader is down and its heartbeats stop. Watch the followers' timer rings drain: \
                 the first to run out starts an election.",
            ),
            beat(
                timed_out,
                "A timer runs out",
                "The first follower whose timer ran out is a pre-candidate: it asks the others whether \
                 they would vote for it, before raising its term.",
            ),
            beat(
                elected,
                "A new leader",
                "That node won a majority of votes in a higher term and leads now. Its first \
                 heartbeats tell the others who leads.",
            ),
            beat(
                back,
                "The old leader catches up",
                "The old leader restarted as a follower. The new leader's AppendEntries taught it the \
                 new term and brought the entries it missed: its log matches the leader's.",
            ),
        ]
    })
}

fn split_vote() -> Scenario {
    let config = SimConfig::teaching(3);
    let at = 100 * MS;
    Scenario {
        id: "split-vote",
        title: title("split-vote"),
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
        beats: Vec::new(),
    }
    .told(|r, start| {
        let three = r.when(at, |sim| candidates_in(sim, 1).count() == 3);
        let split = r.when(three, |sim| {
            candidates_in(sim, 1).filter_map(|id| sim.node(id)?.votes()).map(|v| v.len()).sum::<usize>()
                == sim.config().nodes
        });
        let again = r.event(split, |e| matches!(node_event(e), Some((_, Event::ElectionTimeout { .. }))));
        let elected = r.event(again, |e| matches!(node_event(e), Some((_, Event::BecameLeader { .. }))));
        vec![
            beat(
                start,
                "No leader yet",
                "The five nodes have just started and none leads. In a moment nodes 1, 2 and 3 time out \
                 at the same time.",
            ),
            beat(
                three,
                "Three candidates",
                "Nodes 1, 2 and 3 are candidates in term 1, each with its own vote. Nodes 4 and 5 have \
                 one vote each to give.",
            ),
            beat(
                split,
                "A split vote",
                "Every vote of term 1 is cast and no candidate has the three it needs: term 1 has no \
                 leader. The candidates wait for their timers to run out again.",
            ),
            beat(
                again,
                "One timer runs out first",
                "Timeouts are random, so one node's timer runs out well before the others': it asks \
                 for votes for the next term while the others still wait.",
            ),
            beat(
                elected,
                "One winner",
                "Nobody competed with it: the first node to time out wins a majority and is the only \
                 leader.",
            ),
        ]
    })
}

fn stale_leader() -> Scenario {
    let mut config = without_check_quorum(SimConfig::teaching(11));
    // The client waits for its answer instead of trying another node after a timeout, so the
    // write reaches the majority only the way the story tells: redirected after the heal.
    config.clients.resend_on_timeout = false;
    let (cut, request, heal) = (1_500 * MS, 1_700 * MS, 5 * S);
    let leader = leader_at(&config, cut);
    let buddy = other_than(&config, leader);
    let partition = Intervention::Partition { groups: vec![vec![leader, buddy]] };
    Scenario {
        id: "stale-leader",
        title: title("stale-leader"),
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
                (cut, partition.clone()),
                (request, Intervention::Request { node: leader, op: put("x", "stale") }),
                (heal, Intervention::Heal),
            ],
        ),
        until: 6 * S,
        beats: Vec::new(),
    }
    .told(|r, start| {
        let appended = r.when(request, |sim| sim.node(leader).and_then(|n| index_of(n.log(), "x", "stale")).is_some());
        let cut = r.intervened(cut, &partition);
        let elected = r.event(cut, |e| matches!(node_event(e), Some((n, Event::BecameLeader { .. })) if n != leader));
        let healed = r.intervened(heal, &Intervention::Heal);
        let repaired = r.event(healed, |e| matches!(event_of(e, leader), Some(Event::LogTruncated { .. })));
        let committed = r.when(repaired, |sim| {
            sim.leader().and_then(|l| sim.node(l)).is_some_and(|n| n.kv().get("x").is_some_and(|v| v == "stale"))
        });
        vec![
            beat(
                start,
                "Check-quorum is off",
                "A leader and four followers. In a moment the leader and one follower are cut off from \
                 the other three.",
            ),
            beat(
                cut,
                "The cut",
                "Two nodes on one side, three on the other. The old leader can no longer reach a \
                 majority, and nothing tells it so: it goes on leading.",
            ),
            beat(
                appended.max(elected),
                "Two leaders",
                "The three elected a leader of their own in a higher term, and the old leader appended \
                 your write x=stale. Only the higher term can commit: x=stale stays dashed, the client \
                 waits.",
            ),
            beat(
                repaired,
                "The heal",
                "The network is whole again. The old leader has seen the higher term and follows; the \
                 new leader's entries replace its x=stale, and it sends the waiting client to the new leader.",
            ),
            beat(
                committed,
                "x=stale commits",
                "Redirected, the client sends x=stale to the new leader, where it commits as an entry \
                 of the new term.",
            ),
        ]
    })
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
    PersistentState { term, voted_for, log: log_of(terms), snapshot: None }
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
        title: title("figure-7"),
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
        beats: Vec::new(),
    }
    .told(|r, start| {
        let elected = r.event(start, |e| matches!(event_of(e, 1), Some(Event::BecameLeader { .. })));
        let trimmed = r.when(elected, |sim| same_log(sim, 4, 1) && same_log(sim, 5, 1));
        let f = r.when(trimmed, |sim| same_log(sim, 7, 1));
        let done = r.when(f, |sim| {
            let last = sim.node(1).map_or(0, |n| n.log().last_index());
            sim.node_ids().all(|id| same_log(sim, id, 1) && sim.node(id).is_some_and(|n| n.commit_index() == last))
        });
        vec![
            beat(
                start,
                "The logs of Figure 7",
                "Node 1 holds the paper's leader log; nodes 2 to 7 are followers a to f. Node 1 is about \
                 to time out and run for term 8.",
            ),
            beat(
                elected,
                "Node 1 leads term 8",
                "Nodes 4 and 5 refused their votes, their logs being more up-to-date, but the others \
                 gave node 1 a majority. It appends its no-op as entry 11.",
            ),
            beat(
                trimmed,
                "Extra entries go",
                "Nodes 4 and 5 (c and d) agree with the leader up to entry 10: their entries after it are \
                 replaced by the leader's entry 11.",
            ),
            beat(
                f,
                "Node 7 repaired",
                "Node 7 (f) agrees with the leader only up to entry 3. After each rejection the leader \
                 stepped next back; now f's entries of terms 2 and 3 are replaced by the leader's.",
            ),
            beat(
                done,
                "Seven identical logs",
                "Every log matches the leader's, and every node has committed up to the leader's no-op.",
            ),
        ]
    })
}

/// How many running nodes hold entry 2 of term 2, the entry Figure 8 is about.
fn with_entry_2_of_term_2(sim: &Sim) -> usize {
    sim.node_ids().filter(|&id| sim.node(id).is_some_and(|n| n.log().term_at(2) == Some(2))).count()
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
        title: title("figure-8"),
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
        beats: Vec::new(),
    }
    .told(|r, start| {
        let majority = r.when(start, |sim| with_entry_2_of_term_2(sim) >= 3);
        let crashed = r.intervened(FIGURE_8_CRASH, &Intervention::Crash { node: 1 });
        let elected = r.event(crashed, |e| matches!(event_of(e, 5), Some(Event::BecameLeader { .. })));
        let overwritten = r.when(elected, |sim| (2..=4).all(|id| same_log(sim, id, 5)));
        vec![
            beat(
                start,
                "Figure 8 (c)",
                "The leader no-op is off and node 5 is down. Node 1's entry 2, from term 2, is only on \
                 nodes 1 and 2; node 1 is about to win term 4.",
            ),
            beat(
                majority,
                "On a majority, not committed",
                "Node 1 leads term 4 and has copied entry 2 to a majority, yet it stays dashed: a leader \
                 commits by counting replicas only entries of its own term (§5.4.2).",
            ),
            beat(
                crashed,
                "Node 1 crashes",
                "Entry 2 is on a majority and committed on none. Node 5, whose last entry is from term 3, \
                 comes back next and runs for leader.",
            ),
            beat(
                elected,
                "Node 5 leads term 5",
                "Its last entry (term 3) is more up-to-date than the others' (term 2), so nodes 2, 3 and \
                 4 voted for it (§5.4.1).",
            ),
            beat(
                overwritten,
                "Entry 2 overwritten",
                "Node 5's term-3 entry has replaced entry 2 on nodes 2, 3 and 4. Had entry 2 counted as \
                 committed, a committed entry would now be lost.",
            ),
        ]
    })
}

/// The rejoining node is cut off from this time to [`REJOIN_HEAL`].
pub const REJOIN_CUT: Time = 1_500 * MS;
pub const REJOIN_HEAL: Time = 4 * S;

fn disruptive_rejoin(pre_vote: bool) -> Scenario {
    let mut config = without_check_quorum(SimConfig::teaching(5));
    config.raft.pre_vote = pre_vote;
    let leader = leader_at(&config, REJOIN_CUT);
    let loner = other_than(&config, leader);
    let partition = Intervention::Partition { groups: vec![vec![loner]] };
    let list = vec![(REJOIN_CUT, partition.clone()), (REJOIN_HEAL, Intervention::Heal)];
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
    let id = if pre_vote { "disruptive-rejoin-prevote" } else { "disruptive-rejoin" };
    Scenario {
        id,
        title: title(id),
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
        beats: Vec::new(),
    }
    .told(|r, start| {
        let cut = r.intervened(REJOIN_CUT, &partition);
        let alone = r.event(cut, |e| {
            matches!(event_of(e, loner), Some(Event::BecamePreCandidate { .. } | Event::BecameCandidate { .. }))
        });
        let healed = r.intervened(REJOIN_HEAL, &Intervention::Heal);
        if pre_vote {
            let back = r.event(healed, |e| {
                matches!(event_of(e, loner), Some(Event::BecameFollower { leader: Some(l), .. }) if *l == leader)
            });
            vec![
                beat(
                    start,
                    "Pre-vote on",
                    "The same healthy cluster, with pre-vote on. In a moment one follower is cut off from \
                     all the others.",
                ),
                beat(
                    alone,
                    "Alone, it only asks",
                    "The cut-off follower's timer ran out. With pre-vote it first asks whether it could \
                     win: nobody answers, and its term stays the same.",
                ),
                beat(
                    healed,
                    "The heal",
                    "The network is whole again. The follower pre-voted after every timeout but never \
                     raised its term: it is still in the leader's term.",
                ),
                beat(
                    back,
                    "A quiet rejoin",
                    "It hears the leader's heartbeat and follows it again: same leader, same term, no \
                     election.",
                ),
            ]
        } else {
            let deposed = r.event(healed, |e| matches!(event_of(e, leader), Some(Event::BecameFollower { .. })));
            let elected = r.event(deposed, |e| matches!(node_event(e), Some((_, Event::BecameLeader { .. }))));
            vec![
                beat(
                    start,
                    "Pre-vote off",
                    "A healthy cluster, with pre-vote off. In a moment one follower is cut off from all \
                     the others.",
                ),
                beat(
                    alone,
                    "Alone, it runs for leader",
                    "The cut-off follower hears no heartbeat: its timer ran out, and it started an \
                     election in a new term that nobody can answer.",
                ),
                beat(
                    healed,
                    "The heal",
                    "The network is whole again. The follower started an election after every timeout, \
                     so its term is now far above the leader's.",
                ),
                beat(
                    deposed,
                    "The leader steps down",
                    "A message from the follower carries its higher term: the healthy leader adopts it \
                     and steps down, and the cluster has no leader.",
                ),
                beat(
                    elected,
                    "A needless election",
                    "The cluster elects a leader again, in a term much higher than before the cut.",
                ),
            ]
        }
    })
}

fn lagging_follower() -> Scenario {
    let config = SimConfig::teaching(9);
    let (crash, restart) = (1_500 * MS, 6_500 * MS);
    let leader = leader_at(&config, crash);
    let lagger = other_than(&config, leader);
    Scenario {
        id: "lagging-follower",
        title: title("lagging-follower"),
        narration: "A follower is down for five seconds while clients keep writing. The leader keeps \
            sending it AppendEntries from the last entry it acknowledged, and they are lost. When the \
            follower restarts, its log is far behind; the leader's next AppendEntries brings everything \
            it missed.",
        watch: &[
            "next and match for the down node under the leader's log: they stay at its last acknowledged entry",
            "the large AppendEntries (+n) to the down node, lost until one arrives after the restart",
        ],
        run: run(config, down_between(lagger, crash, restart)),
        until: 8 * S,
        beats: Vec::new(),
    }
    .told(|r, start| {
        let crashed = r.intervened(crash, &Intervention::Crash { node: lagger });
        let restarted = r.intervened(restart, &Intervention::Restart { node: lagger });
        let caught = r.when(restarted, |sim| caught_up(sim, lagger));
        vec![
            beat(
                start,
                "Clients writing",
                "Clients keep writing through the leader. In a moment a follower crashes and misses a \
                 few seconds of writes.",
            ),
            beat(
                crashed,
                "A follower crashes",
                "The follower is down. The leader's AppendEntries to it are lost, and its match index \
                 for it stays at the last entry it acknowledged.",
            ),
            beat(
                restarted,
                "Back, far behind",
                "The follower restarts with the log it had on disk, far behind the leader's.",
            ),
            beat(
                caught,
                "Caught up",
                "The leader's AppendEntries from the follower's last acknowledged entry arrived with \
                 everything it missed: its log matches the leader's again.",
            ),
        ]
    })
}

/// §7: the lagging follower again, but the leader compacts its log every few entries, so
/// what the follower needs is gone by the time it comes back.
fn snapshot_catch_up() -> Scenario {
    let mut config = SimConfig::teaching(9);
    config.raft.snapshot_after_entries = 5;
    let (crash, restart) = (1_500 * MS, 6_500 * MS);
    let leader = leader_at(&config, crash);
    let lagger = other_than(&config, leader);
    Scenario {
        id: "snapshot-catch-up",
        title: title("snapshot-catch-up"),
        narration: "Every node snapshots its state machine every five applied entries and drops those \
            entries from its log (§7). A follower is down for five seconds while clients keep writing. \
            When it comes back, the entries it needs next are no longer in the leader's log: the leader \
            sends its snapshot instead (InstallSnapshot), then the entries after it.",
        watch: &[
            "the snapshot line at the top of each log: the entries it covers are gone from the log",
            "the InstallSnapshot message (snap) to the restarted follower, then ordinary AppendEntries",
        ],
        run: run(config, down_between(lagger, crash, restart)),
        until: 8 * S,
        beats: Vec::new(),
    }
    .told(|r, start| {
        let crashed = r.intervened(crash, &Intervention::Crash { node: lagger });
        let compacted = r.when(crashed, |sim| {
            let Some(super::NodeSlot::Down { state, .. }) = sim.slot(lagger) else { return false };
            sim.leader().and_then(|l| sim.node(l)).is_some_and(|n| n.log().start().0 > state.log.last_index())
        });
        let restarted = r.intervened(restart, &Intervention::Restart { node: lagger });
        let installed = r.event(restarted, |e| matches!(event_of(e, lagger), Some(Event::SnapshotInstalled { .. })));
        let caught = r.when(installed, |sim| caught_up(sim, lagger));
        vec![
            beat(
                start,
                "Clients writing",
                "Clients keep writing through the leader, and every node compacts its log every five \
                 applied entries. In a moment a follower crashes.",
            ),
            beat(
                compacted,
                "Its entries are gone",
                "The follower is down, and the leader has compacted past the last entry the follower \
                 holds on disk: it can no longer send it the entries it needs next.",
            ),
            beat(
                restarted,
                "Back, too far behind",
                "The follower restarts far behind. The leader's next message to it is its snapshot.",
            ),
            beat(
                installed,
                "Snapshot installed",
                "The follower replaced its state machine and log with the leader's snapshot (§7); it \
                 keeps no entry the snapshot covers.",
            ),
            beat(
                caught,
                "Caught up",
                "AppendEntries from the snapshot's end brought the rest: its log ends where the \
                 leader's does.",
            ),
        ]
    })
}

/// The index of the last configuration entry in the leader's log, if there is a leader and
/// its log holds one.
fn leader_config_entry(sim: &Sim) -> Option<Index> {
    let log = sim.node(sim.leader()?)?.log();
    (log.first_index()..=log.last_index()).rev().find(|&i| log.get(i).is_some_and(|e| matches!(e.command, Command::Membership(_))))
}

/// §6, thesis §4.2.1: a new server joins as a learner and counts only once it has caught up.
/// Three clients write often and the leader sends a few entries at a time, one AppendEntries
/// in flight, so that catching up takes a while and commits go on meanwhile.
fn adding_a_server() -> Scenario {
    let mut config = SimConfig::teaching(3);
    config.nodes = 3;
    config.clients.count = 3;
    config.clients.think_min_us = 100 * MS;
    config.clients.think_max_us = 300 * MS;
    config.raft.max_append_bytes = 256;
    config.raft.max_inflight = 1;
    let add = 6 * S;
    let what = Intervention::ChangeMembership { change: MembershipChange::Add(4) };
    Scenario {
        id: "adding-a-server",
        title: title("adding-a-server"),
        narration: "Three servers have a long log, and you add a fourth, node 4, which starts empty. The \
            leader adds it with a configuration entry, one server at a time (§6), as a learner: it \
            receives the log but does not vote yet. Were it a voter at once, a commit would need three \
            of four servers while one of them holds nothing, and one more slow or failed server would \
            stop the cluster until node 4 caught up (thesis §4.2.1). Once it holds every committed \
            entry, the leader makes it a voter with a second configuration entry.",
        watch: &[
            "node 4 on the ring: faded and marked LEARNER while its log fills up",
            "the configuration entries in the logs (violet): each is used as soon as it is appended, and commits like any entry",
            "entries committed by the three voters while node 4 is still behind",
        ],
        run: run(config, vec![(add, what.clone())]),
        until: 7 * S,
        beats: Vec::new(),
    }
    .told(|r, start| {
        let added = r.intervened(add, &what);
        let without = r.when(added, |sim| {
            let (Some(index), Some(leader)) = (leader_config_entry(sim), sim.leader().and_then(|l| sim.node(l))) else { return false };
            let learning = leader.membership().learners.contains(&4);
            learning && leader.commit_index() >= index && sim.node(4).is_some_and(|n| n.log().last_index() < index)
        });
        let promoted = r.event(without, |e| {
            matches!(node_event(e), Some((n, Event::MembershipChanged { voters, .. })) if n != 4 && voters.contains(&4))
        });
        let voter = r.when(promoted, |sim| {
            let Some(leader) = sim.leader().and_then(|l| sim.node(l)) else { return false };
            leader.membership().is_voter(4) && leader_config_entry(sim).is_some_and(|i| leader.commit_index() >= i)
        });
        vec![
            beat(
                start,
                "Three servers, a long log",
                "Three voters have committed some forty entries, and clients keep writing. In a moment \
                 you ask the leader to add node 4, a new server with an empty log.",
            ),
            beat(
                added,
                "Node 4 joins as a learner",
                "The leader appended a configuration entry that adds node 4 as a learner, and uses it at \
                 once, before it commits (§6). Node 4 starts receiving the log, a few entries at a time.",
            ),
            beat(
                without,
                "Committed without it",
                "The three voters committed the configuration entry while node 4 holds only the first \
                 entries. A learner's vote does not count, so the cluster never waits for the empty \
                 server (thesis §4.2.1).",
            ),
            beat(
                promoted,
                "Caught up, promoted",
                "Node 4 holds every committed entry. The leader appends a second configuration entry that \
                 makes it a voter: one change at a time.",
            ),
            beat(
                voter,
                "Four voters",
                "The promotion is committed: four voters, and a majority is now three of them.",
            ),
        ]
    })
}

/// §6, thesis §4.2.2: the leader removes itself. It goes on leading without counting itself
/// until the new configuration commits, then steps down, and the others elect a leader.
fn removing_the_leader() -> Scenario {
    let config = SimConfig::teaching(11);
    let at = 1_500 * MS;
    let leader = leader_at(&config, at);
    let what = Intervention::ChangeMembership { change: MembershipChange::Remove(leader) };
    Scenario {
        id: "removing-the-leader",
        title: title("removing-the-leader"),
        narration: "You ask the leader to remove itself from the cluster. It appends a configuration \
            without itself and uses it at once (§6): it keeps replicating, but its own copy no longer \
            counts, so the entry commits once three of the other four voters hold it. Then the old \
            leader steps down (thesis §4.2.2). Outside the configuration it never campaigns; the four \
            voters left hear no more heartbeats and elect a leader among themselves.",
        watch: &[
            "the leader, faded and marked OUTSIDE, still sending AppendEntries until the entry commits",
            "the configuration entry (violet) committing on the four remaining voters",
            "a new leader elected by three of the four voters left",
        ],
        run: run(config, vec![(at, what.clone())]),
        until: 3 * S,
        beats: Vec::new(),
    }
    .told(|r, start| {
        let asked = r.intervened(at, &what);
        let stepped_down = r.event(asked, |e| {
            matches!(event_of(e, leader), Some(Event::SteppedDown { reason: crate::event::StepDownReason::Removed, .. }))
        });
        let timed_out = r.event(stepped_down, |e| {
            matches!(node_event(e), Some((_, Event::BecamePreCandidate { .. } | Event::BecameCandidate { .. })))
        });
        let elected = r.event(timed_out, |e| matches!(node_event(e), Some((_, Event::BecameLeader { .. }))));
        vec![
            beat(
                start,
                "Five voters",
                "A leader and four followers, all voters. In a moment you ask the leader to remove itself.",
            ),
            beat(
                asked,
                "The leader removes itself",
                "The leader appended a configuration without itself and uses it at once (§6): it still \
                 sends AppendEntries, but a commit now needs three of the other four voters, not its own copy.",
            ),
            beat(
                stepped_down,
                "Committed, it steps down",
                "Three of the four voters hold the configuration entry, so it is committed, and the old \
                 leader steps down (thesis §4.2.2). It is no longer a voter: it will not run for leader.",
            ),
            beat(
                timed_out,
                "A timer runs out",
                "No more heartbeats reach the four voters. The first whose timer runs out asks for votes.",
            ),
            beat(
                elected,
                "A new leader",
                "Three of the four voters elected it. The old leader is outside the configuration: it \
                 no longer votes or campaigns, and once it knows its removal is committed the new \
                 leader sends it nothing more.",
            ),
        ]
    })
}

fn unsafe_read() -> Scenario {
    let mut config = without_check_quorum(SimConfig::teaching(13));
    config.raft.read_mode = ReadMode::UnsafeLocal;
    let (write_old, cut, write_new, read) = (1_500 * MS, 2 * S, 3 * S, 4 * S);
    let leader = leader_at(&config, write_old);
    let other = other_than(&config, leader);
    Scenario {
        id: "unsafe-read",
        title: title("unsafe-read"),
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
                (write_old, Intervention::Request { node: leader, op: put("x", "old") }),
                (cut, Intervention::Partition { groups: vec![vec![leader]] }),
                (write_new, Intervention::Request { node: other, op: put("x", "new") }),
                (read, Intervention::Request { node: leader, op: Op::Get { key: "x".into() } }),
                (5 * S, Intervention::Heal),
            ],
        ),
        until: 5_500 * MS,
        beats: Vec::new(),
    }
    .told(|r, start| {
        let written = |e: &SimEventKind| your_answer(e) == Some(&Outcome::Written);
        let old_written = r.event(write_old, written);
        let elected = r.event(cut, |e| matches!(node_event(e), Some((n, Event::BecameLeader { .. })) if n != leader));
        let new_written = r.event(write_new, written);
        let stale_read = r.event(read, |e| matches!(your_answer(e), Some(Outcome::Value(_))));
        vec![
            beat(
                start,
                "Reads without a check",
                "Reads are answered from the leader's local state, without checking that it still leads. \
                 You are about to write x=old through the leader.",
            ),
            beat(
                old_written,
                "x=old",
                "Your write x=old is committed and acknowledged. Next, the network cuts the leader off \
                 from everyone.",
            ),
            beat(
                elected,
                "A new leader",
                "The other four elected a new leader in a higher term. With check-quorum off, the cut-off \
                 leader still believes it leads.",
            ),
            beat(
                new_written,
                "x=new",
                "Your write x=new is committed through the new leader and acknowledged.",
            ),
            beat(
                stale_read,
                "A stale read",
                "You read x from the old leader: it answers old, after new was acknowledged. The checker \
                 flags the history as not linearizable.",
            ),
        ]
    })
}

#[cfg(test)]
mod tests;
