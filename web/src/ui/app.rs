//! The app: owns the simulation and the view model's tracker, advances virtual time on every
//! animation frame, and turns every user action into one path: build an intervention, hand it
//! to the simulator (which stamps it with the current virtual time), observe, re-render. The
//! list of interventions (`sim.run()`) is the whole history of a session, so it can be saved,
//! exported and replayed exactly.

use super::action::Action;
use super::browser;
use super::client_panel::ClientPanel;
use super::cluster::Cluster;
use super::feed::Feed;
use super::inspector::{Inspected, Inspector, MessageInfo};
use super::legend::Legend;
use super::logs::Logs;
use super::toolbar::Toolbar;
use crate::model::geometry::ring;
use crate::model::log_view::{log_column, log_columns};
use crate::model::message_view::fields;
use crate::model::speed::{self, format_time};
use crate::model::tracker::Tracker;
use crate::model::{status_text, ClusterView};
use gloo_render::AnimationFrame;
use raft_core::sim::{InFlight, Intervention, Run, Sim, SimConfig};
use raft_core::NodeId;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

/// Log entries shown per node.
const LOG_ROWS: usize = 12;
/// Feed lines shown.
const FEED_SHOWN: usize = 60;
/// A step stops after this many happenings even if none of them was an event.
const MAX_STEP: usize = 10_000;

#[derive(Clone, PartialEq)]
enum Selected {
    Node(NodeId),
    /// The message as last seen in flight, so that it can still be shown once gone.
    Message(Box<InFlight>),
}

pub struct App {
    sim: Sim,
    tracker: Tracker,
    playing: bool,
    speed: usize,
    selected: Option<Selected>,
    last_frame: Option<f64>,
    notice: Option<String>,
    _frame: Option<AnimationFrame>,
    _keys: Option<Closure<dyn Fn(web_sys::KeyboardEvent)>>,
}

/// Virtual time a loaded run is fast-forwarded at most (the rest plays out as usual).
const MAX_FAST_FORWARD_US: u64 = 120_000_000;
/// The view reads events as they come and keeps its own feed: the simulator need not keep many.
const MAX_EVENTS: usize = 20_000;

fn new_sim(seed: u64) -> Sim {
    let mut config = SimConfig::teaching(seed);
    config.max_events = MAX_EVENTS;
    Sim::new(config).expect("the teaching preset is valid")
}

impl App {
    fn request_frame(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self._frame = Some(gloo_render::request_animation_frame(move |ts| link.send_message(Action::Frame(ts))));
    }

    fn observe(&mut self) {
        let ring = ring(self.sim.config().nodes);
        self.tracker.observe(&self.sim, &ring);
    }

    /// Starts over with `sim` (a fresh run or a replay).
    fn reset(&mut self, sim: Sim, notice: Option<String>) {
        browser::show_seed_in_url(sim.config().seed);
        self.sim = sim;
        self.tracker = Tracker::new();
        self.selected = None;
        self.notice = notice;
        self.observe();
    }

    /// The one path for every change to the cluster.
    fn intervene(&mut self, what: Intervention) {
        self.sim.intervene(what);
        self.observe();
    }

    fn replay(&mut self, run: Run, from: &str) {
        match Sim::replay(&run) {
            Ok(mut sim) => {
                // Replay up to the last thing the user did, and pause there.
                let last = run.interventions.iter().map(|s| s.at).max().unwrap_or(0);
                sim.run_until(last.min(MAX_FAST_FORWARD_US));
                let n = run.interventions.len();
                self.reset(sim, Some(format!("Replayed the run {from}: seed {}, {n} interventions.", run.config.seed)));
                self.playing = false;
            }
            Err(e) => self.notice = Some(format!("Cannot replay that run: {e}")),
        }
    }

    fn step(&mut self) {
        self.playing = false;
        let before = self.sim.events_discarded() + self.sim.events().len();
        for _ in 0..MAX_STEP {
            if self.sim.step().is_none() || self.sim.events_discarded() + self.sim.events().len() > before {
                break;
            }
        }
        self.observe();
    }

