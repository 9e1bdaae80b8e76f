//! The space-time diagram, drawn: lanes, the bands where a replica claimed to lead, grey
//! where it was dead, a stroke per datagram or request, marks for faults and findings, and
//! the time cursor. The trace viewer and the simulation both draw one (model/spacetime.rs
//! lays it out).

use crate::model::spacetime::{Diagram, Item, MarkKind, Stroke, StrokeKind, LANE, WIDTH};
use super::shared::Shared;
use std::collections::BTreeMap;
use std::rc::Rc;
use kvtrace::FindingKind;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// How near a click must be to a stroke to choose it, in pixels.
const HIT_PX: f64 = 6.0;

/// The diagram `d`, with `selected` outlined and a cursor at `cursor` (seconds) if given; a
/// click on a stroke sends its item to `on_select`, one on a finding's mark its index to
/// `on_finding`.
pub fn spacetime_svg(d: Rc<Diagram>, selected: Option<Item>, cursor: Option<f64>, on_select: Callback<Item>, on_finding: Callback<usize>) -> Html {
    let h = d.height();
    let cursor_x = cursor.map_or(-1.0, |t| d.window.x(t));
    let on_click = {
        let d = d.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some(i) = finding_clicked(&e) {
                on_finding.emit(i);
            } else if let Some(item) = item_clicked(&e).or_else(|| nearest(&e, &d, selected, h)) {
                on_select.emit(item);
            }
        })
    };
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
            // Marks under the strokes: a click on a stroke is about the stroke.
            { for d.marks.iter().map(|m| html! {
                <g class={classes!("mark", mark_class(m.kind), m.finding.is_some().then_some("finding-mark"))}
                    data-finding={m.finding.map(|i| i.to_string())}>
                    <title>{ m.label.clone() }</title>
                    <line x1={m.x.to_string()} x2={m.x.to_string()} y1="0" y2={h.to_string()} />
                    // A finding's mark is a target wider than its line.
                    if m.finding.is_some() {
                        <line class="hit" x1={m.x.to_string()} x2={m.x.to_string()} y1="0" y2={h.to_string()} />
                    }
                </g>
            }) }
            <StrokeLayer diagram={Shared(d.clone())} {selected} />
            if (0.0..=WIDTH).contains(&cursor_x) {
                <line class="cursor" x1={cursor_x.to_string()} x2={cursor_x.to_string()} y1="0" y2={h.to_string()} />
            }
        </svg>
    }
}

#[derive(Properties, PartialEq)]
struct StrokeLayerProps {
    diagram: Shared<Diagram>,
    selected: Option<Item>,
}

/// Every stroke. The followed and the selected are elements of their own; the others are
/// drawn as one path a kind (thousands of strokes are then five elements, which a browser
/// redraws far faster), and a click on them chooses the nearest stroke by its geometry.
#[component]
fn StrokeLayer(props: &StrokeLayerProps) -> Html {
    let (d, selected) = (&props.diagram.0, props.selected);
    let mut paths: BTreeMap<&'static str, String> = BTreeMap::new();
    for s in d.strokes.iter().filter(|s| !alone(s, selected)) {
        let d = paths.entry(stroke_class(s.kind)).or_default();
        *d += &format!("M{:.2} {:.2}L{:.2} {:.2}", s.x1, s.y1, s.x2, s.y2);
        if s.kind == StrokeKind::Lost {
            *d += &cross(s);
        }
    }
    html! {
        <g class="strokes">
            { for paths.iter().map(|(class, path)| html! {
                <g class={classes!("stroke", *class)}><path d={path.clone()} /></g>
            }) }
            { for d.strokes.iter().filter(|s| alone(s, selected)).map(|s| {
                let class = classes!("stroke", stroke_class(s.kind), s.followed.then_some("followed"), (Some(s.item) == selected).then_some("selected"));
                let item = match s.item { Item::Msg(i) => format!("m:{i}"), Item::Request(i) => format!("r:{i}") };
                html! {
                    <g {class} data-item={item} data-kind={s.label.clone()}>
                        <line x1={s.x1.to_string()} y1={s.y1.to_string()} x2={s.x2.to_string()} y2={s.y2.to_string()} />
                        if s.kind == StrokeKind::Lost {
                            <path class="cross" d={cross(s)} />
                        }
                    </g>
                }
            }) }
        </g>
    }
}

/// Whether a stroke is drawn as an element of its own: the followed and the selected.
fn alone(s: &Stroke, selected: Option<Item>) -> bool {
    s.followed || Some(s.item) == selected
}

/// The cross at the end of a lost stroke.
fn cross(s: &Stroke) -> String {
    format!("M{:.2} {:.2}l3 -4m-3 0l3 4", s.x2 - 1.5, s.y2 + 2.0)
}

/// The finding whose mark a click hit, if any.
fn finding_clicked(e: &MouseEvent) -> Option<usize> {
    let el = e.target()?.dyn_into::<web_sys::Element>().ok()?;
    el.closest("[data-finding]").ok()??.get_attribute("data-finding")?.parse().ok()
}

/// The stroke drawn as an element of its own that a click hit, if any.
fn item_clicked(e: &MouseEvent) -> Option<Item> {
    let el = e.target()?.dyn_into::<web_sys::Element>().ok()?;
    let item = el.closest("[data-item]").ok()??.get_attribute("data-item")?;
    let (kind, i) = item.split_once(':')?;
    let i = i.parse().ok()?;
    Some(if kind == "m" { Item::Msg(i) } else { Item::Request(i) })
}

/// The batched stroke nearest a click, within `HIT_PX` on screen.
fn nearest(e: &MouseEvent, d: &Diagram, selected: Option<Item>, h: f64) -> Option<Item> {
    let svg = e.target()?.dyn_into::<web_sys::Element>().ok()?.closest("svg").ok()??;
    let r = svg.get_bounding_client_rect();
    if r.width() <= 0.0 || r.height() <= 0.0 {
        return None;
    }
    // In pixels: the diagram is stretched to its box.
    let (sx, sy) = (r.width() / WIDTH, r.height() / h);
    let (px, py) = (e.client_x() as f64 - r.left(), e.client_y() as f64 - r.top());
    d.strokes
        .iter()
        .filter(|s| !alone(s, selected))
        .map(|s| (segment_distance((px, py), (s.x1 * sx, s.y1 * sy), (s.x2 * sx, s.y2 * sy)), s.item))
        .filter(|(d, _)| *d <= HIT_PX)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, item)| item)
}

/// The distance from `p` to the segment from `a` to `b`.
fn segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let k = if len2 == 0.0 { 0.0 } else { (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0) };
    let (cx, cy) = (a.0 + k * dx, a.1 + k * dy);
    ((p.0 - cx).powi(2) + (p.1 - cy).powi(2)).sqrt()
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
