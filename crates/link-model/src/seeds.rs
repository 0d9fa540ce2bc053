//! Seed ranges and shards, as the command lines take them (`--seeds A..B`,
//! `--shard I/N`, `--shard-index I --shards N`, `--shard-from slurm|k8s`), and
//! [`SeedSet`], the seeds one shard of a range runs, counted without being collected.
//! `linksim explore`, `linksim sweep` and `link-swarm` read them here.
//!
//! A shard is numbered from 1 in `I/N` (GNU parallel's `{#}`) and from 0 where a batch
//! scheduler numbers its tasks from 0 (Slurm's `--array=0-3`, Kubernetes Indexed Jobs):
//! [`ShardSource`] takes either, or reads the scheduler's variables, and never shifts
//! an index silently.

use core::fmt;
use core::ops::Range;

/// A seed range or shard that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeedsError {
    /// Not in the form `A..B` (or `I/N` for a shard).
    Form {
        /// `seeds` or `shard`.
        what: &'static str,
        /// The text given.
        text: String,
    },
    /// A part is not a whole number.
    NotANumber {
        /// `seeds` or `shard`.
        what: &'static str,
        /// The text given.
        text: String,
        /// The part that is not a number.
        part: String,
    },
    /// `A..B` with `A >= B`.
    Empty {
        /// The text given.
        text: String,
    },
    /// A shard `I/N` with `I` outside `1..=N`.
    ShardOutOfRange {
        /// The text given.
        text: String,
    },
    /// A 0-based shard index `I` of `N` with `I >= N` (or `N` = 0).
    IndexOutOfRange {
        /// The index.
        index: u64,
        /// The count.
        count: u64,
    },
    /// A scheduler's variable is missing or unusable.
    Scheduler {
        /// The variable.
        variable: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

impl fmt::Display for SeedsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeedsError::Form { what, text } => {
                let example = if *what == "shard" { "2/4" } else { "0..5000" };
                write!(f, "{what} {text:?}: write it like {example}")
            }
            SeedsError::NotANumber { what, text, part } => {
                write!(f, "{what} {text:?}: {part:?} is not a number")
            }
            SeedsError::Empty { text } => write!(f, "seeds {text:?}: the range is empty"),
            SeedsError::ShardOutOfRange { text } if text.trim_start().starts_with('0') => write!(
                f,
                "shard {text:?}: I/N counts from 1; for a 0-based index (Slurm's --array=0-3, a \
                 Kubernetes Indexed Job) write --shard-index I --shards N, or let linksim read \
                 the scheduler's variables: --shard-from slurm, --shard-from k8s --shards N"
            ),
            SeedsError::ShardOutOfRange { text } => {
                write!(f, "shard {text:?}: I must be between 1 and N")
            }
            SeedsError::IndexOutOfRange { index, count } => write!(
                f,
                "shard index {index} of {count} shards: a 0-based index must be below the count"
            ),
            SeedsError::Scheduler { variable, problem } => write!(f, "{variable}: {problem}"),
        }
    }
}

impl std::error::Error for SeedsError {}

/// Splits `text` at `separator` into two whole numbers.
fn number_pair(text: &str, separator: &str, what: &'static str) -> Result<(u64, u64), SeedsError> {
    let (a, b) = text.split_once(separator).ok_or_else(|| SeedsError::Form {
        what,
        text: text.into(),
    })?;
    let number = |part: &str| {
        part.trim()
            .parse::<u64>()
            .map_err(|_| SeedsError::NotANumber {
                what,
                text: text.into(),
                part: part.into(),
            })
    };
    Ok((number(a)?, number(b)?))
}

/// Reads `A..B` (B excluded, at least one seed).
pub fn parse_range(text: &str) -> Result<Range<u64>, SeedsError> {
    let (a, b) = number_pair(text, "..", "seeds")?;
    if a >= b {
        return Err(SeedsError::Empty { text: text.into() });
    }
    Ok(a..b)
}

