//! Fault injection: the scenario's `faults:` section, applied to HTTP requests as they come in.
//!
//! Each fault has a window on the run's simulated clock, `[start + from, start + from + for)`.
//! One middleware ([`inject`]) sits inside the journaling layer, so what it answers is
//! journaled like any other exchange, and wraps every route and the fallback before any
//! handler runs, so a faulted path answers whether or not a route exists for it. For a request
//! inside a fault's window whose path matches its glob:
//!
//! - `http_status` answers with that status instead of the handler: on the KSeF API (`/v2/...`,
//!   `/api/v2/...`) in KSeF's own shapes (the legacy or problem-details 429, the legacy 500
//!   body, the CDN's HTML page for 502/503/504), elsewhere as an `injected-fault` problem;
//! - `ksef_exception` answers a KSeF API request with a 400 carrying that exception code;
//! - `outage: ksef` answers every KSeF API request with the CDN's maintenance page;
//!   on the gateway an outage answers nothing, but documents for that network wait until it
//!   ends ([`Faults::release`], used by the gateway's lifecycle);
//! - `latency` waits that long (wall time: it is the network's latency) before going on;
//! - `system_warning` adds `X-System-Warning` to whatever the answer is.
//!
//! `rate` picks requests with a seeded draw keyed by the fault and a count of the requests it
//! has matched, so a replay with the same seed strikes the same requests. `/_sim` is never
//! faulted: a test must always be able to reach the control API.
//!
//! The TEST environment's echo lives here too: a KSeF API request carrying
//! `X-Test-System-Warning: v` gets `X-System-Warning: v` back.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;

use crate::digest::unit_draw;
use crate::errors::AppError;
use crate::journal::Record;
use crate::networks::ksef::error::{self as ksef_error, Asked, KsefError, render};
use crate::scenario::{Fault, FaultKind, glob_matches};
use crate::server::AppState;
use crate::vocabulary::Network;

/// The response header KSeF uses for notices beside a normal answer.
const SYSTEM_WARNING: &str = "x-system-warning";
/// The TEST environment's request header that KSeF echoes back as [`SYSTEM_WARNING`].
const TEST_SYSTEM_WARNING: &str = "x-test-system-warning";
/// `Retry-After` of an injected 429 on the KSeF API when the fault does not say.
const KSEF_DEFAULT_RETRY_AFTER: u64 = 30;

/// A fault's window on one run's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    opens: Timestamp,
    /// `None`: open until the end of the run.
    closes: Option<Timestamp>,
}

impl Window {
    /// `[start + from, start + from + for)`; an instant past the end of time pins there.
    pub(crate) fn of(fault: &Fault, start: Timestamp) -> Window {
        let after = |t: Timestamp, by: Duration| t.checked_add(by).unwrap_or(Timestamp::MAX);
        let opens = after(start, fault.from.as_std());
        Window {
            opens,
            closes: fault.lasts.map(|lasts| after(opens, lasts.as_std())),
        }
    }

    pub(crate) fn contains(&self, now: Timestamp) -> bool {
        self.opens <= now && self.closes.is_none_or(|closes| now < closes)
    }

    /// Whole seconds from `now` until the window closes, rounded up; `None` if it never does.
    pub(crate) fn seconds_left(&self, now: Timestamp) -> Option<u64> {
        let closes = self.closes?;
        let nanos = closes.as_nanosecond().saturating_sub(now.as_nanosecond());
        let seconds = u128::try_from(nanos).unwrap_or(0).div_ceil(1_000_000_000);
        Some(u64::try_from(seconds).unwrap_or(u64::MAX))
    }
}

/// One fault of the running scenario, placed on the run's clock.
#[derive(Debug)]
struct Armed {
    fault: Fault,
    window: Window,
    /// Requests matched so far (in the window, on the path): the key of the next rate draw.
    matched: AtomicU64,
}

/// The faults of one run, with their windows and counters. A reset starts them afresh.
#[derive(Debug)]
pub(crate) struct Faults {
    armed: Vec<Armed>,
    seed: u64,
}

/// When a step of a document's life can happen, given the network's outages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Release {
    /// When it was due: no outage is in the way.
    Due,
    /// Held by an outage (fault `fault`, from 0) until it ends.
    Held { until: Timestamp, fault: usize },
    /// Held by an outage (fault `fault`, from 0) that lasts until the end of the run.
    Never { fault: usize },
}

