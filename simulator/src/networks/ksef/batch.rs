//! Batch sessions: a ZIP of invoices, split into parts, each part AES-256-CBC encrypted with
//! the session key and uploaded to a pre-signed URL; closing the session checks the package
//! and hands every file in it to the same intake as an online invoice (`sessions::take_in`),
//! so KSeF numbers, statuses, duplicates, UPOs and the gateway's mirror documents are one
//! code path whichever way an invoice came.
//!
//! What close can tell at once (a part not sent, a part of another size than declared, the
//! upload window over) is an error of the close request, as KSeF answers it; what KSeF only
//! finds while processing (a part's hash, its decryption, the ZIP, the invoice limit) is the
//! session's status once the processing delay has passed on the clock.

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read as _};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use jiff::Timestamp;
use sha2::{Digest as _, Sha256};

use super::crypto::{aes256_cbc_decrypt, sha256_base64};
use super::error::KsefError;
use super::sessions::{self, Received, Session, SessionStatus, take_in};
use super::state::{Grant, Ksef};
use crate::digest::sha256_hex;
use crate::journal::Record;
use crate::runtime::Context;

/// At most 50 parts per package.
pub(crate) const MAX_PARTS: usize = 50;
/// A part is at most 100 MB before encryption, so at most this after (PKCS#7 adds a block to
/// an aligned plaintext).
pub(crate) const MAX_ENCRYPTED_PART: u64 = 100_000_000 + 16;
/// The whole ZIP is at most 5 GB.
pub(crate) const MAX_PACKAGE: u64 = 5_000_000_000;
/// Each part may be uploaded for 20 minutes per declared part, counted from the opening.
pub(crate) const UPLOAD_WINDOW_PER_PART: Duration = Duration::from_secs(20 * 60);
/// An invoice file is at most 3 MB (the limit for invoices with attachments); a larger file
/// is refused on its own, not the package.
pub(crate) const MAX_INVOICE_BYTES: u64 = 3_000_000;
/// eisim's own cap on what a package may expand to, so that a ZIP bomb costs a refusal (430)
/// rather than the process's memory: 10,000 invoices of 100 KB fit with room to spare.
pub(crate) const MAX_EXPANDED_BYTES: u64 = 2_000_000_000;

/// One declared part: its ordinal, and its encrypted size and SHA-256 (Base64).
#[derive(Debug, Clone)]
pub(crate) struct PartDeclaration {
    pub(crate) ordinal: u32,
    pub(crate) size: u64,
    pub(crate) hash: String,
}

/// A declared part and the bytes uploaded for it.
pub(crate) type UploadedPart = (PartDeclaration, Arc<[u8]>);

/// What the client declared about its package: the ZIP's size and SHA-256 before splitting
/// and encryption, and its parts.
#[derive(Debug, Clone)]
pub(crate) struct Package {
    pub(crate) size: u64,
    pub(crate) hash: String,
    pub(crate) parts: Vec<PartDeclaration>,
}

/// The batch sessions of a run: their packages, the parts uploaded so far, and which upload
/// secret leads to which part. Behind its own lock, never held together with the records'.
#[derive(Debug, Default)]
pub(crate) struct Batches {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<String, Batch>,
    /// Upload secret -> (session, part ordinal).
    uploads: HashMap<String, (String, u32)>,
    minted: u64,
}

#[derive(Debug)]
struct Batch {
    package: Package,
    offline: bool,
    /// The end of the upload window.
    deadline: Timestamp,
    uploaded: BTreeMap<u32, Arc<[u8]>>,
    /// How processing ended, once closed: `None` when the files were taken in.
    failure: Option<(u16, Vec<String>)>,
}

