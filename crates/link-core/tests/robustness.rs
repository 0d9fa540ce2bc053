//! Inputs the rules do not ask for: late, stale, duplicate, early, unknown, out of
//! order, time going backwards, after shutdown. The core ignores or refuses each one
//! with a typed value, never panics (I9), and stays deterministic (I10).

mod common;

use std::time::Duration;

use common::{config, Harness};
use link_core::{
    Action, ClientEvent, CloseReason, Config, ConfigError, ConnId, Event, Ignored, Instant,
    LinkConfig, LinkCore, LinkId, LinkState, Outcome, Phase, Role, StepError, SystemStatus, Timer,
};

const AB: &[(&str, i32)] = &[("CSTA_A", 10), ("CSTA_B", 5)];

// ---------- late and stale ----------

#[test]
fn late_events_for_a_connection_the_core_closed_change_nothing() {
    let mut h = Harness::started(AB, Role::Standalone);
    let b = h.conn("CSTA_B");
    h.accept("CSTA_B");
    h.bring_up("CSTA_A"); // closes B (R6)
    for late in [
        Event::TcpAccepted(b),
        Event::TcpRefused(b),
        Event::AssociationAccepted(b),
        Event::AssociationRejected(b),
        Event::SystemStatus(b, SystemStatus::Normal),
        Event::KeepAliveAnswered(b),
        Event::MessageReceived(b),
        Event::TcpClosed(b),
    ] {
        let (outcome, actions) = h.step_outcome(late);
        assert_eq!(
            outcome,
            Outcome::Ignored(Ignored::StaleConnection),
            "{late:?}"
        );
        assert!(actions.is_empty(), "{late:?}");
    }
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
}

#[test]
fn an_event_for_an_older_generation_is_ignored_after_a_reopen() {
    let mut h = Harness::started(AB, Role::Standalone);
    let old = h.conn("CSTA_A");
    h.fire(Timer::ConnectTimeout); // R8 restart: closes and reopens A
    let new = h.conn("CSTA_A");
    assert_ne!(old, new);
    let (outcome, _) = h.step_outcome(Event::TcpAccepted(old));
    assert_eq!(outcome, Outcome::Ignored(Ignored::StaleConnection));
    assert_eq!(h.state("CSTA_A"), LinkState::Connecting);
    assert_eq!(
        h.step(Event::TcpAccepted(new)),
        [Action::SendAssociationRequest(new)]
    );
}

#[test]
fn duplicate_and_out_of_order_events_are_ignored_with_the_link_state() {
    let mut h = Harness::started(AB, Role::Standalone);
    let a = h.conn("CSTA_A");
    let (outcome, _) = h.step_outcome(Event::AssociationAccepted(a));
    assert_eq!(
        outcome,
        Outcome::Ignored(Ignored::UnexpectedInLinkState(LinkState::Connecting))
    );
    h.accept("CSTA_A");
    let (outcome, actions) = h.step_outcome(Event::TcpAccepted(a));
    assert_eq!(
        outcome,
        Outcome::Ignored(Ignored::UnexpectedInLinkState(LinkState::Associating))
    );
    assert!(actions.is_empty(), "no second association request");
    h.associate("CSTA_A");
    h.status("CSTA_A", SystemStatus::Normal);
    let (outcome, actions) = h.step_outcome(Event::SystemStatus(a, SystemStatus::Normal));
    assert_eq!(
        outcome,
        Outcome::Applied,
        "a status on the active link is traffic"
    );
    assert!(h.selected_logs().len() == 1 && !actions.iter().any(|x| matches!(x, Action::Log(_))));
}

// ---------- timers ----------

#[test]
fn a_timer_delivered_early_changes_nothing() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.now = Instant::from_millis(1_999);
    let (outcome, actions) = h.step_outcome(Event::TimerExpired(Timer::ConnectTimeout));
    assert_eq!(
        outcome,
        Outcome::Ignored(Ignored::TimerNotDue(Timer::ConnectTimeout))
    );
    assert!(actions.is_empty());
    assert_eq!(
        h.core.deadline(Timer::ConnectTimeout),
        Some(Instant::from_secs(2))
    );
}

