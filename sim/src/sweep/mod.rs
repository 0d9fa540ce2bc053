//! `linksim sweep`: runs every combination of swept settings (`--set key=v1,v2`) of one
//! or more scenario files over a range of seeds, and sums, per combination, how long
//! the service was out: the distribution of each run's longest service outage, the
//! availability, the failovers and any invariant violation. Sums are exact integers
//! and a map of values, so results do not depend on the thread count or the sharding,
//! and shards merge ([`Aggregate::merge`]).
//!
//! - this file: settings, the plan of combinations, one measured run, the aggregates;
//! - [`output`]: the table, CSV and JSON, and merging shard outputs;
//! - [`mod@file`]: the JSON file through serde, read back and proven whole before a merge;
//! - [`page`]: the self-contained HTML page with its plot.

pub mod file;
pub mod output;
#[cfg(feature = "charts")]
pub mod page;
pub mod settings;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::run::RunOptions;
use crate::scenario::{self, Checked};
use crate::verdict::Found;

pub use settings::{parse_set, SetError, Setting};

/// A sweep that cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A scenario file's own error (with its line and column).
    #[error("{0}")]
    Scenario(#[from] scenario::ScenarioError),
    /// A setting that does not fit a file.
    #[error("{}: {error}", file.display())]
    Setting {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        error: SetError,
    },
    /// A value that makes the scenario invalid, named with the values it ran with.
    #[error("{}: {message} (with {values})", file.display())]
    Swept {
        /// The file.
        file: PathBuf,
        /// What the check says.
        message: String,
        /// `key=value ...` of the combination.
        values: String,
    },
}

/// One combination of a file and a value for every setting.
#[derive(Clone, Debug)]
pub struct Combination {
    /// The scenario file.
    pub file: PathBuf,
    /// The value of each setting, in `--set` order.
    pub values: Vec<String>,
    /// The scenario with those values, checked.
    pub checked: Checked,
}

impl Combination {
    /// A hash of what this combination runs (the scenario after its settings, and the
    /// run options that change outcomes): shard outputs merge only when theirs agree.
    pub fn fingerprint(&self, options: RunOptions) -> u64 {
        let text = serde_json::to_string(&self.checked.scenario).expect("a scenario serializes");
        #[cfg(feature = "planted-bugs")]
        let planted = options.planted_bug.map_or("", |b| b.name());
        #[cfg(not(feature = "planted-bugs"))]
        let planted = "";
        let budget = options
            .step_budget
            .unwrap_or(crate::DEFAULT_STEP_BUDGET)
            .to_string();
        let bytes = text
            .bytes()
            .chain([0])
            .chain(planted.bytes())
            .chain([0])
            .chain(budget.bytes());
        link_core::Fnv1a::new().bytes(bytes).value()
    }

    /// `file key=value ...`, naming the combination in tables.
    pub fn label(&self, settings: &[Setting]) -> String {
        output::label(&file_stem(&self.file), settings, &self.values)
    }
}

/// The file's name without its folder and `.json`.
pub fn file_stem(path: &Path) -> String {
    path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into(),
    )
}

/// How many combinations `files` files and `settings` make, if that fits a `u64`.
pub fn combination_count(files: usize, settings: &[Setting]) -> Option<u64> {
    settings
        .iter()
        .try_fold(files as u64, |n, s| n.checked_mul(s.values.len() as u64))
}

/// A sweep's plan: the files (each with its text) and the settings, checked, and its
/// combinations in order (files in turn, then the settings' values, the last setting
/// varying fastest). A combination is built when it runs ([`Plan::combination`]), so a
/// plan of a million combinations costs its files and settings, not a million
/// scenarios.
#[derive(Clone, Debug)]
pub struct Plan {
    files: Vec<(PathBuf, String)>,
    settings: Vec<Setting>,
    /// Combinations per file: the product of the settings' value counts.
    per_file: usize,
}

