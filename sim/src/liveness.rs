//! The liveness theory ([`link_model::liveness`]) applied to a scenario: the timing it
//! runs under, each connector's [`Health`], why L1 may not be checked at all, the fault
//! windows H1 looks at, and the terms of the bounds within which a server (L1) and a
//! pair (H1) must recover. docs/decisions.md ("L1 and H1") says why each term is there.

use std::time::Duration;

use link_core::Instant;
use link_model::liveness::{keepalive_detection, Health, Recovery, Unclaimed};

use crate::scenario::{Checked, Fault, Scenario};
use crate::SimDuration;

/// The timing options a scenario runs under, over its configuration and every value an
/// `options` fault sets (R16): a connector must beat the shortest, and bounds allow for
/// the longest.
pub(crate) struct Timing {
    /// The shortest `connect-tout`.
    pub(crate) connect_tout_min: Duration,
    /// The longest `connect-tout`.
    pub(crate) connect_tout_max: Duration,
    /// The shortest `kpl-interval` other than 0 (0: keep-alive is never on).
    pub(crate) kpl_interval_min: Duration,
    /// The longest `kpl-interval`.
    pub(crate) kpl_interval_max: Duration,
    /// The largest `kpl-tolerance`, at least 1.
    pub(crate) kpl_tolerance_max: u32,
    /// Whether keep-alive is off at some time.
    pub(crate) kpl_ever_off: bool,
}

impl Timing {
    /// The timing of `s`.
    pub(crate) fn of(s: &Scenario) -> Self {
        let c = &s.config;
        let values: Vec<_> = s.faults.iter().map(Fault::option_values).collect();
        // A server's own options count as another value the run may use.
        let servers = &s.servers;
        let tout = values.iter().filter_map(|v| v.connect_tout.map(|t| t.0));
        let own = servers.iter().filter_map(|s| s.connect_tout.map(|t| t.0));
        let tout: Vec<Duration> = tout.chain(own).chain([c.connect_tout.0]).collect();
        let kpl = values.iter().filter_map(|v| v.kpl_interval.map(|t| t.0));
        let own = servers.iter().filter_map(|s| s.kpl_interval.map(|t| t.0));
        let kpl: Vec<Duration> = kpl.chain(own).chain([c.kpl_interval.0]).collect();
        let tolerance = values.iter().filter_map(|v| v.kpl_tolerance);
        let own = servers.iter().filter_map(|s| s.kpl_tolerance);
        let kpl_tolerance_max = tolerance
            .chain(own)
            .chain([c.kpl_tolerance])
            .max()
            .unwrap_or(0)
            .max(1);
        Timing {
            connect_tout_min: tout.iter().copied().min().unwrap_or_default(),
            connect_tout_max: tout.iter().copied().max().unwrap_or_default(),
            kpl_interval_min: kpl
                .iter()
                .copied()
                .filter(|t| !t.is_zero())
                .min()
                .unwrap_or_default(),
            kpl_interval_max: kpl.iter().copied().max().unwrap_or_default(),
            kpl_tolerance_max: u32::from(kpl_tolerance_max),
            kpl_ever_off: kpl.iter().any(Duration::is_zero),
        }
    }

    /// How long keep-alive may take to notice a dead link: one interval per tolerated
    /// failure and one for the request itself.
    pub(crate) fn keepalive_detection(&self) -> Duration {
        keepalive_detection(self.kpl_interval_max, self.kpl_tolerance_max)
    }
}

/// Each link's connector, judged for liveness, in link order.
pub(crate) fn health(checked: &Checked, timing: &Timing) -> Vec<Health> {
    let s = &checked.scenario;
    let round_trip = SimDuration(s.network.latency.0 * 2 + s.network.jitter.0 * 2);
    let kpl_interval = SimDuration(timing.kpl_interval_min);
    let keepalive_on = !timing.kpl_interval_min.is_zero();
    checked
        .connectors
        .iter()
        .map(|spec| {
            spec.behaviour(kpl_interval, round_trip, &checked.config)
                .health(
                    timing.connect_tout_min,
                    timing.connect_tout_max,
                    keepalive_on,
                )
        })
        .collect()
}

