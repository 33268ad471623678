//! A KSeF API v2 client written the way a careful integrator writes one: the reference
//! integration's native channel to Poland's KSeF, and a model for what the suite grades.
//!
//! One [`KsefClient`] serves one context (a NIP and the KSeF token issued for it). It keeps
//! three things between calls, each renewed only when KSeF says it must be:
//!
//! - the public keys from `GET /security/public-key-certificates`, one per usage, fetched on
//!   first need and fetched again once when KSeF answers 21470 (it rotated its keys);
//! - the access and refresh tokens with their `validUntil`, judged against KSeF's clock (as
//!   estimated from the challenge's `timestamp`, because a simulator's clock may be days away
//!   from ours). An access token is renewed a minute before it expires or once after a 401,
//!   through `POST /auth/token/refresh`; only when the refresh token is spent does the client
//!   go through the challenge again;
//! - nothing about sessions: an [`OnlineSession`] carries its own AES key and IV, so a caller
//!   can keep one session open for many invoices and close it when done.
//!
//! The client retries only what is certainly safe to repeat: a call refused with 401 (KSeF did
//! nothing) and a call refused for a stale key id. Everything else comes back as a
//! [`KsefError`], and [`KsefError::Status`] carries the HTTP status and `Retry-After` so the
//! caller can back off on 429 and, after a 5xx or a timeout on send, look at
//! [`KsefClient::session_invoices`] before sending the same invoice again.
//!
//! The cryptography is the client's own ([`ksef_crypto`](super::ksef_crypto)), built on the
//! RustCrypto crates with the official clients' parameters and not on eisim's code, so the
//! reference and the simulator check each other: the token and the session key are wrapped
//! with RSA-OAEP SHA-256, invoices are AES-256-CBC with PKCS#7 and sent as the bare ciphertext.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use jiff::{SignedDuration, Timestamp};
use rand::RngCore as _;
use reqwest::Method;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use rsa::RsaPublicKey;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::ksef_crypto::{self, KsefCryptoError};

/// Tokens are renewed this long before KSeF's `validUntil`, so a call never leaves with a token
/// that expires on the way (clients commonly use a minute).
const RENEWAL_MARGIN: SignedDuration = SignedDuration::from_secs(60);
/// The first wait between `GET /auth/{ref}` polls; it doubles up to [`AUTH_POLL_MAX`]. Token
/// authentication usually ends within a second or two.
const AUTH_POLL_FIRST: Duration = Duration::from_millis(250);
const AUTH_POLL_MAX: Duration = Duration::from_secs(2);
/// How long to wait for an authentication to leave 100 before giving up; DEMO and PRD can sit
/// at 100 for a while, but not for minutes.
const AUTH_POLL_BUDGET: Duration = Duration::from_secs(120);
/// The largest page `GET /sessions/{ref}/invoices` allows: fewer calls against a tight limit.
const INVOICE_PAGE_SIZE: u32 = 1000;
/// KSeF's code for an unknown or revoked `publicKeyId`: the key list we hold is stale.
const UNKNOWN_PUBLIC_KEY: u32 = 21470;
const CONTINUATION: &str = "x-continuation-token";

