//! Outages: how long each server, and the service an HA pair gives its clients, went
//! without an active link, measured on every run (explore's and sweep's included: the
//! meter keeps figures, not a history, so its memory does not grow with the run).
//!
//! Definitions (docs/decisions.md, "Outage budget"):
//! - A server is *up* while it has an active link, as its clients were told
//!   (`LinkConnected` to `LinkDisconnected`). The time before its first activation is
//!   its start-up, reported as `first_active`, not as an outage.
//! - An *outage* runs from the loss of the active link to the next activation; one the
//!   run ends inside is reported as open, with the run's end as its end.
//! - The *service* is up while the server that is primary at that moment (any role, for
//!   a lone server) has an active link: clients are served by the primary. Its
//!   outages have the same definition.
//! - *Availability* is the time up over the whole run, start-up included.
//! - A loss and a return at the same instant (a switchover to a backup that is already
//!   active) is no outage: no time passed without a link.

use std::time::Duration;

use link_core::{Action, Instant, LinkId, LogRecord, Role};

use crate::observe::{Observation, Observe};
use crate::verdict::Found;
use crate::world::{Told, World};

/// At most this many outages are kept per subject; past it they are counted (in
/// [`Figures::count`], [`Figures::total`] and [`Figures::longest`]) but not listed.
pub const OUTAGE_LIMIT: usize = 1_000;

/// What ended an outage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restored {
    /// Server `server` (index in the scenario) activated `link`.
    Activated {
        /// The server that serves again.
        server: usize,
        /// Its active link.
        link: LinkId,
    },
    /// The run ended first (the outage is open).
    RunEnded,
}

/// One outage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outage {
    /// When the active link was lost.
    pub from: Instant,
    /// When service came back, or the run's end for an open outage.
    pub until: Instant,
    /// What ended it.
    pub restored: Restored,
}

impl Outage {
    /// How long it lasted.
    pub fn length(&self) -> Duration {
        self.until.saturating_duration_since(self.from)
    }

    /// Whether the run ended inside it.
    pub fn is_open(&self) -> bool {
        self.restored == Restored::RunEnded
    }
}

/// The outage figures of one server or of the service, over one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// When the first link became active (`None`: never).
    pub first_active: Option<Instant>,
    /// The outages in order, at most [`OUTAGE_LIMIT`].
    pub outages: Vec<Outage>,
    /// How many outages there were (all of them, listed or not).
    pub count: u64,
    /// Their total length.
    pub total: Duration,
    /// The longest (the first of equals).
    pub longest: Option<Outage>,
    /// The outage the run ended inside, if any (also the last one counted).
    pub open: Option<Outage>,
    /// Time up (with an active link).
    pub up: Duration,
    /// How long the run lasted (to a violation, if one stopped it).
    pub run: Duration,
}

impl Figures {
    /// The fraction of the run spent up, 0 to 1 (1 for a run of no length).
    pub fn availability(&self) -> f64 {
        if self.run.is_zero() {
            return 1.0;
        }
        self.up.as_secs_f64() / self.run.as_secs_f64()
    }

    fn add(&mut self, outage: Outage) {
        self.count += 1;
        self.total += outage.length();
        if self.longest.is_none_or(|l| outage.length() > l.length()) {
            self.longest = Some(outage);
        }
        if self.outages.len() < OUTAGE_LIMIT {
            self.outages.push(outage);
        }
    }
}

/// One subject's running state: up since, or down since.
#[derive(Clone, Copy, Debug)]
enum Phase {
    StartingUp,
    Up { since: Instant },
    Down { since: Instant },
}

#[derive(Clone, Debug)]
struct Subject {
    phase: Phase,
    figures: Figures,
}

impl Subject {
    fn new() -> Self {
        Subject {
            phase: Phase::StartingUp,
            figures: Figures::default(),
        }
    }

