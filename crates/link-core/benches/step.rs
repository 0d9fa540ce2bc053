//! The cost of `LinkCore::step_into` per event, at 2, 8, 64 and 1,024 links.
//!
//! - `active_traffic`: the steady state: keep-alive timer, answer, other traffic on the
//!   active link (the events a busy runtime feeds most).
//! - `waiting_accept`: a TCP accept for one of the waiting links during a procedure.
//! - `first_normal_lowest`: the lowest link's first `normal` while higher links wait
//!   (R6 closes waiting links at or below it; R7 finds a higher one still waiting).
//! - `refused_one`: one waiting link refused during a procedure (R3, R7).
//! - `full_procedure`: start to activation (opens and closes every link; a scan at
//!   activation is expected).
//!
//! Each sample gets a fresh core prepared outside the timed region, so the timed region
//! is exactly one `step_into` (or one procedure). divan builds a whole batch of those
//! cores before it times them, so at 1,024 links each one is cold in the cache when its
//! step runs: the `*_kept` variants time the same event on one core kept across samples
//! and reset from a template outside the timed region just before each step (one step
//! per sample), which is what a runtime that keeps its core sees. The fresh figure is
//! the cold-cache cost, the kept one the algorithm's. Run: `cargo bench -p link-core`.

use std::cell::RefCell;

use divan::Bencher;
use link_core::{Action, ConnId, Event, Instant, LinkCore, SystemStatus, Timer};

mod scenes;

use scenes::{config, conn, lowest_awaiting_status, middle_of_a_procedure, selecting};

fn main() {
    divan::main();
}

const LINKS: &[usize] = &[2, 8, 64, 1024];

/// A core active on the highest link, with its connection.
fn active(n: usize) -> (LinkCore, ConnId, Vec<Action>) {
    let (mut core, mut actions) = selecting(n);
    let c = conn(&core, n - 1);
    for event in [
        Event::TcpAccepted(c),
        Event::AssociationAccepted(c),
        Event::SystemStatus(c, SystemStatus::Normal),
    ] {
        core.step_into(Instant::ZERO, event, &mut actions).unwrap();
    }
    assert_eq!(core.active_link(), Some(c.link));
    actions.clear();
    (core, c, actions)
}

#[divan::bench(args = LINKS)]
fn active_traffic(bencher: Bencher, n: usize) {
    let (mut core, c, mut actions) = active(n);
    let mut now = Instant::ZERO;
    let mut i = 0u64;
    bencher.bench_local(|| {
        i += 1;
        let event = match i % 3 {
            0 => Event::MessageReceived(c),
            1 => {
                now = core.deadline(Timer::KeepAlive).unwrap_or(now);
                Event::TimerExpired(Timer::KeepAlive)
            }
            _ => Event::KeepAliveAnswered(c),
        };
        actions.clear();
        divan::black_box(core.step_into(now, event, &mut actions).unwrap());
    });
}

/// Times one `event` on the middle link of a fresh procedure over `n` links.
fn one_event_on_a_waiting_link(bencher: Bencher, n: usize, event: fn(ConnId) -> Event) {
    bencher
        .with_inputs(|| {
            let (core, actions) = selecting(n);
            let c = conn(&core, n / 2);
            (core, actions, c)
        })
        .bench_local_refs(|(core, actions, c)| {
            divan::black_box(core.step_into(Instant::ZERO, event(*c), actions).unwrap());
        });
}

/// Times one `event` on the middle link of a procedure over `n` links, on one core kept
/// across samples: it is reset from `template` before each (untimed) step.
fn one_event_on_a_kept_core(bencher: Bencher, template: LinkCore, event: Event) {
    let kept = RefCell::new((template.clone(), Vec::with_capacity(2 * LINKS[3] + 16)));
    bencher
        .with_inputs(|| {
            let (core, actions) = &mut *kept.borrow_mut();
            core.clone_from(&template);
            actions.clear();
        })
        .bench_local_values(|()| {
            let (core, actions) = &mut *kept.borrow_mut();
            divan::black_box(core.step_into(Instant::ZERO, event, actions).unwrap());
        });
}

/// The floor under every `*_kept` figure: the same harness with no step in the timed
/// region (one sample is one step, so the timer's own cost is in each of them).
#[divan::bench(args = LINKS, sample_size = 1, sample_count = 2000)]
fn kept_floor(bencher: Bencher, n: usize) {
    let (template, _) = middle_of_a_procedure(n);
    let kept = RefCell::new((template.clone(), Vec::<Action>::new()));
    bencher
        .with_inputs(|| kept.borrow_mut().0.clone_from(&template))
        .bench_local_values(|()| divan::black_box(kept.borrow_mut().1.len()));
}

#[divan::bench(args = LINKS)]
fn waiting_accept(bencher: Bencher, n: usize) {
    one_event_on_a_waiting_link(bencher, n, Event::TcpAccepted);
}

#[divan::bench(args = LINKS, sample_size = 1, sample_count = 2000)]
fn waiting_accept_kept(bencher: Bencher, n: usize) {
    let (core, c) = middle_of_a_procedure(n);
    one_event_on_a_kept_core(bencher, core, Event::TcpAccepted(c));
}

#[divan::bench(args = LINKS, sample_size = 1, sample_count = 2000)]
fn refused_one_kept(bencher: Bencher, n: usize) {
    let (core, c) = middle_of_a_procedure(n);
    one_event_on_a_kept_core(bencher, core, Event::TcpRefused(c));
}

#[divan::bench(args = LINKS, sample_size = 1, sample_count = 2000)]
fn first_normal_lowest_kept(bencher: Bencher, n: usize) {
    let (core, _, c) = lowest_awaiting_status(n);
    one_event_on_a_kept_core(bencher, core, Event::SystemStatus(c, SystemStatus::Normal));
}

#[divan::bench(args = LINKS)]
fn first_normal_lowest(bencher: Bencher, n: usize) {
    bencher
        .with_inputs(|| lowest_awaiting_status(n))
        .bench_local_refs(|(core, actions, c)| {
            divan::black_box(
                core.step_into(
                    Instant::ZERO,
                    Event::SystemStatus(*c, SystemStatus::Normal),
                    actions,
                )
                .unwrap(),
            );
        });
}

#[divan::bench(args = LINKS)]
fn refused_one(bencher: Bencher, n: usize) {
    one_event_on_a_waiting_link(bencher, n, Event::TcpRefused);
}

#[divan::bench(args = LINKS)]
fn full_procedure(bencher: Bencher, n: usize) {
    bencher
        .with_inputs(|| {
            (
                LinkCore::new(config(n)).unwrap(),
                Vec::with_capacity(2 * n + 16),
            )
        })
        .bench_local_refs(|(core, actions)| {
            core.step_into(Instant::ZERO, Event::Start, actions)
                .unwrap();
            let c = conn(core, n - 1);
            for event in [
                Event::TcpAccepted(c),
                Event::AssociationAccepted(c),
                Event::SystemStatus(c, SystemStatus::Normal),
            ] {
                core.step_into(Instant::ZERO, event, actions).unwrap();
            }
            divan::black_box(core.active_link());
        });
}
