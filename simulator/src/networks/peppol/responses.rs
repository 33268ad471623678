//! The three Peppol feedback documents that travel as UBL 2.1 `ApplicationResponse`s.
//!
//! One UBL document type carries three unrelated conversations, told apart only by their
//! `CustomizationID` / `ProfileID`:
//!
//! * **MLR** (Message Level Response, BIS 36, transaction T71): the receiving side tells the
//!   sender whether the *content* of a message passed validation (AB / AP / RE), with one
//!   [`LineError`] per broken rule. Legacy and optional.
//! * **MLS** (Message Level Status): the receiving access point (C3) tells the sending one (C2)
//!   whether the message reached the end user (AP with confirmation, AB blind, RE failed).
//!   Addressed to access points by their SPIS id (`0242:…`), not to participants.
//! * **Invoice Response** (BIS 63, transaction T111): the buyer tells the seller what happened to
//!   the invoice in its business process (AB, IP, UQ, CA, RE, AP, PD), optionally with a
//!   [`StatusReason`], [`StatusAction`]s and [`Condition`]s. The order in which these may follow
//!   each other lives in `super::ordering`.
//!
//! The pieces fit like this: the code lists are closed enums, so an unknown code cannot be
//! represented (which settles the code-list Schematron rules once and for all); the documents
//! are plain structs; `render_*` turns one into the XML an access point would put on the wire;
//! `check_*` reports the Schematron rules the types cannot rule out. Rendering never refuses:
//! a simulator must be able to emit a broken document on purpose (fault injection), so deciding
//! whether to send something that fails a check is the caller's business.
//!
//! The renderer follows the element order of the UBL 2.1 XSD and the data models of the Peppol
//! specifications (no element outside the model, no empty optional element, `IssueTime` always
//! carrying a zone), so every rendered document passes `UBL-ApplicationResponse-2.1.xsd`.

use std::borrow::Cow;

use crate::codelists::peppol::InvoiceResponseCode;
use crate::codelists::peppol::LineReason;
use crate::codelists::peppol::MlrCode;
use crate::codelists::peppol::MlsCode;
use crate::codelists::peppol::StatusAction;
use crate::codelists::peppol::StatusReason;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

/// Root namespace of every `ApplicationResponse`; also the first half of the document type ids.
pub const UBL_APPLICATION_RESPONSE_NS: &str =
    "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2";
const UBL_CAC_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const UBL_CBC_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// Scheme of every document type id below (SMP lookups and the SBDH carry it).
pub const DOCUMENT_TYPE_ID_SCHEME: &str = "busdox-docid-qns";
/// Scheme of every process id (`*_PROFILE_ID`) below.
pub const PROCESS_ID_SCHEME: &str = "cenbii-procid-ubl";

/// MLR (T71) `cbc:CustomizationID`; `PEPPOL-T71-R001` checks that it starts with this.
pub const MLR_CUSTOMIZATION_ID: &str = "urn:fdc:peppol.eu:poacc:trns:mlr:3";
/// MLR `cbc:ProfileID`, also the process id under which an SMP advertises MLR.
pub const MLR_PROFILE_ID: &str = "urn:fdc:peppol.eu:poacc:bis:mlr:3";
/// MLR document type id (`busdox-docid-qns`).
pub const MLR_DOCUMENT_TYPE_ID: &str = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2::ApplicationResponse##urn:fdc:peppol.eu:poacc:trns:mlr:3::2.1";

/// Invoice Response (T111) `cbc:CustomizationID` (`PEPPOL-T111-R003`).
pub const INVOICE_RESPONSE_CUSTOMIZATION_ID: &str =
    "urn:fdc:peppol.eu:poacc:trns:invoice_response:3";
/// Invoice Response `cbc:ProfileID` and process id.
pub const INVOICE_RESPONSE_PROFILE_ID: &str = "urn:fdc:peppol.eu:poacc:bis:invoice_response:3";
/// Invoice Response document type id (`busdox-docid-qns`).
pub const INVOICE_RESPONSE_DOCUMENT_TYPE_ID: &str = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2::ApplicationResponse##urn:fdc:peppol.eu:poacc:trns:invoice_response:3::2.1";

/// MLS `cbc:CustomizationID` (`SCH-MLS-01`, an exact match).
pub const MLS_CUSTOMIZATION_ID: &str = "urn:peppol:edec:mls:1.0";
/// MLS `cbc:ProfileID` and process id (`SCH-MLS-02`).
pub const MLS_PROFILE_ID: &str = "urn:peppol:edec:mls";
/// MLS document type id (`busdox-docid-qns`).
pub const MLS_DOCUMENT_TYPE_ID: &str = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2::ApplicationResponse##urn:peppol:edec:mls:1.0::2.1";

/// ICD of the OpenPeppol Service Provider Identification Scheme: MLS is addressed to access
/// points, and both MLS parties must use it (`SCH-MLS-11`, `SCH-MLS-16`).
pub const SPIS_SCHEME: &str = "0242";

/// `cbc:LineID` of a [`LineError`] that points at no particular place: UBL makes the element
/// mandatory, and BIS 36 prescribes this value (upper case) when there is no XPath to give.
pub const LINE_NOT_APPLICABLE: &str = "NA";

/// A participant as the sender or receiver of an MLR or Invoice Response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
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
    pub fn new(scheme: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            scheme: scheme.into(),
            id: id.into(),
            name: None,
        }
    }

    /// The same party with its legal name, as an Invoice Response needs it.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// One issue found in the referenced message (an MLR or MLS `cac:LineResponse`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// XPath of the offending element, or [`LINE_NOT_APPLICABLE`].
    pub location: String,
    /// Human-readable text in English; usually the rule id and its assertion text.
    pub description: String,
    pub reason: LineReason,
}

