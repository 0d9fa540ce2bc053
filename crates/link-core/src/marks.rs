//! Coverage marks: one per decision a rule makes (R6 closes a tie, R8 expires with an
//! operational link, R14 loses the link at a changed tolerance, ...). A core built with
//! the `coverage-marks` feature counts how often it took each decision
//! ([`LinkCore::marks`](crate::LinkCore::marks)); a checker sums the counts of the cores
//! it drove and names the marks its inputs never reached, so "no violation" comes with
//! what was put to the test. Without the feature a mark compiles to nothing and the
//! counts stay zero ([`MARKS_ENABLED`] says which).
//!
//! A mark is named after its rule: `R14.lost-at-option-change`. The names are stable:
//! checkers' documented lists of marks they are known not to reach use them.

use core::fmt;

/// Whether this build of the core counts its marks (feature `coverage-marks`).
pub const MARKS_ENABLED: bool = cfg!(feature = "coverage-marks");

macro_rules! marks {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// One decision a rule makes. See the module documentation.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Mark {
            $(#[doc = $doc] $variant,)*
        }

        impl Mark {
            /// Every mark, in rule order.
            pub const ALL: [Mark; [$(Mark::$variant),*].len()] = [$(Mark::$variant),*];

            /// How many marks there are.
            pub const COUNT: usize = Self::ALL.len();

            /// Its stable name, e.g. `R6.tie-first-normal-wins`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Mark::$variant => $name,)*
                }
            }

            /// What the decision is, in a sentence.
            pub const fn description(self) -> &'static str {
                match self {
                    $(Mark::$variant => $doc,)*
                }
            }
        }
    };
}

marks! {
    ProcedureOpensEveryLink => "R1.opens-every-link",
        "A primary or standalone server's procedure opens every closed link.";
    BackupOpensHighestOnly => "R2.backup-opens-highest-only",
        "A backup's procedure leaves a link below the highest configured priority closed.";
    Refused => "R3.refused",
        "A refused connect takes the link out of the queue.";
    ClosedByPeerWhileWaiting => "R4.closed-by-peer",
        "A waiting link's connection closes.";
    AssociationRejected => "R4.association-rejected",
        "A negative association response takes the link out of the queue.";
    FirstStatusWaits => "R5.first-status-waits",
        "A first status other than `normal` leaves the link waiting (the default policy).";
    FirstStatusCloses => "R5.first-status-closes",
        "A first status other than `normal` closes the link (`FirstStatusPolicy::Close`).";
    TieFirstNormalWins => "R6.tie-first-normal-wins",
        "A link turning operational closes a waiting link of the same priority.";
    LowerSuperseded => "R6.lower-superseded",
        "A link turning operational closes a waiting link of lower priority.";
    SelectedAtOnce => "R7.selected-at-once",
        "The best operational link is selected as soon as it turns operational.";
    HeldByHigherWaiting => "R7.held-by-higher-waiting",
        "An operational link is held back while a higher link still waits.";
    SelectedAfterHigherLeft => "R7.selected-after-higher-left",
        "A held operational link is selected once the higher waiting links are gone.";
    ExpirySelects => "R8.expiry-selects",
        "`connect-tout` expires with an operational link, which is selected.";
    ExpiryStartsOver => "R8.expiry-starts-over",
        "`connect-tout` expires with nothing operational: the procedure starts over.";
    BackupDropsActive => "R9.backup-drops-active",
        "A backup's active link is below the highest configured priority and is dropped.";
    BackupClosesInProcedure => "R9.backup-closes-in-procedure",
        "A backup closes, during a procedure, a link it may no longer keep open.";
    ActiveLost => "R10.active-lost",
        "The active link fails and the restart timer is armed.";
    Restarted => "R10.restarted",
        "The restart timer expires and a new procedure starts.";
    Demoted => "R11.demoted",
        "A role change to backup takes effect at once.";
    PromotionOpensTheRest => "R11.promotion-opens-the-rest",
        "A backup promoted during a procedure opens the links it had not opened.";
    PromotionSkipsLosers => "R11.promotion-skips-losers",
        "On promotion, a link that could not beat the best operational link stays closed.";
    ActiveReconfigured => "R13.active-reconfigured",
        "A change to the active link's priority drops it and starts a procedure.";
    OtherReconfigured => "R13.other-reconfigured",
        "A change to another link's priority applies at its next open.";
    RequestMissed => "R14.request-missed",
        "A keep-alive request is still unanswered when the next interval ends.";
    NegativeAnswer => "R14.negative-answer",
        "A keep-alive request is answered with an error.";
    FailureTakenOff => "R14.failure-taken-off",
        "Positive answers take one off the failure counter.";
    WarningTakenOff => "R14.warning-taken-off",
        "Positive answers take one off the warning counter.";
    LostByKeepAlive => "R14.lost",
        "The failure counter reaches `kpl-tolerance` and the active link is lost.";
    Unstable => "R14.unstable",
        "The warning counter reaches `kpl-tolerance`: the link is logged unstable.";
    StableAgain => "R14.stable-again",
        "The warning counter falls below `kpl-tolerance` after the link was unstable.";
    LostAtOptionChange => "R14.lost-at-option-change",
        "A changed tolerance or loss rate is judged at once and loses the active link.";
    UnstableAtOptionChange => "R14.unstable-at-option-change",
        "A changed tolerance or loss rate is judged at once and logs the link unstable.";
    KeepAliveStopped => "R14.stopped-by-option",
        "A `kpl-interval` of 0 stops keep-alive on the active link and clears its counters.";
    IntervalRestarted => "R14.interval-restarted",
        "A new `kpl-interval` restarts the active link's interval from now.";
    WarningCounterDropped => "R14.warning-counter-dropped",
        "A single-value loss rate drops the active link's warning counter.";
    StatusWarning => "R15.warning",
        "A validated link reports a warning status.";
    StatusRecovered => "R15.recovered",
        "A validated link reports `normal` after a warning.";
    ActiveStatusFailure => "R15.active-failure",
        "The active link reports a failure status and is lost.";
    CandidateWithdrawn => "R15.candidate-withdrawn",
        "An operational candidate reports a failure status and waits again.";
    CandidateClosed => "R15.candidate-closed",
        "An operational candidate reports a failure status and is closed (`Close` policy).";
    WithdrawnRevalidated => "R15.withdrawn-revalidated",
        "A withdrawn candidate reports `normal` again and is operational anew.";
    OptionsWhileActive => "R16.applied-while-active",
        "Timing options change while a link is active.";
    OptionsWhileSelecting => "R16.applied-between",
        "Timing options change while no link is active (read at the next procedure).";
    SeveralOptions => "R16.several-at-once",
        "Several timing options change in one input, judged once.";
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Mark {
    /// The mark named `name` (see [`name`](Self::name)).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mark| mark.name() == name)
    }
}

