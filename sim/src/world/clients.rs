//! What a server's clients hear, and when: the core's notifications pass at once, but
//! with `ha-sync-dly-lnk-conn` a backup holds its EventLinkConnected until its
//! synchronization with the primary is complete (the product's documents, turn 3). The
//! synchronization takes a scenario's `ha_sync_takes` from the backup's start and from
//! each change to backup. Link selection is unchanged: only what the clients are told,
//! and when, moves.
//!
//! Held, a notification is told when the synchronization completes, or at once when
//! the server becomes primary first (a primary does not wait for a peer). A link lost
//! while its EventLinkConnected is held was never announced: the clients hear neither
//! notification (they alternate, I6, as the clients see them).

use std::time::Duration;

use link_core::{ClientEvent, Instant, Role};

/// What happened to one notification, or to the synchronization, for the observers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Told {
    /// The clients heard this notification now.
    Heard(ClientEvent),
    /// This EventLinkConnected is held until the synchronization completes at `until`.
    Held {
        /// The notification held.
        event: ClientEvent,
        /// When the synchronization completes.
        until: Instant,
    },
    /// The held EventLinkConnected's link was lost before it was told: neither
    /// notification reaches the clients. The loss is this EventLinkDisconnected.
    Unannounced(ClientEvent),
    /// The backup's synchronization with the primary is complete.
    Synced,
}

/// One server's clients, as far as the timing of their notifications goes.
#[derive(Clone, Debug)]
pub(crate) struct Clients {
    /// How long a synchronization takes; `None`: `ha-sync-dly-lnk-conn` is off.
    sync_takes: Option<Duration>,
    /// When the synchronization in progress completes.
    syncing_until: Option<Instant>,
    /// The EventLinkConnected held meanwhile.
    held: Option<ClientEvent>,
}

impl Clients {
    /// The clients of a server starting in `role`; `sync_takes` when
    /// `ha-sync-dly-lnk-conn` is on. A backup starts synchronizing at once.
    pub(crate) fn new(role: Role, sync_takes: Option<Duration>) -> Self {
        let syncing_until = match (role, sync_takes) {
            (Role::Backup, Some(takes)) => Some(Instant::ZERO + takes),
            _ => None,
        };
        Clients {
            sync_takes,
            syncing_until,
            held: None,
        }
    }

    /// When the synchronization in progress completes, if one is.
    pub(crate) fn syncing_until(&self) -> Option<Instant> {
        self.syncing_until
    }

    /// The core notified its clients of `event` at `now`.
    pub(crate) fn notify(&mut self, event: ClientEvent) -> Told {
        let Some(until) = self.syncing_until else {
            return Told::Heard(event);
        };
        match event {
            ClientEvent::LinkConnected { .. } => {
                self.held = Some(event);
                Told::Held { event, until }
            }
            ClientEvent::LinkDisconnected { .. } => match self.held.take() {
                Some(_) => Told::Unannounced(event),
                None => Told::Heard(event),
            },
        }
    }

    /// The server's role changed to `role` at `now`: a backup starts synchronizing
    /// (the new end of it, for the engine to schedule); a primary stops, and what it
    /// held is told at once.
    pub(crate) fn role_changed(
        &mut self,
        now: Instant,
        role: Role,
    ) -> (Option<Instant>, Option<Told>) {
        match (role, self.sync_takes) {
            (Role::Backup, Some(takes)) => {
                let until = now + takes;
                self.syncing_until = Some(until);
                (Some(until), None)
            }
            _ => {
                self.syncing_until = None;
                (None, self.held.take().map(Told::Heard))
            }
        }
    }

    /// The synchronization that was to complete at `now` does (a later role change may
    /// have moved or ended it: then nothing): [`Told::Synced`], then the held
    /// notification, if any.
    pub(crate) fn sync_due(&mut self, now: Instant) -> Vec<Told> {
        if self.syncing_until != Some(now) {
            return Vec::new();
        }
        self.syncing_until = None;
        let mut told = vec![Told::Synced];
        told.extend(self.held.take().map(Told::Heard));
        told
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use link_core::LinkId;

    const A: LinkId = LinkId::new(0);
    const CONNECTED: ClientEvent = ClientEvent::LinkConnected { link: A };
    const DISCONNECTED: ClientEvent = ClientEvent::LinkDisconnected { link: A };

    fn at(s: u64) -> Instant {
        Instant::ZERO + Duration::from_secs(s)
    }

    #[test]
    fn off_every_notification_is_heard_at_once() {
        let mut clients = Clients::new(Role::Backup, None);
        assert_eq!(clients.notify(CONNECTED), Told::Heard(CONNECTED));
        assert_eq!(clients.notify(DISCONNECTED), Told::Heard(DISCONNECTED));
        assert_eq!(clients.role_changed(at(1), Role::Backup), (None, None));
    }

    #[test]
    fn a_backup_holds_its_connected_until_the_synchronization_completes() {
        let mut clients = Clients::new(Role::Backup, Some(Duration::from_secs(3)));
        let until = at(3);
        assert_eq!(
            clients.notify(CONNECTED),
            Told::Held {
                event: CONNECTED,
                until
            }
        );
        assert!(clients.sync_due(at(2)).is_empty(), "not its time");
        assert_eq!(
            clients.sync_due(until),
            [Told::Synced, Told::Heard(CONNECTED)]
        );
        assert_eq!(
            clients.notify(DISCONNECTED),
            Told::Heard(DISCONNECTED),
            "synchronized"
        );
    }

    #[test]
    fn a_link_lost_while_held_is_never_announced() {
        let mut clients = Clients::new(Role::Backup, Some(Duration::from_secs(3)));
        clients.notify(CONNECTED);
        assert_eq!(
            clients.notify(DISCONNECTED),
            Told::Unannounced(DISCONNECTED)
        );
        assert_eq!(clients.sync_due(at(3)), [Told::Synced]);
    }

    #[test]
    fn a_promotion_tells_what_was_held_and_a_demotion_synchronizes_again() {
        let mut clients = Clients::new(Role::Primary, Some(Duration::from_secs(3)));
        assert_eq!(
            clients.notify(CONNECTED),
            Told::Heard(CONNECTED),
            "a primary never waits"
        );
        assert_eq!(
            clients.role_changed(at(10), Role::Backup),
            (Some(at(13)), None)
        );
        assert!(matches!(clients.notify(CONNECTED), Told::Held { .. }));
        assert_eq!(
            clients.role_changed(at(11), Role::Primary),
            (None, Some(Told::Heard(CONNECTED)))
        );
        assert!(
            clients.sync_due(at(13)).is_empty(),
            "the promotion ended the synchronization"
        );
    }
}
