//! `csta-connector-stub`: a scriptable CSTA Connector on one TCP port, for trying a
//! T-Server-side driver on loopback. Its first line on stdout is
//! `csta-connector-stub NAME bound to ADDR`, so a script (or a test) can learn a port
//! picked with `--port 0`. Connections are accepted from that line on, unless
//! `--refuse-for` keeps the port closed a while longer.
//!
//! `--status normal,disabled@300ms` reports `normal` and, 300 ms later, `disabled` in
//! every session (on the active link, if the server selected it: R15);
//! `--later-status normal` gives every session after the first its own sequence (the
//! connector recovered). `--keepalive-stop-after 3s` answers keep-alives for 3 s of each
//! session, then stops (R14).

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use link_core::SystemStatus;
use link_tokio::stub::{parse_duration, parse_statuses};
use link_tokio::{AssociationAnswer, KeepAliveAnswer, Stub, StubScript};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Association {
    /// StartApplicationSessionPosResponse, then the SystemStatus sequence.
    Accept,
    /// StartApplicationSessionNegResponse (see --reject-reason).
    Reject,
    /// No answer at all.
    Silent,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum KeepAlive {
    /// Answer each keep-alive with SystemStatusResponse.
    Answer,
    /// Never answer.
    Ignore,
    /// Answer with an ECMA-323 error (CSTAErrorCode): the connector cannot serve.
    Error,
}

/// What `--keepalive-stop-after` and `--keepalive ignore` together would mean: nothing.
const STOP_NEEDS_ANSWER: &str =
    "--keepalive-stop-after: needs --keepalive answer (an ignoring stub has nothing to stop)";

/// A scriptable CSTA Connector (CSTA-XML over TCP) for local testing.
#[derive(Debug, Parser)]
#[command(
    version,
    max_term_width = 100,
    after_help = "Examples:\n  csta-connector-stub --port 7101 --name CSTA_EAST\n  csta-connector-stub --port 7102 --status initializing,normal@2s\n  csta-connector-stub --port 7103 --association reject\n  csta-connector-stub --port 7104 --refuse-for 5s --die-after 30s --keepalive ignore\n  csta-connector-stub --port 7105 --status normal,disabled@300ms --later-status normal\n  csta-connector-stub --port 7106 --keepalive-stop-after 3s"
)]
struct Args {
    /// Address to listen on; loopback by default.
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// TCP port; 0 picks a free one (printed on the first line).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Name used in the log lines.
    #[arg(long, default_value = "stub")]
    name: String,
    /// Keep the port closed (connections refused) for this long after start, e.g. 5s.
    #[arg(long, value_parser = parse_duration, default_value = "0s")]
    refuse_for: Duration,
    /// Wait this long after a connection arrives before reading from it, e.g. 300ms.
    #[arg(long, value_parser = parse_duration, default_value = "0s")]
    accept_delay: Duration,
    /// How to answer StartApplicationSession.
    #[arg(long, value_enum, default_value = "accept")]
    association: Association,
    /// The ECMA-354 error sent with --association reject.
    #[arg(long, default_value = "requestedProtocolVersionNotSupported")]
    reject_reason: String,
    /// SystemStatus values sent after a positive session response, each optionally
    /// with the wait before it: e.g. `normal` or `initializing,normal@2s`. Empty: none.
    #[arg(long, default_value = "normal")]
    status: String,
    /// The SystemStatus sequence for every session after the first the stub accepts
    /// (same form as --status), e.g. `normal` for a connector that recovered after
    /// `--status normal,disabled@300ms`. Without it, every session plays --status.
    #[arg(long)]
    later_status: Option<String>,
    /// Whether keep-alives are answered.
    #[arg(long, value_enum, default_value = "answer")]
    keepalive: KeepAlive,
    /// With `--keepalive answer`: stop answering keep-alives this long after each
    /// session was accepted, e.g. 3s (the server then counts failures).
    #[arg(long, value_parser = parse_duration)]
    keepalive_stop_after: Option<Duration>,
    /// Die (close the port and every connection, exit 0) this long after start.
    #[arg(long, value_parser = parse_duration)]
    die_after: Option<Duration>,
    /// Serve at most this many connections at once; one more is closed at once.
    #[arg(long, default_value_t = link_tokio::stub::MAX_CONNECTIONS, value_parser = clap::value_parser!(usize))]
    max_connections: usize,
}

