//! Evaluates a scenario's expectations against what each server did ([`History`]).
//! A failed expectation says what was expected and what was seen.

use link_core::{ClientEvent, Instant, LinkId};

use crate::history::History;
use crate::outage::{describe, seconds, Figures, Names, Outage, OutageReport};
use crate::scenario::{Checked, ClientEventName, Expectation, SERVICE};
use crate::SimDuration;

/// The verdict on one expectation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectationResult {
    /// Its position in the scenario's `expect` list.
    pub index: usize,
    /// What was expected, in words.
    pub expected: String,
    /// Whether it held.
    pub passed: bool,
    /// What the run showed.
    pub seen: String,
}

fn at(d: SimDuration) -> Instant {
    Instant::ZERO + d.0
}

/// Judges every expectation of `checked` against the servers' histories (in scenario
/// order) and the run's outage figures.
pub fn evaluate(
    checked: &Checked,
    histories: &[History],
    outages: &OutageReport,
) -> Vec<ExpectationResult> {
    let names = Names {
        servers: checked.servers.iter().map(|s| s.name.as_str()).collect(),
        links: checked
            .config
            .links
            .iter()
            .map(|l| l.name.as_str())
            .collect(),
    };
    checked
        .scenario
        .expect
        .iter()
        .enumerate()
        .map(|(index, expectation)| {
            let service = expectation.server() == Some(SERVICE);
            let server = expectation
                .server()
                .and_then(|n| checked.server_index(n))
                .unwrap_or(0);
            let outage_view = OutageView {
                who: if service {
                    "service"
                } else {
                    &checked.servers[server].name
                },
                figures: match service {
                    true => &outages.service,
                    false => &outages.servers[server],
                },
                names: &names,
                service,
            };
            let (expected, passed, seen) = judge(
                checked,
                &checked.servers[server].name,
                &histories[server],
                &outage_view,
                expectation,
            );
            ExpectationResult {
                index,
                expected,
                passed,
                seen,
            }
        })
        .collect()
}

fn name(checked: &Checked, link: Option<LinkId>) -> String {
    link.map_or("none".into(), |l| {
        checked.config.links[l.index()].name.clone()
    })
}

fn wanted(checked: &Checked, link: &Option<String>) -> Option<LinkId> {
    link.as_deref()
        .and_then(|n| checked.link_index(n))
        .map(|i| LinkId::new(i as u16))
}

fn count_ok(count: Option<u32>, seen: usize) -> bool {
    match count {
        Some(n) => seen == n as usize,
        None => seen >= 1,
    }
}

fn count_words(count: Option<u32>) -> String {
    count.map_or("at least once".into(), |n| format!("exactly {n} time(s)"))
}

/// What an expectation says, whether it held, and what was seen.
type Judgement = (String, bool, String);

/// The outage figures an expectation reads: the server's, or the service's.
struct OutageView<'a> {
    who: &'a str,
    figures: &'a Figures,
    names: &'a Names<'a>,
    service: bool,
}

fn judge(
    checked: &Checked,
    server: &str,
    h: &History,
    outages: &OutageView<'_>,
    e: &Expectation,
) -> Judgement {
    match e {
        Expectation::ActiveAt { at: t, link, .. } => {
            let want = wanted(checked, link);
            let got = h.active_at(at(*t));
            (
                format!("{server}: active link at {t} is {}", name(checked, want)),
                got == want,
                format!("active link at {t} was {}", name(checked, got)),
            )
        }
        Expectation::ActiveBy { by, link, .. } => active_by(checked, server, h, *by, link),
        Expectation::ActiveDuring {
            from, until, link, ..
        } => active_during(checked, server, h, (*from, *until), link),
        Expectation::NeverActive { link, .. } => never_active(checked, server, h, link),
        Expectation::Opened { link, count, .. } => opened(checked, server, h, link, *count),
        Expectation::ClosedBy { link, by, .. } => closed_by(checked, server, h, link, *by),
        Expectation::Log {
            number,
            kind,
            text,
            count,
            ..
        } => {
            let filter = LogFilter {
                number: *number,
                kind: kind.as_deref(),
                text: text.as_deref(),
            };
            log(checked, server, h, filter, *count)
        }
        Expectation::ClientEvent {
            event, link, count, ..
        } => client_event(checked, server, h, (*event, link), *count),
        Expectation::RoleAt { at: t, role, .. } => {
            let got = h.role_at(at(*t));
            (
                format!("{server}: role at {t} is {role}"),
                got == *role,
                format!("role at {t} was {got}"),
            )
        }
        Expectation::FailureReports { count, .. } => {
            let seen = h.failure_reports.len();
            (
                format!("{server}: {count} link-failure report(s) to the Management Layer"),
                seen == *count as usize,
                format!("{seen} sent"),
            )
        }
        Expectation::MaxOutage { at_most, .. } => max_outage(outages, *at_most),
        Expectation::Availability { at_least, .. } => availability(outages, *at_least),
        Expectation::RecoveredWithin { within, .. } => recovered_within(outages, *within),
    }
}

