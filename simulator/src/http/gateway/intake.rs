//! Taking one document in: read it, validate it, find its recipient, refuse duplicates,
//! store it and plan its life. Shared by `POST /invoices` (one document) and
//! `POST /submissions` (a batch), which differ only in how they answer.

use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::json;

use crate::digest::sha256_hex;
use crate::documents::{self, Format, Inspection, InspectionContext};
use crate::http::problem::AppError;
use crate::journal::{AntiPattern, DocumentTaken, Record};
use crate::lifecycle::{self, SubmitOptions};
use crate::limits::DuplicateVerdict;
use crate::runtime::Context;
use crate::simulation::Run;
use crate::store::{
    DocumentChange, DocumentRecord, Duplicate, NetworkDetail, StateChange, SubmissionItem,
    SubmissionRecord,
};
use crate::vocabulary::Network;
use crate::vocabulary::{Direction, DocumentState, TenantId};
use crate::webhooks;

/// A document as the integrator sent it, with what the envelope said about it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Incoming {
    pub(crate) bytes: Vec<u8>,
    pub(crate) network: Option<Network>,
    pub(crate) recipient: Option<String>,
    pub(crate) reference: Option<String>,
    pub(crate) file_name: Option<String>,
    /// Peppol: the AS4 MessageId to send with.
    pub(crate) message_id: Option<String>,
}

/// What became of a document that was read and validated.
#[derive(Debug)]
pub(crate) enum Admission {
    /// Valid and stored in state `received`; its lifecycle is planned.
    Accepted(Box<DocumentRecord>),
    /// Read but broken, and not stored: a single submission answers 422 with
    /// [`Refusal::into_error`], a batch keeps it with [`Intake::keep_failed`].
    Invalid(Box<Refusal>),
}

/// A document that failed validation, with the findings that say why.
#[derive(Debug)]
pub(crate) struct Refusal {
    incoming: Incoming,
    inspection: Inspection,
}

impl Refusal {
    pub(crate) fn into_error(self) -> AppError {
        AppError::DocumentInvalid {
            format: self.inspection.format.as_str(),
            findings: self.inspection.findings,
            corrections: self.inspection.corrections,
        }
    }
}

/// One request's intake: the run it came into, at the simulated instant it arrived, for one
/// tenant.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Intake<'a> {
    pub(crate) run: &'a Run,
    pub(crate) ctx: Context<'a>,
    pub(crate) tenant: &'a TenantId,
    pub(crate) now: Timestamp,
}

impl<'a> Intake<'a> {
    /// An intake of `tenant`'s request into `run`, at the simulated instant it arrived.
    pub(crate) fn new(run: &'a Run, tenant: &'a TenantId) -> Self {
        let ctx = run.context_now();
        Intake {
            run,
            ctx,
            tenant,
            now: ctx.now,
        }
    }

    /// Refuses every submission while the tenant is throttled for repeated duplicates.
    pub(crate) fn check_not_throttled(&self) -> Result<(), AppError> {
        match self.run.throttle.submissions_blocked(self.tenant, self.now) {
            Some((status, retry_after)) => Err(AppError::DuplicateThrottled {
                status,
                retry_after,
                original_id: None,
            }),
            None => Ok(()),
        }
    }

    /// Reads and validates one document of submission `submission_id`, and stores it when it
    /// is valid.
    pub(crate) fn admit(
        &self,
        incoming: Incoming,
        submission_id: &str,
    ) -> Result<Admission, AppError> {
        let context = InspectionContext {
            received: self.now.to_zoned(TimeZone::UTC).date(),
            file_name: incoming.file_name.clone(),
        };
        if let Some(name) = &incoming.file_name
            && [".p7m", ".zip"]
                .iter()
                .any(|ext| name.to_ascii_lowercase().ends_with(ext))
        {
            return Err(AppError::InvalidEnvelope(format!(
                "`{name}`: the gateway takes plain FatturaPA XML; send signed (.xml.p7m) and zipped (.zip) SDI files over SDICoop (POST /ricevi_file)"
            )));
        }
        let inspection = documents::inspect(&incoming.bytes, &context)?;
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
        if !inspection.is_valid() {
            return Ok(Admission::Invalid(Box::new(Refusal {
                incoming,
                inspection,
            })));
        }
        let recipient = recipient_of(&incoming, &inspection);
        self.check_recipient(inspection.format, recipient.as_deref())?;
        let options = SubmitOptions {
            file_name: incoming.file_name.clone(),
            message_id: incoming.message_id.clone(),
        };
        let record = self.record(
            incoming,
            inspection,
            recipient,
            submission_id,
            DocumentState::Received,
        );
        match self.run.store.ledger.admit(self.tenant, record.clone()) {
            Ok(()) => {
                self.taken(&record, options.file_name.clone());
                self.note(&record, "validated");
                self.run.submit(&self.ctx, self.tenant, &record, &options);
                Ok(Admission::Accepted(Box::new(record)))
            }
            Err(duplicate) => Err(self.duplicate(duplicate)),
        }
    }

    /// Stores a document that failed validation as `failed`, so a batch can report on it. A
    /// failed document never blocks a later one, so storing it cannot be refused.
    pub(crate) fn keep_failed(&self, refusal: Refusal, submission_id: &str) -> DocumentRecord {
        let Refusal {
            incoming,
            inspection,
        } = refusal;
        let recipient = recipient_of(&incoming, &inspection);
        let file_name = incoming.file_name.clone();
        let record = self.record(
            incoming,
            inspection,
            recipient,
            submission_id,
            DocumentState::Failed,
        );
        let _ = self.run.store.ledger.admit(self.tenant, record.clone());
        self.taken(&record, file_name);
        self.note(&record, "failed validation");
        record
    }

