//! The native KSeF API v2 driven the way a real client drives it: the certificate fetched
//! from `/v2/security/public-key-certificates`, the KSeF token and the session key encrypted
//! with it (RSA-OAEP SHA-256), invoices encrypted with AES-256-CBC, everything on a virtual
//! clock so that delays, expiry and rate limits are exact.
//!
//! The client's cryptography and its checks of the numbers the simulator mints are the tests'
//! own ([`crate::ksef_client_crypto`], [`crate::ksef_numbers`]), not eisim's, so a mistake on
//! the simulator's side cannot be matched by the same mistake on the client's.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use reqwest::header::HeaderMap;
use rsa::RsaPublicKey;
use serde_json::{Value, json};

use crate::TestSim;
use crate::ksef_client_crypto::{
    aes256_cbc_encrypt, encrypted_size, public_key_from_certificate, rsa_oaep_encrypt,
    sha256_base64,
};
use crate::ksef_numbers::{is_ksef_number, is_reference_number};

const NIP: &str = "5265877635";
const TOKEN: &str = "20261101-EC-1A2B3C4D5E-6F7A8B9C0D-00|nip-5265877635|7f3a9c";
pub(crate) const KEY: [u8; 32] = [7; 32];
pub(crate) const IV: [u8; 16] = [9; 16];

pub(crate) fn scenario(extra: &str) -> String {
    format!(
        r#"
name: ksef
clock: {{ mode: virtual, start: 2026-11-02T09:00:00Z }}
seed: 5
tenants:
  - id: acme
    credentials: [ {{ client_id: acme-client, client_secret: acme-secret }} ]
participants:
  - {{ id: "KSEF:5265877635", network: ksef, tenant: acme }}
  - {{ id: "KSEF:5261040828", network: ksef }}
ksef:
  tokens:
    - {{ token: "{TOKEN}", context: "5265877635" }}
    - {{ token: "blocked-token", context: "5265877635", auth_status: 450 }}
{extra}
"#
    )
}

/// A KSeF client as the official ones work: certificate first, then token auth.
pub(crate) struct Client<'a> {
    t: &'a TestSim,
    prefix: &'static str,
    key: RsaPublicKey,
    key_id: String,
    access: String,
    refresh: String,
}

/// One answer: status, headers, body as JSON (or `Value::String` of the text).
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
    pub(crate) text: String,
    /// The body as sent, for binary downloads.
    pub(crate) bytes: Vec<u8>,
}

pub(crate) async fn call(
    t: &TestSim,
    method: reqwest::Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
    problem: bool,
) -> Answer {
    let verb = method.to_string();
    let mut request = t.http.request(method, t.url(path));
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    if problem {
        request = request.header("X-Error-Format", "problem-details");
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap().to_vec();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    crate::ksef_openapi::check(&verb, path, status, content_type, &text);
    let body = serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()));
    Answer {
        status,
        headers,
        body,
        text,
        bytes,
    }
}

