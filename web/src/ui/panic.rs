//! If the app ever panics, say so on the page (not only in the console): a visualizer that
//! silently freezes would mislead.

pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let text = format!("The visualizer stopped because of a bug: {info}. Reload the page to start again.");
        web_sys::console::error_1(&text.clone().into());
        let doc = web_sys::window().and_then(|w| w.document());
        if let Some(el) = doc.and_then(|d| d.get_element_by_id("panic")) {
            el.set_text_content(Some(&text));
            let _ = el.remove_attribute("hidden");
        }
    }));
}
