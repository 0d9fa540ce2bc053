//! [`SimDuration`]: a duration as scenario files write it, a number with a unit
//! (`"150ms"`, `"2s"`, `"1.5s"`, `"5m"`). A bare number is refused with a message that
//! says which unit to add, so `"connect_tout": 2` cannot silently mean 2 ms or 2 s.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative duration written with a unit: `ns`, `us`, `ms`, `s`, `m` or `h`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub Duration);

const UNITS: [(&str, u64); 6] = [
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
];

impl SimDuration {
    /// `n` milliseconds.
    pub const fn from_millis(n: u64) -> Self {
        SimDuration(Duration::from_millis(n))
    }

    /// `n` seconds.
    pub const fn from_secs(n: u64) -> Self {
        SimDuration(Duration::from_secs(n))
    }

    /// Parses `"150ms"`, `"2s"`, `"1.5s"`, `"5m"`, `"1h"`, `"0s"`.
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        let text = text.trim();
        let error = |kind| DurationError {
            text: text.to_string(),
            kind,
        };
        if text.starts_with('-') {
            return Err(error(DurationProblem::Negative));
        }
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        if number.is_empty() {
            return Err(error(DurationProblem::NoNumber));
        }
        let Some(&(_, nanos_per_unit)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(error(match unit.is_empty() {
                true => DurationProblem::NoUnit {
                    number: number.to_string(),
                },
                false => DurationProblem::UnknownUnit {
                    unit: unit.to_string(),
                    meant: unit_meant(unit).map(|u| format!("{number}{u}")),
                },
            }));
        };
        let nanos = nanos_of(number, nanos_per_unit).map_err(error)?;
        Ok(SimDuration(Duration::from_nanos(nanos)))
    }

    /// The duration as nanoseconds (saturating).
    pub fn as_nanos(self) -> u64 {
        u64::try_from(self.0.as_nanos()).unwrap_or(u64::MAX)
    }
}

/// `number` (digits, at most one point) times `nanos_per_unit`, exactly.
fn nanos_of(number: &str, nanos_per_unit: u64) -> Result<u64, DurationProblem> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    // Trailing zeros add no precision: "1.0ns" and "1.500000000s" are exact.
    let fraction = fraction.trim_end_matches('0');
    if whole.is_empty() || fraction.contains('.') {
        return Err(DurationProblem::NotANumber);
    }
    let whole: u64 = whole.parse().map_err(|_| DurationProblem::TooLarge)?;
    let mut nanos = whole
        .checked_mul(nanos_per_unit)
        .ok_or(DurationProblem::TooLarge)?;
    let mut scale = nanos_per_unit;
    for digit in fraction.bytes() {
        scale /= 10;
        if scale == 0 {
            return Err(DurationProblem::FinerThanANanosecond);
        }
        nanos = nanos
            .checked_add(u64::from(digit - b'0') * scale)
            .ok_or(DurationProblem::TooLarge)?;
    }
    Ok(nanos)
}

/// The unit a near miss means: a space before it (`"5 s"`), or a word for it (`"sec"`,
/// `"minutes"`, `"msec"`), in any case.
fn unit_meant(written: &str) -> Option<&'static str> {
    let word = written.trim().to_ascii_lowercase();
    let word = word.trim_end_matches('.');
    let unit = match word {
        "h" | "hr" | "hrs" | "hour" | "hours" => "h",
        "m" | "min" | "mins" | "minute" | "minutes" => "m",
        "s" | "sec" | "secs" | "second" | "seconds" => "s",
        "ms" | "msec" | "msecs" | "millis" | "millisecond" | "milliseconds" => "ms",
        "us" | "µs" | "usec" | "usecs" | "micros" | "microsecond" | "microseconds" => "us",
        "ns" | "nsec" | "nsecs" | "nanos" | "nanosecond" | "nanoseconds" => "ns",
        _ => return None,
    };
    Some(unit)
}

