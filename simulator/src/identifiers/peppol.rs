//! Peppol's names for things: participant identifiers in the `iso6523-actorid-upis` scheme,
//! the document type and process identifiers of BIS Billing 3.0 and its responses, and the
//! SML host name a participant's SMP is found under.
//!
//! A participant id is checked the way the network checks it: the ICD must be in the
//! Electronic Address Scheme list, and the value must pass the ICD's own check-digit rule
//! (`PEPPOL-COMMON-R04x`), the same rule that refuses an `EndpointID` inside an invoice.

use data_encoding::BASE32_NOPAD;
use sha2::{Digest, Sha256};

use crate::documents::ubl;

/// The participant identifier scheme every Peppol participant id lives in.
pub(crate) const PARTICIPANT_SCHEME: &str = "iso6523-actorid-upis";
/// The document identifier scheme of every Peppol document type.
pub(crate) const DOCUMENT_SCHEME: &str = "busdox-docid-qns";
/// The process identifier scheme.
pub(crate) const PROCESS_SCHEME: &str = "cenbii-procid-ubl";
/// The test SML (SMK) zone: eisim is a test network.
pub(crate) const SML_ZONE: &str = "acc.edelivery.tech.ec.europa.eu";
/// The AS4 transport profile receiving access points publish.
pub(crate) const TRANSPORT_PROFILE: &str = "peppol-transport-as4-v2_0";

pub(crate) const INVOICE_DOCUMENT_TYPE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1";
pub(crate) const CREDIT_NOTE_DOCUMENT_TYPE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1";
pub(crate) const BILLING_PROCESS: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";
pub(crate) const INVOICE_RESPONSE_DOCUMENT_TYPE: &str = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2::ApplicationResponse##urn:fdc:peppol.eu:poacc:trns:invoice_response:3::2.1";
pub(crate) const INVOICE_RESPONSE_PROCESS: &str = "urn:fdc:peppol.eu:poacc:bis:invoice_response:3";
pub(crate) const MLR_DOCUMENT_TYPE: &str = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2::ApplicationResponse##urn:fdc:peppol.eu:poacc:trns:mlr:3::2.1";
pub(crate) const MLR_PROCESS: &str = "urn:fdc:peppol.eu:poacc:bis:mlr:3";

/// The capability names a scenario gives participants, with the document type and process
/// each one stands for in the SMP.
pub(crate) const CAPABILITIES: [Capability; 4] = [
    Capability {
        name: "bis-billing-3-invoice",
        document_type: INVOICE_DOCUMENT_TYPE,
        process: BILLING_PROCESS,
    },
    Capability {
        name: "bis-billing-3-credit-note",
        document_type: CREDIT_NOTE_DOCUMENT_TYPE,
        process: BILLING_PROCESS,
    },
    Capability {
        name: "invoice-response",
        document_type: INVOICE_RESPONSE_DOCUMENT_TYPE,
        process: INVOICE_RESPONSE_PROCESS,
    },
    Capability {
        name: "mlr",
        document_type: MLR_DOCUMENT_TYPE,
        process: MLR_PROCESS,
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Capability {
    pub name: &'static str,
    pub document_type: &'static str,
    pub process: &'static str,
}

/// The capability a scenario name or a document type id (with or without its scheme)
/// stands for.
pub(crate) fn capability(name_or_id: &str) -> Option<&'static Capability> {
    let id = name_or_id
        .strip_prefix(DOCUMENT_SCHEME)
        .and_then(|rest| rest.strip_prefix("::"))
        .unwrap_or(name_or_id);
    CAPABILITIES
        .iter()
        .find(|c| c.name == name_or_id || c.document_type == id)
}

/// A well-formed participant id: `<ICD>:<value>` in the `iso6523-actorid-upis` scheme.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ParticipantId {
    pub icd: String,
    pub value: String,
}

/// Why a participant id is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum IdentifierError {
    #[error(
        "`{0}` is not a Peppol participant id: expected `iso6523-actorid-upis::<ICD>:<identifier>` or `<ICD>:<identifier>`, e.g. `0208:0123456749`"
    )]
    Shape(String),
    #[error(
        "`{scheme}` is not the participant identifier scheme; Peppol uses `iso6523-actorid-upis`"
    )]
    Scheme { scheme: String },
    #[error("ICD `{icd}` is not in Peppol's Electronic Address Scheme list (PEPPOL-EN16931-CL008)")]
    UnknownIcd { icd: String },
    #[error("{rule}: {text} (`{icd}:{value}`)")]
    CheckDigits {
        rule: &'static str,
        text: &'static str,
        icd: String,
        value: String,
    },
}

impl IdentifierError {
    /// The Peppol rule the id breaks, when one names the problem.
    #[cfg(test)]
    pub(crate) fn rule(&self) -> Option<&'static str> {
        match self {
            IdentifierError::UnknownIcd { .. } => Some("PEPPOL-EN16931-CL008"),
            IdentifierError::CheckDigits { rule, .. } => Some(rule),
            _ => None,
        }
    }
}

