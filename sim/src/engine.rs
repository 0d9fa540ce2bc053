//! The discrete-event engine: it orders what happens in time and carries out plans. A
//! queue holds [`Item`]s ordered by (virtual time, sequence number); each is handed to
//! the [`World`], which answers with [`Plan`]s (items to schedule, inputs to feed a
//! server, a role switch, a note), or is an input the engine feeds a server's core.
//! Everything that happens is shown to one observer as an [`Observation`]; the first
//! violation it reports ends the run.
//!
//! Nothing here reads the wall clock, the OS RNG or iterates a hash map: the world's
//! randomness comes from ChaCha8 streams derived from the scenario seed.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use link_core::{Action, Event, Instant, LinkId};

use crate::liveness;
use crate::observe::{Observation, Observe, Stepped};
use crate::scenario::Checked;
use crate::verdict::{Found, Invariant};
use crate::world::{Item, Note, Plan, SwitchCause, World};

/// One in this many stale timer firings (the timer was cancelled or re-armed since it
/// was scheduled) is fed to the core, which must ignore it (I8); the others are dropped
/// unfed. Every arm schedules a firing and cancels are not taken off the queue, so about
/// a third of all firings are stale: feeding each one cost that much of a run for no
/// more proof than a sample gives.
pub const STALE_SAMPLE: u64 = 8;

/// How many core steps a run may make unless [`crate::RunOptions::step_budget`] says
/// otherwise: far more than any bundled scenario (the longest makes a few thousand) or
/// a 65,535-link procedure (about 200,000), and small enough that a run stays within a
/// few seconds and a few hundred megabytes.
pub const DEFAULT_STEP_BUDGET: u64 = 5_000_000;

/// How many simulated events (items scheduled: messages, connector acts, status steps,
/// timer firings, faults) a run may make per core step of its budget: about three times
/// what a run needs (2.7 per step, measured on `explore`'s worlds), so only a scenario
/// whose world does far more work than its servers (a status list of 100,000 values
/// sent again on every connection) meets it.
pub const EVENTS_PER_STEP: u64 = 8;

/// The most events a run may have scheduled and not yet handled at once: a 65,535-link
/// procedure has about 4 per link; this bounds the queue's memory (about 370 MB: 92
/// bytes each, for the key, the item in its slot and a free slot's number).
pub const MAX_PENDING_EVENTS: usize = 4_000_000;

/// A budget a run can use up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    /// Core steps ([`crate::RunOptions::step_budget`]).
    Steps(u64),
    /// Events scheduled over the run ([`EVENTS_PER_STEP`] per step of the budget).
    Events(u64),
    /// Events scheduled and not yet handled at once ([`MAX_PENDING_EVENTS`]).
    Pending(u64),
}

impl Budget {
    /// The budget in words: `step budget of 20000 core steps`.
    pub fn words(self) -> String {
        match self {
            Budget::Steps(n) => format!("step budget of {n} core steps"),
            Budget::Events(n) => format!(
                "event budget of {n} simulated events ({EVENTS_PER_STEP} per core step of its step budget: messages, timers, connector acts, status steps)"
            ),
            Budget::Pending(n) => format!("limit of {n} events pending at once"),
        }
    }

    /// What to do about it.
    pub fn advice(self) -> &'static str {
        match self {
            Budget::Steps(_) | Budget::Events(_) => "raise the budget with --max-steps",
            Budget::Pending(_) => {
                "its world keeps more messages and timers in flight than a run may hold"
            }
        }
    }
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The whole `run_for` was simulated.
    Completed,
    /// An invariant was violated at `at`.
    Violation(Found),
    /// The run used a budget before `run_for` ended: a partial run, never a success.
    OutOfBudget {
        /// The budget it used up.
        budget: Budget,
        /// Virtual time reached.
        at: Instant,
    },
}

impl Ending {
    /// The violation the run ended with; a run that used a budget counts as one
    /// ([`Invariant::StepBudget`]: a busy loop, or a budget too small). `None` for a
    /// completed run.
    pub fn found(self) -> Option<Found> {
        match self {
            Ending::Completed => None,
            Ending::Violation(found) => Some(found),
            Ending::OutOfBudget { budget, at } => Some(Found {
                invariant: Invariant::StepBudget,
                server: None,
                at_ns: at.as_nanos(),
                detail: match budget {
                    Budget::Steps(n) => {
                        format!("the run used its step budget of {n} steps by {at}")
                    }
                    other => format!("the run used its {} by {at}", other.words()),
                },
            }),
        }
    }
}

