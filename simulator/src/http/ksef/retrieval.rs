//! KSeF's "Pobieranie faktur" over HTTP, what a buyer's ERP polls since KSeF pushes nothing:
//! `POST /invoices/query/metadata`, `POST /invoices/exports`, `GET /invoices/exports/{ref}`,
//! and the pre-signed links of an export's parts. Bodies are read leniently (enum values in
//! any case, unknown fields ignored), as the real service reads them.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::{Timestamp, ToSpan};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::civil_time::central_european;
use crate::codelists::ksef::RateGroup;
use crate::http::ksef::auth::check_key_id;
use crate::http::ksef::sessions::{Encryption, read_encryption};
use crate::http::ksef::{Caller, LINK_TTL, json_body, reply};
use crate::networks::ksef::crypto::sha256_base64;
use crate::networks::ksef::error::KsefError;
use crate::networks::ksef::export::{ExportRequest, ExportStatus, link};
use crate::networks::ksef::metadata::Role;
use crate::networks::ksef::permissions::Permission;
use crate::networks::ksef::query::{AmountType, DateType, Filters};
use crate::networks::ksef::wire::ksef_time;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FiltersBody {
    subject_type: Option<String>,
    date_range: Option<DateRangeBody>,
    ksef_number: Option<String>,
    invoice_number: Option<String>,
    amount: Option<AmountBody>,
    seller_nip: Option<String>,
    buyer_identifier: Option<BuyerBody>,
    currency_codes: Option<Vec<String>>,
    invoicing_mode: Option<String>,
    is_self_invoicing: Option<bool>,
    form_type: Option<String>,
    invoice_types: Option<Vec<String>>,
    has_attachment: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DateRangeBody {
    date_type: Option<String>,
    from: Option<String>,
    to: Option<String>,
    restrict_to_permanent_storage_hwm_date: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct AmountBody {
    #[serde(rename = "type")]
    kind: Option<String>,
    from: Option<f64>,
    to: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct BuyerBody {
    #[serde(rename = "type")]
    kind: Option<String>,
    value: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExportBody {
    encryption: Option<Encryption>,
    only_metadata: Option<bool>,
    filters: Option<FiltersBody>,
    compression_type: Option<String>,
}

/// Filters as read: the date range's upper bound is the client's or now, before any mark.
struct Read {
    filters: Filters,
    restrict_to_mark: bool,
}

const INVOICE_TYPES: [&str; 12] = [
    "Vat", "Zal", "Kor", "Roz", "Upr", "KorZal", "KorRoz", "VatPef", "VatPefSp", "KorPef", "VatRr",
    "KorVatRr",
];

/// One of `allowed`, in any case, as the spelling of `allowed`; 21405 otherwise.
fn one_of(field: &str, value: &str, allowed: &[&'static str]) -> Result<&'static str, KsefError> {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(value.trim()))
        .copied()
        .ok_or_else(|| {
            KsefError::invalid_input(format!(
                "{field}: `{value}` is not one of {}",
                allowed.join(", ")
            ))
        })
}

/// ISO 8601 with `Z`, with an offset, or without one (then Polish local time).
fn parse_time(field: &str, value: &str) -> Result<Timestamp, KsefError> {
    let value = value.trim();
    if let Ok(at) = value.parse::<Timestamp>() {
        return Ok(at);
    }
    value
        .parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|local| local.to_zoned(central_european()).ok())
        .map(|zoned| zoned.timestamp())
        .ok_or_else(|| {
            KsefError::invalid_input(format!(
                "{field}: `{value}` is not an ISO 8601 date-time (yyyy-MM-ddTHH:mm:ss, with `Z`, an offset, or none for Europe/Warsaw)"
            ))
        })
}

fn read_filters(body: FiltersBody, now: Timestamp) -> Result<Read, KsefError> {
    let subject = body
        .subject_type
        .ok_or_else(|| KsefError::invalid_input("subjectType: required"))?;
    let role = Role::from_subject_type(subject.trim()).ok_or_else(|| {
        KsefError::invalid_input(format!(
            "subjectType: `{subject}` is not one of Subject1, Subject2, Subject3, SubjectAuthorized"
        ))
    })?;
    let range = body
        .date_range
        .ok_or_else(|| KsefError::invalid_input("dateRange: required"))?;
    let date_type = match one_of(
        "dateRange.dateType",
        range
            .date_type
            .as_deref()
            .ok_or_else(|| KsefError::invalid_input("dateRange.dateType: required"))?,
        &["Issue", "Invoicing", "PermanentStorage"],
    )? {
        "Issue" => DateType::Issue,
        "Invoicing" => DateType::Invoicing,
        _ => DateType::PermanentStorage,
    };
    let from = parse_time(
        "dateRange.from",
        range
            .from
            .as_deref()
            .ok_or_else(|| KsefError::invalid_input("dateRange.from: required"))?,
    )?;
    let to = match range.to.as_deref() {
        Some(to) => parse_time("dateRange.to", to)?,
        None => now,
    };
    if from > to {
        return Err(KsefError::invalid_input(
            "dateRange: `from` is later than `to`",
        ));
    }
    // At most three months, counted in UTC or in Polish time.
    let within = |zone: jiff::tz::TimeZone| {
        from.to_zoned(zone)
            .checked_add(3.months())
            .is_ok_and(|limit| limit.timestamp() >= to)
    };
    if !within(jiff::tz::TimeZone::UTC) && !within(central_european()) {
        return Err(KsefError::invalid_input(
            "dateRange: the range may span at most 3 months",
        ));
    }
    let amount = match body.amount {
        None => None,
        Some(amount) => {
            let kind = match one_of(
                "amount.type",
                amount
                    .kind
                    .as_deref()
                    .ok_or_else(|| KsefError::invalid_input("amount.type: required"))?,
                &["Brutto", "Netto", "Vat"],
            )? {
                "Brutto" => AmountType::Brutto,
                "Netto" => AmountType::Netto,
                _ => AmountType::Vat,
            };
            Some((kind, amount.from, amount.to))
        }
    };
    let buyer = match body.buyer_identifier {
        None => None,
        Some(buyer) => {
            let kind = one_of(
                "buyerIdentifier.type",
                buyer
                    .kind
                    .as_deref()
                    .ok_or_else(|| KsefError::invalid_input("buyerIdentifier.type: required"))?,
                &["Nip", "VatUe", "Other", "None"],
            )?;
            Some((kind.to_owned(), buyer.value))
        }
    };
    let invoice_types = body
        .invoice_types
        .unwrap_or_default()
        .iter()
        .map(|t| one_of("invoiceTypes", t, &INVOICE_TYPES).map(str::to_owned))
        .collect::<Result<Vec<_>, _>>()?;
    let offline = body
        .invoicing_mode
        .as_deref()
        .map(|mode| one_of("invoicingMode", mode, &["Online", "Offline"]))
        .transpose()?
        .map(|mode| mode == "Offline");
    let form_type = body
        .form_type
        .as_deref()
        .map(|form| one_of("formType", form, &["FA", "PEF", "FA_RR"]).map(str::to_owned))
        .transpose()?;
    Ok(Read {
        filters: Filters {
            role,
            date_type,
            from,
            to,
            ksef_number: body.ksef_number,
            invoice_number: body.invoice_number,
            amount,
            seller_nip: body.seller_nip,
            buyer,
            currencies: body.currency_codes.unwrap_or_default(),
            offline,
            self_invoicing: body.is_self_invoicing,
            form_type,
            invoice_types,
            has_attachment: body.has_attachment,
        },
        restrict_to_mark: range
            .restrict_to_permanent_storage_hwm_date
            .unwrap_or(false),
    })
}

/// An unsigned query parameter within `range`, or its default; 21405 otherwise.
fn number_param(
    params: &HashMap<String, String>,
    name: &str,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, KsefError> {
    let found = params
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, v)| v);
    let Some(value) = found else {
        return Ok(default);
    };
    value
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            KsefError::invalid_input(format!(
                "{name}: expected {} to {}, found `{value}`",
                range.start(),
                range.end()
            ))
        })
}

/// `POST /invoices/query/metadata?sortOrder&pageOffset&pageSize`.
pub(crate) async fn query_metadata(
    caller: Caller,
    Query(params): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::InvoiceMetadata)?;
    grant.require(Permission::InvoiceRead)?;
    let descending = match params
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("sortOrder"))
    {
        None => false,
        Some((_, order)) => one_of("sortOrder", order, &["Asc", "Desc"])? == "Desc",
    };
    let offset = number_param(&params, "pageOffset", 0, 0..=(i32::MAX as usize))?;
    let size = number_param(&params, "pageSize", 10, 10..=250)?;
    let read = read_filters(json_body(&body)?, caller.now)?;
    let mut filters = read.filters;
    let repository = &caller.ksef().repository;
    let mark = repository.high_water_mark(caller.now, caller.run.events.next_due_at());
    let permanent = filters.date_type == DateType::PermanentStorage;
    if permanent && read.restrict_to_mark {
        if filters.from > mark {
            return Err(KsefError::exception(
                21183,
                ["Parametr dateRange.from jest późniejszy niż PermanentStorageHwmDate przy włączonym restrictToPermanentStorageHwmDate.".to_owned()],
            ));
        }
        filters.to = filters.to.min(mark);
    }
    let answer = repository.query(&grant, &filters, descending, offset, size, caller.now);
    let mut body = json!({
        "hasMore": answer.has_more,
        "isTruncated": answer.is_truncated,
    });
    if permanent {
        body["permanentStorageHwmDate"] = Value::from(ksef_time(filters.to.min(mark)));
    }
    body["invoices"] = Value::from(answer.invoices);
    Ok(reply(StatusCode::OK, &body))
}