impl Batches {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A part's upload request: its ordinal and the secret its URL carries.
#[derive(Debug, Clone)]
pub(crate) struct UploadSlot {
    pub(crate) ordinal: u32,
    pub(crate) secret: String,
}

/// What `POST /sessions/batch` answers with.
#[derive(Debug, Clone)]
pub(crate) struct Opened {
    pub(crate) reference: String,
    pub(crate) slots: Vec<UploadSlot>,
}

fn is_sha256_base64(hash: &str) -> bool {
    B64.decode(hash).is_ok_and(|digest| digest.len() == 32)
}

/// The declaration's own checks: the part count (21161), each part's size (21157), and the
/// rest of the shape (21405).
pub(crate) fn check_package(package: &Package) -> Result<(), KsefError> {
    if package.parts.len() > MAX_PARTS {
        return Err(KsefError::exception(
            21161,
            [format!(
                "Zadeklarowano {} części pakietu; dozwolone jest najwyżej {MAX_PARTS}.",
                package.parts.len()
            )],
        ));
    }
    if package.parts.is_empty() {
        return Err(KsefError::invalid_input(
            "batchFile.fileParts: at least one part is required",
        ));
    }
    if !(1..=MAX_PACKAGE).contains(&package.size) {
        return Err(KsefError::invalid_input(format!(
            "batchFile.fileSize: expected 1 to {MAX_PACKAGE}, found {}",
            package.size
        )));
    }
    if !is_sha256_base64(&package.hash) {
        return Err(KsefError::invalid_input(
            "batchFile.fileHash: expected a SHA-256 digest in Base64",
        ));
    }
    let mut ordinals: Vec<u32> = package.parts.iter().map(|p| p.ordinal).collect();
    ordinals.sort_unstable();
    let expected = (1..).take(ordinals.len());
    if !ordinals.iter().copied().eq(expected) {
        return Err(KsefError::invalid_input(format!(
            "batchFile.fileParts: ordinal numbers must run 1 to {} without gaps or repeats, found {ordinals:?}",
            ordinals.len()
        )));
    }
    for part in &package.parts {
        if part.size == 0 || part.size > MAX_ENCRYPTED_PART || part.size % 16 != 0 {
            return Err(KsefError::exception(
                21157,
                [format!(
                    "Rozmiar części '{}' ({} B) jest nieprawidłowy: zaszyfrowana część to wielokrotność 16 B, najwyżej {MAX_ENCRYPTED_PART} B.",
                    part.ordinal, part.size
                )],
            ));
        }
        if !is_sha256_base64(&part.hash) {
            return Err(KsefError::invalid_input(format!(
                "batchFile.fileParts[{}].fileHash: expected a SHA-256 digest in Base64",
                part.ordinal
            )));
        }
    }
    Ok(())
}

/// `POST /sessions/batch`: opens even when the key cannot be unwrapped (the session then shows
/// 415), as online sessions do. Each part gets an upload secret from the run's seed, so the
/// URLs replay with the seed and cannot be guessed without it.
pub(crate) fn open(
    ksef: &Ksef,
    ctx: &Context<'_>,
    grant: &Grant,
    package: Package,
    encrypted_key: &[u8],
    iv: Vec<u8>,
    offline: bool,
) -> Result<Opened, KsefError> {
    check_package(&package)?;
    let now = ctx.now;
    let key = ksef
        .keys()?
        .decrypt(encrypted_key)
        .ok()
        .filter(|key| key.len() == 32);
    let failed = key.is_none();
    let reference = ksef.mint("SB", now);
    let parts = u32::try_from(package.parts.len()).unwrap_or(u32::MAX);
    let deadline = now
        .checked_add(UPLOAD_WINDOW_PER_PART * parts)
        .unwrap_or(Timestamp::MAX);
    let mut ordinals: Vec<u32> = package.parts.iter().map(|p| p.ordinal).collect();
    ordinals.sort_unstable();
    let slots: Vec<UploadSlot> = {
        let mut batches = ksef.batches.lock();
        let slots: Vec<UploadSlot> = ordinals
            .into_iter()
            .map(|ordinal| {
                batches.minted += 1;
                let secret = sha256_hex(
                    format!("{}:ksef-batch-upload:{}", ksef.seed(), batches.minted).as_bytes(),
                );
                UploadSlot { ordinal, secret }
            })
            .collect();
        for slot in &slots {
            batches
                .uploads
                .insert(slot.secret.clone(), (reference.clone(), slot.ordinal));
        }
        batches.sessions.insert(
            reference.clone(),
            Batch {
                package,
                offline,
                deadline,
                uploaded: BTreeMap::new(),
                failure: None,
            },
        );
        slots
    };
    ksef.records().sessions.insert(
        reference.clone(),
        Session {
            reference: reference.clone(),
            auth: grant.auth.clone(),
            context: grant.context.clone(),
            created: now,
            updated: now,
            valid_until: deadline,
            key,
            iv,
            closed: None,
            invoices: Vec::new(),
            batch: true,
        },
    );
    ctx.journal.append(
        now,
        Some(grant.tenant.clone()),
        Record::StateChange {
            subject: format!("ksef session {reference}"),
            from: None,
            to: if failed { "415" } else { "100" }.to_owned(),
            detail: Some(if failed {
                "batch session; the symmetric key could not be decrypted".to_owned()
            } else {
                format!("batch session, {parts} part(s) to upload")
            }),
        },
    );
    Ok(Opened { reference, slots })
}

/// `PUT` of one part to its pre-signed URL: no token; the secret is the authorisation, valid
/// until the upload window ends or the session is closed (403 after, as Azure's storage
/// answers an expired signature). A part may be uploaded again until then; the last upload
/// counts.
pub(crate) fn upload(
    ksef: &Ksef,
    secret: &str,
    blob_type: Option<&str>,
    body: Vec<u8>,
    now: Timestamp,
) -> Result<(), KsefError> {
    let mut batches = ksef.batches.lock();
    let (reference, ordinal) = batches.uploads.get(secret).cloned().ok_or_else(|| {
        KsefError::Forbidden {
            reason: "upload-url-unknown",
            detail: "Adres przesyłania części jest nieprawidłowy: nie został wydany przy otwarciu sesji wsadowej.".to_owned(),
        }
    })?;
    let closed = ksef
        .records()
        .sessions
        .get(&reference)
        .is_some_and(|s| s.closed.is_some());
    let batch = batches
        .sessions
        .get_mut(&reference)
        .ok_or_else(|| KsefError::no_session(&reference))?;
    if now >= batch.deadline {
        return Err(KsefError::Forbidden {
            reason: "upload-url-expired",
            detail: format!(
                "Adres przesyłania części '{ordinal}' wygasł {} (20 minut na każdą zadeklarowaną część od otwarcia sesji).",
                super::wire::ksef_time(batch.deadline)
            ),
        });
    }
    if closed {
        return Err(KsefError::Forbidden {
            reason: "session-closed",
            detail: format!("Sesja {reference} została zamknięta; części nie można już przesyłać."),
        });
    }
    if blob_type.is_none_or(|t| t.trim() != "BlockBlob") {
        return Err(KsefError::invalid_input(format!(
            "x-ms-blob-type: the upload request lists `x-ms-blob-type: BlockBlob`, found {}",
            blob_type.map_or_else(|| "no such header".to_owned(), |t| format!("`{t}`"))
        )));
    }
    batch.uploaded.insert(ordinal, Arc::from(body));
    Ok(())
}

/// An invoice file out of the package: its name, its SHA-256 (Base64), and its bytes or, over
/// the size limit, the size it has.
#[derive(Debug)]
pub(crate) struct PackedFile {
    pub(crate) name: String,
    pub(crate) hash: String,
    pub(crate) content: Result<Vec<u8>, u64>,
}

/// A package KSeF gives up on while processing: the session's status and its details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) code: u16,
    pub(crate) details: Vec<String>,
}

