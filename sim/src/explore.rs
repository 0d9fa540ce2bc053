//! Swarm testing: `linksim explore`. Each seed draws a whole world: the link count and
//! priorities, one server or an HA pair, the timing options, each connector's behaviour,
//! and a fault plan whose fault *probabilities* are themselves drawn from the seed, so
//! different seeds explore different weather. Faults fall in a safety phase; the run
//! then continues, healed, for a liveness phase long enough for L1's bound. Every
//! invariant is checked on every step. A violation is shrunk by delta debugging (drop
//! faults, links, the pair, connector behaviours; shorten the run) to a small scenario
//! file that reproduces it with `linksim run`.

use std::collections::BTreeMap;
use std::time::Duration;

use link_core::{Role, SystemStatus};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::duration::DrawnDuration;
use crate::options::{FirstStatusSpec, LossRateSpec, OptionValues, VerdictSpec};
use crate::run::RunOptions;
use crate::scenario::{
    check_scenario, AssociationBehaviour, ConnectorSpec, Direction, Fault, FaultKind,
    KeepaliveBehaviour, LinkSpec, ManagementSpec, NetworkSpec, Scenario, ScenarioConfig,
    ServerSpec, StatusSpec, StatusStep,
};
use crate::summary::RunSummary;
use crate::verdict::{Found, Invariant};
use crate::SimDuration;

/// How long the safety phase (the one with faults) lasts.
pub const SAFETY_PHASE: Duration = Duration::from_secs(60);

fn ms(n: u64) -> SimDuration {
    SimDuration(Duration::from_millis(n))
}

/// The world of seed `seed`: a scenario with no expectations (the invariants are the
/// oracle). The draws come in a fixed order from one stream, so a seed always gives
/// the same world.
pub fn generate(seed: u64) -> Scenario {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(0x0065_7870_6c6f_7265); // "explore" in ASCII
    let (config, pair, spread) = draw_config(&mut rng);
    let servers = if pair { ha_pair() } else { Vec::new() };
    let connectors = draw_connectors(&mut rng, &config);
    let faults = draw_faults(&mut rng, &config, pair, spread);
    let network = NetworkSpec {
        latency: ms(rng.random_range(0..5)),
        jitter: ms(rng.random_range(0..4)),
    };
    let management = ManagementSpec {
        switch_after: ms(rng.random_range(0..2_000)),
    };
    let mut config = config;
    let servers = match pair {
        true => {
            let servers = draw_own_links(&mut rng, servers, &config, &faults, spread);
            draw_ha_sync(&mut rng, &mut config);
            servers
        }
        false => servers,
    };
    let mut scenario = Scenario {
        format: 1,
        name: format!("explore-{seed}"),
        description: format!("Drawn by `linksim explore` from seed {seed}."),
        seed,
        run_for: SimDuration::default(),
        config,
        servers,
        connectors,
        network,
        management,
        faults,
        expect: Vec::new(),
    };
    scenario.run_for = liveness_end(&scenario);
    scenario
}

/// Links (1-6, few distinct priorities: many ties), whether an HA pair runs, and the
/// timing options; with the number of distinct priorities.
fn draw_config(rng: &mut ChaCha8Rng) -> (ScenarioConfig, bool, i32) {
    let links_n = rng.random_range(1..=6usize);
    let spread = rng.random_range(1..=4i32);
    let links: Vec<LinkSpec> = (0..links_n)
        .map(|i| LinkSpec {
            name: format!("L{i}"),
            priority: Some(rng.random_range(0..spread)),
        })
        .collect();
    let pair = rng.random_bool(0.6);
    let kpl_on = rng.random_bool(0.7);
    let config = ScenarioConfig {
        connect_tout: SimDuration::from_secs(rng.random_range(1..=3)),
        restart_timeout: SimDuration::from_secs(rng.random_range(1..=10)),
        kpl_interval: SimDuration::from_secs(if kpl_on { rng.random_range(1..=10) } else { 0 }),
        kpl_tolerance: rng.random_range(0..=4),
        kpl_loss_rate: draw_loss_rate(rng),
        first_status: if rng.random_bool(0.25) {
            FirstStatusSpec::Close
        } else {
            FirstStatusSpec::WaitForNormal
        },
        status_policy: draw_status_policy(rng),
        links,
        options: None,
        ha_sync_dly_lnk_conn: None,
        ha_sync_takes: None,
    };
    (config, pair, spread)
}

