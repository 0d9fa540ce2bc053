//! The driver against stub connectors on 127.0.0.1, with real sockets and the real
//! clock, stubs in-process. Every test is bounded by a timeout and stops by itself;
//! timeouts are short (1 s is the smallest `connect-tout` and restart timeout the core
//! accepts). The test with connector processes is `processes.rs`.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{connected, disconnected, secs, selected_log, Harness};
use link_core::{
    Action, ClientEvent, CloseReason, Config, Event, FirstStatusPolicy, Instant, LinkConfig,
    LinkId, LogRecord, LossCause, Role, SystemStatus, Timer,
};
use link_tokio::{
    AssociationAnswer, Control, Driver, KeepAliveAnswer, Record, Stalled, Stub, StubScript, Target,
    WaitingFor,
};
use tokio::io::AsyncWriteExt;

fn in_process(
    script: StubScript,
    logs: &Arc<Mutex<Vec<String>>>,
) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let stub = Stub::bind("127.0.0.1:0".parse().unwrap(), script).expect("bind loopback");
    let addr = stub.local_addr();
    let logs = logs.clone();
    let task = tokio::spawn(async move {
        let log = Arc::new(move |line: &str| logs.lock().unwrap().push(line.to_owned()));
        stub.run(log).await.expect("the stub runs");
    });
    (addr, task)
}

/// A stub script that only names its connector (healthy, default timings).
fn named(name: &str) -> StubScript {
    StubScript {
        name: name.into(),
        ..StubScript::default()
    }
}

/// A driver for `config` started against the stubs at `addrs`, in link order.
fn drive(config: Config, addrs: &[SocketAddr]) -> Harness {
    let targets = addrs
        .iter()
        .map(|a| Target::new("127.0.0.1", a.port()))
        .collect();
    Harness::start(Driver::new(config, targets).unwrap())
}

fn fast(config: Config) -> Config {
    config
        .with_connect_timeout(Duration::from_secs(1))
        .with_restart_timeout(Duration::from_secs(1))
}

fn close_reason(records: &[Record], link: LinkId) -> Option<CloseReason> {
    records.iter().find_map(|r| match r {
        Record::Action {
            action: Action::Close { conn, reason },
            ..
        } if conn.link == link => Some(*reason),
        _ => None,
    })
}

/// Three stubs: A rejects the session, B reports `disabled` first, C is healthy (and the
/// lowest); the driver configured for them, with `first_status`.
fn rejecting_disabled_healthy(
    first_status: FirstStatusPolicy,
    logs: &Arc<Mutex<Vec<String>>>,
) -> Harness {
    let (reject, _) = in_process(
        StubScript {
            name: "A".into(),
            association: AssociationAnswer::Reject("invalidApplicationInfo".into()),
            ..StubScript::default()
        },
        logs,
    );
    let (disabled, _) = in_process(
        StubScript {
            name: "B".into(),
            statuses: vec![(Duration::from_millis(50), SystemStatus::Disabled)],
            ..StubScript::default()
        },
        logs,
    );
    let (healthy, _) = in_process(named("C"), logs);
    let config = fast(Config::new([
        LinkConfig::new("A").with_priority(3),
        LinkConfig::new("B").with_priority(2),
        LinkConfig::new("C").with_priority(1),
    ]))
    .with_first_status(first_status);
    drive(config, &[reject, disabled, healthy])
}

/// R4, R5 on the wire, the product's R5: a negative session response closes its link;
/// a first SystemStatus `disabled` leaves B established and waiting for `normal`, so
/// the healthy (and lowest) link is selected only at connect-tout, which closes B
/// saying what it never reported.
#[tokio::test]
async fn a_disabled_first_status_keeps_its_link_waiting_until_connect_tout() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let mut h = rejecting_disabled_healthy(FirstStatusPolicy::WaitForNormal, &logs);
    let (a, b, c) = (h.link("A"), h.link("B"), h.link("C"));
    h.until("C selected", Duration::from_secs(4), connected(c))
        .await;
    assert_eq!(
        close_reason(&h.seen, a),
        Some(CloseReason::AssociationRejected),
        "R4"
    );
    assert!(h.seen.iter().any(
        |r| matches!(r, Record::Wire { note, .. } if note.contains("invalidApplicationInfo"))
    ));
    assert!(
        h.seen.iter().any(|r| matches!(
            r,
            Record::Action { action: Action::Log(LogRecord::LinkNotYetOperational { link, status: SystemStatus::Disabled }), .. } if *link == b
        )),
        "R5: B waits\n{}",
        h.transcript()
    );
    assert!(
        h.seen.iter().any(|r| matches!(
            r,
            Record::Input {
                event: Event::TimerExpired(Timer::ConnectTimeout),
                ..
            }
        )),
        "C waited for B until connect-tout:\n{}",
        h.transcript()
    );
    // B's close comes in the step that selects C, after C's notification.
    let closed = h
        .until("B closed", Duration::from_secs(1), |r| {
            matches!(r, Record::Action { action: Action::Close { conn, .. }, .. } if conn.link == b)
        })
        .await;
    let Record::Action { stalled, .. } = closed else {
        unreachable!("matched an action")
    };
    assert_eq!(close_reason(&h.seen, b), Some(CloseReason::NotSelected));
    assert_eq!(
        stalled,
        Some(Stalled {
            waiting_for: WaitingFor::NormalStatus(SystemStatus::Disabled),
            at_connect_tout: true
        })
    );
    let line =
        "-> B: close (not selected: SystemStatus disabled but no normal within connect-tout)";
    assert!(
        h.transcript().contains(line),
        "{line:?} in\n{}",
        h.transcript()
    );
    let records = h.shutdown().await;
    assert_eq!(selected_log(&records, c), Some(1));
    let logs = logs.lock().unwrap().join("\n");
    assert!(
        logs.contains("A: sent StartApplicationSessionNegResponse (invalidApplicationInfo)"),
        "{logs}"
    );
    assert!(logs.contains("B: sent SystemStatus disabled"), "{logs}");
}