fn failure(code: u16, detail: String) -> Failure {
    Failure {
        code,
        details: vec![detail],
    }
}

/// What processing does with the uploaded parts, in order: each part's hash, its decryption,
/// the reassembled ZIP's size and hash, then the ZIP itself, read within the limits. `parts`
/// are in ordinal order and match the declaration's sizes (close has checked both).
pub(crate) fn unpack(
    key: &[u8],
    iv: &[u8],
    package: &Package,
    parts: &[UploadedPart],
    max_files: usize,
) -> Result<Vec<PackedFile>, Failure> {
    let mut zip = Vec::with_capacity(usize::try_from(package.size).unwrap_or(0).min(1 << 30));
    for (declared, bytes) in parts {
        if sha256_base64(bytes) != declared.hash {
            return Err(failure(
                405,
                format!(
                    "Skrót części '{}' nie zgadza się z zadeklarowanym.",
                    declared.ordinal
                ),
            ));
        }
        let plain = aes256_cbc_decrypt(key, iv, bytes).map_err(|error| {
            failure(
                435,
                format!(
                    "Nie udało się odszyfrować części '{}': {error}.",
                    declared.ordinal
                ),
            )
        })?;
        zip.extend_from_slice(&plain);
    }
    if zip.len() as u64 != package.size {
        return Err(failure(
            405,
            format!(
                "Rozmiar paczki po złożeniu części ({} B) nie zgadza się z zadeklarowanym ({} B).",
                zip.len(),
                package.size
            ),
        ));
    }
    if sha256_base64(&zip) != package.hash {
        return Err(failure(
            405,
            "Skrót paczki po złożeniu części nie zgadza się z zadeklarowanym.".to_owned(),
        ));
    }
    read_zip(&zip, max_files)
}

