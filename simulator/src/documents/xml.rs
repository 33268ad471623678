//! A small owned XML tree, read with quick-xml, that refuses hostile input before any
//! validator sees it.
//!
//! Invoices are small (a few hundred elements), and every validator needs to look back and
//! forth across the document (totals against lines, seller against buyer), so a tree is
//! simpler and no slower than streaming rules. The reader is where the dangerous parts of XML
//! are shut out: a DOCTYPE (the door to entity expansion and external entity reads), any
//! entity other than the five predefined ones and character references, and nesting deeper
//! than any real invoice needs.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::events::attributes::Attribute;
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

use super::DocumentError;

/// Deeper than any invoice format needs (FatturaPA's deepest path is 7 levels, UBL's about
/// 8), shallow enough that a nesting bomb is refused long before it costs anything.
pub(crate) const MAX_DEPTH: usize = 64;

/// An upper bound on elements, so a flat flood of tiny elements inside the body limit cannot
/// make the tree outgrow the bytes it came from by much.
pub(crate) const MAX_ELEMENTS: usize = 250_000;

/// One element with its namespace resolved, its attributes and its text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Element {
    /// Namespace URI, empty when the element is in no namespace.
    pub ns: String,
    /// Local name, without prefix.
    pub name: String,
    pub attrs: Vec<Attr>,
    pub children: Vec<Element>,
    /// The element's own text content (character data directly inside it, references
    /// resolved), untrimmed; use [`Element::text`] for the trimmed value.
    pub raw_text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Attr {
    /// Namespace URI of a prefixed attribute; empty for the usual unprefixed ones.
    pub ns: String,
    pub name: String,
    pub value: String,
}

/// A parsed document and the facts about its prolog that some networks check (KSeF refuses
/// a BOM, another declared encoding and processing instructions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct XmlDocument {
    pub root: Element,
    pub bom: bool,
    pub declared_encoding: Option<String>,
    /// Targets of processing instructions found anywhere in the document.
    pub processing_instructions: Vec<String>,
}

impl Element {
    /// Trimmed text content.
    pub(crate) fn text(&self) -> &str {
        self.raw_text.trim()
    }

    /// First child with this local name, in any namespace.
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub(crate) fn child_mut(&mut self, name: &str) -> Option<&mut Element> {
        self.children.iter_mut().find(|c| c.name == name)
    }

    /// Every child with this local name, in document order.
    pub(crate) fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Follows a path of local names, taking the first match at each step.
    pub(crate) fn at(&self, path: &[&str]) -> Option<&Element> {
        path.iter().try_fold(self, |el, step| el.child(step))
    }

    pub(crate) fn at_mut(&mut self, path: &[&str]) -> Option<&mut Element> {
        path.iter().try_fold(self, |el, step| el.child_mut(step))
    }

    /// Trimmed text at a path, `None` when the element is absent.
    pub(crate) fn text_at(&self, path: &[&str]) -> Option<&str> {
        self.at(path).map(Element::text)
    }

    /// Value of an unprefixed (or any-namespace) attribute.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }

    /// This element and all below it, depth first, in document order.
    pub(crate) fn descendants(&self) -> Descendants<'_> {
        Descendants { stack: vec![self] }
    }
}

/// Depth-first walk returned by [`Element::descendants`].
#[derive(Debug)]
pub(crate) struct Descendants<'a> {
    stack: Vec<&'a Element>,
}

impl<'a> Iterator for Descendants<'a> {
    type Item = &'a Element;

    fn next(&mut self) -> Option<&'a Element> {
        let next = self.stack.pop()?;
        self.stack.extend(next.children.iter().rev());
        Some(next)
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses `bytes` into a tree, refusing what is not well-formed UTF-8 XML or is hostile.
pub(crate) fn parse(bytes: &[u8]) -> Result<XmlDocument, DocumentError> {
    let bom = bytes.starts_with(BOM);
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let text = std::str::from_utf8(body).map_err(|e| {
        DocumentError::NotXml(format!(
            "the document is not valid UTF-8 (invalid byte sequence at byte {})",
            e.valid_up_to() + usize::from(bom) * BOM.len()
        ))
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
            .map_err(|e| DocumentError::NotXml(format!("{e} (near byte {position})")))?;
        // Owned at once, so the reader is free again for resolving attribute prefixes.
        let element_ns = namespace(resolved);
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() && open.is_empty() => {
                let name = start.local_name().as_ref().to_owned();
                return Err(DocumentError::NotXml(format!(
                    "content after the root element: <{name}> at byte {position}"
                )));
            }
            Event::Start(start) => {
                let element = open_element(&reader, element_ns, &start)?;
                elements += 1;
                if open.len() + 1 > MAX_DEPTH {
                    return Err(DocumentError::Hostile(format!(
                        "elements are nested more than {MAX_DEPTH} deep (at byte {position}); \
                         no invoice format needs that"
                    )));
                }
                check_count(elements)?;
                open.push(element);
            }
            Event::Empty(start) => {
                let element = open_element(&reader, element_ns, &start)?;
                elements += 1;
                check_count(elements)?;
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
                        .map_err(|e| DocumentError::NotXml(format!("{e} (at byte {position})")))?
                        .map(String::from)
                } else {
                    resolve_predefined_entity(&r.xml10_content()).map(String::from)
                };
                let Some(value) = resolved else {
                    return Err(DocumentError::Hostile(format!(
                        "entity reference &{}; at byte {position}: only the five predefined \
                         entities and character references are accepted",
                        r.xml10_content()
                    )));
                };
                append_text(&mut open, &value, position)?;
            }
            Event::DocType(_) => {
                return Err(DocumentError::Hostile(format!(
                    "a DOCTYPE declaration at byte {position}: DTDs are refused, since they \
                     can declare entities that expand without bound or read external files"
                )));
            }
            Event::Decl(decl) => {
                if let Some(enc) = decl.encoding() {
                    let enc =
                        enc.map_err(|e| DocumentError::NotXml(format!("XML declaration: {e}")))?;
                    declared_encoding = Some(enc.into_owned());
                }
            }
            Event::PI(pi) => processing_instructions.push(pi.target().to_owned()),
            Event::Comment(_) => {}
            Event::Eof => break,
        }
    }

