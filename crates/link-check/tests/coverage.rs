//! How much of the reachable state space the property test's generator reaches, with the
//! exhaustive search as the ground truth. States are compared by shape
//! (`LinkCore::hash_shape`: the canonical state with each timer only armed or not), on
//! fixed three-link configurations, with the generator at one of the property test's two
//! budgets (`link_model::generator::ops`, cases of 1 to 299 steps, seeded
//! here): its default of 2,048 cases, or CI's deeper release run with
//! `PROPTEST_CASES=4096`. At either it must reach 95% of every configuration's shapes.
//! A debug build (the README's `cargo test --workspace`) says SKIPPED unless
//! `LINKPILOT_COVERAGE_IN_DEBUG` is set: it takes about 2.5 minutes there. It prints the figures (`PROPTEST_CASES=4096 cargo test
//! --release -p link-check --test coverage -- --nocapture`).

use std::collections::HashSet;
use std::hash::Hasher;

use link_check::model::MISS_BUDGET;
use link_check::{enumerate, Families, Keepalive, LinkModel, Setup};
use link_core::{Action, Fnv1a, Instant, LinkCore, LogRecord, Role};
use link_model::generator;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use stateright::{Checker, Model, StateRecorder};

/// FNV-1a over a core's shape.
fn shape(core: &LinkCore) -> u64 {
    let mut h = Fnv1a::new();
    core.hash_shape(&mut h);
    h.finish()
}

/// Every shape the exhaustive search reaches for `setup`.
fn reachable(setup: &Setup) -> HashSet<u64> {
    let (recorder, states) = StateRecorder::new_with_accessor();
    LinkModel::new(setup.clone())
        .checker()
        .visitor(recorder)
        .spawn_bfs()
        .join();
    states().iter().map(|n| shape(&n.core)).collect()
}

/// Every shape the generator reaches for `setup` in `cases` runs of 1 to 299 steps, and
/// those it reaches within the search's budget of keep-alive misses (`MISS_BUDGET` on a
/// path): a shape of those the search does not reach would be one it misses.
fn generated(setup: &Setup, cases: u32) -> (HashSet<u64>, HashSet<u64>) {
    let config = setup.config();
    let links = config.links.len();
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let ops = generator::ops(1..300);
    let mut seen = HashSet::new();
    let mut within_budget = HashSet::new();
    for _ in 0..cases {
        let ops = ops.new_tree(&mut runner).expect("a case").current();
        let mut core = LinkCore::new(config.clone()).unwrap();
        let mut now = Instant::ZERO;
        let mut misses = 0;
        // Reconfiguration and option changes are families the search here leaves out:
        // the generator's steps of those kinds are skipped, not counted.
        let in_family = |op: &&generator::Op| {
            !matches!(
                op,
                generator::Op::Reconfigure(..)
                    | generator::Op::Option(_)
                    | generator::Op::Options(_)
            )
        };
        for op in ops.iter().filter(in_family) {
            let (at, event) = generator::realise(op, &core, now, links);
            if let Ok(actions) = core.step(at, event) {
                now = at;
                // A miss or an error answer: each spends the search's budget.
                let missed = |a: &Action| {
                    matches!(
                        a,
                        Action::Log(
                            LogRecord::KeepAliveMissed { .. } | LogRecord::KeepAliveRejected { .. }
                        )
                    )
                };
                misses += actions.iter().filter(|a| missed(a)).count();
                seen.insert(shape(&core));
                if misses <= usize::from(MISS_BUDGET) {
                    within_budget.insert(shape(&core));
                }
            }
        }
    }
    (seen, within_budget)
}

/// The property test's case count: `PROPTEST_CASES`, or its default of 2,048
/// (`crates/link-core/tests/properties.rs`, `DEFAULT_CASES`); at least that default (a
/// quick run with fewer cases would fall under the floor).
fn budget() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .map_or(2_048, |cases: u32| cases.max(2_048))
}

/// The share of every configuration's shapes the generator must reach, at the property
/// test's default budget (with this test's seed) and at CI's deep one (`.ci/run`'s
/// release run at 4,096 cases): the 95%. Measured at 2,048 cases after turn 3
/// (R15's withdrawn candidates and R14's error answers grew the space): 98.3-100% with
/// keep-alive off, 97.3-99.5% on (at 256 cases it was 81.3-99.4%, which is why the
/// default went up).
const FLOOR: f64 = 0.95;

#[test]
fn the_generator_reaches_most_reachable_three_link_states() {
    // Eight exhaustive searches and 2,048 generated cases each take about 2.5 minutes in
    // a debug build (the README's `cargo test --workspace`), 1 in release: CI runs this
    // test in release (`PROPTEST_CASES=4096 cargo test --release -p link-check --test
    // coverage`), and a debug build runs it only when asked.
    if cfg!(debug_assertions) && std::env::var_os("LINKPILOT_COVERAGE_IN_DEBUG").is_none() {
        // Straight to the process's standard error: the harness captures `eprintln!`
        // of a test that passes, and a skip must be seen.
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "SKIPPED in a debug build (about 2.5 minutes): CI runs it in release; LINKPILOT_COVERAGE_IN_DEBUG=1 runs it here");
        return;
    }
    let cases = budget();
    let setups: Vec<Setup> = enumerate(3, Families::default())
        .into_iter()
        .filter(|s| s.priorities == [0, 1, 2] || s.priorities == [1, 1, 2])
        .filter(|s| s.keepalive != Keepalive::Tolerance(0) && s.role != Role::Standalone)
        .filter(|s| s.first_status == link_core::FirstStatusPolicy::WaitForNormal)
        .collect();
    assert_eq!(setups.len(), 8);
    for setup in &setups {
        let truth = reachable(setup);
        let (reached, within_budget) = generated(setup, cases);
        let covered = truth.intersection(&reached).count();
        let share = covered as f64 / truth.len() as f64;
        let outside = within_budget.difference(&truth).count();
        eprintln!("{cases} cases, {}: the generator reaches {covered} of {} reachable shapes ({:.1}%); of the {} it reaches within the search's miss budget, {outside} are outside them", setup.name(), truth.len(), 100.0 * share, within_budget.len());
        // The search's abstractions lose (almost) nothing the generator finds: a shape the
        // generator reaches and the search does not would be a state the search misses.
        // (The few there are: the core before `Start`, where the search never is, in
        // each role the generator gives it.) Past the budget the generator goes deeper
        // than the search: with keep-alive on, most of its shapes there are counter
        // states the search's budget leaves out.
        assert!(
            outside <= 3,
            "{}: {outside} of {} generated shapes within the miss budget are not reachable in the search",
            setup.name(),
            within_budget.len()
        );
        assert!(
            share >= FLOOR,
            "{}: coverage fell to {:.1}%",
            setup.name(),
            100.0 * share
        );
    }
}
