//! Online sessions and the invoices sent in them: opening with an RSA-wrapped AES key,
//! taking encrypted invoices in (the synchronous checks, then 100), closing, the session's
//! status, and the UPOs. What happens to an invoice after 100 (150, 200 with its KSeF number,
//! KSeF's global duplicate check, the refusals) is `lifecycle.rs`.
//!
//! Every invoice is also a gateway document of the session's tenant, so the gateway lists it
//! and the tenant's webhooks hear about it, exactly like a KSeF invoice submitted through the
//! gateway.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;

use super::crypto::{aes256_cbc_decrypt, sha256_base64};
use super::error::KsefError;
use super::lifecycle::{note_status, plan_processing};
use super::state::{Grant, Ksef, date_of};
use super::upo::{self, Form, UpoEntry, UpoHeader};
use crate::codelists::ksef::invoice_description;
use crate::digest::sha256_hex;
use crate::documents::{self, DocumentError, Format, Inspection, Severity};
use crate::journal::{DocumentTaken, Record};
use crate::lifecycle::record_change;
use crate::runtime::Context;
use crate::store::{DocumentChange, DocumentRecord, NetworkDetail, StateChange};
use crate::vocabulary::DocumentState;

#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) reference: String,
    pub(crate) auth: String,
    pub(crate) context: String,
    pub(crate) created: Timestamp,
    pub(crate) updated: Timestamp,
    pub(crate) valid_until: Timestamp,
    /// `None` when the wrapped key could not be decrypted: the session is then 415.
    pub(crate) key: Option<Vec<u8>>,
    pub(crate) iv: Vec<u8>,
    pub(crate) closed: Option<Timestamp>,
    /// Invoice references in ordinal order.
    pub(crate) invoices: Vec<String>,
    /// A batch session (`batch.rs` holds its package); online otherwise.
    pub(crate) batch: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Invoice {
    pub(crate) reference: String,
    pub(crate) session: String,
    pub(crate) ordinal: u32,
    pub(crate) document_id: String,
    pub(crate) invoice_hash: String,
    pub(crate) invoicing_date: Timestamp,
    pub(crate) code: u16,
    pub(crate) details: Vec<String>,
    pub(crate) extensions: Option<BTreeMap<String, String>>,
    /// When the status became final.
    pub(crate) settled: Option<Timestamp>,
    pub(crate) ksef_number: Option<String>,
    pub(crate) acquisition: Option<Timestamp>,
    pub(crate) bytes: Arc<[u8]>,
    pub(crate) facts: Option<InvoiceKey>,
    pub(crate) offline: bool,
    /// The file's name in a batch package (`invoiceFileName`).
    pub(crate) file_name: Option<String>,
}

/// What KSeF reads from a valid invoice: its duplicate key and the UPO's fields.
#[derive(Debug, Clone)]
pub(crate) struct InvoiceKey {
    pub(crate) seller_nip: String,
    pub(crate) kind: String,
    pub(crate) number: String,
    pub(crate) issue_date: Option<Date>,
}

impl Invoice {
    pub(crate) fn pending(&self) -> bool {
        matches!(self.code, 100 | 150)
    }
}

/// A session's status as `GET /sessions/{ref}` tells it.
#[derive(Debug, Clone)]
pub(crate) struct SessionStatus {
    pub(crate) code: u16,
    pub(crate) description: &'static str,
    pub(crate) details: Vec<String>,
    pub(crate) updated: Timestamp,
    pub(crate) counts: (usize, usize, usize),
    /// UPO page references, at status 200.
    pub(crate) upo_pages: Vec<String>,
}

/// `POST /sessions/online`: opens even when the key cannot be unwrapped (the session then
/// shows 415 and refuses sends with 21180, which is how integrators find out).
pub(crate) fn open(
    ksef: &Ksef,
    ctx: &Context<'_>,
    grant: &Grant,
    encrypted_key: &[u8],
    iv: Vec<u8>,
) -> Result<(String, Timestamp), KsefError> {
    let now = ctx.now;
    let key = ksef
        .keys()?
        .decrypt(encrypted_key)
        .ok()
        .filter(|key| key.len() == 32);
    let reference = ksef.mint("SO", now);
    let valid_until = now
        .checked_add(ksef.settings.session_ttl())
        .unwrap_or(Timestamp::MAX);
    let failed = key.is_none();
    ksef.records().sessions.insert(
        reference.clone(),
        Session {
            reference: reference.clone(),
            auth: grant.auth.clone(),
            context: grant.context.clone(),
            created: now,
            updated: now,
            valid_until,
            key,
            iv,
            closed: None,
            invoices: Vec::new(),
            batch: false,
        },
    );
    ctx.journal.append(
        now,
        Some(grant.tenant.clone()),
        Record::StateChange {
            subject: format!("ksef session {reference}"),
            from: None,
            to: if failed { "415" } else { "100" }.to_owned(),
            detail: failed.then(|| "the symmetric key could not be decrypted".to_owned()),
        },
    );
    Ok((reference, valid_until))
}

