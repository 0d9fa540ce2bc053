//! Every kind of simulated work counts against a budget, not only core steps: a
//! connector's long status sequence costs one pending event per connection (not one per
//! value), a world that schedules far more events than its servers make steps stops at
//! its event budget, and `linksim check`'s estimate counts status values and faults.
//! Memory is measured with a counting global allocator (live bytes, their peak).

// A global allocator cannot be written without `unsafe`; it only counts and forwards to
// `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use linksim::{scenario, Budget, Ending, RunOptions};

struct Counting;

// Per thread, so tests running in parallel do not count each other's allocations.
thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn grew(bytes: isize) {
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + bytes);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        grew(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        grew(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The peak of live heap bytes above the start while `f` runs on this thread.
fn peak_bytes<T>(f: impl FnOnce() -> T) -> (T, isize) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(start));
    let value = f();
    (value, PEAK.with(Cell::get) - start)
}

/// A connector whose status sequence has 100,000 values a second apart, on a link that
/// loses keep-alive every second (tolerance 0, restart after 1 s): every connection
/// starts the whole sequence again. Ten simulated minutes.
fn status_storm() -> scenario::Checked {
    let mut steps = vec![r#"{"status":"normal","after":"0ms"}"#.to_string()];
    steps.extend((0..100_000).map(|i| {
        let status = if i % 2 == 0 {
            "normal"
        } else {
            "overloadRelieved"
        };
        format!(r#"{{"status":"{status}","after":"1s"}}"#)
    }));
    let text = format!(
        r#"{{"format":1,"name":"status-storm","run_for":"10m",
        "config":{{"kpl_interval":"1s","kpl_tolerance":0,"restart_timeout":"1s",
        "connect_tout":"1s","links":[{{"name":"A"}}]}},
        "connectors":{{"A":{{"status":[{}],"keepalive":"ignore"}}}}}}"#,
        steps.join(",")
    );
    scenario::parse(std::path::Path::new("storm.json"), &text).expect("a valid scenario")
}

#[test]
fn a_long_status_sequence_costs_one_pending_event_per_connection() {
    let checked = status_storm();
    let quiet = RunOptions {
        timeline_tail: true,
        no_history: true,
        ..RunOptions::default()
    };
    let (report, peak) = peak_bytes(|| linksim::run_with(checked, quiet));
    assert_eq!(
        report.summary.ending,
        Ending::Completed,
        "{}",
        report.verdict_text()
    );
    assert!(report.summary.steps > 1_000, "it reconnects all along");
    // Every connection used to queue the whole sequence: 100,000 events of 48 bytes
    // each, about 900 MB after ten minutes. One pending event per connection now.
    assert!(peak < 32 << 20, "peak of {} MB", peak >> 20);
}

#[test]
fn check_counts_status_values_in_its_estimate() {
    let checked = status_storm();
    // 601 connections of 100,001 values each: far past the default step budget, so
    // `linksim check` warns before anyone runs it (it counted 2,404 steps).
    let steps = checked.estimated_steps();
    assert!(steps > linksim::DEFAULT_STEP_BUDGET as f64, "{steps}");
}

/// A world that works without its servers: 20,000 `drop` faults on a link with nothing
/// open, none of which is a core step.
fn busy_world() -> scenario::Checked {
    let faults: Vec<String> = (0..20_000)
        .map(|i| format!(r#"{{"fault":"drop","at":"{i}ms","link":"A"}}"#))
        .collect();
    let text = format!(
        r#"{{"format":1,"name":"busy","run_for":"30s",
        "config":{{"links":[{{"name":"A"}}]}},
        "connectors":{{"A":{{"refuse":true}}}},
        "faults":[{}]}}"#,
        faults.join(",")
    );
    scenario::parse(std::path::Path::new("busy.json"), &text).expect("a valid scenario")
}

#[test]
fn a_world_that_schedules_more_than_its_event_budget_stops_with_no_verdict() {
    let budget = RunOptions {
        step_budget: Some(1_000),
        ..RunOptions::default()
    };
    let report = linksim::run_with(busy_world(), budget);
    let events = 1_000 * linksim::EVENTS_PER_STEP;
    assert!(
        matches!(
            report.summary.ending,
            Ending::OutOfBudget {
                budget: Budget::Events(n),
                ..
            } if n == events
        ),
        "{:?}",
        report.summary.ending
    );
    assert!(report.summary.steps < 1_000, "steps were not what ran out");
    assert_eq!(report.exit(), linksim::Exit::NoVerdict);
    let text = report.verdict_text();
    assert!(
        text.contains("event budget of 8000 simulated events"),
        "{text}"
    );
    // With the default budget the same world completes.
    let report = linksim::run_with(busy_world(), RunOptions::default());
    assert_eq!(report.summary.ending, Ending::Completed);
}

/// A budget of no steps at all is a partial run (exit 3), never a verdict: the
/// hostile-input pass found `--max-steps 0` reported as an L1 violation (exit 4), the
/// servers never having started.
#[test]
fn a_budget_of_no_steps_gives_no_verdict() {
    for name in ["r01-standalone-opens-every-link", "ha-primary-failover"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../scenarios")
            .join(format!("{name}.json"));
        let checked = scenario::load(&path).expect("a bundled scenario");
        let none = RunOptions {
            step_budget: Some(0),
            ..RunOptions::default()
        };
        let report = linksim::run_with(checked, none);
        assert!(
            matches!(
                report.summary.ending,
                Ending::OutOfBudget {
                    budget: Budget::Steps(0),
                    ..
                }
            ),
            "{name}: {:?}",
            report.summary.ending
        );
        assert_eq!(report.exit(), linksim::Exit::NoVerdict, "{name}");
    }
}

/// A sweep of 1,000 x 1,000 values is planned in bounded memory: combinations are built
/// as they run (planning it used to build a million checked scenarios, 3.9 GB), and
/// naming them is linear.
#[test]
fn a_million_combinations_are_planned_without_building_them() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../scenarios/r06-tie-first-normal-wins.json"),
    )
    .unwrap();
    let values = |unit: &str| -> String {
        let values: Vec<String> = (1..=1000).map(|i| format!("{i}{unit}")).collect();
        values.join(",")
    };
    let settings = vec![
        linksim::sweep::parse_set(&format!("run_for={}", values("s"))).unwrap(),
        linksim::sweep::parse_set(&format!("network.latency={}", values("us"))).unwrap(),
    ];
    let file = std::path::PathBuf::from("r06.json");
    let (plan, peak) = peak_bytes(|| linksim::sweep::Plan::new(vec![(file, text)], settings));
    let plan = plan.expect("every value is valid alone");
    assert_eq!(plan.len(), 1_000_000);
    assert!(peak < 16 << 20, "planning took {} MB", peak >> 20);
    assert_eq!(plan.values(999_999), ["1000s", "1000us"]);
    let c = plan.combination(1_001).expect("built on demand");
    assert_eq!(c.values, ["2s", "2us"]);
}
