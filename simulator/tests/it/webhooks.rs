//! Webhooks end to end against wiremock receivers: signatures checked by the independent
//! `standardwebhooks` crate, the retry schedule on the virtual clock, disabling and recovery,
//! the injected faults, a seeded stress run and the ERP callback mode.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use eisim::journal::{InjectedFault, JournalQuery, Record, RecordKind, Verdict, WebhookAttempt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::TestSim;
use crate::gateway_invoices::{Client, invoice};

/// The gateway tests' world with a webhooks section spliced in.
fn scenario(webhooks: &str) -> String {
    format!(
        r#"
name: webhooks
clock: {{ mode: virtual, start: 2026-11-02T09:00:00Z }}
seed: 11
tenants:
  - id: acme
    credentials: [ {{ client_id: acme-client, client_secret: acme-secret }} ]
  - id: globex
    credentials: [ {{ client_id: globex-client, client_secret: globex-secret }} ]
participants:
  - {{ id: "KSEF:5265877635", network: ksef, tenant: acme }}
  - {{ id: "KSEF:5261040828", network: ksef }}
webhooks: {webhooks}
"#
    )
}

fn attempts(t: &TestSim) -> Vec<WebhookAttempt> {
    t.sim
        .journal()
        .query(&JournalQuery {
            kind: Some(RecordKind::WebhookAttempt),
            ..JournalQuery::default()
        })
        .into_iter()
        .filter_map(|entry| match entry.record {
            Record::WebhookAttempt(attempt) => Some(attempt),
            _ => None,
        })
        .collect()
}

async fn advance(t: &TestSim, secs: u64) {
    t.sim.advance(Duration::from_secs(secs)).unwrap();
    t.sim.webhooks_settled().await;
}

/// Steps through a document's default life (sent +1 s, accepted +4 s, delivered +25 s) one
/// second at a time, letting each second's requests finish before the next.
async fn live_through(t: &TestSim, secs: u64) {
    for _ in 0..secs {
        advance(t, 1).await;
    }
}

async fn subscribe(client: &Client<'_>, body: Value) -> Value {
    let (status, _, created) = client
        .send(
            client
                .t
                .http
                .post(client.t.url("/api/v1/webhooks"))
                .json(&body),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

/// Every delivery to one endpoint, as the deliveries listing shows them.
async fn deliveries(client: &Client<'_>, endpoint: &Value) -> Vec<Value> {
    let id = endpoint["id"].as_str().unwrap();
    let (status, _, listing) = client
        .send(
            client
                .t
                .http
                .get(client.t.url(&format!("/api/v1/webhooks/{id}/deliveries"))),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{listing}");
    listing["items"].as_array().unwrap().clone()
}

fn verify(secret: &str, request: &Request) -> bool {
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .verify(&request.body, &request.headers)
        .is_ok()
}

#[tokio::test]
async fn every_delivery_verifies_with_the_standardwebhooks_crate_through_a_rotation() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&receiver)
        .await;
    let t = TestSim::with_scenario(&scenario("{}")).await;
    let acme = Client::acme(&t).await;
    let created = subscribe(&acme, json!({ "url": receiver.uri(), "events": ["*"] })).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, _, shown) = acme.get(&format!("/api/v1/webhooks/{id}")).await;
    assert!(
        shown.get("secret").is_none(),
        "the secret is shown once: {shown}"
    );

    acme.submit_xml(&invoice("WH-1"), None).await;
    live_through(&t, 30).await;
    let before = receiver.received_requests().await.unwrap();
    // validated, sent, accepted, delivered: each with its status_updated twin.
    assert_eq!(before.len(), 8);
    let mut types = Vec::new();
    for request in &before {
        assert!(verify(&secret, request), "unverifiable delivery");
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(
            request.headers["webhook-id"].to_str().unwrap(),
            body["id"].as_str().unwrap()
        );
        assert_eq!(body["data"]["reference"], "ERP-1");
        assert_eq!(body["data"]["network"], "ksef");
        types.push(body["type"].as_str().unwrap().to_owned());
    }
    for expected in [
        "invoice.validated",
        "invoice.sent",
        "invoice.accepted",
        "invoice.delivered",
    ] {
        assert!(types.iter().any(|t| t == expected), "{types:?}");
    }
    let delivered: Value = before
        .iter()
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap())
        .find(|b| b["type"] == "invoice.delivered")
        .unwrap();
    assert_eq!(delivered["data"]["flow_state"], "Delivered");
    assert_eq!(delivered["data"]["ksef"]["status_code"], 200);
    let number = delivered["data"]["ksef"]["ksef_number"].as_str().unwrap();
    assert!(number.starts_with("5265877635-20261102-"), "{number}");
    // The payload carries simulated time; the header carries the real send time.
    assert_eq!(delivered["timestamp"], "2026-11-02T09:00:30Z");

    let (status, _, rotated) = acme
        .send(
            t.http
                .post(t.url(&format!("/api/v1/webhooks/{id}/rotate-secret"))),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let fresh = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(fresh, secret);
    acme.submit_xml(&invoice("WH-2"), None).await;
    t.sim.webhooks_settled().await;
    let during = receiver.received_requests().await.unwrap();
    let overlap = &during[before.len()..];
    assert_eq!(overlap.len(), 2);
    for request in overlap {
        let signatures = request.headers["webhook-signature"].to_str().unwrap();
        assert_eq!(signatures.split(' ').count(), 2, "{signatures}");
        assert!(verify(&fresh, request) && verify(&secret, request));
    }

    // After the 24 h overlap only the new secret signs.
    advance(&t, 25 * 3600).await;
    let acme = Client::acme(&t).await; // the old token died with the day
    acme.submit_xml(&invoice("WH-3"), None).await;
    t.sim.webhooks_settled().await;
    let after = receiver.received_requests().await.unwrap();
    let last = after.last().unwrap();
    assert!(verify(&fresh, last));
    assert!(!verify(&secret, last));
}

