//! A canonical view of a core's state, for model checkers (`crates/link-check`): what
//! decides the core's future behaviour, and nothing that only names it. Two cores whose
//! views hash alike behave alike under every continuation, given inputs that name the
//! same links and times relative to the latest `now`.
//!
//! Left out, because they name rather than decide: connection generations (a runtime
//! knows its connections; what matters is which one is current, and the environment
//! tracks that), the absolute time (deadlines are written relative to the latest `now`),
//! the counter that orders `normal` reports (only the order among links matters), the
//! caches derived from the links (the waiting queue, the best operational link, the
//! open count). For coverage measures, what a later step resets before it reads it (a closed link's
//! priority, order and warning flag; the tried flags between procedures; the keep-alive
//! counters while no link is active; everything of a stopped core). That last rule is
//! [`LinkCore::hash_shape`]'s only: the search hashes those fields as they are, so that
//! a core that forgets a reset is not merged with one that does not.

use core::hash::{Hash, Hasher};

use crate::machine::{LinkCore, Phase};

impl LinkCore {
    /// Feeds `state` the core's canonical state (see the module's documentation). A
    /// model checker hashes it to recognise a state it has seen, so that the state space
    /// of a small configuration is finite although time and generations grow.
    pub fn hash_canonical<H: Hasher>(&self, state: &mut H) {
        self.config.hash(state);
        self.phase.hash(state);
        for slot in &self.slots {
            (
                slot.state,
                slot.conn_priority,
                slot.tried,
                slot.warned,
                slot.withdrawn,
            )
                .hash(state);
            self.normal_rank(slot.normal_order, false).hash(state);
        }
        let latest = self.latest.as_nanos();
        for deadline in &self.timers {
            deadline
                .map(|d| d.as_nanos().saturating_sub(latest))
                .hash(state);
        }
        let k = &self.keepalive;
        (k.outstanding, k.failures, k.warnings, k.unstable).hash(state);
        (k.answers_for_failure, k.answers_for_warning).hash(state);
        self.clients_connected.hash(state);
        // A planted bug's own state, only when set: a correct core's hash is unchanged.
        #[cfg(feature = "planted-bugs")]
        if self.planted_restart_as_backup {
            true.hash(state);
        }
    }

    /// Feeds `state` the core's *shape*: the canonical state with each timer reduced to
    /// armed or not. Coverage measures compare shapes, because a random generator that
    /// moves time freely reaches deadlines the abstract time of a model checker never
    /// does, and those differ in nothing a rule reads but the order of expiries.
    ///
    /// A shape also leaves out what a later step resets before it reads it (see
    /// `hash_decisive`): two shapes that differ only there behave alike in a correct
    /// core. The search does not use that rule, so that a missing reset stays visible.
    pub fn hash_shape<H: Hasher>(&self, state: &mut H) {
        self.hash_decisive(state, |timers, state| {
            for deadline in timers {
                deadline.is_some().hash(state);
            }
        });
    }

    /// What decides behaviour, the timers hashed by `timers`. A stopped core ignores
    /// everything, so its phase is all of it. A closed link's priority, `normal` order
    /// and warning flag are reset when it is opened again, so only open links'
    /// count; the tried flags are read only while a procedure runs and reset when one
    /// begins, so they count only then; the keep-alive counters are reset at every activation
    /// and loss, so they count only while a link is active.
    fn hash_decisive<H: Hasher>(
        &self,
        state: &mut H,
        timers: impl Fn(&[Option<crate::Instant>], &mut H),
    ) {
        if self.phase == Phase::Stopped {
            return 4u32.hash(state);
        }
        self.config.hash(state);
        match self.phase {
            Phase::Idle => 0u32.hash(state),
            Phase::Selecting => 1u32.hash(state),
            Phase::Active(link) => (2u32, link.index()).hash(state),
            Phase::Restarting => 3u32.hash(state),
            Phase::Stopped => unreachable!("returned above"),
        }
        let tried_counts = self.phase == Phase::Selecting;
        for slot in &self.slots {
            slot.state.hash(state);
            (tried_counts && slot.tried).hash(state);
            if slot.state != crate::LinkState::Closed {
                (
                    slot.conn_priority,
                    slot.warned,
                    self.normal_rank(slot.normal_order, true),
                )
                    .hash(state);
            }
        }
        timers(&self.timers, state);
        if let Phase::Active(_) = self.phase {
            let k = &self.keepalive;
            (k.outstanding, k.failures, k.warnings, k.unstable).hash(state);
            (k.answers_for_failure, k.answers_for_warning).hash(state);
        }
        self.clients_connected.hash(state);
    }

