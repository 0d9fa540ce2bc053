//! Keeping a flooding peer out of the operator's log.
//!
//! A connector may send thousands of `SystemStatus` documents (or undecodable ones) a
//! second; the driver must read them all, but printing one line each would write
//! hundreds of megabytes a minute. [`FloodGate`] lets through at most a few items of one
//! kind per time window and counts the rest; when the window is over it hands back one
//! summary ([`Hidden`]) of what it held back. [`LogLimiter`] applies it to the driver's
//! [`Record`]s, kind by kind ([`RecordKey`]: per connection, event, action or note), so
//! that `link-driver` prints at most [`SHOWN_PER_WINDOW`] lines and one summary per kind
//! and [`WINDOW`].
//!
//! Time is the records' own (the driver's monotonic clock, read when each was made), so
//! the same records always give the same lines. A window's summary is written with the
//! first record, of any kind, made after the window ended, or by
//! [`LogLimiter::finish`] when the driver stops.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::Hash;
use std::time::Duration;

use link_core::{
    Action, Config, ConnId, Event, Ignored, Instant, KeepaliveLossRate, LogRecord, OptionChange,
};

use crate::driver::Record;

/// How long a flood window lasts.
pub const WINDOW: Duration = Duration::from_secs(1);

/// How many records of one kind are printed per window before the rest are counted.
pub const SHOWN_PER_WINDOW: u32 = 5;

/// Items of one kind held back in one window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hidden<T> {
    /// How many were held back.
    pub count: u64,
    /// The first of them.
    pub sample: T,
    /// When the window began (the time of the first item shown in it).
    pub since: Instant,
    /// How long the window lasted.
    pub window: Duration,
}

/// One kind's current window.
struct Bucket<T> {
    start: Instant,
    shown: u32,
    hidden: u64,
    sample: Option<T>,
}

/// Lets through at most `shown` items of each kind `K` per window and counts the rest.
pub struct FloodGate<K, T> {
    window: Duration,
    shown: u32,
    buckets: HashMap<K, Bucket<T>>,
    /// Open windows by their end; items come in time order, so this is sorted.
    ends: VecDeque<(Instant, K)>,
}

impl<K: Hash + Eq + Clone, T: Clone> FloodGate<K, T> {
    /// A gate letting `shown` items of a kind through per `window` (at least one: the
    /// first of a window opens it and is always shown).
    pub fn new(window: Duration, shown: u32) -> Self {
        FloodGate {
            window,
            shown: shown.max(1),
            buckets: HashMap::new(),
            ends: VecDeque::new(),
        }
    }

    /// Whether `item`, of kind `key`, made at `at`, is to be shown. Windows that ended
    /// by `at` are closed first, each that held items back reported to `hidden`, oldest
    /// first. Items must come in time order (a clock that goes back only delays ends).
    pub fn admit(&mut self, key: K, at: Instant, item: &T, hidden: impl FnMut(Hidden<T>)) -> bool {
        self.expire(at, hidden);
        match self.buckets.get_mut(&key) {
            Some(bucket) if bucket.shown < self.shown => {
                bucket.shown += 1;
                true
            }
            Some(bucket) => {
                bucket.hidden += 1;
                if bucket.sample.is_none() {
                    bucket.sample = Some(item.clone());
                }
                false
            }
            None => {
                let bucket = Bucket {
                    start: at,
                    shown: 1,
                    hidden: 0,
                    sample: None,
                };
                self.ends
                    .push_back((at.saturating_add(self.window), key.clone()));
                self.buckets.insert(key, bucket);
                true
            }
        }
    }

    /// Closes every window, reporting those that held items back, oldest first.
    pub fn finish(&mut self, mut hidden: impl FnMut(Hidden<T>)) {
        while let Some((_, key)) = self.ends.pop_front() {
            self.close(&key, &mut hidden);
        }
    }

    fn expire(&mut self, at: Instant, mut hidden: impl FnMut(Hidden<T>)) {
        while let Some((end, _)) = self.ends.front() {
            if *end > at {
                break;
            }
            if let Some((_, key)) = self.ends.pop_front() {
                self.close(&key, &mut hidden);
            }
        }
    }

    fn close(&mut self, key: &K, hidden: &mut impl FnMut(Hidden<T>)) {
        let Some(bucket) = self.buckets.remove(key) else {
            return;
        };
        if let Some(sample) = bucket.sample {
            hidden(Hidden {
                count: bucket.hidden,
                sample,
                since: bucket.start,
                window: self.window,
            });
        }
    }
}

/// The kind of a [`Record`], as far as floods go: the same input on the same
/// connection, the same action, the same reason to ignore, or any note about one
/// connection. Times inside an action (a timer's deadline) do not count, nor the values
/// a command sets (a priority, an option's value): a stream of `priority` commands is
/// one kind per link, not one per value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordKey {
    /// An input.
    Input(Event),
    /// An ignored input, by why.
    Ignored(Ignored),
    /// An action (`ArmTimer` without its deadline).
    Action(Action),
    /// A refused control.
    Refused,
    /// A note about a connection.
    Wire(ConnId),
}

