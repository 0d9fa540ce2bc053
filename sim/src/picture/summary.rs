//! A picture's size, bounded: a run with more to draw than [`DETAIL_LIMIT`] elements
//! (link state changes, markers, role changes, faults, outages) is drawn in summary:
//! time in [`COLUMNS`] equal columns, each lane showing in each column the state it
//! held longest there and at most one marker of each kind; at most [`LANES_DRAWN`]
//! lanes per server (the links that were active first, then operational, then the
//! rest, in link order); the first [`FAULTS_DRAWN`] faults. The picture says so in its
//! title. A run within the limit is drawn as it is.

use std::collections::BTreeSet;

use link_core::{ClientEvent, Instant, LinkId, LinkState, LogRecord};

use crate::history::History;
use crate::report::RunReport;

/// The most elements a run may have to be drawn in full (each is one to three SVG
/// elements of about 200 bytes: a picture in full stays within about 6 MB).
pub const DETAIL_LIMIT: usize = 10_000;

/// The columns a summary divides time into.
pub const COLUMNS: usize = 400;

/// The most lanes drawn per server.
pub const LANES_DRAWN: usize = 48;

/// The most faults drawn.
pub const FAULTS_DRAWN: usize = 200;

/// What a picture draws of a run.
pub(super) struct Drawn {
    /// The links drawn, by index, in link order.
    pub(super) lanes: Vec<usize>,
    /// The summary's words for the title, when the run is drawn in summary.
    pub(super) note: Option<String>,
    /// The histories and faults as drawn (the run's own when drawn in full).
    pub(super) report: Option<RunReport>,
}

/// How many elements drawing `report` in full would take.
pub(super) fn detail(report: &RunReport) -> usize {
    let per_server: usize = report
        .servers
        .iter()
        .map(|(_, h)| {
            let lanes: usize = h.link_states.iter().map(Vec::len).sum();
            lanes + h.logs.len() + h.client_events.len() + h.roles.len()
        })
        .sum();
    let outages = &report.summary.outages;
    let listed: usize = outages
        .servers
        .iter()
        .chain([&outages.service])
        .map(|f| f.outages.len())
        .sum();
    per_server + report.faults.len() + listed
}

/// What to draw of `report`: all of it, or a summary.
pub(super) fn drawn(report: &RunReport) -> Drawn {
    let links = report.links.len();
    let detail = detail(report);
    if detail <= DETAIL_LIMIT && links <= LANES_DRAWN {
        return Drawn {
            lanes: (0..links).collect(),
            note: None,
            report: None,
        };
    }
    let lanes = lanes_drawn(report);
    let end = report.summary.end.as_nanos().max(1);
    let summary = summarized(report, &lanes, end);
    let mut note = format!(
        "drawn in summary: {detail} elements in {COLUMNS} columns (each lane shows the state it held longest in each)"
    );
    if lanes.len() < links {
        note.push_str(&format!("; {} of {links} links", lanes.len()));
    }
    if report.faults.len() > FAULTS_DRAWN {
        note.push_str(&format!(
            "; the first {FAULTS_DRAWN} of {} faults",
            report.faults.len()
        ));
    }
    Drawn {
        lanes,
        note: Some(note + "; the trace (--trace) has every step"),
        report: Some(summary),
    }
}

/// At most [`LANES_DRAWN`] links, in link order: those some server made active first,
/// then those that were operational, then the rest.
fn lanes_drawn(report: &RunReport) -> Vec<usize> {
    let reached = |state: LinkState| -> BTreeSet<usize> {
        let histories = report.servers.iter().map(|(_, h)| h);
        histories
            .flat_map(|h| h.link_states.iter().enumerate())
            .filter(|(_, lane)| lane.iter().any(|(_, s)| *s == state))
            .map(|(l, _)| l)
            .collect()
    };
    let active = reached(LinkState::Active);
    let operational = reached(LinkState::Operational);
    let mut chosen: BTreeSet<usize> = active.into_iter().take(LANES_DRAWN).collect();
    let rest = operational.into_iter().chain(0..report.links.len());
    for link in rest {
        if chosen.len() == LANES_DRAWN {
            break;
        }
        chosen.insert(link);
    }
    chosen.into_iter().collect()
}

