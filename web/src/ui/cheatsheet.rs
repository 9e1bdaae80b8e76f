//! The keyboard cheat sheet, shown on `?`.

use super::action::Action;
use yew::prelude::*;

pub const KEYS: [(&str, &str); 17] = [
    ("Space", "play / pause"),
    ("S or .", "step forward one event"),
    ("B or ,", "step back one event"),
    ("[ and ]", "one second back / forward"),
    ("Home / E", "start of the run / back to the present"),
    ("K", "kill the leader"),
    ("I", "isolate the leader"),
    ("P", "cut between the partition's sides"),
    ("H", "heal every link"),
    ("1 – 9", "inspect that node"),
    ("D", "drop the message in the inspector"),
    ("L", "copy a link to this run and moment"),
    ("N", "new random seed"),
    ("G", "next guided scenario"),
    ("Tab", "every button, node and message, in order"),
    ("Esc", "close the inspector or this sheet"),
    ("?", "this sheet"),
];

#[derive(Properties, PartialEq)]
pub struct CheatSheetProps {
    pub on: Callback<Action>,
}

#[component]
pub fn CheatSheet(props: &CheatSheetProps) -> Html {
    // A modal dialog takes the focus when it opens (the keyboard user is in it now).
    let close = use_node_ref();
    {
        let close = close.clone();
        use_effect_with((), move |_| {
            if let Some(button) = close.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        });
    }
    html! {
        <div class="overlay" onclick={props.on.reform(|_: MouseEvent| Action::CheatSheet(false))}>
            <section class="panel cheatsheet" role="dialog" aria-modal="true" aria-labelledby="keys-h" data-testid="cheatsheet"
                onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <header class="panel-head">
                    <h2 id="keys-h">{ "Keyboard" }</h2>
                    <button ref={close} class="quiet small" data-testid="cheatsheet-close" onclick={props.on.reform(|_: MouseEvent| Action::CheatSheet(false))}>{ "Close" }</button>
                </header>
                <dl class="keys">
                    { for KEYS.iter().map(|(k, what)| html! { <><dt><kbd>{ *k }</kbd></dt><dd>{ *what }</dd></> }) }
                </dl>
            </section>
        </div>
    }
}
