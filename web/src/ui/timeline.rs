//! The timeline scrubber: the whole run so far as term bands, with elections, crashes,
//! restarts, the user's actions, violations and acknowledged writes marked on it. Click or drag
//! anywhere to travel there; the slider and the buttons do the same from the keyboard.

use super::action::Action;
use crate::model::speed::format_time;
use crate::model::timeline::{MarkKind, Timeline};
use raft_core::Time;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The timeline's height in pixels; positions along it are percentages of its width.
pub(super) const H: f64 = 62.0;
const WRITE_BINS: usize = 200;

pub(super) fn fraction_of(e: &MouseEvent) -> Option<f64> {
    let el = e.current_target()?.dyn_into::<web_sys::Element>().ok()?;
    let rect = el.get_bounding_client_rect();
    (rect.width() > 0.0).then(|| ((e.client_x() as f64 - rect.left()) / rect.width()).clamp(0.0, 1.0))
}

/// A mark's glyph, drawn around x = 0 in pixels (the caller places it along the timeline).
fn mark_glyph(kind: &MarkKind) -> Html {
    titled_glyph(kind, kind.label())
}

/// `kind`'s glyph with its own title: the trace viewer's timeline draws kills and findings
/// with the simulation's glyphs, in a trace's words.
pub(super) fn titled_glyph(kind: &MarkKind, title: String) -> Html {
    let title = html! { <title>{ title }</title> };
    match kind {
        MarkKind::Election { term, .. } => html! {
            <g class="tl-mark election"><path d="M0 22 l6 10 h-12 z" />{ title }
                <text x="0" y="44">{ term }</text></g>
        },
        MarkKind::Crash { .. } => html! {
            <g class="tl-mark crash"><path d="M-4 23 l8 8 m0 -8 l-8 8" />{ title }</g>
        },
        MarkKind::Restart { .. } => html! {
            <g class="tl-mark restart"><circle cx="0" cy="27" r="4" />{ title }</g>
        },
        MarkKind::Action(_) => html! {
            <g class="tl-mark action"><path d="M0 21 l5 6 l-5 6 l-5 -6 z" />{ title }</g>
        },
        MarkKind::Violation(_) => html! {
            <g class="tl-mark violation"><rect x="-2" y="18" width="4" height="30" />{ title }</g>
        },
        MarkKind::Write => html! {},
    }
}

/// `glyph` placed at `percent` of the timeline's width: an inner viewport, so that the glyph
/// keeps its shape at any width (the timeline stretches only positions, never drawings).
pub(super) fn at_percent(percent: f64, glyph: Html) -> Html {
    html! { <svg x={format!("{percent:.3}%")} overflow="visible">{ glyph }</svg> }
}

