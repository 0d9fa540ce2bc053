//! The driver: one tokio task that owns a [`LinkCore`] and is its hands and clock.
//!
//! It turns every [`Action`] into I/O (a TCP connect, a CSTA-XML write, a close, a
//! timer) and every socket happening into an [`Event`], stamped with the monotonic clock
//! read at the moment the event is handled. It decides nothing about links: which link
//! to open, keep, close or select is always the core's answer to an event.
//!
//! What the driver does decide is protocol mechanics the core does not model:
//!
//! - any failed `connect` (refused, unreachable, reset) is [`Event::TcpRefused`]; a
//!   connect that hangs is left to `connect-tout` (R8), which closes it;
//! - a response is matched to its request by invoke ID; a session response or a
//!   `SystemStatusResponse` that answers nothing outstanding is plain traffic
//!   ([`Event::MessageReceived`]);
//! - a `SystemStatus` request from the connector is answered with `SystemStatusResponse`;
//!   every `SystemStatus` a connector sends, on any connection and in any link state (the
//!   active link's included), reaches the core as [`Event::SystemStatus`]: what it means
//!   (R5, R15: `disabled` on the active link is a failure by default) is the core's call;
//! - a document that does not decode is traffic, and reported as a [`Record::Wire`];
//!   a framing error leaves the stream unreadable, so the socket is dropped and the core
//!   hears [`Event::TcpClosed`].
//!
//! Everything the driver does is reported, in order, to an observer as [`Record`]s.
//!
//! How it reaches a connector is a [`Transport`]: tokio's TCP ([`TcpTransport`]) by
//! default; the `link-swarm` crate runs the same driver, unchanged, over turmoil's
//! simulated TCP.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::time::Duration;

use bytes::BytesMut;
use csta_wire::{Frame, Framing, HeaderFraming, InvokeId, Message, ECMA_323_NAMESPACE};
use link_core::{
    Action, CloseReason, Config, ConfigError, ConnId, Event, Ignored, Instant, LinkCore, LinkId,
    LinkState, Outcome, Role, StepError, SystemStatus, Timer,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Where one link's CSTA Connector listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl Target {
    /// The connector at `host:port`.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Target {
            host: host.into(),
            port,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// How a driver reaches a connector: a connect that yields a byte stream. Reading,
/// writing and closing (dropping the stream) are the stream's own.
///
/// [`TcpTransport`] is tokio's TCP, the default; a simulated network implements it to
/// run the real driver under test (`link-swarm` does, over turmoil).
pub trait Transport: Clone + Send + Sync + 'static {
    /// A connected stream. Dropping it closes the connection.
    type Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// Connects to `target`. Any error (refused, unreachable, reset) is reported to the
    /// core as [`Event::TcpRefused`]; a connect that never ends is `connect-tout`'s.
    fn connect(&self, target: &Target) -> impl Future<Output = io::Result<Self::Stream>> + Send;
}

/// tokio's TCP, with Nagle's algorithm off (a keep-alive is one small write).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpTransport;

impl Transport for TcpTransport {
    type Stream = TcpStream;

    async fn connect(&self, target: &Target) -> io::Result<TcpStream> {
        let stream = TcpStream::connect((target.host.as_str(), target.port)).await?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }
}

/// What an embedding application can tell a running driver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Control {
    /// The Management Layer assigned a role (R11).
    SetRole(Role),
    /// A link's settings changed (R13): its new priority and, optionally, where its
    /// connector now listens (used from the link's next open).
    Reconfigure {
        /// The link.
        link: LinkId,
        /// Its new priority (`None` = 0).
        priority: Option<i32>,
        /// Its new connector address, if that changed too.
        target: Option<Target>,
    },
    /// Close everything and return from [`Driver::run`]. Dropping the sender does the
    /// same.
    Shutdown,
}

/// One thing that happened inside the driver, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// An event was fed to the core at `at`.
    Input {
        /// When (time since the driver started).
        at: Instant,
        /// The event.
        event: Event,
    },
    /// The core ignored the event just fed, as the rules say it should.
    Ignored {
        /// When.
        at: Instant,
        /// Why.
        why: Ignored,
    },
    /// The core asked for this action and the driver carried it out.
    Action {
        /// When.
        at: Instant,
        /// The action.
        action: Action,
        /// For a `Close` because another link was selected or `connect-tout` expired:
        /// what the connection had not done yet, as the driver saw it (the core's
        /// reason does not say).
        stalled: Option<Stalled>,
    },
    /// A [`Control`] the driver could not apply; nothing changed.
    Refused {
        /// When.
        at: Instant,
        /// Why.
        error: DriverError,
    },
    /// Something on the wire worth knowing that is not an event: a connect error's
    /// cause, a message that did not decode, a framing error.
    Wire {
        /// When.
        at: Instant,
        /// The connection.
        conn: ConnId,
        /// What happened.
        note: String,
    },
}

