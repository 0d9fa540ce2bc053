//! `--planted-bug NAME` (builds with the feature `planted-bugs`, for tests): which of
//! link-core's deliberate bugs every core of the run carries; and the flags a replay
//! command needs to run as the command that printed it did.

#[cfg(feature = "planted-bugs")]
use linksim::Exit;

/// The planted bug named `name`, if any was named; an unknown name is refused.
#[cfg(feature = "planted-bugs")]
pub fn parse(name: Option<&str>) -> Result<Option<link_core::PlantedBug>, Exit> {
    let Some(name) = name else {
        return Ok(None);
    };
    match link_core::PlantedBug::from_name(name) {
        Some(bug) => Ok(Some(bug)),
        None => {
            errln!("error: no planted bug named {name:?}");
            Err(Exit::NoVerdict)
        }
    }
}

/// The flags a replay command needs to run as `run` did: ` --max-steps N` for a budget
/// other than the default, ` --planted-bug NAME` when the runs carry one.
pub fn replay_flags(run: linksim::RunOptions) -> String {
    let mut flags = String::new();
    if let Some(budget) = run
        .step_budget
        .filter(|&b| b != linksim::DEFAULT_STEP_BUDGET)
    {
        flags.push_str(&format!(" --max-steps {budget}"));
    }
    #[cfg(feature = "planted-bugs")]
    if let Some(bug) = run.planted_bug {
        flags.push_str(&format!(" --planted-bug {bug}"));
    }
    flags
}