    if !open.is_empty() {
        return Err(DocumentError::NotXml(
            "the document ends before its root element is closed".into(),
        ));
    }
    let root =
        root.ok_or_else(|| DocumentError::NotXml("the document has no root element".into()))?;
    Ok(XmlDocument {
        root,
        bom,
        declared_encoding,
        processing_instructions,
    })
}

fn check_count(elements: usize) -> Result<(), DocumentError> {
    if elements > MAX_ELEMENTS {
        return Err(DocumentError::Hostile(format!(
            "more than {MAX_ELEMENTS} elements; no invoice needs that many"
        )));
    }
    Ok(())
}

fn append_text(open: &mut [Element], content: &str, position: u64) -> Result<(), DocumentError> {
    match open.last_mut() {
        Some(parent) => {
            parent.raw_text.push_str(content);
            Ok(())
        }
        None if content.trim().is_empty() => Ok(()),
        None => Err(DocumentError::NotXml(format!(
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
    start: &quick_xml::events::BytesStart<'_>,
) -> Result<Element, DocumentError> {
    let name = start.local_name().as_ref().to_owned();
    let ns = ns.map_err(|prefix| {
        DocumentError::NotXml(format!(
            "<{name}>: the namespace prefix {prefix:?} is not declared"
        ))
    })?;
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| DocumentError::NotXml(format!("<{name}>: {e}")))?;
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
) -> Result<Attr, DocumentError> {
    let (resolved, local) = reader.resolver().resolve_attribute(attr.key);
    let name = local.as_ref().to_owned();
    let ns = match resolved {
        ResolveResult::Bound(ns) => ns.as_ref().to_owned(),
        ResolveResult::Unbound => String::new(),
        ResolveResult::Unknown(prefix) => {
            return Err(DocumentError::NotXml(format!(
                "<{element}> attribute {name}: the prefix {prefix:?} is not declared"
            )));
        }
    };
    let value = attr
        .normalized_value(XmlVersion::Implicit1_0)
        .map_err(|e| match e {
            quick_xml::Error::Escape(escape) => DocumentError::Hostile(format!(
                "<{element}> attribute {name}: {escape}; only the five predefined entities and \
             character references are accepted"
            )),
            other => DocumentError::NotXml(format!("<{element}> attribute {name}: {other}")),
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
    fn refuses_doctype_and_custom_entities() {
        let laughs = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><lolz>&lol2;</lolz>"#;
        assert!(matches!(parse(laughs), Err(DocumentError::Hostile(m)) if m.contains("DOCTYPE")));
        let undeclared = b"<a>&xxe;</a>";
        assert!(matches!(parse(undeclared), Err(DocumentError::Hostile(m)) if m.contains("&xxe;")));
        let in_attr = br#"<a b="&xxe;"/>"#;
        assert!(matches!(parse(in_attr), Err(DocumentError::Hostile(_))));
    }

    #[test]
    fn refuses_deep_nesting() {
        let deep = format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        assert!(
            matches!(parse(deep.as_bytes()), Err(DocumentError::Hostile(m)) if m.contains("nested"))
        );
        let fine = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(parse(fine.as_bytes()).is_ok());
    }

    #[test]
    fn reports_malformed_input() {
        for bad in [
            &b""[..],
            b"<a>",
            b"<a></b>",
            b"<a/><b/>",
            b"\xff\xfe<a/>",
            b"text<a/>",
        ] {
            assert!(
                matches!(parse(bad), Err(DocumentError::NotXml(_))),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn notes_bom_and_processing_instructions() {
        let doc = parse(b"\xEF\xBB\xBF<?xml version=\"1.0\"?><?pi x?><a/>").unwrap();
        assert!(doc.bom);
        assert_eq!(doc.processing_instructions, vec!["pi".to_owned()]);
    }
}
