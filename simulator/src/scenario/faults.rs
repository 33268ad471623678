//! The `faults:` section: things that go wrong on purpose, in a window of simulated time.
//!
//! ```yaml
//! faults:
//!   - { outage: ksef, from: 10m, for: 30m }
//!   - { http_status: 503, path: "/api/v1/*", from: 0s, for: 5m, rate: 0.2, retry_after: 30s }
//!   - { latency: 2s, path: "/connect/token", from: 1h, for: 10m }
//!   - { ksef_exception: 21184, path: "/v2/sessions/online/*/invoices", rate: 0.1 }
//!   - { system_warning: "[21999]: Planowana przerwa techniczna", path: "/v2/*" }
//! ```
//!
//! A fault is one flat map whose first key says its kind. It is read as a struct of optional
//! fields and then checked, rather than as an untagged enum, because an untagged enum can only
//! say "did not match any variant"; this way a misspelt key is named with a suggestion, and a
//! wrong combination is explained.
//!
//! `crate::faults` injects them into the HTTP layer, and the gateway holds documents of a
//! network in outage back until the outage ends. The checks that need a fault's place in the
//! file (paths that can never match, a KSeF exception on a non-KSeF path) run in `validate`.

use serde::Deserialize;

use super::duration::Duration;
use super::probability::Probability;
use crate::vocabulary::Network;

/// One injected fault.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(try_from = "FaultFields")]
pub struct Fault {
    pub kind: FaultKind,
    /// When the fault starts, counted from the start of the run.
    pub from: Duration,
    /// How long it lasts (`for:` in the file); until the end of the run when left out.
    pub lasts: Option<Duration>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// The whole network is unreachable: its native API answers with the CDN's maintenance
    /// page, and documents the gateway takes in for it wait until the outage ends.
    Outage { network: Network },
    /// Requests whose path matches the glob get this status instead of an answer.
    HttpStatus {
        status: u16,
        path: String,
        /// Share of matching requests affected; all of them when left out.
        rate: Option<Probability>,
        /// Sent as `Retry-After` (in seconds, rounded up).
        retry_after: Option<Duration>,
    },
    /// Requests whose path matches the glob are answered this much later.
    Latency { delay: Duration, path: String },
    /// KSeF API requests whose path matches the glob are refused with this exception code
    /// (e.g. 21184, "session temporarily unavailable, open a new session").
    KsefException {
        code: u32,
        path: String,
        rate: Option<Probability>,
    },
    /// Answers to requests whose path matches the glob carry `X-System-Warning: <text>`.
    SystemWarning { text: String, path: String },
}

impl FaultKind {
    /// The key that names the kind in the file, as the journal names it too.
    pub const fn as_str(&self) -> &'static str {
        match self {
            FaultKind::Outage { .. } => "outage",
            FaultKind::HttpStatus { .. } => "http_status",
            FaultKind::Latency { .. } => "latency",
            FaultKind::KsefException { .. } => "ksef_exception",
            FaultKind::SystemWarning { .. } => "system_warning",
        }
    }

    /// The glob over request paths, for every kind but an outage.
    pub fn path(&self) -> Option<&str> {
        match self {
            FaultKind::Outage { .. } => None,
            FaultKind::HttpStatus { path, .. }
            | FaultKind::Latency { path, .. }
            | FaultKind::KsefException { path, .. }
            | FaultKind::SystemWarning { path, .. } => Some(path),
        }
    }

    /// The share of matching requests affected; `None` means all of them.
    pub fn rate(&self) -> Option<Probability> {
        match self {
            FaultKind::HttpStatus { rate, .. } | FaultKind::KsefException { rate, .. } => *rate,
            _ => None,
        }
    }
}

/// The exception codes of the KSeF API (OpenAPI 2.6, plus 21184 from 2.9 and the unhandled
/// 500 seen on production); a `ksef_exception` must be one of them.
pub(crate) const KSEF_EXCEPTION_CODES: &[u32] = &[
    500, 9101, 9102, 9103, 9105, 21001, 21111, 21115, 21117, 21155, 21157, 21161, 21164, 21165,
    21166, 21167, 21173, 21175, 21178, 21180, 21181, 21182, 21183, 21184, 21205, 21208, 21217,
    21301, 21304, 21308, 21401, 21402, 21403, 21405, 21406, 21418, 21470, 25001, 25002, 25003,
    25004, 25005, 25006, 25007, 25008, 25009, 25010, 25011, 26001, 26002, 30001,
];

