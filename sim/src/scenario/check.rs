//! Checking a scenario before a run: what JSON types cannot say (names a scenario uses
//! are declared, times fall inside the run, the configuration is one link-core
//! accepts), and [`Checked`], what a run is built from.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use link_core::{is_unprintable, Config, ConfigError, LinkConfig, LogRecord, Role};

use super::error::ScenarioError;
use super::expectation::{Expectation, SERVICE};
use super::fault::Fault;
use super::format::{ConnectorSpec, Scenario, ServerSpec, FORMAT_VERSION};

/// Checks a scenario built in code (no file to point into): the same checks as
/// [`super::parse`] applies after reading JSON. The error names the scenario where a
/// file's error names the file.
pub fn check_scenario(scenario: Scenario) -> Result<Checked, ScenarioError> {
    let name = PathBuf::from(&scenario.name);
    check(scenario).map_err(|(_, message)| ScenarioError {
        path: name,
        location: None,
        message,
    })
}

/// A scenario checked and ready to run.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The scenario as written.
    pub scenario: Scenario,
    /// The servers, with the default one filled in.
    pub servers: Vec<ServerSpec>,
    /// The scenario's configuration, its links every connector of the run:
    /// `config.links`, then the links only some server lists (role = the first
    /// server's; each server sets its own).
    pub config: Config,
    /// The connector of every link of [`Checked::config`], in its order, defaults
    /// filled in.
    pub connectors: Vec<ConnectorSpec>,
    /// Each server's own core configuration (its links and options; its role is set
    /// when it starts).
    pub server_configs: Vec<Config>,
    /// For each server, the index in [`Checked::config`]'s links (its connector) of each
    /// of its own links, in its order.
    pub server_links: Vec<Vec<usize>>,
}

impl Checked {
    /// The index of the link named `name` among every connector of the run.
    pub fn link_index(&self, name: &str) -> Option<usize> {
        self.config.links.iter().position(|l| l.name == name)
    }

    /// The index of the link named `name` among `server`'s own links.
    pub fn server_link_index(&self, server: usize, name: &str) -> Option<usize> {
        self.server_configs
            .get(server)?
            .links
            .iter()
            .position(|l| l.name == name)
    }

    /// Whether every server runs the scenario's one configuration (no server has links
    /// or options of its own).
    pub fn shared_config(&self) -> bool {
        self.servers.iter().all(|s| !s.has_own_config())
    }

    /// How long a backup's synchronization with the primary takes when
    /// `ha-sync-dly-lnk-conn` is on and the servers are a pair (a lone server has no
    /// primary to synchronize with); `None` otherwise.
    pub fn ha_sync_takes(&self) -> Option<Duration> {
        let c = &self.scenario.config;
        let on = c.ha_sync_dly_lnk_conn == Some(true) && self.is_pair();
        on.then(|| {
            c.ha_sync_takes
                .map_or(super::DEFAULT_HA_SYNC_TAKES, |t| t.0)
        })
    }

    /// The index of the server named `name`.
    pub fn server_index(&self, name: &str) -> Option<usize> {
        self.servers.iter().position(|s| s.name == name)
    }

