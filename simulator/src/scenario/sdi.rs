//! The `sdi:` section: SDI's timings and the integrator's SDICoop channel.
//!
//! ```yaml
//! sdi:
//!   timing:
//!     checks: 2m             # reception -> NS, or the file passes SDI's checks
//!     delivery: 5m           # checks passed -> RC (the first delivery attempt succeeds)
//!     first_attempt: 48h     # PA: delivery failing this long -> MC (then retries)
//!     retry_period: 10d      # PA: MC -> AT when no retry got through
//!     outcome_deadline: 15d  # PA: RC -> DT when the administration sent no outcome
//!     redelivery: 6h         # how often SDI retries an invoice it could not deliver
//!   channel:
//!     tenant: demo           # whose journal, gateway and webhooks see SDICoop traffic
//!     trasmissione_fatture: http://127.0.0.1:9000/TrasmissioneFatture
//!     ricezione_fatture: http://127.0.0.1:9000/RicezioneFatture
//!     mtom: true             # send as SDI does (MTOM/XOP); false for plain SOAP
//!   inbound:                 # invoices other suppliers send to the integrator
//!     - { at: 10m, file: invoices/IT01234567897_00001.xml }
//!     - { at: 20m, file: invoices/IT01234567897_00002.xml, signed: true }  # as .xml.p7m
//!   inbound_signed: 0.5      # share of inbound invoices delivered signed (CAdES .xml.p7m)
//!   trust:                   # who may sign the files SDI receives
//!     eisim_ca: true         # eisim's test CA (what `eisim sdi sign` signs with)
//!     certificates: [ "-----BEGIN CERTIFICATE-----..." ]   # more trusted CAs, PEM
//!     revoked: [ "0A:1B" ]   # serial numbers SDI treats as revoked (00101)
//! ```
//!
//! Behaviours (`sdi: RC`, `MC`, `NE` with `errors: [EC02]`...) decide each file's delivery
//! and the recipient's outcome; the timings here are SDI's own rules and the defaults when
//! no behaviour matches.

use serde::Deserialize;

use super::duration::Duration;

/// "After a few minutes" (reference §7.3).
const DEFAULT_CHECKS: Duration = Duration::from_secs(120);
/// Delivery usually takes minutes to hours; five minutes keeps a real-clock demo short.
const DEFAULT_DELIVERY: Duration = Duration::from_secs(300);
/// The first-attempt window before MC: not in an official text, 48 h as the old simulator.
const DEFAULT_FIRST_ATTEMPT: Duration = Duration::from_secs(48 * 3600);
/// SDI keeps trying for 10 days after MC, then sends the attestation (official FAQ).
const DEFAULT_RETRY_PERIOD: Duration = Duration::from_secs(10 * 86_400);
/// 15 days from delivery without the recipient's outcome: decorrenza termini.
const DEFAULT_OUTCOME_DEADLINE: Duration = Duration::from_secs(15 * 86_400);
const DEFAULT_REDELIVERY: Duration = Duration::from_secs(6 * 3600);

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SdiSettings {
    #[serde(default)]
    pub timing: SdiTiming,
    #[serde(default)]
    pub channel: SdiChannel,
    #[serde(default)]
    pub inbound: Vec<InboundInvoice>,
    /// The share of inbound invoices SDI delivers as CAdES `.xml.p7m`, drawn per invoice;
    /// an invoice's own `signed` wins.
    #[serde(default)]
    pub inbound_signed: Option<super::probability::Probability>,
    #[serde(default)]
    pub trust: SdiTrust,
}

/// SDI's trust list for signed files (CAdES `.p7m`, XAdES).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SdiTrust {
    /// eisim's own test CA, which issued the certificate `eisim sdi sign` uses.
    #[serde(default = "yes")]
    pub eisim_ca: bool,
    /// More trusted certificates (CAs or signers), PEM text.
    #[serde(default)]
    pub certificates: Vec<String>,
    /// Serial numbers (hex) SDI refuses as revoked, 00101.
    #[serde(default)]
    pub revoked: Vec<String>,
}

