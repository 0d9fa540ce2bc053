//! One test (or more) per rule R1-R14 of `docs/spec.md` (R5's default policy, R14's
//! loss rate, R15 and R16 are in `status_and_keepalive.rs`), named after the behaviour and
//! citing the rule. Each asserts the exact actions the rule demands, so breaking the
//! rule in `src/machine.rs` breaks the test.

mod common;

use std::time::Duration;

use common::{config, has_disconnected, Harness};
use link_core::{
    Action, ClientEvent, CloseReason, Config, Event, Ignored, Instant, LinkConfig, LinkState,
    LogRecord, Outcome, Phase, Role, SystemStatus, Timer,
};

const ABC: &[(&str, i32)] = &[("CSTA_A", 10), ("CSTA_B", 5), ("CSTA_C", 1)];
const AB: &[(&str, i32)] = &[("CSTA_A", 10), ("CSTA_B", 5)];

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// ---------- R1, R2: what a procedure opens ----------

// R1
#[test]
fn standalone_start_opens_every_link_and_arms_connect_tout() {
    let mut h = Harness::new(config(ABC, Role::Standalone));
    let actions = h.start();
    assert_eq!(h.opened(&actions), ["CSTA_A", "CSTA_B", "CSTA_C"]);
    assert!(actions.contains(&Action::ArmTimer {
        timer: Timer::ConnectTimeout,
        at: Instant::from_secs(2)
    }));
    assert_eq!(h.core.phase(), Phase::Selecting);
}

// R1
#[test]
fn primary_start_opens_every_link() {
    let mut h = Harness::new(config(ABC, Role::Primary));
    let actions = h.start();
    assert_eq!(h.opened(&actions), ["CSTA_A", "CSTA_B", "CSTA_C"]);
}

// R2
#[test]
fn backup_opens_only_links_with_the_highest_configured_priority() {
    let mut h = Harness::new(config(&[("A1", 10), ("LOW", 5), ("A2", 10)], Role::Backup));
    let actions = h.start();
    assert_eq!(h.opened(&actions), ["A1", "A2"]);
    assert_eq!(h.state("LOW"), LinkState::Closed);
}

// R2, R9: "highest configured", not "highest available"; I5
#[test]
fn backup_never_opens_a_lower_link_even_when_all_highest_links_are_down() {
    let mut h = Harness::new(config(&[("A1", 10), ("A2", 10), ("LOW", 5)], Role::Backup));
    h.start();
    for _ in 0..10 {
        h.refuse("A1");
        h.refuse("A2");
        assert_eq!(h.active(), None);
        h.fire(Timer::ConnectTimeout);
    }
    let opened_low = h
        .history
        .iter()
        .any(|(_, a)| matches!(a, Action::Open(c) if h.name(c.link) == "LOW"));
    assert!(
        !opened_low,
        "a backup opened a link below the highest configured priority"
    );
    assert_eq!(
        h.opened(&h.history.iter().map(|(_, a)| *a).collect::<Vec<_>>())
            .len(),
        22
    );
}

// ---------- R3, R4: connection and association ----------

// R3
#[test]
fn accepted_connection_gets_the_association_request() {
    let mut h = Harness::started(AB, Role::Standalone);
    let conn = h.conn("CSTA_A");
    let actions = h.accept("CSTA_A");
    assert_eq!(actions, [Action::SendAssociationRequest(conn)]);
    assert_eq!(h.state("CSTA_A"), LinkState::Associating);
}

// R3, R7
#[test]
fn refused_higher_link_leaves_the_queue_and_the_waiting_lower_link_becomes_active() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.bring_up("CSTA_B");
    assert_eq!(h.active(), None, "B must wait while A is in the queue");
    let actions = h.refuse("CSTA_A");
    assert_eq!(h.active().as_deref(), Some("CSTA_B"));
    assert!(actions.contains(&Action::Log(LogRecord::LinkRefused {
        link: h.id("CSTA_A")
    })));
    assert!(
        h.closed(&actions).is_empty(),
        "a refused connection is already gone: no Close"
    );
}

