//! The limits KSeF reports per context (`GET /limits/context`: how many invoices a session
//! takes and how large they may be) and per subject (`GET /limits/subject`: certificates and
//! enrollments), from the scenario's `ksef.limits` or KSeF's defaults, and changed at run
//! time through TEST's `/testdata/limits/...` until a DELETE restores them. The request
//! rate limits are `rate.rs`.

use std::collections::HashMap;

use super::state::Ksef;
use crate::scenario::{KsefSessionLimits, KsefSettings};

/// KSeF's defaults (the OpenAPI's example answers, which TEST gives a new context): a session
/// refuses its 10 001st invoice.
const DEFAULT_MAX_INVOICES: u32 = 10_000;
const DEFAULT_MAX_INVOICE_MB: u32 = 1;
const DEFAULT_MAX_INVOICE_WITH_ATTACHMENT_MB: u32 = 3;
const DEFAULT_MAX_ENROLLMENTS: u32 = 12;
const DEFAULT_MAX_CERTIFICATES: u32 = 6;

/// One kind of session's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SessionLimits {
    pub(crate) max_invoice_size_mb: u32,
    pub(crate) max_invoice_with_attachment_size_mb: u32,
    pub(crate) max_invoices: u32,
}

impl SessionLimits {
    fn from_scenario(limits: KsefSessionLimits) -> Self {
        SessionLimits {
            max_invoice_size_mb: limits.max_invoice_size_mb.unwrap_or(DEFAULT_MAX_INVOICE_MB),
            max_invoice_with_attachment_size_mb: limits
                .max_invoice_with_attachment_size_mb
                .unwrap_or(DEFAULT_MAX_INVOICE_WITH_ATTACHMENT_MB),
            max_invoices: limits.max_invoices.unwrap_or(DEFAULT_MAX_INVOICES),
        }
    }

    /// The largest invoice a session takes, in bytes.
    pub(crate) fn max_bytes(self, with_attachment: bool) -> u64 {
        let mb = if with_attachment {
            self.max_invoice_with_attachment_size_mb
        } else {
            self.max_invoice_size_mb
        };
        u64::from(mb) * 1024 * 1024
    }
}

/// A context's session limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ContextLimits {
    pub(crate) online: SessionLimits,
    pub(crate) batch: SessionLimits,
}

/// A subject's certificate limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SubjectLimits {
    pub(crate) max_enrollments: u32,
    pub(crate) max_certificates: u32,
}

/// What `/testdata/limits/...` has changed, per context and per subject.
#[derive(Debug, Default)]
pub(crate) struct LimitOverrides {
    context: HashMap<String, ContextLimits>,
    subject: HashMap<String, SubjectLimits>,
}

fn context_defaults(settings: &KsefSettings) -> ContextLimits {
    ContextLimits {
        online: SessionLimits::from_scenario(settings.limits.online_session),
        batch: SessionLimits::from_scenario(settings.limits.batch_session),
    }
}

fn subject_defaults(settings: &KsefSettings) -> SubjectLimits {
    SubjectLimits {
        max_enrollments: settings
            .limits
            .max_enrollments
            .unwrap_or(DEFAULT_MAX_ENROLLMENTS),
        max_certificates: settings
            .limits
            .max_certificates
            .unwrap_or(DEFAULT_MAX_CERTIFICATES),
    }
}

impl Ksef {
    /// The session limits in force for `context` (what sessions enforce).
    pub(crate) fn context_limits(&self, context: &str) -> ContextLimits {
        self.registry
            .limits()
            .context
            .get(context)
            .copied()
            .unwrap_or_else(|| context_defaults(&self.settings))
    }

    /// `POST /testdata/limits/context/session`.
    pub(crate) fn set_context_limits(&self, context: &str, limits: ContextLimits) {
        self.registry
            .limits()
            .context
            .insert(context.to_owned(), limits);
    }

    /// `DELETE /testdata/limits/context/session`: back to the scenario's (or KSeF's) values.
    pub(crate) fn reset_context_limits(&self, context: &str) {
        self.registry.limits().context.remove(context);
    }

    /// The certificate limits in force for `subject` (a NIP, PESEL or fingerprint).
    pub(crate) fn subject_limits(&self, subject: &str) -> SubjectLimits {
        self.registry
            .limits()
            .subject
            .get(subject)
            .copied()
            .unwrap_or_else(|| subject_defaults(&self.settings))
    }

    /// `POST /testdata/limits/subject/certificate`: a value left out keeps its current one.
    pub(crate) fn set_subject_limits(
        &self,
        subject: &str,
        max_enrollments: Option<u32>,
        max_certificates: Option<u32>,
    ) {
        let current = self.subject_limits(subject);
        self.registry.limits().subject.insert(
            subject.to_owned(),
            SubjectLimits {
                max_enrollments: max_enrollments.unwrap_or(current.max_enrollments),
                max_certificates: max_certificates.unwrap_or(current.max_certificates),
            },
        );
    }

    /// `DELETE /testdata/limits/subject/certificate`.
    pub(crate) fn reset_subject_limits(&self, subject: &str) {
        self.registry.limits().subject.remove(subject);
    }
}
