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
use super::probability::Probability;
use crate::vocabulary::DocumentState;
use crate::vocabulary::Network;

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
    /// The buyer's Invoice Response code: `AB`, `IP`, `UQ`, `CA`, `RE`, `AP`, `PD`.
    pub peppol: Option<String>,
    /// The receiving access point's Message Level Status: `AP`, `AB` or `RE`; its `errors`
    /// are the line status reasons (`FD`, `BV`, `SV`, `BW`).
    pub mls: Option<String>,
    /// The receiver's Message Level Response: `AB`, `AP` or `RE`; its `errors` are the
    /// business rules the receiver found broken (`BR-CO-10`...).
    pub mlr: Option<String>,
    /// An Invoice Response's status reason (OPStatusReason: `REF`, `PRI`, `PPD`...).
    pub reason: Option<String>,
    /// An Invoice Response's requested action (OPStatusAction: `NIN`, `CNF`...).
    pub action: Option<String>,
    /// An Invoice Response's free-text status reason.
    pub text: Option<String>,
    /// The network's error codes carried by the outcome, e.g. SDI `00404`.
    #[serde(default)]
    pub errors: Vec<String>,
}

/// SDI notification types an outcome may name.
pub(crate) const SDI_NOTIFICATIONS: [&str; 6] = ["RC", "NS", "MC", "NE", "DT", "AT"];
/// Peppol Invoice Response codes an outcome may name.
pub(crate) const PEPPOL_CODES: [&str; 7] = ["AB", "IP", "UQ", "CA", "RE", "AP", "PD"];
/// Message Level Status codes (receiving access point).
pub(crate) const MLS_CODES: [&str; 3] = ["AP", "AB", "RE"];
/// Message Level Response codes (receiver).
pub(crate) const MLR_CODES: [&str; 3] = ["AB", "AP", "RE"];

impl Outcome {
    /// The gateway state this outcome moves a document to. An explicit `state` wins;
    /// otherwise the network code decides: SDI RC and DT (delivered, or deemed accepted after
    /// 15 days) and NE with EC01 are `delivered`, NE with EC02 and NS are `refused`, MC and
    /// AT (delivery failed) are `failed`; KSeF 100 is `sent`, 150 `accepted`, 200
    /// `delivered`, 500 and 550 `failed`, any other 4xx `refused`; Peppol's answers all come
    /// after the receiving access point has the document, so an Invoice Response or MLR RE
    /// is `refused` and any other keeps it `delivered`, and an MLS AP or AB is `delivered`
    /// while an MLS RE is `failed` (FD, delivery to the receiver failed) or `refused` (BV,
    /// SV). `None` when the outcome names nothing the scenario check would accept.
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
            return crate::codelists::ksef::gateway_state(code);
        }
        if let Some(code) = self.mls.as_deref() {
            let undeliverable = self.errors.iter().any(|e| e.eq_ignore_ascii_case("FD"));
            return match code.to_ascii_uppercase().as_str() {
                "AP" | "AB" => Some(DocumentState::Delivered),
                "RE" if undeliverable => Some(DocumentState::Failed),
                "RE" => Some(DocumentState::Refused),
                _ => None,
            };
        }
        let answer = self.peppol.as_deref().or(self.mlr.as_deref())?;
        let codes: &[&str] = if self.peppol.is_some() {
            &PEPPOL_CODES
        } else {
            &MLR_CODES
        };
        let code = answer.to_ascii_uppercase();
        match code.as_str() {
            "RE" => Some(DocumentState::Refused),
            _ if codes.contains(&code.as_str()) => Some(DocumentState::Delivered),
            _ => None,
        }
    }

    /// The network code this outcome carries, as the document's network detail shows it.
    pub fn network_status(&self) -> Option<String> {
        self.sdi
            .as_deref()
            .map(str::to_ascii_uppercase)
            .or_else(|| self.ksef.map(|code| code.to_string()))
            .or_else(|| self.peppol.as_deref().map(str::to_ascii_uppercase))
            .or_else(|| {
                self.mls
                    .as_deref()
                    .map(|c| format!("MLS {}", c.to_ascii_uppercase()))
            })
            .or_else(|| {
                self.mlr
                    .as_deref()
                    .map(|c| format!("MLR {}", c.to_ascii_uppercase()))
            })
    }

    /// Whether this outcome is one of Peppol's answers (MLS, MLR or Invoice Response).
    pub fn is_peppol(&self) -> bool {
        self.peppol.is_some() || self.mls.is_some() || self.mlr.is_some()
    }
}
