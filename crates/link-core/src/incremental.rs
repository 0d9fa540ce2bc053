//! [`InvariantTracker`]: the state invariants of [`LinkCore::check_invariants`] checked
//! after a step at the cost of what the step changed, not of the link count.
//!
//! The full check makes one pass over every link; after every step of a long run that
//! makes the run quadratic in links. The tracker keeps, between steps, its own view of
//! each link (state, connection priority, queue rank, `normal` order, withdrawal) and
//! the facts the checks need as maintained values: how many links are open and active,
//! the waiting links by queue rank (all of them, and those R15 did not withdraw, each
//! with its lowest and highest rank kept as the core's queue keeps its own), the
//! operational links in the tie rule's order, and the open links below the highest
//! priority. A step names the links it can have changed (its input's and its actions'):
//! only their views are updated, and the checks then read maintained values.
//!
//! When anything looks wrong, the full check runs and its violation is the one
//! reported, so a verdict never depends on which check found it. A reconfiguration
//! re-ranks every link's priority: the tracker then rebuilds its view in one pass. The
//! tracker trusts the step's list of changed links; a core that changed a link it did
//! not name is caught by the full check its caller runs at the end of a run (and, in
//! debug builds, by the core's own full check after every step).

use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use core::cmp::Reverse;

use crate::invariants::{CheckBuffer, Invariant, Violation};
use crate::machine::{LinkState, Phase};
use crate::{Event, LinkCore, LinkId, Role};

/// What the tracker saw of one link after the last step that named it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LinkView {
    state: LinkState,
    conn_priority: i32,
    rank: u32,
    normal_order: u64,
    withdrawn: bool,
    /// Configured below the highest configured priority (I5 for a backup).
    below_highest: bool,
}

/// A count of links at each queue rank, with the lowest and highest occupied rank
/// kept as the queue keeps its own (a scan only when an end empties): no allocation
/// once it has room for the ranks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct RankCounts {
    counts: Vec<u32>,
    lowest: Option<u32>,
    highest: Option<u32>,
}

impl RankCounts {
    fn add(&mut self, rank: u32) {
        let r = rank as usize;
        if r >= self.counts.len() {
            self.counts.resize(r + 1, 0);
        }
        self.counts[r] += 1;
        self.lowest = Some(self.lowest.map_or(rank, |low| low.min(rank)));
        self.highest = Some(self.highest.map_or(rank, |high| high.max(rank)));
    }

    fn remove(&mut self, rank: u32) {
        let Some(count) = self.counts.get_mut(rank as usize) else {
            return;
        };
        *count = count.saturating_sub(1);
        if *count > 0 {
            return;
        }
        let occupied = |r: &u32| self.counts[*r as usize] > 0;
        if self.highest == Some(rank) {
            self.highest = (0..rank).rev().find(occupied);
        }
        if self.lowest == Some(rank) {
            self.lowest = (rank + 1..self.counts.len() as u32).find(occupied);
        }
    }

    fn at(&self, rank: u32) -> u32 {
        self.counts.get(rank as usize).copied().unwrap_or(0)
    }

    fn lowest(&self) -> Option<u32> {
        self.lowest
    }

    fn highest(&self) -> Option<u32> {
        self.highest
    }

    /// Empty, keeping its room.
    fn clear(&mut self) {
        self.counts.iter_mut().for_each(|c| *c = 0);
        self.lowest = None;
        self.highest = None;
    }

    /// The same counts, whatever room each has.
    fn same_as(&self, other: &RankCounts) -> bool {
        let len = self.counts.len().max(other.counts.len()) as u32;
        (0..len).all(|r| self.at(r) == other.at(r))
            && self.lowest == other.lowest
            && self.highest == other.highest
    }
}

/// Keeps what [`LinkCore::check_invariants_after`] needs between steps: one per core,
/// from its `Start` on (a `Start`, a core of another link count, or a view the full
/// pass contradicts rebuilds it).
#[derive(Clone, Debug, Default)]
pub struct InvariantTracker {
    views: Vec<LinkView>,
    open: u32,
    active: u32,
    waiting: RankCounts,
    /// Waiting links R15 did not withdraw (I4 lets only withdrawn ones sit low).
    eligible: RankCounts,
    /// Operational links in the tie rule's order: the first is the best.
    operational: BTreeSet<(Reverse<i32>, u64, usize)>,
    open_below_highest: u32,
    /// Room for the full check when one is needed.
    buffer: CheckBuffer,
    /// Full checks run because a step re-ranked the links or looked wrong.
    full_checks: u64,
    /// Room for the touched links' ranks before the step.
    old_ranks: Vec<u32>,
}

