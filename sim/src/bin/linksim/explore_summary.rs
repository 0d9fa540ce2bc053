//! What `linksim explore` prints, as one typed [`Summary`]: its `--json` (format 1,
//! keys in name order), its text, and `explore --merge PARTS...`, which reads the JSON
//! of a run's shards back and sums them into what the unsharded run prints (timings
//! and `jobs` aside). A merge refuses parts of different runs (format, build, range,
//! step budget, planted bug) and a shard missing or given twice, before it sums
//! anything.

use std::collections::BTreeSet;
use std::path::PathBuf;

use linksim::coverage::{Coverage, EXPLORE_UNREACHED};
use linksim::Exit;
use serde::{Deserialize, Serialize};

/// The format version of `explore --json`.
pub const FORMAT: u64 = 1;

/// How many violations a summary shows (each shrunk and written): the lowest seeds.
pub const VIOLATIONS_SHOWN: usize = 10;

/// The most bytes of one part `--merge` reads.
const MAX_PART_BYTES: u64 = 64 << 20;

/// One exploration's outcome, as `--json` writes it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Which build drew the worlds: the version and a fingerprint of the worlds of the
    /// first seeds (parts of other builds do not merge).
    pub build: String,
    /// The rule marks reached, with `--coverage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<serde_json::Value>,
    /// The exit code the violations call for (0: none).
    pub exit: u8,
    /// The violations shown: the lowest violating seeds, at most [`VIOLATIONS_SHOWN`].
    pub found: Vec<FoundEntry>,
    /// Threads used (machine-dependent, not a result).
    pub jobs: usize,
    /// Seeds where L1 was claimed and checked.
    pub liveness_checked: u64,
    /// The format version ([`FORMAT`]).
    pub linksim_explore: u64,
    /// Each world's step budget.
    pub max_steps: u64,
    /// The planted bug, in test builds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planted_bug: Option<String>,
    /// The seed range, `A..B`.
    pub range: String,
    /// Seeds run.
    pub seeds: u64,
    /// Seeds per second of wall clock (timing, not a result).
    pub seeds_per_s: f64,
    /// The shard run, `I/N` (1-based; `1/1` for the whole range, and for a merge of
    /// every shard).
    pub shard: String,
    /// Virtual time simulated, all seeds together, nanoseconds.
    pub simulated_ns: u128,
    /// Virtual seconds per wall second (timing, not a result).
    pub simulated_s_per_wall_s: f64,
    /// Core steps made.
    pub steps: u64,
    /// Seeds with a violation.
    pub violations: u64,
    /// Wall-clock seconds (timing, not a result; a merge sums its parts').
    pub wall_s: f64,
}

/// One violation shown, shrunk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FoundEntry {
    /// When it was found, nanoseconds of virtual time.
    pub at_ns: u64,
    /// What broke it.
    pub detail: String,
    /// The invariant's name.
    pub invariant: String,
    /// The seed.
    pub seed: u64,
    /// The server, if one.
    pub server: Option<String>,
    /// The shrunk scenario file written.
    pub shrunk_file: String,
    /// The world's size after shrinking.
    pub size_after: usize,
    /// The world's size before.
    pub size_before: usize,
}

impl Summary {
    /// The JSON `--json` prints: keys in name order, pretty.
    pub fn json(&self) -> String {
        let value = serde_json::to_value(self).expect("a summary serializes");
        serde_json::to_string_pretty(&value).expect("JSON")
    }

    /// The range's bounds.
    fn bounds(&self) -> (&str, &str) {
        self.range.split_once("..").unwrap_or((&self.range, ""))
    }

