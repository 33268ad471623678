//! The running simulation: one journal for the whole process, and an [`Epoch`] per scenario
//! run.
//!
//! Loading a scenario or resetting starts a new epoch: a fresh clock, store and agenda built
//! from the scenario, so nothing planned in the old run can fire into the new one. The journal
//! outlives epochs because it is the record of everything, resets included.

use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::{Notify, mpsc};

use crate::agenda::{Agenda, EventContext};
use crate::clock::{Clock, ClockError, ClockMode};
use crate::faults::Faults;
use crate::gateway::{AccessTokens, DEFAULT_TOKEN_TTL};
use crate::journal::{Journal, Record};
use crate::limits::Throttle;
use crate::networks::ksef::Ksef;
use crate::networks::peppol::Peppol;
use crate::networks::sdi::{JobQueue as SdiQueue, Outbox, Sdi};
use crate::scenario::Scenario;
use crate::store::Store;
use crate::webhooks::{Hub, JobQueue, JobSender};

/// Settings that override the scenario for a whole process (`eisim serve --clock ...`).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub clock: Option<ClockMode>,
    pub auto_advance: Option<bool>,
    pub seed: Option<u64>,
}

/// One scenario run.
#[derive(Debug)]
pub struct Epoch {
    pub scenario: Arc<Scenario>,
    /// Where the scenario came from (a path, `<embedded default>`, `<request body>`).
    pub origin: String,
    pub seed: u64,
    pub clock: Clock,
    pub store: Store,
    pub agenda: Agenda,
    /// Access tokens issued by the gateway in this run; a reset invalidates them all.
    pub(crate) tokens: AccessTokens,
    /// Lifetime of gateway access tokens: `limits.token_ttl`, or the providers' 60 minutes.
    pub token_ttl: Duration,
    /// Rate limits and duplicate throttling with their counters.
    pub throttle: Throttle,
    /// Webhook endpoints, ERP callbacks and their deliveries.
    pub webhooks: Arc<Hub>,
    /// The KSeF API's keys, authentications, sessions and invoices in this run.
    pub ksef: Ksef,
    /// SDI's files, their messages and the integrator's SDICoop channel in this run.
    pub sdi: Sdi,
    /// Peppol's registrations, transmissions and the messages about them in this run.
    pub peppol: Peppol,
    /// The scenario's faults placed on this run's clock, with their rate counters.
    pub(crate) faults: Faults,
    /// Held while due events run so they run one at a time, in order, even when the driver
    /// and an explicit advance both reach for them.
    firing: Mutex<()>,
}

impl Epoch {
    fn new(
        scenario: Arc<Scenario>,
        origin: String,
        overrides: &Overrides,
        jobs: &JobSender,
        sdi_outbox: &Outbox,
    ) -> Self {
        let mode = overrides.clock.unwrap_or(scenario.clock.mode);
        let clock = Clock::new(mode, scenario.clock.start);
        // Auto-advance only means something to a virtual clock; a scenario asking for it is
        // still runnable with `--clock real`, it just waits for real time.
        let auto_advance = overrides
            .auto_advance
            .unwrap_or(scenario.clock.auto_advance);
        clock.set_auto_advance(auto_advance && mode == ClockMode::Virtual);
        let seed = overrides.seed.unwrap_or(scenario.seed);
        let epoch = Epoch {
            seed,
            faults: Faults::new(&scenario.faults, clock.start(), seed),
            webhooks: Arc::new(Hub::new(scenario.webhooks.clone(), seed, jobs.clone())),
            store: Store::from_scenario(&scenario),
            ksef: Ksef::new(&scenario, seed, clock.now()),
            sdi: Sdi::new(&scenario, seed, clock.now(), sdi_outbox.clone()),
            peppol: Peppol::new(&scenario, clock.now()),
            agenda: Agenda::new(),
            tokens: AccessTokens::default(),
            token_ttl: scenario
                .limits
                .token_ttl
                .map_or(DEFAULT_TOKEN_TTL, |ttl| ttl.as_std()),
            throttle: Throttle::from_limits(&scenario.limits),
            firing: Mutex::new(()),
            clock,
            origin,
            scenario,
        };
        crate::networks::sdi::plan_inbound(&epoch);
        crate::networks::peppol::plan_inbound(&epoch);
        epoch
    }
}

/// What an advance did, as the control API reports it.
#[derive(Debug, Clone, Serialize)]
pub struct Advanced {
    pub from: Timestamp,
    pub to: Timestamp,
    pub events_fired: usize,
}

#[derive(Debug)]
pub struct World {
    pub journal: Journal,
    overrides: Overrides,
    epoch: RwLock<Arc<Epoch>>,
    /// Wakes the driver when a new epoch replaces the one it is watching.
    pub(crate) epoch_changed: Notify,
    /// Where every run's webhook requests go, and the other end for the sender task.
    jobs: JobSender,
    /// SOAP calls SDI makes, for every run, and the other end for the outbox task.
    sdi_outbox: Outbox,
    sdi_queue: Mutex<Option<SdiQueue>>,
    queue: Mutex<Option<JobQueue>>,
}

