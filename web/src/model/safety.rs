//! Live safety checks: one badge per invariant the simulator checks after every step (green
//! until broken, then red with the moment it broke), and the client history as a small plot
//! with the linearizability checker's verdict on each operation.

use super::speed::format_time;
use raft_core::check::{OpKind, Operation, Report, Verdict};
use raft_core::sim::{Invariant, Violation};
use raft_core::Time;

#[derive(Clone, Debug, PartialEq)]
pub struct Badge {
    pub invariant: Invariant,
    pub name: &'static str,
    /// The first violation, if any: when, and what.
    pub broken: Option<(Time, String)>,
}

/// The four safety properties of the paper's Figure 3 first, then the simulator's extras.
pub fn badges(violations: &[Violation]) -> Vec<Badge> {
    Invariant::ALL
        .iter()
        .map(|&invariant| Badge {
            invariant,
            name: invariant.name(),
            broken: violations.iter().find(|v| v.invariant == invariant).map(|v| (v.at, v.detail.clone())),
        })
        .collect()
}

/// One operation drawn as a bar from its call to its return.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// Index into the history.
    pub op: usize,
    pub row: usize,
    /// Start and end within the window, from 0 to 1.
    pub x0: f64,
    pub x1: f64,
    pub label: String,
    pub verdict: Verdict,
    /// No answer (yet): the bar runs to the end of the window.
    pub pending: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HistoryPlot {
    pub from: Time,
    pub to: Time,
    pub rows: Vec<String>,
    pub bars: Vec<Bar>,
    pub verdict: Verdict,
    pub bad_keys: Vec<String>,
    pub ops: usize,
}

/// The history's operations that overlap `[from, to]`, one row per client. `names[c]` names
/// client `c` (the index the history records).
pub fn history_plot(history: &[Operation], report: &Report, names: &[String], from: Time, to: Time) -> HistoryPlot {
    let verdicts = report.op_verdicts(history.len());
    let span = to.saturating_sub(from).max(1) as f64;
    let x = |t: Time| (t.saturating_sub(from) as f64 / span).clamp(0.0, 1.0);
    let bars = history
        .iter()
        .enumerate()
        .filter(|(_, op)| op.call <= to && op.ret.is_none_or(|r| r >= from))
        .map(|(i, op)| Bar {
            op: i,
            row: op.client as usize,
            x0: x(op.call),
            x1: x(op.ret.unwrap_or(to)),
            label: op_label(op),
            verdict: verdicts[i],
            pending: op.ret.is_none(),
        })
        .collect();
    HistoryPlot {
        from,
        to,
        rows: names.to_vec(),
        bars,
        verdict: report.verdict,
        bad_keys: report.bad_keys().map(|k| k.key.clone()).collect(),
        ops: history.len(),
    }
}

pub fn op_label(op: &Operation) -> String {
    let ret = op.ret.map_or("no answer".into(), format_time);
    match &op.kind {
        OpKind::Put { value } => format!("put {}={value} ({} → {ret})", op.key, format_time(op.call)),
        OpKind::Get { value } => {
            let v = value.as_deref().unwrap_or("none");
            format!("get {} → {v} ({} → {ret})", op.key, format_time(op.call))
        }
    }
}

pub fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Linearizable => "linearizable",
        Verdict::NotLinearizable => "not linearizable",
        Verdict::Unknown => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_core::check::check;

    fn op(client: u64, kind: OpKind, call: Time, ret: Option<Time>) -> Operation {
        Operation { client, key: "x".into(), kind, call, ret, refused: false }
    }

    #[test]
    fn badges_turn_red_at_the_first_violation() {
        let v = Violation { at: 7, invariant: Invariant::LogMatching, node: 2, detail: "differs".into() };
        let b = badges(&[v.clone(), Violation { at: 9, ..v }]);
        assert_eq!(b.len(), Invariant::ALL.len());
        assert_eq!(b[0].invariant, Invariant::ElectionSafety);
        assert!(b[0].broken.is_none());
        let lm = b.iter().find(|b| b.invariant == Invariant::LogMatching).unwrap();
        assert_eq!(lm.broken, Some((7, "differs".into())));
    }

    #[test]
    fn a_stale_read_is_plotted_as_not_linearizable() {
        let history = vec![
            op(0, OpKind::Put { value: "1".into() }, 0, Some(10)),
            op(0, OpKind::Put { value: "2".into() }, 20, Some(30)),
            op(1, OpKind::Get { value: Some("1".into()) }, 40, Some(50)),
            op(1, OpKind::Get { value: None }, 60, None),
        ];
        let report = check(&history);
        let plot = history_plot(&history, &report, &["c0".into(), "c1".into()], 0, 100);
        assert_eq!(plot.verdict, Verdict::NotLinearizable);
        assert_eq!(plot.bad_keys, vec!["x".to_string()]);
        assert_eq!(plot.bars.len(), 4);
        assert!(plot.bars.iter().all(|b| b.verdict == Verdict::NotLinearizable));
        assert_eq!((plot.bars[2].row, plot.bars[2].x0, plot.bars[2].x1), (1, 0.4, 0.5));
        assert!(plot.bars[3].pending && plot.bars[3].x1 == 1.0);
        assert!(plot.bars[2].label.starts_with("get x → 1"));
        let window = history_plot(&history, &report, &[], 35, 100);
        assert_eq!(window.bars.len(), 2, "operations that ended before the window are left out");
    }
}