/// `kpl-loss-rate`: often the default, else small rates (decrements happen) in both
/// forms.
fn draw_loss_rate(rng: &mut ChaCha8Rng) -> LossRateSpec {
    match rng.random_range(0..4) {
        0 | 1 => LossRateSpec::default(),
        2 => LossRateSpec::Number(rng.random_range(0..4)),
        // Pairs mostly with a small failure rate and a larger warning rate, the shape
        // in which the warning counter can reach the tolerance first (R14's "unstable").
        _ => LossRateSpec::Text(format!(
            "{}, {}",
            rng.random_range(0..3),
            rng.random_range(2..8)
        )),
    }
}

/// R15: usually the default policy, sometimes a few values changed.
fn draw_status_policy(rng: &mut ChaCha8Rng) -> BTreeMap<String, VerdictSpec> {
    let mut overrides = BTreeMap::new();
    if rng.random_bool(0.6) {
        return overrides;
    }
    for _ in 0..rng.random_range(1..=3) {
        let status = SystemStatus::ALL[rng.random_range(0..9)];
        if status.is_normal() {
            continue;
        }
        let verdict = if rng.random_bool(0.5) {
            VerdictSpec::Failure
        } else {
            VerdictSpec::Warning
        };
        overrides.insert(status.as_str().to_string(), verdict);
    }
    overrides
}

/// A status sequence: one value, or a value followed by another (often `normal`).
fn draw_status_spec(rng: &mut ChaCha8Rng) -> StatusSpec {
    let first = SystemStatus::ALL[rng.random_range(0..9)];
    if rng.random_bool(0.5) {
        return StatusSpec::One(first);
    }
    let then = if rng.random_bool(0.7) {
        SystemStatus::Normal
    } else {
        SystemStatus::ALL[rng.random_range(0..9)]
    };
    StatusSpec::Steps(vec![
        StatusStep {
            status: first,
            after: ms(0),
        },
        StatusStep {
            status: then,
            after: ms(rng.random_range(0..3_000)),
        },
    ])
}

/// Connector weather: how often connectors misbehave is drawn per seed, then each
/// link's connector.
fn draw_connectors(
    rng: &mut ChaCha8Rng,
    config: &ScenarioConfig,
) -> BTreeMap<String, ConnectorSpec> {
    let p_bad = rng.random_range(0.0..0.5);
    let mut connectors = BTreeMap::new();
    for link in &config.links {
        if !rng.random_bool(p_bad) && !rng.random_bool(0.5) {
            continue; // a default, healthy connector
        }
        connectors.insert(link.name.clone(), draw_connector(rng, p_bad));
    }
    connectors
}

/// One connector's delays and, with probability `p_bad`, one misbehaviour.
fn draw_connector(rng: &mut ChaCha8Rng, p_bad: f64) -> ConnectorSpec {
    let mut spec = ConnectorSpec {
        accept_after: ms(rng.random_range(0..200)),
        associate_after: ms(rng.random_range(0..1_500)),
        status_after: ms(rng.random_range(0..300)),
        keepalive_after: ms(rng.random_range(0..50)),
        jitter: ms(rng.random_range(0..50)),
        ..ConnectorSpec::default()
    };
    if rng.random_bool(p_bad) {
        match rng.random_range(0..7) {
            0 => spec.refuse = true,
            1 => spec.association = AssociationBehaviour::Reject,
            2 => spec.association = AssociationBehaviour::Never,
            3 => spec.keepalive = KeepaliveBehaviour::Ignore,
            // R14 (turn 3): keep-alives answered with an error, a failure at once.
            6 => spec.keepalive = KeepaliveBehaviour::Error,
            4 => {
                // R15 before selection: normal, a failure, normal again (a candidate
                // withdrawn while a higher link still waits, then back).
                let failure =
                    [SystemStatus::Disabled, SystemStatus::Initializing][rng.random_range(0..2)];
                spec.status = StatusSpec::Steps(vec![
                    StatusStep {
                        status: SystemStatus::Normal,
                        after: ms(0),
                    },
                    StatusStep {
                        status: failure,
                        after: ms(rng.random_range(0..600)),
                    },
                    StatusStep {
                        status: SystemStatus::Normal,
                        after: ms(rng.random_range(0..800)),
                    },
                ]);
            }
            _ => {
                let first = SystemStatus::ALL[rng.random_range(0..9)];
                spec.status = StatusSpec::Steps(vec![
                    StatusStep {
                        status: first,
                        after: ms(0),
                    },
                    StatusStep {
                        status: SystemStatus::Normal,
                        after: ms(rng.random_range(0..800)),
                    },
                ]);
            }
        }
    }
    spec
}