/// R5 under [`FirstStatusPolicy::Close`]: the `disabled` link is closed at once, so the
/// healthy link waits for nobody.
#[tokio::test]
async fn under_the_close_policy_a_disabled_first_status_closes_its_link() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let mut h = rejecting_disabled_healthy(FirstStatusPolicy::Close, &logs);
    let (a, b, c) = (h.link("A"), h.link("B"), h.link("C"));
    h.until("C selected", Duration::from_secs(4), connected(c))
        .await;
    assert_eq!(
        close_reason(&h.seen, a),
        Some(CloseReason::AssociationRejected),
        "R4"
    );
    assert_eq!(
        close_reason(&h.seen, b),
        Some(CloseReason::NotOperational),
        "R5"
    );
    assert!(
        !h.seen.iter().any(|r| matches!(
            r,
            Record::Input {
                event: Event::TimerExpired(Timer::ConnectTimeout),
                ..
            }
        )),
        "selected before connect-tout:\n{}",
        h.transcript()
    );
    let records = h.shutdown().await;
    assert_eq!(selected_log(&records, c), Some(1));
}

/// What the driver's core logged of `link`'s loss as the active link, in `records`.
fn loss_causes(records: &[Record], link: LinkId) -> Vec<LossCause> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Action {
                action: Action::Log(LogRecord::ActiveLinkLost { link: l, cause }),
                ..
            } if *l == link => Some(*cause),
            _ => None,
        })
        .collect()
}

fn is_input(record: &Record, wanted: impl Fn(&Event) -> bool) -> bool {
    matches!(record, Record::Input { event, .. } if wanted(event))
}

/// R15 over TCP: A (priority 10) reports `normal`, is selected, and reports `disabled`
/// 300 ms later on the active link. The driver passes it on; the core fails A with
/// cause `Status(disabled)`: the connection closed, one EventLinkDisconnected. After the 1 s restart timeout both links are dialled again, and
/// A, whose later sessions only report `normal` (it recovered), is selected again over
/// B (priority 5).
#[tokio::test]
async fn disabled_on_the_active_link_fails_it_and_the_restart_selects_it_again() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let mut h = disabled_after_selection(&logs);
    let (a, b) = (h.link("A"), h.link("B"));
    let lost = lost_to_its_status(&mut h, a).await;
    let reselected = h
        .until("A selected again", Duration::from_secs(4), connected(a))
        .await;
    assert!(
        secs(lost.at(), reselected.at()) >= 0.99,
        "after the restart timeout:\n{}",
        h.transcript()
    );
    let reopened = h.seen.iter().filter(|r| {
        matches!(r, Record::Action { action: Action::Open(c), at, .. } if c.link == b && *at > lost.at())
    });
    assert_eq!(reopened.count(), 1, "R10, R1: B dialled again too");
    let disconnections = h.seen.iter().filter(|r| {
        matches!(
            r,
            Record::Action {
                action: Action::NotifyClients(ClientEvent::LinkDisconnected { .. }),
                ..
            }
        )
    });
    assert_eq!(disconnections.count(), 1, "{}", h.transcript());
    let connections = h.seen.iter().filter(|r| connected(a)(r) || connected(b)(r));
    assert_eq!(
        connections.count(),
        2,
        "A, then A again:\n{}",
        h.transcript()
    );
    h.shutdown().await;
    let logs = logs.lock().unwrap().join("\n");
    assert_eq!(
        logs.matches("A: sent SystemStatus disabled").count(),
        1,
        "{logs}"
    );
    assert!(
        logs.contains("A: session 2: playing the later SystemStatus sequence"),
        "{logs}"
    );
}

