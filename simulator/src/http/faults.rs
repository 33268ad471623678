//! Fault injection at the door: the middleware that applies the running scenario's
//! [`FaultPlan`](crate::faults::FaultPlan) to each request.
//!
//! It sits inside the journaling layer, so what it answers is journaled like any other
//! exchange, and wraps every route and the fallback before any handler runs, so a faulted path
//! answers whether or not a route exists for it. Injected answers take each API's own shape: on
//! the KSeF API (`/v2/...`, `/api/v2/...`) KSeF's (the legacy or problem-details 429, the legacy
//! 500 body, the CDN's HTML page for 502/503/504), elsewhere an `injected-fault` problem.
//! `/_sim` is never faulted: a test must always be able to reach the control API.
//!
//! The TEST environment's echo lives here too: a KSeF API request carrying
//! `X-Test-System-Warning: v` gets `X-System-Warning: v` back.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::codelists::ksef::exception_description;
use crate::faults::{Answer, Injected, is_ksef_path};
use crate::http::ksef::error::{Asked, render};
use crate::http::problem::AppError;
use crate::http::server::AppState;
use crate::journal::Record;
use crate::networks::ksef::error::KsefError;
use crate::scenario::FaultKind;

/// The response header KSeF uses for notices beside a normal answer.
const SYSTEM_WARNING: &str = "x-system-warning";
/// The TEST environment's request header that KSeF echoes back as [`SYSTEM_WARNING`].
const TEST_SYSTEM_WARNING: &str = "x-test-system-warning";
/// `Retry-After` of an injected 429 on the KSeF API when the fault does not say.
const KSEF_DEFAULT_RETRY_AFTER: u64 = 30;

/// An injected answer in the shape of the API it answers for.
#[derive(Debug)]
enum Rendered {
    Ksef(KsefError),
    Problem(AppError),
}

/// The answer fault `fault` (from 0) gives, in its API's shape.
fn answered(answer: Answer, fault: usize) -> Rendered {
    match answer {
        Answer::KsefOutage { retry_after } => Rendered::Ksef(KsefError::CdnPage {
            status: 503,
            retry_after,
            maintenance: true,
        }),
        Answer::Status {
            status,
            retry_after,
            ksef: true,
        } => Rendered::Ksef(ksef_status(status, retry_after, fault)),
        Answer::Status {
            status,
            retry_after,
            ksef: false,
        } => Rendered::Problem(AppError::InjectedFault {
            status,
            retry_after,
            fault: fault + 1,
        }),
        Answer::KsefException { code } => {
            Rendered::Ksef(KsefError::exception(code, [injected_detail(fault)]))
        }
    }
}

/// KSeF's own answer for an injected status.
fn ksef_status(status: u16, retry_after: Option<u64>, index: usize) -> KsefError {
    match status {
        429 => {
            let retry_after = retry_after.unwrap_or(KSEF_DEFAULT_RETRY_AFTER);
            KsefError::TooManyRequests {
                retry_after,
                detail: format!(
                    "Przekroczono limit żądań. Spróbuj ponownie po {retry_after} sekundach."
                ),
            }
        }
        500 => KsefError::exception(500, []),
        502..=504 => KsefError::CdnPage {
            status,
            retry_after,
            maintenance: false,
        },
        401 => {
            KsefError::Unauthorized(format!("Brak uwierzytelnienia. {}", injected_detail(index)))
        }
        403 => KsefError::Forbidden {
            reason: "security-service-blocked",
            detail: injected_detail(index),
        },
        410 => KsefError::Gone(injected_detail(index)),
        _ => KsefError::Exception {
            status,
            code: 21405,
            description: exception_description(21405).to_owned(),
            details: vec![injected_detail(index)],
        },
    }
}

/// The `details` line of an injected KSeF error, so a log shows it was no real failure.
fn injected_detail(index: usize) -> String {
    format!(
        "Błąd wstrzyknięty przez scenariusz eisim (usterka {}).",
        index + 1
    )
}