/// The files of the ZIP, each an invoice; directories are skipped. Anything the ZIP reader
/// cannot read (a damaged archive, an entry's CRC, an encrypted or unknown compression) is
/// 430; more than 10,000 files is 420.
pub(crate) fn read_zip(zip: &[u8], max_files: usize) -> Result<Vec<PackedFile>, Failure> {
    let unreadable = |error: &dyn std::fmt::Display| {
        failure(430, format!("Archiwum ZIP nie daje się odczytać: {error}."))
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).map_err(|e| unreadable(&e))?;
    let files = archive
        .file_names_raw()
        .filter(|name| !name.ends_with(b"/"))
        .count();
    if files > max_files {
        return Err(failure(
            420,
            format!("Paczka zawiera {files} plików; limit faktur w sesji to {max_files}."),
        ));
    }
    let mut expanded: u64 = 0;
    let mut out = Vec::with_capacity(files);
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| unreadable(&e))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().map_err(|e| unreadable(&e))?.into_owned();
        // Read through, hashing all of it but keeping no more than the limit, so that an
        // oversized file still has its real hash and size to report.
        let mut hasher = Sha256::new();
        let mut kept = Vec::new();
        let mut size: u64 = 0;
        let mut buffer = [0_u8; 64 * 1024];
        loop {
            let read = entry
                .read(&mut buffer)
                .map_err(|e| unreadable(&format!("{name}: {e}")))?;
            let Some(chunk) = buffer.get(..read).filter(|c| !c.is_empty()) else {
                break;
            };
            hasher.update(chunk);
            size = size.saturating_add(read as u64);
            expanded = expanded.saturating_add(read as u64);
            if expanded > MAX_EXPANDED_BYTES {
                return Err(failure(
                    430,
                    format!(
                        "Archiwum rozpakowuje się do ponad {MAX_EXPANDED_BYTES} B (limit eisim)."
                    ),
                ));
            }
            if size <= MAX_INVOICE_BYTES {
                kept.extend_from_slice(chunk);
            }
        }
        let content = if size > MAX_INVOICE_BYTES {
            Err(size)
        } else {
            Ok(kept)
        };
        let hash = B64.encode(hasher.finalize());
        out.push(PackedFile {
            name,
            hash,
            content,
        });
    }
    Ok(out)
}

