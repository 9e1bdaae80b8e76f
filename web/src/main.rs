//! A browser visualizer of the Raft core: a five-node cluster of the real core, run by the
//! core's deterministic simulator, animated, and breakable by the user.

// Natively only the view model's tests run; the view that uses it is wasm32-only.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

mod model;
#[cfg(target_arch = "wasm32")]
mod ui;

fn main() {
    #[cfg(target_arch = "wasm32")]
    ui::start();
}
