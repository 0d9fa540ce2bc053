//! A deliberately simple reference model of R1-R16, written for clarity, not speed: one
//! function per input, plain loops, no caching. The property tests run it side by side
//! with `LinkCore` and require the same actions, in the same order, for every input.
//!
//! Ordering conventions it shares with the core (they are part of the contract a
//! runtime sees): a procedure logs its start, then opens links in configuration order,
//! then arms `connect-tout`; an activation logs 35115, notifies clients, closes the
//! others in configuration order, cancels `connect-tout`, then arms keep-alive; a loss
//! logs, cancels keep-alive, notifies clients, reports (HA), logs the restart, arms it;
//! a keep-alive miss logs, then either loses the link or logs "unstable" (when the
//! warning counter just reached the tolerance), then sends the next request; an option
//! change logs first.

use link_core::{
    Action, ClientEvent, CloseReason, Config, ConnId, Event, FirstStatusPolicy, Ignored, Instant,
    LinkId, LinkState, LogRecord, LossCause, OptionChange, Outcome, Role, StatusVerdict, StepError,
    SystemStatus, Timer,
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Idle,
    Selecting,
    Active(usize),
    Restarting,
    Stopped,
}

#[derive(Clone, Debug)]
struct Link {
    generation: u32,
    state: LinkState,
    /// Priority of the open connection (taken at open).
    priority: i32,
    /// When it reported normal (0: not in this procedure).
    normal_at: u64,
    /// Opened during this procedure.
    tried: bool,
    /// Reported a warning status and no `normal` since (R15).
    warned: bool,
}

/// R14's counters for the active link.
#[derive(Clone, Debug, Default)]
struct Kpl {
    outstanding: bool,
    failures: u32,
    warnings: u32,
    answers_since_failure_decrement: u32,
    answers_since_warning_decrement: u32,
    unstable: bool,
}

/// The reference model.
#[derive(Clone, Debug)]
pub struct Model {
    config: Config,
    role: Role,
    phase: Phase,
    links: Vec<Link>,
    timers: [Option<Instant>; 3],
    latest: Instant,
    normals: u64,
    kpl: Kpl,
    out: Vec<Action>,
}

fn id(i: usize) -> LinkId {
    LinkId::new(i as u16)
}

fn slot(timer: Timer) -> usize {
    match timer {
        Timer::ConnectTimeout => 0,
        Timer::RestartDelay => 1,
        Timer::KeepAlive => 2,
    }
}

impl Model {
    /// Feeds `state` what decides the model's future, in the form of
    /// `LinkCore::hash_canonical` (times relative to the latest input, the order of
    /// `normal` reports as ranks, generations left out): `crates/link-check` puts it in
    /// every state's key, so that a core whose state drifts from the model's is not
    /// merged with one that does not.
    pub fn hash_canonical<H: core::hash::Hasher>(&self, state: &mut H) {
        use core::hash::Hash;
        (&self.config, self.role, format!("{:?}", self.phase)).hash(state);
        for link in &self.links {
            let rank = self
                .links
                .iter()
                .filter(|l| l.normal_at != 0 && l.normal_at < link.normal_at)
                .count();
            (
                link.state,
                link.priority,
                link.tried,
                link.warned,
                link.normal_at != 0,
                rank,
            )
                .hash(state);
        }
        let latest = self.latest.as_nanos();
        for deadline in &self.timers {
            deadline
                .map(|d| d.as_nanos().saturating_sub(latest))
                .hash(state);
        }
        let k = &self.kpl;
        (k.outstanding, k.failures, k.warnings, k.unstable).hash(state);
        (
            k.answers_since_failure_decrement,
            k.answers_since_warning_decrement,
        )
            .hash(state);
    }

    /// The model of a core built with `config`, not started.
    pub fn new(config: Config) -> Self {
        let links = config
            .links
            .iter()
            .map(|l| Link {
                generation: 0,
                state: LinkState::Closed,
                priority: l.effective_priority(),
                normal_at: 0,
                tried: false,
                warned: false,
            })
            .collect();
        Model {
            role: config.role,
            config,
            phase: Phase::Idle,
            links,
            timers: [None; 3],
            latest: Instant::ZERO,
            normals: 0,
            kpl: Kpl::default(),
            out: Vec::new(),
        }
    }

