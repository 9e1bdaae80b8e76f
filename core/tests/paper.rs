//! The rules of the Raft paper ("In Search of an Understandable Consensus Algorithm",
//! extended version) and of Ongaro's thesis, one test per rule, in the style of etcd's
//! raft_paper_test.go. Section numbers refer to the paper unless marked "thesis".

mod common;

use common::*;
use raft_core::event::{DenyReason, StepDownReason};
use raft_core::*;

/// A time well after start-up, so that no node still honours the lease it assumes at boot.
const LATE: Time = 10_000_000;

// ----- §5.1: terms -----

/// Sends `node` (id 1) an AppendEntries and, separately, a RequestVote of a newer term, and
/// checks that it adopts the term and becomes a follower either way.
fn assert_adopts_newer_term(make: impl Fn() -> Node) {
    let mut node = make();
    let newer = node.term() + 1;
    node.receive(LATE, append_msg(2, 1, newer, (0, 0), vec![], 0));
    assert_eq!((node.term(), node.role(), node.leader()), (newer, RoleKind::Follower, Some(2)));

    let mut node = make();
    let newer = node.term() + 1;
    node.receive(LATE, vote_msg(2, 1, newer, (100, newer)));
    assert_eq!((node.term(), node.role(), node.leader()), (newer, RoleKind::Follower, None));
    assert_eq!(node.voted_for(), Some(2), "the vote of the new term is still free");
}

/// §5.1: a server that sees a larger term updates its own term.
#[test]
fn test_follower_update_term_from_message() {
    assert_adopts_newer_term(|| node_with_log(1, 3, paper_config(), 2, Some(1), &[]));
}

/// §5.1: a candidate that discovers a newer term reverts to follower.
#[test]
fn test_candidate_update_term_from_message() {
    assert_adopts_newer_term(|| {
        let mut n = new_node(1, 3, paper_config());
        make_candidate(&mut n, LATE);
        n
    });
}

/// §5.1: a leader that discovers a newer term steps down at once.
#[test]
fn test_leader_update_term_from_message() {
    assert_adopts_newer_term(|| {
        let mut n = new_node(1, 3, paper_config());
        make_leader(&mut n, LATE);
        n
    });
}

/// §5.1: a request with a stale term is rejected, and the reply carries the newer term so
/// that the sender catches up.
#[test]
fn test_reject_stale_term_message() {
    let mut node = node_with_log(1, 3, paper_config(), 3, None, &[1, 2]);
    node.receive(LATE, append_msg(2, 1, 2, (2, 2), vec![entry(3, 2)], 2));
    let out = sends(&node.take_effects());
    assert!(
        matches!(
            out.as_slice(),
            [Message {
                to: 2,
                term: 3,
                body: Body::AppendEntriesReply { result: AppendResult::Reject { .. }, .. },
                ..
            }]
        ),
        "{out:?}"
    );
    assert_eq!(terms_of(node.log()), [1, 2], "a stale leader must not touch the log");
    assert_eq!((node.commit_index(), node.leader()), (0, None));

    node.receive(LATE, vote_msg(2, 1, 2, (9, 2)));
    assert_eq!(sends(&node.take_effects()), [vote_reply(1, 2, 3, false)]);
    assert_eq!((node.term(), node.voted_for()), (3, None));
}

/// §5.2: servers start up as followers, know no leader, and say nothing until a timeout.
#[test]
fn test_start_as_follower() {
    let config = paper_config();
    let mut node = new_node(1, 3, config.clone());
    assert_eq!((node.role(), node.term(), node.leader(), node.voted_for()), (RoleKind::Follower, 0, None, None));
    assert!(sends(&node.take_effects()).is_empty());
    let timeout = node.next_deadline();
    assert!((config.election_timeout_min_us..=config.election_timeout_max_us).contains(&timeout));
}

// ----- §5.2: leader election -----

/// §5.2: an idle leader sends empty AppendEntries (heartbeats) to every follower once per
/// heartbeat interval, and not before.
#[test]
fn test_leader_bcast_heartbeat() {
    let mut net = Network::new(3, paper_config());
    net.elect(1);
    let (start, interval) = (net.now, net.config.heartbeat_interval_us);
    let mark = net.sent.len();
    net.tick_until(start + interval - 1);
    assert!(net.sent_since(mark).is_empty(), "nothing is due before the interval");

    net.tick_until(start + interval);
    let beats: Vec<Message> = net.sent_since(mark).into_iter().filter(|m| m.from == 1).collect();
    let term = net.node(1).term();
    let commit = net.node(1).commit_index();
    let recipients: Vec<NodeId> = beats.iter().map(|m| m.to).collect();
    assert_eq!(recipients, [2, 3]);
    for m in &beats {
        assert_eq!(m.body.kind(), MessageKind::Heartbeat);
        assert!(matches!(m.body, Body::AppendEntries { leader_commit, .. } if leader_commit == commit));
        assert_eq!(m.term, term);
    }
}

