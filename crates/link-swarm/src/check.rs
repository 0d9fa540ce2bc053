//! The checks on one run. The driver's records are replayed, step by step, through a
//! fresh [`LinkCore`] with the same configuration: it must return exactly the actions
//! the driver reported carrying out (the driver decides nothing about links), and after
//! every step the core's invariants (I1-I5, I9) and the [`ActionAudit`] (I6-I8, client
//! notifications included) must hold. What the driver does that the core cannot see is
//! checked against the simulation: timers fire on time (never early, at most
//! [`TIMER_SLACK`] late), no connection event comes for a connection never opened,
//! some link is active by L1's bound after the last heal, the driver never holds more
//! TCP streams than there are links (one connection per link at most), and none is
//! left once it has returned from its shutdown.

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use link_core::{
    Action, ActionAudit, CheckBuffer, Config, ConnId, Event, Instant, LinkCore, Outcome, Timer,
};
use link_tokio::Record;

use crate::run::Observed;
use crate::world::{World, TICK};

/// How late a timer may fire: the simulation wakes hosts once a tick, and the driver
/// feeds one event per turn of its loop.
pub const TIMER_SLACK: Duration = Duration::from_millis(3 * TICK.as_millis() as u64);

/// What one check found wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FindingKind {
    /// The replayed core returned other actions than the driver reported.
    Diverged {
        /// What the core returned.
        core: Vec<Action>,
        /// What the driver reported.
        driver: Vec<Action>,
    },
    /// The replayed core ignored the input and the driver did not say so, or the
    /// other way round.
    IgnoredDiffers,
    /// A record outside a step (an action or an `Ignored` before any input).
    Stray,
    /// The core refused an input (time went backwards).
    CoreRefused(String),
    /// A state invariant broke (I1-I5, I9).
    Invariant(String),
    /// The action audit found a broken invariant (I6-I8).
    Audit(String),
    /// A timer fired before its deadline, after it by more than [`TIMER_SLACK`], or
    /// while not armed.
    TimerOffSchedule {
        /// The timer.
        timer: Timer,
        /// Its deadline (`None`: not armed).
        deadline: Option<Instant>,
    },
    /// An event for a connection the core never opened.
    UnopenedConnection(ConnId),
    /// The driver refused a control the swarm sent.
    ControlRefused(String),
    /// L1: no link active by the bound after the last heal.
    NoActiveLink {
        /// The bound, counted from the last heal.
        bound: Duration,
    },
    /// The driver held more than one stream to a connector at once.
    TooManyStreams {
        /// The link (connector) index.
        link: usize,
        /// The most streams to it at once.
        streams: usize,
    },
    /// The driver still held streams after it returned from its shutdown.
    LeakedStreams(usize),
    /// The driver returned an error, or never returned.
    DriverDidNotStop(String),
}

/// A check that failed, and when (driver time) if it is about one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// When, counted from the driver's start.
    pub at: Option<Instant>,
    /// What.
    pub kind: FindingKind,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(at) = self.at {
            write!(f, "at {at}: ")?;
        }
        match &self.kind {
            FindingKind::Diverged { core, driver } => write!(
                f,
                "the driver reported other actions than the core returned (core {core:?}, driver {driver:?})"
            ),
            FindingKind::IgnoredDiffers => {
                f.write_str("the driver and the core disagree on whether an input was ignored")
            }
            FindingKind::Stray => f.write_str("an action or ignore record outside a step"),
            FindingKind::CoreRefused(e) => write!(f, "the core refused an input: {e}"),
            FindingKind::Invariant(v) | FindingKind::Audit(v) => f.write_str(v),
            FindingKind::TimerOffSchedule { timer, deadline } => match deadline {
                Some(d) => write!(f, "timer {timer:?} (deadline {d}) fired off schedule"),
                None => write!(f, "timer {timer:?} fired while not armed"),
            },
            FindingKind::UnopenedConnection(c) => {
                write!(f, "an event for connection {c:?}, which was never opened")
            }
            FindingKind::ControlRefused(e) => write!(f, "the driver refused a control: {e}"),
            FindingKind::NoActiveLink { bound } => write!(
                f,
                "L1 violated: no link active {bound:?} after the last heal"
            ),
            FindingKind::TooManyStreams { link, streams } => write!(
                f,
                "the driver held {streams} TCP streams to connector {} at once (a leaked connection)",
                link + 1
            ),
            FindingKind::LeakedStreams(n) => write!(
                f,
                "the driver still held {n} TCP stream(s) after its shutdown (a leaked connection)"
            ),
            FindingKind::DriverDidNotStop(e) => write!(f, "the driver did not stop cleanly: {e}"),
        }
    }
}