// R4
#[test]
fn association_response_makes_the_link_established() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.accept("CSTA_A");
    let actions = h.associate("CSTA_A");
    assert_eq!(h.state("CSTA_A"), LinkState::AwaitingStatus);
    assert_eq!(
        actions,
        [Action::Log(LogRecord::LinkEstablished {
            link: h.id("CSTA_A")
        })]
    );
}

// R4, R7
#[test]
fn rejected_association_closes_the_link_and_lets_the_lower_one_win() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.bring_up("CSTA_B");
    h.accept("CSTA_A");
    let a = h.conn("CSTA_A");
    let actions = h.reject("CSTA_A");
    assert!(actions.contains(&Action::Close {
        conn: a,
        reason: CloseReason::AssociationRejected
    }));
    assert_eq!(h.active().as_deref(), Some("CSTA_B"));
}

// R4, R7
#[test]
fn waiting_link_whose_connection_closes_leaves_the_queue() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.bring_up("CSTA_B");
    h.establish("CSTA_A");
    h.peer_close("CSTA_A");
    assert_eq!(h.state("CSTA_A"), LinkState::Closed);
    assert_eq!(h.active().as_deref(), Some("CSTA_B"));
}

// ---------- R5: the first SystemStatus decides ----------

// R5 under FirstStatusPolicy::Close (the option that keeps the first version's reading)
#[test]
fn under_the_close_policy_every_non_normal_first_status_closes_the_link() {
    let non_normal: Vec<_> = SystemStatus::ALL
        .into_iter()
        .filter(|s| !s.is_normal())
        .collect();
    assert_eq!(non_normal.len(), 8);
    for status in non_normal {
        let mut h = Harness::new(
            config(AB, Role::Standalone).with_first_status(link_core::FirstStatusPolicy::Close),
        );
        h.start();
        h.bring_up("CSTA_B");
        h.establish("CSTA_A");
        let a = h.conn("CSTA_A");
        let actions = h.status("CSTA_A", status);
        assert!(
            actions.contains(&Action::Close {
                conn: a,
                reason: CloseReason::NotOperational
            }),
            "{status} must close the link"
        );
        assert_eq!(
            h.active().as_deref(),
            Some("CSTA_B"),
            "{status}: the waiting lower link takes over"
        );
        // A later `normal` on the closed connection changes nothing.
        let (outcome, actions) = h.step_outcome(Event::SystemStatus(a, SystemStatus::Normal));
        assert_eq!(outcome, Outcome::Ignored(Ignored::StaleConnection));
        assert!(actions.is_empty());
    }
}

// R5
#[test]
fn normal_first_status_makes_the_link_operational() {
    let mut h = Harness::started(AB, Role::Standalone);
    let actions = h.bring_up("CSTA_B");
    assert_eq!(h.state("CSTA_B"), LinkState::Operational);
    assert!(actions.contains(&Action::Log(LogRecord::LinkOperational {
        link: h.id("CSTA_B")
    })));
}

// ---------- R6: operational closes the same or lower waiting links; the tie ----------

// R6
#[test]
fn operational_link_closes_waiting_links_of_the_same_or_lower_priority_only() {
    let links = &[("TOP", 20), ("A", 10), ("TWIN", 10), ("LOW", 5)];
    let mut h = Harness::started(links, Role::Standalone);
    h.accept("LOW"); // waiting in another state than connecting
    let actions = h.bring_up("A");
    let mut closed = h.closed(&actions);
    closed.sort();
    assert_eq!(closed, ["LOW", "TWIN"]);
    assert!(actions
        .iter()
        .all(|a| !matches!(a, Action::Close { reason, .. } if *reason != CloseReason::Superseded)));
    assert_eq!(
        h.state("TOP"),
        LinkState::Connecting,
        "a higher link keeps waiting"
    );
    assert_eq!(h.active(), None);
}

