//! The scenario file format (format 1): what a scenario says, how it is read, and how
//! it is checked before a run. Every struct refuses unknown fields; every duration has a
//! unit ([`SimDuration`]); every name a scenario uses (links, servers) must be declared.
//! Errors name the file, the line and column where they can, and what was expected.
//! `scenarios/README.md` documents every field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use link_core::{
    is_unprintable, printable, Config, ConfigError, FirstStatusPolicy, LinkConfig, LogRecord, Role,
    SystemStatus,
};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

use link_model::liveness::Behaviour;

use crate::duration::DrawnDuration;
use crate::options::{FirstStatusSpec, LossRateSpec, OptionValues, VerdictSpec};
use crate::SimDuration;

/// Reads the `connectors` object, refusing a link named twice (JSON allows duplicate
/// keys; a map would silently keep the last).
fn unique_connectors<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, ConnectorSpec>, D::Error> {
    struct Unique;
    impl<'de> serde::de::Visitor<'de> for Unique {
        type Value = BTreeMap<String, ConnectorSpec>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of connectors by link name")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut connectors = BTreeMap::new();
            while let Some(name) = map.next_key::<String>()? {
                if connectors.contains_key(&name) {
                    return Err(serde::de::Error::custom(format!(
                        "connector {name:?} is given twice"
                    )));
                }
                let spec = map.next_value()?;
                connectors.insert(name, spec);
            }
            Ok(connectors)
        }
    }
    deserializer.deserialize_map(Unique)
}

/// The only format version this build reads.
pub const FORMAT_VERSION: u32 = 1;

fn role_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": ["standalone", "primary", "backup"] })
}

fn status_schema(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = SystemStatus::ALL.iter().map(|s| s.as_str()).collect();
    json_schema!({ "type": "string", "enum": names, "description": "An ECMA-269 SystemStatus value." })
}

/// A whole scenario file.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The format version; must be 1.
    pub format: u32,
    /// A short name, used in reports and snapshot names.
    pub name: String,
    /// What the scenario shows, in a sentence or two.
    #[serde(default)]
    pub description: String,
    /// Seed of all randomness (jitter); the same seed gives the same trace.
    #[serde(default)]
    pub seed: u64,
    /// How much virtual time to simulate.
    pub run_for: SimDuration,
    /// The links and timing options every server uses.
    pub config: ScenarioConfig,
    /// The servers: none means one standalone server named `ts`; a primary and a
    /// backup make an HA pair under the simulated Management Layer.
    #[serde(default)]
    pub servers: Vec<ServerSpec>,
    /// How each link's CSTA Connector behaves, by link name; a link not listed gets a
    /// healthy connector with the default timings. A link given twice is an error.
    #[serde(default, deserialize_with = "unique_connectors")]
    #[schemars(with = "BTreeMap<String, ConnectorSpec>")]
    pub connectors: BTreeMap<String, ConnectorSpec>,
    /// The network between every server and every connector.
    #[serde(default)]
    pub network: NetworkSpec,
    /// The Management Layer of an HA pair.
    #[serde(default)]
    pub management: ManagementSpec,
    /// Faults injected at given times.
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// What must be true of the run.
    #[serde(default)]
    pub expect: Vec<Expectation>,
}

/// The links and the timing options (T-Server option names in brackets).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioConfig {
    /// `connect-tout`: 1s..=1000s.
    #[serde(default = "default_connect_tout")]
    pub connect_tout: SimDuration,
    /// Link restart timeout: at least 1s.
    #[serde(default = "default_restart_timeout")]
    pub restart_timeout: SimDuration,
    /// `kpl-interval`: 0s (off) ..= 600s.
    #[serde(default = "default_kpl_interval")]
    pub kpl_interval: SimDuration,
    /// `kpl-tolerance`: 0..=10.
    #[serde(default = "default_kpl_tolerance")]
    pub kpl_tolerance: u8,
    /// `kpl-loss-rate`: positive keep-alive answers per decrement of the failure and
    /// warning counters, `"F, W"` or one integer (R14). Default `"10, 100"`.
    #[serde(default, skip_serializing_if = "LossRateSpec::is_default")]
    pub kpl_loss_rate: LossRateSpec,
    /// What a first SystemStatus other than `normal` does (R5): `wait_for_normal` (the
    /// default) or `close`.
    #[serde(default, skip_serializing_if = "FirstStatusSpec::is_default")]
    pub first_status: FirstStatusSpec,
    /// What SystemStatus values mean on a validated link (R15), by value name:
    /// `failure` or `warning`. Unnamed values keep the default (`disabled` and
    /// `initializing` are failures, the rest warnings).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub status_policy: BTreeMap<String, VerdictSpec>,
    /// The links, in configuration order (absent when `options` supplies them).
    #[serde(default)]
    pub links: Vec<LinkSpec>,
    /// A T-Server options export (INI), relative to the scenario file, that supplies the
    /// links and `connect-tout`, `kpl-interval`, `kpl-tolerance` instead of this object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<String>,
}

fn default_connect_tout() -> SimDuration {
    SimDuration(link_core::DEFAULT_CONNECT_TIMEOUT)
}
fn default_restart_timeout() -> SimDuration {
    SimDuration(link_core::DEFAULT_RESTART_TIMEOUT)
}
fn default_kpl_interval() -> SimDuration {
    SimDuration(link_core::DEFAULT_KEEPALIVE_INTERVAL)
}
fn default_kpl_tolerance() -> u8 {
    link_core::DEFAULT_KEEPALIVE_TOLERANCE
}

/// One link.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// The CSTA Connector Application name.
    pub name: String,
    /// Priority; higher wins; absent means 0.
    #[serde(default)]
    pub priority: Option<i32>,
}

/// One server.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerSpec {
    /// Its name in the timeline and in expectations.
    pub name: String,
    /// Its starting role.
    #[schemars(schema_with = "role_schema")]
    pub role: Role,
}

/// What a connector does with an association request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssociationBehaviour {
    /// Accept it (then send the SystemStatus sequence).
    #[default]
    Accept,
    /// Reject it.
    Reject,
    /// Never answer.
    Never,
}

/// What a connector does with a keep-alive request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeepaliveBehaviour {
    /// Answer it after `keepalive_after`.
    #[default]
    Answer,
    /// Never answer.
    Ignore,
}

/// One SystemStatus the connector sends, `after` the previous step (the first: after
/// the association response).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusStep {
    /// The value sent.
    #[schemars(schema_with = "status_schema")]
    pub status: SystemStatus,
    /// Delay after the previous step.
    #[serde(default)]
    pub after: SimDuration,
}