/// Fault weather: each kind's weight is drawn per seed (some kinds never happen), then
/// up to 12 faults in the safety phase.
fn draw_faults(
    rng: &mut ChaCha8Rng,
    config: &ScenarioConfig,
    pair: bool,
    spread: i32,
) -> Vec<Fault> {
    let weights: Vec<f64> = FaultKind::ALL
        .iter()
        .map(|_| {
            if rng.random_bool(0.3) {
                0.0
            } else {
                rng.random_range(0.0..1.0)
            }
        })
        .collect();
    let total: f64 = weights.iter().sum();
    let fault_count = if total == 0.0 {
        0
    } else {
        rng.random_range(0..=12)
    };
    let mut faults = Vec::new();
    for _ in 0..fault_count {
        let mut pick = rng.random_range(0.0..total);
        let kind = weights.iter().position(|w| {
            pick -= w;
            pick < 0.0
        });
        // Rounding can leave `pick` unspent: the last kind then.
        let kind = FaultKind::ALL[kind.unwrap_or(FaultKind::ALL.len() - 1)];
        let fault = draw_fault(rng, kind, config, pair, spread);
        let echo = keepalive_echo(rng, &fault, config);
        faults.push(fault);
        faults.extend(echo);
    }
    faults
}

/// Half the time, a second keep-alive silence on the same connector a few intervals
/// after `fault` (when it is one): misses with answers between them, the pattern in which
/// R14's counters accumulate and the warning counter can reach the tolerance.
fn keepalive_echo(rng: &mut ChaCha8Rng, fault: &Fault, config: &ScenarioConfig) -> Option<Fault> {
    let Fault::IgnoreKeepalive { at, link, duration } = fault else {
        return None;
    };
    if config.kpl_interval.0.is_zero() || !rng.random_bool(0.5) {
        return None;
    }
    let gap = config.kpl_interval.0 * rng.random_range(2..5);
    Some(Fault::IgnoreKeepalive {
        at: DrawnDuration::fixed(SimDuration(at.value.0 + duration.value.0 + gap)),
        link: link.clone(),
        duration: *duration,
    })
}

