//! The load benchmark (issue 9, scope 2): eisim and an axum hello-world (the ceiling of this
//! machine) in one process, driven over loopback by the same generator at the same
//! concurrency, so every eisim figure can be read as a share of the ceiling measured in the
//! same run. `cargo run --release -p eisim-benches --bin load`; BENCHMARKS.md has the figures.
//!
//! Two runtimes, so the generator never steals the servers' worker threads (on a small machine
//! both still share the cores, which is why only the ratio carries over):
//! - the server runtime (multi-thread) runs eisim (`eisim::Simulator`, in-process, bound on
//!   127.0.0.1:0), the hello-world and the webhook receiver, all served by `eisim::run`;
//! - the client runtime (multi-thread) runs the generator.
//!
//! For each case: the ceiling at full speed, eisim at full speed (closed loop, `concurrency`
//! workers, a warm-up then the measured window), then eisim again at half of the rate it
//! just reached (open loop, fixed rate) for the latency there, and the ceiling at that same
//! fixed rate (how much of that latency is the machine's). Webhook deliveries are measured
//! as the receiver sees them: triggers (`POST /api/v1/webhooks/{id}/test`) are the load, the
//! figure is deliveries arriving per second and the time from each trigger to its delivery;
//! their ceiling is the generator posting the same delivery to the receiver itself. That
//! case is bounded by the trigger path; "webhook burst" ([`burst`]) measures the sender
//! itself, on deliveries queued all at once by the documents' lifecycles.
//!
//! Benchmark harness code: a setup call that fails means the figures would measure something
//! else, so it panics rather than carry on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod burst;
pub mod cases;
pub mod generator;
pub mod ksef_client;
pub mod report;
pub mod servers;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, header};
use tokio::sync::watch;

use cases::Workload;
use generator::{HttpClient, Measurement, Observer, Pool, Prepared, closed_loop, open_loop};
use report::{Case, HalfRate, Report};
use servers::SharedArrivals;

/// How hard and how long to drive each case.
#[derive(Debug, Clone)]
pub struct Options {
    /// The measured window of each full-speed run, and of each half-rate run.
    pub duration: Duration,
    /// Sent before each full-speed window and not recorded (connections, caches, JIT-free but
    /// allocator-warm).
    pub warmup: Duration,
    /// Concurrent workers, each with its own keep-alive connection.
    pub concurrency: usize,
    /// Only the cases whose name contains this.
    pub only: Option<String>,
    /// Documents submitted before the webhook burst is released.
    pub burst_documents: usize,
    /// Endpoints each of the burst's events fans out to.
    pub burst_endpoints: usize,
}

/// Every case, in the order of the table.
pub const CASES: [&str; 6] = [
    "health",
    "status read",
    "submission",
    "KSeF send",
    "webhook delivery",
    "webhook burst",
];

/// Fresh requests (new invoice numbers) prepared for a full-speed eisim run: enough for this
/// rate over warm-up and window; a faster eisim ends its run early and the report says so.
const FRESH_RATE_BUDGET: f64 = 8_000.0;
/// Distinct requests the ceiling cycles through for the fresh cases (it stores nothing, so
/// repeating them costs it the same).
const CEILING_POOL: usize = 1_000;
/// How long to wait for webhook deliveries still queued when the trigger run ends.
const DRAIN_LIMIT: Duration = Duration::from_secs(30);

/// Starts the servers, measures every case, stops the servers.
pub fn run(options: &Options) -> Report {
    let servers = tokio::runtime::Builder::new_multi_thread()
        .thread_name("servers")
        .enable_all()
        .build()
        .unwrap();
    let clients = tokio::runtime::Builder::new_multi_thread()
        .thread_name("generator")
        .enable_all()
        .build()
        .unwrap();
    let (stop, stopped) = watch::channel(false);
    let simulator = servers.block_on(servers::eisim());
    let hello = servers.block_on(servers::hello_world(&stopped));
    let (receiver, arrivals) = servers.block_on(servers::receiver(&stopped));
    let urls = Urls {
        eisim: simulator.base_url(),
        hello: format!("http://{hello}"),
        receiver: format!("http://{receiver}"),
    };
    let report = clients.block_on(measure_all(options, &urls, &arrivals));
    let _ = stop.send(true);
    let _ = servers.block_on(simulator.shutdown());
    clients.shutdown_background();
    servers.shutdown_background();
    report
}

/// Where each server of the run listens.
#[derive(Debug)]
pub struct Urls {
    pub eisim: String,
    pub hello: String,
    pub receiver: String,
}

