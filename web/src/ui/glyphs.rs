//! The SVG shapes: a node's role glyph and a message's glyph. Role and message type are told
//! by shape, outline and text first; colour only repeats what they say.

use crate::model::geometry::NODE_RADIUS;
use crate::model::message_view::GlyphKind;
use crate::model::node_view::RoleGlyph;
use yew::prelude::*;

/// The outline of a node in its role, centred on (0, 0).
pub fn role_shape(role: RoleGlyph) -> Html {
    let r = NODE_RADIUS;
    match role {
        RoleGlyph::Follower => html! { <circle class="shape" r={r.to_string()} /> },
        RoleGlyph::PreCandidate | RoleGlyph::Candidate => {
            // A hexagon: an election is under way.
            let points = (0..6)
                .map(|i| {
                    let a = std::f64::consts::PI / 3.0 * i as f64;
                    format!("{:.1},{:.1}", r * 1.05 * a.cos(), r * 1.05 * a.sin())
                })
                .collect::<Vec<_>>()
                .join(" ");
            html! { <polygon class="shape" points={points} /> }
        }
        RoleGlyph::Leader => {
            let s = r * 1.7;
            let o = s + 10.0;
            html! {
                <>
                    <rect class="shape-outer" x={(-o / 2.0).to_string()} y={(-o / 2.0).to_string()}
                        width={o.to_string()} height={o.to_string()} rx="12" />
                    <rect class="shape" x={(-s / 2.0).to_string()} y={(-s / 2.0).to_string()}
                        width={s.to_string()} height={s.to_string()} rx="8" />
                </>
            }
        }
        RoleGlyph::Crashed => {
            let d = r * 0.62;
            html! {
                <>
                    <circle class="shape" r={r.to_string()} />
                    <path class="crash-x" d={format!("M {} {} L {d} {d} M {d} {} L {} {d}", -d, -d, -d, -d)} />
                </>
            }
        }
    }
}

/// A message's glyph, centred on (0, 0).
pub fn message_shape(kind: GlyphKind) -> Html {
    let body = if kind.is_vote() {
        html! { <circle class="glyph" r="10" /> }
    } else if kind == GlyphKind::Heartbeat {
        html! { <rect class="glyph" x="-10" y="-7" width="20" height="14" rx="3" /> }
    } else if kind == GlyphKind::Snapshot {
        // A document with a folded corner: the whole state machine, not entries.
        html! { <path class="glyph" d="M -17 -12 H 11 L 17 -6 V 12 H -17 Z" /> }
    } else {
        html! { <rect class="glyph" x="-15" y="-9" width="30" height="18" rx="3" /> }
    };
    html! {
        <>
            <circle class="hit" r="16" />
            { body }
            <text class="glyph-mark" y="4">{ kind.mark() }</text>
        </>
    }
}

/// Classes that style a message glyph: its family, request or reply, and a negative answer.
pub fn message_classes(kind: GlyphKind) -> Classes {
    classes!(
        "msg",
        if kind.is_vote() { "vote" } else { "append" },
        if kind.is_reply() { "reply" } else { "request" },
        kind.is_negative().then_some("negative"),
        (kind == GlyphKind::Heartbeat).then_some("heartbeat"),
        (kind == GlyphKind::Snapshot).then_some("snapshot"),
    )
}
