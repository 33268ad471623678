//! The integrator's side of SDICoop, for the tests: the requests an integrator sends to SDI
//! (`SdIRiceviFile.RiceviFile`, `SdIRiceviNotifica.NotificaEsito`), the answers it reads back,
//! the requests SDI sends to the integrator's own `TrasmissioneFatture` and `RicezioneFatture`
//! services, and the integrator's answer to `RiceviFatture`; plain SOAP 1.1 or MTOM/XOP.
//!
//! It is written from the WSDLs and types XSDs (`fatturapa/sdicoop/` in the schemas folder) and
//! the protocol reference, never from eisim's own codec: a test that used eisim's code on both
//! ends of the wire would only prove that the code agrees with itself.
//!
//! Reading is strict on purpose, since whatever it reads comes from eisim and is under test:
//! every child must be where the XSD sequence puts it, unqualified, with a value of the right
//! type; the MIME package must be well formed with every part referenced exactly once; no DTD
//! and no entity beyond XML's five.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::XmlVersion;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
const TRASMISSIONE: &str = "http://www.fatturapa.gov.it/sdi/ws/trasmissione/v1.0/types";
const RICEZIONE: &str = "http://www.fatturapa.gov.it/sdi/ws/ricezione/v1.0/types";
const XOP: &str = "http://www.w3.org/2004/08/xop/include";

/// Nothing SDICoop sends nests deeper than six; a runaway document should fail fast.
const MAX_DEPTH: usize = 64;

// ---------------------------------------------------------------------------------------------
// What the XSDs say
// ---------------------------------------------------------------------------------------------

/// The simple or complex type of one child in a types XSD sequence.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// `identificativoSdI_Type`: `xsd:integer`, at most 12 digits.
    Identificativo,
    /// `nomeFile_Type`: `[a-zA-Z0-9_\.]{9,50}`.
    NomeFile,
    /// `xsd:base64Binary` with `xmime:expectedContentTypes`: inline, or an `xop:Include`.
    Binary,
    /// `xsd:dateTime`.
    DateTime,
    /// A string enumeration.
    Code(&'static [&'static str]),
    /// A nested sequence (`ScartoEsito`).
    Group(&'static [Slot]),
}

#[derive(Debug)]
struct Slot {
    name: &'static str,
    kind: Kind,
    optional: bool,
}

const fn one(name: &'static str, kind: Kind) -> Slot {
    Slot {
        name,
        kind,
        optional: false,
    }
}

const fn maybe(name: &'static str, kind: Kind) -> Slot {
    Slot {
        name,
        kind,
        optional: true,
    }
}

const FILE_SDI_BASE: &[Slot] = &[one("NomeFile", Kind::NomeFile), one("File", Kind::Binary)];
const FILE_SDI: &[Slot] = &[
    one("IdentificativoSdI", Kind::Identificativo),
    one("NomeFile", Kind::NomeFile),
    one("File", Kind::Binary),
];
const FILE_SDI_CON_METADATI: &[Slot] = &[
    one("IdentificativoSdI", Kind::Identificativo),
    one("NomeFile", Kind::NomeFile),
    one("File", Kind::Binary),
    one("NomeFileMetadati", Kind::NomeFile),
    one("Metadati", Kind::Binary),
];
const RISPOSTA_RICEVI_FILE: &[Slot] = &[
    one("IdentificativoSdI", Kind::Identificativo),
    one("DataOraRicezione", Kind::DateTime),
    maybe("Errore", Kind::Code(&["EI01", "EI02", "EI03"])),
];
const RISPOSTA_NOTIFICA_ESITO: &[Slot] = &[
    one("Esito", Kind::Code(&["ES00", "ES01", "ES02"])),
    maybe("ScartoEsito", Kind::Group(FILE_SDI_BASE)),
];
const RISPOSTA_RICEVI_FATTURE: &[Slot] = &[one("Esito", Kind::Code(&["ER01"]))];

/// One WSDL operation's input: who exposes it, its SOAPAction and its body's wrapper element.
#[derive(Debug)]
pub(crate) struct Operation {
    pub(crate) service: &'static str,
    pub(crate) name: &'static str,
    pub(crate) soap_action: &'static str,
    namespace: &'static str,
    pub(crate) element: &'static str,
    input: &'static [Slot],
}

const fn trasmissione(
    name: &'static str,
    soap_action: &'static str,
    element: &'static str,
) -> Operation {
    Operation {
        service: "TrasmissioneFatture",
        name,
        soap_action,
        namespace: TRASMISSIONE,
        element,
        input: FILE_SDI,
    }
}

const RICEVI_FILE: Operation = Operation {
    service: "SdIRiceviFile",
    name: "RiceviFile",
    soap_action: "http://www.fatturapa.it/SdIRiceviFile/RiceviFile",
    namespace: TRASMISSIONE,
    element: "fileSdIAccoglienza",
    input: FILE_SDI_BASE,
};
const NOTIFICA_ESITO: Operation = Operation {
    service: "SdIRiceviNotifica",
    name: "NotificaEsito",
    soap_action: "http://www.fatturapa.it/SdIRicezioneNotifiche/NotificaEsito",
    namespace: RICEZIONE,
    element: "fileSdI",
    input: FILE_SDI,
};
const RICEVI_FATTURE: Operation = Operation {
    service: "RicezioneFatture",
    name: "RiceviFatture",
    soap_action: "http://www.fatturapa.it/RicezioneFatture/RiceviFattureSdI",
    namespace: RICEZIONE,
    element: "fileSdIConMetadati",
    input: FILE_SDI_CON_METADATI,
};
const DECORRENZA_TERMINI_RICEZIONE: Operation = Operation {
    service: "RicezioneFatture",
    name: "NotificaDecorrenzaTermini",
    soap_action: "http://www.fatturapa.it/RicezioneFatture/NotificaDecorrenzaTermini",
    namespace: RICEZIONE,
    element: "fileSdI",
    input: FILE_SDI,
};

/// Every input operation of the four WSDLs. `fileSdI` in the ricezione namespace is the input
/// of two of them, so only a SOAPAction tells those apart.
const OPERATIONS: &[&Operation] = &[
    &RICEVI_FILE,
    &NOTIFICA_ESITO,
    &trasmissione(
        "RicevutaConsegna",
        "http://www.fatturapa.it/TrasmissioneFatture/RicevutaConsegna",
        "ricevutaConsegna",
    ),
    &trasmissione(
        "NotificaMancataConsegna",
        "http://www.fatturapa.it/TrasmissioneFatture/NotificaMancataConsegna",
        "notificaMancataConsegna",
    ),
    &trasmissione(
        "NotificaScarto",
        "http://www.fatturapa.it/TrasmissioneFatture/NotificaScarto",
        "notificaScarto",
    ),
    &trasmissione(
        "NotificaEsito",
        "http://www.fatturapa.it/TrasmissioneFatture/NotificaEsito",
        "notificaEsito",
    ),
    &trasmissione(
        "NotificaDecorrenzaTermini",
        "http://www.fatturapa.it/TrasmissioneFatture/NotificaDecorrenzaTermini",
        "notificaDecorrenzaTermini",
    ),
    &trasmissione(
        "AttestazioneTrasmissioneFattura",
        "http://www.fatturapa.it/TrasmissioneFatture/AttestazioneTrasmissioneFattura",
        "attestazioneTrasmissioneFattura",
    ),
    &RICEVI_FATTURE,
    &DECORRENZA_TERMINI_RICEZIONE,
];

// ---------------------------------------------------------------------------------------------
// Messages the tests send
// ---------------------------------------------------------------------------------------------

/// A request ready to POST.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) operation: &'static Operation,
    pub(crate) content_type: String,
    pub(crate) body: Vec<u8>,
}

impl Call {
    /// SOAP 1.1 §6.1.1 writes the header's URI as a quoted string.
    pub(crate) fn soap_action_header(&self) -> String {
        format!("\"{}\"", self.operation.soap_action)
    }
}

