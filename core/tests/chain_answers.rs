//! `Config::chain_answers`: the second follower of the relay chain that first carries a put
//! answers its client as soon as it appends the entry (the leader, the forwarder and itself
//! are a majority of five, so the entry is committed, §5.4.2). Each test drives single nodes
//! by hand, so that every message and every answer is visible.

mod common;

use common::*;
use raft_core::*;

const LATE: Time = 10_000_000;

fn config() -> Config {
    let mut c = Config::teaching();
    c.fanout = Fanout::Relay;
    c.pre_vote = false;
    c.chain_answers = true;
    c
}

/// A five-node leader (id 1) whose no-op every follower has acknowledged.
fn settled_leader() -> Node {
    settled_leader_of(config(), LATE)
}

/// A follower of `term` that holds the leader's no-op.
fn follower(id: NodeId, term: Term) -> Node {
    let mut f = new_node(id, 5, config());
    f.receive(LATE, append_msg(1, id, term, (0, 0), vec![Entry::new(term, Command::Noop)], 1));
    f.take_effects();
    f
}

/// The chain's end answers the client (before it acknowledges, so the answer is on its way
/// first) and the leader, which commits on that acknowledgement, does not answer again.
#[test]
fn the_chain_end_answers_and_the_leader_does_not() {
    let mut leader = settled_leader();
    let term = leader.term();
    let out = send_put(&mut leader, LATE + 10, "k", "p1");
    assert_eq!(out.len(), 1);
    let (first, second) = chain_of(&out[0]);
    let named = entries_of(&out[0]).last().and_then(|e| e.answerer.clone());
    assert_eq!(named, Some(Answerer { node: second, client: "c".into(), id: "p1".into() }));

    let mut a = follower(first, term);
    a.receive(LATE + 20, out[0].clone());
    let effects = a.take_effects();
    assert!(replies(&effects).is_empty(), "the forwarder does not know of a majority yet");
    let fwd = sends(&effects);

    let mut b = follower(second, term);
    b.receive(LATE + 30, fwd[0].clone());
    let effects = b.take_effects();
    assert_eq!(b.commit_index(), 2, "leader, forwarder and itself hold an entry of this term");
    let answer_at = effects.iter().position(|e| matches!(e, Effect::Reply(_))).expect("an answer");
    let ack_at = effects.iter().position(|e| matches!(e, Effect::Send(_))).expect("an acknowledgement");
    assert!(answer_at < ack_at, "{effects:?}");
    assert_eq!(outcomes(&replies(&effects)), [Outcome::Written]);

    leader.receive(LATE + 40, sends(&effects)[0].clone());
    assert_eq!(leader.commit_index(), 2);
    assert!(replies(&leader.take_effects()).is_empty(), "the put is answered once, by its chain's end");
}

/// If the named answerer missed the chain, the entry still commits through others, but only
/// the named node answers, once it learns of the commit, and only once.
#[test]
fn only_the_named_node_answers_even_when_others_commit_the_entry() {
    let mut leader = settled_leader();
    let term = leader.term();
    let lost = send_put(&mut leader, LATE + 10, "k", "p1");
    let (a, named) = chain_of(&lost[0]);
    let [c, d] = others(&[a, named]);
    // Another chain, through the two others, carries the entry.
    let mut fd = follower(d, term);
    fd.receive(LATE + 30, forwarded(&leader, c, d, 2));
    let effects = fd.take_effects();
    assert_eq!(fd.commit_index(), 2);
    assert!(replies(&effects).is_empty(), "p1 is not d's to answer");
    leader.receive(LATE + 50, sends(&effects)[0].clone());
    assert_eq!(leader.commit_index(), 2);
    assert!(replies(&leader.take_effects()).is_empty());

    // The named node hears of p1 with the leader's commit index, and answers it then.
    let mut fb = follower(named, term);
    let catch_up = append_msg(1, named, term, (1, term), leader.log().entries()[1..].to_vec(), 2);
    fb.receive(LATE + 60, catch_up.clone());
    assert_eq!(replies(&fb.take_effects()).iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["p1"]);
    fb.receive(LATE + 70, catch_up);
    assert!(replies(&fb.take_effects()).is_empty(), "applied once, answered once");
}

/// The two followers of a five-node cluster (leader 1) other than `taken`.
fn others(taken: &[NodeId]) -> [NodeId; 2] {
    let rest: Vec<NodeId> = (2..=5).filter(|id| !taken.contains(id)).collect();
    [rest[0], rest[1]]
}

