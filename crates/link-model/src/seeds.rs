//! Seed ranges and shards, as the command lines take them (`--seeds A..B`,
//! `--shard I/N`), and [`SeedSet`], the seeds one shard of a range runs, counted without
//! being collected. `linksim explore`, `linksim sweep` and `link-swarm` read them here.

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
            SeedsError::ShardOutOfRange { text } => {
                write!(f, "shard {text:?}: I must be between 1 and N")
            }
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
        assert_eq!(shard("0/3"), "shard \"0/3\": I must be between 1 and N");
        assert_eq!(shard("4/3"), "shard \"4/3\": I must be between 1 and N");
        assert_eq!(shard("2"), "shard \"2\": write it like 2/4");
    }
}
