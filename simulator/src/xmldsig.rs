//! Enveloped XML signatures (XML-DSig, RSA-SHA256) on documents eisim writes itself.
//!
//! Several networks sign what they publish: SDI puts an XAdES-BES signature on every
//! notification, a Peppol SMP signs each `SignedServiceMetadata`. Receivers may check those
//! signatures, so they have to be real, and the machinery is the same whatever the network, so
//! it lives here once. Each network keeps its own key, certificate and any qualifying
//! properties (SDI's XAdES) and hands them to an [`EnvelopedSigner`].
//!
//! A general XML canonicalizer is not needed: eisim writes these documents, so it writes them
//! directly in canonical form. A document is built as an [`XmlElement`] tree whose renderer
//! follows the canonical-XML rules (namespace declarations before attributes, both sorted,
//! `<a></a>` instead of `<a/>`, c14n escaping, no redundant declarations). Rendering the whole
//! tree gives the bytes sent on the wire, and rendering a subtree from scratch gives exactly
//! what a verifier's canonicalizer produces for that subtree. Two canonicalizations are
//! supported, because the networks disagree:
//!
//! * Exclusive (`xml-exc-c14n#`, SDI): a subtree declares only the prefixes it visibly uses
//!   and its output ancestors have not declared.
//! * Inclusive (`REC-xml-c14n-20010315`, Peppol SMP since spec 1.2.0): the apex of a subtree
//!   carries every namespace in scope there, inherited ones included.
//!
//! What gets digested and signed:
//!
//! 1. `URI=""` (enveloped-signature, then the chosen canonicalization): the document rendered
//!    with `ds:Signature` left out. The indentation text around the signature stays, as it does
//!    for a verifier that removes the element from the parsed document.
//! 2. Optionally `URI="#<id>"`: one element inside `ds:Object` (XAdES `SignedProperties`),
//!    rendered alone at its place in the signature.
//!
//! `SignedInfo` is rendered alone too and signed RSA-SHA256 PKCS#1 v1.5. `xmlns:ds` sits on
//! `ds:Signature` unless the document already declares it, so the root's canonical form is the
//! same with or without the signature.
//!
//! The output is pretty-printed: element-only content gets a newline and two spaces per level.
//! That whitespace is part of what is digested, which is fine because verifiers see the same
//! text nodes.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding as _, Signer as _};
use sha2::Digest as _;
use thiserror::Error;

pub(crate) const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub(crate) const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub(crate) const INCLUSIVE_C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
pub(crate) const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
pub(crate) const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub(crate) const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

pub(crate) const DS: Namespace = Namespace {
    prefix: "ds",
    uri: DSIG_NS,
};

/// Depths in the document tree (root = 0), needed because the indentation inside a subtree
/// depends on where it sits, and a subtree rendered alone must match its place in the document.
const SIGNATURE_DEPTH: usize = 1;
const SIGNED_INFO_DEPTH: usize = SIGNATURE_DEPTH + 1;
/// `ds:Signature/ds:Object/<object content>/<signed child>`.
const SIGNED_OBJECT_DEPTH: usize = SIGNATURE_DEPTH + 3;

#[derive(Debug, Error)]
pub(crate) enum SigningError {
    #[error("RSA signing failed: {0}")]
    Rsa(String),
    #[error("the signed object has no child with Id=\"{0}\" to reference")]
    MissingSignedChild(&'static str),
}

/// A namespace bound to the one prefix eisim always uses for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Namespace {
    pub prefix: &'static str,
    pub uri: &'static str,
}

