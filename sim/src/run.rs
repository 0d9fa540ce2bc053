//! Running a checked scenario: the one place an [`Engine`] is built and run, for
//! `linksim run`, `explore`, the tests and the benchmarks alike, and the [`RunReport`]
//! made from it.

use crate::engine::{Ending, Engine, RunOptions};
use crate::expect::evaluate;
use crate::report::RunReport;
use crate::scenario::Checked;
use crate::trace::TraceSink;

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
    let name = checked.scenario.name.clone();
    let seed = checked.scenario.seed;
    let streamed = sink.is_some();
    let options = RunOptions {
        hash_trace: options.hash_trace || streamed,
        ..options
    };
    let (mut engine, ending) = run_engine(checked, options, sink);
    let sink = engine.trace.sink.take();
    (report(engine, ending, name, seed), sink)
}

/// The report of a finished `engine`.
fn report(mut engine: Engine, ending: Ending, name: String, seed: u64) -> RunReport {
    let outages = engine.outages.finish(engine.now);
    let expectations = match ending {
        Ending::Completed => evaluate(&engine.checked, &engine.servers, &outages),
        Ending::Violation(_) | Ending::OutOfSteps { .. } => Vec::new(),
    };
    RunReport {
        name,
        seed,
        ending,
        expectations,
        trace: engine.trace.lines().to_vec(),
        trace_hash: engine.trace.hash(),
        steps: engine.steps(),
        timeline: std::mem::take(&mut engine.timeline),
        servers: engine
            .servers
            .iter()
            .map(|s| (s.name.clone(), s.history.clone()))
            .collect(),
        links: engine
            .checked
            .config
            .links
            .iter()
            .map(|l| (l.name.clone(), l.effective_priority()))
            .collect(),
        faults: engine.checked.scenario.faults.clone(),
        end: engine.now,
        liveness: engine.liveness_notes(),
        config: engine.checked.config.clone(),
        timeline_omitted: engine.timeline_omitted,
        recent: std::mem::take(&mut engine.recent).into(),
        run_for: engine.checked.scenario.run_for.0,
        outages,
    }
}

/// Runs `checked`, its trace streamed to `sink` if given, and hands back the finished
/// engine with how the run ended, for callers that read the engine itself (`explore`
/// reads steps, time and whether L1 held).
pub(crate) fn run_engine(
    checked: Checked,
    options: RunOptions,
    sink: Option<TraceSink>,
) -> (Engine, Ending) {
    let mut engine = Engine::new(checked, options);
    engine.trace.sink = sink;
    let ending = engine.run();
    (engine, ending)
}
