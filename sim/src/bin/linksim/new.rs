//! `linksim new NAME`: writes the commented starter scenario ([`linksim::starter`]) to
//! `NAME.json`, never over an existing file. The name becomes the scenario's `name`
//! (a JSON string, escaped) and must be one `check` accepts: not empty, no control
//! character. The written file always passes `linksim check`.

use std::path::{Path, PathBuf};

use linksim::Exit;

/// `linksim new`'s flags.
#[derive(clap::Args)]
pub struct NewFlags {
    /// The scenario's name; it is written to NAME.json (a path ending in .json is used as is).
    name: String,
}

/// Writes the starter scenario.
pub fn command(flags: NewFlags) -> Exit {
    match write(&flags.name) {
        Ok(path) => {
            let path = linksim::printable_path(&path);
            outln!("wrote {path}; run it with: linksim run {path}");
            Exit::Pass
        }
        Err(e) => {
            errln!("error: {e}");
            Exit::NoVerdict
        }
    }
}

/// Writes the starter named after `name`; the path written.
fn write(name: &str) -> Result<PathBuf, String> {
    let path = match name.ends_with(".json") {
        true => PathBuf::from(name),
        false => PathBuf::from(format!("{name}.json")),
    };
    let shown = linksim::printable_path(&path);
    let file_name = path.file_name().map(|s| s.to_string_lossy().into_owned());
    let stem = file_name
        .as_deref()
        .and_then(|f| f.strip_suffix(".json"))
        .unwrap_or_default();
    if stem.trim().is_empty() {
        return Err(format!(
            "\"{shown}\" has no name; write e.g. linksim new my-failover"
        ));
    }
    if stem.chars().any(link_core::is_unprintable) {
        return Err(format!(
            "the name \"{}\" holds a control or invisible character; a scenario's name is printed on every run",
            link_core::printable(stem)
        ));
    }
    if path.exists() {
        return Err(format!("{shown} exists; choose another name or remove it"));
    }
    let text = linksim::starter::scenario(stem);
    if let Err(e) = linksim::scenario::parse(Path::new(&shown), &text) {
        return Err(format!("the starter would not pass check: {e}"));
    }
    std::fs::write(&path, text).map_err(|e| format!("cannot write {shown}: {e}"))?;
    Ok(path)
}
