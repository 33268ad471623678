//! `POST /invoices/exports` and `GET /invoices/exports/{ref}`: an asynchronous export of the
//! invoices a query finds into a package the client downloads from pre-signed links. The
//! package is a ZIP of `{ksefNumber}.xml` files and `_metadata.json` (`{"invoices": [...]}`,
//! each an `InvoiceMetadata`), cut into parts of at most 50 MB, each part encrypted with
//! AES-256-CBC under the key the client sent (RSA-OAEP wrapped, as for a session).
//!
//! The package is made from the repository as it is when the export is asked for (what the
//! real service finds a moment later is the same, since it only ever reads below the clock);
//! the status says 100 until [`PREPARATION`] has passed on the clock, then 200, and 210 once
//! the package has expired. A context may have at most [`MAX_RUNNING`] exports at 100.

use std::collections::HashMap;
use std::io::{Cursor, Write as _};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::crypto::{aes256_cbc_encrypt, sha256_base64};
use super::error::KsefError;
use super::query::{DateType, Filters};
use super::repository::Repository;
use super::state::Grant;
use super::wire::ksef_time;
use crate::digest::sha256_hex;

/// How long an export stays at 100 before its package is ready.
pub(crate) const PREPARATION: Duration = Duration::from_secs(5);
/// How long a ready package can be downloaded (then 210).
pub(crate) const PACKAGE_TTL: Duration = Duration::from_secs(24 * 3600);
/// The status is kept seven days, then 410.
pub(crate) const STATUS_RETENTION: Duration = Duration::from_secs(7 * 86_400);
/// KSeF's concurrent-export limit per context (21182).
pub(crate) const MAX_RUNNING: usize = 10;
/// Parts are at most 50 MB before encryption.
pub(crate) const PART_SIZE: usize = 50 * 1024 * 1024;