fn is_control_path(path: &str) -> bool {
    path.strip_prefix("/_sim")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The middleware: answers, delays or marks requests as the running scenario's faults say.
pub(crate) async fn inject(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    if is_control_path(&path) {
        return next.run(request).await;
    }
    let echo = is_ksef_path(&path)
        .then(|| request.headers().get(TEST_SYSTEM_WARNING).cloned())
        .flatten();
    let run = state.simulation.run();
    if run.faults.is_empty() && echo.is_none() {
        return next.run(request).await;
    }
    let now = run.clock.now();
    let strike = run.faults.strike(&path, now);

    let journal = |fault: usize, kind: &FaultKind, status: Option<u16>, detail: Option<String>| {
        state.simulation.journal.append(
            now,
            None,
            Record::FaultInjected {
                fault: fault + 1,
                fault_kind: kind.as_str().to_owned(),
                target: path.clone(),
                status,
                detail,
            },
        );
    };
    let kind_of = |fault: usize| run.faults.kind(fault);
    for &fault in &strike.delays {
        if let Some(kind @ FaultKind::Latency { delay, .. }) = kind_of(fault) {
            journal(fault, kind, None, Some(format!("answered {delay} later")));
        }
    }
    for (fault, text) in &strike.warnings {
        if let Some(kind) = kind_of(*fault) {
            journal(*fault, kind, None, Some(text.clone()));
        }
    }

    if !strike.delay.is_zero() {
        tokio::time::sleep(strike.delay).await;
    }
    let mut response = match strike.answer {
        Some(Injected {
            fault,
            answer,
            detail,
        }) => {
            let response = match answered(answer, fault) {
                Rendered::Ksef(error) => {
                    let asked = Asked::of(request.headers(), &path, now);
                    render(&error, &asked)
                }
                Rendered::Problem(error) => error.into_response(),
            };
            if let Some(kind) = kind_of(fault) {
                journal(fault, kind, Some(response.status().as_u16()), detail);
            }
            response
        }
        None => next.run(request).await,
    };
    if let Some(seconds) = strike.retry_after
        && !response.headers().contains_key(header::RETRY_AFTER)
    {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    add_system_warnings(
        response.headers_mut(),
        echo.iter()
            .map(HeaderValue::as_bytes)
            .chain(strike.warnings.iter().map(|(_, text)| text.as_bytes())),
    );
    response
}

/// Adds `texts` to the answer's `X-System-Warning`, joined the way KSeF joins several
/// (`[code]: message | [code]: message`).
fn add_system_warnings<'a>(headers: &mut HeaderMap, texts: impl Iterator<Item = &'a [u8]>) {
    let mut joined: Vec<u8> = headers
        .get(SYSTEM_WARNING)
        .map(|existing| existing.as_bytes().to_vec())
        .unwrap_or_default();
    for text in texts {
        if !joined.is_empty() {
            joined.extend_from_slice(b" | ");
        }
        joined.extend_from_slice(text);
    }
    if joined.is_empty() {
        return;
    }
    // Scenario texts are checked to be one line and echoes were valid request headers, so
    // this holds; an invalid value would be left out rather than break the answer.
    if let Ok(value) = HeaderValue::from_bytes(&joined) {
        headers.insert(SYSTEM_WARNING, value);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn the_control_api_is_never_faulted() {
        assert!(is_control_path("/_sim"));
        assert!(is_control_path("/_sim/clock/advance"));
        assert!(!is_control_path("/_simulate"));
    }

    #[test]
    fn ksef_exceptions_and_outages_answer_in_ksef_shapes() {
        assert!(matches!(
            answered(Answer::KsefException { code: 21184 }, 0),
            Rendered::Ksef(KsefError::Exception {
                code: 21184,
                status: 400,
                ..
            })
        ));
        assert!(matches!(
            answered(
                Answer::KsefOutage {
                    retry_after: Some(599)
                },
                1
            ),
            Rendered::Ksef(KsefError::CdnPage {
                status: 503,
                retry_after: Some(599),
                maintenance: true
            })
        ));
        assert!(matches!(
            answered(
                Answer::Status {
                    status: 503,
                    retry_after: Some(5),
                    ksef: false
                },
                1
            ),
            Rendered::Problem(AppError::InjectedFault {
                status: 503,
                retry_after: Some(5),
                fault: 2
            })
        ));
    }

    #[test]
    fn statuses_take_ksef_shapes_on_the_ksef_api() {
        assert!(matches!(
            ksef_status(429, None, 0),
            KsefError::TooManyRequests {
                retry_after: 30,
                ..
            }
        ));
        assert_eq!(ksef_status(500, Some(5), 0), KsefError::exception(500, []));
        assert!(matches!(
            ksef_status(504, Some(5), 0),
            KsefError::CdnPage {
                status: 504,
                retry_after: Some(5),
                maintenance: false
            }
        ));
        assert!(matches!(
            ksef_status(418, None, 2),
            KsefError::Exception { status: 418, code: 21405, ref details, .. }
                if details[0].contains("usterka 3")
        ));
        assert_eq!(ksef_status(401, None, 0).status_code(), 401);
        assert_eq!(ksef_status(403, None, 0).status_code(), 403);
        assert_eq!(ksef_status(410, None, 0).status_code(), 410);
    }

    #[test]
    fn warnings_join_the_way_ksef_joins_them() {
        let mut headers = HeaderMap::new();
        add_system_warnings(&mut headers, std::iter::empty());
        assert!(headers.get(SYSTEM_WARNING).is_none());
        headers.insert(SYSTEM_WARNING, HeaderValue::from_static("[1]: a"));
        add_system_warnings(
            &mut headers,
            ["[2]: b".as_bytes(), "[3]: żółw".as_bytes()].into_iter(),
        );
        assert_eq!(
            headers[SYSTEM_WARNING].as_bytes(),
            "[1]: a | [2]: b | [3]: żółw".as_bytes()
        );
    }

    /// Latency is wall time; under paused tokio time the wait costs nothing and is exact.
    #[tokio::test(start_paused = true)]
    async fn latency_delays_the_answer_and_is_journaled() {
        use tower::ServiceExt;

        let yaml = "name: slow\nclock: virtual\nfaults:\n  - { latency: 3s, path: /connect/* }\n";
        let scenario = crate::scenario::parse(yaml, "t.yaml").unwrap();
        let simulation = std::sync::Arc::new(crate::simulation::Simulation::new(
            scenario,
            "t.yaml".into(),
            crate::simulation::Overrides::default(),
            crate::journal::Journal::default(),
        ));
        let app = crate::http::server::app(
            simulation.clone(),
            crate::http::server::ServerSettings::default(),
        );
        let started = tokio::time::Instant::now();
        let response = app
            .oneshot(
                axum::http::Request::post("/connect/token")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(started.elapsed(), std::time::Duration::from_secs(3));
        // The token endpoint's own answer to a body without a content type, only later.
        assert_eq!(response.status().as_u16(), 415);
        let entries = simulation.journal.query(&crate::journal::JournalQuery {
            kind: Some(crate::journal::RecordKind::FaultInjected),
            ..Default::default()
        });
        assert_eq!(entries.len(), 1);
        assert!(matches!(
            &entries[0].record,
            Record::FaultInjected { fault: 1, fault_kind, target, status: None, .. }
                if fault_kind == "latency" && target == "/connect/token"
        ));
    }
}
