//! The view model against real runs of the simulator.

use super::feed::Category;
use super::geometry::ring;
use super::log_view::log_columns;
use super::message_view::GlyphKind;
use super::node_view::RoleGlyph;
use super::tracker::{Fate, Tracker};
use super::*;
use raft_core::sim::{DropReason, Intervention, SimConfig, SimEventKind};
use raft_core::Op;

const SEED: u64 = 7;

fn sim() -> Sim {
    Sim::new(SimConfig::teaching(SEED)).unwrap()
}

/// Advances for `for_us` in frame-sized steps, observing like the app does, until `done` or a deadline.
fn run(sim: &mut Sim, tracker: &mut Tracker, for_us: Time, mut done: impl FnMut(&Sim) -> bool) -> bool {
    let ring = ring(sim.node_count());
    let until = sim.now() + for_us;
    while sim.now() < until {
        let next = sim.now() + 16_000;
        sim.run_until(next);
        tracker.observe(sim, &ring);
        if done(sim) {
            return true;
        }
    }
    false
}

fn elect(sim: &mut Sim, tracker: &mut Tracker) -> NodeId {
    assert!(run(sim, tracker, 5_000_000, |s| s.leader().is_some()), "no leader within 5 s (seed {SEED})");
    sim.leader().unwrap()
}

#[test]
fn a_fresh_cluster_is_five_followers_on_a_ring_with_draining_timers() {
    let sim = sim();
    let view = ClusterView::build(&sim, &Tracker::new());
    assert_eq!(view.nodes.len(), 5);
    for n in &view.nodes {
        assert_eq!(n.role, RoleGlyph::Follower);
        assert_eq!(n.term, 0);
        let t = n.timer.expect("followers have an election timer");
        // Timeouts are drawn from [min, max]: the ring starts between half and full.
        assert!((0.49..=1.0).contains(&t), "timer {t}");
    }
    assert_eq!(status_text(&view), "No leader");
    let ids: Vec<_> = view.nodes.iter().map(|n| n.id).collect();
    assert_eq!(ids, vec![1, 2, 3, 4, 5]);
}

#[test]
fn an_election_shows_one_leader_in_the_status_and_the_feed() {
    let (mut sim, mut tracker) = (sim(), Tracker::new());
    let leader = elect(&mut sim, &mut tracker);
    let view = ClusterView::build(&sim, &tracker);
    let leaders: Vec<_> = view.nodes.iter().filter(|n| n.role == RoleGlyph::Leader).collect();
    assert_eq!(leaders.len(), 1);
    assert_eq!(leaders[0].id, leader);
    assert_eq!(leaders[0].timer, None, "a leader has no election timer");
    assert!(status_text(&view).starts_with(&format!("Leader: node {leader} (term ")));
    let won = tracker.feed.iter().find(|l| l.text.contains("is the leader of term")).expect("a feed line");
    assert_eq!(won.category, Category::Election);
    assert!(won.text.contains("a majority ("), "{}", won.text);
    assert!(tracker.feed.iter().any(|l| l.text.contains("timed out in term 0")));
}

#[test]
fn glyphs_tell_votes_from_appends_and_heartbeats_from_entries() {
    let (mut sim, mut tracker) = (sim(), Tracker::new());
    let mut kinds = std::collections::BTreeSet::new();
    let ring = ring(5);
    while sim.now() < 3_000_000 {
        sim.run_until(sim.now() + 5_000);
        tracker.observe(&sim, &ring);
        for m in ClusterView::build(&sim, &tracker).messages {
            assert!((0.0..=1.0).contains(&m.progress));
            assert!(m.label.starts_with(&format!("#{} {} → {}", m.id, m.from, m.to)), "{}", m.label);
            kinds.insert(m.kind.name());
            if let GlyphKind::AppendEntries(n) = m.kind {
                assert!(n > 0);
            }
        }
    }
    for k in ["pre-vote", "pre-vote-granted", "request-vote", "vote-granted", "heartbeat", "append-entries", "append-ok"] {
        assert!(kinds.contains(k), "never saw a {k} glyph; saw {kinds:?}");
    }
    assert!(GlyphKind::VoteDenied.is_negative() && GlyphKind::VoteDenied.is_vote());
    assert!(!GlyphKind::Heartbeat.is_vote() && !GlyphKind::Heartbeat.is_reply());
}

