//! What eisim tells integrators about: the event types, and each event's body in the two
//! webhook dialects and the ERP callback shape.
//!
//! The body carries the simulated instant the event happened (`timestamp`), while the
//! signature headers carry the real send time: stock verifiers compare the header with their
//! own wall clock, so a run fast-forwarded by 15 days still verifies.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::store::DocumentChange;
use crate::vocabulary::Network;
use crate::vocabulary::{Direction, DocumentState};

/// Every event type eisim emits, with its wire name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub(crate) enum EventType {
    /// A document arrived from the network for the integrator (inbound).
    #[serde(rename = "invoice.received")]
    Received,
    /// A submitted document passed validation and was taken in.
    #[serde(rename = "invoice.validated")]
    Validated,
    /// A submitted document failed validation (or could not be delivered).
    #[serde(rename = "invoice.rejected")]
    Rejected,
    #[serde(rename = "invoice.sent")]
    Sent,
    #[serde(rename = "invoice.accepted")]
    Accepted,
    #[serde(rename = "invoice.delivered")]
    Delivered,
    #[serde(rename = "invoice.refused")]
    Refused,
    /// Any change of a document's state; sent beside the specific event.
    #[serde(rename = "invoice.status_updated")]
    StatusUpdated,
    /// Sent on request by `POST /api/v1/webhooks/{id}/test`.
    #[serde(rename = "webhook.test")]
    Test,
    /// Another endpoint of the account was disabled after failing for too long.
    #[serde(rename = "webhook.endpoint_disabled")]
    EndpointDisabled,
    /// An event was given up after its last retry.
    #[serde(rename = "webhook.attempt_exhausted")]
    AttemptExhausted,
    /// ERP callback: the processing result of a submission (`PUT /notifications/documents`).
    #[serde(rename = "callback.documents")]
    CallbackDocuments,
    /// ERP callback: a network receipt for a document (`PUT /notifications/receipts`).
    #[serde(rename = "callback.receipts")]
    CallbackReceipts,
}

impl EventType {
    pub(crate) const ALL: [Self; 13] = [
        Self::Received,
        Self::Validated,
        Self::Rejected,
        Self::Sent,
        Self::Accepted,
        Self::Delivered,
        Self::Refused,
        Self::StatusUpdated,
        Self::Test,
        Self::EndpointDisabled,
        Self::AttemptExhausted,
        Self::CallbackDocuments,
        Self::CallbackReceipts,
    ];

    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Received => "invoice.received",
            Self::Validated => "invoice.validated",
            Self::Rejected => "invoice.rejected",
            Self::Sent => "invoice.sent",
            Self::Accepted => "invoice.accepted",
            Self::Delivered => "invoice.delivered",
            Self::Refused => "invoice.refused",
            Self::StatusUpdated => "invoice.status_updated",
            Self::Test => "webhook.test",
            Self::EndpointDisabled => "webhook.endpoint_disabled",
            Self::AttemptExhausted => "webhook.attempt_exhausted",
            Self::CallbackDocuments => "callback.documents",
            Self::CallbackReceipts => "callback.receipts",
        }
    }

    /// What an endpoint subscribed to "everything" (`events: []` or `["*"]`) receives: the
    /// invoice events, not the operational ones or the callbacks.
    pub(crate) const fn in_everything(self) -> bool {
        matches!(
            self,
            Self::Received
                | Self::Validated
                | Self::Rejected
                | Self::Sent
                | Self::Accepted
                | Self::Delivered
                | Self::Refused
                | Self::StatusUpdated
        )
    }

    /// The event a document's move to `to` raises besides `invoice.status_updated`.
    pub(crate) fn for_state(to: DocumentState, direction: Direction) -> Self {
        match (to, direction) {
            (DocumentState::Received, Direction::Inbound) => Self::Received,
            (DocumentState::Received, Direction::Outbound) => Self::Validated,
            (DocumentState::Sent, _) => Self::Sent,
            (DocumentState::Accepted, _) => Self::Accepted,
            (DocumentState::Delivered, _) => Self::Delivered,
            (DocumentState::Refused, _) => Self::Refused,
            (DocumentState::Failed, _) => Self::Rejected,
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown event type `{s}`; expected `*` or one of {}",
                    Self::ALL
                        .iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }
}

