//! The rules revised from the product's option reference: R5's default (a first status
//! other than `normal` waits for `normal`), R15 (the status policy on a validated link),
//! R14's accumulating counters with `kpl-loss-rate`, R16 (timing options changed at run
//! time), and two readings of the seed the code makes (docs/decisions.md). Each test
//! asserts the exact action or state the rule demands.

mod common;

use std::time::Duration;

use common::{config, has_disconnected, Harness};
use link_core::{
    Action, CloseReason, Config, ConfigError, Event, FirstStatusPolicy, Instant, KeepaliveLossRate,
    LinkState, LogRecord, LossCause, LossRateError, OptionChange, OptionChanges, Phase, Role,
    StatusPolicy, StatusVerdict, StepError, SystemStatus, Timer,
};

const AB: &[(&str, i32)] = &[("CSTA_A", 10), ("CSTA_B", 5)];
const HAB: &[(&str, i32)] = &[("CSTA_H", 20), ("CSTA_A", 10), ("CSTA_B", 5)];

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn non_normal() -> impl Iterator<Item = SystemStatus> {
    SystemStatus::ALL.into_iter().filter(|s| !s.is_normal())
}

fn logs(actions: &[Action], kind: &str) -> usize {
    actions
        .iter()
        .filter(|a| matches!(a, Action::Log(r) if r.kind() == kind))
        .count()
}

fn history_logs(h: &Harness, kind: &str) -> usize {
    h.history
        .iter()
        .filter(|(_, a)| matches!(a, Action::Log(r) if r.kind() == kind))
        .count()
}

// ---------- R5: the default first-status policy waits for normal ----------

// R5, R7: the higher link stays in the queue through any non-normal first status
#[test]
fn a_non_normal_first_status_keeps_the_link_waiting_for_normal() {
    for status in non_normal() {
        let mut h = Harness::started(AB, Role::Standalone);
        h.bring_up("CSTA_B");
        h.establish("CSTA_A");
        let a = h.conn("CSTA_A");
        let actions = h.status("CSTA_A", status);
        assert_eq!(
            actions,
            [Action::Log(LogRecord::LinkNotYetOperational {
                link: a.link,
                status
            })],
            "{status}"
        );
        assert_eq!(h.state("CSTA_A"), LinkState::AwaitingStatus, "{status}");
        assert_eq!(h.active(), None, "{status}: B waits for the higher link");
        h.status("CSTA_A", SystemStatus::Normal);
        assert_eq!(h.active().as_deref(), Some("CSTA_A"), "{status}");
    }
}

// R5, R7: initializing at 10 ms, normal at 510 ms, still wins over B's normal at 20 ms
#[test]
fn initializing_then_normal_within_connect_tout_still_wins_over_an_operational_lower_link() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.establish("CSTA_A");
    h.advance(ms(10));
    h.status("CSTA_A", SystemStatus::Initializing);
    h.advance(ms(10));
    h.bring_up("CSTA_B");
    h.advance(ms(490));
    let actions = h.status("CSTA_A", SystemStatus::Normal);
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
    assert_eq!(h.closed(&actions), ["CSTA_B"]);
    assert_eq!(
        h.selected_logs(),
        ["STANDARD CTI link CSTA_A with priority 10 is selected"]
    );
}

// R5, R12: one link that starts initializing is selected when it turns normal
#[test]
fn a_single_link_that_starts_initializing_is_selected_without_a_reconnect_loop() {
    let mut h = Harness::new(Config::new([link_core::LinkConfig::new("CSTA_A")]));
    h.start();
    h.establish("CSTA_A");
    h.status("CSTA_A", SystemStatus::Initializing);
    h.advance(ms(1_500));
    h.status("CSTA_A", SystemStatus::Normal);
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
    assert_eq!(
        history_logs(&h, "procedure_started"),
        1,
        "no second procedure"
    );
    assert_eq!(
        h.history
            .iter()
            .filter(|(_, a)| matches!(a, Action::Open(_)))
            .count(),
        1
    );
}

// R5, R8: connect-tout bounds the wait
#[test]
fn connect_tout_closes_a_link_that_never_turns_normal() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.establish("CSTA_A");
    h.status("CSTA_A", SystemStatus::Initializing);
    h.bring_up("CSTA_B");
    let a = h.conn("CSTA_A");
    let actions = h.fire(Timer::ConnectTimeout);
    assert_eq!(h.active().as_deref(), Some("CSTA_B"));
    assert!(actions.contains(&Action::Close {
        conn: a,
        reason: CloseReason::NotSelected
    }));
}

// ---------- R15: a status on a validated link ----------

fn active_on_a(role: Role, policy: StatusPolicy) -> Harness {
    let mut h = Harness::new(config(AB, role).with_status_policy(policy));
    h.start();
    h.bring_up("CSTA_A");
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
    h
}