/// The SystemStatus a connector sends after accepting the association: one value, or
/// a sequence of steps.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a SystemStatus name such as \"normal\", or a list of {\"status\", \"after\"} steps"
)]
pub enum StatusSpec {
    /// One value, sent `status_after` after the association response.
    One(#[schemars(schema_with = "status_schema")] SystemStatus),
    /// Several values with delays.
    Steps(Vec<StatusStep>),
}

impl Default for StatusSpec {
    fn default() -> Self {
        StatusSpec::One(SystemStatus::Normal)
    }
}

/// How one CSTA Connector behaves.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectorSpec {
    /// Refuse every TCP connection.
    #[serde(default)]
    pub refuse: bool,
    /// Delay before accepting a TCP connection.
    #[serde(default = "default_accept_after")]
    pub accept_after: SimDuration,
    /// What to do with the association request.
    #[serde(default)]
    pub association: AssociationBehaviour,
    /// Delay before answering the association request.
    #[serde(default = "default_associate_after")]
    pub associate_after: SimDuration,
    /// The SystemStatus value(s) sent after the association response.
    #[serde(default)]
    pub status: StatusSpec,
    /// Delay of a single `status` after the association response.
    #[serde(default = "default_status_after")]
    pub status_after: SimDuration,
    /// What to do with keep-alive requests.
    #[serde(default)]
    pub keepalive: KeepaliveBehaviour,
    /// Delay before answering a keep-alive.
    #[serde(default = "default_keepalive_after")]
    pub keepalive_after: SimDuration,
    /// Up to this much, drawn from the seed, is added to each of the connector's delays.
    #[serde(default)]
    pub jitter: SimDuration,
}

fn default_accept_after() -> SimDuration {
    SimDuration::from_millis(10)
}
fn default_associate_after() -> SimDuration {
    SimDuration::from_millis(20)
}
fn default_status_after() -> SimDuration {
    SimDuration::from_millis(5)
}
fn default_keepalive_after() -> SimDuration {
    SimDuration::from_millis(5)
}

impl Default for ConnectorSpec {
    fn default() -> Self {
        ConnectorSpec {
            refuse: false,
            accept_after: default_accept_after(),
            association: AssociationBehaviour::Accept,
            associate_after: default_associate_after(),
            status: StatusSpec::default(),
            status_after: default_status_after(),
            keepalive: KeepaliveBehaviour::Answer,
            keepalive_after: default_keepalive_after(),
            jitter: SimDuration::default(),
        }
    }
}

/// A status spec's steps with absolute offsets from its start (one value: at once).
pub fn status_offsets(spec: &StatusSpec) -> Vec<(SimDuration, SystemStatus)> {
    match spec {
        StatusSpec::One(status) => vec![(SimDuration::default(), *status)],
        StatusSpec::Steps(steps) => {
            let mut offset = std::time::Duration::ZERO;
            steps
                .iter()
                .map(|step| {
                    offset += step.after.0;
                    (SimDuration(offset), step.status)
                })
                .collect()
        }
    }
}

impl ConnectorSpec {
    /// The status steps with absolute offsets from the association response.
    pub fn status_steps(&self) -> Vec<(SimDuration, SystemStatus)> {
        match &self.status {
            StatusSpec::One(status) => vec![(self.status_after, *status)],
            StatusSpec::Steps(_) => status_offsets(&self.status),
        }
    }

    /// What this connector does, as liveness sees it (L1, H1), given the shortest
    /// `kpl_interval` the scenario runs under (zero: keep-alive is never on), the
    /// network's round trip and the core's status policies: when its `normal` comes
    /// (first, under the close policy), whether anything it reports after `normal` is
    /// a failure, and whether it answers keep-alives in time. Its `normal` is bounded
    /// from above only (the soonest is taken as at once): the checker never credits a
    /// connector with being too slow to win, so one that could flap never counts as
    /// harmless.
    pub fn behaviour(
        &self,
        kpl_interval: SimDuration,
        round_trip: SimDuration,
        config: &Config,
    ) -> Behaviour {
        let steps = self.status_steps();
        let first_normal = match config.first_status {
            FirstStatusPolicy::WaitForNormal => steps.iter().position(|(_, s)| s.is_normal()),
            FirstStatusPolicy::Close => steps.first().filter(|(_, s)| s.is_normal()).map(|_| 0),
        };
        let fails_after_normal = first_normal.is_some_and(|first| {
            steps[first + 1..]
                .iter()
                .any(|(_, s)| config.status_policy.is_failure(*s))
        });
        let slowest = first_normal.map(|first| {
            self.accept_after.0
                + self.associate_after.0
                + steps[first].0 .0
                + self.jitter.0 * 3
                + round_trip.0 * 3
        });
        Behaviour {
            accepts: !self.refuse && self.association == AssociationBehaviour::Accept,
            normal: slowest.map(|slowest| (std::time::Duration::ZERO, slowest)),
            fails_after_normal,
            answers_keepalive: self.keepalive == KeepaliveBehaviour::Answer
                && self.keepalive_after.0 + self.jitter.0 + round_trip.0 < kpl_interval.0,
        }
    }
}

/// The network between each server and each connector.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// One-way latency.
    #[serde(default = "default_latency")]
    pub latency: SimDuration,
    /// Up to this much, drawn from the seed, is added to each message (order on one
    /// connection is kept, as TCP keeps it).
    #[serde(default)]
    pub jitter: SimDuration,
}

fn default_latency() -> SimDuration {
    SimDuration::from_millis(1)
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            latency: default_latency(),
            jitter: SimDuration::default(),
        }
    }
}

/// The simulated Management Layer of an HA pair.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManagementSpec {
    /// Delay between the primary's link-failure report and the role switch.
    #[serde(default = "default_switch_after")]
    pub switch_after: SimDuration,
}

fn default_switch_after() -> SimDuration {
    SimDuration::from_millis(500)
}

impl Default for ManagementSpec {
    fn default() -> Self {
        ManagementSpec {
            switch_after: default_switch_after(),
        }
    }
}

/// Which way a partition cuts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Nothing passes either way.
    #[default]
    Both,
    /// Server-to-connector messages are lost.
    ToConnector,
    /// Connector-to-server messages are lost.
    ToServer,
}

/// Each kind of [`Fault`], in a fixed order: what `explore` draws from. A new fault
/// kind is a compile error in [`Fault::kind`] and wherever a kind must be handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// [`Fault::Crash`].
    Crash,
    /// [`Fault::Drop`].
    Drop,
    /// [`Fault::Status`].
    Status,
    /// [`Fault::Partition`].
    Partition,
    /// [`Fault::Latency`].
    Latency,
    /// [`Fault::Switchover`].
    Switchover,
    /// [`Fault::Reconfigure`].
    Reconfigure,
    /// [`Fault::IgnoreKeepalive`].
    IgnoreKeepalive,
    /// [`Fault::SetRole`].
    SetRole,
    /// [`Fault::Options`].
    Options,
}

