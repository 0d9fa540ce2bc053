//! The property test's input generator: link-core's `tests/properties.rs` runs it
//! against the [reference model](crate::reference), and `crates/link-check`'s coverage
//! test measures which of the states the exhaustive search reaches it reaches. Generated steps name links by index
//! and connections by generation relative to the core's current one, and are turned
//! into inputs against the core's state by [`realise`].

use std::time::Duration;

use link_core::{
    ConnId, Event, Instant, KeepaliveLossRate, LinkCore, LinkId, OptionChange, OptionChanges, Role,
    SystemStatus, Timer,
};
use proptest::prelude::*;

/// Which connection an input names.
#[derive(Clone, Copy, Debug)]
pub enum Generation {
    /// The link's current connection.
    Current,
    /// The one before it (a late input on a closed connection).
    Previous,
    /// A generation this many after the current one (never opened).
    Other(u8),
}

/// What happens on a connection.
#[derive(Clone, Copy, Debug)]
pub enum ConnInput {
    /// The TCP connect is accepted (R3).
    Accept,
    /// The TCP connect is refused (R3).
    Refuse,
    /// The connection closes (R4, R10).
    Close,
    /// The association is accepted (R4).
    Associate,
    /// The association is rejected (R4).
    Reject,
    /// A SystemStatus, value `n` modulo 9 (R5, R15).
    Status(u8),
    /// A keep-alive answer (R14).
    KeepAliveAnswer,
    /// A keep-alive answered with an error (R14: one failure at once).
    KeepAliveError,
    /// Any other traffic.
    Message,
}

/// One generated step. Links are named by index modulo the link count (plus one that
/// does not exist).
#[derive(Clone, Debug)]
pub enum Op {
    /// The next step a healthy connector would take on this link.
    Progress(u8),
    /// SystemStatus value `s` (modulo 9) on the link [`Op::Progress`] of the same
    /// number drives, if it is waiting for a status or operational: a connector that
    /// warns (or fails, or reports `normal` early) on its way. Drawn only inside
    /// procedures, by [`ops`].
    Warn(u8, u8),
    /// An input on one connection of a link.
    Conn(u8, Generation, ConnInput),
    /// The active link (if any) answers a keep-alive (R14).
    AnswerActive,
    /// A SystemStatus on the link's current connection (R5, R15).
    Status(u8, u8),
    /// The clock moves on this many milliseconds; the input is traffic on link 0.
    Advance(u32),
    /// The clock moves on this many seconds, where timer `n` modulo 3 fires.
    LongJump(u16),
    /// The earliest armed timer fires at its deadline.
    FireNext,
    /// Timer `n` fires now, armed or not (a stale firing, I8).
    FireAny(u8),
    /// A start this many milliseconds in the past (I9: refused).
    Backwards(u16),
    /// The Management Layer sets role `n` modulo 3 (R11).
    Role(u8),
    /// A link gets a new priority, or none (R13).
    Reconfigure(u8, Option<i8>),
    /// R16: a timing option changes (some values out of range).
    Option(OptionChange),
    /// R16: several timing options change together, as one input.
    Options(OptionChanges),
    /// The core starts (R1, R2).
    Start,
    /// The core shuts down.
    Shutdown,
    /// The `n`-th (modulo their number) of the inputs a connector, the clock or the
    /// Management Layer could deliver in the core's current state: every connection event
    /// its stage allows on every link, the earliest timer at its deadline, a role change.
    /// Blind steps alone left states unreached that the exhaustive search finds
    /// (`crates/link-check/tests/coverage.rs` measures it).
    Valid(u16),
    /// While a link is active, one beat of the keep-alive exchange: with a request
    /// outstanding the active link answers it (`true`) or the clock runs to the next
    /// deadline (`false`: the keep-alive timer's, where the request is counted a miss,
    /// unless another timer is due first); with none outstanding the clock runs to the
    /// next deadline, where (again unless another timer is due first) a request goes out. With no link active, or
    /// keep-alive off, [`Op::Valid`] of the number. Drawn in rounds by [`ops`].
    KeepAlive(bool, u16),
    /// Like [`Op::KeepAlive`]`(false, n)`, but an outstanding request is answered with an
    /// error (R14: one failure at once) instead of running to its timeout.
    KeepAliveError(u16),
}

