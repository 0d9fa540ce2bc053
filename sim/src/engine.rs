//! The discrete-event engine: a queue ordered by (virtual time, sequence number), the
//! dispatch of each item to a server's `LinkCore` or to a component of the simulated
//! world ([`crate::world`]: connectors, network paths, the Management Layer), and the
//! glue that turns each core's actions into sends, closes and timers. After every
//! step it runs the invariant checks of [`crate::checker`]; the first violation ends
//! the run.
//!
//! Nothing here reads the wall clock, the OS RNG or iterates a hash map: randomness
//! comes from ChaCha8 streams derived from the scenario seed and a component name, so
//! adding a connector does not change what another component draws.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use link_core::{
    Action, ConnId, Event, Instant, LinkCore, LinkId, LogRecord, Role, SystemStatus, Timer,
};

use crate::checker::{Checker, Snapshot, Step};
use crate::history::History;
use crate::outage::OutageMeter;
use crate::scenario::{Checked, Fault};
use crate::server::Server;
use crate::timeline::TimelineEntry;
use crate::trace::{Trace, TraceRecord};
use crate::verdict::{Found, Invariant};
use crate::world::connector::{Connector, ConnectorAct, ConnectorOut, ToConnector};
use crate::world::management::Management;
use crate::world::network::Path;
use crate::world::stream;

#[derive(Clone, Copy, Debug)]
enum Item {
    Start {
        server: usize,
    },
    Deliver {
        server: usize,
        event: Event,
    },
    /// The answer to keep-alive request `request` on `conn`'s path. A runtime matches
    /// an answer to its request (the driver by invoke id): an answer to an older
    /// request than the latest sent is only traffic for the core.
    DeliverAnswer {
        server: usize,
        conn: ConnId,
        request: u32,
    },
    Timer {
        server: usize,
        timer: Timer,
    },
    AtConnector {
        server: usize,
        conn: ConnId,
        msg: ToConnector,
    },
    Connector {
        server: usize,
        conn: ConnId,
        act: ConnectorAct,
    },
    Fault {
        index: usize,
    },
    /// A later step of a `status` fault's sequence: the connector of `link` sends
    /// `status` on every connection established at that time.
    StatusStep {
        link: usize,
        status: SystemStatus,
    },
    /// The Management Layer's switch after `reporter`'s failure report.
    RoleSwitch {
        reporter: usize,
    },
    PairLivenessCheck {
        failed_at: Instant,
    },
}

struct Scheduled {
    at: Instant,
    seq: u64,
    item: Item,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// One in this many stale timer firings (the timer was cancelled or re-armed since it
/// was scheduled) is fed to the core, which must ignore it (I8); the others are dropped
/// unfed. Every arm schedules a firing and cancels are not taken off the queue, so about
/// a third of all firings are stale: feeding each one cost that much of a run for no
/// more proof than a sample gives.
pub const STALE_SAMPLE: u64 = 8;

/// How many core steps a run may make unless [`RunOptions::step_budget`] says
/// otherwise: far more than any bundled scenario (the longest makes a few thousand) or
/// a 65,535-link procedure (about 200,000), and small enough that a run stays within a
/// few seconds and a few hundred megabytes.
pub const DEFAULT_STEP_BUDGET: u64 = 5_000_000;

/// How many timeline lines a run keeps; past it the rest are counted, not kept (the
/// trace has every step).
pub const TIMELINE_LIMIT: usize = 100_000;

/// Every link's connector, in link order, each with its own random stream.
fn connectors(checked: &Checked) -> Vec<Connector> {
    let seed = checked.scenario.seed;
    checked
        .connectors
        .iter()
        .zip(&checked.config.links)
        .map(|(spec, link)| {
            Connector::new(
                spec.clone(),
                stream(seed, &format!("connector/{}", link.name)),
            )
        })
        .collect()
}

/// The network path from every server to every link's connector, each with its own
/// random stream.
fn paths(checked: &Checked) -> Vec<Vec<Path>> {
    let seed = checked.scenario.seed;
    let path =
        |server: &str, link: &str| Path::new(stream(seed, &format!("network/{server}/{link}")));
    let links = &checked.config.links;
    checked
        .servers
        .iter()
        .map(|server| links.iter().map(|l| path(&server.name, &l.name)).collect())
        .collect()
}

/// How many of the last timeline lines a run keeps beyond the timeline (or instead of
/// it, see [`RunOptions::timeline_tail`]): what a violation shows as its last steps.
pub const RECENT_LINES: usize = 8;

/// How to run a scenario.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// The most core steps the run may make (`None`: [`DEFAULT_STEP_BUDGET`]). A run
    /// that needs more stops with [`Ending::OutOfSteps`].
    pub step_budget: Option<u64>,
    /// Keep no history (for runs without expectations and pictures: their memory then
    /// does not grow with the run's length).
    pub no_history: bool,
    /// Keep every event and action as JSON Lines (for `--trace` and determinism checks).
    pub record_trace: bool,
    /// Hash the trace without keeping its lines (`--check-determinism` alone).
    pub hash_trace: bool,
    /// Put every input and action on the timeline, not only the significant steps.
    pub verbose: bool,
    /// Build no timeline (for runs nobody reads, such as `explore`'s; faster).
    pub no_timeline: bool,
    /// Keep only the last [`RECENT_LINES`] of the timeline (`--quiet`: memory stays
    /// constant, and a violation still shows its last steps).
    pub timeline_tail: bool,
    /// A deliberate bug to plant in every core (feature `planted-bugs`, tests only).
    #[cfg(feature = "planted-bugs")]
    pub planted_bug: Option<link_core::PlantedBug>,
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The whole `run_for` was simulated.
    Completed,
    /// An invariant was violated at `at`.
    Violation(Found),
    /// The run used its step budget before `run_for` ended: a partial run, never a
    /// success.
    OutOfSteps {
        /// The budget.
        budget: u64,
        /// Virtual time reached.
        at: Instant,
    },
}