impl FaultKind {
    /// Every kind, in the order `explore` draws their weights.
    pub const ALL: [FaultKind; 10] = [
        FaultKind::Crash,
        FaultKind::Drop,
        FaultKind::Status,
        FaultKind::Partition,
        FaultKind::Latency,
        FaultKind::Switchover,
        FaultKind::Reconfigure,
        FaultKind::IgnoreKeepalive,
        FaultKind::SetRole,
        FaultKind::Options,
    ];
}

/// A fault injected at a time. The `fault` field says which.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "fault", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// The link's connector crashes: every connection to it closes, and it refuses
    /// connections for `for`.
    Crash {
        /// When.
        at: DrawnDuration,
        /// Which link's connector.
        link: String,
        /// How long it stays down.
        #[serde(rename = "for")]
        duration: DrawnDuration,
    },
    /// The connector drops its connections (to one server, or to all).
    Drop {
        /// When.
        at: DrawnDuration,
        /// Which link.
        link: String,
        /// Only this server's connection; absent: every server's.
        #[serde(default)]
        server: Option<String>,
    },
    /// The connector sends this SystemStatus, or this sequence of them (`after` each
    /// previous step, the first after `at`), on every established connection at the
    /// time of each step, the active one included.
    Status {
        /// When.
        at: DrawnDuration,
        /// Which link.
        link: String,
        /// The value sent, or a list of `{"status", "after"}` steps.
        status: StatusSpec,
    },
    /// Messages between a server (or every server) and the connector are lost for `for`.
    Partition {
        /// When.
        at: DrawnDuration,
        /// Which link.
        link: String,
        /// Only this server; absent: every server.
        #[serde(default)]
        server: Option<String>,
        /// How long.
        #[serde(rename = "for")]
        duration: DrawnDuration,
        /// Which way.
        #[serde(default)]
        direction: Direction,
    },
    /// Extra one-way latency between a server (or every server) and the connector.
    Latency {
        /// When.
        at: DrawnDuration,
        /// Which link.
        link: String,
        /// Only this server; absent: every server.
        #[serde(default)]
        server: Option<String>,
        /// The latency added.
        add: DrawnDuration,
        /// How long.
        #[serde(rename = "for")]
        duration: DrawnDuration,
    },
    /// The Management Layer swaps the primary and the backup.
    Switchover {
        /// When.
        at: DrawnDuration,
    },
    /// The link's priority changes on a server (or every server) (R13).
    Reconfigure {
        /// When.
        at: DrawnDuration,
        /// Which link.
        link: String,
        /// The new priority (absent: 0).
        #[serde(default)]
        priority: Option<i32>,
        /// Only this server; absent: every server.
        #[serde(default)]
        server: Option<String>,
    },
    /// The connector stops answering keep-alive requests for `for`, then answers again
    /// (a request that arrived in the window is never answered).
    IgnoreKeepalive {
        /// When.
        at: DrawnDuration,
        /// Which link's connector.
        link: String,
        /// How long.
        #[serde(rename = "for")]
        duration: DrawnDuration,
    },
    /// The Management Layer sets the role of a lone server (R11); a pair's roles change
    /// by `switchover`.
    SetRole {
        /// When.
        at: DrawnDuration,
        /// The server (may be left out: there is one).
        #[serde(default)]
        server: Option<String>,
        /// The role.
        #[schemars(schema_with = "role_schema")]
        role: Role,
    },
    /// The runtime changes timing options (R16): `connect_tout` applies at the next
    /// procedure, the `kpl_*` options at once. At least one must be given.
    Options {
        /// When.
        at: DrawnDuration,
        /// Only this server; absent: every server.
        #[serde(default)]
        server: Option<String>,
        /// New `connect-tout`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        connect_tout: Option<SimDuration>,
        /// New `kpl-interval`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kpl_interval: Option<SimDuration>,
        /// New `kpl-tolerance`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kpl_tolerance: Option<u8>,
        /// New `kpl-loss-rate`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kpl_loss_rate: Option<LossRateSpec>,
    },
}

impl Scenario {
    /// When the last fault's effect is over (zero without faults): where liveness
    /// phases and bounds (L1) start.
    pub fn last_heal(&self) -> std::time::Duration {
        self.faults
            .iter()
            .map(|f| f.healed_at().0)
            .max()
            .unwrap_or_default()
    }

    /// The largest latency a `latency` fault adds (zero without one). Messages delayed
    /// by it still arrive after it heals, and keep later ones behind them, so liveness
    /// bounds (L1) and exploration runs allow for it once.
    pub fn largest_added_latency(&self) -> std::time::Duration {
        self.faults
            .iter()
            .filter_map(|f| match f {
                Fault::Latency { add, .. } => Some(add.value.0),
                _ => None,
            })
            .max()
            .unwrap_or_default()
    }
}

impl Fault {
    /// Which kind of fault this is.
    pub fn kind(&self) -> FaultKind {
        match self {
            Fault::Crash { .. } => FaultKind::Crash,
            Fault::Drop { .. } => FaultKind::Drop,
            Fault::Status { .. } => FaultKind::Status,
            Fault::Partition { .. } => FaultKind::Partition,
            Fault::Latency { .. } => FaultKind::Latency,
            Fault::Switchover { .. } => FaultKind::Switchover,
            Fault::Reconfigure { .. } => FaultKind::Reconfigure,
            Fault::IgnoreKeepalive { .. } => FaultKind::IgnoreKeepalive,
            Fault::SetRole { .. } => FaultKind::SetRole,
            Fault::Options { .. } => FaultKind::Options,
        }
    }

    /// The option values an `options` fault sets (empty for other faults).
    pub fn option_values(&self) -> OptionValues {
        match self {
            Fault::Options {
                connect_tout,
                kpl_interval,
                kpl_tolerance,
                kpl_loss_rate,
                ..
            } => OptionValues {
                connect_tout: *connect_tout,
                kpl_interval: *kpl_interval,
                kpl_tolerance: *kpl_tolerance,
                kpl_loss_rate: kpl_loss_rate.clone(),
            },
            _ => OptionValues::default(),
        }
    }

    /// When the fault starts (the value drawn, for a range).
    pub fn at(&self) -> SimDuration {
        self.at_field().value
    }

