//! The reader: quick-xml underneath, refusing hostile input as it goes and building the tree.
//!
//! Every event passes one place that shuts out what no format eisim reads needs: a DOCTYPE,
//! any entity other than the five predefined ones and character references, and more depth or
//! more elements than the caller's [`Limits`] allow. The limits are the only knob: an invoice
//! may be large and deep, a SOAP envelope or an SDI message is a dozen elements, so each
//! caller says how much it tolerates; what counts as hostile does not vary.

use quick_xml::escape::{EscapeError, resolve_predefined_entity};
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

use super::error::XmlError;
use super::tree::{Attr, Element, XmlDocument, is_whitespace};

/// Deeper than any invoice format needs (FatturaPA's deepest path is 7 levels, UBL's about
/// 8), shallow enough that a nesting bomb is refused long before it costs anything.
const MAX_DEPTH: usize = 64;

/// An upper bound on elements, so a flat flood of tiny elements inside the body limit cannot
/// make the tree outgrow the bytes it came from by much.
const MAX_ELEMENTS: usize = 250_000;

/// How much a document may hold before it is refused as hostile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Deepest nesting accepted, the root being at depth 1.
    pub max_depth: usize,
    /// Most elements accepted, the root included.
    pub max_elements: usize,
}

impl Limits {
    /// The limits of [`parse`]: sized for invoices, the largest documents eisim reads.
    pub(crate) const DOCUMENTS: Self = Self {
        max_depth: MAX_DEPTH,
        max_elements: MAX_ELEMENTS,
    };
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses `bytes` into a tree with the [`Limits::DOCUMENTS`] limits, refusing what is not
/// well-formed UTF-8 XML or is hostile.
pub(crate) fn parse(bytes: &[u8]) -> Result<XmlDocument, XmlError> {
    parse_with(bytes, Limits::DOCUMENTS)
}

/// Like [`parse`], with the caller's limits.
pub(crate) fn parse_with(bytes: &[u8], limits: Limits) -> Result<XmlDocument, XmlError> {
    let bom = bytes.starts_with(BOM);
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let text = std::str::from_utf8(body).map_err(|e| XmlError::NotUtf8 {
        at: e.valid_up_to() + usize::from(bom) * BOM.len(),
    })?;

    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_end_names = true;
    reader.config_mut().check_comments = true;

    let mut declared_encoding = None;
    let mut processing_instructions = Vec::new();
    // Open elements, innermost last; the root ends up alone at the bottom.
    let mut open: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;

    loop {
        let position = reader.buffer_position();
        let (resolved, event) = reader
            .read_resolved_event()
            .map_err(|e| XmlError::Malformed(format!("{e} (near byte {position})")))?;
        // Owned at once, so the reader is free again for resolving attribute prefixes.
        let element_ns = namespace(resolved);
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() && open.is_empty() => {
                let name = start.local_name().as_ref().to_owned();
                return Err(XmlError::Malformed(format!(
                    "content after the root element: <{name}> at byte {position}"
                )));
            }
            Event::Start(start) => {
                let element = open_element(&reader, element_ns, &start)?;
                elements += 1;
                check_limits(limits, open.len() + 1, elements, position)?;
                open.push(element);
            }
            Event::Empty(start) => {
                let element = open_element(&reader, element_ns, &start)?;
                elements += 1;
                check_limits(limits, open.len() + 1, elements, position)?;
                close(element, &mut open, &mut root);
            }
            Event::End(_) => {
                if let Some(element) = open.pop() {
                    close(element, &mut open, &mut root);
                }
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                append_text(&mut open, &content, position)?;
            }
            Event::CData(c) => {
                let content = c.xml10_content();
                append_text(&mut open, &content, position)?;
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|e| XmlError::Malformed(format!("{e} (at byte {position})")))?
                        .map(String::from)
                } else {
                    resolve_predefined_entity(&r.xml10_content()).map(String::from)
                };
                let Some(value) = resolved else {
                    let entity = r.xml10_content().into_owned();
                    return Err(XmlError::Entity {
                        message: format!(
                            "entity reference &{entity}; at byte {position}: only the five \
                             predefined entities and character references are accepted"
                        ),
                        entity: Some(entity),
                    });
                };
                append_text(&mut open, &value, position)?;
            }
            Event::DocType(_) => return Err(XmlError::Doctype { at: position }),
            Event::Decl(decl) => {
                if let Some(enc) = decl.encoding() {
                    let enc =
                        enc.map_err(|e| XmlError::Malformed(format!("XML declaration: {e}")))?;
                    declared_encoding = Some(enc.into_owned());
                }
            }
            Event::PI(pi) => processing_instructions.push(pi.target().to_owned()),
            Event::Comment(_) => {}
            Event::Eof => break,
        }
    }

    if !open.is_empty() {
        return Err(XmlError::Malformed(
            "the document ends before its root element is closed".into(),
        ));
    }
    let root = root.ok_or(XmlError::NoRoot)?;
    Ok(XmlDocument {
        root,
        bom,
        declared_encoding,
        processing_instructions,
    })
}

