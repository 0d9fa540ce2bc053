//! The names the core puts into logs and traces (ECMA-269 status names, roles, timers,
//! states, close reasons) and the configuration's size bound. Operators grep for these
//! words; a changed name is a changed interface.

use link_core::{
    ClientEvent, CloseReason, Config, ConfigError, ConnId, Event, Instant, LinkConfig, LinkCore,
    LinkId, LinkState, LogRecord, Role, SystemStatus, Timer, MAX_LINKS,
};

#[test]
fn system_status_names_are_the_ecma_269_ones() {
    let names: Vec<String> = SystemStatus::ALL.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        names,
        [
            "initializing",
            "enabled",
            "normal",
            "messagesLost",
            "disabled",
            "overloadImminent",
            "overloadReached",
            "overloadRelieved",
            "partiallyDisabled"
        ]
    );
}

#[test]
fn roles_timers_states_and_reasons_have_stable_names() {
    let roles: Vec<String> = [Role::Standalone, Role::Primary, Role::Backup]
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert_eq!(roles, ["standalone", "primary", "backup"]);
    let timers: Vec<String> = Timer::ALL.iter().map(|t| t.to_string()).collect();
    assert_eq!(timers, ["connect-tout", "link-restart", "keep-alive"]);
    let states = [
        LinkState::Closed,
        LinkState::Connecting,
        LinkState::Associating,
        LinkState::AwaitingStatus,
        LinkState::Operational,
        LinkState::Active,
    ];
    let names: Vec<String> = states.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        names,
        [
            "closed",
            "connecting",
            "associating",
            "awaiting-status",
            "operational",
            "active"
        ]
    );
    assert_eq!(CloseReason::Superseded.as_str(), "superseded");
    assert_eq!(
        CloseReason::BackupRestriction.as_str(),
        "backup keeps only the highest priority"
    );
    let conn = ConnId {
        link: LinkId::new(3),
        generation: 7,
    };
    assert_eq!(conn.to_string(), "link#3/7");
    assert_eq!(
        ClientEvent::LinkConnected {
            link: LinkId::new(0)
        }
        .name(),
        "EventLinkConnected"
    );
}

#[test]
fn log_records_name_their_link() {
    let link = LinkId::new(2);
    assert_eq!(
        LogRecord::LinkSelected { link, priority: 1 }.link(),
        Some(link)
    );
    assert_eq!(
        LogRecord::KeepAliveMissed { link, failures: 1 }.link(),
        Some(link)
    );
    assert_eq!(LogRecord::NoOperationalLink.link(), None);
}

#[test]
fn the_core_reports_its_current_role() {
    let mut core =
        LinkCore::new(Config::new([LinkConfig::new("A")]).with_role(Role::Primary)).unwrap();
    assert_eq!(core.role(), Role::Primary);
    core.step(Instant::ZERO, Event::RoleChanged(Role::Backup))
        .unwrap();
    assert_eq!(core.role(), Role::Backup);
}

#[test]
fn the_link_count_bound_is_inclusive() {
    let links = |n: usize| Config::new((0..n).map(|i| LinkConfig::new(format!("L{i}"))));
    assert!(links(MAX_LINKS).validate().is_ok());
    assert_eq!(
        links(MAX_LINKS + 1).validate(),
        Err(ConfigError::TooManyLinks {
            count: MAX_LINKS + 1
        })
    );
}

#[test]
fn duplicates_are_reported_by_their_earliest_second_occurrence() {
    let config = Config::new(["B", "A", "C", "A", "B"].map(LinkConfig::new));
    assert_eq!(
        config.validate(),
        Err(ConfigError::DuplicateLinkName {
            name: "A".into(),
            first: 1,
            second: 3
        })
    );
}

#[test]
fn planted_bug_names_round_trip() {
    for bug in link_core::PlantedBug::ALL {
        assert_eq!(link_core::PlantedBug::from_name(bug.name()), Some(bug));
        assert_eq!(bug.to_string(), bug.name());
    }
    assert_eq!(
        link_core::PlantedBug::from_name("tie-won-by-last-normal"),
        Some(link_core::PlantedBug::TieWonByLastNormal)
    );
    assert_eq!(link_core::PlantedBug::from_name("no-such-bug"), None);
}