    /// This scenario with seed `seed`: every random stream, and every fault field
    /// drawn from a range, follows the new seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.scenario.seed = seed;
        for (index, fault) in self.scenario.faults.iter_mut().enumerate() {
            fault.draw(seed, index);
        }
        self
    }

    /// Whether the scenario has a fault field drawn from a range.
    pub fn has_ranges(&self) -> bool {
        self.scenario
            .faults
            .iter()
            .any(|f| f.drawn_fields().iter().any(|(_, d)| d.range.is_some()))
    }

    /// Whether the scenario runs an HA pair.
    pub fn is_pair(&self) -> bool {
        self.servers.len() == 2
    }

    /// A rough upper estimate of the core steps a run makes, for `linksim check`'s
    /// warning: every link of every server connected (about four inputs) as often as
    /// the shortest of connect-tout and the restart timeout allows, each connection
    /// receiving its connector's whole status sequence, a keep-alive exchange (two
    /// inputs) per interval, and every fault with its status sequence. The events a
    /// run schedules are a few per step ([`crate::EVENTS_PER_STEP`] bounds them).
    pub fn estimated_steps(&self) -> f64 {
        let c = &self.scenario.config;
        let run_s = self.scenario.run_for.0.as_secs_f64();
        // The shortest of every server's own timing too.
        let connect_tout = self.server_configs.iter().map(|c| c.connect_timeout).min();
        let cycle_s = connect_tout
            .unwrap_or(c.connect_tout.0)
            .min(c.restart_timeout.0)
            .as_secs_f64()
            .max(1e-3);
        let kpl_interval = self
            .server_configs
            .iter()
            .map(|c| c.keepalive_interval)
            .filter(|i| !i.is_zero())
            .min()
            .unwrap_or_default();
        let connections = run_s / cycle_s + 1.0;
        let statuses: usize = self.connectors.iter().map(|c| c.status_steps().len()).sum();
        let procedures = connections * (self.config.links.len() as f64 * 4.0 + statuses as f64);
        let keepalive = if kpl_interval.is_zero() {
            0.0
        } else {
            2.0 * run_s / kpl_interval.as_secs_f64()
        };
        let faults: usize = self.scenario.faults.iter().map(Fault::work).sum();
        self.servers.len() as f64 * (procedures + keepalive + faults as f64)
    }
}

/// A problem a check found: a text to locate in the file (a quoted name or a field),
/// and what is wrong.
pub(super) type CheckError = (Option<String>, String);

