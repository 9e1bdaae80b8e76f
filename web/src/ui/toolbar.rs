//! Playback and run controls: play, pause, step, speed, kill the leader, add a server, seeds,
//! and saving or loading a run.

use super::action::Action;
use super::browser;
use crate::model::speed;
use raft_core::sim::{Intervention, MAX_NODES};
use raft_core::MembershipChange;
use wasm_bindgen::JsCast;

/// Message loss rates offered, in percent.
const LOSS_PERCENT: [u32; 4] = [0, 10, 30, 60];
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ToolbarProps {
    pub playing: bool,
    pub speed: usize,
    pub seed: u64,
    pub has_leader: bool,
    /// The network's loss rate, in percent.
    pub loss_percent: u32,
    /// Whether any link is cut.
    pub partitioned: bool,
    /// The change that adds a new server, while the simulation has room for one.
    pub add_server: Option<MembershipChange>,
    pub on: Callback<Action>,
}

#[component]
pub fn Toolbar(props: &ToolbarProps) -> Html {
    let on = &props.on;
    let seed_text = use_state(|| props.seed.to_string());
    {
        // Show the seed of the run that is on screen whenever it changes.
        let seed_text = seed_text.clone();
        use_effect_with(props.seed, move |s| seed_text.set(s.to_string()));
    }
    let click = |a: Action| on.reform(move |_: MouseEvent| a.clone());
    let on_speed = on.reform(|e: Event| {
        let v = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).map(|s| s.value());
        Action::SetSpeed(v.and_then(|v| v.parse().ok()).unwrap_or(speed::DEFAULT_SPEED))
    });
    let on_seed_input = {
        let seed_text = seed_text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                seed_text.set(i.value());
            }
        })
    };
    let on_seed_submit = {
        let (on, seed_text) = (on.clone(), seed_text.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Ok(s) = seed_text.trim().parse::<u64>() {
                on.emit(Action::UseSeed(s));
            }
        })
    };
    let on_loss = on.reform(|e: Event| {
        let v = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).map(|s| s.value());
        let percent: f64 = v.and_then(|v| v.parse().ok()).unwrap_or(0.0);
        Action::Intervene(Intervention::SetLoss { loss: percent / 100.0 })
    });
    let seed_valid = seed_text.trim().parse::<u64>().is_ok();
    html! {
        <nav class="toolbar" aria-label="Simulation controls">
            <div class="group">
                <button class="primary play" data-testid="play"
                    onclick={click(Action::TogglePlay)} title="Play or pause (space)">
                    { if props.playing { "❚❚ Pause" } else { "▶ Play" } }
                </button>
                <button data-testid="step" onclick={click(Action::Step)} title="Pause and advance to the next event (S)">
                    { "Step ›" }
                </button>
                <label class="speed">{ "Speed" }
                    <select data-testid="speed" onchange={on_speed}>
                        { for (0..speed::SPEEDS.len()).map(|i| html! {
                            <option value={i.to_string()} selected={i == props.speed}>{ speed::label(i) }</option>
                        }) }
                    </select>
                </label>
            </div>
            <div class="group">
                <button class="danger" data-testid="kill-leader" disabled={!props.has_leader}
                    onclick={click(Action::KillLeader)} title="Crash the current leader (K)">
                    { "Kill the leader" }<kbd>{ "K" }</kbd>
                </button>
                <button data-testid="isolate-leader" disabled={!props.has_leader} onclick={click(Action::IsolateLeader)}
                    title="Cut every link between the leader and the others">
                    { "Isolate the leader" }
                </button>
                <button data-testid="heal" disabled={!props.partitioned} onclick={click(Action::Intervene(Intervention::Heal))}
                    title="Restore every link">
                    { "Heal" }
                </button>
                // Short on screen, so that the toolbar stays on one line at 1366 pixels wide.
                <button data-testid="add-server" aria-label="Add a server" disabled={props.add_server.is_none()}
                    onclick={let add = props.add_server; on.reform(move |_: MouseEvent| match add {
                        Some(change) => Action::Intervene(Intervention::ChangeMembership { change }),
                        None => Action::Notice(format!("A simulation has at most {MAX_NODES} servers.")),
                    })}
                    title={match props.add_server {
                        Some(MembershipChange::Add(id)) => format!("Start node {id}, empty, and ask the leader to add it: it learns the log first, then votes (§6)"),
                        _ => format!("A simulation has at most {MAX_NODES} servers"),
                    }}>
                    { "Add node" }
                </button>
                <label>{ "Loss" }
                    <select data-testid="loss" onchange={on_loss}>
                        { for LOSS_PERCENT.iter().map(|&p| html! {
                            <option value={p.to_string()} selected={p == props.loss_percent}>{ format!("{p}%") }</option>
                        }) }
                    </select>
                </label>
            </div>
            <form class="group seed-form" onsubmit={on_seed_submit}>
                <label>{ "Seed" }
                    <input data-testid="seed-input" inputmode="numeric" size="6" value={(*seed_text).clone()}
                        oninput={on_seed_input} aria-invalid={(!seed_valid).to_string()} />
                </label>
                <button type="submit" disabled={!seed_valid} title="Start over with this seed">{ "Restart" }</button>
                <button type="button" data-testid="new-seed" onclick={click(Action::NewSeed)} title="Start over with a random seed (N)">
                    { "New seed" }
                </button>
            </form>
        </nav>
    }
}

#[derive(Properties, PartialEq)]
pub struct RunMenuProps {
    pub on: Callback<Action>,
}

/// A file input's change: reads the chosen file and sends `action` with its text; the input
/// is cleared, so that choosing the same file again reads it again.
fn on_file(on: &Callback<Action>, action: fn(String) -> Action) -> Callback<Event> {
    let on = on.clone();
    Callback::from(move |e: Event| {
        if let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
            let on = on.clone();
            browser::read_file(&input, move |text| on.emit(action(text)));
            input.set_value("");
        }
    })
}

/// Saving and loading a run: in this browser, or as a JSON file; and opening a kvsim trace.
#[component]
pub fn RunMenu(props: &RunMenuProps) -> Html {
    let on = &props.on;
    let click = |a: Action| on.reform(move |_: MouseEvent| a.clone());
    let on_import = on_file(on, Action::Import);
    let on_trace = on_file(on, Action::OpenTrace);
    html! {
        <details class="run-menu">
            <summary>{ "Save / load" }</summary>
            <div class="menu">
                <button onclick={click(Action::Save)}>{ "Save in this browser" }</button>
                <button onclick={click(Action::Load)}>{ "Load saved run" }</button>
                <button onclick={click(Action::Export)}>{ "Export run (JSON)" }</button>
                <label class="file">{ "Import run" }
                    <input type="file" accept="application/json,.json" onchange={on_import} />
                </label>
                <label class="file" title="A run of any replica under kvsim --trace DIR: DIR/<config>.<run>.jsonl">{ "Open a kvsim trace" }
                    <input type="file" data-testid="open-trace" accept=".jsonl,application/jsonl,text/plain" onchange={on_trace} />
                </label>
            </div>
        </details>
    }
}
