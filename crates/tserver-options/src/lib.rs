//! # tserver-options
//!
//! Reads a T-Server application's options, in the INI form they are exported in, into
//! [`link_core::Config`] plus the endpoints a runtime connects to. What is read:
//!
//! - `[link-control]`: `connect-tout`, `kpl-interval`, `kpl-tolerance` (whole seconds,
//!   as T-Server has them); other options of the section are ignored.
//! - `[TServer]`: `link-1-name`, `link-2-name`, ...: each names a section that
//!   describes one link: `hostname` (required), `port` (default 1040), `priority`
//!   (default 0). Links are taken in the order of their numbers.
//! - `[Connections]` (this project's reading of the Connections tab): one line per
//!   connection to a CSTA Connector, `NAME = <Application Parameters>`, where
//!   `priority=N` among the `;`-separated parameters sets its priority. Such links have
//!   no host here: the runtime resolves the connected application.
//!
//! Anything else (other sections, comments starting with `;` or `#`) is ignored. Every
//! error names the line it is about. The link restart timeout has no T-Server option; it
//! keeps link-core's default unless the caller sets it.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use link_core::{Config, ConfigError, LinkConfig};

/// Where a runtime finds one link's CSTA Connector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The link's name (the CSTA Connector application name).
    pub name: String,
    /// Host name or address; `None` for a Connections entry (resolved elsewhere).
    pub hostname: Option<String>,
    /// TCP port (1040 when not given).
    pub port: u16,
}

/// The options read: the core's configuration and each link's endpoint, in link order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The core's configuration (role standalone; set the role separately).
    pub config: Config,
    /// One endpoint per link, in the order of `config.links`.
    pub endpoints: Vec<Endpoint>,
}

/// Options that cannot be used: the line (1-based; 0 when the whole file is at fault)
/// and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionsError {
    /// The line the error is about.
    pub line: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for OptionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for OptionsError {}

/// The default `port` of a link section.
pub const DEFAULT_PORT: u16 = 1040;

/// One `key = value` with its line.
#[derive(Clone, Debug)]
struct Entry {
    line: usize,
    value: String,
}

/// Sections by lower-cased name; entries by lower-cased key, in file order.
type Sections = BTreeMap<String, (usize, Vec<(String, Entry)>)>;

fn err(line: usize, message: impl Into<String>) -> OptionsError {
    OptionsError {
        line,
        message: message.into(),
    }
}

fn sections(text: &str) -> Result<Sections, OptionsError> {
    let mut sections: Sections = BTreeMap::new();
    let mut current: Option<String> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix('[') {
            let name = rest
                .strip_suffix(']')
                .ok_or_else(|| {
                    err(
                        line,
                        format!("section header {trimmed:?} lacks its closing ']'"),
                    )
                })?
                .trim();
            if name.is_empty() {
                return Err(err(line, "empty section name"));
            }
            let key = name.to_ascii_lowercase();
            if let Some((first, _)) = sections.get(&key) {
                return Err(err(
                    line,
                    format!("section [{name}] appears twice (first on line {first})"),
                ));
            }
            sections.insert(key.clone(), (line, Vec::new()));
            current = Some(key);
            continue;
        }
        let (key, value) = trimmed.split_once('=').ok_or_else(|| {
            err(
                line,
                format!("expected `option = value` or `[section]`, found {trimmed:?}"),
            )
        })?;
        let Some(section) = &current else {
            return Err(err(line, "an option before any [section]"));
        };
        let entries = &mut sections
            .get_mut(section)
            .expect("the current section exists")
            .1;
        entries.push((
            key.trim().to_ascii_lowercase(),
            Entry {
                line,
                value: value.trim().to_string(),
            },
        ));
    }
    Ok(sections)
}

fn lookup<'a>(sections: &'a Sections, section: &str, key: &str) -> Option<&'a Entry> {
    sections
        .get(section)?
        .1
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, e)| e)
}