/// The terms every liveness bound is made of, for one scenario; [`Bounds`] (the
/// checker's L1 and H1) and [`exploration_end`] (how long `explore` runs a world) are
/// sums of them, so the bounds are written once.
pub(crate) struct Terms {
    /// The link restart timeout: a failure waits it (R10).
    restart: Duration,
    /// One procedure at the longest `connect-tout` the run uses.
    procedure: Duration,
    /// The Management Layer's switch delay.
    switch: Duration,
    /// Keep-alive detection at the longest interval and tolerance (R14).
    keepalive: Duration,
    /// The largest latency a fault adds: messages delayed by it still arrive after it
    /// heals, and keep later ones on the same path behind them (order is kept).
    latency: Duration,
    /// Room for the simulated latencies: 10 × (latency + jitter) + 100 ms.
    margin: Duration,
}

impl Terms {
    /// The terms of `s`, which runs under `timing`.
    pub(crate) fn of(s: &Scenario, timing: &Timing) -> Self {
        Terms {
            restart: s.config.restart_timeout.0,
            procedure: timing.connect_tout_max,
            switch: s.management.switch_after.0,
            keepalive: timing.keepalive_detection(),
            latency: s.largest_added_latency(),
            margin: (s.network.latency.0 + s.network.jitter.0) * 10 + Duration::from_millis(100),
        }
    }

    /// After faults: a failure waits the restart timeout (and the Management Layer's
    /// switch), and a procedure begun just before the heal may still fail once; the
    /// network term is `network`.
    fn after_faults(&self, switch: Duration, keepalive: Duration, network: Duration) -> Recovery {
        Recovery {
            restart_timeout: self.restart,
            connect_tout: self.procedure,
            procedures: 2,
            switch,
            keepalive_detection: keepalive,
            network,
        }
    }
}

/// How long recovery may take.
pub(crate) struct Bounds {
    /// L1: from the last heal to an active link.
    pub(crate) recovery: Duration,
    /// H1: from the primary's failure to an active link in the pair.
    pub(crate) pair_window: Duration,
}

impl Bounds {
    /// The bounds for `checked`: without faults one procedure; after faults
    /// [`Terms::after_faults`], with keep-alive detection only when a close may have
    /// been lost (a partition, or a connector that ignored keep-alives), the switch
    /// only in a pair, and the largest added latency for L1.
    pub(crate) fn of(checked: &Checked, timing: &Timing) -> Self {
        let s = &checked.scenario;
        let terms = Terms::of(s, timing);
        let keepalive = match needs_keepalive_to_notice(checked) {
            true => terms.keepalive,
            false => Duration::ZERO,
        };
        let switch = match checked.is_pair() {
            true => terms.switch,
            false => Duration::ZERO,
        };
        let recovery = match s.faults.is_empty() {
            true => Recovery {
                connect_tout: terms.procedure,
                procedures: 1,
                network: terms.margin,
                ..Recovery::default()
            },
            false => terms.after_faults(switch, keepalive, terms.latency + terms.margin),
        };
        Bounds {
            recovery: recovery.bound(),
            pair_window: terms.after_faults(switch, keepalive, terms.margin).bound(),
        }
    }
}

/// How long `explore` runs a world: past the safety phase and the last heal by the
/// longest L1 bound any world of that shape could need (keep-alive detection and the
/// switch always counted), and 5 s more.
pub(crate) fn exploration_end(s: &Scenario, safety_phase: Duration) -> Duration {
    let terms = Terms::of(s, &Timing::of(s));
    let bound = terms.after_faults(terms.switch, terms.keepalive, terms.latency);
    s.last_heal().max(safety_phase) + bound.bound() + Duration::from_secs(5)
}

fn has_partition(checked: &Checked) -> bool {
    checked
        .scenario
        .faults
        .iter()
        .any(|f| matches!(f, Fault::Partition { .. }))
}

/// Whether a failure may be noticed only by keep-alive: a partition, or a connector
/// that ignored keep-alives for a while.
fn needs_keepalive_to_notice(checked: &Checked) -> bool {
    checked
        .scenario
        .faults
        .iter()
        .any(|f| matches!(f, Fault::Partition { .. } | Fault::IgnoreKeepalive { .. }))
}

