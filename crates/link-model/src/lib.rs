//! # link-model
//!
//! What linkpilot's checkers share, written once (`publish = false`: a workspace crate
//! for tests and tools, not for embedders):
//!
//! - [`mod@reference`]: a deliberately simple reference model of R1-R16 that the property
//!   test (link-core) and the exhaustive search (link-check) run beside the core.
//! - `generator` (feature `generator`): the property test's input generator, which
//!   link-check's coverage test measures against the exhaustive search.
//! - [`liveness`]: the liveness theory of L1 and H1: how a connector treats a server
//!   ([`liveness::Health`]), L1's bound from plain durations ([`liveness::Recovery`]),
//!   and why L1 cannot be claimed ([`liveness::Unclaimed`]). The simulator, the swarm
//!   and link-check's fair search all use it.
//! - [`seeds`]: seed ranges (`A..B`) and shards (`I/N`) as the command lines take them.

#![forbid(unsafe_code)]

#[cfg(feature = "generator")]
pub mod generator;
pub mod liveness;
pub mod reference;
pub mod seeds;