/// An answer a test's mock service gives back.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) content_type: String,
    pub(crate) body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Text(String),
    Bytes(Vec<u8>),
}

/// Leaf values by path (`File`, `ScartoEsito/NomeFile`), in document order.
type Fields = Vec<(String, Value)>;

fn text_at<'a>(fields: &'a Fields, path: &str) -> Option<&'a str> {
    fields.iter().find_map(|(p, v)| match v {
        Value::Text(text) if p == path => Some(text.as_str()),
        _ => None,
    })
}

fn bytes_at<'a>(fields: &'a Fields, path: &str) -> Option<&'a [u8]> {
    fields.iter().find_map(|(p, v)| match v {
        Value::Bytes(bytes) if p == path => Some(bytes.as_slice()),
        _ => None,
    })
}

/// Read only after the XSD check (an integer of at most 12 digits), so it always fits.
fn identificativo_at(fields: &Fields) -> Option<u64> {
    text_at(fields, "IdentificativoSdI").map(|digits| digits.parse().unwrap())
}

/// `SdIRiceviFile.RiceviFile`: a transmitter hands SDI an invoice file.
pub(crate) fn ricevi_file(nome_file: &str, file: &[u8], mtom: bool) -> Call {
    let fields = vec![
        ("NomeFile".to_owned(), Value::Text(nome_file.to_owned())),
        ("File".to_owned(), Value::Bytes(file.to_vec())),
    ];
    call(&RICEVI_FILE, &fields, mtom)
}

/// `SdIRiceviNotifica.NotificaEsito`: a PA recipient sends SDI its outcome (EC) on an invoice.
pub(crate) fn notifica_esito(
    identificativo_sdi: u64,
    nome_file: &str,
    file: &[u8],
    mtom: bool,
) -> Call {
    let fields = vec![
        (
            "IdentificativoSdI".to_owned(),
            Value::Text(identificativo_sdi.to_string()),
        ),
        ("NomeFile".to_owned(), Value::Text(nome_file.to_owned())),
        ("File".to_owned(), Value::Bytes(file.to_vec())),
    ];
    call(&NOTIFICA_ESITO, &fields, mtom)
}

/// The recipient's answer to `RiceviFatture`; ER01 (taken in charge) is its only value.
pub(crate) fn risposta_ricevi_fatture(mtom: bool) -> Reply {
    let fields = vec![("Esito".to_owned(), Value::Text("ER01".to_owned()))];
    let (content_type, body) = pack(
        RICEZIONE,
        "rispostaRiceviFatture",
        RISPOSTA_RICEVI_FATTURE,
        &fields,
        mtom,
    );
    Reply { content_type, body }
}

fn call(operation: &'static Operation, fields: &Fields, mtom: bool) -> Call {
    let (content_type, body) = pack(
        operation.namespace,
        operation.element,
        operation.input,
        fields,
        mtom,
    );
    Call {
        operation,
        content_type,
        body,
    }
}

/// Lays out the envelope; with MTOM every binary goes to its own MIME part, which is what
/// `xmime:expectedContentTypes` in the XSDs invites.
fn pack(
    namespace: &str,
    element: &str,
    shape: &[Slot],
    fields: &Fields,
    mtom: bool,
) -> (String, Vec<u8>) {
    let mut xml = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    write!(
        xml,
        r#"<env:Envelope xmlns:env="{SOAP11}"><env:Body><sdi:{element} xmlns:sdi="{namespace}">"#
    )
    .unwrap();
    let mut attachments = Vec::new();
    write_slots(&mut xml, shape, "", fields, mtom, &mut attachments);
    write!(xml, "</sdi:{element}></env:Body></env:Envelope>").unwrap();
    if mtom {
        multipart(xml.as_bytes(), &attachments)
    } else {
        ("text/xml; charset=utf-8".to_owned(), xml.into_bytes())
    }
}

fn write_slots(
    xml: &mut String,
    shape: &[Slot],
    prefix: &str,
    fields: &Fields,
    mtom: bool,
    attachments: &mut Vec<(String, Vec<u8>)>,
) {
    for slot in shape {
        let path = format!("{prefix}{}", slot.name);
        if let Kind::Group(inner) = slot.kind {
            let nested = format!("{path}/");
            if fields.iter().any(|(name, _)| name.starts_with(&nested)) {
                write!(xml, "<{}>", slot.name).unwrap();
                write_slots(xml, inner, &nested, fields, mtom, attachments);
                write!(xml, "</{}>", slot.name).unwrap();
            } else {
                assert!(slot.optional, "nothing given for {path}");
            }
            continue;
        }
        match fields
            .iter()
            .find(|(name, _)| *name == path)
            .map(|(_, v)| v)
        {
            None => assert!(slot.optional, "nothing given for {path}"),
            Some(Value::Text(text)) => write!(
                xml,
                "<{0}>{1}</{0}>",
                slot.name,
                quick_xml::escape::escape(text.as_str())
            )
            .unwrap(),
            Some(Value::Bytes(bytes)) if mtom => {
                let id = format!(
                    "att{}.{}@sdicoop-peer.test",
                    attachments.len() + 1,
                    slot.name
                );
                write!(
                    xml,
                    r#"<{0}><xop:Include xmlns:xop="{XOP}" href="cid:{id}"/></{0}>"#,
                    slot.name
                )
                .unwrap();
                attachments.push((id, bytes.clone()));
            }
            Some(Value::Bytes(bytes)) => {
                write!(xml, "<{0}>{1}</{0}>", slot.name, STANDARD.encode(bytes)).unwrap();
            }
        }
    }
}

const ROOT_ID: &str = "envelope@sdicoop-peer.test";

/// An XOP package (W3C XOP 1.0 over RFC 2387 `multipart/related`): the envelope as the
/// `application/xop+xml` root, then one part per attachment.
fn multipart(root: &[u8], attachments: &[(String, Vec<u8>)]) -> (String, Vec<u8>) {
    // RFC 2046 forbids the boundary inside any part; counting up finds one that is absent.
    let boundary = (0u32..)
        .map(|n| format!("sdicoop-peer-{n}"))
        .find(|b| {
            find(root, b.as_bytes(), 0).is_none()
                && attachments
                    .iter()
                    .all(|(_, bytes)| find(bytes, b.as_bytes(), 0).is_none())
        })
        .unwrap();
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    body.extend_from_slice(
        b"Content-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"\r\n\
          Content-Transfer-Encoding: binary\r\n",
    );
    body.extend_from_slice(format!("Content-ID: <{ROOT_ID}>\r\n\r\n").as_bytes());
    body.extend_from_slice(root);
    for (id, bytes) in attachments {
        body.extend_from_slice(format!("\r\n--{boundary}\r\n").as_bytes());
        body.extend_from_slice(
            b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n",
        );
        body.extend_from_slice(format!("Content-ID: <{id}>\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
    }
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type = format!(
        "multipart/related; type=\"application/xop+xml\"; boundary=\"{boundary}\"; \
         start=\"<{ROOT_ID}>\"; start-info=\"text/xml\""
    );
    (content_type, body)
}

// ---------------------------------------------------------------------------------------------
// Messages the tests read
// ---------------------------------------------------------------------------------------------

/// A request SDI sent to one of the integrator's services, its fields checked against the
/// operation's XSD sequence.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) operation: &'static Operation,
    fields: Fields,
}

impl Request {
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        text_at(&self.fields, name)
    }

    pub(crate) fn bytes(&self, name: &str) -> Option<&[u8]> {
        bytes_at(&self.fields, name)
    }

    pub(crate) fn identificativo_sdi(&self) -> Option<u64> {
        identificativo_at(&self.fields)
    }
}

