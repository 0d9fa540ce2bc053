//! The driver against stub connectors on 127.0.0.1, with real sockets and the real
//! clock. Every test is bounded by a timeout and stops by itself; timeouts are short
//! (1 s is the smallest `connect-tout` and restart timeout the core accepts).
//!
//! The first test runs each connector as its own `csta-connector-stub` process and kills
//! one with SIGKILL, as a dying connector host would; the others run stubs in-process.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use link_core::{
    Action, ClientEvent, CloseReason, Config, Event, Instant, LinkConfig, LinkId, LogRecord, Role,
    Timer,
};
use link_tokio::{
    AssociationAnswer, Control, Driver, KeepAliveAnswer, Record, Stub, StubScript, Target,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// A running driver and everything it has reported so far.
struct Harness {
    config: Config,
    records: mpsc::UnboundedReceiver<Record>,
    seen: Vec<Record>,
    control: mpsc::Sender<Control>,
    task: tokio::task::JoinHandle<Result<(), link_tokio::DriverError>>,
}

impl Harness {
    fn start(driver: Driver) -> Harness {
        let config = driver.config().clone();
        let (tx, records) = mpsc::unbounded_channel();
        let (control, control_rx) = mpsc::channel(4);
        let task = tokio::spawn(driver.run(control_rx, move |r| {
            let _ = tx.send(r.clone());
        }));
        Harness {
            config,
            records,
            seen: Vec::new(),
            control,
            task,
        }
    }

    fn link(&self, name: &str) -> LinkId {
        let index = self.config.links.iter().position(|l| l.name == name);
        LinkId::new(index.expect("configured link") as u16)
    }

    fn transcript(&self) -> String {
        let lines: Vec<String> = self
            .seen
            .iter()
            .map(|r| r.text(&self.config).to_string())
            .collect();
        lines.join("\n")
    }

    /// Waits (at most `within`) for the first record after those already seen that
    /// matches; panics with the whole transcript otherwise.
    async fn until(
        &mut self,
        what: &str,
        within: Duration,
        pred: impl Fn(&Record) -> bool,
    ) -> Record {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.records.recv()).await {
                Ok(Some(record)) => {
                    self.seen.push(record.clone());
                    if pred(&record) {
                        return record;
                    }
                }
                Ok(None) => panic!("the driver stopped before {what}:\n{}", self.transcript()),
                Err(_) => panic!("no {what} within {within:?}:\n{}", self.transcript()),
            }
        }
    }

    async fn shutdown(mut self) -> Vec<Record> {
        self.control
            .send(Control::Shutdown)
            .await
            .expect("driver alive");
        let result = tokio::time::timeout(Duration::from_secs(2), self.task)
            .await
            .expect("the driver returns promptly after Shutdown")
            .expect("the driver task did not panic");
        assert_eq!(result, Ok(()));
        while let Ok(record) = self.records.try_recv() {
            self.seen.push(record);
        }
        self.seen
    }
}

fn connected(link: LinkId) -> impl Fn(&Record) -> bool {
    move |r| matches!(r, Record::Action { action: Action::NotifyClients(ClientEvent::LinkConnected { link: l }), .. } if *l == link)
}

fn disconnected(link: LinkId) -> impl Fn(&Record) -> bool {
    move |r| matches!(r, Record::Action { action: Action::NotifyClients(ClientEvent::LinkDisconnected { link: l, .. }), .. } if *l == link)
}

fn selected_log(records: &[Record], link: LinkId) -> Option<i32> {
    records.iter().find_map(|r| match r {
        Record::Action {
            action: Action::Log(LogRecord::LinkSelected { link: l, priority }),
            ..
        } if *l == link => Some(*priority),
        _ => None,
    })
}

fn secs(from: Instant, to: Instant) -> f64 {
    to.saturating_duration_since(from).as_secs_f64()
}

/// Starts a `csta-connector-stub` process on a free loopback port; returns it and its
/// address (read from its first line). Its later output is drained so it never blocks.
async fn stub_process(name: &str) -> (tokio::process::Child, SocketAddr) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_csta-connector-stub"))
        .args(["--host", "127.0.0.1", "--port", "0", "--name", name])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the stub binary starts");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let first = tokio::time::timeout(Duration::from_secs(5), lines.next_line())
        .await
        .expect("the stub prints its address promptly")
        .expect("readable")
        .expect("a first line");
    let addr = first
        .rsplit(' ')
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

