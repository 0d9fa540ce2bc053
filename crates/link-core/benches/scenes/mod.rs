//! The cores the step benchmarks start from, shared by `benches/step.rs` and the
//! instruction count of `examples/kept_step_cost.rs`: a procedure over `n` links at
//! the moment of the event measured.

use std::time::Duration;

use link_core::{Action, Config, ConnId, Event, Instant, LinkConfig, LinkCore, LinkId};

/// `n` links, priorities 0..n (link n-1 the highest), keep-alive on.
pub fn config(n: usize) -> Config {
    Config::new((0..n).map(|i| LinkConfig::new(format!("L{i}")).with_priority(i as i32)))
        .with_keepalive(Duration::from_secs(10), 3)
}

/// A started core with every link connecting.
pub fn selecting(n: usize) -> (LinkCore, Vec<Action>) {
    let mut core = LinkCore::new(config(n)).unwrap();
    let mut actions = Vec::with_capacity(2 * n + 16);
    core.step_into(Instant::ZERO, Event::Start, &mut actions)
        .unwrap();
    actions.clear();
    (core, actions)
}

/// The current connection of link `index`.
pub fn conn(core: &LinkCore, index: usize) -> ConnId {
    core.connection(LinkId::new(index as u16)).unwrap()
}

/// A procedure over `n` links and the middle link's connection.
pub fn middle_of_a_procedure(n: usize) -> (LinkCore, ConnId) {
    let (core, _) = selecting(n);
    let c = conn(&core, n / 2);
    (core, c)
}

/// A procedure over `n` links whose lowest link awaits its first status.
pub fn lowest_awaiting_status(n: usize) -> (LinkCore, Vec<Action>, ConnId) {
    let (mut core, mut actions) = selecting(n);
    let c = conn(&core, 0);
    core.step_into(Instant::ZERO, Event::TcpAccepted(c), &mut actions)
        .unwrap();
    core.step_into(Instant::ZERO, Event::AssociationAccepted(c), &mut actions)
        .unwrap();
    actions.clear();
    (core, actions, c)
}
