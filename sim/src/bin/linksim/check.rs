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

/// `check`'s warning for a run that may need more than the default step budget. (It
/// also warned of a run that would take minutes because every step checked every one of
/// many links; with incremental checks a step costs about the same at any link count,
/// and a run within the budget takes seconds.)
fn warn_if_long(file: &Path, checked: &scenario::Checked) {
    let steps = checked.estimated_steps();
    let budget = linksim::DEFAULT_STEP_BUDGET;
    if steps > budget as f64 {
        errln!(
            "warning: {}: this run may need up to about {steps:.0} core steps; past the step budget of {budget} it stops with an error (raise it with run --max-steps)",
            linksim::printable_path(file)
        );
    }
}