impl InvariantTracker {
    /// An empty tracker: the first check rebuilds it from the core.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many full passes it made (a reconfiguration, the first step, or a step
    /// that looked wrong).
    pub fn full_checks(&self) -> u64 {
        self.full_checks
    }

    fn insert(&mut self, index: usize, view: LinkView, order_key: u64) {
        self.open += u32::from(view.state.is_open());
        self.active += u32::from(view.state == LinkState::Active);
        self.open_below_highest += u32::from(view.state.is_open() && view.below_highest);
        if view.state.is_waiting() {
            self.waiting.add(view.rank);
            if !view.withdrawn {
                self.eligible.add(view.rank);
            }
        }
        if view.state == LinkState::Operational {
            self.operational
                .insert((Reverse(view.conn_priority), order_key, index));
        }
    }

    fn take_out(&mut self, index: usize, view: LinkView, order_key: u64) {
        self.open -= u32::from(view.state.is_open());
        self.active -= u32::from(view.state == LinkState::Active);
        self.open_below_highest -= u32::from(view.state.is_open() && view.below_highest);
        if view.state.is_waiting() {
            self.waiting.remove(view.rank);
            if !view.withdrawn {
                self.eligible.remove(view.rank);
            }
        }
        if view.state == LinkState::Operational {
            self.operational
                .remove(&(Reverse(view.conn_priority), order_key, index));
        }
    }
}

impl LinkCore {
    /// Checks invariants I1-I8 after a step whose input was `event` and whose input and
    /// actions named `touched` (the only links whose state can have changed), at the
    /// cost of what the step changed: the operational links in a B-tree (O(log n)
    /// each), the rest in constant time but for a scan when a waiting rank at an end
    /// empties. Whenever it suspects anything, the full
    /// [`check_invariants`](Self::check_invariants) runs and its verdict is returned.
    /// What it cannot see: a link the step changed without naming it, and a queue count
    /// drifting at a rank no step named; a caller makes a full pass at the end of a run
    /// for those (debug builds make one after every step anyway). A reconfiguration
    /// (which re-ranks every link), a `Start` and a core of another link count rebuild
    /// the tracker in one pass.
    pub fn check_invariants_after(
        &self,
        event: &Event,
        touched: &[LinkId],
        tracker: &mut InvariantTracker,
    ) -> Result<(), Violation> {
        let rebuild = tracker.views.len() != self.slots.len()
            || matches!(event, Event::Reconfigured { .. } | Event::Start);
        if rebuild {
            self.rebuild_tracker(tracker);
            return self.full_check(tracker, false);
        }
        let known = |link: &&LinkId| link.index() < self.slots.len();
        // Every view first, then the checks: a step moves several links at one rank.
        let mut old_ranks = core::mem::take(&mut tracker.old_ranks);
        old_ranks.clear();
        for link in touched.iter().filter(known) {
            let index = link.index();
            let (old, new) = (tracker.views[index], self.view(index));
            old_ranks.push(old.rank);
            if old != new {
                tracker.take_out(index, old, self.order_key(old.normal_order));
                tracker.insert(index, new, self.order_key(new.normal_order));
                tracker.views[index] = new;
            }
        }
        let suspicious = touched
            .iter()
            .filter(known)
            .zip(&old_ranks)
            .find_map(|(link, &old_rank)| self.link_problem(link.index(), old_rank, tracker));
        tracker.old_ranks = old_ranks;
        match suspicious.or_else(|| self.global_problem(tracker)) {
            None => Ok(()),
            Some(_) => self.full_check(tracker, true),
        }
    }

    /// The full check, whose verdict is the one reported. Every fact the tracker checks
    /// is one the full pass checks too, so a suspicion the full pass does not confirm
    /// can only be a view that no longer matches the core (a tracker reused for another
    /// core of the same size, say): the view is rebuilt.
    fn full_check(
        &self,
        tracker: &mut InvariantTracker,
        suspicious: bool,
    ) -> Result<(), Violation> {
        tracker.full_checks += 1;
        let full = self.check_invariants_with(&mut tracker.buffer);
        if full.is_ok() && suspicious {
            self.rebuild_tracker(tracker);
        }
        full
    }

