//! Keep-alive on the active link (R14) and the timing options a runtime changes at run
//! time (R16). When the link has been idle for `kpl-interval` a request is sent; a
//! request still unanswered when the next interval ends, or answered with an error (at
//! once, when the error arrives), adds one to the failure counter and one to the
//! warning counter. Positive answers take one off the failure counter every
//! `kpl-loss-rate` failure rate and one off the warning counter every warning rate.
//! The failure counter at `kpl-tolerance` loses the link (R10); the warning counter at
//! `kpl-tolerance` logs it unstable, once, until it falls below again. The warning
//! counter is kept only with a two-value rate (a second value given at run time starts
//! it at zero), and at tolerance 0 there is no unstable state. Other traffic postpones
//! the next request while none is outstanding; it answers none.

use alloc::vec::Vec;

use crate::{
    Action, CloseReason, Instant, LinkCore, LinkState, LogRecord, LossCause, Mark, OptionChanges,
    Outcome, Phase, Timer,
};

/// Keep-alive bookkeeping for the active link (R14); reset at every activation.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct KeepAlive {
    /// A request was sent and not answered yet.
    pub(crate) outstanding: bool,
    /// The failure counter.
    pub(crate) failures: u8,
    /// The warning counter (kept only with a two-value `kpl-loss-rate`).
    pub(crate) warnings: u32,
    /// Positive answers since the failure counter was last decremented.
    pub(crate) answers_for_failure: u32,
    /// Positive answers since the warning counter was last decremented.
    pub(crate) answers_for_warning: u32,
    /// The unstable warning was logged and the warning counter has not fallen below
    /// `kpl-tolerance` since.
    pub(crate) unstable: bool,
}

impl LinkCore {
    /// The counter value at which the link is lost or unstable: `kpl-tolerance`, where
    /// 0 means the first failure is enough.
    fn keepalive_threshold(&self) -> u32 {
        u32::from(self.config.keepalive_tolerance.max(1))
    }

    /// R14: the idle interval ended. Count the outstanding request as a failure (and
    /// lose the link at the tolerance), then send the next request.
    pub(crate) fn on_keepalive_due(&mut self, now: Instant, out: &mut Vec<Action>) {
        // Unreachable with no active link: the keep-alive timer is armed only while a
        // link is active and cancelled when it leaves (`leave_active`), and a timer is
        // handled only at the deadline it is armed for (I8).
        let Phase::Active(link) = self.phase else {
            return;
        };
        if self.keepalive.outstanding {
            self.mark(Mark::RequestMissed);
            self.count_failure();
            out.push(Action::Log(LogRecord::KeepAliveMissed {
                link,
                failures: self.keepalive.failures,
            }));
            if self.judge_counters(now, false, out) {
                return;
            }
        }
        self.keepalive.outstanding = true;
        out.push(Action::SendKeepAlive(self.conn_id(link.index())));
        self.arm(Timer::KeepAlive, now + self.config.keepalive_interval, out);
    }

    /// One failure: the failure counter, and the warning counter when one is kept.
    fn count_failure(&mut self) {
        let kept = self.config.keepalive_loss_rate.warning_every().is_some();
        let keepalive = &mut self.keepalive;
        keepalive.failures = keepalive.failures.saturating_add(1);
        if kept {
            keepalive.warnings = keepalive.warnings.saturating_add(1);
        }
    }

