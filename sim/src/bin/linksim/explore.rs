//! `linksim explore`: swarm testing over a range of seeds ([`linksim::explore`]). Shaped
//! like `sweep`: the flags are read into a plan before anything runs, the seeds run in
//! batches on the threads asked for (a progress bar on a terminal), and the outcome is
//! printed, each violation shrunk into a scenario file with the command that replays it.

use std::path::{Path, PathBuf};

use linksim::coverage::{Coverage, EXPLORE_UNREACHED};
use linksim::explore::{self, ExploreOptions, SeedResult};
use linksim::seeds::{self, SeedSet};
use linksim::Exit;

use crate::explore_summary::{FoundEntry, Summary, FORMAT, VIOLATIONS_SHOWN};
use crate::outputs::Outputs;

/// `linksim explore`'s flags.
#[derive(clap::Args)]
pub struct ExploreFlags {
    /// The seeds to run, A..B (B excluded).
    #[arg(long, default_value = "0..1000")]
    seeds: String,
    /// Worker threads (at most 256; 0, the default, one per core); results do not
    /// depend on it.
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// Which shard of the range to run; merge the parts' --json with --merge.
    #[command(flatten)]
    shard: linksim::seeds::ShardFlags,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
    /// Directory for the shrunk scenarios of violations.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// The most core steps each world may make; a world that needs more is reported
    /// (invariant `steps`: a busy loop, or a budget too small) and exits 3.
    #[arg(long, value_name = "N", default_value_t = linksim::DEFAULT_STEP_BUDGET, value_parser = clap::value_parser!(u64).range(1..))]
    max_steps: u64,
    /// How the cores' invariants are checked after every step: auto (incremental for
    /// a core of more than 16 links), full (a pass over every link) or incremental. The
    /// verdicts are the same whichever way; CI compares them.
    #[arg(long, value_enum, default_value_t = linksim::CheckMode::Auto)]
    checks: linksim::CheckMode,
    /// Print how often each rule's decision was taken (a line per rule mark, hits and
    /// seeds) and the marks no seed reached; with --json, a "coverage" object.
    #[arg(long)]
    coverage: bool,
    /// --coverage, and exit 1 when a mark no seed reached is not on the documented
    /// list of marks explore's worlds cannot reach (docs/guide/checking.md).
    #[arg(long)]
    require_coverage: bool,
    /// Plant a deliberate bug in every core (test builds only).
    #[cfg(feature = "planted-bugs")]
    #[arg(long, value_name = "NAME")]
    planted_bug: Option<String>,
    /// The PARTS are the --json outputs of a run's shards: sum them into what the
    /// unsharded run prints (refused unless they are every shard of one run, once).
    #[arg(long, requires = "parts")]
    merge: bool,
    /// With --merge: the shards' --json outputs.
    #[arg(value_name = "PARTS", requires = "merge")]
    parts: Vec<PathBuf>,
}

/// An exploration, checked before anything runs.
struct Plan {
    range: std::ops::Range<u64>,
    shard: (u64, u64),
    seeds: SeedSet,
    options: ExploreOptions,
    /// The threads it runs on.
    jobs: usize,
    outputs: Outputs,
}

/// Explores the seeds the flags name.
pub fn command(flags: ExploreFlags) -> Exit {
    if flags.merge {
        return merge(&flags);
    }
    let plan = match prepare(&flags) {
        Ok(plan) => plan,
        Err(exit) => return exit,
    };
    let bar = crate::progress::bar(plan.seeds.count, "seeds", flags.json);
    // The wall clock measures throughput only; it never enters a run.
    let started = std::time::Instant::now();
    let tally = explore_set(&plan, plan.jobs, bar.as_ref());
    let wall = started.elapsed().as_secs_f64().max(1e-9);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let found = shrink_all(&tally.violators, &plan, &flags.out);
    let coverage = (flags.coverage || flags.require_coverage).then_some(&tally.coverage);
    let summary = summary_of(&plan, &tally, found, wall, coverage);
    print(&summary, flags.json, &plan.options);
    if flags.require_coverage && tally.exit == Exit::Pass {
        return required_coverage(Some(&tally.coverage));
    }
    tally.exit
}

