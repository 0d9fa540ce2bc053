//! # tserver-options
//!
//! Reads a T-Server application's options, in the INI form they are exported in, into
//! [`link_core::Config`] plus the endpoints a runtime connects to. What is read:
//!
//! - `[link-control]`: `connect-tout` and `kpl-interval` (whole seconds, as T-Server
//!   has them), `kpl-tolerance` (a whole number), and `kpl-loss-rate` (R14: one whole
//!   number, `10`, or two separated by a comma, `10, 100`; read by
//!   [`link_core::KeepaliveLossRate::parse`] into
//!   [`Config::keepalive_loss_rate`](link_core::Config::keepalive_loss_rate), `10, 100`
//!   when absent), and `ha-sync-dly-lnk-conn` (`true` or `false`, into
//!   [`Options::ha_sync_dly_lnk_conn`]); other options of the section are ignored.
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
//!
//! What is refused, each at its line:
//!
//! - a section given twice, and an option given twice in one section (T-Server keeps one
//!   value per option; no option is repeatable), the second naming the first's line;
//!   option names ignore case, `[Connections]` names (link names) do not;
//! - a section name or link name holding a control character (U+0000-U+001F,
//!   U+007F-U+009F) or an invisible format character (zero-width, bidi controls, the
//!   byte-order mark, line and paragraph separators);
//! - a `hostname` with whitespace, quotes or such characters in it, and `port = 0`
//!   (a port is 1-65535);
//! - a timing option that is not a whole number or is out of its range, and a
//!   `kpl-loss-rate` that is not one or two comma-separated whole numbers (an empty
//!   value, a negative or fractional one, one above 4,294,967,295, or three values);
//! - more than [`link_core::MAX_LINKS`] (65,535) links, at the line of the first link too
//!   many;
//! - through [`parse_bytes`], a file that is not UTF-8, at the line of its first invalid
//!   byte.
//!
//! [`load`] reads a file safely first ([`mod@file`]): a regular file of bounded size,
//! and nothing shown of one that is not an export. An error quotes at most 60
//! characters of a line ([`quoted`]).

#![forbid(unsafe_code)]

pub mod file;

pub use file::{
    load, looks_like_export, read_regular_file, LoadError, ReadError, MAX_OPTIONS_BYTES,
};

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::Duration;

use link_core::{is_unprintable, Config, ConfigError, KeepaliveLossRate, LinkConfig, MAX_LINKS};

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
    /// `[link-control] ha-sync-dly-lnk-conn` (`true` or `false`): a backup delays its
    /// EventLinkConnected to clients until its synchronization with the primary is
    /// complete; link selection is unchanged. `None` when the export does not set it
    /// (T-Server's default is `false`). link-core has no such option: it is for the
    /// runtime that tells the clients.
    pub ha_sync_dly_lnk_conn: Option<bool>,
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
    /// The key as written (trimmed); sections look keys up lower-cased.
    key: String,
    value: String,
}

/// One section: its header's line, its entries in file order, and where each key is.
#[derive(Debug, Default)]
struct Section {
    line: usize,
    entries: Vec<Entry>,
    /// Entry index by lower-cased key ([Connections]: by the name as written, since
    /// link names are compared as written).
    index: HashMap<String, usize>,
}

/// Sections by lower-cased name.
type Sections = BTreeMap<String, Section>;

/// The most characters of a line or value an error quotes.
const QUOTED_CHARS: usize = 60;

/// `text` as an error quotes it: in quotes, every control character escaped, and at
/// most 60 characters (a long line says how much more there was), so that
/// an error about a 60 KB line is one short line.
pub fn quoted(text: &str) -> String {
    let end = text
        .char_indices()
        .nth(QUOTED_CHARS)
        .map_or(text.len(), |(at, _)| at);
    match text.len() - end {
        0 => format!("{:?}", &text[..end]),
        more => format!("{:?}... ({more} more bytes)", &text[..end]),
    }
}

fn err(line: usize, message: impl Into<String>) -> OptionsError {
    OptionsError {
        line,
        message: message.into(),
    }
}

