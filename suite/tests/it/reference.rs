//! The reference integration against an in-process eisim on a virtual clock: a Peppol
//! document delivered (token reused, webhook registered, recipient looked up before the
//! send), an SDI invoice refused with NS and corrected under a new file name, and webhook
//! misbehaviour (forged, stale, duplicated and reordered deliveries) survived. Two zoo
//! variants show the same harness catching what they break.
//!
//! The integration lives in real time, so the tests wait for it, always by polling with a
//! deadline.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use eisim::journal::{AntiPattern, InjectedFault, JournalQuery, Record, RecordKind, Verdict};
use eisim::{ClockMode, Simulator, SimulatorConfig};
use eisim_suite::reference::{self, Breakage, ReferenceConfig};
use serde_json::{Value, json};
use tokio::sync::oneshot;

const PEPPOL_INVOICE: &str = include_str!("../../../fixtures/peppol/invoice-minimal.xml");
const SDI_B2B: &str = include_str!("../../../fixtures/sdi/FPR12-minimal.xml");
const SDI_NUMBER: &str = "<Numero>FT-2026/0042</Numero>";
const BUYER: &str = "0208:0456789133";
/// How long the integration gets to finish what it was asked, in real time.
const DEADLINE: Duration = Duration::from_secs(20);

/// The run's world; `extra` adds sections (`webhooks:`, `faults:`).
fn scenario(extra: &str) -> String {
    format!(
        r#"
name: reference
clock: {{ mode: virtual, start: 2026-11-02T08:00:00Z }}
seed: 5
tenants:
  - id: acme
    credentials: [ {{ client_id: acme-client, client_secret: acme-secret }} ]
participants:
  - {{ id: "0208:0123456749", network: peppol, tenant: acme, name: Seller SA, capabilities: [bis-billing-3-invoice, invoice-response] }}
  - {{ id: "{BUYER}", network: peppol, name: Buyer NV, capabilities: [bis-billing-3-invoice, invoice-response] }}
  - {{ id: "SDI:EISIM01", network: sdi, tenant: acme }}
  - {{ id: "SDI:ABC1234", network: sdi, name: Rossi Forniture S.r.l. }}
behaviours:
  - when: {{ network: sdi, invoice_number: "NS-*" }}
    then: [ {{ after: 2m, sdi: NS, errors: ["00311"] }} ]
{extra}
"#
    )
}

/// An eisim and a reference integration wired to it.
struct Run {
    sim: Simulator,
    driver: String,
    http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
}

impl Run {
    async fn start(extra: &str, breakage: Option<Breakage>) -> Run {
        let yaml = scenario(extra);
        Run::start_with(
            eisim::scenario::parse(&yaml, "reference.yaml").unwrap(),
            breakage,
        )
        .await
    }

