//! `linksim sweep`: the command line around [`linksim::sweep`]. Shaped like `explore`:
//! the flags are read into a plan before anything runs (the files, the settings, the
//! seeds, and every output file checked), every combination runs over the seeds (a
//! progress bar on a terminal), then the table, CSV, JSON, HTML and SVG are written,
//! each violation is printed with a scenario file that replays it, and the worst runs
//! are written: an output that fails is said and never hides a violation, whose exit
//! wins. `--merge` (`merge.rs`) sums shard outputs.

use std::path::{Path, PathBuf};

use linksim::seeds::SeedSet;
use linksim::sweep::{self, output, Plan};
use linksim::Exit;

use crate::outputs::Outputs;

/// `linksim sweep`'s flags, as clap reads them.
#[derive(clap::Args)]
pub struct SweepFlags {
    /// Scenario files (each one more variant), or with --merge sweep JSON outputs.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// A swept setting, KEY=VALUE[,VALUE...]; repeat for more (every combination runs).
    #[arg(long = "set", value_name = "KEY=VALUES")]
    pub sets: Vec<String>,
    /// The seeds every combination runs, A..B (B excluded).
    #[arg(long, default_value = "0..100")]
    pub seeds: String,
    /// Worker threads (at most 256; 0, the default, one per core); results do not
    /// depend on it.
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
    /// Which shard of the seeds to run; merge the parts with --merge.
    #[command(flatten)]
    pub shard: linksim::seeds::ShardFlags,
    /// Write the results as CSV (`-`: standard output, instead of the table).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write the results as JSON, with the sums --merge needs (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML page with the table and a plot.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write the plot alone as SVG (a heatmap for two swept parameters, lines for one).
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Write the N worst runs (longest service outage) as scenario files into DIR.
    #[arg(long, num_args = 2, value_names = ["N", "DIR"])]
    pub worst: Vec<String>,
    /// Directory for the scenario files of violations.
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
    /// The files are sweep JSON outputs of shards: merge them.
    #[arg(long)]
    pub merge: bool,
    /// The most core steps each run may make; a run that needs more is reported
    /// (invariant `steps`) and exits 3. Shards merge only with the same budget.
    #[arg(long, value_name = "N", default_value_t = linksim::DEFAULT_STEP_BUDGET, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_steps: u64,
    /// Replace an existing scenario file named as an output.
    #[arg(long)]
    pub overwrite: bool,
    /// Print how often each rule's decision was taken over all runs (a line per rule
    /// mark) and the marks no run reached; --json keeps it, and --merge sums it.
    #[arg(long)]
    pub coverage: bool,
    /// Plant a deliberate bug in every core (test builds only).
    #[cfg(feature = "planted-bugs")]
    #[arg(long, value_name = "NAME")]
    pub planted_bug: Option<String>,
}

/// Runs `linksim sweep` with `flags`.
pub fn command(flags: SweepFlags) -> Exit {
    let result = match flags.merge {
        true => crate::merge::command(&flags),
        false => sweep(&flags),
    };
    result.unwrap_or_else(|e| {
        errln!("error: {e}");
        Exit::NoVerdict
    })
}

/// A sweep, checked before anything runs.
struct Prepared {
    plan: Plan,
    range: std::ops::Range<u64>,
    shard: (u64, u64),
    seeds: SeedSet,
    worst: Option<(usize, PathBuf)>,
    run: linksim::RunOptions,
    outputs: Outputs,
}

