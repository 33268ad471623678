//! `/api/v1/webhooks` and `/api/v1/callback`: subscriptions, their secrets and deliveries, and
//! the ERP callback registration.
//!
//! A subscription can be created in the provider seed's shape (`EntityType`,
//! `EntityUpdateType`, `WebhookURL`, answered with a `Secret` and signed the provider's way) or
//! as `{url, events[], dialect}` (Standard Webhooks by default). The secret is shown once, in
//! the answer to the creation or rotation.

use std::collections::BTreeSet;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Authenticated;
use crate::http::problem::AppError;
use crate::http::server::{AppState, media_type};
use crate::journal::Record;
use crate::simulation::Run;
use crate::vocabulary::TenantId;
use crate::webhooks::{self, Delivery, Dialect, Endpoint, EventType, Secret, Target};

/// Billit allows 20 active webhooks per registration; so does eisim, per tenant.
const MAX_ENDPOINTS: usize = 20;

/// `{url, events[], dialect, description}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainRequest {
    url: String,
    #[serde(default)]
    events: Vec<String>,
    dialect: Option<String>,
    description: Option<String>,
}

/// The provider seed's shape.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderRequest {
    #[serde(rename = "EntityType")]
    entity_type: String,
    #[serde(rename = "EntityUpdateType")]
    entity_update_type: String,
    #[serde(rename = "WebhookURL")]
    webhook_url: String,
}

/// `POST /api/v1/webhooks`.
pub(crate) async fn create(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let value = json_body(&headers, &body)?;
    let run = state.simulation.run();
    let provider = value.get("WebhookURL").is_some() || value.get("EntityType").is_some();
    let (url, events, dialect, description, shape) = if provider {
        let request: ProviderRequest = from_value(value)?;
        let entity = match request.entity_type.to_ascii_lowercase().as_str() {
            "message" => "Message",
            "order" => "Order",
            other => {
                return Err(AppError::InvalidSubscription(format!(
                    "unknown EntityType `{other}`; expected `Message` or `Order`"
                )));
            }
        };
        let update = match request.entity_update_type.to_ascii_uppercase().as_str() {
            "I" => "I",
            "U" => "U",
            "D" => {
                return Err(AppError::InvalidSubscription(
                    "EntityUpdateType `D` (deletions) would never fire: eisim never deletes documents; use `I` or `U`".into(),
                ));
            }
            other => {
                return Err(AppError::InvalidSubscription(format!(
                    "unknown EntityUpdateType `{other}`; expected `I` or `U`"
                )));
            }
        };
        (
            request.webhook_url,
            Some(BTreeSet::from([EventType::StatusUpdated])),
            Dialect::Provider,
            None,
            Some((entity.to_owned(), update.to_owned())),
        )
    } else {
        let request: PlainRequest = from_value(value)?;
        let dialect = match request.dialect.as_deref() {
            Some(text) => Dialect::parse(text).map_err(AppError::InvalidSubscription)?,
            None => Dialect::Standard,
        };
        (
            request.url,
            event_filter(&request.events)?,
            dialect,
            request.description,
            None,
        )
    };
    check_url(&url)?;
    let now = run.clock.now();
    let id = run.webhooks.mint("ep");
    let endpoint = Endpoint {
        secret: Secret::derive(run.seed, &format!("{id}:0")),
        id,
        tenant: tenant.clone(),
        target: Target::Webhook { url, dialect },
        events,
        description,
        previous: None,
        enabled: true,
        disabled_reason: None,
        failing_since: None,
        created_at: now,
        provider_shape: shape,
        rotations: 0,
    };
    insert(&state, &run, &endpoint)?;
    let mut view = endpoint_view(&endpoint, &run);
    if let Some(map) = view.as_object_mut() {
        map.insert("secret".into(), json!(endpoint.secret.as_str()));
        if let Some((entity, update)) = &endpoint.provider_shape {
            map.insert("WebhookID".into(), json!(endpoint.id));
            map.insert("EntityType".into(), json!(entity));
            map.insert("EntityUpdateType".into(), json!(update));
            map.insert("WebhookURL".into(), view_url(&endpoint));
            map.insert("Secret".into(), json!(endpoint.secret.as_str()));
        }
    }
    Ok(created(&format!("/api/v1/webhooks/{}", endpoint.id), view))
}