async fn measure_all(options: &Options, urls: &Urls, arrivals: &SharedArrivals) -> Report {
    let client = generator::client(options.concurrency);
    let eisim = urls.eisim.as_str();
    let mut cases = Vec::new();
    for name in CASES {
        if !options
            .only
            .as_ref()
            .is_none_or(|only| name.contains(only.as_str()))
        {
            continue;
        }
        eprintln!("measuring {name}...");
        let workload = match name {
            "health" => Workload::Health,
            "status read" => cases::status(&client, eisim).await,
            "submission" => cases::submit(&client, eisim).await,
            "KSeF send" => cases::ksef(&client, eisim).await,
            "webhook burst" => {
                cases.push(burst::measure(options, &client, urls, arrivals).await);
                continue;
            }
            _ => {
                cases.push(measure_webhooks(options, &client, urls, arrivals).await);
                continue;
            }
        };
        cases.push(measure_http(options, &client, urls, name, workload).await);
    }
    Report {
        duration: options.duration,
        warmup: options.warmup,
        concurrency: options.concurrency,
        cases,
    }
}

/// Ceiling, eisim at full speed, eisim at half that rate.
async fn measure_http(
    options: &Options,
    client: &HttpClient,
    urls: &Urls,
    name: &'static str,
    mut workload: Workload,
) -> Case {
    let eisim = urls.eisim.as_str();
    let fresh = workload.fresh();
    let full = options.warmup + options.duration;
    let budget = (FRESH_RATE_BUDGET * full.as_secs_f64()).ceil() as usize;

    let ceiling_pool = workload
        .prepare(client, eisim, &urls.hello, 0, CEILING_POOL.min(budget))
        .await;
    let ceiling = run_closed(options, client, Pool::cycle(ceiling_pool.clone()), None).await;

    let eisim_pool = if fresh {
        Pool::once(workload.prepare(client, eisim, eisim, 0, budget).await)
    } else {
        Pool::cycle(workload.prepare(client, eisim, eisim, 0, 1).await)
    };
    let measured = run_closed(options, client, eisim_pool, None).await;

    let half_rate = measured.rate() / 2.0;
    let half_pool = if fresh {
        let count = (half_rate * options.duration.as_secs_f64() * 1.1).ceil() as usize + 100;
        let from = budget as u64;
        Pool::once(workload.prepare(client, eisim, eisim, from, count).await)
    } else {
        Pool::cycle(workload.prepare(client, eisim, eisim, 0, 1).await)
    };
    let half = open_loop(
        client,
        half_pool,
        options.concurrency,
        half_rate,
        options.duration,
        None,
    )
    .await;
    // The same fixed rate on the ceiling: what this machine's latency is at that rate anyway.
    let ceiling_half = open_loop(
        client,
        Pool::cycle(ceiling_pool),
        options.concurrency,
        half_rate,
        options.duration,
        None,
    )
    .await;
    Case {
        name,
        eisim_errors: measured.errors(),
        ceiling,
        eisim: measured,
        half: Some(HalfRate {
            rate: half_rate,
            errors: half.errors(),
            eisim: half,
            ceiling: ceiling_half,
        }),
        notes: Vec::new(),
    }
}

async fn run_closed(
    options: &Options,
    client: &HttpClient,
    pool: Arc<Pool>,
    observer: Option<Observer>,
) -> Measurement {
    closed_loop(
        client,
        pool,
        options.concurrency,
        options.warmup,
        options.duration,
        observer,
    )
    .await
}

/// Event ids of the triggers and when each was sent (or due).
type Triggers = Arc<Mutex<HashMap<String, Instant>>>;

fn triggers_observer(triggers: &Triggers) -> Observer {
    let triggers = triggers.clone();
    Arc::new(move |sent: Instant, body: &Bytes| {
        let id = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["event_id"].as_str().map(str::to_owned));
        if let Some(id) = id {
            triggers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(id, sent);
        }
    })
}

async fn measure_webhooks(
    options: &Options,
    client: &HttpClient,
    urls: &Urls,
    arrivals: &SharedArrivals,
) -> Case {
    let eisim = urls.eisim.as_str();
    let mut workload = cases::webhook(client, eisim, &urls.receiver).await;
    let trigger = workload.prepare(client, eisim, eisim, 0, 1).await;

    // One delivery first: it proves the path works and gives the body the ceiling replays.
    let _ = generator::send(client, trigger[0].clone().into_request()).await;
    let sample = wait_for_sample(arrivals).await;
    let direct = vec![replay(urls, sample)];
    let ceiling = run_closed(options, client, Pool::cycle(direct.clone()), None).await;

    servers::arrivals(arrivals).deliveries.clear();
    let triggers = Triggers::default();
    let started = Instant::now();
    let sent = run_closed(
        options,
        client,
        Pool::cycle(trigger.clone()),
        Some(triggers_observer(&triggers)),
    )
    .await;
    let window = (started + options.warmup, options.duration);
    let (measured, errors, mut notes) = deliveries(&sent, &triggers, arrivals, window).await;

    servers::arrivals(arrivals).deliveries.clear();
    let half_rate = measured.rate() / 2.0;
    let half_triggers = Triggers::default();
    let started = Instant::now();
    let half_sent = open_loop(
        client,
        Pool::cycle(trigger),
        options.concurrency,
        half_rate,
        options.duration,
        Some(triggers_observer(&half_triggers)),
    )
    .await;
    let window = (started, options.duration);
    let (half, half_errors, half_notes) =
        deliveries(&half_sent, &half_triggers, arrivals, window).await;
    let ceiling_half = open_loop(
        client,
        Pool::cycle(direct),
        options.concurrency,
        half_rate,
        options.duration,
        None,
    )
    .await;
    notes.extend(half_notes.into_iter().map(|n| format!("half rate: {n}")));
    notes.push(format!(
        "triggers (POST /api/v1/webhooks/{{id}}/test) answered at {:.0}/s, p99 {:.2} ms",
        sent.rate(),
        sent.latency.value_at_quantile(0.99) as f64 / 1000.0
    ));
    Case {
        name: "webhook delivery",
        ceiling,
        eisim: measured,
        eisim_errors: errors,
        half: Some(HalfRate {
            rate: half_rate,
            eisim: half,
            errors: half_errors,
            ceiling: ceiling_half,
        }),
        notes,
    }
}

