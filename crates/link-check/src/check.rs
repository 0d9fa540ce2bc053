//! Checking one configuration: a breadth-first search over every reachable state (one
//! thread, so that the path to a violation is a shortest one), and what it found.

use std::time::{Duration, Instant as WallClock};

use stateright::{Checker, Model};

use crate::model::{Input, LinkModel, Node};
use crate::setup::Setup;

/// A shortest path from the start to a broken transition.
#[derive(Clone, Debug)]
pub struct Counterexample {
    /// Why the last transition broke a property.
    pub why: String,
    /// Each input delivered and the actions the core answered with, in order.
    pub steps: Vec<(Input, Vec<link_core::Action>)>,
}

impl Counterexample {
    /// The path as a numbered list: each input, then the core's actions indented.
    pub fn text(&self, setup: &Setup) -> String {
        let config = setup.config();
        let mut out = String::new();
        for (i, (input, actions)) in self.steps.iter().enumerate() {
            out.push_str(&format!(
                "{:>3}. {:>8}  {}\n",
                i + 1,
                input.at.to_string(),
                input.event.text(&config)
            ));
            for action in actions {
                out.push_str(&format!("              -> {}\n", action.text(&config)));
            }
        }
        out.push_str(&format!("     broken: {}\n", self.why));
        out
    }
}

/// What the search of one configuration found.
#[derive(Clone, Debug)]
pub struct Report {
    /// The configuration.
    pub setup: Setup,
    /// States generated (with repeats).
    pub states: usize,
    /// Distinct states.
    pub unique_states: usize,
    /// The deepest path explored, in inputs.
    pub depth: usize,
    /// Wall-clock time of the search (reported, never judged).
    pub time: Duration,
    /// Whether some state has an active link (a sanity check of the environment).
    pub activates: bool,
    /// The shortest counterexample, if any transition broke.
    pub counterexample: Option<Counterexample>,
    /// How many transitions took each rule's decision ([`link_core::Mark`]), when the
    /// model counted them ([`LinkModel::counting_marks`]; else all zero).
    pub marks: link_core::MarkCounts,
}

/// The marks a search summed.
fn taken_marks(marks: &std::sync::Mutex<link_core::MarkCounts>) -> link_core::MarkCounts {
    *marks.lock().unwrap_or_else(|e| e.into_inner())
}

/// Searches every state of `model`'s configuration.
pub fn check(model: LinkModel) -> Report {
    let setup = model.setup.clone();
    let marks = model.marks.clone();
    let started = WallClock::now(); // measures the search only; never enters it
    let checker = model.checker().spawn_bfs().join();
    let time = started.elapsed();
    let counterexample = checker.discovery("every transition holds").map(|path| {
        let vec = path.into_vec();
        let why = vec
            .last()
            .and_then(|(n, _): &(Node, _)| n.broken.clone())
            .unwrap_or_default();
        // The first state is the core just after `Start` (see `LinkModel::init_states`).
        let start = Input {
            at: link_core::Instant::ZERO,
            event: link_core::Event::Start,
        };
        let mut steps = vec![(start, vec[0].0.actions.clone())];
        for window in vec.windows(2) {
            if let (Some(input), next) = (window[0].1, &window[1].0) {
                steps.push((input, next.actions.clone()));
            }
        }
        Counterexample { why, steps }
    });
    Report {
        setup,
        states: checker.state_count(),
        unique_states: checker.unique_state_count(),
        depth: checker.max_depth(),
        time,
        activates: checker.discovery("a link becomes active").is_some(),
        counterexample,
        marks: marks.map_or_else(link_core::MarkCounts::default, |m| taken_marks(&m)),
    }
}
