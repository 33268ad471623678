//! The three ApplicationResponse documents as plain structs (MLR, MLS, Invoice Response) and
//! the parties and lines they carry, with the identifiers of their profiles: the
//! `CustomizationID`s, `ProfileID`s and document type ids that tell the three apart on the
//! wire and in SMP lookups.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::codelists::peppol::{
    InvoiceResponseCode, LineReason, MlrCode, MlsCode, StatusAction, StatusReason,
};

/// Root namespace of every `ApplicationResponse`; also the first half of the document type ids.
pub(crate) const UBL_APPLICATION_RESPONSE_NS: &str =
    "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2";

/// MLR (T71) `cbc:CustomizationID`; `PEPPOL-T71-R001` checks that it starts with this.
pub(crate) const MLR_CUSTOMIZATION_ID: &str = "urn:fdc:peppol.eu:poacc:trns:mlr:3";
/// MLR `cbc:ProfileID`, also the process id under which an SMP advertises MLR.
pub(crate) const MLR_PROFILE_ID: &str = "urn:fdc:peppol.eu:poacc:bis:mlr:3";

/// Invoice Response (T111) `cbc:CustomizationID` (`PEPPOL-T111-R003`).
pub(crate) const INVOICE_RESPONSE_CUSTOMIZATION_ID: &str =
    "urn:fdc:peppol.eu:poacc:trns:invoice_response:3";
/// Invoice Response `cbc:ProfileID` and process id.
pub(crate) const INVOICE_RESPONSE_PROFILE_ID: &str =
    "urn:fdc:peppol.eu:poacc:bis:invoice_response:3";

/// MLS `cbc:CustomizationID` (`SCH-MLS-01`, an exact match).
pub(crate) const MLS_CUSTOMIZATION_ID: &str = "urn:peppol:edec:mls:1.0";
/// MLS `cbc:ProfileID` and process id (`SCH-MLS-02`).
pub(crate) const MLS_PROFILE_ID: &str = "urn:peppol:edec:mls";

/// ICD of the OpenPeppol Service Provider Identification Scheme: MLS is addressed to access
/// points, and both MLS parties must use it (`SCH-MLS-11`, `SCH-MLS-16`).
pub(crate) const SPIS_SCHEME: &str = "0242";

/// `cbc:LineID` of a [`LineError`] that points at no particular place: UBL makes the element
/// mandatory, and BIS 36 prescribes this value (upper case) when there is no XPath to give.
/// eisim's own MLRs always point at a place; the tests render one that does not.
#[cfg(test)]
pub(crate) const LINE_NOT_APPLICABLE: &str = "NA";

/// A participant as the sender or receiver of an MLR or Invoice Response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Party {
    /// ICD / EAS code, e.g. `0208`; becomes `cbc:EndpointID/@schemeID`.
    pub scheme: String,
    /// Identifier within the scheme; becomes `cbc:EndpointID`.
    pub id: String,
    /// Legal name; the Invoice Response data model requires it (`PEPPOL-T111-B00802`), the MLR
    /// model has no place for it, so MLR drops it.
    pub name: Option<String>,
}

impl Party {
    /// A party known only by its electronic address.
    #[cfg(test)]
    pub(crate) fn new(scheme: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            scheme: scheme.into(),
            id: id.into(),
            name: None,
        }
    }

    /// The same party with its legal name, as an Invoice Response needs it.
    #[cfg(test)]
    pub(crate) fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// One issue found in the referenced message (an MLR or MLS `cac:LineResponse`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineError {
    /// XPath of the offending element, or `NA` when there is none.
    pub location: String,
    /// Human-readable text in English; usually the rule id and its assertion text.
    pub description: String,
    pub reason: LineReason,
}

/// MLR (T71): the verdict on the content of one received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MessageLevelResponse {
    pub id: String,
    pub issued: Timestamp,
    /// The receiver of the original message.
    pub sender: Party,
    /// The sender of the original message.
    pub receiver: Party,
    pub code: MlrCode,
    /// Required when the code is RE (BIS 36 "Document response").
    pub description: Option<String>,
    /// SBDH `InstanceIdentifier` of the message this answers: MLR refers to the envelope, not
    /// to the business document inside it.
    pub referenced_instance: String,
    pub lines: Vec<LineError>,
}

/// MLS: the receiving access point's report on delivery towards the end user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MessageLevelStatus {
    pub id: String,
    /// Rendered with an explicit zone, which MLS demands (`SCH-MLS-06`).
    pub issued: Timestamp,
    /// SPIS id of the sending access point (C3), `0242:<seat id>`; a bare seat id is taken as
    /// SPIS, and a leading `iso6523-actorid-upis::` is tolerated.
    pub sender_ap: String,
    /// SPIS id of the access point that sent the original message (C2), or the SBDH `MLS_TO`.
    pub receiver_ap: String,
    pub code: MlsCode,
    /// Required when the code is RE (`SCH-MLS-20`).
    pub description: Option<String>,
    /// SBDH `InstanceIdentifier` of the original message.
    pub referenced_instance: String,
    pub lines: Vec<LineError>,
}

/// A detail the buyer points at (`cac:Condition`), e.g. the wrong order reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Condition {
    /// The business term concerned, e.g. `BT-13`.
    pub attribute_id: String,
    /// The value the buyer expects or disputes; omitted from the XML when blank.
    pub description: String,
}

/// Invoice Response (T111): the buyer's business status for one invoice or credit note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvoiceResponse {
    pub id: String,
    pub issued: Timestamp,
    /// The buyer (C4 side).
    pub sender: Party,
    /// The seller (C1 side).
    pub receiver: Party,
    /// The invoice number (BT-1) of the document answered.
    pub invoice_id: String,
    pub invoice_issue_date: Option<Date>,
    /// Must equal the original's type code (`OP-BR111-R014`): 380 invoice, 381 credit note.
    pub document_type_code: String,
    pub code: InvoiceResponseCode,
    pub reason: Option<StatusReason>,
    /// Describes the reason; when there is no reason, the first action (see
    /// [`render_invoice_response`](super::render_invoice_response)).
    pub reason_text: Option<String>,
    pub actions: Vec<StatusAction>,
    /// Placed beside the reason.
    pub conditions: Vec<Condition>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_type_ids_are_root_namespace_customization_and_version() {
        use crate::identifiers::peppol::{INVOICE_RESPONSE_DOCUMENT_TYPE, MLR_DOCUMENT_TYPE};
        // The ids the SMP advertises, built from the customizations the documents carry.
        for (doc_type, customization) in [
            (MLR_DOCUMENT_TYPE, MLR_CUSTOMIZATION_ID),
            (
                INVOICE_RESPONSE_DOCUMENT_TYPE,
                INVOICE_RESPONSE_CUSTOMIZATION_ID,
            ),
        ] {
            assert_eq!(
                doc_type,
                format!("{UBL_APPLICATION_RESPONSE_NS}::ApplicationResponse##{customization}::2.1")
            );
        }
    }
}
