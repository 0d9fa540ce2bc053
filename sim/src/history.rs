//! [`History`]: what one server did during a run, as expectations and pictures read it:
//! when each link was active (from the client notifications), role changes, log
//! records, client events, failure reports and each link's states. [`Histories`] is the
//! watcher that writes every server's, for runs that keep them.

use link_core::{Action, ClientEvent, Instant, LinkCore, LinkId, LinkState, LogRecord, Role};

use crate::observe::{Observation, Observe};
use crate::scenario::Checked;
use crate::verdict::Found;
use crate::world::{Told, World};

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

    fn log(&mut self, at: Instant, record: LogRecord) {
        self.logs.push(LogEntry { at, record });
        if let LogRecord::RoleChanged { to, .. } = record {
            self.roles.push((at, to));
        }
    }

    fn client_event(&mut self, at: Instant, event: ClientEvent) {
        self.client_events.push((at, event));
        self.active.push((at, event.connected()));
    }

    /// Records the links whose state changed in the step that ended at `at`, among
    /// `touched` (the links the step named: the only ones that can have changed).
    fn record_link_states(
        &mut self,
        at: Instant,
        core: &LinkCore,
        touched: &[LinkId],
        connectors: &[usize],
    ) {
        for &link in touched {
            let state = core.link_state(link).unwrap_or(LinkState::Closed);
            let lane = &mut self.link_states[connectors[link.index()]];
            if lane.last().map(|(_, s)| *s) != Some(state) {
                lane.push((at, state));
            }
        }
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

/// Every server's history, written as the run goes.
pub(crate) struct Histories(Vec<History>);

impl Histories {
    /// Each server of `checked` with its starting entries.
    pub(crate) fn new(checked: &Checked) -> Self {
        // Every server's history names links as the run's list of connectors does
        // ([`Checked::config`]): a server's own links are renamed as they are recorded.
        let links = checked.config.links.len();
        Histories(
            checked
                .servers
                .iter()
                .map(|s| History::new(s.role, links))
                .collect(),
        )
    }

    /// The histories, in server order.
    pub(crate) fn into_vec(self) -> Vec<History> {
        self.0
    }
}

impl Observe for Histories {
    fn observe(&mut self, at: Instant, seen: &Observation<'_>, world: &World) -> Option<Found> {
        match *seen {
            Observation::Step(ref stepped) => {
                let core = &world.servers[stepped.server].core;
                let connectors = world.connectors_of(stepped.server);
                self.0[stepped.server].record_link_states(at, core, stepped.touched, connectors);
            }
            Observation::Carried { server, action } => {
                let rename = |link: LinkId| world.connector_link(server, link);
                let history = &mut self.0[server];
                match action {
                    Action::Log(record) => history.log(at, record.with_link(rename)),
                    Action::ReportLinkFailure { link } => {
                        history.failure_reports.push((at, rename(link)))
                    }
                    _ => {}
                }
            }
            Observation::Told {
                server,
                told: Told::Heard(event),
            } => {
                let rename = |link: LinkId| world.connector_link(server, link);
                self.0[server].client_event(at, event.with_link(rename))
            }
            _ => {}
        }
        None
    }
}
