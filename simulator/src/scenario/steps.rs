//! The `steps:` section: what the conformance suite asks the integration under test to do.
//!
//! Each step is a map with a single key naming its kind:
//!
//! ```yaml
//! steps:
//!   - submit: { fixture: sdi/valid/FPR12-minimal.xml, network: sdi, recipient: "SDI:ABC1234",
//!               file_name: IT01234567890_00001.xml, number: "A-17", as: first }
//!   - resubmit: { of: first, fixture: sdi/valid/FPR12-minimal.xml, number: "A-18" }
//!   - advance: 15d
//!   - expect_state: { of: first, state: delivered }
//!   - respond: { invoice: peppol-inbound-1.xml, code: AB }
//! ```
//!
//! The simulator itself ignores steps: `eisim-suite` reads them, sends the submissions to the
//! integration through its driver, moves the clock, and compares states. `eisim check` still
//! checks them against the rest of the scenario (recipients, names, codes), so a broken step
//! is found before a run. Fixtures are resolved by the suite, which knows where they live.

use serde::{Deserialize, Serialize};

use super::duration::Duration;
use crate::vocabulary::Network;

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Ask the integration to send a fixture document through its real code path.
    Submit(SubmitStep),
    /// Ask the integration to send a corrected copy of a document the network refused.
    Resubmit(ResubmitStep),
    /// Move the simulated clock forward.
    Advance(Duration),
    /// Check what the integration believes about a document it submitted.
    ExpectState(ExpectStateStep),
    /// Ask the integration to answer an inbound Peppol invoice with an Invoice Response.
    Respond(RespondStep),
}

impl Step {
    /// The step's key, as written in the file.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Submit(_) => "submit",
            Self::Resubmit(_) => "resubmit",
            Self::Advance(_) => "advance",
            Self::ExpectState(_) => "expect_state",
            Self::Respond(_) => "respond",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitStep {
    /// Path under `fixtures/`.
    pub fixture: String,
    pub network: Network,
    /// A participant id from `participants`.
    pub recipient: String,
    /// Which of the integration's code paths sends it.
    #[serde(default)]
    pub channel: Channel,
    /// SDI only: the file name to submit under, so a scenario can provoke a reused name.
    pub file_name: Option<String>,
    /// Replaces the fixture's invoice number, so one fixture serves several documents (and
    /// a duplicate number can be provoked on purpose).
    pub number: Option<String>,
    /// The name later steps use for this document; left out, the fixture path.
    #[serde(rename = "as")]
    pub alias: Option<String>,
}

impl SubmitStep {
    /// How later steps (`of:`) refer to this document.
    pub fn name(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.fixture)
    }
}

/// The integration's way into a network.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// The network-neutral provider API (`POST /api/v1/invoices`, `/submissions`).
    #[default]
    Gateway,
    /// The network's own API (a KSeF online session).
    Native,
}

impl Channel {
    /// The spelling used in scenario files and in the driver contract.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Gateway => "gateway",
            Self::Native => "native",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResubmitStep {
    /// The name of an earlier `submit` step: the document this one corrects.
    pub of: String,
    /// The corrected document, a path under `fixtures/`.
    pub fixture: String,
    pub number: Option<String>,
    /// SDI only: a corrected invoice after NS must travel under a new file name.
    pub file_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectStateStep {
    /// The name of an earlier `submit` step (its `as`, or else its fixture).
    pub of: String,
    /// One of the gateway states: `received`, `sent`, `accepted`, `delivered`, `refused`,
    /// `failed`.
    pub state: String,
}

/// The buyer's answer the integration is asked to send, in the words of BIS Invoice Response
/// 3.0.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RespondStep {
    /// One of the `peppol.inbound` files, as written there or by its file name alone.
    pub invoice: String,
    /// Invoice Response code: `AB`, `IP`, `UQ`, `CA`, `RE`, `AP`, `PD`.
    pub code: String,
    /// OPStatusReason (`REF`, `PRI`...); UQ, CA and RE need it or an `action`.
    pub reason: Option<String>,
    /// OPStatusAction (`NIN`, `CNF`...).
    pub action: Option<String>,
    /// Free-text status reason.
    pub text: Option<String>,
}
