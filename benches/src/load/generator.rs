//! The load generator: hyper's pooled HTTP/1 client (keep-alive connections) driven by a
//! fixed number of concurrent workers, every latency recorded in an HDR histogram.
//!
//! Two ways to drive a server, the same for eisim and for the ceiling:
//! - [`closed_loop`]: each worker sends its next request as soon as the last one is answered,
//!   which finds the maximum rate at that concurrency;
//! - [`open_loop`]: requests are due at a fixed rate whatever the server does, and each
//!   latency is counted from the instant the request was due, not from when it could be sent,
//!   so a server that falls behind shows it in the percentiles (no coordinated omission).
//!
//! Requests come from a [`Pool`] of prepared requests: built before the run, so the run
//! measures sending them, not making them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Request, StatusCode, Uri};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// The generator's HTTP client: one keep-alive connection per worker, reused for the run.
pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// A client that keeps up to `connections` idle connections to each server.
pub fn client(connections: usize) -> HttpClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(connections)
        .pool_idle_timeout(Duration::from_secs(60))
        .build(connector)
}

/// One request, ready to send but for cloning its parts (a body is shared, not copied).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Prepared {
    fn request(&self) -> Request<Full<Bytes>> {
        let mut request = Request::new(Full::new(self.body.clone()));
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }
}

/// What the workers send: each prepared request once (every request must differ, e.g. a new
/// invoice number; the run ends early when they are used up), or the pool over and over.
#[derive(Debug)]
pub struct Pool {
    requests: Vec<Prepared>,
    once: bool,
    next: AtomicU64,
}

impl Pool {
    /// Each request at most once.
    pub fn once(requests: Vec<Prepared>) -> Arc<Pool> {
        Arc::new(Pool {
            requests,
            once: true,
            next: AtomicU64::new(0),
        })
    }

    /// The requests in turn, as often as the run needs.
    pub fn cycle(requests: Vec<Prepared>) -> Arc<Pool> {
        Arc::new(Pool {
            requests,
            once: false,
            next: AtomicU64::new(0),
        })
    }

    fn take(&self) -> Option<Request<Full<Bytes>>> {
        let n = usize::try_from(self.next.fetch_add(1, Ordering::Relaxed)).ok()?;
        if self.requests.is_empty() || (self.once && n >= self.requests.len()) {
            return None;
        }
        Some(self.requests[n % self.requests.len()].request())
    }
}

/// Called with each answered request's due or send instant and its body (the webhook case
/// reads the event id there to match deliveries to their triggers).
pub type Observer = Arc<dyn Fn(Instant, &Bytes) + Send + Sync>;

/// What one run measured.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// Latency of every measured request, microseconds.
    pub latency: Histogram<u64>,
    /// Answers by status, measured requests only.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests that got no HTTP answer (refused, reset).
    pub transport_errors: u64,
    pub first_error: Option<String>,
    /// From the start of the measured window to the last measured answer.
    pub elapsed: Duration,
    /// The pool ran dry before the window ended.
    pub ended_early: bool,
}

impl Default for Measurement {
    fn default() -> Self {
        Self::new()
    }
}

impl Measurement {
    /// Nothing measured yet.
    pub fn new() -> Measurement {
        Measurement {
            latency: histogram(),
            statuses: BTreeMap::new(),
            transport_errors: 0,
            first_error: None,
            elapsed: Duration::ZERO,
            ended_early: false,
        }
    }

    /// Answered and unanswered requests in the window.
    pub fn requests(&self) -> u64 {
        self.statuses.values().sum::<u64>() + self.transport_errors
    }

    /// Requests answered with anything but 2xx, plus those not answered at all.
    pub fn errors(&self) -> u64 {
        let non_2xx: u64 = self
            .statuses
            .iter()
            .filter(|(status, _)| !(200..300).contains(*status))
            .map(|(_, count)| count)
            .sum();
        non_2xx + self.transport_errors
    }

