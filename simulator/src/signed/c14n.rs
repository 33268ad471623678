//! Canonical XML (C14N 1.0, inclusive and exclusive, without comments) of a document someone
//! else wrote, for verifying the XAdES signatures inside invoice files.
//!
//! `xmldsig.rs` never needs this: eisim writes its own documents in canonical form. A file a
//! transmitter signed keeps its prefixes, declaration placement, attribute order and entity
//! references, so it is read here into a small tree that keeps exactly what C14N renders:
//! qualified names, namespace declarations, attributes, text and processing instructions in
//! document order. The caller has already read the bytes through the hardened reader
//! (`crate::xml`), so DTDs and entities never reach this one.

use std::collections::BTreeMap;

use quick_xml::events::Event;

/// One node of the tree.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
    Pi(String),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Element {
    /// As written: `prefix:local` or `local`.
    pub(crate) qname: String,
    /// Declarations made on this element (prefix, "" for the default), in document order.
    pub(crate) declared: Vec<(String, String)>,
    /// Other attributes as written (qualified name, value with references resolved).
    pub(crate) attrs: Vec<(String, String)>,
    pub(crate) children: Vec<Node>,
}

impl Element {
    pub(crate) fn prefix(&self) -> &str {
        self.qname.split_once(':').map_or("", |(p, _)| p)
    }

    pub(crate) fn local(&self) -> &str {
        self.qname.split_once(':').map_or(&self.qname, |(_, l)| l)
    }

    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|c| match c {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The text directly inside.
    pub(crate) fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|c| match c {
                Node::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// A parsed document: the nodes before the root, the root, and after it.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub(crate) before: Vec<String>,
    pub(crate) root: Element,
    pub(crate) after: Vec<String>,
}

/// In-scope namespaces: prefix to URI.
pub(crate) type Scope = BTreeMap<String, String>;

pub(crate) fn parse(bytes: &[u8]) -> Result<Document, String> {
    // XML end-of-line handling, which C14N output assumes.
    let mut normalized = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'\r' {
            normalized.push(b'\n');
            if bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
        } else {
            normalized.push(b);
        }
        i += 1;
    }
    let text = std::str::from_utf8(&normalized).map_err(|e| e.to_string())?;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().expand_empty_elements = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut before = Vec::new();
    let mut after = Vec::new();
    let mut root = None;
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        match event {
            Event::Start(start) => {
                let mut element = Element {
                    qname: start.name().into_inner().to_owned(),
                    ..Element::default()
                };
                for attr in start.attributes().with_checks(true) {
                    let attr = attr.map_err(|e| e.to_string())?;
                    let key = attr.key.into_inner().to_owned();
                    let raw = attr.value.replace(['\t', '\n', '\r'], " ");
                    let value = quick_xml::escape::unescape(&raw)
                        .map_err(|e| e.to_string())?
                        .into_owned();
                    if key == "xmlns" {
                        element.declared.push((String::new(), value));
                    } else if let Some(prefix) = key.strip_prefix("xmlns:") {
                        element.declared.push((prefix.to_owned(), value));
                    } else {
                        element.attrs.push((key, value));
                    }
                }
                stack.push(element);
            }
            Event::End(_) => {
                let done = stack.pop().ok_or("unbalanced end tag")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(done)),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                if let Some(parent) = stack.last_mut() {
                    let raw = (*t).to_owned();
                    let value = quick_xml::escape::unescape(&raw)
                        .map_err(|e| e.to_string())?
                        .into_owned();
                    parent.children.push(Node::Text(value));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(parent) = stack.last_mut() {
                    let name = (*r).to_owned();
                    let value = quick_xml::escape::unescape(&format!("&{name};"))
                        .map_err(|e| e.to_string())?
                        .into_owned();
                    parent.children.push(Node::Text(value));
                }
            }
            Event::CData(c) => {
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(Node::Text((*c).to_owned()));
                }
            }
            Event::PI(pi) => {
                let body = (*pi).to_owned();
                match (stack.last_mut(), root.is_some()) {
                    (Some(parent), _) => parent.children.push(Node::Pi(body)),
                    (None, false) => before.push(body),
                    (None, true) => after.push(body),
                }
            }
            Event::Eof => break,
            // Comments are left out (C14N without comments); the declaration and DOCTYPE are
            // not part of the canonical form (and a DOCTYPE never passes the hardened reader).
            _ => {}
        }
    }
    let root = root.ok_or("no root element")?;
    Ok(Document {
        before,
        root,
        after,
    })
}

/// How to canonicalize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Inclusive,
    Exclusive,
}

