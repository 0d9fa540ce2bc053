//! The C side's numbers and link-core's types, both ways. C enums travel as `uint32_t`;
//! the enums here name their values for the header, and each conversion from C checks
//! the range (a value past the last is [`LpStatus::OutOfRange`]).

use std::time::Duration;

use link_core::{
    Action, ClientEvent, CloseReason, ConfigError, ConnId, Event, FirstStatusPolicy, LinkId,
    OptionChange, Role, StatusVerdict, StepError, SystemStatus, Timer,
};

use crate::{LpAction, LpEvent, LpStatus};

/// `LpEvent::kind`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpEventKind {
    /// The core starts (its first input).
    Start = 0,
    /// A TCP connect succeeded.
    TcpAccepted = 1,
    /// A TCP connect failed.
    TcpRefused = 2,
    /// An open connection closed.
    TcpClosed = 3,
    /// The connector accepted the session (ECMA-354).
    AssociationAccepted = 4,
    /// The connector rejected it.
    AssociationRejected = 5,
    /// A SystemStatus arrived (`status`).
    SystemStatus = 6,
    /// A keep-alive was answered.
    KeepAliveAnswered = 7,
    /// Any other traffic on the connection.
    MessageReceived = 8,
    /// A timer expired (`timer`).
    TimerExpired = 9,
    /// The Management Layer assigned a role (`role`).
    RoleChanged = 10,
    /// A link's priority changed (`priority`, `has_priority`).
    Reconfigured = 11,
    /// A timing option changed (`option`, `option_value`).
    OptionChanged = 12,
    /// Close everything and stop.
    Shutdown = 13,
    /// A keep-alive was answered with an error: one failure at once (R14).
    KeepAliveRejected = 14,
}

/// `LpAction::kind`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpActionKind {
    /// Open a TCP connection.
    Open = 0,
    /// Send StartApplicationSession.
    SendAssociationRequest = 1,
    /// Send a keep-alive (a SystemStatus request).
    SendKeepAlive = 2,
    /// Close the connection (`close_reason`).
    Close = 3,
    /// Arm `timer` for `at_ns`.
    ArmTimer = 4,
    /// Cancel `timer`.
    CancelTimer = 5,
    /// Write a log record (its text from `lp_core_action_text`).
    Log = 6,
    /// Tell the CTI clients (`client_event`).
    NotifyClients = 7,
    /// Tell the Management Layer the active link failed.
    ReportLinkFailure = 8,
}

/// A timer.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpTimer {
    /// `connect-tout` (R8).
    ConnectTimeout = 0,
    /// The link restart timeout (R10).
    RestartDelay = 1,
    /// `kpl-interval` (R14).
    KeepAlive = 2,
}

/// A server's role.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpRole {
    /// Not in an HA pair.
    Standalone = 0,
    /// The primary of a pair.
    Primary = 1,
    /// The backup of a pair.
    Backup = 2,
}

/// The nine ECMA-269 SystemStatus values, in link-core's order.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpSystemStatus {
    /// `initializing`.
    Initializing = 0,
    /// `enabled`.
    Enabled = 1,
    /// `normal`.
    Normal = 2,
    /// `messagesLost`.
    MessagesLost = 3,
    /// `disabled`.
    Disabled = 4,
    /// `overloadImminent`.
    OverloadImminent = 5,
    /// `overloadReached`.
    OverloadReached = 6,
    /// `overloadRelieved`.
    OverloadRelieved = 7,
    /// `partiallyDisabled`.
    PartiallyDisabled = 8,
}

/// R15's verdict on a status.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpVerdict {
    /// The link fails.
    Failure = 0,
    /// A warning; the link stays.
    Warning = 1,
}

/// R5's policy for a first status other than `normal`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpFirstStatus {
    /// Wait for `normal` until `connect-tout`.
    WaitForNormal = 0,
    /// Close the link.
    Close = 1,
}

/// A timing option (R16).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpOption {
    /// `connect-tout`, in milliseconds.
    ConnectTimeout = 0,
    /// `kpl-interval`, in milliseconds.
    KeepaliveInterval = 1,
    /// `kpl-tolerance`.
    KeepaliveTolerance = 2,
}

/// Why a connection is closed.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpCloseReason {
    /// The association was rejected (R4).
    AssociationRejected = 0,
    /// A first status other than normal, under the closing policy (R5).
    NotOperational = 1,
    /// A failure status (R15).
    StatusFailure = 2,
    /// A higher link became operational (R6).
    Superseded = 3,
    /// Another link was selected (R7).
    NotSelected = 4,
    /// `connect-tout` expired (R8).
    ConnectTimeout = 5,
    /// A backup keeps only its highest links (R9).
    BackupRestriction = 6,
    /// Keep-alive declared the link lost (R14).
    KeepAliveLost = 7,
    /// The link was reconfigured (R13).
    Reconfigured = 8,
    /// Shutdown.
    Shutdown = 9,
}

/// What CTI clients are told.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpClientEvent {
    /// EventLinkConnected.
    LinkConnected = 0,
    /// EventLinkDisconnected.
    LinkDisconnected = 1,
}