    /// One input: the outcome and the actions, as the core must produce them.
    pub fn step(
        &mut self,
        now: Instant,
        event: Event,
    ) -> Result<(Outcome, Vec<Action>), StepError> {
        if now < self.latest {
            return Err(StepError::TimeWentBackwards {
                now,
                latest: self.latest,
            });
        }
        let mut longest = self
            .config
            .connect_timeout
            .max(self.config.restart_timeout)
            .max(self.config.keepalive_interval);
        let changes: Vec<OptionChange> = match event {
            Event::OptionChanged(change) => vec![change],
            Event::OptionsChanged(changes) => changes.each().collect(),
            _ => Vec::new(),
        };
        for &change in &changes {
            let valid = match change {
                OptionChange::ConnectTimeout(t) => {
                    t.as_secs_f64() >= 1.0 && t.as_secs_f64() <= 1000.0
                }
                OptionChange::KeepaliveInterval(t) => t.as_secs_f64() <= 600.0,
                OptionChange::KeepaliveTolerance(n) => n <= 10,
                OptionChange::KeepaliveLossRate(_) => true,
            };
            if !valid {
                return Err(StepError::OptionOutOfRange(change));
            }
            if let OptionChange::ConnectTimeout(t) | OptionChange::KeepaliveInterval(t) = change {
                longest = longest.max(t);
            }
        }
        if now.saturating_add(longest) == Instant::from_nanos(u64::MAX) {
            return Err(StepError::TimeOutOfRange { now });
        }
        if let Some(link) = event.link() {
            if link.index() >= self.links.len() {
                return Err(StepError::UnknownLink(link));
            }
        }
        self.latest = now;
        self.out.clear();
        let outcome = self.handle(now, event);
        Ok((outcome, std::mem::take(&mut self.out)))
    }

    fn handle(&mut self, now: Instant, event: Event) -> Outcome {
        if self.phase == Phase::Stopped {
            return Outcome::Ignored(Ignored::Stopped);
        }
        match event {
            Event::Start => {
                if self.phase != Phase::Idle {
                    return Outcome::Ignored(Ignored::AlreadyStarted);
                }
                self.procedure(now);
                Outcome::Applied
            }
            Event::Shutdown => {
                self.shutdown();
                Outcome::Applied
            }
            Event::RoleChanged(role) => self.role_changed(now, role),
            Event::Reconfigured { link, priority } => {
                self.reconfigured(now, link.index(), priority);
                Outcome::Applied
            }
            Event::TimerExpired(timer) => self.timer(now, timer),
            Event::OptionChanged(change) => {
                self.options_changed(now, &[change]);
                Outcome::Applied
            }
            Event::OptionsChanged(changes) => {
                let changes: Vec<OptionChange> = changes.each().collect();
                self.options_changed(now, &changes);
                Outcome::Applied
            }
            _ if self.phase == Phase::Idle => Outcome::Ignored(Ignored::NotStarted),
            _ => {
                let conn = event.conn().expect("the other events carry a connection");
                let i = conn.link.index();
                let link = &self.links[i];
                if link.state == LinkState::Closed || link.generation != conn.generation {
                    return Outcome::Ignored(Ignored::StaleConnection);
                }
                self.connection_event(now, i, event)
            }
        }
    }

    fn connection_event(&mut self, now: Instant, i: usize, event: Event) -> Outcome {
        let state = self.links[i].state;
        let unexpected = Outcome::Ignored(Ignored::UnexpectedInLinkState(state));
        match (event, state) {
            (Event::TcpAccepted(c), LinkState::Connecting) => {
                self.links[i].state = LinkState::Associating;
                self.out.push(Action::SendAssociationRequest(c));
            }
            (Event::TcpRefused(_), LinkState::Connecting) => {
                self.links[i].state = LinkState::Closed;
                self.out
                    .push(Action::Log(LogRecord::LinkRefused { link: id(i) }));
                self.decide(now);
            }
            (Event::TcpClosed(_), LinkState::Active) => {
                self.links[i].state = LinkState::Closed;
                self.lost(now, i, LossCause::ConnectionClosed);
            }
            (Event::TcpClosed(_), _) => {
                self.links[i].state = LinkState::Closed;
                self.out
                    .push(Action::Log(LogRecord::LinkClosedByPeer { link: id(i) }));
                self.decide(now);
            }
            (Event::AssociationAccepted(_), LinkState::Associating) => {
                self.links[i].state = LinkState::AwaitingStatus;
                self.out
                    .push(Action::Log(LogRecord::LinkEstablished { link: id(i) }));
            }
            (Event::AssociationRejected(_), LinkState::Associating) => {
                self.out
                    .push(Action::Log(LogRecord::AssociationRejected { link: id(i) }));
                self.close(i, CloseReason::AssociationRejected);
                self.decide(now);
            }
            (Event::SystemStatus(_, status), LinkState::AwaitingStatus) => {
                self.first_status(now, i, status);
            }
            (Event::SystemStatus(_, status), LinkState::Operational | LinkState::Active) => {
                return self.validated_status(now, i, status);
            }
            (Event::KeepAliveAnswered(_), LinkState::Active) => {
                if self.kpl.outstanding {
                    self.kpl.outstanding = false;
                    self.positive_answer();
                }
                self.traffic(now)
            }
            (Event::KeepAliveRejected(_), LinkState::Active) => {
                if self.keepalive_rejected(now, i) {
                    return Outcome::Applied;
                }
                self.traffic(now)
            }
            (Event::MessageReceived(_), LinkState::Active) => self.traffic(now),
            _ => return unexpected,
        }
        Outcome::Applied
    }

