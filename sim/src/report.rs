//! [`RunReport`], what a run produced, written for people: the verdicts, the coloured
//! timeline, and the exit code the CLI returns. The `run` module makes reports;
//! the `timeline` module puts events into words.

use std::fmt::Write as _;

use link_core::Instant;

use crate::engine::Ending;
use crate::expect::ExpectationResult;
use crate::history::History;
use crate::outage::{self, OutageReport};
use crate::scenario::Fault;
use crate::timeline::{format_timeline, TimelineEntry};
use crate::verdict::{Invariant, Kind};

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
    /// Each server's name and history, in scenario order.
    pub servers: Vec<(String, History)>,
    /// Each link's name and configured priority.
    pub links: Vec<(String, i32)>,
    /// The faults injected.
    pub faults: Vec<Fault>,
    /// How long the run lasted in virtual time (to the violation, if any).
    pub end: Instant,
    /// What the liveness checks (L1, H1) did, or why they did not run.
    pub liveness: Vec<String>,
    /// The links' configuration (names for rendering log records).
    pub config: link_core::Config,
    /// Timeline lines not kept past [`crate::engine::TIMELINE_LIMIT`].
    pub timeline_omitted: u64,
    /// The last lines of the run that are not in `timeline` (past its limit, or all of
    /// them with [`crate::RunOptions::timeline_tail`]), at most [`crate::engine::RECENT_LINES`].
    pub recent: Vec<TimelineEntry>,
    /// The scenario's `run_for`.
    pub run_for: std::time::Duration,
    /// Every server's outages and the service's ([`crate::outage`]).
    pub outages: OutageReport,
}

/// Exit code: every expectation and invariant held.
pub const EXIT_OK: i32 = 0;
/// Exit code: an expectation failed.
pub const EXIT_EXPECTATION: i32 = 1;
/// Exit code: a safety invariant was violated (I1-I10, H1's "never two primaries").
pub const EXIT_INVARIANT: i32 = 2;
/// Exit code: bad input (a scenario that cannot be read or checked, a bad argument), or
/// a run that used its step budget.
pub const EXIT_BAD_INPUT: i32 = 3;
/// Exit code: a liveness property was violated (L1, H1's recovery).
pub const EXIT_LIVENESS: i32 = 4;

/// The exit code for a violation of `invariant`.
pub fn violation_exit_code(invariant: Invariant) -> i32 {
    match invariant.kind() {
        Kind::Safety => EXIT_INVARIANT,
        Kind::Liveness => EXIT_LIVENESS,
    }
}

