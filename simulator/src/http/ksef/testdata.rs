//! TEST's `/testdata` API: subjects, persons, permissions, attachment consent and blocked
//! contexts (the limit controls are `limits.rs`). Served only while the scenario says the
//! environment is TEST-like (`ksef.testdata`, on unless switched off); otherwise the whole
//! `/testdata` tree answers 404, as production does.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;

use crate::codelists::ksef::RateGroup;
use crate::http::ksef::{Caller, json_body, limits};
use crate::http::problem::AppError;
use crate::http::server::AppState;
use crate::networks::ksef::error::KsefError;
use crate::networks::ksef::permissions::{Permission, Permissions};
use crate::networks::ksef::testdata::Person;
use crate::networks::ksef::tokens::{Identifier, IdentifierKind};

/// The `/testdata` routes, behind the switch.
pub(crate) fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/subject", post(create_subject))
        .route("/subject/remove", post(remove_subject))
        .route("/person", post(create_person))
        .route("/person/remove", post(remove_person))
        .route("/permissions", post(grant))
        .route("/permissions/revoke", post(revoke))
        .route("/attachment", post(allow_attachments))
        .route("/attachment/revoke", post(revoke_attachments))
        .route("/context/block", post(block))
        .route("/context/unblock", post(unblock))
        .route(
            "/limits/context/session",
            post(limits::set_context).delete(limits::reset_context),
        )
        .route(
            "/limits/subject/certificate",
            post(limits::set_subject).delete(limits::reset_subject),
        )
        .route(
            "/rate-limits",
            post(limits::set_rates).delete(limits::reset_rates),
        )
        .route("/rate-limits/production", post(limits::production_rates))
        .layer(middleware::from_fn_with_state(state, served))
}

/// 404 for the whole tree when the scenario is production-like.
async fn served(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if state.simulation.run().ksef.settings.testdata_enabled() {
        return next.run(request).await;
    }
    let path = request.extensions().get::<OriginalUri>().map_or_else(
        || request.uri().path().to_owned(),
        |uri| uri.path().to_owned(),
    );
    AppError::NoRoute {
        method: request.method().to_string(),
        path,
    }
    .into_response()
}

fn ok() -> Response {
    StatusCode::OK.into_response()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Subunit {
    subject_nip: String,
    description: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubjectCreate {
    subject_nip: String,
    subject_type: String,
    #[serde(default)]
    subunits: Option<Vec<Subunit>>,
    description: String,
}

fn check_description(field: &str, description: &str) -> Result<(), KsefError> {
    let length = description.chars().count();
    if (5..=256).contains(&length) {
        Ok(())
    } else {
        Err(KsefError::invalid_input(format!(
            "{field}: expected 5 to 256 characters, found {length}"
        )))
    }
}

/// `POST /testdata/subject`.
async fn create_subject(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Public, "")?;
    let request: SubjectCreate = json_body(&body)?;
    if !["EnforcementAuthority", "VatGroup", "JST"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(request.subject_type.trim()))
    {
        return Err(KsefError::invalid_input(format!(
            "subjectType: expected EnforcementAuthority, VatGroup or JST, found `{}`",
            request.subject_type
        )));
    }
    check_description("description", &request.description)?;
    let subunits: Vec<String> = request
        .subunits
        .unwrap_or_default()
        .into_iter()
        .map(|unit| {
            check_description("subunits.description", &unit.description)?;
            Ok(unit.subject_nip.trim().to_owned())
        })
        .collect::<Result<_, KsefError>>()?;
    caller
        .ksef()
        .create_subject(request.subject_nip.trim(), &subunits)?;
    Ok(ok())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubjectRemove {
    subject_nip: String,
}

/// `POST /testdata/subject/remove`.
async fn remove_subject(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Public, "")?;
    let request: SubjectRemove = json_body(&body)?;
    caller
        .ksef()
        .remove_subject(request.subject_nip.trim(), caller.now)?;
    Ok(ok())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PersonCreate {
    nip: String,
    pesel: String,
    /// Required, but a bailiff is the owner of their context and holds every permission
    /// anyway.
    #[serde(rename = "isBailiff")]
    _bailiff: bool,
    description: String,
    #[serde(default)]
    is_deceased: bool,
}

/// `POST /testdata/person`.
async fn create_person(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Public, "")?;
    let request: PersonCreate = json_body(&body)?;
    check_description("description", &request.description)?;
    caller.ksef().create_person(
        request.nip.trim(),
        Person {
            pesel: request.pesel.trim().to_owned(),
            deceased: request.is_deceased,
        },
    )?;
    Ok(ok())
}

#[derive(Debug, Deserialize)]
struct ByNip {
    nip: String,
}

/// `POST /testdata/person/remove`.
async fn remove_person(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Public, "")?;
    let request: ByNip = json_body(&body)?;
    caller
        .ksef()
        .remove_person(request.nip.trim(), caller.now)?;
    Ok(ok())
}