/// Depth first, so that a nesting bomb is named as one even when it is also an element flood.
fn check_limits(
    limits: Limits,
    depth: usize,
    elements: usize,
    position: u64,
) -> Result<(), XmlError> {
    if depth > limits.max_depth {
        return Err(XmlError::TooDeep {
            limit: limits.max_depth,
            at: position,
        });
    }
    if elements > limits.max_elements {
        return Err(XmlError::TooManyElements {
            limit: limits.max_elements,
        });
    }
    Ok(())
}

/// Text inside an element joins its text; outside the root only XML whitespace may stand.
fn append_text(open: &mut [Element], content: &str, position: u64) -> Result<(), XmlError> {
    match open.last_mut() {
        Some(parent) => {
            parent.raw_text.push_str(content);
            Ok(())
        }
        None if is_whitespace(content) => Ok(()),
        None => Err(XmlError::Malformed(format!(
            "text outside the root element at byte {position}"
        ))),
    }
}

fn close(element: Element, open: &mut [Element], root: &mut Option<Element>) {
    match open.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

fn open_element(
    reader: &NsReader<&[u8]>,
    ns: Result<String, String>,
    start: &BytesStart<'_>,
) -> Result<Element, XmlError> {
    let name = start.local_name().as_ref().to_owned();
    let ns = ns.map_err(|prefix| {
        XmlError::Malformed(format!(
            "<{name}>: the namespace prefix {prefix:?} is not declared"
        ))
    })?;
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| XmlError::Malformed(format!("<{name}>: {e}")))?;
        if is_namespace_declaration(&attr) {
            continue;
        }
        attrs.push(read_attr(reader, &name, &attr)?);
    }
    Ok(Element {
        ns,
        name,
        attrs,
        children: Vec::new(),
        raw_text: String::new(),
    })
}

fn is_namespace_declaration(attr: &Attribute<'_>) -> bool {
    let key = attr.key.as_ref();
    key == "xmlns" || key.starts_with("xmlns:")
}

fn read_attr(
    reader: &NsReader<&[u8]>,
    element: &str,
    attr: &Attribute<'_>,
) -> Result<Attr, XmlError> {
    let (resolved, local) = reader.resolver().resolve_attribute(attr.key);
    let name = local.as_ref().to_owned();
    let ns = match resolved {
        ResolveResult::Bound(ns) => ns.as_ref().to_owned(),
        ResolveResult::Unbound => String::new(),
        ResolveResult::Unknown(prefix) => {
            return Err(XmlError::Malformed(format!(
                "<{element}> attribute {name}: the prefix {prefix:?} is not declared"
            )));
        }
    };
    let value = attr
        .normalized_value(XmlVersion::Implicit1_0)
        .map_err(|e| match e {
            quick_xml::Error::Escape(escape) => XmlError::Entity {
                message: format!(
                    "<{element}> attribute {name}: {escape}; only the five predefined entities \
                     and character references are accepted"
                ),
                entity: match escape {
                    EscapeError::UnrecognizedEntity(_, entity) => Some(entity),
                    _ => None,
                },
            },
            other => XmlError::Malformed(format!("<{element}> attribute {name}: {other}")),
        })?;
    Ok(Attr {
        ns,
        name,
        value: value.into_owned(),
    })
}