/// What the scrubber shows besides the timeline itself.
pub struct Cursor {
    pub now: Time,
    /// Virtual time replayed and how long it took (ms), after the last replay.
    pub replay: Option<(Time, f64)>,
    /// How many interventions an action now would forget.
    pub future_interventions: usize,
    /// A story's beats (time, title): marked on the timeline, the ones ahead too.
    pub beats: Vec<(Time, &'static str)>,
    /// Where a story ends, if one is told: the timeline reaches that far before the run does.
    pub story_end: Option<Time>,
}

/// The scrubber. `dragging` remembers a press on the timeline between mouse events.
pub fn timeline_bar(tl: &Timeline, cur: &Cursor, on: &Callback<Action>, dragging: &Rc<Cell<bool>>) -> Html {
    let extent = tl.extent(cur.story_end);
    let seek_at = {
        let on = on.clone();
        move |e: &MouseEvent| {
            if let Some(f) = fraction_of(e) {
                on.emit(Action::Seek((f * extent as f64).round() as Time));
            }
        }
    };
    let onmousedown = {
        let (dragging, seek_at) = (dragging.clone(), seek_at.clone());
        Callback::from(move |e: MouseEvent| {
            dragging.set(true);
            seek_at(&e);
        })
    };
    let onmousemove = {
        let dragging = dragging.clone();
        Callback::from(move |e: MouseEvent| {
            if dragging.get() && e.buttons() & 1 == 1 {
                seek_at(&e);
            }
        })
    };
    let stop = {
        let dragging = dragging.clone();
        Callback::from(move |_: MouseEvent| dragging.set(false))
    };
    let on_range = on.reform(|e: InputEvent| {
        let v = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.value());
        Action::Seek(v.and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) * 1000)
    });
    let click = |a: Action| on.reform(move |_: MouseEvent| a.clone());
    // Where `t` falls, in percent of the width.
    let x = |t: Time| Timeline::fraction(t, extent) * 100.0;
    let pc = |v: f64| format!("{v:.3}%");
    let cursor = x(cur.now);
    let in_past = cur.now < tl.horizon;
    html! {
        <section class="panel timeline" aria-labelledby="timeline-h" data-testid="timeline"
            data-now={cur.now.to_string()} data-horizon={tl.horizon.to_string()}>
            <h2 id="timeline-h" class="visually-hidden">{ "Timeline" }</h2>
            <svg class="tl" role="img"
                aria-label="The run so far: term bands, elections, crashes, your actions and writes"
                data-testid="timeline-svg" {onmousedown} {onmousemove} onmouseup={stop.clone()} onmouseleave={stop}>
                { for tl.band_spans().enumerate().map(|(i, (b, end))| {
                    let (x0, x1) = (x(b.from), x(end));
                    let label = match b.leader { Some(l) => format!("t{} · {l}", b.term), None => format!("t{}", b.term) };
                    html! {
                        <g class={classes!("tl-band", if i % 2 == 0 { "even" } else { "odd" }, b.leader.is_none().then_some("leaderless"))}>
                            <rect x={pc(x0)} y="0" width={pc((x1 - x0).max(0.05))} height="16" />
                            if x1 - x0 > 3.4 { <text x={pc(x0)} dx="4" y="12">{ label }</text> }
                        </g>
                    }
                }) }
                { for tl.write_bins(WRITE_BINS, extent).into_iter().map(|(i, n)| {
                    let bx = pc((i as f64 + 0.5) * 100.0 / WRITE_BINS as f64);
                    html! { <line class="tl-write" x1={bx.clone()} x2={bx} y1={H.to_string()}
                        y2={(H - 4.0 - 2.0 * (n.min(5) as f64)).to_string()} /> }
                }) }
                { for tl.marks.iter().filter(|m| m.kind != MarkKind::Write).map(|m| at_percent(x(m.at), mark_glyph(&m.kind))) }
                { for cur.beats.iter().enumerate().map(|(i, &(at, title))| html! {
                    <svg x={pc(x(at))} overflow="visible" class={classes!("tl-beat", (at > cur.now).then_some("ahead"))}
                        data-testid="timeline-beat" data-at={at.to_string()}>
                        <path d="M0 16 v30 M0 16 h9 l-3 4 l3 4 h-9" />
                        <title>{ format!("Beat {}: {title}", i + 1) }</title>
                    </svg>
                }) }
                <line class="tl-cursor" x1={pc(cursor)} x2={pc(cursor)} y1="0" y2={H.to_string()} />
            </svg>
            <div class="tl-controls">
                <button data-testid="step-back" onclick={click(Action::StepBack)} title="Back to the previous event (B)"
                    disabled={cur.now == 0}>{ "‹ Back" }</button>
                <button onclick={click(Action::SeekBy(-1_000_000))} title="One second back ([)" disabled={cur.now == 0}>{ "−1 s" }</button>
                <input type="range" class="tl-range" data-testid="scrubber" aria-label="Time cursor"
                    min="0" max={(extent / 1000).to_string()} step="10" value={(cur.now / 1000).to_string()}
                    oninput={on_range} />
                <button onclick={click(Action::SeekBy(1_000_000))} title="One second forward (])">{ "+1 s" }</button>
                <button data-testid="jump-end" onclick={click(Action::JumpToEnd)} disabled={!in_past} title="Back to the present (E)">
                    { "End »" }
                </button>
                <span class="tl-time" data-testid="cursor">{ format!("{} / {}", format_time(cur.now), format_time(tl.horizon)) }</span>
                <span class="tl-summary">{ tl.summary() }</span>
            </div>
            if in_past {
                <p class="tl-note" data-testid="in-past">{
                    if cur.future_interventions > 0 {
                        format!("You are looking at the past. Acting now starts a new future: the {} later action(s) of this run are forgotten.", cur.future_interventions)
                    } else {
                        "You are looking at the past. Play or step to go forward again, exactly as before.".to_string()
                    }
                }</p>
            }
            if let Some((span, ms)) = cur.replay {
                <p class="hint" data-testid="replay-ms" data-ms={format!("{ms:.1}")} data-span={span.to_string()}>
                    { format!("Replayed {} of virtual time in {ms:.0} ms.", format_time(span)) }
                </p>
            }
        </section>
    }
}
