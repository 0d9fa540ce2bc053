//! `linksim new NAME`: writes the commented starter scenario ([`linksim::starter`]) to
//! `NAME.json`, never over an existing file.

use std::path::PathBuf;

use linksim::Exit;

/// `linksim new`'s flags.
#[derive(clap::Args)]
pub struct NewFlags {
    /// The scenario's name; it is written to NAME.json (a path ending in .json is used as is).
    name: String,
}

/// Writes the starter scenario.
pub fn command(flags: NewFlags) -> Exit {
    let name = flags.name.as_str();
    let path = if name.ends_with(".json") {
        PathBuf::from(name)
    } else {
        PathBuf::from(format!("{name}.json"))
    };
    let stem = path
        .file_stem()
        .map_or(name.to_string(), |s| s.to_string_lossy().into_owned());
    if path.exists() {
        errln!(
            "error: {} exists; choose another name or remove it",
            path.display()
        );
        return Exit::NoVerdict;
    }
    let text = linksim::starter::scenario(&stem);
    if let Err(e) = std::fs::write(&path, text) {
        errln!("error: cannot write {}: {e}", path.display());
        return Exit::NoVerdict;
    }
    outln!(
        "wrote {}; run it with: linksim run {}",
        path.display(),
        path.display()
    );
    Exit::Pass
}
