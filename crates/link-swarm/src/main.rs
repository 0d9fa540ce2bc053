//! `link-swarm`: runs link-tokio's driver on turmoil's simulated network over a range of
//! seeds, with faults, and checks what it did. Exit 0: no violation; 2: a seed failed
//! (each failing seed is printed with the command that replays it); 3: bad arguments.

use std::ops::Range;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use link_swarm::swarm::{many_in, Outcome, MAX_SEED};
use link_swarm::{Summary, World};
use link_tokio::DriverBug;

/// Deterministic simulation of link-tokio's driver under turmoil: faults drawn from
/// each seed, every record checked against a replayed core, timers, L1 and leaks.
#[derive(Parser, Debug)]
#[command(
    name = "link-swarm",
    max_term_width = 100,
    after_help = "Examples:\n  link-swarm --seeds 0..300\n  link-swarm --seed 17 --records\n  link-swarm --seeds 0..50 --planted-bug close-keeps-socket   (needs --features planted-bugs)"
)]
struct Args {
    /// The seeds to run, as START..END (END excluded).
    #[arg(long, value_parser = parse_range, default_value = "0..100")]
    seeds: Range<u64>,
    /// Which shard of the seeds to run (CI, or a batch scheduler's array).
    #[command(flatten)]
    shard: link_model::seeds::ShardFlags,
    /// Run this one seed only (with --records, print what the driver did).
    #[arg(long, conflicts_with = "seeds", value_parser = parse_seed)]
    seed: Option<u64>,
    /// Print the seed's world and every record the driver reported.
    #[arg(long, requires = "seed", conflicts_with_all = ["check_determinism", "quiet"])]
    records: bool,
    /// Threads to run seeds on (1-64).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    /// Plant a driver bug (needs the planted-bugs feature): close-keeps-socket.
    #[arg(long, value_parser = parse_bug)]
    planted_bug: Option<DriverBug>,
    /// Print only the summary and failures.
    #[arg(long)]
    quiet: bool,
    /// Run every seed twice and fail any whose records differ (determinism).
    #[arg(long)]
    check_determinism: bool,
}

/// `println!` that never panics: once a reader has closed standard output (`| head`),
/// the rest is dropped and the seeds still run to their verdict.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

fn parse_range(text: &str) -> Result<Range<u64>, String> {
    let range = link_model::seeds::parse_range(text).map_err(|e| e.to_string())?;
    if range.end > MAX_SEED + 1 {
        return Err(format!("{text:?} goes past the largest seed, {MAX_SEED}"));
    }
    Ok(range)
}

fn parse_seed(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(seed) if seed <= MAX_SEED => Ok(seed),
        Ok(_) => Err(format!("{text} is past the largest seed, {MAX_SEED}")),
        Err(e) => Err(format!("{text:?}: {e}")),
    }
}

fn parse_bug(name: &str) -> Result<DriverBug, String> {
    if !cfg!(feature = "planted-bugs") {
        return Err("planted bugs need a build with --features planted-bugs".to_owned());
    }
    DriverBug::from_name(name).ok_or_else(|| {
        let all: Vec<&str> = DriverBug::ALL.iter().map(|b| b.name()).collect();
        format!("no planted driver bug {name:?}; one of {}", all.join(", "))
    })
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => return link_tokio::terminal::clap_exit(&e, 3),
    };
    if let (Some(seed), true) = (args.seed, args.records) {
        return print_records(seed, args.planted_bug);
    }
    let range = args
        .seed
        .map_or(args.seeds.clone(), |s| s..s.saturating_add(1));
    let shard = match args.shard.resolve() {
        Ok(shard) => shard,
        Err(e) => {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "error: {e}");
            return ExitCode::from(3);
        }
    };
    let seeds = link_model::seeds::SeedSet::new(range, shard);
    if seeds.count == 0 {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "error: shard {}/{} of the seeds holds no seed: nothing would run",
            shard.0,
            shard.1
        );
        return ExitCode::from(3);
    }
    let started = Instant::now();
    let jobs = usize::from(args.jobs);
    let outcomes = many_in(seeds, jobs, args.planted_bug);
    for outcome in &outcomes {
        report(outcome, &args);
    }
    let differing = match args.check_determinism {
        true => differing(&outcomes, &many_in(seeds, jobs, args.planted_bug)),
        false => Vec::new(),
    };
    let summary = Summary::of(&outcomes);
    outln!("{summary}");
    if args.check_determinism {
        match differing.is_empty() {
            true => outln!("determinism: every seed ran twice with the same records"),
            false => {
                outln!(
                    "determinism FAILED: seeds {differing:?} gave other records the second time"
                );
                for seed in &differing {
                    outln!(
                        "  replay: cargo run --release -p link-swarm{} --seed {seed} --check-determinism",
                        bug_flags(args.planted_bug)
                    );
                }
            }
        }
    }
    outln!("wall time {:.1} s", started.elapsed().as_secs_f64());
    match summary.failed.is_empty() && differing.is_empty() {
        true => ExitCode::SUCCESS,
        false => ExitCode::from(2),
    }
}

/// What a replay command needs after `-p link-swarm`: the feature and the bug, if one is
/// planted, and the `--` before the swarm's own flags.
fn bug_flags(bug: Option<DriverBug>) -> String {
    bug.map(|b| format!(" --features planted-bugs -- --planted-bug {}", b.name()))
        .unwrap_or_else(|| " --".to_owned())
}

/// The seeds whose second run's records differ from the first's.
fn differing(first: &[Outcome], second: &[Outcome]) -> Vec<u64> {
    first
        .iter()
        .zip(second)
        .filter(|(a, b)| a.fingerprint != b.fingerprint)
        .map(|(a, _)| a.seed)
        .collect()
}

/// One seed's line: always when it failed (with its replay command), else unless quiet.
fn report(outcome: &Outcome, args: &Args) {
    match &outcome.result {
        Ok(verdict) if !args.quiet => outln!("seed {}: ok ({verdict:?})", outcome.seed),
        Ok(_) => {}
        Err(failure) => {
            let bug = bug_flags(args.planted_bug);
            outln!("seed {}: FAILED: {failure}", outcome.seed);
            outln!(
                "  replay: cargo run --release -p link-swarm{bug} --seed {} --records",
                outcome.seed
            );
        }
    }
}

/// `--seed N --records`: the world, the driver's records, the checks' verdict.
fn print_records(seed: u64, bug: Option<DriverBug>) -> ExitCode {
    let world = World::draw(seed);
    outln!("{}", world.to_string().trim_end());
    let observed = match link_swarm::run(&world, bug) {
        Ok(observed) => observed,
        Err(e) => {
            outln!("seed {seed}: FAILED: {e}");
            return ExitCode::from(2);
        }
    };
    for record in &observed.records {
        outln!("{}", record.text(&world.config));
    }
    let most: Vec<String> = observed
        .streams_most
        .iter()
        .map(|n| n.to_string())
        .collect();
    outln!(
        "streams: at most {} at once to each connector; {} after the shutdown",
        most.join(", "),
        observed
            .streams_after_shutdown
            .map_or("not counted".to_string(), |n| n.to_string())
    );
    match link_swarm::check(&world, &observed) {
        Ok(verdict) => {
            outln!("seed {seed}: ok: {verdict}");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            outln!("seed {seed}: FAILED: {failure}");
            ExitCode::from(2)
        }
    }
}