/// What went wrong talking to KSeF. The variants separate what a caller decides differently:
/// no answer (maybe retry after checking), an answer with a status (back off or give up), a
/// failed authentication (stop: retrying will not help), and our own or KSeF's bad data.
#[derive(Debug, thiserror::Error)]
pub enum KsefError {
    /// No HTTP answer: connection refused, reset or timed out. After a send this means the
    /// invoice may or may not have been taken.
    #[error("{endpoint}: no answer from KSeF: {source}")]
    Http {
        endpoint: String,
        #[source]
        source: reqwest::Error,
    },
    /// KSeF answered with a status other than 2xx; `body` is its text (JSON in one of KSeF's
    /// two error shapes, or a CDN's HTML page) and `retry_after` its `Retry-After` in seconds.
    #[error("{endpoint} answered {status}: {body}")]
    Status {
        endpoint: String,
        status: u16,
        body: String,
        retry_after: Option<u64>,
    },
    /// `GET /auth/{ref}` ended in a failure code (415, 450, 460...): the token, the context or
    /// the permissions are wrong, and asking again gives the same answer.
    #[error("KSeF authentication ended with {code} ({description}): {}", details.join("; "))]
    AuthenticationFailed {
        code: u16,
        description: String,
        details: Vec<String>,
    },
    #[error("KSeF cryptography: {0}")]
    Crypto(#[from] KsefCryptoError),
    /// An answer we cannot use: a body that is not the documented JSON, a missing public key,
    /// an authentication that never left 100.
    #[error("KSeF protocol: {0}")]
    Protocol(String),
}

impl KsefError {
    /// The HTTP status KSeF answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            KsefError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How long KSeF asked us to wait (429, and 502/503/504 from its front end).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            KsefError::Status {
                retry_after: Some(seconds),
                ..
            } => Some(Duration::from_secs(*seconds)),
            _ => None,
        }
    }

    /// The first KSeF exception code of an error body (21180, 21184, 21470...), read from the
    /// legacy `exception.exceptionDetailList` or from problem details' `errors`, because
    /// which shape comes back depends on the endpoint and the request's headers.
    pub fn exception_code(&self) -> Option<u32> {
        let KsefError::Status { body, .. } = self else {
            return None;
        };
        let body: Value = serde_json::from_str(body).ok()?;
        let code = body
            .pointer("/exception/exceptionDetailList/0/exceptionCode")
            .or_else(|| body.pointer("/errors/0/code"))?;
        code.as_u64().and_then(|c| u32::try_from(c).ok())
    }
}

/// An online session as the client needs it later: its reference and the symmetric key and IV
/// every invoice of the session is encrypted with. The key never leaves this value (its Debug
/// output hides it).
#[derive(Clone)]
pub struct OnlineSession {
    /// The `SO` reference number.
    pub reference: String,
    /// KSeF closes the session by itself at this moment (12 h after opening, whatever the
    /// activity), so a caller knows when to open a new one instead of meeting 21180.
    pub valid_until: Timestamp,
    key: [u8; 32],
    iv: [u8; 16],
}

impl fmt::Debug for OnlineSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnlineSession")
            .field("reference", &self.reference)
            .field("valid_until", &self.valid_until)
            .field("key", &"[redacted]")
            .finish()
    }
}

/// One invoice's status as `GET /sessions/{ref}/invoices/{invoiceRef}` gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceStatus {
    /// 100 and 150 are on the way; 200 is final with a KSeF number; 4xx and 5xx are final
    /// refusals or failures.
    pub code: u16,
    pub description: String,
    /// Why a refused invoice was refused (the XSD message for 450, the duplicate's text for 440).
    pub details: Vec<String>,
    /// Set at 200 only.
    pub ksef_number: Option<String>,
    /// For a 440 duplicate, the KSeF number the invoice already has
    /// (`extensions.originalKsefNumber`): a resend after a lost answer ends here, and the
    /// invoice is in KSeF under that number.
    pub duplicate_of: Option<String>,
}

impl InvoiceStatus {
    /// Whether the status can still change; a caller stops polling once this is false.
    pub fn is_final(&self) -> bool {
        !matches!(self.code, 100 | 150)
    }
}

/// One entry of a session's invoice list: enough to tell whether an invoice whose send got no
/// clean answer was taken (match `invoice_hash` against [`invoice_hash`] of the bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInvoice {
    /// The `EE` invoice reference number.
    pub reference: String,
    /// Base64 SHA-256 of the plaintext invoice.
    pub invoice_hash: String,
    pub code: u16,
    pub ksef_number: Option<String>,
}

/// The hash KSeF keeps for an invoice (Base64 SHA-256 of the plaintext), for matching the
/// entries of [`KsefClient::session_invoices`] against invoices the caller holds.
pub fn invoice_hash(invoice: &[u8]) -> String {
    ksef_crypto::sha256_base64(invoice)
}

