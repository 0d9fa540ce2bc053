//! Runs one [`World`] on turmoil: each connector a host playing its stub script on the
//! simulated network, the driver (link-tokio's, unchanged, over [`SimTransport`]) a
//! client that runs until the world's run length and is then shut down, and the faults
//! applied between the simulation's steps. What comes out is what the checks read: the
//! driver's records and the counts of streams the driver held to each connector.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use link_tokio::{Control, Driver, DriverBug, DriverError, Record, Target};
use tokio::sync::mpsc;

use crate::net::{SimListener, SimTransport};
use crate::world::{FaultKind, World, CONNECTOR_PORT, TICK};

/// The driver host's name on the simulated network.
pub const DRIVER_HOST: &str = "cti-server";

/// What a run left to check.
#[derive(Clone, Debug, Default)]
pub struct Observed {
    /// Every record the driver reported, in order.
    pub records: Vec<Record>,
    /// When (simulated time) the driver started: its records count from there.
    pub started_at: Duration,
    /// The most TCP streams the driver held at once to each connector, in link order.
    pub streams_most: Vec<usize>,
    /// The streams it still held just after it returned.
    pub streams_after_shutdown: Option<usize>,
    /// How the driver's run ended (`None`: it never returned).
    pub result: Option<Result<(), DriverError>>,
    /// The simulated time the run took.
    pub simulated: Duration,
}

/// Why a world could not be run at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// turmoil stopped the simulation: a host failed, or the driver did not return
    /// from its shutdown before the simulation's time ran out.
    Simulation(String),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Simulation(e) => write!(f, "the simulation stopped: {e}"),
        }
    }
}

impl std::error::Error for RunError {}

/// Runs `world`, with `bug` planted in the driver if given.
pub fn run(world: &World, bug: Option<DriverBug>) -> Result<Observed, RunError> {
    let mut sim = turmoil::Builder::new()
        .simulation_duration(world.run_length() + Duration::from_secs(30))
        .tick_duration(TICK)
        .min_message_latency(world.latency.0)
        .max_message_latency(world.latency.1)
        .rng_seed(world.seed)
        .build();
    for (i, script) in world.connectors.iter().enumerate() {
        let script = script.clone();
        sim.host(World::host(i), move || connector(script.clone()));
    }
    let observed = Rc::new(RefCell::new(Observed::default()));
    sim.client(DRIVER_HOST, driver(world.clone(), bug, observed.clone()));
    let mut faults = Faults::new(world);
    loop {
        faults.apply_due(&mut sim, world.latency.1);
        match sim.step() {
            Ok(true) => break,
            Ok(false) => {}
            Err(e) => return Err(RunError::Simulation(e.to_string())),
        }
    }
    let simulated = sim.elapsed();
    drop(sim);
    let mut observed = Rc::try_unwrap(observed)
        .map(RefCell::into_inner)
        .unwrap_or_else(|shared| std::mem::take(&mut *shared.borrow_mut()));
    observed.simulated = simulated;
    Ok(observed)
}

/// A connector host: the stub's script on the simulated network (a bounce starts it
/// afresh: a new session count, a new listener).
async fn connector(script: link_tokio::StubScript) -> turmoil::Result {
    let any = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    let listener = turmoil::net::TcpListener::bind((any, CONNECTOR_PORT)).await?;
    link_tokio::stub::serve(SimListener(listener), script, Arc::new(|_: &str| {})).await?;
    Ok(())
}

/// The driver host: the driver until the world's run length, then its shutdown; the
/// streams it held counted at every connect and just after it returned.
async fn driver(
    world: World,
    bug: Option<DriverBug>,
    observed: Rc<RefCell<Observed>>,
) -> turmoil::Result {
    let targets = (0..world.connectors.len())
        .map(|i| Target::new(World::host(i), CONNECTOR_PORT))
        .collect();
    let transport = SimTransport::new((0..world.connectors.len()).map(World::host).collect());
    let mut driver = Driver::new(world.config.clone(), targets)?.with_transport(transport.clone());
    if let Some(bug) = bug {
        driver = driver.with_planted_bug(bug);
    }
    observed.borrow_mut().started_at = turmoil::sim_elapsed().unwrap_or_default();
    let (control, control_rx) = mpsc::channel(4);
    let records = observed.clone();
    let run = driver.run(control_rx, move |record| {
        records.borrow_mut().records.push(record.clone());
    });
    let watch = watch(&world, control);
    let ((), result) = tokio::join!(watch, run);
    // Aborted connection tasks drop their sockets when the runtime next runs them.
    tokio::time::sleep(TICK * 2).await;
    let mut observed = observed.borrow_mut();
    observed.streams_after_shutdown = Some(transport.live());
    observed.streams_most = transport.most();
    observed.result = Some(result);
    Ok(())
}

