//! [`LinkCore`]: the link-selection state machine. It owns the per-link states, the
//! procedure's phase, the role and the timer table, and turns each input into actions.
//! Rule numbers (R1-R16) refer to `docs/spec.md`. What a SystemStatus does lives in
//! `status.rs` (R5, R15), keep-alive in `keepalive.rs` (R14, R16).

use alloc::vec::Vec;
use core::fmt;

use crate::{
    Action, ClientEvent, CloseReason, Config, ConfigError, ConnId, Event, Instant, LinkId,
    LogRecord, LogText, LossCause, Mark, Role, Timer,
};

/// Where one link stands. Open states, in the order a link passes through them:
/// `Connecting` → `Associating` → `AwaitingStatus` → `Operational` → `Active`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum LinkState {
    /// No connection.
    Closed,
    /// TCP open requested, not yet accepted (waiting).
    Connecting,
    /// TCP accepted, association request sent (waiting).
    Associating,
    /// Association accepted, no `normal` SystemStatus yet (waiting; the link is
    /// *established*). Under the default R5 policy a link stays here through any other
    /// value until `normal` arrives or `connect-tout` ends the procedure.
    AwaitingStatus,
    /// Reported `normal`; a candidate for activation.
    Operational,
    /// The selected link, used for all CTI traffic.
    Active,
}

impl LinkState {
    /// Whether the link has a connection (every state but `Closed`).
    pub const fn is_open(self) -> bool {
        !matches!(self, LinkState::Closed)
    }

    /// Whether the link is *waiting* ("in the queue"): open but not yet operational.
    pub const fn is_waiting(self) -> bool {
        matches!(
            self,
            LinkState::Connecting | LinkState::Associating | LinkState::AwaitingStatus
        )
    }

    /// A short name for logs and timelines.
    pub const fn as_str(self) -> &'static str {
        match self {
            LinkState::Closed => "closed",
            LinkState::Connecting => "connecting",
            LinkState::Associating => "associating",
            LinkState::AwaitingStatus => "awaiting-status",
            LinkState::Operational => "operational",
            LinkState::Active => "active",
        }
    }
}

impl fmt::Display for LinkState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The server-wide phase: what the core is doing now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Phase {
    /// Constructed, not started: waiting for [`Event::Start`].
    Idle,
    /// A connection procedure is running, bounded by `connect-tout`.
    Selecting,
    /// A link is active.
    Active(LinkId),
    /// The active link failed; waiting for the link restart timeout (R10).
    Restarting,
    /// Shut down; every input is ignored.
    Stopped,
}

/// Why an input changed nothing. Ignoring is the specified behaviour for these
/// inputs, not an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ignored {
    /// The connection was closed by the core or superseded by a newer open.
    StaleConnection,
    /// The input does not apply to the link's current state (a duplicate, or out of order).
    UnexpectedInLinkState(LinkState),
    /// The timer is not armed, or armed for later than `now` (early or cancelled).
    TimerNotDue(Timer),
    /// [`Event::Start`] after the core has started.
    AlreadyStarted,
    /// A connection or timer input before [`Event::Start`].
    NotStarted,
    /// The role given is the role the server already has.
    SameRole,
    /// The core has shut down.
    Stopped,
}

/// What [`LinkCore::step`] made of an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The input was handled (it may still have produced no action).
    Applied,
    /// The input was ignored, and why.
    Ignored(Ignored),
}

/// An input the core refuses. The core's state is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StepError {
    /// `now` is earlier than an instant the core has already been given. Rejecting
    /// (rather than clamping) surfaces the runtime's clock bug at its source.
    TimeWentBackwards {
        /// The instant given.
        now: Instant,
        /// The latest instant the core has seen.
        latest: Instant,
    },
    /// The input names a link the configuration does not have.
    UnknownLink(LinkId),
    /// An [`Event::OptionChanged`] holds a value its option does not allow.
    OptionOutOfRange(crate::OptionChange),
    /// `now` is so close to the end of [`Instant`]'s range that a timer armed from it
    /// could not be later than `now` (it would be due forever).
    TimeOutOfRange {
        /// The instant given.
        now: Instant,
    },
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::TimeWentBackwards { now, latest } => {
                write!(f, "time went backwards: given {now}, already at {latest}")
            }
            StepError::UnknownLink(link) => write!(f, "no configured link has id {link}"),
            StepError::OptionOutOfRange(change) => match Config::check_option(*change) {
                Err(error) => write!(f, "option change refused: {error}"),
                Ok(()) => write!(f, "option change refused: {change}"),
            },
            StepError::TimeOutOfRange { now } => {
                write!(
                    f,
                    "time {now} is too close to the end of the clock's range to arm timers"
                )
            }
        }
    }
}

impl core::error::Error for StepError {}

/// Per-link bookkeeping.
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    /// Generation of the current (or last) connection; 0 before the first open.
    pub(crate) generation: u32,
    pub(crate) state: LinkState,
    /// The priority the current connection was opened with (R13: a change applies at
    /// the next open).
    pub(crate) conn_priority: i32,
    /// Position in the order of `normal` reports during the current procedure (I4).
    pub(crate) normal_order: u64,
    /// Opened during the current procedure (a link is tried at most once per procedure).
    pub(crate) tried: bool,
    /// The queue rank of `conn_priority` (cached so that no event searches for it).
    pub(crate) rank: u32,
    /// The queue rank of the configured priority (what the next open will use).
    pub(crate) configured_rank: u32,
    /// Reported a warning status since it was validated, not yet `normal` again (R15).
    pub(crate) warned: bool,
    /// A withdrawn candidate (R15): validated, then a failure status; waiting again for
    /// `normal`. The only waiting link I4 lets sit at or below an operational one.
    pub(crate) withdrawn: bool,
}

