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

/// The account fed doctored steps by hand: each finding must come from the account
/// alone, whatever the core's own checks would say.
#[cfg(test)]
mod tests {
    use super::*;
    use link_core::{Config, Instant, KeepaliveLossRate, LinkConfig, LinkId, OptionChange};
    use link_core::{OptionChanges, SystemStatus};
    use std::time::Duration;

    /// One link, keep-alive every 10 s at `tolerance`, each positive answer taking one
    /// failure off.
    fn config(tolerance: u8) -> Config {
        Config::new([LinkConfig::new("A")])
            .with_keepalive(Duration::from_secs(10), tolerance)
            .with_keepalive_loss_rate(KeepaliveLossRate::single(1))
    }

    /// A core of `config` whose link is active, and an account that has followed it
    /// there; the active connection.
    fn active(config: Config) -> (LinkCore, Account, ConnId) {
        let mut core = LinkCore::new(config).unwrap();
        let mut account = Account::default();
        core.step(Instant::ZERO, Event::Start).unwrap();
        let conn = core.connection(LinkId::new(0)).unwrap();
        for event in [
            Event::TcpAccepted(conn),
            Event::AssociationAccepted(conn),
            Event::SystemStatus(conn, SystemStatus::Normal),
        ] {
            let mut actions = Vec::new();
            let outcome = core.step_into(Instant::ZERO, event, &mut actions).unwrap();
            assert_eq!(account.after_step(&core, event, outcome, &actions), None);
        }
        assert_eq!(core.active_link(), Some(LinkId::new(0)));
        (core, account, conn)
    }

    const FIRED: Event = Event::TimerExpired(Timer::KeepAlive);

    /// A request sent, then the next firing finding it unanswered: the account's
    /// finding for that firing (the doctored core keeps its link).
    fn missed(core: &LinkCore, account: &mut Account, conn: ConnId) -> Option<String> {
        let sent = [Action::SendKeepAlive(conn)];
        assert_eq!(
            account.after_step(core, FIRED, Outcome::Applied, &sent),
            None
        );
        account.after_step(core, FIRED, Outcome::Applied, &[])
    }

    #[test]
    fn a_link_that_reached_the_tolerance_and_stays_active_breaks_i2() {
        let (core, mut account, conn) = active(config(1));
        let problem = missed(&core, &mut account, conn).expect("a violation of I2");
        assert!(
            problem.starts_with("1 keep-alive(s) counted unanswered")
                && problem.ends_with("and the link stays active"),
            "{problem}"
        );
    }

    #[test]
    fn an_answer_or_an_error_to_no_outstanding_request_is_only_traffic() {
        let (core, mut account, conn) = active(config(2));
        assert_eq!(
            missed(&core, &mut account, conn),
            None,
            "one failure of two"
        );
        let applied = Outcome::Applied;
        // Nothing is outstanding: an answer takes no failure off, an error adds none.
        let answered = Event::KeepAliveAnswered(conn);
        assert_eq!(account.after_step(&core, answered, applied, &[]), None);
        let rejected = Event::KeepAliveRejected(conn);
        assert_eq!(account.after_step(&core, rejected, applied, &[]), None);
        let problem = missed(&core, &mut account, conn).expect("the second failure");
        assert!(
            problem.starts_with("2 keep-alive(s) counted unanswered"),
            "{problem}"
        );
    }

    #[test]
    fn keepalive_turned_off_clears_the_account() {
        let off = OptionChange::KeepaliveInterval(Duration::ZERO);
        let changes = [
            Event::OptionChanged(off),
            Event::OptionsChanged(OptionChanges::from(off)),
        ];
        for change in changes {
            let (core, mut account, conn) = active(config(1));
            let sent = [Action::SendKeepAlive(conn)];
            assert_eq!(
                account.after_step(&core, FIRED, Outcome::Applied, &sent),
                None
            );
            assert_eq!(
                account.after_step(&core, change, Outcome::Applied, &[]),
                None
            );
            // The request sent before is forgotten: a firing now finds nothing missed.
            let fired = account.after_step(&core, FIRED, Outcome::Applied, &[]);
            assert_eq!(fired, None, "{change:?}");
        }
    }

    #[test]
    fn a_failure_status_on_the_active_link_that_stays_active_breaks_i2() {
        let (core, mut account, conn) = active(config(1));
        assert!(core
            .config()
            .status_policy
            .is_failure(SystemStatus::Disabled));
        let disabled = Event::SystemStatus(conn, SystemStatus::Disabled);
        let problem = account.after_step(&core, disabled, Outcome::Applied, &[]);
        let problem = problem.expect("a violation of I2");
        assert!(
            problem.starts_with("the active link reported SystemStatus"),
            "{problem}"
        );
        // A warning status is no failure.
        let (core, mut account, conn) = active(config(1));
        assert!(!core
            .config()
            .status_policy
            .is_failure(SystemStatus::MessagesLost));
        let lost = Event::SystemStatus(conn, SystemStatus::MessagesLost);
        assert_eq!(account.after_step(&core, lost, Outcome::Applied, &[]), None);
    }

    #[test]
    fn the_step_that_turns_keepalive_off_is_still_judged() {
        // The account keeps its connection through the change: an "unstable" warning
        // logged in that very step (with a one-value loss rate, there is none) is seen.
        let (core, mut account, conn) = active(config(1));
        let off = Event::OptionChanged(OptionChange::KeepaliveInterval(Duration::ZERO));
        let warnings = 1;
        let unstable = [Action::Log(LogRecord::LinkUnstable {
            link: conn.link,
            warnings,
        })];
        let problem = account.after_step(&core, off, Outcome::Applied, &unstable);
        let problem = problem.expect("an unstable warning without a warning counter");
        assert!(
            problem.starts_with("an \"unstable\" warning was logged"),
            "{problem}"
        );
    }

