//! One seed's world: the driver's configuration, each connector's script, the
//! network's latency and the faults, all drawn from the seed. Swarm-style (as `linksim
//! explore` does): each seed first draws which fault kinds it uses and how often, so
//! some seeds hammer one kind and others mix them. Also what the world promises: which
//! connectors are healthy, and whether L1 can be claimed at all.

use std::time::Duration;

use link_core::{Config, LinkConfig, LinkId, SystemStatus};
use link_model::liveness::{keepalive_detection, Behaviour, Health, Recovery, Unclaimed};
use link_tokio::{AssociationAnswer, KeepAliveAnswer, StubScript};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The port every simulated connector listens on (each is its own host).
pub const CONNECTOR_PORT: u16 = 3000;

/// The simulation's tick: turmoil advances every host's clock by this much per step.
pub const TICK: Duration = Duration::from_millis(2);

/// How long faults may start and last: every fault has healed by then.
pub const FAULT_PHASE: Duration = Duration::from_secs(30);

/// A kind of fault turmoil can do to one connector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// The connector's host crashes (its sockets close), and restarts at the heal.
    Crash,
    /// Messages between the driver and the connector are dropped until the heal.
    Partition,
    /// Messages between them are held (delayed, not lost) until the heal.
    Hold,
    /// Messages between them may take up to this long until the heal (turmoil keeps
    /// TCP's order: later ones wait behind a slow one).
    Latency(Duration),
}

impl FaultKind {
    /// The kinds a seed may switch on (a latency fault's value is drawn per fault).
    pub const KINDS: usize = 4;

    /// Its name in a report.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Crash => "crash",
            FaultKind::Partition => "partition",
            FaultKind::Hold => "hold",
            FaultKind::Latency(_) => "latency",
        }
    }

    /// Its number, 0 to [`KINDS`](Self::KINDS) - 1 (faults of one number nest).
    pub fn index(self) -> usize {
        match self {
            FaultKind::Crash => 0,
            FaultKind::Partition => 1,
            FaultKind::Hold => 2,
            FaultKind::Latency(_) => 3,
        }
    }
}

/// A priority change the embedding application sends the driver (R13): at `at`, link
/// `link` gets `priority` (its connector's address unchanged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reconfiguration {
    /// When, in simulated time.
    pub at: Duration,
    /// The link.
    pub link: LinkId,
    /// Its new priority (`None` = 0).
    pub priority: Option<i32>,
}

/// One fault: what, to which connector (link index), from when, until when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// What happens.
    pub kind: FaultKind,
    /// The connector (its link's index).
    pub link: usize,
    /// When it starts, in simulated time.
    pub at: Duration,
    /// When it heals.
    pub heal: Duration,
}

/// Everything a seed runs.
#[derive(Clone, Debug)]
pub struct World {
    /// The seed it was drawn from.
    pub seed: u64,
    /// The driver's configuration (link `i` talks to connector `i`).
    pub config: Config,
    /// Each connector's script.
    pub connectors: Vec<StubScript>,
    /// Each connector's health.
    pub health: Vec<Health>,
    /// The network's least and greatest message latency.
    pub latency: (Duration, Duration),
    /// The faults, by start.
    pub faults: Vec<Fault>,
    /// The priority changes, by time (all within [`FAULT_PHASE`]).
    pub reconfigurations: Vec<Reconfiguration>,
}

impl World {
    /// The world of `seed`.
    pub fn draw(seed: u64) -> World {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let config = draw_config(&mut rng);
        let latency_max = Duration::from_millis(rng.random_range(1..=40));
        let latency = (Duration::from_millis(1).min(latency_max), latency_max);
        let connectors: Vec<StubScript> = (0..config.links.len())
            .map(|i| draw_script(&mut rng, i))
            .collect();
        let health = connectors
            .iter()
            .map(|s| health(s, &config, latency))
            .collect();
        let faults = draw_faults(&mut rng, connectors.len());
        let reconfigurations = draw_reconfigurations(&mut rng, config.links.len() as u16);
        World {
            seed,
            config,
            connectors,
            health,
            latency,
            faults,
            reconfigurations,
        }
    }

    /// The name of connector `i`'s host.
    pub fn host(i: usize) -> String {
        format!("connector-{}", i + 1)
    }

