//! `Config::hold_puts_after_stall_us`: a leader whose commit has stalled holds new puts
//! instead of appending them, appends them once the commit moves again, and sends their
//! clients elsewhere if it steps down.

mod common;

use common::*;
use raft_core::*;

const STALL: Time = 100_000;

fn config() -> Config {
    Config { hold_puts_after_stall_us: STALL, ..modern_config() }
}

/// Leader 1 of five, cut off with node 2 from the other three, with one put appended there.
fn cut_off_leader_with_a_put() -> (Network, String) {
    let mut net = Network::new(5, config());
    net.elect(1);
    net.partition(&[&[1, 2], &[3, 4, 5]]);
    let appended = net.submit(1, put_op("a", "1"));
    net.deliver_all();
    assert!(net.replies_to(&appended).is_empty(), "a minority cannot commit");
    (net, appended)
}

#[test]
fn a_stalled_leader_holds_new_puts_and_sends_them_elsewhere_when_it_steps_down() {
    let (mut net, appended) = cut_off_leader_with_a_put();
    let last = net.node(1).log().last_index();

    // Not yet stalled for long: a put is appended as usual.
    net.advance(STALL / 2);
    let early = net.submit(1, put_op("b", "1"));
    assert_eq!(net.node(1).log().last_index(), last + 1);

    // Stalled: the next put waits outside the log.
    net.advance(STALL);
    let held = net.submit(1, put_op("c", "1"));
    assert_eq!(net.node(1).log().last_index(), last + 1, "held, not appended");
    assert_eq!(net.node(1).held_requests(), 1);
    assert!(net.replies_to(&held).is_empty());

    // Check-quorum deposes it: the held put is sent elsewhere (it had no effect); the
    // appended ones stay owed, since their entries might still commit.
    net.advance(net.config.election_timeout_max_us + 1);
    assert_eq!(net.node(1).role(), RoleKind::Follower);
    assert_eq!(outcomes(&net.replies_to(&held)), [Outcome::Redirect(None)]);
    assert!(net.replies_to(&appended).is_empty() && net.replies_to(&early).is_empty());
    assert!(net.node(1).log().entries().iter().all(|e| !matches!(&e.command, Command::Put { key, .. } if key == "c")));
}

#[test]
fn held_puts_are_appended_once_the_commit_moves_again_and_answered_once() {
    let (mut net, appended) = cut_off_leader_with_a_put();
    net.advance(STALL + 1);
    let held = net.submit(1, put_op("c", "1"));
    assert_eq!(net.node(1).held_requests(), 1);

    // The cut heals before check-quorum fires: the stalled entry commits, and the held put
    // goes into the log and commits after it.
    net.heal();
    net.advance(net.config.heartbeat_interval_us * 3);
    assert_eq!(net.leader(), Some(1));
    assert_eq!(net.node(1).held_requests(), 0);
    assert_eq!(outcomes(&net.replies_to(&appended)), [Outcome::Written]);
    assert_eq!(outcomes(&net.replies_to(&held)), [Outcome::Written]);
    assert_eq!(net.node(3).kv().get("c").map(String::as_str), Some("1"));
}

#[test]
fn without_the_setting_a_stalled_leader_appends_as_the_paper_does() {
    let mut net = Network::new(5, modern_config());
    assert_eq!(net.config.hold_puts_after_stall_us, 0, "the teaching preset appends at once");
    net.elect(1);
    net.partition(&[&[1, 2], &[3, 4, 5]]);
    net.submit(1, put_op("a", "1"));
    net.advance(STALL + STALL / 2);
    assert!(net.node(1).is_leader(), "not yet deposed");
    let last = net.node(1).log().last_index();
    net.submit(1, put_op("c", "1"));
    assert_eq!(net.node(1).log().last_index(), last + 1);
    assert_eq!(net.node(1).held_requests(), 0);
}