/// A (priority 10) reports `normal`, then `disabled` 300 ms later, in its first
/// session, and only `normal` in later ones; B (priority 5) is healthy. The driver,
/// standalone, with 1 s timeouts.
fn disabled_after_selection(logs: &Arc<Mutex<Vec<String>>>) -> Harness {
    let (a_addr, _) = in_process(
        StubScript {
            name: "A".into(),
            statuses: vec![
                (Duration::ZERO, SystemStatus::Normal),
                (Duration::from_millis(300), SystemStatus::Disabled),
            ],
            later_statuses: Some(vec![(Duration::ZERO, SystemStatus::Normal)]),
            ..StubScript::default()
        },
        logs,
    );
    let (b_addr, _) = in_process(named("B"), logs);
    let config = fast(Config::new([
        LinkConfig::new("A").with_priority(10),
        LinkConfig::new("B").with_priority(5),
    ]));
    drive(config, &[a_addr, b_addr])
}

/// Waits for `a` to be selected and then lost to its `disabled` (R15), checking how;
/// returns the EventLinkDisconnected record.
async fn lost_to_its_status(h: &mut Harness, a: LinkId) -> Record {
    let selected = h
        .until("A selected", Duration::from_secs(3), connected(a))
        .await;
    let status = h
        .until("A's disabled", Duration::from_secs(2), |r| {
            is_input(
                r,
                |e| matches!(e, Event::SystemStatus(c, SystemStatus::Disabled) if c.link == a),
            )
        })
        .await;
    assert!(
        secs(selected.at(), status.at()) >= 0.25,
        "disabled came 300 ms after normal, on the active link:\n{}",
        h.transcript()
    );
    // The failure is carried out in the step that took the status.
    let lost = h
        .until(
            "EventLinkDisconnected",
            Duration::from_secs(1),
            disconnected(a),
        )
        .await;
    assert_eq!(lost.at(), status.at(), "{}", h.transcript());
    assert_eq!(
        loss_causes(&h.seen, a),
        [LossCause::Status(SystemStatus::Disabled)],
        "{}",
        h.transcript()
    );
    assert_eq!(close_reason(&h.seen, a), Some(CloseReason::StatusFailure));
    let line = "LOG active CTI link A failed (SystemStatus disabled)";
    assert!(h.transcript().contains(line), "{}", h.transcript());
    lost
}

/// R14 over TCP with a connector that answers keep-alives for 2.5 s of its session and
/// then stops: with kpl-interval 1 s and kpl-tolerance 1, the answered requests cost
/// nothing, and the first unanswered one loses the link (cause KeepAliveLost) when the
/// next interval ends.
#[tokio::test]
async fn a_connector_that_stops_answering_keep_alives_loses_the_link() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let (addr, _stub) = in_process(
        StubScript {
            name: "TIRED".into(),
            keepalive: KeepAliveAnswer::AnswerFor(Duration::from_millis(2500)),
            ..StubScript::default()
        },
        &logs,
    );
    let config =
        fast(Config::new([LinkConfig::new("TIRED")])).with_keepalive(Duration::from_secs(1), 1);
    let mut h = drive(config, &[addr]);
    let tired = h.link("TIRED");
    let selected = h
        .until("selected", Duration::from_secs(3), connected(tired))
        .await;
    let lost = h
        .until("the link lost", Duration::from_secs(8), disconnected(tired))
        .await;
    assert_eq!(loss_causes(&h.seen, tired), [LossCause::KeepAliveLost]);
    assert_eq!(
        close_reason(&h.seen, tired),
        Some(CloseReason::KeepAliveLost)
    );
    let answered = h
        .seen
        .iter()
        .filter(|r| is_input(r, |e| matches!(e, Event::KeepAliveAnswered(_))))
        .count();
    assert!(answered >= 1, "answered at first:\n{}", h.transcript());
    let missed: Vec<u8> = h
        .seen
        .iter()
        .filter_map(|r| match r {
            Record::Action {
                action: Action::Log(LogRecord::KeepAliveMissed { failures, .. }),
                ..
            } => Some(*failures),
            _ => None,
        })
        .collect();
    assert_eq!(
        missed,
        [1],
        "one miss is the tolerance:\n{}",
        h.transcript()
    );
    // Stopped 2.5 s into the session: the unanswered request went out at 3 s at the
    // earliest and was counted one interval later.
    assert!(
        secs(selected.at(), lost.at()) >= 3.4,
        "lost only after the answers stopped:\n{}",
        h.transcript()
    );
    h.shutdown().await;
    let logs = logs.lock().unwrap().join("\n");
    assert!(
        logs.contains("TIRED: stopped answering keep-alives"),
        "{logs}"
    );
    assert!(logs.contains("TIRED: ignoring a keep-alive"), "{logs}");
}