/// A duration a scenario or a flag wrote that is not one: the text, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.kind.message(&self.text))]
pub struct DurationError {
    /// The text as written.
    pub text: String,
    /// What is wrong with it.
    pub kind: DurationProblem,
}

/// What is wrong with a duration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DurationProblem {
    /// It starts with a minus.
    Negative,
    /// It has no number.
    NoNumber,
    /// It has a number and no unit.
    NoUnit {
        /// The number, to show with a unit.
        number: String,
    },
    /// Its unit is not one of `ns`, `us`, `ms`, `s`, `m`, `h`.
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The duration it probably means (`"5 sec"`: `"5s"`).
        meant: Option<String>,
    },
    /// Its number is not a number (two points, no digit before the point).
    NotANumber,
    /// It does not fit in 2^64 nanoseconds.
    TooLarge,
    /// It has more decimals than nanoseconds have.
    FinerThanANanosecond,
    /// A range whose start is after its end.
    Backwards,
}

/// At most 40 characters of `text`, then `…` when there was more.
fn short(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &text[..at]).into(),
        None => text.into(),
    }
}

impl DurationProblem {
    /// The message for duration `text` (quoted short: a file may hold a 100 KB one).
    fn message(&self, text: &str) -> String {
        let text = &*short(text);
        match self {
            DurationProblem::Negative => {
                format!("duration {text:?} is negative; durations are zero or more")
            }
            DurationProblem::NoNumber => {
                format!("duration {text:?} has no number; write e.g. \"150ms\" or \"2s\"")
            }
            DurationProblem::NoUnit { number } => format!(
                "duration {text:?} has no unit; add one of ns, us, ms, s, m, h (e.g. \"{number}s\")"
            ),
            DurationProblem::UnknownUnit { unit, meant } => {
                let hint = meant
                    .as_ref()
                    .map_or(String::new(), |m| format!(" (did you mean {m:?}?)"));
                format!("duration {text:?} has an unknown unit {unit:?}; use ns, us, ms, s, m or h{hint}")
            }
            DurationProblem::NotANumber => format!("duration {text:?} is not a number with a unit"),
            DurationProblem::TooLarge => format!("duration {text:?} is too large"),
            DurationProblem::FinerThanANanosecond => {
                format!("duration {text:?} is finer than a nanosecond")
            }
            DurationProblem::Backwards => {
                format!("range {text:?} runs backwards; write the earlier duration first")
            }
        }
    }
}

impl fmt::Display for SimDuration {
    /// The largest unit that writes the duration exactly: `1500ms`, `2s`, `5m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.as_nanos();
        if nanos == 0 {
            return f.write_str("0s");
        }
        let (name, per) = UNITS
            .iter()
            .find(|(_, per)| nanos % per == 0)
            .copied()
            .unwrap_or(("ns", 1));
        write!(f, "{}{name}", nanos / per)
    }
}

impl Serialize for SimDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

struct SimDurationVisitor;

impl Visitor<'_> for SimDurationVisitor {
    type Value = SimDuration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration string with a unit, such as \"150ms\" or \"2s\"")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<SimDuration, E> {
        SimDuration::parse(text).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<SimDuration, E> {
        Err(E::custom(format!(
            "duration {n} has no unit; write it as a string with one, e.g. \"{n}s\" or \"{n}ms\""
        )))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<SimDuration, E> {
        if n < 0 {
            return Err(E::custom(format!(
                "duration {n} is negative; durations are zero or more"
            )));
        }
        self.visit_u64(n as u64)
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<SimDuration, E> {
        Err(E::custom(format!(
            "duration {n} has no unit; write it as a string with one, e.g. \"{n}s\""
        )))
    }
}

impl<'de> Deserialize<'de> for SimDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SimDurationVisitor)
    }
}

impl JsonSchema for SimDuration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h)$",
            "description": "A duration with a unit: ns, us, ms, s, m or h (\"150ms\", \"2s\", \"1.5s\", \"5m\").",
            "examples": ["150ms", "2s", "5m"]
        })
    }
}