/// The embedding application: sends the world's priority changes at their times
/// (counted from the driver's start), then shuts the driver down at the world's run
/// length.
async fn watch(world: &World, control: mpsc::Sender<Control>) {
    let start = tokio::time::Instant::now();
    for change in &world.reconfigurations {
        tokio::time::sleep_until(start + change.at).await;
        let reconfigure = Control::Reconfigure {
            link: change.link,
            priority: change.priority,
            target: None,
        };
        let _ = control.send(reconfigure).await;
    }
    tokio::time::sleep_until(start + world.run_length()).await;
    let _ = control.send(Control::Shutdown).await;
}

/// The world's faults as starts and heals in time order. Overlapping faults of one
/// kind on one connector nest: the first start applies it, the last heal undoes it.
/// Partitions and holds share one state per path in turmoil (a `release` would end a
/// partition, a `repair` a hold without delivering), so the two are applied as one
/// [`Path`] state: partitioned while any partition is on, else held while any hold is.
struct Faults {
    /// (when, start or heal, kind, connector), in order.
    steps: Vec<(Duration, bool, FaultKind, usize)>,
    next: usize,
    depth: BTreeMap<(usize, usize), u32>,
    /// Each connector's path from the driver, as last applied.
    paths: Vec<Path>,
}

/// The state of the path between the driver and one connector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    Healthy,
    /// Messages wait until the release (a partition that begins meanwhile drops them).
    Held,
    /// Messages are dropped.
    Partitioned,
}

impl Faults {
    fn new(world: &World) -> Self {
        let mut steps: Vec<_> = world
            .faults
            .iter()
            .flat_map(|f| {
                [
                    (f.at, true, f.kind, f.link),
                    (f.heal, false, f.kind, f.link),
                ]
            })
            .collect();
        // At one moment heals first, so a fault that ends as another begins is undone
        // and done again.
        steps.sort_by_key(|&(at, start, kind, link)| (at, start, kind.index(), link));
        Faults {
            steps,
            next: 0,
            depth: BTreeMap::new(),
            paths: vec![Path::Healthy; world.connectors.len()],
        }
    }

    /// Applies every start and heal due by the simulation's time.
    fn apply_due(&mut self, sim: &mut turmoil::Sim<'_>, latency: Duration) {
        while let Some(&(at, start, kind, link)) = self.steps.get(self.next) {
            if at > sim.elapsed() {
                return;
            }
            self.next += 1;
            let depth = self.depth.entry((kind.index(), link)).or_default();
            let apply = match start {
                true => std::mem::replace(depth, *depth + 1) == 0,
                false => {
                    *depth = depth.saturating_sub(1);
                    *depth == 0
                }
            };
            let host = World::host(link);
            match kind {
                FaultKind::Partition | FaultKind::Hold => self.set_path(sim, link, &host),
                _ if apply => toggle(sim, kind, &host, start, latency),
                _ => {}
            }
        }
    }

    /// Brings connector `link`'s path to what its open partitions and holds say.
    fn set_path(&mut self, sim: &turmoil::Sim<'_>, link: usize, host: &str) {
        let open =
            |kind: FaultKind| self.depth.get(&(kind.index(), link)).copied().unwrap_or(0) > 0;
        let wanted = match (open(FaultKind::Partition), open(FaultKind::Hold)) {
            (true, _) => Path::Partitioned,
            (false, true) => Path::Held,
            (false, false) => Path::Healthy,
        };
        let was = std::mem::replace(&mut self.paths[link], wanted);
        match (was, wanted) {
            (Path::Held, Path::Healthy) => sim.release(DRIVER_HOST, host),
            (Path::Partitioned, Path::Healthy) => sim.repair(DRIVER_HOST, host),
            (Path::Partitioned, Path::Held) => {
                sim.repair(DRIVER_HOST, host);
                sim.hold(DRIVER_HOST, host);
            }
            (_, Path::Held) if was != Path::Held => sim.hold(DRIVER_HOST, host),
            (_, Path::Partitioned) if was != Path::Partitioned => {
                sim.partition(DRIVER_HOST, host);
            }
            _ => {}
        }
    }
}

/// Starts (`on`) or heals a crash or a latency fault of `host` (partitions and holds
/// are [`Faults::set_path`]'s); a latency fault heals back to the world's `latency`.
fn toggle(sim: &mut turmoil::Sim<'_>, kind: FaultKind, host: &str, on: bool, latency: Duration) {
    match (kind, on) {
        (FaultKind::Crash, true) => sim.crash(host),
        (FaultKind::Crash, false) => sim.bounce(host),
        (FaultKind::Latency(max), true) => sim.set_link_max_message_latency(DRIVER_HOST, host, max),
        (FaultKind::Latency(_), false) => {
            sim.set_link_max_message_latency(DRIVER_HOST, host, latency);
        }
        (FaultKind::Partition | FaultKind::Hold, _) => {}
    }
}