/// An element of a document eisim writes. Names are static (they come from the schemas);
/// attributes are unprefixed (no element eisim signs needs a prefixed one), which keeps the
/// canonical attribute order a plain sort by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct XmlElement {
    namespace: Option<Namespace>,
    local: &'static str,
    /// Extra declarations, so that a document can bind all its prefixes on the root as real
    /// Peppol SMPs do instead of on every element that uses one.
    declarations: Vec<Namespace>,
    attributes: Vec<(&'static str, String)>,
    content: Content,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Content {
    Text(String),
    Children(Vec<XmlElement>),
}

/// Which namespace declarations an element renders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// As written on the wire (also the inclusive canonical form of the whole document): its
    /// own prefix and its extra declarations, unless an ancestor already bound them.
    Wire,
    /// Exclusive c14n: only its own (visibly used) prefix, unless an output ancestor rendered
    /// it; extra declarations are dropped.
    Exclusive,
}

impl XmlElement {
    /// An element with element content (possibly none).
    pub(crate) fn new(namespace: Option<Namespace>, local: &'static str) -> Self {
        Self {
            namespace,
            local,
            declarations: Vec::new(),
            attributes: Vec::new(),
            content: Content::Children(Vec::new()),
        }
    }

    /// An element holding only `text`.
    pub(crate) fn leaf(
        namespace: Option<Namespace>,
        local: &'static str,
        text: impl Into<String>,
    ) -> Self {
        Self {
            namespace,
            local,
            declarations: Vec::new(),
            attributes: Vec::new(),
            content: Content::Text(text.into()),
        }
    }

    #[must_use]
    pub(crate) fn attribute(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.attributes.push((name, value.into()));
        self
    }

    /// Declares `namespace` on this element even where it is not used, so that descendants
    /// need not. Exclusive canonicalization ignores such declarations (as a verifier's would),
    /// so only documents signed with [`Canonicalization::Inclusive`] should rely on them.
    #[must_use]
    pub(crate) fn declare(mut self, namespace: Namespace) -> Self {
        self.declarations.push(namespace);
        self
    }

    #[must_use]
    pub(crate) fn child(mut self, child: XmlElement) -> Self {
        self.push(child);
        self
    }

    /// Appends a child; a text-only element becomes element-only (its text is dropped), which
    /// the builders in this crate never rely on.
    pub(crate) fn push(&mut self, child: XmlElement) {
        match &mut self.content {
            Content::Children(children) => children.push(child),
            Content::Text(_) => self.content = Content::Children(vec![child]),
        }
    }

    fn is(&self, namespace: Namespace, local: &str) -> bool {
        self.namespace == Some(namespace) && self.local == local
    }

    fn has_id(&self, id: &str) -> bool {
        self.attributes
            .iter()
            .any(|(name, value)| *name == "Id" && value == id)
    }

    /// The whole document: XML declaration, the canonical form of the root, a final newline
    /// (neither the declaration nor text outside the root is part of any canonical form).
    pub(crate) fn to_document(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        self.write(&mut out, &[], 0, Mode::Wire, None);
        out.push('\n');
        out
    }

    /// The canonical form of this element as the apex of a node-set, placed at `depth` in its
    /// document where `in_scope` is bound (see [`XmlElement::scope_for_children`]); an element
    /// named `omit` is left out (with its surrounding whitespace kept).
    fn canonical(
        &self,
        in_scope: &[Namespace],
        depth: usize,
        c14n: Canonicalization,
        omit: Option<(Namespace, &str)>,
    ) -> String {
        let mut out = String::new();
        match c14n {
            Canonicalization::Exclusive => self.write(&mut out, &[], depth, Mode::Exclusive, omit),
            Canonicalization::Inclusive => {
                // C14N 1.0: the apex carries every namespace in scope, its own binding winning.
                let mut apex = self.clone();
                for ns in in_scope.iter().rev() {
                    let taken = apex.namespace.map(|n| n.prefix) == Some(ns.prefix)
                        || apex.declarations.iter().any(|d| d.prefix == ns.prefix);
                    if !taken {
                        apex.declarations.push(*ns);
                    }
                }
                apex.write(&mut out, &[], depth, Mode::Wire, omit);
            }
        }
        out
    }

