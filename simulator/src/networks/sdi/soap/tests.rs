//! Tests of the SDICoop codec: wire snapshots, XSD validation of every emitted body (xmllint
//! with the offline catalog), round trips, messages as real stacks write them, hostile input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;

use super::super::mtom;
use super::*;

const TRASMISSIONE_XSD: &str = "fatturapa/sdicoop/TrasmissioneTypes_v1.1.xsd";
const RICEZIONE_XSD: &str = "fatturapa/sdicoop/RicezioneTypes_v1.0.xsd";

const INVOICE: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<p:FatturaElettronica versione=\"FPR12\">...</p:FatturaElettronica>\n";
const MESSAGE: &[u8] =
    b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ns:RicevutaConsegna>...</ns:RicevutaConsegna>\n";
const METADATA: &[u8] =
    b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ns:FileMetadati>...</ns:FileMetadati>\n";

// ---- helpers ---------------------------------------------------------------------------------

/// Snapshots are named without the module path, and kept in `sdi/snapshots/`, so they keep
/// their names and place whichever file of the codec the tests live in.
fn snapshot(name: &str, value: String) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("../snapshots");
    settings.bind(|| insta::assert_snapshot!(name, value));
}

/// Headers + body as text; CR is made visible so CRLF framing is part of the snapshot.
fn render(soap_action: Option<&str>, content_type: &str, body: &[u8]) -> String {
    let mut out = String::new();
    if let Some(action) = soap_action {
        out.push_str(&format!("SOAPAction: \"{action}\"\n"));
    }
    out.push_str(&format!("Content-Type: {content_type}\n\n"));
    out.push_str(&String::from_utf8_lossy(body).replace('\r', "␍"));
    out
}

fn render_call(call: &OutboundCall) -> String {
    render(Some(&call.soap_action), &call.content_type, &call.body)
}

fn render_message(message: &SoapMessage) -> String {
    render(None, &message.content_type, &message.body)
}

/// Schemas folder and xmllint, or `None` after printing why the validation is skipped.
fn validation_tools() -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("EISIM_SCHEMAS_DIR") else {
        println!("SKIPPED: EISIM_SCHEMAS_DIR is not set, XSD validation not run");
        return None;
    };
    if Command::new("xmllint").arg("--version").output().is_err() {
        println!("SKIPPED: xmllint is not installed, XSD validation not run");
        return None;
    }
    Some(PathBuf::from(dir))
}

fn xmllint(schemas: &Path, xsd: &str, document: &str) {
    if let Err(errors) = xmllint_result(schemas, xsd, document) {
        panic!("xmllint rejected the body against {xsd}:\n{errors}\n--- document ---\n{document}");
    }
}

fn xmllint_result(schemas: &Path, xsd: &str, document: &str) -> Result<(), String> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "sdi-soap-{}-{}.xml",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::write(&path, document).unwrap();
    let output = Command::new("xmllint")
        .env("XML_CATALOG_FILES", schemas.join("catalog.xml"))
        .args(["--nonet", "--noout", "--schema"])
        .arg(schemas.join(xsd))
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// Guards the harness itself: a body that breaks the XSD must be reported, so a passing
/// validation above means something.
#[test]
fn xsd_harness_rejects_invalid_bodies() {
    let Some(schemas) = validation_tools() else {
        return;
    };
    let bad_name = ricevi_file_request("bad name!", INVOICE, false);
    let payload = body_payload(&String::from_utf8(bad_name.body).unwrap());
    let errors = xmllint_result(&schemas, TRASMISSIONE_XSD, &payload).unwrap_err();
    assert!(errors.contains("NomeFile"), "{errors}");
    let wrong_schema = ricevi_file_request("IT01234567890_11111.xml", INVOICE, false);
    let payload = body_payload(&String::from_utf8(wrong_schema.body).unwrap());
    assert!(xmllint_result(&schemas, RICEZIONE_XSD, &payload).is_err());
}

/// For MTOM: the root envelope with every xop:Include replaced by the base64 of its part,
/// i.e. what the XSD describes.
fn resolved_envelope(content_type: &str, body: &[u8]) -> String {
    if !content_type.starts_with("multipart/") {
        return String::from_utf8(body.to_vec()).unwrap();
    }
    let media_type = mtom::parse_media_type(content_type).unwrap();
    let package = mtom::parse_related(&media_type, body).unwrap();
    let mut xml = String::from_utf8(package.root.body.clone()).unwrap();
    while let Some(start) = xml.find("<xop:Include") {
        let end = start + xml[start..].find("/>").unwrap() + 2;
        let element = &xml[start..end];
        let href_start = element.find("href=\"").unwrap() + 6;
        let href_len = element[href_start..].find('"').unwrap();
        let href = &element[href_start..href_start + href_len];
        let bytes = package.resolve_href(href).unwrap();
        xml.replace_range(start..end, &mtom::encode_base64(bytes));
    }
    xml
}

