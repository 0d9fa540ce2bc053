//! The files a command writes, checked before it runs: never one of its own inputs,
//! never an existing scenario file unless `--overwrite` says so (a shell glob such as
//! `--trace r06-*.json` hands a scenario to the flag), always in a folder that exists
//! and can be written. A refused output stops the command before anything runs, with
//! exit 3. Files a command names itself (a shrunk violation, a worst run) may replace
//! only the files linksim wrote earlier.

use std::path::{Path, PathBuf};

/// The inputs of one command, and whether it may replace existing scenarios.
pub struct Outputs {
    inputs: Vec<PathBuf>,
    overwrite: bool,
}

impl Outputs {
    /// For a command reading `inputs` (files or folders), replacing existing scenario
    /// files only if `overwrite`.
    pub fn new(inputs: &[PathBuf], overwrite: bool) -> Self {
        Outputs {
            inputs: inputs.iter().filter_map(|p| real(p)).collect(),
            overwrite,
        }
    }

    /// Whether `path`, given to `flag`, may be written: `-` (standard output) always.
    pub fn check(&self, flag: &str, path: &Path) -> Result<(), String> {
        if path == Path::new("-") {
            return Ok(());
        }
        let shown = linksim::printable_path(path);
        if self.is_input(path) {
            return Err(format!(
                "{flag} {shown}: that is one of this command's inputs; name another file"
            ));
        }
        if path.is_dir() {
            return Err(format!(
                "{flag} {shown}: that is a folder; name a file in it"
            ));
        }
        if std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly()) {
            return Err(format!("{flag} {shown}: the file is read-only"));
        }
        if !self.overwrite && is_scenario(path) {
            return Err(format!(
                "{flag} {shown}: that file exists and is a scenario (did a shell pattern such as *.json put it here?); name another file, or pass --overwrite to replace it"
            ));
        }
        writable_folder(path).map_err(|e| format!("{flag} {shown}: {e}"))
    }

    /// Creates `dir`, given to `flag`, for files the command names itself, and checks
    /// it can be written.
    pub fn folder(&self, flag: &str, dir: &Path) -> Result<(), String> {
        let shown = linksim::printable_path(dir);
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{flag} {shown}: cannot create it: {e}"))?;
        writable_folder(&dir.join("probe")).map_err(|e| format!("{flag} {shown}: {e}"))
    }

    /// Whether the command may write `path`, a file it names itself: not an input, and
    /// not a scenario that linksim did not write (unless `--overwrite`).
    pub fn check_own(&self, path: &Path) -> Result<(), String> {
        let shown = linksim::printable_path(path);
        if self.is_input(path) {
            return Err(format!(
                "{shown} is one of this command's inputs; it was not replaced"
            ));
        }
        if !self.overwrite && is_scenario(path) && !written_by_linksim(path) {
            return Err(format!(
                "{shown} exists and is a scenario linksim did not write; it was not replaced (pass --overwrite, or another --out folder)"
            ));
        }
        Ok(())
    }

    /// Whether `path` is one of the inputs.
    fn is_input(&self, path: &Path) -> bool {
        let Some(path) = real(path) else {
            return false;
        };
        self.inputs.contains(&path)
    }
}

/// Where `path` really is: itself resolved, or (not yet existing) its folder resolved
/// with its name.
fn real(path: &Path) -> Option<PathBuf> {
    if let Ok(real) = std::fs::canonicalize(path) {
        return Some(real);
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(folder).ok()?.join(path.file_name()?))
}

/// Whether `path` is an existing scenario file: a JSON object with `format` and
/// `config` (as every scenario has; a sweep's or explore's JSON output has neither).
fn is_scenario(path: &Path) -> bool {
    let Ok(text) =
        linksim::scenario::read_regular_file(path, linksim::scenario::MAX_SCENARIO_BYTES)
    else {
        return false;
    };
    let uncommented = linksim::scenario::strip_comments(&text);
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str(&uncommented) else {
        return false;
    };
    map.contains_key("format") && map.contains_key("config")
}

/// Whether the scenario at `path` was written by `explore` or `sweep` (its
/// description says so).
fn written_by_linksim(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    let description = value["description"].as_str().unwrap_or_default();
    [
        "Shrunk by `linksim explore`",
        "Written by linksim sweep",
        "Drawn by `linksim explore`",
    ]
    .iter()
    .any(|mark| description.starts_with(mark))
}

/// Whether a file can be created in `path`'s folder: the folder exists, and a probe
/// file can be made there (and is removed).
fn writable_folder(path: &Path) -> Result<(), String> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        return Err(format!(
            "its folder {} does not exist",
            linksim::printable_path(folder)
        ));
    }
    let probe = folder.join(format!(".linksim-probe-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| format!("cannot write in {}: {e}", linksim::printable_path(folder)))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}
