//! # link-check
//!
//! Exhaustive model checking of `link-core` for small configurations, with the
//! [stateright](https://docs.rs/stateright) model checker: a breadth-first search of every
//! state a core can reach under an adversarial environment, for every configuration of
//! up to three links, checking on every transition what the property tests check on
//! random ones.
//!
//! - [`setup`]: the configurations (links and priorities, role, keep-alive, R5 policy,
//!   and which families of inputs the environment may deliver).
//! - [`model`]: the state (the core, the reference model, the action audit and what the
//!   environment has outstanding), every input the environment could deliver in it, and
//!   the checks of each transition; and the fair environment of bounded liveness
//!   ([`LinkModel::fair`]: healthy connectors, one death, L1 within a bound).
//! - [`mod@check`]: runs the search for one configuration and reports states, depth, time,
//!   the shortest counterexample and the rule marks its transitions took.
//! - [`marks`]: the rule marks a family cannot reach, and why (`--require-marks`).
//!
//! The binary (`cargo run --release -p link-check -- --links 3`) checks them all, and
//! `--serve` opens stateright's Explorer on one configuration.

#![forbid(unsafe_code)]

pub mod check;
pub mod marks;
pub mod model;
pub mod setup;

pub use check::{check, Counterexample, Report};
pub use marks::unreachable_marks;
pub use model::{Input, LinkModel, Node};
pub use setup::{enumerate, Families, Keepalive, Setup};