/// The first child of soap:Body as a standalone document: the writer declares the types
/// namespace on the wrapper itself, so the text between the Body tags is self-contained.
fn body_payload(envelope: &str) -> String {
    let start = envelope.find("<soap:Body>").unwrap() + "<soap:Body>".len();
    let end = envelope.find("</soap:Body>").unwrap();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n",
        envelope[start..end].trim()
    )
}

fn validate(content_type: &str, body: &[u8], xsd: &str) {
    let Some(schemas) = validation_tools() else {
        return;
    };
    let envelope = resolved_envelope(content_type, body);
    xmllint(&schemas, xsd, &body_payload(&envelope));
}

fn xsd_for(operation: Operation) -> &'static str {
    if operation.namespace() == TRASMISSIONE_TYPES_NS {
        TRASMISSIONE_XSD
    } else {
        RICEZIONE_XSD
    }
}

/// Expected leaf fields of a request, as bytes.
type ExpectedFields = Vec<(&'static str, Vec<u8>)>;

/// Every request builder, as (operation, call, expected fields).
fn all_requests(mtom: bool) -> Vec<(Operation, OutboundCall, ExpectedFields)> {
    let mut out = Vec::new();
    for op in TrasmissioneOp::ALL {
        let name = "IT01234567890_11111_RC_001.xml";
        out.push((
            Operation::TrasmissioneFatture(op),
            trasmissione_fatture(op, 530_097_703, name, MESSAGE, mtom),
            vec![
                ("IdentificativoSdI", b"530097703".to_vec()),
                ("NomeFile", name.as_bytes().to_vec()),
                ("File", MESSAGE.to_vec()),
            ],
        ));
    }
    out.push((
        Operation::RiceviFatture,
        ricevi_fatture(
            111,
            "IT01234567890_11111.xml",
            INVOICE,
            "IT01234567890_11111_MT_001.xml",
            METADATA,
            mtom,
        ),
        vec![
            ("IdentificativoSdI", b"111".to_vec()),
            ("NomeFile", b"IT01234567890_11111.xml".to_vec()),
            ("File", INVOICE.to_vec()),
            (
                "NomeFileMetadati",
                b"IT01234567890_11111_MT_001.xml".to_vec(),
            ),
            ("Metadati", METADATA.to_vec()),
        ],
    ));
    out.push((
        Operation::NotificaDecorrenzaTermini,
        notifica_decorrenza_termini(111, "IT01234567890_11111_DT_004.xml", MESSAGE, mtom),
        vec![
            ("IdentificativoSdI", b"111".to_vec()),
            ("NomeFile", b"IT01234567890_11111_DT_004.xml".to_vec()),
            ("File", MESSAGE.to_vec()),
        ],
    ));
    out.push((
        Operation::RiceviFile,
        ricevi_file_request("IT01234567890_11111.xml", INVOICE, mtom),
        vec![
            ("NomeFile", b"IT01234567890_11111.xml".to_vec()),
            ("File", INVOICE.to_vec()),
        ],
    ));
    out.push((
        Operation::NotificaEsito,
        notifica_esito_request(111, "IT01234567890_11111_EC_001.xml", MESSAGE, mtom),
        vec![
            ("IdentificativoSdI", b"111".to_vec()),
            ("NomeFile", b"IT01234567890_11111_EC_001.xml".to_vec()),
            ("File", MESSAGE.to_vec()),
        ],
    ));
    out
}

fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

// ---- operations table ------------------------------------------------------------------------

#[test]
fn soap_actions_match_the_wsdls() {
    let Some(schemas) = validation_tools() else {
        return;
    };
    let mut wsdls = String::new();
    for file in [
        "SdIRiceviFile_v1.0.wsdl",
        "SdIRiceviNotifica_v1.0.wsdl",
        "TrasmissioneFatture_v1.1.wsdl",
        "RicezioneFatture_v1.0.wsdl",
    ] {
        wsdls.push_str(
            &std::fs::read_to_string(schemas.join("fatturapa/sdicoop").join(file)).unwrap(),
        );
    }
    for op in Operation::all() {
        let needle = format!("soapAction=\"{}\"", op.soap_action());
        assert!(wsdls.contains(&needle), "{op:?}: {needle} not in the WSDLs");
        assert_eq!(
            Operation::from_soap_action(&format!(" \"{}\" ", op.soap_action())),
            Some(op)
        );
    }
}

// ---- snapshots and XSD validation ------------------------------------------------------------

#[test]
fn trasmissione_fatture_plain_snapshots_and_xsd() {
    for op in TrasmissioneOp::ALL {
        let call = trasmissione_fatture(
            op,
            530_097_703,
            "IT01234567890_11111_RC_001.xml",
            MESSAGE,
            false,
        );
        assert_eq!(call.soap_action, op.soap_action());
        assert_eq!(call.content_type, "text/xml; charset=utf-8");
        snapshot(
            &format!("soap_trasmissione_{}", snake(op.name())),
            render_call(&call),
        );
        validate(&call.content_type, &call.body, TRASMISSIONE_XSD);
    }
}

#[test]
fn ricezione_fatture_plain_snapshots_and_xsd() {
    let call = ricevi_fatture(
        111,
        "IT01234567890_11111.xml",
        INVOICE,
        "IT01234567890_11111_MT_001.xml",
        METADATA,
        false,
    );
    snapshot("soap_ricevi_fatture", render_call(&call));
    validate(&call.content_type, &call.body, RICEZIONE_XSD);

    let call = notifica_decorrenza_termini(111, "IT01234567890_11111_DT_004.xml", MESSAGE, false);
    snapshot("soap_notifica_decorrenza_termini", render_call(&call));
    validate(&call.content_type, &call.body, RICEZIONE_XSD);
}

#[test]
fn integrator_requests_plain_snapshots_and_xsd() {
    let call = ricevi_file_request("IT01234567890_11111.xml", INVOICE, false);
    assert_eq!(
        call.soap_action_header(),
        "\"http://www.fatturapa.it/SdIRiceviFile/RiceviFile\""
    );
    snapshot("soap_ricevi_file_request", render_call(&call));
    validate(&call.content_type, &call.body, TRASMISSIONE_XSD);

    let call = notifica_esito_request(111, "IT01234567890_11111_EC_001.xml", MESSAGE, false);
    snapshot("soap_notifica_esito_request", render_call(&call));
    validate(&call.content_type, &call.body, RICEZIONE_XSD);
}

#[test]
fn every_request_validates_in_both_forms() {
    for mtom in [false, true] {
        for (operation, call, _) in all_requests(mtom) {
            validate(&call.content_type, &call.body, xsd_for(operation));
        }
    }
}

#[test]
fn mtom_request_snapshot() {
    let call = ricevi_fatture(
        111,
        "IT01234567890_11111.xml",
        INVOICE,
        "IT01234567890_11111_MT_001.xml",
        METADATA,
        true,
    );
    assert!(call.content_type.starts_with(
        "multipart/related; type=\"application/xop+xml\"; start=\"<root.message@eisim>\"; start-info=\"text/xml\"; boundary=\"MIMEBoundary_"
    ));
    snapshot("soap_ricevi_fatture_mtom", render_call(&call));
    // Deterministic: the same input gives the same bytes.
    let again = ricevi_fatture(
        111,
        "IT01234567890_11111.xml",
        INVOICE,
        "IT01234567890_11111_MT_001.xml",
        METADATA,
        true,
    );
    assert_eq!(call, again);
}

#[test]
fn response_snapshots_and_xsd() {
    let ok = risposta_ricevi_file(530_097_703, "2026-01-15T10:20:30.000+01:00", None, false);
    snapshot("soap_risposta_ricevi_file", render_message(&ok));
    validate(&ok.content_type, &ok.body, TRASMISSIONE_XSD);
    for errore in [
        ErroreInvio::FileVuoto,
        ErroreInvio::ServizioNonDisponibile,
        ErroreInvio::UtenteNonAbilitato,
    ] {
        for mtom in [false, true] {
            let m = risposta_ricevi_file(1, "2026-01-15T10:20:30+01:00", Some(errore), mtom);
            validate(&m.content_type, &m.body, TRASMISSIONE_XSD);
        }
    }
    let with_error = risposta_ricevi_file(
        530_097_704,
        "2026-01-15T10:20:30.000+01:00",
        Some(ErroreInvio::ServizioNonDisponibile),
        false,
    );
    snapshot(
        "soap_risposta_ricevi_file_ei02",
        render_message(&with_error),
    );

    let scarto = risposta_notifica_esito(
        EsitoNotifica::NotificaNonAccettata,
        Some((
            "IT01234567890_11111_SE_005.xml".to_string(),
            MESSAGE.to_vec(),
        )),
        false,
    );
    snapshot("soap_risposta_notifica_esito_es00", render_message(&scarto));
    validate(&scarto.content_type, &scarto.body, RICEZIONE_XSD);
    let scarto_mtom = risposta_notifica_esito(
        EsitoNotifica::NotificaNonAccettata,
        Some((
            "IT01234567890_11111_SE_005.xml".to_string(),
            MESSAGE.to_vec(),
        )),
        true,
    );
    snapshot(
        "soap_risposta_notifica_esito_es00_mtom",
        render_message(&scarto_mtom),
    );
    validate(&scarto_mtom.content_type, &scarto_mtom.body, RICEZIONE_XSD);
    for esito in [
        EsitoNotifica::NotificaAccettata,
        EsitoNotifica::ServizioNonDisponibile,
    ] {
        let m = risposta_notifica_esito(esito, None, false);
        validate(&m.content_type, &m.body, RICEZIONE_XSD);
    }

    let er01 = risposta_ricevi_fatture(false);
    snapshot("soap_risposta_ricevi_fatture", render_message(&er01));
    validate(&er01.content_type, &er01.body, RICEZIONE_XSD);

    let f = fault(
        "soap:Client",
        "missing element NomeFile in {ns}fileSdIAccoglienza & <more>",
    );
    snapshot("soap_fault", render_message(&f));
}

// ---- round trips -----------------------------------------------------------------------------

#[test]
fn every_request_round_trips_plain_and_mtom() {
    for mtom in [false, true] {
        for (operation, call, expected) in all_requests(mtom) {
            let parsed = parse_request_with_action(
                Some(&call.content_type),
                Some(&call.soap_action_header()),
                &call.body,
            )
            .unwrap_or_else(|e| panic!("{operation:?} mtom={mtom}: {e}"));
            assert_eq!(parsed.operation, operation);
            assert_eq!(parsed.fields.len(), expected.len());
            for (field, (name, value)) in parsed.fields.iter().zip(&expected) {
                assert_eq!(field.name, *name);
                if matches!(*name, "File" | "Metadati") {
                    assert_eq!(&parsed.binary(name).unwrap(), value, "{operation:?} {name}");
                    assert_eq!(mtom, matches!(field.value, FieldValue::Attachment(_)));
                } else {
                    assert_eq!(parsed.text(name).unwrap().as_bytes(), value.as_slice());
                }
            }
            // Without the SOAPAction the body alone decides; the shared `fileSdI` (ricezione)
            // is read as NotificaEsito, the one SDI receives.
            let by_body = parse_request(Some(&call.content_type), &call.body).unwrap();
            let expected_op = match operation {
                Operation::NotificaDecorrenzaTermini => Operation::NotificaEsito,
                other => other,
            };
            assert_eq!(by_body.operation, expected_op);
            assert_eq!(by_body.fields, parsed.fields);
        }
    }
}

#[test]
fn request_accessors() {
    let call = notifica_esito_request(530_097_703, "IT01234567890_11111_EC_001.xml", MESSAGE, true);
    let request = parse_request(Some(&call.content_type), &call.body).unwrap();
    assert_eq!(request.identificativo_sdi().unwrap(), 530_097_703);
    assert_eq!(
        request.nome_file().unwrap(),
        "IT01234567890_11111_EC_001.xml"
    );
    assert_eq!(request.text("File"), None);
    assert_eq!(request.binary("File").unwrap(), MESSAGE);
    assert!(matches!(
        request.binary("Metadati"),
        Err(SoapError::MissingElement { element, .. }) if element == "Metadati"
    ));
}

#[test]
fn responses_round_trip_plain_and_mtom() {
    for mtom in [false, true] {
        let m = risposta_ricevi_file(
            530_097_703,
            "2026-01-15T10:20:30.000+01:00",
            Some(ErroreInvio::FileVuoto),
            mtom,
        );
        let parsed = parse_ricevi_file_response(Some(&m.content_type), &m.body).unwrap();
        assert_eq!(
            parsed,
            RispostaRiceviFile {
                identificativo_sdi: 530_097_703,
                data_ora_ricezione: "2026-01-15T10:20:30.000+01:00".to_string(),
                errore: Some(ErroreInvio::FileVuoto),
            }
        );

        let se = (
            "IT01234567890_11111_SE_005.xml".to_string(),
            b"\x00\x01binary\r\n--".to_vec(),
        );
        let m =
            risposta_notifica_esito(EsitoNotifica::NotificaNonAccettata, Some(se.clone()), mtom);
        let parsed = parse_notifica_esito_response(Some(&m.content_type), &m.body).unwrap();
        assert_eq!(parsed.esito, EsitoNotifica::NotificaNonAccettata);
        assert_eq!(parsed.scarto, Some(se));

        let m = risposta_notifica_esito(EsitoNotifica::NotificaAccettata, None, mtom);
        let parsed = parse_notifica_esito_response(Some(&m.content_type), &m.body).unwrap();
        assert_eq!(
            parsed,
            RispostaNotificaEsito {
                esito: EsitoNotifica::NotificaAccettata,
                scarto: None
            }
        );

        let m = risposta_ricevi_fatture(mtom);
        assert_eq!(
            parse_ricevi_fatture_response(Some(&m.content_type), &m.body).unwrap(),
            EsitoRicezione::PresaInCarico
        );
    }
}

#[test]
fn faults_and_one_way_answers() {
    let f = fault("soap:Server", "boom");
    let expected = SoapError::Fault {
        faultcode: "soap:Server".to_string(),
        faultstring: "boom".to_string(),
    };
    assert_eq!(
        parse_ricevi_fatture_response(Some(&f.content_type), &f.body),
        Err(expected.clone())
    );
    assert_eq!(
        parse_one_way_response(Some(&f.content_type), &f.body),
        Err(expected)
    );
    assert_eq!(parse_one_way_response(None, b""), Ok(()));
    assert_eq!(parse_one_way_response(Some("text/xml"), b"  \r\n"), Ok(()));
    assert_eq!(parse_one_way_response(Some("text/plain"), b"OK"), Ok(()));
    let empty =
        b"<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body/></S:Envelope>";
    assert_eq!(
        parse_one_way_response(Some("text/xml; charset=utf-8"), empty),
        Ok(())
    );
    assert_eq!(
        parse_ricevi_fatture_response(Some("text/xml"), empty),
        Err(SoapError::EmptyBody)
    );
    let wrong = risposta_ricevi_fatture(false);
    assert!(matches!(
        parse_ricevi_file_response(Some(&wrong.content_type), &wrong.body),
        Err(SoapError::UnexpectedElement { .. })
    ));
}

// ---- what real stacks send -------------------------------------------------------------------

fn crlf(text: &str) -> Vec<u8> {
    text.replace('\n', "\r\n").into_bytes()
}

#[test]
fn cxf_style_mtom_request_parses() {
    let content_type = "multipart/related; type=\"application/xop+xml\"; \
        boundary=\"uuid:5f7c6b1e-0b1a-4c3e-9d2f-7a8b9c0d1e2f\"; \
        start=\"<root.message@cxf.apache.org>\"; start-info=\"text/xml\"";
    let mut body = crlf(
        "--uuid:5f7c6b1e-0b1a-4c3e-9d2f-7a8b9c0d1e2f
Content-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"
Content-Transfer-Encoding: binary
Content-ID: <root.message@cxf.apache.org>

<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><ns2:fileSdIAccoglienza xmlns:ns2=\"http://www.fatturapa.gov.it/sdi/ws/trasmissione/v1.0/types\"><NomeFile>IT01234567890_00001.xml</NomeFile><File><xop:Include xmlns:xop=\"http://www.w3.org/2004/08/xop/include\" href=\"cid:0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f-1%40cxf.apache.org\"/></File></ns2:fileSdIAccoglienza></soap:Body></soap:Envelope>
--uuid:5f7c6b1e-0b1a-4c3e-9d2f-7a8b9c0d1e2f
Content-Type: application/octet-stream
Content-Transfer-Encoding: binary
Content-ID: <0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f-1@cxf.apache.org>

",
    );
    body.extend_from_slice(INVOICE);
    body.extend_from_slice(b"\r\n--uuid:5f7c6b1e-0b1a-4c3e-9d2f-7a8b9c0d1e2f--");
    let request = parse_request(Some(content_type), &body).unwrap();
    assert_eq!(request.operation, Operation::RiceviFile);
    assert_eq!(request.nome_file().unwrap(), "IT01234567890_00001.xml");
    assert_eq!(request.binary("File").unwrap(), INVOICE);
}

#[test]
fn wcf_style_mtom_request_parses() {
    // XmlSerializer style: default namespace on the wrapper, xmlns="" on the children,
    // a diagnostics header, 8bit root part, unquoted boundary in a header without spaces.
    let content_type = "multipart/related;type=\"application/xop+xml\";start=\"<http://tempuri.org/0>\";boundary=uuid:a1b2c3d4-e5f6-4a5b-8c9d-0e1f2a3b4c5d+id=1;start-info=\"text/xml\"";
    let mut body = crlf(
        "--uuid:a1b2c3d4-e5f6-4a5b-8c9d-0e1f2a3b4c5d+id=1
Content-ID: <http://tempuri.org/0>
Content-Transfer-Encoding: 8bit
Content-Type: application/xop+xml;charset=utf-8;type=\"text/xml\"

<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Header><ActivityId CorrelationId=\"f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9\" xmlns=\"http://schemas.microsoft.com/2004/09/ServiceModel/Diagnostics\">5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a</ActivityId></s:Header><s:Body xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><fileSdI xmlns=\"http://www.fatturapa.gov.it/sdi/ws/ricezione/v1.0/types\"><IdentificativoSdI xmlns=\"\">530097703</IdentificativoSdI><NomeFile xmlns=\"\">IT01234567890_11111_EC_001.xml</NomeFile><File xmlns=\"\"><xop:Include href=\"cid:http%3A%2F%2Ftempuri.org%2F1%2F638712345678901234\" xmlns:xop=\"http://www.w3.org/2004/08/xop/include\"/></File></fileSdI></s:Body></s:Envelope>
--uuid:a1b2c3d4-e5f6-4a5b-8c9d-0e1f2a3b4c5d+id=1
Content-ID: <http://tempuri.org/1/638712345678901234>
Content-Transfer-Encoding: binary
Content-Type: application/octet-stream

",
    );
    body.extend_from_slice(MESSAGE);
    body.extend_from_slice(b"\r\n--uuid:a1b2c3d4-e5f6-4a5b-8c9d-0e1f2a3b4c5d+id=1--\r\n");
    let request = parse_request(Some(content_type), &body).unwrap();
    assert_eq!(request.operation, Operation::NotificaEsito);
    assert_eq!(request.identificativo_sdi().unwrap(), 530_097_703);
    assert_eq!(request.binary("File").unwrap(), MESSAGE);
}

#[test]
fn soapenv_prefix_base64_part_and_unquoted_boundary_parse() {
    let encoded = mtom::encode_base64(INVOICE);
    let wrapped: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let body = crlf(&format!(
        "preamble to ignore
--MIME_boundary_42
Content-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"
Content-ID: <rootpart@soapui.org>

<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:typ=\"http://www.fatturapa.gov.it/sdi/ws/trasmissione/v1.0/types\">
   <soapenv:Header>
      <wsa:Action xmlns:wsa=\"http://www.w3.org/2005/08/addressing\" soapenv:mustUnderstand=\"0\">x</wsa:Action>
   </soapenv:Header>
   <soapenv:Body>
      <!-- comment -->
      <typ:fileSdIAccoglienza>
         <NomeFile>IT01234567890_00001.xml</NomeFile>
         <File><inc:Include href=\"cid:invoice.xml\" xmlns:inc=\"http://www.w3.org/2004/08/xop/include\"/></File>
      </typ:fileSdIAccoglienza>
   </soapenv:Body>
</soapenv:Envelope>
--MIME_boundary_42
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64
Content-ID: <invoice.xml>

{}
--MIME_boundary_42--
",
        wrapped.join("\n")
    ));
    let content_type = "Multipart/Related; type=\"application/xop+xml\"; start=\"<rootpart@soapui.org>\"; boundary=MIME_boundary_42";
    let request = parse_request(Some(content_type), &body).unwrap();
    assert_eq!(request.operation, Operation::RiceviFile);
    assert_eq!(request.binary("File").unwrap(), INVOICE);
}

#[test]
fn plain_request_with_wrapped_inline_base64_parses() {
    let encoded = mtom::encode_base64(INVOICE);
    let wrapped: Vec<&str> = encoded
        .as_bytes()
        .chunks(60)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let body = crlf(&format!(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">
<soapenv:Body><t:fileSdIAccoglienza xmlns:t=\"http://www.fatturapa.gov.it/sdi/ws/trasmissione/v1.0/types\">
<NomeFile> IT01234567890_00001.xml </NomeFile>
<File>
{}
</File></t:fileSdIAccoglienza></soapenv:Body></soapenv:Envelope>",
        wrapped.join("\n")
    ));
    let request = parse_request(Some("text/xml; charset=UTF-8"), &body).unwrap();
    assert_eq!(request.nome_file().unwrap(), "IT01234567890_00001.xml");
    assert_eq!(request.binary("File").unwrap(), INVOICE);
    // No Content-Type at all is read as plain XML too.
    assert!(parse_request(None, &body).is_ok());
}

// ---- refusals --------------------------------------------------------------------------------

fn envelope(payload: &str) -> Vec<u8> {
    format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:t=\"http://www.fatturapa.gov.it/sdi/ws/trasmissione/v1.0/types\" \
         xmlns:r=\"http://www.fatturapa.gov.it/sdi/ws/ricezione/v1.0/types\">\
         <soap:Body>{payload}</soap:Body></soap:Envelope>"
    )
    .into_bytes()
}

