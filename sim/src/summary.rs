//! [`RunSummary`]: what every run ends with, whoever ran it (`linksim run`, `explore`,
//! `sweep`, the playground, the tests): how it ended, how far it got, what the liveness
//! checks did, and the outages; and the [`Exit`] that calls for.

use std::time::Duration;

use link_core::Instant;

use crate::engine::Ending;
use crate::exit::Exit;
use crate::outage::OutageReport;
use crate::verdict::Found;

/// What every run ends with, whoever ran it: how it ended, how far it got, what the
/// liveness checks did, and the outages.
#[derive(Clone, Debug)]
pub struct RunSummary {
    /// The scenario's name.
    pub name: String,
    /// The seed it ran with.
    pub seed: u64,
    /// Completed, the invariant violation that stopped it, or out of steps.
    pub ending: Ending,
    /// Core steps made.
    pub steps: u64,
    /// How far the run got in virtual time (to the violation, if any).
    pub end: Instant,
    /// The scenario's `run_for`.
    pub run_for: Duration,
    /// What the liveness checks (L1, H1) did, or why they did not run.
    pub liveness: Vec<String>,
    /// Whether L1 was checked and held with some server claimed and active.
    pub l1_held: bool,
    /// Every server's outages and the service's ([`crate::outage`]).
    pub outages: OutageReport,
    /// How often the servers' cores took each rule's decision, summed
    /// ([`link_core::Mark`]; what `explore --coverage` and `sweep --coverage` report).
    pub marks: link_core::MarkCounts,
}

impl RunSummary {
    /// How this run ends a command, expectations aside ([`Exit::of_ending`]).
    pub fn exit(&self) -> Exit {
        Exit::of_ending(&self.ending)
    }

    /// The violation the run ended with, a run out of steps counting as one
    /// ([`Ending::found`]).
    pub fn found(&self) -> Option<Found> {
        self.ending.clone().found()
    }
}
