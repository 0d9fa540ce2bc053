//! Configuration of a [`LinkCore`](crate::LinkCore): the links with their priorities,
//! the server's initial HA role and the timing options, with typed validation.
//!
//! Option names follow the T-Server options they stand for: `connect_timeout` is
//! `connect-tout`, `keepalive_interval`, `keepalive_tolerance` and `keepalive_loss_rate`
//! are `kpl-interval`, `kpl-tolerance` and `kpl-loss-rate`. The link restart timeout has
//! no public option name; it is this project's own setting. The two status policies
//! (R5, R15) are the product's behaviour by default and can be changed by a runtime. Host names and ports belong to the runtime that opens sockets
//! and do not appear here.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use crate::{FirstStatusPolicy, KeepaliveLossRate, OptionChange, StatusPolicy, SystemStatus};

/// The HA role the Management Layer gives a server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Role {
    /// Not part of an HA pair: opens every link, reports failures to nobody.
    #[default]
    Standalone,
    /// The primary of an HA pair: opens every link (R1), reports an active-link
    /// failure to the Management Layer (R10).
    Primary,
    /// The backup of an HA pair: opens only the highest configured priority (R2) and
    /// never keeps a lower link active (R9).
    Backup,
}

impl Role {
    /// Whether this role belongs to an HA pair (primary or backup).
    pub const fn is_ha(self) -> bool {
        matches!(self, Role::Primary | Role::Backup)
    }

    /// The lowercase name used in logs and scenario files.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Standalone => "standalone",
            Role::Primary => "primary",
            Role::Backup => "backup",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One configured link to a CSTA Connector.
#[derive(Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LinkConfig {
    /// The CSTA Connector Application name; it appears in log 35115.
    pub name: String,
    /// The link's priority; a higher value wins. `None` means 0 (a single link needs
    /// none, R12).
    #[cfg_attr(feature = "serde", serde(default))]
    pub priority: Option<i32>,
}

impl LinkConfig {
    /// A link named `name` with no priority set (priority 0).
    pub fn new(name: impl Into<String>) -> Self {
        LinkConfig {
            name: name.into(),
            priority: None,
        }
    }

    /// The same link with priority `priority`.
    pub fn with_priority(mut self, priority: i32) -> Self {
        self.priority = Some(priority);
        self
    }

    /// The priority used for selection: the configured one, or 0 when absent.
    pub fn effective_priority(&self) -> i32 {
        self.priority.unwrap_or(0)
    }
}

/// `connect-tout` default: 2 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// `connect-tout` smallest valid value: 1 second.
pub const MIN_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// `connect-tout` largest valid value: 1000 seconds.
pub const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(1000);
/// Link restart timeout default: 10 seconds.
pub const DEFAULT_RESTART_TIMEOUT: Duration = Duration::from_secs(10);
/// Link restart timeout smallest valid value: 1 second.
pub const MIN_RESTART_TIMEOUT: Duration = Duration::from_secs(1);
/// Link restart timeout largest valid value: 1000 seconds (like `connect-tout`).
pub const MAX_RESTART_TIMEOUT: Duration = Duration::from_secs(1000);
/// `kpl-interval` default: 10 seconds.
pub const DEFAULT_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
/// `kpl-interval` largest valid value: 600 seconds (0 disables keep-alive).
pub const MAX_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(600);
/// `kpl-tolerance` default: 3 failed keep-alives.
pub const DEFAULT_KEEPALIVE_TOLERANCE: u8 = 3;
/// `kpl-tolerance` largest valid value: 10.
pub const MAX_KEEPALIVE_TOLERANCE: u8 = 10;
/// The most links one core can hold (link ids are 16 bits).
pub const MAX_LINKS: usize = u16::MAX as usize;

/// The longest link name, in characters: a name is printed in every log line, timeline
/// and picture that mentions its link, so a longer one (the options file allows any)
/// would make them grow without bound.
pub const MAX_LINK_NAME_CHARS: usize = 128;