/// Reads `I/N`: shard I (1-based) of N.
pub fn parse_shard(text: &str) -> Result<(u64, u64), SeedsError> {
    let (i, n) = number_pair(text, "/", "shard")?;
    if n == 0 || i == 0 || i > n {
        return Err(SeedsError::ShardOutOfRange { text: text.into() });
    }
    Ok((i, n))
}

/// Where a run's shard comes from. Every form resolves to the 1-based `(i, n)` that
/// [`SeedSet::new`] and the outputs use (`shard 1/4` is 0-based index 0 of 4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShardSource {
    /// `--shard I/N`: 1-based.
    OneBased(String),
    /// `--shard-index I --shards N`: 0-based.
    ZeroBased {
        /// The index, from 0.
        index: u64,
        /// The shard count.
        count: u64,
    },
    /// `--shard-from slurm`: a Slurm job array task. The index is
    /// `SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN`, the count `SLURM_ARRAY_TASK_COUNT`
    /// (`--array=0-3` and `--array=1-4` both give shards 1/4 to 4/4); an array with a
    /// step (`--array=0-6:2`) is refused. `count`, if given, must agree.
    Slurm {
        /// `--shards N`, if given.
        count: Option<u64>,
    },
    /// `--shard-from k8s --shards N`: a Kubernetes Indexed Job's pod, its 0-based index
    /// in `JOB_COMPLETION_INDEX` (the Job's `completions` is the count).
    Kubernetes {
        /// `--shards N`.
        count: u64,
    },
}

/// The names `--shard-from` takes.
pub const SCHEDULERS: [&str; 2] = ["slurm", "k8s"];

impl ShardSource {
    /// The 1-based shard `(i, n)`, reading a scheduler's variables through `var` (the
    /// process environment, in the command lines).
    pub fn resolve(&self, var: impl Fn(&str) -> Option<String>) -> Result<(u64, u64), SeedsError> {
        match *self {
            ShardSource::OneBased(ref text) => parse_shard(text),
            ShardSource::ZeroBased { index, count } => zero_based(index, count),
            ShardSource::Slurm { count } => slurm(&var, count),
            ShardSource::Kubernetes { count } => {
                let index = number_var(&var, "JOB_COMPLETION_INDEX")?;
                zero_based(index, count)
            }
        }
    }
}

/// 0-based `index` of `count`, as the 1-based pair.
fn zero_based(index: u64, count: u64) -> Result<(u64, u64), SeedsError> {
    if index >= count {
        return Err(SeedsError::IndexOutOfRange { index, count });
    }
    Ok((index + 1, count))
}

/// A scheduler's variable, a whole number.
fn number_var(
    var: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
) -> Result<u64, SeedsError> {
    let problem = |problem: String| SeedsError::Scheduler { variable, problem };
    let text = var(variable)
        .ok_or_else(|| problem("not set: is this a task of the scheduler's array?".into()))?;
    text.trim()
        .parse()
        .map_err(|_| problem(format!("{text:?} is not a whole number")))
}

/// A Slurm array task's shard.
fn slurm(
    var: &impl Fn(&str) -> Option<String>,
    asked: Option<u64>,
) -> Result<(u64, u64), SeedsError> {
    let id = number_var(var, "SLURM_ARRAY_TASK_ID")?;
    let min = number_var(var, "SLURM_ARRAY_TASK_MIN")?;
    let count = number_var(var, "SLURM_ARRAY_TASK_COUNT")?;
    if let Some(step) = var("SLURM_ARRAY_TASK_STEP").filter(|s| s.trim() != "1") {
        return Err(SeedsError::Scheduler {
            variable: "SLURM_ARRAY_TASK_STEP",
            problem: format!(
                "{step}: an array with a step leaves shards out; use a contiguous --array=0-{}",
                count.saturating_sub(1)
            ),
        });
    }
    if let Some(asked) = asked.filter(|&n| n != count) {
        return Err(SeedsError::Scheduler {
            variable: "SLURM_ARRAY_TASK_COUNT",
            problem: format!("{count}, but --shards says {asked}"),
        });
    }
    let index = id.checked_sub(min).ok_or_else(|| SeedsError::Scheduler {
        variable: "SLURM_ARRAY_TASK_ID",
        problem: format!("{id} is below SLURM_ARRAY_TASK_MIN {min}"),
    })?;
    zero_based(index, count)
}

