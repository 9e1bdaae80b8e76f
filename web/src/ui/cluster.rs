//! The cluster drawing: the nodes on a ring (it re-lays out as servers are added), messages
//! travelling between them, and a cross where a message was dropped. A node that does not
//! vote (a learner, or one outside the configuration, §6) is drawn faded with a word saying
//! so. Nodes and messages are buttons: click or press Enter to inspect them.

use super::action::Action;
use super::glyphs::{message_classes, message_shape, role_shape};
use crate::model::geometry::{arc_path, Point, NODE_RADIUS, VIEW_SIZE};
use crate::model::membership::Member;
use crate::model::message_view::kind_words;
use crate::model::node_view::{NodeView, RoleGlyph};
use crate::model::ClusterView;
use raft_core::NodeId;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClusterProps {
    pub view: Rc<ClusterView>,
    pub selected_node: Option<NodeId>,
    pub selected_message: Option<u64>,
    pub on: Callback<Action>,
}

/// What a click or a key press on the drawing is about: the node or message glyph it hit.
/// One listener on the whole drawing reads it from the glyph's data attributes, so glyphs that
/// come and go every frame carry no listeners of their own.
fn target_action(target: Option<web_sys::EventTarget>) -> Option<Action> {
    let el = target?.dyn_into::<web_sys::Element>().ok()?.closest("[data-node-id],[data-msg-id]").ok()??;
    if el.has_attribute("data-dropped") {
        return None;
    }
    if let Some(id) = el.get_attribute("data-node-id") {
        return id.parse().ok().map(Action::SelectNode);
    }
    el.get_attribute("data-msg-id")?.parse().ok().map(Action::SelectMessage)
}

#[component]
pub fn Cluster(props: &ClusterProps) -> Html {
    let view = &props.view;
    let size = VIEW_SIZE.to_string();
    let onclick = {
        let on = props.on.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some(a) = target_action(e.target()) {
                on.emit(a);
            }
        })
    };
    let onkeydown = {
        let on = props.on.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                if let Some(a) = target_action(e.target()) {
                    e.prevent_default();
                    e.stop_propagation();
                    on.emit(a);
                }
            }
        })
    };
    html! {
        <svg class="cluster" viewBox={format!("0 0 {size} {size}")} role="group"
             aria-label={format!("The cluster: {} nodes and the messages between them", view.nodes.len())} data-testid="cluster"
             {onclick} {onkeydown}>
            <circle class="ring" cx={(VIEW_SIZE / 2.0).to_string()} cy={(VIEW_SIZE / 2.0).to_string()}
                r={crate::model::geometry::ring_radius(view.nodes.len()).to_string()} />
            <g class="links">
                { for crate::model::cut_pairs(&view.cut_links).into_iter().filter_map(|(a, b)| cut_link(view, a, b)) }
            </g>
            // Drop marks go under the nodes: a mark near a node must not hide its name.
            <g class="drops">
            { for view.drops.iter().map(|d| html! {
                <g key={d.id.to_string()} class={classes!("drop", d.by_user().then_some("by-user"))}
                   transform={format!("translate({:.1} {:.1})", d.pos.x, d.pos.y)}
                   data-dropped="true" data-msg-id={d.id.to_string()} data-reason={format!("{:?}", d.reason)}>
                    <title>{ format!("{} {} → {} dropped", kind_words(d.kind), d.from, d.to) }</title>
                    if d.by_user() {
                        <path d="M -8 -8 L 8 8 M 8 -8 L -8 8" />
                        <text y="22">{ "dropped" }</text>
                    } else {
                        // The network's own losses: a small cross, so that they do not crowd the picture.
                        <path d="M -4 -4 L 4 4 M 4 -4 L -4 4" />
                    }
                </g>
            }) }
            </g>
            <g class="nodes">
                { for view.nodes.iter().map(|n| node(n, props.selected_node == Some(n.id))) }
            </g>
            <g class="messages">
            { for view.messages.iter().map(|m| {
                let selected = props.selected_message == Some(m.id);
                html! {
                    <g key={m.id.to_string()} class={classes!(message_classes(m.kind), selected.then_some("selected"))}
                       transform={format!("translate({:.1} {:.1})", m.pos.x, m.pos.y)}
                       data-msg-id={m.id.to_string()} data-kind={m.kind.name()}
                       data-from={m.from.to_string()} data-to={m.to.to_string()}
                       tabindex="0" role="button" aria-label={m.label.clone()}>
                        <title>{ m.label.clone() }</title>
                        { message_shape(m.kind) }
                    </g>
                }
            }) }
            </g>
        </svg>
    }
}

