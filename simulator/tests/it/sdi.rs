//! SDI as an integrator meets it: files sent over SDICoop (`RiceviFile`, plain and MTOM) and
//! through the gateway, every branch of the PA and B2B lifecycles on a virtual clock, the
//! notifications SDI sends back to a wiremock `TrasmissioneFatture` service, inbound invoices
//! delivered to a wiremock `RicezioneFatture` service, and the administration's outcome
//! through `NotificaEsito`.

use std::time::Duration;

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::sdicoop;
use crate::{TestSim, hook_statuses};

const FPA12: &str = include_str!("../../../fixtures/sdi/FPA12-minimal.xml");
const FPR12: &str = include_str!("../../../fixtures/sdi/FPR12-minimal.xml");
const FPA12_NUMBER: &str = "<Numero>FT-2026/0043</Numero>";
const FPR12_NUMBER: &str = "<Numero>FT-2026/0042</Numero>";

/// 09:00 in Rome on the day the runs start.
const START: &str = "2026-11-02T08:00:00Z";

fn scenario(channel: &str) -> String {
    format!(
        r#"
name: sdi
clock: {{ mode: virtual, start: {START} }}
seed: 7
tenants:
  - id: acme
    credentials: [ {{ client_id: acme-client, client_secret: acme-secret }} ]
participants:
  - {{ id: "SDI:EISIM01", network: sdi, tenant: acme }}
  - {{ id: "SDI:ABC1234", network: sdi, name: Rossi Forniture S.r.l. }}
  - {{ id: "SDI:UFE3ZQ", network: sdi, name: Comune di Esempio }}
behaviours:
  - when: {{ network: sdi, invoice_number: "NS-*" }}
    then: [ {{ after: 2m, sdi: NS, errors: ["00311"] }} ]
  - when: {{ network: sdi, invoice_number: "EC01-*" }}
    then: [ {{ after: 5m, sdi: RC }}, {{ after: 3d, sdi: NE, errors: [EC01] }} ]
  - when: {{ network: sdi, invoice_number: "EC02-*" }}
    then: [ {{ after: 5m, sdi: RC }}, {{ after: 2d, sdi: NE, errors: [EC02] }} ]
  - when: {{ network: sdi, invoice_number: "LATE-*" }}
    then: [ {{ after: 5m, sdi: RC }}, {{ after: 16d, sdi: NE, errors: [EC01] }} ]
  - when: {{ network: sdi, invoice_number: "DT-*" }}
    then: [ {{ after: 5m, sdi: RC }} ]
  - when: {{ network: sdi, invoice_number: "MCRC-*" }}
    then: [ {{ after: 48h, sdi: MC }}, {{ after: 3d, sdi: RC }} ]
  - when: {{ network: sdi, invoice_number: "AT-*" }}
    then: [ {{ after: 48h, sdi: MC }} ]
  - when: {{ network: sdi, invoice_number: "B2B-RC-*" }}
    then: [ {{ after: 5m, sdi: RC }} ]
  - when: {{ network: sdi, invoice_number: "B2B-MC-*" }}
    then: [ {{ after: 1h, sdi: MC }} ]
sdi:
  channel: {channel}
"#
    )
}

fn pa(number: &str) -> Vec<u8> {
    FPA12
        .replace(FPA12_NUMBER, &format!("<Numero>{number}</Numero>"))
        .into_bytes()
}

fn b2b(number: &str) -> Vec<u8> {
    FPR12
        .replace(FPR12_NUMBER, &format!("<Numero>{number}</Numero>"))
        .into_bytes()
}

/// A wiremock SDICoop service answering every call 200 with an empty SOAP body.
async fn soap_service() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>"#,
            "text/xml; charset=utf-8",
        ))
        .mount(&server)
        .await;
    server
}

struct Sdi {
    t: TestSim,
}

/// What `RiceviFile` answered.
#[derive(Debug)]
struct Received {
    id: u64,
    errore: Option<String>,
}

