//! The `behaviours:` section: how a network answers documents that match a rule.
//!
//! ```yaml
//! behaviours:
//!   - when: { network: sdi, invoice_number: "DUP-*" }
//!     then: [ { after: 2m, sdi: NS, errors: ["00404"] } ]
//! ```
//!
//! Modelled and checked now; run by the network engines when they arrive.

use serde::Deserialize;

use super::duration::Duration;
use super::model::Network;
use super::probability::Probability;

/// A rule: documents matching `when` go through the outcomes in `then`, in order.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    /// Left out, the rule matches every document.
    #[serde(default)]
    pub when: Match,
    pub then: Vec<Outcome>,
}

/// Which documents a behaviour applies to; every condition given must hold.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Match {
    pub network: Option<Network>,
    /// A glob over the document's own invoice number (`DUP-*`).
    pub invoice_number: Option<String>,
    /// A participant id, exactly as in `participants`.
    pub recipient: Option<String>,
    /// Applies to only this share of matching documents, drawn from the seeded random source.
    pub probability: Option<Probability>,
}

/// One step of a document's life on the network, `after` the previous one.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub after: Duration,
    /// SDI notification type to emit: `RC`, `NS`, `MC`, `NE`, `DT`, `AT`.
    pub sdi: Option<String>,
    /// KSeF processing status code, e.g. `200`, `440`, `450`.
    pub ksef: Option<u16>,
    /// Peppol response code (MLR or Invoice Response), e.g. `AP`, `RE`, `AB`.
    pub peppol: Option<String>,
    /// The network's error codes carried by the outcome, e.g. SDI `00404`.
    #[serde(default)]
    pub errors: Vec<String>,
}