    /// Whether `tracker` holds exactly what a tracker rebuilt from this core would:
    /// tests use it to prove that the step-by-step updates lose nothing.
    pub fn tracker_is_current(&self, tracker: &InvariantTracker) -> bool {
        let mut fresh = InvariantTracker::default();
        self.rebuild_tracker(&mut fresh);
        tracker.views == fresh.views
            && tracker.open == fresh.open
            && tracker.active == fresh.active
            && tracker.waiting.same_as(&fresh.waiting)
            && tracker.eligible.same_as(&fresh.eligible)
            && tracker.operational == fresh.operational
            && tracker.open_below_highest == fresh.open_below_highest
    }

    /// Builds `tracker`'s view of every link from scratch, keeping its room.
    fn rebuild_tracker(&self, tracker: &mut InvariantTracker) {
        tracker.views.clear();
        tracker.open = 0;
        tracker.active = 0;
        tracker.waiting.clear();
        tracker.eligible.clear();
        tracker.operational.clear();
        tracker.open_below_highest = 0;
        for index in 0..self.slots.len() {
            let view = self.view(index);
            tracker.insert(index, view, self.order_key(view.normal_order));
            tracker.views.push(view);
        }
    }

    fn view(&self, index: usize) -> LinkView {
        let slot = &self.slots[index];
        LinkView {
            state: slot.state,
            conn_priority: slot.conn_priority,
            rank: slot.rank,
            normal_order: slot.normal_order,
            withdrawn: slot.withdrawn,
            below_highest: self.config.links[index].effective_priority() < self.highest_priority,
        }
    }

    /// The tie rule's order of `normal` reports as a sort key: earliest first (latest
    /// first under the planted bug that breaks the rule, so that the tracker agrees
    /// with the core it checks and the full check decides).
    fn order_key(&self, normal_order: u64) -> u64 {
        match self.bug(crate::PlantedBug::TieWonByLastNormal) {
            true => u64::MAX - normal_order,
            false => normal_order,
        }
    }

    /// What can be wrong with one link a step named: its cached ranks, and the queue's
    /// count at its old and new rank.
    fn link_problem(
        &self,
        index: usize,
        old_rank: u32,
        tracker: &InvariantTracker,
    ) -> Option<Violation> {
        let slot = &self.slots[index];
        let configured = self.config.links[index].effective_priority();
        let stale = !self.queue.is_rank_of(slot.configured_rank, configured)
            || (slot.state.is_open() && !self.queue.is_rank_of(slot.rank, slot.conn_priority));
        let count_off = |rank: u32| {
            self.queue
                .waiting_at(rank)
                .is_some_and(|n| n != tracker.waiting.at(rank))
        };
        let out_of_range = slot.state.is_waiting() && self.queue.waiting_at(slot.rank).is_none();
        (stale || out_of_range || count_off(old_rank) || count_off(slot.rank)).then_some(
            Violation {
                invariant: Invariant::I3,
                link: Some(crate::machine::link_id(index)),
                detail: "the queue's cached ranks or counts differ from the links",
            },
        )
    }

    /// The checks that read maintained values: every fact the full check gathers in its
    /// pass, without one.
    fn global_problem(&self, tracker: &InvariantTracker) -> Option<Violation> {
        let problem = |invariant, detail| {
            Some(Violation {
                invariant,
                link: None,
                detail,
            })
        };
        let (top, bottom) = self.queue.ends();
        let as_rank = |r: Option<u32>| r.map(|r| r as usize);
        if top != as_rank(tracker.waiting.highest()) || bottom != as_rank(tracker.waiting.lowest())
        {
            return problem(
                Invariant::I3,
                "the queue's ends differ from the waiting links",
            );
        }
        if tracker.open != self.open_count {
            return problem(Invariant::I7, "the open-link count differs from the links");
        }
        let best = tracker.operational.first().map(|&(_, _, index)| index);
        if self.best_operational() != best {
            return problem(
                Invariant::I4,
                "the cached best operational link is not the best",
            );
        }
        self.phase_problem(tracker, best)
    }

