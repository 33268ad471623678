//! At-least-once delivery: each (event, endpoint) pair is a [`Delivery`] that is attempted at
//! once, retried on the scenario's schedule on the simulator clock, and ends acknowledged or
//! failed, never silently dropped. This is also where the scenario's faults are drawn.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;

use super::endpoint::{Dialect, Endpoint, Target};
use super::event::{Event, EventType};
use super::sender::{Answer, Auth, Job};
use super::signing::Secret;
use super::{TenantWebhooks, Webhooks};
use crate::digest::unit_draw;
use crate::journal::{InjectedFault, Record, Verdict, WebhookAttempt};
use crate::runtime::{Context, EventQueue};
use crate::scheduler::EventId;
use crate::vocabulary::TenantId;

/// How long a delivery is held back for reordering when no later event overtakes it.
const HOLD_AT_MOST: Duration = Duration::from_secs(60);
/// How long after the overtaking event a held delivery follows.
const REORDER_GAP: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DeliveryStatus {
    /// Being attempted, or waiting for its next retry.
    Pending,
    /// The endpoint answered 2xx in time.
    Delivered,
    /// Given up: retries exhausted, endpoint disabled or deleted, or the receiver said stop.
    Failed,
}

/// One event on its way to one endpoint.
#[derive(Clone, Debug)]
pub(crate) struct Delivery {
    pub seq: u64,
    pub event: Arc<Event>,
    pub endpoint_id: String,
    pub status: DeliveryStatus,
    pub failure: Option<String>,
    /// Attempts made so far (duplicates and probes not counted).
    pub attempts: u32,
    pub last_status: Option<u16>,
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// The attempt a manual resend started from; the retry schedule restarts there.
    round_start: u32,
    planned: Option<EventId>,
}

/// Hands `event` to `endpoint`: attempted at once, or held back to be overtaken when the
/// scenario asks for reordering.
pub(crate) fn enqueue(
    webhooks: &Arc<Webhooks>,
    events: &EventQueue,
    tenant_webhooks: &mut TenantWebhooks,
    endpoint_id: &str,
    event: &Arc<Event>,
    now: Timestamp,
) {
    let Some(endpoint) = tenant_webhooks.endpoints.get(endpoint_id) else {
        return;
    };
    if matches!(
        endpoint.target,
        Target::Webhook {
            dialect: Dialect::Provider,
            ..
        }
    ) && event.event_type.in_everything()
        && !event.has_provider_body()
    {
        // The provider has no message for this change (a document just taken in has no
        // flow state yet), so its subscribers hear nothing, as they would from the provider.
        return;
    }
    let seq = tenant_webhooks.next_seq;
    tenant_webhooks.next_seq += 1;
    let mut delivery = Delivery {
        seq,
        event: event.clone(),
        endpoint_id: endpoint_id.to_owned(),
        status: DeliveryStatus::Pending,
        failure: None,
        attempts: 0,
        last_status: None,
        next_attempt_at: Some(now),
        created_at: now,
        round_start: 0,
        planned: None,
    };
    if !endpoint.enabled {
        delivery.status = DeliveryStatus::Failed;
        delivery.failure = Some("endpoint disabled; enable it and recover to send".into());
        delivery.next_attempt_at = None;
    }
    let enabled = endpoint.enabled;
    let tenant = endpoint.tenant.clone();
    tenant_webhooks
        .by_event
        .insert((endpoint_id.to_owned(), event.id.clone()), seq);
    tenant_webhooks.deliveries.insert(seq, delivery);
    if !enabled {
        return;
    }
    let hold_key = event
        .subject
        .clone()
        .map(|subject| (endpoint_id.to_owned(), subject));
    if let Some(key) = &hold_key {
        if let Some((held, planned)) = tenant_webhooks.held.remove(key) {
            // A held delivery waits for exactly this: the next event overtakes it, and the
            // held one follows a second later, after the newer one has gone out.
            events.cancel(planned);
            dispatch(webhooks, tenant_webhooks, seq, now, None);
            let tenant = tenant.clone();
            let at = now.checked_add(REORDER_GAP).unwrap_or(Timestamp::MAX);
            let owner = webhooks.clone();
            let planned = events.schedule(
                at,
                format!("webhook delivery {held} sent after a newer event overtook it"),
                move |ctx| {
                    release(
                        &owner,
                        &tenant,
                        held,
                        ctx.now,
                        Some(InjectedFault::Reordered),
                    )
                },
            );
            if let Some(d) = tenant_webhooks.deliveries.get_mut(&held) {
                d.planned = Some(planned);
                d.next_attempt_at = Some(at);
            }
            return;
        }
        if chance(
            webhooks,
            webhooks.policy.reorder_rate,
            "reorder",
            &event.id,
            endpoint_id,
        ) {
            let release_at = now.checked_add(HOLD_AT_MOST).unwrap_or(Timestamp::MAX);
            let key = key.clone();
            let release_key = key.clone();
            let owner = webhooks.clone();
            let planned = events.schedule(
                release_at,
                format!("webhook {} released after being held back", event.id),
                move |ctx| {
                    let webhooks = &owner;
                    let mut tenants = webhooks.tenants();
                    if let Some(tenant_webhooks) = tenants.get_mut(&tenant)
                        && let Some((seq, _)) = tenant_webhooks.held.remove(&release_key)
                    {
                        dispatch(webhooks, tenant_webhooks, seq, ctx.now, None);
                    }
                },
            );
            tenant_webhooks.held.insert(key, (seq, planned));
            if let Some(d) = tenant_webhooks.deliveries.get_mut(&seq) {
                d.next_attempt_at = Some(release_at);
            }
            return;
        }
    }
    dispatch(webhooks, tenant_webhooks, seq, now, None);
}

