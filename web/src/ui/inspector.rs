//! The inspector: every field of the selected node or message, and what can be done to it.

use super::action::Action;
use crate::model::log_view::LogColumn;
use crate::model::membership::Member;
use crate::model::node_view::{NodeView, RoleGlyph};
use crate::model::speed::format_time;
use raft_core::sim::{InFlight, Intervention};
use raft_core::MembershipChange;
use yew::prelude::*;

/// What the inspector shows about a message: its fields (as when it was last seen in flight)
/// and whether it is still travelling.
#[derive(Clone, PartialEq)]
pub struct MessageInfo {
    pub message: InFlight,
    pub fields: Vec<(String, String)>,
    pub in_flight: bool,
    /// "in-flight", "delivered" or "dropped".
    pub fate: &'static str,
    pub fate_text: String,
}

#[derive(Clone, PartialEq)]
pub enum Inspected {
    Nothing,
    Node {
        node: NodeView,
        column: LogColumn,
        timer_left_us: Option<u64>,
        /// For every other node: (peer, link node → peer cut, link peer → node cut).
        links: Vec<(raft_core::NodeId, bool, bool)>,
        /// The configuration change offered for it: removing it, or adding it back.
        change: MembershipChange,
    },
    Message(MessageInfo),
}

#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    pub inspected: Inspected,
    pub on: Callback<Action>,
}

fn button(on: &Callback<Action>, label: &str, testid: &str, action: Action, enabled: bool, class: &str) -> Html {
    titled(on, label, testid, action, enabled, class, "")
}

fn titled(on: &Callback<Action>, label: &str, testid: &str, action: Action, enabled: bool, class: &str, title: &str) -> Html {
    let onclick = on.reform(move |_: MouseEvent| action.clone());
    let title = (!title.is_empty()).then(|| title.to_string());
    html! {
        <button class={class.to_string()} data-testid={testid.to_string()} disabled={!enabled} {title} {onclick}>
            { label }
        </button>
    }
}

/// Removing a node from the cluster, or adding it back: a request to the leader, which may
/// refuse it (one change at a time, §6); the notice line says why.
fn membership_button(on: &Callback<Action>, change: MembershipChange) -> Html {
    let (label, testid, title) = match change {
        MembershipChange::Remove(_) => (
            "Remove from the cluster",
            "node-remove",
            "Ask the leader to remove this server from the configuration (§6); the leader itself steps down once that commits",
        ),
        MembershipChange::Add(_) => (
            "Add back to the cluster",
            "node-add",
            "Ask the leader to add this server again: it rejoins as a learner and votes once it has caught up (thesis §4.2.1)",
        ),
    };
    titled(on, label, testid, Action::Intervene(Intervention::ChangeMembership { change }), true, "", title)
}

fn rows(fields: &[(String, String)]) -> Html {
    html! {
        <dl class="fields">
            { for fields.iter().map(|(k, v)| html! { <><dt>{ k.clone() }</dt><dd>{ v.clone() }</dd></> }) }
        </dl>
    }
}

