//! The timeline: a watcher of the run ([`Timeline`]) that keeps one line per
//! significant step ([`TimelineEntry`]), events, actions and faults put into words, and
//! the aligned text of a list of lines.

use std::collections::VecDeque;

use link_core::{Action, Config, Event, Instant, LinkId, Outcome, StepError};

use crate::observe::{Observation, Observe, Stepped};
use crate::scenario::{AssociationBehaviour, Direction, Fault};
use crate::verdict::Found;
use crate::world::{Told, World};

/// How many timeline lines a run keeps; past it the rest are counted, not kept (the
/// trace has every step).
pub const TIMELINE_LIMIT: usize = 100_000;

/// How many of the last timeline lines a run keeps beyond the timeline (or instead of
/// it, see [`crate::RunOptions::timeline_tail`]): what a violation shows as its last
/// steps.
pub const RECENT_LINES: usize = 8;

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

/// The timeline of one run, as it goes.
#[derive(Debug, Default)]
pub(crate) struct Timeline {
    /// The lines kept, at most [`TIMELINE_LIMIT`].
    pub(crate) lines: Vec<TimelineEntry>,
    /// Lines not kept past [`TIMELINE_LIMIT`].
    pub(crate) omitted: u64,
    /// The last [`RECENT_LINES`] lines not in `lines`.
    pub(crate) recent: VecDeque<TimelineEntry>,
    /// Keep only the last lines (`--quiet`).
    tail_only: bool,
    /// Every input and action, not only the significant steps (`--verbose`).
    verbose: bool,
}

impl Timeline {
    /// An empty timeline, `verbose` or not, keeping only its last lines if `tail_only`.
    pub(crate) fn new(verbose: bool, tail_only: bool) -> Self {
        Timeline {
            verbose,
            tail_only,
            ..Timeline::default()
        }
    }

    /// Adds a line at `at` about `server` and the link named `link`.
    fn note(
        &mut self,
        at: Instant,
        who: (Option<usize>, Option<&str>),
        text: String,
        world: &World,
    ) {
        let (server, link) = who;
        let server = server.map_or(String::new(), |s| world.servers[s].name.clone());
        let link = link.unwrap_or_default().to_string();
        self.push(TimelineEntry {
            at,
            server,
            link,
            text,
        });
    }

    /// Keeps a line: in the timeline while it has room (and is wanted whole), and always
    /// among the last [`RECENT_LINES`], which a violation shows.
    fn push(&mut self, entry: TimelineEntry) {
        if !self.tail_only && self.lines.len() < TIMELINE_LIMIT {
            self.lines.push(entry);
            return;
        }
        if !self.tail_only {
            self.omitted += 1;
        }
        if self.recent.len() == RECENT_LINES {
            self.recent.pop_front();
        }
        self.recent.push_back(entry);
    }

    /// In verbose mode: the input and every action but log records (they get their own
    /// line when carried out), one line each.
    fn step(&mut self, at: Instant, stepped: &Stepped<'_>, world: &World) {
        let server = stepped.server;
        let config = world.servers[server].core.config();
        let input = describe_event(&stepped.event, config);
        let outcome = outcome_words(stepped.result);
        let name = |link: Option<LinkId>| link.and_then(|l| config.link_name(l));
        let link = name(stepped.event.link());
        let lines: Vec<(Option<&str>, String)> = stepped
            .actions
            .iter()
            .filter(|a| !matches!(a, Action::Log(_)))
            .map(|a| (name(a.link()), describe_action(a, config)))
            .collect();
        self.note(
            at,
            (Some(server), link),
            format!("<- {input}{outcome}"),
            world,
        );
        for (link, text) in lines {
            self.note(at, (Some(server), link), format!("-> {text}"), world);
        }
    }

    /// A carried action that the timeline shows: log records, client notifications and
    /// failure reports.
    fn carried(&mut self, at: Instant, server: usize, action: Action, world: &World) {
        let config = world.servers[server].core.config();
        let (link, text) = match action {
            Action::Log(record) => {
                let text = record.text(config);
                let shown = match record.number() {
                    Some(number) => format!("log {number}: {text}"),
                    None => text.to_string(),
                };
                (record.link(), shown)
            }
            Action::ReportLinkFailure { link } => (
                Some(link),
                "link failure reported to the Management Layer".to_string(),
            ),
            _ => return,
        };
        let name = link.and_then(|l| config.link_name(l));
        self.note(at, (Some(server), name), text, world);
    }

    /// What `server`'s clients were told, or not yet.
    fn told(&mut self, at: Instant, server: usize, told: Told, world: &World) {
        let config = world.servers[server].core.config();
        let (link, text) = match told {
            Told::Heard(event) => (
                Some(event.link()),
                format!("{} to all clients", event.name()),
            ),
            Told::Held { event, until } => (
                Some(event.link()),
                format!(
                    "{} held until {until}: synchronizing with the primary (ha-sync-dly-lnk-conn)",
                    event.name()
                ),
            ),
            Told::Unannounced(event) => (
                Some(event.link()),
                format!(
                    "{} not sent: the clients were never told EventLinkConnected (held)",
                    event.name()
                ),
            ),
            Told::Synced => (
                None,
                "synchronization with the primary complete".to_string(),
            ),
        };
        let name = link.and_then(|l| config.link_name(l));
        self.note(at, (Some(server), name), text, world);
    }