/// A cut link: a dashed line, with an arrowhead (pointing the way messages are lost) when only
/// one direction is cut.
fn cut_link(view: &ClusterView, a: NodeId, b: NodeId) -> Option<Html> {
    let (p, q): (Point, Point) = (view.position(a)?, view.position(b)?);
    let ab = view.cut_links.contains(&(a, b));
    let ba = view.cut_links.contains(&(b, a));
    let arrow = match (ab, ba) {
        (true, false) => Some((p, q)),
        (false, true) => Some((q, p)),
        _ => None,
    };
    let head = arrow.map(|(from, to)| {
        let angle = (to.y - from.y).atan2(to.x - from.x).to_degrees();
        let (mx, my) = (from.x + (to.x - from.x) * 0.5, from.y + (to.y - from.y) * 0.5);
        html! {
            <path class="cut-head" d="M-7 -6 L7 0 L-7 6 z" transform={format!("translate({mx:.1} {my:.1}) rotate({angle:.1})")} />
        }
    });
    Some(html! {
        <g class={classes!("cut-link", arrow.is_some().then_some("one-way"))} data-cut={format!("{a}-{b}")}
            data-one-way={arrow.map(|(f, t)| format!("{}-{}", view_id(view, f), view_id(view, t))).unwrap_or_default()}>
            <line class="cut" x1={p.x.to_string()} y1={p.y.to_string()} x2={q.x.to_string()} y2={q.y.to_string()} />
            { for head }
        </g>
    })
}

/// The node drawn at `pos`.
fn view_id(view: &ClusterView, pos: Point) -> NodeId {
    view.nodes.iter().find(|n| n.pos == pos).map_or(0, |n| n.id)
}

fn node(n: &NodeView, selected: bool) -> Html {
    let role = n.role.name();
    let timer = n.timer.map(|f| {
        let r = NODE_RADIUS + 9.0;
        html! {
            <>
                <circle class="timer-track" r={r.to_string()} />
                <path class="timer" d={arc_path(Point::new(0.0, 0.0), r, f)} />
            </>
        }
    });
    let label_y = if n.role == RoleGlyph::Leader { NODE_RADIUS + 30.0 } else { NODE_RADIUS + 26.0 };
    html! {
        <g key={n.id.to_string()} class={classes!("node", format!("role-{role}"), format!("member-{}", n.member.name()), selected.then_some("selected"))}
           transform={format!("translate({:.1} {:.1})", n.pos.x, n.pos.y)}
           data-node-id={n.id.to_string()} data-role={role} data-term={n.term.to_string()} data-member={n.member.name()}
           tabindex="0" role="button" aria-label={n.label()}>
            <title>{ n.label() }</title>
            { for timer }
            { role_shape(n.role) }
            <text class="node-id" y="2">{ format!("S{}", n.id) }</text>
            <text class="node-term" y="20">{ format!("term {}", n.term) }</text>
            <text class="node-role" y={label_y.to_string()}>{ role.to_uppercase() }</text>
            if n.member != Member::Voter {
                <text class="node-member" y="-15">{ n.member.name() }</text>
            }
            { votes(n) }
        </g>
    }
}

/// A candidate's ballot box: one pip per node, filled for each vote it holds.
fn votes(n: &NodeView) -> Html {
    if !matches!(n.role, RoleGlyph::Candidate | RoleGlyph::PreCandidate) {
        return html! {};
    }
    let total = (n.quorum * 2 - 1).max(n.votes.len());
    let gap = 11.0;
    let x0 = -(total as f64 - 1.0) * gap / 2.0;
    let y = -(NODE_RADIUS + 20.0);
    html! {
        <g class="votes" data-votes={n.votes.len().to_string()}>
            <title>{ format!("{} of {} votes needed", n.votes.len(), n.quorum) }</title>
            { for (0..total).map(|i| html! {
                <circle class={classes!("pip", (i < n.votes.len()).then_some("won"))}
                    cx={(x0 + gap * i as f64).to_string()} cy={y.to_string()} r="4" />
            }) }
        </g>
    }
}