// R15, R10: the default failures on the active link
#[test]
fn disabled_and_initializing_on_the_active_link_are_link_failures() {
    for status in [SystemStatus::Disabled, SystemStatus::Initializing] {
        for role in [Role::Standalone, Role::Primary] {
            let mut h = active_on_a(role, StatusPolicy::default());
            let a = h.conn("CSTA_A");
            let actions = h.status("CSTA_A", status);
            assert!(actions.contains(&Action::Close {
                conn: a,
                reason: CloseReason::StatusFailure
            }));
            assert!(actions.contains(&Action::Log(LogRecord::ActiveLinkLost {
                link: a.link,
                cause: LossCause::Status(status)
            })));
            assert_eq!(
                h.client_events().last().unwrap(),
                "EventLinkDisconnected CSTA_A"
            );
            assert_eq!(h.core.phase(), Phase::Restarting, "{status} {role}");
            let reports = h.failure_reports().len();
            assert_eq!(reports, usize::from(role.is_ha()), "{status} {role}");
            assert_eq!(
                h.core.deadline(Timer::RestartDelay),
                Some(h.now + Duration::from_secs(10))
            );
        }
    }
}

// R15: every other value is a warning; normal after it is logged as recovered
#[test]
fn every_other_status_on_the_active_link_is_a_warning_and_normal_recovers() {
    let warnings: Vec<_> = non_normal()
        .filter(|s| !matches!(s, SystemStatus::Disabled | SystemStatus::Initializing))
        .collect();
    assert_eq!(warnings.len(), 6);
    for status in warnings {
        let mut h = active_on_a(Role::Standalone, StatusPolicy::default());
        let a = h.conn("CSTA_A").link;
        let actions = h.status("CSTA_A", status);
        assert!(actions.contains(&Action::Log(LogRecord::StatusWarning { link: a, status })));
        assert!(!has_disconnected(&actions));
        assert_eq!(h.active().as_deref(), Some("CSTA_A"), "{status}");
        let actions = h.status("CSTA_A", SystemStatus::Normal);
        assert!(actions.contains(&Action::Log(LogRecord::StatusRecovered { link: a })));
        let actions = h.status("CSTA_A", SystemStatus::Normal);
        assert_eq!(logs(&actions, "status_recovered"), 0, "recovered once");
    }
}

// R15: the policy is the runtime's to set
#[test]
fn a_runtime_can_make_any_value_a_failure_or_a_warning() {
    let policy = StatusPolicy::default()
        .with(SystemStatus::OverloadReached, StatusVerdict::Failure)
        .with(SystemStatus::Disabled, StatusVerdict::Warning);
    let mut h = active_on_a(Role::Standalone, policy);
    h.status("CSTA_A", SystemStatus::Disabled);
    assert_eq!(
        h.active().as_deref(),
        Some("CSTA_A"),
        "disabled is a warning now"
    );
    let actions = h.status("CSTA_A", SystemStatus::OverloadReached);
    assert!(
        has_disconnected(&actions),
        "overloadReached is a failure now"
    );
    let mut h = active_on_a(Role::Standalone, StatusPolicy::ALL_WARNINGS);
    for status in non_normal() {
        h.status("CSTA_A", status);
    }
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
}

// R15: normal validates and recovers; it cannot be a failure
#[test]
fn a_policy_that_makes_normal_a_failure_is_refused() {
    let policy = StatusPolicy::default().with(SystemStatus::Normal, StatusVerdict::Failure);
    let refused = Config::new([link_core::LinkConfig::new("A")]).with_status_policy(policy);
    assert_eq!(refused.validate(), Err(ConfigError::NormalStatusIsFailure));
}

// R15 (decision): a failure on an operational candidate makes it wait for normal again
#[test]
fn a_failure_status_on_an_operational_candidate_makes_it_wait_again() {
    let mut h = Harness::started(HAB, Role::Standalone);
    h.bring_up("CSTA_A"); // H still connecting: A waits as a candidate
    let a = h.conn("CSTA_A");
    let actions = h.status("CSTA_A", SystemStatus::Disabled);
    assert_eq!(
        actions[0],
        Action::Log(LogRecord::CandidateWithdrawn {
            link: a.link,
            status: SystemStatus::Disabled
        })
    );
    assert_eq!(h.state("CSTA_A"), LinkState::AwaitingStatus);
    assert_eq!(h.core.connection(a.link), Some(a), "still open");
    h.refuse("CSTA_H");
    assert_eq!(h.active(), None, "A waits again, B is closed or waiting");
    h.status("CSTA_A", SystemStatus::Normal);
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
}

// R15 (turn 3): a withdrawn candidate waits again exactly as after a first status that
// was not normal (R5): an operational link of the same or higher priority does not close
// it, since that link may drop out before connect-tout. The reproducer of the fidelity
// issue: H never answers; C, then B, operational; C disabled, then normal again; B
// drops. C is the best operational at expiry, in one procedure (it used to be closed at
// once, and B selected a whole procedure later).
#[test]
fn a_withdrawn_candidate_stays_and_wins_when_the_better_link_drops_out() {
    const HBC: &[(&str, i32)] = &[("CSTA_H", 10), ("CSTA_B", 4), ("CSTA_C", 1)];
    let mut h = Harness::started(HBC, Role::Standalone);
    h.accept("CSTA_H"); // associating, never answered
    h.bring_up("CSTA_C");
    h.bring_up("CSTA_B");
    let actions = h.status("CSTA_C", SystemStatus::Disabled);
    assert!(h.closed(&actions).is_empty(), "nothing closed: {actions:?}");
    assert_eq!(h.state("CSTA_C"), LinkState::AwaitingStatus);
    h.status("CSTA_C", SystemStatus::Normal);
    assert_eq!(h.state("CSTA_C"), LinkState::Operational);
    h.peer_close("CSTA_B");
    assert_eq!(h.active(), None, "H still waits (R7)");
    h.fire(Timer::ConnectTimeout);
    assert_eq!(
        h.active().as_deref(),
        Some("CSTA_C"),
        "R8: the best operational"
    );
    assert_eq!(h.selected_logs().len(), 1, "one procedure, one selection");
}