impl Method {
    pub(crate) fn from_uri(uri: &str) -> Option<Method> {
        match uri {
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315" => Some(Method::Inclusive),
            "http://www.w3.org/2001/10/xml-exc-c14n#" => Some(Method::Exclusive),
            _ => None,
        }
    }
}

/// The whole document, leaving out `skip` (the enveloped signature) with its subtree.
pub(crate) fn document(doc: &Document, method: Method, skip: Option<*const Element>) -> Vec<u8> {
    let mut out = String::new();
    for pi in &doc.before {
        out.push_str("<?");
        out.push_str(pi);
        out.push_str("?>\n");
    }
    element(
        &doc.root,
        method,
        &Scope::new(),
        &Scope::new(),
        skip,
        &mut out,
    );
    for pi in &doc.after {
        out.push_str("\n<?");
        out.push_str(pi);
        out.push_str("?>");
    }
    out.into_bytes()
}

/// The subtree at `apex`, whose ancestors declared `in_scope`.
pub(crate) fn subtree(apex: &Element, in_scope: &Scope, method: Method) -> Vec<u8> {
    let mut out = String::new();
    // Inclusive C14N of a subset: the apex renders every namespace in scope; exclusive
    // renders what the subtree visibly uses, as for any element.
    element(apex, method, in_scope, &Scope::new(), None, &mut out);
    out.into_bytes()
}

/// The namespaces in scope for an element's children.
pub(crate) fn scope_of(element: &Element, outer: &Scope) -> Scope {
    let mut scope = outer.clone();
    for (prefix, uri) in &element.declared {
        scope.insert(prefix.clone(), uri.clone());
    }
    scope
}

fn element(
    e: &Element,
    method: Method,
    outer: &Scope,
    rendered: &Scope,
    skip: Option<*const Element>,
    out: &mut String,
) {
    if skip.is_some_and(|s| std::ptr::eq(s, e)) {
        return;
    }
    let scope = scope_of(e, outer);
    let mut emit: Vec<(String, String)> = Vec::new();
    match method {
        Method::Inclusive => {
            for (prefix, uri) in &scope {
                let shown = rendered.get(prefix);
                let redundant = match shown {
                    Some(v) => v == uri,
                    None => prefix.is_empty() && uri.is_empty(),
                };
                if !redundant {
                    emit.push((prefix.clone(), uri.clone()));
                }
            }
        }
        Method::Exclusive => {
            let mut used: Vec<String> = vec![e.prefix().to_owned()];
            for (name, _) in &e.attrs {
                if let Some((p, _)) = name.split_once(':')
                    && p != "xml"
                {
                    used.push(p.to_owned());
                }
            }
            used.sort();
            used.dedup();
            for prefix in used {
                let uri = scope.get(&prefix).cloned().unwrap_or_default();
                let redundant = match rendered.get(&prefix) {
                    Some(v) => *v == uri,
                    None => prefix.is_empty() && uri.is_empty(),
                };
                if !redundant {
                    emit.push((prefix, uri));
                }
            }
        }
    }
    let mut now_rendered = rendered.clone();
    for (p, u) in &emit {
        now_rendered.insert(p.clone(), u.clone());
    }
    out.push('<');
    out.push_str(&e.qname);
    // Default namespace first, then by prefix (the BTreeMap / sorted order gives this).
    for (prefix, uri) in &emit {
        if prefix.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(" xmlns:");
            out.push_str(prefix);
            out.push_str("=\"");
        }
        escape_attr(uri, out);
        out.push('"');
    }
    let mut attrs: Vec<(String, String, &str, &str)> = e
        .attrs
        .iter()
        .map(|(name, value)| {
            let (uri, local) = match name.split_once(':') {
                Some(("xml", l)) => ("http://www.w3.org/XML/1998/namespace".to_owned(), l),
                Some((p, l)) => (scope.get(p).cloned().unwrap_or_default(), l),
                None => (String::new(), name.as_str()),
            };
            (uri, local.to_owned(), name.as_str(), value.as_str())
        })
        .collect();
    attrs.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    for (_, _, name, value) in attrs {
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"");
        escape_attr(value, out);
        out.push('"');
    }
    out.push('>');
    for child in &e.children {
        match child {
            Node::Element(c) => element(c, method, &scope, &now_rendered, skip, out),
            Node::Text(t) => escape_text(t, out),
            Node::Pi(pi) => {
                out.push_str("<?");
                out.push_str(pi);
                out.push_str("?>");
            }
        }
    }
    out.push_str("</");
    out.push_str(&e.qname);
    out.push('>');
}

fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

fn escape_attr(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}
