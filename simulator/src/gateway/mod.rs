//! The network-neutral provider API most integrators code against: OAuth2 client-credentials
//! tokens at `/connect/token` and the REST resources under `/api/v1`.
//!
//! Modelled on the provider seeds (token caching for the token's lifetime, one status call to
//! poll, throttled anti-patterns). Handlers stay thin: they authenticate, call into the store
//! and the networks, and say what went wrong as problem+json.

mod auth;
mod participants;
mod token;

use axum::Router;
use axum::routing::{get, post};

use crate::server::AppState;

pub(crate) use token::{AccessTokens, DEFAULT_TOKEN_TTL};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/connect/token", post(token::issue))
        .route("/api/v1/participants/{id}", get(participants::lookup))
}
