//! The running simulation: one journal for the whole process, the [`Run`] of the scenario
//! that is loaded now, and the firing of planned events as simulated time reaches them.
//!
//! This is where the parts meet: a run is assembled here from the scenario (store, event
//! queue, webhooks, the three network engines), events fire here with the run's
//! [`Context`](crate::runtime::Context), and the answers of the two background senders
//! (webhook requests, SDI's SOAP calls) are applied here to the run they belong to.

mod driver;
mod run;

use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::{Notify, mpsc};

use crate::clock::ClockError;
use crate::journal::{Journal, Record};
use crate::networks::sdi::{Outbox, OutboxJob as SdiJob, OutboxQueue, Reply as SdiReply};
use crate::scenario::Scenario;
use crate::vocabulary::TenantId;
use crate::webhooks::{Answer, Job, JobQueue, JobSender, Webhooks};

pub(crate) use driver::{drive, spawn_sdi_outbox, spawn_webhook_sender};
pub use run::Overrides;
pub(crate) use run::Run;

/// How much the current run holds, for memory measurements: what grows with use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Holdings {
    /// The tenant's documents in the store.
    pub documents: usize,
    /// Events planned and not yet fired, all tenants.
    pub pending_events: usize,
    /// Idempotency keys the tenant's store still remembers.
    pub idempotency_keys: usize,
}

/// What an advance did, as the control API reports it.
#[derive(Debug, Clone, Serialize)]
pub struct Advanced {
    pub from: Timestamp,
    pub to: Timestamp,
    pub events_fired: usize,
}

#[derive(Debug)]
pub struct Simulation {
    pub journal: Journal,
    overrides: Overrides,
    run: RwLock<Arc<Run>>,
    /// Wakes the driver when a new run replaces the one it is watching.
    pub(crate) run_changed: Notify,
    /// Where every run's webhook requests go, and the other end for the sender task.
    jobs: JobSender,
    webhook_queue: Mutex<Option<JobQueue>>,
    /// SOAP calls SDI makes, for every run, and the other end for the outbox task.
    sdi_outbox: Outbox,
    sdi_queue: Mutex<Option<OutboxQueue>>,
}

impl Simulation {
    pub fn new(scenario: Scenario, origin: String, overrides: Overrides, journal: Journal) -> Self {
        let (jobs, webhook_queue) = mpsc::unbounded_channel();
        let (sdi_outbox, sdi_queue) = Outbox::new();
        let run = Run::new(
            Arc::new(scenario),
            origin,
            &overrides,
            journal.clone(),
            &jobs,
            &sdi_outbox,
        );
        let simulation = Simulation {
            journal,
            overrides,
            run: RwLock::new(Arc::new(run)),
            run_changed: Notify::new(),
            jobs,
            webhook_queue: Mutex::new(Some(webhook_queue)),
            sdi_outbox,
            sdi_queue: Mutex::new(Some(sdi_queue)),
        };
        simulation.note_run("scenario loaded");
        simulation
    }

