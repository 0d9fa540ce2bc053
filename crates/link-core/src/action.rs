//! Outputs: what the core asks its runtime to do ([`Action`]), the closed set of timers
//! ([`Timer`]), the log records an operator reads ([`LogRecord`]) and the notifications
//! for T-Server clients ([`ClientEvent`]).

use core::fmt;

use crate::{Config, ConnId, FirstStatusPolicy, Instant, LinkId, OptionChange, Role, SystemStatus};

/// The timers the core uses. A closed set: each has one slot in a fixed table, so at
/// most one instance of each is pending (I8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Timer {
    /// `connect-tout`: bounds one connection procedure (R8).
    ConnectTimeout,
    /// The link restart timeout after an active-link failure (R10).
    RestartDelay,
    /// `kpl-interval` on the active link: idle time before the next keep-alive, and the
    /// time allowed for its answer (R14).
    KeepAlive,
}

impl Timer {
    /// How many timers there are.
    pub const COUNT: usize = 3;
    /// Every timer, in table order.
    pub const ALL: [Timer; Timer::COUNT] =
        [Timer::ConnectTimeout, Timer::RestartDelay, Timer::KeepAlive];

    /// This timer's slot in the table.
    pub const fn index(self) -> usize {
        match self {
            Timer::ConnectTimeout => 0,
            Timer::RestartDelay => 1,
            Timer::KeepAlive => 2,
        }
    }

    /// A short name for logs, e.g. `connect-tout`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Timer::ConnectTimeout => "connect-tout",
            Timer::RestartDelay => "link-restart",
            Timer::KeepAlive => "keep-alive",
        }
    }
}

impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the core closes a connection (carried by [`Action::Close`] for traces).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum CloseReason {
    /// The connector rejected the association (R4).
    AssociationRejected,
    /// The first SystemStatus was not `normal`, under [`FirstStatusPolicy::Close`] (R5).
    NotOperational,
    /// A SystemStatus the status policy calls a failure, on the active link or (under
    /// [`FirstStatusPolicy::Close`]) on an operational one (R15).
    StatusFailure,
    /// A link of the same or higher priority became operational first (R6).
    Superseded,
    /// Another link was activated (R7, R8).
    NotSelected,
    /// `connect-tout` expired with no operational link (R8).
    ConnectTimeout,
    /// The server is backup and this link is below the highest configured priority
    /// (R9, R11).
    BackupRestriction,
    /// The active link missed `kpl-tolerance` keep-alives (R14).
    KeepAliveLost,
    /// The active link was reconfigured (R13).
    Reconfigured,
    /// The server shuts down.
    Shutdown,
}

impl CloseReason {
    /// A short name for logs.
    pub const fn as_str(self) -> &'static str {
        match self {
            CloseReason::AssociationRejected => "association rejected",
            CloseReason::NotOperational => "not operational",
            CloseReason::StatusFailure => "SystemStatus failure",
            CloseReason::Superseded => "superseded",
            CloseReason::NotSelected => "not selected",
            CloseReason::ConnectTimeout => "connect-tout expired",
            CloseReason::BackupRestriction => "backup keeps only the highest priority",
            CloseReason::KeepAliveLost => "keep-alive lost",
            CloseReason::Reconfigured => "reconfigured",
            CloseReason::Shutdown => "shutdown",
        }
    }
}

/// How the active link was lost (R10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum LossCause {
    /// Its connection closed or failed.
    ConnectionClosed,
    /// Its keep-alive failure counter reached `kpl-tolerance` (R14).
    KeepAliveLost,
    /// It reported a SystemStatus the status policy calls a failure (R15).
    Status(SystemStatus),
}

/// A notification for all T-Server clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ClientEvent {
    /// EventLinkConnected: a link became active (R7).
    LinkConnected {
        /// The link now active.
        link: LinkId,
    },
    /// EventLinkDisconnected: the active link is gone (R9, R10, R13).
    LinkDisconnected {
        /// The link that was active.
        link: LinkId,
    },
}