/// The RequestVotes (or PreVotes) a node just sent, as (to, term, last index, last term).
fn campaign_messages(node: &mut Node) -> Vec<(NodeId, Term, Index, Term)> {
    sends(&node.take_effects())
        .into_iter()
        .map(|m| match m.body {
            Body::RequestVote { last_log_index, last_log_term } | Body::PreVote { last_log_index, last_log_term } => {
                (m.to, m.term, last_log_index, last_log_term)
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

/// The peers a campaign just asked for a (pre-)vote.
fn asked_peers(node: &mut Node) -> Vec<NodeId> {
    campaign_messages(node).iter().map(|m| m.0).collect()
}

/// §5.2: a follower that hears nothing for an election timeout increments its term, votes
/// for itself and asks every other server for its vote; not a moment earlier.
#[test]
fn test_follower_start_election() {
    let mut node = new_node(1, 3, paper_config());
    let deadline = node.next_deadline();
    node.tick(deadline - 1);
    assert!(sends(&node.take_effects()).is_empty());
    assert_eq!((node.role(), node.term()), (RoleKind::Follower, 0));

    node.tick(deadline);
    assert_eq!((node.role(), node.term(), node.voted_for()), (RoleKind::Candidate, 1, Some(1)));
    assert_eq!(node.votes().unwrap().iter().copied().collect::<Vec<_>>(), [1]);
    assert_eq!(campaign_messages(&mut node), [(2, 1, 0, 0), (3, 1, 0, 0)]);
}

/// Thesis §9.6: with pre-vote, the timed-out follower first asks whether it would win, for
/// the next term but without taking it and without voting.
#[test]
fn test_follower_start_election_with_pre_vote() {
    let mut node = new_node(1, 3, modern_config());
    node.tick(node.next_deadline());
    assert_eq!((node.role(), node.term(), node.voted_for()), (RoleKind::PreCandidate, 0, None));
    assert_eq!(campaign_messages(&mut node), [(2, 1, 0, 0), (3, 1, 0, 0)]);
    // A granted pre-vote from one peer is a majority of three: now the real election starts.
    node.receive(LATE, Message { from: 2, to: 1, term: 1, body: Body::PreVoteReply { granted: true } });
    assert_eq!((node.role(), node.term(), node.voted_for()), (RoleKind::Candidate, 1, Some(1)));
    assert_eq!(campaign_messages(&mut node), [(2, 1, 0, 0), (3, 1, 0, 0)]);
}

/// §5.2: a candidate that neither wins nor loses times out, and starts a new election in a
/// new term, with a fresh randomized timeout.
#[test]
fn test_candidate_start_new_election() {
    let config = paper_config();
    let mut node = new_node(1, 3, config.clone());
    node.tick(node.next_deadline());
    node.take_effects();
    let first = node.election_deadline();
    node.tick(first);
    assert_eq!((node.role(), node.term(), node.voted_for()), (RoleKind::Candidate, 2, Some(1)));
    assert_eq!(campaign_messages(&mut node), [(2, 2, 0, 0), (3, 2, 0, 0)]);
    let wait = node.election_deadline() - first;
    assert!((config.election_timeout_min_us..=config.election_timeout_max_us).contains(&wait));
}

/// §5.1: servers retry RPCs that get no timely answer. A candidate (or pre-candidate) asks
/// the peers that have not answered again after the retransmit timeout, then at doubling
/// intervals, three times at most; a peer that answered, even with a denial, is not asked
/// again.
#[test]
fn test_candidate_resends_vote_requests_to_silent_peers() {
    for mut config in [paper_config(), modern_config()] {
        // Elections slow enough for every resend to come before the next one.
        (config.election_timeout_min_us, config.election_timeout_max_us) = (1_000_000, 2_000_000);
        let pre_vote = config.pre_vote;
        // A denial carries the voter's own term: the candidate's, or for a pre-vote the one
        // the pre-candidate is still in.
        let term = if pre_vote { 0 } else { 1 };
        let rto = config.retransmit_timeout_us;
        let mut node = new_node(1, 5, config);
        node.timeout_now(LATE);
        assert_eq!(campaign_messages(&mut node).len(), 4);
        let reply = |from| Message {
            from,
            to: 1,
            term,
            body: if pre_vote { Body::PreVoteReply { granted: false } } else { Body::RequestVoteReply { granted: false } },
        };
        node.receive(LATE + 1, reply(2));
        // Nothing before the retransmit timeout.
        assert_eq!(node.next_deadline(), LATE + rto);
        node.tick(LATE + rto - 1);
        assert!(campaign_messages(&mut node).is_empty());
        let mut at = LATE + rto;
        for interval in [2 * rto, 4 * rto] {
            node.tick(at);
            assert_eq!(asked_peers(&mut node), [3, 4, 5], "pre-vote {pre_vote}");
            at += interval;
            assert_eq!(node.next_deadline(), at);
        }
        node.receive(at - 1, reply(4));
        node.tick(at);
        assert_eq!(asked_peers(&mut node), [3, 5]);
        // Three resends spent: only the election timer is left.
        assert_eq!(node.next_deadline(), node.election_deadline());
        assert_eq!(node.role(), if pre_vote { RoleKind::PreCandidate } else { RoleKind::Candidate });

        // The next campaign starts afresh: everyone is asked, and asked again while silent.
        let next = node.election_deadline();
        node.tick(next);
        assert_eq!(campaign_messages(&mut node).len(), 4);
        node.tick(next + rto);
        assert_eq!(asked_peers(&mut node), [2, 3, 4, 5], "pre-vote {pre_vote}");
    }
}

/// §5.2: a candidate wins once a majority of the cluster (itself included) voted for it,
/// and not before; a denial or a repeated vote does not count.
#[test]
fn test_leader_election_in_one_round() {
    use RoleKind::*;
    type Votes = &'static [(NodeId, bool)];
    let cases: &[(usize, Votes, RoleKind)] = &[
        (1, &[], Leader),
        (3, &[(2, true)], Leader),
        (3, &[(2, true), (3, true)], Leader),
        (3, &[], Candidate),
        (3, &[(2, false), (3, false)], Candidate),
        (4, &[(2, true)], Candidate),
        (4, &[(2, true), (3, true)], Leader),
        (5, &[(2, true), (3, true)], Leader),
        (5, &[(2, true), (3, true), (4, true), (5, true)], Leader),
        (5, &[(2, true)], Candidate),
        (5, &[(2, true), (2, true)], Candidate),
        (5, &[(2, true), (3, false), (4, false), (5, false)], Candidate),
    ];
    for &(size, votes, expected) in cases {
        let mut node = new_node(1, size, paper_config());
        node.timeout_now(LATE);
        for &(from, granted) in votes {
            node.receive(LATE, vote_reply(from, 1, 1, granted));
        }
        assert_eq!(node.role(), expected, "size {size}, votes {votes:?}");
        assert_eq!(node.term(), 1);
    }
}

/// §5.2: each server votes for at most one candidate per term, first come first served.
#[test]
fn test_follower_vote() {
    let cases = [
        (None, 1, true),
        (None, 2, true),
        (Some(1), 1, true),
        (Some(2), 2, true),
        (Some(1), 2, false),
        (Some(2), 1, false),
    ];
    for (voted_for, candidate, granted) in cases {
        let mut node = node_with_log(3, 3, paper_config(), 1, voted_for, &[]);
        node.receive(LATE, vote_msg(candidate, 3, 1, (0, 0)));
        assert_eq!(sends(&node.take_effects()), [vote_reply(3, candidate, 1, granted)], "{voted_for:?} {candidate}");
        assert_eq!(node.voted_for(), if granted { Some(candidate) } else { voted_for });
    }

    let mut node = node_with_log(3, 3, paper_config(), 1, None, &[]);
    node.receive(LATE, vote_msg(1, 3, 1, (0, 0)));
    node.receive(LATE, vote_msg(2, 3, 1, (0, 0)));
    assert_eq!(sends(&node.take_effects()), [vote_reply(3, 1, 1, true), vote_reply(3, 2, 1, false)]);
}

/// §5.2: a candidate that receives AppendEntries from a leader whose term is at least its
/// own recognises that leader and returns to follower.
#[test]
fn test_candidate_fallback() {
    for term in [1, 2] {
        let mut node = new_node(1, 3, paper_config());
        make_candidate(&mut node, LATE);
        node.receive(LATE, append_msg(2, 1, term, (0, 0), vec![], 0));
        assert_eq!((node.role(), node.term(), node.leader()), (RoleKind::Follower, term, Some(2)));
    }
    // A pre-candidate (thesis §9.6) too: the leader it missed is alive after all.
    let mut node = new_node(1, 3, modern_config());
    node.timeout_now(LATE);
    node.receive(LATE, append_msg(2, 1, 0, (0, 0), vec![], 0));
    assert_eq!((node.role(), node.leader()), (RoleKind::Follower, Some(2)));
}

/// Checks that timeouts lie in `[min, max]` and spread over the whole range.
fn assert_spread(timeouts: &[Time], config: &Config) {
    let (min, max) = (config.election_timeout_min_us, config.election_timeout_max_us);
    assert!(timeouts.iter().all(|t| (min..=max).contains(t)), "{timeouts:?}");
    let tenth = (max - min) / 10;
    assert!(timeouts.iter().any(|&t| t < min + tenth), "none in the lowest tenth");
    assert!(timeouts.iter().any(|&t| t > max - tenth), "none in the highest tenth");
    let distinct: std::collections::BTreeSet<_> = timeouts.iter().collect();
    assert!(distinct.len() > timeouts.len() * 9 / 10, "timeouts repeat: {} distinct", distinct.len());
}

/// §5.2: election timeouts are chosen randomly from a fixed interval, anew at every reset,
/// for followers (reset by the leader's heartbeats) and candidates (reset by each election).
#[test]
fn test_follower_election_timeout_randomized() {
    let config = paper_config();
    let mut follower = new_node(1, 3, config.clone());
    let mut candidate = new_node(1, 3, config.clone());
    let (mut f, mut c) = (Vec::new(), Vec::new());
    for k in 1..=300u64 {
        let now = k * 1_000_000;
        follower.receive(now, append_msg(2, 1, 1, (0, 0), vec![], 0));
        f.push(follower.next_deadline() - now);
        candidate.timeout_now(now);
        c.push(candidate.election_deadline() - now);
    }
    assert_spread(&f, &config);
    assert_spread(&c, &config);
}

/// §5.2: randomized timeouts spread out the servers, so that in most cases a single server
/// times out first and wins before the others time out; which one is first is a matter of
/// chance, not of node ids.
#[test]
fn test_follower_election_timeout_nonconflict() {
    let config = paper_config();
    let mut first_ids = std::collections::BTreeSet::new();
    let mut clear_winners = 0;
    for seed in 0..100 {
        let mut deadlines: Vec<(Time, NodeId)> = (1..=5)
            .map(|id| (Node::new(id, peers_of(id, 5), config.clone(), seed, 0).unwrap().next_deadline(), id))
            .collect();
        deadlines.sort();
        first_ids.insert(deadlines[0].1);
        // Ten milliseconds is plenty for a round of votes on a LAN (§5.6).
        if deadlines[1].0 - deadlines[0].0 > 10_000 {
            clear_winners += 1;
        }
    }
    assert_eq!(first_ids.len(), 5, "every node should sometimes time out first");
    assert!(clear_winners > 50, "only {clear_winners} of 100 start-ups had one clear first candidate");
}

// ----- §5.3: log replication -----

/// §5.3: the leader appends a client's command to its log as an entry of its term, then
/// sends it to every follower with the index and term of the entry before it.
#[test]
fn test_leader_start_replication() {
    let mut net = Network::new(3, paper_config());
    net.elect(1);
    let (term, before, commit) = (net.node(1).term(), net.node(1).log().last_index(), net.node(1).commit_index());
    let mark = net.sent.len();
    net.submit(1, put_op("x", "1"));
    net.flush();

    let index = before + 1;
    let expected = net.node(1).log().get(index).cloned().expect("appended");
    assert_eq!((expected.term, &expected.command), (term, &Command::Put { key: "x".into(), value: "1".into() }));
    assert_eq!(net.node(1).commit_index(), commit, "not committed before replication");
    let appends = net.sent_since(mark);
    assert_eq!(appends.iter().map(|m| m.to).collect::<Vec<_>>(), [2, 3]);
    for m in appends {
        let Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, .. } = m.body else {
            panic!("{m:?}")
        };
        assert_eq!((prev_log_index, prev_log_term, leader_commit), (before, term, commit));
        assert_eq!(entries, std::slice::from_ref(&expected));
    }
}

/// §5.3: once the entry is replicated, the leader commits it, applies it to its state
/// machine, answers the client, and tells followers the new commit index in later
/// AppendEntries, so that they apply it too.
#[test]
fn test_leader_commit_entry() {
    let mut net = Network::new(3, paper_config());
    net.elect(1);
    assert_eq!(outcomes(&net.put(1, "x", "1")), [Outcome::Written]);
    let index = net.node(1).log().last_index();
    assert_eq!(net.node(1).commit_index(), index);
    assert_eq!(net.node(1).kv().get("x").map(String::as_str), Some("1"));

    let mark = net.sent.len();
    net.advance(net.config.heartbeat_interval_us);
    let carries_commit =
        |m: &Message| matches!(m.body, Body::AppendEntries { leader_commit, .. } if leader_commit == index);
    assert!(net.sent_since(mark).iter().filter(|m| m.from == 1).all(carries_commit));
    for id in [2, 3] {
        assert_eq!(net.node(id).commit_index(), index);
        assert_eq!(net.node(id).kv().get("x").map(String::as_str), Some("1"));
    }
}

/// §5.3: an entry is committed once the leader has replicated it on a majority; fewer
/// acknowledgements leave it uncommitted.
#[test]
fn test_leader_acknowledge_commit() {
    let cases: &[(usize, &[NodeId], bool)] = &[
        (1, &[], true),
        (3, &[], false),
        (3, &[2], true),
        (3, &[2, 3], true),
        (4, &[2], false),
        (4, &[2, 3], true),
        (5, &[], false),
        (5, &[2], false),
        (5, &[2, 3], true),
        (5, &[2, 3, 4, 5], true),
    ];
    for &(size, acks, committed) in cases {
        let mut leader = new_node(1, size, paper_config());
        make_leader(&mut leader, LATE);
        let noop = leader.log().last_index();
        for &from in acks {
            let ok = AppendResult::Success { match_index: noop };
            leader.receive(LATE, append_reply(from, 1, leader.term(), ok, LATE));
        }
        assert_eq!(leader.commit_index() == noop, committed, "size {size}, acks {acks:?}");
    }
}

/// §5.3: committing an entry also commits every entry before it, including those of
/// earlier terms, and applies them in log order.
#[test]
fn test_leader_commit_preceding_entries() {
    let logs: &[&[Term]] = &[&[], &[2], &[1, 1], &[1, 2]];
    for &terms in logs {
        let mut net = Network::with_logs(paper_config(), &[(2, terms), (2, terms), (2, terms)]);
        net.elect(1);
        let last = net.node(1).log().last_index();
        assert_eq!(last, terms.len() as Index + 1, "the new leader's no-op");
        assert_eq!(net.node(1).commit_index(), last, "log {terms:?}");
        for (i, &term) in terms.iter().enumerate() {
            let value = net.node(1).kv().get(&format!("k{}", i + 1)).cloned();
            assert_eq!(value, Some(format!("t{term}")), "entry {} of {terms:?} applied", i + 1);
        }
    }
}

/// §5.3: a follower learns the commit index from the leader and applies entries up to
/// min(leaderCommit, index of the last new entry), never entries it has not verified.
#[test]
fn test_follower_commit_entry() {
    for (leader_commit, expected) in [(0, 0), (1, 1), (2, 2), (5, 2)] {
        let mut node = new_node(1, 3, paper_config());
        node.receive(LATE, append_msg(2, 1, 1, (0, 0), vec![entry(1, 1), entry(2, 1)], leader_commit));
        assert_eq!(node.commit_index(), expected, "leader_commit {leader_commit}");
        assert_eq!(node.kv().len(), expected as usize, "applied as far as committed");
    }
    // The entries after the one the leader checked may still be replaced: not committable.
    let mut node = node_with_log(1, 3, paper_config(), 1, None, &[1, 1, 1]);
    node.receive(LATE, append_msg(2, 1, 2, (1, 1), vec![], 3));
    assert_eq!(node.commit_index(), 1);
}

/// §5.3: the AppendEntries consistency check: a follower refuses entries unless its log
/// holds an entry at prevLogIndex with prevLogTerm, and then leaves its log unchanged.
#[test]
fn test_follower_check_append_entries() {
    // (prev index, prev term, expected result)
    let ok = |match_index| AppendResult::Success { match_index };
    let reject =
        |conflict_index, conflict_term| AppendResult::Reject { rejected_index: 0, conflict_index, conflict_term };
    let cases = [
        (0, 0, ok(1)),
        (1, 1, ok(2)),
        (2, 2, ok(3)),
        (1, 2, reject(1, Some(1))),
        (2, 1, reject(2, Some(2))),
        (3, 2, reject(3, None)),
    ];
    for (prev_index, prev_term, expected) in cases {
        let mut node = node_with_log(1, 3, paper_config(), 2, None, &[1, 2]);
        node.receive(LATE, append_msg(2, 1, 3, (prev_index, prev_term), vec![entry(prev_index + 1, 3)], 0));
        let replies = sends(&node.take_effects());
        let [Message { body: Body::AppendEntriesReply { result, .. }, .. }] = replies.as_slice() else {
            panic!("{replies:?}")
        };
        let result = match result.clone() {
            AppendResult::Reject { rejected_index, conflict_index, conflict_term } => {
                assert_eq!(rejected_index, prev_index);
                assert_eq!(terms_of(node.log()), [1, 2], "a rejected append leaves the log alone");
                AppendResult::Reject { rejected_index: 0, conflict_index, conflict_term }
            }
            success => success,
        };
        assert_eq!(result, expected, "prev ({prev_index}, {prev_term})");
    }
}

/// §5.3: a follower deletes an existing entry that conflicts with a new one and all that
/// follow it, and appends new entries; entries that already match stay (so a delayed,
/// older AppendEntries cannot shorten the log).
#[test]
fn test_follower_append_entries() {
    // (prev index, prev term, new entries as (index, term), resulting log terms)
    type Entries = &'static [(Index, Term)];
    let cases: &[(Index, Term, Entries, &[Term])] = &[
        (2, 2, &[(3, 3)], &[1, 2, 3]),
        (1, 1, &[(2, 3)], &[1, 3]),
        (0, 0, &[(1, 3)], &[3]),
        (0, 0, &[(1, 1)], &[1, 2]),
        (1, 1, &[(2, 2), (3, 3)], &[1, 2, 3]),
        (0, 0, &[], &[1, 2]),
    ];
    for &(prev_index, prev_term, new, expected) in cases {
        let mut node = node_with_log(1, 3, paper_config(), 2, None, &[1, 2]);
        let entries = new.iter().map(|&(i, t)| entry(i, t)).collect();
        node.receive(LATE, append_msg(2, 1, 3, (prev_index, prev_term), entries, 0));
        assert_eq!(terms_of(node.log()), expected, "prev ({prev_index}, {prev_term}) + {new:?}");
        let truncated = events(&node.take_effects()).iter().any(|e| matches!(e, Event::LogTruncated { .. }));
        assert_eq!(truncated, expected.len() < 2 || expected[..2] != [1, 2], "{new:?}");
    }
}

/// Node 1 with the Figure 7 leader's log, node 2 with `follower`, node 3 a copy of the
/// leader (so that node 1 can win whatever node 2 votes); node 1 is elected for term 8.
fn figure_7_cluster(follower: &[Term]) -> Network {
    let follower_term = follower.last().copied().unwrap_or(0);
    let mut net =
        Network::with_logs(paper_config(), &[(7, FIGURE_7_LEADER), (follower_term, follower), (7, FIGURE_7_LEADER)]);
    net.elect(1);
    assert_eq!(net.node(1).term(), 8);
    net
}

/// §5.3, Figure 7: whatever a follower's log looks like (missing entries, extra
/// uncommitted entries, or both), the leader brings it to match its own.
#[test]
fn test_leader_sync_follower_log() {
    for follower in FIGURE_7_FOLLOWERS {
        let mut net = figure_7_cluster(follower);
        net.advance(net.config.heartbeat_interval_us);
        assert_eq!(net.node(2).log(), net.node(1).log(), "follower {follower:?}");
        assert_eq!(net.node(2).commit_index(), net.node(1).commit_index());
        assert_eq!(net.node(2).commit_index(), FIGURE_7_LEADER.len() as Index + 1);
    }
}

/// §5.3: with the conflict hints, the leader skips a follower's whole conflicting term per
/// round trip instead of one entry at a time: followers (e) and (f) of Figure 7 need three
/// AppendEntries, not eight.
#[test]
fn test_fast_backoff_uses_conflict_term() {
    // (follower, prev_log_index of each AppendEntries the leader sends it)
    let cases: [(&[Term], &[Index]); 2] = [(FIGURE_7_FOLLOWERS[4], &[10, 7, 5]), (FIGURE_7_FOLLOWERS[5], &[10, 6, 3])];
    for (follower, expected) in cases {
        let net = figure_7_cluster(follower);
        let probes: Vec<Index> = net
            .sent_since(0)
            .into_iter()
            .filter_map(|m| match m.body {
                Body::AppendEntries { prev_log_index, .. } if (m.from, m.to) == (1, 2) => Some(prev_log_index),
                _ => None,
            })
            .collect();
        assert_eq!(probes, expected, "follower {follower:?}");
        assert_eq!(net.node(2).log(), net.node(1).log());
    }
}

// ----- Figure 2: persistent state on stable storage -----

/// The first `Effect::Persist` in `effects` and the position of the first message or reply.
fn persist_then_output(effects: &[Effect]) -> (Option<(usize, Effect)>, Option<usize>) {
    let persist = effects.iter().enumerate().find(|(_, e)| matches!(e, Effect::Persist { .. })).map(|(i, e)| (i, e.clone()));
    let output = effects.iter().position(|e| matches!(e, Effect::Send(_) | Effect::Reply(_)));
    (persist, output)
}

/// Figure 2: a vote is written to stable storage before it is granted, so that a voter
/// that crashes and restarts cannot vote twice in one term.
#[test]
fn test_vote_is_persisted_before_it_is_sent() {
    let mut node = node_with_log(3, 3, paper_config(), 1, None, &[]);
    node.receive(LATE, vote_msg(1, 3, 2, (0, 0)));
    let effects = node.take_effects();
    let (persist, output) = persist_then_output(&effects);
    let (at, persist) = persist.expect("the vote is persisted");
    assert_eq!(persist, Effect::Persist { term: 2, voted_for: Some(1), log_from: 1, snapshot: false });
    assert!(at < output.expect("the vote reply"), "persisted before the reply: {effects:?}");
    // Nothing changed since: a second message asks for no write.
    node.receive(LATE, vote_msg(2, 3, 2, (0, 0)));
    assert_eq!(persist_then_output(&node.take_effects()).0, None);
}

/// Figure 2: entries are on stable storage before a follower acknowledges them (the leader
/// counts the acknowledgement towards a commit, §5.4.2); `log_from` names the first
/// index that changed, here the first entry that replaced a conflicting one (§5.3).
#[test]
fn test_entries_are_persisted_before_they_are_acknowledged() {
    let mut node = node_with_log(2, 3, paper_config(), 2, None, &[1, 2, 2]);
    node.receive(LATE, append_msg(1, 2, 3, (1, 1), vec![entry(2, 3), entry(3, 3)], 0));
    let effects = node.take_effects();
    let (persist, output) = persist_then_output(&effects);
    let (at, persist) = persist.expect("the new entries are persisted");
    assert_eq!(persist, Effect::Persist { term: 3, voted_for: None, log_from: 2, snapshot: false });
    assert!(at < output.expect("the acknowledgement"), "{effects:?}");
    assert_eq!(terms_of(node.log()), [1, 3, 3]);
}

/// Figure 2: a candidate persists its new term and its vote for itself before it asks for
/// votes, and a leader its new entry before it sends it.
#[test]
fn test_candidate_and_leader_persist_before_they_send() {
    let mut node = new_node(1, 3, paper_config());
    make_candidate(&mut node, LATE);
    let effects = node.take_effects();
    let (persist, output) = persist_then_output(&effects);
    let (at, persist) = persist.expect("the new term and the vote are persisted");
    assert_eq!(persist, Effect::Persist { term: 1, voted_for: Some(1), log_from: 1, snapshot: false });
    assert!(at < output.expect("the vote requests"), "{effects:?}");
    node.receive(LATE, vote_reply(2, 1, 1, true));
    assert!(node.is_leader());
    let effects = node.take_effects();
    let (persist, output) = persist_then_output(&effects);
    let (at, persist) = persist.expect("the no-op is persisted");
    assert_eq!(persist, Effect::Persist { term: 1, voted_for: Some(1), log_from: 1, snapshot: false });
    assert!(at < output.expect("the AppendEntries"), "{effects:?}");
}

// ----- §5.4: safety -----

/// §5.4.1: a RequestVote carries the index and term of the candidate's last log entry.
#[test]
fn test_vote_request() {
    let cases: &[(&[Term], Index, Term)] = &[(&[], 0, 0), (&[1], 1, 1), (&[1, 1, 2], 3, 2), (&[1, 3, 3, 3], 4, 3)];
    for &(terms, last_index, last_term) in cases {
        let mut node = node_with_log(1, 3, paper_config(), 3, None, terms);
        make_candidate(&mut node, LATE);
        let expected = [(2, 4, last_index, last_term), (3, 4, last_index, last_term)];
        assert_eq!(campaign_messages(&mut node), expected, "log {terms:?}");
    }
}

/// §5.4.1: a voter denies its vote to a candidate whose log is less up-to-date than its
/// own: a later last term wins; with equal last terms, the longer log.
#[test]
fn test_voter() {
    // (voter's log, candidate's last index and term, granted)
    let cases: &[(&[Term], Index, Term, bool)] = &[
        (&[], 0, 0, true),
        (&[1], 1, 1, true),
        (&[1], 2, 1, true),
        (&[1, 1], 1, 1, false),
        (&[1], 0, 0, false),
        (&[2], 1, 1, false),
        (&[2], 5, 1, false),
        (&[1, 1], 1, 2, true),
        (&[2, 2], 2, 2, true),
    ];
    for &(terms, last_index, last_term, granted) in cases {
        let mut node = node_with_log(1, 3, paper_config(), 2, None, terms);
        node.receive(LATE, vote_msg(2, 1, 3, (last_index, last_term)));
        assert_eq!(
            sends(&node.take_effects()),
            [vote_reply(1, 2, 3, granted)],
            "{terms:?} vs ({last_index}, {last_term})"
        );
        assert_eq!(node.voted_for(), granted.then_some(2));
    }
}

/// §5.4.2, Figure 8: a leader never commits an entry of an earlier term by counting its
/// replicas; it commits only entries of its own term, and earlier ones with them.
#[test]
fn test_leader_only_commits_log_from_current_term() {
    let mut config = paper_config();
    config.leader_noop = false;
    let mut net = Network::with_logs(config, &[(2, &[1, 2]), (2, &[1, 2]), (2, &[1, 2])]);
    net.elect(1);
    for id in [2, 3] {
        let progress = &net.node(1).progress().unwrap()[&id];
        assert_eq!(progress.match_index, 2, "every server stores index 2");
    }
    assert_eq!(net.node(1).commit_index(), 0, "entries of term 2 are not committed by counting");

    assert_eq!(outcomes(&net.put(1, "x", "1")), [Outcome::Written]);
    assert_eq!(net.node(1).commit_index(), 3, "an entry of term 3 commits everything before it");
    assert_eq!(net.node(1).kv().get("k2").map(String::as_str), Some("t2"));
}

// ----- §8 and the thesis -----

/// §8: a new leader appends a no-op entry of its term, so that it can commit (and learn)
/// everything committed before it without waiting for a client; without the knob it does not.
#[test]
fn test_leader_noop_on_election() {
    for noop in [true, false] {
        let mut config = paper_config();
        config.leader_noop = noop;
        let mut net = Network::with_logs(config, &[(1, &[1, 1]), (1, &[1, 1]), (1, &[1, 1])]);
        net.elect(1);
        let log = net.node(1).log();
        if noop {
            assert_eq!(log.get(3), Some(&Entry::new(2, Command::Noop)));
            assert_eq!(net.node(1).commit_index(), 3);
        } else {
            assert_eq!((log.last_index(), net.node(1).commit_index()), (2, 0));
        }
    }
}

/// The terms node 3 goes through while cut off from a 3-node cluster for two seconds.
fn term_of_isolated_node(pre_vote: bool) -> (Term, Term) {
    let mut config = modern_config();
    config.pre_vote = pre_vote;
    let mut net = Network::new(3, config);
    net.elect(1);
    let before = net.node(3).term();
    net.isolate(3);
    net.advance(2_000_000);
    let timeouts =
        net.events.iter().filter(|(_, id, e)| *id == 3 && matches!(e, Event::ElectionTimeout { .. })).count();
    assert!(timeouts >= 5, "node 3 kept trying: {timeouts} timeouts");
    (before, net.node(3).term())
}

/// Thesis §9.6: a pre-candidate that cannot reach a majority never increments its term, so
/// it has no higher term to disrupt the cluster with when it returns; without pre-vote each
/// failed election does increment it.
#[test]
fn test_pre_vote_does_not_bump_term() {
    let (before, after) = term_of_isolated_node(true);
    assert_eq!(after, before);
    let (before, after) = term_of_isolated_node(false);
    assert!(after >= before + 5, "term {before} -> {after}");

    // Answering a pre-vote changes nothing on the voter either.
    let mut voter = node_with_log(1, 3, modern_config(), 4, None, &[]);
    voter.receive(LATE, pre_vote_msg(2, 1, 5, (0, 0)));
    assert_eq!((voter.term(), voter.voted_for()), (4, None));
    let reply = Message { from: 1, to: 2, term: 5, body: Body::PreVoteReply { granted: true } };
    assert_eq!(sends(&voter.take_effects()), [reply]);
}

/// Thesis §6.2: with check-quorum, a leader that has not heard from a majority for an
/// election timeout steps down; one that keeps hearing from them stays.
#[test]
fn test_check_quorum_leader_steps_down() {
    let mut net = Network::new(3, modern_config());
    net.elect(1);
    let term = net.node(1).term();
    net.advance(2_000_000);
    assert_eq!((net.leader(), net.node(1).term()), (Some(1), term), "a healthy leader stays");

    net.isolate(1);
    net.advance(net.config.election_timeout_max_us + net.config.heartbeat_interval_us);
    assert_eq!(net.node(1).role(), RoleKind::Follower);
    let stepped_down = net
        .events
        .iter()
        .any(|(_, id, e)| *id == 1 && matches!(e, Event::SteppedDown { reason: StepDownReason::LostQuorum, .. }));
    assert!(stepped_down);
}

/// Thesis §4.2.3: a server that heard from the current leader less than a minimum election
/// timeout ago ignores RequestVotes of a higher term: no term change, no vote, no reply.
#[test]
fn test_leader_stickiness_ignores_vote_when_leader_alive() {
    let mut config = modern_config();
    config.pre_vote = false; // let the RequestVote itself reach the voter
    let min = config.election_timeout_min_us;
    let mut follower = new_node(3, 3, config.clone());
    follower.receive(LATE, append_msg(1, 3, 1, (0, 0), vec![], 0));
    follower.take_effects();

    follower.receive(LATE + min - 1, vote_msg(2, 3, 2, (0, 0)));
    assert!(sends(&follower.take_effects()).is_empty());
    assert_eq!((follower.term(), follower.voted_for(), follower.leader()), (1, None, Some(1)));

    follower.receive(LATE + min, vote_msg(2, 3, 2, (0, 0)));
    assert_eq!(sends(&follower.take_effects()), [vote_reply(3, 2, 2, true)]);

    // A live leader is sticky to itself as well.
    let mut leader = new_node(1, 3, config);
    make_leader(&mut leader, LATE);
    leader.receive(LATE, vote_msg(2, 1, 2, (5, 2)));
    assert!(leader.is_leader() && leader.term() == 1);
    let denied = events(&leader.take_effects())
        .into_iter()
        .any(|e| matches!(e, Event::VoteDenied { reason: DenyReason::LeaderAlive, .. }));
    assert!(denied);
}

// ----- reads (thesis §6.4) -----

/// Thesis §6.4.1: a leader holding a lease (a majority acknowledged it within the last
/// election timeout, minus a margin) answers a read at once, without any message; once the
/// lease lapses it no longer does.
#[test]
fn test_lease_read_served_without_messages() {
    let mut net = Network::new(3, modern_config());
    net.elect(1);
    net.put(1, "x", "1");
    // Later than the put's acknowledgements, so that only the lease can vouch for the read.
    net.advance(net.config.heartbeat_interval_us / 2);
    let mark = net.sent.len();
    assert!(net.node(1).has_read_lease(net.now));
    assert_eq!(outcomes(&net.get(1, "x")), [Outcome::Value(Some("1".into()))]);
    assert!(net.sent_since(mark).is_empty(), "a lease read costs no message");

    // Cut off, the lease runs out before check-quorum deposes the leader.
    net.isolate(1);
    net.advance(net.config.lease_us());
    assert!(net.node(1).is_leader() && !net.node(1).has_read_lease(net.now));
    assert!(net.get(1, "x").is_empty(), "no answer without a lease");
}

/// Thesis §6.4.1: without a lease yet (a new leader), reads that arrive one after another
/// share one round of heartbeats, the one sent after the first: once a majority has
/// acknowledged it the lease covers them all. (A round for each read cost a new leader with a
/// burst of held reads eight messages a read.)
#[test]
fn test_reads_without_a_lease_share_one_round() {
    let mut config = modern_config();
    config.pre_vote = false;
    let mut leader = new_node(1, 3, config);
    make_leader(&mut leader, LATE);
    let term = leader.term();
    leader.take_effects();
    let mut rounds = Vec::new();
    for (i, at) in [LATE + 10, LATE + 20, LATE + 30].into_iter().enumerate() {
        leader.client_request(at, ClientRequest { client: "c".into(), id: format!("g{i}"), op: get_op("x") });
        leader.tick(at);
        rounds.push(sends(&leader.take_effects()).len());
    }
    assert_eq!(rounds, [2, 0, 0], "one heartbeat to each follower, for the first read only");
    for f in [2, 3] {
        leader.receive(LATE + 40, append_reply(f, 1, term, AppendResult::Success { match_index: 1 }, LATE + 10));
    }
    assert_eq!(replies(&leader.take_effects()).len(), 3, "the lease answers all three");
}

/// Thesis §6.4: in ReadIndex mode, a leader confirms its leadership with a round of
/// heartbeats before answering a read; a leader that cannot confirm never answers one.
#[test]
fn test_read_index_confirms_leadership() {
    let mut config = modern_config();
    config.read_mode = ReadMode::ReadIndex;
    let mut net = Network::new(3, config);
    net.elect(1);
    net.put(1, "x", "1");

    // A moment later, so that the put's round of acknowledgements cannot confirm the read.
    net.advance(1_000);
    let mark = net.sent.len();
    let read = net.submit(1, get_op("x"));
    net.flush();
    assert!(net.replies_to(&read).is_empty(), "not before leadership is confirmed");
    let kinds: Vec<(NodeId, MessageKind)> = net.sent_since(mark).iter().map(|m| (m.to, m.body.kind())).collect();
    assert_eq!(kinds, [(2, MessageKind::Heartbeat), (3, MessageKind::Heartbeat)]);
    net.deliver_all();
    assert_eq!(outcomes(&net.replies_to(&read)), [Outcome::Value(Some("1".into()))]);

    net.isolate(1);
    net.advance(1_000);
    let read = net.submit(1, get_op("x"));
    net.advance(net.config.election_timeout_min_us);
    assert!(net.replies_to(&read).is_empty(), "a cut-off leader cannot confirm a read");
}

// ----- client requests: exactly one answer each -----

/// A follower that knows the leader redirects a client there, with one answer and no
/// effect on the log.
#[test]
fn test_exactly_one_answer_redirect_from_follower() {
    let mut net = Network::new(3, paper_config());
    net.elect(1);
    let last = net.node(1).log().last_index();
    assert_eq!(outcomes(&net.put(2, "x", "1")), [Outcome::Redirect(Some(1))]);
    assert_eq!(net.node(1).log().last_index(), last);
}

/// A node that knows no leader holds requests and answers each once a leader is known:
/// with a redirect, or, if it became the leader itself, by serving it.
#[test]
fn test_exactly_one_answer_held_until_leader_known() {
    let mut net = Network::new(3, paper_config());
    let on_follower = net.submit(2, put_op("x", "1"));
    let on_leader = net.submit(1, put_op("y", "2"));
    net.deliver_all();
    assert!(net.replies.is_empty());
    assert_eq!((net.node(1).held_requests(), net.node(2).held_requests()), (1, 1));

    net.elect(1);
    assert_eq!(outcomes(&net.replies_to(&on_follower)), [Outcome::Redirect(Some(1))]);
    assert_eq!(outcomes(&net.replies_to(&on_leader)), [Outcome::Written]);
    assert_eq!(net.replies.len(), 2);
}

/// A deposed leader owes answers for puts it appended but could not commit: once the new
/// leader's log has overwritten an entry, it redirects the put, once, to that leader.
#[test]
fn test_exactly_one_answer_deposed_leader_redirects_pending() {
    let mut net = Network::new(3, paper_config());
    net.elect(1);
    net.isolate(1);
    let pending = net.submit(1, put_op("x", "1"));
    net.advance(net.config.heartbeat_interval_us);
    assert!(net.replies_to(&pending).is_empty(), "no majority, no answer");
    net.elect(2);

    net.heal();
    net.advance(net.config.heartbeat_interval_us * 3);
    assert_eq!(net.node(1).role(), RoleKind::Follower);
    assert_eq!(outcomes(&net.replies_to(&pending)), [Outcome::Redirect(Some(2))]);
    assert_eq!(net.node(1).log(), net.node(2).log(), "the uncommitted put was overwritten");
    assert_eq!(net.node(2).kv().get("x"), None);
}

/// A deposed leader whose put reached the others, though their acknowledgements did not
/// reach it, must not redirect that put: the next leader commits the entry (§5.4.2, with an
/// entry of its own term), and a redirected client would believe its put had no effect. It
/// answers once it applies the entry, exactly once.
#[test]
fn test_exactly_one_answer_deposed_leader_answers_put_a_successor_committed() {
    let mut net = Network::new(3, paper_config());
    net.elect(1);
    let pending = net.submit(1, put_op("x", "1"));
    net.deliver_all_with(|m| !(m.to == 1 && m.body.kind() == MessageKind::AppendEntriesReply));
    assert!(net.replies_to(&pending).is_empty());
    let index = net.node(1).log().last_index();
    assert_eq!(net.node(2).log().last_index(), index, "the entry reached node 2");

    net.elect(2);
    assert_eq!(net.node(1).role(), RoleKind::Follower);
    assert!(net.replies_to(&pending).is_empty(), "no answer while the entry's fate is open");
    net.advance(net.config.heartbeat_interval_us * 3);
    assert!(net.node(1).commit_index() > index);
    assert_eq!(outcomes(&net.replies_to(&pending)), [Outcome::Written]);
    assert_eq!(net.node(2).kv().get("x").map(String::as_str), Some("1"));
}

/// A copy of that put (the same client and request id) reaching the deposed leader while it
/// still owes the put is neither redirected nor held: the put it copies will be answered, and
/// a second answer would be one too many.
#[test]
fn test_exactly_one_answer_a_copy_of_a_put_a_deposed_leader_owes_is_ignored() {
    let mut net = Network::new(3, paper_config());
    net.elect(1);
    let request = ClientRequest { client: "c".into(), id: "m1".into(), op: put_op("x", "1") };
    net.with_node(1, |n, now| n.client_request(now, request.clone()));
    net.deliver_all_with(|m| !(m.to == 1 && m.body.kind() == MessageKind::AppendEntriesReply));
    net.elect(2);
    assert_eq!(net.node(1).role(), RoleKind::Follower);
    net.with_node(1, |n, now| n.client_request(now, request.clone()));
    assert!(net.replies_to("m1").is_empty(), "no answer while the entry's fate is open");
    assert_eq!(net.node(1).held_requests(), 0);
    net.advance(net.config.heartbeat_interval_us * 3);
    assert_eq!(outcomes(&net.replies_to("m1")), [Outcome::Written]);
}

/// A node that leads again may append at an index where a put of its earlier leadership
/// still waits for its fate: both stay owed, and each gets exactly one answer.
#[test]
fn test_exactly_one_answer_when_a_leader_returns_to_an_index_it_owes() {
    let mut net = Network::new(3, paper_config());
    net.elect(1);
    net.isolate(1);
    let old: Vec<String> = (2..=4).map(|i| net.submit(1, put_op("x", &format!("old{i}")))).collect();
    net.deliver_all();
    assert_eq!(net.node(1).log().last_index(), 4, "puts at 2, 3 and 4 of term 1, on node 1 only");
    net.elect(2);
    net.heal();
    net.advance(net.config.heartbeat_interval_us * 2);
    // Node 1 learns term 2's no-op at index 2 and that it is committed: the put there is
    // lost and redirected; those at 3 and 4 are beyond the commit index and stay owed.
    assert_eq!((net.node(1).log().last_index(), net.node(1).commit_index()), (2, 2));
    assert_eq!(outcomes(&net.replies_to(&old[0])), [Outcome::Redirect(Some(2))]);
    assert!(net.replies_to(&old[1]).is_empty() && net.replies_to(&old[2]).is_empty());

    // Node 1 leads term 3: its no-op goes to index 3 and a new put to index 4.
    net.elect(1);
    let new = net.submit(1, put_op("x", "new"));
    net.deliver_all();
    net.advance(net.config.heartbeat_interval_us * 2);
    assert_eq!(outcomes(&net.replies_to(&new)), [Outcome::Written]);
    // The puts of term 1 at 3 and 4 were replaced by committed entries: node 1, leader
    // again, appends them anew, and answers each once.
    for id in &old[1..] {
        assert_eq!(outcomes(&net.replies_to(id)), [Outcome::Written], "request {id}");
    }
}

/// A client that comes straight back after being redirected could not reach the leader. The
/// follower then holds its requests instead of bouncing it back to a leader that may be
/// dead, and redirects them once it hears from a leader again (one answer each, ever).
#[test]
fn test_follower_holds_requests_of_a_client_that_bounces() {
    let mut net = Network::new(3, paper_config());
    net.elect(1);
    net.advance(1_000);
    let first = net.submit(2, put_op("x", "1"));
    assert_eq!(outcomes(&net.replies_to(&first)), [Outcome::Redirect(Some(1))]);

    // The same client is back before node 2 heard anything from the leader: held.
    net.advance(1_000);
    let second = net.submit(2, put_op("x", "1"));
    assert!(net.replies_to(&second).is_empty(), "a bounced client is not redirected again at once");
    assert_eq!(net.node(2).held_requests(), 1);

    // The leader's next heartbeat shows it is alive: the held request is redirected to it.
    net.advance(net.config.heartbeat_interval_us + 1);
    assert_eq!(outcomes(&net.replies_to(&second)), [Outcome::Redirect(Some(1))]);
    assert_eq!(net.node(2).held_requests(), 0);

    // Heard from the leader since the last redirect: a returning client is redirected again.
    let third = net.submit(2, put_op("x", "1"));
    assert_eq!(outcomes(&net.replies_to(&third)), [Outcome::Redirect(Some(1))]);
}

/// A node cut off from the majority holds requests while its campaigns win nothing; once a
/// whole campaign has failed, it sends the clients to try another node (one answer each, and
/// no effect: held requests never reached a log).
#[test]
fn test_exactly_one_answer_held_requests_leave_a_node_that_cannot_win() {
    let mut net = Network::new(3, paper_config());
    net.elect(1);
    net.isolate(3);
    net.advance(net.config.election_timeout_max_us + 1);
    assert_ne!(net.node(3).role(), RoleKind::Follower, "node 3 campaigns in vain");
    let held = net.submit(3, put_op("x", "1"));
    assert!(net.replies_to(&held).is_empty());
    assert_eq!(net.node(3).held_requests(), 1);
    net.advance(net.config.election_timeout_max_us + 1);
    assert_eq!(outcomes(&net.replies_to(&held)), [Outcome::Redirect(None)]);
    assert_eq!(net.node(3).held_requests(), 0);
    assert_eq!(net.node(1).kv().get("x"), None);
}

/// A leader that loses its majority (check-quorum) sends the clients waiting on it elsewhere.
#[test]
fn test_exactly_one_answer_a_leader_that_loses_its_majority_sends_held_reads_elsewhere() {
    let mut net = Network::new(3, Config { check_quorum: true, ..paper_config() });
    net.elect(1);
    net.isolate(1);
    net.advance(net.config.election_timeout_min_us);
    let read = net.submit(1, Op::Get { key: "x".into() });
    net.advance(net.config.election_timeout_max_us + 1);
    assert_eq!(net.node(1).role(), RoleKind::Follower);
    assert_eq!(outcomes(&net.replies_to(&read)), [Outcome::Redirect(None)]);
}

/// A node that found it cannot reach a majority (a campaign that won nothing, or a lost
/// majority) sends new requests elsewhere at once rather than hold them, until it hears
/// from a leader again.
#[test]
fn test_exactly_one_answer_a_node_that_cannot_reach_a_majority_redirects_at_once() {
    // Pre-vote keeps node 3 from deposing the leader when it comes back.
    let mut net = Network::new(3, Config { check_quorum: true, pre_vote: true, ..paper_config() });
    net.elect(1);
    net.isolate(3);
    // Its first campaign has not failed yet: a request waits.
    net.advance(net.config.election_timeout_max_us + 1);
    let early = net.submit(3, put_op("x", "1"));
    assert!(net.replies_to(&early).is_empty());
    // A whole campaign won nothing: the waiting request and every new one go elsewhere.
    net.advance(net.config.election_timeout_max_us + 1);
    assert_eq!(outcomes(&net.replies_to(&early)), [Outcome::Redirect(None)]);
    let late = net.submit(3, put_op("x", "2"));
    assert_eq!(outcomes(&net.replies_to(&late)), [Outcome::Redirect(None)], "answered at once");
    assert_eq!(net.node(3).held_requests(), 0);

    // Back in touch with the leader: requests are sent to it by name again.
    net.heal();
    net.advance(net.config.heartbeat_interval_us * 2);
    let leader = net.leader().unwrap();
    assert_eq!(leader, 1);
    let after = net.submit(3, put_op("x", "3"));
    assert_eq!(outcomes(&net.replies_to(&after)), [Outcome::Redirect(Some(leader))], "node 3: {:?} leader {leader}", net.node(3).role());
}

/// A leader that stepped down for want of a majority redirects new requests at once.
#[test]
fn test_exactly_one_answer_a_leader_that_lost_its_majority_redirects_new_requests_at_once() {
    let mut net = Network::new(3, Config { check_quorum: true, ..paper_config() });
    net.elect(1);
    net.isolate(1);
    net.advance(net.config.election_timeout_max_us + 1);
    assert_eq!(net.node(1).role(), RoleKind::Follower);
    let request = net.submit(1, put_op("x", "1"));
    assert_eq!(outcomes(&net.replies_to(&request)), [Outcome::Redirect(None)]);
    assert_eq!(net.node(1).log().entries().len(), 1, "only the leader's no-op: the put had no effect");
}
