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
use tokio::sync::Notify;

use crate::agenda::{Agenda, EventContext};
use crate::clock::{Clock, ClockError, ClockMode};
use crate::journal::{Journal, Record};
use crate::scenario::{ClockModeSpec, Scenario};
use crate::store::Store;

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
    /// Held while due events run so they run one at a time, in order, even when the driver
    /// and an explicit advance both reach for them.
    firing: Mutex<()>,
}

impl Epoch {
    fn new(scenario: Arc<Scenario>, origin: String, overrides: &Overrides) -> Self {
        let mode = overrides
            .clock
            .unwrap_or_else(|| clock_mode(&scenario.clock.mode));
        let clock = Clock::new(mode, scenario.clock.start);
        clock.set_auto_advance(
            overrides
                .auto_advance
                .unwrap_or(scenario.clock.auto_advance),
        );
        Epoch {
            seed: overrides.seed.unwrap_or(scenario.seed),
            store: Store::from_scenario(&scenario),
            agenda: Agenda::new(),
            firing: Mutex::new(()),
            clock,
            origin,
            scenario,
        }
    }
}

fn clock_mode(spec: &ClockModeSpec) -> ClockMode {
    match spec {
        ClockModeSpec::Real => ClockMode::Real,
        ClockModeSpec::Virtual => ClockMode::Virtual,
        ClockModeSpec::Scaled(factor) => ClockMode::Scaled(*factor),
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
}

impl World {
    pub fn new(scenario: Scenario, origin: String, overrides: Overrides, journal: Journal) -> Self {
        let epoch = Epoch::new(Arc::new(scenario), origin, &overrides);
        let world = World {
            journal,
            overrides,
            epoch: RwLock::new(Arc::new(epoch)),
            epoch_changed: Notify::new(),
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
        self.replace(Epoch::new(Arc::new(scenario), origin, &self.overrides));
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
        ));
        self.note_epoch("reset");
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
