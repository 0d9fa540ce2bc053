//! The liveness theory of L1 and H1, written once for every checker that claims them:
//! the simulator's checker and `explore`, the swarm (link-tokio's driver under
//! turmoil), and link-check's fair search.
//!
//! L1 promises recovery only where recovery is possible: some connector the server's
//! role lets it open must be *healthy* (it would be selected and kept), and no connector
//! may be able to win and then fail again (*flapping*: any number of failures may
//! follow, so no bound holds). [`Health`] is that judgement of one connector, made by
//! [`Behaviour::health`] from what the connector will do; [`Unclaimed`] says why a
//! world cannot be promised L1; [`Recovery`] is L1's bound, a sum of plain durations
//! whose terms each checker fills in from its own world. `docs/decisions.md` ("L1 and
//! H1") says why each term is there.

use core::fmt;
use core::time::Duration;

/// How a connector will treat a server, judged for liveness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Health {
    /// Accepts, associates, reports `normal` within `connect-tout` even at its slowest,
    /// answers keep-alives in time and reports no failure afterwards: a server that may
    /// use it must end up active.
    Healthy,
    /// Reports `normal` within `connect-tout` only when it is quick enough, and never
    /// fails once selected: it neither promises nor prevents recovery.
    Sometimes,
    /// Never becomes operational in time (refuses, rejects, never answers, no `normal`
    /// even at its quickest): it drops out of the queue and holds nothing back for long.
    NeverSelected,
    /// Can be selected and then fails again (a later failure status, or keep-alives it
    /// does not answer): no recovery bound holds while it can be chosen.
    Flapping,
}

/// What a connector will do, as far as liveness cares. Each checker describes its own
/// connectors this way (a scenario's connector, a stub's script).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Behaviour {
    /// Whether it accepts the connection and the session (association).
    pub accepts: bool,
    /// When its validating `normal` reaches the server, counted from the open, at the
    /// soonest and at the latest; `None` when it never validates a link.
    pub normal: Option<(Duration, Duration)>,
    /// Whether it reports a status the server treats as a failure after `normal`.
    pub fails_after_normal: bool,
    /// Whether it answers every keep-alive request before the next one is due.
    pub answers_keepalive: bool,
}

impl Behaviour {
    /// Its health for a server whose `connect-tout` is at least `connect_tout_min` and
    /// at most `connect_tout_max`, with keep-alive on at some time (`keepalive_on`).
    /// A connector never selected is [`Health::NeverSelected`] whatever it does later;
    /// one that can be selected and then fail is [`Health::Flapping`] even when it is
    /// selected only sometimes.
    pub fn health(
        &self,
        connect_tout_min: Duration,
        connect_tout_max: Duration,
        keepalive_on: bool,
    ) -> Health {
        let Some((soonest, latest)) = self.normal.filter(|_| self.accepts) else {
            return Health::NeverSelected;
        };
        if soonest >= connect_tout_max {
            return Health::NeverSelected;
        }
        if self.fails_after_normal || (keepalive_on && !self.answers_keepalive) {
            return Health::Flapping;
        }
        match latest < connect_tout_min {
            true => Health::Healthy,
            false => Health::Sometimes,
        }
    }
}

/// Why L1 cannot be claimed for a world.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unclaimed {
    /// This connector can be selected and then fail again.
    Flapping {
        /// Its name (the link's, or its host's).
        connector: String,
    },
    /// A partition while keep-alive is off: a close lost in it is never noticed.
    PartitionWithKeepaliveOff,
    /// No connector the server may use is healthy.
    NoHealthyConnector,
}

impl Unclaimed {
    /// Why L1 cannot be claimed for a world of `connectors` (each named, in link order),
    /// judged before the run: the first flapping connector, then a partition while
    /// keep-alive is off. `None`: the world allows the claim; whether a server then
    /// has a healthy connector its role allows is asked of it when the bound comes.
    pub fn of_world<'a>(
        connectors: impl IntoIterator<Item = (&'a str, Health)>,
        partition_with_keepalive_off: bool,
    ) -> Option<Unclaimed> {
        let flapping = connectors
            .into_iter()
            .find(|(_, health)| *health == Health::Flapping);
        if let Some((name, _)) = flapping {
            let connector = name.into();
            return Some(Unclaimed::Flapping { connector });
        }
        partition_with_keepalive_off.then_some(Unclaimed::PartitionWithKeepaliveOff)
    }