impl RecordKey {
    /// The kind of `record`.
    pub fn of(record: &Record) -> RecordKey {
        match record {
            Record::Input {
                event: Event::Reconfigured { link, .. },
                ..
            } => RecordKey::Input(Event::Reconfigured {
                link: *link,
                priority: None,
            }),
            Record::Input {
                event: Event::OptionChanged(change),
                ..
            } => RecordKey::Input(Event::OptionChanged(option_kind(*change))),
            Record::Action {
                action: Action::Log(LogRecord::OptionChanged { change }),
                ..
            } => RecordKey::Action(Action::Log(LogRecord::OptionChanged {
                change: option_kind(*change),
            })),
            Record::Input { event, .. } => RecordKey::Input(*event),
            Record::Ignored { why, .. } => RecordKey::Ignored(*why),
            Record::Action {
                action: Action::ArmTimer { timer, .. },
                ..
            } => RecordKey::Action(Action::ArmTimer {
                timer: *timer,
                at: Instant::ZERO,
            }),
            Record::Action { action, .. } => RecordKey::Action(*action),
            Record::Refused { .. } => RecordKey::Refused,
            Record::Wire { conn, .. } => RecordKey::Wire(*conn),
        }
    }
}

/// Which option `change` sets, without its value.
fn option_kind(change: OptionChange) -> OptionChange {
    match change {
        OptionChange::ConnectTimeout(_) => OptionChange::ConnectTimeout(Duration::ZERO),
        OptionChange::KeepaliveInterval(_) => OptionChange::KeepaliveInterval(Duration::ZERO),
        OptionChange::KeepaliveTolerance(_) => OptionChange::KeepaliveTolerance(0),
        OptionChange::KeepaliveLossRate(_) => {
            OptionChange::KeepaliveLossRate(KeepaliveLossRate::default())
        }
    }
}

/// The driver's records as log lines, each kind limited to [`SHOWN_PER_WINDOW`] lines
/// per [`WINDOW`] and then one summary line for the window.
pub struct LogLimiter {
    gate: FloodGate<RecordKey, Record>,
    last: Instant,
}

impl Default for LogLimiter {
    fn default() -> Self {
        LogLimiter::new(WINDOW, SHOWN_PER_WINDOW)
    }
}

impl LogLimiter {
    /// A limiter showing `shown` records of a kind per `window`.
    pub fn new(window: Duration, shown: u32) -> Self {
        LogLimiter {
            gate: FloodGate::new(window, shown),
            last: Instant::ZERO,
        }
    }

    /// Passes to `line` what `record` adds to the log: a summary for each window that
    /// ended by its time and held records back, then the record's own line unless it
    /// is held back itself.
    pub fn write(
        &mut self,
        record: &Record,
        config: &Config,
        mut line: impl FnMut(&dyn fmt::Display),
    ) {
        let at = record.at();
        self.last = self.last.max(at);
        let now = self.last;
        let summary = |h: Hidden<Record>| {
            line(&Summary {
                at: now,
                hidden: &h,
                config,
            })
        };
        if self.gate.admit(RecordKey::of(record), at, record, summary) {
            line(&record.text(config));
        }
    }

    /// Passes to `line` a summary of each window still open that held records back,
    /// stamped with the latest record's time: for when the driver has stopped.
    pub fn finish(&mut self, config: &Config, mut line: impl FnMut(&dyn fmt::Display)) {
        let now = self.last;
        self.gate.finish(|h| {
            line(&Summary {
                at: now,
                hidden: &h,
                config,
            })
        });
    }
}

/// One summary line: `3.001s  ... 1,234 more "<- A: SystemStatus normal" in the 1s
/// from 2.000s (not shown)`.
struct Summary<'a> {
    at: Instant,
    hidden: &'a Hidden<Record>,
    config: &'a Config,
}

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self.hidden;
        write!(
            f,
            "{:>9}  ... {} more \"{}\" in the {:?} from {} (not shown)",
            self.at,
            thousands(h.count),
            h.sample.text(self.config).untimed(),
            h.window,
            h.since
        )
    }
}

