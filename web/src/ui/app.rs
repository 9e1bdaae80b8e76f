//! The app: owns the simulation and the view model's tracker, advances virtual time on every
//! animation frame, and turns every user action into one path: build an intervention, hand it
//! to the simulator (which stamps it with the current virtual time), observe, re-render. The
//! list of interventions (`sim.run()`) is the whole history of a session, so it can be saved,
//! exported and replayed exactly.

use super::action::Action;
use super::browser;
use super::cheatsheet::CheatSheet;
use super::client_panel::ClientPanel;
use super::cluster::Cluster;
use super::feed::Feed;
use super::inspector::{Inspected, Inspector, MessageInfo};
use super::legend::Legend;
use super::log_strip::LogStripView;
use super::logs::Logs;
use super::partition::PartitionPanel;
use super::safety::Safety;
use super::scenario::{Narration, ScenarioMenu};
use super::settings::Settings;
use super::sim_spacetime::{sim_spacetime, DEFAULT_SPAN};
use super::timeline::{timeline_bar, Cursor};
use super::toolbar::{RunMenu, Toolbar};
use super::tour::TourCard;
use super::shared::Shared;
use super::trace_view::{SharedTrace, TraceView};
use crate::model::geometry::ring;
use crate::model::log_strip::LogStrip;
use crate::model::log_view::{log_column, log_columns};
use crate::model::membership::{change_for, next_server, refusal_since};
use crate::model::message_view::fields;
use crate::model::partition::PartitionDraft;
use crate::model::safety::{badges, history_plot, HistoryPlot};
use crate::model::session::Session;
use crate::model::share::{self, Source};
use crate::model::speed::{self, format_time};
use crate::model::story;
use crate::model::tour::Tour;
use crate::model::trace_run::TraceRun;
use crate::model::tracker::Tracker;
use crate::model::{status_text, ClusterView};
use gloo_render::AnimationFrame;
use raft_core::check::{self, Report};
use raft_core::sim::scenarios::{self, Scenario};
use raft_core::sim::{InFlight, Intervention, Run, SimConfig, MessageId};
use raft_core::{NodeId, Time};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Log entries shown per node in the detailed logs.
const LOG_ROWS: usize = 12;
/// Indexes shown in the logs beside the ring (the style sheet hides the oldest on narrow screens).
const STRIP_CELLS: usize = 24;
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
    session: Session,
    tracker: Tracker,
    /// The guided scenario this run started from, if any.
    scenario: Option<Scenario>,
    /// (id, title) of every scenario, for the menu.
    scenario_list: Vec<(&'static str, &'static str)>,
    /// The last replay: virtual time replayed and how long it took (ms).
    replay: Option<(Time, f64)>,
    draft: PartitionDraft,
    /// The cut links when the partition panel last looked.
    shown_cuts: Vec<(NodeId, NodeId)>,
    cheatsheet: bool,
    /// The first-visit tour, while it runs.
    tour: Option<Tour>,
    /// Whether the space-time diagram is open (it is drawn only then).
    spacetime: bool,
    /// The space-time diagram's window.
    spacetime_span: Time,
    /// A kvsim trace being viewed instead of the simulation, and how many were opened.
    trace: Option<SharedTrace>,
    trace_opened: u64,
    /// Once drawn, keyboard focus moves here (a selector): to the next text to read when the
    /// control that had focus went away with the step it belonged to.
    focus: Option<&'static str>,
    /// Large type for a lecture hall (`?projector=1`).
    projector: bool,
    dragging: Rc<Cell<bool>>,
    /// Bumped whenever the present jumps (replay, branch, new run): caches keyed on it.
    generation: u64,
    /// The linearizability report, keyed by (generation, operations, answered operations).
    lin: RefCell<Option<(LinKey, Rc<Report>)>>,
    playing: bool,
    speed: usize,
    selected: Option<Selected>,
    last_frame: Option<f64>,
    notice: Option<String>,
    /// A notice that goes away by itself, and when (a `performance.now()` time, ms).
    fading: Option<(f64, String)>,
    /// Something was just selected: once drawn, its inspector is brought into view (on a phone
    /// it sits below the picture, out of sight of the finger that tapped).
    reveal_inspector: bool,
    /// For answers that come back later than the action that asked (the clipboard's).
    link: yew::html::Scope<App>,
    _frame: Option<AnimationFrame>,
    _keys: Option<Closure<dyn Fn(web_sys::KeyboardEvent)>>,
}