// R6, I4: the tie goes to the first to report normal, not to configuration order
#[test]
fn tie_is_won_by_the_first_link_to_report_normal() {
    for (first, second) in [("CSTA_A", "CSTA_B"), ("CSTA_B", "CSTA_A")] {
        let mut h = Harness::started(&[("CSTA_A", 5), ("CSTA_B", 5)], Role::Standalone);
        h.establish("CSTA_A");
        h.establish("CSTA_B");
        h.status(first, SystemStatus::Normal);
        assert_eq!(h.active().as_deref(), Some(first));
        assert_eq!(h.state(second), LinkState::Closed);
        assert_eq!(
            h.selected_logs(),
            [format!(
                "STANDARD CTI link {first} with priority 5 is selected"
            )]
        );
    }
}

// ---------- R7: activation ----------

// R7
#[test]
fn highest_link_operational_is_selected_with_log_35115_and_event_link_connected() {
    let mut h = Harness::started(ABC, Role::Standalone);
    let (b, c) = (h.conn("CSTA_B"), h.conn("CSTA_C"));
    h.accept("CSTA_C");
    let actions = h.bring_up("CSTA_A");
    let a = h.id("CSTA_A");
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
    assert_eq!(
        h.selected_logs(),
        ["STANDARD CTI link CSTA_A with priority 10 is selected"]
    );
    let selected = actions.iter().position(|x| {
        *x == Action::Log(LogRecord::LinkSelected {
            link: a,
            priority: 10,
        })
    });
    let connected = actions
        .iter()
        .position(|x| *x == Action::NotifyClients(ClientEvent::LinkConnected { link: a }));
    assert!(
        selected.unwrap() < connected.unwrap(),
        "log 35115, then EventLinkConnected"
    );
    // B and C were waiting at lower priority: R6 closes them as superseded.
    assert!(actions.contains(&Action::Close {
        conn: b,
        reason: CloseReason::Superseded
    }));
    assert!(actions.contains(&Action::Close {
        conn: c,
        reason: CloseReason::Superseded
    }));
    assert!(actions.contains(&Action::CancelTimer(Timer::ConnectTimeout)));
    assert_eq!(h.client_events(), ["EventLinkConnected CSTA_A"]);
}

// R7
#[test]
fn activation_closes_every_other_open_link_including_operational_ones() {
    let mut h = Harness::started(ABC, Role::Standalone);
    h.bring_up("CSTA_C");
    h.bring_up("CSTA_B"); // C is operational, not waiting: R6 does not close it
    assert_eq!(h.state("CSTA_C"), LinkState::Operational);
    let c = h.conn("CSTA_C");
    let actions = h.refuse("CSTA_A");
    assert_eq!(h.active().as_deref(), Some("CSTA_B"));
    assert!(actions.contains(&Action::Close {
        conn: c,
        reason: CloseReason::NotSelected
    }));
}

// R7
#[test]
fn lower_operational_link_waits_while_a_higher_link_is_waiting() {
    let mut h = Harness::started(AB, Role::Standalone);
    let actions = h.bring_up("CSTA_B");
    assert_eq!(h.active(), None);
    assert!(!actions
        .iter()
        .any(|a| matches!(a, Action::NotifyClients(_))));
    assert!(h.selected_logs().is_empty());
}

// R7
#[test]
fn higher_link_operational_before_activation_supersedes_the_lower_one() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.bring_up("CSTA_B");
    let b = h.conn("CSTA_B");
    let actions = h.bring_up("CSTA_A");
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
    assert!(actions.contains(&Action::Close {
        conn: b,
        reason: CloseReason::NotSelected
    }));
    assert_eq!(
        h.client_events(),
        ["EventLinkConnected CSTA_A"],
        "B was never announced"
    );
}

