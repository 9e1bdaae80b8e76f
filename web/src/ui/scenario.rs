//! The guided scenarios: a menu, and the narration and what to watch of the one running.

use super::action::Action;
use raft_core::sim::scenarios::Scenario;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ScenarioMenuProps {
    /// (id, title) of every scenario.
    pub list: Vec<(&'static str, &'static str)>,
    pub current: Option<&'static str>,
    pub on: Callback<Action>,
}

#[component]
pub fn ScenarioMenu(props: &ScenarioMenuProps) -> Html {
    let onchange = props.on.reform(|e: Event| {
        let v = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).map(|s| s.value());
        Action::LoadScenario(v.unwrap_or_default())
    });
    html! {
        <label class="scenario-menu">{ "Scenario" }
            <select data-testid="scenario-menu" {onchange}>
                <option value="" selected={props.current.is_none()}>{ "Free play" }</option>
                { for props.list.iter().map(|&(id, title)| html! {
                    <option value={id} selected={props.current == Some(id)}>{ title }</option>
                }) }
            </select>
        </label>
    }
}

#[derive(Properties, PartialEq)]
pub struct NarrationProps {
    pub scenario: Scenario,
    /// Whether the run still is the scenario as written (no action, no switch changed).
    pub pristine: bool,
    pub on: Callback<Action>,
}

#[component]
pub fn Narration(props: &NarrationProps) -> Html {
    let s = &props.scenario;
    let id = s.id.to_string();
    html! {
        <section class="panel narration" aria-labelledby="narration-h" data-testid="narration" data-scenario={s.id}>
            <header class="panel-head">
                <h2 id="narration-h">{ s.title }</h2>
                <button class="small" data-testid="scenario-restart" onclick={props.on.reform(move |_: MouseEvent| Action::LoadScenario(id.clone()))}>
                    { "Restart" }
                </button>
            </header>
            <p>{ s.narration }</p>
            <h3 class="sub">{ "What to watch" }</h3>
            <ul class="watch">{ for s.watch.iter().map(|w| html! { <li>{ *w }</li> }) }</ul>
            if !props.pristine {
                <p class="hint">{ "You changed this run: the link now carries your version." }</p>
            }
        </section>
    }
}
