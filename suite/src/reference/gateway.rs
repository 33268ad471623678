//! The eisim gateway client: every call the reference integration makes to eisim goes through
//! [`Gateway::call`], so the habits the conformance rules ask for live in one place.
//!
//! - Tokens (AUTH-1..3): one OAuth2 client-credentials token, cached until five minutes
//!   before it expires. Calls hold a read lock on the token for as long as they are in flight
//!   and a renewal takes the write lock, so a renewal waits for every call still using the old
//!   token: no 401 is ever answered to a stale token after its replacement was issued, and two
//!   calls that both got 401 renew once.
//! - Failures (SUB-2): 5xx answers and connection errors are retried after 0.2, 0.4, 0.8, 1.6
//!   and 3.2 s, never less than the previous wait or a `Retry-After`, then given up.
//! - Throttling (SUB-3): a 429 (or a 503 with `Retry-After`) holds every request to the same
//!   endpoint group until `Retry-After` has passed. Groups are eisim's rate-limit groups
//!   (submit, status, search, printout...), a superset of "the same endpoint".
//! - Submissions carry the `Idempotency-Key` their caller chose, unchanged on every retry.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::{RwLock, RwLockReadGuard};

use super::breakage::Breakage;
use crate::contract::SimulatorAccess;

/// Waits before each retry of a 5xx or a connection failure; the call is given up after the
/// last one (six attempts in all).
pub(crate) const BACKOFF: [Duration; 5] = [
    Duration::from_millis(200),
    Duration::from_millis(400),
    Duration::from_millis(800),
    Duration::from_millis(1600),
    Duration::from_millis(3200),
];
/// A token is renewed this long before it expires, as the provider seed recommends.
const TOKEN_MARGIN: Duration = Duration::from_secs(300);
/// How many 429s in a row one call waits out before it gives up.
const MAX_THROTTLED: u32 = 10;
/// `Retry-After` of a 429 that gives none.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// Added to every `Retry-After` hold, so rounding never puts a request a hair too early.
const HOLD_MARGIN: Duration = Duration::from_millis(50);
/// SUB-2's broken variant: retries at once, this many times.
const AT_ONCE_RETRIES: u32 = 10;
/// SUB-3's broken variant: the first wait after a 429, doubled each time.
const IMPATIENT_WAIT: Duration = Duration::from_millis(100);
/// A call that takes longer than this counts as a connection failure and is retried.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a call to eisim did not produce an answer worth reading.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GatewayError {
    #[error("`{url}` is not a plain http:// base URL: {reason}")]
    BaseUrl { url: String, reason: String },
    #[error("{call}: eisim could not be reached after {attempts} attempts: {last}")]
    Unreachable {
        call: String,
        attempts: u32,
        last: String,
    },
    #[error("{call}: eisim still answered {status} after {attempts} attempts")]
    ServerError {
        call: String,
        status: u16,
        attempts: u32,
    },
    #[error("{call}: still throttled after {0} waits", MAX_THROTTLED)]
    Throttled { call: String },
    #[error("{call}: 401 Unauthorized even with a renewed token")]
    Unauthorized { call: String },
    #[error("the token request was refused with {status}: {body}")]
    TokenRefused { status: u16, body: String },
    #[error("the token answer cannot be read: {0}")]
    TokenAnswer(String),
}

#[derive(Debug, Clone)]
enum Body {
    Empty,
    Json(Vec<u8>),
    Form(Vec<(String, String)>),
}

/// One request to eisim, described so it can be sent again unchanged.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    method: Method,
    /// Path segments under the base URL, unescaped (`["api", "v1", "participants", id]`).
    segments: Vec<String>,
    body: Body,
    idempotency_key: Option<String>,
    /// A document submission: the calls SUB-1, SUB-2 and SUB-4 are about.
    submission: bool,
}

impl Call {
    pub(crate) fn get(segments: &[&str]) -> Call {
        Call {
            method: Method::GET,
            segments: segments.iter().map(|s| (*s).to_owned()).collect(),
            body: Body::Empty,
            idempotency_key: None,
            submission: false,
        }
    }