#[test]
fn a_cancelled_timer_firing_late_changes_nothing() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.bring_up("CSTA_A"); // activation cancels connect-tout
    h.now = Instant::from_secs(5);
    for timer in [Timer::ConnectTimeout, Timer::RestartDelay] {
        let (outcome, actions) = h.step_outcome(Event::TimerExpired(timer));
        assert_eq!(outcome, Outcome::Ignored(Ignored::TimerNotDue(timer)));
        assert!(actions.is_empty());
    }
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
}

#[test]
fn after_a_due_timer_is_handled_the_next_deadline_has_moved() {
    let mut h = Harness::started(AB, Role::Standalone);
    let (at, timer) = h.core.next_deadline().unwrap();
    h.now = at;
    h.step(Event::TimerExpired(timer));
    let (next, _) = h.core.next_deadline().unwrap();
    assert!(next > at, "busy loop: {next} <= {at}");
    // And the same firing again is stale.
    let (outcome, _) = h.step_outcome(Event::TimerExpired(timer));
    assert_eq!(outcome, Outcome::Ignored(Ignored::TimerNotDue(timer)));
}

#[test]
fn next_deadline_names_the_earliest_timer() {
    let mut h =
        Harness::new(config(AB, Role::Standalone).with_keepalive(Duration::from_secs(1), 3));
    assert_eq!(
        h.core.next_deadline(),
        None,
        "nothing is armed before start"
    );
    h.start();
    assert_eq!(
        h.core.next_deadline(),
        Some((Instant::from_secs(2), Timer::ConnectTimeout))
    );
    h.bring_up("CSTA_A");
    assert_eq!(
        h.core.next_deadline(),
        Some((Instant::from_secs(1), Timer::KeepAlive))
    );
}

// ---------- refused inputs ----------

#[test]
fn time_going_backwards_is_refused_and_changes_nothing() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.now = Instant::from_secs(1);
    h.accept("CSTA_A");
    let a = h.conn("CSTA_A");
    let before = format!("{:?}", h.core);
    let result = h
        .core
        .step(Instant::from_millis(999), Event::AssociationAccepted(a));
    assert_eq!(
        result,
        Err(StepError::TimeWentBackwards {
            now: Instant::from_millis(999),
            latest: Instant::from_secs(1)
        })
    );
    assert_eq!(format!("{:?}", h.core), before);
    assert_eq!(h.state("CSTA_A"), LinkState::Associating);
}

#[test]
fn an_event_for_a_link_that_does_not_exist_is_refused() {
    let mut h = Harness::started(AB, Role::Standalone);
    let ghost = ConnId {
        link: LinkId::new(7),
        generation: 1,
    };
    for event in [
        Event::TcpAccepted(ghost),
        Event::Reconfigured {
            link: LinkId::new(2),
            priority: Some(1),
        },
    ] {
        let link = event.link().unwrap();
        assert_eq!(h.core.step(h.now, event), Err(StepError::UnknownLink(link)));
    }
    assert_eq!(
        h.core
            .step(h.now, Event::TcpAccepted(ghost))
            .unwrap_err()
            .to_string(),
        "no configured link has id link#7"
    );
}

// ---------- lifecycle ----------

#[test]
fn inputs_before_start_are_ignored_and_start_is_taken_once() {
    let mut h = Harness::new(config(AB, Role::Standalone));
    let conn = ConnId {
        link: LinkId::new(0),
        generation: 1,
    };
    let (outcome, _) = h.step_outcome(Event::TcpAccepted(conn));
    assert_eq!(outcome, Outcome::Ignored(Ignored::NotStarted));
    // A role given before start is the role the first procedure uses.
    h.role(Role::Backup);
    let actions = h.start();
    assert_eq!(h.opened(&actions), ["CSTA_A"]);
    let (outcome, actions) = h.step_outcome(Event::Start);
    assert_eq!(outcome, Outcome::Ignored(Ignored::AlreadyStarted));
    assert!(actions.is_empty());
}