    /// The subject is now served (`Some`: by that server's link) or not (`None`). A
    /// loss and a return at the same instant (a switchover to a backup that is already
    /// active: the primary is demoted before the backup is promoted) is no outage.
    fn serve(&mut self, now: Instant, serving: Option<Restored>) {
        match (self.phase, serving) {
            (Phase::StartingUp, Some(_)) => {
                self.figures.first_active = Some(now);
                self.phase = Phase::Up { since: now };
            }
            (Phase::Down { since }, Some(_)) if since == now => {
                self.phase = Phase::Up { since: now };
            }
            (Phase::Down { since }, Some(restored)) => {
                self.figures.add(Outage {
                    from: since,
                    until: now,
                    restored,
                });
                self.phase = Phase::Up { since: now };
            }
            (Phase::Up { since }, None) => {
                self.figures.up += now.saturating_duration_since(since);
                self.phase = Phase::Down { since: now };
            }
            _ => {}
        }
    }

    fn finish(&self, end: Instant) -> Figures {
        let mut figures = self.figures.clone();
        match self.phase {
            Phase::Up { since } => figures.up += end.saturating_duration_since(since),
            Phase::Down { since } => {
                let open = Outage {
                    from: since,
                    until: end,
                    restored: Restored::RunEnded,
                };
                figures.add(open);
                figures.open = Some(open);
            }
            Phase::StartingUp => {}
        }
        figures.run = end.saturating_duration_since(Instant::ZERO);
        figures
    }
}

/// Every server's outage figures and the service's, in scenario order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutageReport {
    /// Each server's figures, by server index.
    pub servers: Vec<Figures>,
    /// The service's: the primary's for a pair, the server's own for a lone server.
    pub service: Figures,
}

/// Measures outages as a run goes: told of every activation, loss and role change.
#[derive(Clone, Debug)]
pub struct OutageMeter {
    active: Vec<Option<LinkId>>,
    roles: Vec<Role>,
    servers: Vec<Subject>,
    service: Subject,
}

impl OutageMeter {
    /// A meter for servers starting in `roles`, none with an active link.
    pub fn new(roles: &[Role]) -> Self {
        OutageMeter {
            active: vec![None; roles.len()],
            roles: roles.to_vec(),
            servers: roles.iter().map(|_| Subject::new()).collect(),
            service: Subject::new(),
        }
    }

    /// Server `server`'s active link is now `link` (`None`: it has none).
    pub fn active(&mut self, now: Instant, server: usize, link: Option<LinkId>) {
        self.active[server] = link;
        let restored = link.map(|link| Restored::Activated { server, link });
        self.servers[server].serve(now, restored);
        self.update_service(now);
    }

    /// Server `server`'s role is now `role`.
    pub fn role(&mut self, now: Instant, server: usize, role: Role) {
        self.roles[server] = role;
        self.update_service(now);
    }

    /// The server serving clients now, with its active link: the first primary with an
    /// active link (a lone server in any role).
    fn serving(&self) -> Option<Restored> {
        let lone = self.active.len() == 1;
        (0..self.active.len())
            .filter(|&s| lone || self.roles[s] == Role::Primary)
            .find_map(|server| self.active[server].map(|link| Restored::Activated { server, link }))
    }

    fn update_service(&mut self, now: Instant) {
        let serving = self.serving();
        self.service.serve(now, serving);
    }

    /// The figures of a run that ended at `end`.
    pub fn finish(&self, end: Instant) -> OutageReport {
        OutageReport {
            servers: self.servers.iter().map(|s| s.finish(end)).collect(),
            service: self.service.finish(end),
        }
    }
}

/// The meter watches the run: every role change and client notification carried out.
impl Observe for OutageMeter {
    // Inlined into the engine's call sites, where the observation's kind is known:
    // the match then folds away, and a kind a watcher ignores costs nothing.
    #[inline(always)]
    fn observe(&mut self, at: Instant, seen: &Observation<'_>, world: &World) -> Option<Found> {
        match *seen {
            Observation::Carried {
                server,
                action: Action::Log(LogRecord::RoleChanged { to, .. }),
            } => self.role(at, server, to),
            Observation::Told {
                server,
                told: Told::Heard(event),
            } => {
                let rename = |link: LinkId| world.connector_link(server, link);
                self.active(at, server, event.with_link(rename).connected())
            }
            _ => {}
        }
        None
    }
}

/// The names outages are rendered with.
pub struct Names<'a> {
    /// Server names by index.
    pub servers: Vec<&'a str>,
    /// Link names by index.
    pub links: Vec<&'a str>,
}

