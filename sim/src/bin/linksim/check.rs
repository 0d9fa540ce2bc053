//! `linksim check`: reads and checks scenario files without running them, and warns of
//! a run that may outgrow its step budget or take minutes.

use std::path::{Path, PathBuf};

use linksim::{scenario, Exit};

use crate::files::expand;

/// `linksim check`'s flags.
#[derive(clap::Args)]
pub struct CheckFlags {
    /// Scenario files or directories.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Let `config.options` name a file outside the scenario's folder.
    #[arg(long)]
    options_outside: bool,
}

/// Checks every file; the worst outcome.
pub fn command(flags: CheckFlags) -> Exit {
    let access = scenario::Access {
        options_outside: flags.options_outside,
        ..scenario::Access::default()
    };
    let files = match expand(&flags.paths) {
        Ok(files) => files,
        Err(e) => {
            errln!("error: {e}");
            return Exit::NoVerdict;
        }
    };
    let mut exit = Exit::Pass;
    for file in &files {
        match scenario::load_with(file, access) {
            Ok(c) => {
                outln!(
                    "ok    {}  ({}: {} link(s), {} server(s), {} fault(s), {} expectation(s))",
                    linksim::printable_path(file),
                    c.scenario.name,
                    c.config.links.len(),
                    c.servers.len(),
                    c.scenario.faults.len(),
                    c.scenario.expect.len()
                );
                warn_if_long(file, &c);
            }
            Err(e) => {
                errln!("error: {e}");
                exit = Exit::NoVerdict;
            }
        }
    }
    exit
}

/// Core steps per second of a release build, rounded down from `explore`'s measured
/// 1.6 million, and link visits per second of the invariant check that every step makes
/// (a 65,535-link run: 196,607 steps x 65,535 links in 85 s is 1.5e8): what `check`
/// divides by to estimate a run's time.
const STEPS_PER_SECOND: f64 = 1_000_000.0;
const LINK_CHECKS_PER_SECOND: f64 = 150_000_000.0;

/// `check`'s warning for a run that may need more than the default step budget or
/// more than two minutes.
fn warn_if_long(file: &Path, checked: &scenario::Checked) {
    let steps = checked.estimated_steps();
    let links = checked.config.links.len() as f64;
    let seconds = steps / STEPS_PER_SECOND + steps * links / LINK_CHECKS_PER_SECOND;
    let budget = linksim::DEFAULT_STEP_BUDGET;
    if steps > budget as f64 {
        errln!(
            "warning: {}: this run may need up to about {steps:.0} core steps; past the step budget of {budget} it stops with an error (raise it with run --max-steps)",
            linksim::printable_path(file)
        );
    } else if seconds > 120.0 {
        errln!(
            "warning: {}: this run may take up to about {seconds:.0} s ({steps:.0} core steps, each checking {links} links)",
            linksim::printable_path(file)
        );
    }
}
