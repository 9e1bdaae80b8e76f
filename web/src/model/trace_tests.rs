use super::spacetime::{Diagram, Item, MarkKind, StrokeKind, Window, LANE, MAX_STROKES};
use super::node_view::RoleGlyph;
use super::trace_ring::{TraceRing, RECENT};
use super::trace_run::{Target, TraceRun};
use kvtrace::{Datagram, Fate, Fault, FaultKind, Finding, FindingKind, Line, Request, Run, ScheduledFault};
use serde_json::json;

fn msg(t: f64, from: usize, dst: &str, kind: &str, leader: &str, fate: Fate) -> Line {
    let src = format!("{from:04X}");
    // As kvsim counts: a broadcast once per other replica (of three), an answer not at all.
    let counted = if fate == Fate::Client { 0 } else if dst == "FFFF" { 2 } else { 1 };
    Line::Msg(Datagram { t, from, fate, counted, raw: json!({"src": src, "dst": dst, "leader": leader, "type": kind, "term": 3}) })
}

/// Three replicas: 0000 leads until it is killed at 7 s, 0001 after; a request to 0000 at
/// 6.9 s is never answered; a partition from 3 to 4 s cuts one heartbeat.
fn trace() -> String {
    let lines = vec![
        Line::Run(Run {
            t: 0.0,
            format: kvtrace::FORMAT,
            config: "advanced-9".into(),
            replicas: vec!["0000".into(), "0001".into(), "0002".into()],
            clients: vec!["0013".into()],
            seed: 4,
            drops: 0.0,
            start_wait: 5.0,
            lifetime: 4.0,
            end: 11.0,
            faults: vec![ScheduledFault { kind: FaultKind::KillLeader, time: 2.0 }],
        }),
        msg(1.0, 0, "FFFF", "hb", "0000", Fate::Delivered),
        msg(1.1, 1, "0000", "hbr", "0000", Fate::Delivered),
        Line::Fault(Fault { t: 3.0, kind: FaultKind::PartEasy, replicas: vec!["0000".into(), "0001".into()] }),
        msg(3.5, 0, "0002", "hb", "0000", Fate::Cut),
        Line::Fault(Fault { t: 4.0, kind: FaultKind::PartEnd, replicas: vec![] }),
        Line::Request(Request { t: 5.0, to: 0, due: Some(5.0), raw: json!({"src": "0013", "type": "put", "MID": "m1", "key": "k"}) }),
        msg(5.001, 0, "0001", "append", "0000", Fate::Delivered),
        Line::Msg(Datagram { t: 5.002, from: 0, fate: Fate::Client, counted: 0, raw: json!({"src": "0000", "dst": "0013", "leader": "0000", "type": "ok", "MID": "m1"}) }),
        Line::Request(Request { t: 6.9, to: 0, due: Some(6.9), raw: json!({"src": "0013", "type": "put", "MID": "m2", "key": "k"}) }),
        Line::Fault(Fault { t: 7.0, kind: FaultKind::KillLeader, replicas: vec!["0000".into()] }),
        msg(8.0, 1, "FFFF", "hb", "0001", Fate::Mixed),
        Line::Finding(Finding { t: 6.9, kind: FindingKind::Unanswered, mid: Some("m2".into()), client: Some("0013".into()), key: Some("k".into()), detail: "put of k sent to 0000, which was killed".into() }),
    ];
    lines.iter().map(|l| kvtrace::to_line(l) + "\n").collect()
}

#[test]
fn a_trace_reads_into_datagrams_requests_faults_and_findings() {
    let run = TraceRun::parse(&trace()).unwrap();
    assert_eq!((run.config.as_str(), run.seed, run.replicas.len(), run.end), ("advanced-9", Some(4), 3, 11.0));
    assert_eq!(run.msgs.len(), 6);
    assert_eq!(run.msgs[0].to, Target::Everyone);
    assert_eq!(run.msgs[1].to, Target::Replica(0));
    assert_eq!(run.msgs[4].to, Target::Client);
    assert_eq!((run.msgs[0].term, run.msgs[0].leader.as_deref()), (Some(3), Some("0000")));
    assert_eq!(run.requests.iter().map(|r| r.mid.as_deref()).collect::<Vec<_>>(), [Some("m1"), Some("m2")]);
    assert_eq!(run.findings.len(), 1);
    assert!(run.errors.is_empty());
}

#[test]
fn a_moment_shows_claims_deaths_and_partitions() {
    let run = TraceRun::parse(&trace()).unwrap();
    assert_eq!(run.claims_at(0.5), vec![None, None, None], "nothing sent yet");
    assert_eq!(run.claims_at(2.0), vec![Some("0000".into()), Some("0000".into()), None]);
    assert_eq!(run.claims_at(9.0)[1].as_deref(), Some("0001"));
    assert_eq!(run.dead_at(6.99), vec![false; 3]);
    assert_eq!(run.dead_at(7.0), vec![true, false, false]);
    assert_eq!(run.partition_at(3.5), Some(vec![0, 1]));
    assert_eq!(run.partition_at(4.0), None);
    // A claim lasts until the replica says otherwise, or dies, or the run ends.
    assert_eq!(run.self_claims()[0], vec![(1.0, 7.0)]);
    assert_eq!(run.self_claims()[1], vec![(8.0, 11.0)]);
    assert_eq!(run.claims_at(7.5)[0].as_deref(), Some("0000"), "what it said last");
    assert_eq!(run.last_sent(0, 5.0015).map(|m| m.kind.as_str()), Some("append"));
    assert_eq!(run.last_sent(2, 10.0), None);
    let counts = run.counts();
    assert_eq!(counts["hb"], vec![3, 2, 0]);
    assert!(!counts.contains_key("ok"), "answers to clients are not counted");
}

