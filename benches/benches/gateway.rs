//! The gateway's submit path in-process: `POST /api/v1/invoices` with a JSON envelope through
//! the whole router (journaling, faults, bearer authentication, envelope, full validation,
//! duplicate check, the network's intake), without sockets, so the figure is eisim's own cost
//! per validated submission. Every iteration sends a fresh invoice number (a duplicate would
//! be refused before most of the work).
//!
//! The baseline in the same run is the same request, built the same way, answered by an axum
//! `Router` whose handler returns 200 "ok": the ceiling of an in-process axum request.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use eisim_benches::fixtures::{FPA12_MINIMAL, fatturapa_numbered, sdi_pa_scenario};
use eisim_benches::router::{call, token};

fn router() -> Router {
    let scenario = eisim::scenario::parse(&sdi_pa_scenario(), "sdi-pa-outcomes.yaml").unwrap();
    let world = Arc::new(eisim::Simulation::new(
        scenario,
        "sdi-pa-outcomes.yaml".into(),
        eisim::Overrides::default(),
        eisim::Journal::default(),
    ));
    eisim::app(world, eisim::ServerSettings::default())
}

/// A submission of the FPA12 fixture numbered `n`, as an integrator's JSON client sends it.
fn submission(token: &str, n: u64) -> Request<Body> {
    let document = fatturapa_numbered(FPA12_MINIMAL, &format!("BENCH-{n}"));
    let envelope = serde_json::json!({
        "document": STANDARD.encode(document),
        "reference": format!("ERP-{n}"),
    });
    Request::post("/api/v1/invoices")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(serde_json::to_vec(&envelope).unwrap()))
        .unwrap()
}

fn gateway(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let app = router();
    let token = runtime.block_on(token(&app));
    let (status, body) = runtime.block_on(call(&app, submission(&token, 0)));
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let hello = Router::new().route("/api/v1/invoices", post(|| async { "ok" }));

    let mut group = c.benchmark_group("gateway_submit");
    group
        .throughput(Throughput::Elements(1))
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    let mut n = 0u64;
    group.bench_function("baseline_axum_hello_world", |b| {
        b.iter(|| {
            n += 1;
            let (status, _) = runtime.block_on(call(&hello, submission(&token, n)));
            assert_eq!(status, StatusCode::OK);
        });
    });
    group.bench_function("submit_fpa12_json", |b| {
        b.iter(|| {
            n += 1;
            let (status, _) = runtime.block_on(call(&app, submission(&token, n)));
            assert_eq!(status, StatusCode::CREATED);
        });
    });
    group.finish();
}

criterion_group!(benches, gateway);
criterion_main!(benches);