/// Why L1 cannot be promised for `checked`, if it cannot ([`Unclaimed::of_world`]): a
/// flapping connector, or a partition while keep-alive is off at some time.
pub(crate) fn unclaimed(
    checked: &Checked,
    health: &[Health],
    timing: &Timing,
) -> Option<Unclaimed> {
    let names = checked.config.links.iter().map(|l| l.name.as_str());
    let connectors = names.zip(health.iter().copied());
    Unclaimed::of_world(connectors, has_partition(checked) && timing.kpl_ever_off)
}

/// Each fault as (start, end, its link or `None` for all, whether it is a crash).
pub(crate) fn fault_windows(checked: &Checked) -> Vec<(Instant, Instant, Option<usize>, bool)> {
    checked
        .scenario
        .faults
        .iter()
        .map(|f| {
            let link = f.link().and_then(|name| checked.link_index(name));
            let crash = matches!(f, Fault::Crash { .. });
            (
                Instant::ZERO + f.at().0,
                Instant::ZERO + f.healed_at().0,
                link,
                crash,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One link `A` whose connector answers keep-alives `keepalive_after` late, with
    /// keep-alive every second, a network of `latency` and `jitter` each way, and
    /// `faults`.
    fn world(keepalive_after: &str, latency: &str, jitter: &str, faults: &str) -> Checked {
        let json = format!(
            r#"{{"format": 1, "name": "liveness", "seed": 1, "run_for": "60s",
            "config": {{"kpl_interval": "1s", "kpl_tolerance": 1,
                "links": [{{"name": "A", "priority": 1}}]}},
            "connectors": {{"A": {{"keepalive_after": "{keepalive_after}"}}}},
            "network": {{"latency": "{latency}", "jitter": "{jitter}"}},
            "faults": [{faults}]}}"#
        );
        crate::scenario::parse(std::path::Path::new("liveness.json"), &json)
            .expect("a valid scenario")
    }

    fn health_of(checked: &Checked) -> Health {
        health(checked, &Timing::of(&checked.scenario))[0]
    }

    #[test]
    fn a_keepalive_answer_must_come_back_within_the_interval_round_trip_included() {
        // 850 ms at the connector and 100 ms each way: 1,050 ms, after the next request.
        let late = world("850ms", "100ms", "0ms", "");
        assert_eq!(health_of(&late), Health::Flapping);
        // The same connector on a fast network answers in time.
        assert_eq!(
            health_of(&world("850ms", "10ms", "0ms", "")),
            Health::Healthy
        );
        // Jitter counts both ways too: up to 100 ms each way.
        assert_eq!(
            health_of(&world("850ms", "0ms", "100ms", "")),
            Health::Flapping
        );
        assert_eq!(
            health_of(&world("850ms", "0ms", "10ms", "")),
            Health::Healthy
        );
    }

    #[test]
    fn a_partition_while_keepalive_is_off_leaves_l1_unclaimed() {
        let partition = r#"{"fault": "partition", "at": "5s", "link": "A", "for": "2s"}"#;
        let off = r#"{"fault": "options", "at": "1s", "kpl_interval": "0s"}"#;
        let checked = world("10ms", "1ms", "0ms", &format!("{off}, {partition}"));
        let timing = Timing::of(&checked.scenario);
        let healths = health(&checked, &timing);
        let why = unclaimed(&checked, &healths, &timing);
        assert_eq!(why, Some(Unclaimed::PartitionWithKeepaliveOff));
        // Keep-alive on throughout: a partition is noticed, and L1 is claimed.
        let on = world("10ms", "1ms", "0ms", partition);
        let timing = Timing::of(&on.scenario);
        assert_eq!(unclaimed(&on, &health(&on, &timing), &timing), None);
        // Keep-alive off without a partition: nothing goes unnoticed.
        let quiet = world("10ms", "1ms", "0ms", off);
        let timing = Timing::of(&quiet.scenario);
        assert_eq!(unclaimed(&quiet, &health(&quiet, &timing), &timing), None);
    }
}