// R15, R6: a withdrawn candidate is closed when another link becomes operational after
// it at the same or a higher priority, as any waiting link is
#[test]
fn a_withdrawn_candidate_is_closed_by_a_later_operational_link() {
    let mut h = Harness::started(HAB, Role::Standalone);
    h.bring_up("CSTA_B");
    h.status("CSTA_B", SystemStatus::Initializing); // withdrawn, waits
    let b = h.conn("CSTA_B");
    let actions = h.bring_up("CSTA_A");
    assert!(actions.contains(&Action::Close {
        conn: b,
        reason: CloseReason::Superseded
    }));
    assert_eq!(h.state("CSTA_A"), LinkState::Operational);
}

// R15 with FirstStatusPolicy::Close: a withdrawn candidate is closed
#[test]
fn under_the_close_policy_a_withdrawn_candidate_is_closed() {
    let mut h =
        Harness::new(config(HAB, Role::Standalone).with_first_status(FirstStatusPolicy::Close));
    h.start();
    h.bring_up("CSTA_A");
    let a = h.conn("CSTA_A");
    let actions = h.status("CSTA_A", SystemStatus::Disabled);
    assert!(actions.contains(&Action::Close {
        conn: a,
        reason: CloseReason::StatusFailure
    }));
}

// R15: a warning on a candidate is logged; it stays a candidate
#[test]
fn a_warning_status_on_an_operational_candidate_is_logged_and_it_stays() {
    let mut h = Harness::started(HAB, Role::Standalone);
    h.bring_up("CSTA_A");
    let actions = h.status("CSTA_A", SystemStatus::OverloadImminent);
    assert_eq!(logs(&actions, "status_warning"), 1);
    assert_eq!(h.state("CSTA_A"), LinkState::Operational);
    h.refuse("CSTA_H");
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
}

// ---------- R14: the counters accumulate; kpl-loss-rate decrements them ----------

fn keepalive(tolerance: u8, rate: KeepaliveLossRate) -> Harness {
    let config = config(AB, Role::Standalone)
        .with_keepalive(Duration::from_secs(10), tolerance)
        .with_keepalive_loss_rate(rate);
    let mut h = Harness::new(config);
    h.start();
    h.bring_up("CSTA_A");
    h
}

/// Lets the outstanding request go unanswered: time moves to the next keep-alive firing.
fn miss(h: &mut Harness) -> Vec<Action> {
    h.fire(Timer::KeepAlive)
}

/// Sends the next request (when none is outstanding) and answers it 1 ms later.
fn answered(h: &mut Harness) {
    let actions = h.fire(Timer::KeepAlive);
    assert!(actions
        .iter()
        .any(|a| matches!(a, Action::SendKeepAlive(_))));
    h.advance(ms(1));
    let a = h.conn("CSTA_A");
    h.step(Event::KeepAliveAnswered(a));
}

// R14: a single answer no longer clears the failures
#[test]
fn a_positive_answer_takes_one_off_the_failure_counter_every_f_answers() {
    let mut h = keepalive(3, KeepaliveLossRate::single(2));
    h.fire(Timer::KeepAlive); // first request
    miss(&mut h);
    miss(&mut h);
    assert_eq!(h.core.keepalive_failures(), 2);
    h.advance(ms(1));
    let a = h.conn("CSTA_A");
    h.step(Event::KeepAliveAnswered(a));
    assert_eq!(h.core.keepalive_failures(), 2, "one answer of two");
    answered(&mut h);
    assert_eq!(
        h.core.keepalive_failures(),
        1,
        "the second answer decrements"
    );
    assert_eq!(
        h.core.keepalive_warnings(),
        None,
        "a single value keeps no warning counter"
    );
}

// R14: a request is outstanding from when it goes out until it is answered; a miss
// sends the next one, still outstanding; a lost link has none
#[test]
fn a_request_is_outstanding_until_answered_and_a_miss_keeps_one_outstanding() {
    let mut h = keepalive(2, KeepaliveLossRate::single(2));
    assert!(!h.core.keepalive_outstanding(), "none sent yet");
    h.fire(Timer::KeepAlive);
    assert!(h.core.keepalive_outstanding(), "the first request");
    let a = h.conn("CSTA_A");
    h.advance(ms(1));
    h.step(Event::MessageReceived(a));
    assert!(h.core.keepalive_outstanding(), "traffic answers no request");
    h.step(Event::KeepAliveAnswered(a));
    assert!(!h.core.keepalive_outstanding(), "answered");
    h.fire(Timer::KeepAlive);
    miss(&mut h);
    assert!(h.core.keepalive_outstanding(), "the miss sent the next one");
    miss(&mut h);
    assert_eq!(
        h.core.active_link(),
        None,
        "the tolerance of 2 lost the link"
    );
    assert!(
        !h.core.keepalive_outstanding(),
        "no active link, nothing outstanding"
    );
}