/// What a connection had not done when the core closed it; see [`Record::Action`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Stalled {
    /// The step the connector had not completed.
    pub waiting_for: WaitingFor,
    /// Whether the close came with `connect-tout` expiring (R8), rather than with
    /// another link's selection before it.
    pub at_connect_tout: bool,
}

/// A step of a link's start that the connector had not completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WaitingFor {
    /// The TCP connect was still under way.
    TcpConnect,
    /// `StartApplicationSession` had no response (none, or only part of one, arrived).
    AssociationResponse,
    /// The session was accepted, but no `SystemStatus` had come.
    SystemStatus,
    /// SystemStatus values came, but not `normal` (R5: the link waits for it), or a
    /// failure status withdrew an operational link (R15); the last one is given.
    NormalStatus(SystemStatus),
}

impl fmt::Display for WaitingFor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WaitingFor::TcpConnect => "TCP connect not completed",
            WaitingFor::AssociationResponse => "no association response",
            WaitingFor::SystemStatus => "no SystemStatus after the association",
            WaitingFor::NormalStatus(last) => {
                return write!(f, "SystemStatus {last} but no normal");
            }
        })
    }
}

/// E.g. `no association response within connect-tout`, or `... yet` for a close that
/// came before connect-tout expired.
impl fmt::Display for Stalled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let when = match self.at_connect_tout {
            true => "within connect-tout",
            false => "yet",
        };
        write!(f, "{} {when}", self.waiting_for)
    }
}

impl Record {
    /// When it happened.
    pub fn at(&self) -> Instant {
        match *self {
            Record::Input { at, .. }
            | Record::Ignored { at, .. }
            | Record::Action { at, .. }
            | Record::Refused { at, .. }
            | Record::Wire { at, .. } => at,
        }
    }

    /// The record as one line of text, link names taken from `config`.
    pub fn text<'a>(&'a self, config: &'a Config) -> RecordText<'a> {
        RecordText {
            record: self,
            config,
            timed: true,
        }
    }
}

/// A [`Record`] ready to print; see [`Record::text`].
pub struct RecordText<'a> {
    record: &'a Record,
    config: &'a Config,
    timed: bool,
}

impl RecordText<'_> {
    /// The same text without the time in front.
    pub fn untimed(self) -> Self {
        RecordText {
            timed: false,
            ..self
        }
    }

    fn name(&self, link: LinkId) -> &str {
        self.config.link_name(link).unwrap_or("?")
    }

    /// An input: link-core's words, `<- ` in front of what a connector sent.
    fn input(&self, f: &mut fmt::Formatter<'_>, event: &Event) -> fmt::Result {
        match event.conn() {
            Some(_) => write!(f, "<- {}", event.text(self.config)),
            None => write!(f, "{}", event.text(self.config)),
        }
    }

    /// An action: link-core's words, `-> ` in front of what goes to a connector (a
    /// close says why the link was still waiting, when it was), and the transcript's
    /// own tags for log records, client notifications and the Management Layer.
    fn action(
        &self,
        f: &mut fmt::Formatter<'_>,
        action: &Action,
        stalled: Option<Stalled>,
    ) -> fmt::Result {
        match action {
            Action::Close { conn, reason } => {
                let Some(stalled) = stalled else {
                    return write!(f, "-> {}", action.text(self.config));
                };
                write!(f, "-> {}: close ({}", self.name(conn.link), reason.as_str())?;
                match *reason == CloseReason::ConnectTimeout {
                    // "connect-tout expired" says when already.
                    true => write!(f, ": {})", stalled.waiting_for),
                    false => write!(f, ": {stalled})"),
                }
            }
            Action::Open(_) | Action::SendAssociationRequest(_) | Action::SendKeepAlive(_) => {
                write!(f, "-> {}", action.text(self.config))
            }
            Action::ArmTimer { .. } | Action::CancelTimer(_) => {
                write!(f, "   {}", action.text(self.config))
            }
            Action::Log(record) => match record.number() {
                Some(n) => write!(f, "LOG {n} {}", record.text(self.config)),
                None => write!(f, "LOG {}", record.text(self.config)),
            },
            Action::NotifyClients(e) => {
                write!(f, "CLIENTS {} ({})", e.name(), self.name(e.link()))
            }
            Action::ReportLinkFailure { link } => {
                write!(f, "MANAGEMENT LAYER: link {} failed", self.name(*link))
            }
        }
    }
}

