//! Hostile input (issue 9, scope 5): entity expansion, external entities, DOCTYPEs, 100 MB
//! bodies, 10,000-deep nesting, invalid UTF-8, truncated MTOM, slow headers and 2,000
//! connections at once, against the gateway, SDICoop's `RiceviFile` and the scenario loader.
//!
//! Each case checks the same three things: eisim answers a clear error naming the problem (or
//! closes the connection), it goes on serving, and the journal loses nothing (its sequence
//! numbers run without a gap, and an answered hostile request is in it).

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::TestSim;
use crate::gateway_invoices::{Client, SCENARIO, invoice};
use crate::ksef;
use crate::sdicoop;

/// Short, so the slow-client case ends quickly; no assertion depends on it.
const HEADER_READ_TIMEOUT: Duration = Duration::from_millis(200);

/// A generous bound for "the server closed it": far above the timeout, so never flaky.
const CLOSED_WITHIN: Duration = Duration::from_secs(30);

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol9;</lolz>"#;

const EXTERNAL_ENTITY: &str = r#"<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<foo>&xxe;</foo>"#;

const BARE_DOCTYPE: &str = r#"<?xml version="1.0"?>
<!DOCTYPE Faktura>
<Faktura/>"#;

fn deep_xml(depth: usize) -> String {
    format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth))
}

/// A document that is XML apart from one byte that is not UTF-8.
fn invalid_utf8_xml() -> Vec<u8> {
    let mut bytes = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Faktura><P_2>".to_vec();
    bytes.extend_from_slice(&[0xC3, 0x28, 0xFF]);
    bytes.extend_from_slice(b"</P_2></Faktura>");
    bytes
}

/// The gateway's scenario without its 64 KB body limit, which a 10,000-deep document exceeds.
fn scenario() -> eisim::scenario::Scenario {
    let yaml = SCENARIO.replace("  max_body: 64KB\n", "");
    assert_ne!(yaml, SCENARIO);
    eisim::scenario::parse(&yaml, "hostile.yaml").unwrap()
}

/// The gateway scenario, served with a short header read timeout and probed with a client that
/// keeps no idle connections (the server closes them after the timeout).
async fn start() -> TestSim {
    let scenario = scenario();
    let config = eisim::SimulatorConfig::new()
        .scenario(scenario, "hostile.yaml")
        .header_read_timeout(HEADER_READ_TIMEOUT);
    fresh_client(TestSim::start(config).await)
}

fn fresh_client(t: TestSim) -> TestSim {
    TestSim {
        sim: t.sim,
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap(),
    }
}

/// An answered request: status, content type and body.
struct Answer {
    status: StatusCode,
    content_type: String,
    text: String,
}

impl Answer {
    async fn of(response: reqwest::Response) -> Answer {
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let text = response.text().await.unwrap();
        Answer {
            status,
            content_type,
            text,
        }
    }

    /// A problem+json answer with this status and `type`, whose detail says `names`.
    fn problem(&self, status: StatusCode, slug: &str, names: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{}",
            self.text
        );
        let body: Value = serde_json::from_str(&self.text).unwrap();
        assert_eq!(body["type"], format!("urn:eisim:problem:{slug}"), "{body}");
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.to_lowercase().contains(&names.to_lowercase()),
            "detail should name {names:?}: {body}"
        );
    }

    /// A SOAP fault (HTTP 500) whose faultstring says `names`.
    fn soap_fault(&self, names: &str) {
        assert_eq!(
            self.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{}",
            self.text
        );
        assert!(self.text.contains("Fault"), "{}", self.text);
        assert!(
            self.text.to_lowercase().contains(&names.to_lowercase()),
            "the fault should name {names:?}: {}",
            self.text
        );
    }
}

async fn gateway_xml(t: &TestSim, acme: &Client<'_>, body: Vec<u8>) -> Answer {
    let response = t
        .http
        .post(t.url("/api/v1/invoices"))
        .bearer_auth(&acme.token)
        .header("content-type", "application/xml")
        .body(body)
        .send()
        .await
        .unwrap();
    Answer::of(response).await
}