/// The role numbered `code`.
pub(crate) fn role(code: u32) -> Result<Role, LpStatus> {
    [Role::Standalone, Role::Primary, Role::Backup]
        .get(code as usize)
        .copied()
        .ok_or(LpStatus::OutOfRange)
}

/// R5's first-status policy numbered `code` ([`LpFirstStatus`]).
pub(crate) fn first_status(code: u32) -> Result<FirstStatusPolicy, LpStatus> {
    [FirstStatusPolicy::WaitForNormal, FirstStatusPolicy::Close]
        .get(code as usize)
        .copied()
        .ok_or(LpStatus::OutOfRange)
}

/// The SystemStatus numbered `code`.
pub(crate) fn status(code: u32) -> Result<SystemStatus, LpStatus> {
    SystemStatus::ALL
        .get(code as usize)
        .copied()
        .ok_or(LpStatus::OutOfRange)
}

/// The verdict numbered `code`.
pub(crate) fn verdict(code: u32) -> Result<StatusVerdict, LpStatus> {
    match code {
        0 => Ok(StatusVerdict::Failure),
        1 => Ok(StatusVerdict::Warning),
        _ => Err(LpStatus::OutOfRange),
    }
}

fn timer(code: u32) -> Result<Timer, LpStatus> {
    Timer::ALL
        .get(code as usize)
        .copied()
        .ok_or(LpStatus::OutOfRange)
}

/// `timer`'s number.
pub(crate) fn timer_code(timer: Timer) -> u32 {
    // Timer::ALL holds the three timers in index order, as `LpTimer` numbers them.
    timer.index() as u32
}

/// The event `e` describes (its kind's fields only).
pub(crate) fn event(e: &LpEvent) -> Result<Event, LpStatus> {
    let conn = ConnId {
        link: LinkId::new(e.link),
        generation: e.generation,
    };
    Ok(match e.kind {
        0 => Event::Start,
        1 => Event::TcpAccepted(conn),
        2 => Event::TcpRefused(conn),
        3 => Event::TcpClosed(conn),
        4 => Event::AssociationAccepted(conn),
        5 => Event::AssociationRejected(conn),
        6 => Event::SystemStatus(conn, status(e.status)?),
        7 => Event::KeepAliveAnswered(conn),
        8 => Event::MessageReceived(conn),
        9 => Event::TimerExpired(timer(e.timer)?),
        10 => Event::RoleChanged(role(e.role)?),
        11 => Event::Reconfigured {
            link: LinkId::new(e.link),
            priority: e.has_priority.then_some(e.priority),
        },
        12 => Event::OptionChanged(option(e.option, e.option_value)?),
        13 => Event::Shutdown,
        14 => Event::KeepAliveRejected(conn),
        _ => return Err(LpStatus::OutOfRange),
    })
}

fn option(code: u32, value: u64) -> Result<OptionChange, LpStatus> {
    Ok(match code {
        0 => OptionChange::ConnectTimeout(Duration::from_millis(value)),
        1 => OptionChange::KeepaliveInterval(Duration::from_millis(value)),
        2 => {
            OptionChange::KeepaliveTolerance(u8::try_from(value).map_err(|_| LpStatus::OutOfRange)?)
        }
        _ => return Err(LpStatus::OutOfRange),
    })
}

/// `action` as the C struct.
pub(crate) fn action(action: &Action) -> LpAction {
    let on = |kind: LpActionKind, conn: ConnId| LpAction {
        kind: kind as u32,
        link: conn.link.index() as u16,
        generation: conn.generation,
        ..LpAction::default()
    };
    match *action {
        Action::Open(c) => on(LpActionKind::Open, c),
        Action::SendAssociationRequest(c) => on(LpActionKind::SendAssociationRequest, c),
        Action::SendKeepAlive(c) => on(LpActionKind::SendKeepAlive, c),
        Action::Close { conn, reason } => LpAction {
            close_reason: close_reason(reason) as u32,
            ..on(LpActionKind::Close, conn)
        },
        Action::ArmTimer { timer, at } => LpAction {
            kind: LpActionKind::ArmTimer as u32,
            timer: timer_code(timer),
            at_ns: at.as_nanos(),
            ..LpAction::default()
        },
        Action::CancelTimer(timer) => LpAction {
            kind: LpActionKind::CancelTimer as u32,
            timer: timer_code(timer),
            ..LpAction::default()
        },
        Action::Log(record) => LpAction {
            kind: LpActionKind::Log as u32,
            log_number: record.number().unwrap_or(0),
            ..LpAction::default()
        },
        Action::NotifyClients(event) => LpAction {
            kind: LpActionKind::NotifyClients as u32,
            link: event.link().index() as u16,
            client_event: match event {
                ClientEvent::LinkConnected { .. } => LpClientEvent::LinkConnected as u32,
                ClientEvent::LinkDisconnected { .. } => LpClientEvent::LinkDisconnected as u32,
            },
            ..LpAction::default()
        },
        Action::ReportLinkFailure { link } => LpAction {
            kind: LpActionKind::ReportLinkFailure as u32,
            link: link.index() as u16,
            ..LpAction::default()
        },
    }
}

