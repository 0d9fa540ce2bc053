//! A sweep's results written out: the table on standard output, CSV, and JSON that
//! holds the exact sums, so that shard outputs merge back ([`merge`]) into what one
//! unsharded run prints, byte for byte.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::{Aggregate, Results, Setting, WorstRun};
use crate::verdict::{Found, Invariant, Kind};

/// The format version of a sweep's JSON output.
pub const FORMAT: u64 = 1;

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

/// A combination's label: `file key=value ...`.
pub fn label(file: &str, settings: &[Setting], values: &[String]) -> String {
    let mut label = file.to_string();
    for (setting, value) in settings.iter().zip(values) {
        let _ = write!(label, " {}={value}", setting.key);
    }
    label
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

    /// The results as JSON, with the exact sums a merge needs.
    pub fn json(&self) -> Value {
        let combinations: Vec<Value> = (self.rows.iter().zip(&self.results.aggregates))
            .enumerate()
            .map(|(i, ((file, values), a))| {
                let mut c = combination_json(&self.label(i), file, values, a);
                c["fingerprint"] =
                    format!("{:016x}", self.fingerprints.get(i).copied().unwrap_or(0)).into();
                c
            })
            .collect();
        json!({
            "linksim_sweep": FORMAT,
            "seeds": self.seeds,
            "shards": self.shards.iter().map(|(i, n)| format!("{i}/{n}")).collect::<Vec<_>>(),
            "settings": self.settings.iter().map(|s| json!({"key": s.key, "values": s.values})).collect::<Vec<_>>(),
            "combinations": combinations,
            "worst_n": self.worst_n,
            "worst": self.results.worst.iter().map(|w| json!({
                "combination": w.combination, "seed": w.seed, "longest_ns": w.longest_ns,
                "longest_s": w.longest_ns as f64 / 1e9,
            })).collect::<Vec<_>>(),
        })
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn combination_json(label: &str, file: &str, values: &[String], a: &Aggregate) -> Value {
    let violation = a.first_violation.as_ref().map(|(seed, f)| {
        json!({
            "seed": seed, "invariant": f.invariant.name(), "kind": kind_name(f.invariant.kind()),
            "server": f.server, "at_ns": f.at_ns, "detail": f.detail,
        })
    });
    json!({
        "label": label, "file": file, "values": values,
        "runs": a.runs,
        "p50_s": a.percentile_ns(50.0) as f64 / 1e9,
        "p90_s": a.percentile_ns(90.0) as f64 / 1e9,
        "p99_s": a.percentile_ns(99.0) as f64 / 1e9,
        "max_s": a.percentile_ns(100.0) as f64 / 1e9,
        "availability": a.availability(),
        "failovers_per_run": a.failovers_per_run(),
        "never_up": a.never_up,
        "violations": a.violations,
        "first_violation": violation,
        "sums": {
            "longest_ms": a.longest.iter().map(|(v, n)| [*v, *n]).collect::<Vec<_>>(),
            "up_ns": a.up_ns.to_string(),
            "run_ns": a.run_ns.to_string(),
            "outages": a.outages,
        },
    })
}

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

/// `v` as a string.
fn text_of(v: &Value, what: &str) -> Result<String, String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{what} is not a string"))
}

/// The strings of list `v`.
fn texts(v: &Value, what: &str) -> Result<Vec<String>, String> {
    array(v, what)?.iter().map(|x| text_of(x, what)).collect()
}

/// Reads one sweep JSON output back, refusing anything a sweep could not have written.
pub fn read(text: &str) -> Result<Report, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    if v["linksim_sweep"] != FORMAT {
        return Err(format!("not a linksim sweep output of format {FORMAT} (\"linksim_sweep\" is missing or different)"));
    }
    let settings = array(&v["settings"], "settings")?
        .iter()
        .map(|s| {
            let values = texts(&s["values"], "settings.values")?;
            Ok(Setting {
                key: text_of(&s["key"], "settings.key")?,
                values,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let (rows, fingerprints, aggregates) = read_combinations(&v, &settings)?;
    let worst = read_worst(&v, rows.len())?;
    let shards = texts(&v["shards"], "shards")?
        .iter()
        .map(|s| crate::seeds::parse_shard(s).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Report {
        settings,
        rows,
        seeds: text_of(&v["seeds"], "seeds")?,
        shards,
        fingerprints,
        worst_n: number(&v["worst_n"], "worst_n")? as usize,
        results: Results { aggregates, worst },
    })
}

type Rows = Vec<(String, Vec<String>)>;

/// Each combination's file and values (one known value per setting), fingerprint and sums.
fn read_combinations(
    v: &Value,
    settings: &[Setting],
) -> Result<(Rows, Vec<u64>, Vec<Aggregate>), String> {
    let (mut rows, mut fingerprints, mut aggregates) = (Vec::new(), Vec::new(), Vec::new());
    for c in array(&v["combinations"], "combinations")? {
        let values = texts(&c["values"], "values")?;
        let known = values.len() == settings.len()
            && values
                .iter()
                .zip(settings)
                .all(|(v, s)| s.values.contains(v));
        if !known {
            return Err(format!(
                "a combination's values {values:?} are not one value of each setting"
            ));
        }
        let fingerprint = c["fingerprint"]
            .as_str()
            .and_then(|f| u64::from_str_radix(f, 16).ok());
        fingerprints.push(fingerprint.ok_or("a combination has no fingerprint")?);
        rows.push((text_of(&c["file"], "file")?, values));
        aggregates.push(read_aggregate(c)?);
    }
    Ok((rows, fingerprints, aggregates))
}

/// The worst runs, each of one of the `combinations`.
fn read_worst(v: &Value, combinations: usize) -> Result<Vec<WorstRun>, String> {
    array(&v["worst"], "worst")?
        .iter()
        .map(|w| {
            let combination = number(&w["combination"], "worst.combination")? as usize;
            if combination >= combinations {
                return Err(format!(
                    "worst run of combination {combination}, of {combinations}"
                ));
            }
            Ok(WorstRun {
                combination,
                seed: number(&w["seed"], "worst.seed")?,
                longest_ns: number(&w["longest_ns"], "worst.longest_ns")?,
            })
        })
        .collect()
}

fn array<'a>(v: &'a Value, what: &str) -> Result<&'a Vec<Value>, String> {
    v.as_array().ok_or_else(|| format!("{what} is not a list"))
}

fn number(v: &Value, what: &str) -> Result<u64, String> {
    v.as_u64()
        .ok_or_else(|| format!("{what} is not a whole number"))
}

fn big(v: &Value, what: &str) -> Result<u128, String> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{what} is not a number in a string"))
}

fn read_aggregate(c: &Value) -> Result<Aggregate, String> {
    let sums = &c["sums"];
    let mut longest = std::collections::BTreeMap::new();
    for pair in array(&sums["longest_ms"], "sums.longest_ms")? {
        let (value, runs) = (
            number(&pair[0], "a longest value")?,
            number(&pair[1], "a run count")?,
        );
        if value > u64::MAX / 1_000_000 {
            return Err(format!("a longest outage of {value} ms is past any run"));
        }
        let count: &mut u64 = longest.entry(value).or_default();
        *count = count.saturating_add(runs);
    }
    let first_violation = match &c["first_violation"] {
        Value::Null => None,
        f => {
            let name = f["invariant"].as_str().unwrap_or_default();
            let kind = f["kind"].as_str().unwrap_or_default();
            let invariant = invariant_named(name, kind)
                .ok_or_else(|| format!("unknown invariant {name:?} ({kind})"))?;
            Some((
                number(&f["seed"], "first_violation.seed")?,
                Found {
                    invariant,
                    server: f["server"].as_str().map(str::to_string),
                    at_ns: number(&f["at_ns"], "first_violation.at_ns")?,
                    detail: f["detail"].as_str().unwrap_or_default().to_string(),
                },
            ))
        }
    };
    Ok(Aggregate {
        runs: number(&c["runs"], "runs")?,
        longest,
        up_ns: big(&sums["up_ns"], "sums.up_ns")?,
        run_ns: big(&sums["run_ns"], "sums.run_ns")?,
        outages: number(&sums["outages"], "sums.outages")?,
        never_up: number(&c["never_up"], "never_up")?,
        violations: number(&c["violations"], "violations")?,
        first_violation,
    })
}

/// Merges shard outputs of one sweep into one report. They must be the same sweep
/// (settings, combinations and what each ran, seeds, `--worst`), their shards distinct
/// and together every shard of `n`.
pub fn merge(parts: Vec<Report>) -> Result<Report, String> {
    let mut parts = parts.into_iter();
    let mut merged = parts.next().ok_or("nothing to merge")?;
    let worst = merged.worst_n;
    for part in parts {
        let key = |r: &Report| {
            (
                r.settings.clone(),
                r.rows.clone(),
                r.seeds.clone(),
                r.fingerprints.clone(),
                r.worst_n,
            )
        };
        if key(&part) != key(&merged) {
            return Err(format!(
                "the outputs are of different sweeps (settings, scenarios, run options, seeds or --worst differ: {} vs {})",
                merged.seeds, part.seeds
            ));
        }
        for shard in &part.shards {
            if merged.shards.contains(shard) {
                return Err(format!("shard {}/{} is given twice", shard.0, shard.1));
            }
        }
        merged.shards.extend(part.shards);
        merged.results.merge(part.results, worst);
    }
    let n = merged.shards.first().map_or(1, |s| s.1);
    let mut have: Vec<u64> = merged
        .shards
        .iter()
        .filter(|s| s.1 == n)
        .map(|s| s.0)
        .collect();
    have.sort_unstable();
    let every = have.len() as u64 == n && have.iter().zip(1..).all(|(i, want)| *i == want);
    if merged.shards.iter().any(|s| s.1 != n) || !every {
        let shown: Vec<String> = merged
            .shards
            .iter()
            .map(|(i, n)| format!("{i}/{n}"))
            .collect();
        return Err(format!("the shards given ({}) are not every shard of {n}; a partial merge would not be the sweep's result", shown.join(", ")));
    }
    merged.shards = vec![(1, 1)];
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

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
