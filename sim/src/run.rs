//! Running a checked scenario: the one place a run is set up (its world, and the
//! watchers it asked for) and summed up. Every front end gets the same typed
//! [`RunSummary`]: `explore` and `sweep` through [`summarize`], which keeps nothing but
//! the checker and the outage meter; `linksim run` (through [`run_streaming`]), the
//! playground and the tests (through [`run_with`]) in a [`RunReport`], which also holds
//! the timeline, the histories, the trace and the expectations' verdicts.

use link_core::Instant;

use crate::checker::Checker;
use crate::engine::{Ending, Engine, Finished, DEFAULT_STEP_BUDGET};
use crate::expect::evaluate;
use crate::history::{Histories, History};
use crate::observe::{Observation, Observe};
use crate::outage::OutageMeter;
use crate::report::RunReport;
use crate::scenario::Checked;
use crate::summary::RunSummary;
use crate::timeline::Timeline;
use crate::trace::{Trace, TraceSink};
use crate::verdict::Found;
use crate::world::World;

/// How to run a scenario: which watchers it keeps, and its budget.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// The most core steps the run may make (`None`: [`DEFAULT_STEP_BUDGET`]). A run
    /// that needs more stops with [`Ending::OutOfBudget`]; so does one whose world schedules
    /// more than [`crate::EVENTS_PER_STEP`] events per step of this budget.
    pub step_budget: Option<u64>,
    /// Keep no history (for runs without expectations and pictures: their memory then
    /// does not grow with the run's length).
    pub no_history: bool,
    /// Keep every event and action as JSON Lines (for `--trace` and determinism checks).
    pub record_trace: bool,
    /// Hash the trace without keeping its lines (`--check-determinism` alone).
    pub hash_trace: bool,
    /// Put every input and action on the timeline, not only the significant steps.
    pub verbose: bool,
    /// Build no timeline (for runs nobody reads, such as `explore`'s; faster).
    pub no_timeline: bool,
    /// Keep only the last [`crate::RECENT_LINES`] of the timeline (`--quiet`: memory
    /// stays constant, and a violation still shows its last steps).
    pub timeline_tail: bool,
    /// How the cores' invariants are checked after every step (the verdicts are the
    /// same whichever way; CI runs an explore range both ways and compares them).
    pub checks: crate::checker::CheckMode,
    /// A deliberate bug to plant in every core (feature `planted-bugs`, tests only).
    #[cfg(feature = "planted-bugs")]
    pub planted_bug: Option<link_core::PlantedBug>,
    /// With [`RunOptions::planted_bug`]: the cores' own invariant checks are off (a debug
    /// build's check inside `step`, and the checker's calls of `check_invariants`), so
    /// that only the simulator's outside checks can find the bug (tests of those).
    #[cfg(feature = "planted-bugs")]
    pub outside_checks_only: bool,
}

/// The watchers of one run: those it asked for, and always the checker and the outage
/// meter.
pub(crate) struct Watchers {
    trace: Option<Trace>,
    timeline: Option<Timeline>,
    histories: Option<Histories>,
    outages: OutageMeter,
    checker: Checker,
}

impl Watchers {
    /// The watchers `options` ask for, for `checked` running in `world`.
    fn new(checked: &Checked, world: &World, options: &RunOptions) -> Self {
        let roles: Vec<_> = checked.servers.iter().map(|s| s.role).collect();
        let trace =
            (options.hash_trace || options.record_trace).then(|| Trace::new(options.record_trace));
        let timeline =
            (!options.no_timeline).then(|| Timeline::new(options.verbose, options.timeline_tail));
        let histories = (!options.no_history).then(|| Histories::new(checked));
        Watchers {
            trace,
            timeline,
            histories,
            outages: OutageMeter::new(&roles),
            checker: Self::checker(checked, world, options),
        }
    }
}

impl Watchers {
    /// The checker `options` ask for.
    fn checker(checked: &Checked, world: &World, options: &RunOptions) -> Checker {
        let checker = Checker::new(checked, world).with_checks(options.checks);
        #[cfg(feature = "planted-bugs")]
        let checker = checker.outside_only(options.outside_checks_only);
        checker
    }
}

impl Observe for Watchers {
    // Inlined into the engine's call sites, where the observation's kind is known:
    // the match then folds away, and a kind a watcher ignores costs nothing.
    #[inline(always)]
    fn observe(&mut self, at: Instant, seen: &Observation<'_>, world: &World) -> Option<Found> {
        if let Some(trace) = &mut self.trace {
            trace.observe(at, seen, world);
        }
        if let Some(timeline) = &mut self.timeline {
            timeline.observe(at, seen, world);
        }
        if let Some(histories) = &mut self.histories {
            histories.observe(at, seen, world);
        }
        self.outages.observe(at, seen, world);
        self.checker.observe(at, seen, world)
    }
}

