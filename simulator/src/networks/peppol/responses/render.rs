//! Rendering the ApplicationResponse documents as the XML an access point puts on the wire,
//! through a small writer that follows the UBL 2.1 XSD's element order and the Peppol data
//! models: no element outside the model, no empty optional element, `IssueTime` always with a
//! zone, and text an XML 1.0 document can carry. Every rendered document passes
//! `UBL-ApplicationResponse-2.1.xsd`; the tests check each against it and pin the bytes in
//! snapshots.

use std::borrow::Cow;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::layout::{clarifications, non_blank, spis_parts};
use super::model::{
    INVOICE_RESPONSE_CUSTOMIZATION_ID, INVOICE_RESPONSE_PROFILE_ID, InvoiceResponse, LineError,
    MLR_CUSTOMIZATION_ID, MLR_PROFILE_ID, MLS_CUSTOMIZATION_ID, MLS_PROFILE_ID,
    MessageLevelResponse, MessageLevelStatus, Party, UBL_APPLICATION_RESPONSE_NS,
};

const UBL_CAC_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const UBL_CBC_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// Renders an MLR (T71).
pub(crate) fn render_mlr(mlr: &MessageLevelResponse) -> String {
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
pub(crate) fn render_mls(mls: &MessageLevelStatus) -> String {
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
pub(crate) fn render_invoice_response(response: &InvoiceResponse) -> String {
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
    use super::super::checks::{check_invoice_response, check_mlr, check_mls};
    use super::super::fixtures::{imr, line, mlr, mls};
    use super::super::model::{Condition, LINE_NOT_APPLICABLE};
    use super::*;
    use crate::codelists::peppol::{
        InvoiceResponseCode, LineReason, MlrCode, MlsCode, StatusAction, StatusReason,
    };
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
}