// R14: the default "10, 100" needs ten answers per failure
#[test]
fn the_default_loss_rate_takes_ten_answers_per_failure() {
    let mut h = keepalive(3, KeepaliveLossRate::default());
    h.fire(Timer::KeepAlive);
    miss(&mut h);
    h.advance(ms(1));
    let a = h.conn("CSTA_A");
    h.step(Event::KeepAliveAnswered(a));
    for _ in 0..8 {
        answered(&mut h);
    }
    assert_eq!(h.core.keepalive_failures(), 1, "nine answers");
    answered(&mut h);
    assert_eq!(h.core.keepalive_failures(), 0, "the tenth");
    assert_eq!(
        h.core.keepalive_warnings(),
        Some(1),
        "a hundred for the warning counter"
    );
}

// R14: failures accumulate across answers until the tolerance loses the link
#[test]
fn failures_spread_between_answers_still_lose_the_link() {
    let mut h = keepalive(2, KeepaliveLossRate::single(0));
    h.fire(Timer::KeepAlive);
    miss(&mut h);
    h.advance(ms(1));
    let a = h.conn("CSTA_A");
    h.step(Event::KeepAliveAnswered(a));
    for _ in 0..5 {
        answered(&mut h);
    }
    assert_eq!(
        h.core.keepalive_failures(),
        1,
        "a rate of 0 never decrements"
    );
    h.fire(Timer::KeepAlive);
    let actions = miss(&mut h);
    assert!(actions.contains(&Action::Close {
        conn: a,
        reason: CloseReason::KeepAliveLost
    }));
}

// R14: the warning counter at the tolerance logs unstable, once until it falls below
#[test]
fn the_warning_counter_logs_the_link_unstable_once_until_it_falls_below() {
    let mut h = keepalive(2, KeepaliveLossRate::pair(2, 1));
    assert_eq!(
        h.core.config().keepalive_loss_rate.failure_every(),
        1,
        "the lower value"
    );
    let a = h.conn("CSTA_A");
    h.fire(Timer::KeepAlive);
    miss(&mut h); // failures 1, warnings 1
    h.advance(ms(1));
    h.step(Event::KeepAliveAnswered(a)); // failures 0, warnings 1 (one of two)
    h.fire(Timer::KeepAlive);
    let actions = miss(&mut h); // failures 1, warnings 2: unstable
    assert!(actions.contains(&Action::Log(LogRecord::LinkUnstable {
        link: a.link,
        warnings: 2
    })));
    h.advance(ms(1));
    h.step(Event::KeepAliveAnswered(a)); // failures 0, warnings 1: below again
    assert_eq!(h.core.keepalive_warnings(), Some(1));
    h.fire(Timer::KeepAlive);
    miss(&mut h); // warnings 2 again: a second warning
    assert_eq!(history_logs(&h, "link_unstable"), 2);
    let actions = miss(&mut h); // failures 2: lost, no third warning
    assert!(has_disconnected(&actions));
    assert_eq!(history_logs(&h, "link_unstable"), 2);
}

// R14: other traffic postpones a request but answers none
#[test]
fn other_traffic_postpones_the_next_request_but_answers_none() {
    let mut h = keepalive(3, KeepaliveLossRate::default());
    let a = h.conn("CSTA_A");
    h.advance(ms(5_000));
    h.step(Event::MessageReceived(a));
    assert_eq!(
        h.core.deadline(Timer::KeepAlive),
        Some(Instant::from_secs(15))
    );
    h.fire(Timer::KeepAlive); // request at 15 s
    h.advance(ms(2_000));
    h.step(Event::MessageReceived(a));
    assert_eq!(
        h.core.deadline(Timer::KeepAlive),
        Some(Instant::from_secs(25)),
        "the outstanding request keeps its deadline"
    );
    miss(&mut h);
    assert_eq!(h.core.keepalive_failures(), 1);
}

// R14: with tolerance 0 one failure is enough and the loss rate does nothing
#[test]
fn tolerance_zero_ignores_the_loss_rate() {
    let mut h = keepalive(0, KeepaliveLossRate::pair(1, 1));
    for _ in 0..5 {
        answered(&mut h); // answers first: nothing to bank against the miss
    }
    h.fire(Timer::KeepAlive);
    let actions = miss(&mut h);
    assert!(has_disconnected(&actions));
    assert_eq!(logs(&actions, "link_unstable"), 0);
}

