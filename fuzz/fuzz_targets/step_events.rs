//! Fuzzes `LinkCore::step` with arbitrary configurations and input streams: no input
//! may make it panic (I9), and its invariants (I1, I3-I8) must hold after every step.
//! Fuzz builds keep debug assertions, so the core also checks itself inside `step`.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use link_core::{Config, ConnId, Event, Instant, LinkConfig, LinkCore, LinkId, Role, SystemStatus, Timer};

fuzz_target!(|data: &[u8]| {
    let mut bytes = data.iter().copied();
    let mut next = move || bytes.next();
    let Some(head) = next() else { return };
    let links = usize::from(head % 16) + 1;
    let mut link_configs = Vec::new();
    for i in 0..links {
        let p = next().unwrap_or(0);
        let priority = (p & 0x80 == 0).then_some(i32::from(p as i8 % 5));
        link_configs.push(LinkConfig { name: format!("L{i}"), priority });
    }
    let role = [Role::Standalone, Role::Primary, Role::Backup][usize::from(next().unwrap_or(0) % 3)];
    let config = Config::new(link_configs)
        .with_role(role)
        .with_connect_timeout(Duration::from_secs(u64::from(next().unwrap_or(1) % 5) + 1))
        .with_restart_timeout(Duration::from_secs(u64::from(next().unwrap_or(1) % 12) + 1))
        .with_keepalive(Duration::from_secs(u64::from(next().unwrap_or(0) % 4)), next().unwrap_or(0) % 5);
    let Ok(mut core) = LinkCore::new(config) else { return };
    let mut now = Instant::ZERO;
    let mut actions = Vec::new();
    while let (Some(kind), Some(arg)) = (next(), next()) {
        let link = LinkId::new(u16::from(arg) % (links as u16 + 1));
        let generation = match core.connection(link) {
            Some(c) if arg & 0x40 == 0 => c.generation,
            _ => u32::from(arg >> 6),
        };
        let conn = ConnId { link, generation };
        let at = match kind >> 5 {
            0 => Instant::from_nanos(now.as_nanos().saturating_sub(u64::from(arg) * 1_000_000)),
            1 => core.next_deadline().map_or(now, |(t, _)| t.max(now)),
            _ => now + Duration::from_millis(u64::from(arg) * 20),
        };
        let event = match kind % 16 {
            0 => Event::Start,
            1 => Event::TcpAccepted(conn),
            2 => Event::TcpRefused(conn),
            3 => Event::TcpClosed(conn),
            4 => Event::AssociationAccepted(conn),
            5 => Event::AssociationRejected(conn),
            6 | 7 => Event::SystemStatus(conn, SystemStatus::ALL[usize::from(arg) % 9]),
            8 => Event::SystemStatus(conn, SystemStatus::Normal),
            9 => Event::KeepAliveAnswered(conn),
            10 => Event::MessageReceived(conn),
            11 => Event::TimerExpired(Timer::ALL[usize::from(arg) % 3]),
            12 => Event::RoleChanged([Role::Standalone, Role::Primary, Role::Backup][usize::from(arg) % 3]),
            13 => Event::Reconfigured { link, priority: Some(i32::from(arg as i8 % 6)) },
            14 => Event::Shutdown,
            _ => Event::Reconfigured { link, priority: None },
        };
        actions.clear();
        match core.step_into(at, event, &mut actions) {
            Ok(_) => now = at,
            Err(_) => assert!(actions.is_empty(), "a refused input produced actions"),
        }
        if let Err(violation) = core.check_invariants() {
            panic!("{violation} after {event:?} at {at}");
        }
    }
});
