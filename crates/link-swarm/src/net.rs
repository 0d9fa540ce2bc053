//! turmoil's simulated TCP as the driver's [`Transport`] and the stub's [`Listener`]:
//! the only code of this crate that touches a socket. Names resolve through turmoil's
//! DNS (a host is reached by the name it was registered under).
//!
//! The transport counts the streams it has handed the driver and the driver has not
//! dropped yet, per connector ([`SimTransport::live`], [`SimTransport::most`]): that is
//! how the checks see a leaked connection. turmoil's own count of established streams cannot be used: a connect
//! cancelled while its SYN is held stays in turmoil's table (a simulation artifact;
//! a real socket closes).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use link_tokio::{Listener, Target, Transport};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::task::JoinSet;

/// The driver's connects, over turmoil's network, counted per connector.
#[derive(Clone, Debug)]
pub struct SimTransport {
    counts: Arc<Counts>,
}

/// The streams to each connector (by its host's name): held now, and the most at once.
#[derive(Debug)]
struct Counts {
    hosts: Vec<String>,
    live: Vec<AtomicUsize>,
    most: Vec<AtomicUsize>,
}

impl SimTransport {
    /// A transport to the connectors on `hosts`, in link order.
    pub fn new(hosts: Vec<String>) -> Self {
        let zeros = || hosts.iter().map(|_| AtomicUsize::new(0)).collect();
        SimTransport {
            counts: Arc::new(Counts {
                live: zeros(),
                most: zeros(),
                hosts,
            }),
        }
    }

    /// How many streams the driver holds now: connected, not yet dropped.
    pub fn live(&self) -> usize {
        self.counts
            .live
            .iter()
            .map(|n| n.load(Ordering::Relaxed))
            .sum()
    }

    /// The most streams the driver held at once to each connector, in link order
    /// (counted at every connect, so no moment is missed).
    pub fn most(&self) -> Vec<usize> {
        self.counts
            .most
            .iter()
            .map(|n| n.load(Ordering::Relaxed))
            .collect()
    }
}

impl Transport for SimTransport {
    type Stream = Counted;

    async fn connect(&self, target: &Target) -> io::Result<Counted> {
        let stream = turmoil::net::TcpStream::connect((target.host.as_str(), target.port)).await?;
        let Some(index) = self.counts.hosts.iter().position(|h| *h == target.host) else {
            return Err(io::Error::new(io::ErrorKind::NotFound, "not a connector"));
        };
        let live = self.counts.live[index].fetch_add(1, Ordering::Relaxed) + 1;
        self.counts.most[index].fetch_max(live, Ordering::Relaxed);
        Ok(Counted {
            stream,
            counts: self.counts.clone(),
            index,
        })
    }
}

/// A stream the driver holds; dropping it takes it off the count.
#[derive(Debug)]
pub struct Counted {
    stream: turmoil::net::TcpStream,
    counts: Arc<Counts>,
    index: usize,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.counts.live[self.index].fetch_sub(1, Ordering::Relaxed);
    }
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// A stub's port, on turmoil's network.
pub struct SimListener(pub turmoil::net::TcpListener);

impl Listener for SimListener {
    type Stream = turmoil::net::TcpStream;

    async fn accept(&self) -> io::Result<(turmoil::net::TcpStream, SocketAddr)> {
        self.0.accept().await
    }

    /// On the host's `LocalSet`: a crash drops its connections in a fixed order, so the
    /// resets they send (and the latencies turmoil draws for them) replay exactly.
    /// Only for a turmoil host, which runs in a `LocalSet` (`spawn_local` panics
    /// outside one).
    fn spawn(&self, set: &mut JoinSet<()>, connection: impl Future<Output = ()> + Send + 'static) {
        set.spawn_local(connection);
    }
}