/// `POST /sessions/batch/{ref}/close`: refuses what it can tell at once (21173, 21180, 21208,
/// 21205, 21157); otherwise the session is closed, the package processed, and each file taken
/// in as an invoice at this instant. A package KSeF would give up on shows its status after the
/// processing delay.
pub(crate) fn close(
    ksef: &Arc<Ksef>,
    ctx: &Context<'_>,
    grant: &Grant,
    reference: &str,
) -> Result<(), KsefError> {
    let now = ctx.now;
    let session = sessions::session_of(ksef, grant, reference)?;
    if !session.batch {
        return Err(KsefError::no_session(reference));
    }
    let current = status(ksef, &session, now);
    let (package, offline, parts) = {
        let batches = ksef.batches.lock();
        let batch = batches
            .sessions
            .get(reference)
            .ok_or_else(|| KsefError::no_session(reference))?;
        if current.code == 440 || now >= batch.deadline {
            return Err(KsefError::exception(
                21208,
                ["Sesja anulowana, przekroczony czas wysyłki.".to_owned()],
            ));
        }
        if current.code != 100 {
            return Err(KsefError::exception(
                21180,
                [format!(
                    "Status sesji {} uniemożliwia jej zamknięcie.",
                    current.code
                )],
            ));
        }
        let mut declared = batch.package.parts.clone();
        declared.sort_by_key(|p| p.ordinal);
        let mut parts = Vec::with_capacity(declared.len());
        for part in declared {
            let bytes = batch
                .uploaded
                .get(&part.ordinal)
                .filter(|b| !b.is_empty())
                .cloned()
                .ok_or_else(|| {
                    KsefError::exception(
                        21205,
                        [format!(
                            "Nie przesłano zadeklarowanej '{}' części pliku.",
                            part.ordinal
                        )],
                    )
                })?;
            if bytes.len() as u64 != part.size {
                return Err(KsefError::exception(
                    21157,
                    [format!(
                        "Zadeklarowany rozmiar części '{}' nie zgadza się z rzeczywistym.",
                        part.ordinal
                    )],
                ));
            }
            parts.push((part, bytes));
        }
        (batch.package.clone(), batch.offline, parts)
    };
    let key = session.key.clone().unwrap_or_default();
    // The context's batch limit (`GET /limits/context`), which TEST's test data may change.
    let max_files = ksef.context_limits(&grant.context).batch.max_invoices;
    let max_files = usize::try_from(max_files).unwrap_or(usize::MAX);
    let unpacked = unpack(&key, &session.iv, &package, &parts, max_files);
    if matches!(&unpacked, Ok(files) if files.is_empty()) {
        return Err(KsefError::exception(
            21205,
            ["Pakiet nie może być pusty: archiwum nie zawiera plików.".to_owned()],
        ));
    }
    if let Some(session) = ksef.records().sessions.get_mut(reference) {
        session.closed = Some(now);
        session.updated = now;
    }
    let (files, detail) = match unpacked {
        Ok(files) => {
            let detail = format!("closed by the client; {} file(s) taken in", files.len());
            (files, detail)
        }
        Err(failed) => {
            let detail = format!(
                "closed by the client; the package fails with {}: {}",
                failed.code,
                failed.details.join(" ")
            );
            if let Some(batch) = ksef.batches.lock().sessions.get_mut(reference) {
                batch.failure = Some((failed.code, failed.details));
                // The parts are no longer needed once judged.
                batch.uploaded.clear();
            }
            (Vec::new(), detail)
        }
    };
    ctx.journal.append(
        now,
        Some(grant.tenant.clone()),
        Record::StateChange {
            subject: format!("ksef session {reference}"),
            from: Some("100".to_owned()),
            to: "150".to_owned(),
            detail: Some(detail),
        },
    );
    if files.is_empty() {
        return Ok(());
    }
    if let Some(batch) = ksef.batches.lock().sessions.get_mut(reference) {
        batch.uploaded.clear();
    }
    for file in files {
        let (content, refused) = match file.content {
            Ok(bytes) => (bytes, None),
            Err(size) => (
                Vec::new(),
                Some((
                    430,
                    vec![format!(
                        "Plik {} ma {size} B; dozwolony rozmiar faktury to najwyżej {MAX_INVOICE_BYTES} B.",
                        file.name
                    )],
                )),
            ),
        };
        take_in(
            ksef,
            ctx,
            grant,
            reference,
            Received {
                invoice_hash: file.hash,
                content: Ok(content),
                offline,
                file_name: Some(file.name),
                refused,
            },
        );
    }
    Ok(())
}