async fn gateway_envelope(t: &TestSim, acme: &Client<'_>, document: &[u8]) -> Answer {
    let envelope = json!({"document": STANDARD.encode(document)});
    gateway_json(t, acme, serde_json::to_vec(&envelope).unwrap()).await
}

async fn gateway_json(t: &TestSim, acme: &Client<'_>, body: Vec<u8>) -> Answer {
    let response = t
        .http
        .post(t.url("/api/v1/invoices"))
        .bearer_auth(&acme.token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    Answer::of(response).await
}

/// A `RiceviFile` call with this content type and body, however broken.
async fn ricevi_file_raw(t: &TestSim, content_type: &str, body: Vec<u8>) -> Answer {
    let response = t
        .http
        .post(t.url("/ricevi_file"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    Answer::of(response).await
}

async fn ricevi_file_xml(t: &TestSim, envelope: Vec<u8>) -> Answer {
    ricevi_file_raw(t, "text/xml; charset=utf-8", envelope).await
}

/// A real `RiceviFile` envelope with `prolog` (a DOCTYPE, say) put in front of it and
/// `inside` put into its body.
fn soap_envelope(prolog: &str, inside: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>{prolog}<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>{inside}</soapenv:Body></soapenv:Envelope>"#
    )
    .into_bytes()
}

fn doctype_of(document: &str) -> &str {
    let start = document.find("<!DOCTYPE").unwrap();
    let end = document.find("]>").map_or_else(
        || start + document[start..].find('>').unwrap() + 1,
        |e| e + 2,
    );
    &document[start..end]
}

async fn load_scenario(t: &TestSim, body: Vec<u8>) -> Answer {
    let response = t
        .http
        .post(t.url("/_sim/scenario"))
        .header("content-type", "application/yaml")
        .body(body)
        .send()
        .await
        .unwrap();
    Answer::of(response).await
}

/// eisim still serves: its health, and a valid invoice through the gateway.
async fn still_serves(t: &TestSim, number: &str) {
    let response = t.http.get(t.url("/_sim/health")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let acme = Client::acme(t).await;
    let answer = gateway_xml(t, &acme, invoice(number).into_bytes()).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
}

/// Every journal entry, checked for gaps; returns the HTTP ones as (path, status).
async fn journal_without_gaps(t: &TestSim) -> Vec<(String, u16)> {
    let entries = t.journal_all().await;
    let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
    assert_eq!(
        seqs, expected,
        "journal sequence numbers must run without a gap"
    );
    entries
        .iter()
        .filter(|e| e["kind"] == "http")
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_owned(),
                u16::try_from(e["status"].as_u64().unwrap()).unwrap(),
            )
        })
        .collect()
}

/// The journal is gapless and holds each answered request as (path, status).
async fn journaled(t: &TestSim, answered: &[(&str, StatusCode)]) {
    let http = journal_without_gaps(t).await;
    for (path, status) in answered {
        let count = http
            .iter()
            .filter(|(p, s)| p == path && *s == status.as_u16())
            .count();
        let wanted = answered
            .iter()
            .filter(|(p, s)| p == path && s == status)
            .count();
        assert!(
            count >= wanted,
            "{wanted} × {path} {status} should be journaled, found {count}: {http:?}"
        );
    }
}

const INVOICES: &str = "/api/v1/invoices";
const RICEVI_FILE: &str = "/ricevi_file";
const SCENARIO_PATH: &str = "/_sim/scenario";

// (1) ---------------------------------------------------------------------------------------

