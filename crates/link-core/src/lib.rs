//! # link-core
//!
//! The link-selection state machine of a CTI server with several prioritized links to
//! CSTA Connectors: which links to open, which one to make active, when to fail over,
//! and how an HA primary/backup pair behaves. It is a pure function of its inputs:
//! [`LinkCore::step`] takes the time and one [`Event`] and returns [`Action`]s. It does
//! no I/O, reads no clock, uses no randomness and iterates no hash map, so the same
//! inputs give the same outputs on every machine (I10).
//!
//! Start with [`LinkCore`]: its documentation states the driving contract and has a
//! runnable example. The rules the core implements (R1-R16) and the invariants it keeps
//! (I1-I10) are numbered in the repository's `docs/spec.md`; the code and tests cite
//! them.
//!
//! `no_std` with `alloc`; no dependencies by default. The `serde` feature derives
//! `Serialize`/`Deserialize` for configuration, events and actions. The
//! `coverage-marks` feature counts each rule's decisions per core ([`Mark`]), for
//! checkers that report what their inputs reached.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod action;
mod audit;
mod canonical;
mod config;
mod event;
mod fnv;
mod ids;
mod incremental;
mod invariants;
mod keepalive;
mod machine;
mod marks;
mod planted;
mod policy;
mod queue;
mod status;
mod text;
mod time;

pub use crate::action::{
    Action, ClientEvent, CloseReason, LogRecord, LogText, LossCause, Timer, LOG_LINK_SELECTED,
};
pub use crate::audit::{ActionAudit, AuditProblem, AuditText, AuditViolation};
pub use crate::config::{
    excerpt, is_unprintable, printable, printable_lines, Config, ConfigError, LinkConfig, Role,
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_KEEPALIVE_INTERVAL, DEFAULT_KEEPALIVE_TOLERANCE,
    DEFAULT_RESTART_TIMEOUT, MAX_CONNECT_TIMEOUT, MAX_KEEPALIVE_INTERVAL, MAX_KEEPALIVE_TOLERANCE,
    MAX_LINKS, MAX_LINK_NAME_CHARS, MAX_RESTART_TIMEOUT, MIN_CONNECT_TIMEOUT, MIN_RESTART_TIMEOUT,
};
pub use crate::event::{Event, SystemStatus};
pub use crate::fnv::Fnv1a;
pub use crate::ids::{ConnId, LinkId};
pub use crate::incremental::InvariantTracker;
pub use crate::invariants::{CheckBuffer, Invariant, Violation};
pub use crate::machine::{Ignored, LinkCore, LinkState, Outcome, Phase, StepError};
pub use crate::marks::{Mark, MarkCounts, MARKS_ENABLED};
pub use crate::planted::PlantedBug;
pub use crate::policy::{
    FirstStatusPolicy, KeepaliveLossRate, LossRateError, OptionChange, OptionChanges, StatusPolicy,
    StatusVerdict, DEFAULT_KEEPALIVE_LOSS_RATE,
};
pub use crate::text::{ActionText, EventText};
pub use crate::time::Instant;
