//! A browser visualizer of the Raft core: a five-node cluster of the real core, run by the
//! core's deterministic simulator, animated, and breakable by the user.

mod model;
#[cfg(target_arch = "wasm32")]
mod ui;

fn main() {
    #[cfg(target_arch = "wasm32")]
    ui::start();
}