#[test]
fn a_dropped_message_leaves_a_mark_and_is_never_delivered() {
    let (mut sim, mut tracker) = (sim(), Tracker::new());
    elect(&mut sim, &mut tracker);
    run(&mut sim, &mut tracker, 1_000_000, |s| s.in_flight().iter().any(|m| m.progress(s.now()) > 0.2));
    let victim = sim.in_flight().iter().find(|m| m.progress(sim.now()) > 0.2).unwrap().clone();
    let fields = message_view::fields(&victim, Some(sim.now()));
    assert!(fields.iter().any(|(k, v)| k == "term" && *v == victim.message.term.to_string()));
    assert!(fields.iter().any(|(k, _)| k == "progress"));
    let gone = message_view::fields(&victim, None);
    assert!(gone.iter().all(|(k, _)| k != "progress"), "a message no longer in flight shows no progress");
    assert!(gone.iter().any(|(k, _)| k == "was due at"));

    sim.intervene(Intervention::DropMessage { id: victim.id });
    tracker.observe(&sim, &ring(5));
    let view = ClusterView::build(&sim, &tracker);
    assert!(view.messages.iter().all(|m| m.id != victim.id), "still drawn in flight");
    let mark = view.drops.iter().find(|d| d.id == victim.id).expect("a drop mark");
    assert!(mark.by_user());
    // The mark sits part-way, where the message was, not at either node.
    let ring = ring(5);
    let (a, b) = (ring[victim.message.from as usize - 1], ring[victim.message.to as usize - 1]);
    let d = |p: Point, q: Point| ((p.x - q.x).powi(2) + (p.y - q.y).powi(2)).sqrt();
    assert!(d(mark.pos, a) > geometry::NODE_RADIUS && d(mark.pos, b) > geometry::NODE_RADIUS);
    assert!(matches!(tracker.fate_of(victim.id), Some(Fate::Dropped { reason: DropReason::Intervention, .. })));
    assert!(tracker.feed.iter().any(|l| l.category == Category::You && l.text.contains("you dropped")));

    run(&mut sim, &mut tracker, tracker::USER_DROP_MARK_US + 100_000, |_| false);
    assert!(matches!(tracker.fate_of(victim.id), Some(Fate::Dropped { .. })), "delivered after all");
    assert!(tracker.drops.iter().all(|d| d.id != victim.id), "marks fade after a while");
}

#[test]
fn killing_the_leader_shows_it_crashed_and_another_takes_over() {
    let (mut sim, mut tracker) = (sim(), Tracker::new());
    let old = elect(&mut sim, &mut tracker);
    let term = sim.node(old).unwrap().term();
    sim.intervene(Intervention::Crash { node: old });
    tracker.observe(&sim, &ring(5));
    let view = ClusterView::build(&sim, &tracker);
    let crashed = view.node(old).unwrap();
    assert_eq!(crashed.role, RoleGlyph::Crashed);
    assert_eq!(crashed.term, term, "a crashed node keeps its term on disk");
    assert!(run(&mut sim, &mut tracker, 5_000_000, |s| s.leader().is_some_and(|l| l != old)));
    let view = ClusterView::build(&sim, &tracker);
    assert!(status_text(&view).ends_with("· 1 crashed"), "{}", status_text(&view));
    assert!(tracker.feed.iter().any(|l| l.text == format!("you crash node {old}")));
    // Its log stays visible, but nothing in it counts as committed until it is back.
    let col = &log_columns(&sim, 50)[old as usize - 1];
    assert!(col.rows.iter().all(|r| !r.committed) && col.kv.is_empty());
    sim.intervene(Intervention::Restart { node: old });
    assert!(run(&mut sim, &mut tracker, 3_000_000, |s| s.node(old).is_some_and(|n| n.commit_index() > 0)));
}

