//! What the loopback tests share: a running driver whose records a test can wait for.
#![allow(dead_code)] // each test file uses a part

use std::time::Duration;

use link_core::{Action, ClientEvent, Config, Instant, LinkId, LogRecord};
use link_tokio::{Control, Driver, Record};
use tokio::sync::mpsc;

/// A running driver and everything it has reported so far.
pub struct Harness {
    pub config: Config,
    records: mpsc::UnboundedReceiver<Record>,
    pub seen: Vec<Record>,
    pub control: mpsc::Sender<Control>,
    task: tokio::task::JoinHandle<Result<(), link_tokio::DriverError>>,
}

impl Harness {
    pub fn start<F: csta_wire::Framing + Clone>(driver: Driver<F>) -> Harness {
        let config = driver.config().clone();
        let (tx, records) = mpsc::unbounded_channel();
        let (control, control_rx) = mpsc::channel(4);
        let task = tokio::spawn(driver.run(control_rx, move |r| {
            let _ = tx.send(r.clone());
        }));
        Harness {
            config,
            records,
            seen: Vec::new(),
            control,
            task,
        }
    }

    pub fn link(&self, name: &str) -> LinkId {
        let index = self.config.links.iter().position(|l| l.name == name);
        LinkId::new(index.expect("configured link") as u16)
    }

    pub fn transcript(&self) -> String {
        let lines: Vec<String> = self
            .seen
            .iter()
            .map(|r| r.text(&self.config).to_string())
            .collect();
        lines.join("\n")
    }

    /// Waits (at most `within`) for the first record after those already seen that
    /// matches; panics with the whole transcript otherwise.
    pub async fn until(
        &mut self,
        what: &str,
        within: Duration,
        pred: impl Fn(&Record) -> bool,
    ) -> Record {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.records.recv()).await {
                Ok(Some(record)) => {
                    self.seen.push(record.clone());
                    if pred(&record) {
                        return record;
                    }
                }
                Ok(None) => panic!("the driver stopped before {what}:\n{}", self.transcript()),
                Err(_) => panic!("no {what} within {within:?}:\n{}", self.transcript()),
            }
        }
    }

    pub async fn shutdown(mut self) -> Vec<Record> {
        self.control
            .send(Control::Shutdown)
            .await
            .expect("driver alive");
        let result = tokio::time::timeout(Duration::from_secs(2), self.task)
            .await
            .expect("the driver returns promptly after Shutdown")
            .expect("the driver task did not panic");
        assert_eq!(result, Ok(()));
        while let Ok(record) = self.records.try_recv() {
            self.seen.push(record);
        }
        self.seen
    }
}

pub fn connected(link: LinkId) -> impl Fn(&Record) -> bool {
    move |r| matches!(r, Record::Action { action: Action::NotifyClients(ClientEvent::LinkConnected { link: l }), .. } if *l == link)
}

pub fn disconnected(link: LinkId) -> impl Fn(&Record) -> bool {
    move |r| matches!(r, Record::Action { action: Action::NotifyClients(ClientEvent::LinkDisconnected { link: l, .. }), .. } if *l == link)
}

pub fn selected_log(records: &[Record], link: LinkId) -> Option<i32> {
    records.iter().find_map(|r| match r {
        Record::Action {
            action: Action::Log(LogRecord::LinkSelected { link: l, priority }),
            ..
        } if *l == link => Some(*priority),
        _ => None,
    })
}

pub fn secs(from: Instant, to: Instant) -> f64 {
    to.saturating_duration_since(from).as_secs_f64()
}
