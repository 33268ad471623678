//! The native KSeF API v2 over HTTP, served under `/v2` and under the older `/api/v2`
//! prefix, exactly alike. Handlers check the bearer token and the rate limit, read the JSON
//! leniently (enum values in any case, unknown fields ignored, as the real service does), call
//! into the sessions, and answer in KSeF's shapes; every error is a [`KsefError`] whose body
//! `render_errors` writes to suit the request.

mod auth;
mod auth_sessions;
mod batch;
pub(crate) mod error;
mod invoices;
mod limits;
mod retrieval;
mod security;
mod sessions;
mod testdata;
mod tokens;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use jiff::Timestamp;
use serde::de::DeserializeOwned;

use crate::codelists::ksef::RateGroup;
use crate::http::ksef::error::render_errors;
use crate::http::problem::AppError;
use crate::http::server::AppState;
use crate::networks::ksef::error::KsefError;
use crate::networks::ksef::rate::RateVerdict;
use crate::networks::ksef::state::Grant;
use crate::runtime::Context;
use crate::simulation::Run;

/// The KSeF router, mounted at both prefixes, plus the unauthenticated storage links that
/// stand in for KSeF's pre-signed URLs.
pub(crate) fn routes(state: AppState) -> Router<AppState> {
    let api = Router::new()
        .route(
            "/security/public-key-certificates",
            get(security::certificates),
        )
        .route("/auth/challenge", post(auth::challenge))
        .route("/auth/ksef-token", post(auth::ksef_token))
        .route("/auth/xades-signature", post(auth::xades))
        .route("/auth/token/redeem", post(auth::redeem))
        .route("/auth/token/refresh", post(auth::refresh))
        .route("/auth/sessions", get(auth_sessions::list))
        .route(
            "/auth/sessions/current",
            delete(auth_sessions::revoke_current),
        )
        .route("/auth/sessions/{reference}", delete(auth_sessions::revoke))
        .route("/auth/{reference}", get(auth::status))
        .route("/sessions/online", post(sessions::open))
        .route(
            "/sessions/online/{reference}/invoices",
            post(sessions::send),
        )
        .route("/sessions/online/{reference}/close", post(sessions::close))
        .route("/sessions/batch", post(batch::open))
        .route("/sessions/batch/{reference}/close", post(batch::close))
        .route("/sessions", get(sessions::list))
        .route("/sessions/{reference}", get(sessions::status))
        .route("/sessions/{reference}/invoices", get(invoices::list))
        .route(
            "/sessions/{reference}/invoices/failed",
            get(invoices::failed),
        )
        .route(
            "/sessions/{reference}/invoices/{invoice}",
            get(invoices::status),
        )
        .route(
            "/sessions/{reference}/invoices/{invoice}/upo",
            get(invoices::upo),
        )
        .route(
            "/sessions/{reference}/invoices/ksef/{number}/upo",
            get(invoices::upo_by_number),
        )
        .route("/sessions/{reference}/upo/{page}", get(sessions::upo_page))
        .route("/invoices/ksef/{number}", get(invoices::download))
        .route("/invoices/query/metadata", post(retrieval::query_metadata))
        .route("/invoices/exports", post(retrieval::export))
        .route(
            "/invoices/exports/{reference}",
            get(retrieval::export_status),
        )
        .route("/rate-limits", get(security::rate_limits))
        .route("/tokens", post(tokens::create).get(tokens::list))
        .route(
            "/tokens/{reference}",
            get(tokens::status).delete(tokens::revoke),
        )
        .route("/limits/context", get(limits::context))
        .route("/limits/subject", get(limits::subject))
        .nest("/testdata", testdata::routes(state.clone()))
        .fallback(unsupported)
        .layer(middleware::from_fn_with_state(state.clone(), render_errors));
    let storage = Router::new()
        .route(
            "/ksef-storage/{reference}/upo/{page}",
            get(sessions::stored_upo_page),
        )
        .route(
            "/ksef-storage/{reference}/invoices/{invoice}/upo",
            get(invoices::stored_upo),
        )
        .route(
            &format!("{}/{{secret}}", batch::UPLOAD_PATH),
            put(batch::upload),
        )
        .route(
            "/ksef-storage/exports/{reference}/{part}/{expires}/{signature}",
            get(retrieval::stored_part),
        )
        .layer(middleware::from_fn_with_state(state, render_errors));
    Router::new()
        .nest("/v2", api.clone())
        .nest("/api/v2", api)
        .merge(storage)
}

/// Endpoints of the real API that eisim does not simulate yet answer 501 saying so; any
/// other path is simply not there.
async fn unsupported(method: Method, OriginalUri(uri): OriginalUri) -> Response {
    const KNOWN: [&str; 3] = ["/permissions", "/certificates", "/peppol"];
    let path = uri.path();
    let relative = path
        .strip_prefix("/api/v2")
        .or_else(|| path.strip_prefix("/v2"))
        .unwrap_or(path);
    if KNOWN.iter().any(|known| relative.starts_with(known)) {
        KsefError::NotSupported(format!("the KSeF endpoint {method} {path}")).into_response()
    } else {
        AppError::NoRoute {
            method: method.to_string(),
            path: path.to_owned(),
        }
        .into_response()
    }
}