    /// The text a person reads: the rates, L1, the coverage lines if kept, each
    /// violation with its replay commands, the pass/fail count.
    pub fn text(&self, planted_flags: &str) -> String {
        let rate = crate::progress::rate;
        let wrapped = |text: String| linksim::wrap::wrap(&text, 2);
        let (start, end) = self.bounds();
        let count = self.seeds;
        let wall = self.wall_s.max(1e-9);
        let simulated_s = self.simulated_ns as f64 / 1e9;
        let mut out = wrapped(format!(
            "explored {count} seed(s) of {start}..{end} (shard {}) on {} thread(s) in {wall:.2} s: {} seeds/s, {} simulated s per wall s, {} core steps\n",
            self.shard, self.jobs, rate(count as f64 / wall), rate(simulated_s / wall), self.steps
        ));
        out += &wrapped(format!(
            "L1 was claimed and checked in {} of {count} seed(s) (the others had no healthy connector their roles allow, or a flapping one)\n",
            self.liveness_checked
        ));
        let coverage = self.coverage.as_ref().and_then(Coverage::from_json);
        for line in coverage.map_or(Vec::new(), |c| c.lines(Some(EXPLORE_UNREACHED))) {
            out += &wrapped(line + "\n");
        }
        for found in &self.found {
            out += &wrapped(violation_text(found, planted_flags));
        }
        out + &format!(
            "explore: {} passed, {} failed\n",
            count.saturating_sub(self.violations),
            self.violations
        )
    }
}

/// A shrunk violation: what, where, the shrinking, and the two commands that replay it
/// (each on its own line, so that wrapping never breaks a command).
fn violation_text(found: &FoundEntry, planted: &str) -> String {
    let server = (found.server.as_deref()).map_or(String::new(), |s| format!(" on {s}"));
    let file = crate::hint::word(std::path::Path::new(&found.shrunk_file));
    format!(
        "VIOLATION seed {}: {}{server} at {}: {}\n  shrunk from {} to {} elements: {file}\n  replay: linksim run {file}{planted}\n      or: linksim explore --seeds {}..{}{planted}\n",
        found.seed,
        found.invariant,
        link_core::Instant::from_nanos(found.at_ns),
        found.detail,
        found.size_before,
        found.size_after,
        found.seed,
        found.seed.saturating_add(1)
    )
}

/// Reads and checks every part, then sums them; a message for the first that cannot.
pub fn merge_files(parts: &[PathBuf]) -> Result<Summary, String> {
    let mut read = Vec::with_capacity(parts.len());
    for path in parts {
        let shown = linksim::printable_path(path);
        let text = linksim::scenario::read_regular_file(path, MAX_PART_BYTES)
            .map_err(|e| format!("{shown}: {e}"))?;
        let part: Summary = serde_json::from_str(&text).map_err(|e| {
            format!("{shown}: not a linksim explore --json output of format {FORMAT}: {e}")
        })?;
        if part.linksim_explore != FORMAT {
            return Err(format!(
                "{shown}: explore output format {}, this linksim reads {FORMAT}",
                part.linksim_explore
            ));
        }
        whole(&part).map_err(|e| format!("{shown}: {e}"))?;
        read.push((shown, part));
    }
    merge(read)
}

/// What an explore run could have written: as many seeds as its shard of its range
/// holds, no more violations (or L1 checks) than seeds, as many violations shown as it
/// found up to ten, coverage of its own seeds if any.
fn whole(part: &Summary) -> Result<(), String> {
    let range = linksim::seeds::parse_range(&part.range).map_err(|e| e.to_string())?;
    let shard = linksim::seeds::parse_shard(&part.shard).map_err(|e| e.to_string())?;
    let seeds = linksim::seeds::SeedSet::new(range, shard).count;
    let shown =
        usize::try_from(part.violations).map_or(VIOLATIONS_SHOWN, |v| v.min(VIOLATIONS_SHOWN));
    if part.seeds != seeds {
        return Err(format!(
            "{} seeds, but shard {} of {} holds {seeds}",
            part.seeds, part.shard, part.range
        ));
    }
    if part.violations > seeds || part.liveness_checked > seeds || part.found.len() != shown {
        return Err("its counts do not add up (violations, L1 checks or violations shown)".into());
    }
    match part.coverage.as_ref().map(Coverage::from_json) {
        Some(None) => {
            Err("a \"coverage\" object linksim did not write (or of another build's marks)".into())
        }
        Some(Some(coverage)) if coverage.runs != seeds => Err(format!(
            "coverage of {} runs, not its {seeds} seeds",
            coverage.runs
        )),
        _ => Ok(()),
    }
}

