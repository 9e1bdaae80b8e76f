//! Live safety checks: a badge per invariant (green, or red with a jump to the moment it
//! broke) and the client history plot with the linearizability checker's verdict.

use super::action::Action;
use crate::model::safety::{verdict_name, Badge, HistoryPlot};
use crate::model::speed::format_time;
use raft_core::check::Verdict;
use yew::prelude::*;

const W: f64 = 600.0;
const ROW: f64 = 22.0;

#[derive(Properties, PartialEq)]
pub struct SafetyProps {
    pub badges: Vec<Badge>,
    pub plot: HistoryPlot,
    pub on: Callback<Action>,
}

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Linearizable => "lin-ok",
        Verdict::NotLinearizable => "lin-bad",
        Verdict::Unknown => "lin-unknown",
    }
}

#[component]
pub fn Safety(props: &SafetyProps) -> Html {
    let plot = &props.plot;
    let h = ROW * plot.rows.len().max(1) as f64 + 16.0;
    let summary = match plot.verdict {
        Verdict::Linearizable => format!("Linearizable: all {} client operations so far fit one sequential order.", plot.ops),
        Verdict::NotLinearizable => format!("Not linearizable: no sequential order explains key {}.", plot.bad_keys.join(", ")),
        Verdict::Unknown => "Unknown: the checker gave up on a key (too many concurrent operations).".into(),
    };
    html! {
        <section class="panel safety" aria-labelledby="safety-h" data-testid="safety">
            <h2 id="safety-h">{ "Safety, checked live" }</h2>
            <ul class="badges">
                { for props.badges.iter().map(|b| {
                    let name = b.name;
                    match &b.broken {
                        None => html! {
                            <li class="badge ok" data-testid="badge" data-invariant={name} data-ok="true">
                                <span class="badge-mark" aria-hidden="true">{ "✓" }</span>{ name }
                            </li>
                        },
                        Some((at, detail)) => {
                            let at = *at;
                            html! {
                                <li class="badge broken" data-testid="badge" data-invariant={name} data-ok="false" data-at={at.to_string()} title={detail.clone()}>
                                    <span class="badge-mark" aria-hidden="true">{ "✗" }</span>{ name }
                                    <button class="small" data-testid="badge-jump" onclick={props.on.reform(move |_: MouseEvent| Action::Seek(at))}>
                                        { format!("broken at {} ›", format_time(at)) }
                                    </button>
                                </li>
                            }
                        }
                    }
                }) }
            </ul>
            <h3 class="sub">{ "Client history" }</h3>
            <p class={classes!("lin-verdict", verdict_class(plot.verdict))} data-testid="lin-verdict" data-verdict={verdict_name(plot.verdict)}>
                { summary }
            </p>
            <svg class="history" viewBox={format!("0 0 {W} {h}")} role="img" data-testid="history-plot"
                aria-label="Client operations on a time axis, each bar from call to answer">
                { for plot.rows.iter().enumerate().map(|(i, name)| html! {
                    <text class="h-row" x="0" y={(i as f64 * ROW + 15.0).to_string()}>{ name.clone() }</text>
                }) }
                <defs>
                    <pattern id="bad-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <rect width="6" height="6" fill="#f6c9ad" />
                        <line x1="0" y1="0" x2="0" y2="6" stroke="#d55e00" stroke-width="2.5" />
                    </pattern>
                </defs>
                { for plot.bars.iter().map(|b| {
                    let x0 = 70.0 + b.x0 * (W - 90.0);
                    let x1 = 70.0 + b.x1 * (W - 90.0);
                    let y = b.row as f64 * ROW + 4.0;
                    let title = html! { <title>{ format!("{} — {}", b.label, verdict_name(b.verdict)) }</title> };
                    if b.pending {
                        return html! {
                            <g class={classes!("h-op", verdict_class(b.verdict), "pending")} data-testid="history-op" data-verdict={verdict_name(b.verdict)}>
                                <line x1={x0.to_string()} x2={x1.max(x0 + 3.0).to_string()} y1={(y + 7.0).to_string()} y2={(y + 7.0).to_string()} />
                                { title }
                            </g>
                        };
                    }
                    html! {
                        <g class={classes!("h-op", verdict_class(b.verdict))}
                            data-testid="history-op" data-verdict={verdict_name(b.verdict)}>
                            <rect x={x0.to_string()} y={y.to_string()} width={(x1 - x0).max(4.0).to_string()} height="14" rx="2" />
                            if b.verdict == Verdict::NotLinearizable {
                                <text class="h-bad" x={(x1.max(x0 + 4.0) + 3.0).to_string()} y={(y + 11.0).to_string()}>{ "✗" }</text>
                            }
                            { title }
                        </g>
                    }
                }) }
                <text class="h-axis" x="70" y={(h - 2.0).to_string()}>{ format_time(plot.from) }</text>
                <text class="h-axis end" x={W.to_string()} y={(h - 2.0).to_string()}>{ format_time(plot.to) }</text>
            </svg>
            <p class="hint">{ "One row per client; a bar runs from a request to its answer (a dashed line: no answer, or an outcome the client never learned). Bars of a key the checker rejects are vermillion, hatched and marked ✗." }</p>
        </section>
    }
}