/// The session `reference` of the caller's context, or 21173.
pub(crate) fn session_of(
    ksef: &Ksef,
    grant: &Grant,
    reference: &str,
) -> Result<Session, KsefError> {
    ksef.records()
        .sessions
        .get(reference)
        .filter(|s| s.context == grant.context)
        .cloned()
        .ok_or_else(|| KsefError::no_session(reference))
}

/// The session `reference` whatever its context: the pre-signed download links carry no
/// token, the reference is their secret.
pub(crate) fn stored_session(ksef: &Ksef, reference: &str) -> Result<Session, KsefError> {
    ksef.records()
        .sessions
        .get(reference)
        .cloned()
        .ok_or_else(|| KsefError::no_session(reference))
}

/// Works out a session's status at `now` from its invoices and the clock.
pub(crate) fn status(ksef: &Ksef, session: &Session, now: Timestamp) -> SessionStatus {
    if session.batch {
        return super::batch::status(ksef, session, now);
    }
    let (counts, last_activity, pending) = tally(ksef, session);
    let (total, ok, _) = counts;
    let mut status = SessionStatus {
        code: 100,
        description: "Sesja interaktywna otwarta",
        details: Vec::new(),
        updated: last_activity,
        counts,
        upo_pages: Vec::new(),
    };
    if session.key.is_none() {
        status.code = 415;
        status.description = "Błąd odszyfrowania dostarczonego klucza";
        status.updated = session.created;
        return status;
    }
    let closed = session
        .closed
        .or((now >= session.valid_until).then_some(session.valid_until));
    let Some(closed) = closed else {
        return status;
    };
    status.updated = last_activity.max(closed);
    if total == 0 {
        status.code = 440;
        status.description = "Sesja anulowana";
        status.details = vec!["Nie przesłano faktur".to_owned()];
        return status;
    }
    let ready = closed
        .checked_add(ksef.settings.session_upo())
        .unwrap_or(Timestamp::MAX)
        .max(last_activity);
    if pending || now < ready {
        status.code = 170;
        status.description = "Sesja interaktywna zamknięta";
        return status;
    }
    status.updated = ready;
    if ok == 0 {
        status.code = 445;
        status.description = "Błąd weryfikacji, brak poprawnych faktur";
        return status;
    }
    status.code = 200;
    status.description = "Sesja interaktywna przetworzona pomyślnie";
    status.upo_pages = upo_page_refs(ksef, &session.reference, ready, ok);
    status
}

/// A session's invoice counts (all, successful, failed), its last activity (the latest
/// settled invoice, or the session's own last update), and whether any invoice is pending.
pub(crate) fn tally(ksef: &Ksef, session: &Session) -> ((usize, usize, usize), Timestamp, bool) {
    let records = ksef.records();
    let mut counts = (0, 0, 0);
    let mut last_activity = session.updated;
    let mut pending = false;
    for invoice in session
        .invoices
        .iter()
        .filter_map(|r| records.invoices.get(r))
    {
        counts.0 += 1;
        if invoice.pending() {
            pending = true;
        } else if invoice.code == 200 {
            counts.1 += 1;
        } else {
            counts.2 += 1;
        }
        if let Some(settled) = invoice.settled {
            last_activity = last_activity.max(settled);
        }
    }
    (counts, last_activity, pending)
}

/// The references of the collective UPO's pages, for `ok` numbered invoices, the UPO being
/// ready at `ready`: stable for a session, so a page's link works whenever it is asked for.
pub(crate) fn upo_page_refs(
    ksef: &Ksef,
    session_ref: &str,
    ready: Timestamp,
    ok: usize,
) -> Vec<String> {
    let pages = ok.div_ceil(upo::MAX_DOCUMENTS_PER_PAGE);
    (0..pages)
        .map(|page| {
            super::number::reference_number(
                date_of(ready),
                "EU",
                &format!("{}:{session_ref}:upo:{page}", ksef.seed()),
            )
        })
        .collect()
}

