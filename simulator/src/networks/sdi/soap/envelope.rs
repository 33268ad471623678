//! Reading a SOAP 1.1 envelope, plain or MTOM, down to the one element of its Body.
//!
//! The bytes go through the crate's one XML reader ([`crate::xml`]), which refuses hostile XML
//! (no DTD, no entity other than the five predefined ones and character references, bounded
//! depth and element count) the same way for SOAP as for every other parser; its refusals
//! become the codec's own [`SoapError`]s here. What is left is SOAP: the envelope, an optional
//! Header whose blocks are ignored unless they must be understood, and a Body of exactly one
//! element, whose `xop:Include`s are replaced by the MIME parts they point at. Reading is
//! strict where the schema is and lenient where real stacks differ (any prefixes, SOAP headers
//! without `mustUnderstand`, inline base64 inside an MTOM package, LF or CRLF).

use super::error::SoapError;
use super::{SOAP_ENVELOPE_NS, SOAP12_ENVELOPE_NS, XOP_NS};
use crate::networks::sdi::mtom::{self, Package};
use crate::xml::{self, Element, Limits, XmlError};

/// Upper bound on any message this codec reads. An SDI file is at most 5 MB (check 00003) and
/// a ZIP or AT a few times that; base64 inflates by 4/3. The HTTP layer should cap earlier.
pub(crate) const MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;

/// Deepest element nesting accepted in an envelope (real messages use 5), and most elements
/// (real messages have under 20).
const LIMITS: Limits = Limits {
    max_depth: 32,
    max_elements: 2_000,
};

/// An element of the body payload with its xop:Include already resolved.
#[derive(Debug, Default)]
pub(super) struct Node {
    /// Namespace URI; `None` when the element is in no namespace.
    pub(super) ns: Option<String>,
    pub(super) name: String,
    /// The element's own text, untrimmed.
    pub(super) text: String,
    /// The bytes of the MIME part its `xop:Include` pointed at.
    pub(super) attachment: Option<Vec<u8>>,
    pub(super) children: Vec<Node>,
}

impl Node {
    pub(super) fn display_name(&self) -> String {
        match &self.ns {
            Some(ns) => format!("{{{ns}}}{}", self.name),
            None => self.name.clone(),
        }
    }
}

enum Framing {
    Plain,
    Mtom(mtom::MediaType),
}

fn framing(content_type: Option<&str>) -> Result<Framing, SoapError> {
    let Some(ct) = content_type.filter(|c| !c.trim().is_empty()) else {
        return Ok(Framing::Plain);
    };
    let media_type = mtom::parse_media_type(ct)
        .map_err(|_| SoapError::UnsupportedContentType(ct.to_string()))?;
    match media_type.essence.as_str() {
        "text/xml" | "application/xml" => Ok(Framing::Plain),
        "multipart/related" => {
            if let Some(kind) = media_type.param("type")
                && !kind.eq_ignore_ascii_case("application/xop+xml")
            {
                return Err(SoapError::UnsupportedContentType(format!(
                    "{ct} (multipart/related must have type=\"application/xop+xml\")"
                )));
            }
            Ok(Framing::Mtom(media_type))
        }
        "application/soap+xml" => Err(SoapError::UnsupportedContentType(format!(
            "{ct} (SOAP 1.2; SDICoop uses SOAP 1.1 with text/xml)"
        ))),
        _ => Err(SoapError::UnsupportedContentType(ct.to_string())),
    }
}