#[test]
fn instants_convert_exactly() {
    assert_eq!(Instant::from_millis(5).as_nanos(), 5_000_000);
    assert_eq!(Instant::from_secs(2).as_millis(), 2_000);
    assert_eq!(Instant::from_nanos(7).as_nanos(), 7);
}

/// The texts and kinds of the records R5, R14, R15 and R16 added: operators grep for
/// them and scenario expectations count them by kind.
#[test]
fn the_revised_rules_records_have_stable_texts_and_kinds() {
    use core::time::Duration;
    use link_core::{FirstStatusPolicy, KeepaliveLossRate, LossCause, OptionChange};
    let wait = Config::new([LinkConfig::new("CSTA_A")]);
    let close = wait.clone().with_first_status(FirstStatusPolicy::Close);
    let link = LinkId::new(0);
    let status = SystemStatus::Disabled;
    let cases: [(LogRecord, &Config, &str, &str); 11] = [
        (
            LogRecord::LinkNotYetOperational { link, status },
            &wait,
            "link_not_yet_operational",
            "CTI link CSTA_A is established but not operational (SystemStatus disabled); waiting for normal",
        ),
        (
            LogRecord::CandidateWithdrawn { link, status },
            &wait,
            "candidate_withdrawn",
            "CTI link CSTA_A reports SystemStatus disabled before it was selected; no longer a candidate, waiting for normal",
        ),
        (
            LogRecord::CandidateWithdrawn { link, status },
            &close,
            "candidate_withdrawn",
            "CTI link CSTA_A reports SystemStatus disabled before it was selected; no longer a candidate, closing it",
        ),
        (
            LogRecord::ActiveLinkLost { link, cause: LossCause::Status(status) },
            &wait,
            "active_link_lost",
            "active CTI link CSTA_A failed (SystemStatus disabled)",
        ),
        (
            LogRecord::ActiveLinkLost { link, cause: LossCause::KeepAliveLost },
            &wait,
            "active_link_lost",
            "active CTI link CSTA_A failed (keep-alive lost)",
        ),
        (
            LogRecord::KeepAliveRejected { link, failures: 2 },
            &wait,
            "keep_alive_rejected",
            "keep-alive on CTI link CSTA_A answered with an error (2 failure(s))",
        ),
        (
            LogRecord::LinkUnstable { link, warnings: 3 },
            &wait,
            "link_unstable",
            "CTI link CSTA_A is unstable: keep-alive warning counter 3 reached kpl-tolerance",
        ),
        (
            LogRecord::StatusWarning { link, status: SystemStatus::OverloadReached },
            &wait,
            "status_warning",
            "CTI link CSTA_A reports SystemStatus overloadReached (warning); it stays",
        ),
        (
            LogRecord::StatusRecovered { link },
            &wait,
            "status_recovered",
            "CTI link CSTA_A reports SystemStatus normal again (recovered)",
        ),
        (
            LogRecord::OptionChanged { change: OptionChange::ConnectTimeout(Duration::from_secs(5)) },
            &wait,
            "option_changed",
            "option connect-tout = 5s applies at the next connection procedure",
        ),
        (
            LogRecord::OptionChanged {
                change: OptionChange::KeepaliveLossRate(KeepaliveLossRate::pair(100, 10)),
            },
            &wait,
            "option_changed",
            "option kpl-loss-rate = \"10, 100\" applies now",
        ),
    ];
    for (record, config, kind, text) in cases {
        assert_eq!(record.kind(), kind, "{record:?}");
        assert_eq!(record.text(config).to_string(), text);
    }
    assert_eq!(LogRecord::KINDS.len(), 23);
    let mut unique = LogRecord::KINDS.to_vec();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 23, "kinds are unique");
    assert_eq!(LogRecord::Shutdown.kind(), "shutdown");
    assert_eq!(LogRecord::NoOperationalLink.kind(), "no_operational_link");
    assert_eq!(
        OptionChange::KeepaliveTolerance(2).to_string(),
        "kpl-tolerance = 2"
    );
    assert_eq!(
        OptionChange::KeepaliveInterval(Duration::from_millis(1500)).to_string(),
        "kpl-interval = 1.5s"
    );
    assert_eq!(CloseReason::StatusFailure.as_str(), "SystemStatus failure");
}