// R14: the option's two forms, with typed errors for the rest
#[test]
fn loss_rate_text_is_read_in_both_forms_with_typed_errors() {
    assert_eq!(
        KeepaliveLossRate::parse("10, 100"),
        Ok(KeepaliveLossRate::pair(10, 100))
    );
    assert_eq!(
        KeepaliveLossRate::parse(" 100 ,10 "),
        Ok(KeepaliveLossRate::pair(10, 100))
    );
    assert_eq!(
        KeepaliveLossRate::parse("7"),
        Ok(KeepaliveLossRate::single(7))
    );
    assert_eq!(
        KeepaliveLossRate::parse("10, 100").unwrap().to_string(),
        "10, 100"
    );
    assert_eq!(
        KeepaliveLossRate::parse(""),
        Err(LossRateError::MissingValue)
    );
    assert_eq!(
        KeepaliveLossRate::parse("10,"),
        Err(LossRateError::MissingValue)
    );
    assert_eq!(
        KeepaliveLossRate::parse("-1"),
        Err(LossRateError::NotANumber)
    );
    assert_eq!(
        KeepaliveLossRate::parse("ten"),
        Err(LossRateError::NotANumber)
    );
    assert_eq!(
        KeepaliveLossRate::parse("1,2,3"),
        Err(LossRateError::TooManyValues)
    );
    assert_eq!(
        KeepaliveLossRate::parse("4294967296"),
        Err(LossRateError::TooLarge)
    );
}

// ---------- R16: timing options changed at run time ----------

// R16: connect-tout at the next procedure
#[test]
fn a_connect_tout_change_applies_at_the_next_procedure() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.advance(ms(500));
    let actions = h.step(Event::OptionChanged(OptionChange::ConnectTimeout(
        Duration::from_secs(5),
    )));
    assert_eq!(logs(&actions, "option_changed"), 1);
    assert_eq!(
        h.core.deadline(Timer::ConnectTimeout),
        Some(Instant::from_secs(2)),
        "this procedure keeps 2 s"
    );
    h.fire(Timer::ConnectTimeout);
    assert_eq!(
        h.core.deadline(Timer::ConnectTimeout),
        Some(Instant::from_secs(7)),
        "the next procedure, started at 2 s, uses 5 s"
    );
}

// R16: kpl-interval at once, including off and on again
#[test]
fn a_kpl_interval_change_applies_at_once() {
    let mut h = keepalive(3, KeepaliveLossRate::default());
    h.advance(ms(4_000));
    h.step(Event::OptionChanged(OptionChange::KeepaliveInterval(
        Duration::from_secs(3),
    )));
    assert_eq!(
        h.core.deadline(Timer::KeepAlive),
        Some(Instant::from_secs(7))
    );
    let actions = h.step(Event::OptionChanged(OptionChange::KeepaliveInterval(
        Duration::ZERO,
    )));
    assert!(actions.contains(&Action::CancelTimer(Timer::KeepAlive)));
    h.advance(ms(1_000));
    h.step(Event::OptionChanged(OptionChange::KeepaliveInterval(
        Duration::from_secs(5),
    )));
    assert_eq!(
        h.core.deadline(Timer::KeepAlive),
        Some(Instant::from_secs(10))
    );
}

// R16: a tolerance lowered to the failure counter loses the link at once
#[test]
fn a_kpl_tolerance_lowered_to_the_failure_counter_loses_the_link_at_once() {
    let mut h = keepalive(3, KeepaliveLossRate::default());
    h.fire(Timer::KeepAlive);
    miss(&mut h);
    miss(&mut h);
    assert_eq!(h.core.keepalive_failures(), 2);
    let actions = h.step(Event::OptionChanged(OptionChange::KeepaliveTolerance(2)));
    assert!(actions.contains(&Action::Log(LogRecord::ActiveLinkLost {
        link: h.id("CSTA_A"),
        cause: LossCause::KeepAliveLost
    })));
}

// R16, I9: a value out of range is refused and changes nothing
#[test]
fn an_option_value_out_of_range_is_refused_and_changes_nothing() {
    for change in [
        OptionChange::ConnectTimeout(Duration::ZERO),
        OptionChange::ConnectTimeout(Duration::from_secs(1_001)),
        OptionChange::KeepaliveInterval(Duration::from_secs(601)),
        OptionChange::KeepaliveTolerance(11),
    ] {
        let mut h = keepalive(3, KeepaliveLossRate::default());
        let before = h.core.config().clone();
        let (deadline, phase) = (h.core.next_deadline(), h.core.phase());
        let result = h.core.step(h.now, Event::OptionChanged(change));
        assert_eq!(result, Err(StepError::OptionOutOfRange(change)));
        assert_eq!(h.core.config(), &before);
        assert_eq!((h.core.next_deadline(), h.core.phase()), (deadline, phase));
    }
}

// ---------- a reading of the seed (docs/decisions.md) ----------
// (The other, activation closing operational lower links too, is rules.rs's
// `activation_closes_every_other_open_link_including_operational_ones`.)

// The seed says lower links close "when this link is established"; they close when it
// is operational.
#[test]
fn lower_links_close_when_a_link_becomes_operational_not_when_it_is_established() {
    let mut h = Harness::started(AB, Role::Standalone);
    h.establish("CSTA_B");
    let actions = {
        h.accept("CSTA_A");
        h.associate("CSTA_A")
    };
    assert!(h.closed(&actions).is_empty(), "established: nothing closes");
    assert_eq!(h.state("CSTA_B"), LinkState::AwaitingStatus);
    let b = h.conn("CSTA_B");
    let actions = h.status("CSTA_A", SystemStatus::Normal);
    assert!(actions.contains(&Action::Close {
        conn: b,
        reason: CloseReason::Superseded
    }));
}

