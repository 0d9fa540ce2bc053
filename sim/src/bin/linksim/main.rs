//! `linksim`: run, check and describe link-selection scenarios, explore drawn worlds
//! and sweep settings. One file per subcommand; each returns how the command ends as
//! an [`Exit`], whose values are the exit codes. See `linksim --help` and
//! `scenarios/README.md`.

#[macro_use]
mod out;
mod check;
mod explore;
mod explore_summary;
mod files;
mod hint;
mod merge;
mod new;
mod outputs;
mod planted;
mod progress;
mod run;
mod schema;
mod sweep;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Deterministic simulator for prioritized CTI link selection and failover.
#[derive(Parser)]
#[command(name = "linksim", version, max_term_width = 100, about, long_about = None, after_help = "\
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
    Run(run::RunFlags),
    /// Check scenario files without running them.
    #[command(after_help = "Example:\n  linksim check scenarios/*.json")]
    Check(check::CheckFlags),
    /// Print the JSON Schema of the scenario format.
    #[command(after_help = "Example:\n  linksim schema > scenario.schema.json")]
    Schema,
    /// Swarm testing: draw a world per seed, inject faults, check every invariant, and
    /// shrink what fails into a scenario file that `linksim run` replays.
    #[command(after_help = "\
Examples:
  linksim explore --seeds 0..5000 --coverage
  linksim explore --seeds 0..1000000 --jobs 2 --shard 3/8 --json > part3.json
  linksim explore --seeds 0..1000000 --shard-from slurm --json   (in an sbatch --array task)
  linksim explore --merge part1.json part2.json ... part8.json

Exit codes: 0 no violation, 1 (--require-coverage) a rule mark no seed reached, 2 a
safety violation was found, 4 only liveness violations were found (each shrunk scenario
is written to --out), 3 bad arguments, or only worlds that used their whole step
budget.")]
    Explore(explore::ExploreFlags),
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
  linksim sweep a.json --seeds 0..100000 --shard-index 1 --shards 4 --json part2.json
  linksim sweep --merge part1.json part2.json part3.json part4.json --csv all.csv

Keys: a timing option (connect_tout, restart_timeout, kpl_interval, kpl_tolerance,
kpl_loss_rate), a top-level field (run_for), or a path: links.NAME.priority,
connectors.NAME.accept_after, network.latency, management.switch_after.

Results do not depend on --jobs or the sharding; the same command writes the same CSV.
Exit codes: 0 no violation, 2 a safety violation, 4 only liveness violations (each
written as a scenario file to --out), 3 bad input.")]
    Sweep(sweep::SweepFlags),
    /// Write a commented starter scenario that runs as is.
    #[command(after_help = "Example:\n  linksim new my-failover && linksim run my-failover.json")]
    New(new::NewFlags),
}

fn main() -> ExitCode {
    // clap exits 2 on a bad argument, which is linksim's safety code: its errors are
    // "no verdict" (3) like every other bad input; help and --version succeed.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // Plain text, escaped: clap quotes the bad argument as it came.
            errln!("{}", e.render().to_string().trim_end());
            return linksim::Exit::NoVerdict.into();
        }
        Err(e) => {
            let _ = e.print();
            return linksim::Exit::Pass.into();
        }
    };
    let exit = match cli.command {
        Command::Run(flags) => run::command(flags),
        Command::Check(flags) => check::command(flags),
        Command::Schema => schema::command(),
        Command::Explore(flags) => explore::command(flags),
        Command::Sweep(flags) => sweep::command(flags),
        Command::New(flags) => new::command(flags),
    };
    out::finish(exit).into()
}