    pub(crate) fn post_json(segments: &[&str], body: &Value) -> Call {
        Call {
            method: Method::POST,
            body: Body::Json(serde_json::to_vec(body).unwrap_or_default()),
            ..Call::get(segments)
        }
    }

    /// A submission (`POST /api/v1/invoices` or `/submissions`) under `key`.
    pub(crate) fn submission(segments: &[&str], body: &Value, key: String) -> Call {
        Call {
            idempotency_key: Some(key),
            submission: true,
            ..Call::post_json(segments, body)
        }
    }

    fn token(form: Vec<(String, String)>) -> Call {
        Call {
            method: Method::POST,
            body: Body::Form(form),
            ..Call::get(&["connect", "token"])
        }
    }

    /// `GET /api/v1/invoices/{id}/status`, the one status read of one document.
    pub(crate) fn status(document_id: &str) -> Call {
        Call::get(&["api", "v1", "invoices", document_id, "status"])
    }

    fn describe(&self) -> String {
        format!("{} /{}", self.method, self.segments.join("/"))
    }

    /// eisim's rate-limit group of this call: a `Retry-After` holds the whole group.
    fn group(&self) -> String {
        let s: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        let get = self.method == Method::GET;
        let group = match s.as_slice() {
            ["connect", "token"] => "token",
            ["api", "v1", "invoices"] | ["api", "v1", "submissions"] if !get => "submit",
            ["api", "v1", "invoices"] => "search",
            ["api", "v1", "invoices", "recent"] => "recent",
            ["api", "v1", "invoices", _, "printout"] => "printout",
            ["api", "v1", "invoices", _, "document"] => "document",
            ["api", "v1", "participants", ..] => "participants",
            ["api", "v1", "invoices", _] | ["api", "v1", "invoices", _, "status"] if get => {
                "status"
            }
            ["api", "v1", "submissions", _] if get => "status",
            _ => return format!("{} /{}", self.method, s.join("/")),
        };
        group.to_owned()
    }
}

/// What eisim answered.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Vec<u8>,
    retry_after: Option<Duration>,
}

impl Answer {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub(crate) fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// A duplicate-submission answer names the document eisim already holds.
    pub(crate) fn original_document(&self) -> Option<String> {
        self.json()["original"]["id"].as_str().map(str::to_owned)
    }

    fn problem_type(&self) -> String {
        self.json()["type"].as_str().unwrap_or_default().to_owned()
    }
}

#[derive(Debug)]
struct Token {
    value: String,
    renew_at: Instant,
}

#[derive(Debug, Default)]
struct TokenSlot {
    current: Option<Token>,
}

impl TokenSlot {
    fn fresh(&self) -> Option<String> {
        self.current
            .as_ref()
            .filter(|t| Instant::now() < t.renew_at)
            .map(|t| t.value.clone())
    }
}

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: u64,
}

/// How a call's failures are retried.
#[derive(Debug)]
struct Retry {
    at_once: bool,
    failures: u32,
    throttled: u32,
    last_wait: Duration,
}

impl Retry {
    fn new(at_once: bool) -> Retry {
        Retry {
            at_once,
            failures: 0,
            throttled: 0,
            last_wait: Duration::ZERO,
        }
    }

    /// The wait before the next attempt after a 5xx or a connection failure, or `None` to
    /// give up. Waits never shrink, so a `Retry-After` early on is not undercut later.
    fn after_failure(&mut self, retry_after: Option<Duration>) -> Option<Duration> {
        self.failures += 1;
        if self.at_once {
            return (self.failures <= AT_ONCE_RETRIES).then_some(Duration::ZERO);
        }
        let index = usize::try_from(self.failures - 1).ok()?;
        let base = *BACKOFF.get(index)?;
        let wait = base
            .max(retry_after.unwrap_or_default())
            .max(self.last_wait);
        self.last_wait = wait;
        Some(wait)
    }

    fn attempts(&self) -> u32 {
        self.failures + self.throttled
    }
}

/// What to do after one attempt.
#[derive(Debug)]
enum Step {
    Done(Answer),
    Wait(Duration),
    GiveUp(GatewayError),
}

