//! The `ksef:` section: what the native KSeF API v2 needs beyond participants and behaviours:
//! the KSeF tokens integrators authenticate with, how long each processing step takes, token
//! and session lifetimes, and the API's rate limits.
//!
//! ```yaml
//! ksef:
//!   tokens:
//!     - { token: "20251010-EC-2A7BC1D000-5C3B1E9F7A-4E|nip-5265877635|9f2c...", context: "5265877635" }
//!     - { token: "revoked-demo-token", context: "5265877635", auth_status: 450 }
//!   timing:
//!     auth: 1s          # GET /auth/{ref} says 100 this long, then 200 (or the token's auth_status)
//!     processing: 1s    # invoice 100 -> 150
//!     numbering: 2s     # 150 -> 200 with the KSeF number (a behaviour can say otherwise)
//!     storage: 5s       # KSeF number -> permanentStorageDate (21165 before)
//!     upo: 2s           # KSeF number -> per-invoice UPO (21178 before)
//!     session_upo: 5s   # close (170) -> 200 with the collective UPO
//!   access_token_ttl: 15m
//!   refresh_token_ttl: 7d
//!   session_ttl: 12h
//!   rate_limits:
//!     enabled: true     # false switches every KSeF limit off
//!     groups: { invoiceSend: { per_second: 10, per_minute: 30, per_hour: 180 } }
//!   storage_url: https://storage.example.test   # base of the batch part upload URLs
//!   testdata: true      # TEST-like: `/testdata` is served (false: 404, as production)
//!   attachments: ["5265877635"]   # may send invoices with `Zalacznik` from the start
//!   limits:             # GET /limits/context and /limits/subject
//!     online_session: { max_invoices: 10000, max_invoice_size_mb: 1, max_invoice_with_attachment_size_mb: 3 }
//!     batch_session: { max_invoices: 10000 }
//!     max_certificates: 6
//!     max_enrollments: 12
//! ```
//!
//! A token may also name its `permissions` (all of them when left out) and a `description`;
//! `timing.token` is how long a token created through `POST /tokens` stays `Pending`.
//!
//! Contexts are NIPs of KSeF participants that belong to a tenant (`tenant:` in
//! `participants`): the tenant is whose gateway, journal and webhooks see the invoices.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::duration::Duration;

/// GET /auth/{ref} answers 100 for a moment before the result, as the real service does.
const DEFAULT_AUTH_DELAY: Duration = Duration::from_secs(1);
const DEFAULT_PROCESSING: Duration = Duration::from_secs(1);
const DEFAULT_NUMBERING: Duration = Duration::from_secs(2);
/// `permanentStorageDate` comes after the KSeF number; until then a download is 21165.
const DEFAULT_STORAGE: Duration = Duration::from_secs(5);
const DEFAULT_UPO: Duration = Duration::from_secs(2);
const DEFAULT_SESSION_UPO: Duration = Duration::from_secs(5);
/// KSeF activates a new token (and finishes revoking one) a moment after the request.
const DEFAULT_TOKEN_ACTIVATION: Duration = Duration::from_secs(1);
/// `exp - iat` of the spec's example access token.
const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);
/// Refresh tokens live up to seven days.
const DEFAULT_REFRESH_TOKEN_TTL: Duration = Duration::from_secs(7 * 86_400);
/// Online sessions close 12 hours after they open, whatever the activity (#37).
const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

/// The auth statuses a token's `auth_status` may name (see the reference's auth table).
pub(crate) const AUTH_STATUSES: [u16; 9] = [200, 415, 425, 450, 460, 470, 480, 500, 550];

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KsefSettings {
    #[serde(default)]
    pub tokens: Vec<KsefToken>,
    #[serde(default)]
    pub timing: KsefTiming,
    pub access_token_ttl: Option<Duration>,
    pub refresh_token_ttl: Option<Duration>,
    pub session_ttl: Option<Duration>,
    #[serde(default)]
    pub rate_limits: KsefRateLimits,
    /// Scheme and host the batch sessions' part upload URLs carry (`https://storage.example.test`),
    /// for SDKs that refuse a loopback or plain-http URL and are pointed at a proxy; without it
    /// the URLs name the host the client reached eisim on.
    pub storage_url: Option<String>,
    /// Whether this is a TEST-like environment, serving `/testdata` (production answers 404
    /// there); true when left out.
    pub testdata: Option<bool>,
    /// NIPs allowed to send invoices with attachments (`Zalacznik`) from the start, as
    /// `POST /testdata/attachment` allows at run time; everyone else's are refused with 415.
    #[serde(default)]
    pub attachments: Vec<String>,
    /// Session and subject limits (`GET /limits/context`, `GET /limits/subject`).
    #[serde(default)]
    pub limits: KsefLimits,
}

/// What `GET /limits/context` and `/limits/subject` report; KSeF's defaults when left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KsefLimits {
    #[serde(default)]
    pub online_session: KsefSessionLimits,
    #[serde(default)]
    pub batch_session: KsefSessionLimits,
    pub max_certificates: Option<u32>,
    pub max_enrollments: Option<u32>,
}