impl Plan {
    /// Checks every file as written (its own errors keep their line and column), that
    /// the settings fit it, and every value of every setting alone in it (an error only
    /// a swept value causes names the value). A combination of values that are each
    /// valid alone is checked when it runs.
    pub fn new(files: Vec<(PathBuf, String)>, settings: Vec<Setting>) -> Result<Plan, PlanError> {
        let per_file = combination_count(1, &settings)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(usize::MAX);
        let plan = Plan {
            files,
            settings,
            per_file,
        };
        for (file, text) in &plan.files {
            scenario::parse(file, text)?;
            settings::check_distinct(text, &plan.settings).map_err(|error| PlanError::Setting {
                file: file.clone(),
                error,
            })?;
            for (k, setting) in plan.settings.iter().enumerate() {
                for value in &setting.values {
                    plan.check_alone(file, text, k, value)?;
                }
            }
        }
        Ok(plan)
    }

    /// Value `value` of setting `k` alone in `file` (the other settings as the file has
    /// them).
    fn check_alone(&self, file: &Path, text: &str, k: usize, value: &str) -> Result<(), PlanError> {
        let setting = std::slice::from_ref(&self.settings[k]);
        let values = [value.to_string()];
        self.parse_with(file, text, setting, &values).map(|_| ())
    }

    /// `text` of `file` with `settings` set to `values`, parsed and checked.
    fn parse_with(
        &self,
        file: &Path,
        text: &str,
        settings: &[Setting],
        values: &[String],
    ) -> Result<Checked, PlanError> {
        let edited =
            settings::apply(text, settings, values).map_err(|error| PlanError::Setting {
                file: file.to_path_buf(),
                error,
            })?;
        scenario::parse(file, &edited).map_err(|e| {
            // A value may be anything (a 64 KB description): each is quoted short.
            let set: Vec<String> = (settings.iter().zip(values))
                .map(|(s, v)| link_core::excerpt(&format!("{}={v}", s.key), 60))
                .collect();
            PlanError::Swept {
                file: file.to_path_buf(),
                message: e.message,
                values: set.join(" "),
            }
        })
    }

    /// The swept settings.
    pub fn settings(&self) -> &[Setting] {
        &self.settings
    }

    /// How many combinations the plan has.
    pub fn len(&self) -> usize {
        self.per_file.saturating_mul(self.files.len())
    }

    /// Whether the plan has no combination (no file).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The file of combination `k`.
    pub fn file(&self, k: usize) -> &Path {
        &self.files[k / self.per_file].0
    }

    /// The values of combination `k`, one per setting.
    pub fn values(&self, k: usize) -> Vec<String> {
        let mut index = k % self.per_file;
        let mut values = vec![String::new(); self.settings.len()];
        for (slot, setting) in values.iter_mut().zip(&self.settings).rev() {
            *slot = setting.values[index % setting.values.len()].clone();
            index /= setting.values.len();
        }
        values
    }

    /// Combination `k`, built and checked.
    pub fn combination(&self, k: usize) -> Result<Combination, PlanError> {
        let (file, text) = &self.files[k / self.per_file];
        let values = self.values(k);
        let checked = self.parse_with(file, text, &self.settings, &values)?;
        Ok(Combination {
            file: file.clone(),
            values,
            checked,
        })
    }

    /// Each combination's file name for tables and its values: the file's stem, or the
    /// path as given when two files share a stem. Linear in the combinations.
    pub fn rows(&self) -> Vec<(String, Vec<String>)> {
        let stems: Vec<String> = self.files.iter().map(|(f, _)| file_stem(f)).collect();
        let clash = (1..stems.len()).any(|i| stems[..i].contains(&stems[i]));
        let names: Vec<String> = match clash {
            true => self
                .files
                .iter()
                .map(|(f, _)| f.display().to_string())
                .collect(),
            false => stems,
        };
        (0..self.len())
            .map(|k| (names[k / self.per_file].clone(), self.values(k)))
            .collect()
    }
}

