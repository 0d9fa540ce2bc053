//! The model stateright explores: a [`Node`] is one core with the reference model and
//! the action audit beside it, and what the environment has outstanding on each link;
//! an [`Input`] is one thing the environment could deliver in that state, at a time.
//!
//! Time is abstract: messages arrive at the current time (any one of them first), and
//! a timer fires only as the earliest armed one, at its deadline. The environment also
//! delivers what a real one could get wrong: a late input on a connection the core has
//! closed (stale), a firing of a timer that is not armed (cancelled), role changes and
//! shutdown at any moment, and, when its [`Families`](crate::Families) allow,
//! reconfiguration and option changes.
//!
//! Every transition is checked: the core accepts the input (I9), the reference model
//! gives the same outcome and the same actions, `check_invariants` holds, the action
//! audit (I6-I8) holds, and after a timer fires the next deadline is later (no busy
//! loop). A broken transition ends in a state whose `broken` says why, and the search
//! reports the shortest path to it.

use core::hash::{Hash, Hasher};
use core::time::Duration;

use link_core::{
    Action, ActionAudit, ConnId, Event, Fnv1a, Instant, KeepaliveLossRate, LinkCore, LinkId,
    LinkState, OptionChange, Outcome, Role, SystemStatus, Timer,
};
use stateright::{Model, Property};

use crate::setup::{Setup, CONNECT_TIMEOUT};
use link_model::liveness::Recovery;
use link_model::reference::Model as Reference;

/// What the environment has outstanding on one link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conn {
    /// No connection.
    None,
    /// Opened; the TCP connect may be accepted or refused.
    Connecting(ConnId),
    /// Association requested; it may be accepted or rejected, or the peer may close.
    Associating(ConnId),
    /// Association accepted: statuses, traffic and closes may come; `keepalive` is a
    /// request waiting for its answer.
    Established {
        /// The connection.
        conn: ConnId,
        /// A keep-alive request was sent and not answered.
        keepalive: bool,
    },
}

impl Conn {
    /// A number for the stage, for the canonical hash (the connection id names, it
    /// does not decide).
    fn stage(self) -> u8 {
        match self {
            Conn::None => 0,
            Conn::Connecting(_) => 1,
            Conn::Associating(_) => 2,
            Conn::Established { keepalive, .. } => 3 + u8::from(keepalive),
        }
    }
}

/// One input the environment delivers, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Input {
    /// When (the current time, or a timer's deadline).
    pub at: Instant,
    /// What.
    pub event: Event,
}

/// One state of the search.
#[derive(Clone, Debug)]
pub struct Node {
    /// The core under test.
    pub core: LinkCore,
    /// The reference model, fed the same inputs.
    pub reference: Reference,
    /// The action audit (I6-I8 on the action stream).
    pub audit: ActionAudit,
    /// What the environment has outstanding, per link.
    pub conns: Vec<Conn>,
    /// Per link, the last connection the core closed (for stale inputs).
    pub stale: Vec<Option<ConnId>>,
    /// The current time.
    pub now: Instant,
    /// The actions of the transition that led here (for counterexamples).
    pub actions: Vec<Action>,
    /// Why the transition that led here broke a property, if it did.
    pub broken: Option<String>,
    /// Keep-alive requests the environment has left unanswered so far (at most
    /// [`MISS_BUDGET`]).
    pub misses: u8,
    /// The fair environment ([`LinkModel::fair`]): when L1's bound began (the start,
    /// or the one connector death), while no link has been active since.
    pub unrecovered_since: Option<Instant>,
    /// The fair environment: whether its one connector death is still to come.
    pub death_left: bool,
    /// The canonical hash: the core's canonical state and the environment's stages.
    key: u64,
}

impl Hash for Node {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Node {
    fn rekey(&mut self) {
        let mut h = Fnv1a::new();
        self.core.hash_canonical(&mut h);
        self.reference.hash_canonical(&mut h);
        for (conn, stale) in self.conns.iter().zip(&self.stale) {
            (conn.stage(), stale.is_some()).hash(&mut h);
        }
        (self.broken.is_some(), self.misses).hash(&mut h);
        let waited = self
            .unrecovered_since
            .map(|since| self.now.saturating_duration_since(since));
        (waited, self.death_left).hash(&mut h);
        self.key = h.finish();
    }