#[test]
fn the_diagram_draws_each_copy_and_follows_a_request() {
    let run = TraceRun::parse(&trace()).unwrap();
    let all = Diagram::of(&run, Window { from: 0.0, to: 11.0 }, "m2");
    assert_eq!(all.lanes, ["0000", "0001", "0002", "clients"]);
    // The broadcast at 1 s: one stroke to each other replica; the mixed one at 8 s too.
    let at = |t: f64| all.strokes.iter().filter(|s| (s.x1 - all.window.x(t)).abs() < 1e-9).count();
    assert_eq!((at(1.0), at(8.0)), (2, 2));
    let cut = all.strokes.iter().find(|s| s.kind == StrokeKind::Lost).unwrap();
    assert!(cut.y2 < 2.5 * LANE && cut.y2 > 0.5 * LANE, "a lost datagram ends half way");
    let answer = all.strokes.iter().find(|s| s.kind == StrokeKind::Answer).unwrap();
    assert_eq!(answer.y2, 3.5 * LANE, "answers go to the clients' lane");
    // Following m2: only its request, drawn last.
    let followed: Vec<_> = all.strokes.iter().filter(|s| s.followed).collect();
    assert_eq!(followed.len(), 1);
    assert_eq!(followed[0].item, Item::Request(1));
    assert!(all.strokes.last().unwrap().followed);
    assert!(all.marks.iter().any(|m| m.kind == MarkKind::Finding(FindingKind::Unanswered) && m.label == "m2" && m.finding == Some(0)));
    assert!(all.marks.iter().any(|m| m.kind == MarkKind::Kill));
    assert_eq!(all.dead, vec![(0, all.window.x(7.0))]);
    // A narrow window holds only what happened in it.
    let narrow = Diagram::of(&run, Window::around(5.0, 0.1, run.end), "");
    assert_eq!(narrow.strokes.len(), 3, "the request, the append, the answer");
    assert!(narrow.marks.is_empty());
    assert_eq!(narrow.claims.len(), 1, "0000 claims across the window");
}

#[test]
fn a_window_stays_inside_the_run() {
    assert_eq!(Window::around(0.5, 2.0, 30.0), Window { from: 0.0, to: 2.0 });
    assert_eq!(Window::around(29.5, 2.0, 30.0), Window { from: 28.0, to: 30.0 });
    assert_eq!(Window::around(10.0, 60.0, 30.0), Window { from: 0.0, to: 30.0 });
}

#[test]
fn a_crowded_window_draws_at_most_its_share_and_says_so() {
    let mut lines: Vec<String> = (0..MAX_STROKES + 10).map(|i| kvtrace::to_line(&msg(i as f64 * 1e-4, 0, "0001", "hb", "0000", Fate::Delivered))).collect();
    lines.push(kvtrace::to_line(&msg(0.5, 1, "0000", "hbr", "0000", Fate::Delivered)));
    let run = TraceRun::parse(&lines.join("\n")).unwrap();
    assert_eq!(run.replicas, ["0000", "0001"], "named by what they sent");
    let d = Diagram::of(&run, Window { from: 0.0, to: 1.0 }, "");
    assert_eq!((d.strokes.len(), d.left_out), (MAX_STROKES, 11));
    // Evenly: the last stroke of the window is still drawn.
    assert!(d.strokes.iter().any(|s| s.item == Item::Msg(run.msgs.len() - 1)));
}

#[test]
fn bad_lines_are_named_and_an_empty_trace_is_refused() {
    let text = format!("{{oops\n{}", trace());
    let run = TraceRun::parse(&text).unwrap();
    assert_eq!(run.errors.len(), 1);
    assert_eq!(run.errors[0].line, 1);
    assert_eq!(TraceRun::parse("").unwrap_err(), vec![]);
    let errors = TraceRun::parse("not a trace\n").unwrap_err();
    assert_eq!(errors[0].line, 1);
}

#[test]
fn each_request_has_its_first_answer_and_its_latency() {
    let run = TraceRun::parse(&trace()).unwrap();
    let l = run.latencies();
    assert_eq!(l.len(), 2);
    let (kind, took) = l[0].answer.clone().unwrap();
    assert_eq!(kind, "ok");
    assert!((took - 0.002).abs() < 1e-9, "{took}");
    assert_eq!(l[1].answer, None, "m2 was never answered");
    let by_sender = run.counts_over_time(1.0, true);
    assert_eq!(by_sender.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["0000", "0001"]);
    assert_eq!(by_sender[1].1[1], 1, "0001's reply in second 1");
    let bins = run.counts_over_time(1.0, false);
    let hb = &bins.iter().find(|(k, _)| k == "hb").unwrap().1;
    assert_eq!(hb.len(), 11);
    assert_eq!((hb[1], hb[3], hb[8]), (2, 1, 2), "a broadcast counts once per copy");
    assert!(bins.iter().all(|(k, _)| k != "ok"), "answers are not counted");
}

