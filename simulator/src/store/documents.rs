//! The records the gateway keeps for each document and each submission.
//!
//! A document's life is network-neutral (`received -> sent -> accepted -> delivered |
//! refused | failed`, the states integrators map onto their ERP) with the network's own word
//! on it alongside (an SDI notification, a KSeF status code, a Peppol response code), because
//! integrators need both: the neutral state to drive their workflow, the network detail to
//! explain it to a user.

use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;

use crate::documents::{Correction, Facts, Finding, Format, Inspection};
use crate::vocabulary::{Direction, DocumentState, Network};

/// The network's own account of the document, as its latest message put it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NetworkDetail {
    /// SDI notification type (`RC`, `NS`...), KSeF status code (`200`, `450`...) or Peppol
    /// response code (`AB`, `AP`, `RE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The network's error codes, e.g. SDI `00404`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// The network's own number for the document once it has one: the KSeF number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_id: Option<String>,
}

/// One step of a document's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StateChange {
    pub state: DocumentState,
    pub at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_status: Option<String>,
}

/// Everything known about one document.
#[derive(Clone, Debug)]
pub struct DocumentRecord {
    pub id: String,
    pub submission_id: String,
    /// The integrator's own reference, echoed everywhere so it can match our ids to its own.
    pub reference: Option<String>,
    pub direction: Direction,
    pub network: Network,
    pub recipient: Option<String>,
    pub format: Format,
    pub state: DocumentState,
    pub history: Vec<StateChange>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// SHA-256 of the bytes as received: the duplicate check's content key.
    pub content_hash: String,
    /// The original bytes, served back unchanged by `/document`.
    pub bytes: Arc<[u8]>,
    pub facts: Facts,
    pub findings: Vec<Finding>,
    pub corrections: Vec<Correction>,
    pub network_detail: NetworkDetail,
}

/// Where a document another party sent came from, as its network tells the integrator.
#[derive(Debug, Clone)]
pub struct InboundOrigin {
    pub id: String,
    /// The network's own batch for it (`sdi-<IdentificativoSdI>`, `peppol-<MessageId>`).
    pub submission_id: String,
    pub network: Network,
    /// The integrator's identity it was addressed to.
    pub recipient: String,
    /// The network's id for it (IdentificativoSdI, AS4 MessageId).
    pub network_id: String,
    pub content_hash: String,
    pub bytes: Arc<[u8]>,
}

impl DocumentRecord {
    /// A document a network delivered to the integrator, as it arrives: `received`, inbound,
    /// with what validation learnt about it.
    pub fn inbound(origin: InboundOrigin, inspection: Inspection, now: Timestamp) -> Self {
        DocumentRecord {
            id: origin.id,
            submission_id: origin.submission_id,
            reference: None,
            direction: Direction::Inbound,
            network: origin.network,
            recipient: Some(origin.recipient),
            format: inspection.format,
            state: DocumentState::Received,
            history: vec![StateChange {
                state: DocumentState::Received,
                at: now,
                network_status: None,
            }],
            created_at: now,
            updated_at: now,
            content_hash: origin.content_hash,
            bytes: origin.bytes,
            facts: inspection.facts,
            findings: inspection.findings,
            corrections: inspection.corrections,
            network_detail: NetworkDetail {
                network_id: Some(origin.network_id),
                ..NetworkDetail::default()
            },
        }
    }

    /// The (seller, number, year) key networks use to call an invoice a duplicate; `None`
    /// when the document lacks one of them.
    pub fn business_keys(&self) -> Vec<BusinessKey> {
        let Some(seller) = self.facts.seller_tax_id.as_deref() else {
            return Vec::new();
        };
        self.facts
            .invoices
            .iter()
            .filter(|invoice| !invoice.number.is_empty())
            .map(|invoice| BusinessKey {
                seller: seller.to_owned(),
                number: invoice.number.clone(),
                year: invoice.issue_date.chars().take(4).collect(),
            })
            .collect()
    }
}

/// A document's change of state, with what the journal and the webhook bodies tell about it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DocumentChange {
    pub document_id: String,
    pub submission_id: String,
    pub reference: Option<String>,
    pub network: Network,
    pub direction: Direction,
    pub recipient: Option<String>,
    pub created_at: Timestamp,
    /// `None` for the state a document is stored in.
    pub from: Option<DocumentState>,
    pub to: DocumentState,
    pub detail: NetworkDetail,
    /// Validation findings, told with the state intake stored; later changes are the
    /// network's word, in `detail`.
    pub errors: Vec<Finding>,
}

impl DocumentChange {
    /// `doc`'s move from `from` to its current state.
    pub(crate) fn of(doc: &DocumentRecord, from: Option<DocumentState>) -> Self {
        DocumentChange {
            document_id: doc.id.clone(),
            submission_id: doc.submission_id.clone(),
            reference: doc.reference.clone(),
            network: doc.network,
            direction: doc.direction,
            recipient: doc.recipient.clone(),
            created_at: doc.created_at,
            from,
            to: doc.state,
            detail: doc.network_detail.clone(),
            errors: if from.is_none() {
                doc.findings.clone()
            } else {
                Vec::new()
            },
        }
    }
}

/// Seller, invoice number and year: what SDI (00404), KSeF (440) and providers compare.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BusinessKey {
    pub seller: String,
    pub number: String,
    pub year: String,
}

impl std::fmt::Display for BusinessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "seller {}, number {}, year {}",
            self.seller, self.number, self.year
        )
    }
}

/// One batch (or a single invoice, which is a batch of one).
#[derive(Clone, Debug)]
pub(crate) struct SubmissionRecord {
    pub id: String,
    pub created_at: Timestamp,
    pub items: Vec<SubmissionItem>,
}

/// What became of one document of a submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SubmissionItem {
    /// Stored as a document (valid, or failed validation).
    Document { document_id: String },
    /// Not stored: a duplicate of an earlier document.
    Duplicate { document_id: String, reason: String },
    /// Not stored: unreadable, hostile or of an unknown format.
    Unreadable { problem: String },
}