#[test]
fn a_users_put_is_followed_through_redirects_to_a_majority_of_kv_views() {
    let (mut sim, mut tracker) = (sim(), Tracker::new());
    let leader = elect(&mut sim, &mut tracker);
    let follower = (1..=5).find(|&n| n != leader).unwrap();
    let op = Op::Put { key: "color".into(), value: "teal".into() };
    sim.intervene(Intervention::Request { node: follower, op: op.clone() });
    let has = |s: &Sim| {
        log_columns(s, 20).iter().filter(|c| c.kv.iter().any(|(k, v)| k == "color" && v == "teal")).count()
    };
    assert!(run(&mut sim, &mut tracker, 3_000_000, |s| has(s) >= 3));
    run(&mut sim, &mut tracker, 500_000, |_| false);
    let req = tracker.requests.list.iter().find(|r| r.op == op).expect("the request is listed");
    assert_eq!(req.hops.first().map(|h| h.0), Some(follower));
    assert_eq!(req.hops.first().map(|h| h.1.clone()), Some(format!("redirect to {leader}")));
    assert_eq!(req.hops.last().map(|h| h.0), Some(leader));
    assert_eq!(req.done.as_deref(), Some("committed"));
    assert!(tracker.feed.iter().any(|l| l.text.contains(&format!("not the leader, ask node {leader}"))));
    assert!(tracker
        .feed
        .iter()
        .any(|l| l.category == Category::Replication && l.text.contains("committed: a majority (")));
}

#[test]
fn logs_mark_committed_entries_and_the_leader_tracks_each_follower() {
    let (mut sim, mut tracker) = (sim(), Tracker::new());
    let leader = elect(&mut sim, &mut tracker);
    run(&mut sim, &mut tracker, 3_000_000, |_| false);
    let cols = log_columns(&sim, 6);
    let lead = &cols[leader as usize - 1];
    assert_eq!(lead.role, RoleGlyph::Leader);
    assert_eq!(lead.progress.len(), 4);
    assert!(lead.progress.iter().all(|p| p.match_index < p.next_index));
    for col in &cols {
        assert!(col.rows.len() <= 6);
        assert_eq!(col.hidden + col.rows.len(), col.last_index as usize);
        for r in &col.rows {
            assert_eq!(r.committed, r.index <= col.commit_index);
        }
    }
    assert!(lead.rows.iter().any(|r| r.command.contains('=')), "the workload's puts show as key=value");
}

#[test]
fn the_tracker_survives_the_event_log_being_trimmed() {
    let mut config = SimConfig::teaching(SEED);
    config.max_events = 50;
    let mut sim = Sim::new(config).unwrap();
    let mut tracker = Tracker::new();
    let leader = elect(&mut sim, &mut tracker);
    assert!(sim.events_discarded() > 0);
    assert!(tracker.feed.iter().any(|l| l.text.contains(&format!("node {leader} is the leader"))));
    assert!(tracker.feed.len() <= tracker::FEED_LINES);
}

#[test]
fn timing_out_a_follower_on_purpose_starts_an_election() {
    let (mut sim, mut tracker) = (sim(), Tracker::new());
    let leader = elect(&mut sim, &mut tracker);
    let other = (1..=5).find(|&n| n != leader).unwrap();
    sim.intervene(Intervention::Timeout { node: other });
    tracker.observe(&sim, &ring(5));
    assert!(tracker.feed.iter().any(|l| l.text == format!("you make node {other}'s election timer fire now")));
    let view = ClusterView::build(&sim, &tracker);
    // With pre-vote and a live leader, the others refuse: the node is a pre-candidate.
    let n = view.node(other).unwrap();
    assert_eq!(n.role, RoleGlyph::PreCandidate);
    assert_eq!(n.votes, vec![other]);
    assert!(n.label().contains("1 of 3 votes"), "{}", n.label());
}

