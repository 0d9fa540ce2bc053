//! The scenario file format (format 1): what a scenario says ([`mod@format`], [`fault`],
//! [`expectation`], and the values they share), how it is read ([`read`]: [`load`], [`parse`]) and how it is
//! checked before a run ([`check`]: [`Checked`]). Every struct refuses unknown fields;
//! every duration has a unit ([`crate::SimDuration`]); every name a scenario uses (links,
//! servers) must be declared. Errors name the file, the line and column where they
//! can, and what was expected. `scenarios/README.md` documents every field.

pub mod check;
mod error;
pub mod expectation;
pub mod fault;
pub mod format;
mod json_error;
pub mod read;
mod values;

pub use check::{check_scenario, Checked};
pub use error::ScenarioError;
pub use expectation::{ClientEventName, Expectation, SERVICE};
pub use fault::{Fault, FaultKind};
pub use format::*;
pub use read::{
    load, load_with, parse, parse_with, read_regular_file, strip_comments, Access, ReadError,
    MAX_OPTIONS_BYTES, MAX_SCENARIO_BYTES,
};
pub use values::{status_offsets, Direction, StatusSpec, StatusStep};
