//! The ring of a traced run at the time cursor, drawn as the simulation's ring is: each
//! replica in the role its datagrams claim, and what was sent in the last moments.

use super::glyphs::role_shape;
use crate::model::geometry::{NODE_RADIUS, VIEW_SIZE};
use crate::model::trace_ring::{TraceRing, RECENT};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TraceRingProps {
    pub ring: TraceRing,
}

#[component]
pub fn TraceRingView(props: &TraceRingProps) -> Html {
    let ring = &props.ring;
    html! {
        <figure class="panel trace-ring" data-testid="trace-ring">
            <svg class="cluster" viewBox={format!("0 0 {VIEW_SIZE} {VIEW_SIZE}")} role="img"
                aria-label="the replicas at the time cursor, and what they sent just before">
                { for ring.lines.iter().map(|l| html! {
                    <line class={classes!("ring-line", l.lost.then_some("lost"), l.followed.then_some("followed"))}
                        x1={l.from.x.to_string()} y1={l.from.y.to_string()} x2={l.to.x.to_string()} y2={l.to.y.to_string()}
                        opacity={(0.25 + 0.75 * l.freshness).to_string()}>
                        <title>{ l.kind.clone() }</title>
                    </line>
                }) }
                { for ring.nodes.iter().map(|n| {
                    let role = n.role.name();
                    html! {
                        <g class={classes!("node", format!("role-{role}"), n.cut_off.then_some("cut-off"))}
                            transform={format!("translate({:.1} {:.1})", n.pos.x, n.pos.y)}
                            data-testid={format!("ring-{}", n.name)} data-role={role} data-cut-off={n.cut_off.to_string()}>
                            { role_shape(n.role) }
                            <text class="node-id" y="6">{ n.name.clone() }</text>
                            <text class="node-role" y={(NODE_RADIUS + 26.0).to_string()}>
                                { if n.cut_off { format!("{} · cut off", role.to_uppercase()) } else { role.to_uppercase() } }
                            </text>
                        </g>
                    }
                }) }
            </svg>
            <figcaption class="muted">{ format!("Roles as the replicas claim them; lines: what they sent in the last {} ms.", RECENT * 1000.0) }</figcaption>
        </figure>
    }
}
