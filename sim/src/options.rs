//! The scenario format's words for the core's policies and option values: the R5
//! first-status policy, the R15 status policy (per SystemStatus value), `kpl-loss-rate`
//! (R14) as text or a number, and the timing options an `options` fault changes at run
//! time (R16). Each converts to its `link-core` type, with a typed message for a value
//! the core would refuse.

use std::collections::BTreeMap;

use link_core::{
    Config, FirstStatusPolicy, KeepaliveLossRate, OptionChange, StatusPolicy, StatusVerdict,
    SystemStatus,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::SimDuration;

/// R5: what a first SystemStatus other than `normal` does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FirstStatusSpec {
    /// The product's behaviour: the link stays open and in the queue until `normal`
    /// (or `connect-tout`).
    #[default]
    WaitForNormal,
    /// The link is closed at once (what other CTI servers do).
    Close,
}

impl FirstStatusSpec {
    /// The core's policy.
    pub fn policy(self) -> FirstStatusPolicy {
        match self {
            FirstStatusSpec::WaitForNormal => FirstStatusPolicy::WaitForNormal,
            FirstStatusSpec::Close => FirstStatusPolicy::Close,
        }
    }

    /// Whether this is the default (left out when a scenario is written).
    pub fn is_default(&self) -> bool {
        *self == FirstStatusSpec::default()
    }
}

/// R15: what one SystemStatus value means on a validated link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerdictSpec {
    /// The active link fails (R10); a candidate stops being one.
    Failure,
    /// Logged; the link stays.
    Warning,
}

/// `kpl-loss-rate` as a scenario writes it: `"10, 100"`, `"10"` or `10`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "kpl_loss_rate: one non-negative integer, or a text like \"10, 100\""
)]
pub enum LossRateSpec {
    /// One integer: only the failure counter is kept.
    Number(u32),
    /// The option's own text: one integer, or two separated by a comma.
    Text(String),
}

impl Default for LossRateSpec {
    fn default() -> Self {
        LossRateSpec::Text(KeepaliveLossRate::default().to_string())
    }
}

impl LossRateSpec {
    /// The core's value, or why the text is refused.
    pub fn rate(&self) -> Result<KeepaliveLossRate, OptionsError> {
        match self {
            LossRateSpec::Number(n) => Ok(KeepaliveLossRate::single(*n)),
            LossRateSpec::Text(text) => {
                KeepaliveLossRate::parse(text).map_err(|error| OptionsError::LossRate {
                    text: text.clone(),
                    error,
                })
            }
        }
    }

    /// Whether this is the default "10, 100" (left out when a scenario is written).
    pub fn is_default(&self) -> bool {
        self.rate() == Ok(KeepaliveLossRate::default())
    }
}

/// An option value a scenario gives that the core would refuse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    /// `kpl_loss_rate` is not one or two integers.
    #[error("kpl_loss_rate {text:?}: {error}")]
    LossRate {
        /// The text as written.
        text: String,
        /// Why the core refuses it.
        error: link_core::LossRateError,
    },
    /// A `status_policy` key that is not a SystemStatus value.
    #[error("status_policy: {0:?} is not a SystemStatus value (values: {values})", values = status_names())]
    UnknownStatus(String),
    /// A value out of its range.
    #[error("{0}")]
    OutOfRange(link_core::ConfigError),
    /// An `options` fault that names no option.
    #[error("an options fault changes nothing: give connect_tout, kpl_interval, kpl_tolerance or kpl_loss_rate")]
    NothingChanged,
}

/// Every SystemStatus value's name, for messages.
fn status_names() -> String {
    let names: Vec<&str> = SystemStatus::ALL.iter().map(|s| s.as_str()).collect();
    names.join(", ")
}

/// The status policy a scenario's `status_policy` map gives: the default, with each
/// named value set to its verdict.
pub fn status_policy(
    overrides: &BTreeMap<String, VerdictSpec>,
) -> Result<StatusPolicy, OptionsError> {
    let mut policy = StatusPolicy::default();
    for (name, verdict) in overrides {
        let Some(status) = SystemStatus::from_name(name) else {
            return Err(OptionsError::UnknownStatus(name.clone()));
        };
        let verdict = match verdict {
            VerdictSpec::Failure => StatusVerdict::Failure,
            VerdictSpec::Warning => StatusVerdict::Warning,
        };
        policy = policy.with(status, verdict);
    }
    Ok(policy)
}

/// The timing options an `options` fault sets (R16); absent ones keep their value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionValues {
    /// `connect-tout`: applies at the next connection procedure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_tout: Option<SimDuration>,
    /// `kpl-interval`: applies at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kpl_interval: Option<SimDuration>,
    /// `kpl-tolerance`: applies at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kpl_tolerance: Option<u8>,
    /// `kpl-loss-rate`: applies at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kpl_loss_rate: Option<LossRateSpec>,
}

impl OptionValues {
    /// The core's changes, in the order they are fed (the fields' order), or the first
    /// value the core would refuse.
    pub fn changes(&self) -> Result<Vec<OptionChange>, OptionsError> {
        let mut changes = Vec::new();
        if let Some(t) = self.connect_tout {
            changes.push(OptionChange::ConnectTimeout(t.0));
        }
        if let Some(t) = self.kpl_interval {
            changes.push(OptionChange::KeepaliveInterval(t.0));
        }
        if let Some(n) = self.kpl_tolerance {
            changes.push(OptionChange::KeepaliveTolerance(n));
        }
        if let Some(rate) = &self.kpl_loss_rate {
            changes.push(OptionChange::KeepaliveLossRate(rate.rate()?));
        }
        for change in &changes {
            Config::check_option(*change).map_err(OptionsError::OutOfRange)?;
        }
        if changes.is_empty() {
            return Err(OptionsError::NothingChanged);
        }
        Ok(changes)
    }
}