/// The script the arguments describe, or what is wrong with them.
fn script(args: &Args) -> Result<StubScript, String> {
    let statuses: Vec<(Duration, SystemStatus)> =
        parse_statuses(&args.status).map_err(|e| format!("--status: {e}"))?;
    let later_statuses = args
        .later_status
        .as_deref()
        .map(parse_statuses)
        .transpose()
        .map_err(|e| format!("--later-status: {e}"))?;
    // The reason is an ECMA-354 error name: what a peer's codec reads (at most
    // csta_wire::MAX_NAME_LEN bytes), printable.
    let reason = &args.reject_reason;
    if reason.len() > csta_wire::MAX_NAME_LEN || reason.chars().any(link_core::is_unprintable) {
        return Err(format!(
            "--reject-reason {}: an ECMA-354 error name of at most {} bytes, printable",
            link_core::excerpt(reason, 60),
            csta_wire::MAX_NAME_LEN
        ));
    }
    let keepalive = match (args.keepalive, args.keepalive_stop_after) {
        (KeepAlive::Answer, None) => KeepAliveAnswer::Answer,
        (KeepAlive::Answer, Some(after)) => KeepAliveAnswer::AnswerFor(after),
        (KeepAlive::Ignore, None) => KeepAliveAnswer::Ignore,
        (KeepAlive::Ignore | KeepAlive::Error, Some(_)) => return Err(STOP_NEEDS_ANSWER.to_owned()),
        (KeepAlive::Error, None) => KeepAliveAnswer::Error,
    };
    Ok(StubScript {
        name: args.name.clone(),
        refuse_for: args.refuse_for,
        accept_delay: args.accept_delay,
        association: match args.association {
            Association::Accept => AssociationAnswer::Accept,
            Association::Reject => AssociationAnswer::Reject(args.reject_reason.clone()),
            Association::Silent => AssociationAnswer::Silent,
        },
        statuses,
        later_statuses,
        keepalive,
        die_after: args.die_after,
        max_connections: args.max_connections,
    })
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => return link_tokio::terminal::clap_exit(&e, 2),
    };
    let script = match script(&args) {
        Ok(script) => script,
        Err(e) => {
            link_tokio::terminal::complain(&format!("csta-connector-stub: {e}"));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            link_tokio::terminal::complain(&format!(
                "csta-connector-stub: cannot start the runtime: {e}"
            ));
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async {
        let stub = match Stub::bind(SocketAddr::new(args.host, args.port), script) {
            Ok(stub) => stub,
            Err(e) => {
                link_tokio::terminal::complain(&format!(
                    "csta-connector-stub: cannot bind {}:{}: {e}",
                    args.host, args.port
                ));
                return ExitCode::from(2);
            }
        };
        // Never a panic on a closed standard output: the connector goes on serving.
        let _ = writeln!(
            std::io::stdout().lock(),
            "csta-connector-stub {} bound to {}",
            link_core::printable(&args.name),
            stub.local_addr()
        );
        // A closed stdout (the reader went away) must not kill the connector.
        let log = Arc::new(|line: &str| {
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        });
        match stub.run(log).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                link_tokio::terminal::complain(&format!("csta-connector-stub: {e}"));
                ExitCode::from(1)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script_of(flags: &[&str]) -> Result<StubScript, String> {
        let args = Args::try_parse_from([&["csta-connector-stub"], flags].concat())
            .map_err(|e| e.to_string())?;
        script(&args)
    }

    #[test]
    fn status_sequences_and_keep_alive_stops_become_the_script() {
        let ms = Duration::from_millis;
        let script = script_of(&[
            "--status",
            "normal,disabled@300ms",
            "--later-status",
            "normal",
            "--keepalive-stop-after",
            "3s",
        ])
        .unwrap();
        assert_eq!(
            script.statuses,
            [
                (Duration::ZERO, SystemStatus::Normal),
                (ms(300), SystemStatus::Disabled)
            ]
        );
        assert_eq!(
            script.later_statuses,
            Some(vec![(Duration::ZERO, SystemStatus::Normal)])
        );
        assert_eq!(
            script.keepalive,
            KeepAliveAnswer::AnswerFor(Duration::from_secs(3))
        );
        let plain = script_of(&[]).unwrap();
        assert_eq!(plain.later_statuses, None, "every session plays --status");
        assert_eq!(plain.keepalive, KeepAliveAnswer::Answer);
        let ignoring = script_of(&["--keepalive", "ignore"]).unwrap();
        assert_eq!(ignoring.keepalive, KeepAliveAnswer::Ignore);
    }

    #[test]
    fn contradictory_or_bad_flags_are_named() {
        let both = script_of(&["--keepalive", "ignore", "--keepalive-stop-after", "1s"]);
        assert_eq!(both.unwrap_err(), STOP_NEEDS_ANSWER);
        let later = script_of(&["--later-status", "normal,fine"]).unwrap_err();
        assert!(
            later.starts_with("--later-status: \"fine\" is not a SystemStatus value"),
            "{later}"
        );
        let stop = script_of(&["--keepalive-stop-after", "3"]).unwrap_err();
        assert!(stop.contains("needs a unit"), "{stop}");
    }
}
