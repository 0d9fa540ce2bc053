//! Time as the core sees it: an [`Instant`] the caller supplies with every input.
//!
//! The core never reads a clock. A runtime passes its monotonic clock reading, a
//! simulator passes virtual time; both are a count of nanoseconds since an epoch the
//! caller chooses. Durations are [`core::time::Duration`].

use core::fmt;
use core::ops::Add;
use core::time::Duration;

/// A point in time: nanoseconds since an arbitrary, caller-chosen epoch.
///
/// Arithmetic saturates instead of overflowing, so no input can make the core panic
/// (I9). `Display` prints seconds with millisecond precision, e.g. `12.345s`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct Instant(u64);

impl Instant {
    /// The epoch itself.
    pub const ZERO: Instant = Instant(0);

    /// An instant `nanos` nanoseconds after the epoch.
    pub const fn from_nanos(nanos: u64) -> Self {
        Instant(nanos)
    }

    /// An instant `millis` milliseconds after the epoch (saturating).
    pub const fn from_millis(millis: u64) -> Self {
        Instant(millis.saturating_mul(1_000_000))
    }

    /// An instant `secs` seconds after the epoch (saturating).
    pub const fn from_secs(secs: u64) -> Self {
        Instant(secs.saturating_mul(1_000_000_000))
    }

    /// Nanoseconds since the epoch.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// Whole milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000_000
    }

    /// `self + duration`, saturating at the largest representable instant.
    pub fn saturating_add(self, duration: Duration) -> Self {
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        Instant(self.0.saturating_add(nanos))
    }

    /// Time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    fn add(self, duration: Duration) -> Instant {
        self.saturating_add(duration)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.as_millis();
        write!(f, "{}.{:03}s", millis / 1000, millis % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_instead_of_overflowing() {
        let late = Instant::from_nanos(u64::MAX - 1);
        assert_eq!(late + Duration::from_secs(5), Instant::from_nanos(u64::MAX));
        assert_eq!(
            Instant::ZERO.saturating_duration_since(Instant::from_secs(1)),
            Duration::ZERO
        );
        assert_eq!(Instant::from_secs(u64::MAX), Instant::from_nanos(u64::MAX));
    }

    #[test]
    fn display_shows_seconds_with_milliseconds() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(Instant::from_millis(12_345).to_string(), "12.345s");
        assert_eq!(Instant::ZERO.to_string(), "0.000s");
    }
}
