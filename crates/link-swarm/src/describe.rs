//! A world as a person reads it (`link-swarm --seed N --records` prints it first): the
//! driver's options, the network, one line per connector (its script and what the
//! world promises of it), one per fault and per priority change.

use std::fmt;
use std::time::Duration;

use link_tokio::{AssociationAnswer, KeepAliveAnswer, StubScript};

use crate::world::{FaultKind, World};

impl fmt::Display for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        writeln!(
            f,
            "world of seed {}: {} link(s), role {}; connect-tout {:?}, restart {:?}, {}; a first status other than normal {}; failure statuses {}",
            self.seed,
            c.links.len(),
            c.role,
            c.connect_timeout,
            c.restart_timeout,
            keepalive_text(c),
            match c.first_status {
                link_core::FirstStatusPolicy::WaitForNormal => "waits for normal",
                link_core::FirstStatusPolicy::Close => "closes the link",
            },
            failures_text(&c.status_policy),
        )?;
        writeln!(
            f,
            "network: {:?}..{:?} per message",
            self.latency.0, self.latency.1
        )?;
        for (i, (link, script)) in c.links.iter().zip(&self.connectors).enumerate() {
            let priority = link.priority.map_or("none".to_string(), |p| p.to_string());
            let health = self.health.get(i).map_or("?".into(), |h| format!("{h:?}"));
            writeln!(
                f,
                "{} (priority {priority}, {health}): {}",
                link.name,
                script_text(script)
            )?;
        }
        for fault in &self.faults {
            let what = match fault.kind {
                FaultKind::Crash => "crash".to_string(),
                FaultKind::Partition => "partition".to_string(),
                FaultKind::Hold => "hold".to_string(),
                FaultKind::Latency(most) => format!("latency up to {most:?}"),
            };
            let name = c.links.get(fault.link).map_or("?", |l| l.name.as_str());
            writeln!(
                f,
                "fault {what} on {name} from {:?} to {:?}",
                fault.at, fault.heal
            )?;
        }
        for change in &self.reconfigurations {
            let name = c
                .links
                .get(change.link.index())
                .map_or("?", |l| l.name.as_str());
            let priority = change.priority.unwrap_or(0);
            writeln!(f, "at {:?}: {name} priority becomes {priority}", change.at)?;
        }
        Ok(())
    }
}

/// The keep-alive options: `keep-alives off`, or the interval, tolerance and loss rate.
fn keepalive_text(c: &link_core::Config) -> String {
    match c.keepalive_interval.is_zero() {
        true => "keep-alives off".into(),
        false => format!(
            "keep-alive every {:?} (tolerance {}, loss rate {})",
            c.keepalive_interval, c.keepalive_tolerance, c.keepalive_loss_rate
        ),
    }
}

/// The statuses that fail a validated link: `[disabled, ...]`.
fn failures_text(policy: &link_core::StatusPolicy) -> String {
    let failing: Vec<String> = link_core::SystemStatus::ALL
        .iter()
        .filter(|s| policy.is_failure(**s))
        .map(|s| s.to_string())
        .collect();
    format!("[{}]", failing.join(", "))
}

/// A connector's script in one line.
fn script_text(s: &StubScript) -> String {
    let association = match &s.association {
        AssociationAnswer::Accept => "accepts".to_string(),
        AssociationAnswer::Reject(error) => format!("rejects ({error})"),
        AssociationAnswer::Silent => "never answers".to_string(),
    };
    let keepalive = match s.keepalive {
        KeepAliveAnswer::Answer => "answers keep-alives".to_string(),
        KeepAliveAnswer::Ignore => "ignores keep-alives".to_string(),
        KeepAliveAnswer::AnswerFor(d) => format!("answers keep-alives for {d:?}"),
        KeepAliveAnswer::Error => "answers keep-alives with an error".to_string(),
    };
    let mut text = format!(
        "refuses for {:?}, reads after {:?}, {association} the session, statuses {}",
        s.refuse_for,
        s.accept_delay,
        statuses(&s.statuses)
    );
    if let Some(later) = &s.later_statuses {
        text += &format!(" (later sessions {})", statuses(later));
    }
    text += &format!(", {keepalive}");
    if let Some(die) = s.die_after {
        text += &format!(", dies at {die:?}");
    }
    text
}

/// A status sequence: `[+5ms normal, +1s overloadReached]`.
fn statuses(sequence: &[(Duration, link_core::SystemStatus)]) -> String {
    let each: Vec<String> = sequence
        .iter()
        .map(|(wait, status)| format!("+{wait:?} {status}"))
        .collect();
    format!("[{}]", each.join(", "))
}

#[cfg(test)]
mod tests {
    use crate::world::World;

    /// The world reads as text, not Rust's debug form, and names every link and fault.
    #[test]
    fn a_world_reads_as_lines_a_person_reads() {
        for seed in 0..50 {
            let world = World::draw(seed);
            let text = world.to_string();
            assert!(
                text.starts_with(&format!("world of seed {seed}: ")),
                "{text}"
            );
            assert!(
                !text.contains("StubScript") && !text.contains("LinkConfig {"),
                "{text}"
            );
            for link in &world.config.links {
                assert!(text.contains(&format!("{} (priority", link.name)), "{text}");
            }
            let lines =
                2 + world.config.links.len() + world.faults.len() + world.reconfigurations.len();
            assert_eq!(text.lines().count(), lines, "{text}");
        }
    }
}