/// How often each [`Mark`] was reached: by one core, or summed over many.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MarkCounts([u64; Mark::COUNT]);

impl Default for MarkCounts {
    fn default() -> Self {
        MarkCounts([0; Mark::COUNT])
    }
}

impl fmt::Debug for MarkCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().filter(|&(_, n)| n > 0))
            .finish()
    }
}

impl MarkCounts {
    /// How often `mark` was reached.
    pub const fn get(&self, mark: Mark) -> u64 {
        self.0[mark as usize]
    }

    /// Counts one more `mark`.
    #[inline(always)]
    pub fn hit(&mut self, mark: Mark) {
        let count = &mut self.0[mark as usize];
        *count = count.saturating_add(1);
    }

    /// Sets `mark`'s count (for a checker reading back counts it wrote out).
    pub fn set(&mut self, mark: Mark, count: u64) {
        self.0[mark as usize] = count;
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &MarkCounts) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine = mine.saturating_add(theirs);
        }
    }

    /// Each mark with its count, in rule order.
    pub fn iter(&self) -> impl Iterator<Item = (Mark, u64)> + '_ {
        Mark::ALL.into_iter().map(|mark| (mark, self.get(mark)))
    }

    /// The marks never reached, in rule order.
    pub fn unreached(&self) -> impl Iterator<Item = Mark> + '_ {
        Mark::ALL.into_iter().filter(|&mark| self.get(mark) == 0)
    }

    /// Each mark reached at all counts as one: summed over runs, how many runs reached
    /// each mark.
    pub fn reached_once(&self) -> MarkCounts {
        MarkCounts(self.0.map(|n| u64::from(n > 0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_name_their_rule() {
        for (i, a) in Mark::ALL.iter().enumerate() {
            assert!(a.name().starts_with('R'), "{a}");
            assert_eq!(Mark::from_name(a.name()), Some(*a));
            for b in &Mark::ALL[i + 1..] {
                assert_ne!(a.name(), b.name());
            }
        }
    }

    #[test]
    fn counts_add_and_say_what_is_unreached() {
        let mut one = MarkCounts::default();
        one.hit(Mark::Refused);
        one.hit(Mark::Refused);
        let mut sum = MarkCounts::default();
        sum.add(&one);
        sum.add(&one.reached_once());
        assert_eq!(sum.get(Mark::Refused), 3);
        sum.set(Mark::Refused, 7);
        assert_eq!(sum.get(Mark::Refused), 7);
        assert_eq!(sum.unreached().count(), Mark::COUNT - 1);
        assert!(sum.unreached().all(|m| m != Mark::Refused));
    }
}
