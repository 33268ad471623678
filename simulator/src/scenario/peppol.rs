//! The `peppol:` section: the delivery timings of the four-corner model, who is registered in
//! the SML without an SMP entry, and invoices other participants send to the integrator.
//!
//! ```yaml
//! peppol:
//!   timing:
//!     send: 1s            # received -> SML/SMP lookup and the AS4 send (sent)
//!     receipt: 2s         # AS4 send -> the receiving access point's Receipt (accepted)
//!     mls: 10s            # Receipt -> its Message Level Status (AP: delivered)
//!     retries: [1m, 5m, 15m, 1h]  # resends while the receiving access point is down
//!   duplicate_window: 10m # how long the receiving access point remembers AS4 MessageIds
//!   sml_only: ["0208:0597601756"]   # in the SML, unknown to their SMP
//!   inbound:              # invoices other participants send to the integrator
//!     - { at: 10m, file: invoices/from-brasserie.xml }
//! ```
//!
//! Behaviours (`mls: RE`, `mlr: RE`, `peppol: RE` with a `reason`...) decide the receiving
//! side's answers; these settings are the network's own rules and the defaults when no
//! behaviour matches.

use serde::Deserialize;

use super::duration::Duration;

const DEFAULT_SEND: Duration = Duration::from_secs(1);
const DEFAULT_RECEIPT: Duration = Duration::from_secs(2);
const DEFAULT_MLS: Duration = Duration::from_secs(10);
/// phase4's `phase4.incoming.duplicatedisposal.minutes` default (reference §7.1).
const DEFAULT_DUPLICATE_WINDOW: Duration = Duration::from_secs(600);
/// Resends after a failed AS4 send: quick at first, then spread over a couple of hours,
/// as access points retry a receiving AP that does not answer.
const DEFAULT_RETRIES: [Duration; 4] = [
    Duration::from_secs(60),
    Duration::from_secs(300),
    Duration::from_secs(900),
    Duration::from_secs(3600),
];

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeppolSettings {
    #[serde(default)]
    pub timing: PeppolTiming,
    /// Left out, 10 minutes, as phase4 keeps them.
    pub duplicate_window: Option<Duration>,
    /// Participants the SML knows (their NAPTR record exists) but whose SMP has no service
    /// group for them: the second of the three "cannot deliver" cases.
    #[serde(default)]
    pub sml_only: Vec<String>,
    #[serde(default)]
    pub inbound: Vec<PeppolInbound>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeppolTiming {
    pub send: Option<Duration>,
    pub receipt: Option<Duration>,
    pub mls: Option<Duration>,
    pub retries: Option<Vec<Duration>>,
}

/// A UBL invoice or credit note another participant sends to one of the tenant's Peppol ids.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeppolInbound {
    /// When eisim's access point receives it, from the start of the run.
    pub at: Duration,
    /// A UBL file, relative to the scenario file. Its seller and buyer endpoints say who
    /// sends it and to whom.
    pub file: String,
    /// The file's bytes, read when the scenario is loaded from a file.
    #[serde(skip)]
    pub bytes: Option<std::sync::Arc<[u8]>>,
}

impl PeppolSettings {
    pub fn send(&self) -> std::time::Duration {
        self.timing.send.unwrap_or(DEFAULT_SEND).as_std()
    }
    pub fn receipt(&self) -> std::time::Duration {
        self.timing.receipt.unwrap_or(DEFAULT_RECEIPT).as_std()
    }
    pub fn mls(&self) -> std::time::Duration {
        self.timing.mls.unwrap_or(DEFAULT_MLS).as_std()
    }
    pub fn retries(&self) -> Vec<std::time::Duration> {
        self.timing.retries.as_deref().map_or_else(
            || DEFAULT_RETRIES.iter().map(|d| d.as_std()).collect(),
            |retries| retries.iter().map(|d| d.as_std()).collect(),
        )
    }
    pub fn duplicate_window(&self) -> std::time::Duration {
        self.duplicate_window
            .unwrap_or(DEFAULT_DUPLICATE_WINDOW)
            .as_std()
    }

    /// Settings the network could not run with, each as (key, what is wrong, how to fix it).
    pub(crate) fn problems(&self) -> Vec<(String, String, &'static str)> {
        let mut problems = Vec::new();
        if self.duplicate_window.is_some_and(|d| d.as_std().is_zero()) {
            problems.push((
                "duplicate_window".to_owned(),
                "expected a period longer than zero, found `0s`".to_owned(),
                "leave it out for the 10 minutes access points use",
            ));
        }
        if let Some(retries) = &self.timing.retries
            && retries.iter().any(|d| d.as_std().is_zero())
        {
            problems.push((
                "timing.retries".to_owned(),
                "a resend 0s after a failed send would hammer the receiving access point"
                    .to_owned(),
                "give each resend a delay longer than zero, or `[]` for no resends",
            ));
        }
        for (index, inbound) in self.inbound.iter().enumerate() {
            if inbound.file.trim().is_empty() {
                problems.push((
                    format!("inbound[{index}].file"),
                    "expected the path of a UBL invoice or credit note".to_owned(),
                    "give a path relative to the scenario file",
                ));
            }
        }
        problems
    }
}