    /// R5, R6: the first status of an established link (`normal`: operational, and
    /// every waiting link at or below it is closed).
    fn first_status(&mut self, now: Instant, i: usize, status: SystemStatus) {
        if status == SystemStatus::Normal {
            self.normals += 1;
            self.links[i].state = LinkState::Operational;
            self.links[i].normal_at = self.normals;
            self.out
                .push(Action::Log(LogRecord::LinkOperational { link: id(i) }));
            let p = self.links[i].priority;
            for j in 0..self.links.len() {
                if waiting(self.links[j].state) && self.links[j].priority <= p {
                    self.close(j, CloseReason::Superseded);
                }
            }
            self.decide(now);
        } else if self.config.first_status == FirstStatusPolicy::Close {
            self.out.push(Action::Log(LogRecord::LinkNotOperational {
                link: id(i),
                status,
            }));
            self.close(i, CloseReason::NotOperational);
            self.decide(now);
        } else {
            self.out.push(Action::Log(LogRecord::LinkNotYetOperational {
                link: id(i),
                status,
            }));
        }
    }

    /// R14 (turn 3): a keep-alive answered with an error is one failure, at once.
    /// Whether the link was lost by it.
    fn keepalive_rejected(&mut self, now: Instant, i: usize) -> bool {
        if !self.kpl.outstanding {
            return false;
        }
        self.kpl.outstanding = false;
        self.failure();
        self.out.push(Action::Log(LogRecord::KeepAliveRejected {
            link: id(i),
            failures: self.kpl.failures as u8,
        }));
        self.judge(now, i)
    }

    /// R15 on an operational or active link.
    fn validated_status(&mut self, now: Instant, i: usize, status: SystemStatus) -> Outcome {
        let active = self.links[i].state == LinkState::Active;
        if status == SystemStatus::Normal {
            if self.links[i].warned {
                self.links[i].warned = false;
                self.out
                    .push(Action::Log(LogRecord::StatusRecovered { link: id(i) }));
            } else if !active {
                return Outcome::Ignored(Ignored::UnexpectedInLinkState(LinkState::Operational));
            }
        } else if self.config.status_policy.verdict(status) == StatusVerdict::Failure {
            if active {
                self.close(i, CloseReason::StatusFailure);
                self.lost(now, i, LossCause::Status(status));
            } else {
                self.out.push(Action::Log(LogRecord::CandidateWithdrawn {
                    link: id(i),
                    status,
                }));
                self.links[i].warned = false;
                if self.config.first_status == FirstStatusPolicy::Close {
                    self.close(i, CloseReason::StatusFailure);
                } else {
                    // R15 (turn 3): waiting again exactly as after a first status that
                    // was not `normal` (R5); no other closure.
                    self.links[i].state = LinkState::AwaitingStatus;
                    self.links[i].normal_at = 0;
                }
                self.decide(now);
            }
            return Outcome::Applied;
        } else {
            self.links[i].warned = true;
            self.out.push(Action::Log(LogRecord::StatusWarning {
                link: id(i),
                status,
            }));
        }
        if active {
            self.traffic(now);
        }
        Outcome::Applied
    }