    /// The environment's view after the core's `actions`.
    fn follow(&mut self, actions: &[Action]) {
        for action in actions {
            match *action {
                Action::Open(conn) => self.set(conn.link, Conn::Connecting(conn)),
                Action::SendAssociationRequest(conn) => {
                    self.set(conn.link, Conn::Associating(conn))
                }
                Action::SendKeepAlive(conn) => {
                    if let Conn::Established { conn: c, .. } = self.conns[conn.link.index()] {
                        let keepalive = true;
                        self.conns[conn.link.index()] = Conn::Established { conn: c, keepalive };
                    }
                }
                Action::Close { conn, .. } => self.close(conn),
                _ => {}
            }
        }
    }

    fn set(&mut self, link: LinkId, conn: Conn) {
        self.conns[link.index()] = conn;
    }

    /// The connection is gone; inputs on it are stale from now on.
    fn close(&mut self, conn: ConnId) {
        self.conns[conn.link.index()] = Conn::None;
        self.stale[conn.link.index()] = Some(conn);
    }

    /// The environment's view after it delivered `event` (before the core's actions).
    fn delivered(&mut self, event: Event) {
        match event {
            Event::TcpRefused(c) | Event::TcpClosed(c) | Event::AssociationRejected(c) => {
                self.close(c)
            }
            Event::AssociationAccepted(c)
            | Event::KeepAliveAnswered(c)
            | Event::KeepAliveRejected(c) => self.set(
                c.link,
                Conn::Established {
                    conn: c,
                    keepalive: false,
                },
            ),
            _ => {}
        }
    }
}

/// How many keep-alive requests the environment may leave unanswered, or answer with
/// an error, on one path. A
/// bound is needed: with a two-value `kpl-loss-rate` the warning counter can climb by a
/// fraction in every miss-and-recover cycle, so without one the state space is as large
/// as the counter's range. Three misses reach a loss at tolerance 0 and 2, the unstable
/// warning and a recovery between misses; warning counts above 2 (at tolerance 2 they
/// need a fifth miss) are not explored.
pub const MISS_BUDGET: u8 = 3;

/// Whether the keep-alive request on the active link is unanswered in `n`.
fn keepalive_pending(n: &Node) -> bool {
    n.conns.iter().any(|c| {
        matches!(
            c,
            Conn::Established {
                keepalive: true,
                ..
            }
        )
    })
}

/// The model of one configuration.
#[derive(Clone, Debug)]
pub struct LinkModel {
    /// The configuration.
    pub setup: Setup,
    /// `Some(bound)`: the fair environment of bounded liveness (L1), see
    /// [`LinkModel::fair`]; `None`: the adversarial one.
    pub fair: Option<Duration>,
    /// A deliberate bug planted in the core (feature `planted-bugs`, tests only).
    #[cfg(feature = "planted-bugs")]
    pub planted: Option<link_core::PlantedBug>,
    /// The rule marks the search's transitions took, summed, when asked for
    /// ([`LinkModel::counting_marks`]; each transition's core then hands its marks over).
    pub marks: Option<std::sync::Arc<std::sync::Mutex<link_core::MarkCounts>>>,
}

impl LinkModel {
    /// The model of `setup`, with no planted bug.
    pub fn new(setup: Setup) -> Self {
        LinkModel {
            setup,
            fair: None,
            #[cfg(feature = "planted-bugs")]
            planted: None,
            marks: None,
        }
    }

    /// The model of `setup` in the fair environment, for bounded liveness: every
    /// connector is healthy (accepts, accepts the session, reports `normal`, answers
    /// keep-alives), messages arrive before any timer fires (time moves only when none
    /// is due), and one connector may die once (its connection closes), at any moment.
    /// L1 is then checked on every state: from the start, and from the death, some link
    /// is active within `connect-tout` + the restart timeout. Role, priorities and
    /// options do not change; a backup never selects (R2), so its setups are not fair
    /// ones ([`LinkModel::fair_bound`] says `None`).
    pub fn fair(setup: Setup) -> Option<Self> {
        let bound = Self::fair_bound(&setup)?;
        Some(LinkModel {
            fair: Some(bound),
            ..LinkModel::new(setup)
        })
    }

    /// L1's bound in the fair environment for `setup` ([`Recovery`]): one procedure
    /// after the restart timeout, with no switch, no keep-alive detection (a death
    /// closes the connection) and no network; `None` for a backup.
    pub fn fair_bound(setup: &Setup) -> Option<Duration> {
        let config = setup.config();
        let recovery = Recovery {
            restart_timeout: config.restart_timeout,
            connect_tout: config.connect_timeout,
            procedures: 1,
            ..Recovery::default()
        };
        (config.role != Role::Backup).then(|| recovery.bound())
    }

