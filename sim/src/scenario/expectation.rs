//! What a scenario expects of its run ([`Expectation`]): states at and by a time, over
//! an interval, counts and texts of logs and client events, outage figures. Judging
//! them against a run is `expect.rs`.

use link_core::Role;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::role_schema;
use crate::SimDuration;

/// Client events an expectation can count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum ClientEventName {
    /// A link became active.
    EventLinkConnected,
    /// The active link is gone.
    EventLinkDisconnected,
}

/// Something that must be true of the run. The `expect` field says what kind.
/// `server` may be left out when the scenario has one server.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "expect", rename_all = "snake_case", deny_unknown_fields)]
pub enum Expectation {
    /// At time `at`, the active link is `link` (`null`: none).
    ActiveAt {
        /// The server.
        #[serde(default)]
        server: Option<String>,
        /// When.
        at: SimDuration,
        /// The link, or null for no active link.
        link: Option<String>,
    },
    /// At some time no later than `by`, the active link is `link`.
    ActiveBy {
        /// The server.
        #[serde(default)]
        server: Option<String>,
        /// The deadline.
        by: SimDuration,
        /// The link.
        link: String,
    },
    /// From `from` to `until` (inclusive) the active link is `link` without a break.
    ActiveDuring {
        /// The server.
        #[serde(default)]
        server: Option<String>,
        /// Start of the interval.
        from: SimDuration,
        /// End of the interval.
        until: SimDuration,
        /// The link, or null for no active link throughout.
        link: Option<String>,
    },
    /// `link` is never active on the server during the run.
    NeverActive {
        /// The server.
        #[serde(default)]
        server: Option<String>,
        /// The link.
        link: String,
    },
    /// `link` is opened (a TCP connect started) exactly `count` times by the server
    /// during the run; `count` 0: never opened (R2's "a backup opens only the
    /// highest", R6, R11).
    Opened {
        /// The server.
        #[serde(default)]
        server: Option<String>,
        /// The link.
        link: String,
        /// How many opens.
        count: u32,
    },
    /// `link` is closed on the server at time `by` (whatever happened before).
    ClosedBy {
        /// The server.
        #[serde(default)]
        server: Option<String>,
        /// The link.
        link: String,
        /// When it is closed.
        by: SimDuration,
    },
    /// Log records: by `number` (e.g. 35115), `kind` (e.g. `status_warning`) and/or
    /// exact `text`; `count` exact, or at least one when absent.
    Log {
        /// The server.
        #[serde(default)]
        server: Option<String>,
        /// The LMS message number.
        #[serde(default)]
        number: Option<u32>,
        /// The record's kind, by name (`linksim schema` and scenarios/README.md list
        /// them), e.g. `link_unstable`, `status_recovered`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
        /// The exact text.
        #[serde(default)]
        text: Option<String>,
        /// How many; absent: at least one.
        #[serde(default)]
        count: Option<u32>,
    },
    /// Client notifications, optionally for one link; `count` exact, or at least one.
    ClientEvent {
        /// The server.
        #[serde(default)]
        server: Option<String>,
        /// Which event.
        event: ClientEventName,
        /// Only for this link.
        #[serde(default)]
        link: Option<String>,
        /// How many; absent: at least one.
        #[serde(default)]
        count: Option<u32>,
    },
    /// The server's role at time `at`.
    RoleAt {
        /// The server.
        #[serde(default)]
        server: Option<String>,
        /// When.
        at: SimDuration,
        /// The role.
        #[schemars(schema_with = "role_schema")]
        role: Role,
    },
    /// How many link-failure reports the server sent the Management Layer.
    FailureReports {
        /// The server.
        #[serde(default)]
        server: Option<String>,
        /// Exactly this many.
        count: u32,
    },
    /// The server's longest outage (or, with `"server": "pair"`, the service's: the
    /// time the primary of the moment had no active link) lasts at most `at_most`. An
    /// outage the run ends inside counts with its length so far.
    MaxOutage {
        /// The server, or `"pair"` for the service.
        #[serde(default)]
        server: Option<String>,
        /// The longest outage allowed.
        at_most: SimDuration,
    },
    /// The server (or `"pair"`: the service) has an active link for at least
    /// `at_least` of the run (a fraction from 0 to 1; start-up counts as down).
    Availability {
        /// The server, or `"pair"` for the service.
        #[serde(default)]
        server: Option<String>,
        /// The least fraction of the run with an active link.
        at_least: f64,
    },
    /// Every outage of the server (or `"pair"`: the service) ended within `within`; an
    /// outage still open when the run ends breaks it.
    RecoveredWithin {
        /// The server, or `"pair"` for the service.
        #[serde(default)]
        server: Option<String>,
        /// The longest time to recover allowed.
        within: SimDuration,
    },
}

/// The `server` value outage expectations use for the service of the scenario's
/// servers (the primary of the moment, or the lone server).
pub const SERVICE: &str = "pair";

impl Expectation {
    /// The server the expectation names, if it names one.
    pub fn server(&self) -> Option<&str> {
        match self {
            Expectation::ActiveAt { server, .. }
            | Expectation::ActiveBy { server, .. }
            | Expectation::ActiveDuring { server, .. }
            | Expectation::NeverActive { server, .. }
            | Expectation::Opened { server, .. }
            | Expectation::ClosedBy { server, .. }
            | Expectation::Log { server, .. }
            | Expectation::ClientEvent { server, .. }
            | Expectation::RoleAt { server, .. }
            | Expectation::FailureReports { server, .. }
            | Expectation::MaxOutage { server, .. }
            | Expectation::Availability { server, .. }
            | Expectation::RecoveredWithin { server, .. } => server.as_deref(),
        }
    }

    /// Whether the expectation is about outages (and may name the service, `"pair"`).
    pub fn is_about_outages(&self) -> bool {
        matches!(
            self,
            Expectation::MaxOutage { .. }
                | Expectation::Availability { .. }
                | Expectation::RecoveredWithin { .. }
        )
    }

    /// The latest virtual time the expectation looks at, if it names one.
    pub fn latest_time(&self) -> Option<SimDuration> {
        match self {
            Expectation::ActiveAt { at, .. } | Expectation::RoleAt { at, .. } => Some(*at),
            Expectation::ActiveBy { by, .. } | Expectation::ClosedBy { by, .. } => Some(*by),
            Expectation::ActiveDuring { until, .. } => Some(*until),
            _ => None,
        }
    }

    /// The links the expectation names.
    pub fn links(&self) -> Vec<&str> {
        match self {
            Expectation::ActiveAt { link, .. }
            | Expectation::ActiveDuring { link, .. }
            | Expectation::ClientEvent { link, .. } => link.iter().map(String::as_str).collect(),
            Expectation::ActiveBy { link, .. }
            | Expectation::NeverActive { link, .. }
            | Expectation::Opened { link, .. }
            | Expectation::ClosedBy { link, .. } => vec![link.as_str()],
            Expectation::Log { .. }
            | Expectation::RoleAt { .. }
            | Expectation::FailureReports { .. }
            | Expectation::MaxOutage { .. }
            | Expectation::Availability { .. }
            | Expectation::RecoveredWithin { .. } => vec![],
        }
    }
}
