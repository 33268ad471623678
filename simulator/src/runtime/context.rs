//! The context every event and engine call receives.

use std::fmt;

use jiff::Timestamp;

use super::event_queue::EventQueue;
use crate::clock::Clock;
use crate::faults::FaultPlan;
use crate::journal::Journal;
use crate::scenario::Scenario;
use crate::store::{DocumentChange, Store};
use crate::vocabulary::TenantId;

/// Where news of a document's change goes. The webhooks layer implements it; the context
/// carries it so that the lifecycle and the network engines announce changes without knowing
/// how they are delivered (and without importing the layer that delivers them).
pub(crate) trait Publisher: Send + Sync + fmt::Debug {
    /// Raises the webhook events of one document change, at `ctx.now`.
    fn document_changed(&self, ctx: &Context<'_>, tenant: &TenantId, change: &DocumentChange);
}

/// One run's shared parts, as of one simulated instant.
///
/// Built by the running simulation for each request and each fired event, so it is cheap: a
/// handful of references and the instant.
#[derive(Clone, Copy)]
pub(crate) struct Context<'a> {
    /// The simulated instant: an event's due time while it runs (the clock reads the same),
    /// or the clock's reading when a request arrived.
    pub now: Timestamp,
    /// The run's seed; every random choice is drawn from it, so a run replays.
    pub seed: u64,
    pub scenario: &'a Scenario,
    pub clock: &'a Clock,
    pub store: &'a Store,
    /// Where lifecycles plan their next steps.
    pub events: &'a EventQueue,
    pub journal: &'a Journal,
    /// The scenario's faults placed on this run's clock.
    pub faults: &'a FaultPlan,
    pub webhooks: &'a dyn Publisher,
}

impl fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("now", &self.now)
            .field("seed", &self.seed)
            .field("scenario", &self.scenario.name)
            .finish_non_exhaustive()
    }
}

impl<'a> Context<'a> {
    /// The same run at another instant (an event planned for later, a step held by an outage).
    pub(crate) fn at(&self, now: Timestamp) -> Context<'a> {
        Context { now, ..*self }
    }
}