// R15, R7 (decision): a candidate waiting again holds lower operational links back,
// like any higher link in the queue, until it turns normal or connect-tout expires
#[test]
fn a_withdrawn_candidate_holds_lower_operational_links_back_until_connect_tout() {
    const THREE: &[(&str, i32)] = &[("CSTA_X", 30), ("CSTA_Y", 20), ("CSTA_Z", 10)];
    let mut h = Harness::started(THREE, Role::Standalone);
    h.bring_up("CSTA_Z");
    h.bring_up("CSTA_Y"); // X still connecting: Y and Z operational, nothing active
    h.status("CSTA_Y", SystemStatus::Disabled);
    assert_eq!(h.state("CSTA_Y"), LinkState::AwaitingStatus);
    assert_eq!(h.state("CSTA_Z"), LinkState::Operational);
    h.refuse("CSTA_X");
    assert_eq!(h.active(), None, "Y waits again and holds Z back (R7)");
    h.fire(Timer::ConnectTimeout);
    assert_eq!(
        h.active().as_deref(),
        Some("CSTA_Z"),
        "R8: the best operational"
    );
}

// R15: a warning belongs to one candidacy; after a withdrawal nothing is "recovered"
#[test]
fn a_warning_before_a_withdrawal_is_not_recovered_after_it() {
    let mut h = Harness::started(HAB, Role::Standalone);
    h.bring_up("CSTA_A");
    h.status("CSTA_A", SystemStatus::OverloadImminent);
    h.status("CSTA_A", SystemStatus::Disabled); // withdrawn: waits for normal again
    h.status("CSTA_A", SystemStatus::Normal);
    h.refuse("CSTA_H");
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
    h.status("CSTA_A", SystemStatus::Normal);
    assert_eq!(history_logs(&h, "status_recovered"), 0);
}

// R14 (decision): answers count toward a decrement only while the counter is above 0
#[test]
fn answers_while_nothing_has_failed_bank_no_credit() {
    let mut h = keepalive(3, KeepaliveLossRate::single(3));
    for _ in 0..5 {
        answered(&mut h);
    }
    h.fire(Timer::KeepAlive);
    miss(&mut h);
    assert_eq!(h.core.keepalive_failures(), 1);
    h.advance(ms(1));
    let a = h.conn("CSTA_A");
    h.step(Event::KeepAliveAnswered(a));
    answered(&mut h);
    assert_eq!(
        h.core.keepalive_failures(),
        1,
        "two answers since the miss, of three"
    );
    answered(&mut h);
    assert_eq!(h.core.keepalive_failures(), 0, "the third");
}

// R16: an outstanding request gets the new interval; keep-alive off forgets it and the
// counters, and a late answer is then only traffic
#[test]
fn a_kpl_interval_change_with_a_request_outstanding() {
    let mut h = keepalive(3, KeepaliveLossRate::default());
    let a = h.conn("CSTA_A");
    h.fire(Timer::KeepAlive);
    miss(&mut h); // failures 1, the next request outstanding
    h.advance(ms(1_000));
    h.step(Event::OptionChanged(OptionChange::KeepaliveInterval(
        Duration::from_secs(4),
    )));
    assert_eq!(
        h.core.deadline(Timer::KeepAlive),
        Some(h.now + Duration::from_secs(4))
    );
    miss(&mut h);
    assert_eq!(
        h.core.keepalive_failures(),
        2,
        "the outstanding one missed the new interval"
    );
    h.step(Event::OptionChanged(OptionChange::KeepaliveInterval(
        Duration::ZERO,
    )));
    assert_eq!(h.core.keepalive_failures(), 0, "off: nothing counted");
    let actions = h.step(Event::KeepAliveAnswered(a));
    assert!(
        actions.is_empty(),
        "a late answer is traffic; nothing is armed"
    );
    h.step(Event::OptionChanged(OptionChange::KeepaliveInterval(
        Duration::from_secs(2),
    )));
    h.fire(Timer::KeepAlive);
    miss(&mut h);
    assert_eq!(h.core.keepalive_failures(), 1, "on again: counting from 0");
}

// R14: "once, until it falls below again": an answer that leaves the warning counter
// at the tolerance does not re-arm the warning
#[test]
fn the_unstable_warning_is_not_repeated_while_the_counter_stays_at_the_tolerance() {
    let mut h = keepalive(2, KeepaliveLossRate::pair(1, 100));
    let a = h.conn("CSTA_A");
    h.fire(Timer::KeepAlive);
    miss(&mut h); // failures 1, warnings 1
    h.advance(ms(1));
    h.step(Event::KeepAliveAnswered(a)); // failures 0
    h.fire(Timer::KeepAlive);
    miss(&mut h); // failures 1, warnings 2: unstable
    h.advance(ms(1));
    h.step(Event::KeepAliveAnswered(a)); // failures 0, warnings still 2
    h.fire(Timer::KeepAlive);
    miss(&mut h); // warnings 3: still unstable, no second warning
    assert_eq!(h.core.keepalive_warnings(), Some(3));
    assert_eq!(history_logs(&h, "link_unstable"), 1);
}

