//! `link-driver`: runs link-core against real CSTA Connectors described by a T-Server
//! options file, printing every input, action, log record and client notification;
//! past a few records of one kind a second (a flooding peer), one summary line a second
//! stands for the rest (see `link_tokio::flood`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use link_core::{Action, Role};
use link_tokio::stub::parse_duration;
use link_tokio::{Control, Driver, LogLimiter, Record};

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
    max_term_width = 100,
    after_help = "Example (three stubs on 7101-7103, see docs/guide/embedding.md):\n  link-driver --options crates/link-tokio/examples/loopback.ini --restart-timeout 1s --run-for 10s"
)]
struct Args {
    /// The T-Server options in exported INI form (`[TServer]`, `[link-control]`, link sections).
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
    /// Read commands from standard input, one per line: `role standalone|primary|backup`
    /// (the Management Layer), `priority NAME N|none` and `move NAME HOST:PORT` (a link's
    /// settings changed, R13), `quit`. Off by default, so that the driver can run in the
    /// background.
    #[arg(long)]
    stdin_commands: bool,
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => return link_tokio::terminal::clap_exit(&e, 2),
    };
    let options = match load_options(&args) {
        Ok(options) => options,
        Err(e) => {
            link_tokio::terminal::complain(&format!("link-driver: {e}"));
            return ExitCode::from(2);
        }
    };
    let role = match args.role {
        RoleArg::Standalone => Role::Standalone,
        RoleArg::Primary => Role::Primary,
        RoleArg::Backup => Role::Backup,
    };
    // Taken before the driver consumes the options; every one has a host once it exists.
    let addresses: Vec<String> = options
        .endpoints
        .iter()
        .map(|e| format!("{}:{}", e.hostname.as_deref().unwrap_or("?"), e.port))
        .collect();
    let driver = match Driver::from_options(options, role) {
        Ok(driver) => driver,
        Err(e) => {
            link_tokio::terminal::complain(&format!(
                "link-driver: {}: {e}",
                args.options.display()
            ));
            return ExitCode::from(2);
        }
    };
    let config = driver.config().clone();
    for (link, target) in config.links.iter().zip(&addresses) {
        link_tokio::terminal::say(&format!(
            "link {} priority {} at {target}",
            link.name,
            link.effective_priority()
        ));
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            link_tokio::terminal::complain(&format!("link-driver: cannot start the runtime: {e}"));
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(drive(driver, config, &args));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            link_tokio::terminal::complain(&format!("link-driver: {e}"));
            ExitCode::from(1)
        }
    }
}

/// Runs `driver` until `--run-for` passes or Ctrl-C, printing its records through the
/// flood limiter (timers and ignored inputs only with `--verbose`).
async fn drive(
    driver: Driver,
    config: link_core::Config,
    args: &Args,
) -> Result<(), link_tokio::DriverError> {
    let (control, control_rx) = tokio::sync::mpsc::channel(4);
    if args.stdin_commands {
        tokio::spawn(read_commands(config.clone(), control.clone()));
    }
    let run_for = args.run_for;
    tokio::spawn(async move {
        match run_for {
            Some(after) => tokio::time::sleep(after).await,
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        let _ = control.send(Control::Shutdown).await;
    });
    // A closed stdout must not stop the driver: it has links to keep.
    let print = |line: &dyn std::fmt::Display| {
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    };
    let mut limiter = LogLimiter::default();
    let verbose = args.verbose;
    let result = driver
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
                limiter.write(record, &config, print);
            }
        })
        .await;
    limiter.finish(&config, print);
    result
}

/// The options file ([`tserver_options::load`]: a regular file of at most 16 MiB that
/// looks like an export, nothing of it shown otherwise), with `--restart-timeout`
/// applied.
fn load_options(args: &Args) -> Result<tserver_options::Options, String> {
    let path = link_core::printable(&args.options.display().to_string()).into_owned();
    let mut options = tserver_options::load(&args.options).map_err(|e| format!("{path}: {e}"))?;
    if let Some(timeout) = args.restart_timeout {
        options.config = options.config.with_restart_timeout(timeout);
    }
    Ok(options)
}

/// The longest command line read from standard input; a longer one is skipped.
const MAX_COMMAND_BYTES: usize = 4096;

/// One line of standard input, as [`read_line`] found it.
enum Line {
    /// A line (its newline left out) is in the buffer.
    Read,
    /// A line longer than [`MAX_COMMAND_BYTES`] was skipped.
    TooLong,
    /// Standard input ended.
    End,
}

/// Reads one line into `line` (emptied first), keeping at most [`MAX_COMMAND_BYTES`]:
/// the rest of a longer line is read past and dropped, so memory stays bounded.
async fn read_line(
    input: &mut (impl tokio::io::AsyncBufRead + Unpin),
    line: &mut Vec<u8>,
) -> std::io::Result<Line> {
    use tokio::io::AsyncBufReadExt;
    line.clear();
    let mut too_long = false;
    loop {
        let buffer = input.fill_buf().await?;
        if buffer.is_empty() {
            let ended = line.is_empty() && !too_long;
            return Ok(match (ended, too_long) {
                (true, _) => Line::End,
                (false, true) => Line::TooLong,
                (false, false) => Line::Read,
            });
        }
        let (chunk, newline) = match buffer.iter().position(|&b| b == b'\n') {
            Some(at) => (&buffer[..at], true),
            None => (buffer, false),
        };
        if line.len() + chunk.len() > MAX_COMMAND_BYTES {
            too_long = true;
        } else if !too_long {
            line.extend_from_slice(chunk);
        }
        let used = chunk.len() + usize::from(newline);
        input.consume(used);
        if newline {
            return Ok(if too_long { Line::TooLong } else { Line::Read });
        }
    }
}