/// The leader's entries after its no-op, as `from` would forward them to `to` in a chain.
fn forwarded(leader: &Node, from: NodeId, to: NodeId, via_match: Index) -> Message {
    let body = Body::AppendEntries {
        prev_log_index: 1,
        prev_log_term: leader.term(),
        entries: leader.log().entries()[1..].to_vec(),
        leader_commit: leader.commit_index(),
        sent_at: 0,
        relay: Relay::Forwarded { leader: 1, via_match },
    };
    Message { from, to, term: leader.term(), body }
}

/// §5.4.2 (Figure 8): a chain carrying only entries of an earlier term does not let its end
/// commit them by counting copies.
#[test]
fn a_chain_end_commits_only_an_entry_of_the_current_term() {
    let mut b = new_node(3, 5, config());
    b.receive(LATE, append_msg(1, 3, 1, (0, 0), vec![entry(1, 1)], 0));
    b.take_effects();
    let forwarded = Message {
        from: 2,
        to: 3,
        term: 2,
        body: Body::AppendEntries {
            prev_log_index: 1,
            prev_log_term: 1,
            entries: vec![],
            leader_commit: 0,
            sent_at: 5,
            relay: Relay::Forwarded { leader: 4, via_match: 1 },
        },
    };
    b.receive(LATE + 10, forwarded.clone());
    assert_eq!(b.commit_index(), 0, "index 1 is of term 1, the chain of term 2");
    let mut with_own = forwarded;
    if let Body::AppendEntries { entries, relay, .. } = &mut with_own.body {
        entries.push(entry(2, 2));
        *relay = Relay::Forwarded { leader: 4, via_match: 2 };
    }
    b.receive(LATE + 20, with_own);
    assert_eq!(b.commit_index(), 2, "an entry of term 2 commits everything before it");
}

/// A read of a key whose latest write the leader has not yet seen committed waits for it:
/// the chain's end may already have told the client it is written. Reads of other keys do not
/// wait.
#[test]
fn a_read_waits_for_an_unacknowledged_write_of_its_key_only() {
    let mut leader = settled_leader();
    let term = leader.term();
    // A first put commits, so that the leader holds a lease and reads need no round trip.
    let out = send_put(&mut leader, LATE + 10, "old", "p0");
    let (first, second) = chain_of(&out[0]);
    let mut a = follower(first, term);
    a.receive(LATE + 11, out[0].clone());
    let mut b = follower(second, term);
    b.receive(LATE + 12, sends(&a.take_effects())[0].clone());
    leader.receive(LATE + 13, sends(&b.take_effects())[0].clone());
    leader.take_effects();
    assert!(leader.has_read_lease(LATE + 20));

    send_put(&mut leader, LATE + 20, "k", "p1");
    let read = |leader: &mut Node, key: &str, id: &str| {
        leader.client_request(LATE + 30, ClientRequest { client: "c".into(), id: id.into(), op: get_op(key) });
        leader.tick(LATE + 30);
        replies(&leader.take_effects())
    };
    assert_eq!(outcomes(&read(&mut leader, "old", "g1")), [Outcome::Value(Some("p0".into()))]);
    assert!(read(&mut leader, "k", "g2").is_empty(), "p1 may have been answered already");
}

/// A restarted node replays its log from the start: entries it was named to answer before it
/// crashed are not answered a second time.
#[test]
fn a_restarted_node_does_not_answer_what_it_replays() {
    let named = |id: &str| Entry {
        answerer: Some(Answerer { node: 3, client: "c".into(), id: id.into() }),
        ..Entry::new(1, Command::Put { key: "k".into(), value: id.into() })
    };
    let mut log = RaftLog::default();
    log.append(named("before"));
    let state = PersistentState { term: 1, voted_for: None, log };
    let mut n = Node::restart(3, peers_of(3, 5), config(), 7, LATE, state).unwrap();
    n.receive(LATE + 10, append_msg(1, 3, 1, (1, 1), vec![named("after")], 2));
    assert_eq!(n.commit_index(), 2);
    assert_eq!(replies(&n.take_effects()).iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["after"]);
}

/// With the option off, the leader answers as before: every entry names the leader.
#[test]
fn without_the_option_the_leader_answers() {
    let mut c = config();
    c.chain_answers = false;
    let mut leader = new_node(1, 5, c);
    make_leader(&mut leader, LATE);
    leader.take_effects();
    leader.client_request(LATE, ClientRequest { client: "c".into(), id: "p1".into(), op: put_op("k", "v") });
    leader.tick(LATE);
    assert_eq!(answerer_of(&leader, "p1"), Some(leader.id()));
}

