//! The planted driver bug (link-tokio's `planted-bugs` feature) is found by the swarm
//! within a few seeds, and as what it is: a leaked connection. CI runs this file with
//! `--features planted-bugs`; without the feature it holds no test.
#![cfg(feature = "planted-bugs")]

use link_swarm::check::FindingKind;
use link_swarm::swarm::{many, Failure};
use link_tokio::DriverBug;

#[test]
fn the_planted_driver_bug_is_found_within_a_few_seeds() {
    for bug in DriverBug::ALL {
        let outcomes = many(0..12, 2, Some(bug));
        let found: Vec<&Failure> = outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().err())
            .collect();
        assert!(!found.is_empty(), "{} not found in seeds 0..12", bug.name());
        let leak = |f: &&Failure| {
            matches!(
                f,
                Failure::Finding(link_swarm::Finding {
                    kind: FindingKind::LeakedStreams(_) | FindingKind::TooManyStreams { .. },
                    ..
                })
            )
        };
        assert!(
            found.iter().all(leak),
            "{bug:?} found as something else: {found:?}"
        );
    }
}