impl fmt::Display for RecordText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.timed {
            write!(f, "{:>9}  ", self.record.at())?;
        }
        match self.record {
            Record::Input { event, .. } => self.input(f, event),
            Record::Ignored { why, .. } => write!(f, "   (ignored: {why:?})"),
            Record::Action {
                action, stalled, ..
            } => self.action(f, action, *stalled),
            Record::Refused { error, .. } => write!(f, "   control refused: {error}"),
            // A note may quote the peer (an error code, a document it could not read):
            // escaped, and at most a line of it.
            Record::Wire { conn, note, .. } => {
                let note = link_core::excerpt(note, WIRE_NOTE_CHARS);
                write!(f, "   {}: {note}", self.name(conn.link))
            }
        }
    }
}

/// The most characters of a wire note printed: a peer's 60 KB error text is one line.
pub const WIRE_NOTE_CHARS: usize = 200;

/// Why a driver could not be built or had to stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriverError {
    /// The configuration breaks one of its rules.
    Config(ConfigError),
    /// The number of targets differs from the number of configured links.
    TargetCount {
        /// Links configured.
        links: usize,
        /// Targets given.
        targets: usize,
    },
    /// An options-file link has no hostname (a Connections entry): the driver cannot
    /// connect to it.
    NoHostname {
        /// The link's name.
        link: String,
    },
    /// A reconfiguration names a link the configuration does not have.
    UnknownLink(LinkId),
    /// The core refused an input. With a monotonic clock this cannot happen; it is
    /// reported rather than unwrapped.
    Step(StepError),
}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriverError::Config(e) => write!(f, "invalid configuration: {e}"),
            DriverError::TargetCount { links, targets } => write!(
                f,
                "{links} link(s) configured but {targets} connector address(es) given"
            ),
            DriverError::NoHostname { link } => write!(
                f,
                "link {link} has no hostname (a [Connections] entry); the driver needs host and port"
            ),
            DriverError::UnknownLink(link) => write!(f, "no such link: {link}"),
            DriverError::Step(e) => write!(f, "the core refused an input: {e}"),
        }
    }
}

impl std::error::Error for DriverError {}

/// A deliberate driver bug, for proving that `link-swarm`'s checks find one. It takes
/// effect only when link-tokio is built with the `planted-bugs` feature *and* a driver
/// is made with [`Driver::with_planted_bug`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DriverBug {
    /// A close the core asks for moves the connection to a list of closing connections
    /// that nobody reaps: its task, and so its socket, stays open (a leak per close).
    CloseKeepsSocket,
}

impl DriverBug {
    /// Every planted driver bug.
    pub const ALL: [DriverBug; 1] = [DriverBug::CloseKeepsSocket];

    /// The bug's name on a command line: `close-keeps-socket`.
    pub fn name(self) -> &'static str {
        match self {
            DriverBug::CloseKeepsSocket => "close-keeps-socket",
        }
    }

    /// The bug called `name`.
    pub fn from_name(name: &str) -> Option<DriverBug> {
        DriverBug::ALL.into_iter().find(|bug| bug.name() == name)
    }
}

/// Drives a [`LinkCore`] over transport `T` (tokio's TCP by default) with framing `F`
/// (the CSTA XML header by default).
pub struct Driver<F = HeaderFraming, T = TcpTransport> {
    core: LinkCore,
    targets: Vec<Target>,
    framing: F,
    transport: T,
    application_id: String,
    planted: Option<DriverBug>,
}

impl Driver<HeaderFraming> {
    /// A driver for `config`, connecting link `i` to `targets[i]`.
    pub fn new(config: Config, targets: Vec<Target>) -> Result<Self, DriverError> {
        if config.links.len() != targets.len() {
            return Err(DriverError::TargetCount {
                links: config.links.len(),
                targets: targets.len(),
            });
        }
        let core = LinkCore::new(config).map_err(DriverError::Config)?;
        Ok(Driver {
            core,
            targets,
            framing: HeaderFraming,
            transport: TcpTransport,
            application_id: "linkpilot".to_owned(),
            planted: None,
        })
    }