    /// The fields a range may give (`at`, `for`, `add`), by their names in the file.
    pub fn drawn_fields(&self) -> Vec<(&'static str, DrawnDuration)> {
        let mut fields = vec![("at", self.at_field())];
        match self {
            Fault::Crash { duration, .. }
            | Fault::Partition { duration, .. }
            | Fault::IgnoreKeepalive { duration, .. } => fields.push(("for", *duration)),
            Fault::Latency { add, duration, .. } => {
                fields.push(("add", *add));
                fields.push(("for", *duration));
            }
            _ => {}
        }
        fields
    }

    /// The fault's `at` as written (a duration or a range).
    fn at_field(&self) -> DrawnDuration {
        match self {
            Fault::Crash { at, .. }
            | Fault::Drop { at, .. }
            | Fault::Status { at, .. }
            | Fault::Partition { at, .. }
            | Fault::Latency { at, .. }
            | Fault::Switchover { at }
            | Fault::Reconfigure { at, .. }
            | Fault::IgnoreKeepalive { at, .. }
            | Fault::SetRole { at, .. }
            | Fault::Options { at, .. } => *at,
        }
    }

    /// Draws every ranged field from the scenario's `seed`, fault `index` and the
    /// field's name (each its own stream: a range added elsewhere changes no draw).
    pub fn draw(&mut self, seed: u64, index: usize) {
        let draw = |field: &str, value: &mut DrawnDuration| {
            if value.range.is_some() {
                value.draw(&mut crate::seeded::stream(
                    seed,
                    &format!("fault/{index}/{field}"),
                ));
            }
        };
        match self {
            Fault::Crash { at, duration, .. }
            | Fault::Partition { at, duration, .. }
            | Fault::IgnoreKeepalive { at, duration, .. } => {
                draw("at", at);
                draw("for", duration);
            }
            Fault::Latency {
                at, add, duration, ..
            } => {
                draw("at", at);
                draw("add", add);
                draw("for", duration);
            }
            Fault::Drop { at, .. }
            | Fault::Status { at, .. }
            | Fault::Switchover { at }
            | Fault::Reconfigure { at, .. }
            | Fault::SetRole { at, .. }
            | Fault::Options { at, .. } => draw("at", at),
        }
    }

    /// When the fault's effect is over (its start for instant faults).
    pub fn healed_at(&self) -> SimDuration {
        match self {
            Fault::Crash { at, duration, .. }
            | Fault::Partition { at, duration, .. }
            | Fault::Latency { at, duration, .. }
            | Fault::IgnoreKeepalive { at, duration, .. } => {
                SimDuration(at.value.0 + duration.value.0)
            }
            Fault::Status { at, status, .. } => SimDuration(
                at.value.0
                    + status_offsets(status)
                        .last()
                        .map_or_else(Default::default, |s| s.0 .0),
            ),
            other => other.at(),
        }
    }

    /// The link the fault names, if any.
    pub fn link(&self) -> Option<&str> {
        match self {
            Fault::Crash { link, .. }
            | Fault::Drop { link, .. }
            | Fault::Status { link, .. }
            | Fault::Partition { link, .. }
            | Fault::Latency { link, .. }
            | Fault::Reconfigure { link, .. }
            | Fault::IgnoreKeepalive { link, .. } => Some(link),
            Fault::Switchover { .. } | Fault::SetRole { .. } | Fault::Options { .. } => None,
        }
    }

    /// The server the fault names, if any.
    pub fn server(&self) -> Option<&str> {
        match self {
            Fault::Drop { server, .. }
            | Fault::Partition { server, .. }
            | Fault::Latency { server, .. }
            | Fault::Reconfigure { server, .. }
            | Fault::SetRole { server, .. }
            | Fault::Options { server, .. } => server.as_deref(),
            _ => None,
        }
    }
}

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
            Expectation::ActiveBy { by, .. } => Some(*by),
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
            Expectation::ActiveBy { link, .. } | Expectation::NeverActive { link, .. } => {
                vec![link.as_str()]
            }
            Expectation::Log { .. }
            | Expectation::RoleAt { .. }
            | Expectation::FailureReports { .. }
            | Expectation::MaxOutage { .. }
            | Expectation::Availability { .. }
            | Expectation::RecoveredWithin { .. } => vec![],
        }
    }
}

/// A scenario file that cannot be run: where, and what is wrong. Its text shows every
/// control character escaped (`\u{1b}`), whatever the file or its name held.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", printable(&format!("{}{}: {message}", path.display(), location.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())))]
pub struct ScenarioError {
    /// The file.
    pub path: PathBuf,
    /// Line and column (1-based), where known.
    pub location: Option<(usize, usize)>,
    /// What is wrong and what was expected.
    pub message: String,
}

/// A scenario checked and ready to run.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The scenario as written.
    pub scenario: Scenario,
    /// The servers, with the default one filled in.
    pub servers: Vec<ServerSpec>,
    /// The core configuration (role = the first server's; each server sets its own).
    pub config: Config,
    /// The connector of every link, in link order, defaults filled in.
    pub connectors: Vec<ConnectorSpec>,
}

impl Checked {
    /// The index of the link named `name`.
    pub fn link_index(&self, name: &str) -> Option<usize> {
        self.config.links.iter().position(|l| l.name == name)
    }

    /// The index of the server named `name`.
    pub fn server_index(&self, name: &str) -> Option<usize> {
        self.servers.iter().position(|s| s.name == name)
    }

    /// This scenario with seed `seed`: every random stream, and every fault field
    /// drawn from a range, follows the new seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.scenario.seed = seed;
        for (index, fault) in self.scenario.faults.iter_mut().enumerate() {
            fault.draw(seed, index);
        }
        self
    }

    /// Whether the scenario has a fault field drawn from a range.
    pub fn has_ranges(&self) -> bool {
        self.scenario
            .faults
            .iter()
            .any(|f| f.drawn_fields().iter().any(|(_, d)| d.range.is_some()))
    }

    /// Whether the scenario runs an HA pair.
    pub fn is_pair(&self) -> bool {
        self.servers.len() == 2
    }

    /// A rough upper estimate of the core steps a run makes, for `linksim check`'s
    /// warning: every link of every server going through a whole procedure (about four
    /// inputs) as often as the shortest of connect-tout and the restart timeout allows,
    /// plus a keep-alive exchange (two inputs) per interval.
    pub fn estimated_steps(&self) -> f64 {
        let c = &self.scenario.config;
        let run_s = self.scenario.run_for.0.as_secs_f64();
        let cycle_s = c
            .connect_tout
            .0
            .min(c.restart_timeout.0)
            .as_secs_f64()
            .max(1e-3);
        let procedures = self.config.links.len() as f64 * 4.0 * (run_s / cycle_s + 1.0);
        let keepalive = if c.kpl_interval.0.is_zero() {
            0.0
        } else {
            2.0 * run_s / c.kpl_interval.0.as_secs_f64()
        };
        self.servers.len() as f64 * (procedures + keepalive)
    }
}

