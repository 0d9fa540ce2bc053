//! `linksim sweep`: the command line around [`linksim::sweep`]. Shaped like `explore`:
//! the flags are read into a plan before anything runs (the files, the settings, the
//! seeds), every combination runs over the seeds (a progress bar on a terminal), then
//! the table, CSV, JSON and HTML are written, and each violation and worst run becomes
//! a scenario file with the command that replays it. `--merge` sums shard outputs.

use std::path::{Path, PathBuf};

use linksim::sweep::{self, output, Combination, Setting};
use linksim::Exit;

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
    /// Worker threads; results do not depend on it.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Run only shard I of N of the seeds (every N-th seed), e.g. 2/4; merge with --merge.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
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
    #[arg(long, value_name = "N", default_value_t = linksim::DEFAULT_STEP_BUDGET)]
    pub max_steps: u64,
    /// Plant a deliberate bug in every core (test builds only).
    #[cfg(feature = "planted-bugs")]
    #[arg(long, value_name = "NAME")]
    pub planted_bug: Option<String>,
}

/// Runs `linksim sweep` with `flags`.
pub fn command(flags: SweepFlags) -> Exit {
    #[cfg(feature = "planted-bugs")]
    let planted_bug = match crate::planted::parse(flags.planted_bug.as_deref()) {
        Ok(planted_bug) => planted_bug,
        Err(exit) => return exit,
    };
    // In test builds every field is given; elsewhere the update fills the rest.
    #[allow(clippy::needless_update)]
    let run = linksim::RunOptions {
        step_budget: Some(flags.max_steps),
        #[cfg(feature = "planted-bugs")]
        planted_bug,
        ..linksim::RunOptions::default()
    };
    let worst = match flags.worst.as_slice() {
        [n, dir] => match n.parse::<usize>() {
            Ok(n) => Some((n, PathBuf::from(dir))),
            Err(_) => {
                errln!("error: --worst N DIR: N is a number of runs, not {n:?}");
                return Exit::NoVerdict;
            }
        },
        _ => None, // clap takes exactly two values or none
    };
    sweep(&SweepArgs {
        files: flags.files,
        sets: flags.sets,
        seeds: flags.seeds,
        jobs: flags.jobs,
        shard: flags.shard,
        csv: flags.csv,
        json: flags.json,
        html: flags.html,
        svg: flags.svg,
        worst,
        out: flags.out,
        merge: flags.merge,
        command: std::env::args().collect::<Vec<_>>().join(" "),
        run,
    })
}

/// What `linksim sweep` was asked to do.
pub struct SweepArgs {
    /// Scenario files (or, with `merge`, sweep JSON outputs).
    pub files: Vec<PathBuf>,
    /// `--set` values.
    pub sets: Vec<String>,
    /// `--seeds A..B`.
    pub seeds: String,
    /// Threads.
    pub jobs: usize,
    /// `--shard I/N`.
    pub shard: Option<String>,
    /// Where to write CSV (`-`: standard output).
    pub csv: Option<PathBuf>,
    /// Where to write JSON (`-`: standard output).
    pub json: Option<PathBuf>,
    /// Where to write the HTML page.
    pub html: Option<PathBuf>,
    /// Where to write the plot alone, as SVG.
    pub svg: Option<PathBuf>,
    /// `--worst N DIR`.
    pub worst: Option<(usize, PathBuf)>,
    /// Directory for the scenario files of violations.
    pub out: PathBuf,
    /// The files are shard outputs to merge.
    pub merge: bool,
    /// The command as typed, for the page.
    pub command: String,
    /// The options of every run (a planted bug in test builds).
    pub run: linksim::RunOptions,
}

/// Runs `linksim sweep`.
fn sweep(args: &SweepArgs) -> Exit {
    match sweep_or_error(args) {
        Ok(exit) => exit,
        Err(e) => {
            errln!("error: {e}");
            Exit::NoVerdict
        }
    }
}