/// Reads a request. With a SOAPAction header value (quoted, as SOAP 1.1 writes it) the
/// operation is the one it names and the wrapper must be that operation's; without, the
/// wrapper alone must identify it.
pub(crate) fn read_request(
    content_type: Option<&str>,
    soap_action: Option<&str>,
    body: &[u8],
) -> Result<Request, String> {
    let payload = open(content_type, body)?;
    let operation = match soap_action {
        Some(header) => {
            let action = header
                .strip_prefix('"')
                .and_then(|a| a.strip_suffix('"'))
                .ok_or_else(|| format!("SOAPAction {header:?} is not a quoted string"))?;
            let operation = OPERATIONS
                .iter()
                .find(|op| op.soap_action == action)
                .ok_or_else(|| format!("no SDICoop operation has SOAPAction {action:?}"))?;
            if payload.ns.as_deref() != Some(operation.namespace)
                || payload.name != operation.element
            {
                return Err(format!(
                    "SOAPAction {action:?} wants {{{}}}{}, the body has {}",
                    operation.namespace,
                    operation.element,
                    payload.display()
                ));
            }
            *operation
        }
        None => {
            let mut candidates = OPERATIONS.iter().filter(|op| {
                payload.ns.as_deref() == Some(op.namespace) && payload.name == op.element
            });
            match (candidates.next(), candidates.next()) {
                (Some(op), None) => *op,
                (Some(_), Some(_)) => {
                    return Err(format!(
                        "{} is the input of several operations; a SOAPAction is needed",
                        payload.display()
                    ));
                }
                (None, _) => {
                    return Err(format!(
                        "{} is no SDICoop operation's input",
                        payload.display()
                    ));
                }
            }
        }
    };
    let mut fields = Vec::new();
    read_slots(&payload, operation.input, "", &mut fields)?;
    Ok(Request { operation, fields })
}

/// SDI's answer to `RiceviFile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RiceviFileAnswer {
    pub(crate) identificativo_sdi: u64,
    pub(crate) data_ora_ricezione: String,
    pub(crate) errore: Option<String>,
}

pub(crate) fn read_ricevi_file_answer(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<RiceviFileAnswer, String> {
    let fields = read_answer(
        content_type,
        body,
        TRASMISSIONE,
        "rispostaSdIRiceviFile",
        RISPOSTA_RICEVI_FILE,
    )?;
    // Both are required by the sequence just matched.
    Ok(RiceviFileAnswer {
        identificativo_sdi: identificativo_at(&fields).unwrap(),
        data_ora_ricezione: text_at(&fields, "DataOraRicezione").unwrap().to_owned(),
        errore: text_at(&fields, "Errore").map(str::to_owned),
    })
}

/// SDI's answer to `NotificaEsito`: the ES code and, for ES00, the SE message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotificaEsitoAnswer {
    pub(crate) esito: String,
    pub(crate) scarto: Option<(String, Vec<u8>)>,
}

pub(crate) fn read_notifica_esito_answer(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<NotificaEsitoAnswer, String> {
    let fields = read_answer(
        content_type,
        body,
        RICEZIONE,
        "rispostaSdINotificaEsito",
        RISPOSTA_NOTIFICA_ESITO,
    )?;
    let esito = text_at(&fields, "Esito").unwrap().to_owned();
    let scarto = text_at(&fields, "ScartoEsito/NomeFile").map(|name| {
        (
            name.to_owned(),
            bytes_at(&fields, "ScartoEsito/File").unwrap().to_vec(),
        )
    });
    // The reference (§3.4) and the SDICoop instructions pair the SE file with ES00 only.
    if scarto.is_some() && esito != "ES00" {
        return Err(format!(
            "ScartoEsito came with {esito}; only ES00 carries one"
        ));
    }
    Ok(NotificaEsitoAnswer { esito, scarto })
}

/// Reads a recipient's answer to `RiceviFatture` (its `Esito`).
pub(crate) fn read_ricevi_fatture_answer(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<String, String> {
    let fields = read_answer(
        content_type,
        body,
        RICEZIONE,
        "rispostaRiceviFatture",
        RISPOSTA_RICEVI_FATTURE,
    )?;
    Ok(text_at(&fields, "Esito").unwrap().to_owned())
}

/// The Body's payload as a standalone document, each `xop:Include` replaced by the base64 of
/// its part: what the types XSD describes, ready for xmllint.
pub(crate) fn payload_document(content_type: Option<&str>, body: &[u8]) -> Result<String, String> {
    let payload = open(content_type, body)?;
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let mut prefixes = 0;
    serialize(&payload, &mut xml, &mut prefixes);
    Ok(xml)
}

fn read_answer(
    content_type: Option<&str>,
    body: &[u8],
    namespace: &str,
    element: &str,
    shape: &[Slot],
) -> Result<Fields, String> {
    let payload = open(content_type, body)?;
    if payload.ns.as_deref() != Some(namespace) || payload.name != element {
        return Err(format!(
            "expected {{{namespace}}}{element} in the Body, got {}",
            payload.display()
        ));
    }
    let mut fields = Vec::new();
    read_slots(&payload, shape, "", &mut fields)?;
    Ok(fields)
}

/// Matches an element's children against an XSD sequence. The types XSDs have no
/// `elementFormDefault`, so every child must be unqualified.
fn read_slots(
    parent: &Element,
    shape: &[Slot],
    prefix: &str,
    out: &mut Fields,
) -> Result<(), String> {
    if let Some((_, name, _)) = parent.attributes.first() {
        return Err(format!("{} has an attribute {name}", parent.display()));
    }
    if parent.included.is_some() {
        return Err(format!("{} holds an xop:Include", parent.display()));
    }
    let mut children = Vec::new();
    for node in &parent.children {
        match node {
            Node::Element(child) => children.push(child),
            Node::Text(text) if is_blank(text) => {}
            Node::Text(text) => {
                return Err(format!("{} has text {text:?}", parent.display()));
            }
        }
    }
    let mut children = children.into_iter().peekable();
    for slot in shape {
        let path = format!("{prefix}{}", slot.name);
        match children.peek() {
            Some(child) if child.name == slot.name && child.ns.is_none() => {
                read_value(child, slot, &path, out)?;
                children.next();
            }
            Some(child) if child.name == slot.name => {
                return Err(format!(
                    "{} must be unqualified (the XSDs have no elementFormDefault)",
                    child.display()
                ));
            }
            _ if slot.optional => {}
            Some(child) => {
                return Err(format!(
                    "{}: expected <{}>, found {}",
                    parent.display(),
                    slot.name,
                    child.display()
                ));
            }
            None => {
                return Err(format!("{} lacks <{}>", parent.display(), slot.name));
            }
        }
    }
    match children.next() {
        Some(extra) => Err(format!(
            "{} has an unexpected {}",
            parent.display(),
            extra.display()
        )),
        None => Ok(()),
    }
}

fn read_value(element: &Element, slot: &Slot, path: &str, out: &mut Fields) -> Result<(), String> {
    if let Kind::Group(inner) = slot.kind {
        return read_slots(element, inner, &format!("{path}/"), out);
    }
    if let Some((_, name, _)) = element.attributes.first() {
        return Err(format!("{} has an attribute {name}", element.display()));
    }
    if let Some(bytes) = &element.included {
        return match slot.kind {
            Kind::Binary => {
                out.push((path.to_owned(), Value::Bytes(bytes.clone())));
                Ok(())
            }
            _ => Err(format!(
                "<{path}> is not base64Binary but holds an xop:Include"
            )),
        };
    }
    let mut text = String::new();
    for node in &element.children {
        match node {
            Node::Text(t) => text.push_str(t),
            Node::Element(child) => {
                return Err(format!(
                    "<{path}> is simple content but holds {}",
                    child.display()
                ));
            }
        }
    }
    let bad = |why: &str| format!("<{path}> {text:?}: {why}");
    let value = match slot.kind {
        Kind::Identificativo => {
            let digits = text.trim();
            let digits = digits.strip_prefix('+').unwrap_or(digits);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("not a non-negative xsd:integer"));
            }
            if digits.trim_start_matches('0').len() > 12 {
                return Err(bad("more than 12 digits (totalDigits 12)"));
            }
            Value::Text(digits.to_owned())
        }
        Kind::NomeFile => {
            let fits = (9..=50).contains(&text.len())
                && text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
            if !fits {
                return Err(bad("does not match [a-zA-Z0-9_\\.]{9,50}"));
            }
            Value::Text(text.clone())
        }
        Kind::DateTime => {
            let trimmed = text.trim();
            if !is_xsd_date_time(trimmed) {
                return Err(bad("not an xsd:dateTime"));
            }
            Value::Text(trimmed.to_owned())
        }
        Kind::Code(codes) => {
            if !codes.contains(&text.as_str()) {
                return Err(bad(&format!("not one of {codes:?}")));
            }
            Value::Text(text.clone())
        }
        Kind::Binary => {
            let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let bytes = STANDARD
                .decode(compact)
                .map_err(|e| bad(&format!("not base64: {e}")))?;
            Value::Bytes(bytes)
        }
        Kind::Group(_) => unreachable!("groups are read above"),
    };
    out.push((path.to_owned(), value));
    Ok(())
}

