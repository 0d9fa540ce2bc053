//! A scriptable CSTA Connector for local testing: the other end of the driver.
//!
//! A [`Stub`] listens on one TCP port and plays a [`StubScript`] to every connection:
//! how long to keep the port closed, how long to wait before talking, how to answer the
//! session start, which SystemStatus values to send and when, whether to answer
//! keep-alives (always, never, or for a while), and when to die (close the port and every
//! connection at once). It speaks the same framing and codec as the driver
//! (`csta-wire`). The `csta-connector-stub` binary is a command line over this module.
//!
//! The SystemStatus sequence plays on in an established session whatever the server
//! does with it, so a connector can report `normal`, be selected, and report `disabled`
//! on the active link later (R15): [`StubScript::statuses`] `normal` then `disabled`
//! 300 ms later. A connector whose later sessions behave otherwise (it recovered) has
//! [`StubScript::later_statuses`]. [`KeepAliveAnswer::AnswerFor`] answers keep-alives for
//! a while in each session, then stops (R14).
//!
//! No client can end it: it serves at most [`StubScript::max_connections`] connections
//! at once ([`MAX_CONNECTIONS`] unless scripted) and closes any more as soon as they are
//! accepted, and a failed accept (such as EMFILE, too many open files) is logged and
//! retried after [`ACCEPT_BACKOFF`] instead of ending [`Stub::run`]. It is a test
//! connector, not a hardened server: connections have no idle timeout, so clients that
//! hold every slot keep newcomers out until they leave.
//!
//! The script plays on any [`Listener`]: [`Stub`] binds tokio's TCP, and [`serve`] takes
//! any other (`link-swarm` runs stubs as turmoil hosts on simulated TCP).

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use csta_wire::{Frame, Framing, HeaderFraming, InvokeId, Message};
use link_core::SystemStatus;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How the stub answers `StartApplicationSession`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssociationAnswer {
    /// `StartApplicationSessionPosResponse`, then the SystemStatus sequence.
    Accept,
    /// `StartApplicationSessionNegResponse` with this ECMA-354 error.
    Reject(String),
    /// No answer at all (the server's `connect-tout` must deal with it).
    Silent,
}

/// What the stub does with a keep-alive (a SystemStatus request from the server).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeepAliveAnswer {
    /// Answer with `SystemStatusResponse`.
    Answer,
    /// Say nothing (the server counts a failure each time).
    Ignore,
    /// Answer for this long in each session, counted from the positive session
    /// response (from when the connection is served, before one), then say nothing.
    AnswerFor(Duration),
    /// Answer with an ECMA-323 error (`CSTAErrorCode`): the connector cannot serve, as
    /// when all its links to the switch are down (R14: one failure at once).
    Error,
}

/// What one stub does. [`StubScript::default`] is a healthy connector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StubScript {
    /// The name used in the stub's log lines.
    pub name: String,
    /// How long after start the port refuses connections (it is bound but not listening).
    pub refuse_for: Duration,
    /// How long the stub waits after a connection arrives before reading from it.
    pub accept_delay: Duration,
    /// The answer to the session start.
    pub association: AssociationAnswer,
    /// The SystemStatus values sent after a positive session response; each waits its
    /// delay after the previous one (the first after the response). The sequence goes
    /// on whatever the server makes of it (selected or not).
    pub statuses: Vec<(Duration, SystemStatus)>,
    /// The sequence for every session after the stub's first accepted one (sessions
    /// are counted over all connections); `None`: [`statuses`](Self::statuses) for
    /// every session.
    pub later_statuses: Option<Vec<(Duration, SystemStatus)>>,
    /// Whether keep-alives are answered.
    pub keepalive: KeepAliveAnswer,
    /// When the stub dies, counted from its start: the port closes and every connection
    /// drops. `None`: it runs until its task is dropped.
    pub die_after: Option<Duration>,
    /// How many connections are served at once; one more is closed as soon as it is
    /// accepted ([`MAX_CONNECTIONS`] by default).
    pub max_connections: usize,
}

/// How many connections a stub serves at once unless its script says otherwise.
pub const MAX_CONNECTIONS: usize = 256;

