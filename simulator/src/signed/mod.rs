//! Signed files as SDI receives them: CAdES (`.xml.p7m`, a CMS SignedData wrapping the
//! invoice) and XAdES-BES enveloped in the XML itself, both judged against one trust list.
//!
//! SDI refuses a signed file with one of its 001xx codes; [`Fault`] carries the code that
//! applies and the reason in SDI's words, so the network only has to put it in the NS. Time
//! comes in as an argument (the run's simulated reception instant), never from the wall clock,
//! so a certificate expires on the scenario's clock.
//!
//! - `trust.rs`: the trust list (eisim's test CA, the scenario's certificates and
//!   revocations) and the certificate checks both signature kinds share;
//! - `cades.rs`: reading and verifying a `.p7m`;
//! - `xades.rs`: verifying an enveloped XAdES-BES signature, over `c14n.rs`, canonical XML of
//!   documents others wrote;
//! - `sign.rs`: making signed files with eisim's test identity or a given one
//!   (`eisim sdi sign`, the inbound invoices a scenario wants signed).

pub(crate) mod c14n;
pub(crate) mod cades;
pub(crate) mod sign;
pub(crate) mod trust;
pub(crate) mod xades;

pub(crate) use trust::TrustList;

/// Why SDI refuses a signed file, as its code list says (Elenco dei controlli v2.0, 001xx).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultKind {
    /// 00100: the certificate had expired when the file was signed or received.
    Expired,
    /// 00101: the certificate is on the scenario's revocation list.
    Revoked,
    /// 00102: the signature does not verify over the content.
    InvalidSignature,
    /// 00103: no signing time among the signed attributes.
    NoSigningTime,
    /// 00104: the certificate does not chain to the trust list.
    UntrustedCa,
    /// 00105: signed after SDI received the file.
    SignedAfterReception,
    /// 00106: empty, truncated or not a signed file at all.
    Corrupt,
    /// 00107: the certificate is not valid (not yet valid, badly signed, unusable).
    CertificateInvalid,
}

impl FaultKind {
    pub(crate) fn code(self) -> &'static str {
        match self {
            FaultKind::Expired => "00100",
            FaultKind::Revoked => "00101",
            FaultKind::InvalidSignature => "00102",
            FaultKind::NoSigningTime => "00103",
            FaultKind::UntrustedCa => "00104",
            FaultKind::SignedAfterReception => "00105",
            FaultKind::Corrupt => "00106",
            FaultKind::CertificateInvalid => "00107",
        }
    }
}

/// A refused signature: the code and what exactly was wrong, in Italian as SDI writes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} : {detail}", .kind.code())]
pub(crate) struct Fault {
    pub(crate) kind: FaultKind,
    pub(crate) detail: String,
}

impl Fault {
    pub(crate) fn new(kind: FaultKind, detail: impl Into<String>) -> Self {
        Fault {
            kind,
            detail: detail.into(),
        }
    }

    pub(crate) fn code(&self) -> &'static str {
        self.kind.code()
    }
}
