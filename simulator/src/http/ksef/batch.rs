//! Batch sessions over HTTP: open (with one pre-signed upload request per part), the part
//! uploads on eisim's own storage route, and close.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::codelists::ksef::RateGroup;
use crate::http::ksef::auth::check_key_id;
use crate::http::ksef::sessions::{Encryption, FormCode, check_form, read_encryption};
use crate::http::ksef::{Caller, json_body, reply};
use crate::networks::ksef::batch::{self, Package, PartDeclaration};
use crate::networks::ksef::error::KsefError;
use crate::networks::ksef::permissions;
use crate::scenario::storage_base;

/// Where the part uploads are served, below the storage base.
pub(super) const UPLOAD_PATH: &str = "/ksef-storage/batch-parts";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OpenRequest {
    form_code: FormCode,
    batch_file: BatchFile,
    encryption: Encryption,
    #[serde(default)]
    offline_mode: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchFile {
    file_size: u64,
    file_hash: String,
    compression_type: Option<String>,
    file_parts: Vec<FilePart>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FilePart {
    ordinal_number: u32,
    file_size: u64,
    file_hash: String,
}

/// The scheme and host the upload URLs carry: the scenario's `ksef.storage_url`, or the host
/// this client reached eisim on.
fn storage_root(caller: &Caller) -> String {
    caller
        .ksef()
        .settings
        .storage_url
        .as_deref()
        .and_then(|url| storage_base(url).ok())
        .map_or_else(|| caller.base_url(), str::to_owned)
}

/// `POST /sessions/batch` -> 201 with the session's reference and one upload request per part.
/// A `TarGz` package is said to be unsupported rather than accepted and misread.
pub(crate) async fn open(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::BatchSession)?;
    grant.require_any(&permissions::WRITE)?;
    let request: OpenRequest = json_body(&body)?;
    check_form(&request.form_code)?;
    match request
        .batch_file
        .compression_type
        .as_deref()
        .map(str::trim)
    {
        None => {}
        Some(kind) if kind.eq_ignore_ascii_case("zip") => {}
        Some(kind) if kind.eq_ignore_ascii_case("targz") => {
            return Err(KsefError::NotSupported(
                "batch packages compressed as TarGz (send a Zip package)".to_owned(),
            ));
        }
        Some(kind) => {
            return Err(KsefError::invalid_input(format!(
                "batchFile.compressionType: expected Zip or TarGz, found `{kind}`"
            )));
        }
    }
    let ksef = caller.ksef();
    check_key_id(ksef, request.encryption.public_key_id.as_deref())?;
    let (key, iv) = read_encryption(&request.encryption)?;
    let package = Package {
        size: request.batch_file.file_size,
        hash: request.batch_file.file_hash.trim().to_owned(),
        parts: request
            .batch_file
            .file_parts
            .iter()
            .map(|part| PartDeclaration {
                ordinal: part.ordinal_number,
                size: part.file_size,
                hash: part.file_hash.trim().to_owned(),
            })
            .collect(),
    };
    let opened = batch::open(
        ksef,
        &caller.context(),
        &grant,
        package,
        &key,
        iv,
        request.offline_mode,
    )?;
    let root = storage_root(&caller);
    let uploads: Vec<Value> = opened
        .slots
        .iter()
        .map(|slot| {
            json!({
                "ordinalNumber": slot.ordinal,
                "method": "PUT",
                "url": format!("{root}{UPLOAD_PATH}/{}", slot.secret),
                "headers": {"x-ms-blob-type": "BlockBlob"},
            })
        })
        .collect();
    Ok(reply(
        StatusCode::CREATED,
        &json!({"referenceNumber": opened.reference, "partUploadRequests": uploads}),
    ))
}

/// `PUT` of a part's encrypted bytes to its pre-signed URL -> 201, as Azure's storage answers
/// a block blob. No token and no rate limit; the URL's secret is the authorisation.
pub(crate) async fn upload(
    caller: Caller,
    Path(secret): Path<String>,
    body: Bytes,
) -> Result<Response, KsefError> {
    let blob_type = caller
        .headers
        .get("x-ms-blob-type")
        .map(|v| v.to_str().unwrap_or("(not text)"));
    batch::upload(caller.ksef(), &secret, blob_type, body.to_vec(), caller.now)?;
    Ok(StatusCode::CREATED.into_response())
}

/// `POST /sessions/batch/{ref}/close` -> 204; processing and the UPO follow on the clock.
pub(crate) async fn close(
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::BatchSession)?;
    grant.require_any(&permissions::WRITE)?;
    batch::close(&caller.run.ksef, &caller.context(), &grant, &reference)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