impl Prepared {
    /// The request itself, for a one-off send outside a run.
    pub fn into_request(self) -> axum::http::Request<http_body_util::Full<Bytes>> {
        let mut request = axum::http::Request::new(http_body_util::Full::new(self.body));
        *request.method_mut() = self.method;
        *request.uri_mut() = self.uri;
        *request.headers_mut() = self.headers;
        request
    }
}

async fn wait_for_sample(arrivals: &SharedArrivals) -> (HeaderMap, Bytes) {
    for _ in 0..500 {
        if let Some(sample) = servers::arrivals(arrivals).sample.clone() {
            return sample;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the first webhook delivery never reached the receiver");
}

/// The delivery eisim made, sent by the generator straight to the receiver.
pub(crate) fn replay(urls: &Urls, (headers, body): (HeaderMap, Bytes)) -> Prepared {
    let mut kept = HeaderMap::new();
    for (name, value) in &headers {
        if name != header::HOST && name != header::CONTENT_LENGTH {
            kept.append(name.clone(), value.clone());
        }
    }
    Prepared {
        method: Method::POST,
        uri: format!("{}/hook", urls.receiver).parse().unwrap(),
        headers: kept,
        body,
    }
}

/// Deliveries as the receiver saw them: the rate of arrivals inside the measured window
/// `(start, length)`, and the latency from each trigger sent in that window to its arrival.
/// Waits for deliveries still queued; triggers whose delivery never came count as errors.
async fn deliveries(
    sent: &Measurement,
    triggers: &Triggers,
    arrivals: &SharedArrivals,
    (start, length): (Instant, Duration),
) -> (Measurement, u64, Vec<String>) {
    let waited = Instant::now();
    loop {
        // Every trigger of the window delivered (warm-up triggers arrive too, so a count of
        // arrivals would stop early).
        let delivered = {
            let triggers = triggers.lock().unwrap_or_else(PoisonError::into_inner);
            let seen = servers::arrivals(arrivals);
            let matched = seen
                .deliveries
                .iter()
                .filter(|(id, _)| triggers.contains_key(id))
                .count();
            matched >= triggers.len()
        };
        if delivered || waited.elapsed() > DRAIN_LIMIT {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drained = waited.elapsed();
    let triggers = triggers.lock().unwrap_or_else(PoisonError::into_inner);
    let seen = servers::arrivals(arrivals);
    let end = start + length;
    let mut measured = Measurement::new();
    let mut in_window = 0u64;
    let mut matched = 0usize;
    for (id, arrived) in &seen.deliveries {
        if *arrived >= start && *arrived < end {
            in_window += 1;
        }
        if let Some(sent_at) = triggers.get(id) {
            matched += 1;
            let micros = u64::try_from(arrived.duration_since(*sent_at).as_micros())
                .unwrap_or(u64::MAX)
                .max(1);
            let _ = measured.latency.record(micros);
        }
    }
    // The rate is deliveries arriving in the window; triggers refused and deliveries that
    // never came are the errors, kept apart so they do not count as deliveries.
    measured.statuses.insert(204, in_window);
    measured.elapsed = length;
    let lost = triggers.len().saturating_sub(matched) as u64;
    let errors = lost + sent.errors();
    let mut notes = Vec::new();
    if lost > 0 {
        notes.push(format!(
            "{lost} triggered events never reached the receiver"
        ));
    }
    if let Some(error) = &sent.first_error {
        notes.push(format!("first refused trigger: {error}"));
    }
    notes.push(format!(
        "{in_window} deliveries arrived in the window; waited {:.1} s after the triggers \
         stopped for those still queued",
        drained.as_secs_f64()
    ));
    (measured, errors, notes)
}
