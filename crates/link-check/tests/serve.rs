//! `link-check --serve` answers on loopback: the Explorer's page and its state API, within
//! a bounded time; the process is stopped afterwards.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A GET of `path` on `port`; the whole response, or why there is none.
fn get(port: u16, path: &str) -> Result<String, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    Ok(response)
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn the_explorer_answers_on_loopback() {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_link-check"))
        .args([
            "--links",
            "2",
            "--only",
            "7",
            "--serve",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("link-check starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    let page = loop {
        match get(port, "/") {
            Ok(page) => break Ok(page),
            Err(e) if Instant::now() > deadline => break Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let states = get(port, "/.states");
    let _ = child.kill();
    let _ = child.wait();
    let page = page.expect("the Explorer answered within 30 s");
    assert!(
        page.starts_with("HTTP/1.") && page.contains("200"),
        "{page}"
    );
    assert!(
        page.to_lowercase().contains("<html"),
        "the Explorer's page: {page}"
    );
    let states = states.expect("the state API answered");
    assert!(
        states.contains("200") && states.contains("\"state\""),
        "{states}"
    );
}

#[test]
fn a_bad_address_is_refused_with_a_reason_not_a_panic() {
    let out = Command::new(env!("CARGO_BIN_EXE_link-check"))
        .args(["--links", "1", "--serve", "256.1.1.1:1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen on 256.1.1.1:1"));
}
