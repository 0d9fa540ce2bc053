//! The policies that say what a SystemStatus means (R5, R15), the keep-alive loss rate
//! (`kpl-loss-rate`, R14) and the timing options a runtime may change while the core
//! runs (R16). Each is a small value type of [`Config`](crate::Config); the defaults
//! are the product's, as its public option reference describes them.

use core::fmt;
use core::time::Duration;

use crate::SystemStatus;

/// What a link's *first* SystemStatus other than `normal` does to it (R5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum FirstStatusPolicy {
    /// The product's behaviour: the link stays open and in the queue, established but
    /// not operational, and a later `normal` in the same procedure makes it operational
    /// then. `connect-tout` bounds the wait (R8).
    #[default]
    WaitForNormal,
    /// Close the link at once and take it out of the queue (what other CTI servers do,
    /// and what this project did before R5 was revised).
    Close,
}

impl FirstStatusPolicy {
    /// The name used in scenario files: `wait_for_normal` or `close`.
    pub const fn as_str(self) -> &'static str {
        match self {
            FirstStatusPolicy::WaitForNormal => "wait_for_normal",
            FirstStatusPolicy::Close => "close",
        }
    }
}

/// What a SystemStatus on a validated link means (R15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum StatusVerdict {
    /// The connector has lost its switch side: the active link fails (R10); an
    /// operational link that is not yet selected stops being a candidate.
    Failure,
    /// Logged as a warning; the link stays. A later `normal` is logged as recovered.
    Warning,
}

/// A [`StatusVerdict`] for each SystemStatus value other than `normal` (R15).
///
/// The default makes `disabled` and `initializing` failures and every other value a
/// warning. `normal` is never a failure: it is what validates a link and what recovers
/// it, and [`Config::validate`](crate::Config::validate) refuses a policy that says
/// otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StatusPolicy {
    verdicts: [StatusVerdict; 9],
}

impl Default for StatusPolicy {
    fn default() -> Self {
        let mut verdicts = [StatusVerdict::Warning; 9];
        verdicts[SystemStatus::Disabled.index()] = StatusVerdict::Failure;
        verdicts[SystemStatus::Initializing.index()] = StatusVerdict::Failure;
        StatusPolicy { verdicts }
    }
}

impl StatusPolicy {
    /// Every value a warning: a link is never failed by its status (what this project
    /// did before R15 was revised).
    pub const ALL_WARNINGS: StatusPolicy = StatusPolicy {
        verdicts: [StatusVerdict::Warning; 9],
    };

    /// The verdict for `status`.
    pub const fn verdict(&self, status: SystemStatus) -> StatusVerdict {
        self.verdicts[status.index()]
    }

    /// Whether `status` fails a validated link.
    pub const fn is_failure(&self, status: SystemStatus) -> bool {
        matches!(self.verdict(status), StatusVerdict::Failure)
    }

    /// The same policy with `status` judged as `verdict`.
    pub const fn with(mut self, status: SystemStatus, verdict: StatusVerdict) -> Self {
        self.verdicts[status.index()] = verdict;
        self
    }
}

/// `kpl-loss-rate`: how many positive keep-alive answers take one off the failure
/// counter and one off the warning counter (R14). The option's text: "Two
/// comma-separated values signifies that T-Server calculates both the failure counter
/// and the warning counter (the failure rate is always the lower value). A single value
/// signifies that T-Server calculates only the failure counter." A rate of 0 never
/// takes anything off its counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct KeepaliveLossRate {
    failure_every: u32,
    warning_every: Option<u32>,
}

/// `kpl-loss-rate` default: "10, 100".
pub const DEFAULT_KEEPALIVE_LOSS_RATE: KeepaliveLossRate = KeepaliveLossRate {
    failure_every: 10,
    warning_every: Some(100),
};

impl Default for KeepaliveLossRate {
    fn default() -> Self {
        DEFAULT_KEEPALIVE_LOSS_RATE
    }
}

impl KeepaliveLossRate {
    /// A single value: only the failure counter is kept (no "unstable" warning).
    pub const fn single(failure_every: u32) -> Self {
        KeepaliveLossRate {
            failure_every,
            warning_every: None,
        }
    }

    /// Two values: both counters are kept; the lower value is the failure rate, as the
    /// option reference says, whichever order they are given in.
    pub const fn pair(first: u32, second: u32) -> Self {
        let (failure_every, warning_every) = if first <= second {
            (first, second)
        } else {
            (second, first)
        };
        KeepaliveLossRate {
            failure_every,
            warning_every: Some(warning_every),
        }
    }

    /// Positive answers per decrement of the failure counter (0: never).
    pub const fn failure_every(&self) -> u32 {
        self.failure_every
    }

    /// Positive answers per decrement of the warning counter (0: never), or `None` when
    /// there is no warning counter.
    pub const fn warning_every(&self) -> Option<u32> {
        self.warning_every
    }