/// `YYYY-MM-DDThh:mm:ss(.s+)?` and an optional `Z` or `±hh:mm`, on a real calendar day.
fn is_xsd_date_time(text: &str) -> bool {
    let local = if let Some(rest) = text.strip_suffix('Z') {
        rest
    } else {
        match text
            .len()
            .checked_sub(6)
            .and_then(|at| text.get(at..).map(|z| (at, z)))
        {
            Some((at, zone))
                if (zone.starts_with('+') || zone.starts_with('-'))
                    && zone.as_bytes().get(3) == Some(&b':')
                    && zone[1..3]
                        .bytes()
                        .chain(zone[4..].bytes())
                        .all(|b| b.is_ascii_digit()) =>
            {
                &text[..at]
            }
            _ => text,
        }
    };
    let (whole, fraction) = match local.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (local, None),
    };
    let shape_ok = whole.len() == 19
        && whole.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        });
    let fraction_ok =
        fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    shape_ok && fraction_ok && whole.parse::<jiff::civil::DateTime>().is_ok()
}

// ---------------------------------------------------------------------------------------------
// SOAP envelope and XOP
// ---------------------------------------------------------------------------------------------

/// Unwraps the transport (plain or MTOM) and the SOAP 1.1 envelope and returns the Body's one
/// child, with every `xop:Include` resolved. A Fault is an error carrying its code and text.
fn open(content_type: Option<&str>, body: &[u8]) -> Result<Element, String> {
    let content_type = content_type.ok_or("no Content-Type")?;
    let media = MediaType::parse(content_type)?;
    let (xml, mut parts) = match media.essence.as_str() {
        "text/xml" => {
            check_utf8_charset(&media)?;
            (body.to_vec(), Vec::new())
        }
        "multipart/related" => unpack_xop(&media, body)?,
        other => {
            return Err(format!(
                "Content-Type {other} is neither SOAP 1.1's text/xml nor multipart/related"
            ));
        }
    };
    let xml = String::from_utf8(xml).map_err(|e| format!("the envelope is not UTF-8: {e}"))?;
    let envelope = parse_xml(&xml)?;
    let mut payload = body_payload(envelope)?;
    resolve_includes(&mut payload, &mut parts)?;
    if let Some(unused) = parts.iter().find(|p| !p.used) {
        return Err(format!(
            "MIME part <{}> is referenced by no xop:Include",
            unused.id
        ));
    }
    Ok(payload)
}

fn body_payload(envelope: Element) -> Result<Element, String> {
    match envelope.ns.as_deref() {
        Some(SOAP11) if envelope.name == "Envelope" => {}
        Some(SOAP12) => return Err("a SOAP 1.2 envelope; SDICoop is SOAP 1.1".to_owned()),
        _ => {
            return Err(format!(
                "the root is {}, not soap:Envelope",
                envelope.display()
            ));
        }
    }
    let mut children = only_elements(envelope)?.into_iter();
    let mut next = children.next();
    if let Some(header) = next.take_if(|e| e.ns.as_deref() == Some(SOAP11) && e.name == "Header") {
        for entry in only_elements(header)? {
            let must = entry.attributes.iter().any(|(ns, name, value)| {
                ns.as_deref() == Some(SOAP11) && name == "mustUnderstand" && value.trim() == "1"
            });
            if must {
                return Err(format!(
                    "header {} must be understood and is not",
                    entry.display()
                ));
            }
        }
        next = children.next();
    }
    let body = match next {
        Some(body) if body.ns.as_deref() == Some(SOAP11) && body.name == "Body" => body,
        Some(other) => return Err(format!("expected soap:Body, found {}", other.display())),
        None => return Err("the envelope has no soap:Body".to_owned()),
    };
    if let Some(extra) = children.next() {
        return Err(format!("{} after soap:Body", extra.display()));
    }
    let mut payload = only_elements(body)?.into_iter();
    let first = payload.next().ok_or("soap:Body is empty")?;
    if let Some(extra) = payload.next() {
        return Err(format!(
            "soap:Body holds {} besides {}",
            extra.display(),
            first.display()
        ));
    }
    if first.ns.as_deref() == Some(SOAP11) && first.name == "Fault" {
        let text_of = |name: &str| {
            first
                .children
                .iter()
                .find_map(|n| match n {
                    Node::Element(e) if e.name == name => Some(e.text()),
                    _ => None,
                })
                .unwrap_or_default()
        };
        return Err(format!(
            "SOAP Fault {}: {}",
            text_of("faultcode"),
            text_of("faultstring")
        ));
    }
    Ok(first)
}

/// The element children, refusing any text between them other than whitespace.
fn only_elements(element: Element) -> Result<Vec<Element>, String> {
    let name = element.display();
    let mut out = Vec::new();
    for node in element.children {
        match node {
            Node::Element(e) => out.push(e),
            Node::Text(text) if is_blank(&text) => {}
            Node::Text(text) => return Err(format!("{name} has text {text:?}")),
        }
    }
    Ok(out)
}

/// XOP 1.0 §3.2: an `xop:Include` is the only child of the element it stands in for.
fn resolve_includes(element: &mut Element, parts: &mut [MimePart]) -> Result<(), String> {
    let is_include = |node: &Node| matches!(node, Node::Element(e) if e.ns.as_deref() == Some(XOP));
    if element.children.iter().any(is_include) {
        let [Node::Element(include)] = element.children.as_slice() else {
            return Err(format!(
                "the xop:Include in {} is not its only child",
                element.display()
            ));
        };
        if include.name != "Include" || !include.children.is_empty() {
            return Err(format!("{} is not an empty xop:Include", include.display()));
        }
        let href = include
            .attributes
            .iter()
            .find(|(ns, name, _)| ns.is_none() && name == "href")
            .map(|(_, _, value)| value.as_str())
            .ok_or("xop:Include without href")?;
        let id = href
            .strip_prefix("cid:")
            .ok_or_else(|| format!("xop:Include href {href:?} is not a cid: URL"))
            .and_then(percent_decode)?;
        let part = parts
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or_else(|| format!("xop:Include points at <{id}>, which no MIME part has"))?;
        if part.used {
            return Err(format!("MIME part <{id}> is included twice"));
        }
        part.used = true;
        element.included = Some(part.bytes.clone());
        element.children.clear();
        return Ok(());
    }
    for node in &mut element.children {
        if let Node::Element(child) = node {
            resolve_includes(child, parts)?;
        }
    }
    Ok(())
}

/// RFC 2392: the Content-ID in a `cid:` URL is percent-encoded.
fn percent_decode(text: &str) -> Result<String, String> {
    let mut bytes = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' {
            let hex = tail
                .get(..2)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent escape in cid:{text}"))?;
            bytes.push(hex);
            rest = &tail[2..];
        } else {
            bytes.push(b);
            rest = tail;
        }
    }
    String::from_utf8(bytes).map_err(|_| format!("cid:{text} is not UTF-8"))
}

// ---------------------------------------------------------------------------------------------
// MIME multipart/related (RFC 2046, RFC 2387)
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct MediaType {
    /// `type/subtype`, lowercased (RFC 2045 compares it case-insensitively).
    essence: String,
    /// Names lowercased, values as written (quotes removed).
    params: Vec<(String, String)>,
}

