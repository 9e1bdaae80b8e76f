//! The guided scenarios: a menu, and the narration and what to watch of the one running.

use super::action::Action;
use crate::model::speed::format_time;
use crate::model::story;
use raft_core::sim::scenarios::Scenario;
use raft_core::Time;
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
    pub now: Time,
    pub playing: bool,
    pub on: Callback<Action>,
}

/// The story's current beat (its moments are those of the run as written), a button to play
/// on from it, and the whole story's summary and what to watch, folded.
#[component]
pub fn Narration(props: &NarrationProps) -> Html {
    let s = &props.scenario;
    let id = s.id.to_string();
    let beat = props.pristine.then(|| story::current_beat(&s.beats, props.now)).flatten();
    let more_to_come = props.now < s.until;
    html! {
        <section class="panel narration" aria-labelledby="narration-h" data-testid="narration" data-scenario={s.id}
            data-beat={beat.map(|b| (b + 1).to_string()).unwrap_or_default()}>
            <header class="panel-head">
                <h2 id="narration-h">{ s.title }</h2>
                <button class="small" data-testid="scenario-restart" onclick={props.on.reform(move |_: MouseEvent| Action::LoadScenario(id.clone()))}>
                    { "Restart" }
                </button>
            </header>
            if let Some(b) = beat.map(|i| (i, &s.beats[i])) {
                <div class="beat" aria-live="polite">
                    <p class="beat-count">{ format!("{} of {} · {}", b.0 + 1, s.beats.len(), format_time(b.1.at)) }</p>
                    <h3 class="beat-title" data-testid="beat-title">{ b.1.title }</h3>
                    <p class="beat-text">{ b.1.text }</p>
                </div>
            }
            <div class="story-foot">
                // One button that stays put whether the story plays or waits, so that keyboard
                // focus stays on it from beat to beat.
                if let Some(b) = beat.filter(|_| more_to_come) {
                    if props.playing {
                        <button class="play" data-testid="story-continue" onclick={props.on.reform(|_: MouseEvent| Action::TogglePlay)}>
                            { "❚❚ Pause" }
                        </button>
                    } else {
                        <button class="primary play" data-testid="story-continue" onclick={props.on.reform(|_: MouseEvent| Action::Continue)}>
                            { if b + 1 < s.beats.len() { "Continue ▶" } else { "Play to the end ▶" } }
                        </button>
                    }
                }
                <details class="story-about" open={beat.is_none()}>
                    <summary>{ "The whole story" }</summary>
                    <p>{ s.narration }</p>
                    <h3 class="sub">{ "What to watch" }</h3>
                    <ul class="watch">{ for s.watch.iter().map(|w| html! { <li>{ *w }</li> }) }</ul>
                </details>
            </div>
            if !props.pristine {
                <p class="hint">{ "You changed this run: the link now carries your version, and the story's moments may no longer hold." }</p>
            }
        </section>
    }
}
