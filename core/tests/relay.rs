//! Relay replication (`Fanout::Relay`): a leader sends new entries to one follower, which
//! forwards the leader's AppendEntries to a second one, which answers for both. Each test
//! drives single nodes by hand, so that every message of a chain is visible.

mod common;

use common::*;
use raft_core::*;

const LATE: Time = 10_000_000;

fn relay_config() -> Config {
    let mut c = Config::teaching();
    c.fanout = Fanout::Relay;
    c.pre_vote = false;
    c
}

/// A five-node leader (id 1) whose no-op every follower has acknowledged, so that all of
/// them are in the Replicate state.
fn settled_leader() -> Node {
    settled_leader_with(relay_config())
}

fn settled_leader_with(config: Config) -> Node {
    settled_leader_of(config, LATE)
}

/// A follower of `leader`'s term with the leader's log up to the no-op.
fn follower(id: NodeId, term: Term) -> Node {
    let mut f = new_node(id, 5, relay_config());
    f.receive(LATE, append_msg(1, id, term, (0, 0), vec![Entry::new(term, Command::Noop)], 1));
    f.take_effects();
    f
}

/// One put costs three messages: leader → first, first → second (forwarded, with the first's
/// match index), second → leader (acknowledging both). The leader then commits (§5.4.2: a
/// majority of three of five holds the entry) and answers the client.
#[test]
fn one_chain_commits_a_put_in_three_messages() {
    let mut leader = settled_leader();
    let term = leader.term();
    let out = send_put(&mut leader, LATE + 10, "k", "p1");
    assert_eq!(out.len(), 1, "one message leaves the leader: {out:?}");
    let Relay::Forward { to: second } = relay_of(&out[0]) else { panic!("{:?}", out[0]) };
    let first = out[0].to;
    assert_ne!(first, second);

    let mut a = follower(first, term);
    a.receive(LATE + 20, out[0].clone());
    let fwd = sends(&a.take_effects());
    assert_eq!(fwd.len(), 1, "the first follower forwards instead of answering: {fwd:?}");
    assert_eq!((fwd[0].to, fwd[0].term), (second, term));
    assert_eq!(relay_of(&fwd[0]), Relay::Forwarded { leader: 1, via_match: 2 });
    assert_eq!(a.log().last_index(), 2);

    let mut b = follower(second, term);
    b.receive(LATE + 30, fwd[0].clone());
    let ack = sends(&b.take_effects());
    assert_eq!(ack.len(), 1);
    assert_eq!(ack[0].to, 1, "the second follower answers the leader, not the forwarder");
    assert_eq!(b.leader(), Some(1), "a forwarded message comes from the leader it names");
    let Body::AppendEntriesReply { result, via, .. } = &ack[0].body else { panic!("{:?}", ack[0]) };
    assert_eq!((result, via), (&AppendResult::Success { match_index: 2 }, &Some((first, 2))));

    assert_eq!(leader.commit_index(), 1);
    leader.receive(LATE + 40, ack[0].clone());
    assert_eq!(leader.commit_index(), 2, "one reply carries the two acknowledgements a commit needs");
    let answered = replies(&leader.take_effects());
    assert_eq!(answered.len(), 1);
    assert_eq!(answered[0].outcome, Outcome::Written);
    let progress = leader.progress().unwrap();
    assert_eq!((progress[&first].match_index, progress[&second].match_index), (2, 2));
}

/// Chains rotate: the next put goes to the two followers that did not get the last one,
/// and carries the entry they missed, so that no follower needs a separate heartbeat while
/// writes flow.
#[test]
fn chains_rotate_through_the_followers() {
    let mut leader = settled_leader();
    let first = send_put(&mut leader, LATE + 10, "k", "p1");
    let second = send_put(&mut leader, LATE + 20, "k", "p2");
    assert_eq!((first.len(), second.len()), (1, 1));
    let pair = |m: &Message| {
        let Relay::Forward { to } = relay_of(m) else { panic!("{m:?}") };
        let mut p = [m.to, to];
        p.sort();
        p
    };
    let (p1, p2) = (pair(&first[0]), pair(&second[0]));
    assert!(p1.iter().all(|id| !p2.contains(id)), "{p1:?} then {p2:?}");
    let Body::AppendEntries { prev_log_index, entries, .. } = &second[0].body else { unreachable!() };
    assert_eq!((*prev_log_index, entries.len()), (1, 2), "the second chain catches its followers up");
}

