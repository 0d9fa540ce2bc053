//! Reading a scenario file: a regular file of bounded size, comments blanked, JSON
//! parsed into the format's types, an options file imported, then checked
//! ([`super::check`]). Errors ([`ScenarioError`]) name the file, the line and column
//! where they can, and what was expected.

use std::path::Path;

use super::json_error::{offset, position};

use super::check::{check, CheckError, Checked};
use super::error::ScenarioError;
use super::format::{LinkSpec, Scenario};
use crate::options::LossRateSpec;
use crate::SimDuration;
pub use tserver_options::{read_regular_file, ReadError, MAX_OPTIONS_BYTES};

/// Reads and checks the scenario file at `path`.
pub fn load(path: &Path) -> Result<Checked, ScenarioError> {
    load_with(path, Access::default())
}

/// The largest scenario file read (a 65,535-link scenario is about 3 MB).
pub const MAX_SCENARIO_BYTES: u64 = 32 << 20;

/// What a scenario may make the simulator read besides itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct Access {
    /// Let `config.options` name a file outside the scenario's folder (an absolute
    /// path, or one through `..` or a symbolic link that leaves the folder).
    pub options_outside: bool,
    /// Read no file at all: a scenario that names an options file is refused, at its
    /// `options` field (the browser playground, which has no files).
    pub no_files: bool,
}

/// [`load`] with `access` deciding which options files the scenario may read.
pub fn load_with(path: &Path, access: Access) -> Result<Checked, ScenarioError> {
    let text = read_regular_file(path, MAX_SCENARIO_BYTES).map_err(|e| ScenarioError {
        path: path.to_path_buf(),
        location: None,
        message: e.to_string(),
    })?;
    parse_with(path, &text, access)
}

/// Parses and checks scenario `text`; `path` is used in errors.
pub fn parse(path: &Path, text: &str) -> Result<Checked, ScenarioError> {
    parse_with(path, text, Access::default())
}

/// [`parse`] with `access` deciding which options files the scenario may read.
pub fn parse_with(path: &Path, text: &str, access: Access) -> Result<Checked, ScenarioError> {
    let error = |location, message: String| ScenarioError {
        path: path.to_path_buf(),
        location,
        message,
    };
    if text.trim().is_empty() {
        return Err(error(
            None,
            "the file is empty; a scenario is a JSON object (see scenarios/README.md)".into(),
        ));
    }
    // A byte-order mark is not part of the JSON (editors on Windows write one).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let uncommented = strip_comments(text);
    if uncommented.trim().is_empty() {
        return Err(error(
            None,
            "the file holds only comments; a scenario is a JSON object".into(),
        ));
    }
    if let Some((location, what)) = not_an_object(&uncommented) {
        return Err(error(
            Some(location),
            format!("a scenario is a JSON object ({{ ... }}); the file holds {what}"),
        ));
    }
    let scenario: Scenario =
        from_json(&uncommented).map_err(|(location, message)| error(location, message))?;
    // Positions are searched in the text without comments (blanked in place, so lines
    // and columns are those of the file): a comment cannot capture an error's position.
    let scenario =
        import_options(path, &uncommented, scenario, access).map_err(|(needle, message)| {
            error(needle.and_then(|n| locate(&uncommented, &n)), message)
        })?;
    check(scenario)
        .map_err(|(needle, message)| error(needle.and_then(|n| locate(&uncommented, &n)), message))
}

/// The scenario in JSON `text`, or its first error described
/// ([`super::json_error::describe`]).
fn from_json(text: &str) -> Result<Scenario, super::json_error::Described> {
    let mut reader = serde_json::Deserializer::from_str(text);
    let scenario: Scenario = serde_path_to_error::deserialize(&mut reader)
        .map_err(|e| super::json_error::describe(text, &e))?;
    // Only whitespace may follow the object (as serde_json::from_str checks).
    reader.end().map_err(|e| {
        let at = offset(text, e.line(), e.column());
        (
            Some(position(text, at)),
            "unexpected text after the scenario's closing `}`".to_string(),
        )
    })?;
    Ok(scenario)
}

