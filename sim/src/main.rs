//! `linksim`: run, check and describe link-selection scenarios. See `linksim --help`
//! and `scenarios/README.md`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `println!` that stops writing, instead of panicking, once a reader has closed
/// standard output (e.g. `| head`); the run goes on (a trace file is still finished)
/// and the process then exits with [`EXIT_BROKEN_PIPE`].
macro_rules! outln {
    () => { $crate::emit(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::emit(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` with [`outln!`]'s handling of a closed standard output.
macro_rules! out {
    ($($arg:tt)*) => { $crate::emit(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics: a closed standard error loses the message.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Whether a reader closed standard output.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes to standard output; see [`outln!`].
fn emit(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    if let Err(e) = std::io::stdout().write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            return;
        }
        errln!("error: cannot write to standard output: {e}");
        std::process::exit(EXIT_BAD_INPUT);
    }
}

mod sweep_cli;

/// The exit code when a reader closed standard output early (128 + SIGPIPE).
const EXIT_BROKEN_PIPE: i32 = 141;
use linksim::{scenario, worse_exit_code, RunReport, EXIT_BAD_INPUT, EXIT_INVARIANT, EXIT_OK};

/// Deterministic simulator for prioritized CTI link selection and failover.
#[derive(Parser)]
#[command(name = "linksim", version, about, long_about = None, after_help = "\
Exit codes: 0 every expectation and invariant held, 1 an expectation failed,
2 a safety invariant was violated (I1-I10, H1's never two primaries), 4 a liveness
property was violated (L1, H1's recovery), 3 bad input or a run past its step budget,
141 standard output closed early. Of several files the worst wins: 2, then 4, 3, 1.

Examples:
  linksim run scenarios/ha-primary-failover.json
  linksim run scenarios/ --check-determinism
  linksim run scenarios/r06-tie-first-normal-wins.json --trace trace.jsonl
  linksim check scenarios/*.json
  linksim schema > scenario.schema.json
  linksim sweep scenarios/outage-connector-dies-at-a-drawn-moment.json --set restart_timeout=2s,5s,10s")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenarios and print each one's timeline and verdicts.
    #[command(
        after_help = "Examples:\n  linksim run scenarios/ha-primary-failover.json\n  linksim run scenarios/ --quiet\n  linksim run my.json --trace my.jsonl\n  linksim run scenarios/ha-primary-failover.json --json | jq .service.longest\n  linksim run scenarios/ha-primary-failover.json --html failover.html --linear-time"
    )]
    Run {
        /// Scenario files, or directories whose *.json files are run in name order.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Write every input, outcome and action as JSON Lines to this file.
        #[arg(long, value_name = "FILE")]
        trace: Option<PathBuf>,
        /// Run each scenario twice and compare the trace hashes (I10).
        #[arg(long)]
        check_determinism: bool,
        /// Print only the verdicts, not the timelines.
        #[arg(long, short, conflicts_with = "verbose")]
        quiet: bool,
        /// Print every input and action on the timeline, not only the significant steps.
        #[arg(long, short)]
        verbose: bool,
        /// Print each run as one JSON object per line (verdict, violation, expectations,
        /// notes, outage figures) instead of the timeline and verdicts.
        #[arg(long, conflicts_with_all = ["verbose", "quiet"])]
        json: bool,
        /// Write the timeline picture as SVG (one scenario only).
        #[arg(long, value_name = "OUT.svg")]
        svg: Option<PathBuf>,
        /// Write a self-contained HTML page with the picture and the timeline (one scenario only).
        #[arg(long, value_name = "OUT.html")]
        html: Option<PathBuf>,
        /// Draw the picture's time linearly, without breaks over idle stretches.
        #[arg(long)]
        linear_time: bool,
        /// Let `config.options` name a file outside the scenario's folder.
        #[arg(long)]
        options_outside: bool,
        /// The most core steps a run may make; a run that needs more stops with an
        /// error (exit 3), never a partial success.
        #[arg(long, value_name = "N", default_value_t = linksim::DEFAULT_STEP_BUDGET)]
        max_steps: u64,
        /// Plant a deliberate bug in every core (test builds only), to replay what
        /// `explore --planted-bug` found.
        #[cfg(feature = "planted-bugs")]
        #[arg(long, value_name = "NAME")]
        planted_bug: Option<String>,
    },
    /// Check scenario files without running them.
    #[command(after_help = "Example:\n  linksim check scenarios/*.json")]
    Check {
        /// Scenario files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Let `config.options` name a file outside the scenario's folder.
        #[arg(long)]
        options_outside: bool,
    },
    /// Print the JSON Schema of the scenario format.
    #[command(after_help = "Example:\n  linksim schema > scenario.schema.json")]
    Schema,
    /// Swarm testing: draw a world per seed, inject faults, check every invariant, and
    /// shrink what fails into a scenario file that `linksim run` replays.
    #[command(after_help = "\
Examples:
  linksim explore --seeds 0..5000
  linksim explore --seeds 0..1000000 --jobs 2 --shard 3/8 --json

Exit codes: 0 no violation, 2 a safety violation was found, 4 only liveness
violations were found (each shrunk scenario is written to --out), 3 bad arguments.")]
    Explore {
        /// The seeds to run, A..B (B excluded).
        #[arg(long, default_value = "0..1000")]
        seeds: String,
        /// Worker threads; results do not depend on it.
        #[arg(long, default_value_t = 1)]
        jobs: usize,
        /// Run only shard I of N of the range (every N-th seed), e.g. 2/4.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        /// Directory for the shrunk scenarios of violations.
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Plant a deliberate bug in every core (test builds only).
        #[cfg(feature = "planted-bugs")]
        #[arg(long, value_name = "NAME")]
        planted_bug: Option<String>,
    },
    /// Run every combination of swept settings over many seeds and say how long the
    /// service was out: p50/p90/p99/max of each run's longest service outage,
    /// availability, failovers and invariant verdicts, per combination.
    #[command(after_help = "\
Examples:
  linksim sweep scenarios/ha-primary-failover.json \\
      --set connect_tout=1s,2s,5s --set restart_timeout=2s,5s,10s --seeds 0..1000 \\
      --html sweep.html --csv sweep.csv --worst 3 worst/
  linksim sweep a.json b.json --seeds 0..500 --jobs 2   (two configurations compared)
  linksim sweep a.json --set restart_timeout=2s,5s,10s --svg plot.svg --out violations/
  linksim sweep a.json --set links.CSTA_B.priority=5,10,20 --set network.latency=1ms,50ms
  linksim sweep a.json --seeds 0..100000 --shard 2/4 --json part2.json
  linksim sweep --merge part1.json part2.json part3.json part4.json --csv all.csv

Keys: a timing option (connect_tout, restart_timeout, kpl_interval, kpl_tolerance,
kpl_loss_rate), a top-level field (run_for), or a path: links.NAME.priority,
connectors.NAME.accept_after, network.latency, management.switch_after.

Results do not depend on --jobs or the sharding; the same command writes the same CSV.
Exit codes: 0 no violation, 2 a safety violation, 4 only liveness violations (each
written as a scenario file to --out), 3 bad input.")]
    Sweep(sweep_cli::SweepFlags),
    /// Write a commented starter scenario that runs as is.
    #[command(after_help = "Example:\n  linksim new my-failover && linksim run my-failover.json")]
    New {
        /// The scenario's name; it is written to NAME.json (a path ending in .json is used as is).
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run {
            paths,
            trace,
            check_determinism,
            quiet,
            verbose,
            json,
            svg,
            html,
            linear_time,
            max_steps,
            options_outside,
            #[cfg(feature = "planted-bugs")]
            planted_bug,
        } => {
            let output = Output {
                access: scenario::Access {
                    options_outside,
                    ..scenario::Access::default()
                },
                max_steps,
                quiet: quiet || json,
                verbose,
                json,
                color: linksim::use_color(
                    std::io::stdout().is_terminal(),
                    std::env::var_os("NO_COLOR").as_deref(),
                ),
                pictures: Pictures {
                    svg,
                    html,
                    options: linksim::picture::Options { linear_time },
                },
                #[cfg(feature = "planted-bugs")]
                planted_bug: planted_bug
                    .as_deref()
                    .and_then(link_core::PlantedBug::from_name),
            };
            run(&paths, trace.as_deref(), check_determinism, &output)
        }
        Command::New { name } => new_scenario(&name),
        Command::Sweep(flags) => sweep_cli::sweep_command(flags),
        Command::Explore {
            seeds,
            jobs,
            shard,
            json,
            out,
            #[cfg(feature = "planted-bugs")]
            planted_bug,
        } => {
            #[cfg(feature = "planted-bugs")]
            let options = match planted_bug
                .as_deref()
                .map(|n| link_core::PlantedBug::from_name(n).ok_or(n))
            {
                None => linksim::explore::ExploreOptions::default(),
                Some(Ok(bug)) => linksim::explore::ExploreOptions {
                    planted_bug: Some(bug),
                },
                Some(Err(name)) => {
                    errln!("error: no planted bug named {name:?}");
                    return ExitCode::from(EXIT_BAD_INPUT as u8);
                }
            };
            #[cfg(not(feature = "planted-bugs"))]
            let options = linksim::explore::ExploreOptions::default();
            explore(&seeds, jobs, shard.as_deref(), json, &out, &options)
        }
        Command::Check {
            paths,
            options_outside,
        } => check(
            &paths,
            scenario::Access {
                options_outside,
                ..scenario::Access::default()
            },
        ),
        Command::Schema => {
            outln!("{}", linksim::schema_json());
            EXIT_OK
        }
    };
    if STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed) {
        return ExitCode::from(EXIT_BROKEN_PIPE as u8);
    }
    ExitCode::from(code as u8)
}

/// Expands directories into their `*.json` files, sorted; files stay as given.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| format!("{}: cannot read the directory: {e}", path.display()))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(format!(
                    "{}: no *.json scenario files in this directory",
                    path.display()
                ));
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn check(paths: &[PathBuf], access: scenario::Access) -> i32 {
    let files = match expand(paths) {
        Ok(files) => files,
        Err(e) => {
            errln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let mut code = EXIT_OK;
    for file in &files {
        match scenario::load_with(file, access) {
            Ok(c) => {
                outln!(
                    "ok    {}  ({}: {} link(s), {} server(s), {} fault(s), {} expectation(s))",
                    file.display(),
                    c.scenario.name,
                    c.config.links.len(),
                    c.servers.len(),
                    c.scenario.faults.len(),
                    c.scenario.expect.len()
                );
                warn_if_long(file, &c);
            }
            Err(e) => {
                errln!("error: {e}");
                code = EXIT_BAD_INPUT;
            }
        }
    }
    code
}

/// Core steps per second of a release build, rounded down from `explore`'s measured
/// 1.6 million, and link visits per second of the invariant check that every step makes
/// (a 65,535-link run: 196,607 steps x 65,535 links in 85 s is 1.5e8): what `check`
/// divides by to estimate a run's time.
const STEPS_PER_SECOND: f64 = 1_000_000.0;
const LINK_CHECKS_PER_SECOND: f64 = 150_000_000.0;

/// `check`'s warning for a run that may need more than the default step budget or
/// more than two minutes.
fn warn_if_long(file: &Path, checked: &scenario::Checked) {
    let steps = checked.estimated_steps();
    let links = checked.config.links.len() as f64;
    let seconds = steps / STEPS_PER_SECOND + steps * links / LINK_CHECKS_PER_SECOND;
    let budget = linksim::DEFAULT_STEP_BUDGET;
    if steps > budget as f64 {
        errln!(
            "warning: {}: this run may need up to about {steps:.0} core steps; past the step budget of {budget} it stops with an error (raise it with run --max-steps)",
            file.display()
        );
    } else if seconds > 120.0 {
        errln!(
            "warning: {}: this run may take up to about {seconds:.0} s ({steps:.0} core steps, each checking {links} links)",
            file.display()
        );
    }
}

/// How `run` prints and what it writes besides.
struct Output {
    access: scenario::Access,
    max_steps: u64,
    quiet: bool,
    verbose: bool,
    /// One JSON object per run on standard output, nothing else there.
    json: bool,
    color: bool,
    pictures: Pictures,
    #[cfg(feature = "planted-bugs")]
    planted_bug: Option<link_core::PlantedBug>,
}

/// Where to write the pictures of a run.
struct Pictures {
    svg: Option<PathBuf>,
    html: Option<PathBuf>,
    options: linksim::picture::Options,
}

impl Pictures {
    fn wanted(&self) -> bool {
        self.svg.is_some() || self.html.is_some()
    }

    fn write(&self, report: &RunReport, json: bool) -> Result<(), String> {
        type Render = fn(&RunReport, linksim::picture::Options) -> String;
        let renderers: [(&Option<PathBuf>, Render); 2] = [
            (&self.svg, linksim::picture::svg_with),
            (&self.html, linksim::picture::html_with),
        ];
        for (path, render) in renderers {
            if let Some(path) = path {
                std::fs::write(path, render(report, self.options))
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                if json {
                    errln!("picture written to {}", path.display());
                } else {
                    outln!("picture written to {}", path.display());
                }
            }
        }
        Ok(())
    }
}

fn run(paths: &[PathBuf], trace: Option<&Path>, check_determinism: bool, output: &Output) -> i32 {
    let pictures = &output.pictures;
    let files = match expand(paths) {
        Ok(files) => files,
        Err(e) => {
            errln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    if pictures.wanted() && files.len() != 1 {
        errln!(
            "error: --svg and --html draw one scenario; {} were given",
            files.len()
        );
        return EXIT_BAD_INPUT;
    }
    let mut code = EXIT_OK;
    let mut out = match trace.map(open_trace).transpose() {
        Ok(out) => out,
        Err(e) => {
            errln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let (mut passed, mut failed) = (0, 0);
    for file in &files {
        let checked = match scenario::load_with(file, output.access) {
            Ok(checked) => checked,
            Err(e) => {
                errln!("error: {e}");
                code = worse_exit_code(code, EXIT_BAD_INPUT);
                failed += 1;
                continue;
            }
        };
        let file_code = run_one(file, checked, check_determinism, output, &mut out);
        if file_code == EXIT_OK {
            passed += 1;
        } else {
            failed += 1;
        }
        code = worse_exit_code(code, file_code);
    }
    if let (Some(out), Some(path)) = (out, trace) {
        if let Err(e) = out.into_inner().and_then(|mut w| w.flush()) {
            errln!("error: cannot write the trace to {}: {e}", path.display());
            code = worse_exit_code(code, EXIT_BAD_INPUT);
        }
    }
    if output.json {
        errln!("linksim: {passed} passed, {failed} failed");
    } else {
        outln!("linksim: {passed} passed, {failed} failed");
    }
    code
}

/// The trace file, buffered; several scenarios share it, each line naming its scenario.
fn open_trace(path: &Path) -> Result<TraceOut, String> {
    let file = std::fs::File::create(path)
        .map_err(|e| format!("cannot write the trace to {}: {e}", path.display()))?;
    Ok(TraceOut {
        writer: Some(Box::new(std::io::BufWriter::new(file))),
        error: None,
    })
}

/// The trace file between runs: handed to each run's [`linksim::TraceSink`] and back.
struct TraceOut {
    writer: Option<Box<dyn std::io::Write>>,
    error: Option<std::io::Error>,
}

impl TraceOut {
    fn into_inner(self) -> std::io::Result<Box<dyn std::io::Write>> {
        match (self.error, self.writer) {
            (Some(e), _) => Err(e),
            (None, Some(w)) => Ok(w),
            (None, None) => Err(std::io::Error::other("the trace writer was lost")),
        }
    }
}

/// Runs one checked scenario, prints it, and returns its exit code.
fn run_one(
    file: &Path,
    checked: scenario::Checked,
    check_determinism: bool,
    output: &Output,
    out: &mut Option<TraceOut>,
) -> i32 {
    let pictures = &output.pictures;
    // Keep only what is printed or asked about, so that memory does not grow with
    // the length of a run nobody reads (under --quiet only the timeline's last lines,
    // for a violation's context; no history without expectations or pictures; no
    // trace lines: the trace is streamed to its file).
    let pictures_wanted = pictures.wanted();
    // In test builds every field is given; elsewhere the update fills the rest.
    #[allow(clippy::needless_update)]
    let options = linksim::RunOptions {
        hash_trace: check_determinism,
        step_budget: Some(output.max_steps),
        timeline_tail: output.quiet && !pictures_wanted,
        no_history: checked.scenario.expect.is_empty() && !pictures_wanted,
        verbose: output.verbose,
        #[cfg(feature = "planted-bugs")]
        planted_bug: output.planted_bug,
        ..linksim::RunOptions::default()
    };
    let sink = out
        .as_mut()
        .and_then(|o| o.writer.take())
        .map(|w| linksim::TraceSink::new(w, &checked.scenario.name));
    let again = check_determinism.then(|| checked.clone());
    let (report, sink) = linksim::run_streaming(checked, options, sink);
    if let (Some(out), Some(sink)) = (out.as_mut(), sink) {
        out.writer = Some(sink.out);
        out.error = out.error.take().or(sink.error);
    }
    let mut file_code = report.exit_code();
    if !output.json {
        outln!(
            "== {} ({}, seed {})",
            report.name,
            file.display(),
            report.seed
        );
        if !output.quiet {
            out!("{}", report.timeline_styled(output.color));
        }
        out!("{}", report.verdict_text());
    }
    let determinism = again.map(|checked| {
        let again = linksim::run_with(checked, options);
        let same = again.trace_hash == report.trace_hash && again.steps == report.steps;
        match (output.json, same) {
            (true, _) => {}
            (false, true) => outln!(
                "ok   determinism: two runs gave the same trace ({} steps, hash {:016x})",
                report.steps,
                report.trace_hash
            ),
            (false, false) => outln!("FAIL determinism (I10): two runs of the same seed gave different traces ({:016x} vs {:016x})", report.trace_hash, again.trace_hash),
        }
        same
    });
    if determinism == Some(false) {
        file_code = worse_exit_code(file_code, EXIT_INVARIANT);
    }
    if let Err(e) = pictures.write(&report, output.json) {
        errln!("error: {e}");
        file_code = worse_exit_code(file_code, EXIT_BAD_INPUT);
    }
    if output.json {
        let mut json = report.json();
        json["file"] = file.display().to_string().into();
        json["exit_code"] = file_code.into();
        json["determinism"] = determinism.into();
        if determinism == Some(false) {
            json["verdict"] = "determinism_failed".into();
        }
        outln!("{json}");
    } else {
        outln!(
            "{} {} ({} steps)\n",
            if file_code == EXIT_OK { "PASS" } else { "FAIL" },
            report.name,
            report.steps
        );
    }
    file_code
}

fn new_scenario(name: &str) -> i32 {
    let path = if name.ends_with(".json") {
        PathBuf::from(name)
    } else {
        PathBuf::from(format!("{name}.json"))
    };
    let stem = path
        .file_stem()
        .map_or(name.to_string(), |s| s.to_string_lossy().into_owned());
    if path.exists() {
        errln!(
            "error: {} exists; choose another name or remove it",
            path.display()
        );
        return EXIT_BAD_INPUT;
    }
    let text = linksim::starter::scenario(&stem);
    if let Err(e) = std::fs::write(&path, text) {
        errln!("error: cannot write {}: {e}", path.display());
        return EXIT_BAD_INPUT;
    }
    outln!(
        "wrote {}; run it with: linksim run {}",
        path.display(),
        path.display()
    );
    EXIT_OK
}

fn explore(
    seeds: &str,
    jobs: usize,
    shard: Option<&str>,
    json: bool,
    out: &Path,
    options: &linksim::explore::ExploreOptions,
) -> i32 {
    use linksim::explore;
    let range = match linksim::seeds::parse_range(seeds) {
        Ok(range) => range,
        Err(e) => {
            errln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let shard = match shard.map(linksim::seeds::parse_shard).transpose() {
        Ok(shard) => shard.unwrap_or((1, 1)),
        Err(e) => {
            errln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let set = linksim::seeds::SeedSet::new(range.clone(), shard);
    if set.count > explore::MAX_SEEDS {
        errln!(
            "error: {} seeds in one run; at most {} (split the range with --shard or into several runs)",
            set.count,
            explore::MAX_SEEDS
        );
        return EXIT_BAD_INPUT;
    }
    let bar = (!json && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(set.count);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} seeds  {per_sec}  eta {eta}",
            )
            .expect("a valid template"),
        );
        bar
    });
    // The wall clock measures throughput only; it never enters a run.
    let started = std::time::Instant::now();
    let tally = explore_set(&set, jobs, options, bar.as_ref());
    let wall = started.elapsed().as_secs_f64().max(1e-9);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let (simulated, liveness, steps) = (tally.simulated_s, tally.liveness, tally.steps);
    let mut found = Vec::new();
    for result in &tally.violators {
        let violation = result.found.clone().expect("filtered");
        let original = explore::generate(result.seed);
        let shrunk = explore::shrink(&original, violation.invariant, options);
        let file = out.join(format!("explore-{}.json", result.seed));
        let written = serde_json::to_string_pretty(&shrunk)
            .map_err(|e| e.to_string())
            .and_then(|text| std::fs::write(&file, text + "\n").map_err(|e| e.to_string()));
        if let Err(e) = written {
            errln!("error: cannot write {}: {e}", file.display());
        }
        found.push((
            result.seed,
            violation,
            file,
            explore::size(&original),
            explore::size(&shrunk),
        ));
    }
    let violations = tally.violations;
    let shard_text = format!("{}/{}", shard.0, shard.1);
    if json {
        let summary = serde_json::json!({
            "seeds": set.count,
            "range": format!("{}..{}", range.start, range.end),
            "shard": shard_text,
            "jobs": jobs,
            "wall_s": wall,
            "seeds_per_s": set.count as f64 / wall,
            "simulated_s_per_wall_s": simulated / wall,
            "steps": steps,
            "liveness_checked": liveness,
            "violations": violations,
            "found": found.iter().map(|(seed, v, file, before, after)| serde_json::json!({
                "seed": seed, "invariant": v.invariant, "server": v.server, "at_ns": v.at_ns,
                "detail": v.detail, "shrunk_file": file.display().to_string(),
                "size_before": before, "size_after": after,
            })).collect::<Vec<_>>(),
        });
        outln!("{}", serde_json::to_string_pretty(&summary).expect("JSON"));
    } else {
        outln!(
            "explored {} seed(s) of {}..{} (shard {shard_text}) on {jobs} thread(s) in {wall:.2} s: {:.0} seeds/s, {:.0} simulated s per wall s, {steps} core steps",
            set.count,
            range.start,
            range.end,
            set.count as f64 / wall,
            simulated / wall
        );
        outln!(
            "L1 was claimed and checked in {liveness} of {} seed(s) (the others had no healthy connector their roles allow, or a flapping one)",
            set.count
        );
        #[cfg(feature = "planted-bugs")]
        let planted = options
            .planted_bug
            .map_or(String::new(), |b| format!(" --planted-bug {b}"));
        #[cfg(not(feature = "planted-bugs"))]
        let planted = "";
        for (seed, v, file, before, after) in &found {
            let server = v
                .server
                .as_deref()
                .map_or(String::new(), |s| format!(" on {s}"));
            outln!(
                "VIOLATION seed {seed}: {}{server} at {}: {}\n  shrunk from {before} to {after} elements: {}\n  replay: linksim run {}{planted}   (or: linksim explore --seeds {seed}..{}{planted})",
                v.invariant,
                link_core::Instant::from_nanos(v.at_ns),
                v.detail,
                file.display(),
                file.display(),
                seed + 1
            );
        }
        outln!(
            "explore: {} passed, {violations} failed",
            set.count - violations
        );
    }
    tally.exit_code
}

/// What an exploration saw, summed seed by seed: memory stays constant however many
/// seeds run.
#[derive(Default)]
struct Tally {
    simulated_s: f64,
    liveness: u64,
    steps: u64,
    violations: u64,
    /// The worst exit code the violations call for (see `linksim::violation_exit_code`).
    exit_code: i32,
    /// The first violating seeds (at most [`VIOLATIONS_SHOWN`]), to shrink and show.
    violators: Vec<linksim::explore::SeedResult>,
}

/// How many violations `explore` shrinks and prints.
const VIOLATIONS_SHOWN: usize = 10;

/// Seeds run per batch: results are summed after each and dropped.
const BATCH: u64 = 1 << 16;

/// Runs every seed of `set` in batches, on `jobs` threads.
fn explore_set(
    set: &linksim::seeds::SeedSet,
    jobs: usize,
    options: &linksim::explore::ExploreOptions,
    bar: Option<&indicatif::ProgressBar>,
) -> Tally {
    let mut tally = Tally::default();
    let mut from = 0;
    while from < set.count {
        let batch = set.slice(from, BATCH);
        let before = from;
        let progress = |done: u64| {
            if let Some(bar) = bar {
                bar.set_position(before + done);
            }
        };
        for result in linksim::explore::run_seeds(&batch, jobs, options, &progress) {
            tally.simulated_s += result.simulated.as_secs_f64();
            tally.liveness += u64::from(result.liveness_checked);
            tally.steps += result.steps;
            if let Some(found) = &result.found {
                tally.violations += 1;
                let code = linksim::violation_exit_code(found.invariant);
                tally.exit_code = worse_exit_code(tally.exit_code, code);
                if tally.violators.len() < VIOLATIONS_SHOWN {
                    tally.violators.push(result);
                }
            }
        }
        from += batch.len() as u64;
    }
    tally
}
