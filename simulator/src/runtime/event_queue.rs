//! The run's pending events: what the networks will do, and when.
//!
//! Network lifecycles never sleep; they plan. "SDI sends the RicevutaConsegna two minutes from
//! now" becomes an [`EventQueue`] entry due at a simulated instant, and the running simulation
//! fires it when the clock gets there, whether that is in two real minutes, in two seconds at `scaled:60`, or at
//! once when a test advances a virtual clock. The ordering guarantees (time, then insertion
//! order; exactly once; never early) come from [`Scheduler`]; this wrapper adds the sharing,
//! the labels the journal shows, and the wake-up the driver waits on.

use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use jiff::Timestamp;
use tokio::sync::Notify;

use super::context::Context;
use crate::scheduler::{Due, EventId, Scheduler};

type Action = Box<dyn FnOnce(&Context<'_>) + Send>;

/// An event waiting in the queue.
pub(crate) struct PlannedEvent {
    /// Shown in the journal when the event fires, e.g. `sdi: RC for IT01234567890_00001.xml`.
    pub label: String,
    action: Action,
}

impl fmt::Debug for PlannedEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlannedEvent")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl PlannedEvent {
    pub(crate) fn run(self, context: &Context<'_>) {
        (self.action)(context);
    }
}

#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    queue: Mutex<Scheduler<PlannedEvent>>,
    /// Wakes the driver when an event is planned, since it may be earlier than what the
    /// driver is sleeping towards.
    pub(crate) planned: Notify,
}

impl EventQueue {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn queue(&self) -> MutexGuard<'_, Scheduler<PlannedEvent>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Plans `action` to run when the simulated clock reaches `at`.
    pub(crate) fn schedule(
        &self,
        at: Timestamp,
        label: impl Into<String>,
        action: impl FnOnce(&Context<'_>) + Send + 'static,
    ) -> EventId {
        let id = self.queue().schedule(
            at,
            PlannedEvent {
                label: label.into(),
                action: Box::new(action),
            },
        );
        self.planned.notify_one();
        id
    }

    /// Withdraws a planned event; false if it already fired or never existed.
    pub(crate) fn cancel(&self, id: EventId) -> bool {
        self.queue().cancel(id).is_some()
    }

    pub(crate) fn next_due_at(&self) -> Option<Timestamp> {
        self.queue().next_due_at()
    }

    pub(crate) fn pending(&self) -> usize {
        self.queue().len()
    }

    pub(crate) fn pop_due(&self, now: Timestamp) -> Option<Due<PlannedEvent>> {
        self.queue().pop_due(now)
    }
}
