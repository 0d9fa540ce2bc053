//! The simulated world: the servers under test and the parties around them, each a
//! sans-IO component in a file of its own, with the shape of the core it talks to: it
//! takes `now` and an input and returns what to send or schedule, and never calls the
//! engine. [`server`] is one T-Server (its link-core), [`connector`] one CSTA
//! Connector, [`network`] one path between a server and a connector, [`management`]
//! the HA pair's Management Layer, [`clients`] when a server's clients hear of its
//! links; [`faults`] says what each fault of a scenario does to them.
//!
//! [`World`] holds them all. Each of its methods writes, in order, what the engine must
//! carry out ([`Plan`]): an [`Item`] to schedule, an input to feed a server now, a role
//! switch, a note. The engine orders the items in time and feeds the servers; the world
//! decides what happens.

pub(crate) mod clients;
pub(crate) mod connector;
mod faults;
pub(crate) mod management;
pub(crate) mod network;
pub(crate) mod server;

use std::time::Duration;

use link_core::{Action, ConnId, Event, Instant, LinkId, Role, SystemStatus, Timer};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::scenario::{Checked, NetworkSpec};
use crate::SimDuration;
use clients::Clients;
use connector::{Connector, ConnectorAct, ConnectorOut, ToConnector};
use management::Management;
use network::Path;
use server::Server;

pub(crate) use crate::seeded::stream_of;
pub(crate) use clients::Told;
pub(crate) use management::{Note, SwitchCause};

/// Up to `max`, drawn from `rng` (nothing drawn when `max` is zero).
pub(crate) fn jitter(rng: &mut ChaCha8Rng, max: SimDuration) -> Duration {
    let max = max.as_nanos();
    if max == 0 {
        Duration::ZERO
    } else {
        Duration::from_nanos(rng.random_range(0..=max))
    }
}

/// Something that happens in the world at a time: what the engine's queue holds.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Item {
    /// Server `server` starts.
    Start {
        /// The server.
        server: usize,
    },
    /// A message from a connector reaches `server` (if its path still lets it through).
    Deliver {
        /// The server.
        server: usize,
        /// The input it becomes.
        event: Event,
    },
    /// The answer to keep-alive request `request` on `conn`'s path. A runtime matches
    /// an answer to its request (the driver by invoke id): an answer to an older
    /// request than the latest sent is only traffic for the core.
    DeliverAnswer {
        /// The server.
        server: usize,
        /// The connection.
        conn: ConnId,
        /// The request's number on its path.
        request: u32,
    },
    /// A server's timer is due (unless cancelled or re-armed since).
    Timer {
        /// The server.
        server: usize,
        /// The timer.
        timer: Timer,
    },
    /// A message from `server` reaches the connector of `conn`'s link.
    AtConnector {
        /// The server.
        server: usize,
        /// The connection.
        conn: ConnId,
        /// The message.
        msg: ToConnector,
    },
    /// Value `index` of a connector's status sequence is due on a connection; the
    /// sequence's values were given the sequence numbers from `seq_base` on when it
    /// began, so each is ordered as if all had been queued at once.
    StatusStep {
        /// The server at the other end.
        server: usize,
        /// The connection.
        conn: ConnId,
        /// Which value.
        index: u32,
        /// The sequence number of value 0.
        seq_base: u64,
    },
    /// A connector's own act on a connection is due.
    Connector {
        /// The server at the other end.
        server: usize,
        /// The connection.
        conn: ConnId,
        /// The act.
        act: ConnectorAct,
    },
    /// Fault `index` of the scenario begins.
    Fault {
        /// Its index in the scenario.
        index: usize,
    },
    /// A later step of a `status` fault's sequence: the connector of `link` sends
    /// `status` on every connection established at that time (`only` that server's).
    FaultStatus {
        /// The link.
        link: usize,
        /// Only this server's connections.
        only: Option<usize>,
        /// The status.
        status: SystemStatus,
    },
    /// The Management Layer's switch after `reporter`'s failure report.
    RoleSwitch {
        /// The server that reported.
        reporter: usize,
    },
    /// H1's recovery is judged for the primary's failure at `failed_at`.
    PairLivenessCheck {
        /// When the primary reported its link's failure.
        failed_at: Instant,
    },
    /// A backup's synchronization with the primary may complete
    /// (`ha-sync-dly-lnk-conn`).
    SyncDue {
        /// The server.
        server: usize,
    },
}