/// Whether L1 was checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every check passed, L1 included. `recovered`: no link was active at the last
    /// heal, so L1 asked for a recovery (otherwise it asked that the active link last).
    Passed {
        /// The driver had to recover after the heal.
        recovered: bool,
    },
    /// Every check passed; L1 was not claimed, for this reason.
    PassedWithoutL1(&'static str),
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Passed { recovered: true } => f.write_str(
                "every check passed; L1 held: a link was active again after the last heal",
            ),
            Verdict::Passed { recovered: false } => f.write_str(
                "every check passed; L1 held: the active link lasted past the last heal",
            ),
            Verdict::PassedWithoutL1(why) => {
                write!(f, "every check passed; L1 not claimed ({why})")
            }
        }
    }
}

/// Checks one run of `world`: how the driver stopped, then the replay of its records,
/// then the streams it held.
pub fn check(world: &World, observed: &Observed) -> Result<Verdict, Finding> {
    check_with_marks(world, observed).0
}

/// [`check`], and the rule marks the replayed core reached (the decisions the driver's
/// core took, as it returned the same actions): up to a failed check, if one failed.
pub fn check_with_marks(
    world: &World,
    observed: &Observed,
) -> (Result<Verdict, Finding>, link_core::MarkCounts) {
    let mut marks = link_core::MarkCounts::default();
    let result = checked(world, observed, &mut marks);
    (result, marks)
}

fn checked(
    world: &World,
    observed: &Observed,
    marks: &mut link_core::MarkCounts,
) -> Result<Verdict, Finding> {
    stopped(observed)?;
    // Heals are simulated time; priority changes were sent at driver time.
    let heal = world.last_fault_heal().saturating_sub(observed.started_at);
    let heal = Instant::ZERO + heal.max(world.last_change());
    let l1 = match world.unclaimed() {
        Some(reason) => Err(reason.summary()),
        None => Ok(heal),
    };
    let mut replay = Replay::new(&world.config, l1.ok(), world.l1_bound())?;
    let replayed = replay.all(&observed.records);
    *marks = replay.core.marks();
    replayed?;
    replay.l1_at_end()?;
    streams(observed)?;
    Ok(match l1 {
        Ok(_) => Verdict::Passed {
            recovered: replay.inactive_at_heal,
        },
        Err(reason) => Verdict::PassedWithoutL1(reason),
    })
}

/// The driver returned from its shutdown, without an error.
fn stopped(observed: &Observed) -> Result<(), Finding> {
    let found = |kind| Err(Finding { at: None, kind });
    match &observed.result {
        None => found(FindingKind::DriverDidNotStop("it never returned".into())),
        Some(Err(e)) => found(FindingKind::DriverDidNotStop(e.to_string())),
        Some(Ok(())) => Ok(()),
    }
}

/// The socket-level checks: at most one stream to a connector at a time, none left.
fn streams(observed: &Observed) -> Result<(), Finding> {
    let found = |kind| Err(Finding { at: None, kind });
    let crowded = observed.streams_most.iter().position(|&n| n > 1);
    if let Some(link) = crowded {
        let streams = observed.streams_most[link];
        return found(FindingKind::TooManyStreams { link, streams });
    }
    match observed.streams_after_shutdown {
        Some(0) => Ok(()),
        Some(n) => found(FindingKind::LeakedStreams(n)),
        None => found(FindingKind::DriverDidNotStop("no count after it".into())),
    }
}

/// A fresh core fed the driver's inputs, and what the checks keep beside it.
struct Replay {
    core: LinkCore,
    audit: ActionAudit,
    buffer: CheckBuffer,
    actions: Vec<Action>,
    opened: BTreeSet<ConnId>,
    /// When L1's bound starts, until the state there was looked at.
    heal: Option<Instant>,
    /// When L1 must hold, until it was checked.
    l1_at: Option<Instant>,
    l1_bound: Duration,
    /// No link was active at the heal.
    inactive_at_heal: bool,
}

impl Replay {
    /// A replay of `config`; `heal`: when L1's bound starts, if L1 is claimed.
    fn new(config: &Config, heal: Option<Instant>, l1_bound: Duration) -> Result<Self, Finding> {
        let core = LinkCore::new(config.clone()).map_err(|e| Finding {
            at: None,
            kind: FindingKind::CoreRefused(e.to_string()),
        })?;
        Ok(Replay {
            audit: ActionAudit::new(config.links.len()),
            core,
            buffer: CheckBuffer::default(),
            actions: Vec::new(),
            opened: BTreeSet::new(),
            heal,
            l1_at: heal.map(|h| h + l1_bound),
            l1_bound,
            inactive_at_heal: false,
        })
    }

