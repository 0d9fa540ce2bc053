//! [`History`]: what one server did during a run, as expectations read it: when each
//! link was active (from the client notifications), role changes, log records, client
//! events and failure reports.

use link_core::{ClientEvent, Instant, LinkCore, LinkId, LinkState, LogRecord, Role};

/// One log record as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// When.
    pub at: Instant,
    /// The structured record; [`LogRecord::text`] renders it (rendering on demand keeps
    /// runs that nobody reads, such as `explore`'s, free of string building).
    pub record: LogRecord,
}

/// Everything one server did that an expectation may ask about.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Each change of the active link (as clients were told), starting with none at 0.
    pub active: Vec<(Instant, Option<LinkId>)>,
    /// Each role change, starting with the initial role at 0.
    pub roles: Vec<(Instant, Role)>,
    /// Every log record.
    pub logs: Vec<LogEntry>,
    /// Every client notification.
    pub client_events: Vec<(Instant, ClientEvent)>,
    /// Every link-failure report to the Management Layer.
    pub failure_reports: Vec<(Instant, LinkId)>,
    /// Each link's state changes, by link index, starting with closed at 0.
    pub link_states: Vec<Vec<(Instant, LinkState)>>,
    /// Whether anything is recorded after the start (see [`History::keeping`]).
    off: bool,
}

impl History {
    /// An empty history for a server starting in `role`.
    pub fn new(role: Role, links: usize) -> Self {
        History {
            link_states: vec![vec![(Instant::ZERO, LinkState::Closed)]; links],
            active: vec![(Instant::ZERO, None)],
            roles: vec![(Instant::ZERO, role)],
            ..History::default()
        }
    }

    /// This history, recording (`keep`) or keeping only its starting entries: a run
    /// that nobody asks about does not grow with its length.
    pub fn keeping(mut self, keep: bool) -> Self {
        self.off = !keep;
        self
    }

    pub(crate) fn log(&mut self, at: Instant, record: LogRecord) {
        if self.off {
            return;
        }
        self.logs.push(LogEntry { at, record });
    }

    pub(crate) fn role(&mut self, at: Instant, role: Role) {
        if self.off {
            return;
        }
        self.roles.push((at, role));
    }

    pub(crate) fn client_event(&mut self, at: Instant, event: ClientEvent) {
        if self.off {
            return;
        }
        self.client_events.push((at, event));
        self.active.push((at, event.connected()));
    }

    /// Records the links whose state changed in the step that ended at `at`, among
    /// `touched` (the links the step named: the only ones that can have changed).
    pub(crate) fn record_link_states(&mut self, at: Instant, core: &LinkCore, touched: &[LinkId]) {
        if self.off {
            return;
        }
        for &link in touched {
            let state = core.link_state(link).unwrap_or(LinkState::Closed);
            let lane = &mut self.link_states[link.index()];
            if lane.last().map(|(_, s)| *s) != Some(state) {
                lane.push((at, state));
            }
        }
    }

    pub(crate) fn failure_report(&mut self, at: Instant, link: LinkId) {
        if self.off {
            return;
        }
        self.failure_reports.push((at, link));
    }

    /// The active link at `at`, after everything that happened at `at`.
    pub fn active_at(&self, at: Instant) -> Option<LinkId> {
        self.active
            .iter()
            .take_while(|(t, _)| *t <= at)
            .last()
            .and_then(|(_, link)| *link)
    }

    /// The role at `at`, after everything that happened at `at`.
    pub fn role_at(&self, at: Instant) -> Role {
        self.roles
            .iter()
            .take_while(|(t, _)| *t <= at)
            .last()
            .map_or(Role::Standalone, |(_, r)| *r)
    }
}
