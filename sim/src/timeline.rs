//! The timeline: one line per significant step ([`TimelineEntry`]), events, actions and
//! faults put into words, and the aligned text of a list of lines.

use std::fmt::Write as _;

use link_core::{Action, Config, Event, Instant};

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

/// An input in words, for `--verbose`: link-core's words (the link has a column of
/// its own) and the connection's generation.
pub fn describe_event(event: &Event, config: &Config) -> String {
    let generation = event
        .conn()
        .map_or(String::new(), |c| format!(" [conn {}]", c.generation));
    format!("{}{generation}", event.text(config).without_link())
}

/// An action in words, for `--verbose`, like [`describe_event`].
pub fn describe_action(action: &Action, config: &Config) -> String {
    let generation = action
        .conn()
        .map_or(String::new(), |c| format!(" [conn {}]", c.generation));
    format!("{}{generation}", action.text(config).without_link())
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
    let drawn: Vec<String> = fault
        .drawn_fields()
        .into_iter()
        .filter_map(|(field, d)| {
            d.range
                .map(|(lo, hi)| format!("{field} {d} from {lo}..{hi}"))
        })
        .collect();
    match drawn.is_empty() {
        true => fault_words(fault),
        false => format!("{} (drawn: {})", fault_words(fault), drawn.join(", ")),
    }
}

/// The fault in words, its fields as the run uses them.
fn fault_words(fault: &Fault) -> String {
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