impl MediaType {
    /// RFC 2045 §5.1 grammar: `type/subtype *(";" attribute "=" (token / quoted-string))`.
    fn parse(value: &str) -> Result<MediaType, String> {
        let bad = |why: &str| format!("Content-Type {value:?}: {why}");
        let (essence, mut rest) = value.split_once(';').unwrap_or((value, ""));
        let essence = essence.trim().to_ascii_lowercase();
        match essence.split_once('/') {
            Some((t, s)) if is_token(t) && is_token(s) => {}
            _ => return Err(bad("no type/subtype")),
        }
        let mut params = Vec::new();
        loop {
            rest = rest.trim_start();
            if rest.is_empty() {
                break;
            }
            let (name, after) = rest
                .split_once('=')
                .ok_or_else(|| bad("parameter without ="))?;
            let name = name.trim();
            if !is_token(name) {
                return Err(bad(&format!("bad parameter name {name:?}")));
            }
            let (value, after) = if let Some(quoted) = after.strip_prefix('"') {
                let mut value = String::new();
                let mut chars = quoted.char_indices();
                let end = loop {
                    match chars.next() {
                        Some((_, '\\')) => {
                            let (_, c) = chars.next().ok_or_else(|| bad("dangling \\"))?;
                            value.push(c);
                        }
                        Some((i, '"')) => break i,
                        Some((_, c)) => value.push(c),
                        None => return Err(bad("unterminated quoted string")),
                    }
                };
                (value, &quoted[end + 1..])
            } else {
                let end = after.find(';').unwrap_or(after.len());
                let token = after[..end].trim();
                if !is_token(token) {
                    return Err(bad(&format!("bad value {token:?} for {name}")));
                }
                (token.to_owned(), &after[end..])
            };
            let name = name.to_ascii_lowercase();
            if params.iter().any(|(n, _)| *n == name) {
                return Err(bad(&format!("{name} given twice")));
            }
            params.push((name, value));
            let after = after.trim_start();
            rest = match after.strip_prefix(';') {
                Some(next) => next,
                None if after.is_empty() => after,
                None => return Err(bad("parameters not separated by ;")),
            };
        }
        Ok(MediaType { essence, params })
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b))
}

fn check_utf8_charset(media: &MediaType) -> Result<(), String> {
    match media.param("charset") {
        Some(charset) if !charset.eq_ignore_ascii_case("utf-8") => Err(format!(
            "{} in charset {charset}; SDICoop messages are UTF-8",
            media.essence
        )),
        _ => Ok(()),
    }
}

#[derive(Debug)]
struct MimePart {
    id: String,
    bytes: Vec<u8>,
    used: bool,
}

/// Splits an XOP package into the root part's XML and the other parts, by Content-ID.
fn unpack_xop(media: &MediaType, body: &[u8]) -> Result<(Vec<u8>, Vec<MimePart>), String> {
    match media.param("type") {
        Some(t) if t.eq_ignore_ascii_case("application/xop+xml") => {}
        other => {
            return Err(format!(
                "multipart/related type {other:?}; MTOM needs application/xop+xml"
            ));
        }
    }
    if let Some(info) = media.param("start-info").filter(|info| *info != "text/xml") {
        return Err(format!("start-info {info:?}; SOAP 1.1 is text/xml"));
    }
    let boundary = media
        .param("boundary")
        .ok_or("multipart/related without boundary")?;
    if boundary.is_empty() || boundary.len() > 70 || boundary.ends_with(' ') {
        return Err(format!("MIME boundary {boundary:?} breaks RFC 2046"));
    }
    let mut parts = Vec::new();
    for (n, raw) in split_parts(body, boundary)?.into_iter().enumerate() {
        parts.push(read_part(raw, n + 1)?);
    }
    let root_at = match media.param("start") {
        Some(start) => {
            let start =
                unbracket(start).ok_or_else(|| format!("start {start:?} is not <content-id>"))?;
            parts
                .iter()
                .position(|p| p.id.as_deref() == Some(start))
                .ok_or_else(|| format!("no MIME part has the start Content-ID <{start}>"))?
        }
        None => 0,
    };
    let root = parts.remove(root_at);
    let root_id = root.id.clone().unwrap_or_default();
    let root_type = root
        .content_type
        .as_ref()
        .ok_or("the root part has no Content-Type")?;
    if root_type.essence != "application/xop+xml" {
        return Err(format!(
            "the root part is {}, not application/xop+xml",
            root_type.essence
        ));
    }
    if root_type.param("type") != Some("text/xml") {
        return Err(format!(
            "the root part's type parameter is {:?}; SOAP 1.1 is text/xml",
            root_type.param("type")
        ));
    }
    check_utf8_charset(root_type)?;
    let mut attachments: Vec<MimePart> = Vec::new();
    for part in parts {
        let id = part
            .id
            .ok_or("a MIME part other than the root has no Content-ID")?;
        if part.content_type.is_none() {
            return Err(format!("MIME part <{id}> has no Content-Type"));
        }
        if id == root_id || attachments.iter().any(|a| a.id == id) {
            return Err(format!("Content-ID <{id}> is used twice"));
        }
        attachments.push(MimePart {
            id,
            bytes: part.content,
            used: false,
        });
    }
    Ok((root.content, attachments))
}

/// RFC 2046 §5.1.1: an optional preamble, `--boundary` lines between the parts (a delimiter
/// is CRLF + `--boundary`, so the CRLF before it belongs to it, not to the part), and a
/// closing `--boundary--`. A package cut short anywhere has no closing delimiter.
fn split_parts<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<&'a [u8]>, String> {
    let dash = format!("--{boundary}");
    let delimiter = format!("\r\n{dash}");
    let mut at = if body.starts_with(dash.as_bytes()) {
        dash.len()
    } else {
        find(body, delimiter.as_bytes(), 0)
            .map(|i| i + delimiter.len())
            .ok_or("no opening MIME boundary")?
    };
    if body[at..].starts_with(b"--") {
        return Err("the MIME package has no parts".to_owned());
    }
    at = end_of_boundary_line(body, at)?;
    let mut parts = Vec::new();
    loop {
        let end = find(body, delimiter.as_bytes(), at).ok_or_else(|| {
            format!(
                "MIME part {} runs to the end without a boundary (truncated package?)",
                parts.len() + 1
            )
        })?;
        parts.push(&body[at..end]);
        at = end + delimiter.len();
        if body[at..].starts_with(b"--") {
            let rest = &body[at + 2..];
            let rest = &rest[rest
                .iter()
                .take_while(|b| **b == b' ' || **b == b'\t')
                .count()..];
            if !rest.is_empty() && !rest.starts_with(b"\r\n") {
                return Err("junk after the closing MIME boundary".to_owned());
            }
            return Ok(parts);
        }
        at = end_of_boundary_line(body, at)?;
    }
}

/// After a boundary: transport padding (spaces, tabs), then CRLF.
fn end_of_boundary_line(body: &[u8], at: usize) -> Result<usize, String> {
    let padding = body[at..]
        .iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .count();
    let at = at + padding;
    if body[at..].starts_with(b"\r\n") {
        Ok(at + 2)
    } else {
        Err("a MIME boundary line does not end with CRLF (truncated package?)".to_owned())
    }
}

#[derive(Debug)]
struct RawPart {
    id: Option<String>,
    content_type: Option<MediaType>,
    content: Vec<u8>,
}