#[derive(Debug, Deserialize)]
struct TypedIdentifier {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GrantedPermission {
    description: String,
    permission_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PermissionsGrant {
    context_identifier: TypedIdentifier,
    authorized_identifier: TypedIdentifier,
    permissions: Vec<GrantedPermission>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PermissionsRevoke {
    context_identifier: TypedIdentifier,
    authorized_identifier: TypedIdentifier,
}

/// The NIP of a test-data permission's context (`TestDataContextIdentifier`: NIP only).
fn context_nip(context: &TypedIdentifier) -> Result<String, KsefError> {
    if !context.kind.eq_ignore_ascii_case("Nip") {
        return Err(KsefError::invalid_input(format!(
            "contextIdentifier.type: expected Nip, found `{}`",
            context.kind
        )));
    }
    Ok(context.value.trim().to_owned())
}

fn authorized(who: &TypedIdentifier) -> Result<Identifier, KsefError> {
    let kind = IdentifierKind::from_name(&who.kind).ok_or_else(|| {
        KsefError::invalid_input(format!(
            "authorizedIdentifier.type: expected Nip, Pesel or Fingerprint, found `{}`",
            who.kind
        ))
    })?;
    let value = who.value.trim();
    let value = if kind == IdentifierKind::Fingerprint {
        value.to_ascii_uppercase()
    } else {
        value.to_owned()
    };
    Ok(Identifier { kind, value })
}

/// `POST /testdata/permissions`: the grant is what a XAdES login by `authorizedIdentifier`
/// into the context gets.
async fn grant(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Public, "")?;
    let request: PermissionsGrant = json_body(&body)?;
    let context = context_nip(&request.context_identifier)?;
    let who = authorized(&request.authorized_identifier)?;
    if !caller.ksef().subject_exists(&context) {
        return Err(KsefError::invalid_input(format!(
            "Kontekst {context} nie istnieje."
        )));
    }
    let permissions = request
        .permissions
        .iter()
        .map(|p| {
            check_description("permissions.description", &p.description)?;
            Permission::for_token(&p.permission_type).ok_or_else(|| {
                KsefError::invalid_input(format!(
                    "permissions.permissionType: `{}` is not a test-data permission",
                    p.permission_type
                ))
            })
        })
        .collect::<Result<Permissions, KsefError>>()?;
    if permissions.is_empty() {
        return Err(KsefError::invalid_input(
            "permissions: expected at least one permission",
        ));
    }
    caller.ksef().grant(&context, who, permissions);
    Ok(ok())
}

/// `POST /testdata/permissions/revoke`.
async fn revoke(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Public, "")?;
    let request: PermissionsRevoke = json_body(&body)?;
    let context = context_nip(&request.context_identifier)?;
    let who = authorized(&request.authorized_identifier)?;
    caller.ksef().revoke_grant(&context, &who)?;
    Ok(ok())
}

/// The NIP of an attachment-consent request, which must be a valid one.
fn consent_nip(body: &[u8]) -> Result<String, KsefError> {
    let request: ByNip = json_body(body)?;
    let nip = request.nip.trim().to_owned();
    if crate::networks::ksef::testdata::nip_ok(&nip) {
        Ok(nip)
    } else {
        Err(KsefError::invalid_input(format!(
            "nip: `{nip}` is not a valid NIP"
        )))
    }
}

/// `POST /testdata/attachment`.
async fn allow_attachments(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Public, "")?;
    caller.ksef().allow_attachments(&consent_nip(&body)?, true);
    Ok(ok())
}

/// `POST /testdata/attachment/revoke`.
async fn revoke_attachments(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Public, "")?;
    caller.ksef().allow_attachments(&consent_nip(&body)?, false);
    Ok(ok())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContextRequest {
    context_identifier: Option<TypedIdentifier>,
}

fn blocked_context(body: &[u8]) -> Result<String, KsefError> {
    let request: ContextRequest = json_body(body)?;
    let context = request
        .context_identifier
        .ok_or_else(|| KsefError::invalid_input("contextIdentifier is required"))?;
    if !["Nip", "InternalId", "NipVatUe", "PeppolId"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(context.kind.trim()))
    {
        return Err(KsefError::invalid_input(format!(
            "contextIdentifier.type: expected Nip, InternalId, NipVatUe or PeppolId, found `{}`",
            context.kind
        )));
    }
    Ok(context.value.trim().to_owned())
}

/// `POST /testdata/context/block`: authenticating into the context ends with 480.
async fn block(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Other, "")?;
    caller.ksef().block_context(&blocked_context(&body)?, true);
    Ok(ok())
}

/// `POST /testdata/context/unblock`.
async fn unblock(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Other, "")?;
    caller.ksef().block_context(&blocked_context(&body)?, false);
    Ok(ok())
}
