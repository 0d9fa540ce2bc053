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

/// Each planted bug is found in one of CI's families (tried in this order: up to two
/// links; one link with option changes; three links), in debug builds as in release:
/// a core whose debug assertions fire inside the search is a counterexample, not a
/// crashed search thread.
#[cfg(feature = "planted-bugs")]
#[test]
fn every_planted_bug_is_found_with_a_shortest_counterexample() {
    use link_core::PlantedBug;
    let options = Families {
        options: true,
        ..Families::default()
    };
    let spaces: Vec<link_check::Setup> = (enumerate(2, Families::default()).into_iter())
        .chain(enumerate(1, options))
        .chain(
            enumerate(3, Families::default())
                .into_iter()
                .filter(|s| s.priorities.len() == 3),
        )
        .collect();
    // A planted bug trips the core's debug assertions: quiet, the search reports them.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let (mut missed, mut wrong) = (Vec::new(), Vec::new());
    for bug in PlantedBug::ALL {
        let found = spaces.iter().find_map(|setup| {
            let mut model = LinkModel::new(setup.clone());
            model.planted = Some(bug);
            let report = check(model);
            report.counterexample.map(|cx| (report.setup, cx))
        });
        let Some((setup, cx)) = found else {
            missed.push(bug);
            continue;
        };
        let text = cx.text(&setup);
        if cx.steps.len() > 12 || !text.starts_with("  1.   0.000s  start") || cx.why.is_empty() {
            wrong.push(format!(
                "{bug}: {} inputs, or no start or no why:\n{text}",
                cx.steps.len()
            ));
        }
        eprintln!(
            "{bug}: {} inputs in {}: {}",
            cx.steps.len(),
            setup.name(),
            cx.why
        );
    }
    std::panic::set_hook(hook);
    assert!(missed.is_empty(), "not found in CI's families: {missed:?}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
