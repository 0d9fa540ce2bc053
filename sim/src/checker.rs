//! [`Checker`]: the invariants of `docs/spec.md`, checked on every step of every
//! server. I1-I8 come from the core's own `check_invariants`; on top of that the checker
//! verifies, from outside the core, what the core's state cannot show: each action
//! against the simulator's own view of the connections (I7), activations against the
//! state just before them (I3, I4), a backup's opens (I5), the alternation of client
//! notifications (I6), stale inputs producing nothing (I8, I9); and across servers and
//! time, bounded liveness after faults heal (L1) and the HA pair's safety and liveness
//! (H1); the active link's health (I2) is `account.rs`. I10 is `--check-determinism`.

use std::collections::BTreeMap;
use std::time::Duration;

use link_core::{
    Action, ActionAudit, AuditViolation, CheckBuffer, ClientEvent, ConnId, Event, Instant,
    InvariantTracker, LinkCore, LinkId, LinkState, LogRecord, Outcome, Role, Timer,
};
use link_model::liveness::{claimed, Candidate, Health};

use crate::account::Account;
use crate::liveness;
use crate::observe::{Observation, Observe, Stepped};
use crate::scenario::Checked;
use crate::verdict::{Found, Invariant};
use crate::world::server::Server;
use crate::world::{Told, World};
use crate::SimDuration;

/// What the checker knows of one server beyond the core's state.
struct PerServer {
    /// The action stream against the inputs (I6, I7, I8), from link-core.
    audit: ActionAudit,
    /// Order of `normal` reports (from LinkOperational records) for I4.
    normal_order: BTreeMap<LinkId, u64>,
    normal_count: u64,
    /// When clients were last told EventLinkDisconnected (L1's "lost", H1's recovery).
    disconnected_at: Option<Instant>,
    /// The active link's health from outside the core (I2).
    account: Account,
    /// The core's invariants, checked at the cost of each step's changes.
    tracker: InvariantTracker,
    /// The link the clients were last told is connected (I6 as they hear it: with
    /// `ha-sync-dly-lnk-conn` a backup tells later than its core notifies).
    told_connected: Option<LinkId>,
}

/// What the actions of one step have shown so far, for the checks of the later ones.
/// One is kept by the checker and cleared before each step, so that a step allocates
/// nothing.
#[derive(Default)]
struct StepSoFar {
    /// The highest configured priority, once an Open needed it.
    highest: Option<i32>,
    /// Links closed earlier in this step.
    dropped: Vec<LinkId>,
    /// A procedure started in this step: the role it logged.
    procedure: Option<Role>,
    /// The links opened after the procedure started.
    opened: Vec<LinkId>,
}

impl StepSoFar {
    /// Ready for the next step (its room kept).
    fn clear(&mut self) {
        self.highest = None;
        self.dropped.clear();
        self.procedure = None;
        self.opened.clear();
    }
}

/// One link's state and connection priority just before a step.
type Snapshot = Vec<(LinkState, i32)>;

/// One step of one server, as the per-step checks see it.
struct Step<'a> {
    /// Virtual time of the step.
    now: Instant,
    /// Which server.
    index: usize,
    /// The input fed.
    event: Event,
    /// What the core made of it.
    outcome: Outcome,
    /// Link states just before the step.
    pre: &'a Snapshot,
    /// The actions it returned.
    actions: &'a [Action],
    /// The links the input and the actions name: the only ones whose state can have
    /// changed.
    touched: &'a [LinkId],
}

impl PerServer {
    fn new(links: usize) -> Self {
        PerServer {
            audit: ActionAudit::new(links),
            normal_order: BTreeMap::new(),
            normal_count: 0,
            disconnected_at: None,
            account: Account::default(),
            told_connected: None,
            tracker: InvariantTracker::new(),
        }
    }

    /// I5 for an open: a backup opens only links of the highest configured priority.
    fn audit_open(
        &self,
        core: &LinkCore,
        conn: ConnId,
        so_far: &mut StepSoFar,
    ) -> Option<(Invariant, String)> {
        // Computed once per step: a start opens every link.
        let highest = *so_far
            .highest
            .get_or_insert_with(|| core.config().highest_priority());
        if core.role() == Role::Backup && core.link_priority(conn.link).unwrap_or(0) < highest {
            let what = format!(
                "backup opened {} below priority {highest}",
                link_name(core, conn.link)
            );
            return Some((Invariant::I5, what));
        }
        None
    }

    /// One action: the action stream (I6, I7) through link-core's audit, then what
    /// only the simulator checks: a backup's opens (I5) and each activation against
    /// the state just before the step (I3, I4). `step` is the step's time, its input
    /// and the link states before it.
    fn audit_action(
        &mut self,
        core: &LinkCore,
        action: &Action,
        so_far: &mut StepSoFar,
        step: (Instant, Event, &Snapshot),
    ) -> Option<(Invariant, String)> {
        if let Err(violation) = self.audit.action(core, action) {
            return Some(audit_problem(core, &violation));
        }
        let (now, event, pre) = step;
        match *action {
            Action::Open(conn) => {
                if so_far.procedure.is_some() {
                    so_far.opened.push(conn.link);
                }
                self.audit_open(core, conn, so_far)
            }
            Action::Log(LogRecord::ProcedureStarted { role, .. }) => {
                // A later procedure of the same step is judged on its own opens.
                so_far.procedure = Some(role);
                so_far.opened.clear();
                None
            }
            Action::Close { conn, .. } => {
                so_far.dropped.push(conn.link);
                None
            }
            Action::Log(LogRecord::LinkOperational { link }) => {
                self.normal_count += 1;
                self.normal_order.insert(link, self.normal_count);
                None
            }
            Action::Log(LogRecord::LinkSelected { link, priority }) => {
                let activation = Activation {
                    selected: link,
                    priority,
                    by_timeout: event == Event::TimerExpired(Timer::ConnectTimeout),
                    // The link the input concerns, and links closed earlier in this
                    // step (R6, R11), have dropped out of the queue: not waiting.
                    input_link: event.link(),
                    dropped: &so_far.dropped,
                };
                activation_problem(core, pre, &self.normal_order, &activation)
            }
            Action::NotifyClients(ClientEvent::LinkDisconnected { .. }) => {
                self.disconnected_at = Some(now);
                None
            }
            _ => None,
        }
    }
}