/// One fault of `kind` (a switchover without a pair is a reconfiguration instead).
fn draw_fault(
    rng: &mut ChaCha8Rng,
    kind: FaultKind,
    config: &ScenarioConfig,
    pair: bool,
    spread: i32,
) -> Fault {
    let at = DrawnDuration::fixed(SimDuration(Duration::from_millis(
        rng.random_range(0..SAFETY_PHASE.as_millis() as u64),
    )));
    let link = config.links[rng.random_range(0..config.links.len())]
        .name
        .clone();
    let server =
        (pair && rng.random_bool(0.3)).then(|| ["ts1", "ts2"][rng.random_range(0..2)].to_string());
    let duration = DrawnDuration::fixed(ms(rng.random_range(100..20_000)));
    match kind {
        FaultKind::Crash => Fault::Crash { at, link, duration },
        FaultKind::Association => Fault::Association {
            at,
            link,
            association: [AssociationBehaviour::Reject, AssociationBehaviour::Never]
                [rng.random_range(0..2)],
            duration,
        },
        FaultKind::Drop => Fault::Drop { at, link, server },
        FaultKind::Status => Fault::Status {
            at,
            link,
            status: draw_status_spec(rng),
            server,
        },
        FaultKind::IgnoreKeepalive => {
            // Often just long enough for one or two misses, so that answers come in
            // between and the counters go up and down (R14).
            let interval = config.kpl_interval.0.as_millis() as u64;
            let duration = match interval {
                0 => duration,
                _ => DrawnDuration::fixed(ms(rng.random_range(100..interval * 2 + 100))),
            };
            Fault::IgnoreKeepalive { at, link, duration }
        }
        FaultKind::SetRole if !pair => Fault::SetRole {
            at,
            server: None,
            role: [Role::Standalone, Role::Primary, Role::Backup][rng.random_range(0..3)],
        },
        FaultKind::Options | FaultKind::SetRole => draw_options_fault(rng, at, server),
        FaultKind::Partition => {
            let direction = [Direction::Both, Direction::ToConnector, Direction::ToServer]
                [rng.random_range(0..3)];
            Fault::Partition {
                at,
                link,
                server,
                duration,
                direction,
            }
        }
        FaultKind::Latency => Fault::Latency {
            at,
            link,
            server,
            add: DrawnDuration::fixed(ms(rng.random_range(1..3_000))),
            duration,
        },
        FaultKind::Switchover if pair => Fault::Switchover { at },
        FaultKind::Switchover | FaultKind::Reconfigure => Fault::Reconfigure {
            at,
            link,
            priority: Some(rng.random_range(-1..spread + 1)),
            server,
        },
    }
}

/// R16: one timing option changed to a valid value, or a quarter of the time two or
/// three different ones at once (one input, judged once).
fn draw_options_fault(rng: &mut ChaCha8Rng, at: DrawnDuration, server: Option<String>) -> Fault {
    let mut values = OptionValues::default();
    let count = if rng.random_bool(0.25) {
        rng.random_range(2..=3)
    } else {
        1
    };
    // `count` different options: the first `count` of a shuffle of the four.
    let mut which = [0, 1, 2, 3];
    for i in 0..count {
        which.swap(i, rng.random_range(i..4));
    }
    for &option in &which[..count] {
        match option {
            0 => values.connect_tout = Some(SimDuration::from_secs(rng.random_range(1..=3))),
            1 => values.kpl_interval = Some(SimDuration::from_secs(rng.random_range(0..=10))),
            2 => values.kpl_tolerance = Some(rng.random_range(0..=4)),
            _ => values.kpl_loss_rate = Some(draw_loss_rate(rng)),
        }
    }
    Fault::Options {
        at,
        server,
        connect_tout: values.connect_tout,
        kpl_interval: values.kpl_interval,
        kpl_tolerance: values.kpl_tolerance,
        kpl_loss_rate: values.kpl_loss_rate,
    }
}

/// A quarter of the time, ts2 gets links of its own (the product's HA example: the
/// two servers on different sets of connectors): some of the scenario's links with
/// priorities drawn again, every link a fault names for ts2 among them, and half the
/// time a connector only it has. Drawn last, so the rest of a seed's world is the same
/// with or without.
fn draw_own_links(
    rng: &mut ChaCha8Rng,
    mut servers: Vec<ServerSpec>,
    config: &ScenarioConfig,
    faults: &[Fault],
    spread: i32,
) -> Vec<ServerSpec> {
    if !rng.random_bool(0.25) {
        return servers;
    }
    let named_for_ts2 = |name: &str| {
        faults
            .iter()
            .any(|f| f.server() == Some("ts2") && f.link() == Some(name))
    };
    let mut own: Vec<LinkSpec> = config
        .links
        .iter()
        .filter_map(|l| {
            let kept = rng.random_bool(0.5) || named_for_ts2(&l.name);
            kept.then(|| LinkSpec {
                name: l.name.clone(),
                priority: Some(rng.random_range(0..spread)),
            })
        })
        .collect();
    if own.is_empty() || rng.random_bool(0.5) {
        own.push(LinkSpec {
            name: "B0".into(),
            priority: Some(rng.random_range(0..spread)),
        });
    }
    servers[1].links = Some(own);
    servers
}