impl Names<'_> {
    /// Server `index`'s name.
    pub fn server(&self, index: usize) -> &str {
        self.servers.get(index).copied().unwrap_or("?")
    }

    /// Link `link`'s name.
    pub fn link(&self, link: LinkId) -> &str {
        self.links.get(link.index()).copied().unwrap_or("?")
    }

    /// What ended an outage, in words; `service` names the server too.
    pub fn restored(&self, restored: Restored, service: bool) -> String {
        match restored {
            Restored::Activated { server, link } if service => {
                format!("{} on {}", self.server(server), self.link(link))
            }
            Restored::Activated { link, .. } => self.link(link).to_string(),
            Restored::RunEnded => "the run ended first".into(),
        }
    }
}

/// A duration as the timeline writes times: seconds with milliseconds, `10.319s`.
pub fn seconds(d: Duration) -> String {
    let millis = d.as_millis();
    format!("{}.{:03}s", millis / 1000, millis % 1000)
}

/// One outage in words: `10.319s (30.001s..40.320s, restored by CSTA_B)`.
pub fn describe(outage: &Outage, names: &Names<'_>, service: bool) -> String {
    let how = match outage.restored {
        Restored::RunEnded => "still out when the run ended".to_string(),
        restored => format!("restored by {}", names.restored(restored, service)),
    };
    format!(
        "{} ({}..{}, {how})",
        seconds(outage.length()),
        outage.from,
        outage.until
    )
}

/// A subject's figures on one line: `1 x 10.319s (30.001s..40.320s, restored by
/// CSTA_B), first active at 0.301s, availability 82.801%`.
pub fn summary(figures: &Figures, names: &Names<'_>, service: bool) -> String {
    let Some(first) = figures.first_active else {
        return format!("never active in {} (availability 0%)", seconds(figures.run));
    };
    let outages = match (figures.count, figures.longest) {
        (0, _) | (_, None) => "no outage".to_string(),
        (1, Some(only)) => format!("1 x {}", describe(&only, names, service)),
        (n, Some(longest)) => format!(
            "{n} x, total {}, longest {}",
            seconds(figures.total),
            describe(&longest, names, service)
        ),
    };
    format!(
        "{outages}, first active at {first}, availability {:.3}%",
        100.0 * figures.availability()
    )
}

/// Seconds as a JSON number, to the nanosecond.
fn json_seconds(d: Duration) -> serde_json::Value {
    serde_json::json!(d.as_secs_f64())
}

impl Outage {
    /// The outage as JSON: `from_s`, `until_s`, `length_s`, `open`, `restored_by`.
    pub fn json(&self, names: &Names<'_>) -> serde_json::Value {
        let restored_by = match self.restored {
            Restored::Activated { server, link } => serde_json::json!({
                "server": names.server(server),
                "link": names.link(link),
            }),
            Restored::RunEnded => serde_json::Value::Null,
        };
        serde_json::json!({
            "from_s": json_seconds(self.from.saturating_duration_since(Instant::ZERO)),
            "until_s": json_seconds(self.until.saturating_duration_since(Instant::ZERO)),
            "length_s": json_seconds(self.length()),
            "open": self.is_open(),
            "restored_by": restored_by,
        })
    }
}

