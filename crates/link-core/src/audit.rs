//! [`ActionAudit`]: the invariants that are about the *action stream* rather than the
//! core's state (I6, I7, I8 on actions), checked from outside by anyone who drives a
//! core: the simulator's checker, the test harness, a runtime in its debug builds. It
//! keeps its own view of each link's connection and of what clients were told, built
//! only from the inputs fed and the actions returned, and checks every action against
//! it; after a step it compares its view with the core's. [`check_invariants`]
//! (crate::LinkCore::check_invariants) covers the state side.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use crate::{
    Action, ClientEvent, Config, ConnId, Event, Invariant, LinkCore, LinkId, LogRecord, Outcome,
};

/// What an [`ActionAudit`] found wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditProblem {
    /// An ignored input produced actions (I8).
    IgnoredInputActed,
    /// An open of a link whose connection is open (I7).
    OpenOfOpen,
    /// An association request on a connection whose TCP connect was not accepted (I7).
    AssociationBeforeAccept,
    /// A keep-alive on a connection that is not the active one (I7).
    KeepAliveNotActive,
    /// A close of a connection that is not open (I7).
    CloseOfClosed,
    /// EventLinkConnected without its own log 35115 in the step, or while connected (I6).
    ConnectedWithoutSelection,
    /// EventLinkDisconnected for a link clients do not think connected (I6).
    DisconnectedWhileNotConnected,
    /// The core holds a different number of open links than the actions left (I7).
    OpenCountDiffers {
        /// Open links the core holds.
        core: usize,
        /// Open links the inputs and actions left.
        audit: usize,
    },
    /// The core's connection of a link differs from the one the actions left (I7).
    ConnectionDiffers {
        /// The core's connection.
        core: Option<ConnId>,
        /// The connection the actions left.
        audit: Option<ConnId>,
    },
    /// As many logs 35115 as EventLinkConnected were not sent (I6).
    SelectionCountsDiffer,
    /// What clients were told is active is not the core's active link (I6).
    ClientsViewDiffers,
}

/// A broken action-stream invariant: which one, about which link, and what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditViolation {
    /// The invariant (I6, I7 or I8).
    pub invariant: Invariant,
    /// The link involved, if any.
    pub link: Option<LinkId>,
    /// What was wrong.
    pub problem: AuditProblem,
}

impl AuditViolation {
    /// The violation in words, with link names from `config`.
    pub fn text<'a>(&'a self, config: &'a Config) -> AuditText<'a> {
        AuditText {
            violation: self,
            config,
        }
    }
}

/// An [`AuditViolation`] ready to print; see [`AuditViolation::text`].
pub struct AuditText<'a> {
    violation: &'a AuditViolation,
    config: &'a Config,
}

impl fmt::Display for AuditText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self
            .violation
            .link
            .and_then(|l| self.config.link_name(l))
            .unwrap_or("<unknown link>");
        match self.violation.problem {
            AuditProblem::IgnoredInputActed => f.write_str("an ignored input produced actions"),
            AuditProblem::OpenOfOpen => write!(f, "open of {name} which is open"),
            AuditProblem::AssociationBeforeAccept => {
                write!(f, "association request on {name} which is not accepted")
            }
            AuditProblem::KeepAliveNotActive => {
                write!(f, "keep-alive on {name} which is not the active connection")
            }
            AuditProblem::CloseOfClosed => write!(f, "close of {name} which is not open"),
            AuditProblem::ConnectedWithoutSelection => write!(
                f,
                "EventLinkConnected for {name} without its own log 35115 or while connected"
            ),
            AuditProblem::DisconnectedWhileNotConnected => write!(
                f,
                "EventLinkDisconnected for {name} which clients do not think connected"
            ),
            AuditProblem::OpenCountDiffers { core, audit } => write!(
                f,
                "the core holds {core} open link(s); its actions and inputs left {audit} open"
            ),
            AuditProblem::ConnectionDiffers { core, audit } => write!(
                f,
                "{name}: the core's connection {core:?} differs from the one its actions left open {audit:?}"
            ),
            AuditProblem::SelectionCountsDiffer => {
                f.write_str("log 35115 and EventLinkConnected counts differ")
            }
            AuditProblem::ClientsViewDiffers => {
                f.write_str("clients' view of the active link differs from the core's")
            }
        }
    }
}