/// A leader whose put p1 (key k) went along a chain that broke before its end, and then
/// committed through the two other followers: applied at the leader, not yet answered. Also
/// returns the follower named to answer it.
fn committed_without_its_answerer() -> (Node, NodeId) {
    committed_without_its_answerer_on(settled_leader())
}

fn committed_without_its_answerer_on(mut leader: Node) -> (Node, NodeId) {
    let term = leader.term();
    let lost = send_put(&mut leader, LATE + 10, "k", "p1");
    let (a, named) = chain_of(&lost[0]);
    let [c, d] = others(&[a, named]);
    let mut fd = follower(d, term);
    fd.receive(LATE + 30, forwarded(&leader, c, d, 2));
    leader.receive(LATE + 50, sends(&fd.take_effects())[0].clone());
    assert_eq!(leader.commit_index(), 2, "p1 is committed and applied at the leader");
    leader.take_effects();
    (leader, named)
}

/// A put committed without its named answerer (its chain broke before the end) is applied at
/// the leader before its client is told. A read of its key must not show the new value
/// before that: it waits until the named follower reports that it has applied the entry.
#[test]
fn a_read_waits_until_the_named_follower_has_answered_the_write() {
    let (mut leader, named) = committed_without_its_answerer();
    let term = leader.term();

    leader.client_request(LATE + 60, ClientRequest { client: "c".into(), id: "g1".into(), op: get_op("k") });
    leader.tick(LATE + 60);
    let effects = leader.take_effects();
    assert!(replies(&effects).is_empty(), "the client has not been told that p1 is written");

    // The named follower learns of the commit from the leader's next messages (it first has
    // to catch up on the entry it missed), answers p1 and says so in its reply; then the read
    // is answered.
    let mut fb = follower(named, term);
    let mut to_leader = sends(&effects);
    let mut answered = Vec::new();
    for round in 0..6 {
        let mut next = Vec::new();
        for m in std::mem::take(&mut to_leader) {
            let m = match m.body {
                Body::AppendEntries { relay: Relay::Forward { to }, .. } if to == named => {
                    let mut first = follower(m.to, term);
                    first.receive(LATE + 65, m.clone());
                    sends(&first.take_effects()).remove(0)
                }
                _ => m,
            };
            if m.to != named {
                continue;
            }
            fb.receive(LATE + 70 + round, m);
            let effects = fb.take_effects();
            answered.extend(replies(&effects).into_iter().map(|r| r.id));
            for reply in sends(&effects) {
                leader.receive(LATE + 75 + round, reply);
            }
            let effects = leader.take_effects();
            if !replies(&effects).is_empty() {
                assert_eq!(answered, ["p1"], "the put is answered before the read");
                assert_eq!(outcomes(&replies(&effects)), [Outcome::Value(Some("p1".into()))]);
                return;
            }
            next.extend(sends(&effects));
        }
        if next.is_empty() {
            // Nothing more at once: the catch-up goes with the next heartbeat.
            let at = leader.next_deadline();
            leader.tick(at);
            next = sends(&leader.take_effects());
        }
        to_leader = next;
    }
    panic!("the read was never answered");
}

/// The graded preset's timers on a settled five-node leader (chain ends answer from the
/// first put on, and unanswered chains are retried quickly).
fn graded_leader() -> Node {
    graded_leader_with(0)
}

fn graded_leader_with(min_loss_permille: u32) -> Node {
    settled_leader_of(graded_chain_config(min_loss_permille, 0), LATE)
}

/// The graded preset with chain ends answering from `min_loss_permille` and quick retries
/// from `quick_retry_loss_permille`, without spare copies (`tests/spare_copies.rs`), so that
/// every message a broken chain costs here is a chain.
fn graded_chain_config(min_loss_permille: u32, quick_retry_loss_permille: u32) -> Config {
    let mut c = Config::graded();
    c.pre_vote = false;
    c.spare_copies = false;
    c.chain_answers = true;
    c.chain_answers_min_loss_permille = min_loss_permille;
    c.chain_answers_quick_retry_loss_permille = quick_retry_loss_permille;
    c
}

