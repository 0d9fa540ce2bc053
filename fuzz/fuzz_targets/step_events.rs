//! Fuzzes `LinkCore::step` with arbitrary configurations (both R5 policies, R15 policies,
//! `kpl-loss-rate` values) and input streams (R16 option changes, some out of range):
//! no input may make it panic (I9), and its invariants (I1-I8) must hold after every step.
//! Fuzz builds keep debug assertions, so the core also checks itself inside `step`.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use link_core::{
    Config, ConnId, Event, FirstStatusPolicy, Instant, KeepaliveLossRate, LinkConfig, LinkCore,
    LinkId, OptionChange, Role, StatusPolicy, StatusVerdict, SystemStatus, Timer,
};

/// A loss rate from one byte: a single value or a pair, small enough to decrement.
fn loss_rate(b: u8) -> KeepaliveLossRate {
    match b & 0x80 {
        0 => KeepaliveLossRate::single(u32::from(b % 4)),
        _ => KeepaliveLossRate::pair(u32::from(b % 4), u32::from((b >> 2) % 8)),
    }
}

/// An R16 change from one byte, sometimes out of range.
fn option_change(b: u8) -> OptionChange {
    let value = u64::from(b >> 2);
    match b % 4 {
        0 => OptionChange::ConnectTimeout(Duration::from_secs(value % 6)),
        1 => OptionChange::KeepaliveInterval(Duration::from_secs(value % 5 * 150)),
        2 => OptionChange::KeepaliveTolerance((b >> 2) % 12),
        _ => OptionChange::KeepaliveLossRate(loss_rate(b)),
    }
}

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
        .with_keepalive(Duration::from_secs(u64::from(next().unwrap_or(0) % 4)), next().unwrap_or(0) % 5)
        .with_keepalive_loss_rate(loss_rate(next().unwrap_or(0)));
    let policy_bits = u16::from(next().unwrap_or(0)) << 8 | u16::from(next().unwrap_or(0));
    let status_policy = SystemStatus::ALL.iter().enumerate().fold(StatusPolicy::ALL_WARNINGS, |p, (i, &s)| {
        if policy_bits & (1 << i) != 0 && !s.is_normal() { p.with(s, StatusVerdict::Failure) } else { p }
    });
    let first = if policy_bits & 0x8000 != 0 { FirstStatusPolicy::Close } else { FirstStatusPolicy::WaitForNormal };
    let config = config.with_status_policy(status_policy).with_first_status(first);
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
            9 if arg & 1 == 0 => Event::KeepAliveAnswered(conn),
            9 => Event::KeepAliveRejected(conn),
            10 => Event::MessageReceived(conn),
            11 => Event::TimerExpired(Timer::ALL[usize::from(arg) % 3]),
            12 => Event::RoleChanged([Role::Standalone, Role::Primary, Role::Backup][usize::from(arg) % 3]),
            13 => Event::Reconfigured { link, priority: Some(i32::from(arg as i8 % 6)) },
            14 => Event::Shutdown,
            _ if arg & 1 == 0 => Event::Reconfigured { link, priority: None },
            _ => Event::OptionChanged(option_change(arg >> 1)),
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