/// R7, R10 over real TCP: three connector processes, priorities 3 (configured second),
/// 2 and 1. The driver selects priority 3; SIGKILL takes it down; the driver sends
/// EventLinkDisconnected at once, waits the 1 s restart timeout, finds the dead port
/// refusing, and selects priority 2. The links come from a T-Server options file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_connectors_highest_selected_killed_then_the_next_after_the_restart_timeout() {
    tokio::time::timeout(Duration::from_secs(10), async {
        let (_low, low_addr) = stub_process("CSTA_LOW").await;
        let (mut high, high_addr) = stub_process("CSTA_HIGH").await;
        let (_mid, mid_addr) = stub_process("CSTA_MID").await;
        let ini = format!(
            "[TServer]\nlink-1-name = CSTA_LOW\nlink-2-name = CSTA_HIGH\nlink-3-name = CSTA_MID\n\n\
             [link-control]\nconnect-tout = 1\nkpl-interval = 1\nkpl-tolerance = 2\n\n\
             [CSTA_LOW]\nhostname = 127.0.0.1\nport = {}\npriority = 1\n\n\
             [CSTA_HIGH]\nhostname = 127.0.0.1\nport = {}\npriority = 3\n\n\
             [CSTA_MID]\nhostname = 127.0.0.1\nport = {}\npriority = 2\n",
            low_addr.port(),
            high_addr.port(),
            mid_addr.port()
        );
        let mut options = tserver_options::parse(&ini).expect("valid options");
        options.config = options.config.with_restart_timeout(Duration::from_secs(1));
        let mut h = Harness::start(Driver::from_options(options, Role::Standalone).expect("valid"));
        let (high_link, mid_link) = (h.link("CSTA_HIGH"), h.link("CSTA_MID"));

        let first = h.until("the first EventLinkConnected", Duration::from_secs(4), |r| {
            matches!(r, Record::Action { action: Action::NotifyClients(ClientEvent::LinkConnected { .. }), .. })
        }).await;
        assert!(connected(high_link)(&first), "priority 3 wins (R7):\n{}", h.transcript());
        assert_eq!(selected_log(&h.seen, high_link), Some(3), "log 35115 names it with its priority");

        high.kill().await.expect("kill the selected connector");
        let lost = h.until("EventLinkDisconnected", Duration::from_secs(3), disconnected(high_link)).await;
        let closed_at = h
            .seen
            .iter()
            .find_map(|r| match r {
                Record::Input { at, event: Event::TcpClosed(c) } if c.link == high_link => Some(*at),
                _ => None,
            })
            .expect("the driver saw the socket close");
        assert_eq!(lost.at(), closed_at, "EventLinkDisconnected in the same step as the close (R10)");

        let reopen = h.until("the restart's first connect", Duration::from_secs(3), |r| {
            matches!(r, Record::Action { action: Action::Open(_), .. })
        }).await;
        let waited = secs(closed_at, reopen.at());
        assert!(
            (1.0..2.5).contains(&waited),
            "the procedure restarts after the 1 s restart timeout, not {waited:.3} s (R10):\n{}",
            h.transcript()
        );
        h.until("priority 2 selected", Duration::from_secs(3), connected(mid_link)).await;
        assert!(
            h.seen.iter().any(|r| matches!(r, Record::Input { event: Event::TcpRefused(c), .. } if c.link == high_link && c.generation == 2)),
            "the dead connector was tried again and refused:\n{}",
            h.transcript()
        );
        assert_eq!(selected_log(&h.seen[h.seen.len() - 3..], mid_link), Some(2));
        h.shutdown().await;
    })
    .await
    .expect("the whole scenario finishes within 10 s");
}

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

/// R4, R5 on the wire: a negative session response and a first SystemStatus other than
/// `normal` close those links; the one healthy (and lowest) link is selected.
#[tokio::test]
async fn a_negative_session_response_and_a_disabled_status_close_their_links() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let (reject, _a) = in_process(
        StubScript {
            name: "A".into(),
            association: AssociationAnswer::Reject("invalidApplicationInfo".into()),
            ..StubScript::default()
        },
        &logs,
    );
    let (disabled, _b) = in_process(
        StubScript {
            name: "B".into(),
            statuses: vec![(Duration::from_millis(50), link_core::SystemStatus::Disabled)],
            ..StubScript::default()
        },
        &logs,
    );
    let (healthy, _c) = in_process(
        StubScript {
            name: "C".into(),
            ..StubScript::default()
        },
        &logs,
    );
    let config = fast(Config::new([
        LinkConfig::new("A").with_priority(3),
        LinkConfig::new("B").with_priority(2),
        LinkConfig::new("C").with_priority(1),
    ]));
    let targets = [reject, disabled, healthy]
        .map(|a| Target::new("127.0.0.1", a.port()))
        .to_vec();
    let mut h = Harness::start(Driver::new(config, targets).unwrap());
    let c = h.link("C");
    tokio::time::timeout(
        Duration::from_secs(5),
        h.until("C selected", Duration::from_secs(4), connected(c)),
    )
    .await
    .expect("bounded");
    let (a, b) = (h.link("A"), h.link("B"));
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
    assert!(h.seen.iter().any(
        |r| matches!(r, Record::Wire { note, .. } if note.contains("invalidApplicationInfo"))
    ));
    let records = h.shutdown().await;
    assert_eq!(selected_log(&records, c), Some(1));
    let logs = logs.lock().unwrap().join("\n");
    assert!(
        logs.contains("A: sent StartApplicationSessionNegResponse (invalidApplicationInfo)"),
        "{logs}"
    );
    assert!(logs.contains("B: sent SystemStatus disabled"), "{logs}");
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
    let mut h =
        Harness::start(Driver::new(config, vec![Target::new("127.0.0.1", addr.port())]).unwrap());
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
        Duration::from_millis(10),
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
    let mut h =
        Harness::start(Driver::new(config, vec![Target::new("127.0.0.1", addr.port())]).unwrap());
    let late = h.link("LATE");
    h.until("selected", Duration::from_secs(4), connected(late))
        .await;
    let refused: Vec<Instant> = h
        .seen
        .iter()
        .filter_map(|r| match r {
            Record::Input {
                at,
                event: Event::TcpRefused(_),
            } => Some(*at),
            _ => None,
        })
        .collect();
    assert!(
        refused.len() >= 2,
        "refused in the first two procedures:\n{}",
        h.transcript()
    );
    let expiries = h
        .seen
        .iter()
        .filter(|r| {
            matches!(
                r,
                Record::Input {
                    event: Event::TimerExpired(Timer::ConnectTimeout),
                    ..
                }
            )
        })
        .count();
    assert!(
        expiries >= 1,
        "connect-tout ended the failed procedures (R8)"
    );
    assert!(h
        .seen
        .iter()
        .any(|r| matches!(r, Record::Wire { note, .. } if note.contains("refused"))));
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
