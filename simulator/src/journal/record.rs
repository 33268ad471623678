//! What the journal holds: one [`JournalEntry`] per thing that happened, each carrying a
//! [`Record`] of one of a fixed set of kinds. These types are the journal's wire format (the
//! NDJSON of `/_sim/journal` and of `--journal` files) and what the conformance suite reads
//! as evidence, so their serialised names do not change lightly.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::store::DocumentRecord;
use crate::vocabulary::{Direction, TenantId};

/// One journal entry: when it happened in both clocks, for whom, and what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Position in the journal, from 1; never reused, so gaps reveal dropped entries.
    pub seq: u64,
    pub real_time: Timestamp,
    pub sim_time: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<TenantId>,
    #[serde(flatten)]
    pub record: Record,
}

/// What an entry records. The `kind` tag is the stable name used by filters and NDJSON readers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    /// One HTTP exchange, written once the response is ready and before it is sent.
    Http(HttpExchange),
    /// A tracked thing (document, submission, session) moved from one state to another.
    StateChange {
        subject: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        to: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// A scheduled event came due and ran.
    EventFired {
        event_id: u64,
        label: String,
        due_at: Timestamp,
    },
    /// Something happened to the simulator itself: start, scenario load, reset, clock moves.
    Simulator { message: String },
    /// The integration did something a real provider blocks or throttles (the seed's
    /// "integration anti-patterns"): the evidence the conformance suite grades on.
    AntiPattern {
        pattern: AntiPattern,
        detail: String,
    },
    /// One HTTP request eisim made to a webhook endpoint or ERP callback, and how it went.
    WebhookAttempt(WebhookAttempt),
    /// A webhook endpoint or callback was created, deleted, rotated, disabled or enabled.
    WebhookEndpoint {
        endpoint_id: String,
        change: String,
        detail: String,
    },
    /// A fault from the scenario's `faults:` section struck: a request answered, delayed or
    /// marked by it, or a document held back by an outage.
    FaultInjected {
        /// The fault's place in `faults:`, from 1, as `eisim check` numbers them.
        fault: usize,
        /// Its kind as written: `outage`, `http_status`, `latency`, `ksef_exception`,
        /// `system_warning`.
        fault_kind: String,
        /// The request path it struck, or `document <id>` for a held-back document.
        target: String,
        /// The status of the injected answer, when the fault answered the request.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// SDI issued or received a message about a file: a notification (RC, NS, MC, NE, DT, AT,
    /// SE), an invoice's metadata (MT), or a recipient's outcome (EC).
    SdiMessage(SdiMessage),
    /// One SOAP call eisim made to an integrator's SDICoop service, and how it went.
    SoapCall(SoapCall),
    /// Something crossed the Peppol network about a document: an SMP lookup's failure, an
    /// AS4 send with its Receipt or ebMS error, an MLS, an MLR or an Invoice Response.
    PeppolMessage(PeppolMessage),
    /// eisim took a document in (from the integrator, on the gateway or a network's native
    /// API) or a network delivered one to the integrator.
    DocumentTaken(DocumentTaken),
}

/// A document entering eisim's store, fingerprinted by its exact bytes. Ids differ between
/// eisim and the integration under test; the content digest is what both sides share, so the
/// conformance suite pairs the integration's documents with eisim's through it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentTaken {
    /// Gateway document id, or for KSeF's native API the invoice reference number.
    pub document: String,
    /// `peppol`, `sdi` or `ksef`.
    pub network: String,
    /// `gateway` (`POST /api/v1/invoices` or `/submissions`), `native` (a KSeF online
    /// session), or `network` (an inbound document a network delivered to the integrator).
    pub channel: String,
    /// `outbound` or `inbound`.
    pub direction: String,
    /// Lower-case hex SHA-256 of the document bytes exactly as the integrator sent them
    /// (after base64 decoding of a JSON envelope; for KSeF native the decrypted invoice), or
    /// as the network delivered them (inbound).
    pub content_sha256: String,
    /// The SDI file name, or the inbound file's name, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
}