/// How long the stub waits before accepting again after an accept failed for want of
/// resources (e.g. too many open files), so that it neither spins nor stops.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// What the stub does after `accept` failed: it never stops listening.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AcceptRetry {
    /// The failure belonged to one connection (aborted or reset before it was taken,
    /// an interrupted call): accept the next at once.
    Now,
    /// Anything else, such as running out of file descriptors (EMFILE, ENFILE) or
    /// memory: wait this long, then accept again.
    After(Duration),
}

/// How the stub goes on after `accept` failed with `error`.
fn accept_retry(error: &io::Error) -> AcceptRetry {
    match error.kind() {
        io::ErrorKind::ConnectionAborted
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::Interrupted
        | io::ErrorKind::WouldBlock => AcceptRetry::Now,
        _ => AcceptRetry::After(ACCEPT_BACKOFF),
    }
}

impl Default for StubScript {
    fn default() -> Self {
        StubScript {
            name: "stub".to_owned(),
            refuse_for: Duration::ZERO,
            accept_delay: Duration::ZERO,
            association: AssociationAnswer::Accept,
            statuses: vec![(Duration::ZERO, SystemStatus::Normal)],
            later_statuses: None,
            keepalive: KeepAliveAnswer::Answer,
            die_after: None,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

/// Where the stub's log lines go.
pub type StubLog = Arc<dyn Fn(&str) + Send + Sync>;

/// Where a stub takes its connections from: tokio's [`TcpListener`](tokio::net::TcpListener),
/// or a simulated network's listener.
pub trait Listener {
    /// An accepted connection. Dropping it closes it.
    type Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// The next connection and its peer's address.
    fn accept(&self) -> impl Future<Output = io::Result<(Self::Stream, SocketAddr)>>;

    /// Starts serving one connection as a task of `set`: on the runtime by default. A
    /// simulated host spawns it on its `LocalSet` instead, whose tasks are dropped in
    /// the order they were spawned when the host crashes (the runtime's own task list
    /// is sharded by a process-wide task id, so its drop order differs from run to run).
    fn spawn(&self, set: &mut JoinSet<()>, connection: impl Future<Output = ()> + Send + 'static) {
        set.spawn(connection);
    }
}

impl Listener for tokio::net::TcpListener {
    type Stream = TcpStream;

    async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, peer) = tokio::net::TcpListener::accept(self).await?;
        let _ = stream.set_nodelay(true);
        Ok((stream, peer))
    }
}

/// Plays `script` on every connection `listener` accepts, as [`Stub::run`] does, until
/// the stub dies (`die_after`, counted from now) or the future is dropped. The port is
/// the caller's: `refuse_for` is not played here (bind the listener that much later).
pub async fn serve<L: Listener>(listener: L, script: StubScript, log: StubLog) -> io::Result<()> {
    let script = Arc::new(script);
    let say = sayer(&script, log);
    let life = async {
        say("listening");
        accept_loop(&listener, &script, &say).await
    };
    until_death(&script, &say, life).await
}

/// The stub's log line maker: the time since now, the stub's name, the text.
fn sayer(script: &StubScript, log: StubLog) -> impl Fn(&str) + Clone + Send + 'static {
    let started = Instant::now();
    // The name comes from the command line: never a terminal's control sequence.
    let name = link_core::printable(&script.name).into_owned();
    move |text: &str| {
        let at = started.elapsed();
        log(&format!("{:>8.3}s {name}: {text}", at.as_secs_f64()));
    }
}

/// Runs `life` until it ends or the script's `die_after` has passed (counted from now).
async fn until_death(
    script: &StubScript,
    say: &impl Fn(&str),
    life: impl Future<Output = io::Result<()>>,
) -> io::Result<()> {
    let Some(after) = script.die_after else {
        return life.await;
    };
    match tokio::time::timeout(after, life).await {
        Ok(result) => result,
        Err(_) => {
            say("dying as scripted: port and connections closed");
            Ok(())
        }
    }
}

/// A bound stub, not yet running. Its port is taken; with no `refuse_for` it already
/// listens (connections wait in the backlog until [`Stub::run`] serves them), otherwise
/// connections are refused until `refuse_for` has passed in [`Stub::run`].
pub struct Stub {
    port: Port,
    addr: SocketAddr,
    script: StubScript,
}