/// Reads and checks the scenario file at `path`.
pub fn load(path: &Path) -> Result<Checked, ScenarioError> {
    load_with(path, Access::default())
}

/// The largest scenario file read (a 65,535-link scenario is about 3 MB).
pub const MAX_SCENARIO_BYTES: u64 = 32 << 20;

/// The largest T-Server options file read (65,535 links take about 2 MB).
pub const MAX_OPTIONS_BYTES: u64 = 16 << 20;

/// What a scenario may make the simulator read besides itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct Access {
    /// Let `config.options` name a file outside the scenario's folder (an absolute
    /// path, or one through `..` or a symbolic link that leaves the folder).
    pub options_outside: bool,
    /// Read no file at all: a scenario that names an options file is refused, at its
    /// `options` field (the browser playground, which has no files).
    pub no_files: bool,
}

/// [`load`] with `access` deciding which options files the scenario may read.
pub fn load_with(path: &Path, access: Access) -> Result<Checked, ScenarioError> {
    let text = read_regular_file(path, MAX_SCENARIO_BYTES).map_err(|message| ScenarioError {
        path: path.to_path_buf(),
        location: None,
        message,
    })?;
    parse_with(path, &text, access)
}

/// Reads `path` as UTF-8 text if it is a regular file of at most `limit` bytes: never a
/// device, a FIFO or a directory (which could block for ever or never end), and never
/// more than `limit` bytes even if the file grows while it is read.
pub fn read_regular_file(path: &Path, limit: u64) -> Result<String, String> {
    use std::io::Read;
    let cannot = |e: std::io::Error| format!("cannot read the file: {e}");
    // Open without blocking (a FIFO with no writer would block an ordinary open), then
    // ask the open file what it is: no other file can take its place in between.
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.custom_flags(libc::O_NONBLOCK);
    }
    let file = open.open(path).map_err(cannot)?;
    let metadata = file.metadata().map_err(cannot)?;
    if !metadata.is_file() {
        return Err("not a regular file (a device, FIFO or directory is never read)".into());
    }
    let too_big = || format!("the file is larger than {limit} bytes, the most that is read");
    if metadata.len() > limit {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        format!("line {line}: the file is not UTF-8 text (an invalid byte at offset {offset})")
    })
}

/// Parses and checks scenario `text`; `path` is used in errors.
pub fn parse(path: &Path, text: &str) -> Result<Checked, ScenarioError> {
    parse_with(path, text, Access::default())
}

/// [`parse`] with `access` deciding which options files the scenario may read.
pub fn parse_with(path: &Path, text: &str, access: Access) -> Result<Checked, ScenarioError> {
    let error = |location, message: String| ScenarioError {
        path: path.to_path_buf(),
        location,
        message,
    };
    if text.trim().is_empty() {
        return Err(error(
            None,
            "the file is empty; a scenario is a JSON object (see scenarios/README.md)".into(),
        ));
    }
    // A byte-order mark is not part of the JSON (editors on Windows write one).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let uncommented = strip_comments(text);
    if uncommented.trim().is_empty() {
        return Err(error(
            None,
            "the file holds only comments; a scenario is a JSON object".into(),
        ));
    }
    if let Some((location, what)) = not_an_object(&uncommented) {
        return Err(error(
            Some(location),
            format!("a scenario is a JSON object ({{ ... }}); the file holds {what}"),
        ));
    }
    let scenario: Scenario = serde_json::from_str(&uncommented).map_err(|e| {
        let message = e.to_string();
        // serde_json appends " at line L column C"; the location goes in front instead.
        // (The last such suffix: the message may quote the file's own text.)
        let message = match message.rsplit_once(" at line ") {
            Some((text, _)) if e.line() > 0 => text.to_string(),
            _ => message,
        };
        // Line 0: serde_json knows no position.
        let location = (e.line() > 0).then(|| serde_position(&uncommented, e.line(), e.column()));
        error(location, message)
    })?;
    // Positions are searched in the text without comments (blanked in place, so lines
    // and columns are those of the file): a comment cannot capture an error's position.
    let scenario =
        import_options(path, &uncommented, scenario, access).map_err(|(needle, message)| {
            error(needle.and_then(|n| locate(&uncommented, &n)), message)
        })?;
    check(scenario)
        .map_err(|(needle, message)| error(needle.and_then(|n| locate(&uncommented, &n)), message))
}

/// Fills in the links and timing from `config.options`, if it names an INI export.
fn import_options(
    path: &Path,
    text: &str,
    mut scenario: Scenario,
    access: Access,
) -> Result<Scenario, CheckError> {
    let Some(options) = scenario.config.options.clone() else {
        return Ok(scenario);
    };
    let value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    for key in [
        "links",
        "connect_tout",
        "kpl_interval",
        "kpl_tolerance",
        "kpl_loss_rate",
    ] {
        if value["config"].get(key).is_some() {
            return Err((
                Some(format!("\"{key}\"")),
                format!("config: \"options\" supplies {key}; remove it here (links, connect_tout and kpl_* come from {options})"),
            ));
        }
    }
    let needle = serde_json::to_string(&options).ok();
    let fail = |message: String| (needle.clone(), format!("config.options: {message}"));
    if access.no_files {
        return Err(fail(format!("{options} cannot be read here, as this runner reads no files; run the scenario with `linksim run`, or write its links and options into \"config\"")));
    }
    let folder = path.parent().unwrap_or(Path::new("."));
    let file = folder.join(&options);
    if !access.options_outside {
        confined(folder, &options, &file).map_err(fail)?;
    }
    let ini = read_regular_file(&file, MAX_OPTIONS_BYTES)
        .map_err(|e| fail(format!("{}: {e}", file.display())))?;
    if !looks_like_options(&ini) {
        return Err(fail(format!(
            "{}: not a T-Server options export (its first line that is not blank or a comment is not a [section] header); nothing of it is shown",
            file.display()
        )));
    }
    let imported =
        tserver_options::parse(&ini).map_err(|e| fail(format!("{}: {e}", file.display())))?;
    let c = &mut scenario.config;
    c.links = imported
        .config
        .links
        .iter()
        .map(|l| LinkSpec {
            name: l.name.clone(),
            priority: l.priority,
        })
        .collect();
    c.connect_tout = SimDuration(imported.config.connect_timeout);
    c.kpl_interval = SimDuration(imported.config.keepalive_interval);
    c.kpl_tolerance = imported.config.keepalive_tolerance;
    c.kpl_loss_rate = LossRateSpec::Text(imported.config.keepalive_loss_rate.to_string());
    Ok(scenario)
}

