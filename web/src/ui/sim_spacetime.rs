//! The simulation's run as a space-time diagram: a lane per node and one for the clients,
//! ending at the present (the timeline's cursor, so that travelling the timeline moves it),
//! over a window the user picks. A click on a message's stroke travels back to when it was
//! sent and inspects it there, in flight; a click on a request's, to when it was sent. The
//! message in the inspector is outlined.

use super::action::Action;
use super::spacetime::spacetime_svg;
use super::trace_view::{select_value, zoom_label};
use crate::model::sim_trace::sim_trace;
use crate::model::spacetime::{Diagram, Item, Window, LANE};
use raft_core::sim::{MessageId, Sim};
use raft_core::Time;
use std::rc::Rc;
use yew::prelude::*;

/// The windows offered, in virtual microseconds.
pub const SPANS: [Time; 6] = [100_000, 250_000, 500_000, 1_000_000, 2_000_000, 5_000_000];
pub const DEFAULT_SPAN: Time = 1_000_000;

const S: f64 = 1e6;

/// The diagram of the `span` before the present, with `selected` (the inspected message)
/// outlined.
pub fn sim_spacetime(sim: &Sim, span: Time, selected: Option<MessageId>, on: &Callback<Action>) -> Html {
    let now = sim.now();
    let from = now.saturating_sub(span);
    let run = sim_trace(sim, from, now);
    let window = Window { from: from as f64 / S, to: (from + span) as f64 / S };
    let diagram = Rc::new(Diagram::of(&run, window, ""));
    let id_of = |i: usize| run.msgs.get(i).and_then(|m| m.raw["id"].as_u64());
    let selected_item = selected.and_then(|id| (0..run.msgs.len()).find(|&i| id_of(i) == Some(id)).map(Item::Msg));
    // The click handler keeps the run and looks up what was clicked only on a click: while
    // the panel is open this is built every frame.
    let run = Rc::new(run);
    let on_select = {
        let (on, run) = (on.clone(), run.clone());
        Callback::from(move |item: Item| {
            let (at, id) = match item {
                Item::Msg(i) => run.msgs.get(i).map_or((now, None), |m| (micros(m.t), m.raw["id"].as_u64())),
                Item::Request(i) => (run.requests.get(i).map_or(now, |r| micros(r.t)), None),
            };
            on.emit(Action::Seek(at));
            if let Some(id) = id {
                on.emit(Action::SelectMessage(id));
            }
        })
    };
    let oldest = sim.events().first().map_or(0, |e| e.at);
    let on_span = on.reform(|e: Event| Action::SpaceTimeSpan(select_value(&e).parse().unwrap_or(DEFAULT_SPAN)));
    html! {
        <>
            <div class="spacetime-controls">
                <label>{ "window " }
                    <select data-testid="sim-spacetime-span" onchange={on_span}>
                        { for SPANS.iter().map(|&s| html! {
                            <option value={s.to_string()} selected={s == span}>{ zoom_label(s as f64 / S) }</option>
                        }) }
                    </select>
                </label>
                <span class="muted" data-testid="sim-spacetime-window" data-to={now.to_string()}>
                    { format!("{:.3} s to {:.3} s; the line is the present. A click on a message travels back to when it was sent and inspects it.", window.from, window.to) }
                    if from < oldest && sim.events_discarded() > 0 { { format!(" Events before {:.3} s are no longer kept.", oldest as f64 / S) } }
                    if diagram.left_out > 0 { { format!(" {} strokes left out, evenly: choose a shorter window to see them all.", diagram.left_out) } }
                </span>
            </div>
            <div class="lanes">
                <ol class="lane-labels" style={format!("height: {}px", diagram.height())}>
                    { for diagram.lanes.iter().map(|name| html! { <li style={format!("height: {LANE}px")}><b>{ name.clone() }</b></li> }) }
                </ol>
                { spacetime_svg(diagram.clone(), selected_item, Some(now as f64 / S), on_select, Callback::noop()) }
            </div>
        </>
    }
}

/// Seconds as the simulation's microseconds (exact: they were microseconds to start with).
fn micros(t: f64) -> Time {
    (t * S).round() as Time
}