/// Runs `checked` with `options` in a world made from it, to its end, its first
/// violation or its step budget.
fn run_engine(
    checked: Checked,
    options: RunOptions,
    sink: Option<TraceSink>,
) -> (Finished<Watchers>, Ending) {
    #[allow(unused_mut)]
    let mut world = World::new(&checked);
    #[cfg(feature = "planted-bugs")]
    if let Some(bug) = options.planted_bug {
        world.plant(bug, options.outside_checks_only);
    }
    let mut watchers = Watchers::new(&checked, &world, &options);
    if let Some(trace) = &mut watchers.trace {
        trace.sink = sink;
    }
    let budget = options.step_budget.unwrap_or(DEFAULT_STEP_BUDGET);
    let mut engine = Engine::new(checked, world, watchers, budget);
    let ending = engine.run();
    (engine.finish(), ending)
}

/// The summary of a finished run.
fn summary(finished: &Finished<Watchers>, ending: Ending) -> RunSummary {
    let scenario = &finished.checked.scenario;
    let checker = &finished.observer.checker;
    RunSummary {
        name: scenario.name.clone(),
        seed: scenario.seed,
        ending,
        steps: finished.steps,
        end: finished.end,
        run_for: scenario.run_for.0,
        liveness: checker.liveness_notes(finished.checked.is_pair()),
        l1_held: checker.l1_held(),
        outages: finished.observer.outages.finish(finished.end),
        marks: finished.marks,
    }
}

/// Runs `checked` and sums it up, keeping no timeline, history or trace whatever
/// `options` say: what `explore` and `sweep` read. Every invariant is checked.
pub fn summarize(checked: Checked, options: RunOptions) -> RunSummary {
    let options = RunOptions {
        no_timeline: true,
        no_history: true,
        record_trace: false,
        hash_trace: false,
        ..options
    };
    let (finished, ending) = run_engine(checked, options, None);
    summary(&finished, ending)
}

/// Runs `checked` to the end or the first invariant violation.
pub fn run(checked: Checked, record_trace: bool) -> RunReport {
    run_with(
        checked,
        RunOptions {
            record_trace,
            ..RunOptions::default()
        },
    )
}

/// Runs `checked` with `options` to the end or the first invariant violation.
pub fn run_with(checked: Checked, options: RunOptions) -> RunReport {
    run_streaming(checked, options, None).0
}

/// [`run_with`], writing the trace to `sink` as the run goes (the report then keeps no
/// trace lines); the sink is handed back with any write error it met.
pub fn run_streaming(
    checked: Checked,
    options: RunOptions,
    sink: Option<TraceSink>,
) -> (RunReport, Option<TraceSink>) {
    let options = RunOptions {
        hash_trace: options.hash_trace || sink.is_some(),
        ..options
    };
    let (finished, ending) = run_engine(checked, options, sink);
    let summary = summary(&finished, ending);
    report(finished, summary)
}

/// The report of a finished run, and its trace's sink.
fn report(finished: Finished<Watchers>, summary: RunSummary) -> (RunReport, Option<TraceSink>) {
    let Finished {
        checked, observer, ..
    } = finished;
    let Watchers {
        trace,
        timeline,
        histories,
        ..
    } = observer;
    let histories = histories
        .unwrap_or_else(|| Histories::new(&checked))
        .into_vec();
    let expectations = match summary.ending {
        Ending::Completed => evaluate(&checked, &histories, &summary.outages),
        Ending::Violation(_) | Ending::OutOfBudget { .. } => Vec::new(),
    };
    let timeline = timeline.unwrap_or_default();
    let (lines, trace_hash, sink) = match trace {
        Some(mut trace) => (trace.lines().to_vec(), trace.hash(), trace.sink.take()),
        // The hash of an empty trace: what a run without one always reported.
        None => (Vec::new(), link_core::Fnv1a::OFFSET, None),
    };
    let names = checked.servers.iter().map(|s| s.name.clone());
    let report = RunReport {
        expectations,
        trace: lines,
        trace_hash,
        timeline: timeline.lines,
        servers: names.zip(histories).collect::<Vec<(String, History)>>(),
        links: checked
            .config
            .links
            .iter()
            .map(|l| (l.name.clone(), l.effective_priority()))
            .collect(),
        server_links: checked
            .server_links
            .iter()
            .zip(&checked.server_configs)
            .map(|(indices, config)| {
                let priorities = config.links.iter().map(|l| l.effective_priority());
                indices.iter().copied().zip(priorities).collect()
            })
            .collect(),
        faults: checked.scenario.faults.clone(),
        description: checked.scenario.description.clone(),
        config: checked.config.clone(),
        timeline_omitted: timeline.omitted,
        recent: timeline.recent.into(),
        summary,
    };
    (report, sink)
}
