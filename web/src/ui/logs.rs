//! Every node's log side by side: index, term and command, committed entries solid and
//! marked, uncommitted ones dashed, configuration entries (§6) set apart; under each log the
//! node's key-value state, and for the leader its next and match index per follower.

use crate::model::log_view::LogColumn;
use crate::model::membership::Member;
use crate::model::node_view::RoleGlyph;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LogsProps {
    pub columns: Vec<LogColumn>,
}

#[component]
pub fn Logs(props: &LogsProps) -> Html {
    html! {
        <section class="panel logs" aria-labelledby="logs-h">
            <h2 id="logs-h">{ "Logs and state machines" }</h2>
            <p class="hint">{ "Newest entries at the bottom. " }
                <span class="key committed-key">{ "✓ committed" }</span>{ " " }
                <span class="key uncommitted-key">{ "… not yet committed" }</span>
            </p>
            <div class="log-grid">
                { for props.columns.iter().map(column) }
            </div>
        </section>
    }
}

fn column(c: &LogColumn) -> Html {
    let role = c.role.name();
    let crashed = c.role == RoleGlyph::Crashed;
    html! {
        <div class={classes!("log-col", format!("role-{role}"), format!("member-{}", c.member.name()))} data-testid={format!("log-{}", c.node)}
             data-node-id={c.node.to_string()} data-commit-index={c.commit_index.to_string()} data-member={c.member.name()}>
            <h3>
                <span class="col-node">{ format!("S{}", c.node) }</span>
                <span class="col-role">{ if c.role == RoleGlyph::Leader { "LEADER".to_string() } else { role.to_string() } }</span>
                if c.member != Member::Voter { <span class="col-member">{ c.member.name() }</span> }
            </h3>
            <p class="col-meta">{ format!("term {} · commit {}", c.term, c.commit_index) }</p>
            <table class="log" aria-label={format!("log of node {}", c.node)}>
                <thead><tr><th scope="col">{ "#" }</th><th scope="col">{ "term" }</th><th scope="col">{ "command" }</th></tr></thead>
                <tbody>
                    if let Some((index, term)) = c.snapshot {
                        <tr class="snapshot-row" data-testid="snapshot-marker" data-covers={index.to_string()}>
                            <td colspan="3">{ format!("▣ snapshot: entries 1–{index} (last term {term}) compacted, §7") }</td>
                        </tr>
                    }
                    if c.hidden > 0 {
                        <tr class="hidden-rows"><td colspan="3">{ format!("… {} earlier", c.hidden) }</td></tr>
                    }
                    { for c.rows.iter().map(|r| html! {
                        <tr class={classes!(if r.committed { "committed" } else { "uncommitted" }, r.config.then_some("config"))}
                            data-index={r.index.to_string()} data-committed={r.committed.to_string()} data-config={r.config.then_some("true")}>
                            <td class="idx">{ r.index }</td>
                            <td class="term">{ r.term }</td>
                            <td class="cmd">{ r.command.clone() }<span class="state-mark" aria-label={if r.committed { "committed" } else { "not committed" }}>
                                { if r.committed { " ✓" } else { " …" } }</span></td>
                        </tr>
                    }) }
                    if c.rows.is_empty() {
                        <tr class="empty"><td colspan="3">{ "empty" }</td></tr>
                    }
                </tbody>
            </table>
            if !c.progress.is_empty() {
                <table class="progress" aria-label="the leader's view of each follower">
                    <thead><tr><th scope="col">{ "→" }</th><th scope="col">{ "next" }</th><th scope="col">{ "match" }</th></tr></thead>
                    <tbody>
                        { for c.progress.iter().map(|p| html! {
                            <tr data-follower={p.follower.to_string()}>
                                <td>{ format!("S{}", p.follower) }</td><td>{ p.next_index }</td><td>{ p.match_index }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
            <h4>{ "key-value state" }</h4>
            <ul class="kv" data-testid={format!("kv-{}", c.node)}>
                { for c.kv.iter().map(|(k, v)| html! {
                    <li data-testid="kv-row" data-node-id={c.node.to_string()} data-key={k.clone()} data-value={v.clone()}>
                        <span class="k">{ k.clone() }</span><span class="v">{ v.clone() }</span>
                    </li>
                }) }
                if c.kv.is_empty() {
                    <li class="empty">{ if crashed { "lost in the crash; rebuilt from the log on restart" } else { "empty" } }</li>
                }
            </ul>
        </div>
    }
}