/// A violation link-core's audit found, as the checker reports it.
fn audit_problem(core: &LinkCore, violation: &AuditViolation) -> (Invariant, String) {
    (
        violation.invariant.into(),
        violation.text(core.config()).to_string(),
    )
}

/// Checks every invariant; see the module docs.
#[derive(Default)]
pub struct Checker {
    names: Vec<String>,
    per_server: Vec<PerServer>,
    /// Per server, every link's state and priority as the last step left them: the
    /// state before the next step (I3, I4). Kept up to date for the links each step
    /// touched, so that a step costs what it changes, not the link count.
    snapshots: Vec<Snapshot>,
    /// L1: when it is checked (None: not applicable), and whether it has been.
    l1_at: Option<Instant>,
    l1_done: bool,
    /// Whether L1 was checked and held for a server whose liveness was claimed.
    l1_held: bool,
    /// The window within which a pair must recover after a primary's failure (H1).
    pair_window: Duration,
    /// Each fault as (start, end, its link or None for all, whether it is a crash).
    fault_windows: Vec<(Instant, Instant, Option<usize>, bool)>,
    health: Vec<Health>,
    /// What the liveness checks did (or why they did not run), for the verdicts.
    notes: Vec<String>,
    pair_checks: usize,
    pair_checks_scheduled: usize,
    pair_unclaimed: usize,
    pair_violated: usize,
    /// Room reused by every full pass (`check_invariants_with`).
    check_buffer: CheckBuffer,
    /// Room reused by every step's action checks.
    so_far: StepSoFar,
    /// How the cores' invariants are checked after each step.
    checks: CheckMode,
    /// [`Checker::outside_only`]: no call of the cores' own `check_invariants`.
    outside_only: bool,
    /// The full pass at the end of the run is done.
    final_checked: bool,
}

impl Checker {
    /// A checker for `checked`, running in `world`.
    pub(crate) fn new(checked: &Checked, world: &World) -> Self {
        // The timing the run uses, with every options fault (R16), worked out once.
        let timing = liveness::Timing::of(&checked.scenario);
        let health = liveness::health(checked, &timing);
        let bounds = liveness::Bounds::of(checked, &timing);
        let l1_skipped = liveness::unclaimed(checked, &health, &timing);
        let heal = checked.scenario.last_heal();
        let fault_windows = liveness::fault_windows(checked);
        Checker {
            names: checked.servers.iter().map(|s| s.name.clone()).collect(),
            snapshots: world.servers.iter().map(|s| snapshot(&s.core)).collect(),
            per_server: checked
                .server_configs
                .iter()
                .map(|config| PerServer::new(config.links.len()))
                .collect(),
            l1_at: l1_skipped
                .is_none()
                .then(|| Instant::ZERO + heal + bounds.recovery),
            pair_window: bounds.pair_window,
            fault_windows,
            health,
            notes: l1_skipped
                .map(|why| format!("L1 not checked: {why}"))
                .into_iter()
                .collect(),
            ..Checker::default()
        }
    }

    /// The cores' invariants checked after each step as `checks` says (incrementally,
    /// the end of the run has a full pass).
    pub(crate) fn with_checks(mut self, checks: CheckMode) -> Self {
        self.checks = checks;
        self
    }

    /// Leaves the cores' own state checks out (`check_invariants`), so that only the
    /// checks from outside the core remain (tests of those, with planted bugs).
    #[cfg(feature = "planted-bugs")]
    pub(crate) fn outside_only(mut self, outside_only: bool) -> Self {
        self.outside_only = outside_only;
        self
    }

    /// The full pass over every core at the end of the run: what the incremental
    /// checks leave to it (a link a step changed without naming it).
    fn final_check(&mut self, now: Instant, world: &World) -> Option<Found> {
        if self.final_checked {
            return None;
        }
        self.final_checked = true;
        if self.outside_only {
            return None;
        }
        for (index, server) in world.servers.iter().enumerate() {
            if let Err(violation) = server.core.check_invariants_with(&mut self.check_buffer) {
                let detail = format!("core state at the end of the run: {violation}");
                return Some(self.found(now, violation.invariant.into(), Some(index), detail));
            }
        }
        None
    }

    /// A violation of `invariant` at `at`.
    pub(crate) fn found(
        &self,
        at: Instant,
        invariant: Invariant,
        server: Option<usize>,
        detail: String,
    ) -> Found {
        Found {
            invariant,
            server: server.map(|s| self.names[s].clone()),
            at_ns: at.as_nanos(),
            detail,
        }
    }

    /// After one step: the checks of the step (I1-I9), then the snapshot brought up
    /// to date (I7: only the links the step named changed). A refused input is the
    /// engine's to report (I9).
    fn stepped(&mut self, now: Instant, stepped: &Stepped<'_>, world: &World) -> Option<Found> {
        let server = &world.servers[stepped.server];
        let mut pre = std::mem::take(&mut self.snapshots[stepped.server]);
        let found = match stepped.result {
            Err(_) => None,
            Ok(outcome) => self.after_step(
                server,
                Step {
                    now,
                    index: stepped.server,
                    event: stepped.event,
                    outcome: *outcome,
                    pre: &pre,
                    actions: stepped.actions,
                    touched: stepped.touched,
                },
            ),
        };
        let unnamed = update_snapshot(&server.core, &mut pre, stepped.touched);
        self.snapshots[stepped.server] = pre;
        found.or_else(|| {
            let detail = unnamed.err()?;
            Some(self.found(now, Invariant::I7, Some(stepped.server), detail))
        })
    }