/// The shard flags of `explore`, `sweep` and `link-swarm` (feature `cli`): which shard
/// of the seeds to run, in any of [`ShardSource`]'s forms.
#[cfg(feature = "cli")]
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ShardFlags {
    /// Run only shard I of N of the seeds (every N-th seed), counted from 1, e.g. 2/4.
    #[arg(long, value_name = "I/N", conflicts_with_all = ["shard_index", "shard_from", "shards"])]
    pub shard: Option<String>,
    /// Run only shard I of --shards N, counted from 0 (a scheduler's task index as it
    /// comes: Slurm's --array=0-3, a Kubernetes Indexed Job).
    #[arg(
        long,
        value_name = "I",
        requires = "shards",
        conflicts_with = "shard_from"
    )]
    pub shard_index: Option<u64>,
    /// Read the shard from a batch scheduler: slurm (SLURM_ARRAY_TASK_ID, _MIN and
    /// _COUNT) or k8s (JOB_COMPLETION_INDEX, with --shards N).
    #[arg(long, value_name = "SCHEDULER", value_parser = SCHEDULERS)]
    pub shard_from: Option<String>,
    /// The shard count, for --shard-index and --shard-from.
    #[arg(long, value_name = "N")]
    pub shards: Option<u64>,
}

#[cfg(feature = "cli")]
impl ShardFlags {
    /// The 1-based shard `(i, n)` the flags name (`(1, 1)`: the whole range), a
    /// scheduler's variables read from the environment.
    pub fn resolve(&self) -> Result<(u64, u64), SeedsError> {
        let source = match (&self.shard, self.shard_index, self.shard_from.as_deref()) {
            (Some(text), _, _) => ShardSource::OneBased(text.clone()),
            (None, Some(index), _) => ShardSource::ZeroBased {
                index,
                count: self.shards.unwrap_or(0),
            },
            (None, None, Some("slurm")) => ShardSource::Slurm { count: self.shards },
            (None, None, Some(_)) => ShardSource::Kubernetes {
                count: self.shards.ok_or(SeedsError::Scheduler {
                    variable: "JOB_COMPLETION_INDEX",
                    problem: "--shard-from k8s needs --shards N (the Job's completions)".into(),
                })?,
            },
            (None, None, None) if self.shards.is_some() => {
                return Err(SeedsError::Scheduler {
                    variable: "--shards",
                    problem: "given without --shard-index or --shard-from".into(),
                })
            }
            (None, None, None) => return Ok((1, 1)),
        };
        source.resolve(|name| std::env::var(name).ok())
    }
}

/// The seeds one shard runs, as an arithmetic sequence: `first`, `first + step`, ...
/// (`count` of them). Nothing is collected, so any range costs constant memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedSet {
    /// The first seed.
    pub first: u64,
    /// The distance between seeds (the shard count).
    pub step: u64,
    /// How many seeds.
    pub count: u64,
}

impl SeedSet {
    /// The seeds of `range` that shard `i` of `n` (1-based, as [`parse_shard`] returns)
    /// runs: those whose remainder modulo `n` is `i - 1`. Shards take equal shares of
    /// any range and together cover it exactly once.
    pub fn new(range: Range<u64>, shard: (u64, u64)) -> Self {
        let (i, n) = shard;
        let n = n.max(1);
        let (a, b) = (u128::from(range.start), u128::from(range.end));
        let remainder = u128::from((i.max(1) - 1) % n);
        let n128 = u128::from(n);
        let first = a + (remainder + n128 - a % n128) % n128;
        let count = if first >= b {
            0
        } else {
            (b - 1 - first) / n128 + 1
        };
        SeedSet {
            first: first.min(u128::from(u64::MAX)) as u64,
            step: n,
            count: count as u64,
        }
    }

    /// The seeds from position `from` on, at most `len` of them.
    pub fn slice(&self, from: u64, len: u64) -> Vec<u64> {
        let end = from.saturating_add(len).min(self.count);
        (from..end).map(|k| self.first + k * self.step).collect()
    }