/// MLR (T71): the verdict on the content of one received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageLevelResponse {
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
pub struct MessageLevelStatus {
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
pub struct Condition {
    /// The business term concerned, e.g. `BT-13`.
    pub attribute_id: String,
    /// The value the buyer expects or disputes; omitted from the XML when blank.
    pub description: String,
}

/// Invoice Response (T111): the buyer's business status for one invoice or credit note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceResponse {
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
    /// Describes the reason; when there is no reason, the first action (see [`render_invoice_response`]).
    pub reason_text: Option<String>,
    pub actions: Vec<StatusAction>,
    /// Placed beside the reason.
    pub conditions: Vec<Condition>,
}

/// A Schematron rule a document breaks, with the rule's own assertion text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The Schematron assertion id, e.g. `PEPPOL-T111-R001` or `SCH-MLS-24`.
    pub rule: &'static str,
    /// `flag="fatal"`: a receiver rejects the document; otherwise a warning.
    pub fatal: bool,
    pub message: String,
}

impl Violation {
    fn fatal(rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            rule,
            fatal: true,
            message: message.into(),
        }
    }

    fn warning(rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            rule,
            fatal: false,
            message: message.into(),
        }
    }
}

const EMPTY_ELEMENT: &str = "PEPPOL-COMMON-R001";
const EMPTY_ELEMENT_TEXT: &str = "Document MUST not contain empty elements.";

/// Renders an MLR (T71).
pub fn render_mlr(mlr: &MessageLevelResponse) -> String {
    let mut xml = XmlWriter::application_response();
    xml.header(MLR_CUSTOMIZATION_ID, MLR_PROFILE_ID, &mlr.id, mlr.issued);
    // The T71 data model holds nothing but the endpoint (PEPPOL-T71-B00702), so names go.
    xml.endpoint_party("cac:SenderParty", &mlr.sender.scheme, &mlr.sender.id);
    xml.endpoint_party("cac:ReceiverParty", &mlr.receiver.scheme, &mlr.receiver.id);
    xml.message_level_document_response(
        mlr.code.as_str(),
        mlr.description.as_deref(),
        &mlr.referenced_instance,
        &mlr.lines,
    );
    xml.finish()
}

/// Renders an MLS.
pub fn render_mls(mls: &MessageLevelStatus) -> String {
    let mut xml = XmlWriter::application_response();
    xml.header(MLS_CUSTOMIZATION_ID, MLS_PROFILE_ID, &mls.id, mls.issued);
    let (scheme, id) = spis_parts(&mls.sender_ap);
    xml.endpoint_party("cac:SenderParty", scheme, id);
    let (scheme, id) = spis_parts(&mls.receiver_ap);
    xml.endpoint_party("cac:ReceiverParty", scheme, id);
    xml.message_level_document_response(
        mls.code.as_str(),
        mls.description.as_deref(),
        &mls.referenced_instance,
        &mls.lines,
    );
    xml.finish()
}

/// Renders an Invoice Response (T111).
///
/// A `cac:Status` holds at most one code, so the clarification is spread over several, as the
/// official use-case examples do: first the reason (with its text and the conditions), then one
/// `cac:Status` per action. Without a reason, the text describes the first action.
pub fn render_invoice_response(response: &InvoiceResponse) -> String {
    let mut xml = XmlWriter::application_response();
    xml.header(
        INVOICE_RESPONSE_CUSTOMIZATION_ID,
        INVOICE_RESPONSE_PROFILE_ID,
        &response.id,
        response.issued,
    );
    xml.named_party("cac:SenderParty", &response.sender);
    xml.named_party("cac:ReceiverParty", &response.receiver);
    xml.element("cac:DocumentResponse", |xml| {
        xml.element("cac:Response", |xml| {
            xml.text("cbc:ResponseCode", response.code.as_str());
            for status in clarifications(response) {
                xml.element("cac:Status", |xml| {
                    if let Some(code) = status.code {
                        xml.text_with_attribute(
                            "cbc:StatusReasonCode",
                            ("listID", code.list_id()),
                            code.as_str(),
                        );
                    }
                    xml.optional_text("cbc:StatusReason", status.text);
                    for condition in status.conditions {
                        xml.element("cac:Condition", |xml| {
                            xml.text("cbc:AttributeID", &condition.attribute_id);
                            xml.optional_text("cbc:Description", Some(&condition.description));
                        });
                    }
                });
            }
        });
        xml.element("cac:DocumentReference", |xml| {
            xml.text("cbc:ID", &response.invoice_id);
            if let Some(date) = response.invoice_issue_date {
                xml.text("cbc:IssueDate", &date.to_string());
            }
            xml.text("cbc:DocumentTypeCode", &response.document_type_code);
        });
    });
    xml.finish()
}

/// The T111 rules a well-typed [`InvoiceResponse`] can still break: the clarification rules
/// (`PEPPOL-T111-R001`, `R002`, `R004`, `R005`), the mandatory party names, and blank mandatory
/// values (which would render as empty elements).
pub fn check_invoice_response(response: &InvoiceResponse) -> Vec<Violation> {
    let mut found = Vec::new();
    blank(
        &mut found,
        EMPTY_ELEMENT,
        EMPTY_ELEMENT_TEXT,
        "/ApplicationResponse/cbc:ID",
        &response.id,
    );
    for (party, path, rule) in [
        (&response.sender, "cac:SenderParty", "PEPPOL-T111-B00802"),
        (
            &response.receiver,
            "cac:ReceiverParty",
            "PEPPOL-T111-B02002",
        ),
    ] {
        let endpoint = format!("/ApplicationResponse/{path}/cbc:EndpointID");
        blank(
            &mut found,
            EMPTY_ELEMENT,
            EMPTY_ELEMENT_TEXT,
            &endpoint,
            &party.id,
        );
        if non_blank(party.name.as_deref()).is_none() {
            found.push(Violation::fatal(
                rule,
                "Element 'cac:PartyLegalEntity' MUST be provided.",
            ));
        }
    }
    let reference = "/ApplicationResponse/cac:DocumentResponse/cac:DocumentReference";
    blank(
        &mut found,
        EMPTY_ELEMENT,
        EMPTY_ELEMENT_TEXT,
        &format!("{reference}/cbc:ID"),
        &response.invoice_id,
    );
    blank(
        &mut found,
        EMPTY_ELEMENT,
        EMPTY_ELEMENT_TEXT,
        &format!("{reference}/cbc:DocumentTypeCode"),
        &response.document_type_code,
    );
    for condition in &response.conditions {
        blank(
            &mut found,
            EMPTY_ELEMENT,
            EMPTY_ELEMENT_TEXT,
            "cac:Status/cac:Condition/cbc:AttributeID",
            &condition.attribute_id,
        );
    }

    let statuses = clarifications(response);
    if response.code.requires_clarification() && statuses.iter().all(|s| s.code.is_none()) {
        found.push(Violation::fatal(
            "PEPPOL-T111-R001",
            "If status code is one of: CA, UQ or RE then there SHALL be at a clarification code in Invoice Response.",
        ));
    }
    for status in &statuses {
        if status.code.is_some_and(ClarificationCode::is_other) && status.text.is_none() {
            found.push(Violation::warning(
                "PEPPOL-T111-R002",
                "If Clarification code is OTH then Clarification reason SHOULD be provided.",
            ));
        }
    }
    if response.reason == Some(StatusReason::PPD) {
        if non_blank(response.reason_text.as_deref()).is_none() {
            found.push(Violation::fatal(
                "PEPPOL-T111-R004",
                "If Clarification code is PPD, indicating partial payment, then Clarification reason SHALL be provided.",
            ));
        }
        if response.code != InvoiceResponseCode::PD {
            // The published assertion text, typo included, so that it can be searched for.
            found.push(Violation::fatal(
                "PEPPOL-T111-R005",
                "Clarification Reason \"PPD\" SHALL only be used in compination with Status \"PD\".",
            ));
        }
    }
    found
}