impl Ending {
    /// The violation the run ended with; a run that used its step budget counts as one
    /// ([`Invariant::StepBudget`]: a busy loop, or a budget too small). `None` for a
    /// completed run.
    pub fn found(self) -> Option<Found> {
        match self {
            Ending::Completed => None,
            Ending::Violation(found) => Some(found),
            Ending::OutOfSteps { budget, at } => Some(Found {
                invariant: Invariant::StepBudget,
                server: None,
                at_ns: at.as_nanos(),
                detail: format!("the run used its step budget of {budget} steps by {at}"),
            }),
        }
    }
}

/// One simulation of one checked scenario.
pub struct Engine {
    pub(crate) checked: Checked,
    pub(crate) now: Instant,
    end: Instant,
    queue: BinaryHeap<Reverse<Scheduled>>,
    seq: u64,
    pub(crate) servers: Vec<Server>,
    connectors: Vec<Connector>,
    paths: Vec<Vec<Path>>,
    management: Management,
    /// Stale timer firings seen (see [`STALE_SAMPLE`]).
    stale_timers: u64,
    /// Room reused for what a connector returns.
    connector_out: Vec<ConnectorOut>,
    checker: Checker,
    pub(crate) trace: Trace,
    pub(crate) timeline: Vec<TimelineEntry>,
    timeline_on: bool,
    verbose: bool,
    /// Per server, every link's state and priority as the last step left them: the
    /// state before the next step (the checker's I3/I4). Kept up to date for the links
    /// each step touched, so that a step costs what it changes, not the link count.
    snapshots: Vec<Snapshot>,
    /// Reused buffer: the links the current step's input and actions name.
    touched: Vec<LinkId>,
    actions: Vec<Action>,
    steps: u64,
    step_budget: u64,
    /// Set when an input would have been the step past the budget.
    out_of_steps: bool,
    /// Timeline lines not kept past [`TIMELINE_LIMIT`].
    pub(crate) timeline_omitted: u64,
    /// The last [`RECENT_LINES`] lines not in the timeline.
    pub(crate) recent: std::collections::VecDeque<TimelineEntry>,
    timeline_tail: bool,
    /// Every server's outages and the service's, measured as the run goes.
    pub(crate) outages: OutageMeter,
}

