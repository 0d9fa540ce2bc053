//! A small test driver: feeds a `LinkCore` by link *name*, keeps virtual time, records
//! every action, and fires timers in deadline order. Shared by the integration tests.

#![allow(dead_code)]

use std::time::Duration;

use link_core::{
    Action, ActionAudit, ClientEvent, Config, ConnId, Event, Instant, LinkConfig, LinkCore, LinkId,
    LinkState, Outcome, Role, SystemStatus, Timer,
};

/// `(name, priority)` pairs as a configuration with defaults and `role`.
pub fn config(links: &[(&str, i32)], role: Role) -> Config {
    Config::new(
        links
            .iter()
            .map(|(name, p)| LinkConfig::new(*name).with_priority(*p)),
    )
    .with_role(role)
}

pub struct Harness {
    pub core: LinkCore,
    pub now: Instant,
    /// Every action so far, with the time it was produced.
    pub history: Vec<(Instant, Action)>,
    /// The action stream checked against the inputs (I6, I7, I8).
    audit: ActionAudit,
}

impl Harness {
    pub fn new(config: Config) -> Self {
        Harness::from_core(LinkCore::new(config).expect("valid config"))
    }

    /// A harness around a core made elsewhere (e.g. with a planted bug).
    pub fn from_core(core: LinkCore) -> Self {
        Harness {
            audit: ActionAudit::new(core.config().links.len()),
            core,
            now: Instant::ZERO,
            history: Vec::new(),
        }
    }

    /// A started harness for `links` in `role`.
    pub fn started(links: &[(&str, i32)], role: Role) -> Self {
        let mut h = Harness::new(config(links, role));
        h.start();
        h
    }

    pub fn id(&self, name: &str) -> LinkId {
        self.core
            .link_id(name)
            .unwrap_or_else(|| panic!("no link {name}"))
    }

    pub fn name(&self, link: LinkId) -> String {
        self.core.link_name(link).unwrap().to_string()
    }

    /// The open connection of `name` (the test is wrong if there is none).
    pub fn conn(&self, name: &str) -> ConnId {
        self.core
            .connection(self.id(name))
            .unwrap_or_else(|| panic!("{name} is not open"))
    }

    pub fn state(&self, name: &str) -> LinkState {
        self.core.link_state(self.id(name)).unwrap()
    }

    pub fn active(&self) -> Option<String> {
        self.core.active_link().map(|l| self.name(l))
    }

    /// Feeds `event` now; returns its actions.
    pub fn step(&mut self, event: Event) -> Vec<Action> {
        self.step_outcome(event).1
    }

    pub fn step_outcome(&mut self, event: Event) -> (Outcome, Vec<Action>) {
        let mut actions = Vec::new();
        let outcome = self
            .core
            .step_into(self.now, event, &mut actions)
            .expect("step accepted");
        self.core.check_invariants().expect("invariants hold");
        self.check_actions(event, outcome, &actions);
        self.history.extend(actions.iter().map(|a| (self.now, *a)));
        (outcome, actions)
    }

    /// I6, I7 and I8 from outside the core, with link-core's `ActionAudit`: every
    /// action must fit the connections and notifications the inputs and earlier actions
    /// left, and the core's open connections must be exactly those.
    pub fn check_actions(&mut self, event: Event, outcome: Outcome, actions: &[Action]) {
        if let Err(violation) = self.audit.step(&self.core, event, outcome, actions) {
            panic!(
                "{:?} after {event:?}: {}",
                violation.invariant,
                violation.text(self.core.config())
            );
        }
    }