/// `n` with a comma every three digits: `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use link_core::{LinkConfig, LinkId, SystemStatus, Timer};

    fn ms(n: u64) -> Instant {
        Instant::from_millis(n)
    }

    /// Feeds `(key, millis)` items; returns what was shown and the summaries, in order.
    fn run(gate: &mut FloodGate<&'static str, u64>, items: &[(&'static str, u64)]) -> Vec<String> {
        let mut out = Vec::new();
        for &(key, t) in items {
            let mut summaries = Vec::new();
            let shown = gate.admit(key, ms(t), &t, |h| summaries.push(h));
            for h in summaries {
                out.push(format!(
                    "{} hidden from {} (first at {})",
                    h.count, h.since, h.sample
                ));
            }
            if shown {
                out.push(format!("{key}@{t}"));
            }
        }
        out
    }

    #[test]
    fn a_flood_shows_a_few_per_window_and_one_summary_for_the_rest() {
        let mut gate = FloodGate::new(Duration::from_secs(1), 3);
        // 3,000 items over 3 s, one a millisecond.
        let items: Vec<(&str, u64)> = (0..3000).map(|t| ("status", t)).collect();
        let mut out = run(&mut gate, &items);
        gate.finish(|h| {
            out.push(format!(
                "{} hidden from {} (first at {})",
                h.count, h.since, h.sample
            ))
        });
        assert_eq!(
            out,
            [
                "status@0",
                "status@1",
                "status@2",
                "997 hidden from 0.000s (first at 3)",
                "status@1000",
                "status@1001",
                "status@1002",
                "997 hidden from 1.000s (first at 1003)",
                "status@2000",
                "status@2001",
                "status@2002",
                "997 hidden from 2.000s (first at 2003)",
            ]
        );
    }

    #[test]
    fn kinds_are_limited_apart_and_a_quiet_kind_is_never_held_back() {
        let mut gate = FloodGate::new(Duration::from_secs(1), 2);
        let mut items = Vec::new();
        for t in 0..100 {
            items.push(("flood", t));
            if t % 50 == 0 {
                items.push(("keep-alive", t));
            }
        }
        // After the window, any kind's item closes the flood's window.
        items.push(("keep-alive", 1500));
        let out = run(&mut gate, &items);
        assert_eq!(
            out,
            [
                "flood@0",
                "keep-alive@0",
                "flood@1",
                "keep-alive@50",
                "98 hidden from 0.000s (first at 2)",
                "keep-alive@1500",
            ]
        );
        // Nothing was held back in the last window: finishing reports nothing.
        let mut finished = 0;
        gate.finish(|_| finished += 1);
        assert_eq!(finished, 0);
    }

    #[test]
    fn the_same_items_always_give_the_same_lines() {
        let items: Vec<(&str, u64)> = (0..5000u64)
            .map(|i| (["a", "b", "c"][(i * 7 % 3) as usize], i * 37 % 1000 + i / 2))
            .collect();
        let mut sorted = items.clone();
        sorted.sort_by_key(|&(_, t)| t);
        let once = run(&mut FloodGate::new(Duration::from_millis(250), 4), &sorted);
        let again = run(&mut FloodGate::new(Duration::from_millis(250), 4), &sorted);
        assert_eq!(once, again);
        // At most 4 shown and one summary per kind and window: 3 kinds, items over
        // 3.5 s, so at most 15 windows each (5,000 items in all).
        assert!(once.len() <= 3 * 5 * 15, "{}", once.len());
    }

    fn config() -> Config {
        Config::new([LinkConfig::new("CSTA_A"), LinkConfig::new("CSTA_B")])
    }

    fn status(link: u16, at: Instant) -> Record {
        let conn = ConnId {
            link: LinkId::new(link),
            generation: 1,
        };
        Record::Input {
            at,
            event: Event::SystemStatus(conn, SystemStatus::Normal),
        }
    }

    #[test]
    fn a_status_flood_becomes_five_lines_and_a_summary_per_second() {
        let config = config();
        let mut limiter = LogLimiter::default();
        let mut lines = Vec::new();
        // 100,000 statuses in 2 s on CSTA_A, one timer firing in between.
        for i in 0..100_000u64 {
            let at = Instant::from_nanos(i * 20_000);
            limiter.write(&status(0, at), &config, |l| lines.push(l.to_string()));
            if i == 60_000 {
                let timer = Record::Input {
                    at,
                    event: Event::TimerExpired(Timer::KeepAlive),
                };
                limiter.write(&timer, &config, |l| lines.push(l.to_string()));
            }
        }
        limiter.finish(&config, |l| lines.push(l.to_string()));
        assert_eq!(lines.len(), 5 + 1 + 1 + 5 + 1, "{lines:#?}");
        assert_eq!(lines[0], "0.000s  <- CSTA_A: SystemStatus normal");
        assert_eq!(
            lines[5],
            "1.000s  ... 49,995 more \"<- CSTA_A: SystemStatus normal\" in the 1s from 0.000s (not shown)"
        );
        assert_eq!(lines[6], "1.000s  <- CSTA_A: SystemStatus normal");
        assert_eq!(lines[11], "1.200s  timer keep-alive fired");
        assert_eq!(
            lines[12],
            "1.999s  ... 49,995 more \"<- CSTA_A: SystemStatus normal\" in the 1s from 1.000s (not shown)"
        );
    }

    #[test]
    fn another_link_and_a_timer_s_new_deadline_are_kinds_of_their_own() {
        let a = RecordKey::of(&status(0, ms(1)));
        assert_eq!(a, RecordKey::of(&status(0, ms(2))));
        assert_ne!(a, RecordKey::of(&status(1, ms(1))));
        let arm = |at: u64| Record::Action {
            at: ms(at),
            action: Action::ArmTimer {
                timer: Timer::KeepAlive,
                at: ms(at + 1000),
            },
            stalled: None,
        };
        assert_eq!(RecordKey::of(&arm(1)), RecordKey::of(&arm(2)));
    }

    #[test]
    fn counts_are_written_with_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(5_100_000), "5,100,000");
    }
}