    /// R14 against the counters as they are now: the failure counter at the threshold
    /// loses the active link (returns true); the warning counter at it logs the link
    /// unstable once, and below it clears that. `changed` says the judgement is of a
    /// changed option (R16), for the coverage marks.
    fn judge_counters(&mut self, now: Instant, changed: bool, out: &mut Vec<Action>) -> bool {
        let Phase::Active(link) = self.phase else {
            return false;
        };
        let threshold = self.keepalive_threshold();
        if u32::from(self.keepalive.failures) >= threshold {
            self.mark(if changed {
                Mark::LostAtOptionChange
            } else {
                Mark::LostByKeepAlive
            });
            self.close(link.index(), CloseReason::KeepAliveLost, out);
            self.lose_active(now, link.index(), LossCause::KeepAliveLost, out);
            return true;
        }
        // No unstable state at tolerance 0 (the first failure loses the link), and none
        // without a warning counter.
        let tolerance = self.config.keepalive_tolerance;
        if tolerance > 0 && self.config.keepalive_loss_rate.warning_every().is_some() {
            let warnings = self.keepalive.warnings;
            if warnings >= threshold && !self.keepalive.unstable {
                self.mark(if changed {
                    Mark::UnstableAtOptionChange
                } else {
                    Mark::Unstable
                });
                self.keepalive.unstable = true;
                out.push(Action::Log(LogRecord::LinkUnstable { link, warnings }));
            } else if warnings < threshold && core::mem::take(&mut self.keepalive.unstable) {
                self.mark(Mark::StableAgain);
            }
        }
        false
    }

    /// R14: a keep-alive answer. It answers the outstanding request, if any (a positive
    /// answer, counted toward `kpl-loss-rate`); either way it is traffic.
    pub(crate) fn on_keepalive_answer(
        &mut self,
        now: Instant,
        index: usize,
        out: &mut Vec<Action>,
    ) -> Outcome {
        if self.slots[index].state != LinkState::Active {
            return self.unexpected(index);
        }
        if core::mem::take(&mut self.keepalive.outstanding) {
            self.count_positive_answer();
            self.judge_counters(now, false, out);
        }
        self.postpone_request(now, out);
        Outcome::Applied
    }

    /// R14: a keep-alive answered with an error. It answers the outstanding request, if
    /// any, with one failure at once (the connector says it cannot serve); either way it
    /// is traffic.
    pub(crate) fn on_keepalive_rejected(
        &mut self,
        now: Instant,
        index: usize,
        out: &mut Vec<Action>,
    ) -> Outcome {
        if self.bug(crate::PlantedBug::NegativeAnswerIgnored) {
            return self.on_keepalive_answer(now, index, out);
        }
        let Phase::Active(link) = self.phase else {
            return self.unexpected(index);
        };
        if link.index() != index {
            return self.unexpected(index);
        }
        if core::mem::take(&mut self.keepalive.outstanding) {
            self.mark(Mark::NegativeAnswer);
            self.count_failure();
            out.push(Action::Log(LogRecord::KeepAliveRejected {
                link,
                failures: self.keepalive.failures,
            }));
            if self.judge_counters(now, false, out) {
                return Outcome::Applied;
            }
        }
        self.postpone_request(now, out);
        Outcome::Applied
    }

    /// Takes one off each counter when its rate of positive answers is reached. Answers
    /// count toward a decrement only while the counter is above 0: a healthy stretch
    /// does not bank credit against later failures.
    fn count_positive_answer(&mut self) {
        let rate = self.config.keepalive_loss_rate;
        let clears_all = self.bug(crate::PlantedBug::PositiveAnswerClearsFailures);
        let keepalive = &mut self.keepalive;
        if clears_all {
            keepalive.failures = 0;
            keepalive.warnings = 0;
            return;
        }
        let before = (keepalive.failures, keepalive.warnings);
        let failures = u32::from(keepalive.failures);
        let failures = one_off_every(
            failures,
            &mut keepalive.answers_for_failure,
            rate.failure_every(),
        );
        keepalive.failures = u8::try_from(failures).unwrap_or(u8::MAX);
        let warning_bug = self.bug(crate::PlantedBug::WarningCounterAtFailureRate);
        let keepalive = &mut self.keepalive;
        if let Some(every) = rate.warning_every() {
            let every = if warning_bug {
                rate.failure_every()
            } else {
                every
            };
            let answers = &mut keepalive.answers_for_warning;
            keepalive.warnings = one_off_every(keepalive.warnings, answers, every);
        }
        let after = (keepalive.failures, keepalive.warnings);
        if after.0 < before.0 {
            self.mark(Mark::FailureTakenOff);
        }
        if after.1 < before.1 {
            self.mark(Mark::WarningTakenOff);
        }
    }