/// The MLS Schematron (`peppol-mls-1.0.1.sch`) rules a producer can get wrong with these
/// types: SPIS party ids, blank mandatory values, and the consistency of the response code with
/// the description and the lines. Reported as the Schematron reports them on the rendered
/// document, so one mistake may yield two assertions (e.g. `SCH-MLS-20` and `SCH-MLS-21`).
pub fn check_mls(mls: &MessageLevelStatus) -> Vec<Violation> {
    let mut found = Vec::new();
    blank(
        &mut found,
        "SCH-MLS-03",
        "The ID MUST NOT be empty",
        "",
        &mls.id,
    );
    for (party, side, rules) in [
        (
            &mls.sender_ap,
            "Sender",
            ["SCH-MLS-08", "SCH-MLS-09", "SCH-MLS-11"],
        ),
        (
            &mls.receiver_ap,
            "Receiver",
            ["SCH-MLS-13", "SCH-MLS-14", "SCH-MLS-16"],
        ),
    ] {
        let [empty, malformed, scheme_rule] = rules;
        let (scheme, id) = spis_parts(party);
        if is_blank(id) {
            found.push(Violation::fatal(
                empty,
                format!("The {side} Party Endpoint ID MUST NOT be empty"),
            ));
        }
        if !is_service_provider_id(id.trim()) {
            found.push(Violation::fatal(
                malformed,
                format!(
                    "The {side} Party Endpoint ID ({}) MUST be a valid Peppol Service Provider ID",
                    id.trim()
                ),
            ));
        }
        if scheme != SPIS_SCHEME {
            found.push(Violation::fatal(
                scheme_rule,
                format!(
                    "The {side} Party Endpoint ID scheme ID MUST be the SPIS Participant Identifier Scheme"
                ),
            ));
        }
    }

    let negative = mls.code == MlsCode::RE;
    if negative && non_blank(mls.description.as_deref()).is_none() {
        found.push(Violation::fatal(
            "SCH-MLS-20",
            "A negative MLS MUST contain a Description",
        ));
        found.push(Violation::fatal(
            "SCH-MLS-21",
            "A negative MLS MUST contain a non-empty Description",
        ));
    }
    blank(
        &mut found,
        "SCH-MLS-26",
        "The Referenced Document ID MUST NOT be empty",
        "",
        &mls.referenced_instance,
    );
    let has_failure = mls.lines.iter().any(|line| line.reason.is_fatal());
    if negative && mls.lines.is_empty() {
        found.push(Violation::fatal(
            "SCH-MLS-23",
            "A negative MLS MUST contain at least one Issue",
        ));
    }
    if negative && !has_failure {
        found.push(Violation::fatal(
            "SCH-MLS-24",
            "A negative MLS MUST contain at least one Issue with a failure",
        ));
    }
    if !negative && has_failure {
        found.push(Violation::fatal(
            "SCH-MLS-25",
            "A positive MLS MUST NOT contain Issues with failures",
        ));
    }
    for line in &mls.lines {
        blank(
            &mut found,
            "SCH-MLS-27",
            "The Issue Location MUST NOT be empty",
            "",
            &line.location,
        );
        blank(
            &mut found,
            "SCH-MLS-29",
            "The Issue Description MUST NOT be empty",
            "",
            &line.description,
        );
    }
    found
}

/// The MLR rules these types leave open: a rejection must say why (BIS 36 "Document response";
/// listed as `EUGEN-T71-R007`, not in the published Schematron), MLR lines cannot be FD
/// (`PEPPOL-T71-B02801`), and blank mandatory values.
pub fn check_mlr(mlr: &MessageLevelResponse) -> Vec<Violation> {
    let mut found = Vec::new();
    for (path, value) in [
        ("/ApplicationResponse/cbc:ID", &mlr.id),
        (
            "/ApplicationResponse/cac:SenderParty/cbc:EndpointID",
            &mlr.sender.id,
        ),
        (
            "/ApplicationResponse/cac:ReceiverParty/cbc:EndpointID",
            &mlr.receiver.id,
        ),
        (
            "/ApplicationResponse/cac:DocumentResponse/cac:DocumentReference/cbc:ID",
            &mlr.referenced_instance,
        ),
    ] {
        blank(&mut found, EMPTY_ELEMENT, EMPTY_ELEMENT_TEXT, path, value);
    }
    if mlr.code == MlrCode::RE && non_blank(mlr.description.as_deref()).is_none() {
        found.push(Violation::fatal(
            "EUGEN-T71-R007",
            "A response document MUST clearly indicate the reason for rejection.",
        ));
    }
    for line in &mlr.lines {
        blank(
            &mut found,
            EMPTY_ELEMENT,
            EMPTY_ELEMENT_TEXT,
            "cac:LineResponse/cac:LineReference/cbc:LineID",
            &line.location,
        );
        blank(
            &mut found,
            EMPTY_ELEMENT,
            EMPTY_ELEMENT_TEXT,
            "cac:LineResponse/cac:Response/cbc:Description",
            &line.description,
        );
        if !line.reason.allowed_in_mlr() {
            found.push(Violation::fatal(
                "PEPPOL-T71-B02801",
                format!(
                    "Value MUST be part of code list 'Status reason code (openPEPPOL)'. ({})",
                    line.reason
                ),
            ));
        }
    }
    found
}