/// What the client declared about an invoice it sends.
#[derive(Debug, Clone)]
pub(crate) struct Declared {
    pub(crate) invoice_hash: String,
    pub(crate) invoice_size: u64,
    pub(crate) encrypted_hash: String,
    pub(crate) encrypted_size: u64,
    pub(crate) content: Vec<u8>,
    pub(crate) offline: bool,
}

/// Checks the declared sizes and hashes and decrypts the content with the session's key:
/// `Ok(None)` when it does not decrypt (the invoice is then taken and refused with 435).
pub(crate) fn unseal(
    key: Option<&[u8]>,
    iv: &[u8],
    declared: &Declared,
) -> Result<Option<Vec<u8>>, KsefError> {
    let wrong_size = || {
        KsefError::exception(
            21402,
            ["Długość treści nie zgadza się z rozmiarem pliku.".to_owned()],
        )
    };
    let wrong_hash = || {
        KsefError::exception(
            21403,
            ["Skrót treści nie zgadza się ze skrótem pliku.".to_owned()],
        )
    };
    if declared.content.len() as u64 != declared.encrypted_size {
        return Err(wrong_size());
    }
    if sha256_base64(&declared.content) != declared.encrypted_hash {
        return Err(wrong_hash());
    }
    let plain = aes256_cbc_decrypt(key.unwrap_or_default(), iv, &declared.content).ok();
    if let Some(plain) = &plain {
        if plain.len() as u64 != declared.invoice_size {
            return Err(wrong_size());
        }
        if sha256_base64(plain) != declared.invoice_hash {
            return Err(wrong_hash());
        }
    }
    Ok(plain)
}

/// `POST /sessions/online/{ref}/invoices`: the synchronous checks, then the invoice is taken
/// (202) and its processing planned as events on the clock.
pub(crate) fn send(
    ksef: &Arc<Ksef>,
    ctx: &Context<'_>,
    grant: &Grant,
    reference: &str,
    declared: Declared,
) -> Result<String, KsefError> {
    let now = ctx.now;
    // What a send needs of its session, read under the lock without copying the session: a
    // copy of its invoice list and the full status (which visits every invoice) made each send
    // cost time in proportion to the invoices already in the session (issue 9's load benchmark).
    // Open, exactly when `status` would answer 100: a usable key, not closed, not expired.
    let open = {
        let records = ksef.records();
        let session = records
            .sessions
            .get(reference)
            .filter(|s| s.context == grant.context && !s.batch)
            .ok_or_else(|| KsefError::no_session(reference))?;
        let open = session.closed.is_none() && now < session.valid_until;
        session
            .key
            .as_ref()
            .filter(|_| open)
            .map(|key| (key.clone(), session.iv.clone(), session.invoices.len()))
    };
    let Some((key, iv, already_sent)) = open else {
        let session = session_of(ksef, grant, reference)?;
        let current = status(ksef, &session, now);
        return Err(KsefError::exception(
            21180,
            [format!(
                "Status sesji ({}) uniemożliwia wysyłkę faktur.",
                current.code
            )],
        ));
    };
    // The context's limits (`GET /limits/context`), which TEST's test data may have changed.
    let limits = ksef.context_limits(&grant.context).online;
    let max_invoices = usize::try_from(limits.max_invoices).unwrap_or(usize::MAX);
    if already_sent >= max_invoices {
        return Err(KsefError::exception(
            21155,
            [format!(
                "Sesja o numerze referencyjnym {reference} osiągnęła dozwolony limit liczby faktur {max_invoices}."
            )],
        ));
    }
    let plain = unseal(Some(&key), &iv, &declared)?;
    Ok(take_in(
        ksef,
        ctx,
        grant,
        reference,
        Received {
            content: plain.ok_or(declared.content),
            invoice_hash: declared.invoice_hash,
            offline: declared.offline,
            file_name: None,
            refused: None,
        },
    ))
}

/// One invoice as it reached KSeF, by either channel, before its checks.
#[derive(Debug)]
pub(crate) struct Received {
    /// The plaintext, or the content that did not decrypt (then refused with 435).
    pub(crate) content: Result<Vec<u8>, Vec<u8>>,
    pub(crate) invoice_hash: String,
    pub(crate) offline: bool,
    /// The file's name in a batch package.
    pub(crate) file_name: Option<String>,
    /// A refusal decided before validation (a batch file over the size limit).
    pub(crate) refused: Option<(u16, Vec<String>)>,
}