/// Names a scenario file and an options export use for the revised rules' settings.
#[test]
fn policy_and_status_names_round_trip_and_loss_rate_errors_say_what_is_allowed() {
    use link_core::{FirstStatusPolicy, KeepaliveLossRate, LossRateError};
    for status in SystemStatus::ALL {
        assert_eq!(SystemStatus::from_name(status.as_str()), Some(status));
    }
    assert_eq!(
        SystemStatus::from_name("Normal"),
        None,
        "names are case-sensitive"
    );
    assert_eq!(SystemStatus::from_name("down"), None);
    assert_eq!(FirstStatusPolicy::WaitForNormal.as_str(), "wait_for_normal");
    assert_eq!(FirstStatusPolicy::Close.as_str(), "close");
    assert_eq!(
        LossRateError::TooManyValues.to_string(),
        "more than two comma-separated values; kpl-loss-rate is one integer or two separated by a comma, e.g. \"10, 100\""
    );
    assert_eq!(KeepaliveLossRate::single(7).to_string(), "7");
}

/// Inputs and actions in words (`Event::text`, `Action::text`): what the simulator's
/// `--verbose`, the driver's transcript and the example print.
#[test]
fn inputs_and_actions_have_stable_words() {
    use link_core::{Action, OptionChange};
    let config = Config::new([LinkConfig::new("CSTA_A")]);
    let conn = ConnId {
        link: LinkId::new(0),
        generation: 1,
    };
    let events = [
        (Event::Start, "start"),
        (Event::TcpAccepted(conn), "CSTA_A: TCP accepted"),
        (Event::TcpRefused(conn), "CSTA_A: TCP refused"),
        (Event::TcpClosed(conn), "CSTA_A: connection closed"),
        (
            Event::AssociationAccepted(conn),
            "CSTA_A: association accepted",
        ),
        (
            Event::AssociationRejected(conn),
            "CSTA_A: association rejected",
        ),
        (
            Event::SystemStatus(conn, SystemStatus::Disabled),
            "CSTA_A: SystemStatus disabled",
        ),
        (
            Event::KeepAliveAnswered(conn),
            "CSTA_A: keep-alive answered",
        ),
        (Event::MessageReceived(conn), "CSTA_A: other message"),
        (
            Event::TimerExpired(Timer::KeepAlive),
            "timer keep-alive fired",
        ),
        (Event::RoleChanged(Role::Backup), "role set to backup"),
        (
            Event::Reconfigured {
                link: conn.link,
                priority: Some(4),
            },
            "CSTA_A: reconfigured to priority 4",
        ),
        (
            Event::OptionChanged(OptionChange::KeepaliveTolerance(2)),
            "option kpl-tolerance = 2",
        ),
        (Event::Shutdown, "shutdown"),
    ];
    for (event, words) in events {
        assert_eq!(event.text(&config).to_string(), words);
    }
    assert_eq!(
        Event::TcpAccepted(conn)
            .text(&config)
            .without_link()
            .to_string(),
        "TCP accepted"
    );
    let actions = [
        (Action::Open(conn), "CSTA_A: open TCP"),
        (
            Action::SendAssociationRequest(conn),
            "CSTA_A: send association request",
        ),
        (Action::SendKeepAlive(conn), "CSTA_A: send keep-alive"),
        (
            Action::Close {
                conn,
                reason: CloseReason::Superseded,
            },
            "CSTA_A: close (superseded)",
        ),
        (
            Action::ArmTimer {
                timer: Timer::ConnectTimeout,
                at: Instant::from_secs(2),
            },
            "arm connect-tout until 2.000s",
        ),
        (
            Action::CancelTimer(Timer::RestartDelay),
            "cancel link-restart",
        ),
        (
            Action::Log(LogRecord::LinkSelected {
                link: conn.link,
                priority: 3,
            }),
            "log 35115: STANDARD CTI link CSTA_A with priority 3 is selected",
        ),
        (
            Action::Log(LogRecord::Shutdown),
            "log: shutting down; all CTI links closed",
        ),
        (
            Action::NotifyClients(ClientEvent::LinkDisconnected { link: conn.link }),
            "CSTA_A: EventLinkDisconnected to all clients",
        ),
        (
            Action::ReportLinkFailure { link: conn.link },
            "CSTA_A: link failure reported to the Management Layer",
        ),
    ];
    for (action, words) in actions {
        assert_eq!(action.text(&config).to_string(), words);
    }
    assert_eq!(
        Action::Open(conn).text(&config).without_link().to_string(),
        "open TCP"
    );
}
