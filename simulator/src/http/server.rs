//! The HTTP face of the simulator: the router, the journaling layer every request passes
//! through, and `run(listener, app, header_read_timeout, shutdown)`, which tests call with a
//! port-0 listener.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes, HttpBody as _};
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt as _;
use tower_http::trace::TraceLayer;

use crate::http::control;
use crate::http::problem::AppError;

use crate::http::gateway;
use crate::journal::{BodyDigest, HttpExchange, Record};

pub use crate::limits::DEFAULT_BODY_LIMIT;
use crate::simulation::Simulation;
use crate::vocabulary::TenantId;

/// How long a client has to send a request's head. Hyper also runs it while a kept-alive
/// connection waits for its next request, so it doubles as the idle timeout: 30 s (Apache's
/// header read default is 20-40 s) leaves pooled client connections alone between the calls of
/// a run, and still closes slow-header clients before they pile up.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How the HTTP layer is set up, apart from the simulation it serves.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub body_limit: usize,
    /// When set, every `/_sim` request must carry `Authorization: Bearer <token>`.
    pub control_token: Option<String>,
    /// A client slower than this to send a request's head, or idle this long between
    /// requests, is disconnected (see [`run`]).
    pub header_read_timeout: Duration,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            body_limit: DEFAULT_BODY_LIMIT,
            control_token: None,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
        }
    }
}

/// Filled in by authentication, so the journal can name the tenant of a request even when
/// its handler failed.
#[derive(Debug, Clone, Default)]
pub(crate) struct TenantSlot(pub(crate) Arc<OnceLock<TenantId>>);

#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) simulation: Arc<Simulation>,
    pub(crate) settings: Arc<ServerSettings>,
}

/// The whole HTTP API: control API under `/_sim`, networks and gateway as they land, and a
/// problem+json answer for anything else; the scenario's faults in front of all but `/_sim`.
pub fn app(simulation: Arc<Simulation>, settings: ServerSettings) -> Router {
    let state = AppState {
        simulation,
        settings: Arc::new(settings),
    };
    let limit = state.settings.body_limit;
    Router::new()
        .nest("/_sim", control::routes(state.clone()))
        .merge(gateway::routes())
        .merge(super::ksef::routes(state.clone()))
        .merge(super::sdi::routes())
        .merge(super::peppol::routes())
        .fallback(no_route)
        // Inside the journaling layer, so injected answers are journaled like any other.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            super::faults::inject,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_exchange,
        ))
        // The journaling layer has already enforced the limit; extractors must not apply
        // axum's smaller default on top.
        .layer(DefaultBodyLimit::max(limit))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The media type of a request body without its parameters, lower-cased (`Application/JSON;
/// charset=utf-8` reads `application/json`); `None` when no `Content-Type` was sent, an empty
/// string when one was sent but is not readable text.
pub(crate) fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?;
    let essence = value
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .unwrap_or_default();
    Some(essence.trim().to_ascii_lowercase())
}

