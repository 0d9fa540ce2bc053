//! The simulator's own checks, on their own: every planted bug is found by explore with
//! the cores' debug self-checks turned off, and each violation is one the simulator
//! saw from outside (its checker, its account of keep-alives, its liveness bounds), not
//! a panic of the core. Without this, an outside check could be deleted with every test
//! green, because the core's own check in a debug build trips first.

#![cfg(feature = "planted-bugs")]

use linksim::explore::{self, ExploreOptions};

#[test]
fn explore_finds_every_planted_bug_with_the_cores_own_checks_off() {
    use link_core::PlantedBug;
    let mut report = Vec::new();
    for bug in PlantedBug::ALL {
        let options = ExploreOptions {
            planted_bug: Some(bug),
            outside_checks_only: true,
            ..ExploreOptions::default()
        };
        let hit = (0..3_000u64)
            .map(|seed| explore::run_seed(seed, &options))
            .find_map(|r| r.found.map(|found| (r.seed, found)));
        let line = match hit {
            None => format!("{bug}: NOT FOUND in seeds 0..3000"),
            Some((seed, found)) => format!(
                "{bug}: seed {seed}: {} {}",
                found.invariant,
                found.detail.chars().take(160).collect::<String>()
            ),
        };
        report.push(line);
    }
    for line in &report {
        eprintln!("{line}");
    }
    let wrong: Vec<&String> = report
        .iter()
        .filter(|l| {
            l.contains("NOT FOUND") || l.contains("panicked") || l.contains("core state after")
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}
