//! The browser side: Yew components that draw the view model and send actions back.

mod action;
mod app;
mod browser;
mod cheatsheet;
mod client_panel;
mod cluster;
mod feed;
mod glyphs;
mod inspector;
mod legend;
mod log_strip;
mod logs;
mod panic;
mod partition;
mod safety;
mod scenario;
mod settings;
mod shared;
mod sim_spacetime;
mod spacetime;
mod timeline;
mod toolbar;
mod tour;
mod trace_ring;
mod trace_timeline;
mod trace_view;

pub fn start() {
    panic::install();
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => yew::Renderer::<app::App>::with_root(root).render(),
        None => yew::Renderer::<app::App>::new().render(),
    };
}
