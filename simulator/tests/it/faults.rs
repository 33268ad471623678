//! The scenario's `faults:` section, end to end: windows on the virtual clock, seeded rates,
//! KSeF's own error shapes, warnings, and outages that hold documents back.
//!
//! The KSeF API routes are not needed: the fault layer answers before any handler, whether or
//! not a route exists. Unfaulted KSeF requests are only checked for not being the fault's
//! answer, so these tests hold with or without the KSeF router behind the layer.

use std::time::Duration;

use eisim::journal::RecordKind;
use eisim::{JournalQuery, Record};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use serde_json::Value;

use crate::TestSim;
use crate::gateway_invoices::{Client, invoice};

const PEPPOL_INVOICE: &str = include_str!("../../../fixtures/peppol/invoice-minimal.xml");

/// A virtual-clock scenario with the gateway tests' tenant and parties and these faults.
fn scenario(seed: u64, faults: &str) -> String {
    format!(
        r#"
name: faults
clock: {{ mode: virtual, start: 2026-11-02T09:00:00Z }}
seed: {seed}
tenants:
  - id: acme
    credentials: [ {{ client_id: acme-client, client_secret: acme-secret }} ]
participants:
  - {{ id: "KSEF:5265877635", network: ksef, tenant: acme }}
  - {{ id: "KSEF:5261040828", network: ksef }}
  - {{ id: "0208:0123456749", network: peppol, tenant: acme }}
  - {{ id: "0208:0456789133", network: peppol, capabilities: [bis-billing-3-invoice] }}
faults:
{faults}
"#
    )
}

fn advance(t: &TestSim, by: Duration) {
    t.sim.advance(by).unwrap();
}

fn minutes(n: u64) -> Duration {
    Duration::from_secs(60 * n)
}

/// Status, headers and body text of a request.
/// Sends `request`; a KSeF answer must keep MF's OpenAPI even when a fault shaped it.
async fn call(request: reqwest::RequestBuilder) -> (StatusCode, HeaderMap, String) {
    let (client, request) = request.build_split();
    let request = request.unwrap();
    let (method, path) = (
        request.method().to_string(),
        request.url().path().to_owned(),
    );
    let response = client.execute(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    crate::ksef_openapi::check(&method, &path, status.as_u16(), content_type, &text);
    (status, headers, text)
}

fn header(headers: &HeaderMap, name: impl reqwest::header::AsHeaderName) -> &str {
    headers
        .get(name)
        .map_or("", |value| value.to_str().unwrap_or("<not text>"))
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("{error}: {text}"))
}

