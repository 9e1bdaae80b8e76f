//! The trace viewer: a kvsim run of any replica, replayed from its trace. A space-time
//! diagram (one lane per replica, one for the clients), the grader's findings as places to
//! jump to, the leader each replica claimed, and what used the message budget. Replay only:
//! a trace records what happened, so nothing here can change it.

use super::shared::Shared;
use super::spacetime::{finding_word, spacetime_svg};
use super::trace_ring::TraceRingView;
use super::trace_timeline::trace_timeline;
use crate::model::trace_ring::TraceRing;
use crate::model::spacetime::{Diagram, Item, Window, LANE, WIDTH};
use crate::model::trace_run::{TraceRun, Target};
use kvtrace::Fate;
use std::collections::BTreeMap;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Window widths offered, in seconds (the last shows the whole run).
const ZOOMS: [f64; 6] = [0.02, 0.1, 0.5, 2.0, 10.0, f64::INFINITY];
/// The window a finding opens: wide enough for a request and its answers around it.
const FINDING_ZOOM: f64 = 0.5;
/// Playing speeds offered: seconds of the run per second.
const SPEEDS: [f64; 4] = [0.01, 0.1, 0.5, 2.0];
/// The latency plot's range, in seconds (log scale): answers faster or slower are drawn at
/// its edges.
const LATENCY_RANGE: (f64, f64) = (1e-4, 10.0);
/// How near a click must be to a dot of the latency plot to choose it, in pixels.
const DOT_HIT_PX: f64 = 8.0;
/// The latency plot's and the counts chart's heights, in their own units.
const PLOT_H: f64 = 120.0;
/// Bars of the counts chart, each this many seconds.
const COUNT_BIN: f64 = 1.0;
/// Findings listed at most (the trace has them all).
const MAX_FINDINGS_LISTED: usize = 300;

/// A trace shared with the viewer and its plots.
pub type SharedTrace = Shared<TraceRun>;

#[derive(Properties, PartialEq)]
pub struct TraceViewProps {
    pub run: SharedTrace,
    pub on_close: Callback<()>,
}

pub enum Msg {
    Seek(f64),
    Zoom(f64),
    Follow(String),
    Finding(usize),
    Select(Item),
    /// To the previous (-1) or next (+1) datagram or request after the cursor.
    Step(i32),
    TogglePlay,
    Speed(f64),
    /// An animation frame while playing, at this `performance.now()` (ms).
    Frame(f64),
}

pub struct TraceView {
    /// Chooses a request from the latency plot: made once, so that the plot is redrawn only
    /// when what it shows changes.
    on_select: Callback<Item>,
    cursor: f64,
    zoom: f64,
    needle: String,
    selected: Option<Item>,
    speed: f64,
    /// While playing: the next frame, and the time of the last one (ms).
    playing: Option<(gloo_render::AnimationFrame, Option<f64>)>,
    /// The last diagram laid out, with its window and needle: with the whole run on screen
    /// the window stays put while the cursor moves, and laying out tens of thousands of
    /// datagrams again would take most of a frame. The run is not part of the key: the
    /// page makes a new viewer for each trace it opens (keyed by it in app.rs).
    diagram: RefCell<Option<(Window, String, Rc<Diagram>)>>,
}

impl Component for TraceView {
    type Message = Msg;
    type Properties = TraceViewProps;