    /// The reason without the connector's name, for counting seeds by reason.
    pub fn summary(&self) -> &'static str {
        match self {
            Unclaimed::Flapping { .. } => {
                "a connector can be selected and then fail again (flapping)"
            }
            Unclaimed::PartitionWithKeepaliveOff => "a partition with keep-alive off",
            Unclaimed::NoHealthyConnector => "no healthy connector",
        }
    }
}

impl fmt::Display for Unclaimed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unclaimed::Flapping { connector } => write!(
                f,
                "connector {connector} can be selected and then fail again (keep-alive, or a failure status: flapping); liveness assumes nothing fails"
            ),
            Unclaimed::PartitionWithKeepaliveOff => {
                f.write_str("a partition with keep-alive off: a close lost in it cannot be noticed")
            }
            Unclaimed::NoHealthyConnector => f.write_str("no healthy connector"),
        }
    }
}

/// One server's candidates for a liveness claim: each connector it may use, whether it
/// is usable now (reachable, up), and its priority.
#[derive(Clone, Copy, Debug)]
pub struct Candidate {
    /// The connector's health.
    pub health: Health,
    /// Whether the server's role lets it open this link.
    pub allowed: bool,
    /// Whether it is usable (reachable and up) when the claim is judged.
    pub usable: bool,
    /// Whether something (a fault) may hold lower links back behind it.
    pub blocks: bool,
    /// The link's priority.
    pub priority: i32,
}

/// Whether L1 can be claimed for a server with `candidates`: some allowed link is
/// healthy and usable, no allowed link can flap, and no allowed link that `blocks` has
/// a priority at or above the healthy one (R7 makes lower links wait for higher ones).
pub fn claimed(candidates: &[Candidate]) -> bool {
    candidates.iter().enumerate().any(|(h, healthy)| {
        healthy.allowed
            && healthy.health == Health::Healthy
            && healthy.usable
            && !candidates.iter().enumerate().any(|(f, other)| {
                f != h
                    && other.allowed
                    && (other.health == Health::Flapping
                        || (other.blocks && other.priority >= healthy.priority))
            })
    })
}

/// L1's bound: how long after the moment it counts from (the start, the last heal, a
/// death) some link must be active. A sum of plain durations; each checker fills them
/// in from its world, and [`Recovery::bound`] adds them in one place.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// The link restart timeout, when a failure may come first (R10); zero otherwise.
    pub restart_timeout: Duration,
    /// The longest `connect-tout` the world runs under.
    pub connect_tout: Duration,
    /// How many procedures may run: one, or two when a procedure begun just before a
    /// heal may still fail once.
    pub procedures: u32,
    /// The Management Layer's switch delay (a pair), zero otherwise.
    pub switch: Duration,
    /// How long keep-alive may take to notice a connection lost without a close (R14),
    /// when that can happen; zero otherwise.
    pub keepalive_detection: Duration,
    /// Room for the network and the simulation: latencies, slow starts, ticks.
    pub network: Duration,
}

impl Recovery {
    /// The bound: restart timeout + procedures x `connect-tout` + switch + keep-alive
    /// detection + network.
    pub fn bound(&self) -> Duration {
        self.restart_timeout
            + self.connect_tout * self.procedures
            + self.switch
            + self.keepalive_detection
            + self.network
    }
}

