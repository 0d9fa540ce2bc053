//! The stub against hostile clients on 127.0.0.1: more connections than it serves, and
//! (with a low file-descriptor limit, through `prlimit`) accepts that fail. Either way
//! the stub keeps serving. Every wait is bounded.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use csta_wire::{Frame, Framing, HeaderFraming, InvokeId, Message, ECMA_323_NAMESPACE};
use link_tokio::{Stub, StubScript};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A framed `StartApplicationSession` from `application_id`.
fn session_start_frame(application_id: &str) -> BytesMut {
    let mut out = BytesMut::new();
    let request = Message::StartApplicationSession {
        application_id: application_id.into(),
        protocol_version: ECMA_323_NAMESPACE.into(),
        session_duration_s: 180,
    };
    let frame = Frame {
        invoke_id: InvokeId::FIRST,
        body: request.encode(),
    };
    HeaderFraming.encode(&frame, &mut out).unwrap();
    out
}

/// Sends a session start and waits (at most 2 s) for the first answer: `Some` when
/// served, `None` when the stub closed the connection instead.
async fn session_start(socket: &mut TcpStream) -> Option<Message> {
    let out = session_start_frame("limits");
    // A closed connection may refuse the write; the read below tells.
    let _ = socket.write_all(&out).await;
    let mut inbound = BytesMut::new();
    let read = async {
        loop {
            if let Some(frame) = HeaderFraming.decode(&mut inbound).expect("framed") {
                return Message::decode(&frame.body).ok();
            }
            match socket.read_buf(&mut inbound).await {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(2), read)
        .await
        .expect("an answer or a close within 2 s")
}

fn served(answer: &Option<Message>) -> bool {
    matches!(
        answer,
        Some(Message::StartApplicationSessionPosResponse { .. })
    )
}

#[tokio::test]
async fn connections_past_the_cap_are_closed_at_once_and_the_stub_goes_on() {
    let logs = Arc::new(Mutex::new(Vec::<String>::new()));
    let script = StubScript {
        name: "CAPPED".into(),
        max_connections: 3,
        ..StubScript::default()
    };
    let stub = Stub::bind("127.0.0.1:0".parse().unwrap(), script).expect("bind loopback");
    let addr: SocketAddr = stub.local_addr();
    let log = {
        let logs = logs.clone();
        Arc::new(move |line: &str| logs.lock().unwrap().push(line.to_owned()))
    };
    let task = tokio::spawn(stub.run(log));
    let mut kept = Vec::new();
    for _ in 0..3 {
        let mut socket = TcpStream::connect(addr).await.expect("connect");
        assert!(served(&session_start(&mut socket).await), "within the cap");
        kept.push(socket);
    }
    let mut extra = TcpStream::connect(addr).await.expect("the kernel accepts");
    assert_eq!(
        session_start(&mut extra).await,
        None,
        "the fourth is closed"
    );
    // The three are still served: one leaves, and a newcomer takes its place.
    drop(kept.pop());
    let mut newcomer = None;
    for _ in 0..20 {
        let mut socket = TcpStream::connect(addr).await.expect("connect");
        if served(&session_start(&mut socket).await) {
            newcomer = Some(socket);
            break;
        }
        // The stub has not seen the departure yet.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(newcomer.is_some(), "{:#?}", logs.lock().unwrap());
    assert!(!task.is_finished(), "the stub still runs");
    task.abort();
    let logs = logs.lock().unwrap().join("\n");
    assert!(
        logs.contains("closed: 3 connections already (the most)"),
        "{logs}"
    );
}

/// A stub process limited to a few file descriptors: a crowd of clients makes its
/// accepts fail (EMFILE). It logs that, backs off, and once the crowd leaves it serves
/// the next client, where it used to exit.
#[test]
fn a_stub_out_of_file_descriptors_serves_again_once_clients_leave() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};

    let mut stub = Command::new("prlimit")
        .args(["--nofile=24:24", env!("CARGO_BIN_EXE_csta-connector-stub")])
        .args(["--port", "0", "--name", "FEW_FDS"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("prlimit (util-linux) runs the stub");
    let mut stdout = BufReader::new(stub.stdout.take().unwrap());
    let mut first = String::new();
    stdout
        .read_line(&mut first)
        .expect("the stub prints its address");
    let addr: SocketAddr = first.trim().rsplit(' ').next().unwrap().parse().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // More clients than the stub has descriptors left; the kernel queues them all.
    let crowd: Vec<std::net::TcpStream> = (0..40)
        .map(|_| std::net::TcpStream::connect(addr).expect("the backlog takes it"))
        .collect();
    let mut transcript = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !transcript
        .iter()
        .any(|l: &String| l.contains("accept failed"))
    {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => transcript.push(line),
            Err(_) => panic!("no failed accept within 5 s:\n{}", transcript.join("\n")),
        }
    }
    drop(crowd);
    // The stub is alive and serves a newcomer once the crowd's descriptors are free.
    let mut served = false;
    for _ in 0..50 {
        assert!(
            stub.try_wait().unwrap().is_none(),
            "the stub exited:\n{}",
            transcript.join("\n")
        );
        let mut socket = std::net::TcpStream::connect(addr).expect("connect");
        socket
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let out = session_start_frame("newcomer");
        let mut answer = [0u8; 8];
        if socket.write_all(&out).is_ok() && socket.read_exact(&mut answer).is_ok() {
            served = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = stub.kill();
    let _ = stub.wait();
    assert!(
        served,
        "the stub never served again:\n{}",
        transcript.join("\n")
    );
}