/// The flow state the provider seed names (Sent, Accepted, Delivered, Refused); a document
/// that failed is Refused from the integrator's point of view.
pub(crate) fn flow_state(state: DocumentState) -> Option<&'static str> {
    match state {
        DocumentState::Received => None,
        DocumentState::Sent => Some("Sent"),
        DocumentState::Accepted => Some("Accepted"),
        DocumentState::Delivered => Some("Delivered"),
        DocumentState::Refused | DocumentState::Failed => Some("Refused"),
    }
}

/// One event, as stored and redelivered: the body is fixed when the event happens.
///
/// The bodies are kept as JSON text, not as `serde_json::Value` trees: an event lives as long
/// as its deliveries (they can be listed and resent), and a tree costs several times its text
/// (issue 9's soak measured ~46 KB per document with one `*` subscription).
#[derive(Clone, Debug)]
pub(crate) struct Event {
    /// `webhook-id` and the payload's `id`: unique per event, the same on every retry.
    pub id: String,
    pub event_type: EventType,
    /// When it happened, in simulated time.
    pub at: Timestamp,
    /// The document the event is about, for ordering and reordering.
    pub subject: Option<String>,
    /// The `data` of the Standard Webhooks body.
    data: Box<RawValue>,
    /// The seed's provider body (`UpdatedEntityID`, `EntityDetail`...), when the event has
    /// one.
    provider: Option<Box<RawValue>>,
}

/// The Standard Webhooks envelope, fields in the order a `Value` map writes them (sorted),
/// so the bytes are what they were when the body was built as a tree.
#[derive(Serialize)]
struct StandardBody<'a> {
    data: &'a RawValue,
    id: &'a str,
    timestamp: String,
    #[serde(rename = "type")]
    event_type: &'a str,
}

/// JSON text of `value`; a `Value` always serialises, `null` stands in if it ever did not.
fn text(value: &Value) -> Box<RawValue> {
    serde_json::value::to_raw_value(value).unwrap_or_else(|_| RawValue::NULL.to_owned())
}

impl Event {
    pub(crate) fn new(
        id: String,
        event_type: EventType,
        at: Timestamp,
        subject: Option<String>,
        data: &Value,
        provider: Option<&Value>,
    ) -> Self {
        Self {
            id,
            event_type,
            at,
            subject,
            data: text(data),
            provider: provider.map(text),
        }
    }

    /// True when the provider dialect has a message of its own for this event.
    pub(crate) fn has_provider_body(&self) -> bool {
        self.provider.is_some()
    }

    /// The Standard Webhooks body: `{id, type, timestamp, data}`.
    pub(crate) fn standard_body(&self) -> Vec<u8> {
        serde_json::to_vec(&StandardBody {
            data: &self.data,
            id: &self.id,
            timestamp: self.at.to_string(),
            event_type: self.event_type.as_str(),
        })
        .unwrap_or_default()
    }

    /// The ERP callback body: for callback events, `data` is the whole notification.
    pub(crate) fn callback_body(&self) -> Vec<u8> {
        self.data.get().as_bytes().to_vec()
    }

    /// The provider dialect's body, or the standard one for events the provider never sends.
    pub(crate) fn provider_body(&self) -> Vec<u8> {
        match &self.provider {
            Some(body) => body.get().as_bytes().to_vec(),
            None => self.standard_body(),
        }
    }
}

