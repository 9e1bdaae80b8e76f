//! The client panel: put and get against any node, and what became of each request
//! (redirects, answers).

use super::action::Action;
use crate::model::feed::UserRequest;
use raft_core::sim::Intervention;
use raft_core::{NodeId, Op};
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClientPanelProps {
    pub nodes: Vec<NodeId>,
    pub requests: Vec<UserRequest>,
    pub on: Callback<Action>,
}

fn value_of(target: Option<web_sys::EventTarget>) -> String {
    target
        .and_then(|t| {
            t.dyn_ref::<web_sys::HtmlInputElement>().map(|i| i.value()).or_else(|| t.dyn_ref::<web_sys::HtmlSelectElement>().map(|s| s.value()))
        })
        .unwrap_or_default()
}

#[component]
pub fn ClientPanel(props: &ClientPanelProps) -> Html {
    let node = use_state(|| 1 as NodeId);
    let is_get = use_state(|| false);
    let key = use_state(|| "x".to_string());
    let value = use_state(|| "1".to_string());

    let on_node = { let node = node.clone(); Callback::from(move |e: Event| node.set(value_of(e.target()).parse().unwrap_or(1))) };
    let on_op = { let is_get = is_get.clone(); Callback::from(move |e: Event| is_get.set(value_of(e.target()) == "get")) };
    let on_key = { let key = key.clone(); Callback::from(move |e: InputEvent| key.set(value_of(e.target()))) };
    let on_value = { let value = value.clone(); Callback::from(move |e: InputEvent| value.set(value_of(e.target()))) };
    let onsubmit = {
        let (on, node, is_get, key, value) = (props.on.clone(), node.clone(), is_get.clone(), key.clone(), value.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let k = key.trim().to_string();
            if k.is_empty() {
                return;
            }
            let op = if *is_get { Op::Get { key: k } } else { Op::Put { key: k, value: (*value).clone() } };
            on.emit(Action::Intervene(Intervention::Request { node: *node, op }));
        })
    };

    html! {
        <section class="panel client" aria-labelledby="client-h" data-testid="client-panel">
            <h2 id="client-h">{ "Client" }</h2>
            <form class="client-form" {onsubmit}>
                <label>{ "Node" }
                    <select data-testid="client-node" onchange={on_node}>
                        { for props.nodes.iter().map(|&n| html! {
                            <option value={n.to_string()} selected={*node == n}>{ format!("node {n}") }</option>
                        }) }
                    </select>
                </label>
                <label>{ "Operation" }
                    <select data-testid="client-op" onchange={on_op}>
                        <option value="put" selected={!*is_get}>{ "put" }</option>
                        <option value="get" selected={*is_get}>{ "get" }</option>
                    </select>
                </label>
                <label>{ "Key" }
                    <input data-testid="client-key" value={(*key).clone()} oninput={on_key} size="6" autocomplete="off" />
                </label>
                <label class={classes!((*is_get).then_some("invisible"))}>{ "Value" }
                    <input data-testid="client-value" value={(*value).clone()} oninput={on_value} size="6"
                        autocomplete="off" disabled={*is_get} />
                </label>
                <button type="submit" class="primary" data-testid="client-send">{ "Send" }</button>
            </form>
            <ol class="requests" data-testid="client-requests" reversed=true>
                { for props.requests.iter().rev().take(6).map(|r| html! {
                    <li data-done={r.done.is_some().to_string()}>
                        <span class="req-op">{ r.summary() }</span>
                        { for r.hops.iter().map(|(n, said)| html! {
                            <span class="hop">{ format!("→ node {n}: {said}") }</span>
                        }) }
                    </li>
                }) }
            </ol>
            if props.requests.is_empty() {
                <p class="hint">{ "Send a put to any node: a follower redirects you to the leader, which answers once a majority stores the entry." }</p>
            }
        </section>
    }
}