fn plain(body: &[u8]) -> Result<SoapRequest, SoapError> {
    parse_request(Some("text/xml"), body)
}

#[test]
fn dtd_and_entities_are_refused() {
    let with_dtd = b"<?xml version=\"1.0\"?>\n<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><t:fileSdIAccoglienza xmlns:t=\"http://www.fatturapa.gov.it/sdi/ws/trasmissione/v1.0/types\"><NomeFile>&xxe;</NomeFile><File/></t:fileSdIAccoglienza></soap:Body></soap:Envelope>";
    let err = plain(with_dtd).unwrap_err();
    assert_eq!(err, SoapError::DtdRefused);
    assert!(err.to_string().contains("DTD"));
    assert_eq!(err.faultcode(), "soap:Client");

    let undeclared =
        envelope("<t:fileSdIAccoglienza><NomeFile>&xxe;</NomeFile><File/></t:fileSdIAccoglienza>");
    assert_eq!(
        plain(&undeclared).unwrap_err(),
        SoapError::EntityRefused("xxe".to_string())
    );

    // Predefined entities and character references are fine.
    let ok = envelope(
        "<t:fileSdIAccoglienza><NomeFile>IT&#48;1234567890_0000&amp;1.xml</NomeFile><File/></t:fileSdIAccoglienza>",
    );
    assert_eq!(
        plain(&ok).unwrap().nome_file().unwrap(),
        "IT01234567890_0000&1.xml"
    );
}

