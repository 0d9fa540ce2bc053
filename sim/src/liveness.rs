//! When liveness is claimed and its bound: each connector's [`Health`], why L1 may not
//! be checked at all, the fault windows H1 looks at, and the bounds within which a
//! server (L1) and a pair (H1) must recover. docs/decisions.md ("L1 and H1") says why
//! each term is there.

use std::time::Duration;

use link_core::Instant;

use crate::scenario::{Checked, Fault, Health, Scenario};
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
        let tout = values.iter().filter_map(|v| v.connect_tout.map(|t| t.0));
        let tout: Vec<Duration> = tout.chain([c.connect_tout.0]).collect();
        let kpl = values.iter().filter_map(|v| v.kpl_interval.map(|t| t.0));
        let kpl: Vec<Duration> = kpl.chain([c.kpl_interval.0]).collect();
        let tolerance = values.iter().filter_map(|v| v.kpl_tolerance);
        let kpl_tolerance_max = tolerance.chain([c.kpl_tolerance]).max().unwrap_or(0).max(1);
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
        self.kpl_interval_max * (self.kpl_tolerance_max + 1)
    }
}

/// Each link's connector, judged for liveness, in link order.
pub(crate) fn health(checked: &Checked, timing: &Timing) -> Vec<Health> {
    let s = &checked.scenario;
    let round_trip = SimDuration(s.network.latency.0 * 2 + s.network.jitter.0 * 2);
    checked
        .connectors
        .iter()
        .map(|spec| {
            spec.health(
                SimDuration(timing.connect_tout_min),
                SimDuration(timing.kpl_interval_min),
                round_trip,
                &checked.config,
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
    /// switch), and a procedure begun just before the heal may still fail once.
    fn after_faults(&self, switch: Duration, keepalive: Duration) -> Duration {
        self.restart + self.procedure * 2 + switch + keepalive
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
        let after_faults = terms.after_faults(switch, keepalive);
        let recovery = if s.faults.is_empty() {
            terms.procedure + terms.margin
        } else {
            after_faults + terms.latency + terms.margin
        };
        Bounds {
            recovery,
            pair_window: after_faults + terms.margin,
        }
    }
}

/// How long `explore` runs a world: past the safety phase and the last heal by the
/// longest L1 bound any world of that shape could need (keep-alive detection and the
/// switch always counted), and 5 s more.
pub(crate) fn exploration_end(s: &Scenario, safety_phase: Duration) -> Duration {
    let terms = Terms::of(s, &Timing::of(s));
    let bound = terms.after_faults(terms.switch, terms.keepalive) + terms.latency;
    s.last_heal().max(safety_phase) + bound + Duration::from_secs(5)
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

/// Why L1 cannot be promised for `checked`, if it cannot. L1 and H1 promise recovery
/// when nothing fails after the heal. A connector that can be selected and then lose
/// keep-alive (flapping) fails again and again, as often as procedures and role
/// switches happen to pick it: no bound holds.
pub(crate) fn l1_skip_reason(
    checked: &Checked,
    health: &[Health],
    timing: &Timing,
) -> Option<String> {
    let flapping = checked
        .config
        .links
        .iter()
        .zip(health)
        .find(|(_, h)| **h == Health::Flapping);
    if let Some((link, _)) = flapping {
        return Some(format!("connector {} can be selected and then fail again (keep-alive, or a failure status: flapping); liveness assumes nothing fails", link.name));
    }
    if has_partition(checked) && timing.kpl_ever_off {
        return Some(
            "a partition with keep-alive off: a close lost in it cannot be noticed".to_string(),
        );
    }
    None
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
