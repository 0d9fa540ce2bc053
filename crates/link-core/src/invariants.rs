//! [`LinkCore::check_invariants`]: the invariants of `docs/spec.md` that the core's own
//! state can show. The core runs it after every step in debug builds; tests and the
//! simulator call it too.
//!
//! What is checked here, in state form (what must hold between any two steps):
//! - I1: at most one link is `Active`, and it is the one the phase names.
//! - I2 (state part): the active link's keep-alive failure counter is below
//!   `kpl-tolerance` (at it, R14 has lost the link).
//! - I3: while a link is active no other link is open; during a procedure an operational
//!   link that no higher waiting link holds back does not exist (it would have been
//!   activated).
//! - I4: during a procedure no waiting link has a priority at or below an operational one
//!   (R6 closed it), which is what makes the first `normal` win a tie; but for a
//!   candidate R15 withdrew, which waits again as after a first status that was not
//!   `normal` and is closed only by R6, R7 or R8.
//! - I5: a backup holds no link whose configured priority is below the highest.
//! - I6: clients were last told EventLinkConnected for exactly the active link.
//! - I7 (state part): no link is open outside a procedure or an active phase.
//! - I8: each timer is armed exactly when its phase needs it.
//!
//! The rest of I2 holds by construction (only `activate` makes a link active, and only
//! for an operational one, a `debug_assert` there says so; a failure status closes the
//! link in the step that reports it). The simulator's checker verifies both from
//! outside: the keep-alive counters from the requests and answers it carried, and the
//! status policy from the statuses it delivered. The parts of I3, I4, I6 and I7 that
//! are about *actions* (the order of notifications, no close of a closed connection) are
//! [`ActionAudit`](crate::ActionAudit)'s, which the simulator's checker and the test
//! harness in `tests/common` both use; the earliest `normal` at the moment of
//! activation (I3, I4 on actions) is the simulator's.

use alloc::vec::Vec;
use core::fmt;

use crate::machine::{link_id, LinkState, Phase};
use crate::{LinkCore, LinkId, Role, Timer};

/// Which invariant a [`Violation`] breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Invariant {
    /// I1: at most one link is active.
    I1,
    /// I2: the active link has not failed since it was validated.
    I2,
    /// I3: a link is activated as soon as no higher link is waiting, never earlier
    /// (unless `connect-tout` expired).
    I3,
    /// I4: no waiting link of the same or lower priority survives an operational one
    /// (so the earliest `normal` wins a tie).
    I4,
    /// I5: a backup keeps nothing below the highest configured priority.
    I5,
    /// I6: clients were told EventLinkConnected for exactly the active link.
    I6,
    /// I7: no link is open outside a procedure or an active phase.
    I7,
    /// I8: each timer is armed exactly when its phase needs it.
    I8,
}

impl Invariant {
    /// Every invariant the core's own checks name, in order.
    pub const ALL: [Invariant; 8] = [
        Invariant::I1,
        Invariant::I2,
        Invariant::I3,
        Invariant::I4,
        Invariant::I5,
        Invariant::I6,
        Invariant::I7,
        Invariant::I8,
    ];

    /// The name `docs/spec.md` gives it, e.g. `I3` (as a violation prints it).
    pub const fn name(self) -> &'static str {
        match self {
            Invariant::I1 => "I1",
            Invariant::I2 => "I2",
            Invariant::I3 => "I3",
            Invariant::I4 => "I4",
            Invariant::I5 => "I5",
            Invariant::I6 => "I6",
            Invariant::I7 => "I7",
            Invariant::I8 => "I8",
        }
    }
}

/// A broken invariant: which one, which link if one is to blame, and what was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The invariant.
    pub invariant: Invariant,
    /// The link involved, if any.
    pub link: Option<LinkId>,
    /// What was seen.
    pub detail: &'static str,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} violated: {}", self.invariant.name(), self.detail)?;
        if let Some(link) = self.link {
            write!(f, " ({link})")?;
        }
        Ok(())
    }
}

fn fail(invariant: Invariant, link: Option<LinkId>, detail: &'static str) -> Result<(), Violation> {
    Err(Violation {
        invariant,
        link,
        detail,
    })
}