/// Sends delivery `seq` now, if it is still waiting.
fn release(
    webhooks: &Arc<Webhooks>,
    tenant: &TenantId,
    seq: u64,
    now: Timestamp,
    fault: Option<InjectedFault>,
) {
    let mut tenants = webhooks.tenants();
    if let Some(tenant_webhooks) = tenants.get_mut(tenant) {
        dispatch(webhooks, tenant_webhooks, seq, now, fault);
    }
}

/// Makes the next attempt of delivery `seq` now, with the probes the scenario asks for on
/// a first attempt.
fn dispatch(
    webhooks: &Arc<Webhooks>,
    tenant_webhooks: &mut TenantWebhooks,
    seq: u64,
    now: Timestamp,
    fault: Option<InjectedFault>,
) {
    let Some(delivery) = tenant_webhooks.deliveries.get_mut(&seq) else {
        return;
    };
    let Some(endpoint) = tenant_webhooks.endpoints.get(&delivery.endpoint_id) else {
        return;
    };
    if delivery.status != DeliveryStatus::Pending || !endpoint.enabled {
        return;
    }
    delivery.attempts += 1;
    delivery.planned = None;
    delivery.next_attempt_at = None;
    let attempt = delivery.attempts;
    let event = delivery.event.clone();
    let first = attempt == 1;
    let id = &event.id;
    let ep = endpoint.id.as_str();
    let send = |probe| {
        webhooks.send(request(
            webhooks, endpoint, &event, seq, attempt, now, probe,
        ))
    };
    if first && chance(webhooks, webhooks.policy.forged_rate, "forged", id, ep) {
        send(Probe::Forged(Secret::derive(
            webhooks.seed,
            &format!("forged:{id}:{ep}"),
        )));
    }
    if first
        && matches!(endpoint.target, Target::Webhook { .. })
        && chance(webhooks, webhooks.policy.stale_rate, "stale", id, ep)
    {
        send(Probe::Stale);
    }
    if first && chance(webhooks, webhooks.policy.timeout_rate, "timeout", id, ep) {
        send(Probe::InjectedTimeout);
    } else {
        send(Probe::Real(fault));
    }
}

/// What a request is for.
enum Probe {
    /// The delivery itself, possibly labelled with the fault that shaped it (reordering).
    Real(Option<InjectedFault>),
    /// The delivery, whose answer will be discarded as a timeout.
    InjectedTimeout,
    /// The event again after it was acknowledged.
    Duplicate,
    Forged(Secret),
    Stale,
}

