//! The space-time diagram, drawn: lanes, the bands where a replica claimed to lead, grey
//! where it was dead, a stroke per datagram or request, marks for faults and findings, and
//! the time cursor. The trace viewer and the simulation both draw one (model/spacetime.rs
//! lays it out).

use crate::model::spacetime::{Diagram, Item, MarkKind, StrokeKind, LANE, WIDTH};
use kvtrace::FindingKind;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The diagram `d`, with `selected` outlined and a cursor at `cursor` (seconds) if given.
/// `on_click` gets every click; `item_clicked` tells what it hit.
pub fn spacetime_svg(d: &Diagram, selected: Option<Item>, cursor: Option<f64>, on_click: Callback<MouseEvent>) -> Html {
    let h = d.height();
    let cursor_x = cursor.map_or(-1.0, |t| d.window.x(t));
    let self_selected = selected;
    html! {
        <svg class="spacetime" viewBox={format!("0 0 {WIDTH} {h}")} preserveAspectRatio="none" onclick={on_click}
            style={format!("height: {}px", h)}>
            { for (0..d.lanes.len()).map(|i| html! {
                <line class="lane" x1="0" x2={WIDTH.to_string()} y1={y(i)} y2={y(i)} />
            }) }
            { for d.claims.iter().map(|&(lane, x1, x2)| html! {
                <rect class="claim" x={x1.to_string()} width={(x2 - x1).max(1.5).to_string()} y={(lane as f64 * LANE + LANE / 2.0 - 5.0).to_string()} height="10" />
            }) }
            { for d.dead.iter().map(|&(lane, x)| html! {
                <rect class="dead" x={x.to_string()} width={(WIDTH - x).max(0.0).to_string()} y={(lane as f64 * LANE).to_string()} height={LANE.to_string()} />
            }) }
            { for d.strokes.iter().map(|s| {
                let class = classes!("stroke", stroke_class(s.kind), s.followed.then_some("followed"), (Some(s.item) == self_selected).then_some("selected"));
                let item = match s.item { Item::Msg(i) => format!("m:{i}"), Item::Request(i) => format!("r:{i}") };
                html! {
                    <g {class} data-item={item} data-kind={s.label.clone()}>
                        <line x1={s.x1.to_string()} y1={s.y1.to_string()} x2={s.x2.to_string()} y2={s.y2.to_string()} />
                        if s.kind == StrokeKind::Lost {
                            <path class="cross" d={format!("M{} {} l3 -4 m-3 0 l3 4", s.x2 - 1.5, s.y2 + 2.0)} />
                        }
                    </g>
                }
            }) }
            { for d.marks.iter().map(|m| html! {
                <line class={classes!("mark", mark_class(m.kind))} x1={m.x.to_string()} x2={m.x.to_string()} y1="0" y2={h.to_string()}>
                    <title>{ m.label.clone() }</title>
                </line>
            }) }
            if (0.0..=WIDTH).contains(&cursor_x) {
                <line class="cursor" x1={cursor_x.to_string()} x2={cursor_x.to_string()} y1="0" y2={h.to_string()} />
            }
        </svg>
    }
}

/// The stroke a click on the diagram hit, if any.
pub fn item_clicked(e: &MouseEvent) -> Option<Item> {
    let el = e.target()?.dyn_into::<web_sys::Element>().ok()?;
    let item = el.closest("[data-item]").ok()??.get_attribute("data-item")?;
    let (kind, i) = item.split_once(':')?;
    let i = i.parse().ok()?;
    Some(if kind == "m" { Item::Msg(i) } else { Item::Request(i) })
}

fn y(lane: usize) -> String {
    (lane as f64 * LANE + LANE / 2.0).to_string()
}

fn stroke_class(kind: StrokeKind) -> &'static str {
    match kind {
        StrokeKind::Peer => "peer",
        StrokeKind::Lost => "lost",
        StrokeKind::Mixed => "mixed",
        StrokeKind::Answer => "answer",
        StrokeKind::Request => "request",
    }
}

fn mark_class(kind: MarkKind) -> &'static str {
    match kind {
        MarkKind::Finding(k) => finding_word(k),
        MarkKind::Kill => "kill",
        MarkKind::Partition => "partition",
        MarkKind::Heal => "heal",
    }
}

/// A finding's kind in one word, for its label, its class and its data attribute.
pub fn finding_word(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Unanswered => "unanswered",
        FindingKind::Duplicate => "duplicate",
        FindingKind::Incorrect => "incorrect",
        FindingKind::RedirectLoop => "redirect-loop",
    }
}