/// Reads the envelope and returns the first (only) child of `soap:Body`, `None` if the Body
/// is empty.
pub(super) fn read_envelope(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Option<Node>, SoapError> {
    if body.len() > MAX_MESSAGE_BYTES {
        return Err(SoapError::TooLarge {
            size: body.len(),
            limit: MAX_MESSAGE_BYTES,
        });
    }
    let package = match framing(content_type)? {
        Framing::Plain => None,
        Framing::Mtom(media_type) => Some(mtom::parse_related(&media_type, body)?),
    };
    let xml_bytes = match &package {
        Some(p) => p.root.body.as_slice(),
        None => body,
    };
    let document = xml::parse_with(xml_bytes, LIMITS).map_err(refusal)?;
    payload(document.root, package.as_ref())
}

/// The reader's refusal in the codec's terms: the hostile cases keep their own variants (a
/// fault names a DTD, the entity, the limit), a missing root is no SOAP envelope, and the
/// rest is malformed XML.
fn refusal(error: XmlError) -> SoapError {
    match error {
        XmlError::NotUtf8 { .. } => SoapError::NotUtf8,
        XmlError::Doctype { .. } => SoapError::DtdRefused,
        XmlError::Entity {
            entity: Some(entity),
            ..
        } => SoapError::EntityRefused(entity),
        XmlError::TooDeep { limit, .. } => SoapError::TooDeep(limit),
        XmlError::TooManyElements { limit } => SoapError::TooManyElements(limit),
        XmlError::NoRoot => SoapError::NotSoap11("no root element".to_string()),
        other @ (XmlError::Malformed(_) | XmlError::Entity { entity: None, .. }) => {
            SoapError::Xml(other.to_string())
        }
    }
}

/// The Body's element from `soap:Envelope`: an optional Header, then the Body, nothing else.
fn payload(envelope: Element, package: Option<&Package>) -> Result<Option<Node>, SoapError> {
    if !envelope.is(SOAP_ENVELOPE_NS, "Envelope") {
        if envelope.ns == SOAP12_ENVELOPE_NS {
            return Err(SoapError::NotSoap11(
                "SOAP 1.2 envelope; SDICoop uses SOAP 1.1".to_string(),
            ));
        }
        return Err(SoapError::NotSoap11(format!(
            "root element is {}, expected {{{SOAP_ENVELOPE_NS}}}Envelope",
            envelope.clark_name()
        )));
    }
    if envelope.has_text() {
        return Err(SoapError::Xml("text inside soap:Envelope".into()));
    }
    let mut seen_header = false;
    let mut body = None;
    for child in envelope.children {
        let in_soap = child.ns == SOAP_ENVELOPE_NS;
        if in_soap && child.name == "Header" && !seen_header && body.is_none() {
            seen_header = true;
            check_header(&child)?;
        } else if in_soap && child.name == "Body" && body.is_none() {
            body = Some(read_body(child, package)?);
        } else {
            return Err(SoapError::UnexpectedElement {
                element: child.clark_name(),
                parent: "soap:Envelope".to_string(),
                detail: String::new(),
            });
        }
    }
    body.ok_or_else(|| SoapError::NotSoap11("soap:Body is missing".to_string()))
}

/// Header blocks are ignored (SDICoop defines none; CXF/WCF may add WS-Addressing) unless
/// they demand to be understood, which SOAP 1.1 §4.2.3 says must then fault.
fn check_header(header: &Element) -> Result<(), SoapError> {
    if header.has_text() {
        return Err(SoapError::Xml("text inside soap:Header".into()));
    }
    for block in &header.children {
        let must_understand = block
            .attr_in(SOAP_ENVELOPE_NS, "mustUnderstand")
            .is_some_and(|value| matches!(value.trim(), "1" | "true"));
        if must_understand {
            return Err(SoapError::MustUnderstand(block.clark_name()));
        }
    }
    Ok(())
}

/// The Body's one element, `None` when the Body is empty.
fn read_body(body: Element, package: Option<&Package>) -> Result<Option<Node>, SoapError> {
    if body.has_text() {
        return Err(SoapError::Xml("text inside soap:Body".into()));
    }
    let mut children = body.children.into_iter();
    let Some(first) = children.next() else {
        return Ok(None);
    };
    let payload = node(first, package)?;
    if let Some(second) = children.next() {
        return Err(SoapError::UnexpectedElement {
            element: second.clark_name(),
            parent: "soap:Body".to_string(),
            detail: format!(
                "; the Body must hold one element and already holds {}",
                payload.display_name()
            ),
        });
    }
    Ok(Some(payload))
}

/// `element` as a payload node, its `xop:Include`s resolved, its children in order.
fn node(element: Element, package: Option<&Package>) -> Result<Node, SoapError> {
    let mut node = Node {
        ns: Some(element.ns).filter(|ns| !ns.is_empty()),
        name: element.name,
        text: element.raw_text,
        attachment: None,
        children: Vec::new(),
    };
    for child in element.children {
        if child.is(XOP_NS, "Include") {
            read_include(&mut node, &child, package)?;
        } else {
            let child = self::node(child, package)?;
            node.children.push(child);
        }
    }
    let has_text = !xml::is_whitespace(&node.text);
    if (has_text || node.attachment.is_some()) && !node.children.is_empty() {
        return Err(SoapError::InvalidValue {
            element: node.name.clone(),
            reason: "mixes text and child elements".to_string(),
        });
    }
    if has_text && node.attachment.is_some() {
        return Err(SoapError::InvalidValue {
            element: node.name.clone(),
            reason: "holds both text and an xop:Include".to_string(),
        });
    }
    Ok(node)
}

/// Puts the MIME part an `xop:Include` inside `node` points at into `node`.
fn read_include(
    node: &mut Node,
    include: &Element,
    package: Option<&Package>,
) -> Result<(), SoapError> {
    let element = node.name.clone();
    let href = include
        .attr_in("", "href")
        .map(str::to_owned)
        .ok_or_else(|| SoapError::InvalidValue {
            element: element.clone(),
            reason: "xop:Include without href".to_string(),
        })?;
    // xop:Include must be empty (XOP 1.0 §3.2).
    if include.has_text() || !include.children.is_empty() {
        return Err(SoapError::InvalidValue {
            element,
            reason: "xop:Include must be empty".to_string(),
        });
    }
    if node.attachment.is_some() {
        return Err(SoapError::InvalidValue {
            element,
            reason: "more than one xop:Include".to_string(),
        });
    }
    let package = package.ok_or_else(|| SoapError::InvalidValue {
        element: element.clone(),
        reason: "xop:Include in a message that is not MTOM (multipart/related)".to_string(),
    })?;
    let bytes = package
        .resolve_href(&href)
        .ok_or(SoapError::MissingAttachment { element, href })?;
    node.attachment = Some(bytes.to_vec());
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ENVELOPE: &str = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">";

    fn read(xml: &str) -> Result<Option<Node>, SoapError> {
        read_envelope(Some("text/xml"), xml.as_bytes())
    }

    fn refusal_of(xml: &str) -> String {
        read(xml).unwrap_err().to_string()
    }

    #[test]
    fn the_payload_keeps_its_children_in_order() {
        let node = read(&format!(
            "{ENVELOPE}<s:Header/>\n<s:Body>\n <p:w xmlns:p=\"urn:p\"><b>2</b><a> 1 </a><b/></p:w>\n</s:Body></s:Envelope>"
        ))
        .unwrap()
        .unwrap();
        assert_eq!(node.display_name(), "{urn:p}w");
        let children: Vec<(&str, &str)> = node
            .children
            .iter()
            .map(|c| (c.name.as_str(), c.text.as_str()))
            .collect();
        assert_eq!(children, [("b", "2"), ("a", " 1 "), ("b", "")]);
        assert!(
            read(&format!("{ENVELOPE}<s:Body/></s:Envelope>"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn soap_structure_is_checked() {
        assert!(
            refusal_of(&format!("{ENVELOPE}x<s:Body/></s:Envelope>"))
                .contains("text inside soap:Envelope")
        );
        assert!(
            refusal_of(&format!(
                "{ENVELOPE}<s:Header>x</s:Header><s:Body/></s:Envelope>"
            ))
            .contains("text inside soap:Header")
        );
        assert!(
            refusal_of(&format!("{ENVELOPE}<s:Body>x</s:Body></s:Envelope>"))
                .contains("text inside soap:Body")
        );
        assert!(
            refusal_of(&format!("{ENVELOPE}<s:Header/></s:Envelope>"))
                .contains("soap:Body is missing")
        );
        assert!(refusal_of(&format!("{ENVELOPE}<s:Body/><s:Header/></s:Envelope>")).contains("unexpected element {http://schemas.xmlsoap.org/soap/envelope/}Header in soap:Envelope"));
        assert!(
            refusal_of(&format!("{ENVELOPE}<s:Body/></s:Envelope><x/>"))
                .contains("content after the root element")
        );
        assert_eq!(
            read(" \n").unwrap_err(),
            SoapError::NotSoap11("no root element".into())
        );
        // A header block is skipped whatever it holds, unless it must be understood.
        assert!(read(&format!("{ENVELOPE}<s:Header><h xmlns=\"urn:h\" s:mustUnderstand=\"0\">any<x/></h></s:Header><s:Body/></s:Envelope>")).is_ok());
    }

    #[test]
    fn xop_includes_are_checked_before_their_package() {
        let include = |inner: &str| {
            format!("{ENVELOPE}<s:Body><w><File>{inner}</File></w></s:Body></s:Envelope>")
        };
        let xop = "xmlns:xop=\"http://www.w3.org/2004/08/xop/include\"";
        let reason = |xml: &str| match read(xml).unwrap_err() {
            SoapError::InvalidValue { element, reason } => {
                assert_eq!(element, "File");
                reason
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(
            reason(&include(&format!("<xop:Include {xop}/>"))),
            "xop:Include without href"
        );
        assert_eq!(
            reason(&include(&format!(
                "<xop:Include {xop} href=\"cid:a\">x</xop:Include>"
            ))),
            "xop:Include must be empty"
        );
        assert_eq!(
            reason(&include(&format!(
                "<xop:Include {xop} href=\"cid:a\"> </xop:Include>"
            ))),
            "xop:Include in a message that is not MTOM (multipart/related)"
        );
        assert_eq!(reason(&include("x<y/>")), "mixes text and child elements");
        // In an MTOM package, a second include in the same element.
        let call = super::super::ricevi_file_request("IT01234567890_1.xml", b"x", true);
        let text = String::from_utf8(call.body).unwrap();
        let start = text.find("<xop:Include").unwrap();
        let end = start + text[start..].find("/>").unwrap() + 2;
        let twice = text.replacen(&text[start..end], &text[start..end].repeat(2), 1);
        match read_envelope(Some(&call.content_type), twice.as_bytes()).unwrap_err() {
            SoapError::InvalidValue { element, reason } => {
                assert_eq!(
                    (element.as_str(), reason.as_str()),
                    ("File", "more than one xop:Include")
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_readers_refusals_become_soap_errors() {
        assert_eq!(read("<!DOCTYPE a><a/>").unwrap_err(), SoapError::DtdRefused);
        assert_eq!(
            read("<a>&e;</a>").unwrap_err(),
            SoapError::EntityRefused("e".into())
        );
        assert_eq!(
            read("<a b=\"&e;\"/>").unwrap_err(),
            SoapError::EntityRefused("e".into())
        );
        let many = format!(
            "{ENVELOPE}<s:Body><w>{}</w></s:Body></s:Envelope>",
            "<x/>".repeat(2_000)
        );
        assert_eq!(read(&many).unwrap_err(), SoapError::TooManyElements(2_000));
        let deep = format!("{}{}", "<a>".repeat(33), "</a>".repeat(33));
        assert_eq!(read(&deep).unwrap_err(), SoapError::TooDeep(32));
        assert!(matches!(read("<a>"), Err(SoapError::Xml(_))));
        assert_eq!(
            read_envelope(Some("text/xml"), b"<a>\xff</a>").unwrap_err(),
            SoapError::NotUtf8
        );
    }
}
