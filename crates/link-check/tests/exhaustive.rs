//! The exhaustive search, as CI runs it: no violation in the space it covers here, the
//! environment reaches activation, and (built with `planted-bugs`) every planted bug is
//! found with a short counterexample.

use link_check::{check, enumerate, Families, LinkModel};

// Debug builds check the core's invariants inside every step as well, and are about
// ten times slower: the tests here cover one link (and one two-link tie); CI runs the
// whole space of up to three links with the release binary (`.ci/run`).

#[test]
fn every_configuration_of_one_link_holds_and_activates() {
    for setup in enumerate(1, Families::default()) {
        let report = check(LinkModel::new(setup));
        let name = report.setup.name();
        assert!(
            report.counterexample.is_none(),
            "{name}: {:?}",
            report.counterexample
        );
        assert!(
            report.activates,
            "{name}: the environment never lets a link become active"
        );
        assert!(
            report.unique_states > 20,
            "{name}: only {} states",
            report.unique_states
        );
    }
}

#[test]
fn a_two_link_tie_as_a_backup_holds() {
    let setup = enumerate(2, Families::default())
        .into_iter()
        .find(|s| s.priorities == [1, 1] && s.role == link_core::Role::Backup)
        .expect("in the list");
    let report = check(LinkModel::new(setup));
    assert!(
        report.counterexample.is_none(),
        "{:?}",
        report.counterexample
    );
    assert!(
        report.depth >= 6 && report.unique_states > 100,
        "{} states, depth {}",
        report.unique_states,
        report.depth
    );
}

#[cfg(feature = "planted-bugs")]
#[test]
fn every_planted_bug_is_found_with_a_shortest_counterexample() {
    use link_core::PlantedBug;
    for bug in PlantedBug::ALL {
        let found = enumerate(2, Families::default())
            .into_iter()
            .find_map(|setup| {
                let mut model = LinkModel::new(setup);
                model.planted = Some(bug);
                let report = check(model);
                report.counterexample.map(|cx| (report.setup, cx))
            });
        let (setup, cx) = found
            .unwrap_or_else(|| panic!("{bug} was not found in any configuration of up to 2 links"));
        let text = cx.text(&setup);
        assert!(
            cx.steps.len() <= 10,
            "{bug}: {} inputs\n{text}",
            cx.steps.len()
        );
        assert!(text.starts_with("  1.   0.000s  start"), "{bug}:\n{text}");
        assert!(!cx.why.is_empty(), "{bug}: the broken transition says why");
        eprintln!(
            "{bug}: {} inputs in {}: {}",
            cx.steps.len(),
            setup.name(),
            cx.why
        );
    }
}
