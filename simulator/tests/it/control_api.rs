//! The /_sim control API over a real socket, and once through `app()` with `oneshot`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::TestSim;

#[tokio::test]
async fn health_reports_version_scenario_and_clock() {
    let t = TestSim::virtual_clock().await;
    let (status, body) = t.get_json("/_sim/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["scenario"]["name"], "default");
    assert_eq!(body["clock"]["mode"], "virtual");
    let now: jiff::Timestamp = body["clock"]["now"].as_str().unwrap().parse().unwrap();
    assert_eq!(now, t.sim.clock().now());
}

#[tokio::test]
async fn tenants_come_from_the_default_scenario_without_secrets() {
    let t = TestSim::virtual_clock().await;
    let (status, body) = t.get_json("/_sim/tenants").await;
    assert_eq!(status, 200);
    let tenants = body["tenants"].as_array().unwrap();
    assert_eq!(tenants.len(), 2);
    assert_eq!(tenants[0]["id"], "demo");
    assert_eq!(tenants[0]["client_ids"], json!(["demo-client"]));
    assert_eq!(tenants[1]["id"], "demo-buyer");
    assert!(!body.to_string().contains("demo-secret"));
}

const TWO_TENANTS: &str = "\
name: two-tenants
clock: virtual
seed: 7
tenants:
  - id: acme
    credentials: [{ client_id: acme-client, client_secret: s1 }]
  - id: globex
    credentials: [{ client_id: globex-client, client_secret: s2 }]
";

#[tokio::test]
async fn loading_a_scenario_starts_a_fresh_run_of_it() {
    let t = TestSim::virtual_clock().await;
    let response = t.load_scenario(TWO_TENANTS).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["scenario"]["name"], "two-tenants");
    assert_eq!(body["scenario"]["seed"], 7);
    assert_eq!(body["tenants"].as_array().unwrap().len(), 2);

    let (_, health) = t.get_json("/_sim/health").await;
    assert_eq!(health["scenario"]["name"], "two-tenants");
    assert_eq!(health["scenario"]["origin"], "<request body>");
}

#[tokio::test]
async fn a_broken_scenario_is_refused_with_its_location_and_changes_nothing() {
    let t = TestSim::virtual_clock().await;
    let response = t.load_scenario("name: typo\ntenats: []\n").await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["type"], "urn:eisim:problem:invalid-scenario");
    let first = &body["errors"][0];
    assert_eq!(first["line"], 2);
    assert_eq!(first["kind"], "unknown-key");
    assert!(
        first["suggestion"].as_str().unwrap().contains("tenants"),
        "{body}"
    );

    let (_, health) = t.get_json("/_sim/health").await;
    assert_eq!(health["scenario"]["name"], "default");
}

#[tokio::test]
async fn a_scenario_sent_as_json_is_refused_as_the_wrong_media_type() {
    let t = TestSim::virtual_clock().await;
    let response = t
        .http
        .post(t.url("/_sim/scenario"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_and_are_journaled() {
    let t = TestSim::start(
        eisim::SimulatorConfig::new()
            .clock(eisim::ClockMode::Virtual)
            .body_limit(1024),
    )
    .await;
    let big = format!("name: big\ndescription: \"{}\"\n", "x".repeat(4096));
    let response = t.load_scenario(&big).await;
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["type"], "urn:eisim:problem:payload-too-large");
    let http = t.sim.journal().query(&eisim::JournalQuery {
        kind: Some(eisim::journal::RecordKind::Http),
        ..Default::default()
    });
    let last = http.last().unwrap();
    let eisim::Record::Http(exchange) = &last.record else {
        panic!("not an http entry: {last:?}");
    };
    assert_eq!(
        (exchange.path.as_str(), exchange.status),
        ("/_sim/scenario", 413)
    );
}

#[tokio::test]
async fn the_journal_is_ndjson_and_filters_by_kind_and_sequence() {
    let t = TestSim::virtual_clock().await;
    t.get_json("/_sim/health").await;
    t.get_json("/_sim/clock").await;
    let response = t
        .http
        .get(t.url("/_sim/journal?kind=http"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.unwrap();
    let entries: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let paths: Vec<&str> = entries
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["/_sim/health", "/_sim/clock"]);
    for entry in &entries {
        assert_eq!(entry["kind"], "http");
        assert_eq!(entry["status"], 200);
        assert_eq!(entry["request_body"]["size"], 0);
        assert_eq!(entry["response_body"]["sha256"].as_str().unwrap().len(), 64);
        assert!(entry["real_time"].is_string() && entry["sim_time"].is_string());
    }

    let after = entries[0]["seq"].as_u64().unwrap();
    let text = t
        .http
        .get(t.url(&format!(
            "/_sim/journal?kind=http&after_seq={after}&limit=1"
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let tail: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(tail.len(), 1);
    assert_eq!(tail[0]["path"], "/_sim/clock");

    let response = t
        .http
        .get(t.url("/_sim/journal?kind=gossip"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn unknown_routes_answer_with_a_problem_document() {
    let t = TestSim::virtual_clock().await;
    let (status, body) = t.get_json("/api/v1/nothing-here").await;
    assert_eq!(status, 404);
    assert_eq!(body["type"], "urn:eisim:problem:no-route");
    assert_eq!(body["status"], 404);
}

#[tokio::test]
async fn a_control_token_when_given_is_required_on_every_control_call() {
    let t = TestSim::start(
        eisim::SimulatorConfig::new()
            .clock(eisim::ClockMode::Virtual)
            .control_token("s3cret"),
    )
    .await;
    let response = t.http.get(t.url("/_sim/health")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("www-authenticate"));
    let response = t
        .http
        .get(t.url("/_sim/health"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = t
        .http
        .get(t.url("/_sim/health"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn binding_beyond_loopback_without_a_control_token_is_refused() {
    let config = eisim::SimulatorConfig::new().bind("0.0.0.0".parse().unwrap());
    let error = eisim::Simulator::start(config).await.unwrap_err();
    assert!(
        matches!(error, eisim::StartError::ControlTokenRequired { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn the_router_answers_without_a_socket() {
    let scenario = eisim::scenario::default_scenario().unwrap();
    let world = std::sync::Arc::new(eisim::Simulation::new(
        scenario,
        "test".into(),
        eisim::Overrides::default(),
        eisim::Journal::default(),
    ));
    let app = eisim::app(world.clone(), eisim::ServerSettings::default());
    let response = app
        .oneshot(Request::get("/_sim/clock").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(world.journal.len(), 2, "scenario load + the request");
}

#[tokio::test]
async fn auto_advance_on_a_clock_that_is_not_virtual_is_refused() {
    let config = eisim::SimulatorConfig::new()
        .clock(eisim::ClockMode::Real)
        .auto_advance(true);
    let error = eisim::Simulator::start(config).await.unwrap_err();
    assert!(
        matches!(
            error,
            eisim::StartError::AutoAdvanceNeedsVirtualClock { .. }
        ),
        "{error}"
    );
}
