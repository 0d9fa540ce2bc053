//! The progress bar `explore` and `sweep` show on a terminal while they run.

use std::io::IsTerminal;

/// A bar counting to `total` `unit`s on standard error, or none when standard error is
/// not a terminal or `quiet` (results go to standard output).
pub fn bar(total: u64, unit: &str, quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit}  {{per_sec}}  eta {{eta}}");
    bar.set_style(indicatif::ProgressStyle::with_template(&template).expect("a valid template"));
    Some(bar)
}
