//! The servers of one load run, all on the server runtime and all served by `eisim::run` (the
//! same hyper HTTP/1 loop and settings), so the only difference between eisim and its ceiling
//! is what answers the request:
//! - eisim itself, through [`eisim::Simulator`] on the load scenario;
//! - the ceiling: an axum hello-world that reads the request body and answers a constant;
//! - the webhook receiver: an axum handler that notes each delivery's `webhook-id` and the
//!   instant it arrived, and answers 204.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The scenario every eisim figure is measured on (see the file for why each setting).
pub const SCENARIO: &str = include_str!("scenario.yaml");

/// Starts eisim on 127.0.0.1 and a free port, on the load scenario.
pub async fn eisim() -> eisim::Simulator {
    let scenario = eisim::scenario::parse(SCENARIO, "load.yaml").unwrap();
    eisim::Simulator::start(eisim::SimulatorConfig::new().scenario(scenario, "load.yaml"))
        .await
        .unwrap()
}

/// Serves `app` with eisim's own HTTP loop on a free loopback port until `stop` turns true.
async fn serve(app: Router, stop: &watch::Receiver<bool>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let mut stop = stop.clone();
    tokio::spawn(eisim::run(
        listener,
        app,
        eisim::DEFAULT_HEADER_READ_TIMEOUT,
        async move {
            let _ = stop.wait_for(|stop| *stop).await;
        },
    ));
    address
}

/// The ceiling: any method, any path, the body read and "Hello, World!" answered.
pub async fn hello_world(stop: &watch::Receiver<bool>) -> SocketAddr {
    let app = Router::new().fallback(|_body: Bytes| async { "Hello, World!" });
    serve(app, stop).await
}

/// What the webhook receiver saw: each delivery's `webhook-id` (empty when absent) and when
/// it arrived, plus one body and its headers to replay for the receiver's ceiling.
#[derive(Debug, Default)]
pub struct Arrivals {
    pub deliveries: Vec<(String, Instant)>,
    pub sample: Option<(HeaderMap, Bytes)>,
    /// While true, every delivery's headers and body are kept in `kept` (the burst replays
    /// them all to the receiver for its baseline).
    pub keep_all: bool,
    pub kept: Vec<(HeaderMap, Bytes)>,
}

pub type SharedArrivals = Arc<Mutex<Arrivals>>;

/// Locks the arrivals; a panicked receiver leaves them as they were.
pub fn arrivals(shared: &SharedArrivals) -> std::sync::MutexGuard<'_, Arrivals> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn receive(
    State(seen): State<SharedArrivals>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let arrived = Instant::now();
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut seen = arrivals(&seen);
    seen.deliveries.push((id, arrived));
    if seen.keep_all {
        seen.kept.push((headers, body));
    } else if seen.sample.is_none() {
        seen.sample = Some((headers, body));
    }
    StatusCode::NO_CONTENT
}

/// The webhook receiver at `POST /hook`.
pub async fn receiver(stop: &watch::Receiver<bool>) -> (SocketAddr, SharedArrivals) {
    let seen = SharedArrivals::default();
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(seen.clone());
    (serve(app, stop).await, seen)
}