impl ClientEvent {
    /// The T-Library event name: `EventLinkConnected` or `EventLinkDisconnected`.
    pub const fn name(self) -> &'static str {
        match self {
            ClientEvent::LinkConnected { .. } => "EventLinkConnected",
            ClientEvent::LinkDisconnected { .. } => "EventLinkDisconnected",
        }
    }

    /// The event with its link renamed by `rename` (see [`LogRecord::with_link`]).
    pub fn with_link(self, rename: impl Fn(LinkId) -> LinkId) -> Self {
        match self {
            ClientEvent::LinkConnected { link } => {
                ClientEvent::LinkConnected { link: rename(link) }
            }
            ClientEvent::LinkDisconnected { link } => {
                ClientEvent::LinkDisconnected { link: rename(link) }
            }
        }
    }

    /// The link the event names.
    pub const fn link(self) -> LinkId {
        match self {
            ClientEvent::LinkConnected { link } | ClientEvent::LinkDisconnected { link } => link,
        }
    }

    /// The active link the clients know of after the event: the link it connects, or
    /// none after a disconnect.
    pub const fn connected(self) -> Option<LinkId> {
        match self {
            ClientEvent::LinkConnected { link } => Some(link),
            ClientEvent::LinkDisconnected { .. } => None,
        }
    }
}

/// A log record, structured so that producing one never allocates. Render it with
/// [`LogRecord::text`] (or [`LinkCore::log_text`](crate::LinkCore::log_text)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum LogRecord {
    /// A connection procedure began (R1, R2, R8, R9, R10, R13).
    ProcedureStarted {
        /// The role the procedure was started for.
        role: Role,
        /// How many links it opened.
        links_opened: u16,
    },
    /// The TCP connect to a link was refused (R3).
    LinkRefused {
        /// The link.
        link: LinkId,
    },
    /// The association response arrived: the link is established (R4).
    LinkEstablished {
        /// The link.
        link: LinkId,
    },
    /// The connector rejected the association (R4).
    AssociationRejected {
        /// The link.
        link: LinkId,
    },
    /// A waiting (not yet active) link's connection closed (R4).
    LinkClosedByPeer {
        /// The link.
        link: LinkId,
    },
    /// The first SystemStatus was `normal`: the link is operational (R5).
    LinkOperational {
        /// The link.
        link: LinkId,
    },
    /// The first SystemStatus was not `normal` and the first-status policy is
    /// [`FirstStatusPolicy::Close`]: the link is closed (R5).
    LinkNotOperational {
        /// The link.
        link: LinkId,
        /// The status it reported.
        status: SystemStatus,
    },
    /// A SystemStatus other than `normal` on an established link not yet operational,
    /// under [`FirstStatusPolicy::WaitForNormal`]: it stays in the queue (R5).
    LinkNotYetOperational {
        /// The link.
        link: LinkId,
        /// The status it reported.
        status: SystemStatus,
    },
    /// An operational link not yet selected reported a failure status: it is no longer
    /// a candidate. It waits for `normal` again, or is closed under
    /// [`FirstStatusPolicy::Close`] (R15).
    CandidateWithdrawn {
        /// The link.
        link: LinkId,
        /// The status it reported.
        status: SystemStatus,
    },
    /// Log 35115: `STANDARD CTI link <name> with priority <p> is selected` (R7, R8).
    LinkSelected {
        /// The link now active.
        link: LinkId,
        /// Its priority.
        priority: i32,
    },
    /// `connect-tout` expired with no operational link; the procedure starts again (R8).
    NoOperationalLink,
    /// The active link failed (R10).
    ActiveLinkLost {
        /// The link.
        link: LinkId,
        /// How it was lost.
        cause: LossCause,
    },
    /// The procedure will start again at `at`, after the link restart timeout (R10).
    RestartScheduled {
        /// When the procedure starts again.
        at: Instant,
    },
    /// A backup dropped an active link below the highest configured priority (R9).
    BackupDropsLowerLink {
        /// The link dropped.
        link: LinkId,
        /// Its priority.
        priority: i32,
        /// The highest configured priority.
        highest: i32,
    },
    /// The Management Layer changed this server's role (R11).
    RoleChanged {
        /// The role before.
        from: Role,
        /// The role now.
        to: Role,
    },
    /// A link's settings changed (R13).
    LinkReconfigured {
        /// The link.
        link: LinkId,
        /// Whether it was the active link (and is therefore dropped).
        was_active: bool,
    },
    /// A keep-alive on the active link went unanswered (R14).
    KeepAliveMissed {
        /// The link.
        link: LinkId,
        /// The failure counter after this miss.
        failures: u8,
    },
    /// A keep-alive on the active link was answered with an error (R14): one failure,
    /// counted when the error arrived.
    KeepAliveRejected {
        /// The link.
        link: LinkId,
        /// The failure counter after this failure.
        failures: u8,
    },
    /// The active link's keep-alive warning counter reached `kpl-tolerance`: the link
    /// is unstable (R14). Logged once, until the counter falls below again.
    LinkUnstable {
        /// The link.
        link: LinkId,
        /// The warning counter.
        warnings: u32,
    },
    /// A validated link reported a SystemStatus the status policy calls a warning; it
    /// stays (R15).
    StatusWarning {
        /// The link.
        link: LinkId,
        /// The status it reported.
        status: SystemStatus,
    },
    /// A link that had reported a warning status reported `normal` again (R15).
    StatusRecovered {
        /// The link.
        link: LinkId,
    },
    /// The runtime changed a timing option (R16).
    OptionChanged {
        /// The option and its new value.
        change: OptionChange,
    },
    /// The server shut down.
    Shutdown,
}

