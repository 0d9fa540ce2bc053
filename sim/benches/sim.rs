//! Simulator throughput.
//!
//! - `one_hour_ha_pair`: a one-hour HA-pair run with 4 links and a fault every few
//!   minutes (crash, partition, drop, latency, switchover, status), keep-alive on. The
//!   counter is core steps, so divan reports events per second; simulated seconds per
//!   wall second is 3600 / the time of one run.
//! - `explore_default_swarm`: `explore` over 200 seeds of the default swarm (4 links, HA
//!   pair, 10 simulated minutes per seed) on 1 and 2 threads; the counter is seeds.
//!
//! Run: `cargo bench -p linksim`.

use divan::counter::ItemsCount;
use divan::Bencher;
use linksim::explore::{self, ExploreOptions};
use linksim::scenario::{self, Checked};

fn main() {
    divan::main();
}

fn one_hour() -> Checked {
    let mut faults = Vec::new();
    let kinds = [
        r#"{"fault":"crash","at":"AT","link":"CSTA_A","for":"40s"}"#,
        r#"{"fault":"partition","at":"AT","link":"CSTA_B","for":"30s"}"#,
        r#"{"fault":"drop","at":"AT","link":"CSTA_A"}"#,
        r#"{"fault":"latency","at":"AT","link":"CSTA_C","add":"800ms","for":"60s"}"#,
        r#"{"fault":"switchover","at":"AT"}"#,
        r#"{"fault":"status","at":"AT","link":"CSTA_A","status":"messagesLost"}"#,
    ];
    for (i, minute) in (2..58).step_by(3).enumerate() {
        faults.push(kinds[i % kinds.len()].replace("AT", &format!("{minute}m")));
    }
    let text = format!(
        r#"{{"format":1,"name":"one-hour-ha-pair","seed":1,"run_for":"1h",
            "config":{{"kpl_interval":"10s","links":[{{"name":"CSTA_A","priority":10}},{{"name":"CSTA_B","priority":10}},{{"name":"CSTA_C","priority":5}},{{"name":"CSTA_D","priority":1}}]}},
            "servers":[{{"name":"ts1","role":"primary"}},{{"name":"ts2","role":"backup"}}],
            "network":{{"latency":"2ms","jitter":"1ms"}},
            "connectors":{{"CSTA_A":{{"jitter":"20ms"}},"CSTA_B":{{"jitter":"20ms"}},"CSTA_C":{{"jitter":"20ms"}},"CSTA_D":{{"jitter":"20ms"}}}},
            "faults":[{}]}}"#,
        faults.join(",")
    );
    scenario::parse(std::path::Path::new("one-hour.json"), &text).expect("a valid scenario")
}

#[divan::bench(sample_count = 20)]
fn one_hour_ha_pair(bencher: Bencher) {
    let checked = one_hour();
    let steps = linksim::run(checked.clone(), false).steps;
    bencher
        .counter(ItemsCount::new(steps))
        .with_inputs(|| checked.clone())
        .bench_local_values(|checked| {
            let report = linksim::run(checked, false);
            assert_eq!(report.exit_code(), linksim::EXIT_OK);
            divan::black_box(report.steps)
        });
}

const SEEDS: u64 = 200;

#[divan::bench(args = [1, 2], sample_count = 10)]
fn explore_default_swarm(bencher: Bencher, jobs: usize) {
    let seeds: Vec<u64> = (0..SEEDS).collect();
    bencher.counter(ItemsCount::new(SEEDS)).bench(|| {
        let results = explore::run_generated(
            &seeds,
            jobs,
            &ExploreOptions::default(),
            explore::generate_default_swarm,
            &|_| {},
        );
        assert!(results.iter().all(|r| r.found.is_none()));
        divan::black_box(results.len())
    });
}