/// R14 over TCP: a connector that stops answering keep-alives loses the active link
/// after `kpl-tolerance` silent intervals; the driver reconnects after the restart
/// timeout and, the connector still being the only one, selects it again (R12).
#[tokio::test]
async fn unanswered_keep_alives_lose_the_link_and_the_driver_reconnects() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let (addr, _stub) = in_process(
        StubScript {
            name: "ONLY".into(),
            keepalive: KeepAliveAnswer::Ignore,
            ..StubScript::default()
        },
        &logs,
    );
    let config =
        fast(Config::new([LinkConfig::new("ONLY")])).with_keepalive(Duration::from_secs(1), 1);
    let mut h = drive(config, &[addr]);
    let only = h.link("ONLY");
    h.until("selected", Duration::from_secs(3), connected(only))
        .await;
    let sent = h
        .until("a keep-alive", Duration::from_secs(3), |r| {
            matches!(
                r,
                Record::Action {
                    action: Action::SendKeepAlive(_),
                    ..
                }
            )
        })
        .await;
    let closed = h
        .until("the keep-alive close", Duration::from_secs(3), |r| {
            matches!(
                r,
                Record::Action {
                    action: Action::Close {
                        reason: CloseReason::KeepAliveLost,
                        ..
                    },
                    ..
                }
            )
        })
        .await;
    assert!(
        secs(sent.at(), closed.at()) >= 0.99,
        "the answer gets kpl-interval to arrive"
    );
    h.until(
        "EventLinkDisconnected",
        Duration::from_secs(1),
        disconnected(only),
    )
    .await;
    h.until("selected again", Duration::from_secs(3), connected(only))
        .await;
    h.shutdown().await;
    assert!(logs
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("ignoring a keep-alive")));
}

/// R3, R8: a port that refuses connections makes every procedure fail until it opens;
/// each `connect-tout` expiry restarts the procedure at once, and the link is selected
/// by the first procedure after the port starts listening.
#[tokio::test]
async fn a_refusing_port_is_retried_each_connect_timeout_until_it_listens() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let (addr, _stub) = in_process(
        StubScript {
            name: "LATE".into(),
            refuse_for: Duration::from_millis(1500),
            ..StubScript::default()
        },
        &logs,
    );
    let config = fast(Config::new([LinkConfig::new("LATE")]));
    let mut h = drive(config, &[addr]);
    let late = h.link("LATE");
    h.until("selected", Duration::from_secs(4), connected(late))
        .await;
    let inputs_at = |wanted: fn(&Event) -> bool| -> Vec<Instant> {
        h.seen
            .iter()
            .filter_map(|r| match r {
                Record::Input { at, event } if wanted(event) => Some(*at),
                _ => None,
            })
            .collect()
    };
    let refused = inputs_at(|e| matches!(e, Event::TcpRefused(_)));
    let expiries = inputs_at(|e| matches!(e, Event::TimerExpired(Timer::ConnectTimeout)));
    let opens: Vec<Instant> = h
        .seen
        .iter()
        .filter_map(|r| match r {
            Record::Action {
                at,
                action: Action::Open(_),
                ..
            } => Some(*at),
            _ => None,
        })
        .collect();
    assert!(
        !refused.is_empty(),
        "the closed port refused:\n{}",
        h.transcript()
    );
    assert!(
        opens.len() >= 2,
        "tried again after the refusal:\n{}",
        h.transcript()
    );
    // R8: a refusal does not retry; only the connect-tout expiry starts the next try.
    for open in &opens[1..] {
        assert!(
            expiries.contains(open),
            "an open at {open} without a connect-tout expiry:\n{}",
            h.transcript()
        );
    }
    for pair in opens.windows(2) {
        assert!(
            secs(pair[0], pair[1]) >= 0.99,
            "tries 1 s apart:\n{}",
            h.transcript()
        );
    }
    let expected = format!("connect to 127.0.0.1:{} failed", addr.port());
    assert!(
        h.seen.iter().any(|r| matches!(r, Record::Wire { note, .. } if note.contains(&expected) && note.contains("refused"))),
        "a note names the address and the cause:\n{}",
        h.transcript()
    );
    h.shutdown().await;
}

/// Bytes that are not CSTA framing leave the stream unreadable: the driver drops the
/// connection and the core hears TcpClosed for a link that was never established.
#[tokio::test]
async fn a_peer_speaking_something_else_is_dropped_as_closed() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        socket
            .write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            .await
            .unwrap();
        // Hold the socket open: the driver must be the one that drops it.
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    let config = fast(Config::new([LinkConfig::new("HTTP")]));
    let mut h = Harness::start(Driver::new(config, vec![Target::new("127.0.0.1", port)]).unwrap());
    h.until("the close logged", Duration::from_secs(3), |r| {
        matches!(
            r,
            Record::Action {
                action: Action::Log(LogRecord::LinkClosedByPeer { .. }),
                ..
            }
        )
    })
    .await;
    assert!(h
        .seen
        .iter()
        .any(|r| matches!(r, Record::Wire { note, .. } if note.contains("framing error"))));
    assert!(h.seen.iter().any(|r| matches!(
        r,
        Record::Input {
            event: Event::TcpClosed(_),
            ..
        }
    )));
    h.shutdown().await;
    server.abort();
}

