//! The scenario file format's types (format 1): the scenario, its configuration, its
//! servers, connectors, network and Management Layer. Every struct refuses unknown
//! fields; every duration has a unit ([`SimDuration`]). Faults are in [`super::fault`],
//! expectations in [`super::expectation`].

use std::collections::BTreeMap;
use std::time::Duration;

use link_core::{Config, FirstStatusPolicy, Role, SystemStatus};
use link_model::liveness::Behaviour;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::expectation::Expectation;
use super::fault::Fault;
use super::values::{role_schema, status_offsets, StatusSpec};
use crate::options::{FirstStatusSpec, LossRateSpec, VerdictSpec};
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

impl Scenario {
    /// Whether anything in the scenario is drawn from its seed: a fault time given as
    /// a range, connector or network jitter. A sweep over seeds of a scenario without
    /// any runs the same run again and again.
    pub fn draws_from_seed(&self) -> bool {
        let ranges = self
            .faults
            .iter()
            .any(|f| f.drawn_fields().iter().any(|(_, d)| d.range.is_some()));
        let jitter = self.connectors.values().any(|c| !c.jitter.0.is_zero());
        ranges || jitter || !self.network.jitter.0.is_zero()
    }

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
    /// `ha-sync-dly-lnk-conn`: a backup of an HA pair tells its clients
    /// EventLinkConnected only once its synchronization with the primary is complete
    /// (link selection is unchanged). Absent: off, or the options export's value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ha_sync_dly_lnk_conn: Option<bool>,
    /// How long a backup's synchronization with the primary takes, from its start and
    /// from each change to backup (with `ha_sync_dly_lnk_conn`). Absent: 1 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ha_sync_takes: Option<SimDuration>,
}

/// How long a backup's synchronization with the primary takes when a scenario does not
/// say (`ha_sync_takes`).
pub const DEFAULT_HA_SYNC_TAKES: Duration = Duration::from_secs(1);

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
    /// Its own links, with their priorities (the product's HA example: "the primary
    /// and backup T-Servers use different sets of CSTA Connectors"); absent:
    /// `config.links`. A link another server also lists is the same connector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<LinkSpec>>,
    /// Its own `connect-tout`; absent: `config.connect_tout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_tout: Option<SimDuration>,
    /// Its own `kpl-interval`; absent: `config.kpl_interval`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kpl_interval: Option<SimDuration>,
    /// Its own `kpl-tolerance`; absent: `config.kpl_tolerance`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kpl_tolerance: Option<u8>,
}

impl ServerSpec {
    /// A server named `name` starting in `role`, with the scenario's configuration.
    pub fn new(name: &str, role: Role) -> Self {
        ServerSpec {
            name: name.to_string(),
            role,
            links: None,
            connect_tout: None,
            kpl_interval: None,
            kpl_tolerance: None,
        }
    }

    /// Whether it has a configuration of its own (links or options).
    pub fn has_own_config(&self) -> bool {
        self.links.is_some()
            || self.connect_tout.is_some()
            || self.kpl_interval.is_some()
            || self.kpl_tolerance.is_some()
    }
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
    /// Answer after `keepalive_after` with an ECMA-323 error: the connector cannot
    /// serve, as when all its links to the switch are down (R14: one failure at once).
    Error,
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

#[cfg(test)]
mod tests {
    use link_core::{Config, LinkConfig};
    use link_model::liveness::Health;

    use crate::scenario::StatusStep;

    use super::*;

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
}