/// An outside view of one core's connections and client notifications, checked against
/// every action (see the module documentation).
///
/// Drive it with the same inputs as the core: after each step call
/// [`input`](Self::input), then [`action`](Self::action) for each action in order,
/// then [`agrees`](Self::agrees); or all three at once with [`step`](Self::step).
#[derive(Clone, Debug)]
pub struct ActionAudit {
    /// Each link's connection as the inputs and actions left it, and whether its TCP
    /// connect was accepted.
    conns: Vec<Option<(ConnId, bool)>>,
    open: usize,
    /// The link clients were last told is connected.
    connected: Option<LinkId>,
    /// The link log 35115 selected in the current step.
    selected: Option<LinkId>,
    selected_logs: u64,
    connected_events: u64,
}

impl ActionAudit {
    /// An audit for a core with `links` links, before its first input.
    pub fn new(links: usize) -> Self {
        ActionAudit {
            conns: vec![None; links],
            open: 0,
            connected: None,
            selected: None,
            selected_logs: 0,
            connected_events: 0,
        }
    }

    /// Whether `conn` is the connection the audit knows open on its link.
    pub fn is_current(&self, conn: ConnId) -> bool {
        self.conns
            .get(conn.link.index())
            .is_some_and(|c| c.is_some_and(|(open, _)| open == conn))
    }

    /// The link clients were last told is connected.
    pub fn connected(&self) -> Option<LinkId> {
        self.connected
    }

    /// A step's input and what the core made of it: an ignored input must produce no
    /// action (I8); an applied one updates the view (accepted, refused, closed).
    pub fn input(
        &mut self,
        event: Event,
        outcome: Outcome,
        actions: &[Action],
    ) -> Result<(), AuditViolation> {
        self.selected = None;
        if outcome != Outcome::Applied {
            if actions.is_empty() {
                return Ok(());
            }
            return fail(Invariant::I8, event.link(), AuditProblem::IgnoredInputActed);
        }
        let Some(conn) = event.conn().filter(|&c| self.is_current(c)) else {
            return Ok(());
        };
        match event {
            Event::TcpAccepted(_) => self.conns[conn.link.index()] = Some((conn, true)),
            Event::TcpRefused(_) | Event::TcpClosed(_) => self.remove(conn.link),
            _ => {}
        }
        Ok(())
    }

    /// One action of the step, in order (I6, I7).
    pub fn action(&mut self, core: &LinkCore, action: &Action) -> Result<(), AuditViolation> {
        match *action {
            Action::Open(conn) => self.open(conn),
            Action::SendAssociationRequest(conn)
                if self.conns.get(conn.link.index()) != Some(&Some((conn, true))) =>
            {
                fail(
                    Invariant::I7,
                    Some(conn.link),
                    AuditProblem::AssociationBeforeAccept,
                )
            }
            Action::SendKeepAlive(conn)
                if core.active_link() != Some(conn.link) || !self.is_current(conn) =>
            {
                fail(
                    Invariant::I7,
                    Some(conn.link),
                    AuditProblem::KeepAliveNotActive,
                )
            }
            Action::Close { conn, .. } if !self.is_current(conn) => {
                fail(Invariant::I7, Some(conn.link), AuditProblem::CloseOfClosed)
            }
            Action::Close { conn, .. } => {
                self.remove(conn.link);
                Ok(())
            }
            Action::Log(LogRecord::LinkSelected { link, .. }) => {
                self.selected_logs += 1;
                self.selected = Some(link);
                Ok(())
            }
            Action::NotifyClients(event) => self.notify(event),
            _ => Ok(()),
        }
    }