/// Reads the seed range, the shard and the planted bug.
fn prepare(flags: &ExploreFlags) -> Result<Plan, Exit> {
    let bad = |e: seeds::SeedsError| {
        errln!("error: {e}");
        Exit::NoVerdict
    };
    let range = seeds::parse_range(&flags.seeds).map_err(bad)?;
    let shard = flags.shard.resolve().map_err(bad)?;
    let seeds = SeedSet::new(range.clone(), shard);
    if seeds.count == 0 {
        errln!(
            "error: shard {}/{} of {}..{} holds no seed: nothing would be explored (fewer shards, or a longer range)",
            shard.0, shard.1, range.start, range.end
        );
        return Err(Exit::NoVerdict);
    }
    if seeds.count > explore::MAX_SEEDS {
        errln!(
            "error: {} seeds in one run; at most {} (split the range with --shard or into several runs)",
            seeds.count,
            explore::MAX_SEEDS
        );
        return Err(Exit::NoVerdict);
    }
    let options = ExploreOptions {
        step_budget: Some(flags.max_steps),
        checks: flags.checks,
        #[cfg(feature = "planted-bugs")]
        planted_bug: crate::planted::parse(flags.planted_bug.as_deref())?,
        #[cfg(feature = "planted-bugs")]
        outside_checks_only: false,
    };
    let outputs = Outputs::new(&[], false);
    if let Err(e) = outputs.folder("--out", &flags.out) {
        errln!("error: {e}");
        return Err(Exit::NoVerdict);
    }
    Ok(Plan {
        range,
        shard,
        seeds,
        options,
        jobs: linksim::sweep::jobs(flags.jobs, seeds.count),
        outputs,
    })
}

/// What an exploration saw, summed seed by seed: memory stays constant however many
/// seeds run.
struct Tally {
    simulated_ns: u128,
    liveness: u64,
    steps: u64,
    violations: u64,
    /// The worst outcome the violations call for.
    exit: Exit,
    /// The first violating seeds (at most [`VIOLATIONS_SHOWN`]), to shrink and show.
    violators: Vec<SeedResult>,
    /// The rule marks the seeds reached.
    coverage: Coverage,
}

/// Seeds run per batch: results are summed after each and dropped.
const BATCH: u64 = 1 << 16;

/// Runs every seed of the plan in batches, on `jobs` threads.
fn explore_set(plan: &Plan, jobs: usize, bar: Option<&indicatif::ProgressBar>) -> Tally {
    let mut tally = Tally {
        simulated_ns: 0,
        liveness: 0,
        steps: 0,
        violations: 0,
        exit: Exit::Pass,
        violators: Vec::new(),
        coverage: Coverage::default(),
    };
    let mut from = 0;
    while from < plan.seeds.count {
        let batch = plan.seeds.slice(from, BATCH);
        let before = from;
        let progress = |done: u64| {
            if let Some(bar) = bar {
                bar.set_position(before + done);
            }
        };
        for result in explore::run_seeds(&batch, jobs, &plan.options, &progress) {
            tally.add(result);
        }
        from += batch.len() as u64;
    }
    tally
}

impl Tally {
    /// Adds one seed's result.
    fn add(&mut self, result: SeedResult) {
        self.simulated_ns += result.simulated.as_nanos();
        self.liveness += u64::from(result.liveness_checked);
        self.steps += result.steps;
        self.coverage.add_run(&result.marks);
        if let Some(found) = &result.found {
            self.violations += 1;
            self.exit = self.exit.worse(Exit::of_violation(found.invariant));
            if self.violators.len() < VIOLATIONS_SHOWN {
                self.violators.push(result);
            }
        }
    }
}

/// Shrinks each violation and writes it as a scenario file into `out`.
fn shrink_all(violators: &[SeedResult], plan: &Plan, out: &Path) -> Vec<FoundEntry> {
    let mut shrunk = Vec::new();
    for result in violators {
        let found = result.found.clone().expect("violators have a violation");
        let original = explore::generate(result.seed);
        let small = explore::shrink(&original, found.invariant, &plan.options);
        let file = out.join(format!("explore-{}.json", result.seed));
        let written = serde_json::to_string_pretty(&small)
            .map_err(|e| e.to_string())
            .and_then(|text| plan.outputs.write_own(&file, &(text + "\n")));
        if let Err(e) = written {
            errln!(
                "error: cannot write {}: {e}",
                linksim::printable_path(&file)
            );
        }
        shrunk.push(FoundEntry {
            at_ns: found.at_ns,
            detail: found.detail,
            invariant: found.invariant.to_string(),
            seed: result.seed,
            server: found.server,
            shrunk_file: linksim::printable_path(&file).to_string(),
            size_after: explore::size(&small),
            size_before: explore::size(&original),
        });
    }
    shrunk
}