/// The worse of two exit codes, for a run of several files: a safety violation, then
/// a liveness violation, then bad input, then a failed expectation, then success.
pub fn worse_exit_code(a: i32, b: i32) -> i32 {
    let rank = |code: i32| match code {
        EXIT_OK => 0,
        EXIT_EXPECTATION => 1,
        EXIT_BAD_INPUT => 2,
        EXIT_LIVENESS => 3,
        EXIT_INVARIANT => 4,
        _ => 5,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

impl RunReport {
    /// The CLI's exit code for this run.
    pub fn exit_code(&self) -> i32 {
        match &self.ending {
            Ending::Violation(found) => violation_exit_code(found.invariant),
            Ending::OutOfSteps { .. } => EXIT_BAD_INPUT,
            Ending::Completed if self.expectations.iter().any(|e| !e.passed) => EXIT_EXPECTATION,
            Ending::Completed => EXIT_OK,
        }
    }

    /// The timeline as aligned text: time, server, link, what happened.
    pub fn timeline_text(&self) -> String {
        format_timeline(&self.timeline)
    }

    /// The timeline with ANSI colours when `color` is true (for a terminal).
    pub fn timeline_styled(&self, color: bool) -> String {
        if !color {
            return self.timeline_text();
        }
        format_timeline(&self.timeline)
            .lines()
            .map(|line| paint(line) + "\n")
            .collect()
    }

    /// The verdicts, one line each, and the invariant violation if any.
    pub fn verdict_text(&self) -> String {
        let mut out = String::new();
        if self.timeline_omitted > 0 {
            let _ = writeln!(
                out,
                "note the timeline shows its first {} lines; {} more were not kept (--trace FILE has every step)",
                self.timeline.len(),
                self.timeline_omitted
            );
        }
        if let Ending::OutOfSteps { budget, at } = &self.ending {
            let _ = writeln!(
                out,
                "error: the run stopped at {at} of {}, after its step budget of {budget} core steps: a partial run, no verdict (raise the budget with --max-steps)",
                Instant::ZERO + self.run_for
            );
        }
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
            let kept = self.timeline.len() + self.recent.len();
            let last: Vec<TimelineEntry> = self
                .timeline
                .iter()
                .chain(&self.recent)
                .skip(kept.saturating_sub(crate::engine::RECENT_LINES))
                .cloned()
                .collect();
            for line in format_timeline(&last).lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        for note in &self.liveness {
            let _ = writeln!(out, "note {note}");
        }
        for e in &self.expectations {
            let mark = if e.passed { "ok  " } else { "FAIL" };
            let _ = write!(out, "{mark} expect[{}] {}", e.index, e.expected);
            if !e.passed {
                let _ = write!(out, "\n       seen: {}", e.seen);
            }
            out.push('\n');
        }
        out.push_str(&self.outage_text());
        out
    }

    /// The outage block: one line per server, one for the service.
    pub fn outage_text(&self) -> String {
        let names = self.names();
        let mut out = String::new();
        for (server, figures) in self.outages.servers.iter().enumerate() {
            let _ = writeln!(
                out,
                "outage {}: {}",
                names.server(server),
                outage::summary(figures, &names, false)
            );
        }
        let service = if self.servers.len() == 1 {
            format!("as {}'s (one server)", names.server(0))
        } else {
            outage::summary(&self.outages.service, &names, true)
        };
        let _ = writeln!(out, "service: {service}");
        out
    }

    /// The verdict in one word: `pass`, `expectation_failed`, `safety_violation`,
    /// `liveness_violation` or `partial` (the step budget ran out).
    pub fn verdict_word(&self) -> &'static str {
        match &self.ending {
            Ending::Violation(found) => match found.invariant.kind() {
                Kind::Safety => "safety_violation",
                Kind::Liveness => "liveness_violation",
            },
            Ending::OutOfSteps { .. } => "partial",
            Ending::Completed if self.exit_code() == EXIT_OK => "pass",
            Ending::Completed => "expectation_failed",
        }
    }

    /// The run as one JSON object (`linksim run --json`): the verdict, the violation,
    /// the expectations, the notes and the outage figures; times in seconds.
    pub fn json(&self) -> serde_json::Value {
        let names = self.names();
        let violation = match &self.ending {
            Ending::Violation(found) => serde_json::json!({
                "invariant": found.invariant.name(),
                "server": found.server,
                "at_s": found.at_ns as f64 / 1e9,
                "detail": found.detail,
            }),
            _ => serde_json::Value::Null,
        };
        let expectations: Vec<_> = self
            .expectations
            .iter()
            .map(|e| serde_json::json!({"index": e.index, "expected": e.expected, "passed": e.passed, "seen": e.seen}))
            .collect();
        let servers: Vec<_> = (self.servers.iter().zip(&self.outages.servers))
            .map(|((name, _), figures)| serde_json::json!({"server": name, "outage": figures.json(&names)}))
            .collect();
        serde_json::json!({
            "name": self.name,
            "seed": self.seed,
            "verdict": self.verdict_word(),
            "exit_code": self.exit_code(),
            "steps": self.steps,
            "end_s": self.end.as_nanos() as f64 / 1e9,
            "violation": violation,
            "expectations": expectations,
            "notes": self.liveness,
            "servers": servers,
            "service": self.outages.service.json(&names),
        })
    }

    /// The server and link names, for rendering outages.
    pub fn names(&self) -> outage::Names<'_> {
        outage::Names {
            servers: self.servers.iter().map(|(n, _)| n.as_str()).collect(),
            links: self.links.iter().map(|(n, _)| n.as_str()).collect(),
        }
    }
}

/// Whether to colour output: only on a terminal, and never when `NO_COLOR` is set to
/// anything but the empty string (<https://no-color.org>).
pub fn use_color(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// Colours one aligned timeline line by what it says; the columns stay aligned because
/// only whole fields are wrapped in escapes.
fn paint(line: &str) -> String {
    const DIM: &str = "\x1b[2m";
    const RESET: &str = "\x1b[0m";
    let colour = if line.contains("INVARIANT") {
        "\x1b[1;37;41m"
    } else if line.contains("FAULT")
        || line.contains("EventLinkDisconnected")
        || line.contains("failed (")
    {
        "\x1b[31m"
    } else if line.contains("log 35115") {
        "\x1b[1;33m"
    } else if line.contains("EventLinkConnected") {
        "\x1b[32m"
    } else if line.contains("role changed") || line.contains("Management Layer") {
        "\x1b[35m"
    } else {
        ""
    };
    let split = line.find('s').map_or(0, |i| i + 1);
    let (time, rest) = line.split_at(split);
    if colour.is_empty() {
        format!("{DIM}{time}{RESET}{rest}")
    } else {
        format!("{DIM}{time}{RESET}{colour}{rest}{RESET}")
    }
}