/// The journal's fault entries as (fault number, kind, target, status).
fn faults_journaled(t: &TestSim) -> Vec<(usize, String, String, Option<u16>)> {
    t.sim
        .journal()
        .query(&JournalQuery {
            kind: Some(RecordKind::FaultInjected),
            ..Default::default()
        })
        .into_iter()
        .filter_map(|entry| match entry.record {
            Record::FaultInjected {
                fault,
                fault_kind,
                target,
                status,
                ..
            } => Some((fault, fault_kind, target, status)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_503_window_on_the_gateway_opens_and_closes_on_the_virtual_clock() {
    let t = TestSim::with_scenario(&scenario(
        7,
        r#"  - { http_status: 503, path: "/api/v1/invoices*", from: 10m, for: 5m, retry_after: 30s }"#,
    ))
    .await;
    let acme = Client::acme(&t).await;
    let list = || acme.get("/api/v1/invoices");

    assert_eq!(list().await.0, StatusCode::OK, "before the window");

    advance(&t, minutes(10));
    let (status, headers, body) = list().await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(header(&headers, CONTENT_TYPE), "application/problem+json");
    assert_eq!(header(&headers, RETRY_AFTER), "30");
    assert_eq!(body["type"], "urn:eisim:problem:injected-fault");
    assert_eq!(body["status"], 503);
    assert_eq!(body["retry_after"], 30);
    // Other paths, and the control API, are untouched.
    assert_eq!(
        acme.get("/api/v1/submissions/sub_x").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(t.get_json("/_sim/health").await.0, 200);

    advance(&t, minutes(5) - Duration::from_secs(1));
    assert_eq!(
        list().await.0,
        StatusCode::SERVICE_UNAVAILABLE,
        "last second"
    );
    advance(&t, Duration::from_secs(1));
    assert_eq!(list().await.0, StatusCode::OK, "after the window");

    let journaled = faults_journaled(&t);
    assert_eq!(
        journaled,
        vec![
            (
                1,
                "http_status".into(),
                "/api/v1/invoices".into(),
                Some(503)
            ),
            (
                1,
                "http_status".into(),
                "/api/v1/invoices".into(),
                Some(503)
            ),
        ]
    );
    // The injected answers are journaled as exchanges too.
    let answered_503 = t
        .sim
        .journal()
        .query(&JournalQuery {
            kind: Some(RecordKind::Http),
            ..Default::default()
        })
        .into_iter()
        .filter(|entry| matches!(&entry.record, Record::Http(http) if http.status == 503))
        .count();
    assert_eq!(answered_503, 2);
}

/// Which of `n` unauthenticated lookups the fault answered (500) rather than the gateway (401).
async fn struck_requests(t: &TestSim, n: usize) -> Vec<usize> {
    let mut struck = Vec::new();
    for i in 0..n {
        let (status, _, body) =
            call(t.http.get(t.url("/api/v1/participants/0208:0456789133"))).await;
        match status.as_u16() {
            500 => struck.push(i),
            401 => {}
            other => panic!("unexpected {other}: {body}"),
        }
    }
    struck
}

#[tokio::test]
async fn a_rate_of_one_half_strikes_about_half_the_requests_and_the_same_ones_on_replay() {
    let faults = r#"  - { http_status: 500, path: "/api/v1/participants/*", rate: 0.5 }"#;
    let t = TestSim::with_scenario(&scenario(7, faults)).await;

    let first = struck_requests(&t, 200).await;
    assert!(
        (70..=130).contains(&first.len()),
        "{} of 200 struck",
        first.len()
    );

    let reset = t.http.post(t.url("/_sim/reset")).send().await.unwrap();
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(
        struck_requests(&t, 200).await,
        first,
        "same seed, same requests"
    );

    let reloaded = t.load_scenario(&scenario(8, faults)).await;
    assert_eq!(reloaded.status(), StatusCode::OK);
    assert_ne!(struck_requests(&t, 200).await, first, "another seed");
}

#[tokio::test]
async fn a_ksef_outage_answers_the_ksef_api_with_the_cdn_maintenance_page() {
    let t = TestSim::with_scenario(&scenario(7, "  - { outage: ksef, from: 0s, for: 1h }")).await;

    let (status, headers, body) = call(t.http.get(t.url("/v2/sessions"))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header(&headers, CONTENT_TYPE), "text/html; charset=utf-8");
    assert_eq!(header(&headers, RETRY_AFTER), "3600");
    assert!(body.starts_with("<!DOCTYPE html>"), "{body}");
    assert!(body.contains("prace serwisowe"), "{body}");

    advance(&t, minutes(30));
    let (status, headers, _) = call(t.http.post(t.url("/api/v2/auth/challenge"))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header(&headers, RETRY_AFTER), "1800");
    // The gateway still answers; its KSeF documents wait (see the test below).
    let (status, _, _) = call(t.http.get(t.url("/api/v1/openapi.json"))).await;
    assert_eq!(status, StatusCode::OK);

    advance(&t, minutes(30));
    let (status, headers, _) = call(t.http.get(t.url("/v2/sessions"))).await;
    assert_ne!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "the outage is over"
    );
    assert!(!header(&headers, CONTENT_TYPE).starts_with("text/html"));
}

#[tokio::test]
async fn injected_statuses_on_the_ksef_api_take_ksef_shapes() {
    let t = TestSim::with_scenario(&scenario(
        7,
        r#"  - { http_status: 500, path: "/v2/auth/token/refresh" }
  - { http_status: 429, path: "/v2/invoices/*" }
  - { http_status: 502, path: "/v2/sessions/online", retry_after: 90s }"#,
    ))
    .await;

    let (status, headers, body) = call(t.http.post(t.url("/v2/auth/token/refresh"))).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(header(&headers, CONTENT_TYPE), "application/json");
    let detail = &json(&body)["exception"]["exceptionDetailList"][0];
    assert_eq!(detail["exceptionCode"], 500);
    assert_eq!(
        detail["exceptionDescription"],
        "Wystąpił nieoczekiwany błąd."
    );

    let path = "/v2/invoices/ksef/5265877635-20250826-0100001AF629-AF";
    let (status, headers, body) = call(t.http.get(t.url(path))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&headers, CONTENT_TYPE), "application/json");
    assert_eq!(header(&headers, RETRY_AFTER), "30");
    let body = json(&body);
    assert_eq!(body["status"]["code"], 429);
    assert_eq!(body["status"]["description"], "Too Many Requests");
    assert_eq!(
        body["status"]["details"][0],
        "Przekroczono limit żądań. Spróbuj ponownie po 30 sekundach."
    );

    let (status, headers, body) = call(
        t.http
            .get(t.url(path))
            .header("X-Error-Format", "problem-details"),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&headers, CONTENT_TYPE), "application/problem+json");
    assert_eq!(header(&headers, RETRY_AFTER), "30");
    let body = json(&body);
    assert_eq!(body["title"], "Too Many Requests");
    assert_eq!(body["status"], 429);
    assert_eq!(body["instance"], path);

    let (status, headers, body) = call(t.http.post(t.url("/v2/sessions/online"))).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(header(&headers, CONTENT_TYPE), "text/html; charset=utf-8");
    assert_eq!(header(&headers, RETRY_AFTER), "90");
    assert!(body.contains("502 Bad Gateway"), "{body}");
}

#[tokio::test]
async fn ksef_exception_21184_refuses_sends_to_an_online_session() {
    let t = TestSim::with_scenario(&scenario(
        7,
        r#"  - { ksef_exception: 21184, path: "/v2/sessions/online/*/invoices", from: 1m }"#,
    ))
    .await;
    let session = "/v2/sessions/online/20250514-SO-226FB7B000-3ACF9BE4C0-10";
    let send = format!("{session}/invoices");

    let (_, _, body) = call(t.http.post(t.url(&send))).await;
    assert!(!body.contains("21184"), "before the window: {body}");

    advance(&t, minutes(1));
    let (status, headers, body) = call(t.http.post(t.url(&send))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(header(&headers, CONTENT_TYPE), "application/json");
    let detail = &json(&body)["exception"]["exceptionDetailList"][0];
    assert_eq!(detail["exceptionCode"], 21184);
    assert_eq!(
        detail["exceptionDescription"],
        "Sesja jest tymczasowo niedostępna. Otwórz nową sesję."
    );

    let (status, headers, body) = call(
        t.http
            .post(t.url(&send))
            .header("X-Error-Format", "problem-details"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(header(&headers, CONTENT_TYPE), "application/problem+json");
    assert_eq!(json(&body)["errors"][0]["code"], 21184);

    // Closing the session is another path.
    let (_, _, body) = call(t.http.post(t.url(&format!("{session}/close")))).await;
    assert!(!body.contains("21184"), "{body}");

    assert_eq!(
        faults_journaled(&t),
        vec![
            (1, "ksef_exception".into(), send.clone(), Some(400)),
            (1, "ksef_exception".into(), send, Some(400)),
        ]
    );
}

#[tokio::test]
async fn system_warning_marks_the_answers_on_its_path() {
    let warning = "[21999]: Planowana przerwa techniczna 16:00–18:00";
    let t = TestSim::with_scenario(&scenario(
        7,
        &format!(r#"  - {{ system_warning: "{warning}", path: "/v2/*", for: 1h }}"#),
    ))
    .await;

    let (_, headers, _) = call(t.http.get(t.url("/v2/sessions"))).await;
    assert_eq!(
        headers["x-system-warning"].as_bytes(),
        warning.as_bytes(),
        "the text travels as UTF-8"
    );
    let (_, headers, _) = call(t.http.get(t.url("/api/v1/openapi.json"))).await;
    assert!(headers.get("x-system-warning").is_none(), "not on its path");

    advance(&t, minutes(60));
    let (_, headers, _) = call(t.http.get(t.url("/v2/sessions"))).await;
    assert!(
        headers.get("x-system-warning").is_none(),
        "after the window"
    );

    assert_eq!(
        faults_journaled(&t),
        vec![(1, "system_warning".into(), "/v2/sessions".into(), None)]
    );
}

#[tokio::test]
async fn the_ksef_api_echoes_x_test_system_warning_as_the_test_environment_does() {
    let t = TestSim::virtual_clock().await;
    let echo = "[TEST]: ping";

    let (_, headers, _) = call(
        t.http
            .get(t.url("/v2/security/public-key-certificates"))
            .header("X-Test-System-Warning", echo),
    )
    .await;
    assert_eq!(header(&headers, "x-system-warning"), echo);

    // Even a path KSeF does not have: its 404 carries the echo.
    let (status, headers, _) = call(
        t.http
            .get(t.url("/api/v2/eisim/no-such-endpoint"))
            .header("X-Test-System-Warning", echo),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(header(&headers, "x-system-warning"), echo);

    // The gateway is not KSeF and does not echo.
    let (_, headers, _) = call(
        t.http
            .get(t.url("/api/v1/openapi.json"))
            .header("X-Test-System-Warning", echo),
    )
    .await;
    assert!(headers.get("x-system-warning").is_none());
    assert!(faults_journaled(&t).is_empty(), "an echo is no fault");
}

#[tokio::test]
async fn a_ksef_outage_holds_gateway_documents_until_it_ends_and_leaves_peppol_alone() {
    let t = TestSim::with_scenario(&scenario(7, "  - { outage: ksef, from: 0s, for: 10m }")).await;
    let acme = Client::acme(&t).await;

    let (status, _, ksef) = acme.submit_xml(&invoice("FV/OUTAGE/1"), None).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "accepted during the outage: {ksef}"
    );
    let ksef = ksef["id"].as_str().unwrap().to_owned();
    let (status, _, peppol) = acme.submit_xml(PEPPOL_INVOICE, None).await;
    assert_eq!(status, StatusCode::CREATED, "{peppol}");
    let peppol = peppol["id"].as_str().unwrap().to_owned();

    let state = |id: String| {
        let acme = &acme;
        async move {
            let (_, _, body) = acme.get(&format!("/api/v1/invoices/{id}/status")).await;
            body["state"].as_str().unwrap().to_owned()
        }
    };

    advance(&t, Duration::from_secs(30));
    assert_eq!(
        state(peppol.clone()).await,
        "delivered",
        "Peppol is not in an outage"
    );
    assert_eq!(state(ksef.clone()).await, "received");

    advance(&t, minutes(10) - Duration::from_secs(30));
    assert_eq!(
        state(ksef.clone()).await,
        "received",
        "the outage just ended"
    );
    let mut seen = vec![];
    for step in [1, 4, 25] {
        advance(&t, Duration::from_secs(step));
        seen.push(state(ksef.clone()).await);
    }
    assert_eq!(seen, ["sent", "accepted", "delivered"]);

    assert_eq!(
        faults_journaled(&t),
        vec![(1, "outage".into(), format!("document {ksef}"), None)]
    );
}