    /// The same model, summing the rule marks its transitions take (what `link-check`
    /// reports; the tests leave it off, as it costs a lock per transition).
    pub fn counting_marks(mut self) -> Self {
        self.marks = Some(std::sync::Arc::default());
        self
    }

    fn core(&self) -> LinkCore {
        let core =
            LinkCore::new(self.setup.config()).expect("every setup is a valid configuration");
        #[cfg(feature = "planted-bugs")]
        let core = match self.planted {
            Some(bug) => core.with_planted_bug(bug),
            None => core,
        };
        core
    }
}

impl LinkModel {
    /// The connection events the environment could deliver on `link` now.
    fn connection_inputs(&self, n: &Node, link: usize, out: &mut Vec<Event>) {
        match n.conns[link] {
            Conn::None => {}
            Conn::Connecting(c) => out.extend([Event::TcpAccepted(c), Event::TcpRefused(c)]),
            Conn::Associating(c) => out.extend([
                Event::AssociationAccepted(c),
                Event::AssociationRejected(c),
                Event::TcpClosed(c),
            ]),
            Conn::Established { conn, keepalive } => {
                out.extend(SystemStatus::ALL.map(|s| Event::SystemStatus(conn, s)));
                out.extend([Event::TcpClosed(conn), Event::MessageReceived(conn)]);
                if keepalive {
                    out.push(Event::KeepAliveAnswered(conn));
                    // An error answer is a failure (R14): it spends the miss budget.
                    if n.misses < MISS_BUDGET {
                        out.push(Event::KeepAliveRejected(conn));
                    }
                }
            }
        }
        if let Some(stale) = n.stale[link] {
            out.push(Event::SystemStatus(stale, SystemStatus::Normal));
        }
    }

    /// Role changes, reconfiguration and option changes, as the families allow.
    fn management_inputs(&self, n: &Node, out: &mut Vec<Event>) {
        let role = n.core.role();
        for to in [Role::Standalone, Role::Primary, Role::Backup] {
            if to != role {
                out.push(Event::RoleChanged(to));
            }
        }
        if self.setup.families.reconfigure {
            for (i, link) in n.core.config().links.iter().enumerate() {
                for priority in 0..=2 {
                    if link.priority != Some(priority) {
                        let link = LinkId::new(i as u16);
                        out.push(Event::Reconfigured {
                            link,
                            priority: Some(priority),
                        });
                    }
                }
            }
        }
        if self.setup.families.options {
            let config = n.core.config();
            let other = if config.connect_timeout == CONNECT_TIMEOUT {
                3
            } else {
                2
            };
            out.push(Event::OptionChanged(OptionChange::ConnectTimeout(
                Duration::from_secs(other),
            )));
            let tolerance = if config.keepalive_tolerance == 0 {
                2
            } else {
                0
            };
            out.push(Event::OptionChanged(OptionChange::KeepaliveTolerance(
                tolerance,
            )));
            let rate = KeepaliveLossRate::pair(1, 2);
            if config.keepalive_loss_rate != rate {
                out.push(Event::OptionChanged(OptionChange::KeepaliveLossRate(rate)));
            }
        }
        out.push(Event::Shutdown);
    }
}

impl Model for LinkModel {
    type State = Node;
    type Action = Input;

    fn init_states(&self) -> Vec<Node> {
        let core = self.core();
        let links = core.config().links.len();
        let mut node = Node {
            reference: Reference::new(core.config().clone()),
            audit: ActionAudit::new(links),
            core,
            conns: vec![Conn::None; links],
            stale: vec![None; links],
            now: Instant::ZERO,
            actions: Vec::new(),
            broken: None,
            misses: 0,
            unrecovered_since: self.fair.map(|_| Instant::ZERO),
            death_left: self.fair.is_some(),
            key: 0,
        };
        node.rekey();
        vec![self.step(
            &node,
            Input {
                at: Instant::ZERO,
                event: Event::Start,
            },
        )]
    }

