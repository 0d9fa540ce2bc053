//! [`Connector`]: one simulated CSTA Connector. It receives what a server sends
//! ([`ToConnector`]) and acts after its own delays ([`ConnectorAct`]); each call
//! returns, in order, the messages for servers and the acts to schedule
//! ([`ConnectorOut`]). Its delays and jitter come from its own random stream.

use std::collections::BTreeMap;

use link_core::{ConnId, Event, Instant, SystemStatus};
use rand_chacha::ChaCha8Rng;

use super::jitter;
use crate::scenario::{AssociationBehaviour, ConnectorSpec, KeepaliveBehaviour};
use crate::SimDuration;

/// A message from a server to a connector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ToConnector {
    Connect,
    AssociationRequest,
    /// The keep-alive request of this number on its path.
    KeepAlive(u32),
    Close,
}

/// Something a connector does after its own delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConnectorAct {
    Accept,
    Associate,
    /// Answers the keep-alive request of this number.
    AnswerKeepAlive(u32),
}

/// What a connector asks the engine to do, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConnectorOut {
    /// Send `event` to `server` now, over the network.
    ToServer { server: usize, event: Event },
    /// Send the answer to keep-alive request `request` on `conn` to `server` now.
    Answer {
        server: usize,
        conn: ConnId,
        request: u32,
    },
    /// Do `act` on `server`'s connection `conn` at `at`.
    Later {
        at: Instant,
        server: usize,
        conn: ConnId,
        act: ConnectorAct,
    },
    /// Send the status sequence on `server`'s connection `conn`, its first value at
    /// `at`: `count` values, one at a time ([`Connector::status_step`]), so that a long
    /// sequence costs one pending event, not one per value.
    Statuses {
        at: Instant,
        server: usize,
        conn: ConnId,
        count: u32,
    },
}

/// A connection as the connector sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConnPhase {
    /// Connect received, accept pending.
    Pending,
    Accepted,
    /// Associated; its status sequence counts from `statuses_from`.
    Associated {
        statuses_from: Instant,
    },
}

/// One simulated CSTA Connector and its connections to every server.
pub(crate) struct Connector {
    spec: ConnectorSpec,
    /// The status sequence sent after each association, with offsets from its start.
    statuses: Vec<(SimDuration, SystemStatus)>,
    /// A crash: connections are refused before this.
    down_until: Option<Instant>,
    /// An `ignore_keepalive` fault: no keep-alive request is answered before this.
    keepalive_silent_until: Instant,
    /// An `association` fault: association requests are answered so before this.
    association_until: Option<(AssociationBehaviour, Instant)>,
    conns: BTreeMap<(usize, ConnId), ConnPhase>,
    rng: ChaCha8Rng,
}

impl Connector {
    /// Whether its keep-alive answers are errors (R14).
    pub(crate) fn answers_with_errors(&self) -> bool {
        self.spec.keepalive == KeepaliveBehaviour::Error
    }

    /// A connector behaving as `spec`, drawing from `rng`.
    pub(crate) fn new(spec: ConnectorSpec, rng: ChaCha8Rng) -> Self {
        Connector {
            statuses: spec.status_steps(),
            spec,
            down_until: None,
            keepalive_silent_until: Instant::ZERO,
            association_until: None,
            conns: BTreeMap::new(),
            rng,
        }
    }

    /// Whether it is down (crashed) at `now`.
    pub(crate) fn is_down(&self, now: Instant) -> bool {
        self.down_until.is_some_and(|until| now < until)
    }

    fn delay(&mut self, base: SimDuration) -> std::time::Duration {
        base.0 + jitter(&mut self.rng, self.spec.jitter)
    }

    fn later(&self, at: Instant, server: usize, conn: ConnId, act: ConnectorAct) -> ConnectorOut {
        ConnectorOut::Later {
            at,
            server,
            conn,
            act,
        }
    }

