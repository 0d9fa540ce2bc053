//! The scenario files a command was given: directories expand to their `*.json` files.

use std::path::PathBuf;

/// Expands directories into their `*.json` files, sorted; files stay as given.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let entries = std::fs::read_dir(path).map_err(|e| {
            format!(
                "{}: cannot read the directory: {e}",
                linksim::printable_path(path)
            )
        })?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        found.sort();
        if found.is_empty() {
            return Err(format!(
                "{}: no *.json scenario files in this directory",
                linksim::printable_path(path)
            ));
        }
        files.extend(found);
    }
    Ok(files)
}