/// Whether `options` (as written in the scenario) stays inside `folder`: a relative path
/// without `..`, whose real location (symbolic links followed) is inside the folder.
fn confined(folder: &Path, options: &str, file: &Path) -> Result<(), String> {
    use std::path::Component;
    let written = Path::new(options);
    let leaves = written.is_absolute()
        || written.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        });
    let outside = || {
        format!("{options:?} is outside the scenario's folder; name a file beside the scenario or under it (or pass --options-outside)")
    };
    if leaves {
        return Err(outside());
    }
    let real_folder = std::fs::canonicalize(if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    })
    .map_err(|e| format!("cannot read the scenario's folder: {e}"))?;
    match std::fs::canonicalize(file) {
        Ok(real) if !real.starts_with(&real_folder) => Err(outside()),
        // A missing file is reported by the read, with its own message.
        _ => Ok(()),
    }
}

/// Where and what the top-level value is, when it is not an object (serde would read
/// an array as the struct's fields in order and say "expected u32").
fn not_an_object(text: &str) -> Option<((usize, usize), &'static str)> {
    let offset = text.find(|c: char| !c.is_whitespace())?;
    let first = text[offset..].chars().next()?;
    // An object starts with U+007B (written so to keep braces in this file balanced).
    if first == '\u{7b}' {
        return None;
    }
    let what = match first {
        '[' => "an array",
        '"' => "a string",
        't' | 'f' => "a boolean",
        'n' => "null",
        c if c == '-' || c.is_ascii_digit() => "a number",
        _ => return None, // not JSON at all: serde's own message says where
    };
    Some((position(text, offset), what))
}

/// Whether `text` starts like an INI export: its first line that is not blank or a
/// comment (`;` or `#`) is a `[section]` header. Anything else is not echoed in errors.
fn looks_like_options(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with(';') && !line.starts_with('#'))
        .is_some_and(|line| line.starts_with('[') && line.ends_with(']'))
}

