//! Every error the simulator library can return, in one place.
//!
//! Two families: errors for the Rust caller (starting a simulator, opening a journal) and
//! [`AppError`], which an HTTP handler returns and which becomes an RFC 9457 problem document
//! with a stable `type`, so clients can branch on the type rather than on prose.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::clock::ClockError;
use crate::documents::DocumentError;
use crate::networks::peppol::ResponseError;
use crate::scenario::ScenarioErrors;
use crate::store::TokenExpiryOverflow;
use crate::vocabulary::Network;
use crate::webhooks::RedeliveryError;

/// A failed HTTP request, answered as `application/problem+json`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("no route for {method} {path}")]
    NoRoute { method: String, path: String },
    #[error("the control API needs `Authorization: Bearer <control token>`")]
    ControlTokenMissing,
    #[error("expected content type {expected}, got {found}")]
    UnsupportedMediaType {
        expected: &'static str,
        found: String,
    },
    #[error("request body larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    InvalidScenario(#[from] ScenarioErrors),
    #[error("malformed token request: {0}")]
    TokenRequestMalformed(String),
    #[error("grant type `{0}` is not supported; use `client_credentials`")]
    UnsupportedGrantType(String),
    #[error("unknown client id or wrong client secret")]
    InvalidClient {
        /// The credentials came in a Basic header, so the challenge names Basic.
        basic: bool,
    },
    #[error(
        "this call needs `Authorization: Bearer <access token>`; get one from POST /connect/token"
    )]
    Unauthenticated,
    #[error("{0}")]
    InvalidToken(String),
    #[error("{0}")]
    MalformedParticipantId(String),
    #[error("no participant `{id}` is registered on {network}")]
    ParticipantNotFound { id: String, network: Network },
    #[error("{0}")]
    Clock(#[from] ClockError),
    #[error("{0}")]
    InvalidEnvelope(String),
    #[error("{0}")]
    DocumentUnreadable(String),
    #[error("{0}")]
    HostileXml(String),
    #[error("{0}")]
    UnsupportedDocumentFormat(String),
    #[error("the {format} document breaks {} rule(s) of its network", findings.len())]
    DocumentInvalid {
        format: &'static str,
        findings: Vec<crate::documents::Finding>,
        corrections: Vec<crate::documents::Correction>,
    },
    #[error("{0}")]
    RecipientNotReachable(String),
    #[error("{reason}; the original is {original_id}")]
    DuplicateSubmission { original_id: String, reason: String },
    #[error(
        "too many duplicate submissions: submissions from this account are throttled; retry after {retry_after} seconds, and do not resubmit documents that were answered with a 2xx"
    )]
    DuplicateThrottled {
        status: u16,
        retry_after: u64,
        /// The document this submission repeated, when a duplicate set the throttle off.
        original_id: Option<String>,
    },
    #[error(
        "rate limit of {} requests per {} seconds for `{}` calls exceeded; retry after {retry_after} seconds",
        quota.requests, quota.per.as_secs(), group.as_str()
    )]
    RateLimited {
        group: crate::scenario::EndpointGroup,
        quota: crate::limits::Quota,
        retry_after: u64,
    },
    #[error(
        "this Idempotency-Key was already used with a different request; use a new key for a new request"
    )]
    IdempotencyKeyReused,
    #[error("a request with this Idempotency-Key is still being processed; retry shortly")]
    IdempotencyKeyInFlight,
    #[error("no document `{0}` for this account")]
    DocumentNotFound(String),
    #[error("no submission `{0}` for this account")]
    SubmissionNotFound(String),
    #[error("no webhook endpoint `{0}` for this account")]
    EndpointNotFound(String),
    #[error("no SDI file or message `{0}` in this run")]
    SdiFileNotFound(String),
    /// An Invoice Response asked for something Peppol cannot carry: a document that is not
    /// an invoice the tenant received over Peppol, or a response the BIS rules refuse.
    #[error("{message}")]
    InvoiceResponseRefused {
        /// The rule it breaks (`PEPPOL-T111-R001`), when one does.
        rule: Option<&'static str>,
        message: String,
    },
    /// An Invoice Response out of the order OP-BR111 allows after the earlier ones.
    #[error("{message}")]
    InvoiceResponseOrder {
        rule: &'static str,
        message: String,
        allowed: Vec<String>,
    },
    #[error("{0}")]
    InvalidSubscription(String),
    #[error("the ERP callback did not answer the registration ping: {0}")]
    CallbackUnreachable(String),
    #[error(
        "no ERP callback is registered for this account; register one with PUT /api/v1/callback"
    )]
    CallbackNotRegistered,
    #[error(
        "webhook endpoint `{0}` is disabled; enable it (POST .../enable) before sending to it again"
    )]
    EndpointDisabled(String),
    #[error("no event `{event}` was sent to webhook endpoint `{endpoint}`")]
    WebhookEventNotFound { endpoint: String, event: String },
    /// The scenario's `faults:` section answers this request with an error, as a flaky
    /// provider would; the request itself was not looked at.
    #[error(
        "the scenario injects HTTP {status} on this path now (fault {fault}); the request was not processed{}",
        retry_after.map(|s| format!(", retry after {s} seconds")).unwrap_or_default()
    )]
    InjectedFault {
        status: u16,
        retry_after: Option<u64>,
        /// The fault's place in the scenario's `faults:` list, from 1.
        fault: usize,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A 415 naming what was `expected` and the media type `found` (empty when the request
    /// had no Content-Type).
    pub(crate) fn unsupported_media_type(expected: &'static str, found: &str) -> Self {
        AppError::UnsupportedMediaType {
            expected,
            found: if found.is_empty() {
                "no content type".into()
            } else {
                found.to_owned()
            },
        }
    }

    /// The stable part of the problem `type` URI; documented in the README.
    pub(crate) fn slug(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad-request",
            AppError::NoRoute { .. } => "no-route",
            AppError::ControlTokenMissing => "control-token-missing",
            AppError::UnsupportedMediaType { .. } => "unsupported-media-type",
            AppError::PayloadTooLarge { .. } => "payload-too-large",
            AppError::InvalidScenario(_) => "invalid-scenario",
            AppError::TokenRequestMalformed(_) => "token-request-malformed",
            AppError::UnsupportedGrantType(_) => "unsupported-grant-type",
            AppError::InvalidClient { .. } => "invalid-client",
            AppError::Unauthenticated => "unauthenticated",
            AppError::InvalidToken(_) => "invalid-token",
            AppError::MalformedParticipantId(_) => "malformed-participant-id",
            AppError::ParticipantNotFound { .. } => "participant-not-found",
            AppError::Clock(ClockError::Backwards { .. }) => "clock-backwards",
            AppError::Clock(_) => "clock",
            AppError::InvalidEnvelope(_) => "invalid-envelope",
            AppError::DocumentUnreadable(_) => "document-unreadable",
            AppError::HostileXml(_) => "hostile-xml",
            AppError::UnsupportedDocumentFormat(_) => "unsupported-document-format",
            AppError::DocumentInvalid { .. } => "document-invalid",
            AppError::RecipientNotReachable(_) => "recipient-not-reachable",
            AppError::DuplicateSubmission { .. } => "duplicate-submission",
            AppError::DuplicateThrottled { .. } => "duplicate-submissions-throttled",
            AppError::RateLimited { .. } => "rate-limited",
            AppError::IdempotencyKeyReused => "idempotency-key-reused",
            AppError::IdempotencyKeyInFlight => "idempotency-key-in-flight",
            AppError::DocumentNotFound(_) => "document-not-found",
            AppError::SubmissionNotFound(_) => "submission-not-found",
            AppError::SdiFileNotFound(_) => "sdi-file-not-found",
            AppError::InvoiceResponseRefused { .. } => "invoice-response-refused",
            AppError::InvoiceResponseOrder { .. } => "invoice-response-order",
            AppError::EndpointNotFound(_) => "webhook-not-found",
            AppError::InvalidSubscription(_) => "invalid-subscription",
            AppError::CallbackUnreachable(_) => "callback-unreachable",
            AppError::CallbackNotRegistered => "callback-not-registered",
            AppError::EndpointDisabled(_) => "webhook-disabled",
            AppError::WebhookEventNotFound { .. } => "webhook-event-not-found",
            AppError::InjectedFault { .. } => "injected-fault",
            AppError::Internal(_) => "internal",
        }
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::NoRoute { .. } => StatusCode::NOT_FOUND,
            AppError::ControlTokenMissing => StatusCode::UNAUTHORIZED,
            AppError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::InvalidScenario(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TokenRequestMalformed(_) | AppError::UnsupportedGrantType(_) => {
                StatusCode::BAD_REQUEST
            }
            AppError::InvalidClient { .. }
            | AppError::Unauthenticated
            | AppError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            AppError::MalformedParticipantId(_) => StatusCode::BAD_REQUEST,
            AppError::ParticipantNotFound { .. } => StatusCode::NOT_FOUND,
            AppError::Clock(ClockError::Backwards { .. }) => StatusCode::CONFLICT,
            AppError::Clock(_) => StatusCode::BAD_REQUEST,
            AppError::InvalidEnvelope(_)
            | AppError::DocumentUnreadable(_)
            | AppError::HostileXml(_) => StatusCode::BAD_REQUEST,
            AppError::UnsupportedDocumentFormat(_)
            | AppError::DocumentInvalid { .. }
            | AppError::RecipientNotReachable(_)
            | AppError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::DuplicateSubmission { .. } | AppError::IdempotencyKeyInFlight => {
                StatusCode::CONFLICT
            }
            AppError::DuplicateThrottled { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::TOO_MANY_REQUESTS)
            }
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::DocumentNotFound(_)
            | AppError::SdiFileNotFound(_)
            | AppError::SubmissionNotFound(_)
            | AppError::EndpointNotFound(_)
            | AppError::CallbackNotRegistered
            | AppError::WebhookEventNotFound { .. } => StatusCode::NOT_FOUND,
            AppError::InvoiceResponseRefused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::InvoiceResponseOrder { .. } => StatusCode::CONFLICT,
            AppError::InvalidSubscription(_) | AppError::CallbackUnreachable(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::EndpointDisabled(_) => StatusCode::CONFLICT,
            AppError::InjectedFault { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE)
            }
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "Bad request",
            AppError::NoRoute { .. } => "Not found",
            AppError::ControlTokenMissing => "Control token required",
            AppError::UnsupportedMediaType { .. } => "Unsupported media type",
            AppError::PayloadTooLarge { .. } => "Payload too large",
            AppError::InvalidScenario(_) => "Invalid scenario",
            AppError::TokenRequestMalformed(_) => "Malformed token request",
            AppError::UnsupportedGrantType(_) => "Unsupported grant type",
            AppError::InvalidClient { .. } => "Invalid client",
            AppError::Unauthenticated => "Authentication required",
            AppError::InvalidToken(_) => "Invalid access token",
            AppError::MalformedParticipantId(_) => "Malformed participant id",
            AppError::ParticipantNotFound { .. } => "Participant not found",
            AppError::Clock(_) => "Clock cannot do that",
            AppError::InvalidEnvelope(_) => "Invalid submission envelope",
            AppError::DocumentUnreadable(_) => "Document is not readable XML",
            AppError::HostileXml(_) => "Hostile XML refused",
            AppError::UnsupportedDocumentFormat(_) => "Unsupported document format",
            AppError::DocumentInvalid { .. } => "Document failed validation",
            AppError::RecipientNotReachable(_) => "Recipient not reachable",
            AppError::DuplicateSubmission { .. } => "Duplicate submission",
            AppError::DuplicateThrottled { .. } => "Duplicate submissions throttled",
            AppError::RateLimited { .. } => "Too many requests",
            AppError::IdempotencyKeyReused => "Idempotency key reused",
            AppError::IdempotencyKeyInFlight => "Idempotency key in use",
            AppError::DocumentNotFound(_) => "Document not found",
            AppError::SubmissionNotFound(_) => "Submission not found",
            AppError::SdiFileNotFound(_) => "SDI file not found",
            AppError::EndpointNotFound(_) => "Webhook endpoint not found",
            AppError::InvalidSubscription(_) => "Invalid subscription",
            AppError::CallbackUnreachable(_) => "Callback unreachable",
            AppError::CallbackNotRegistered => "No callback registered",
            AppError::EndpointDisabled(_) => "Webhook endpoint disabled",
            AppError::WebhookEventNotFound { .. } => "Webhook event not found",
            AppError::InjectedFault { .. } => "Injected fault",
            AppError::InvoiceResponseRefused { .. } => "Invoice Response refused",
            AppError::InvoiceResponseOrder { .. } => "Invoice Response out of order",
            AppError::Internal(_) => "Internal error",
        }
    }

    /// The RFC 6749 §5.2 error code, for OAuth clients that read `error` rather than `type`.
    fn oauth_error(&self) -> Option<&'static str> {
        match self {
            AppError::TokenRequestMalformed(_) => Some("invalid_request"),
            AppError::UnsupportedGrantType(_) => Some("unsupported_grant_type"),
            AppError::InvalidClient { .. } => Some("invalid_client"),
            AppError::InvalidToken(_) => Some("invalid_token"),
            _ => None,
        }
    }

    /// The `WWW-Authenticate` challenge a 401 must carry (RFC 9110 §11.6.1, RFC 6750 §3).
    fn challenge(&self) -> Option<String> {
        match self {
            AppError::ControlTokenMissing => Some("Bearer realm=\"eisim-control\"".into()),
            AppError::InvalidClient { basic: true } => Some("Basic realm=\"eisim\"".into()),
            AppError::InvalidClient { basic: false } | AppError::Unauthenticated => {
                Some("Bearer realm=\"eisim\"".into())
            }
            AppError::InvalidToken(why) => Some(format!(
                "Bearer realm=\"eisim\", error=\"invalid_token\", error_description=\"{}\"",
                why.replace('"', "'")
            )),
            _ => None,
        }
    }

    /// `Retry-After` and the IETF RateLimit fields on refusals that ask the client to wait.
    fn throttle_headers(&self) -> Vec<(header::HeaderName, String)> {
        match self {
            AppError::RateLimited {
                group,
                quota,
                retry_after,
            } => {
                let mut headers = vec![(header::RETRY_AFTER, retry_after.to_string())];
                headers.extend(crate::http::gateway::rate_limit_fields(
                    *group,
                    *quota,
                    0,
                    *retry_after,
                ));
                headers
            }
            AppError::DuplicateThrottled { retry_after, .. }
            | AppError::InjectedFault {
                retry_after: Some(retry_after),
                ..
            } => {
                vec![(header::RETRY_AFTER, retry_after.to_string())]
            }
            _ => Vec::new(),
        }
    }

    /// The problem document (RFC 9457) for this error.
    pub(crate) fn problem(&self) -> Value {
        let mut body = json!({
            "type": format!("urn:eisim:problem:{}", self.slug()),
            "title": self.title(),
            "status": self.status().as_u16(),
            "detail": self.to_string(),
        });
        if let (Some(code), Some(map)) = (self.oauth_error(), body.as_object_mut()) {
            map.insert("error".into(), json!(code));
            map.insert("error_description".into(), json!(self.to_string()));
        }
        if let Some(map) = body.as_object_mut() {
            match self {
                AppError::DocumentInvalid {
                    format,
                    findings,
                    corrections,
                } => {
                    map.insert("format".into(), json!(format));
                    map.insert("errors".into(), json!(findings));
                    map.insert("warnings".into(), json!(corrections));
                }
                AppError::InvoiceResponseRefused {
                    rule: Some(rule), ..
                } => {
                    map.insert("rule".into(), json!(rule));
                }
                AppError::InvoiceResponseOrder { rule, allowed, .. } => {
                    map.insert("rule".into(), json!(rule));
                    map.insert("allowed".into(), json!(allowed));
                }
                AppError::DuplicateSubmission { original_id, .. }
                | AppError::DuplicateThrottled {
                    original_id: Some(original_id),
                    ..
                } => {
                    map.insert(
                        "original".into(),
                        json!({ "id": original_id, "href": format!("/api/v1/invoices/{original_id}") }),
                    );
                }
                _ => {}
            }
            match self {
                AppError::DuplicateThrottled { retry_after, .. }
                | AppError::RateLimited { retry_after, .. }
                | AppError::InjectedFault {
                    retry_after: Some(retry_after),
                    ..
                } => {
                    map.insert("retry_after".into(), json!(retry_after));
                }
                _ => {}
            }
        }
        if let (AppError::InvalidScenario(errors), Some(map)) = (self, body.as_object_mut()) {
            let list: Vec<Value> = errors
                .errors
                .iter()
                .map(|e| {
                    json!({
                        "line": e.line,
                        "column": e.column,
                        "kind": e.kind.as_str(),
                        "message": e.message,
                        "suggestion": e.suggestion,
                    })
                })
                .collect();
            map.insert("errors".into(), Value::Array(list));
        }
        body
    }
}