/// `POST /invoices/exports` -> 201 with the export's reference.
pub(crate) async fn export(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::InvoiceExport)?;
    grant.require(Permission::InvoiceRead)?;
    let body: ExportBody = json_body(&body)?;
    let encryption = body
        .encryption
        .ok_or_else(|| KsefError::invalid_input("encryption: required"))?;
    let filters = body
        .filters
        .ok_or_else(|| KsefError::invalid_input("filters: required"))?;
    if let Some(compression) = body.compression_type.as_deref()
        && one_of("compressionType", compression, &["Zip", "TarGz"])? == "TarGz"
    {
        return Err(KsefError::NotSupported(
            "export packages compressed as TarGz (eisim builds Zip packages)".to_owned(),
        ));
    }
    let ksef = caller.ksef();
    check_key_id(ksef, encryption.public_key_id.as_deref())?;
    let (wrapped, iv) = read_encryption(&encryption)?;
    let read = read_filters(filters, caller.now)?;
    let key = ksef
        .keys()?
        .decrypt(&wrapped)
        .ok()
        .filter(|key| key.len() == 32);
    let repository = &ksef.repository;
    let mark = repository.high_water_mark(caller.now, caller.run.events.next_due_at());
    let request = ExportRequest {
        filters: read.filters,
        restrict_to_mark: read.restrict_to_mark,
        only_metadata: body.only_metadata.unwrap_or(false),
        key,
        iv,
    };
    let reference = ksef.mint("EH", caller.now);
    let reference = repository
        .exports
        .start(repository, &grant, reference, &request, caller.now, mark)?;
    Ok(reply(
        StatusCode::CREATED,
        &json!({"referenceNumber": reference}),
    ))
}