// R7: the waiting lower link becomes active at once, without waiting for connect-tout
#[test]
fn waiting_higher_link_dropping_out_makes_the_waiting_lower_one_active_at_once() {
    for drop_out in ["refused", "rejected", "closed", "non-normal"] {
        // A non-normal first status drops out only under the close policy (R5).
        let first = match drop_out {
            "non-normal" => link_core::FirstStatusPolicy::Close,
            _ => link_core::FirstStatusPolicy::WaitForNormal,
        };
        let mut h = Harness::new(config(ABC, Role::Standalone).with_first_status(first));
        h.start();
        h.now = Instant::from_millis(300);
        h.bring_up("CSTA_B");
        match drop_out {
            "refused" => {
                h.refuse("CSTA_A");
            }
            "rejected" => {
                h.accept("CSTA_A");
                h.reject("CSTA_A");
            }
            "closed" => {
                h.accept("CSTA_A");
                h.peer_close("CSTA_A");
            }
            _ => {
                h.establish("CSTA_A");
                h.status("CSTA_A", SystemStatus::Disabled);
            }
        }
        assert_eq!(h.active().as_deref(), Some("CSTA_B"), "after A {drop_out}");
        assert_eq!(h.now, Instant::from_millis(300));
    }
}

// ---------- R8: connect-tout ----------

// R8, R7
#[test]
fn slow_highest_link_operational_before_connect_tout_wins() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.advance(ms(100));
    h.bring_up("CSTA_B");
    h.advance(ms(1_899));
    h.establish("CSTA_A");
    h.status("CSTA_A", SystemStatus::Normal);
    assert_eq!(h.now, Instant::from_millis(1_999));
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
}

// R8, I3's exception
#[test]
fn slow_highest_link_after_connect_tout_loses_to_the_best_operational_one() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.advance(ms(100));
    h.bring_up("CSTA_B");
    h.establish("CSTA_A");
    let a = h.conn("CSTA_A");
    let actions = h.advance(ms(1_900));
    assert_eq!(h.now, Instant::from_secs(2));
    assert_eq!(h.active().as_deref(), Some("CSTA_B"));
    assert!(actions.contains(&Action::Close {
        conn: a,
        reason: CloseReason::NotSelected
    }));
    let (outcome, late) = h.step_outcome(Event::SystemStatus(a, SystemStatus::Normal));
    assert_eq!(outcome, Outcome::Ignored(Ignored::StaleConnection));
    assert!(late.is_empty());
    assert_eq!(h.active().as_deref(), Some("CSTA_B"));
}

// R8: the best is the highest priority, not the earliest normal
#[test]
fn connect_tout_activates_the_highest_priority_operational_link() {
    let mut h = Harness::started(ABC, Role::Standalone);
    h.bring_up("CSTA_C");
    h.bring_up("CSTA_B");
    h.fire(Timer::ConnectTimeout);
    assert_eq!(h.active().as_deref(), Some("CSTA_B"));
}

// R8
#[test]
fn connect_tout_with_nothing_operational_restarts_the_procedure_at_once() {
    let mut h = Harness::started(AB, Role::Standalone);
    let (a1, b1) = (h.conn("CSTA_A"), h.conn("CSTA_B"));
    h.accept("CSTA_B");
    let actions = h.fire(Timer::ConnectTimeout);
    assert!(actions.contains(&Action::Log(LogRecord::NoOperationalLink)));
    assert!(actions.contains(&Action::Close {
        conn: a1,
        reason: CloseReason::ConnectTimeout
    }));
    assert!(actions.contains(&Action::Close {
        conn: b1,
        reason: CloseReason::ConnectTimeout
    }));
    assert_eq!(h.opened(&actions), ["CSTA_A", "CSTA_B"]);
    assert!(actions.contains(&Action::ArmTimer {
        timer: Timer::ConnectTimeout,
        at: Instant::from_secs(4)
    }));
    let a2 = h.conn("CSTA_A");
    assert_eq!(a2.generation, a1.generation + 1);
    // Every close precedes the re-open of the same link (I7).
    let close_a = actions
        .iter()
        .position(|x| matches!(x, Action::Close { conn, .. } if *conn == a1));
    let open_a = actions.iter().position(|x| *x == Action::Open(a2));
    assert!(close_a < open_a);
}

