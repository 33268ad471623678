//! Peppol as an integrator behind an access point meets it: the SML, SMP and Directory
//! lookups, every branch of a document's trip on a virtual clock (delivered, refused by the
//! buyer, refused by the receiver's MLR, not serviced, receiving access point down then back,
//! duplicate MessageId) with the gateway states, the ApplicationResponse documents and the
//! webhooks in order, and invoices received over Peppol answered with Invoice Responses.

use std::time::Duration;

use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::TestSim;
use crate::schemas::assert_schema_valid;

const INVOICE: &str = include_str!("../../../fixtures/peppol/invoice-minimal.xml");
const CREDIT_NOTE: &str = include_str!("../../../fixtures/peppol/creditnote-minimal.xml");
const RESPONSE_XSD: &str = "ubl-2.1/maindoc/UBL-ApplicationResponse-2.1.xsd";
const START: &str = "2026-11-02T08:00:00Z";

const MIN: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;

fn scenario(extra: &str) -> String {
    format!(
        r#"
name: peppol
clock: {{ mode: virtual, start: {START} }}
seed: 11
tenants:
  - id: acme
    credentials: [ {{ client_id: acme-client, client_secret: acme-secret }} ]
participants:
  - {{ id: "0208:0123456749", network: peppol, tenant: acme, name: Seller SA, capabilities: [bis-billing-3-invoice, bis-billing-3-credit-note, invoice-response] }}
  - {{ id: "0208:0456789133", network: peppol, name: Buyer NV, capabilities: [bis-billing-3-invoice, bis-billing-3-credit-note, invoice-response] }}
  - {{ id: "9925:BE0987654394", network: peppol, name: Atelier Lambert SRL, capabilities: [bis-billing-3-invoice] }}
  - {{ id: "0007:5567037485", network: peppol, name: Nordisk Verktyg AB }}
behaviours:
  - when: {{ network: peppol, invoice_number: "RE-*" }}
    then:
      - {{ after: 1h, peppol: AB }}
      - {{ after: 1d, peppol: RE, reason: REF, action: NIN, text: "Purchase order PO-4711 is unknown" }}
  - when: {{ network: peppol, invoice_number: "MLR-*" }}
    then:
      - {{ after: 10s, mls: AP }}
      - {{ after: 1m, mlr: RE, errors: ["BR-CO-10"] }}
  - when: {{ network: peppol, invoice_number: "FD-*" }}
    then: [ {{ after: 30s, mls: RE, errors: [FD] }} ]
peppol:
  sml_only: ["0208:0597601756"]
  timing: {{ retries: [1m, 5m, 15m] }}
{extra}
"#
    )
}

fn invoice(number: &str) -> String {
    INVOICE.replace(
        "<cbc:ID>INV-0001</cbc:ID>",
        &format!("<cbc:ID>{number}</cbc:ID>"),
    )
}

struct Peppol {
    t: TestSim,
    token: String,
}

impl Peppol {
    async fn start(extra: &str) -> Peppol {
        let t = TestSim::with_scenario(&scenario(extra)).await;
        let token = t.token("acme-client", "acme-secret").await;
        Peppol { t, token }
    }

    async fn advance(&mut self, by: u64) {
        self.t.sim.advance(Duration::from_secs(by)).unwrap();
        // Tokens live an hour of simulated time; days pass here.
        self.token = self.t.token("acme-client", "acme-secret").await;
    }

