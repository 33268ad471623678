//! One scenario run: a fresh clock, store, event queue, webhooks and network engines built
//! from the scenario. Loading a scenario or resetting starts a new run, so nothing planned in
//! the old one can fire into the new one.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use jiff::Timestamp;

use crate::clock::{Clock, ClockMode};
use crate::faults::FaultPlan;
use crate::journal::Journal;
use crate::lifecycle::SubmitOptions;
use crate::limits::Throttle;
use crate::networks::ksef::Ksef;
use crate::networks::peppol::Peppol;
use crate::networks::sdi::{Outbox, Sdi};
use crate::runtime::{Context, EventQueue};
use crate::scenario::Scenario;
use crate::store::{AccessTokens, DEFAULT_TOKEN_TTL, DocumentRecord, Store};
use crate::vocabulary::{Network, TenantId};
use crate::webhooks::{JobSender, Webhooks};

/// Settings that override the scenario for a whole process (`eisim serve --clock ...`).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub clock: Option<ClockMode>,
    pub auto_advance: Option<bool>,
    pub seed: Option<u64>,
}

/// One scenario run.
#[derive(Debug)]
pub(crate) struct Run {
    pub scenario: Arc<Scenario>,
    /// Where the scenario came from (a path, `<embedded default>`, `<request body>`).
    pub origin: String,
    pub seed: u64,
    pub clock: Clock,
    pub store: Store,
    pub events: EventQueue,
    /// Access tokens issued by the gateway in this run; a reset invalidates them all.
    pub tokens: AccessTokens,
    /// Lifetime of gateway access tokens: `limits.token_ttl`, or the providers' 60 minutes.
    pub token_ttl: Duration,
    /// Rate limits and duplicate throttling with their counters.
    pub throttle: Throttle,
    /// Webhook endpoints, ERP callbacks and their deliveries.
    pub webhooks: Arc<Webhooks>,
    /// The KSeF API's keys, authentications, sessions and invoices in this run.
    pub ksef: Arc<Ksef>,
    /// SDI's files, their messages and the integrator's SDICoop channel in this run.
    pub sdi: Arc<Sdi>,
    /// Peppol's registrations, transmissions and the messages about them in this run.
    pub peppol: Arc<Peppol>,
    /// The scenario's faults placed on this run's clock, with their rate counters.
    pub faults: FaultPlan,
    /// The process's journal: runs come and go, the record of them stays.
    journal: Journal,
    /// Held while due events run so they run one at a time, in order, even when the driver
    /// and an explicit advance both reach for them.
    firing: Mutex<()>,
}

impl Run {
    pub(crate) fn new(
        scenario: Arc<Scenario>,
        origin: String,
        overrides: &Overrides,
        journal: Journal,
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
        let run = Run {
            seed,
            faults: FaultPlan::new(&scenario.faults, clock.start(), seed),
            webhooks: Arc::new(Webhooks::new(scenario.webhooks.clone(), seed, jobs.clone())),
            store: Store::from_scenario(&scenario),
            ksef: Arc::new(Ksef::new(&scenario, seed, clock.now())),
            sdi: Arc::new(Sdi::new(&scenario, seed, clock.now(), sdi_outbox.clone())),
            peppol: Arc::new(Peppol::new(&scenario, clock.now())),
            events: EventQueue::new(),
            tokens: AccessTokens::default(),
            token_ttl: scenario
                .limits
                .token_ttl
                .map_or(DEFAULT_TOKEN_TTL, |ttl| ttl.as_std()),
            throttle: Throttle::from_limits(&scenario.limits),
            firing: Mutex::new(()),
            journal,
            clock,
            origin,
            scenario,
        };
        let ctx = run.context(run.clock.now());
        run.sdi.plan_inbound(&ctx);
        run.peppol.plan_inbound(&ctx);
        run
    }

    /// The run's shared parts at the simulated instant `now`, for an engine or an event.
    pub(crate) fn context(&self, now: Timestamp) -> Context<'_> {
        Context {
            now,
            seed: self.seed,
            scenario: &self.scenario,
            clock: &self.clock,
            store: &self.store,
            events: &self.events,
            journal: &self.journal,
            faults: &self.faults,
            webhooks: &self.webhooks,
        }
    }

    /// The run's shared parts at the clock's current reading, for a request that just came in.
    pub(crate) fn context_now(&self) -> Context<'_> {
        self.context(self.clock.now())
    }

    /// Hands a document the gateway took in to its network's engine, which plans the rest of
    /// its life.
    pub(crate) fn submit(
        &self,
        ctx: &Context<'_>,
        tenant: &TenantId,
        doc: &DocumentRecord,
        options: &SubmitOptions,
    ) {
        match doc.network {
            Network::Peppol => self.peppol.submit(ctx, tenant, doc, options),
            Network::Sdi => self.sdi.submit(ctx, tenant, doc, options),
            Network::Ksef => self.ksef.submit(ctx, tenant, doc, options),
        }
    }

    /// Taken while due events run, so they run one at a time.
    pub(crate) fn firing(&self) -> MutexGuard<'_, ()> {
        self.firing.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn journal(&self) -> &Journal {
        &self.journal
    }
}