#[tokio::test]
async fn the_provider_dialect_signs_t_and_s_over_the_seed_message() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let t = TestSim::with_scenario(&scenario("{}")).await;
    let acme = Client::acme(&t).await;
    let created = subscribe(
        &acme,
        json!({ "EntityType": "Message", "EntityUpdateType": "U", "WebhookURL": receiver.uri() }),
    )
    .await;
    let secret = created["Secret"].as_str().unwrap().to_owned();
    assert_eq!(created["WebhookID"], created["id"]);
    acme.submit_xml(&invoice("PR-1"), None).await;
    live_through(&t, 30).await;
    let requests = receiver.received_requests().await.unwrap();
    let mut states = Vec::new();
    for request in &requests {
        let header = request.headers["billit-signature"].to_str().unwrap();
        let mut t_value = "";
        let mut s_value = "";
        for part in header.split(',') {
            match part.split_once('=') {
                Some(("t", v)) => t_value = v,
                Some(("s", v)) => s_value = v,
                _ => panic!("unexpected part {part}"),
            }
        }
        let mut signed = format!("{t_value}.").into_bytes();
        signed.extend_from_slice(&request.body);
        assert_eq!(s_value, hex_hmac(secret.as_bytes(), &signed));
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(body["UpdatedEntityType"], "Message");
        assert_eq!(body["EntityDetail"]["OrderID"], "ERP-1");
        assert_eq!(body["EntityDetail"]["TransportType"], "KSeF");
        states.push(
            body["EntityDetail"]["MessageAdditionalInformation"]["EInvoiceFlowState"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Received has no flow state in the seed's vocabulary; the rest do.
    assert_eq!(states, ["Sent", "Accepted", "Delivered"]);
}

fn hex_hmac(key: &[u8], content: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(content);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn a_failing_receiver_is_retried_on_schedule_then_disabled_and_recovered() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&receiver)
        .await;
    let t = TestSim::with_scenario(&scenario("{ retry: [5s, 5m, 30m], disable_after: 30m }")).await;
    let acme = Client::acme(&t).await;
    let created = subscribe(
        &acme,
        json!({ "url": receiver.uri(), "events": ["webhook.test"] }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let start = t.sim.clock().now();
    let (status, _, test) = acme
        .send(t.http.post(t.url(&format!("/api/v1/webhooks/{id}/test"))))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let event_id = test["event_id"].as_str().unwrap().to_owned();
    t.sim.webhooks_settled().await;
    for step in [5, 300, 1800] {
        advance(&t, step).await;
    }
    advance(&t, 86_400).await; // nothing more comes
    let acme = Client::acme(&t).await;
    let seen = attempts(&t);
    let offsets: Vec<i64> = seen
        .iter()
        .map(|a| a.due_at.as_second() - start.as_second())
        .collect();
    assert_eq!(offsets, [0, 5, 305, 2105]);
    assert!(
        seen.iter().all(|a| a.event_id == event_id
            && a.verdict == Verdict::Refused
            && a.status == Some(500))
    );
    assert_eq!(receiver.received_requests().await.unwrap().len(), 4);

    let (_, _, endpoint) = acme.get(&format!("/api/v1/webhooks/{id}")).await;
    assert_eq!(endpoint["enabled"], false, "{endpoint}");
    let disabled = t.sim.journal().query(&JournalQuery {
        kind: Some(RecordKind::WebhookEndpoint),
        ..JournalQuery::default()
    });
    assert!(disabled.iter().any(|e| matches!(&e.record,
        Record::WebhookEndpoint { change, .. } if change == "disabled")));
    let (_, _, list) = acme.get(&format!("/api/v1/webhooks/{id}/deliveries")).await;
    assert_eq!(list["items"][0]["status"], "failed");
    assert_eq!(list["items"][0]["attempts"], 4);

    // Recovery: refused while disabled, then enable, recover, delivered.
    let recover = json!({ "since": start.to_string() });
    let (status, _, _) = acme
        .send(
            t.http
                .post(t.url(&format!("/api/v1/webhooks/{id}/recover")))
                .json(&recover),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    receiver.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let (status, _, _) = acme
        .send(t.http.post(t.url(&format!("/api/v1/webhooks/{id}/enable"))))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, resent) = acme
        .send(
            t.http
                .post(t.url(&format!("/api/v1/webhooks/{id}/recover")))
                .json(&recover),
        )
        .await;
    assert_eq!(
        (status, resent["resent"].as_u64()),
        (StatusCode::ACCEPTED, Some(1))
    );
    t.sim.webhooks_settled().await;
    let (_, _, list) = acme.get(&format!("/api/v1/webhooks/{id}/deliveries")).await;
    assert_eq!(list["items"][0]["status"], "delivered");
    let last = attempts(&t).pop().unwrap();
    assert_eq!((last.attempt, last.verdict), (5, Verdict::Acknowledged));
}

/// Answers like a careful receiver: 401 unless the Standard Webhooks signature and timestamp
/// verify, 200 otherwise.
struct Verifying {
    secret: Arc<Mutex<String>>,
}

impl Respond for Verifying {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let secret = self.secret.lock().unwrap().clone();
        if verify(&secret, request) {
            ResponseTemplate::new(200)
        } else {
            ResponseTemplate::new(401)
        }
    }
}

#[tokio::test]
async fn injected_faults_come_at_their_rates_and_are_labelled() {
    let receiver = MockServer::start().await;
    let secret = Arc::new(Mutex::new(String::new()));
    Mock::given(method("POST"))
        .respond_with(Verifying {
            secret: secret.clone(),
        })
        .mount(&receiver)
        .await;
    let t = TestSim::with_scenario(&scenario(
        "{ retry: [1s], duplicate_rate: 0.3, reorder_rate: 0.3, forged_rate: 0.3, stale_rate: 0.3, timeout_rate: 0.3 }",
    ))
    .await;
    let acme = Client::acme(&t).await;
    let created = subscribe(&acme, json!({ "url": receiver.uri(), "events": ["*"] })).await;
    *secret.lock().unwrap() = created["secret"].as_str().unwrap().to_owned();
    for n in 0..25 {
        acme.submit_xml(&invoice(&format!("F-{n}")), None).await;
    }
    live_through(&t, 100).await;

    let seen = attempts(&t);
    let events: HashSet<&str> = seen.iter().map(|a| a.event_id.as_str()).collect();
    assert_eq!(events.len(), 200, "25 documents x 4 changes x 2 events");
    let count = |fault: InjectedFault| seen.iter().filter(|a| a.fault == Some(fault)).count();
    // Each rate is 0.3 of 200 events (of first attempts for timeouts, of acknowledged
    // deliveries for duplicates); the seed fixes the draw, the bounds only say "about 30 %".
    for fault in [
        InjectedFault::ForgedSignature,
        InjectedFault::StaleTimestamp,
        InjectedFault::Timeout,
        InjectedFault::Duplicate,
    ] {
        let n = count(fault);
        assert!((35..=85).contains(&n), "{fault:?}: {n}");
    }
    assert!(
        count(InjectedFault::Reordered) >= 20,
        "{}",
        count(InjectedFault::Reordered)
    );
    // Probes must be refused by a correct receiver, and were.
    for probe in seen.iter().filter(|a| {
        matches!(
            a.fault,
            Some(InjectedFault::ForgedSignature | InjectedFault::StaleTimestamp)
        )
    }) {
        assert_eq!(probe.verdict, Verdict::Refused, "{probe:?}");
    }
    // An injected timeout is judged as one although the receiver answered, and retried.
    for timed_out in seen
        .iter()
        .filter(|a| a.fault == Some(InjectedFault::Timeout))
    {
        assert_eq!(
            (timed_out.verdict, timed_out.status),
            (Verdict::TimedOut, Some(200))
        );
        assert!(
            seen.iter()
                .any(|a| a.event_id == timed_out.event_id && a.attempt == 2)
        );
    }
    // A duplicate repeats an event already acknowledged, with the same id.
    for duplicate in seen
        .iter()
        .filter(|a| a.fault == Some(InjectedFault::Duplicate))
    {
        assert!(seen.iter().any(|a| a.event_id == duplicate.event_id
            && a.fault != Some(InjectedFault::Duplicate)
            && a.verdict == Verdict::Acknowledged));
    }
    // A reordered event reached the receiver after a later event about the same document.
    let arrivals: Vec<Value> = receiver
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let reordered: HashSet<&str> = seen
        .iter()
        .filter(|a| a.fault == Some(InjectedFault::Reordered))
        .map(|a| a.event_id.as_str())
        .collect();
    for id in reordered {
        let at = arrivals.iter().position(|b| b["id"] == id).unwrap();
        let me = &arrivals[at]["data"];
        assert!(
            arrivals[..at]
                .iter()
                .any(|b| b["data"]["document_id"] == me["document_id"]
                    && b["data"]["sequence"].as_u64() > me["sequence"].as_u64()),
            "{id} was not overtaken"
        );
    }
    // Everything was delivered in the end.
    let deliveries = deliveries(&acme, &created).await;
    assert!(!deliveries.is_empty());
    assert!(deliveries.iter().all(|d| d["status"] == "delivered"));
}

/// A receiver that fails, times out or dawdles at random (seeded), and checks every
/// signature it gets.
struct Unreliable {
    secret: String,
    state: AtomicU64,
    bad_signatures: Arc<AtomicUsize>,
    acknowledged: Arc<Mutex<HashMap<String, usize>>>,
}

impl Respond for Unreliable {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if !verify(&self.secret, request) {
            self.bad_signatures.fetch_add(1, Ordering::SeqCst);
            return ResponseTemplate::new(401);
        }
        // A linear congruential generator: the run's randomness, seeded, no extra crate.
        let x = self
            .state
            .fetch_add(1, Ordering::SeqCst)
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let roll = (x >> 33) % 100;
        let id = request.headers["webhook-id"].to_str().unwrap().to_owned();
        match roll {
            0..=9 => ResponseTemplate::new(500),
            10..=11 => ResponseTemplate::new(200).set_delay(Duration::from_millis(1_200)),
            12..=16 => {
                *self.acknowledged.lock().unwrap().entry(id).or_default() += 1;
                ResponseTemplate::new(200).set_delay(Duration::from_millis(20))
            }
            _ => {
                *self.acknowledged.lock().unwrap().entry(id).or_default() += 1;
                ResponseTemplate::new(200)
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_status_changes_are_each_acknowledged_or_finally_failed() {
    let receiver = MockServer::start().await;
    let t = TestSim::with_scenario(&scenario("{ retry: [1s, 1s], timeout: 800ms }")).await;
    let acme = Client::acme(&t).await;
    let created = subscribe(
        &acme,
        json!({ "url": receiver.uri(), "events": ["invoice.status_updated"] }),
    )
    .await;
    let bad_signatures = Arc::new(AtomicUsize::new(0));
    let acknowledged = Arc::new(Mutex::new(HashMap::new()));
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(Unreliable {
            secret: created["secret"].as_str().unwrap().to_owned(),
            state: AtomicU64::new(20_261_121),
            bad_signatures: bad_signatures.clone(),
            acknowledged: acknowledged.clone(),
        })
        .mount(&receiver)
        .await;
    // 2,500 documents, each received, sent, accepted and delivered: 10,000 changes.
    for n in 0..2_500 {
        let (status, _, _) = acme.submit_xml(&invoice(&format!("S-{n}")), None).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    live_through(&t, 40).await;

    let deliveries = deliveries(&acme, &created).await;
    assert_eq!(deliveries.len(), 10_000);
    let count = |wanted: &str| deliveries.iter().filter(|d| d["status"] == wanted).count();
    let (delivered, failed) = (count("delivered"), count("failed"));
    assert_eq!(count("pending"), 0);
    assert_eq!(delivered + failed, 10_000);
    // 12 % of answers fail, so about 0.12^3 of the events (17) fail all three attempts.
    assert!((1..=150).contains(&failed), "failed {failed}");
    assert_eq!(bad_signatures.load(Ordering::SeqCst), 0);

    let seen = attempts(&t);
    let acked: Vec<&WebhookAttempt> = seen
        .iter()
        .filter(|a| a.verdict == Verdict::Acknowledged)
        .collect();
    assert_eq!(
        acked.len(),
        delivered,
        "one acknowledged attempt per delivered event"
    );
    let made: u64 = deliveries
        .iter()
        .map(|d| d["attempts"].as_u64().unwrap())
        .sum();
    assert_eq!(seen.len(), made as usize, "every attempt is journaled");
    eprintln!(
        "webhook stress: 10000 events, {delivered} delivered, {failed} finally failed, {made} attempts"
    );
    for d in deliveries.iter().filter(|d| d["status"] == "failed") {
        assert_eq!(d["attempts"], 3, "{}", d["failure"]);
    }
    // Nothing is recorded as delivered that the receiver did not take, correctly signed.
    let acknowledged = acknowledged.lock().unwrap();
    for d in deliveries.iter().filter(|d| d["status"] == "delivered") {
        let id = d["event_id"].as_str().unwrap();
        assert!(acknowledged.contains_key(id), "{id}");
    }
}

#[tokio::test]
async fn the_erp_callback_gets_the_submission_result_and_retried_receipts() {
    let erp = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/erp/ping"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "rin": "5265877635" })))
        .mount(&erp)
        .await;
    Mock::given(method("PUT"))
        .and(path("/erp/notifications/documents"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&erp)
        .await;
    Mock::given(method("PUT"))
        .and(path("/erp/notifications/receipts"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&erp)
        .await;
    Mock::given(method("PUT"))
        .and(path("/erp/notifications/receipts"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&erp)
        .await;
    let t = TestSim::with_scenario(&scenario("{ retry: [5s] }")).await;
    let acme = Client::acme(&t).await;
    let register = |rin: &str| json!({ "base_url": format!("{}/erp", erp.uri()), "api_key": "k-123", "rin": rin });
    let (status, _, problem) = acme
        .send(t.http.put(t.url("/api/v1/callback")).json(&register("999")))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["type"], "urn:eisim:problem:callback-unreachable");
    let (status, _, _) = acme
        .send(
            t.http
                .put(t.url("/api/v1/callback"))
                .json(&register("5265877635")),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    acme.submit_xml(&invoice("CB-1"), None).await;
    t.sim.webhooks_settled().await;
    // sent at +1 s (its receipt gets a 503, retried at +6 s), accepted at +5 s, delivered
    // at +30 s.
    live_through(&t, 30).await;

    let requests = erp.received_requests().await.unwrap();
    for request in &requests {
        assert_eq!(request.headers["authorization"], "ApiKey k-123");
    }
    let bodies = |suffix: &str| -> Vec<Value> {
        requests
            .iter()
            .filter(|r| r.url.path().ends_with(suffix))
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect()
    };
    let documents = bodies("/notifications/documents");
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0]["type"], "SubmissionProcessed");
    assert_eq!(documents[0]["count"], 1);
    assert_eq!(documents[0]["message"][0]["status"], "Valid");
    assert_eq!(documents[0]["message"][0]["internalId"], "ERP-1");
    let receipts = bodies("/notifications/receipts");
    let states: Vec<&str> = receipts
        .iter()
        .map(|b| b["message"][0]["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["sent", "accepted", "sent", "delivered"]);
    // The retry carries the same deliveryId, so the ERP can deduplicate.
    assert_eq!(receipts[0]["deliveryId"], receipts[2]["deliveryId"]);
    assert_eq!(receipts[3]["message"][0]["networkStatus"], "200");
}

#[tokio::test]
async fn subscriptions_are_checked_and_belong_to_one_tenant() {
    let t = TestSim::with_scenario(&scenario("{}")).await;
    let acme = Client::acme(&t).await;
    let globex = Client::globex(&t).await;
    let post = |body: Value| t.http.post(t.url("/api/v1/webhooks")).json(&body);
    for (body, slug) in [
        (
            json!({ "url": "https://erp.example/hooks" }),
            "invalid-subscription",
        ),
        (json!({ "url": "not a url" }), "invalid-subscription"),
        (
            json!({ "url": "http://127.0.0.1:9/", "events": ["invoice.paid"] }),
            "invalid-subscription",
        ),
        (
            json!({ "url": "http://127.0.0.1:9/", "dialect": "stripe" }),
            "invalid-subscription",
        ),
        (
            json!({ "EntityType": "Message", "EntityUpdateType": "D", "WebhookURL": "http://127.0.0.1:9/" }),
            "invalid-subscription",
        ),
        (
            json!({ "url": "http://127.0.0.1:9/", "colour": "blue" }),
            "bad-request",
        ),
    ] {
        let (status, _, problem) = acme.send(post(body.clone())).await;
        assert_eq!(
            problem["type"],
            format!("urn:eisim:problem:{slug}"),
            "{body}"
        );
        assert!(status.is_client_error());
    }
    let (status, _, problem) = acme
        .send(
            t.http
                .post(t.url("/api/v1/webhooks"))
                .header("content-type", "text/plain")
                .body(r#"{"url": "http://127.0.0.1:9/"}"#),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(problem["type"], "urn:eisim:problem:unsupported-media-type");
    let created = subscribe(&acme, json!({ "url": "http://127.0.0.1:9/hooks" })).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["events"], json!(["*"]));
    let (_, _, list) = acme.get("/api/v1/webhooks").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (_, _, other) = globex.get("/api/v1/webhooks").await;
    assert_eq!(other["items"], json!([]));
    let (status, _, _) = globex.get(&format!("/api/v1/webhooks/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = globex
        .send(t.http.delete(t.url(&format!("/api/v1/webhooks/{id}"))))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = acme
        .send(t.http.delete(t.url(&format!("/api/v1/webhooks/{id}"))))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = acme.get(&format!("/api/v1/webhooks/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.get_json("/api/v1/webhooks").await;
    assert_eq!(status, 401);
}