/// The namespace URI, or the undeclared prefix as the error.
fn namespace(resolved: ResolveResult<'_>) -> Result<String, String> {
    match resolved {
        ResolveResult::Bound(ns) => Ok(ns.as_ref().to_owned()),
        ResolveResult::Unbound => Ok(String::new()),
        ResolveResult::Unknown(prefix) => Err(prefix),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_namespaces_attributes_and_text() {
        let doc = parse(
            br#"<?xml version="1.0" encoding="UTF-8"?>
<r:Root xmlns:r="urn:r" xmlns:c="urn:c"><c:A id="1">x &amp; y &#65;</c:A><B/></r:Root>"#,
        )
        .unwrap();
        assert_eq!(doc.root.ns, "urn:r");
        assert_eq!(doc.root.name, "Root");
        let a = doc.root.child("A").unwrap();
        assert_eq!(a.ns, "urn:c");
        assert_eq!(a.attr("id"), Some("1"));
        assert_eq!(a.text(), "x & y A");
        assert_eq!(doc.root.child("B").unwrap().ns, "");
        assert_eq!(doc.declared_encoding.as_deref(), Some("UTF-8"));
        assert_eq!(doc.root.descendants().count(), 3);
    }

    #[test]
    fn keeps_children_in_order_and_text_exact() {
        let doc =
            parse(br#"<r xmlns:x="urn:x" x:a="1" b="2"> <one/> <x:two> t&#9;</x:two> <one/> </r>"#)
                .unwrap();
        let names: Vec<String> = doc.root.children.iter().map(Element::clark_name).collect();
        assert_eq!(names, ["one", "{urn:x}two", "one"]);
        assert_eq!(doc.root.children[1].raw_text, " t\t");
        assert_eq!(doc.root.raw_text, "    ");
        assert_eq!(doc.root.attr_in("urn:x", "a"), Some("1"));
        assert_eq!(doc.root.attr_in("", "b"), Some("2"));
        assert_eq!(doc.root.attrs.len(), 2, "xmlns:x is no attribute");
    }

    #[test]
    fn refuses_doctype_and_custom_entities() {
        let laughs = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><lolz>&lol2;</lolz>"#;
        let error = parse(laughs).unwrap_err();
        assert!(matches!(error, XmlError::Doctype { at: 21 }), "{error:?}");
        assert!(error.is_hostile());
        assert!(error.to_string().contains("DOCTYPE"));
        let undeclared = parse(b"<a>&xxe;</a>").unwrap_err();
        assert!(
            matches!(&undeclared, XmlError::Entity { entity: Some(e), message } if e == "xxe" && message.contains("&xxe;")),
            "{undeclared:?}"
        );
        let in_attr = parse(br#"<a b="&xxe;"/>"#).unwrap_err();
        assert!(
            matches!(&in_attr, XmlError::Entity { entity: Some(e), .. } if e == "xxe"),
            "{in_attr:?}"
        );
        assert!(in_attr.is_hostile());
    }

    #[test]
    fn refuses_deep_nesting() {
        let deep = format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        let error = parse(deep.as_bytes()).unwrap_err();
        assert!(
            matches!(
                error,
                XmlError::TooDeep {
                    limit: MAX_DEPTH,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains("nested"));
        let fine = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(parse(fine.as_bytes()).is_ok());
        // An empty element is as deep as any other.
        let empty_leaf = format!(
            "{}<b/>{}",
            "<a>".repeat(MAX_DEPTH),
            "</a>".repeat(MAX_DEPTH)
        );
        assert!(matches!(
            parse(empty_leaf.as_bytes()),
            Err(XmlError::TooDeep { .. })
        ));
    }

    #[test]
    fn applies_the_callers_limits() {
        let limits = Limits {
            max_depth: 3,
            max_elements: 4,
        };
        assert!(parse_with(b"<a><b><c/></b></a>", limits).is_ok());
        assert_eq!(
            parse_with(b"<a><b><c><d/></c></b></a>", limits),
            Err(XmlError::TooDeep { limit: 3, at: 9 })
        );
        assert!(parse_with(b"<a><b/><b/><b/></a>", limits).is_ok());
        assert_eq!(
            parse_with(b"<a><b/><b/><b/><b/></a>", limits),
            Err(XmlError::TooManyElements { limit: 4 })
        );
    }

    #[test]
    fn reports_malformed_input() {
        for bad in [
            &b"<a>"[..],
            b"<a></b>",
            b"<a/><b/>",
            b"text<a/>",
            b"\xC2\xA0<a/>",
            b"<a/>x",
            b"<a><!-- a -- b --></a>",
            b"<p:a/>",
            b"<a p:b=\"1\"/>",
        ] {
            let error = parse(bad).unwrap_err();
            assert!(
                matches!(error, XmlError::Malformed(_)),
                "{:?}: {error:?}",
                String::from_utf8_lossy(bad)
            );
            assert!(!error.is_hostile());
        }
        assert_eq!(parse(b""), Err(XmlError::NoRoot));
        assert_eq!(parse(b" <!-- c --> <?pi?> "), Err(XmlError::NoRoot));
        assert_eq!(parse(b"\xff\xfe<a/>"), Err(XmlError::NotUtf8 { at: 0 }));
        assert_eq!(
            parse(b"\xEF\xBB\xBF<a>\xff</a>"),
            Err(XmlError::NotUtf8 { at: 6 })
        );
    }

    #[test]
    fn notes_bom_and_processing_instructions() {
        let doc = parse(b"\xEF\xBB\xBF<?xml version=\"1.0\"?><?pi x?><a/>").unwrap();
        assert!(doc.bom);
        assert_eq!(doc.processing_instructions, vec!["pi".to_owned()]);
    }
}
