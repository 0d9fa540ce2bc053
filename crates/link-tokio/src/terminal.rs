//! Lines for a person from the binaries (`link-driver`, `csta-connector-stub`,
//! `link-swarm`): never a panic when a reader has gone (a closed pipe loses the line,
//! the program goes on or ends with its own code), and never a control character
//! from outside on standard error (an error may quote any argument or file).

use std::io::Write as _;
use std::process::ExitCode;

/// Writes `line` to standard output; a closed output loses it.
pub fn say(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// Writes `line` to standard error, control characters escaped (line breaks and tabs
/// kept); a closed output loses it.
pub fn complain(line: &str) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "{}",
        link_core::printable_lines(line)
    );
}

/// What a binary does with clap's refusal of its arguments: help and `--version` are
/// printed and succeed; an error is printed as plain, escaped text (clap quotes the bad
/// argument as it came) and exits with `code`.
pub fn clap_exit(error: &clap::Error, code: u8) -> ExitCode {
    if !error.use_stderr() {
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    complain(error.render().to_string().trim_end());
    ExitCode::from(code)
}
