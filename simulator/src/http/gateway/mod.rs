//! The network-neutral provider API most integrators code against: OAuth2 client-credentials
//! tokens at `/connect/token` and the REST resources under `/api/v1`.
//!
//! Modelled on the provider seeds (token caching for the token's lifetime, one status call to
//! poll, throttled anti-patterns). Handlers stay thin: they authenticate, call into the store
//! and the networks, and say what went wrong as problem+json.

mod auth;
mod envelope;
mod idempotency;
mod intake;
mod invoices;
mod meter;
mod openapi;
mod participants;
mod printout;
mod responses;
mod submissions;
mod token;
mod views;
mod webhooks;

use std::collections::BTreeMap;

use axum::Router;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, post, put};

use crate::http::server::AppState;

pub(crate) use idempotency::request_key as idempotency_key;
pub(crate) use meter::rate_limit_fields;

/// Every gateway route, in one table: the router is built from it and the OpenAPI test
/// compares it with `openapi.json`, so the two cannot drift apart.
pub(crate) fn route_table() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::POST, "/connect/token", post(token::issue)),
        (Method::GET, "/api/v1/openapi.json", get(openapi::serve)),
        (Method::POST, "/api/v1/invoices", post(invoices::submit)),
        (Method::GET, "/api/v1/invoices", get(invoices::list)),
        (
            Method::GET,
            "/api/v1/invoices/recent",
            get(invoices::recent),
        ),
        (Method::GET, "/api/v1/invoices/{id}", get(invoices::get)),
        (
            Method::GET,
            "/api/v1/invoices/{id}/status",
            get(invoices::status),
        ),
        (
            Method::GET,
            "/api/v1/invoices/{id}/document",
            get(invoices::document),
        ),
        (
            Method::GET,
            "/api/v1/invoices/{id}/notifications",
            get(invoices::notifications),
        ),
        (
            Method::GET,
            "/api/v1/invoices/{id}/notifications/{name}",
            get(invoices::notification),
        ),
        (
            Method::POST,
            "/api/v1/invoices/{id}/responses",
            post(responses::respond),
        ),
        (
            Method::GET,
            "/api/v1/invoices/{id}/printout",
            get(invoices::printout),
        ),
        (
            Method::POST,
            "/api/v1/submissions",
            post(submissions::submit),
        ),
        (
            Method::GET,
            "/api/v1/submissions/{id}",
            get(submissions::get),
        ),
        (
            Method::GET,
            "/api/v1/participants/{id}",
            get(participants::lookup),
        ),
        (Method::POST, "/api/v1/webhooks", post(webhooks::create)),
        (Method::GET, "/api/v1/webhooks", get(webhooks::list)),
        (Method::GET, "/api/v1/webhooks/{id}", get(webhooks::get)),
        (
            Method::DELETE,
            "/api/v1/webhooks/{id}",
            delete(webhooks::delete),
        ),
        (
            Method::POST,
            "/api/v1/webhooks/{id}/rotate-secret",
            post(webhooks::rotate),
        ),
        (
            Method::POST,
            "/api/v1/webhooks/{id}/test",
            post(webhooks::test),
        ),
        (
            Method::POST,
            "/api/v1/webhooks/{id}/enable",
            post(webhooks::enable),
        ),
        (
            Method::GET,
            "/api/v1/webhooks/{id}/deliveries",
            get(webhooks::deliveries),
        ),
        (
            Method::POST,
            "/api/v1/webhooks/{id}/deliveries/{event_id}/resend",
            post(webhooks::resend),
        ),
        (
            Method::POST,
            "/api/v1/webhooks/{id}/recover",
            post(webhooks::recover),
        ),
        (
            Method::PUT,
            "/api/v1/callback",
            put(webhooks::register_callback),
        ),
        (Method::GET, "/api/v1/callback", get(webhooks::get_callback)),
        (
            Method::DELETE,
            "/api/v1/callback",
            delete(webhooks::delete_callback),
        ),
    ]
}

pub(crate) fn routes() -> Router<AppState> {
    let mut by_path: BTreeMap<&'static str, MethodRouter<AppState>> = BTreeMap::new();
    for (_, path, handler) in route_table() {
        let merged = match by_path.remove(path) {
            Some(existing) => existing.merge(handler),
            None => handler,
        };
        by_path.insert(path, merged);
    }
    by_path
        .into_iter()
        .fold(Router::new(), |router, (path, handler)| {
            router.route(path, handler)
        })
}