    /// Stores a submission and tells the tenant's ERP callback, if it has one, how each of its
    /// documents was processed.
    pub(crate) fn file(&self, submission: SubmissionRecord) {
        let id = submission.id.clone();
        self.run
            .store
            .ledger
            .insert_submission(self.tenant, submission);
        if !self
            .run
            .webhooks
            .wanted(self.tenant, webhooks::EventType::CallbackDocuments)
        {
            // Reading the documents back is for the callback alone; most tenants have none.
            return;
        }
        let Some((submission, documents)) = self.run.store.ledger.submission(self.tenant, &id)
        else {
            return;
        };
        let items = submission
            .items
            .iter()
            .map(|item| match item {
                SubmissionItem::Document { document_id } => {
                    let doc = documents.iter().find(|d| &d.id == document_id);
                    let valid = doc.is_some_and(|d| d.state != DocumentState::Failed);
                    json!({
                        "documentId": document_id,
                        "submissionId": id,
                        "internalId": doc.and_then(|d| d.reference.clone()),
                        "status": if valid { "Valid" } else { "Invalid" },
                        "state": doc.map(|d| d.state.as_str()),
                        "errors": doc.map(|d| d.findings.clone()).unwrap_or_default(),
                    })
                }
                SubmissionItem::Duplicate {
                    document_id,
                    reason,
                } => json!({
                    "submissionId": id,
                    "status": "Invalid",
                    "duplicateOf": document_id,
                    "errors": [{ "message": reason }],
                }),
                SubmissionItem::Unreadable { problem } => json!({
                    "submissionId": id,
                    "status": "Invalid",
                    "errors": [{ "message": problem }],
                }),
            })
            .collect();
        webhooks::publish_submission(&self.run.webhooks, &self.ctx, self.tenant, &id, items);
    }

    /// Counts a duplicate against the tenant and answers 409, or the throttle's status once
    /// the scenario's allowance is used up.
    pub(crate) fn duplicate(&self, duplicate: Duplicate) -> AppError {
        let verdict = self.run.throttle.duplicate(self.tenant, self.now);
        self.ctx.journal.append(
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
        if network == Network::Ksef {
            return check_ksef_buyer(recipient);
        }
        let Some(recipient) = recipient else {
            return Err(AppError::RecipientNotReachable(format!(
                "the document names no recipient on {network} and the envelope gives none"
            )));
        };
        if network == Network::Peppol {
            // Whether anyone serves the recipient is the network's lookup to find out, on the
            // clock, as a real access point does; only a malformed id is refused here.
            return crate::identifiers::peppol::ParticipantId::parse(recipient)
                .map(|_| ())
                .map_err(|e| AppError::RecipientNotReachable(e.to_string()));
        }
        if network == Network::Sdi {
            // SDI takes any file in and refuses an unknown CodiceDestinatario after its checks
            // (NS 00311), as the real one does; the provider does not second-guess it.
            return Ok(());
        }
        let participant = self
            .run
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
        state: DocumentState,
    ) -> DocumentRecord {
        DocumentRecord {
            id: self.run.store.ledger.mint_id("inv", self.run.seed),
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

    /// Journals that a document entered the store, before its first state, so a reader meets
    /// the document before anything that happens to it. The file name is SDI's alone.
    fn taken(&self, record: &DocumentRecord, file_name: Option<String>) {
        let file_name = file_name.filter(|_| record.network == Network::Sdi);
        self.ctx.journal.append(
            self.now,
            Some(self.tenant.clone()),
            Record::DocumentTaken(DocumentTaken::of(record, DocumentTaken::GATEWAY, file_name)),
        );
    }

    /// Journals a new document's first state.
    fn note(&self, record: &DocumentRecord, why: &str) {
        lifecycle::record_change(
            &self.ctx,
            self.tenant,
            &DocumentChange::of(record, None),
            Some(why.to_owned()),
        );
    }
}

/// The envelope's recipient if it names one, else the one the document names.
/// KSeF takes an invoice for any buyer: nobody registers to receive, the buyer sees the
/// invoice once it authenticates, and a buyer without a NIP (a consumer, a foreign company)
/// is normal. Only a NIP that cannot exist, its check digit wrong, is refused here, where a
/// scenario's participant list would have refused every buyer it did not name.
fn check_ksef_buyer(recipient: Option<&str>) -> Result<(), AppError> {
    let Some(recipient) = recipient else {
        return Ok(());
    };
    let nip = recipient
        .get(..5)
        .filter(|prefix| prefix.eq_ignore_ascii_case("KSEF:"))
        .and_then(|_| recipient.get(5..))
        .unwrap_or(recipient);
    if nip.len() == 10 && nip.bytes().all(|b| b.is_ascii_digit()) && documents::nip_checksum_ok(nip)
    {
        Ok(())
    } else {
        Err(AppError::RecipientNotReachable(format!(
            "`{recipient}` is not a valid NIP (ten digits whose check digit holds), so no KSeF buyer can have it"
        )))
    }
}

fn recipient_of(incoming: &Incoming, inspection: &Inspection) -> Option<String> {
    incoming
        .recipient
        .clone()
        .or_else(|| inspection.facts.recipient.clone())
}

fn describe(format: Format) -> &'static str {
    match format {
        Format::UblInvoice => "a UBL invoice",
        Format::UblCreditNote => "a UBL credit note",
        Format::FatturaPaFpa12 | Format::FatturaPaFpr12 => "a FatturaPA",
        Format::KsefFa3 => "a KSeF FA(3) invoice",
    }
}