/// The `data` of an invoice event.
pub(super) fn document_data(change: &DocumentChange, sequence: u64) -> Value {
    let mut data = json!({
        "document_id": change.document_id,
        "submission_id": change.submission_id,
        "reference": change.reference,
        "network": change.network.as_str(),
        "direction": direction_str(change.direction),
        "recipient": change.recipient,
        "state": change.to.as_str(),
        "previous_state": change.from.map(DocumentState::as_str),
        "flow_state": flow_state(change.to),
        "network_detail": change.detail,
        "sequence": sequence,
    });
    if let Some(map) = data.as_object_mut() {
        if !change.errors.is_empty() {
            map.insert("errors".into(), json!(change.errors));
        }
        let status = change.detail.status.clone();
        let own = match change.network {
            Network::Sdi => ("sdi", json!({ "notification": status })),
            Network::Ksef => (
                "ksef",
                json!({
                    "status_code": status.as_deref().and_then(|s| s.parse::<u16>().ok()),
                    "ksef_number": change.detail.network_id,
                }),
            ),
            Network::Peppol => ("peppol", json!({ "response_code": status })),
        };
        map.insert(own.0.into(), own.1);
    }
    data
}

/// The seed's provider message (Billit's `Message` entity), for changes that have a flow
/// state.
pub(super) fn provider_message(change: &DocumentChange, at: Timestamp) -> Option<Value> {
    let flow = flow_state(change.to)?;
    let information = change
        .detail
        .description
        .clone()
        .or_else(|| change.detail.status.clone())
        .unwrap_or_default();
    Some(json!({
        "UpdatedEntityID": change.document_id,
        "UpdatedEntityType": "Message",
        "WebhookUpdateTypeTC": "U",
        "EntityDetail": {
            "OrderID": change.reference.clone().unwrap_or_else(|| change.document_id.clone()),
            "Description": format!("{} document {}", change.network.display_name(), change.document_id),
            "FileID": change.document_id,
            "CreationDate": change.created_at.to_zoned(TimeZone::UTC).strftime("%d/%m/%Y").to_string(),
            "TransportType": transport_type(change.network),
            "Destination": change.recipient,
            "MessageDirection": match change.direction {
                Direction::Outbound => "Outgoing",
                Direction::Inbound => "Incoming",
            },
            "MessageAdditionalInformation": {
                "EInvoiceFlowState": flow,
                "AdditionalFlowStateInformation": information,
            },
        },
        "EventTime": at.to_string(),
    }))
}

fn transport_type(network: Network) -> &'static str {
    match network {
        Network::Peppol => "Peppol",
        Network::Sdi => "SDI",
        Network::Ksef => "KSeF",
    }
}

pub(crate) fn direction_str(direction: Direction) -> &'static str {
    match direction {
        Direction::Outbound => "outbound",
        Direction::Inbound => "inbound",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keeping the bodies as text changed no byte: the body is what serialising the old
    /// `{id, type, timestamp, data}` tree gave (signatures cover these bytes).
    #[test]
    fn bodies_kept_as_text_are_the_bytes_the_tree_gave() {
        let data = json!({
            "state": "delivered",
            "document_id": "inv_1",
            "network_detail": {"status": "RC", "network_id": null},
            "sequence": 3,
            "errors": [{"rule": "BR-01", "message": "a \"quoted\" ü"}],
        });
        let provider = json!({"UpdatedEntityID": 7, "EntityDetail": {"Status": "Delivered"}});
        let at: Timestamp = "2026-11-21T10:00:00.5Z".parse().unwrap_or_default();
        let event = Event::new(
            "evt_1".into(),
            EventType::StatusUpdated,
            at,
            Some("inv_1".into()),
            &data,
            Some(&provider),
        );
        let tree = json!({
            "id": "evt_1",
            "type": EventType::StatusUpdated.as_str(),
            "timestamp": at.to_string(),
            "data": data,
        });
        assert_eq!(
            event.standard_body(),
            serde_json::to_vec(&tree).unwrap_or_default()
        );
        assert_eq!(
            event.provider_body(),
            serde_json::to_vec(&provider).unwrap_or_default()
        );
        assert_eq!(
            event.callback_body(),
            serde_json::to_vec(&data).unwrap_or_default()
        );
        assert!(event.has_provider_body());
    }

    #[test]
    fn event_types_read_back_their_wire_names() {
        for event_type in EventType::ALL {
            assert_eq!(event_type.as_str().parse::<EventType>(), Ok(event_type));
            assert_eq!(
                serde_json::to_value(event_type).unwrap(),
                json!(event_type.as_str())
            );
        }
        assert!("invoice.paid".parse::<EventType>().is_err());
    }
}