/// Refuses a name (`what`: "link name", "section name") longer than
/// [`link_core::MAX_LINK_NAME_CHARS`] or holding a character that cannot be shown: it
/// would reach logs, terminals and every error that names it as it is.
fn printable(name: &str, what: &str, line: usize) -> Result<(), OptionsError> {
    if name.chars().nth(link_core::MAX_LINK_NAME_CHARS).is_some() {
        return Err(err(
            line,
            format!(
                "{what} {} is {} characters long; at most {}",
                quoted(name),
                name.chars().count(),
                link_core::MAX_LINK_NAME_CHARS
            ),
        ));
    }
    match name.chars().find(|c| is_unprintable(*c)) {
        Some(c) => Err(err(
            line,
            format!(
                "{what} {name:?} holds the unprintable character U+{:04X}",
                u32::from(c)
            ),
        )),
        None => Ok(()),
    }
}

/// Reads the file into sections; duplicate sections and duplicate keys in one section
/// are errors at their second line.
/// The lines of `text`: ended by `\n` or `\r\n`, or by `\r` alone in a file that has
/// no `\n` (classic Mac OS line ends), so that such a file is not one long line.
fn lines(text: &str) -> Box<dyn Iterator<Item = &str> + '_> {
    match text.contains('\n') {
        true => Box::new(text.lines()),
        false => Box::new(text.split('\r')),
    }
}

fn sections(text: &str) -> Result<Sections, OptionsError> {
    let mut sections: Sections = BTreeMap::new();
    let mut current: Option<String> = None;
    for (index, raw) in lines(text).enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix('[') {
            let key = header(rest, trimmed, line, &sections)?;
            sections.insert(
                key.clone(),
                Section {
                    line,
                    ..Section::default()
                },
            );
            current = Some(key);
            continue;
        }
        let (key, value) = trimmed.split_once('=').ok_or_else(|| {
            err(
                line,
                format!(
                    "expected `option = value` or `[section]`, found {}",
                    quoted(trimmed)
                ),
            )
        })?;
        let Some(name) = &current else {
            return Err(err(line, "an option before any [section]"));
        };
        let section = sections.get_mut(name).expect("the current section exists");
        // Every key may be echoed in an error (a duplicate, an unknown option, a link
        // name from [Connections]): none may carry what a terminal would act on.
        let what = match name == "connections" {
            true => "link name",
            false => "option name",
        };
        printable(key.trim(), what, line)?;
        let entry = Entry {
            line,
            key: key.trim().to_owned(),
            value: value.trim().to_owned(),
        };
        add(section, name == "connections", entry)?;
    }
    Ok(sections)
}

/// A section header's name, lower-cased, once it is known to be new and printable.
fn header(
    rest: &str,
    trimmed: &str,
    line: usize,
    sections: &Sections,
) -> Result<String, OptionsError> {
    let name = rest
        .strip_suffix(']')
        .ok_or_else(|| {
            err(
                line,
                format!("section header {} lacks its closing ']'", quoted(trimmed)),
            )
        })?
        .trim();
    if name.is_empty() {
        return Err(err(line, "empty section name"));
    }
    printable(name, "section name", line)?;
    let key = name.to_ascii_lowercase();
    if let Some(first) = sections.get(&key) {
        return Err(err(
            line,
            format!(
                "section [{name}] appears twice (first on line {})",
                first.line
            ),
        ));
    }
    Ok(key)
}

/// Adds an entry to its section; a key given twice is an error at its second line.
/// T-Server keeps one value per option in a section, so no key is repeatable.
fn add(section: &mut Section, connections: bool, entry: Entry) -> Result<(), OptionsError> {
    let key = match connections {
        true => entry.key.clone(),
        false => entry.key.to_ascii_lowercase(),
    };
    if let Some(&first) = section.index.get(&key) {
        let first = &section.entries[first];
        let message = match connections {
            true => format!(
                "connection {} given twice (first on line {})",
                entry.key, first.line
            ),
            false => format!(
                "{} given twice (first on line {}); an option appears once per section",
                entry.key, first.line
            ),
        };
        return Err(err(entry.line, message));
    }
    section.index.insert(key, section.entries.len());
    section.entries.push(entry);
    Ok(())
}

fn lookup<'a>(sections: &'a Sections, section: &str, key: &str) -> Option<&'a Entry> {
    let section = sections.get(section)?;
    section.index.get(key).map(|&i| &section.entries[i])
}

