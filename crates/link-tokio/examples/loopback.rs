//! The loopback demo in one command: three CSTA Connector stubs on 127.0.0.1 (free
//! ports), the driver selecting the highest priority, the selected connector killed,
//! EventLinkDisconnected, the restart timeout, and the next connector selected.
//!
//! Run it with `cargo run -p link-tokio --example loopback`. It stops by itself (about
//! 6 s) and exits 1 if the failover does not happen within 15 s.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use link_core::{Action, ClientEvent, Config, LinkConfig};
use link_tokio::{Control, Driver, Record, Stub, StubScript, Target};
use tokio::sync::mpsc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let names = [("CSTA_EAST", 10), ("CSTA_WEST", 5), ("CSTA_SOUTH", 1)];
    let mut targets = Vec::new();
    let mut stubs = Vec::new();
    for (name, _) in names {
        let script = StubScript {
            name: name.to_owned(),
            ..StubScript::default()
        };
        let stub = match Stub::bind("127.0.0.1:0".parse().expect("an address"), script) {
            Ok(stub) => stub,
            Err(e) => {
                eprintln!("cannot bind a loopback port: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!("stub {name} listening on {}", stub.local_addr());
        targets.push(Target::new("127.0.0.1", stub.local_addr().port()));
        stubs.push(tokio::spawn(
            stub.run(Arc::new(|line: &str| println!("      stub | {line}"))),
        ));
    }
    let config = Config::new(names.map(|(n, p)| LinkConfig::new(n).with_priority(p)))
        .with_connect_timeout(Duration::from_secs(1))
        .with_restart_timeout(Duration::from_secs(1))
        .with_keepalive(Duration::from_secs(1), 2);
    let driver = match Driver::new(config.clone(), targets) {
        Ok(driver) => driver,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let (control, control_rx) = mpsc::channel(4);
    let (connected_tx, mut connected) = mpsc::unbounded_channel();
    let printing = config.clone();
    let run = tokio::spawn(driver.run(control_rx, move |record| {
        if let Record::Action {
            action: Action::ArmTimer { .. } | Action::CancelTimer(_),
            ..
        } = record
        {
            return;
        }
        println!("driver | {}", record.text(&printing));
        if let Record::Action {
            action: Action::NotifyClients(ClientEvent::LinkConnected { link }),
            ..
        } = record
        {
            let _ = connected_tx.send(*link);
        }
    }));

    let script = async {
        let first = connected.recv().await?;
        println!(
            "\n=== {} is active; killing its connector in 1.5 s ===\n",
            config.links[first.index()].name
        );
        tokio::time::sleep(Duration::from_millis(1500)).await;
        stubs[first.index()].abort();
        println!("\n=== {} killed ===\n", config.links[first.index()].name);
        let second = connected.recv().await?;
        println!(
            "\n=== {} is active; stopping in 1.5 s ===\n",
            config.links[second.index()].name
        );
        tokio::time::sleep(Duration::from_millis(1500)).await;
        Some((first, second))
    };
    let outcome = tokio::time::timeout(Duration::from_secs(15), script).await;
    let _ = control.send(Control::Shutdown).await;
    let _ = run.await;
    match outcome {
        Ok(Some((first, second))) if first != second => {
            println!(
                "failover done: {} -> {}",
                config.links[first.index()].name,
                config.links[second.index()].name
            );
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("the failover did not happen within 15 s");
            ExitCode::FAILURE
        }
    }
}
