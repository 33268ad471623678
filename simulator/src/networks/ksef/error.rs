//! KSeF's two error shapes, and its CDN's HTML pages.
//!
//! A 400 is the legacy `{"exception": ...}` body unless the request asked for RFC 7807 with
//! `X-Error-Format: problem-details`; 401, 403 and 410 are always problem details; a 429 has its
//! own legacy body. Which one to write depends on the request, which a handler's error does not
//! carry, so [`KsefError`] only leaves itself in the response's extensions and
//! [`render_errors`] (a middleware on the KSeF router) writes the body with the request's
//! header, path and the simulated time at hand.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::wire::ksef_time;
use crate::digest::sha256_hex;
use crate::server::AppState;

/// An error answer of the KSeF API.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KsefError {
    /// 400 (or 500 for code 500) with one of KSeF's exception codes.
    #[error("KSeF exception {code}: {description}")]
    Exception {
        status: u16,
        code: u32,
        description: String,
        details: Vec<String>,
    },
    /// 401: no, malformed, expired or unknown bearer token.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// 403 with a `reasonCode`.
    #[error("forbidden ({reason}): {detail}")]
    Forbidden {
        reason: &'static str,
        detail: String,
    },
    /// 410: an authentication operation past its retention.
    #[error("gone: {0}")]
    Gone(String),
    /// 429 with `Retry-After`.
    #[error("too many requests: {detail}")]
    TooManyRequests { retry_after: u64, detail: String },
    /// What the CDN in front of KSeF answers during outages: an HTML page, not JSON.
    #[error("CDN error page {status}")]
    CdnPage {
        status: u16,
        retry_after: Option<u64>,
        maintenance: bool,
    },
    /// Something eisim does not simulate yet: said plainly, never faked.
    #[error("not supported yet: {0}")]
    NotSupported(String),
}

impl KsefError {
    /// A 400 with `code`, its official description and these details.
    pub fn exception(code: u32, details: impl IntoIterator<Item = String>) -> Self {
        KsefError::Exception {
            status: if code == 500 { 500 } else { 400 },
            code,
            description: description(code).to_owned(),
            details: details.into_iter().collect(),
        }
    }

    /// 21405 with the validator's words.
    pub fn invalid_input(detail: impl Into<String>) -> Self {
        Self::exception(21405, [detail.into()])
    }

    /// 21173: the session reference is unknown (or another context's).
    pub fn no_session(reference: &str) -> Self {
        Self::exception(
            21173,
            [format!(
                "Sesja o numerze referencyjnym {reference} nie została odnaleziona."
            )],
        )
    }

    pub fn status(&self) -> StatusCode {
        let code = match self {
            KsefError::Exception { status, .. } => *status,
            KsefError::Unauthorized(_) => 401,
            KsefError::Forbidden { .. } => 403,
            KsefError::Gone(_) => 410,
            KsefError::TooManyRequests { .. } => 429,
            KsefError::CdnPage { status, .. } => *status,
            KsefError::NotSupported(_) => 501,
        };
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// The official Polish description of an exception code (OpenAPI 2.6; 21184 from the 2.9
/// changelog, whose exact wording the spec does not give).
pub fn description(code: u32) -> &'static str {
    match code {
        500 => "Wystąpił nieoczekiwany błąd.",
        9101 => "Nieprawidłowy dokument.",
        9102 => "Brak podpisu.",
        9103 => "Przekroczona liczba dozwolonych podpisów.",
        9105 => "Nieprawidłowy podpis.",
        21001 => "Nieczytelna treść.",
        21111 => "Nieprawidłowe wyzwanie autoryzacyjne.",
        21115 => "Nieprawidłowy certyfikat.",
        21117 => "Nieprawidłowy identyfikator podmiotu dla wskazanego typu kontekstu.",
        21155 => "Przekroczono dozwoloną liczbę faktur w sesji.",
        21164 => "Faktura o podanym identyfikatorze nie istnieje.",
        21165 => "Faktura o podanym numerze KSeF nie jest jeszcze dostępna.",
        21173 => "Brak sesji o wskazanym numerze referencyjnym.",
        21178 => "Nie znaleziono UPO dla podanych kryteriów.",
        21180 => "Status sesji nie pozwala na wykonanie operacji.",
        21184 => "Sesja jest tymczasowo niedostępna. Otwórz nową sesję.",
        21217 => "Nieprawidłowe kodowanie znaków.",
        21301 => "Brak autoryzacji.",
        21304 => "Brak uwierzytelnienia.",
        21401 => "Dokument nie jest zgodny ze schemą (xsd).",
        21402 => "Nieprawidłowy rozmiar pliku.",
        21403 => "Nieprawidłowy skrót pliku.",
        21405 => "Błąd walidacji danych wejściowych.",
        21406 => "Konflikt podpisu i typu uwierzytelnienia.",
        21418 => "Przekazany token kontynuacji ma nieprawidłowy format.",
        21470 => "Przesłany identyfikator klucza jest nieznany lub wskazuje na wycofany klucz.",
        _ => "Błąd przetwarzania żądania.",
    }
}

/// Marks a response whose body [`render_errors`] still has to write.
// Read by `render_errors`, which the KSeF router (not on this branch yet) mounts.
#[allow(dead_code)]
#[derive(Clone, Debug)]
struct Pending(KsefError);

impl IntoResponse for KsefError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        response.extensions_mut().insert(Pending(self));
        response
    }
}

/// What a KSeF error body needs to know about the request it answers.
#[derive(Clone, Debug)]
pub struct Asked {
    pub problem_details: bool,
    pub instance: String,
    pub now: Timestamp,
}

impl Asked {
    pub fn of(headers: &HeaderMap, path: &str, now: Timestamp) -> Self {
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
#[allow(dead_code)]
pub(crate) async fn render_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let asked = Asked::of(
        request.headers(),
        request.uri().path(),
        state.world.epoch().clock.now(),
    );
    let response = next.run(request).await;
    match response.extensions().get::<Pending>().cloned() {
        Some(Pending(error)) => render(&error, &asked),
        None => response,
    }
}

/// The full answer for `error` as KSeF would give it to this request.
pub fn render(error: &KsefError, asked: &Asked) -> Response {
    let status = error.status();
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