/// What one run of one combination measured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measured {
    /// The longest service outage, nanoseconds (0: none; the whole run when the service
    /// never came up: its clients were without a link throughout).
    pub longest_ns: u64,
    /// Time the service was up, nanoseconds.
    pub up_ns: u64,
    /// The run's length, nanoseconds.
    pub run_ns: u64,
    /// Service outages (each a loss of the service's link; failovers).
    pub outages: u64,
    /// Whether the service never came up.
    pub never_up: bool,
    /// The violation that stopped the run (a partial run is one: `StepBudget`).
    pub found: Option<Found>,
    /// The rule marks its cores reached ([`crate::coverage`]).
    pub marks: link_core::MarkCounts,
}

/// Runs `checked` with seed `seed` (its ranges drawn from it) and measures it from its
/// summary ([`crate::summarize`]: every invariant checked, no timeline or history kept).
pub fn measure(checked: &Checked, seed: u64, options: RunOptions) -> Measured {
    let checked = checked.clone().with_seed(seed);
    let summary = crate::run::summarize(checked, options);
    let found = summary.found();
    let service = summary.outages.service;
    let never_up = service.first_active.is_none();
    Measured {
        longest_ns: match never_up {
            true => nanos(service.run),
            false => service.longest.map_or(0, |o| nanos(o.length())),
        },
        up_ns: nanos(service.up),
        run_ns: nanos(service.run),
        outages: service.count,
        never_up,
        found,
        marks: summary.marks,
    }
}

fn nanos(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// One combination's runs, summed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Aggregate {
    /// Runs made.
    pub runs: u64,
    /// How many runs had each longest service outage, by [`bucket_ms`] (-> runs).
    pub longest: BTreeMap<u64, u64>,
    /// Total service up time, nanoseconds.
    pub up_ns: u128,
    /// Total run time, nanoseconds.
    pub run_ns: u128,
    /// Total service outages.
    pub outages: u64,
    /// Runs in which the service never came up.
    pub never_up: u64,
    /// Runs stopped by a violation.
    pub violations: u64,
    /// The violation of the lowest violating seed.
    pub first_violation: Option<(u64, Found)>,
}

/// The most runs one sweep makes (combinations x seeds); a merged part claiming more
/// is refused.
pub const MAX_RUNS: u64 = 1_000_000_000;

/// Significant bits an outage length keeps past [`EXACT_MS`] (so a length is at most
/// 2^-15, about 0.003%, low).
const SIGNIFICANT_BITS: u32 = 16;
/// Lengths below this many milliseconds (65.536 s) are counted exactly.
const EXACT_MS: u64 = 1 << SIGNIFICANT_BITS;

/// The bucket an outage length is counted in: whole milliseconds (rounded down), exact
/// below 65.536 s and to 16 significant bits beyond (at most 0.003% low), so that the
/// distinct buckets, and a sweep's memory, stay bounded however many runs it makes.
pub fn bucket_ms(ns: u64) -> u64 {
    let ms = ns / 1_000_000;
    if ms < EXACT_MS {
        return ms;
    }
    let drop = (64 - ms.leading_zeros()) - SIGNIFICANT_BITS;
    (ms >> drop) << drop
}

impl Aggregate {
    /// Adds run `seed`'s figures.
    pub fn add(&mut self, seed: u64, m: Measured) {
        self.runs += 1;
        *self.longest.entry(bucket_ms(m.longest_ns)).or_default() += 1;
        self.up_ns += u128::from(m.up_ns);
        self.run_ns += u128::from(m.run_ns);
        self.outages += m.outages;
        self.never_up += u64::from(m.never_up);
        if let Some(found) = m.found {
            self.violations += 1;
            self.note_violation(seed, found);
        }
    }

    fn note_violation(&mut self, seed: u64, found: Found) {
        if self.first_violation.as_ref().is_none_or(|(s, _)| seed < *s) {
            self.first_violation = Some((seed, found));
        }
    }