/// Turns standard input into [`Control`]s until it ends or says `quit`. A line that is
/// too long, not UTF-8 or not a command is reported (escaped, at most 60 characters of
/// it) and reading goes on.
async fn read_commands(config: link_core::Config, control: tokio::sync::mpsc::Sender<Control>) {
    let mut priorities: Vec<Option<i32>> = config.links.iter().map(|l| l.priority).collect();
    let mut input = tokio::io::BufReader::new(tokio::io::stdin());
    let mut bytes = Vec::new();
    let mut number = 0u64;
    loop {
        let read = read_line(&mut input, &mut bytes).await;
        number += 1;
        let error = match read {
            Err(_) | Ok(Line::End) => return,
            Ok(Line::TooLong) => {
                format!("a command is at most {MAX_COMMAND_BYTES} bytes; it was skipped")
            }
            Ok(Line::Read) => match std::str::from_utf8(&bytes) {
                Err(_) => "not UTF-8 text; it was skipped".to_owned(),
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => match parse_command(text, &config, &mut priorities) {
                    Ok(Some(command)) => match control.send(command).await {
                        Ok(()) => continue,
                        Err(_) => return,
                    },
                    Ok(None) => {
                        let _ = control.send(Control::Shutdown).await;
                        return;
                    }
                    Err(e) => e,
                },
            },
        };
        link_tokio::terminal::complain(&format!(
            "link-driver: standard input, line {number}: {error}"
        ));
    }
}

/// One command line: `Ok(None)` for `quit`. `priorities` holds each link's current
/// priority, so that `move` keeps it and `priority` updates it.
fn parse_command(
    line: &str,
    config: &link_core::Config,
    priorities: &mut [Option<i32>],
) -> Result<Option<Control>, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let link = |name: &str| {
        config
            .links
            .iter()
            .position(|l| l.name == name)
            .map(|i| link_core::LinkId::new(i as u16))
            .ok_or_else(|| format!("no link named {}", tserver_options::quoted(name)))
    };
    match words.as_slice() {
        ["quit"] => Ok(None),
        ["role", role] => {
            let role = match *role {
                "standalone" => Role::Standalone,
                "primary" => Role::Primary,
                "backup" => Role::Backup,
                other => {
                    let role = tserver_options::quoted(other);
                    return Err(format!(
                        "unknown role {role}: standalone, primary or backup"
                    ));
                }
            };
            Ok(Some(Control::SetRole(role)))
        }
        ["priority", name, value] => {
            let id = link(name)?;
            let priority = match *value {
                "none" => None,
                n => Some(n.parse().map_err(|_| {
                    format!("{} is not a whole number", tserver_options::quoted(n))
                })?),
            };
            priorities[id.index()] = priority;
            Ok(Some(Control::Reconfigure {
                link: id,
                priority,
                target: None,
            }))
        }
        ["move", name, address] => {
            let id = link(name)?;
            let (host, port) = address
                .rsplit_once(':')
                .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
                .ok_or_else(|| format!("{} is not HOST:PORT", tserver_options::quoted(address)))?;
            // The same rules as a link section of the options file.
            tserver_options::check_endpoint(host, port)?;
            Ok(Some(Control::Reconfigure {
                link: id,
                priority: priorities[id.index()],
                target: Some(link_tokio::Target::new(host, port)),
            }))
        }
        _ => Err(format!(
            "unknown command {}; commands: role R, priority NAME N|none, move NAME HOST:PORT, quit",
            tserver_options::quoted(line)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use link_core::{Config, LinkConfig, LinkId};

    #[test]
    fn commands_become_controls_and_mistakes_are_named() {
        let config = Config::new([LinkConfig::new("A").with_priority(3), LinkConfig::new("B")]);
        let mut priorities = vec![Some(3), None];
        let mut parse = |line: &str| parse_command(line, &config, &mut priorities);
        assert_eq!(
            parse("role backup"),
            Ok(Some(Control::SetRole(Role::Backup)))
        );
        assert_eq!(
            parse("priority B 7"),
            Ok(Some(Control::Reconfigure {
                link: LinkId::new(1),
                priority: Some(7),
                target: None
            }))
        );
        assert_eq!(
            parse("move B 10.0.0.9:1040"),
            Ok(Some(Control::Reconfigure {
                link: LinkId::new(1),
                priority: Some(7),
                target: Some(link_tokio::Target::new("10.0.0.9", 1040)),
            })),
            "move keeps the priority set before"
        );
        assert_eq!(parse("quit"), Ok(None));
        assert!(parse("role boss").unwrap_err().contains("unknown role"));
        assert!(parse("priority C 1")
            .unwrap_err()
            .contains("no link named \"C\""));
        assert!(parse("move A nowhere").unwrap_err().contains("HOST:PORT"));
        assert!(parse("dance").unwrap_err().contains("commands:"));
        // `move` follows the options file's rules for a link section.
        let port = parse("move A h:0").unwrap_err();
        assert!(port.contains("port is 0"), "{port}");
        let host = parse("move A h\u{1b}x:1040").unwrap_err();
        assert!(
            host.contains("U+001B") && !host.contains('\u{1b}'),
            "{host}"
        );
        // A long line is quoted in part, escaped.
        let long = parse(&format!("\u{1b}{}", "x".repeat(10_000))).unwrap_err();
        assert!(long.len() < 300 && !long.contains('\u{1b}'), "{long}");
    }
}