/// A batch session's status at `now`, worked out from the clock, its package and its
/// invoices (`sessions::status` hands batch sessions here).
pub(crate) fn status(ksef: &Ksef, session: &Session, now: Timestamp) -> SessionStatus {
    let (deadline, uploaded_any, failure) = {
        let batches = ksef.batches.lock();
        match batches.sessions.get(&session.reference) {
            Some(batch) => (
                batch.deadline,
                !batch.uploaded.is_empty(),
                batch.failure.clone(),
            ),
            None => (session.valid_until, false, None),
        }
    };
    let (counts, last_activity, pending) = sessions::tally(ksef, session);
    let mut status = SessionStatus {
        code: 100,
        description: "Sesja wsadowa rozpoczęta",
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
    let Some(closed) = session.closed else {
        if now >= deadline {
            status.code = 440;
            status.description = "Sesja anulowana";
            status.details = vec![
                if uploaded_any {
                    "Przekroczono czas wysyłki"
                } else {
                    "Nie przesłano faktur"
                }
                .to_owned(),
            ];
            status.updated = deadline;
        }
        return status;
    };
    let judged = closed
        .checked_add(ksef.settings.processing())
        .unwrap_or(Timestamp::MAX);
    if let Some((code, details)) = failure {
        if now < judged {
            status.code = 150;
            status.description = "Trwa przetwarzanie";
            status.updated = closed;
            return status;
        }
        status.code = code;
        status.description = match code {
            405 => "Błąd weryfikacji poprawności dostarczonych elementów paczki",
            420 => "Przekroczony limit faktur w sesji",
            430 => "Błąd dekompresji pierwotnego archiwum",
            435 => "Błąd odszyfrowania zaszyfrowanych części archiwum",
            _ => "Nieznany błąd",
        };
        status.details = details;
        status.updated = judged;
        return status;
    }
    let ready = closed
        .checked_add(ksef.settings.session_upo())
        .unwrap_or(Timestamp::MAX)
        .max(last_activity);
    if pending || now < ready {
        status.code = 150;
        status.description = "Trwa przetwarzanie";
        return status;
    }
    status.updated = ready;
    let (_, ok, _) = counts;
    if ok == 0 {
        status.code = 445;
        status.description = "Błąd weryfikacji, brak poprawnych faktur";
        return status;
    }
    status.code = 200;
    status.description = "Sesja wsadowa przetworzona pomyślnie";
    status.upo_pages = sessions::upo_page_refs(ksef, &session.reference, ready, ok);
    status
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Write as _;

    use zip::write::SimpleFileOptions;

    use super::*;
    use crate::networks::ksef::crypto::aes256_cbc_encrypt;

    const KEY: [u8; 32] = [5; 32];
    const IV: [u8; 16] = [6; 16];

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in files {
            if name.ends_with('/') {
                writer
                    .add_directory(*name, SimpleFileOptions::default())
                    .unwrap();
            } else {
                writer
                    .start_file(*name, SimpleFileOptions::default())
                    .unwrap();
                writer.write_all(bytes).unwrap();
            }
        }
        writer.finish().unwrap().into_inner()
    }

    /// The package and its parts as a client declares and uploads them.
    fn packed(zip: &[u8], parts: usize) -> (Package, Vec<UploadedPart>) {
        let chunk = zip.len().div_ceil(parts).max(1);
        let uploaded: Vec<UploadedPart> = zip
            .chunks(chunk)
            .enumerate()
            .map(|(i, plain)| {
                let bytes = aes256_cbc_encrypt(&KEY, &IV, plain).unwrap();
                let declared = PartDeclaration {
                    ordinal: u32::try_from(i + 1).unwrap(),
                    size: bytes.len() as u64,
                    hash: sha256_base64(&bytes),
                };
                (declared, Arc::from(bytes))
            })
            .collect();
        let package = Package {
            size: zip.len() as u64,
            hash: sha256_base64(zip),
            parts: uploaded.iter().map(|(d, _)| d.clone()).collect(),
        };
        (package, uploaded)
    }

    #[test]
    fn a_package_unpacks_into_its_files_in_order_without_directories() {
        let big = vec![b'x'; usize::try_from(MAX_INVOICE_BYTES).unwrap() + 1];
        let zip = zip_of(&[
            ("a.xml", b"<a/>"),
            ("dir/", b""),
            ("dir/b.xml", b"<b/>"),
            ("big.xml", &big),
        ]);
        let (package, parts) = packed(&zip, 3);
        check_package(&package).unwrap();
        let files = unpack(&KEY, &IV, &package, &parts, 10_000).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a.xml", "dir/b.xml", "big.xml"]);
        assert_eq!(files[0].content.as_deref().unwrap(), b"<a/>");
        assert_eq!(files[0].hash, sha256_base64(b"<a/>"));
        assert_eq!(files[2].content, Err(MAX_INVOICE_BYTES + 1));
        assert_eq!(files[2].hash, sha256_base64(&big));
    }

    #[test]
    fn each_broken_package_fails_with_its_status() {
        let zip = zip_of(&[("a.xml", b"<a/>")]);
        let (package, parts) = packed(&zip, 1);

        let mut wrong_part_hash = parts.clone();
        wrong_part_hash[0].0.hash = sha256_base64(b"other");
        assert_eq!(
            unpack(&KEY, &IV, &package, &wrong_part_hash, 10_000)
                .unwrap_err()
                .code,
            405
        );

        assert_eq!(
            unpack(&[9; 32], &IV, &package, &parts, 10_000)
                .unwrap_err()
                .code,
            435
        );

        let mut wrong_size = package.clone();
        wrong_size.size += 1;
        assert_eq!(
            unpack(&KEY, &IV, &wrong_size, &parts, 10_000)
                .unwrap_err()
                .code,
            405
        );

        let garbage = b"definitely not a zip archive".repeat(3);
        let (package, parts) = packed(&garbage, 1);
        assert_eq!(
            unpack(&KEY, &IV, &package, &parts, 10_000)
                .unwrap_err()
                .code,
            430
        );
    }

    #[test]
    fn the_declaration_is_checked_before_anything_is_stored() {
        let (package, _) = packed(&zip_of(&[("a.xml", b"<a/>")]), 1);
        let code = |package: &Package| match check_package(package) {
            Err(KsefError::Exception { code, .. }) => code,
            other => panic!("{other:?}"),
        };
        let mut many = package.clone();
        many.parts = (1..=51)
            .map(|n| PartDeclaration {
                ordinal: n,
                ..package.parts[0].clone()
            })
            .collect();
        assert_eq!(code(&many), 21161);
        let mut odd = package.clone();
        odd.parts[0].size = 15;
        assert_eq!(code(&odd), 21157);
        let mut none = package.clone();
        none.parts.clear();
        assert_eq!(code(&none), 21405);
        let mut repeated = package.clone();
        repeated.parts.push(package.parts[0].clone());
        assert_eq!(code(&repeated), 21405);
        let mut huge = package;
        huge.size = MAX_PACKAGE + 1;
        assert_eq!(code(&huge), 21405);
    }
}