/// Who is calling and when: what every handler needs before it does anything.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) run: Arc<Run>,
    pub(crate) now: Timestamp,
    pub(crate) ip: String,
    pub(crate) headers: HeaderMap,
    method: Method,
    /// The route template (`/sessions/{reference}`), which "other" endpoints are counted by.
    route: String,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = KsefError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, KsefError> {
        let run = state.simulation.run();
        let now = run.clock.now();
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "127.0.0.1".to_owned(), |info| info.0.ip().to_string());
        let route = parts
            .extensions
            .get::<axum::extract::MatchedPath>()
            .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
        Ok(Caller {
            run,
            now,
            ip,
            headers: parts.headers.clone(),
            method: parts.method.clone(),
            route,
        })
    }
}

impl Caller {
    pub(crate) fn ksef(&self) -> &crate::networks::ksef::Ksef {
        &self.run.ksef
    }

    /// The run's context at the instant the call came in.
    pub(crate) fn context(&self) -> Context<'_> {
        self.run.context(self.now)
    }

    /// The token of `Authorization: Bearer <token>` (the scheme in any case).
    fn bearer_token(&self) -> Option<&str> {
        let value = self.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        let (scheme, token) = value.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    }

    /// The access token's context, after the group's rate limit for that context and IP.
    pub(crate) fn access(&self, group: RateGroup) -> Result<Grant, KsefError> {
        let grant = self.ksef().access(self.bearer_token(), self.now)?;
        self.limit(group, &grant.context)?;
        Ok(grant)
    }

    /// Counts this call against `group` for `key` (a context; empty for per-IP groups).
    pub(crate) fn limit(&self, group: RateGroup, key: &str) -> Result<(), KsefError> {
        let endpoint = format!("{} {}", self.method, self.route);
        match self
            .ksef()
            .limiter
            .check(group, key, &self.ip, &endpoint, self.now)
        {
            RateVerdict::Allowed => Ok(()),
            RateVerdict::Limited {
                retry_after,
                message,
                ..
            } => Err(KsefError::TooManyRequests {
                retry_after,
                detail: message,
            }),
        }
    }

    /// `http://<Host>`: where this client reaches eisim, for the download links.
    pub(crate) fn base_url(&self) -> String {
        let host = self
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("127.0.0.1:8080");
        format!("http://{host}")
    }
}

/// A body the KSeF API reads from clients, named for the fuzz targets ([`crate::fuzzing`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestBody {
    /// `POST /auth/ksef-token` (JSON).
    TokenStart,
    /// `POST /sessions/online` (JSON).
    SessionOpen,
    /// `POST /sessions/online/{ref}/invoices` (JSON).
    InvoiceSend,
    /// `POST /auth/xades-signature` (signed XML).
    XadesAuth,
}

/// Reads `body` as its handler does, up to where the handler needs state; an invoice send is
/// then unsealed as if its session held `key` and `iv`, and the invoice inspected. Shared with
/// the handlers so that a fuzzer's crash is one a client could cause.
pub(crate) fn read_request_body(
    which: RequestBody,
    body: &[u8],
    key: &[u8],
    iv: &[u8],
) -> Result<(), KsefError> {
    match which {
        RequestBody::TokenStart => auth::read_token_start(body).map(drop),
        RequestBody::SessionOpen => {
            let request = sessions::read_open(body)?;
            sessions::read_encryption(&request.encryption).map(drop)
        }
        RequestBody::InvoiceSend => {
            let declared = sessions::read_send(body)?;
            let plain = crate::networks::ksef::sessions::unseal(Some(key), iv, &declared)?;
            if let Some(plain) = plain {
                let received = jiff::civil::date(2026, 1, 1);
                let _ = crate::documents::inspect(
                    &plain,
                    &crate::documents::InspectionContext::new(received),
                );
            }
            Ok(())
        }
        RequestBody::XadesAuth => auth::read_xades(body).map(drop),
    }
}

/// Reads a JSON body; anything unreadable is 21405 with serde's words.
pub(crate) fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, KsefError> {
    serde_json::from_slice(body).map_err(|e| KsefError::invalid_input(e.to_string()))
}

/// A JSON answer with this status.
pub(crate) fn reply(status: axum::http::StatusCode, body: &serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

/// How long a download link (`downloadUrl`, `upoDownloadUrl`) stays valid once handed out.
pub(crate) const LINK_TTL: std::time::Duration = std::time::Duration::from_secs(3600);

/// An XML download with KSeF's `x-ms-meta-hash` (Base64 SHA-256 of the exact body).
pub(crate) fn xml_download(body: Vec<u8>) -> Response {
    let hash = crate::networks::ksef::crypto::sha256_base64(&body);
    (
        [
            (header::CONTENT_TYPE, "application/xml".to_owned()),
            (header::HeaderName::from_static("x-ms-meta-hash"), hash),
        ],
        body,
    )
        .into_response()
}
