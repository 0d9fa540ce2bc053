//! Finding headless Chromium for the tests that render pages (`picture.rs` and
//! `playground.rs`, beside it, both of which include this file by path). Without it
//! a test says SKIPPED on the terminal (past the test harness's capture of a passing
//! test's output), and fails when CI asked for Chromium with `LINKSIM_REQUIRE_CHROMIUM`.

use std::path::PathBuf;
use std::process::Command;

/// The first of the usual Chromium names on `PATH`.
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let found = Command::new("which").arg(name).output().ok()?;
            found
                .status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&found.stdout).trim()))
        })
}

/// Chromium, or `None` after saying SKIPPED where a person sees it (and failing when
/// CI asked for chromium with `LINKSIM_REQUIRE_CHROMIUM`).
pub fn chromium_or_skip(what: &str) -> Option<PathBuf> {
    let browser = chromium();
    if browser.is_none() {
        assert!(
            std::env::var_os("LINKSIM_REQUIRE_CHROMIUM").is_none(),
            "LINKSIM_REQUIRE_CHROMIUM is set but no chromium was found"
        );
        // Straight to the process's standard error: the harness captures `eprintln!` of a
        // test that passes, and a skip must be seen.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: no chromium on PATH (apt-get install chromium); {what} did not run"
        );
    }
    browser
}