impl<'a> Client<'a> {
    pub(crate) async fn connect(t: &'a TestSim, prefix: &'static str) -> Client<'a> {
        let certs = call(
            t,
            reqwest::Method::GET,
            &format!("{prefix}/security/public-key-certificates"),
            None,
            None,
            false,
        )
        .await;
        assert_eq!(certs.status, 200, "{}", certs.text);
        let entry = certs.body[0].clone();
        let der = B64.decode(entry["certificate"].as_str().unwrap()).unwrap();
        Client {
            t,
            prefix,
            key: public_key_from_certificate(&der),
            key_id: entry["publicKeyId"].as_str().unwrap().to_owned(),
            access: String::new(),
            refresh: String::new(),
        }
    }

    fn path(&self, rest: &str) -> String {
        format!("{}{rest}", self.prefix)
    }

    pub(crate) async fn get(&self, rest: &str) -> Answer {
        call(
            self.t,
            reqwest::Method::GET,
            &self.path(rest),
            Some(&self.access),
            None,
            false,
        )
        .await
    }

    pub(crate) async fn post(&self, rest: &str, body: Option<Value>) -> Answer {
        call(
            self.t,
            reqwest::Method::POST,
            &self.path(rest),
            Some(&self.access),
            body,
            false,
        )
        .await
    }

    /// A pre-signed link eisim handed out (`http://host:port/...`): no token.
    pub(crate) async fn fetch_link(&self, url: &str) -> Answer {
        let path = format!("/{}", url.splitn(4, '/').nth(3).unwrap_or_default());
        call(self.t, reqwest::Method::GET, &path, None, None, false).await
    }

    /// `key` wrapped with eisim's public key (RSA-OAEP SHA-256), and that key's id.
    pub(crate) fn wrap(&self, key: &[u8]) -> (Vec<u8>, String) {
        (rsa_oaep_encrypt(&self.key, key), self.key_id.clone())
    }

    /// Challenge, encrypted token; returns the start answer and the challenge answer.
    async fn start_token_auth(&self, token: &str) -> (Answer, Answer) {
        self.start_token_auth_into(token, NIP).await
    }

    /// The access token this client calls with.
    pub(crate) fn access_token(&self) -> &str {
        &self.access
    }

    /// The refresh token of this client's last login.
    pub(crate) fn refresh_token(&self) -> &str {
        &self.refresh
    }

    /// Any call under this client's prefix: with `bearer`, or this client's access token.
    pub(crate) async fn call_as(
        &self,
        method: reqwest::Method,
        rest: &str,
        bearer: Option<&str>,
        body: Option<Value>,
        problem: bool,
    ) -> Answer {
        call(
            self.t,
            method,
            &self.path(rest),
            Some(bearer.unwrap_or(&self.access)),
            body,
            problem,
        )
        .await
    }

    /// A KSeF-token login into `nip`: start, one simulated second, the operation's status;
    /// at 200 the tokens are redeemed and this client calls with them. Returns the status.
    pub(crate) async fn token_login(&mut self, token: &str, nip: &str) -> Answer {
        let (start, _) = self.start_token_auth_into(token, nip).await;
        assert_eq!(start.status, 202, "{}", start.text);
        self.finish_login(&start).await
    }

    /// A XAdES login into `nip` with eisim's own certificate (a certificate without a NIP,
    /// identified by its fingerprint, as self-signed TEST certificates often are). Returns
    /// the operation's status, as [`Client::token_login`] does.
    pub(crate) async fn xades_login(&mut self, nip: &str) -> Answer {
        let certs = self.get("/security/public-key-certificates").await;
        let certificate = B64
            .decode(certs.body[0]["certificate"].as_str().unwrap())
            .unwrap();
        let challenge = call(
            self.t,
            reqwest::Method::POST,
            &self.path("/auth/challenge"),
            None,
            None,
            false,
        )
        .await;
        let xml = auth_token_request(
            challenge.body["challenge"].as_str().unwrap(),
            &certificate,
            true,
        )
        .replace(&format!("<Nip>{NIP}</Nip>"), &format!("<Nip>{nip}</Nip>"));
        let response = self
            .t
            .http
            .post(self.t.url(&self.path("/auth/xades-signature")))
            .header("content-type", "application/xml")
            .body(xml)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.unwrap();
        let path = self.path("/auth/xades-signature");
        crate::ksef_openapi::check("POST", &path, status, content_type.as_deref(), &text);
        assert_eq!(status, 202, "{text}");
        let start = Answer {
            status,
            headers: HeaderMap::new(),
            body: serde_json::from_str(&text).unwrap(),
            bytes: text.clone().into_bytes(),
            text,
        };
        self.finish_login(&start).await
    }

    async fn finish_login(&mut self, start: &Answer) -> Answer {
        let reference = start.body["referenceNumber"].as_str().unwrap().to_owned();
        let operation = start.body["authenticationToken"]["token"]
            .as_str()
            .unwrap()
            .to_owned();
        self.t.sim.advance(Duration::from_secs(1)).unwrap();
        let done = call(
            self.t,
            reqwest::Method::GET,
            &self.path(&format!("/auth/{reference}")),
            Some(&operation),
            None,
            false,
        )
        .await;
        if done.body["status"]["code"] == 200 {
            let tokens = call(
                self.t,
                reqwest::Method::POST,
                &self.path("/auth/token/redeem"),
                Some(&operation),
                None,
                false,
            )
            .await;
            assert_eq!(tokens.status, 200, "{}", tokens.text);
            self.access = tokens.body["accessToken"]["token"]
                .as_str()
                .unwrap()
                .to_owned();
            self.refresh = tokens.body["refreshToken"]["token"]
                .as_str()
                .unwrap()
                .to_owned();
        }
        done
    }

    async fn start_token_auth_into(&self, token: &str, nip: &str) -> (Answer, Answer) {
        self.start_token_auth_in(nip, token).await
    }

    async fn start_token_auth_in(&self, nip: &str, token: &str) -> (Answer, Answer) {
        let challenge = call(
            self.t,
            reqwest::Method::POST,
            &self.path("/auth/challenge"),
            None,
            None,
            false,
        )
        .await;
        let stamp = challenge.body["timestampMs"].as_i64().unwrap();
        let secret = rsa_oaep_encrypt(&self.key, format!("{token}|{stamp}").as_bytes());
        let start = call(
            self.t,
            reqwest::Method::POST,
            &self.path("/auth/ksef-token"),
            None,
            Some(json!({
                "challenge": challenge.body["challenge"],
                "contextIdentifier": {"type": "nip", "value": nip},
                "encryptedToken": B64.encode(secret),
                "publicKeyId": self.key_id,
                "authorizationPolicy": null,
            })),
            false,
        )
        .await;
        (start, challenge)
    }

    /// The whole token flow: start, poll until 200, redeem.
    pub(crate) async fn login(&mut self) -> Vec<Value> {
        self.login_with(TOKEN).await
    }

    async fn login_with(&mut self, token: &str) -> Vec<Value> {
        self.login_as(NIP, token).await
    }

    /// The whole token flow in the context `nip`.
    pub(crate) async fn login_as(&mut self, nip: &str, token: &str) -> Vec<Value> {
        let (start, challenge) = self.start_token_auth_in(nip, token).await;
        assert_eq!(start.status, 202, "{}", start.text);
        let reference = start.body["referenceNumber"].as_str().unwrap().to_owned();
        let operation = start.body["authenticationToken"]["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let auth_status = format!("/auth/{reference}");
        let first = call(
            self.t,
            reqwest::Method::GET,
            &self.path(&auth_status),
            Some(&operation),
            None,
            false,
        )
        .await;
        assert_eq!(first.body["status"]["code"], 100, "{}", first.text);
        self.t.sim.advance(Duration::from_secs(1)).unwrap();
        let done = call(
            self.t,
            reqwest::Method::GET,
            &self.path(&auth_status),
            Some(&operation),
            None,
            false,
        )
        .await;
        assert_eq!(done.body["status"]["code"], 200, "{}", done.text);
        let tokens = call(
            self.t,
            reqwest::Method::POST,
            &self.path("/auth/token/redeem"),
            Some(&operation),
            None,
            false,
        )
        .await;
        assert_eq!(tokens.status, 200, "{}", tokens.text);
        self.access = tokens.body["accessToken"]["token"]
            .as_str()
            .unwrap()
            .to_owned();
        self.refresh = tokens.body["refreshToken"]["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let again = call(
            self.t,
            reqwest::Method::POST,
            &self.path("/auth/token/redeem"),
            Some(&operation),
            None,
            false,
        )
        .await;
        assert_eq!(again.status, 400, "redeem is once only: {}", again.text);
        assert_eq!(
            again.body["exception"]["exceptionDetailList"][0]["exceptionCode"],
            21301
        );
        vec![
            challenge.body,
            start.body,
            first.body,
            done.body,
            tokens.body,
            again.body,
        ]
    }

    /// A new access token from the refresh token, as clients do after a 401.
    pub(crate) async fn refresh_access(&mut self) {
        let refreshed = call(
            self.t,
            reqwest::Method::POST,
            &self.path("/auth/token/refresh"),
            Some(&self.refresh),
            None,
            false,
        )
        .await;
        assert_eq!(refreshed.status, 200, "{}", refreshed.text);
        self.access = refreshed.body["accessToken"]["token"]
            .as_str()
            .unwrap()
            .to_owned();
    }

    async fn open_session(&self, wrapped_key: Vec<u8>) -> Answer {
        self.post(
            "/sessions/online",
            Some(json!({
                "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
                "encryption": {
                    "encryptedSymmetricKey": B64.encode(wrapped_key),
                    "initializationVector": B64.encode(IV),
                    "publicKeyId": self.key_id,
                },
            })),
        )
        .await
    }

    /// The session key wrapped for KSeF's certificate, and that certificate's id, as a batch
    /// opening carries them.
    pub(crate) fn encryption(&self, key: &[u8; 32]) -> Value {
        json!({
            "encryptedSymmetricKey": B64.encode(rsa_oaep_encrypt(&self.key, key)),
            "initializationVector": B64.encode(IV),
            "publicKeyId": self.key_id,
        })
    }

    /// `PUT` of a batch part to the upload URL KSeF handed out: the URL is absolute, carries
    /// no token, and the body is raw bytes, so this is the one call that does not go through
    /// [`call`] (it is storage, not an operation of the OpenAPI).
    pub(crate) async fn put_part(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Answer {
        let mut request = self.t.http.put(url).body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()));
        Answer {
            status,
            headers,
            body,
            bytes: text.clone().into_bytes(),
            text,
        }
    }

    /// Opens an online session and returns the answer, whatever it is.
    pub(crate) async fn try_open(&self) -> Answer {
        let wrapped = rsa_oaep_encrypt(&self.key, &KEY);
        self.open_session(wrapped).await
    }

    pub(crate) async fn open(&self) -> String {
        let wrapped = rsa_oaep_encrypt(&self.key, &KEY);
        let opened = self.open_session(wrapped).await;
        assert_eq!(opened.status, 201, "{}", opened.text);
        opened.body["referenceNumber"].as_str().unwrap().to_owned()
    }

    /// The send body as a client builds it; `tamper` may spoil it first.
    pub(crate) fn send_body(invoice: &[u8], key: &[u8; 32]) -> Value {
        let encrypted = aes256_cbc_encrypt(key, &IV, invoice);
        assert_eq!(encrypted.len() as u64, encrypted_size(invoice.len() as u64));
        json!({
            "invoiceHash": sha256_base64(invoice),
            "invoiceSize": invoice.len(),
            "encryptedInvoiceHash": sha256_base64(&encrypted),
            "encryptedInvoiceSize": encrypted.len(),
            "encryptedInvoiceContent": B64.encode(&encrypted),
            "offlineMode": false,
        })
    }

    pub(crate) async fn send(&self, session: &str, body: Value) -> Answer {
        self.post(&format!("/sessions/online/{session}/invoices"), Some(body))
            .await
    }
}

