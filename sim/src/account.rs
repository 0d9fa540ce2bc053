//! [`Account`]: the checker's own account of the active link's health, kept from what
//! the simulator carried rather than from the core's state: R14's counters from the
//! keep-alive requests sent, the firings that found one unanswered and the answers
//! delivered; R15's failures from the statuses delivered. It proves I2 ("the active
//! link has not failed since") from outside: a link whose failure counter reached
//! `kpl-tolerance`, or that reported a failure status, must not stay active, and a link
//! lost to keep-alive must have reached it.

use link_core::{
    Action, ConnId, Event, LinkCore, LogRecord, LossCause, OptionChange, Outcome, Timer,
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
        let problem = self.judge(core, actions);
        let active = core.active_link().and_then(|link| core.connection(link));
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
                self.failures += 1;
                self.warnings += 1;
                self.outstanding = false;
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
            Event::OptionChanged(OptionChange::KeepaliveInterval(interval))
                if interval.is_zero() =>
            {
                self.outstanding = false;
            }
            _ => {}
        }
        None
    }

    /// One positive answer, toward each counter's `kpl-loss-rate`.
    fn count_answer(&mut self, core: &LinkCore) {
        let rate = core.config().keepalive_loss_rate;
        if rate.failure_every() > 0 {
            self.answers_for_failure += 1;
            if self.answers_for_failure >= rate.failure_every() {
                self.answers_for_failure = 0;
                self.failures = self.failures.saturating_sub(1);
            }
        }
        if let Some(every) = rate.warning_every().filter(|&every| every > 0) {
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
        let lost_to_keepalive = actions.iter().any(|a| {
            matches!(
                a,
                Action::Log(LogRecord::ActiveLinkLost {
                    cause: LossCause::KeepAliveLost,
                    ..
                })
            )
        });
        if lost_to_keepalive && self.failures < threshold {
            return Some(format!(
                "the link was lost to keep-alive with {} failure(s) counted, below kpl-tolerance {threshold} (R14)",
                self.failures
            ));
        }
        None
    }
}