async fn no_route(method: Method, uri: Uri) -> AppError {
    AppError::NoRoute {
        method: method.to_string(),
        path: uri.path().to_string(),
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets in-flight requests finish.
///
/// Served with hyper directly rather than `axum::serve`, which sets no timer and so has no
/// header read timeout: a client that trickles its headers byte by byte (or opens a socket and
/// says nothing) would hold its connection, and a task, for ever. `header_read_timeout` is how
/// long a client has to send a request's whole head once it starts one (or once it connects).
/// Hyper starts that clock whenever it waits for a head, so a keep-alive connection idle for
/// longer is closed too, as servers commonly close idle connections.
pub async fn run(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // The peer address is KSeF's rate-limit key and its challenge's `clientIp`.
        let service = app
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
        let connection =
            http1.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// An accept that failed because of one peer (it reset before we took it) is that peer's
/// business; anything else (out of file descriptors, say) is the machine's, and retrying at
/// once would spin, so wait a moment first, as `axum::serve` does.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "accepting a connection failed; retrying in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Journals every exchange. The entry is appended (and, with a journal file, flushed) before
/// the response leaves, so a client that got an answer can count on its entry being there.
async fn record_exchange(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let (mut parts, body) = request.into_parts();
    // Read before the handler runs, as the gateway's idempotency layer reads it; a key it
    // would refuse is not evidence of anything.
    let idempotency_key = gateway::idempotency_key(&parts.headers)
        .ok()
        .flatten()
        .map(str::to_owned);
    let slot = TenantSlot::default();
    parts.extensions.insert(slot.clone());

    let (request_body, response) = match read_body(body, state.settings.body_limit).await {
        Ok(bytes) => {
            let digest = BodyDigest::of(&bytes);
            let request = Request::from_parts(parts, Body::from(bytes));
            (digest, next.run(request).await)
        }
        Err(error) => (BodyDigest::of(&[]), error.into_response()),
    };

    let tenant = response
        .extensions()
        .get::<TenantId>()
        .cloned()
        .or_else(|| slot.0.get().cloned());
    let (response_parts, response_body) = response.into_parts();
    let (response_bytes, response) = match axum::body::to_bytes(response_body, usize::MAX).await {
        Ok(bytes) => (
            bytes.clone(),
            Response::from_parts(response_parts, Body::from(bytes)),
        ),
        Err(error) => {
            let failed = AppError::Internal(format!("response body failed: {error}"));
            (Bytes::new(), failed.into_response())
        }
    };

    let retry_after = retry_after(response.headers(), jiff::Timestamp::now());
    let simulation = &state.simulation;
    simulation.journal.append(
        simulation.run().clock.now(),
        tenant,
        Record::Http(HttpExchange {
            method,
            path,
            query,
            status: response.status().as_u16(),
            latency_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            request_body,
            response_body: BodyDigest::of(&response_bytes),
            idempotency_key,
            retry_after,
        }),
    );
    response
}

/// `Retry-After` in whole seconds: the delay form as written, the HTTP-date form counted from
/// `now` (wall-clock time, which is what a client compares a date with), never below zero.
fn retry_after(headers: &HeaderMap, now: jiff::Timestamp) -> Option<u64> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds);
    }
    let date = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(value)
        .ok()?;
    let seconds = date.as_second().saturating_sub(now.as_second());
    Some(u64::try_from(seconds).unwrap_or(0))
}

async fn read_body(body: Body, limit: usize) -> Result<Bytes, AppError> {
    // A declared Content-Length over the limit is refused before a byte of it is read, so a
    // 100 MB upload costs nothing but its headers.
    if usize::try_from(body.size_hint().lower()).map_or(true, |declared| declared > limit) {
        return Err(AppError::PayloadTooLarge { limit });
    }
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let too_large = error
            .into_inner()
            .downcast_ref::<http_body_util::LengthLimitError>()
            .is_some();
        if too_large {
            AppError::PayloadTooLarge { limit }
        } else {
            AppError::BadRequest("the request body could not be read".into())
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn retry_after_of(value: &str) -> Option<u64> {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        retry_after(&headers, "2026-01-01T00:00:00Z".parse().unwrap())
    }

    #[test]
    fn retry_after_reads_both_forms_in_whole_seconds() {
        assert_eq!(retry_after_of("120"), Some(120));
        assert_eq!(retry_after_of(" 0 "), Some(0));
        assert_eq!(retry_after_of("Thu, 01 Jan 2026 00:01:30 GMT"), Some(90));
        // A date already past means "now", not a negative wait.
        assert_eq!(retry_after_of("Wed, 31 Dec 2025 23:59:00 GMT"), Some(0));
        assert_eq!(retry_after_of("soon"), None);
        assert_eq!(retry_after_of("-5"), None);
        assert_eq!(retry_after(&HeaderMap::new(), jiff::Timestamp::now()), None);
    }
}
