//! The enveloped XAdES-BES signature SDI puts on its notifications, made with eisim's own key.
//!
//! The notification schemas require a `ds:Signature` as the last child of every SDI receipt,
//! and a receiver may check it, so it has to be a real one. A general XML canonicalizer is not
//! needed for that: eisim writes these documents itself, so it writes them directly in
//! Exclusive XML Canonicalization form (`http://www.w3.org/2001/10/xml-exc-c14n#`). The
//! document is built as an [`XmlElement`] tree whose renderer follows exc-c14n's rules
//! (namespace declarations only where a prefix is visibly used and not yet declared by an
//! output ancestor, declarations before attributes, attributes sorted, `<a></a>` instead of
//! `<a/>`, exc-c14n escaping). Rendering the whole tree gives the bytes sent on the wire;
//! rendering a subtree from scratch gives exactly what a verifier's exc-c14n produces for
//! that subtree. That is what the two references and the signed `SignedInfo` need:
//!
//! 1. `URI=""` (enveloped-signature + exc-c14n): the document rendered with `ds:Signature`
//!    left out. The indentation text around the signature stays, as it does for a verifier
//!    that removes the element from the parsed document.
//! 2. `URI="#SignedProperties_1"` (exc-c14n): `xades:SignedProperties` rendered alone, which
//!    declares `xmlns:xades` on itself and `xmlns:ds` on each `ds:` element inside it.
//!
//! `SignedInfo` is rendered alone too (so it carries `xmlns:ds`) and signed RSA-SHA256
//! PKCS#1 v1.5. `xmlns:ds` sits on `ds:Signature`, not on the root, so the root's canonical
//! form is the same with or without the signature.
//!
//! The output is pretty-printed: element-only content gets a newline and two spaces per level.
//! That whitespace is part of what is digested, which is fine because verifiers see the same
//! text nodes.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::signature::{SignatureEncoding as _, Signer as _};
use sha2::Digest as _;
use thiserror::Error;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

use crate::certificate::{CertificateError, self_signed};

/// Committed on purpose: the simulator holds no secrets, and a fixed key keeps the published
/// certificate stable across restarts.
const PRIVATE_KEY_PEM: &str = include_str!("eisim-sdi-key.pem");
pub const CERTIFICATE_SUBJECT: &str = "CN=eisim SDI simulator,O=eisim,C=IT";
/// Fixed so that the certificate depends only on its validity window.
pub const CERTIFICATE_SERIAL: u64 = 0x0E15_1A5E_5D10_0001;

pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const XADES_NS: &str = "http://uri.etsi.org/01903/v1.3.2#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const SIGNED_PROPERTIES_TYPE: &str = "http://uri.etsi.org/01903#SignedProperties";
const SIGNATURE_ID: &str = "Signature1";
const SIGNED_PROPERTIES_ID: &str = "SignedProperties_1";

/// Depths in the document tree (root = 0), needed because the indentation inside a subtree
/// depends on where it sits, and a subtree rendered alone must match its place in the document.
const SIGNATURE_DEPTH: usize = 1;
const SIGNED_INFO_DEPTH: usize = SIGNATURE_DEPTH + 1;
const SIGNED_PROPERTIES_DEPTH: usize = SIGNATURE_DEPTH + 3;

pub const DS: Namespace = Namespace {
    prefix: "ds",
    uri: DSIG_NS,
};
pub const XADES: Namespace = Namespace {
    prefix: "xades",
    uri: XADES_NS,
};

#[derive(Debug, Error)]
pub enum SignatureError {
    #[error("the committed SDI key cannot be read: {0}")]
    Key(String),
    #[error(transparent)]
    Certificate(#[from] CertificateError),
    #[error("RSA signing failed: {0}")]
    Sign(String),
}

/// A namespace bound to the one prefix eisim always uses for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Namespace {
    pub prefix: &'static str,
    pub uri: &'static str,
}

