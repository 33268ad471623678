//! Bearer authentication for `/api/v1`: the extractor every tenant-scoped handler takes, so a
//! handler cannot forget to authenticate and always knows whose data it may touch.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::http::problem::AppError;
use crate::http::server::{AppState, TenantSlot};
use crate::store::TokenRejection;
use crate::vocabulary::TenantId;

/// The tenant a valid access token belongs to.
#[derive(Debug, Clone)]
pub(crate) struct Authenticated(pub(crate) TenantId);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(AppError::Unauthenticated)?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthenticated)?;
        let run = state.simulation.run();
        match run.tokens.check(token, run.clock.now()) {
            Ok(tenant) => {
                if let Some(slot) = parts.extensions.get::<TenantSlot>() {
                    let _ = slot.0.set(tenant.clone());
                }
                Ok(Authenticated(tenant))
            }
            Err(TokenRejection::Expired) => Err(AppError::InvalidToken(
                "the access token expired; request a new one from /connect/token".into(),
            )),
            Err(TokenRejection::Unknown) => Err(AppError::InvalidToken(
                "the access token is not one this simulator issued (or it was issued before the last reset)".into(),
            )),
        }
    }
}