fn number<T: std::str::FromStr>(entry: &Entry, what: &str) -> Result<T, OptionsError> {
    entry.value.parse().map_err(|_| {
        err(
            entry.line,
            format!(
                "{what} is {}; expected a whole number",
                quoted(&entry.value)
            ),
        )
    })
}

/// Reads exported T-Server options from bytes: as [`parse`], and a file that is not
/// UTF-8 is an error at the line of its first invalid byte.
pub fn parse_bytes(bytes: &[u8]) -> Result<Options, OptionsError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
            let column = 1 + valid.iter().rev().take_while(|&&b| b != b'\n').count();
            let byte = bytes[e.valid_up_to()];
            Err(err(
                line,
                format!(
                    "byte 0x{byte:02X} at column {column} is not UTF-8; save the options as UTF-8"
                ),
            ))
        }
    }
}

/// One link as read: its core configuration, its endpoint, and the line naming it.
type Link = (LinkConfig, Endpoint, usize);

/// Adds a link, refusing the one past [`MAX_LINKS`] at its own line.
fn push(links: &mut Vec<Link>, link: Link) -> Result<(), OptionsError> {
    if links.len() >= MAX_LINKS {
        let message = format!(
            "more than {MAX_LINKS} links are configured (this is link {}); at most {MAX_LINKS} are supported",
            links.len() + 1
        );
        return Err(err(link.2, message));
    }
    links.push(link);
    Ok(())
}

/// Reads exported T-Server options.
pub fn parse(text: &str) -> Result<Options, OptionsError> {
    // Exports written on Windows may start with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let sections = sections(text)?;
    let mut links: Vec<Link> = Vec::new();
    tserver_links(&sections, &mut links)?;
    connection_links(&sections, &mut links)?;
    let mut config = Config::new(links.iter().map(|(link, _, _)| link.clone()));
    link_control(&sections, &mut config)?;
    // After the options above, so that an error with a line comes first.
    if links.is_empty() {
        return Err(err(
            0,
            "no links: add link-N-name options to [TServer] or entries to [Connections]",
        ));
    }
    let line_of = |key: &str| lookup(&sections, "link-control", key).map_or(0, |e| e.line);
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
    let ha_sync_dly_lnk_conn = lookup(&sections, "link-control", "ha-sync-dly-lnk-conn")
        .map(|entry| flag(entry, "ha-sync-dly-lnk-conn"))
        .transpose()?;
    Ok(Options {
        config,
        endpoints,
        ha_sync_dly_lnk_conn,
    })
}

