//! `GET /auth/sessions`, `DELETE /auth/sessions/current` and `DELETE /auth/sessions/{ref}`.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::codelists::ksef::RateGroup;
use crate::http::ksef::auth::{auth_description, method_json};
use crate::http::ksef::{Caller, reply};
use crate::networks::ksef::error::KsefError;
use crate::networks::ksef::jwt::TokenType;
use crate::networks::ksef::state::Ksef;
use crate::networks::ksef::wire::ksef_time;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageQuery {
    page_size: Option<usize>,
}

/// `GET /auth/sessions`: the context's active logins, newest first; `isCurrent` marks the
/// caller's own.
pub(crate) async fn list(
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::Other)?;
    super::tokens::check_page_size(query.page_size)?;
    let items: Vec<Value> = caller
        .ksef()
        .auth_sessions(&grant.context, caller.now)
        .iter()
        .map(|op| {
            let (code, details) = Ksef::auth_status(op, caller.now);
            let (method, info) = method_json(&op.method);
            let mut status = json!({"code": code, "description": auth_description(code)});
            if !details.is_empty() {
                status["details"] = json!(details);
            }
            let mut item = json!({
                "referenceNumber": op.reference,
                "isCurrent": op.reference == grant.auth,
                "startDate": ksef_time(op.started),
                "authenticationMethod": method,
                "authenticationMethodInfo": info,
                "status": status,
                "isTokenRedeemed": op.redeemed,
            });
            if let Some(at) = op.last_refresh {
                item["lastTokenRefreshDate"] = Value::from(ksef_time(at));
            }
            if let Some(at) = op.refresh_valid_until {
                item["refreshTokenValidUntil"] = Value::from(ksef_time(at));
            }
            item
        })
        .collect();
    let (page, next) = super::invoices::page(&caller, items, query.page_size)?;
    let mut body = json!({"items": page});
    if let Some(next) = next {
        body["continuationToken"] = Value::from(next);
    }
    Ok(reply(StatusCode::OK, &body))
}

/// `DELETE /auth/sessions/current`: with the access or the refresh token.
pub(crate) async fn revoke_current(caller: Caller) -> Result<Response, KsefError> {
    let ksef = caller.ksef();
    let (_, op) = ksef.bearer(
        caller.bearer_token(),
        &[TokenType::Access, TokenType::Refresh],
        caller.now,
    )?;
    caller.limit(RateGroup::Other, &op.context)?;
    ksef.revoke_current_auth_session(&op.reference);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /auth/sessions/{ref}`.
pub(crate) async fn revoke(
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::Other)?;
    caller.ksef().revoke_auth_session(&grant, &reference)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
