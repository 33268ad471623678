//! The `steps:` section: what the conformance suite asks the integration under test to do.
//!
//! Each step is a map with a single key naming its kind:
//!
//! ```yaml
//! steps:
//!   - submit: { fixture: fatturapa/FPR12-minimal.xml, network: sdi, recipient: "SDI:ABC1234" }
//!   - advance: 15d
//!   - expect_state: { fixture: fatturapa/FPR12-minimal.xml, state: delivered }
//! ```
//!
//! Modelled and checked now; run by `eisim-suite` when it arrives.

use serde::Deserialize;

use super::duration::Duration;
use super::model::Network;

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Ask the integration to send a fixture document through its real code path.
    Submit(SubmitStep),
    /// Move the simulated clock forward.
    Advance(Duration),
    /// Check what the integration believes about a document it submitted.
    ExpectState(ExpectStateStep),
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitStep {
    /// Path under `fixtures/`.
    pub fixture: String,
    pub network: Network,
    /// A participant id from `participants`.
    pub recipient: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectStateStep {
    /// The fixture of an earlier `submit` step, naming the document.
    pub fixture: String,
    /// One of the gateway states: `received`, `sent`, `accepted`, `delivered`, `refused`,
    /// `failed`.
    pub state: String,
}