/// The per-invoice intake both channels share: validation, the gateway document that mirrors
/// the invoice, its place in the session, the journal, status 100, and its processing planned
/// on the clock. The session must exist (callers have checked it); returns the invoice's
/// reference number.
pub(crate) fn take_in(
    ksef: &Arc<Ksef>,
    ctx: &Context<'_>,
    grant: &Grant,
    reference: &str,
    received: Received,
) -> String {
    let now = ctx.now;
    let inspected = match (&received.refused, &received.content) {
        (None, Ok(plain)) => Some(documents::inspect(
            plain,
            &documents::InspectionContext::new(date_of(now)),
        )),
        _ => None,
    };
    let mut verdict = match (&received.refused, &inspected) {
        (Some((code, details)), _) => Verdict::Refuse(*code, details.clone()),
        (None, None) => Verdict::Refuse(435, vec!["Plik niepoprawnie zaszyfrowany".to_owned()]),
        (None, Some(inspected)) => judge(inspected),
    };
    // The context's limits (`GET /limits/context`), which TEST's test data may have changed,
    // and TEST's consent to attachments.
    let limits = ksef.context_limits(&grant.context);
    let limits = if received.file_name.is_some() {
        limits.batch
    } else {
        limits.online
    };
    if let (Verdict::Accept(_), Ok(plain)) = (&verdict, &received.content) {
        let attached = super::testdata::has_attachment(plain);
        let max_bytes = limits.max_bytes(attached);
        if attached && !ksef.attachments_allowed(&grant.context) {
            verdict = Verdict::Refuse(415, vec![super::testdata::NO_ATTACHMENTS.to_owned()]);
        } else if plain.len() as u64 > max_bytes {
            verdict = Verdict::Refuse(
                450,
                vec![format!(
                    "Rozmiar faktury ({} B) przekracza limit kontekstu ({max_bytes} B).",
                    plain.len()
                )],
            );
        }
    }
    let inspection = inspected.and_then(Result::ok);

    let invoice_ref = ksef.mint("EE", now);
    let bytes: Arc<[u8]> = match received.content {
        Ok(bytes) | Err(bytes) => Arc::from(bytes),
    };
    let facts = match &verdict {
        Verdict::Accept(key) => Some(key.clone()),
        Verdict::Refuse(..) => None,
    };
    let record = ledger_record(ctx, grant, reference, &bytes, inspection);
    let document_id = record.id.clone();
    let ordinal = {
        let mut records = ksef.records();
        let ordinal = match records.sessions.get_mut(reference) {
            Some(session) => {
                session.invoices.push(invoice_ref.clone());
                session.updated = now;
                u32::try_from(session.invoices.len()).unwrap_or(u32::MAX)
            }
            None => 0,
        };
        records.invoices.insert(
            invoice_ref.clone(),
            Invoice {
                reference: invoice_ref.clone(),
                session: reference.to_owned(),
                ordinal,
                document_id: document_id.clone(),
                invoice_hash: received.invoice_hash,
                invoicing_date: now,
                code: 100,
                details: Vec::new(),
                extensions: None,
                settled: None,
                ksef_number: None,
                acquisition: None,
                bytes: bytes.clone(),
                facts: facts.clone(),
                offline: received.offline,
                file_name: received.file_name,
            },
        );
        ordinal
    };
    ctx.store.ledger.record(&grant.tenant, record.clone());
    let mut taken = DocumentTaken::of(&record, DocumentTaken::NATIVE, None);
    taken.document = invoice_ref.clone();
    taken.recipient = record.recipient.as_deref().map(participant_id);
    ctx.journal.append(
        now,
        Some(grant.tenant.clone()),
        Record::DocumentTaken(taken),
    );
    note_status(ctx, &grant.tenant, &invoice_ref, None, 100, None);
    record_change(
        ctx,
        &grant.tenant,
        &DocumentChange::of(&record, None),
        Some(format!(
            "KSeF invoice {invoice_ref} (#{ordinal} in session {reference}): 100"
        )),
    );
    plan_processing(ksef, ctx, &grant.tenant, &invoice_ref, &record, verdict);
    invoice_ref
}