    /// R14: traffic postpones the next request unless one is outstanding.
    fn traffic(&mut self, now: Instant) {
        if !self.config.keepalive_interval.is_zero() && !self.kpl.outstanding {
            self.arm(Timer::KeepAlive, now + self.config.keepalive_interval);
        }
    }

    /// R14: one positive answer, counted toward each counter's rate.
    fn positive_answer(&mut self) {
        let rate = self.config.keepalive_loss_rate;
        // Answers count only while there is something to take off (no banked credit).
        if rate.failure_every() != 0 && self.kpl.failures != 0 {
            self.kpl.answers_since_failure_decrement += 1;
            if self.kpl.answers_since_failure_decrement >= rate.failure_every() {
                self.kpl.answers_since_failure_decrement = 0;
                self.kpl.failures = self.kpl.failures.saturating_sub(1);
            }
        }
        if let Some(every) = rate.warning_every() {
            if every != 0 && self.kpl.warnings != 0 {
                self.kpl.answers_since_warning_decrement += 1;
                if self.kpl.answers_since_warning_decrement >= every {
                    self.kpl.answers_since_warning_decrement = 0;
                    self.kpl.warnings = self.kpl.warnings.saturating_sub(1);
                }
            }
            let threshold = u32::from(self.config.keepalive_tolerance.max(1));
            if self.kpl.warnings < threshold {
                self.kpl.unstable = false;
            }
        }
    }

    /// R14: one failure; the warning counter exists only with a two-value rate.
    fn failure(&mut self) {
        self.kpl.failures += 1;
        if self.config.keepalive_loss_rate.warning_every().is_some() {
            self.kpl.warnings += 1;
        }
    }

    /// R14 after a miss or a tolerance change: lost (true), or maybe unstable.
    fn judge(&mut self, now: Instant, i: usize) -> bool {
        let threshold = u32::from(self.config.keepalive_tolerance.max(1));
        if self.kpl.failures >= threshold {
            self.close(i, CloseReason::KeepAliveLost);
            self.lost(now, i, LossCause::KeepAliveLost);
            return true;
        }
        // Tolerance 0: no unstable state.
        if self.config.keepalive_tolerance > 0
            && self.config.keepalive_loss_rate.warning_every().is_some()
        {
            if self.kpl.warnings < threshold {
                self.kpl.unstable = false;
            } else if !self.kpl.unstable {
                self.kpl.unstable = true;
                self.out.push(Action::Log(LogRecord::LinkUnstable {
                    link: id(i),
                    warnings: self.kpl.warnings,
                }));
            }
        }
        false
    }

    /// R16: every change applied (and logged) first, then judged once: several
    /// options changed together are one change.
    fn options_changed(&mut self, now: Instant, changes: &[OptionChange]) {
        for &change in changes {
            match change {
                OptionChange::ConnectTimeout(t) => self.config.connect_timeout = t,
                OptionChange::KeepaliveInterval(t) => self.config.keepalive_interval = t,
                OptionChange::KeepaliveTolerance(n) => self.config.keepalive_tolerance = n,
                OptionChange::KeepaliveLossRate(r) => self.config.keepalive_loss_rate = r,
            }
            self.out
                .push(Action::Log(LogRecord::OptionChanged { change }));
        }
        let Phase::Active(i) = self.phase else { return };
        let mut judge = false;
        for &change in changes {
            match change {
                OptionChange::KeepaliveInterval(t) if t.is_zero() => {
                    self.kpl = Kpl::default();
                    self.cancel(Timer::KeepAlive);
                    return;
                }
                OptionChange::KeepaliveInterval(t) => self.arm(Timer::KeepAlive, now + t),
                OptionChange::KeepaliveLossRate(r) => {
                    // One value: no warning counter; a second value later starts it at 0.
                    if r.warning_every().is_none() {
                        self.kpl.warnings = 0;
                        self.kpl.answers_since_warning_decrement = 0;
                        self.kpl.unstable = false;
                    }
                    judge = true;
                }
                OptionChange::KeepaliveTolerance(_) => judge = true,
                OptionChange::ConnectTimeout(_) => {}
            }
        }
        if judge {
            self.judge(now, i);
        }
    }