/// The log number of [`LogRecord::LinkSelected`].
pub const LOG_LINK_SELECTED: u32 = 35115;

impl LogRecord {
    /// The public LMS message number, where the record has one (35115 for
    /// [`LogRecord::LinkSelected`]); the others are this project's own records.
    pub const fn number(&self) -> Option<u32> {
        match self {
            LogRecord::LinkSelected { .. } => Some(LOG_LINK_SELECTED),
            _ => None,
        }
    }

    /// The record with its link, if it names one, renamed by `rename` (a runtime that
    /// numbers several servers' links in one list, such as a simulator of a pair whose
    /// servers have their own links).
    pub fn with_link(mut self, rename: impl Fn(LinkId) -> LinkId) -> Self {
        match &mut self {
            LogRecord::LinkRefused { link }
            | LogRecord::LinkEstablished { link }
            | LogRecord::AssociationRejected { link }
            | LogRecord::LinkClosedByPeer { link }
            | LogRecord::LinkOperational { link }
            | LogRecord::LinkNotOperational { link, .. }
            | LogRecord::LinkNotYetOperational { link, .. }
            | LogRecord::CandidateWithdrawn { link, .. }
            | LogRecord::LinkSelected { link, .. }
            | LogRecord::ActiveLinkLost { link, .. }
            | LogRecord::BackupDropsLowerLink { link, .. }
            | LogRecord::LinkReconfigured { link, .. }
            | LogRecord::KeepAliveMissed { link, .. }
            | LogRecord::KeepAliveRejected { link, .. }
            | LogRecord::LinkUnstable { link, .. }
            | LogRecord::StatusWarning { link, .. }
            | LogRecord::StatusRecovered { link } => *link = rename(*link),
            LogRecord::ProcedureStarted { .. }
            | LogRecord::NoOperationalLink
            | LogRecord::RestartScheduled { .. }
            | LogRecord::RoleChanged { .. }
            | LogRecord::OptionChanged { .. }
            | LogRecord::Shutdown => {}
        }
        self
    }