/// Quick retries of an unanswered chain on a graded leader whose quick retries start at
/// `quick_retry_loss_permille`, each checked to end at the named answerer, until the leader
/// waits for a lazy resend: after a sixteenth of the heartbeat interval if it made quick
/// retries, a quarter if not (long enough for the next write's chain).
fn quick_retries(quick_retry_loss_permille: u32) -> usize {
    let mut leader = settled_leader_of(graded_chain_config(0, quick_retry_loss_permille), LATE);
    let (retransmit, heartbeat) = (leader.config().retransmit_timeout_us, leader.config().heartbeat_interval_us);
    let out = send_put(&mut leader, LATE + 10, "k", "p1");
    let (_, named) = chain_of(&out[0]);
    let (mut last, mut retries) = (LATE + 10, 0);
    loop {
        let at = leader.next_deadline();
        if at > last + retransmit {
            let lazy = if retries == 0 { heartbeat / 4 } else { heartbeat / 16 };
            assert!(at >= LATE + 10 + lazy, "then nothing until {at}");
            assert!(at <= LATE + 10 + heartbeat / 4, "but a resend by {at}");
            return retries;
        }
        leader.tick(at);
        let retry = sends(&leader.take_effects());
        assert_eq!(retry.len(), 1, "{retry:?}");
        assert_eq!(chain_of(&retry[0]).1, named, "the retry ends at the follower that owes the answer");
        (last, retries) = (at, retries + 1);
    }
}

/// Under heavy loss a chain that goes unanswered is sent again after the retransmit timeout,
/// ending at the named answerer, twice; after that, or at once under lighter loss, the
/// leader waits (for the next write or a lazy resend) rather than resending every few
/// milliseconds: the client's answer does not depend on its acknowledgement.
#[test]
fn an_unanswered_chain_is_retried_quickly_only_under_heavy_loss() {
    assert_eq!(quick_retries(Config::graded().chain_answers_quick_retry_loss_permille), 0, "a new leader has seen no loss");
    assert_eq!(quick_retries(0), 2);
}

/// Without quick retries and with no write to follow, an unanswered chain is resent after a
/// quarter of the heartbeat interval, and the resend still ends at the named answerer,
/// although it has now missed a message: as a chain's first follower it would hold the
/// entry without learning that it is committed until its next heartbeat.
#[test]
fn a_lazy_resend_ends_at_the_named_answerer() {
    let mut leader = settled_leader_of(graded_chain_config(0, Config::graded().chain_answers_quick_retry_loss_permille), LATE);
    let heartbeat = leader.config().heartbeat_interval_us;
    let out = send_put(&mut leader, LATE + 10, "k", "p1");
    let (_, named) = chain_of(&out[0]);
    let at = leader.next_deadline();
    assert_eq!(at, LATE + 10 + heartbeat / 4);
    leader.tick(at);
    let resent = sends(&leader.take_effects());
    assert_eq!(resent.len(), 1, "{resent:?}");
    assert_eq!(chain_of(&resent[0]).1, named, "{resent:?}");
    assert_eq!(entries_of(&resent[0]).len(), 1);
}

/// While a named follower may still lack its entry, the next write's chain ends at it and
/// carries the entry along.
#[test]
fn the_next_chain_ends_at_a_waiting_answerer() {
    let mut leader = graded_leader();
    let out = send_put(&mut leader, LATE + 10, "k", "p1");
    let (_, named) = chain_of(&out[0]);
    let next = send_put(&mut leader, LATE + 20, "j", "p2");
    assert_eq!(next.len(), 1, "{next:?}");
    assert_eq!(chain_of(&next[0]).1, named);
    let ids: Vec<String> = entries_of(&next[0]).iter().filter_map(|e| e.answerer.as_ref().map(|a| a.id.clone())).collect();
    assert_eq!(ids, ["p1", "p2"]);
}

