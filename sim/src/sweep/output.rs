//! A sweep's results written out: the table on standard output, CSV, and JSON that
//! holds the exact sums ([`super::file`]), so that shard outputs merge back ([`merge`])
//! into what one unsharded run prints, byte for byte.

use std::fmt::Write as _;

use super::{Results, Setting};

/// Everything a sweep's outputs show, with or without the scenarios behind it (a
/// merge has only their names).
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The swept settings.
    pub settings: Vec<Setting>,
    /// Per combination: its file's name and its values, in plan order.
    pub rows: Vec<(String, Vec<String>)>,
    /// The seed range, `A..B`.
    pub seeds: String,
    /// The shards the results cover, `(i, n)`; one `(1, 1)` for the whole range.
    pub shards: Vec<(u64, u64)>,
    /// Per combination, what it ran ([`super::Combination::fingerprint`]).
    pub fingerprints: Vec<u64>,
    /// How many worst runs were kept (`--worst N`).
    pub worst_n: usize,
    /// The sums.
    pub results: Results,
}

/// Seconds with milliseconds, for the table.
fn secs(ns: u64) -> String {
    format!("{}.{:03}s", ns / 1_000_000_000, (ns / 1_000_000) % 1000)
}

/// Seconds with microseconds, for CSV.
fn csv_secs(ns: u64) -> String {
    format!("{}.{:06}", ns / 1_000_000_000, (ns / 1_000) % 1_000_000)
}

/// A combination's label: `file key=value ...`, every control or invisible character
/// escaped (file names, keys and values come from outside: a label never drives a
/// terminal).
pub fn label(file: &str, settings: &[Setting], values: &[String]) -> String {
    let mut label = file.to_string();
    for (setting, value) in settings.iter().zip(values) {
        let _ = write!(label, " {}={value}", setting.key);
    }
    link_core::printable(&label).into_owned()
}

impl Report {
    /// Combination `i`'s label: `file key=value ...`.
    pub fn label(&self, i: usize) -> String {
        let (file, values) = &self.rows[i];
        label(file, &self.settings, values)
    }

    /// The table printed on standard output.
    pub fn table(&self) -> String {
        let labels: Vec<String> = (0..self.rows.len()).map(|i| self.label(i)).collect();
        let width = labels.iter().map(String::len).max().unwrap_or(0).max(11);
        let mut out = format!(
            "{:width$}  {:>7}  {:>9}  {:>9}  {:>9}  {:>9}  {:>12}  {:>9}  {:>8}  {:>10}\n",
            "combination",
            "runs",
            "p50",
            "p90",
            "p99",
            "max",
            "availability",
            "failovers",
            "never up",
            "violations"
        );
        for (label, a) in labels.iter().zip(&self.results.aggregates) {
            let [p50, p90, p99, max] = a.quartet_ns().map(secs);
            let _ = writeln!(
                out,
                "{label:width$}  {:>7}  {p50:>9}  {p90:>9}  {p99:>9}  {max:>9}  {:>11.4}%  {:>9.2}  {:>8}  {:>10}",
                a.runs,
                100.0 * a.availability(),
                a.failovers_per_run(),
                a.never_up,
                a.violations
            );
        }
        out
    }

    /// The results as CSV, one row per combination.
    pub fn csv(&self) -> String {
        let mut out = String::from("file");
        for setting in &self.settings {
            out.push(',');
            out.push_str(&csv_field(&setting.key));
        }
        out.push_str(",runs,p50_s,p90_s,p99_s,max_s,availability,failovers_per_run,never_up,violations,first_violation_seed,first_violation\n");
        for ((file, values), a) in self.rows.iter().zip(&self.results.aggregates) {
            out.push_str(&csv_field(file));
            for value in values {
                out.push(',');
                out.push_str(&csv_field(value));
            }
            let (seed, what) = a
                .first_violation
                .as_ref()
                .map_or((String::new(), String::new()), |(seed, f)| {
                    (seed.to_string(), format!("{}: {}", f.invariant, f.detail))
                });
            let [p50, p90, p99, max] = a.quartet_ns().map(csv_secs);
            let _ = writeln!(
                out,
                ",{},{p50},{p90},{p99},{max},{:.6},{:.4},{},{},{seed},{}",
                a.runs,
                a.availability(),
                a.failovers_per_run(),
                a.never_up,
                a.violations,
                csv_field(&what)
            );
        }
        out
    }
}

/// A CSV field, every control or invisible character escaped, quoted when it holds a
/// comma or a quote.
fn csv_field(text: &str) -> String {
    let text = link_core::printable(text);
    if text.contains([',', '"']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.into_owned()
    }
}

/// Parts that do not merge into one sweep.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// No part was given.
    #[error("nothing to merge")]
    Nothing,
    /// Two parts are of different sweeps.
    #[error("the outputs are of different sweeps (settings, scenarios, run options, seeds or --worst differ: {first} vs {other})")]
    DifferentSweeps {
        /// The first part's seeds.
        first: String,
        /// The other part's seeds.
        other: String,
    },
    /// A shard is given twice.
    #[error("shard {}/{} is given twice", .0.0, .0.1)]
    ShardTwice((u64, u64)),
    /// The shards are not every shard of `n`.
    #[error("the shards given ({}) are not every shard of {n}; a partial merge would not be the sweep's result", shards.join(", "))]
    Incomplete {
        /// The shards given, `I/N`.
        shards: Vec<String>,
        /// The shard count of the first.
        n: u64,
    },
}

/// Merges shard outputs of one sweep into one report. They must be the same sweep
/// (settings, combinations and what each ran, seeds, `--worst`), their shards distinct
/// and together every shard of `n`. Linear in what the parts hold.
pub fn merge(parts: Vec<Report>) -> Result<Report, MergeError> {
    let mut parts = parts.into_iter();
    let mut merged = parts.next().ok_or(MergeError::Nothing)?;
    let worst = merged.worst_n;
    let mut seen = std::collections::BTreeSet::new();
    for &shard in &merged.shards {
        if !seen.insert(shard) {
            return Err(MergeError::ShardTwice(shard));
        }
    }
    for part in parts {
        let same = part.settings == merged.settings
            && part.rows == merged.rows
            && part.seeds == merged.seeds
            && part.fingerprints == merged.fingerprints
            && part.worst_n == merged.worst_n;
        if !same {
            return Err(MergeError::DifferentSweeps {
                first: merged.seeds,
                other: part.seeds,
            });
        }
        for &shard in &part.shards {
            if !seen.insert(shard) {
                return Err(MergeError::ShardTwice(shard));
            }
        }
        merged.shards.extend(part.shards);
        merged.results.merge(part.results, worst);
    }
    let n = merged.shards.first().map_or(1, |s| s.1);
    let every = seen.len() as u64 == n && seen.iter().zip(1..).all(|(s, want)| *s == (want, n));
    if !every {
        let shards = merged
            .shards
            .iter()
            .map(|(i, n)| format!("{i}/{n}"))
            .collect();
        return Err(MergeError::Incomplete { shards, n });
    }
    merged.shards = vec![(1, 1)];
    Ok(merged)
}