/// What processing will make of an invoice.
#[derive(Debug, Clone)]
pub(super) enum Verdict {
    Accept(InvoiceKey),
    Refuse(u16, Vec<String>),
}

/// FA(3) validation as KSeF runs it: anything that is not a valid FA(3) is 450, with the
/// validator's words as details.
fn judge(inspected: &Result<Inspection, DocumentError>) -> Verdict {
    match inspected {
        Err(DocumentError::NotXml(why) | DocumentError::Hostile(why)) => {
            Verdict::Refuse(450, vec!["Nieprawidłowy XML".to_owned(), why.clone()])
        }
        Err(DocumentError::UnsupportedFormat(why)) => Verdict::Refuse(450, vec![why.clone()]),
        Ok(inspection) if inspection.format != Format::KsefFa3 => Verdict::Refuse(
            450,
            vec![format!(
                "Dokument {} nie jest fakturą FA (3) zadeklarowaną przy otwarciu sesji.",
                inspection.format.as_str()
            )],
        ),
        Ok(inspection) if !inspection.is_valid() => Verdict::Refuse(
            450,
            inspection
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Fatal)
                .map(|f| format!("{} ({}): {}", f.location, f.rule, f.message))
                .collect(),
        ),
        Ok(inspection) => {
            let invoice = inspection
                .facts
                .invoices
                .first()
                .cloned()
                .unwrap_or_default();
            Verdict::Accept(InvoiceKey {
                seller_nip: inspection.facts.seller_tax_id.clone().unwrap_or_default(),
                kind: invoice.type_code,
                number: invoice.number,
                issue_date: invoice.issue_date.parse().ok(),
            })
        }
    }
}

/// The gateway document that mirrors a KSeF invoice; the session is its submission.
fn ledger_record(
    ctx: &Context<'_>,
    grant: &Grant,
    session_ref: &str,
    bytes: &Arc<[u8]>,
    inspection: Option<Inspection>,
) -> DocumentRecord {
    let now = ctx.now;
    let (mut facts, findings) = inspection
        .map(|i| (i.facts, i.findings))
        .unwrap_or_default();
    if facts.seller_tax_id.is_none() {
        facts.seller_tax_id = Some(grant.context.clone());
    }
    DocumentRecord {
        id: ctx.store.ledger.mint_id("inv", ctx.seed),
        submission_id: session_ref.to_owned(),
        reference: facts.invoices.first().map(|i| i.number.clone()),
        direction: crate::vocabulary::Direction::Outbound,
        network: crate::vocabulary::Network::Ksef,
        recipient: facts.recipient.clone(),
        format: Format::KsefFa3,
        state: DocumentState::Sent,
        history: vec![StateChange {
            state: DocumentState::Sent,
            at: now,
            network_status: Some("100".to_owned()),
        }],
        created_at: now,
        updated_at: now,
        content_hash: sha256_hex(bytes),
        bytes: bytes.clone(),
        facts,
        findings,
        corrections: Vec::new(),
        network_detail: NetworkDetail {
            status: Some("100".to_owned()),
            description: Some(invoice_description(100).to_owned()),
            errors: Vec::new(),
            network_id: None,
        },
    }
}

/// A buyer's NIP as the scenario's participants and the suite's steps write it.
fn participant_id(nip: &str) -> String {
    if nip.starts_with("KSEF:") {
        nip.to_owned()
    } else {
        format!("KSEF:{nip}")
    }
}

/// `POST /sessions/online/{ref}/close`: only an open session can be closed (21180).
pub(crate) fn close(
    ksef: &Ksef,
    ctx: &Context<'_>,
    grant: &Grant,
    reference: &str,
) -> Result<(), KsefError> {
    let now = ctx.now;
    let session = session_of(ksef, grant, reference)?;
    if session.batch {
        return Err(KsefError::no_session(reference));
    }
    let current = status(ksef, &session, now);
    if current.code != 100 {
        return Err(KsefError::exception(
            21180,
            [format!(
                "Status sesji {} uniemożliwia jej zamknięcie.",
                current.code
            )],
        ));
    }
    if let Some(session) = ksef.records().sessions.get_mut(reference) {
        session.closed = Some(now);
        session.updated = now;
    }
    ctx.journal.append(
        now,
        Some(grant.tenant.clone()),
        Record::StateChange {
            subject: format!("ksef session {reference}"),
            from: Some("100".to_owned()),
            to: "170".to_owned(),
            detail: Some("closed by the client".to_owned()),
        },
    );
    Ok(())
}

