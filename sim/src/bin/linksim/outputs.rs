//! The files a command writes, checked before it runs: never one of its own inputs,
//! never an existing scenario file unless `--overwrite` says so (a shell glob such as
//! `--trace r06-*.json` hands a scenario to the flag), always in a folder that exists
//! and can be written. A refused output stops the command before anything runs, with
//! exit 3. The options export a scenario reads is one of its inputs too, and two flags
//! may not name one file. Files a command names itself (a shrunk violation, a worst
//! run) may replace only the files linksim wrote earlier, never through a symbolic
//! link, and their folder is made only when one is written.

use std::cell::{OnceCell, RefCell};
use std::path::{Path, PathBuf};

/// The inputs of one command, and whether it may replace existing scenarios.
pub struct Outputs {
    /// The inputs as given.
    given: Vec<PathBuf>,
    /// Where they really are, with the options exports the scenarios name: worked out
    /// at the first output or folder checked, before the command runs (it reads every
    /// scenario again, which a command that writes nothing, say a run of 65,535 links
    /// printing its verdicts, should not pay for).
    inputs: OnceCell<Vec<PathBuf>>,
    overwrite: bool,
    /// The outputs checked so far, with their flags: two flags may not name one file.
    named: RefCell<Vec<(String, PathBuf)>>,
}

impl Outputs {
    /// For a command reading `inputs` (files or folders, and the options exports the
    /// scenarios among them name), replacing existing scenario files only if
    /// `overwrite`.
    pub fn new(inputs: &[PathBuf], overwrite: bool) -> Self {
        Outputs {
            given: inputs.to_vec(),
            inputs: OnceCell::new(),
            overwrite,
            named: RefCell::new(Vec::new()),
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
        if let Some(real) = real(path) {
            let mut named = self.named.borrow_mut();
            if let Some((other, _)) = named.iter().find(|(_, p)| *p == real) {
                return Err(format!(
                    "{flag} {shown}: {other} writes that file too; name another file"
                ));
            }
            named.push((flag.to_string(), real));
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

    /// Checks that `dir`, given to `flag`, can take the files the command names itself:
    /// an existing folder that can be written, or one that can be made (it is made when
    /// a file is written into it, by [`Outputs::write_own`]).
    pub fn folder(&self, flag: &str, dir: &Path) -> Result<(), String> {
        // A command that names its own files says where before it runs: its inputs are
        // worked out now, before it writes any (as `check_own` will compare with them).
        self.real_inputs();
        let shown = linksim::printable_path(dir);
        if dir.exists() && !dir.is_dir() {
            return Err(format!("{flag} {shown}: that is a file; name a folder"));
        }
        let existing = dir
            .ancestors()
            .find(|a| a.as_os_str().is_empty() || a.is_dir());
        let existing = match existing {
            Some(a) if !a.as_os_str().is_empty() => a,
            _ => Path::new("."),
        };
        writable_folder(&existing.join("probe")).map_err(|e| format!("{flag} {shown}: {e}"))
    }

    /// Whether the command may write `path`, a file it names itself: not an input, not
    /// a symbolic link, and either new or a scenario that linksim wrote (anything
    /// regular with `--overwrite`).
    pub fn check_own(&self, path: &Path) -> Result<(), String> {
        let shown = linksim::printable_path(path);
        if self.is_input(path) {
            return Err(format!(
                "{shown} is one of this command's inputs; it was not replaced"
            ));
        }
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return Ok(());
        };
        if meta.file_type().is_symlink() {
            return Err(format!("{shown} is a symbolic link; it was not replaced"));
        }
        if !meta.is_file() {
            return Err(format!(
                "{shown} exists and is not a file; it was not replaced"
            ));
        }
        let ours = is_scenario(path) && written_by_linksim(path);
        if !(self.overwrite || ours) {
            return Err(format!(
                "{shown} exists and linksim did not write it; it was not replaced (pass --overwrite, or another --out folder)"
            ));
        }
        Ok(())
    }

    /// Writes `text` to `path`, a file the command names itself, once
    /// [`Outputs::check_own`] allows it, making its folder if needed.
    pub fn write_own(&self, path: &Path, text: &str) -> Result<(), String> {
        self.check_own(path)?;
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|e| e.to_string())?;
        }
        // A file linksim wrote is replaced by a new one: never written through a link
        // put in its place since the check.
        let _ = std::fs::remove_file(path);
        use std::io::Write as _;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|e| e.to_string())
    }

    /// Whether `path` is one of the inputs.
    fn is_input(&self, path: &Path) -> bool {
        let Some(path) = real(path) else {
            return false;
        };
        self.real_inputs().contains(&path)
    }

    /// Where the inputs really are, with the options exports their scenarios name.
    fn real_inputs(&self) -> &[PathBuf] {
        self.inputs.get_or_init(|| {
            let given = &self.given;
            let mut real_inputs: Vec<PathBuf> = given.iter().filter_map(|p| real(p)).collect();
            real_inputs.extend(given.iter().flat_map(|p| options_exports(p)));
            real_inputs
        })
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

/// The real paths of the options exports the scenarios at `path` (a file, or the
/// `.json` files of a folder) name in `config.options`, resolved from their folder.
fn options_exports(path: &Path) -> Vec<PathBuf> {
    let files: Vec<PathBuf> = match std::fs::read_dir(path) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(_) => vec![path.to_path_buf()],
    };
    files
        .iter()
        .filter_map(|file| {
            let value = scenario_value(file)?;
            let options = value.get("config")?.get("options")?.as_str()?.to_string();
            let folder = file.parent().unwrap_or(Path::new(""));
            std::fs::canonicalize(folder.join(options)).ok()
        })
        .collect()
}

/// The JSON object of the scenario file at `path`, if it is one.
fn scenario_value(path: &Path) -> Option<serde_json::Map<String, serde_json::Value>> {
    let text =
        linksim::scenario::read_regular_file(path, linksim::scenario::MAX_SCENARIO_BYTES).ok()?;
    let uncommented = linksim::scenario::strip_comments(&text);
    match serde_json::from_str(&uncommented) {
        Ok(serde_json::Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// Whether `path` is an existing scenario file: a JSON object with `format` and
/// `config` (as every scenario has; a sweep's or explore's JSON output has neither).
fn is_scenario(path: &Path) -> bool {
    scenario_value(path).is_some_and(|map| map.contains_key("format") && map.contains_key("config"))
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