/// What a never-active subject's outage expectations see: the whole run without a link.
fn never_up(v: &OutageView<'_>) -> String {
    format!(
        "never active: no link in the whole run ({})",
        seconds(v.figures.run)
    )
}

/// The longest outage against `at_most`; a failure shows that outage. A subject that
/// never had a link fails (its whole run was without one).
fn max_outage(v: &OutageView<'_>, at_most: SimDuration) -> Judgement {
    let expected = format!("{}: no outage longer than {at_most}", v.who);
    if v.figures.first_active.is_none() {
        return (expected, false, never_up(v));
    }
    let longest = v.figures.longest;
    (
        expected,
        longest.is_none_or(|o| o.length() <= at_most.0),
        longest.map_or("no outage".into(), |o| {
            format!("longest outage {}", describe(&o, v.names, v.service))
        }),
    )
}

/// The time up against `at_least` of the run; a failure shows the longest outage.
fn availability(v: &OutageView<'_>, at_least: f64) -> Judgement {
    let f = v.figures;
    let longest = f.longest.map_or(String::new(), |o| {
        format!("; longest outage {}", describe(&o, v.names, v.service))
    });
    (
        format!("{}: availability at least {:.3}%", v.who, 100.0 * at_least),
        f.availability() >= at_least,
        format!(
            "availability {:.3}% ({} up of {}{longest})",
            100.0 * f.availability(),
            seconds(f.up),
            seconds(f.run)
        ),
    )
}

/// Every outage restored within `within`; a failure shows the first that was not
/// (listed, else the open one, else the longest when the list was full). A subject that
/// never had a link fails.
fn recovered_within(v: &OutageView<'_>, within: SimDuration) -> Judgement {
    let f = v.figures;
    if f.first_active.is_none() {
        let expected = format!("{}: every outage recovered within {within}", v.who);
        return (expected, false, never_up(v));
    }
    let broke = |o: &Outage| o.is_open() || o.length() > within.0;
    let first_broken = f
        .outages
        .iter()
        .copied()
        .find(broke)
        .or(f.open)
        .or(f.longest.filter(broke));
    (
        format!("{}: every outage recovered within {within}", v.who),
        first_broken.is_none(),
        match first_broken {
            Some(o) => format!("outage {}", describe(&o, v.names, v.service)),
            None => format!("{} outage(s), all recovered in time", f.count),
        },
    )
}

fn active_by(
    checked: &Checked,
    server: &str,
    h: &History,
    by: SimDuration,
    link: &str,
) -> Judgement {
    let want = wanted(checked, &Some(link.to_string()));
    let first = h
        .active
        .iter()
        .find(|(t, l)| *t <= at(by) && *l == want)
        .map(|(t, _)| *t);
    let seen = match first {
        Some(t) => format!("{link} became active at {t}"),
        None => format!(
            "{link} was not active by {by}; active at {by}: {}",
            name(checked, h.active_at(at(by)))
        ),
    };
    (
        format!("{server}: {link} active by {by}"),
        first.is_some(),
        seen,
    )
}

fn active_during(
    checked: &Checked,
    server: &str,
    h: &History,
    (from, until): (SimDuration, SimDuration),
    link: &Option<String>,
) -> Judgement {
    let want = wanted(checked, link);
    let start = h.active_at(at(from));
    let break_at = h
        .active
        .iter()
        .find(|(t, l)| *t > at(from) && *t <= at(until) && *l != want);
    let passed = start == want && break_at.is_none();
    let seen = match (start == want, break_at) {
        (false, _) => format!("active at {from} was {}", name(checked, start)),
        (true, Some((t, l))) => {
            format!("at {t} the active link became {}", name(checked, *l))
        }
        (true, None) => format!("{} held throughout", name(checked, want)),
    };
    (
        format!(
            "{server}: {} active from {from} to {until}",
            name(checked, want)
        ),
        passed,
        seen,
    )
}

fn never_active(checked: &Checked, server: &str, h: &History, link: &str) -> Judgement {
    let want = wanted(checked, &Some(link.to_string()));
    let first = h
        .active
        .iter()
        .find(|(_, l)| *l == want && want.is_some())
        .map(|(t, _)| *t);
    let seen = first.map_or(format!("{link} was never active"), |t| {
        format!("{link} was active at {t}")
    });
    (
        format!("{server}: {link} never active"),
        first.is_none(),
        seen,
    )
}

