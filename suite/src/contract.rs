//! The driver contract: the small HTTP+JSON interface an integration exposes so the suite can
//! ask it to work, and the wire types of each call. `suite/DRIVER.md` is the prose version.
//!
//! The suite never calls the integration's business code directly: it asks the adapter to
//! submit (the integration then talks to eisim through its real code path, possibly later) and
//! asks what the integration believes. Everything else the suite knows comes from eisim's
//! journal, so an integration cannot grade itself.

use serde::{Deserialize, Serialize};

/// `GET /`: who the integration is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriverInfo {
    pub name: String,
    /// Where the integration receives webhooks, when it does; informational (the integration
    /// registers the endpoint with eisim itself).
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// How much work the integration still has in hand (queued submissions, backoff waits).
    /// Optional: without it the suite relies on a quiet period alone to decide the
    /// integration has settled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<u64>,
}

/// Where the integration finds eisim and with which credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulatorAccess {
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
}

/// KSeF native channel: the taxpayer context and its KSeF token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KsefAccess {
    pub nip: String,
    pub token: String,
}

/// `POST /submit`: send this document through your real code path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitRequest {
    /// The document's bytes, base64 (standard alphabet, padded).
    pub document: String,
    /// `ubl`, `fatturapa` or `fa3`.
    pub format: String,
    /// `peppol`, `sdi` or `ksef`.
    pub network: String,
    pub recipient: String,
    /// `gateway` (eisim's REST API) or `native` (the network's own API; KSeF only).
    #[serde(default = "gateway")]
    pub channel: String,
    /// SDI: the file name the scenario wants; absent, the integration names the file itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// The `ref` of a refused document this one corrects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    pub simulator: SimulatorAccess,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ksef: Option<KsefAccess>,
}

fn gateway() -> String {
    "gateway".to_owned()
}

/// The answer to `POST /submit`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitReply {
    /// The integration's own id for the document.
    #[serde(rename = "ref")]
    pub reference: String,
}

/// `GET /documents/{ref}`: what the integration believes about a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentReport {
    /// One of the gateway states: received, sent, accepted, delivered, refused, failed.
    pub state: String,
    #[serde(default)]
    pub network_id: Option<String>,
    /// Every state the integration applied, in order. Optional; without it HOOK-4 and HOOK-5
    /// cannot be judged and are reported as not exercised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<String>>,
}

/// `POST /respond`: answer an invoice the integration received (Peppol Invoice Response).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RespondRequest {
    /// eisim's id of the received document, as its `invoice.received` webhook gave it.
    pub document_id: String,
    /// The Invoice Response code (UNCL 4343 subset: AB, IP, UQ, CA, RE, AP, PD).
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub simulator: SimulatorAccess,
}

/// The gateway states, in the order a document moves through them; `refused` and `failed`
/// are final and outrank every other state.
pub const STATES: [&str; 6] = [
    "received",
    "sent",
    "accepted",
    "delivered",
    "refused",
    "failed",
];

/// Whether a document in `state` can change no more. `delivered` is not final: SDI's NE and
/// Peppol's Invoice Responses can still refuse a delivered document.
pub fn is_final(state: &str) -> bool {
    matches!(state, "refused" | "failed")
}

/// Position of a state in the lifecycle, for "never backwards" checks.
pub fn rank(state: &str) -> Option<usize> {
    match state {
        "received" => Some(0),
        "sent" => Some(1),
        "accepted" => Some(2),
        "delivered" => Some(3),
        "refused" | "failed" => Some(4),
        _ => None,
    }
}