    pub fn rate(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.requests() as f64 / seconds
        } else {
            0.0
        }
    }

    /// Adds another worker's tally.
    pub fn merge(&mut self, other: &Measurement) {
        // Both histograms auto-resize; adding cannot fail.
        let _ = self.latency.add(&other.latency);
        for (status, count) in &other.statuses {
            *self.statuses.entry(*status).or_default() += count;
        }
        self.transport_errors += other.transport_errors;
        if self.first_error.is_none() {
            self.first_error.clone_from(&other.first_error);
        }
        self.elapsed = self.elapsed.max(other.elapsed);
        self.ended_early |= other.ended_early;
    }

    /// Counts one request: its latency and its status, or that it got no answer.
    pub fn record(&mut self, latency: Duration, outcome: &Result<(StatusCode, Bytes), String>) {
        let micros = u64::try_from(latency.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        let _ = self.latency.record(micros);
        match outcome {
            Ok((status, body)) => {
                *self.statuses.entry(status.as_u16()).or_default() += 1;
                if !status.is_success() && self.first_error.is_none() {
                    let text = String::from_utf8_lossy(&body[..body.len().min(300)]);
                    self.first_error = Some(format!("{status}: {text}"));
                }
            }
            Err(error) => {
                self.transport_errors += 1;
                if self.first_error.is_none() {
                    self.first_error = Some(error.clone());
                }
            }
        }
    }
}

/// Microseconds from 1 µs to an hour, three significant digits (valid bounds: cannot fail).
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).unwrap()
}

/// Sends one request and reads its whole answer.
pub async fn send(
    client: &HttpClient,
    request: Request<Full<Bytes>>,
) -> Result<(StatusCode, Bytes), String> {
    let response = client.request(request).await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, body))
}

/// `concurrency` workers, each sending its next request when the last is answered, for
/// `warmup` (not recorded) and then `duration`.
pub async fn closed_loop(
    client: &HttpClient,
    pool: Arc<Pool>,
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
    observer: Option<Observer>,
) -> Measurement {
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let client = client.clone();
        let pool = pool.clone();
        let observer = observer.clone();
        workers.push(tokio::spawn(async move {
            let mut tally = Measurement::new();
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let Some(request) = pool.take() else {
                    tally.ended_early = true;
                    break;
                };
                let outcome = send(&client, request).await;
                let answered = Instant::now();
                if sent >= measure_from {
                    tally.record(answered - sent, &outcome);
                    tally.elapsed = tally.elapsed.max(answered - measure_from);
                    if let (Some(observe), Ok((_, body))) = (&observer, &outcome) {
                        observe(sent, body);
                    }
                }
            }
            tally
        }));
    }
    gather(workers).await
}

/// Requests due at `rate` per second for `duration`, sent by up to `concurrency` workers;
/// latency from each request's due instant.
pub async fn open_loop(
    client: &HttpClient,
    pool: Arc<Pool>,
    concurrency: usize,
    rate: f64,
    duration: Duration,
    observer: Option<Observer>,
) -> Measurement {
    let interval = Duration::from_secs_f64(1.0 / rate.max(1.0));
    let start = tokio::time::Instant::now() + Duration::from_millis(20);
    let end = start + duration;
    let counter = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let client = client.clone();
        let pool = pool.clone();
        let observer = observer.clone();
        let counter = counter.clone();
        workers.push(tokio::spawn(async move {
            let mut tally = Measurement::new();
            loop {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let due = start + interval.mul_f64(n as f64);
                if due >= end {
                    break;
                }
                tokio::time::sleep_until(due).await;
                let Some(request) = pool.take() else {
                    tally.ended_early = true;
                    break;
                };
                let outcome = send(&client, request).await;
                let answered = tokio::time::Instant::now();
                tally.record(answered - due, &outcome);
                tally.elapsed = tally.elapsed.max(answered - start);
                if let (Some(observe), Ok((_, body))) = (&observer, &outcome) {
                    observe(due.into_std(), body);
                }
            }
            tally
        }));
    }
    let mut measured = gather(workers).await;
    // The rate is the one asked for; the window is the schedule, not the last straggler.
    measured.elapsed = measured.elapsed.min(duration).max(Duration::from_millis(1));
    measured
}

async fn gather(workers: Vec<tokio::task::JoinHandle<Measurement>>) -> Measurement {
    let mut total = Measurement::new();
    for worker in workers {
        match worker.await {
            Ok(tally) => total.merge(&tally),
            Err(error) => {
                total.transport_errors += 1;
                total.first_error.get_or_insert(error.to_string());
            }
        }
    }
    total
}