/// §5.3 still decides: a first follower whose log does not match rejects to the leader
/// directly and forwards nothing.
#[test]
fn a_rejecting_first_follower_answers_the_leader_and_forwards_nothing() {
    let mut leader = settled_leader();
    let term = leader.term();
    let out = send_put(&mut leader, LATE + 10, "k", "p1");
    let mut empty = new_node(out[0].to, 5, relay_config()); // lacks the no-op at index 1
    empty.receive(LATE + 20, out[0].clone());
    let sent = sends(&empty.take_effects());
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, 1);
    assert!(matches!(
        sent[0].body,
        Body::AppendEntriesReply { result: AppendResult::Reject { .. }, via: None, .. }
    ));
    assert_eq!(sent[0].term, term);
}

/// A forwarded message is checked like the leader's own: one that names a node outside the
/// cluster (or the receiver itself) as leader is dropped, and one of an older term is
/// answered to the leader it names, with the newer term (§5.1).
#[test]
fn forwarded_messages_are_checked_like_the_leaders_own() {
    let forwarded = |leader: NodeId, term: Term| Message {
        from: 2,
        to: 3,
        term,
        body: Body::AppendEntries {
            prev_log_index: 0,
            prev_log_term: 0,
            entries: vec![entry(1, term)],
            leader_commit: 0,
            sent_at: 5,
            relay: Relay::Forwarded { leader, via_match: 1 },
        },
    };
    for stranger in [3, 9] {
        let mut n = new_node(3, 5, relay_config());
        n.receive(LATE, forwarded(stranger, 1));
        assert!(n.take_effects().is_empty());
        assert_eq!((n.term(), n.log().last_index()), (0, 0));
    }
    let mut n = node_with_log(3, 5, relay_config(), 4, None, &[]);
    n.receive(LATE, forwarded(1, 2));
    let sent = sends(&n.take_effects());
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].to, sent[0].term), (1, 4));
    assert_eq!(n.log().last_index(), 0);
}

/// Forwards `append` along its chain through fresh followers of `term` and returns the
/// answer for both.
fn through_chain(append: &Message, term: Term, now: Time) -> Message {
    let Relay::Forward { to } = relay_of(append) else { panic!("not a chain: {append:?}") };
    let mut a = follower(append.to, term);
    a.receive(now, append.clone());
    let fwd = sends(&a.take_effects());
    let mut b = follower(to, term);
    b.receive(now, fwd[0].clone());
    sends(&b.take_effects()).remove(0)
}

/// A chain starts after what its followers have acknowledged, so the next write's chain
/// repairs a broken one: it goes to the other two followers and carries the lost entry too.
#[test]
fn the_next_writes_chain_carries_what_a_broken_chain_lost() {
    let mut leader = settled_leader();
    let term = leader.term();
    let lost = send_put(&mut leader, LATE + 10, "k", "p1");
    let Relay::Forward { to } = relay_of(&lost[0]) else { unreachable!() };
    let broken = [lost[0].to, to];
    let next = send_put(&mut leader, LATE + 20, "k", "p2");
    assert_eq!(next.len(), 1);
    let Relay::Forward { to: second } = relay_of(&next[0]) else { unreachable!() };
    assert!(!broken.contains(&next[0].to) && !broken.contains(&second), "{broken:?} vs {next:?}");
    let Body::AppendEntries { prev_log_index, entries, .. } = &next[0].body else { unreachable!() };
    assert_eq!((*prev_log_index, entries.len()), (1, 2), "the lost entry travels with the new one");
    leader.receive(LATE + 30, through_chain(&next[0], term, LATE + 25));
    assert_eq!(leader.commit_index(), 3);
    assert_eq!(replies(&leader.take_effects()).len(), 2, "both writes are answered");

    // The broken pair is not rushed (everything is committed); it catches up along a chain
    // with its next heartbeat.
    let heartbeat = leader.config().heartbeat_interval_us;
    leader.tick(LATE + 10 + heartbeat);
    let catch_up = sends(&leader.take_effects());
    let chain: Vec<&Message> = catch_up.iter().filter(|m| broken.contains(&m.to)).collect();
    assert_eq!(chain.len(), 1, "{catch_up:?}");
    let Body::AppendEntries { prev_log_index, entries, .. } = &chain[0].body else { unreachable!() };
    assert_eq!((*prev_log_index, entries.len()), (1, 2));
    leader.receive(LATE + 10 + heartbeat + 10, through_chain(chain[0], term, LATE + 10 + heartbeat + 5));
    let progress = leader.progress().unwrap();
    assert!(broken.iter().all(|id| progress[id].match_index == 3 && progress[id].retransmits <= 1));
}

