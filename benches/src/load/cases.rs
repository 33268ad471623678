//! The five workloads and what each needs set up before it is measured: a gateway token, a
//! submitted document to read the status of, KSeF's authentication and online sessions, a
//! webhook endpoint. Each workload prepares its requests for any server, so eisim and the
//! ceiling get the very same method, path, headers and bodies.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, Request, Uri, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use http_body_util::Full;
use rand::RngCore as _;
use rsa::RsaPublicKey;
use serde_json::{Value, json};

use super::generator::{HttpClient, Prepared, send};
use super::ksef_client;
use crate::fixtures::{FPA12_MINIMAL, fa3_numbered, fatturapa_numbered};

/// KSeF takes at most 10,000 invoices in one online session; a new session is opened well
/// before that.
const INVOICES_PER_SESSION: u64 = 9_000;
/// The demo tenant's KSeF context and token in the load scenario.
const KSEF_NIP: &str = "5265877635";
const KSEF_TOKEN: &str = "eisim-demo-ksef-token";

/// One call made while setting up (not measured): status and JSON body; a setup call that
/// fails means the benchmark cannot measure what it says, so it stops.
pub async fn call(
    client: &HttpClient,
    method: Method,
    url: &str,
    bearer: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> Value {
    let mut request = Request::builder()
        .method(method.clone())
        .uri(url)
        .header(header::CONTENT_TYPE, content_type);
    if let Some(token) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = request.body(Full::new(Bytes::from(body))).unwrap();
    let (status, body) = send(client, request).await.unwrap();
    if !status.is_success() {
        panic!(
            "setup call {method} {url} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    if body.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(&body).unwrap()
}

async fn post_json(client: &HttpClient, url: &str, bearer: Option<&str>, body: &Value) -> Value {
    // A call without a body (the challenge, the redeem) sends none rather than `null`.
    let bytes = match body {
        Value::Null => Vec::new(),
        body => serde_json::to_vec(body).unwrap(),
    };
    call(client, Method::POST, url, bearer, "application/json", bytes).await
}

fn text(value: &Value, pointer: &str) -> String {
    match value.pointer(pointer).and_then(Value::as_str) {
        Some(text) => text.to_owned(),
        None => panic!("no `{pointer}` in {value}"),
    }
}

/// The demo tenant's gateway access token.
pub async fn gateway_token(client: &HttpClient, eisim: &str) -> String {
    let answer = call(
        client,
        Method::POST,
        &format!("{eisim}/connect/token"),
        None,
        "application/x-www-form-urlencoded",
        b"grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret".to_vec(),
    )
    .await;
    text(&answer, "/access_token")
}

/// The gateway's JSON envelope for the FPA12 fixture numbered `number`.
pub fn submission_body(number: &str) -> Bytes {
    let document = fatturapa_numbered(FPA12_MINIMAL, number);
    let envelope =
        json!({ "document": B64.encode(document), "reference": format!("ERP-{number}") });
    Bytes::from(serde_json::to_vec(&envelope).unwrap())
}

/// An online session's reference and the AES key and IV its invoices are encrypted with.
#[derive(Debug)]
pub struct KsefSession {
    reference: String,
    key: [u8; 32],
    iv: [u8; 16],
}

/// What each workload sends, with what its setup produced.
#[derive(Debug)]
pub enum Workload {
    /// `GET /_sim/health`.
    Health,
    /// `GET /api/v1/invoices/{id}/status` of one submitted document, with a bearer token.
    Status { token: String, id: String },
    /// `POST /api/v1/invoices`, the FPA12 fixture with a new number each time.
    Submit { token: String },
    /// `POST /v2/sessions/online/{ref}/invoices`: FA(3) with a new number each time, encrypted
    /// with the session's key and hashed.
    KsefSend {
        access: String,
        symmetric_key: (RsaPublicKey, String),
        sessions: Vec<KsefSession>,
    },
    /// `POST /api/v1/webhooks/{id}/test`: one event, delivered to the receiver.
    WebhookTrigger { token: String, endpoint: String },
}

impl Workload {
    /// Whether every request must differ (a repeated invoice would be refused as a duplicate).
    pub fn fresh(&self) -> bool {
        matches!(self, Workload::Submit { .. } | Workload::KsefSend { .. })
    }

    /// `count` requests to `target` (eisim or the ceiling), numbered from `from`. KSeF sessions
    /// are opened on `eisim` as the numbers need them.
    pub async fn prepare(
        &mut self,
        client: &HttpClient,
        eisim: &str,
        target: &str,
        from: u64,
        count: usize,
    ) -> Vec<Prepared> {
        let mut headers = HeaderMap::new();
        let bearer = match self {
            Workload::Health => None,
            Workload::Status { token, .. }
            | Workload::Submit { token }
            | Workload::WebhookTrigger { token, .. } => Some(token.clone()),
            Workload::KsefSend { access, .. } => Some(access.clone()),
        };
        if let Some(token) = bearer {
            headers.insert(
                header::AUTHORIZATION,
                HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
            );
        }
        let uri = |path: &str| -> Uri { format!("{target}{path}").parse().unwrap() };
        let same = |method: Method, path: &str, body: Bytes| -> Vec<Prepared> {
            vec![Prepared {
                method,
                uri: uri(path),
                headers: headers.clone(),
                body,
            }]
        };
        match self {
            Workload::Health => same(Method::GET, "/_sim/health", Bytes::new()),
            Workload::Status { id, .. } => same(
                Method::GET,
                &format!("/api/v1/invoices/{id}/status"),
                Bytes::new(),
            ),
            Workload::WebhookTrigger { endpoint, .. } => same(
                Method::POST,
                &format!("/api/v1/webhooks/{endpoint}/test"),
                Bytes::new(),
            ),
            Workload::Submit { .. } => {
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                let uri = uri("/api/v1/invoices");
                (from..from + count as u64)
                    .map(|n| Prepared {
                        method: Method::POST,
                        uri: uri.clone(),
                        headers: headers.clone(),
                        body: submission_body(&format!("LOAD-{}", n + 1)),
                    })
                    .collect()
            }
            Workload::KsefSend {
                access,
                symmetric_key,
                sessions,
            } => {
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                let last = from + count as u64;
                while (sessions.len() as u64) * INVOICES_PER_SESSION < last {
                    let session = open_session(client, eisim, access, symmetric_key).await;
                    sessions.push(session);
                }
                (from..last)
                    .map(|n| {
                        let session = &sessions[(n / INVOICES_PER_SESSION) as usize];
                        let invoice = fa3_numbered(&format!("LOAD/{n}"));
                        Prepared {
                            method: Method::POST,
                            uri: uri(&format!(
                                "/v2/sessions/online/{}/invoices",
                                session.reference
                            )),
                            headers: headers.clone(),
                            body: ksef_send_body(session, invoice.as_bytes()),
                        }
                    })
                    .collect()
            }
        }
    }
}

/// The body of a KSeF send, as the official clients build it.
fn ksef_send_body(session: &KsefSession, invoice: &[u8]) -> Bytes {
    let encrypted = ksef_client::aes256_cbc_encrypt(&session.key, &session.iv, invoice);
    let body = json!({
        "invoiceHash": ksef_client::sha256_base64(invoice),
        "invoiceSize": invoice.len(),
        "encryptedInvoiceHash": ksef_client::sha256_base64(&encrypted),
        "encryptedInvoiceSize": encrypted.len(),
        "encryptedInvoiceContent": B64.encode(&encrypted),
        "offlineMode": false,
    });
    Bytes::from(serde_json::to_vec(&body).unwrap())
}

/// A status read needs a document: one FPA12 submitted through the gateway.
pub async fn status(client: &HttpClient, eisim: &str) -> Workload {
    let token = gateway_token(client, eisim).await;
    let body: Value = serde_json::from_slice(&submission_body("LOAD-0")).unwrap();
    let answer = post_json(
        client,
        &format!("{eisim}/api/v1/invoices"),
        Some(&token),
        &body,
    )
    .await;
    Workload::Status {
        id: text(&answer, "/id"),
        token,
    }
}

pub async fn submit(client: &HttpClient, eisim: &str) -> Workload {
    let token = gateway_token(client, eisim).await;
    Workload::Submit { token }
}

/// KSeF's public key for `usage` from `GET /v2/security/public-key-certificates`, with its id.
fn public_key(certificates: &Value, usage: &str) -> (RsaPublicKey, String) {
    let entry = certificates
        .as_array()
        .and_then(|list| {
            list.iter().find(|entry| {
                entry["usage"]
                    .as_array()
                    .is_some_and(|usages| usages.iter().any(|u| u.as_str() == Some(usage)))
            })
        })
        .unwrap_or_else(|| panic!("no {usage} certificate in {certificates}"));
    let der = B64.decode(text(entry, "/certificate")).unwrap();
    let key = ksef_client::public_key_from_certificate(&der);
    (key, text(entry, "/publicKeyId"))
}

/// KSeF token authentication as an integrator does it: challenge, the token and the
/// challenge's timestamp RSA-OAEP-encrypted, the status read until 200, the redeem.
pub async fn ksef(client: &HttpClient, eisim: &str) -> Workload {
    let v2 = format!("{eisim}/v2");
    let certificates = call(
        client,
        Method::GET,
        &format!("{v2}/security/public-key-certificates"),
        None,
        "application/json",
        Vec::new(),
    )
    .await;
    let (token_key, token_key_id) = public_key(&certificates, "KsefTokenEncryption");
    let symmetric_key = public_key(&certificates, "SymmetricKeyEncryption");
    let challenge = post_json(client, &format!("{v2}/auth/challenge"), None, &Value::Null).await;
    let timestamp_ms = challenge["timestampMs"].as_i64().unwrap();
    let secret = format!("{KSEF_TOKEN}|{timestamp_ms}");
    let encrypted = ksef_client::rsa_oaep_encrypt(&token_key, secret.as_bytes());
    let started = post_json(
        client,
        &format!("{v2}/auth/ksef-token"),
        None,
        &json!({
            "challenge": text(&challenge, "/challenge"),
            "contextIdentifier": { "type": "Nip", "value": KSEF_NIP },
            "encryptedToken": B64.encode(encrypted),
            "publicKeyId": token_key_id,
        }),
    )
    .await;
    let reference = text(&started, "/referenceNumber");
    let operation = text(&started, "/authenticationToken/token");
    for attempt in 0.. {
        let state = call(
            client,
            Method::GET,
            &format!("{v2}/auth/{reference}"),
            Some(&operation),
            "application/json",
            Vec::new(),
        )
        .await;
        match state.pointer("/status/code").and_then(Value::as_u64) {
            Some(200) => break,
            Some(100) if attempt < 50 => tokio::time::sleep(Duration::from_millis(100)).await,
            _ => panic!("KSeF authentication did not succeed: {state}"),
        }
    }
    let redeemed = post_json(
        client,
        &format!("{v2}/auth/token/redeem"),
        Some(&operation),
        &Value::Null,
    )
    .await;
    Workload::KsefSend {
        access: text(&redeemed, "/accessToken/token"),
        symmetric_key,
        sessions: Vec::new(),
    }
}

/// `POST /v2/sessions/online` with a fresh AES-256 key wrapped with RSA-OAEP.
async fn open_session(
    client: &HttpClient,
    eisim: &str,
    access: &str,
    (public, key_id): &(RsaPublicKey, String),
) -> KsefSession {
    let mut key = [0_u8; 32];
    let mut iv = [0_u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut key);
    rand::rngs::OsRng.fill_bytes(&mut iv);
    let wrapped = ksef_client::rsa_oaep_encrypt(public, &key);
    let opened = post_json(
        client,
        &format!("{eisim}/v2/sessions/online"),
        Some(access),
        &json!({
            "formCode": { "systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA" },
            "encryption": {
                "encryptedSymmetricKey": B64.encode(wrapped),
                "initializationVector": B64.encode(iv),
                "publicKeyId": key_id,
            },
        }),
    )
    .await;
    KsefSession {
        reference: text(&opened, "/referenceNumber"),
        key,
        iv,
    }
}

/// A Standard Webhooks endpoint for every event type, pointing at the receiver.
pub async fn webhook(client: &HttpClient, eisim: &str, receiver: &str) -> Workload {
    let token = gateway_token(client, eisim).await;
    let created = post_json(
        client,
        &format!("{eisim}/api/v1/webhooks"),
        Some(&token),
        &json!({ "url": format!("{receiver}/hook"), "description": "load benchmark receiver" }),
    )
    .await;
    Workload::WebhookTrigger {
        endpoint: text(&created, "/id"),
        token,
    }
}
