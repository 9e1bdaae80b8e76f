//! Every scenario we ship, and every official config when the course data is present, must load.

use harness::config::{collect_paths, Config};
use std::path::{Path, PathBuf};

fn load_all(dir: &Path) -> Vec<Config> {
    let paths = collect_paths(&[dir.to_owned()]).unwrap();
    paths
        .iter()
        .map(|p| Config::load(p).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

#[test]
fn our_scenarios_load() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let configs = load_all(&dir);
    assert!(configs.len() >= 5);
    assert!(configs.iter().any(|c| c.replicas == 3) && configs.iter().any(|c| c.replicas == 7));
}

#[test]
fn official_configs_load_when_present() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/cs3700-configs");
    if !dir.is_dir() {
        eprintln!("skipped: {} not found", dir.display());
        return;
    }
    let configs = load_all(&dir);
    assert_eq!(configs.len(), 17);
    for c in &configs {
        // The graded simulator reads check 6's bound only inside `tests`, where no official
        // config has it: 10 % everywhere, whatever the top level says.
        assert_eq!(
            (c.lifetime, c.replicas, c.start_wait, c.max_get_generation_fail_fraction),
            (30.0, 5, 5.0, 0.1),
            "{}",
            c.name
        );
    }
    let advanced3 = configs.iter().find(|c| c.name == "advanced-3").unwrap();
    assert_eq!(
        (advanced3.drops, advanced3.end_wait, advanced3.events.len()),
        (0.3, 10.0, 1)
    );
}
