//! # linksim
//!
//! A deterministic simulator for `link-core`: it runs one server or an HA pair against
//! simulated CSTA Connectors, a simulated network and a simulated Management Layer, in
//! virtual time, from a seed, injecting the faults a scenario file names, and checks
//! every invariant of `docs/spec.md` on every step. The same scenario and seed give the
//! same trace on every machine. `ARCHITECTURE.md` at the repository's root maps it.
//!
//! The `linksim` command (feature `cli`, default on; `src/bin/linksim/`, a file each):
//! `run` (timelines, verdicts, `--trace`, `--svg`/`--html`, `--check-determinism`),
//! `check`, `schema`, `new`, `explore` (swarm testing with shrinking) and `sweep`
//! (settings x seeds, outage percentiles, `--merge` of shards). Every command ends with
//! an [`Exit`], whose values are its exit codes.
//!
//! Modules, bottom to top:
//! - [`scenario`]: the file format (its types, faults and expectations), reading
//!   ([`scenario::load`]) and checking ([`scenario::Checked`]); [`options`], the
//!   format's words for the core's policies; `duration`, durations with units.
//! - `world`: the simulated parties (server, connector, network path, Management
//!   Layer) and what each fault does to them.
//! - `observe` and `engine`: one typed observation per thing that happens; the event
//!   queue and the run loop.
//! - The watchers: `checker` (with `account` and `liveness`), `trace`, `timeline`,
//!   `history` and [`outage`].
//! - `run`: the one place a run is set up; [`RunSummary`], what every front end gets;
//!   [`RunReport`] (`report`, `expect`), what `linksim run` shows; [`picture`], the
//!   timeline as SVG or HTML.
//! - [`explore`] and [`sweep`]: swarm testing and settings sweeps; [`seeds`] (from
//!   `link-model`), seed ranges and shards; [`starter`], the starter scenario;
//!   [`verdict`], what a violation is.
//!
//! The library builds without the command line for `wasm32-unknown-unknown`
//! (`sim/wasm`, the browser playground).

#![forbid(unsafe_code)]

mod account;
mod checker;
pub mod coverage;
mod duration;
mod engine;
mod exit;
mod expect;
pub mod explore;
mod history;
mod liveness;
mod observe;
pub mod options;
pub mod outage;
pub mod picture;
mod report;
mod run;
pub mod scenario;
pub use link_model::seeds;
mod seeded;
pub mod starter;
mod summary;
pub mod sweep;
mod timeline;
mod trace;
pub mod verdict;
mod world;
pub mod wrap;

pub use crate::checker::{CheckMode, SMALL_CORE_LINKS};
pub use crate::duration::{DrawnDuration, SimDuration};
pub use crate::engine::{Budget, Ending, DEFAULT_STEP_BUDGET, EVENTS_PER_STEP, MAX_PENDING_EVENTS};
pub use crate::exit::Exit;
pub use crate::expect::ExpectationResult;
pub use crate::history::{History, LogEntry};
pub use crate::report::{use_color, RunReport};
pub use crate::run::{run, run_streaming, run_with, summarize, RunOptions};
pub use crate::summary::RunSummary;
pub use crate::timeline::{
    describe_action, describe_event, describe_fault, format_timeline, TimelineEntry, RECENT_LINES,
    TIMELINE_LIMIT,
};
pub use crate::trace::TraceSink;
pub use crate::verdict::{Found, Invariant, Kind};

/// A path as a terminal may show it: every control or invisible character escaped
/// ([`link_core::printable`]), so that a file name cannot drive a terminal or forge an
/// output line.
pub fn printable_path(path: impl AsRef<std::path::Path>) -> String {
    link_core::printable(&path.as_ref().display().to_string()).into_owned()
}

/// The JSON Schema of the scenario format, as pretty JSON.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(scenario::Scenario);
    serde_json::to_string_pretty(&schema).expect("a schema serializes")
}