/// The link-selection state machine of one CTI server: which links to open, which one
/// to make active, when to fail over.
///
/// # Driving contract
///
/// `LinkCore` does no I/O and reads no clock. Its runtime (a real event loop, a
/// simulator, a test) does this:
///
/// 1. Build it with [`LinkCore::new`], then feed [`Event::Start`].
/// 2. Feed every input with [`step`](Self::step) (or [`step_into`](Self::step_into),
///    which appends to a buffer the caller reuses). `now` is the runtime's monotonic
///    time; it must never go backwards ([`StepError::TimeWentBackwards`], state
///    unchanged). Connection events carry the [`ConnId`] from the
///    [`Action::Open`] that started the connection.
/// 3. Carry out the returned [`Action`]s in order: open and close connections, send
///    requests, write logs, notify clients, report to the Management Layer, and arm
///    or cancel timers.
/// 4. When a timer's deadline passes, feed [`Event::TimerExpired`]. Instead of tracking
///    [`Action::ArmTimer`], a runtime may sleep until [`next_deadline`](Self::next_deadline)
///    and feed the timer it names. A firing that is early, or of a timer cancelled or
///    re-armed since, is ignored, so a sloppy timer wheel cannot corrupt the state;
///    after a due timer is handled, the next deadline is always later (no busy loop).
///
/// Inputs for connections the core has already closed are ignored
/// ([`Outcome::Ignored`]); inputs naming a link that does not exist are refused
/// ([`StepError::UnknownLink`]). Nothing panics on any input (I9). In debug builds
/// [`check_invariants`](Self::check_invariants) runs after every step.
///
/// # Example
///
/// ```
/// use core::time::Duration;
/// use link_core::{Action, Config, Event, Instant, LinkConfig, LinkCore, LinkState, SystemStatus};
///
/// let config = Config::new([
///     LinkConfig::new("CSTA_A").with_priority(10),
///     LinkConfig::new("CSTA_B").with_priority(5),
/// ]);
/// let mut core = LinkCore::new(config).unwrap();
/// let mut now = Instant::ZERO;
///
/// // R1: a standalone server opens every link.
/// let actions = core.step(now, Event::Start).unwrap();
/// let opens: Vec<_> = actions.iter().filter_map(|a| match a {
///     Action::Open(conn) => Some(*conn),
///     _ => None,
/// }).collect();
/// assert_eq!(opens.len(), 2);
///
/// // CSTA_A comes up: accepted, associated, reports normal.
/// let a = opens[0];
/// now = now + Duration::from_millis(10);
/// core.step(now, Event::TcpAccepted(a)).unwrap();
/// core.step(now, Event::AssociationAccepted(a)).unwrap();
/// let actions = core.step(now, Event::SystemStatus(a, SystemStatus::Normal)).unwrap();
///
/// // R7: it is the highest priority, so it is selected at once and B is closed.
/// assert_eq!(core.active_link(), Some(a.link));
/// assert_eq!(core.link_state(opens[1].link), Some(LinkState::Closed));
/// let log = actions.iter().find_map(|a| match a {
///     Action::Log(record) if record.number() == Some(35115) => Some(core.log_text(record).to_string()),
///     _ => None,
/// });
/// assert_eq!(log.as_deref(), Some("STANDARD CTI link CSTA_A with priority 10 is selected"));
/// ```
#[derive(Debug)]
pub struct LinkCore {
    pub(crate) config: Config,
    pub(crate) slots: Vec<Slot>,
    pub(crate) phase: Phase,
    pub(crate) timers: [Option<Instant>; Timer::COUNT],
    /// The latest `now` seen.
    pub(crate) latest: Instant,
    /// Counter behind [`Slot::normal_order`].
    pub(crate) normal_count: u64,
    pub(crate) keepalive: crate::keepalive::KeepAlive,
    /// Cached [`Config::highest_priority`].
    pub(crate) highest_priority: i32,
    /// The link clients were last told is connected (I6).
    pub(crate) clients_connected: Option<LinkId>,
    /// A deliberate bug to plant (tests of the checkers only).
    #[cfg(feature = "planted-bugs")]
    pub(crate) planted: Option<crate::PlantedBug>,
    /// [`crate::PlantedBug::PromotedWhileRestartingOpensAsBackup`]: the next procedure
    /// opens links as a backup would.
    #[cfg(feature = "planted-bugs")]
    pub(crate) planted_restart_as_backup: bool,
    /// A debug build skips its invariant check after each step (tests of the outside
    /// checkers only: [`LinkCore::without_self_checks`]).
    #[cfg(feature = "planted-bugs")]
    pub(crate) self_checks_off: bool,
    /// Waiting links by priority (R6, R7 in constant time).
    pub(crate) queue: crate::queue::Queue,
    /// The best operational link (highest priority, then earliest `normal`), kept up to
    /// date as links change state.
    pub(crate) best_operational: Option<usize>,
    /// How many links are open, kept up to date as links change state.
    pub(crate) open_count: u32,
    /// How often each rule's decision was taken (feature `coverage-marks`).
    #[cfg(feature = "coverage-marks")]
    pub(crate) marks: crate::MarkCounts,
}