// R8, R3
#[test]
fn every_link_refused_retries_at_each_connect_tout() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.refuse("CSTA_A");
    h.refuse("CSTA_B");
    assert_eq!(h.core.phase(), Phase::Selecting);
    assert_eq!(
        h.core.next_deadline(),
        Some((Instant::from_secs(2), Timer::ConnectTimeout))
    );
    let actions = h.fire(Timer::ConnectTimeout);
    assert!(h.closed(&actions).is_empty(), "nothing was open");
    assert_eq!(h.opened(&actions), ["CSTA_A", "CSTA_B"]);
}

// ---------- R9: a backup on a lower link ----------

// R9, R11
#[test]
fn primary_demoted_to_backup_while_active_on_a_lower_link_drops_it() {
    let mut h = Harness::started(ABC, Role::Primary);
    h.refuse("CSTA_A");
    h.bring_up("CSTA_B");
    assert_eq!(h.active().as_deref(), Some("CSTA_B"));
    let b = h.conn("CSTA_B");
    let actions = h.role(Role::Backup);
    assert!(actions.contains(&Action::Close {
        conn: b,
        reason: CloseReason::BackupRestriction
    }));
    assert!(
        actions.contains(&Action::Log(LogRecord::BackupDropsLowerLink {
            link: h.id("CSTA_B"),
            priority: 5,
            highest: 10
        }))
    );
    assert_eq!(h.opened(&actions), ["CSTA_A"]);
    assert_eq!(
        h.client_events(),
        ["EventLinkConnected CSTA_B", "EventLinkDisconnected CSTA_B"]
    );
    assert!(
        h.failure_reports().is_empty(),
        "a drop for R9 is not a link failure"
    );
    assert_eq!(h.core.phase(), Phase::Selecting);
}

// R9, R11
#[test]
fn demotion_keeps_an_active_link_of_the_highest_priority() {
    let mut h = Harness::started(&[("A1", 10), ("A2", 10), ("LOW", 1)], Role::Primary);
    h.bring_up("A2");
    let actions = h.role(Role::Backup);
    assert_eq!(
        actions,
        [Action::Log(LogRecord::RoleChanged {
            from: Role::Primary,
            to: Role::Backup
        })]
    );
    assert_eq!(h.active().as_deref(), Some("A2"));
}

// R9 ("whenever a backup would otherwise keep such a link"), R13
#[test]
fn backup_drops_its_active_link_when_another_link_is_raised_above_it() {
    let mut h = Harness::started(AB, Role::Backup);
    h.bring_up("CSTA_A");
    let b = h.id("CSTA_B");
    let actions = h.step(Event::Reconfigured {
        link: b,
        priority: Some(20),
    });
    assert!(has_disconnected(&actions));
    assert_eq!(h.opened(&actions), ["CSTA_B"]);
}

// ---------- R10: active link failure ----------

// R10
#[test]
fn standalone_active_link_failure_notifies_clients_once_and_restarts_after_the_timeout() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.bring_up("CSTA_A");
    h.advance(Duration::from_secs(3));
    let a = h.conn("CSTA_A");
    let failed_at = h.now;
    let actions = h.step(Event::TcpClosed(a));
    assert!(h.closed(&actions).is_empty(), "the peer closed it already");
    assert!(
        h.failure_reports().is_empty(),
        "standalone has no Management Layer"
    );
    assert_eq!(h.core.phase(), Phase::Restarting);
    assert_eq!(
        h.core.deadline(Timer::RestartDelay),
        Some(failed_at + Duration::from_secs(10))
    );
    // Nothing reconnects before the restart timeout...
    let early = h.advance(ms(9_999));
    assert!(h.opened(&early).is_empty());
    // ...and everything does at it.
    let restart = h.advance(ms(1));
    assert_eq!(h.opened(&restart), ["CSTA_A", "CSTA_B"]);
    // A late close of the dead connection is stale: still exactly one disconnect.
    let (outcome, _) = h.step_outcome(Event::TcpClosed(a));
    assert_eq!(outcome, Outcome::Ignored(Ignored::StaleConnection));
    assert_eq!(
        h.client_events(),
        ["EventLinkConnected CSTA_A", "EventLinkDisconnected CSTA_A"]
    );
}