/// Records `rule` when a mandatory value is blank; `path` (if any) says which element.
fn blank(found: &mut Vec<Violation>, rule: &'static str, text: &str, path: &str, value: &str) {
    if is_blank(value) {
        let message = if path.is_empty() {
            text.to_owned()
        } else {
            format!("{text} ({path})")
        };
        found.push(Violation::fatal(rule, message));
    }
}

/// XPath `normalize-space(.) = ''`, the test behind every "MUST NOT be empty" rule.
fn is_blank(value: &str) -> bool {
    value.trim_matches([' ', '\t', '\n', '\r']).is_empty()
}

fn non_blank(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !is_blank(v))
}

/// Splits an access point id into (ICD, seat id).
fn spis_parts(value: &str) -> (&str, &str) {
    let value = value.trim();
    let value = match value.get(..22) {
        Some(prefix) if prefix.eq_ignore_ascii_case("iso6523-actorid-upis::") => {
            value.get(22..).unwrap_or_default()
        }
        _ => value,
    };
    value.split_once(':').unwrap_or((SPIS_SCHEME, value))
}

/// The MLS Schematron's SPIS pattern, case-insensitive:
/// `^[0-9]{6}(-[0-9A-Z_]{3,12}(\.[0-9A-Z\-._~]{3,24})?)?$`.
fn is_service_provider_id(id: &str) -> bool {
    let (seat, rest) = id.split_at_checked(6).unwrap_or((id, ""));
    if seat.len() != 6 || !seat.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if rest.is_empty() {
        return true;
    }
    let Some(rest) = rest.strip_prefix('-') else {
        return false;
    };
    let (unit, suffix) = match rest.split_once('.') {
        Some((unit, suffix)) => (unit, Some(suffix)),
        None => (rest, None),
    };
    let unit_ok = (3..=12).contains(&unit.len())
        && unit.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let suffix_ok = suffix.is_none_or(|s| {
        (3..=24).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
    });
    unit_ok && suffix_ok
}

/// The code of one `cac:Status`: a reason and an action share `cbc:StatusReasonCode` and are
/// told apart by `listID`.
#[derive(Debug, Clone, Copy)]
enum ClarificationCode {
    Reason(StatusReason),
    Action(StatusAction),
}

impl ClarificationCode {
    fn list_id(self) -> &'static str {
        match self {
            Self::Reason(_) => StatusReason::LIST_ID,
            Self::Action(_) => StatusAction::LIST_ID,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Reason(reason) => reason.as_str(),
            Self::Action(action) => action.as_str(),
        }
    }

    fn is_other(self) -> bool {
        matches!(
            self,
            Self::Reason(StatusReason::OTH) | Self::Action(StatusAction::OTH)
        )
    }
}

/// One `cac:Status` as rendered; the checks read the same layout so that `PEPPOL-T111-R002`
/// (OTH needs a text in *its* Status) is judged on what is actually sent.
#[derive(Debug)]
struct Clarification<'a> {
    code: Option<ClarificationCode>,
    text: Option<&'a str>,
    conditions: &'a [Condition],
}

fn clarifications(response: &InvoiceResponse) -> Vec<Clarification<'_>> {
    let text = non_blank(response.reason_text.as_deref());
    let text_describes_first_action = response.reason.is_none() && !response.actions.is_empty();
    let mut statuses = Vec::with_capacity(response.actions.len() + 1);
    let head_text = if text_describes_first_action {
        None
    } else {
        text
    };
    if response.reason.is_some() || head_text.is_some() || !response.conditions.is_empty() {
        statuses.push(Clarification {
            code: response.reason.map(ClarificationCode::Reason),
            text: head_text,
            conditions: &response.conditions,
        });
    }
    for (index, action) in response.actions.iter().enumerate() {
        statuses.push(Clarification {
            code: Some(ClarificationCode::Action(*action)),
            text: if text_describes_first_action && index == 0 {
                text
            } else {
                None
            },
            conditions: &[],
        });
    }
    statuses
}

/// Builds the indented XML text; elements are opened and closed by closures so that nesting
/// in the code mirrors nesting in the document.
#[derive(Debug)]
struct XmlWriter {
    out: String,
    depth: usize,
}

