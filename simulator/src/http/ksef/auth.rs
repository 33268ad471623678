//! Authentication: challenge, KSeF-token or XAdES start, the operation's status, redeeming the
//! tokens once, and refreshing the access token.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::codelists::ksef::RateGroup;
use crate::documents::DocumentError;
use crate::http::ksef::{Caller, json_body, reply};
use crate::networks::ksef::error::KsefError;
use crate::networks::ksef::jwt::TokenType;
use crate::networks::ksef::number::reference_number;
use crate::networks::ksef::state::{Ksef, Method, date_of};
use crate::networks::ksef::testdata::LoginVerdict;
use crate::networks::ksef::wire::{ksef_time, unix_millis};
use crate::networks::ksef::xades::{self, ContextKind};
use crate::xml;

/// `POST /auth/challenge`: all four fields, because some clients fail without `clientIp` or
/// `timestampMs`.
pub(crate) async fn challenge(caller: Caller) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Public, "")?;
    let (challenge, at) = caller.ksef().challenge(caller.now);
    Ok(reply(
        StatusCode::OK,
        &json!({
            "challenge": challenge,
            "timestamp": ksef_time(at),
            "timestampMs": unix_millis(at),
            "clientIp": caller.ip,
        }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenAuth {
    challenge: String,
    context_identifier: ContextIdentifier,
    encrypted_token: String,
    public_key_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ContextIdentifier {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

/// Context types in any case: some clients send `nip`.
fn context_kind(kind: &str) -> Result<ContextKind, KsefError> {
    match kind.to_ascii_lowercase().as_str() {
        "nip" => Ok(ContextKind::Nip),
        "internalid" => Ok(ContextKind::InternalId),
        "nipvatue" => Ok(ContextKind::NipVatUe),
        "peppolid" => Ok(ContextKind::PeppolId),
        _ => Err(KsefError::invalid_input(format!(
            "contextIdentifier.type: expected Nip, InternalId, NipVatUe or PeppolId, found `{kind}`"
        ))),
    }
}

/// 21470 unless the client used eisim's key (or did not say which it used).
pub(crate) fn check_key_id(ksef: &Ksef, key_id: Option<&str>) -> Result<(), KsefError> {
    match key_id {
        Some(id) if id != ksef.keys()?.public_key_id() => Err(KsefError::exception(
            21470,
            [format!("Klucz o identyfikatorze {id} nie jest wspierany.")],
        )),
        _ => Ok(()),
    }
}

/// The failure a status code stands for when the scenario gives no details.
fn failure(code: u16, detail: &str) -> (u16, Vec<String>) {
    (code, vec![detail.to_owned()])
}

/// What `POST /auth/ksef-token` reads from the client's bytes before it looks at any state.
pub(super) struct TokenStart {
    request: TokenAuth,
    kind: ContextKind,
    /// `encryptedToken`, Base64-decoded: still RSA-OAEP encrypted.
    encrypted: Vec<u8>,
}

/// Reads a KSeF-token start's body (also the fuzz target's entry, see [`crate::fuzzing`]).
pub(super) fn read_token_start(body: &[u8]) -> Result<TokenStart, KsefError> {
    let request: TokenAuth = json_body(body)?;
    let kind = context_kind(&request.context_identifier.kind)?;
    let encrypted = B64
        .decode(request.encrypted_token.trim())
        .map_err(|e| KsefError::invalid_input(format!("encryptedToken: not Base64 ({e})")))?;
    Ok(TokenStart {
        request,
        kind,
        encrypted,
    })
}

/// `POST /auth/ksef-token`: the token comes RSA-OAEP encrypted as `token|timestampMs`.
/// Problems with the token itself show up later, as status 450 or 415 of the operation.
pub(crate) async fn ksef_token(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Public, "")?;
    let TokenStart {
        request,
        kind,
        encrypted,
    } = read_token_start(&body)?;
    let ksef = caller.ksef();
    check_key_id(ksef, request.public_key_id.as_deref())?;
    let issued = ksef.use_challenge(&request.challenge, caller.now)?;
    let context = request.context_identifier.value.trim().to_owned();

    let plain = ksef
        .keys()?
        .decrypt(&encrypted)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let mut token_reference = None;
    let verdict = match plain.as_deref().and_then(|p| p.rsplit_once('|')) {
        None => Err(failure(450, "Nieprawidłowy token")),
        Some((_, stamp)) if stamp.trim().parse::<i64>().ok() != Some(unix_millis(issued)) => {
            Err(failure(450, "Nieprawidłowy czas tokena"))
        }
        Some((token, _)) if kind != ContextKind::Nip => {
            token_reference = ksef
                .registry
                .tokens()
                .by_secret(token)
                .map(|t| t.reference.clone());
            Err(failure(415, "Brak przypisanych uprawnień"))
        }
        Some((token, _)) => {
            let (verdict, reference) = ksef.token_login(token, &context, caller.now);
            token_reference = reference;
            verdict
        }
    };
    let method = Method::Token {
        token_reference: token_reference.unwrap_or_else(|| {
            reference_number(date_of(caller.now), "EC", &request.encrypted_token)
        }),
    };
    Ok(started(ksef, method, context, verdict, caller.now))
}

fn started(
    ksef: &Ksef,
    method: Method,
    context: String,
    verdict: LoginVerdict,
    now: jiff::Timestamp,
) -> Response {
    let (outcome, login) = match verdict {
        Ok(login) => ((200, Vec::new()), Some(login)),
        Err(outcome) => (outcome, None),
    };
    let (reference, token, valid_until) = ksef.start_auth(method, context, outcome, now);
    if let Some(login) = login {
        ksef.registry.note_login(&reference, login);
    }
    reply(
        StatusCode::ACCEPTED,
        &json!({
            "referenceNumber": reference,
            "authenticationToken": { "token": token, "validUntil": ksef_time(valid_until) },
        }),
    )
}

/// Reads a signed `AuthTokenRequest` (well-formed XML, the schema, the signature's shape).
pub(super) fn read_xades(body: &[u8]) -> Result<xades::AuthRequest, KsefError> {
    let doc = xml::parse(body).map_err(|error| match DocumentError::from(error) {
        DocumentError::Hostile(why) => KsefError::exception(21001, [why]),
        other => KsefError::exception(21001, [other.to_string()]),
    })?;
    xades::read_auth_request(&doc, body).map_err(|e| KsefError::exception(e.code(), e.details()))
}

/// `POST /auth/xades-signature`: a structurally valid signed `AuthTokenRequest`; the signature
/// itself is not verified (TEST accepts self-signed certificates; the README says so).
pub(crate) async fn xades(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Public, "")?;
    let ksef = caller.ksef();
    let request = read_xades(&body)?;
    ksef.use_challenge(&request.challenge, caller.now)?;
    let (kind, context) = request.context.clone();
    let verdict = if kind == ContextKind::Nip {
        ksef.xades_login(
            &context,
            request.certificate_nip.as_deref(),
            request.certificate_pesel.as_deref(),
            &request.certificate_fingerprint,
        )
    } else {
        Err(failure(415, "Brak przypisanych uprawnień"))
    };
    let method = Method::Xades {
        document_hash: request.document_hash.clone(),
    };
    Ok(started(ksef, method, context, verdict, caller.now))
}

pub(super) fn auth_description(code: u16) -> &'static str {
    match code {
        100 => "Uwierzytelnianie w toku",
        200 => "Uwierzytelnianie zakończone sukcesem",
        415 | 460 | 470 => "Uwierzytelnianie zakończone niepowodzeniem",
        425 => "Uwierzytelnienie unieważnione",
        450 => "Uwierzytelnianie zakończone niepowodzeniem z powodu błędnego tokenu",
        480 => "Uwierzytelnienie zablokowane",
        550 => "Operacja została anulowana przez system",
        _ => "Nieznany błąd",
    }
}

/// `authenticationMethod` and `authenticationMethodInfo` of a login made with `method`.
pub(super) fn method_json(method: &Method) -> (&'static str, Value) {
    match method {
        Method::Token { .. } => (
            "Token",
            json!({"category": "Token", "code": "token.ksef", "displayName": "Token KSeF"}),
        ),
        Method::Xades { .. } => (
            "QualifiedSeal",
            json!({"category": "XadesSignature", "code": "seal.qualified", "displayName": "Pieczęć kwalifikowana"}),
        ),
    }
}

/// `GET /auth/{ref}` with the operation token: 100 until the scenario's delay has passed.
pub(crate) async fn status(
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Public, "")?;
    let ksef = caller.ksef();
    let (_, op) = ksef.bearer(
        caller.bearer_token(),
        &[TokenType::Operation, TokenType::Access],
        caller.now,
    )?;
    if op.reference != reference {
        return Err(KsefError::exception(
            21304,
            [format!(
                "Operacja uwierzytelniania o numerze referencyjnym {reference} nie została znaleziona."
            )],
        ));
    }
    if Ksef::auth_gone(&op, caller.now) {
        return Err(KsefError::Gone(format!(
            "Operacja uwierzytelniania {reference} nie jest już dostępna."
        )));
    }
    let (code, details) = Ksef::auth_status(&op, caller.now);
    let (method, info) = method_json(&op.method);
    let mut status = json!({"code": code, "description": auth_description(code)});
    if !details.is_empty() {
        status["details"] = json!(details);
    }
    let mut body = json!({
        "startDate": ksef_time(op.started),
        "authenticationMethod": method,
        "authenticationMethodInfo": info,
        "status": status,
        "isTokenRedeemed": op.redeemed,
    });
    if let Some(at) = op.last_refresh {
        body["lastTokenRefreshDate"] = Value::from(ksef_time(at));
    }
    if let Some(at) = op.refresh_valid_until {
        body["refreshTokenValidUntil"] = Value::from(ksef_time(at));
    }
    Ok(reply(StatusCode::OK, &body))
}

/// `POST /auth/token/redeem`: the access and refresh tokens, once per operation.
pub(crate) async fn redeem(caller: Caller) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Public, "")?;
    let ksef = caller.ksef();
    let (_, op) = ksef.bearer(caller.bearer_token(), &[TokenType::Operation], caller.now)?;
    let (code, _) = Ksef::auth_status(&op, caller.now);
    if code != 200 {
        return Err(KsefError::exception(
            21301,
            [format!(
                "Status uwierzytelniania ({code}) nie pozwala na pobranie tokenów."
            )],
        ));
    }
    if op.redeemed {
        return Err(KsefError::exception(
            21301,
            [format!(
                "Tokeny dla operacji uwierzytelniania {} zostały już pobrane.",
                op.reference
            )],
        ));
    }
    let (access, access_until) = ksef.issue(
        TokenType::Access,
        &op.reference,
        &op.context,
        &op.method,
        caller.now,
    );
    let (refresh, refresh_until) = ksef.issue(
        TokenType::Refresh,
        &op.reference,
        &op.context,
        &op.method,
        caller.now,
    );
    if let Some(stored) = ksef.records().auths.get_mut(&op.reference) {
        stored.redeemed = true;
        stored.refresh_token = Some(refresh.clone());
        stored.refresh_valid_until = Some(refresh_until);
    }
    Ok(reply(
        StatusCode::OK,
        &json!({
            "accessToken": { "token": access, "validUntil": ksef_time(access_until) },
            "refreshToken": { "token": refresh, "validUntil": ksef_time(refresh_until) },
        }),
    ))
}

