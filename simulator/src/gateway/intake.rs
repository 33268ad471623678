//! Taking one document in: read it, validate it, find its recipient, refuse duplicates,
//! store it and plan its life. Shared by `POST /invoices` (one document) and
//! `POST /submissions` (a batch), which differ only in how they answer.

use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::lifecycle;
use crate::digest::sha256_hex;
use crate::documents::{self, Context, DocumentError, Format, Inspection};
use crate::errors::AppError;
use crate::journal::{AntiPattern, Journal, Record};
use crate::limits::DuplicateVerdict;
use crate::scenario::Network;
use crate::store::{
    Direction, DocumentRecord, DocumentState, Duplicate, NetworkDetail, StateChange, TenantId,
};
use crate::world::Epoch;

/// A document as the integrator sent it, with what the envelope said about it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Incoming {
    pub(crate) bytes: Vec<u8>,
    pub(crate) network: Option<Network>,
    pub(crate) recipient: Option<String>,
    pub(crate) reference: Option<String>,
    pub(crate) file_name: Option<String>,
}

/// What became of a document that was read and validated.
#[derive(Debug)]
pub(crate) enum Taken {
    /// Valid and stored in state `received`; its lifecycle is planned.
    Accepted(Box<DocumentRecord>),
    /// Read but broken: the findings say why. Stored only when the caller asks.
    Invalid(Box<DocumentRecord>),
}

/// Everything an intake needs from the running simulator.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Desk<'a> {
    pub(crate) epoch: &'a Arc<Epoch>,
    pub(crate) journal: &'a Journal,
    pub(crate) tenant: &'a TenantId,
    pub(crate) now: Timestamp,
}

