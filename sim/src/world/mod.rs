//! The simulated parties around the servers, each a sans-IO component with the shape of
//! the core it talks to: it takes `now` and an input and returns what to send or
//! schedule, and never calls the engine. [`connector`] is one CSTA Connector,
//! [`network`] one path between a server and a connector, [`management`] the HA pair's
//! Management Layer. The engine owns them, feeds them and carries out what they return;
//! each is unit-tested alone.

pub(crate) mod connector;
pub(crate) mod management;
pub(crate) mod network;

use std::time::Duration;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::SimDuration;

pub(crate) use crate::seeded::stream;

/// Up to `max`, drawn from `rng` (nothing drawn when `max` is zero).
pub(crate) fn jitter(rng: &mut ChaCha8Rng, max: SimDuration) -> Duration {
    let max = max.as_nanos();
    if max == 0 {
        Duration::ZERO
    } else {
        Duration::from_nanos(rng.random_range(0..=max))
    }
}