fn sweep_or_error(args: &SweepArgs) -> Result<Exit, String> {
    if args.merge {
        return merge(args);
    }
    let plan = prepare(args)?;
    let (settings, combinations, seeds, worst) =
        (&plan.settings, &plan.combinations, plan.seeds, plan.worst);
    let total = seeds.count * combinations.len() as u64;
    let bar = crate::progress::bar(total, "runs", stdout_taken(args));
    let started = std::time::Instant::now(); // throughput only; never enters a run
    let progress = |done: u64| {
        if let Some(bar) = &bar {
            bar.set_position(done);
        }
    };
    let options = sweep::SweepOptions {
        jobs: args.jobs,
        worst,
        run: args.run,
    };
    let results = sweep::run(combinations, &seeds, options, &progress);
    let wall = started.elapsed().as_secs_f64().max(1e-9);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = output::Report {
        settings: settings.clone(),
        rows: row_names(combinations),
        seeds: format!("{}..{}", plan.range.start, plan.range.end),
        shards: vec![plan.shard],
        fingerprints: combinations
            .iter()
            .map(|c| c.fingerprint(args.run))
            .collect(),
        worst_n: worst,
        results,
    };
    write_outputs(&report, args)?;
    errln!("swept {} combination(s) x {} seed(s) = {total} runs on {} thread(s) in {wall:.2} s: {:.0} runs/s", combinations.len(), seeds.count, args.jobs.max(1), total as f64 / wall);
    let exit = report_violations(&report, combinations, settings, args);
    if let Some((_, dir)) = &args.worst {
        write_worst(&report, combinations, settings, dir, args)?;
    }
    Ok(exit)
}

/// A sweep's plan, checked before anything runs.
struct Plan {
    settings: Vec<Setting>,
    combinations: Vec<Combination>,
    range: std::ops::Range<u64>,
    shard: (u64, u64),
    seeds: linksim::seeds::SeedSet,
    worst: usize,
}

/// Parses and checks the arguments, then plans the combinations (the run count is
/// checked before a single combination is built).
fn prepare(args: &SweepArgs) -> Result<Plan, String> {
    if args.csv.as_deref() == Some(Path::new("-")) && args.json.as_deref() == Some(Path::new("-")) {
        return Err(
            "--csv - and --json - would mix on standard output; write one to a file".into(),
        );
    }
    let settings: Vec<Setting> = args
        .sets
        .iter()
        .map(|s| sweep::parse_set(s))
        .collect::<Result<_, _>>()
        .map_err(|e: sweep::SetError| e.to_string())?;
    let range = linksim::seeds::parse_range(&args.seeds).map_err(|e| e.to_string())?;
    let shard = args
        .shard
        .as_deref()
        .map(linksim::seeds::parse_shard)
        .transpose()
        .map_err(|e| e.to_string())?
        .unwrap_or((1, 1));
    let seeds = linksim::seeds::SeedSet::new(range.clone(), shard);
    let count = sweep::combination_count(args.files.len(), &settings);
    let total = count
        .and_then(|c| c.checked_mul(seeds.count))
        .unwrap_or(u64::MAX);
    if total > MAX_RUNS {
        return Err(format!(
            "{total} runs in one sweep; at most {MAX_RUNS} (fewer seeds or values, or --shard)"
        ));
    }
    let worst = args.worst.as_ref().map_or(0, |(n, _)| *n);
    if worst > MAX_WORST {
        return Err(format!(
            "--worst {worst}: at most {MAX_WORST} runs are written"
        ));
    }
    let files = read_files(&args.files)?;
    let combinations = sweep::plan(&files, &settings).map_err(|e| e.to_string())?;
    Ok(Plan {
        settings,
        combinations,
        range,
        shard,
        seeds,
        worst,
    })
}

/// Each combination's file name for tables: its stem, or the path as given when two
/// files share a stem.
fn row_names(combinations: &[Combination]) -> Vec<(String, Vec<String>)> {
    let stem_of = |c: &Combination| sweep::file_stem(&c.file);
    let clash = combinations.iter().any(|a| {
        combinations
            .iter()
            .any(|b| a.file != b.file && stem_of(a) == stem_of(b))
    });
    combinations
        .iter()
        .map(|c| {
            let name = if clash {
                c.file.display().to_string()
            } else {
                stem_of(c)
            };
            (name, c.values.clone())
        })
        .collect()
}

/// The most runs one sweep makes (a larger one is split with `--shard`).
const MAX_RUNS: u64 = 1_000_000_000;

/// The most worst runs `--worst` writes.
const MAX_WORST: usize = 1_000;

fn read_files(paths: &[PathBuf]) -> Result<Vec<(PathBuf, String)>, String> {
    if paths.is_empty() {
        return Err("give at least one scenario file".into());
    }
    paths
        .iter()
        .map(|p| {
            let text = linksim::scenario::read_regular_file(p, 16 << 20)
                .map_err(|e| format!("{}: {e}", p.display()))?;
            Ok((p.clone(), text))
        })
        .collect()
}

/// Whether CSV or JSON go to standard output (messages then go to standard error).
fn stdout_taken(args: &SweepArgs) -> bool {
    [&args.csv, &args.json]
        .iter()
        .any(|p| p.as_deref() == Some(Path::new("-")))
}