/// What the world asks the engine to do, in the order written.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Plan {
    /// Schedule `item` at this time.
    At(Instant, Item),
    /// Schedule `item` at this time with the sequence number it was given earlier.
    AtSeq(Instant, u64, Item),
    /// A connector's status sequence of `count` values begins on `server`'s `conn`, its
    /// first value at this time: the engine numbers all `count` values now and queues
    /// the first ([`Item::StatusStep`]).
    Statuses {
        /// When value 0 is due.
        at: Instant,
        /// The server.
        server: usize,
        /// The connection.
        conn: ConnId,
        /// How many values.
        count: u32,
    },
    /// Feed `event` to `server` now (a fault that is an input: R11, R13, R16).
    Feed {
        /// The server.
        server: usize,
        /// The input.
        event: Event,
    },
    /// Switch the pair's roles now (a switchover fault).
    Switch(SwitchCause),
    /// H1's recovery is to be judged a window after the primary's failure, now.
    PairCheck,
    /// Something the simulator itself decided, for the timeline and the trace.
    Note(Note),
    /// What `server`'s clients were told, or not yet ([`clients`]).
    Told(usize, Told),
}

/// Every party of one run.
pub(crate) struct World {
    /// The servers, in scenario order.
    pub(crate) servers: Vec<Server>,
    /// Each link's connector, in the order of every connector of the run
    /// ([`Checked::config`]).
    connectors: Vec<Connector>,
    /// For each server, the connector of each of its own links (by its core's link
    /// index).
    links_of: Vec<Vec<usize>>,
    /// Each connector's link name, in the run's order.
    names: Vec<String>,
    /// The path from each server to the connector of each of its own links (by its
    /// core's link index).
    paths: Vec<Vec<Path>>,
    management: Management,
    network: NetworkSpec,
    /// Whether the servers are an HA pair.
    pair: bool,
    /// Room reused for what a connector returns.
    connector_out: Vec<ConnectorOut>,
    /// Each server's clients.
    clients: Vec<Clients>,
}

impl World {
    /// The world of `checked`: each server with its core, each connector and path with
    /// its own random stream (named after it, so adding one changes no other's draws).
    pub(crate) fn new(checked: &Checked) -> Self {
        let seed = checked.scenario.seed;
        let links = &checked.config.links;
        let servers = checked
            .servers
            .iter()
            .zip(&checked.server_configs)
            .map(|(spec, config)| Server::new(&spec.name, config.clone().with_role(spec.role)));
        let connectors = checked.connectors.iter().zip(links).map(|(spec, link)| {
            let rng = stream_of(seed, &["connector/", &link.name]);
            Connector::new(spec.clone(), rng)
        });
        let path =
            |server: &str, link: &str| Path::new(stream_of(seed, &["network/", server, "/", link]));
        let paths = checked
            .servers
            .iter()
            .zip(&checked.server_configs)
            .map(|(server, config)| {
                let own = &config.links;
                own.iter().map(|l| path(&server.name, &l.name)).collect()
            });
        World {
            servers: servers.collect(),
            connectors: connectors.collect(),
            links_of: checked.server_links.clone(),
            names: links.iter().map(|l| l.name.clone()).collect(),
            paths: paths.collect(),
            management: Management::new(checked.scenario.management.switch_after.0),
            network: checked.scenario.network.clone(),
            pair: checked.is_pair(),
            connector_out: Vec::new(),
            clients: checked
                .servers
                .iter()
                .map(|spec| Clients::new(spec.role, checked.ha_sync_takes()))
                .collect(),
        }
    }