/// `POST /auth/token/refresh`: a new access token. An expired or revoked refresh token is a
/// 400 with 21301, not a 401, as on the real service (#524).
pub(crate) async fn refresh(caller: Caller) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Public, "")?;
    let ksef = caller.ksef();
    let token = caller.bearer_token().unwrap_or_default().to_owned();
    let known = ksef
        .records()
        .tokens
        .get(&token)
        .filter(|issued| issued.kind == TokenType::Refresh)
        .cloned();
    let Some(issued) = known else {
        return Err(KsefError::Unauthorized(
            "Nieprawidłowy token odświeżający.".to_owned(),
        ));
    };
    let op = ksef.records().auths.get(&issued.auth).cloned();
    let Some(op) = op.filter(|op| !op.revoked && caller.now < issued.valid_until) else {
        return Err(KsefError::exception(
            21301,
            ["Token odświeżający wygasł lub został unieważniony.".to_owned()],
        ));
    };
    let (access, until) = ksef.issue(
        TokenType::Access,
        &op.reference,
        &op.context,
        &op.method,
        caller.now,
    );
    if let Some(stored) = ksef.records().auths.get_mut(&op.reference) {
        stored.last_refresh = Some(caller.now);
    }
    Ok(reply(
        StatusCode::OK,
        &json!({ "accessToken": { "token": access, "validUntil": ksef_time(until) } }),
    ))
}