    /// `msg` from `server` on `conn` has arrived.
    pub(crate) fn receive(
        &mut self,
        now: Instant,
        server: usize,
        conn: ConnId,
        msg: ToConnector,
        out: &mut Vec<ConnectorOut>,
    ) {
        let phase = self.conns.get(&(server, conn)).copied();
        let to_server = |event| ConnectorOut::ToServer { server, event };
        match (msg, phase) {
            (ToConnector::Connect, _) if self.is_down(now) || self.spec.refuse => {
                out.push(to_server(Event::TcpRefused(conn)));
            }
            (ToConnector::Connect, _) => {
                self.conns.insert((server, conn), ConnPhase::Pending);
                let at = now + self.delay(self.spec.accept_after);
                out.push(self.later(at, server, conn, ConnectorAct::Accept));
            }
            (ToConnector::AssociationRequest, Some(ConnPhase::Accepted)) => {
                let at = now + self.delay(self.spec.associate_after);
                out.push(self.later(at, server, conn, ConnectorAct::Associate));
            }
            (ToConnector::KeepAlive(request), Some(ConnPhase::Associated { .. })) => {
                if self.spec.keepalive != KeepaliveBehaviour::Ignore
                    && now >= self.keepalive_silent_until
                {
                    let at = now + self.delay(self.spec.keepalive_after);
                    let act = ConnectorAct::AnswerKeepAlive(request);
                    out.push(self.later(at, server, conn, act));
                }
            }
            (ToConnector::Close, _) => {
                self.conns.remove(&(server, conn));
            }
            // Data for a connection the connector does not know: TCP answers with a reset.
            (ToConnector::AssociationRequest | ToConnector::KeepAlive(_), None) => {
                out.push(to_server(Event::TcpClosed(conn)));
            }
            (ToConnector::AssociationRequest | ToConnector::KeepAlive(_), Some(_)) => {}
        }
    }

    /// Its own `act` on `server`'s connection `conn` is due (nothing if the connection
    /// is gone or not in the phase the act needs).
    pub(crate) fn act(
        &mut self,
        now: Instant,
        server: usize,
        conn: ConnId,
        act: ConnectorAct,
        out: &mut Vec<ConnectorOut>,
    ) {
        let Some(phase) = self.conns.get(&(server, conn)).copied() else {
            return;
        };
        let to_server = |event| ConnectorOut::ToServer { server, event };
        match (act, phase) {
            (ConnectorAct::Accept, ConnPhase::Pending) => {
                self.conns.insert((server, conn), ConnPhase::Accepted);
                out.push(to_server(Event::TcpAccepted(conn)));
            }
            (ConnectorAct::Associate, ConnPhase::Accepted) => {
                self.associate(now, server, conn, out);
            }
            (ConnectorAct::AnswerKeepAlive(request), ConnPhase::Associated { .. }) => {
                out.push(ConnectorOut::Answer {
                    server,
                    conn,
                    request,
                });
            }
            _ => {}
        }
    }

    /// The association answer: accept (then the status sequence), reject, or nothing.
    fn associate(
        &mut self,
        now: Instant,
        server: usize,
        conn: ConnId,
        out: &mut Vec<ConnectorOut>,
    ) {
        let behaviour = match self.association_until {
            Some((behaviour, until)) if now < until => behaviour,
            _ => self.spec.association,
        };
        let event = match behaviour {
            AssociationBehaviour::Accept => {
                let statuses_from = now + self.delay(SimDuration::default());
                let phase = ConnPhase::Associated { statuses_from };
                self.conns.insert((server, conn), phase);
                if let Some(&(first, _)) = self.statuses.first() {
                    out.push(ConnectorOut::Statuses {
                        at: statuses_from + first.0,
                        server,
                        conn,
                        count: self.statuses.len() as u32,
                    });
                }
                Event::AssociationAccepted(conn)
            }
            AssociationBehaviour::Reject => Event::AssociationRejected(conn),
            AssociationBehaviour::Never => return,
        };
        out.push(ConnectorOut::ToServer { server, event });
    }

