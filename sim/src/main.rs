//! `linksim`: run, check and describe link-selection scenarios. See `linksim --help`
//! and `scenarios/README.md`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use linksim::{scenario, RunReport, EXIT_BAD_INPUT, EXIT_INVARIANT, EXIT_OK};

/// Deterministic simulator for prioritized CTI link selection and failover.
#[derive(Parser)]
#[command(name = "linksim", version, about, long_about = None, after_help = "\
Exit codes: 0 every expectation and invariant held, 1 an expectation failed,
2 an invariant was violated, 3 bad input (the highest code of all files wins).

Examples:
  linksim run scenarios/ha-primary-failover.json
  linksim run scenarios/ --check-determinism
  linksim run scenarios/r06-tie-first-normal-wins.json --trace trace.jsonl
  linksim check scenarios/*.json
  linksim schema > scenario.schema.json")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenarios and print each one's timeline and verdicts.
    #[command(
        after_help = "Examples:\n  linksim run scenarios/ha-primary-failover.json\n  linksim run scenarios/ --quiet\n  linksim run my.json --trace my.jsonl"
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
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check scenario files without running them.
    #[command(after_help = "Example:\n  linksim check scenarios/*.json")]
    Check {
        /// Scenario files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print the JSON Schema of the scenario format.
    Schema,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run {
            paths,
            trace,
            check_determinism,
            quiet,
        } => run(&paths, trace.as_deref(), check_determinism, quiet),
        Command::Check { paths } => check(&paths),
        Command::Schema => {
            println!("{}", linksim::schema_json());
            EXIT_OK
        }
    };
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

fn check(paths: &[PathBuf]) -> i32 {
    let files = match expand(paths) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let mut code = EXIT_OK;
    for file in &files {
        match scenario::load(file) {
            Ok(c) => println!(
                "ok    {}  ({}: {} link(s), {} server(s), {} fault(s), {} expectation(s))",
                file.display(),
                c.scenario.name,
                c.config.links.len(),
                c.servers.len(),
                c.scenario.faults.len(),
                c.scenario.expect.len()
            ),
            Err(e) => {
                eprintln!("error: {e}");
                code = EXIT_BAD_INPUT;
            }
        }
    }
    code
}

fn run(paths: &[PathBuf], trace: Option<&Path>, check_determinism: bool, quiet: bool) -> i32 {
    let files = match expand(paths) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let mut code = EXIT_OK;
    let mut trace_lines: Vec<String> = Vec::new();
    let (mut passed, mut failed) = (0, 0);
    for file in &files {
        let checked = match scenario::load(file) {
            Ok(checked) => checked,
            Err(e) => {
                eprintln!("error: {e}");
                code = code.max(EXIT_BAD_INPUT);
                failed += 1;
                continue;
            }
        };
        let record = trace.is_some() || check_determinism;
        let report = linksim::run(checked.clone(), record);
        let mut file_code = report.exit_code();
        println!(
            "== {} ({}, seed {})",
            report.name,
            file.display(),
            report.seed
        );
        if !quiet {
            print!("{}", report.timeline_text());
        }
        print!("{}", report.verdict_text());
        if check_determinism {
            let again = linksim::run(checked, true);
            if again.trace_hash == report.trace_hash && again.trace == report.trace {
                println!(
                    "ok   determinism: two runs gave the same trace ({} lines, hash {:016x})",
                    report.trace.len(),
                    report.trace_hash
                );
            } else {
                println!("FAIL determinism (I10): two runs of the same seed gave different traces ({:016x} vs {:016x})", report.trace_hash, again.trace_hash);
                file_code = file_code.max(EXIT_INVARIANT);
            }
        }
        if trace.is_some() {
            collect_trace(&report, &mut trace_lines);
        }
        println!(
            "{} {} ({} steps)\n",
            if file_code == EXIT_OK { "PASS" } else { "FAIL" },
            report.name,
            report.steps
        );
        if file_code == EXIT_OK {
            passed += 1;
        } else {
            failed += 1;
        }
        code = code.max(file_code);
    }
    if let Some(path) = trace {
        let mut text = trace_lines.join("\n");
        text.push('\n');
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("error: cannot write the trace to {}: {e}", path.display());
            code = code.max(EXIT_BAD_INPUT);
        }
    }
    println!("linksim: {passed} passed, {failed} failed");
    code
}

/// Adds the scenario's name to each trace line so several scenarios can share a file.
fn collect_trace(report: &RunReport, into: &mut Vec<String>) {
    let name = serde_json::to_string(&report.name).expect("a string serializes");
    into.extend(
        report
            .trace
            .iter()
            .map(|line| format!("{{\"scenario\":{name},{}", &line[1..])),
    );
}