#[test]
fn missing_extra_and_qualified_fields_are_named() {
    let missing = envelope("<t:fileSdIAccoglienza><File>AAAA</File></t:fileSdIAccoglienza>");
    let err = plain(&missing).unwrap_err();
    assert!(matches!(&err, SoapError::MissingElement { element, .. } if element == "NomeFile"));
    assert!(
        err.to_string().contains("missing element NomeFile"),
        "{err}"
    );

    let missing_last = envelope(
        "<r:fileSdI><IdentificativoSdI>1</IdentificativoSdI><NomeFile>IT01234567890_1.xml</NomeFile></r:fileSdI>",
    );
    assert!(
        matches!(plain(&missing_last).unwrap_err(), SoapError::MissingElement { element, .. } if element == "File")
    );

    let extra = envelope(
        "<t:fileSdIAccoglienza><NomeFile>a</NomeFile><File/><Extra/></t:fileSdIAccoglienza>",
    );
    let err = plain(&extra).unwrap_err();
    assert!(
        err.to_string().contains("unexpected element Extra"),
        "{err}"
    );

    let repeated = envelope(
        "<t:fileSdIAccoglienza><NomeFile>a</NomeFile><NomeFile>b</NomeFile><File/></t:fileSdIAccoglienza>",
    );
    assert!(
        plain(&repeated)
            .unwrap_err()
            .to_string()
            .contains("repeated or out of order")
    );

    let qualified =
        envelope("<t:fileSdIAccoglienza><t:NomeFile>a</t:NomeFile><File/></t:fileSdIAccoglienza>");
    let err = plain(&qualified).unwrap_err();
    assert!(
        err.to_string().contains("NomeFile must be unqualified"),
        "{err}"
    );

    let nested =
        envelope("<t:fileSdIAccoglienza><NomeFile><x/></NomeFile><File/></t:fileSdIAccoglienza>");
    assert!(
        matches!(plain(&nested).unwrap_err(), SoapError::UnexpectedElement { element, .. } if element == "x")
    );
}