/// Where this browser remembers that the tour was taken or skipped.
const TOUR_KEY: &str = "raft-web/tour";
/// Virtual time the tour plays on at most to find a leader to point at.
const TOUR_SETTLE_US: Time = 5_000_000;
/// How long a confirmation stays before it goes away (its fading is in style.css).
const FADING_NOTICE_MS: f64 = 4_000.0;
/// Virtual time a loaded run is fast-forwarded at most (the rest plays out as usual).
const MAX_FAST_FORWARD_US: u64 = 120_000_000;
/// The view reads events as they come and keeps its own feed: the simulator need not keep many.
const MAX_EVENTS: usize = 20_000;
/// The history plot shows this much virtual time up to the present.
const HISTORY_WINDOW_US: Time = 20_000_000;

/// What the linearizability report depends on: (generation, operations, answered operations).
type LinKey = (u64, usize, usize);

/// A run as the app keeps it (the bound on the event log changes nothing else).
fn normalised(mut run: Run) -> Run {
    run.config.max_events = MAX_EVENTS;
    run
}

fn fresh_run(seed: u64) -> Run {
    normalised(Run { config: SimConfig::teaching(seed), interventions: vec![] })
}

impl App {
    fn request_frame(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self._frame = Some(gloo_render::request_animation_frame(move |ts| link.send_message(Action::Frame(ts))));
    }

    fn sim(&self) -> &raft_core::sim::Sim {
        &self.session.sim
    }

    fn observe(&mut self) {
        // The ring follows the nodes the run has now: added servers join it, and a replay to
        // before they were added leaves them out again.
        let ring = ring(self.sim().node_count());
        self.tracker.observe(&self.session.sim, &ring);
        self.draft.fit(self.sim().node_count());
        if let Some(t) = &mut self.tour {
            t.observe(self.session.sim.leader());
        }
        self.show_partition();
    }

    /// After the present jumped back: the per-frame memory starts again from the replay.
    fn jumped(&mut self) {
        self.tracker = Tracker::new();
        self.generation += 1;
        self.observe();
    }

    /// When the network's cuts change and make exactly two sides, the partition panel shows them.
    fn show_partition(&mut self) {
        let sim = &self.session.sim;
        let cuts = sim.cut_links();
        if cuts == self.shown_cuts {
            return;
        }
        if let Some(d) = PartitionDraft::from_cuts(sim.node_count(), &cuts) {
            self.draft = d;
        }
        self.shown_cuts = cuts;
    }

    /// Starts `run` (a fresh run, a scenario, a loaded or shared run), at `at` if given.
    fn load(&mut self, run: Run, scenario: Option<Scenario>, at: Option<Time>, notice: Option<String>) {
        let run = normalised(run);
        let session = match Session::new(&run) {
            Ok(s) => s,
            Err(e) => {
                self.notice = Some(format!("Cannot start that run: {e}"));
                return;
            }
        };
        let nodes = run.config.nodes;
        self.session = session;
        self.scenario = scenario;
        // The tour talks about the run it started on.
        self.tour = None;
        self.selected = None;
        self.notice = notice;
        self.replay = None;
        self.draft = PartitionDraft::new(nodes);
        self.shown_cuts = Vec::new();
        if let Some(t) = at {
            let started = browser::now_ms();
            self.session.advance_to(t);
            self.replay = Some((t, browser::now_ms() - started));
        }
        self.jumped();
        self.sync_url();
    }

    fn load_scenario(&mut self, id: &str) {
        if id.is_empty() {
            self.load(fresh_run(browser::random_seed()), None, None, None);
            return;
        }
        match scenarios::by_id(id) {
            Some(s) => {
                let (run, start) = (s.run.clone(), s.starts_at());
                self.load(run, Some(s), (start > 0).then_some(start), None);
                self.playing = true;
            }
            None => self.notice = Some(format!("There is no scenario called {id}.")),
        }
    }

    /// The story being told: the scenario, while the run is still the scenario as written
    /// (its beats and end are moments of that run). Playing stops on each.
    fn story(&self) -> Option<&Scenario> {
        self.scenario.as_ref().filter(|_| self.pristine())
    }

    /// Whether the run is still the scenario's, as written.
    fn pristine(&self) -> bool {
        self.scenario.as_ref().is_some_and(|s| normalised(s.run.clone()) == self.session.run())
    }