    /// Where a link that reported `normal` as the `order`-th stands among the links of
    /// this procedure that did (1 = first), counting closed links too unless
    /// `open_only`; 0 for none.
    fn normal_rank(&self, order: u64, open_only: bool) -> usize {
        if order == 0 {
            return 0;
        }
        1 + self
            .slots
            .iter()
            .filter(|s| !open_only || s.state != crate::LinkState::Closed)
            .filter(|s| s.normal_order != 0 && s.normal_order < order)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use core::hash::Hasher;
    use core::time::Duration;

    use crate::{Config, Event, Instant, LinkConfig, LinkCore, LinkId, SystemStatus};

    fn canonical(core: &LinkCore) -> u64 {
        let mut h = crate::Fnv1a::new();
        core.hash_canonical(&mut h);
        h.finish()
    }

    fn config() -> Config {
        Config::new([LinkConfig::new("A").with_priority(1), LinkConfig::new("B")])
            .with_keepalive(Duration::from_secs(10), 2)
    }

    /// Runs a procedure to activation of link 0 starting at `t0`.
    fn active_from(t0: Instant) -> LinkCore {
        let mut core = LinkCore::new(config()).unwrap();
        core.step(t0, Event::Start).unwrap();
        let c = core.connection(LinkId::new(0)).unwrap();
        for event in [
            Event::TcpAccepted(c),
            Event::AssociationAccepted(c),
            Event::SystemStatus(c, SystemStatus::Normal),
        ] {
            core.step(t0, event).unwrap();
        }
        core
    }

    #[test]
    fn the_same_state_later_and_under_other_generations_is_the_same() {
        let early = active_from(Instant::ZERO);
        let late = active_from(Instant::from_secs(500));
        assert_eq!(canonical(&early), canonical(&late), "times are relative");
        // The same activation after a failover and a restart: new generations.
        let mut again = active_from(Instant::ZERO);
        let c = again.connection(LinkId::new(0)).unwrap();
        again
            .step(Instant::from_secs(1), Event::TcpClosed(c))
            .unwrap();
        let restart = again.next_deadline().unwrap().0;
        again
            .step(restart, Event::TimerExpired(crate::Timer::RestartDelay))
            .unwrap();
        let c = again.connection(LinkId::new(0)).unwrap();
        assert!(c.generation > 1);
        for event in [
            Event::TcpAccepted(c),
            Event::AssociationAccepted(c),
            Event::SystemStatus(c, SystemStatus::Normal),
        ] {
            again.step(restart, event).unwrap();
        }
        assert_eq!(
            canonical(&early),
            canonical(&again),
            "generations are left out"
        );
    }

    #[test]
    fn a_different_state_is_different() {
        let active = active_from(Instant::ZERO);
        let mut missed = active.clone();
        let due = missed.next_deadline().unwrap().0;
        missed
            .step(due, Event::TimerExpired(crate::Timer::KeepAlive))
            .unwrap();
        missed
            .step(
                due + Duration::from_secs(10),
                Event::TimerExpired(crate::Timer::KeepAlive),
            )
            .unwrap();
        assert_ne!(
            canonical(&active),
            canonical(&missed),
            "a keep-alive failure counts"
        );
        let mut started = LinkCore::new(config()).unwrap();
        let idle = canonical(&started);
        started.step(Instant::ZERO, Event::Start).unwrap();
        assert_ne!(idle, canonical(&started));
    }

    fn shape(core: &LinkCore) -> u64 {
        let mut h = crate::Fnv1a::new();
        core.hash_shape(&mut h);
        h.finish()
    }

    #[test]
    fn a_shape_keeps_what_decides_and_drops_what_a_later_step_resets() {
        let active = active_from(Instant::ZERO);
        let mut started = LinkCore::new(config()).unwrap();
        let idle = shape(&started);
        started.step(Instant::ZERO, Event::Start).unwrap();
        assert_ne!(idle, shape(&started), "the phase decides");
        assert_ne!(shape(&started), shape(&active), "so do the links' states");
        // The same state with a later deadline: one shape (armed or not is all).
        let later = active_from(Instant::from_secs(3));
        assert_eq!(shape(&active), shape(&later));
        // A stopped core is its phase alone, whatever its links were.
        let (mut a, mut b) = (active.clone(), started.clone());
        a.step(Instant::from_secs(5), Event::Shutdown).unwrap();
        b.step(Instant::from_secs(5), Event::Shutdown).unwrap();
        assert_eq!(shape(&a), shape(&b), "stopped is stopped");
        // The tried flags count while a procedure runs, and only then.
        let mut tried = started.clone();
        tried.slots[1].tried = !started.slots[1].tried;
        assert_ne!(shape(&started), shape(&tried), "in a procedure");
        let (mut idle, mut idle_tried) = (started.clone(), tried.clone());
        idle.phase = crate::Phase::Idle;
        idle_tried.phase = crate::Phase::Idle;
        assert_eq!(shape(&idle), shape(&idle_tried), "between procedures");
        // A closed link's order of `normal` is reset when it opens again: left out.
        let mut closed = started.clone();
        closed.slots[1].normal_order = 7;
        closed.slots[1].state = crate::LinkState::Closed;
        let mut closed_fresh = closed.clone();
        closed_fresh.slots[1].normal_order = 0;
        assert_eq!(shape(&closed), shape(&closed_fresh));
    }

    /// A started core of three links of one priority, with the `normal` counter values
    /// `orders` (0: not reported) and link 2 closed.
    fn reported(orders: [u64; 3]) -> LinkCore {
        let config = Config::new([
            LinkConfig::new("A"),
            LinkConfig::new("B"),
            LinkConfig::new("C"),
        ]);
        let mut core = LinkCore::new(config).unwrap();
        core.step(Instant::ZERO, Event::Start).unwrap();
        for (slot, order) in core.slots.iter_mut().zip(orders) {
            slot.state = crate::LinkState::Operational;
            slot.normal_order = order;
        }
        core.slots[2].state = crate::LinkState::Closed;
        core
    }

    #[test]
    fn the_order_of_normal_reports_is_part_of_a_state_not_the_counter() {
        // Two operational links of one priority (a tie, reachable under the planted tie
        // bugs the model checker must find) that reported in opposite orders.
        let (first, second) = (reported([1, 2, 0]), reported([2, 1, 0]));
        assert_ne!(canonical(&first), canonical(&second));
        assert_ne!(shape(&first), shape(&second));
        // The counter's values only name the reports; only their order decides.
        let later = reported([10, 20, 0]);
        assert_eq!(canonical(&first), canonical(&later));
        assert_eq!(shape(&first), shape(&later));
    }

    #[test]
    fn a_links_rank_counts_the_links_that_reported_normal_before_it() {
        let core = reported([3, 5, 1]);
        // Link 2 (closed) reported first, then link 0, then link 1.
        assert_eq!(core.normal_rank(1, false), 1, "the first");
        assert_eq!(core.normal_rank(3, false), 2, "after the closed link");
        assert_eq!(core.normal_rank(5, false), 3);
        assert_eq!(core.normal_rank(0, false), 0, "not reported: no rank");
        // Among open links only (the shape): the closed link does not count.
        assert_eq!(core.normal_rank(3, true), 1);
        assert_eq!(core.normal_rank(5, true), 2);
        assert_eq!(core.normal_rank(0, true), 0);
        // A link that never reported is not counted before anyone.
        let unreported = reported([0, 4, 0]);
        assert_eq!(unreported.normal_rank(4, false), 1);
        assert_eq!(unreported.normal_rank(4, true), 1);
    }
}