    /// When `server`'s first synchronization with the primary completes, if it starts
    /// as a backup with `ha-sync-dly-lnk-conn` on.
    pub(crate) fn first_sync(&self, server: usize) -> Option<Instant> {
        self.clients[server].syncing_until()
    }

    /// `server`'s synchronization due at `now` completes, unless a role change moved
    /// it: what its clients are told.
    pub(crate) fn sync_due(&mut self, now: Instant, server: usize, plans: &mut Vec<Plan>) {
        let told = self.clients[server].sync_due(now);
        plans.extend(told.into_iter().map(|t| Plan::Told(server, t)));
    }

    /// `server`'s role changed to `role` at `now`: its clients' synchronization.
    fn clients_role_changed(
        &mut self,
        now: Instant,
        server: usize,
        role: Role,
        plans: &mut Vec<Plan>,
    ) {
        let (sync_until, told) = self.clients[server].role_changed(now, role);
        if let Some(until) = sync_until {
            plans.push(Plan::At(until, Item::SyncDue { server }));
        }
        plans.extend(told.map(|t| Plan::Told(server, t)));
    }

    /// Plants `bug` in every server's core (feature `planted-bugs`, tests only): each is
    /// made anew, before its start, with the bug.
    #[cfg(feature = "planted-bugs")]
    pub(crate) fn plant(&mut self, bug: link_core::PlantedBug, self_checks_off: bool) {
        for server in &mut self.servers {
            let config = server.core.config().clone();
            let core = link_core::LinkCore::new(config).expect("validated");
            let core = core.with_planted_bug(bug);
            server.core = match self_checks_off {
                true => core.without_self_checks(),
                false => core,
            };
        }
    }

    /// The connector (its index among every connector of the run) of `server`'s link
    /// `link` (its core's index).
    pub(crate) fn connector_of(&self, server: usize, link: usize) -> usize {
        self.links_of[server][link]
    }

    /// `server`'s link `link` as the run's list of connectors numbers it (histories
    /// and outage figures speak of connectors, whichever server's link it is).
    pub(crate) fn connector_link(&self, server: usize, link: LinkId) -> LinkId {
        LinkId::new(self.connector_of(server, link.index()) as u16)
    }

    /// The name of the link of connector `connector`.
    pub(crate) fn link_name(&self, connector: usize) -> &str {
        &self.names[connector]
    }

    /// The connector of each of `server`'s links, by its core's link index.
    pub(crate) fn connectors_of(&self, server: usize) -> &[usize] {
        &self.links_of[server]
    }

    /// `server`'s index of the link whose connector is `connector`, if it has one.
    pub(crate) fn server_link(&self, server: usize, connector: usize) -> Option<usize> {
        self.links_of[server].iter().position(|&c| c == connector)
    }

    /// Whether a message between `server` and the connector of its link `link` can get
    /// through at `now` both ways, and the connector is up.
    pub(crate) fn usable(&self, now: Instant, server: usize, link: usize) -> bool {
        let path = &self.paths[server][link];
        path.passes_to_connector(now)
            && path.passes_to_server(now)
            && !self.connectors[self.connector_of(server, link)].is_down(now)
    }

    /// Whether a message from `link`'s connector reaches `server` at `now`: one in
    /// flight when a partition starts is lost too.
    pub(crate) fn reaches_server(&self, now: Instant, server: usize, link: usize) -> bool {
        self.paths[server][link].passes_to_server(now)
    }

    /// The input the answer to keep-alive request `request` on `conn` becomes at `now`,
    /// if it gets through: an answer (or an error answer, R14) to the latest request,
    /// or traffic for an older one.
    pub(crate) fn answer(
        &self,
        now: Instant,
        server: usize,
        conn: ConnId,
        request: u32,
    ) -> Option<Event> {
        let path = &self.paths[server][conn.link.index()];
        if !path.passes_to_server(now) {
            return None;
        }
        let connector = self.connector_of(server, conn.link.index());
        let error = self.connectors[connector].answers_with_errors();
        Some(match (path.is_latest_request(request), error) {
            (true, false) => Event::KeepAliveAnswered(conn),
            (true, true) => Event::KeepAliveRejected(conn),
            (false, _) => Event::MessageReceived(conn),
        })
    }