    /// Value `index` of the status sequence is due on `server`'s connection `conn`: sent
    /// if the connection is still associated. Returns when the next value is due, if
    /// there is one and the connection is still there.
    pub(crate) fn status_step(
        &self,
        server: usize,
        conn: ConnId,
        index: u32,
        out: &mut Vec<ConnectorOut>,
    ) -> Option<Instant> {
        let Some(&ConnPhase::Associated { statuses_from }) = self.conns.get(&(server, conn)) else {
            return None;
        };
        let (_, status) = *self.statuses.get(index as usize)?;
        let event = Event::SystemStatus(conn, status);
        out.push(ConnectorOut::ToServer { server, event });
        let (next, _) = self.statuses.get(index as usize + 1)?;
        Some(statuses_from + next.0)
    }

    /// It forgets its connections (to `only` server, or all) and tells each server: a
    /// reset for a pending connect, a close for the others.
    pub(crate) fn drop_connections(&mut self, only: Option<usize>, out: &mut Vec<ConnectorOut>) {
        let dropped: Vec<((usize, ConnId), ConnPhase)> = self
            .conns
            .iter()
            .filter(|((server, _), _)| only.is_none_or(|o| o == *server))
            .map(|(k, v)| (*k, *v))
            .collect();
        for ((server, conn), phase) in dropped {
            self.conns.remove(&(server, conn));
            let event = match phase {
                ConnPhase::Pending => Event::TcpRefused(conn),
                _ => Event::TcpClosed(conn),
            };
            out.push(ConnectorOut::ToServer { server, event });
        }
    }

    /// A crash until `until` (overlapping crashes last until the later end): every
    /// connection drops, and connects are refused meanwhile.
    pub(crate) fn crash(&mut self, until: Instant, out: &mut Vec<ConnectorOut>) {
        self.down_until = Some(self.down_until.map_or(until, |d| d.max(until)));
        self.drop_connections(None, out);
    }

    /// Answers association requests as `behaviour` says until `until`.
    pub(crate) fn associate_otherwise(&mut self, behaviour: AssociationBehaviour, until: Instant) {
        self.association_until = Some((behaviour, until));
    }

    /// Answers no keep-alive request that arrives before `until`.
    pub(crate) fn ignore_keepalives_until(&mut self, until: Instant) {
        self.keepalive_silent_until = self.keepalive_silent_until.max(until);
    }

