//! What a run shows its watchers: one typed [`Observation`] per thing that happens (the
//! clock about to move on, a core's step, each of its actions carried out and the end
//! of that, a fault, a note of the Management Layer, a pair check scheduled and due, a
//! violation), and the [`Observe`] trait every watcher implements. The engine emits
//! each observation once, to one observer; the `run` module makes that observer from the
//! watchers a run asked for (the trace, the timeline, the histories, the outage meter,
//! the checker), so a watcher nobody asked for is never called.
//!
//! Observations are data, not text: only a watcher that renders (the timeline, the
//! trace) asks for their words (`Note::text`, link-core's `text`), and only when it
//! exists.

use link_core::{Action, Event, Instant, LinkId, Outcome, StepError};

use crate::scenario::Fault;
use crate::verdict::Found;
use crate::world::{Note, Told, World};

/// One core step as the engine made it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stepped<'a> {
    /// The server.
    pub(crate) server: usize,
    /// The input fed.
    pub(crate) event: Event,
    /// What the core made of it.
    pub(crate) result: &'a Result<Outcome, StepError>,
    /// The actions it returned.
    pub(crate) actions: &'a [Action],
    /// The links the input and the actions name: the only ones whose state can have
    /// changed.
    pub(crate) touched: &'a [LinkId],
}

/// One thing that happened in a run, in the order it happened.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Observation<'a> {
    /// Time is about to move on to `next` (the run's end, when `end_of_run`).
    Clock {
        /// The time of the next item.
        next: Instant,
        /// Whether `next` is the run's end (no item is left before it).
        end_of_run: bool,
    },
    /// A server's core took one input. Its actions are carried out next (each an
    /// [`Observation::Carried`]) unless a watcher found a violation in the step.
    Step(Stepped<'a>),
    /// One action of the last step is being carried out into the world.
    Carried {
        /// The server.
        server: usize,
        /// The action.
        action: Action,
    },
    /// Every action of the last step has been carried out.
    Settled,
    /// A fault begins.
    Fault {
        /// The fault.
        fault: &'a Fault,
        /// The server it names, if any.
        server: Option<usize>,
        /// The link it names, if any.
        link: Option<usize>,
    },
    /// The Management Layer decided something.
    Note(Note),
    /// The primary of a pair reported its link's failure: H1's recovery will be judged
    /// a window after it ([`Observation::PairCheck`]).
    PairCheckScheduled,
    /// H1's recovery is due for the primary's failure at `failed_at`.
    PairCheck {
        /// When the primary reported its link's failure.
        failed_at: Instant,
    },
    /// What a server's clients were told (a notification heard), or not yet (held
    /// during a backup's synchronization, `ha-sync-dly-lnk-conn`).
    Told {
        /// The server.
        server: usize,
        /// What.
        told: Told,
    },
    /// The run stops at this violation.
    Violation(&'a Found),
}

/// A watcher of a run. `at` is the time of the observation; `world` is the world after
/// what it reports. The answer is a violation, for a watcher that checks (the others
/// answer `None`); the first violation stops the run.
pub(crate) trait Observe {
    /// Sees one observation.
    fn observe(&mut self, at: Instant, seen: &Observation<'_>, world: &World) -> Option<Found>;
}