/// How long keep-alive may take to notice a dead link at `interval` and `tolerance`:
/// one interval per tolerated failure and one for the request itself.
pub fn keepalive_detection(interval: Duration, tolerance: u32) -> Duration {
    interval * (tolerance + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn behaviour(normal: Option<(u64, u64)>) -> Behaviour {
        Behaviour {
            accepts: true,
            normal: normal.map(|(a, b)| (Duration::from_millis(a), Duration::from_millis(b))),
            fails_after_normal: false,
            answers_keepalive: true,
        }
    }

    #[test]
    fn a_connector_is_judged_by_when_its_normal_comes_and_what_follows() {
        let two = 2 * S;
        let judge = |b: Behaviour| b.health(two, two, true);
        assert_eq!(judge(behaviour(Some((10, 500)))), Health::Healthy);
        assert_eq!(judge(behaviour(Some((10, 1999)))), Health::Healthy);
        assert_eq!(judge(behaviour(Some((10, 2000)))), Health::Sometimes);
        assert_eq!(judge(behaviour(Some((2000, 2500)))), Health::NeverSelected);
        assert_eq!(judge(behaviour(None)), Health::NeverSelected);
        let refuses = Behaviour {
            accepts: false,
            ..behaviour(Some((0, 0)))
        };
        assert_eq!(judge(refuses), Health::NeverSelected);
        let fails = Behaviour {
            fails_after_normal: true,
            ..behaviour(Some((10, 3000)))
        };
        assert_eq!(judge(fails), Health::Flapping, "even if selected sometimes");
        let late_and_fails = Behaviour {
            fails_after_normal: true,
            ..behaviour(Some((2500, 3000)))
        };
        assert_eq!(judge(late_and_fails), Health::NeverSelected);
        let deaf = Behaviour {
            answers_keepalive: false,
            ..behaviour(Some((10, 500)))
        };
        assert_eq!(judge(deaf), Health::Flapping);
        assert_eq!(
            deaf.health(two, two, false),
            Health::Healthy,
            "keep-alive off"
        );
        // Under a longer connect-tout set later, a slow connector can still win.
        let slow = behaviour(Some((2500, 2600)));
        assert_eq!(slow.health(two, 3 * S, true), Health::Sometimes);
    }

    #[test]
    fn the_world_names_its_first_flapping_connector_before_a_partition() {
        let world = [("A", Health::Healthy), ("B", Health::Flapping)];
        let why = Unclaimed::of_world(world, true).unwrap();
        assert_eq!(
            why,
            Unclaimed::Flapping {
                connector: "B".into()
            }
        );
        assert!(why.to_string().starts_with("connector B can be selected"));
        assert!(
            !why.summary().contains('B'),
            "counted by reason, not by connector"
        );
        let calm = [("A", Health::Healthy), ("B", Health::NeverSelected)];
        assert_eq!(
            Unclaimed::of_world(calm, true),
            Some(Unclaimed::PartitionWithKeepaliveOff)
        );
        assert_eq!(Unclaimed::of_world(calm, false), None);
    }

    #[test]
    fn a_claim_needs_a_healthy_usable_allowed_link_with_nothing_flapping_or_blocking_above() {
        let link = |health, priority| Candidate {
            health,
            allowed: true,
            usable: true,
            blocks: false,
            priority,
        };
        assert!(claimed(&[link(Health::Healthy, 1)]));
        assert!(!claimed(&[]));
        assert!(!claimed(&[link(Health::Sometimes, 1)]));
        let unusable = Candidate {
            usable: false,
            ..link(Health::Healthy, 1)
        };
        assert!(!claimed(&[unusable]));
        let not_allowed = Candidate {
            allowed: false,
            ..link(Health::Healthy, 1)
        };
        assert!(!claimed(&[not_allowed]));
        assert!(!claimed(&[
            link(Health::Healthy, 1),
            link(Health::Flapping, 0)
        ]));
        let flapping_but_not_allowed = Candidate {
            allowed: false,
            ..link(Health::Flapping, 0)
        };
        assert!(claimed(&[
            link(Health::Healthy, 1),
            flapping_but_not_allowed
        ]));
        let blocking = |priority| Candidate {
            blocks: true,
            ..link(Health::Sometimes, priority)
        };
        assert!(!claimed(&[link(Health::Healthy, 1), blocking(1)]));
        assert!(claimed(&[link(Health::Healthy, 1), blocking(0)]));
    }

    #[test]
    fn the_bound_is_the_sum_of_its_terms() {
        let recovery = Recovery {
            restart_timeout: 10 * S,
            connect_tout: 2 * S,
            procedures: 2,
            switch: S / 2,
            keepalive_detection: keepalive_detection(10 * S, 3),
            network: Duration::from_millis(150),
        };
        assert_eq!(
            recovery.bound(),
            Duration::from_millis(10_000 + 4_000 + 500 + 40_000 + 150)
        );
        assert_eq!(Recovery::default().bound(), Duration::ZERO);
    }
}
