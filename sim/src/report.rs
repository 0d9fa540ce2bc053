//! [`RunReport`], what a run produced, written for people: the verdicts, the coloured
//! timeline, and the exit code the CLI returns. The `run` module makes reports;
//! the `timeline` module puts events into words.

use std::fmt::Write as _;

use link_core::Instant;

use crate::engine::Ending;
use crate::exit::Exit;
use crate::expect::ExpectationResult;
use crate::history::History;
use crate::outage;
use crate::scenario::Fault;
use crate::summary::RunSummary;
use crate::timeline::{format_timeline, TimelineEntry, RECENT_LINES};
use crate::verdict::Kind;

/// Everything a run produced: its [`RunSummary`], and what `linksim run` shows and
/// writes besides.
#[derive(Debug)]
pub struct RunReport {
    /// How the run ended, how far it got, liveness and outages: what every front end
    /// gets.
    pub summary: RunSummary,
    /// The verdict on each expectation (empty when an invariant stopped the run).
    pub expectations: Vec<ExpectationResult>,
    /// Every significant step.
    pub timeline: Vec<TimelineEntry>,
    /// The JSON Lines trace, when recorded.
    pub trace: Vec<String>,
    /// Hash of the trace (meaningful when recorded).
    pub trace_hash: u64,
    /// Each server's name and history, in scenario order.
    pub servers: Vec<(String, History)>,
    /// Each link's name and configured priority.
    pub links: Vec<(String, i32)>,
    /// The scenario's description.
    pub description: String,
    /// The faults injected.
    pub faults: Vec<Fault>,
    /// The links' configuration (names for rendering log records).
    pub config: link_core::Config,
    /// Timeline lines not kept past [`crate::TIMELINE_LIMIT`].
    pub timeline_omitted: u64,
    /// The last lines of the run that are not in `timeline` (past its limit, or all of
    /// them with [`crate::RunOptions::timeline_tail`]), at most [`crate::RECENT_LINES`].
    pub recent: Vec<TimelineEntry>,
}

impl RunReport {
    /// How this run ends `linksim run`: its ending, then its expectations.
    pub fn exit(&self) -> Exit {
        match self.summary.exit() {
            Exit::Pass if self.expectations.iter().any(|e| !e.passed) => Exit::Expectation,
            exit => exit,
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

    /// The verdicts, one line each, and the invariant violation if any; then the
    /// outage block ([`RunReport::outage_text`]).
    pub fn verdict_text(&self) -> String {
        self.verdicts_only() + &self.outage_text()
    }

    /// The verdicts without the outage block.
    pub fn verdicts_only(&self) -> String {
        let mut out = String::new();
        if self.timeline_omitted > 0 {
            let _ = writeln!(
                out,
                "note the timeline shows its first {} lines; {} more were not kept (--trace FILE has every step)",
                self.timeline.len(),
                self.timeline_omitted
            );
        }
        if let Ending::OutOfBudget { budget, at } = &self.summary.ending {
            let _ = writeln!(
                out,
                "error: the run stopped at {at} of {}, after its {}: a partial run, no verdict ({})",
                Instant::ZERO + self.summary.run_for,
                budget.words(),
                budget.advice()
            );
        }
        if let Ending::Violation(found) = &self.summary.ending {
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
                self.summary.name,
                self.summary.seed
            );
            let _ = writeln!(out, "  last steps:");
            let kept = self.timeline.len() + self.recent.len();
            let last: Vec<TimelineEntry> = self
                .timeline
                .iter()
                .chain(&self.recent)
                .skip(kept.saturating_sub(RECENT_LINES))
                .cloned()
                .collect();
            for line in format_timeline(&last).lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        for note in &self.summary.liveness {
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
        out
    }

    /// The run's outcome in a few words, for a badge: `PASS`, or `FAIL` with why
    /// (`expectation failed`, `safety violation: I3`, `liveness violation: L1`, `no
    /// verdict: the step budget ran out`).
    pub fn outcome_words(&self) -> String {
        match (&self.summary.ending, self.exit()) {
            (_, Exit::Pass) => "PASS".into(),
            (Ending::Violation(found), Exit::Safety) => {
                format!("FAIL: safety violation ({})", found.invariant)
            }
            (Ending::Violation(found), _) => format!("FAIL: liveness violation ({})", found.invariant),
            (Ending::OutOfBudget { .. }, _) => "FAIL: no verdict (a budget ran out)".into(),
            (Ending::Completed, _) => "FAIL: an expectation failed".into(),
        }
    }

    /// The outage block: one line per server, one for the service.
    pub fn outage_text(&self) -> String {
        let names = self.names();
        let mut out = String::new();
        for (server, figures) in self.summary.outages.servers.iter().enumerate() {
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
            outage::summary(&self.summary.outages.service, &names, true)
        };
        let _ = writeln!(out, "service: {service}");
        out
    }

    /// The verdict in one word: `pass`, `expectation_failed`, `safety_violation`,
    /// `liveness_violation` or `partial` (the step budget ran out).
    pub fn verdict_word(&self) -> &'static str {
        match &self.summary.ending {
            Ending::Violation(found) => match found.invariant.kind() {
                Kind::Safety => "safety_violation",
                Kind::Liveness => "liveness_violation",
            },
            Ending::OutOfBudget { .. } => "partial",
            Ending::Completed if self.exit() == Exit::Pass => "pass",
            Ending::Completed => "expectation_failed",
        }
    }

    /// The run as one JSON object (`linksim run --json`): the verdict, the violation,
    /// the expectations, the notes and the outage figures; times in seconds.
    pub fn json(&self) -> serde_json::Value {
        let names = self.names();
        let violation = match &self.summary.ending {
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
        let servers: Vec<_> = (self.servers.iter().zip(&self.summary.outages.servers))
            .map(|((name, _), figures)| serde_json::json!({"server": name, "outage": figures.json(&names)}))
            .collect();
        serde_json::json!({
            "name": self.summary.name,
            "seed": self.summary.seed,
            "verdict": self.verdict_word(),
            "exit_code": self.exit().code(),
            "steps": self.summary.steps,
            "end_s": self.summary.end.as_nanos() as f64 / 1e9,
            "violation": violation,
            "expectations": expectations,
            "notes": self.summary.liveness,
            "servers": servers,
            "service": self.summary.outages.service.json(&names),
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
