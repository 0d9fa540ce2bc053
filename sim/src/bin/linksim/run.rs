//! `linksim run`: runs scenario files and prints each one's timeline and verdicts (or
//! one JSON object per run), writes the trace and the pictures asked for, and checks
//! determinism (I10) by running each scenario twice.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use linksim::{scenario, Exit, RunReport};

use crate::files::expand;
use crate::outputs::Outputs;

/// `linksim run`'s flags.
#[derive(clap::Args)]
pub struct RunFlags {
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
    /// Replace an existing scenario file named as an output (--trace, --svg, --html).
    #[arg(long)]
    overwrite: bool,
    /// The most core steps a run may make; a run that needs more stops with an
    /// error (exit 3), never a partial success.
    #[arg(long, value_name = "N", default_value_t = linksim::DEFAULT_STEP_BUDGET, value_parser = clap::value_parser!(u64).range(1..))]
    max_steps: u64,
    /// How the cores' invariants are checked after every step: auto (incremental for
    /// a core of more than 16 links), full (a pass over every link) or incremental;
    /// the verdicts are the same whichever way.
    #[arg(long, value_enum, default_value_t = linksim::CheckMode::Auto)]
    checks: linksim::CheckMode,
    /// Plant a deliberate bug in every core (test builds only), to replay what
    /// `explore --planted-bug` found.
    #[cfg(feature = "planted-bugs")]
    #[arg(long, value_name = "NAME")]
    planted_bug: Option<String>,
}

/// How `run` prints and what it writes besides.
struct Output {
    access: scenario::Access,
    /// The options of every run but those the scenario decides (history).
    options: linksim::RunOptions,
    check_determinism: bool,
    quiet: bool,
    /// One JSON object per run on standard output, nothing else there.
    json: bool,
    color: bool,
    pictures: Pictures,
}

/// Where to write the pictures of a run.
struct Pictures {
    svg: Option<PathBuf>,
    html: Option<PathBuf>,
    options: linksim::picture::Options,
}

impl Output {
    /// What `flags` ask for.
    fn of(flags: &RunFlags) -> Result<Self, Exit> {
        #[cfg(feature = "planted-bugs")]
        let planted_bug = crate::planted::parse(flags.planted_bug.as_deref())?;
        let pictures = Pictures {
            svg: flags.svg.clone(),
            html: flags.html.clone(),
            options: linksim::picture::Options {
                linear_time: flags.linear_time,
            },
        };
        let quiet = flags.quiet || flags.json;
        // In test builds every field is given; elsewhere the update fills the rest.
        #[allow(clippy::needless_update)]
        let options = linksim::RunOptions {
            hash_trace: flags.check_determinism,
            step_budget: Some(flags.max_steps),
            // Under --quiet only the timeline's last lines, for a violation's context.
            timeline_tail: quiet && !pictures.wanted(),
            verbose: flags.verbose,
            checks: flags.checks,
            #[cfg(feature = "planted-bugs")]
            planted_bug,
            ..linksim::RunOptions::default()
        };
        Ok(Output {
            access: scenario::Access {
                options_outside: flags.options_outside,
                ..scenario::Access::default()
            },
            options,
            check_determinism: flags.check_determinism,
            quiet,
            json: flags.json,
            color: linksim::use_color(
                std::io::stdout().is_terminal(),
                std::env::var_os("NO_COLOR").as_deref(),
            ),
            pictures,
        })
    }

    /// A message after the runs: on standard error when standard output is JSON.
    fn say(&self, text: &str) {
        crate::out::say(self.json, text);
    }
}

impl Pictures {
    fn wanted(&self) -> bool {
        self.svg.is_some() || self.html.is_some()
    }

    fn write(&self, report: &RunReport, output: &Output) -> Result<(), String> {
        type Render = fn(&RunReport, linksim::picture::Options) -> String;
        let renderers: [(&Option<PathBuf>, Render); 2] = [
            (&self.svg, linksim::picture::svg_with),
            (&self.html, linksim::picture::html_with),
        ];
        for (path, render) in renderers {
            if let Some(path) = path {
                std::fs::write(path, render(report, self.options))
                    .map_err(|e| format!("cannot write {}: {e}", linksim::printable_path(path)))?;
                output.say(&format!(
                    "picture written to {}",
                    linksim::printable_path(path)
                ));
            }
        }
        Ok(())
    }
}