fn number<T: std::str::FromStr>(entry: &Entry, what: &str) -> Result<T, OptionsError> {
    entry.value.parse().map_err(|_| {
        err(
            entry.line,
            format!("{what} is {:?}; expected a whole number", entry.value),
        )
    })
}

/// Reads exported T-Server options.
pub fn parse(text: &str) -> Result<Options, OptionsError> {
    // Exports written on Windows may start with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let sections = sections(text)?;
    let mut links: Vec<(LinkConfig, Endpoint, usize)> = Vec::new();

    // [TServer] link-N-name = SECTION
    let mut numbered: Vec<(u32, &Entry)> = Vec::new();
    if let Some((_, entries)) = sections.get("tserver") {
        for (key, entry) in entries {
            let Some(n) = key
                .strip_prefix("link-")
                .and_then(|k| k.strip_suffix("-name"))
            else {
                continue;
            };
            let n: u32 = n.parse().map_err(|_| {
                err(
                    entry.line,
                    format!("{key:?}: expected link-N-name with a number N"),
                )
            })?;
            numbered.push((n, entry));
        }
    }
    numbered.sort_by_key(|(n, _)| *n);
    for pair in numbered.windows(2) {
        if pair[0].0 == pair[1].0 {
            let (a, b) = (pair[0].1.line, pair[1].1.line);
            let message = format!(
                "link-{}-name given twice (first on line {})",
                pair[0].0,
                a.min(b)
            );
            return Err(err(a.max(b), message));
        }
    }
    let mut sections_used: BTreeMap<String, usize> = BTreeMap::new();
    for (n, entry) in numbered {
        let section = entry.value.to_ascii_lowercase();
        // Section names ignore case; two links naming one section would share a host.
        if let Some(first) = sections_used.insert(section.clone(), entry.line) {
            let message = format!("link-{n}-name names the same section as line {first}");
            return Err(err(entry.line, message));
        }
        let Some((section_line, _)) = sections.get(&section) else {
            return Err(err(
                entry.line,
                format!(
                    "link-{n}-name names section [{}], which the file does not have",
                    entry.value
                ),
            ));
        };
        let hostname = lookup(&sections, &section, "hostname")
            .filter(|e| !e.value.is_empty())
            .ok_or_else(|| {
                err(
                    *section_line,
                    format!(
                        "section [{}] has no hostname (it is mandatory)",
                        entry.value
                    ),
                )
            })?;
        let port = match lookup(&sections, &section, "port") {
            Some(port) => number::<u16>(port, "port")?,
            None => DEFAULT_PORT,
        };
        let priority = lookup(&sections, &section, "priority")
            .map(|p| number::<i32>(p, "priority"))
            .transpose()?;
        let name = entry.value.clone();
        let endpoint = Endpoint {
            name: name.clone(),
            hostname: Some(hostname.value.clone()),
            port,
        };
        links.push((LinkConfig { name, priority }, endpoint, entry.line));
    }

    // [Connections] NAME = app params (priority=N among them)
    if let Some((_, entries)) = sections.get("connections") {
        for (_, entry) in entries {
            // Keys were lower-cased; take the name as written from the line itself.
            let name = text
                .lines()
                .nth(entry.line - 1)
                .and_then(|l| l.split_once('='))
                .map(|(k, _)| k.trim())
                .unwrap_or("");
            let mut priority = None;
            for parameter in entry
                .value
                .split([';', ','])
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                if let Some((key, value)) = parameter.split_once('=') {
                    if key.trim().eq_ignore_ascii_case("priority") {
                        let value = value.trim();
                        priority = Some(value.parse::<i32>().map_err(|_| {
                            err(entry.line, format!("priority of connection {name} is {value:?}; expected a whole number"))
                        })?);
                    }
                }
            }
            let endpoint = Endpoint {
                name: name.to_string(),
                hostname: None,
                port: DEFAULT_PORT,
            };
            links.push((
                LinkConfig {
                    name: name.to_string(),
                    priority,
                },
                endpoint,
                entry.line,
            ));
        }
    }
    let seconds = |key: &str| -> Result<Option<(u64, usize)>, OptionsError> {
        lookup(&sections, "link-control", key)
            .map(|e| number::<u64>(e, key).map(|v| (v, e.line)))
            .transpose()
    };
    let mut config = Config::new(links.iter().map(|(link, _, _)| link.clone()));
    let line_of = |key: &str| lookup(&sections, "link-control", key).map_or(0, |e| e.line);
    if let Some((value, _)) = seconds("connect-tout")? {
        config.connect_timeout = Duration::from_secs(value);
    }
    if let Some((value, _)) = seconds("kpl-interval")? {
        config.keepalive_interval = Duration::from_secs(value);
    }
    if let Some(entry) = lookup(&sections, "link-control", "kpl-tolerance") {
        config.keepalive_tolerance = number::<u8>(entry, "kpl-tolerance")?;
    }
    // After the options above, so that an error with a line comes first.
    if links.is_empty() {
        return Err(err(
            0,
            "no links: add link-N-name options to [TServer] or entries to [Connections]",
        ));
    }

    config.validate().map_err(|e| {
        let line = match &e {
            ConfigError::ConnectTimeoutOutOfRange { .. } => line_of("connect-tout"),
            ConfigError::KeepaliveIntervalOutOfRange { .. } => line_of("kpl-interval"),
            ConfigError::KeepaliveToleranceOutOfRange { .. } => line_of("kpl-tolerance"),
            ConfigError::DuplicateLinkName { second, .. }
            | ConfigError::EmptyLinkName { index: second } => {
                links.get(*second).map_or(0, |(_, _, line)| *line)
            }
            _ => 0,
        };
        err(line, e.to_string())
    })?;
    let endpoints = links.into_iter().map(|(_, endpoint, _)| endpoint).collect();
    Ok(Options { config, endpoints })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = "\
; exported from the T-Server application
[TServer]
link-1-name = CSTA_A
link-2-name = CSTA_B
other-option = ignored

