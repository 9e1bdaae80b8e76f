use super::*;
use serde_json::json;

fn run_line() -> Line {
    Line::Run(Run {
        t: 0.0,
        format: FORMAT,
        config: "advanced-1".into(),
        replicas: vec!["0000".into(), "0001".into(), "0002".into()],
        clients: vec!["0013".into()],
        seed: 7,
        drops: 0.1,
        start_wait: 5.0,
        lifetime: 30.0,
        end: 32.0,
        faults: vec![ScheduledFault { kind: FaultKind::KillLeader, time: 20.0 }],
    })
}

fn every_kind() -> Vec<Line> {
    vec![
        run_line(),
        Line::Msg(Datagram {
            t: 1.5,
            from: 1,
            fate: Fate::Dropped,
            counted: 1,
            raw: json!({"src": "0001", "dst": "0000", "leader": "FFFF", "type": "vote", "term": 2}),
        }),
        Line::Msg(Datagram { t: 1.6, from: 0, fate: Fate::Mixed, counted: 2, raw: json!("not json {") }),
        Line::Request(Request { t: 5.0, to: 2, due: Some(5.0), raw: json!({"type": "put", "MID": "m1"}) }),
        Line::Request(Request { t: 5.1, to: 0, due: None, raw: json!({"type": "put", "MID": "m2"}) }),
        Line::Fault(Fault { t: 20.0, kind: FaultKind::KillLeader, replicas: vec!["0000".into()] }),
        Line::Event(Note { t: 20.0, what: "kill_leader: killed 0000".into() }),
        Line::Finding(Finding {
            t: 5.1,
            kind: FindingKind::Unanswered,
            mid: Some("m2".into()),
            client: Some("0013".into()),
            key: Some("k".into()),
            detail: "put of k sent to 0000, which was killed".into(),
        }),
        Line::Finding(Finding { t: 9.0, kind: FindingKind::Incorrect, mid: None, client: None, key: None, detail: "?".into() }),
        Line::Verdict(Verdict {
            t: 32.0,
            passed: false,
            checks: vec![Check { number: 1, name: "no incorrect responses".into(), passed: false, detail: "1".into() }],
            scores: vec![Score { metric: "total_msgs".into(), value: Some(3.0), tiers: [1.0, 2.0, 4.0], tier: None }],
        }),
    ]
}

#[test]
fn every_kind_of_line_reads_back_as_written() {
    let text: String = every_kind().iter().map(|l| to_line(l) + "\n").collect();
    let parsed = parse(&text);
    assert_eq!(parsed.errors, vec![]);
    assert_eq!(parsed.lines().cloned().collect::<Vec<_>>(), every_kind());
    assert_eq!(parsed.lines.iter().map(|(n, _)| *n).collect::<Vec<_>>(), (1..=every_kind().len()).collect::<Vec<_>>());
    assert_eq!(parsed.lines[3].1.t(), 5.0);
}

#[test]
fn a_bad_line_is_named_and_the_rest_are_read() {
    let good: Vec<String> = every_kind().iter().map(to_line).collect();
    let text = [
        good[0].as_str(),
        "{\"ev\": \"msg\", \"t\": 1.5",
        "",
        "[1, 2]",
        good[1].as_str(),
        "{\"t\": 3}",
        "{\"ev\": \"gossip\", \"t\": 3}",
        "{\"ev\": \"msg\", \"t\": 3, \"from\": 0, \"fate\": \"lost\", \"counted\": 1, \"raw\": {}}",
        "{\"ev\": \"request\", \"to\": 0, \"raw\": {}}",
        good[5].as_str(),
    ]
    .join("\n");
    let parsed = parse(&text);
    assert_eq!(parsed.lines, vec![(1, every_kind()[0].clone()), (5, every_kind()[1].clone()), (10, every_kind()[5].clone())]);
    let errors: Vec<(usize, &str)> = parsed.errors.iter().map(|e| (e.line, e.reason.as_str())).collect();
    assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), vec![2, 4, 6, 7, 8, 9]);
    assert!(errors[0].1.starts_with("not JSON"), "{}", errors[0].1);
    assert_eq!(errors[1].1, "not a JSON object");
    assert_eq!(errors[2].1, "no `ev` field");
    assert!(errors[3].1.contains("\"gossip\"") && errors[3].1.contains("msg"), "{}", errors[3].1);
    assert!(errors[4].1.contains("lost"), "{}", errors[4].1);
    assert!(errors[5].1.contains("`t`"), "{}", errors[5].1);
    assert_eq!(parsed.errors[0].to_string(), format!("line 2: {}", errors[0].1));
}

#[test]
fn a_trace_from_a_newer_kvsim_says_so() {
    let Line::Run(mut run) = run_line() else { unreachable!() };
    run.format = FORMAT + 1;
    let parsed = parse(&to_line(&Line::Run(run)));
    assert_eq!(parsed.lines, vec![]);
    assert!(parsed.errors[0].reason.contains("newer kvsim"), "{:?}", parsed.errors);
}

#[test]
fn a_trace_written_before_the_format_had_a_version_reads() {
    // No run line, no findings, no verdict: the lines kvsim wrote before.
    let old = r#"{"counted":1,"ev":"msg","fate":"delivered","from":0,"raw":{"dst":"0001","leader":"FFFF","src":"0000","t":1,"type":"pv"},"t":1.614292452}
{"due":5.0,"ev":"request","raw":{"MID":"DHfN","dst":"0004","key":"k","leader":"FFFF","src":"001A","type":"put","value":"v"},"t":5.077910656,"to":4}
{"ev":"event","t":10.045741497,"what":"part_hard: majority side 0000 0001 0004"}"#;
    let parsed = parse(old);
    assert_eq!(parsed.errors, vec![]);
    assert_eq!(parsed.lines.len(), 3);
    assert!(matches!(&parsed.lines[1].1, Line::Request(r) if r.due == Some(5.0) && r.to == 4));
}

#[test]
fn the_names_of_fates_and_faults_are_the_names_written() {
    use FaultKind::*;
    for kind in [KillLeader, KillNonLeader, PartEasy, PartHard, PartEnd] {
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.name());
    }
    for fate in [Fate::Delivered, Fate::Dropped, Fate::Cut, Fate::Dead, Fate::Client, Fate::Mixed, Fate::Nowhere] {
        assert_eq!(serde_json::to_value(fate).unwrap(), fate.name());
    }
}