/// A client of one eisim gateway (one base URL and one set of credentials).
#[derive(Debug)]
pub(crate) struct Gateway {
    http: reqwest::Client,
    base: Url,
    access: SimulatorAccess,
    breakage: Option<Breakage>,
    token: RwLock<TokenSlot>,
    /// Endpoint group -> the instant its `Retry-After` passes.
    holds: Mutex<HashMap<String, Instant>>,
    /// AUTH-2's broken variant sends its malformed token request once.
    malformed_sent: AtomicBool,
}

impl Gateway {
    pub(crate) fn new(
        access: SimulatorAccess,
        breakage: Option<Breakage>,
    ) -> Result<Gateway, GatewayError> {
        let bad = |reason: &str| GatewayError::BaseUrl {
            url: access.base_url.clone(),
            reason: reason.to_owned(),
        };
        let base = Url::parse(&access.base_url).map_err(|e| bad(&e.to_string()))?;
        if base.scheme() != "http" || base.cannot_be_a_base() || base.host_str().is_none() {
            return Err(bad("eisim serves plain HTTP; give http://host:port"));
        }
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| bad(&e.to_string()))?;
        Ok(Gateway {
            http,
            base,
            access,
            breakage,
            token: RwLock::new(TokenSlot::default()),
            holds: Mutex::new(HashMap::new()),
            malformed_sent: AtomicBool::new(false),
        })
    }

    pub(crate) fn access(&self) -> &SimulatorAccess {
        &self.access
    }

    fn breaks(&self, breakage: Breakage) -> bool {
        self.breakage == Some(breakage)
    }

    /// Sends `call` with a valid token, renewing it once after a 401, retrying 5xx and
    /// connection failures with backoff and waiting out `Retry-After`. Any other answer,
    /// 2xx or 4xx, is returned for the caller to read.
    pub(crate) async fn call(&self, call: &Call) -> Result<Answer, GatewayError> {
        let mut retry = Retry::new(call.submission && self.breaks(Breakage::Sub2));
        let mut renewed = false;
        let mut same_token_repeats = 0;
        loop {
            self.wait_for_hold(call).await;
            let (guard, token) = self.authorized().await?;
            let sent = self.send(call, Some(&token)).await;
            drop(guard);
            if matches!(&sent, Ok(answer) if answer.status == StatusCode::UNAUTHORIZED) {
                if self.breaks(Breakage::Auth3) {
                    if same_token_repeats < 2 {
                        same_token_repeats += 1;
                        continue;
                    }
                    return Err(GatewayError::Unauthorized {
                        call: call.describe(),
                    });
                }
                if renewed {
                    return Err(GatewayError::Unauthorized {
                        call: call.describe(),
                    });
                }
                renewed = true;
                self.renew(&token).await?;
                continue;
            }
            match self.next_step(call, sent, &mut retry) {
                Step::Done(answer) => return Ok(answer),
                Step::Wait(wait) => tokio::time::sleep(wait).await,
                Step::GiveUp(error) => return Err(error),
            }
        }
    }

    /// A token to send now, and the read guard that keeps it from being replaced while the
    /// call is in flight.
    async fn authorized(&self) -> Result<(RwLockReadGuard<'_, TokenSlot>, String), GatewayError> {
        if !self.breaks(Breakage::Auth1) {
            let slot = self.token.read().await;
            if let Some(value) = slot.fresh() {
                return Ok((slot, value));
            }
        }
        let mut slot = self.token.write().await;
        if slot.fresh().is_none() || self.breaks(Breakage::Auth1) {
            slot.current = Some(self.fetch_token().await?);
        }
        let slot = slot.downgrade();
        let value = slot
            .current
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default();
        Ok((slot, value))
    }

    /// After a 401 with `used`: a new token, unless another call has already replaced it.
    async fn renew(&self, used: &str) -> Result<(), GatewayError> {
        let mut slot = self.token.write().await;
        if slot.current.as_ref().is_none_or(|t| t.value == used) {
            slot.current = None;
            slot.current = Some(self.fetch_token().await?);
        }
        Ok(())
    }

    async fn fetch_token(&self) -> Result<Token, GatewayError> {
        let credentials = vec![
            ("client_id".to_owned(), self.access.client_id.clone()),
            (
                "client_secret".to_owned(),
                self.access.client_secret.clone(),
            ),
        ];
        if self.breaks(Breakage::Auth2) && !self.malformed_sent.swap(true, Ordering::SeqCst) {
            // The variant's one malformed request; its 400 is of no interest to it.
            let _ = self.send(&Call::token(credentials.clone()), None).await;
        }
        let mut form = vec![("grant_type".to_owned(), "client_credentials".to_owned())];
        form.extend(credentials);
        let call = Call::token(form);
        let mut retry = Retry::new(false);
        let answer = loop {
            self.wait_for_hold(&call).await;
            let sent = self.send(&call, None).await;
            match self.next_step(&call, sent, &mut retry) {
                Step::Done(answer) => break answer,
                Step::Wait(wait) => tokio::time::sleep(wait).await,
                Step::GiveUp(error) => return Err(error),
            }
        };
        if !answer.is_success() {
            return Err(GatewayError::TokenRefused {
                status: answer.status.as_u16(),
                body: String::from_utf8_lossy(&answer.body).into_owned(),
            });
        }
        let parsed: TokenAnswer = serde_json::from_slice(&answer.body)
            .map_err(|e| GatewayError::TokenAnswer(e.to_string()))?;
        // Renew five minutes early, or a quarter of the lifetime early for short-lived
        // tokens, so a short lifetime does not mean a new token for every call.
        let expires_in = Duration::from_secs(parsed.expires_in);
        let lifetime = expires_in.saturating_sub(TOKEN_MARGIN.min(expires_in / 4));
        Ok(Token {
            value: parsed.access_token,
            renew_at: Instant::now() + lifetime,
        })
    }

    /// Reads one attempt's outcome: done, wait and try again, or give up.
    fn next_step(
        &self,
        call: &Call,
        sent: Result<Answer, reqwest::Error>,
        retry: &mut Retry,
    ) -> Step {
        let answer = match sent {
            Ok(answer) => answer,
            Err(error) => {
                return match retry.after_failure(None) {
                    Some(wait) => Step::Wait(wait),
                    None => Step::GiveUp(GatewayError::Unreachable {
                        call: call.describe(),
                        attempts: retry.attempts(),
                        last: error.to_string(),
                    }),
                };
            }
        };
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            let retry_after = answer.retry_after.unwrap_or(DEFAULT_RETRY_AFTER);
            if !self.breaks(Breakage::Sub3) {
                self.hold(call, retry_after);
            }
            // A duplicate eisim throttles stays a duplicate however long one waits.
            if call.submission && answer.original_document().is_some() {
                return Step::Done(answer);
            }
            retry.throttled += 1;
            if retry.throttled > MAX_THROTTLED {
                return Step::GiveUp(GatewayError::Throttled {
                    call: call.describe(),
                });
            }
            if self.breaks(Breakage::Sub3) {
                return Step::Wait(IMPATIENT_WAIT * 2u32.pow(retry.throttled - 1));
            }
            // The hold makes the wait, at the top of the next attempt.
            return Step::Wait(Duration::ZERO);
        }
        let in_flight = answer.status == StatusCode::CONFLICT
            && answer
                .problem_type()
                .ends_with(":idempotency-key-in-flight");
        if answer.status.is_server_error() || in_flight {
            if answer.status == StatusCode::SERVICE_UNAVAILABLE
                && let Some(retry_after) = answer.retry_after
                && !self.breaks(Breakage::Sub3)
            {
                self.hold(call, retry_after);
            }
            return match retry.after_failure(answer.retry_after) {
                Some(wait) => Step::Wait(wait),
                None => Step::GiveUp(GatewayError::ServerError {
                    call: call.describe(),
                    status: answer.status.as_u16(),
                    attempts: retry.attempts(),
                }),
            };
        }
        Step::Done(answer)
    }

    fn hold(&self, call: &Call, retry_after: Duration) {
        let until = Instant::now() + retry_after + HOLD_MARGIN;
        let mut holds = self.holds.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = holds.entry(call.group()).or_insert(until);
        *entry = (*entry).max(until);
    }

    async fn wait_for_hold(&self, call: &Call) {
        if self.breaks(Breakage::Sub3) {
            return;
        }
        let group = call.group();
        loop {
            let until = self
                .holds
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&group)
                .copied();
            match until {
                Some(until) if until > Instant::now() => {
                    tokio::time::sleep_until(until.into()).await;
                }
                _ => return,
            }
        }
    }

    /// One attempt, as it goes on the wire.
    async fn send(&self, call: &Call, token: Option<&str>) -> Result<Answer, reqwest::Error> {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(&call.segments);
        }
        let mut request = self.http.request(call.method.clone(), url);
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let keyed = !(call.submission && self.breaks(Breakage::Sub2));
        if let (Some(key), true) = (&call.idempotency_key, keyed) {
            request = request.header("Idempotency-Key", key);
        }
        request = match &call.body {
            Body::Empty => request,
            Body::Json(bytes) => request
                .header(CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Body::Form(fields) => request.form(fields),
        };
        let response = request.send().await?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await?.to_vec();
        Ok(Answer {
            status,
            body,
            retry_after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_back_off_doubling_then_give_up_after_six_attempts() {
        let mut retry = Retry::new(false);
        let waits: Vec<Option<Duration>> = (0..6).map(|_| retry.after_failure(None)).collect();
        assert_eq!(
            waits,
            [
                Some(Duration::from_millis(200)),
                Some(Duration::from_millis(400)),
                Some(Duration::from_millis(800)),
                Some(Duration::from_millis(1600)),
                Some(Duration::from_millis(3200)),
                None
            ]
        );
    }

    #[test]
    fn a_retry_after_stretches_the_wait_and_later_waits_never_shrink() {
        let mut retry = Retry::new(false);
        assert_eq!(
            retry.after_failure(Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(retry.after_failure(None), Some(Duration::from_secs(2)));
        assert_eq!(retry.after_failure(None), Some(Duration::from_secs(2)));
        assert_eq!(retry.after_failure(None), Some(Duration::from_millis(2000)));
        assert_eq!(retry.after_failure(None), Some(Duration::from_millis(3200)));
    }

    #[test]
    fn the_sub2_variant_retries_at_once_ten_times() {
        let mut retry = Retry::new(true);
        let waits: Vec<Option<Duration>> = (0..11).map(|_| retry.after_failure(None)).collect();
        assert!(waits[..10].iter().all(|w| *w == Some(Duration::ZERO)));
        assert_eq!(waits[10], None);
    }

    #[test]
    fn calls_fall_into_eisims_rate_limit_groups() {
        let group = |call: Call| call.group();
        let doc = json_doc();
        assert_eq!(
            group(Call::submission(
                &["api", "v1", "invoices"],
                &doc,
                "k".into()
            )),
            "submit"
        );
        assert_eq!(
            group(Call::submission(
                &["api", "v1", "submissions"],
                &doc,
                "k".into()
            )),
            "submit"
        );
        assert_eq!(group(Call::get(&["api", "v1", "invoices"])), "search");
        assert_eq!(group(Call::status("inv_1")), "status");
        assert_eq!(
            group(Call::get(&["api", "v1", "submissions", "s"])),
            "status"
        );
        assert_eq!(
            group(Call::get(&["api", "v1", "invoices", "inv_1", "printout"])),
            "printout"
        );
        assert_eq!(
            group(Call::get(&["api", "v1", "participants", "0208:1"])),
            "participants"
        );
        assert_eq!(
            group(Call::post_json(&["api", "v1", "webhooks"], &doc)),
            "POST /api/v1/webhooks"
        );
    }

    fn json_doc() -> Value {
        serde_json::json!({})
    }

    #[test]
    fn only_plain_http_base_urls_are_taken() {
        let access = |url: &str| SimulatorAccess {
            base_url: url.to_owned(),
            client_id: "c".into(),
            client_secret: "s".into(),
        };
        assert!(Gateway::new(access("http://127.0.0.1:8080"), None).is_ok());
        assert!(Gateway::new(access("https://example.com"), None).is_err());
        assert!(Gateway::new(access("not a url"), None).is_err());
    }
}