    /// The current run. Holders of an old run keep a consistent view of it, but nothing
    /// they plan there will fire after a reset.
    pub(crate) fn run(&self) -> Arc<Run> {
        self.run
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How much the current run holds for `tenant` (and in all, for planned events).
    pub fn holdings(&self, tenant: &TenantId) -> Holdings {
        let run = self.run();
        Holdings {
            documents: run.store.ledger.count(tenant),
            pending_events: run.events.pending(),
            idempotency_keys: run.store.ledger.idempotency_keys(tenant),
        }
    }

    /// When the next planned event of the current run is due, if any.
    pub fn next_event_at(&self) -> Option<Timestamp> {
        self.run().events.next_due_at()
    }

    /// Replaces the scenario and starts a fresh run of it.
    pub fn load(&self, scenario: Scenario, origin: String) {
        self.replace(self.new_run(Arc::new(scenario), origin));
        self.note_run("scenario loaded");
    }

    /// Starts the current scenario again from the beginning: fresh clock, empty store and
    /// event queue.
    pub fn reset(&self) {
        let current = self.run();
        self.replace(self.new_run(current.scenario.clone(), current.origin.clone()));
        self.note_run("reset");
    }

    fn new_run(&self, scenario: Arc<Scenario>, origin: String) -> Run {
        Run::new(
            scenario,
            origin,
            &self.overrides,
            self.journal.clone(),
            &self.jobs,
            &self.sdi_outbox,
        )
    }

    /// The SDI SOAP call queue, for the one outbox task that drains it.
    pub(crate) fn take_sdi_queue(&self) -> Option<OutboxQueue> {
        self.sdi_queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Judges the answer to a webhook request against the run that is current now: dropped
    /// when the run that sent it was replaced in the meantime.
    pub(crate) fn webhook_answered(&self, webhooks: &Arc<Webhooks>, job: &Job, answer: &Answer) {
        let run = self.run();
        if Arc::ptr_eq(&run.webhooks, webhooks) {
            crate::webhooks::finish(webhooks, &run.context_now(), job, answer);
        }
    }

    /// Applies the reply to one of SDI's SOAP calls to the run that is current now.
    pub(crate) fn sdi_answered(&self, job: SdiJob, reply: SdiReply) {
        let run = self.run();
        crate::networks::sdi::apply_reply(&run.sdi, &run.context_now(), job, reply);
    }

    /// The outbox every run's SDI sends through.
    pub(crate) fn sdi_outbox(&self) -> Outbox {
        self.sdi_outbox.clone()
    }

    /// The webhook request queue, for the one sender task that drains it.
    pub(crate) fn take_webhook_queue(&self) -> Option<JobQueue> {
        self.webhook_queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    fn replace(&self, run: Run) {
        *self.run.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(run);
        self.run_changed.notify_one();
    }

    fn note_run(&self, what: &str) {
        let run = self.run();
        self.journal.append(
            run.clock.now(),
            None,
            Record::Simulator {
                message: format!(
                    "{what}: {} from {} (clock {}, seed {})",
                    run.scenario.name,
                    run.origin,
                    run.clock.mode(),
                    run.seed
                ),
            },
        );
    }

    /// Moves the clock forward by `by`, firing every event that falls due on the way at its
    /// own instant, so a lifecycle step planned "2 minutes after delivery" lands 2 minutes
    /// after the delivery event, not 2 minutes after the end of the jump.
    pub fn advance(&self, by: Duration) -> Result<Advanced, ClockError> {
        let run = self.run();
        let from = run.clock.now();
        let to = from.checked_add(by).map_err(|_| ClockError::Overflow)?;
        self.advance_run_to(&run, from, to)
    }

    pub fn advance_to(&self, to: Timestamp) -> Result<Advanced, ClockError> {
        let run = self.run();
        let from = run.clock.now();
        if to < from {
            return Err(ClockError::Backwards {
                now: from,
                requested: to,
            });
        }
        self.advance_run_to(&run, from, to)
    }

    fn advance_run_to(
        &self,
        run: &Run,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Advanced, ClockError> {
        let events_fired = fire_due(run, to);
        // Real and scaled clocks keep running while events fire; never move them back.
        if to > run.clock.now() {
            run.clock.advance_to(to)?;
        }
        self.journal.append(
            run.clock.now(),
            None,
            Record::Simulator {
                message: format!("clock advanced from {from} to {to}; {events_fired} events fired"),
            },
        );
        Ok(Advanced {
            from,
            to,
            events_fired,
        })
    }
}

/// Runs, in order, every event of `run` due at or before `until`, stepping the clock to each
/// event's instant first. Returns how many ran.
pub(crate) fn fire_due(run: &Run, until: Timestamp) -> usize {
    let _one_at_a_time = run.firing();
    let mut fired = 0;
    while let Some(at) = run.events.next_due_at() {
        if at > until {
            break;
        }
        if at > run.clock.now() && run.clock.advance_to(at).is_err() {
            break;
        }
        let Some(due) = run.events.pop_due(run.clock.now()) else {
            break;
        };
        run.journal().append(
            due.at,
            None,
            Record::EventFired {
                event_id: due.id.get(),
                label: due.event.label.clone(),
                due_at: due.at,
            },
        );
        due.event.run(&run.context(due.at));
        fired += 1;
    }
    fired
}