    pub fn start(&mut self) -> Vec<Action> {
        self.step(Event::Start)
    }
    pub fn accept(&mut self, name: &str) -> Vec<Action> {
        let c = self.conn(name);
        self.step(Event::TcpAccepted(c))
    }
    pub fn refuse(&mut self, name: &str) -> Vec<Action> {
        let c = self.conn(name);
        self.step(Event::TcpRefused(c))
    }
    pub fn peer_close(&mut self, name: &str) -> Vec<Action> {
        let c = self.conn(name);
        self.step(Event::TcpClosed(c))
    }
    pub fn associate(&mut self, name: &str) -> Vec<Action> {
        let c = self.conn(name);
        self.step(Event::AssociationAccepted(c))
    }
    pub fn reject(&mut self, name: &str) -> Vec<Action> {
        let c = self.conn(name);
        self.step(Event::AssociationRejected(c))
    }
    pub fn status(&mut self, name: &str, status: SystemStatus) -> Vec<Action> {
        let c = self.conn(name);
        self.step(Event::SystemStatus(c, status))
    }
    /// Accepted and associated: the link awaits its first SystemStatus.
    pub fn establish(&mut self, name: &str) {
        self.accept(name);
        self.associate(name);
    }
    /// Accepted, associated and `normal`; returns the actions of the `normal` step.
    pub fn bring_up(&mut self, name: &str) -> Vec<Action> {
        self.establish(name);
        self.status(name, SystemStatus::Normal)
    }
    pub fn role(&mut self, role: Role) -> Vec<Action> {
        self.step(Event::RoleChanged(role))
    }

    /// Moves time forward by `by`, firing every timer that falls due on the way, in
    /// deadline order. Returns the actions of all firings.
    pub fn advance(&mut self, by: Duration) -> Vec<Action> {
        let until = self.now + by;
        let mut actions = Vec::new();
        while let Some((at, timer)) = self.core.next_deadline() {
            if at > until {
                break;
            }
            self.now = at;
            let (outcome, fired) = self.step_outcome(Event::TimerExpired(timer));
            assert_eq!(outcome, Outcome::Applied, "a due timer is handled");
            let again = self.core.deadline(timer);
            assert!(
                again.is_none_or(|t| t > at),
                "busy loop: {timer} due again at {at}"
            );
            actions.extend(fired);
        }
        self.now = until;
        actions
    }

    /// Moves time to the deadline of `timer` and fires it (and anything due before).
    pub fn fire(&mut self, timer: Timer) -> Vec<Action> {
        let at = self
            .core
            .deadline(timer)
            .unwrap_or_else(|| panic!("{timer} is not armed"));
        self.advance(at.saturating_duration_since(self.now))
    }

    // ----- reading actions -----

    fn names_of(
        &self,
        actions: &[Action],
        pick: impl Fn(&Action) -> Option<ConnId>,
    ) -> Vec<String> {
        actions
            .iter()
            .filter_map(pick)
            .map(|c| self.name(c.link))
            .collect()
    }
    pub fn opened(&self, actions: &[Action]) -> Vec<String> {
        self.names_of(actions, |a| match a {
            Action::Open(c) => Some(*c),
            _ => None,
        })
    }
    pub fn closed(&self, actions: &[Action]) -> Vec<String> {
        self.names_of(actions, |a| match a {
            Action::Close { conn, .. } => Some(*conn),
            _ => None,
        })
    }
    /// Texts of every log 35115 so far.
    pub fn selected_logs(&self) -> Vec<String> {
        self.history
            .iter()
            .filter_map(|(_, a)| match a {
                Action::Log(r) if r.number() == Some(35115) => {
                    Some(self.core.log_text(r).to_string())
                }
                _ => None,
            })
            .collect()
    }
    /// Every client notification so far, as `"EventLinkConnected CSTA_A"`.
    pub fn client_events(&self) -> Vec<String> {
        self.history
            .iter()
            .filter_map(|(_, a)| match a {
                Action::NotifyClients(e) => Some(format!("{} {}", e.name(), self.name(e.link()))),
                _ => None,
            })
            .collect()
    }
    pub fn failure_reports(&self) -> Vec<String> {
        self.history
            .iter()
            .filter_map(|(_, a)| match a {
                Action::ReportLinkFailure { link } => Some(self.name(*link)),
                _ => None,
            })
            .collect()
    }
}

pub fn has_disconnected(actions: &[Action]) -> bool {
    actions.iter().any(|a| {
        matches!(
            a,
            Action::NotifyClients(ClientEvent::LinkDisconnected { .. })
        )
    })
}

/// True, after saying SKIPPED, when link-core is built without the `coverage-marks`
/// feature (a test of the marks' counts has nothing to count then). Straight to the
/// process's standard error: the harness captures `eprintln!` of a test that passes,
/// and a skip must be seen.
pub fn marks_skipped() -> bool {
    if link_core::MARKS_ENABLED {
        return false;
    }
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: link-core built without the coverage-marks feature"
    );
    true
}