    /// A driver for T-Server options as read by [`tserver_options::parse`], in `role`.
    /// Every link needs a hostname: `[Connections]` entries have none and are refused.
    pub fn from_options(
        options: tserver_options::Options,
        role: Role,
    ) -> Result<Self, DriverError> {
        let targets = options
            .endpoints
            .iter()
            .map(|e| match &e.hostname {
                Some(host) => Ok(Target::new(host.clone(), e.port)),
                None => Err(DriverError::NoHostname {
                    link: e.name.clone(),
                }),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Driver::new(options.config.with_role(role), targets)
    }
}

impl<F: Framing + Clone, T: Transport> Driver<F, T> {
    /// The same driver speaking another framing.
    pub fn with_framing<G: Framing + Clone>(self, framing: G) -> Driver<G, T> {
        Driver {
            core: self.core,
            targets: self.targets,
            framing,
            transport: self.transport,
            application_id: self.application_id,
            planted: self.planted,
        }
    }

    /// The same driver reaching its connectors over another transport.
    pub fn with_transport<U: Transport>(self, transport: U) -> Driver<F, U> {
        Driver {
            core: self.core,
            targets: self.targets,
            framing: self.framing,
            transport,
            application_id: self.application_id,
            planted: self.planted,
        }
    }

    /// The same driver with `bug` planted (it acts only with the `planted-bugs`
    /// feature); see [`DriverBug`].
    pub fn with_planted_bug(mut self, bug: DriverBug) -> Self {
        self.planted = Some(bug);
        self
    }

    /// The same driver introducing itself as `id` in `StartApplicationSession`.
    pub fn with_application_id(mut self, id: impl Into<String>) -> Self {
        self.application_id = id.into();
        self
    }

    /// The configuration the core runs with (for link names in [`Record::text`]).
    pub fn config(&self) -> &Config {
        self.core.config()
    }

    /// Starts the core and drives it until [`Control::Shutdown`] arrives or `control`'s
    /// sender is dropped; then closes every connection and returns. Every input and
    /// action is passed to `observe` as it happens.
    pub async fn run(
        self,
        control: mpsc::Receiver<Control>,
        mut observe: impl FnMut(&Record),
    ) -> Result<(), DriverError> {
        let Driver {
            core,
            mut targets,
            framing,
            transport,
            application_id,
            planted,
        } = self;
        let (events_tx, events_rx) = mpsc::channel(EVENT_QUEUE);
        let mut state = State {
            core,
            epoch: tokio::time::Instant::now(),
            timers: [None; Timer::COUNT],
            conns: BTreeMap::new(),
            actions: Vec::with_capacity(16),
            events_tx,
            planted,
            unreaped: Vec::new(),
        };
        let io = Io {
            framing,
            transport,
            application_id,
        };
        let result = state
            .drive(&mut targets, &io, control, events_rx, &mut observe)
            .await;
        // Whatever ended the run, no connection outlives it.
        for (_, conn) in std::mem::take(&mut state.conns) {
            conn.task.abort();
        }
        result
    }
}

/// How many connection events may wait for the driver before a connection's reader
/// waits too (back-pressure on a peer that floods).
const EVENT_QUEUE: usize = 256;

/// How many undecodable documents per connection are reported as [`Record::Wire`]
/// notes; the rest are counted as traffic silently.
const NOTED_UNDECODABLE: u32 = 3;

impl State {
    async fn drive<F: Framing + Clone, T: Transport>(
        &mut self,
        targets: &mut [Target],
        io: &Io<F, T>,
        mut control: mpsc::Receiver<Control>,
        mut events_rx: mpsc::Receiver<FromConn>,
        observe: &mut impl FnMut(&Record),
    ) -> Result<(), DriverError> {
        self.feed(Event::Start, targets, io, observe)?;
        loop {
            let next_timer = self.next_timer();
            let wake_at =
                next_timer.map(|(at, _)| self.epoch + Duration::from_nanos(at.as_nanos()));
            tokio::select! {
                // In this order: what already happened is handled before a timer that
                // became due meanwhile, so R8 sees every status that arrived in time.
                biased;
                command = control.recv() => match command {
                    Some(Control::SetRole(role)) => {
                        self.feed(Event::RoleChanged(role), targets, io, observe)?;
                    }
                    Some(Control::Reconfigure { link, priority, target }) => {
                        let Some(slot) = targets.get_mut(link.index()) else {
                            let at = self.now();
                            observe(&Record::Refused { at, error: DriverError::UnknownLink(link) });
                            continue;
                        };
                        if let Some(target) = target {
                            *slot = target;
                        }
                        self.feed(Event::Reconfigured { link, priority }, targets, io, observe)?;
                    }
                    Some(Control::Shutdown) | None => {
                        self.feed(Event::Shutdown, targets, io, observe)?;
                        return Ok(());
                    }
                },
                Some(from_conn) = events_rx.recv() => {
                    let conn = match &from_conn {
                        FromConn::Event(event) => event.conn(),
                        FromConn::Note(conn, _) => Some(*conn),
                    };
                    if let Some(conn) = conn {
                        if !self.conns.contains_key(&conn) {
                            // Raced with a close the core asked for: the core would
                            // ignore it as stale, and no record is worth a line.
                            continue;
                        }
                    }
                    match from_conn {
                        FromConn::Event(event) => {
                            if let Event::TcpRefused(conn) | Event::TcpClosed(conn) = event {
                                self.conns.remove(&conn);
                            }
                            self.feed(event, targets, io, observe)?;
                        }
                        FromConn::Note(conn, note) => {
                            let at = self.now();
                            observe(&Record::Wire { at, conn, note });
                        }
                    }
                },
                // With no timer armed the branch is off (the fallback is never awaited).
                () = tokio::time::sleep_until(wake_at.unwrap_or(self.epoch)), if wake_at.is_some() => {
                    if let Some((_, timer)) = next_timer {
                        self.timers[timer.index()] = None;
                        self.feed(Event::TimerExpired(timer), targets, io, observe)?;
                        // Had the firing been early the core would keep the deadline;
                        // take it back from the core so the timer cannot be lost.
                        self.timers[timer.index()] = self.core.deadline(timer);
                    }
                }
            }
        }
    }
}

/// What a connection task tells the driver.
enum FromConn {
    Event(Event),
    Note(ConnId, String),
}

/// What the driver asks a connection task to send.
#[derive(Clone, Copy, Debug)]
enum Outgoing {
    Association,
    KeepAlive,
}

struct ConnHandle {
    commands: mpsc::UnboundedSender<Outgoing>,
    task: JoinHandle<()>,
    /// How far the connection has got: what it would be waiting for if closed now.
    waiting_for: Option<WaitingFor>,
}

struct Io<F, T> {
    framing: F,
    transport: T,
    application_id: String,
}

struct State {
    core: LinkCore,
    epoch: tokio::time::Instant,
    timers: [Option<Instant>; Timer::COUNT],
    conns: BTreeMap<ConnId, ConnHandle>,
    actions: Vec<Action>,
    events_tx: mpsc::Sender<FromConn>,
    planted: Option<DriverBug>,
    /// Connections [`DriverBug::CloseKeepsSocket`] forgot to close.
    unreaped: Vec<ConnHandle>,
}

impl State {
    /// Whether `bug` is planted (never without the `planted-bugs` feature).
    fn planted(&self, bug: DriverBug) -> bool {
        cfg!(feature = "planted-bugs") && self.planted == Some(bug)
    }

    fn now(&self) -> Instant {
        let nanos = self.epoch.elapsed().as_nanos();
        Instant::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    fn next_timer(&self) -> Option<(Instant, Timer)> {
        Timer::ALL
            .iter()
            .filter_map(|&t| self.timers[t.index()].map(|at| (at, t)))
            .min()
    }

    /// Feeds one event to the core and carries out the actions it returns.
    fn feed<F: Framing + Clone, T: Transport>(
        &mut self,
        event: Event,
        targets: &[Target],
        io: &Io<F, T>,
        observe: &mut impl FnMut(&Record),
    ) -> Result<(), DriverError> {
        let at = self.now();
        observe(&Record::Input { at, event });
        let at_connect_tout = matches!(event, Event::TimerExpired(Timer::ConnectTimeout));
        let mut actions = std::mem::take(&mut self.actions);
        actions.clear();
        let outcome = self
            .core
            .step_into(at, event, &mut actions)
            .map_err(DriverError::Step)?;
        if let Outcome::Ignored(why) = outcome {
            observe(&Record::Ignored { at, why });
        }
        self.progress(&event);
        for &action in &actions {
            let stalled = self.stalled(action, at_connect_tout);
            self.carry_out(action, targets, io);
            observe(&Record::Action {
                at,
                action,
                stalled,
            });
        }
        self.actions = actions;
        Ok(())
    }

    /// Notes what a connection event, just fed to the core, shows the connector has
    /// done. After a SystemStatus the core's link state tells whether the link still
    /// waits for `normal` (R5, R15: any value but `normal` may leave it waiting).
    fn progress(&mut self, event: &Event) {
        let next = match *event {
            Event::TcpAccepted(_) => Some(WaitingFor::AssociationResponse),
            Event::AssociationAccepted(_) => Some(WaitingFor::SystemStatus),
            Event::SystemStatus(conn, status) => {
                let waiting = self.core.link_state(conn.link) == Some(LinkState::AwaitingStatus);
                waiting.then_some(WaitingFor::NormalStatus(status))
            }
            _ => return,
        };
        if let Some(handle) = event.conn().and_then(|c| self.conns.get_mut(&c)) {
            handle.waiting_for = next;
        }
    }

    /// For a close because another link was selected or connect-tout expired: what
    /// the connection had not done yet.
    fn stalled(&self, action: Action, at_connect_tout: bool) -> Option<Stalled> {
        let Action::Close { conn, reason } = action else {
            return None;
        };
        if !matches!(
            reason,
            CloseReason::NotSelected | CloseReason::ConnectTimeout
        ) {
            return None;
        }
        let waiting_for = self.conns.get(&conn)?.waiting_for?;
        Some(Stalled {
            waiting_for,
            at_connect_tout,
        })
    }

    fn carry_out<F: Framing + Clone, T: Transport>(
        &mut self,
        action: Action,
        targets: &[Target],
        io: &Io<F, T>,
    ) {
        match action {
            Action::Open(conn) => {
                let (commands, commands_rx) = mpsc::unbounded_channel();
                // The core only opens links it has; a missing target is impossible
                // because `Driver::new` checked the counts.
                let target = targets[conn.link.index()].clone();
                let task = tokio::spawn(connection(
                    conn,
                    (io.transport.clone(), target),
                    io.framing.clone(),
                    io.application_id.clone(),
                    commands_rx,
                    self.events_tx.clone(),
                ));
                let handle = ConnHandle {
                    commands,
                    task,
                    waiting_for: Some(WaitingFor::TcpConnect),
                };
                if let Some(old) = self.conns.insert(conn, handle) {
                    old.task.abort();
                }
            }
            Action::SendAssociationRequest(conn) => self.send(conn, Outgoing::Association),
            Action::SendKeepAlive(conn) => self.send(conn, Outgoing::KeepAlive),
            Action::Close { conn, .. } => {
                if let Some(handle) = self.conns.remove(&conn) {
                    if self.planted(DriverBug::CloseKeepsSocket) {
                        self.unreaped.push(handle);
                        return;
                    }
                    // Dropping the task drops its socket: the connector sees the close.
                    handle.task.abort();
                }
            }
            Action::ArmTimer { timer, at } => self.timers[timer.index()] = Some(at),
            Action::CancelTimer(timer) => self.timers[timer.index()] = None,
            // For the embedding application: the observer gets them as records.
            Action::Log(_) | Action::NotifyClients(_) | Action::ReportLinkFailure { .. } => {}
        }
    }

    fn send(&mut self, conn: ConnId, what: Outgoing) {
        if let Some(handle) = self.conns.get(&conn) {
            // A task that already ended has reported TcpClosed; the core hears it next.
            let _ = handle.commands.send(what);
        }
    }
}

/// One connection, from connect to close: reports what happens as core events.
///
/// Whatever way the task ends, the core hears of it exactly once: the task reports
/// `TcpRefused` or `TcpClosed` itself, and should it panic, its [`EndGuard`] reports
/// `TcpClosed` (an aborted task's report is discarded by the driver, which removed the
/// connection first).
async fn connection<F: Framing, T: Transport>(
    conn: ConnId,
    (transport, target): (T, Target),
    framing: F,
    application_id: String,
    commands: mpsc::UnboundedReceiver<Outgoing>,
    events: mpsc::Sender<FromConn>,
) {
    let mut guard = EndGuard {
        conn,
        events: events.clone(),
        ended: false,
    };
    let ended = Link {
        conn,
        framing,
        out: Reporter { conn, events },
        undecodable: 0,
    }
    .run(&transport, target, application_id, commands)
    .await;
    guard.ended = ended;
}

/// Reports `TcpClosed` for a connection task that stopped without saying so.
struct EndGuard {
    conn: ConnId,
    events: mpsc::Sender<FromConn>,
    ended: bool,
}

impl Drop for EndGuard {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let event = FromConn::Event(Event::TcpClosed(self.conn));
        if let Err(mpsc::error::TrySendError::Full(event)) = self.events.try_send(event) {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let events = self.events.clone();
                runtime.spawn(async move {
                    let _ = events.send(event).await;
                });
            }
        }
    }
}

/// The state of one connection task.
struct Link<F> {
    conn: ConnId,
    framing: F,
    out: Reporter,
    undecodable: u32,
}

/// Sends a connection's events and notes to the driver, waiting when its queue is full.
struct Reporter {
    conn: ConnId,
    events: mpsc::Sender<FromConn>,
}

impl Reporter {
    async fn report(&self, event: Event) {
        let _ = self.events.send(FromConn::Event(event)).await;
    }

