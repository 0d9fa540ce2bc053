//! `link-driver`: runs link-core against real CSTA Connectors described by a T-Server
//! options file, printing every input, action, log record and client notification.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use link_core::{Action, Role};
use link_tokio::stub::parse_duration;
use link_tokio::{Control, Driver, Record};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RoleArg {
    /// Not in an HA pair.
    Standalone,
    /// The primary of an HA pair.
    Primary,
    /// The backup of an HA pair: opens the highest-priority links only.
    Backup,
}

/// Drives link-core over TCP to the CSTA Connectors named in a T-Server options file.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Example (three stubs on 7101-7103, see README \"Embedding\"):\n  link-driver --options crates/link-tokio/examples/loopback.ini --restart-timeout 1s --run-for 10s"
)]
struct Args {
    /// The T-Server options in exported INI form ([TServer], [link-control], link sections).
    #[arg(long)]
    options: PathBuf,
    /// The role to start in.
    #[arg(long, value_enum, default_value = "standalone")]
    role: RoleArg,
    /// The link restart timeout (no T-Server option holds it), e.g. 1s.
    #[arg(long, value_parser = parse_duration)]
    restart_timeout: Option<Duration>,
    /// Stop (shut down cleanly) after this long; without it, run until Ctrl-C.
    #[arg(long, value_parser = parse_duration)]
    run_for: Option<Duration>,
    /// Also print timer arming and cancelling, and ignored inputs.
    #[arg(long)]
    verbose: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let text = match std::fs::read_to_string(&args.options) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("link-driver: cannot read {}: {e}", args.options.display());
            return ExitCode::from(2);
        }
    };
    let mut options = match tserver_options::parse(&text) {
        Ok(options) => options,
        Err(e) => {
            eprintln!("link-driver: {}: {e}", args.options.display());
            return ExitCode::from(2);
        }
    };
    if let Some(timeout) = args.restart_timeout {
        options.config = options.config.with_restart_timeout(timeout);
    }
    let role = match args.role {
        RoleArg::Standalone => Role::Standalone,
        RoleArg::Primary => Role::Primary,
        RoleArg::Backup => Role::Backup,
    };
    let driver = match Driver::from_options(options, role) {
        Ok(driver) => driver,
        Err(e) => {
            eprintln!("link-driver: {}: {e}", args.options.display());
            return ExitCode::from(2);
        }
    };
    let config = driver.config().clone();
    for (link, target) in config.links.iter().zip(driver_targets(&text)) {
        println!(
            "link {} priority {} at {target}",
            link.name,
            link.effective_priority()
        );
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("link-driver: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let verbose = args.verbose;
    let result = runtime.block_on(async move {
        let (control, control_rx) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            match args.run_for {
                Some(after) => tokio::time::sleep(after).await,
                None => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
            let _ = control.send(Control::Shutdown).await;
        });
        driver
            .run(control_rx, |record| {
                let quiet = matches!(
                    record,
                    Record::Ignored { .. }
                        | Record::Action {
                            action: Action::ArmTimer { .. } | Action::CancelTimer(_),
                            ..
                        }
                );
                if verbose || !quiet {
                    // A closed stdout must not stop the driver: it has links to keep.
                    let _ = writeln!(std::io::stdout().lock(), "{}", record.text(&config));
                }
            })
            .await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("link-driver: {e}");
            ExitCode::from(1)
        }
    }
}

/// The `host:port` of each link, for the opening lines.
fn driver_targets(text: &str) -> Vec<String> {
    tserver_options::parse(text)
        .map(|o| {
            o.endpoints
                .iter()
                .map(|e| format!("{}:{}", e.hostname.as_deref().unwrap_or("?"), e.port))
                .collect()
        })
        .unwrap_or_default()
}
