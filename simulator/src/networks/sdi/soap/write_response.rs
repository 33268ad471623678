//! The answers eisim writes as an HTTP response: SDI's answers to `RiceviFile` and
//! `NotificaEsito`, a SOAP Fault, and (to play the integrator in tests) a recipient's answer
//! to `RiceviFatture`.

use std::fmt::Write as _;

use super::codes::{ErroreInvio, EsitoNotifica, EsitoRicezione};
use super::write::{Out, write_message};
use super::{PLAIN_CONTENT_TYPE, RICEZIONE_TYPES_NS, SOAP_ENVELOPE_NS, TRASMISSIONE_TYPES_NS};

/// A message eisim sends as an HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SoapMessage {
    pub content_type: String,
    pub body: Vec<u8>,
}

/// SDI's answer to `RiceviFile`. `received_at` is an already formatted `xsd:dateTime`.
/// `IdentificativoSdI` and `DataOraRicezione` are mandatory even with an `Errore`. There is
/// no binary field, so the MTOM form is just the envelope in a one-part package (what SDI's
/// stack sends by default).
pub(crate) fn risposta_ricevi_file(
    identificativo_sdi: u64,
    received_at: &str,
    errore: Option<ErroreInvio>,
    mtom: bool,
) -> SoapMessage {
    let mut children = vec![
        Out::Text("IdentificativoSdI", identificativo_sdi.to_string()),
        Out::Text("DataOraRicezione", received_at.to_string()),
    ];
    if let Some(errore) = errore {
        children.push(Out::Text("Errore", errore.code().to_string()));
    }
    let (content_type, body) = write_message(
        TRASMISSIONE_TYPES_NS,
        "rispostaSdIRiceviFile",
        &children,
        mtom,
    );
    SoapMessage { content_type, body }
}

/// SDI's answer to `NotificaEsito`; `scarto` (SE file name and XML) belongs with ES00.
pub(crate) fn risposta_notifica_esito(
    esito: EsitoNotifica,
    scarto: Option<(String, Vec<u8>)>,
    mtom: bool,
) -> SoapMessage {
    let mut children = vec![Out::Text("Esito", esito.code().to_string())];
    if let Some((name, bytes)) = &scarto {
        children.push(Out::Group(
            "ScartoEsito",
            vec![
                Out::Text("NomeFile", name.clone()),
                Out::Binary("File", bytes),
            ],
        ));
    }
    let (content_type, body) = write_message(
        RICEZIONE_TYPES_NS,
        "rispostaSdINotificaEsito",
        &children,
        mtom,
    );
    SoapMessage { content_type, body }
}

/// A recipient's answer to `RiceviFatture` (ER01); eisim uses it to play the integrator in
/// tests.
pub(crate) fn risposta_ricevi_fatture(mtom: bool) -> SoapMessage {
    let children = [Out::Text(
        "Esito",
        EsitoRicezione::PresaInCarico.code().to_string(),
    )];
    let (content_type, body) =
        write_message(RICEZIONE_TYPES_NS, "rispostaRiceviFatture", &children, mtom);
    SoapMessage { content_type, body }
}

/// A SOAP 1.1 Fault; the caller sends it with HTTP 500. `faultcode` is a QName in the
/// envelope's `soap` prefix, e.g. `soap:Client` or `soap:Server`.
pub(crate) fn fault(faultcode: &str, faultstring: &str) -> SoapMessage {
    let mut xml = String::new();
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(xml, "<soap:Envelope xmlns:soap=\"{SOAP_ENVELOPE_NS}\">");
    xml.push_str("  <soap:Body>\n    <soap:Fault>\n");
    let _ = writeln!(
        xml,
        "      <faultcode>{}</faultcode>",
        quick_xml::escape::escape(faultcode)
    );
    let _ = writeln!(
        xml,
        "      <faultstring>{}</faultstring>",
        quick_xml::escape::escape(faultstring)
    );
    xml.push_str("    </soap:Fault>\n  </soap:Body>\n</soap:Envelope>\n");
    SoapMessage {
        content_type: PLAIN_CONTENT_TYPE.to_string(),
        body: xml.into_bytes(),
    }
}