/// An element of a document eisim writes. Names are static (they come from the schemas);
/// attributes are unprefixed (no SDI or XAdES element here needs a prefixed one), which keeps
/// the canonical attribute order a plain sort by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlElement {
    namespace: Option<Namespace>,
    local: &'static str,
    attributes: Vec<(&'static str, String)>,
    content: Content,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Content {
    Text(String),
    Children(Vec<XmlElement>),
}

impl XmlElement {
    /// An element with element content (possibly none).
    pub fn new(namespace: Option<Namespace>, local: &'static str) -> Self {
        Self {
            namespace,
            local,
            attributes: Vec::new(),
            content: Content::Children(Vec::new()),
        }
    }

    /// An element holding only `text`.
    pub fn leaf(
        namespace: Option<Namespace>,
        local: &'static str,
        text: impl Into<String>,
    ) -> Self {
        Self {
            namespace,
            local,
            attributes: Vec::new(),
            content: Content::Text(text.into()),
        }
    }

    #[must_use]
    pub fn attribute(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.attributes.push((name, value.into()));
        self
    }

    #[must_use]
    pub fn child(mut self, child: XmlElement) -> Self {
        self.push(child);
        self
    }

    /// Appends a child; a text-only element becomes element-only (its text is dropped), which
    /// the builders in this module never rely on.
    pub fn push(&mut self, child: XmlElement) {
        match &mut self.content {
            Content::Children(children) => children.push(child),
            Content::Text(_) => self.content = Content::Children(vec![child]),
        }
    }

    fn is(&self, namespace: Namespace, local: &str) -> bool {
        self.namespace == Some(namespace) && self.local == local
    }

    /// The whole document: XML declaration, the canonical form of the root, a final newline
    /// (neither the declaration nor text outside the root is part of any canonical form).
    pub fn to_document(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        self.write_canonical(&mut out, &[], 0, None);
        out.push('\n');
        out
    }

    /// The exc-c14n form of this element as the apex of a node-set, placed at `depth` in its
    /// document; an element named `omit` is left out (with its surrounding whitespace kept).
    fn canonical(&self, depth: usize, omit: Option<(Namespace, &str)>) -> String {
        let mut out = String::new();
        self.write_canonical(&mut out, &[], depth, omit);
        out
    }

    fn write_canonical(
        &self,
        out: &mut String,
        rendered: &[Namespace],
        depth: usize,
        omit: Option<(Namespace, &str)>,
    ) {
        out.push('<');
        let qualified = self.qualified_name();
        out.push_str(&qualified);
        // The only prefix an element here visibly uses is its own; it is declared when the
        // nearest output ancestor did not already bind it to the same URI.
        let mut scope = rendered.to_vec();
        if let Some(ns) = self.namespace {
            let bound = rendered.iter().rev().find(|n| n.prefix == ns.prefix);
            if bound.map(|n| n.uri) != Some(ns.uri) {
                out.push_str(" xmlns:");
                out.push_str(ns.prefix);
                out.push_str("=\"");
                out.push_str(&escape_attribute(ns.uri));
                out.push('"');
                scope.push(ns);
            }
        }
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
                        child.write_canonical(out, &scope, depth + 1, omit);
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
/// so that a stray byte in a description cannot make the whole notification unreadable.
fn xml_char(c: char) -> char {
    if matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    {
        c
    } else {
        '\u{FFFD}'
    }
}

/// exc-c14n text escaping: `&`, `<`, `>` and carriage return (which a parser would otherwise
/// fold into a newline, breaking the digest).
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

/// exc-c14n attribute escaping: `&`, `<`, `"` and the three whitespace characters attribute
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

fn sha256_base64(bytes: &[u8]) -> String {
    STANDARD.encode(sha2::Sha256::digest(bytes))
}

/// eisim's SDI signing identity: the committed key and a self-signed certificate for it.
pub struct SdiSigner {
    signing_key: SigningKey<sha2_010::Sha256>,
    certificate_der: Vec<u8>,
    /// Base64 SHA-256 of the certificate, for XAdES `SigningCertificate/CertDigest`.
    certificate_digest: String,
    valid_from: jiff::Timestamp,
    valid_to: jiff::Timestamp,
}

/// Hand-written so that logging the signer can never leak the private key.
impl fmt::Debug for SdiSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SdiSigner")
            .field("subject", &CERTIFICATE_SUBJECT)
            .field("certificate_digest", &self.certificate_digest)
            .field("valid_from", &self.valid_from)
            .field("valid_to", &self.valid_to)
            .finish_non_exhaustive()
    }
}

impl SdiSigner {
    /// Loads the committed key and builds its certificate (`digitalSignature` +
    /// `nonRepudiation`, what a qualified signing certificate carries) for the given validity,
    /// truncated to whole seconds.
    pub fn new(
        valid_from: jiff::Timestamp,
        valid_to: jiff::Timestamp,
    ) -> Result<Self, SignatureError> {
        let private_key = RsaPrivateKey::from_pkcs8_pem(PRIVATE_KEY_PEM)
            .map_err(|e| SignatureError::Key(e.to_string()))?;
        let certificate_der = self_signed(
            &private_key,
            CERTIFICATE_SUBJECT,
            CERTIFICATE_SERIAL,
            KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
            valid_from,
            valid_to,
        )?;
        Ok(Self {
            signing_key: SigningKey::new(private_key),
            certificate_digest: sha256_base64(&certificate_der),
            certificate_der,
            valid_from: crate::certificate::whole_seconds(valid_from)?,
            valid_to: crate::certificate::whole_seconds(valid_to)?,
        })
    }

    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate_der
    }

    /// The certificate in PEM armour (64-column Base64), the form `xmlsec1` and most
    /// verification tools take.
    pub fn certificate_pem(&self) -> String {
        let body = STANDARD.encode(&self.certificate_der);
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }

    pub fn valid_from(&self) -> jiff::Timestamp {
        self.valid_from
    }

    pub fn valid_to(&self) -> jiff::Timestamp {
        self.valid_to
    }

    /// Appends the enveloped `ds:Signature` to `root` (as its last child, where the SDI schemas
    /// want it) and returns the complete signed document. `signing_time` becomes XAdES
    /// `SigningTime`, in Italian local time like every other SDI timestamp.
    pub fn sign_enveloped(
        &self,
        mut root: XmlElement,
        signing_time: jiff::Timestamp,
    ) -> Result<String, SignatureError> {
        let signed_properties = self.signed_properties(signing_time);
        let properties_digest = sha256_base64(
            signed_properties
                .canonical(SIGNED_PROPERTIES_DEPTH, None)
                .as_bytes(),
        );

        // The placeholder only marks where the signature goes, so that the whitespace around
        // it is digested as a verifier will see it; its content is never rendered.
        root.push(XmlElement::new(Some(DS), "Signature"));
        let document_digest = sha256_base64(root.canonical(0, Some((DS, "Signature"))).as_bytes());
        if let Content::Children(children) = &mut root.content {
            children.pop();
        }

        let signed_info = signed_info(&document_digest, &properties_digest);
        let signature_value = self
            .signing_key
            .try_sign(signed_info.canonical(SIGNED_INFO_DEPTH, None).as_bytes())
            .map_err(|e| SignatureError::Sign(e.to_string()))?;

        let signature = XmlElement::new(Some(DS), "Signature")
            .attribute("Id", SIGNATURE_ID)
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
            ))
            .child(
                XmlElement::new(Some(DS), "Object").child(
                    XmlElement::new(Some(XADES), "QualifyingProperties")
                        .attribute("Target", format!("#{SIGNATURE_ID}"))
                        .child(signed_properties),
                ),
            );
        root.push(signature);
        Ok(root.to_document())
    }

    fn signed_properties(&self, signing_time: jiff::Timestamp) -> XmlElement {
        let cert_digest = XmlElement::new(Some(XADES), "CertDigest")
            .child(XmlElement::new(Some(DS), "DigestMethod").attribute("Algorithm", SHA256))
            .child(XmlElement::leaf(
                Some(DS),
                "DigestValue",
                self.certificate_digest.clone(),
            ));
        let issuer_serial = XmlElement::new(Some(XADES), "IssuerSerial")
            .child(XmlElement::leaf(
                Some(DS),
                "X509IssuerName",
                CERTIFICATE_SUBJECT,
            ))
            .child(XmlElement::leaf(
                Some(DS),
                "X509SerialNumber",
                CERTIFICATE_SERIAL.to_string(),
            ));
        XmlElement::new(Some(XADES), "SignedProperties")
            .attribute("Id", SIGNED_PROPERTIES_ID)
            .child(
                XmlElement::new(Some(XADES), "SignedSignatureProperties")
                    .child(XmlElement::leaf(
                        Some(XADES),
                        "SigningTime",
                        super::messages::italian_date_time(signing_time),
                    ))
                    .child(
                        XmlElement::new(Some(XADES), "SigningCertificate").child(
                            XmlElement::new(Some(XADES), "Cert")
                                .child(cert_digest)
                                .child(issuer_serial),
                        ),
                    ),
            )
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

fn signed_info(document_digest: &str, properties_digest: &str) -> XmlElement {
    XmlElement::new(Some(DS), "SignedInfo")
        .child(XmlElement::new(Some(DS), "CanonicalizationMethod").attribute("Algorithm", EXC_C14N))
        .child(XmlElement::new(Some(DS), "SignatureMethod").attribute("Algorithm", RSA_SHA256))
        .child(reference("", None, &[ENVELOPED, EXC_C14N], document_digest))
        .child(reference(
            &format!("#{SIGNED_PROPERTIES_ID}"),
            Some(SIGNED_PROPERTIES_TYPE),
            &[EXC_C14N],
            properties_digest,
        ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) mod tests {
    use std::path::PathBuf;
    use std::process::Command;

    use super::*;

    const ROOT: Namespace = Namespace {
        prefix: "types",
        uri: "urn:example",
    };

    pub(crate) fn signer() -> SdiSigner {
        SdiSigner::new(
            "2025-01-01T00:00:00Z".parse().unwrap(),
            "2045-01-01T00:00:00Z".parse().unwrap(),
        )
        .unwrap()
    }

    fn sample() -> XmlElement {
        XmlElement::new(Some(ROOT), "Root")
            .attribute("versione", "1.0")
            .child(XmlElement::leaf(None, "A", "x & <y> \"q\"\r\n"))
            .child(XmlElement::new(None, "Empty"))
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
            element.canonical(0, None),
            "<E Id=\"x\" URI=\"a&quot;b&#x9;c&#xA;&lt;&amp;\" b=\"1\"></E>"
        );
    }

    #[test]
    fn subtree_declares_what_it_uses() {
        let signer = signer();
        let properties = signer.signed_properties("2026-11-21T09:15:00Z".parse().unwrap());
        let alone = properties.canonical(SIGNED_PROPERTIES_DEPTH, None);
        assert!(alone.starts_with(&format!(
            "<xades:SignedProperties xmlns:xades=\"{XADES_NS}\" Id=\"SignedProperties_1\">"
        )));
        assert!(alone.contains(&format!(
            "<ds:DigestMethod xmlns:ds=\"{DSIG_NS}\" Algorithm="
        )));
        assert!(alone.contains("<xades:SigningTime>2026-11-21T10:15:00.000+01:00<"));
        let info = signed_info("d1", "d2").canonical(SIGNED_INFO_DEPTH, None);
        assert!(info.starts_with(&format!(
            "<ds:SignedInfo xmlns:ds=\"{DSIG_NS}\">\n      <ds:"
        )));
        assert_eq!(info.matches("xmlns:").count(), 1);
    }

    #[test]
    fn signing_is_deterministic_and_root_keeps_its_declarations() {
        let signer = signer();
        let at = "2026-11-21T09:15:00Z".parse().unwrap();
        let first = signer.sign_enveloped(sample(), at).unwrap();
        let second = signer.sign_enveloped(sample(), at).unwrap();
        assert_eq!(first, second);
        assert!(first.contains("<types:Root xmlns:types=\"urn:example\" versione=\"1.0\">"));
        assert!(first.contains(&format!(
            "\n  <ds:Signature xmlns:ds=\"{DSIG_NS}\" Id=\"Signature1\">"
        )));
        assert!(first.ends_with("</ds:Signature>\n</types:Root>\n"));
    }

    #[test]
    fn debug_hides_the_key_and_pem_round_trips() {
        let signer = signer();
        let debug = format!("{signer:?}");
        assert!(!debug.contains("private"), "{debug}");
        assert!(!debug.contains("prime"), "{debug}");
        assert!(debug.len() < 300, "{debug}");
        let pem = signer.certificate_pem();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(pem.lines().all(|l| l.len() <= 64));
        assert_eq!(STANDARD.decode(body).unwrap(), signer.certificate_der());
    }

    /// Where `xmlsec1` verifies: the `xmlsec1` binary, or `None` when it is not installed.
    fn xmlsec1() -> Option<&'static str> {
        Command::new("xmlsec1")
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|_| "xmlsec1")
    }

    /// Runs `xmlsec1 --verify` on `xml` with `signer`'s certificate as the only trusted key;
    /// `Ok(())` when the signature (both references and the SignedInfo) verifies.
    pub(crate) fn xmlsec1_verify(signer: &SdiSigner, xml: &str, name: &str) -> Result<(), String> {
        let dir: PathBuf =
            std::env::temp_dir().join(format!("eisim-xmlsec-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cert = dir.join("cert.pem");
        let file = dir.join("signed.xml");
        std::fs::write(&cert, signer.certificate_pem()).unwrap();
        std::fs::write(&file, xml).unwrap();
        let output = Command::new("xmlsec1")
            .arg("--verify")
            .arg("--pubkey-cert-pem")
            .arg(&cert)
            .arg("--trusted-pem")
            .arg(&cert)
            .args([
                "--id-attr:Id",
                "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
            ])
            .arg(&file)
            .output()
            .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    #[test]
    fn xmlsec1_verifies_and_detects_tampering() {
        if xmlsec1().is_none() {
            println!("SKIPPED: xmlsec1 not installed");
            return;
        }
        let signer = signer();
        let at = "2026-11-21T09:15:00Z".parse().unwrap();
        let signed = signer.sign_enveloped(sample(), at).unwrap();
        xmlsec1_verify(&signer, &signed, "good").unwrap();

        // One character of the signed content.
        let tampered = signed.replacen("versione=\"1.0\"", "versione=\"1.1\"", 1);
        assert_ne!(tampered, signed);
        assert!(xmlsec1_verify(&signer, &tampered, "content").is_err());
        // The signing time, covered only by the SignedProperties reference.
        let tampered = signed.replacen("T10:15:00.000", "T10:16:00.000", 1);
        assert_ne!(tampered, signed);
        assert!(xmlsec1_verify(&signer, &tampered, "time").is_err());
        // Whitespace around the signature is digested too.
        let tampered = signed.replacen("\n  <ds:Signature", "\n   <ds:Signature", 1);
        assert!(xmlsec1_verify(&signer, &tampered, "space").is_err());
    }
}
