//! `step_into` makes no heap allocation once the core is built and the caller's action
//! buffer has room: measured with a counting global allocator over every kind of step.
//! One test cycles a 64-link core through procedures, activation, keep-alive traffic,
//! failover, restart, role changes, reconfiguration, stale and refused inputs; another
//! walks every path (R3 refusal, R4 rejection and close, R5 non-normal first status, R7
//! waiting, R8 with and without an operational link, R9, R10 by close and by keep-alive
//! loss, R11, R12, R13 on the active link, a status on the active link, shutdown) and
//! proves that every kind of log record (`LogRecord::KINDS`, 22) was produced. Runtimes
//! can embed the core in a hot loop without touching the allocator.

// A global allocator cannot be written without `unsafe`; this test file is the only
// place in the project that needs it, and it only counts and forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use link_core::{
    Action, Config, Event, FirstStatusPolicy, Instant, KeepaliveLossRate, LinkConfig, LinkCore,
    LogRecord, OptionChange, Role, SystemStatus, Timer,
};

struct Counting;

// Per thread, so tests running in parallel do not count each other's allocations.
thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    if COUNTING.with(Cell::get) {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Feeds `event` at `now` and returns how many allocations the step made.
fn allocations_in(
    core: &mut LinkCore,
    now: Instant,
    event: Event,
    actions: &mut Vec<Action>,
) -> usize {
    actions.clear();
    ALLOCATIONS.with(|a| a.set(0));
    COUNTING.with(|c| c.set(true));
    let _ = core.step_into(now, event, actions);
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get)
}

/// 64 links over 7 priorities, primary, keep-alive on (building it may allocate).
fn fresh_core() -> LinkCore {
    let links = (0..64).map(|i| LinkConfig::new(format!("L{i}")).with_priority(i % 7));
    let config = Config::new(links)
        .with_role(Role::Primary)
        .with_keepalive(Duration::from_secs(5), 1);
    LinkCore::new(config).unwrap()
}

#[test]
fn steps_after_construction_allocate_nothing() {
    let mut core = fresh_core();
    // The caller's buffer: room for the largest step (a procedure opens every link).
    let mut actions = Vec::with_capacity(256);
    let mut now = Instant::ZERO;
    let mut total = 0;
    let mut steps = 0;
    let mut feed = |core: &mut LinkCore, now: Instant, event: Event, actions: &mut Vec<Action>| {
        steps += 1;
        let n = allocations_in(core, now, event, actions);
        assert_eq!(n, 0, "{event:?} allocated {n} time(s)");
        n
    };
    for round in 0..50u64 {
        total += feed(&mut core, now, Event::Start, &mut actions);
        // Bring up the best link (priority 6 is link 6): accept, associate, normal.
        let best = core.link_id("L6").unwrap();
        for link in core.link_ids().collect::<Vec<_>>() {
            if let Some(c) = core.connection(link) {
                total += feed(&mut core, now, Event::TcpAccepted(c), &mut actions);
            }
        }
        let c = core.connection(best).unwrap();
        total += feed(&mut core, now, Event::AssociationAccepted(c), &mut actions);
        total += feed(
            &mut core,
            now,
            Event::SystemStatus(c, SystemStatus::Normal),
            &mut actions,
        );
        assert_eq!(core.active_link(), Some(best), "round {round}");
        // Keep-alive traffic, a stale input, a refused one.
        for _ in 0..20 {
            now = now + Duration::from_secs(5);
            total += feed(
                &mut core,
                now,
                Event::TimerExpired(Timer::KeepAlive),
                &mut actions,
            );
            total += feed(&mut core, now, Event::KeepAliveAnswered(c), &mut actions);
            total += feed(&mut core, now, Event::MessageReceived(c), &mut actions);
        }
        total += feed(
            &mut core,
            now,
            Event::TcpAccepted(link_core::ConnId {
                link: best,
                generation: 0,
            }),
            &mut actions,
        );
        total += feed(&mut core, Instant::ZERO, Event::Start, &mut actions);
        // Failover: the link drops, the Management Layer demotes, the restart follows.
        total += feed(&mut core, now, Event::TcpClosed(c), &mut actions);
        total += feed(
            &mut core,
            now,
            Event::RoleChanged(Role::Backup),
            &mut actions,
        );
        total += feed(
            &mut core,
            now,
            Event::Reconfigured {
                link: best,
                priority: Some(6),
            },
            &mut actions,
        );
        now = now + Duration::from_secs(10);
        total += feed(
            &mut core,
            now,
            Event::TimerExpired(Timer::RestartDelay),
            &mut actions,
        );
        total += feed(
            &mut core,
            now,
            Event::RoleChanged(Role::Primary),
            &mut actions,
        );
        now = now + Duration::from_secs(2);
        total += feed(
            &mut core,
            now,
            Event::TimerExpired(Timer::ConnectTimeout),
            &mut actions,
        );
        total += feed(&mut core, now, Event::Shutdown, &mut actions);
        // A fresh core per round keeps the phases cycling; building one may allocate.
        core = fresh_core();
        now = Instant::ZERO;
    }
    assert_eq!(total, 0);
    assert!(steps > 3_000, "{steps} steps measured");
}