    async fn submit(&self, body: &str, query: &str) -> (u16, Value) {
        let response = self
            .t
            .http
            .post(self.t.url(&format!("/api/v1/invoices{query}")))
            .bearer_auth(&self.token)
            .header("content-type", "application/xml")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    async fn send(&self, number: &str) -> String {
        let (status, body) = self.submit(&invoice(number), "").await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .t
            .http
            .get(self.t.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn text(&self, path: &str) -> String {
        self.t
            .http
            .get(self.t.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// (state, network status) of a document now.
    async fn state(&self, id: &str) -> (String, Option<String>) {
        let (status, body) = self.get(&format!("/api/v1/invoices/{id}")).await;
        assert_eq!(status, 200, "{body}");
        (
            body["state"].as_str().unwrap().to_owned(),
            body["network_detail"]["status"].as_str().map(str::to_owned),
        )
    }

    async fn detail(&self, id: &str) -> Value {
        self.get(&format!("/api/v1/invoices/{id}")).await.1["network_detail"].clone()
    }

    /// (type, code) of each message about a document, and the XML of each.
    async fn messages(&self, id: &str) -> Vec<(String, String, String)> {
        let (status, list) = self
            .get(&format!("/api/v1/invoices/{id}/notifications"))
            .await;
        assert_eq!(status, 200, "{list}");
        let mut out = Vec::new();
        for m in list["notifications"].as_array().unwrap() {
            let xml = self.text(m["href"].as_str().unwrap()).await;
            assert_schema_valid(&xml, RESPONSE_XSD, m["file_name"].as_str().unwrap());
            out.push((
                m["type"].as_str().unwrap().to_owned(),
                m["code"].as_str().unwrap().to_owned(),
                xml,
            ));
        }
        out
    }

    async fn hooks(&self) -> MockServer {
        let hooks = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/hooks"))
            .respond_with(ResponseTemplate::new(204))
            .mount(&hooks)
            .await;
        let response = self
            .t
            .http
            .post(self.t.url("/api/v1/webhooks"))
            .bearer_auth(&self.token)
            .json(&json!({ "url": format!("{}/hooks", hooks.uri()), "events": ["invoice.status_updated"] }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        hooks
    }
}

/// (state, network status) of each `invoice.status_updated` delivery, once `count` arrived.
async fn hook_statuses(
    sim: &TestSim,
    hooks: &MockServer,
    count: usize,
) -> Vec<(String, Option<String>)> {
    sim.sim.webhooks_settled().await;
    let statuses = crate::hook_statuses(hooks).await;
    assert_eq!(statuses.len(), count, "{statuses:?}");
    statuses
}

fn s(state: &str, status: Option<&str>) -> (String, Option<String>) {
    (state.to_owned(), status.map(str::to_owned))
}

// --- lookups ---

#[tokio::test]
async fn smp_answers_each_lookup_case_in_its_real_shape() {
    let p = Peppol::start("").await;
    let t = &p.t;
    let get = |path: &str| t.http.get(t.url(path)).send();

    let group = get("/peppol/smp/iso6523-actorid-upis%3A%3A0208%3A0456789133")
        .await
        .unwrap();
    assert_eq!(group.status(), 200);
    assert_eq!(group.headers()["content-type"], "text/xml; charset=utf-8");
    let group = group
        .text()
        .await
        .unwrap()
        .replace(&t.sim.base_url(), "http://EISIM");
    insta::assert_snapshot!("smp_service_group", group);

    let metadata_path = format!(
        "/peppol/smp/iso6523-actorid-upis%3A%3A0208%3A0456789133/services/{}",
        "busdox-docid-qns%3A%3Aurn%3Aoasis%3Anames%3Aspecification%3Aubl%3Aschema%3Axsd%3AInvoice-2%3A%3AInvoice%23%23urn%3Acen.eu%3Aen16931%3A2017%23compliant%23urn%3Afdc%3Apeppol.eu%3A2017%3Apoacc%3Abilling%3A3.0%3A%3A2.1"
    );
    let metadata = get(&metadata_path).await.unwrap();
    assert_eq!(metadata.status(), 200);
    insta::assert_snapshot!(
        "smp_signed_service_metadata",
        metadata.text().await.unwrap()
    );

    // 1. Unknown to the SML: no NAPTR record under the participant's real host name.
    let unknown = get("/peppol/smp/iso6523-actorid-upis%3A%3A0208%3A0202239951")
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.headers()["x-eisim-lookup"], "sml");
    let text = unknown.text().await.unwrap();
    assert!(text.contains("is not registered in the SML"), "{text}");
    let (status, sml) = t.get_json("/peppol/sml/0208:0202239951").await;
    assert_eq!((status, sml["status"].as_str()), (404, Some("NXDOMAIN")));

    // 2. In the SML, unknown to its SMP.
    let smp_only = get("/peppol/smp/iso6523-actorid-upis%3A%3A0208%3A0597601756")
        .await
        .unwrap();
    assert_eq!(smp_only.status(), 404);
    assert_eq!(smp_only.headers()["x-eisim-lookup"], "smp");
    assert_eq!(
        smp_only.text().await.unwrap(),
        "Not found: Service Group 'iso6523-actorid-upis::0208:0597601756' is not registered on this SMP"
    );
    let (status, sml) = t.get_json("/peppol/sml/0208:0597601756").await;
    assert_eq!(status, 200);
    assert_eq!(sml["service"], "Meta:SMP");

    // 3. Known, but not for this document type.
    let credit_note = format!(
        "/peppol/smp/iso6523-actorid-upis%3A%3A9925%3ABE0987654394/services/busdox-docid-qns%3A%3A{}",
        "urn%3Aoasis%3Anames%3Aspecification%3Aubl%3Aschema%3Axsd%3ACreditNote-2%3A%3ACreditNote%23%23urn%3Acen.eu%3Aen16931%3A2017%23compliant%23urn%3Afdc%3Apeppol.eu%3A2017%3Apoacc%3Abilling%3A3.0%3A%3A2.1"
    );
    let unsupported = get(&credit_note).await.unwrap();
    assert_eq!(unsupported.status(), 404);
    assert_eq!(unsupported.headers()["x-eisim-lookup"], "document-type");
    assert!(
        unsupported
            .text()
            .await
            .unwrap()
            .contains("doesn't support the document type ID")
    );

    // A malformed id is refused with the rule it breaks.
    let malformed = get("/peppol/smp/iso6523-actorid-upis%3A%3A0208%3A0123456748")
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let text = malformed.text().await.unwrap();
    assert!(text.starts_with("PEPPOL-COMMON-R043"), "{text}");

    // The SML record carries the real NAPTR host name.
    let (_, record) = t
        .get_json("/peppol/sml/iso6523-actorid-upis::0208:0456789133")
        .await;
    let record = serde_json::to_string_pretty(&record)
        .unwrap()
        .replace(&t.sim.base_url(), "http://EISIM");
    insta::assert_snapshot!("sml_naptr_record", record);
}

#[tokio::test]
async fn directory_search_and_the_gateway_lookup_follow_the_smp() {
    let p = Peppol::start("").await;
    let (status, found) =
        p.t.get_json("/peppol/directory/search/1.0/json?q=buyer")
            .await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("directory_search", found);
    let (status, by_country) =
        p.t.get_json("/peppol/directory/search/1.0/json?country=SE")
            .await;
    assert_eq!(status, 200);
    assert_eq!(by_country["total-result-count"], 1);
    let bare =
        p.t.http
            .get(p.t.url("/peppol/directory/search/1.0/json"))
            .send()
            .await
            .unwrap();
    assert_eq!(bare.status(), 400);

    let (status, view) = p.get("/api/v1/participants/9925:BE0987654394").await;
    assert_eq!(status, 200);
    assert_eq!(view["document_types"], json!(["bis-billing-3-invoice"]));
    let (status, view) = p.get("/api/v1/participants/0208:0597601756").await;
    assert_eq!((status, view["reachable"].as_bool()), (200, Some(false)));
    assert!(
        view["reason"]
            .as_str()
            .unwrap()
            .contains("not registered on this SMP")
    );
    let (status, _) = p.get("/api/v1/participants/0208:0202239951").await;
    assert_eq!(status, 404);
    let (status, problem) = p.get("/api/v1/participants/0208:0123456748").await;
    assert_eq!(status, 400, "{problem}");
}

// --- lifecycles ---

#[tokio::test]
async fn a_document_is_sent_accepted_on_receipt_and_delivered_on_the_mls() {
    let mut p = Peppol::start("").await;
    let hooks = p.hooks().await;
    let id = p.send("INV-100").await;
    let mut seen = Vec::new();
    for step in [1, 2, 10] {
        p.advance(step).await;
        seen.push(p.state(&id).await);
    }
    assert_eq!(
        seen,
        [
            s("sent", None),
            s("accepted", None),
            s("delivered", Some("MLS AP"))
        ]
    );
    let messages = p.messages(&id).await;
    assert_eq!(messages.len(), 1);
    let (kind, code, mls) = &messages[0];
    assert_eq!((kind.as_str(), code.as_str()), ("mls", "AP"));
    let message_id = p.detail(&id).await["network_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(mls.contains("urn:peppol:edec:mls:1.0"), "{mls}");
    assert!(
        mls.contains(&message_id),
        "the MLS refers to the AS4 MessageId: {mls}"
    );
    let log: Vec<String> =
        p.t.journal("peppol_message")
            .await
            .iter()
            .map(|e| e["message"].as_str().unwrap().to_owned())
            .collect();
    assert_eq!(log, ["as4_send", "as4_receipt", "mls"]);
    assert_eq!(
        hook_statuses(&p.t, &hooks, 4).await,
        [
            s("received", None),
            s("sent", None),
            s("accepted", None),
            s("delivered", Some("MLS AP"))
        ]
    );
}

#[tokio::test]
async fn the_buyer_refuses_with_an_invoice_response_that_carries_its_reason() {
    let mut p = Peppol::start("").await;
    let hooks = p.hooks().await;
    let id = p.send("RE-1").await;
    let mut seen = Vec::new();
    for step in [13, HOUR, DAY] {
        p.advance(step).await;
        seen.push(p.state(&id).await);
    }
    assert_eq!(
        seen,
        [
            s("delivered", Some("MLS AP")),
            s("delivered", Some("AB")),
            s("refused", Some("RE"))
        ]
    );
    let detail = p.detail(&id).await;
    let description = detail["description"].as_str().unwrap();
    assert!(description.contains("REF"), "{description}");
    assert!(
        description.contains("Purchase order PO-4711 is unknown"),
        "{description}"
    );
    let messages = p.messages(&id).await;
    let kinds: Vec<(&str, &str)> = messages
        .iter()
        .map(|(k, c, _)| (k.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("mls", "AP"),
            ("invoice_response", "AB"),
            ("invoice_response", "RE")
        ]
    );
    let refusal = &messages[2].2;
    assert!(refusal.contains(">REF<"), "{refusal}");
    assert!(refusal.contains(">NIN<"), "{refusal}");
    assert!(
        refusal.contains(">RE-1<"),
        "the response names the invoice: {refusal}"
    );
    assert_eq!(
        hook_statuses(&p.t, &hooks, 6).await,
        [
            s("received", None),
            s("sent", None),
            s("accepted", None),
            s("delivered", Some("MLS AP")),
            s("delivered", Some("AB")),
            s("refused", Some("RE")),
        ]
    );
}

#[tokio::test]
async fn the_receiver_refuses_at_message_level_with_line_errors() {
    let mut p = Peppol::start("").await;
    let id = p.send("MLR-1").await;
    p.advance(13).await;
    assert_eq!(p.state(&id).await, s("delivered", Some("MLS AP")));
    p.advance(MIN).await;
    assert_eq!(p.state(&id).await, s("refused", Some("MLR RE")));
    assert_eq!(p.detail(&id).await["errors"], json!(["BR-CO-10"]));
    let messages = p.messages(&id).await;
    let (kind, code, mlr) = &messages[1];
    assert_eq!((kind.as_str(), code.as_str()), ("mlr", "RE"));
    assert!(mlr.contains("urn:fdc:peppol.eu:poacc:trns:mlr:3"), "{mlr}");
    assert!(mlr.contains("BR-CO-10"), "{mlr}");
    assert!(mlr.contains(">BV<"), "{mlr}");
}

#[tokio::test]
async fn an_mls_re_with_fd_fails_the_document_and_later_answers_are_dropped() {
    let mut p = Peppol::start("").await;
    let id = p.send("FD-1").await;
    p.advance(3 + 30).await;
    assert_eq!(p.state(&id).await, s("failed", Some("MLS RE")));
    let messages = p.messages(&id).await;
    assert_eq!(messages.len(), 1);
    assert!(messages[0].2.contains(">FD<"), "{}", messages[0].2);
}

#[tokio::test]
async fn a_recipient_nobody_serves_fails_with_not_serviced_for_each_lookup_layer() {
    let mut p = Peppol::start("").await;
    let hooks = p.hooks().await;
    let cases = [
        (
            "?recipient=0208:0202239951",
            INVOICE.replace("INV-0001", "NS-1"),
            "not registered in the SML",
        ),
        (
            "?recipient=0208:0597601756",
            INVOICE.replace("INV-0001", "NS-2"),
            "not registered on this SMP",
        ),
        (
            "?recipient=9925:BE0987654394",
            CREDIT_NOTE.to_owned(),
            "doesn't support the document type ID",
        ),
    ];
    let mut ids = Vec::new();
    for (query, body, _) in &cases {
        let (status, doc) = p.submit(body, query).await;
        assert_eq!(status, 201, "{doc}");
        ids.push(doc["id"].as_str().unwrap().to_owned());
    }
    p.advance(1).await;
    for (id, (_, _, why)) in ids.iter().zip(&cases) {
        assert_eq!(p.state(id).await, s("failed", Some("EBMS:0004")));
        let detail = p.detail(id).await;
        assert_eq!(detail["errors"], json!(["PEPPOL:NOT_SERVICED"]));
        let description = detail["description"].as_str().unwrap();
        assert!(description.contains(why), "{description}");
        assert!(p.messages(id).await.is_empty());
    }
    let statuses = hook_statuses(&p.t, &hooks, 6).await;
    assert_eq!(
        statuses
            .iter()
            .filter(|(state, _)| state == "failed")
            .count(),
        3,
        "{statuses:?}"
    );
    // A malformed recipient never gets that far.
    let (status, problem) = p
        .submit(
            &INVOICE.replace("INV-0001", "NS-4"),
            "?recipient=0208:0123456748",
        )
        .await;
    assert_eq!(status, 422, "{problem}");
}

#[tokio::test]
async fn a_receiving_access_point_that_is_down_gets_resends_until_it_answers() {
    let mut p = Peppol::start("faults:\n  - { outage: peppol, from: 0s, for: 10m }").await;
    let hooks = p.hooks().await;
    let id = p.send("INV-200").await;
    // Sends at 1s, 1m01s and 6m01s meet the outage; the one at 21m01s gets through.
    p.advance(1).await;
    assert_eq!(p.state(&id).await, s("sent", None));
    p.advance(6 * MIN).await;
    assert_eq!(p.state(&id).await, s("sent", None));
    p.advance(15 * MIN + 2).await;
    assert_eq!(p.state(&id).await, s("accepted", None));
    p.advance(10).await;
    assert_eq!(p.state(&id).await, s("delivered", Some("MLS AP")));
    let log: Vec<(String, Option<String>)> =
        p.t.journal("peppol_message")
            .await
            .iter()
            .map(|e| {
                (
                    e["message"].as_str().unwrap().to_owned(),
                    e["code"].as_str().map(str::to_owned),
                )
            })
            .collect();
    let ebms = (String::from("ebms_error"), Some(String::from("EBMS:0005")));
    let send = (String::from("as4_send"), None);
    assert_eq!(
        log,
        [
            send.clone(),
            ebms.clone(),
            send.clone(),
            ebms.clone(),
            send.clone(),
            ebms,
            send,
            ("as4_receipt".to_owned(), None),
            ("mls".to_owned(), Some("AP".to_owned())),
        ]
    );
    assert_eq!(
        hook_statuses(&p.t, &hooks, 4).await,
        [
            s("received", None),
            s("sent", None),
            s("accepted", None),
            s("delivered", Some("MLS AP"))
        ]
    );
}

#[tokio::test]
async fn a_receiving_access_point_that_stays_down_fails_the_document_after_the_last_resend() {
    let mut p = Peppol::start("faults:\n  - { outage: peppol, from: 0s }").await;
    let id = p.send("INV-300").await;
    p.advance(21 * MIN).await;
    assert_eq!(p.state(&id).await, s("sent", None));
    p.advance(MIN).await;
    assert_eq!(p.state(&id).await, s("failed", Some("EBMS:0005")));
    let description = p.detail(&id).await["description"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(description.contains("4 AS4 sends"), "{description}");
}

#[tokio::test]
async fn a_repeated_message_id_is_refused_within_the_window_and_taken_after_it() {
    let mut p = Peppol::start("").await;
    let hooks = p.hooks().await;
    let first = p_submit_with_id(&p, &invoice("DUP-1")).await;
    p.advance(5 * MIN).await;
    let second = p_submit_with_id(&p, &invoice("DUP-2")).await;
    p.advance(MIN).await;
    assert_eq!(p.state(&first).await, s("delivered", Some("MLS AP")));
    assert_eq!(p.state(&second).await, s("failed", Some("EBMS:4001")));
    let description = p.detail(&second).await["description"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        description.starts_with("DuplicateDetected"),
        "{description}"
    );
    // Ten minutes after the first reception the id is new again.
    p.advance(5 * MIN).await;
    let third = p_submit_with_id(&p, &invoice("DUP-3")).await;
    p.advance(MIN).await;
    assert_eq!(p.state(&third).await, s("delivered", Some("MLS AP")));
    let statuses = hook_statuses(&p.t, &hooks, 11).await;
    assert_eq!(
        statuses[4..7],
        [
            s("received", None),
            s("sent", None),
            s("failed", Some("EBMS:4001"))
        ]
    );
}

async fn p_submit_with_id(p: &Peppol, body: &str) -> String {
    let (status, doc) = p.submit(body, "?message_id=4e1c7a52-dup@erp.example").await;
    assert_eq!(status, 201, "{doc}");
    doc["id"].as_str().unwrap().to_owned()
}

// --- inbound ---

/// A run in which `count` invoices from Buyer NV's side arrive for the tenant at 1 minute.
async fn inbound(count: usize) -> Peppol {
    let entries: String = (0..count)
        .map(|i| format!("    - {{ at: 1m, file: in-{i}.xml }}\n"))
        .collect();
    let yaml = scenario(&format!("  inbound:\n{entries}"));
    let mut scenario = eisim::scenario::parse(&yaml, "test.yaml").unwrap();
    for (i, entry) in scenario.peppol.inbound.iter_mut().enumerate() {
        // From 0208:0456789133 to the tenant's 0208:0123456749: the minimal invoice's parties
        // swapped.
        let swapped = invoice(&format!("IN-{i}"))
            .replace("0123456749</cbc:EndpointID>", "SELLER</cbc:EndpointID>")
            .replace("0456789133</cbc:EndpointID>", "0123456749</cbc:EndpointID>")
            .replace("SELLER</cbc:EndpointID>", "0456789133</cbc:EndpointID>");
        entry.bytes = Some(swapped.into_bytes().into());
    }
    let t = TestSim::start(eisim::SimulatorConfig::new().scenario(scenario, "test.yaml")).await;
    let token = t.token("acme-client", "acme-secret").await;
    let mut p = Peppol { t, token };
    p.advance(MIN).await;
    p
}

async fn inbound_ids(p: &Peppol) -> Vec<String> {
    let (status, list) = p.get("/api/v1/invoices?direction=inbound&limit=200").await;
    assert_eq!(status, 200, "{list}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn respond(p: &Peppol, id: &str, body: Value) -> (u16, Value) {
    let response =
        p.t.http
            .post(p.t.url(&format!("/api/v1/invoices/{id}/responses")))
            .bearer_auth(&p.token)
            .json(&body)
            .send()
            .await
            .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn an_inbound_invoice_arrives_and_the_tenant_answers_it_in_order() {
    let p = inbound(1).await;
    let ids = inbound_ids(&p).await;
    assert_eq!(ids.len(), 1);
    let id = &ids[0];
    let (_, doc) = p.get(&format!("/api/v1/invoices/{id}")).await;
    assert_eq!(doc["direction"], "inbound");
    assert_eq!(doc["network"], "peppol");
    let received: Vec<Value> =
        p.t.journal("state_change")
            .await
            .into_iter()
            .filter(|e| e["subject"] == format!("document {id}"))
            .collect();
    assert_eq!(received.len(), 1);
    let taken = p.t.journal("document_taken").await;
    assert_eq!(taken.len(), 1);
    let original = p.text(&format!("/api/v1/invoices/{id}/document")).await;
    assert_eq!(
        (
            &taken[0]["document"],
            &taken[0]["network"],
            &taken[0]["channel"],
            &taken[0]["direction"],
            &taken[0]["file_name"],
            &taken[0]["content_sha256"],
        ),
        (
            &json!(id),
            &json!("peppol"),
            &json!("network"),
            &json!("inbound"),
            &json!("in-0.xml"),
            &json!(crate::sha256_hex(original.as_bytes())),
        )
    );

    let (status, ab) = respond(&p, id, json!({ "code": "AB" })).await;
    assert_eq!(status, 201, "{ab}");
    let (status, problem) = respond(&p, id, json!({ "code": "UQ" })).await;
    assert_eq!(
        (status, problem["rule"].as_str()),
        (422, Some("PEPPOL-T111-R001")),
        "{problem}"
    );
    let (status, ap) = respond(&p, id, json!({ "code": "AP" })).await;
    assert_eq!(status, 201, "{ap}");
    let (status, problem) = respond(&p, id, json!({ "code": "RE", "reason": "REF" })).await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["rule"], "OP-BR111-R005");
    assert_eq!(problem["allowed"], json!(["PD"]));
    let (status, pd) = respond(
        &p,
        id,
        json!({ "code": "PD", "reason": "PPD", "text": "first half" }),
    )
    .await;
    assert_eq!(status, 201, "{pd}");

    let xml = p.text(ap["href"].as_str().unwrap()).await;
    assert_schema_valid(&xml, RESPONSE_XSD, "tenant's Invoice Response AP");
    assert!(
        xml.contains("urn:fdc:peppol.eu:poacc:trns:invoice_response:3"),
        "{xml}"
    );
    assert!(xml.contains(">IN-0<"), "{xml}");
    assert_eq!(p.state(id).await, s("received", Some("PD")));
    let (status, problem) = respond(&p, "no-such", json!({ "code": "AB" })).await;
    assert_eq!(status, 404, "{problem}");
}

#[tokio::test]
async fn invoice_responses_go_from_buyer_to_seller_only() {
    let mut p = Peppol::start("").await;
    let id = p.send("INV-400").await;
    p.advance(20).await;
    let (status, problem) = respond(&p, &id, json!({ "code": "AB" })).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["rule"], "OP-BR111-R001");
}

/// The OP-BR111 order, written out independently of eisim's: rank in AB, IP, UQ, CA, RE, AP,
/// PD; never backwards; UQ may repeat; PD may repeat while the last one was partial;
/// nothing after RE or a full PD; after AP only PD.
fn model_allows(history: &[(usize, bool)], next: (usize, bool)) -> bool {
    const RE: usize = 4;
    const AP: usize = 5;
    const PD: usize = 6;
    const UQ: usize = 2;
    let Some(&(last, last_partial)) = history.last() else {
        return true;
    };
    if last == RE || (last == PD && !last_partial) {
        return false;
    }
    if last == AP {
        return next.0 == PD;
    }
    next.0 > last || (next.0 == UQ && last == UQ) || (next.0 == PD && last == PD && last_partial)
}

const CODES: [&str; 7] = ["AB", "IP", "UQ", "CA", "RE", "AP", "PD"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn the_tenant_may_send_exactly_the_responses_the_ordering_rules_allow(
        sequence in proptest::collection::vec((0usize..7, any::<bool>()), 0..7)
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let p = inbound(1).await;
            let id = inbound_ids(&p).await.remove(0);
            let mut history: Vec<(usize, bool)> = Vec::new();
            for (code, partial) in sequence {
                let partial = code == 6 && partial;
                let mut body = json!({ "code": CODES[code] });
                if matches!(code, 2..=4) {
                    body["reason"] = json!("REF");
                }
                if partial {
                    body["reason"] = json!("PPD");
                    body["text"] = json!("part payment");
                }
                let (status, answer) = respond(&p, &id, body).await;
                let allowed = model_allows(&history, (code, partial));
                assert_eq!(
                    status == 201,
                    allowed,
                    "after {history:?}, {} answered {status}: {answer}",
                    CODES[code]
                );
                if allowed {
                    history.push((code, partial));
                } else {
                    assert_eq!(status, 409, "{answer}");
                }
            }
        });
    }
}
