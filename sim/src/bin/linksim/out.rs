//! Writing to the terminal: [`outln!`] and [`out!`] stop writing, instead of panicking,
//! once a reader has closed standard output (e.g. `| head`); the command goes on (a
//! trace file is still finished) and then exits with [`Exit::BrokenPipe`].
//! [`errln!`] never panics. [`say`] puts a message where it does not mix with results
//! on standard output.

use std::sync::atomic::{AtomicBool, Ordering};

use linksim::Exit;

/// `println!` that stops writing once a reader closed standard output.
macro_rules! outln {
    () => { $crate::out::emit(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::out::emit(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` with [`outln!`]'s handling of a closed standard output.
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::emit(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics (a closed standard error loses the message) and never
/// lets a control character through but line breaks and tabs: an error may quote any
/// input (a `--set` key, a merge part's field), and it must not drive the terminal.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        let text = link_core::printable_lines(&text);
        let _ = writeln!(std::io::stderr(), "{text}");
    }};
}

/// Whether a reader closed standard output.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes to standard output; see [`outln!`].
pub fn emit(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    if let Err(e) = std::io::stdout().write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            return;
        }
        errln!("error: cannot write to standard output: {e}");
        std::process::exit(i32::from(Exit::NoVerdict.code()));
    }
}

/// How the command ends: `exit`, unless a reader closed standard output early.
pub fn finish(exit: Exit) -> Exit {
    match STDOUT_CLOSED.load(Ordering::Relaxed) {
        true => Exit::BrokenPipe,
        false => exit,
    }
}

/// Prints `text` on standard output, or on standard error when standard output
/// carries results (`to_stderr`).
pub fn say(to_stderr: bool, text: &str) {
    if to_stderr {
        errln!("{text}");
    } else {
        outln!("{text}");
    }
}