fn request(
    webhooks: &Arc<Webhooks>,
    endpoint: &Endpoint,
    event: &Arc<Event>,
    seq: u64,
    attempt: u32,
    now: Timestamp,
    probe: Probe,
) -> Job {
    let (method, url) = endpoint.destination(event.event_type);
    let skew = match probe {
        Probe::Stale => {
            -i64::try_from(webhooks.policy.stale_by().as_std().as_secs()).unwrap_or(600)
        }
        _ => 0,
    };
    let secrets = match &probe {
        Probe::Forged(forged) => vec![forged.clone()],
        _ => endpoint.secrets_at(now),
    };
    let (auth, body) = match &endpoint.target {
        Target::Webhook { dialect, .. } => match dialect {
            Dialect::Standard | Dialect::Svix => (
                Auth::Standard {
                    svix: *dialect == Dialect::Svix,
                    secrets,
                    skew,
                },
                event.standard_body(),
            ),
            Dialect::Provider => (Auth::Provider { secrets, skew }, event.provider_body()),
        },
        Target::Callback { api_key, .. } => {
            let key = match &probe {
                Probe::Forged(forged) => forged.as_str().to_owned(),
                _ => api_key.clone(),
            };
            (Auth::ApiKey(key), event.callback_body())
        }
    };
    let (fault, counts) = match probe {
        Probe::Real(fault) => (fault, true),
        Probe::InjectedTimeout => (Some(InjectedFault::Timeout), true),
        Probe::Duplicate => (Some(InjectedFault::Duplicate), false),
        Probe::Forged(_) => (Some(InjectedFault::ForgedSignature), false),
        Probe::Stale => (Some(InjectedFault::StaleTimestamp), false),
    };
    Job {
        tenant: endpoint.tenant.clone(),
        endpoint_id: endpoint.id.clone(),
        seq,
        event_id: event.id.clone(),
        event_type: event.event_type,
        attempt,
        due_at: now,
        fault,
        counts,
        method,
        url,
        body: body.into(),
        auth,
        timeout: webhooks.policy.timeout().as_std(),
    }
}

/// True with the scenario's probability for this fault, event and endpoint.
fn chance(
    webhooks: &Arc<Webhooks>,
    rate: Option<crate::scenario::Probability>,
    fault: &str,
    event_id: &str,
    endpoint_id: &str,
) -> bool {
    rate.is_some_and(|p| {
        p.get() > 0.0
            && unit_draw(&format!(
                "{}:{fault}:{event_id}:{endpoint_id}",
                webhooks.seed
            )) < p.get()
    })
}

/// Judges an answer: journals it, and for a real attempt marks the delivery done, plans the
/// next retry, gives up, or disables the endpoint.
pub(crate) fn finish(webhooks: &Arc<Webhooks>, ctx: &Context<'_>, job: &Job, answer: &Answer) {
    let verdict = answer.verdict(job.fault == Some(InjectedFault::Timeout));
    ctx.journal.append(
        job.due_at,
        Some(job.tenant.clone()),
        Record::WebhookAttempt(WebhookAttempt {
            endpoint_id: job.endpoint_id.clone(),
            event_id: job.event_id.clone(),
            event_type: job.event_type.as_str().to_owned(),
            method: job.method.to_owned(),
            url: job.url.clone(),
            attempt: job.attempt,
            due_at: job.due_at,
            fault: job.fault,
            status: answer.status,
            latency_us: answer.latency_us,
            verdict,
            detail: answer.detail(job.fault == Some(InjectedFault::Timeout)),
        }),
    );
    if !job.counts {
        return;
    }
    let mut tenants = webhooks.tenants();
    let Some(tenant_webhooks) = tenants.get_mut(&job.tenant) else {
        return;
    };
    let Some(delivery) = tenant_webhooks.deliveries.get_mut(&job.seq) else {
        return;
    };
    if delivery.status != DeliveryStatus::Pending || delivery.attempts != job.attempt {
        return;
    }
    delivery.last_status = answer.status;
    if verdict == Verdict::Acknowledged {
        delivery.status = DeliveryStatus::Delivered;
        if let Some(endpoint) = tenant_webhooks.endpoints.get_mut(&job.endpoint_id) {
            endpoint.failing_since = None;
            if chance(
                webhooks,
                webhooks.policy.duplicate_rate,
                "duplicate",
                &job.event_id,
                &job.endpoint_id,
            ) {
                let event = delivery.event.clone();
                webhooks.send(request(
                    webhooks,
                    endpoint,
                    &event,
                    job.seq,
                    job.attempt,
                    job.due_at,
                    Probe::Duplicate,
                ));
            }
        }
        return;
    }
    let failing_since = tenant_webhooks
        .endpoints
        .get_mut(&job.endpoint_id)
        .map(|endpoint| *endpoint.failing_since.get_or_insert(job.due_at));
    let mut exhausted = false;
    if answer.status == Some(410) {
        disable_in(
            webhooks,
            ctx,
            tenant_webhooks,
            &job.endpoint_id,
            "the endpoint answered 410 Gone",
            job.due_at,
        );
        return;
    }
    if answer.abort {
        delivery.status = DeliveryStatus::Failed;
        delivery.failure =
            Some("the receiver answered `webhook-delivery: abort-message`".to_owned());
    } else {
        let retry = webhooks.policy.retry();
        let index = (job.attempt - delivery.round_start) as usize;
        match retry.get(index.saturating_sub(1)) {
            Some(delay) => {
                let wait = answer
                    .retry_after
                    .map_or(delay.as_std(), |r| delay.as_std().max(r));
                let at = job.due_at.checked_add(wait).unwrap_or(Timestamp::MAX);
                let tenant = job.tenant.clone();
                let seq = job.seq;
                let label = format!(
                    "webhook {} to {} attempt {}",
                    job.event_id,
                    job.endpoint_id,
                    job.attempt + 1
                );
                let owner = webhooks.clone();
                delivery.planned = Some(ctx.events.schedule(at, label, move |ctx| {
                    release(&owner, &tenant, seq, ctx.now, None);
                }));
                delivery.next_attempt_at = Some(at);
            }
            None => {
                delivery.status = DeliveryStatus::Failed;
                delivery.failure = Some(format!("gave up after {} attempts", job.attempt));
                exhausted = true;
            }
        }
    }
    if exhausted {
        let data = serde_json::json!({
            "endpoint_id": job.endpoint_id,
            "event_id": job.event_id,
            "event_type": job.event_type.as_str(),
            "attempts": job.attempt,
            "last_status": answer.status,
        });
        operational(
            webhooks,
            ctx.events,
            tenant_webhooks,
            EventType::AttemptExhausted,
            data,
            &job.endpoint_id,
            job.due_at,
        );
    }
    let disable_after = webhooks.policy.disable_after().as_std();
    if let Some(since) = failing_since
        && job.due_at.duration_since(since).unsigned_abs() >= disable_after
    {
        let reason = format!(
            "every delivery failed for {} (since {since})",
            crate::scenario::Duration::from(disable_after)
        );
        disable_in(
            webhooks,
            ctx,
            tenant_webhooks,
            &job.endpoint_id,
            &reason,
            job.due_at,
        );
    }
}