    /// Carries out one of `server`'s actions at `now`: a message to a connector goes
    /// over the network, a timer is scheduled, a failure report reaches the Management
    /// Layer, a notification reaches the clients (or waits, [`clients`]), a role change
    /// starts a backup's synchronization. Other log records change nothing.
    pub(crate) fn carry_out(
        &mut self,
        now: Instant,
        server: usize,
        action: Action,
        plans: &mut Vec<Plan>,
    ) {
        match action {
            Action::Open(conn) => self.send(now, server, conn, ToConnector::Connect, plans),
            Action::SendAssociationRequest(conn) => {
                self.send(now, server, conn, ToConnector::AssociationRequest, plans)
            }
            Action::SendKeepAlive(conn) => {
                let request = self.paths[server][conn.link.index()].next_keepalive_request();
                self.send(now, server, conn, ToConnector::KeepAlive(request), plans)
            }
            Action::Close { conn, .. } => self.send(now, server, conn, ToConnector::Close, plans),
            Action::ArmTimer { timer, at } => {
                plans.push(Plan::At(at, Item::Timer { server, timer }))
            }
            Action::CancelTimer(_) => {} // a stale firing is ignored by the core (I8)
            Action::ReportLinkFailure { .. } => self.failure_report(now, server, plans),
            Action::NotifyClients(event) => {
                plans.push(Plan::Told(server, self.clients[server].notify(event)))
            }
            Action::Log(link_core::LogRecord::RoleChanged { to, .. }) => {
                self.clients_role_changed(now, server, to, plans)
            }
            Action::Log(_) => {}
        }
    }

    /// A failure report from `server`: only the primary of a pair is heard; the
    /// Management Layer schedules a switch (one at a time), and H1's recovery is
    /// judged a window later.
    fn failure_report(&mut self, now: Instant, server: usize, plans: &mut Vec<Plan>) {
        let role = self.servers[server].core.role();
        if !self.pair || role != Role::Primary {
            return;
        }
        if let Some(at) = self.management.report(now, true, role) {
            plans.push(Plan::Note(Note::SwitchScheduled(at)));
            plans.push(Plan::At(at, Item::RoleSwitch { reporter: server }));
        }
        plans.push(Plan::PairCheck);
    }

    /// The Management Layer's switch after `reporter`'s failure report is due: a switch,
    /// or a note that there is none (a switchover since then demoted the reporter).
    pub(crate) fn role_switch_due(&mut self, reporter: usize, plans: &mut Vec<Plan>) {
        self.management.switch_due();
        match self.servers[reporter].core.role() == Role::Primary {
            true => plans.push(Plan::Switch(SwitchCause::FailureReport)),
            false => plans.push(Plan::Note(Note::SwitchDropped)),
        }
    }

    /// Which server to demote and which to promote, in that order, given the roles
    /// now: the primary and the backup, or nothing without both.
    pub(crate) fn switch_plan(&self) -> Option<(usize, usize)> {
        let roles: Vec<Role> = self.servers.iter().map(|s| s.core.role()).collect();
        Management::switch_plan(&roles)
    }

    /// Sends `msg` from `server` on `conn` over its path.
    fn send(
        &mut self,
        now: Instant,
        server: usize,
        conn: ConnId,
        msg: ToConnector,
        plans: &mut Vec<Plan>,
    ) {
        let path = &mut self.paths[server][conn.link.index()];
        if let Some(at) = path.send_to_connector(now, &self.network) {
            plans.push(Plan::At(at, Item::AtConnector { server, conn, msg }));
        }
    }

