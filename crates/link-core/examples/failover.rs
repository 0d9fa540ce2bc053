//! A failover, step by step: an HA primary with three links selects the best one, loses
//! it, is switched to backup by the Management Layer, and reconnects after the link
//! restart timeout to the highest-priority links only.
//!
//! The example is its own tiny runtime: it feeds `LinkCore` by hand and prints every
//! input and every action it gets back (in link-core's own words, `Event::text` and
//! `Action::text`), stamped with virtual time.
//!
//! Run it with `cargo run -p link-core --example failover`.

use std::time::Duration;

use link_core::{Config, Event, Instant, LinkConfig, LinkCore, Role, SystemStatus};

struct Runtime {
    core: LinkCore,
    now: Instant,
}

impl Runtime {
    /// Feeds one input at `at` and prints it with its actions.
    fn feed(&mut self, at: Instant, event: Event) {
        self.now = at;
        println!("{:>8}  {}", at.to_string(), event.text(self.core.config()));
        let actions = self
            .core
            .step(at, event)
            .expect("the example feeds valid input");
        for action in &actions {
            println!("{:>8}    -> {}", "", action.text(self.core.config()));
        }
    }

    fn conn(&self, name: &str) -> link_core::ConnId {
        let link = self.core.link_id(name).expect("configured");
        self.core.connection(link).expect("open")
    }

    fn fire_next_timer(&mut self) {
        let (at, timer) = self.core.next_deadline().expect("a timer is armed");
        self.feed(at, Event::TimerExpired(timer));
    }
}

fn main() {
    let config = Config::new([
        LinkConfig::new("CSTA_A").with_priority(10),
        LinkConfig::new("CSTA_B").with_priority(10),
        LinkConfig::new("CSTA_C").with_priority(5),
    ])
    .with_role(Role::Primary)
    // Keep-alive (R14) off: this printout jumps over idle time, and the keep-alive timer
    // would otherwise be due in between.
    .with_keepalive(Duration::ZERO, 0);
    let mut rt = Runtime {
        core: LinkCore::new(config).expect("valid configuration"),
        now: Instant::ZERO,
    };
    let ms = Instant::from_millis;

    println!("== start as primary: open every link (R1)");
    rt.feed(ms(0), Event::Start);
    let (a, b, c) = (rt.conn("CSTA_A"), rt.conn("CSTA_B"), rt.conn("CSTA_C"));
    rt.feed(ms(10), Event::TcpAccepted(a));
    rt.feed(ms(12), Event::TcpAccepted(b));
    rt.feed(ms(15), Event::TcpAccepted(c));
    rt.feed(ms(40), Event::AssociationAccepted(c));
    println!("== CSTA_C (priority 5) is operational but must wait for the priority-10 links (R7)");
    rt.feed(ms(41), Event::SystemStatus(c, SystemStatus::Normal));
    rt.feed(ms(60), Event::AssociationAccepted(a));
    rt.feed(ms(80), Event::AssociationAccepted(b));
    println!("== CSTA_B reports normal first: it wins the tie (R6) and is selected (R7)");
    rt.feed(ms(95), Event::SystemStatus(b, SystemStatus::Normal));

    println!("== CSTA_B's connector dies (R10)");
    let failed_at = ms(30_000);
    rt.feed(failed_at, Event::TcpClosed(b));
    rt.feed(
        failed_at + Duration::from_millis(200),
        Event::RoleChanged(Role::Backup),
    );

    println!("== after the link restart timeout a backup opens only the highest links (R2, R10)");
    rt.fire_next_timer();
    let (a, b) = (rt.conn("CSTA_A"), rt.conn("CSTA_B"));
    let t = rt.now;
    rt.feed(t + Duration::from_millis(5), Event::TcpRefused(b));
    rt.feed(t + Duration::from_millis(10), Event::TcpAccepted(a));
    rt.feed(t + Duration::from_millis(30), Event::AssociationAccepted(a));
    rt.feed(
        t + Duration::from_millis(35),
        Event::SystemStatus(a, SystemStatus::Normal),
    );

    let active = rt
        .core
        .active_link()
        .and_then(|l| rt.core.link_name(l))
        .map(str::to_string);
    println!(
        "== active link at {}: {}",
        rt.now,
        active.as_deref().unwrap_or("none")
    );
}