/// The engine's event queue: ordered by (time, sequence number). The heap holds only
/// those keys and a slot number (32 bytes, [`Key`]: a pop moves less than when the
/// 56-byte item sat in the heap); the items wait in slots, reused as they are taken out.
#[derive(Default)]
struct Queue {
    keys: BinaryHeap<Reverse<Key>>,
    slots: Vec<Option<Item>>,
    free: Vec<u32>,
}

/// An item's place in the queue: its time and its sequence number (unique), packed
/// into one number that orders as the pair does, and its slot. One comparison instead
/// of the derived chain over three fields: 1.8% fewer instructions over explore's
/// worlds than that chain, and 1.3% fewer than the same order computed from two `u64`
/// fields (a 24-byte key; the `u128` aligns this one to 32).
#[derive(Clone, Copy)]
struct Key {
    /// The time in nanoseconds in the high half, the sequence number in the low half.
    at_seq: u128,
    slot: u32,
}

impl Key {
    /// The key of an item at `at` numbered `seq`, waiting in `slot`.
    fn new(at: Instant, seq: u64, slot: u32) -> Self {
        let at_seq = (u128::from(at.as_nanos()) << 64) | u128::from(seq);
        Key { at_seq, slot }
    }

    /// When the item is due.
    fn at(self) -> Instant {
        Instant::from_nanos((self.at_seq >> 64) as u64)
    }
}

// Sequence numbers are unique, so the time and the number alone order the keys.
impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.at_seq == other.at_seq
    }
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.at_seq.cmp(&other.at_seq)
    }
}

impl Queue {
    /// Items waiting.
    fn len(&self) -> usize {
        self.keys.len()
    }

    /// The time of the next item.
    fn next_at(&self) -> Option<Instant> {
        self.keys.peek().map(|Reverse(key)| key.at())
    }

    /// Queues `item` at (`at`, `seq`).
    fn push(&mut self, at: Instant, seq: u64, item: Item) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(item);
                slot
            }
            None => {
                self.slots.push(Some(item));
                // At most MAX_PENDING_EVENTS slots are ever in use, far below u32::MAX.
                (self.slots.len() - 1) as u32
            }
        };
        self.keys.push(Reverse(Key::new(at, seq, slot)));
    }

    /// Takes out the next item and its time.
    fn pop(&mut self) -> Option<(Instant, Item)> {
        let Reverse(key) = self.keys.pop()?;
        let item = self.slots[key.slot as usize].take()?;
        self.free.push(key.slot);
        Some((key.at(), item))
    }
}

/// The scenario's faults in the order they begin. Each was given its sequence number
/// when the run was set up (in scenario order, as if all were queued then) and charged
/// to the event budget, but only the next is in the queue: a fault queues its successor
/// as it begins, with that number, so the order of everything is what it would be with
/// all of them queued, and the heap stays as small as what is really pending (a 30-day
/// run has 8,640 faults).
#[derive(Default)]
struct FaultPlan {
    /// (when it begins, its sequence number, its index in the scenario), in that order.
    order: Vec<(Instant, u64, usize)>,
    /// The position in `order` of the next fault to queue.
    next: usize,
    /// Faults charged but not yet queued: pending for [`MAX_PENDING_EVENTS`].
    waiting: usize,
}

/// One simulation of one checked scenario, watched by `O`.
pub(crate) struct Engine<O> {
    checked: Checked,
    world: World,
    observer: O,
    queue: Queue,
    seq: u64,
    now: Instant,
    end: Instant,
    steps: u64,
    step_budget: u64,
    /// Items queued so far, and the most the run may queue ([`EVENTS_PER_STEP`] per
    /// budgeted step).
    events: u64,
    event_budget: u64,
    /// Set when a budget ran out: the step past the step budget was not made, or an
    /// item past the event budget was not scheduled. The run stops after this item.
    out_of_budget: Option<Budget>,
    /// Stale timer firings seen (see [`STALE_SAMPLE`]).
    stale_timers: u64,
    /// How long after a primary's failure H1's recovery is judged.
    pair_window: Duration,
    /// Each fault's link and server, if it names them.
    fault_targets: Vec<(Option<usize>, Option<usize>)>,
    /// The faults' plan ([`FaultPlan`]): only the next fault is queued.
    fault_plan: FaultPlan,
    /// Room reused by every step: its actions, the links they name, the world's plans
    /// for an item and for a carried action.
    actions: Vec<Action>,
    touched: Vec<LinkId>,
    plans: Vec<Plan>,
    carried: Vec<Plan>,
}