enum Port {
    /// Bound, not listening: the kernel refuses connections.
    Refusing(TcpSocket),
    Listening(tokio::net::TcpListener),
}

impl Stub {
    /// Binds `addr` (port 0 picks a free port) for `script`.
    pub fn bind(addr: SocketAddr, script: StubScript) -> io::Result<Stub> {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        let addr = socket.local_addr()?;
        let port = if script.refuse_for.is_zero() {
            Port::Listening(socket.listen(64)?)
        } else {
            Port::Refusing(socket)
        };
        Ok(Stub { port, addr, script })
    }

    /// The address the stub is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Plays the script until the stub dies (`die_after`) or the future is dropped;
    /// either way the port and every connection close. `log` gets one line per thing
    /// the stub does.
    pub async fn run(self, log: StubLog) -> io::Result<()> {
        let script = Arc::new(self.script);
        let say = sayer(&script, log);
        let life = async {
            let listener = match self.port {
                Port::Listening(listener) => listener,
                Port::Refusing(socket) => {
                    say(&format!("refusing connections for {:?}", script.refuse_for));
                    tokio::time::sleep(script.refuse_for).await;
                    socket.listen(64)?
                }
            };
            say(&format!("listening on {}", self.addr));
            accept_loop(&listener, &script, &say).await
        };
        until_death(&script, &say, life).await
    }
}

/// Accepts connections for ever, serving each with `script`: past
/// `script.max_connections` at once a connection is closed at once, and a failed
/// accept is logged and retried (see [`accept_retry`]).
async fn accept_loop<L, S>(listener: &L, script: &Arc<StubScript>, say: &S) -> io::Result<()>
where
    L: Listener,
    S: Fn(&str) + Clone + Send + 'static,
{
    let mut connections = JoinSet::new();
    let sessions = Arc::new(AtomicUsize::new(0));
    loop {
        tokio::select! {
            // In this order, not at random, so that a simulated run replays exactly:
            // ended connections are reaped first (the count that bounds
            // `max_connections` is current), then the next is accepted.
            biased;
            Some(_) = connections.join_next() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) if connections.len() >= script.max_connections => {
                    drop(stream);
                    say(&format!(
                        "connection from {peer} closed: {} connections already (the most)",
                        connections.len()
                    ));
                }
                Ok((stream, peer)) => {
                    say(&format!("connection from {peer}"));
                    let played = Played {
                        script: script.clone(),
                        sessions: sessions.clone(),
                    };
                    listener.spawn(&mut connections, play(stream, played, say.clone()));
                }
                Err(e) => match accept_retry(&e) {
                    AcceptRetry::Now => say(&format!("accept failed: {e}; accepting the next")),
                    AcceptRetry::After(wait) => {
                        say(&format!("accept failed: {e}; accepting again in {wait:?}"));
                        tokio::time::sleep(wait).await;
                    }
                },
            },
        }
    }
}

/// What one connection plays: the script, and the count of sessions the stub has
/// accepted so far on any connection (which sequence a session gets).
struct Played {
    script: Arc<StubScript>,
    sessions: Arc<AtomicUsize>,
}

async fn play(mut stream: impl AsyncRead + AsyncWrite + Unpin, played: Played, say: impl Fn(&str)) {
    if !played.script.accept_delay.is_zero() {
        tokio::time::sleep(played.script.accept_delay).await;
    }
    let mut framing = HeaderFraming;
    let mut inbound = BytesMut::with_capacity(4096);
    let mut outbound = BytesMut::with_capacity(512);
    let mut session = Session::new(&played.script);
    loop {
        let due = session.next_status_at.unwrap_or_else(Instant::now);
        let mut replies: Vec<(InvokeId, Message)> = Vec::new();
        tokio::select! {
            // In this order, not at random, so that a simulated run replays exactly:
            // what the server sent is read before a status that fell due meanwhile.
            biased;
            read = stream.read_buf(&mut inbound) => {
                match read {
                    Ok(0) | Err(_) => {
                        say("connection closed by the server");
                        return;
                    }
                    Ok(_) => {}
                }
                loop {
                    let frame = match framing.decode(&mut inbound) {
                        Ok(Some(frame)) => frame,
                        Ok(None) => break,
                        Err(e) => {
                            say(&format!("framing error, dropping the connection: {e}"));
                            return;
                        }
                    };
                    session.on_frame(&played, &frame, &say, &mut replies);
                }
            }
            () = tokio::time::sleep_until(due), if session.next_status_at.is_some() => {
                session.status_due(&mut replies);
            }
        }
        for (invoke_id, message) in replies {
            outbound.clear();
            let frame = Frame {
                invoke_id,
                body: message.encode(),
            };
            if framing.encode(&frame, &mut outbound).is_err() {
                return;
            }
            if stream.write_all(&outbound).await.is_err() {
                say("write failed; connection gone");
                return;
            }
            say(&format!("sent {}", describe(&message)));
        }
    }
}