impl Figures {
    /// The figures as JSON (times in seconds; `outages` lists at most [`OUTAGE_LIMIT`]).
    pub fn json(&self, names: &Names<'_>) -> serde_json::Value {
        serde_json::json!({
            "first_active_s": self.first_active.map(|t| json_seconds(t.saturating_duration_since(Instant::ZERO))),
            "count": self.count,
            "total_s": json_seconds(self.total),
            "longest": self.longest.map(|o| o.json(names)),
            "availability": self.availability(),
            "up_s": json_seconds(self.up),
            "run_s": json_seconds(self.run),
            "outages": self.outages.iter().map(|o| o.json(names)).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> Instant {
        Instant::from_secs(secs)
    }

    const A: LinkId = LinkId::new(0);
    const B: LinkId = LinkId::new(1);

    #[test]
    fn start_up_is_not_an_outage_and_a_loss_is_measured_to_the_next_activation() {
        let mut meter = OutageMeter::new(&[Role::Standalone]);
        meter.active(s(1), 0, Some(A));
        meter.active(s(30), 0, None);
        meter.active(s(40), 0, Some(B));
        let report = meter.finish(s(100));
        let ts = &report.servers[0];
        assert_eq!(ts.first_active, Some(s(1)));
        assert_eq!(ts.count, 1);
        assert_eq!(
            ts.outages,
            vec![Outage {
                from: s(30),
                until: s(40),
                restored: Restored::Activated { server: 0, link: B }
            }]
        );
        assert_eq!(ts.total, Duration::from_secs(10));
        assert_eq!(ts.up, Duration::from_secs(89));
        assert!((ts.availability() - 0.89).abs() < 1e-12);
        assert_eq!(report.service, *ts, "a lone server's service is its own");
    }

    #[test]
    fn an_outage_the_run_ends_inside_is_open_and_counted() {
        let mut meter = OutageMeter::new(&[Role::Standalone]);
        meter.active(s(2), 0, Some(A));
        meter.active(s(50), 0, None);
        let ts = &meter.finish(s(60)).servers[0];
        assert_eq!(ts.count, 1);
        assert!(ts.longest.unwrap().is_open());
        assert_eq!(ts.longest.unwrap().length(), Duration::from_secs(10));
        assert_eq!(ts.up, Duration::from_secs(48));
    }

    #[test]
    fn a_server_never_active_has_no_outage_and_no_availability() {
        let meter = OutageMeter::new(&[Role::Standalone]);
        let ts = &meter.finish(s(10)).servers[0];
        assert_eq!((ts.first_active, ts.count), (None, 0));
        assert_eq!(ts.availability(), 0.0);
    }

    #[test]
    fn the_service_follows_the_primary_through_a_switchover() {
        let mut meter = OutageMeter::new(&[Role::Primary, Role::Backup]);
        meter.active(s(1), 0, Some(A));
        meter.active(s(1), 1, Some(A));
        meter.active(s(30), 0, None); // the primary loses its link: service out
        meter.role(s(35), 0, Role::Backup);
        meter.role(s(35), 1, Role::Primary); // the backup, active, becomes primary
        let report = meter.finish(s(60));
        assert_eq!(report.servers[1].count, 0, "ts2 never lost its link");
        assert_eq!(report.servers[0].count, 1);
        let service = &report.service;
        assert_eq!(service.count, 1);
        assert_eq!(
            service.longest,
            Some(Outage {
                from: s(30),
                until: s(35),
                restored: Restored::Activated { server: 1, link: A }
            })
        );
    }

    #[test]
    fn a_switchover_to_an_active_backup_is_no_outage() {
        let mut meter = OutageMeter::new(&[Role::Primary, Role::Backup]);
        meter.active(s(1), 0, Some(A));
        meter.active(s(1), 1, Some(A));
        meter.role(s(5), 0, Role::Backup); // demoted first: for an instant, no primary
        meter.role(s(5), 1, Role::Primary);
        let report = meter.finish(s(10));
        assert_eq!(report.service.count, 0, "{:?}", report.service);
        assert_eq!(report.service.up, Duration::from_secs(9));
    }

    #[test]
    fn a_backup_losing_its_link_is_no_service_outage() {
        let mut meter = OutageMeter::new(&[Role::Primary, Role::Backup]);
        meter.active(s(1), 0, Some(A));
        meter.active(s(1), 1, Some(A));
        meter.active(s(20), 1, None);
        let report = meter.finish(s(30));
        assert_eq!((report.servers[1].count, report.service.count), (1, 0));
        assert_eq!(report.service.up, Duration::from_secs(29));
    }

    #[test]
    fn outages_past_the_limit_are_counted_not_listed() {
        let mut meter = OutageMeter::new(&[Role::Standalone]);
        let n = OUTAGE_LIMIT as u64 + 5;
        for i in 0..n {
            meter.active(s(2 * i), 0, Some(A));
            meter.active(s(2 * i + 1), 0, None);
        }
        let ts = &meter.finish(s(2 * n)).servers[0];
        assert_eq!(ts.outages.len(), OUTAGE_LIMIT);
        assert_eq!(ts.count, n, "n - 1 closed outages and the open last one");
        assert_eq!(ts.total, Duration::from_secs(n));
    }
}