/// A fault's `at`, `for` or `add`: a duration (`"20s"`), or a range to draw one from
/// with the scenario's seed (`"20s..40s"`, both ends included). [`value`](Self::value)
/// is what the run uses: the duration, or the value drawn (the range's start until
/// the scenario is checked, which draws it). It serializes as the value, so a scenario
/// written back out replays the drawn run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrawnDuration {
    /// The duration the run uses.
    pub value: SimDuration,
    /// The range it is drawn from, if the file gave one.
    pub range: Option<(SimDuration, SimDuration)>,
}

impl DrawnDuration {
    /// A fixed duration.
    pub const fn fixed(value: SimDuration) -> Self {
        DrawnDuration { value, range: None }
    }

    /// The latest value it can take (the range's end, or the value).
    pub fn latest(&self) -> SimDuration {
        self.range.map_or(self.value, |(_, hi)| hi)
    }

    /// Parses `"20s"` or `"20s..40s"` (start at most end).
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        let Some((lo, hi)) = text.split_once("..") else {
            return SimDuration::parse(text).map(Self::fixed);
        };
        let (lo, hi) = (SimDuration::parse(lo)?, SimDuration::parse(hi)?);
        if lo > hi {
            return Err(DurationError {
                text: text.to_string(),
                kind: DurationProblem::Backwards,
            });
        }
        Ok(DrawnDuration {
            value: lo,
            range: Some((lo, hi)),
        })
    }

    /// Draws the value from the range with `rng` (a fixed duration stays): whole
    /// milliseconds when both ends are, else nanoseconds.
    pub fn draw(&mut self, rng: &mut impl rand::Rng) {
        let Some((lo, hi)) = self.range else { return };
        let (lo, hi) = (lo.as_nanos(), hi.as_nanos());
        const MS: u64 = 1_000_000;
        let nanos = if lo % MS == 0 && hi % MS == 0 {
            rand::RngExt::random_range(rng, lo / MS..=hi / MS) * MS
        } else {
            rand::RngExt::random_range(rng, lo..=hi)
        };
        self.value = SimDuration(Duration::from_nanos(nanos));
    }
}

impl fmt::Display for DrawnDuration {
    /// The value the run uses; a drawn one in seconds (`18.728s`), which reads better
    /// beside the timeline's times than the exact unit (`18728ms`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.range.is_none() {
            return self.value.fmt(f);
        }
        let nanos = self.value.as_nanos();
        let fraction = format!("{:09}", nanos % 1_000_000_000);
        let fraction = fraction.trim_end_matches('0');
        match fraction.is_empty() {
            true => write!(f, "{}s", nanos / 1_000_000_000),
            false => write!(f, "{}.{fraction}s", nanos / 1_000_000_000),
        }
    }
}

impl Serialize for DrawnDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for DrawnDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DrawnVisitor;
        impl Visitor<'_> for DrawnVisitor {
            type Value = DrawnDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration with a unit (\"20s\") or a range (\"20s..40s\")")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<DrawnDuration, E> {
                DrawnDuration::parse(text).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<DrawnDuration, E> {
                SimDurationVisitor.visit_u64(n).map(DrawnDuration::fixed)
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<DrawnDuration, E> {
                SimDurationVisitor.visit_i64(n).map(DrawnDuration::fixed)
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<DrawnDuration, E> {
                SimDurationVisitor.visit_f64(n).map(DrawnDuration::fixed)
            }
        }
        deserializer.deserialize_any(DrawnVisitor)
    }
}