    /// Adds another part of the same combination's runs (another thread's or shard's).
    /// Sums saturate: only a hostile shard file could reach the limits.
    pub fn merge(&mut self, other: Aggregate) {
        self.runs = self.runs.saturating_add(other.runs);
        for (value, runs) in other.longest {
            let count = self.longest.entry(value).or_default();
            *count = count.saturating_add(runs);
        }
        self.up_ns = self.up_ns.saturating_add(other.up_ns);
        self.run_ns = self.run_ns.saturating_add(other.run_ns);
        self.outages = self.outages.saturating_add(other.outages);
        self.never_up = self.never_up.saturating_add(other.never_up);
        self.violations = self.violations.saturating_add(other.violations);
        if let Some((seed, found)) = other.first_violation {
            self.note_violation(seed, found);
        }
    }

    /// The `p`-th percentile (0 to 100) of the longest service outage, nanoseconds (to
    /// the millisecond, see [`bucket_ms`]), by nearest rank: the smallest value with at
    /// least p% of runs at or below it.
    pub fn percentile_ns(&self, p: f64) -> u64 {
        if self.runs == 0 {
            return 0;
        }
        let rank = ((p / 100.0) * self.runs as f64).ceil().max(1.0) as u64;
        let rank = rank.min(self.runs);
        let mut seen = 0;
        for (&value, &runs) in &self.longest {
            seen += runs;
            if seen >= rank {
                return value.saturating_mul(1_000_000);
            }
        }
        self.longest
            .keys()
            .next_back()
            .map_or(0, |v| v.saturating_mul(1_000_000))
    }

    /// The p50, p90, p99 and maximum of the longest service outage, nanoseconds.
    pub fn quartet_ns(&self) -> [u64; 4] {
        [50.0, 90.0, 99.0, 100.0].map(|p| self.percentile_ns(p))
    }

    /// Service up time over run time, all runs together (1 with no runs).
    pub fn availability(&self) -> f64 {
        if self.run_ns == 0 {
            return 1.0;
        }
        self.up_ns as f64 / self.run_ns as f64
    }

    /// Mean service outages (failovers) per run.
    pub fn failovers_per_run(&self) -> f64 {
        self.outages as f64 / self.runs.max(1) as f64
    }
}

/// One of the worst runs: its combination, seed and longest service outage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorstRun {
    /// Index of the combination.
    pub combination: usize,
    /// The seed.
    pub seed: u64,
    /// Its longest service outage, nanoseconds.
    pub longest_ns: u64,
}

impl WorstRun {
    /// Worst first: the longer outage, then the earlier combination, then the lower seed.
    fn rank(&self) -> (std::cmp::Reverse<u64>, usize, u64) {
        (
            std::cmp::Reverse(self.longest_ns),
            self.combination,
            self.seed,
        )
    }
}

/// Keeps the `n` worst of `runs`, worst first (a total order: the result does not
/// depend on the order runs arrive in).
pub fn keep_worst(runs: &mut Vec<WorstRun>, n: usize) {
    runs.sort_by_key(WorstRun::rank);
    runs.dedup();
    runs.truncate(n);
}

/// A whole sweep's results: one aggregate per combination, and the worst runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Results {
    /// Per combination, in plan order.
    pub aggregates: Vec<Aggregate>,
    /// The worst runs, worst first (at most the number asked for).
    pub worst: Vec<WorstRun>,
    /// The rule marks the runs reached (`--coverage`); `None` for merged parts that
    /// did not all keep it.
    pub coverage: Option<crate::coverage::Coverage>,
}

/// How a sweep runs: threads, how many worst runs to keep, and the options of each run
/// (a planted bug, in test builds; the step budget).
#[derive(Clone, Copy, Debug, Default)]
pub struct SweepOptions {
    /// Worker threads (at least one runs).
    pub jobs: usize,
    /// How many of the worst runs to keep.
    pub worst: usize,
    /// The options of every run.
    pub run: RunOptions,
}