/// Semantic checks: the things JSON types cannot say. The error carries a text to
/// locate in the file (a quoted name or a field) and the message.
pub(super) fn check(scenario: Scenario) -> Result<Checked, CheckError> {
    let servers = if scenario.servers.is_empty() {
        vec![ServerSpec::new("ts", Role::Standalone)]
    } else {
        scenario.servers.clone()
    };
    check_servers(&servers)?;
    let config = check_config(&scenario, &servers)?;
    let (server_configs, server_links) = server_configs(&config, &scenario, &servers)?;
    let names = Names {
        links: config.links.iter().map(|l| l.name.as_str()).collect(),
        servers: servers.iter().map(|s| s.name.as_str()).collect(),
        server_links: server_configs
            .iter()
            .map(|c| c.links.iter().map(|l| l.name.as_str()).collect())
            .collect(),
    };
    for name in scenario.connectors.keys() {
        names.link(&"connectors", name)?;
    }
    check_faults(&scenario, &names)?;
    check_expectations(&scenario, &names)?;
    let mut scenario = scenario;
    let seed = scenario.seed;
    for (index, fault) in scenario.faults.iter_mut().enumerate() {
        fault.draw(seed, index);
    }
    let connectors = config
        .links
        .iter()
        .map(|l| {
            scenario
                .connectors
                .get(&l.name)
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    Ok(Checked {
        servers,
        config,
        connectors,
        server_configs,
        server_links,
        scenario,
    })
}

/// Each server's core configuration and the connector index of each of its links:
/// `config.links` and the scenario's options, or what the server gives of its own.
fn server_configs(
    all: &Config,
    scenario: &Scenario,
    servers: &[ServerSpec],
) -> Result<(Vec<Config>, Vec<Vec<usize>>), CheckError> {
    let mut configs = Vec::with_capacity(servers.len());
    let mut indices = Vec::with_capacity(servers.len());
    // Names to connector indices once: a lookup per link would be quadratic.
    let of_all: std::collections::BTreeMap<&str, usize> = all
        .links
        .iter()
        .enumerate()
        .map(|(i, l)| (l.name.as_str(), i))
        .collect();
    for (i, server) in servers.iter().enumerate() {
        let links: Vec<LinkConfig> = match &server.links {
            Some(own) => own
                .iter()
                .map(|l| LinkConfig {
                    name: l.name.clone(),
                    priority: l.priority,
                })
                .collect(),
            None => shared_links(all, scenario),
        };
        let mut config = all.clone();
        config.links = links;
        if let Some(t) = server.connect_tout {
            config = config.with_connect_timeout(t.0);
        }
        let interval = server
            .kpl_interval
            .map_or(config.keepalive_interval, |t| t.0);
        let tolerance = server.kpl_tolerance.unwrap_or(config.keepalive_tolerance);
        config = config.with_keepalive(interval, tolerance);
        config.validate().map_err(|e| {
            (
                Some(config_error_field(&e)),
                format!("servers[{i}] ({}): {e}", server.name),
            )
        })?;
        let connector = |name: &str| *of_all.get(name).expect("in the union");
        indices.push(config.links.iter().map(|l| connector(&l.name)).collect());
        configs.push(config);
    }
    Ok((configs, indices))
}

/// The links of `config.links`, as the union configuration holds them (its first
/// ones).
fn shared_links(all: &Config, scenario: &Scenario) -> Vec<LinkConfig> {
    all.links[..scenario.config.links.len()].to_vec()
}

/// The format version, the texts, the core configuration (over every connector of the
/// run: `config.links`, then those only some server lists) and `run_for`.
fn check_config(scenario: &Scenario, servers: &[ServerSpec]) -> Result<Config, CheckError> {
    if scenario.format != FORMAT_VERSION {
        return Err((
            Some("\"format\"".into()),
            format!(
                "format {} is not supported; this linksim reads format {FORMAT_VERSION}",
                scenario.format
            ),
        ));
    }
    check_texts(scenario)?;
    let c = &scenario.config;
    if c.links.is_empty() && servers.iter().any(|s| s.links.is_none()) {
        return Err((
            Some("\"links\"".into()),
            "config.links is empty, and a server has no links of its own (servers[i].links)".into(),
        ));
    }
    let mut links: Vec<LinkConfig> = c
        .links
        .iter()
        .map(|l| LinkConfig {
            name: l.name.clone(),
            priority: l.priority,
        })
        .collect();
    let mut named: std::collections::BTreeSet<String> =
        links.iter().map(|l| l.name.clone()).collect();
    for own in servers.iter().flat_map(|s| s.links.iter().flatten()) {
        if named.insert(own.name.clone()) {
            links.push(LinkConfig {
                name: own.name.clone(),
                priority: own.priority,
            });
        }
    }
    let config = Config::new(links)
        .with_connect_timeout(c.connect_tout.0)
        .with_restart_timeout(c.restart_timeout.0)
        .with_keepalive(c.kpl_interval.0, c.kpl_tolerance)
        .with_first_status(c.first_status.policy());
    let rate = c
        .kpl_loss_rate
        .rate()
        .map_err(|e| (Some("\"kpl_loss_rate\"".into()), format!("config: {e}")))?;
    let policy = crate::options::status_policy(&c.status_policy)
        .map_err(|e| (Some("\"status_policy\"".into()), format!("config: {e}")))?;
    let config = config
        .with_keepalive_loss_rate(rate)
        .with_status_policy(policy);
    config
        .validate()
        .map_err(|e| (Some(config_error_field(&e)), format!("config: {e}")))?;
    // The core refuses a time so late that a timer armed from it would overflow (I8),
    // with the longest timer the run can arm: an `options` fault or a server's own
    // option may lengthen one.
    let longest = scenario
        .faults
        .iter()
        .map(Fault::option_values)
        .flat_map(|v| [v.connect_tout, v.kpl_interval])
        .chain(
            servers
                .iter()
                .flat_map(|s| [s.connect_tout, s.kpl_interval]),
        )
        .flatten()
        .map(|d| d.0)
        .fold(config.longest_timer(), Duration::max);
    if (scenario.run_for.0 + longest).as_nanos() >= u128::from(u64::MAX) {
        return Err((
            Some("\"run_for\"".into()),
            format!(
                "run_for {} is too long: the clock must still hold a timer after it",
                scenario.run_for
            ),
        ));
    }
    Ok(config)
}

/// The links and servers a scenario names, for checking references to them.
struct Names<'a> {
    links: Vec<&'a str>,
    servers: Vec<&'a str>,
    /// Each server's own links, in server order.
    server_links: Vec<Vec<&'a str>>,
}

impl Names<'_> {
    /// `name` (in `what`) is a configured link.
    fn link(&self, what: &dyn fmt::Display, name: &str) -> Result<(), CheckError> {
        if self.links.contains(&name) {
            return Ok(());
        }
        Err((
            serde_json::to_string(name).ok(),
            format!(
                "{what}: no link named {name:?} in config.links (configured: {})",
                self.links.join(", ")
            ),
        ))
    }

    /// `name` (in `what`), if given, is a server of the scenario.
    fn server(&self, what: &dyn fmt::Display, name: Option<&str>) -> Result<(), CheckError> {
        match name {
            Some(name) if !self.servers.contains(&name) => Err((
                serde_json::to_string(name).ok(),
                format!(
                    "{what}: no server named {name:?} (servers: {})",
                    self.servers.join(", ")
                ),
            )),
            _ => Ok(()),
        }
    }

    /// `link` (in `what`, about `server` alone) is one of that server's links: a pair
    /// whose servers have links of their own may name a connector one of them never
    /// opens.
    fn server_link(
        &self,
        what: &dyn fmt::Display,
        server: Option<&str>,
        link: &str,
    ) -> Result<(), CheckError> {
        // Unnamed, a lone server is the one meant (a pair's expectations must name one).
        let lone = (self.servers.len() == 1).then_some(0);
        let named = server.and_then(|s| self.servers.iter().position(|n| *n == s));
        let Some(index) = named.or(lone) else {
            return Ok(());
        };
        let own = &self.server_links[index];
        if own.contains(&link) {
            return Ok(());
        }
        Err((
            serde_json::to_string(link).ok(),
            format!(
                "{what}: server {:?} has no link named {link:?} (its links: {})",
                self.servers[index],
                own.join(", ")
            ),
        ))
    }
}