fn close_reason(reason: CloseReason) -> LpCloseReason {
    match reason {
        CloseReason::AssociationRejected => LpCloseReason::AssociationRejected,
        CloseReason::NotOperational => LpCloseReason::NotOperational,
        CloseReason::StatusFailure => LpCloseReason::StatusFailure,
        CloseReason::Superseded => LpCloseReason::Superseded,
        CloseReason::NotSelected => LpCloseReason::NotSelected,
        CloseReason::ConnectTimeout => LpCloseReason::ConnectTimeout,
        CloseReason::BackupRestriction => LpCloseReason::BackupRestriction,
        CloseReason::KeepAliveLost => LpCloseReason::KeepAliveLost,
        CloseReason::Reconfigured => LpCloseReason::Reconfigured,
        CloseReason::Shutdown => LpCloseReason::Shutdown,
    }
}

/// The status that names `e`.
pub(crate) fn config_error(e: &ConfigError) -> LpStatus {
    match e {
        ConfigError::NoLinks => LpStatus::ConfigNoLinks,
        ConfigError::TooManyLinks { .. } => LpStatus::ConfigTooManyLinks,
        ConfigError::EmptyLinkName { .. } => LpStatus::ConfigEmptyLinkName,
        ConfigError::LinkNameTooLong { .. } => LpStatus::ConfigLinkNameTooLong,
        ConfigError::UnprintableLinkName { .. } => LpStatus::ConfigUnprintableLinkName,
        ConfigError::DuplicateLinkName { .. } => LpStatus::ConfigDuplicateLinkName,
        ConfigError::ConnectTimeoutOutOfRange { .. } => LpStatus::ConfigConnectTimeoutOutOfRange,
        ConfigError::RestartTimeoutOutOfRange { .. } => LpStatus::ConfigRestartTimeoutOutOfRange,
        ConfigError::KeepaliveIntervalOutOfRange { .. } => {
            LpStatus::ConfigKeepaliveIntervalOutOfRange
        }
        ConfigError::KeepaliveToleranceOutOfRange { .. } => {
            LpStatus::ConfigKeepaliveToleranceOutOfRange
        }
        ConfigError::NormalStatusIsFailure => LpStatus::ConfigNormalStatusIsFailure,
    }
}

/// The status that names `e`.
pub(crate) fn step_error(e: &StepError) -> LpStatus {
    match e {
        StepError::TimeWentBackwards { .. } => LpStatus::StepTimeWentBackwards,
        StepError::UnknownLink(_) => LpStatus::StepUnknownLink,
        StepError::OptionOutOfRange(_) => LpStatus::StepOptionOutOfRange,
        StepError::TimeOutOfRange { .. } => LpStatus::StepTimeOutOfRange,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_c_values_name_link_cores_values() {
        let statuses = [
            (LpSystemStatus::Initializing, "initializing"),
            (LpSystemStatus::Enabled, "enabled"),
            (LpSystemStatus::Normal, "normal"),
            (LpSystemStatus::MessagesLost, "messagesLost"),
            (LpSystemStatus::Disabled, "disabled"),
            (LpSystemStatus::PartiallyDisabled, "partiallyDisabled"),
            (LpSystemStatus::OverloadImminent, "overloadImminent"),
            (LpSystemStatus::OverloadReached, "overloadReached"),
            (LpSystemStatus::OverloadRelieved, "overloadRelieved"),
        ];
        for (code, name) in statuses {
            assert_eq!(status(code as u32).map(|s| s.as_str()), Ok(name));
        }
        let roles = [
            (LpRole::Standalone, Role::Standalone),
            (LpRole::Primary, Role::Primary),
            (LpRole::Backup, Role::Backup),
        ];
        for (code, r) in roles {
            assert_eq!(role(code as u32), Ok(r));
        }
        // Both ways: a C timer number names the Rust timer, and the Rust timer's number
        // is the C one.
        let timers = [
            (LpTimer::ConnectTimeout, Timer::ConnectTimeout),
            (LpTimer::RestartDelay, Timer::RestartDelay),
            (LpTimer::KeepAlive, Timer::KeepAlive),
        ];
        for (code, t) in timers {
            assert_eq!(timer(code as u32), Ok(t));
            assert_eq!(timer_code(t), code as u32);
        }
        let policies = [
            (
                LpFirstStatus::WaitForNormal,
                FirstStatusPolicy::WaitForNormal,
            ),
            (LpFirstStatus::Close, FirstStatusPolicy::Close),
        ];
        for (code, p) in policies {
            assert_eq!(first_status(code as u32), Ok(p));
        }
        assert_eq!(first_status(2), Err(LpStatus::OutOfRange));
    }

    #[test]
    fn a_panic_becomes_the_fallback_answer() {
        let answer = crate::guard(LpStatus::Panicked, || panic!("a bug"));
        assert_eq!(answer, LpStatus::Panicked);
        assert_eq!(
            crate::guard(LpStatus::Panicked, || LpStatus::Ok),
            LpStatus::Ok
        );
    }
}
