//! The networks eisim simulates, named the same way everywhere: scenario files, the driver
//! contract, the journal and the gateway's JSON.

use std::fmt;

use serde::Deserialize;

/// The e-invoicing networks eisim simulates.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    Peppol,
    Sdi,
    Ksef,
}

impl Network {
    pub const ALL: [Self; 3] = [Self::Peppol, Self::Sdi, Self::Ksef];

    /// The spelling used in scenario files and in the driver contract.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Peppol => "peppol",
            Self::Sdi => "sdi",
            Self::Ksef => "ksef",
        }
    }

    /// The spelling used in prose and messages.
    pub const fn display_name(self) -> &'static str {
        match self {
            Self::Peppol => "Peppol",
            Self::Sdi => "SDI",
            Self::Ksef => "KSeF",
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