/// The summary of a run: what `--json` prints, and the text is made of.
fn summary_of(
    plan: &Plan,
    tally: &Tally,
    found: Vec<FoundEntry>,
    wall: f64,
    coverage: Option<&Coverage>,
) -> Summary {
    #[cfg(feature = "planted-bugs")]
    let planted_bug = plan.options.planted_bug.map(|bug| bug.name().to_string());
    #[cfg(not(feature = "planted-bugs"))]
    let planted_bug = None;
    Summary {
        build: explore::build_fingerprint(),
        coverage: coverage.map(Coverage::to_json),
        exit: tally.exit.code(),
        found,
        jobs: plan.jobs,
        liveness_checked: tally.liveness,
        linksim_explore: FORMAT,
        max_steps: plan
            .options
            .step_budget
            .unwrap_or(linksim::DEFAULT_STEP_BUDGET),
        planted_bug,
        range: format!("{}..{}", plan.range.start, plan.range.end),
        seeds: plan.seeds.count,
        seeds_per_s: plan.seeds.count as f64 / wall,
        shard: format!("{}/{}", plan.shard.0, plan.shard.1),
        simulated_ns: tally.simulated_ns,
        simulated_s_per_wall_s: tally.simulated_ns as f64 / 1e9 / wall,
        steps: tally.steps,
        violations: tally.violations,
        wall_s: wall,
    }
}

/// Prints `summary` as JSON or as text.
fn print(summary: &Summary, json: bool, options: &ExploreOptions) {
    match json {
        true => outln!("{}", summary.json()),
        false => {
            let planted = crate::planted::replay_flags(options.run_options());
            out!("{}", summary.text(&planted));
            if !summary.found.is_empty() {
                crate::hint::note_if_not_installed();
            }
        }
    }
}

/// `explore --merge PARTS...`: the shards' outputs summed, printed as a run prints.
fn merge(flags: &ExploreFlags) -> Exit {
    let summary = match crate::explore_summary::merge_files(&flags.parts) {
        Ok(summary) => summary,
        Err(e) => {
            errln!("error: {e}");
            return Exit::NoVerdict;
        }
    };
    #[cfg(feature = "planted-bugs")]
    let planted_bug = summary
        .planted_bug
        .as_deref()
        .and_then(link_core::PlantedBug::from_name);
    let options = ExploreOptions {
        step_budget: Some(summary.max_steps),
        #[cfg(feature = "planted-bugs")]
        planted_bug,
        ..ExploreOptions::default()
    };
    let coverage = summary.coverage.as_ref().and_then(Coverage::from_json);
    if (flags.coverage || flags.require_coverage) && coverage.is_none() {
        errln!("note: not every part kept its coverage (run each shard with --coverage)");
    }
    print(&summary, flags.json, &options);
    let exit = Exit::from_code(summary.exit).unwrap_or(Exit::NoVerdict);
    if flags.require_coverage && exit == Exit::Pass {
        return required_coverage(coverage.as_ref());
    }
    exit
}

/// `--require-coverage`: exit 1 when no seed reached a mark outside explore's documented
/// list (or there is no coverage to judge).
fn required_coverage(coverage: Option<&Coverage>) -> Exit {
    let Some(coverage) = coverage else {
        return Exit::Expectation;
    };
    let gaps = coverage.gaps(EXPLORE_UNREACHED);
    if gaps.is_empty() {
        return Exit::Pass;
    }
    let names: Vec<&str> = gaps.iter().map(|m| m.name()).collect();
    errln!(
        "error: no seed reached {} (not on the documented list of marks explore cannot reach)",
        names.join(", ")
    );
    Exit::Expectation
}