pub(crate) fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../fixtures/ksef/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

pub(crate) fn with_number(invoice: &[u8], number: &str) -> Vec<u8> {
    String::from_utf8(invoice.to_vec())
        .unwrap()
        .replace("FV/2026/10/001", number)
        .into_bytes()
}

/// Tokens are long and say nothing to a reader of a snapshot; the port changes every run.
pub(crate) fn redact(mut value: Value) -> Value {
    match &mut value {
        Value::String(text) if text.starts_with("http://127.0.0.1:") => {
            let path = text.splitn(4, '/').nth(3).unwrap_or_default();
            return Value::from(format!("http://127.0.0.1:[port]/{path}"));
        }
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if key == "token" {
                    *field = Value::from("[jwt]");
                } else {
                    *field = redact(field.take());
                }
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                *item = redact(item.take());
            }
        }
        _ => {}
    }
    value
}

pub(crate) async fn step(t: &TestSim, secs: u64) {
    t.sim.advance(Duration::from_secs(secs)).unwrap();
}

#[tokio::test]
async fn an_online_session_runs_end_to_end_with_real_cryptography() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let mut client = Client::connect(&t, "/v2").await;
    let auth_bodies = client.login().await;
    for body in &auth_bodies {
        if let Some(reference) = body["referenceNumber"]
            .as_str()
            .or(body["challenge"].as_str())
        {
            assert!(is_reference_number(reference), "{reference}");
        }
    }
    insta::assert_json_snapshot!("ksef_auth_flow", redact(Value::Array(auth_bodies)));

    let session = client.open().await;
    assert!(
        is_reference_number(&session) && session.contains("-SO-"),
        "{session}"
    );

    let valid = with_number(&fixture("fa3-minimal.xml"), "FV/E2E/1");
    let invalid = fixture("450.kod-systemowy.xml");
    let mut refs = Vec::new();
    for invoice in [&valid, &valid, &invalid] {
        let sent = client
            .send(&session, Client::send_body(invoice, &KEY))
            .await;
        assert_eq!(sent.status, 202, "{}", sent.text);
        refs.push(sent.body["referenceNumber"].as_str().unwrap().to_owned());
    }
    assert!(
        refs.iter()
            .all(|r| is_reference_number(r) && r.contains("-EE-"))
    );

    let first = client
        .get(&format!("/sessions/{session}/invoices/{}", refs[0]))
        .await;
    assert_eq!(first.body["status"]["code"], 100, "{}", first.text);
    step(&t, 1).await;
    let processing = client
        .get(&format!("/sessions/{session}/invoices/{}", refs[0]))
        .await;
    assert_eq!(processing.body["status"]["code"], 150);
    let upo_early = client
        .get(&format!("/sessions/{session}/invoices/{}/upo", refs[0]))
        .await;
    assert_eq!(upo_early.status, 400);
    assert_eq!(
        upo_early.body["exception"]["exceptionDetailList"][0]["exceptionCode"],
        21178
    );
    step(&t, 2).await;

    let mut statuses = Vec::new();
    for reference in &refs {
        let status = client
            .get(&format!("/sessions/{session}/invoices/{reference}"))
            .await;
        assert_eq!(status.status, 200, "{}", status.text);
        statuses.push(status.body);
    }
    let number = statuses[0]["ksefNumber"].as_str().unwrap().to_owned();
    assert_eq!(statuses[0]["status"]["code"], 200);
    assert!(is_ksef_number(&number), "{number}");
    assert!(number.starts_with("5265877635-20261102-"));
    assert_eq!(statuses[1]["status"]["code"], 440);
    assert_eq!(
        statuses[1]["status"]["extensions"]["originalKsefNumber"],
        number.as_str()
    );
    assert_eq!(
        statuses[1]["status"]["extensions"]["originalSessionReferenceNumber"],
        session.as_str()
    );
    assert!(statuses[1].get("ksefNumber").is_none());
    assert_eq!(statuses[2]["status"]["code"], 450);
    let detail = statuses[2]["status"]["details"][0].as_str().unwrap();
    assert!(detail.contains("kodSystemowy"), "{detail}");
    insta::assert_json_snapshot!(
        "ksef_invoice_statuses",
        redact(Value::from(statuses.clone()))
    );

    let download = client.get(&format!("/invoices/ksef/{number}")).await;
    assert_eq!(
        download.body["exception"]["exceptionDetailList"][0]["exceptionCode"],
        21165
    );

    step(&t, 2).await;
    let upo = client
        .get(&format!("/sessions/{session}/invoices/{}/upo", refs[0]))
        .await;
    assert_eq!(upo.status, 200, "{}", upo.text);
    assert_eq!(
        upo.headers["x-ms-meta-hash"].to_str().unwrap(),
        sha256_base64(upo.text.as_bytes())
    );
    assert!(upo.text.contains(&number));
    crate::schemas::assert_upo_valid(&upo.text);
    insta::assert_snapshot!("ksef_invoice_upo", upo.text);
    let by_number = client
        .get(&format!("/sessions/{session}/invoices/ksef/{number}/upo"))
        .await;
    assert_eq!(by_number.text, upo.text);

    let closed = client
        .post(&format!("/sessions/online/{session}/close"), None)
        .await;
    assert_eq!(closed.status, 204, "{}", closed.text);
    let closing = client.get(&format!("/sessions/{session}")).await;
    assert_eq!(closing.body["status"]["code"], 170, "{}", closing.text);
    let late = client.send(&session, Client::send_body(&valid, &KEY)).await;
    assert_eq!(
        late.body["exception"]["exceptionDetailList"][0]["exceptionCode"],
        21180
    );
    step(&t, 5).await;
    let done = client.get(&format!("/sessions/{session}")).await;
    assert_eq!(done.body["status"]["code"], 200, "{}", done.text);
    assert_eq!(done.body["successfulInvoiceCount"], 1);
    assert_eq!(done.body["failedInvoiceCount"], 2);
    insta::assert_json_snapshot!("ksef_session_status", redact(done.body.clone()));
    let page = done.body["upo"]["pages"][0]["referenceNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(is_reference_number(&page) && page.contains("-EU-"));
    let collective = client.get(&format!("/sessions/{session}/upo/{page}")).await;
    assert_eq!(collective.status, 200, "{}", collective.text);
    assert_eq!(
        collective.headers["x-ms-meta-hash"].to_str().unwrap(),
        sha256_base64(collective.text.as_bytes())
    );
    crate::schemas::assert_upo_valid(&collective.text);
    insta::assert_snapshot!("ksef_session_upo", collective.text);
    let link = done.body["upo"]["pages"][0]["downloadUrl"]
        .as_str()
        .unwrap();
    let linked = t.http.get(link).send().await.unwrap().text().await.unwrap();
    assert_eq!(linked, collective.text);

    let stored = client.get(&format!("/invoices/ksef/{number}")).await;
    assert_eq!(stored.status, 200);
    assert_eq!(stored.text.as_bytes(), valid.as_slice());

    let listed = client
        .get(&format!("/sessions/{session}/invoices/failed"))
        .await;
    assert_eq!(listed.body["invoices"].as_array().unwrap().len(), 2);

    // The gateway sees the same invoices, with the KSeF number, and the same lifecycle.
    let gateway_token = t.token("acme-client", "acme-secret").await;
    let documents: Value = t
        .http
        .get(t.url("/api/v1/invoices?network=ksef"))
        .bearer_auth(&gateway_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let states: Vec<(String, Value)> = documents["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{documents}"))
        .iter()
        .map(|d| {
            (
                d["state"].as_str().unwrap().to_owned(),
                d["network_detail"]["network_id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("delivered".to_owned(), Value::from(number.clone())),
            ("refused".to_owned(), Value::Null),
            ("refused".to_owned(), Value::Null),
        ]
    );
}

/// The conformance suite pairs an integration's invoices with KSeF's by content and reads
/// their fate in the gateway's words, whichever channel they took.
#[tokio::test]
async fn native_invoices_are_journaled_by_content_with_gateway_states() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let mut client = Client::connect(&t, "/v2").await;
    client.login().await;
    let session = client.open().await;
    let valid = with_number(&fixture("fa3-minimal.xml"), "FV/J/1");
    let mut refs = Vec::new();
    for invoice in [&valid, &valid] {
        let sent = client
            .send(&session, Client::send_body(invoice, &KEY))
            .await;
        assert_eq!(sent.status, 202, "{}", sent.text);
        refs.push(sent.body["referenceNumber"].as_str().unwrap().to_owned());
    }
    step(&t, 5).await;

    let taken = t.journal("document_taken").await;
    let digest = crate::sha256_hex(&valid);
    assert_eq!(taken.len(), 2, "{taken:?}");
    for (entry, reference) in taken.iter().zip(&refs) {
        assert_eq!(entry["tenant"], "acme");
        assert_eq!(entry["document"], reference.as_str());
        assert_eq!(entry["network"], "ksef");
        assert_eq!(entry["channel"], "native");
        assert_eq!(entry["direction"], "outbound");
        assert_eq!(entry["content_sha256"], digest.as_str());
        assert_eq!(entry["recipient"], "KSEF:5261040828");
        assert!(entry.get("file_name").is_none());
    }

    let changes = t.journal("state_change").await;
    let moves = |reference: &str| -> Vec<(Value, Value, String)> {
        changes
            .iter()
            .filter(|e| e["subject"] == format!("ksef invoice {reference}"))
            .map(|e| {
                (
                    e["from"].clone(),
                    e["to"].clone(),
                    e["detail"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let first = moves(&refs[0]);
    let states: Vec<(Value, Value)> = first.iter().map(|m| (m.0.clone(), m.1.clone())).collect();
    assert_eq!(
        states,
        [
            (Value::Null, json!("sent")),
            (json!("sent"), json!("accepted")),
            (json!("accepted"), json!("delivered")),
        ]
    );
    let number = client
        .get(&format!("/sessions/{session}/invoices/{}", refs[0]))
        .await
        .body["ksefNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        first[2].2,
        format!("KSeF status 200 (Sukces), KSeF number {number}")
    );
    let second = moves(&refs[1]);
    assert_eq!(
        (second[2].1.clone(), second[2].2.as_str()),
        (json!("refused"), "KSeF status 440 (Duplikat faktury)")
    );
}

#[tokio::test]
async fn both_prefixes_serve_the_same_api() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let mut legacy = Client::connect(&t, "/api/v2").await;
    legacy.login().await;
    let session = legacy.open().await;
    let status = legacy.get(&format!("/sessions/{session}")).await;
    assert_eq!(status.body["status"]["code"], 100);
    let same = call(
        &t,
        reqwest::Method::GET,
        &format!("/v2/sessions/{session}"),
        Some(&legacy.access),
        None,
        false,
    )
    .await;
    assert_eq!(same.body, status.body);
}

#[tokio::test]
async fn declared_sizes_and_hashes_are_checked_when_the_invoice_is_sent() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let mut client = Client::connect(&t, "/v2").await;
    client.login().await;
    let session = client.open().await;
    let invoice = fixture("fa3-minimal.xml");

    let mut wrong_hash = Client::send_body(&invoice, &KEY);
    wrong_hash["encryptedInvoiceHash"] = json!(sha256_base64(b"something else"));
    let answer = client.send(&session, wrong_hash).await;
    assert_eq!(answer.status, 400);
    insta::assert_json_snapshot!("ksef_21403_legacy", answer.body);

    let mut wrong_plain_hash = Client::send_body(&invoice, &KEY);
    wrong_plain_hash["invoiceHash"] = json!(sha256_base64(b"something else"));
    let answer = client.send(&session, wrong_plain_hash).await;
    assert_eq!(
        answer.body["exception"]["exceptionDetailList"][0]["exceptionCode"],
        21403
    );

    let mut wrong_size = Client::send_body(&invoice, &KEY);
    wrong_size["encryptedInvoiceSize"] = json!(16);
    let answer = client.send(&session, wrong_size).await;
    assert_eq!(
        answer.body["exception"]["exceptionDetailList"][0]["exceptionCode"],
        21402
    );
    let mut wrong_plain_size = Client::send_body(&invoice, &KEY);
    wrong_plain_size["invoiceSize"] = json!(invoice.len() + 1);
    let answer = client.send(&session, wrong_plain_size).await;
    assert_eq!(
        answer.body["exception"]["exceptionDetailList"][0]["exceptionCode"],
        21402
    );

    // Content encrypted with another key decrypts to garbage: taken, then 435.
    let sent = client
        .send(&session, Client::send_body(&invoice, &[1; 32]))
        .await;
    assert_eq!(sent.status, 202, "{}", sent.text);
    step(&t, 1).await;
    let reference = sent.body["referenceNumber"].as_str().unwrap();
    let status = client
        .get(&format!("/sessions/{session}/invoices/{reference}"))
        .await;
    assert_eq!(status.body["status"]["code"], 435, "{}", status.text);
    assert_eq!(
        status.body["status"]["details"][0],
        "Plik niepoprawnie zaszyfrowany"
    );
}

#[tokio::test]
async fn an_undecryptable_key_opens_a_session_that_then_fails() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let mut client = Client::connect(&t, "/v2").await;
    client.login().await;
    // A key wrapped with the wrong padding, as a client using OAEP-SHA-1 would send it.
    let opened = client.open_session(vec![0x42; 256]).await;
    assert_eq!(opened.status, 201, "the session opens: {}", opened.text);
    let session = opened.body["referenceNumber"].as_str().unwrap();
    let status = client.get(&format!("/sessions/{session}")).await;
    assert_eq!(status.body["status"]["code"], 415);
    let sent = client
        .send(
            session,
            Client::send_body(&fixture("fa3-minimal.xml"), &KEY),
        )
        .await;
    assert_eq!(sent.status, 400);
    assert_eq!(
        sent.body["exception"]["exceptionDetailList"][0]["exceptionCode"],
        21180
    );
    assert_eq!(
        sent.body["exception"]["exceptionDetailList"][0]["details"][0],
        "Status sesji (415) uniemożliwia wysyłkę faktur."
    );
}

#[tokio::test]
async fn sessions_expire_after_twelve_hours_and_tokens_after_fifteen_minutes() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let mut client = Client::connect(&t, "/v2").await;
    client.login().await;
    let session = client.open().await;
    step(&t, 15 * 60).await;
    let expired = client.get(&format!("/sessions/{session}")).await;
    assert_eq!(expired.status, 401, "{}", expired.text);
    assert_eq!(expired.headers["content-type"], "application/problem+json");
    assert_eq!(expired.body["title"], "Unauthorized");

    let refreshed = call(
        &t,
        reqwest::Method::POST,
        "/v2/auth/token/refresh",
        Some(&client.refresh),
        None,
        false,
    )
    .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    client.access = refreshed.body["accessToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let fine = client.get(&format!("/sessions/{session}")).await;
    assert_eq!(fine.body["status"]["code"], 100);

    t.sim.advance(Duration::from_secs(12 * 3600)).unwrap();
    let refreshed = call(
        &t,
        reqwest::Method::POST,
        "/v2/auth/token/refresh",
        Some(&client.refresh),
        None,
        false,
    )
    .await;
    client.access = refreshed.body["accessToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let sent = client
        .send(
            &session,
            Client::send_body(&fixture("fa3-minimal.xml"), &KEY),
        )
        .await;
    assert_eq!(
        sent.body["exception"]["exceptionDetailList"][0]["exceptionCode"], 21180,
        "{}",
        sent.text
    );
    let status = client.get(&format!("/sessions/{session}")).await;
    assert_eq!(
        status.body["status"]["code"], 440,
        "closed by expiry with no invoices"
    );

    t.sim.advance(Duration::from_secs(7 * 86_400)).unwrap();
    let stale = call(
        &t,
        reqwest::Method::POST,
        "/v2/auth/token/refresh",
        Some(&client.refresh),
        None,
        false,
    )
    .await;
    assert_eq!(
        stale.status, 400,
        "an expired refresh token is 400, not 401: {}",
        stale.text
    );
    assert_eq!(
        stale.body["exception"]["exceptionDetailList"][0]["exceptionCode"],
        21301
    );
}

#[tokio::test]
async fn errors_come_in_the_legacy_shape_unless_problem_details_are_asked_for() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let mut client = Client::connect(&t, "/v2").await;
    client.login().await;
    let missing = "/v2/sessions/20261102-SO-0000000000-0000000000-00";
    let legacy = call(
        &t,
        reqwest::Method::GET,
        missing,
        Some(&client.access),
        None,
        false,
    )
    .await;
    assert_eq!(legacy.status, 400);
    assert!(
        legacy.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    insta::assert_json_snapshot!("ksef_21173_legacy", legacy.body);
    let problem = call(
        &t,
        reqwest::Method::GET,
        missing,
        Some(&client.access),
        None,
        true,
    )
    .await;
    assert_eq!(problem.headers["content-type"], "application/problem+json");
    insta::assert_json_snapshot!("ksef_21173_problem", problem.body);
    let unauthorized = call(
        &t,
        reqwest::Method::GET,
        missing,
        Some("not-a-token"),
        None,
        false,
    )
    .await;
    assert_eq!(unauthorized.status, 401);
    insta::assert_json_snapshot!("ksef_401", unauthorized.body);

    let client_key = client.key_id.clone();
    client.key_id = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_owned();
    let unknown_key = client
        .open_session(rsa_oaep_encrypt(&client.key, &KEY))
        .await;
    assert_eq!(
        unknown_key.body["exception"]["exceptionDetailList"][0]["exceptionCode"],
        21470
    );
    client.key_id = client_key;

    let permissions = client
        .post("/permissions/persons/grants", Some(json!({})))
        .await;
    assert_eq!(permissions.status, 501, "{}", permissions.text);
    assert_eq!(permissions.body["type"], "urn:eisim:problem:not-supported");
}

#[tokio::test]
async fn a_failed_token_authentication_shows_in_the_status_and_blocks_redeem() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let client = Client::connect(&t, "/v2").await;
    for (token, details) in [
        ("blocked-token", "Token unieważniony"),
        ("unknown-token", "Nieprawidłowy token"),
    ] {
        let (start, _) = client.start_token_auth(token).await;
        assert_eq!(start.status, 202, "{}", start.text);
        let operation = start.body["authenticationToken"]["token"].as_str().unwrap();
        let path = format!(
            "/v2/auth/{}",
            start.body["referenceNumber"].as_str().unwrap()
        );
        step(&t, 1).await;
        let status = call(
            &t,
            reqwest::Method::GET,
            &path,
            Some(operation),
            None,
            false,
        )
        .await;
        assert_eq!(status.body["status"]["code"], 450, "{}", status.text);
        assert_eq!(status.body["status"]["details"][0], details);
        let redeem = call(
            &t,
            reqwest::Method::POST,
            "/v2/auth/token/redeem",
            Some(operation),
            None,
            false,
        )
        .await;
        assert_eq!(
            redeem.body["exception"]["exceptionDetailList"][0]["exceptionCode"],
            21301
        );
    }
    let (reused, challenge) = client.start_token_auth(TOKEN).await;
    assert_eq!(reused.status, 202);
    let again = call(
        &t,
        reqwest::Method::POST,
        "/v2/auth/ksef-token",
        None,
        Some(json!({
            "challenge": challenge.body["challenge"],
            "contextIdentifier": {"type": "Nip", "value": NIP},
            "encryptedToken": B64.encode(rsa_oaep_encrypt(&client.key, b"x|1")),
        })),
        false,
    )
    .await;
    assert_eq!(
        again.body["exception"]["exceptionDetailList"][0]["exceptionCode"], 21111,
        "a challenge is used once"
    );
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after_on_the_simulated_clock() {
    let t = TestSim::with_scenario(&scenario(
        "  rate_limits: { groups: { sessionMisc: { per_minute: 2 } } }",
    ))
    .await;
    let mut client = Client::connect(&t, "/v2").await;
    client.login().await;
    let session = client.open().await;
    let path = format!("/sessions/{session}");
    assert_eq!(client.get(&path).await.status, 200);
    step(&t, 10).await;
    assert_eq!(client.get(&path).await.status, 200);
    let limited = client.get(&path).await;
    assert_eq!(limited.status, 429, "{}", limited.text);
    let wait: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        wait, 50,
        "the first call leaves the minute window 50 s from now"
    );
    insta::assert_json_snapshot!("ksef_429_legacy", limited.body);
    let journaled: Vec<Value> = t
        .journal("http")
        .await
        .into_iter()
        .filter(|e| e["status"] == 429)
        .collect();
    assert_eq!(journaled.len(), 1);
    assert_eq!(journaled[0]["retry_after"], 50);
    step(&t, wait).await;
    assert_eq!(client.get(&path).await.status, 200);

    let off = TestSim::with_scenario(&scenario("  rate_limits: { enabled: false }")).await;
    let mut free = Client::connect(&off, "/v2").await;
    free.login().await;
    let session = free.open().await;
    for _ in 0..150 {
        assert_eq!(free.get(&format!("/sessions/{session}")).await.status, 200);
    }
}

/// A signed `AuthTokenRequest` as TEST clients send it with a self-signed certificate; the
/// signature is structural only (eisim does not verify it, as the README says).
fn auth_token_request(challenge: &str, certificate: &[u8], signed: bool) -> String {
    let signature = if signed {
        format!(
            r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI=""><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>{}</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"#,
            B64.encode([0x5a; 256]),
            B64.encode(certificate)
        )
    } else {
        String::new()
    };
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<AuthTokenRequest xmlns="http://ksef.mf.gov.pl/auth/token/2.0">
  <Challenge>{challenge}</Challenge>
  <ContextIdentifier><Nip>{NIP}</Nip></ContextIdentifier>
  <SubjectIdentifierType>certificateFingerprint</SubjectIdentifierType>
  {signature}
</AuthTokenRequest>"#
    )
}

#[tokio::test]
async fn xades_authentication_accepts_a_structurally_valid_signed_request() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let certs = call(
        &t,
        reqwest::Method::GET,
        "/v2/security/public-key-certificates",
        None,
        None,
        false,
    )
    .await;
    let certificate = B64
        .decode(certs.body[0]["certificate"].as_str().unwrap())
        .unwrap();
    let post_xml = |xml: String| {
        t.http
            .post(t.url("/v2/auth/xades-signature?verifyCertificateChain=false"))
            .header("content-type", "application/xml")
            .body(xml)
            .send()
    };
    let challenge = call(
        &t,
        reqwest::Method::POST,
        "/v2/auth/challenge",
        None,
        None,
        false,
    )
    .await;
    let challenge = challenge.body["challenge"].as_str().unwrap().to_owned();

    let unsigned = post_xml(auth_token_request(&challenge, &certificate, false))
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 400);
    let body: Value = unsigned.json().await.unwrap();
    assert_eq!(
        body["exception"]["exceptionDetailList"][0]["exceptionCode"], 9102,
        "{body}"
    );

    let started = post_xml(auth_token_request(&challenge, &certificate, true))
        .await
        .unwrap();
    assert_eq!(started.status(), 202);
    let started: Value = started.json().await.unwrap();
    let operation = started["authenticationToken"]["token"].as_str().unwrap();
    step(&t, 1).await;
    let path = format!("/v2/auth/{}", started["referenceNumber"].as_str().unwrap());
    let status = call(
        &t,
        reqwest::Method::GET,
        &path,
        Some(operation),
        None,
        false,
    )
    .await;
    assert_eq!(status.body["status"]["code"], 200, "{}", status.text);
    assert_eq!(
        status.body["authenticationMethodInfo"]["category"],
        "XadesSignature"
    );
    let tokens = call(
        &t,
        reqwest::Method::POST,
        "/v2/auth/token/redeem",
        Some(operation),
        None,
        false,
    )
    .await;
    assert_eq!(tokens.status, 200, "{}", tokens.text);

    let hostile = post_xml(format!(
        "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"y\">]>{}",
        auth_token_request(&challenge, &certificate, true)
            .replace("<?xml version=\"1.0\" encoding=\"utf-8\"?>", "")
    ))
    .await
    .unwrap();
    assert_eq!(hostile.status(), 400);
    let body: Value = hostile.json().await.unwrap();
    assert_eq!(
        body["exception"]["exceptionDetailList"][0]["exceptionCode"], 21001,
        "{body}"
    );
}