// R10, R11, R2: HA pair; the restart uses the role held at that moment
#[test]
fn primary_active_link_failure_is_reported_and_the_restart_uses_the_backup_role() {
    let mut h = Harness::started(ABC, Role::Primary);
    h.refuse("CSTA_A");
    h.bring_up("CSTA_B");
    let actions = h.peer_close("CSTA_B");
    assert!(actions.contains(&Action::ReportLinkFailure {
        link: h.id("CSTA_B")
    }));
    assert!(has_disconnected(&actions));
    // The Management Layer switches this server to backup before the restart.
    h.advance(Duration::from_secs(1));
    let switched = h.role(Role::Backup);
    assert!(
        h.opened(&switched).is_empty(),
        "nothing opens before the restart timeout"
    );
    let restart = h.fire(Timer::RestartDelay);
    assert_eq!(h.opened(&restart), ["CSTA_A"]);
}

// R10: a backup's failure is reported too (it is in an HA pair)
#[test]
fn backup_active_link_failure_is_reported_to_the_management_layer() {
    let mut h = Harness::started(AB, Role::Backup);
    h.bring_up("CSTA_A");
    h.peer_close("CSTA_A");
    assert_eq!(h.failure_reports(), ["CSTA_A"]);
}

// ---------- R11: role changes ----------

// R11
#[test]
fn backup_made_primary_mid_procedure_opens_the_links_it_did_not_open() {
    let mut h = Harness::started(&[("A", 10), ("B", 5), ("C", 5)], Role::Backup);
    h.accept("A");
    let actions = h.role(Role::Primary);
    assert_eq!(h.opened(&actions), ["B", "C"]);
    assert_eq!(
        h.state("A"),
        LinkState::Associating,
        "the open highest link is kept"
    );
}

// R11
#[test]
fn primary_made_backup_mid_procedure_stops_waiting_for_lower_links() {
    let mut h = Harness::started(ABC, Role::Primary);
    h.accept("CSTA_C");
    h.bring_up("CSTA_B"); // closes C (R6); B waits for A
    let b = h.conn("CSTA_B");
    let actions = h.role(Role::Backup);
    assert_eq!(h.closed(&actions), ["CSTA_B"]);
    assert!(actions.contains(&Action::Close {
        conn: b,
        reason: CloseReason::BackupRestriction
    }));
    assert_eq!(h.state("CSTA_A"), LinkState::Connecting);
    assert_eq!(h.active(), None);
}

// R11
#[test]
fn promotion_to_primary_keeps_the_active_link() {
    let mut h = Harness::started(AB, Role::Backup);
    h.bring_up("CSTA_A");
    let actions = h.role(Role::Primary);
    assert_eq!(
        actions,
        [Action::Log(LogRecord::RoleChanged {
            from: Role::Backup,
            to: Role::Primary
        })]
    );
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
    let (outcome, actions) = h.step_outcome(Event::RoleChanged(Role::Primary));
    assert_eq!(outcome, Outcome::Ignored(Ignored::SameRole));
    assert!(actions.is_empty());
}