impl XmlWriter {
    fn application_response() -> Self {
        let mut out = String::with_capacity(2048);
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ApplicationResponse xmlns=\"");
        out.push_str(UBL_APPLICATION_RESPONSE_NS);
        out.push_str("\"\n                     xmlns:cac=\"");
        out.push_str(UBL_CAC_NS);
        out.push_str("\"\n                     xmlns:cbc=\"");
        out.push_str(UBL_CBC_NS);
        out.push_str("\">\n");
        Self { out, depth: 1 }
    }

    fn finish(mut self) -> String {
        self.out.push_str("</ApplicationResponse>\n");
        self.out
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn element(&mut self, tag: &str, body: impl FnOnce(&mut Self)) {
        self.indent();
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push_str(">\n");
        self.depth += 1;
        body(self);
        self.depth -= 1;
        self.indent();
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push_str(">\n");
    }

    fn text(&mut self, tag: &str, value: &str) {
        self.leaf(tag, None, value);
    }

    fn text_with_attribute(&mut self, tag: &str, attribute: (&str, &str), value: &str) {
        self.leaf(tag, Some(attribute), value);
    }

    /// Optional elements are left out rather than sent empty (`PEPPOL-COMMON-R001`).
    fn optional_text(&mut self, tag: &str, value: Option<&str>) {
        if let Some(value) = non_blank(value) {
            self.text(tag, value);
        }
    }

    fn leaf(&mut self, tag: &str, attribute: Option<(&str, &str)>, value: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(tag);
        if let Some((name, attribute_value)) = attribute {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            self.out.push_str(&escape_attribute(attribute_value));
            self.out.push('"');
        }
        self.out.push('>');
        self.out
            .push_str(&quick_xml::escape::escape(xml_chars(value)));
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push_str(">\n");
    }

    /// The part every profile shares. `IssueTime` is optional in MLR and T111 but written
    /// always: MLS requires it with a zone, and one clock reading is less ambiguous than two.
    fn header(&mut self, customization_id: &str, profile_id: &str, id: &str, issued: Timestamp) {
        let utc = issued.to_zoned(TimeZone::UTC).datetime();
        let time = utc.time();
        self.text("cbc:CustomizationID", customization_id);
        self.text("cbc:ProfileID", profile_id);
        self.text("cbc:ID", id);
        self.text("cbc:IssueDate", &utc.date().to_string());
        self.text(
            "cbc:IssueTime",
            &format!(
                "{:02}:{:02}:{:02}Z",
                time.hour(),
                time.minute(),
                time.second()
            ),
        );
    }

    fn endpoint_party(&mut self, tag: &str, scheme: &str, id: &str) {
        self.element(tag, |xml| {
            xml.text_with_attribute("cbc:EndpointID", ("schemeID", scheme), id);
        });
    }

    /// `cac:PartyType` order: EndpointID before PartyLegalEntity.
    fn named_party(&mut self, tag: &str, party: &Party) {
        self.element(tag, |xml| {
            xml.text_with_attribute("cbc:EndpointID", ("schemeID", &party.scheme), &party.id);
            if let Some(name) = non_blank(party.name.as_deref()) {
                xml.element("cac:PartyLegalEntity", |xml| {
                    xml.text("cbc:RegistrationName", name);
                });
            }
        });
    }

    /// MLR and MLS share the document response: the verdict, the envelope it refers to, and
    /// one line per issue.
    fn message_level_document_response(
        &mut self,
        code: &str,
        description: Option<&str>,
        referenced_instance: &str,
        lines: &[LineError],
    ) {
        self.element("cac:DocumentResponse", |xml| {
            xml.element("cac:Response", |xml| {
                xml.text("cbc:ResponseCode", code);
                xml.optional_text("cbc:Description", description);
            });
            xml.element("cac:DocumentReference", |xml| {
                xml.text("cbc:ID", referenced_instance);
            });
            for line in lines {
                xml.element("cac:LineResponse", |xml| {
                    xml.element("cac:LineReference", |xml| {
                        xml.text("cbc:LineID", &line.location);
                    });
                    xml.element("cac:Response", |xml| {
                        xml.text("cbc:Description", &line.description);
                        xml.element("cac:Status", |xml| {
                            xml.text("cbc:StatusReasonCode", line.reason.as_str());
                        });
                    });
                });
            }
        });
    }
}

