//! The limits over HTTP: `GET /limits/context` and `/limits/subject`, and TEST's controls
//! that change them and the request rate limits at run time (`/testdata/limits/...`,
//! `/testdata/rate-limits`, `/testdata/rate-limits/production`); each DELETE restores the
//! scenario's values (KSeF's own when the scenario says nothing).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::codelists::ksef::RateGroup;
use crate::http::ksef::{Caller, json_body, reply};
use crate::networks::ksef::error::KsefError;
use crate::networks::ksef::limits::{ContextLimits, SessionLimits};
use crate::networks::ksef::rate::{Thresholds, published};

fn session_json(limits: SessionLimits) -> Value {
    json!({
        "maxInvoiceSizeInMB": limits.max_invoice_size_mb,
        "maxInvoiceWithAttachmentSizeInMB": limits.max_invoice_with_attachment_size_mb,
        "maxInvoices": limits.max_invoices,
    })
}

/// `GET /limits/context`.
pub(crate) async fn context(caller: Caller) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::Other)?;
    let limits = caller.ksef().context_limits(&grant.context);
    Ok(reply(
        StatusCode::OK,
        &json!({
            "onlineSession": session_json(limits.online),
            "batchSession": session_json(limits.batch),
        }),
    ))
}

/// The subject the caller logged in as: whose certificate limits these are.
fn subject_of(caller: &Caller, auth: &str, context: &str) -> String {
    let login = caller.ksef().registry.login(auth);
    if login.subject.value.is_empty() {
        context.to_owned()
    } else {
        login.subject.value
    }
}

/// `GET /limits/subject`.
pub(crate) async fn subject(caller: Caller) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::Other)?;
    let limits = caller
        .ksef()
        .subject_limits(&subject_of(&caller, &grant.auth, &grant.context));
    Ok(reply(
        StatusCode::OK,
        &json!({
            "enrollment": {"maxEnrollments": limits.max_enrollments},
            "certificate": {"maxCertificates": limits.max_certificates},
        }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionOverride {
    #[serde(rename = "maxInvoiceSizeInMB")]
    max_invoice_size_mb: u32,
    #[serde(rename = "maxInvoiceWithAttachmentSizeInMB")]
    max_invoice_with_attachment_size_mb: u32,
    max_invoices: u32,
}

impl SessionOverride {
    /// Within the OpenAPI's bounds: 0-5 MB, 0-10 MB with attachments, 0-100 000 invoices.
    fn checked(self, which: &str) -> Result<SessionLimits, KsefError> {
        for (field, value, max) in [
            ("maxInvoiceSizeInMB", self.max_invoice_size_mb, 5),
            (
                "maxInvoiceWithAttachmentSizeInMB",
                self.max_invoice_with_attachment_size_mb,
                10,
            ),
            ("maxInvoices", self.max_invoices, 100_000),
        ] {
            if value > max {
                return Err(KsefError::invalid_input(format!(
                    "{which}.{field}: expected 0 to {max}, found {value}"
                )));
            }
        }
        Ok(SessionLimits {
            max_invoice_size_mb: self.max_invoice_size_mb,
            max_invoice_with_attachment_size_mb: self.max_invoice_with_attachment_size_mb,
            max_invoices: self.max_invoices,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SetSessionLimits {
    online_session: SessionOverride,
    batch_session: SessionOverride,
}

/// `POST /testdata/limits/context/session`.
pub(crate) async fn set_context(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::Other)?;
    let request: SetSessionLimits = json_body(&body)?;
    let limits = ContextLimits {
        online: request.online_session.checked("onlineSession")?,
        batch: request.batch_session.checked("batchSession")?,
    };
    caller.ksef().set_context_limits(&grant.context, limits);
    Ok(StatusCode::OK.into_response())
}

/// `DELETE /testdata/limits/context/session`.
pub(crate) async fn reset_context(caller: Caller) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::Other)?;
    caller.ksef().reset_context_limits(&grant.context);
    Ok(StatusCode::OK.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnrollmentOverride {
    max_enrollments: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CertificateOverride {
    max_certificates: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SetSubjectLimits {
    enrollment: Option<EnrollmentOverride>,
    certificate: Option<CertificateOverride>,
}

/// `POST /testdata/limits/subject/certificate`.
pub(crate) async fn set_subject(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::Other)?;
    let request: SetSubjectLimits = json_body(&body)?;
    caller.ksef().set_subject_limits(
        &subject_of(&caller, &grant.auth, &grant.context),
        request.enrollment.and_then(|e| e.max_enrollments),
        request.certificate.and_then(|c| c.max_certificates),
    );
    Ok(StatusCode::OK.into_response())
}

/// `DELETE /testdata/limits/subject/certificate`.
pub(crate) async fn reset_subject(caller: Caller) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::Other)?;
    caller
        .ksef()
        .reset_subject_limits(&subject_of(&caller, &grant.auth, &grant.context));
    Ok(StatusCode::OK.into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SetRateLimits {
    rate_limits: BTreeMap<String, RateValues>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RateValues {
    per_second: u32,
    per_minute: u32,
    per_hour: u32,
}

/// The groups `ApiRateLimitsOverride` requires: every group but `public`.
fn overridable() -> impl Iterator<Item = RateGroup> {
    RateGroup::ALL
        .into_iter()
        .filter(|g| *g != RateGroup::Public)
}

/// `POST /testdata/rate-limits`: every group's three values, for the caller's context.
pub(crate) async fn set_rates(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::Other)?;
    let request: SetRateLimits = json_body(&body)?;
    if let Some(unknown) = request
        .rate_limits
        .keys()
        .find(|name| RateGroup::from_name(name).is_none_or(|g| g == RateGroup::Public))
    {
        return Err(KsefError::invalid_input(format!(
            "rateLimits.{unknown}: no such rate-limit group"
        )));
    }
    let mut groups = BTreeMap::new();
    for group in overridable() {
        let values = request
            .rate_limits
            .iter()
            .find(|(name, _)| RateGroup::from_name(name) == Some(group))
            .map(|(_, values)| values)
            .ok_or_else(|| {
                KsefError::invalid_input(format!("rateLimits.{} is required", group.name()))
            })?;
        groups.insert(
            group,
            Thresholds {
                per_second: Some(values.per_second),
                per_minute: Some(values.per_minute),
                per_hour: Some(values.per_hour),
            },
        );
    }
    caller
        .ksef()
        .limiter
        .set_context(&grant.context, Some(groups));
    Ok(StatusCode::OK.into_response())
}

/// `DELETE /testdata/rate-limits`: the scenario's limits again.
pub(crate) async fn reset_rates(caller: Caller) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::Other)?;
    caller.ksef().limiter.set_context(&grant.context, None);
    Ok(StatusCode::OK.into_response())
}

/// `POST /testdata/rate-limits/production`: the published production values, whatever the
/// scenario set.
pub(crate) async fn production_rates(caller: Caller) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::Other)?;
    let groups = overridable().map(|g| (g, published(g))).collect();
    caller
        .ksef()
        .limiter
        .set_context(&grant.context, Some(groups));
    Ok(StatusCode::OK.into_response())
}
