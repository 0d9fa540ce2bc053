//! # linksim
//!
//! A deterministic simulator for `link-core`: it runs one server or an HA pair against
//! simulated CSTA Connectors, a simulated network and a simulated Management Layer, in
//! virtual time, from a seed, injecting the faults a scenario file names, and checks
//! every invariant of `docs/spec.md` on every step. The same scenario and seed give the
//! same trace on every machine.
//!
//! - [`scenario`]: the file format, reading and checking ([`scenario::load`]).
//! - [`run`]: runs a checked scenario to a [`RunReport`].
//! - [`picture`]: the timeline as SVG or a self-contained HTML page.
//! - [`explore`]: swarm testing over seeds, with shrinking of what it finds.
//! - [`starter`]: the starter scenario (`linksim new`, the browser playground's default).
//! - The `linksim` binary wraps them (`run`, `check`, `schema`); it and its parser and
//!   progress bar are behind the default feature `cli`, so that the library builds for
//!   `wasm32-unknown-unknown` without them (`crates/linksim-wasm`).

#![forbid(unsafe_code)]

mod account;
mod checker;
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

pub use crate::duration::{DrawnDuration, SimDuration};
pub use crate::engine::{Ending, DEFAULT_STEP_BUDGET};
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

/// The JSON Schema of the scenario format, as pretty JSON.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(scenario::Scenario);
    serde_json::to_string_pretty(&schema).expect("a schema serializes")
}