fn sweep(flags: &SweepFlags) -> Result<Exit, String> {
    let p = prepare(flags)?;
    let total = p.seeds.count * p.plan.len() as u64;
    let jobs = sweep::jobs(flags.jobs, total);
    let bar = crate::progress::bar(total, "runs", stdout_taken(flags));
    let started = std::time::Instant::now(); // throughput only; never enters a run
    let progress = |done: u64| {
        if let Some(bar) = &bar {
            bar.set_position(done);
        }
    };
    let options = sweep::SweepOptions {
        jobs,
        worst: p.worst.as_ref().map_or(0, |(n, _)| *n),
        run: p.run,
    };
    let mut swept = sweep::run(&p.plan, &p.seeds, options, &progress).map_err(|e| e.to_string())?;
    if !flags.coverage {
        swept.results.coverage = None;
    }
    let wall = started.elapsed().as_secs_f64().max(1e-9);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = output::Report {
        settings: p.plan.settings().to_vec(),
        rows: p.plan.rows(),
        seeds: format!("{}..{}", p.range.start, p.range.end),
        shards: vec![p.shard],
        fingerprints: swept.fingerprints,
        worst_n: options.worst,
        results: swept.results,
    };
    let written = write_outputs(&report, flags);
    errln!(
        "swept {} combination(s) x {} seed(s) = {total} runs on {jobs} thread(s) in {wall:.2} s: {} runs/s",
        p.plan.len(),
        p.seeds.count,
        crate::progress::rate(total as f64 / wall)
    );
    note_when_nothing_is_drawn(&p);
    let mut exit = report_violations(&report, &p, flags);
    if let Some((_, dir)) = &p.worst {
        exit = exit.worse(write_worst(&report, &p, dir, flags));
    }
    Ok(exit.worse(written))
}

/// A sweep over several seeds of scenarios that draw nothing from their seed (no
/// range, no jitter) runs one run many times: said, with what would spread it.
fn note_when_nothing_is_drawn(p: &Prepared) {
    let varies = |k: usize| {
        p.plan
            .combination(k)
            .is_ok_and(|c| c.checked.scenario.draws_from_seed())
    };
    // The first combinations tell (each is parsed again: a bounded look).
    if p.seeds.count < 2 || (0..p.plan.len().min(64)).any(varies) {
        return;
    }
    errln!(
        "note: nothing in the swept scenario(s) is drawn from the seed (no fault time given as a range, no jitter): each combination's {} seeds ran one run again; for a spread, give a fault a range (\"at\": \"5s..40s\") or a connector jitter",
        p.seeds.count
    );
}