/// A part's header block (CRLF lines, folded lines joined), then its content decoded per its
/// Content-Transfer-Encoding.
fn read_part(raw: &[u8], n: usize) -> Result<RawPart, String> {
    let (head, content) = if let Some(content) = raw.strip_prefix(b"\r\n") {
        (&raw[..0], content)
    } else {
        let end = find(raw, b"\r\n\r\n", 0)
            .ok_or_else(|| format!("MIME part {n}: headers not ended by an empty line"))?;
        (&raw[..end], &raw[end + 4..])
    };
    let head = std::str::from_utf8(head)
        .ok()
        .filter(|h| h.is_ascii())
        .ok_or_else(|| format!("MIME part {n}: headers are not ASCII"))?;
    let mut lines: Vec<String> = Vec::new();
    for line in head.split("\r\n").filter(|_| !head.is_empty()) {
        if line.contains(['\r', '\n']) {
            return Err(format!("MIME part {n}: bare CR or LF in its headers"));
        }
        if line.starts_with([' ', '\t']) {
            let last = lines
                .last_mut()
                .ok_or_else(|| format!("MIME part {n}: headers start with a continuation"))?;
            last.push_str(line);
        } else {
            lines.push(line.to_owned());
        }
    }
    let mut id = None;
    let mut content_type = None;
    let mut encoding = None;
    for line in &lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("MIME part {n}: header line {line:?} has no colon"))?;
        let value = value.trim();
        let once = |given: bool| {
            if given {
                Err(format!("MIME part {n}: {name} given twice"))
            } else {
                Ok(())
            }
        };
        match name.to_ascii_lowercase().as_str() {
            "content-id" => {
                let inner = unbracket(value)
                    .ok_or_else(|| format!("MIME part {n}: Content-ID {value:?} is not <id>"))?;
                once(id.replace(inner.to_owned()).is_some())?;
            }
            "content-type" => {
                once(content_type.replace(MediaType::parse(value)?).is_some())?;
            }
            "content-transfer-encoding" => {
                once(encoding.replace(value.to_ascii_lowercase()).is_some())?;
            }
            _ => {}
        }
    }
    let content = match encoding.as_deref() {
        None | Some("binary" | "8bit") => content.to_vec(),
        Some("7bit") if content.is_ascii() => content.to_vec(),
        Some("7bit") => return Err(format!("MIME part {n}: 7bit content with 8-bit bytes")),
        Some("base64") => {
            let compact: Vec<u8> = content
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            STANDARD
                .decode(compact)
                .map_err(|e| format!("MIME part {n}: bad base64: {e}"))?
        }
        Some(other) => {
            return Err(format!(
                "MIME part {n}: Content-Transfer-Encoding {other} is not one MTOM uses"
            ));
        }
    };
    Ok(RawPart {
        id,
        content_type,
        content,
    })
}

fn unbracket(text: &str) -> Option<&str> {
    text.strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .filter(|t| !t.is_empty())
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

// ---------------------------------------------------------------------------------------------
// XML
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Element {
    ns: Option<String>,
    name: String,
    /// (namespace, local name, value); namespace declarations are not kept here.
    attributes: Vec<(Option<String>, String, String)>,
    children: Vec<Node>,
    /// The bytes of the MIME part an `xop:Include` child pointed at, once resolved.
    included: Option<Vec<u8>>,
}

#[derive(Debug)]
enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    fn display(&self) -> String {
        match &self.ns {
            Some(ns) => format!("<{{{ns}}}{}>", self.name),
            None => format!("<{}>", self.name),
        }
    }

    fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect::<String>()
            .trim()
            .to_owned()
    }
}

fn is_blank(text: &str) -> bool {
    text.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

fn namespace(resolved: ResolveResult<'_>) -> Result<Option<String>, String> {
    match resolved {
        ResolveResult::Bound(ns) => Ok(Some(ns.into_inner().to_owned())),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(prefix) => Err(format!("prefix {prefix:?} is not declared")),
    }
}

/// A namespace-resolved tree of one well-formed document. DTDs are refused outright (nothing
/// in SOAP needs one, and they are how entity bombs get in), so only XML's five predefined
/// entities and character references can appear.
fn parse_xml(xml: &str) -> Result<Element, String> {
    let mut reader = NsReader::from_str(xml);
    let mut open: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let position = reader.buffer_position();
        let malformed =
            |e: &dyn std::fmt::Display| format!("malformed XML near byte {position}: {e}");
        let (resolved, event) = reader.read_resolved_event().map_err(|e| malformed(&e))?;
        let ns = namespace(resolved)?;
        let mut text = None;
        match event {
            Event::Decl(decl) => {
                let version = decl.version().map_err(|e| malformed(&e))?;
                if version != "1.0" {
                    return Err(format!("XML version {version}; SOAP 1.1 is XML 1.0"));
                }
                if let Some(encoding) = decl.encoding() {
                    let encoding = encoding.map_err(|e| malformed(&e))?;
                    if !encoding.eq_ignore_ascii_case("utf-8") {
                        return Err(format!("declared encoding {encoding}, expected UTF-8"));
                    }
                }
            }
            Event::DocType(_) => return Err("a DOCTYPE: DTDs are refused".to_owned()),
            Event::PI(_) => return Err("a processing instruction".to_owned()),
            Event::Comment(_) => {}
            Event::Start(ref start) | Event::Empty(ref start) => {
                if root.is_some() {
                    return Err("a second root element".to_owned());
                }
                if open.len() >= MAX_DEPTH {
                    return Err(format!("elements nested deeper than {MAX_DEPTH}"));
                }
                let mut attributes = Vec::new();
                for attribute in start.attributes() {
                    let attribute = attribute.map_err(|e| malformed(&e))?;
                    if attribute.key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let (attr_ns, local) = reader.resolver().resolve_attribute(attribute.key);
                    let attr_ns = namespace(attr_ns)?;
                    let value = attribute
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map_err(|e| malformed(&e))?;
                    attributes.push((attr_ns, local.into_inner().to_owned(), value.into_owned()));
                }
                let element = Element {
                    ns,
                    name: start.local_name().into_inner().to_owned(),
                    attributes,
                    children: Vec::new(),
                    included: None,
                };
                if matches!(event, Event::Empty(_)) {
                    close(element, &mut open, &mut root);
                } else {
                    open.push(element);
                }
            }
            Event::End(_) => {
                let element = open.pop().ok_or("an end tag without a start")?;
                close(element, &mut open, &mut root);
            }
            Event::Text(t) => text = Some(t.xml10_content().into_owned()),
            Event::CData(c) => text = Some(c.xml10_content().into_owned()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(|e| malformed(&e))? {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&reference)
                        .ok_or_else(|| {
                            format!("entity &{}; is not one of XML's five", &*reference)
                        })?
                        .to_owned(),
                };
                text = Some(resolved);
            }
            Event::Eof => break,
        }
        if let Some(text) = text {
            match open.last_mut() {
                Some(parent) => match parent.children.last_mut() {
                    Some(Node::Text(previous)) => previous.push_str(&text),
                    _ => parent.children.push(Node::Text(text)),
                },
                None if is_blank(&text) => {}
                None => return Err(format!("text {text:?} outside the root element")),
            }
        }
    }
    if !open.is_empty() {
        return Err("the document ends inside an element".to_owned());
    }
    root.ok_or_else(|| "no root element".to_owned())
}

fn close(element: Element, open: &mut [Element], root: &mut Option<Element>) {
    match open.last_mut() {
        Some(parent) => parent.children.push(Node::Element(element)),
        None => *root = Some(element),
    }
}

/// Writes `element` back out, each namespace under a fresh prefix declared where it is used.
/// No default namespace is ever declared, so unqualified names stay unqualified.
fn serialize(element: &Element, xml: &mut String, prefixes: &mut usize) {
    let mut declarations = String::new();
    let mut qualify = |ns: &Option<String>, name: &str, declarations: &mut String| match ns {
        Some(ns) => {
            *prefixes += 1;
            write!(
                declarations,
                r#" xmlns:n{prefixes}="{}""#,
                quick_xml::escape::escape(ns.as_str())
            )
            .unwrap();
            format!("n{prefixes}:{name}")
        }
        None => name.to_owned(),
    };
    let tag = qualify(&element.ns, &element.name, &mut declarations);
    let mut attributes = String::new();
    for (ns, name, value) in &element.attributes {
        let name = qualify(ns, name, &mut declarations);
        write!(
            attributes,
            r#" {name}="{}""#,
            quick_xml::escape::escape(value.as_str())
        )
        .unwrap();
    }
    write!(xml, "<{tag}{declarations}{attributes}>").unwrap();
    if let Some(bytes) = &element.included {
        xml.push_str(&STANDARD.encode(bytes));
    }
    for node in &element.children {
        match node {
            Node::Text(text) => xml.push_str(&quick_xml::escape::escape(text.as_str())),
            Node::Element(child) => serialize(child, xml, prefixes),
        }
    }
    write!(xml, "</{tag}>").unwrap();
}

