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
use crate::timeline::{format_timeline, formatted_entries, TimelineEntry, RECENT_LINES};
use crate::verdict::Kind;
use crate::wrap::wrap;

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
    /// Each link's name and configured priority (every connector of the run; a
    /// server with links of its own gives some its own priority).
    pub links: Vec<(String, i32)>,
    /// Each server's links, in its order: the index in [`RunReport::links`] of each, and
    /// the priority that server gives it.
    pub server_links: Vec<Vec<(usize, i32)>>,
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
        // An entry wrapped on several lines has one colour.
        let mut out = String::new();
        for entry in formatted_entries(&self.timeline, crate::wrap::WIDTH) {
            let colour = colour_of(&entry);
            for (i, line) in entry.lines().enumerate() {
                out.push_str(&paint(line, colour, i == 0));
                out.push('\n');
            }
        }
        out
    }

    /// The verdicts, one line each, and the invariant violation if any; then the
    /// outage block ([`RunReport::outage_text`]).
    pub fn verdict_text(&self) -> String {
        self.verdicts_only() + &self.outage_text()
    }

    /// How far a wrapped verdict, note or outage line continues in.
    const INDENT: usize = 7;

    /// The verdicts without the outage block.
    pub fn verdicts_only(&self) -> String {
        let mut out = String::new();
        if self.timeline_omitted > 0 {
            let note = format!(
                "note the timeline shows its first {} lines; {} more were not kept (--trace FILE has every step)\n",
                self.timeline.len(),
                self.timeline_omitted
            );
            out.push_str(&wrap(&note, Self::INDENT));
        }
        if let Ending::OutOfBudget { budget, at } = &self.summary.ending {
            let error = format!(
                "error: the run stopped at {at} of {}, after its {}: a partial run, no verdict ({})\n",
                Instant::ZERO + self.summary.run_for,
                budget.words(),
                budget.advice()
            );
            out.push_str(&wrap(&error, Self::INDENT));
        }
        if let Ending::Violation(found) = &self.summary.ending {
            let server = found
                .server
                .as_deref()
                .map_or(String::new(), |s| format!(" on {s}"));
            let headline = format!(
                "INVARIANT {} VIOLATED{server} at {}: {}\n  scenario {:?}, seed {}\n",
                found.invariant,
                Instant::from_nanos(found.at_ns),
                found.detail,
                self.summary.name,
                self.summary.seed
            );
            out.push_str(&wrap(&headline, Self::INDENT));
            let _ = writeln!(out, "  last steps:");
            let kept = self.timeline.len() + self.recent.len();
            let last: Vec<TimelineEntry> = self
                .timeline
                .iter()
                .chain(&self.recent)
                .skip(kept.saturating_sub(RECENT_LINES))
                .cloned()
                .collect();
            for line in formatted_entries(&last, crate::wrap::WIDTH - 2)
                .concat()
                .lines()
            {
                let _ = writeln!(out, "  {line}");
            }
        }
        for note in &self.summary.liveness {
            out.push_str(&wrap(&format!("note {note}\n"), Self::INDENT));
        }
        for e in &self.expectations {
            let mark = if e.passed { "ok  " } else { "FAIL" };
            let mut text = format!("{mark} expect[{}] {}\n", e.index, e.expected);
            if !e.passed {
                let _ = writeln!(text, "       seen: {}", e.seen);
            }
            out.push_str(&wrap(&text, Self::INDENT));
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
            (Ending::Violation(found), _) => {
                format!("FAIL: liveness violation ({})", found.invariant)
            }
            (Ending::OutOfBudget { .. }, _) => "FAIL: no verdict (a budget ran out)".into(),
            (Ending::Completed, _) => "FAIL: an expectation failed".into(),
        }
    }

    /// The outage block: one line per server, one for the service.
    pub fn outage_text(&self) -> String {
        let names = self.names();
        let mut out = String::new();
        for (server, figures) in self.summary.outages.servers.iter().enumerate() {
            let line = format!(
                "outage {}: {}\n",
                names.server(server),
                outage::summary(figures, &names, false)
            );
            out.push_str(&wrap(&line, Self::INDENT));
        }
        let service = if self.servers.len() == 1 {
            format!("as {}'s (one server)", names.server(0))
        } else {
            outage::summary(&self.summary.outages.service, &names, true)
        };
        out.push_str(&wrap(&format!("service: {service}\n"), Self::INDENT));
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

/// Colours one line of a timeline entry in the entry's `colour`, its time dimmed on the
/// entry's `first` line; the columns stay aligned because only whole fields are wrapped
/// in escapes.
fn paint(line: &str, colour: &str, first: bool) -> String {
    const DIM: &str = "\x1b[2m";
    const RESET: &str = "\x1b[0m";
    // The time is dimmed on an entry's first line; a continuation has no time.
    let split = match first {
        true => line.find('s').map_or(0, |i| i + 1),
        false => 0,
    };
    let (time, rest) = line.split_at(split);
    if colour.is_empty() {
        format!("{DIM}{time}{RESET}{rest}")
    } else {
        format!("{DIM}{time}{RESET}{colour}{rest}{RESET}")
    }
}

/// The colour of a timeline entry, by what it says.
fn colour_of(entry: &str) -> &'static str {
    if entry.contains("INVARIANT") {
        "\x1b[1;37;41m"
    } else if entry.contains("FAULT")
        || entry.contains("EventLinkDisconnected")
        || entry.contains("failed (")
    {
        "\x1b[31m"
    } else if entry.contains("log 35115") {
        "\x1b[1;33m"
    } else if entry.contains("EventLinkConnected") {
        "\x1b[32m"
    } else if entry.contains("role changed") || entry.contains("Management Layer") {
        "\x1b[35m"
    } else {
        ""
    }
}