/// One kind of session's limits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KsefSessionLimits {
    pub max_invoices: Option<u32>,
    pub max_invoice_size_mb: Option<u32>,
    pub max_invoice_with_attachment_size_mb: Option<u32>,
}

/// A KSeF token as `POST /tokens` would have created it: opaque to eisim, bound to a context.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KsefToken {
    pub token: String,
    /// The NIP of the context the token opens.
    pub context: String,
    /// How authentication with this token ends: 200, or a failure such as 450 (bad token) or
    /// 415 (no permissions).
    pub auth_status: Option<u16>,
    /// What the token may do (`InvoiceWrite`, `InvoiceRead`, `CredentialsManage`, ...); all
    /// of them when left out.
    pub permissions: Option<Vec<String>>,
    /// What `GET /tokens` shows as its description.
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KsefTiming {
    pub auth: Option<Duration>,
    pub processing: Option<Duration>,
    pub numbering: Option<Duration>,
    pub storage: Option<Duration>,
    pub upo: Option<Duration>,
    pub session_upo: Option<Duration>,
    /// A new KSeF token is `Pending` this long, and a revoked one `Revoking`.
    pub token: Option<Duration>,
}

impl KsefSettings {
    pub fn auth_delay(&self) -> std::time::Duration {
        self.timing.auth.unwrap_or(DEFAULT_AUTH_DELAY).as_std()
    }
    pub fn processing(&self) -> std::time::Duration {
        self.timing
            .processing
            .unwrap_or(DEFAULT_PROCESSING)
            .as_std()
    }
    pub fn numbering(&self) -> std::time::Duration {
        self.timing.numbering.unwrap_or(DEFAULT_NUMBERING).as_std()
    }
    pub fn storage(&self) -> std::time::Duration {
        self.timing.storage.unwrap_or(DEFAULT_STORAGE).as_std()
    }
    pub fn upo(&self) -> std::time::Duration {
        self.timing.upo.unwrap_or(DEFAULT_UPO).as_std()
    }
    pub fn session_upo(&self) -> std::time::Duration {
        self.timing
            .session_upo
            .unwrap_or(DEFAULT_SESSION_UPO)
            .as_std()
    }
    pub fn token_activation(&self) -> std::time::Duration {
        self.timing
            .token
            .unwrap_or(DEFAULT_TOKEN_ACTIVATION)
            .as_std()
    }
    /// Whether `/testdata` is served.
    pub fn testdata_enabled(&self) -> bool {
        self.testdata.unwrap_or(true)
    }
    pub fn access_token_ttl(&self) -> std::time::Duration {
        self.access_token_ttl
            .unwrap_or(DEFAULT_ACCESS_TOKEN_TTL)
            .as_std()
    }
    pub fn refresh_token_ttl(&self) -> std::time::Duration {
        self.refresh_token_ttl
            .unwrap_or(DEFAULT_REFRESH_TOKEN_TTL)
            .as_std()
    }
    pub fn session_ttl(&self) -> std::time::Duration {
        self.session_ttl.unwrap_or(DEFAULT_SESSION_TTL).as_std()
    }

