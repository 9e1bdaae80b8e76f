//! `Config::spare_copies`: while chain ends answer and a broken chain waits for the next
//! write's chain, the entries no follower has acknowledged go, once, to a follower outside
//! the chain, which stores them and answers nothing (`Relay::Store`). A leader killed before
//! the next write then no longer takes them with it.

mod common;

use common::*;
use raft_core::*;

const LATE: Time = 10_000_000;

/// The graded preset on a settled five-node leader whose chain ends answer from the first
/// put on (without quick retries: a new leader has seen no loss).
fn leader() -> Node {
    let mut c = Config::graded();
    c.pre_vote = false;
    c.chain_answers_min_loss_permille = 0;
    settled_leader_of(c, LATE)
}

/// A chain that goes unanswered for a retransmit timeout is followed by one spare copy of its
/// entry to a follower outside it, and then by nothing until the lazy resend.
#[test]
fn an_unanswered_chain_gets_one_spare_copy_outside_it() {
    let mut leader = leader();
    let heartbeat = leader.config().heartbeat_interval_us;
    let out = send_put(&mut leader, LATE + 10, "k", "p1");
    let (first, second) = chain_of(&out[0]);
    let at = leader.next_deadline();
    assert!(at <= LATE + 10 + leader.config().retransmit_timeout_us, "the copy is due after a retransmit timeout, not at {at}");
    leader.tick(at);
    let copy = sends(&leader.take_effects());
    assert_eq!(copy.len(), 1, "{copy:?}");
    assert_eq!(relay_of(&copy[0]), Relay::Store);
    assert!(![first, second].contains(&copy[0].to), "to {} outside the chain ({first}, {second})", copy[0].to);
    let ids: Vec<&str> = entries_of(&copy[0]).iter().filter_map(|e| e.answerer.as_ref().map(|a| a.id.as_str())).collect();
    assert_eq!(ids, ["p1"], "the copy carries the put, with its answerer named");
    // The next thing due is the lazy resend, not another copy.
    let next = leader.next_deadline();
    assert!(next >= LATE + 10 + heartbeat / 4, "nothing more until the lazy resend, not at {next}");
}

/// An acknowledged chain needs no copy.
#[test]
fn an_answered_chain_gets_no_spare_copy() {
    let mut leader = leader();
    let term = leader.term();
    let out = send_put(&mut leader, LATE + 10, "k", "p1");
    let (first, second) = chain_of(&out[0]);
    let ack = Body::AppendEntriesReply {
        result: AppendResult::Success { match_index: 2 },
        sent_at: LATE + 10,
        via: Some((first, 2)),
        commit_index: 2,
        prior_commit: 0,
    };
    leader.receive(LATE + 20, Message { from: second, to: 1, term, body: ack });
    leader.take_effects();
    let timeout = leader.config().retransmit_timeout_us;
    assert!(leader.next_deadline() > LATE + 10 + timeout);
    leader.tick(LATE + 10 + timeout);
    assert!(sends(&leader.take_effects()).is_empty());
}

/// Under heavy loss an unanswered chain is retried quickly instead, which also puts its
/// entries elsewhere: no copy then.
#[test]
fn no_spare_copy_while_chains_are_retried_quickly() {
    let mut c = Config::graded();
    c.pre_vote = false;
    c.chain_answers_min_loss_permille = 0;
    c.chain_answers_quick_retry_loss_permille = 0;
    let mut leader = settled_leader_of(c, LATE);
    send_put(&mut leader, LATE + 10, "k", "p1");
    let at = leader.next_deadline();
    leader.tick(at);
    let retry = sends(&leader.take_effects());
    assert_eq!(retry.len(), 1, "{retry:?}");
    chain_of(&retry[0]);
}

/// The follower appends the copy and sends nothing back.
#[test]
fn a_spare_copy_is_stored_and_not_answered() {
    let mut leader = leader();
    let term = leader.term();
    send_put(&mut leader, LATE + 10, "k", "p1");
    let at = leader.next_deadline();
    leader.tick(at);
    let copy = sends(&leader.take_effects()).remove(0);
    let mut f = new_node(copy.to, 5, Config::graded());
    f.receive(LATE, append_msg(1, copy.to, term, (0, 0), vec![Entry::new(term, Command::Noop)], 1));
    f.take_effects();
    f.receive(at + 100, copy);
    assert!(f.take_effects().iter().all(|e| !matches!(e, Effect::Send(_) | Effect::Reply(_))));
    assert_eq!(f.log().last_index(), 2);
    assert_eq!(f.leader(), Some(1));
}

/// In the simulator, under 15 % loss with two leader kills, fewer of the entries a killed
/// leader had not seen committed are lost with spare copies.
#[test]
fn fewer_entries_die_with_their_leader() {
    let lost = |spare: bool| {
        let runs: Vec<Kills> = (0..300).map(|seed| kill_leader_twice(seed, Config { spare_copies: spare, ..Config::graded() })).collect();
        let (at_risk, lost) = runs.iter().fold((0, 0), |(a, l), k| (a + k.at_risk, l + k.lost));
        println!("spare copies {spare}: {lost} of {at_risk} entries lost");
        lost as f64 / at_risk as f64
    };
    let (without, with) = (lost(false), lost(true));
    assert!(with < 0.7 * without, "{:.1} % lost with spare copies, {:.1} % without", 100.0 * with, 100.0 * without);
}