/// The most worker threads a sweep starts.
pub const MAX_JOBS: usize = 256;

/// What a sweep ran: the results, and each combination's fingerprint
/// ([`Combination::fingerprint`]).
#[derive(Clone, Debug)]
pub struct Swept {
    /// The sums.
    pub results: Results,
    /// Per combination, what it ran.
    pub fingerprints: Vec<u64>,
}

/// One combination's runs, from one worker.
struct Done {
    combination: usize,
    aggregate: Aggregate,
    worst: Vec<WorstRun>,
    fingerprint: u64,
    coverage: crate::coverage::Coverage,
}

/// Runs every combination of `plan` over `seeds` as `options` say, on at most
/// [`MAX_JOBS`] threads; `progress` is told the number of runs done so far. Each
/// combination is built once, when a thread takes it, and runs all its seeds; the sums
/// do not depend on the order. A combination whose values together are invalid stops
/// the sweep with its error.
pub fn run(
    plan: &Plan,
    seeds: &crate::seeds::SeedSet,
    options: SweepOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Swept, PlanError> {
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
    use std::sync::Mutex;
    let count = plan.len();
    let next = AtomicUsize::new(0);
    let done_runs = AtomicU64::new(0);
    let failed = AtomicBool::new(false);
    let swept = Mutex::new(Swept {
        results: Results {
            aggregates: vec![Aggregate::default(); count],
            worst: Vec::new(),
            coverage: Some(crate::coverage::Coverage::default()),
        },
        fingerprints: vec![0; count],
    });
    let error = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..jobs(options.jobs, count as u64 * seeds.count) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= count || failed.load(Ordering::Relaxed) {
                    break;
                }
                match run_combination(plan, k, seeds, options, &|| {
                    progress(done_runs.fetch_add(1, Ordering::Relaxed) + 1)
                }) {
                    Ok(done) => swept
                        .lock()
                        .expect("no worker panics holding it")
                        .add(done, options.worst),
                    Err(e) => {
                        failed.store(true, Ordering::Relaxed);
                        error
                            .lock()
                            .expect("no worker panics holding it")
                            .get_or_insert(e);
                    }
                }
            });
        }
    });
    if let Some(e) = error.into_inner().expect("workers finished") {
        return Err(e);
    }
    Ok(swept.into_inner().expect("workers finished"))
}

impl Swept {
    /// One combination's runs, in its place; the `worst` worst runs kept.
    fn add(&mut self, done: Done, worst: usize) {
        self.results.aggregates[done.combination] = done.aggregate;
        self.fingerprints[done.combination] = done.fingerprint;
        self.results.worst.extend(done.worst);
        keep_worst(&mut self.results.worst, worst);
        if let Some(coverage) = &mut self.results.coverage {
            coverage.merge(&done.coverage);
        }
    }
}

