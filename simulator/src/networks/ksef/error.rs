//! What can go wrong on KSeF, in KSeF's own terms: its exception codes with their official
//! Polish descriptions, and the statuses its API answers with. The bodies (legacy exception
//! JSON, problem details, the CDN's HTML page) are the HTTP layer's business
//! (`http/ksef/error.rs`); the engine only says which error it is.

use crate::codelists::ksef::exception_description;

/// An error answer of the KSeF API.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum KsefError {
    /// 400 (or 500 for code 500) with one of KSeF's exception codes.
    #[error("KSeF exception {code}: {description}")]
    Exception {
        status: u16,
        code: u32,
        description: String,
        details: Vec<String>,
    },
    /// 401: no, malformed, expired or unknown bearer token.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// 403 with a `reasonCode`.
    #[error("forbidden ({reason}): {detail}")]
    Forbidden {
        reason: &'static str,
        detail: String,
    },
    /// 403 `missing-permissions`: the caller holds none of the permissions an operation
    /// requires (any one of `required` would do).
    #[error("missing permissions: one of {required:?} is required, the caller has {present:?}")]
    MissingPermissions {
        required: Vec<&'static str>,
        present: Vec<&'static str>,
    },
    /// 410: an authentication operation past its retention.
    #[error("gone: {0}")]
    Gone(String),
    /// 429 with `Retry-After`.
    #[error("too many requests: {detail}")]
    TooManyRequests { retry_after: u64, detail: String },
    /// What the CDN in front of KSeF answers during outages: an HTML page, not JSON.
    #[error("CDN error page {status}")]
    CdnPage {
        status: u16,
        retry_after: Option<u64>,
        maintenance: bool,
    },
    /// Something eisim does not simulate yet: said plainly, never faked.
    #[error("not supported yet: {0}")]
    NotSupported(String),
}

impl KsefError {
    /// A 400 with `code`, its official description and these details.
    pub(crate) fn exception(code: u32, details: impl IntoIterator<Item = String>) -> Self {
        KsefError::Exception {
            status: if code == 500 { 500 } else { 400 },
            code,
            description: exception_description(code).to_owned(),
            details: details.into_iter().collect(),
        }
    }

    /// 21405 with the validator's words.
    pub(crate) fn invalid_input(detail: impl Into<String>) -> Self {
        Self::exception(21405, [detail.into()])
    }

    /// 21173: the session reference is unknown (or another context's).
    pub(crate) fn no_session(reference: &str) -> Self {
        Self::exception(
            21173,
            [format!(
                "Sesja o numerze referencyjnym {reference} nie została odnaleziona."
            )],
        )
    }

    /// The HTTP status KSeF answers this error with.
    pub(crate) fn status_code(&self) -> u16 {
        match self {
            KsefError::Exception { status, .. } => *status,
            KsefError::Unauthorized(_) => 401,
            KsefError::Forbidden { .. } | KsefError::MissingPermissions { .. } => 403,
            KsefError::Gone(_) => 410,
            KsefError::TooManyRequests { .. } => 429,
            KsefError::CdnPage { status, .. } => *status,
            KsefError::NotSupported(_) => 501,
        }
    }
}
