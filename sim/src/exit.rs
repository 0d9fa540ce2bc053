//! [`Exit`]: how a `linksim` command ends, decided in one place. Its values are the
//! process's exit codes (TigerBeetle's `Failure` enum is the model), so the meaning of
//! a code is written once: in the enum, in `--help` and in docs/guide/your-failover.md.

use crate::engine::Ending;
use crate::verdict::{Invariant, Kind};

/// How a command ends; `as u8` is the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Exit {
    /// Every expectation and invariant held.
    Pass = 0,
    /// An expectation failed.
    Expectation = 1,
    /// A safety invariant was violated (I1-I10, H1's "never two primaries").
    Safety = 2,
    /// No verdict: bad input (a scenario or argument that cannot be read, an output that
    /// cannot be written), or a run that stopped at its step budget (a partial run).
    NoVerdict = 3,
    /// A liveness property was violated (L1, H1's recovery).
    Liveness = 4,
    /// A reader closed standard output early (128 + SIGPIPE).
    BrokenPipe = 141,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The exit whose code is `code` (a merged part's), if any.
    pub fn from_code(code: u8) -> Option<Exit> {
        [
            Exit::Pass,
            Exit::Expectation,
            Exit::Safety,
            Exit::NoVerdict,
            Exit::Liveness,
            Exit::BrokenPipe,
        ]
        .into_iter()
        .find(|exit| exit.code() == code)
    }

    /// The exit a violation of `invariant` calls for: a run out of steps has no
    /// verdict; the others are safety or liveness by their kind.
    pub fn of_violation(invariant: Invariant) -> Exit {
        match (invariant, invariant.kind()) {
            (Invariant::StepBudget, _) => Exit::NoVerdict,
            (_, Kind::Safety) => Exit::Safety,
            (_, Kind::Liveness) => Exit::Liveness,
        }
    }

    /// The exit a run's ending calls for, expectations aside: a run out of budget is
    /// the violation [`Invariant::StepBudget`], as [`Ending::found`] says.
    pub fn of_ending(ending: &Ending) -> Exit {
        match ending {
            Ending::Completed => Exit::Pass,
            Ending::Violation(found) => Exit::of_violation(found.invariant),
            Ending::OutOfBudget { .. } => Exit::of_violation(Invariant::StepBudget),
        }
    }

    /// How bad it is, for [`Exit::worse`]: a closed output, then a safety violation,
    /// a liveness violation, no verdict, a failed expectation, success.
    fn severity(self) -> u8 {
        match self {
            Exit::Pass => 0,
            Exit::Expectation => 1,
            Exit::NoVerdict => 2,
            Exit::Liveness => 3,
            Exit::Safety => 4,
            Exit::BrokenPipe => 5,
        }
    }

    /// The worse of two, for a command that ran several things (of equals, `self`).
    pub fn worse(self, other: Exit) -> Exit {
        match other.severity() > self.severity() {
            true => other,
            false => self,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_exit_is_its_code() {
        let codes = [
            (Exit::Pass, 0),
            (Exit::Expectation, 1),
            (Exit::Safety, 2),
            (Exit::NoVerdict, 3),
            (Exit::Liveness, 4),
            (Exit::BrokenPipe, 141),
        ];
        for (exit, code) in codes {
            assert_eq!(exit.code(), code, "{exit:?}");
        }
    }

    #[test]
    fn a_violation_exits_by_its_kind_and_a_run_out_of_steps_has_no_verdict() {
        assert_eq!(Exit::of_violation(Invariant::I3), Exit::Safety);
        assert_eq!(Exit::of_violation(Invariant::H1), Exit::Safety);
        assert_eq!(Exit::of_violation(Invariant::I10), Exit::Safety);
        assert_eq!(Exit::of_violation(Invariant::L1), Exit::Liveness);
        assert_eq!(Exit::of_violation(Invariant::H1Recovery), Exit::Liveness);
        assert_eq!(Exit::of_violation(Invariant::StepBudget), Exit::NoVerdict);
        let out_of_steps = Ending::OutOfBudget {
            budget: crate::engine::Budget::Steps(10),
            at: link_core::Instant::ZERO,
        };
        assert_eq!(Exit::of_ending(&out_of_steps), Exit::NoVerdict);
        assert_eq!(Exit::of_ending(&Ending::Completed), Exit::Pass);
    }

    #[test]
    fn of_several_the_worst_wins() {
        let order = [
            Exit::Pass,
            Exit::Expectation,
            Exit::NoVerdict,
            Exit::Liveness,
            Exit::Safety,
            Exit::BrokenPipe,
        ];
        for (i, &a) in order.iter().enumerate() {
            for &b in &order[i..] {
                assert_eq!(a.worse(b), b, "{a:?} then {b:?}");
                assert_eq!(b.worse(a), b, "{b:?} then {a:?}");
            }
        }
    }
}