/// What is left of a finished run: the scenario, the observer, how far it got and how
/// many steps it made.
pub(crate) struct Finished<O> {
    /// The scenario run.
    pub(crate) checked: Checked,
    /// The observer, with what it kept.
    pub(crate) observer: O,
    /// Virtual time reached.
    pub(crate) end: Instant,
    /// Core steps made.
    pub(crate) steps: u64,
    /// The rule marks the servers' cores reached, summed ([`link_core::Mark`]).
    pub(crate) marks: link_core::MarkCounts,
}

impl<O: Observe> Engine<O> {
    /// Prepares a run of `checked` in `world` (made from it), watched by `observer`,
    /// stopping after `step_budget` core steps.
    pub(crate) fn new(checked: Checked, world: World, observer: O, step_budget: u64) -> Self {
        let timing = liveness::Timing::of(&checked.scenario);
        let pair_window = liveness::Bounds::of(&checked, &timing).pair_window;
        let fault_targets = checked
            .scenario
            .faults
            .iter()
            .map(|f| {
                let link = f.link().and_then(|name| checked.link_index(name));
                (link, f.server().and_then(|name| checked.server_index(name)))
            })
            .collect();
        let mut engine = Engine {
            end: Instant::ZERO + checked.scenario.run_for.0,
            checked,
            world,
            observer,
            queue: Queue::default(),
            seq: 0,
            now: Instant::ZERO,
            steps: 0,
            step_budget,
            events: 0,
            // At least one step's events: a budget of no steps runs out as steps.
            event_budget: step_budget.max(1).saturating_mul(EVENTS_PER_STEP),
            out_of_budget: None,
            stale_timers: 0,
            pair_window,
            fault_targets,
            fault_plan: FaultPlan::default(),
            actions: Vec::new(),
            touched: Vec::new(),
            plans: Vec::new(),
            carried: Vec::new(),
        };
        for server in 0..engine.world.servers.len() {
            engine.schedule(Instant::ZERO, Item::Start { server });
        }
        for server in 0..engine.world.servers.len() {
            if let Some(at) = engine.world.first_sync(server) {
                engine.schedule(at, Item::SyncDue { server });
            }
        }
        engine.plan_faults();
        engine
    }

    /// Numbers every fault of the scenario now, in scenario order, as if all were
    /// queued at once, and charges each to the event budget; then queues only the one
    /// that begins first ([`FaultPlan`]).
    fn plan_faults(&mut self) {
        let faults = &self.checked.scenario.faults;
        let seq_base = self.seq + 1;
        self.seq += faults.len() as u64;
        let mut order: Vec<(Instant, u64, usize)> = (faults.iter().enumerate())
            .map(|(index, f)| (Instant::ZERO + f.at().0, seq_base + index as u64, index))
            .collect();
        order.sort_unstable();
        for _ in 0..order.len() {
            if let Some(budget) = self.budget_left() {
                // The run stops before its first item: nothing needs queuing.
                self.out_of_budget = Some(budget);
                return;
            }
            self.events += 1;
            self.fault_plan.waiting += 1;
        }
        self.fault_plan.order = order;
        self.queue_next_fault();
    }

    /// Queues the next fault of the plan, already numbered and charged.
    fn queue_next_fault(&mut self) {
        let plan = &mut self.fault_plan;
        if let Some(&(at, seq, index)) = plan.order.get(plan.next) {
            plan.next += 1;
            plan.waiting -= 1;
            self.queue.push(at, seq, Item::Fault { index });
        }
    }