/// Without a next write, a broken chain's entries go along the other two followers once the
/// retransmit timeout has passed, and commit.
#[test]
fn a_broken_chain_is_replaced_after_the_retransmit_timeout() {
    let mut config = relay_config();
    // Heartbeats after the retransmit timeout, so that it is the timeout that acts.
    config.heartbeat_interval_us = 2 * config.retransmit_timeout_us;
    let mut leader = settled_leader_with(config);
    let term = leader.term();
    let lost = send_put(&mut leader, LATE + 10, "k", "p1");
    let Relay::Forward { to } = relay_of(&lost[0]) else { unreachable!() };
    let broken = [lost[0].to, to];
    let later = leader.next_deadline();
    assert!(later > LATE + 10 && later <= LATE + 10 + leader.config().retransmit_timeout_us);
    leader.tick(later);
    let retry = sends(&leader.take_effects());
    assert_eq!(retry.len(), 1, "{retry:?}");
    let Relay::Forward { to: second } = relay_of(&retry[0]) else { panic!("{retry:?}") };
    assert!(!broken.contains(&retry[0].to) && !broken.contains(&second), "{broken:?} vs {retry:?}");
    leader.receive(later + 30, through_chain(&retry[0], term, later + 20));
    assert_eq!(leader.commit_index(), 2);
}

/// In a three-node cluster a commit needs one follower: no chain, a direct AppendEntries.
#[test]
fn three_nodes_need_no_chain() {
    let mut leader = new_node(1, 3, relay_config());
    make_leader(&mut leader, LATE);
    let term = leader.term();
    leader.take_effects();
    for f in 2..=3 {
        leader.receive(LATE, append_reply(f, 1, term, AppendResult::Success { match_index: 1 }, LATE));
    }
    leader.take_effects();
    let out = send_put(&mut leader, LATE + 10, "k", "p1");
    assert_eq!(out.len(), 1);
    assert_eq!(relay_of(&out[0]), Relay::Direct);
}

/// A leader cut off with a minority (only node 2 answers; 3, 4 and 5 are suspected after
/// five unanswered retransmissions each) cannot commit whatever it sends: a new entry goes to
/// nobody at once, and reaches node 2 with its next heartbeat. Once one of the others answers
/// a probe, new entries go out at once again.
#[test]
fn a_leader_cut_off_with_a_minority_sends_new_entries_with_heartbeats_only() {
    let mut c = Config::graded();
    c.pre_vote = false;
    let mut leader = settled_leader_of(c, LATE);
    let term = leader.term();
    let heartbeat = leader.config().heartbeat_interval_us;
    send_put(&mut leader, LATE + 10, "k", "p0");
    let mut now = LATE + 10;
    while now < LATE + 1_000_000 {
        now = leader.next_deadline().max(now + 1);
        leader.tick(now);
        answer_appends(&mut leader, now, term, |n| n == 2);
    }
    leader.take_effects();
    let carries = |m: &Message, id: &str| match &m.body {
        Body::AppendEntries { entries, .. } => entries.iter().any(|e| matches!(&e.command, Command::Put { value, .. } if value == id)),
        _ => false,
    };
    let out = send_put(&mut leader, now, "k", "p1");
    assert!(!out.iter().any(|m| carries(m, "p1")), "nothing at once: {out:?}");
    let put_at = now;
    let to_2 = loop {
        now = leader.next_deadline().max(now + 1);
        leader.tick(now);
        let out = sends(&leader.take_effects());
        if let Some(m) = out.into_iter().find(|m| m.to == 2 && carries(m, "p1")) {
            break m;
        }
        assert!(now <= put_at + heartbeat, "p1 reached node 2 by its heartbeat");
    };
    let match_index = match &to_2.body {
        Body::AppendEntries { prev_log_index, entries, .. } => prev_log_index + entries.len() as Index,
        _ => unreachable!(),
    };
    // Node 3 is back: it answers what it was last sent.
    let ok = AppendResult::Success { match_index };
    leader.receive(now, Message { from: 3, to: 1, term, body: Body::AppendEntriesReply { result: ok, sent_at: now, via: None, commit_index: 1, prior_commit: 0 } });
    leader.take_effects();
    let out = send_put(&mut leader, now + 10, "k", "p2");
    assert!(out.iter().any(|m| carries(m, "p2")), "a commit is possible again: {out:?}");
}
