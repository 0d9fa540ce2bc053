//! Running a checked scenario to a [`RunReport`], and writing it for people: the
//! aligned text timeline, the verdicts, and the exit code the CLI returns.

use std::fmt::Write as _;

use link_core::Instant;

use crate::engine::{Ending, Engine};
use crate::expect::{evaluate, ExpectationResult};
use crate::scenario::{Checked, Direction, Fault};

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

/// Everything a run produced.
#[derive(Debug)]
pub struct RunReport {
    /// The scenario's name.
    pub name: String,
    /// The seed it ran with.
    pub seed: u64,
    /// Completed, or the invariant violation that stopped it.
    pub ending: Ending,
    /// The verdict on each expectation (empty when an invariant stopped the run).
    pub expectations: Vec<ExpectationResult>,
    /// Every significant step.
    pub timeline: Vec<TimelineEntry>,
    /// The JSON Lines trace, when recorded.
    pub trace: Vec<String>,
    /// Hash of the trace (meaningful when recorded).
    pub trace_hash: u64,
    /// Core steps made.
    pub steps: u64,
}

/// Exit code: every expectation and invariant held.
pub const EXIT_OK: i32 = 0;
/// Exit code: an expectation failed.
pub const EXIT_EXPECTATION: i32 = 1;
/// Exit code: an invariant was violated.
pub const EXIT_INVARIANT: i32 = 2;
/// Exit code: bad input (a scenario that cannot be read or checked, a bad argument).
pub const EXIT_BAD_INPUT: i32 = 3;

impl RunReport {
    /// The CLI's exit code for this run.
    pub fn exit_code(&self) -> i32 {
        match self.ending {
            Ending::Violation(_) => EXIT_INVARIANT,
            Ending::Completed if self.expectations.iter().any(|e| !e.passed) => EXIT_EXPECTATION,
            Ending::Completed => EXIT_OK,
        }
    }

    /// The timeline as aligned text: time, server, link, what happened.
    pub fn timeline_text(&self) -> String {
        format_timeline(&self.timeline)
    }

    /// The verdicts, one line each, and the invariant violation if any.
    pub fn verdict_text(&self) -> String {
        let mut out = String::new();
        if let Ending::Violation(found) = &self.ending {
            let server = found
                .server
                .as_deref()
                .map_or(String::new(), |s| format!(" on {s}"));
            let _ = writeln!(
                out,
                "INVARIANT {} VIOLATED{server} at {}: {}\n  scenario {:?}, seed {}",
                found.invariant,
                Instant::from_nanos(found.at_ns),
                found.detail,
                self.name,
                self.seed
            );
            let _ = writeln!(out, "  last steps:");
            for line in
                format_timeline(&self.timeline[self.timeline.len().saturating_sub(8)..]).lines()
            {
                let _ = writeln!(out, "  {line}");
            }
        }
        for e in &self.expectations {
            let mark = if e.passed { "ok  " } else { "FAIL" };
            let _ = write!(out, "{mark} expect[{}] {}", e.index, e.expected);
            if !e.passed {
                let _ = write!(out, "\n       seen: {}", e.seen);
            }
            out.push('\n');
        }
        out
    }
}

/// Runs `checked` to the end or the first invariant violation.
pub fn run(checked: Checked, record_trace: bool) -> RunReport {
    let name = checked.scenario.name.clone();
    let seed = checked.scenario.seed;
    let mut engine = Engine::new(checked, record_trace);
    let ending = engine.run();
    let expectations = match ending {
        Ending::Completed => evaluate(&engine.checked, &engine.servers),
        Ending::Violation(_) => Vec::new(),
    };
    RunReport {
        name,
        seed,
        ending,
        expectations,
        trace: engine.trace.lines().to_vec(),
        trace_hash: engine.trace.hash(),
        steps: engine.steps(),
        timeline: std::mem::take(&mut engine.timeline),
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
            format!("connector {link} sends SystemStatus {status}")
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
