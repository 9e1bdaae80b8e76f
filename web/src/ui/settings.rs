//! Switches for the protocol's extensions, to see why each exists. Changing one replays the
//! same seed and interventions with the new setting, up to the same moment.

use super::action::Action;
use crate::model::toggles::{
    compaction_name, fanout_from, fanout_name, flip, is_on, read_mode_from, read_mode_name, with_compaction, with_fanout,
    with_read_mode, Toggle, COMPACTIONS, READ_MODES,
};
use raft_core::{Config, Fanout};
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    pub raft: Config,
    pub on: Callback<Action>,
}

const SWITCHES: [(Toggle, &str, &str, &str); 3] = [
    (Toggle::PreVote, "pre-vote", "Pre-vote", "a node asks whether it could win before raising its term"),
    (Toggle::CheckQuorum, "check-quorum", "Check-quorum", "a leader that lost its majority steps down"),
    (Toggle::LeaderNoop, "leader-noop", "Leader no-op", "a new leader commits an entry of its own term at once"),
];

#[component]
pub fn Settings(props: &SettingsProps) -> Html {
    let raft = &props.raft;
    let on_read = on_select(&props.on, raft, |raft, name| read_mode_from(name).map(|m| with_read_mode(raft, m)));
    let on_fanout = on_select(&props.on, raft, |raft, name| fanout_from(name).map(|f| with_fanout(raft, f)));
    let on_compaction = on_select(&props.on, raft, |raft, every| every.parse().ok().map(|n| with_compaction(raft, n)));
    html! {
        <section class="panel settings" aria-labelledby="settings-h" data-testid="settings">
            <h2 id="settings-h">{ "Protocol switches" }</h2>
            <ul class="switches">
                { for SWITCHES.iter().map(|&(t, id, name, what)| {
                    let next = flip(raft, t);
                    html! {
                        <li>
                            <label class="switch">
                                <input type="checkbox" data-testid={format!("toggle-{id}")} checked={is_on(raft, t)}
                                    onchange={props.on.reform(move |_: Event| Action::SetRaft(next.clone()))} />
                                <strong>{ name }</strong>
                            </label>
                            <span class="hint">{ what }</span>
                        </li>
                    }
                }) }
                <li>
                    <label class="switch">{ "Reads" }
                        <select data-testid="read-mode" onchange={on_read}>
                            { for READ_MODES.iter().map(|&m| html! {
                                <option value={read_mode_name(m)} selected={raft.read_mode == m}>{ read_mode_name(m) }</option>
                            }) }
                        </select>
                    </label>
                    <span class="hint">{ "lease needs check-quorum; unsafe local answers without any check (the checker will catch it)" }</span>
                </li>
                <li>
                    <label class="switch">{ "New entries go to" }
                        <select data-testid="fanout" onchange={on_fanout}>
                            { for Fanout::all().into_iter().map(|f| html! {
                                <option value={fanout_name(f)} selected={raft.fanout == f}>{ fanout_name(f) }</option>
                            }) }
                        </select>
                    </label>
                    <span class="hint">{ "a quorum saves messages: new entries go at once to just enough followers for a commit, the rest get them with their next heartbeat" }</span>
                </li>
                <li>
                    <label class="switch">{ "Snapshot the log" }
                        <select data-testid="compaction" onchange={on_compaction}>
                            { for COMPACTIONS.iter().map(|&n| html! {
                                <option value={n.to_string()} selected={raft.snapshot_after_entries == n}>{ compaction_name(n) }</option>
                            }) }
                        </select>
                    </label>
                    <span class="hint">{ "§7: a node replaces applied entries with a snapshot of its state machine; a follower too far behind gets the leader's snapshot (InstallSnapshot)" }</span>
                </li>
            </ul>
            <p class="hint">{ "A change replays this run's seed and actions with the new setting, up to the same moment." }</p>
        </section>
    }
}

/// A select's change handler: `apply` turns the chosen option's value into the new setting.
fn on_select(on: &Callback<Action>, raft: &Config, apply: fn(&Config, &str) -> Option<Config>) -> Callback<Event> {
    let (on, raft) = (on.clone(), raft.clone());
    Callback::from(move |e: Event| {
        let value = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).map(|s| s.value());
        if let Some(next) = value.and_then(|v| apply(&raft, &v)) {
            on.emit(Action::SetRaft(next));
        }
    })
}
