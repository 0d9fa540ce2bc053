//! The two binaries from the outside: exit codes, messages on bad input, and one real
//! run of `link-driver` against a `csta-connector-stub` process on loopback.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const STUB: &str = env!("CARGO_BIN_EXE_csta-connector-stub");
const DRIVER: &str = env!("CARGO_BIN_EXE_link-driver");

fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A file in a directory of this test's own, removed first if it exists.
fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("link-tokio-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write temp file");
    path
}

/// A `csta-connector-stub` process named CSTA_ONE on a free port, and an options file
/// (in this test's directory, as `file`) with that one link.
fn one_stub(file: &str) -> (std::process::Child, String, PathBuf) {
    let mut stub = Command::new(STUB)
        .args(["--port", "0", "--name", "CSTA_ONE"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the stub starts");
    let mut first = String::new();
    BufReader::new(stub.stdout.take().unwrap())
        .read_line(&mut first)
        .expect("the stub prints its address");
    let port = first.trim().rsplit(':').next().unwrap().to_owned();
    let options = format!(
        "[TServer]\nlink-1-name = CSTA_ONE\n\n[CSTA_ONE]\nhostname = 127.0.0.1\nport = {port}\n"
    );
    let path = temp_file(file, &options);
    (stub, port, path)
}

#[test]
fn the_stub_refuses_a_status_that_ecma_269_does_not_have() {
    let out = run(STUB, &["--status", "normal,fine"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("\"fine\" is not a SystemStatus value"),
        "{}",
        stderr(&out)
    );
    let out = run(STUB, &["--die-after", "5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("needs a unit"), "{}", stderr(&out));
    // `--die-after`: should the flags be taken, the stub still ends by itself.
    let out = run(
        STUB,
        &["--later-status", "disabled@soon", "--die-after", "2s"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--later-status: \"soon\" is not a duration"),
        "{}",
        stderr(&out)
    );
    let out = run(
        STUB,
        &[
            "--keepalive",
            "ignore",
            "--keepalive-stop-after",
            "2s",
            "--die-after",
            "2s",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--keepalive-stop-after: needs --keepalive answer"),
        "{}",
        stderr(&out)
    );
}

/// `--help` documents the scripted status sequence on the active link and the
/// keep-alive stop.
#[test]
fn the_stub_s_help_names_its_status_and_keep_alive_scripts() {
    let out = run(STUB, &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for wanted in [
        "--later-status",
        "--keepalive-stop-after",
        "--status normal,disabled@300ms --later-status normal",
    ] {
        assert!(help.contains(wanted), "{wanted:?} in\n{help}");
    }
}

#[test]
fn the_driver_names_the_line_of_a_bad_options_file() {
    let path = temp_file(
        "bad.ini",
        "[TServer]\nlink-1-name = A\n[A]\nhostname = h\n[link-control]\nconnect-tout = soon\n",
    );
    let out = run(DRIVER, &["--options", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("line 6"), "{}", stderr(&out));

    let path = temp_file("connections.ini", "[Connections]\nLAB = priority=1\n");
    let out = run(DRIVER, &["--options", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("LAB has no hostname"),
        "{}",
        stderr(&out)
    );

    let out = run(DRIVER, &["--options", "/nonexistent/linkpilot.ini"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));

    // Not UTF-8 (a Latin-1 export): the line of the first bad byte, not just "invalid".
    let path = temp_file("latin1.ini", "");
    std::fs::write(
        &path,
        b"[TServer]\nlink-1-name = A\n[A]\nhostname = z\xfcrich\n",
    )
    .unwrap();
    let out = run(DRIVER, &["--options", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("latin1.ini: line 4: byte 0xFC at column 13 is not UTF-8"),
        "{}",
        stderr(&out)
    );
}

/// A connector on a free loopback port that accepts the session start, then floods
/// for `flood_for`: SystemStatus events and undecodable documents, as fast as the
/// socket takes them. Then it waits (at most 10 s) for the driver to close. Returns its
/// port and how many documents it flooded.
fn flooding_connector(flood_for: std::time::Duration) -> (u16, std::thread::JoinHandle<u64>) {
    use bytes::BytesMut;
    use csta_wire::{Frame, Framing, HeaderFraming, InvokeId, Message};
    use std::io::{Read, Write};

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().unwrap().port();
    let flooder = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().expect("the driver connects");
        socket
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let (mut inbound, mut buf) = (BytesMut::new(), [0u8; 4096]);
        let request = loop {
            if let Some(frame) = HeaderFraming.decode(&mut inbound).expect("framed") {
                break frame;
            }
            let n = socket.read(&mut buf).expect("the session start");
            assert!(n > 0, "the driver closed before its session start");
            inbound.extend_from_slice(&buf[..n]);
        };
        let accept = Message::StartApplicationSessionPosResponse {
            session_id: "flood".into(),
            protocol_version: csta_wire::ECMA_323_NAMESPACE.into(),
            session_duration_s: 180,
        };
        let mut out = BytesMut::new();
        let frame = |body| Frame {
            invoke_id: InvokeId::EVENT,
            body,
        };
        HeaderFraming
            .encode(
                &Frame {
                    invoke_id: request.invoke_id,
                    body: accept.encode(),
                },
                &mut out,
            )
            .unwrap();
        socket.write_all(&out).unwrap();
        // 100 documents a write: statuses and bodies that are not XML, alternately.
        let mut batch = BytesMut::new();
        for i in 0..100 {
            let body = match i % 2 {
                0 => Message::SystemStatus(link_core::SystemStatus::Normal).encode(),
                _ => b"<unclosed".to_vec(),
            };
            HeaderFraming.encode(&frame(body), &mut batch).unwrap();
        }
        let (until, mut sent) = (std::time::Instant::now() + flood_for, 0u64);
        while std::time::Instant::now() < until && socket.write_all(&batch).is_ok() {
            sent += 100;
        }
        // Idle until the driver closes (or the read times out).
        while matches!(socket.read(&mut buf), Ok(n) if n > 0) {}
        sent
    });
    (port, flooder)
}

/// docs/wire.md: a flooding peer cannot flood the operator's log. A connector sending
/// statuses and undecodable documents as fast as it can for 1.5 s gets a few lines a
/// second of each and one summary line a second saying how many were not shown.
#[test]
fn a_flooding_connector_gets_a_few_lines_and_a_summary_a_second() {
    let (port, flooder) = flooding_connector(std::time::Duration::from_millis(1500));
    let options = format!(
        "[TServer]\nlink-1-name = CSTA_FLOOD\n[CSTA_FLOOD]\nhostname = 127.0.0.1\nport = {port}\n"
    );
    let path = temp_file("flood.ini", &options);
    let out = run(
        DRIVER,
        &["--options", path.to_str().unwrap(), "--run-for", "2500ms"],
    );
    let sent = flooder.join().expect("the flooder ran");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(sent > 1_000, "a flood: {sent} documents");
    let lines: Vec<&str> = stdout.lines().collect();
    // Per kind and second: 5 lines and a summary; 3 windows at most, a few kinds.
    assert!(
        lines.len() < 120,
        "{} lines for {sent} documents:\n{}",
        lines.len(),
        lines[..200.min(lines.len())].join("\n")
    );
    let shown = |what: &str| lines.iter().filter(|l| l.ends_with(what)).count();
    assert!(
        shown("<- CSTA_FLOOD: SystemStatus normal") <= 15,
        "{stdout}"
    );
    assert!(shown("<- CSTA_FLOOD: other message") <= 15, "{stdout}");
    let summary = |what: &str| {
        lines.iter().any(|l| {
            l.contains(&format!("more \"<- CSTA_FLOOD: {what}\" in the 1s from"))
                && l.ends_with("(not shown)")
        })
    };
    assert!(summary("SystemStatus normal"), "{stdout}");
    assert!(summary("other message"), "{stdout}");
    assert!(
        stdout.lines().any(|l| l.ends_with("  shutdown")),
        "{stdout}"
    );
}

/// The README's manual demo, reduced to one connector: the driver reads the options,
/// connects, and logs 35115 for it; `--run-for` stops it cleanly with exit 0.
#[test]
fn the_driver_selects_a_stub_process_and_stops_by_itself() {
    let (mut stub, port, path) = one_stub("one.ini");
    let out = run(
        DRIVER,
        &["--options", path.to_str().unwrap(), "--run-for", "1500ms"],
    );
    let _ = stub.kill();
    let _ = stub.wait();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", stderr(&out));
    assert!(
        stdout.contains(&format!("link CSTA_ONE priority 0 at 127.0.0.1:{port}")),
        "{stdout}"
    );
    assert!(
        stdout.contains("LOG 35115 STANDARD CTI link CSTA_ONE with priority 0 is selected"),
        "{stdout}"
    );
    assert!(
        stdout.contains("CLIENTS EventLinkConnected (CSTA_ONE)"),
        "{stdout}"
    );
    assert!(
        stdout.lines().any(|l| l.ends_with("  shutdown")),
        "{stdout}"
    );
}

/// `--stdin-commands`: an operator changes the active link's priority (R13: dropped and
/// selected again with the new priority) and quits; the driver exits 0.
#[test]
fn the_driver_takes_commands_on_standard_input() {
    use std::io::Write;
    use std::sync::mpsc;
    use std::time::Duration;

    let (mut stub, _, path) = one_stub("commands.ini");
    let mut driver = Command::new(DRIVER)
        .args([
            "--options",
            path.to_str().unwrap(),
            "--stdin-commands",
            "--run-for",
            "20s",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the driver starts");
    let (tx, lines) = mpsc::channel();
    let stdout = driver.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut transcript = Vec::new();
    let mut wait_for = |needle: &str| loop {
        match lines.recv_timeout(Duration::from_secs(5)) {
            Ok(line) => {
                let found = line.contains(needle);
                transcript.push(line);
                if found {
                    return;
                }
            }
            Err(_) => panic!("no {needle:?} within 5 s:\n{}", transcript.join("\n")),
        }
    };
    let mut stdin = driver.stdin.take().unwrap();
    wait_for("CSTA_ONE with priority 0 is selected");
    writeln!(stdin, "priority CSTA_ONE 7").unwrap();
    wait_for("CLIENTS EventLinkDisconnected (CSTA_ONE)");
    wait_for("CSTA_ONE with priority 7 is selected");
    writeln!(stdin, "role sideways").unwrap();
    writeln!(stdin, "quit").unwrap();
    wait_for("  shutdown");
    let out = driver.wait_with_output().expect("the driver exits");
    let _ = stub.kill();
    let _ = stub.wait();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("unknown role \"sideways\""),
        "{}",
        stderr(&out)
    );
}

/// Hostile operator input on `--stdin-commands`: a line that is not UTF-8 and one of
/// 100 KB are reported, bounded and escaped, and reading goes on (a later `quit` is
/// still obeyed; the first bad byte used to end reading silently); 2,000 `priority`
/// commands with as many values print a bounded number of lines (each value was a kind
/// of its own for the flood limiter).
#[test]
fn hostile_standard_input_is_reported_in_bounds_and_reading_goes_on() {
    use std::io::Write;

    let options = temp_file(
        "hostile-stdin.ini",
        "[TServer]\nlink-1-name = A\n[A]\nhostname = 127.0.0.1\nport = 1\n",
    );
    let mut driver = Command::new(DRIVER)
        .args([
            "--options",
            options.to_str().unwrap(),
            "--stdin-commands",
            "--run-for",
            "60s",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the driver starts");
    let mut stdin = driver.stdin.take().unwrap();
    stdin.write_all(b"\xff\xfe role backup\n").unwrap();
    stdin.write_all(&[b'x'; 100_000]).unwrap();
    stdin.write_all(b"\nmove A h\x1b[2J:1040\n").unwrap();
    for n in 0..2_000 {
        writeln!(stdin, "priority A {n}").unwrap();
    }
    stdin.write_all(b"quit\n").unwrap();
    drop(stdin);
    let started = std::time::Instant::now();
    let out = driver.wait_with_output().expect("the driver exits");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(50),
        "quit was obeyed"
    );
    let errors = stderr(&out);
    assert!(
        errors.contains("standard input, line 1: not UTF-8 text; it was skipped"),
        "{errors}"
    );
    assert!(
        errors.contains("line 2: a command is at most 4096 bytes"),
        "{errors}"
    );
    assert!(
        errors.contains("line 3: hostname \"h\\u{1b}[2J\" holds U+001B"),
        "{errors}"
    );
    assert!(!errors.contains('\u{1b}'), "escaped");
    assert!(errors.len() < 2_000, "{} bytes of errors", errors.len());
    let lines = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!(lines < 400, "{lines} lines for 2,000 priority commands");
}

/// `--options` reads only a bounded regular file, and shows nothing of one that is not
/// an export (a device used to be read until memory ran out, a file's first line echoed).
#[test]
fn the_driver_reads_only_an_options_export() {
    let out = run(DRIVER, &["--options", "/dev/zero", "--run-for", "1s"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    let secret = temp_file("not-options.txt", "root:$6$secret:19000:0:99999:7:::\n");
    let out = run(
        DRIVER,
        &["--options", secret.to_str().unwrap(), "--run-for", "1s"],
    );
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(
        message.contains("not a T-Server options export"),
        "{message}"
    );
    assert!(!message.contains("secret"), "{message}");
}

/// The hostile-input pass: a closed standard error (the reader went away) used to make
/// both binaries panic (exit 101) instead of exiting 2 on a bad argument, and a closed
/// standard output made link-driver panic at its first line. A socket whose other end
/// is closed stands for the pipe: writing to it fails with EPIPE at once, every time.
#[cfg(unix)]
#[test]
fn a_closed_output_never_makes_a_binary_panic() {
    use std::os::unix::net::UnixStream;
    let closed = || {
        let (mine, theirs) = UnixStream::pair().expect("a socket pair");
        drop(mine);
        Stdio::from(std::os::fd::OwnedFd::from(theirs))
    };
    let cases: [(&str, &[&str]); 3] = [
        (DRIVER, &["--options", "/nonexistent/options.ini"]),
        (STUB, &["--status", "bogus"]),
        (DRIVER, &["--no-such-flag"]),
    ];
    for (bin, args) in cases {
        let status = Command::new(bin)
            .args(args)
            .stdout(closed())
            .stderr(closed())
            .status()
            .expect("the binary runs");
        assert_eq!(status.code(), Some(2), "{bin} {args:?}");
    }
    let options = temp_file(
        "closed.ini",
        "[TServer]\nlink-1-name = CSTA_ONE\n[CSTA_ONE]\nhostname = 127.0.0.1\nport = 9\n",
    );
    let status = Command::new(DRIVER)
        .args(["--options", options.to_str().unwrap(), "--run-for", "300ms"])
        .stdout(closed())
        .stderr(closed())
        .status()
        .expect("the driver runs");
    assert_eq!(status.code(), Some(0), "a clean shutdown, whoever reads");
}

/// A `--reject-reason` the stub could not send (past the codec's name limit, or with a
/// control character) is refused at start, escaped.
#[test]
fn the_stub_refuses_a_reject_reason_it_could_not_send() {
    for reason in ["x\u{1b}]0;PWN\u{7}y".to_string(), "R".repeat(70_000)] {
        let out = run(STUB, &["--reject-reason", &reason]);
        assert_eq!(out.status.code(), Some(2));
        let text = stderr(&out);
        assert!(
            text.contains("an ECMA-354 error name of at most 128 bytes"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}') && text.len() < 300, "{text}");
    }
}