/// How often [`Op::Valid`] is drawn, against 12 for [`Op::Progress`].
const WEIGHT_VALID: u32 = 16;

/// A case of at most a length drawn from `len` (as a plain vector of [`op`]s would be),
/// swarm-style: each case draws which optional kinds of step it keeps (each kind of
/// [`optional_kind`] with probability 1/4; progress, valid and keep-alive steps always),
/// how many of its runs of keep-alive [`round`]s it keeps (an eighth, a quarter, a half
/// or all of about one run per three single steps), and how often its valid steps let
/// the clock run to the next deadline instead (one in 3, 6, 12 or 24). Whole
/// [`procedure`]s of one link come among them in every case (about two per nine single
/// steps drawn, whatever kinds the case keeps).
///
/// A case without blind closes, failure statuses or role changes keeps a link active
/// longer (only its valid steps can still close or fail it); R14's counters need
/// several misses and recoveries in a row with nothing between, and their deeper
/// states a pattern of rounds (a miss, two answers, a miss, two answers, ...) that
/// coin flips per beat almost never make; a procedure in which the lower links report
/// `normal` while the highest is still on its way needs many steps before its
/// `connect-tout` ends it, and one link's steps in a row (a whole procedure) rather
/// than scattered among the others'. A case with every kind and a timer every third
/// step leaves those states long before
/// (`crates/link-check/tests/coverage.rs` measures it). The choices are plain
/// components of the case, so a failing case shrinks towards fewer kinds, fewer runs
/// and more timers as well as fewer steps.
pub fn ops(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Op>> {
    let answers = prop_oneof![1 => Just(0u8), 2 => Just(1), 3 => Just(2), 2 => Just(3)];
    let rounds = proptest::collection::vec((answers, any::<u16>()), 1..6);
    // After a run, now and then a new tolerance or loss rate while the counters are
    // up: R14 judges them against it at once (the link lost, or unstable, on the spot).
    let judged = proptest::option::weighted(0.4, counter_option_change());
    let steps = prop_oneof![1 => Just(1u8), 2 => Just(2), 4 => Just(3)];
    let procedures = (any::<u8>(), proptest::option::of(0u8..9), steps);
    // Two links' procedures, then a status on the first, operational, candidate (a
    // failure, `initializing` or `disabled`, two times in three; else any, which may
    // be a warning) and perhaps the step that validates it anew:
    // R15's withdrawn candidate, which waits again beside the operational link that
    // came after it (while the third link may still be on its way).
    let withdrawals = (
        any::<u8>(),
        1u8..3,
        prop_oneof![2 => proptest::sample::select(vec![0u8, 4]), 1 => 0u8..9],
        any::<bool>(),
    );
    let chunk = prop_oneof![
        9 => op().prop_map(Chunk::Single),
        3 => (any::<u8>(), rounds, judged)
            .prop_map(|(tag, rounds, judged)| Chunk::Run(tag, rounds, judged)),
        2 => procedures.prop_map(|(link, warn, steps)| Chunk::Procedure(link, warn, steps)),
        2 => withdrawals.prop_map(|(a, to_b, s, again)| Chunk::Withdrawal(a, to_b, s, again)),
    ];
    // Each optional kind kept with probability 1/4 (shrinking drops kinds); the rate of
    // runs kept, fewest first (shrinking keeps fewer); the rate of timers, most first.
    let kinds = proptest::array::uniform13(proptest::bool::weighted(0.25));
    let case = (len.clone(), kinds, 0usize..4, 0usize..4);
    // Drawn longer than the case, as the swarm's choices leave steps out; cut to it.
    let drawn = 1..len.end * 3;
    (case, proptest::collection::vec(chunk, drawn)).prop_map(
        |((steps, kinds, runs, timers), chunks)| {
            let every = [8, 4, 2, 1][runs];
            let tick_every = [3, 6, 12, 24][timers];
            let mut ops = Vec::with_capacity(steps);
            for chunk in chunks {
                match chunk {
                    Chunk::Single(Op::Valid(n)) if n % tick_every == 0 => ops.push(Op::FireNext),
                    Chunk::Single(op) if optional_kind(&op).is_none_or(|k| kinds[k]) => {
                        ops.push(op)
                    }
                    Chunk::Run(tag, rounds, judged) if tag % every == 0 => {
                        ops.extend(rounds.into_iter().flat_map(round));
                        ops.extend(judged.map(Op::Option));
                    }
                    Chunk::Procedure(link, warn, steps) => ops.extend(procedure(link, warn, steps)),
                    Chunk::Withdrawal(a, to_b, status, again) => {
                        ops.extend(withdrawal(a, a.wrapping_add(to_b), status, again))
                    }
                    _ => {}
                }
            }
            // Cut to the length drawn for the case (as long as a plain vector would be);
            // the three-fold draw nearly always reaches it, and shrinking shortens it.
            ops.truncate(steps);
            ops
        },
    )
}

/// One element of a case before the swarm's choices: a step, a run of rounds, or one
/// link's procedure.
#[derive(Clone, Debug)]
enum Chunk {
    Single(Op),
    /// A run of 1 to 5 keep-alive rounds: whether it is kept, each round's answers
    /// (0 to 3) and number, and perhaps a tolerance or loss rate changed after it.
    Run(u8, Vec<(u8, u16)>, Option<OptionChange>),
    /// One link's connection procedure in a row (accept, associate, `normal`), with a
    /// status before `normal` if given, cut to its first 1 to 3 steps.
    Procedure(u8, Option<u8>, u8),
    /// Links `a` and `a` + the offset brought up in turn, then status `s` on `a` (a
    /// failure: R15 withdraws it) and, if the flag says so, `a` validated anew.
    Withdrawal(u8, u8, u8, bool),
}

/// One link's procedure as steps: [`Op::Progress`] `steps` times (1 to 3: accept,
/// associate, `normal` for a link that is connecting), with [`Op::Warn`]'s status
/// before the third.
fn procedure(link: u8, warn: Option<u8>, steps: u8) -> Vec<Op> {
    let mut ops = vec![Op::Progress(link); usize::from(steps.min(2))];
    if steps == 3 {
        ops.extend(warn.map(|s| Op::Warn(link, s)));
        ops.push(Op::Progress(link));
    }
    ops
}

/// [`Chunk::Withdrawal`]'s steps: `a` and `b` brought up in turn, `a` reports `status`,
/// and (`again`) `a` reports `normal` again.
fn withdrawal(a: u8, b: u8, status: u8, again: bool) -> Vec<Op> {
    let mut ops = procedure(a, None, 3);
    ops.extend(procedure(b, None, 3));
    ops.push(Op::Warn(a, status));
    if again {
        ops.push(Op::Progress(a));
    }
    ops
}

/// One keep-alive round as beats: a miss, then `answers` requests answered (each answer
/// followed by the beat in which the next request goes out). From a request outstanding
/// (where the previous round leaves it), and with no other timer due first, the round's
/// counter moves are exactly those;
/// `n` is for the valid steps the beats become when no link is active.
fn round((answers, n): (u8, u16)) -> impl Iterator<Item = Op> {
    let answered =
        (0..2 * answers).map(move |i| Op::KeepAlive(true, n.wrapping_add(u16::from(i) + 1)));
    // Every other round fails by an error answer rather than a miss.
    let failure = match n % 2 {
        0 => Op::KeepAlive(false, n),
        _ => Op::KeepAliveError(n),
    };
    core::iter::once(failure).chain(answered)
}

/// Which optional kind `op` is (a bit of a case's kept kinds), or `None` for the kinds
/// every case keeps.
fn optional_kind(op: &Op) -> Option<usize> {
    Some(match op {
        Op::Progress(_)
        | Op::Warn(..)
        | Op::Valid(_)
        | Op::KeepAlive(..)
        | Op::KeepAliveError(_) => return None,
        Op::Conn(..) => 0,
        Op::Status(..) => 1,
        Op::AnswerActive => 2,
        Op::Advance(_) => 3,
        Op::LongJump(_) => 4,
        Op::FireNext => 5,
        Op::FireAny(_) => 6,
        Op::Backwards(_) => 7,
        Op::Role(_) => 8,
        Op::Reconfigure(..) => 9,
        Op::Option(_) | Op::Options(_) => 10,
        Op::Start => 11,
        Op::Shutdown => 12,
    })
}

/// One step, each kind weighted: progress and valid steps most often.
pub fn op() -> impl Strategy<Value = Op> {
    let generation = prop_oneof![
        6 => Just(Generation::Current),
        1 => Just(Generation::Previous),
        1 => any::<u8>().prop_map(Generation::Other),
    ];
    let input = prop_oneof![
        Just(ConnInput::Accept),
        Just(ConnInput::Refuse),
        Just(ConnInput::Close),
        Just(ConnInput::Associate),
        Just(ConnInput::Reject),
        (0u8..9).prop_map(ConnInput::Status),
        Just(ConnInput::KeepAliveAnswer),
        Just(ConnInput::KeepAliveError),
        Just(ConnInput::Message),
    ];
    prop_oneof![
        12 => any::<u8>().prop_map(Op::Progress),
        WEIGHT_VALID => any::<u16>().prop_map(Op::Valid),
        6 => (any::<u8>(), generation, input).prop_map(|(l, g, i)| Op::Conn(l, g, i)),
        3 => (any::<u8>(), 0u8..9).prop_map(|(l, s)| Op::Status(l, s)),
        2 => Just(Op::AnswerActive),
        4 => (0u32..3_000).prop_map(Op::Advance),
        1 => (0u16..2_000).prop_map(Op::LongJump),
        5 => Just(Op::FireNext),
        1 => (0u8..3).prop_map(Op::FireAny),
        1 => (1u16..2_000).prop_map(Op::Backwards),
        2 => (0u8..3).prop_map(Op::Role),
        // Mostly to the few priorities configurations use, where a change re-ranks
        // links against each other (link-check's coverage test: a third as often and
        // spread wider, the generator reached 10-12% of two links' reconfiguration
        // states; now 21-26%).
        6 => (any::<u8>(), prop_oneof![3 => (0i8..3).prop_map(Some), 1 => proptest::option::of(-2i8..5)]).prop_map(|(l, p)| Op::Reconfigure(l, p)),
        1 => option_change().prop_map(Op::Option),
        1 => proptest::collection::vec(option_change(), 2..4).prop_map(|changes| {
            Op::Options(changes.into_iter().fold(OptionChanges::default(), OptionChanges::with))
        }),
        1 => Just(Op::Start),
        1 => prop_oneof![9 => Just(Op::Progress(0)), 1 => Just(Op::Shutdown)],
    ]
}

/// `kpl-loss-rate` values: single and pairs, small enough that decrements happen.
pub fn loss_rate() -> impl Strategy<Value = KeepaliveLossRate> {
    prop_oneof![
        (0u32..4).prop_map(KeepaliveLossRate::single),
        (0u32..4, 0u32..6).prop_map(|(a, b)| KeepaliveLossRate::pair(a, b)),
        Just(KeepaliveLossRate::default()),
    ]
}

/// R16 changes, a few of them out of range.
pub fn option_change() -> impl Strategy<Value = OptionChange> {
    prop_oneof![
        (0u64..5).prop_map(|s| OptionChange::ConnectTimeout(Duration::from_secs(s))),
        prop_oneof![Just(0u64), 1u64..4, Just(601)]
            .prop_map(|s| OptionChange::KeepaliveInterval(Duration::from_secs(s))),
        prop_oneof![0u8..4, Just(11)].prop_map(OptionChange::KeepaliveTolerance),
        loss_rate().prop_map(OptionChange::KeepaliveLossRate),
    ]
}

/// R16 changes of what R14 judges its counters against: the tolerance (low values, where
/// the counters a run of rounds leaves reach it) or the loss rate.
pub fn counter_option_change() -> impl Strategy<Value = OptionChange> {
    prop_oneof![
        (0u8..4).prop_map(OptionChange::KeepaliveTolerance),
        loss_rate().prop_map(OptionChange::KeepaliveLossRate),
    ]
}

/// The roles, by the number an [`Op::Role`] names.
pub const ROLES: [Role; 3] = [Role::Standalone, Role::Primary, Role::Backup];

/// Turns a generated step into (time, input) against the core's current state.
pub fn realise(op: &Op, core: &LinkCore, now: Instant, links: usize) -> (Instant, Event) {
    let conn = |l: u8, g: Generation| conn_of(core, l, g, links);
    match *op {
        Op::Progress(l) => progress(core, l, links, now),
        Op::Warn(l, s) => (now, warn(core, l, s, links)),
        Op::Conn(l, g, input) => (now, conn_input(conn(l, g), input)),
        Op::AnswerActive => match active_conn(core) {
            Some(c) => (now, Event::KeepAliveAnswered(c)),
            None => (now, Event::Start),
        },
        Op::Status(l, s) => (
            now,
            Event::SystemStatus(conn(l, Generation::Current), SystemStatus::ALL[s as usize]),
        ),
        Op::Advance(ms) => (
            now + Duration::from_millis(u64::from(ms)),
            Event::MessageReceived(conn(0, Generation::Current)),
        ),
        Op::LongJump(s) => (
            now + Duration::from_secs(u64::from(s)),
            Event::TimerExpired(Timer::ALL[s as usize % 3]),
        ),
        Op::FireNext => {
            next_timer(core, now).unwrap_or((now, Event::TimerExpired(Timer::ConnectTimeout)))
        }
        Op::FireAny(t) => (now, Event::TimerExpired(Timer::ALL[t as usize])),
        Op::Backwards(ms) => (
            Instant::from_nanos(now.as_nanos().saturating_sub(u64::from(ms) * 1_000_000 + 1)),
            Event::Start,
        ),
        Op::Role(r) => (now, Event::RoleChanged(ROLES[r as usize])),
        Op::Reconfigure(l, p) => (
            now,
            Event::Reconfigured {
                link: link_of(l, links),
                priority: p.map(i32::from),
            },
        ),
        Op::Option(change) => (now, Event::OptionChanged(change)),
        Op::Options(changes) => (now, Event::OptionsChanged(changes)),
        Op::Valid(n) => {
            let inputs = valid_inputs(core, now, links);
            inputs
                .get(n as usize % inputs.len().max(1))
                .copied()
                .unwrap_or((now, Event::Start))
        }
        Op::KeepAlive(answer, n) => keepalive_beat(core, now, links, (answer, n)),
        Op::KeepAliveError(n) => match active_conn(core) {
            Some(c) if core.keepalive_outstanding() => (now, Event::KeepAliveRejected(c)),
            _ => keepalive_beat(core, now, links, (false, n)),
        },
        Op::Start => (now, Event::Start),
        Op::Shutdown => (now, Event::Shutdown),
    }
}

/// Link `l`, modulo the link count plus one (a link that does not exist).
fn link_of(l: u8, links: usize) -> LinkId {
    LinkId::new((l as usize % (links + 1)) as u16)
}

/// Link `l`'s connection of generation `g`, relative to its current one.
fn conn_of(core: &LinkCore, l: u8, g: Generation, links: usize) -> ConnId {
    let link = link_of(l, links);
    let current = core.connection(link).map_or(0, |c| c.generation);
    let generation = match g {
        Generation::Current => current,
        Generation::Previous => current.saturating_sub(1),
        Generation::Other(n) => u32::from(n % 4),
    };
    ConnId { link, generation }
}

/// The active link's connection, if a link is active.
fn active_conn(core: &LinkCore) -> Option<ConnId> {
    core.active_link().and_then(|link| core.connection(link))
}

/// The earliest armed timer, firing at its deadline (not before `now`).
fn next_timer(core: &LinkCore, now: Instant) -> Option<(Instant, Event)> {
    let (at, timer) = core.next_deadline()?;
    Some((at.max(now), Event::TimerExpired(timer)))
}

/// [`Op::Progress`]: the next step a healthy connector would take on link `l`.
fn progress(core: &LinkCore, l: u8, links: usize, now: Instant) -> (Instant, Event) {
    use link_core::LinkState;
    let link = LinkId::new((l as usize % links) as u16);
    let event = match (core.connection(link), core.link_state(link)) {
        (Some(c), Some(LinkState::Connecting)) => Event::TcpAccepted(c),
        (Some(c), Some(LinkState::Associating)) => Event::AssociationAccepted(c),
        (Some(c), Some(LinkState::AwaitingStatus)) => Event::SystemStatus(c, SystemStatus::Normal),
        (Some(c), Some(LinkState::Active)) => Event::KeepAliveAnswered(c),
        _ => Event::Start,
    };
    (now + Duration::from_millis(u64::from(l % 50)), event)
}

/// [`Op::Warn`]: status `s` on link `l` if it is waiting for a status or operational.
fn warn(core: &LinkCore, l: u8, s: u8, links: usize) -> Event {
    use link_core::LinkState;
    let link = LinkId::new((l as usize % links) as u16);
    match (core.connection(link), core.link_state(link)) {
        (Some(c), Some(LinkState::AwaitingStatus)) | (Some(c), Some(LinkState::Operational)) => {
            Event::SystemStatus(c, SystemStatus::ALL[s as usize % 9])
        }
        _ => Event::Start,
    }
}

/// [`Op::Conn`]'s input on connection `c`.
fn conn_input(c: ConnId, input: ConnInput) -> Event {
    match input {
        ConnInput::Accept => Event::TcpAccepted(c),
        ConnInput::Refuse => Event::TcpRefused(c),
        ConnInput::Close => Event::TcpClosed(c),
        ConnInput::Associate => Event::AssociationAccepted(c),
        ConnInput::Reject => Event::AssociationRejected(c),
        ConnInput::Status(s) => Event::SystemStatus(c, SystemStatus::ALL[s as usize]),
        ConnInput::KeepAliveAnswer => Event::KeepAliveAnswered(c),
        ConnInput::KeepAliveError => Event::KeepAliveRejected(c),
        ConnInput::Message => Event::MessageReceived(c),
    }
}

/// [`Op::KeepAlive`]: one beat of the keep-alive exchange, or [`Op::Valid`] of the
/// number with no link active or keep-alive off.
fn keepalive_beat(
    core: &LinkCore,
    now: Instant,
    links: usize,
    (answer, n): (bool, u16),
) -> (Instant, Event) {
    match active_conn(core) {
        Some(c) if answer && core.keepalive_outstanding() => (now, Event::KeepAliveAnswered(c)),
        Some(_) if core.config().keepalive_interval > Duration::ZERO => {
            next_timer(core, now).unwrap_or((now, Event::Start))
        }
        _ => realise(&Op::Valid(n), core, now, links),
    }
}

/// Every input the environment could deliver in `core`'s state (see [`Op::Valid`]).
fn valid_inputs(core: &LinkCore, now: Instant, links: usize) -> Vec<(Instant, Event)> {
    let mut inputs: Vec<(Instant, Event)> = Vec::new();
    for link in (0..links).map(|l| LinkId::new(l as u16)) {
        if let (Some(c), Some(state)) = (core.connection(link), core.link_state(link)) {
            inputs.extend(connection_inputs(c, state).into_iter().map(|e| (now, e)));
        }
    }
    if let Some((at, timer)) = core.next_deadline() {
        inputs.push((at.max(now), Event::TimerExpired(timer)));
    }
    let role = core.role();
    inputs.extend(
        ROLES
            .iter()
            .filter(|r| **r != role)
            .map(|r| (now, Event::RoleChanged(*r))),
    );
    inputs
}

/// The connection events a connector could send on `c` in `state`.
fn connection_inputs(c: ConnId, state: link_core::LinkState) -> Vec<Event> {
    use link_core::LinkState;
    match state {
        LinkState::Closed => vec![],
        LinkState::Connecting => vec![Event::TcpAccepted(c), Event::TcpRefused(c)],
        LinkState::Associating => vec![
            Event::AssociationAccepted(c),
            Event::AssociationRejected(c),
            Event::TcpClosed(c),
        ],
        LinkState::AwaitingStatus | LinkState::Operational | LinkState::Active => {
            let mut events: Vec<Event> = SystemStatus::ALL
                .iter()
                .map(|s| Event::SystemStatus(c, *s))
                .collect();
            events.extend([
                Event::TcpClosed(c),
                Event::MessageReceived(c),
                Event::KeepAliveAnswered(c),
                Event::KeepAliveRejected(c),
            ]);
            events
        }
    }
}
