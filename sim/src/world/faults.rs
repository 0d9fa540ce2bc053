//! What each fault of a scenario does to the world: a connector crashes, drops its
//! connections, sends a status or ignores keep-alives; a network path is cut or slowed;
//! or the fault is an input to the servers (a role set by the Management Layer, a
//! switchover, a reconfiguration, an options change), which the engine feeds them.

use link_core::{Event, Instant, LinkId};

use super::{Item, Plan, SwitchCause, World};
use crate::scenario::{status_offsets, Fault};

impl World {
    /// Fault `fault` begins at `now`; it concerns `link` (if it names one) and `only`
    /// that server (if it names one: else every server).
    pub(crate) fn fault(
        &mut self,
        now: Instant,
        fault: &Fault,
        link: Option<usize>,
        only: Option<usize>,
        plans: &mut Vec<Plan>,
    ) {
        let servers: Vec<usize> = match only {
            Some(s) => vec![s],
            None => (0..self.servers.len()).collect(),
        };
        match fault {
            Fault::Switchover { .. } => plans.push(Plan::Switch(SwitchCause::Switchover)),
            Fault::SetRole { .. } | Fault::Options { .. } | Fault::Reconfigure { .. } => {
                self.fault_inputs(fault, link, &servers, plans)
            }
            _ => self.weather(now, fault, link.expect("checked"), only, &servers, plans),
        }
    }

    /// A fault that is an input to the servers (R11, R13, R16): each input to each of
    /// `servers` in turn.
    fn fault_inputs(
        &self,
        fault: &Fault,
        link: Option<usize>,
        servers: &[usize],
        plans: &mut Vec<Plan>,
    ) {
        if let Fault::Reconfigure { priority, .. } = fault {
            return self.reconfigure(link.expect("checked"), *priority, servers, plans);
        }
        let events: Vec<Event> = match fault {
            Fault::SetRole { role, .. } => vec![Event::RoleChanged(*role)],
            // R16: one reload of the options, one input (never half applied).
            Fault::Options { .. } => {
                let changes = fault.option_values().changes().expect("checked");
                let whole = changes.into_iter().fold(
                    link_core::OptionChanges::default(),
                    link_core::OptionChanges::with,
                );
                vec![Event::OptionsChanged(whole)]
            }
            _ => Vec::new(),
        };
        for &server in servers {
            for &event in &events {
                plans.push(Plan::Feed { server, event });
            }
        }
    }

    /// R13 on each of `servers`: the link's new priority, or (none given) the priority
    /// that server has for it now: a change of the link's other settings, which R13
    /// treats the same (the active link is dropped; a waiting one applies it at its next
    /// open).
    fn reconfigure(
        &self,
        connector: usize,
        priority: Option<i32>,
        servers: &[usize],
        plans: &mut Vec<Plan>,
    ) {
        // Each server that has the link, by its own index of it.
        for &server in servers {
            let Some(index) = self.server_link(server, connector) else {
                continue;
            };
            let link = LinkId::new(index as u16);
            let configured = self.servers[server].core.config().links.get(index);
            let priority = priority.or_else(|| configured.and_then(|l| l.priority));
            let event = Event::Reconfigured { link, priority };
            plans.push(Plan::Feed { server, event });
        }
    }

    /// A fault of the connector of `link` or of the network to it.
    fn weather(
        &mut self,
        now: Instant,
        fault: &Fault,
        link: usize,
        only: Option<usize>,
        servers: &[usize],
        plans: &mut Vec<Plan>,
    ) {
        match *fault {
            Fault::Crash { duration, .. } => {
                let mut out = self.take_connector_out();
                self.connectors[link].crash(now + duration.value.0, &mut out);
                self.connector_sends(now, out, plans);
            }
            Fault::Drop { .. } => {
                let mut out = self.take_connector_out();
                self.connectors[link].drop_connections(only, &mut out);
                self.connector_sends(now, out, plans);
            }
            Fault::Status { ref status, .. } => {
                for (offset, status) in status_offsets(status) {
                    match offset.0.is_zero() {
                        true => self.status_to_established(now, link, only, status, plans),
                        false => plans.push(Plan::At(
                            now + offset.0,
                            Item::FaultStatus { link, only, status },
                        )),
                    }
                }
            }
            Fault::IgnoreKeepalive { duration, .. } => {
                self.connectors[link].ignore_keepalives_until(now + duration.value.0);
            }
            Fault::Association {
                association,
                duration,
                ..
            } => {
                self.connectors[link].associate_otherwise(association, now + duration.value.0);
            }
            Fault::Partition {
                duration,
                direction,
                ..
            } => {
                for &server in servers {
                    if let Some(own) = self.server_link(server, link) {
                        self.paths[server][own].partition(now + duration.value.0, direction);
                    }
                }
            }
            Fault::Latency { add, duration, .. } => {
                for &server in servers {
                    if let Some(own) = self.server_link(server, link) {
                        self.paths[server][own].add_latency(now + duration.value.0, add.value.0);
                    }
                }
            }
            Fault::Switchover { .. }
            | Fault::Reconfigure { .. }
            | Fault::SetRole { .. }
            | Fault::Options { .. } => {}
        }
    }
}
