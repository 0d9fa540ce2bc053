//! What a run keeps is bounded whatever the scenario asks for (D3 of the reliability
//! issue): the step budget ends a run that would go on for ever, the timeline keeps at
//! most `TIMELINE_LIMIT` lines, and a run without expectations or pictures keeps no
//! history.

use std::path::Path;

use linksim::{scenario, Ending, RunOptions, TIMELINE_LIMIT};

fn million_hours() -> scenario::Checked {
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/limits/a-million-hours.json");
    scenario::load(&file).expect("the fixture is a valid scenario")
}

#[test]
fn the_step_budget_ends_the_run_and_the_timeline_is_capped() {
    let report = linksim::run_with(
        million_hours(),
        RunOptions {
            step_budget: Some(300_000),
            ..RunOptions::default()
        },
    );
    assert_eq!(report.summary.steps, 300_000);
    assert!(
        matches!(
            report.summary.ending,
            Ending::OutOfBudget {
                budget: linksim::Budget::Steps(300_000),
                ..
            }
        ),
        "{:?}",
        report.summary.ending
    );
    assert_eq!(report.exit(), linksim::Exit::NoVerdict);
    assert!(
        report.expectations.is_empty(),
        "a partial run has no verdicts"
    );
    assert_eq!(report.timeline.len(), TIMELINE_LIMIT);
    assert!(report.timeline_omitted > 0);
    assert!(report.verdict_text().contains("more were not kept"));
}

#[test]
fn a_run_without_history_keeps_only_its_starting_entries() {
    let report = linksim::run_with(
        million_hours(),
        RunOptions {
            step_budget: Some(50_000),
            no_history: true,
            no_timeline: true,
            ..RunOptions::default()
        },
    );
    assert_eq!(report.summary.steps, 50_000);
    let (_, history) = &report.servers[0];
    assert!(history.logs.is_empty() && history.client_events.is_empty());
    assert_eq!(
        history.link_states[0].len(),
        1,
        "only the closed state at 0"
    );
    assert_eq!(history.active.len(), 1);
    assert!(report.timeline.is_empty());
}
