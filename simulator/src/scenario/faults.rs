//! The `faults:` section: things that go wrong on purpose, in a window of simulated time.
//!
//! ```yaml
//! faults:
//!   - { outage: ksef, from: 10m, for: 30m }
//!   - { http_status: 503, path: "/api/v1/*", from: 0s, for: 5m, rate: 0.2 }
//!   - { latency: 2s, path: "/connect/token", from: 1h, for: 10m }
//! ```
//!
//! A fault is one flat map whose first key says its kind. It is read as a struct of optional
//! fields and then checked, rather than as an untagged enum, because an untagged enum can only
//! say "did not match any variant"; this way a misspelt key is named with a suggestion, and a
//! wrong combination is explained.
//!
//! Modelled and checked now; injected by the fault layers when they arrive.

use serde::Deserialize;

use super::duration::Duration;
use super::model::Network;
use super::probability::Probability;

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
    /// The whole network is unreachable: its native API and the gateway's routes to it.
    Outage { network: Network },
    /// Requests whose path matches the glob get this status instead of an answer.
    HttpStatus {
        status: u16,
        path: String,
        /// Share of matching requests affected; all of them when left out.
        rate: Option<Probability>,
    },
    /// Requests whose path matches the glob are answered this much later.
    Latency { delay: Duration, path: String },
}

/// A fault as written, before its kind is worked out.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultFields {
    outage: Option<Network>,
    http_status: Option<u16>,
    latency: Option<Duration>,
    path: Option<String>,
    #[serde(default)]
    from: Duration,
    #[serde(rename = "for")]
    lasts: Option<Duration>,
    rate: Option<Probability>,
}

impl TryFrom<FaultFields> for Fault {
    type Error = String;

    fn try_from(fields: FaultFields) -> Result<Self, Self::Error> {
        let kind = match (fields.outage, fields.http_status, fields.latency) {
            (Some(network), None, None) => {
                if fields.path.is_some() {
                    return Err("an `outage` takes the whole network down; \
                                `path` applies only to `http_status` and `latency` faults"
                        .to_owned());
                }
                FaultKind::Outage { network }
            }
            (None, Some(status), None) => {
                if !(100..=599).contains(&status) {
                    return Err(format!(
                        "expected an HTTP status from 100 to 599 for `http_status`, found `{status}`"
                    ));
                }
                FaultKind::HttpStatus {
                    status,
                    path: require_path(fields.path, "http_status")?,
                    rate: fields.rate,
                }
            }
            (None, None, Some(delay)) => FaultKind::Latency {
                delay,
                path: require_path(fields.path, "latency")?,
            },
            (outage, status, latency) => {
                let given: Vec<&str> = [
                    outage.map(|_| "`outage`"),
                    status.map(|_| "`http_status`"),
                    latency.map(|_| "`latency`"),
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
                    "expected a fault with exactly one of `outage`, `http_status` or `latency`, \
                     found {found}"
                ));
            }
        };
        if fields.rate.is_some() && !matches!(kind, FaultKind::HttpStatus { .. }) {
            return Err("`rate` applies only to `http_status` faults".to_owned());
        }
        Ok(Self {
            kind,
            from: fields.from,
            lasts: fields.lasts,
        })
    }
}

fn require_path(path: Option<String>, kind: &str) -> Result<String, String> {
    path.ok_or_else(|| {
        format!("a `{kind}` fault needs a `path`, a glob over request paths such as `/api/v1/*`")
    })
}