#[test]
fn shutdown_with_an_active_link_disconnects_once_closes_everything_and_ignores_what_follows() {
    let mut h = Harness::new(config(AB, Role::Primary).with_keepalive(Duration::from_secs(10), 3));
    h.start();
    h.bring_up("CSTA_A");
    let a = h.conn("CSTA_A");
    let actions = h.step(Event::Shutdown);
    assert!(actions.contains(&Action::Close {
        conn: a,
        reason: CloseReason::Shutdown
    }));
    assert!(
        actions.contains(&Action::NotifyClients(ClientEvent::LinkDisconnected {
            link: a.link
        }))
    );
    assert!(actions.contains(&Action::CancelTimer(Timer::KeepAlive)));
    assert!(
        !actions
            .iter()
            .any(|x| matches!(x, Action::ReportLinkFailure { .. })),
        "shutdown is not a failure"
    );
    assert_eq!(h.core.phase(), Phase::Stopped);
    assert_eq!(h.core.next_deadline(), None);
    for event in [
        Event::Start,
        Event::TcpClosed(a),
        Event::RoleChanged(Role::Backup),
        Event::Shutdown,
    ] {
        let (outcome, actions) = h.step_outcome(event);
        assert_eq!(outcome, Outcome::Ignored(Ignored::Stopped));
        assert!(actions.is_empty());
    }
}

#[test]
fn shutdown_during_a_procedure_closes_the_open_links_only() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.refuse("CSTA_B");
    let actions = h.step(Event::Shutdown);
    assert_eq!(h.closed(&actions), ["CSTA_A"]);
    assert!(actions.contains(&Action::CancelTimer(Timer::ConnectTimeout)));
    assert!(!actions
        .iter()
        .any(|x| matches!(x, Action::NotifyClients(_))));
}

// ---------- configuration ----------

#[test]
fn configuration_errors_are_typed_and_readable() {
    let ok = || config(AB, Role::Standalone);
    let cases: Vec<(Config, ConfigError)> = vec![
        (Config::new([]), ConfigError::NoLinks),
        (
            Config::new([LinkConfig::new(" ")]),
            ConfigError::EmptyLinkName { index: 0 },
        ),
        (
            Config::new([LinkConfig::new("A"), LinkConfig::new("B\u{1b}[2J")]),
            ConfigError::UnprintableLinkName {
                index: 1,
                name: "B\u{1b}[2J".into(),
            },
        ),
        (
            // A name is printed in every log line about its link: bounded.
            Config::new([LinkConfig::new("A"), LinkConfig::new("L".repeat(129))]),
            ConfigError::LinkNameTooLong {
                index: 1,
                chars: 129,
            },
        ),
        (
            Config::new([LinkConfig::new("A\nB")]),
            ConfigError::UnprintableLinkName {
                index: 0,
                name: "A\nB".into(),
            },
        ),
        (
            // Invisible: a zero-width space would make two names look the same.
            Config::new([LinkConfig::new("A"), LinkConfig::new("A\u{200b}")]),
            ConfigError::UnprintableLinkName {
                index: 1,
                name: "A\u{200b}".into(),
            },
        ),
        (
            Config::new([
                LinkConfig::new("X"),
                LinkConfig::new("Y"),
                LinkConfig::new("X"),
            ]),
            ConfigError::DuplicateLinkName {
                name: "X".into(),
                first: 0,
                second: 2,
            },
        ),
        (
            ok().with_connect_timeout(Duration::from_millis(999)),
            ConfigError::ConnectTimeoutOutOfRange {
                value: Duration::from_millis(999),
            },
        ),
        (
            ok().with_connect_timeout(Duration::from_secs(1001)),
            ConfigError::ConnectTimeoutOutOfRange {
                value: Duration::from_secs(1001),
            },
        ),
        (
            ok().with_restart_timeout(Duration::ZERO),
            ConfigError::RestartTimeoutOutOfRange {
                value: Duration::ZERO,
            },
        ),
        (
            ok().with_keepalive(Duration::from_secs(601), 3),
            ConfigError::KeepaliveIntervalOutOfRange {
                value: Duration::from_secs(601),
            },
        ),
        (
            ok().with_keepalive(Duration::from_secs(10), 11),
            ConfigError::KeepaliveToleranceOutOfRange { value: 11 },
        ),
    ];
    for (config, expected) in cases {
        assert_eq!(LinkCore::new(config).unwrap_err(), expected);
    }
    assert_eq!(
        ConfigError::DuplicateLinkName {
            name: "X".into(),
            first: 0,
            second: 2
        }
        .to_string(),
        "links 1 and 3 are both named \"X\"; link names must be unique"
    );
}

