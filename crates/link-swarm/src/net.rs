//! turmoil's simulated TCP as the driver's [`Transport`] and the stub's [`Listener`]:
//! the only code of this crate that touches a socket. Names resolve through turmoil's
//! DNS (a host is reached by the name it was registered under).
//!
//! The transport counts the streams it has handed the driver and the driver has not
//! dropped yet ([`SimTransport::live`]): that is how the checks see a leaked
//! connection. turmoil's own count of established streams cannot be used: a connect
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

/// The driver's connects, over turmoil's network, counted.
#[derive(Clone, Debug, Default)]
pub struct SimTransport {
    live: Arc<AtomicUsize>,
}

impl SimTransport {
    /// How many streams the driver holds now: connected, not yet dropped.
    pub fn live(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }
}

impl Transport for SimTransport {
    type Stream = Counted;

    async fn connect(&self, target: &Target) -> io::Result<Counted> {
        let stream = turmoil::net::TcpStream::connect((target.host.as_str(), target.port)).await?;
        self.live.fetch_add(1, Ordering::Relaxed);
        Ok(Counted {
            stream,
            live: self.live.clone(),
        })
    }
}

/// A stream the driver holds; dropping it takes it off the count.
#[derive(Debug)]
pub struct Counted {
    stream: turmoil::net::TcpStream,
    live: Arc<AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::Relaxed);
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
    fn spawn(&self, set: &mut JoinSet<()>, connection: impl Future<Output = ()> + Send + 'static) {
        set.spawn_local(connection);
    }
}