impl Sdi {
    async fn start(channel: &str) -> Sdi {
        Sdi {
            t: TestSim::with_scenario(&scenario(channel)).await,
        }
    }

    async fn send(&self, name: &str, file: &[u8], mtom: bool) -> Received {
        let call = sdicoop::ricevi_file(name, file, mtom);
        let response = self
            .t
            .http
            .post(self.t.url("/ricevi_file"))
            .header("content-type", &call.content_type)
            .header("soapaction", call.soap_action_header())
            .body(call.body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = response.bytes().await.unwrap();
        let answer = sdicoop::read_ricevi_file_answer(content_type.as_deref(), &body).unwrap();
        Received {
            id: answer.identificativo_sdi,
            errore: answer.errore,
        }
    }

    async fn advance(&self, by: Duration) {
        self.t.sim.advance(by).unwrap();
        self.t.sim.sdi_settled().await;
    }

    async fn file(&self, id: u64) -> Value {
        let (status, body) = self.t.get_json(&format!("/_sim/sdi/files/{id}")).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// (type, file name, simulated time) of each message about file `id`.
    async fn messages(&self, id: u64) -> Vec<(String, String, String)> {
        self.file(id).await["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["message_type"].as_str().unwrap().to_owned(),
                    m["file_name"].as_str().unwrap().to_owned(),
                    m["at"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

fn at(offset: Duration) -> String {
    let start: jiff::Timestamp = START.parse().unwrap();
    (start + jiff::SignedDuration::try_from(offset).unwrap()).to_string()
}

const MIN: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn expect(list: &[(&str, &str, u64)]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|(kind, name, offset)| ((*kind).to_owned(), (*name).to_owned(), at(secs(*offset))))
        .collect()
}

/// The SOAP calls a wiremock service received: (SOAPAction, wrapper element, NomeFile).
async fn calls(server: &MockServer) -> Vec<(String, String, String)> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r: &Request| {
            let action = r
                .headers
                .get("soapaction")
                .map(|v| v.to_str().unwrap().trim_matches('"').to_owned())
                .unwrap_or_default();
            let content_type = r
                .headers
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned());
            let parsed = sdicoop::read_request(content_type.as_deref(), None, &r.body).unwrap();
            (
                action,
                parsed.operation.element.to_owned(),
                parsed.text("NomeFile").unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

const TF: &str = "http://www.fatturapa.it/TrasmissioneFatture/";

#[tokio::test]
async fn every_branch_of_the_pa_and_b2b_lifecycles_over_sdicoop() {
    let service = soap_service().await;
    let channel = format!(
        "{{ trasmissione_fatture: \"{}/TrasmissioneFatture\", mtom: false }}",
        service.uri()
    );
    let sdi = Sdi::start(&channel).await;
    let cases: [(&str, Vec<u8>); 8] = [
        ("IT01234567897_00001.xml", pa("NS-1")),
        ("IT01234567897_00002.xml", pa("EC01-1")),
        ("IT01234567897_00003.xml", pa("EC02-1")),
        ("IT01234567897_00004.xml", pa("DT-1")),
        ("IT01234567897_00005.xml", pa("MCRC-1")),
        ("IT01234567897_00006.xml", pa("AT-1")),
        ("IT01234567897_00007.xml", b2b("B2B-RC-1")),
        ("IT01234567897_00008.xml", b2b("B2B-MC-1")),
    ];
    let mut ids = Vec::new();
    for (name, file) in &cases {
        let received = sdi.send(name, file, false).await;
        assert_eq!(received.errore, None);
        ids.push(received.id);
    }
    // Consecutive identifiers, one per received file.
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");

    // Twenty days in small steps, so each answer is in before the next events fire.
    for _ in 0..(20 * 24) {
        sdi.advance(secs(HOUR)).await;
    }

    let f =
        |n: u32, tt: &str, c: u32, ext: &str| format!("IT01234567897_0000{n}_{tt}_{c:03}.{ext}");
    let ns = f(1, "NS", 1, "xml");
    assert_eq!(sdi.messages(ids[0]).await, expect(&[("NS", &ns, 2 * MIN)]));
    let (rc, ec, ne) = (
        f(2, "RC", 1, "xml"),
        f(2, "EC", 2, "xml"),
        f(2, "NE", 3, "xml"),
    );
    assert_eq!(
        sdi.messages(ids[1]).await,
        expect(&[
            ("RC", &rc, 5 * MIN),
            ("EC", &ec, 5 * MIN + 3 * DAY),
            ("NE", &ne, 5 * MIN + 3 * DAY)
        ])
    );
    let (rc3, ec3, ne3) = (
        f(3, "RC", 1, "xml"),
        f(3, "EC", 2, "xml"),
        f(3, "NE", 3, "xml"),
    );
    assert_eq!(
        sdi.messages(ids[2]).await,
        expect(&[
            ("RC", &rc3, 5 * MIN),
            ("EC", &ec3, 5 * MIN + 2 * DAY),
            ("NE", &ne3, 5 * MIN + 2 * DAY)
        ])
    );
    let (rc4, dt4) = (f(4, "RC", 1, "xml"), f(4, "DT", 2, "xml"));
    assert_eq!(
        sdi.messages(ids[3]).await,
        expect(&[("RC", &rc4, 5 * MIN), ("DT", &dt4, 5 * MIN + 15 * DAY)])
    );
    let (mc5, rc5, dt5) = (
        f(5, "MC", 1, "xml"),
        f(5, "RC", 2, "xml"),
        f(5, "DT", 3, "xml"),
    );
    assert_eq!(
        sdi.messages(ids[4]).await,
        expect(&[
            ("MC", &mc5, 48 * HOUR),
            ("RC", &rc5, 48 * HOUR + 3 * DAY),
            ("DT", &dt5, 48 * HOUR + 3 * DAY + 15 * DAY)
        ])
    );
    let (mc6, at6) = (f(6, "MC", 1, "xml"), f(6, "AT", 2, "zip"));
    assert_eq!(
        sdi.messages(ids[5]).await,
        expect(&[("MC", &mc6, 48 * HOUR), ("AT", &at6, 48 * HOUR + 10 * DAY)])
    );
    let rc7 = f(7, "RC", 1, "xml");
    assert_eq!(sdi.messages(ids[6]).await, expect(&[("RC", &rc7, 5 * MIN)]));
    let mc8 = f(8, "MC", 1, "xml");
    assert_eq!(sdi.messages(ids[7]).await, expect(&[("MC", &mc8, HOUR)]));

    // Every message SDI issued is valid against its family's official schema.
    for id in &ids {
        let file = sdi.file(*id).await;
        let schema = if file["family"] == "b2b" {
            "fatturapa/MessaggiFatturaTypes_v1.0.xsd"
        } else {
            "fatturapa/MessaggiTypes_v1.1.xsd"
        };
        for (kind, name, _) in sdi.messages(*id).await {
            if kind == "AT" {
                continue;
            }
            let xml = sdi
                .t
                .http
                .get(sdi.t.url(&format!("/_sim/sdi/files/{id}/messages/{name}")))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            crate::schemas::assert_schema_valid(&xml, schema, &name);
        }
    }

    let states: Vec<String> = futures_states(&sdi, &ids).await;
    assert_eq!(
        states,
        [
            "rejected",
            "accepted",
            "refused",
            "expired",
            "expired",
            "attested",
            "delivered",
            "reserved_area"
        ]
    );

    // Each notification reached TrasmissioneFatture through its own operation, in the order
    // SDI issued it, with the message's name; the EC (the administration's) did not.
    let received = calls(&service).await;
    let sent: Vec<(String, String, String)> = [
        ("NotificaScarto", "notificaScarto", ns.as_str()),
        ("RicevutaConsegna", "ricevutaConsegna", rc.as_str()),
        ("RicevutaConsegna", "ricevutaConsegna", rc3.as_str()),
        ("RicevutaConsegna", "ricevutaConsegna", rc4.as_str()),
        ("RicevutaConsegna", "ricevutaConsegna", rc7.as_str()),
        (
            "NotificaMancataConsegna",
            "notificaMancataConsegna",
            mc8.as_str(),
        ),
        (
            "NotificaMancataConsegna",
            "notificaMancataConsegna",
            mc5.as_str(),
        ),
        (
            "NotificaMancataConsegna",
            "notificaMancataConsegna",
            mc6.as_str(),
        ),
        ("NotificaEsito", "notificaEsito", ne3.as_str()),
        ("NotificaEsito", "notificaEsito", ne.as_str()),
        ("RicevutaConsegna", "ricevutaConsegna", rc5.as_str()),
        (
            "AttestazioneTrasmissioneFattura",
            "attestazioneTrasmissioneFattura",
            at6.as_str(),
        ),
        (
            "NotificaDecorrenzaTermini",
            "notificaDecorrenzaTermini",
            dt4.as_str(),
        ),
        (
            "NotificaDecorrenzaTermini",
            "notificaDecorrenzaTermini",
            dt5.as_str(),
        ),
    ]
    .iter()
    .map(|(op, element, name)| {
        (
            format!("{TF}{op}"),
            (*element).to_owned(),
            (*name).to_owned(),
        )
    })
    .collect();
    assert_eq!(received, sent);

    // The journal has every message and every call.
    let messages = sdi.t.journal("sdi_message").await;
    assert_eq!(messages.len(), 16);
    let verdicts: Vec<String> = sdi
        .t
        .journal("soap_call")
        .await
        .iter()
        .map(|e| e["verdict"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(verdicts, vec!["acknowledged"; 14]);
}

async fn futures_states(sdi: &Sdi, ids: &[u64]) -> Vec<String> {
    let mut states = Vec::new();
    for id in ids {
        states.push(sdi.file(*id).await["state"].as_str().unwrap().to_owned());
    }
    states
}

#[tokio::test]
async fn an_mtom_request_is_taken_like_a_plain_one_and_names_are_never_reused() {
    let sdi = Sdi::start("{}").await;
    let plain = sdi
        .send("IT01234567897_00101.xml", &pa("DT-9"), false)
        .await;
    let mtom = sdi
        .send("IT01234567897_00102.xml", &b2b("B2B-RC-9"), true)
        .await;
    assert_eq!(
        (plain.errore.as_deref(), mtom.errore.as_deref()),
        (None, None)
    );
    assert_eq!(mtom.id, plain.id + 1);
    sdi.advance(secs(10 * MIN)).await;
    let bytes = sdi.file(mtom.id).await;
    assert_eq!(bytes["state"], "delivered");
    assert_eq!(bytes["format"], "FPR12");

    // Refused (NS 00311), then sent again under the same name: 00002 however good the file.
    let refused = sdi
        .send("IT01234567897_00103.xml", &pa("NS-2"), false)
        .await;
    sdi.advance(secs(10 * MIN)).await;
    assert_eq!(sdi.file(refused.id).await["state"], "rejected");
    let again = sdi
        .send("IT01234567897_00103.xml", &pa("DT-10"), false)
        .await;
    sdi.advance(secs(10 * MIN)).await;
    let file = sdi.file(again.id).await;
    assert_eq!(file["state"], "rejected");
    let ns = &sdi.messages(again.id).await[0];
    let xml = sdi
        .t
        .http
        .get(
            sdi.t
                .url(&format!("/_sim/sdi/files/{}/messages/{}", again.id, ns.1)),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<Codice>00002</Codice>"), "{xml}");
    assert!(!xml.contains("00311"), "{xml}");
    // Under a new name within the rules it is accepted.
    let renamed = sdi
        .send("IT01234567897_00104.xml", &pa("DT-10"), false)
        .await;
    sdi.advance(secs(10 * MIN)).await;
    assert_eq!(sdi.file(renamed.id).await["state"], "delivered");

    // The same invoice (supplier, number, year) in a new file: 00404 while the first stands.
    let duplicate = sdi
        .send("IT01234567897_00105.xml", &pa("DT-10"), false)
        .await;
    sdi.advance(secs(10 * MIN)).await;
    let ns = &sdi.messages(duplicate.id).await[0];
    assert_eq!(ns.0, "NS");
    let xml = sdi
        .t
        .http
        .get(sdi.t.url(&format!(
            "/_sim/sdi/files/{}/messages/{}",
            duplicate.id, ns.1
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<Codice>00404</Codice>"), "{xml}");

    // An empty file is EI01; nothing is received.
    let empty = sdi.send("IT01234567897_00106.xml", b"", false).await;
    assert_eq!((empty.id, empty.errore.as_deref()), (0, Some("EI01")));
}

#[tokio::test]
async fn an_sdi_outage_answers_ei02_and_no_channel_answers_ei03() {
    let yaml = scenario("{}").replace(
        "sdi:\n",
        "faults:\n  - { outage: sdi, from: 0s, for: 1h }\nsdi:\n",
    );
    let t = TestSim::with_scenario(&yaml).await;
    let sdi = Sdi { t };
    let answer = sdi
        .send("IT01234567897_00201.xml", &pa("DT-1"), false)
        .await;
    assert_eq!(answer.errore.as_deref(), Some("EI02"));
    sdi.advance(secs(2 * HOUR)).await;
    let answer = sdi
        .send("IT01234567897_00201.xml", &pa("DT-1"), false)
        .await;
    assert_eq!(answer.errore, None);

    let lonely = scenario("{}").replace("tenant: acme }", "}");
    let sdi = Sdi {
        t: TestSim::with_scenario(&lonely).await,
    };
    let answer = sdi
        .send("IT01234567897_00202.xml", &pa("DT-1"), false)
        .await;
    assert_eq!(answer.errore.as_deref(), Some("EI03"));
}

#[tokio::test]
async fn gateway_documents_live_the_same_lifecycle_with_states_webhooks_and_downloads() {
    let sdi = Sdi::start("{}").await;
    let t = &sdi.t;
    let hooks = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&hooks)
        .await;
    let token = t.token("acme-client", "acme-secret").await;
    let response = t
        .http
        .post(t.url("/api/v1/webhooks"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "url": format!("{}/hooks", hooks.uri()), "events": ["invoice.status_updated"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());

    let submit = |number: &str, name: &str, token: &str| {
        t.http
            .post(t.url(&format!("/api/v1/invoices?file_name={name}")))
            .bearer_auth(token)
            .header("content-type", "application/xml")
            .body(pa(number))
    };
    let doc: Value = submit("EC02-7", "IT01234567897_00301.xml", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = doc["id"].as_str().unwrap().to_owned();
    let taken = t.journal("document_taken").await;
    assert_eq!(
        (
            &taken[0]["document"],
            &taken[0]["channel"],
            &taken[0]["file_name"],
            &taken[0]["recipient"],
        ),
        (
            &Value::from(id.clone()),
            &Value::from("gateway"),
            &Value::from("IT01234567897_00301.xml"),
            &doc["recipient"],
        )
    );
    assert_eq!(taken[0]["content_sha256"], crate::sha256_hex(&pa("EC02-7")));

    let mut seen = Vec::new();
    for step in [secs(1), secs(2 * MIN), secs(3 * MIN), secs(2 * DAY)] {
        sdi.advance(step).await;
        // Tokens live an hour of simulated time; days pass here.
        let token = token_of(t).await;
        let (status, body) = t_get(t, &token, &format!("/api/v1/invoices/{id}")).await;
        assert_eq!(status, 200);
        seen.push((
            body["state"].as_str().unwrap().to_owned(),
            body["network_detail"]["status"].as_str().map(str::to_owned),
        ));
    }
    assert_eq!(
        seen,
        [
            ("sent".to_owned(), None),
            ("accepted".to_owned(), None),
            ("delivered".to_owned(), Some("RC".to_owned())),
            ("refused".to_owned(), Some("NE".to_owned())),
        ]
    );
    let token = token_of(t).await;
    let (_, body) = t_get(t, &token, &format!("/api/v1/invoices/{id}")).await;
    assert_eq!(
        body["network_detail"]["errors"],
        serde_json::json!(["EC02"])
    );

    // Notifications download from the gateway, as SDI issued them.
    let (status, list) = t_get(t, &token, &format!("/api/v1/invoices/{id}/notifications")).await;
    assert_eq!(status, 200);
    let types: Vec<&str> = list["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["RC", "EC", "NE"]);
    let href = list["notifications"][2]["href"].as_str().unwrap();
    let ne = t
        .http
        .get(t.url(href))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(ne.headers()["content-type"], "application/xml");
    let ne = ne.text().await.unwrap();
    assert!(ne.contains("<Esito>EC02</Esito>"), "{ne}");
    assert!(ne.contains("ds:SignatureValue"), "{ne}");

    // The refusal frees the invoice: the same number may be sent again (00404 lifted).
    let again = submit("EC02-7", "IT01234567897_00302.xml", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 201, "{}", again.text().await.unwrap());

    // The webhooks followed the same steps.
    let mut statuses = Vec::new();
    for _ in 0..200 {
        statuses = hook_statuses(&hooks).await;
        if statuses.len() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        statuses[..5],
        [
            ("received".to_owned(), None),
            ("sent".to_owned(), None),
            ("accepted".to_owned(), None),
            ("delivered".to_owned(), Some("RC".to_owned())),
            ("refused".to_owned(), Some("NE".to_owned())),
        ]
    );
}

async fn token_of(t: &TestSim) -> String {
    t.token("acme-client", "acme-secret").await
}

async fn t_get(t: &TestSim, token: &str, path: &str) -> (u16, Value) {
    let response = t
        .http
        .get(t.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A scenario with inbound invoices, their bytes filled in as `load_file` would.
async fn inbound_sim(ricezione: &str) -> TestSim {
    let yaml = scenario(&format!(
        "{{ ricezione_fatture: \"{ricezione}\", mtom: true }}\n  inbound:\n    - {{ at: 10m, file: invoices/IT09876543217_00001.xml }}\n    - {{ at: 10m, file: invoices/IT09876543217_00002.xml }}"
    ));
    let mut scenario = eisim::scenario::parse(&yaml, "test.yaml").unwrap();
    scenario.sdi.inbound[0].bytes = Some(pa("IN-1").into());
    scenario.sdi.inbound[1].bytes = Some(pa("IN-2").into());
    TestSim::start(eisim::SimulatorConfig::new().scenario(scenario, "test.yaml")).await
}

fn esito_committente(id: u64, number: &str, esito: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<types:NotificaEsitoCommittente xmlns:types="http://www.fatturapa.gov.it/sdi/messaggi/v1.0" versione="1.0">
  <IdentificativoSdI>{id}</IdentificativoSdI>
  <RiferimentoFattura><NumeroFattura>{number}</NumeroFattura><AnnoFattura>2026</AnnoFattura></RiferimentoFattura>
  <Esito>{esito}</Esito>
  <MessageIdCommittente>4711</MessageIdCommittente>
</types:NotificaEsitoCommittente>"#
    )
    .into_bytes()
}

/// Sends an EC through `SdIRiceviNotifica.NotificaEsito`: (ES code, SE name and XML).
async fn notifica_esito(
    t: &TestSim,
    id: u64,
    name: &str,
    ec: &[u8],
) -> (String, Option<(String, String)>) {
    let call = sdicoop::notifica_esito(id, name, ec, false);
    let response = t
        .http
        .post(t.url("/ricevi_notifica"))
        .header("content-type", &call.content_type)
        .header("soapaction", call.soap_action_header())
        .body(call.body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.bytes().await.unwrap();
    let answer = sdicoop::read_notifica_esito_answer(content_type.as_deref(), &body).unwrap();
    (
        answer.esito,
        answer
            .scarto
            .map(|(name, xml)| (name, String::from_utf8(xml).unwrap())),
    )
}

#[tokio::test]
async fn inbound_invoices_reach_ricezione_fatture_and_the_administration_answers() {
    let service = MockServer::start().await;
    let er01 = sdicoop::risposta_ricevi_fatture(false);
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(er01.body, &er01.content_type))
        .mount(&service)
        .await;
    let t = inbound_sim(&format!("{}/RicezioneFatture", service.uri())).await;
    let sdi = Sdi { t };
    sdi.advance(secs(10 * MIN)).await;

    // Both invoices went out with their metadata, as MTOM, to RiceviFatture.
    let requests = service.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let mut ids = Vec::new();
    for request in &requests {
        assert_eq!(
            request.headers["soapaction"],
            "\"http://www.fatturapa.it/RicezioneFatture/RiceviFattureSdI\""
        );
        let content_type = request.headers["content-type"].to_str().unwrap();
        assert!(
            content_type.starts_with("multipart/related"),
            "{content_type}"
        );
        let parsed = sdicoop::read_request(Some(content_type), None, &request.body).unwrap();
        let id = parsed.identificativo_sdi().unwrap();
        let metadata = String::from_utf8(parsed.bytes("Metadati").unwrap().to_vec()).unwrap();
        assert!(metadata.contains("<Formato>FPA12</Formato>"), "{metadata}");
        assert!(
            metadata.contains("<TentativiInvio>1</TentativiInvio>"),
            "{metadata}"
        );
        assert!(
            parsed
                .text("NomeFileMetadati")
                .unwrap()
                .ends_with("_MT_001.xml"),
            "{:?}",
            parsed.text("NomeFileMetadati")
        );
        assert_eq!(
            parsed.bytes("File").unwrap(),
            pa(if ids.is_empty() { "IN-1" } else { "IN-2" })
        );
        ids.push(id);
    }
    for id in &ids {
        assert_eq!(sdi.file(*id).await["state"], "delivered");
    }

    // The integrator's gateway shows them as incoming invoices.
    let token = sdi.t.token("acme-client", "acme-secret").await;
    let (_, list) = t_get(&sdi.t, &token, "/api/v1/invoices?direction=inbound").await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2), "{list}");
    let taken: Vec<(Value, Value, Value, Value)> = sdi
        .t
        .journal("document_taken")
        .await
        .iter()
        .map(|e| {
            (
                e["channel"].clone(),
                e["direction"].clone(),
                e["file_name"].clone(),
                e["content_sha256"].clone(),
            )
        })
        .collect();
    let inbound = |name: &str, number: &str| {
        (
            Value::from("network"),
            Value::from("inbound"),
            Value::from(name),
            Value::from(crate::sha256_hex(&pa(number))),
        )
    };
    assert_eq!(
        taken,
        [
            inbound("IT09876543217_00001.xml", "IN-1"),
            inbound("IT09876543217_00002.xml", "IN-2"),
        ]
    );

    // EC01 on the first: ES01, and the transmitter gets its NE.
    let (esito, scarto) = notifica_esito(
        &sdi.t,
        ids[0],
        "IT01234567897_00001_EC_001.xml",
        &esito_committente(ids[0], "IN-1", "EC01"),
    )
    .await;
    assert_eq!((esito.as_str(), scarto), ("ES01", None));
    let kinds: Vec<String> = sdi
        .messages(ids[0])
        .await
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(kinds, ["MT", "RC", "EC", "NE"]);
    // A second outcome for the same invoice is not admissible: ES00 with SE EN01.
    let (esito, scarto) = notifica_esito(
        &sdi.t,
        ids[0],
        "IT01234567897_00001_EC_002.xml",
        &esito_committente(ids[0], "IN-1", "EC02"),
    )
    .await;
    assert_eq!(esito, "ES00");
    let (se_name, se) = scarto.unwrap();
    assert!(se_name.contains("_SE_"), "{se_name}");
    assert!(se.contains("<Scarto>EN01</Scarto>"), "{se}");
    // A malformed one: EN00.
    let (esito, scarto) = notifica_esito(
        &sdi.t,
        ids[1],
        "IT01234567897_00002_EC_001.xml",
        b"<Esito>EC01</Esito>",
    )
    .await;
    assert_eq!(esito, "ES00");
    assert!(scarto.unwrap().1.contains("<Scarto>EN00</Scarto>"));

    // No outcome on the second within 15 days: DT, to RicezioneFatture as well.
    for _ in 0..16 {
        sdi.advance(secs(DAY)).await;
    }
    assert_eq!(sdi.file(ids[1]).await["state"], "expired");
    let requests = service.received_requests().await.unwrap();
    let last = requests.last().unwrap();
    assert_eq!(
        last.headers["soapaction"],
        "\"http://www.fatturapa.it/RicezioneFatture/NotificaDecorrenzaTermini\""
    );
    // After DT an outcome is too late: EN01.
    let (esito, scarto) = notifica_esito(
        &sdi.t,
        ids[1],
        "IT01234567897_00002_EC_002.xml",
        &esito_committente(ids[1], "IN-2", "EC01"),
    )
    .await;
    assert_eq!(esito, "ES00");
    assert!(scarto.unwrap().1.contains("<Scarto>EN01</Scarto>"));
}

#[tokio::test]
async fn a_late_outcome_from_the_administration_is_refused_with_se_after_dt() {
    let sdi = Sdi::start("{}").await;
    let late = sdi
        .send("IT01234567897_00401.xml", &pa("LATE-1"), false)
        .await;
    sdi.advance(secs(17 * DAY)).await;
    let name = |tt: &str, c: u32| format!("IT01234567897_00401_{tt}_{c:03}.xml");
    // RC, DT after 15 days, then the administration's EC a day late: SE (EN01) to it, no NE.
    assert_eq!(
        sdi.messages(late.id).await,
        expect(&[
            ("RC", &name("RC", 1), 5 * MIN),
            ("DT", &name("DT", 2), 5 * MIN + 15 * DAY),
            ("EC", &name("EC", 3), 5 * MIN + 16 * DAY),
            ("SE", &name("SE", 4), 5 * MIN + 16 * DAY),
        ])
    );
    let file = sdi.file(late.id).await;
    assert_eq!(file["state"], "expired");
    assert_eq!(file["messages"][3]["to"], "recipient");
}

#[tokio::test]
async fn the_channel_can_be_registered_and_notifica_esito_says_es02_in_an_outage() {
    let yaml = scenario("{}").replace(
        "sdi:\n",
        "faults:\n  - { outage: sdi, from: 1h, for: 1h }\nsdi:\n",
    );
    let t = TestSim::with_scenario(&yaml).await;
    let response = t
        .http
        .put(t.url("/_sim/sdi/channel"))
        .json(
            &serde_json::json!({ "trasmissione_fatture": "http://127.0.0.1:1/TF", "mtom": false }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (_, channel) = t.get_json("/_sim/sdi/channel").await;
    assert_eq!(channel["tenant"], "acme");
    assert_eq!(channel["trasmissione_fatture"], "http://127.0.0.1:1/TF");
    assert_eq!(channel["mtom"], false);
    let refused = t
        .http
        .put(t.url("/_sim/sdi/channel"))
        .json(&serde_json::json!({ "trasmissione_fatture": "ftp://x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);

    let sdi = Sdi { t };
    let sent = sdi
        .send("IT01234567897_00501.xml", &pa("DT-5"), false)
        .await;
    // The registered service is down: its RC is journaled as unreachable.
    sdi.advance(secs(10 * MIN)).await;
    let calls = sdi.t.journal("soap_call").await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["verdict"], "unreachable");
    assert_eq!(calls[0]["operation"], "RicevutaConsegna");

    sdi.advance(secs(HOUR)).await;
    let (esito, scarto) = notifica_esito(
        &sdi.t,
        sent.id,
        "IT01234567897_00501_EC_001.xml",
        &esito_committente(sent.id, "DT-5", "EC01"),
    )
    .await;
    assert_eq!((esito.as_str(), scarto), ("ES02", None));
}
