//! The network-neutral words for a document's life: where it is (`received -> sent ->
//! accepted -> delivered | refused | failed`, the states integrators map onto their ERP) and
//! which way it travels. Scenario outcomes, the store, the lifecycle, webhooks and every
//! network speak them.

use serde::{Deserialize, Serialize};

/// Where a document is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentState {
    /// Taken in and validated by the access point.
    Received,
    /// Handed to the network.
    Sent,
    /// The network took it (SDI passed its checks, KSeF is processing, the receiving access
    /// point acknowledged it).
    Accepted,
    /// It reached the recipient. Final.
    Delivered,
    /// The network or the recipient refused it. Final.
    Refused,
    /// It could not be validated or delivered. Final.
    Failed,
}

impl DocumentState {
    pub const ALL: [Self; 6] = [
        Self::Received,
        Self::Sent,
        Self::Accepted,
        Self::Delivered,
        Self::Refused,
        Self::Failed,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Sent => "sent",
            Self::Accepted => "accepted",
            Self::Delivered => "delivered",
            Self::Refused => "refused",
            Self::Failed => "failed",
        }
    }

    /// Nothing more will happen to a document in a final state.
    pub const fn is_final(self) -> bool {
        matches!(self, Self::Delivered | Self::Refused | Self::Failed)
    }
}

impl std::str::FromStr for DocumentState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!(
                    "unknown state `{s}`; expected one of received, sent, accepted, delivered, refused, failed"
                )
            })
    }
}

/// Sent by the integrator, or received for it from the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Outbound,
    Inbound,
}

impl std::str::FromStr for Direction {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            // Providers say incoming/outgoing (Billit's `MessageDirection`); both mean the same.
            "outbound" | "outgoing" => Ok(Self::Outbound),
            "inbound" | "incoming" => Ok(Self::Inbound),
            _ => Err(format!(
                "unknown direction `{s}`; expected outbound or inbound"
            )),
        }
    }
}
