//! `Config::answer_inherited_puts`: a new leader answers a put of an earlier term that
//! nobody may have answered once its answerer has been silent for an election timeout, and
//! reads of its key wait until then (`core/src/node/inherited.rs`).

mod common;

use common::*;
use raft_core::*;

const LATE: Time = 10_000_000;
/// When node 1 last heard from the former leader, node 3.
const FORMER_CONTACT: Time = LATE - 5_000_000;

/// The graded preset with the leader answering every put, unless a test turns chain
/// answers on.
fn config(answer_inherited_puts: bool) -> Config {
    let mut c = Config::graded();
    c.pre_vote = false;
    c.chain_answers = false;
    c.answer_inherited_puts = answer_inherited_puts;
    c
}

/// Node 1 of five, elected in term 2 by nodes 2 and 4, whose vote replies report
/// `voter_commit` as their commit index when term 2 began. Its log holds put p1 of key k
/// from term 1, appended by the former leader, node 3, which names itself to answer it (and
/// whose heartbeat node 1 last followed). Nodes 2 and 4 then acknowledge the no-op, which
/// commits p1 with it; node 3 says nothing.
fn elected(config: Config, voter_commit: Index) -> Node {
    let mut log = RaftLog::default();
    let mut p1 = Entry::new(1, Command::Put { key: "k".into(), value: "v1".into() });
    p1.answerer = Some(Answerer { node: 3, client: "c".into(), id: "p1".into() });
    log.append(p1);
    let state = PersistentState { term: 1, voted_for: None, log };
    let mut leader = Node::restart(1, peers_of(1, 5), config, SEED, 0, state).expect("valid config");
    leader.receive(FORMER_CONTACT, append_msg(3, 1, 1, (1, 1), vec![], 0));
    leader.timeout_now(LATE);
    let term = leader.term();
    for voter in [2, 4] {
        let body = Body::RequestVoteReply { granted: true, prior_commit: voter_commit };
        leader.receive(LATE, Message { from: voter, to: 1, term, body });
    }
    assert!(leader.is_leader());
    for f in [2, 4] {
        let body = Body::AppendEntriesReply { result: AppendResult::Success { match_index: 2 }, sent_at: LATE, via: None, commit_index: voter_commit, prior_commit: 0 };
        leader.receive(LATE + 1, Message { from: f, to: 1, term, body });
    }
    assert_eq!(leader.commit_index(), 2, "the no-op commits p1 with it");
    leader.take_effects();
    leader
}

/// Asks for key k at `LATE + 10`, then runs the leader for two election timeouts, every
/// follower but node 3 acknowledging what it is sent. Returns the answers with their times.
fn read_k(leader: &mut Node) -> Vec<(Time, ClientReply)> {
    let term = leader.term();
    let start = LATE + 10;
    leader.client_request(start, ClientRequest { client: "c".into(), id: "g1".into(), op: get_op("k") });
    let mut now = start;
    let mut answers = Vec::new();
    while now < start + 2 * leader.config().election_timeout_max_us {
        leader.tick(now);
        let effects = leader.take_effects();
        answers.extend(replies(&effects).into_iter().map(|r| (now, r)));
        for m in sends(&effects).into_iter().filter(|m| m.to != 3) {
            let Body::AppendEntries { sent_at, .. } = m.body else { continue };
            let ok = AppendResult::Success { match_index: leader.log().last_index() };
            let body = Body::AppendEntriesReply { result: ok, sent_at, via: None, commit_index: leader.commit_index(), prior_commit: 0 };
            leader.receive(now, Message { from: m.to, to: 1, term, body });
            answers.extend(replies(&leader.take_effects()).into_iter().map(|r| (now, r)));
        }
        now = leader.next_deadline().max(now + 1);
    }
    answers
}

fn ids(answers: &[(Time, ClientReply)]) -> Vec<&str> {
    answers.iter().map(|(_, r)| r.id.as_str()).collect()
}

