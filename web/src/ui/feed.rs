//! The event feed, newest first.

use crate::model::feed::FeedLine;
use crate::model::speed::format_time;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FeedProps {
    /// Newest first.
    pub lines: Vec<FeedLine>,
}

#[component]
pub fn Feed(props: &FeedProps) -> Html {
    html! {
        <section class="panel feed" aria-labelledby="feed-h">
            <h2 id="feed-h">{ "What happened" }</h2>
            <ol class="feed-list" data-testid="feed" aria-live="off">
                { for props.lines.iter().map(|l| html! {
                    <li class={classes!("feed-line", l.category.name())} data-category={l.category.name()}>
                        <time>{ format_time(l.at) }</time>
                        <span>{ l.text.clone() }</span>
                    </li>
                }) }
            </ol>
        </section>
    }
}