/// One entry of a list of the file, as an error names it (`faults[2]`): put into words
/// only when there is an error to report.
#[derive(Clone, Copy)]
struct Entry(&'static str, usize);

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.0, self.1)
    }
}

/// Every fault names known links and servers, starts within the run, and a switchover
/// has a pair to switch.
fn check_faults(scenario: &Scenario, names: &Names<'_>) -> Result<(), CheckError> {
    for (i, fault) in scenario.faults.iter().enumerate() {
        let what = Entry("faults", i);
        if let Some(link) = fault.link() {
            names.link(&what, link)?;
        }
        names.server(&what, fault.server())?;
        if let Some(link) = fault.link() {
            names.server_link(&what, fault.server(), link)?;
        }
        let latest = fault.at_field().latest();
        if latest > scenario.run_for {
            return Err((
                Some("\"at\"".into()),
                format!(
                    "{what}: starts at {}{latest}, after run_for ({}); it would never happen",
                    if fault.at_field().range.is_some() {
                        "up to "
                    } else {
                        ""
                    },
                    scenario.run_for
                ),
            ));
        }
        if matches!(fault, Fault::Switchover { .. }) && names.servers.len() != 2 {
            return Err((
                Some("\"switchover\"".into()),
                format!(
                    "{what}: a switchover needs an HA pair (a primary and a backup in \"servers\")"
                ),
            ));
        }
        if matches!(fault, Fault::SetRole { .. }) && names.servers.len() > 1 {
            return Err((
                Some("\"set_role\"".into()),
                format!("{what}: set_role is for a lone server; a pair's roles change by \"switchover\""),
            ));
        }
        if let Fault::Options { .. } = fault {
            fault
                .option_values()
                .changes()
                .map_err(|e| (Some("\"options\"".into()), format!("{what}: {e}")))?;
        }
    }
    Ok(())
}

