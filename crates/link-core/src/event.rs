//! Inputs: everything a runtime tells the core ([`Event`]), and the ECMA-269
//! [`SystemStatus`] values a CSTA Connector reports.

use core::fmt;

use crate::{ConnId, LinkId, OptionChange, OptionChanges, Role, Timer};

/// The nine values of the ECMA-269 SystemStatus event's `systemStatus` parameter.
///
/// Only [`SystemStatus::Normal`] validates a link (R5); what the others mean on a
/// validated link is the configuration's [`StatusPolicy`](crate::StatusPolicy) (R15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub enum SystemStatus {
    /// The switching function is initializing.
    Initializing,
    /// The switching function is enabled.
    Enabled,
    /// The switching function is operating normally: the only value that validates a link.
    Normal,
    /// Messages have been lost.
    MessagesLost,
    /// The switching function is disabled.
    Disabled,
    /// Overload is imminent.
    OverloadImminent,
    /// Overload has been reached.
    OverloadReached,
    /// Overload has been relieved.
    OverloadRelieved,
    /// Part of the switching function is disabled.
    PartiallyDisabled,
}

impl SystemStatus {
    /// All nine values, in ECMA-269 order of this enum.
    pub const ALL: [SystemStatus; 9] = [
        SystemStatus::Initializing,
        SystemStatus::Enabled,
        SystemStatus::Normal,
        SystemStatus::MessagesLost,
        SystemStatus::Disabled,
        SystemStatus::OverloadImminent,
        SystemStatus::OverloadReached,
        SystemStatus::OverloadRelieved,
        SystemStatus::PartiallyDisabled,
    ];

    /// This value's position in [`SystemStatus::ALL`].
    pub const fn index(self) -> usize {
        match self {
            SystemStatus::Initializing => 0,
            SystemStatus::Enabled => 1,
            SystemStatus::Normal => 2,
            SystemStatus::MessagesLost => 3,
            SystemStatus::Disabled => 4,
            SystemStatus::OverloadImminent => 5,
            SystemStatus::OverloadReached => 6,
            SystemStatus::OverloadRelieved => 7,
            SystemStatus::PartiallyDisabled => 8,
        }
    }

    /// The value named `name` (its ECMA-269 name, see [`as_str`](Self::as_str)).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }

    /// Whether this value makes a link operational (R5).
    pub const fn is_normal(self) -> bool {
        matches!(self, SystemStatus::Normal)
    }

    /// The value's ECMA-269 name, e.g. `messagesLost`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SystemStatus::Initializing => "initializing",
            SystemStatus::Enabled => "enabled",
            SystemStatus::Normal => "normal",
            SystemStatus::MessagesLost => "messagesLost",
            SystemStatus::Disabled => "disabled",
            SystemStatus::OverloadImminent => "overloadImminent",
            SystemStatus::OverloadReached => "overloadReached",
            SystemStatus::OverloadRelieved => "overloadRelieved",
            SystemStatus::PartiallyDisabled => "partiallyDisabled",
        }
    }
}

impl fmt::Display for SystemStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One input to [`LinkCore::step`](crate::LinkCore::step).
///
/// Connection events carry the [`ConnId`] from the [`Action::Open`](crate::Action::Open)
/// that started the connection; an event for a connection the core has closed since is
/// ignored ([`Ignored::StaleConnection`](crate::Ignored::StaleConnection)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Event {
    /// The server starts: begin the first connection procedure (R1, R2).
    Start,
    /// The TCP connection was accepted by the connector (R3).
    TcpAccepted(ConnId),
    /// The TCP connect was refused or failed (R3).
    TcpRefused(ConnId),
    /// An open connection was closed by the peer or failed (R4, R10).
    TcpClosed(ConnId),
    /// The connector accepted the association (session start) request (R4).
    AssociationAccepted(ConnId),
    /// The connector rejected the association request (R4).
    AssociationRejected(ConnId),
    /// A SystemStatus event arrived on the connection (R5, R15).
    SystemStatus(ConnId, SystemStatus),
    /// The connector answered a keep-alive request (R14).
    KeepAliveAnswered(ConnId),
    /// The connector answered a keep-alive request with an error (a negative response:
    /// it cannot serve, e.g. all its links to the switch are down): one failure, at
    /// once (R14).
    KeepAliveRejected(ConnId),
    /// Any other message arrived on the connection; it counts as traffic for the
    /// keep-alive idle timer (R14): it postpones the next request, but it answers none.
    MessageReceived(ConnId),
    /// A timer the core armed has fired. Early or cancelled firings are ignored.
    TimerExpired(Timer),
    /// The Management Layer assigned a role (R11).
    RoleChanged(Role),
    /// A link's settings changed (R13). `priority` is its new priority (`None` = 0);
    /// any endpoint change is the runtime's to apply at the next open.
    Reconfigured {
        /// The link whose settings changed.
        link: LinkId,
        /// The link's new priority.
        priority: Option<i32>,
    },
    /// The runtime changed a timing option (R16): `connect-tout` applies at the next
    /// procedure, the `kpl-*` options at once. A value out of range is refused
    /// ([`StepError::OptionOutOfRange`](crate::StepError::OptionOutOfRange)).
    OptionChanged(OptionChange),
    /// The runtime changed several timing options together (one reload of the
    /// application's options, R16): applied as one change, no state with some new and
    /// others old ever judged. A value out of range refuses the whole input
    /// ([`StepError::OptionOutOfRange`](crate::StepError::OptionOutOfRange)), changing
    /// nothing.
    OptionsChanged(OptionChanges),
    /// The server stops: close everything and ignore all later input.
    Shutdown,
}

impl Event {
    /// The connection this event concerns, if it concerns one.
    pub const fn conn(&self) -> Option<ConnId> {
        match *self {
            Event::TcpAccepted(c)
            | Event::TcpRefused(c)
            | Event::TcpClosed(c)
            | Event::AssociationAccepted(c)
            | Event::AssociationRejected(c)
            | Event::SystemStatus(c, _)
            | Event::KeepAliveAnswered(c)
            | Event::KeepAliveRejected(c)
            | Event::MessageReceived(c) => Some(c),
            Event::Start
            | Event::TimerExpired(_)
            | Event::RoleChanged(_)
            | Event::Reconfigured { .. }
            | Event::OptionChanged(_)
            | Event::OptionsChanged(_)
            | Event::Shutdown => None,
        }
    }

    /// The link this event concerns, if it concerns one.
    pub const fn link(&self) -> Option<LinkId> {
        match (self.conn(), self) {
            (Some(c), _) => Some(c.link),
            (None, Event::Reconfigured { link, .. }) => Some(*link),
            (None, _) => None,
        }
    }
}
