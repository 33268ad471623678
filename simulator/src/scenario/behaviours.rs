//! The `behaviours:` section: how a network answers documents that match a rule.
//!
//! ```yaml
//! behaviours:
//!   - when: { network: sdi, invoice_number: "DUP-*" }
//!     then: [ { after: 2m, sdi: NS, errors: ["00404"] } ]
//! ```
//!
//! The gateway runs them today: a submitted document that matches a rule goes through its
//! outcomes on the simulator clock. An outcome names the gateway state to move to, or a
//! network code that implies one (see `Outcome::gateway_state`).

use serde::Deserialize;

use super::duration::Duration;
use super::model::Network;
use super::probability::Probability;
use crate::store::DocumentState;

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
    /// The gateway state to move to; left out, it follows from the network code.
    pub state: Option<DocumentState>,
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

/// SDI notification types an outcome may name.
pub(crate) const SDI_NOTIFICATIONS: [&str; 6] = ["RC", "NS", "MC", "NE", "DT", "AT"];
/// Peppol MLR and Invoice Response codes an outcome may name.
pub(crate) const PEPPOL_CODES: [&str; 7] = ["AB", "IP", "UQ", "CA", "RE", "AP", "PD"];
/// KSeF invoice processing status codes an outcome may name.
pub(crate) const KSEF_CODES: [u16; 12] =
    [100, 150, 200, 405, 410, 415, 430, 435, 440, 450, 500, 550];

impl Outcome {
    /// The gateway state this outcome moves a document to. An explicit `state` wins;
    /// otherwise the network code decides: SDI RC and DT (delivered, or deemed accepted after
    /// 15 days) and NE with EC01 are `delivered`, NE with EC02 and NS are `refused`, MC and
    /// AT (delivery failed) are `failed`; KSeF 100 is `sent`, 150 `accepted`, 200
    /// `delivered`, 500 and 550 `failed`, any other 4xx `refused`; Peppol AB, IP, UQ and CA
    /// are `accepted`, AP and PD `delivered`, RE `refused`. `None` when the outcome names
    /// nothing the scenario check would accept.
    pub fn gateway_state(&self) -> Option<DocumentState> {
        if let Some(state) = self.state {
            return Some(state);
        }
        if let Some(sdi) = self.sdi.as_deref() {
            return match sdi.to_ascii_uppercase().as_str() {
                "RC" | "DT" => Some(DocumentState::Delivered),
                "NE" if self.errors.iter().any(|e| e.eq_ignore_ascii_case("EC02")) => {
                    Some(DocumentState::Refused)
                }
                "NE" => Some(DocumentState::Delivered),
                "NS" => Some(DocumentState::Refused),
                "MC" | "AT" => Some(DocumentState::Failed),
                _ => None,
            };
        }
        if let Some(code) = self.ksef {
            return crate::networks::ksef::gateway_state(code);
        }
        if let Some(code) = self.peppol.as_deref() {
            return match code.to_ascii_uppercase().as_str() {
                "AB" | "IP" | "UQ" | "CA" => Some(DocumentState::Accepted),
                "AP" | "PD" => Some(DocumentState::Delivered),
                "RE" => Some(DocumentState::Refused),
                _ => None,
            };
        }
        None
    }

    /// The network code this outcome carries, as the document's network detail shows it.
    pub fn network_status(&self) -> Option<String> {
        self.sdi
            .as_deref()
            .map(str::to_ascii_uppercase)
            .or_else(|| self.ksef.map(|code| code.to_string()))
            .or_else(|| self.peppol.as_deref().map(str::to_ascii_uppercase))
    }
}