    fn create(ctx: &Context<Self>) -> Self {
        let run = &ctx.props().run.0;
        // Open on the first finding if there is one: that is what the reader came for.
        let first = run.findings.first();
        TraceView {
            on_select: ctx.link().callback(Msg::Select),
            cursor: first.map_or(run.start_wait, |f| f.t),
            zoom: if first.is_some() { FINDING_ZOOM } else { f64::INFINITY },
            needle: first.and_then(|f| f.mid.clone()).unwrap_or_default(),
            selected: None,
            speed: SPEEDS[1],
            playing: None,
            diagram: RefCell::new(None),
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        let run = &ctx.props().run.0;
        match msg {
            Msg::Seek(t) => self.cursor = t.clamp(0.0, run.end),
            Msg::Zoom(z) => self.zoom = z,
            Msg::Follow(needle) => self.needle = needle.trim().to_string(),
            Msg::Finding(i) => {
                if let Some(f) = run.findings.get(i) {
                    self.cursor = f.t;
                    self.zoom = FINDING_ZOOM;
                    self.needle = f.mid.clone().or_else(|| f.key.clone()).unwrap_or_default();
                }
            }
            Msg::Select(item) => {
                // The index comes from the page: one that is not in this trace is ignored.
                let t = match item {
                    Item::Msg(i) => run.msgs.get(i).map(|m| m.t),
                    Item::Request(i) => run.requests.get(i).map(|r| r.t),
                };
                let Some(t) = t else { return false };
                self.selected = Some(item);
                self.cursor = t;
                // A request, once chosen, is followed: its answers and whatever carried it.
                if let Item::Request(i) = item {
                    if let Some(mid) = run.requests.get(i).and_then(|r| r.mid.as_ref()) {
                        self.needle = mid.clone();
                    }
                }
            }
            Msg::TogglePlay => {
                self.playing = match self.playing.take() {
                    Some(_) => None,
                    None => {
                        if self.cursor >= run.end {
                            self.cursor = 0.0;
                        }
                        Some((self.frame(ctx), None))
                    }
                };
            }
            Msg::Speed(s) => self.speed = s,
            Msg::Frame(ts) => {
                let Some((_, last)) = self.playing.take() else { return false };
                let elapsed = last.map_or(0.0, |l| (ts - l) / 1000.0);
                self.cursor = (self.cursor + elapsed * self.speed).min(run.end);
                if self.cursor < run.end {
                    self.playing = Some((self.frame(ctx), Some(ts)));
                }
            }
            Msg::Step(dir) => {
                if let Some(t) = run.next_after(self.cursor, dir > 0) {
                    self.cursor = t;
                }
            }
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let run = &ctx.props().run.0;
        let link = ctx.link();
        let window = Window::around(self.cursor, self.zoom, run.end);
        let diagram = self.diagram(run, window);
        let close = ctx.props().on_close.reform(|_: MouseEvent| ());
        let on_seek = link.callback(|e: InputEvent| Msg::Seek(input_value(&e).parse().unwrap_or(0.0)));
        let on_zoom = link.callback(|e: Event| Msg::Zoom(select_value(&e).parse().unwrap_or(f64::INFINITY)));
        let on_follow = link.callback(|e: InputEvent| Msg::Follow(input_value(&e)));
        html! {
            <section class="trace" data-testid="trace" data-cursor={format!("{:.6}", self.cursor)} data-following={self.needle.clone()}>
                <header class="trace-head">
                    <div>
                        <h2>{ format!("Trace of {}", run.config) }</h2>
                        <p class="subtitle">
                            { format!("{} replicas", run.replicas.len()) }
                            if let Some(seed) = run.seed { { format!(" · seed {seed}") } }
                            { format!(" · {} datagrams, {} requests · {:.1} s", run.msgs.len(), run.requests.len(), run.end) }
                        </p>
                    </div>
                    { verdict(run) }
                    <button class="small" data-testid="trace-close" onclick={close}>{ "Back to the simulation" }</button>
                </header>
                <p class="trace-note">{ "A replay of a kvsim run: what the simulator saw. A replica's own state is not in a trace; the lanes show what the datagrams say: the leader each replica claimed (the band), when it was killed, and every datagram from its sender to its receiver (the simulator delivers at once; a stroke leans only to show its direction)." }</p>
                if !run.errors.is_empty() {
                    <div class="violation" data-testid="trace-errors" role="alert">
                        { format!("{} line(s) of the file could not be read and are left out:", run.errors.len()) }
                        <ul>{ for run.errors.iter().take(5).map(|e| html! { <li>{ e.to_string() }</li> }) }</ul>
                    </div>
                }
                <div class="trace-controls">
                    <button class="small" data-testid="trace-play" aria-pressed={self.playing.is_some().to_string()}
                        onclick={link.callback(|_: MouseEvent| Msg::TogglePlay)}>{ if self.playing.is_some() { "Pause" } else { "Play" } }</button>
                    <select aria-label="speed" data-testid="trace-speed" onchange={link.callback(|e: Event| Msg::Speed(select_value(&e).parse().unwrap_or(SPEEDS[1])))}>
                        { for SPEEDS.iter().map(|&s| html! { <option value={s.to_string()} selected={s == self.speed}>{ format!("{s}×") }</option> }) }
                    </select>
                    <button class="small" title="The previous datagram or request" onclick={link.callback(|_: MouseEvent| Msg::Step(-1))}>{ "◀ step" }</button>
                    <input type="range" class="trace-time" data-testid="trace-time" aria-label="time" min="0" max={run.end.to_string()} step="0.0001"
                        value={self.cursor.to_string()} oninput={on_seek} />
                    <button class="small" title="The next datagram or request" onclick={link.callback(|_: MouseEvent| Msg::Step(1))}>{ "step ▶" }</button>
                    <span class="trace-clock" data-testid="trace-clock">{ format!("{:.4} s", self.cursor) }</span>
                    <label>{ "window " }
                        <select data-testid="trace-zoom" onchange={on_zoom}>
                            { for ZOOMS.iter().map(|&z| html! {
                                <option value={z.to_string()} selected={z == self.zoom}>{ zoom_label(z) }</option>
                            }) }
                        </select>
                    </label>
                    <label>{ "follow " }
                        <input type="search" data-testid="trace-follow" placeholder="a MID or a key" value={self.needle.clone()} oninput={on_follow} />
                    </label>
                </div>
                { trace_timeline(run, self.cursor, window, link.callback(Msg::Seek), link.callback(Msg::Finding)) }
                <div class="trace-body">
                    <div class="trace-main">
                        { self.lanes(run, &diagram, ctx) }
                        <p class="trace-window">{ format!("{:.3} s to {:.3} s", window.from, window.to) }
                            if diagram.left_out > 0 { { format!(" · {} strokes left out, evenly: zoom in to see them all", diagram.left_out) } }
                        </p>
                        <div class="plot-with-cursor">
                            <LatencyPlot run={ctx.props().run.clone()} needle={self.needle.clone()} on_select={self.on_select.clone()} />
                            // Over the plot's drawing, inside the figure's border and padding (11 px a side).
                            <div class="plot-cursor" style={format!("left: calc(11px + (100% - 22px) * {:.5})", self.cursor / run.end.max(1e-9))} />
                        </div>
                        <CountsChart run={ctx.props().run.clone()} />
                        <CountsTable run={ctx.props().run.clone()} />
                    </div>
                    <aside class="trace-side">
                        <TraceRingView ring={TraceRing::at(run, self.cursor, &self.needle)} />
                        { self.findings(run, ctx) }
                        { self.inspector(run) }
                    </aside>
                </div>
            </section>
        }
    }
}

impl TraceView {
    /// The diagram of `window`, following the needle: laid out again only when either changed.
    fn diagram(&self, run: &TraceRun, window: Window) -> Rc<Diagram> {
        let mut cache = self.diagram.borrow_mut();
        match &*cache {
            Some((w, needle, d)) if *w == window && *needle == self.needle => d.clone(),
            _ => {
                let d = Rc::new(Diagram::of(run, window, &self.needle));
                *cache = Some((window, self.needle.clone(), d.clone()));
                d
            }
        }
    }

    fn frame(&self, ctx: &Context<Self>) -> gloo_render::AnimationFrame {
        let link = ctx.link().clone();
        gloo_render::request_animation_frame(move |ts| link.send_message(Msg::Frame(ts)))
    }

    /// The lanes: labels with what each replica claimed at the cursor, and the diagram.
    fn lanes(&self, run: &TraceRun, d: &Rc<Diagram>, ctx: &Context<Self>) -> Html {
        let claims = run.claims_at(self.cursor);
        let dead = run.dead_at(self.cursor);
        let side = run.partition_at(self.cursor);
        let h = d.height();
        let on_select = ctx.link().callback(Msg::Select);
        let on_finding = ctx.link().callback(Msg::Finding);
        html! {
            <div class="lanes" data-testid="spacetime">
                <ol class="lane-labels" style={format!("height: {}px", h)}>
                    { for d.lanes.iter().enumerate().map(|(i, name)| {
                        let state = if i == run.replicas.len() {
                            String::new()
                        } else if dead[i] {
                            "killed".into()
                        } else {
                            let claim = match &claims[i] {
                                Some(l) if *l == run.replicas[i] => "claims to lead".to_string(),
                                Some(l) => format!("follows {l}"),
                                None => "no leader".into(),
                            };
                            match &side {
                                Some(s) if !s.contains(&i) => format!("{claim} · cut off"),
                                _ => claim,
                            }
                        };
                        // What else its datagrams say: its term, if it sends one, and what it sent last.
                        let last = (i < run.replicas.len()).then(|| run.last_sent(i, self.cursor)).flatten();
                        let said = last.map(|m| match m.term {
                            Some(term) => format!("term {term} · sent {}", m.kind),
                            None => format!("sent {}", m.kind),
                        });
                        html! {
                            <li data-testid={format!("lane-{name}")} data-state={state.clone()} style={format!("height: {LANE}px")}>
                                <b>{ name.clone() }</b><span>{ state }</span>
                                if let Some(said) = said { <span class="said">{ said }</span> }
                            </li>
                        }
                    }) }
                </ol>
                { spacetime_svg(d.clone(), self.selected, Some(self.cursor), on_select, on_finding) }
            </div>
        }
    }

    fn findings(&self, run: &TraceRun, ctx: &Context<Self>) -> Html {
        html! {
            <div class="panel trace-findings">
                <h3>{ format!("What the grader found ({})", run.findings.len()) }</h3>
                if run.findings.is_empty() {
                    <p class="muted">{ "Nothing: no duplicate, no incorrect answer, no request left unanswered (or a trace written before findings were recorded)." }</p>
                }
                <ol data-testid="trace-findings">
                    { for run.findings.iter().enumerate().take(MAX_FINDINGS_LISTED).map(|(i, f)| {
                        let current = f.mid.is_some() && f.mid.as_deref() == Some(self.needle.as_str());
                        html! {
                            <li>
                                <button class={classes!("finding", finding_word(f.kind), current.then_some("current"))} data-testid="finding"
                                    data-kind={finding_word(f.kind)} data-mid={f.mid.clone().unwrap_or_default()} data-t={f.t.to_string()}
                                    onclick={ctx.link().callback(move |_: MouseEvent| Msg::Finding(i))}>
                                    <b>{ finding_word(f.kind) }</b>{ format!(" at {:.3} s", f.t) }
                                </button>
                                <span class="finding-detail">{ f.detail.clone() }</span>
                            </li>
                        }
                    }) }
                </ol>
                if run.findings.len() > MAX_FINDINGS_LISTED {
                    <p class="muted">{ format!("and {} more, in the trace file", run.findings.len() - MAX_FINDINGS_LISTED) }</p>
                }
            </div>
        }
    }

    fn inspector(&self, run: &TraceRun) -> Html {
        let selected = match self.selected {
            Some(Item::Msg(i)) => run.msgs.get(i).map(Ok),
            Some(Item::Request(i)) => run.requests.get(i).map(Err),
            None => None,
        };
        let (title, raw, fate) = match selected {
            Some(Ok(m)) => {
                let to = match &m.to {
                    Target::Replica(r) => run.replicas.get(*r).cloned().unwrap_or_default(),
                    Target::Everyone => "every replica".into(),
                    Target::Client => "a client".into(),
                    Target::Nowhere => "no one known".into(),
                };
                let fate = match m.fate {
                    Fate::Mixed => "mixed: some copies delivered, some lost".to_string(),
                    f => f.name().to_string(),
                };
                (format!("{} from {} to {to} at {:.4} s", m.kind, run.replicas.get(m.from).cloned().unwrap_or_default(), m.t), &m.raw, fate)
            }
            Some(Err(r)) => {
                let what = if r.resend { "resent" } else { "sent" };
                (format!("{} {what} to {} at {:.4} s", r.kind, run.replicas.get(r.to).cloned().unwrap_or_default(), r.t), &r.raw, "request".into())
            }
            None => {
                return html! { <div class="panel trace-inspector"><p class="muted">{ "Click a datagram in the diagram to read it." }</p></div> };
            }
        };
        let text = serde_json::to_string_pretty(raw).unwrap_or_default();
        html! {
            <div class="panel trace-inspector" data-testid="trace-inspector" data-fate={fate.clone()}>
                <h3>{ title }</h3>
                <p class="muted">{ fate }</p>
                <pre>{ text }</pre>
            </div>
        }
    }
}

fn verdict(run: &TraceRun) -> Html {
    let Some(v) = &run.verdict else {
        return html! { <p class="verdict muted" data-testid="trace-verdict">{ "no verdict in this trace" }</p> };
    };
    let failed: Vec<String> = v.checks.iter().filter(|c| !c.passed).map(|c| format!("check {} ({}): {}", c.number, c.name, c.detail)).collect();
    html! {
        <div class={classes!("verdict", if v.passed { "passed" } else { "failed" })} data-testid="trace-verdict" data-passed={v.passed.to_string()}>
            <b>{ if v.passed { "PASSED" } else { "FAILED" } }</b>
            <ul>
                { for failed.iter().map(|f| html! { <li>{ f.clone() }</li> }) }
                { for v.scores.iter().map(|s| html! {
                    <li data-metric={s.metric.clone()} data-tier={s.tier.clone().unwrap_or_default()}>
                        { format!("{} {} ({})", s.metric, s.value.map_or("–".into(), |x| if s.metric == "median_latency" { format!("{:.3} ms", x * 1000.0) } else { format!("{x}") }), s.tier.as_deref().unwrap_or("not scored")) }
                    </li>
                }) }
            </ul>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct RunProps {
    run: SharedTrace,
}

/// Counted datagrams by type and sender: what used the message budget.
#[component]
fn CountsTable(props: &RunProps) -> Html {
    let run = &props.run.0;
    let counts = run.counts();
    let total: u64 = counts.values().flatten().sum();
    html! {
        <table class="trace-counts" data-testid="trace-counts">
            <caption>{ format!("Counted datagrams by type and sender ({total} in all)") }</caption>
            <thead><tr><th scope="col">{ "type" }</th>{ for run.replicas.iter().map(|r| html! { <th scope="col">{ r.clone() }</th> }) }<th scope="col">{ "all" }</th></tr></thead>
            <tbody>
                { for counts.iter().map(|(kind, row)| html! {
                    <tr data-type={kind.clone()}>
                        <th scope="row">{ kind.clone() }</th>
                        { for row.iter().map(|c| html! { <td>{ c }</td> }) }
                        <td>{ row.iter().sum::<u64>() }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

#[derive(Properties, PartialEq)]
struct LatencyProps {
    run: SharedTrace,
    needle: String,
    on_select: Callback<Item>,
}

/// Each request's latency against the time it was sent (log scale), coloured by its first
/// answer; the unanswered along the top. A click chooses the request. Drawn again only when
/// the trace or the followed MID changes (the cursor is drawn over it).
#[component]
fn LatencyPlot(props: &LatencyProps) -> Html {
    let run = &props.run.0;
    let (lo, hi) = LATENCY_RANGE;
    let y = move |s: f64| PLOT_H - (s.clamp(lo, hi).log10() - lo.log10()) / (hi.log10() - lo.log10()) * (PLOT_H - 10.0);
    let end = run.end.max(1e-9);
    let x = move |t: f64| t / end * WIDTH;
    let median = run.verdict.as_ref().and_then(|v| v.scores.iter().find(|s| s.metric == "median_latency")).and_then(|s| s.value);
    let points = run.latencies();
    // Where each dot is, in the plot's units: a click chooses the nearest.
    let placed: Rc<Vec<(f64, f64, usize)>> = Rc::new(
        points.iter().map(|p| (x(p.t), p.answer.as_ref().map_or(3.0, |(_, took)| y(*took)), p.request)).collect(),
    );
    let on_click = {
        let (placed, on_select) = (placed.clone(), props.on_select.clone());
        Callback::from(move |e: MouseEvent| {
            // Events reach components through one listener on the page, so the plot is found
            // from the element clicked.
            let svg = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|el| el.closest("svg").ok().flatten());
            let Some(svg) = svg else { return };
            let r = svg.get_bounding_client_rect();
            if r.width() <= 0.0 || r.height() <= 0.0 {
                return;
            }
            // Distances in pixels: the plot is stretched to its box.
            let (sx, sy) = (r.width() / WIDTH, r.height() / PLOT_H);
            let (cx, cy) = (e.client_x() as f64 - r.left(), e.client_y() as f64 - r.top());
            let nearest = placed
                .iter()
                .map(|&(px, py, i)| (((px * sx - cx).powi(2) + (py * sy - cy).powi(2)).sqrt(), i))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((_, i)) = nearest.filter(|(d, _)| *d <= DOT_HIT_PX) {
                on_select.emit(Item::Request(i));
            }
        })
    };
    // One path a kind of answer, each dot a zero-length segment with round ends: thousands
    // of dots are five elements, not thousands.
    let mut paths: BTreeMap<&str, (String, usize)> = BTreeMap::new();
    let mut followed = String::new();
    for (p, &(px, py, i)) in points.iter().zip(placed.iter()) {
        let kind = p.answer.as_ref().map_or("none", |(kind, _)| kind.as_str());
        let entry = paths.entry(kind).or_default();
        entry.0 += &format!("M{px:.2} {py:.2}h0");
        entry.1 += 1;
        if !props.needle.is_empty() && run.requests[i].mid.as_deref() == Some(props.needle.as_str()) {
            followed += &format!("M{px:.2} {py:.2}h0");
        }
    }
    html! {
        <figure class="trace-plot" data-testid="trace-latency">
            <figcaption>{ "Latency of each request, by when it was sent (log scale, 0.1 ms to 10 s; green ok, orange redirect, red fail; unanswered along the top)" }
                if let Some(m) = median { { format!("; the dashed line is the median, {:.3} ms", m * 1000.0) } }
            </figcaption>
            <svg viewBox={format!("0 0 {WIDTH} {PLOT_H}")} preserveAspectRatio="none" onclick={on_click}>
                { for [1e-3, 1e-2, 1e-1, 1.0].iter().map(|&s| html! { <line class="grid" x1="0" x2={WIDTH.to_string()} y1={y(s).to_string()} y2={y(s).to_string()} /> }) }
                if let Some(m) = median {
                    <line class="median" x1="0" x2={WIDTH.to_string()} y1={y(m).to_string()} y2={y(m).to_string()} />
                }
                { for paths.iter().map(|(kind, (d, count))| html! {
                    <path class={classes!("dots", kind.to_string())} data-count={count.to_string()} d={d.clone()} />
                }) }
                if !followed.is_empty() {
                    <path class="dots followed" d={followed} />
                }
            </svg>
        </figure>
    }
}

/// Counted datagrams per second, stacked by type or by sender: when, and on what or by
/// whom, the message budget went.
#[component]
fn CountsChart(props: &RunProps) -> Html {
    let run = &props.run.0;
    let by_sender = use_state(|| false);
    let toggle = {
        let by_sender = by_sender.clone();
        Callback::from(move |_: MouseEvent| by_sender.set(!*by_sender))
    };
    let series = run.counts_over_time(COUNT_BIN, *by_sender);
    let bins = series.first().map_or(0, |(_, v)| v.len());
    let totals: Vec<u64> = (0..bins).map(|i| series.iter().map(|(_, v)| v[i]).sum()).collect();
    let top = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    let w = WIDTH / bins.max(1) as f64;
    let mut bars = Vec::new();
    let mut base = vec![0u64; bins];
    for (k, (kind, counts)) in series.iter().enumerate() {
        for (i, &c) in counts.iter().enumerate().filter(|(_, &c)| c > 0) {
            let h = c as f64 / top * PLOT_H;
            let y = PLOT_H - (base[i] + c) as f64 / top * PLOT_H;
            base[i] += c;
            bars.push(html! {
                <rect class={format!("series-{}", k % 6)} x={(i as f64 * w).to_string()} width={(w * 0.9).to_string()} y={y.to_string()} height={h.to_string()}>
                    <title>{ format!("{kind}: {c} in second {i}") }</title>
                </rect>
            });
        }
    }
    html! {
        <figure class="trace-plot" data-testid="trace-counts-over-time" data-by={if *by_sender { "sender" } else { "type" }}>
            <figcaption>{ format!("Counted datagrams per second, by {} (the busiest second: {top})", if *by_sender { "sender" } else { "type" }) }
                <button class="small quiet" data-testid="counts-by" aria-pressed={by_sender.to_string()} onclick={toggle}>
                    { if *by_sender { "by type" } else { "by sender" } }
                </button>
                <span class="series-legend">{ for series.iter().enumerate().map(|(k, (kind, _))| html! { <span class={format!("series-key series-{}", k % 6)}>{ kind.clone() }</span> }) }</span>
            </figcaption>
            <svg viewBox={format!("0 0 {WIDTH} {PLOT_H}")} preserveAspectRatio="none">
                { for bars }
            </svg>
        </figure>
    }
}

pub(super) fn zoom_label(z: f64) -> String {
    if z.is_infinite() {
        "whole run".into()
    } else if z < 1.0 {
        format!("{} ms", (z * 1000.0).round())
    } else {
        format!("{z} s")
    }
}

fn input_value(e: &InputEvent) -> String {
    e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.value()).unwrap_or_default()
}

pub(super) fn select_value(e: &Event) -> String {
    e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).map(|s| s.value()).unwrap_or_default()
}