    async fn note(&self, text: String) {
        let _ = self.events.send(FromConn::Note(self.conn, text)).await;
    }
}

/// One connection's invoke IDs: the next to use, and the requests awaiting an answer
/// (a response is matched to its request by invoke ID).
struct Invokes {
    next: InvokeId,
    association: Option<InvokeId>,
    keepalive: Option<InvokeId>,
}

impl Invokes {
    fn new() -> Self {
        Invokes {
            next: InvokeId::FIRST,
            association: None,
            keepalive: None,
        }
    }

    /// The frame that carries `command`, remembered as outstanding.
    fn request(&mut self, command: Outgoing, application_id: &str) -> Frame {
        let invoke_id = self.next;
        self.next = self.next.next();
        let message = match command {
            Outgoing::Association => {
                self.association = Some(invoke_id);
                Message::StartApplicationSession {
                    application_id: application_id.to_owned(),
                    protocol_version: ECMA_323_NAMESPACE.to_owned(),
                    session_duration_s: 180,
                }
            }
            Outgoing::KeepAlive => {
                self.keepalive = Some(invoke_id);
                Message::SystemStatus(SystemStatus::Normal)
            }
        };
        Frame {
            invoke_id,
            body: message.encode(),
        }
    }

    /// The `SystemStatusResponse` to a connector's SystemStatus request in `frame` (none
    /// to an event, which has no invoke id to answer).
    fn status_answer(frame: &Frame) -> Option<Frame> {
        (frame.invoke_id != InvokeId::EVENT).then(|| Frame {
            invoke_id: frame.invoke_id,
            body: Message::SystemStatusResponse.encode(),
        })
    }

