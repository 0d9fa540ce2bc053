//! Outage figures, outage expectations and fault ranges, measured from outside: through
//! scenario text, the run's report and its JSON, as a user sees them.

use std::path::Path;
use std::time::Duration;

use link_core::Instant;
use linksim::outage::Restored;
use linksim::{scenario, Exit};

fn run(text: &str) -> linksim::RunReport {
    let checked = scenario::parse(Path::new("t.json"), text).unwrap_or_else(|e| panic!("{e}"));
    linksim::run(checked, false)
}

fn refused(text: &str) -> String {
    scenario::parse(Path::new("t.json"), text)
        .map(|_| ())
        .expect_err("the scenario is refused")
        .to_string()
}

/// One server, A over B; A's connector crashes at `at` for `for`; `expect` appended.
fn crash(at: &str, duration: &str, expect: &str) -> String {
    format!(
        r#"{{"format":1,"name":"t","seed":3,"run_for":"60s",
        "config":{{"links":[{{"name":"A","priority":10}},{{"name":"B","priority":5}}]}},
        "faults":[{{"fault":"crash","at":"{at}","link":"A","for":"{duration}"}},
                  {{"fault":"crash","at":"{at}","link":"B","for":"5s"}}],
        "expect":[{expect}]}}"#
    )
}

#[test]
fn the_bundled_failover_states_its_outage_and_the_service_outage() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/ha-primary-failover.json");
    let report = linksim::run(scenario::load(&path).unwrap(), false);
    let service = &report.summary.outages.service;
    assert_eq!(service.count, 1);
    let outage = service.longest.unwrap();
    assert_eq!(outage.from, Instant::from_millis(30_001));
    assert_eq!(outage.until, Instant::from_millis(40_320));
    assert!(matches!(
        outage.restored,
        Restored::Activated { server: 1, .. }
    ));
    let text = report.verdict_text();
    assert!(
        text.contains("service: 1 x 10.319s (30.001s..40.320s, restored by ts2 on CSTA_A)"),
        "{text}"
    );
    assert!(text.contains("outage ts1: 1 x 10.319s"), "{text}");
}

#[test]
fn an_outage_expectation_that_fails_shows_the_outage_that_broke_it() {
    let report = run(&crash(
        "20s",
        "30s",
        r#"{"expect":"max_outage","at_most":"2s"},
           {"expect":"recovered_within","within":"1s"},
           {"expect":"availability","at_least":0.99},
           {"expect":"max_outage","server":"pair","at_most":"20s"}"#,
    ));
    assert_eq!(report.exit(), Exit::Expectation);
    let seen: Vec<(bool, &str)> = report
        .expectations
        .iter()
        .map(|e| (e.passed, e.seen.as_str()))
        .collect();
    // B's connector is back at 25 s; B is opened again after the 10 s restart timeout.
    let broke = "10.039s (20.001s..30.040s, restored by B)";
    assert_eq!(seen[0], (false, &*format!("longest outage {broke}")));
    assert_eq!(seen[1], (false, &*format!("outage {broke}")));
    assert!(
        !seen[2].0 && seen[2].1.starts_with("availability 83.203%"),
        "{seen:?}"
    );
    assert!(seen[3].0, "the lone server's service is its own: {seen:?}");
}

#[test]
fn recovered_within_fails_on_an_outage_the_run_ends_inside_and_max_outage_counts_it() {
    let report = run(&crash(
        "50s",
        "30s",
        r#"{"expect":"recovered_within","within":"20s"},
           {"expect":"max_outage","at_most":"11s"}"#,
    ));
    let service = &report.summary.outages.servers[0];
    assert!(service.open.is_some_and(|o| o.is_open()));
    assert_eq!(
        service.longest.map(|o| o.length()),
        Some(Duration::from_millis(9_999))
    );
    let results: Vec<bool> = report.expectations.iter().map(|e| e.passed).collect();
    assert_eq!(results, [false, true], "{:?}", report.expectations);
    assert!(report.expectations[0]
        .seen
        .contains("still out when the run ended"));
}

#[test]
fn a_range_is_drawn_from_the_seed_within_its_ends_and_shown_on_the_timeline() {
    let text = crash("10s..30s", "5s..20s", "");
    let mut ats = std::collections::BTreeSet::new();
    for seed in 0..40u64 {
        let checked = scenario::parse(Path::new("t.json"), &text)
            .unwrap()
            .with_seed(seed);
        let again = scenario::parse(Path::new("t.json"), &text)
            .unwrap()
            .with_seed(seed);
        let at = checked.scenario.faults[0].at();
        assert_eq!(at, again.scenario.faults[0].at(), "same seed, same draw");
        assert!(at.0 >= Duration::from_secs(10) && at.0 <= Duration::from_secs(30));
        ats.insert(at);
    }
    assert!(ats.len() > 30, "draws differ across seeds: {}", ats.len());
    let report = run(&text);
    let timeline = report.timeline_text();
    assert!(
        timeline.contains("(drawn: at ") && timeline.contains(" from 10s..30s, for "),
        "{timeline}"
    );
}

