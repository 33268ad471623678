//! The gateway's document API end to end: submit, poll, read back, list, throttle.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::TestSim;

/// Two tenants, the KSeF parties of the fixtures, a behaviour that refuses invoices numbered
/// REJ-*, and limits tight enough to reach in a test.
pub(crate) const SCENARIO: &str = r#"
name: gateway
clock: { mode: virtual, start: 2026-11-02T09:00:00Z }
seed: 7
tenants:
  - id: acme
    credentials: [ { client_id: acme-client, client_secret: acme-secret } ]
  - id: globex
    credentials: [ { client_id: globex-client, client_secret: globex-secret } ]
participants:
  - { id: "KSEF:5265877635", network: ksef, tenant: acme }
  - { id: "KSEF:5261040828", network: ksef }
  - { id: "0208:0456789133", network: peppol, capabilities: [bis-billing-3-invoice] }
behaviours:
  - when: { network: ksef, invoice_number: "REJ-*" }
    then:
      - { after: 1s, ksef: 100 }
      - { after: 2s, ksef: 450, errors: ["450"] }
limits:
  duplicate_submission: { after: 2, status: 429, retry_after: 60s }
  endpoints:
    printout: { requests: 2, per: 1m }
  max_body: 64KB
"#;

const MINIMAL: &str = include_str!("../../../fixtures/ksef/fa3-minimal.xml");
const P2_MISSING: &str = include_str!("../../../fixtures/ksef/450.p2-missing.xml");

/// The minimal FA(3) invoice renumbered, so each number is a distinct document.
pub(crate) fn invoice(number: &str) -> String {
    MINIMAL.replace("<P_2>FV/2026/10/001</P_2>", &format!("<P_2>{number}</P_2>"))
}

pub(crate) struct Client<'a> {
    pub(crate) t: &'a TestSim,
    pub(crate) token: String,
}

impl<'a> Client<'a> {
    pub(crate) async fn acme(t: &'a TestSim) -> Client<'a> {
        Client {
            token: t.token("acme-client", "acme-secret").await,
            t,
        }
    }

    pub(crate) async fn globex(t: &'a TestSim) -> Client<'a> {
        Client {
            token: t.token("globex-client", "globex-secret").await,
            t,
        }
    }

    pub(crate) async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let response = request.bearer_auth(&self.token).send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, headers, body)
    }

    pub(crate) async fn submit_xml(
        &self,
        xml: &str,
        key: Option<&str>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut request = self
            .t
            .http
            .post(self.t.url("/api/v1/invoices?reference=ERP-1"))
            .header("content-type", "application/xml")
            .body(xml.to_owned());
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        self.send(request).await
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        self.send(self.t.http.get(self.t.url(path))).await
    }
}

fn advance(t: &TestSim, secs: u64) {
    t.sim.advance(Duration::from_secs(secs)).unwrap();
}