    /// When the last fault heals or the last priority change is sent, whichever is
    /// later (zero without either): a priority change may drop the active link (R13)
    /// and start a procedure, so L1 counts from it as from a heal.
    pub fn last_heal(&self) -> Duration {
        self.last_fault_heal().max(self.last_change())
    }

    /// When the last fault heals, in simulated time (zero without faults).
    pub fn last_fault_heal(&self) -> Duration {
        self.faults.iter().map(|f| f.heal).max().unwrap_or_default()
    }

    /// When the last priority change is sent, counted from the driver's start.
    pub fn last_change(&self) -> Duration {
        self.reconfigurations
            .iter()
            .map(|c| c.at)
            .max()
            .unwrap_or_default()
    }

    /// Why L1 cannot be claimed for this world, if it cannot: no healthy connector, a
    /// flapping one, or a partition with keep-alive off (a close lost in it is never
    /// noticed).
    pub fn unclaimed(&self) -> Option<Unclaimed> {
        if !self.health.contains(&Health::Healthy) {
            return Some(Unclaimed::NoHealthyConnector);
        }
        let hosts: Vec<String> = (0..self.health.len()).map(World::host).collect();
        let partition = self.faults.iter().any(|f| f.kind == FaultKind::Partition);
        let partition_unnoticed = partition && self.config.keepalive_interval.is_zero();
        let connectors = hosts
            .iter()
            .map(String::as_str)
            .zip(self.health.iter().copied());
        Unclaimed::of_world(connectors, partition_unnoticed)
    }

    /// L1's bound ([`Recovery`]): how long after the last heal some link must be active.
    /// A failure waits the restart timeout, a procedure begun just before the heal may
    /// still fail once, keep-alive may take its whole detection to notice a connection
    /// lost in a partition; the network term holds the slowest connector's accept, a
    /// message sent in a latency fault that arrives its latency after the heal (and
    /// holds later ones behind it), and room for the network's latency (ten round
    /// trips) and the simulation's steps (ten ticks).
    pub fn l1_bound(&self) -> Duration {
        let c = &self.config;
        let slowest_start = self
            .connectors
            .iter()
            .map(|s| s.accept_delay)
            .max()
            .unwrap_or_default();
        let slowest_fault = self
            .faults
            .iter()
            .filter_map(|f| match f.kind {
                FaultKind::Latency(max) => Some(max),
                _ => None,
            })
            .max()
            .unwrap_or_default();
        let recovery = Recovery {
            restart_timeout: c.restart_timeout,
            connect_tout: c.connect_timeout,
            procedures: 2,
            switch: Duration::ZERO,
            keepalive_detection: keepalive_detection(
                c.keepalive_interval,
                u32::from(c.keepalive_tolerance),
            ),
            network: slowest_start + slowest_fault * 2 + self.latency.1 * 20 + TICK * 10,
        };
        recovery.bound()
    }

    /// The simulated time the driver runs before it is shut down.
    pub fn run_length(&self) -> Duration {
        self.last_heal().max(FAULT_PHASE) + self.l1_bound() + Duration::from_secs(5)
    }
}

fn draw_config(rng: &mut ChaCha8Rng) -> Config {
    let links = rng.random_range(1..=3usize);
    let config = Config::new((0..links).map(|i| {
        LinkConfig::new(format!("CSTA_{}", i + 1)).with_priority(rng.random_range(0..=2))
    }))
    .with_connect_timeout(Duration::from_millis(rng.random_range(1..=3) * 1000))
    .with_restart_timeout(Duration::from_millis(rng.random_range(2..=8) * 500));
    // Keep-alive off, at the product's default (10 s), or short and strict.
    match rng.random_range(0..3) {
        0 => config.with_keepalive(Duration::ZERO, 0),
        1 => config,
        _ => config.with_keepalive(
            Duration::from_millis(rng.random_range(1..=3) * 500),
            rng.random_range(0..=2),
        ),
    }
}

