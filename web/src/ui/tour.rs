//! The first-visit tour's card: the step's text and how to go on. It sits beside the picture
//! and blocks nothing: the student acts on the page itself when a step asks for it.

use super::action::Action;
use crate::model::tour::TourStep;
use raft_core::NodeId;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TourCardProps {
    pub step: TourStep,
    pub leader: Option<NodeId>,
    pub on: Callback<Action>,
}

#[component]
pub fn TourCard(props: &TourCardProps) -> Html {
    let step = props.step;
    let on = &props.on;
    html! {
        <section class="panel tour" aria-labelledby="tour-h" aria-live="polite" data-testid="tour" data-step={step.number().to_string()}>
            <header class="panel-head">
                <h2 id="tour-h" tabindex="-1">{ step.title() }</h2>
                <span class="tour-count">{ format!("{} of {}", step.number(), TourStep::count()) }</span>
            </header>
            <p>{ step.text(props.leader) }</p>
            <div class="actions">
                if step.has_next_button() {
                    <button class="primary small" data-testid="tour-next" onclick={on.reform(|_: MouseEvent| Action::TourNext)}>{ "Next" }</button>
                }
                if step == TourStep::Done {
                    <button class="primary small" data-testid="tour-end" onclick={on.reform(|_: MouseEvent| Action::TourEnd)}>{ "Finish" }</button>
                } else {
                    <button class="quiet small" data-testid="tour-skip" onclick={on.reform(|_: MouseEvent| Action::TourEnd)}>{ "Skip the tour" }</button>
                }
            </div>
        </section>
    }
}