    /// I1, I2, I3, I4, I5, I6, I7 and I8 from the maintained values and the phase.
    fn phase_problem(&self, tracker: &InvariantTracker, best: Option<usize>) -> Option<Violation> {
        let problem = |invariant, detail| {
            Some(Violation {
                invariant,
                link: None,
                detail,
            })
        };
        let active_phase = matches!(self.phase, Phase::Active(_));
        let named_active = match self.phase {
            Phase::Active(link) => self
                .slots
                .get(link.index())
                .is_some_and(|s| s.state == LinkState::Active),
            _ => true,
        };
        if tracker.active != u32::from(active_phase) || !named_active {
            return problem(Invariant::I1, "the active links and the phase disagree");
        }
        let threshold = self.config.keepalive_tolerance.max(1);
        if active_phase && self.keepalive.failures >= threshold {
            return problem(
                Invariant::I2,
                "the keep-alive failure counter is at kpl-tolerance",
            );
        }
        if self.clients_connected != self.active_link() {
            return problem(Invariant::I6, "clients were not told about the active link");
        }
        let open_allowed = matches!(self.phase, Phase::Selecting) || active_phase;
        if (!open_allowed && tracker.open > 0) || (active_phase && tracker.open != 1) {
            return problem(Invariant::I7, "a link is open where it may not be");
        }
        if self.phase == Phase::Selecting {
            if let Some(best) = best.map(|i| self.slots[i].rank) {
                if tracker.eligible.lowest().is_some_and(|r| r <= best) {
                    return problem(
                        Invariant::I4,
                        "a waiting link is not above an operational one",
                    );
                }
                if tracker.waiting.highest().is_none_or(|r| r <= best) {
                    return problem(Invariant::I3, "an operational link waits for nothing");
                }
            }
        }
        if self.config.role == Role::Backup && tracker.open_below_highest > 0 {
            return problem(
                Invariant::I5,
                "a backup holds a link below the highest priority",
            );
        }
        self.check_timers().err()
    }
}

#[cfg(test)]
mod tests {
    //! The tracker finds what the full check finds in a step's links, reports the full
    //! check's own violation, and keeps its view through real steps.
    use super::*;
    use crate::invariants::tests::force;
    use crate::{Instant, Timer};

    /// The invariants tests' core (A, B, C with priorities 10, 5, 1, all connecting),
    /// started as a primary, with a tracker built from it.
    fn started() -> (LinkCore, InvariantTracker) {
        let core = crate::invariants::tests::started(Role::Primary);
        let mut tracker = InvariantTracker::new();
        let all = [LinkId::new(0), LinkId::new(1), LinkId::new(2)];
        assert_eq!(
            core.check_invariants_after(&Event::Start, &all, &mut tracker),
            Ok(())
        );
        (core, tracker)
    }

    /// A way to break a started core's state.
    type Corruption = dyn Fn(&mut LinkCore);

    /// After `corrupt`, a step naming `named`: the tracker's verdict and the full one.
    fn verdicts(
        corrupt: impl Fn(&mut LinkCore),
        named: &[u16],
    ) -> (Result<(), Violation>, Result<(), Violation>) {
        let (mut core, mut tracker) = started();
        corrupt(&mut core);
        let touched: Vec<LinkId> = named.iter().map(|&i| LinkId::new(i)).collect();
        let event = Event::TimerExpired(Timer::ConnectTimeout);
        let incremental = core.check_invariants_after(&event, &touched, &mut tracker);
        (incremental, core.check_invariants())
    }

    #[test]
    fn a_broken_state_in_the_named_links_gets_the_full_checks_violation() {
        let corruptions: [(&Corruption, &[u16]); 12] = [
            (
                &|c| {
                    force(c, 0, LinkState::Active);
                    force(c, 1, LinkState::Active);
                    c.phase = Phase::Active(LinkId::new(0));
                },
                &[0, 1],
            ),
            (&|c| force(c, 0, LinkState::Active), &[0]),
            (
                &|c| {
                    force(c, 0, LinkState::Active);
                    force(c, 1, LinkState::Closed);
                    force(c, 2, LinkState::Closed);
                    c.phase = Phase::Active(LinkId::new(0));
                },
                &[0, 1, 2],
            ),
            (&|c| c.config.role = Role::Backup, &[]),
            (&|c| c.slots[1].rank = 0, &[1]),
            // Only the configured rank is stale: each of the link's checks alone finds it.
            (
                &|c| c.slots[1].configured_rank = c.slots[0].configured_rank,
                &[1],
            ),
            // B reopened at priority 1 (rank 1 to rank 0), but the queue still counts it
            // at its old rank too: only the old rank's count is off.
            (
                &|c| {
                    c.slots[1].conn_priority = 1;
                    c.slots[1].rank = 0;
                    c.queue.add(0);
                },
                &[1],
            ),
            // In a procedure, C waits below operational B (I4), every cache right.
            (&|c| force(c, 1, LinkState::Operational), &[1]),
            // B operational with nothing above it waiting, yet not active (I3).
            (
                &|c| {
                    force(c, 0, LinkState::Closed);
                    force(c, 2, LinkState::Closed);
                    force(c, 1, LinkState::Operational);
                },
                &[0, 1, 2],
            ),
            // Only the queue's highest end is stale; no link changed.
            (&|c| c.queue.set_top_for_tests(Some(0)), &[]),
            // Open links while restarting, its timer armed: I7 alone.
            (
                &|c| {
                    c.phase = Phase::Restarting;
                    c.timers[Timer::ConnectTimeout.index()] = None;
                    c.timers[Timer::RestartDelay.index()] = Some(Instant::from_secs(5));
                },
                &[],
            ),
            // The counts agree (one active, one open), but not with the phase's link
            // (found in review).
            (
                &|c| {
                    force(c, 0, LinkState::Closed);
                    force(c, 1, LinkState::Active);
                    force(c, 2, LinkState::Closed);
                    c.phase = Phase::Active(LinkId::new(0));
                    c.clients_connected = Some(LinkId::new(0));
                    // The timers the phase wants, so that only the link is wrong.
                    c.timers[Timer::ConnectTimeout.index()] = None;
                    c.timers[Timer::KeepAlive.index()] = Some(Instant::from_secs(3));
                },
                &[0, 1, 2],
            ),
        ];
        for (i, (corrupt, named)) in corruptions.iter().enumerate() {
            let (incremental, full) = verdicts(corrupt, named);
            assert!(full.is_err(), "case {i}: the state is broken");
            assert_eq!(incremental, full, "case {i}");
        }
    }