/// Every expectation names known links and servers (a server when there are two),
/// looks inside the run, and an interval runs forwards.
fn check_expectations(scenario: &Scenario, names: &Names<'_>) -> Result<(), CheckError> {
    for (i, expectation) in scenario.expect.iter().enumerate() {
        let what = Entry("expect", i);
        for link in expectation.links() {
            names.link(&what, link)?;
        }
        let service = expectation.is_about_outages() && expectation.server() == Some(SERVICE);
        if !service {
            names.server(&what, expectation.server())?;
            for link in expectation.links() {
                names.server_link(&what, expectation.server(), link)?;
            }
        }
        if let Expectation::Availability { at_least, .. } = expectation {
            if !(0.0..=1.0).contains(at_least) {
                // 1e300 in 301 digits helps no one.
                let shown = match at_least.abs() < 1e6 {
                    true => at_least.to_string(),
                    false => format!("{at_least:e}"),
                };
                return Err((
                    Some("\"at_least\"".into()),
                    format!("{what}: \"at_least\" is a fraction from 0 to 1 (0.999 for 99.9%); {shown} is not"),
                ));
            }
        }
        if expectation.server().is_none() && names.servers.len() > 1 {
            return Err((
                Some("\"expect\"".into()),
                format!(
                    "{what}: say which server with \"server\" (this scenario has {})",
                    names.servers.join(", ")
                ),
            ));
        }
        if let Some(time) = expectation.latest_time().filter(|t| *t > scenario.run_for) {
            return Err((
                Some(format!("\"{time}\"")),
                format!(
                    "{what}: looks at {time}, after run_for ({}); the run never gets there",
                    scenario.run_for
                ),
            ));
        }
        if let Expectation::Log {
            kind: Some(kind), ..
        } = expectation
        {
            if !LogRecord::KINDS.contains(&kind.as_str()) {
                return Err((
                    serde_json::to_string(kind).ok(),
                    format!(
                        "{what}: {kind:?} is not a log record kind (kinds: {})",
                        LogRecord::KINDS.join(", ")
                    ),
                ));
            }
        }
        if let Expectation::ActiveDuring { from, until, .. } = expectation {
            if from > until {
                return Err((
                    Some("\"from\"".into()),
                    format!("{what}: \"from\" ({from}) is after \"until\" ({until})"),
                ));
            }
        }
    }
    Ok(())
}

/// The text an error about the configuration points at (to locate it in the file).
fn config_error_field(error: &ConfigError) -> String {
    match error {
        ConfigError::NoLinks | ConfigError::TooManyLinks { .. } => "\"links\"".to_string(),
        ConfigError::EmptyLinkName { .. } => "\"name\"".into(),
        ConfigError::LinkNameTooLong { .. } => "\"links\"".into(),
        ConfigError::UnprintableLinkName { name, .. } => {
            serde_json::to_string(name).unwrap_or_default()
        }
        ConfigError::DuplicateLinkName { name, .. } => {
            serde_json::to_string(name).unwrap_or_default()
        }
        ConfigError::ConnectTimeoutOutOfRange { .. } => "\"connect_tout\"".into(),
        ConfigError::RestartTimeoutOutOfRange { .. } => "\"restart_timeout\"".into(),
        ConfigError::KeepaliveIntervalOutOfRange { .. } => "\"kpl_interval\"".into(),
        ConfigError::KeepaliveToleranceOutOfRange { .. } => "\"kpl_tolerance\"".into(),
        ConfigError::NormalStatusIsFailure => "\"status_policy\"".into(),
    }
}

/// The longest scenario or server name, in characters (as link names,
/// [`link_core::MAX_LINK_NAME_CHARS`]): names are printed on every run.
pub const MAX_NAME_CHARS: usize = link_core::MAX_LINK_NAME_CHARS;