    /// The core's input for `message`, which came in `frame`; the answer to write back
    /// (a connector's own SystemStatus request); a note for the operator.
    fn inbound(
        &mut self,
        conn: ConnId,
        frame: &Frame,
        message: Message,
    ) -> (Event, Option<Frame>, Option<String>) {
        let id = Some(frame.invoke_id);
        match message {
            Message::StartApplicationSessionPosResponse { .. } if self.association == id => {
                self.association = None;
                (Event::AssociationAccepted(conn), None, None)
            }
            Message::StartApplicationSessionNegResponse { error } if self.association == id => {
                self.association = None;
                let note = format!("association refused: {error}");
                (Event::AssociationRejected(conn), None, Some(note))
            }
            Message::SystemStatusResponse if self.keepalive == id => {
                self.keepalive = None;
                (Event::KeepAliveAnswered(conn), None, None)
            }
            // R14 (turn 3): the connector answers the keep-alive with an error: it
            // cannot serve. One failure at once.
            Message::CstaErrorCode { error } if self.keepalive == id => {
                self.keepalive = None;
                let note = format!(
                    "keep-alive answered with an error: {}",
                    link_core::excerpt(&error, 60)
                );
                (Event::KeepAliveRejected(conn), None, Some(note))
            }
            Message::SystemStatus(status) => (
                Event::SystemStatus(conn, status),
                Self::status_answer(frame),
                None,
            ),
            // A heartbeat request without a status: answered like any SystemStatus,
            // and traffic for keep-alive.
            Message::SystemStatusHeartbeat => (
                Event::MessageReceived(conn),
                Self::status_answer(frame),
                None,
            ),
            _ => (Event::MessageReceived(conn), None, None),
        }
    }
}

impl<F: Framing> Link<F> {
    /// Runs the connection; returns whether its end was reported (false only when the
    /// driver went away first).
    async fn run<T: Transport>(
        mut self,
        transport: &T,
        target: Target,
        application_id: String,
        mut commands: mpsc::UnboundedReceiver<Outgoing>,
    ) -> bool {
        let conn = self.conn;
        let mut stream = match transport.connect(&target).await {
            Ok(stream) => stream,
            Err(e) => {
                self.out
                    .note(format!("connect to {target} failed: {e}"))
                    .await;
                self.out.report(Event::TcpRefused(conn)).await;
                return true;
            }
        };
        self.out.report(Event::TcpAccepted(conn)).await;
        let mut inbound = BytesMut::with_capacity(4096);
        let mut outbound = BytesMut::with_capacity(512);
        let mut invokes = Invokes::new();
        loop {
            tokio::select! {
                // In this order, not at random: what the core asked to send goes out
                // before more is read (a flooding peer cannot hold a keep-alive back),
                // and the same inputs give the same run (link-swarm checks that a seed
                // replays identically; tokio's random branch order broke it).
                biased;
                command = commands.recv() => {
                    let Some(command) = command else { return false };
                    let frame = invokes.request(command, &application_id);
                    if let Err(e) = write(&mut self.framing, &frame, &mut outbound, &mut stream).await {
                        return self.closed(format!("write failed: {e}")).await;
                    }
                }
                read = stream.read_buf(&mut inbound) => {
                    match read {
                        Ok(0) => {
                            self.out.report(Event::TcpClosed(conn)).await;
                            return true;
                        }
                        Err(e) => return self.closed(format!("read failed: {e}")).await,
                        Ok(_) => {}
                    }
                    let io = (&mut outbound, &mut stream);
                    if let Err(note) = self.read_frames(&mut inbound, &mut invokes, io).await {
                        return self.closed(note).await;
                    }
                }
            }
        }
    }

