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
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.starts_with('-') {
            return Err(format!(
                "duration {text:?} is negative; durations are zero or more"
            ));
        }
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        if number.is_empty() {
            return Err(format!(
                "duration {text:?} has no number; write e.g. \"150ms\" or \"2s\""
            ));
        }
        let Some(&(_, nanos_per_unit)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(if unit.is_empty() {
                format!("duration {text:?} has no unit; add one of ns, us, ms, s, m, h (e.g. \"{number}s\")")
            } else {
                format!("duration {text:?} has an unknown unit {unit:?}; use ns, us, ms, s, m or h")
            });
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        // Trailing zeros add no precision: "1.0ns" and "1.500000000s" are exact.
        let fraction = fraction.trim_end_matches('0');
        if whole.is_empty() || fraction.contains('.') {
            return Err(format!("duration {text:?} is not a number with a unit"));
        }
        let overflow = || format!("duration {text:?} is too large");
        let whole: u64 = whole.parse().map_err(|_| overflow())?;
        let mut nanos = whole.checked_mul(nanos_per_unit).ok_or_else(overflow)?;
        let mut scale = nanos_per_unit;
        for digit in fraction.bytes() {
            scale /= 10;
            if scale == 0 {
                return Err(format!("duration {text:?} is finer than a nanosecond"));
            }
            nanos = nanos
                .checked_add(u64::from(digit - b'0') * scale)
                .ok_or_else(overflow)?;
        }
        Ok(SimDuration(Duration::from_nanos(nanos)))
    }

    /// The duration as nanoseconds (saturating).
    pub fn as_nanos(self) -> u64 {
        u64::try_from(self.0.as_nanos()).unwrap_or(u64::MAX)
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
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some((lo, hi)) = text.split_once("..") else {
            return SimDuration::parse(text).map(Self::fixed);
        };
        let (lo, hi) = (SimDuration::parse(lo)?, SimDuration::parse(hi)?);
        if lo > hi {
            return Err(format!(
                "range {text:?} runs backwards; write the earlier duration first"
            ));
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
            let error = SimDuration::parse(text).unwrap_err();
            assert!(error.contains(reason), "{text}: {error}");
        }
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
        assert!(error.contains("backwards"), "{error}");
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