/// A fifth of the time, `ha-sync-dly-lnk-conn` on, with a synchronization of up to
/// 5 s (the clients' I6 is checked as they hear it). Drawn after everything else.
fn draw_ha_sync(rng: &mut ChaCha8Rng, config: &mut ScenarioConfig) {
    if rng.random_bool(0.2) {
        config.ha_sync_dly_lnk_conn = Some(true);
        config.ha_sync_takes = Some(ms(rng.random_range(0..5_000)));
    }
}

/// The two servers of an HA pair: ts1 primary, ts2 backup.
fn ha_pair() -> Vec<ServerSpec> {
    vec![
        ServerSpec::new("ts1", Role::Primary),
        ServerSpec::new("ts2", Role::Backup),
    ]
}

/// The benchmark's fixed shape of world (issue: "the default swarm"): the world of
/// `seed`, cut or filled to exactly 4 links, run as an HA pair for 10 minutes of
/// virtual time. Its weather (connectors, faults) still varies with the seed.
pub fn generate_default_swarm(seed: u64) -> Scenario {
    let mut s = generate(seed);
    while s.config.links.len() > 4 {
        let name = s.config.links.pop().expect("more than 4").name;
        s.connectors.remove(&name);
        s.faults.retain(|f| f.link() != Some(name.as_str()));
    }
    while s.config.links.len() < 4 {
        let i = s.config.links.len();
        s.config.links.push(LinkSpec {
            name: format!("L{i}"),
            priority: Some((i % 3) as i32),
        });
    }
    s.servers = ha_pair();
    // A lone server's role faults have no place in a pair (its roles change by switchover).
    s.faults.retain(|f| !matches!(f, Fault::SetRole { .. }));
    s.run_for = SimDuration(Duration::from_secs(600));
    s
}

/// The end of the liveness phase: after the last fault heals, long enough for L1.
fn liveness_end(s: &Scenario) -> SimDuration {
    SimDuration(crate::liveness::exploration_end(s, SAFETY_PHASE))
}

/// What one seed's run found: the parts of its [`RunSummary`] an exploration sums.
#[derive(Clone, Debug)]
pub struct SeedResult {
    /// The seed.
    pub seed: u64,
    /// The violation, if any.
    pub found: Option<Found>,
    /// Virtual time simulated.
    pub simulated: Duration,
    /// Core steps made.
    pub steps: u64,
    /// Whether L1's bound was reached with a server whose liveness was claimed and held.
    pub liveness_checked: bool,
    /// The rule marks its cores reached ([`crate::coverage`]).
    pub marks: link_core::MarkCounts,
}

impl SeedResult {
    /// Seed `seed`'s result, from its run's summary.
    pub fn of(seed: u64, summary: &RunSummary) -> Self {
        SeedResult {
            seed,
            found: summary.found(),
            simulated: Duration::from_nanos(summary.end.as_nanos()),
            steps: summary.steps,
            liveness_checked: summary.l1_held,
            marks: summary.marks,
        }
    }
}

/// Options of an exploration.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExploreOptions {
    /// The most core steps each world may make (`None`: [`crate::DEFAULT_STEP_BUDGET`]).
    pub step_budget: Option<u64>,
    /// How the cores' invariants are checked after every step
    /// ([`RunOptions::checks`]).
    pub checks: crate::CheckMode,
    /// A deliberate bug to plant in every core (feature `planted-bugs`, tests only).
    #[cfg(feature = "planted-bugs")]
    pub planted_bug: Option<link_core::PlantedBug>,
    /// [`RunOptions::outside_checks_only`] (feature `planted-bugs`, tests only).
    #[cfg(feature = "planted-bugs")]
    pub outside_checks_only: bool,
}

impl ExploreOptions {
    /// The options of each world's run. Nobody reads a drawn world's timeline or
    /// history: the invariants are the oracle ([`crate::summarize`] keeps neither).
    pub fn run_options(&self) -> RunOptions {
        RunOptions {
            step_budget: self.step_budget,
            checks: self.checks,
            #[cfg(feature = "planted-bugs")]
            planted_bug: self.planted_bug,
            #[cfg(feature = "planted-bugs")]
            outside_checks_only: self.outside_checks_only,
            ..RunOptions::default()
        }
    }
}

