//! Partitions the way people think of them: drag nodes (or click them) between two sides, then
//! cut; heal in one click.

use super::action::Action;
use crate::model::partition::PartitionDraft;
use raft_core::sim::Intervention;
use raft_core::NodeId;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PartitionProps {
    pub draft: PartitionDraft,
    pub partitioned: bool,
    pub on: Callback<Action>,
}

fn side(props: &PartitionProps, on_b: bool, nodes: Vec<NodeId>) -> Html {
    let on = &props.on;
    let ondrop = on.reform(move |e: DragEvent| {
        e.prevent_default();
        let id = e.data_transfer().and_then(|d| d.get_data("text/plain").ok()).and_then(|s| s.parse().ok()).unwrap_or(0);
        Action::PartitionSide(id, on_b)
    });
    let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
    html! {
        <div class={classes!("side-box", if on_b { "side-b" } else { "side-a" })} {ondrop} {ondragover}
            data-testid={if on_b { "side-b" } else { "side-a" }}>
            <span class="side-name">{ if on_b { "Side B" } else { "Side A" } }</span>
            { for nodes.into_iter().map(|id| {
                let ondragstart = Callback::from(move |e: DragEvent| {
                    if let Some(d) = e.data_transfer() { let _ = d.set_data("text/plain", &id.to_string()); }
                });
                html! {
                    <button class="chip" draggable="true" data-testid={format!("chip-{id}")} {ondragstart}
                        title={format!("Move node {id} to the other side")}
                        onclick={on.reform(move |_: MouseEvent| Action::PartitionSide(id, !on_b))}>
                        { id }
                    </button>
                }
            }) }
        </div>
    }
}

#[component]
pub fn PartitionPanel(props: &PartitionProps) -> Html {
    let d = &props.draft;
    html! {
        <section class="panel partition" aria-labelledby="partition-h" data-testid="partition">
            <h2 id="partition-h">{ "Partition" }</h2>
            <div class="sides">
                { side(props, false, d.side_a()) }
                { side(props, true, d.side_b()) }
            </div>
            <div class="actions">
                <button class="danger" data-testid="apply-partition" disabled={d.intervention().is_none()}
                    onclick={props.on.reform(|_: MouseEvent| Action::ApplyPartition)} title="Cut every link between the sides (P)">
                    { "Cut between the sides" }
                </button>
                <button data-testid="heal-all" disabled={!props.partitioned}
                    onclick={props.on.reform(|_: MouseEvent| Action::Intervene(Intervention::Heal))} title="Restore every link (H)">
                    { "Heal" }
                </button>
            </div>
            <p class="hint">{ "Drag nodes, or click them, to the other side. Single links, one way or both, are cut from a node's inspector." }</p>
        </section>
    }
}
