//! Deliberate bugs for proving that the checkers find bugs: property tests against the
//! reference model, the simulator's invariant checks and `linksim explore` must each
//! catch every one. They take effect only when the crate is built with the
//! `planted-bugs` feature *and* a core is made with
//! [`LinkCore::with_planted_bug`](crate::LinkCore::with_planted_bug); without the
//! feature the checks compile to `false`.

use core::fmt;

/// A deliberate, realistic bug in the link-selection rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlantedBug {
    /// R6/I4: a tie goes to the *last* link to report `normal` (R6 closes only strictly
    /// lower waiting links, and the latest `normal` is preferred).
    TieWonByLastNormal,
    /// R2/I5: a backup opens every link, not only the highest configured ones.
    BackupOpensEveryLink,
    /// R10/I6: EventLinkDisconnected is sent twice when the active link fails.
    DisconnectedSentTwice,
    /// R7/I3: a waiting higher-priority link is ignored at activation.
    WaitingHigherIgnored,
    /// R8/L1: `connect-tout` with nothing operational ends the procedure instead of
    /// starting the next one. The core's state stays consistent (idle, nothing open, no
    /// timer), so only a liveness check can catch it.
    GivesUpWhenNothingOperational,
    /// R14: a positive keep-alive answer clears both counters instead of taking one off
    /// every `kpl-loss-rate` answers, so a link that loses most keep-alives is never
    /// declared lost.
    PositiveAnswerClearsFailures,
    /// R14: a keep-alive answered with an error counts as a positive answer, so a link
    /// whose connector says it cannot serve stays active.
    NegativeAnswerIgnored,
    /// R6/I4: when a link turns operational with two or more waiting links of the same
    /// priority, R6 closes nothing, and operational links of equal priority are ranked
    /// by configuration order instead of the first `normal`.
    ThreeWayTieClosesNothing,
    /// R14: the warning counter is decremented at the failure rate (the first value of
    /// `kpl-loss-rate`) instead of its own, so a link is never logged unstable when it
    /// should be, or is when it should not.
    WarningCounterAtFailureRate,
    /// R1/R11: a backup promoted while its restart timer runs opens, when the timer
    /// expires, only the highest links, as a backup would, instead of every link.
    PromotedWhileRestartingOpensAsBackup,
    /// R14/R16: a changed `kpl-tolerance` is not judged against the counters at once
    /// (only at the next keep-alive event), so a link over the new tolerance stays
    /// active.
    ToleranceChangeNotJudged,
}

impl PlantedBug {
    /// Every planted bug.
    pub const ALL: [PlantedBug; 11] = [
        PlantedBug::TieWonByLastNormal,
        PlantedBug::BackupOpensEveryLink,
        PlantedBug::DisconnectedSentTwice,
        PlantedBug::WaitingHigherIgnored,
        PlantedBug::GivesUpWhenNothingOperational,
        PlantedBug::PositiveAnswerClearsFailures,
        PlantedBug::NegativeAnswerIgnored,
        PlantedBug::ThreeWayTieClosesNothing,
        PlantedBug::WarningCounterAtFailureRate,
        PlantedBug::PromotedWhileRestartingOpensAsBackup,
        PlantedBug::ToleranceChangeNotJudged,
    ];

    /// A kebab-case name for command lines, e.g. `tie-won-by-last-normal`.
    pub const fn name(self) -> &'static str {
        match self {
            PlantedBug::TieWonByLastNormal => "tie-won-by-last-normal",
            PlantedBug::BackupOpensEveryLink => "backup-opens-every-link",
            PlantedBug::DisconnectedSentTwice => "disconnected-sent-twice",
            PlantedBug::WaitingHigherIgnored => "waiting-higher-ignored",
            PlantedBug::GivesUpWhenNothingOperational => "gives-up-when-nothing-operational",
            PlantedBug::PositiveAnswerClearsFailures => "positive-answer-clears-failures",
            PlantedBug::NegativeAnswerIgnored => "negative-answer-ignored",
            PlantedBug::ThreeWayTieClosesNothing => "three-way-tie-closes-nothing",
            PlantedBug::WarningCounterAtFailureRate => "warning-counter-at-failure-rate",
            PlantedBug::PromotedWhileRestartingOpensAsBackup => {
                "promoted-while-restarting-opens-as-backup"
            }
            PlantedBug::ToleranceChangeNotJudged => "tolerance-change-not-judged",
        }
    }

    /// The bug named `name` (see [`name`](Self::name)).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|bug| bug.name() == name)
    }
}

impl fmt::Display for PlantedBug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the planted bugs act inside the core's decisions. Each answers `None` (or does
/// nothing) when no bug applies, so that the rule itself stays in `machine.rs`, where
/// mutation testing reaches it; this file is left out of mutation testing, as mutating
/// a deliberate bug tests nothing of the rules.
impl crate::LinkCore {
    /// R11 under `PromotedWhileRestartingOpensAsBackup`: a backup promoted while its
    /// restart timer runs will open its next procedure as a backup.
    pub(crate) fn plant_restart_as_backup(&mut self, from: crate::Role) {
        #[cfg(feature = "planted-bugs")]
        if self.bug(PlantedBug::PromotedWhileRestartingOpensAsBackup)
            && from == crate::Role::Backup
            && self.phase == crate::machine::Phase::Restarting
        {
            self.planted_restart_as_backup = true;
        }
        let _ = from;
    }

    /// R6's threshold when a link of `priority` turns operational, under
    /// `TieWonByLastNormal` (only strictly lower links close) or
    /// `ThreeWayTieClosesNothing` (nothing closes when two or more wait at `priority`).
    pub(crate) fn planted_r6_threshold(&self, priority: i32) -> Option<Option<i32>> {
        if self.bug(PlantedBug::TieWonByLastNormal) {
            return Some(priority.checked_sub(1));
        }
        if self.bug(PlantedBug::ThreeWayTieClosesNothing) && self.waiting_at(priority) >= 2 {
            return Some(None);
        }
        None
    }

    /// Whether operational link `a` comes before `b` at the same priority, under
    /// `ThreeWayTieClosesNothing` (configuration order) or `TieWonByLastNormal` (the
    /// latest `normal`).
    pub(crate) fn planted_tie_order(&self, a: usize, b: usize) -> Option<bool> {
        if self.bug(PlantedBug::ThreeWayTieClosesNothing) {
            return Some(a < b);
        }
        if self.bug(PlantedBug::TieWonByLastNormal) {
            return Some(self.slots[a].normal_order > self.slots[b].normal_order);
        }
        None
    }

    /// Whether the role lets link `index` be opened, under
    /// `PromotedWhileRestartingOpensAsBackup` (as a backup would) or
    /// `BackupOpensEveryLink` (always).
    pub(crate) fn planted_role_may_open(&self, index: usize) -> Option<bool> {
        #[cfg(feature = "planted-bugs")]
        if self.planted_restart_as_backup {
            let priority = self.config.links[index].effective_priority();
            return Some(priority >= self.highest_priority);
        }
        let _ = index;
        self.bug(PlantedBug::BackupOpensEveryLink).then_some(true)
    }

    /// How many links wait with connection priority `priority` (planted bugs only).
    fn waiting_at(&self, priority: i32) -> usize {
        (self.slots.iter())
            .filter(|s| s.state.is_waiting() && s.conn_priority == priority)
            .count()
    }
}
