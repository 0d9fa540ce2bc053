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

/// A picture is bounded whatever the run: the million-hour flapping link, stopped at
/// its budget, is drawn in summary (it wrote a 1.18 GB SVG), and its page shows the
/// first lines of the timeline.
#[test]
fn a_run_too_long_to_draw_is_drawn_in_summary_and_says_so() {
    let report = linksim::run_with(
        million_hours(),
        RunOptions {
            step_budget: Some(300_000),
            ..RunOptions::default()
        },
    );
    let svg = linksim::picture::svg(&report);
    assert!(svg.len() < 2 << 20, "{} bytes", svg.len());
    assert!(svg.contains("drawn in summary: "), "the picture says so");
    assert!(svg.matches("<rect").count() < 2_000);
    let html = linksim::picture::html(&report);
    assert!(html.len() < 3 << 20, "{} bytes", html.len());
    let lines = html.lines().filter(|l| l.contains("  A  ")).count();
    assert!(
        lines <= linksim::picture::PAGE_TIMELINE_LINES,
        "{lines} timeline lines"
    );
    assert!(html.contains("more lines (linksim run prints the timeline whole"));
}

/// Many links and many faults: at most LANES_DRAWN lanes and FAULTS_DRAWN faults are
/// drawn, the ones that matter first, and the picture names what it left out.
#[test]
fn many_links_and_faults_are_drawn_in_part_and_the_picture_says_which() {
    let links: Vec<String> = (0..100)
        .map(|i| format!(r#"{{"name":"L{i}","priority":{}}}"#, i % 3))
        .collect();
    let faults: Vec<String> = (0..1_000)
        .map(|i| {
            format!(
                r#"{{"fault":"drop","at":"{}ms","link":"L{}"}}"#,
                10 * i,
                i % 100
            )
        })
        .collect();
    let text = format!(
        r#"{{"format":1,"name":"wide","run_for":"20s","config":{{"links":[{}]}},"faults":[{}]}}"#,
        links.join(","),
        faults.join(",")
    );
    let checked = scenario::parse(Path::new("wide.json"), &text).expect("valid");
    let report = linksim::run(checked, false);
    let svg = linksim::picture::svg(&report);
    let lanes = svg.matches(r##"fill="#f3f3f3""##).count();
    assert_eq!(
        lanes,
        linksim::picture::LANES_DRAWN,
        "one lane background each"
    );
    assert!(
        svg.contains("; 48 of 100 links"),
        "the note names the links left out"
    );
    assert!(svg.contains("; the first 200 of 1000 faults"));
    // The links that were ever active are among those drawn.
    let (_, history) = &report.servers[0];
    for (l, lane) in history.link_states.iter().enumerate() {
        if lane.iter().any(|(_, s)| *s == link_core::LinkState::Active) {
            assert!(
                svg.contains(&format!(">L{l} (")),
                "active link L{l} is drawn"
            );
        }
    }
}
