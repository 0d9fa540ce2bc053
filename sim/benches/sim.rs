//! Simulator throughput.
//!
//! - `one_hour_ha_pair`: a one-hour HA-pair run with 4 links and a fault every few
//!   minutes (crash, partition, drop, latency, switchover, status), keep-alive on. The
//!   counter is core steps, so divan reports events per second; simulated seconds per
//!   wall second is 3600 / the time of one run.
//! - `explore_default_swarm`: `explore` over 200 seeds of the default swarm (4 links, HA
//!   pair, 10 simulated minutes per seed) on 1 and 2 threads; the counter is seeds.
//! - `explore_cli`: what `linksim explore` itself runs (its drawn worlds), 2,000 seeds on
//!   1 and 2 threads; the counter is seeds (the README's seeds/s figure).
//!
//! - `links_scaling`: a 5 s run of N links (priorities 0-99, every connector healthy,
//!   one standalone server): one procedure, about three steps per link, every step's
//!   invariants checked incrementally (a core of more than 16 links). The counter is
//!   steps, so a rate that stays flat as N grows means the run's cost is linear in links
//!   (with a full pass after every step it was quadratic). Up to 65,535, the most links a
//!   configuration may have; one sample each.
//!
//! - `sweep_ha_primary_failover`, `sweep_outage_drawn_moment`: `linksim sweep`'s runs
//!   per second on one thread, over 500 seeds of a bundled scenario as bundled; the
//!   counter is runs (the issue's goal: at least 5,000 per second per core).
//!
//! Run: `cargo bench -p linksim`.

use divan::counter::ItemsCount;
use divan::Bencher;
use linksim::explore::{self, ExploreOptions};
use linksim::scenario::{self, Checked};

fn main() {
    divan::main();
}

/// The benchmark world, as `scripts/callgrind.sh` runs it too: one hour of an HA pair
/// on four links with a fault every three minutes (`one-hour-ha-pair.json` beside this
/// file).
fn one_hour() -> Checked {
    let text = include_str!("one-hour-ha-pair.json");
    scenario::parse(std::path::Path::new("one-hour-ha-pair.json"), text).expect("a valid scenario")
}

#[divan::bench(sample_count = 20)]
fn one_hour_ha_pair(bencher: Bencher) {
    let checked = one_hour();
    let steps = linksim::run(checked.clone(), false).summary.steps;
    bencher
        .counter(ItemsCount::new(steps))
        .with_inputs(|| checked.clone())
        .bench_local_values(|checked| {
            let report = linksim::run(checked, false);
            assert_eq!(report.exit(), linksim::Exit::Pass);
            divan::black_box(report.summary.steps)
        });
}

const SEEDS: u64 = 200;

/// `linksim sweep`'s throughput: one bundled scenario (as bundled, `run_for` included)
/// over 500 seeds, every invariant checked, on one thread; the counter is runs.
fn sweep_bundled(bencher: Bencher, file: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("the bundled scenario");
    let plan = linksim::sweep::Plan::new(vec![(path, text)], Vec::new()).expect("a valid scenario");
    let seeds = linksim::seeds::SeedSet::new(0..500, (1, 1));
    bencher.counter(ItemsCount::new(seeds.count)).bench(|| {
        let options = linksim::sweep::SweepOptions {
            jobs: 1,
            ..Default::default()
        };
        let swept = linksim::sweep::run(&plan, &seeds, options, &|_| {}).expect("it runs");
        assert_eq!(swept.results.aggregates[0].violations, 0);
        divan::black_box(swept.results.aggregates[0].runs)
    });
}

#[divan::bench(sample_count = 10)]
fn sweep_ha_primary_failover(bencher: Bencher) {
    sweep_bundled(bencher, "ha-primary-failover.json");
}

#[divan::bench(sample_count = 10)]
fn sweep_outage_drawn_moment(bencher: Bencher) {
    sweep_bundled(bencher, "outage-connector-dies-at-a-drawn-moment.json");
}

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

/// What `linksim explore --seeds 0..2000` runs (the CLI's worlds, `explore::generate`).
#[divan::bench(args = [1, 2], sample_count = 10)]
fn explore_cli(bencher: Bencher, jobs: usize) {
    let seeds: Vec<u64> = (0..2_000).collect();
    bencher.counter(ItemsCount::new(2_000u64)).bench(|| {
        let results = explore::run_seeds(&seeds, jobs, &ExploreOptions::default(), &|_| {});
        assert!(results.iter().all(|r| r.found.is_none()));
        divan::black_box(results.len())
    });
}

fn many_links(links: usize) -> Checked {
    let list: Vec<String> = (0..links)
        .map(|i| format!(r#"{{"name":"L{i}","priority":{}}}"#, i % 100))
        .collect();
    let text = format!(
        r#"{{"format":1,"name":"links-{links}","seed":1,"run_for":"5s","config":{{"links":[{}]}}}}"#,
        list.join(",")
    );
    scenario::parse(std::path::Path::new("many-links.json"), &text).expect("a valid scenario")
}

#[divan::bench(args = [250, 1000, 4000, 16384, 65535], sample_count = 1, sample_size = 1)]
fn links_scaling(bencher: Bencher, links: usize) {
    let checked = many_links(links);
    let steps = linksim::run(checked.clone(), false).summary.steps;
    bencher
        .counter(ItemsCount::new(steps))
        .with_inputs(|| checked.clone())
        .bench_local_values(|checked| {
            let report = linksim::run(checked, false);
            assert_eq!(report.summary.steps, steps);
            divan::black_box(report.summary.steps)
        });
}
