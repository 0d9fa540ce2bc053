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

/// The table's figure columns.
const HEADINGS: [&str; 9] = [
    "runs",
    "p50",
    "p90",
    "p99",
    "max",
    "availability",
    "failovers",
    "never up",
    "violations",
];

/// One combination's figures as the table prints them, in [`HEADINGS`] order.
fn row_figures(a: &super::Aggregate) -> [String; 9] {
    let [p50, p90, p99, max] = a.quartet_ns().map(secs);
    [
        a.runs.to_string(),
        p50,
        p90,
        p99,
        max,
        format!("{:.4}%", 100.0 * a.availability()),
        format!("{:.2}", a.failovers_per_run()),
        a.never_up.to_string(),
        a.violations.to_string(),
    ]
}

/// Each column's width: its heading's or its widest figure's.
fn column_widths(rows: &[[String; 9]]) -> [usize; 9] {
    let mut widths = HEADINGS.map(str::len);
    for row in rows {
        for (width, figure) in widths.iter_mut().zip(row) {
            *width = (*width).max(figure.len());
        }
    }
    widths
}

/// Cells right-aligned in their columns, two spaces apart.
fn columns(cells: &[String; 9], widths: &[usize; 9]) -> String {
    let cells: Vec<String> = cells
        .iter()
        .zip(widths)
        .map(|(cell, &w)| format!("{cell:>w$}"))
        .collect();
    cells.join("  ")
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
/// terminal), each `key=value` at most 60 characters (a value may be a long text).
pub fn label(file: &str, settings: &[Setting], values: &[String]) -> String {
    let mut label = link_core::printable(file).into_owned();
    for (setting, value) in settings.iter().zip(values) {
        let pair = format!("{}={value}", setting.key);
        let _ = write!(label, " {}", link_core::excerpt(&pair, 60));
    }
    label
}

impl Report {
    /// Combination `i`'s label: `file key=value ...`.
    pub fn label(&self, i: usize) -> String {
        let (file, values) = &self.rows[i];
        label(file, &self.settings, values)
    }

    /// Whether every combination comes from the same file.
    pub fn shares_a_file(&self) -> bool {
        self.rows.iter().all(|(file, _)| *file == self.rows[0].0)
    }

    /// Combination `i`'s label without its file when every combination shares it:
    /// `key=value ...`, empty when nothing is swept.
    pub fn short_label(&self, i: usize) -> String {
        match self.shares_a_file() {
            true => label("", &self.settings, &self.rows[i].1)
                .trim_start()
                .to_string(),
            false => self.label(i),
        }
    }

    /// The table printed on standard output, at most [`crate::wrap::WIDTH`] columns
    /// wide when it can be: the file named once above it when every combination
    /// shares it, each row labelled by its values alone; a row whose label and figures
    /// do not fit on one line has its label on a line of its own.
    pub fn table(&self) -> String {
        let shared = self.shares_a_file();
        let labels: Vec<String> = (0..self.rows.len()).map(|i| self.short_label(i)).collect();
        let figures: Vec<[String; 9]> = self.results.aggregates.iter().map(row_figures).collect();
        let widths = column_widths(&figures);
        let figures_width: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
        let label_width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let one_line = label_width == 0 || label_width + 2 + figures_width <= crate::wrap::WIDTH;
        let mut out = String::new();
        if shared && !self.rows.is_empty() {
            let _ = writeln!(out, "scenario {}", link_core::printable(&self.rows[0].0));
        }
        let pad = match (one_line, label_width) {
            (true, 0) => String::new(),
            (true, w) => " ".repeat(w + 2),
            (false, _) => String::new(),
        };
        let _ = writeln!(
            out,
            "{pad}{}",
            columns(&HEADINGS.map(String::from), &widths)
        );
        for (label, row) in labels.iter().zip(&figures) {
            let line = columns(row, &widths);
            let _ = match (one_line, label_width) {
                (true, 0) => writeln!(out, "{line}"),
                (true, w) => writeln!(out, "{label:w$}  {line}"),
                (false, _) => writeln!(out, "{}\n{line}", crate::wrap::wrap(label, 2)),
            };
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