/// How many times `link` was opened (a state change from closed to connecting).
fn opened(checked: &Checked, server: &str, h: &History, link: &str, count: u32) -> Judgement {
    let states = h
        .link_states
        .get(checked.link_index(link).unwrap_or(usize::MAX));
    let opens = states.map_or(0, |states| {
        states
            .windows(2)
            .filter(|w| w[0].1 == link_core::LinkState::Closed && w[1].1.is_open())
            .count()
    });
    let expected = match count {
        0 => format!("{server}: {link} never opened"),
        n => format!("{server}: {link} opened exactly {n} time(s)"),
    };
    let first = states.and_then(|s| s.iter().find(|(_, state)| state.is_open()));
    let seen = match first {
        None => format!("{link} was never opened"),
        Some((t, _)) => format!("{link} opened {opens} time(s), first at {t}"),
    };
    (expected, opens == count as usize, seen)
}

/// Whether `link` is closed at `by`.
fn closed_by(
    checked: &Checked,
    server: &str,
    h: &History,
    link: &str,
    by: SimDuration,
) -> Judgement {
    let states = h
        .link_states
        .get(checked.link_index(link).unwrap_or(usize::MAX));
    let state = states
        .and_then(|s| s.iter().rev().find(|(t, _)| *t <= at(by)))
        .map_or(link_core::LinkState::Closed, |(_, state)| *state);
    (
        format!("{server}: {link} closed by {by}"),
        state == link_core::LinkState::Closed,
        format!("{link} was {state} at {by}"),
    )
}

/// Which log records a `log` expectation counts: every given field must match.
struct LogFilter<'a> {
    number: Option<u32>,
    kind: Option<&'a str>,
    text: Option<&'a str>,
}

impl LogFilter<'_> {
    fn matches(&self, checked: &Checked, record: &link_core::LogRecord) -> bool {
        self.number.is_none_or(|n| record.number() == Some(n))
            && self.kind.is_none_or(|k| record.kind() == k)
            && self
                .text
                .is_none_or(|t| record.text(&checked.config).to_string() == t)
    }

    /// The records asked for, in words: `log 35115 "..."`, `status_warning log`.
    fn words(&self) -> String {
        let mut words = vec!["log".to_string()];
        if let Some(k) = self.kind {
            words.insert(0, k.to_string());
        }
        words.extend(self.number.map(|n| n.to_string()));
        words.extend(self.text.map(|t| format!("{t:?}")));
        if words.len() == 1 {
            return "any log".into();
        }
        words.join(" ")
    }
}

fn log(
    checked: &Checked,
    server: &str,
    h: &History,
    filter: LogFilter<'_>,
    count: Option<u32>,
) -> Judgement {
    let matching: Vec<_> = h
        .logs
        .iter()
        .filter(|l| filter.matches(checked, &l.record))
        .collect();
    let what = filter.words();
    let number = filter.number;
    let mut seen = format!("{} matching record(s)", matching.len());
    if let Some(first) = matching.first() {
        seen.push_str(&format!(", first at {}", first.at));
    } else if let Some(n) = number {
        let texts: Vec<_> = h
            .logs
            .iter()
            .filter(|l| l.record.number() == Some(n))
            .map(|l| format!("{:?}", l.record.text(&checked.config).to_string()))
            .collect();
        if !texts.is_empty() {
            seen.push_str(&format!("; log {n} texts seen: {}", texts.join(", ")));
        }
    }
    (
        format!("{server}: {what} {}", count_words(count)),
        count_ok(count, matching.len()),
        seen,
    )
}

fn client_event(
    checked: &Checked,
    server: &str,
    h: &History,
    (event, link): (ClientEventName, &Option<String>),
    count: Option<u32>,
) -> Judgement {
    let want = wanted(checked, link);
    let matching = h
        .client_events
        .iter()
        .filter(|(_, e)| {
            matches!(
                (event, e),
                (
                    ClientEventName::EventLinkConnected,
                    ClientEvent::LinkConnected { .. }
                ) | (
                    ClientEventName::EventLinkDisconnected,
                    ClientEvent::LinkDisconnected { .. }
                )
            )
        })
        .filter(|(_, e)| want.is_none() || Some(e.link()) == want)
        .count();
    let target = link
        .as_deref()
        .map_or(String::new(), |l| format!(" for {l}"));
    (
        format!("{server}: {event:?}{target} {}", count_words(count)),
        count_ok(count, matching),
        format!("{matching} sent"),
    )
}