    /// Every seed, in order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.count).map(|k| self.first + k * self.step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_a_range_exactly() {
        let all: Vec<u64> = (1..=3)
            .flat_map(|i| SeedSet::new(10..20, (i, 3)).iter().collect::<Vec<_>>())
            .collect();
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(sorted, (10..20).collect::<Vec<_>>());
        let far = SeedSet::new(0..u64::MAX, (3, 1_000_000_000_000));
        assert_eq!((far.first, far.step), (2, 1_000_000_000_000));
        assert_eq!(far.count, u64::MAX / 1_000_000_000_000 + 1);
        let last = far.slice(far.count - 1, 10);
        assert_eq!(last, [far.first + (far.count - 1) * far.step]);
        assert!(last[0] < u64::MAX);
        assert_eq!(SeedSet::new(0..1, (2, 2)).count, 0);
        assert_eq!(
            SeedSet::new(u64::MAX - 1..u64::MAX, (1, 1)).slice(0, 5),
            [u64::MAX - 1]
        );
    }

    #[test]
    fn ranges_and_shards_are_read_or_refused_with_what_to_write() {
        assert_eq!(parse_range("3..7"), Ok(3..7));
        assert_eq!(parse_range(" 3 .. 7 "), Ok(3..7));
        assert_eq!(parse_shard("2/4"), Ok((2, 4)));
        let refused = |r: Result<(), SeedsError>| r.unwrap_err().to_string();
        let range = |t| refused(parse_range(t).map(|_| ()));
        let shard = |t| refused(parse_shard(t).map(|_| ()));
        assert_eq!(range("5..5"), "seeds \"5..5\": the range is empty");
        assert_eq!(range("5-9"), "seeds \"5-9\": write it like 0..5000");
        assert_eq!(range("a..9"), "seeds \"a..9\": \"a\" is not a number");
        assert!(shard("0/3").starts_with("shard \"0/3\": I/N counts from 1; for a 0-based index"));
        assert!(shard("0/3").contains("--shard-index I --shards N"));
        assert_eq!(shard("4/3"), "shard \"4/3\": I must be between 1 and N");
        assert_eq!(shard("2"), "shard \"2\": write it like 2/4");
    }

    #[test]
    fn every_shard_form_resolves_to_the_same_one_based_shard_and_none_shifts() {
        let none = |_: &str| None;
        fn vars<'a>(pairs: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
            move |name| (pairs.iter().find(|(n, _)| *n == name)).map(|(_, v)| v.to_string())
        }
        assert_eq!(
            ShardSource::OneBased("1/4".into()).resolve(none),
            Ok((1, 4))
        );
        let zero = ShardSource::ZeroBased { index: 0, count: 4 };
        assert_eq!(zero.resolve(none), Ok((1, 4)));
        let past = ShardSource::ZeroBased { index: 4, count: 4 };
        assert_eq!(
            past.resolve(none),
            Err(SeedsError::IndexOutOfRange { index: 4, count: 4 })
        );
        // --array=0-3, task 0, and --array=1-4, task 1: both the first shard of four.
        let from_zero = [
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        let from_one = [
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        let slurm = ShardSource::Slurm { count: None };
        assert_eq!(slurm.resolve(vars(&from_zero)), Ok((1, 4)));
        assert_eq!(slurm.resolve(vars(&from_one)), Ok((1, 4)));
        let stepped = [
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "2"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
        ];
        let refused = slurm.resolve(vars(&stepped)).unwrap_err();
        assert!(refused
            .to_string()
            .starts_with("SLURM_ARRAY_TASK_STEP: 2: an array with a step"));
        let wrong = ShardSource::Slurm { count: Some(3) };
        assert!(wrong.resolve(vars(&from_zero)).is_err());
        assert!(slurm
            .resolve(none)
            .unwrap_err()
            .to_string()
            .starts_with("SLURM_ARRAY_TASK_ID: not set"));
        let k8s = ShardSource::Kubernetes { count: 4 };
        let pod = [("JOB_COMPLETION_INDEX", "3")];
        assert_eq!(k8s.resolve(vars(&pod)), Ok((4, 4)));
    }
}
