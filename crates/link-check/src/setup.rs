//! The configurations the checker explores: every multiset of 1 to `n` priorities in
//! {0, 1, 2} (ties included), every start role, keep-alive off or on with tolerance 0
//! or 2, both R5 policies; and which families of inputs the environment may deliver
//! beyond the connection events (reconfiguration, option changes).
//!
//! Priorities are taken as multisets, not tuples: the environment delivers every input
//! in every order, so a permutation of the links reaches the same behaviours with the
//! links renamed (and links of equal priority are interchangeable): checking one order
//! is the symmetry reduction.

use core::time::Duration;

use link_core::{Config, FirstStatusPolicy, KeepaliveLossRate, LinkConfig, Role};

/// Keep-alive in a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Keepalive {
    /// `kpl-interval` 0: no keep-alive.
    Off,
    /// Keep-alive every [`KEEPALIVE_INTERVAL`] with this `kpl-tolerance`.
    Tolerance(u8),
}

/// The families of inputs the environment may deliver beyond the connection events,
/// timers, role changes, stale inputs and shutdown, which it always may.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Families {
    /// R13: a link's priority changes to another of {0, 1, 2}.
    pub reconfigure: bool,
    /// R16: `connect-tout` changes between 2 s and 3 s, `kpl-tolerance` between 0 and 2,
    /// and `kpl-loss-rate` to `1, 2`.
    pub options: bool,
}

/// `connect-tout` in every configuration.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// The link restart timeout in every configuration.
pub const RESTART_TIMEOUT: Duration = Duration::from_secs(5);
/// `kpl-interval` when keep-alive is on.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(3);
/// `kpl-loss-rate` when keep-alive is on: a failure taken off every 2 positive answers,
/// a warning every 3. Small, so that the answer counters' states stay few (the
/// product's default, 10 and 100, would multiply the space by about a thousand
/// without a behaviour the small values lack).
pub const LOSS_RATE: KeepaliveLossRate = KeepaliveLossRate::pair(2, 3);

/// One configuration to check.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Setup {
    /// Each link's priority, ascending.
    pub priorities: Vec<i32>,
    /// The role the server starts in.
    pub role: Role,
    /// Keep-alive.
    pub keepalive: Keepalive,
    /// R5's policy for a first status other than `normal`.
    pub first_status: FirstStatusPolicy,
    /// What else the environment may deliver.
    pub families: Families,
}

impl Setup {
    /// The core's configuration: links `L0`, `L1`, ... with the priorities.
    pub fn config(&self) -> Config {
        let links = self
            .priorities
            .iter()
            .enumerate()
            .map(|(i, p)| LinkConfig::new(format!("L{i}")).with_priority(*p));
        let config = Config::new(links)
            .with_role(self.role)
            .with_connect_timeout(CONNECT_TIMEOUT)
            .with_restart_timeout(RESTART_TIMEOUT)
            .with_first_status(self.first_status);
        match self.keepalive {
            Keepalive::Off => config.with_keepalive(Duration::ZERO, 0),
            Keepalive::Tolerance(n) => config
                .with_keepalive(KEEPALIVE_INTERVAL, n)
                .with_keepalive_loss_rate(LOSS_RATE),
        }
    }

    /// A short name: `[0 1 2] primary kpl=2 close +reconfigure`.
    pub fn name(&self) -> String {
        let priorities: Vec<String> = self.priorities.iter().map(i32::to_string).collect();
        let keepalive = match self.keepalive {
            Keepalive::Off => "kpl=off".to_string(),
            Keepalive::Tolerance(n) => format!("kpl={n}"),
        };
        let first = match self.first_status {
            FirstStatusPolicy::WaitForNormal => "wait",
            FirstStatusPolicy::Close => "close",
        };
        let mut name = format!(
            "[{}] {} {keepalive} {first}",
            priorities.join(" "),
            self.role
        );
        if self.families.reconfigure {
            name.push_str(" +reconfigure");
        }
        if self.families.options {
            name.push_str(" +options");
        }
        name
    }
}

/// Every multiset of `links` priorities from {0, 1, 2}, ascending.
fn priority_sets(links: usize) -> Vec<Vec<i32>> {
    let mut sets = vec![Vec::new()];
    for _ in 0..links {
        sets = sets
            .into_iter()
            .flat_map(|set: Vec<i32>| {
                let from = set.last().copied().unwrap_or(0);
                (from..=2).map(move |p| {
                    let mut next = set.clone();
                    next.push(p);
                    next
                })
            })
            .collect();
    }
    sets
}

/// Every configuration of 1 to `max_links` links, in a fixed order, with `families`.
pub fn enumerate(max_links: usize, families: Families) -> Vec<Setup> {
    let mut setups = Vec::new();
    for links in 1..=max_links {
        for priorities in priority_sets(links) {
            for role in [Role::Standalone, Role::Primary, Role::Backup] {
                for keepalive in [
                    Keepalive::Off,
                    Keepalive::Tolerance(0),
                    Keepalive::Tolerance(2),
                ] {
                    for first_status in [FirstStatusPolicy::WaitForNormal, FirstStatusPolicy::Close]
                    {
                        setups.push(Setup {
                            priorities: priorities.clone(),
                            role,
                            keepalive,
                            first_status,
                            families,
                        });
                    }
                }
            }
        }
    }
    setups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_are_every_multiset() {
        assert_eq!(priority_sets(1).len(), 3);
        assert_eq!(priority_sets(2).len(), 6);
        assert_eq!(priority_sets(3).len(), 10);
        assert!(priority_sets(3).contains(&vec![0, 2, 2]));
        // (3 + 6 + 10) priority sets x 3 roles x 3 keep-alives x 2 policies.
        assert_eq!(enumerate(3, Families::default()).len(), 19 * 3 * 3 * 2);
    }

    #[test]
    fn every_configuration_is_valid() {
        for setup in enumerate(3, Families::default()) {
            link_core::LinkCore::new(setup.config())
                .unwrap_or_else(|e| panic!("{}: {e}", setup.name()));
        }
    }
}
