//! The scenario file: who exists on which network, and the sections that say how the world
//! behaves.
//!
//! Every struct refuses unknown keys: a misspelt `behavours:` would otherwise be dropped without
//! a word and the run would quietly differ from what the author wrote. The suite's sections
//! (`steps`, `expect`, `suite`) are modelled and checked here too, although only the
//! conformance suite acts on them.

use serde::Deserialize;

use super::behaviours::Behaviour;
use super::clock_spec::ClockSpec;
use super::faults::Fault;
use super::ksef::KsefSettings;
use super::limits::Limits;
use super::peppol::PeppolSettings;
use super::sdi::SdiSettings;
use super::steps::Step;
use super::suite::SuiteSettings;
use super::webhooks::WebhookPolicy;
use crate::vocabulary::Network;

/// One scenario file, as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Names the run in the journal and in suite reports.
    pub name: String,
    pub description: Option<String>,
    /// How simulated time moves; `real` when left out.
    #[serde(default)]
    pub clock: ClockSpec,
    /// Seeds every random choice (probabilities, injected duplicates), so a run can be replayed.
    #[serde(default)]
    pub seed: u64,
    /// Integrators allowed to call the gateway, each with its own client credentials.
    #[serde(default)]
    pub tenants: Vec<Tenant>,
    /// Who can send and receive on each network.
    #[serde(default)]
    pub participants: Vec<Participant>,
    /// How the networks answer documents that match a rule.
    #[serde(default)]
    pub behaviours: Vec<Behaviour>,
    /// Outages, error statuses, KSeF exceptions and warnings, and latency, each in a window of
    /// simulated time.
    #[serde(default)]
    pub faults: Vec<Fault>,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub webhooks: WebhookPolicy,
    /// KSeF tokens, processing times, token and session lifetimes, and the native API's limits.
    #[serde(default)]
    pub ksef: KsefSettings,
    /// SDI's timings, the integrator's SDICoop channel, and invoices it receives.
    #[serde(default)]
    pub sdi: SdiSettings,
    /// Peppol's delivery timings, SML-only participants, and invoices the integrator receives.
    #[serde(default)]
    pub peppol: PeppolSettings,
    /// What the conformance suite asks the integration under test to do, in order.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Conformance rule ids (`AUTH-1`, `SUB-1`, ...) that apply to this scenario.
    #[serde(default)]
    pub expect: Vec<String>,
    /// How the conformance suite paces a run: polling floor and time limit.
    #[serde(default)]
    pub suite: SuiteSettings,
}

/// An integrator: the unit of isolation in the store. Everything it submits is visible only
/// through its own credentials.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tenant {
    pub id: String,
    pub name: Option<String>,
    /// OAuth2 client-credentials pairs for `POST /connect/token`; several allow rotation.
    #[serde(default)]
    pub credentials: Vec<Credential>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// Unique across the scenario, because the token endpoint finds the tenant by it.
    pub client_id: String,
    pub client_secret: String,
}

/// A party reachable on one network: a Peppol participant, an SDI channel or PA office, or a
/// taxpayer in KSeF.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Participant {
    /// The network's own identifier with a network prefix: `0208:0123456749` (Peppol
    /// `ICD:identifier`), `SDI:ABC1234` (codice destinatario or PA office code),
    /// `KSEF:5265877635` (NIP).
    pub id: String,
    pub network: Network,
    pub name: Option<String>,
    /// Set when this is one of the tenant's own identities, the sender or receiver it acts as.
    pub tenant: Option<String>,
    /// What the participant can receive, e.g. Peppol document types such as
    /// `bis-billing-3-invoice`; the network engines define the names they understand.
    #[serde(default)]
    pub capabilities: Vec<String>,
}