    fn inspected(&self) -> Inspected {
        match &self.selected {
            None => Inspected::Nothing,
            Some(Selected::Node(id)) => {
                let view = ClusterView::build(&self.sim, &self.tracker);
                let Some(node) = view.node(*id).cloned() else { return Inspected::Nothing };
                let timer_left_us = self
                    .sim
                    .node(*id)
                    .filter(|n| !n.is_leader())
                    .map(|n| n.election_deadline().saturating_sub(self.sim.now()));
                Inspected::Node { node, column: log_column(&self.sim, *id, 0), timer_left_us }
            }
            Some(Selected::Message(seen)) => {
                let live = self.sim.in_flight().iter().find(|m| m.id == seen.id);
                let message = live.cloned().unwrap_or_else(|| (**seen).clone());
                let (fate, fate_text) = match (live, self.tracker.fate_of(seen.id)) {
                    (Some(m), _) => ("in-flight", format!("In flight, {:.0}% of the way", m.progress(self.sim.now()) * 100.0)),
                    (None, Some(f)) => (f.name(), capitalise(&f.describe())),
                    (None, None) => ("gone", "No longer in flight".to_string()),
                };
                Inspected::Message(MessageInfo {
                    fields: fields(&message, self.sim.now()),
                    in_flight: live.is_some(),
                    fate,
                    fate_text,
                    message,
                })
            }
        }
    }

    fn on_key(&mut self, key: &str) -> bool {
        match key {
            " " => self.playing = !self.playing,
            "k" | "K" => return self.kill_leader(),
            "s" | "S" | "." => self.step(),
            "n" | "N" => self.reset(new_sim(browser::random_seed()), None),
            "Escape" => self.selected = None,
            _ => return false,
        }
        true
    }

