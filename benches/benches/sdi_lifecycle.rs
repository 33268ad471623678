//! Wall time of a whole SDI public-administration lifecycle at volume on the virtual clock:
//! FPA12 invoices submitted in-process through the gateway (`POST /api/v1/submissions`, 100 a
//! batch, each document fully validated), the clock advanced 16 days so SDI's checks, the
//! delivery (RC) and the 15-day deadline (DT) fire for every one, then every document counted
//! delivered with DT. Scenario: scenarios/sdi-pa-outcomes.yaml (clock moved after the
//! fixture's date), whose default branch is exactly that lifecycle.
//!
//! A plain timing binary (`harness = false` without criterion), not a criterion bench: one
//! run takes tens of seconds, and criterion's minimum of ten samples would not fit the
//! `cargo bench` time budget. There is no baseline to divide by: the figure is read against
//! the goal (100,000 invoices in under 10 s).
//!
//! The figure is for 100,000 invoices; `cargo bench` runs 10,000 to keep its time
//! budget and prints the per-invoice cost and the linear extrapolation to 100,000;
//! `EISIM_BENCH_SDI_INVOICES=100000 cargo bench -p eisim-benches --bench sdi_lifecycle`
//! measures the full figure. Nobody downloads a notification here, so none is signed: SDI
//! signs a notification (RSA, ~2.5 ms) when it is first read or sent over SDICoop, and a
//! gateway integration reads few. Without `--bench` (as `cargo test --benches` runs it) it
//! does 200 invoices, as a smoke check.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use eisim::Simulation;
use eisim_benches::fixtures::{FPA12_MINIMAL, fatturapa_numbered, sdi_pa_scenario};
use eisim_benches::router::{call, token};
use serde_json::Value;

const BATCH: usize = 100;
const DAY: Duration = Duration::from_secs(24 * 3600);

/// A distinct SDI file name per invoice, named as an integrator would, so the bench does not
/// time eisim's own naming. (Drawn names used to collide about once in 10,000 documents; this
/// bench found it, and eisim now draws a taken name again.)
fn file_name(n: usize) -> String {
    let mut progressivo = [b'0'; 5];
    let mut rest = n;
    for digit in progressivo.iter_mut().rev() {
        *digit = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rest % 36];
        rest /= 36;
    }
    format!(
        "IT01234567897_{}.xml",
        String::from_utf8_lossy(&progressivo)
    )
}

struct Timings {
    submit: Duration,
    advance: Duration,
    count: Duration,
}

impl Timings {
    fn total(&self) -> Duration {
        self.submit + self.advance + self.count
    }
}

async fn lifecycle(invoices: usize) -> Timings {
    let scenario = eisim::scenario::parse(&sdi_pa_scenario(), "sdi-pa-outcomes.yaml").unwrap();
    let world = Arc::new(Simulation::new(
        scenario,
        "sdi-pa-outcomes.yaml".into(),
        eisim::Overrides::default(),
        eisim::Journal::default(),
    ));
    let app = eisim::app(world.clone(), eisim::ServerSettings::default());
    let bearer = format!("Bearer {}", token(&app).await);

    // The request bodies are built before the clock starts: the figure is eisim's time.
    let batches: Vec<Vec<u8>> = (0..invoices)
        .collect::<Vec<_>>()
        .chunks(BATCH)
        .map(|chunk| {
            let documents: Vec<serde_json::Value> = chunk
                .iter()
                .map(|n| {
                    let doc = fatturapa_numbered(FPA12_MINIMAL, &format!("PA-{n}"));
                    serde_json::json!({
                        "document": STANDARD.encode(doc),
                        "file_name": file_name(*n),
                    })
                })
                .collect();
            serde_json::to_vec(&serde_json::json!({ "documents": documents })).unwrap()
        })
        .collect();

    let started = Instant::now();
    for batch in batches {
        let request = Request::post("/api/v1/submissions")
            .header("content-type", "application/json")
            .header("authorization", &bearer)
            .body(Body::from(batch))
            .unwrap();
        let (status, body) = call(&app, request).await;
        assert!(
            status.is_success(),
            "{status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    let submitted = started.elapsed();

    let started = Instant::now();
    world.advance(16 * DAY).unwrap();
    let advanced = started.elapsed();

    // Counted through the gateway's listing, as an integrator would read them back.
    let started = Instant::now();
    let delivered = listed(&app, &bearer, Some("delivered")).await;
    let with_dt = delivered
        .iter()
        .filter(|doc| doc["network_detail"]["status"] == "DT")
        .count();
    let counted = started.elapsed();
    if (delivered.len(), with_dt) != (invoices, invoices) {
        let all = listed(&app, &bearer, None).await;
        let mut outcomes = std::collections::BTreeMap::new();
        for doc in &all {
            let key = format!(
                "{} {} {}",
                doc["state"], doc["network_detail"]["status"], doc["network_detail"]["errors"]
            );
            outcomes
                .entry(key)
                .or_insert_with(Vec::new)
                .push(doc["numbers"][0].clone());
        }
        for (outcome, numbers) in &outcomes {
            let sample: Vec<_> = numbers.iter().take(5).collect();
            eprintln!("{outcome}: {} e.g. {sample:?}", numbers.len());
        }
        panic!(
            "{invoices} invoices, {} documents, {} delivered, {with_dt} with DT",
            all.len(),
            delivered.len()
        );
    }
    Timings {
        submit: submitted,
        advance: advanced,
        count: counted,
    }
}

fn main() {
    let benching = std::env::args().any(|arg| arg == "--bench");
    let default = if benching { 10_000 } else { 200 };
    let invoices = std::env::var("EISIM_BENCH_SDI_INVOICES")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let t = runtime.block_on(lifecycle(invoices));
    let per_invoice = t.total().as_secs_f64() / invoices as f64;
    println!(
        "sdi_pa_lifecycle/{invoices}: wall time {:.2} s (submit {:.2} s = {:.0} invoices/s; \
         advance 16 d {:.2} s = {:.0} invoices/s; count {:.3} s)",
        t.total().as_secs_f64(),
        t.submit.as_secs_f64(),
        invoices as f64 / t.submit.as_secs_f64(),
        t.advance.as_secs_f64(),
        invoices as f64 / t.advance.as_secs_f64(),
        t.count.as_secs_f64(),
    );
    println!(
        "sdi_pa_lifecycle: {:.1} us per invoice; 100,000 invoices at that rate: {:.1} s (goal: under 10 s)",
        per_invoice * 1e6,
        per_invoice * 100_000.0
    );
}

/// Every document of the tenant (in `state`, when given) through `GET /api/v1/invoices`,
/// page after page.
async fn listed(app: &axum::Router, bearer: &str, state: Option<&str>) -> Vec<Value> {
    let mut documents = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut uri = "/api/v1/invoices?limit=200".to_owned();
        if let Some(state) = state {
            uri.push_str(&format!("&state={state}"));
        }
        if let Some(cursor) = &cursor {
            uri.push_str(&format!("&cursor={cursor}"));
        }
        let request = Request::get(uri)
            .header("authorization", bearer)
            .body(Body::empty())
            .unwrap();
        let (status, body) = call(app, request).await;
        assert!(
            status.is_success(),
            "{status}: {}",
            String::from_utf8_lossy(&body)
        );
        let page: Value = serde_json::from_slice(&body).unwrap();
        documents.extend(page["items"].as_array().into_iter().flatten().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return documents,
        }
    }
}