    /// After one step of `server`: I1-I9 for that step.
    fn after_step(&mut self, server: &Server, step: Step<'_>) -> Option<Found> {
        let Step {
            now,
            index,
            event,
            outcome,
            pre,
            actions,
            touched,
        } = step;
        let names = &self.names;
        let found = |invariant: Invariant, detail: String| Found {
            invariant,
            server: Some(names[index].clone()),
            at_ns: now.as_nanos(),
            detail,
        };
        let fail = |invariant: Invariant, detail: String| Some(found(invariant, detail));
        let full = match self.checks {
            CheckMode::Full => true,
            CheckMode::Incremental => false,
            CheckMode::Auto => server.core.config().links.len() <= SMALL_CORE_LINKS,
        };
        let checked = match full {
            _ if self.outside_only => Ok(()),
            true => server.core.check_invariants_with(&mut self.check_buffer),
            false => {
                let tracker = &mut self.per_server[index].tracker;
                server.core.check_invariants_after(&event, touched, tracker)
            }
        };
        if let Err(violation) = checked {
            return fail(
                violation.invariant.into(),
                format!("core state after {event:?}: {violation}"),
            );
        }
        let core = &server.core;
        let per = &mut self.per_server[index];
        if per.audit.input(event, outcome, actions).is_err() {
            return fail(
                Invariant::I8,
                format!("an ignored input ({event:?}, {outcome:?}) produced actions"),
            );
        }
        let so_far = &mut self.so_far;
        so_far.clear();
        for action in actions {
            let problem = per.audit_action(core, action, so_far, (now, event, pre));
            if let Some((invariant, detail)) = problem {
                return Some(found(invariant, detail));
            }
        }
        if let Some(detail) = procedure_problem(core, pre, so_far) {
            return Some(found(Invariant::I5, detail));
        }
        if let Err(violation) = per.audit.agrees(core, touched) {
            let (invariant, detail) = audit_problem(core, &violation);
            return Some(found(invariant, detail));
        }
        per.account
            .after_step(core, event, outcome, actions)
            .map(|detail| found(Invariant::I2, detail))
    }

    /// After a step's actions are carried out: the pair's safety (H1) and L1's
    /// "stays active".
    fn after_actions(&mut self, now: Instant, world: &World) -> Option<Found> {
        let servers = &world.servers;
        let usable = |server: usize, link: usize| world.usable(now, server, link);
        let primaries = servers
            .iter()
            .filter(|s| s.core.role() == Role::Primary)
            .count();
        if primaries > 1 {
            return Some(self.found(now, Invariant::H1, None, "both servers are primary".into()));
        }
        if self.l1_done {
            for (index, server) in servers.iter().enumerate() {
                let lost = self.per_server[index].disconnected_at == Some(now);
                if lost
                    && server.core.active_link().is_none()
                    && self.all_allowed_healthy(server, world.connectors_of(index), |l| {
                        usable(index, l)
                    })
                {
                    let detail = "the active link was lost after faults healed although every connector is healthy";
                    return Some(self.found(now, Invariant::L1, Some(index), detail.into()));
                }
            }
        }
        None
    }

    /// Before the engine moves time to `next`: L1's bound, once it has passed.
    fn before(
        &mut self,
        now: Instant,
        next: Instant,
        end_of_run: bool,
        world: &World,
    ) -> Option<Found> {
        let servers = &world.servers;
        let usable = |server: usize, link: usize| world.usable(now, server, link);
        let bound = self.l1_at?;
        if self.l1_done {
            return None;
        }
        if end_of_run && next < bound {
            self.notes.push(format!(
                "L1 not checked: the run ends at {next}, before the bound {bound}"
            ));
            self.l1_done = true;
            return None;
        }
        if !(next > bound || (end_of_run && next >= bound)) {
            return None;
        }
        self.l1_done = true;
        let mut held = Vec::new();
        for (index, server) in servers.iter().enumerate() {
            let name = &self.names[index];
            let connectors = world.connectors_of(index);
            if !self.liveness_claimed(server, connectors, |l| usable(index, l), |_| false) {
                held.push(format!("{name} not claimed (no healthy link its role allows, or a flapping one above it)"));
                continue;
            }
            if server.core.active_link().is_none() {
                let detail = format!(
                    "no active link by {bound} although a connector its role allows has been healthy since the faults healed"
                );
                return Some(self.found(bound.max(now), Invariant::L1, Some(index), detail));
            }
            held.push(format!("{name} active"));
            self.l1_held = true;
        }
        self.notes
            .push(format!("L1 checked at {bound}: {}", held.join(", ")));
        None
    }

