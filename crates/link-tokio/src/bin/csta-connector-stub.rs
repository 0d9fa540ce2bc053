//! `csta-connector-stub`: a scriptable CSTA Connector on one TCP port, for trying a
//! T-Server-side driver on loopback. Its first line on stdout is
//! `csta-connector-stub NAME bound to ADDR`, so a script (or a test) can learn a port
//! picked with `--port 0`. Connections are accepted from that line on, unless
//! `--refuse-for` keeps the port closed a while longer.

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
}

/// A scriptable CSTA Connector (CSTA-XML over TCP) for local testing.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Examples:\n  csta-connector-stub --port 7101 --name CSTA_EAST\n  csta-connector-stub --port 7102 --status initializing,normal@2s\n  csta-connector-stub --port 7103 --association reject\n  csta-connector-stub --port 7104 --refuse-for 5s --die-after 30s --keepalive ignore"
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
    /// Whether keep-alives are answered.
    #[arg(long, value_enum, default_value = "answer")]
    keepalive: KeepAlive,
    /// Die (close the port and every connection, exit 0) this long after start.
    #[arg(long, value_parser = parse_duration)]
    die_after: Option<Duration>,
    /// Serve at most this many connections at once; one more is closed at once.
    #[arg(long, default_value_t = link_tokio::stub::MAX_CONNECTIONS, value_parser = clap::value_parser!(usize))]
    max_connections: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let statuses: Vec<(Duration, SystemStatus)> = match parse_statuses(&args.status) {
        Ok(statuses) => statuses,
        Err(e) => {
            eprintln!("csta-connector-stub: --status: {e}");
            return ExitCode::from(2);
        }
    };
    let script = StubScript {
        name: args.name.clone(),
        refuse_for: args.refuse_for,
        accept_delay: args.accept_delay,
        association: match args.association {
            Association::Accept => AssociationAnswer::Accept,
            Association::Reject => AssociationAnswer::Reject(args.reject_reason),
            Association::Silent => AssociationAnswer::Silent,
        },
        statuses,
        keepalive: match args.keepalive {
            KeepAlive::Answer => KeepAliveAnswer::Answer,
            KeepAlive::Ignore => KeepAliveAnswer::Ignore,
        },
        die_after: args.die_after,
        max_connections: args.max_connections,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("csta-connector-stub: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async {
        let stub = match Stub::bind(SocketAddr::new(args.host, args.port), script) {
            Ok(stub) => stub,
            Err(e) => {
                eprintln!(
                    "csta-connector-stub: cannot bind {}:{}: {e}",
                    args.host, args.port
                );
                return ExitCode::from(2);
            }
        };
        println!(
            "csta-connector-stub {} bound to {}",
            args.name,
            stub.local_addr()
        );
        // A closed stdout (the reader went away) must not kill the connector.
        let log = Arc::new(|line: &str| {
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        });
        match stub.run(log).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("csta-connector-stub: {e}");
                ExitCode::from(1)
            }
        }
    })
}