    async fn start_with(scenario: eisim::Scenario, breakage: Option<Breakage>) -> Run {
        let sim = Simulator::start(
            SimulatorConfig::new()
                .scenario(scenario, "reference.yaml")
                .clock(ClockMode::Virtual),
        )
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let driver = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(reference::run(
            listener,
            ReferenceConfig { breakage },
            async {
                let _ = stopped.await;
            },
        ));
        Run {
            sim,
            driver,
            http: reqwest::Client::new(),
            stop: Some(stop),
        }
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.driver))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Asks the integration to send `document`; returns its ref.
    async fn submit(&self, document: &str, fields: Value) -> String {
        let mut body = json!({
            "document": STANDARD.encode(document),
            "simulator": {
                "base_url": self.sim.base_url(),
                "client_id": "acme-client",
                "client_secret": "acme-secret",
            },
        });
        for (key, value) in fields.as_object().unwrap() {
            body[key] = value.clone();
        }
        let response = self
            .http
            .post(format!("{}/submit", self.driver))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let reply: Value = response.json().await.unwrap();
        reply["ref"].as_str().unwrap().to_owned()
    }

    async fn report(&self, reference: &str) -> Value {
        let (status, report) = self.get(&format!("/documents/{reference}")).await;
        assert_eq!(status, 200, "{report}");
        report
    }

    /// Waits until the integration has no submission in hand.
    async fn idle(&self) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let (_, info) = self.get("/").await;
            if info["pending"] == 0 {
                return;
            }
            assert!(Instant::now() < deadline, "still pending: {info}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Moves the clock `step` at a time until the integration reports `state` for the
    /// document.
    async fn until(&self, reference: &str, state: &str, step: Duration) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            self.idle().await;
            let report = self.report(reference).await;
            if report["state"] == state {
                return report;
            }
            assert!(Instant::now() < deadline, "never {state}: {report}");
            self.sim.advance(step).unwrap();
            self.sim.webhooks_settled().await;
        }
    }

    fn journal(&self, kind: RecordKind) -> Vec<Record> {
        self.sim
            .journal()
            .query(&JournalQuery {
                kind: Some(kind),
                ..JournalQuery::default()
            })
            .into_iter()
            .map(|entry| entry.record)
            .collect()
    }

    /// (method, path, status) of every HTTP exchange eisim answered.
    fn exchanges(&self) -> Vec<(String, String, u16)> {
        self.journal(RecordKind::Http)
            .into_iter()
            .filter_map(|record| match record {
                Record::Http(http) => Some((http.method, http.path, http.status)),
                _ => None,
            })
            .collect()
    }

    fn count(&self, method: &str, path: &str) -> usize {
        self.exchanges()
            .iter()
            .filter(|(m, p, _)| m == method && p == path)
            .count()
    }

    fn anti_patterns(&self) -> Vec<AntiPattern> {
        self.journal(RecordKind::AntiPattern)
            .into_iter()
            .filter_map(|record| match record {
                Record::AntiPattern { pattern, .. } => Some(pattern),
                _ => None,
            })
            .collect()
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn history(report: &Value) -> Vec<String> {
    report["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn peppol() -> Value {
    json!({ "format": "ubl", "network": "peppol", "recipient": BUYER })
}

fn sdi_invoice(number: &str) -> String {
    SDI_B2B.replace(SDI_NUMBER, &format!("<Numero>{number}</Numero>"))
}

#[tokio::test]
async fn a_peppol_invoice_is_delivered_with_one_token_one_subscription_and_a_lookup_first() {
    let run = Run::start("", None).await;
    let (status, info) = run.get("/").await;
    assert_eq!(status, 200);
    assert_eq!(info["name"], "eisim reference integration");
    assert_eq!(
        info["webhook_url"].as_str().unwrap(),
        format!("{}/webhooks", run.driver)
    );

    let reference = run.submit(PEPPOL_INVOICE, peppol()).await;
    assert_eq!(reference, "doc-1");
    let report = run
        .until(&reference, "delivered", Duration::from_secs(1))
        .await;
    assert_eq!(
        history(&report),
        ["received", "sent", "accepted", "delivered"]
    );
    assert!(report["network_id"].is_string(), "{report}");

    assert_eq!(run.count("POST", "/connect/token"), 1);
    assert_eq!(run.count("POST", "/api/v1/webhooks"), 1);
    let exchanges = run.exchanges();
    let position = |method: &str, path: &str| {
        exchanges
            .iter()
            .position(|(m, p, s)| m == method && p == path && (200..300).contains(s))
            .unwrap_or_else(|| panic!("no {method} {path} in {exchanges:?}"))
    };
    assert!(
        position("GET", &format!("/api/v1/participants/{BUYER}"))
            < position("POST", "/api/v1/invoices")
    );
    assert!(run.anti_patterns().is_empty(), "{:?}", run.anti_patterns());
    let verdicts: Vec<Verdict> = run
        .journal(RecordKind::WebhookAttempt)
        .into_iter()
        .filter_map(|record| match record {
            Record::WebhookAttempt(attempt) => Some(attempt.verdict),
            _ => None,
        })
        .collect();
    assert!(verdicts.len() >= 4, "{verdicts:?}");
    assert!(
        verdicts.iter().all(|v| *v == Verdict::Acknowledged),
        "{verdicts:?}"
    );
}

#[tokio::test]
async fn an_sdi_invoice_refused_with_ns_is_corrected_under_a_new_file_name() {
    let run = Run::start("", None).await;
    let sdi = json!({ "format": "fatturapa", "network": "sdi", "recipient": "SDI:ABC1234" });
    let refused = run.submit(&sdi_invoice("NS-1"), sdi.clone()).await;
    let report = run
        .until(&refused, "refused", Duration::from_secs(30))
        .await;
    assert_eq!(history(&report).last().unwrap(), "refused");

    let sdi_messages = |run: &Run| -> Vec<(String, String)> {
        run.journal(RecordKind::SdiMessage)
            .into_iter()
            .filter_map(|record| match record {
                Record::SdiMessage(m) => Some((m.message_type, m.invoice_file)),
                _ => None,
            })
            .collect()
    };
    let refused_file = sdi_messages(&run)
        .into_iter()
        .find(|(kind, _)| kind == "NS")
        .map(|(_, file)| file)
        .unwrap();
    assert!(
        refused_file.starts_with("IT01234567897_") && refused_file.ends_with(".xml"),
        "{refused_file}"
    );

    // The scenario even asks for the refused name again: a correction never gets it.
    let mut correction = sdi.clone();
    correction["replaces"] = json!(refused);
    correction["file_name"] = json!(refused_file);
    let corrected = run.submit(&sdi_invoice("FT-2026/0099"), correction).await;
    let report = run
        .until(&corrected, "delivered", Duration::from_secs(30))
        .await;
    assert_eq!(history(&report).last().unwrap(), "delivered");
    let files: Vec<String> = sdi_messages(&run)
        .into_iter()
        .filter(|(_, file)| *file != refused_file)
        .map(|(_, file)| file)
        .collect();
    assert!(!files.is_empty());
    assert!(
        files.iter().all(|f| f.starts_with("IT01234567897_")),
        "{files:?}"
    );
    assert!(run.anti_patterns().is_empty(), "{:?}", run.anti_patterns());
    assert_eq!(run.count("POST", "/connect/token"), 1);
}

/// Every delivery preceded by a forged and a stale probe, sent twice, and half held back.
const MISBEHAVING: &str =
    "webhooks: { forged_rate: 1.0, stale_rate: 1.0, duplicate_rate: 1.0, reorder_rate: 0.5 }";

/// (fault, status) of every webhook attempt.
fn attempts(run: &Run) -> Vec<(Option<InjectedFault>, Option<u16>)> {
    run.journal(RecordKind::WebhookAttempt)
        .into_iter()
        .filter_map(|record| match record {
            Record::WebhookAttempt(attempt) => Some((attempt.fault, attempt.status)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn forged_and_stale_deliveries_are_refused_and_duplicates_and_reorders_change_nothing() {
    let run = Run::start(MISBEHAVING, None).await;
    let reference = run.submit(PEPPOL_INVOICE, peppol()).await;
    let report = run
        .until(&reference, "delivered", Duration::from_secs(1))
        .await;
    let states = history(&report);
    assert_eq!(states, ["received", "sent", "accepted", "delivered"]);

    let attempts = attempts(&run);
    let probes = |fault: InjectedFault| -> Vec<Option<u16>> {
        attempts
            .iter()
            .filter(|(f, _)| *f == Some(fault))
            .map(|(_, status)| *status)
            .collect()
    };
    let forged = probes(InjectedFault::ForgedSignature);
    let stale = probes(InjectedFault::StaleTimestamp);
    assert!(!forged.is_empty() && !stale.is_empty());
    assert!(
        forged.iter().chain(&stale).all(|s| *s == Some(401)),
        "{attempts:?}"
    );
    assert!(!probes(InjectedFault::Duplicate).is_empty());
    let honest = attempts.iter().filter(|(f, _)| {
        !matches!(
            f,
            Some(InjectedFault::ForgedSignature | InjectedFault::StaleTimestamp)
        )
    });
    assert!(honest.clone().all(|(_, s)| *s == Some(204)), "{attempts:?}");

    // And one forged by hand, with a fresh timestamp.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let response = run
        .http
        .post(format!("{}/webhooks", run.driver))
        .header("webhook-id", "evt_forged_by_hand")
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", "v1,Zm9yZ2VkIHNpZ25hdHVyZQ==")
        .body(r#"{"type":"invoice.refused","data":{"document_id":"x","state":"refused","sequence":99}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let unsigned = run
        .http
        .post(format!("{}/webhooks", run.driver))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 400);
    assert_eq!(run.report(&reference).await["state"], "delivered");
}

#[tokio::test]
async fn the_hook2_variant_takes_forged_deliveries() {
    let run = Run::start("webhooks: { forged_rate: 1.0 }", Some(Breakage::Hook2)).await;
    let (_, info) = run.get("/").await;
    assert_eq!(info["name"], "eisim reference integration (broken: HOOK-2)");
    let reference = run.submit(PEPPOL_INVOICE, peppol()).await;
    run.until(&reference, "delivered", Duration::from_secs(1))
        .await;
    let forged: Vec<Option<u16>> = attempts(&run)
        .into_iter()
        .filter(|(f, _)| *f == Some(InjectedFault::ForgedSignature))
        .map(|(_, status)| status)
        .collect();
    assert!(!forged.is_empty());
    assert!(forged.iter().all(|s| *s == Some(204)), "{forged:?}");
}

#[tokio::test]
async fn the_auth1_variant_asks_for_a_token_per_call() {
    let run = Run::start("", Some(Breakage::Auth1)).await;
    let reference = run.submit(PEPPOL_INVOICE, peppol()).await;
    run.idle().await;
    assert_ne!(run.report(&reference).await["state"], "failed");
    // Registration, lookup and submission: three calls, three tokens.
    assert_eq!(run.count("POST", "/connect/token"), 3);
    let reused = run
        .anti_patterns()
        .into_iter()
        .filter(|p| *p == AntiPattern::TokenNotReused)
        .count();
    assert_eq!(reused, 2);
}

/// Half the submissions answered 503, half the lookups 429 with `Retry-After: 1`.
const FLAKY: &str = r#"
faults:
  - { http_status: 503, path: "/api/v1/invoices", from: 0s, for: 1h, rate: 0.5 }
  - { http_status: 429, path: "/api/v1/participants/*", from: 0s, for: 1h, rate: 0.5, retry_after: 1s }
"#;

#[tokio::test]
async fn server_errors_are_retried_and_retry_after_is_waited_out() {
    let run = Run::start(FLAKY, None).await;
    let first = run.submit(PEPPOL_INVOICE, peppol()).await;
    run.idle().await;
    // A second document to the same recipient is sent after the first, alone.
    let second = run
        .submit(&PEPPOL_INVOICE.replace("INV-0001", "INV-0002"), peppol())
        .await;
    run.until(&first, "delivered", Duration::from_secs(1)).await;
    run.until(&second, "delivered", Duration::from_secs(1))
        .await;

    let entries = run.sim.journal().query(&JournalQuery {
        kind: Some(RecordKind::Http),
        ..JournalQuery::default()
    });
    let submits: Vec<u16> = entries
        .iter()
        .filter_map(|e| match &e.record {
            Record::Http(http) if http.method == "POST" && http.path == "/api/v1/invoices" => {
                Some(http.status)
            }
            _ => None,
        })
        .collect();
    assert!(submits.contains(&503), "{submits:?}");
    assert_eq!(
        submits.iter().filter(|s| **s == 201).count(),
        2,
        "{submits:?}"
    );
    // After a 429 the lookups wait at least its Retry-After.
    let lookups: Vec<_> = entries
        .iter()
        .filter_map(|e| match &e.record {
            Record::Http(http) if http.path.starts_with("/api/v1/participants/") => {
                Some((e.real_time, http.status))
            }
            _ => None,
        })
        .collect();
    assert!(lookups.iter().any(|(_, s)| *s == 429), "{lookups:?}");
    for pair in lookups.windows(2) {
        if pair[0].1 == 429 {
            let gap = pair[1].0.as_millisecond() - pair[0].0.as_millisecond();
            assert!(gap >= 1000, "{lookups:?}");
        }
    }
    assert!(run.anti_patterns().is_empty(), "{:?}", run.anti_patterns());
}

#[tokio::test]
async fn a_token_that_expired_on_the_clock_is_renewed_once_after_the_401() {
    let run = Run::start("", None).await;
    let first = run.submit(PEPPOL_INVOICE, peppol()).await;
    run.until(&first, "delivered", Duration::from_secs(1)).await;
    // Tokens live an hour of simulated time.
    run.sim.advance(Duration::from_secs(2 * 3600)).unwrap();
    let second = run
        .submit(&PEPPOL_INVOICE.replace("INV-0001", "INV-0002"), peppol())
        .await;
    run.until(&second, "delivered", Duration::from_secs(1))
        .await;

    let exchanges = run.exchanges();
    let refused = exchanges
        .iter()
        .position(|(_, _, status)| *status == 401)
        .unwrap_or_else(|| panic!("no 401 in {exchanges:?}"));
    let (method, path, _) = &exchanges[refused];
    let after = &exchanges[refused + 1..];
    assert_eq!(after[0], ("POST".into(), "/connect/token".into(), 200));
    assert!(
        after.contains(&(method.clone(), path.clone(), 201)),
        "{exchanges:?}"
    );
    assert_eq!(run.count("POST", "/connect/token"), 2);
    assert!(run.anti_patterns().is_empty(), "{:?}", run.anti_patterns());
}

/// A run in which an invoice from Buyer NV arrives for the tenant at one minute.
async fn receiving(breakage: Option<Breakage>) -> Run {
    let yaml = scenario("peppol:\n  inbound:\n    - { at: 1m, file: in-0.xml }\n");
    let mut scenario = eisim::scenario::parse(&yaml, "reference.yaml").unwrap();
    // The minimal invoice with its parties swapped: to the tenant's 0208:0123456749.
    let swapped = PEPPOL_INVOICE
        .replace("0123456749</cbc:EndpointID>", "SELLER</cbc:EndpointID>")
        .replace("0456789133</cbc:EndpointID>", "0123456749</cbc:EndpointID>")
        .replace("SELLER</cbc:EndpointID>", "0456789133</cbc:EndpointID>")
        .replace("INV-0001", "IN-1");
    scenario.peppol.inbound[0].bytes = Some(swapped.into_bytes().into());
    Run::start_with(scenario, breakage).await
}

/// Lets the integration meet eisim (a first send), then lets the inbound invoice arrive;
/// returns its eisim id.
async fn receive_one(run: &Run) -> String {
    let reference = run.submit(PEPPOL_INVOICE, peppol()).await;
    run.idle().await;
    run.until(&reference, "delivered", Duration::from_secs(1))
        .await;
    run.sim.advance(Duration::from_secs(60)).unwrap();
    run.sim.webhooks_settled().await;
    run.idle().await;
    let heard = run
        .journal(RecordKind::WebhookAttempt)
        .into_iter()
        .any(|record| {
            matches!(record, Record::WebhookAttempt(a)
                if a.event_type == "invoice.received" && a.verdict == Verdict::Acknowledged)
        });
    assert!(heard, "the integration was told of the received invoice");
    let inbound: Vec<String> = run
        .journal(RecordKind::StateChange)
        .into_iter()
        .filter_map(|record| match record {
            Record::StateChange {
                subject,
                from: None,
                ..
            } => subject.strip_prefix("document ").map(str::to_owned),
            _ => None,
        })
        .collect();
    // The first document is ours, the second the one received.
    inbound.last().unwrap().clone()
}

async fn respond(run: &Run, document_id: &str, code: &str) -> Value {
    let response = run
        .http
        .post(format!("{}/respond", run.driver))
        .json(&json!({
            "document_id": document_id,
            "code": code,
            "simulator": {
                "base_url": run.sim.base_url(),
                "client_id": "acme-client",
                "client_secret": "acme-secret",
            },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_received_invoice_is_answered_in_order_through_respond() {
    let run = receiving(None).await;
    let received = receive_one(&run).await;
    assert_eq!(respond(&run, &received, "AB").await["status"], 201);
    assert_eq!(respond(&run, &received, "AP").await["status"], 201);
}

#[tokio::test]
async fn the_peppol2_variant_approves_at_once_so_a_later_ab_is_out_of_order() {
    let run = receiving(Some(Breakage::Peppol2)).await;
    let received = receive_one(&run).await;
    let answer = respond(&run, &received, "AB").await;
    assert_eq!(answer["status"], 409, "{answer}");
    assert_eq!(
        answer["answer"]["type"],
        "urn:eisim:problem:invoice-response-order"
    );
}