/// One part of a package.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub(crate) ordinal: usize,
    pub(crate) name: String,
    pub(crate) size: usize,
    pub(crate) hash: String,
    pub(crate) encrypted: Arc<[u8]>,
    pub(crate) encrypted_hash: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Package {
    pub(crate) invoice_count: usize,
    pub(crate) size: usize,
    pub(crate) parts: Vec<Part>,
    pub(crate) is_truncated: bool,
    /// The filtered date of the last invoice, when the package was cut short.
    pub(crate) last: Option<(DateType, String)>,
    pub(crate) high_water_mark: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub(crate) struct Export {
    pub(crate) context: String,
    pub(crate) created: Timestamp,
    /// 200, 415 (the key did not decrypt) or 420 (the range starts past the mark).
    pub(crate) outcome: (u16, Vec<String>),
    pub(crate) package: Option<Package>,
    /// The unguessable part of the download links.
    pub(crate) secret: String,
}

impl Export {
    pub(crate) fn ready(&self) -> Timestamp {
        self.created
            .checked_add(PREPARATION)
            .unwrap_or(self.created)
    }

    pub(crate) fn expires(&self) -> Timestamp {
        let ready = self.ready();
        ready.checked_add(PACKAGE_TTL).unwrap_or(ready)
    }

    fn running(&self, now: Timestamp) -> bool {
        now < self.ready()
    }
}

/// The exports of one run.
#[derive(Debug, Default)]
pub(crate) struct Exports {
    inner: Mutex<HashMap<String, Export>>,
}

/// What `POST /invoices/exports` asks for, read and checked.
#[derive(Debug, Clone)]
pub(crate) struct ExportRequest {
    pub(crate) filters: Filters,
    pub(crate) restrict_to_mark: bool,
    pub(crate) only_metadata: bool,
    /// The unwrapped key, or `None` when it did not decrypt (the export then ends in 415).
    pub(crate) key: Option<Vec<u8>>,
    pub(crate) iv: Vec<u8>,
}

/// The status as `GET /invoices/exports/{ref}` tells it.
#[derive(Debug, Clone)]
pub(crate) struct ExportStatus {
    pub(crate) code: u16,
    pub(crate) details: Vec<String>,
    pub(crate) completed: Option<Timestamp>,
    pub(crate) expires: Option<Timestamp>,
    pub(crate) package: Option<Package>,
    pub(crate) secret: String,
}

impl Exports {
    fn inner(&self) -> MutexGuard<'_, HashMap<String, Export>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts an export for `grant`'s context: 21182 when ten are already at 100.
    pub(crate) fn start(
        &self,
        repository: &Repository,
        grant: &Grant,
        reference: String,
        request: &ExportRequest,
        now: Timestamp,
        mark: Timestamp,
    ) -> Result<String, KsefError> {
        let running = {
            let mut exports = self.inner();
            forget_old(&mut exports, now);
            exports
                .values()
                .filter(|e| e.context == grant.context && e.running(now))
                .count()
        };
        if running >= MAX_RUNNING {
            return Err(KsefError::exception(
                21182,
                [format!(
                    "Dla uwierzytelnionego podmiotu w bieżącym kontekście osiągnięto maksymalny limit {MAX_RUNNING} równoczesnych eksportów faktur. Spróbuj ponownie później."
                )],
            ));
        }
        let secret = sha256_hex(
            format!(
                "export:{reference}:{}:{}",
                request.iv.len(),
                sha256_base64(request.key.as_deref().unwrap_or_default())
            )
            .as_bytes(),
        );
        let permanent = request.filters.date_type == DateType::PermanentStorage;
        let (outcome, package) = match &request.key {
            None => (
                (415, Vec::new()),
                None,
            ),
            Some(_) if permanent && request.restrict_to_mark && request.filters.from > mark => (
                (420, vec!["Parametr dateRange.from jest późniejszy niż PermanentStorageHwmDate przy włączonym restrictToPermanentStorageHwmDate.".to_owned()]),
                None,
            ),
            Some(key) => {
                let mut filters = request.filters.clone();
                if permanent && request.restrict_to_mark {
                    filters.to = filters.to.min(mark);
                }
                let (items, truncated) = repository.collect(grant, &filters, now);
                match package(&reference, &items, truncated, request, key, &filters, mark) {
                    Ok(package) => ((200, Vec::new()), Some(package)),
                    Err(why) => ((500, vec![why]), None),
                }
            }
        };
        self.inner().insert(
            reference.clone(),
            Export {
                context: grant.context.clone(),
                created: now,
                outcome,
                package,
                secret,
            },
        );
        Ok(reference)
    }

    /// The export `reference` of `grant`'s context: 21175 when there is none, 410 once its
    /// status is past retention.
    pub(crate) fn status(
        &self,
        grant: &Grant,
        reference: &str,
        now: Timestamp,
    ) -> Result<ExportStatus, KsefError> {
        let exports = self.inner();
        let export = exports
            .get(reference)
            .filter(|e| e.context == grant.context)
            .ok_or_else(|| {
                KsefError::exception(
                    21175,
                    [format!(
                        "Eksport o numerze referencyjnym {reference} nie istnieje."
                    )],
                )
            })?;
        if export
            .created
            .checked_add(STATUS_RETENTION)
            .is_ok_and(|until| now >= until)
        {
            return Err(KsefError::Gone(format!(
                "Status eksportu {reference} nie jest już dostępny (przechowywany 7 dni)."
            )));
        }
        let mut status = ExportStatus {
            code: 100,
            details: Vec::new(),
            completed: None,
            expires: None,
            package: None,
            secret: export.secret.clone(),
        };
        if export.running(now) {
            return Ok(status);
        }
        status.completed = Some(export.ready());
        status.code = export.outcome.0;
        status.details = export.outcome.1.clone();
        if export.package.is_some() {
            status.expires = Some(export.expires());
            if now >= export.expires() {
                status.code = 210;
            } else {
                status.package = export.package.clone();
            }
        }
        Ok(status)
    }

    /// A part of a ready, unexpired package, by a link [`link`] signed: the link's own
    /// expiry and the package's both count, on the clock.
    pub(crate) fn part(
        &self,
        reference: &str,
        ordinal: usize,
        expires: i64,
        signature: &str,
        now: Timestamp,
    ) -> Option<Arc<[u8]>> {
        let exports = self.inner();
        let export = exports.get(reference)?;
        let until = Timestamp::from_second(expires).ok()?;
        if signature != sign(&export.secret, reference, ordinal, expires)
            || now >= until
            || export.running(now)
            || now >= export.expires()
        {
            return None;
        }
        let part = export
            .package
            .as_ref()?
            .parts
            .iter()
            .find(|p| p.ordinal == ordinal)?;
        Some(part.encrypted.clone())
    }
}

/// Packages past their expiry can no longer be downloaded, so their bytes go; an export twice
/// past its status retention is forgotten (asked for, it is then 21175 rather than 410).
fn forget_old(exports: &mut HashMap<String, Export>, now: Timestamp) {
    exports.retain(|_, e| {
        e.created
            .checked_add(STATUS_RETENTION * 2)
            .is_ok_and(|until| now < until)
    });
    for export in exports.values_mut().filter(|e| now >= e.expires()) {
        if let Some(package) = &mut export.package {
            for part in &mut package.parts {
                part.encrypted = Arc::from(Vec::new());
            }
        }
    }
}

fn sign(secret: &str, reference: &str, ordinal: usize, expires: i64) -> String {
    sha256_hex(format!("{secret}:{reference}:{ordinal}:{expires}").as_bytes())
}

/// The path, below the storage prefix, of a pre-signed link to part `ordinal` of export
/// `reference` that works until `expires`: the signature covers the expiry, so it cannot be
/// stretched, and the export's secret (from the client's own key) never leaves eisim.
pub(crate) fn link(
    status: &ExportStatus,
    reference: &str,
    ordinal: usize,
    expires: Timestamp,
) -> String {
    let seconds = expires.as_second();
    format!(
        "{reference}/{ordinal}/{seconds}/{}",
        sign(&status.secret, reference, ordinal, seconds)
    )
}

/// Builds the ZIP, cuts it into parts and encrypts each.
fn package(
    reference: &str,
    items: &[super::repository::Packed],
    truncated: bool,
    request: &ExportRequest,
    key: &[u8],
    filters: &Filters,
    mark: Timestamp,
) -> Result<Package, String> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .system(zip::System::Unix)
        .unix_permissions(0o644);
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let zip_error = |e: zip::result::ZipError| e.to_string();
    if !request.only_metadata {
        for (record, bytes) in items {
            writer
                .start_file(format!("{}.xml", record.ksef_number), options)
                .map_err(zip_error)?;
            writer.write_all(bytes).map_err(|e| e.to_string())?;
        }
    }
    let metadata = json!({
        "invoices": items.iter().map(|(record, _)| record.to_json()).collect::<Vec<Value>>(),
    });
    writer
        .start_file("_metadata.json", options)
        .map_err(zip_error)?;
    writer
        .write_all(metadata.to_string().as_bytes())
        .map_err(|e| e.to_string())?;
    let zip = writer.finish().map_err(zip_error)?.into_inner();
    let parts = zip
        .chunks(PART_SIZE)
        .enumerate()
        .map(|(n, chunk)| {
            let encrypted =
                aes256_cbc_encrypt(key, &request.iv, chunk).map_err(|e| e.to_string())?;
            Ok(Part {
                ordinal: n + 1,
                name: format!("{reference}-{:03}.zip.aes", n + 1),
                size: chunk.len(),
                hash: sha256_base64(chunk),
                encrypted_hash: sha256_base64(&encrypted),
                encrypted: Arc::from(encrypted),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let last = truncated
        .then(|| items.last())
        .flatten()
        .map(|(record, _)| {
            let value = match filters.date_type {
                DateType::Issue => record.issue_date.to_string(),
                DateType::Invoicing => ksef_time(record.invoicing_date),
                DateType::PermanentStorage => ksef_time(record.permanent_storage_date),
            };
            (filters.date_type, value)
        });
    Ok(Package {
        invoice_count: items.len(),
        size: zip.len(),
        parts,
        is_truncated: truncated,
        last,
        high_water_mark: (filters.date_type == DateType::PermanentStorage)
            .then(|| filters.to.min(mark)),
    })
}