// R11: links a backup may not hold are closed even before they connect
#[test]
fn primary_made_backup_at_procedure_start_closes_its_connecting_lower_links() {
    let mut h = Harness::started(ABC, Role::Primary);
    let actions = h.role(Role::Backup);
    assert_eq!(h.closed(&actions), ["CSTA_B", "CSTA_C"]);
    assert_eq!(h.state("CSTA_A"), LinkState::Connecting);
}

// ---------- R12: one link ----------

// R12
#[test]
fn single_link_without_priority_is_opened_validated_and_used() {
    let mut h = Harness::new(Config::new([LinkConfig::new("CSTA")]));
    let actions = h.start();
    assert_eq!(h.opened(&actions), ["CSTA"]);
    h.bring_up("CSTA");
    assert_eq!(
        h.selected_logs(),
        ["STANDARD CTI link CSTA with priority 0 is selected"]
    );
    // Failures follow R10.
    h.peer_close("CSTA");
    assert_eq!(
        h.client_events(),
        ["EventLinkConnected CSTA", "EventLinkDisconnected CSTA"]
    );
    let restart = h.fire(Timer::RestartDelay);
    assert_eq!(h.opened(&restart), ["CSTA"]);
}

// R12, R2: a single link is the highest configured one, so a backup opens it
#[test]
fn single_link_backup_opens_it() {
    let mut h = Harness::new(Config::new([LinkConfig::new("CSTA")]).with_role(Role::Backup));
    let actions = h.start();
    assert_eq!(h.opened(&actions), ["CSTA"]);
}

// ---------- R13: reconfiguration ----------

// R13
#[test]
fn reconfiguring_the_active_link_drops_it_and_restarts_with_the_new_settings() {
    let mut h = Harness::started(AB, Role::Primary);
    h.bring_up("CSTA_A");
    let a = h.conn("CSTA_A");
    let actions = h.step(Event::Reconfigured {
        link: a.link,
        priority: Some(1),
    });
    assert!(actions.contains(&Action::Close {
        conn: a,
        reason: CloseReason::Reconfigured
    }));
    assert!(has_disconnected(&actions));
    assert_eq!(
        h.opened(&actions),
        ["CSTA_A", "CSTA_B"],
        "at once, without the restart timeout"
    );
    assert!(
        h.failure_reports().is_empty(),
        "reconfiguration is not a failure"
    );
    h.bring_up("CSTA_B");
    assert_eq!(
        h.active().as_deref(),
        Some("CSTA_B"),
        "A now has priority 1 and does not hold B back"
    );
    assert_eq!(
        h.selected_logs()[1],
        "STANDARD CTI link CSTA_B with priority 5 is selected"
    );
}

// R13
#[test]
fn reconfiguring_a_waiting_link_applies_at_its_next_open() {
    let mut h = Harness::started(AB, Role::Standalone);
    let a = h.id("CSTA_A");
    h.step(Event::Reconfigured {
        link: a,
        priority: Some(1),
    });
    assert_eq!(
        h.core.link_priority(a),
        Some(10),
        "the open connection keeps its priority"
    );
    h.bring_up("CSTA_B");
    assert_eq!(h.active(), None, "A still waits at priority 10");
    h.fire(Timer::ConnectTimeout);
    assert_eq!(h.active().as_deref(), Some("CSTA_B"));
    assert_eq!(
        h.core.link_priority(a),
        Some(1),
        "closed: the new setting is in force"
    );
}

// ---------- R14: keep-alive ----------

fn keepalive_harness(interval_s: u64, tolerance: u8) -> Harness {
    let config =
        config(AB, Role::Standalone).with_keepalive(Duration::from_secs(interval_s), tolerance);
    let mut h = Harness::new(config);
    h.start();
    h.bring_up("CSTA_A");
    h
}

fn sent_keepalives(actions: &[Action]) -> usize {
    actions
        .iter()
        .filter(|a| matches!(a, Action::SendKeepAlive(_)))
        .count()
}