    fn actions(&self, n: &Node, inputs: &mut Vec<Input>) {
        if n.broken.is_some() {
            return;
        }
        if self.fair.is_some() {
            return self.fair_actions(n, inputs);
        }
        let mut events = Vec::new();
        for link in 0..n.conns.len() {
            self.connection_inputs(n, link, &mut events);
        }
        self.management_inputs(n, &mut events);
        inputs.extend(events.into_iter().map(|event| Input { at: n.now, event }));
        // The earliest armed timer fires at its deadline; one that is not armed (a
        // cancelled one), or an armed one before its deadline (a firing the runtime
        // scheduled for an earlier arming), may fire now, and must be ignored.
        let deadline = |t: Timer| n.core.deadline(t);
        let earliest = Timer::ALL.iter().filter_map(|t| deadline(*t)).min();
        let miss = keepalive_pending(n);
        for timer in Timer::ALL {
            match deadline(timer) {
                Some(_) if timer == Timer::KeepAlive && miss && n.misses >= MISS_BUDGET => {}
                Some(at) if Some(at) == earliest => inputs.push(Input {
                    at,
                    event: Event::TimerExpired(timer),
                }),
                Some(_) => {}
                None => inputs.push(Input {
                    at: n.now,
                    event: Event::TimerExpired(timer),
                }),
            }
        }
    }

    fn next_state(&self, n: &Node, input: Input) -> Option<Node> {
        Some(self.step(n, input))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property::<Self>::always("every transition holds", |_, n| n.broken.is_none()),
            Property::<Self>::sometimes("a link becomes active", |_, n| {
                n.core.active_link().is_some()
            }),
        ]
    }

    fn format_action(&self, input: &Input) -> String {
        format!("{} {}", input.at, input.event.text(reference_names()))
    }
}

impl LinkModel {
    /// What the fair environment delivers in `n`: what a healthy connector sends next
    /// on each link, the one death while it is left, and, when no message is due, the
    /// earliest timer at its deadline.
    fn fair_actions(&self, n: &Node, inputs: &mut Vec<Input>) {
        let (due, deaths) = fair_messages(n);
        let now = |event| Input { at: n.now, event };
        if due.is_empty() {
            if let Some((at, timer)) = n.core.next_deadline() {
                inputs.push(Input {
                    at,
                    event: Event::TimerExpired(timer),
                });
            }
        }
        inputs.extend(due.into_iter().chain(deaths).map(now));
    }

    /// The fair environment's L1 after a step from `n` to `next` with `input` (the
    /// environment's view already following the core's actions): the death starts the
    /// bound again; an active link ends it, unless the step that activated came past it;
    /// an active link lost any other way than by the death is broken (nothing else can
    /// fail here); and with no link active, a state past the bound, or with nothing left
    /// to happen (no message due, no timer armed), is broken.
    fn fair_liveness(&self, n: &Node, next: &mut Node, input: Input) {
        let Some(bound) = self.fair else { return };
        if next.broken.is_some() {
            return;
        }
        let death = matches!(input.event, Event::TcpClosed(_));
        let was_active = n.core.active_link().is_some();
        let active = next.core.active_link().is_some();
        if was_active && !active && !death {
            next.broken = Some(format!(
                "L1: the active link was lost at {} with every connector healthy",
                input.at
            ));
            return;
        }
        let late = n
            .unrecovered_since
            .filter(|since| input.at.saturating_duration_since(*since) > bound);
        if let Some(since) = late {
            next.broken = Some(format!(
                "L1: no link active {bound:?} after {}, with every connector healthy",
                bound_start(n.death_left, since)
            ));
            return;
        }
        if death {
            next.death_left = false;
            next.unrecovered_since = Some(input.at);
        }
        if active {
            next.unrecovered_since = None;
        }
        let Some(since) = next.unrecovered_since else {
            return;
        };
        let stuck = fair_messages(next).0.is_empty() && next.core.next_deadline().is_none();
        if stuck && next.core.phase() != link_core::Phase::Stopped {
            next.broken = Some(format!(
                "L1: no link active since {}, and nothing left to happen (no message due, no timer armed), with every connector healthy",
                bound_start(next.death_left, since)
            ));
        }
    }
}

/// Where L1's bound began, in words: the start while the death is still to come, else
/// the death (at `since`).
fn bound_start(death_left: bool, since: Instant) -> String {
    match death_left {
        true => "the start".to_owned(),
        false => format!("the connector's death at {since}"),
    }
}

