//! `linksim sweep --merge PARTS...`: shard outputs in, one sweep's outputs out. Each
//! part is read and proven whole ([`linksim::sweep::file::read`]) before anything is
//! built from it; the parts must be shards of one sweep, every one of them once.

use linksim::sweep::{self, output};
use linksim::Exit;

use crate::outputs::Outputs;
use crate::sweep::{say, write_outputs, SweepFlags};

/// The most bytes of one part read.
const MAX_PART_BYTES: u64 = 256 << 20;

/// Merges the parts the flags name and writes the merged outputs.
pub fn command(flags: &SweepFlags) -> Result<Exit, String> {
    if !flags.worst.is_empty() || !flags.sets.is_empty() {
        return Err("--merge reads sweep JSON outputs: --set and --worst belong to the sweeps that wrote them".into());
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
    let parts = flags
        .files
        .iter()
        .map(|p| {
            let shown = linksim::printable_path(p);
            let text = linksim::scenario::read_regular_file(p, MAX_PART_BYTES)
                .map_err(|e| format!("{shown}: {e}"))?;
            sweep::file::read(&text).map_err(|e| format!("{shown}: {e}"))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let report = output::merge(parts).map_err(|e| e.to_string())?;
    if flags.svg.is_some() {
        if let Some(problem) = sweep::page::plot_problem(&report) {
            return Err(format!("--svg: {problem}"));
        }
    }
    let written = write_outputs(&report, flags);
    let mut exit = Exit::Pass;
    for (i, a) in report.results.aggregates.iter().enumerate() {
        if let Some((seed, found)) = &a.first_violation {
            exit = exit.worse(Exit::of_violation(found.invariant));
            let text = format!(
                "VIOLATION in {} seed {seed}: {}: {} (run the sweep of that seed to write its scenario)",
                report.label(i),
                found.invariant,
                found.detail
            );
            say(flags, &text);
        }
    }
    Ok(exit.worse(written))
}