#[test]
fn unknown_operation_and_wrong_envelopes_are_refused() {
    let unknown = envelope("<t:fileSdI><IdentificativoSdI>1</IdentificativoSdI></t:fileSdI>");
    let err = plain(&unknown).unwrap_err();
    assert!(
        matches!(&err, SoapError::UnknownOperation { element } if element.ends_with("}fileSdI"))
    );
    assert!(err.to_string().contains("unknown operation"));

    let unknown_ns =
        envelope("<fileSdIAccoglienza><NomeFile>a</NomeFile><File/></fileSdIAccoglienza>");
    assert!(matches!(
        plain(&unknown_ns).unwrap_err(),
        SoapError::UnknownOperation { .. }
    ));

    assert_eq!(plain(&envelope("")).unwrap_err(), SoapError::EmptyBody);

    let two = envelope(
        "<t:fileSdIAccoglienza><NomeFile>a</NomeFile><File/></t:fileSdIAccoglienza><t:other/>",
    );
    assert!(matches!(
        plain(&two).unwrap_err(),
        SoapError::UnexpectedElement { .. }
    ));

    let soap12 =
        b"<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"><e:Body/></e:Envelope>";
    let err = plain(soap12).unwrap_err();
    assert!(matches!(err, SoapError::NotSoap11(_)));
    assert_eq!(err.faultcode(), "soap:VersionMismatch");

    let not_soap = b"<FatturaElettronica/>";
    assert!(matches!(
        plain(not_soap).unwrap_err(),
        SoapError::NotSoap11(_)
    ));

    let must = b"<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Header><w:Security xmlns:w=\"urn:x\" soap:mustUnderstand=\"1\"/></soap:Header><soap:Body/></soap:Envelope>";
    let err = plain(must).unwrap_err();
    assert_eq!(
        err,
        SoapError::MustUnderstand("{urn:x}Security".to_string())
    );
    assert_eq!(err.faultcode(), "soap:MustUnderstand");

    assert!(matches!(
        parse_request(Some("application/json"), b"{}").unwrap_err(),
        SoapError::UnsupportedContentType(_)
    ));
    assert!(matches!(
        parse_request(Some("application/soap+xml"), b"").unwrap_err(),
        SoapError::UnsupportedContentType(_)
    ));
    assert!(matches!(
        plain(b"<soap:Envelope").unwrap_err(),
        SoapError::Xml(_)
    ));
    assert!(matches!(
        plain(b"\xff\xfe<").unwrap_err(),
        SoapError::NotUtf8
    ));
    let huge = vec![b' '; MAX_MESSAGE_BYTES + 1];
    assert!(matches!(
        plain(&huge).unwrap_err(),
        SoapError::TooLarge { .. }
    ));
    let deep = envelope(&format!("{}{}", "<a>".repeat(100), "</a>".repeat(100)));
    assert!(matches!(plain(&deep).unwrap_err(), SoapError::TooDeep(_)));
}

