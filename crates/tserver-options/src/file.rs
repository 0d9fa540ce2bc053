//! Reading an options file safely, for every program that takes one (`linksim`'s
//! `config.options`, `link-driver --options`): only a regular file is opened (never a
//! device, a FIFO or a directory, which could block for ever or never end), at most a
//! limit of bytes are read even if the file grows meanwhile, and a file that does not
//! look like an options export is refused without showing anything of it (it could be
//! any file a path names).

use std::fmt;
use std::io::Read;
use std::path::Path;

use crate::{parse_bytes, Options, OptionsError};

/// The largest options file read (65,535 links take about 2 MB).
pub const MAX_OPTIONS_BYTES: u64 = 16 << 20;

/// A file [`read_regular_bytes`] does not read.
#[derive(Debug)]
pub enum ReadError {
    /// The system refused to open or read it.
    Io(std::io::Error),
    /// A device, a FIFO or a directory.
    NotRegular,
    /// Larger than the limit, in bytes.
    TooLarge(u64),
    /// Not UTF-8 text: the first invalid byte's line (1-based) and offset.
    NotUtf8 {
        /// The line.
        line: usize,
        /// The byte offset.
        offset: usize,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "cannot read the file: {e}"),
            ReadError::NotRegular => {
                f.write_str("not a regular file (a device, FIFO or directory is never read)")
            }
            ReadError::TooLarge(limit) => {
                write!(
                    f,
                    "the file is larger than {limit} bytes, the most that is read"
                )
            }
            ReadError::NotUtf8 { line, offset } => write!(
                f,
                "line {line}: the file is not UTF-8 text (an invalid byte at offset {offset})"
            ),
        }
    }
}

impl std::error::Error for ReadError {}

/// The bytes of `path` if it is a regular file of at most `limit` bytes.
pub fn read_regular_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    // Open without blocking (a FIFO with no writer would block an ordinary open), then
    // ask the open file what it is: no other file can take its place in between.
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.custom_flags(libc::O_NONBLOCK);
    }
    let file = open.open(path).map_err(ReadError::Io)?;
    let metadata = file.metadata().map_err(ReadError::Io)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular);
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge(limit));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(bytes)
}

/// The text of `path` if it is a regular file of at most `limit` bytes of UTF-8.
pub fn read_regular_file(path: &Path, limit: u64) -> Result<String, ReadError> {
    let bytes = read_regular_bytes(path, limit)?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        ReadError::NotUtf8 { line, offset }
    })
}

/// Whether `text` starts like an options export: its first line that is not blank or
/// a comment (`;` or `#`) is a `[section]` header. Nothing of a file that does not is
/// ever shown.
pub fn looks_like_export(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .split(['\n', '\r'])
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with(';') && !line.starts_with('#'))
        .is_some_and(|line| line.starts_with('[') && line.ends_with(']'))
}

/// An options file that cannot be used.
#[derive(Debug)]
pub enum LoadError {
    /// It cannot be read ([`read_regular_bytes`]).
    Read(ReadError),
    /// It is not an options export; nothing of it is shown.
    NotAnExport,
    /// It is an export with an error at a line.
    Options(OptionsError),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Read(e) => e.fmt(f),
            LoadError::NotAnExport => f.write_str(
                "not a T-Server options export (its first line that is not blank or a comment is not a [section] header); nothing of it is shown",
            ),
            LoadError::Options(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for LoadError {}

/// Reads the options export at `path`: a regular file of at most
/// [`MAX_OPTIONS_BYTES`] that looks like an export ([`looks_like_export`]), parsed
/// ([`parse_bytes`]).
pub fn load(path: &Path) -> Result<Options, LoadError> {
    let bytes = read_regular_bytes(path, MAX_OPTIONS_BYTES).map_err(LoadError::Read)?;
    if !looks_like_export(&String::from_utf8_lossy(&bytes)) {
        return Err(LoadError::NotAnExport);
    }
    parse_bytes(&bytes).map_err(LoadError::Options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("tserver-options-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn only_a_bounded_regular_file_that_looks_like_an_export_is_read() {
        let dir = scratch("load");
        // A device (it would be read until memory runs out) and a folder.
        assert!(matches!(
            load(Path::new("/dev/zero")),
            Err(LoadError::Read(ReadError::NotRegular))
        ));
        assert!(matches!(
            load(&dir),
            Err(LoadError::Read(ReadError::NotRegular))
        ));
        // Not an export: nothing of it is shown.
        let secret = dir.join("shadow");
        std::fs::write(&secret, "root:$6$secret:19000:0:99999:7:::\n").unwrap();
        let error = load(&secret).unwrap_err().to_string();
        assert!(
            error.starts_with("not a T-Server options export"),
            "{error}"
        );
        assert!(
            !error.contains("root") && !error.contains("secret"),
            "{error}"
        );
        // Too large: refused before it is read.
        let big = dir.join("big.ini");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(MAX_OPTIONS_BYTES + 1).unwrap();
        assert!(matches!(
            load(&big),
            Err(LoadError::Read(ReadError::TooLarge(_)))
        ));
        // An export is read.
        let good = dir.join("good.ini");
        std::fs::write(&good, "[TServer]\nlink-1-name = A\n[A]\nhostname = h\n").unwrap();
        assert_eq!(load(&good).unwrap().config.links[0].name, "A");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = scratch("fifo");
        let fifo = dir.join("options.ini");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo works");
        assert!(matches!(
            load(&fifo),
            Err(LoadError::Read(ReadError::NotRegular))
        ));
    }
}
