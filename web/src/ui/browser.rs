//! The browser services the app uses: URL parameters, a fresh random seed, local storage, and
//! file export and import. Runs cross into JavaScript as values through serde-wasm-bindgen.

use raft_core::sim::Run;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

const STORAGE_KEY: &str = "raft-web/run";

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// A query parameter of the page's URL (`?seed=42`).
pub fn query(name: &str) -> Option<String> {
    let search = window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
}

/// A fresh seed, small enough to read out and type back.
pub fn random_seed() -> u64 {
    let mut buf = [0u8; 8];
    if getrandom::getrandom(&mut buf).is_err() {
        return (js_sys::Math::random() * 1e6) as u64;
    }
    u64::from_le_bytes(buf) % 1_000_000
}

/// A run as JSON text, through a JavaScript value.
pub fn run_to_json(run: &Run) -> Result<String, String> {
    let value = run.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| e.to_string())?;
    let text = js_sys::JSON::stringify_with_replacer_and_space(&value, &JsValue::NULL, &JsValue::from(1))
        .map_err(|_| "cannot write the run as JSON".to_string())?;
    Ok(String::from(text))
}

/// A run from JSON text, through a JavaScript value.
pub fn run_from_json(text: &str) -> Result<Run, String> {
    let value = js_sys::JSON::parse(text).map_err(|_| "that file is not JSON".to_string())?;
    serde_wasm_bindgen::from_value(value).map_err(|e| format!("that file is not a saved run: {e}"))
}

fn storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

/// A small value kept in this browser (`None` if there is none or no storage).
pub fn stored(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Keeps a small value in this browser, if it lets the page (a preference lost is no harm).
pub fn store(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

/// Whether the page was opened without any state in its address (no query, no fragment):
/// a plain visit rather than a shared link.
pub fn plain_visit() -> bool {
    let Some(loc) = window().map(|w| w.location()) else { return false };
    loc.search().unwrap_or_default().trim_start_matches('?').is_empty() && fragment().is_empty()
}

pub fn save(run: &Run) -> Result<(), String> {
    let text = run_to_json(run)?;
    let storage = storage().ok_or("this browser has no local storage")?;
    storage.set_item(STORAGE_KEY, &text).map_err(|_| "the browser refused to store the run".to_string())
}

pub fn load() -> Result<Run, String> {
    let storage = storage().ok_or("this browser has no local storage")?;
    let text = storage.get_item(STORAGE_KEY).ok().flatten().ok_or("no run saved yet")?;
    run_from_json(&text)
}

/// Offers `text` as a file download.
pub fn download(name: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|_| "cannot make a file")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "cannot make a file")?;
    let doc = window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement =
        doc.create_element("a").map_err(|_| "cannot make a link")?.dyn_into().map_err(|_| "cannot make a link")?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Reads the file chosen in `input` as text and hands it to `done`.
pub fn read_file(input: &web_sys::HtmlInputElement, done: impl FnOnce(String) + 'static) {
    let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
    let cb = Closure::once(move |v: JsValue| done(v.as_string().unwrap_or_default()));
    let _ = file.text().then(&cb);
    cb.forget(); // called once by the promise; a few bytes per import
}

/// Reads the first file of a drop, with its name.
pub fn read_dropped(e: &web_sys::DragEvent, done: impl FnOnce(String, String) + 'static) {
    let Some(file) = e.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) else { return };
    let name = file.name();
    let cb = Closure::once(move |v: JsValue| done(name, v.as_string().unwrap_or_default()));
    let _ = file.text().then(&cb);
    cb.forget(); // called once by the promise
}

/// Fetches a text file (a trace hosted next to the app, `?trace=URL`).
pub fn fetch_text(url: &str, done: impl FnOnce(Result<String, String>) + 'static) {
    let Some(w) = window() else { return };
    let request = w.fetch_with_str(url);
    wasm_bindgen_futures::spawn_local(async move {
        let text = async {
            let response: web_sys::Response = wasm_bindgen_futures::JsFuture::from(request).await.map_err(|_| "the network refused".to_string())?.unchecked_into();
            if !response.ok() {
                return Err(format!("HTTP {}", response.status()));
            }
            let text = response.text().map_err(|_| "no text".to_string())?;
            wasm_bindgen_futures::JsFuture::from(text).await.map(|v| v.as_string().unwrap_or_default()).map_err(|_| "the download broke off".to_string())
        };
        done(text.await);
    });
}