    /// Runs to the end of `run_for`, to the first violation, or to the step budget.
    pub(crate) fn run(&mut self) -> Ending {
        loop {
            // A budget that ran out comes first (one of no events runs out as the
            // servers' starts are queued): what follows a step not made (a server that
            // never started, say) is no finding.
            if let Some(budget) = self.out_of_budget {
                return Ending::OutOfBudget {
                    budget,
                    at: self.now,
                };
            }
            match self.queue.next_at() {
                Some(at) if at <= self.end => {}
                _ => break,
            }
            let Some((at, item)) = self.queue.pop() else {
                break;
            };
            if let Some(found) = self.clock(at, false) {
                return self.stop(found);
            }
            self.now = at;
            let found = self.handle(item);
            if self.out_of_budget.is_some() {
                continue;
            }
            if let Some(found) = found {
                return self.stop(found);
            }
        }
        if let Some(found) = self.clock(self.end, true) {
            return self.stop(found);
        }
        self.now = self.end;
        Ending::Completed
    }

    /// The run's remains, once it ended.
    pub(crate) fn finish(self) -> Finished<O> {
        Finished {
            checked: self.checked,
            observer: self.observer,
            end: self.now,
            steps: self.steps,
            marks: self.world.servers.iter().fold(
                link_core::MarkCounts::default(),
                |mut sum, server| {
                    sum.add(&server.core.marks());
                    sum
                },
            ),
        }
    }

    /// Queues `item` at `at` with the next sequence number.
    fn schedule(&mut self, at: Instant, item: Item) {
        self.seq += 1;
        self.push(at, self.seq, item);
    }

    /// Numbers a series of `count` items now (the next `count` sequence numbers) and
    /// queues the first, `first(seq_base)`, at `at`; each later one is queued by its
    /// predecessor with its own number ([`Plan::AtSeq`]), so a series is ordered as if
    /// all had been queued at once, at the cost of one pending item.
    fn schedule_series(&mut self, at: Instant, count: u32, first: impl FnOnce(u64) -> Item) {
        let seq_base = self.seq + 1;
        self.seq += u64::from(count);
        self.push(at, seq_base, first(seq_base));
    }

    /// Queues `item` at (`at`, `seq`), unless the run has used its event budget or has
    /// too many pending (then the run stops after the current item).
    fn push(&mut self, at: Instant, seq: u64, item: Item) {
        if let Some(budget) = self.budget_left() {
            self.out_of_budget = Some(budget);
            return;
        }
        self.events += 1;
        self.queue.push(at, seq, item);
    }

    /// The budget one more event would exceed, if any. The faults not yet queued count
    /// as pending: they were charged when the run was set up.
    fn budget_left(&self) -> Option<Budget> {
        if self.events >= self.event_budget {
            return Some(Budget::Events(self.event_budget));
        }
        if self.queue.len() + self.fault_plan.waiting >= MAX_PENDING_EVENTS {
            return Some(Budget::Pending(MAX_PENDING_EVENTS as u64));
        }
        None
    }

    #[inline(always)]
    fn observe(&mut self, seen: Observation<'_>) -> Option<Found> {
        self.observer.observe(self.now, &seen, &self.world)
    }

    /// Time is about to move to `next`.
    fn clock(&mut self, next: Instant, end_of_run: bool) -> Option<Found> {
        self.observe(Observation::Clock { next, end_of_run })
    }

    fn stop(&mut self, found: Found) -> Ending {
        let at = Instant::from_nanos(found.at_ns);
        self.observer
            .observe(at, &Observation::Violation(&found), &self.world);
        Ending::Violation(found)
    }

    fn handle(&mut self, item: Item) -> Option<Found> {
        let now = self.now;
        let mut plans = std::mem::take(&mut self.plans);
        plans.clear();
        let found = match item {
            Item::Start { server } => self.feed(server, Event::Start),
            Item::Deliver { server, event } => match event.link() {
                Some(link) if !self.world.reaches_server(now, server, link.index()) => None,
                _ => self.feed(server, event),
            },
            Item::DeliverAnswer {
                server,
                conn,
                request,
            } => match self.world.answer(now, server, conn, request) {
                Some(event) => self.feed(server, event),
                None => None,
            },
            Item::Timer { server, timer } => self.timer(server, timer),
            Item::AtConnector { server, conn, msg } => {
                self.world.at_connector(now, server, conn, msg, &mut plans);
                None
            }
            Item::Connector { server, conn, act } => {
                self.world.connector_act(now, server, conn, act, &mut plans);
                None
            }
            Item::Fault { index } => self.fault(index, &mut plans),
            Item::FaultStatus { link, only, status } => {
                self.world
                    .status_to_established(now, link, only, status, &mut plans);
                None
            }
            Item::StatusStep {
                server,
                conn,
                index,
                seq_base,
            } => {
                let (who, step) = ((server, conn), (index, seq_base));
                self.world.status_step(now, who, step, &mut plans);
                None
            }
            Item::RoleSwitch { reporter } => {
                self.world.role_switch_due(reporter, &mut plans);
                None
            }
            Item::PairLivenessCheck { failed_at } => {
                self.observe(Observation::PairCheck { failed_at })
            }
            Item::SyncDue { server } => {
                self.world.sync_due(now, server, &mut plans);
                None
            }
        };
        let found = found.or_else(|| self.carry_plans(&plans));
        self.plans = plans;
        found
    }