#[test]
fn a_driver_refuses_what_it_cannot_run() {
    let config = Config::new([LinkConfig::new("A"), LinkConfig::new("B")]);
    assert_eq!(
        Driver::new(config, vec![Target::new("127.0.0.1", 1)]).err(),
        Some(link_tokio::DriverError::TargetCount {
            links: 2,
            targets: 1
        })
    );
    let options = tserver_options::parse("[Connections]\nLAB = priority=1\n").expect("valid");
    assert_eq!(
        Driver::from_options(options, Role::Standalone).err(),
        Some(link_tokio::DriverError::NoHostname { link: "LAB".into() })
    );
    let empty = Config::new(Vec::<LinkConfig>::new());
    assert!(matches!(
        Driver::new(empty, vec![]).err(),
        Some(link_tokio::DriverError::Config(_))
    ));
}

/// A reconfiguration naming a link the configuration does not have is refused with a
/// record; the driver goes on and still shuts down cleanly.
#[tokio::test]
async fn a_control_for_an_unknown_link_is_refused_and_the_driver_goes_on() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let (addr, _stub) = in_process(StubScript::default(), &logs);
    let config = fast(Config::new([LinkConfig::new("ONE")]));
    let mut h = drive(config, &[addr]);
    let one = h.link("ONE");
    h.until("selected", Duration::from_secs(3), connected(one))
        .await;
    let ghost = LinkId::new(7);
    h.control
        .send(Control::Reconfigure {
            link: ghost,
            priority: Some(1),
            target: None,
        })
        .await
        .unwrap();
    let refused = h
        .until("the refusal", Duration::from_secs(1), |r| {
            matches!(r, Record::Refused { .. })
        })
        .await;
    assert!(
        matches!(refused, Record::Refused { error: link_tokio::DriverError::UnknownLink(l), .. } if l == ghost)
    );
    let records = h.shutdown().await;
    assert!(records.iter().any(|r| matches!(
        r,
        Record::Action {
            action: Action::NotifyClients(link_core::ClientEvent::LinkDisconnected { .. }),
            ..
        }
    )));
}