/// A client takes the last answer it gets as its key's value, so answers to puts of one key
/// must come in log order: a put of a key whose earlier put may not be answered yet gets the
/// same answerer, even when its chain ends elsewhere.
#[test]
fn puts_of_one_key_keep_the_answerer_of_an_unanswered_earlier_one() {
    let mut leader = graded_leader();
    let term = leader.term();
    let out = send_put(&mut leader, LATE + 10, "k", "p1");
    let (a, named) = chain_of(&out[0]);
    // p1 commits, acknowledged by the named follower straight (not at a chain's end, so it
    // has not applied p1 yet: its commit index is still 1) and by another.
    let [c, _] = others(&[a, named]);
    let ack = |from: NodeId| Message {
        from,
        to: 1,
        term,
        body: Body::AppendEntriesReply { result: AppendResult::Success { match_index: 2 }, sent_at: LATE + 10, via: None, commit_index: 1, prior_commit: 0 },
    };
    leader.receive(LATE + 20, ack(named));
    leader.receive(LATE + 20, ack(c));
    assert_eq!(leader.commit_index(), 2);
    leader.take_effects();

    let next = send_put(&mut leader, LATE + 30, "k", "p3");
    let (_, end) = chain_of(&next[0]);
    assert_ne!(end, named, "the chain goes elsewhere: {next:?}");
    assert_eq!(answerer_of(&leader, "p3"), Some(named), "the same key's put waits its turn at the same node");
    let other = send_put(&mut leader, LATE + 40, "j", "p4");
    let (_, end) = chain_of(&other[0]);
    assert_eq!(answerer_of(&leader, "p4"), Some(end), "another key's put is answered by its own chain's end");
}

/// The same holds for an answerer that has missed a message (one that would not be named for
/// a new key) as long as it is not silent: its answers must still come in log order.
#[test]
fn a_key_keeps_an_answerer_that_missed_a_message() {
    let mut leader = graded_leader();
    let out = send_put(&mut leader, LATE + 10, "k", "p1");
    let (_, named) = chain_of(&out[0]);
    // Nothing comes back: the quick retry ends at the named follower and counts as its miss.
    let quick = leader.next_deadline();
    leader.tick(quick);
    assert_eq!(chain_of(&sends(&leader.take_effects())[0]).1, named);

    send_put(&mut leader, quick + 10, "k", "p2");
    assert_eq!(answerer_of(&leader, "p2"), Some(named), "p2 is answered after p1, by the same node");
    let out = send_put(&mut leader, quick + 20, "j", "p3");
    let (_, end) = chain_of(&out[0]);
    assert_eq!(answerer_of(&leader, "p3"), Some(end), "a new key's put is named to its chain's end, missed message or not");
}

/// A new leader (node 1, term 2) holding a put of key k from term 1 that names node 3 to
/// answer it, which it may not have done yet. `held` are puts that waited for the election:
/// they leave with the leader's first messages.
fn new_leader_with_a_named_put_of_k(held: &[(&str, &str)]) -> Node {
    let mut c = Config::graded();
    c.pre_vote = false;
    c.chain_answers = true;
    c.chain_answers_min_loss_permille = 0;
    let mut log = RaftLog::default();
    let mut named = Entry::new(1, Command::Put { key: "k".into(), value: "v1".into() });
    named.answerer = Some(Answerer { node: 3, client: "c".into(), id: "p1".into() });
    log.append(named);
    let state = PersistentState { term: 1, voted_for: None, log };
    let mut leader = Node::restart(1, peers_of(1, 5), c, 7, 0, state).expect("valid config");
    for &(key, id) in held {
        leader.client_request(LATE - 10, ClientRequest { client: "c".into(), id: id.into(), op: put_op(key, id) });
    }
    make_leader(&mut leader, LATE);
    leader.take_effects();
    leader
}

fn answerer_of(leader: &Node, id: &str) -> Option<NodeId> {
    leader.log().entries().iter().find_map(|e| e.answerer.as_ref().filter(|a| a.id == id).map(|a| a.node))
}

/// A new leader follows an earlier put's answerer only once that follower has answered it in
/// its term: after a leader is killed, the answerer may be that very leader, and a put named
/// to a dead node is never answered.
#[test]
fn a_new_leader_follows_an_earlier_answerer_only_once_heard_from() {
    let unheard = new_leader_with_a_named_put_of_k(&[("k", "p2")]);
    assert_eq!(unheard.log().last_index(), 3, "p2 follows the no-op");
    assert_eq!(answerer_of(&unheard, "p2"), Some(1), "node 3 has not answered this leader (it may be dead): the leader answers p2");

    let mut heard = new_leader_with_a_named_put_of_k(&[]);
    let term = heard.term();
    // Node 3 acknowledges the no-op but has not applied p1 (its commit index is 0).
    let ack = AppendResult::Success { match_index: 2 };
    heard.receive(LATE + 5, Message { from: 3, to: 1, term, body: Body::AppendEntriesReply { result: ack, sent_at: LATE, via: None, commit_index: 0, prior_commit: 0 } });
    heard.take_effects();
    send_put(&mut heard, LATE + 10, "k", "p2");
    assert_eq!(answerer_of(&heard, "p2"), Some(3), "p1 may be unanswered: p2 is answered after it, by node 3");
}

