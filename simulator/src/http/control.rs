//! The `/_sim` control API: what a test harness, the suite or a curious integrator uses to see
//! and steer the simulation (health, the clock, the scenario, the journal, tenants).
//!
//! It is not part of any network's API, so it lives under a prefix no real network uses. It
//! can rewrite time and wipe state, so off loopback it demands a control token.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::http::problem::AppError;
use crate::http::server::{AppState, media_type};
use crate::journal::JournalQuery;
use crate::scenario::{self, Duration};
use crate::simulation::{Advanced, Run};
use crate::store::Tenant;

pub(crate) fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance))
        .route("/scenario", post(load_scenario))
        .route("/reset", post(reset))
        .route("/journal", get(journal))
        .route("/tenants", get(tenants))
        .nest("/sdi", crate::http::sdi::control_routes())
        .route_layer(middleware::from_fn_with_state(state, require_control_token))
}

async fn require_control_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, AppError> {
    if let Some(expected) = state.settings.control_token.as_deref() {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let matches = presented.is_some_and(|token| {
            crate::store::constant_time_eq(token.as_bytes(), expected.as_bytes())
        });
        if !matches {
            return Err(AppError::ControlTokenMissing);
        }
    }
    Ok(next.run(request).await)
}

#[derive(Debug, Serialize)]
struct ClockView {
    mode: String,
    now: Timestamp,
    auto_advance: bool,
    pending_events: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_event_at: Option<Timestamp>,
}

impl ClockView {
    fn of(run: &Run) -> Self {
        ClockView {
            mode: run.clock.mode().to_string(),
            now: run.clock.now(),
            auto_advance: run.clock.auto_advance(),
            pending_events: run.events.pending(),
            next_event_at: run.events.next_due_at(),
        }
    }
}

#[derive(Debug, Serialize)]
struct ScenarioView {
    name: String,
    origin: String,
    seed: u64,
}

impl ScenarioView {
    fn of(run: &Run) -> Self {
        ScenarioView {
            name: run.scenario.name.clone(),
            origin: run.origin.clone(),
            seed: run.seed,
        }
    }
}

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    scenario: ScenarioView,
    clock: ClockView,
}

async fn health(State(state): State<AppState>) -> Json<Health> {
    let run = state.simulation.run();
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        scenario: ScenarioView::of(&run),
        clock: ClockView::of(&run),
    })
}

async fn clock(State(state): State<AppState>) -> Json<ClockView> {
    Json(ClockView::of(&state.simulation.run()))
}

/// `{"by": "15d"}` or `{"to": "2026-02-01T00:00:00Z"}`, exactly one of them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceRequest {
    by: Option<Duration>,
    to: Option<Timestamp>,
}

#[derive(Debug, Serialize)]
struct AdvanceView {
    #[serde(flatten)]
    advanced: Advanced,
    clock: ClockView,
}

async fn advance(
    State(state): State<AppState>,
    body: Result<Json<AdvanceRequest>, JsonRejection>,
) -> Result<Json<AdvanceView>, AppError> {
    let Json(request) = body.map_err(|rejection| {
        AppError::BadRequest(format!(
            "expected a JSON body {{\"by\": \"15d\"}} or {{\"to\": \"<RFC 3339 instant>\"}}: {}",
            rejection.body_text()
        ))
    })?;
    let advanced = match (request.by, request.to) {
        (Some(by), None) => state.simulation.advance(by.as_std())?,
        (None, Some(to)) => state.simulation.advance_to(to)?,
        _ => {
            return Err(AppError::BadRequest(
                "give exactly one of `by` (a duration such as 90s, 5m, 2h, 15d) or `to` (an RFC 3339 instant)".into(),
            ));
        }
    };
    Ok(Json(AdvanceView {
        advanced,
        clock: ClockView::of(&state.simulation.run()),
    }))
}

#[derive(Debug, Serialize)]
struct Loaded {
    scenario: ScenarioView,
    clock: ClockView,
    tenants: Vec<Tenant>,
}

impl Loaded {
    fn of(run: &Run) -> Self {
        Loaded {
            scenario: ScenarioView::of(run),
            clock: ClockView::of(run),
            tenants: run.store.tenants().cloned().collect(),
        }
    }
}

const YAML_TYPES: [&str; 5] = [
    "application/yaml",
    "application/x-yaml",
    "text/yaml",
    "text/x-yaml",
    "text/plain",
];

/// Loads a scenario (YAML body) and starts a fresh run of it. A broken file changes nothing.
async fn load_scenario(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Loaded>, AppError> {
    if let Some(essence) = media_type(&headers)
        && !YAML_TYPES.contains(&essence.as_str())
    {
        return Err(AppError::unsupported_media_type(
            "application/yaml",
            &essence,
        ));
    }
    // Read here rather than with axum's `String` extractor, whose refusal is plain text: the
    // harness gets problem+json like every other refusal, with the offending byte.
    let body = std::str::from_utf8(&body).map_err(|error| {
        AppError::BadRequest(format!(
            "the scenario is not valid UTF-8 (invalid byte sequence at byte {})",
            error.valid_up_to()
        ))
    })?;
    let mut parsed = scenario::parse(body, "<request body>")?;
    scenario::read_inbound_files(&mut parsed, None, body)
        .map_err(|error| scenario::ScenarioErrors::single("<request body>", error))?;
    state.simulation.load(parsed, "<request body>".into());
    Ok(Json(Loaded::of(&state.simulation.run())))
}

async fn reset(State(state): State<AppState>) -> Json<Loaded> {
    state.simulation.reset();
    Json(Loaded::of(&state.simulation.run()))
}

/// The journal as NDJSON, filtered by `tenant`, `kind`, `since`, `until` (simulated time),
/// `after_seq` and `limit`.
async fn journal(
    State(state): State<AppState>,
    query: Result<Query<JournalQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(query) = query.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    let body = state.simulation.journal.to_ndjson(&query);
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(response)
}

#[derive(Debug, Serialize)]
struct Tenants {
    tenants: Vec<Tenant>,
}

async fn tenants(State(state): State<AppState>) -> Json<Tenants> {
    let run: Arc<Run> = state.simulation.run();
    Json(Tenants {
        tenants: run.store.tenants().cloned().collect(),
    })
}