// R14
#[test]
fn keepalive_is_sent_after_kpl_interval_of_idleness() {
    let mut h = keepalive_harness(10, 3);
    let a = h.conn("CSTA_A");
    assert!(h.advance(ms(9_999)).is_empty());
    let actions = h.advance(ms(1));
    assert_eq!(actions[0], Action::SendKeepAlive(a));
}

// R14, R10
#[test]
fn active_link_is_lost_after_kpl_tolerance_unanswered_keepalives() {
    let mut h = keepalive_harness(10, 3);
    let a = h.conn("CSTA_A");
    // Requests at 10 s, 20 s, 30 s; failures counted at 20 s, 30 s, 40 s.
    let before = h.advance(ms(39_999));
    assert_eq!(sent_keepalives(&before), 3);
    assert_eq!(h.core.keepalive_failures(), 2);
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
    let actions = h.advance(ms(1));
    assert!(actions.contains(&Action::Close {
        conn: a,
        reason: CloseReason::KeepAliveLost
    }));
    assert!(actions.contains(&Action::Log(LogRecord::KeepAliveMissed {
        link: a.link,
        failures: 3
    })));
    assert!(has_disconnected(&actions));
    assert_eq!(h.core.phase(), Phase::Restarting);
}

// R14: tolerance 0 means one failure is enough
#[test]
fn keepalive_tolerance_zero_loses_the_link_on_the_first_failure() {
    let mut h = keepalive_harness(10, 0);
    h.advance(ms(19_999));
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
    let actions = h.advance(ms(1));
    assert!(has_disconnected(&actions));
}

// R14: any traffic counts; the link is idle only when nothing arrives
#[test]
fn traffic_on_the_active_link_postpones_the_keepalive() {
    let mut h = keepalive_harness(10, 3);
    let a = h.conn("CSTA_A");
    h.advance(ms(5_000));
    h.step(Event::MessageReceived(a));
    assert_eq!(
        h.core.deadline(Timer::KeepAlive),
        Some(Instant::from_secs(15))
    );
    assert_eq!(sent_keepalives(&h.advance(ms(9_999))), 0);
}

// R14: kpl-interval 0 disables keep-alive
// R14, R10: a keep-alive loss in an HA pair is reported to the Management Layer.
#[test]
fn keepalive_loss_of_the_primary_is_reported_to_the_management_layer() {
    let mut h = Harness::new(config(AB, Role::Primary).with_keepalive(Duration::from_secs(5), 0));
    h.start();
    h.bring_up("CSTA_A");
    let actions = h.advance(Duration::from_secs(10));
    assert!(has_disconnected(&actions));
    assert!(actions.contains(&Action::ReportLinkFailure {
        link: h.id("CSTA_A")
    }));
}

#[test]
fn kpl_interval_zero_disables_keepalive() {
    let mut h = keepalive_harness(0, 3);
    assert_eq!(h.core.deadline(Timer::KeepAlive), None);
    h.advance(Duration::from_secs(3_600));
    assert!(h
        .history
        .iter()
        .all(|(_, a)| !matches!(a, Action::SendKeepAlive(_))));
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
}

// R6's mark says which reason closed each link: a tie lost to the first `normal`, or a
// lower link superseded (one tie, two lower here; mutation testing found the choice
// unchecked).
#[test]
fn r6_marks_tell_a_lost_tie_from_a_lower_link() {
    use link_core::Mark;
    if common::marks_skipped() {
        return;
    }
    let links = &[("CSTA_A", 5), ("CSTA_B", 5), ("CSTA_C", 1), ("CSTA_D", 1)];
    let mut h = Harness::started(links, Role::Primary);
    let up = h.bring_up("CSTA_A");
    assert_eq!(h.closed(&up), ["CSTA_B", "CSTA_C", "CSTA_D"]);
    let marks = h.core.marks();
    assert_eq!(marks.get(Mark::TieFirstNormalWins), 1);
    assert_eq!(marks.get(Mark::LowerSuperseded), 2);
}