#[test]
fn the_counter_counts() {
    // The measurement itself can fail: an allocation inside the window is seen.
    ALLOCATIONS.with(|a| a.set(0));
    COUNTING.with(|c| c.set(true));
    let v: Vec<u64> = Vec::with_capacity(10);
    COUNTING.with(|c| c.set(false));
    drop(v);
    assert_eq!(ALLOCATIONS.with(Cell::get), 1);
}

#[test]
fn a_cloned_core_allocates_nothing_either() {
    // A clone must keep the memory reserved at construction (found in review).
    let original = fresh_core();
    let mut core = original.clone();
    let mut actions = Vec::with_capacity(256);
    let now = Instant::ZERO;
    let mut total = allocations_in(&mut core, now, Event::Start, &mut actions);
    for (i, link) in core.link_ids().collect::<Vec<_>>().into_iter().enumerate() {
        let priority = Some(100 + i as i32); // every one a priority the core has not seen
        total += allocations_in(
            &mut core,
            now,
            Event::Reconfigured { link, priority },
            &mut actions,
        );
    }
    assert_eq!(total, 0);
    drop(original);
}

#[test]
fn resetting_a_kept_core_from_a_template_allocates_nothing() {
    // A runtime (or a benchmark) that keeps one core and resets it from a template of
    // the same shape between runs: `clone_from` reuses every buffer (the derived one
    // rebuilt them all, 1,028 allocations at 1,024 links).
    let mut template = fresh_core();
    let mut actions = Vec::with_capacity(256);
    allocations_in(&mut template, Instant::ZERO, Event::Start, &mut actions);
    let mut kept = fresh_core();
    for _ in 0..3 {
        ALLOCATIONS.with(|a| a.set(0));
        COUNTING.with(|c| c.set(true));
        kept.clone_from(&template);
        COUNTING.with(|c| c.set(false));
        assert_eq!(ALLOCATIONS.with(Cell::get), 0, "clone_from allocated");
        assert_eq!(kept.phase(), template.phase());
        let link = kept.link_ids().next().unwrap();
        assert_eq!(kept.link_state(link), template.link_state(link));
        let c = link_core::ConnId {
            link,
            generation: 1,
        };
        let made = allocations_in(
            &mut kept,
            Instant::ZERO,
            Event::TcpAccepted(c),
            &mut actions,
        );
        assert_eq!(made, 0, "a step on the reset core allocated");
        assert_eq!(kept.check_invariants(), Ok(()));
    }
}