    /// Notes `why`, and reports the connection closed; its end was reported.
    async fn closed(&self, why: String) -> bool {
        self.out.note(why).await;
        self.out.report(Event::TcpClosed(self.conn)).await;
        true
    }

    /// Feeds the core every whole frame in `inbound` and writes the answers; the note
    /// to close the connection with when the framing or a write fails.
    async fn read_frames(
        &mut self,
        inbound: &mut BytesMut,
        invokes: &mut Invokes,
        (outbound, writer): (&mut BytesMut, &mut (impl AsyncWrite + Unpin)),
    ) -> Result<(), String> {
        loop {
            let frame = match self.framing.decode(inbound) {
                Ok(Some(frame)) => frame,
                Ok(None) => return Ok(()),
                Err(e) => return Err(format!("framing error, dropping the connection: {e}")),
            };
            let (event, answer, note) = match Message::decode(&frame.body) {
                Ok(message) => invokes.inbound(self.conn, &frame, message),
                Err(e) => {
                    self.note_undecodable(e).await;
                    (Event::MessageReceived(self.conn), None, None)
                }
            };
            if let Some(note) = note {
                self.out.note(note).await;
            }
            // The core hears the status before the answer is written, so a peer that
            // does not read cannot hold R5 back.
            self.out.report(event).await;
            if let Some(answer) = answer {
                if let Err(e) = write(&mut self.framing, &answer, outbound, writer).await {
                    return Err(format!("write failed: {e}"));
                }
            }
        }
    }

