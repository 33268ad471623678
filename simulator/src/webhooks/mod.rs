//! Webhooks and ERP callbacks: subscriptions, signing, and at-least-once delivery with
//! retries on the simulator clock.
//!
//! The pieces: [`Webhooks`] keeps each tenant's endpoints and deliveries for one run; `publish`
//! turns document changes into events; `delivery` plans attempts on the event queue, decides the
//! injected faults and judges answers; `sender` is the background task that makes the HTTP
//! requests (signed at the real send instant) and reports back. A reset starts new webhooks, and
//! answers to requests of an old run are dropped.

mod delivery;
mod endpoint;
mod event;
mod publish;
mod sender;
mod signing;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{Notify, mpsc};

use crate::scenario::WebhookPolicy;
use crate::scheduler::EventId;
use crate::vocabulary::TenantId;

pub(crate) use delivery::Delivery;
pub(crate) use delivery::{RedeliveryError, enable, finish, redeliver, send_test};
pub(crate) use endpoint::{Dialect, Endpoint, Target};
pub(crate) use event::EventType;
pub(crate) use publish::publish_submission;
pub use sender::CONCURRENCY as SENDER_CONCURRENCY;
pub(crate) use sender::run as run_sender;
pub(crate) use sender::{Answer, Job};
pub(crate) use signing::Secret;

/// The sender's queue: each request with the run's webhooks it belongs to.
pub(crate) type JobSender = mpsc::UnboundedSender<(Job, Arc<Webhooks>)>;
pub(crate) type JobQueue = mpsc::UnboundedReceiver<(Job, Arc<Webhooks>)>;

/// One run's webhooks: every tenant's endpoints, callbacks and deliveries.
#[derive(Debug)]
pub(crate) struct Webhooks {
    pub(crate) policy: WebhookPolicy,
    pub(crate) seed: u64,
    tenants: Mutex<HashMap<TenantId, TenantWebhooks>>,
    minted: AtomicU64,
    jobs: JobSender,
    in_flight: AtomicUsize,
    idle: Notify,
}

/// One tenant's endpoints and deliveries.
#[derive(Debug, Default)]
pub(crate) struct TenantWebhooks {
    pub(crate) endpoints: BTreeMap<String, Endpoint>,
    /// Keyed by creation sequence, so listings come out oldest first.
    pub(crate) deliveries: BTreeMap<u64, Delivery>,
    pub(crate) by_event: HashMap<(String, String), u64>,
    /// Per (endpoint, document): a delivery held back to be sent after the next one.
    pub(crate) held: HashMap<(String, String), (u64, EventId)>,
    /// Events so far per document, for the payload's `sequence`.
    pub(crate) sequences: HashMap<String, u64>,
    pub(crate) next_seq: u64,
}

impl Webhooks {
    pub(crate) fn new(policy: WebhookPolicy, seed: u64, jobs: JobSender) -> Self {
        Webhooks {
            policy,
            seed,
            tenants: Mutex::new(HashMap::new()),
            minted: AtomicU64::new(0),
            jobs,
            in_flight: AtomicUsize::new(0),
            idle: Notify::new(),
        }
    }

    pub(crate) fn tenants(&self) -> MutexGuard<'_, HashMap<TenantId, TenantWebhooks>> {
        self.tenants.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new id such as `evt_3f9a0c1d2e4b5a697887`, fixed by the seed and a counter.
    pub(crate) fn mint(&self, prefix: &str) -> String {
        let n = self.minted.fetch_add(1, Ordering::Relaxed);
        let digest = crate::digest::sha256_hex(format!("{}:{prefix}:{n}", self.seed).as_bytes());
        format!("{prefix}_{}", digest.get(..20).unwrap_or(&digest))
    }

    pub(crate) fn endpoints(&self, tenant: &TenantId) -> Vec<Endpoint> {
        self.tenants()
            .get(tenant)
            .map(|tenant_webhooks| tenant_webhooks.endpoints.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Whether any endpoint of `tenant` subscribes to `event_type`.
    pub(crate) fn wanted(&self, tenant: &TenantId, event_type: EventType) -> bool {
        self.tenants().get(tenant).is_some_and(|tenant_webhooks| {
            tenant_webhooks
                .endpoints
                .values()
                .any(|e| e.wants(event_type))
        })
    }

    pub(crate) fn endpoint(&self, tenant: &TenantId, id: &str) -> Option<Endpoint> {
        self.tenants().get(tenant)?.endpoints.get(id).cloned()
    }

    pub(crate) fn insert_endpoint(&self, endpoint: Endpoint) {
        self.tenants()
            .entry(endpoint.tenant.clone())
            .or_default()
            .endpoints
            .insert(endpoint.id.clone(), endpoint);
    }

    /// Removes an endpoint; its pending deliveries end as failed, so nothing is left due.
    pub(crate) fn remove_endpoint(
        &self,
        tenant: &TenantId,
        id: &str,
        events: &crate::runtime::EventQueue,
    ) -> Option<Endpoint> {
        let mut tenants = self.tenants();
        let tenant_webhooks = tenants.get_mut(tenant)?;
        let endpoint = tenant_webhooks.endpoints.remove(id)?;
        delivery::fail_pending(tenant_webhooks, id, "endpoint deleted", events);
        Some(endpoint)
    }

    /// Runs `change` on an endpoint of `tenant`, returning what it returns.
    pub(crate) fn with_endpoint<R>(
        &self,
        tenant: &TenantId,
        id: &str,
        change: impl FnOnce(&mut Endpoint) -> R,
    ) -> Option<R> {
        self.tenants()
            .get_mut(tenant)?
            .endpoints
            .get_mut(id)
            .map(change)
    }

    /// The deliveries to one endpoint, oldest first.
    pub(crate) fn deliveries(&self, tenant: &TenantId, endpoint_id: &str) -> Vec<Delivery> {
        self.tenants()
            .get(tenant)
            .map(|tenant_webhooks| {
                tenant_webhooks
                    .deliveries
                    .values()
                    .filter(|d| d.endpoint_id == endpoint_id)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Requests handed to the sender and not yet answered.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Waits until every request handed to the sender has been answered and judged.
    pub(crate) async fn settled(&self) {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.in_flight() == 0 {
                return;
            }
            notified.await;
        }
    }

    pub(crate) fn send(self: &Arc<Self>, job: Job) {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        if self.jobs.send((job, self.clone())).is_err() {
            // No sender task (an app built without a simulator): nothing will answer.
            self.done();
        }
    }

    pub(crate) fn done(&self) {
        if self.in_flight.fetch_sub(1, Ordering::SeqCst) <= 1 {
            self.idle.notify_waiters();
        }
    }
}
