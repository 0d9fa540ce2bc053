//! A scenario's faults: what can happen at a time ([`Fault`], one variant per kind, and
//! [`FaultKind`], the closed list `explore` draws from), with the times each fault
//! starts and heals. What a fault does to the simulated world is `world::faults`.

use link_core::Role;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::format::AssociationBehaviour;
use super::values::{role_schema, status_offsets, Direction, StatusSpec};
use crate::duration::DrawnDuration;
use crate::options::{LossRateSpec, OptionValues};
use crate::SimDuration;

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
    /// [`Fault::Association`].
    Association,
}

impl FaultKind {
    /// Every kind, in the order `explore` draws their weights.
    pub const ALL: [FaultKind; 11] = [
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
        FaultKind::Association,
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
    /// time of each step, the active one included; to one server of a pair, or to
    /// every server.
    Status {
        /// When.
        at: DrawnDuration,
        /// Which link.
        link: String,
        /// The value sent, or a list of `{"status", "after"}` steps.
        status: StatusSpec,
        /// Only to this server's connections; absent: every server's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        server: Option<String>,
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
        /// The new priority (absent: the server keeps the one it has, and the link's
        /// other settings changed: R13 still drops it if it is active; 0 is "none").
        #[serde(default)]
        priority: Option<i32>,
        /// Only this server; absent: every server.
        #[serde(default)]
        server: Option<String>,
    },
    /// The connector answers association requests otherwise for `for` (rejects them,
    /// or never answers), then as its spec says again: a connector whose association
    /// behaviour changes over time.
    Association {
        /// When.
        at: DrawnDuration,
        /// Which link's connector.
        link: String,
        /// How it answers meanwhile: `reject` or `never` (or `accept`).
        association: AssociationBehaviour,
        /// How long.
        #[serde(rename = "for")]
        duration: DrawnDuration,
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

impl Fault {
    /// The core inputs this fault can make at most by itself: one, or one per value of
    /// a status sequence (for `linksim check`'s estimate).
    pub fn work(&self) -> usize {
        match self {
            Fault::Status { status, .. } => status_offsets(status).len(),
            _ => 1,
        }
    }

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
            Fault::Association { .. } => FaultKind::Association,
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
            | Fault::Association { duration, .. }
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
    pub(super) fn at_field(&self) -> DrawnDuration {
        match self {
            Fault::Crash { at, .. }
            | Fault::Drop { at, .. }
            | Fault::Status { at, .. }
            | Fault::Partition { at, .. }
            | Fault::Latency { at, .. }
            | Fault::Switchover { at }
            | Fault::Reconfigure { at, .. }
            | Fault::IgnoreKeepalive { at, .. }
            | Fault::Association { at, .. }
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
            | Fault::Association { at, duration, .. }
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
            | Fault::Association { at, duration, .. }
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
            | Fault::Association { link, .. }
            | Fault::IgnoreKeepalive { link, .. } => Some(link),
            Fault::Switchover { .. } | Fault::SetRole { .. } | Fault::Options { .. } => None,
        }
    }

    /// The server the fault names, if any.
    pub fn server(&self) -> Option<&str> {
        match self {
            Fault::Drop { server, .. }
            | Fault::Status { server, .. }
            | Fault::Partition { server, .. }
            | Fault::Latency { server, .. }
            | Fault::Reconfigure { server, .. }
            | Fault::SetRole { server, .. }
            | Fault::Options { server, .. } => server.as_deref(),
            _ => None,
        }
    }
}
