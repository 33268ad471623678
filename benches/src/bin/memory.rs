//! Memory: what a tracked document costs, and whether a long run at a steady rate stays
//! bounded (issue 9, scope 3). Figures and how they were taken are in BENCHMARKS.md.
//!
//! `memory per-document` submits documents through the gateway's submit path in-process (the
//! whole router, as the `gateway` bench does) and reads VmRSS from /proc/self/status before
//! and at each checkpoint; what the store holds besides the documents' own bytes is
//! (RSS growth - document bytes) / documents.
//!
//! `memory soak` starts a real simulator (journal file on disk, capped journal in memory), a
//! local webhook receiver, and drives a steady mix over loopback: submissions with
//! idempotency keys, status reads, and the webhook deliveries they cause. Every sample prints
//! RSS, the journal's length in memory and on disk, documents and deliveries; the summary
//! gives the slope of the last half, raw and after subtracting documents x a per-document
//! figure.
//!
//! Harness code: a failed call means the measurement is broken, so it panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::{Parser, Subcommand, ValueEnum};
use eisim::TenantId;
use eisim_benches::fixtures::{FPA12_MINIMAL, fa3_numbered, fatturapa_numbered, sdi_pa_scenario};
use eisim_benches::router::call;

#[derive(Debug, Parser)]
#[command(about = "Memory per tracked document, and the soak at a steady rate")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// RSS growth per document through the in-process gateway submit path.
    PerDocument {
        /// Checkpoints, in documents submitted; the last is the total.
        #[arg(long, value_delimiter = ',', default_value = "100000,1000000")]
        documents: Vec<u64>,
        /// Which network's document and scenario.
        #[arg(long, value_enum, default_value_t = Network::Sdi)]
        network: Network,
        /// Journal entries kept in memory. Small by default so the capped journal (a fixed
        /// cost, measured by the soak) does not count as a per-document cost.
        #[arg(long, default_value_t = 1_000)]
        journal_memory_cap: usize,
    },
    /// A steady mix of traffic for --duration, sampling memory.
    Soak {
        /// How long to run, e.g. 3600s, 60m, 1h.
        #[arg(long, default_value = "1h", value_parser = parse_duration)]
        duration: Duration,
        /// Time between samples.
        #[arg(long, default_value = "60s", value_parser = parse_duration)]
        sample_every: Duration,
        /// Submissions per second, each with an Idempotency-Key.
        #[arg(long, default_value_t = 20)]
        rate: u32,
        /// Status reads per second (of the last 1,000 documents); twice --rate when left out.
        #[arg(long)]
        status_reads: Option<u32>,
        /// Leave out the webhook subscription (to tell its share of the memory apart).
        #[arg(long)]
        no_webhooks: bool,
        /// Simulated time runs this many times faster than real time: at 96, idempotency keys
        /// (kept 24 h simulated) expire after 15 real minutes, before the second quarter of a
        /// one-hour run, and every document finishes its life within a second.
        #[arg(long, default_value_t = 96.0)]
        clock_scale: f64,
        /// The journal file; every entry lands there.
        #[arg(long, default_value = "target/soak-journal.ndjson")]
        journal: PathBuf,
        /// Journal entries kept in memory.
        #[arg(long, default_value_t = eisim::journal::DEFAULT_MEMORY_CAP)]
        journal_memory_cap: usize,
        /// Bytes per document to subtract (the per-document figure, plus the document's own
        /// size), before judging whether the rest still grows.
        #[arg(long, default_value_t = 0)]
        per_document_bytes: u64,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Network {
    /// FatturaPA FPA12 (3.8 KB) on scenarios/sdi-pa-outcomes.yaml, clock not advanced.
    Sdi,
    /// FA(3) fa3-minimal (1.8 KB) on a KSeF scenario, clock not advanced.
    Ksef,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or((text, "s"), |at| text.split_at(at));
    let n: u64 = number
        .parse()
        .map_err(|_| format!("not a duration: {text}"))?;
    match unit {
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        _ => Err(format!("unit must be s, m or h: {text}")),
    }
}

/// Resident set size of this process, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .unwrap();
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    kib * 1024
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

/// Two tenants' worth of KSeF, as the gateway tests use: the fixture's seller is acme's.
fn ksef_scenario(clock: &str) -> String {
    format!(
        r#"
name: memory
clock: {clock}
seed: 7
tenants:
  - id: acme
    credentials: [ {{ client_id: acme-client, client_secret: acme-secret }} ]
participants:
  - {{ id: "KSEF:5265877635", network: ksef, tenant: acme }}
  - {{ id: "KSEF:5261040828", network: ksef }}
"#
    )
}

fn main() {
    match Cli::parse().command {
        Command::PerDocument {
            documents,
            network,
            journal_memory_cap,
        } => per_document(&documents, network, journal_memory_cap),
        Command::Soak {
            duration,
            sample_every,
            rate,
            status_reads,
            no_webhooks,
            clock_scale,
            journal,
            journal_memory_cap,
            per_document_bytes,
        } => soak(Soak {
            duration,
            sample_every,
            rate,
            status_reads: status_reads.unwrap_or(rate * 2),
            webhooks: !no_webhooks,
            clock_scale,
            journal,
            journal_memory_cap,
            per_document_bytes,
        }),
    }
}

fn per_document(checkpoints: &[u64], network: Network, journal_memory_cap: usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (yaml, client, secret, tenant) = match network {
        Network::Sdi => (sdi_pa_scenario(), "demo-client", "demo-secret", "demo"),
        Network::Ksef => (
            ksef_scenario("{ mode: virtual, start: 2026-11-02T09:00:00Z }"),
            "acme-client",
            "acme-secret",
            "acme",
        ),
    };
    let scenario = eisim::scenario::parse(&yaml, "memory.yaml").unwrap();
    let world = Arc::new(eisim::Simulation::new(
        scenario,
        "memory.yaml".into(),
        eisim::Overrides::default(),
        eisim::Journal::in_memory(journal_memory_cap),
    ));
    let app = eisim::app(world.clone(), eisim::ServerSettings::default());
    let token = runtime.block_on(token(&app, client, secret));
    let document = |n: u64| match network {
        Network::Sdi => fatturapa_numbered(FPA12_MINIMAL, &format!("MEM-{n}")),
        Network::Ksef => fa3_numbered(&format!("MEM-{n}")),
    };
    // One document first, so what is allocated once (lazy statics, the first map buckets)
    // is in the baseline rather than in the figure.
    runtime.block_on(submit(&app, &token, document(0)));
    let tenant = TenantId::new(tenant);
    let baseline = rss();
    println!(
        "memory per-document: network {network:?}, journal cap {journal_memory_cap}, \
         baseline RSS {} MiB",
        mib(baseline)
    );
    println!(
        "| Documents | RSS (MiB) | Growth (MiB) | Document bytes (MiB) | Besides bytes, per document | Wall time |"
    );
    println!("|---|---|---|---|---|---|");
    let started = Instant::now();
    let mut bytes: u64 = 0;
    let mut n: u64 = 0;
    for &checkpoint in checkpoints {
        while n < checkpoint {
            n += 1;
            let xml = document(n);
            bytes += xml.len() as u64;
            runtime.block_on(submit(&app, &token, xml));
        }
        let now = rss();
        let growth = now.saturating_sub(baseline);
        let per_doc = (growth as f64 - bytes as f64) / n as f64;
        println!(
            "| {n} | {} | {} | {} | {:.0} B | {:.1} s |",
            mib(now),
            mib(growth),
            mib(bytes),
            per_doc,
            started.elapsed().as_secs_f64()
        );
    }
    let holdings = world.holdings(&tenant);
    println!(
        "store: {} documents of {tenant}; {} pending events; journal: {} in memory, \
         {} dropped",
        holdings.documents,
        holdings.pending_events,
        world.journal.len(),
        world.journal.dropped()
    );
}

async fn token(app: &Router, client: &str, secret: &str) -> String {
    let (status, body) = call(
        app,
        Request::post("/connect/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "grant_type=client_credentials&client_id={client}&client_secret={secret}"
            )))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
    value["access_token"].as_str().unwrap().to_owned()
}