    /// Settings no network could have, each as (key, what is wrong, how to fix it).
    pub(crate) fn problems(&self) -> Vec<(String, String, &'static str)> {
        let mut problems = Vec::new();
        for (key, ttl) in [
            ("access_token_ttl", self.access_token_ttl),
            ("refresh_token_ttl", self.refresh_token_ttl),
            ("session_ttl", self.session_ttl),
        ] {
            if ttl.is_some_and(|ttl| ttl.as_std().is_zero()) {
                problems.push((
                    key.to_owned(),
                    "expected a lifetime longer than zero, found `0s`".to_owned(),
                    "leave it out for KSeF's own lifetime",
                ));
            }
        }
        for (index, token) in self.tokens.iter().enumerate() {
            if token.token.trim().is_empty() {
                problems.push((
                    format!("tokens[{index}].token"),
                    "expected a token, found an empty string".to_owned(),
                    "any non-empty string works; KSeF tokens look like `<EC ref>|nip-<NIP>|<hex>`",
                ));
            }
            if let Some(status) = token.auth_status
                && !AUTH_STATUSES.contains(&status)
            {
                problems.push((
                    format!("tokens[{index}].auth_status"),
                    format!("expected one of KSeF's auth statuses {AUTH_STATUSES:?}, found {status}"),
                    "200 succeeds; 415, 425, 450, 460, 470, 480, 500 and 550 fail as the reference describes",
                ));
            }
        }
        for (index, token) in self.tokens.iter().enumerate() {
            for name in token.permissions.iter().flatten() {
                if !crate::codelists::ksef::TOKEN_PERMISSIONS
                    .iter()
                    .any(|known| known.eq_ignore_ascii_case(name.trim()))
                {
                    problems.push((
                        format!("tokens[{index}].permissions"),
                        format!("no KSeF token permission is called `{name}`"),
                        "use InvoiceRead, InvoiceWrite, CredentialsRead, CredentialsManage, SubunitManage, EnforcementOperations or Introspection",
                    ));
                }
            }
            if token.permissions.as_ref().is_some_and(Vec::is_empty) {
                problems.push((
                    format!("tokens[{index}].permissions"),
                    "expected at least one permission, found none".to_owned(),
                    "leave `permissions` out for a token that may do everything",
                ));
            }
        }
        for (which, limits) in [
            ("online_session", self.limits.online_session),
            ("batch_session", self.limits.batch_session),
        ] {
            for (field, value, max) in [
                ("max_invoices", limits.max_invoices, 100_000),
                ("max_invoice_size_mb", limits.max_invoice_size_mb, 5),
                (
                    "max_invoice_with_attachment_size_mb",
                    limits.max_invoice_with_attachment_size_mb,
                    10,
                ),
            ] {
                if value.is_some_and(|v| v > max) {
                    problems.push((
                        format!("limits.{which}.{field}"),
                        format!(
                            "expected at most {max}, found {}",
                            value.unwrap_or_default()
                        ),
                        "KSeF's test data API takes no more than that either",
                    ));
                }
            }
        }
        for (index, nip) in self.attachments.iter().enumerate() {
            if !(nip.len() == 10
                && nip.bytes().all(|b| b.is_ascii_digit())
                && crate::documents::nip_checksum_ok(nip))
            {
                problems.push((
                    format!("attachments[{index}]"),
                    format!("expected a NIP (ten digits, check digit holding), found `{nip}`"),
                    "list the NIPs allowed to send invoices with attachments",
                ));
            }
        }
        for (index, token) in self.tokens.iter().enumerate() {
            if self.tokens[..index].iter().any(|t| t.token == token.token) {
                problems.push((
                    format!("tokens[{index}].token"),
                    "the same token is listed twice".to_owned(),
                    "each token opens exactly one context",
                ));
            }
        }
        if let Some(url) = &self.storage_url
            && let Err(why) = storage_base(url)
        {
            problems.push((
                "storage_url".to_owned(),
                why,
                "write a scheme and a host only, such as `https://storage.example.test` or `http://127.0.0.1:8080`",
            ));
        }
        for (group, limit) in &self.rate_limits.groups {
            if [limit.per_second, limit.per_minute, limit.per_hour].contains(&Some(0)) {
                problems.push((
                    format!("rate_limits.groups.{group}"),
                    "expected limits above zero".to_owned(),
                    "leave a window out to leave it unlimited, or set `enabled: false`",
                ));
            }
        }
        problems
    }
}

/// KSeF's published limits apply unless switched off; `groups` replaces a group's thresholds.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KsefRateLimits {
    #[serde(default = "enabled")]
    pub enabled: bool,
    /// By the reference's group names: `onlineSession`, `invoiceSend`, `invoiceStatus`, ...
    #[serde(default)]
    pub groups: BTreeMap<String, KsefGroupLimit>,
}

impl Default for KsefRateLimits {
    fn default() -> Self {
        KsefRateLimits {
            enabled: true,
            groups: BTreeMap::new(),
        }
    }
}

fn enabled() -> bool {
    true
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KsefGroupLimit {
    pub per_second: Option<u32>,
    pub per_minute: Option<u32>,
    pub per_hour: Option<u32>,
}

/// The storage base without a trailing slash, or why it cannot be one: `http` or `https`, a
/// host (and port), and nothing after it, since eisim appends its own path.
pub(crate) fn storage_base(url: &str) -> Result<&str, String> {
    let trimmed = url.trim().trim_end_matches('/');
    let authority = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| format!("expected an `http://` or `https://` URL, found `{url}`"))?;
    if authority.is_empty() {
        return Err(format!("expected a host after the scheme, found `{url}`"));
    }
    if let Some(bad) = authority
        .chars()
        .find(|c| matches!(c, '/' | '?' | '#' | '@') || c.is_whitespace())
    {
        return Err(format!(
            "expected only a scheme and a host, found `{bad}` in `{url}`"
        ));
    }
    Ok(trimmed)
}

#[cfg(test)]
mod tests {
    use super::storage_base;

    #[test]
    fn a_storage_base_is_a_scheme_and_a_host() {
        assert_eq!(
            storage_base("https://storage.example.test/"),
            Ok("https://storage.example.test")
        );
        assert_eq!(
            storage_base("http://127.0.0.1:8080"),
            Ok("http://127.0.0.1:8080")
        );
        for bad in [
            "storage.example.test",
            "ftp://storage.example.test",
            "https://",
            "https://host/path",
            "https://host?x=1",
            "https://user@host",
        ] {
            assert!(storage_base(bad).is_err(), "{bad}");
        }
    }
}