    #[test]
    fn a_view_the_full_check_contradicts_is_rebuilt_not_reported() {
        // A tracker that watched another core of the same size (found in review): its
        // suspicion is not a violation when the full pass finds none.
        let (_, mut tracker) = started();
        let (mut other, _) = started();
        let refused = Event::TcpRefused(crate::ConnId {
            link: LinkId::new(0),
            generation: 1,
        });
        other.step(Instant::ZERO, refused).unwrap();
        let event = Event::TimerExpired(Timer::RestartDelay);
        assert_eq!(
            other.check_invariants_after(&event, &[], &mut tracker),
            Ok(())
        );
        assert!(other.tracker_is_current(&tracker));
    }

    #[test]
    fn a_tracker_that_missed_a_change_is_not_current() {
        let (core, tracker) = started();
        assert!(core.tracker_is_current(&tracker));
        let drifts: [&dyn Fn(&mut InvariantTracker); 10] = [
            &|t| t.views[1].state = LinkState::Operational,
            &|t| t.open += 1,
            &|t| t.active += 1,
            &|t| t.waiting.add(0),
            &|t| t.waiting.lowest = Some(2),
            &|t| t.waiting.highest = Some(0),
            &|t| t.eligible.add(1),
            &|t| t.eligible.highest = None,
            &|t| {
                t.operational.insert((Reverse(5), 1, 1));
            },
            &|t| t.open_below_highest += 1,
        ];
        for (i, drift) in drifts.iter().enumerate() {
            let mut drifted = tracker.clone();
            drift(&mut drifted);
            assert!(!core.tracker_is_current(&drifted), "drift {i}");
        }
    }

    #[test]
    fn a_link_the_step_does_not_name_is_left_to_the_full_check() {
        // The limit, stated: the tracker trusts the step's list of changed links.
        let (incremental, full) = verdicts(|c| c.slots[1].rank = 0, &[0]);
        assert_eq!(incremental, Ok(()));
        assert!(full.is_err());
    }

    #[test]
    fn real_steps_keep_the_view_current_and_a_reconfiguration_rebuilds_it() {
        let (mut core, mut tracker) = started();
        let conn = |link: u16| crate::ConnId {
            link: LinkId::new(link),
            generation: 1,
        };
        let steps = [
            Event::TcpAccepted(conn(1)),
            Event::AssociationAccepted(conn(1)),
            Event::SystemStatus(conn(1), crate::SystemStatus::Normal),
            Event::TcpRefused(conn(0)),
            Event::Reconfigured {
                link: LinkId::new(2),
                priority: Some(20),
            },
        ];
        let mut actions = Vec::new();
        for event in steps {
            actions.clear();
            core.step_into(Instant::ZERO, event, &mut actions).unwrap();
            let mut touched: Vec<LinkId> = event.link().into_iter().collect();
            touched.extend(actions.iter().filter_map(crate::Action::link));
            assert_eq!(
                core.check_invariants_after(&event, &touched, &mut tracker),
                Ok(())
            );
            assert!(core.tracker_is_current(&tracker), "after {event:?}");
        }
        assert_eq!(core.active_link(), Some(LinkId::new(1)));
        assert_eq!(
            tracker.full_checks(),
            2,
            "the start and the reconfiguration"
        );
    }
}