/// `clone_from` copies field by field into the buffers the core already has: a kept
/// core reset from a template of the same shape allocates nothing (the derived
/// `clone_from` rebuilt every buffer, 1,028 allocations at 1,024 links).
impl Clone for LinkCore {
    fn clone(&self) -> Self {
        LinkCore {
            config: self.config.clone(),
            slots: self.slots.clone(),
            phase: self.phase,
            timers: self.timers,
            latest: self.latest,
            normal_count: self.normal_count,
            keepalive: self.keepalive,
            highest_priority: self.highest_priority,
            clients_connected: self.clients_connected,
            #[cfg(feature = "planted-bugs")]
            planted: self.planted,
            #[cfg(feature = "planted-bugs")]
            planted_restart_as_backup: self.planted_restart_as_backup,
            #[cfg(feature = "planted-bugs")]
            self_checks_off: self.self_checks_off,
            queue: self.queue.clone(),
            best_operational: self.best_operational,
            open_count: self.open_count,
            #[cfg(feature = "coverage-marks")]
            marks: self.marks,
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.config.clone_from(&source.config);
        self.slots.clone_from(&source.slots);
        self.phase = source.phase;
        self.timers = source.timers;
        self.latest = source.latest;
        self.normal_count = source.normal_count;
        self.keepalive = source.keepalive;
        self.highest_priority = source.highest_priority;
        self.clients_connected = source.clients_connected;
        #[cfg(feature = "planted-bugs")]
        {
            self.planted = source.planted;
            self.planted_restart_as_backup = source.planted_restart_as_backup;
            self.self_checks_off = source.self_checks_off;
        }
        self.queue.clone_from(&source.queue);
        self.best_operational = source.best_operational;
        self.open_count = source.open_count;
        #[cfg(feature = "coverage-marks")]
        {
            self.marks = source.marks;
        }
    }
}

impl LinkCore {
    /// A core for `config`, not yet started. The role is `config.role`.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        config.validate()?;
        let queue = crate::queue::Queue::new(
            config.links.len(),
            config
                .links
                .iter()
                .map(crate::LinkConfig::effective_priority),
        );
        let slots = config
            .links
            .iter()
            .map(|link| Slot {
                generation: 0,
                state: LinkState::Closed,
                conn_priority: link.effective_priority(),
                normal_order: 0,
                tried: false,
                rank: 0,
                configured_rank: 0,
                warned: false,
                withdrawn: false,
            })
            .collect();
        let mut core = LinkCore {
            highest_priority: config.highest_priority(),
            config,
            slots,
            phase: Phase::Idle,
            timers: [None; Timer::COUNT],
            latest: Instant::ZERO,
            normal_count: 0,
            keepalive: crate::keepalive::KeepAlive::default(),
            clients_connected: None,
            queue,
            best_operational: None,
            open_count: 0,
            #[cfg(feature = "planted-bugs")]
            planted: None,
            #[cfg(feature = "planted-bugs")]
            planted_restart_as_backup: false,
            #[cfg(feature = "planted-bugs")]
            self_checks_off: false,
            #[cfg(feature = "coverage-marks")]
            marks: crate::MarkCounts::default(),
        };
        core.cache_ranks();
        Ok(core)
    }

    /// The same core with a deliberate bug planted (feature `planted-bugs`, tests only).
    #[cfg(feature = "planted-bugs")]
    pub fn with_planted_bug(mut self, bug: crate::PlantedBug) -> Self {
        self.planted = Some(bug);
        self
    }

    /// The same core without its debug build's invariant check after each step
    /// (feature `planted-bugs`, tests only): so that a test proves an outside checker
    /// catches a planted bug on its own, not after the core's own check panicked.
    #[cfg(feature = "planted-bugs")]
    pub fn without_self_checks(mut self) -> Self {
        self.self_checks_off = true;
        self
    }

    /// Whether [`without_self_checks`](Self::without_self_checks) was asked for.
    #[cfg(debug_assertions)]
    fn self_checks_are_off(&self) -> bool {
        #[cfg(feature = "planted-bugs")]
        return self.self_checks_off;
        #[cfg(not(feature = "planted-bugs"))]
        false
    }

    /// Whether `bug` is planted in this core; always false without the feature.
    #[inline(always)]
    pub(crate) fn bug(&self, bug: crate::PlantedBug) -> bool {
        #[cfg(feature = "planted-bugs")]
        return self.planted == Some(bug);
        #[cfg(not(feature = "planted-bugs"))]
        {
            let _ = bug;
            false
        }
    }

    /// Counts one `mark` (feature `coverage-marks`; nothing without it).
    #[inline(always)]
    pub(crate) fn mark(&mut self, mark: crate::Mark) {
        #[cfg(feature = "coverage-marks")]
        self.marks.hit(mark);
        #[cfg(not(feature = "coverage-marks"))]
        let _ = mark;
    }

    /// How often this core took each rule's decision since it was made (all zero
    /// without the `coverage-marks` feature: see [`crate::MARKS_ENABLED`]).
    pub fn marks(&self) -> crate::MarkCounts {
        #[cfg(feature = "coverage-marks")]
        return self.marks;
        #[cfg(not(feature = "coverage-marks"))]
        crate::MarkCounts::default()
    }

    /// [`marks`](Self::marks), and the counts start again at zero: for a checker that
    /// keeps many copies of a core and counts each transition once.
    pub fn take_marks(&mut self) -> crate::MarkCounts {
        #[cfg(feature = "coverage-marks")]
        return core::mem::take(&mut self.marks);
        #[cfg(not(feature = "coverage-marks"))]
        crate::MarkCounts::default()
    }

    /// Handles one input at `now` and returns the actions to carry out, in order.
    /// Allocates a new vector; see [`step_into`](Self::step_into) to reuse one.
    pub fn step(&mut self, now: Instant, event: Event) -> Result<Vec<Action>, StepError> {
        let mut actions = Vec::new();
        self.step_into(now, event, &mut actions)?;
        Ok(actions)
    }