impl Default for SdiTrust {
    fn default() -> Self {
        SdiTrust {
            eisim_ca: true,
            certificates: Vec::new(),
            revoked: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SdiTiming {
    pub checks: Option<Duration>,
    pub delivery: Option<Duration>,
    pub first_attempt: Option<Duration>,
    pub retry_period: Option<Duration>,
    pub outcome_deadline: Option<Duration>,
    pub redelivery: Option<Duration>,
}

/// The integrator's accredited SDICoop channel: where SDI sends notifications and invoices.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SdiChannel {
    /// Left out, the tenant that owns an SDI participant.
    pub tenant: Option<String>,
    /// The integrator's `TrasmissioneFatture` service (it gets RC, NS, MC, NE, DT, AT).
    pub trasmissione_fatture: Option<String>,
    /// The integrator's `RicezioneFatture` service (it gets invoices with MT, and DT).
    pub ricezione_fatture: Option<String>,
    /// SDI sends MTOM/XOP; plain SOAP for receivers that cannot read it.
    #[serde(default = "yes")]
    pub mtom: bool,
}

impl Default for SdiChannel {
    fn default() -> Self {
        SdiChannel {
            tenant: None,
            trasmissione_fatture: None,
            ricezione_fatture: None,
            mtom: true,
        }
    }
}

fn yes() -> bool {
    true
}

/// An invoice another supplier sends through SDI to one of the tenant's recipient codes.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundInvoice {
    /// When SDI receives it, from the start of the run.
    pub at: Duration,
    /// A FatturaPA file, relative to the scenario file; its name is the SDI file name.
    pub file: String,
    /// Delivered as a CAdES `.xml.p7m` signed by eisim's test signer (the name gets `.p7m`).
    #[serde(default)]
    pub signed: Option<bool>,
    /// The file's bytes, read when the scenario is loaded from a file.
    #[serde(skip)]
    pub bytes: Option<std::sync::Arc<[u8]>>,
}

impl SdiSettings {
    pub fn checks(&self) -> std::time::Duration {
        self.timing.checks.unwrap_or(DEFAULT_CHECKS).as_std()
    }
    pub fn delivery(&self) -> std::time::Duration {
        self.timing.delivery.unwrap_or(DEFAULT_DELIVERY).as_std()
    }
    pub fn first_attempt(&self) -> std::time::Duration {
        self.timing
            .first_attempt
            .unwrap_or(DEFAULT_FIRST_ATTEMPT)
            .as_std()
    }
    pub fn retry_period(&self) -> std::time::Duration {
        self.timing
            .retry_period
            .unwrap_or(DEFAULT_RETRY_PERIOD)
            .as_std()
    }
    pub fn outcome_deadline(&self) -> std::time::Duration {
        self.timing
            .outcome_deadline
            .unwrap_or(DEFAULT_OUTCOME_DEADLINE)
            .as_std()
    }
    pub fn redelivery(&self) -> std::time::Duration {
        self.timing
            .redelivery
            .unwrap_or(DEFAULT_REDELIVERY)
            .as_std()
    }

    /// Settings SDI could not run with, each as (key, what is wrong, how to fix it).
    pub(crate) fn problems(&self) -> Vec<(String, String, &'static str)> {
        let mut problems = Vec::new();
        for (key, value) in [
            ("timing.first_attempt", self.timing.first_attempt),
            ("timing.retry_period", self.timing.retry_period),
            ("timing.outcome_deadline", self.timing.outcome_deadline),
            ("timing.redelivery", self.timing.redelivery),
        ] {
            if value.is_some_and(|v| v.as_std().is_zero()) {
                problems.push((
                    key.to_owned(),
                    "expected a period longer than zero, found `0s`".to_owned(),
                    "leave it out for SDI's own period",
                ));
            }
        }
        for (key, url) in [
            (
                "channel.trasmissione_fatture",
                &self.channel.trasmissione_fatture,
            ),
            ("channel.ricezione_fatture", &self.channel.ricezione_fatture),
        ] {
            if let Some(url) = url
                && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                problems.push((
                    key.to_owned(),
                    format!("expected an http:// URL, found `{url}`"),
                    "give the full URL of your SOAP service, e.g. http://127.0.0.1:9000/TrasmissioneFatture",
                ));
            }
        }
        if let Err(problem) = crate::signed::TrustList::new(
            self.trust.eisim_ca,
            &self.trust.certificates,
            &self.trust.revoked,
        ) {
            problems.push((
                "trust".to_owned(),
                problem,
                "give each certificate as PEM text (-----BEGIN CERTIFICATE----- ...) and each revoked serial in hex",
            ));
        }
        for (index, inbound) in self.inbound.iter().enumerate() {
            if inbound.file.trim().is_empty() {
                problems.push((
                    format!("inbound[{index}].file"),
                    "expected the path of a FatturaPA file".to_owned(),
                    "give a path relative to the scenario file",
                ));
            }
        }
        problems
    }
}