    /// H1's liveness: after the primary's active link failed at `failed_at`, the pair
    /// has an active link again within the window, when a connector stayed healthy.
    fn pair_liveness(&mut self, now: Instant, failed_at: Instant, world: &World) -> Option<Found> {
        let servers = &world.servers;
        let in_window = |link: usize, crash_counts: bool| {
            self.fault_windows.iter().any(|(start, end, l, crash)| {
                (l.is_none() || *l == Some(link))
                    && *start <= now
                    && *end >= failed_at
                    && (crash_counts || !crash)
            })
        };
        let untouched = |connector: usize| !in_window(connector, true);
        // A crashed link refuses at once and leaves the queue; an impaired one (latency,
        // partition, drop, reconfiguration, switchover) can hold lower links back.
        let impaired = |connector: usize| in_window(connector, false);
        // Claim liveness only through a healthy link no fault touched, with no flapping
        // or faulted link at or above it (R7 makes lower links wait for higher ones, and
        // an impaired higher link may be selected and lost again).
        let any_flapping = self.health.contains(&Health::Flapping);
        let claimed = !any_flapping
            && servers.iter().enumerate().any(|(index, server)| {
                let untouched = |link: usize| untouched(world.connector_of(index, link));
                self.liveness_claimed(server, world.connectors_of(index), untouched, impaired)
            });
        self.pair_checks += 1;
        if !claimed {
            self.pair_unclaimed += 1;
            return None;
        }
        // "An active link again within the window": some server had one at some moment
        // after the failure, not necessarily now (a later, unrelated fault may have
        // taken it again). A server that was active through the failure counts too (the
        // backup kept its link): it is active now, or it lost its link after the failure.
        let recovered = servers.iter().zip(&self.per_server).any(|(s, per)| {
            s.core.active_link().is_some() || per.disconnected_at.is_some_and(|t| t > failed_at)
        });
        if recovered {
            return None;
        }
        self.pair_violated += 1;
        let detail = format!(
            "the primary's link failed at {failed_at} and the pair has no active link {} later",
            SimDuration(self.pair_window)
        );
        Some(self.found(now, Invariant::H1Recovery, None, detail))
    }

    /// I6 as the clients hear it: EventLinkConnected and EventLinkDisconnected
    /// alternate, and a disconnection names the link announced.
    fn heard(&mut self, now: Instant, server: usize, event: ClientEvent) -> Option<Found> {
        let told = &mut self.per_server[server].told_connected;
        let problem = match (event, *told) {
            (ClientEvent::LinkConnected { link }, None) => {
                *told = Some(link);
                return None;
            }
            (ClientEvent::LinkDisconnected { link }, Some(announced)) if link == announced => {
                *told = None;
                return None;
            }
            (ClientEvent::LinkConnected { .. }, Some(_)) => {
                "the clients were told EventLinkConnected twice without EventLinkDisconnected"
            }
            (ClientEvent::LinkDisconnected { .. }, _) => {
                "the clients were told EventLinkDisconnected for a link not announced connected"
            }
        };
        Some(self.found(now, Invariant::I6, Some(server), problem.into()))
    }

    /// Whether L1 was checked and held with some server claimed and active.
    pub(crate) fn l1_held(&self) -> bool {
        self.l1_held
    }

    /// What the liveness checks did in this run, for the verdicts.
    pub(crate) fn liveness_notes(&self, pair: bool) -> Vec<String> {
        let mut notes = self.notes.clone();
        if pair {
            let missed = self.pair_checks_scheduled - self.pair_checks;
            let held = self.pair_checks - self.pair_unclaimed - self.pair_violated;
            if self.pair_checks_scheduled == 0 {
                notes.push(
                    "H1: never two primaries; no primary link failure to recover from".into(),
                );
                return notes;
            }
            let mut line = format!(
                "H1: never two primaries; recovery after {} primary link failure(s): {held} held",
                self.pair_checks_scheduled
            );
            if self.pair_violated > 0 {
                line.push_str(&format!(", {} violated", self.pair_violated));
            }
            if self.pair_unclaimed > 0 {
                line.push_str(&format!(", {} not claimed (no healthy link untouched by faults, or a flapping one above it)", self.pair_unclaimed));
            }
            if missed > 0 {
                line.push_str(&format!(
                    ", {missed} not checked (after the end of the run)"
                ));
            }
            notes.push(line);
        }
        notes
    }

    fn allowed(server: &Server, link: usize) -> bool {
        let core = &server.core;
        core.role() != Role::Backup
            || core.config().links[link].effective_priority() >= core.config().highest_priority()
    }

    /// Whether liveness can be promised for `server` ([`claimed`]), whose links have
    /// the connectors `connectors`: some link its role allows is healthy (and `usable`,
    /// by the server's link index), no allowed link can win and then fail (flapping:
    /// any number of such failures may follow, so no bound holds; L1 assumes "nothing
    /// fails"), and no allowed link whose connector `blocks` has a priority at or above
    /// it.
    fn liveness_claimed(
        &self,
        server: &Server,
        connectors: &[usize],
        usable: impl Fn(usize) -> bool,
        blocks: impl Fn(usize) -> bool,
    ) -> bool {
        let links = &server.core.config().links;
        let candidates: Vec<Candidate> = connectors
            .iter()
            .enumerate()
            .map(|(l, &c)| Candidate {
                health: self.health[c],
                allowed: Self::allowed(server, l),
                usable: usable(l),
                blocks: blocks(c),
                priority: links[l].effective_priority(),
            })
            .collect();
        claimed(&candidates)
    }

    /// Whether every link `server`'s role allows (its connector among `connectors`) is
    /// healthy and `usable` (by the server's link index).
    fn all_allowed_healthy(
        &self,
        server: &Server,
        connectors: &[usize],
        usable: impl Fn(usize) -> bool,
    ) -> bool {
        connectors
            .iter()
            .enumerate()
            .filter(|(l, _)| Self::allowed(server, *l))
            .all(|(l, &c)| self.health[c] == Health::Healthy && usable(l))
    }
}

