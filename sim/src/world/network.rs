//! [`Path`]: the simulated network between one server and one connector: a one-way
//! latency with jitter from the path's own random stream, latency faults that add to it
//! for a while, partitions in either direction, and TCP's order (a message never
//! overtakes an earlier one on the same path, either way). It also numbers the
//! keep-alive requests sent on it, so that an answer can be matched to its request.

use std::time::Duration;

use link_core::Instant;
use rand_chacha::ChaCha8Rng;

use super::jitter;
use crate::scenario::{Direction, NetworkSpec};

/// The path between one server and one connector.
pub(crate) struct Path {
    partitioned_to_connector_until: Instant,
    partitioned_to_server_until: Instant,
    /// Added latencies, each until its end.
    extra_latency: Vec<(Instant, Duration)>,
    last_to_connector: Instant,
    last_to_server: Instant,
    /// The number of the latest keep-alive request sent on this path.
    keepalive_requests: u32,
    rng: ChaCha8Rng,
}

impl Path {
    /// An open path drawing its jitter from `rng`.
    pub(crate) fn new(rng: ChaCha8Rng) -> Self {
        Path {
            partitioned_to_connector_until: Instant::ZERO,
            partitioned_to_server_until: Instant::ZERO,
            extra_latency: Vec::new(),
            last_to_connector: Instant::ZERO,
            last_to_server: Instant::ZERO,
            keepalive_requests: 0,
            rng,
        }
    }

    fn latency(&mut self, now: Instant, network: &NetworkSpec) -> Duration {
        self.extra_latency.retain(|(until, _)| *until > now);
        let extra: Duration = self.extra_latency.iter().map(|(_, add)| *add).sum();
        network.latency.0 + extra + jitter(&mut self.rng, network.jitter)
    }

    /// When a message the server sends now reaches the connector, or `None` when the
    /// path is cut that way.
    pub(crate) fn send_to_connector(
        &mut self,
        now: Instant,
        network: &NetworkSpec,
    ) -> Option<Instant> {
        if !self.passes_to_connector(now) {
            return None;
        }
        let at = (now + self.latency(now, network)).max(self.last_to_connector);
        self.last_to_connector = at;
        Some(at)
    }

    /// When a message the connector sends now reaches the server, or `None` when the
    /// path is cut that way.
    pub(crate) fn send_to_server(
        &mut self,
        now: Instant,
        network: &NetworkSpec,
    ) -> Option<Instant> {
        if !self.passes_to_server(now) {
            return None;
        }
        let at = (now + self.latency(now, network)).max(self.last_to_server);
        self.last_to_server = at;
        Some(at)
    }

    /// Whether a message towards the connector gets through at `now` (one in flight when
    /// a partition starts is lost too).
    pub(crate) fn passes_to_connector(&self, now: Instant) -> bool {
        now >= self.partitioned_to_connector_until
    }

    /// Whether a message towards the server gets through at `now`.
    pub(crate) fn passes_to_server(&self, now: Instant) -> bool {
        now >= self.partitioned_to_server_until
    }

    /// A partition until `until` in `direction` (overlapping ones last until the later
    /// end).
    pub(crate) fn partition(&mut self, until: Instant, direction: Direction) {
        if direction != Direction::ToServer {
            self.partitioned_to_connector_until = self.partitioned_to_connector_until.max(until);
        }
        if direction != Direction::ToConnector {
            self.partitioned_to_server_until = self.partitioned_to_server_until.max(until);
        }
    }

    /// `add` more one-way latency until `until`.
    pub(crate) fn add_latency(&mut self, until: Instant, add: Duration) {
        self.extra_latency.push((until, add));
    }

    /// Numbers a keep-alive request the server sends now.
    pub(crate) fn next_keepalive_request(&mut self) -> u32 {
        self.keepalive_requests = self.keepalive_requests.wrapping_add(1);
        self.keepalive_requests
    }

    /// Whether `request` is the latest keep-alive request sent on this path (an answer
    /// to an older one is only traffic, as a runtime matching invoke ids sees it).
    pub(crate) fn is_latest_request(&self, request: u32) -> bool {
        request == self.keepalive_requests
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SimDuration;

    fn network(latency_ms: u64) -> NetworkSpec {
        NetworkSpec {
            latency: SimDuration::from_millis(latency_ms),
            jitter: SimDuration::default(),
        }
    }

    #[test]
    fn order_is_kept_and_added_latency_expires() {
        let mut path = Path::new(crate::seeded::stream(1, "test"));
        let net = network(1);
        path.add_latency(Instant::from_millis(100), Duration::from_millis(50));
        assert_eq!(
            path.send_to_server(Instant::ZERO, &net),
            Some(Instant::from_millis(51))
        );
        // Sent later, after the fault: 1 ms, but never before the earlier message.
        let later = path.send_to_server(Instant::from_millis(100), &net);
        assert_eq!(later, Some(Instant::from_millis(101)));
        let mut path = Path::new(crate::seeded::stream(1, "test"));
        path.add_latency(Instant::from_millis(100), Duration::from_millis(50));
        assert_eq!(
            path.send_to_server(Instant::ZERO, &net),
            Some(Instant::from_millis(51))
        );
        path.extra_latency.clear();
        assert_eq!(
            path.send_to_server(Instant::from_millis(10), &net),
            Some(Instant::from_millis(51)),
            "kept behind the earlier message"
        );
    }

    #[test]
    fn a_partition_cuts_one_way_or_both_until_it_ends() {
        let mut path = Path::new(crate::seeded::stream(1, "test"));
        let net = network(1);
        path.partition(Instant::from_millis(100), Direction::ToServer);
        assert_eq!(path.send_to_server(Instant::from_millis(50), &net), None);
        assert!(path
            .send_to_connector(Instant::from_millis(50), &net)
            .is_some());
        assert!(path
            .send_to_server(Instant::from_millis(100), &net)
            .is_some());
        path.partition(Instant::from_millis(200), Direction::Both);
        assert!(!path.passes_to_connector(Instant::from_millis(150)));
        assert!(!path.passes_to_server(Instant::from_millis(199)));
    }

    #[test]
    fn only_the_latest_keepalive_request_is_answered_by_its_answer() {
        let mut path = Path::new(crate::seeded::stream(1, "test"));
        let first = path.next_keepalive_request();
        let second = path.next_keepalive_request();
        assert!(!path.is_latest_request(first));
        assert!(path.is_latest_request(second));
    }
}