    /// The declarations this element renders in `mode` under `scope`: its own prefix first
    /// (so that a clashing extra declaration cannot rename it), then the extra ones, each once,
    /// skipping what an ancestor already bound to the same URI; sorted by prefix as c14n wants.
    fn new_declarations(&self, scope: &[Namespace], mode: Mode) -> Vec<Namespace> {
        let extra = match mode {
            Mode::Wire => self.declarations.as_slice(),
            Mode::Exclusive => &[],
        };
        let mut out: Vec<Namespace> = Vec::new();
        for ns in self.namespace.iter().chain(extra) {
            let bound = scope.iter().rev().find(|n| n.prefix == ns.prefix);
            if bound.map(|n| n.uri) != Some(ns.uri) && !out.iter().any(|d| d.prefix == ns.prefix) {
                out.push(*ns);
            }
        }
        out.sort_by(|a, b| a.prefix.cmp(b.prefix));
        out
    }

    /// What is bound for this element's children on the wire, given what is bound for it.
    fn scope_for_children(&self, scope: &[Namespace]) -> Vec<Namespace> {
        let mut inner = scope.to_vec();
        inner.extend(self.new_declarations(scope, Mode::Wire));
        inner
    }

    fn write(
        &self,
        out: &mut String,
        scope: &[Namespace],
        depth: usize,
        mode: Mode,
        omit: Option<(Namespace, &str)>,
    ) {
        out.push('<');
        let qualified = self.qualified_name();
        out.push_str(&qualified);
        let declared = self.new_declarations(scope, mode);
        for ns in &declared {
            out.push_str(" xmlns:");
            out.push_str(ns.prefix);
            out.push_str("=\"");
            out.push_str(&escape_attribute(ns.uri));
            out.push('"');
        }
        let mut inner = scope.to_vec();
        inner.extend(declared);
        let mut attributes: Vec<&(&'static str, String)> = self.attributes.iter().collect();
        attributes.sort_by(|a, b| a.0.cmp(b.0));
        for (name, value) in attributes {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            out.push_str(&escape_attribute(value));
            out.push('"');
        }
        out.push('>');
        match &self.content {
            Content::Text(text) => out.push_str(&escape_text(text)),
            Content::Children(children) if children.is_empty() => {}
            Content::Children(children) => {
                for child in children {
                    newline(out, depth + 1);
                    let omitted = omit.is_some_and(|(ns, local)| child.is(ns, local));
                    if !omitted {
                        child.write(out, &inner, depth + 1, mode, omit);
                    }
                }
                newline(out, depth);
            }
        }
        out.push_str("</");
        out.push_str(&qualified);
        out.push('>');
    }

    fn qualified_name(&self) -> String {
        match self.namespace {
            Some(ns) => format!("{}:{}", ns.prefix, self.local),
            None => self.local.to_owned(),
        }
    }
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// XML 1.0 cannot carry most control characters at all, not even escaped; they become U+FFFD
/// so that a stray byte in a description cannot make the whole document unreadable.
fn xml_char(c: char) -> char {
    if matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    {
        c
    } else {
        '\u{FFFD}'
    }
}

/// c14n text escaping: `&`, `<`, `>` and carriage return (which a parser would otherwise fold
/// into a newline, breaking the digest).
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

/// c14n attribute escaping: `&`, `<`, `"` and the three whitespace characters attribute
/// normalisation would otherwise turn into spaces.
fn escape_attribute(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars().map(xml_char) {
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
    out
}

/// Base64 SHA-256, the form of every `DigestValue` (and of XAdES `CertDigest`).
pub(crate) fn sha256_base64(bytes: &[u8]) -> String {
    STANDARD.encode(sha2::Sha256::digest(bytes))
}

/// The canonicalization of `SignedInfo` and of every reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Canonicalization {
    /// `xml-exc-c14n#`, named as an explicit transform on each reference.
    Exclusive,
    /// `REC-xml-c14n-20010315`; the document reference has only the enveloped transform, the
    /// default canonicalization of a node-set being this one (the shape Peppol SMPs publish).
    Inclusive,
}

impl Canonicalization {
    fn algorithm(self) -> &'static str {
        match self {
            Self::Exclusive => EXC_C14N,
            Self::Inclusive => INCLUSIVE_C14N,
        }
    }
}

/// Content for `ds:Object` one of whose children the signature also covers, as XAdES puts
/// `QualifyingProperties` there and signs its `SignedProperties`.
#[derive(Clone, Debug)]
pub(crate) struct SignedObject {
    /// The single child of `ds:Object` (e.g. `xades:QualifyingProperties`).
    pub content: XmlElement,
    /// `Id` of the child of `content` that is referenced and digested.
    pub signed_child_id: &'static str,
    /// `Reference@Type` (e.g. `http://uri.etsi.org/01903#SignedProperties`).
    pub reference_type: &'static str,
}

/// How one enveloped signature is made.
#[derive(Clone, Debug)]
pub(crate) struct EnvelopedSignature {
    pub canonicalization: Canonicalization,
    /// `ds:Signature@Id`, for qualifying properties that point back at the signature.
    pub id: Option<&'static str>,
    pub object: Option<SignedObject>,
}

/// An RSA key and the certificate that `ds:KeyInfo` publishes for it.
pub(crate) struct EnvelopedSigner {
    signing_key: SigningKey<sha2_010::Sha256>,
    certificate_der: Vec<u8>,
}

/// Hand-written so that logging a signer can never leak the private key.
impl fmt::Debug for EnvelopedSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvelopedSigner")
            .field("certificate_sha256", &sha256_base64(&self.certificate_der))
            .finish_non_exhaustive()
    }
}