/// The wire, checked byte by byte with a hand-written connector: the driver's session
/// start is an ECMA-354 request; a connector's SystemStatus request is answered with
/// SystemStatusResponse under the same invoke ID; a session response with another
/// invoke ID than the request's answers nothing (it is traffic, not R4).
#[tokio::test]
async fn the_driver_answers_a_connector_s_system_status_and_matches_invoke_ids() {
    use bytes::BytesMut;
    use csta_wire::{Frame, Framing, HeaderFraming, InvokeId, Message};
    use tokio::io::AsyncReadExt;

    async fn read_frame(socket: &mut tokio::net::TcpStream, buf: &mut BytesMut) -> Frame {
        loop {
            if let Some(frame) = HeaderFraming
                .decode(buf)
                .expect("the driver frames correctly")
            {
                return frame;
            }
            assert!(
                socket.read_buf(buf).await.expect("readable") > 0,
                "the driver closed"
            );
        }
    }
    async fn send(socket: &mut tokio::net::TcpStream, id: u16, message: Message) {
        let mut out = BytesMut::new();
        let frame = Frame {
            invoke_id: InvokeId::new(id).unwrap(),
            body: message.encode(),
        };
        HeaderFraming.encode(&frame, &mut out).unwrap();
        socket.write_all(&out).await.unwrap();
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (answered_tx, answered) = tokio::sync::oneshot::channel::<()>();
    let connector = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = BytesMut::new();
        let request = read_frame(&mut socket, &mut buf).await;
        let Ok(Message::StartApplicationSession { application_id, .. }) =
            Message::decode(&request.body)
        else {
            panic!(
                "expected StartApplicationSession, got {:?}",
                String::from_utf8_lossy(&request.body)
            );
        };
        assert_eq!(application_id, "wire-test");
        let positive = Message::StartApplicationSessionPosResponse {
            session_id: "s".into(),
            protocol_version: csta_wire::ECMA_323_NAMESPACE.into(),
            session_duration_s: 60,
        };
        // First with an invoke ID the driver never used: not an answer.
        send(
            &mut socket,
            request.invoke_id.next().get(),
            positive.clone(),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        send(&mut socket, request.invoke_id.get(), positive).await;
        send(
            &mut socket,
            4321,
            Message::SystemStatus(link_core::SystemStatus::Normal),
        )
        .await;
        let answer = read_frame(&mut socket, &mut buf).await;
        assert_eq!(answer.invoke_id.get(), 4321);
        assert_eq!(
            Message::decode(&answer.body),
            Ok(Message::SystemStatusResponse)
        );
        answered_tx.send(()).unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    let config = fast(Config::new([LinkConfig::new("WIRE")]));
    let driver = Driver::new(config, vec![Target::new("127.0.0.1", port)])
        .unwrap()
        .with_application_id("wire-test");
    let mut h = Harness::start(driver);
    let wire = h.link("WIRE");
    h.until("selected", Duration::from_secs(3), connected(wire))
        .await;
    let inputs: Vec<&Event> = h
        .seen
        .iter()
        .filter_map(|r| match r {
            Record::Input { event, .. } => Some(event),
            _ => None,
        })
        .collect();
    let kinds: Vec<String> = inputs
        .iter()
        .map(|e| {
            format!("{e:?}")
                .split('(')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "Start",
            "TcpAccepted",
            "MessageReceived",
            "AssociationAccepted",
            "SystemStatus"
        ],
        "{}",
        h.transcript()
    );
    tokio::time::timeout(Duration::from_secs(2), answered)
        .await
        .expect("the connector got its SystemStatusResponse in time")
        .expect("the connector's checks passed");
    h.shutdown().await;
    connector.abort();
}

/// R2, R11 over TCP: a backup opens only the highest configured link; while that
/// connector refuses, the other connectors are never dialled. Promoted to primary in
/// the middle of a procedure, the driver opens the links the backup did not open and
/// selects the best of them.
#[tokio::test]
async fn a_backup_dials_only_the_highest_link_until_promoted() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let (high, _h) = in_process(
        StubScript {
            name: "HIGH".into(),
            refuse_for: Duration::from_secs(60),
            ..StubScript::default()
        },
        &logs,
    );
    let (mid, _m) = in_process(named("MID"), &logs);
    let (low, _l) = in_process(named("LOW"), &logs);
    let config = fast(Config::new([
        LinkConfig::new("HIGH").with_priority(3),
        LinkConfig::new("MID").with_priority(2),
        LinkConfig::new("LOW").with_priority(1),
    ]))
    .with_role(Role::Backup);
    let mut h = drive(config, &[high, mid, low]);
    let (high_link, mid_link) = (h.link("HIGH"), h.link("MID"));
    // Two procedures as backup: the refusal, connect-tout, and the restart.
    h.until(
        "the second procedure's open",
        Duration::from_secs(3),
        |r| matches!(r, Record::Action { action: Action::Open(c), .. } if c.generation == 2),
    )
    .await;
    let opened = |seen: &[Record]| -> Vec<LinkId> {
        seen.iter()
            .filter_map(|r| match r {
                Record::Action {
                    action: Action::Open(c),
                    ..
                } => Some(c.link),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        opened(&h.seen),
        [high_link, high_link],
        "R2: a backup dials the highest only"
    );
    let before = h.seen.len();
    h.control
        .send(Control::SetRole(Role::Primary))
        .await
        .unwrap();
    h.until("MID selected", Duration::from_secs(3), connected(mid_link))
        .await;
    let after = opened(&h.seen[before..]);
    assert!(
        after.contains(&mid_link) && after.contains(&h.link("LOW")),
        "R11: {after:?}"
    );
    h.shutdown().await;
    let logs = logs.lock().unwrap().join("\n");
    assert!(
        !logs.contains("HIGH: connection from"),
        "HIGH never listened:\n{logs}"
    );
}

/// R13 with a new address: reconfiguring the active link drops it (the old connector
/// sees the close), and the next procedure dials the link's new address.
#[tokio::test]
async fn reconfiguring_the_active_link_to_a_new_address_moves_it_there() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let (old, _o) = in_process(named("OLD"), &logs);
    let (new, _n) = in_process(named("NEW"), &logs);
    let config = fast(Config::new([LinkConfig::new("MOVING").with_priority(1)]));
    let mut h = drive(config, &[old]);
    let moving = h.link("MOVING");
    h.until(
        "selected at the old address",
        Duration::from_secs(3),
        connected(moving),
    )
    .await;
    h.control
        .send(Control::Reconfigure {
            link: moving,
            priority: Some(5),
            target: Some(Target::new("127.0.0.1", new.port())),
        })
        .await
        .unwrap();
    h.until(
        "EventLinkDisconnected",
        Duration::from_secs(2),
        disconnected(moving),
    )
    .await;
    assert_eq!(
        close_reason(&h.seen, moving),
        Some(CloseReason::Reconfigured)
    );
    h.until(
        "selected at the new address",
        Duration::from_secs(4),
        connected(moving),
    )
    .await;
    assert_eq!(
        selected_log(&h.seen[h.seen.len() - 3..], moving),
        Some(5),
        "the new priority"
    );
    h.shutdown().await;
    let logs = logs.lock().unwrap().join("\n");
    assert!(
        logs.contains("OLD: connection closed by the server"),
        "{logs}"
    );
    assert!(logs.contains("NEW: connection from"), "{logs}");
}

/// A connection task that panics (here: a plugged-in framing with a bug) still ends
/// with `TcpClosed`, so the core never waits forever on a link nobody serves.
#[tokio::test]
async fn a_panicking_connection_task_is_reported_closed() {
    use bytes::BytesMut;
    use csta_wire::{Frame, FrameError, Framing, HeaderFraming};

    #[derive(Clone)]
    struct PanicsOnRead;
    impl Framing for PanicsOnRead {
        fn encode(&mut self, frame: &Frame, out: &mut BytesMut) -> Result<(), FrameError> {
            HeaderFraming.encode(frame, out)
        }
        fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
            assert!(buf.is_empty(), "a framing bug, planted by the test");
            Ok(None)
        }
    }

    let logs = Arc::new(Mutex::new(Vec::new()));
    let (addr, _stub) = in_process(StubScript::default(), &logs);
    let config = fast(Config::new([LinkConfig::new("BUGGY")]));
    let driver = Driver::new(config, vec![Target::new("127.0.0.1", addr.port())])
        .unwrap()
        .with_framing(PanicsOnRead);
    let mut h = Harness::start(driver);
    h.until("TcpClosed after the panic", Duration::from_secs(3), |r| {
        matches!(
            r,
            Record::Input {
                event: Event::TcpClosed(_),
                ..
            }
        )
    })
    .await;
    assert!(
        h.seen.iter().any(|r| matches!(
            r,
            Record::Input {
                event: Event::TcpAccepted(_),
                ..
            }
        )),
        "{}",
        h.transcript()
    );
    h.shutdown().await;
}

/// The stub's accept delay holds the session answer back, and a connector slower than
/// `connect-tout` is closed by it (R8) while one within it is selected.
#[tokio::test]
async fn a_slow_connector_is_selected_within_connect_tout_and_closed_beyond_it() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let (slow, _s) = in_process(
        StubScript {
            name: "SLOW".into(),
            accept_delay: Duration::from_millis(400),
            ..StubScript::default()
        },
        &logs,
    );
    let (too_slow, _t) = in_process(
        StubScript {
            name: "TOO_SLOW".into(),
            accept_delay: Duration::from_secs(3),
            ..StubScript::default()
        },
        &logs,
    );
    let config = fast(Config::new([
        LinkConfig::new("TOO_SLOW").with_priority(2),
        LinkConfig::new("SLOW").with_priority(1),
    ]));
    let mut h = drive(config, &[too_slow, slow]);
    let (slow_link, too_slow_link) = (h.link("SLOW"), h.link("TOO_SLOW"));
    h.until(
        "SLOW selected",
        Duration::from_secs(3),
        connected(slow_link),
    )
    .await;
    let at = |wanted: fn(&Event) -> bool| {
        h.seen.iter().find_map(|r| match r {
            Record::Input { at, event } if wanted(event) && event.link() == Some(slow_link) => {
                Some(*at)
            }
            _ => None,
        })
    };
    let accepted = at(|e| matches!(e, Event::TcpAccepted(_))).expect("connected");
    let answered = at(|e| matches!(e, Event::AssociationAccepted(_))).expect("answered");
    assert!(
        secs(accepted, answered) >= 0.39,
        "the stub waited its accept delay"
    );
    // R8: connect-tout found SLOW operational and TOO_SLOW still associating.
    h.until("TOO_SLOW closed", Duration::from_secs(1), |r| {
        matches!(r, Record::Action { action: Action::Close { conn, .. }, .. } if conn.link == too_slow_link)
    })
    .await;
    assert_eq!(
        close_reason(&h.seen, too_slow_link),
        Some(CloseReason::NotSelected),
        "{}",
        h.transcript()
    );
    assert!(
        h.seen.iter().any(|r| matches!(
            r,
            Record::Input {
                event: Event::TimerExpired(Timer::ConnectTimeout),
                ..
            }
        )),
        "selected at connect-tout, not before:\n{}",
        h.transcript()
    );
    h.shutdown().await;
}