impl Observe for Checker {
    // Inlined into the engine's call sites, where the observation's kind is known:
    // the match then folds away, and a kind a watcher ignores costs nothing.
    #[inline(always)]
    fn observe(&mut self, at: Instant, seen: &Observation<'_>, world: &World) -> Option<Found> {
        match *seen {
            Observation::Clock {
                next,
                end_of_run: true,
            } => self
                .final_check(at, world)
                .or_else(|| self.before(at, next, true, world)),
            Observation::Clock { next, end_of_run } => self.before(at, next, end_of_run, world),
            Observation::Step(ref stepped) => self.stepped(at, stepped, world),
            Observation::PairCheckScheduled => {
                // Counted, to report the ones the run ends before.
                self.pair_checks_scheduled += 1;
                None
            }
            Observation::Settled => self.after_actions(at, world),
            Observation::PairCheck { failed_at } => self.pair_liveness(at, failed_at, world),
            Observation::Told {
                server,
                told: Told::Heard(event),
            } => self.heard(at, server, event),
            Observation::Carried { .. }
            | Observation::Told { .. }
            | Observation::Fault { .. }
            | Observation::Note(_)
            | Observation::Violation(_) => None,
        }
    }
}

/// How a run checks its cores' invariants (I1-I8 in state form) after every step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum CheckMode {
    /// Incremental for a core of more than [`SMALL_CORE_LINKS`] links, a full pass
    /// for a smaller one (where the pass costs less than keeping the view).
    #[default]
    Auto,
    /// A full pass over every link after every step: quadratic in links over a run.
    Full,
    /// At the cost of what each step changed ([`link_core::InvariantTracker`]), with a
    /// full pass at the end of the run.
    Incremental,
}

/// Up to this many links, [`CheckMode::Auto`] makes a full pass: over `explore`'s
/// worlds (1-6 links) a pass costs about 420 instructions a step and the incremental
/// check about 520 (callgrind, `explore --seeds 0..300 --jobs 1`).
pub const SMALL_CORE_LINKS: usize = 16;

/// The state of every link.
fn snapshot(core: &LinkCore) -> Snapshot {
    core.link_ids().map(|l| link_snapshot(core, l)).collect()
}

/// Brings `snapshot` up to date after a step that touched `touched`. Debug builds
/// (every test) also prove that no other link changed, and say so if one did.
fn update_snapshot(
    core: &LinkCore,
    snapshot: &mut Snapshot,
    touched: &[LinkId],
) -> Result<(), String> {
    for &link in touched {
        snapshot[link.index()] = link_snapshot(core, link);
    }
    #[cfg(debug_assertions)]
    if let Some(link) = core
        .link_ids()
        .find(|&l| snapshot[l.index()] != link_snapshot(core, l))
    {
        return Err(format!(
            "{} changed in a step whose input and actions do not name it",
            link_name(core, link)
        ));
    }
    Ok(())
}

/// One link's state and connection priority.
fn link_snapshot(core: &LinkCore, link: LinkId) -> (LinkState, i32) {
    (
        core.link_state(link).unwrap_or(LinkState::Closed),
        core.link_priority(link).unwrap_or(0),
    )
}

fn link_name(core: &LinkCore, link: LinkId) -> String {
    core.link_name(link).unwrap_or("?").to_string()
}

/// I5, with R1's side of it: a procedure opens exactly the links its role allows, of
/// those closed when it starts: a primary or standalone every one (R1), a backup those
/// of the highest configured priority (R2). The core's own checks cannot see a link
/// it should have opened and did not; only the actions show it. Sorts the opened links
/// in place (the step's record is cleared before the next step).
fn procedure_problem(core: &LinkCore, pre: &Snapshot, so_far: &mut StepSoFar) -> Option<String> {
    let role = so_far.procedure?;
    let highest = core.config().highest_priority();
    let dropped = &so_far.dropped;
    let closed = |l: LinkId| {
        pre.get(l.index())
            .is_some_and(|&(state, _)| state == LinkState::Closed)
            || dropped.contains(&l)
    };
    let allowed =
        |l: LinkId| role != Role::Backup || core.link_priority(l).is_some_and(|p| p >= highest);
    let expected = || core.link_ids().filter(move |&l| closed(l) && allowed(l));
    let opened = &mut so_far.opened;
    opened.sort_unstable();
    if opened.iter().copied().eq(expected()) {
        return None;
    }
    let names = |links: &mut dyn Iterator<Item = LinkId>| {
        let names: Vec<String> = links.map(|l| link_name(core, l)).collect();
        format!("[{}]", names.join(", "))
    };
    Some(format!(
        "a procedure as {role:?} opened {} but its role allows {} (R1: a primary or standalone opens every link; R2: a backup those of the highest configured priority, {highest})",
        names(&mut opened.iter().copied()),
        names(&mut expected())
    ))
}

/// I3 and I4 at an activation, against the state just before the step.
/// An activation as the checker judges it.
struct Activation<'a> {
    selected: LinkId,
    priority: i32,
    by_timeout: bool,
    /// The link the step's input concerns: it left the queue.
    input_link: Option<LinkId>,
    /// Links closed earlier in this step: they left the queue too.
    dropped: &'a [LinkId],
}

fn activation_problem(
    core: &LinkCore,
    pre: &Snapshot,
    normal_order: &BTreeMap<LinkId, u64>,
    activation: &Activation<'_>,
) -> Option<(Invariant, String)> {
    let Activation {
        selected,
        priority,
        by_timeout,
        ..
    } = *activation;
    for other in core.link_ids() {
        if other == selected
            || activation.input_link == Some(other)
            || activation.dropped.contains(&other)
        {
            continue;
        }
        let (state, other_priority) = pre[other.index()];
        // Words only for a violation: this runs on every activation.
        let name = || link_name(core, other);
        if state == LinkState::Operational && other_priority > priority {
            let detail = format!("I3: a higher operational link {} ({other_priority}) was passed over for priority {priority}", name());
            return Some((Invariant::I3, detail));
        }
        if state == LinkState::Operational
            && other_priority == priority
            && normal_order.get(&other) < normal_order.get(&selected)
        {
            let detail = format!(
                "I4: {} reported normal earlier at the same priority {priority}",
                name()
            );
            return Some((Invariant::I4, detail));
        }
        if state.is_waiting() && other_priority > priority && !by_timeout {
            let detail = format!("I3: activated at priority {priority} while {} ({other_priority}) was still waiting", name());
            return Some((Invariant::I3, detail));
        }
    }
    None
}

