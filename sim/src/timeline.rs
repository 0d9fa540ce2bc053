//! The timeline: one line per significant step ([`TimelineEntry`]), events, actions and
//! faults put into words, and the aligned text of a list of lines.

use std::fmt::Write as _;

use link_core::{Action, Event, Instant};

use crate::scenario::{Direction, Fault};

/// One line of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    /// Virtual time.
    pub at: Instant,
    /// The server, or empty for the simulator itself.
    pub server: String,
    /// The link, or empty.
    pub link: String,
    /// What happened.
    pub text: String,
}

/// An input in words, for `--verbose`.
pub fn describe_event(event: &Event) -> String {
    let generation = event
        .conn()
        .map_or(String::new(), |c| format!(" [conn {}]", c.generation));
    let what = match event {
        Event::Start => "start".to_string(),
        Event::TcpAccepted(_) => "TCP accepted".into(),
        Event::TcpRefused(_) => "TCP refused".into(),
        Event::TcpClosed(_) => "TCP closed".into(),
        Event::AssociationAccepted(_) => "association accepted".into(),
        Event::AssociationRejected(_) => "association rejected".into(),
        Event::SystemStatus(_, status) => format!("SystemStatus {status}"),
        Event::KeepAliveAnswered(_) => "keep-alive answered".into(),
        Event::MessageReceived(_) => "message received".into(),
        Event::TimerExpired(timer) => format!("timer {timer} fired"),
        Event::RoleChanged(role) => format!("role changed to {role}"),
        Event::Reconfigured { priority, .. } => {
            format!("reconfigured to priority {}", priority.unwrap_or(0))
        }
        Event::OptionChanged(change) => format!("option changed: {change}"),
        Event::Shutdown => "shutdown".into(),
    };
    what + &generation
}

/// The link an action concerns, if any.
pub fn action_link(action: &Action) -> Option<link_core::LinkId> {
    match action {
        Action::Open(c) | Action::SendAssociationRequest(c) | Action::SendKeepAlive(c) => {
            Some(c.link)
        }
        Action::Close { conn, .. } => Some(conn.link),
        Action::Log(record) => record.link(),
        Action::NotifyClients(event) => Some(event.link()),
        Action::ReportLinkFailure { link } => Some(*link),
        Action::ArmTimer { .. } | Action::CancelTimer(_) => None,
    }
}

/// An action in words, for `--verbose`.
pub fn describe_action(action: &Action) -> String {
    match action {
        Action::Open(c) => format!("open TCP [conn {}]", c.generation),
        Action::SendAssociationRequest(c) => {
            format!("send association request [conn {}]", c.generation)
        }
        Action::SendKeepAlive(c) => format!("send keep-alive [conn {}]", c.generation),
        Action::Close { conn, reason } => {
            format!("close [conn {}] ({})", conn.generation, reason.as_str())
        }
        Action::ArmTimer { timer, at } => format!("arm {timer} for {at}"),
        Action::CancelTimer(timer) => format!("cancel {timer}"),
        Action::Log(record) => format!("log {record:?}"),
        Action::NotifyClients(event) => format!("notify clients: {}", event.name()),
        Action::ReportLinkFailure { .. } => "report link failure to the Management Layer".into(),
    }
}

/// Formats timeline entries in aligned columns.
pub fn format_timeline(entries: &[TimelineEntry]) -> String {
    let time_width = entries
        .iter()
        .map(|e| e.at.to_string().len())
        .max()
        .unwrap_or(0);
    let server_width = entries
        .iter()
        .map(|e| e.server.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let link_width = entries
        .iter()
        .map(|e| e.link.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut out = String::new();
    for e in entries {
        let server = if e.server.is_empty() { "-" } else { &e.server };
        let link = if e.link.is_empty() { "-" } else { &e.link };
        let _ = writeln!(
            out,
            "{:>time_width$}  {server:<server_width$}  {link:<link_width$}  {}",
            e.at.to_string(),
            e.text
        );
    }
    out
}

/// A status fault's values: `disabled`, or `overloadReached, normal +2s`.
fn status_words(status: &crate::scenario::StatusSpec) -> String {
    let steps: Vec<String> = crate::scenario::status_offsets(status)
        .iter()
        .map(|(offset, status)| match offset.0.is_zero() {
            true => status.to_string(),
            false => format!("{status} +{offset}"),
        })
        .collect();
    steps.join(", ")
}

/// An options fault's changes: `connect-tout = 5s, kpl-tolerance = 2`.
fn option_words(fault: &Fault) -> String {
    let changes = fault.option_values().changes().unwrap_or_default();
    let words: Vec<String> = changes.iter().map(ToString::to_string).collect();
    words.join(", ")
}

/// A fault in words, for the timeline.
pub fn describe_fault(fault: &Fault) -> String {
    let to = |server: &Option<String>| {
        server
            .as_deref()
            .map_or(String::new(), |s| format!(" (server {s})"))
    };
    match fault {
        Fault::Crash { link, duration, .. } => format!("connector {link} crashes for {duration}"),
        Fault::Drop { link, server, .. } => {
            format!("connector {link} drops its connections{}", to(server))
        }
        Fault::Status { link, status, .. } => {
            format!(
                "connector {link} sends SystemStatus {}",
                status_words(status)
            )
        }
        Fault::IgnoreKeepalive { link, duration, .. } => {
            format!("connector {link} ignores keep-alives for {duration}")
        }
        Fault::SetRole { role, server, .. } => {
            format!("Management Layer sets the role {role}{}", to(server))
        }
        Fault::Options { server, .. } => {
            format!("options changed: {}{}", option_words(fault), to(server))
        }
        Fault::Partition {
            link,
            server,
            duration,
            direction,
            ..
        } => {
            let way = match direction {
                Direction::Both => "both ways",
                Direction::ToConnector => "towards the connector",
                Direction::ToServer => "towards the server",
            };
            format!(
                "network to {link} partitioned {way} for {duration}{}",
                to(server)
            )
        }
        Fault::Latency {
            link,
            server,
            add,
            duration,
            ..
        } => {
            format!(
                "network to {link} gets {add} more latency for {duration}{}",
                to(server)
            )
        }
        Fault::Switchover { .. } => "Management Layer switchover".into(),
        Fault::Reconfigure {
            link,
            priority,
            server,
            ..
        } => {
            format!(
                "{link} reconfigured to priority {}{}",
                priority.unwrap_or(0),
                to(server)
            )
        }
    }
}