    /// The line of the violation that stopped the run.
    fn violation(&mut self, at: Instant, found: &Found) {
        self.push(TimelineEntry {
            at,
            server: found.server.clone().unwrap_or_default(),
            link: String::new(),
            text: format!("INVARIANT {} VIOLATED: {}", found.invariant, found.detail),
        });
    }
}

impl Observe for Timeline {
    fn observe(&mut self, at: Instant, seen: &Observation<'_>, world: &World) -> Option<Found> {
        match *seen {
            Observation::Step(ref stepped) if self.verbose => self.step(at, stepped, world),
            Observation::Carried { server, action } => self.carried(at, server, action, world),
            Observation::Fault {
                fault,
                server,
                link,
            } => {
                let text = format!("FAULT {}", describe_fault(fault));
                self.note(at, (server, link.map(|l| world.link_name(l))), text, world);
            }
            Observation::Note(note) => self.note(at, (None, None), note.text(), world),
            Observation::Told { server, told } => self.told(at, server, told, world),
            Observation::Violation(found) => self.violation(at, found),
            _ => {}
        }
        None
    }
}

/// What the core made of an input, after it on a verbose line.
fn outcome_words(result: &Result<Outcome, StepError>) -> String {
    match result {
        Ok(Outcome::Applied) => String::new(),
        Ok(Outcome::Ignored(why)) => format!(" (ignored: {why:?})"),
        Err(e) => format!(" (refused: {e})"),
    }
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

/// Formats timeline entries in aligned columns, each line at most
/// [`crate::wrap::WIDTH`] characters (a long text continues under itself).
pub fn format_timeline(entries: &[TimelineEntry]) -> String {
    formatted_entries(entries, crate::wrap::WIDTH).concat()
}

/// Each entry in aligned columns, as [`format_timeline`] writes it: one line, or more
/// when its text is wrapped to `width` characters, each ending in a line break.
pub fn formatted_entries(entries: &[TimelineEntry], width: usize) -> Vec<String> {
    let widest = |f: fn(&TimelineEntry) -> usize| entries.iter().map(f).max().unwrap_or(0);
    let time_width = widest(|e| e.at.to_string().len());
    let server_width = widest(|e| e.server.len()).max(1);
    let link_width = widest(|e| e.link.len()).max(1);
    let indent = time_width + server_width + link_width + 6;
    entries
        .iter()
        .map(|e| {
            let server = if e.server.is_empty() { "-" } else { &e.server };
            let link = if e.link.is_empty() { "-" } else { &e.link };
            let line = format!(
                "{:>time_width$}  {server:<server_width$}  {link:<link_width$}  {}\n",
                e.at.to_string(),
                e.text
            );
            // A long text goes on under itself: the columns stay readable.
            crate::wrap::wrap_within(&line, indent, width)
        })
        .collect()
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

/// " (server NAME)" when a fault is about one server.
fn to(server: &Option<String>) -> String {
    server
        .as_deref()
        .map_or(String::new(), |s| format!(" (server {s})"))
}

/// The fault in words, its fields as the run uses them: what a connector does here,
/// the network and the Management Layer in [`other_fault_words`].
fn fault_words(fault: &Fault) -> String {
    match fault {
        Fault::Crash { link, duration, .. } => format!("connector {link} crashes for {duration}"),
        Fault::Drop { link, server, .. } => {
            format!("connector {link} drops its connections{}", to(server))
        }
        Fault::Status {
            link,
            status,
            server,
            ..
        } => {
            format!(
                "connector {link} sends SystemStatus {}{}",
                status_words(status),
                to(server)
            )
        }
        Fault::Association {
            link,
            association,
            duration,
            ..
        } => {
            let how = match association {
                AssociationBehaviour::Accept => "accepts",
                AssociationBehaviour::Reject => "rejects",
                AssociationBehaviour::Never => "never answers",
            };
            format!("connector {link} {how} association requests for {duration}")
        }
        Fault::IgnoreKeepalive { link, duration, .. } => {
            format!("connector {link} ignores keep-alives for {duration}")
        }
        other => other_fault_words(other),
    }
}

/// A fault of the network, the Management Layer or the configuration, in words.
fn other_fault_words(fault: &Fault) -> String {
    match fault {
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
            let what = match priority {
                Some(p) => format!("to priority {p}"),
                None => "(its priority kept: another setting changed)".into(),
            };
            format!("{link} reconfigured {what}{}", to(server))
        }
        Fault::Crash { .. }
        | Fault::Drop { .. }
        | Fault::Status { .. }
        | Fault::Association { .. }
        | Fault::IgnoreKeepalive { .. } => fault_words(fault),
    }
}
