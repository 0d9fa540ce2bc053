//! What a SystemStatus does to a link: the first one decides whether it is operational
//! (R5, with [`FirstStatusPolicy`]); on a validated link the [`StatusPolicy`] judges it
//! (R15). Every status on the active link is also traffic for keep-alive (R14).

use alloc::vec::Vec;

use crate::machine::link_id;
use crate::{
    Action, CloseReason, FirstStatusPolicy, Instant, LinkCore, LinkState, LogRecord, LossCause,
    Mark, Outcome, SystemStatus,
};

impl LinkCore {
    /// R5, R6, R7 for a link not yet operational; R15 for a validated one.
    pub(crate) fn on_system_status(
        &mut self,
        now: Instant,
        index: usize,
        status: SystemStatus,
        out: &mut Vec<Action>,
    ) -> Outcome {
        match self.slots[index].state {
            LinkState::AwaitingStatus if status.is_normal() => {
                if self.slots[index].withdrawn {
                    self.mark(Mark::WithdrawnRevalidated);
                }
                self.become_operational(index, out);
                self.evaluate_marked(now, Mark::SelectedAtOnce, out);
            }
            LinkState::AwaitingStatus => self.on_not_yet_operational(now, index, status, out),
            LinkState::Operational | LinkState::Active => {
                return self.on_validated_status(now, index, status, out)
            }
            _ => return self.unexpected(index),
        }
        Outcome::Applied
    }

    /// R5: a status other than `normal` before validation. By default the link stays
    /// established and in the queue; under [`FirstStatusPolicy::Close`] it is closed.
    fn on_not_yet_operational(
        &mut self,
        now: Instant,
        index: usize,
        status: SystemStatus,
        out: &mut Vec<Action>,
    ) {
        let link = link_id(index);
        match self.config.first_status {
            FirstStatusPolicy::WaitForNormal => {
                self.mark(Mark::FirstStatusWaits);
                out.push(Action::Log(LogRecord::LinkNotYetOperational {
                    link,
                    status,
                }));
            }
            FirstStatusPolicy::Close => {
                self.mark(Mark::FirstStatusCloses);
                out.push(Action::Log(LogRecord::LinkNotOperational { link, status }));
                self.close(index, CloseReason::NotOperational, out);
                self.evaluate(now, out);
            }
        }
    }

    /// R15 on an operational or active link: a failure ends the active link (R10) or
    /// the candidacy; a warning is logged and remembered; `normal` after a warning is
    /// logged as recovered. On the active link every status is traffic (R14).
    fn on_validated_status(
        &mut self,
        now: Instant,
        index: usize,
        status: SystemStatus,
        out: &mut Vec<Action>,
    ) -> Outcome {
        let link = link_id(index);
        let active = self.slots[index].state == LinkState::Active;
        if status.is_normal() {
            if core::mem::take(&mut self.slots[index].warned) {
                self.mark(Mark::StatusRecovered);
                out.push(Action::Log(LogRecord::StatusRecovered { link }));
            } else if !active {
                // A repeated `normal` on a candidate changes nothing.
                return self.unexpected(index);
            }
        } else if self.config.status_policy.is_failure(status) {
            if active {
                self.mark(Mark::ActiveStatusFailure);
                self.close(index, CloseReason::StatusFailure, out);
                self.lose_active(now, index, LossCause::Status(status), out);
            } else {
                self.withdraw_candidate(now, index, status, out);
            }
            return Outcome::Applied;
        } else {
            self.slots[index].warned = true;
            self.mark(Mark::StatusWarning);
            out.push(Action::Log(LogRecord::StatusWarning { link, status }));
        }
        if active {
            self.on_message(now, index, out)
        } else {
            Outcome::Applied
        }
    }

    /// R15: an operational link not yet selected reported a failure status. It is no
    /// longer a candidate: exactly as if this had been its first status (R5), it waits
    /// for `normal` again in the queue, or is closed under [`FirstStatusPolicy::Close`].
    /// No other closure: an operational link of the same or higher priority does not
    /// close it, as that link may still drop out before `connect-tout` and leave this
    /// one, validated again, the best at expiry (R8); R6 closes it only when another
    /// link becomes operational after it. Then R7 re-evaluates: a link that waits again
    /// holds lower operational links back, like any higher link in the queue, until it
    /// turns `normal` or `connect-tout` expires.
    fn withdraw_candidate(
        &mut self,
        now: Instant,
        index: usize,
        status: SystemStatus,
        out: &mut Vec<Action>,
    ) {
        let link = link_id(index);
        out.push(Action::Log(LogRecord::CandidateWithdrawn { link, status }));
        // A warning of this candidacy is over with it: a later `normal` validates anew.
        self.slots[index].warned = false;
        match self.config.first_status {
            FirstStatusPolicy::Close => {
                self.mark(Mark::CandidateClosed);
                self.close(index, CloseReason::StatusFailure, out);
            }
            FirstStatusPolicy::WaitForNormal => {
                self.mark(Mark::CandidateWithdrawn);
                self.slots[index].normal_order = 0;
                self.set_state(index, LinkState::AwaitingStatus);
                self.slots[index].withdrawn = true;
            }
        }
        self.evaluate(now, out);
    }
}

#[cfg(test)]
mod tests {
    //! R15's withdrawal as the core keeps it.
    use crate::{Config, ConnId, Event, Instant, LinkConfig, LinkCore, LinkId, SystemStatus};

    // R15: "withdrawn" lasts while the link waits for `normal` again. I4 exempts only
    // such links from standing at or below an operational one, so the flag must not
    // outlive the wait (mutation testing found nothing checking that it ends).
    #[test]
    fn a_withdrawal_ends_when_the_link_is_normal_again() {
        let config = Config::new([
            LinkConfig::new("A").with_priority(10),
            LinkConfig::new("B").with_priority(5),
        ]);
        let mut core = LinkCore::new(config).unwrap();
        let b = ConnId {
            link: LinkId::new(1),
            generation: 1,
        };
        let mut step = |event| core.step(Instant::ZERO, event).unwrap();
        step(Event::Start);
        step(Event::TcpAccepted(b));
        step(Event::AssociationAccepted(b));
        step(Event::SystemStatus(b, SystemStatus::Normal));
        step(Event::SystemStatus(b, SystemStatus::Initializing));
        assert!(
            core.slots[1].withdrawn,
            "a failure on a candidate withdraws it"
        );
        let mut step = |event| core.step(Instant::ZERO, event).unwrap();
        step(Event::SystemStatus(b, SystemStatus::Normal));
        assert!(
            !core.slots[1].withdrawn,
            "normal again: a candidate like any other"
        );
    }
}
