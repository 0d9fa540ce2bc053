//! [`Server`]: one simulated T-Server, the party the scenario is about: its name and
//! its link-core. It takes one input at a time and returns the core's actions; a panic
//! of the core's `step` (a debug build asserts its invariants inside it) comes back as
//! [`Panicked`] instead of ending the simulator, so that the run can report it.

use link_core::{Action, Config, Event, Instant, LinkCore, Outcome, StepError};

/// A server: its name in the scenario and its link selection.
pub(crate) struct Server {
    /// Its name in the scenario.
    pub(crate) name: String,
    /// Its link selection.
    pub(crate) core: LinkCore,
}

/// A core's `step` panicked, with this message.
pub(crate) struct Panicked(pub(crate) String);

impl Server {
    /// A server named `name` running `config`, which the scenario check validated.
    pub(crate) fn new(name: &str, config: Config) -> Self {
        let core = LinkCore::new(config).expect("scenario::check validated the configuration");
        Server {
            name: name.to_string(),
            core,
        }
    }

    /// Feeds `event` at `now` to the core; its actions go to `actions` (emptied first).
    pub(crate) fn step(
        &mut self,
        now: Instant,
        event: Event,
        actions: &mut Vec<Action>,
    ) -> Result<Result<Outcome, StepError>, Panicked> {
        actions.clear();
        let core = &mut self.core;
        let stepped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            core.step_into(now, event, actions)
        }));
        stepped.map_err(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic without a message".into());
            Panicked(message)
        })
    }
}
