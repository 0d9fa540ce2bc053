//! Every scenario in `scenarios/` is a test: it must pass (exit 0: every expectation
//! and invariant held), run deterministically (I10), and its timeline must match the
//! reviewed snapshot in `tests/snapshots/`, so every change of behaviour shows in review.
//! After an intended change: `cargo insta review` (or `INSTA_UPDATE=always cargo test`).

use std::path::PathBuf;

use linksim::{scenario, Exit};

/// The `*.json` files of `dir` (relative to the crate), in name order.
fn json_files(dir: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the directory exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// Runs `file` and requires every expectation and invariant to hold.
fn run_passing(file: &std::path::Path, record_trace: bool) -> linksim::RunReport {
    let report = linksim::run(
        scenario::load(file).unwrap_or_else(|e| panic!("{e}")),
        record_trace,
    );
    assert_eq!(
        report.exit(),
        Exit::Pass,
        "{}:\n{}\n{}",
        file.display(),
        report.timeline_text(),
        report.verdict_text()
    );
    report
}

fn scenario_files() -> Vec<PathBuf> {
    json_files("../scenarios")
}

#[test]
fn there_is_a_scenario_for_every_rule_and_the_ha_situations() {
    let names: Vec<String> = scenario_files()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.len() >= 20, "only {} scenarios", names.len());
    for rule in 1..=14 {
        let prefix = format!("r{rule:02}-");
        assert!(
            names.iter().any(|n| n.starts_with(&prefix)),
            "no scenario for R{rule}"
        );
    }
    for situation in [
        "ha-pair-start",
        "ha-primary-failover",
        "ha-backup-all-highest-down",
        "ha-no-failback-for-primary",
    ] {
        assert!(names.iter().any(|n| n == situation), "missing {situation}");
    }
}

#[test]
fn every_bundled_scenario_passes_deterministically_and_matches_its_snapshot() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let _guard = settings.bind_to_scope();
    for file in scenario_files() {
        let report = run_passing(&file, true);
        assert!(
            !report.expectations.is_empty(),
            "{}: a scenario without expectations proves nothing",
            file.display()
        );
        let again = linksim::run(scenario::load(&file).unwrap(), true);
        assert_eq!(
            report.trace,
            again.trace,
            "{}: two runs differ (I10)",
            file.display()
        );
        let mut snapshot = format!("{}\n\n{}", report.timeline_text(), report.verdict_text());
        snapshot.push_str(&format!("trace hash {:016x}\n", report.trace_hash));
        insta::assert_snapshot!(report.summary.name.clone(), snapshot);
    }
}

#[test]
fn the_seed_changes_the_draws_and_nothing_else() {
    let file =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/jitter-five-links.json");
    let checked = scenario::load(&file).unwrap();
    let mut reseeded = checked.clone();
    reseeded.scenario.seed += 1;
    let (a, b) = (linksim::run(checked, true), linksim::run(reseeded, true));
    assert_ne!(a.trace_hash, b.trace_hash, "jitter must depend on the seed");
    assert_eq!(
        b.exit(),
        Exit::Pass,
        "the scenario's claims hold for another seed too:\n{}",
        b.verdict_text()
    );
}

/// Scenarios a review of the simulator wrote to show its bugs (overlapping faults, a
/// message in flight through a partition, a switchover while a switch is pending,
/// false liveness alarms from slow or flapping keep-alive, a reconfiguration of one
/// server). Each must pass: its expectations hold and no invariant fires falsely.
#[test]
fn the_review_regressions_pass() {
    let files = json_files("tests/fixtures/regressions");
    assert_eq!(files.len(), 8);
    for file in files {
        run_passing(&file, false);
    }
}