impl DocumentTaken {
    /// [`channel`](Self::channel): the gateway's `POST /api/v1/invoices` or
    /// `POST /api/v1/submissions`.
    pub const GATEWAY: &'static str = "gateway";
    /// [`channel`](Self::channel): a network's own API, such as a KSeF online session.
    pub const NATIVE: &'static str = "native";
    /// [`channel`](Self::channel): a network delivered the document to the integrator.
    pub const NETWORK: &'static str = "network";

    /// The entry for `doc` as stored, taken in on `channel`.
    pub fn of(doc: &DocumentRecord, channel: &str, file_name: Option<String>) -> Self {
        DocumentTaken {
            document: doc.id.clone(),
            network: doc.network.as_str().to_owned(),
            channel: channel.to_owned(),
            direction: match doc.direction {
                Direction::Outbound => "outbound",
                Direction::Inbound => "inbound",
            }
            .to_owned(),
            content_sha256: doc.content_hash.clone(),
            file_name,
            recipient: doc.recipient.clone(),
        }
    }
}

/// One Peppol exchange, as an access point's message log shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeppolMessage {
    pub document: String,
    /// The AS4 MessageId (also the SBDH InstanceIdentifier).
    pub message_id: String,
    /// `lookup`, `as4_send`, `as4_receipt`, `ebms_error`, `mls`, `mlr` or `invoice_response`.
    pub message: String,
    /// The response or error code: `AP`, `RE`, `EBMS:0004`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `sent` or `received`, from eisim's access point's side.
    pub direction: String,
    /// The downloadable document's name, for an MLS, MLR or Invoice Response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A message SDI issued or received, as it would appear in SDI's own records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SdiMessage {
    pub identificativo_sdi: u64,
    /// The invoice file the message is about.
    pub invoice_file: String,
    /// `RC`, `NS`, `MC`, `NE`, `DT`, `AT`, `MT`, `EC` or `SE`.
    pub message_type: String,
    /// The message's own file name (`<invoice>_<TT>_<NNN>.xml`).
    pub file_name: String,
    /// Who it is for: `transmitter`, `recipient`, or `sdi` for what a recipient sent.
    pub to: String,
    /// How the file reached SDI: `gateway`, `sdicoop`, or `inbound` (scenario-scheduled).
    pub channel: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A SOAP request eisim sent as SDI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoapCall {
    pub url: String,
    /// The WSDL operation, e.g. `RicevutaConsegna` or `RiceviFatture`.
    pub operation: String,
    pub soap_action: String,
    pub identificativo_sdi: u64,
    /// The file the call carried (a message or an invoice).
    pub file_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub latency_us: u64,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One outgoing delivery attempt or probe, as the conformance suite grades it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookAttempt {
    pub endpoint_id: String,
    /// The `webhook-id` (callbacks: the `deliveryId`): one per event, the same on every retry.
    pub event_id: String,
    pub event_type: String,
    pub method: String,
    pub url: String,
    /// 1 for the first attempt; a duplicate or probe carries the attempt it accompanied.
    pub attempt: u32,
    /// The simulated instant the attempt was due.
    pub due_at: Timestamp,
    /// A deliberate misbehaviour from the scenario's `webhooks` section, if this was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<InjectedFault>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Wall-clock time from sending the request to reading the answer, in microseconds.
    pub latency_us: u64,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// How an attempt ended, from eisim's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The receiver answered 2xx in time.
    Acknowledged,
    /// The receiver answered something else (3xx, 4xx, 5xx).
    Refused,
    /// No answer within the timeout (or an injected timeout discarded the answer).
    TimedOut,
    /// The connection failed.
    Unreachable,
}

/// The webhook faults a scenario can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InjectedFault {
    /// The same event sent again after it was acknowledged; the receiver must deduplicate.
    Duplicate,
    /// The event was held back and sent after a later event for the same document.
    Reordered,
    /// A probe whose signature no secret of the endpoint produced; it must be refused.
    ForgedSignature,
    /// A correctly signed probe with a timestamp outside the verifiers' window; it must be
    /// refused.
    StaleTimestamp,
    /// The answer was discarded as a timeout, so the event is retried although it arrived.
    Timeout,
}

