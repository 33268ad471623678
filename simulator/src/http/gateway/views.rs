//! The JSON shapes of the gateway's answers. Kept apart from the records so the wire format
//! changes only on purpose (insta snapshots hold it still).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::documents::{Correction, Finding, InvoiceFacts, Severity};
use crate::store::{DocumentRecord, NetworkDetail, StateChange, SubmissionItem, SubmissionRecord};
use crate::vocabulary::Network;
use crate::vocabulary::{Direction, DocumentState};

#[derive(Debug, Serialize)]
pub(crate) struct Links {
    #[serde(rename = "self")]
    this: String,
    status: String,
    document: String,
    printout: String,
    submission: String,
}

/// `GET /invoices/{id}` and the answer to `POST /invoices`.
#[derive(Debug, Serialize)]
pub(crate) struct DocumentView {
    id: String,
    submission_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    direction: Direction,
    network: Network,
    format: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seller_tax_id: Option<String>,
    invoices: Vec<InvoiceFacts>,
    state: DocumentState,
    #[serde(rename = "final")]
    is_final: bool,
    network_detail: NetworkDetail,
    created_at: Timestamp,
    updated_at: Timestamp,
    content_hash: String,
    size: usize,
    errors: Vec<Finding>,
    warnings: Vec<Warning>,
    history: Vec<StateChange>,
    links: Links,
}

/// A warning: a normalization correction, or a validation finding that does not block.
#[derive(Debug, Serialize)]
pub(crate) struct Warning {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<String>,
    location: String,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    original: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    normalized: Option<String>,
}

/// The findings that refuse a document; warnings go with the normalizations.
fn fatal(findings: &[Finding]) -> Vec<Finding> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Fatal)
        .cloned()
        .collect()
}

fn warnings(findings: &[Finding], corrections: &[Correction]) -> Vec<Warning> {
    let normalized = corrections.iter().map(|c| Warning {
        kind: "normalization",
        rule: None,
        location: c.location.clone(),
        message: c.message.clone(),
        original: Some(c.original.clone()),
        normalized: Some(c.normalized.clone()),
    });
    let soft = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .map(|f| Warning {
            kind: "validation",
            rule: Some(f.rule.clone()),
            location: f.location.clone(),
            message: f.message.clone(),
            original: None,
            normalized: None,
        });
    normalized.chain(soft).collect()
}

pub(crate) fn links(doc: &DocumentRecord) -> Links {
    let base = format!("/api/v1/invoices/{}", doc.id);
    Links {
        status: format!("{base}/status"),
        document: format!("{base}/document"),
        printout: format!("{base}/printout"),
        submission: format!("/api/v1/submissions/{}", doc.submission_id),
        this: base,
    }
}

impl From<&DocumentRecord> for DocumentView {
    fn from(doc: &DocumentRecord) -> Self {
        DocumentView {
            id: doc.id.clone(),
            submission_id: doc.submission_id.clone(),
            reference: doc.reference.clone(),
            direction: doc.direction,
            network: doc.network,
            format: doc.format.as_str(),
            recipient: doc.recipient.clone(),
            seller_tax_id: doc.facts.seller_tax_id.clone(),
            invoices: doc.facts.invoices.clone(),
            state: doc.state,
            is_final: doc.state.is_final(),
            network_detail: doc.network_detail.clone(),
            created_at: doc.created_at,
            updated_at: doc.updated_at,
            content_hash: doc.content_hash.clone(),
            size: doc.bytes.len(),
            errors: fatal(&doc.findings),
            warnings: warnings(&doc.findings, &doc.corrections),
            history: doc.history.clone(),
            links: links(doc),
        }
    }
}

/// `GET /invoices/{id}/status`: just what a poller needs.
#[derive(Debug, Serialize)]
pub(crate) struct StatusView {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    network: Network,
    state: DocumentState,
    #[serde(rename = "final")]
    is_final: bool,
    network_detail: NetworkDetail,
    updated_at: Timestamp,
}

impl From<&DocumentRecord> for StatusView {
    fn from(doc: &DocumentRecord) -> Self {
        StatusView {
            id: doc.id.clone(),
            reference: doc.reference.clone(),
            network: doc.network,
            state: doc.state,
            is_final: doc.state.is_final(),
            network_detail: doc.network_detail.clone(),
            updated_at: doc.updated_at,
        }
    }
}

/// One row of a list: the status plus what identifies the invoice.
#[derive(Debug, Serialize)]
pub(crate) struct SummaryView {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    direction: Direction,
    network: Network,
    format: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient: Option<String>,
    numbers: Vec<String>,
    state: DocumentState,
    network_detail: NetworkDetail,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<&DocumentRecord> for SummaryView {
    fn from(doc: &DocumentRecord) -> Self {
        SummaryView {
            id: doc.id.clone(),
            reference: doc.reference.clone(),
            direction: doc.direction,
            network: doc.network,
            format: doc.format.as_str(),
            recipient: doc.recipient.clone(),
            numbers: doc
                .facts
                .invoices
                .iter()
                .map(|i| i.number.clone())
                .collect(),
            state: doc.state,
            network_detail: doc.network_detail.clone(),
            created_at: doc.created_at,
            updated_at: doc.updated_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct ListView {
    pub(crate) items: Vec<SummaryView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next_cursor: Option<String>,
}

/// `GET /submissions/{id}`: the one call integrators should poll.
#[derive(Debug, Serialize)]
pub(crate) struct SubmissionView {
    id: String,
    /// `processing` until every document is final, then `completed`.
    state: &'static str,
    created_at: Timestamp,
    counts: BTreeMap<&'static str, usize>,
    documents: Vec<ItemView>,
}

#[derive(Debug, Default, Serialize)]
pub(crate) struct ItemView {
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    /// Absent for documents that were not taken in (duplicates, unreadable ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<DocumentState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    network_detail: Option<NetworkDetail>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

impl SubmissionView {
    pub(crate) fn new(submission: &SubmissionRecord, documents: &[DocumentRecord]) -> Self {
        let find = |id: &str| documents.iter().find(|d| d.id == id);
        let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut settled = true;
        let items = submission
            .items
            .iter()
            .enumerate()
            .map(|(index, item)| match item {
                SubmissionItem::Document { document_id } => {
                    let doc = find(document_id);
                    if let Some(doc) = doc {
                        *counts.entry(doc.state.as_str()).or_default() += 1;
                        settled &= doc.state.is_final();
                    }
                    ItemView {
                        index,
                        id: Some(document_id.clone()),
                        reference: doc.and_then(|d| d.reference.clone()),
                        state: doc.map(|d| d.state),
                        network_detail: doc.map(|d| d.network_detail.clone()),
                        errors: doc.map_or_else(Vec::new, |d| fatal(&d.findings)),
                        ..ItemView::default()
                    }
                }
                SubmissionItem::Duplicate {
                    document_id,
                    reason,
                } => {
                    *counts.entry("duplicate").or_default() += 1;
                    ItemView {
                        index,
                        duplicate_of: Some(document_id.clone()),
                        problem: Some(reason.clone()),
                        ..ItemView::default()
                    }
                }
                SubmissionItem::Unreadable { problem } => {
                    *counts.entry("unreadable").or_default() += 1;
                    ItemView {
                        index,
                        problem: Some(problem.clone()),
                        ..ItemView::default()
                    }
                }
            })
            .collect();
        SubmissionView {
            id: submission.id.clone(),
            state: if settled { "completed" } else { "processing" },
            created_at: submission.created_at,
            counts,
            documents: items,
        }
    }
}
