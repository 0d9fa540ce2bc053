//! [`Trace`]: a watcher of the run that keeps its full record as JSON Lines (every input
//! with its outcome, every action, every fault, the Management Layer's switches, the
//! violation), and a hash of it that `--check-determinism` compares.

use link_core::{Action, Event, Fnv1a, Instant, Outcome, StepError};
use serde::Serialize;

use crate::observe::{Observation, Observe};
use crate::scenario::Fault;
use crate::verdict::Found;
use crate::world::{Note, World};

/// One record of the trace.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum TraceRecord<'a> {
    /// An input fed to a server's core, and what the core made of it.
    Input {
        /// The server.
        server: &'a str,
        /// The input.
        event: &'a Event,
        /// `applied`, `ignored: <why>` or `error: <what>`.
        #[serde(serialize_with = "outcome_text")]
        outcome: &'a Result<Outcome, StepError>,
    },
    /// An action the core returned.
    Action {
        /// The server.
        server: &'a str,
        /// The action.
        action: &'a Action,
    },
    /// A fault injected.
    Fault {
        /// The fault.
        fault: &'a Fault,
    },
    /// A remark of the simulator's (e.g. the Management Layer switching roles).
    Note {
        /// The remark.
        text: &'a str,
    },
    /// The invariant violation that ended the run.
    Violation {
        /// What was found.
        found: &'a Found,
    },
}

fn outcome_text<S: serde::Serializer>(
    outcome: &&Result<Outcome, StepError>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match outcome {
        Ok(Outcome::Applied) => s.serialize_str("applied"),
        Ok(Outcome::Ignored(why)) => s.collect_str(&format_args!("ignored: {why:?}")),
        Err(error) => s.collect_str(&format_args!("error: {error}")),
    }
}

#[derive(Serialize)]
struct Line<'a> {
    at_ns: u64,
    #[serde(flatten)]
    record: TraceRecord<'a>,
}

/// Where a streamed trace goes: each line is written as it is made, with the
/// scenario's name in front, so a run's memory does not grow with its trace.
pub struct TraceSink {
    /// The writer (buffer it).
    pub out: Box<dyn std::io::Write>,
    /// The `"scenario":NAME,` field put first in every line.
    prefix: String,
    /// The first write error; nothing more is written after it.
    pub error: Option<std::io::Error>,
}

impl TraceSink {
    /// Lines to `out`, each naming `scenario`.
    pub fn new(out: Box<dyn std::io::Write>, scenario: &str) -> Self {
        let name = serde_json::to_string(scenario).expect("a string serializes");
        TraceSink {
            out,
            // "\u{7b}" is the opening brace (escaped to keep braces in this file balanced).
            prefix: ["\u{7b}\"scenario\":", &name, ","].concat(),
            error: None,
        }
    }

    fn write(&mut self, line: &str) {
        if self.error.is_some() {
            return;
        }
        let body = line.strip_prefix('{').unwrap_or(line);
        let written = self
            .out
            .write_all(self.prefix.as_bytes())
            .and_then(|()| self.out.write_all(body.as_bytes()))
            .and_then(|()| self.out.write_all(b"\n"));
        self.error = written.err();
    }
}

impl std::fmt::Debug for TraceSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceSink")
            .field("prefix", &self.prefix)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// The JSON Lines trace of a run and its running hash: a run that asks for neither
/// lines, a stream nor a determinism check has no trace at all.
#[derive(Debug)]
pub(crate) struct Trace {
    keep_lines: bool,
    lines: Vec<String>,
    hash: Fnv1a,
    pub(crate) sink: Option<TraceSink>,
}

impl Trace {
    /// A trace that hashes every record, and keeps the lines too when `keep_lines` is
    /// true (a determinism check needs only the hash, whose memory does not grow with
    /// the run; a stream writes each line to its sink).
    pub(crate) fn new(keep_lines: bool) -> Self {
        Trace {
            keep_lines,
            lines: Vec::new(),
            hash: Fnv1a::new(),
            sink: None,
        }
    }

    /// Appends one record at `at`.
    fn push(&mut self, at: Instant, record: TraceRecord<'_>) {
        let line = serde_json::to_string(&Line {
            at_ns: at.as_nanos(),
            record,
        })
        .expect("trace records serialize");
        self.hash.bytes(line.bytes()).bytes([b'\n']);
        if let Some(sink) = &mut self.sink {
            sink.write(&line);
        }
        if self.keep_lines {
            self.lines.push(line);
        }
    }

    /// The lines, in order.
    pub(crate) fn lines(&self) -> &[String] {
        &self.lines
    }

    /// FNV-1a over every line: equal traces, equal hashes.
    pub(crate) fn hash(&self) -> u64 {
        self.hash.value()
    }
}

impl Observe for Trace {
    fn observe(&mut self, at: Instant, seen: &Observation<'_>, world: &World) -> Option<Found> {
        match *seen {
            Observation::Step(ref stepped) => {
                let server = &world.servers[stepped.server].name;
                let input = TraceRecord::Input {
                    server,
                    event: &stepped.event,
                    outcome: stepped.result,
                };
                self.push(at, input);
                for action in stepped.actions {
                    self.push(at, TraceRecord::Action { server, action });
                }
            }
            Observation::Fault { fault, .. } => self.push(at, TraceRecord::Fault { fault }),
            Observation::Note(Note::Switching(cause)) => {
                let text = cause.text();
                self.push(at, TraceRecord::Note { text });
            }
            Observation::Violation(found) => self.push(at, TraceRecord::Violation { found }),
            _ => {}
        }
        None
    }
}