    /// Every record, grouped in steps: an input, then its `Ignored` and actions.
    fn all(&mut self, records: &[Record]) -> Result<(), Finding> {
        let mut i = 0;
        while let Some(record) = records.get(i) {
            i += 1;
            match record {
                Record::Input { at, event } => {
                    let rest = &records[i..];
                    let len = rest
                        .iter()
                        .position(|r| !matches!(r, Record::Action { .. } | Record::Ignored { .. }))
                        .unwrap_or(rest.len());
                    self.step(*at, *event, &rest[..len])?;
                    i += len;
                }
                Record::Wire { .. } => {}
                Record::Refused { at, error } => {
                    let kind = FindingKind::ControlRefused(error.to_string());
                    return Err(Finding {
                        at: Some(*at),
                        kind,
                    });
                }
                Record::Ignored { at, .. } | Record::Action { at, .. } => {
                    return Err(Finding {
                        at: Some(*at),
                        kind: FindingKind::Stray,
                    })
                }
            }
        }
        Ok(())
    }

    /// One step: the checks before the input (timers, L1), the input, and the checks
    /// on what the core made of it.
    fn step(&mut self, at: Instant, event: Event, reported: &[Record]) -> Result<(), Finding> {
        let found = |kind| Err(Finding { at: Some(at), kind });
        self.timers(at, event)?;
        self.l1_before(at)?;
        if let Some(conn) = event.conn().filter(|c| !self.opened.contains(c)) {
            return found(FindingKind::UnopenedConnection(conn));
        }
        let mut actions = std::mem::take(&mut self.actions);
        actions.clear();
        let outcome = match self.core.step_into(at, event, &mut actions) {
            Ok(outcome) => outcome,
            Err(e) => return found(FindingKind::CoreRefused(e.to_string())),
        };
        self.opened.extend(actions.iter().filter_map(|a| match a {
            Action::Open(conn) => Some(*conn),
            _ => None,
        }));
        let result = self.compare(at, outcome, &actions, reported);
        self.actions = actions;
        result?;
        let actions = &self.actions;
        if let Err(v) = self.audit.step(&self.core, event, outcome, actions) {
            return found(FindingKind::Audit(v.text(self.core.config()).to_string()));
        }
        match self.core.check_invariants_with(&mut self.buffer) {
            Ok(()) => Ok(()),
            Err(v) => found(FindingKind::Invariant(v.to_string())),
        }
    }

    /// The driver reported what the core returned, and an ignore as the core did.
    fn compare(
        &self,
        at: Instant,
        outcome: Outcome,
        actions: &[Action],
        reported: &[Record],
    ) -> Result<(), Finding> {
        let driver: Vec<Action> = reported
            .iter()
            .filter_map(|r| match r {
                Record::Action { action, .. } => Some(*action),
                _ => None,
            })
            .collect();
        if driver != actions {
            let kind = FindingKind::Diverged {
                core: actions.to_vec(),
                driver,
            };
            return Err(Finding { at: Some(at), kind });
        }
        let ignored = reported.iter().find_map(|r| match r {
            Record::Ignored { why, .. } => Some(*why),
            _ => None,
        });
        let core_ignored = match outcome {
            Outcome::Ignored(why) => Some(why),
            _ => None,
        };
        match ignored == core_ignored {
            true => Ok(()),
            false => Err(Finding {
                at: Some(at),
                kind: FindingKind::IgnoredDiffers,
            }),
        }
    }

    /// Before the input at `at`: no armed timer is overdue (unless this input is its
    /// firing), and a firing is of an armed timer, on time.
    fn timers(&self, at: Instant, event: Event) -> Result<(), Finding> {
        let fired = match event {
            Event::TimerExpired(timer) => Some(timer),
            _ => None,
        };
        for timer in Timer::ALL {
            let deadline = self.core.deadline(timer);
            let late = deadline.is_some_and(|d| at > d + TIMER_SLACK);
            let off = match fired == Some(timer) {
                true => deadline.is_none_or(|d| at < d) || late,
                false => late,
            };
            if off {
                let kind = FindingKind::TimerOffSchedule { timer, deadline };
                return Err(Finding { at: Some(at), kind });
            }
        }
        Ok(())
    }

    /// L1, once the input at `at` comes after its deadline: the core's state before it
    /// is the state at the deadline.
    fn l1_before(&mut self, at: Instant) -> Result<(), Finding> {
        if self.heal.is_some_and(|heal| at > heal) {
            self.heal = None;
            self.inactive_at_heal = self.core.active_link().is_none();
        }
        match self.l1_at {
            Some(deadline) if at > deadline => self.l1_holds(deadline),
            _ => Ok(()),
        }
    }

    fn l1_holds(&mut self, deadline: Instant) -> Result<(), Finding> {
        self.l1_at = None;
        match self.core.active_link() {
            Some(_) => Ok(()),
            None => Err(Finding {
                at: Some(deadline),
                kind: FindingKind::NoActiveLink {
                    bound: self.l1_bound,
                },
            }),
        }
    }

    /// L1 at the end, if no input came after its deadline.
    fn l1_at_end(&mut self) -> Result<(), Finding> {
        match self.l1_at {
            Some(deadline) => self.l1_holds(deadline),
            None => Ok(()),
        }
    }
}