/// Until chains break often enough, the leader answers: on a network without loss the chain
/// ends would save nothing, and a follower named just before it dies would strand its put.
#[test]
fn below_the_loss_threshold_the_leader_answers() {
    let mut leader = graded_leader_with(Config::graded().chain_answers_min_loss_permille);
    let out = send_put(&mut leader, LATE + 10, "k", "p1");
    assert_eq!(entries_of(&out[0]).last().and_then(|e| e.answerer.as_ref().map(|a| a.node)), Some(leader.id()));
}

/// Reads key k at `start` and runs the leader for up to ten election timeouts, with every
/// follower but `named` answering it; returns the answers and when they came.
fn read_with_a_silent_follower(leader: &mut Node, named: NodeId, start: Time) -> (Vec<ClientReply>, Time) {
    let term = leader.term();
    leader.client_request(start, ClientRequest { client: "c".into(), id: "g1".into(), op: get_op("k") });
    leader.tick(start);
    let mut answer = replies(&leader.take_effects());
    let silent_for = leader.config().election_timeout_max_us;
    let mut now = start;
    while answer.is_empty() && now < start + 10 * silent_for {
        now = leader.next_deadline().max(now + 1);
        leader.tick(now);
        let effects = leader.take_effects();
        answer = replies(&effects);
        for m in sends(&effects).into_iter().filter(|m| m.to != named && m.to != 1) {
            let Body::AppendEntries { sent_at, .. } = m.body else { continue };
            let ok = AppendResult::Success { match_index: leader.log().last_index() };
            let commit_index = leader.commit_index();
            leader.receive(now, Message { from: m.to, to: 1, term, body: Body::AppendEntriesReply { result: ok, sent_at, via: None, commit_index, prior_commit: 0 } });
            answer.extend(replies(&leader.take_effects()));
        }
    }
    (answer, now)
}

/// A read does not wait for good on the named follower of a put from an earlier term that
/// has gone silent: after a whole election timeout without a word from it in this term, it
/// is taken for dead (in practice a former leader, killed before it saw the commit). No
/// commit index reported to this leader covers the put, so it may be unanswered: the leader
/// answers it, and then the read.
#[test]
fn a_read_stops_waiting_for_a_silent_named_follower_of_an_earlier_term() {
    let mut leader = new_leader_with_a_named_put_of_k(&[]);
    let term = leader.term();
    for f in [2, 4] {
        let ok = AppendResult::Success { match_index: 2 };
        leader.receive(LATE + 5, Message { from: f, to: 1, term, body: Body::AppendEntriesReply { result: ok, sent_at: LATE, via: None, commit_index: 0, prior_commit: 0 } });
    }
    assert_eq!(leader.commit_index(), 2, "the no-op commits p1 with it");
    leader.take_effects();
    let (answer, at) = read_with_a_silent_follower(&mut leader, 3, LATE + 10);
    assert_eq!(answer.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["p1", "g1"]);
    assert_eq!(outcomes(&answer), [Outcome::Written, Outcome::Value(Some("v1".into()))]);
    assert!(at >= LATE + leader.config().election_timeout_max_us, "not before an election timeout of silence ({at})");
}

/// A put of this term whose named follower went silent may never have been answered (it
/// may have died before it applied the entry): a read of its key must not show its value,
/// however long it waits (an unanswered read is a failure; a value the client was never told
/// was written is an incorrect answer).
#[test]
fn a_read_keeps_waiting_for_a_silent_named_follower_of_this_term() {
    let (mut leader, named) = committed_without_its_answerer();
    let (answer, _) = read_with_a_silent_follower(&mut leader, named, LATE + 60);
    assert!(answer.is_empty(), "{answer:?}");
}