#[test]
fn configuration_bounds_are_inclusive_and_defaults_match_the_option_reference() {
    let c = Config::new([LinkConfig::new("ONLY")]);
    assert_eq!(
        (
            c.connect_timeout,
            c.restart_timeout,
            c.keepalive_interval,
            c.keepalive_tolerance,
            c.role
        ),
        (
            Duration::from_secs(2),
            Duration::from_secs(10),
            Duration::from_secs(10),
            3,
            Role::Standalone
        )
    );
    for valid in [
        c.clone().with_connect_timeout(Duration::from_secs(1)),
        c.clone().with_connect_timeout(Duration::from_secs(1000)),
        c.clone().with_restart_timeout(Duration::from_secs(1)),
        c.clone().with_keepalive(Duration::ZERO, 0),
        c.clone().with_keepalive(Duration::from_secs(600), 10),
        Config::new([
            LinkConfig::new("LOW").with_priority(i32::MIN),
            LinkConfig::new("HIGH").with_priority(i32::MAX),
        ]),
    ] {
        assert!(LinkCore::new(valid).is_ok());
    }
}

// ---------- I9, I10: arbitrary input streams ----------

/// A tiny deterministic generator (xorshift64*), so this file needs no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Any event at all, aimed at the links that exist and a few that do not.
fn arbitrary_event(rng: &mut Rng, core: &LinkCore, links: u16) -> Event {
    let link = LinkId::new(rng.below(u64::from(links) + 1) as u16);
    let generation = match core.connection(link) {
        Some(conn) if rng.below(4) != 0 => conn.generation,
        _ => rng.below(4) as u32,
    };
    let conn = ConnId { link, generation };
    let status = SystemStatus::ALL[rng.below(9) as usize];
    let timer = Timer::ALL[rng.below(3) as usize];
    let role = [Role::Standalone, Role::Primary, Role::Backup][rng.below(3) as usize];
    // Half the time, the next step a healthy connector would take on an open link, so
    // that walks get past connecting and reach activation, failover and R9.
    if rng.below(2) == 0 {
        if let Some(conn) = core.connection(link) {
            match core.link_state(link) {
                Some(LinkState::Connecting) => return Event::TcpAccepted(conn),
                Some(LinkState::Associating) => return Event::AssociationAccepted(conn),
                Some(LinkState::AwaitingStatus) => {
                    return Event::SystemStatus(conn, SystemStatus::Normal)
                }
                _ => {}
            }
        }
    }
    match rng.below(18) {
        0 => Event::Start,
        1 | 2 => Event::TcpAccepted(conn),
        3 => Event::TcpRefused(conn),
        4 => Event::TcpClosed(conn),
        5 | 6 => Event::AssociationAccepted(conn),
        7 => Event::AssociationRejected(conn),
        8 | 9 => Event::SystemStatus(
            conn,
            if rng.below(2) == 0 {
                SystemStatus::Normal
            } else {
                status
            },
        ),
        10 => Event::KeepAliveAnswered(conn),
        11 | 12 => Event::TimerExpired(timer),
        13 | 14 => Event::RoleChanged(role),
        15 | 16 => Event::Reconfigured {
            link,
            priority: Some(rng.below(4) as i32),
        },
        _ => match rng.below(16) {
            0 => Event::Shutdown,
            _ => Event::MessageReceived(conn),
        },
    }
}

