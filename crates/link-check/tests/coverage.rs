//! How much of the reachable state space the property test's generator reaches, with the
//! exhaustive search as the ground truth. States are compared by shape
//! (`LinkCore::hash_shape`: the canonical state with each timer only armed or not), on
//! fixed three-link configurations, with the generator at the property test's CI budget
//! (256 cases of up to 300 steps, `tests/generator` of link-core's `ops`, seeded here). It prints
//! the figures (`cargo test --release -p link-check --test coverage -- --nocapture`).

#[path = "../../link-core/tests/generator/mod.rs"]
mod generator;

use std::collections::HashSet;
use std::hash::Hasher;

use link_check::model::Fnv;
use link_check::{enumerate, Families, Keepalive, LinkModel, Setup};
use link_core::{Instant, LinkCore, Role};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use stateright::{Checker, Model, StateRecorder};

/// FNV-1a over a core's shape.
fn shape(core: &LinkCore) -> u64 {
    let mut h = Fnv::default();
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

/// Every shape the generator reaches for `setup` in `cases` runs of up to 300 steps.
fn generated(setup: &Setup, cases: u32) -> HashSet<u64> {
    let config = setup.config();
    let links = config.links.len();
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let ops = generator::ops(1..300);
    let mut seen = HashSet::new();
    for _ in 0..cases {
        let ops = ops.new_tree(&mut runner).expect("a case").current();
        let mut core = LinkCore::new(config.clone()).unwrap();
        let mut now = Instant::ZERO;
        // Reconfiguration and option changes are families the search here leaves out:
        // the generator's steps of those kinds are skipped, not counted.
        let in_family = |op: &&generator::Op| {
            !matches!(
                op,
                generator::Op::Reconfigure(..) | generator::Op::Option(_)
            )
        };
        for op in ops.iter().filter(in_family) {
            let (at, event) = generator::realise(op, &core, now, links);
            if core.step(at, event).is_ok() {
                now = at;
                seen.insert(shape(&core));
            }
        }
    }
    seen
}

#[test]
fn the_generator_reaches_most_reachable_three_link_states() {
    let setups: Vec<Setup> = enumerate(3, Families::default())
        .into_iter()
        .filter(|s| s.priorities == [0, 1, 2] || s.priorities == [1, 1, 2])
        .filter(|s| s.keepalive != Keepalive::Tolerance(0) && s.role != Role::Standalone)
        .filter(|s| s.first_status == link_core::FirstStatusPolicy::WaitForNormal)
        .collect();
    assert_eq!(setups.len(), 8);
    for setup in &setups {
        let truth = reachable(setup);
        let reached = generated(setup, 256);
        let covered = truth.intersection(&reached).count();
        let share = covered as f64 / truth.len() as f64;
        let outside = reached.difference(&truth).count();
        eprintln!("{}: the generator reaches {covered} of {} reachable shapes ({:.1}%), and {outside} outside them", setup.name(), truth.len(), 100.0 * share);
        // The search's abstractions lose (almost) nothing the generator finds: a shape the
        // generator reaches and the search does not would be a state the search misses.
        // (The few there are: the core before `Start`, where the search never is, in
        // each role the generator gives it; and, with keep-alive on, a counter state
        // four misses deep, past the search's `MISS_BUDGET` of three.)
        assert!(
            outside * 50 <= reached.len(),
            "{}: {outside} of {} generated shapes are not reachable in the search",
            setup.name(),
            reached.len()
        );
        // Just under the figures measured (README "Exhaustive": 82.4-98.9% with
        // keep-alive off, 67.9-72.4% with tolerance 2, the generator swarm-style with
        // runs of keep-alive beats, cases as long as before): a generator that reaches
        // less has lost coverage.
        let floor = if setup.keepalive == Keepalive::Off {
            0.80
        } else {
            0.65
        };
        assert!(
            share >= floor,
            "{}: coverage fell to {:.1}%",
            setup.name(),
            100.0 * share
        );
    }
}