/// A KSeF client for one context. See the module docs for what it caches and when it renews.
pub struct KsefClient {
    http: reqwest::Client,
    /// The API base as KSeF publishes it, ending in `/v2` (or the older `/api/v2`).
    base_url: String,
    nip: String,
    ksef_token: String,
    keys: Option<PublicKeys>,
    tokens: Option<Tokens>,
    /// KSeF's clock minus ours, measured at the last challenge: token lifetimes are in KSeF's
    /// time, and a simulated KSeF may live days away from the wall clock.
    skew: SignedDuration,
}

impl fmt::Debug for KsefClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KsefClient")
            .field("base_url", &self.base_url)
            .field("nip", &self.nip)
            .field("ksef_token", &"[redacted]")
            .field("has_keys", &self.keys.is_some())
            .field("authenticated", &self.tokens.is_some())
            .field("skew", &self.skew)
            .finish()
    }
}

/// The two certificates a client needs, picked from KSeF's list by usage.
#[derive(Clone)]
struct PublicKeys {
    token: PublicKey,
    symmetric: PublicKey,
}

#[derive(Clone)]
struct PublicKey {
    key: RsaPublicKey,
    /// Sent back as `publicKeyId` so KSeF knows which of its keys we used.
    id: String,
}

#[derive(Clone, Copy)]
enum Usage {
    KsefToken,
    SymmetricKey,
}

impl Usage {
    fn name(self) -> &'static str {
        match self {
            Usage::KsefToken => "KsefTokenEncryption",
            Usage::SymmetricKey => "SymmetricKeyEncryption",
        }
    }
}

struct Tokens {
    /// `None` once KSeF refused it with 401, so the next call renews it.
    access: Option<Token>,
    refresh: Token,
}

struct Token {
    value: String,
    valid_until: Timestamp,
}

impl Token {
    /// Usable for a call starting at `now` (KSeF's time), with the renewal margin to spare.
    fn usable_at(&self, now: Timestamp) -> bool {
        now.checked_add(RENEWAL_MARGIN)
            .is_ok_and(|later| later < self.valid_until)
    }
}

impl From<TokenInfo> for Token {
    fn from(info: TokenInfo) -> Token {
        Token {
            value: info.token,
            valid_until: info.valid_until,
        }
    }
}