/// The column of time `t` in a run of length `end`.
fn column(t: u64, end: u64) -> usize {
    ((u128::from(t.min(end)) * COLUMNS as u128) / u128::from(end)).min(COLUMNS as u128 - 1) as usize
}

/// The start of column `c`.
fn column_start(c: usize, end: u64) -> Instant {
    Instant::from_nanos((u128::from(end) * c as u128 / COLUMNS as u128) as u64)
}

/// `report` reduced to what a summary draws.
fn summarized(report: &RunReport, lanes: &[usize], end: u64) -> RunReport {
    let servers = report
        .servers
        .iter()
        .map(|(name, h)| (name.clone(), summarized_history(h, lanes, end)))
        .collect();
    RunReport {
        summary: report.summary.clone(),
        expectations: Vec::new(),
        timeline: Vec::new(),
        trace: Vec::new(),
        trace_hash: report.trace_hash,
        servers,
        links: report.links.clone(),
        server_links: report.server_links.clone(),
        description: report.description.clone(),
        faults: report.faults.iter().take(FAULTS_DRAWN).cloned().collect(),
        config: report.config.clone(),
        timeline_omitted: 0,
        recent: Vec::new(),
    }
}

/// One server's history in columns: each drawn lane's longest state per column, the
/// first marker of each kind per column, one role per column.
fn summarized_history(h: &History, lanes: &[usize], end: u64) -> History {
    let link_states = (0..h.link_states.len())
        .map(|l| match lanes.contains(&l) {
            true => lane_in_columns(&h.link_states[l], end),
            false => Vec::new(),
        })
        .collect();
    let mut seen = BTreeSet::new();
    let mut first_in_column = |link: LinkId, kind: u8, at: Instant| {
        lanes.contains(&link.index())
            && seen.insert((link.index(), kind, column(at.as_nanos(), end)))
    };
    let logs = h
        .logs
        .iter()
        .filter(|e| match e.record {
            LogRecord::LinkSelected { link, .. } => first_in_column(link, 0, e.at),
            _ => false,
        })
        .cloned()
        .collect();
    let client_events = h
        .client_events
        .iter()
        .filter(|(at, event)| {
            let kind = match event {
                ClientEvent::LinkConnected { .. } => 1,
                ClientEvent::LinkDisconnected { .. } => 2,
            };
            first_in_column(event.link(), kind, *at)
        })
        .copied()
        .collect();
    let mut role_columns = BTreeSet::new();
    let roles = h
        .roles
        .iter()
        .filter(|(at, _)| role_columns.insert(column(at.as_nanos(), end)))
        .copied()
        .collect();
    History {
        link_states,
        logs,
        client_events,
        roles,
        // Not drawn.
        active: Vec::new(),
        failure_reports: Vec::new(),
    }
}

/// A lane's states in columns: in each, the state held longest there; equal neighbours
/// merged. Linear in the lane's changes and the columns.
fn lane_in_columns(lane: &[(Instant, LinkState)], end: u64) -> Vec<(Instant, LinkState)> {
    // Time held per column per state (LinkState's discriminant, at most 8 states).
    let mut held = vec![[0u64; 8]; COLUMNS];
    for (i, &(t, state)) in lane.iter().enumerate() {
        let from = t.as_nanos().min(end);
        let until = lane.get(i + 1).map_or(end, |(t, _)| t.as_nanos().min(end));
        let mut at = from;
        while at < until {
            let c = column(at, end);
            let column_end = column_start(c + 1, end).as_nanos().clamp(at + 1, until);
            held[c][state as usize] += column_end - at;
            at = column_end;
        }
    }
    let mut out: Vec<(Instant, LinkState)> = Vec::new();
    let states = [
        LinkState::Closed,
        LinkState::Connecting,
        LinkState::Associating,
        LinkState::AwaitingStatus,
        LinkState::Operational,
        LinkState::Active,
    ];
    for (c, times) in held.iter().enumerate() {
        let Some(&state) = states.iter().max_by_key(|s| times[**s as usize]) else {
            continue;
        };
        if times[state as usize] == 0 || out.last().map(|(_, s)| *s) == Some(state) {
            continue;
        }
        out.push((column_start(c, end), state));
    }
    if out.is_empty() {
        out.push((Instant::ZERO, LinkState::Closed));
    }
    out
}