/// The checker's outside checks fed doctored runs by hand: each must fire on its own,
/// whatever the cores' own checks would have said.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::Stepped;

    fn world_of(json: &str) -> (Checked, World) {
        let checked = crate::scenario::parse(std::path::Path::new("doctored.json"), json)
            .expect("a valid scenario");
        let world = World::new(&checked);
        (checked, world)
    }

    /// Feeds `event` to `server`'s core at `now` and shows the step, its actions and
    /// the end of them to `checker`, as the engine would; the first violation.
    fn feed(
        checker: &mut Checker,
        world: &mut World,
        server: usize,
        now: Instant,
        event: Event,
    ) -> Option<Found> {
        let mut actions = Vec::new();
        let result = world.servers[server]
            .core
            .step_into(now, event, &mut actions);
        let touched: Vec<LinkId> = event
            .link()
            .into_iter()
            .chain(actions.iter().filter_map(Action::link))
            .collect();
        let stepped = Stepped {
            server,
            event,
            result: &result,
            actions: &actions,
            touched: &touched,
        };
        checker
            .observe(now, &Observation::Step(stepped), world)
            .or_else(|| checker.observe(now, &Observation::Settled, world))
    }

    /// `server`'s current connection on its link 0.
    fn conn(world: &World, server: usize) -> ConnId {
        world.servers[server]
            .core
            .connection(LinkId::new(0))
            .expect("open")
    }

    const PAIR: &str = r#"{"format": 1, "name": "doctored-pair", "seed": 1, "run_for": "60s",
        "config": {"links": [{"name": "A", "priority": 1}]},
        "servers": [{"name": "ts1", "role": "primary"}, {"name": "ts2", "role": "backup"}]}"#;

    #[test]
    fn two_primaries_are_an_h1_violation_whatever_the_cores_say() {
        let (checked, mut world) = world_of(PAIR);
        let mut checker = Checker::new(&checked, &world);
        let now = Instant::ZERO;
        assert_eq!(feed(&mut checker, &mut world, 0, now, Event::Start), None);
        assert_eq!(feed(&mut checker, &mut world, 1, now, Event::Start), None);
        // The Management Layer promotes the backup without demoting the primary.
        let promoted = Event::RoleChanged(Role::Primary);
        let found = feed(&mut checker, &mut world, 1, now, promoted).expect("a violation");
        assert_eq!(found.invariant, Invariant::H1);
        assert_eq!(found.detail, "both servers are primary");
    }

    #[test]
    fn an_active_link_lost_after_the_heal_with_every_connector_healthy_breaks_l1() {
        let json = r#"{"format": 1, "name": "doctored-one", "seed": 1, "run_for": "60s",
            "config": {"links": [{"name": "A", "priority": 1}]}}"#;
        let (checked, mut world) = world_of(json);
        let mut checker = Checker::new(&checked, &world);
        let mut now = Instant::ZERO;
        assert_eq!(feed(&mut checker, &mut world, 0, now, Event::Start), None);
        let a = conn(&world, 0);
        for event in [
            Event::TcpAccepted(a),
            Event::AssociationAccepted(a),
            Event::SystemStatus(a, link_core::SystemStatus::Normal),
        ] {
            now = now + Duration::from_millis(10);
            assert_eq!(feed(&mut checker, &mut world, 0, now, event), None);
        }
        assert!(world.servers[0].core.active_link().is_some());
        // Time passes L1's bound with the link active: L1 holds.
        let bound = checker
            .l1_at
            .expect("L1 is claimed: a healthy connector, no fault");
        now = bound + Duration::from_secs(1);
        let clock = Observation::Clock {
            next: now,
            end_of_run: false,
        };
        assert_eq!(checker.observe(bound, &clock, &world), None);
        // The healthy world never closes the connection; the doctored run does.
        let closed = Event::TcpClosed(a);
        let found = feed(&mut checker, &mut world, 0, now, closed).expect("a violation");
        assert_eq!(found.invariant, Invariant::L1);
        assert!(found
            .detail
            .starts_with("the active link was lost after faults healed"));
    }

    #[test]
    fn a_procedure_that_leaves_out_a_link_its_role_allows_breaks_i5() {
        let (_, world) = world_of(PAIR);
        // A primary's start, doctored: its open of A left out of the step's actions.
        let mut pre = vec![(LinkState::Closed, 1)];
        let mut so_far = StepSoFar {
            procedure: Some(Role::Primary),
            ..StepSoFar::default()
        };
        let core = &world.servers[0].core;
        let detail = procedure_problem(core, &pre, &mut so_far).expect("a violation");
        assert!(detail.starts_with("a procedure as Primary opened [] but its role allows [A]"));
        let mut opened = StepSoFar {
            procedure: Some(Role::Primary),
            opened: vec![LinkId::new(0)],
            ..StepSoFar::default()
        };
        assert_eq!(procedure_problem(core, &pre, &mut opened), None);
        // A link open before the procedure is not one it had to open.
        pre[0].0 = LinkState::Connecting;
        assert_eq!(procedure_problem(core, &pre, &mut so_far), None);
    }

    /// A pair on two connectors of different priorities: A (2) above B (1).
    const PAIR_OF_TWO: &str = r#"{"format": 1, "name": "doctored-pair-of-two", "seed": 1,
        "run_for": "60s",
        "config": {"links": [{"name": "A", "priority": 2}, {"name": "B", "priority": 1}]},
        "servers": [{"name": "ts1", "role": "primary"}, {"name": "ts2", "role": "backup"}]}"#;

    /// One server on one connector, no fault: L1 is claimed.
    const ONE: &str = r#"{"format": 1, "name": "doctored-one", "seed": 1, "run_for": "60s",
        "config": {"links": [{"name": "A", "priority": 1}]}}"#;

    /// The clock moved to `next` (the run ending there when `end_of_run`).
    fn clock(next: Instant, end_of_run: bool) -> Observation<'static> {
        Observation::Clock { next, end_of_run }
    }

    /// Brings server 0's link A to active, 10 ms a step from `now`; the time after.
    fn activate(checker: &mut Checker, world: &mut World, mut now: Instant) -> Instant {
        assert_eq!(feed(checker, world, 0, now, Event::Start), None);
        let a = conn(world, 0);
        for event in [
            Event::TcpAccepted(a),
            Event::AssociationAccepted(a),
            Event::SystemStatus(a, link_core::SystemStatus::Normal),
        ] {
            now = now + Duration::from_millis(10);
            assert_eq!(feed(checker, world, 0, now, event), None);
        }
        assert!(world.servers[0].core.active_link().is_some());
        now
    }

    #[test]
    fn a_backup_that_opens_below_the_highest_priority_breaks_i5_and_a_primary_does_not() {
        let (_, world) = world_of(PAIR_OF_TWO);
        let open = |server: usize, link: u16| {
            let core = &world.servers[server].core;
            let conn = ConnId {
                link: LinkId::new(link),
                generation: 1,
            };
            PerServer::new(2).audit_open(core, conn, &mut StepSoFar::default())
        };
        let below = open(1, 1).expect("a violation");
        assert_eq!(
            below,
            (Invariant::I5, "backup opened B below priority 2".into())
        );
        assert_eq!(open(1, 0), None, "A is of the highest priority");
        assert_eq!(open(0, 1), None, "a primary opens every link (R1)");
    }

    /// With the cores' own checks off in the core but on in the checker, the checker's
    /// call of them reports a backup holding a lower link; left out, the outside check
    /// of the backup's opens reports it on its own; and the full pass at the end of a
    /// run finds a bad state no step showed the checker.
    #[cfg(feature = "planted-bugs")]
    #[test]
    fn the_cores_state_checks_report_first_and_the_outside_checks_stand_alone() {
        let bug = link_core::PlantedBug::BackupOpensEveryLink;
        let planted = || {
            let (checked, mut world) = world_of(PAIR_OF_TWO);
            world.plant(bug, true);
            let checker = Checker::new(&checked, &world);
            (checker, world)
        };
        let now = Instant::ZERO;
        let (mut checker, mut world) = planted();
        let found = feed(&mut checker, &mut world, 1, now, Event::Start).expect("a violation");
        assert_eq!(found.invariant, Invariant::I5);
        assert!(
            found.detail.starts_with("core state after Start"),
            "{found:?}"
        );

        let (checker, mut world) = planted();
        let mut checker = checker.outside_only(true);
        let found = feed(&mut checker, &mut world, 1, now, Event::Start).expect("a violation");
        assert_eq!(found.detail, "backup opened B below priority 2");

        // The start never shown to the checker: only the end-of-run pass sees it.
        let (mut checker, mut world) = planted();
        let mut actions = Vec::new();
        let started = world.servers[1]
            .core
            .step_into(now, Event::Start, &mut actions);
        assert!(started.is_ok());
        let end = clock(now + Duration::from_secs(1), true);
        let found = checker.observe(now, &end, &world).expect("a violation");
        assert_eq!(found.invariant, Invariant::I5);
        assert!(found.detail.starts_with("core state at the end of the run"));
        assert_eq!(checker.observe(now, &end, &world), None, "one pass, once");
    }

    #[test]
    fn clients_told_connected_twice_or_of_a_link_other_than_the_one_announced_break_i6() {
        let (checked, world) = world_of(PAIR_OF_TWO);
        let now = Instant::ZERO;
        let [a, b] = [0, 1].map(LinkId::new);
        let connected = |link| ClientEvent::LinkConnected { link };
        let disconnected = |link| ClientEvent::LinkDisconnected { link };
        let mut checker = Checker::new(&checked, &world);
        assert_eq!(checker.heard(now, 0, connected(a)), None);
        assert_eq!(checker.heard(now, 0, disconnected(a)), None);
        assert_eq!(checker.heard(now, 0, connected(b)), None);
        let found = checker.heard(now, 0, disconnected(a)).expect("a violation");
        assert_eq!(found.invariant, Invariant::I6);
        assert!(found.detail.ends_with("for a link not announced connected"));

        let mut checker = Checker::new(&checked, &world);
        assert_eq!(checker.heard(now, 1, connected(a)), None);
        let found = checker.heard(now, 1, connected(b)).expect("a violation");
        assert!(found
            .detail
            .ends_with("twice without EventLinkDisconnected"));
        assert_eq!(found.server.as_deref(), Some("ts2"));
    }

    #[test]
    fn mid_run_l1_is_judged_once_time_moves_past_its_bound_and_not_at_it() {
        let (checked, world) = world_of(ONE);
        let mut checker = Checker::new(&checked, &world);
        let bound = checker.l1_at.expect("claimed");
        // Never started: no active link, so a check would fail.
        assert_eq!(checker.observe(bound, &clock(bound, false), &world), None);
        assert!(!checker.l1_done, "the bound itself is still within it");
        let after = bound + Duration::from_nanos(1);
        let found = checker
            .observe(bound, &clock(after, false), &world)
            .expect("a violation");
        assert_eq!(found.invariant, Invariant::L1);
        assert!(!checker.l1_held());
    }

    #[test]
    fn a_run_that_ends_at_the_bound_is_judged_and_one_that_ends_before_it_is_not() {
        let (checked, mut world) = world_of(ONE);
        let mut checker = Checker::new(&checked, &world);
        let now = activate(&mut checker, &mut world, Instant::ZERO);
        let bound = checker.l1_at.expect("claimed");
        assert!(!checker.l1_held(), "not yet checked");
        assert_eq!(checker.observe(now, &clock(bound, true), &world), None);
        assert!(checker.l1_held());
        assert_eq!(
            checker.liveness_notes(false),
            [format!("L1 checked at {bound}: ts active")]
        );

        let (checked, mut world) = world_of(ONE);
        let mut checker = Checker::new(&checked, &world);
        let now = activate(&mut checker, &mut world, Instant::ZERO);
        let early = Instant::from_nanos(bound.as_nanos() - 1);
        assert_eq!(checker.observe(now, &clock(early, true), &world), None);
        assert!(!checker.l1_held());
        let notes = checker.liveness_notes(false);
        assert!(notes[0].starts_with(&format!("L1 not checked: the run ends at {early}")));
    }

    #[test]
    fn after_the_bound_only_a_loss_breaks_l1_and_only_with_every_allowed_connector_healthy() {
        let (checked, world) = world_of(ONE);
        let mut checker = Checker::new(&checked, &world);
        checker.l1_done = true;
        let now = Instant::ZERO + Duration::from_secs(30);
        // Never active, so nothing was lost.
        assert_eq!(checker.observe(now, &Observation::Settled, &world), None);
        checker.per_server[0].disconnected_at = Some(now);
        let found = checker.observe(now, &Observation::Settled, &world);
        assert_eq!(found.map(|f| f.invariant), Some(Invariant::L1));
        // A connector that can fail again promises nothing.
        checker.health[0] = Health::Flapping;
        assert_eq!(checker.observe(now, &Observation::Settled, &world), None);
    }

    #[test]
    fn h1_recovery_counts_a_loss_after_the_failure_and_is_claimed_only_through_an_untouched_link() {
        let (checked, world) = world_of(PAIR);
        let mut checker = Checker::new(&checked, &world);
        assert_eq!(
            checker.liveness_notes(true),
            ["H1: never two primaries; no primary link failure to recover from"]
        );
        for _ in 0..4 {
            checker.observe(Instant::ZERO, &Observation::PairCheckScheduled, &world);
        }
        let failed_at = Instant::ZERO + Duration::from_secs(5);
        let now = failed_at + Duration::from_secs(10);
        // Neither server active now, but one lost a link it held after the failure.
        checker.per_server[0].disconnected_at = Some(failed_at + Duration::from_millis(1));
        assert_eq!(checker.pair_liveness(now, failed_at, &world), None);
        // A link lost at the failure itself is the failure, not a recovery.
        checker.per_server[0].disconnected_at = Some(failed_at);
        let found = checker.pair_liveness(now, failed_at, &world);
        assert_eq!(found.map(|f| f.invariant), Some(Invariant::H1Recovery));
        // A crash of A's connector over the window: no untouched link, nothing claimed.
        checker.fault_windows = vec![(Instant::ZERO, now, Some(0), true)];
        assert_eq!(checker.pair_liveness(now, failed_at, &world), None);
        assert_eq!(
            checker.liveness_notes(true),
            ["H1: never two primaries; recovery after 4 primary link failure(s): 1 held, 1 violated, \
              1 not claimed (no healthy link untouched by faults, or a flapping one above it), \
              1 not checked (after the end of the run)"]
        );
    }

    /// `activation_problem` for selecting B at `priority` after the states `pre`, with
    /// `normal` the order in which A and B reported normal (None: never).
    fn activation_of(
        pre: [(LinkState, i32); 2],
        normal: [Option<u64>; 2],
        priority: i32,
        by_timeout: bool,
    ) -> Option<Invariant> {
        let (_, world) = world_of(PAIR_OF_TWO);
        let [a, b] = [0, 1].map(LinkId::new);
        let order: BTreeMap<LinkId, u64> = [a, b]
            .into_iter()
            .zip(normal)
            .filter_map(|(l, n)| Some((l, n?)))
            .collect();
        let activation = Activation {
            selected: b,
            priority,
            by_timeout,
            input_link: None,
            dropped: &[],
        };
        activation_problem(&world.servers[0].core, &pre.to_vec(), &order, &activation)
            .map(|(invariant, _)| invariant)
    }

    #[test]
    fn an_activation_passing_over_a_higher_operational_link_or_an_earlier_normal_breaks_i3_or_i4() {
        use LinkState::Operational;
        let twice = [Some(1), Some(2)];
        let higher = activation_of([(Operational, 2), (Operational, 1)], twice, 1, false);
        assert_eq!(higher, Some(Invariant::I3));
        // R6: at the same priority, the first `normal` wins.
        let equal = [(Operational, 1), (Operational, 1)];
        assert_eq!(activation_of(equal, [Some(2), Some(1)], 1, false), None);
        assert_eq!(activation_of(equal, twice, 1, false), Some(Invariant::I4));
    }

    #[test]
    fn only_a_higher_waiting_link_holds_back_an_activation_and_not_past_connect_tout() {
        use LinkState::{Connecting, Operational};
        let normal = [None, Some(1)];
        let same = [(Connecting, 1), (Operational, 1)];
        assert_eq!(activation_of(same, normal, 1, false), None);
        let higher = [(Connecting, 2), (Operational, 1)];
        assert_eq!(activation_of(higher, normal, 1, false), Some(Invariant::I3));
        assert_eq!(activation_of(higher, normal, 1, true), None, "R8");
    }
}