    /// After the step: the view agrees with the core (I7: the open links, and the
    /// connection of each link in `touched`, the only ones the step can have changed;
    /// I6: the notifications and the active link).
    pub fn agrees(&self, core: &LinkCore, touched: &[LinkId]) -> Result<(), AuditViolation> {
        if core.open_links() != self.open {
            let problem = AuditProblem::OpenCountDiffers {
                core: core.open_links(),
                audit: self.open,
            };
            return fail(Invariant::I7, None, problem);
        }
        for &link in touched {
            let audit = self
                .conns
                .get(link.index())
                .copied()
                .flatten()
                .map(|(c, _)| c);
            let actual = core.connection(link);
            if audit != actual {
                let problem = AuditProblem::ConnectionDiffers {
                    core: actual,
                    audit,
                };
                return fail(Invariant::I7, Some(link), problem);
            }
        }
        if self.selected_logs != self.connected_events {
            return fail(Invariant::I6, None, AuditProblem::SelectionCountsDiffer);
        }
        if self.connected != core.active_link() {
            return fail(Invariant::I6, None, AuditProblem::ClientsViewDiffers);
        }
        Ok(())
    }

    /// [`input`](Self::input), every [`action`](Self::action) and
    /// [`agrees`](Self::agrees) for one step, comparing every link.
    pub fn step(
        &mut self,
        core: &LinkCore,
        event: Event,
        outcome: Outcome,
        actions: &[Action],
    ) -> Result<(), AuditViolation> {
        self.input(event, outcome, actions)?;
        for action in actions {
            self.action(core, action)?;
        }
        let every: Vec<LinkId> = core.link_ids().collect();
        self.agrees(core, &every)
    }

    fn open(&mut self, conn: ConnId) -> Result<(), AuditViolation> {
        let Some(slot) = self.conns.get_mut(conn.link.index()) else {
            return fail(Invariant::I7, Some(conn.link), AuditProblem::OpenOfOpen);
        };
        if slot.is_some() {
            return fail(Invariant::I7, Some(conn.link), AuditProblem::OpenOfOpen);
        }
        *slot = Some((conn, false));
        self.open += 1;
        Ok(())
    }

    fn remove(&mut self, link: LinkId) {
        if let Some(slot) = self.conns.get_mut(link.index()) {
            if slot.take().is_some() {
                self.open -= 1;
            }
        }
    }

    fn notify(&mut self, event: ClientEvent) -> Result<(), AuditViolation> {
        match event {
            ClientEvent::LinkConnected { link } => {
                self.connected_events += 1;
                if self.connected.is_some() || self.selected != Some(link) {
                    let problem = AuditProblem::ConnectedWithoutSelection;
                    return fail(Invariant::I6, Some(link), problem);
                }
                self.connected = Some(link);
            }
            ClientEvent::LinkDisconnected { link } => {
                if self.connected != Some(link) {
                    let problem = AuditProblem::DisconnectedWhileNotConnected;
                    return fail(Invariant::I6, Some(link), problem);
                }
                self.connected = None;
            }
        }
        Ok(())
    }
}