    fn kill_leader(&mut self) -> bool {
        match self.sim.leader() {
            Some(leader) => {
                self.intervene(Intervention::Crash { node: leader });
                true
            }
            None => false,
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

impl Component for App {
    type Message = Action;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let seed = browser::query("seed").and_then(|s| s.parse().ok()).unwrap_or_else(browser::random_seed);
        let speed = browser::query("speed").and_then(|s| s.parse().ok()).map_or(speed::DEFAULT_SPEED, speed::nearest);
        let playing = browser::query("paused").is_none_or(|p| p == "0" || p == "false");
        let link = ctx.link().clone();
        let keys = browser::on_keydown(move |e: web_sys::KeyboardEvent| {
            if e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            let tag = e
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                .map(|el| el.tag_name())
                .unwrap_or_default();
            // Typing in a field, or pressing space on a button (which clicks it), is not a shortcut.
            let typing = matches!(tag.as_str(), "INPUT" | "SELECT" | "TEXTAREA");
            let key = e.key();
            if typing || (key == " " && (tag == "BUTTON" || tag == "SUMMARY" || tag == "g")) {
                return;
            }
            if matches!(key.as_str(), " " | "k" | "K" | "s" | "S" | "." | "n" | "N" | "Escape") {
                e.prevent_default();
                link.send_message(Action::Key(key));
            }
        });
        let mut app = App {
            sim: new_sim(seed),
            tracker: Tracker::new(),
            playing,
            speed,
            selected: None,
            last_frame: None,
            notice: None,
            _frame: None,
            _keys: keys,
        };
        browser::show_seed_in_url(seed);
        app.observe();
        app.request_frame(ctx);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, action: Action) -> bool {
        match action {
            Action::Frame(ts) => {
                self.request_frame(ctx);
                let elapsed = self.last_frame.map_or(0.0, |last| ts - last);
                self.last_frame = Some(ts);
                if !self.playing {
                    return false;
                }
                let advance = speed::advance_us(elapsed, self.speed);
                if advance == 0 {
                    return false;
                }
                self.sim.run_until(self.sim.now() + advance);
                self.observe();
            }
            Action::Intervene(what) => {
                self.intervene(what);
                if let Err(e) = browser::save(&self.sim.run()) {
                    web_sys::console::warn_1(&e.into());
                }
            }
            Action::KillLeader => return self.kill_leader(),
            Action::IsolateLeader => match self.sim.leader() {
                Some(leader) => self.intervene(Intervention::Partition { groups: vec![vec![leader]] }),
                None => return false,
            },
            Action::SelectNode(id) => self.selected = Some(Selected::Node(id)),
            Action::SelectMessage(id) => {
                let Some(m) = self.sim.in_flight().iter().find(|m| m.id == id) else { return false };
                self.selected = Some(Selected::Message(Box::new(m.clone())));
            }
            Action::CloseInspector => self.selected = None,
            Action::TogglePlay => self.playing = !self.playing,
            Action::Step => self.step(),
            Action::SetSpeed(i) => self.speed = i.min(speed::SPEEDS.len() - 1),
            Action::NewSeed => self.reset(new_sim(browser::random_seed()), None),
            Action::UseSeed(seed) => self.reset(new_sim(seed), None),
            Action::Save => {
                self.notice = Some(match browser::save(&self.sim.run()) {
                    Ok(()) => format!("Saved: seed {} and {} interventions.", self.sim.config().seed, self.sim.interventions().len()),
                    Err(e) => e,
                })
            }
            Action::Load => match browser::load() {
                Ok(run) => self.replay(run, "saved in this browser"),
                Err(e) => self.notice = Some(e),
            },
            Action::Export => {
                let name = format!("raft-run-seed-{}.json", self.sim.config().seed);
                if let Err(e) = browser::run_to_json(&self.sim.run()).and_then(|text| browser::download(&name, &text)) {
                    self.notice = Some(e);
                }
            }
            Action::Import(text) => match browser::run_from_json(&text) {
                Ok(run) => self.replay(run, "from the file"),
                Err(e) => self.notice = Some(e),
            },
            Action::Key(key) => return self.on_key(&key),
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let on = ctx.link().callback(|a: Action| a);
        let view = Rc::new(ClusterView::build(&self.sim, &self.tracker));
        let leader = view.leader;
        let selected_node = match &self.selected {
            Some(Selected::Node(id)) => Some(*id),
            _ => None,
        };
        let selected_message = match &self.selected {
            Some(Selected::Message(m)) => Some(m.id),
            _ => None,
        };
        let violations = self.sim.violations();
        let feed: Vec<_> = self.tracker.feed.iter().rev().take(FEED_SHOWN).cloned().collect();
        let seed = self.sim.config().seed;
        html! {
            <div class="app">
                <header class="top">
                    <div class="title">
                        <h1>{ "Raft, live" }</h1>
                        <p class="subtitle">{ "Five nodes of a real Raft implementation, in a deterministic simulation you can break." }</p>
                    </div>
                    <dl class="facts">
                        <div><dt>{ "seed" }</dt><dd data-testid="seed">{ seed }</dd></div>
                        <div><dt>{ "time" }</dt><dd data-testid="clock">{ format_time(self.sim.now()) }</dd></div>
                        <div><dt>{ "speed" }</dt><dd>{ speed::label(self.speed) }</dd></div>
                    </dl>
                </header>
                <Toolbar playing={self.playing} speed={self.speed} {seed} has_leader={leader.is_some()}
                    loss_percent={(self.sim.loss() * 100.0).round() as u32} partitioned={!view.cut_links.is_empty()} on={on.clone()} />
                <p class={classes!("status", leader.is_none().then_some("no-leader"))} data-testid="status" role="status"
                   data-leader={leader.map(|l| l.0.to_string()).unwrap_or_default()}
                   data-term={leader.map(|l| l.1.to_string()).unwrap_or_default()}
                   data-playing={self.playing.to_string()}>
                    { status_text(&view) }
                    if !self.playing { <span class="paused">{ " · paused" }</span> }
                </p>
                if let Some(n) = &self.notice {
                    <p class="notice" role="status">{ n.clone() }</p>
                }
                if !violations.is_empty() {
                    <p class="violation" data-testid="violations" role="alert">
                        { format!("{} safety violation(s): {}", violations.len(), violations[0].detail) }
                    </p>
                }
                <main class="stage">
                    <div class="picture">
                        <Cluster view={view.clone()} {selected_node} {selected_message} on={on.clone()} />
                        <Legend />
                    </div>
                    <div class="side">
                        <Inspector inspected={self.inspected()} on={on.clone()} />
                        <ClientPanel nodes={self.sim.node_ids().collect::<Vec<_>>()} requests={self.tracker.requests.list.clone()} on={on.clone()} />
                    </div>
                </main>
                <Logs columns={log_columns(&self.sim, LOG_ROWS)} />
                <Feed lines={feed} />
                <footer class="foot">
                    <p>{ "Keys: space play/pause · S step · K kill the leader · N new seed · Esc close the inspector. Every action is an intervention stamped with the virtual time; the run (seed + interventions) replays exactly." }</p>
                </footer>
            </div>
        }
    }
}
