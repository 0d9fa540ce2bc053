//! The small values the format's parts share: a status sequence ([`StatusSpec`]), the
//! direction a partition cuts ([`Direction`]), and the schemas of roles and statuses.

use link_core::SystemStatus;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

use crate::SimDuration;

/// The schema of a role: one of the three names.
pub(super) fn role_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": ["standalone", "primary", "backup"] })
}

/// The schema of a SystemStatus: one of the nine ECMA-269 names.
pub(super) fn status_schema(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = SystemStatus::ALL.iter().map(|s| s.as_str()).collect();
    json_schema!({ "type": "string", "enum": names, "description": "An ECMA-269 SystemStatus value." })
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
