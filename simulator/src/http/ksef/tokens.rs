//! KSeF tokens over HTTP: `POST /tokens`, `GET /tokens` (filters, continuation), `GET` and
//! `DELETE /tokens/{ref}`. The rules (who may create, see and revoke which token) are the
//! engine's (`networks/ksef/tokens.rs`); this file reads requests and writes KSeF's shapes.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::codelists::ksef::RateGroup;
use crate::http::ksef::{Caller, json_body, reply};
use crate::networks::ksef::error::KsefError;
use crate::networks::ksef::permissions::{Permission, Permissions};
use crate::networks::ksef::tokens::{IdentifierKind, KsefToken, TokenStatus};
use crate::networks::ksef::wire::ksef_time;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GenerateToken {
    permissions: Vec<String>,
    description: String,
}

/// A description of 5 to 256 characters, as `GenerateTokenRequest` requires.
fn check_description(description: &str) -> Result<(), KsefError> {
    let length = description.chars().count();
    if (5..=256).contains(&length) {
        Ok(())
    } else {
        Err(KsefError::invalid_input(format!(
            "description: expected 5 to 256 characters, found {length}"
        )))
    }
}

/// `POST /tokens`: 202 with the token, shown this once.
pub(crate) async fn create(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::Other)?;
    let request: GenerateToken = json_body(&body)?;
    check_description(&request.description)?;
    if request.permissions.is_empty() {
        return Err(KsefError::invalid_input(
            "permissions: expected at least one permission",
        ));
    }
    let permissions = request
        .permissions
        .iter()
        .map(|name| {
            Permission::for_token(name).ok_or_else(|| {
                KsefError::invalid_input(format!(
                    "permissions: `{name}` is not one of InvoiceRead, InvoiceWrite, CredentialsRead, CredentialsManage, SubunitManage, EnforcementOperations, Introspection"
                ))
            })
        })
        .collect::<Result<Permissions, KsefError>>()?;
    let (reference, token) =
        caller
            .ksef()
            .create_token(&grant, &request.description, permissions, caller.now)?;
    Ok(reply(
        StatusCode::ACCEPTED,
        &json!({"referenceNumber": reference, "token": token}),
    ))
}

/// A token as `GET /tokens` and `GET /tokens/{ref}` show it.
fn token_json(token: &KsefToken, now: jiff::Timestamp) -> Value {
    let mut body = json!({
        "referenceNumber": token.reference,
        "authorIdentifier": {"type": token.author.kind.name(), "value": token.author.value},
        "contextIdentifier": {"type": "Nip", "value": token.context},
        "description": token.description,
        "requestedPermissions": token.permissions.names(),
        "dateCreated": ksef_time(token.created),
        "status": token.status(now).name(),
        "statusDetails": [],
    });
    if token.status(now) == TokenStatus::Failed {
        body["statusDetails"] = json!(["Kontekst tokena został usunięty przed jego aktywacją."]);
    }
    if let Some(at) = token.last_use {
        body["lastUseDate"] = Value::from(ksef_time(at));
    }
    body
}

/// The filters of `GET /tokens`; `status` may repeat.
#[derive(Debug, Default)]
struct TokenFilter {
    statuses: Vec<TokenStatus>,
    description: Option<String>,
    author: Option<String>,
    author_kind: Option<IdentifierKind>,
    page_size: Option<usize>,
}

fn at_least_three(name: &str, value: String) -> Result<String, KsefError> {
    if value.chars().count() >= 3 {
        Ok(value.to_lowercase())
    } else {
        Err(KsefError::invalid_input(format!(
            "{name}: expected at least 3 characters, found `{value}`"
        )))
    }
}

fn read_filter(query: Option<&str>) -> Result<TokenFilter, KsefError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|e| KsefError::invalid_input(e.to_string()))?;
    let mut filter = TokenFilter::default();
    for (key, value) in pairs {
        match key.as_str() {
            "status" => filter
                .statuses
                .push(TokenStatus::from_name(&value).ok_or_else(|| {
                KsefError::invalid_input(format!(
                    "status: expected Pending, Active, Revoking, Revoked or Failed, found `{value}`"
                ))
            })?),
            "description" => filter.description = Some(at_least_three(&key, value)?),
            "authorIdentifier" => filter.author = Some(at_least_three(&key, value)?),
            "authorIdentifierType" => {
                filter.author_kind = Some(IdentifierKind::from_name(&value).ok_or_else(|| {
                    KsefError::invalid_input(format!(
                        "authorIdentifierType: expected Nip, Pesel or Fingerprint, found `{value}`"
                    ))
                })?);
            }
            "pageSize" => {
                filter.page_size = Some(value.parse().map_err(|_| {
                    KsefError::invalid_input(format!("pageSize: not a number: `{value}`"))
                })?);
            }
            _ => {}
        }
    }
    Ok(filter)
}

/// 10 to 100 per page, as `GET /tokens` and `GET /auth/sessions` take.
pub(crate) fn check_page_size(page_size: Option<usize>) -> Result<(), KsefError> {
    match page_size {
        Some(size) if !(10..=100).contains(&size) => Err(KsefError::invalid_input(format!(
            "pageSize: expected 10 to 100, found {size}"
        ))),
        _ => Ok(()),
    }
}

/// `GET /tokens`: the context's tokens this caller may see, newest first, filtered and paged.
pub(crate) async fn list(caller: Caller, RawQuery(query): RawQuery) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::Other)?;
    let filter = read_filter(query.as_deref())?;
    check_page_size(filter.page_size)?;
    let items: Vec<Value> = caller
        .ksef()
        .visible_tokens(&grant)
        .iter()
        .filter(|t| filter.statuses.is_empty() || filter.statuses.contains(&t.status(caller.now)))
        .filter(|t| {
            filter
                .description
                .as_ref()
                .is_none_or(|d| t.description.to_lowercase().contains(d))
        })
        .filter(|t| {
            filter
                .author
                .as_ref()
                .is_none_or(|a| t.author.value.to_lowercase().contains(a))
        })
        .filter(|t| filter.author_kind.is_none_or(|k| t.author.kind == k))
        .map(|t| token_json(t, caller.now))
        .collect();
    let (page, next) = super::invoices::page(&caller, items, filter.page_size)?;
    let mut body = json!({"tokens": page});
    if let Some(next) = next {
        body["continuationToken"] = Value::from(next);
    }
    Ok(reply(StatusCode::OK, &body))
}

/// `GET /tokens/{ref}`.
pub(crate) async fn status(
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::Other)?;
    let token = caller.ksef().token(&grant, &reference)?;
    Ok(reply(StatusCode::OK, &token_json(&token, caller.now)))
}

/// `DELETE /tokens/{ref}`: 204; the token is `Revoking`, then `Revoked`.
pub(crate) async fn revoke(
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::Other)?;
    caller.ksef().revoke_token(&grant, &reference, caller.now)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