impl Faults {
    /// `faults` placed on a run that started at `start` and draws from `seed`.
    pub(crate) fn new(faults: &[Fault], start: Timestamp, seed: u64) -> Faults {
        Faults {
            armed: faults
                .iter()
                .map(|fault| Armed {
                    window: Window::of(fault, start),
                    fault: fault.clone(),
                    matched: AtomicU64::new(0),
                })
                .collect(),
            seed,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.armed.is_empty()
    }

    /// When something due at `due` on `network` can happen: at once, or when the outage it
    /// falls in ends (outages that touch carry it on to the end of the last one).
    pub(crate) fn release(&self, network: Network, due: Timestamp) -> Release {
        let mut at = due;
        let mut held = None;
        loop {
            let outage = self.armed.iter().enumerate().find(|(_, armed)| {
                matches!(armed.fault.kind, FaultKind::Outage { network: n } if n == network)
                    && armed.window.contains(at)
            });
            // Each round moves `at` to the end of a window containing it, so strictly
            // forward; with finitely many windows the loop ends.
            match outage {
                None => break,
                Some((fault, armed)) => match armed.window.closes {
                    Some(closes) => {
                        held.get_or_insert(fault);
                        at = closes;
                    }
                    None => return Release::Never { fault },
                },
            }
        }
        match held {
            Some(fault) => Release::Held { until: at, fault },
            None => Release::Due,
        }
    }

    /// What the faults do to a request for `path` at `now`. Counts the request against every
    /// fault whose window and path it falls in, so rates are drawn in arrival order.
    fn strike(&self, path: &str, now: Timestamp) -> Strike {
        let ksef = is_ksef_path(path);
        let mut strike = Strike::default();
        for (index, armed) in self.armed.iter().enumerate() {
            if !armed.window.contains(now) {
                continue;
            }
            let kind = &armed.fault.kind;
            if let FaultKind::Outage { network } = kind {
                if *network == Network::Ksef && ksef && strike.answer.is_none() {
                    let retry_after = armed.window.seconds_left(now);
                    strike.answer = Some(Injected {
                        fault: index,
                        answer: Answer::Ksef(KsefError::CdnPage {
                            status: 503,
                            retry_after,
                            maintenance: true,
                        }),
                        detail: Some(match armed.window.closes {
                            Some(closes) => format!("KSeF is in an outage until {closes}"),
                            None => "KSeF is in an outage until the end of the run".to_owned(),
                        }),
                    });
                }
                continue;
            }
            let applies = kind.path().is_some_and(|glob| glob_matches(glob, path))
                && (ksef || !matches!(kind, FaultKind::KsefException { .. }));
            if !applies || !self.drawn(index, armed) {
                continue;
            }
            match kind {
                FaultKind::HttpStatus {
                    status,
                    retry_after,
                    ..
                } if strike.answer.is_none() => {
                    let retry_after = retry_after.map(|after| seconds_up(after.as_std()));
                    strike.answer = Some(Injected {
                        fault: index,
                        answer: if ksef {
                            Answer::Ksef(ksef_status(*status, retry_after, index))
                        } else {
                            Answer::Gateway(AppError::InjectedFault {
                                status: *status,
                                retry_after,
                                fault: index + 1,
                            })
                        },
                        detail: None,
                    });
                    strike.retry_after = retry_after;
                }
                FaultKind::KsefException { code, .. } if strike.answer.is_none() => {
                    strike.answer = Some(Injected {
                        fault: index,
                        answer: Answer::Ksef(KsefError::exception(*code, [injected_detail(index)])),
                        detail: Some(ksef_error::description(*code).to_owned()),
                    });
                }
                FaultKind::Latency { delay, .. } => {
                    strike.delay += delay.as_std();
                    strike.delays.push(index);
                }
                FaultKind::SystemWarning { text, .. } => {
                    strike.warnings.push((index, text.clone()));
                }
                _ => {}
            }
        }
        strike
    }

    /// Whether this matching request is one of the share `rate` picks: the same seed picks
    /// the same requests, counted per fault.
    fn drawn(&self, index: usize, armed: &Armed) -> bool {
        let count = armed.matched.fetch_add(1, Ordering::Relaxed);
        match armed.fault.kind.rate() {
            None => true,
            Some(rate) => draw(self.seed, index, count) < rate.get(),
        }
    }
}

/// The seeded draw for the `count`-th request (from 0) fault `index` matched.
fn draw(seed: u64, index: usize, count: u64) -> f64 {
    unit_draw(&format!("{seed}:fault:{index}:{count}"))
}

/// What the faults do to one request.
#[derive(Debug, Default)]
struct Strike {
    /// The answer given instead of the handler's, by the first fault in the list that has one.
    answer: Option<Injected>,
    /// `Retry-After` the answer should carry where its shape has no place of its own for it.
    retry_after: Option<u64>,
    delay: Duration,
    /// The latency faults behind `delay`.
    delays: Vec<usize>,
    /// `X-System-Warning` texts, with the faults they came from.
    warnings: Vec<(usize, String)>,
}

#[derive(Debug)]
struct Injected {
    fault: usize,
    answer: Answer,
    detail: Option<String>,
}

#[derive(Debug)]
enum Answer {
    Ksef(KsefError),
    Gateway(AppError),
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
            description: ksef_error::description(21405).to_owned(),
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

/// Seconds for `Retry-After`, rounded up so a client never comes back early.
fn seconds_up(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// The KSeF API is served under `/v2` and, for older integrations, `/api/v2`.
pub(crate) fn is_ksef_path(path: &str) -> bool {
    ["/v2", "/api/v2"].iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
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
    let epoch = state.world.epoch();
    if epoch.faults.is_empty() && echo.is_none() {
        return next.run(request).await;
    }
    let now = epoch.clock.now();
    let strike = epoch.faults.strike(&path, now);

    let journal = |fault: usize, kind: &FaultKind, status: Option<u16>, detail: Option<String>| {
        state.world.journal.append(
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
    let kind_of = |fault: usize| epoch.faults.armed.get(fault).map(|armed| &armed.fault.kind);
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
            let response = match answer {
                Answer::Ksef(error) => {
                    let asked = Asked::of(request.headers(), &path, now);
                    render(&error, &asked)
                }
                Answer::Gateway(error) => error.into_response(),
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
    use crate::scenario::{Duration as ScenarioDuration, Probability};

    /// 2026-01-01T00:00:00Z.
    const START: Timestamp = Timestamp::constant(1_767_225_600, 0);

    fn at(seconds: u64) -> Timestamp {
        START.checked_add(Duration::from_secs(seconds)).unwrap()
    }

    fn fault(kind: FaultKind, from: u64, lasts: Option<u64>) -> Fault {
        Fault {
            kind,
            from: ScenarioDuration::from_secs(from),
            lasts: lasts.map(ScenarioDuration::from_secs),
        }
    }

    fn status(status: u16, path: &str, rate: Option<f64>) -> FaultKind {
        FaultKind::HttpStatus {
            status,
            path: path.to_owned(),
            rate: rate.and_then(Probability::new),
            retry_after: None,
        }
    }

    fn outage(network: Network) -> FaultKind {
        FaultKind::Outage { network }
    }

    #[test]
    fn a_window_opens_at_from_and_closes_before_from_plus_for() {
        let window = Window::of(&fault(outage(Network::Ksef), 600, Some(1800)), START);
        assert!(!window.contains(at(599)));
        assert!(window.contains(at(600)));
        assert!(window.contains(at(2399)));
        assert!(!window.contains(at(2400)));
        assert_eq!(window.seconds_left(at(600)), Some(1800));
        assert_eq!(
            window.seconds_left(at(2399).checked_add(Duration::from_millis(1)).unwrap()),
            Some(1)
        );
        assert_eq!(window.seconds_left(at(3000)), Some(0));

        let open_ended = Window::of(&fault(outage(Network::Ksef), 0, None), START);
        assert!(open_ended.contains(START));
        assert!(open_ended.contains(Timestamp::MAX));
        assert_eq!(open_ended.seconds_left(START), None);

        let far = Window::of(&fault(outage(Network::Ksef), u64::MAX / 4, Some(1)), START);
        assert!(!far.contains(Timestamp::MAX.checked_sub(Duration::from_secs(1)).unwrap()));
    }

    #[test]
    fn faults_match_by_window_and_path_and_never_touch_the_control_api() {
        let faults = Faults::new(
            &[
                fault(status(503, "/api/v1/*", None), 60, Some(60)),
                fault(status(502, "*", None), 0, None),
            ],
            START,
            1,
        );
        let answered_by = |path: &str, now| faults.strike(path, now).answer.map(|a| a.fault);
        assert_eq!(answered_by("/api/v1/invoices", at(59)), Some(1));
        assert_eq!(answered_by("/api/v1/invoices", at(60)), Some(0));
        assert_eq!(answered_by("/connect/token", at(60)), Some(1));
        assert_eq!(answered_by("/api/v1/invoices", at(120)), Some(1));
        assert!(is_control_path("/_sim"));
        assert!(is_control_path("/_sim/clock/advance"));
        assert!(!is_control_path("/_simulate"));
    }

    #[test]
    fn ksef_paths_are_v2_and_api_v2() {
        for path in ["/v2", "/v2/sessions", "/api/v2", "/api/v2/auth/challenge"] {
            assert!(is_ksef_path(path), "{path}");
        }
        for path in [
            "/v20/x",
            "/api/v1/invoices",
            "/connect/token",
            "/",
            "/api/v2x",
        ] {
            assert!(!is_ksef_path(path), "{path}");
        }
    }

    #[test]
    fn ksef_exceptions_and_ksef_outages_answer_only_the_ksef_api() {
        let faults = Faults::new(
            &[
                fault(
                    FaultKind::KsefException {
                        code: 21184,
                        path: "*/invoices".to_owned(),
                        rate: None,
                    },
                    0,
                    None,
                ),
                fault(outage(Network::Ksef), 0, Some(600)),
            ],
            START,
            1,
        );
        let strike = faults.strike("/api/v1/invoices", START);
        assert!(strike.answer.is_none());
        let strike = faults.strike("/v2/sessions/online/x/invoices", START);
        assert!(matches!(
            strike.answer,
            Some(Injected {
                fault: 0,
                answer: Answer::Ksef(KsefError::Exception {
                    code: 21184,
                    status: 400,
                    ..
                }),
                ..
            })
        ));
        let strike = faults.strike("/api/v2/sessions", at(1));
        assert!(matches!(
            strike.answer,
            Some(Injected {
                fault: 1,
                answer: Answer::Ksef(KsefError::CdnPage {
                    status: 503,
                    retry_after: Some(599),
                    maintenance: true
                }),
                ..
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
        assert_eq!(ksef_status(401, None, 0).status().as_u16(), 401);
        assert_eq!(ksef_status(403, None, 0).status().as_u16(), 403);
        assert_eq!(ksef_status(410, None, 0).status().as_u16(), 410);
    }

    /// The `count`-th matching requests a fault with `rate` strikes, out of `requests`.
    fn struck(seed: u64, rate: f64, requests: usize) -> Vec<usize> {
        let faults = Faults::new(
            &[fault(status(503, "/api/v1/*", Some(rate)), 0, None)],
            START,
            seed,
        );
        (0..requests)
            .filter(|_| faults.strike("/api/v1/invoices", START).answer.is_some())
            .collect()
    }

    #[test]
    fn a_rate_strikes_about_that_share_and_the_same_requests_for_the_same_seed() {
        let first = struck(42, 0.5, 400);
        assert!((160..240).contains(&first.len()), "{}", first.len());
        assert_eq!(first, struck(42, 0.5, 400));
        assert_ne!(first, struck(43, 0.5, 400));
        assert!(struck(42, 0.0, 100).is_empty());
        assert_eq!(struck(42, 1.0, 100).len(), 100);
    }

    #[test]
    fn requests_outside_the_window_or_path_do_not_use_up_draws() {
        let faults = Faults::new(
            &[fault(status(503, "/api/v1/*", Some(0.5)), 10, None)],
            START,
            42,
        );
        faults.strike("/api/v1/invoices", START);
        faults.strike("/connect/token", at(10));
        assert_eq!(faults.armed[0].matched.load(Ordering::Relaxed), 0);
        faults.strike("/api/v1/invoices", at(10));
        assert_eq!(faults.armed[0].matched.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn outages_hold_their_network_until_they_end() {
        let faults = Faults::new(
            &[
                fault(outage(Network::Ksef), 60, Some(60)),
                fault(outage(Network::Ksef), 120, Some(30)),
                fault(outage(Network::Sdi), 0, None),
            ],
            START,
            1,
        );
        assert_eq!(faults.release(Network::Ksef, at(59)), Release::Due);
        assert_eq!(
            faults.release(Network::Ksef, at(60)),
            Release::Held {
                until: at(150),
                fault: 0
            }
        );
        assert_eq!(
            faults.release(Network::Ksef, at(130)),
            Release::Held {
                until: at(150),
                fault: 1
            }
        );
        assert_eq!(faults.release(Network::Ksef, at(150)), Release::Due);
        assert_eq!(faults.release(Network::Peppol, at(60)), Release::Due);
        assert_eq!(
            faults.release(Network::Sdi, at(60)),
            Release::Never { fault: 2 }
        );
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

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(seconds_up(Duration::from_secs(30)), 30);
        assert_eq!(seconds_up(Duration::from_millis(1500)), 2);
        assert_eq!(seconds_up(Duration::ZERO), 0);
    }

    /// Latency is wall time; under paused tokio time the wait costs nothing and is exact.
    #[tokio::test(start_paused = true)]
    async fn latency_delays_the_answer_and_is_journaled() {
        use tower::ServiceExt;

        let yaml = "name: slow\nclock: virtual\nfaults:\n  - { latency: 3s, path: /connect/* }\n";
        let scenario = crate::scenario::parse(yaml, "t.yaml").unwrap();
        let world = std::sync::Arc::new(crate::world::World::new(
            scenario,
            "t.yaml".into(),
            crate::world::Overrides::default(),
            crate::journal::Journal::default(),
        ));
        let app = crate::server::app(world.clone(), crate::server::ServerSettings::default());
        let started = tokio::time::Instant::now();
        let response = app
            .oneshot(
                axum::http::Request::post("/connect/token")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(started.elapsed(), Duration::from_secs(3));
        // The token endpoint's own answer to a body without a content type, only later.
        assert_eq!(response.status().as_u16(), 415);
        let entries = world.journal.query(&crate::journal::JournalQuery {
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