/// Listens for key presses on the whole page for the app's lifetime.
pub fn on_keydown(f: impl Fn(web_sys::KeyboardEvent) + 'static) -> Option<Closure<dyn Fn(web_sys::KeyboardEvent)>> {
    let cb = Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(f);
    window()?.add_event_listener_with_callback("keydown", cb.as_ref().unchecked_ref()).ok()?;
    Some(cb)
}

/// Once a select's choice is made, gives the focus back to the page: keys typed into a
/// focused select would pick options by their first letter instead of reaching the
/// shortcuts. Registered once for the page's lifetime.
pub fn release_selects_after_change() {
    let Some(doc) = window().and_then(|w| w.document()) else { return };
    let cb = Closure::<dyn Fn(web_sys::Event)>::new(|e: web_sys::Event| {
        if let Some(select) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
            let _ = select.blur();
        }
    });
    if doc.add_event_listener_with_callback("change", cb.as_ref().unchecked_ref()).is_ok() {
        cb.forget(); // one listener for the page's lifetime
    }
}

/// Scrolls the page just enough to show the element `selector` names, if it is out of view
/// (smoothly, unless the reader asked for less motion).
pub fn scroll_into_view(selector: &str) {
    let Some(el) = window().and_then(|w| w.document()).and_then(|d| d.query_selector(selector).ok().flatten()) else {
        return;
    };
    let options = web_sys::ScrollIntoViewOptions::new();
    options.set_block(web_sys::ScrollLogicalPosition::Nearest);
    let behavior = if prefers_reduced_motion() { web_sys::ScrollBehavior::Instant } else { web_sys::ScrollBehavior::Smooth };
    options.set_behavior(behavior);
    el.scroll_into_view_with_scroll_into_view_options(&options);
}

/// The URL fragment, without `#` (empty if none).
pub fn fragment() -> String {
    window().and_then(|w| w.location().hash().ok()).unwrap_or_default().trim_start_matches('#').to_string()
}

/// Edits the address in the address bar, without reloading or adding history.
fn edit_url(edit: impl FnOnce(&web_sys::Url)) {
    let Some(w) = window() else { return };
    let Ok(href) = w.location().href() else { return };
    let Ok(url) = web_sys::Url::new(&href) else { return };
    edit(&url);
    if url.href() == href {
        return;
    }
    if let Ok(history) = w.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url.href()));
    }
}

/// Puts `fragment` (and the seed) in the address bar.
pub fn show_in_url(seed: u64, fragment: &str) {
    edit_url(|url| {
        url.search_params().set("seed", &seed.to_string());
        url.set_hash(fragment);
    });
}

/// Sets (or with `None` removes) a query parameter in the address bar.
pub fn set_query(name: &str, value: Option<&str>) {
    edit_url(|url| match value {
        Some(v) => url.search_params().set(name, v),
        None => url.search_params().delete(name),
    });
}

/// Moves keyboard focus to the element `selector` names, if there is one.
pub fn focus(selector: &str) {
    let el = window().and_then(|w| w.document()).and_then(|d| d.query_selector(selector).ok().flatten());
    if let Some(el) = el.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = el.focus();
    }
}

/// The page's address as the address bar shows it.
pub fn current_url() -> Option<String> {
    window()?.location().href().ok()
}

/// Copies `text` to the clipboard, then calls `done` with whether it is there: the browser
/// may refuse (no permission, or a page not served from a secure origin, where there is no
/// clipboard API at all).
pub fn copy_to_clipboard(text: &str, done: impl FnOnce(bool) + 'static) {
    let Some(navigator) = window().map(|w| w.navigator()) else { return done(false) };
    let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard")).is_ok_and(|c| !c.is_undefined());
    if !has_clipboard {
        return done(false);
    }
    let written = wasm_bindgen_futures::JsFuture::from(navigator.clipboard().write_text(text));
    wasm_bindgen_futures::spawn_local(async move { done(written.await.is_ok()) });
}

/// A high-resolution clock, in milliseconds.
pub fn now_ms() -> f64 {
    window().and_then(|w| w.performance()).map_or_else(js_sys::Date::now, |p| p.now())
}

/// Whether the reader asked the system for less motion.
pub fn prefers_reduced_motion() -> bool {
    window()
        .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
        .is_some_and(|m| m.matches())
}