/// The longest description, in characters (it is drawn on pages and copied into the
/// files `sweep --worst` and `explore` write).
pub const MAX_DESCRIPTION_CHARS: usize = 4096;

/// Whether `text` has more than `most` characters.
fn too_long(text: &str, most: usize) -> bool {
    text.chars().nth(most).is_some()
}

/// The scenario's name is printed on every run and its description in pictures: no
/// control character (an escape sequence would reach the terminal), but for line
/// breaks and tabs in the description.
fn check_texts(scenario: &Scenario) -> Result<(), CheckError> {
    if too_long(&scenario.name, MAX_NAME_CHARS) {
        return Err((
            Some("\"name\"".into()),
            format!(
                "the scenario's name is {} characters long; at most {MAX_NAME_CHARS}",
                scenario.name.chars().count()
            ),
        ));
    }
    if too_long(&scenario.description, MAX_DESCRIPTION_CHARS) {
        return Err((
            Some("\"description\"".into()),
            format!(
                "the description is {} characters long; at most {MAX_DESCRIPTION_CHARS}",
                scenario.description.chars().count()
            ),
        ));
    }
    if scenario.name.chars().any(is_unprintable) {
        return Err((
            Some("\"name\"".into()),
            format!(
                "the scenario's name {:?} holds a control character or an invisible one; names must be printable",
                scenario.name
            ),
        ));
    }
    let unprintable = |c: char| is_unprintable(c) && c != '\n' && c != '\t';
    if scenario.description.chars().any(unprintable) {
        return Err((
            Some("\"description\"".into()),
            "the description holds a control or invisible character other than a line break or a tab".into(),
        ));
    }
    Ok(())
}