#[tokio::test]
async fn a_submitted_invoice_goes_received_sent_accepted_delivered_on_the_clock() {
    let t = TestSim::with_scenario(SCENARIO).await;
    let acme = Client::acme(&t).await;
    let (status, headers, created) = acme.submit_xml(MINIMAL, None).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        headers["location"],
        format!("/api/v1/invoices/{id}").as_str()
    );
    insta::assert_json_snapshot!("invoice_created", created);

    let mut seen = vec![];
    for step in [0, 1, 4, 25] {
        advance(&t, step);
        let (status, _, body) = acme.get(&format!("/api/v1/invoices/{id}/status")).await;
        assert_eq!(status, StatusCode::OK);
        seen.push(body["state"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, ["received", "sent", "accepted", "delivered"]);

    let (_, _, status_body) = acme.get(&format!("/api/v1/invoices/{id}/status")).await;
    insta::assert_json_snapshot!("invoice_status_delivered", status_body);
    let (_, _, full) = acme.get(&format!("/api/v1/invoices/{id}")).await;
    insta::assert_json_snapshot!("invoice_delivered", full);

    let submission = created["submission_id"].as_str().unwrap();
    let (status, _, body) = acme.get(&format!("/api/v1/submissions/{submission}")).await;
    assert_eq!(status, StatusCode::OK);
    insta::assert_json_snapshot!("single_submission_completed", body);

    // The original bytes come back unchanged.
    let response = t
        .http
        .get(t.url(&format!("/api/v1/invoices/{id}/document")))
        .bearer_auth(&acme.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/xml");
    assert_eq!(response.text().await.unwrap(), MINIMAL);

    let response = t
        .http
        .get(t.url(&format!("/api/v1/invoices/{id}/printout")))
        .bearer_auth(&acme.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("FV/2026/10/001"));
}

#[tokio::test]
async fn a_json_envelope_carries_the_reference_and_a_behaviour_refuses_it() {
    let t = TestSim::with_scenario(SCENARIO).await;
    let acme = Client::acme(&t).await;
    let envelope = json!({
        "document": STANDARD.encode(invoice("REJ-7")),
        "network": "ksef",
        "recipient": "KSEF:5261040828",
        "reference": "ERP-REJ-7",
    });
    let (status, _, created) = acme
        .send(t.http.post(t.url("/api/v1/invoices")).json(&envelope))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["reference"], "ERP-REJ-7");
    let id = created["id"].as_str().unwrap();
    advance(&t, 1);
    let (_, _, body) = acme.get(&format!("/api/v1/invoices/{id}/status")).await;
    assert_eq!(
        (
            body["state"].as_str(),
            body["network_detail"]["status"].as_str()
        ),
        (Some("sent"), Some("100"))
    );
    advance(&t, 2);
    let (_, _, body) = acme.get(&format!("/api/v1/invoices/{id}/status")).await;
    insta::assert_json_snapshot!("invoice_refused_by_behaviour", body);
    assert_eq!(body["state"], "refused");

    // A refused invoice no longer blocks a corrected resubmission under the same number.
    let (status, _, _) = acme.submit_xml(&invoice("REJ-7"), None).await;
    assert_eq!(status, StatusCode::CREATED);

    // The journal fingerprints the document as sent, not its base64 envelope, so the suite
    // can pair it with the integration's own copy.
    let taken = t.journal("document_taken").await;
    assert_eq!(
        taken[0],
        json!({
            "seq": taken[0]["seq"],
            "real_time": taken[0]["real_time"],
            "sim_time": "2026-11-02T09:00:00Z",
            "tenant": "acme",
            "kind": "document_taken",
            "document": id,
            "network": "ksef",
            "channel": "gateway",
            "direction": "outbound",
            "content_sha256": crate::sha256_hex(invoice("REJ-7").as_bytes()),
            "recipient": "KSEF:5261040828",
        })
    );
    assert_eq!(taken.len(), 2);
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_answer_and_refuses_another_body() {
    let t = TestSim::with_scenario(SCENARIO).await;
    let acme = Client::acme(&t).await;
    let (first_status, _, first) = acme.submit_xml(&invoice("IDEM-1"), Some("k-1")).await;
    assert_eq!(first_status, StatusCode::CREATED);
    let (again_status, headers, again) = acme.submit_xml(&invoice("IDEM-1"), Some("k-1")).await;
    assert_eq!(again_status, StatusCode::CREATED);
    assert_eq!(headers["idempotent-replayed"], "true");
    assert_eq!(again, first);

    let (status, _, problem) = acme.submit_xml(&invoice("IDEM-2"), Some("k-1")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    insta::assert_json_snapshot!("idempotency_key_reused", problem);

    let (_, _, list) = acme.get("/api/v1/invoices").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Each attempt carries its key into the journal; the replay took nothing new in.
    let keys: Vec<Value> = t
        .journal("http")
        .await
        .iter()
        .filter(|e| e["method"] == "POST" && e["path"] == "/api/v1/invoices")
        .map(|e| e["idempotency_key"].clone())
        .collect();
    assert_eq!(keys, [json!("k-1"), json!("k-1"), json!("k-1")]);
    assert_eq!(t.journal("document_taken").await.len(), 1);
    let (status, _, _) = acme.submit_xml(&invoice("IDEM-3"), Some("  k-2 ")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, _) = acme.submit_xml(&invoice("IDEM-4"), None).await;
    assert_eq!(status, StatusCode::CREATED);
    let keys: Vec<Value> = t
        .journal("http")
        .await
        .iter()
        .filter(|e| e["method"] == "POST" && e["path"] == "/api/v1/invoices")
        .map(|e| e["idempotency_key"].clone())
        .skip(3)
        .collect();
    assert_eq!(keys, [json!("k-2"), Value::Null]);
}

#[tokio::test]
async fn duplicates_get_409_pointing_at_the_original_then_429_until_the_block_ends() {
    let t = TestSim::with_scenario(SCENARIO).await;
    let acme = Client::acme(&t).await;
    let (status, _, original) = acme.submit_xml(&invoice("DUP-1"), None).await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, _, conflict) = acme.submit_xml(&invoice("DUP-1"), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(conflict["original"]["id"], original["id"]);
    insta::assert_json_snapshot!("duplicate_content", conflict);

    // Same seller, number and year in different bytes: still the same invoice.
    let same_key = invoice("DUP-1").replace("2026-10-30T09:15:00Z", "2026-10-30T10:00:00Z");
    let (status, _, conflict) = acme.submit_xml(&same_key, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    insta::assert_json_snapshot!("duplicate_business_key", conflict);

    // The scenario allows 2 duplicates; the third throttles every submission for 60 s.
    let (status, headers, throttled) = acme.submit_xml(&invoice("DUP-1"), None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers["retry-after"], "60");
    insta::assert_json_snapshot!("duplicates_throttled", throttled);
    advance(&t, 30);
    let (status, headers, _) = acme.submit_xml(&invoice("NEW-1"), None).await;
    assert_eq!(
        (status, headers["retry-after"].to_str().unwrap()),
        (StatusCode::TOO_MANY_REQUESTS, "30")
    );
    advance(&t, 30);
    let (status, _, _) = acme.submit_xml(&invoice("NEW-1"), None).await;
    assert_eq!(status, StatusCode::CREATED);

    // What the integration was told to wait is evidence for SUB-3.
    let waits: Vec<(Value, Value)> = t
        .journal("http")
        .await
        .iter()
        .filter(|e| e["path"] == "/api/v1/invoices")
        .map(|e| (e["status"].clone(), e["retry_after"].clone()))
        .collect();
    assert_eq!(
        waits,
        [
            (json!(201), Value::Null),
            (json!(409), Value::Null),
            (json!(409), Value::Null),
            (json!(429), json!(60)),
            (json!(429), json!(30)),
            (json!(201), Value::Null),
        ]
    );
    // Refused duplicates never entered the store.
    assert_eq!(t.journal("document_taken").await.len(), 2);

    let flagged = t
        .sim
        .journal()
        .query(&eisim::JournalQuery {
            kind: Some(eisim::journal::RecordKind::AntiPattern),
            ..Default::default()
        })
        .len();
    assert_eq!(flagged, 3);
}

#[tokio::test]
async fn broken_documents_are_answered_with_the_networks_rule_ids() {
    let t = TestSim::with_scenario(SCENARIO).await;
    let acme = Client::acme(&t).await;
    let (status, _, problem) = acme.submit_xml(P2_MISSING, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    insta::assert_json_snapshot!("document_invalid", problem);
    assert_eq!(problem["errors"][0]["rule"], "450.p2-missing");
}

#[tokio::test]
async fn hostile_unreadable_unknown_oversized_and_mistyped_bodies_are_refused() {
    let t = TestSim::with_scenario(SCENARIO).await;
    let acme = Client::acme(&t).await;
    let cases = [
        (
            "hostile",
            r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>"#.to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        ("entity", "<x>&xxe;</x>".to_owned(), StatusCode::BAD_REQUEST),
        (
            "nesting",
            format!("{}{}", "<a>".repeat(100), "</a>".repeat(100)),
            StatusCode::BAD_REQUEST,
        ),
        (
            "unreadable",
            "<Faktura><unclosed></Faktura>".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "unknown_root",
            "<Order xmlns=\"urn:example\"/>".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "oversized",
            format!("{MINIMAL}<!--{}-->", "x".repeat(70 * 1024)),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (name, body, expected) in cases {
        let (status, headers, problem) = acme.submit_xml(&body, None).await;
        assert_eq!(status, expected, "{name}: {problem}");
        assert_eq!(
            headers["content-type"], "application/problem+json",
            "{name}"
        );
        insta::assert_json_snapshot!(format!("refused_{name}"), problem);
    }
    let (status, _, problem) = acme
        .send(
            t.http
                .post(t.url("/api/v1/invoices"))
                .header("content-type", "text/plain")
                .body(MINIMAL),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    insta::assert_json_snapshot!("refused_content_type", problem);

    let envelope = json!({"document": STANDARD.encode(MINIMAL), "network": "peppol"});
    let (status, _, problem) = acme
        .send(t.http.post(t.url("/api/v1/invoices")).json(&envelope))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    insta::assert_json_snapshot!("refused_network_mismatch", problem);

    let envelope = json!({"document": STANDARD.encode(MINIMAL), "recipient": "KSEF:6771234562"});
    let (status, _, problem) = acme
        .send(t.http.post(t.url("/api/v1/invoices")).json(&envelope))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    insta::assert_json_snapshot!("refused_recipient_unknown", problem);

    let (status, _, problem) = acme
        .send(
            t.http
                .post(t.url("/api/v1/invoices"))
                .json(&json!({"document": "not base64!"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    insta::assert_json_snapshot!("refused_bad_base64", problem);
}

#[tokio::test]
async fn a_batch_reports_each_document_and_settles_when_all_are_final() {
    let t = TestSim::with_scenario(SCENARIO).await;
    let acme = Client::acme(&t).await;
    let batch = json!({"documents": [
        {"document": STANDARD.encode(invoice("B-1")), "reference": "ERP-B-1"},
        {"document": STANDARD.encode(P2_MISSING), "reference": "ERP-B-2"},
        {"document": STANDARD.encode(invoice("B-1")), "reference": "ERP-B-1-again"},
        {"document": "%%%"},
    ]});
    let (status, headers, accepted) = acme
        .send(t.http.post(t.url("/api/v1/submissions")).json(&batch))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    let id = accepted["id"].as_str().unwrap().to_owned();
    assert_eq!(
        headers["location"],
        format!("/api/v1/submissions/{id}").as_str()
    );
    insta::assert_json_snapshot!("batch_accepted", accepted);
    assert_eq!(accepted["state"], "processing");
    // Stored documents only, the invalid one included (it is kept as `failed`); the
    // duplicate and the unreadable one never entered the store.
    let taken: Vec<(Value, Value)> = t
        .journal("document_taken")
        .await
        .iter()
        .map(|e| (e["channel"].clone(), e["content_sha256"].clone()))
        .collect();
    assert_eq!(
        taken,
        [
            (
                json!("gateway"),
                json!(crate::sha256_hex(invoice("B-1").as_bytes()))
            ),
            (
                json!("gateway"),
                json!(crate::sha256_hex(P2_MISSING.as_bytes()))
            ),
        ]
    );

    advance(&t, 30);
    let (_, _, settled) = acme.get(&format!("/api/v1/submissions/{id}")).await;
    insta::assert_json_snapshot!("batch_completed", settled);
    assert_eq!(settled["state"], "completed");

    let (status, _, problem) = acme
        .send(
            t.http
                .post(t.url("/api/v1/submissions"))
                .json(&json!({"documents": []})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    insta::assert_json_snapshot!("batch_empty", problem);
}

#[tokio::test]
async fn the_list_filters_and_pages_with_a_cursor() {
    let t = TestSim::with_scenario(SCENARIO).await;
    let acme = Client::acme(&t).await;
    for n in 1..=5 {
        let (status, _, _) = acme.submit_xml(&invoice(&format!("L-{n}")), None).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    acme.submit_xml(&invoice("REJ-1"), None).await;
    advance(&t, 3);

    let mut numbers = vec![];
    let mut path = "/api/v1/invoices?limit=2&network=ksef".to_owned();
    loop {
        let (status, _, page) = acme.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for item in page["items"].as_array().unwrap() {
            numbers.push(item["numbers"][0].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/invoices?limit=2&network=ksef&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(numbers, ["L-1", "L-2", "L-3", "L-4", "L-5", "REJ-1"]);

    let (_, _, refused) = acme.get("/api/v1/invoices?state=refused").await;
    insta::assert_json_snapshot!("list_refused", refused);
    let (_, _, none) = acme
        .get("/api/v1/invoices?network=sdi&direction=outbound")
        .await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    let (_, _, later) = acme.get("/api/v1/invoices?from=2026-11-03").await;
    assert_eq!(later["items"].as_array().unwrap().len(), 0);

    for (name, query) in [
        ("bad_state", "state=lost"),
        ("bad_cursor", "cursor=abc"),
        ("bad_limit", "limit=0"),
        ("bad_date", "from=yesterday"),
        ("unknown_filter", "colour=red"),
    ] {
        let (status, _, problem) = acme.get(&format!("/api/v1/invoices?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        insta::assert_json_snapshot!(format!("list_{name}"), problem);
    }
}

#[tokio::test]
async fn recent_and_printout_are_throttled_as_the_scenario_says_on_the_simulated_clock() {
    let t = TestSim::with_scenario(SCENARIO).await;
    let acme = Client::acme(&t).await;
    let (_, _, created) = acme.submit_xml(MINIMAL, None).await;
    let id = created["id"].as_str().unwrap();
    let printout = format!("/api/v1/invoices/{id}/printout");

    // The scenario allows 2 printouts a minute.
    for remaining in ["1", "0"] {
        let (status, headers, _) = acme.get(&printout).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["ratelimit-policy"], "\"printout\";q=2;w=60");
        assert!(
            headers["ratelimit"]
                .to_str()
                .unwrap()
                .contains(&format!(";r={remaining};"))
        );
    }
    advance(&t, 20);
    let (status, headers, problem) = acme.get(&printout).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers["retry-after"], "40");
    insta::assert_json_snapshot!("printout_rate_limited", problem);
    advance(&t, 40);
    let (status, _, _) = acme.get(&printout).await;
    assert_eq!(status, StatusCode::OK);

    // Recent keeps eisim's default of 6 a minute.
    for _ in 0..6 {
        let (status, _, _) = acme.get("/api/v1/invoices/recent").await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, headers, _) = acme.get("/api/v1/invoices/recent").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers["retry-after"], "60");

    let patterns: Vec<String> = t
        .sim
        .journal()
        .query(&eisim::JournalQuery {
            kind: Some(eisim::journal::RecordKind::AntiPattern),
            ..Default::default()
        })
        .into_iter()
        .map(|e| {
            serde_json::to_value(e.record).unwrap()["pattern"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        patterns
            .iter()
            .filter(|p| *p == "recent-documents-polled")
            .count(),
        6
    );
    assert_eq!(
        patterns
            .iter()
            .filter(|p| *p == "rate-limit-exceeded")
            .count(),
        2
    );
}

#[tokio::test]
async fn a_tenant_never_sees_another_tenants_documents() {
    let t = TestSim::with_scenario(SCENARIO).await;
    let acme = Client::acme(&t).await;
    let globex = Client::globex(&t).await;
    let (_, _, created) = acme.submit_xml(MINIMAL, None).await;
    let id = created["id"].as_str().unwrap();
    let submission = created["submission_id"].as_str().unwrap();
    for path in [
        format!("/api/v1/invoices/{id}"),
        format!("/api/v1/invoices/{id}/status"),
        format!("/api/v1/invoices/{id}/document"),
        format!("/api/v1/invoices/{id}/printout"),
    ] {
        let (status, _, problem) = globex.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(problem["type"], "urn:eisim:problem:document-not-found");
    }
    let (status, _, problem) = globex
        .get(&format!("/api/v1/submissions/{submission}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    insta::assert_json_snapshot!("submission_not_found", problem);
    let (_, _, list) = globex.get("/api/v1/invoices").await;
    assert_eq!(list["items"], json!([]));
    // The same document is not a duplicate for another tenant.
    let (status, _, _) = globex.submit_xml(MINIMAL, None).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn every_document_endpoint_needs_a_token() {
    let t = TestSim::with_scenario(SCENARIO).await;
    for (method, path) in [
        ("POST", "/api/v1/invoices"),
        ("GET", "/api/v1/invoices"),
        ("GET", "/api/v1/invoices/recent"),
        ("GET", "/api/v1/invoices/inv_x"),
        ("GET", "/api/v1/invoices/inv_x/status"),
        ("GET", "/api/v1/invoices/inv_x/document"),
        ("GET", "/api/v1/invoices/inv_x/printout"),
        ("POST", "/api/v1/submissions"),
        ("GET", "/api/v1/submissions/sub_x"),
    ] {
        let request = t.http.request(method.parse().unwrap(), t.url(path));
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
        assert!(response.headers().contains_key("www-authenticate"));
    }
}

#[tokio::test]
async fn the_openapi_document_is_served_without_a_token() {
    let t = TestSim::with_scenario(SCENARIO).await;
    let response = t
        .http
        .get(t.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/submissions/{id}"]["get"].is_object());
}