#[test]
fn a_drawn_scenario_written_back_out_replays_the_same_run() {
    let checked = scenario::parse(Path::new("t.json"), &crash("10s..30s", "5s..20s", ""))
        .unwrap()
        .with_seed(17);
    let written = serde_json::to_string_pretty(&checked.scenario).unwrap();
    assert!(
        !written.contains(".."),
        "ranges are replaced by values: {written}"
    );
    let replayed = scenario::parse(Path::new("w.json"), &written).unwrap();
    let (a, b) = (linksim::run(checked, true), linksim::run(replayed, true));
    assert_eq!(a.trace, b.trace);
    assert_eq!(a.summary.outages, b.summary.outages);
    assert_eq!(a.exit(), Exit::Pass);
}

#[test]
fn a_scenario_without_ranges_draws_nothing() {
    let text = crash("20s", "30s", "");
    let a = scenario::parse(Path::new("t.json"), &text).unwrap();
    assert!(!a.has_ranges());
    let b = a.clone().with_seed(99);
    assert_eq!(a.scenario.faults[0].at(), b.scenario.faults[0].at());
}

#[test]
fn bad_ranges_and_outage_expectations_are_refused_with_a_reason() {
    let cases = [
        (crash("30s..10s", "5s", ""), "runs backwards"),
        (
            crash("10s..90s", "5s", ""),
            "starts at up to 90s, after run_for",
        ),
        (crash("10s..", "5s", ""), "has no number"),
        (
            crash("10s", "5s", r#"{"expect":"availability","at_least":99.9}"#),
            "a fraction from 0 to 1",
        ),
        (
            crash(
                "10s",
                "5s",
                r#"{"expect":"max_outage","server":"tsX","at_most":"1s"}"#,
            ),
            "no server named \"tsX\"",
        ),
    ];
    for (text, reason) in cases {
        let error = refused(&text);
        assert!(error.contains(reason), "{reason}: {error}");
    }
    let pair_named = r#"{"format":1,"name":"t","run_for":"5s","config":{"links":[{"name":"A"}]},
        "servers":[{"name":"pair","role":"primary"},{"name":"b","role":"backup"}]}"#;
    assert!(refused(pair_named).contains("reserved"));
}

#[test]
fn the_json_report_carries_the_verdict_and_the_outage_figures() {
    let report = run(&crash(
        "20s",
        "30s",
        r#"{"expect":"max_outage","at_most":"2s"}"#,
    ));
    let json = report.json();
    assert_eq!(json["verdict"], "expectation_failed");
    assert_eq!(json["exit_code"], Exit::Expectation.code());
    assert_eq!(json["expectations"][0]["passed"], false);
    let longest = &json["servers"][0]["outage"]["longest"];
    assert_eq!(longest["from_s"], 20.001);
    assert_eq!(longest["restored_by"]["link"], "B");
    assert_eq!(json["service"]["count"], 1);
    assert!((json["service"]["availability"].as_f64().unwrap() - 0.832_03).abs() < 1e-4);
}

#[test]
fn a_server_that_never_comes_up_fails_every_outage_expectation() {
    let report = run(r#"{"format":1,"name":"t","run_for":"30s",
        "config":{"links":[{"name":"A"}]},
        "connectors":{"A":{"refuse":true}},
        "expect":[{"expect":"max_outage","at_most":"5s"},
                  {"expect":"recovered_within","within":"5s"},
                  {"expect":"availability","at_least":0.5}]}"#);
    let verdicts: Vec<(bool, &str)> = report
        .expectations
        .iter()
        .map(|e| (e.passed, e.seen.as_str()))
        .collect();
    assert!(verdicts.iter().all(|(passed, _)| !passed), "{verdicts:?}");
    assert_eq!(
        verdicts[0].1,
        "never active: no link in the whole run (30.000s)"
    );
    assert!(report
        .verdict_text()
        .contains("outage ts: never active in 30.000s"));
}

#[test]
fn a_switchover_to_an_active_backup_costs_the_service_nothing() {
    let report = run(r#"{"format":1,"name":"t","run_for":"30s",
        "config":{"links":[{"name":"A","priority":1}]},
        "servers":[{"name":"ts1","role":"primary"},{"name":"ts2","role":"backup"}],
        "faults":[{"fault":"switchover","at":"10s"}],
        "expect":[{"expect":"max_outage","server":"pair","at_most":"0s"}]}"#);
    assert_eq!(
        report.summary.outages.service.count, 0,
        "{:?}",
        report.summary.outages.service
    );
    assert_eq!(report.exit(), Exit::Pass, "{}", report.verdict_text());
}