/// Everything a [`LinkCore`](crate::LinkCore) needs to know before it starts.
#[derive(Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Config {
    /// The links, in configuration order; a link's index is its [`LinkId`](crate::LinkId).
    pub links: Vec<LinkConfig>,
    /// The role the server starts in; [`LinkCore::config`](crate::LinkCore::config)
    /// shows the current one.
    pub role: Role,
    /// `connect-tout`: how long one connection procedure may take (R8). 1..=1000 s.
    pub connect_timeout: Duration,
    /// How long after an active-link failure the procedure starts again (R10). >= 1 s.
    pub restart_timeout: Duration,
    /// `kpl-interval`: idle time on the active link before a keep-alive is sent (R14).
    /// 0..=600 s; zero disables keep-alive.
    pub keepalive_interval: Duration,
    /// `kpl-tolerance`: the failure counter value at which the active link is lost, and
    /// the warning counter value at which it is unstable (R14). 0..=10; 0 and 1 both
    /// mean the first failure is enough.
    pub keepalive_tolerance: u8,
    /// `kpl-loss-rate`: positive answers per decrement of each counter (R14).
    pub keepalive_loss_rate: KeepaliveLossRate,
    /// What a first SystemStatus other than `normal` does (R5).
    pub first_status: FirstStatusPolicy,
    /// What each SystemStatus value means on a validated link (R15).
    pub status_policy: StatusPolicy,
}