/// A connector's script: mostly healthy, sometimes slow, refusing, silent, failing.
fn draw_script(rng: &mut ChaCha8Rng, i: usize) -> StubScript {
    let ms = |rng: &mut ChaCha8Rng, range: std::ops::RangeInclusive<u64>| {
        Duration::from_millis(rng.random_range(range))
    };
    let accept_delay = match rng.random_bool(0.9) {
        true => ms(rng, 0..=300),
        false => ms(rng, 500..=3000),
    };
    let association = match rng.random_range(0..20) {
        0 => AssociationAnswer::Reject("serviceBusy".to_owned()),
        1 => AssociationAnswer::Silent,
        _ => AssociationAnswer::Accept,
    };
    let statuses = match rng.random_range(0..20) {
        0..=13 => vec![(ms(rng, 0..=500), SystemStatus::Normal)],
        14..=16 => vec![
            (Duration::ZERO, SystemStatus::Initializing),
            (ms(rng, 100..=1500), SystemStatus::Normal),
        ],
        17 => vec![(Duration::ZERO, SystemStatus::Disabled)],
        18 => vec![
            (Duration::ZERO, SystemStatus::Normal),
            (ms(rng, 1000..=10_000), SystemStatus::Disabled),
        ],
        _ => vec![],
    };
    let keepalive = match rng.random_range(0..30) {
        0 => KeepAliveAnswer::Ignore,
        1 => KeepAliveAnswer::AnswerFor(ms(rng, 1000..=10_000)),
        // R14 (turn 3): answered with an error, a failure at once.
        2 => KeepAliveAnswer::Error,
        _ => KeepAliveAnswer::Answer,
    };
    StubScript {
        name: World::host(i),
        accept_delay,
        association,
        statuses,
        keepalive,
        ..StubScript::default()
    }
}

/// How `script` treats a driver configured as `config` on a network whose latency is
/// between `latency.0` and `latency.1`: the connect, the session start and its answer,
/// and the status are four trips (at the slowest with room for the simulation's ticks).
fn health(script: &StubScript, config: &Config, latency: (Duration, Duration)) -> Health {
    let normal_at = script
        .statuses
        .iter()
        .scan(Duration::ZERO, |at, &(delay, status)| {
            *at += delay;
            Some((*at, status))
        })
        .find(|&(_, status)| status == SystemStatus::Normal)
        .map(|(at, _)| at);
    let after_normal = script
        .statuses
        .iter()
        .skip_while(|&&(_, s)| s != SystemStatus::Normal);
    let behaviour = Behaviour {
        accepts: script.association == AssociationAnswer::Accept,
        normal: normal_at.map(|at| {
            let at = script.accept_delay + at;
            (at + latency.0 * 4, at + latency.1 * 4 + TICK * 10)
        }),
        fails_after_normal: after_normal
            .skip(1)
            .any(|&(_, s)| s != SystemStatus::Normal),
        answers_keepalive: script.keepalive == KeepAliveAnswer::Answer,
    };
    let tout = config.connect_timeout;
    behaviour.health(tout, tout, !config.keepalive_interval.is_zero())
}

/// The seed's faults: each kind on or off, a count, then each fault's kind, connector,
/// start and length (every one heals within [`FAULT_PHASE`]).
fn draw_faults(rng: &mut ChaCha8Rng, connectors: usize) -> Vec<Fault> {
    let kinds: Vec<usize> = (0..FaultKind::KINDS)
        .filter(|_| rng.random_bool(0.6))
        .collect();
    if kinds.is_empty() {
        return Vec::new();
    }
    let count = rng.random_range(1..=8);
    let phase_ms = FAULT_PHASE.as_millis() as u64;
    let mut faults: Vec<Fault> = (0..count)
        .map(|_| {
            let at = rng.random_range(0..phase_ms - 200);
            let length = rng.random_range(200..=8000).min(phase_ms - at);
            let kind = match kinds[rng.random_range(0..kinds.len())] {
                0 => FaultKind::Crash,
                1 => FaultKind::Partition,
                2 => FaultKind::Hold,
                _ => FaultKind::Latency(Duration::from_millis(rng.random_range(100..=1500))),
            };
            Fault {
                kind,
                link: rng.random_range(0..connectors),
                at: Duration::from_millis(at),
                heal: Duration::from_millis(at + length),
            }
        })
        .collect();
    faults.sort_by_key(|f| (f.at, f.heal, f.link));
    faults
}

