//! The background task that makes webhook and callback requests.
//!
//! Attempts are planned on the simulator clock, but the requests themselves happen in real
//! time: each is signed at the instant it leaves (so the receiver's ±300 s window check
//! passes however far the simulated clock has run), sent with the scenario's timeout, and
//! judged when the answer comes back. Up to [`CONCURRENCY`] requests are in the air at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::sync::{Semaphore, watch};

use super::Webhooks;
use super::event::EventType;
use super::signing::{Secret, provider_header, standard_header};
use crate::journal::Verdict;
use crate::vocabulary::TenantId;

/// Requests in flight at once; enough to keep a local receiver busy, few enough not to
/// exhaust its sockets. Public (as `webhooks::SENDER_CONCURRENCY`) so the load benchmark's
/// baseline posts at the same concurrency.
pub const CONCURRENCY: usize = 64;

/// How a request authenticates itself to the receiver.
#[derive(Debug, Clone)]
pub(crate) enum Auth {
    /// Standard Webhooks headers (`svix-*` names when `svix`), signed with each secret; the
    /// timestamp is the send instant moved by `skew` seconds (negative for a stale probe).
    Standard {
        svix: bool,
        secrets: Vec<Secret>,
        skew: i64,
    },
    /// `Billit-Signature: t=...,s=...`.
    Provider { secrets: Vec<Secret>, skew: i64 },
    /// ERP callbacks: `Authorization: ApiKey <key>`.
    ApiKey(String),
}

/// One request to make, and what the answer will be judged against.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) tenant: TenantId,
    pub(crate) endpoint_id: String,
    /// The delivery this request belongs to.
    pub(crate) seq: u64,
    pub(crate) event_id: String,
    pub(crate) event_type: EventType,
    pub(crate) attempt: u32,
    pub(crate) due_at: Timestamp,
    pub(crate) fault: Option<crate::journal::InjectedFault>,
    /// False for duplicates and probes, whose answers are journaled but decide nothing.
    pub(crate) counts: bool,
    pub(crate) method: &'static str,
    pub(crate) url: String,
    pub(crate) body: Arc<[u8]>,
    pub(crate) auth: Auth,
    pub(crate) timeout: Duration,
}

/// What came back.
#[derive(Debug, Clone, Default)]
pub(crate) struct Answer {
    pub(crate) status: Option<u16>,
    pub(crate) latency_us: u64,
    /// `Retry-After` in seconds, on a 429, 502 or 503/504.
    pub(crate) retry_after: Option<Duration>,
    /// The receiver answered `webhook-delivery: abort-message`.
    pub(crate) abort: bool,
    pub(crate) timed_out: bool,
    pub(crate) error: Option<String>,
}

impl Answer {
    pub(crate) fn verdict(&self, injected_timeout: bool) -> Verdict {
        match self.status {
            _ if self.timed_out || injected_timeout => Verdict::TimedOut,
            Some(status) if (200..300).contains(&status) => Verdict::Acknowledged,
            Some(_) => Verdict::Refused,
            None => Verdict::Unreachable,
        }
    }

    pub(crate) fn detail(&self, injected_timeout: bool) -> Option<String> {
        if injected_timeout && self.status.is_some() {
            return Some("the answer was discarded: injected timeout".into());
        }
        self.error.clone()
    }
}

/// What becomes of an answer: the running simulation judges it against the run that is
/// current when it arrives (see `simulation`), and drops it if that run is gone.
pub(crate) type Answered = Arc<dyn Fn(&Arc<Webhooks>, &Job, &Answer) + Send + Sync>;

/// Takes jobs until shutdown, and hands every answer to `answered`.
pub(crate) async fn run(
    mut jobs: super::JobQueue,
    mut shutdown: watch::Receiver<bool>,
    answered: Answered,
) {
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("eisim-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "cannot build the webhook HTTP client; webhooks will not be sent");
            return;
        }
    };
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    loop {
        let next = tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
                continue;
            }
            next = jobs.recv() => next,
        };
        let Some((job, webhooks)) = next else {
            return;
        };
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let client = client.clone();
        let answered = answered.clone();
        tokio::spawn(async move {
            let answer = send(&client, &job).await;
            answered(&webhooks, &job, &answer);
            webhooks.done();
            drop(permit);
        });
    }
}

/// Makes one request and reads the answer.
pub(crate) async fn send(client: &reqwest::Client, job: &Job) -> Answer {
    let request = if job.method == "PUT" {
        client.put(&job.url)
    } else {
        client.post(&job.url)
    };
    let mut request = request
        .timeout(job.timeout)
        .header("content-type", "application/json");
    let sent_at = Timestamp::now().as_second();
    match &job.auth {
        Auth::Standard {
            svix,
            secrets,
            skew,
        } => {
            let prefix = if *svix { "svix" } else { "webhook" };
            let timestamp = sent_at + skew;
            request = request
                .header(format!("{prefix}-id"), &job.event_id)
                .header(format!("{prefix}-timestamp"), timestamp.to_string())
                .header(
                    format!("{prefix}-signature"),
                    standard_header(secrets, &job.event_id, timestamp, &job.body),
                );
        }
        Auth::Provider { secrets, skew } => {
            request = request.header(
                "Billit-Signature",
                provider_header(secrets, sent_at + skew, &job.body),
            );
        }
        Auth::ApiKey(key) => {
            request = request
                .header("authorization", format!("ApiKey {key}"))
                .header("accept-language", "en");
        }
    }
    let started = Instant::now();
    let result = request.body(job.body.to_vec()).send().await;
    let mut answer = Answer::default();
    match result {
        Ok(response) => {
            let status = response.status().as_u16();
            answer.status = Some(status);
            answer.abort = response
                .headers()
                .get("webhook-delivery")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("abort-message"));
            if matches!(status, 429 | 502 | 503 | 504) {
                answer.retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
            }
            // Read the body so the latency covers the whole answer, and a slow body counts
            // against the timeout like a slow status line.
            if let Err(error) = response.bytes().await {
                answer.timed_out = error.is_timeout();
                answer.error = Some(format!("reading the answer failed: {error}"));
            }
        }
        Err(error) => {
            answer.timed_out = error.is_timeout();
            answer.error = Some(if error.is_timeout() {
                format!("no answer within {} ms", job.timeout.as_millis())
            } else {
                format!("request failed: {error}")
            });
        }
    }
    answer.latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    answer
}