    /// The link the record is about, if any.
    pub const fn link(&self) -> Option<LinkId> {
        match *self {
            LogRecord::LinkRefused { link }
            | LogRecord::LinkEstablished { link }
            | LogRecord::AssociationRejected { link }
            | LogRecord::LinkClosedByPeer { link }
            | LogRecord::LinkOperational { link }
            | LogRecord::LinkNotOperational { link, .. }
            | LogRecord::LinkNotYetOperational { link, .. }
            | LogRecord::CandidateWithdrawn { link, .. }
            | LogRecord::LinkSelected { link, .. }
            | LogRecord::ActiveLinkLost { link, .. }
            | LogRecord::BackupDropsLowerLink { link, .. }
            | LogRecord::LinkReconfigured { link, .. }
            | LogRecord::KeepAliveMissed { link, .. }
            | LogRecord::KeepAliveRejected { link, .. }
            | LogRecord::LinkUnstable { link, .. }
            | LogRecord::StatusWarning { link, .. }
            | LogRecord::StatusRecovered { link } => Some(link),
            LogRecord::ProcedureStarted { .. }
            | LogRecord::NoOperationalLink
            | LogRecord::RestartScheduled { .. }
            | LogRecord::RoleChanged { .. }
            | LogRecord::OptionChanged { .. }
            | LogRecord::Shutdown => None,
        }
    }

    /// Every record kind's name (see [`kind`](Self::kind)), in declaration order.
    pub const KINDS: [&'static str; 23] = [
        "procedure_started",
        "link_refused",
        "link_established",
        "association_rejected",
        "link_closed_by_peer",
        "link_operational",
        "link_not_operational",
        "link_not_yet_operational",
        "candidate_withdrawn",
        "link_selected",
        "no_operational_link",
        "active_link_lost",
        "restart_scheduled",
        "backup_drops_lower_link",
        "role_changed",
        "link_reconfigured",
        "keep_alive_missed",
        "link_unstable",
        "status_warning",
        "status_recovered",
        "option_changed",
        "shutdown",
        "keep_alive_rejected",
    ];

    /// The record's kind as a snake_case name, e.g. `status_warning` (the name its
    /// serialized form uses): what scenario expectations count records by.
    pub const fn kind(&self) -> &'static str {
        let index = match self {
            LogRecord::ProcedureStarted { .. } => 0,
            LogRecord::LinkRefused { .. } => 1,
            LogRecord::LinkEstablished { .. } => 2,
            LogRecord::AssociationRejected { .. } => 3,
            LogRecord::LinkClosedByPeer { .. } => 4,
            LogRecord::LinkOperational { .. } => 5,
            LogRecord::LinkNotOperational { .. } => 6,
            LogRecord::LinkNotYetOperational { .. } => 7,
            LogRecord::CandidateWithdrawn { .. } => 8,
            LogRecord::LinkSelected { .. } => 9,
            LogRecord::NoOperationalLink => 10,
            LogRecord::ActiveLinkLost { .. } => 11,
            LogRecord::RestartScheduled { .. } => 12,
            LogRecord::BackupDropsLowerLink { .. } => 13,
            LogRecord::RoleChanged { .. } => 14,
            LogRecord::LinkReconfigured { .. } => 15,
            LogRecord::KeepAliveMissed { .. } => 16,
            LogRecord::LinkUnstable { .. } => 17,
            LogRecord::StatusWarning { .. } => 18,
            LogRecord::StatusRecovered { .. } => 19,
            LogRecord::OptionChanged { .. } => 20,
            LogRecord::Shutdown => 21,
            LogRecord::KeepAliveRejected { .. } => 22,
        };
        Self::KINDS[index]
    }

    /// The record as text, with link names taken from `config`.
    pub fn text<'a>(&'a self, config: &'a Config) -> LogText<'a> {
        LogText {
            record: self,
            config,
        }
    }
}