    /// Handles one input at `now`, appending the actions to `actions` (which is not
    /// cleared). Returns whether the input was applied or ignored, and why.
    pub fn step_into(
        &mut self,
        now: Instant,
        event: Event,
        actions: &mut Vec<Action>,
    ) -> Result<Outcome, StepError> {
        if now < self.latest {
            return Err(StepError::TimeWentBackwards {
                now,
                latest: self.latest,
            });
        }
        let changes = match event {
            Event::OptionChanged(change) => Some(crate::OptionChanges::from(change)),
            Event::OptionsChanged(changes) => Some(changes),
            _ => None,
        };
        let mut longest = self.config.longest_timer();
        for change in changes.iter().flat_map(crate::OptionChanges::each) {
            Config::check_option(change).map_err(|_| StepError::OptionOutOfRange(change))?;
            if let crate::OptionChange::ConnectTimeout(value)
            | crate::OptionChange::KeepaliveInterval(value) = change
            {
                longest = longest.max(value);
            }
        }
        if now.saturating_add(longest) == Instant::from_nanos(u64::MAX) {
            return Err(StepError::TimeOutOfRange { now });
        }
        if let Some(link) = event.link() {
            if link.index() >= self.slots.len() {
                return Err(StepError::UnknownLink(link));
            }
        }
        self.latest = now;
        let outcome = self.handle(now, event, actions);
        #[cfg(debug_assertions)]
        if !self.self_checks_are_off() {
            let mut buffer = core::mem::take(&mut self.queue.check_buffer);
            let checked = self.check_invariants_in(&mut buffer);
            self.queue.check_buffer = buffer;
            if let Err(violation) = checked {
                panic!("link-core invariant violated after {event:?} at {now}: {violation}");
            }
        }
        Ok(outcome)
    }

    /// The earliest armed timer and its deadline, if any: when to call
    /// [`step`](Self::step) with [`Event::TimerExpired`] next.
    pub fn next_deadline(&self) -> Option<(Instant, Timer)> {
        Timer::ALL
            .iter()
            .filter_map(|&timer| self.timers[timer.index()].map(|at| (at, timer)))
            .min()
    }

    /// The deadline of `timer`, if armed.
    pub fn deadline(&self, timer: Timer) -> Option<Instant> {
        self.timers[timer.index()]
    }

    /// The active link, if any.
    pub fn active_link(&self) -> Option<LinkId> {
        match self.phase {
            Phase::Active(link) => Some(link),
            _ => None,
        }
    }

    /// The state of `link`, or `None` if there is no such link.
    pub fn link_state(&self, link: LinkId) -> Option<LinkState> {
        self.slots.get(link.index()).map(|slot| slot.state)
    }

    /// The open connection of `link`, if it has one.
    pub fn connection(&self, link: LinkId) -> Option<ConnId> {
        let slot = self.slots.get(link.index())?;
        slot.state.is_open().then_some(ConnId {
            link,
            generation: slot.generation,
        })
    }

    /// The priority `link`'s current connection was opened with, or its configured
    /// priority when it is closed.
    pub fn link_priority(&self, link: LinkId) -> Option<i32> {
        let slot = self.slots.get(link.index())?;
        Some(if slot.state.is_open() {
            slot.conn_priority
        } else {
            self.config.links[link.index()].effective_priority()
        })
    }

    /// How many links have an open connection (in constant time: a runtime or a
    /// checker can compare it with the connections it holds after every step).
    pub fn open_links(&self) -> usize {
        self.open_count as usize
    }

    /// The server's current role.
    pub fn role(&self) -> Role {
        self.config.role
    }

    /// What the core is doing now.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The configuration, with any reconfiguration applied.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The link named `name`, if configured.
    pub fn link_id(&self, name: &str) -> Option<LinkId> {
        let index = self
            .config
            .links
            .iter()
            .position(|link| link.name == name)?;
        u16::try_from(index).ok().map(LinkId::new)
    }

    /// The name of `link`, if configured.
    pub fn link_name(&self, link: LinkId) -> Option<&str> {
        self.config.link_name(link)
    }

