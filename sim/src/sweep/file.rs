//! A sweep's JSON file (`--json`, format 1): written and read through serde, and
//! checked on reading so that a part `--merge` is given holds exactly what its header
//! declares (every combination of its settings, sums that add up) before anything is
//! built from it. Fields are in name order, as the format has always had them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::output::Report;
use super::{Aggregate, Results, Setting, WorstRun};
use crate::verdict::{Found, Invariant, Kind};

/// The format version of a sweep's JSON output.
pub const FORMAT: u64 = 1;

/// A sweep's JSON file.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    /// One entry per combination, in plan order.
    pub combinations: Vec<CombinationFile>,
    /// The format version ([`FORMAT`]).
    pub linksim_sweep: u64,
    /// The seed range, `A..B`.
    pub seeds: String,
    /// The swept settings.
    pub settings: Vec<SettingFile>,
    /// The shards the file covers, `I/N`.
    pub shards: Vec<String>,
    /// The worst runs, worst first.
    pub worst: Vec<WorstFile>,
    /// How many worst runs were kept (`--worst N`).
    pub worst_n: usize,
    /// The rule marks the runs reached, when the sweep was asked (`--coverage`):
    /// `crate::coverage::Coverage::to_json`'s shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<serde_json::Value>,
}

/// One swept setting.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SettingFile {
    /// Its key (`restart_timeout`, `links.A.priority`).
    pub key: String,
    /// Its values, as given.
    pub values: Vec<String>,
}

impl SettingFile {
    /// The file's form of `setting`.
    pub fn of(setting: &Setting) -> Self {
        SettingFile {
            key: setting.key.clone(),
            values: setting.values.clone(),
        }
    }
}

/// One combination's figures and exact sums.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CombinationFile {
    /// Service up time over run time.
    pub availability: f64,
    /// Mean service outages per run.
    pub failovers_per_run: f64,
    /// The scenario file's name.
    pub file: String,
    /// What the combination ran ([`super::Combination::fingerprint`]), in hex.
    pub fingerprint: String,
    /// The violation of the lowest violating seed.
    pub first_violation: Option<ViolationFile>,
    /// `file key=value ...`.
    pub label: String,
    /// The longest service outage of the worst run, seconds.
    pub max_s: f64,
    /// Runs in which the service never came up.
    pub never_up: u64,
    /// Percentiles of the longest service outage, seconds.
    pub p50_s: f64,
    /// The 90th.
    pub p90_s: f64,
    /// The 99th.
    pub p99_s: f64,
    /// Runs made.
    pub runs: u64,
    /// The exact sums a merge adds.
    pub sums: SumsFile,
    /// One value per setting.
    pub values: Vec<String>,
    /// Runs stopped by a violation.
    pub violations: u64,
}

impl CombinationFile {
    /// Combination `label` of `file` with `values`, its sums `a`, what it ran
    /// (`fingerprint`).
    pub fn of(
        label: String,
        file: &str,
        values: &[String],
        a: &Aggregate,
        fingerprint: u64,
    ) -> Self {
        let seconds = |p: f64| a.percentile_ns(p) as f64 / 1e9;
        CombinationFile {
            availability: a.availability(),
            failovers_per_run: a.failovers_per_run(),
            file: file.to_string(),
            fingerprint: format!("{fingerprint:016x}"),
            first_violation: a.first_violation.as_ref().map(ViolationFile::of),
            label,
            max_s: seconds(100.0),
            never_up: a.never_up,
            p50_s: seconds(50.0),
            p90_s: seconds(90.0),
            p99_s: seconds(99.0),
            runs: a.runs,
            sums: SumsFile {
                longest_ms: a.longest.iter().map(|(v, n)| [*v, *n]).collect(),
                outages: a.outages,
                run_ns: a.run_ns.to_string(),
                up_ns: a.up_ns.to_string(),
            },
            values: values.to_vec(),
            violations: a.violations,
        }
    }
}

/// A combination's first violation.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ViolationFile {
    /// Virtual time, nanoseconds.
    pub at_ns: u64,
    /// What was seen.
    pub detail: String,
    /// The invariant's name.
    pub invariant: String,
    /// `safety` or `liveness`.
    pub kind: String,
    /// Its seed.
    pub seed: u64,
    /// The server to blame, if one is.
    pub server: Option<String>,
}