/// A [`LogRecord`] ready to print; see [`LogRecord::text`].
#[derive(Clone, Copy, Debug)]
pub struct LogText<'a> {
    record: &'a LogRecord,
    config: &'a Config,
}

impl LogText<'_> {
    fn name(&self, link: LinkId) -> &str {
        self.config.link_name(link).unwrap_or("<unknown link>")
    }

    fn withdrawn(
        &self,
        f: &mut fmt::Formatter<'_>,
        link: LinkId,
        status: SystemStatus,
    ) -> fmt::Result {
        let then = match self.config.first_status {
            FirstStatusPolicy::WaitForNormal => "no longer a candidate, waiting for normal",
            FirstStatusPolicy::Close => "no longer a candidate, closing it",
        };
        let name = self.name(link);
        write!(
            f,
            "CTI link {name} reports SystemStatus {status} before it was selected; {then}"
        )
    }

    fn option_changed(f: &mut fmt::Formatter<'_>, change: OptionChange) -> fmt::Result {
        let when = match change {
            OptionChange::ConnectTimeout(_) => "applies at the next connection procedure",
            _ => "applies now",
        };
        write!(f, "option {change} {when}")
    }

    fn lost(&self, f: &mut fmt::Formatter<'_>, link: LinkId, cause: LossCause) -> fmt::Result {
        let name = self.name(link);
        match cause {
            LossCause::ConnectionClosed => {
                write!(f, "active CTI link {name} failed (connection closed)")
            }
            LossCause::KeepAliveLost => {
                write!(f, "active CTI link {name} failed (keep-alive lost)")
            }
            LossCause::Status(status) => {
                write!(f, "active CTI link {name} failed (SystemStatus {status})")
            }
        }
    }
}

