//! [`Account`]: the checker's own account of the active link's health, kept from what
//! the simulator carried rather than from the core's state: R14's counters from the
//! keep-alive requests sent, the firings that found one unanswered, the error answers
//! and the answers delivered; R15's failures from the statuses delivered. With R14's
//! turn-3 readings: the warning counter exists only with a two-value `kpl-loss-rate`
//! (a second value given at run time starts it at zero), and at tolerance 0 there is no
//! unstable state. It proves I2 ("the active
//! link has not failed since") from outside: a link whose failure counter reached
//! `kpl-tolerance`, or that reported a failure status, must not stay active; a link
//! lost to keep-alive must have reached it, and one lost to a status must have reported
//! a failure; and the "unstable" warning comes exactly when the warning counter reaches
//! the tolerance (once, until it falls below).

use link_core::{
    Action, ConnId, Event, LinkCore, LogRecord, LossCause, OptionChanges, Outcome, Timer,
};

/// One server's account of its active connection.
#[derive(Clone, Debug, Default)]
pub(crate) struct Account {
    /// The active connection the account is about.
    conn: Option<ConnId>,
    /// A keep-alive request was sent and not answered yet.
    outstanding: bool,
    failures: u32,
    warnings: u32,
    answers_for_failure: u32,
    answers_for_warning: u32,
    /// The warning counter is at `kpl-tolerance` and the core said so (R14's one
    /// "unstable" log until it falls below).
    unstable: bool,
}

impl Account {
    /// Brings the account up to date with one step and says what is wrong (I2), if
    /// anything.
    pub(crate) fn after_step(
        &mut self,
        core: &LinkCore,
        event: Event,
        outcome: Outcome,
        actions: &[Action],
    ) -> Option<String> {
        if outcome == Outcome::Applied && self.conn.is_some() {
            if let Some(problem) = self.input(core, event) {
                return Some(problem);
            }
        }
        let active = core.active_link().and_then(|link| core.connection(link));
        let mut problem = self.judge(core, actions);
        if problem.is_none() && active.is_some() && active == self.conn {
            problem = self.judge_unstable(core, actions);
        }
        if active != self.conn {
            *self = Account {
                conn: active,
                ..Account::default()
            };
        }
        if actions
            .iter()
            .any(|a| matches!(a, Action::SendKeepAlive(_)))
        {
            self.outstanding = true;
        }
        problem
    }

    /// An applied input on (or about) the tracked connection.
    fn input(&mut self, core: &LinkCore, event: Event) -> Option<String> {
        match event {
            Event::TimerExpired(Timer::KeepAlive) if self.outstanding => {
                self.failure(core);
            }
            Event::KeepAliveRejected(c) if Some(c) == self.conn && self.outstanding => {
                self.failure(core);
            }
            Event::KeepAliveAnswered(c) if Some(c) == self.conn && self.outstanding => {
                self.outstanding = false;
                self.count_answer(core);
            }
            Event::SystemStatus(c, status)
                if Some(c) == self.conn
                    && core.config().status_policy.is_failure(status)
                    && core.connection(c.link) == Some(c)
                    && core.active_link() == Some(c.link) =>
            {
                return Some(format!(
                    "the active link reported SystemStatus {status}, a failure under the status policy (R15), and stays active"
                ));
            }
            Event::OptionChanged(change) => self.options_changed(OptionChanges::from(change)),
            Event::OptionsChanged(changes) => self.options_changed(changes),
            _ => {}
        }
        None
    }

    /// R16 on the account: keep-alive off clears it; a single-value rate drops the
    /// warning counter.
    fn options_changed(&mut self, changes: OptionChanges) {
        if changes.keepalive_interval.is_some_and(|i| i.is_zero()) {
            *self = Account {
                conn: self.conn,
                ..Account::default()
            };
        } else if changes
            .keepalive_loss_rate
            .is_some_and(|rate| rate.warning_every().is_none())
        {
            self.warnings = 0;
            self.answers_for_warning = 0;
            self.unstable = false;
        }
    }