/// Runs every file the flags name; the worst outcome.
pub fn command(flags: RunFlags) -> Exit {
    let output = match Output::of(&flags) {
        Ok(output) => output,
        Err(exit) => return exit,
    };
    let files = match expand(&flags.paths) {
        Ok(files) => files,
        Err(e) => {
            errln!("error: {e}");
            return Exit::NoVerdict;
        }
    };
    if output.pictures.wanted() && files.len() != 1 {
        errln!(
            "error: --svg and --html draw one scenario; {} were given",
            files.len()
        );
        return Exit::NoVerdict;
    }
    if let Err(e) = check_outputs(&flags, &files) {
        errln!("error: {e}");
        return Exit::NoVerdict;
    }
    let mut trace = match flags.trace.as_deref().map(TraceOut::open).transpose() {
        Ok(trace) => trace,
        Err(e) => {
            errln!("error: {e}");
            return Exit::NoVerdict;
        }
    };
    let (mut exit, [passed, failed, not_run]) = run_files(&files, &output, &mut trace);
    if let (Some(trace), Some(path)) = (trace, flags.trace.as_deref()) {
        exit = exit.worse(trace.close(path));
    }
    let not_run = match not_run {
        0 => String::new(),
        n => format!(", {n} could not run (no verdict)"),
    };
    output.say(&format!(
        "linksim: {passed} passed, {failed} failed{not_run}"
    ));
    exit
}

/// Every file the flags ask to write, checked before anything runs: never an input,
/// never an existing scenario unless `--overwrite` ([`Outputs`]).
fn check_outputs(flags: &RunFlags, files: &[PathBuf]) -> Result<(), String> {
    let inputs: Vec<PathBuf> = flags.paths.iter().chain(files).cloned().collect();
    let outputs = Outputs::new(&inputs, flags.overwrite);
    let named = [
        ("--trace", &flags.trace),
        ("--svg", &flags.svg),
        ("--html", &flags.html),
    ];
    for (flag, path) in named {
        if let Some(path) = path {
            outputs.check(flag, path)?;
        }
    }
    Ok(())
}

/// Runs each file in turn; the worst outcome, and how many passed, failed and could
/// not run (a file that cannot be read or checked).
fn run_files(files: &[PathBuf], output: &Output, trace: &mut Option<TraceOut>) -> (Exit, [u64; 3]) {
    let mut exit = Exit::Pass;
    let mut counts = [0; 3];
    for file in files {
        let file_exit = match scenario::load_with(file, output.access) {
            Ok(checked) => run_one(file, checked, output, trace),
            Err(e) => {
                errln!("error: {e}");
                counts[2] += 1;
                exit = exit.worse(Exit::NoVerdict);
                continue;
            }
        };
        counts[usize::from(file_exit != Exit::Pass)] += 1;
        exit = exit.worse(file_exit);
    }
    (exit, counts)
}

/// The trace file between runs: handed to each run's [`linksim::TraceSink`] and back.
struct TraceOut {
    writer: Option<Box<dyn std::io::Write>>,
    error: Option<std::io::Error>,
}

impl TraceOut {
    /// The trace file, buffered; several scenarios share it, each line naming its
    /// scenario.
    fn open(path: &Path) -> Result<TraceOut, String> {
        let file = std::fs::File::create(path).map_err(|e| {
            format!(
                "cannot write the trace to {}: {e}",
                linksim::printable_path(path)
            )
        })?;
        Ok(TraceOut {
            writer: Some(Box::new(std::io::BufWriter::new(file))),
            error: None,
        })
    }

    /// A sink for the run of `checked`.
    fn sink(&mut self, checked: &scenario::Checked) -> Option<linksim::TraceSink> {
        let writer = self.writer.take()?;
        Some(linksim::TraceSink::new(writer, &checked.scenario.name))
    }

    /// The sink back from a run, with any write error it met.
    fn give_back(&mut self, sink: linksim::TraceSink) {
        self.writer = Some(sink.out);
        self.error = self.error.take().or(sink.error);
    }