fn check_servers(servers: &[ServerSpec]) -> Result<(), CheckError> {
    for (i, server) in servers.iter().enumerate() {
        if server.name.trim().is_empty() {
            return Err((
                Some("\"servers\"".into()),
                format!("servers[{i}]: the name is empty"),
            ));
        }
        if too_long(&server.name, MAX_NAME_CHARS) {
            return Err((
                Some("\"servers\"".into()),
                format!(
                    "servers[{i}]: the name is {} characters long; at most {MAX_NAME_CHARS}",
                    server.name.chars().count()
                ),
            ));
        }
        if server.name.chars().any(is_unprintable) {
            return Err((
                serde_json::to_string(&server.name).ok(),
                format!(
                    "servers[{i}]: the name {:?} holds a control character or an invisible one; names must be printable",
                    server.name
                ),
            ));
        }
        if servers[..i].iter().any(|s| s.name == server.name) {
            return Err((
                serde_json::to_string(&server.name).ok(),
                format!("servers[{i}]: the name {:?} is used twice", server.name),
            ));
        }
        if server.name == SERVICE {
            return Err((
                serde_json::to_string(&server.name).ok(),
                format!("servers[{i}]: the name {SERVICE:?} is reserved: outage expectations use it for the service of the servers"),
            ));
        }
    }
    match servers {
        [_] => Ok(()),
        [a, b]
            if matches!(
                (a.role, b.role),
                (Role::Primary, Role::Backup) | (Role::Backup, Role::Primary)
            ) =>
        {
            Ok(())
        }
        [_, _] => Err((
            Some("\"servers\"".into()),
            "servers: an HA pair is one \"primary\" and one \"backup\"".into(),
        )),
        _ => Err((
            Some("\"servers\"".into()),
            format!(
                "servers: {} servers given; a scenario has one server or an HA pair of two",
                servers.len()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::read::parse;
    use std::path::Path;

    /// A pair where ts1 has A and S, ts2 has B and S (S shared), with `rest` appended
    /// to the scenario's fields.
    fn pair(config_links: &str, rest: &str) -> String {
        format!(
            r#"{{"format": 1, "name": "p", "run_for": "10s",
            "config": {{"links": [{config_links}]}},
            "servers": [
              {{"name": "ts1", "role": "primary", "links": [{{"name": "A", "priority": 2}}, {{"name": "S"}}]}},
              {{"name": "ts2", "role": "backup", "links": [{{"name": "B", "priority": 1}}, {{"name": "S", "priority": 5}}]}}
            ]{rest}}}"#
        )
    }

    fn error(text: &str) -> String {
        parse(Path::new("p.json"), text).unwrap_err().message
    }

    #[test]
    fn each_server_runs_its_own_links_over_shared_connectors() {
        let checked = parse(Path::new("p.json"), &pair("", "")).unwrap();
        let names: Vec<&str> = checked
            .config
            .links
            .iter()
            .map(|l| l.name.as_str())
            .collect();
        assert_eq!(
            names,
            ["A", "S", "B"],
            "every connector once, in first-named order"
        );
        assert_eq!(checked.server_links, [vec![0, 1], vec![2, 1]]);
        assert_eq!(
            checked.server_configs[1].links[1].priority,
            Some(5),
            "ts2's own priority for S"
        );
        assert_eq!(checked.server_link_index(1, "A"), None);
        assert!(!checked.shared_config());
    }

    #[test]
    fn a_fault_or_expectation_about_one_server_names_one_of_its_links() {
        let fault = r#", "faults": [{"fault": "partition", "at": "1s", "for": "1s", "link": "A", "server": "ts2"}]"#;
        let message = error(&pair("", fault));
        assert!(
            message.contains(r#"server "ts2" has no link named "A" (its links: B, S)"#),
            "{message}"
        );
        let expectation =
            r#", "expect": [{"expect": "never_active", "server": "ts1", "link": "B"}]"#;
        let message = error(&pair("", expectation));
        assert!(
            message.contains(r#"server "ts1" has no link named "B""#),
            "{message}"
        );
        // A connector fault for every server may name any connector of the run.
        let crash = r#", "faults": [{"fault": "crash", "at": "1s", "for": "1s", "link": "B"}]"#;
        assert!(parse(Path::new("p.json"), &pair("", crash)).is_ok());
    }

    #[test]
    fn an_expectation_without_a_server_is_about_the_lone_server() {
        // Found in review: it passed without checking anything.
        let text = r#"{"format": 1, "name": "p", "run_for": "10s",
            "config": {"links": [{"name": "X"}]},
            "servers": [{"name": "ts", "role": "standalone", "links": [{"name": "A"}]}],
            "expect": [{"expect": "never_active", "link": "X"}]}"#;
        let message = error(text);
        assert!(
            message.contains(r#"server "ts" has no link named "X""#),
            "{message}"
        );
    }

    #[test]
    fn a_server_without_links_of_its_own_needs_config_links() {
        let text = pair("", "").replace(
            r#", "links": [{"name": "B", "priority": 1}, {"name": "S", "priority": 5}]"#,
            "",
        );
        let message = error(&text);
        assert!(message.contains("config.links is empty"), "{message}");
    }

    #[test]
    fn a_server_option_is_checked_and_counts_in_the_clock_range() {
        let own_tout = |tout: &str| {
            pair("", "").replace(
                r#""role": "backup","#,
                &format!(r#""role": "backup", "connect_tout": "{tout}","#),
            )
        };
        let message = error(&own_tout("0s"));
        assert!(message.contains("servers[1] (ts2)"), "{message}");
        assert!(parse(Path::new("p.json"), &own_tout("3s")).is_ok());
        // The clock holds about 18,446,744,073 s: with the scenario's longest timer
        // (10 s) this run fits; ts2's own 1000 s connect-tout does not.
        let late = |tout: &str| {
            own_tout(tout).replace(r#""run_for": "10s""#, r#""run_for": "18446744000s""#)
        };
        assert!(parse(Path::new("p.json"), &late("3s")).is_ok());
        let message = error(&late("1000s"));
        assert!(message.contains("too long"), "{message}");
    }
}