impl Engine {
    /// Prepares a run of `checked` with `options`.
    pub fn new(checked: Checked, options: RunOptions) -> Self {
        let record_trace = options.record_trace;
        let servers: Vec<Server> = checked
            .servers
            .iter()
            .map(|spec| {
                let config = checked.config.clone().with_role(spec.role);
                let core =
                    LinkCore::new(config).expect("scenario::check validated the configuration");
                #[cfg(feature = "planted-bugs")]
                let core = match options.planted_bug {
                    Some(bug) => core.with_planted_bug(bug),
                    None => core,
                };
                Server {
                    name: spec.name.clone(),
                    history: History::new(spec.role, checked.config.links.len())
                        .keeping(!options.no_history),
                    core,
                }
            })
            .collect();
        let connectors = connectors(&checked);
        let paths = paths(&checked);
        let end = Instant::ZERO + checked.scenario.run_for.0;
        let checker = Checker::new(&checked);
        let roles: Vec<Role> = checked.servers.iter().map(|s| s.role).collect();
        let mut engine = Engine {
            outages: OutageMeter::new(&roles),
            now: Instant::ZERO,
            end,
            queue: BinaryHeap::new(),
            seq: 0,
            servers,
            connectors,
            paths,
            management: Management::new(checked.scenario.management.switch_after.0),
            stale_timers: 0,
            connector_out: Vec::new(),
            checker,
            trace: Trace::hashing(options.hash_trace || record_trace, record_trace),
            timeline: Vec::new(),
            timeline_on: !options.no_timeline,
            verbose: options.verbose,
            snapshots: Vec::new(),
            touched: Vec::new(),
            actions: Vec::new(),
            steps: 0,
            step_budget: options.step_budget.unwrap_or(DEFAULT_STEP_BUDGET),
            out_of_steps: false,
            timeline_omitted: 0,
            recent: std::collections::VecDeque::new(),
            timeline_tail: options.timeline_tail,
            checked,
        };
        engine.snapshots = engine
            .servers
            .iter()
            .map(|s| Checker::snapshot(&s.core))
            .collect();
        for server in 0..engine.servers.len() {
            engine.schedule(Instant::ZERO, Item::Start { server });
        }
        for index in 0..engine.checked.scenario.faults.len() {
            let at = Instant::ZERO + engine.checked.scenario.faults[index].at().0;
            engine.schedule(at, Item::Fault { index });
        }
        engine
    }

    /// What the liveness checks (L1, H1) did in this run.
    pub fn liveness_notes(&self) -> Vec<String> {
        self.checker.liveness_notes(self.checked.is_pair())
    }

    /// Whether L1 was checked and held with some server claimed and active.
    pub fn l1_held(&self) -> bool {
        self.checker.l1_held()
    }