/// A shipped scenario file, run on a virtual clock.
async fn shipped(name: &str) -> TestSim {
    let path = format!("{}/../scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    let scenario = eisim::scenario::parse(&std::fs::read_to_string(&path).unwrap(), &path).unwrap();
    let config = eisim::SimulatorConfig::new()
        .scenario(scenario, name)
        .clock(eisim::ClockMode::Virtual);
    TestSim::start(config).await
}

async fn shipped_client(t: &TestSim) -> Client<'_> {
    let mut client = Client::connect(t, "/v2").await;
    client.login_with("eisim-demo-ksef-token").await;
    client
}

async fn invoice_code(client: &Client<'_>, session: &str, reference: &str) -> Value {
    client
        .get(&format!("/sessions/{session}/invoices/{reference}"))
        .await
        .body["status"]["code"]
        .clone()
}

async fn send_numbered(client: &Client<'_>, session: &str, number: &str) -> String {
    let invoice = with_number(&fixture("fa3-minimal.xml"), number);
    let sent = client
        .send(session, Client::send_body(&invoice, &KEY))
        .await;
    assert_eq!(sent.status, 202, "{}", sent.text);
    sent.body["referenceNumber"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_stuck_scenario_keeps_its_invoices_at_150() {
    let t = shipped("ksef-stuck-150.yaml").await;
    let mut client = shipped_client(&t).await;
    let session = client.open().await;
    let stuck = send_numbered(&client, &session, "STUCK-1").await;
    step(&t, 3600).await;
    let expired = client.get(&format!("/sessions/{session}")).await;
    assert_eq!(
        expired.status, 401,
        "the access token outlived its 15 minutes"
    );
    client.refresh_access().await;
    assert_eq!(invoice_code(&client, &session, &stuck).await, 150);
    client
        .post(&format!("/sessions/online/{session}/close"), None)
        .await;
    step(&t, 3600).await;
    client.refresh_access().await;
    let status = client.get(&format!("/sessions/{session}")).await;
    assert_eq!(
        status.body["status"]["code"], 170,
        "a session waits for its invoices"
    );
}

#[tokio::test]
async fn the_cancellation_scenario_ends_invoices_with_550_and_500() {
    let t = shipped("ksef-cancelled-550.yaml").await;
    let client = shipped_client(&t).await;
    let session = client.open().await;
    let cancelled = send_numbered(&client, &session, "CANCEL-1").await;
    let broken = send_numbered(&client, &session, "BROKEN-1").await;
    step(&t, 10).await;
    assert_eq!(invoice_code(&client, &session, &cancelled).await, 150);
    assert_eq!(invoice_code(&client, &session, &broken).await, 500);
    step(&t, 30).await;
    assert_eq!(invoice_code(&client, &session, &cancelled).await, 550);
}

#[tokio::test]
async fn the_slow_upo_scenario_holds_back_storage_and_upos() {
    let t = shipped("ksef-slow-upo.yaml").await;
    let client = shipped_client(&t).await;
    let session = client.open().await;
    let reference = send_numbered(&client, &session, "SLOW-1").await;
    step(&t, 7).await;
    let status = client
        .get(&format!("/sessions/{session}/invoices/{reference}"))
        .await;
    let number = status.body["ksefNumber"].as_str().unwrap().to_owned();
    step(&t, 4 * 60).await;
    let upo = client
        .get(&format!("/sessions/{session}/invoices/{reference}/upo"))
        .await;
    assert_eq!(
        upo.body["exception"]["exceptionDetailList"][0]["exceptionCode"],
        21178
    );
    step(&t, 60).await;
    assert_eq!(
        client
            .get(&format!("/sessions/{session}/invoices/{reference}/upo"))
            .await
            .status,
        200
    );
    let early = client.get(&format!("/invoices/ksef/{number}")).await;
    assert_eq!(
        early.body["exception"]["exceptionDetailList"][0]["exceptionCode"],
        21165
    );
    step(&t, 5 * 60).await;
    assert_eq!(
        client.get(&format!("/invoices/ksef/{number}")).await.status,
        200
    );
}

#[tokio::test]
async fn the_rate_limit_scenario_throttles_sends_and_grows_the_wait() {
    let t = shipped("ksef-rate-limits.yaml").await;
    let client = shipped_client(&t).await;
    let session = client.open().await;
    send_numbered(&client, &session, "RL-1").await;
    send_numbered(&client, &session, "RL-2").await;
    let invoice = with_number(&fixture("fa3-minimal.xml"), "RL-3");
    let limited = client
        .send(&session, Client::send_body(&invoice, &KEY))
        .await;
    assert_eq!(limited.status, 429, "{}", limited.text);
    let first: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let again = client
        .send(&session, Client::send_body(&invoice, &KEY))
        .await;
    let second: u64 = again.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        second > first,
        "knocking during a block grows the wait: {first} then {second}"
    );
    step(&t, second).await;
    assert_eq!(
        client
            .send(&session, Client::send_body(&invoice, &KEY))
            .await
            .status,
        202
    );
}

/// The JSON bodies the other tests do not pin, in one snapshot: what a client parses.
#[tokio::test]
async fn the_remaining_wire_bodies_keep_their_shape() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let mut client = Client::connect(&t, "/v2").await;
    let mut certs = call(
        &t,
        reqwest::Method::GET,
        "/v2/security/public-key-certificates",
        None,
        None,
        false,
    )
    .await
    .body;
    for entry in certs.as_array_mut().unwrap() {
        // The certificate is re-signed with a validity around the wall clock's today.
        for field in ["certificate", "certificateId", "validFrom", "validTo"] {
            assert!(entry[field].is_string());
            entry[field] = Value::from(format!("[{field}]"));
        }
    }
    client.login().await;
    let wrapped = rsa_oaep_encrypt(&client.key, &KEY);
    let opened = client.open_session(wrapped).await;
    let session = opened.body["referenceNumber"].as_str().unwrap().to_owned();
    let sent = client
        .send(
            &session,
            Client::send_body(&fixture("fa3-minimal.xml"), &KEY),
        )
        .await;
    step(&t, 3).await;
    let invoices = client.get(&format!("/sessions/{session}/invoices")).await;
    let failed = client
        .get(&format!("/sessions/{session}/invoices/failed"))
        .await;
    let sessions = client.get("/sessions?sessionType=online&pageSize=10").await;
    let bad_page = client
        .get("/sessions?sessionType=Online&pageSize=5000")
        .await;
    let broken_key = client.open_session(vec![1; 256]).await;
    let failed_session = broken_key.body["referenceNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    let session_415 = client.get(&format!("/sessions/{failed_session}")).await;
    let problem_429 = {
        let limited = TestSim::with_scenario(&scenario(
            "  rate_limits: { groups: { sessionList: { per_second: 1 } } }",
        ))
        .await;
        let mut other = Client::connect(&limited, "/v2").await;
        other.login().await;
        other.get("/sessions?sessionType=Online").await;
        call(
            &limited,
            reqwest::Method::GET,
            "/v2/sessions?sessionType=Online",
            Some(&other.access),
            None,
            true,
        )
        .await
    };
    assert_eq!(problem_429.status, 429);
    let unsupported = client.get("/permissions/attachments/status").await;
    insta::assert_json_snapshot!(
        "ksef_wire_bodies",
        redact(json!({
            "GET /security/public-key-certificates": certs,
            "POST /sessions/online 201": opened.body,
            "POST /sessions/online/{ref}/invoices 202": sent.body,
            "GET /sessions/{ref}/invoices": invoices.body,
            "GET /sessions/{ref}/invoices/failed": failed.body,
            "GET /sessions": sessions.body,
            "GET /sessions pageSize=5000": bad_page.body,
            "GET /sessions/{ref} at 415": session_415.body,
            "429 problem details": problem_429.body,
            "GET /permissions/attachments/status (not simulated)": unsupported.body,
        }))
    );
}

#[tokio::test]
async fn invoice_lists_page_with_continuation_tokens() {
    let t = TestSim::with_scenario(&scenario("  rate_limits: { enabled: false }")).await;
    let mut client = Client::connect(&t, "/v2").await;
    client.login().await;
    let session = client.open().await;
    for n in 0..12 {
        send_numbered(&client, &session, &format!("PAGE-{n}")).await;
    }
    let first = client
        .get(&format!("/sessions/{session}/invoices?pageSize=10"))
        .await;
    assert_eq!(first.body["invoices"].as_array().unwrap().len(), 10);
    let token = first.body["continuationToken"].as_str().unwrap().to_owned();
    let next = t
        .http
        .get(t.url(&format!("/v2/sessions/{session}/invoices?pageSize=10")))
        .bearer_auth(&client.access)
        .header("x-continuation-token", &token)
        .send()
        .await
        .unwrap();
    let next: Value = next.json().await.unwrap();
    let ordinals: Vec<&Value> = next["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["ordinalNumber"])
        .collect();
    assert_eq!(ordinals, [&json!(11), &json!(12)]);
    assert!(next.get("continuationToken").is_none());
    let forged = t
        .http
        .get(t.url(&format!("/v2/sessions/{session}/invoices")))
        .bearer_auth(&client.access)
        .header("x-continuation-token", "not-ours")
        .send()
        .await
        .unwrap();
    let forged: Value = forged.json().await.unwrap();
    assert_eq!(
        forged["exception"]["exceptionDetailList"][0]["exceptionCode"],
        21418
    );
}

#[tokio::test]
async fn the_outage_scenario_serves_html_pages_storms_and_a_maintenance_window() {
    let t = shipped("ksef-outages.yaml").await;
    let client = shipped_client(&t).await;
    let mut opened = Vec::new();
    // One open a second keeps within KSeF's own limit of 10 a second and 30 a minute.
    for _ in 0..20 {
        step(&t, 1).await;
        let wrapped = rsa_oaep_encrypt(&client.key, &KEY);
        let answer = client.open_session(wrapped).await;
        assert!(answer.headers.contains_key("x-system-warning"));
        opened.push((answer.status, answer.headers.get("content-type").cloned()));
    }
    let pages = opened.iter().filter(|(status, _)| *status == 502).count();
    assert!(
        (1..=10).contains(&pages),
        "about a fifth of 20 opens hit the 502: {pages}"
    );
    assert!(opened.iter().filter(|(s, _)| *s == 502).all(|(_, ct)| {
        ct.as_ref()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    }));
    let session = loop {
        step(&t, 1).await;
        let wrapped = rsa_oaep_encrypt(&client.key, &KEY);
        let answer = client.open_session(wrapped).await;
        if answer.status == 201 {
            break answer.body["referenceNumber"].as_str().unwrap().to_owned();
        }
    };
    let reference = loop {
        step(&t, 1).await;
        let invoice = with_number(&fixture("fa3-minimal.xml"), "OUT-1");
        let sent = client
            .send(&session, Client::send_body(&invoice, &KEY))
            .await;
        if sent.status == 202 {
            break sent.body["referenceNumber"].as_str().unwrap().to_owned();
        }
        assert_eq!(
            sent.body["exception"]["exceptionDetailList"][0]["exceptionCode"], 21184,
            "{}",
            sent.text
        );
    };
    step(&t, 5 * 60).await;
    let storm = client
        .get(&format!("/sessions/{session}/invoices/{reference}"))
        .await;
    assert_eq!(storm.status, 429, "{}", storm.text);
    assert_eq!(storm.headers["retry-after"], "20");
    step(&t, 25 * 60).await;
    let down = call(
        &t,
        reqwest::Method::POST,
        "/v2/auth/challenge",
        None,
        None,
        false,
    )
    .await;
    assert_eq!(down.status, 503);
    let wait: u64 = down.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&wait), "until the window closes: {wait}");
    assert!(down.text.contains("<html>"), "{}", down.text);
    step(&t, wait - 1).await;
    let still = call(
        &t,
        reqwest::Method::POST,
        "/v2/auth/challenge",
        None,
        None,
        false,
    )
    .await;
    assert_eq!(still.status, 503);
    step(&t, 1).await;
    let back = call(
        &t,
        reqwest::Method::POST,
        "/v2/auth/challenge",
        None,
        None,
        false,
    )
    .await;
    assert_eq!(back.status, 200, "{}", back.text);
}