    /// One failure (a miss or an error answer): the failure counter, and the warning
    /// counter when the rate keeps one (the rate the core has after the step).
    fn failure(&mut self, core: &LinkCore) {
        self.failures += 1;
        if core.config().keepalive_loss_rate.warning_every().is_some() {
            self.warnings += 1;
        }
        self.outstanding = false;
    }

    /// One positive answer, toward each counter's `kpl-loss-rate`.
    fn count_answer(&mut self, core: &LinkCore) {
        let rate = core.config().keepalive_loss_rate;
        if rate.failure_every() > 0 && self.failures > 0 {
            self.answers_for_failure += 1;
            if self.answers_for_failure >= rate.failure_every() {
                self.answers_for_failure = 0;
                self.failures = self.failures.saturating_sub(1);
            }
        }
        let warning_every = rate.warning_every().filter(|&every| every > 0);
        if let Some(every) = warning_every.filter(|_| self.warnings > 0) {
            self.answers_for_warning += 1;
            if self.answers_for_warning >= every {
                self.answers_for_warning = 0;
                self.warnings = self.warnings.saturating_sub(1);
            }
        }
    }

    /// R14 against the account after the step's input: at the tolerance the link must
    /// be gone; lost to keep-alive, it must have been at the tolerance.
    fn judge(&self, core: &LinkCore, actions: &[Action]) -> Option<String> {
        let conn = self.conn?;
        let threshold = u32::from(core.config().keepalive_tolerance.max(1));
        let still_active =
            core.connection(conn.link) == Some(conn) && core.active_link() == Some(conn.link);
        if still_active && self.failures >= threshold {
            return Some(format!(
                "{} keep-alive(s) counted unanswered net of kpl-loss-rate {} reach kpl-tolerance {threshold} (R14), and the link stays active",
                self.failures,
                core.config().keepalive_loss_rate
            ));
        }
        for action in actions {
            match action {
                Action::Log(LogRecord::ActiveLinkLost {
                    cause: LossCause::KeepAliveLost,
                    ..
                }) if self.failures < threshold => {
                    return Some(format!(
                        "the link was lost to keep-alive with {} failure(s) counted, below kpl-tolerance {threshold} (R14)",
                        self.failures
                    ));
                }
                Action::Log(LogRecord::ActiveLinkLost {
                    cause: LossCause::Status(status),
                    ..
                }) if !core.config().status_policy.is_failure(*status) => {
                    return Some(format!(
                        "the link was lost to SystemStatus {status}, a warning under the status policy (R15)"
                    ));
                }
                _ => {}
            }
        }
        None
    }

    /// R14's "unstable" warning against the account, after the step (the link still
    /// active): logged exactly when the warning counter has just reached the tolerance
    /// with a two-value `kpl-loss-rate`.
    fn judge_unstable(&mut self, core: &LinkCore, actions: &[Action]) -> Option<String> {
        let threshold = u32::from(core.config().keepalive_tolerance.max(1));
        let logged = actions
            .iter()
            .any(|a| matches!(a, Action::Log(LogRecord::LinkUnstable { .. })));
        let config = core.config();
        if config.keepalive_loss_rate.warning_every().is_none() || config.keepalive_tolerance == 0 {
            // No warning counter with a one-value rate, and no unstable state at
            // tolerance 0 (the first failure loses the link).
            return logged.then(|| {
                "an \"unstable\" warning was logged with a one-value kpl-loss-rate or at kpl-tolerance 0 (R14)"
                    .to_string()
            });
        }
        let at_tolerance = self.warnings >= threshold;
        let warned_before = self.unstable;
        let expected = at_tolerance && !warned_before;
        self.unstable = at_tolerance;
        match (expected, logged) {
            (true, false) => Some(format!(
                "the warning counter reached kpl-tolerance {threshold} ({} unanswered net of kpl-loss-rate {}) and no \"unstable\" warning was logged (R14)",
                self.warnings,
                core.config().keepalive_loss_rate
            )),
            (false, true) => Some(format!(
                "an \"unstable\" warning was logged with the warning counter at {} (kpl-tolerance {threshold}, already warned: {}) (R14)",
                self.warnings, warned_before
            )),
            _ => None,
        }
    }
}