fn export_description(code: u16) -> String {
    match code {
        100 => "Eksport faktur w toku".to_owned(),
        200 => "Eksport faktur zakończony sukcesem".to_owned(),
        210 => "Eksport faktur wygasł i nie jest już dostępny do pobrania".to_owned(),
        415 => "Błąd odszyfrowania dostarczonego klucza".to_owned(),
        420 => "Zakres filtrowania wykracza poza dostępny zakres danych".to_owned(),
        other => format!("Nieznany błąd ({other})"),
    }
}

fn status_json(caller: &Caller, reference: &str, status: &ExportStatus) -> Value {
    let mut code = json!({"code": status.code, "description": export_description(status.code)});
    if !status.details.is_empty() {
        code["details"] = json!(status.details);
    }
    let mut body = json!({"status": code});
    if let Some(completed) = status.completed {
        body["completedDate"] = Value::from(ksef_time(completed));
    }
    if let Some(expires) = status.expires {
        body["packageExpirationDate"] = Value::from(ksef_time(expires));
    }
    if let (Some(package), Some(expires)) = (&status.package, status.expires) {
        let link_expires = caller
            .now
            .checked_add(LINK_TTL)
            .unwrap_or(caller.now)
            .min(expires);
        let parts: Vec<Value> = package
            .parts
            .iter()
            .map(|part| {
                json!({
                    "ordinalNumber": part.ordinal,
                    "partName": part.name,
                    "method": "GET",
                    "url": format!(
                        "{}/ksef-storage/exports/{}",
                        caller.base_url(),
                        link(status, reference, part.ordinal, link_expires)
                    ),
                    "partSize": part.size,
                    "partHash": part.hash,
                    "encryptedPartSize": part.encrypted.len(),
                    "encryptedPartHash": part.encrypted_hash,
                    "expirationDate": ksef_time(link_expires),
                })
            })
            .collect();
        let mut summary = json!({
            "invoiceCount": package.invoice_count,
            "size": package.size,
            "parts": parts,
            "isTruncated": package.is_truncated,
        });
        if let Some((date_type, last)) = &package.last {
            let field = match date_type {
                DateType::Issue => "lastIssueDate",
                DateType::Invoicing => "lastInvoicingDate",
                DateType::PermanentStorage => "lastPermanentStorageDate",
            };
            summary[field] = Value::from(last.clone());
        }
        if let Some(mark) = package.high_water_mark {
            summary["permanentStorageHwmDate"] = Value::from(ksef_time(mark));
        }
        body["package"] = summary;
    }
    body
}

/// `GET /invoices/exports/{ref}`.
pub(crate) async fn export_status(
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::InvoiceExportStatus)?;
    grant.require(Permission::InvoiceRead)?;
    let status = caller
        .ksef()
        .repository
        .exports
        .status(&grant, &reference, caller.now)?;
    Ok(reply(
        StatusCode::OK,
        &status_json(&caller, &reference, &status),
    ))
}

/// A part's pre-signed link: no token, no rate limit; it expires on the clock, and with its
/// package.
pub(crate) async fn stored_part(
    caller: Caller,
    Path((reference, ordinal, expires, signature)): Path<(String, usize, i64, String)>,
) -> Response {
    match caller.ksef().repository.exports.part(
        &reference,
        ordinal,
        expires,
        &signature,
        caller.now,
    )
    {
        Some(bytes) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
                (
                    header::HeaderName::from_static("x-ms-meta-hash"),
                    sha256_base64(&bytes),
                ),
            ],
            bytes.to_vec(),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "application/xml")],
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>",
        )
            .into_response(),
    }
}