    /// Every link id, in configuration order.
    pub fn link_ids(&self) -> impl Iterator<Item = LinkId> + '_ {
        (0..self.slots.len()).map(|index| LinkId::new(index as u16))
    }

    /// `record` as text, with this core's link names.
    pub fn log_text<'a>(&'a self, record: &'a LogRecord) -> LogText<'a> {
        record.text(&self.config)
    }

    /// The active link's keep-alive failure counter (R14): unanswered requests, less
    /// one per `kpl-loss-rate` failure rate of positive answers.
    pub fn keepalive_failures(&self) -> u8 {
        self.keepalive.failures
    }

    /// The active link's keep-alive warning counter (R14), or `None` when
    /// `kpl-loss-rate` is a single value (no warning counter).
    pub fn keepalive_warnings(&self) -> Option<u32> {
        self.config
            .keepalive_loss_rate
            .warning_every()
            .map(|_| self.keepalive.warnings)
    }

    /// Whether a keep-alive request is out on the active link and not answered yet
    /// (R14): the next expiry of the keep-alive timer counts it as a miss.
    pub fn keepalive_outstanding(&self) -> bool {
        matches!(self.phase, Phase::Active(_)) && self.keepalive.outstanding
    }

    // ----- dispatch -----

    fn handle(&mut self, now: Instant, event: Event, out: &mut Vec<Action>) -> Outcome {
        if self.phase == Phase::Stopped {
            return Outcome::Ignored(Ignored::Stopped);
        }
        match event {
            Event::Start => self.on_start(now, out),
            Event::Shutdown => self.on_shutdown(out),
            Event::RoleChanged(role) => self.on_role_changed(now, role, out),
            Event::Reconfigured { link, priority } => {
                self.on_reconfigured(now, link, priority, out)
            }
            Event::TimerExpired(timer) => self.on_timer(now, timer, out),
            Event::OptionChanged(change) => self.on_options_changed(now, change.into(), out),
            Event::OptionsChanged(changes) => self.on_options_changed(now, changes, out),
            _ if self.phase == Phase::Idle => Outcome::Ignored(Ignored::NotStarted),
            Event::TcpAccepted(conn) => self.on_conn(conn, |core, i| core.on_tcp_accepted(i, out)),
            Event::TcpRefused(conn) => {
                self.on_conn(conn, |core, i| core.on_tcp_refused(now, i, out))
            }
            Event::TcpClosed(conn) => self.on_conn(conn, |core, i| core.on_tcp_closed(now, i, out)),
            Event::AssociationAccepted(conn) => {
                self.on_conn(conn, |core, i| core.on_association_accepted(i, out))
            }
            Event::AssociationRejected(conn) => {
                self.on_conn(conn, |core, i| core.on_association_rejected(now, i, out))
            }
            Event::SystemStatus(conn, status) => {
                self.on_conn(conn, |core, i| core.on_system_status(now, i, status, out))
            }
            Event::KeepAliveAnswered(conn) => {
                self.on_conn(conn, |core, i| core.on_keepalive_answer(now, i, out))
            }
            Event::KeepAliveRejected(conn) => {
                self.on_conn(conn, |core, i| core.on_keepalive_rejected(now, i, out))
            }
            Event::MessageReceived(conn) => {
                self.on_conn(conn, |core, i| core.on_message(now, i, out))
            }
        }
    }

    /// Runs `handler` for the link of `conn` if `conn` is its current, open connection.
    fn on_conn(
        &mut self,
        conn: ConnId,
        handler: impl FnOnce(&mut Self, usize) -> Outcome,
    ) -> Outcome {
        let index = conn.link.index();
        let slot = &self.slots[index];
        if !slot.state.is_open() || slot.generation != conn.generation {
            return Outcome::Ignored(Ignored::StaleConnection);
        }
        handler(self, index)
    }

    pub(crate) fn unexpected(&self, index: usize) -> Outcome {
        Outcome::Ignored(Ignored::UnexpectedInLinkState(self.slots[index].state))
    }

    // ----- inputs -----

    fn on_start(&mut self, now: Instant, out: &mut Vec<Action>) -> Outcome {
        if self.phase != Phase::Idle {
            return Outcome::Ignored(Ignored::AlreadyStarted);
        }
        self.begin_procedure(now, out);
        Outcome::Applied
    }

    /// R3: accepted TCP connection → send the association request.
    fn on_tcp_accepted(&mut self, index: usize, out: &mut Vec<Action>) -> Outcome {
        if self.slots[index].state != LinkState::Connecting {
            return self.unexpected(index);
        }
        self.set_state(index, LinkState::Associating);
        out.push(Action::SendAssociationRequest(self.conn_id(index)));
        Outcome::Applied
    }

    /// R3: a refused connect takes the link out of the queue.
    fn on_tcp_refused(&mut self, now: Instant, index: usize, out: &mut Vec<Action>) -> Outcome {
        if self.slots[index].state != LinkState::Connecting {
            return self.unexpected(index);
        }
        self.set_state(index, LinkState::Closed);
        self.mark(Mark::Refused);
        out.push(Action::Log(LogRecord::LinkRefused {
            link: link_id(index),
        }));
        self.evaluate(now, out);
        Outcome::Applied
    }

    /// R4 (a waiting link's connection closes) and R10 (the active link's does).
    fn on_tcp_closed(&mut self, now: Instant, index: usize, out: &mut Vec<Action>) -> Outcome {
        if self.slots[index].state == LinkState::Active {
            self.set_state(index, LinkState::Closed);
            self.lose_active(now, index, LossCause::ConnectionClosed, out);
            return Outcome::Applied;
        }
        self.set_state(index, LinkState::Closed);
        self.mark(Mark::ClosedByPeerWhileWaiting);
        out.push(Action::Log(LogRecord::LinkClosedByPeer {
            link: link_id(index),
        }));
        self.evaluate(now, out);
        Outcome::Applied
    }

    /// R4: the association response makes the link established.
    fn on_association_accepted(&mut self, index: usize, out: &mut Vec<Action>) -> Outcome {
        if self.slots[index].state != LinkState::Associating {
            return self.unexpected(index);
        }
        self.set_state(index, LinkState::AwaitingStatus);
        out.push(Action::Log(LogRecord::LinkEstablished {
            link: link_id(index),
        }));
        Outcome::Applied
    }

    /// R4: a negative association response takes the link out of the queue.
    fn on_association_rejected(
        &mut self,
        now: Instant,
        index: usize,
        out: &mut Vec<Action>,
    ) -> Outcome {
        if self.slots[index].state != LinkState::Associating {
            return self.unexpected(index);
        }
        self.mark(Mark::AssociationRejected);
        out.push(Action::Log(LogRecord::AssociationRejected {
            link: link_id(index),
        }));
        self.close(index, CloseReason::AssociationRejected, out);
        self.evaluate(now, out);
        Outcome::Applied
    }

    fn on_timer(&mut self, now: Instant, timer: Timer, out: &mut Vec<Action>) -> Outcome {
        match self.timers[timer.index()] {
            Some(at) if at <= now => {}
            _ => return Outcome::Ignored(Ignored::TimerNotDue(timer)),
        }
        self.timers[timer.index()] = None;
        match timer {
            Timer::ConnectTimeout => self.on_connect_timeout(now, out),
            Timer::RestartDelay => {
                self.mark(Mark::Restarted);
                self.begin_procedure(now, out);
            }
            Timer::KeepAlive => self.on_keepalive_due(now, out),
        }
        Outcome::Applied
    }

    /// R8: activate the best operational link, or start over at once.
    fn on_connect_timeout(&mut self, now: Instant, out: &mut Vec<Action>) {
        if let Some(best) = self.best_operational() {
            self.mark(Mark::ExpirySelects);
            self.activate(now, best, out);
            return;
        }
        self.mark(Mark::ExpiryStartsOver);
        out.push(Action::Log(LogRecord::NoOperationalLink));
        self.close_open_links(CloseReason::ConnectTimeout, out);
        if self.bug(crate::PlantedBug::GivesUpWhenNothingOperational) {
            self.phase = Phase::Idle;
            return;
        }
        self.begin_procedure(now, out);
    }

    /// R11: a role change takes effect at once.
    fn on_role_changed(&mut self, now: Instant, role: Role, out: &mut Vec<Action>) -> Outcome {
        if role == self.config.role {
            return Outcome::Ignored(Ignored::SameRole);
        }
        let from = self.config.role;
        self.plant_restart_as_backup(from);
        self.config.role = role;
        out.push(Action::Log(LogRecord::RoleChanged { from, to: role }));
        if role == Role::Backup {
            self.mark(Mark::Demoted);
            self.enforce_backup_restriction(now, out);
        } else if self.phase == Phase::Selecting {
            // R11: open the links a backup did not open in this procedure.
            if self.open_untried_links(out) > 0 {
                self.mark(Mark::PromotionOpensTheRest);
            }
            self.evaluate(now, out);
        }
        Outcome::Applied
    }

    /// R13: a change to the active link drops it; any other applies at its next open.
    fn on_reconfigured(
        &mut self,
        now: Instant,
        link: LinkId,
        priority: Option<i32>,
        out: &mut Vec<Action>,
    ) -> Outcome {
        let index = link.index();
        self.config.links[index].priority = priority;
        self.highest_priority = self.config.highest_priority();
        // The new priority may be one the queue has no rank for yet; open connections
        // keep theirs (R13), so they need ranks too.
        let configured = self
            .config
            .links
            .iter()
            .map(crate::LinkConfig::effective_priority);
        let open = self
            .slots
            .iter()
            .filter(|s| s.state.is_open())
            .map(|s| s.conn_priority);
        let waiting = self
            .slots
            .iter()
            .filter(|s| s.state.is_waiting())
            .map(|s| s.conn_priority);
        self.queue.rebuild(configured.chain(open), waiting);
        self.cache_ranks();
        let was_active = self.phase == Phase::Active(link);
        out.push(Action::Log(LogRecord::LinkReconfigured {
            link,
            was_active,
        }));
        self.mark(if was_active {
            Mark::ActiveReconfigured
        } else {
            Mark::OtherReconfigured
        });
        if was_active {
            self.close(index, CloseReason::Reconfigured, out);
            self.leave_active(link, out);
            self.begin_procedure(now, out);
        } else if self.config.role == Role::Backup {
            self.enforce_backup_restriction(now, out);
        }
        Outcome::Applied
    }

    fn on_shutdown(&mut self, out: &mut Vec<Action>) -> Outcome {
        if let Phase::Active(link) = self.phase {
            self.close(link.index(), CloseReason::Shutdown, out);
            self.leave_active(link, out);
        }
        self.close_open_links(CloseReason::Shutdown, out);
        for timer in Timer::ALL {
            self.cancel(timer, out);
        }
        self.phase = Phase::Stopped;
        out.push(Action::Log(LogRecord::Shutdown));
        Outcome::Applied
    }

    // ----- procedure -----

    /// R1/R2: open the links the role allows and arm `connect-tout`.
    fn begin_procedure(&mut self, now: Instant, out: &mut Vec<Action>) {
        self.phase = Phase::Selecting;
        for slot in &mut self.slots {
            slot.tried = false;
        }
        let log_at = out.len();
        out.push(Action::Log(LogRecord::ProcedureStarted {
            role: self.config.role,
            links_opened: 0,
        }));
        let mut opened: u16 = 0;
        for index in 0..self.slots.len() {
            if self.slots[index].state != LinkState::Closed {
                continue;
            }
            if self.role_may_open(index) {
                self.open(index, out);
                opened += 1;
            } else {
                self.mark(Mark::BackupOpensHighestOnly);
            }
        }
        if self.config.role != Role::Backup && opened > 0 {
            self.mark(Mark::ProcedureOpensEveryLink);
        }
        out[log_at] = Action::Log(LogRecord::ProcedureStarted {
            role: self.config.role,
            links_opened: opened,
        });
        #[cfg(feature = "planted-bugs")]
        {
            self.planted_restart_as_backup = false;
        }
        self.arm(
            Timer::ConnectTimeout,
            now + self.config.connect_timeout,
            out,
        );
    }

    /// R5/R6: the link is operational; close every waiting link of the same or lower
    /// priority (so among equals the first to report `normal` wins).
    pub(crate) fn become_operational(&mut self, index: usize, out: &mut Vec<Action>) {
        self.normal_count += 1;
        self.slots[index].normal_order = self.normal_count;
        self.set_state(index, LinkState::Operational);
        if self
            .best_operational
            .is_none_or(|best| self.better(index, best))
        {
            self.best_operational = Some(index);
        }
        let priority = self.slots[index].conn_priority;
        out.push(Action::Log(LogRecord::LinkOperational {
            link: link_id(index),
        }));
        // Scan only when something is there to close (R6 closes in configuration order).
        let threshold = self
            .planted_r6_threshold(priority)
            .unwrap_or(Some(priority));
        if let Some(threshold) = threshold.filter(|&t| self.queue.any_at_or_below(t)) {
            for other in 0..self.slots.len() {
                let other_priority = self.slots[other].conn_priority;
                if self.slots[other].state.is_waiting() && other_priority <= threshold {
                    self.mark(if other_priority == priority {
                        Mark::TieFirstNormalWins
                    } else {
                        Mark::LowerSuperseded
                    });
                    self.close(other, CloseReason::Superseded, out);
                }
            }
        }
    }

    /// R7: during a procedure, activate the best operational link as soon as no link
    /// of higher priority is still waiting (here: after a link left the queue or the
    /// role changed).
    pub(crate) fn evaluate(&mut self, now: Instant, out: &mut Vec<Action>) {
        self.evaluate_marked(now, Mark::SelectedAfterHigherLeft, out);
    }

    /// [`evaluate`](Self::evaluate), counting an activation as `selected`.
    pub(crate) fn evaluate_marked(&mut self, now: Instant, selected: Mark, out: &mut Vec<Action>) {
        if self.phase != Phase::Selecting {
            return;
        }
        let Some(best) = self.best_operational else {
            return;
        };
        let priority = self.slots[best].conn_priority;
        let higher_waiting =
            self.queue.any_above(priority) && !self.bug(crate::PlantedBug::WaitingHigherIgnored);
        if higher_waiting {
            self.mark(Mark::HeldByHigherWaiting);
        } else {
            self.mark(selected);
            self.activate(now, best, out);
        }
    }

    /// Re-derives every link's cached ranks from the queue (at construction and after
    /// a reconfiguration rebuilt the ranks).
    fn cache_ranks(&mut self) {
        for index in 0..self.slots.len() {
            let configured = self.queue.rank(self.configured_priority(index));
            let open = self.slots[index].state.is_open();
            let current = if open {
                self.queue.rank(self.slots[index].conn_priority)
            } else {
                configured
            };
            let slot = &mut self.slots[index];
            slot.configured_rank = configured;
            slot.rank = current;
        }
    }

    /// The best operational link, from the cache.
    pub(crate) fn best_operational(&self) -> Option<usize> {
        self.best_operational
    }

    /// Whether operational link `a` beats operational link `b`: higher priority, then
    /// the earlier `normal` (the tie rule, R6).
    pub(crate) fn better(&self, a: usize, b: usize) -> bool {
        let planted = self.planted_tie_order(a, b);
        let (a, b) = (&self.slots[a], &self.slots[b]);
        // The tie is unreachable in a correct core: R6 closes every waiting link of the
        // same priority when one turns operational, and a link becomes operational only
        // from waiting, so two operational links never share a priority (I4). The
        // planted bug `TieWonByLastNormal` reaches it.
        let earlier = planted.unwrap_or(a.normal_order < b.normal_order);
        a.conn_priority > b.conn_priority || (a.conn_priority == b.conn_priority && earlier)
    }

    /// Moves link `index` to `state`, keeping the queue and the best operational link
    /// up to date. Every state change goes through here.
    pub(crate) fn set_state(&mut self, index: usize, state: LinkState) {
        let old = self.slots[index].state;
        let rank = self.slots[index].rank;
        match (old.is_waiting(), state.is_waiting()) {
            (true, false) => self.queue.remove(rank),
            (false, true) => self.queue.add(rank),
            _ => {}
        }
        self.slots[index].state = state;
        if state != LinkState::AwaitingStatus {
            self.slots[index].withdrawn = false;
        }
        match (old.is_open(), state.is_open()) {
            (true, false) => self.open_count -= 1,
            (false, true) => self.open_count += 1,
            _ => {}
        }
        if old == LinkState::Operational
            && state != LinkState::Operational
            && self.best_operational == Some(index)
        {
            self.best_operational = self.scan_best_operational();
        }
    }

    /// The best operational link, by scanning (when the cached one leaves).
    pub(crate) fn scan_best_operational(&self) -> Option<usize> {
        (0..self.slots.len())
            .filter(|&i| self.slots[i].state == LinkState::Operational)
            .reduce(|best, i| if self.better(i, best) { i } else { best })
    }

    /// R7: make the link active: log 35115, tell the clients, close the rest, stop
    /// `connect-tout`, start keep-alive (R14).
    pub(crate) fn activate(&mut self, now: Instant, index: usize, out: &mut Vec<Action>) {
        debug_assert_eq!(self.slots[index].state, LinkState::Operational, "I2");
        let link = link_id(index);
        self.set_state(index, LinkState::Active);
        self.phase = Phase::Active(link);
        out.push(Action::Log(LogRecord::LinkSelected {
            link,
            priority: self.slots[index].conn_priority,
        }));
        out.push(Action::NotifyClients(ClientEvent::LinkConnected { link }));
        self.clients_connected = Some(link);
        self.close_open_links(CloseReason::NotSelected, out);
        self.cancel(Timer::ConnectTimeout, out);
        self.keepalive = crate::keepalive::KeepAlive::default();
        if self.keepalive_enabled() {
            self.arm(Timer::KeepAlive, now + self.config.keepalive_interval, out);
        }
    }

    /// The active link is no longer active (its connection is already closed): stop
    /// keep-alive and tell the clients once (I6).
    fn leave_active(&mut self, link: LinkId, out: &mut Vec<Action>) {
        self.cancel(Timer::KeepAlive, out);
        self.keepalive = crate::keepalive::KeepAlive::default();
        out.push(Action::NotifyClients(ClientEvent::LinkDisconnected {
            link,
        }));
        self.clients_connected = None;
        self.phase = Phase::Selecting; // callers move on to the next phase
    }

    /// R10: the active link failed (its connection is already closed).
    pub(crate) fn lose_active(
        &mut self,
        now: Instant,
        index: usize,
        cause: LossCause,
        out: &mut Vec<Action>,
    ) {
        let link = link_id(index);
        self.mark(Mark::ActiveLost);
        out.push(Action::Log(LogRecord::ActiveLinkLost { link, cause }));
        self.leave_active(link, out);
        if self.bug(crate::PlantedBug::DisconnectedSentTwice) {
            out.push(Action::NotifyClients(ClientEvent::LinkDisconnected {
                link,
            }));
        }
        if self.config.role.is_ha() {
            out.push(Action::ReportLinkFailure { link });
        }
        self.phase = Phase::Restarting;
        let at = now + self.config.restart_timeout;
        out.push(Action::Log(LogRecord::RestartScheduled { at }));
        self.arm(Timer::RestartDelay, at, out);
    }

    /// R9 and R11: a backup keeps nothing whose configured priority is below the
    /// highest configured priority. During a procedure it closes such links and opens
    /// the highest ones it has not tried yet (a reconfiguration may have made a new one
    /// the highest).
    fn enforce_backup_restriction(&mut self, now: Instant, out: &mut Vec<Action>) {
        let highest = self.highest_priority;
        match self.phase {
            Phase::Active(link) if self.configured_priority(link.index()) < highest => {
                let priority = self.configured_priority(link.index());
                self.mark(Mark::BackupDropsActive);
                out.push(Action::Log(LogRecord::BackupDropsLowerLink {
                    link,
                    priority,
                    highest,
                }));
                self.close(link.index(), CloseReason::BackupRestriction, out);
                self.leave_active(link, out);
                self.begin_procedure(now, out);
            }
            Phase::Selecting => {
                for index in 0..self.slots.len() {
                    if self.slots[index].state.is_open() && !self.role_may_open(index) {
                        self.mark(Mark::BackupClosesInProcedure);
                        self.close(index, CloseReason::BackupRestriction, out);
                    }
                }
                self.open_untried_links(out);
                self.evaluate(now, out);
            }
            Phase::Active(_) | Phase::Idle | Phase::Restarting | Phase::Stopped => {}
        }
    }

    /// During a procedure, opens every closed link the role allows that was not tried
    /// in this procedure and could still win: its priority is above every operational
    /// link's (R6 would close it at once otherwise). Returns how many it opened.
    fn open_untried_links(&mut self, out: &mut Vec<Action>) -> usize {
        let best_operational = self.best_operational().map(|i| self.slots[i].conn_priority);
        let mut opened = 0;
        for index in 0..self.slots.len() {
            let slot = &self.slots[index];
            if slot.state != LinkState::Closed || slot.tried || !self.role_may_open(index) {
                continue;
            }
            if best_operational.is_none_or(|best| self.configured_priority(index) > best) {
                self.open(index, out);
                opened += 1;
            } else {
                self.mark(Mark::PromotionSkipsLosers);
            }
        }
        opened
    }

    // ----- primitives -----

    fn role_may_open(&self, index: usize) -> bool {
        if let Some(planted) = self.planted_role_may_open(index) {
            return planted;
        }
        self.config.role != Role::Backup || self.configured_priority(index) >= self.highest_priority
    }

    fn configured_priority(&self, index: usize) -> i32 {
        self.config.links[index].effective_priority()
    }

    pub(crate) fn keepalive_enabled(&self) -> bool {
        !self.config.keepalive_interval.is_zero()
    }

    pub(crate) fn conn_id(&self, index: usize) -> ConnId {
        ConnId {
            link: link_id(index),
            generation: self.slots[index].generation,
        }
    }

    /// Opens a closed link with a new generation and its configured priority (I7).
    fn open(&mut self, index: usize, out: &mut Vec<Action>) {
        debug_assert_eq!(
            self.slots[index].state,
            LinkState::Closed,
            "I7: open of an open link"
        );
        let priority = self.configured_priority(index);
        let slot = &mut self.slots[index];
        slot.generation = slot.generation.wrapping_add(1);
        slot.conn_priority = priority;
        slot.rank = slot.configured_rank;
        slot.normal_order = 0;
        slot.tried = true;
        slot.warned = false;
        self.set_state(index, LinkState::Connecting);
        out.push(Action::Open(self.conn_id(index)));
    }

    /// Closes an open link (I7).
    pub(crate) fn close(&mut self, index: usize, reason: CloseReason, out: &mut Vec<Action>) {
        debug_assert!(
            self.slots[index].state.is_open(),
            "I7: close of a closed link"
        );
        self.set_state(index, LinkState::Closed);
        out.push(Action::Close {
            conn: self.conn_id(index),
            reason,
        });
    }

    fn close_open_links(&mut self, reason: CloseReason, out: &mut Vec<Action>) {
        for index in 0..self.slots.len() {
            if self.slots[index].state.is_open() && self.slots[index].state != LinkState::Active {
                self.close(index, reason, out);
            }
        }
    }

    pub(crate) fn arm(&mut self, timer: Timer, at: Instant, out: &mut Vec<Action>) {
        debug_assert!(
            at > self.latest,
            "I8: {timer} armed for {at}, not after now"
        );
        self.timers[timer.index()] = Some(at);
        out.push(Action::ArmTimer { timer, at });
    }

    pub(crate) fn cancel(&mut self, timer: Timer, out: &mut Vec<Action>) {
        if self.timers[timer.index()].take().is_some() {
            out.push(Action::CancelTimer(timer));
        }
    }
}