    /// Notes the first few undecodable documents (counted as traffic), then that the
    /// rest are not noted.
    async fn note_undecodable(&mut self, error: csta_wire::DecodeError) {
        self.undecodable += 1;
        if self.undecodable <= NOTED_UNDECODABLE {
            self.out
                .note(format!("undecodable message (counted as traffic): {error}"))
                .await;
        }
        if self.undecodable == NOTED_UNDECODABLE {
            self.out
                .note("further undecodable messages are not noted".to_owned())
                .await;
        }
    }
}

async fn write<F: Framing>(
    framing: &mut F,
    frame: &Frame,
    outbound: &mut BytesMut,
    writer: &mut (impl AsyncWrite + Unpin),
) -> std::io::Result<()> {
    outbound.clear();
    framing
        .encode(frame, outbound)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    writer.write_all(outbound).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use link_core::LinkConfig;

    /// D9: what a peer wrote reaches the operator's terminal escaped, whichever note
    /// quotes it (its error code, or a document the codec could not read).
    #[test]
    fn a_wire_note_quoting_the_peer_is_printed_escaped() {
        let config = Config::new([LinkConfig::new("CSTA_A")]);
        let conn = ConnId {
            link: LinkId::new(0),
            generation: 1,
        };
        let undecodable = Message::decode(b"<a></a\x1b[2J>").expect_err("ill-formed");
        for note in [
            "association refused: \x1b]0;owned\x07".to_owned(),
            format!("undecodable message (counted as traffic): {undecodable}"),
        ] {
            let record = Record::Wire {
                at: Instant::from_secs(1),
                conn,
                note,
            };
            let text = record.text(&config).to_string();
            assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
            assert!(
                text.contains("CSTA_A: ") && text.contains("\\u{1b}"),
                "{text:?}"
            );
        }
    }
}