#[test]
fn soap_action_must_match_the_body() {
    let call = ricevi_file_request("IT01234567890_11111.xml", INVOICE, false);
    let wrong = parse_request_with_action(
        Some(&call.content_type),
        Some("\"http://www.fatturapa.it/SdIRicezioneNotifiche/NotificaEsito\""),
        &call.body,
    );
    assert!(matches!(wrong, Err(SoapError::SoapActionMismatch { .. })));
    let unknown =
        parse_request_with_action(Some(&call.content_type), Some("\"urn:nope\""), &call.body);
    assert!(matches!(unknown, Err(SoapError::UnknownSoapAction(_))));
    // An empty SOAPAction ("") says nothing: the body decides.
    let empty = parse_request_with_action(Some(&call.content_type), Some("\"\""), &call.body);
    assert_eq!(empty.unwrap().operation, Operation::RiceviFile);
}

#[test]
fn broken_xop_references_are_refused() {
    let call = ricevi_file_request("IT01234567890_11111.xml", INVOICE, true);
    let text = String::from_utf8_lossy(&call.body).replace("cid:File@eisim", "cid:Other@eisim");
    let err = parse_request(Some(&call.content_type), text.as_bytes()).unwrap_err();
    assert!(
        matches!(&err, SoapError::MissingAttachment { element, .. } if element == "File"),
        "{err}"
    );

    // xop:Include in a plain message: no parts to point at.
    let plain_include = envelope(
        "<t:fileSdIAccoglienza><NomeFile>a</NomeFile><File><xop:Include xmlns:xop=\"http://www.w3.org/2004/08/xop/include\" href=\"cid:x\"/></File></t:fileSdIAccoglienza>",
    );
    assert!(
        matches!(plain(&plain_include).unwrap_err(), SoapError::InvalidValue { element, .. } if element == "File")
    );

    // Bad inline base64 is reported when the binary is asked for, naming the element.
    let bad = envelope(
        "<t:fileSdIAccoglienza><NomeFile>a</NomeFile><File>@@@</File></t:fileSdIAccoglienza>",
    );
    let request = plain(&bad).unwrap();
    assert!(
        matches!(request.binary("File"), Err(SoapError::InvalidValue { element, .. }) if element == "File")
    );

    let bad_id = envelope(
        "<r:fileSdI><IdentificativoSdI>12a</IdentificativoSdI><NomeFile>a</NomeFile><File/></r:fileSdI>",
    );
    assert!(plain(&bad_id).unwrap().identificativo_sdi().is_err());
    let too_long = envelope(
        "<r:fileSdI><IdentificativoSdI>1234567890123</IdentificativoSdI><NomeFile>a</NomeFile><File/></r:fileSdI>",
    );
    assert!(plain(&too_long).unwrap().identificativo_sdi().is_err());
}