/// `[TServer] link-N-name = SECTION`, in the order of N: each section one link.
fn tserver_links(sections: &Sections, links: &mut Vec<Link>) -> Result<(), OptionsError> {
    let mut numbered: Vec<(u32, &Entry)> = Vec::new();
    if let Some(section) = sections.get("tserver") {
        for entry in &section.entries {
            let key = entry.key.to_ascii_lowercase();
            let Some(n) = key
                .strip_prefix("link-")
                .and_then(|k| k.strip_suffix("-name"))
            else {
                continue;
            };
            let n: u32 = n.parse().map_err(|_| {
                err(
                    entry.line,
                    format!("{}: expected link-N-name with a number N", quoted(&key)),
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
    let mut sections_used: HashMap<String, usize> = HashMap::new();
    for (n, entry) in numbered {
        let section = entry.value.to_ascii_lowercase();
        // Section names ignore case; two links naming one section would share a host.
        if let Some(first) = sections_used.insert(section.clone(), entry.line) {
            let message = format!("link-{n}-name names the same section as line {first}");
            return Err(err(entry.line, message));
        }
        printable(&entry.value, "link name", entry.line)?;
        let link = link_section(sections, n, entry, &section)?;
        push(links, link)?;
    }
    Ok(())
}

/// The link that `link-N-name` (`entry`) names: its section's hostname, port and
/// priority.
fn link_section(
    sections: &Sections,
    n: u32,
    entry: &Entry,
    section: &str,
) -> Result<Link, OptionsError> {
    let Some(found) = sections.get(section) else {
        return Err(err(
            entry.line,
            format!(
                "link-{n}-name names section [{}], which the file does not have",
                entry.value
            ),
        ));
    };
    let hostname = lookup(sections, section, "hostname")
        .filter(|e| !e.value.is_empty())
        .ok_or_else(|| {
            err(
                found.line,
                format!(
                    "section [{}] has no hostname (it is mandatory)",
                    entry.value
                ),
            )
        })?;
    hostname_ok(hostname)?;
    let port = match lookup(sections, section, "port") {
        Some(port) => match number::<u16>(port, "port")? {
            0 => return Err(err(port.line, "port is 0; it must be between 1 and 65535")),
            n => n,
        },
        None => DEFAULT_PORT,
    };
    let priority = lookup(sections, section, "priority")
        .map(|p| number::<i32>(p, "priority"))
        .transpose()?;
    let name = entry.value.clone();
    let endpoint = Endpoint {
        name: name.clone(),
        hostname: Some(hostname.value.clone()),
        port,
    };
    Ok((LinkConfig { name, priority }, endpoint, entry.line))
}

/// Whether `host` and `port` make an endpoint, by the rules an export's link sections
/// follow: a hostname with no whitespace, quotes or unprintable character, not empty,
/// and a port from 1 to 65535. For a runtime's own commands (`link-driver`'s `move`),
/// so that they are held to the same rules as the file.
pub fn check_endpoint(host: &str, port: u16) -> Result<(), String> {
    if host.is_empty() {
        return Err("the hostname is empty".into());
    }
    if let Some(problem) = host_problem(host) {
        return Err(problem);
    }
    if port == 0 {
        return Err("port is 0; it must be between 1 and 65535".into());
    }
    Ok(())
}

/// The longest hostname, in bytes (DNS allows 253; an address is shorter).
pub const MAX_HOSTNAME_BYTES: usize = 253;

/// What is wrong with hostname `host`, if anything: too long, or a character a
/// hostname never holds (whitespace, quotes, an unprintable one).
fn host_problem(host: &str) -> Option<String> {
    if host.len() > MAX_HOSTNAME_BYTES {
        return Some(format!(
            "hostname {} is {} bytes long; at most {MAX_HOSTNAME_BYTES}",
            quoted(host),
            host.len()
        ));
    }
    let c = host.chars().find(|&c| bad_in_hostname(c))?;
    Some(format!(
        "hostname {} holds U+{:04X}; a hostname has no whitespace, quotes or control characters",
        quoted(host),
        u32::from(c)
    ))
}

/// A character a hostname never holds.
fn bad_in_hostname(c: char) -> bool {
    c.is_whitespace() || is_unprintable(c) || matches!(c, '"' | '\'')
}

/// A hostname is a name or an address as written, nothing around it: no whitespace,
/// no quotes, no unprintable character (it would fail only at connect time), and at
/// most [`MAX_HOSTNAME_BYTES`].
fn hostname_ok(entry: &Entry) -> Result<(), OptionsError> {
    match host_problem(&entry.value) {
        Some(problem) => Err(err(entry.line, problem)),
        None => Ok(()),
    }
}

/// `[Connections] NAME = <Application Parameters>`, `priority=N` among them.
fn connection_links(sections: &Sections, links: &mut Vec<Link>) -> Result<(), OptionsError> {
    let Some(section) = sections.get("connections") else {
        return Ok(());
    };
    for entry in &section.entries {
        // Printable: sections() checked every key of [Connections] as a link name.
        let name = entry.key.as_str();
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
                        err(
                            entry.line,
                            format!(
                                "priority of connection {name} is {}; expected a whole number",
                                quoted(value)
                            ),
                        )
                    })?);
                }
            }
        }
        let endpoint = Endpoint {
            name: name.to_owned(),
            hostname: None,
            port: DEFAULT_PORT,
        };
        let config = LinkConfig {
            name: name.to_owned(),
            priority,
        };
        push(links, (config, endpoint, entry.line))?;
    }
    Ok(())
}