/// One served connection's script progress: the status sequence still to send (after
/// the session was accepted), when the next is due, and until when keep-alives are
/// answered ([`KeepAliveAnswer::AnswerFor`]).
struct Session {
    next_invoke: InvokeId,
    statuses: VecDeque<(Duration, SystemStatus)>,
    next_status_at: Option<Instant>,
    /// The end of the [`KeepAliveAnswer::AnswerFor`] period (`None`: no end).
    answer_until: Option<Instant>,
    /// The stop of keep-alive answers was logged.
    stop_logged: bool,
}

impl Session {
    /// A connection served from now.
    fn new(script: &StubScript) -> Self {
        let mut session = Session {
            next_invoke: InvokeId::FIRST,
            statuses: VecDeque::new(),
            next_status_at: None,
            answer_until: None,
            stop_logged: false,
        };
        session.start_keepalive_clock(script);
        session
    }

    /// [`KeepAliveAnswer::AnswerFor`] counts from now (a period past the clock's end
    /// never ends).
    fn start_keepalive_clock(&mut self, script: &StubScript) {
        if let KeepAliveAnswer::AnswerFor(period) = script.keepalive {
            self.answer_until = Instant::now().checked_add(period);
        }
    }

    /// Answers one frame from the server as the script says, into `replies`.
    fn on_frame(
        &mut self,
        played: &Played,
        frame: &Frame,
        say: &impl Fn(&str),
        replies: &mut Vec<(InvokeId, Message)>,
    ) {
        let script = &*played.script;
        match Message::decode(&frame.body) {
            Ok(Message::StartApplicationSession { application_id, .. }) => {
                say(&format!("StartApplicationSession from {application_id:?}"));
                match &script.association {
                    AssociationAnswer::Accept => {
                        let response = Message::StartApplicationSessionPosResponse {
                            session_id: format!("{}-session", script.name),
                            protocol_version: csta_wire::ECMA_323_NAMESPACE.to_owned(),
                            session_duration_s: 180,
                        };
                        replies.push((frame.invoke_id, response));
                        self.accepted(played, say);
                    }
                    AssociationAnswer::Reject(error) => {
                        let response = Message::StartApplicationSessionNegResponse {
                            error: error.clone(),
                        };
                        replies.push((frame.invoke_id, response));
                    }
                    AssociationAnswer::Silent => say("not answering the session start"),
                }
            }
            Ok(Message::SystemStatus(_)) if script.keepalive == KeepAliveAnswer::Error => {
                say("answering a keep-alive with an error");
                let error = Message::CstaErrorCode {
                    error: "generic".into(),
                };
                replies.push((frame.invoke_id, error));
            }
            Ok(Message::SystemStatus(_)) => {
                if self.answers_keepalive(script, say) {
                    replies.push((frame.invoke_id, Message::SystemStatusResponse));
                } else {
                    say("ignoring a keep-alive");
                }
            }
            Ok(_) => {}
            Err(e) => say(&format!("undecodable message: {e}")),
        }
    }

