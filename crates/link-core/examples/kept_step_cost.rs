//! One event on a kept core, repeated: what `scripts/kept-core-callgrind.sh` counts the
//! instructions of (only inside `LinkCore::step_into`, under callgrind), for the
//! kept-core table of BENCHMARKS.md. The core is reset from its template before each
//! step (`clone_from`, which reuses the core's room); the template's own set-up steps
//! are counted too, so the script takes the difference of two repetition counts.
//!
//! ```sh
//! cargo run --release -p link-core --example kept_step_cost -- EVENT LINKS REPEATS
//! ```
//!
//! EVENT is `waiting-accept` (the middle link of a procedure accepted), `refused-one`
//! (it refused) or `first-normal-lowest` (the lowest link's first `normal` while the
//! higher ones wait). Prints the number of actions the steps returned.

use std::process::ExitCode;

use link_core::{Event, Instant, LinkCore, SystemStatus};

#[path = "../benches/scenes/mod.rs"]
mod scenes;

/// The core before the event, and the event.
fn scene(name: &str, links: usize) -> Option<(LinkCore, Event)> {
    Some(match name {
        "waiting-accept" => {
            let (core, c) = scenes::middle_of_a_procedure(links);
            (core, Event::TcpAccepted(c))
        }
        "refused-one" => {
            let (core, c) = scenes::middle_of_a_procedure(links);
            (core, Event::TcpRefused(c))
        }
        "first-normal-lowest" => {
            let (core, _, c) = scenes::lowest_awaiting_status(links);
            (core, Event::SystemStatus(c, SystemStatus::Normal))
        }
        _ => return None,
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name, links, repeats] = args.as_slice() else {
        eprintln!("usage: kept_step_cost EVENT LINKS REPEATS");
        return ExitCode::from(2);
    };
    let (Ok(links @ 2..=4096), Ok(repeats)) = (links.parse::<usize>(), repeats.parse::<u64>())
    else {
        eprintln!("LINKS is a number from 2 to 4096, REPEATS a count");
        return ExitCode::from(2);
    };
    let Some((template, event)) = scene(name, links) else {
        eprintln!("unknown EVENT {name:?}: waiting-accept, refused-one or first-normal-lowest");
        return ExitCode::from(2);
    };
    let mut core = template.clone();
    let mut actions = Vec::with_capacity(2 * links + 16);
    let mut produced = 0;
    for _ in 0..repeats {
        core.clone_from(&template);
        actions.clear();
        if let Err(error) = core.step_into(Instant::ZERO, event, &mut actions) {
            eprintln!("the step was refused: {error}");
            return ExitCode::FAILURE;
        }
        produced += actions.len();
    }
    println!("{produced}");
    ExitCode::SUCCESS
}