    /// Sends `status` on every connection established now.
    pub(crate) fn status_to_established(
        &self,
        only: Option<usize>,
        status: SystemStatus,
        out: &mut Vec<ConnectorOut>,
    ) {
        for (&(server, conn), phase) in &self.conns {
            let addressed = only.is_none_or(|only| only == server);
            if addressed && matches!(phase, ConnPhase::Associated { .. }) {
                let event = Event::SystemStatus(conn, status);
                out.push(ConnectorOut::ToServer { server, event });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use link_core::LinkId;

    fn conn() -> ConnId {
        ConnId {
            link: LinkId::new(0),
            generation: 1,
        }
    }

    fn connector(spec: ConnectorSpec) -> Connector {
        Connector::new(spec, crate::seeded::stream(1, "test"))
    }

    fn ms(n: u64) -> Instant {
        Instant::from_millis(n)
    }

    #[test]
    fn a_healthy_connector_accepts_associates_and_reports_its_statuses() {
        let mut c = connector(ConnectorSpec::default());
        let mut out = Vec::new();
        c.receive(ms(0), 0, conn(), ToConnector::Connect, &mut out);
        let accept = c.later(ms(10), 0, conn(), ConnectorAct::Accept);
        assert_eq!(
            out,
            [accept],
            "accept after accept_after (10 ms, no jitter)"
        );
        out.clear();
        c.act(ms(10), 0, conn(), ConnectorAct::Accept, &mut out);
        let accepted = ConnectorOut::ToServer {
            server: 0,
            event: Event::TcpAccepted(conn()),
        };
        assert_eq!(out, [accepted]);
        out.clear();
        c.receive(ms(11), 0, conn(), ToConnector::AssociationRequest, &mut out);
        c.act(ms(31), 0, conn(), ConnectorAct::Associate, &mut out);
        let statuses = ConnectorOut::Statuses {
            at: ms(36),
            server: 0,
            conn: conn(),
            count: 1,
        };
        assert_eq!(
            out[1], statuses,
            "normal 5 ms after the association response"
        );
        assert_eq!(
            out[2],
            ConnectorOut::ToServer {
                server: 0,
                event: Event::AssociationAccepted(conn())
            }
        );
    }

    #[test]
    fn a_crashed_connector_drops_everything_and_refuses_until_it_is_up() {
        let mut c = connector(ConnectorSpec::default());
        let mut out = Vec::new();
        c.receive(ms(0), 0, conn(), ToConnector::Connect, &mut out);
        out.clear();
        c.crash(ms(1_000), &mut out);
        let refused = ConnectorOut::ToServer {
            server: 0,
            event: Event::TcpRefused(conn()),
        };
        assert_eq!(out, [refused], "a pending connect is reset");
        out.clear();
        c.receive(ms(500), 0, conn(), ToConnector::Connect, &mut out);
        assert_eq!(out, [refused], "down: refused");
        out.clear();
        c.receive(ms(1_000), 0, conn(), ToConnector::Connect, &mut out);
        assert!(matches!(out[0], ConnectorOut::Later { .. }), "up again");
    }

    #[test]
    fn keepalives_are_answered_except_while_ignored_and_unknown_connections_are_reset() {
        let mut c = connector(ConnectorSpec::default());
        let mut out = Vec::new();
        let statuses_from = ms(0);
        c.conns
            .insert((0, conn()), ConnPhase::Associated { statuses_from });
        c.ignore_keepalives_until(ms(100));
        c.receive(ms(50), 0, conn(), ToConnector::KeepAlive(1), &mut out);
        assert!(out.is_empty(), "ignored");
        c.receive(ms(100), 0, conn(), ToConnector::KeepAlive(2), &mut out);
        let answer = c.later(ms(105), 0, conn(), ConnectorAct::AnswerKeepAlive(2));
        assert_eq!(out, [answer]);
        out.clear();
        let other = ConnId {
            generation: 9,
            ..conn()
        };
        c.receive(ms(0), 0, other, ToConnector::KeepAlive(3), &mut out);
        let reset = ConnectorOut::ToServer {
            server: 0,
            event: Event::TcpClosed(other),
        };
        assert_eq!(out, [reset]);
    }

    #[test]
    fn a_status_sequence_is_sent_one_value_at_a_time_while_the_connection_lasts() {
        let steps = crate::scenario::StatusSpec::Steps(
            [("initializing", 0), ("normal", 500), ("disabled", 1_000)]
                .iter()
                .map(|&(name, after)| crate::scenario::StatusStep {
                    status: SystemStatus::from_name(name).unwrap(),
                    after: SimDuration::from_millis(after),
                })
                .collect(),
        );
        let mut c = connector(ConnectorSpec {
            status: steps,
            ..ConnectorSpec::default()
        });
        let statuses_from = ms(100);
        c.conns
            .insert((0, conn()), ConnPhase::Associated { statuses_from });
        let mut out = Vec::new();
        let sent = |status| ConnectorOut::ToServer {
            server: 0,
            event: Event::SystemStatus(conn(), status),
        };
        assert_eq!(c.status_step(0, conn(), 0, &mut out), Some(ms(600)));
        assert_eq!(c.status_step(0, conn(), 1, &mut out), Some(ms(1_600)));
        assert_eq!(
            c.status_step(0, conn(), 2, &mut out),
            None,
            "the last value"
        );
        let want = [
            SystemStatus::Initializing,
            SystemStatus::Normal,
            SystemStatus::Disabled,
        ];
        assert_eq!(out, want.map(sent));
        out.clear();
        c.drop_connections(None, &mut out);
        out.clear();
        assert_eq!(
            c.status_step(0, conn(), 1, &mut out),
            None,
            "gone: nothing more"
        );
        assert!(out.is_empty());
    }
}