    /// The session was accepted: its SystemStatus sequence starts (the first session's
    /// or a later one's) and so does the keep-alive answering period.
    fn accepted(&mut self, played: &Played, say: &impl Fn(&str)) {
        let script = &*played.script;
        let earlier = played.sessions.fetch_add(1, Ordering::Relaxed);
        let statuses = match &script.later_statuses {
            Some(later) if earlier > 0 => {
                say(&format!(
                    "session {}: playing the later SystemStatus sequence",
                    earlier + 1
                ));
                later
            }
            _ => &script.statuses,
        };
        self.statuses = statuses.iter().copied().collect();
        self.next_status_at = self.next_due();
        self.start_keepalive_clock(script);
    }

    /// Whether a keep-alive arriving now is answered; the first one past an
    /// [`KeepAliveAnswer::AnswerFor`] period logs the stop.
    fn answers_keepalive(&mut self, script: &StubScript, say: &impl Fn(&str)) -> bool {
        match script.keepalive {
            KeepAliveAnswer::Answer => true,
            KeepAliveAnswer::Ignore | KeepAliveAnswer::Error => false,
            KeepAliveAnswer::AnswerFor(period) => {
                let answering = self.answer_until.is_none_or(|until| Instant::now() < until);
                if !answering && !std::mem::replace(&mut self.stop_logged, true) {
                    say(&format!(
                        "stopped answering keep-alives ({period:?} are over)"
                    ));
                }
                answering
            }
        }
    }

    /// The next status of the sequence is due: send it.
    fn status_due(&mut self, replies: &mut Vec<(InvokeId, Message)>) {
        if let Some((_, status)) = self.statuses.pop_front() {
            replies.push((self.next_invoke, Message::SystemStatus(status)));
            self.next_invoke = self.next_invoke.next();
        }
        self.next_status_at = self.next_due();
    }

    fn next_due(&self) -> Option<Instant> {
        self.statuses.front().map(|(d, _)| Instant::now() + *d)
    }
}

fn describe(message: &Message) -> String {
    match message {
        Message::SystemStatus(status) => format!("SystemStatus {status}"),
        Message::StartApplicationSessionNegResponse { error } => {
            format!(
                "StartApplicationSessionNegResponse ({})",
                link_core::excerpt(error, 60)
            )
        }
        other => other.name().to_owned(),
    }
}

/// The longest duration [`parse_duration`] accepts: a year. Anything longer is surely a
/// typo, and a deadline that far out (`now + 18000000000000000000s`) would overflow the
/// clock.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// Reads a duration written with its unit: `250ms`, `2s`, `1.5s`, `1m`; at most
/// [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or((text, ""), |i| text.split_at(i));
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (examples: 250ms, 2s, 1.5s, 1m)"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "" => return Err(format!("{text:?} needs a unit: ms, s or m")),
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?}; use ms, s or m"
            ))
        }
    };
    let duration = Duration::try_from_secs_f64(seconds).map_err(|e| format!("{text:?}: {e}"))?;
    if duration > MAX_DURATION {
        return Err(format!(
            "{text:?} is longer than a year ({}m), the longest accepted",
            MAX_DURATION.as_secs() / 60
        ));
    }
    Ok(duration)
}