    /// What the address bar says: the scenario, or the whole run, and the present.
    fn sync_url(&self) {
        let run = self.session.run();
        let source = if self.pristine() {
            self.scenario.as_ref().map(|s| Source::Scenario(s.id.to_string()))
        } else if run == fresh_run(run.config.seed) {
            None
        } else {
            Some(Source::Run(Box::new(run.clone())))
        };
        let now = self.sim().now();
        let fragment = match source {
            Some(source) => share::fragment(&source, Some(now)),
            None => format!("t={now}"),
        };
        browser::show_in_url(run.config.seed, &fragment);
    }

    /// Moves the present (replaying from the start if it goes back), and measures the replay.
    fn seek(&mut self, t: Time) {
        let (started, before) = (browser::now_ms(), self.sim().now());
        match self.session.seek(t) {
            Ok(true) => {
                self.replay = Some((t, browser::now_ms() - started));
                self.jumped();
            }
            Ok(false) => {
                if t > before + 1_000_000 {
                    self.replay = Some((t - before, browser::now_ms() - started));
                }
                self.observe();
            }
            Err(e) => self.notice = Some(format!("Cannot replay: {e}")),
        }
        self.sync_url();
    }

    /// The one path for every change to the cluster.
    fn intervene(&mut self, what: Intervention) {
        if self.session.in_the_past() {
            self.generation += 1;
        }
        let seen = self.sim().events_total();
        self.session.intervene(what);
        if let Some(why) = refusal_since(self.sim(), seen) {
            self.notice = Some(why);
        }
        self.observe();
        self.sync_url();
    }

    fn replay(&mut self, run: Run, from: &str) {
        // Replay up to the last thing the user did, and pause there.
        let last = run.interventions.iter().map(|s| s.at).max().unwrap_or(0);
        let n = run.interventions.len();
        let notice = format!("Replayed the run {from}: seed {}, {n} interventions.", run.config.seed);
        self.load(run, None, Some(last.min(MAX_FAST_FORWARD_US)), Some(notice));
        self.playing = false;
    }

    fn step(&mut self) {
        self.playing = false;
        let before = self.sim().events_total();
        for _ in 0..MAX_STEP {
            if self.session.step().is_none() || self.sim().events_total() > before {
                break;
            }
        }
        self.observe();
        self.sync_url();
    }

    /// Starts the tour on the run on screen, playing: it points at the leader first, so the
    /// run plays on (a few virtual seconds at most) until there is one.
    fn start_tour(&mut self) {
        self.tour = Some(Tour::default());
        self.playing = true;
        self.focus = Some("#tour-h");
        let limit = self.sim().now() + TOUR_SETTLE_US;
        while self.sim().leader().is_none() && self.sim().now() < limit {
            let t = self.sim().now() + 10_000;
            self.session.advance_to(t);
        }
        self.observe();
        self.sync_url();
    }

    /// Interventions scheduled after the present (an action now would forget them).
    fn future_interventions(&self) -> usize {
        let now = self.sim().now();
        self.sim().interventions().iter().filter(|s| s.at > now).count()
    }

    fn history(&self) -> HistoryPlot {
        let sim = self.sim();
        let history = sim.history();
        let answered = history.iter().filter(|o| o.ret.is_some()).count();
        let key = (self.generation, history.len(), answered);
        let mut cache = self.lin.borrow_mut();
        let report = match &*cache {
            Some((k, r)) if *k == key => r.clone(),
            _ => {
                let r = Rc::new(check::check(history));
                *cache = Some((key, r.clone()));
                r
            }
        };
        let names: Vec<String> = sim.clients().iter().map(|c| c.name.clone()).collect();
        let now = sim.now();
        history_plot(history, &report, &names, now.saturating_sub(HISTORY_WINDOW_US), now.max(1))
    }

    /// The message in the inspector, if one is.
    fn inspected_message(&self) -> Option<MessageId> {
        match &self.selected {
            Some(Selected::Message(m)) => Some(m.id),
            _ => None,
        }
    }