impl ViolationFile {
    fn of((seed, found): &(u64, Found)) -> Self {
        ViolationFile {
            at_ns: found.at_ns,
            detail: found.detail.clone(),
            invariant: found.invariant.name().into(),
            kind: kind_name(found.invariant.kind()).into(),
            seed: *seed,
            server: found.server.clone(),
        }
    }
}

/// A combination's exact sums.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SumsFile {
    /// How many runs had each longest service outage, `[milliseconds, runs]`.
    pub longest_ms: Vec<[u64; 2]>,
    /// Service outages.
    pub outages: u64,
    /// Total run time, nanoseconds, as a decimal string (it may pass 2^64).
    pub run_ns: String,
    /// Total service up time, nanoseconds, likewise.
    pub up_ns: String,
}

/// One of the worst runs.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorstFile {
    /// Index of the combination.
    pub combination: usize,
    /// Its longest service outage, nanoseconds.
    pub longest_ns: u64,
    /// The same, seconds.
    pub longest_s: f64,
    /// The seed.
    pub seed: u64,
}

impl WorstFile {
    /// The file's form of `w`.
    pub fn of(w: &WorstRun) -> Self {
        WorstFile {
            combination: w.combination,
            longest_ns: w.longest_ns,
            longest_s: w.longest_ns as f64 / 1e9,
            seed: w.seed,
        }
    }
}

impl Report {
    /// The results as a sweep file ([`SweepFile`]), with the exact sums a merge needs.
    pub fn file(&self) -> SweepFile {
        let combinations = (self.rows.iter().zip(&self.results.aggregates))
            .enumerate()
            .map(|(i, ((file, values), a))| {
                let fingerprint = self.fingerprints.get(i).copied().unwrap_or(0);
                CombinationFile::of(self.label(i), file, values, a, fingerprint)
            })
            .collect();
        SweepFile {
            combinations,
            linksim_sweep: FORMAT,
            seeds: self.seeds.clone(),
            settings: self.settings.iter().map(SettingFile::of).collect(),
            shards: self
                .shards
                .iter()
                .map(|(i, n)| format!("{i}/{n}"))
                .collect(),
            worst: self.results.worst.iter().map(WorstFile::of).collect(),
            worst_n: self.worst_n,
            coverage: self.results.coverage.as_ref().map(|c| c.to_json()),
        }
    }

    /// The sweep file as pretty JSON, ending in a line break.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(&self.file()).expect("a sweep file serializes") + "\n"
    }
}

/// A kind's name in a sweep file.
fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Safety => "safety",
        Kind::Liveness => "liveness",
    }
}

/// The invariant printed as `name` of `kind` (H1 is both a safety and a liveness name).
fn invariant_named(name: &str, kind: &str) -> Option<Invariant> {
    Invariant::ALL
        .into_iter()
        .find(|i| i.name() == name && kind_name(i.kind()) == kind)
}

/// A file `--merge` cannot take.
#[derive(Debug, thiserror::Error)]
pub enum PartError {
    /// Not JSON at all.
    #[error("not JSON: {0}")]
    NotJson(serde_json::Error),
    /// JSON, but not a sweep's output.
    #[error(
        "not a linksim sweep output of format {FORMAT} (\"linksim_sweep\" is missing or different)"
    )]
    NotSweep,
    /// A sweep's output that does not have the format's fields.
    #[error("a linksim sweep output that cannot be read: {0}")]
    Malformed(serde_json::Error),
    /// What it holds does not agree with what it declares.
    #[error("{0}")]
    Inconsistent(String),
}

/// Only the format field, to tell a sweep's output from other JSON before reading it.
#[derive(Deserialize)]
struct Probe {
    linksim_sweep: Option<serde_json::Value>,
}

/// Reads one sweep JSON output back, refusing anything a sweep could not have written.
pub fn read(text: &str) -> Result<Report, PartError> {
    let probe: Probe = serde_json::from_str(text).map_err(PartError::NotJson)?;
    if probe.linksim_sweep != Some(FORMAT.into()) {
        return Err(PartError::NotSweep);
    }
    let file: SweepFile = serde_json::from_str(text).map_err(PartError::Malformed)?;
    file.into_report().map_err(PartError::Inconsistent)
}