    fn timer(&mut self, now: Instant, timer: Timer) -> Outcome {
        match self.timers[slot(timer)] {
            Some(at) if at <= now => self.timers[slot(timer)] = None,
            _ => return Outcome::Ignored(Ignored::TimerNotDue(timer)),
        }
        match timer {
            Timer::ConnectTimeout => match self.best() {
                Some(best) => self.activate(now, best),
                None => {
                    self.out.push(Action::Log(LogRecord::NoOperationalLink));
                    self.close_all_but_active(CloseReason::ConnectTimeout);
                    self.procedure(now);
                }
            },
            Timer::RestartDelay => self.procedure(now),
            Timer::KeepAlive => {
                let Phase::Active(i) = self.phase else {
                    return Outcome::Applied;
                };
                if self.kpl.outstanding {
                    self.failure();
                    self.out.push(Action::Log(LogRecord::KeepAliveMissed {
                        link: id(i),
                        failures: self.kpl.failures as u8,
                    }));
                    if self.judge(now, i) {
                        return Outcome::Applied;
                    }
                }
                self.kpl.outstanding = true;
                self.out.push(Action::SendKeepAlive(self.conn(i)));
                self.arm(Timer::KeepAlive, now + self.config.keepalive_interval);
            }
        }
        Outcome::Applied
    }

    fn role_changed(&mut self, now: Instant, role: Role) -> Outcome {
        if role == self.role {
            return Outcome::Ignored(Ignored::SameRole);
        }
        let from = self.role;
        self.role = role;
        self.out
            .push(Action::Log(LogRecord::RoleChanged { from, to: role }));
        if role == Role::Backup {
            self.backup_restriction(now);
        } else if self.phase == Phase::Selecting {
            self.open_untried();
            self.decide(now);
        }
        Outcome::Applied
    }

    fn reconfigured(&mut self, now: Instant, i: usize, priority: Option<i32>) {
        self.config.links[i].priority = priority;
        let was_active = self.phase == Phase::Active(i);
        self.out.push(Action::Log(LogRecord::LinkReconfigured {
            link: id(i),
            was_active,
        }));
        if was_active {
            self.close(i, CloseReason::Reconfigured);
            self.deactivate(i);
            self.procedure(now);
        } else if self.role == Role::Backup {
            self.backup_restriction(now);
        }
    }

    fn shutdown(&mut self) {
        if let Phase::Active(i) = self.phase {
            self.close(i, CloseReason::Shutdown);
            self.deactivate(i);
        }
        self.close_all_but_active(CloseReason::Shutdown);
        for timer in [Timer::ConnectTimeout, Timer::RestartDelay, Timer::KeepAlive] {
            self.cancel(timer);
        }
        self.phase = Phase::Stopped;
        self.out.push(Action::Log(LogRecord::Shutdown));
    }

    // ----- the rules -----

    fn highest(&self) -> i32 {
        self.config
            .links
            .iter()
            .map(|l| l.effective_priority())
            .max()
            .unwrap()
    }

    fn configured(&self, i: usize) -> i32 {
        self.config.links[i].effective_priority()
    }

    /// R2: what the role may hold.
    fn allowed(&self, i: usize) -> bool {
        self.role != Role::Backup || self.configured(i) >= self.highest()
    }

    /// R1, R2: a procedure.
    fn procedure(&mut self, now: Instant) {
        self.phase = Phase::Selecting;
        for link in &mut self.links {
            link.tried = false;
        }
        let to_open: Vec<usize> = (0..self.links.len())
            .filter(|&i| self.links[i].state == LinkState::Closed && self.allowed(i))
            .collect();
        self.out.push(Action::Log(LogRecord::ProcedureStarted {
            role: self.role,
            links_opened: to_open.len() as u16,
        }));
        for i in to_open {
            self.open(i);
        }
        self.arm(Timer::ConnectTimeout, now + self.config.connect_timeout);
    }

    /// The best operational link: highest priority, then earliest normal.
    fn best(&self) -> Option<usize> {
        (0..self.links.len())
            .filter(|&i| self.links[i].state == LinkState::Operational)
            .max_by_key(|&i| {
                (
                    self.links[i].priority,
                    std::cmp::Reverse(self.links[i].normal_at),
                )
            })
    }

    /// R7: activate the best operational link once nothing higher waits.
    fn decide(&mut self, now: Instant) {
        if self.phase != Phase::Selecting {
            return;
        }
        let Some(best) = self.best() else { return };
        let p = self.links[best].priority;
        if !self
            .links
            .iter()
            .any(|l| waiting(l.state) && l.priority > p)
        {
            self.activate(now, best);
        }
    }