/// Integration habits a real provider counts against the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AntiPattern {
    /// `/connect/token` without grant type or client credentials, or with a placeholder id.
    MalformedTokenRequest,
    /// A new access token while an earlier one for the same client was still valid.
    TokenNotReused,
    /// A document submitted again after it was answered with a 2xx.
    DuplicateSubmission,
    /// A call to the deliberately expensive "recent documents" list, which the seed says
    /// should be a search instead.
    RecentDocumentsPolled,
    /// A call refused by a rate limit: the integration is not pacing itself.
    RateLimitExceeded,
}

/// The filterable names of [`Record`] variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Http,
    StateChange,
    EventFired,
    Simulator,
    AntiPattern,
    WebhookAttempt,
    WebhookEndpoint,
    FaultInjected,
    SdiMessage,
    SoapCall,
    PeppolMessage,
    DocumentTaken,
}

impl Record {
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Http(_) => RecordKind::Http,
            Record::StateChange { .. } => RecordKind::StateChange,
            Record::EventFired { .. } => RecordKind::EventFired,
            Record::Simulator { .. } => RecordKind::Simulator,
            Record::AntiPattern { .. } => RecordKind::AntiPattern,
            Record::WebhookAttempt(_) => RecordKind::WebhookAttempt,
            Record::WebhookEndpoint { .. } => RecordKind::WebhookEndpoint,
            Record::FaultInjected { .. } => RecordKind::FaultInjected,
            Record::SdiMessage(_) => RecordKind::SdiMessage,
            Record::SoapCall(_) => RecordKind::SoapCall,
            Record::PeppolMessage(_) => RecordKind::PeppolMessage,
            Record::DocumentTaken(_) => RecordKind::DocumentTaken,
        }
    }
}

impl std::str::FromStr for RecordKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "http" => Ok(RecordKind::Http),
            "state_change" => Ok(RecordKind::StateChange),
            "event_fired" => Ok(RecordKind::EventFired),
            "simulator" => Ok(RecordKind::Simulator),
            "anti_pattern" => Ok(RecordKind::AntiPattern),
            "webhook_attempt" => Ok(RecordKind::WebhookAttempt),
            "webhook_endpoint" => Ok(RecordKind::WebhookEndpoint),
            "fault_injected" => Ok(RecordKind::FaultInjected),
            "sdi_message" => Ok(RecordKind::SdiMessage),
            "soap_call" => Ok(RecordKind::SoapCall),
            "peppol_message" => Ok(RecordKind::PeppolMessage),
            "document_taken" => Ok(RecordKind::DocumentTaken),
            other => Err(format!(
                "unknown journal kind `{other}`; expected one of `http`, `state_change`, `event_fired`, `simulator`, `anti_pattern`, `webhook_attempt`, `webhook_endpoint`, `fault_injected`, `sdi_message`, `soap_call`, `peppol_message`, `document_taken`"
            )),
        }
    }
}

/// An HTTP request and its response, reduced to what is needed to prove behaviour: bodies are
/// kept as size and SHA-256 digest, not content, so the journal stays small and holds no
/// secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpExchange {
    pub method: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    pub status: u16,
    /// Wall-clock time spent handling the request, in microseconds.
    pub latency_us: u64,
    pub request_body: BodyDigest,
    pub response_body: BodyDigest,
    /// The request's `Idempotency-Key`, trimmed; absent when there was none or it was not a
    /// key the gateway would accept. It shows whether a retry was the same attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// The response's `Retry-After` in whole seconds (an HTTP date counted from the moment
    /// of the answer): how long the integration was told to stay away.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyDigest {
    pub size: u64,
    /// Lower-case hex SHA-256 of the exact bytes.
    pub sha256: String,
}

impl BodyDigest {
    pub fn of(bytes: &[u8]) -> Self {
        BodyDigest {
            size: bytes.len() as u64,
            sha256: crate::digest::sha256_hex(bytes),
        }
    }
}