    /// A timer firing: fed when due; when stale (cancelled or re-armed since), one in
    /// [`STALE_SAMPLE`] is fed, to keep proving I8, and the rest cost nothing.
    fn timer(&mut self, server: usize, timer: link_core::Timer) -> Option<Found> {
        let due = self.world.servers[server].core.deadline(timer) == Some(self.now);
        if !due {
            self.stale_timers += 1;
            if self.stale_timers % STALE_SAMPLE != 0 {
                return None;
            }
        }
        self.feed(server, Event::TimerExpired(timer))
    }

    /// Fault `index` begins: the next fault of the plan is queued, this one is shown
    /// to the observer, then applied by the world.
    fn fault(&mut self, index: usize, plans: &mut Vec<Plan>) -> Option<Found> {
        self.queue_next_fault();
        let (link, server) = self.fault_targets[index];
        let fault = &self.checked.scenario.faults[index];
        let seen = Observation::Fault {
            fault,
            server,
            link,
        };
        self.observer.observe(self.now, &seen, &self.world);
        self.world.fault(self.now, fault, link, server, plans);
        None
    }

    /// Carries out `plans` in order, stopping at a violation.
    fn carry_plans(&mut self, plans: &[Plan]) -> Option<Found> {
        for &plan in plans {
            let found = match plan {
                Plan::At(at, item) => {
                    self.schedule(at, item);
                    None
                }
                Plan::AtSeq(at, seq, item) => {
                    self.push(at, seq, item);
                    None
                }
                Plan::Statuses {
                    at,
                    server,
                    conn,
                    count,
                } => {
                    self.schedule_series(at, count, |seq_base| Item::StatusStep {
                        server,
                        conn,
                        index: 0,
                        seq_base,
                    });
                    None
                }
                Plan::Feed { server, event } => self.feed(server, event),
                Plan::Switch(cause) => self.switch_roles(cause),
                Plan::PairCheck => {
                    let failed_at = self.now;
                    let item = Item::PairLivenessCheck { failed_at };
                    self.schedule(failed_at + self.pair_window, item);
                    self.observe(Observation::PairCheckScheduled)
                }
                Plan::Note(note) => self.observe(Observation::Note(note)),
                Plan::Told(server, told) => self.observe(Observation::Told { server, told }),
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// Demotes the primary, then promotes the backup: never two primaries (H1).
    fn switch_roles(&mut self, cause: SwitchCause) -> Option<Found> {
        let (primary, backup) = self.world.switch_plan()?;
        self.observe(Observation::Note(Note::Switching(cause)));
        self.feed(primary, Event::RoleChanged(link_core::Role::Backup))
            .or_else(|| self.feed(backup, Event::RoleChanged(link_core::Role::Primary)))
    }

    /// Feeds one input to a server's core, shows the step, and carries out its actions.
    fn feed(&mut self, server: usize, event: Event) -> Option<Found> {
        // The step past the budget is not made; the run stops after this item.
        if self.steps >= self.step_budget {
            self.out_of_budget = Some(Budget::Steps(self.step_budget));
            return None;
        }
        self.steps += 1;
        let now = self.now;
        let mut actions = std::mem::take(&mut self.actions);
        let result = match self.world.servers[server].step(now, event, &mut actions) {
            Ok(result) => result,
            Err(panicked) => return Some(self.panicked(server, event, &panicked.0)),
        };
        let mut touched = std::mem::take(&mut self.touched);
        touched.clear();
        touched.extend(event.link());
        touched.extend(actions.iter().filter_map(Action::link));
        let stepped = Stepped {
            server,
            event,
            result: &result,
            actions: &actions,
            touched: &touched,
        };
        let seen = self.observe(Observation::Step(stepped));
        let found = match &result {
            Err(error) => Some(self.found(
                Invariant::I9,
                Some(server),
                format!("the core refused a simulated input: {error}"),
            )),
            Ok(_) => seen,
        };
        let found = found.or_else(|| {
            actions
                .iter()
                .find_map(|&action| self.carry_out(server, action))
        });
        self.actions = actions;
        self.touched = touched;
        found.or_else(|| self.observe(Observation::Settled))
    }

    /// One action of `server`'s last step, shown, then carried out by the world; the
    /// first violation a watcher finds in it.
    fn carry_out(&mut self, server: usize, action: Action) -> Option<Found> {
        let seen = self.observe(Observation::Carried { server, action });
        let mut plans = std::mem::take(&mut self.carried);
        plans.clear();
        self.world.carry_out(self.now, server, action, &mut plans);
        let found = seen.or_else(|| self.carry_plans(&plans));
        self.carried = plans;
        found
    }

    /// A violation of `invariant` now.
    fn found(&self, invariant: Invariant, server: Option<usize>, detail: String) -> Found {
        Found {
            invariant,
            server: server.map(|s| self.world.servers[s].name.clone()),
            at_ns: self.now.as_nanos(),
            detail,
        }
    }

    /// A panic of a core's `step` as a violation. A debug build of the core asserts its
    /// invariants inside `step` and panics on a breach: its message names the invariant.
    fn panicked(&self, server: usize, event: Event, message: &str) -> Found {
        let invariant = Invariant::named_in_panic(message).unwrap_or(Invariant::I9);
        let detail = format!("the core panicked on {event:?}: {message}");
        self.found(invariant, Some(server), detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records when each fault began and the link it names.
    #[derive(Default)]
    struct FaultLog(Vec<(Instant, Option<usize>)>);

    impl Observe for FaultLog {
        fn observe(&mut self, at: Instant, seen: &Observation<'_>, _: &World) -> Option<Found> {
            if let Observation::Fault { link, .. } = *seen {
                self.0.push((at, link));
            }
            None
        }
    }

    /// Three faults listed out of time order, two of them at the same time.
    const FAULTS: &str = r#"{"format": 1, "name": "faults", "seed": 1, "run_for": "60s",
        "config": {"links": [{"name": "A", "priority": 1}, {"name": "B", "priority": 2}]},
        "faults": [
            {"fault": "crash", "at": "30s", "link": "A", "for": "5s"},
            {"fault": "crash", "at": "10s", "link": "B", "for": "5s"},
            {"fault": "crash", "at": "10s", "link": "A", "for": "5s"}]}"#;

    /// An engine over `FAULTS` with `step_budget`, watched by a [`FaultLog`].
    fn engine(step_budget: u64) -> Engine<FaultLog> {
        engine_of(FAULTS, step_budget)
    }

    /// An engine over the scenario `json` with `step_budget`, watched by a [`FaultLog`].
    fn engine_of(json: &str, step_budget: u64) -> Engine<FaultLog> {
        let checked = crate::scenario::parse(std::path::Path::new("faults.json"), json)
            .expect("a valid scenario");
        let world = World::new(&checked);
        Engine::new(checked, world, FaultLog::default(), step_budget)
    }

    /// The fault items in the queue, by index.
    fn queued_faults(engine: &Engine<FaultLog>) -> Vec<usize> {
        let items = engine.queue.slots.iter().flatten();
        let faults = items.filter_map(|item| match *item {
            Item::Fault { index } => Some(index),
            _ => None,
        });
        faults.collect()
    }

    #[test]
    fn the_queue_pops_by_time_then_sequence_number() {
        let mut queue = Queue::default();
        let late = Instant::from_nanos(u64::MAX);
        let pushed = [(late, 1), (Instant::from_secs(2), 7), (Instant::ZERO, 9)];
        let more = [
            (Instant::from_secs(2), 3),
            (late, 0),
            (Instant::ZERO, u64::MAX),
        ];
        for (index, (at, seq)) in pushed.into_iter().chain(more).enumerate() {
            queue.push(at, seq, Item::Fault { index });
        }
        assert_eq!(queue.next_at(), Some(Instant::ZERO));
        let popped: Vec<(Instant, usize)> = std::iter::from_fn(|| queue.pop())
            .map(|(at, item)| match item {
                Item::Fault { index } => (at, index),
                _ => unreachable!("only faults were queued"),
            })
            .collect();
        let two = Instant::from_secs(2);
        let order = [(Instant::ZERO, 2), (Instant::ZERO, 5), (two, 3), (two, 1)];
        assert_eq!(popped[..4], order);
        assert_eq!(popped[4..], [(late, 4), (late, 0)]);
    }

    #[test]
    fn only_the_next_fault_waits_in_the_queue_and_faults_begin_in_time_then_file_order() {
        let mut engine = engine(DEFAULT_STEP_BUDGET);
        assert_eq!(queued_faults(&engine), [1], "the first to begin, alone");
        assert_eq!(engine.fault_plan.waiting, 2);
        assert_eq!(engine.run(), Ending::Completed);
        let (a, b) = (Some(0), Some(1));
        let began = [(10, b), (10, a), (30, a)].map(|(s, l)| (Instant::from_secs(s), l));
        assert_eq!(engine.observer.0, began);
        assert_eq!(engine.fault_plan.waiting, 0);
    }

    #[test]
    fn the_pending_limit_bounds_the_queue_to_about_370_mb() {
        // A key in the heap, an item in its slot, a free slot number: per pending event.
        let each = std::mem::size_of::<Key>()
            + std::mem::size_of::<Option<Item>>()
            + std::mem::size_of::<u32>();
        let mb = each * MAX_PENDING_EVENTS / 1_000_000;
        assert_eq!(
            each, 92,
            "the key, the item in its slot, the free slot's number"
        );
        assert_eq!(mb, 368);
    }

    #[test]
    fn faults_not_yet_queued_count_as_pending() {
        let mut engine = engine(DEFAULT_STEP_BUDGET);
        assert_eq!(engine.budget_left(), None);
        // One item short of the limit with the two faults still to queue: at it.
        engine.fault_plan.waiting = MAX_PENDING_EVENTS - engine.queue.len();
        let pending = Budget::Pending(MAX_PENDING_EVENTS as u64);
        assert_eq!(engine.budget_left(), Some(pending));
        engine.fault_plan.waiting -= 1;
        assert_eq!(engine.budget_left(), None);
    }

    #[test]
    fn a_fault_at_the_runs_last_instant_begins_and_a_run_without_faults_completes() {
        // A scenario refuses a fault after `run_for`; one at its very end still begins.
        let last = FAULTS.replace(r#""at": "30s""#, r#""at": "60s""#);
        let mut engine = engine_of(&last, DEFAULT_STEP_BUDGET);
        assert_eq!(engine.run(), Ending::Completed);
        let began: Vec<Instant> = engine.observer.0.iter().map(|&(at, _)| at).collect();
        let (ten, end) = (Instant::from_secs(10), Instant::from_secs(60));
        assert_eq!(began, [ten, ten, end]);
        let none = &FAULTS[..FAULTS.find(",\n        \"faults\"").expect("a faults list")];
        let mut engine = engine_of(&format!("{none}}}"), DEFAULT_STEP_BUDGET);
        assert_eq!(engine.queue.len(), 1, "the start alone");
        assert_eq!(engine.run(), Ending::Completed);
        assert!(engine.observer.0.is_empty());
    }

    #[test]
    fn faults_not_yet_queued_are_charged_to_the_event_budget_when_the_run_is_set_up() {
        let engine = engine(DEFAULT_STEP_BUDGET);
        assert_eq!(engine.events, 4, "the start and three faults, once each");
        // A budget of one step allows eight events: one start and ten faults do not fit,
        // as when every fault was queued at once.
        let faults = (0..10)
            .map(|s| format!(r#"{{"fault": "crash", "at": "{s}s", "link": "A", "for": "1s"}}"#));
        let start = FAULTS.find("\"faults\": [").expect("a faults list");
        let faults = faults.collect::<Vec<_>>().join(",");
        let json = format!("{}\"faults\": [{faults}]}}", &FAULTS[..start]);
        let checked = crate::scenario::parse(std::path::Path::new("ten.json"), &json).unwrap();
        let world = World::new(&checked);
        let mut engine = Engine::new(checked, world, FaultLog::default(), 1);
        assert_eq!(engine.out_of_budget, Some(Budget::Events(8)));
        let ending = engine.run();
        let at = Instant::ZERO;
        assert_eq!(
            ending,
            Ending::OutOfBudget {
                budget: Budget::Events(8),
                at
            }
        );
        assert!(engine.observer.0.is_empty(), "no fault began");
    }
}