    /// Reads the option's value: one integer (`"10"`) or two separated by a comma
    /// (`"10, 100"`), white space allowed around each.
    pub fn parse(text: &str) -> Result<Self, LossRateError> {
        let mut parts = text.split(',');
        let first = parse_rate(parts.next().unwrap_or(""))?;
        let Some(second) = parts.next() else {
            return Ok(KeepaliveLossRate::single(first));
        };
        let second = parse_rate(second)?;
        if parts.next().is_some() {
            return Err(LossRateError::TooManyValues);
        }
        Ok(KeepaliveLossRate::pair(first, second))
    }
}

fn parse_rate(text: &str) -> Result<u32, LossRateError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(LossRateError::MissingValue);
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LossRateError::NotANumber);
    }
    text.parse().map_err(|_| LossRateError::TooLarge)
}

impl fmt::Display for KeepaliveLossRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.warning_every {
            Some(warning) => write!(f, "{}, {warning}", self.failure_every),
            None => write!(f, "{}", self.failure_every),
        }
    }
}

/// Why a `kpl-loss-rate` value was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LossRateError {
    /// A value is empty (`""`, `"10,"`).
    MissingValue,
    /// A value is not a non-negative integer.
    NotANumber,
    /// A value is above 4,294,967,295.
    TooLarge,
    /// More than two values.
    TooManyValues,
}

impl fmt::Display for LossRateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LossRateError::MissingValue => "a value is missing",
            LossRateError::NotANumber => "a value is not a non-negative integer",
            LossRateError::TooLarge => "a value is above 4294967295",
            LossRateError::TooManyValues => "more than two comma-separated values",
        })?;
        f.write_str("; kpl-loss-rate is one integer or two separated by a comma, e.g. \"10, 100\"")
    }
}

impl core::error::Error for LossRateError {}

/// A timing option the runtime changes while the core runs (R16), with its new value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum OptionChange {
    /// `connect-tout`: takes effect at the next connection procedure.
    ConnectTimeout(Duration),
    /// `kpl-interval`: takes effect at once.
    KeepaliveInterval(Duration),
    /// `kpl-tolerance`: takes effect at once.
    KeepaliveTolerance(u8),
    /// `kpl-loss-rate`: takes effect at once.
    KeepaliveLossRate(KeepaliveLossRate),
}

impl OptionChange {
    /// The T-Server option's name, e.g. `connect-tout`.
    pub const fn option_name(&self) -> &'static str {
        match self {
            OptionChange::ConnectTimeout(_) => "connect-tout",
            OptionChange::KeepaliveInterval(_) => "kpl-interval",
            OptionChange::KeepaliveTolerance(_) => "kpl-tolerance",
            OptionChange::KeepaliveLossRate(_) => "kpl-loss-rate",
        }
    }
}

/// Several timing options changed together: one reload of the application's options
/// (R16), fed to the core as one input, so that no state with some of them new and the
/// others old is ever judged. A `None` keeps its option.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OptionChanges {
    /// A new `connect-tout`.
    pub connect_timeout: Option<Duration>,
    /// A new `kpl-interval`.
    pub keepalive_interval: Option<Duration>,
    /// A new `kpl-tolerance`.
    pub keepalive_tolerance: Option<u8>,
    /// A new `kpl-loss-rate`.
    pub keepalive_loss_rate: Option<KeepaliveLossRate>,
}

impl OptionChanges {
    /// Each option changed, in a fixed order (connect-tout, kpl-interval, kpl-tolerance,
    /// kpl-loss-rate).
    pub fn each(&self) -> impl Iterator<Item = OptionChange> {
        [
            self.connect_timeout.map(OptionChange::ConnectTimeout),
            self.keepalive_interval.map(OptionChange::KeepaliveInterval),
            self.keepalive_tolerance
                .map(OptionChange::KeepaliveTolerance),
            self.keepalive_loss_rate
                .map(OptionChange::KeepaliveLossRate),
        ]
        .into_iter()
        .flatten()
    }

    /// With `change` too (it replaces an earlier value of its option).
    pub const fn with(mut self, change: OptionChange) -> Self {
        match change {
            OptionChange::ConnectTimeout(v) => self.connect_timeout = Some(v),
            OptionChange::KeepaliveInterval(v) => self.keepalive_interval = Some(v),
            OptionChange::KeepaliveTolerance(v) => self.keepalive_tolerance = Some(v),
            OptionChange::KeepaliveLossRate(v) => self.keepalive_loss_rate = Some(v),
        }
        self
    }
}

impl From<OptionChange> for OptionChanges {
    fn from(change: OptionChange) -> Self {
        OptionChanges::default().with(change)
    }
}

impl fmt::Display for OptionChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.option_name();
        match self {
            OptionChange::ConnectTimeout(value) | OptionChange::KeepaliveInterval(value) => {
                write!(f, "{name} = {value:?}")
            }
            OptionChange::KeepaliveTolerance(value) => write!(f, "{name} = {value}"),
            OptionChange::KeepaliveLossRate(rate) => write!(f, "{name} = \"{rate}\""),
        }
    }
}
