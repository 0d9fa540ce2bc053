//! `linksim new NAME [--options FILE]`: writes the commented starter scenario
//! ([`linksim::starter`]) to `NAME.json`, never over an existing file; with
//! `--options`, one over a T-Server options export (copied beside the scenario when it
//! is not already in the scenario's folder, as a scenario may only read files there). The name becomes the scenario's `name`
//! (a JSON string, escaped) and must be one `check` accepts: not empty, no control
//! character. The written file always passes `linksim check`.

use std::path::{Path, PathBuf};

use linksim::Exit;

/// `linksim new`'s flags.
#[derive(clap::Args)]
pub struct NewFlags {
    /// The scenario's name; it is written to NAME.json (a path ending in .json is used as is).
    name: String,
    /// A T-Server options export (INI): the scenario takes its links and timing from
    /// it, and crashes the connector of its highest-priority link. A file outside the
    /// scenario's folder is copied beside it as NAME.ini.
    #[arg(long, value_name = "FILE")]
    options: Option<PathBuf>,
}

/// Writes the starter scenario.
pub fn command(flags: NewFlags) -> Exit {
    match write(&flags.name, flags.options.as_deref()) {
        Ok(path) => {
            let html = path.with_extension("html");
            let (shown, path, html) = (
                linksim::printable_path(&path),
                crate::hint::word(&path),
                crate::hint::word(&html),
            );
            outln!("wrote {shown}; run it with: linksim run {path}");
            outln!("draw it with: linksim run {path} --html {html}");
            crate::hint::note_if_not_installed();
            Exit::Pass
        }
        Err(e) => {
            errln!("error: {e}");
            Exit::NoVerdict
        }
    }
}

/// Writes the starter named after `name` (over the export `options`, if any); the
/// path written.
fn write(name: &str, options: Option<&Path>) -> Result<PathBuf, String> {
    let path = match name.ends_with(".json") {
        true => PathBuf::from(name),
        false => PathBuf::from(format!("{name}.json")),
    };
    let shown = linksim::printable_path(&path);
    let stem = checked_stem(&path)?;
    if std::fs::symlink_metadata(&path).is_ok() {
        return Err(format!("{shown} exists; choose another name or remove it"));
    }
    let (text, copy) = match options {
        None => (linksim::starter::scenario(&stem), None),
        Some(file) => over_options(&path, &stem, file)?,
    };
    if let Some((from, to)) = &copy {
        if std::fs::symlink_metadata(to).is_ok() {
            return Err(format!(
                "{} exists; the export is copied there: remove it, or put the export in the scenario's folder",
                linksim::printable_path(to)
            ));
        }
        std::fs::copy(from, to).map_err(|e| format!("cannot copy the export: {e}"))?;
    }
    if let Err(e) = linksim::scenario::parse(&path, &text) {
        return Err(format!("the starter would not pass check: {e}"));
    }
    // create_new: never through a symbolic link (even a dangling one) put at the name.
    use std::io::Write as _;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("cannot write {shown}: {e}"))?;
    if let Some((from, to)) = copy {
        let (from, to) = (linksim::printable_path(&from), linksim::printable_path(&to));
        outln!("copied {from} to {to} (a scenario reads files in its own folder)");
    }
    Ok(path)
}

/// The scenario's name: the file name without `.json`, neither empty nor holding a
/// control or invisible character.
fn checked_stem(path: &Path) -> Result<String, String> {
    let shown = linksim::printable_path(path);
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
    Ok(stem.to_string())
}

/// The starter over the export `file`, and the copy to make first (from, to) when the
/// export is not in the scenario's folder.
type OverOptions = (String, Option<(PathBuf, PathBuf)>);

/// See [`OverOptions`].
fn over_options(scenario: &Path, stem: &str, file: &Path) -> Result<OverOptions, String> {
    let options = tserver_options::load(file)
        .map_err(|e| format!("{}: {e}", linksim::printable_path(file)))?;
    let folder = scenario.parent().filter(|p| !p.as_os_str().is_empty());
    let folder = folder.unwrap_or(Path::new("."));
    let folder = std::fs::canonicalize(folder).map_err(|e| {
        let shown = linksim::printable_path(folder);
        format!("cannot read the scenario's folder {shown}: {e}")
    })?;
    let real = std::fs::canonicalize(file)
        .map_err(|e| format!("{}: {e}", linksim::printable_path(file)))?;
    let inside = real
        .strip_prefix(&folder)
        .ok()
        .and_then(|p| p.to_str().map(str::to_string));
    let (named, copy) = match inside {
        Some(relative) => (relative, None),
        None => {
            let name = format!("{stem}.ini");
            let to = scenario.with_file_name(&name);
            (name, Some((file.to_path_buf(), to)))
        }
    };
    let source = copy.as_ref().map(|(from, _)| from.display().to_string());
    let text = linksim::starter::from_options(stem, &named, source.as_deref(), &options.config);
    Ok((text, copy))
}