/// A connector on a free loopback port that reads the session start and then trickles
/// its positive response, one byte every 100 ms (30 bytes at most), never completing it
/// before `connect-tout`.
async fn trickling_connector() -> (u16, tokio::task::JoinHandle<()>) {
    use csta_wire::{Frame, Framing, HeaderFraming, Message};
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let mut inbound = bytes::BytesMut::new();
        let request = loop {
            if let Ok(Some(frame)) = HeaderFraming.decode(&mut inbound) {
                break frame;
            }
            if !matches!(socket.read_buf(&mut inbound).await, Ok(n) if n > 0) {
                return;
            }
        };
        let answer = Message::StartApplicationSessionPosResponse {
            session_id: "slow".into(),
            protocol_version: csta_wire::ECMA_323_NAMESPACE.into(),
            session_duration_s: 180,
        };
        let mut out = bytes::BytesMut::new();
        let frame = Frame {
            invoke_id: request.invoke_id,
            body: answer.encode(),
        };
        HeaderFraming.encode(&frame, &mut out).unwrap();
        for byte in out.iter().take(30) {
            if socket.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    (port, task)
}

/// R8 over TCP with connectors that fail quietly: one never answers the session start
/// (the stub's silent mode), one trickles its answer a byte at a time. At connect-tout
/// the healthy link is selected and both are closed, and the record text says what
/// they failed to do, not just "not selected".
#[tokio::test]
async fn a_silent_or_trickling_connector_is_closed_saying_what_it_never_answered() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let (silent, _s) = in_process(
        StubScript {
            name: "SILENT".into(),
            association: AssociationAnswer::Silent,
            ..StubScript::default()
        },
        &logs,
    );
    let (healthy, _h) = in_process(named("HEALTHY"), &logs);
    let (trickle, _t) = trickling_connector().await;
    let config = fast(Config::new([
        LinkConfig::new("SILENT").with_priority(3),
        LinkConfig::new("TRICKLE").with_priority(2),
        LinkConfig::new("HEALTHY").with_priority(1),
    ]));
    let targets = vec![
        Target::new("127.0.0.1", silent.port()),
        Target::new("127.0.0.1", trickle),
        Target::new("127.0.0.1", healthy.port()),
    ];
    let mut h = Harness::start(Driver::new(config, targets).unwrap());
    let healthy_link = h.link("HEALTHY");
    h.until(
        "HEALTHY selected at connect-tout",
        Duration::from_secs(3),
        connected(healthy_link),
    )
    .await;
    let (silent_link, trickle_link) = (h.link("SILENT"), h.link("TRICKLE"));
    // Both closes come in the step that selects HEALTHY, just after its notification.
    for _ in 0..2 {
        if close_reason(&h.seen, silent_link).is_some()
            && close_reason(&h.seen, trickle_link).is_some()
        {
            break;
        }
        h.until("a close", Duration::from_secs(1), |r| {
            matches!(
                r,
                Record::Action {
                    action: Action::Close { .. },
                    ..
                }
            )
        })
        .await;
    }
    let transcript = h.transcript();
    for name in ["SILENT", "TRICKLE"] {
        let link = h.link(name);
        assert_eq!(
            close_reason(&h.seen, link),
            Some(CloseReason::NotSelected),
            "{transcript}"
        );
        let line =
            format!("-> {name}: close (not selected: no association response within connect-tout)");
        assert!(transcript.contains(&line), "{line:?} in\n{transcript}");
        let stalled = h.seen.iter().find_map(|r| match r {
            Record::Action {
                action: Action::Close { conn, .. },
                stalled,
                ..
            } if conn.link == link => Some(*stalled),
            _ => None,
        });
        assert_eq!(
            stalled,
            Some(Some(Stalled {
                waiting_for: WaitingFor::AssociationResponse,
                at_connect_tout: true
            }))
        );
    }
    assert!(
        logs.lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("SILENT: not answering the session start")),
        "the stub was silent"
    );
    h.shutdown().await;
}