impl LogText<'_> {
    /// A record about the health of an open link: keep-alive answers and statuses
    /// after validation (R14, R15).
    fn health(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self.record {
            LogRecord::KeepAliveMissed { link, failures } => write!(
                f,
                "keep-alive on CTI link {} unanswered ({failures} failure(s))",
                self.name(link)
            ),
            LogRecord::KeepAliveRejected { link, failures } => write!(
                f,
                "keep-alive on CTI link {} answered with an error ({failures} failure(s))",
                self.name(link)
            ),
            LogRecord::LinkUnstable { link, warnings } => write!(
                f,
                "CTI link {} is unstable: keep-alive warning counter {warnings} reached kpl-tolerance",
                self.name(link)
            ),
            LogRecord::StatusWarning { link, status } => write!(
                f,
                "CTI link {} reports SystemStatus {status} (warning); it stays",
                self.name(link)
            ),
            LogRecord::StatusRecovered { link } => {
                write!(f, "CTI link {} reports SystemStatus normal again (recovered)", self.name(link))
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for LogText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self.record {
            LogRecord::ProcedureStarted { role, links_opened } => write!(
                f,
                "connection procedure started as {role}: opening {links_opened} link(s)"
            ),
            LogRecord::LinkRefused { link } => {
                write!(f, "CTI link {} refused the connection", self.name(link))
            }
            LogRecord::LinkEstablished { link } => {
                write!(f, "CTI link {} established (association accepted)", self.name(link))
            }
            LogRecord::AssociationRejected { link } => {
                write!(f, "CTI link {} rejected the association", self.name(link))
            }
            LogRecord::LinkClosedByPeer { link } => {
                write!(f, "CTI link {} closed before it was selected", self.name(link))
            }
            LogRecord::LinkOperational { link } => {
                write!(f, "CTI link {} is operational (SystemStatus normal)", self.name(link))
            }
            LogRecord::LinkNotOperational { link, status } => write!(
                f,
                "CTI link {} is not operational (SystemStatus {status}); closing it",
                self.name(link)
            ),
            LogRecord::LinkNotYetOperational { link, status } => write!(
                f,
                "CTI link {} is established but not operational (SystemStatus {status}); waiting for normal",
                self.name(link)
            ),
            LogRecord::CandidateWithdrawn { link, status } => self.withdrawn(f, link, status),
            LogRecord::LinkSelected { link, priority } => write!(
                f,
                "STANDARD CTI link {} with priority {priority} is selected",
                self.name(link)
            ),
            LogRecord::NoOperationalLink => {
                f.write_str("no operational CTI link when connect-tout expired; restarting the procedure")
            }
            LogRecord::ActiveLinkLost { link, cause } => self.lost(f, link, cause),
            LogRecord::RestartScheduled { at } => {
                write!(f, "reconnecting to the CTI links at {at} (link restart timeout)")
            }
            LogRecord::BackupDropsLowerLink { link, priority, highest } => write!(
                f,
                "backup drops CTI link {} with priority {priority} (highest configured is {highest})",
                self.name(link)
            ),
            LogRecord::RoleChanged { from, to } => write!(f, "role changed from {from} to {to}"),
            LogRecord::LinkReconfigured { link, was_active } => {
                let then = match was_active {
                    true => "it was active and is dropped",
                    false => "applies at its next open",
                };
                write!(f, "CTI link {} reconfigured; {then}", self.name(link))
            }
            LogRecord::KeepAliveMissed { .. }
            | LogRecord::KeepAliveRejected { .. }
            | LogRecord::LinkUnstable { .. }
            | LogRecord::StatusWarning { .. }
            | LogRecord::StatusRecovered { .. } => self.health(f),
            LogRecord::OptionChanged { change } => Self::option_changed(f, change),
            LogRecord::Shutdown => f.write_str("shutting down; all CTI links closed"),
        }
    }
}

/// One thing the core asks its runtime to do, in the order given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Action {
    /// Open a TCP connection to the link's connector; report the outcome with
    /// [`Event::TcpAccepted`](crate::Event::TcpAccepted) or
    /// [`Event::TcpRefused`](crate::Event::TcpRefused) carrying this id.
    Open(ConnId),
    /// Send the association (session start) request on the connection (R3).
    SendAssociationRequest(ConnId),
    /// Send a keep-alive request on the active connection (R14).
    SendKeepAlive(ConnId),
    /// Close the connection. Only connections the core decides to close get this; a
    /// connection the peer closed or that was refused is already gone.
    Close {
        /// The connection.
        conn: ConnId,
        /// Why.
        reason: CloseReason,
    },
    /// Arm (or re-arm) `timer` to fire at `at`, replacing any earlier deadline.
    ArmTimer {
        /// Which timer.
        timer: Timer,
        /// When it fires.
        at: Instant,
    },
    /// Cancel `timer`.
    CancelTimer(Timer),
    /// Write a log record.
    Log(LogRecord),
    /// Send a notification to all T-Server clients.
    NotifyClients(ClientEvent),
    /// Tell the Management Layer that the active link failed (R10, HA roles only).
    ReportLinkFailure {
        /// The link that failed.
        link: LinkId,
    },
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use crate::{ClientEvent, Config, LinkConfig, LinkId, LogRecord};

    #[test]
    fn a_client_event_says_which_link_the_clients_know_as_active() {
        let link = LinkId::new(1);
        assert_eq!(ClientEvent::LinkConnected { link }.connected(), Some(link));
        assert_eq!(ClientEvent::LinkDisconnected { link }.connected(), None);
    }

    #[test]
    fn a_missed_keep_alive_is_logged_with_its_link_and_count() {
        let config = Config::new([LinkConfig::new("CSTA_A")]);
        let link = LinkId::new(0);
        let missed = LogRecord::KeepAliveMissed { link, failures: 2 };
        assert_eq!(
            missed.text(&config).to_string(),
            "keep-alive on CTI link CSTA_A unanswered (2 failure(s))"
        );
    }
}