/// Runs one random walk and returns everything the core produced, as text.
fn random_walk(seed: u64) -> String {
    let mut rng = Rng(seed | 1);
    let links = 1 + rng.below(6) as u16;
    let priorities: Vec<i32> = (0..links).map(|_| rng.below(3) as i32).collect();
    let role = [Role::Standalone, Role::Primary, Role::Backup][rng.below(3) as usize];
    let config = Config::new(
        priorities
            .iter()
            .enumerate()
            .map(|(i, p)| LinkConfig::new(format!("L{i}")).with_priority(*p)),
    )
    .with_role(role)
    .with_keepalive(Duration::from_secs(rng.below(3)), rng.below(4) as u8);
    // The harness checks each applied step's actions from outside (I6, I7).
    let mut h = Harness::new(config);
    let mut now = Instant::ZERO;
    let mut trace = String::new();
    let mut actions = Vec::new();
    for _ in 0..300 {
        // Mostly forward, sometimes to the next deadline, sometimes backwards.
        let at = match rng.below(10) {
            0 => Instant::from_nanos(now.as_nanos().saturating_sub(1 + rng.below(1_000_000_000))),
            1 | 2 => h.core.next_deadline().map_or(now, |(t, _)| t.max(now)),
            _ => now + Duration::from_millis(rng.below(1_500)),
        };
        let event = arbitrary_event(&mut rng, &h.core, links);
        actions.clear();
        let result = h.core.step_into(at, event, &mut actions);
        match result {
            Ok(outcome) => {
                now = at;
                h.check_actions(event, outcome, &actions);
            }
            Err(_) => assert!(actions.is_empty(), "a refused input produced actions"),
        }
        h.core
            .check_invariants()
            .unwrap_or_else(|v| panic!("seed {seed}: {v} after {event:?}"));
        trace.push_str(&format!("{at} {event:?} -> {result:?} {actions:?}\n"));
    }
    trace
}

// I9: no input sequence panics; invariants hold after every step
#[test]
fn random_input_streams_never_panic_and_keep_the_invariants() {
    for seed in 0..1_000 {
        random_walk(seed);
    }
}

// I10: same configuration and inputs, same outputs byte for byte
#[test]
fn the_same_inputs_give_the_same_outputs() {
    for seed in [1, 42, 4242] {
        assert_eq!(random_walk(seed), random_walk(seed));
    }
    assert_ne!(
        random_walk(1),
        random_walk(2),
        "the walks differ, so the comparison means something"
    );
}

// A procedure's activation really happens in random walks (the smoke test is not idle).
#[test]
fn random_walks_reach_activation_and_failover() {
    let traces: String = (0..400).map(random_walk).collect();
    assert!(traces.contains("LinkSelected"));
    assert!(traces.contains("LinkDisconnected"));
    for needle in [
        "BackupDropsLowerLink",
        "BackupRestriction",
        "Reconfigured",
        "KeepAliveLost",
        "Superseded",
    ] {
        assert!(traces.contains(needle), "the walks never reach {needle}");
    }
}

// I8: a timer can never be due forever; the clock's end and huge timeouts are refused.
#[test]
fn time_too_close_to_the_end_of_the_clock_is_refused() {
    let mut core = LinkCore::new(config(AB, Role::Standalone)).unwrap();
    let late = Instant::from_nanos(u64::MAX - 1);
    assert_eq!(
        core.step(late, Event::Start),
        Err(StepError::TimeOutOfRange { now: late })
    );
    assert_eq!(core.phase(), Phase::Idle);
    let huge = Config::new(config(AB, Role::Standalone).links).with_restart_timeout(Duration::MAX);
    assert!(matches!(
        LinkCore::new(huge),
        Err(ConfigError::RestartTimeoutOutOfRange { .. })
    ));
    // The last instant that still leaves room for every timer is accepted.
    let last = Instant::from_nanos(u64::MAX - Duration::from_secs(10).as_nanos() as u64 - 1);
    assert!(core.step(last, Event::Start).is_ok());
    let (deadline, _) = core.next_deadline().unwrap();
    assert!(deadline > last);
}
