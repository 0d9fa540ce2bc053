//! # link-tokio
//!
//! `link-core` embedded in a real runtime: tokio, TCP sockets and the monotonic clock.
//!
//! - [`driver`]: [`Driver`] owns a [`link_core::LinkCore`], carries out its actions
//!   (connect, send the session start or a keep-alive, close, arm timers) and feeds it
//!   what the sockets and timers report. Link decisions stay in the core.
//! - [`flood`]: [`LogLimiter`], which keeps a flooding peer from flooding the log: a few
//!   records of a kind per second, then one summary line.
//! - [`stub`]: [`Stub`], a scriptable CSTA Connector to test against (its session
//!   answer, SystemStatus sequences that go on after the link is selected, keep-alive
//!   answers that stop after a while, its death); the `csta-connector-stub` binary runs
//!   one from the command line.
//!
//! The wire (CSTA-XML behind the 8-byte CSTA XML header) lives in `csta-wire`; a driver
//! takes any [`csta_wire::Framing`].
//!
//! Driving real connectors from a T-Server options file (the guide's example, docs/guide/embedding.md):
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use link_tokio::{Control, Driver};
//!
//! let options = tserver_options::parse(&std::fs::read_to_string("tserver.ini")?)?;
//! let driver = Driver::from_options(options, link_core::Role::Standalone)?;
//! let config = driver.config().clone();
//! // Keep `control` alive: dropping it shuts the driver down.
//! let (control, control_rx) = tokio::sync::mpsc::channel::<Control>(4);
//! driver.run(control_rx, |record| println!("{}", record.text(&config))).await?;
//! # drop(control);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod driver;
pub mod flood;
pub mod stub;
pub mod terminal;

pub use driver::{
    Control, Driver, DriverBug, DriverError, Record, RecordText, Stalled, Target, TcpTransport,
    Transport, WaitingFor, WIRE_NOTE_CHARS,
};
pub use flood::{FloodGate, LogLimiter};
pub use stub::{AssociationAnswer, KeepAliveAnswer, Listener, Stub, StubLog, StubScript};