/// Blanks out `//` line comments outside strings, keeping every other character where
/// it is, so line and column numbers in errors still point into the file as written.
pub fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let (mut in_string, mut escaped) = (false, false);
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '/' && chars.peek() == Some(&'/') {
            out.push(' ');
            for next in chars.by_ref() {
                if next == '\n' {
                    out.push('\n');
                    break;
                }
                out.push(' ');
            }
        } else {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

/// Checks a scenario built in code (no file to point into): the same checks as
/// [`parse`] applies after reading JSON.
pub fn check_scenario(scenario: Scenario) -> Result<Checked, String> {
    check(scenario).map_err(|(_, message)| message)
}

/// Where `needle` first appears in `text`, as 1-based line and column.
fn locate(text: &str, needle: &str) -> Option<(usize, usize)> {
    Some(position(text, text.find(needle)?))
}

/// The line and column (1-based; the column counts characters, as an editor does) of
/// byte `offset` in `text`.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// serde_json's line and column (the column counting bytes, 0 right after a newline)
/// as [`position`]'s.
fn serde_position(text: &str, line: usize, byte_column: usize) -> (usize, usize) {
    let line_start = match line {
        0 | 1 => 0,
        n => text
            .match_indices('\n')
            .nth(n - 2)
            .map_or(text.len(), |(at, _)| at + 1),
    };
    position(text, line_start + byte_column.saturating_sub(1))
}

type CheckError = (Option<String>, String);

/// Semantic checks: the things JSON types cannot say. The error carries a text to
/// locate in the file (a quoted name or a field) and the message.
fn check(scenario: Scenario) -> Result<Checked, CheckError> {
    let config = check_config(&scenario)?;
    let servers = if scenario.servers.is_empty() {
        vec![ServerSpec {
            name: "ts".into(),
            role: Role::Standalone,
        }]
    } else {
        scenario.servers.clone()
    };
    check_servers(&servers)?;
    let names = Names {
        links: config.links.iter().map(|l| l.name.as_str()).collect(),
        servers: servers.iter().map(|s| s.name.as_str()).collect(),
    };
    for name in scenario.connectors.keys() {
        names.link("connectors", name)?;
    }
    check_faults(&scenario, &names)?;
    check_expectations(&scenario, &names)?;
    let mut scenario = scenario;
    let seed = scenario.seed;
    for (index, fault) in scenario.faults.iter_mut().enumerate() {
        fault.draw(seed, index);
    }
    let connectors = config
        .links
        .iter()
        .map(|l| {
            scenario
                .connectors
                .get(&l.name)
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    Ok(Checked {
        servers,
        config,
        connectors,
        scenario,
    })
}

/// The format version, the texts, the core configuration and `run_for`.
fn check_config(scenario: &Scenario) -> Result<Config, CheckError> {
    if scenario.format != FORMAT_VERSION {
        return Err((
            Some("\"format\"".into()),
            format!(
                "format {} is not supported; this linksim reads format {FORMAT_VERSION}",
                scenario.format
            ),
        ));
    }
    check_texts(scenario)?;
    let c = &scenario.config;
    let config = Config::new(c.links.iter().map(|l| LinkConfig {
        name: l.name.clone(),
        priority: l.priority,
    }))
    .with_connect_timeout(c.connect_tout.0)
    .with_restart_timeout(c.restart_timeout.0)
    .with_keepalive(c.kpl_interval.0, c.kpl_tolerance)
    .with_first_status(c.first_status.policy());
    let rate = c
        .kpl_loss_rate
        .rate()
        .map_err(|e| (Some("\"kpl_loss_rate\"".into()), format!("config: {e}")))?;
    let policy = crate::options::status_policy(&c.status_policy)
        .map_err(|e| (Some("\"status_policy\"".into()), format!("config: {e}")))?;
    let config = config
        .with_keepalive_loss_rate(rate)
        .with_status_policy(policy);
    config
        .validate()
        .map_err(|e| (Some(config_error_field(&e)), format!("config: {e}")))?;
    // The core refuses a time so late that a timer armed from it would overflow (I8).
    if (scenario.run_for.0 + config.longest_timer()).as_nanos() >= u128::from(u64::MAX) {
        return Err((
            Some("\"run_for\"".into()),
            format!(
                "run_for {} is too long: the clock must still hold a timer after it",
                scenario.run_for
            ),
        ));
    }
    Ok(config)
}

/// The links and servers a scenario names, for checking references to them.
struct Names<'a> {
    links: Vec<&'a str>,
    servers: Vec<&'a str>,
}

impl Names<'_> {
    /// `name` (in `what`) is a configured link.
    fn link(&self, what: &str, name: &str) -> Result<(), CheckError> {
        if self.links.contains(&name) {
            return Ok(());
        }
        Err((
            serde_json::to_string(name).ok(),
            format!(
                "{what}: no link named {name:?} in config.links (configured: {})",
                self.links.join(", ")
            ),
        ))
    }

    /// `name` (in `what`), if given, is a server of the scenario.
    fn server(&self, what: &str, name: Option<&str>) -> Result<(), CheckError> {
        match name {
            Some(name) if !self.servers.contains(&name) => Err((
                serde_json::to_string(name).ok(),
                format!(
                    "{what}: no server named {name:?} (servers: {})",
                    self.servers.join(", ")
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// Every fault names known links and servers, starts within the run, and a switchover
/// has a pair to switch.
fn check_faults(scenario: &Scenario, names: &Names<'_>) -> Result<(), CheckError> {
    for (i, fault) in scenario.faults.iter().enumerate() {
        let what = format!("faults[{i}]");
        if let Some(link) = fault.link() {
            names.link(&what, link)?;
        }
        names.server(&what, fault.server())?;
        let latest = fault.at_field().latest();
        if latest > scenario.run_for {
            return Err((
                Some("\"at\"".into()),
                format!(
                    "{what}: starts at {}{latest}, after run_for ({}); it would never happen",
                    if fault.at_field().range.is_some() {
                        "up to "
                    } else {
                        ""
                    },
                    scenario.run_for
                ),
            ));
        }
        if matches!(fault, Fault::Switchover { .. }) && names.servers.len() != 2 {
            return Err((
                Some("\"switchover\"".into()),
                format!(
                    "{what}: a switchover needs an HA pair (a primary and a backup in \"servers\")"
                ),
            ));
        }
        if matches!(fault, Fault::SetRole { .. }) && names.servers.len() > 1 {
            return Err((
                Some("\"set_role\"".into()),
                format!("{what}: set_role is for a lone server; a pair's roles change by \"switchover\""),
            ));
        }
        if let Fault::Options { .. } = fault {
            fault
                .option_values()
                .changes()
                .map_err(|e| (Some("\"options\"".into()), format!("{what}: {e}")))?;
        }
    }
    Ok(())
}

/// Every expectation names known links and servers (a server when there are two),
/// looks inside the run, and an interval runs forwards.
fn check_expectations(scenario: &Scenario, names: &Names<'_>) -> Result<(), CheckError> {
    for (i, expectation) in scenario.expect.iter().enumerate() {
        let what = format!("expect[{i}]");
        for link in expectation.links() {
            names.link(&what, link)?;
        }
        let service = expectation.is_about_outages() && expectation.server() == Some(SERVICE);
        if !service {
            names.server(&what, expectation.server())?;
        }
        if let Expectation::Availability { at_least, .. } = expectation {
            if !(0.0..=1.0).contains(at_least) {
                return Err((
                    Some("\"at_least\"".into()),
                    format!("{what}: \"at_least\" is a fraction from 0 to 1 (0.999 for 99.9%); {at_least} is not"),
                ));
            }
        }
        if expectation.server().is_none() && names.servers.len() > 1 {
            return Err((
                Some("\"expect\"".into()),
                format!(
                    "{what}: say which server with \"server\" (this scenario has {})",
                    names.servers.join(", ")
                ),
            ));
        }
        if let Some(time) = expectation.latest_time().filter(|t| *t > scenario.run_for) {
            return Err((
                Some(format!("\"{time}\"")),
                format!(
                    "{what}: looks at {time}, after run_for ({}); the run never gets there",
                    scenario.run_for
                ),
            ));
        }
        if let Expectation::Log {
            kind: Some(kind), ..
        } = expectation
        {
            if !LogRecord::KINDS.contains(&kind.as_str()) {
                return Err((
                    serde_json::to_string(kind).ok(),
                    format!(
                        "{what}: {kind:?} is not a log record kind (kinds: {})",
                        LogRecord::KINDS.join(", ")
                    ),
                ));
            }
        }
        if let Expectation::ActiveDuring { from, until, .. } = expectation {
            if from > until {
                return Err((
                    Some("\"from\"".into()),
                    format!("{what}: \"from\" ({from}) is after \"until\" ({until})"),
                ));
            }
        }
    }
    Ok(())
}

/// The text an error about the configuration points at (to locate it in the file).
fn config_error_field(error: &ConfigError) -> String {
    match error {
        ConfigError::NoLinks | ConfigError::TooManyLinks { .. } => "\"links\"".to_string(),
        ConfigError::EmptyLinkName { .. } => "\"name\"".into(),
        ConfigError::UnprintableLinkName { name, .. } => {
            serde_json::to_string(name).unwrap_or_default()
        }
        ConfigError::DuplicateLinkName { name, .. } => {
            serde_json::to_string(name).unwrap_or_default()
        }
        ConfigError::ConnectTimeoutOutOfRange { .. } => "\"connect_tout\"".into(),
        ConfigError::RestartTimeoutOutOfRange { .. } => "\"restart_timeout\"".into(),
        ConfigError::KeepaliveIntervalOutOfRange { .. } => "\"kpl_interval\"".into(),
        ConfigError::KeepaliveToleranceOutOfRange { .. } => "\"kpl_tolerance\"".into(),
        ConfigError::NormalStatusIsFailure => "\"status_policy\"".into(),
    }
}

/// The scenario's name is printed on every run and its description in pictures: no
/// control character (an escape sequence would reach the terminal), but for line
/// breaks and tabs in the description.
fn check_texts(scenario: &Scenario) -> Result<(), CheckError> {
    if scenario.name.chars().any(is_unprintable) {
        return Err((
            Some("\"name\"".into()),
            format!(
                "the scenario's name {:?} holds a control character or an invisible one; names must be printable",
                scenario.name
            ),
        ));
    }
    let unprintable = |c: char| is_unprintable(c) && c != '\n' && c != '\t';
    if scenario.description.chars().any(unprintable) {
        return Err((
            Some("\"description\"".into()),
            "the description holds a control or invisible character other than a line break or a tab".into(),
        ));
    }
    Ok(())
}

fn check_servers(servers: &[ServerSpec]) -> Result<(), CheckError> {
    for (i, server) in servers.iter().enumerate() {
        if server.name.trim().is_empty() {
            return Err((
                Some("\"servers\"".into()),
                format!("servers[{i}]: the name is empty"),
            ));
        }
        if server.name.chars().any(is_unprintable) {
            return Err((
                serde_json::to_string(&server.name).ok(),
                format!(
                    "servers[{i}]: the name {:?} holds a control character or an invisible one; names must be printable",
                    server.name
                ),
            ));
        }
        if servers[..i].iter().any(|s| s.name == server.name) {
            return Err((
                serde_json::to_string(&server.name).ok(),
                format!("servers[{i}]: the name {:?} is used twice", server.name),
            ));
        }
        if server.name == SERVICE {
            return Err((
                serde_json::to_string(&server.name).ok(),
                format!("servers[{i}]: the name {SERVICE:?} is reserved: outage expectations use it for the service of the servers"),
            ));
        }
    }
    match servers {
        [_] => Ok(()),
        [a, b]
            if matches!(
                (a.role, b.role),
                (Role::Primary, Role::Backup) | (Role::Backup, Role::Primary)
            ) =>
        {
            Ok(())
        }
        [_, _] => Err((
            Some("\"servers\"".into()),
            "servers: an HA pair is one \"primary\" and one \"backup\"".into(),
        )),
        _ => Err((
            Some("\"servers\"".into()),
            format!(
                "servers: {} servers given; a scenario has one server or an HA pair of two",
                servers.len()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use link_model::liveness::Health;

    use super::*;

    /// Columns count characters, as an editor shows them, whichever check found the
    /// error: serde's (which counts bytes), a misplaced value, a name located in the text.
    #[test]
    fn error_columns_count_characters_not_bytes() {
        let at = |text: &str| parse(Path::new("x.json"), text).unwrap_err().location;
        // "é" and "→" are 2 and 3 bytes; the error is at the `x` after them.
        let syntax = "{\n  \"description\": \"é→\", x\n}";
        assert_eq!(at(syntax), Some((2, 24)), "27 in bytes");
        assert_eq!(at("\u{a0}\u{a0}[1]"), Some((1, 3)));
        let unknown = "{\"format\": 1, \"name\": \"é\", \"run_for\": \"1s\",\n\"description\": \"→\", \"config\": {\"links\": [{\"name\": \"A\"}]},\n\"faults\": [{\"fault\": \"crash\", \"at\": \"1s\", \"for\": \"1s\", \"link\": \"NOPE\"}]}";
        let location = at(unknown);
        assert_eq!(location.map(|(line, _)| line), Some(3), "{location:?}");
        // Located by the name in the text, after "é" and "→" on its line.
        let located = unknown.replace("\n\"faults\"", " \"faults\"");
        let line = located.lines().nth(1).unwrap();
        let column = line[..line.find("\"NOPE\"").unwrap()].chars().count() + 1;
        assert_eq!(
            at(&located),
            Some((2, column)),
            "{} bytes",
            line.find("\"NOPE\"").unwrap() + 1
        );
    }

    /// serde_json's message keeps its text up to the last " at line " it appended, even
    /// when the text it quotes holds those words.
    #[test]
    fn a_message_quoting_at_line_keeps_its_quote() {
        let text = "{\"format\": 1, \"name\": \"x\", \"run_for\": \"1s\", \"servers\": [{\"name\": \"a\", \"role\": \"x at line 2\"}]}";
        let error = parse(Path::new("x.json"), text).unwrap_err();
        assert!(error.message.contains("x at line 2"), "{}", error.message);
        assert!(!error.message.contains("column"), "{}", error.message);
    }

    fn steps(values: &[(&str, u64)]) -> StatusSpec {
        StatusSpec::Steps(
            values
                .iter()
                .map(|(name, after)| StatusStep {
                    status: SystemStatus::from_name(name).unwrap(),
                    after: SimDuration::from_millis(*after),
                })
                .collect(),
        )
    }

    fn health_of(status: StatusSpec, config: &Config) -> Health {
        let spec = ConnectorSpec {
            status,
            ..ConnectorSpec::default()
        };
        let (two_s, ten_s) = (SimDuration::from_secs(2), SimDuration::from_secs(10));
        let behaviour = spec.behaviour(ten_s, SimDuration::from_millis(2), config);
        behaviour.health(two_s.0, two_s.0, true)
    }

    #[test]
    fn health_follows_the_status_policies() {
        let wait = Config::new([LinkConfig::new("A")]);
        let close = wait.clone().with_first_status(FirstStatusPolicy::Close);
        let late_normal = steps(&[("initializing", 0), ("normal", 500)]);
        assert_eq!(
            health_of(late_normal.clone(), &wait),
            Health::Healthy,
            "R5: waits"
        );
        assert_eq!(
            health_of(late_normal, &close),
            Health::NeverSelected,
            "closed at once"
        );
        let too_late = steps(&[("initializing", 0), ("normal", 2_500)]);
        assert_eq!(
            health_of(too_late, &wait),
            Health::Sometimes,
            "after connect-tout at its slowest; never credited with being too slow"
        );
        let never = steps(&[("initializing", 0), ("enabled", 100)]);
        assert_eq!(health_of(never, &wait), Health::NeverSelected);
        let fails = steps(&[("normal", 0), ("disabled", 300)]);
        assert_eq!(
            health_of(fails.clone(), &wait),
            Health::Flapping,
            "R15 failure"
        );
        let lenient = wait
            .clone()
            .with_status_policy(link_core::StatusPolicy::ALL_WARNINGS);
        assert_eq!(
            health_of(fails, &lenient),
            Health::Healthy,
            "only a warning"
        );
        let warns = steps(&[("normal", 0), ("overloadReached", 300), ("normal", 300)]);
        assert_eq!(health_of(warns, &wait), Health::Healthy);
    }

    #[test]
    fn comments_are_blanked_outside_strings_and_positions_are_kept() {
        let text = "{ // zap\n  \"name\": \"a // kept \\\" still\" // gone\n}";
        let stripped = strip_comments(text);
        assert_eq!(stripped.len(), text.len());
        assert_eq!(stripped.lines().count(), text.lines().count());
        assert!(!stripped.contains("zap") && !stripped.contains("gone"));
        assert!(stripped.contains("\"a // kept \\\" still\""));
        let value: serde_json::Value = serde_json::from_str(&stripped).unwrap();
        assert_eq!(value["name"], "a // kept \" still");
    }

    #[test]
    fn an_error_after_a_comment_points_at_the_right_column() {
        let text = "{ \"format\": 1, // fine\n  \"nmae\": 1 }";
        let error = parse(Path::new("x.json"), text).unwrap_err();
        // serde_json points at the end of the unknown key, on the line after the comment.
        assert_eq!(error.location, Some((2, 8)), "{error}");
    }
}