    /// Flushes the file; no verdict if any write failed.
    fn close(self, path: &Path) -> Exit {
        let flushed = match (self.error, self.writer) {
            (Some(e), _) => Err(e),
            (None, Some(mut w)) => w.flush(),
            (None, None) => Err(std::io::Error::other("the trace writer was lost")),
        };
        match flushed {
            // Nothing ran (every file failed to load): no empty file is left behind.
            Ok(()) if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) => {
                let _ = std::fs::remove_file(path);
                Exit::Pass
            }
            Ok(()) => Exit::Pass,
            Err(e) => {
                errln!(
                    "error: cannot write the trace to {}: {e}",
                    linksim::printable_path(path)
                );
                Exit::NoVerdict
            }
        }
    }
}

/// Runs one checked scenario, prints it, and returns its outcome.
fn run_one(
    file: &Path,
    checked: scenario::Checked,
    output: &Output,
    trace: &mut Option<TraceOut>,
) -> Exit {
    // Keep no history without expectations or pictures, so that memory does not grow
    // with the length of a run nobody reads (trace lines are streamed to their file).
    let options = linksim::RunOptions {
        no_history: checked.scenario.expect.is_empty() && !output.pictures.wanted(),
        ..output.options
    };
    let sink = trace.as_mut().and_then(|t| t.sink(&checked));
    let again = output.check_determinism.then(|| checked.clone());
    let (report, sink) = linksim::run_streaming(checked, options, sink);
    if let (Some(trace), Some(sink)) = (trace.as_mut(), sink) {
        trace.give_back(sink);
    }
    let mut exit = report.exit();
    if !output.json {
        print_report(file, &report, output);
    }
    let determinism = again.map(|checked| same_again(&report, checked, options, output));
    if determinism == Some(false) {
        exit = exit.worse(Exit::Safety);
    }
    if let Err(e) = output.pictures.write(&report, output) {
        errln!("error: {e}");
        exit = exit.worse(Exit::NoVerdict);
    }
    print_end(file, &report, output, exit, determinism);
    exit
}

/// The header, the timeline (unless quiet) and the verdicts.
fn print_report(file: &Path, report: &RunReport, output: &Output) {
    let summary = &report.summary;
    let header = format!(
        "== {} ({}, seed {})\n",
        summary.name,
        linksim::printable_path(file),
        summary.seed
    );
    out!("{}", linksim::wrap::wrap(&header, 3));
    if !output.quiet {
        out!("{}", report.timeline_styled(output.color));
    }
    out!("{}", report.verdict_text());
}

/// I10: whether a second run of `checked` gives the same trace; said unless JSON.
fn same_again(
    report: &RunReport,
    checked: scenario::Checked,
    options: linksim::RunOptions,
    output: &Output,
) -> bool {
    let again = linksim::run_with(checked, options);
    let same = again.trace_hash == report.trace_hash && again.summary.steps == report.summary.steps;
    match (output.json, same) {
        (true, _) => {}
        (false, true) => outln!(
            "ok   determinism: two runs gave the same trace ({} steps, hash {:016x})",
            report.summary.steps,
            report.trace_hash
        ),
        (false, false) => outln!("FAIL determinism (I10): two runs of the same seed gave different traces ({:016x} vs {:016x})", report.trace_hash, again.trace_hash),
    }
    same
}

/// The run's last line: PASS or FAIL, or its JSON object.
fn print_end(
    file: &Path,
    report: &RunReport,
    output: &Output,
    exit: Exit,
    determinism: Option<bool>,
) {
    if !output.json {
        let word = if exit == Exit::Pass { "PASS" } else { "FAIL" };
        outln!(
            "{word} {} ({} steps)\n",
            report.summary.name,
            report.summary.steps
        );
        return;
    }
    let mut json = report.json();
    json["file"] = linksim::printable_path(file).into();
    json["exit_code"] = exit.code().into();
    json["determinism"] = determinism.into();
    if determinism == Some(false) {
        json["verdict"] = "determinism_failed".into();
    }
    outln!("{json}");
}