async fn submit(app: &Router, token: &str, xml: String) {
    let (status, body) = call(
        app,
        Request::post("/api/v1/invoices")
            .header("content-type", "application/xml")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from(xml))
            .unwrap(),
    )
    .await;
    if status != StatusCode::CREATED {
        panic!(
            "submit answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
}

#[derive(Debug)]
struct Soak {
    duration: Duration,
    sample_every: Duration,
    rate: u32,
    status_reads: u32,
    webhooks: bool,
    clock_scale: f64,
    journal: PathBuf,
    journal_memory_cap: usize,
    per_document_bytes: u64,
}

/// What the traffic tasks count, read by the sampler.
#[derive(Debug, Default)]
struct Counters {
    submitted: AtomicU64,
    status_reads: AtomicU64,
    webhooks_received: AtomicU64,
    /// Answers other than the expected ones (after a token refresh), for the summary.
    unexpected: AtomicU64,
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    minute: f64,
    rss: u64,
    documents: u64,
}

fn soak(options: Soak) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run_soak(options));
}

async fn run_soak(options: Soak) {
    let counters = Arc::new(Counters::default());

    // The local webhook receiver: answers every delivery 204.
    let received = counters.clone();
    let receiver = Router::new().fallback(move || {
        let received = received.clone();
        async move {
            received.webhooks_received.fetch_add(1, Ordering::Relaxed);
            StatusCode::NO_CONTENT
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver_url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    if let Some(dir) = options.journal.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    let _ = std::fs::remove_file(&options.journal);
    let start = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let yaml = ksef_scenario(&format!(
        "{{ mode: \"scaled:{}\", start: {start} }}",
        options.clock_scale
    ));
    let scenario = eisim::scenario::parse(&yaml, "soak.yaml").unwrap();
    let sim = eisim::Simulator::start(
        eisim::SimulatorConfig::new()
            .scenario(scenario, "soak.yaml")
            .journal_file(&options.journal)
            .journal_memory_cap(options.journal_memory_cap),
    )
    .await
    .unwrap();
    let base = sim.base_url();
    let http = reqwest::Client::new();
    let token = Arc::new(Mutex::new(fetch_token(&http, &base).await));
    if options.webhooks {
        let created: serde_json::Value = http
            .post(format!("{base}/api/v1/webhooks"))
            .bearer_auth(current(&token))
            .json(&serde_json::json!({ "url": receiver_url, "events": ["*"] }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(created["id"].is_string(), "{created}");
    }

    let recent: Arc<Mutex<VecDeque<String>>> = Arc::default();
    let deadline = tokio::time::Instant::now() + options.duration;
    let submitter = tokio::spawn(submissions(
        http.clone(),
        base.clone(),
        token.clone(),
        recent.clone(),
        counters.clone(),
        options.rate,
        deadline,
    ));
    let reader = tokio::spawn(status_reads(
        http.clone(),
        base.clone(),
        token.clone(),
        recent.clone(),
        counters.clone(),
        options.status_reads,
        deadline,
    ));

    println!(
        "memory soak: {} s at {} submissions/s and {} status reads/s, webhooks {}, clock \
         scaled:{}, journal cap {}, journal file {}",
        options.duration.as_secs(),
        options.rate,
        options.status_reads,
        if options.webhooks { "on" } else { "off" },
        options.clock_scale,
        options.journal_memory_cap,
        options.journal.display()
    );
    println!(
        "| Minute | RSS (MiB) | Documents | Status reads | Webhooks received | Journal in memory | Dropped from memory | Journal file (MiB) | Idempotency keys |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let journal = sim.journal();
    let acme = TenantId::new("acme");
    let began = Instant::now();
    let mut samples = Vec::new();
    let mut ticker = tokio::time::interval(options.sample_every);
    loop {
        ticker.tick().await;
        let elapsed = began.elapsed();
        let sample = Sample {
            minute: elapsed.as_secs_f64() / 60.0,
            rss: rss(),
            documents: counters.submitted.load(Ordering::Relaxed),
        };
        let file = std::fs::metadata(&options.journal).map_or(0, |m| m.len());
        println!(
            "| {:.1} | {} | {} | {} | {} | {} | {} | {} | {} |",
            sample.minute,
            mib(sample.rss),
            sample.documents,
            counters.status_reads.load(Ordering::Relaxed),
            counters.webhooks_received.load(Ordering::Relaxed),
            journal.len(),
            journal.dropped(),
            mib(file),
            sim.holdings(&acme).idempotency_keys,
        );
        samples.push(sample);
        if elapsed >= options.duration {
            break;
        }
    }
    submitter.await.unwrap();
    reader.await.unwrap();
    sim.webhooks_settled().await;
    let in_memory = journal.len() as u64;
    let dropped = journal.dropped();
    sim.shutdown().await.unwrap();
    let on_disk = std::fs::read_to_string(&options.journal)
        .map(|text| text.lines().count() as u64)
        .unwrap_or(0);
    println!(
        "journal: {in_memory} entries in memory (cap {}), {dropped} dropped from memory, \
         {on_disk} lines on disk (in memory + dropped = {})",
        options.journal_memory_cap,
        in_memory + dropped
    );
    println!(
        "unexpected answers: {}",
        counters.unexpected.load(Ordering::Relaxed)
    );
    summarise(&samples, options.per_document_bytes);
}

/// Least-squares slope of `y` over `x`.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let cov: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let var: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    if var == 0.0 { 0.0 } else { cov / var }
}

/// The verdict on boundedness. Documents are kept by design, so growth proportional to them
/// is expected; the question is whether anything else grows. The cost per document is fitted
/// on the second quarter of the run (after the journal has usually reached its cap), then
/// subtracted from the last half: a residual slope near zero means nothing but documents
/// grows. The same is done with `--per-document-bytes` when given.
fn summarise(samples: &[Sample], per_document_bytes: u64) {
    let end = samples.last().map_or(0.0, |last| last.minute);
    let window = |from: f64, to: f64| -> Vec<Sample> {
        samples
            .iter()
            .copied()
            .filter(|s| s.minute >= from * end && s.minute <= to * end)
            .collect()
    };
    let quarter = window(0.25, 0.5);
    let half = window(0.5, 1.0);
    if half.len() < 2 || quarter.len() < 2 {
        println!("too few samples for a slope");
        return;
    }
    let per_doc = |points: &[Sample]| {
        slope(
            &points
                .iter()
                .map(|s| (s.documents as f64, s.rss as f64))
                .collect::<Vec<_>>(),
        )
    };
    let residual = |points: &[Sample], bytes: f64| {
        slope(
            &points
                .iter()
                .map(|s| (s.minute, s.rss as f64 - s.documents as f64 * bytes))
                .collect::<Vec<_>>(),
        ) / 1024.0
    };
    let raw = residual(&half, 0.0);
    let fitted = per_doc(&quarter);
    println!(
        "last half ({} samples): RSS slope {raw:.1} KiB/min, {:.0} B per document; \
         second quarter: {fitted:.0} B per document",
        half.len(),
        per_doc(&half)
    );
    println!(
        "last half after subtracting documents x {fitted:.0} B (second quarter's figure): \
         {:.1} KiB/min",
        residual(&half, fitted)
    );
    if per_document_bytes > 0 {
        println!(
            "last half after subtracting documents x {per_document_bytes} B (given): \
             {:.1} KiB/min",
            residual(&half, per_document_bytes as f64)
        );
    }
}

fn current(token: &Mutex<String>) -> String {
    token.lock().unwrap().clone()
}

async fn fetch_token(http: &reqwest::Client, base: &str) -> String {
    let value: serde_json::Value = http
        .post(format!("{base}/connect/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "acme-client"),
            ("client_secret", "acme-secret"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    value["access_token"].as_str().unwrap().to_owned()
}

/// Sends `request` with the current token; on 401 (the token expired on the scaled clock)
/// fetches a new one and sends again. Returns the status and body.
async fn authorised(
    http: &reqwest::Client,
    base: &str,
    token: &Mutex<String>,
    request: impl Fn(&str) -> reqwest::RequestBuilder,
) -> (reqwest::StatusCode, axum::body::Bytes) {
    for _ in 0..2 {
        let response = request(&current(token)).send().await.unwrap();
        let status = response.status();
        let body = response.bytes().await.unwrap();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            let fresh = fetch_token(http, base).await;
            *token.lock().unwrap() = fresh;
            continue;
        }
        return (status, body);
    }
    panic!("still unauthorised with a fresh token");
}

async fn submissions(
    http: reqwest::Client,
    base: String,
    token: Arc<Mutex<String>>,
    recent: Arc<Mutex<VecDeque<String>>>,
    counters: Arc<Counters>,
    rate: u32,
    deadline: tokio::time::Instant,
) {
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / rate.max(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n: u64 = 0;
    while tokio::time::Instant::now() < deadline {
        ticker.tick().await;
        n += 1;
        let xml = fa3_numbered(&format!("SOAK-{n}"));
        let key = format!("soak-{n}");
        let (status, body) = authorised(&http, &base, &token, |token| {
            http.post(format!("{base}/api/v1/invoices?reference=ERP-{n}"))
                .bearer_auth(token)
                .header("content-type", "application/xml")
                .header("idempotency-key", &key)
                .body(xml.clone())
        })
        .await;
        if status != reqwest::StatusCode::CREATED {
            counters.unexpected.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        if let Some(id) = value["id"].as_str() {
            let mut recent = recent.lock().unwrap();
            recent.push_back(id.to_owned());
            if recent.len() > 1_000 {
                recent.pop_front();
            }
        }
        counters.submitted.fetch_add(1, Ordering::Relaxed);
    }
}

async fn status_reads(
    http: reqwest::Client,
    base: String,
    token: Arc<Mutex<String>>,
    recent: Arc<Mutex<VecDeque<String>>>,
    counters: Arc<Counters>,
    rate: u32,
    deadline: tokio::time::Instant,
) {
    if rate == 0 {
        return;
    }
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / rate);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n: usize = 0;
    while tokio::time::Instant::now() < deadline {
        ticker.tick().await;
        n += 1;
        let id = {
            let recent = recent.lock().unwrap();
            if recent.is_empty() {
                continue;
            }
            recent[n % recent.len()].clone()
        };
        let (status, _) = authorised(&http, &base, &token, |token| {
            http.get(format!("{base}/api/v1/invoices/{id}/status"))
                .bearer_auth(token)
        })
        .await;
        if status == reqwest::StatusCode::OK {
            counters.status_reads.fetch_add(1, Ordering::Relaxed);
        } else {
            counters.unexpected.fetch_add(1, Ordering::Relaxed);
        }
    }
}
