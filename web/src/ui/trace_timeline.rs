//! The whole traced run on one strip, drawn as the simulation's timeline is: a band where a
//! replica claimed to lead (named), kills and partitions with the simulation's glyphs, a
//! mark for each of the grader's findings, the diagram's window shaded and the time cursor.
//! A click or a drag travels; a click on a finding's mark jumps to it.

use super::spacetime::finding_word;
use super::timeline::{at_percent, fraction_of, titled_glyph, H};
use crate::model::spacetime::{self, marked_findings, Window};
use crate::model::timeline::MarkKind;
use crate::model::trace_run::TraceRun;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The finding whose mark `e` is on, if it is on one.
fn finding_at(e: &MouseEvent) -> Option<usize> {
    let el = e.target()?.dyn_into::<web_sys::Element>().ok()?.closest("[data-finding]").ok()??;
    el.get_attribute("data-finding")?.parse().ok()
}

pub fn trace_timeline(run: &TraceRun, cursor: f64, window: Window, on_seek: Callback<f64>, on_finding: Callback<usize>) -> Html {
    let end = run.end.max(1e-9);
    let x = |t: f64| (t / end).clamp(0.0, 1.0) * 100.0;
    let pc = |v: f64| format!("{v:.3}%");
    let onmousedown = {
        let on_seek = on_seek.clone();
        Callback::from(move |e: MouseEvent| match finding_at(&e) {
            Some(i) => on_finding.emit(i),
            None => {
                if let Some(f) = fraction_of(&e) {
                    on_seek.emit(f * end);
                }
            }
        })
    };
    let drag = {
        Callback::from(move |e: MouseEvent| {
            if e.buttons() & 1 == 1 && finding_at(&e).is_none() {
                if let Some(f) = fraction_of(&e) {
                    on_seek.emit(f * end);
                }
            }
        })
    };
    let bands = run.self_claims().iter().enumerate().flat_map(|(r, spans)| spans.iter().map(move |&(from, to)| (r, from, to)));
    html! {
        <section class="panel trace-timeline" data-testid="trace-timeline">
            <svg class="tl" role="img" aria-label="The whole run: who claimed to lead, kills, partitions and the grader's findings"
                onmousedown={onmousedown} onmousemove={drag}>
                { for bands.map(|(r, from, to)| {
                    let (x0, x1) = (x(from), x(to));
                    html! {
                        <g class={classes!("tl-band", if r % 2 == 0 { "even" } else { "odd" })}>
                            <rect x={pc(x0)} y="0" width={pc((x1 - x0).max(0.05))} height="16" />
                            if x1 - x0 > 3.4 { <text x={pc(x0)} dx="4" y="12">{ run.replicas[r].clone() }</text> }
                        </g>
                    }
                }) }
                <rect class="tl-window" x={pc(x(window.from))} width={pc((x(window.to) - x(window.from)).max(0.2))} y="16" height={(H - 16.0).to_string()} />
                { for run.faults.iter().map(|f| {
                    let names: Vec<&str> = f.replicas.iter().filter_map(|&r| run.replicas.get(r).map(String::as_str)).collect();
                    // The simulation's glyphs: a cross for a kill, a diamond for a partition,
                    // a ring for its end.
                    let (kind, title) = match spacetime::MarkKind::of_fault(f.kind) {
                        spacetime::MarkKind::Kill if names.is_empty() => (MarkKind::Crash { node: 0 }, format!("{} at {:.3} s: no one to kill", f.kind, f.t)),
                        spacetime::MarkKind::Kill => (MarkKind::Crash { node: 0 }, format!("{} killed at {:.3} s ({})", names.join(", "), f.t, f.kind)),
                        spacetime::MarkKind::Heal => (MarkKind::Restart { node: 0 }, format!("the partition healed at {:.3} s", f.t)),
                        _ => (MarkKind::Action(String::new()), format!("{} at {:.3} s: majority side {}", f.kind, f.t, names.join(", "))),
                    };
                    at_percent(x(f.t), titled_glyph(&kind, title))
                }) }
                { for marked_findings(run.findings.iter().enumerate()).map(|(i, f)| html! {
                    <g class={classes!("tl-finding", finding_word(f.kind))} data-finding={i.to_string()} data-testid="timeline-finding" data-kind={finding_word(f.kind)}>
                        { at_percent(x(f.t), titled_glyph(&MarkKind::Violation(String::new()), format!("{} at {:.3} s: {}", finding_word(f.kind), f.t, f.detail))) }
                    </g>
                }) }
                <line class="tl-cursor" x1={pc(x(cursor))} x2={pc(x(cursor))} y1="0" y2={H.to_string()} />
            </svg>
        </section>
    }
}
