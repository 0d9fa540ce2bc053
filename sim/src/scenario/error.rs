//! [`ScenarioError`]: a scenario that cannot be run, where, and what is wrong.

use std::path::PathBuf;

use link_core::printable;

/// A scenario file that cannot be run: where, and what is wrong. Its text shows every
/// control character escaped (`\u{1b}`), whatever the file or its name held.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", printable(&format!("{}{}: {message}", path.display(), location.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())))]
pub struct ScenarioError {
    /// The file.
    pub path: PathBuf,
    /// Line and column (1-based), where known.
    pub location: Option<(usize, usize)>,
    /// What is wrong and what was expected.
    pub message: String,
}