/// No commit index reported to the new leader covers p1, so its answerer (the former
/// leader, killed before it saw the commit) may never have answered. After an election
/// timeout of silence from it, counted from when the new leader last heard from it as a
/// follower, the new leader answers p1, and only then the read, which shows p1's value.
#[test]
fn a_put_whose_answerer_went_silent_is_answered_by_the_new_leader_before_a_read_of_its_key() {
    let mut leader = elected(config(true), 0);
    let answers = read_k(&mut leader);
    assert_eq!(ids(&answers), ["p1", "g1"]);
    assert_eq!(answers[0].1.outcome, Outcome::Written);
    assert_eq!(answers[1].1.outcome, Outcome::Value(Some("v1".into())));
    let silence = leader.config().election_timeout_max_us;
    assert!(answers[0].0 >= FORMER_CONTACT + silence, "not before an election timeout of silence ({})", answers[0].0);
    assert!(answers[0].0 < LATE + silence, "silence counts from the last contact, not the term start ({})", answers[0].0);
}

/// A voter reported a commit index that covers p1: the former leader knew it committed, so
/// it answered it. The new leader does not answer it again, and the read need not wait.
#[test]
fn a_put_a_voter_knew_committed_is_not_answered_again() {
    let mut leader = elected(config(true), 1);
    let answers = read_k(&mut leader);
    assert_eq!(ids(&answers), ["g1"]);
    assert!(answers[0].0 < LATE + 1_000, "answered at once ({})", answers[0].0);
}

/// The same with chain answers on, where a read waits for the node a put names to report
/// that it has applied it: not for a former leader that the floor shows answered its put.
#[test]
fn a_read_does_not_wait_for_a_former_leader_known_to_have_answered() {
    let mut c = config(true);
    c.chain_answers = true;
    let mut leader = elected(c, 1);
    let answers = read_k(&mut leader);
    assert_eq!(ids(&answers), ["g1"]);
    assert!(answers[0].0 < LATE + 1_000, "answered at once ({})", answers[0].0);
}

/// What a follower learned in this term is no evidence (it may have learned it from the
/// new leader), what it knew when the term began is: nodes 2, 4 and 5 report commit index 1
/// with a prior commit index of 0, and p1 is still answered by the new leader; then node 5
/// reports a prior commit index of 1 (it had heard of p1's commit from node 3), and it is not.
#[test]
fn only_a_commit_index_from_before_the_term_shows_a_put_answered() {
    let ack = |prior_commit| Body::AppendEntriesReply { result: AppendResult::Success { match_index: 2 }, sent_at: LATE, via: None, commit_index: 2, prior_commit };
    let mut leader = elected(config(true), 0);
    let term = leader.term();
    for f in [2, 4, 5] {
        leader.receive(LATE + 2, Message { from: f, to: 1, term, body: ack(0) });
    }
    assert_eq!(ids(&read_k(&mut leader)), ["p1", "g1"]);

    let mut leader = elected(config(true), 0);
    leader.receive(LATE + 2, Message { from: 5, to: 1, term, body: ack(1) });
    assert_eq!(ids(&read_k(&mut leader)), ["g1"]);
}

/// Without the option the new leader never answers p1, and the read shows its value at once
/// although nobody may have told p1's client that it was written.
#[test]
fn without_the_option_nobody_answers_an_inherited_put() {
    let mut leader = elected(config(false), 0);
    let answers = read_k(&mut leader);
    assert_eq!(ids(&answers), ["g1"]);
    assert_eq!(answers[0].1.outcome, Outcome::Value(Some("v1".into())));
}

/// A relay chain's end commits an entry of its term as soon as it appends it (the leader,
/// the forwarder and itself are a majority of five, §5.4.2), with or without chain answers:
/// so by the time the leader hears of the commit from it, and answers, the chain's end knows
/// of it too, and would report it in a vote reply.
#[test]
fn a_chain_end_knows_of_a_commit_before_the_leader_does() {
    let mut end = new_node(3, 5, config(true));
    end.receive(LATE, append_msg(1, 3, 2, (0, 0), vec![Entry::new(2, Command::Noop)], 0));
    end.take_effects();
    let p1 = Entry::new(2, Command::Put { key: "k".into(), value: "v1".into() });
    let body = Body::AppendEntries {
        prev_log_index: 1,
        prev_log_term: 2,
        entries: vec![p1],
        leader_commit: 0,
        sent_at: LATE,
        relay: Relay::Forwarded { leader: 1, via_match: 2 },
    };
    end.receive(LATE + 1, Message { from: 2, to: 3, term: 2, body });
    assert_eq!(end.commit_index(), 2);
    let acks: Vec<Message> = sends(&end.take_effects());
    assert!(matches!(acks[..], [Message { to: 1, body: Body::AppendEntriesReply { commit_index: 2, .. }, .. }]), "{acks:?}");
}