/// Which of the 22 log record kinds `record` is (`LogRecord::kind` matches every
/// variant, so a new record is a new kind, and this test fails until it is covered).
fn record_kind(record: &LogRecord) -> usize {
    LogRecord::KINDS
        .iter()
        .position(|kind| *kind == record.kind())
        .expect("every kind is listed")
}

/// Feeds inputs to one core, counting allocations per step and the log records seen.
struct Driver {
    core: LinkCore,
    now: Instant,
    actions: Vec<Action>,
    allocations: usize,
    steps: usize,
    seen: [bool; LogRecord::KINDS.len()],
}

impl Driver {
    /// A started core for `links` (name, priority) in `role`, keep-alive every 5 s with
    /// tolerance 1.
    fn started(links: &[(&str, i32)], role: Role) -> Self {
        Self::started_with(links, |config| config.with_role(role))
    }

    /// A started core for `links`, its configuration (keep-alive every 5 s with
    /// tolerance 1) changed by `change`.
    fn started_with(links: &[(&str, i32)], change: impl FnOnce(Config) -> Config) -> Self {
        let config = Config::new(
            links
                .iter()
                .map(|(name, p)| LinkConfig::new(*name).with_priority(*p)),
        )
        .with_keepalive(Duration::from_secs(5), 1);
        let mut driver = Driver {
            core: LinkCore::new(change(config)).unwrap(),
            now: Instant::ZERO,
            actions: Vec::with_capacity(64),
            allocations: 0,
            steps: 0,
            seen: [false; LogRecord::KINDS.len()],
        };
        driver.feed(Event::Start);
        driver
    }

    fn feed(&mut self, event: Event) {
        let n = allocations_in(&mut self.core, self.now, event, &mut self.actions);
        assert_eq!(n, 0, "{event:?} allocated {n} time(s)");
        self.allocations += n;
        self.steps += 1;
        for action in &self.actions {
            if let Action::Log(record) = action {
                self.seen[record_kind(record)] = true;
            }
        }
    }

    fn conn(&self, name: &str) -> link_core::ConnId {
        let link = self.core.link_id(name).unwrap();
        self.core.connection(link).expect("the link is open")
    }

    /// `event` for the connection of link `name`.
    fn on(&mut self, name: &str, event: fn(link_core::ConnId) -> Event) {
        let conn = self.conn(name);
        self.feed(event(conn));
    }

    /// Brings link `name` up to its first SystemStatus, `status`.
    fn bring_up(&mut self, name: &str, status: SystemStatus) {
        self.on(name, Event::TcpAccepted);
        self.on(name, Event::AssociationAccepted);
        let conn = self.conn(name);
        self.feed(Event::SystemStatus(conn, status));
    }

    /// Moves time to `timer`'s deadline (the earliest armed one) and fires it.
    fn fire(&mut self, timer: Timer) {
        let (at, earliest) = self.core.next_deadline().expect("a timer is armed");
        assert_eq!(earliest, timer, "the next timer");
        self.now = at;
        self.feed(Event::TimerExpired(timer));
    }
}