#[test]
fn a_line_that_names_a_replica_the_run_does_not_have_is_an_error_not_a_lane() {
    let mut text = trace();
    text.push_str(&kvtrace::to_line(&msg(2.0, 7, "0000", "hb", "0007", Fate::Delivered)));
    text.push('\n');
    text.push_str(r#"{"ev":"request","t":2.0,"to":3000000,"raw":{}}"#);
    text.push_str("\n{\"ev\":\"msg\",\"t\":-1,\"from\":0,\"fate\":\"delivered\",\"counted\":1,\"raw\":{}}\n");
    let run = TraceRun::parse(&text).unwrap();
    assert_eq!(run.replicas.len(), 3);
    let lines = text.lines().count();
    let errors: Vec<_> = run.errors.iter().map(|e| (e.line, e.reason.clone())).collect();
    assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [lines - 2, lines - 1, lines]);
    assert!(errors[0].1.contains("sender 7"), "{errors:?}");
    assert!(errors[2].1.contains("-1"), "{errors:?}");
    // Without a run line, replicas are named by what they sent, within reason.
    let bare = [r#"{"ev":"msg","t":1,"from":1,"fate":"delivered","counted":1,"raw":{"dst":"0000"}}"#, r#"{"ev":"msg","t":1,"from":3000000,"fate":"delivered","counted":1,"raw":{}}"#].join("\n");
    let run = TraceRun::parse(&bare).unwrap();
    assert_eq!(run.replicas, ["0000", "0001"]);
    assert_eq!(run.errors.len(), 1);
    // A run whose replicas never sent anything still shows its verdict.
    let quiet = kvtrace::to_line(&Line::Verdict(kvtrace::Verdict { t: 9.0, passed: false, checks: vec![], scores: vec![] }));
    assert!(TraceRun::parse(&quiet).unwrap().verdict.is_some());
}

#[test]
fn the_ring_shows_claimed_roles_and_what_was_just_sent() {
    let run = TraceRun::parse(&trace()).unwrap();
    let at = TraceRing::at(&run, 1.0 + RECENT / 2.0, "");
    let roles: Vec<_> = at.nodes.iter().map(|n| n.role).collect();
    assert_eq!(roles, [RoleGlyph::Leader, RoleGlyph::Follower, RoleGlyph::Follower]);
    assert_eq!(at.lines.len(), 2, "the heartbeat broadcast: a line to each other replica");
    assert!(at.lines.iter().all(|l| !l.lost && (l.freshness - 0.5).abs() < 1e-9));
    // During the partition, the cut heartbeat stops half way; the replica outside is cut off.
    let cut = TraceRing::at(&run, 3.5, "");
    assert!(cut.nodes[2].cut_off && !cut.nodes[0].cut_off);
    assert!(cut.lines[0].lost);
    // After the kill: 0000 is down, and nothing older than RECENT is drawn.
    let later = TraceRing::at(&run, 7.5, "");
    assert_eq!(later.nodes[0].role, RoleGlyph::Crashed);
    assert!(later.lines.is_empty());
}

#[test]
fn the_simulation_draws_as_a_trace_with_real_delays() {
    use super::sim_trace::sim_trace;
    use raft_core::sim::{Sim, SimConfig};
    let mut sim = Sim::new(SimConfig::teaching(7)).unwrap();
    sim.run_until(2_000_000);
    let leader = sim.leader().unwrap();
    let run = sim_trace(&sim, 1_000_000, 2_000_000);
    assert_eq!(run.replicas, ["S1", "S2", "S3", "S4", "S5"]);
    assert!(!run.msgs.is_empty());
    assert!(run.msgs.iter().all(|m| (1.0..=2.0).contains(&m.t)));
    // A message that arrived took time to.
    let delivered: Vec<_> = run.msgs.iter().filter(|m| m.fate == Fate::Delivered && m.arrives.is_some()).collect();
    assert!(!delivered.is_empty());
    assert!(delivered.iter().all(|m| m.arrives.unwrap() > m.t));
    // The leader's messages name it: the band along its lane.
    let lane = leader as usize - 1;
    assert_eq!(run.claims_at(2.0)[lane].as_deref(), Some(format!("S{leader}").as_str()));
    assert!(!run.self_claims()[lane].is_empty());
    // Its strokes end where the message arrived.
    let d = Diagram::of(&run, Window { from: 1.0, to: 2.0 }, "");
    let m = delivered[0];
    let s = d.strokes.iter().find(|s| matches!(s.item, Item::Msg(i) if run.msgs[i].t == m.t && run.msgs[i].from == m.from)).unwrap();
    assert!((s.x2 - d.window.x(m.arrives.unwrap())).abs() < 1e-6);
}