    /// A request sent and answered: the account's finding for the answer.
    fn answered(core: &LinkCore, account: &mut Account, conn: ConnId) -> Option<String> {
        let sent = [Action::SendKeepAlive(conn)];
        assert_eq!(
            account.after_step(core, FIRED, Outcome::Applied, &sent),
            None
        );
        let answer = Event::KeepAliveAnswered(conn);
        account.after_step(core, answer, Outcome::Applied, &[])
    }

    /// Tolerance 2; each answer takes a failure off, every second one a warning.
    fn two_counters() -> Config {
        config(2).with_keepalive_loss_rate(KeepaliveLossRate::pair(1, 2))
    }

    #[test]
    fn the_warning_counter_reaching_the_tolerance_needs_an_unstable_warning() {
        let (core, mut account, conn) = active(two_counters());
        // An answer while no warning is counted does not count towards the next one.
        assert_eq!(answered(&core, &mut account, conn), None);
        assert_eq!(missed(&core, &mut account, conn), None, "one warning");
        assert_eq!(
            answered(&core, &mut account, conn),
            None,
            "one answer of two"
        );
        let problem = missed(&core, &mut account, conn).expect("two warnings, no log");
        assert!(
            problem.starts_with("the warning counter reached kpl-tolerance 2"),
            "{problem}"
        );
    }

    #[test]
    fn every_second_answer_takes_a_warning_off() {
        let (core, mut account, conn) = active(two_counters());
        assert_eq!(missed(&core, &mut account, conn), None, "one warning");
        assert_eq!(answered(&core, &mut account, conn), None);
        assert_eq!(answered(&core, &mut account, conn), None, "no warning left");
        // One warning again, not two: nothing to log.
        assert_eq!(missed(&core, &mut account, conn), None);
    }

    #[test]
    fn a_loss_to_keepalive_below_the_tolerance_or_to_a_warning_status_breaks_i2() {
        let (core, mut account, conn) = active(config(2));
        let link = conn.link;
        let cause = link_core::LossCause::KeepAliveLost;
        let lost = [Action::Log(LogRecord::ActiveLinkLost { link, cause })];
        let problem = account.after_step(&core, FIRED, Outcome::Applied, &lost);
        let problem = problem.expect("lost with no failure counted");
        assert!(problem.starts_with("the link was lost to keep-alive with 0 failure(s)"));
        let (core, mut account, _) = active(config(2));
        let cause = link_core::LossCause::Status(SystemStatus::MessagesLost);
        let lost = [Action::Log(LogRecord::ActiveLinkLost { link, cause })];
        let problem = account.after_step(&core, FIRED, Outcome::Applied, &lost);
        let problem = problem.expect("lost to a warning status");
        assert!(
            problem.starts_with("the link was lost to SystemStatus"),
            "{problem}"
        );
    }

    /// An answer in a step that logs an "unstable" warning: the account's finding.
    fn answered_unstable(core: &LinkCore, account: &mut Account, conn: ConnId) -> Option<String> {
        let (link, warnings) = (conn.link, 1);
        let unstable = [Action::Log(LogRecord::LinkUnstable { link, warnings })];
        let answer = Event::KeepAliveAnswered(conn);
        account.after_step(core, answer, Outcome::Applied, &unstable)
    }

    #[test]
    fn no_unstable_warning_at_tolerance_zero_even_with_two_counters() {
        let zero = config(0).with_keepalive_loss_rate(KeepaliveLossRate::pair(1, 2));
        let (core, mut account, conn) = active(zero);
        let problem = answered_unstable(&core, &mut account, conn);
        let problem = problem.expect("an unstable warning at tolerance 0");
        assert!(
            problem.contains("with a one-value kpl-loss-rate or at kpl-tolerance 0"),
            "{problem}"
        );
    }

    #[test]
    fn an_unstable_warning_below_the_tolerance_breaks_r14() {
        let (core, mut account, conn) = active(two_counters());
        let problem = answered_unstable(&core, &mut account, conn);
        let problem = problem.expect("no warning counted yet");
        assert!(
            problem.starts_with("an \"unstable\" warning was logged with the warning counter at 0"),
            "{problem}"
        );
    }

    #[test]
    fn a_link_no_longer_active_is_not_held_to_the_tolerance() {
        let (active_core, mut account, conn) = active(config(1));
        let sent = [Action::SendKeepAlive(conn)];
        assert_eq!(
            account.after_step(&active_core, FIRED, Outcome::Applied, &sent),
            None
        );
        // The firing that reaches the tolerance finds the connection still current but
        // no longer the active link (its core is selecting again): nothing to judge.
        let core = selecting();
        assert_eq!(core.connection(conn.link), Some(conn));
        assert_eq!(
            account.after_step(&core, FIRED, Outcome::Applied, &[]),
            None
        );
        // The same firing on the core that kept its link is a violation.
        let (active_core, mut account, conn) = active(config(1));
        assert!(missed(&active_core, &mut account, conn).is_some());
    }

    /// A core of `config(1)` that has opened its link and selects: the connection is
    /// the one [`active`]'s core made, and no link is active.
    fn selecting() -> LinkCore {
        let mut core = LinkCore::new(config(1)).unwrap();
        core.step(Instant::ZERO, Event::Start).unwrap();
        core
    }
}