/// `clone_from` reuses the name's buffer (the derived one would allocate anew).
impl Clone for LinkConfig {
    fn clone(&self) -> Self {
        LinkConfig {
            name: self.name.clone(),
            priority: self.priority,
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.name.clone_from(&source.name);
        self.priority = source.priority;
    }
}

/// `clone_from` reuses the links' buffers: resetting a kept core from a template
/// ([`LinkCore`](crate::LinkCore)'s `clone_from`) allocates nothing when the shapes
/// match.
impl Clone for Config {
    fn clone(&self) -> Self {
        let mut links = Vec::with_capacity(self.links.len());
        links.extend(self.links.iter().cloned());
        Config {
            links,
            role: self.role,
            connect_timeout: self.connect_timeout,
            restart_timeout: self.restart_timeout,
            keepalive_interval: self.keepalive_interval,
            keepalive_tolerance: self.keepalive_tolerance,
            keepalive_loss_rate: self.keepalive_loss_rate,
            first_status: self.first_status,
            status_policy: self.status_policy,
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.links.clone_from(&source.links);
        self.role = source.role;
        self.connect_timeout = source.connect_timeout;
        self.restart_timeout = source.restart_timeout;
        self.keepalive_interval = source.keepalive_interval;
        self.keepalive_tolerance = source.keepalive_tolerance;
        self.keepalive_loss_rate = source.keepalive_loss_rate;
        self.first_status = source.first_status;
        self.status_policy = source.status_policy;
    }
}

/// Whether a name must not hold `c`: a control character (below U+0020, U+007F-U+009F)
/// or an invisible format character that can disguise text (zero-width characters, bidi
/// embeddings, overrides and isolates, the byte-order mark, line and paragraph
/// separators, interlinear annotation). Link names are checked with it here; the options
/// import and the simulator check their other names with it too.
pub fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// At most `max_chars` characters of `text`, [`printable`], and when more were left out
/// a note saying how many bytes: for quoting what a file or a peer sent in one short
/// line (`"[TSer"... (58,000 more bytes)` rather than 60 KB).
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let end = text
        .char_indices()
        .nth(max_chars)
        .map_or(text.len(), |(at, _)| at);
    let shown = printable(&text[..end]);
    match text.len() - end {
        0 => shown.into_owned(),
        more => alloc::format!("{shown}... ({more} more bytes)"),
    }
}

/// [`printable`] for text of several lines: line breaks and tabs are kept, every other
/// character [`is_unprintable`] refuses is escaped (an error message that quotes input
/// from outside, shown on a terminal).
pub fn printable_lines(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| is_unprintable(c) && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match unsafe_char(c) {
            true => out.extend(c.escape_default()),
            false => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` with every character [`is_unprintable`] refuses written as a Rust escape
/// (`\u{1b}`, `\n`), so that text from a file or a peer cannot drive a terminal or forge
/// output lines. Borrowed when there is nothing to escape.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unprintable) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unprintable(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

impl Config {
    /// A configuration for `links` with every option at its default and role standalone.
    pub fn new(links: impl IntoIterator<Item = LinkConfig>) -> Self {
        Config {
            links: links.into_iter().collect(),
            role: Role::Standalone,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            restart_timeout: DEFAULT_RESTART_TIMEOUT,
            keepalive_interval: DEFAULT_KEEPALIVE_INTERVAL,
            keepalive_tolerance: DEFAULT_KEEPALIVE_TOLERANCE,
            keepalive_loss_rate: KeepaliveLossRate::default(),
            first_status: FirstStatusPolicy::default(),
            status_policy: StatusPolicy::default(),
        }
    }

    /// The same configuration starting in `role`.
    pub fn with_role(mut self, role: Role) -> Self {
        self.role = role;
        self
    }

    /// The same configuration with `connect-tout` set to `timeout`.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The same configuration with the link restart timeout set to `timeout`.
    pub fn with_restart_timeout(mut self, timeout: Duration) -> Self {
        self.restart_timeout = timeout;
        self
    }

    /// The same configuration with `kpl-interval` and `kpl-tolerance` set.
    pub fn with_keepalive(mut self, interval: Duration, tolerance: u8) -> Self {
        self.keepalive_interval = interval;
        self.keepalive_tolerance = tolerance;
        self
    }

    /// The same configuration with `kpl-loss-rate` set.
    pub fn with_keepalive_loss_rate(mut self, rate: KeepaliveLossRate) -> Self {
        self.keepalive_loss_rate = rate;
        self
    }

    /// The same configuration with the first-status policy set (R5).
    pub fn with_first_status(mut self, policy: FirstStatusPolicy) -> Self {
        self.first_status = policy;
        self
    }

    /// The same configuration with the status policy set (R15).
    pub fn with_status_policy(mut self, policy: StatusPolicy) -> Self {
        self.status_policy = policy;
        self
    }

    /// Whether `change` holds a value its option allows (R16).
    pub fn check_option(change: OptionChange) -> Result<(), ConfigError> {
        match change {
            OptionChange::ConnectTimeout(value)
                if !(MIN_CONNECT_TIMEOUT..=MAX_CONNECT_TIMEOUT).contains(&value) =>
            {
                Err(ConfigError::ConnectTimeoutOutOfRange { value })
            }
            OptionChange::KeepaliveInterval(value) if value > MAX_KEEPALIVE_INTERVAL => {
                Err(ConfigError::KeepaliveIntervalOutOfRange { value })
            }
            OptionChange::KeepaliveTolerance(value) if value > MAX_KEEPALIVE_TOLERANCE => {
                Err(ConfigError::KeepaliveToleranceOutOfRange { value })
            }
            _ => Ok(()),
        }
    }

    /// Applies `change` (the value is not checked; see
    /// [`check_option`](Self::check_option)).
    pub fn apply_option(&mut self, change: OptionChange) {
        match change {
            OptionChange::ConnectTimeout(value) => self.connect_timeout = value,
            OptionChange::KeepaliveInterval(value) => self.keepalive_interval = value,
            OptionChange::KeepaliveTolerance(value) => self.keepalive_tolerance = value,
            OptionChange::KeepaliveLossRate(rate) => self.keepalive_loss_rate = rate,
        }
    }

    /// The longest delay a core with this configuration may arm a timer for: `now` plus
    /// this must still fit the clock ([`StepError::TimeOutOfRange`](crate::StepError)).
    pub fn longest_timer(&self) -> Duration {
        self.connect_timeout
            .max(self.restart_timeout)
            .max(self.keepalive_interval)
    }

    /// Checks every rule of the configuration and names the first one broken.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.links.is_empty() {
            return Err(ConfigError::NoLinks);
        }
        if self.links.len() > MAX_LINKS {
            return Err(ConfigError::TooManyLinks {
                count: self.links.len(),
            });
        }
        if let Some(index) = self.links.iter().position(|l| l.name.trim().is_empty()) {
            return Err(ConfigError::EmptyLinkName { index });
        }
        if let Some(index) = self
            .links
            .iter()
            .position(|l| l.name.chars().nth(MAX_LINK_NAME_CHARS).is_some())
        {
            let chars = self.links[index].name.chars().count();
            return Err(ConfigError::LinkNameTooLong { index, chars });
        }
        if let Some(index) = self
            .links
            .iter()
            .position(|l| l.name.chars().any(is_unprintable))
        {
            let name = self.links[index].name.clone();
            return Err(ConfigError::UnprintableLinkName { index, name });
        }
        // Duplicates in O(n log n): sort positions by name; equal names are neighbours.
        // Report the earliest second occurrence, with the first occurrence of its name.
        let mut order: Vec<usize> = (0..self.links.len()).collect();
        order.sort_by(|&a, &b| self.links[a].name.cmp(&self.links[b].name).then(a.cmp(&b)));
        let duplicate = order
            .windows(2)
            .filter(|pair| self.links[pair[0]].name == self.links[pair[1]].name)
            .min_by_key(|pair| pair[1]);
        if let Some(pair) = duplicate {
            let name = &self.links[pair[1]].name;
            let first = order
                .iter()
                .copied()
                .find(|&i| &self.links[i].name == name)
                .unwrap_or(pair[0]);
            return Err(ConfigError::DuplicateLinkName {
                name: name.clone(),
                first,
                second: pair[1],
            });
        }
        if !(MIN_CONNECT_TIMEOUT..=MAX_CONNECT_TIMEOUT).contains(&self.connect_timeout) {
            return Err(ConfigError::ConnectTimeoutOutOfRange {
                value: self.connect_timeout,
            });
        }
        if !(MIN_RESTART_TIMEOUT..=MAX_RESTART_TIMEOUT).contains(&self.restart_timeout) {
            return Err(ConfigError::RestartTimeoutOutOfRange {
                value: self.restart_timeout,
            });
        }
        Self::check_option(OptionChange::KeepaliveInterval(self.keepalive_interval))?;
        Self::check_option(OptionChange::KeepaliveTolerance(self.keepalive_tolerance))?;
        if self.status_policy.is_failure(SystemStatus::Normal) {
            return Err(ConfigError::NormalStatusIsFailure);
        }
        Ok(())
    }

    /// The name of `link`, or `None` for an index the configuration does not have.
    pub fn link_name(&self, link: crate::LinkId) -> Option<&str> {
        self.links.get(link.index()).map(|l| l.name.as_str())
    }

    /// The highest priority among all configured links (R2's "highest configured").
    ///
    /// Returns `i32::MIN` for an empty list, which [`validate`](Self::validate) rejects.
    pub fn highest_priority(&self) -> i32 {
        self.links
            .iter()
            .map(LinkConfig::effective_priority)
            .max()
            .unwrap_or(i32::MIN)
    }
}

/// Why a [`Config`] was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// The configuration names no link at all.
    NoLinks,
    /// More links than [`MAX_LINKS`].
    TooManyLinks {
        /// How many links were configured.
        count: usize,
    },
    /// A link's name is empty or only white space.
    EmptyLinkName {
        /// The link's position in the configuration.
        index: usize,
    },
    /// A link's name is longer than [`MAX_LINK_NAME_CHARS`].
    LinkNameTooLong {
        /// The link's position in the configuration.
        index: usize,
        /// How many characters the name has.
        chars: usize,
    },
    /// A link's name holds a character [`is_unprintable`] refuses (an escape sequence
    /// or a line break would reach operators' terminals and forge log and timeline
    /// lines; an invisible one would disguise the name).
    UnprintableLinkName {
        /// The link's position in the configuration.
        index: usize,
        /// The name (shown escaped).
        name: String,
    },
    /// Two links have the same name.
    DuplicateLinkName {
        /// The name used twice.
        name: String,
        /// Position of the first link with that name.
        first: usize,
        /// Position of the second link with that name.
        second: usize,
    },
    /// `connect-tout` is outside 1..=1000 seconds.
    ConnectTimeoutOutOfRange {
        /// The refused value.
        value: Duration,
    },
    /// The link restart timeout is outside 1..=1000 seconds.
    RestartTimeoutOutOfRange {
        /// The refused value.
        value: Duration,
    },
    /// `kpl-interval` is above 600 seconds.
    KeepaliveIntervalOutOfRange {
        /// The refused value.
        value: Duration,
    },
    /// `kpl-tolerance` is above 10.
    KeepaliveToleranceOutOfRange {
        /// The refused value.
        value: u8,
    },
    /// The status policy makes `normal` a failure; `normal` is what validates and
    /// recovers a link (R5, R15).
    NormalStatusIsFailure,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NoLinks => f.write_str("no links are configured; at least one is needed"),
            ConfigError::TooManyLinks { count } => {
                write!(
                    f,
                    "{count} links are configured; at most {MAX_LINKS} are supported"
                )
            }
            ConfigError::EmptyLinkName { index } => {
                write!(f, "link {} has an empty name", index + 1)
            }
            ConfigError::LinkNameTooLong { index, chars } => write!(
                f,
                "link {}'s name is {chars} characters long; at most {MAX_LINK_NAME_CHARS}",
                index + 1
            ),
            ConfigError::UnprintableLinkName { index, name } => write!(
                f,
                "link {} is named {name:?}, which holds a control character or an invisible one; names must be printable",
                index + 1
            ),
            ConfigError::DuplicateLinkName {
                name,
                first,
                second,
            } => write!(
                f,
                "links {} and {} are both named {name:?}; link names must be unique",
                first + 1,
                second + 1
            ),
            ConfigError::ConnectTimeoutOutOfRange { value } => write!(
                f,
                "connect-tout is {value:?}; it must be between 1 s and 1000 s"
            ),
            ConfigError::RestartTimeoutOutOfRange { value } => write!(
                f,
                "link restart timeout is {value:?}; it must be between 1 s and 1000 s"
            ),
            ConfigError::KeepaliveIntervalOutOfRange { value } => write!(
                f,
                "kpl-interval is {value:?}; it must be between 0 s (off) and 600 s"
            ),
            ConfigError::KeepaliveToleranceOutOfRange { value } => {
                write!(f, "kpl-tolerance is {value}; it must be between 0 and 10")
            }
            ConfigError::NormalStatusIsFailure => f.write_str(
                "the status policy makes SystemStatus normal a failure; normal validates and recovers a link, so it cannot be one",
            ),
        }
    }
}

impl core::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clone_from_makes_an_equal_configuration() {
        let source = Config::new([
            LinkConfig::new("CSTA_A").with_priority(10),
            LinkConfig::new("CSTA_B").with_priority(5),
        ])
        .with_role(Role::Backup);
        let mut kept = Config::new([LinkConfig::new("X"), LinkConfig::new("Y")]);
        kept.clone_from(&source);
        assert_eq!(kept, source);
        let mut link = LinkConfig::new("X");
        link.clone_from(&source.links[0]);
        assert_eq!(link, source.links[0]);
    }

    #[test]
    fn an_excerpt_is_short_printable_and_says_what_it_left_out() {
        assert_eq!(excerpt("CSTA_A", 10), "CSTA_A");
        assert_eq!(excerpt("abcdef", 3), "abc... (3 more bytes)");
        assert_eq!(excerpt("é\u{1b}", 1), "é... (1 more bytes)");
    }

    #[test]
    fn one_line_escapes_every_control_and_invisible_character() {
        assert_eq!(printable("CSTA_A"), "CSTA_A");
        assert_eq!(printable("a\nb\u{1b}\u{200B}"), "a\\nb\\u{1b}\\u{200b}");
    }

    #[test]
    fn several_lines_keep_their_breaks_and_lose_their_controls() {
        assert_eq!(printable_lines("a\n\tb"), "a\n\tb");
        assert_eq!(printable_lines("a\u{1b}[31m\nb"), "a\\u{1b}[31m\nb");
    }
}