impl JsonSchema for DrawnDuration {
    fn schema_name() -> Cow<'static, str> {
        "DurationOrRange".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h)(\\.\\.[0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))?$",
            "description": "A duration with a unit (\"20s\"), or a range drawn from the scenario's seed (\"20s..40s\", both ends included).",
            "examples": ["20s", "20s..40s"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit_and_fractions() {
        let cases = [
            ("150ms", Duration::from_millis(150)),
            ("2s", Duration::from_secs(2)),
            ("1.5s", Duration::from_millis(1500)),
            ("5m", Duration::from_secs(300)),
            ("1h", Duration::from_secs(3600)),
            ("250us", Duration::from_micros(250)),
            ("7ns", Duration::from_nanos(7)),
            ("0s", Duration::ZERO),
            ("1.0ns", Duration::from_nanos(1)),
            ("1.500000000000s", Duration::from_millis(1500)),
            ("2.000us", Duration::from_micros(2)),
        ];
        for (text, expected) in cases {
            assert_eq!(
                SimDuration::parse(text),
                Ok(SimDuration(expected)),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_what_is_not_a_duration_with_a_reason() {
        for (text, reason) in [
            ("2", "has no unit"),
            ("-5s", "negative"),
            ("5 parsecs", "unknown unit"),
            ("ms", "has no number"),
            ("1.2.3s", "not a number"),
            ("99999999999999999999s", "too large"),
            ("0.0000000001s", "finer than a nanosecond"),
        ] {
            let error = SimDuration::parse(text).unwrap_err().to_string();
            assert!(error.contains(reason), "{text}: {error}");
        }
    }

    #[test]
    fn a_near_miss_unit_suggests_the_right_spelling() {
        for (text, meant) in [
            ("5 sec", "5s"),
            ("5 s", "5s"),
            ("5secs", "5s"),
            ("150 msec", "150ms"),
            ("2 Minutes", "2m"),
            ("1 hour", "1h"),
            ("1.5 seconds", "1.5s"),
        ] {
            let error = SimDuration::parse(text).unwrap_err();
            let hint = format!("(did you mean \"{meant}\"?)");
            assert!(error.to_string().ends_with(&hint), "{text}: {error}");
            assert_eq!(
                SimDuration::parse(meant).map(|_| ()),
                Ok(()),
                "{meant} parses"
            );
        }
        let unknown = SimDuration::parse("5 parsecs").unwrap_err().to_string();
        assert!(!unknown.contains("did you mean"), "{unknown}");
    }

    #[test]
    fn a_bare_json_number_is_refused_with_the_unit_to_add() {
        let error = serde_json::from_str::<SimDuration>("2")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("has no unit") && error.contains("\"2s\""),
            "{error}"
        );
        let error = serde_json::from_str::<SimDuration>("-3")
            .unwrap_err()
            .to_string();
        assert!(error.contains("negative"), "{error}");
    }

    #[test]
    fn a_range_parses_draws_within_its_ends_and_serializes_as_the_drawn_value() {
        use rand::SeedableRng;
        let mut range = DrawnDuration::parse("20s..40s").unwrap();
        assert_eq!(
            range.range,
            Some((SimDuration::from_secs(20), SimDuration::from_secs(40)))
        );
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            range.draw(&mut rng);
            assert!(range.value >= SimDuration::from_secs(20));
            assert!(range.value <= SimDuration::from_secs(40));
            assert_eq!(range.value.as_nanos() % 1_000_000, 0, "whole milliseconds");
            seen.insert(range.value);
        }
        assert!(
            seen.len() > 150,
            "draws spread over the range: {}",
            seen.len()
        );
        let json = serde_json::to_string(&range).unwrap();
        assert_eq!(json, format!("\"{}\"", range.value));
        range.value = SimDuration::from_millis(18_728);
        assert_eq!(range.to_string(), "18.728s");
        range.value = SimDuration::from_secs(20);
        assert_eq!(range.to_string(), "20s");
        let fixed: DrawnDuration = serde_json::from_str("\"5s\"").unwrap();
        assert_eq!(fixed, DrawnDuration::fixed(SimDuration::from_secs(5)));
        let error = DrawnDuration::parse("40s..20s").unwrap_err();
        assert!(error.to_string().contains("backwards"), "{error}");
        assert!(DrawnDuration::parse("20s..").is_err());
    }

    #[test]
    fn display_round_trips_through_parse() {
        for text in ["1500ms", "2s", "5m", "1h", "0s", "3us"] {
            let parsed = SimDuration::parse(text).unwrap();
            assert_eq!(parsed.to_string(), text);
        }
    }
}
