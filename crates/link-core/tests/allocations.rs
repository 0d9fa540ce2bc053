//! `step_into` makes no heap allocation once the core is built and the caller's action
//! buffer has room: measured with a counting global allocator over every kind of step
//! (a procedure, activation, keep-alive traffic, failover, restart, role changes,
//! reconfiguration, stale and refused inputs). Runtimes can embed the core in a hot
//! loop without touching the allocator.

// A global allocator cannot be written without `unsafe`; this test file is the only
// place in the project that needs it, and it only counts and forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use link_core::{Action, Config, Event, Instant, LinkConfig, LinkCore, Role, SystemStatus, Timer};

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