#[component]
pub fn Inspector(props: &InspectorProps) -> Html {
    let on = &props.on;
    let close = button(on, "Close", "inspector-close", Action::CloseInspector, true, "quiet small");
    match &props.inspected {
        Inspected::Nothing => html! {
            <section class="panel inspector" aria-labelledby="inspector-h" data-testid="inspector">
                <h2 id="inspector-h">{ "Inspector" }</h2>
                <p class="hint">{ "Click a node to crash it, restart it, make it time out or remove it from the cluster. Click a message (pause first: they move) to read every field or drop it." }</p>
            </section>
        },
        Inspected::Node { node, column, timer_left_us, links, change } => {
            let id = node.id;
            let up = node.role != RoleGlyph::Crashed;
            let member = match node.member {
                Member::Voter => "voter".to_string(),
                Member::Learner => "learner: receives the log, does not vote yet".to_string(),
                Member::Outside => "not in the configuration".to_string(),
            };
            let mut fields = vec![
                ("role".to_string(), node.role.name().to_string()),
                ("membership".into(), member),
                ("term".into(), node.term.to_string()),
                ("voted for".into(), node.voted_for.map_or("nobody".into(), |v| format!("node {v}"))),
                ("log".into(), format!("{} entries", node.last_index)),
            ];
            if up {
                fields.push(("commit index".into(), node.commit_index.to_string()));
                fields.push(("last applied".into(), column.last_applied.to_string()));
                fields.push(("knows leader".into(), node.leader.map_or("no".into(), |l| format!("node {l}"))));
            } else {
                fields.push(("volatile state".into(), "lost; log, term and vote kept on disk".into()));
            }
            if let Some(t) = timer_left_us {
                fields.push(("election timer".into(), format!("fires in {:.0} ms", *t as f64 / 1000.0)));
            }
            if !node.votes.is_empty() {
                let who = node.votes.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ");
                fields.push(("votes".into(), format!("{who} ({} of {} needed)", node.votes.len(), node.quorum)));
            }
            for p in &column.progress {
                fields.push((format!("→ node {}", p.follower), format!("next {}, match {}", p.next_index, p.match_index)));
            }
            html! {
                <section class="panel inspector" aria-labelledby="inspector-h" data-testid="inspector" data-inspected-node={id.to_string()}>
                    <header class="panel-head">
                        <h2 id="inspector-h">{ format!("Node {id}") }</h2>
                        { close }
                    </header>
                    { rows(&fields) }
                    <div class="actions">
                        { button(on, "Crash", "node-crash", Action::Intervene(Intervention::Crash { node: id }), up, "danger") }
                        { button(on, "Restart", "node-restart", Action::Intervene(Intervention::Restart { node: id }), !up, "") }
                        { button(on, "Time out now", "node-timeout", Action::Intervene(Intervention::Timeout { node: id }),
                            up && node.role != RoleGlyph::Leader, "") }
                        { membership_button(on, *change) }
                    </div>
                    <table class="links" data-testid="links">
                        <caption>{ "Links (a cut link loses every message, one way)" }</caption>
                        { for links.iter().map(|&(peer, out_cut, in_cut)| {
                            let link = |from, to, cut: bool, testid: String| {
                                let what = if cut { Intervention::RestoreLink { from, to } } else { Intervention::CutLink { from, to } };
                                html! {
                                    <button class={classes!("small", cut.then_some("cut-on"))} data-testid={testid} aria-pressed={cut.to_string()}
                                        onclick={on.reform(move |_: MouseEvent| Action::Intervene(what.clone()))}>
                                        { format!("{from} → {to}: {}", if cut { "cut" } else { "up" }) }
                                    </button>
                                }
                            };
                            html! { <tr><td>{ link(id, peer, out_cut, format!("cut-{id}-{peer}")) }</td><td>{ link(peer, id, in_cut, format!("cut-{peer}-{id}")) }</td></tr> }
                        }) }
                    </table>
                </section>
            }
        }
        Inspected::Message(info) => {
            let m = &info.message;
            html! {
                <section class="panel inspector" aria-labelledby="inspector-h" data-testid="inspector" data-inspected-msg={m.id.to_string()}>
                    <header class="panel-head">
                        <h2 id="inspector-h">{ format!("Message #{}", m.id) }</h2>
                        { close }
                    </header>
                    <p class={classes!("fate", info.fate)} data-testid="message-fate" data-fate={info.fate}>{ info.fate_text.clone() }</p>
                    { rows(&info.fields) }
                    <div class="actions">
                        { button(on, "Drop this message", "drop-message", Action::Intervene(Intervention::DropMessage { id: m.id }),
                            info.in_flight, "danger") }
                        if m.held_at.is_some() {
                            { button(on, "Release", "release-message", Action::Intervene(Intervention::ReleaseMessage { id: m.id }),
                                info.in_flight, "") }
                        } else {
                            { button(on, "Hold", "hold-message", Action::Intervene(Intervention::HoldMessage { id: m.id }),
                                info.in_flight, "") }
                        }
                        { button(on, "Duplicate", "duplicate-message", Action::Intervene(Intervention::DuplicateMessage { id: m.id }),
                            info.in_flight, "") }
                    </div>
                    <p class="hint">{ format!("Sent at {}.", format_time(m.sent_at)) }
                        { if m.held_at.is_some() { " Held: it waits where it is until you release it." } else { "" } }</p>
                </section>
            }
        }
    }
}
