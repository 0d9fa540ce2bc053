//! Inputs and actions in words, with the configuration's link names: the one rendering
//! the simulator's timeline, the tokio driver's transcript and the examples share, next
//! to [`LogText`](crate::LogText) for log records. Every variant is matched here, so a
//! new event or action is a compile error until it has its words.

use core::fmt;

use crate::{Action, Config, ConnId, Event, LinkId};

/// An [`Event`] ready to print; see [`Event::text`].
#[derive(Clone, Copy, Debug)]
pub struct EventText<'a> {
    event: &'a Event,
    config: &'a Config,
    with_link: bool,
}

/// An [`Action`] ready to print; see [`Action::text`].
#[derive(Clone, Copy, Debug)]
pub struct ActionText<'a> {
    action: &'a Action,
    config: &'a Config,
    with_link: bool,
}

impl Event {
    /// The input in words, e.g. `CSTA_A: SystemStatus normal` or `timer connect-tout
    /// fired`, with link names from `config`.
    pub fn text<'a>(&'a self, config: &'a Config) -> EventText<'a> {
        EventText {
            event: self,
            config,
            with_link: true,
        }
    }
}

impl Action {
    /// The action in words, e.g. `CSTA_A: close (superseded)` or `log 35115: STANDARD
    /// CTI link ...`, with link names from `config`.
    pub fn text<'a>(&'a self, config: &'a Config) -> ActionText<'a> {
        ActionText {
            action: self,
            config,
            with_link: true,
        }
    }
}

impl EventText<'_> {
    /// The same words without the `NAME: ` in front (for a display that shows the link
    /// in a column of its own).
    pub fn without_link(self) -> Self {
        EventText {
            with_link: false,
            ..self
        }
    }
}

impl ActionText<'_> {
    /// The same words without the `NAME: ` in front.
    pub fn without_link(self) -> Self {
        ActionText {
            with_link: false,
            ..self
        }
    }
}

/// Writes `NAME: ` for `link` when asked to.
fn prefix(f: &mut fmt::Formatter<'_>, config: &Config, link: LinkId, on: bool) -> fmt::Result {
    if on {
        write!(
            f,
            "{}: ",
            config.link_name(link).unwrap_or("<unknown link>")
        )?;
    }
    Ok(())
}

impl fmt::Display for EventText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(link) = self.event.link() {
            prefix(f, self.config, link, self.with_link)?;
        }
        match *self.event {
            Event::Start => f.write_str("start"),
            Event::TcpAccepted(_) => f.write_str("TCP accepted"),
            Event::TcpRefused(_) => f.write_str("TCP refused"),
            Event::TcpClosed(_) => f.write_str("connection closed"),
            Event::AssociationAccepted(_) => f.write_str("association accepted"),
            Event::AssociationRejected(_) => f.write_str("association rejected"),
            Event::SystemStatus(_, status) => write!(f, "SystemStatus {status}"),
            Event::KeepAliveAnswered(_) => f.write_str("keep-alive answered"),
            Event::KeepAliveRejected(_) => f.write_str("keep-alive answered with an error"),
            Event::MessageReceived(_) => f.write_str("other message"),
            Event::TimerExpired(timer) => write!(f, "timer {timer} fired"),
            Event::RoleChanged(role) => write!(f, "role set to {role}"),
            Event::Reconfigured { priority, .. } => {
                write!(f, "reconfigured to priority {}", priority.unwrap_or(0))
            }
            Event::OptionChanged(change) => write!(f, "option {change}"),
            Event::OptionsChanged(changes) => {
                f.write_str("options")?;
                for (i, change) in changes.each().enumerate() {
                    write!(f, "{} {change}", if i == 0 { "" } else { "," })?;
                }
                Ok(())
            }
            Event::Shutdown => f.write_str("shutdown"),
        }
    }
}

impl fmt::Display for ActionText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A log record names its link itself.
        let named = !matches!(self.action, Action::Log(_));
        if let Some(link) = self.action.link().filter(|_| named) {
            prefix(f, self.config, link, self.with_link)?;
        }
        match self.action {
            Action::Open(_) => f.write_str("open TCP"),
            Action::SendAssociationRequest(_) => f.write_str("send association request"),
            Action::SendKeepAlive(_) => f.write_str("send keep-alive"),
            Action::Close { reason, .. } => write!(f, "close ({})", reason.as_str()),
            Action::ArmTimer { timer, at } => write!(f, "arm {timer} until {at}"),
            Action::CancelTimer(timer) => write!(f, "cancel {timer}"),
            Action::Log(record) => match record.number() {
                Some(number) => write!(f, "log {number}: {}", record.text(self.config)),
                None => write!(f, "log: {}", record.text(self.config)),
            },
            Action::NotifyClients(event) => write!(f, "{} to all clients", event.name()),
            Action::ReportLinkFailure { .. } => {
                f.write_str("link failure reported to the Management Layer")
            }
        }
    }
}

impl Action {
    /// The connection the action uses, if it uses one.
    pub const fn conn(&self) -> Option<ConnId> {
        match *self {
            Action::Open(c) | Action::SendAssociationRequest(c) | Action::SendKeepAlive(c) => {
                Some(c)
            }
            Action::Close { conn, .. } => Some(conn),
            Action::ArmTimer { .. }
            | Action::CancelTimer(_)
            | Action::Log(_)
            | Action::NotifyClients(_)
            | Action::ReportLinkFailure { .. } => None,
        }
    }

    /// The link the action concerns, if any (a log record's link for a log).
    pub const fn link(&self) -> Option<LinkId> {
        if let Some(conn) = self.conn() {
            return Some(conn.link);
        }
        match self {
            Action::Log(record) => record.link(),
            Action::NotifyClients(event) => Some(event.link()),
            Action::ReportLinkFailure { link } => Some(*link),
            // The rest use a connection (above) or concern no link.
            Action::Open(_)
            | Action::SendAssociationRequest(_)
            | Action::SendKeepAlive(_)
            | Action::Close { .. }
            | Action::ArmTimer { .. }
            | Action::CancelTimer(_) => None,
        }
    }
}