/// Sends an operational event (`webhook.*`) to the tenant's other endpoints that asked for it.
fn operational(
    webhooks: &Arc<Webhooks>,
    events: &EventQueue,
    tenant_webhooks: &mut TenantWebhooks,
    event_type: EventType,
    data: serde_json::Value,
    about: &str,
    now: Timestamp,
) {
    let targets: Vec<String> = tenant_webhooks
        .endpoints
        .values()
        .filter(|e| e.id != about && e.enabled && e.wants(event_type))
        .map(|e| e.id.clone())
        .collect();
    if targets.is_empty() {
        return;
    }
    let event = Arc::new(Event::new(
        webhooks.mint("evt"),
        event_type,
        now,
        None,
        &data,
        None,
    ));
    for target in targets {
        enqueue(webhooks, events, tenant_webhooks, &target, &event, now);
    }
}

/// Ends every pending delivery to `endpoint_id` as failed with `why`.
pub(crate) fn fail_pending(
    tenant_webhooks: &mut TenantWebhooks,
    endpoint_id: &str,
    why: &str,
    events: &EventQueue,
) {
    for delivery in tenant_webhooks.deliveries.values_mut() {
        if delivery.endpoint_id == endpoint_id && delivery.status == DeliveryStatus::Pending {
            if let Some(planned) = delivery.planned.take() {
                events.cancel(planned);
            }
            delivery.status = DeliveryStatus::Failed;
            delivery.failure = Some(why.to_owned());
            delivery.next_attempt_at = None;
        }
    }
    tenant_webhooks.held.retain(|(endpoint, _), (_, planned)| {
        let keep = endpoint != endpoint_id;
        if !keep {
            events.cancel(*planned);
        }
        keep
    });
}

fn disable_in(
    webhooks: &Arc<Webhooks>,
    ctx: &Context<'_>,
    tenant_webhooks: &mut TenantWebhooks,
    endpoint_id: &str,
    reason: &str,
    now: Timestamp,
) {
    let Some(endpoint) = tenant_webhooks.endpoints.get_mut(endpoint_id) else {
        return;
    };
    if !endpoint.enabled {
        return;
    }
    endpoint.enabled = false;
    endpoint.disabled_reason = Some(reason.to_owned());
    let tenant = endpoint.tenant.clone();
    fail_pending(
        tenant_webhooks,
        endpoint_id,
        &format!("endpoint disabled: {reason}"),
        ctx.events,
    );
    ctx.journal.append(
        now,
        Some(tenant.clone()),
        Record::WebhookEndpoint {
            endpoint_id: endpoint_id.to_owned(),
            change: "disabled".into(),
            detail: reason.to_owned(),
        },
    );
    let data = serde_json::json!({ "endpoint_id": endpoint_id, "reason": reason });
    operational(
        webhooks,
        ctx.events,
        tenant_webhooks,
        EventType::EndpointDisabled,
        data,
        endpoint_id,
        now,
    );
}