// ---- robustness ------------------------------------------------------------------------------

fn valid_mtom_request() -> (String, Vec<u8>) {
    let call = ricevi_fatture(
        111,
        "IT01234567890_11111.xml",
        INVOICE,
        "IT01234567890_11111_MT_001.xml",
        METADATA,
        true,
    );
    (call.content_type, call.body)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_request_never_panics_on_random_bytes(
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        content_type in prop_oneof![
            Just(None),
            Just(Some("text/xml".to_string())),
            Just(Some("multipart/related; type=\"application/xop+xml\"; boundary=b".to_string())),
            ".{0,80}".prop_map(Some),
        ],
    ) {
        let _ = parse_request(content_type.as_deref(), &body);
        let _ = parse_notifica_esito_response(content_type.as_deref(), &body);
    }

    #[test]
    fn parse_request_never_panics_on_mutated_mtom(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let (content_type, mut body) = valid_mtom_request();
        for (index, byte, kind) in edits {
            let at = index.index(body.len());
            match kind {
                0 => body[at] = byte,
                1 => body.insert(at, byte),
                _ => { body.remove(at); }
            }
        }
        if truncate {
            body.truncate(cut.index(body.len() + 1));
        }
        let _ = parse_request(Some(&content_type), &body);
        let _ = parse_request(Some("text/xml"), &body);
    }

    #[test]
    fn inline_binary_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..512), mtom in any::<bool>()) {
        let call = ricevi_file_request("IT01234567890_11111.xml", &bytes, mtom);
        let request = parse_request(Some(&call.content_type), &call.body).unwrap();
        prop_assert_eq!(request.binary("File").unwrap(), bytes);
    }
}