impl EnvelopedSigner {
    /// `certificate_der` must certify `private_key`; it is published, not checked.
    pub(crate) fn new(private_key: RsaPrivateKey, certificate_der: Vec<u8>) -> Self {
        Self {
            signing_key: SigningKey::new(private_key),
            certificate_der,
        }
    }

    pub(crate) fn certificate_der(&self) -> &[u8] {
        &self.certificate_der
    }

    /// Appends the enveloped `ds:Signature` to `root` as its last child (where the SDI and SMP
    /// schemas want it) and returns the complete signed document.
    pub(crate) fn sign(
        &self,
        mut root: XmlElement,
        how: &EnvelopedSignature,
    ) -> Result<String, SigningError> {
        let c14n = how.canonicalization;
        let root_scope = root.scope_for_children(&[]);

        let mut signature = XmlElement::new(Some(DS), "Signature");
        if let Some(id) = how.id {
            signature = signature.attribute("Id", id);
        }
        let signature_scope = signature.scope_for_children(&root_scope);

        let object = match &how.object {
            Some(object) => {
                let signed = match &object.content.content {
                    Content::Children(children) => {
                        children.iter().find(|c| c.has_id(object.signed_child_id))
                    }
                    Content::Text(_) => None,
                }
                .ok_or(SigningError::MissingSignedChild(object.signed_child_id))?;
                let wrapper = XmlElement::new(Some(DS), "Object");
                let object_scope = wrapper.scope_for_children(&signature_scope);
                let content_scope = object.content.scope_for_children(&object_scope);
                let digest = sha256_base64(
                    signed
                        .canonical(&content_scope, SIGNED_OBJECT_DEPTH, c14n, None)
                        .as_bytes(),
                );
                Some((object, wrapper.child(object.content.clone()), digest))
            }
            None => None,
        };

        // The placeholder only marks where the signature goes, so that the whitespace around
        // it is digested as a verifier will see it; its content is never rendered.
        root.push(XmlElement::new(Some(DS), "Signature"));
        let document_digest = sha256_base64(
            root.canonical(&[], 0, c14n, Some((DS, "Signature")))
                .as_bytes(),
        );
        if let Content::Children(children) = &mut root.content {
            children.pop();
        }

        let document_transforms: &[&str] = match c14n {
            Canonicalization::Exclusive => &[ENVELOPED, EXC_C14N],
            Canonicalization::Inclusive => &[ENVELOPED],
        };
        let mut signed_info = XmlElement::new(Some(DS), "SignedInfo")
            .child(
                XmlElement::new(Some(DS), "CanonicalizationMethod")
                    .attribute("Algorithm", c14n.algorithm()),
            )
            .child(XmlElement::new(Some(DS), "SignatureMethod").attribute("Algorithm", RSA_SHA256))
            .child(reference("", None, document_transforms, &document_digest));
        if let Some((object, _, digest)) = &object {
            signed_info.push(reference(
                &format!("#{}", object.signed_child_id),
                Some(object.reference_type),
                &[c14n.algorithm()],
                digest,
            ));
        }
        let signature_value = self
            .signing_key
            .try_sign(
                signed_info
                    .canonical(&signature_scope, SIGNED_INFO_DEPTH, c14n, None)
                    .as_bytes(),
            )
            .map_err(|e| SigningError::Rsa(e.to_string()))?;

        signature = signature
            .child(signed_info)
            .child(XmlElement::leaf(
                Some(DS),
                "SignatureValue",
                STANDARD.encode(signature_value.to_bytes()),
            ))
            .child(XmlElement::new(Some(DS), "KeyInfo").child(
                XmlElement::new(Some(DS), "X509Data").child(XmlElement::leaf(
                    Some(DS),
                    "X509Certificate",
                    STANDARD.encode(&self.certificate_der),
                )),
            ));
        if let Some((_, wrapper, _)) = object {
            signature.push(wrapper);
        }
        root.push(signature);
        Ok(root.to_document())
    }
}