/// Fills in the links and timing from `config.options`, if it names an INI export.
fn import_options(
    path: &Path,
    text: &str,
    mut scenario: Scenario,
    access: Access,
) -> Result<Scenario, CheckError> {
    let Some(options) = scenario.config.options.clone() else {
        return Ok(scenario);
    };
    let value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    for key in [
        "links",
        "connect_tout",
        "kpl_interval",
        "kpl_tolerance",
        "kpl_loss_rate",
    ] {
        if value["config"].get(key).is_some() {
            return Err((
                Some(format!("\"{key}\"")),
                format!("config: \"options\" supplies {key}; remove it here (links, connect_tout and kpl_* come from {options})"),
            ));
        }
    }
    let needle = serde_json::to_string(&options).ok();
    let fail = |message: String| (needle.clone(), format!("config.options: {message}"));
    if access.no_files {
        return Err(fail(format!("{options} cannot be read here, as this runner reads no files; run the scenario with `linksim run`, or write its links and options into \"config\"")));
    }
    let folder = path.parent().unwrap_or(Path::new("."));
    let file = folder.join(&options);
    if !access.options_outside {
        confined(folder, &options, &file).map_err(fail)?;
    }
    let ini = read_regular_file(&file, MAX_OPTIONS_BYTES)
        .map_err(|e| fail(format!("{}: {e}", file.display())))?;
    if !tserver_options::looks_like_export(&ini) {
        return Err(fail(format!(
            "{}: not a T-Server options export (its first line that is not blank or a comment is not a [section] header); nothing of it is shown",
            file.display()
        )));
    }
    let imported =
        tserver_options::parse(&ini).map_err(|e| fail(format!("{}: {e}", file.display())))?;
    let c = &mut scenario.config;
    c.links = imported
        .config
        .links
        .iter()
        .map(|l| LinkSpec {
            name: l.name.clone(),
            priority: l.priority,
        })
        .collect();
    c.connect_tout = SimDuration(imported.config.connect_timeout);
    c.kpl_interval = SimDuration(imported.config.keepalive_interval);
    c.kpl_tolerance = imported.config.keepalive_tolerance;
    c.kpl_loss_rate = LossRateSpec::Text(imported.config.keepalive_loss_rate.to_string());
    if let Some(on) = imported.ha_sync_dly_lnk_conn {
        if c.ha_sync_dly_lnk_conn.is_some() {
            return Err((
                Some("\"ha_sync_dly_lnk_conn\"".into()),
                format!(
                    "config: {options} sets ha-sync-dly-lnk-conn; remove ha_sync_dly_lnk_conn here"
                ),
            ));
        }
        c.ha_sync_dly_lnk_conn = Some(on);
    }
    Ok(scenario)
}

/// Whether `options` (as written in the scenario) stays inside `folder`: a relative path
/// without `..`, whose real location (symbolic links followed) is inside the folder.
fn confined(folder: &Path, options: &str, file: &Path) -> Result<(), String> {
    use std::path::Component;
    let written = Path::new(options);
    let leaves = written.is_absolute()
        || written.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        });
    let outside = || {
        format!("\"{}\" is outside the scenario's folder; name a file beside the scenario or under it (or pass --options-outside)", link_core::excerpt(options, 60))
    };
    if leaves {
        return Err(outside());
    }
    let real_folder = std::fs::canonicalize(if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    })
    .map_err(|e| format!("cannot read the scenario's folder: {e}"))?;
    match std::fs::canonicalize(file) {
        Ok(real) if !real.starts_with(&real_folder) => Err(outside()),
        // A missing file is reported by the read, with its own message.
        _ => Ok(()),
    }
}

/// Where and what the top-level value is, when it is not an object (serde would read
/// an array as the struct's fields in order and say "expected u32").
fn not_an_object(text: &str) -> Option<((usize, usize), &'static str)> {
    let offset = text.find(|c: char| !c.is_whitespace())?;
    let first = text[offset..].chars().next()?;
    // An object starts with U+007B (written so to keep braces in this file balanced).
    if first == '\u{7b}' {
        return None;
    }
    let what = match first {
        '[' => "an array",
        '"' => "a string",
        't' | 'f' => "a boolean",
        'n' => "null",
        c if c == '-' || c.is_ascii_digit() => "a number",
        _ => return None, // not JSON at all: serde's own message says where
    };
    Some((position(text, offset), what))
}