/// Sums the parts, each named for messages: they must be the shards 1 to N of one run,
/// each once.
pub fn merge(parts: Vec<(String, Summary)>) -> Result<Summary, String> {
    let Some((first_name, first)) = parts.first().cloned() else {
        return Err("--merge needs the explore --json outputs of a run's shards".into());
    };
    let count = shard_count(&first_name, &first)?;
    let mut seen = BTreeSet::new();
    for (name, part) in &parts {
        same_run(&first_name, &first, name, part)?;
        let (i, n) =
            linksim::seeds::parse_shard(&part.shard).map_err(|e| format!("{name}: {e}"))?;
        if n != count {
            return Err(format!(
                "{name} is shard {i}/{n}, {first_name} of {count} shards"
            ));
        }
        if !seen.insert(i) {
            return Err(format!("{name}: shard {i}/{n} is given twice"));
        }
    }
    if seen.len() as u64 != count {
        // Every shard seen is distinct and in 1..=count: list the first few missing.
        let missing: Vec<String> = (1..=count)
            .filter(|i| !seen.contains(i))
            .take(5)
            .map(|i| format!("{i}/{count}"))
            .collect();
        let more = count - seen.len() as u64 - missing.len() as u64;
        let more = match more {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        return Err(format!(
            "shard(s) {}{more} missing: every shard of the run is needed",
            missing.join(", ")
        ));
    }
    Ok(sum(parts.into_iter().map(|(_, part)| part).collect()))
}

/// The shard count a part says it is one of.
fn shard_count(name: &str, part: &Summary) -> Result<u64, String> {
    let (_, n) = linksim::seeds::parse_shard(&part.shard).map_err(|e| format!("{name}: {e}"))?;
    Ok(n)
}

/// Parts of one run: the same build, range, step budget and planted bug.
fn same_run(first_name: &str, first: &Summary, name: &str, part: &Summary) -> Result<(), String> {
    let differs = |what: &str, a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| {
        Err(format!(
            "{name} is of another run than {first_name}: {what} {b:?}, not {a:?}"
        ))
    };
    if part.build != first.build {
        return differs("build", &first.build, &part.build);
    }
    if part.range != first.range {
        return differs("range", &first.range, &part.range);
    }
    if part.max_steps != first.max_steps {
        return differs("--max-steps", &first.max_steps, &part.max_steps);
    }
    if part.planted_bug != first.planted_bug {
        return differs("planted bug", &first.planted_bug, &part.planted_bug);
    }
    Ok(())
}

/// The parts' sums: counts added, the violations shown the lowest seeds of all, the
/// exit the worst, the coverage summed when every part kept it.
fn sum(parts: Vec<Summary>) -> Summary {
    let mut total = parts[0].clone();
    let coverages: Option<Vec<Coverage>> = (parts.iter())
        .map(|p| p.coverage.as_ref().and_then(Coverage::from_json))
        .collect();
    total.found = Vec::new();
    let mut exit = Exit::Pass;
    for (k, part) in parts.into_iter().enumerate() {
        if k > 0 {
            total.seeds = total.seeds.saturating_add(part.seeds);
            total.jobs = total.jobs.saturating_add(part.jobs);
            total.liveness_checked = total.liveness_checked.saturating_add(part.liveness_checked);
            total.simulated_ns = total.simulated_ns.saturating_add(part.simulated_ns);
            total.steps = total.steps.saturating_add(part.steps);
            total.violations = total.violations.saturating_add(part.violations);
            total.wall_s += part.wall_s;
        }
        exit = exit.worse(Exit::from_code(part.exit).unwrap_or(Exit::NoVerdict));
        total.found.extend(part.found);
    }
    total.found.sort_by_key(|f| f.seed);
    total.found.truncate(VIOLATIONS_SHOWN);
    total.exit = exit.code();
    total.shard = "1/1".into();
    let wall = total.wall_s.max(1e-9);
    total.seeds_per_s = total.seeds as f64 / wall;
    total.simulated_s_per_wall_s = total.simulated_ns as f64 / 1e9 / wall;
    total.coverage = coverages.map(|all| {
        let mut sum = Coverage::default();
        for coverage in &all {
            sum.merge(coverage);
        }
        sum.to_json()
    });
    total
}
