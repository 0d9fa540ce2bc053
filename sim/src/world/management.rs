//! [`Management`]: the simulated Management Layer of an HA pair. A link-failure report
//! from the primary makes it switch the roles after `switch_after` (one switch pending
//! at a time); a switch demotes the primary before it promotes the backup, so that
//! there are never two primaries (H1). Its decisions are [`Note`]s for the timeline
//! and the trace.

use std::time::Duration;

use link_core::{Instant, Role};

/// Why the Management Layer switches roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SwitchCause {
    /// A `switchover` fault.
    Switchover,
    /// The primary reported its active link's failure (R10).
    FailureReport,
}

impl SwitchCause {
    /// In words, as the trace's note has it.
    pub(crate) fn text(self) -> &'static str {
        match self {
            SwitchCause::Switchover => "switchover (fault)",
            SwitchCause::FailureReport => "switches roles after the primary's failure report",
        }
    }
}

/// A decision of the Management Layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Note {
    /// It will switch roles at this time (after the primary's failure report).
    SwitchScheduled(Instant),
    /// It switches roles now.
    Switching(SwitchCause),
    /// The switch after a failure report is dropped: a switchover since then demoted
    /// the reporter.
    SwitchDropped,
}

impl Note {
    /// In words, for the timeline.
    pub(crate) fn text(&self) -> String {
        match self {
            Note::SwitchScheduled(at) => format!("Management Layer: will switch roles at {at}"),
            Note::Switching(cause) => format!("Management Layer: {}", cause.text()),
            Note::SwitchDropped => {
                "Management Layer: the reporter is no longer primary; no switch".into()
            }
        }
    }
}

/// The Management Layer's state.
pub(crate) struct Management {
    switch_after: Duration,
    switch_pending: bool,
}

impl Management {
    /// A Management Layer that switches `switch_after` after a report.
    pub(crate) fn new(switch_after: Duration) -> Self {
        Management {
            switch_after,
            switch_pending: false,
        }
    }

    /// A failure report at `now` from a server in `role`, in a pair or not: when to
    /// switch, if a switch is to be scheduled (only the primary of a pair is heard, and
    /// only one switch is pending at a time).
    pub(crate) fn report(&mut self, now: Instant, pair: bool, role: Role) -> Option<Instant> {
        if !pair || role != Role::Primary || self.switch_pending {
            return None;
        }
        self.switch_pending = true;
        Some(now + self.switch_after)
    }

    /// The scheduled switch is due: it is no longer pending.
    pub(crate) fn switch_due(&mut self) {
        self.switch_pending = false;
    }

    /// Which server to demote and which to promote, in that order, given the roles
    /// now: the primary and the backup, or nothing without both.
    pub(crate) fn switch_plan(roles: &[Role]) -> Option<(usize, usize)> {
        let primary = roles.iter().position(|&r| r == Role::Primary)?;
        let backup = roles.iter().position(|&r| r == Role::Backup)?;
        Some((primary, backup))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_primary_of_a_pair_is_heard_and_one_switch_is_pending() {
        let mut ml = Management::new(Duration::from_millis(500));
        let now = Instant::from_secs(1);
        assert_eq!(ml.report(now, false, Role::Primary), None, "no pair");
        assert_eq!(ml.report(now, true, Role::Backup), None, "the backup");
        assert_eq!(
            ml.report(now, true, Role::Primary),
            Some(Instant::from_millis(1_500))
        );
        assert_eq!(ml.report(now, true, Role::Primary), None, "already pending");
        ml.switch_due();
        assert!(ml.report(now, true, Role::Primary).is_some());
    }

    #[test]
    fn a_switch_needs_a_primary_and_a_backup() {
        assert_eq!(
            Management::switch_plan(&[Role::Backup, Role::Primary]),
            Some((1, 0))
        );
        assert_eq!(Management::switch_plan(&[Role::Backup, Role::Backup]), None);
    }
}