// R14 (decision): the warning counter banks no credit either
#[test]
fn answers_while_the_warning_counter_is_zero_bank_no_credit() {
    let mut h = keepalive(3, KeepaliveLossRate::pair(1, 3));
    for _ in 0..5 {
        answered(&mut h);
    }
    h.fire(Timer::KeepAlive);
    miss(&mut h);
    assert_eq!(h.core.keepalive_warnings(), Some(1));
    h.advance(ms(1));
    let a = h.conn("CSTA_A");
    h.step(Event::KeepAliveAnswered(a));
    answered(&mut h);
    assert_eq!(h.core.keepalive_warnings(), Some(1), "two answers of three");
    answered(&mut h);
    assert_eq!(h.core.keepalive_warnings(), Some(0), "the third");
}

// R14: a rate of 0 never takes anything off, on either counter
#[test]
fn a_loss_rate_of_zero_decrements_neither_counter() {
    let mut h = keepalive(3, KeepaliveLossRate::pair(0, 0));
    h.fire(Timer::KeepAlive);
    miss(&mut h);
    h.advance(ms(1));
    let a = h.conn("CSTA_A");
    h.step(Event::KeepAliveAnswered(a));
    for _ in 0..4 {
        answered(&mut h);
    }
    assert_eq!(h.core.keepalive_failures(), 1);
    assert_eq!(h.core.keepalive_warnings(), Some(1));
}

// ---------- R14, turn 3: negative answers and the settled readings ----------

/// Sends the next request and answers it with an error 1 ms later.
fn rejected(h: &mut Harness) -> Vec<Action> {
    h.fire(Timer::KeepAlive);
    h.advance(ms(1));
    let a = h.conn("CSTA_A");
    h.step(Event::KeepAliveRejected(a))
}

// R14: a keep-alive answered with an error is one failure at once (it used to count only
// at the request's timeout, logged "unanswered" although an answer came)
#[test]
fn a_keep_alive_answered_with_an_error_is_one_failure_at_once() {
    let mut h = keepalive(3, KeepaliveLossRate::pair(10, 100));
    for n in 1..=2u8 {
        let actions = rejected(&mut h);
        assert!(actions.iter().any(|a| matches!(a,
            Action::Log(LogRecord::KeepAliveRejected { failures, .. }) if *failures == n)));
        assert_eq!(h.core.keepalive_failures(), n);
        assert!(
            !h.core.keepalive_outstanding(),
            "the error answered the request"
        );
    }
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
    let actions = rejected(&mut h);
    assert!(
        has_disconnected(&actions),
        "the third failure reaches kpl-tolerance"
    );
    assert_eq!(h.active(), None);
    assert_eq!(
        history_logs(&h, "keep_alive_missed"),
        0,
        "no miss was counted"
    );
}

// R14: at kpl-tolerance 0 one error loses the link, the moment it arrives
#[test]
fn at_tolerance_0_an_error_answer_loses_the_link_at_once() {
    let mut h = keepalive(0, KeepaliveLossRate::pair(10, 100));
    let actions = rejected(&mut h);
    assert!(has_disconnected(&actions));
    assert_eq!(
        history_logs(&h, "link_unstable"),
        0,
        "no unstable state at tolerance 0"
    );
}

// R14: an error with no request outstanding answers nothing: traffic, no failure
#[test]
fn an_error_without_a_request_outstanding_is_no_failure() {
    let mut h = keepalive(1, KeepaliveLossRate::single(10));
    let a = h.conn("CSTA_A");
    h.step(Event::KeepAliveRejected(a));
    assert_eq!(h.core.keepalive_failures(), 0);
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
}

// R14: a single value keeps no warning counter, and a second value given at run time
// starts it at zero (the counter used to be counted all along, so the change could log
// "unstable" at once)
#[test]
fn a_second_loss_rate_value_starts_the_warning_counter_at_zero() {
    let mut h = keepalive(3, KeepaliveLossRate::single(1));
    miss(&mut h); // request out
    miss(&mut h); // 1 failure
    miss(&mut h); // 2 failures
    assert_eq!(h.core.keepalive_failures(), 2);
    assert_eq!(h.core.keepalive_warnings(), None);
    let actions = h.step(Event::OptionChanged(OptionChange::KeepaliveLossRate(
        KeepaliveLossRate::pair(1, 100),
    )));
    assert_eq!(h.core.keepalive_warnings(), Some(0));
    assert!(!actions
        .iter()
        .any(|a| matches!(a, Action::Log(LogRecord::LinkUnstable { .. }))));
}

// R14: at tolerance 0 there is no unstable state, even when a change brings the
// tolerance down while the warning counter is above it
#[test]
fn a_change_to_tolerance_0_never_logs_unstable() {
    let mut h = keepalive(3, KeepaliveLossRate::pair(1, 100));
    miss(&mut h);
    miss(&mut h); // 1 failure, 1 warning; a request is out
    let a = h.conn("CSTA_A");
    h.step(Event::KeepAliveAnswered(a)); // the failure is taken off (rate 1); not the warning
    assert_eq!(h.core.keepalive_failures(), 0);
    assert_eq!(h.core.keepalive_warnings(), Some(1));
    let actions = h.step(Event::OptionChanged(OptionChange::KeepaliveTolerance(0)));
    assert!(!actions
        .iter()
        .any(|a| matches!(a, Action::Log(LogRecord::LinkUnstable { .. }))));
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
}