// ---------------------------------------------------------------------------------------------
// The peer's own tests
// ---------------------------------------------------------------------------------------------

/// Bytes that are not UTF-8 and look like MIME framing, so a lax packer would break on them.
const AWKWARD: &[u8] = b"\xff\xfe\r\n--sdicoop-peer-0\r\n\r\n<not xml>\x00 & --";

fn envelope(payload: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><S:Envelope xmlns:S="{SOAP11}"><S:Body>{payload}</S:Body></S:Envelope>"#
    )
    .into_bytes()
}

fn risposta_ricevi_file_with(children: &str) -> Vec<u8> {
    envelope(&format!(
        r#"<ns2:rispostaSdIRiceviFile xmlns:ns2="{TRASMISSIONE}">{children}</ns2:rispostaSdIRiceviFile>"#
    ))
}

const PLAIN: Option<&str> = Some("text/xml; charset=utf-8");

#[test]
fn an_mtom_ricevi_file_carries_the_file_as_a_part_and_reads_back() {
    let call = ricevi_file("IT01234567897_00001.xml", AWKWARD, true);
    assert_eq!(
        call.soap_action_header(),
        "\"http://www.fatturapa.it/SdIRiceviFile/RiceviFile\""
    );
    let media = MediaType::parse(&call.content_type).unwrap();
    assert_eq!(media.essence, "multipart/related");
    assert_eq!(media.param("type"), Some("application/xop+xml"));
    // The file travels as raw bytes in its own part, not as base64 in the envelope.
    assert!(find(&call.body, AWKWARD, 0).is_some());
    assert!(find(&call.body, STANDARD.encode(AWKWARD).as_bytes(), 0).is_none());
    assert!(find(&call.body, b"<xop:Include", 0).is_some());

    for action in [Some(call.soap_action_header()), None] {
        let request =
            read_request(Some(&call.content_type), action.as_deref(), &call.body).unwrap();
        assert_eq!(
            (request.operation.service, request.operation.name),
            ("SdIRiceviFile", "RiceviFile")
        );
        assert_eq!(request.text("NomeFile"), Some("IT01234567897_00001.xml"));
        assert_eq!(request.bytes("File"), Some(AWKWARD));
        assert_eq!(request.identificativo_sdi(), None);
    }
}

#[test]
fn notifica_esito_reads_back_plain_and_mtom_and_needs_its_soap_action() {
    for mtom in [false, true] {
        let call = notifica_esito(530_097_703, "IT01234567897_00001_EC_001.xml", AWKWARD, mtom);
        assert_eq!(call.content_type.starts_with("multipart/related"), mtom);
        let request = read_request(
            Some(&call.content_type),
            Some(&call.soap_action_header()),
            &call.body,
        )
        .unwrap();
        assert_eq!(request.operation.service, "SdIRiceviNotifica");
        assert_eq!(request.identificativo_sdi(), Some(530_097_703));
        assert_eq!(
            request.text("NomeFile"),
            Some("IT01234567897_00001_EC_001.xml")
        );
        assert_eq!(request.bytes("File"), Some(AWKWARD));
        // fileSdI is also RicezioneFatture.NotificaDecorrenzaTermini's input.
        let ambiguous = read_request(Some(&call.content_type), None, &call.body).unwrap_err();
        assert!(ambiguous.contains("SOAPAction"), "{ambiguous}");
        let as_dt = read_request(
            Some(&call.content_type),
            Some("\"http://www.fatturapa.it/RicezioneFatture/NotificaDecorrenzaTermini\""),
            &call.body,
        )
        .unwrap();
        assert_eq!(as_dt.operation.service, "RicezioneFatture");
        let unquoted = read_request(
            Some(&call.content_type),
            Some(NOTIFICA_ESITO.soap_action),
            &call.body,
        );
        assert!(unquoted.unwrap_err().contains("quoted"));
        let wrong = read_request(
            Some(&call.content_type),
            Some("\"http://www.fatturapa.it/SdIRiceviFile/RiceviFile\""),
            &call.body,
        );
        assert!(wrong.unwrap_err().contains("fileSdIAccoglienza"));
    }
}

#[test]
fn risposta_ricevi_fatture_reads_back_as_er01() {
    for mtom in [false, true] {
        let reply = risposta_ricevi_fatture(mtom);
        assert_eq!(
            read_ricevi_fatture_answer(Some(&reply.content_type), &reply.body).unwrap(),
            "ER01"
        );
    }
}

#[test]
fn what_the_peer_writes_is_valid_against_the_wsdl_types() {
    let trasmissione = "fatturapa/sdicoop/TrasmissioneTypes_v1.1.xsd";
    let ricezione = "fatturapa/sdicoop/RicezioneTypes_v1.0.xsd";
    for mtom in [false, true] {
        let framing = if mtom { "MTOM" } else { "plain" };
        let call = ricevi_file("IT01234567897_00001.xml", AWKWARD, mtom);
        let doc = payload_document(Some(&call.content_type), &call.body).unwrap();
        crate::schemas::assert_schema_valid(
            &doc,
            trasmissione,
            &format!("{framing} RiceviFile request"),
        );
        let call = notifica_esito(42, "IT01234567897_00001_EC_001.xml", AWKWARD, mtom);
        let doc = payload_document(Some(&call.content_type), &call.body).unwrap();
        crate::schemas::assert_schema_valid(
            &doc,
            ricezione,
            &format!("{framing} NotificaEsito request"),
        );
        let reply = risposta_ricevi_fatture(mtom);
        let doc = payload_document(Some(&reply.content_type), &reply.body).unwrap();
        crate::schemas::assert_schema_valid(
            &doc,
            ricezione,
            &format!("{framing} rispostaRiceviFatture"),
        );
    }
}