/// What one pass over the links found, for [`LinkCore::check_invariants`]: counts and
/// extremes, and the first link (by index) to blame for each check.
#[derive(Default)]
struct Survey {
    waiting: u32,
    open: u32,
    /// A waiting link's cached rank outside the queue's ranks.
    rank_out_of_range: bool,
    stale_rank: Option<usize>,
    active: Option<usize>,
    second_active: Option<usize>,
    /// The best operational link, by the tie rule.
    best_operational: Option<usize>,
    lowest_waiting: Option<i32>,
    highest_waiting: Option<i32>,
    /// An open link where none may be (I7) or beside the active one (I3).
    misplaced_open: Option<(usize, Invariant)>,
    backup_below_highest: Option<usize>,
}

/// Reusable room for [`LinkCore::check_invariants_with`]: a hot loop that checks after
/// every step keeps one and allocates only when the link count grows.
#[derive(Clone, Debug, Default)]
pub struct CheckBuffer(Vec<u32>);

impl LinkCore {
    /// Checks invariants I1-I8 against the current state and returns the first broken.
    /// Its cost is linear in the number of links (one pass over them).
    /// It allocates a small buffer; [`check_invariants_with`](Self::check_invariants_with)
    /// reuses one.
    pub fn check_invariants(&self) -> Result<(), Violation> {
        self.check_invariants_with(&mut CheckBuffer::default())
    }

    /// [`check_invariants`](Self::check_invariants) with a buffer kept by the caller.
    pub fn check_invariants_with(&self, buffer: &mut CheckBuffer) -> Result<(), Violation> {
        self.check_invariants_in(&mut buffer.0)
    }

    /// The checks, with `buffer` as room for the queue's histogram: one pass over the
    /// links gathers what every check needs ([`Survey`]), then the checks run in a fixed
    /// order, so the first broken invariant reported does not depend on the pass.
    pub(crate) fn check_invariants_in(&self, buffer: &mut Vec<u32>) -> Result<(), Violation> {
        let survey = self.survey(buffer);
        self.check_bookkeeping(&survey, buffer)?;
        self.check_active(&survey)?;
        self.check_selecting(&survey)?;
        if let Some(index) = survey.backup_below_highest {
            return fail(
                Invariant::I5,
                Some(link_id(index)),
                "a backup holds a link below the highest priority",
            );
        }
        self.check_timers()
    }

    /// One pass over the links: counts, the histogram of waiting ranks in `buffer`, and
    /// the first link to blame for each check.
    fn survey(&self, buffer: &mut Vec<u32>) -> Survey {
        buffer.clear();
        buffer.resize(self.queue.rank_count(), 0);
        let open_allowed = matches!(self.phase, Phase::Selecting | Phase::Active(_));
        let active_phase = matches!(self.phase, Phase::Active(_));
        let backup = self.config.role == Role::Backup;
        let mut survey = Survey::default();
        for (index, slot) in self.slots.iter().enumerate() {
            let state = slot.state;
            let configured = self.config.links[index].effective_priority();
            let stale = !self.queue.is_rank_of(slot.configured_rank, configured)
                || (state.is_open() && !self.queue.is_rank_of(slot.rank, slot.conn_priority));
            if stale && survey.stale_rank.is_none() {
                survey.stale_rank = Some(index);
            }
            survey.open += u32::from(state.is_open());
            if state.is_waiting() {
                survey.waiting += 1;
                match buffer.get_mut(slot.rank as usize) {
                    Some(count) => *count += 1,
                    None => survey.rank_out_of_range = true,
                }
                survey.lowest_waiting = Some(
                    survey
                        .lowest_waiting
                        .map_or(slot.conn_priority, |p: i32| p.min(slot.conn_priority)),
                );
                survey.highest_waiting = Some(
                    survey
                        .highest_waiting
                        .map_or(slot.conn_priority, |p: i32| p.max(slot.conn_priority)),
                );
            }
            if state == LinkState::Active {
                match survey.active {
                    None => survey.active = Some(index),
                    Some(_) if survey.second_active.is_none() => survey.second_active = Some(index),
                    Some(_) => {}
                }
            }
            if state == LinkState::Operational
                && survey
                    .best_operational
                    .is_none_or(|best| self.better(index, best))
            {
                survey.best_operational = Some(index);
            }
            if state.is_open() && survey.misplaced_open.is_none() {
                if !open_allowed {
                    survey.misplaced_open = Some((index, Invariant::I7));
                } else if active_phase && state != LinkState::Active {
                    survey.misplaced_open = Some((index, Invariant::I3));
                }
            }
            if backup
                && state.is_open()
                && configured < self.highest_priority
                && survey.backup_below_highest.is_none()
            {
                survey.backup_below_highest = Some(index);
            }
        }
        survey
    }