fn reference(uri: &str, kind: Option<&str>, transforms: &[&str], digest: &str) -> XmlElement {
    let mut element = XmlElement::new(Some(DS), "Reference").attribute("URI", uri);
    if let Some(kind) = kind {
        element = element.attribute("Type", kind);
    }
    let mut list = XmlElement::new(Some(DS), "Transforms");
    for algorithm in transforms {
        list.push(XmlElement::new(Some(DS), "Transform").attribute("Algorithm", *algorithm));
    }
    element
        .child(list)
        .child(XmlElement::new(Some(DS), "DigestMethod").attribute("Algorithm", SHA256))
        .child(XmlElement::leaf(Some(DS), "DigestValue", digest))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) mod tests {
    use std::path::PathBuf;
    use std::process::Command;

    use rsa::pkcs8::DecodePrivateKey as _;
    use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

    use super::*;

    const ROOT: Namespace = Namespace {
        prefix: "types",
        uri: "urn:example",
    };
    const OTHER: Namespace = Namespace {
        prefix: "o",
        uri: "urn:other",
    };
    const KEY_PEM: &str = include_str!("networks/sdi/eisim-sdi-key.pem");

    fn signer() -> EnvelopedSigner {
        let key = RsaPrivateKey::from_pkcs8_pem(KEY_PEM).unwrap();
        let certificate = crate::certificate::self_signed(
            &key,
            "CN=eisim xmldsig test,O=eisim,C=IT",
            1,
            KeyUsage(KeyUsages::DigitalSignature.into()),
            "2025-01-01T00:00:00Z".parse().unwrap(),
            "2045-01-01T00:00:00Z".parse().unwrap(),
        )
        .unwrap();
        EnvelopedSigner::new(key, certificate)
    }

    fn sample() -> XmlElement {
        XmlElement::new(Some(ROOT), "Root")
            .attribute("versione", "1.0")
            .child(XmlElement::leaf(None, "A", "x & <y> \"q\"\r\n"))
            .child(XmlElement::new(None, "Empty"))
    }

    /// A root that binds a prefix only its descendants use, as an SMP document does.
    fn declaring_sample() -> XmlElement {
        XmlElement::new(Some(ROOT), "Root")
            .declare(OTHER)
            .declare(ROOT)
            .child(XmlElement::leaf(Some(OTHER), "B", "b").attribute("k", "v"))
            .child(XmlElement::new(Some(ROOT), "C").child(XmlElement::leaf(Some(OTHER), "D", "d")))
    }

    #[test]
    fn renders_canonical_form() {
        let doc = sample().to_document();
        assert_eq!(
            doc,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<types:Root xmlns:types=\"urn:example\" \
             versione=\"1.0\">\n  <A>x &amp; &lt;y&gt; \"q\"&#xD;\n</A>\n  <Empty></Empty>\n</types:Root>\n"
        );
    }

    #[test]
    fn attributes_are_sorted_and_escaped() {
        let element = XmlElement::new(None, "E")
            .attribute("b", "1")
            .attribute("URI", "a\"b\tc\n<&")
            .attribute("Id", "x");
        assert_eq!(
            element.canonical(&[], 0, Canonicalization::Exclusive, None),
            "<E Id=\"x\" URI=\"a&quot;b&#x9;c&#xA;&lt;&amp;\" b=\"1\"></E>"
        );
    }

    #[test]
    fn control_characters_cannot_break_the_document() {
        let element = XmlElement::leaf(None, "E", "a\u{0}b\u{1b}c").attribute("x", "\u{7}");
        assert_eq!(
            element.canonical(&[], 0, Canonicalization::Exclusive, None),
            "<E x=\"\u{FFFD}\">a\u{FFFD}b\u{FFFD}c</E>"
        );
    }

    #[test]
    fn root_declarations_are_sorted_once_and_not_repeated_below() {
        let doc = declaring_sample().to_document();
        assert_eq!(
            doc,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<types:Root xmlns:o=\"urn:other\" \
             xmlns:types=\"urn:example\">\n  <o:B k=\"v\">b</o:B>\n  <types:C>\n    \
             <o:D>d</o:D>\n  </types:C>\n</types:Root>\n"
        );
    }

    #[test]
    fn exclusive_form_ignores_unused_declarations() {
        let c14n = declaring_sample().canonical(&[], 0, Canonicalization::Exclusive, None);
        assert!(
            c14n.starts_with("<types:Root xmlns:types=\"urn:example\">"),
            "{c14n}"
        );
        assert!(
            c14n.contains("<o:B xmlns:o=\"urn:other\" k=\"v\">"),
            "{c14n}"
        );
        assert!(c14n.contains("<o:D xmlns:o=\"urn:other\">"), "{c14n}");
    }

    #[test]
    fn inclusive_apex_carries_inherited_namespaces() {
        let root = declaring_sample();
        let scope = root.scope_for_children(&[]);
        let child = XmlElement::new(Some(DS), "X").child(XmlElement::leaf(Some(OTHER), "Y", "y"));
        let alone = child.canonical(&scope, 1, Canonicalization::Inclusive, None);
        assert_eq!(
            alone,
            format!(
                "<ds:X xmlns:ds=\"{DSIG_NS}\" xmlns:o=\"urn:other\" xmlns:types=\"urn:example\">\
                 \n    <o:Y>y</o:Y>\n  </ds:X>"
            )
        );
        let exclusive = child.canonical(&scope, 1, Canonicalization::Exclusive, None);
        assert!(exclusive.starts_with(&format!("<ds:X xmlns:ds=\"{DSIG_NS}\">")));
    }

    #[test]
    fn signing_is_deterministic_and_root_keeps_its_declarations() {
        let signer = signer();
        let how = EnvelopedSignature {
            canonicalization: Canonicalization::Inclusive,
            id: None,
            object: None,
        };
        let first = signer.sign(declaring_sample(), &how).unwrap();
        let second = signer.sign(declaring_sample(), &how).unwrap();
        assert_eq!(first, second);
        assert!(first.contains(&format!("\n  <ds:Signature xmlns:ds=\"{DSIG_NS}\">\n")));
        assert!(first.contains(&format!("Algorithm=\"{INCLUSIVE_C14N}\"")));
        assert!(!first.contains(EXC_C14N));
        assert!(first.ends_with("</ds:Signature>\n</types:Root>\n"));
    }

    #[test]
    fn a_missing_signed_child_is_an_error() {
        let how = EnvelopedSignature {
            canonicalization: Canonicalization::Exclusive,
            id: Some("S"),
            object: Some(SignedObject {
                content: XmlElement::new(Some(OTHER), "Props").child(XmlElement::new(None, "P")),
                signed_child_id: "P1",
                reference_type: "urn:type",
            }),
        };
        assert!(matches!(
            signer().sign(sample(), &how),
            Err(SigningError::MissingSignedChild("P1"))
        ));
    }

    #[test]
    fn debug_hides_the_key() {
        let debug = format!("{:?}", signer());
        assert!(!debug.contains("prime"), "{debug}");
        assert!(debug.len() < 200, "{debug}");
    }

    /// Whether `xmlsec1` is installed; tests that need it print "SKIPPED" when it is not.
    pub(crate) fn xmlsec1_installed() -> bool {
        Command::new("xmlsec1")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Runs `xmlsec1 --verify` on `xml` with `certificate_pem` as the only trusted key, telling
    /// it which `Id` attributes to resolve (`"<namespace>:<element>"`); `Ok(())` when every
    /// reference and the `SignedInfo` verify.
    pub(crate) fn xmlsec1_verify(
        certificate_pem: &str,
        xml: &str,
        name: &str,
        id_attributes: &[&str],
    ) -> Result<(), String> {
        let dir: PathBuf =
            std::env::temp_dir().join(format!("eisim-xmlsec-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cert = dir.join("cert.pem");
        let file = dir.join("signed.xml");
        std::fs::write(&cert, certificate_pem).unwrap();
        std::fs::write(&file, xml).unwrap();
        let mut command = Command::new("xmlsec1");
        command
            .arg("--verify")
            .arg("--pubkey-cert-pem")
            .arg(&cert)
            .arg("--trusted-pem")
            .arg(&cert);
        for id in id_attributes {
            command.args(["--id-attr:Id", id]);
        }
        let output = command.arg(&file).output().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    #[test]
    fn xmlsec1_verifies_both_canonicalizations_and_detects_tampering() {
        if !xmlsec1_installed() {
            println!("SKIPPED: xmlsec1 not installed");
            return;
        }
        let signer = signer();
        let pem = crate::certificate::pem(signer.certificate_der());
        for c14n in [Canonicalization::Exclusive, Canonicalization::Inclusive] {
            let how = EnvelopedSignature {
                canonicalization: c14n,
                id: Some("Sig"),
                object: Some(SignedObject {
                    content: XmlElement::new(Some(OTHER), "Props").child(
                        XmlElement::new(Some(OTHER), "Signed")
                            .attribute("Id", "P1")
                            .child(XmlElement::leaf(Some(ROOT), "When", "today")),
                    ),
                    signed_child_id: "P1",
                    reference_type: "urn:example:type",
                }),
            };
            let name = format!("{c14n:?}");
            let signed = signer.sign(declaring_sample(), &how).unwrap();
            let ids = ["urn:other:Signed"];
            xmlsec1_verify(&pem, &signed, &name, &ids).unwrap();

            let tampered = signed.replacen(">b<", ">c<", 1);
            assert_ne!(tampered, signed);
            assert!(xmlsec1_verify(&pem, &tampered, &name, &ids).is_err());
            let tampered = signed.replacen(">today<", ">tomorrow<", 1);
            assert_ne!(tampered, signed);
            assert!(xmlsec1_verify(&pem, &tampered, &name, &ids).is_err());
            // Whitespace around the signature is digested too.
            let tampered = signed.replacen("\n  <ds:Signature", "\n   <ds:Signature", 1);
            assert!(xmlsec1_verify(&pem, &tampered, &name, &ids).is_err());
        }
    }
}