// What the layers below say went wrong, as the gateway's problem types: the one place their
// errors meet HTTP.

impl From<DocumentError> for AppError {
    fn from(error: DocumentError) -> Self {
        match error {
            error @ DocumentError::NotXml(_) => AppError::DocumentUnreadable(error.to_string()),
            DocumentError::Hostile(why) => AppError::HostileXml(why),
            DocumentError::UnsupportedFormat(why) => AppError::UnsupportedDocumentFormat(why),
        }
    }
}

impl From<ResponseError> for AppError {
    fn from(error: ResponseError) -> Self {
        match error {
            ResponseError::NoDocument(id) => AppError::DocumentNotFound(id),
            ResponseError::Refused { rule, message } => {
                AppError::InvoiceResponseRefused { rule, message }
            }
            ResponseError::OutOfOrder {
                rule,
                message,
                allowed,
            } => AppError::InvoiceResponseOrder {
                rule,
                message,
                allowed,
            },
            ResponseError::Inconsistent(why) => AppError::Internal(why),
        }
    }
}

impl From<RedeliveryError> for AppError {
    fn from(error: RedeliveryError) -> Self {
        match error {
            RedeliveryError::NoEndpoint(id) => AppError::EndpointNotFound(id),
            RedeliveryError::NoEvent { endpoint, event } => {
                AppError::WebhookEventNotFound { endpoint, event }
            }
            RedeliveryError::Disabled(id) => AppError::EndpointDisabled(id),
        }
    }
}

impl From<TokenExpiryOverflow> for AppError {
    fn from(error: TokenExpiryOverflow) -> Self {
        AppError::Internal(error.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        // An injected 5xx is the scenario working, not the simulator failing.
        if status.is_server_error() && !matches!(self, AppError::InjectedFault { .. }) {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = (status, Json(self.problem())).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        for (name, value) in self.throttle_headers() {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, value);
            }
        }
        if let Some(value) = self
            .challenge()
            .and_then(|c| HeaderValue::from_str(&c).ok())
        {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}