/// A node reports its commit index as of the start of its term: the one it had when a vote
/// request brought it into the term, unchanged by what the new leader then tells it.
#[test]
fn a_node_reports_its_commit_index_from_when_its_term_began() {
    let mut c = config(true);
    c.fanout = Fanout::All;
    let mut f = new_node(3, 5, c);
    f.receive(LATE, append_msg(1, 3, 1, (0, 0), vec![entry(1, 1), entry(2, 1)], 2));
    assert_eq!(f.commit_index(), 2);
    f.take_effects();
    // After a minimum election timeout without the leader (check-quorum ignores votes before).
    let later = LATE + f.config().election_timeout_min_us;
    f.receive(later, vote_msg(2, 3, 2, (2, 1)));
    let vote = sends(&f.take_effects());
    assert!(matches!(vote[..], [Message { body: Body::RequestVoteReply { granted: true, prior_commit: 2 }, .. }]), "{vote:?}");
    f.receive(later + 10, append_msg(2, 3, 2, (2, 1), vec![entry(3, 2)], 3));
    assert_eq!(f.commit_index(), 3);
    let ack = sends(&f.take_effects());
    assert!(matches!(ack[..], [Message { body: Body::AppendEntriesReply { commit_index: 3, prior_commit: 2, .. }, .. }]), "{ack:?}");
}

/// Node 1, elected in term 3 by nodes 2 and 4, which report `voter_commit` as their commit
/// index when term 3 began. Its log holds put p1 of key k from term 1, which names node 3
/// (then a chain's end) to answer it, and the no-op of term 2, whose leader node 3 was
/// (node 1 last heard from it as its follower). Nodes 2 and 4 acknowledge the new no-op.
fn elected_after_the_answerer_led(voter_commit: Index) -> Node {
    let mut c = config(true);
    c.chain_answers = true;
    let mut log = RaftLog::default();
    let mut p1 = Entry::new(1, Command::Put { key: "k".into(), value: "v1".into() });
    p1.answerer = Some(Answerer { node: 3, client: "c".into(), id: "p1".into() });
    log.append(p1);
    log.append(Entry::new(2, Command::Noop));
    let state = PersistentState { term: 2, voted_for: None, log };
    let mut leader = Node::restart(1, peers_of(1, 5), c, SEED, 0, state).expect("valid config");
    leader.receive(FORMER_CONTACT, append_msg(3, 1, 2, (2, 2), vec![], 0));
    leader.timeout_now(LATE);
    let term = leader.term();
    for voter in [2, 4] {
        let body = Body::RequestVoteReply { granted: true, prior_commit: voter_commit };
        leader.receive(LATE, Message { from: voter, to: 1, term, body });
    }
    assert!(leader.is_leader());
    for f in [2, 4] {
        let body = Body::AppendEntriesReply { result: AppendResult::Success { match_index: 3 }, sent_at: LATE, via: None, commit_index: voter_commit, prior_commit: voter_commit };
        leader.receive(LATE + 1, Message { from: f, to: 1, term, body });
    }
    assert_eq!(leader.commit_index(), 3);
    leader.take_effects();
    leader
}

/// The former leader, node 3, committed an entry of its own term (the floor covers its
/// no-op), so it had applied, and answered, the put of an earlier term that it was named to
/// answer as a chain's end: a read of its key does not wait for it. Were the floor to cover
/// only p1, node 3 might never have applied p1 (another leader committed it), and the read
/// waits for node 3 to report it, until node 3 has been silent for an election timeout.
#[test]
fn a_read_does_not_wait_for_a_former_leader_that_committed_in_its_own_term() {
    let mut leader = elected_after_the_answerer_led(2);
    let answers = read_k(&mut leader);
    assert_eq!(ids(&answers), ["g1"]);
    assert!(answers[0].0 < LATE + 1_000, "answered at once ({})", answers[0].0);

    let mut leader = elected_after_the_answerer_led(1);
    let answers = read_k(&mut leader);
    assert_eq!(ids(&answers), ["g1"]);
    assert!(answers[0].0 >= LATE + leader.config().election_timeout_max_us, "it waits ({})", answers[0].0);
}