/// The seed's priority changes: none in half the seeds, else one to four, each of a
/// link to a priority in 0..=2 or none, within [`FAULT_PHASE`].
fn draw_reconfigurations(rng: &mut ChaCha8Rng, links: u16) -> Vec<Reconfiguration> {
    if rng.random_bool(0.5) {
        return Vec::new();
    }
    let phase_ms = FAULT_PHASE.as_millis() as u64;
    let mut changes: Vec<Reconfiguration> = (0..rng.random_range(1..=4))
        .map(|_| Reconfiguration {
            at: Duration::from_millis(rng.random_range(0..phase_ms)),
            link: LinkId::new(rng.random_range(0..links)),
            priority: rng.random_bool(0.8).then(|| rng.random_range(0..=2)),
        })
        .collect();
    changes.sort_by_key(|c| (c.at, c.link));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(association: AssociationAnswer, statuses: &[(u64, SystemStatus)]) -> StubScript {
        StubScript {
            association,
            statuses: statuses
                .iter()
                .map(|&(ms, s)| (Duration::from_millis(ms), s))
                .collect(),
            ..StubScript::default()
        }
    }

    #[test]
    fn a_connector_is_judged_by_what_its_script_will_do() {
        let config = Config::new([LinkConfig::new("A")])
            .with_connect_timeout(Duration::from_secs(2))
            .with_keepalive(Duration::ZERO, 0);
        let lat = Duration::from_millis(10);
        let judge = |s: &StubScript, c: &Config| health(s, c, (Duration::from_millis(1), lat));
        let normal = script(AssociationAnswer::Accept, &[(0, SystemStatus::Normal)]);
        assert_eq!(judge(&normal, &config), Health::Healthy);
        let slow = script(
            AssociationAnswer::Accept,
            &[
                (0, SystemStatus::Initializing),
                (1990, SystemStatus::Normal),
            ],
        );
        assert_eq!(judge(&slow, &config), Health::Sometimes, "in time if quick");
        let late = script(
            AssociationAnswer::Accept,
            &[
                (0, SystemStatus::Initializing),
                (1999, SystemStatus::Normal),
            ],
        );
        assert_eq!(
            judge(&late, &config),
            Health::NeverSelected,
            "late even if quick"
        );
        // A connector that fails once selected flaps even if it is selected only when
        // the network is quick (seed 4577 of the first long run: L1 was claimed).
        let slow_then_fails = StubScript {
            accept_delay: Duration::from_millis(1900),
            ..script(
                AssociationAnswer::Accept,
                &[(0, SystemStatus::Normal), (4000, SystemStatus::Disabled)],
            )
        };
        assert_eq!(judge(&slow_then_fails, &config), Health::Flapping);
        let rejects = script(
            AssociationAnswer::Reject("x".into()),
            &[(0, SystemStatus::Normal)],
        );
        assert_eq!(judge(&rejects, &config), Health::NeverSelected);
        let disabled = script(AssociationAnswer::Accept, &[(0, SystemStatus::Disabled)]);
        assert_eq!(judge(&disabled, &config), Health::NeverSelected);
        let fails = script(
            AssociationAnswer::Accept,
            &[(0, SystemStatus::Normal), (5000, SystemStatus::Disabled)],
        );
        assert_eq!(judge(&fails, &config), Health::Flapping);
        // Ignored keep-alives matter only with keep-alive on.
        let deaf = StubScript {
            keepalive: KeepAliveAnswer::Ignore,
            ..normal.clone()
        };
        assert_eq!(judge(&deaf, &config), Health::Healthy);
        let keepalive = config.clone().with_keepalive(Duration::from_secs(1), 1);
        assert_eq!(judge(&deaf, &keepalive), Health::Flapping);
    }

    #[test]
    fn a_world_is_its_seed_and_its_faults_heal_in_the_fault_phase() {
        let mut kinds = std::collections::BTreeSet::new();
        for seed in 0..300 {
            let world = World::draw(seed);
            assert_eq!(format!("{world:?}"), format!("{:?}", World::draw(seed)));
            assert!(world.config.validate().is_ok(), "seed {seed}");
            for pair in world.faults.windows(2) {
                assert!(pair[0].at <= pair[1].at, "seed {seed}: sorted");
            }
            for f in &world.faults {
                assert!(f.at < f.heal && f.heal <= FAULT_PHASE, "seed {seed}: {f:?}");
                assert!(f.link < world.connectors.len());
                kinds.insert(f.kind.index());
            }
            for change in &world.reconfigurations {
                assert!(change.at < FAULT_PHASE && change.link.index() < world.connectors.len());
            }
            assert!(world.run_length() >= world.last_heal() + world.l1_bound());
        }
        assert_eq!(
            kinds.len(),
            FaultKind::KINDS,
            "every kind is drawn somewhere"
        );
        assert_ne!(
            format!("{:?}", World::draw(1)),
            format!("{:?}", World::draw(2))
        );
    }
}
