//! The logs beside the ring: one row per node, one cell per index, newest on the right. A cell
//! shows its entry's term (tinted by term, so agreeing logs look alike) and is solid once
//! committed on that node, dashed before; a configuration entry (§6) has a cell of its own
//! style. The full commands are in the detailed logs below.

use crate::model::log_strip::{LogStrip, StripRow};
use crate::model::log_view::LogRow;
use crate::model::membership::Member;
use crate::model::node_view::RoleGlyph;
use raft_core::{Index, Term};
use yew::prelude::*;

/// How many tints the terms cycle through (`term-0` .. `term-5` in the style sheet).
const TINTS: Term = 6;

#[derive(Properties, PartialEq)]
pub struct LogStripProps {
    pub strip: LogStrip,
}

#[component]
pub fn LogStripView(props: &LogStripProps) -> Html {
    let s = &props.strip;
    html! {
        <section class="panel strip" aria-labelledby="strip-h" data-testid="log-strip">
            <header class="panel-head">
                <h2 id="strip-h">{ "Logs" }</h2>
                <p class="strip-key">
                    <span class="cell committed">{ "2" }</span>{ " committed " }
                    <span class="cell">{ "2" }</span>{ " not yet · the number is the entry's term" }
                    if s.rows.iter().any(|r| r.cells.iter().flatten().any(|c| c.config)) {
                        { " · " }<span class="cell config">{ "2" }</span>{ " configuration (config) entry" }
                    }
                    if s.rows.iter().any(|r| r.snapshot > 0) {
                        { " · " }<span class="cell compacted">{ "▣" }</span>{ " in a snapshot" }
                    }
                </p>
            </header>
            // Two arrangements of the same cells; the style sheet shows the one that fits: a row
            // per node under the drawing, a column per node beside it.
            { by_node(s) }
            { by_index(s) }
            if s.indexes().next().is_none() {
                <p class="hint">{ "Every log is empty." }</p>
            }
        </section>
    }
}

fn by_node(s: &LogStrip) -> Html {
    let newest = s.last;
    html! {
        <table class="strip-grid by-node">
            <thead>
                <tr>
                    <th scope="col" class="strip-node">{ "index" }</th>
                    { for s.indexes().map(|i| html! { <th scope="col" data-fold={fold(newest - i)}>{ i }</th> }) }
                </tr>
            </thead>
            <tbody>
                { for s.rows.iter().map(|r| html! {
                    <tr class={classes!(format!("role-{}", r.role.name()), format!("member-{}", r.member.name()))} data-testid={format!("strip-{}", r.node)}
                        data-commit-index={r.commit_index.to_string()} data-member={r.member.name()}>
                        <th scope="row" class="strip-node" title={node_title(r)}>{ node_label(r) }</th>
                        { for r.cells.iter().zip(s.indexes()).map(|(c, i)| cell(c.as_ref(), i, newest, i <= r.snapshot)) }
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

fn by_index(s: &LogStrip) -> Html {
    let newest = s.last;
    html! {
        <div class="strip-scroll">
            <table class="strip-grid by-index">
                <thead>
                    <tr>
                        <th scope="col" class="strip-index">{ "#" }</th>
                        { for s.rows.iter().map(|r| html! {
                            <th scope="col" class={classes!("strip-node", format!("role-{}", r.role.name()))} title={node_title(r)}>
                                { node_label(r) }
                            </th>
                        }) }
                    </tr>
                </thead>
                <tbody>
                    { for s.indexes().enumerate().map(|(k, i)| html! {
                        <tr data-fold={fold(newest - i)}>
                            <th scope="row" class="strip-index">{ i }</th>
                            { for s.rows.iter().map(|r| cell(r.cells[k].as_ref(), i, newest, i <= r.snapshot)) }
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

fn node_title(r: &StripRow) -> String {
    format!("node {}, {}, {}, term {}, commit index {}", r.node, r.role.name(), r.member.describe(), r.term, r.commit_index)
}

fn node_label(r: &StripRow) -> Html {
    html! {
        <>
            { format!("S{}", r.node) }
            if r.role == RoleGlyph::Leader { <span class="strip-role">{ " leader" }</span> }
            if r.role == RoleGlyph::Crashed { <span class="strip-role">{ " down" }</span> }
            if r.member != Member::Voter { <span class="strip-member">{ format!(" {}", r.member.name()) }</span> }
        </>
    }
}

/// The cell of index `i`: its entry, or a mark where a snapshot replaced it (`compacted`),
/// or nothing.
fn cell(entry: Option<&LogRow>, i: Index, newest: Index, compacted: bool) -> Html {
    let fold = fold(newest - i);
    match entry {
        Some(e) => html! {
            <td data-fold={fold} data-index={i.to_string()} data-committed={e.committed.to_string()} data-config={e.config.then_some("true")}
                title={format!("index {i}, term {}: {}{}", e.term, e.command, if e.committed { " (committed)" } else { " (not committed)" })}>
                <span class={classes!("cell", format!("term-{}", e.term % TINTS), e.committed.then_some("committed"), e.config.then_some("config"))}>{ e.term }</span>
            </td>
        },
        None if compacted => html! {
            <td data-fold={fold} data-index={i.to_string()} data-compacted="true" title={format!("index {i}: in this node's snapshot (§7)")}>
                <span class="cell compacted">{ "▣" }</span>
            </td>
        },
        None => html! { <td data-fold={fold} /> },
    }
}

/// Where the strip is narrow it drops its oldest indexes, four at a time: an index `age`
/// entries older than the newest goes at fold 1 (the narrowest strip) to 4 (the widest that
/// still folds), and the newest eight never (0). style.css hides each fold by the strip's
/// width, so it does not depend on how many indexes the strip has.
fn fold(age: Index) -> &'static str {
    match age {
        0..=7 => "0",
        8..=11 => "1",
        12..=15 => "2",
        16..=19 => "3",
        _ => "4",
    }
}