#[test]
fn without_pre_vote_a_timeout_asks_for_votes_in_plain_words() {
    let mut config = SimConfig::teaching(SEED);
    config.raft.pre_vote = false;
    let mut sim = Sim::new(config).unwrap();
    let mut tracker = Tracker::new();
    elect(&mut sim, &mut tracker);
    let line = tracker.feed.iter().find(|l| l.text.contains("timed out")).unwrap();
    assert!(line.text.ends_with("timed out in term 0 and asks for votes"), "{}", line.text);
    assert!(tracker.feed.iter().any(|l| l.text.contains("becomes a candidate for term 1")));
}

#[test]
fn a_partition_is_drawn_once_per_link_and_narrated() {
    let (mut sim, mut tracker) = (sim(), Tracker::new());
    sim.intervene(Intervention::Partition { groups: vec![vec![2]] });
    tracker.observe(&sim, &ring(5));
    let view = ClusterView::build(&sim, &tracker);
    assert_eq!(view.cut_links.len(), 8, "both directions of four links");
    assert_eq!(cut_pairs(&view.cut_links), vec![(1, 2), (2, 3), (2, 4), (2, 5)]);
    assert!(tracker.feed.iter().any(|l| l.text == "you cut node 2 off from the others"));
    sim.intervene(Intervention::Heal);
    assert!(ClusterView::build(&sim, &tracker).cut_links.is_empty());
}

/// A cut link loses every message: the feed tells the first loss on each link, not each one.
#[test]
fn the_feed_tells_one_loss_per_cut_link() {
    let (mut sim, mut tracker) = (sim(), Tracker::new());
    let leader = elect(&mut sim, &mut tracker);
    let cut_losses = |t: &Tracker| t.feed.iter().filter(|l| l.text.contains("lost on a cut link")).count();
    sim.intervene(Intervention::Partition { groups: vec![vec![leader]] });
    run(&mut sim, &mut tracker, 3_000_000, |_| false);
    let lost = sim.events().iter().filter(|e| matches!(e.kind, SimEventKind::Dropped { reason: DropReason::Cut, .. })).count();
    let told = cut_losses(&tracker);
    assert!(lost > 20, "only {lost} messages were lost on the cut");
    assert!((1..=8).contains(&told), "{told} lines for {lost} losses on 8 cut links");
    // Once the network changes, a loss on a cut link is news again.
    sim.intervene(Intervention::Heal);
    sim.intervene(Intervention::Partition { groups: vec![vec![leader]] });
    run(&mut sim, &mut tracker, 1_000_000, |_| false);
    assert!(cut_losses(&tracker) > told);
}

#[test]
fn quorum_fanout_sends_a_put_to_fewer_followers_at_once() {
    let mut config = SimConfig::teaching(SEED);
    config.raft.fanout = raft_core::Fanout::Quorum;
    config.clients.count = 0;
    let mut sim = Sim::new(config).unwrap();
    let mut tracker = Tracker::default();
    let ring = ring(5);
    // A new leader announces itself, with its no-op, to every follower: wait for that to commit.
    let committed = |s: &Sim| s.leader().and_then(|l| s.node(l)).is_some_and(|n| n.commit_index() >= 1);
    run(&mut sim, &mut tracker, 10_000_000, committed);
    run(&mut sim, &mut tracker, 100_000, |_| false);
    let leader = sim.leader().unwrap();
    sim.intervene(Intervention::Request { node: leader, op: raft_core::Op::Put { key: "x".into(), value: "1".into() } });
    let carries_entries = |m: &message_view::MessageView| m.from == leader && m.label.contains("AppendEntries,");
    let mut carriers = 0;
    for _ in 0..200 {
        let now = sim.now();
        sim.run_until(now + 1_000);
        carriers = message_view::message_views(&sim, &ring).iter().filter(|m| carries_entries(m)).count();
        if carriers > 0 {
            break;
        }
    }
    assert_eq!(carriers, 2, "two followers make a majority of five with the leader");
}