/// `[link-control]`: connect-tout, kpl-interval (whole seconds), kpl-tolerance and
/// kpl-loss-rate.
fn link_control(sections: &Sections, config: &mut Config) -> Result<(), OptionsError> {
    let seconds = |key: &str| -> Result<Option<u64>, OptionsError> {
        lookup(sections, "link-control", key)
            .map(|e| number::<u64>(e, key))
            .transpose()
    };
    if let Some(value) = seconds("connect-tout")? {
        config.connect_timeout = Duration::from_secs(value);
    }
    if let Some(value) = seconds("kpl-interval")? {
        config.keepalive_interval = Duration::from_secs(value);
    }
    if let Some(entry) = lookup(sections, "link-control", "kpl-tolerance") {
        config.keepalive_tolerance = number::<u8>(entry, "kpl-tolerance")?;
    }
    if let Some(entry) = lookup(sections, "link-control", "kpl-loss-rate") {
        config.keepalive_loss_rate = loss_rate(entry)?;
    }
    Ok(())
}

/// A true-or-false option: `true` or `false`, in any case; anything else is an error
/// at its line.
fn flag(entry: &Entry, key: &str) -> Result<bool, OptionsError> {
    match entry.value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(err(
            entry.line,
            format!("{key} is {}: it is true or false", quoted(&entry.value)),
        )),
    }
}

