//! When liveness is claimed and its bound: each connector's [`Health`], why L1 may not
//! be checked at all, the fault windows H1 looks at, and the bounds within which a
//! server (L1) and a pair (H1) must recover. docs/decisions.md ("L1 and H1") says why
//! each term is there.

use std::time::Duration;

use link_core::Instant;

use crate::scenario::{Checked, Fault, Health};
use crate::SimDuration;

/// Each link's connector, judged for liveness, in link order.
pub(crate) fn health(checked: &Checked) -> Vec<Health> {
    let s = &checked.scenario;
    let c = &s.config;
    let round_trip = SimDuration(s.network.latency.0 * 2 + s.network.jitter.0 * 2);
    checked
        .connectors
        .iter()
        .map(|spec| spec.health(c.connect_tout, c.kpl_interval, round_trip))
        .collect()
}

/// How long recovery may take.
pub(crate) struct Bounds {
    /// L1: from the last heal to an active link.
    pub(crate) recovery: Duration,
    /// H1: from the primary's failure to an active link in the pair.
    pub(crate) pair_window: Duration,
}

impl Bounds {
    /// The bounds for `checked`.
    pub(crate) fn of(checked: &Checked) -> Self {
        let s = &checked.scenario;
        let c = &s.config;
        let ct = c.connect_tout.0;
        // Keep-alive detection delays recovery when a close may have been lost in a
        // partition (R14).
        let keepalive_term = if has_partition(checked) && !c.kpl_interval.0.is_zero() {
            c.kpl_interval.0 * (u32::from(c.kpl_tolerance.max(1)) + 1)
        } else {
            Duration::ZERO
        };
        let switch = if checked.is_pair() {
            s.management.switch_after.0
        } else {
            Duration::ZERO
        };
        let margin = (s.network.latency.0 + s.network.jitter.0) * 10 + Duration::from_millis(100);
        // Without faults one procedure suffices. After faults: a failure waits the
        // restart timeout (and the Management Layer's switch), and a procedure begun
        // just before the heal may still fail once.
        // Messages sent while a latency fault lasted still arrive after it heals, and
        // keep later ones on the same path behind them (order is kept): a procedure is
        // clean only once the largest added latency has passed.
        let latency_term = s.largest_added_latency();
        let recovery = if s.faults.is_empty() {
            ct + margin
        } else {
            keepalive_term + latency_term + c.restart_timeout.0 + ct * 2 + switch + margin
        };
        Bounds {
            recovery,
            pair_window: c.restart_timeout.0 + ct * 2 + switch + keepalive_term + margin,
        }
    }
}

fn has_partition(checked: &Checked) -> bool {
    checked
        .scenario
        .faults
        .iter()
        .any(|f| matches!(f, Fault::Partition { .. }))
}

/// Why L1 cannot be promised for `checked`, if it cannot. L1 and H1 promise recovery
/// when nothing fails after the heal. A connector that can be selected and then lose
/// keep-alive (flapping) fails again and again, as often as procedures and role
/// switches happen to pick it: no bound holds.
pub(crate) fn l1_skip_reason(checked: &Checked, health: &[Health]) -> Option<String> {
    let flapping = checked
        .config
        .links
        .iter()
        .zip(health)
        .find(|(_, h)| **h == Health::Flapping);
    if let Some((link, _)) = flapping {
        return Some(format!("connector {} can be selected and then lose keep-alive (flapping); liveness assumes nothing fails", link.name));
    }
    if has_partition(checked) && checked.scenario.config.kpl_interval.0.is_zero() {
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