/// The id of the link at `index` (indices fit: `Config::validate` caps the count).
pub(crate) fn link_id(index: usize) -> LinkId {
    LinkId::new(index as u16)
}

#[cfg(all(test, debug_assertions, feature = "planted-bugs"))]
mod self_check_tests {
    //! A debug build checks every invariant after every step, unless a test of the
    //! outside checkers asked it not to.
    extern crate std;
    use crate::{Config, Event, Instant, LinkConfig, LinkCore};

    /// A started core whose open-link count drifted behind its back (I7 broken).
    fn drifted(core: LinkCore) -> LinkCore {
        let mut core = core;
        core.step(Instant::ZERO, Event::Start).unwrap();
        core.open_count += 1;
        core
    }

    fn config() -> Config {
        Config::new([LinkConfig::new("A"), LinkConfig::new("B")])
    }

    #[test]
    fn a_debug_build_stops_at_a_broken_invariant_unless_asked_not_to() {
        let step = |mut core: LinkCore| {
            std::panic::catch_unwind(move || core.step(Instant::from_secs(1), Event::Shutdown))
        };
        let checked = drifted(LinkCore::new(config()).unwrap());
        assert!(step(checked).is_err(), "the self check panics");
        let unchecked = drifted(LinkCore::new(config()).unwrap().without_self_checks());
        assert!(step(unchecked).is_ok(), "no self check, no panic");
    }
}