/// `kpl-loss-rate = F` or `F, W` (R14); a value link-core refuses is an error at its
/// line that quotes it and says what is allowed.
fn loss_rate(entry: &Entry) -> Result<KeepaliveLossRate, OptionsError> {
    KeepaliveLossRate::parse(&entry.value).map_err(|e| {
        err(
            entry.line,
            format!("kpl-loss-rate is {}: {e}", quoted(&entry.value)),
        )
    })
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

    /// One link, then `[link-control]` at line 5: an option added after it is on line 6.
    const ONE_LINK: &str = "[TServer]\nlink-1-name = X\n[X]\nhostname = h\n[link-control]\n";

    fn loss_rate_of(value: &str) -> KeepaliveLossRate {
        let text = format!("{ONE_LINK}kpl-loss-rate = {value}\n");
        parse(&text)
            .unwrap_or_else(|e| panic!("{value:?}: {e}"))
            .config
            .keepalive_loss_rate
    }

    #[test]
    fn kpl_loss_rate_is_read_as_one_value_or_two() {
        assert_eq!(loss_rate_of("10"), KeepaliveLossRate::single(10));
        assert_eq!(
            loss_rate_of("10").warning_every(),
            None,
            "no warning counter"
        );
        assert_eq!(loss_rate_of("10, 100"), KeepaliveLossRate::pair(10, 100));
        assert_eq!(loss_rate_of("5,50").failure_every(), 5);
        assert_eq!(loss_rate_of("5,50").warning_every(), Some(50));
        // "The failure rate is always the lower value", whichever comes first.
        assert_eq!(
            loss_rate_of(" 100 ,  10 "),
            KeepaliveLossRate::pair(10, 100)
        );
        assert_eq!(loss_rate_of("0"), KeepaliveLossRate::single(0), "0: never");
        assert_eq!(
            loss_rate_of("4294967295").failure_every(),
            u32::MAX,
            "the largest"
        );
        // Option names ignore case, as for the other options of the section.
        let text = format!("{ONE_LINK}KPL-Loss-Rate = 3\n");
        assert_eq!(
            parse(&text).unwrap().config.keepalive_loss_rate,
            KeepaliveLossRate::single(3)
        );
        // Next to the other keep-alive options, each keeps its own value.
        let text =
            format!("{ONE_LINK}kpl-interval = 7\nkpl-loss-rate = 2, 20\nkpl-tolerance = 4\n");
        let config = parse(&text).unwrap().config;
        assert_eq!(config.keepalive_interval, Duration::from_secs(7));
        assert_eq!(config.keepalive_tolerance, 4);
        assert_eq!(config.keepalive_loss_rate, KeepaliveLossRate::pair(2, 20));
    }

    #[test]
    fn kpl_loss_rate_is_10_100_when_absent() {
        for text in [ONE_LINK, EXPORT] {
            let rate = parse(text).unwrap().config.keepalive_loss_rate;
            assert_eq!(rate, link_core::DEFAULT_KEEPALIVE_LOSS_RATE, "{text:?}");
            assert_eq!(rate, KeepaliveLossRate::pair(10, 100));
        }
    }

    #[test]
    fn a_bad_kpl_loss_rate_is_refused_at_its_line() {
        const ALLOWED: &str =
            "; kpl-loss-rate is one integer or two separated by a comma, e.g. \"10, 100\"";
        let cases: &[(&str, usize, &str)] = &[
            (
                "kpl-loss-rate = ten\n",
                6,
                "\"ten\": a value is not a non-negative integer",
            ),
            ("kpl-loss-rate =\n", 6, "\"\": a value is missing"),
            (
                "kpl-interval = 5\nkpl-loss-rate = 10,\n",
                7,
                "\"10,\": a value is missing",
            ),
            (
                "\n; a comment\nkpl-loss-rate = 10, 100, 1000\n",
                8,
                "\"10, 100, 1000\": more than two comma-separated values",
            ),
            (
                "kpl-loss-rate = -1\n",
                6,
                "\"-1\": a value is not a non-negative integer",
            ),
            (
                "kpl-loss-rate = 1.5, 10\n",
                6,
                "\"1.5, 10\": a value is not a non-negative integer",
            ),
            (
                "kpl-loss-rate = 10, 4294967296\n",
                6,
                "\"10, 4294967296\": a value is above 4294967295",
            ),
            (
                "kpl-loss-rate = 10; 100\n",
                6,
                "\"10; 100\": a value is not a non-negative integer",
            ),
        ];
        for (body, line, what) in cases {
            let error = parse(&format!("{ONE_LINK}{body}")).unwrap_err();
            assert_eq!(error.line, *line, "{body:?}: {error}");
            assert_eq!(
                error.to_string(),
                format!("line {line}: kpl-loss-rate is {what}{ALLOWED}"),
                "{body:?}"
            );
        }
        // Reported with its line even when the file has no links, like connect-tout.
        let error = parse("[link-control]\nkpl-loss-rate = often\n").unwrap_err();
        assert_eq!(error.line, 2, "{error}");
        // Given twice, like any option.
        let text = format!("{ONE_LINK}kpl-loss-rate = 1\nkpl-loss-rate = 2\n");
        assert!(parse(&text)
            .unwrap_err()
            .to_string()
            .starts_with("line 7: kpl-loss-rate given twice (first on line 6)"));
    }

    /// Line `n` of a generated `[Connections]` file with `count` entries is entry n - 1.
    fn connections(count: usize) -> String {
        let mut text = String::from("[Connections]\n");
        for i in 0..count {
            text.push_str(&format!("CSTA_{i:06} = priority=1\n"));
        }
        text
    }

    #[test]
    fn one_link_too_many_is_refused_at_its_own_line() {
        let error = parse(&connections(70_000)).unwrap_err();
        assert_eq!(
            error.line,
            MAX_LINKS + 2,
            "the 65,536th entry, after the header"
        );
        assert_eq!(
            error.message,
            "more than 65535 links are configured (this is link 65536); at most 65535 are supported"
        );
        let at_most = parse(&connections(MAX_LINKS)).expect("65,535 links are fine");
        assert_eq!(at_most.config.links.len(), MAX_LINKS);
    }

    #[test]
    fn names_with_unprintable_characters_are_refused_at_their_line() {
        let cases: &[(&str, &str)] = &[
            (
                "[Connections]\nOK = priority=1\nCSTA\u{1b}[31m = priority=1\n",
                "line 3: link name \"CSTA\\u{1b}[31m\" holds the unprintable character U+001B",
            ),
            (
                "[Connections]\nCSTA\tA = priority=1\n",
                "line 2: link name \"CSTA\\tA\" holds the unprintable character U+0009",
            ),
            (
                "[Connections]\nCSTA\u{202e}A = priority=1\n",
                "line 2: link name \"CSTA\\u{202e}A\" holds the unprintable character U+202E",
            ),
            (
                "[Connections]\nCSTA\u{200b} = priority=1\n",
                "line 2: link name \"CSTA\\u{200b}\" holds the unprintable character U+200B",
            ),
            (
                "[Connections]\nCSTA\u{85}A = priority=1\n",
                "line 2: link name \"CSTA\\u{85}A\" holds the unprintable character U+0085",
            ),
            (
                "[TServer]\nlink-1-name = A\u{7f}\n",
                "line 2: link name \"A\\u{7f}\" holds the unprintable character U+007F",
            ),
            (
                "[TServer]\nlink-1-name = A\n[A\u{0}]\nhostname = h\n",
                "line 3: section name \"A\\0\" holds the unprintable character U+0000",
            ),
            (
                "[TServer]\nlink-1-name = A\n\u{1b}]0;x\u{7}k = 1\n\u{1b}]0;x\u{7}k = 2\n",
                "line 3: option name \"\\u{1b}]0;x\\u{7}k\" holds the unprintable character U+001B",
            ),
        ];
        for (text, expected) in cases {
            let error = parse(text).unwrap_err().to_string();
            assert_eq!(&error, expected, "{text:?}");
        }
        // Printable non-ASCII names are names like any other.
        let options = parse("[Connections]\nCSTA_Zürich = priority=1\n").unwrap();
        assert_eq!(options.config.links[0].name, "CSTA_Zürich");
    }

    #[test]
    fn an_option_given_twice_in_a_section_is_an_error_at_its_second_line() {
        let cases: &[(&str, &str)] = &[
            ("[TServer]\nlink-1-name = A\n[A]\nhostname = h\nHostname = g\n", "line 5: Hostname given twice (first on line 4); an option appears once per section"),
            ("[TServer]\nlink-1-name = A\n[A]\nhostname = h\n[link-control]\nconnect-tout = 5\n\nconnect-tout = 6\n", "line 8: connect-tout given twice (first on line 6)"),
            ("[Connections]\nX = priority=1\nY = priority=2\nX = priority=3\n", "line 4: connection X given twice (first on line 2)"),
            // Options of sections that are not read are held to the same rule.
            ("[Other]\na = 1\na = 1\n", "line 3: a given twice (first on line 2)"),
        ];
        for (text, expected) in cases {
            let error = parse(text).unwrap_err().to_string();
            assert!(
                error.starts_with(expected),
                "{text:?}\n  gave {error:?}\n  want {expected:?}"
            );
        }
        // Link names are compared as written, as link-core compares them.
        let options = parse("[Connections]\nX = priority=1\nx = priority=2\n").unwrap();
        assert_eq!(options.config.links.len(), 2);
    }

    #[test]
    fn a_file_that_is_not_utf8_is_refused_at_the_line_of_its_first_bad_byte() {
        let bytes = b"[TServer]\nlink-1-name = A\n[A]\nhostname = h\xff\n";
        assert_eq!(
            parse_bytes(bytes).unwrap_err().to_string(),
            "line 4: byte 0xFF at column 13 is not UTF-8; save the options as UTF-8"
        );
        assert_eq!(
            parse_bytes(b"\xfe[TServer]\n").unwrap_err().to_string(),
            "line 1: byte 0xFE at column 1 is not UTF-8; save the options as UTF-8"
        );
        let good = b"[TServer]\nlink-1-name = A\n[A]\nhostname = h\n";
        assert_eq!(parse_bytes(good), parse(std::str::from_utf8(good).unwrap()));
    }

    #[test]
    fn a_port_or_hostname_that_cannot_be_connected_to_is_refused_at_its_line() {
        let link = |body: &str| format!("[TServer]\nlink-1-name = A\n[A]\n{body}");
        let cases: &[(&str, &str)] = &[
            ("hostname = h\nport = 0\n", "line 5: port is 0; it must be between 1 and 65535"),
            ("hostname = a\u{0}b\n", "line 4: hostname \"a\\0b\" holds U+0000; a hostname has no whitespace, quotes or control characters"),
            ("hostname = \"csta.example\"\n", "line 4: hostname \"\\\"csta.example\\\"\" holds U+0022"),
            ("hostname = 'csta.example'\n", "line 4: hostname \"'csta.example'\" holds U+0027"),
            ("hostname = csta example\n", "line 4: hostname \"csta example\" holds U+0020"),
            ("hostname = csta\u{200b}.example\n", "line 4: hostname \"csta\\u{200b}.example\" holds U+200B"),
        ];
        for (body, expected) in cases {
            let error = parse(&link(body)).unwrap_err().to_string();
            assert!(
                error.starts_with(expected),
                "{body:?}\n  gave {error:?}\n  want {expected:?}"
            );
        }
        let fine = parse(&link("hostname = [fe80::1]\nport = 65535\n")).unwrap();
        assert_eq!(fine.endpoints[0].port, 65535);
        let fine = parse(&link("hostname = 10.0.0.1\nport = 1\n")).unwrap();
        assert_eq!(fine.endpoints[0].port, 1);
    }
}