/// Blanks out `//` line comments outside strings, keeping every other character where
/// it is, so line and column numbers in errors still point into the file as written.
pub fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let (mut in_string, mut escaped) = (false, false);
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '/' && chars.peek() == Some(&'/') {
            out.push(' ');
            for next in chars.by_ref() {
                if next == '\n' {
                    out.push('\n');
                    break;
                }
                out.push(' ');
            }
        } else {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

/// Where `needle` first appears in `text`, as 1-based line and column.
pub(super) fn locate(text: &str, needle: &str) -> Option<(usize, usize)> {
    Some(position(text, text.find(needle)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns count characters, as an editor shows them, whichever check found the
    /// error: serde's (which counts bytes), a misplaced value, a name located in the text.
    #[test]
    fn error_columns_count_characters_not_bytes() {
        let at = |text: &str| parse(Path::new("x.json"), text).unwrap_err().location;
        // "é" and "→" are 2 and 3 bytes; the error is at the `x` after them.
        let syntax = "{\n  \"description\": \"é→\", x\n}";
        assert_eq!(at(syntax), Some((2, 24)), "27 in bytes");
        assert_eq!(at("\u{a0}\u{a0}[1]"), Some((1, 3)));
        let unknown = "{\"format\": 1, \"name\": \"é\", \"run_for\": \"1s\",\n\"description\": \"→\", \"config\": {\"links\": [{\"name\": \"A\"}]},\n\"faults\": [{\"fault\": \"crash\", \"at\": \"1s\", \"for\": \"1s\", \"link\": \"NOPE\"}]}";
        let location = at(unknown);
        assert_eq!(location.map(|(line, _)| line), Some(3), "{location:?}");
        // Located by the name in the text, after "é" and "→" on its line.
        let located = unknown.replace("\n\"faults\"", " \"faults\"");
        let line = located.lines().nth(1).unwrap();
        let column = line[..line.find("\"NOPE\"").unwrap()].chars().count() + 1;
        assert_eq!(
            at(&located),
            Some((2, column)),
            "{} bytes",
            line.find("\"NOPE\"").unwrap() + 1
        );
    }

    /// serde_json's message keeps its text up to the last " at line " it appended, even
    /// when the text it quotes holds those words.
    #[test]
    fn a_message_quoting_at_line_keeps_its_quote() {
        let text = "{\"format\": 1, \"name\": \"x\", \"run_for\": \"1s\", \"servers\": [{\"name\": \"a\", \"role\": \"x at line 2\"}]}";
        let error = parse(Path::new("x.json"), text).unwrap_err();
        assert!(error.message.contains("x at line 2"), "{}", error.message);
        assert!(!error.message.contains("column"), "{}", error.message);
    }

    #[test]
    fn comments_are_blanked_outside_strings_and_positions_are_kept() {
        let text = "{ // zap\n  \"name\": \"a // kept \\\" still\" // gone\n}";
        let stripped = strip_comments(text);
        assert_eq!(stripped.len(), text.len());
        assert_eq!(stripped.lines().count(), text.lines().count());
        assert!(!stripped.contains("zap") && !stripped.contains("gone"));
        assert!(stripped.contains("\"a // kept \\\" still\""));
        let value: serde_json::Value = serde_json::from_str(&stripped).unwrap();
        assert_eq!(value["name"], "a // kept \" still");
    }

    #[test]
    fn an_error_after_a_comment_points_at_the_right_column() {
        let text = "{ \"format\": 1, // fine\n  \"nmae\": 1 }";
        let error = parse(Path::new("x.json"), text).unwrap_err();
        // serde_json points at the end of the unknown key, on the line after the comment.
        assert_eq!(error.location, Some((2, 8)), "{error}");
    }

    /// `ha-sync-dly-lnk-conn` comes from the export when it sets it (and the scenario
    /// may then not set it); an export without it leaves the scenario's own value.
    #[test]
    fn an_export_may_turn_ha_sync_on() {
        let dir = std::env::temp_dir().join(format!("linksim-ha-sync-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let export = "[TServer]\nlink-1-name = A\n[A]\nhostname = h\n[link-control]\n";
        let scenario = |config: &str| {
            format!(
                r#"{{"format": 1, "name": "x", "run_for": "10s", "config": {{"options": "o.ini"{config}}},
              "servers": [{{"name": "a", "role": "primary"}}, {{"name": "b", "role": "backup"}}]}}"#
            )
        };
        let file = dir.join("x.json");
        let load_with = |ini: &str, config: &str| {
            std::fs::write(dir.join("o.ini"), ini).unwrap();
            std::fs::write(&file, scenario(config)).unwrap();
            load(&file)
        };
        let on = format!("{export}ha-sync-dly-lnk-conn = true\n");
        let checked = load_with(&on, "").unwrap();
        assert_eq!(
            checked.ha_sync_takes(),
            Some(super::super::DEFAULT_HA_SYNC_TAKES)
        );
        let error = load_with(&on, r#", "ha_sync_dly_lnk_conn": false"#).unwrap_err();
        assert!(
            error.message.contains("sets ha-sync-dly-lnk-conn"),
            "{error}"
        );
        let own = load_with(
            export,
            r#", "ha_sync_dly_lnk_conn": true, "ha_sync_takes": "4s""#,
        );
        assert_eq!(
            own.unwrap().ha_sync_takes(),
            Some(std::time::Duration::from_secs(4))
        );
        assert_eq!(load_with(export, "").unwrap().ha_sync_takes(), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