/// A read waiting for a named follower's report does not wait for that follower's next
/// heartbeat (1.2 s in the graded preset): the follower gets another message a retransmit
/// timeout after the last one it was sent, and then ever less often while it answers
/// nothing. Under a valid lease nobody else is sent anything for the read.
#[test]
fn a_waiting_read_reminds_the_named_follower() {
    let (mut leader, named) = committed_without_its_answerer_on(graded_leader());
    let (retransmit, heartbeat) = (leader.config().retransmit_timeout_us, leader.config().heartbeat_interval_us);
    leader.client_request(LATE + 60, ClientRequest { client: "c".into(), id: "g1".into(), op: get_op("k") });
    leader.tick(LATE + 60);
    let effects = leader.take_effects();
    assert!(replies(&effects).is_empty());
    assert!(sends(&effects).is_empty(), "the lease holds: no round of messages to confirm the read");

    // Nothing comes back from anyone.
    let (mut now, mut to_named) = (LATE + 60, vec![]);
    while to_named.len() < 6 && now < LATE + heartbeat {
        now = leader.next_deadline().max(now + 1);
        leader.tick(now);
        if sends(&leader.take_effects()).iter().any(|m| m.to == named) {
            to_named.push(now);
        }
    }
    assert_eq!(to_named.len(), 6, "reminded before its heartbeat: {to_named:?}");
    assert!(to_named[0] <= LATE + 60 + retransmit, "{to_named:?}");
    let gaps: Vec<Time> = to_named.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.windows(2).all(|g| g[1] >= g[0]) && gaps[4] > gaps[0], "ever less often: {gaps:?}");
}

/// While the leader answers (little loss), the graded preset sends each new entry of a burst
/// in its own chain, as if the requests had come spread out: batched, the requests held
/// while there was no leader would cost less than the graded simulator's traffic floor.
#[test]
fn a_burst_of_new_entries_leaves_one_per_chain_while_the_leader_answers() {
    let mut leader = graded_leader_with(Config::graded().chain_answers_min_loss_permille);
    for id in ["p1", "p2", "p3"] {
        leader.client_request(LATE + 10, ClientRequest { client: "c".into(), id: id.into(), op: put_op(id, "v") });
    }
    let mut chains = Vec::new();
    for _ in 0..10 {
        let at = leader.next_deadline().max(LATE + 10);
        if at > LATE + 10 {
            break;
        }
        leader.tick(at);
        chains.extend(sends(&leader.take_effects()));
    }
    let last_of = |m: &Message| match &m.body {
        Body::AppendEntries { prev_log_index, entries, .. } => *prev_log_index + entries.len() as Index,
        _ => 0,
    };
    assert_eq!(chains.iter().map(last_of).collect::<Vec<_>>(), [2, 3, 4], "one new entry per chain: {chains:?}");
}

/// A put whose chain ends at a follower that missed a message (here: the chain of an earlier
/// put, quickly retried) is still named to it. Were the leader to answer it instead, a crash
/// of the leader before it saw the commit would strand the put: the next leader commits it
/// and nobody answers, and a later read shows a value its client was never told of.
#[test]
fn a_put_is_named_to_a_chain_end_that_missed_a_message() {
    let mut c = Config::graded();
    c.pre_vote = false;
    c.spare_copies = false;
    c.chain_answers = true;
    c.chain_answers_min_loss_permille = 0;
    // Nodes 4 and 5 never answer this leader; 2 and 3 answer everything for a few seconds,
    // after which only they can form a chain.
    let mut leader = new_node(1, 5, c);
    make_leader(&mut leader, LATE);
    let term = leader.term();
    let mut now = LATE;
    while now < LATE + 4_000_000 {
        answer_appends(&mut leader, now, term, |n| [2, 3].contains(&n));
        now = leader.next_deadline().max(now + 1);
        leader.tick(now);
    }
    leader.take_effects();
    let out = send_put(&mut leader, now + 10, "k", "p1");
    let (_, named) = chain_of(&out[0]);
    // Nothing comes back: the quick retry ends at the named follower and counts as its miss.
    let quick = leader.next_deadline();
    leader.tick(quick);
    assert_eq!(chain_of(&sends(&leader.take_effects())[0]).1, named);

    let out = send_put(&mut leader, quick + 10, "j", "p2");
    let (_, end) = chain_of(&out[0]);
    assert_eq!(end, named, "with two followers to choose from, the chain ends there again");
    assert_eq!(answerer_of(&leader, "p2"), Some(named));
}

/// An answerer that has been heard from in this term keeps the later puts of its keys even
/// after it left five retransmissions in a row unanswered: under heavy loss such a follower
/// answered the older put seconds later, after a newer one named elsewhere had been
/// answered, which turned the client's value back. A new key's put is not named to it.
#[test]
fn a_key_keeps_an_answerer_that_has_gone_quiet() {
    let mut leader = graded_leader();
    let term = leader.term();
    let out = send_put(&mut leader, LATE + 10, "k", "p1");
    let (_, named) = chain_of(&out[0]);
    // Everything that goes to or through the named follower is lost until it is suspected
    // (five retransmissions in a row unanswered); the others answer what they are sent.
    let mut now = LATE + 10;
    while !leader.progress().expect("a leader")[&named].suspected() {
        assert!(now < LATE + 5_000_000, "suspected within five seconds");
        answer_appends(&mut leader, now, term, |n| n != named);
        now = leader.next_deadline().max(now + 1);
        leader.tick(now);
    }
    leader.take_effects();
    send_put(&mut leader, now + 10, "k", "p2");
    assert_eq!(answerer_of(&leader, "p2"), Some(named), "p2 is answered after p1, by the same node");
    send_put(&mut leader, now + 20, "j", "p3");
    let p3 = answerer_of(&leader, "p3");
    assert!(p3.is_some_and(|n| n != named), "a new key's put goes to one that answers: {p3:?}");
}