#[cfg(test)]
mod edge_tests {
    use super::*;

    #[test]
    fn a_long_line_is_quoted_in_part_and_escaped() {
        let long = format!("\u{1b}[2J{}", "x".repeat(60_000));
        let error = parse(&format!("[TServer]\n{long}\n"))
            .unwrap_err()
            .to_string();
        assert!(error.len() < 200, "{} bytes", error.len());
        assert!(
            error.contains("\\u{1b}[2J") && !error.contains('\u{1b}'),
            "{error}"
        );
        assert!(error.contains("more bytes)"), "{error}");
        assert_eq!(quoted("short"), "\"short\"");
    }

    /// A name past 128 characters (a section, an option, a link's section, a
    /// [Connections] entry) is refused in a short error: it used to be echoed whole
    /// (10 MB of standard error) and, as a link name, printed in every log line.
    #[test]
    fn a_long_name_is_refused_in_a_short_error() {
        let name = "N".repeat(1_000_000);
        for text in [
            format!("[{name}]\n"),
            format!("[TServer]\n{name} = 1\n"),
            format!("[TServer]\nlink-1-name = {name}\n[{name}]\nhostname = h\n"),
            format!("[Connections]\n{name} = priority=1\n"),
        ] {
            let error = parse(&text).unwrap_err().to_string();
            assert!(
                error.len() < 200,
                "{} bytes: {}",
                error.len(),
                &error[..200]
            );
            assert!(
                error.contains("1000000 characters long; at most 128"),
                "{error}"
            );
        }
        let host = format!(
            "[TServer]\nlink-1-name = A\n[A]\nhostname = {}\n",
            "h".repeat(5_000_000)
        );
        let error = parse(&host).unwrap_err().to_string();
        assert!(
            error.contains("5000000 bytes long; at most 253") && error.len() < 200,
            "{error}"
        );
        let fits = "N".repeat(128);
        assert!(parse(&format!("[Connections]\n{fits} = priority=1\n")).is_ok());
    }

