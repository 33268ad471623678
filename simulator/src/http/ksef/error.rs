//! KSeF's two error shapes, and its CDN's HTML pages.
//!
//! A 400 is the legacy `{"exception": ...}` body unless the request asked for RFC 7807 with
//! `X-Error-Format: problem-details`; 401, 403 and 410 are always problem details; a 429 has its
//! own legacy body. Which one to write depends on the request, which a handler's error does not
//! carry, so a [`KsefError`] only leaves itself in the response's extensions and
//! [`render_errors`] (a middleware on the KSeF router) writes the body with the request's
//! header, path and the simulated time at hand.

use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::digest::sha256_hex;
use crate::http::server::AppState;
use crate::networks::ksef::error::KsefError;
use crate::networks::ksef::wire::ksef_time;

/// The status of `error` as an HTTP status.
fn status_of(error: &KsefError) -> StatusCode {
    StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Marks a response whose body [`render_errors`] still has to write.
#[derive(Clone, Debug)]
struct Pending(KsefError);

impl IntoResponse for KsefError {
    fn into_response(self) -> Response {
        let mut response = status_of(&self).into_response();
        response.extensions_mut().insert(Pending(self));
        response
    }
}

/// What a KSeF error body needs to know about the request it answers.
#[derive(Clone, Debug)]
pub(crate) struct Asked {
    pub problem_details: bool,
    pub instance: String,
    pub now: Timestamp,
}

impl Asked {
    pub(crate) fn of(headers: &HeaderMap, path: &str, now: Timestamp) -> Self {
        let problem_details = headers
            .get("x-error-format")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("problem-details"));
        Asked {
            problem_details,
            instance: path.to_owned(),
            now,
        }
    }
}

/// Writes the body of every [`KsefError`] raised below it.
pub(crate) async fn render_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    // Inside the `/v2` nest the URI has lost its prefix; the instance is the path as asked.
    let path = request.extensions().get::<OriginalUri>().map_or_else(
        || request.uri().path().to_owned(),
        |uri| uri.path().to_owned(),
    );
    let asked = Asked::of(request.headers(), &path, state.simulation.run().clock.now());
    let response = next.run(request).await;
    match response.extensions().get::<Pending>().cloned() {
        Some(Pending(error)) => render(&error, &asked),
        None => response,
    }
}

/// The full answer for `error` as KSeF would give it to this request.
pub(crate) fn render(error: &KsefError, asked: &Asked) -> Response {
    let status = status_of(error);
    let trace = trace_id(asked);
    let timestamp = ksef_time(asked.now);
    let problem = |title: &str, detail: &str, extra: Value| {
        let mut body = json!({
            "title": title,
            "status": status.as_u16(),
            "instance": asked.instance,
            "detail": detail,
            "timestamp": timestamp,
            "traceId": trace,
        });
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        json_response(status, "application/problem+json", &body)
    };
    match error {
        KsefError::Exception {
            code,
            description,
            details,
            ..
        } if asked.problem_details => problem(
            if status == StatusCode::BAD_REQUEST {
                "Bad Request"
            } else {
                "Internal Server Error"
            },
            "Żądanie jest nieprawidłowe.",
            json!({"errors": [{"code": code, "description": description, "details": details}]}),
        ),
        KsefError::Exception {
            code,
            description,
            details,
            ..
        } => {
            let body = json!({"exception": {
                "exceptionDetailList": [{
                    "exceptionCode": code,
                    "exceptionDescription": description,
                    "details": details,
                }],
                "serviceCode": format!("00-{trace}-{}-00", trace.get(..16).unwrap_or_default()),
                "serviceName": "ksef-api",
                "timestamp": timestamp,
            }});
            json_response(status, "application/json", &body)
        }
        KsefError::Unauthorized(detail) => problem("Unauthorized", detail, Value::Null),
        KsefError::Forbidden { reason, detail } => {
            problem("Forbidden", detail, json!({"reasonCode": reason}))
        }
        KsefError::MissingPermissions { required, present } => problem(
            "Forbidden",
            "Brak wymaganych uprawnień do wykonania operacji w bieżącym kontekście.",
            json!({
                "reasonCode": "missing-permissions",
                "security": {"requiredAnyOfPermissions": required, "presentPermissions": present},
            }),
        ),
        KsefError::Gone(detail) => problem("Gone", detail, Value::Null),
        KsefError::TooManyRequests {
            retry_after,
            detail,
        } => {
            let mut response = if asked.problem_details {
                problem("Too Many Requests", detail, Value::Null)
            } else {
                let body = json!({"status": {
                    "code": 429,
                    "description": "Too Many Requests",
                    "details": [detail],
                }});
                json_response(status, "application/json", &body)
            };
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            response
        }
        KsefError::CdnPage {
            retry_after,
            maintenance,
            ..
        } => {
            let mut response = (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                cdn_page(status, *maintenance),
            )
                .into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
            }
            response
        }
        KsefError::NotSupported(what) => {
            let body = json!({
                "type": "urn:eisim:problem:not-supported",
                "title": "Not supported by eisim yet",
                "status": 501,
                "detail": format!("{what} is not supported by eisim yet"),
                "instance": asked.instance,
            });
            json_response(status, "application/problem+json", &body)
        }
    }
}

fn json_response(status: StatusCode, content_type: &'static str, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, content_type)],
        body.to_string(),
    )
        .into_response()
}

/// A trace id that differs per request and repeats for the same request at the same
/// simulated instant (so snapshots hold still).
fn trace_id(asked: &Asked) -> String {
    let hex = sha256_hex(format!("{}|{}", asked.instance, asked.now).as_bytes());
    hex.get(..32).unwrap_or("0").to_owned()
}

/// The page the CDN in front of KSeF shows instead of the API's JSON when the back end is
/// away: clients that parse every answer as JSON fail here, which is the point.
fn cdn_page(status: StatusCode, maintenance: bool) -> String {
    let reason = status.canonical_reason().unwrap_or("Error");
    let text = if maintenance {
        "Trwają prace serwisowe. Spróbuj ponownie później. / Service maintenance in progress."
    } else {
        "The server is temporarily unable to service your request. Please try again later."
    };
    format!(
        "<!DOCTYPE html>\n<html><head><title>{code} {reason}</title></head>\n\
         <body><h1>{code} {reason}</h1><p>{text}</p>\
         <p>Incident ID: eisim-cdn</p></body></html>\n",
        code = status.as_u16()
    )
}