/// Runs `scenario`, which explore drew (or shrank) valid, to its summary.
pub fn run_scenario(scenario: &Scenario, options: &ExploreOptions) -> RunSummary {
    run_drawn(scenario.clone(), options)
}

/// [`run_scenario`] of a world drawn for this run alone: taken, not cloned.
fn run_drawn(scenario: Scenario, options: &ExploreOptions) -> RunSummary {
    let checked = match check_scenario(scenario) {
        Ok(checked) => checked,
        Err(message) => {
            panic!("explore generated an invalid scenario (a bug in explore): {message}")
        }
    };
    crate::run::summarize(checked, options.run_options())
}

/// Runs one seed.
pub fn run_seed(seed: u64, options: &ExploreOptions) -> SeedResult {
    SeedResult::of(seed, &run_drawn(generate(seed), options))
}

/// How big a scenario is, for shrinking and reports: links + servers + faults +
/// connectors that are not the default.
pub fn size(scenario: &Scenario) -> usize {
    scenario.config.links.len()
        + scenario
            .servers
            .iter()
            .filter_map(|s| s.links.as_ref())
            .map(Vec::len)
            .sum::<usize>()
        + scenario.servers.len().max(1)
        + scenario.faults.len()
        + scenario.connectors.len()
}

/// Shrinks `scenario`, which violates `invariant`, to a smaller one that still does.
/// Delta debugging, one element at a time, until nothing more can go.
pub fn shrink(scenario: &Scenario, invariant: Invariant, options: &ExploreOptions) -> Scenario {
    let fails = |candidate: &Scenario| {
        check_scenario(candidate.clone()).is_ok()
            && run_scenario(candidate, options)
                .found()
                .is_some_and(|found| found.invariant == invariant)
    };
    let mut best = scenario.clone();
    loop {
        let mut shrunk = false;
        for candidate in candidates(&best) {
            if size(&candidate) <= size(&best)
                && candidate.run_for <= best.run_for
                && fails(&candidate)
            {
                best = candidate;
                shrunk = true;
                break;
            }
        }
        if !shrunk {
            break;
        }
    }
    best.name = format!("{}-shrunk", scenario.name);
    best.description = format!(
        "Shrunk by `linksim explore` from seed {}: violates {invariant}. Replay: linksim run <this file>.",
        scenario.seed
    );
    best
}

/// Every one-step simplification of `s`, smallest changes to the biggest parts first.
fn candidates(s: &Scenario) -> Vec<Scenario> {
    let mut out = Vec::new();
    // Drop one fault.
    for i in 0..s.faults.len() {
        let mut c = s.clone();
        c.faults.remove(i);
        out.push(c);
    }
    // Drop one link, with its connector and faults.
    if s.config.links.len() > 1 {
        for i in 0..s.config.links.len() {
            let mut c = s.clone();
            let name = c.config.links.remove(i).name;
            c.connectors.remove(&name);
            c.faults.retain(|f| f.link() != Some(name.as_str()));
            for own in c.servers.iter_mut().filter_map(|s| s.links.as_mut()) {
                own.retain(|l| l.name != name);
            }
            if c.servers
                .iter()
                .all(|s| s.links.as_ref().is_none_or(|l| !l.is_empty()))
            {
                out.push(c);
            }
        }
    }
    // A server on the scenario's links instead of its own.
    for i in 0..s.servers.len() {
        if s.servers[i].links.is_some() {
            let mut c = s.clone();
            c.servers[i].links = None;
            out.push(c);
        }
    }
    // One standalone server instead of a pair.
    if !s.servers.is_empty() {
        let mut c = s.clone();
        c.servers.clear();
        c.faults
            .retain(|f| !matches!(f, Fault::Switchover { .. }) && f.server().is_none());
        out.push(c);
    }
    // A default connector instead of a special one.
    for name in s.connectors.keys() {
        let mut c = s.clone();
        c.connectors.remove(name);
        out.push(c);
    }
    // A shorter run: half, as long as the faults still fall inside it.
    let latest_fault = s.faults.iter().map(|f| f.at()).max().unwrap_or_default();
    let half = SimDuration(s.run_for.0 / 2);
    if half > latest_fault && half.0 >= Duration::from_secs(1) {
        let mut c = s.clone();
        c.run_for = half;
        out.push(c);
    }
    out
}