/// The threads a sweep of `runs` runs starts for `asked`: at least one, at most
/// [`MAX_JOBS`], and never more than runs; 0 asks for one per core.
pub fn jobs(asked: usize, runs: u64) -> usize {
    // 0: one per core (the machine's size, never part of a result).
    let asked = match asked {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    asked
        .clamp(1, MAX_JOBS)
        .min(usize::try_from(runs.max(1)).unwrap_or(usize::MAX))
}

/// Combination `k`, built and run over every seed; `ran` is called after each run.
fn run_combination(
    plan: &Plan,
    k: usize,
    seeds: &crate::seeds::SeedSet,
    options: SweepOptions,
    ran: &dyn Fn(),
) -> Result<Done, PlanError> {
    let combination = plan.combination(k)?;
    let mut done = Done {
        combination: k,
        aggregate: Aggregate::default(),
        worst: Vec::new(),
        fingerprint: combination.fingerprint(options.run),
        coverage: crate::coverage::Coverage::default(),
    };
    for seed in seeds.iter() {
        let measured = measure(&combination.checked, seed, options.run);
        if options.worst > 0 {
            done.worst.push(WorstRun {
                combination: k,
                seed,
                longest_ns: measured.longest_ns,
            });
            if done.worst.len() >= 4 * options.worst.max(64) {
                keep_worst(&mut done.worst, options.worst);
            }
        }
        done.coverage.add_run(&measured.marks);
        done.aggregate.add(seed, measured);
        ran();
    }
    keep_worst(&mut done.worst, options.worst);
    Ok(done)
}

impl Results {
    /// Adds another part of the same sweep, keeping the `worst` worst runs.
    pub fn merge(&mut self, other: Results, worst: usize) {
        for (mine, theirs) in self.aggregates.iter_mut().zip(other.aggregates) {
            mine.merge(theirs);
        }
        self.worst.extend(other.worst);
        keep_worst(&mut self.worst, worst);
        self.coverage = match (self.coverage, other.coverage) {
            (Some(mut mine), Some(theirs)) => {
                mine.merge(&theirs);
                Some(mine)
            }
            _ => None,
        };
    }
}

/// Combination `c` with seed `seed` as a standalone scenario: ranges replaced by the
/// values drawn, the seed fixed, the name saying where it came from.
///
/// The scenario's expectations are left out, and the description says so: a sweep
/// measures outages and checks invariants, not expectations (which were written for
/// the scenario's own settings), so replaying a worst run fails only on a violation.
pub fn standalone(c: &Combination, settings: &[Setting], seed: u64) -> scenario::Scenario {
    let mut s = c.checked.clone().with_seed(seed).scenario;
    // An options import is already in `config` (links and timing): the written file
    // stands alone, wherever it is written.
    s.config.options = None;
    let left_out = std::mem::take(&mut s.expect).len();
    let expectations = match left_out {
        0 => String::new(),
        n => format!(
            " Its {n} expectation(s) are left out: a sweep measures outages and checks invariants; `linksim run` on {} checks them.",
            crate::printable_path(&c.file)
        ),
    };
    let was = std::mem::take(&mut s.description);
    s.description = format!(
        "Written by linksim sweep from {} with seed {seed} (fault ranges replaced by the values drawn); `linksim run` replays it.{expectations} {was}",
        c.label(settings)
    )
    .trim_end()
    .to_string();
    // The scenario's own description may already be near the limit: the file written
    // must pass check.
    if let Some((cut, _)) = s
        .description
        .char_indices()
        .nth(scenario::check::MAX_DESCRIPTION_CHARS - 1)
    {
        s.description.truncate(cut);
        s.description.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aggregate(values: &[u64]) -> Aggregate {
        let mut a = Aggregate::default();
        for (seed, &v) in values.iter().enumerate() {
            a.add(
                seed as u64,
                Measured {
                    longest_ns: v,
                    up_ns: 9,
                    run_ns: 10,
                    outages: u64::from(v > 0),
                    never_up: false,
                    found: None,
                    marks: link_core::MarkCounts::default(),
                },
            );
        }
        a
    }

    const MS: u64 = 1_000_000;

    #[test]
    fn percentiles_are_nearest_rank() {
        let a = aggregate(&(1..=100).map(|ms| ms * MS).collect::<Vec<_>>());
        assert_eq!(a.percentile_ns(50.0), 50 * MS);
        assert_eq!(a.percentile_ns(90.0), 90 * MS);
        assert_eq!(a.percentile_ns(99.0), 99 * MS);
        assert_eq!(a.percentile_ns(100.0), 100 * MS);
        let one = aggregate(&[7 * MS + 999]);
        assert_eq!(
            (one.percentile_ns(1.0), one.percentile_ns(99.0)),
            (7 * MS, 7 * MS)
        );
        assert_eq!(Aggregate::default().percentile_ns(50.0), 0);
    }

    #[test]
    fn buckets_are_exact_milliseconds_then_sixteen_significant_bits() {
        assert_eq!(bucket_ms(0), 0);
        assert_eq!(bucket_ms(10_319 * MS + 999_999), 10_319);
        assert_eq!(bucket_ms(65_535 * MS), 65_535);
        assert_eq!(
            bucket_ms(65_537 * MS),
            65_536,
            "one bit dropped past 65.536 s"
        );
        let hour = 3_600_000;
        let b = bucket_ms(hour * MS);
        assert!(
            b <= hour && (hour - b) as f64 / hour as f64 <= 1.6e-5,
            "{b}"
        );
        // An hour's worth of distinct millisecond lengths falls into boundedly many buckets.
        let distinct: std::collections::BTreeSet<u64> =
            (0..hour).step_by(7).map(|ms| bucket_ms(ms * MS)).collect();
        assert!(distinct.len() < 400_000, "{}", distinct.len());
    }

    #[test]
    fn merging_parts_gives_the_whole_in_any_order() {
        let values: Vec<u64> = (0..50).map(|i| ((i * 37) % 11) * MS).collect();
        let whole = aggregate(&values);
        let (mut a, b) = (aggregate(&values[..20]), aggregate(&values[20..]));
        let mut b_first = b.clone();
        b_first.merge(a.clone());
        a.merge(b);
        assert_eq!(a.longest, whole.longest);
        assert_eq!((a.runs, a.up_ns, a.outages), (50, 450, whole.outages));
        assert_eq!(a, b_first);
        assert!((a.availability() - 0.9).abs() < 1e-12);
    }

    #[test]
    fn the_worst_runs_are_a_total_order() {
        let run = |combination, seed, longest_ns| WorstRun {
            combination,
            seed,
            longest_ns,
        };
        let mut a = vec![run(1, 5, 10), run(0, 9, 10), run(0, 2, 30), run(2, 1, 1)];
        let mut b = a.clone();
        b.reverse();
        keep_worst(&mut a, 3);
        keep_worst(&mut b, 3);
        assert_eq!(a, b);
        assert_eq!(a, vec![run(0, 2, 30), run(0, 9, 10), run(1, 5, 10)]);
    }

    const SCENARIO: &str = r#"{"format":1,"name":"t","run_for":"5s",
        "config":{"links":[{"name":"A"}]}}"#;

    #[test]
    fn combinations_vary_the_last_setting_fastest_and_are_built_on_demand() {
        let settings = vec![
            parse_set("connect_tout=1s,2s").unwrap(),
            parse_set("restart_timeout=5s,10s,20s").unwrap(),
        ];
        let files = vec![
            (PathBuf::from("a.json"), SCENARIO.to_string()),
            (PathBuf::from("b.json"), SCENARIO.to_string()),
        ];
        let plan = Plan::new(files, settings).unwrap();
        assert_eq!(plan.len(), 12);
        assert_eq!(plan.values(0), ["1s", "5s"]);
        assert_eq!(plan.values(1), ["1s", "10s"]);
        assert_eq!(plan.values(5), ["2s", "20s"]);
        assert_eq!(plan.values(6), ["1s", "5s"], "the second file starts again");
        assert_eq!(plan.file(6), Path::new("b.json"));
        let c = plan.combination(5).unwrap();
        assert_eq!(
            c.checked.config.connect_timeout,
            std::time::Duration::from_secs(2)
        );
        assert_eq!(
            c.checked.config.restart_timeout,
            std::time::Duration::from_secs(20)
        );
        assert_eq!(
            plan.rows()[7],
            ("b".to_string(), vec!["1s".into(), "10s".into()])
        );
    }

    #[test]
    fn a_value_that_is_invalid_alone_is_refused_before_anything_runs() {
        let files = vec![(PathBuf::from("a.json"), SCENARIO.to_string())];
        let settings = vec![parse_set("connect_tout=1s,9999s").unwrap()];
        let error = Plan::new(files, settings).unwrap_err().to_string();
        assert!(error.contains("(with connect_tout=9999s)"), "{error}");
    }
}