impl Desk<'_> {
    /// Refuses every submission while the tenant is throttled for repeated duplicates.
    pub(crate) fn check_not_throttled(&self) -> Result<(), AppError> {
        match self
            .epoch
            .throttle
            .submissions_blocked(self.tenant, self.now)
        {
            Some((status, retry_after)) => Err(AppError::DuplicateThrottled {
                status,
                retry_after,
                original_id: None,
            }),
            None => Ok(()),
        }
    }

    /// Reads, validates and (when valid) stores one document of submission `submission_id`.
    /// Invalid documents are stored as `failed` only when `keep_invalid` is set (a batch
    /// reports on each of its documents; a single submission just answers 422).
    pub(crate) fn take(
        &self,
        incoming: Incoming,
        submission_id: &str,
        keep_invalid: bool,
    ) -> Result<Taken, AppError> {
        let context = Context {
            received: self.now.to_zoned(TimeZone::UTC).date(),
            file_name: incoming.file_name.clone(),
        };
        let inspection = documents::inspect(&incoming.bytes, &context).map_err(document_error)?;
        if let Some(declared) = incoming.network
            && declared != inspection.format.network()
        {
            return Err(AppError::InvalidEnvelope(format!(
                "the envelope says network `{declared}`, but the document is {} ({}), which travels on {}",
                inspection.format.as_str(),
                describe(inspection.format),
                inspection.format.network()
            )));
        }
        let valid = inspection.is_valid();
        if !valid && !keep_invalid {
            return Err(AppError::DocumentInvalid {
                format: inspection.format.as_str(),
                findings: inspection.findings,
                corrections: inspection.corrections,
            });
        }
        let recipient = incoming
            .recipient
            .clone()
            .or_else(|| inspection.facts.recipient.clone());
        if valid {
            self.check_recipient(inspection.format, recipient.as_deref())?;
        }
        let record = self.record(incoming, inspection, recipient, submission_id, valid);
        if !valid {
            let _ = self.epoch.store.ledger.admit(self.tenant, record.clone());
            self.journal_state(&record.id, None, DocumentState::Failed, "failed validation");
            return Ok(Taken::Invalid(Box::new(record)));
        }
        match self.epoch.store.ledger.admit(self.tenant, record.clone()) {
            Ok(()) => {
                self.journal_state(&record.id, None, DocumentState::Received, "validated");
                lifecycle::plan(self.epoch, self.tenant, &record, self.now);
                Ok(Taken::Accepted(Box::new(record)))
            }
            Err(duplicate) => Err(self.duplicate(duplicate)),
        }
    }

    /// Counts a duplicate against the tenant and answers 409, or the throttle's status once
    /// the scenario's allowance is used up.
    pub(crate) fn duplicate(&self, duplicate: Duplicate) -> AppError {
        let verdict = self.epoch.throttle.duplicate(self.tenant, self.now);
        self.journal.append(
            self.now,
            Some(self.tenant.clone()),
            Record::AntiPattern {
                pattern: AntiPattern::DuplicateSubmission,
                detail: format!("{}; original {}", duplicate.reason, duplicate.original_id),
            },
        );
        match verdict {
            DuplicateVerdict::Conflict { .. } => AppError::DuplicateSubmission {
                original_id: duplicate.original_id,
                reason: duplicate.reason,
            },
            DuplicateVerdict::Throttle {
                status,
                retry_after,
            } => AppError::DuplicateThrottled {
                status,
                retry_after,
                original_id: Some(duplicate.original_id),
            },
        }
    }

    fn check_recipient(&self, format: Format, recipient: Option<&str>) -> Result<(), AppError> {
        let network = format.network();
        let Some(recipient) = recipient else {
            return Err(AppError::RecipientNotReachable(format!(
                "the document names no recipient on {network} and the envelope gives none"
            )));
        };
        let participant = self
            .epoch
            .store
            .participant(network, recipient)
            .ok_or_else(|| {
                AppError::RecipientNotReachable(format!(
                    "`{recipient}` is not registered on {network}"
                ))
            })?;
        let needed = match format {
            Format::UblInvoice => Some("bis-billing-3-invoice"),
            Format::UblCreditNote => Some("bis-billing-3-credit-note"),
            _ => None,
        };
        if let Some(needed) = needed
            && !participant.capabilities.is_empty()
            && !participant.capabilities.iter().any(|c| c == needed)
        {
            return Err(AppError::RecipientNotReachable(format!(
                "`{recipient}` is registered on {network} but does not receive `{needed}` documents (it receives: {})",
                participant.capabilities.join(", ")
            )));
        }
        Ok(())
    }

    fn record(
        &self,
        incoming: Incoming,
        inspection: Inspection,
        recipient: Option<String>,
        submission_id: &str,
        valid: bool,
    ) -> DocumentRecord {
        let state = if valid {
            DocumentState::Received
        } else {
            DocumentState::Failed
        };
        DocumentRecord {
            id: self.epoch.store.ledger.mint_id("inv", self.epoch.seed),
            submission_id: submission_id.to_owned(),
            reference: incoming.reference,
            direction: Direction::Outbound,
            network: inspection.format.network(),
            recipient,
            format: inspection.format,
            state,
            history: vec![StateChange {
                state,
                at: self.now,
                network_status: None,
            }],
            created_at: self.now,
            updated_at: self.now,
            content_hash: sha256_hex(&incoming.bytes),
            bytes: Arc::from(incoming.bytes),
            facts: inspection.facts,
            findings: inspection.findings,
            corrections: inspection.corrections,
            network_detail: NetworkDetail::default(),
        }
    }

    fn journal_state(&self, id: &str, from: Option<DocumentState>, to: DocumentState, why: &str) {
        self.journal.append(
            self.now,
            Some(self.tenant.clone()),
            Record::StateChange {
                subject: format!("document {id}"),
                from: from.map(|s| s.as_str().to_owned()),
                to: to.as_str().to_owned(),
                detail: Some(why.to_owned()),
            },
        );
    }
}

fn describe(format: Format) -> &'static str {
    match format {
        Format::UblInvoice => "a UBL invoice",
        Format::UblCreditNote => "a UBL credit note",
        Format::FatturaPaFpa12 | Format::FatturaPaFpr12 => "a FatturaPA",
        Format::KsefFa3 => "a KSeF FA(3) invoice",
    }
}

pub(crate) fn document_error(error: DocumentError) -> AppError {
    match error {
        DocumentError::NotXml(why) => {
            AppError::DocumentUnreadable(format!("the document is not well-formed XML: {why}"))
        }
        DocumentError::Hostile(why) => AppError::HostileXml(why),
        DocumentError::UnsupportedFormat(why) => AppError::UnsupportedDocumentFormat(why),
    }
}