/// A read that arrives while a put of its key is still unsent (so not yet named to anyone)
/// waits for whoever is named when it leaves: the value it returns is what is applied when it
/// is answered, and the named follower's answer must be on its way first. (A read that took
/// the answerer at its arrival, none, was answered once the leader applied the put, and
/// reached the client before the follower's answer did.)
#[test]
fn a_read_waits_for_the_answerer_named_after_it_arrived() {
    let mut leader = graded_leader();
    let term = leader.term();
    let put = ClientRequest { client: "c".into(), id: "p1".into(), op: put_op("k", "v1") };
    leader.client_request(LATE + 10, put);
    leader.client_request(LATE + 10, ClientRequest { client: "c".into(), id: "g1".into(), op: get_op("k") });
    assert_eq!(answerer_of(&leader, "p1"), Some(1), "not sent yet, so not named to a follower");
    leader.tick(LATE + 10);
    let out = sends(&leader.take_effects());
    let (a, named) = chain_of(&out[0]);
    assert_eq!(answerer_of(&leader, "p1"), Some(named));
    // The two followers outside the chain acknowledge the put: committed and applied here,
    // while the named follower has not reported applying it.
    let index = leader.log().last_index();
    for f in others(&[a, named]) {
        let body = Body::AppendEntriesReply { result: AppendResult::Success { match_index: index }, sent_at: LATE + 10, via: None, commit_index: 1, prior_commit: 0 };
        leader.receive(LATE + 20, Message { from: f, to: 1, term, body });
    }
    assert_eq!(leader.last_applied(), index);
    assert!(replies(&leader.take_effects()).is_empty(), "the read waits for the named follower");
    // The named follower reports that it has applied (so answered) the put.
    let body = Body::AppendEntriesReply { result: AppendResult::Success { match_index: index }, sent_at: LATE + 10, via: Some((a, index)), commit_index: index, prior_commit: 0 };
    leader.receive(LATE + 30, Message { from: named, to: 1, term, body });
    let answered = replies(&leader.take_effects());
    assert_eq!(outcomes(&answered), [Outcome::Value(Some("v1".into()))]);
}

/// While a named put waits, a broken chain's entries are resent lazily (the next write's
/// chain also carries them), but a follower that has missed twice is probed, one message at
/// a time, on the retransmit timeout: on the lazy one, doubling, a few lost probes under 30 %
/// loss kept every follower waiting for seconds, and every put the leader answers with them.
#[test]
fn a_probed_follower_is_retried_on_the_retransmit_timeout_while_a_named_put_waits() {
    let mut leader = graded_leader();
    let retransmit = leader.config().retransmit_timeout_us;
    send_put(&mut leader, LATE + 10, "k", "p1");
    // Nothing comes back until a follower is being probed.
    let probed = |leader: &Node| {
        leader.progress().expect("a leader").iter().find_map(|(&id, p)| match (p.state, p.probe_sent_at) {
            (raft_core::node::ProgressState::Probe, Some(sent)) => Some((id, sent, p.retransmits)),
            _ => None,
        })
    };
    let mut now = LATE + 10;
    let (id, sent, misses) = loop {
        if let Some(found) = probed(&leader) {
            break found;
        }
        assert!(now < LATE + 2_000_000, "a follower is probed within two seconds");
        now = leader.next_deadline().max(now + 1);
        leader.tick(now);
        leader.take_effects();
    };
    let due = sent + retransmit * (1 << misses);
    let mut resent = false;
    while now <= due {
        now = leader.next_deadline().max(now + 1);
        leader.tick(now);
        resent |= sends(&leader.take_effects()).iter().any(|m| m.to == id) && now <= due;
    }
    assert!(resent, "probe of {id} sent at {sent} after {misses} misses, resent by {due}");
}