/// Reads a SystemStatus sequence: comma-separated ECMA-269 values, each optionally
/// followed by `@DELAY` (the wait before it), e.g. `initializing,normal@500ms`.
pub fn parse_statuses(text: &str) -> Result<Vec<(Duration, SystemStatus)>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|item| {
            let (value, delay) = match item.split_once('@') {
                Some((value, delay)) => (value.trim(), parse_duration(delay)?),
                None => (item.trim(), Duration::ZERO),
            };
            let status = SystemStatus::ALL
                .into_iter()
                .find(|s| s.as_str() == value)
                .ok_or_else(|| {
                    let all: Vec<&str> = SystemStatus::ALL.iter().map(|s| s.as_str()).collect();
                    format!(
                        "{value:?} is not a SystemStatus value; one of {}",
                        all.join(", ")
                    )
                })?;
            Ok((delay, status))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_accept_never_stops_the_stub() {
        // Linux's EMFILE and ENFILE: out of file descriptors, for the process or all.
        for errno in [24, 23] {
            assert_eq!(
                accept_retry(&io::Error::from_raw_os_error(errno)),
                AcceptRetry::After(ACCEPT_BACKOFF),
                "errno {errno}"
            );
        }
        assert_eq!(
            accept_retry(&io::Error::from(io::ErrorKind::OutOfMemory)),
            AcceptRetry::After(ACCEPT_BACKOFF)
        );
        for kind in [
            io::ErrorKind::ConnectionAborted,
            io::ErrorKind::ConnectionReset,
        ] {
            assert_eq!(
                accept_retry(&io::Error::from(kind)),
                AcceptRetry::Now,
                "{kind:?}"
            );
        }
        assert!(ACCEPT_BACKOFF >= Duration::from_millis(10), "no busy loop");
    }

    fn playing(script: StubScript) -> Played {
        Played {
            script: Arc::new(script),
            sessions: Arc::new(AtomicUsize::new(0)),
        }
    }

    #[test]
    fn later_sessions_play_the_later_sequence() {
        let played = playing(StubScript {
            statuses: vec![(Duration::ZERO, SystemStatus::Disabled)],
            later_statuses: Some(vec![(Duration::ZERO, SystemStatus::Normal)]),
            ..StubScript::default()
        });
        let said = std::cell::RefCell::new(Vec::new());
        let say = |line: &str| said.borrow_mut().push(line.to_owned());
        let mut first = Session::new(&played.script);
        first.accepted(&played, &say);
        let mut second = Session::new(&played.script);
        second.accepted(&played, &say);
        assert_eq!(first.statuses, [(Duration::ZERO, SystemStatus::Disabled)]);
        assert_eq!(second.statuses, [(Duration::ZERO, SystemStatus::Normal)]);
        assert_eq!(
            *said.borrow(),
            ["session 2: playing the later SystemStatus sequence"]
        );
        // Without later statuses every session plays the same.
        let same = playing(StubScript::default());
        for _ in 0..2 {
            let mut session = Session::new(&same.script);
            session.accepted(&same, &say);
            assert_eq!(session.statuses, [(Duration::ZERO, SystemStatus::Normal)]);
        }
    }

    #[test]
    fn keep_alives_are_answered_for_the_scripted_period_only() {
        let said = std::cell::RefCell::new(Vec::new());
        let say = |line: &str| said.borrow_mut().push(line.to_owned());
        let answers = |keepalive: KeepAliveAnswer| {
            let script = StubScript {
                keepalive,
                ..StubScript::default()
            };
            let mut session = Session::new(&script);
            [(); 2].map(|()| session.answers_keepalive(&script, &say))
        };
        assert_eq!(answers(KeepAliveAnswer::Answer), [true, true]);
        assert_eq!(answers(KeepAliveAnswer::Ignore), [false, false]);
        assert_eq!(
            answers(KeepAliveAnswer::AnswerFor(MAX_DURATION)),
            [true, true]
        );
        // A period past the clock's end never ends (and does not overflow it).
        assert_eq!(
            answers(KeepAliveAnswer::AnswerFor(Duration::MAX)),
            [true, true]
        );
        assert!(said.borrow().is_empty());
        assert_eq!(
            answers(KeepAliveAnswer::AnswerFor(Duration::ZERO)),
            [false, false]
        );
        assert_eq!(
            *said.borrow(),
            ["stopped answering keep-alives (0ns are over)"],
            "the stop is logged once"
        );
    }

    #[test]
    fn durations_need_a_unit() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("5").unwrap_err().contains("needs a unit"));
        assert!(parse_duration("5h").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("soon").is_err());
        assert_eq!(parse_duration("525600m"), Ok(MAX_DURATION));
        let far = parse_duration("18000000000000000000s").unwrap_err();
        assert!(far.contains("longer than a year"), "{far}");
        assert!(parse_statuses("normal@18000000000000000000s").is_err());
    }

    #[test]
    fn status_sequences_read_values_and_delays() {
        assert_eq!(
            parse_statuses("initializing, normal@500ms"),
            Ok(vec![
                (Duration::ZERO, SystemStatus::Initializing),
                (Duration::from_millis(500), SystemStatus::Normal)
            ])
        );
        assert_eq!(parse_statuses(""), Ok(vec![]));
        assert!(parse_statuses("normal,fine")
            .unwrap_err()
            .contains("\"fine\""));
    }
}