/// Which build drew the worlds, for `explore --merge` to refuse parts of another: the
/// version and a fingerprint (FNV-1a) of the first eight seeds' worlds, which changes
/// whenever the generator draws differently.
pub fn build_fingerprint() -> String {
    let mut hash = link_core::Fnv1a::new();
    for seed in 0..8 {
        let world = serde_json::to_string(&generate(seed)).expect("a world serializes");
        hash.bytes(world.bytes());
    }
    format!(
        "linksim {} worlds {:016x}",
        env!("CARGO_PKG_VERSION"),
        hash.value()
    )
}

/// The most seeds one `explore` run takes (after sharding): about five days on two
/// cores. A larger range is split with `--shard` or into several runs.
pub const MAX_SEEDS: u64 = 10_000_000_000;

/// Runs `seeds` on `jobs` threads; results in seed order, whatever the thread timing.
/// `progress` is called after each seed with the number done.
pub fn run_seeds(
    seeds: &[u64],
    jobs: usize,
    options: &ExploreOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<SeedResult> {
    run_generated(seeds, jobs, options, generate, progress)
}

/// Like [`run_seeds`], with worlds drawn by `world` (e.g. [`generate_default_swarm`]).
pub fn run_generated(
    seeds: &[u64],
    jobs: usize,
    options: &ExploreOptions,
    world: fn(u64) -> Scenario,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<SeedResult> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(seeds.len()));
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(&seed) = seeds.get(index) else { break };
                let result = SeedResult::of(seed, &run_drawn(world(seed), options));
                results
                    .lock()
                    .expect("no worker panics while holding the lock")
                    .push(result);
                progress(done.fetch_add(1, Ordering::Relaxed) as u64 + 1);
            });
        }
    });
    let mut results = results.into_inner().expect("workers finished");
    results.sort_by_key(|r| r.seed);
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_always_draws_the_same_world_and_seeds_differ() {
        let a = serde_json::to_string(&generate(42)).unwrap();
        assert_eq!(a, serde_json::to_string(&generate(42)).unwrap());
        assert_ne!(a, serde_json::to_string(&generate(43)).unwrap());
    }

    #[test]
    fn every_drawn_world_is_a_valid_scenario() {
        for seed in 0..300 {
            let s = generate(seed);
            check_scenario(s.clone()).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            assert!(
                s.run_for.0 > SAFETY_PHASE,
                "seed {seed}: a liveness phase follows the faults"
            );
        }
    }

    #[test]
    fn the_swarm_varies_the_weather() {
        let worlds: Vec<Scenario> = (0..200).map(generate).collect();
        assert!(
            worlds.iter().any(|s| s.servers.is_empty())
                && worlds.iter().any(|s| s.servers.len() == 2)
        );
        assert!(
            worlds.iter().any(|s| s.faults.is_empty())
                && worlds.iter().any(|s| s.faults.len() >= 8)
        );
        for kind in [
            "crash",
            "drop",
            "status",
            "partition",
            "latency",
            "switchover",
            "reconfigure",
        ] {
            let hit = worlds.iter().any(|s| {
                serde_json::to_string(&s.faults)
                    .unwrap()
                    .contains(&format!("\"{kind}\""))
            });
            assert!(hit, "no world has a {kind} fault");
        }
        assert!(
            worlds.iter().any(|s| s.config.links.len() == 1)
                && worlds.iter().any(|s| s.config.links.len() == 6)
        );
        let own_links = |s: &Scenario| s.servers.iter().find_map(|s| s.links.clone());
        assert!(
            worlds
                .iter()
                .filter_map(own_links)
                .any(|l| l.iter().any(|l| l.name == "B0")),
            "no pair where the backup has a connector of its own"
        );
        assert!(
            worlds
                .iter()
                .filter_map(own_links)
                .any(|l| l.iter().all(|l| l.name != "B0")),
            "no pair where the backup has some of the scenario's links only"
        );
        assert!(worlds
            .iter()
            .any(|s| s.config.ha_sync_dly_lnk_conn == Some(true)));
    }
}