// ---------- R16, turn 3: several options changed together are one change ----------

/// An active link with 1 failure and 2 warnings (tolerance 3, kpl-loss-rate "1, 100").
fn one_failure_two_warnings() -> Harness {
    let mut h = keepalive(3, KeepaliveLossRate::pair(1, 100));
    miss(&mut h); // request out
    miss(&mut h); // f1 w1
    let a = h.conn("CSTA_A");
    h.step(Event::KeepAliveAnswered(a)); // f0 w1
    miss(&mut h); // request out
    miss(&mut h); // f1 w2
    assert_eq!(h.core.keepalive_failures(), 1);
    assert_eq!(h.core.keepalive_warnings(), Some(2));
    h
}

// R16: tolerance 2 and a single-value rate in one reload: the whole change keeps no
// warning counter, so nothing is unstable; applied one after the other, the new
// tolerance with the old rate would log the link unstable (the half-applied state the
// scenario format's multi-option fault used to produce)
#[test]
fn options_changed_together_are_judged_once_as_a_whole() {
    let whole = OptionChanges::default()
        .with(OptionChange::KeepaliveTolerance(2))
        .with(OptionChange::KeepaliveLossRate(KeepaliveLossRate::single(
            1,
        )));
    let mut h = one_failure_two_warnings();
    let actions = h.step(Event::OptionsChanged(whole));
    let unstable = |actions: &[Action]| {
        actions
            .iter()
            .any(|a| matches!(a, Action::Log(LogRecord::LinkUnstable { .. })))
    };
    assert!(!unstable(&actions), "{actions:?}");
    let logged = actions
        .iter()
        .filter(|a| matches!(a, Action::Log(LogRecord::OptionChanged { .. })))
        .count();
    assert_eq!(logged, 2, "each option is logged");
    assert_eq!(h.active().as_deref(), Some("CSTA_A"));
    let mut h = one_failure_two_warnings();
    let first = h.step(Event::OptionChanged(OptionChange::KeepaliveTolerance(2)));
    assert!(unstable(&first), "one at a time, the half state is judged");
}

// R16: a value out of range refuses the whole change, and nothing of it applies
#[test]
fn one_bad_value_refuses_the_whole_change() {
    let mut h = keepalive(3, KeepaliveLossRate::pair(10, 100));
    let bad = OptionChanges::default()
        .with(OptionChange::KeepaliveTolerance(1))
        .with(OptionChange::KeepaliveInterval(Duration::from_secs(601)));
    let before = h.core.config().clone();
    let refused = h.core.step(h.now, Event::OptionsChanged(bad));
    assert!(
        matches!(refused, Err(StepError::OptionOutOfRange(_))),
        "{refused:?}"
    );
    assert_eq!(h.core.config(), &before);
}

// The coverage marks count the decisions taken, not the chances to take them: answers
// that take nothing off (counters at 0) count no decrement, and one option changed
// alone is not "several at once". (Mutation testing found these counts unchecked.)
#[test]
fn keepalive_marks_count_only_the_decisions_taken() {
    use link_core::Mark;
    if common::marks_skipped() {
        return;
    }
    let mut h = keepalive(3, KeepaliveLossRate::pair(1, 1));
    answered(&mut h);
    answered(&mut h);
    let marks = h.core.marks();
    assert_eq!(marks.get(Mark::FailureTakenOff), 0, "nothing to take off");
    assert_eq!(marks.get(Mark::WarningTakenOff), 0, "nothing to take off");
    h.fire(Timer::KeepAlive);
    miss(&mut h);
    h.advance(ms(1));
    let a = h.conn("CSTA_A");
    h.step(Event::KeepAliveAnswered(a));
    let marks = h.core.marks();
    assert_eq!(marks.get(Mark::FailureTakenOff), 1);
    assert_eq!(marks.get(Mark::WarningTakenOff), 1);
    let one = OptionChange::KeepaliveTolerance(3);
    h.step(Event::OptionChanged(one));
    assert_eq!(h.core.marks().get(Mark::SeveralOptions), 0, "one option");
    let two = OptionChanges::default()
        .with(one)
        .with(OptionChange::ConnectTimeout(Duration::from_secs(2)));
    h.step(Event::OptionsChanged(two));
    assert_eq!(h.core.marks().get(Mark::SeveralOptions), 1);
    assert_eq!(h.core.marks().get(Mark::OptionsWhileActive), 2);
}

// `take_marks` hands over the counts so far and starts again at zero (link-check keeps
// many copies of a core and counts each transition once).
#[test]
fn taking_the_marks_hands_them_over_and_starts_again() {
    use link_core::MarkCounts;
    if common::marks_skipped() {
        return;
    }
    let mut h = keepalive(3, KeepaliveLossRate::pair(1, 1));
    answered(&mut h);
    let before = h.core.marks();
    assert_ne!(
        before,
        MarkCounts::default(),
        "a procedure and answers were marked"
    );
    assert_eq!(h.core.take_marks(), before);
    assert_eq!(h.core.marks(), MarkCounts::default());
    h.fire(Timer::KeepAlive);
    miss(&mut h);
    assert_ne!(
        h.core.take_marks(),
        MarkCounts::default(),
        "counting goes on"
    );
}