#[test]
fn every_path_and_every_log_record_allocates_nothing() {
    let abc = [("A", 3), ("B", 2), ("C", 1)];
    let mut seen = [false; LogRecord::KINDS.len()];
    let mut steps = 0;
    let mut done = |d: Driver| {
        assert_eq!(d.allocations, 0);
        steps += d.steps;
        for (all, now) in seen.iter_mut().zip(d.seen) {
            *all |= now;
        }
    };
    // R3, R4, R5 drop-outs, then R8 with nothing operational: a new procedure at once.
    let mut d = Driver::started(&abc, Role::Primary);
    d.on("A", Event::TcpRefused);
    d.on("B", Event::TcpAccepted);
    d.on("B", Event::AssociationRejected);
    d.bring_up("C", SystemStatus::Initializing);
    d.fire(Timer::ConnectTimeout);
    d.on("A", Event::TcpAccepted);
    d.on("A", Event::TcpClosed);
    done(d);
    // R7: a lower link operational waits for the higher; R8 activates it at connect-tout.
    // Then R14 keep-alive, a status on the active link, and keep-alive loss (R10).
    let mut d = Driver::started(&abc, Role::Primary);
    d.bring_up("C", SystemStatus::Normal);
    d.on("A", Event::TcpAccepted);
    d.fire(Timer::ConnectTimeout);
    assert_eq!(d.core.active_link(), d.core.link_id("C"));
    d.on("C", |c| {
        Event::SystemStatus(c, SystemStatus::OverloadReached)
    });
    d.on("C", |c| Event::SystemStatus(c, SystemStatus::Normal));
    d.fire(Timer::KeepAlive);
    d.on("C", Event::KeepAliveAnswered);
    d.fire(Timer::KeepAlive);
    d.fire(Timer::KeepAlive);
    d.fire(Timer::RestartDelay);
    done(d);
    // R9: a primary on a lower link is demoted; R11: promoted again; R13 on the active link.
    let mut d = Driver::started(&abc, Role::Primary);
    d.on("A", Event::TcpRefused);
    d.on("B", Event::TcpRefused);
    d.bring_up("C", SystemStatus::Normal);
    d.feed(Event::RoleChanged(Role::Backup));
    d.feed(Event::RoleChanged(Role::Primary));
    d.bring_up("A", SystemStatus::Normal);
    let a = d.core.link_id("A").unwrap();
    d.feed(Event::Reconfigured {
        link: a,
        priority: Some(0),
    });
    d.feed(Event::Shutdown);
    done(d);
    // R12: one link without a priority.
    let mut d = Driver::started(&[("ONLY", 0)], Role::Standalone);
    d.bring_up("ONLY", SystemStatus::Normal);
    assert!(d.core.active_link().is_some());
    d.on("ONLY", Event::TcpClosed);
    d.fire(Timer::RestartDelay);
    done(d);
    // R5 under the close policy; R15 on a candidate and on the active link; R16.
    let mut d = Driver::started_with(&abc, |c| c.with_first_status(FirstStatusPolicy::Close));
    d.bring_up("B", SystemStatus::Enabled);
    d.bring_up("C", SystemStatus::Normal);
    d.on("C", |c| Event::SystemStatus(c, SystemStatus::Disabled));
    done(d);
    let mut d = Driver::started(&abc, Role::Standalone);
    d.bring_up("C", SystemStatus::Normal);
    d.on("C", |c| Event::SystemStatus(c, SystemStatus::Disabled));
    d.on("C", |c| Event::SystemStatus(c, SystemStatus::Normal));
    d.on("A", Event::TcpRefused);
    d.on("B", Event::TcpRefused);
    assert!(d.core.active_link().is_some());
    d.feed(Event::OptionChanged(OptionChange::KeepaliveInterval(
        Duration::from_secs(3),
    )));
    d.on("C", |c| Event::SystemStatus(c, SystemStatus::Initializing));
    done(d);
    // R14: the warning counter reaches the tolerance before the failure counter.
    let mut d = Driver::started_with(&abc, |c| {
        c.with_keepalive(Duration::from_secs(5), 2)
            .with_keepalive_loss_rate(KeepaliveLossRate::pair(1, 2))
    });
    d.bring_up("A", SystemStatus::Normal);
    d.fire(Timer::KeepAlive);
    d.fire(Timer::KeepAlive);
    d.on("A", Event::KeepAliveAnswered);
    d.fire(Timer::KeepAlive);
    d.on("A", Event::KeepAliveRejected);
    d.fire(Timer::KeepAlive);
    d.fire(Timer::KeepAlive);
    done(d);
    let missing: Vec<&str> = (0..seen.len())
        .filter(|&k| !seen[k])
        .map(|k| LogRecord::KINDS[k])
        .collect();
    assert!(
        missing.is_empty(),
        "log records never produced: {missing:?}"
    );
    assert!(steps > 40, "{steps} steps");
}