    /// I1, I2, I3 (while active), I6, I7.
    fn check_active(&self, survey: &Survey) -> Result<(), Violation> {
        if let Some(second) = survey.second_active {
            return fail(
                Invariant::I1,
                Some(link_id(second)),
                "a second link is active",
            );
        }
        let active = survey.active.map(link_id);
        if active != self.active_link() {
            return fail(
                Invariant::I1,
                active,
                "the active link and the phase disagree",
            );
        }
        let threshold = u32::from(self.config.keepalive_tolerance.max(1));
        if active.is_some() && u32::from(self.keepalive.failures) >= threshold {
            return fail(
                Invariant::I2,
                active,
                "the active link's keep-alive failure counter is at kpl-tolerance",
            );
        }
        if self.clients_connected != active {
            return fail(
                Invariant::I6,
                active,
                "clients were not told about the active link exactly once",
            );
        }
        match survey.misplaced_open {
            Some((index, Invariant::I7)) => fail(
                Invariant::I7,
                Some(link_id(index)),
                "a link is open outside a procedure",
            ),
            Some((index, _)) => fail(
                Invariant::I3,
                Some(link_id(index)),
                "a link other than the active one is open",
            ),
            None => Ok(()),
        }
    }

    /// The caches behind R6/R7 (waiting counts, best operational link) match the links;
    /// a drift would make I3/I4 decisions on wrong data.
    fn check_bookkeeping(&self, survey: &Survey, histogram: &[u32]) -> Result<(), Violation> {
        if survey.waiting != self.queue.total() {
            return fail(
                Invariant::I3,
                None,
                "the waiting-link count differs from the links",
            );
        }
        if survey.rank_out_of_range || !self.queue.counts_are(histogram) {
            return fail(
                Invariant::I3,
                None,
                "the waiting count of a priority differs from the links",
            );
        }
        if let Some(index) = survey.stale_rank {
            return fail(
                Invariant::I3,
                Some(link_id(index)),
                "a cached queue rank is stale",
            );
        }
        if survey.open != self.open_count {
            return fail(
                Invariant::I7,
                None,
                "the open-link count differs from the links",
            );
        }
        if !self.queue.ends_are_exact() {
            return fail(
                Invariant::I3,
                None,
                "the queue's highest or lowest waiting rank is stale",
            );
        }
        if self.best_operational() != survey.best_operational {
            return fail(
                Invariant::I4,
                None,
                "the cached best operational link is not the best",
            );
        }
        Ok(())
    }

    /// I3, I4 during a procedure.
    fn check_selecting(&self, survey: &Survey) -> Result<(), Violation> {
        if self.phase != Phase::Selecting {
            return Ok(());
        }
        let Some(best) = survey.best_operational.map(|i| self.slots[i].conn_priority) else {
            return Ok(());
        };
        if survey.lowest_waiting.is_some_and(|p| p <= best) {
            // Rare (a withdrawn candidate, or a broken core): a second pass looks for a
            // waiting link at or below an operational one that R15 did not withdraw.
            let index = self
                .slots
                .iter()
                .position(|s| s.state.is_waiting() && s.conn_priority <= best && !s.withdrawn);
            if index.is_some() {
                return fail(
                    Invariant::I4,
                    index.map(link_id),
                    "a waiting link is not above an operational one",
                );
            }
        }
        if survey.highest_waiting.is_none_or(|p| p <= best) {
            return fail(
                Invariant::I3,
                None,
                "an operational link waits for nothing but is not active",
            );
        }
        Ok(())
    }