impl ParticipantId {
    /// Reads a participant id in wire form (`iso6523-actorid-upis::0208:0123456749`, the
    /// scheme in any case) or in the short form scenarios use (`0208:0123456749`).
    pub(crate) fn parse(text: &str) -> Result<Self, IdentifierError> {
        let text = text.trim();
        let value = match text.split_once("::") {
            Some((scheme, value)) => {
                if !scheme.eq_ignore_ascii_case(PARTICIPANT_SCHEME) {
                    return Err(IdentifierError::Scheme {
                        scheme: scheme.to_owned(),
                    });
                }
                value
            }
            None => text,
        };
        let Some((icd, id)) = value.split_once(':') else {
            return Err(IdentifierError::Shape(text.to_owned()));
        };
        let well_formed = icd.len() == 4
            && icd.bytes().all(|b| b.is_ascii_digit())
            && !id.is_empty()
            && id.len() <= 50
            && !id.chars().any(|c| c.is_whitespace() || c.is_control());
        if !well_formed {
            return Err(IdentifierError::Shape(text.to_owned()));
        }
        if !ubl::is_peppol_eas(icd) {
            return Err(IdentifierError::UnknownIcd {
                icd: icd.to_owned(),
            });
        }
        if let Some((rule, text)) = ubl::identifier_check(icd, id) {
            return Err(IdentifierError::CheckDigits {
                rule,
                text,
                icd: icd.to_owned(),
                value: id.to_owned(),
            });
        }
        Ok(ParticipantId {
            icd: icd.to_owned(),
            value: id.to_owned(),
        })
    }

    /// `0208:0123456749`, as scenarios and the gateway write it.
    pub(crate) fn short(&self) -> String {
        format!("{}:{}", self.icd, self.value)
    }

    /// `iso6523-actorid-upis::0208:0123456749`, as the SMP and the SBDH write it.
    pub(crate) fn wire(&self) -> String {
        format!("{PARTICIPANT_SCHEME}::{}", self.short())
    }

    /// Values are case-insensitive: two ids are the same participant when these are equal.
    pub(crate) fn key(&self) -> String {
        self.short().to_ascii_lowercase()
    }

    /// The name under which the SML publishes the participant's NAPTR record:
    /// `base32(sha256(lower(value)))` without padding, lower-cased, then the scheme and zone.
    pub(crate) fn naptr_host(&self) -> String {
        let digest = Sha256::digest(self.key().as_bytes());
        format!(
            "{}.{PARTICIPANT_SCHEME}.{SML_ZONE}",
            BASE32_NOPAD.encode(&digest).to_ascii_lowercase()
        )
    }
}

impl std::fmt::Display for ParticipantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.short())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn naptr_host_matches_the_published_test_vector() {
        // peppol-commons' PeppolNaptrURLProviderTest: 9915:test on the SMK.
        let id = ParticipantId {
            icd: "9915".into(),
            value: "test".into(),
        };
        assert_eq!(
            id.naptr_host(),
            "eh5boavaktmbgzyh2a63dz4qov33fvp5nsdvqklucfraayoodw6a.iso6523-actorid-upis.acc.edelivery.tech.ec.europa.eu"
        );
        let upper = ParticipantId {
            icd: "9915".into(),
            value: "TEST".into(),
        };
        assert_eq!(upper.naptr_host(), id.naptr_host());
    }

    #[test]
    fn reads_wire_and_short_forms_alike() {
        let wire = ParticipantId::parse("ISO6523-ACTORID-UPIS::0208:0123456749").unwrap();
        let short = ParticipantId::parse("0208:0123456749").unwrap();
        assert_eq!(wire, short);
        assert_eq!(short.wire(), "iso6523-actorid-upis::0208:0123456749");
    }

    #[test]
    fn refuses_each_kind_of_malformed_id_with_its_reason() {
        assert!(matches!(
            ParticipantId::parse("urn:x::0208:0123456749"),
            Err(IdentifierError::Scheme { .. })
        ));
        for shape in ["0208", "208:0123456749", "0208:", "0208:01 23", "abcd:1"] {
            assert!(
                matches!(ParticipantId::parse(shape), Err(IdentifierError::Shape(_))),
                "{shape}"
            );
        }
        let unknown = ParticipantId::parse("1234:5678").unwrap_err();
        assert_eq!(unknown.rule(), Some("PEPPOL-EN16931-CL008"));
        let belgian = ParticipantId::parse("0208:0123456748").unwrap_err();
        assert_eq!(belgian.rule(), Some("PEPPOL-COMMON-R043"));
        let gln = ParticipantId::parse("0088:5790000435952").unwrap_err();
        assert_eq!(gln.rule(), Some("PEPPOL-COMMON-R040"));
        let swedish = ParticipantId::parse("0007:5567037486").unwrap_err();
        assert_eq!(swedish.rule(), Some("PEPPOL-COMMON-R049"));
        assert!(ParticipantId::parse("0007:5567037485").is_ok());
        assert!(ParticipantId::parse("9925:BE0987654394").is_ok());
    }

    #[test]
    fn capabilities_are_found_by_name_or_document_type() {
        assert_eq!(
            capability("bis-billing-3-invoice").map(|c| c.document_type),
            Some(INVOICE_DOCUMENT_TYPE)
        );
        let with_scheme = format!("{DOCUMENT_SCHEME}::{CREDIT_NOTE_DOCUMENT_TYPE}");
        assert_eq!(
            capability(&with_scheme).map(|c| c.name),
            Some("bis-billing-3-credit-note")
        );
        assert!(capability("bis-billing-2").is_none());
    }
}