/// The only link, silent: connect-tout expires with no operational link, and the
/// close says what was missing.
#[tokio::test]
async fn a_lone_silent_connector_s_close_at_connect_tout_says_what_was_missing() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let (silent, _s) = in_process(
        StubScript {
            name: "ONLY".into(),
            association: AssociationAnswer::Silent,
            ..StubScript::default()
        },
        &logs,
    );
    let config = fast(Config::new([LinkConfig::new("ONLY")]));
    let mut h = drive(config, &[silent]);
    let only = h.link("ONLY");
    h.until("ONLY closed", Duration::from_secs(3), |r| {
        matches!(r, Record::Action { action: Action::Close { conn, .. }, .. } if conn.link == only)
    })
    .await;
    assert_eq!(
        close_reason(&h.seen, only),
        Some(CloseReason::ConnectTimeout)
    );
    let transcript = h.transcript();
    assert!(
        transcript.contains("-> ONLY: close (connect-tout expired: no association response)"),
        "{transcript}"
    );
    h.shutdown().await;
}

/// R14 (turn 3) over TCP: a connector that answers the keep-alive with an ECMA-323
/// error (`csta-connector-stub --keepalive error`) loses the link at tolerance 0 the
/// moment the error arrives, not an interval later (it used to count as unanswered,
/// at the request's timeout).
#[tokio::test]
async fn a_keep_alive_answered_with_an_error_loses_the_link_at_once() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let (addr, _stub) = in_process(
        StubScript {
            name: "DOWN".into(),
            keepalive: KeepAliveAnswer::Error,
            ..StubScript::default()
        },
        &logs,
    );
    let config =
        fast(Config::new([LinkConfig::new("DOWN")])).with_keepalive(Duration::from_secs(1), 0);
    let mut h = drive(config, &[addr]);
    let down = h.link("DOWN");
    let selected = h
        .until("selected", Duration::from_secs(3), connected(down))
        .await;
    let lost = h
        .until("the link lost", Duration::from_secs(4), disconnected(down))
        .await;
    assert_eq!(loss_causes(&h.seen, down), [LossCause::KeepAliveLost]);
    let rejected = h
        .seen
        .iter()
        .filter(|r| is_input(r, |e| matches!(e, Event::KeepAliveRejected(_))))
        .count();
    assert_eq!(rejected, 1, "one error answer:\n{}", h.transcript());
    let waited = secs(selected.at(), lost.at());
    assert!(
        (0.9..1.9).contains(&waited),
        "lost when the first request's error came back (1 s idle, then the answer), not an interval later: {waited} s\n{}",
        h.transcript()
    );
    h.shutdown().await;
    let logs = logs.lock().unwrap().join("\n");
    assert!(
        logs.contains("DOWN: answering a keep-alive with an error"),
        "{logs}"
    );
}