// The bodies KSeF answers with, as far as the client reads them (field names from the
// OpenAPI; unknown fields are ignored as KSeF adds them between versions).

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CertificateEntry {
    certificate: String,
    public_key_id: String,
    valid_from: Option<Timestamp>,
    valid_to: Option<Timestamp>,
    #[serde(default)]
    usage: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Challenge {
    challenge: String,
    timestamp: Timestamp,
    timestamp_ms: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenInfo {
    token: String,
    valid_until: Timestamp,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthStarted {
    reference_number: String,
    authentication_token: TokenInfo,
}

#[derive(Deserialize)]
struct StatusInfo {
    code: u16,
    description: String,
    #[serde(default)]
    details: Option<Vec<String>>,
    #[serde(default)]
    extensions: Option<Value>,
}

#[derive(Deserialize)]
struct AuthStatus {
    status: StatusInfo,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Redeemed {
    access_token: TokenInfo,
    refresh_token: TokenInfo,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Refreshed {
    access_token: TokenInfo,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Opened {
    reference_number: String,
    valid_until: Timestamp,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Sent {
    reference_number: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InvoiceEntry {
    reference_number: String,
    invoice_hash: String,
    #[serde(default)]
    ksef_number: Option<String>,
    status: StatusInfo,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InvoicePage {
    invoices: Vec<InvoiceEntry>,
    #[serde(default)]
    continuation_token: Option<String>,
}

/// One request as the client sends it.
struct Call<'a> {
    method: Method,
    path: String,
    body: Option<&'a Value>,
    continuation: Option<&'a str>,
}

impl<'a> Call<'a> {
    fn get(path: String) -> Call<'a> {
        Call {
            method: Method::GET,
            path,
            body: None,
            continuation: None,
        }
    }

    fn post(path: String, body: Option<&'a Value>) -> Call<'a> {
        Call {
            method: Method::POST,
            path,
            body,
            continuation: None,
        }
    }

    fn endpoint(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

impl KsefClient {
    /// A client for the context `nip`, authenticating with `ksef_token`. `base_url` is the API
    /// base as KSeF publishes it, e.g. `https://api-test.ksef.mf.gov.pl/v2`. Nothing is sent
    /// until the first call.
    pub fn new(http: reqwest::Client, base_url: &str, nip: &str, ksef_token: &str) -> Self {
        KsefClient {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            nip: nip.to_owned(),
            ksef_token: ksef_token.to_owned(),
            keys: None,
            tokens: None,
            skew: SignedDuration::ZERO,
        }
    }

    /// Makes sure the client holds a usable access token: keeps a cached one, refreshes an
    /// expiring one with the refresh token, and only when that is spent goes through the
    /// challenge, the encrypted KSeF token, the status polls and the redeem.
    pub async fn authenticate(&mut self) -> Result<(), KsefError> {
        self.access_token().await.map(drop)
    }

    /// Opens an FA (3) online session with a fresh AES-256 key and IV.
    pub async fn open_online_session(&mut self) -> Result<OnlineSession, KsefError> {
        match self.open_with_current_keys().await {
            Err(e) if e.exception_code() == Some(UNKNOWN_PUBLIC_KEY) => {
                self.keys = None;
                self.open_with_current_keys().await
            }
            other => other,
        }
    }

    /// Encrypts and sends one invoice; returns its `EE` reference number. A 202 means taken,
    /// not accepted: the verdict comes through [`KsefClient::invoice_status`].
    pub async fn send_invoice(
        &mut self,
        s: &OnlineSession,
        invoice: &[u8],
    ) -> Result<String, KsefError> {
        let encrypted = ksef_crypto::aes256_cbc_encrypt(&s.key, &s.iv, invoice);
        let body = json!({
            "invoiceHash": invoice_hash(invoice),
            "invoiceSize": invoice.len(),
            "encryptedInvoiceHash": ksef_crypto::sha256_base64(&encrypted),
            "encryptedInvoiceSize": encrypted.len(),
            "encryptedInvoiceContent": B64.encode(&encrypted),
            "offlineMode": false,
        });
        let path = format!("/sessions/online/{}/invoices", segment(&s.reference)?);
        let sent: Sent = self.authorized_json(Call::post(path, Some(&body))).await?;
        Ok(sent.reference_number)
    }

    /// The invoice's status now; poll until [`InvoiceStatus::is_final`].
    pub async fn invoice_status(
        &mut self,
        s: &OnlineSession,
        invoice_ref: &str,
    ) -> Result<InvoiceStatus, KsefError> {
        let path = format!(
            "/sessions/{}/invoices/{}",
            segment(&s.reference)?,
            segment(invoice_ref)?
        );
        let entry: InvoiceEntry = self.authorized_json(Call::get(path)).await?;
        let duplicate_of = entry
            .status
            .extensions
            .as_ref()
            .and_then(|e| e.get("originalKsefNumber"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(InvoiceStatus {
            code: entry.status.code,
            description: entry.status.description,
            details: entry.status.details.unwrap_or_default(),
            ksef_number: entry.ksef_number,
            duplicate_of,
        })
    }

    /// Every invoice KSeF has taken in the session, all pages. After a send that timed out or
    /// got a 5xx, an entry whose `invoice_hash` matches says the invoice is in and must not be
    /// sent again.
    pub async fn session_invoices(
        &mut self,
        s: &OnlineSession,
    ) -> Result<Vec<SessionInvoice>, KsefError> {
        let path = format!(
            "/sessions/{}/invoices?pageSize={INVOICE_PAGE_SIZE}",
            segment(&s.reference)?
        );
        let mut invoices = Vec::new();
        let mut continuation: Option<String> = None;
        loop {
            let mut call = Call::get(path.clone());
            call.continuation = continuation.as_deref();
            let page: InvoicePage = self.authorized_json(call).await?;
            invoices.extend(page.invoices.into_iter().map(|entry| SessionInvoice {
                reference: entry.reference_number,
                invoice_hash: entry.invoice_hash,
                code: entry.status.code,
                ksef_number: entry.ksef_number,
            }));
            match page.continuation_token.filter(|t| !t.is_empty()) {
                Some(next) if continuation.as_deref() != Some(next.as_str()) => {
                    continuation = Some(next);
                }
                Some(_) => {
                    return Err(KsefError::Protocol(
                        "GET /sessions/{ref}/invoices handed back the same continuation token"
                            .to_owned(),
                    ));
                }
                None => return Ok(invoices),
            }
        }
    }

    /// Closes the session (204); KSeF then finishes its invoices and prepares the collective
    /// UPO.
    pub async fn close_session(&mut self, s: &OnlineSession) -> Result<(), KsefError> {
        let path = format!("/sessions/online/{}/close", segment(&s.reference)?);
        self.authorized(Call::post(path, None)).await.map(drop)
    }

    async fn open_with_current_keys(&mut self) -> Result<OnlineSession, KsefError> {
        let public = self.public_key(Usage::SymmetricKey).await?;
        let mut key = [0_u8; 32];
        let mut iv = [0_u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut key);
        rand::rngs::OsRng.fill_bytes(&mut iv);
        let wrapped = ksef_crypto::rsa_oaep_encrypt(&public.key, &key)?;
        let body = json!({
            "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
            "encryption": {
                "encryptedSymmetricKey": B64.encode(wrapped),
                "initializationVector": B64.encode(iv),
                "publicKeyId": public.id,
            },
        });
        let opened: Opened = self
            .authorized_json(Call::post("/sessions/online".to_owned(), Some(&body)))
            .await?;
        Ok(OnlineSession {
            reference: opened.reference_number,
            valid_until: opened.valid_until,
            key,
            iv,
        })
    }

    /// Our best estimate of KSeF's clock.
    fn ksef_now(&self) -> Timestamp {
        let now = Timestamp::now();
        now.checked_add(self.skew).unwrap_or(now)
    }

    /// A usable access token: the cached one, a refreshed one, or one from a new login.
    async fn access_token(&mut self) -> Result<String, KsefError> {
        let now = self.ksef_now();
        if let Some(tokens) = &self.tokens {
            if let Some(access) = tokens.access.as_ref().filter(|t| t.usable_at(now)) {
                return Ok(access.value.clone());
            }
            if tokens.refresh.usable_at(now) {
                match self.refresh().await {
                    Ok(token) => return Ok(token),
                    // A spent or revoked refresh token is 400/21301 (not 401): log in again.
                    Err(KsefError::Status {
                        status: 400 | 401, ..
                    }) => {}
                    Err(other) => return Err(other),
                }
            }
        }
        self.tokens = None;
        match self.log_in().await {
            Err(e) if e.exception_code() == Some(UNKNOWN_PUBLIC_KEY) => {
                self.keys = None;
                self.log_in().await
            }
            other => other,
        }
    }

    async fn refresh(&mut self) -> Result<String, KsefError> {
        let Some(refresh) = self.tokens.as_ref().map(|t| t.refresh.value.clone()) else {
            return Err(KsefError::Protocol(
                "no refresh token to refresh with".to_owned(),
            ));
        };
        let refreshed: Refreshed = self
            .json(
                Call::post("/auth/token/refresh".to_owned(), None),
                Some(&refresh),
            )
            .await?;
        let access = Token::from(refreshed.access_token);
        let value = access.value.clone();
        if let Some(tokens) = &mut self.tokens {
            tokens.access = Some(access);
        }
        Ok(value)
    }

    /// Challenge, encrypted KSeF token, status polls until 200, redeem (once only).
    async fn log_in(&mut self) -> Result<String, KsefError> {
        let challenge: Challenge = self
            .json(Call::post("/auth/challenge".to_owned(), None), None)
            .await?;
        self.skew = challenge.timestamp.duration_since(Timestamp::now());
        let public = self.public_key(Usage::KsefToken).await?;
        let secret = format!("{}|{}", self.ksef_token, challenge.timestamp_ms);
        let encrypted = ksef_crypto::rsa_oaep_encrypt(&public.key, secret.as_bytes())?;
        let body = json!({
            "challenge": challenge.challenge,
            "contextIdentifier": {"type": "Nip", "value": self.nip},
            "encryptedToken": B64.encode(encrypted),
            "publicKeyId": public.id,
        });
        let started: AuthStarted = self
            .json(Call::post("/auth/ksef-token".to_owned(), Some(&body)), None)
            .await?;
        let operation = started.authentication_token.token;
        self.await_authentication(&started.reference_number, &operation)
            .await?;
        let redeemed: Redeemed = self
            .json(
                Call::post("/auth/token/redeem".to_owned(), None),
                Some(&operation),
            )
            .await?;
        let access = Token::from(redeemed.access_token);
        let value = access.value.clone();
        self.tokens = Some(Tokens {
            access: Some(access),
            refresh: Token::from(redeemed.refresh_token),
        });
        Ok(value)
    }

    /// Polls `GET /auth/{ref}` with growing waits until the authentication leaves 100.
    async fn await_authentication(
        &self,
        reference: &str,
        operation: &str,
    ) -> Result<(), KsefError> {
        let path = format!("/auth/{}", segment(reference)?);
        let mut wait = AUTH_POLL_FIRST;
        let mut waited = Duration::ZERO;
        loop {
            let answer: AuthStatus = self.json(Call::get(path.clone()), Some(operation)).await?;
            let status = answer.status;
            match status.code {
                200 => return Ok(()),
                code if code >= 400 => {
                    return Err(KsefError::AuthenticationFailed {
                        code,
                        description: status.description,
                        details: status.details.unwrap_or_default(),
                    });
                }
                _ if waited >= AUTH_POLL_BUDGET => {
                    return Err(KsefError::Protocol(format!(
                        "authentication {reference} still at {} after {} s",
                        status.code,
                        waited.as_secs()
                    )));
                }
                _ => {
                    tokio::time::sleep(wait).await;
                    waited = waited.saturating_add(wait);
                    wait = wait.saturating_mul(2).min(AUTH_POLL_MAX);
                }
            }
        }
    }

    /// The key for `usage`, fetching KSeF's list if we hold none.
    async fn public_key(&mut self, usage: Usage) -> Result<PublicKey, KsefError> {
        let keys = match &self.keys {
            Some(keys) => keys.clone(),
            None => {
                let entries: Vec<CertificateEntry> = self
                    .json(
                        Call::get("/security/public-key-certificates".to_owned()),
                        None,
                    )
                    .await?;
                let now = self.ksef_now();
                let keys = PublicKeys {
                    token: pick_key(&entries, Usage::KsefToken, now)?,
                    symmetric: pick_key(&entries, Usage::SymmetricKey, now)?,
                };
                self.keys = Some(keys.clone());
                keys
            }
        };
        Ok(match usage {
            Usage::KsefToken => keys.token,
            Usage::SymmetricKey => keys.symmetric,
        })
    }

    /// A call with the access token; after a 401 the token is renewed and the call made once
    /// more (a 401 means KSeF did nothing, so repeating is safe).
    async fn authorized(&mut self, call: Call<'_>) -> Result<reqwest::Response, KsefError> {
        let token = self.access_token().await?;
        match self.send(&call, Some(&token)).await {
            Err(KsefError::Status { status: 401, .. }) => {
                if let Some(tokens) = &mut self.tokens {
                    tokens.access = None;
                }
                let token = self.access_token().await?;
                self.send(&call, Some(&token)).await
            }
            other => other,
        }
    }

    async fn authorized_json<T: DeserializeOwned>(
        &mut self,
        call: Call<'_>,
    ) -> Result<T, KsefError> {
        let endpoint = call.endpoint();
        let response = self.authorized(call).await?;
        read_json(response, &endpoint).await
    }

    async fn json<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
        bearer: Option<&str>,
    ) -> Result<T, KsefError> {
        let response = self.send(&call, bearer).await?;
        read_json(response, &call.endpoint()).await
    }

    /// Sends one request; any status but 2xx becomes [`KsefError::Status`].
    async fn send(
        &self,
        call: &Call<'_>,
        bearer: Option<&str>,
    ) -> Result<reqwest::Response, KsefError> {
        let mut request = self.http.request(
            call.method.clone(),
            format!("{}{}", self.base_url, call.path),
        );
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = call.body {
            request = request.json(body);
        }
        if let Some(token) = call.continuation {
            request = request.header(CONTINUATION, token);
        }
        let response = request.send().await.map_err(|source| KsefError::Http {
            endpoint: call.endpoint(),
            source,
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = retry_after_seconds(response.headers());
        let body = response.text().await.unwrap_or_default();
        Err(KsefError::Status {
            endpoint: call.endpoint(),
            status: status.as_u16(),
            body,
            retry_after,
        })
    }
}

async fn read_json<T: DeserializeOwned>(
    response: reqwest::Response,
    endpoint: &str,
) -> Result<T, KsefError> {
    let text = response.text().await.map_err(|source| KsefError::Http {
        endpoint: endpoint.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| {
        KsefError::Protocol(format!(
            "{endpoint}: the answer is not the documented JSON ({e})"
        ))
    })
}

/// `Retry-After` in seconds. KSeF sends seconds; an HTTP date (which a CDN might send) is not
/// worth a date parser here and counts as absent.
fn retry_after_seconds(headers: &HeaderMap) -> Option<u64> {
    headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()
}

/// A reference number as one path segment. KSeF's are upper-case hex and dashes; anything
/// that could change the path (a slash, a query) is refused rather than sent somewhere else.
fn segment(reference: &str) -> Result<&str, KsefError> {
    let clean = !reference.is_empty()
        && reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if clean {
        Ok(reference)
    } else {
        Err(KsefError::Protocol(format!(
            "`{reference}` is not a KSeF reference number"
        )))
    }
}

/// The key to use for `usage`: among the listed certificates with that usage, the one valid
/// now with the latest `validFrom` (the newest key during a rotation); when none is valid by
/// our estimate of KSeF's clock, the first listed, and KSeF decides.
fn pick_key(
    entries: &[CertificateEntry],
    usage: Usage,
    now: Timestamp,
) -> Result<PublicKey, KsefError> {
    let candidates: Vec<&CertificateEntry> = entries
        .iter()
        .filter(|e| e.usage.iter().any(|u| u.eq_ignore_ascii_case(usage.name())))
        .collect();
    let valid_now = |e: &&&CertificateEntry| {
        e.valid_from.is_none_or(|from| from <= now) && e.valid_to.is_none_or(|to| now < to)
    };
    let chosen = candidates
        .iter()
        .filter(valid_now)
        .max_by_key(|e| e.valid_from)
        .or_else(|| candidates.first())
        .ok_or_else(|| {
            KsefError::Protocol(format!(
                "GET /security/public-key-certificates lists no certificate for {}",
                usage.name()
            ))
        })?;
    let der = B64.decode(chosen.certificate.trim()).map_err(|e| {
        KsefError::Protocol(format!(
            "the {} certificate is not Base64 DER ({e})",
            usage.name()
        ))
    })?;
    Ok(PublicKey {
        key: ksef_crypto::public_key_from_certificate(&der)?,
        id: chosen.public_key_id.clone(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn status_error(body: &str) -> KsefError {
        KsefError::Status {
            endpoint: "POST /sessions/online".to_owned(),
            status: 400,
            body: body.to_owned(),
            retry_after: None,
        }
    }

    #[test]
    fn exception_codes_are_read_from_both_error_shapes() {
        let legacy = status_error(
            r#"{"exception":{"exceptionDetailList":[{"exceptionCode":21470,"exceptionDescription":"x"}]}}"#,
        );
        assert_eq!(legacy.exception_code(), Some(21470));
        let problem = status_error(
            r#"{"title":"Bad Request","status":400,"errors":[{"code":21180,"description":"x"}]}"#,
        );
        assert_eq!(problem.exception_code(), Some(21180));
        assert_eq!(
            status_error("<html>502 Bad Gateway</html>").exception_code(),
            None
        );
        assert_eq!(KsefError::Protocol("x".to_owned()).exception_code(), None);
    }

    #[test]
    fn retry_after_is_read_in_seconds_and_dates_are_ignored() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after_seconds(&headers), None);
        headers.insert(RETRY_AFTER, " 30".parse().unwrap());
        assert_eq!(retry_after_seconds(&headers), Some(30));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2026 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after_seconds(&headers), None);
        let limited = KsefError::Status {
            endpoint: "GET /sessions/x".to_owned(),
            status: 429,
            body: String::new(),
            retry_after: Some(20),
        };
        assert_eq!(limited.status(), Some(429));
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(20)));
    }

    #[test]
    fn tokens_are_renewed_a_minute_before_they_expire() {
        let until: Timestamp = "2026-11-02T09:15:00+00:00".parse().unwrap();
        let token = Token {
            value: "jwt".to_owned(),
            valid_until: until,
        };
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert!(token.usable_at(at("2026-11-02T09:13:59Z")));
        assert!(!token.usable_at(at("2026-11-02T09:14:00Z")));
        assert!(!token.usable_at(at("2026-11-02T10:00:00Z")));
    }

    #[test]
    fn references_that_would_change_the_path_are_refused() {
        assert!(segment("20261102-SO-0000000000-0000000000-00").is_ok());
        for bad in ["", "../auth", "a/b", "x?pageSize=1", "a b"] {
            assert!(matches!(segment(bad), Err(KsefError::Protocol(_))), "{bad}");
        }
    }

    #[test]
    fn a_list_without_the_needed_usage_is_a_protocol_error() {
        let entries = vec![CertificateEntry {
            certificate: "AAAA".to_owned(),
            public_key_id: "id".to_owned(),
            valid_from: None,
            valid_to: None,
            usage: vec!["KsefTokenEncryption".to_owned()],
        }];
        let now = Timestamp::now();
        assert!(matches!(
            pick_key(&entries, Usage::SymmetricKey, now),
            Err(KsefError::Protocol(_))
        ));
        // Listed for the usage, but not a certificate: the crypto layer says so.
        assert!(matches!(
            pick_key(&entries, Usage::KsefToken, now),
            Err(KsefError::Crypto(KsefCryptoError::Certificate(_)))
        ));
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let session = OnlineSession {
            reference: "20261102-SO-0000000000-0000000000-00".to_owned(),
            valid_until: Timestamp::UNIX_EPOCH,
            key: [0x42; 32],
            iv: [0x24; 16],
        };
        let shown = format!("{session:?}");
        assert!(
            shown.contains("[redacted]") && !shown.contains("66"),
            "{shown}"
        );
        let client = KsefClient::new(
            reqwest::Client::new(),
            "http://127.0.0.1:1/v2/",
            "5265877635",
            "secret-ksef-token",
        );
        let shown = format!("{client:?}");
        assert!(!shown.contains("secret-ksef-token"), "{shown}");
        assert!(shown.contains("http://127.0.0.1:1/v2\""), "{shown}");
    }

    #[test]
    fn the_client_futures_can_move_between_threads() {
        // The reference integration runs calls on spawned tasks.
        fn send<T: Send>(_: T) {}
        let mut client = KsefClient::new(reqwest::Client::new(), "http://x/v2", "1", "t");
        send(client.authenticate());
        send(client.open_online_session());
    }
}