    fn inspected(&self) -> Inspected {
        match &self.selected {
            None => Inspected::Nothing,
            Some(Selected::Node(id)) => {
                let sim = self.sim();
                let view = ClusterView::build(sim, &self.tracker);
                let Some(node) = view.node(*id).cloned() else { return Inspected::Nothing };
                let timer_left_us =
                    sim.node(*id).filter(|n| !n.is_leader()).map(|n| n.election_deadline().saturating_sub(sim.now()));
                let links = sim.node_ids().filter(|&p| p != *id).map(|p| (p, sim.is_cut(*id, p), sim.is_cut(p, *id))).collect();
                Inspected::Node { node, column: log_column(sim, *id, 0), timer_left_us, links, change: change_for(sim, *id) }
            }
            Some(Selected::Message(seen)) => {
                let live = self.sim().in_flight().iter().find(|m| m.id == seen.id);
                let message = live.cloned().unwrap_or_else(|| (**seen).clone());
                let (fate, fate_text) = match (live, self.tracker.fate_of(seen.id)) {
                    (Some(m), _) if m.held_at.is_some() => ("in-flight", format!("Held, {:.0}% of the way", m.progress(self.sim().now()) * 100.0)),
                    (Some(m), _) => ("in-flight", format!("In flight, {:.0}% of the way", m.progress(self.sim().now()) * 100.0)),
                    (None, Some(f)) => (f.name(), capitalise(&f.describe())),
                    (None, None) => ("gone", "No longer in flight".to_string()),
                };
                Inspected::Message(MessageInfo {
                    fields: fields(&message, live.is_some().then(|| self.sim().now())),
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
            "b" | "B" | "," => return self.act(Action::StepBack),
            "[" => return self.act(Action::SeekBy(-1_000_000)),
            "]" => return self.act(Action::SeekBy(1_000_000)),
            "Home" => return self.act(Action::Seek(0)),
            "e" | "E" | "End" => return self.act(Action::JumpToEnd),
            "i" | "I" => return self.act(Action::IsolateLeader),
            "p" | "P" => return self.act(Action::ApplyPartition),
            "h" | "H" => self.intervene(Intervention::Heal),
            "d" | "D" => match &self.selected {
                Some(Selected::Message(m)) => {
                    let id = m.id;
                    self.intervene(Intervention::DropMessage { id })
                }
                _ => return false,
            },
            "l" | "L" => return self.act(Action::CopyLink),
            "n" | "N" => self.load(fresh_run(browser::random_seed()), None, None, None),
            "g" | "G" => {
                let pos = self.scenario.as_ref().and_then(|s| self.scenario_list.iter().position(|(id, _)| *id == s.id));
                let next = pos.map_or(0, |p| (p + 1) % self.scenario_list.len());
                let id = self.scenario_list[next].0;
                self.load_scenario(id);
            }
            "?" => self.cheatsheet = !self.cheatsheet,
            "Escape" => {
                self.cheatsheet = false;
                self.selected = None;
            }
            k if k.len() == 1 && k.as_bytes()[0].is_ascii_digit() => {
                let id: NodeId = k.parse().unwrap_or(0);
                if !self.sim().node_ids().any(|n| n == id) {
                    return false;
                }
                self.selected = Some(Selected::Node(id));
                self.reveal_inspector = true;
            }
            _ => return false,
        }
        true
    }

    /// Handles an action that the keyboard shares with a button.
    fn act(&mut self, action: Action) -> bool {
        match action {
            Action::Seek(t) => self.seek(t),
            Action::SeekBy(d) => {
                let now = self.sim().now() as i64;
                self.seek((now + d).max(0) as Time);
            }
            Action::StepBack => {
                self.playing = false;
                let started = browser::now_ms();
                match self.session.step_back() {
                    Ok(true) => {
                        self.replay = Some((self.session.now(), browser::now_ms() - started));
                        self.jumped();
                    }
                    Ok(false) => self.observe(),
                    Err(e) => self.notice = Some(format!("Cannot replay: {e}")),
                }
                self.sync_url();
            }
            Action::JumpToEnd => {
                let t = self.session.horizon();
                self.seek(t);
            }
            Action::IsolateLeader => match self.sim().leader() {
                Some(leader) => self.intervene(Intervention::Partition { groups: vec![vec![leader]] }),
                None => return false,
            },
            Action::ApplyPartition => match self.draft.intervention() {
                Some(what) => self.intervene(what),
                None => return false,
            },
            Action::CopyLink => {
                self.playing = false;
                self.sync_url();
                self.notice = Some(format!("Copying the link to this run at {}…", format_time(self.sim().now())));
                let link = self.link.clone();
                match browser::current_url() {
                    Some(url) => browser::copy_to_clipboard(&url, move |ok| link.send_message(Action::Copied(ok))),
                    None => return self.act(Action::Copied(false)),
                }
            }
            Action::Copied(true) => {
                let text = format!("Copied the link to this run at {}: paste it to share exactly what you see.", format_time(self.sim().now()));
                self.fading = Some((browser::now_ms() + FADING_NOTICE_MS, text.clone()));
                self.notice = Some(text);
            }
            Action::Copied(false) => {
                self.notice = Some(format!(
                    "The address bar now links to this run at {}: the browser did not let the page copy it, so copy it from there.",
                    format_time(self.sim().now())
                ));
            }
            _ => return false,
        }
        true
    }

    fn kill_leader(&mut self) -> bool {
        match self.sim().leader() {
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
        // A first visit (nothing stored, no shared link) starts with the tour. Read before the
        // address bar is given the run.
        let first_visit = browser::plain_visit() && browser::stored(TOUR_KEY).is_none();
        let seed = browser::query("seed").and_then(|s| s.parse().ok()).unwrap_or_else(browser::random_seed);
        let speed = browser::query("speed").and_then(|s| s.parse().ok()).map_or(speed::DEFAULT_SPEED, speed::nearest);
        let reduced_motion = browser::prefers_reduced_motion();
        let paused = match browser::query("paused") {
            Some(p) => p != "0" && p != "false",
            None => reduced_motion,
        };
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
            let shortcut = matches!(key.as_str(), " " | "." | "," | "[" | "]" | "?" | "Escape" | "Home" | "End")
                || (key.len() == 1 && "kKsSbBeEiIpPhHdDlLnNgG123456789".contains(key.as_str()));
            if shortcut {
                e.prevent_default();
                link.send_message(Action::Key(key));
            }
        });
        browser::release_selects_after_change();
        let initial = fresh_run(seed);
        let scenario_list = scenarios::MENU.to_vec();
        let mut app = App {
            session: Session::new(&initial).expect("the teaching preset is valid"),
            tracker: Tracker::new(),
            scenario: None,
            scenario_list,
            replay: None,
            draft: PartitionDraft::new(initial.config.nodes),
            shown_cuts: Vec::new(),
            cheatsheet: false,
            tour: None,
            focus: None,
            projector: browser::query("projector").is_some_and(|p| p != "0" && p != "false"),
            dragging: Rc::new(Cell::new(false)),
            generation: 0,
            lin: RefCell::new(None),
            playing: !paused,
            speed,
            selected: None,
            last_frame: None,
            notice: reduced_motion.then(|| "Your system asks for reduced motion: the run starts paused. Step through it with S, or press Play.".to_string()),
            fading: None,
            reveal_inspector: false,
            link: ctx.link().clone(),
            spacetime: false,
            spacetime_span: DEFAULT_SPAN,
            trace: None,
            trace_opened: 0,
            _frame: None,
            _keys: keys,
        };
        let notice = app.notice.clone();
        match share::parse(&browser::fragment()) {
            Some(Ok(shared)) => {
                match shared.source {
                    Source::Scenario(id) => {
                        app.load_scenario(&id);
                        if let Some(t) = shared.at {
                            app.seek(t);
                            app.playing = false;
                        }
                    }
                    Source::Run(run) => {
                        let at = shared.at;
                        app.load(*run, None, at, Some("Replayed the run from the link.".into()));
                        app.playing = at.is_none() && !paused;
                    }
                }
                if paused {
                    app.playing = false;
                }
            }
            Some(Err(e)) => app.load(initial, None, None, Some(format!("The link does not hold a run ({e}); starting afresh."))),
            None => {
                let at = browser::fragment().strip_prefix("t=").and_then(|t| t.parse().ok());
                app.load(initial, None, at, notice);
                if at.is_some() {
                    app.playing = false;
                }
            }
        }
        // The tour plays the run; where the system asks for less motion it waits for the
        // Tour button instead, like the run waits for Play.
        if let Some(url) = browser::query("trace") {
            let link = ctx.link().clone();
            let from = url.clone();
            browser::fetch_text(&from, move |text| link.send_message(match text {
                Ok(text) => Action::OpenTrace(text),
                Err(e) => Action::Notice(format!("Could not fetch the trace at {url}: {e}")),
            }));
        } else if first_visit && !reduced_motion {
            app.start_tour();
        }
        app.request_frame(ctx);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, action: Action) -> bool {
        match action {
            Action::Frame(_) if self.trace.is_some() => {
                // The simulation waits behind the trace viewer.
                self.request_frame(ctx);
                self.last_frame = None;
                return false;
            }
            Action::Frame(ts) => {
                self.request_frame(ctx);
                let elapsed = self.last_frame.map_or(0.0, |last| ts - last);
                self.last_frame = Some(ts);
                let faded = self.fading.as_ref().is_some_and(|(until, _)| ts >= *until);
                if faded {
                    let (_, text) = self.fading.take().expect("checked above");
                    if self.notice.as_ref() == Some(&text) {
                        self.notice = None;
                    }
                }
                if !self.playing {
                    return faded;
                }
                let advance = speed::advance_us(elapsed, self.speed);
                if advance == 0 {
                    return false;
                }
                let now = self.sim().now();
                let mut target = now + advance;
                if let Some(stop) = self.story().and_then(|s| story::stop_before(&s.beats, s.until, now, target)) {
                    target = stop;
                    self.playing = false;
                }
                self.session.advance_to(target);
                self.observe();
                if !self.playing {
                    self.sync_url();
                }
            }
            Action::Intervene(what) => {
                self.intervene(what);
                if let Err(e) = browser::save(&self.session.run()) {
                    web_sys::console::warn_1(&e.into());
                }
            }
            Action::KillLeader => return self.kill_leader(),
            a @ (Action::IsolateLeader
            | Action::ApplyPartition
            | Action::Seek(_)
            | Action::SeekBy(_)
            | Action::StepBack
            | Action::JumpToEnd
            | Action::CopyLink
            | Action::Copied(_)) => return self.act(a),
            Action::SelectNode(id) => {
                self.selected = Some(Selected::Node(id));
                self.reveal_inspector = true;
            }
            Action::SelectMessage(id) => {
                let Some(m) = self.sim().in_flight().iter().find(|m| m.id == id) else { return false };
                self.selected = Some(Selected::Message(Box::new(m.clone())));
                self.reveal_inspector = true;
            }
            Action::CloseInspector => self.selected = None,
            Action::Continue => {
                self.playing = true;
                self.sync_url();
            }
            Action::TogglePlay => {
                self.playing = !self.playing;
                self.sync_url();
            }
            Action::Step => self.step(),
            Action::SetSpeed(i) => self.speed = i.min(speed::SPEEDS.len() - 1),
            Action::NewSeed => self.load(fresh_run(browser::random_seed()), None, None, None),
            Action::UseSeed(seed) => self.load(fresh_run(seed), None, None, None),
            Action::LoadScenario(id) => self.load_scenario(&id),
            Action::SetRaft(raft) => {
                let mut run = self.session.run();
                run.config.raft = raft;
                let (now, scenario, playing) = (self.sim().now(), self.scenario.take(), self.playing);
                self.load(run, scenario, Some(now), Some("Replayed the same seed and actions with the new switches.".into()));
                self.playing = playing;
            }
            Action::PartitionSide(id, on_b) => self.draft.put(id, on_b),
            Action::CheatSheet(show) => self.cheatsheet = show,
            Action::TourStart => self.start_tour(),
            Action::TourNext => {
                if !self.tour.as_mut().is_some_and(Tour::next) {
                    return Component::update(self, ctx, Action::TourEnd);
                }
                self.focus = Some("#tour-h");
            }
            Action::TourEnd => {
                self.tour = None;
                browser::store(TOUR_KEY, "done");
                self.focus = Some("[data-testid=\"tour-start\"]");
            }
            Action::SpaceTime(open) => self.spacetime = open,
            Action::SpaceTimeSpan(span) => self.spacetime_span = span,
            Action::Projector => {
                self.projector = !self.projector;
                browser::set_query("projector", self.projector.then_some("1"));
            }
            Action::Save => {
                self.notice = Some(match browser::save(&self.session.run()) {
                    Ok(()) => format!("Saved: seed {} and {} interventions.", self.sim().config().seed, self.sim().interventions().len()),
                    Err(e) => e,
                })
            }
            Action::Load => match browser::load() {
                Ok(run) => self.replay(run, "saved in this browser"),
                Err(e) => self.notice = Some(e),
            },
            Action::Export => {
                let name = format!("raft-run-seed-{}.json", self.sim().config().seed);
                if let Err(e) = browser::run_to_json(&self.session.run()).and_then(|text| browser::download(&name, &text)) {
                    self.notice = Some(e);
                }
            }
            Action::Import(text) => match browser::run_from_json(&text) {
                Ok(run) => {
                    // A run replaces whatever was on screen, a trace included.
                    self.trace = None;
                    self.replay(run, "from the file");
                }
                Err(e) => self.notice = Some(e),
            },
            Action::OpenTrace(text) => match TraceRun::parse(&text) {
                Ok(run) => {
                    self.trace = Some(Shared(Rc::new(run)));
                    self.trace_opened += 1;
                    self.playing = false;
                }
                Err(errors) => {
                    let why = errors.first().map_or("the file is empty".to_string(), |e| e.to_string());
                    self.notice = Some(format!("That is not a kvsim trace ({why})."));
                }
            },
            Action::CloseTrace => self.trace = None,
            Action::Dropped { name, text } => {
                let action = if name.ends_with(".jsonl") { Action::OpenTrace(text) } else { Action::Import(text) };
                return Component::update(self, ctx, action);
            }
            Action::Notice(text) => self.notice = Some(text),
            Action::Key(_) if self.trace.is_some() => return false,
            Action::Key(key) => return self.on_key(&key),
        }
        true
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        if let Some(selector) = self.focus.take() {
            browser::focus(selector);
        }
        if std::mem::take(&mut self.reveal_inspector) {
            browser::scroll_into_view("[data-testid=\"inspector\"]");
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let on = ctx.link().callback(|a: Action| a);
        // A file dropped anywhere on the page: a kvsim trace opens in the viewer, a run replays.
        let on_drop = {
            let link = self.link.clone();
            Callback::from(move |e: DragEvent| {
                e.prevent_default();
                let link = link.clone();
                browser::read_dropped(&e, move |name, text| link.send_message(Action::Dropped { name, text }));
            })
        };
        let on_dragover = Callback::from(|e: DragEvent| e.prevent_default());
        if let Some(trace) = &self.trace {
            return html! {
                <div class="app trace-app" ondrop={on_drop} ondragover={on_dragover}>
                    if let Some(n) = &self.notice {
                        <p class="notice" role="status" data-testid="notice">{ n.clone() }</p>
                    }
                    // A new trace is a new viewer: nothing chosen in the last one carries over.
                    <TraceView key={self.trace_opened} run={trace.clone()} on_close={on.reform(|_| Action::CloseTrace)} />
                </div>
            };
        }
        let sim = self.sim();
        let view = Rc::new(ClusterView::build(sim, &self.tracker));
        let leader = view.leader;
        let selected_node = match &self.selected {
            Some(Selected::Node(id)) => Some(*id),
            _ => None,
        };
        let selected_message = match &self.selected {
            Some(Selected::Message(m)) => Some(m.id),
            _ => None,
        };
        let violations = sim.violations();
        let feed: Vec<_> = self.tracker.feed.iter().rev().take(FEED_SHOWN).cloned().collect();
        let seed = sim.config().seed;
        let n = sim.node_count();
        // Whether the run is still the scenario as written: one comparison of the runs a frame.
        let pristine = self.pristine();
        let story = self.scenario.as_ref().filter(|_| pristine);
        let cursor = Cursor {
            now: sim.now(),
            replay: self.replay,
            future_interventions: self.future_interventions(),
            beats: story.map(|s| s.beats.iter().map(|b| (b.at, b.title)).collect()).unwrap_or_default(),
            story_end: story.map(|s| s.until),
        };
        let columns = log_columns(sim, STRIP_CELLS);
        html! {
            <div class={classes!("app", self.projector.then_some("projector"), self.tour.as_ref().map(|t| format!("tour-{}", t.step.target())))}
                ondrop={on_drop} ondragover={on_dragover}>
                // The screen: at 1366×768 and up, the ring, every log, the controls, the timeline
                // and the story are all in view together (style.css lays it out; tests measure it).
                <div class="screen">
                    <header class="top">
                        <div class="title">
                            <h1>{ "Raft, live" }</h1>
                            <p class="subtitle">{ format!("{n} nodes of a real Raft implementation, in a deterministic simulation you can break, rewind and share.") }</p>
                        </div>
                        <div class="top-right">
                            <ScenarioMenu list={self.scenario_list.clone()} current={self.scenario.as_ref().map(|s| s.id)} on={on.clone()} />
                            <button class="quiet small" data-testid="tour-start" title="A short tour of the picture"
                                onclick={on.reform(|_: MouseEvent| Action::TourStart)}>{ "Tour" }</button>
                            <RunMenu on={on.clone()} />
                            <button class="quiet small" data-testid="projector" aria-pressed={self.projector.to_string()}
                                title="Large type for a lecture hall"
                                onclick={on.reform(|_: MouseEvent| Action::Projector)}>{ "Projector" }</button>
                            <button class="quiet small keys-button" data-testid="keys" title="Keyboard shortcuts (?)"
                                onclick={on.reform(|_: MouseEvent| Action::CheatSheet(true))}>{ "Keys " }<kbd>{ "?" }</kbd></button>
                            <button class="small" data-testid="copy-link" title="Put a link to this run and moment in the address bar (L)"
                                onclick={on.reform(|_: MouseEvent| Action::CopyLink)}>{ "Link" }<span class="long">{ " to this moment" }</span></button>
                            <dl class="facts">
                                <div><dt>{ "seed" }</dt><dd data-testid="seed">{ seed }</dd></div>
                                <div><dt>{ "time" }</dt><dd data-testid="clock">{ format_time(sim.now()) }</dd></div>
                                <div><dt>{ "speed" }</dt><dd>{ speed::label(self.speed) }</dd></div>
                            </dl>
                        </div>
                    </header>
                    <Toolbar playing={self.playing} speed={self.speed} {seed} has_leader={leader.is_some()}
                        loss_percent={(sim.loss() * 100.0).round() as u32} partitioned={!view.cut_links.is_empty()}
                        add_server={next_server(sim)} on={on.clone()} />
                    <main class="stage">
                        <div class="picture">
                            <Cluster view={view.clone()} {selected_node} {selected_message} on={on.clone()} />
                            <Legend />
                        </div>
                        <LogStripView strip={LogStrip::of(&columns, STRIP_CELLS)} />
                        { timeline_bar(&self.session.timeline, &cursor, &on, &self.dragging) }
                        <aside class="side">
                            <p class={classes!("status", leader.is_none().then_some("no-leader"))} data-testid="status" role="status"
                               data-leader={leader.map(|l| l.0.to_string()).unwrap_or_default()}
                               data-term={leader.map(|l| l.1.to_string()).unwrap_or_default()}
                               data-playing={self.playing.to_string()}>
                                { status_text(&view) }
                                if !self.playing { <span class="paused">{ " · paused" }</span> }
                            </p>
                            if let Some(n) = &self.notice {
                                <p class={classes!("notice", self.fading.as_ref().is_some_and(|(_, t)| t == n).then_some("fading"))}
                                   role="status" data-testid="notice">{ n.clone() }</p>
                            }
                            if !violations.is_empty() {
                                <p class="violation" data-testid="violations" role="alert">
                                    { format!("{} safety violation(s): {}", violations.len(), violations[0].detail) }
                                </p>
                            }
                            if let Some(t) = &self.tour {
                                <TourCard step={t.step} leader={leader.map(|l| l.0)} on={on.clone()} />
                            }
                            if let Some(s) = &self.scenario {
                                <Narration scenario={s.clone()} {pristine} now={sim.now()} playing={self.playing} on={on.clone()} />
                            }
                            <Inspector inspected={self.inspected()} on={on.clone()} />
                            <Feed lines={feed} />
                        </aside>
                    </main>
                </div>
                <div class="more">
                    <div class="tools">
                        <PartitionPanel draft={self.draft.clone()} partitioned={!view.cut_links.is_empty()} on={on.clone()} />
                        <ClientPanel nodes={sim.node_ids().collect::<Vec<_>>()} requests={self.tracker.requests.list.clone()} on={on.clone()} />
                    </div>
                    <div class="checks">
                        <Safety badges={badges(&self.session.timeline.violations)} plot={self.history()} on={on.clone()} />
                        <Settings raft={sim.config().raft.clone()} on={on.clone()} />
                    </div>
                    <details class="panel spacetime-panel" data-testid="sim-spacetime" open={self.spacetime}
                        ontoggle={on.reform(|e: Event| Action::SpaceTime(e.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()).is_some_and(|d| d.open())))}>
                        <summary>{ "Space-time diagram: a lane per node, up to the present" }</summary>
                        if self.spacetime { { sim_spacetime(sim, self.spacetime_span, self.inspected_message(), &on) } }
                    </details>
                    <Logs columns={log_columns(sim, LOG_ROWS)} />
                    <footer class="foot">
                        <p>{ "Press ? for every key. Every action is an intervention stamped with the virtual time; the run (seed, switches, interventions) replays exactly, which is how the timeline travels back." }</p>
                    </footer>
                </div>
                if self.cheatsheet {
                    <CheatSheet on={on.clone()} />
                }
            </div>
        }
    }
}