[link-control]
connect-tout = 5
kpl-interval = 20
kpl-tolerance = 2

[CSTA_B]
hostname = csta-b.example
priority = 5

[CSTA_A]
hostname = 10.1.2.3
port = 3000
priority = 10

[Connections]
CSTA_C = priority=1; trace=on
";

    #[test]
    fn an_export_becomes_the_cores_configuration_and_endpoints() {
        let options = parse(EXPORT).unwrap();
        let c = &options.config;
        let links: Vec<(&str, Option<i32>)> = c
            .links
            .iter()
            .map(|l| (l.name.as_str(), l.priority))
            .collect();
        assert_eq!(
            links,
            [
                ("CSTA_A", Some(10)),
                ("CSTA_B", Some(5)),
                ("CSTA_C", Some(1))
            ]
        );
        assert_eq!(c.connect_timeout, Duration::from_secs(5));
        assert_eq!(c.keepalive_interval, Duration::from_secs(20));
        assert_eq!(c.keepalive_tolerance, 2);
        assert_eq!(
            c.restart_timeout,
            link_core::DEFAULT_RESTART_TIMEOUT,
            "no T-Server option: the default"
        );
        assert_eq!(
            options.endpoints[0],
            Endpoint {
                name: "CSTA_A".into(),
                hostname: Some("10.1.2.3".into()),
                port: 3000
            }
        );
        assert_eq!(options.endpoints[1].port, DEFAULT_PORT);
        assert_eq!(options.endpoints[2].hostname, None);
        assert!(link_core::LinkCore::new(options.config).is_ok());
    }

    #[test]
    fn a_name_in_both_tserver_and_connections_is_a_duplicate_at_its_second_line() {
        let text = "[TServer]\nlink-1-name = X\n[X]\nhostname = h\n[Connections]\nX = priority=1\n";
        assert_eq!(
            parse(text).unwrap_err().to_string(),
            "line 6: links 1 and 2 are both named \"X\"; link names must be unique"
        );
    }

    #[test]
    fn a_byte_order_mark_and_crlf_line_ends_are_read() {
        let text = "\u{feff}[TServer]\r\nlink-1-name = A\r\n[A]\r\nhostname = h\r\n";
        let options = parse(text).unwrap();
        assert_eq!(options.endpoints[0].hostname.as_deref(), Some("h"));
    }

    #[test]
    fn review_findings_are_errors_with_their_lines() {
        let cases: &[(&str, &str)] = &[
            (
                "[TServer]\nlink-1-name = A\n[A]\nhostname =\n",
                "line 3: section [A] has no hostname",
            ),
            (
                "[TServer]\nlink-1-name = A\nlink-1-name = B\n",
                "line 3: link-1-name given twice (first on line 2)",
            ),
            (
                "[TServer]\nlink-1-name = A\nlink-2-name = a\n[A]\nhostname = h\n",
                "line 3: link-2-name names the same section as line 2",
            ),
        ];
        for (text, expected) in cases {
            let error = parse(text).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{text:?} gave {error:?}");
        }
    }

    #[test]
    fn defaults_apply_when_options_are_absent() {
        let options = parse("[TServer]\nlink-1-name = ONLY\n[ONLY]\nhostname = h\n").unwrap();
        assert_eq!(
            options.config.links[0].priority, None,
            "no priority: 0 (R12)"
        );
        assert_eq!(
            options.config.connect_timeout,
            link_core::DEFAULT_CONNECT_TIMEOUT
        );
    }

    #[test]
    fn every_error_names_its_line() {
        let cases: &[(&str, &str)] = &[
            ("[TServer]\nlink-1-name = X\n", "line 2: link-1-name names section [X], which the file does not have"),
            ("[TServer]\nlink-1-name = X\n[X]\nport = 1\n", "line 3: section [X] has no hostname (it is mandatory)"),
            ("[TServer]\nlink-1-name = X\n[X]\nhostname = h\npriority = high\n", "line 5: priority is \"high\"; expected a whole number"),
            ("[TServer]\nlink-1-name = X\n[X]\nhostname = h\nport = 70000\n", "line 5: port is \"70000\"; expected a whole number"),
            ("[TServer]\nlink-1-name = X\n[X]\nhostname = h\n[link-control]\nconnect-tout = 0\n", "line 6: connect-tout is 0ns; it must be between 1 s and 1000 s"),
            ("[TServer]\nlink-1-name = X\n[X]\nhostname = h\n[link-control]\nkpl-tolerance = 11\n", "line 6: kpl-tolerance is 11; it must be between 0 and 10"),
            ("[TServer]\nlink-1-name = X\nlink-2-name = X\n[X]\nhostname = h\n", "line 3: link-2-name names the same section as line 2"),
            ("[TServer]\nlink-one-name = X\n", "line 2: \"link-one-name\": expected link-N-name with a number N"),
            ("[TServer]\nthis line has no equals sign\n", "line 2: expected `option = value` or `[section]`"),
            ("hostname = h\n", "line 1: an option before any [section]"),
            ("[TServer\n", "line 1: section header \"[TServer\" lacks its closing ']'"),
            ("[A]\n[a]\n", "line 2: section [a] appears twice (first on line 1)"),
            ("[Connections]\nCSTA = priority=x\n", "line 2: priority of connection CSTA is \"x\"; expected a whole number"),
            ("[link-control]\nconnect-tout = 2\n", "no links: add link-N-name options"),
            // A bad value is reported with its line even when the file has no links.
            ("[link-control]\nconnect-tout = soon\n", "line 2"),
        ];
        for (text, expected) in cases {
            let error = parse(text).unwrap_err().to_string();
            assert!(
                error.starts_with(expected),
                "{text:?}\n  gave {error:?}\n  want {expected:?}"
            );
        }
    }
}