fn fail(
    invariant: Invariant,
    link: Option<LinkId>,
    problem: AuditProblem,
) -> Result<(), AuditViolation> {
    Err(AuditViolation {
        invariant,
        link,
        problem,
    })
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::*;
    use crate::Instant;
    use crate::{CloseReason, LinkConfig, SystemStatus};

    /// A started core for two links, its audit fed the start.
    fn started() -> (LinkCore, ActionAudit, Vec<Action>) {
        let config = Config::new([LinkConfig::new("A").with_priority(2), LinkConfig::new("B")]);
        let mut core = LinkCore::new(config).unwrap();
        let mut audit = ActionAudit::new(2);
        let actions = core.step(Instant::ZERO, Event::Start).unwrap();
        audit
            .step(&core, Event::Start, Outcome::Applied, &actions)
            .unwrap();
        (core, audit, actions)
    }

    fn conn(actions: &[Action], index: usize) -> ConnId {
        let opens: Vec<ConnId> = actions
            .iter()
            .filter_map(|a| match a {
                Action::Open(c) => Some(*c),
                _ => None,
            })
            .collect();
        opens[index]
    }

    fn problem(result: Result<(), AuditViolation>) -> (Invariant, AuditProblem) {
        let violation = result.unwrap_err();
        (violation.invariant, violation.problem)
    }

    #[test]
    fn a_correct_stream_passes_and_each_wrong_action_is_named() {
        let (core, audit, actions) = started();
        let a = conn(&actions, 0);
        let mut wrong = audit.clone();
        assert_eq!(
            problem(wrong.action(&core, &Action::Open(a))),
            (Invariant::I7, AuditProblem::OpenOfOpen)
        );
        let mut wrong = audit.clone();
        assert_eq!(
            problem(wrong.action(&core, &Action::SendAssociationRequest(a))),
            (Invariant::I7, AuditProblem::AssociationBeforeAccept)
        );
        let mut wrong = audit.clone();
        assert_eq!(
            problem(wrong.action(&core, &Action::SendKeepAlive(a))),
            (Invariant::I7, AuditProblem::KeepAliveNotActive)
        );
        let stale = ConnId {
            generation: a.generation + 1,
            ..a
        };
        let close = Action::Close {
            conn: stale,
            reason: CloseReason::Superseded,
        };
        let mut wrong = audit.clone();
        assert_eq!(
            problem(wrong.action(&core, &close)),
            (Invariant::I7, AuditProblem::CloseOfClosed)
        );
        let connected = Action::NotifyClients(ClientEvent::LinkConnected { link: a.link });
        let mut wrong = audit.clone();
        assert_eq!(
            problem(wrong.action(&core, &connected)),
            (Invariant::I6, AuditProblem::ConnectedWithoutSelection)
        );
        let disconnected = Action::NotifyClients(ClientEvent::LinkDisconnected { link: a.link });
        let mut wrong = audit.clone();
        assert_eq!(
            problem(wrong.action(&core, &disconnected)),
            (Invariant::I6, AuditProblem::DisconnectedWhileNotConnected)
        );
        let mut wrong = audit.clone();
        assert_eq!(
            problem(wrong.input(
                Event::Start,
                Outcome::Ignored(crate::Ignored::AlreadyStarted),
                &actions
            )),
            (Invariant::I8, AuditProblem::IgnoredInputActed)
        );
    }

    #[test]
    fn a_view_that_differs_from_the_core_is_named() {
        let (mut core, audit, actions) = started();
        let a = conn(&actions, 0);
        // The core sees an input the audit is not told of: A accepted, associated, normal.
        for event in [
            Event::TcpAccepted(a),
            Event::AssociationAccepted(a),
            Event::SystemStatus(a, SystemStatus::Normal),
        ] {
            core.step(Instant::ZERO, event).unwrap();
        }
        // The activation closed B: the open count differs from the audit's.
        assert_eq!(
            problem(audit.agrees(&core, &[a.link])).1,
            AuditProblem::OpenCountDiffers { core: 1, audit: 2 }
        );
        let text = audit.agrees(&core, &[]).unwrap_err();
        assert_eq!(
            text.text(core.config()).to_string(),
            "the core holds 1 open link(s); its actions and inputs left 2 open"
        );
        // Fed properly from the start, the same inputs pass.
        let (mut core, mut audit, actions) = started();
        let a = conn(&actions, 0);
        for event in [
            Event::TcpAccepted(a),
            Event::AssociationAccepted(a),
            Event::SystemStatus(a, SystemStatus::Normal),
        ] {
            let actions = core.step(Instant::ZERO, event).unwrap();
            audit
                .step(&core, event, Outcome::Applied, &actions)
                .unwrap();
        }
        assert_eq!(audit.connected(), Some(a.link));
        // A clients' view the core does not share.
        let mut wrong = audit.clone();
        wrong.connected = None;
        wrong.selected_logs -= 1;
        wrong.connected_events -= 1;
        assert_eq!(
            problem(wrong.agrees(&core, &[])),
            (Invariant::I6, AuditProblem::ClientsViewDiffers)
        );
        let mut wrong = audit.clone();
        wrong.selected_logs += 1;
        assert_eq!(
            problem(wrong.agrees(&core, &[])),
            (Invariant::I6, AuditProblem::SelectionCountsDiffer)
        );
        let mut wrong = audit;
        wrong.conns[0] = Some((ConnId { generation: 9, ..a }, true));
        assert_eq!(
            problem(wrong.agrees(&core, &[a.link])).1,
            AuditProblem::ConnectionDiffers {
                core: Some(a),
                audit: Some(ConnId { generation: 9, ..a })
            }
        );
    }
}
