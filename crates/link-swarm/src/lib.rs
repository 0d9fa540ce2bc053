//! # link-swarm
//!
//! link-tokio's real [`Driver`](link_tokio::Driver), unchanged, on turmoil's simulated
//! network and clock, against simulated CSTA Connectors (link-tokio's stub, speaking
//! the real CSTA-XML framing), with faults drawn from a seed; and checks on what the
//! driver reported.
//!
//! - [`world`]: one seed's [`World`]: configuration, connector scripts, latency,
//!   faults (crash and restart, partition and repair, hold and release), drawn
//!   swarm-style; what it promises (L1 or why not).
//! - [`net`]: turmoil's TCP as the driver's transport and the stub's listener.
//! - [`run`](mod@run): one world on turmoil; the driver's records and stream counts.
//! - [`mod@check`]: the records replayed through a fresh core (the same actions, every
//!   invariant, the action audit), timers on time, L1 after the heal, no leaked socket.
//! - [`swarm`]: a range of seeds on several threads, and its summary.
//!
//! The same seed gives the same records on every run: turmoil is single-threaded and
//! seeded, and the world is drawn from ChaCha8.
#![forbid(unsafe_code)]

pub mod check;
mod describe;
pub mod net;
pub mod run;
pub mod swarm;
pub mod world;

pub use check::{check, Finding, FindingKind, Verdict};
pub use run::{run, Observed, RunError};
pub use swarm::{Outcome, Summary};
pub use world::{Fault, FaultKind, World};
