//! A range of seeds, on several threads: each seed's world drawn, run and checked, and
//! the summary a person reads (seeds, simulated time, records, faults, what L1 was
//! claimed for, and every failing seed with the command that replays it).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use link_core::Fnv1a;
use link_model::seeds::SeedSet;
use link_tokio::{DriverBug, Record};

use crate::check::{check_with_marks, Finding, Verdict};
use crate::run::{run, RunError};
use crate::world::World;

/// One seed's result.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The seed.
    pub seed: u64,
    /// Simulated time run.
    pub simulated: Duration,
    /// Records the driver reported.
    pub records: usize,
    /// A hash of those records (FNV-1a over their debug text): the same seed must
    /// give the same fingerprint on every run.
    pub fingerprint: u64,
    /// Faults the world had, by kind name.
    pub faults: Vec<&'static str>,
    /// Priority changes the driver was sent.
    pub reconfigurations: usize,
    /// What the checks concluded.
    pub result: Result<Verdict, Failure>,
    /// The rule marks the driver's core reached ([`link_core::Mark`]).
    pub marks: link_core::MarkCounts,
}

/// Why a seed failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// A check failed.
    Finding(Finding),
    /// The world could not be run.
    Run(RunError),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Finding(finding) => finding.fmt(f),
            Failure::Run(e) => e.fmt(f),
        }
    }
}

/// Runs and checks one seed.
pub fn one(seed: u64, bug: Option<DriverBug>) -> Outcome {
    let world = World::draw(seed);
    let faults = world.faults.iter().map(|f| f.kind.name()).collect();
    let reconfigurations = world.reconfigurations.len();
    match run(&world, bug) {
        Ok(observed) => {
            let (result, marks) = check_with_marks(&world, &observed);
            Outcome {
                seed,
                simulated: observed.simulated,
                records: observed.records.len(),
                fingerprint: fingerprint(&observed.records),
                faults,
                reconfigurations,
                result: result.map_err(Failure::Finding),
                marks,
            }
        }
        Err(e) => Outcome {
            seed,
            simulated: Duration::ZERO,
            records: 0,
            fingerprint: 0,
            faults,
            reconfigurations,
            result: Err(Failure::Run(e)),
            marks: link_core::MarkCounts::default(),
        },
    }
}

/// FNV-1a over the records' debug text: fixed, the same on every machine.
pub fn fingerprint(records: &[Record]) -> u64 {
    let mut hash = Fnv1a::new();
    for record in records {
        hash.bytes(format!("{record:?}\n").bytes());
    }
    hash.value()
}

/// The largest seed a range may hold: far from `u64::MAX`, so that no count wraps.
pub const MAX_SEED: u64 = 1 << 62;

/// Runs `seeds` on `jobs` threads (at least one); outcomes in seed order. Seeds past
/// [`MAX_SEED`] are not run.
pub fn many(seeds: Range<u64>, jobs: usize, bug: Option<DriverBug>) -> Vec<Outcome> {
    many_in(SeedSet::new(seeds, (1, 1)), jobs, bug)
}

/// [`many`] over one shard's seeds.
pub fn many_in(seeds: SeedSet, jobs: usize, bug: Option<DriverBug>) -> Vec<Outcome> {
    let next = AtomicU64::new(0);
    let outcomes = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= seeds.count {
                    return;
                }
                // The k-th seed of the shard, without collecting a slice for it.
                let seed = seeds.first + k * seeds.step;
                if seed > MAX_SEED {
                    return;
                }
                let outcome = one(seed, bug);
                outcomes
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push(outcome);
            });
        }
    });
    let mut outcomes = outcomes
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    outcomes.sort_by_key(|o| o.seed);
    outcomes
}

/// What a range of seeds came to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Seeds run.
    pub seeds: u64,
    /// Simulated time, all seeds together.
    pub simulated: Duration,
    /// Records checked.
    pub records: u64,
    /// Faults, by kind.
    pub faults: BTreeMap<&'static str, u64>,
    /// Priority changes sent.
    pub reconfigurations: u64,
    /// Seeds where L1 was checked.
    pub l1_checked: u64,
    /// Of those, the seeds with no link active at the last heal (L1 asked for a
    /// recovery, not only that the active link last).
    pub l1_recovered: u64,
    /// Seeds where it was not, by reason.
    pub l1_skipped: BTreeMap<&'static str, u64>,
    /// The failing seeds.
    pub failed: Vec<u64>,
    /// The rule marks the driver's core reached, all seeds together.
    pub marks: link_core::MarkCounts,
}

impl Summary {
    /// The summary of `outcomes`.
    pub fn of(outcomes: &[Outcome]) -> Summary {
        let mut summary = Summary::default();
        for o in outcomes {
            summary.seeds += 1;
            summary.simulated += o.simulated;
            summary.records += o.records as u64;
            summary.reconfigurations += o.reconfigurations as u64;
            summary.marks.add(&o.marks);
            for kind in &o.faults {
                *summary.faults.entry(kind).or_default() += 1;
            }
            match &o.result {
                Ok(Verdict::Passed { recovered }) => {
                    summary.l1_checked += 1;
                    summary.l1_recovered += u64::from(*recovered);
                }
                Ok(Verdict::PassedWithoutL1(why)) => {
                    *summary.l1_skipped.entry(why).or_default() += 1
                }
                Err(_) => summary.failed.push(o.seed),
            }
        }
        summary
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hours = self.simulated.as_secs_f64() / 3600.0;
        writeln!(
            f,
            "{} seeds, {hours:.2} simulated hours, {} records checked",
            self.seeds, self.records
        )?;
        let faults: Vec<String> = self
            .faults
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        let faults = match faults.is_empty() {
            true => "none".to_owned(),
            false => faults.join(", "),
        };
        writeln!(
            f,
            "faults: {faults}; {} priority changes",
            self.reconfigurations
        )?;
        writeln!(
            f,
            "L1 checked in {} seeds ({} of them with no link active at the last heal)",
            self.l1_checked, self.l1_recovered
        )?;
        for (why, n) in &self.l1_skipped {
            writeln!(f, "  not claimed in {n}: {why}")?;
        }
        let unreached: Vec<&str> = self.marks.unreached().map(link_core::Mark::name).collect();
        let count = link_core::Mark::COUNT;
        writeln!(
            f,
            "rule marks: {} of {count} reached",
            count - unreached.len()
        )?;
        for line in unreached.chunks(3) {
            writeln!(f, "  never reached: {}", line.join(", "))?;
        }
        match self.failed.len() {
            0 => write!(f, "no violation"),
            n => write!(f, "{n} failing seed(s): {:?}", self.failed),
        }
    }
}