    #[test]
    fn a_file_with_carriage_returns_alone_has_lines() {
        let text = "[TServer]\rlink-1-name = A\r[A]\rhostname = h\rport = 0\r";
        let error = parse(text).unwrap_err();
        assert_eq!(error.line, 5, "{error}");
        assert!(error.message.starts_with("port is 0"), "{error}");
        let fine = parse("[TServer]\rlink-1-name = A\r[A]\rhostname = h\r").unwrap();
        assert_eq!(fine.endpoints[0].hostname.as_deref(), Some("h"));
    }

    #[test]
    fn an_endpoint_a_command_names_follows_the_files_rules() {
        assert_eq!(check_endpoint("10.0.0.9", 1040), Ok(()));
        assert!(check_endpoint("h", 0).unwrap_err().contains("port is 0"));
        assert!(check_endpoint("", 1).unwrap_err().contains("empty"));
        let control = check_endpoint("h\u{1b}x", 1).unwrap_err();
        assert!(
            control.contains("U+001B") && !control.contains('\u{1b}'),
            "{control}"
        );
        assert!(check_endpoint("a b", 1).is_err());
    }

    #[test]
    fn ha_sync_dly_lnk_conn_is_read_when_given() {
        let with = |value: &str| {
            parse(&format!(
                "[TServer]\nlink-1-name = A\n[A]\nhostname = h\n[link-control]\nha-sync-dly-lnk-conn = {value}\n"
            ))
        };
        assert_eq!(with("true").unwrap().ha_sync_dly_lnk_conn, Some(true));
        assert_eq!(with("FALSE").unwrap().ha_sync_dly_lnk_conn, Some(false));
        let error = with("yes").unwrap_err();
        assert_eq!(error.line, 6);
        assert!(error.message.contains("true or false"), "{error:?}");
        let without = parse("[TServer]\nlink-1-name = A\n[A]\nhostname = h\n").unwrap();
        assert_eq!(without.ha_sync_dly_lnk_conn, None);
    }
}