    /// I8.
    pub(crate) fn check_timers(&self) -> Result<(), Violation> {
        let keepalive = !self.config.keepalive_interval.is_zero();
        for timer in Timer::ALL {
            let needed = match timer {
                Timer::ConnectTimeout => self.phase == Phase::Selecting,
                Timer::RestartDelay => self.phase == Phase::Restarting,
                Timer::KeepAlive => keepalive && matches!(self.phase, Phase::Active(_)),
            };
            if needed != self.deadline(timer).is_some() {
                return fail(
                    Invariant::I8,
                    None,
                    if needed {
                        "a timer the phase needs is not armed"
                    } else {
                        "a timer is armed outside its phase"
                    },
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! Each check fires on the broken state it describes (built by hand, since a
    //! correct core never reaches one), and stays quiet on a healthy one.
    extern crate std;
    use std::string::ToString;

    use super::*;
    use crate::{Config, Event, Instant, LinkConfig};

    /// A, B, C with priorities 10, 5, 1, started as `role`: all three connecting.
    pub(crate) fn started(role: Role) -> LinkCore {
        let config = Config::new([
            LinkConfig::new("A").with_priority(10),
            LinkConfig::new("B").with_priority(5),
            LinkConfig::new("C").with_priority(1),
        ])
        .with_role(Role::Primary);
        let mut core = LinkCore::new(config).unwrap();
        core.step(Instant::ZERO, Event::Start).unwrap();
        core.config.role = role;
        core
    }

    /// Puts link `index` in `state` through the core's own bookkeeping, so that the
    /// state is broken only in the way the test means.
    pub(crate) fn force(core: &mut LinkCore, index: usize, state: LinkState) {
        core.set_state(index, state);
        core.best_operational = core.scan_best_operational();
    }

    fn broken(core: &LinkCore) -> Invariant {
        core.check_invariants()
            .expect_err("the state is broken")
            .invariant
    }

    #[test]
    fn a_healthy_procedure_passes() {
        assert_eq!(started(Role::Primary).check_invariants(), Ok(()));
    }

    #[test]
    fn two_active_links_break_i1() {
        let mut core = started(Role::Primary);
        force(&mut core, 0, LinkState::Active);
        force(&mut core, 1, LinkState::Active);
        core.phase = Phase::Active(LinkId::new(0));
        assert_eq!(broken(&core), Invariant::I1);
    }

    #[test]
    fn an_active_link_the_phase_does_not_name_breaks_i1() {
        let mut core = started(Role::Primary);
        force(&mut core, 0, LinkState::Active);
        assert_eq!(broken(&core), Invariant::I1);
    }

    #[test]
    fn clients_not_told_break_i6() {
        let mut core = started(Role::Primary);
        force(&mut core, 0, LinkState::Active);
        force(&mut core, 1, LinkState::Closed);
        force(&mut core, 2, LinkState::Closed);
        core.phase = Phase::Active(LinkId::new(0));
        assert_eq!(broken(&core), Invariant::I6);
    }

    #[test]
    fn another_open_link_while_active_breaks_i3() {
        let mut core = started(Role::Primary);
        force(&mut core, 0, LinkState::Active);
        force(&mut core, 2, LinkState::Closed);
        core.phase = Phase::Active(LinkId::new(0));
        core.clients_connected = Some(LinkId::new(0));
        assert_eq!(broken(&core), Invariant::I3);
    }

    #[test]
    fn an_open_link_while_restarting_breaks_i7() {
        let mut core = started(Role::Primary);
        core.phase = Phase::Restarting;
        assert_eq!(broken(&core), Invariant::I7);
    }

    #[test]
    fn a_waiting_link_at_or_below_an_operational_one_breaks_i4() {
        let mut core = started(Role::Primary);
        force(&mut core, 1, LinkState::Operational); // B (5) operational, C (1) still waiting
        assert_eq!(broken(&core), Invariant::I4);
        // The same priority counts too (the tie rule).
        let mut core = started(Role::Primary);
        force(&mut core, 2, LinkState::Closed);
        force(&mut core, 1, LinkState::Operational);
        core.slots[2].conn_priority = 5;
        core.slots[2].rank = core.queue.rank(5);
        force(&mut core, 2, LinkState::Connecting);
        assert_eq!(broken(&core), Invariant::I4);
    }

    #[test]
    fn an_operational_link_that_waits_for_nothing_breaks_i3() {
        let mut core = started(Role::Primary);
        force(&mut core, 0, LinkState::Closed);
        force(&mut core, 2, LinkState::Closed);
        force(&mut core, 1, LinkState::Operational);
        assert_eq!(broken(&core), Invariant::I3);
        // With a higher link still waiting, it is right to wait.
        force(&mut core, 0, LinkState::Connecting);
        assert_eq!(core.check_invariants(), Ok(()));
    }

    #[test]
    fn a_backup_holding_a_lower_link_breaks_i5() {
        let mut core = started(Role::Backup);
        assert_eq!(broken(&core), Invariant::I5);
        force(&mut core, 1, LinkState::Closed);
        force(&mut core, 2, LinkState::Closed);
        assert_eq!(
            core.check_invariants(),
            Ok(()),
            "only the highest link is open"
        );
    }

    #[test]
    fn timers_out_of_their_phase_break_i8() {
        let mut core = started(Role::Primary);
        core.timers[Timer::ConnectTimeout.index()] = None;
        assert_eq!(broken(&core), Invariant::I8);
        let mut core = started(Role::Primary);
        core.timers[Timer::RestartDelay.index()] = Some(Instant::from_secs(9));
        assert_eq!(broken(&core), Invariant::I8);
        let mut core = started(Role::Primary);
        core.timers[Timer::KeepAlive.index()] = Some(Instant::from_secs(9));
        assert_eq!(broken(&core), Invariant::I8);
    }

    #[test]
    fn a_violation_names_the_link_to_blame() {
        // Three active links: the second is the one that should not be.
        let mut core = started(Role::Primary);
        for index in 0..3 {
            force(&mut core, index, LinkState::Active);
        }
        core.phase = Phase::Active(LinkId::new(0));
        let v = core.check_invariants().unwrap_err();
        assert_eq!((v.invariant, v.link), (Invariant::I1, Some(LinkId::new(1))));
        // B (5) operational, C (1) waiting below it: C is the one out of place.
        let mut core = started(Role::Primary);
        force(&mut core, 1, LinkState::Operational);
        let v = core.check_invariants().unwrap_err();
        assert_eq!((v.invariant, v.link), (Invariant::I4, Some(LinkId::new(2))));
        // A backup holding B and C: B, the first below the highest, is named.
        let v = started(Role::Backup).check_invariants().unwrap_err();
        assert_eq!((v.invariant, v.link), (Invariant::I5, Some(LinkId::new(1))));
    }

    #[test]
    fn a_violation_says_which_invariant_and_link() {
        let v = Violation {
            invariant: Invariant::I5,
            link: Some(LinkId::new(2)),
            detail: "a backup holds a link",
        };
        assert_eq!(v.to_string(), "I5 violated: a backup holds a link (link#2)");
    }
}

#[cfg(test)]
mod bookkeeping_tests {
    use super::*;
    use crate::{Config, Event, Instant, LinkConfig};

    #[test]
    fn a_drift_in_the_waiting_counts_or_the_best_operational_cache_is_caught() {
        let config = Config::new([
            LinkConfig::new("A").with_priority(10),
            LinkConfig::new("B").with_priority(5),
        ]);
        let mut core = LinkCore::new(config).unwrap();
        core.step(Instant::ZERO, Event::Start).unwrap();
        assert_eq!(core.check_invariants(), Ok(()));
        let mut drifted = core.clone();
        drifted.slots[1].state = LinkState::Closed; // behind the queue's back
        assert_eq!(
            drifted.check_invariants().unwrap_err().invariant,
            Invariant::I3
        );
        let mut drifted = core.clone();
        drifted.set_state(1, LinkState::Operational);
        assert_eq!(
            drifted.check_invariants().unwrap_err().invariant,
            Invariant::I4,
            "cache not updated"
        );
    }

    #[test]
    fn a_count_moved_between_priorities_is_caught_though_the_total_is_right() {
        let config = Config::new([
            LinkConfig::new("A").with_priority(10),
            LinkConfig::new("B").with_priority(5),
        ]);
        let mut core = LinkCore::new(config).unwrap();
        core.step(Instant::ZERO, Event::Start).unwrap();
        let (a, b) = (core.slots[0].rank, core.slots[1].rank);
        core.queue.remove(b);
        core.queue.add(a); // two counted at 10, none at 5: the total still says two
        let violation = core.check_invariants().unwrap_err();
        assert_eq!(violation.invariant, Invariant::I3);
        assert_eq!(
            violation.detail,
            "the waiting count of a priority differs from the links"
        );
    }

    #[test]
    fn a_reused_buffer_gives_the_same_verdicts() {
        let config = Config::new([LinkConfig::new("A"), LinkConfig::new("B")]);
        let mut core = LinkCore::new(config).unwrap();
        let mut buffer = CheckBuffer::default();
        assert_eq!(core.check_invariants_with(&mut buffer), Ok(()));
        core.step(Instant::ZERO, Event::Start).unwrap();
        assert_eq!(core.check_invariants_with(&mut buffer), Ok(()));
        core.slots[1].state = LinkState::Closed; // behind the queue's back
        assert_eq!(
            core.check_invariants_with(&mut buffer)
                .unwrap_err()
                .invariant,
            Invariant::I3
        );
    }

    #[test]
    fn an_open_count_that_drifted_breaks_i7() {
        let config = Config::new([LinkConfig::new("A"), LinkConfig::new("B")]);
        let mut core = LinkCore::new(config).unwrap();
        core.step(Instant::ZERO, Event::Start).unwrap();
        assert_eq!(core.open_links(), 2);
        core.open_count = 1;
        let violation = core.check_invariants().unwrap_err();
        assert_eq!(violation.invariant, Invariant::I7);
        assert_eq!(
            violation.detail,
            "the open-link count differs from the links"
        );
    }
}
