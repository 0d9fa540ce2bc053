//! Commands the tool prints for a person to type (`run it with: linksim run X`, a
//! replay): each file name quoted for a POSIX shell when it needs it (a space, a `$`),
//! and, when no `linksim` is on the PATH (a `cargo run` of a clone), one note saying how
//! to get one, so that every hint works as typed.

use std::borrow::Cow;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// `path` as a shell word: as it is when it holds only characters no shell treats
/// specially, else in single quotes (a quote inside written `'\''`). Control characters
/// are escaped first ([`linksim::printable_path`]).
pub fn word(path: &Path) -> String {
    let shown = linksim::printable_path(path);
    quote(&shown).into_owned()
}

/// `text` as a shell word (see [`word`]).
pub fn quote(text: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(format!("'{}'", text.replace('\'', r"'\''")))
}

/// Whether the note was given.
static NOTED: AtomicBool = AtomicBool::new(false);

/// Once per run, on standard error, when no `linksim` is on the PATH: the hints say
/// `linksim`, and this says how to have one.
pub fn note_if_not_installed() {
    if on_path() || NOTED.swap(true, Ordering::Relaxed) {
        return;
    }
    errln!(
        "note: no linksim on your PATH; install it with `cargo install --locked --path sim` (from the repository), or type `cargo run --release -p linksim --` for `linksim`"
    );
}

/// Whether a `linksim` executable is on the PATH.
fn on_path() -> bool {
    let Some(paths) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&paths).any(|dir| dir.join("linksim").is_file())
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn only_words_a_shell_would_split_or_expand_are_quoted() {
        assert_eq!(
            quote("worst/worst-1-a-seed-3.json"),
            "worst/worst-1-a-seed-3.json"
        );
        assert_eq!(quote("my failover.json"), "'my failover.json'");
        assert_eq!(quote("$(x).json"), "'$(x).json'");
        assert_eq!(quote("it's.json"), r"'it'\''s.json'");
        assert_eq!(quote(""), "''");
    }
}
