//! How to read the picture: each shape next to what it means.

use super::glyphs::{message_classes, message_shape, role_shape};
use crate::model::message_view::GlyphKind;
use crate::model::node_view::RoleGlyph;
use yew::prelude::*;

fn sample(content: Html, class: Classes, scale: f64) -> Html {
    html! {
        <svg class="sample" viewBox="-24 -24 48 48" width="30" height="30" aria-hidden="true">
            <g class={class} transform={format!("scale({scale})")}>{ content }</g>
        </svg>
    }
}

#[component]
pub fn Legend() -> Html {
    let roles = [
        (RoleGlyph::Follower, "follower: circle, ring = election timer draining"),
        (RoleGlyph::PreCandidate, "pre-candidate: dotted hexagon, asks if it could win"),
        (RoleGlyph::Candidate, "candidate: dashed hexagon, pips = votes"),
        (RoleGlyph::Leader, "leader: double square"),
        (RoleGlyph::Crashed, "crashed: crossed out"),
    ];
    let messages = [
        (GlyphKind::RequestVote, "RequestVote (pv: PreVote)"),
        (GlyphKind::VoteGranted, "vote granted"),
        (GlyphKind::VoteDenied, "vote denied"),
        (GlyphKind::AppendEntries(2), "AppendEntries with 2 entries"),
        (GlyphKind::Heartbeat, "heartbeat (no entries)"),
        (GlyphKind::AppendOk, "append success"),
        (GlyphKind::AppendReject, "append rejected"),
        (GlyphKind::Snapshot, "InstallSnapshot: the leader's state, for a follower too far behind (§7)"),
    ];
    html! {
        <details class="legend">
            <summary>{ "How to read the picture" }</summary>
            <ul class="legend-list">
                { for roles.iter().map(|(r, text)| html! {
                    <li>{ sample(role_shape(*r), classes!("node", format!("role-{}", r.name())), 0.5) }<span>{ *text }</span></li>
                }) }
                <li>{ sample(role_shape(RoleGlyph::Follower), classes!("node", "role-follower", "member-learner"), 0.5) }
                    <span>{ "learner: broken outline, receives the log but does not vote yet (§6)" }</span></li>
                <li>{ sample(role_shape(RoleGlyph::Follower), classes!("node", "role-follower", "member-outside"), 0.5) }
                    <span>{ "faded: not in the configuration (removed, or not added yet)" }</span></li>
                { for messages.iter().map(|(k, text)| html! {
                    <li>{ sample(message_shape(*k), message_classes(*k), 1.0) }<span>{ *text }</span></li>
                }) }
                <li>
                    <svg class="sample" viewBox="-24 -24 48 48" width="30" height="30" aria-hidden="true">
                        <g class="drop by-user"><path d="M -8 -8 L 8 8 M 8 -8 L -8 8" /></g>
                    </svg>
                    <span>{ "a dropped message" }</span>
                </li>
            </ul>
        </details>
    }
}