    /// R14: traffic on the active link. While no request is outstanding the link is not
    /// idle, so the next request is postponed; an outstanding request keeps its
    /// deadline, since only an answer answers it.
    pub(crate) fn on_message(
        &mut self,
        now: Instant,
        index: usize,
        out: &mut Vec<Action>,
    ) -> Outcome {
        if self.slots[index].state != LinkState::Active {
            return self.unexpected(index);
        }
        self.postpone_request(now, out);
        Outcome::Applied
    }

    /// The active link is not idle: unless a request is outstanding (which keeps its
    /// deadline), the next one is due a whole `kpl-interval` from now.
    fn postpone_request(&mut self, now: Instant, out: &mut Vec<Action>) {
        if self.keepalive_enabled() && !self.keepalive.outstanding {
            self.arm(Timer::KeepAlive, now + self.config.keepalive_interval, out);
        }
    }

    /// R16: timing options changed, together (one input, one judgement). `connect-tout` is read when the next procedure
    /// starts; the `kpl-*` options apply to the active link at once: a new interval
    /// restarts the idle (or answer) interval from now (0 stops keep-alive and clears
    /// its counters), and the counters are judged against a new tolerance or loss rate
    /// at once. A single-value rate keeps no warning counter: a change to one value drops
    /// it, and a change to two values starts it at zero.
    pub(crate) fn on_options_changed(
        &mut self,
        now: Instant,
        changes: OptionChanges,
        out: &mut Vec<Action>,
    ) -> Outcome {
        // All of them first: nothing is judged half-applied.
        let mut count = 0;
        for change in changes.each() {
            self.config.apply_option(change);
            out.push(Action::Log(LogRecord::OptionChanged { change }));
            count += 1;
        }
        if count > 1 {
            self.mark(Mark::SeveralOptions);
        }
        if !matches!(self.phase, Phase::Active(_)) {
            self.mark(Mark::OptionsWhileSelecting);
            return Outcome::Applied;
        }
        self.mark(Mark::OptionsWhileActive);
        if let Some(interval) = changes.keepalive_interval {
            if !self.keepalive_enabled() {
                // Keep-alive off: nothing is counted any more; on again, it starts at 0.
                self.mark(Mark::KeepAliveStopped);
                self.keepalive = KeepAlive::default();
                self.cancel(Timer::KeepAlive, out);
                return Outcome::Applied;
            }
            self.mark(Mark::IntervalRestarted);
            self.arm(Timer::KeepAlive, now + interval, out);
        }
        if changes
            .keepalive_loss_rate
            .is_some_and(|rate| rate.warning_every().is_none())
        {
            self.mark(Mark::WarningCounterDropped);
            self.keepalive.warnings = 0;
            self.keepalive.answers_for_warning = 0;
            self.keepalive.unstable = false;
        }
        let tolerance_judged = changes.keepalive_tolerance.is_some()
            && !self.bug(crate::PlantedBug::ToleranceChangeNotJudged);
        if tolerance_judged || changes.keepalive_loss_rate.is_some() {
            self.judge_counters(now, true, out);
        }
        Outcome::Applied
    }
}

/// `counter` after one more positive answer, `answers` counting toward the next
/// decrement: one off every `every` answers while it is above 0 (0: never).
fn one_off_every(counter: u32, answers: &mut u32, every: u32) -> u32 {
    if every == 0 || counter == 0 {
        return counter;
    }
    *answers += 1;
    if *answers < every {
        return counter;
    }
    *answers = 0;
    counter - 1
}