/// Prints a message where it does not mix with results on standard output.
fn say(args: &SweepArgs, text: &str) {
    crate::out::say(stdout_taken(args), text);
}

/// Writes `text` to `path`, or to standard output for `-`.
fn write_to(path: &Path, text: &str) -> Result<(), String> {
    if path == Path::new("-") {
        out!("{text}");
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    errln!("wrote {}", path.display());
    Ok(())
}

/// The table (unless CSV or JSON go to standard output), CSV, JSON and HTML.
fn write_outputs(report: &output::Report, args: &SweepArgs) -> Result<(), String> {
    if !stdout_taken(args) {
        out!("{}", report.table());
    }
    if let Some(path) = &args.csv {
        write_to(path, &report.csv())?;
    }
    if let Some(path) = &args.json {
        write_to(path, &report.json())?;
    }
    if let Some(path) = &args.html {
        write_to(path, &sweep::page::html(report, &args.command))?;
    }
    if let Some(path) = &args.svg {
        let svg = sweep::page::plot_svg(report).map_err(|e| e.to_string())?;
        write_to(path, &svg)?;
    }
    Ok(())
}

/// Prints each combination's first violation with a scenario file that replays it.
fn report_violations(
    report: &output::Report,
    combinations: &[Combination],
    settings: &[Setting],
    args: &SweepArgs,
) -> Exit {
    let out = &args.out;
    let mut exit = Exit::Pass;
    for (i, a) in report.results.aggregates.iter().enumerate() {
        let Some((seed, found)) = &a.first_violation else {
            continue;
        };
        exit = exit.worse(Exit::of_violation(found.invariant));
        let file = out.join(format!(
            "sweep-{}-{i}-seed-{seed}.json",
            sweep::file_stem(&combinations[i].file)
        ));
        let replay =
            match write_scenario(&file, &sweep::standalone(&combinations[i], settings, *seed)) {
                Ok(()) => format!(
                    "replay: linksim run {}{}",
                    file.display(),
                    crate::planted::replay_flags(args.run)
                ),
                Err(e) => format!("(cannot write the replay file: {e})"),
            };
        say(
            args,
            &format!(
                "VIOLATION in {} seed {seed} ({} of {} runs): {} at {}: {}\n  {replay}",
                report.label(i),
                a.violations,
                a.runs,
                found.invariant,
                link_core::Instant::from_nanos(found.at_ns),
                found.detail
            ),
        );
    }
    exit
}

fn write_scenario(path: &Path, scenario: &linksim::scenario::Scenario) -> Result<(), String> {
    let text = serde_json::to_string_pretty(scenario).map_err(|e| e.to_string())? + "\n";
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes the worst runs as standalone scenarios into `dir`.
fn write_worst(
    report: &output::Report,
    combinations: &[Combination],
    settings: &[Setting],
    dir: &Path,
    args: &SweepArgs,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (rank, w) in report.results.worst.iter().enumerate() {
        let c = &combinations[w.combination];
        let file = dir.join(format!(
            "worst-{}-{}-seed-{}.json",
            rank + 1,
            sweep::file_stem(&c.file),
            w.seed
        ));
        write_scenario(&file, &sweep::standalone(c, settings, w.seed))?;
        say(
            args,
            &format!(
                "worst {}: {} seed {}: longest service outage {:.3}s -> linksim run {}",
                rank + 1,
                report.label(w.combination),
                w.seed,
                w.longest_ns as f64 / 1e9,
                file.display()
            ),
        );
    }
    Ok(())
}

/// `--merge`: shard outputs in, one sweep's outputs out.
fn merge(args: &SweepArgs) -> Result<Exit, String> {
    if args.worst.is_some() || !args.sets.is_empty() {
        return Err("--merge reads sweep JSON outputs: --set and --worst belong to the sweeps that wrote them".into());
    }
    let parts = args
        .files
        .iter()
        .map(|p| {
            let text = linksim::scenario::read_regular_file(p, 256 << 20)
                .map_err(|e| format!("{}: {e}", p.display()))?;
            sweep::file::read(&text).map_err(|e| format!("{}: {e}", p.display()))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let report = output::merge(parts).map_err(|e| e.to_string())?;
    write_outputs(&report, args)?;
    let mut exit = Exit::Pass;
    for (i, a) in report.results.aggregates.iter().enumerate() {
        if let Some((seed, found)) = &a.first_violation {
            exit = exit.worse(Exit::of_violation(found.invariant));
            say(args, &format!("VIOLATION in {} seed {seed}: {}: {} (run the sweep of that seed to write its scenario)", report.label(i), found.invariant, found.detail));
        }
    }
    Ok(exit)
}