impl SweepFile {
    /// The report this file holds, once it is proven whole: every combination of its
    /// settings for each of its files, in plan order; sums that add up; known shards
    /// and worst runs.
    fn into_report(self) -> Result<Report, String> {
        let settings: Vec<Setting> = self
            .settings
            .into_iter()
            .map(|s| Setting {
                key: s.key,
                values: s.values,
            })
            .collect();
        check_plan(&settings, &self.combinations)?;
        if self.worst.len() > self.worst_n {
            return Err(format!(
                "{} worst runs, of --worst {}",
                self.worst.len(),
                self.worst_n
            ));
        }
        let count = self.combinations.len();
        let worst = self
            .worst
            .iter()
            .map(|w| worst_run(w, count))
            .collect::<Result<_, _>>()?;
        let shards = self
            .shards
            .iter()
            .map(|s| crate::seeds::parse_shard(s).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        let coverage = self.coverage.as_ref().map(read_coverage).transpose()?;
        let mut rows = Vec::with_capacity(count);
        let mut fingerprints = Vec::with_capacity(count);
        let mut aggregates = Vec::with_capacity(count);
        for c in self.combinations {
            let fingerprint = u64::from_str_radix(&c.fingerprint, 16)
                .map_err(|_| format!("fingerprint {:?} is not hexadecimal", c.fingerprint))?;
            fingerprints.push(fingerprint);
            aggregates.push(aggregate(&c)?);
            rows.push((c.file, c.values));
        }
        let runs = (aggregates.iter()).fold(0u64, |sum, a: &Aggregate| sum.saturating_add(a.runs));
        if coverage.is_some_and(|c| c.runs != runs) {
            return Err(format!("its coverage counts other runs than its {runs}"));
        }
        Ok(Report {
            settings,
            rows,
            seeds: self.seeds,
            shards,
            fingerprints,
            worst_n: self.worst_n,
            results: Results {
                aggregates,
                worst,
                coverage,
            },
        })
    }
}

/// A part's `coverage` object, as `Coverage::to_json` writes it.
fn read_coverage(value: &serde_json::Value) -> Result<crate::coverage::Coverage, String> {
    crate::coverage::Coverage::from_json(value).ok_or_else(|| {
        "a \"coverage\" object linksim did not write (or of another build's marks)".into()
    })
}

/// The combinations are every combination of `settings` for each file, in plan order
/// (files in turn, the last setting varying fastest): what a sweep writes, and so no
/// more than the file itself holds.
fn check_plan(settings: &[Setting], combinations: &[CombinationFile]) -> Result<(), String> {
    if let Some(empty) = settings.iter().find(|s| s.values.is_empty()) {
        return Err(format!("setting {} has no value", empty.key));
    }
    let per_file = settings
        .iter()
        .try_fold(1usize, |n, s| n.checked_mul(s.values.len()))
        .filter(|&n| n <= combinations.len().max(1))
        .ok_or_else(|| {
            format!(
                "its settings make more combinations than the {} it holds",
                combinations.len()
            )
        })?;
    if combinations.is_empty() || combinations.len() % per_file != 0 {
        return Err(format!(
            "it holds {} combinations, not a whole number of files of {per_file} each",
            combinations.len()
        ));
    }
    for (k, chunk) in combinations.chunks(per_file).enumerate() {
        for (index, c) in chunk.iter().enumerate() {
            if c.file != chunk[0].file || c.values != nth_values(settings, index) {
                let at = k * per_file + index;
                return Err(format!(
                    "combination {at} ({}) is not in plan order",
                    c.label
                ));
            }
        }
    }
    Ok(())
}

/// The values of the `index`-th combination of `settings` (the last varying fastest).
fn nth_values(settings: &[Setting], mut index: usize) -> Vec<String> {
    let mut values = vec![String::new(); settings.len()];
    for (slot, setting) in values.iter_mut().zip(settings).rev() {
        *slot = setting.values[index % setting.values.len()].clone();
        index /= setting.values.len();
    }
    values
}

/// A worst run, of one of `count` combinations.
fn worst_run(w: &WorstFile, count: usize) -> Result<WorstRun, String> {
    if w.combination >= count {
        return Err(format!(
            "worst run of combination {}, of {count}",
            w.combination
        ));
    }
    Ok(WorstRun {
        combination: w.combination,
        seed: w.seed,
        longest_ns: w.longest_ns,
    })
}

/// A combination's sums, which must add up: one longest outage per run, no more runs
/// that never came up or violated than runs, a first violation exactly when some run
/// violated.
fn aggregate(c: &CombinationFile) -> Result<Aggregate, String> {
    let label = &c.label;
    if c.runs > super::MAX_RUNS {
        return Err(format!(
            "{label}: {} runs; a sweep makes at most {}",
            c.runs,
            super::MAX_RUNS
        ));
    }
    let mut longest = BTreeMap::new();
    let mut counted: u64 = 0;
    let mut previous = None;
    for &[value, runs] in &c.sums.longest_ms {
        // Only lengths a sweep counts, each once and in order: a part cannot hold
        // more buckets than a sweep makes.
        if value > u64::MAX / 1_000_000 || super::bucket_ms(value * 1_000_000) != value {
            return Err(format!(
                "{label}: a longest outage of {value} ms is not one a sweep counts"
            ));
        }
        if previous.is_some_and(|p| p >= value) {
            return Err(format!(
                "{label}: the longest outages are not in increasing order"
            ));
        }
        previous = Some(value);
        longest.insert(value, runs);
        counted = counted
            .checked_add(runs)
            .ok_or_else(|| format!("{label}: its run counts overflow"))?;
    }
    if counted != c.runs || c.never_up > c.runs || c.violations > c.runs {
        return Err(format!(
            "{label}: its sums do not add up to its {} runs",
            c.runs
        ));
    }
    if c.first_violation.is_some() != (c.violations > 0) {
        return Err(format!(
            "{label}: {} violations but a first violation that says otherwise",
            c.violations
        ));
    }
    let big = |text: &str, what: &str| {
        text.parse::<u128>()
            .map_err(|_| format!("{label}: sums.{what} is not a number in a string"))
    };
    let (up_ns, run_ns) = (big(&c.sums.up_ns, "up_ns")?, big(&c.sums.run_ns, "run_ns")?);
    if up_ns > run_ns {
        return Err(format!(
            "{label}: more time up ({up_ns} ns) than run ({run_ns} ns)"
        ));
    }
    Ok(Aggregate {
        runs: c.runs,
        longest,
        up_ns,
        run_ns,
        outages: c.sums.outages,
        never_up: c.never_up,
        violations: c.violations,
        first_violation: c.first_violation.as_ref().map(violation).transpose()?,
    })
}

/// A first violation, of a known invariant.
fn violation(f: &ViolationFile) -> Result<(u64, Found), String> {
    let invariant = invariant_named(&f.invariant, &f.kind)
        .ok_or_else(|| format!("unknown invariant {:?} ({})", f.invariant, f.kind))?;
    let found = Found {
        invariant,
        server: f.server.clone(),
        at_ns: f.at_ns,
        detail: f.detail.clone(),
    };
    Ok((f.seed, found))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(key: &str, values: &[&str]) -> Setting {
        Setting {
            key: key.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn combinations_are_numbered_in_plan_order_the_last_setting_fastest() {
        let settings = [setting("a", &["1", "2"]), setting("b", &["x", "y", "z"])];
        let all: Vec<Vec<String>> = (0..6).map(|i| nth_values(&settings, i)).collect();
        let want = [
            ["1", "x"],
            ["1", "y"],
            ["1", "z"],
            ["2", "x"],
            ["2", "y"],
            ["2", "z"],
        ];
        for (got, want) in all.iter().zip(want) {
            assert_eq!(got, &want);
        }
        assert!(nth_values(&[], 0).is_empty());
    }

    #[test]
    fn every_invariant_reads_back_by_its_name_and_kind() {
        for invariant in Invariant::ALL {
            let kind = kind_name(invariant.kind());
            assert_eq!(
                invariant_named(invariant.name(), kind),
                Some(invariant),
                "{invariant:?}"
            );
        }
        let distinct: std::collections::BTreeSet<Invariant> = Invariant::ALL.into_iter().collect();
        assert_eq!(distinct.len(), Invariant::ALL.len());
    }
}