/// The UPO entry of a numbered invoice.
pub(crate) fn upo_entry(invoice: &Invoice) -> Option<UpoEntry> {
    let facts = invoice.facts.as_ref()?;
    Some(UpoEntry {
        seller_nip: facts.seller_nip.clone(),
        ksef_number: invoice.ksef_number.clone()?,
        invoice_number: facts.number.clone(),
        issue_date: facts
            .issue_date
            .unwrap_or_else(|| date_of(invoice.invoicing_date)),
        sent_at: invoice.invoicing_date,
        numbered_at: invoice.acquisition?,
        invoice_hash: invoice.invoice_hash.clone(),
        offline: invoice.offline,
    })
}

pub(crate) fn upo_header(ksef: &Ksef, session: &Session) -> UpoHeader {
    let (context, auth) = ksef.proof_of(&session.auth);
    UpoHeader {
        session_reference: session.reference.clone(),
        context,
        auth,
        form: Form {
            logical_structure: "Schemat_FA(3)_v1-0E.xsd".to_owned(),
            form_code: "FA (3)".to_owned(),
        },
    }
}

/// The per-invoice UPO, once it exists (21178 before).
pub(crate) fn invoice_upo(
    ksef: &Ksef,
    session: &Session,
    invoice: &Invoice,
    now: Timestamp,
) -> Result<String, KsefError> {
    let missing = || {
        KsefError::exception(
            21178,
            [format!(
                "UPO o numerze referencyjnym {} dla sesji {} nie zostało znalezione.",
                invoice.reference, session.reference
            )],
        )
    };
    let ready = invoice
        .acquisition
        .and_then(|at| at.checked_add(ksef.settings.upo()).ok())
        .is_some_and(|ready| now >= ready);
    if !ready {
        return Err(missing());
    }
    let entry = upo_entry(invoice).ok_or_else(missing)?;
    Ok(upo::invoice_upo(&upo_header(ksef, session), &entry))
}

/// One page of the collective UPO, at session status 200 (21178 before or for another page).
pub(crate) fn session_upo(
    ksef: &Ksef,
    session: &Session,
    page_ref: &str,
    now: Timestamp,
) -> Result<String, KsefError> {
    let current = status(ksef, session, now);
    let missing = || {
        KsefError::exception(
            21178,
            [format!(
                "UPO o numerze referencyjnym {page_ref} dla sesji {} nie zostało znalezione.",
                session.reference
            )],
        )
    };
    let index = current
        .upo_pages
        .iter()
        .position(|p| p == page_ref)
        .ok_or_else(missing)?;
    let entries: Vec<UpoEntry> = {
        let records = ksef.records();
        session
            .invoices
            .iter()
            .filter_map(|r| records.invoices.get(r))
            .filter(|i| i.code == 200)
            .filter_map(upo_entry)
            .collect()
    };
    let (page, range) = upo::paginate(&entries)
        .into_iter()
        .nth(index)
        .ok_or_else(missing)?;
    let slice = entries.get(range).ok_or_else(missing)?;
    Ok(upo::session_upo_page(
        &upo_header(ksef, session),
        &page,
        slice,
    ))
}

/// The invoice `invoice_ref` of session `session`.
pub(crate) fn invoice_in(ksef: &Ksef, session: &Session, invoice_ref: &str) -> Option<Invoice> {
    ksef.records()
        .invoices
        .get(invoice_ref)
        .filter(|i| i.session == session.reference)
        .cloned()
}

/// The session's invoices in ordinal order, only the failed ones when asked.
pub(crate) fn invoices_of(ksef: &Ksef, session: &Session, failed_only: bool) -> Vec<Invoice> {
    let records = ksef.records();
    session
        .invoices
        .iter()
        .filter_map(|r| records.invoices.get(r))
        .filter(|i| !failed_only || (!i.pending() && i.code != 200))
        .cloned()
        .collect()
}

/// A stored invoice by KSeF number, for its seller's context.
pub(crate) fn by_ksef_number(ksef: &Ksef, grant: &Grant, number: &str) -> Option<Invoice> {
    let records = ksef.records();
    let reference = records.by_ksef_number.get(number)?;
    let invoice = records.invoices.get(reference)?;
    let session = records.sessions.get(&invoice.session)?;
    (session.context == grant.context).then(|| invoice.clone())
}
