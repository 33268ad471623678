//! The Schematron rules a well-typed ApplicationResponse can still break, reported as the
//! published Schematron reports them on the rendered document ([`Violation`]): T111's
//! clarification rules and party names for the Invoice Response, the MLS rules on access point
//! ids and on the code agreeing with the description and lines, the MLR's rejection reason and
//! line codes, and blank mandatory values everywhere (which would render as empty elements).

use serde::Serialize;

#[cfg(test)]
use super::layout::spis_parts;
use super::layout::{ClarificationCode, clarifications, is_blank, non_blank};
use super::model::InvoiceResponse;
#[cfg(test)]
use super::model::{MessageLevelResponse, MessageLevelStatus, SPIS_SCHEME};
use crate::codelists::peppol::{InvoiceResponseCode, StatusReason};
#[cfg(test)]
use crate::codelists::peppol::{MlrCode, MlsCode};

/// A Schematron rule a document breaks, with the rule's own assertion text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Violation {
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

/// The T111 rules a well-typed [`InvoiceResponse`] can still break: the clarification rules
/// (`PEPPOL-T111-R001`, `R002`, `R004`, `R005`), the mandatory party names, and blank mandatory
/// values (which would render as empty elements).
pub(crate) fn check_invoice_response(response: &InvoiceResponse) -> Vec<Violation> {
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
#[cfg(test)]
pub(crate) fn check_mls(mls: &MessageLevelStatus) -> Vec<Violation> {
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
#[cfg(test)]
pub(crate) fn check_mlr(mlr: &MessageLevelResponse) -> Vec<Violation> {
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

/// The MLS Schematron's SPIS pattern, case-insensitive:
/// `^[0-9]{6}(-[0-9A-Z_]{3,12}(\.[0-9A-Z\-._~]{3,24})?)?$`.
#[cfg(test)]
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{imr, line, mlr, mls};
    use super::super::model::Condition;
    use super::super::render::render_mls;
    use super::*;
    use crate::codelists::peppol::{LineReason, StatusAction};

    fn rules(found: &[Violation]) -> Vec<&'static str> {
        found.iter().map(|v| v.rule).collect()
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