/// Replaces characters XML 1.0 cannot carry at all (escaping does not help there), so that a
/// stray control character in a description cannot make the whole document unreadable.
fn xml_chars(value: &str) -> Cow<'_, str> {
    let forbidden = |c: char| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    if value.contains(forbidden) {
        Cow::Owned(
            value
                .chars()
                .map(|c| if forbidden(c) { '\u{fffd}' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(value)
    }
}

/// Attribute values additionally keep tabs and newlines, which attribute-value normalisation
/// would otherwise turn into spaces.
fn escape_attribute(value: &str) -> String {
    quick_xml::escape::escape(xml_chars(value))
        .replace('\n', "&#10;")
        .replace('\t', "&#9;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::{Command, Stdio};

    /// Validates against the official UBL 2.1 XSD, or says why it cannot.
    fn assert_valid_ubl(xml: &str) {
        let Some(schemas) = std::env::var_os("EISIM_SCHEMAS_DIR") else {
            println!("SKIPPED: EISIM_SCHEMAS_DIR is not set");
            return;
        };
        let schemas = std::path::PathBuf::from(schemas);
        let spawned = Command::new("xmllint")
            .env("XML_CATALOG_FILES", schemas.join("catalog.xml"))
            .arg("--nonet")
            .arg("--noout")
            .arg("--schema")
            .arg(schemas.join("ubl-2.1/maindoc/UBL-ApplicationResponse-2.1.xsd"))
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                println!("SKIPPED: xmllint is not installed");
                return;
            }
            Err(error) => panic!("cannot run xmllint: {error}"),
        };
        child
            .stdin
            .take()
            .unwrap()
            .write_all(xml.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "xmllint rejected the document:\n{}\n{xml}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Snapshot files carry no crate or module prefix, so the folder moves between crates as is.
    fn assert_wire_snapshot(name: &str, xml: &str) {
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!(format!("responses__{name}"), xml));
    }

    fn issued() -> Timestamp {
        "2026-03-04T09:15:30.250Z".parse().unwrap()
    }

    fn buyer() -> Party {
        Party::new("0208", "4711081548").named("Brasserie De Kroon BV")
    }

    fn seller() -> Party {
        Party::new("0208", "8123456723").named("Hoppe & Malt NV")
    }

    fn mlr(code: MlrCode) -> MessageLevelResponse {
        MessageLevelResponse {
            id: "MLR-2026-0001".into(),
            issued: issued(),
            sender: buyer(),
            receiver: seller(),
            code,
            description: None,
            referenced_instance: "b7e0c1d2-5a4f-4e8b-9c3d-2f1a6e7b8c90".into(),
            lines: Vec::new(),
        }
    }

    fn mls(code: MlsCode) -> MessageLevelStatus {
        MessageLevelStatus {
            id: "MLS-2026-0001".into(),
            issued: issued(),
            sender_ap: "0242:000417".into(),
            receiver_ap: "0242:000952".into(),
            code,
            description: None,
            referenced_instance: "b7e0c1d2-5a4f-4e8b-9c3d-2f1a6e7b8c90".into(),
            lines: Vec::new(),
        }
    }

    fn imr(code: InvoiceResponseCode) -> InvoiceResponse {
        InvoiceResponse {
            id: "IMR-2026-0001".into(),
            issued: issued(),
            sender: buyer(),
            receiver: seller(),
            invoice_id: "INV-2026-0042".into(),
            invoice_issue_date: Some(jiff::civil::date(2026, 3, 2)),
            document_type_code: "380".into(),
            code,
            reason: None,
            reason_text: None,
            actions: Vec::new(),
            conditions: Vec::new(),
        }
    }

    fn line(location: &str, description: &str, reason: LineReason) -> LineError {
        LineError {
            location: location.into(),
            description: description.into(),
            reason,
        }
    }

    fn rules(found: &[Violation]) -> Vec<&'static str> {
        found.iter().map(|v| v.rule).collect()
    }

    // ---- code lists ----

    #[test]
    fn document_type_ids_are_root_namespace_customization_and_version() {
        for (doc_type, customization) in [
            (MLR_DOCUMENT_TYPE_ID, MLR_CUSTOMIZATION_ID),
            (
                INVOICE_RESPONSE_DOCUMENT_TYPE_ID,
                INVOICE_RESPONSE_CUSTOMIZATION_ID,
            ),
            (MLS_DOCUMENT_TYPE_ID, MLS_CUSTOMIZATION_ID),
        ] {
            assert_eq!(
                doc_type,
                format!("{UBL_APPLICATION_RESPONSE_NS}::ApplicationResponse##{customization}::2.1")
            );
        }
    }

    // ---- rendered documents: snapshot + XSD ----

    #[test]
    fn mlr_accepted() {
        let xml = render_mlr(&mlr(MlrCode::AP));
        assert_valid_ubl(&xml);
        assert_wire_snapshot("mlr_ap", &xml);
    }

    #[test]
    fn mlr_rejected_with_two_lines() {
        let mut doc = mlr(MlrCode::RE);
        doc.description = Some("The invoice failed BIS Billing 3.0 validation".into());
        doc.lines = vec![
            line(
                LINE_NOT_APPLICABLE,
                "[BR-CO-15] BT-112 (1210.00) is not BT-109 (1000.00) plus BT-110 (200.00)",
                LineReason::BV,
            ),
            line(
                "/Invoice/cac:InvoiceLine[2]/cbc:Note",
                "Line note longer than the buyer's system keeps <1000 chars> & will be cut",
                LineReason::BW,
            ),
        ];
        assert!(check_mlr(&doc).is_empty());
        let xml = render_mlr(&doc);
        assert_valid_ubl(&xml);
        assert_wire_snapshot("mlr_re_two_lines", &xml);
    }

    #[test]
    fn mls_accepted() {
        let doc = mls(MlsCode::AP);
        assert!(check_mls(&doc).is_empty());
        let xml = render_mls(&doc);
        assert_valid_ubl(&xml);
        assert_wire_snapshot("mls_ap", &xml);
    }

    #[test]
    fn mls_rejected_with_failure_of_delivery() {
        let mut doc = mls(MlsCode::RE);
        doc.description = Some("Delivery to the end user failed".into());
        doc.lines = vec![line(
            LINE_NOT_APPLICABLE,
            "The receiver's mailbox refused the message after 5 attempts",
            LineReason::FD,
        )];
        assert!(check_mls(&doc).is_empty());
        let xml = render_mls(&doc);
        assert_valid_ubl(&xml);
        assert_wire_snapshot("mls_re_fd", &xml);
    }

    #[test]
    fn invoice_response_acknowledged() {
        let doc = imr(InvoiceResponseCode::AB);
        assert!(check_invoice_response(&doc).is_empty());
        let xml = render_invoice_response(&doc);
        assert_valid_ubl(&xml);
        assert_wire_snapshot("imr_ab", &xml);
    }

    #[test]
    fn invoice_response_rejected_with_reason_and_action() {
        let mut doc = imr(InvoiceResponseCode::RE);
        doc.reason = Some(StatusReason::REF);
        doc.reason_text = Some("Order reference PO-7781 is unknown to us".into());
        doc.actions = vec![StatusAction::NIN];
        assert!(check_invoice_response(&doc).is_empty());
        let xml = render_invoice_response(&doc);
        assert_valid_ubl(&xml);
        assert_wire_snapshot("imr_re_reason_action", &xml);
    }

    #[test]
    fn invoice_response_partially_paid() {
        let mut doc = imr(InvoiceResponseCode::PD);
        doc.reason = Some(StatusReason::PPD);
        doc.reason_text = Some("First instalment of 2 paid: EUR 600.00".into());
        doc.invoice_issue_date = None;
        assert!(check_invoice_response(&doc).is_empty());
        let xml = render_invoice_response(&doc);
        assert_valid_ubl(&xml);
        assert_wire_snapshot("imr_pd_ppd", &xml);
    }

    #[test]
    fn invoice_response_under_query_with_condition() {
        let mut doc = imr(InvoiceResponseCode::UQ);
        doc.document_type_code = "381".into();
        doc.reason = Some(StatusReason::REF);
        doc.actions = vec![StatusAction::PIN];
        doc.conditions = vec![Condition {
            attribute_id: "BT-13".into(),
            description: "PO-7781".into(),
        }];
        assert!(check_invoice_response(&doc).is_empty());
        let xml = render_invoice_response(&doc);
        assert_valid_ubl(&xml);
        assert_wire_snapshot("imr_uq_condition", &xml);
    }

    #[test]
    fn text_and_attributes_are_escaped_and_stay_well_formed() {
        let mut doc = imr(InvoiceResponseCode::CA);
        doc.sender.name = Some("Smith & \"Sons\" <Ltd>".into());
        doc.receiver.scheme = "02\"08".into();
        doc.reason = Some(StatusReason::OTH);
        doc.reason_text = Some("Accepted if 'Qty' < 5 & bell\u{7} rings\r\n".into());
        let xml = render_invoice_response(&doc);
        assert!(
            xml.contains("Smith &amp; &quot;Sons&quot; &lt;Ltd&gt;"),
            "{xml}"
        );
        assert!(xml.contains("schemeID=\"02&quot;08\""), "{xml}");
        assert!(
            xml.contains("&apos;Qty&apos; &lt; 5 &amp; bell\u{fffd} rings&#13;\n"),
            "{xml}"
        );
        assert_valid_ubl(&xml);
    }

    #[test]
    fn blank_optional_values_are_left_out_not_sent_empty() {
        let mut doc = imr(InvoiceResponseCode::AP);
        doc.reason_text = Some("  ".into());
        doc.conditions = vec![Condition {
            attribute_id: "BT-10".into(),
            description: " ".into(),
        }];
        let xml = render_invoice_response(&doc);
        assert!(!xml.contains("StatusReason>"), "{xml}");
        assert!(!xml.contains("cbc:Description"), "{xml}");
        assert!(
            xml.contains("<cbc:AttributeID>BT-10</cbc:AttributeID>"),
            "{xml}"
        );
        let mut doc = mlr(MlrCode::AB);
        doc.description = Some(String::new());
        assert!(!render_mlr(&doc).contains("cbc:Description"));
    }

    #[test]
    fn issue_time_is_utc_with_zone_whatever_the_fraction() {
        let xml = render_mls(&mls(MlsCode::AB));
        assert!(
            xml.contains("<cbc:IssueDate>2026-03-04</cbc:IssueDate>"),
            "{xml}"
        );
        assert!(
            xml.contains("<cbc:IssueTime>09:15:30Z</cbc:IssueTime>"),
            "{xml}"
        );
    }

    #[test]
    fn mlr_leaves_party_names_out_of_its_data_model() {
        let xml = render_mlr(&mlr(MlrCode::AB));
        assert!(!xml.contains("PartyLegalEntity"), "{xml}");
        assert!(
            render_invoice_response(&imr(InvoiceResponseCode::AB))
                .contains("<cbc:RegistrationName>Hoppe &amp; Malt NV</cbc:RegistrationName>")
        );
    }

    #[test]
    fn text_without_a_reason_describes_the_first_action() {
        let mut doc = imr(InvoiceResponseCode::RE);
        doc.reason_text = Some("Please credit and reissue".into());
        doc.actions = vec![StatusAction::OTH, StatusAction::CNF];
        let xml = render_invoice_response(&doc);
        let expected = "<cbc:StatusReasonCode listID=\"OPStatusAction\">OTH</cbc:StatusReasonCode>\n        <cbc:StatusReason>Please credit and reissue</cbc:StatusReason>";
        assert!(xml.contains(expected), "{xml}");
        assert_eq!(xml.matches("<cac:Status>").count(), 2);
        assert!(check_invoice_response(&doc).is_empty());
        assert_valid_ubl(&xml);
    }

    #[test]
    fn spis_ids_accept_prefixes_and_bare_seats() {
        assert_eq!(spis_parts("0242:000417"), ("0242", "000417"));
        assert_eq!(
            spis_parts("iso6523-actorid-upis::0242:000417"),
            ("0242", "000417")
        );
        assert_eq!(spis_parts("000417"), ("0242", "000417"));
        assert_eq!(spis_parts("0208:4711081548"), ("0208", "4711081548"));
        for good in [
            "000417",
            "123456-ABC",
            "123456-abc_def",
            "123456-UNIT.sub-1.x~",
        ] {
            assert!(is_service_provider_id(good), "{good}");
        }
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            "123456-",
            "123456-AB",
            "123456-A.B",
            "123456-ABC.de",
            "123456ABC",
            "123456-ABCDEFGHIJKLM",
        ] {
            assert!(!is_service_provider_id(bad), "{bad}");
        }
    }

    // ---- T111 checks ----

    #[test]
    fn t111_r001_clarification_codes() {
        for code in [
            InvoiceResponseCode::UQ,
            InvoiceResponseCode::CA,
            InvoiceResponseCode::RE,
        ] {
            let mut doc = imr(code);
            doc.reason_text = Some("text alone is no clarification code".into());
            assert_eq!(rules(&check_invoice_response(&doc)), ["PEPPOL-T111-R001"]);
            doc.actions = vec![StatusAction::PIN];
            assert!(check_invoice_response(&doc).is_empty());
            doc.actions.clear();
            doc.reason = Some(StatusReason::PRI);
            assert!(check_invoice_response(&doc).is_empty());
        }
        let violation = &check_invoice_response(&imr(InvoiceResponseCode::RE))[0];
        assert!(violation.fatal);
        assert_eq!(
            violation.message,
            "If status code is one of: CA, UQ or RE then there SHALL be at a clarification code in Invoice Response."
        );
        assert!(check_invoice_response(&imr(InvoiceResponseCode::AP)).is_empty());
    }

    #[test]
    fn t111_r002_other_wants_a_text_in_its_status() {
        let mut doc = imr(InvoiceResponseCode::UQ);
        doc.reason = Some(StatusReason::OTH);
        let found = check_invoice_response(&doc);
        assert_eq!(rules(&found), ["PEPPOL-T111-R002"]);
        assert!(!found[0].fatal);
        doc.reason_text = Some("Our cost centre changed".into());
        assert!(check_invoice_response(&doc).is_empty());

        // The text belongs to the reason's Status, so an OTH action after it has none.
        doc.actions = vec![StatusAction::OTH];
        assert_eq!(rules(&check_invoice_response(&doc)), ["PEPPOL-T111-R002"]);
        doc.reason = None;
        assert!(check_invoice_response(&doc).is_empty());
    }

    #[test]
    fn t111_r004_partial_payment_wants_a_text() {
        let mut doc = imr(InvoiceResponseCode::PD);
        doc.reason = Some(StatusReason::PPD);
        let found = check_invoice_response(&doc);
        assert_eq!(rules(&found), ["PEPPOL-T111-R004"]);
        assert!(found[0].fatal);
        doc.reason_text = Some("EUR 100.00 of 250.00".into());
        assert!(check_invoice_response(&doc).is_empty());
    }

    #[test]
    fn t111_r005_partial_payment_only_with_paid() {
        let mut doc = imr(InvoiceResponseCode::AP);
        doc.reason = Some(StatusReason::PPD);
        doc.reason_text = Some("EUR 100.00 of 250.00".into());
        let found = check_invoice_response(&doc);
        assert_eq!(rules(&found), ["PEPPOL-T111-R005"]);
        assert!(found[0].message.contains("\"PPD\"") && found[0].fatal);
        doc.code = InvoiceResponseCode::PD;
        assert!(check_invoice_response(&doc).is_empty());
    }

    #[test]
    fn t111_party_names_and_blank_values() {
        let mut doc = imr(InvoiceResponseCode::AB);
        doc.sender.name = None;
        doc.receiver.name = Some(" ".into());
        assert_eq!(
            rules(&check_invoice_response(&doc)),
            ["PEPPOL-T111-B00802", "PEPPOL-T111-B02002"]
        );
        let mut doc = imr(InvoiceResponseCode::AB);
        doc.invoice_id = String::new();
        doc.conditions = vec![Condition {
            attribute_id: " ".into(),
            description: "x".into(),
        }];
        let found = check_invoice_response(&doc);
        assert_eq!(rules(&found), ["PEPPOL-COMMON-R001", "PEPPOL-COMMON-R001"]);
        assert!(
            found[0].message.ends_with(
                "(/ApplicationResponse/cac:DocumentResponse/cac:DocumentReference/cbc:ID)"
            )
        );
    }

    // ---- MLS checks ----

    #[test]
    fn mls_negative_needs_description() {
        let mut doc = mls(MlsCode::RE);
        doc.lines = vec![line("NA", "Unreachable", LineReason::FD)];
        assert_eq!(rules(&check_mls(&doc)), ["SCH-MLS-20", "SCH-MLS-21"]);
        doc.description = Some("Delivery failed".into());
        assert!(check_mls(&doc).is_empty());
    }

    #[test]
    fn mls_negative_needs_a_failing_line() {
        let mut doc = mls(MlsCode::RE);
        doc.description = Some("Delivery failed".into());
        assert_eq!(rules(&check_mls(&doc)), ["SCH-MLS-23", "SCH-MLS-24"]);
        doc.lines = vec![line("NA", "Only a warning", LineReason::BW)];
        assert_eq!(rules(&check_mls(&doc)), ["SCH-MLS-24"]);
        doc.lines
            .push(line("/Invoice/cbc:ID", "Syntax", LineReason::SV));
        assert!(check_mls(&doc).is_empty());
    }

    #[test]
    fn mls_positive_carries_only_warnings() {
        for code in [MlsCode::AP, MlsCode::AB] {
            let mut doc = mls(code);
            doc.lines = vec![line("NA", "Note", LineReason::BW)];
            assert!(check_mls(&doc).is_empty());
            doc.lines.push(line("NA", "Broken", LineReason::BV));
            let found = check_mls(&doc);
            assert_eq!(rules(&found), ["SCH-MLS-25"]);
            assert_eq!(
                found[0].message,
                "A positive MLS MUST NOT contain Issues with failures"
            );
        }
    }

    #[test]
    fn mls_parties_are_access_points() {
        let mut doc = mls(MlsCode::AP);
        doc.sender_ap = "0208:4711081548".into();
        doc.receiver_ap = "0242:".into();
        let found = check_mls(&doc);
        assert_eq!(
            rules(&found),
            ["SCH-MLS-09", "SCH-MLS-11", "SCH-MLS-13", "SCH-MLS-14"]
        );
        assert_eq!(
            found[0].message,
            "The Sender Party Endpoint ID (4711081548) MUST be a valid Peppol Service Provider ID"
        );
        doc.sender_ap = "iso6523-actorid-upis::0242:000417-ACME".into();
        doc.receiver_ap = "000952".into();
        assert!(check_mls(&doc).is_empty());
        assert!(
            render_mls(&doc).contains("<cbc:EndpointID schemeID=\"0242\">000952</cbc:EndpointID>")
        );
    }

    #[test]
    fn mls_blank_values() {
        let mut doc = mls(MlsCode::AB);
        doc.id = " ".into();
        doc.referenced_instance = String::new();
        doc.lines = vec![line("", "", LineReason::BW)];
        assert_eq!(
            rules(&check_mls(&doc)),
            ["SCH-MLS-03", "SCH-MLS-26", "SCH-MLS-27", "SCH-MLS-29"]
        );
    }

    // ---- MLR checks ----

    #[test]
    fn mlr_rejection_needs_a_description() {
        let mut doc = mlr(MlrCode::RE);
        doc.lines = vec![line("NA", "Broken", LineReason::BV)];
        let found = check_mlr(&doc);
        assert_eq!(rules(&found), ["EUGEN-T71-R007"]);
        assert!(found[0].fatal);
        doc.description = Some("Validation failed".into());
        assert!(check_mlr(&doc).is_empty());
        assert!(check_mlr(&mlr(MlrCode::AP)).is_empty());
    }

    #[test]
    fn mlr_lines_cannot_be_failure_of_delivery() {
        let mut doc = mlr(MlrCode::AP);
        doc.lines = vec![line("NA", "Gone", LineReason::FD)];
        assert_eq!(rules(&check_mlr(&doc)), ["PEPPOL-T71-B02801"]);
        doc.lines = vec![
            line("NA", "Hm", LineReason::BW),
            line("NA", "Bad", LineReason::SV),
        ];
        assert!(check_mlr(&doc).is_empty());
    }

    #[test]
    fn mlr_blank_values() {
        let mut doc = mlr(MlrCode::AB);
        doc.referenced_instance = " ".into();
        doc.lines = vec![line("NA", "", LineReason::BW)];
        assert_eq!(
            rules(&check_mlr(&doc)),
            ["PEPPOL-COMMON-R001", "PEPPOL-COMMON-R001"]
        );
    }
}