#[tokio::test]
async fn entity_expansion_is_refused_everywhere() {
    let t = start().await;
    let acme = Client::acme(&t).await;
    let hostile = BILLION_LAUGHS.as_bytes().to_vec();
    gateway_xml(&t, &acme, hostile.clone()).await.problem(
        StatusCode::BAD_REQUEST,
        "hostile-xml",
        "DOCTYPE",
    );
    gateway_envelope(&t, &acme, &hostile).await.problem(
        StatusCode::BAD_REQUEST,
        "hostile-xml",
        "DOCTYPE",
    );
    ricevi_file_xml(&t, soap_envelope(doctype_of(BILLION_LAUGHS), "&lol9;"))
        .await
        .soap_fault("DOCTYPE");
    // YAML's own billion laughs: anchors and aliases nine levels deep, under `steps`.
    let mut yaml = String::from(
        "name: laughs\nsteps:\n  - &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for level in 1..10 {
        let prev = format!("*a{}", level - 1);
        let list = [prev.as_str(); 10].join(", ");
        yaml.push_str(&format!("  - &a{level} [{list}]\n"));
    }
    // Refused at the first entry, a list where a step belongs, so no alias is ever replayed
    // (and serde-saphyr's alias budget would stop the replay if one were).
    load_scenario(&t, yaml.into_bytes()).await.problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-scenario",
        "expected a step",
    );

    still_serves(&t, "H-1").await;
    journaled(
        &t,
        &[
            (INVOICES, StatusCode::BAD_REQUEST),
            (INVOICES, StatusCode::BAD_REQUEST),
            (RICEVI_FILE, StatusCode::INTERNAL_SERVER_ERROR),
            (SCENARIO_PATH, StatusCode::UNPROCESSABLE_ENTITY),
            (INVOICES, StatusCode::CREATED),
        ],
    )
    .await;
}

// (2) ---------------------------------------------------------------------------------------

#[tokio::test]
async fn external_entities_are_never_read() {
    let t = start().await;
    let acme = Client::acme(&t).await;
    let hostile = EXTERNAL_ENTITY.as_bytes().to_vec();
    for answer in [
        gateway_xml(&t, &acme, hostile.clone()).await,
        gateway_envelope(&t, &acme, &hostile).await,
    ] {
        answer.problem(StatusCode::BAD_REQUEST, "hostile-xml", "DOCTYPE");
        assert!(!answer.text.contains("root:"), "{}", answer.text);
    }
    let answer = ricevi_file_xml(&t, soap_envelope(doctype_of(EXTERNAL_ENTITY), "&xxe;")).await;
    answer.soap_fault("DOCTYPE");
    assert!(!answer.text.contains("root:"), "{}", answer.text);
    // Without a DOCTYPE, an undeclared entity is refused by name.
    ricevi_file_xml(&t, soap_envelope("", "&xxe;"))
        .await
        .soap_fault("xxe");

    still_serves(&t, "H-2").await;
    journaled(
        &t,
        &[
            (INVOICES, StatusCode::BAD_REQUEST),
            (INVOICES, StatusCode::BAD_REQUEST),
            (RICEVI_FILE, StatusCode::INTERNAL_SERVER_ERROR),
            (RICEVI_FILE, StatusCode::INTERNAL_SERVER_ERROR),
            (INVOICES, StatusCode::CREATED),
        ],
    )
    .await;
}

// (3) ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_bare_doctype_is_refused() {
    let t = start().await;
    let acme = Client::acme(&t).await;
    let hostile = BARE_DOCTYPE.as_bytes().to_vec();
    gateway_xml(&t, &acme, hostile.clone()).await.problem(
        StatusCode::BAD_REQUEST,
        "hostile-xml",
        "DOCTYPE",
    );
    gateway_envelope(&t, &acme, &hostile).await.problem(
        StatusCode::BAD_REQUEST,
        "hostile-xml",
        "DOCTYPE",
    );
    ricevi_file_xml(&t, soap_envelope("<!DOCTYPE soapenv:Envelope>", ""))
        .await
        .soap_fault("DOCTYPE");

    still_serves(&t, "H-3").await;
    journaled(
        &t,
        &[
            (INVOICES, StatusCode::BAD_REQUEST),
            (INVOICES, StatusCode::BAD_REQUEST),
            (RICEVI_FILE, StatusCode::INTERNAL_SERVER_ERROR),
            (INVOICES, StatusCode::CREATED),
        ],
    )
    .await;
}

// (4) ---------------------------------------------------------------------------------------

/// What a raw client saw after offering a body of `declared` bytes: the status line if one
/// came back, and how many bytes it managed to write before the server stopped reading.
struct Offered {
    status_line: Option<String>,
    written: u64,
}

