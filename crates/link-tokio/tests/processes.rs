//! The loopback test with real processes: three `csta-connector-stub` processes
//! on 127.0.0.1, the selected one killed with SIGKILL as a dying connector host would be.
//! It has a test binary of its own so that no other test binds loopback ports while the
//! killed connector's port must stay refused.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{connected, disconnected, secs, selected_log, Harness};
use link_core::{Action, ClientEvent, Event, Role};
use link_tokio::{Driver, Record};
use tokio::io::{AsyncBufReadExt, BufReader};

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