/// Parses and checks the arguments and the output files, then plans the sweep (the
/// run count is checked before a single file is read).
fn prepare(flags: &SweepFlags) -> Result<Prepared, String> {
    #[cfg(feature = "planted-bugs")]
    let planted_bug = crate::planted::parse(flags.planted_bug.as_deref())
        .map_err(|_| "the planted bug is unknown".to_string())?;
    // In test builds every field is given; elsewhere the update fills the rest.
    #[allow(clippy::needless_update)]
    let run = linksim::RunOptions {
        step_budget: Some(flags.max_steps),
        #[cfg(feature = "planted-bugs")]
        planted_bug,
        ..linksim::RunOptions::default()
    };
    let settings = flags
        .sets
        .iter()
        .map(|s| sweep::parse_set(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let range = linksim::seeds::parse_range(&flags.seeds).map_err(|e| e.to_string())?;
    let shard = flags.shard.resolve().map_err(|e| e.to_string())?;
    let seeds = SeedSet::new(range.clone(), shard);
    if seeds.count == 0 {
        return Err(format!(
            "shard {}/{} of {}..{} holds no seed: nothing would be swept (fewer shards, or a longer range)",
            shard.0, shard.1, range.start, range.end
        ));
    }
    let total = sweep::combination_count(flags.files.len(), &settings)
        .and_then(|c| c.checked_mul(seeds.count))
        .unwrap_or(u64::MAX);
    if total > sweep::MAX_RUNS {
        return Err(format!(
            "{total} runs in one sweep; at most {} (fewer seeds or values, or --shard)",
            sweep::MAX_RUNS
        ));
    }
    let worst = worst(flags)?;
    let outputs = check_outputs(flags, &worst)?;
    let plan = Plan::new(read_files(&flags.files)?, settings).map_err(|e| e.to_string())?;
    check_plot(flags, &plan)?;
    Ok(Prepared {
        plan,
        range,
        shard,
        seeds,
        worst,
        run,
        outputs,
    })
}

/// `--worst N DIR`, checked.
fn worst(flags: &SweepFlags) -> Result<Option<(usize, PathBuf)>, String> {
    let [n, dir] = flags.worst.as_slice() else {
        return Ok(None); // clap takes exactly two values or none
    };
    let n = n
        .parse::<usize>()
        .map_err(|_| format!("--worst N DIR: N is a number of runs, not {n:?}"))?;
    if n > MAX_WORST {
        return Err(format!("--worst {n}: at most {MAX_WORST} runs are written"));
    }
    Ok(Some((n, PathBuf::from(dir))))
}

/// Every output the flags name, checked before anything runs ([`Outputs`]).
fn check_outputs(flags: &SweepFlags, worst: &Option<(usize, PathBuf)>) -> Result<Outputs, String> {
    let to_stdout = |p: &Option<PathBuf>| p.as_deref() == Some(Path::new("-"));
    if to_stdout(&flags.csv) && to_stdout(&flags.json) {
        return Err(
            "--csv - and --json - would mix on standard output; write one to a file".into(),
        );
    }
    let outputs = Outputs::new(&flags.files, flags.overwrite);
    let files = [
        ("--csv", &flags.csv),
        ("--json", &flags.json),
        ("--html", &flags.html),
        ("--svg", &flags.svg),
    ];
    for (flag, path) in files {
        if let Some(path) = path {
            outputs.check(flag, path)?;
        }
    }
    if let Some((_, dir)) = worst {
        outputs.folder("--worst", dir)?;
    }
    outputs.folder("--out", &flags.out)?;
    Ok(outputs)
}

/// `--svg` is refused before the sweep runs when its settings cannot be plotted.
fn check_plot(flags: &SweepFlags, plan: &Plan) -> Result<(), String> {
    if flags.svg.is_none() {
        return Ok(());
    }
    let skeleton = output::Report {
        settings: plan.settings().to_vec(),
        rows: plan.rows(),
        seeds: String::new(),
        shards: Vec::new(),
        fingerprints: Vec::new(),
        worst_n: 0,
        results: sweep::Results::default(),
    };
    match sweep::page::plot_problem(&skeleton) {
        Some(problem) => Err(format!("--svg: {problem}")),
        None => Ok(()),
    }
}

/// The most worst runs `--worst` writes.
const MAX_WORST: usize = 1_000;

fn read_files(paths: &[PathBuf]) -> Result<Vec<(PathBuf, String)>, String> {
    paths
        .iter()
        .map(|p| {
            let text = linksim::scenario::read_regular_file(p, 16 << 20)
                .map_err(|e| format!("{}: {e}", linksim::printable_path(p)))?;
            Ok((p.clone(), text))
        })
        .collect()
}

/// Whether CSV or JSON go to standard output (messages then go to standard error).
pub fn stdout_taken(flags: &SweepFlags) -> bool {
    [&flags.csv, &flags.json]
        .iter()
        .any(|p| p.as_deref() == Some(Path::new("-")))
}

/// Prints a message where it does not mix with results on standard output.
pub fn say(flags: &SweepFlags, text: &str) {
    crate::out::say(stdout_taken(flags), text);
}

/// Writes `text` to `path`, or to standard output for `-`.
fn write_to(path: &Path, text: &str) -> Result<(), String> {
    if path == Path::new("-") {
        out!("{text}");
        return Ok(());
    }
    std::fs::write(path, text)
        .map_err(|e| format!("cannot write {}: {e}", linksim::printable_path(path)))?;
    errln!("wrote {}", linksim::printable_path(path));
    Ok(())
}

/// The table (unless CSV or JSON go to standard output), CSV, JSON, HTML and SVG; each
/// one that cannot be written is said, and the others are still written.
pub fn write_outputs(report: &output::Report, flags: &SweepFlags) -> Exit {
    if !stdout_taken(flags) {
        out!("{}", report.table());
    }
    if flags.coverage {
        print_coverage(report, flags);
    }
    type Render = fn(&output::Report, &SweepFlags) -> Result<String, String>;
    let outputs: [(&Option<PathBuf>, Render); 4] = [
        (&flags.csv, |r, _| Ok(r.csv())),
        (&flags.json, |r, _| Ok(r.json())),
        (&flags.html, |r, f| {
            Ok(sweep::page::html(r, &command_line(f)))
        }),
        (&flags.svg, |r, _| {
            sweep::page::plot_svg(r).map_err(|e| format!("--svg: {e}"))
        }),
    ];
    let mut exit = Exit::Pass;
    for (path, render) in outputs {
        let Some(path) = path else { continue };
        if let Err(e) = render(report, flags).and_then(|text| write_to(path, &text)) {
            errln!("error: {e}");
            exit = Exit::NoVerdict;
        }
    }
    exit
}

/// The coverage lines (`--coverage`): on standard output after the table, or on
/// standard error when an output took standard output.
fn print_coverage(report: &output::Report, flags: &SweepFlags) {
    let lines = match &report.results.coverage {
        Some(coverage) => coverage.lines(None),
        None => vec!["coverage: not every merged part kept it (run each with --coverage)".into()],
    };
    for line in lines {
        say(flags, &line);
    }
}

/// The command as typed, for the page.
fn command_line(_: &SweepFlags) -> String {
    std::env::args().collect::<Vec<_>>().join(" ")
}

/// Prints each combination's first violation with a scenario file that replays it; the
/// outcome the violations call for.
fn report_violations(report: &output::Report, p: &Prepared, flags: &SweepFlags) -> Exit {
    let mut exit = Exit::Pass;
    for (i, a) in report.results.aggregates.iter().enumerate() {
        let Some((seed, found)) = &a.first_violation else {
            continue;
        };
        exit = exit.worse(Exit::of_violation(found.invariant));
        let name = format!(
            "sweep-{}-{i}-seed-{seed}.json",
            sweep::file_stem(p.plan.file(i))
        );
        let file = flags.out.join(name);
        let replay = match write_standalone(&file, p, i, *seed) {
            Ok(()) => format!(
                "replay: linksim run {}{}",
                crate::hint::word(&file),
                crate::planted::replay_flags(p.run)
            ),
            Err(e) => format!("(cannot write the replay file: {e})"),
        };
        let text = format!(
            "VIOLATION in {} seed {seed} ({} of {} runs): {} at {}: {}\n  {replay}",
            report.label(i),
            a.violations,
            a.runs,
            found.invariant,
            link_core::Instant::from_nanos(found.at_ns),
            found.detail
        );
        say(flags, &text);
    }
    exit
}

/// Writes combination `k` with `seed` as a standalone scenario at `path`.
fn write_standalone(path: &Path, p: &Prepared, k: usize, seed: u64) -> Result<(), String> {
    let combination = p.plan.combination(k).map_err(|e| e.to_string())?;
    let scenario = sweep::standalone(&combination, p.plan.settings(), seed);
    let text = serde_json::to_string_pretty(&scenario).map_err(|e| e.to_string())? + "\n";
    p.outputs
        .write_own(path, &text)
        .map_err(|e| format!("{}: {e}", linksim::printable_path(path)))
}

/// Writes the worst runs as standalone scenarios into `dir`; no verdict if one cannot
/// be written.
fn write_worst(report: &output::Report, p: &Prepared, dir: &Path, flags: &SweepFlags) -> Exit {
    let mut exit = Exit::Pass;
    for (rank, w) in report.results.worst.iter().enumerate() {
        let stem = sweep::file_stem(p.plan.file(w.combination));
        let file = dir.join(format!("worst-{}-{stem}-seed-{}.json", rank + 1, w.seed));
        if let Err(e) = write_standalone(&file, p, w.combination, w.seed) {
            errln!("error: {e}");
            exit = Exit::NoVerdict;
            continue;
        }
        let label = report.short_label(w.combination);
        let text = format!(
            "worst {}: {}{}seed {}, longest service outage {:.3}s\n  replay: linksim run {}",
            rank + 1,
            label,
            if label.is_empty() { "" } else { ", " },
            w.seed,
            w.longest_ns as f64 / 1e9,
            crate::hint::word(&file)
        );
        crate::hint::note_if_not_installed();
        say(flags, &text);
    }
    exit
}