    /// `msg` from `server` reaches the connector of `conn`'s link at `now`, if the path
    /// still lets it through.
    pub(crate) fn at_connector(
        &mut self,
        now: Instant,
        server: usize,
        conn: ConnId,
        msg: ToConnector,
        plans: &mut Vec<Plan>,
    ) {
        if !self.paths[server][conn.link.index()].passes_to_connector(now) {
            return;
        }
        let mut out = self.take_connector_out();
        let link = self.connector_of(server, conn.link.index());
        self.connectors[link].receive(now, server, conn, msg, &mut out);
        self.connector_sends(now, out, plans);
    }

    /// Value `index` of the status sequence on `server`'s connection `conn` is due: sent
    /// over the network, and the next value queued with its number.
    pub(crate) fn status_step(
        &mut self,
        now: Instant,
        (server, conn): (usize, ConnId),
        (index, seq_base): (u32, u64),
        plans: &mut Vec<Plan>,
    ) {
        let link = self.connector_of(server, conn.link.index());
        let mut out = self.take_connector_out();
        let next = self.connectors[link].status_step(server, conn, index, &mut out);
        self.connector_sends(now, out, plans);
        if let Some(at) = next {
            let index = index + 1;
            let item = Item::StatusStep {
                server,
                conn,
                index,
                seq_base,
            };
            plans.push(Plan::AtSeq(at, seq_base + u64::from(index), item));
        }
    }

    /// A connector's own `act` on `server`'s connection `conn` is due.
    pub(crate) fn connector_act(
        &mut self,
        now: Instant,
        server: usize,
        conn: ConnId,
        act: ConnectorAct,
        plans: &mut Vec<Plan>,
    ) {
        let link = self.connector_of(server, conn.link.index());
        let mut out = self.take_connector_out();
        self.connectors[link].act(now, server, conn, act, &mut out);
        self.connector_sends(now, out, plans);
    }

    /// The connector of `link` sends `status` on every connection established now (to
    /// `only` that server, if given).
    pub(crate) fn status_to_established(
        &mut self,
        now: Instant,
        link: usize,
        only: Option<usize>,
        status: SystemStatus,
        plans: &mut Vec<Plan>,
    ) {
        let mut out = self.take_connector_out();
        self.connectors[link].status_to_established(only, status, &mut out);
        self.connector_sends(now, out, plans);
    }

    /// The buffer connectors write into, emptied (taken, and given back by
    /// [`connector_sends`](Self::connector_sends), so that no connector item allocates).
    fn take_connector_out(&mut self) -> Vec<ConnectorOut> {
        let mut out = std::mem::take(&mut self.connector_out);
        out.clear();
        out
    }

    /// Carries out, in order, what a connector asked for: messages go over the network
    /// to the servers (each on the path of the server's link they concern), its own
    /// acts are scheduled.
    pub(crate) fn connector_sends(
        &mut self,
        now: Instant,
        mut out: Vec<ConnectorOut>,
        plans: &mut Vec<Plan>,
    ) {
        for &item in &out {
            let (server, link, item) = match item {
                ConnectorOut::ToServer { server, event } => {
                    let link = event.link().expect("a connector speaks on a connection");
                    (server, link.index(), Item::Deliver { server, event })
                }
                ConnectorOut::Answer {
                    server,
                    conn,
                    request,
                } => (
                    server,
                    conn.link.index(),
                    Item::DeliverAnswer {
                        server,
                        conn,
                        request,
                    },
                ),
                ConnectorOut::Later {
                    at,
                    server,
                    conn,
                    act,
                } => {
                    plans.push(Plan::At(at, Item::Connector { server, conn, act }));
                    continue;
                }
                ConnectorOut::Statuses {
                    at,
                    server,
                    conn,
                    count,
                } => {
                    plans.push(Plan::Statuses {
                        at,
                        server,
                        conn,
                        count,
                    });
                    continue;
                }
            };
            if let Some(at) = self.paths[server][link].send_to_server(now, &self.network) {
                plans.push(Plan::At(at, item));
            }
        }
        out.clear();
        self.connector_out = out;
    }
}