    fn activate(&mut self, now: Instant, i: usize) {
        self.links[i].state = LinkState::Active;
        self.phase = Phase::Active(i);
        let priority = self.links[i].priority;
        self.out.push(Action::Log(LogRecord::LinkSelected {
            link: id(i),
            priority,
        }));
        self.out
            .push(Action::NotifyClients(ClientEvent::LinkConnected {
                link: id(i),
            }));
        self.close_all_but_active(CloseReason::NotSelected);
        self.cancel(Timer::ConnectTimeout);
        self.kpl = Kpl::default();
        if !self.config.keepalive_interval.is_zero() {
            self.arm(Timer::KeepAlive, now + self.config.keepalive_interval);
        }
    }

    /// The active link `i` is gone (already closed): clients are told once.
    fn deactivate(&mut self, i: usize) {
        self.cancel(Timer::KeepAlive);
        self.kpl = Kpl::default();
        self.out
            .push(Action::NotifyClients(ClientEvent::LinkDisconnected {
                link: id(i),
            }));
        self.phase = Phase::Selecting;
    }

    /// R10.
    fn lost(&mut self, now: Instant, i: usize, cause: LossCause) {
        self.out.push(Action::Log(LogRecord::ActiveLinkLost {
            link: id(i),
            cause,
        }));
        self.deactivate(i);
        if self.role != Role::Standalone {
            self.out.push(Action::ReportLinkFailure { link: id(i) });
        }
        self.phase = Phase::Restarting;
        let at = now + self.config.restart_timeout;
        self.out
            .push(Action::Log(LogRecord::RestartScheduled { at }));
        self.arm(Timer::RestartDelay, at);
    }

    /// R9, R11.
    fn backup_restriction(&mut self, now: Instant) {
        let highest = self.highest();
        match self.phase {
            Phase::Active(i) if self.configured(i) < highest => {
                let priority = self.configured(i);
                self.out.push(Action::Log(LogRecord::BackupDropsLowerLink {
                    link: id(i),
                    priority,
                    highest,
                }));
                self.close(i, CloseReason::BackupRestriction);
                self.deactivate(i);
                self.procedure(now);
            }
            Phase::Selecting => {
                for i in 0..self.links.len() {
                    if self.links[i].state != LinkState::Closed && !self.allowed(i) {
                        self.close(i, CloseReason::BackupRestriction);
                    }
                }
                self.open_untried();
                self.decide(now);
            }
            _ => {}
        }
    }

    /// R11: links not yet tried in this procedure that could still win.
    fn open_untried(&mut self) {
        let best = self.best().map(|b| self.links[b].priority);
        for i in 0..self.links.len() {
            let could_win = best.is_none_or(|p| self.configured(i) > p);
            if self.links[i].state == LinkState::Closed
                && !self.links[i].tried
                && self.allowed(i)
                && could_win
            {
                self.open(i);
            }
        }
    }

    // ----- primitives -----

    fn conn(&self, i: usize) -> ConnId {
        ConnId {
            link: id(i),
            generation: self.links[i].generation,
        }
    }

    fn open(&mut self, i: usize) {
        let priority = self.configured(i);
        let link = &mut self.links[i];
        link.generation = link.generation.wrapping_add(1);
        link.state = LinkState::Connecting;
        link.priority = priority;
        link.normal_at = 0;
        link.tried = true;
        link.warned = false;
        self.out.push(Action::Open(self.conn(i)));
    }

    fn close(&mut self, i: usize, reason: CloseReason) {
        self.links[i].state = LinkState::Closed;
        self.out.push(Action::Close {
            conn: self.conn(i),
            reason,
        });
    }

    fn close_all_but_active(&mut self, reason: CloseReason) {
        for i in 0..self.links.len() {
            if !matches!(self.links[i].state, LinkState::Closed | LinkState::Active) {
                self.close(i, reason);
            }
        }
    }

    fn arm(&mut self, timer: Timer, at: Instant) {
        self.timers[slot(timer)] = Some(at);
        self.out.push(Action::ArmTimer { timer, at });
    }

    fn cancel(&mut self, timer: Timer) {
        if self.timers[slot(timer)].take().is_some() {
            self.out.push(Action::CancelTimer(timer));
        }
    }
}

fn waiting(state: LinkState) -> bool {
    matches!(
        state,
        LinkState::Connecting | LinkState::Associating | LinkState::AwaitingStatus
    )
}