/// Sends `head` then streams zeros (up to `total` bytes) while reading the answer, as a client
/// that does not wait for `100 Continue` would.
async fn offer(t: &TestSim, head: String, total: u64, chunked: bool) -> Offered {
    let stream = TcpStream::connect(t.sim.address()).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let writer = tokio::spawn(async move {
        let mut written = 0u64;
        if write.write_all(head.as_bytes()).await.is_err() {
            return written;
        }
        let chunk = vec![b'0'; 64 * 1024];
        while written < total {
            let result = if chunked {
                let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                framed.extend_from_slice(&chunk);
                framed.extend_from_slice(b"\r\n");
                write.write_all(&framed).await
            } else {
                write.write_all(&chunk).await
            };
            if result.is_err() {
                break;
            }
            written += chunk.len() as u64;
        }
        written
    });
    let mut answer = Vec::new();
    let read_all = tokio::time::timeout(CLOSED_WITHIN, async {
        let mut buffer = [0u8; 4096];
        loop {
            match read.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    assert!(read_all.is_ok(), "the server neither answered nor closed");
    drop(read);
    let written = tokio::time::timeout(CLOSED_WITHIN, writer)
        .await
        .expect("the writer is stuck although the server closed")
        .unwrap();
    let text = String::from_utf8_lossy(&answer);
    Offered {
        status_line: text.lines().next().map(str::to_owned),
        written,
    }
}

#[tokio::test]
async fn a_100_mb_body_is_refused_without_being_read() {
    let t = start().await;
    let acme = Client::acme(&t).await;
    const HUNDRED_MB: u64 = 100 * 1024 * 1024;
    for chunked in [false, true] {
        let length = if chunked {
            "transfer-encoding: chunked".to_owned()
        } else {
            format!("content-length: {HUNDRED_MB}")
        };
        let head = format!(
            "POST {INVOICES} HTTP/1.1\r\nhost: eisim\r\nauthorization: Bearer {}\r\n\
             content-type: application/xml\r\n{length}\r\n\r\n",
            acme.token
        );
        let offered = offer(&t, head, HUNDRED_MB, chunked).await;
        // The answer may be lost if the server resets the socket while the client still
        // writes; closing is allowed. When it does come, it is 413.
        if let Some(line) = &offered.status_line {
            assert!(line.contains(" 413 "), "chunked={chunked}: {line}");
        }
        assert!(
            offered.written < HUNDRED_MB,
            "chunked={chunked}: the server read all 100 MB"
        );
    }

    still_serves(&t, "H-4").await;
    let http = journal_without_gaps(&t).await;
    let refused = http
        .iter()
        .filter(|(p, s)| p == INVOICES && *s == 413)
        .count();
    assert_eq!(refused, 2, "both refusals are journaled: {http:?}");
}

// (5) ---------------------------------------------------------------------------------------

#[tokio::test]
async fn ten_thousand_deep_nesting_is_refused_without_overflow() {
    let t = start().await;
    let acme = Client::acme(&t).await;
    let deep = deep_xml(10_000).into_bytes();
    gateway_xml(&t, &acme, deep.clone()).await.problem(
        StatusCode::BAD_REQUEST,
        "hostile-xml",
        "nested",
    );
    gateway_envelope(&t, &acme, &deep).await.problem(
        StatusCode::BAD_REQUEST,
        "hostile-xml",
        "nested",
    );
    ricevi_file_xml(&t, soap_envelope("", &deep_xml(10_000)))
        .await
        .soap_fault("deeper");
    // JSON and YAML nesting: the parsers' own recursion limits.
    let deep_json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    gateway_json(&t, &acme, deep_json.into_bytes())
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid-envelope", "JSON envelope");
    let deep_yaml = format!(
        "name: deep\nsteps: {}{}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    load_scenario(&t, deep_yaml.into_bytes()).await.problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-scenario",
        "recursion limit",
    );

    still_serves(&t, "H-5").await;
    journaled(
        &t,
        &[
            (INVOICES, StatusCode::BAD_REQUEST),
            (INVOICES, StatusCode::BAD_REQUEST),
            (INVOICES, StatusCode::BAD_REQUEST),
            (RICEVI_FILE, StatusCode::INTERNAL_SERVER_ERROR),
            (SCENARIO_PATH, StatusCode::UNPROCESSABLE_ENTITY),
            (INVOICES, StatusCode::CREATED),
        ],
    )
    .await;
}

// (6) ---------------------------------------------------------------------------------------

#[tokio::test]
async fn invalid_utf8_is_refused_in_xml_json_soap_and_yaml() {
    let t = start().await;
    let acme = Client::acme(&t).await;
    gateway_xml(&t, &acme, invalid_utf8_xml()).await.problem(
        StatusCode::BAD_REQUEST,
        "document-unreadable",
        "UTF-8",
    );
    gateway_envelope(&t, &acme, &invalid_utf8_xml())
        .await
        .problem(StatusCode::BAD_REQUEST, "document-unreadable", "UTF-8");
    let mut json = br#"{"document": ""#.to_vec();
    json.extend_from_slice(&[0xC3, 0x28, 0xFF]);
    json.extend_from_slice(br#""}"#);
    gateway_json(&t, &acme, json).await.problem(
        StatusCode::BAD_REQUEST,
        "invalid-envelope",
        "unicode",
    );
    let mut envelope = soap_envelope("", "");
    envelope.splice(60..60, [0xC3, 0x28, 0xFF]);
    ricevi_file_xml(&t, envelope).await.soap_fault("UTF-8");
    let mut yaml = b"name: ".to_vec();
    yaml.extend_from_slice(&[0xC3, 0x28, 0xFF]);
    load_scenario(&t, yaml)
        .await
        .problem(StatusCode::BAD_REQUEST, "bad-request", "UTF-8");

    still_serves(&t, "H-6").await;
    journaled(
        &t,
        &[
            (INVOICES, StatusCode::BAD_REQUEST),
            (INVOICES, StatusCode::BAD_REQUEST),
            (INVOICES, StatusCode::BAD_REQUEST),
            (RICEVI_FILE, StatusCode::INTERNAL_SERVER_ERROR),
            (SCENARIO_PATH, StatusCode::BAD_REQUEST),
            (INVOICES, StatusCode::CREATED),
        ],
    )
    .await;
}

// (7) ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_truncated_mtom_package_is_a_soap_fault() {
    let t = start().await;
    let file = invoice("H-7-MTOM").into_bytes();
    let call = sdicoop::ricevi_file("IT01234567897_00001.xml", &file, true);
    assert!(call.content_type.starts_with("multipart/related"));
    // Cut in the middle of the package, inside its closing delimiter, and in the first
    // part's headers.
    let body = call.body.to_vec();
    for cut in [body.len() / 2, body.len() - 8, 10] {
        ricevi_file_raw(&t, &call.content_type, body[..cut].to_vec())
            .await
            .soap_fault("MIME");
    }

    still_serves(&t, "H-7").await;
    journaled(
        &t,
        &[
            (RICEVI_FILE, StatusCode::INTERNAL_SERVER_ERROR),
            (RICEVI_FILE, StatusCode::INTERNAL_SERVER_ERROR),
            (RICEVI_FILE, StatusCode::INTERNAL_SERVER_ERROR),
            (INVOICES, StatusCode::CREATED),
        ],
    )
    .await;
}

// (1), (2), (3), (5), (6) in KSeF ------------------------------------------------------------

/// KSeF takes an online-session invoice before it reads it (the content is encrypted), so the
/// refusal comes after decryption as its processing status: 450, with the reason.
#[tokio::test]
async fn ksef_refuses_hostile_invoices_after_decryption_with_450() {
    let t = TestSim::with_scenario(&ksef::scenario("")).await;
    let mut client = ksef::Client::connect(&t, "/v2").await;
    client.login().await;
    let session = client.open().await;
    let cases: [(Vec<u8>, &str); 5] = [
        (BILLION_LAUGHS.as_bytes().to_vec(), "DOCTYPE"),
        (EXTERNAL_ENTITY.as_bytes().to_vec(), "DOCTYPE"),
        (BARE_DOCTYPE.as_bytes().to_vec(), "DOCTYPE"),
        (deep_xml(10_000).into_bytes(), "nested"),
        (invalid_utf8_xml(), "UTF-8"),
    ];
    let mut references = Vec::new();
    for (invoice, _) in &cases {
        let sent = client
            .send(&session, ksef::Client::send_body(invoice, &ksef::KEY))
            .await;
        assert_eq!(sent.status, 202, "{}", sent.text);
        references.push(sent.body["referenceNumber"].as_str().unwrap().to_owned());
    }
    ksef::step(&t, 5).await;
    for ((_, names), reference) in cases.iter().zip(&references) {
        let status = client
            .get(&format!("/sessions/{session}/invoices/{reference}"))
            .await;
        assert_eq!(status.body["status"]["code"], 450, "{}", status.text);
        assert!(status.text.contains(names), "{names}: {}", status.text);
    }

    let valid = invoice("H-KSEF").into_bytes();
    let sent = client
        .send(&session, ksef::Client::send_body(&valid, &ksef::KEY))
        .await;
    assert_eq!(sent.status, 202, "{}", sent.text);
    let send_path = format!("/v2/sessions/online/{session}/invoices");
    let sends: Vec<(&str, StatusCode)> = (0..=cases.len())
        .map(|_| (send_path.as_str(), StatusCode::ACCEPTED))
        .collect();
    journaled(&t, &sends).await;
}

// (8) ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_client_trickling_its_headers_is_disconnected() {
    let t = start().await;
    let head = b"GET /_sim/health HTTP/1.1\r\nhost: eisim\r\nx-padding: ".to_vec();
    let stream = TcpStream::connect(t.sim.address()).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    // One byte at a time, never finishing the head, until the server hangs up.
    let trickle = async {
        for byte in head.iter().copied().chain(std::iter::repeat(b'x')) {
            if write.write_all(&[byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let hang_up = async {
        let mut buffer = [0u8; 1024];
        while let Ok(n) = read.read(&mut buffer).await {
            if n == 0 {
                break;
            }
        }
    };
    let closed = tokio::time::timeout(CLOSED_WITHIN, async {
        tokio::select! {
            () = trickle => {}
            () = hang_up => {}
        }
    })
    .await;
    assert!(closed.is_ok(), "a slow client kept its connection");

    still_serves(&t, "H-8").await;
    // The slow client never made a request, so there is nothing of it to journal.
    journal_without_gaps(&t).await;
}

// (9) ---------------------------------------------------------------------------------------

/// The connections opened at once. 2,000 sockets on each side fit in the default descriptor
/// limit of the machines this runs on (checked with `ulimit -n`, 20,000 here).
const CONNECTIONS: usize = 2_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_connections_at_once_are_all_served() {
    // A header read timeout far above the time it takes to connect them all, as the first
    // connections wait open and silent while the others connect.
    let scenario = scenario();
    let config = eisim::SimulatorConfig::new()
        .scenario(scenario, "hostile.yaml")
        .header_read_timeout(Duration::from_secs(600));
    let t = fresh_client(TestSim::start(config).await);
    let address = t.sim.address();
    let mut streams = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        streams.push(TcpStream::connect(address).await.unwrap());
    }
    // All connected; now each asks at once.
    let tasks: Vec<_> = streams
        .into_iter()
        .map(|mut stream| {
            tokio::spawn(async move {
                stream
                    .write_all(
                        b"GET /_sim/health HTTP/1.1\r\nhost: eisim\r\nconnection: close\r\n\r\n",
                    )
                    .await
                    .unwrap();
                let mut answer = Vec::new();
                stream.read_to_end(&mut answer).await.unwrap();
                String::from_utf8_lossy(&answer)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
        })
        .collect();
    let mut served = 0;
    for task in tasks {
        let line = tokio::time::timeout(CLOSED_WITHIN, task)
            .await
            .expect("a connection was never answered")
            .unwrap();
        assert_eq!(line, "HTTP/1.1 200 OK");
        served += 1;
    }
    assert_eq!(served, CONNECTIONS);

    still_serves(&t, "H-9").await;
    let http = journal_without_gaps(&t).await;
    let health = http
        .iter()
        .filter(|(p, s)| p == "/_sim/health" && *s == 200)
        .count();
    assert!(health > CONNECTIONS, "every answer is journaled: {health}");
}