/// `GET /api/v1/webhooks`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
) -> Json<Value> {
    let run = state.simulation.run();
    let items: Vec<Value> = run
        .webhooks
        .endpoints(&tenant)
        .iter()
        .filter(|e| matches!(e.target, Target::Webhook { .. }))
        .map(|e| endpoint_view(e, &run))
        .collect();
    Json(json!({ "items": items }))
}

/// `GET /api/v1/webhooks/{id}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let run = state.simulation.run();
    let endpoint = find(&run, &tenant, &id)?;
    Ok(Json(endpoint_view(&endpoint, &run)))
}

/// `DELETE /api/v1/webhooks/{id}`: pending deliveries end as failed.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let run = state.simulation.run();
    run.webhooks
        .remove_endpoint(&tenant, &id, &run.events)
        .ok_or_else(|| AppError::EndpointNotFound(id.clone()))?;
    note(
        &state,
        &run,
        &tenant,
        &id,
        "deleted",
        "deleted by the integrator".into(),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/webhooks/{id}/rotate-secret`: a new secret signs from now on; the old one
/// keeps signing beside it for the scenario's `rotation_overlap`.
pub(crate) async fn rotate(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let run = state.simulation.run();
    let now = run.clock.now();
    let until = now
        .checked_add(run.webhooks.policy.rotation_overlap().as_std())
        .unwrap_or(Timestamp::MAX);
    let seed = run.seed;
    let secret = run
        .webhooks
        .with_endpoint(&tenant, &id, |endpoint| {
            endpoint.rotations += 1;
            let fresh = Secret::derive(seed, &format!("{}:{}", endpoint.id, endpoint.rotations));
            let old = std::mem::replace(&mut endpoint.secret, fresh.clone());
            endpoint.previous = Some((old, until));
            fresh
        })
        .ok_or_else(|| AppError::EndpointNotFound(id.clone()))?;
    note(
        &state,
        &run,
        &tenant,
        &id,
        "secret-rotated",
        format!("new secret; the previous one signs too until {until}"),
    );
    Ok(Json(json!({
        "id": id,
        "secret": secret.as_str(),
        "previous_secret_valid_until": until.to_string(),
    })))
}

/// `POST /api/v1/webhooks/{id}/test`.
pub(crate) async fn test(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let run = state.simulation.run();
    let event_id = webhooks::send_test(&run.webhooks, &run.context_now(), &tenant, &id)
        .ok_or_else(|| AppError::EndpointNotFound(id.clone()))?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "event_id": event_id, "event_type": EventType::Test.as_str() })),
    )
        .into_response())
}

/// `POST /api/v1/webhooks/{id}/enable`: after a disable, for the failed events use `recover`.
pub(crate) async fn enable(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let run = state.simulation.run();
    if !webhooks::enable(&run.webhooks, &run.context_now(), &tenant, &id) {
        return Err(AppError::EndpointNotFound(id));
    }
    let endpoint = find(&run, &tenant, &id)?;
    Ok(Json(endpoint_view(&endpoint, &run)))
}

/// `GET /api/v1/webhooks/{id}/deliveries`: every event sent to the endpoint and how it went.
pub(crate) async fn deliveries(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let run = state.simulation.run();
    find(&run, &tenant, &id)?;
    let items: Vec<Value> = run
        .webhooks
        .deliveries(&tenant, &id)
        .iter()
        .map(delivery_view)
        .collect();
    Ok(Json(json!({ "items": items })))
}

/// `POST /api/v1/webhooks/{id}/deliveries/{event_id}/resend`.
pub(crate) async fn resend(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path((id, event_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let run = state.simulation.run();
    let count = webhooks::redeliver(
        &run.webhooks,
        &run.context_now(),
        &tenant,
        &id,
        Some(&event_id),
        None,
    )?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "resent": count }))).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecoverRequest {
    since: Timestamp,
}

/// `POST /api/v1/webhooks/{id}/recover` `{since}`: every failed event since then, again.
pub(crate) async fn recover(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let request: RecoverRequest = from_value(json_body(&headers, &body)?)?;
    let run = state.simulation.run();
    let count = webhooks::redeliver(
        &run.webhooks,
        &run.context_now(),
        &tenant,
        &id,
        None,
        Some(request.since),
    )?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "resent": count }))).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallbackRequest {
    base_url: String,
    api_key: String,
    /// The registration number the ping sends back; the tenant id when left out.
    rin: Option<String>,
}

/// `PUT /api/v1/callback`: registers the ERP callback base URL after a `PUT {base}/ping`
/// that must echo the registration number, as the e-invoicing authority's callback
/// registration checks it.
pub(crate) async fn register_callback(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let request: CallbackRequest = from_value(json_body(&headers, &body)?)?;
    check_url(&request.base_url)?;
    if request.api_key.trim().is_empty() {
        return Err(AppError::InvalidSubscription(
            "`api_key` is empty; the callback would be unauthenticated".into(),
        ));
    }
    let rin = request.rin.unwrap_or_else(|| tenant.as_str().to_owned());
    let run = state.simulation.run();
    ping(&request.base_url, &request.api_key, &rin, &run).await?;
    if let Some(old) = callback_of(&run, &tenant) {
        run.webhooks.remove_endpoint(&tenant, &old.id, &run.events);
    }
    let id = run.webhooks.mint("cb");
    let endpoint = Endpoint {
        secret: Secret::derive(run.seed, &format!("{id}:0")),
        id,
        tenant: tenant.clone(),
        target: Target::Callback {
            base_url: request.base_url.trim_end_matches('/').to_owned(),
            api_key: request.api_key,
        },
        events: Some(BTreeSet::from([
            EventType::CallbackDocuments,
            EventType::CallbackReceipts,
        ])),
        description: Some(format!("ERP callback for {rin}")),
        previous: None,
        enabled: true,
        disabled_reason: None,
        failing_since: None,
        created_at: run.clock.now(),
        provider_shape: None,
        rotations: 0,
    };
    insert(&state, &run, &endpoint)?;
    Ok((StatusCode::OK, Json(endpoint_view(&endpoint, &run))).into_response())
}

/// `GET /api/v1/callback`.
pub(crate) async fn get_callback(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
) -> Result<Json<Value>, AppError> {
    let run = state.simulation.run();
    let endpoint = callback_of(&run, &tenant).ok_or(AppError::CallbackNotRegistered)?;
    Ok(Json(endpoint_view(&endpoint, &run)))
}

/// `DELETE /api/v1/callback`.
pub(crate) async fn delete_callback(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
) -> Result<StatusCode, AppError> {
    let run = state.simulation.run();
    let endpoint = callback_of(&run, &tenant).ok_or(AppError::CallbackNotRegistered)?;
    run.webhooks
        .remove_endpoint(&tenant, &endpoint.id, &run.events);
    note(
        &state,
        &run,
        &tenant,
        &endpoint.id,
        "deleted",
        "callback removed".into(),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn ping(base_url: &str, api_key: &str, rin: &str, run: &Run) -> Result<(), AppError> {
    let url = format!("{}/ping", base_url.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(run.webhooks.policy.timeout().as_std())
        .build()
        .map_err(|e| AppError::Internal(format!("cannot build an HTTP client: {e}")))?;
    let unreachable = |why: String| AppError::CallbackUnreachable(format!("PUT {url}: {why}"));
    let response = client
        .put(&url)
        .header(header::AUTHORIZATION.as_str(), format!("ApiKey {api_key}"))
        .header(header::ACCEPT_LANGUAGE.as_str(), "en")
        .json(&json!({ "rin": rin }))
        .send()
        .await
        .map_err(|e| unreachable(format!("no answer ({e})")))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(unreachable(format!(
            "answered {status}; the ping must answer 200"
        )));
    }
    let answer: Value = response
        .json()
        .await
        .map_err(|e| unreachable(format!("the answer is not JSON ({e})")))?;
    if answer.get("rin").and_then(Value::as_str) != Some(rin) {
        return Err(unreachable(format!(
            "the answer must echo {{\"rin\": \"{rin}\"}}, got {answer}"
        )));
    }
    Ok(())
}

fn callback_of(run: &Run, tenant: &TenantId) -> Option<Endpoint> {
    run.webhooks
        .endpoints(tenant)
        .into_iter()
        .find(|e| matches!(e.target, Target::Callback { .. }))
}

fn insert(state: &AppState, run: &Run, endpoint: &Endpoint) -> Result<(), AppError> {
    let count = run
        .webhooks
        .endpoints(&endpoint.tenant)
        .iter()
        .filter(|e| matches!(e.target, Target::Webhook { .. }))
        .count();
    if matches!(endpoint.target, Target::Webhook { .. }) && count >= MAX_ENDPOINTS {
        return Err(AppError::InvalidSubscription(format!(
            "this account already has {MAX_ENDPOINTS} webhook endpoints, the most it may have; delete one first"
        )));
    }
    run.webhooks.insert_endpoint(endpoint.clone());
    let (method, url) = endpoint.destination(EventType::StatusUpdated);
    note(
        state,
        run,
        &endpoint.tenant,
        &endpoint.id,
        "created",
        format!("{method} {url}"),
    );
    Ok(())
}

fn note(state: &AppState, run: &Run, tenant: &TenantId, id: &str, change: &str, detail: String) {
    state.simulation.journal.append(
        run.clock.now(),
        Some(tenant.clone()),
        Record::WebhookEndpoint {
            endpoint_id: id.to_owned(),
            change: change.to_owned(),
            detail,
        },
    );
}

fn find(run: &Run, tenant: &TenantId, id: &str) -> Result<Endpoint, AppError> {
    run.webhooks
        .endpoint(tenant, id)
        .ok_or_else(|| AppError::EndpointNotFound(id.to_owned()))
}

/// `[]` and `["*"]` mean every invoice event.
fn event_filter(events: &[String]) -> Result<Option<BTreeSet<EventType>>, AppError> {
    if events.is_empty() || events.iter().any(|e| e == "*") {
        return Ok(None);
    }
    let mut set = BTreeSet::new();
    for event in events {
        let event_type = event
            .parse::<EventType>()
            .map_err(AppError::InvalidSubscription)?;
        if matches!(
            event_type,
            EventType::CallbackDocuments | EventType::CallbackReceipts
        ) {
            return Err(AppError::InvalidSubscription(format!(
                "`{event}` goes to an ERP callback; register one with PUT /api/v1/callback"
            )));
        }
        set.insert(event_type);
    }
    Ok(Some(set))
}

/// eisim has no TLS client: it delivers to plain-HTTP receivers (a local ERP, a tunnel).
fn check_url(url: &str) -> Result<(), AppError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| AppError::InvalidSubscription(format!("`{url}` is not a URL: {e}")))?;
    match parsed.scheme() {
        "http" if parsed.host_str().is_some() => Ok(()),
        "https" => Err(AppError::InvalidSubscription(format!(
            "`{url}` is HTTPS; eisim delivers over plain HTTP only (it has no TLS client), so give an http:// URL"
        ))),
        _ => Err(AppError::InvalidSubscription(format!(
            "`{url}` is not an http:// URL with a host"
        ))),
    }
}

fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, AppError> {
    let media = media_type(headers).unwrap_or_default();
    if media != "application/json" {
        return Err(AppError::unsupported_media_type("application/json", &media));
    }
    serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("the body is not valid JSON: {e}")))
}

fn from_value<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, AppError> {
    serde_json::from_value(value).map_err(|e| AppError::BadRequest(format!("{e}")))
}

fn created(location: &str, body: Value) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn view_url(endpoint: &Endpoint) -> Value {
    match &endpoint.target {
        Target::Webhook { url, .. } => json!(url),
        Target::Callback { base_url, .. } => json!(base_url),
    }
}

fn endpoint_view(endpoint: &Endpoint, run: &Run) -> Value {
    let now = run.clock.now();
    let (kind, dialect) = match &endpoint.target {
        Target::Webhook { dialect, .. } => ("webhook", Some(*dialect)),
        Target::Callback { .. } => ("callback", None),
    };
    let events: Vec<&str> = match &endpoint.events {
        Some(events) => events.iter().map(|e| e.as_str()).collect(),
        None => vec!["*"],
    };
    json!({
        "id": endpoint.id,
        "kind": kind,
        "url": view_url(endpoint),
        "events": events,
        "dialect": dialect,
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "failing_since": endpoint.failing_since.map(|t| t.to_string()),
        "previous_secret_valid_until": endpoint
            .previous
            .as_ref()
            .filter(|(_, until)| now < *until)
            .map(|(_, until)| until.to_string()),
        "created_at": endpoint.created_at.to_string(),
    })
}

fn delivery_view(delivery: &Delivery) -> Value {
    json!({
        "event_id": delivery.event.id,
        "event_type": delivery.event.event_type.as_str(),
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_status": delivery.last_status,
        "next_attempt_at": delivery.next_attempt_at.map(|t| t.to_string()),
        "failure": delivery.failure,
        "created_at": delivery.created_at.to_string(),
        "occurred_at": delivery.event.at.to_string(),
    })
}