/// A fault as written, before its kind is worked out.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultFields {
    outage: Option<Network>,
    http_status: Option<u16>,
    latency: Option<Duration>,
    ksef_exception: Option<u32>,
    system_warning: Option<String>,
    path: Option<String>,
    #[serde(default)]
    from: Duration,
    #[serde(rename = "for")]
    lasts: Option<Duration>,
    rate: Option<Probability>,
    retry_after: Option<Duration>,
}

impl TryFrom<FaultFields> for Fault {
    type Error = String;

    fn try_from(fields: FaultFields) -> Result<Self, Self::Error> {
        let FaultFields {
            outage,
            http_status,
            latency,
            ksef_exception,
            system_warning,
            path,
            from,
            lasts,
            rate,
            retry_after,
        } = fields;
        let kind = match (outage, http_status, latency, ksef_exception, system_warning) {
            (Some(network), None, None, None, None) => {
                if path.is_some() {
                    return Err("an `outage` takes the whole network down; \
                                `path` applies only to the other kinds of fault"
                        .to_owned());
                }
                FaultKind::Outage { network }
            }
            (None, Some(status), None, None, None) => {
                if !(400..=599).contains(&status) {
                    return Err(format!(
                        "expected an error status from 400 to 599 for `http_status`, found `{status}`"
                    ));
                }
                FaultKind::HttpStatus {
                    status,
                    path: require_path(path, "http_status")?,
                    rate,
                    retry_after,
                }
            }
            (None, None, Some(delay), None, None) => FaultKind::Latency {
                delay,
                path: require_path(path, "latency")?,
            },
            (None, None, None, Some(code), None) => {
                if !KSEF_EXCEPTION_CODES.contains(&code) {
                    return Err(format!(
                        "expected a KSeF exception code such as 21184, 21180 or 21405 for \
                         `ksef_exception`, found `{code}`"
                    ));
                }
                FaultKind::KsefException {
                    code,
                    path: require_path(path, "ksef_exception")?,
                    rate,
                }
            }
            (None, None, None, None, Some(text)) => {
                check_warning_text(&text)?;
                FaultKind::SystemWarning {
                    text,
                    path: require_path(path, "system_warning")?,
                }
            }
            (outage, status, latency, exception, warning) => {
                let given: Vec<&str> = [
                    outage.map(|_| "`outage`"),
                    status.map(|_| "`http_status`"),
                    latency.map(|_| "`latency`"),
                    exception.map(|_| "`ksef_exception`"),
                    warning.map(|_| "`system_warning`"),
                ]
                .into_iter()
                .flatten()
                .collect();
                let found = if given.is_empty() {
                    "none".to_owned()
                } else {
                    given.join(" and ")
                };
                return Err(format!(
                    "expected a fault with exactly one of `outage`, `http_status`, `latency`, \
                     `ksef_exception` or `system_warning`, found {found}"
                ));
            }
        };
        if rate.is_some() && kind.rate().is_none() {
            return Err(
                "`rate` applies only to `http_status` and `ksef_exception` faults".to_owned(),
            );
        }
        if retry_after.is_some() && !matches!(kind, FaultKind::HttpStatus { .. }) {
            return Err("`retry_after` applies only to `http_status` faults".to_owned());
        }
        Ok(Self { kind, from, lasts })
    }
}

fn require_path(path: Option<String>, kind: &str) -> Result<String, String> {
    path.ok_or_else(|| {
        format!("a `{kind}` fault needs a `path`, a glob over request paths such as `/api/v1/*`")
    })
}

/// The text goes into a response header: one line, something to read.
fn check_warning_text(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(
            "expected the text of the `system_warning` header, found an empty value \
                    (KSeF writes `[code]: message`)"
                .to_owned(),
        );
    }
    if text.chars().any(char::is_control) {
        return Err(format!(
            "expected the `system_warning` text on one line without control characters, \
             found `{}`",
            text.escape_debug()
        ));
    }
    Ok(())
}
