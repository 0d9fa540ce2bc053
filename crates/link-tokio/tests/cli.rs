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
    assert!(stdout.contains("input Shutdown"), "{stdout}");
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
    wait_for("input Shutdown");
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