#[test]
fn sdi_answers_are_read_as_strictly_as_their_xsd() {
    let good = "<IdentificativoSdI>530097703</IdentificativoSdI><DataOraRicezione>2026-11-02T09:00:00.000+01:00</DataOraRicezione>";
    let answer = read_ricevi_file_answer(PLAIN, &risposta_ricevi_file_with(good)).unwrap();
    assert_eq!(
        answer,
        RiceviFileAnswer {
            identificativo_sdi: 530_097_703,
            data_ora_ricezione: "2026-11-02T09:00:00.000+01:00".to_owned(),
            errore: None,
        }
    );
    let with_error = format!("{good}<Errore>EI02</Errore>");
    let answer = read_ricevi_file_answer(PLAIN, &risposta_ricevi_file_with(&with_error)).unwrap();
    assert_eq!(answer.errore.as_deref(), Some("EI02"));

    let refused = [
        (
            "<IdentificativoSdI>1</IdentificativoSdI><Errore>EI01</Errore>",
            "DataOraRicezione",
        ),
        (
            "<DataOraRicezione>2026-11-02T09:00:00Z</DataOraRicezione>",
            "IdentificativoSdI",
        ),
        (&format!("{good}<Errore>EI09</Errore>"), "EI09"),
        (
            &format!("{good}<Errore>EI01</Errore><Errore>EI02</Errore>"),
            "unexpected",
        ),
        (&good.replace("530097703", "1234567890123"), "12 digits"),
        (&good.replace("530097703", "-5"), "integer"),
        (&good.replace("T09:00:00.000", " 09:00"), "dateTime"),
        (&good.replace("2026-11-02", "2026-02-30"), "dateTime"),
        (
            &good
                .replace(
                    "<IdentificativoSdI>",
                    r#"<x:IdentificativoSdI xmlns:x="urn:x">"#,
                )
                .replace("</IdentificativoSdI>", "</x:IdentificativoSdI>"),
            "unqualified",
        ),
        (
            &good.replace("<IdentificativoSdI>", "<IdentificativoSdI id=\"1\">"),
            "attribute",
        ),
    ];
    for (children, named) in refused {
        let error =
            read_ricevi_file_answer(PLAIN, &risposta_ricevi_file_with(children)).unwrap_err();
        assert!(error.contains(named), "{children}: {error}");
    }

    let esito = |children: &str| {
        envelope(&format!(
            r#"<r:rispostaSdINotificaEsito xmlns:r="{RICEZIONE}">{children}</r:rispostaSdINotificaEsito>"#
        ))
    };
    let scarto = format!(
        "<ScartoEsito><NomeFile>IT01234567897_00001_SE_002.xml</NomeFile><File>{}</File></ScartoEsito>",
        STANDARD.encode("<SE/>")
    );
    let answer =
        read_notifica_esito_answer(PLAIN, &esito(&format!("<Esito>ES00</Esito>{scarto}"))).unwrap();
    assert_eq!(
        answer.scarto,
        Some((
            "IT01234567897_00001_SE_002.xml".to_owned(),
            b"<SE/>".to_vec()
        ))
    );
    let error = read_notifica_esito_answer(PLAIN, &esito(&format!("<Esito>ES01</Esito>{scarto}")))
        .unwrap_err();
    assert!(error.contains("ES00"), "{error}");
    let error = read_notifica_esito_answer(PLAIN, &esito("<Esito>ES03</Esito>")).unwrap_err();
    assert!(error.contains("ES03"), "{error}");
    let error = read_notifica_esito_answer(
        PLAIN,
        &esito("<Esito>ES00</Esito><ScartoEsito><NomeFile>IT01234567897_00001_SE_002.xml</NomeFile></ScartoEsito>"),
    )
    .unwrap_err();
    assert!(error.contains("lacks <File>"), "{error}");

    // The wrong answer altogether, and a Fault.
    let error = read_notifica_esito_answer(PLAIN, &risposta_ricevi_file_with(good)).unwrap_err();
    assert!(error.contains("rispostaSdINotificaEsito"), "{error}");
    let fault = envelope(
        "<S:Fault><faultcode>S:Client</faultcode><faultstring>no such file</faultstring></S:Fault>",
    );
    let error = read_ricevi_file_answer(PLAIN, &fault).unwrap_err();
    assert!(
        error.contains("S:Client") && error.contains("no such file"),
        "{error}"
    );
}

#[test]
fn envelopes_and_packages_that_break_the_rules_are_refused() {
    let good = "<IdentificativoSdI>1</IdentificativoSdI><DataOraRicezione>2026-11-02T09:00:00Z</DataOraRicezione>";
    let body = String::from_utf8(risposta_ricevi_file_with(good)).unwrap();
    let xml_cases = [
        (
            body.replacen("?>", "?><!DOCTYPE S:Envelope [<!ENTITY x \"y\">]>", 1),
            "DOCTYPE",
        ),
        (body.replace(">1<", ">&x;<"), "&x;"),
        (body.replace(SOAP11, SOAP12), "SOAP 1.2"),
        (body.replace("<S:Body>", "<S:Body>text"), "text"),
        (body.replace("</S:Body>", "<S:Extra/></S:Body>"), "besides"),
        (
            body.replace(
                "<S:Body>",
                r#"<S:Header><h:x xmlns:h="urn:h" S:mustUnderstand="1"/></S:Header><S:Body>"#,
            ),
            "understood",
        ),
        (
            body.replace("encoding=\"utf-8\"", "encoding=\"ISO-8859-1\""),
            "encoding",
        ),
    ];
    for (xml, named) in &xml_cases {
        let error = read_ricevi_file_answer(PLAIN, xml.as_bytes()).unwrap_err();
        assert!(error.contains(named), "{xml}: {error}");
    }
    // A header nobody must understand is fine, as are character references.
    let lenient = body
        .replace(
            "<S:Body>",
            r#"<S:Header><h:x xmlns:h="urn:h"/></S:Header><S:Body>"#,
        )
        .replace(">1<", ">&#49;<");
    assert_eq!(
        read_ricevi_file_answer(PLAIN, lenient.as_bytes())
            .unwrap()
            .identificativo_sdi,
        1
    );
    let error = read_ricevi_file_answer(Some("application/soap+xml"), body.as_bytes()).unwrap_err();
    assert!(error.contains("application/soap+xml"), "{error}");
    let error = read_ricevi_file_answer(None, body.as_bytes()).unwrap_err();
    assert!(error.contains("Content-Type"), "{error}");

    // Cut anywhere before its last CRLF (which RFC 2046 leaves optional), an MTOM package has
    // no closing delimiter.
    let call = ricevi_file("IT01234567897_00001.xml", AWKWARD, true);
    let whole = call.body.len();
    assert!(read_request(Some(&call.content_type), None, &call.body[..whole - 2]).is_ok());
    for cut in [10, whole / 2, whole - 8, whole - 3] {
        let error = read_request(Some(&call.content_type), None, &call.body[..cut]).unwrap_err();
        assert!(
            error.contains("MIME") || error.contains("CRLF"),
            "cut at {cut}: {error}"
        );
    }
    let package = |ct: &str, body: &str| {
        read_request(Some(ct), None, body.as_bytes()).map(|r| r.operation.name)
    };
    let root = format!(
        r#"<S:Envelope xmlns:S="{SOAP11}"><S:Body><t:fileSdIAccoglienza xmlns:t="{TRASMISSIONE}"><NomeFile>IT01234567897_00001.xml</NomeFile><File><inc:Include xmlns:inc="{XOP}" href="cid:a%40b"/></File></t:fileSdIAccoglienza></S:Body></S:Envelope>"#
    );
    let ct = r#"multipart/related;type="application/xop+xml";boundary=BB;start="<r>""#;
    let root_part = format!(
        "Content-Type: application/xop+xml; type=\"text/xml\"\r\nContent-ID: <r>\r\n\r\n{root}"
    );
    // base64 parts, a preamble and an epilogue are all RFC 2046.
    let ok = format!(
        "preamble\r\n--BB\r\n{root_part}\r\n--BB \r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: BASE64\r\nContent-ID: <a@b>\r\n\r\naGVs\r\nbG8=\r\n--BB--\r\nepilogue"
    );
    assert_eq!(package(ct, &ok), Ok("RiceviFile"));
    let extra = ok.replace(
        "--BB--",
        "--BB\r\nContent-Type: text/plain\r\nContent-ID: <c@d>\r\n\r\nx\r\n--BB--",
    );
    assert!(package(ct, &extra).unwrap_err().contains("no xop:Include"));
    let missing = ok.replace("Content-ID: <a@b>", "Content-ID: <z@b>");
    assert!(
        package(ct, &missing)
            .unwrap_err()
            .contains("no MIME part has")
    );
    let twice = ok.replace("Content-ID: <a@b>", "Content-ID: <r>");
    assert!(package(ct, &twice).unwrap_err().contains("twice"));
    let lf_only = ok.replace("\r\n", "\n");
    assert!(package(ct, &lf_only).is_err());
    let soap12_root = ok.replace("type=\"text/xml\"", "type=\"application/soap+xml\"");
    assert!(package(ct, &soap12_root).unwrap_err().contains("text/xml"));
    let not_xop = ct.replace("application/xop+xml", "text/xml");
    assert!(package(&not_xop, &ok).unwrap_err().contains("xop"));
    let quoted_printable = ok.replace("BASE64", "quoted-printable");
    assert!(
        package(ct, &quoted_printable)
            .unwrap_err()
            .contains("quoted-printable")
    );
    let include_and_text = ok.replace("<inc:Include", "x<inc:Include");
    assert!(
        package(ct, &include_and_text)
            .unwrap_err()
            .contains("only child")
    );
}