/// What a healthy connector sends next on each link in `n` (due), and the deaths the
/// fair environment may still deliver.
fn fair_messages(n: &Node) -> (Vec<Event>, Vec<Event>) {
    let mut due = Vec::new();
    let mut deaths = Vec::new();
    for (i, conn) in n.conns.iter().enumerate() {
        let awaiting = n.core.link_state(LinkId::new(i as u16)) == Some(LinkState::AwaitingStatus);
        match *conn {
            Conn::None => {}
            Conn::Connecting(c) => due.push(Event::TcpAccepted(c)),
            Conn::Associating(c) => due.push(Event::AssociationAccepted(c)),
            Conn::Established { conn, keepalive } => {
                if keepalive {
                    due.push(Event::KeepAliveAnswered(conn));
                } else if awaiting {
                    due.push(Event::SystemStatus(conn, SystemStatus::Normal));
                }
                if n.death_left {
                    deaths.push(Event::TcpClosed(conn));
                }
            }
        }
    }
    (due, deaths)
}

impl LinkModel {
    /// `n` after `input`, every check of the transition made.
    fn step(&self, n: &Node, input: Input) -> Node {
        let mut next = n.clone();
        next.actions.clear();
        next.now = input.at;
        let timer_due = n.core.deadline(Timer::KeepAlive) == Some(input.at);
        let rejected = matches!(input.event, Event::KeepAliveRejected(_));
        let missed = input.event == Event::TimerExpired(Timer::KeepAlive) && timer_due;
        if (missed || rejected) && keepalive_pending(n) {
            next.misses += 1;
        }
        next.delivered(input.event);
        next.broken = self.transition(&mut next, input).err();
        let actions = std::mem::take(&mut next.actions);
        next.follow(&actions);
        next.actions = actions;
        self.fair_liveness(n, &mut next, input);
        next.rekey();
        next
    }

    /// Feeds `input` to the core and the reference model and checks the transition.
    fn transition(&self, next: &mut Node, input: Input) -> Result<(), String> {
        let Input { at, event } = input;
        // A core that panics (a debug build asserts its invariants inside `step`) is a
        // counterexample like any other broken transition, not a crashed search.
        let stepped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            next.core.step_into(at, event, &mut next.actions)
        }));
        let stepped = stepped.map_err(|panic| {
            let message = (panic.downcast_ref::<String>().map(String::as_str))
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            format!("the core panicked on {event:?} at {at}: {message}")
        })?;
        if let Some(sum) = &self.marks {
            let marks = next.core.take_marks();
            if marks != link_core::MarkCounts::default() {
                sum.lock().unwrap_or_else(|e| e.into_inner()).add(&marks);
            }
        }
        let outcome =
            stepped.map_err(|e| format!("I9: the core refused {event:?} at {at}: {e:?}"))?;
        agree(&mut next.reference, input, outcome, &next.actions)?;
        next.core.check_invariants().map_err(|v| v.to_string())?;
        next.audit
            .step(&next.core, event, outcome, &next.actions)
            .map_err(|v| format!("audit: {}", v.text(next.core.config())))?;
        if let (Event::TimerExpired(_), Outcome::Applied) = (event, outcome) {
            if let Some((deadline, timer)) = next.core.next_deadline() {
                if deadline <= at {
                    return Err(format!(
                        "busy loop: after a timer fired at {at}, {timer:?} is due at {deadline}"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The reference model's outcome and actions for `input` must be the core's.
fn agree(
    reference: &mut Reference,
    input: Input,
    outcome: Outcome,
    actions: &[Action],
) -> Result<(), String> {
    let config = reference_names();
    let words = |actions: &[Action]| -> String {
        let texts: Vec<String> = actions.iter().map(|a| a.text(config).to_string()).collect();
        format!("[{}]", texts.join("; "))
    };
    match reference.step(input.at, input.event) {
        Ok((o, a)) if o == outcome && a == actions => Ok(()),
        Ok((o, a)) => Err(format!(
            "the reference model disagrees on the last input: it gives {o:?} {}, the core {outcome:?} {}",
            words(&a),
            words(actions)
        )),
        Err(e) => Err(format!("the reference model refuses the last input: {e:?}")),
    }
}

/// A configuration that names links L0, L1, L2 (every setup's names), for texts.
fn reference_names() -> &'static link_core::Config {
    static NAMES: std::sync::OnceLock<link_core::Config> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        link_core::Config::new((0..4).map(|i| link_core::LinkConfig::new(format!("L{i}"))))
    })
}