    /// How many core steps the run made.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    fn schedule(&mut self, at: Instant, item: Item) {
        self.seq += 1;
        self.queue.push(Reverse(Scheduled {
            at,
            seq: self.seq,
            item,
        }));
    }

    /// Runs to the end of `run_for` or to the first violation.
    pub fn run(&mut self) -> Ending {
        while let Some(Reverse(next)) = self.queue.peek() {
            if next.at > self.end {
                break;
            }
            let Reverse(next) = self.queue.pop().expect("peeked");
            if let Some(found) = self.check_before(next.at, false) {
                return self.stop(found);
            }
            self.now = next.at;
            if let Some(found) = self.handle(next.item) {
                return self.stop(found);
            }
            if self.out_of_steps {
                return Ending::OutOfSteps {
                    budget: self.step_budget,
                    at: self.now,
                };
            }
        }
        if let Some(found) = self.check_before(self.end, true) {
            return self.stop(found);
        }
        self.now = self.end;
        Ending::Completed
    }

    fn stop(&mut self, found: Found) -> Ending {
        let at = Instant::from_nanos(found.at_ns);
        self.trace
            .push(at, TraceRecord::Violation { found: &found });
        let server = found.server.clone().unwrap_or_default();
        self.push_line(TimelineEntry {
            at: Instant::from_nanos(found.at_ns),
            server,
            link: String::new(),
            text: format!("INVARIANT {} VIOLATED: {}", found.invariant, found.detail),
        });
        Ending::Violation(found)
    }

    fn check_before(&mut self, next: Instant, end_of_run: bool) -> Option<Found> {
        let (paths, connectors, now) = (&self.paths, &self.connectors, self.now);
        let usable = |server: usize, link: usize| usable(paths, connectors, now, server, link);
        self.checker
            .before(now, next, end_of_run, &self.servers, usable)
    }

    fn check_after_actions(&mut self) -> Option<Found> {
        let (paths, connectors, now) = (&self.paths, &self.connectors, self.now);
        let usable = |server: usize, link: usize| usable(paths, connectors, now, server, link);
        self.checker.after_actions(now, &self.servers, usable)
    }

    /// In verbose mode: the input and every action, one timeline line each.
    fn note_step(
        &mut self,
        server: usize,
        event: Event,
        result: &Result<link_core::Outcome, link_core::StepError>,
        actions: &[Action],
    ) {
        let outcome = match result {
            Ok(link_core::Outcome::Applied) => String::new(),
            Ok(link_core::Outcome::Ignored(why)) => format!(" (ignored: {why:?})"),
            Err(e) => format!(" (refused: {e})"),
        };
        let link = event.link().map(LinkId::index);
        let config = self.servers[server].core.config();
        let input = crate::timeline::describe_event(&event, config);
        let lines: Vec<(Option<usize>, String)> = actions
            .iter()
            // Log records get their own line when carried out; the rest are shown here.
            .filter(|a| !matches!(a, Action::Log(_)))
            .map(|a| {
                (
                    a.link().map(LinkId::index),
                    crate::timeline::describe_action(a, config),
                )
            })
            .collect();
        self.note(Some(server), link, format!("<- {input}{outcome}"));
        for (link, text) in lines {
            self.note(Some(server), link, format!("-> {text}"));
        }
    }

    /// Adds a line to the timeline.
    fn note(&mut self, server: Option<usize>, link: Option<usize>, text: String) {
        if !self.timeline_on {
            return;
        }
        let server = server
            .map(|s| self.servers[s].name.clone())
            .unwrap_or_default();
        let link = link
            .map(|l| self.checked.config.links[l].name.clone())
            .unwrap_or_default();
        self.push_line(TimelineEntry {
            at: self.now,
            server,
            link,
            text,
        });
    }

    /// Keeps a timeline line: in the timeline while it has room (and is wanted whole),
    /// and always among the last [`RECENT_LINES`], which a violation shows.
    fn push_line(&mut self, entry: TimelineEntry) {
        if !self.timeline_tail && self.timeline.len() < TIMELINE_LIMIT {
            self.timeline.push(entry);
            return;
        }
        if !self.timeline_tail {
            self.timeline_omitted += 1;
        }
        if self.recent.len() == RECENT_LINES {
            self.recent.pop_front();
        }
        self.recent.push_back(entry);
    }

    fn handle(&mut self, item: Item) -> Option<Found> {
        match item {
            Item::Start { server } => self.feed(server, Event::Start),
            // A message in flight when a partition starts is lost too.
            Item::Deliver { server, event } => match event.link() {
                Some(link) if !self.paths[server][link.index()].passes_to_server(self.now) => None,
                _ => self.feed(server, event),
            },
            Item::DeliverAnswer {
                server,
                conn,
                request,
            } => {
                let path = &self.paths[server][conn.link.index()];
                if !path.passes_to_server(self.now) {
                    return None;
                }
                let event = match path.is_latest_request(request) {
                    true => Event::KeepAliveAnswered(conn),
                    false => Event::MessageReceived(conn),
                };
                self.feed(server, event)
            }
            Item::Timer { server, timer } => {
                // A firing the core would ignore (cancelled or re-armed since): one in
                // STALE_SAMPLE is fed, to keep proving I8; the rest cost nothing.
                let due = self.servers[server].core.deadline(timer) == Some(self.now);
                if !due {
                    self.stale_timers += 1;
                    if self.stale_timers % STALE_SAMPLE != 0 {
                        return None;
                    }
                }
                self.feed(server, Event::TimerExpired(timer))
            }
            Item::AtConnector { server, conn, msg } => {
                if self.paths[server][conn.link.index()].passes_to_connector(self.now) {
                    let mut out = self.take_connector_out();
                    let link = conn.link.index();
                    self.connectors[link].receive(self.now, server, conn, msg, &mut out);
                    self.carry_out(link, out);
                }
                None
            }
            Item::Connector { server, conn, act } => {
                let mut out = self.take_connector_out();
                let link = conn.link.index();
                self.connectors[link].act(self.now, server, conn, act, &mut out);
                self.carry_out(link, out);
                None
            }
            Item::Fault { index } => self.fault(index),
            Item::StatusStep { link, status } => {
                self.status_to_established(link, status);
                None
            }
            Item::RoleSwitch { reporter } => {
                self.management.switch_due();
                // A switchover since the report may have demoted the reporter already.
                if self.servers[reporter].core.role() != Role::Primary {
                    self.note(
                        None,
                        None,
                        "Management Layer: the reporter is no longer primary; no switch".into(),
                    );
                    return None;
                }
                self.switch_roles("switches roles after the primary's failure report")
            }
            Item::PairLivenessCheck { failed_at } => {
                self.checker
                    .pair_liveness(self.now, failed_at, &self.servers)
            }
        }
    }

    // ----- servers -----

    /// Feeds one input to a server's core and carries out its actions.
    fn feed(&mut self, server: usize, event: Event) -> Option<Found> {
        // The step past the budget is not made; the run stops after this item.
        if self.steps >= self.step_budget {
            self.out_of_steps = true;
            return None;
        }
        self.steps += 1;
        let now = self.now;
        let mut pre = std::mem::take(&mut self.snapshots[server]);
        let mut actions = std::mem::take(&mut self.actions);
        actions.clear();
        // A debug build of the core asserts its invariants inside `step` and panics on a
        // breach; report that as a violation with the run's context instead of dying.
        let core = &mut self.servers[server].core;
        let stepped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            core.step_into(now, event, &mut actions)
        }));
        let result = match stepped {
            Ok(result) => result,
            Err(panic) => {
                self.actions = Vec::new();
                return Some(self.core_panicked(server, event, panic.as_ref()));
            }
        };
        let touched = self.touched_by(event, &actions);
        let stepped = &mut self.servers[server];
        stepped
            .history
            .record_link_states(now, &stepped.core, &touched);
        if self.verbose {
            self.note_step(server, event, &result, &actions);
        }
        self.trace_step(server, event, &result, &actions);
        let found = match result {
            Err(error) => Some(self.checker.found(
                now,
                Invariant::I9,
                Some(server),
                format!("the core refused a simulated input: {error}"),
            )),
            Ok(outcome) => {
                let step = Step {
                    now,
                    index: server,
                    event,
                    outcome,
                    pre: &pre,
                    actions: &actions,
                    touched: &touched,
                };
                self.checker.after_step(&self.servers[server], step)
            }
        };
        let unnamed = Checker::update_snapshot(&self.servers[server].core, &mut pre, &touched);
        let found = found.or_else(|| {
            let detail = unnamed.err()?;
            Some(self.checker.found(now, Invariant::I7, Some(server), detail))
        });
        if found.is_none() {
            for action in &actions {
                self.apply(server, *action);
            }
        }
        self.actions = actions;
        self.touched = touched;
        self.snapshots[server] = pre;
        found.or_else(|| self.check_after_actions())
    }

    /// The step's input, its outcome and its actions, on the trace.
    fn trace_step(
        &mut self,
        server: usize,
        event: Event,
        result: &Result<link_core::Outcome, link_core::StepError>,
        actions: &[Action],
    ) {
        let name = &self.servers[server].name;
        let input = TraceRecord::Input {
            server: name,
            event: &event,
            outcome: result,
        };
        self.trace.push(self.now, input);
        for action in actions {
            let record = TraceRecord::Action {
                server: name,
                action,
            };
            self.trace.push(self.now, record);
        }
    }

    /// A panic of a core's `step` as a violation. A debug build of the core asserts its
    /// invariants inside `step` and panics on a breach: its message names the invariant.
    fn core_panicked(
        &self,
        server: usize,
        event: Event,
        panic: &(dyn std::any::Any + Send),
    ) -> Found {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic without a message".into());
        let invariant = Invariant::named_in_panic(&message).unwrap_or(Invariant::I9);
        self.checker.found(
            self.now,
            invariant,
            Some(server),
            format!("the core panicked on {event:?}: {message}"),
        )
    }

    /// The links `event` and `actions` name: every state change of a link shows in the
    /// input or in an action naming it (debug builds check it, see `update_snapshot`).
    fn touched_by(&mut self, event: Event, actions: &[Action]) -> Vec<LinkId> {
        let mut touched = std::mem::take(&mut self.touched);
        touched.clear();
        touched.extend(event.link());
        touched.extend(actions.iter().filter_map(Action::link));
        touched
    }

    fn apply(&mut self, server: usize, action: Action) {
        let now = self.now;
        match action {
            Action::Open(conn) => self.send_to_connector(server, conn, ToConnector::Connect),
            Action::SendAssociationRequest(conn) => {
                self.send_to_connector(server, conn, ToConnector::AssociationRequest)
            }
            Action::SendKeepAlive(conn) => {
                let request = self.paths[server][conn.link.index()].next_keepalive_request();
                self.send_to_connector(server, conn, ToConnector::KeepAlive(request))
            }
            Action::Close { conn, .. } => self.send_to_connector(server, conn, ToConnector::Close),
            Action::ArmTimer { timer, at } => self.schedule(at, Item::Timer { server, timer }),
            Action::CancelTimer(_) => {} // a stale firing is ignored by the core (I8)
            Action::Log(record) => {
                if self.timeline_on {
                    let text = record.text(self.servers[server].core.config());
                    let shown = match record.number() {
                        Some(number) => format!("log {number}: {text}"),
                        None => text.to_string(),
                    };
                    self.note(Some(server), record.link().map(LinkId::index), shown);
                }
                self.servers[server].history.log(now, record);
                if let LogRecord::RoleChanged { to, .. } = record {
                    self.servers[server].history.role(now, to);
                    self.outages.role(now, server, to);
                }
            }
            Action::NotifyClients(event) => {
                self.note(
                    Some(server),
                    Some(event.link().index()),
                    format!("{} to all clients", event.name()),
                );
                self.servers[server].history.client_event(now, event);
                self.outages.active(now, server, event.connected());
            }
            Action::ReportLinkFailure { link } => {
                self.note(
                    Some(server),
                    Some(link.index()),
                    "link failure reported to the Management Layer".into(),
                );
                self.servers[server].history.failure_report(now, link);
                self.management_report(server);
            }
        }
    }

    // ----- management layer -----

    fn management_report(&mut self, server: usize) {
        let role = self.servers[server].core.role();
        if !self.checked.is_pair() || role != Role::Primary {
            return;
        }
        let now = self.now;
        if let Some(at) = self.management.report(now, true, role) {
            self.note(
                None,
                None,
                format!("Management Layer: will switch roles at {at}"),
            );
            self.schedule(at, Item::RoleSwitch { reporter: server });
        }
        let window = self.checker.pair_window();
        self.checker.pair_check_scheduled();
        self.schedule(now + window, Item::PairLivenessCheck { failed_at: now });
    }

    /// Demotes the primary, then promotes the backup: never two primaries (H1).
    fn switch_roles(&mut self, why: &str) -> Option<Found> {
        let roles: Vec<Role> = self.servers.iter().map(|s| s.core.role()).collect();
        let (primary, backup) = Management::switch_plan(&roles)?;
        self.trace.push(self.now, TraceRecord::Note { text: why });
        self.note(None, None, format!("Management Layer: {why}"));
        // `feed` answers Some(violation); stop at the first one.
        self.feed(primary, Event::RoleChanged(Role::Backup))
            .or_else(|| self.feed(backup, Event::RoleChanged(Role::Primary)))
    }

    // ----- network -----

    fn send_to_connector(&mut self, server: usize, conn: ConnId, msg: ToConnector) {
        let network = &self.checked.scenario.network;
        if let Some(at) = self.paths[server][conn.link.index()].send_to_connector(self.now, network)
        {
            self.schedule(at, Item::AtConnector { server, conn, msg });
        }
    }

    fn send_to_server(&mut self, server: usize, link: usize, event: Event) {
        let network = &self.checked.scenario.network;
        if let Some(at) = self.paths[server][link].send_to_server(self.now, network) {
            self.schedule(at, Item::Deliver { server, event });
        }
    }

    /// Carries out, in order, what the connector of `link` asked for.
    /// The buffer connectors write into, emptied (taken, and given back by
    /// [`carry_out`](Self::carry_out), so that no connector item allocates).
    fn take_connector_out(&mut self) -> Vec<ConnectorOut> {
        let mut out = std::mem::take(&mut self.connector_out);
        out.clear();
        out
    }

    fn carry_out(&mut self, link: usize, mut out: Vec<ConnectorOut>) {
        for &item in &out {
            match item {
                ConnectorOut::ToServer { server, event } => {
                    self.send_to_server(server, link, event)
                }
                ConnectorOut::Answer {
                    server,
                    conn,
                    request,
                } => {
                    let network = &self.checked.scenario.network;
                    if let Some(at) = self.paths[server][link].send_to_server(self.now, network) {
                        let item = Item::DeliverAnswer {
                            server,
                            conn,
                            request,
                        };
                        self.schedule(at, item);
                    }
                }
                ConnectorOut::Later {
                    at,
                    server,
                    conn,
                    act,
                } => self.schedule(at, Item::Connector { server, conn, act }),
            }
        }
        out.clear();
        self.connector_out = out;
    }

    // ----- faults -----

    /// The connector of `link` sends `status` on every connection established now.
    fn status_to_established(&mut self, link: usize, status: SystemStatus) {
        let mut out = self.take_connector_out();
        self.connectors[link].status_to_established(status, &mut out);
        self.carry_out(link, out);
    }

    fn fault(&mut self, index: usize) -> Option<Found> {
        let fault = self.checked.scenario.faults[index].clone();
        self.trace
            .push(self.now, TraceRecord::Fault { fault: &fault });
        let link = fault.link().and_then(|name| self.checked.link_index(name));
        let only = fault
            .server()
            .and_then(|name| self.checked.server_index(name));
        self.note(
            only,
            link,
            format!("FAULT {}", crate::timeline::describe_fault(&fault)),
        );
        let servers: Vec<usize> = match only {
            Some(s) => vec![s],
            None => (0..self.servers.len()).collect(),
        };
        match fault {
            Fault::SetRole { .. }
            | Fault::Options { .. }
            | Fault::Reconfigure { .. }
            | Fault::Switchover { .. } => self.fault_inputs(&fault, link, &servers),
            _ => {
                self.fault_weather(&fault, link.expect("checked"), only, &servers);
                None
            }
        }
    }

    /// A fault that is an input to the servers (R11, R13, R16, a switchover): fed to
    /// each of `servers` in turn, stopping at a violation.
    fn fault_inputs(
        &mut self,
        fault: &Fault,
        link: Option<usize>,
        servers: &[usize],
    ) -> Option<Found> {
        let events: Vec<Event> = match fault {
            Fault::Switchover { .. } => return self.switch_roles("switchover (fault)"),
            Fault::SetRole { role, .. } => vec![Event::RoleChanged(*role)],
            Fault::Options { .. } => {
                let changes = fault.option_values().changes().expect("checked");
                changes.into_iter().map(Event::OptionChanged).collect()
            }
            Fault::Reconfigure { priority, .. } => vec![Event::Reconfigured {
                link: LinkId::new(link.expect("checked") as u16),
                priority: *priority,
            }],
            _ => Vec::new(),
        };
        for &server in servers {
            for &event in &events {
                if let Some(found) = self.feed(server, event) {
                    return Some(found);
                }
            }
        }
        None
    }

    /// A fault of the connector of `link` or of the network to it.
    fn fault_weather(
        &mut self,
        fault: &Fault,
        link: usize,
        only: Option<usize>,
        servers: &[usize],
    ) {
        let now = self.now;
        match *fault {
            Fault::Crash { duration, .. } => {
                let mut out = self.take_connector_out();
                self.connectors[link].crash(now + duration.value.0, &mut out);
                self.carry_out(link, out);
            }
            Fault::Drop { .. } => {
                let mut out = self.take_connector_out();
                self.connectors[link].drop_connections(only, &mut out);
                self.carry_out(link, out);
            }
            Fault::Status { ref status, .. } => {
                for (offset, status) in crate::scenario::status_offsets(status) {
                    if offset.0.is_zero() {
                        self.status_to_established(link, status);
                    } else {
                        self.schedule(now + offset.0, Item::StatusStep { link, status });
                    }
                }
            }
            Fault::IgnoreKeepalive { duration, .. } => {
                self.connectors[link].ignore_keepalives_until(now + duration.value.0);
            }
            Fault::Partition {
                duration,
                direction,
                ..
            } => {
                for &server in servers {
                    self.paths[server][link].partition(now + duration.value.0, direction);
                }
            }
            Fault::Latency { add, duration, .. } => {
                for &server in servers {
                    self.paths[server][link].add_latency(now + duration.value.0, add.value.0);
                }
            }
            Fault::Switchover { .. }
            | Fault::Reconfigure { .. }
            | Fault::SetRole { .. }
            | Fault::Options { .. } => {}
        }
    }
}

/// Whether a message between `server` and `link`'s connector can get through at `now`,
/// and the connector is up.
fn usable(
    paths: &[Vec<Path>],
    connectors: &[Connector],
    now: Instant,
    server: usize,
    link: usize,
) -> bool {
    let path = &paths[server][link];
    path.passes_to_connector(now) && path.passes_to_server(now) && !connectors[link].is_down(now)
}
