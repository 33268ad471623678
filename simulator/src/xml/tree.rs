//! The owned tree the reader builds: elements with their namespace resolved, attributes and
//! text, children in document order.
//!
//! It holds what the parsers above need and no more: a validator walks it by local names
//! (`at`, `text_at`), a schema-strict reader (SOAP, the EC) checks namespaces, attribute
//! namespaces and the exact text, and takes the children in their order to check a sequence.
//! Comments, processing instructions and the interleaving of text with children are not kept:
//! none of the formats eisim reads has mixed content.

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

/// One element with its namespace resolved, its attributes and its text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Element {
    /// Namespace URI, empty when the element is in no namespace.
    pub ns: String,
    /// Local name, without prefix.
    pub name: String,
    /// In document order; namespace declarations (`xmlns`, `xmlns:*`) are not attributes.
    pub attrs: Vec<Attr>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// The element's own text content (character data directly inside it, references
    /// resolved, the pieces between its children joined), untrimmed; use [`Element::text`]
    /// for the trimmed value.
    pub raw_text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Attr {
    /// Namespace URI of a prefixed attribute; empty for the usual unprefixed ones.
    pub ns: String,
    pub name: String,
    pub value: String,
}

impl Element {
    /// Trimmed text content.
    pub(crate) fn text(&self) -> &str {
        self.raw_text.trim()
    }

    /// Whether the element holds text other than XML whitespace (space, tab, CR, LF): for
    /// element-only content, where whitespace between children is allowed and nothing else.
    pub(crate) fn has_text(&self) -> bool {
        !is_whitespace(&self.raw_text)
    }

    /// Whether this is the element `name` in namespace `ns` (`""`: in no namespace).
    pub(crate) fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    /// The name in Clark notation, `{namespace}local`, or the bare local name when the
    /// element is in no namespace: unambiguous in error messages whatever prefix was used.
    pub(crate) fn clark_name(&self) -> String {
        clark_name(&self.ns, &self.name)
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

    /// Value of the attribute `name` in namespace `ns` exactly (`""`: unprefixed).
    pub(crate) fn attr_in(&self, ns: &str, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns == ns && a.name == name)
            .map(|a| a.value.as_str())
    }

    /// This element and all below it, depth first, in document order.
    pub(crate) fn descendants(&self) -> Descendants<'_> {
        Descendants { stack: vec![self] }
    }
}

impl Attr {
    /// The name in Clark notation, as [`Element::clark_name`].
    pub(crate) fn clark_name(&self) -> String {
        clark_name(&self.ns, &self.name)
    }
}

fn clark_name(ns: &str, name: &str) -> String {
    if ns.is_empty() {
        name.to_owned()
    } else {
        format!("{{{ns}}}{name}")
    }
}

/// Whether `text` is nothing but XML whitespace (the `S` production: space, tab, CR, LF).
pub(crate) fn is_whitespace(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn element(ns: &str, name: &str) -> Element {
        Element {
            ns: ns.into(),
            name: name.into(),
            ..Element::default()
        }
    }

    #[test]
    fn names_and_attributes_by_namespace() {
        let mut el = element("urn:a", "Root");
        el.attrs = vec![
            Attr {
                ns: "urn:x".into(),
                name: "id".into(),
                value: "qualified".into(),
            },
            Attr {
                ns: String::new(),
                name: "id".into(),
                value: "plain".into(),
            },
        ];
        assert!(el.is("urn:a", "Root"));
        assert!(!el.is("", "Root"));
        assert_eq!(el.clark_name(), "{urn:a}Root");
        assert_eq!(element("", "Root").clark_name(), "Root");
        assert_eq!(el.attr("id"), Some("qualified"));
        assert_eq!(el.attr_in("", "id"), Some("plain"));
        assert_eq!(el.attr_in("urn:x", "id"), Some("qualified"));
        assert_eq!(el.attr_in("urn:y", "id"), None);
        assert_eq!(el.attrs[0].clark_name(), "{urn:x}id");
    }

    #[test]
    fn only_xml_whitespace_is_no_text() {
        let mut el = element("", "a");
        el.raw_text = " \t\r\n".into();
        assert!(!el.has_text());
        el.raw_text = "\u{a0}".into();
        assert!(el.has_text());
        assert_eq!(el.text(), "");
    }

    #[test]
    fn descendants_in_document_order() {
        let mut root = element("", "r");
        let mut a = element("", "a");
        a.children.push(element("", "a1"));
        root.children = vec![a, element("", "b")];
        let names: Vec<&str> = root.descendants().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["r", "a", "a1", "b"]);
        assert_eq!(root.at(&["a", "a1"]).unwrap().name, "a1");
        assert_eq!(root.children_named("b").count(), 1);
    }
}
