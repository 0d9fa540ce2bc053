//! Bounded liveness (L1) in the fair environment: with every connector healthy and one
//! connector death at any moment, some link is active within `connect-tout` + the
//! restart timeout of the start and of the death; and the check is not vacuous (a bound
//! shorter than the restart timeout is broken, with a counterexample through the death,
//! and the restart timeout alone holds: the documented bound has `connect-tout` of
//! room).

use std::time::Duration;

use link_check::{check, enumerate, Families, LinkModel};
use link_core::{Event, Role};

#[test]
fn every_fair_configuration_of_up_to_three_links_recovers_within_the_bound() {
    let setups: Vec<_> = enumerate(3, Families::default())
        .into_iter()
        .filter(|s| LinkModel::fair_bound(s).is_some())
        .collect();
    assert_eq!(setups.len(), 228, "every non-backup configuration");
    for setup in setups {
        let report = check(LinkModel::fair(setup).expect("not a backup"));
        let name = report.setup.name();
        assert!(
            report.counterexample.is_none(),
            "{name}: {:?}",
            report.counterexample
        );
        assert!(report.activates, "{name}: never active");
    }
}

#[test]
fn a_bound_shorter_than_the_restart_timeout_is_broken_after_the_death() {
    let setup = enumerate(1, Families::default())
        .into_iter()
        .find(|s| s.role == Role::Standalone)
        .expect("in the list");
    let mut model = LinkModel::fair(setup.clone()).expect("not a backup");
    model.fair = Some(setup.config().restart_timeout - Duration::from_millis(1));
    let report = check(model);
    let cx = report
        .counterexample
        .expect("the death is not recovered from in time");
    assert!(cx.why.starts_with("L1: no link active"), "{}", cx.why);
    assert!(
        cx.steps
            .iter()
            .any(|(input, _)| matches!(input.event, Event::TcpClosed(_))),
        "the path goes through the connector's death:\n{}",
        cx.text(&setup)
    );
    // With the real bound the same configuration holds.
    let report = check(LinkModel::fair(setup).expect("not a backup"));
    assert!(
        report.counterexample.is_none(),
        "{:?}",
        report.counterexample
    );
}

#[test]
fn a_backup_has_no_fair_check() {
    for setup in enumerate(2, Families::default()) {
        let backup = setup.role == Role::Backup;
        assert_eq!(LinkModel::fair(setup).is_none(), backup);
    }
}

#[test]
fn the_restart_timeout_alone_holds_in_every_fair_configuration() {
    for setup in enumerate(2, Families::default()) {
        let Some(mut model) = LinkModel::fair(setup.clone()) else {
            continue;
        };
        let config = setup.config();
        model.fair = Some(config.restart_timeout);
        let report = check(model);
        assert!(
            report.counterexample.is_none(),
            "{}: {:?}",
            setup.name(),
            report.counterexample
        );
    }
}

/// A core that gives up when nothing is operational at `connect-tout` is caught in the
/// fair environment too (by the reference model's disagreement, the first check of the
/// step; the "nothing left to happen" check would catch it next).
#[cfg(feature = "planted-bugs")]
#[test]
fn a_core_that_gives_up_is_caught_in_the_fair_environment() {
    let setup = enumerate(1, Families::default())
        .into_iter()
        .find(|s| s.role == Role::Standalone)
        .expect("in the list");
    let mut model = LinkModel::fair(setup).expect("not a backup");
    model.planted = Some(link_core::PlantedBug::GivesUpWhenNothingOperational);
    let cx = check(model).counterexample.expect("found");
    assert!(
        cx.steps
            .iter()
            .any(|(input, _)| matches!(input.event, Event::TcpClosed(_))),
        "through the death: {cx:?}"
    );
}