impl World {
    pub fn new(scenario: Scenario, origin: String, overrides: Overrides, journal: Journal) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel();
        let (sdi_outbox, sdi_queue) = Outbox::new();
        let epoch = Epoch::new(Arc::new(scenario), origin, &overrides, &jobs, &sdi_outbox);
        let world = World {
            journal,
            overrides,
            epoch: RwLock::new(Arc::new(epoch)),
            epoch_changed: Notify::new(),
            jobs,
            queue: Mutex::new(Some(queue)),
            sdi_outbox,
            sdi_queue: Mutex::new(Some(sdi_queue)),
        };
        world.note_epoch("scenario loaded");
        world
    }

    /// The current run. Holders of an old epoch keep a consistent view of it, but nothing
    /// they plan there will fire after a reset.
    pub fn epoch(&self) -> Arc<Epoch> {
        self.epoch
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the scenario and starts a fresh run of it.
    pub fn load(&self, scenario: Scenario, origin: String) {
        self.replace(Epoch::new(
            Arc::new(scenario),
            origin,
            &self.overrides,
            &self.jobs,
            &self.sdi_outbox,
        ));
        self.note_epoch("scenario loaded");
    }

    /// Starts the current scenario again from the beginning: fresh clock, empty store and
    /// agenda.
    pub fn reset(&self) {
        let current = self.epoch();
        self.replace(Epoch::new(
            current.scenario.clone(),
            current.origin.clone(),
            &self.overrides,
            &self.jobs,
            &self.sdi_outbox,
        ));
        self.note_epoch("reset");
    }

    /// The SDI SOAP call queue, for the one outbox task that drains it.
    pub(crate) fn take_sdi_queue(&self) -> Option<SdiQueue> {
        self.sdi_queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// The webhook request queue, for the one sender task that drains it.
    pub(crate) fn take_webhook_queue(&self) -> Option<JobQueue> {
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    fn replace(&self, epoch: Epoch) {
        *self.epoch.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(epoch);
        self.epoch_changed.notify_one();
    }

    fn note_epoch(&self, what: &str) {
        let epoch = self.epoch();
        self.journal.append(
            epoch.clock.now(),
            None,
            Record::Simulator {
                message: format!(
                    "{what}: {} from {} (clock {}, seed {})",
                    epoch.scenario.name,
                    epoch.origin,
                    epoch.clock.mode(),
                    epoch.seed
                ),
            },
        );
    }

    /// Moves the clock forward by `by`, firing every event that falls due on the way at its
    /// own instant, so a lifecycle step planned "2 minutes after delivery" lands 2 minutes
    /// after the delivery event, not 2 minutes after the end of the jump.
    pub fn advance(&self, by: Duration) -> Result<Advanced, ClockError> {
        let epoch = self.epoch();
        let from = epoch.clock.now();
        let to = from.checked_add(by).map_err(|_| ClockError::Overflow)?;
        self.advance_epoch_to(&epoch, from, to)
    }

    pub fn advance_to(&self, to: Timestamp) -> Result<Advanced, ClockError> {
        let epoch = self.epoch();
        let from = epoch.clock.now();
        if to < from {
            return Err(ClockError::Backwards {
                now: from,
                requested: to,
            });
        }
        self.advance_epoch_to(&epoch, from, to)
    }

    fn advance_epoch_to(
        &self,
        epoch: &Epoch,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Advanced, ClockError> {
        let events_fired = self.fire_due(epoch, to);
        // Real and scaled clocks keep running while events fire; never move them back.
        if to > epoch.clock.now() {
            epoch.clock.advance_to(to)?;
        }
        self.journal.append(
            epoch.clock.now(),
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

    /// Runs, in order, every event due at or before `until`, stepping the clock to each
    /// event's instant first. Returns how many ran.
    pub(crate) fn fire_due(&self, epoch: &Epoch, until: Timestamp) -> usize {
        let _one_at_a_time = epoch.firing.lock().unwrap_or_else(PoisonError::into_inner);
        let mut fired = 0;
        while let Some(at) = epoch.agenda.next_due_at() {
            if at > until {
                break;
            }
            if at > epoch.clock.now() && epoch.clock.advance_to(at).is_err() {
                break;
            }
            let Some(due) = epoch.agenda.pop_due(epoch.clock.now()) else {
                break;
            };
            self.journal.append(
                due.at,
                None,
                Record::EventFired {
                    event_id: due.id.get(),
                    label: due.event.label.clone(),
                    due_at: due.at,
                },
            );
            let context = EventContext {
                now: due.at,
                epoch,
                journal: &self.journal,
            };
            due.event.run(&context);
            fired += 1;
        }
        fired
    }
}

/// Fires events as their time comes, for as long as the simulator runs.
///
/// Real and scaled clocks: sleep (in wall time) until the next event is due. Virtual clock:
/// wait for someone to advance it, or with auto-advance jump straight to the next event.
pub(crate) async fn drive(world: Arc<World>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let epoch = world.epoch();
        let next = epoch.agenda.next_due_at();
        if let Some(at) = next {
            if at <= epoch.clock.now() {
                world.fire_due(&epoch, epoch.clock.now());
                tokio::task::yield_now().await;
                continue;
            }
            if epoch.clock.mode() == ClockMode::Virtual && epoch.clock.auto_advance() {
                let _ = world.advance_epoch_to(&epoch, epoch.clock.now(), at);
                tokio::task::yield_now().await;
                continue;
            }
        }
        let due = async {
            match next {
                Some(at) => epoch.clock.sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            _ = world.epoch_changed.notified() => {}
            _ = epoch.agenda.planned.notified() => {}
            _ = due => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::{oneshot, watch};

    fn world(mode: ClockMode) -> Arc<World> {
        let scenario = crate::scenario::default_scenario().unwrap();
        let overrides = Overrides {
            clock: Some(mode),
            ..Overrides::default()
        };
        Arc::new(World::new(
            scenario,
            "test".into(),
            overrides,
            Journal::default(),
        ))
    }

    /// Plans one event `after` from now and returns the simulated instant it fired at and
    /// the (paused, so exact) tokio time it took.
    async fn fire_one(world: &Arc<World>, after: Duration) -> (Timestamp, Timestamp, Duration) {
        let (_stop, stopped) = watch::channel(false);
        let driver = tokio::spawn(drive(world.clone(), stopped));
        let epoch = world.epoch();
        let due = epoch.clock.now().checked_add(after).unwrap();
        let (tx, rx) = oneshot::channel();
        epoch.agenda.schedule(due, "test event", move |ctx| {
            let _ = tx.send(ctx.now);
        });
        let wall = tokio::time::Instant::now();
        let fired_at = rx.await.unwrap();
        driver.abort();
        (due, fired_at, wall.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn on_a_scaled_clock_an_hour_passes_in_a_minute_of_wall_time() {
        let world = world(ClockMode::Scaled(60.0));
        let (due, fired_at, waited) = fire_one(&world, Duration::from_secs(3600)).await;
        assert_eq!(fired_at, due);
        assert!(world.epoch().clock.now() >= due);
        assert!(
            waited >= Duration::from_secs(60) && waited < Duration::from_secs(61),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn on_a_real_clock_events_wait_for_real_time() {
        let world = world(ClockMode::Real);
        let (due, fired_at, waited) = fire_one(&world, Duration::from_secs(5)).await;
        assert_eq!(fired_at, due);
        assert!(
            waited >= Duration::from_secs(5) && waited < Duration::from_secs(6),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_advance_of_a_real_clock_fires_what_it_jumps_over() {
        let world = world(ClockMode::Real);
        let epoch = world.epoch();
        let (tx, mut rx) = oneshot::channel();
        epoch.agenda.schedule(
            epoch
                .clock
                .now()
                .checked_add(Duration::from_secs(86_400))
                .unwrap(),
            "tomorrow",
            move |ctx| {
                let _ = tx.send(ctx.now);
            },
        );
        let report = world.advance(Duration::from_secs(2 * 86_400)).unwrap();
        assert_eq!(report.events_fired, 1);
        assert!(rx.try_recv().is_ok());
    }

    #[test]
    fn the_journal_records_each_fired_event_with_its_due_time() {
        let world = world(ClockMode::Virtual);
        let epoch = world.epoch();
        let start = epoch.clock.now();
        for minutes in [5u64, 1, 3] {
            epoch.agenda.schedule(
                start
                    .checked_add(Duration::from_secs(60 * minutes))
                    .unwrap(),
                format!("after {minutes}m"),
                |_| {},
            );
        }
        world.advance(Duration::from_secs(600)).unwrap();
        let fired: Vec<(String, Timestamp)> = world
            .journal
            .query(&crate::journal::JournalQuery {
                kind: Some(crate::journal::RecordKind::EventFired),
                ..Default::default()
            })
            .into_iter()
            .filter_map(|entry| match entry.record {
                Record::EventFired { label, due_at, .. } => Some((label, due_at)),
                _ => None,
            })
            .collect();
        let minute = |m: u64| start.checked_add(Duration::from_secs(60 * m)).unwrap();
        assert_eq!(
            fired,
            vec![
                ("after 1m".to_string(), minute(1)),
                ("after 3m".to_string(), minute(3)),
                ("after 5m".to_string(), minute(5)),
            ]
        );
    }
}