/// Enables an endpoint again; what failed while it was disabled stays failed until recovered.
pub(crate) fn enable(
    webhooks: &Webhooks,
    ctx: &Context<'_>,
    tenant: &TenantId,
    endpoint_id: &str,
) -> bool {
    let changed = webhooks.with_endpoint(tenant, endpoint_id, |endpoint| {
        let was = endpoint.enabled;
        endpoint.enabled = true;
        endpoint.disabled_reason = None;
        endpoint.failing_since = None;
        !was
    });
    match changed {
        None => false,
        Some(changed) => {
            if changed {
                ctx.journal.append(
                    ctx.now,
                    Some(tenant.clone()),
                    Record::WebhookEndpoint {
                        endpoint_id: endpoint_id.to_owned(),
                        change: "enabled".into(),
                        detail: "enabled by the integrator".into(),
                    },
                );
            }
            true
        }
    }
}

/// Why a redelivery could not start.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RedeliveryError {
    #[error("no webhook endpoint `{0}`")]
    NoEndpoint(String),
    #[error("no event `{event}` was sent to webhook endpoint `{endpoint}`")]
    NoEvent { endpoint: String, event: String },
    #[error("webhook endpoint `{0}` is disabled")]
    Disabled(String),
}

/// Sends events to an endpoint again, at once, restarting their retry schedule: one event
/// (`event_id`), or every failed one created at or after `since`. Returns how many.
pub(crate) fn redeliver(
    webhooks: &Arc<Webhooks>,
    ctx: &Context<'_>,
    tenant: &TenantId,
    endpoint_id: &str,
    event_id: Option<&str>,
    since: Option<Timestamp>,
) -> Result<usize, RedeliveryError> {
    let now = ctx.now;
    let mut tenants = webhooks.tenants();
    let no_endpoint = || RedeliveryError::NoEndpoint(endpoint_id.to_owned());
    let tenant_webhooks = tenants.get_mut(tenant).ok_or_else(no_endpoint)?;
    let endpoint = tenant_webhooks
        .endpoints
        .get(endpoint_id)
        .ok_or_else(no_endpoint)?;
    if !endpoint.enabled {
        return Err(RedeliveryError::Disabled(endpoint_id.to_owned()));
    }
    let chosen: Vec<u64> = match event_id {
        Some(event_id) => vec![
            *tenant_webhooks
                .by_event
                .get(&(endpoint_id.to_owned(), event_id.to_owned()))
                .ok_or_else(|| RedeliveryError::NoEvent {
                    endpoint: endpoint_id.to_owned(),
                    event: event_id.to_owned(),
                })?,
        ],
        None => tenant_webhooks
            .deliveries
            .values()
            .filter(|d| {
                d.endpoint_id == endpoint_id
                    && d.status == DeliveryStatus::Failed
                    && since.is_none_or(|since| d.created_at >= since)
            })
            .map(|d| d.seq)
            .collect(),
    };
    for seq in &chosen {
        if let Some(delivery) = tenant_webhooks.deliveries.get_mut(seq) {
            if let Some(planned) = delivery.planned.take() {
                ctx.events.cancel(planned);
            }
            delivery.status = DeliveryStatus::Pending;
            delivery.failure = None;
            delivery.round_start = delivery.attempts;
        }
        dispatch(webhooks, tenant_webhooks, *seq, now, None);
    }
    Ok(chosen.len())
}

/// `POST /webhooks/{id}/test`: a `webhook.test` event for this endpoint alone.
pub(crate) fn send_test(
    webhooks: &Arc<Webhooks>,
    ctx: &Context<'_>,
    tenant: &TenantId,
    endpoint_id: &str,
) -> Option<String> {
    let now = ctx.now;
    let mut tenants = webhooks.tenants();
    let tenant_webhooks = tenants.get_mut(tenant)?;
    tenant_webhooks.endpoints.get(endpoint_id)?;
    let event = Arc::new(Event::new(
        webhooks.mint("evt"),
        EventType::Test,
        now,
        None,
        &serde_json::json!({
            "endpoint_id": endpoint_id,
            "message": "a test event sent on request; answer 2xx to acknowledge it",
        }),
        None,
    ));
    enqueue(
        webhooks,
        ctx.events,
        tenant_webhooks,
        endpoint_id,
        &event,
        now,
    );
    Some(event.id.clone())
}
