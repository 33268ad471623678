//! The XAdES-signed `AuthTokenRequest` of `POST /v2/auth/xades-signature`.
//!
//! eisim behaves like KSeF's TEST environment, where integrators sign with a certificate they
//! generated themselves (subject `serialNumber=TINPL-{NIP}` or
//! `organizationIdentifier=VATPL-{NIP}`): the certificate is not checked against any trust
//! list and the XML signature is **not** verified cryptographically. What is checked is
//! everything a client can get wrong before the signature maths: the document against the
//! AuthTokenRequest 2.0/2.1 schema, exactly one enveloped `ds:Signature` with its value and
//! certificate, a certificate that parses, the challenge format, and a subject that can be
//! identified the way `SubjectIdentifierType` says.
//!
//! The schema check is hand-written for this one small schema and reports in the words of
//! the .NET schema validator KSeF runs, since KSeF puts that validator's message verbatim into
//! the 21401 details. The schema itself has no place for `ds:Signature` (KSeF takes it out
//! before validating), so the signature is accepted as any child of the root and everything
//! else must follow the schema's sequence.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use thiserror::Error;
use x509_cert::Certificate;
use x509_cert::der::{Decode as _, Tag, Tagged as _};
use x509_cert::spki::ObjectIdentifier;

use crate::xml::{Element, XmlDocument};

const AUTH_NS_2_0: &str = "http://ksef.mf.gov.pl/auth/token/2.0";
const AUTH_NS_2_1: &str = "http://ksef.mf.gov.pl/auth/token/2.1";
const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// `xsi:` attributes are allowed on any element by every schema validator.
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// X.520 `serialNumber`, where Polish certificates put `TINPL-{NIP}` or `PNOPL-{PESEL}`.
const SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");
/// X.520 `organizationIdentifier` (eIDAS seals), where Polish companies put `VATPL-{NIP}`.
const ORGANIZATION_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.97");

/// What a structurally valid request says, plus the facts about its certificate that the
/// auth operation, the permission check and the UPO need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AuthRequest {
    /// The challenge as written (its format checked, not whether eisim issued it).
    pub challenge: String,
    pub context: (ContextKind, String),
    pub subject_identifier_type: SubjectIdentifierType,
    pub allowed_ips: Option<AllowedIps>,
    pub certificate_der: Vec<u8>,
    /// Upper-case hex SHA-256 of the certificate DER: the form KSeF uses for `Fingerprint`
    /// subject identifiers in permissions (e.g. `CEB3643B…4E59` in the specification).
    pub certificate_fingerprint: String,
    /// From subject `serialNumber=TINPL-{NIP}` or `organizationIdentifier=VATPL-{NIP}`.
    pub certificate_nip: Option<String>,
    /// From subject `serialNumber=PNOPL-{PESEL}`: personal certificates identify their
    /// holder by PESEL, and such a holder may act in a NIP context given permissions.
    pub certificate_pesel: Option<String>,
    /// Base64 SHA-256 of the request bytes as received: the UPO's
    /// `SkrotDokumentuUwierzytelniajacego`.
    pub document_hash: String,
}

/// The `ContextIdentifier` choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ContextKind {
    Nip,
    InternalId,
    NipVatUe,
    PeppolId,
}

/// How the authenticating subject is identified by its certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum SubjectIdentifierType {
    /// By the NIP or PESEL in the certificate subject.
    CertificateSubject,
    /// By the certificate's SHA-256 fingerprint (foreign and identifier-less certificates).
    CertificateFingerprint,
}

/// `AuthorizationPolicy/AllowedIps`: the addresses the issued tokens may be used from.
///
/// Serialised in the JSON shape of `authorizationPolicy.allowedIps`, so the KSeF-token flow
/// (which sends the same policy as JSON) can share it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct AllowedIps {
    pub ip4_addresses: Vec<String>,
    pub ip4_ranges: Vec<String>,
    pub ip4_masks: Vec<String>,
}

/// Why a request was refused; each maps to one KSeF exception code.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub(crate) enum XadesError {
    /// The validator message, as KSeF passes it on.
    #[error("the document does not follow the AuthTokenRequest schema: {0}")]
    Schema(String),
    #[error("the document has no ds:Signature")]
    NoSignature,
    #[error("the document has {0} ds:Signature elements; exactly one is allowed")]
    TooManySignatures(usize),
    #[error("the signature is malformed: {0}")]
    Signature(String),
    #[error("the signing certificate cannot be read: {0}")]
    Certificate(String),
    #[error("the challenge is malformed: {0}")]
    Challenge(String),
    #[error("the subject cannot be identified in this context: {0}")]
    Subject(String),
}

impl XadesError {
    /// The KSeF exception code (`exceptionCode` / `errors[].code`).
    pub(crate) fn code(&self) -> u32 {
        match self {
            Self::Schema(_) => 21401,
            Self::NoSignature => 9102,
            Self::TooManySignatures(_) => 9103,
            Self::Signature(_) => 9105,
            Self::Certificate(_) => 21115,
            Self::Challenge(_) => 21111,
            Self::Subject(_) => 21117,
        }
    }

    /// The `details` list. For 21401 KSeF sends the validator message; for the others it
    /// sends none, and eisim says what it found, since that is the point of a simulator.
    pub(crate) fn details(&self) -> Vec<String> {
        match self {
            Self::Schema(message) => vec![message.clone()],
            Self::NoSignature => vec![format!(
                "AuthTokenRequest has no Signature child element in namespace '{DSIG_NS}'; \
                 the request must carry an enveloped XAdES signature."
            )],
            Self::TooManySignatures(count) => vec![format!(
                "AuthTokenRequest has {count} Signature child elements in namespace \
                 '{DSIG_NS}'; exactly one is allowed."
            )],
            Self::Signature(message)
            | Self::Certificate(message)
            | Self::Challenge(message)
            | Self::Subject(message) => vec![message.clone()],
        }
    }
}

/// Reads and checks a parsed `AuthTokenRequest`; `raw` are the bytes it was parsed from.
///
/// Checks run in this order, and the first failure is reported: schema (21401), challenge
/// format (21111), signature count (9102, 9103), signature structure (9105), certificate
/// (21115), subject identifier (21117).
pub(crate) fn read_auth_request(doc: &XmlDocument, raw: &[u8]) -> Result<AuthRequest, XadesError> {
    let root = &doc.root;
    if root.name != "AuthTokenRequest" || (root.ns != AUTH_NS_2_0 && root.ns != AUTH_NS_2_1) {
        return Err(XadesError::Schema(format!(
            "The '{}' element is not declared.",
            qualified(root)
        )));
    }
    let ns = root.ns.as_str();
    let body = read_body(root, ns)?;
    check_challenge(&body.challenge)?;

    let mut signatures = root
        .children
        .iter()
        .filter(|c| c.ns == DSIG_NS && c.name == "Signature");
    let signature = match (signatures.next(), signatures.count()) {
        (None, _) => return Err(XadesError::NoSignature),
        (Some(signature), 0) => signature,
        (Some(_), more) => return Err(XadesError::TooManySignatures(more + 1)),
    };
    let certificate_b64 = read_signature(signature)?;
    let certificate_der = decode_base64(certificate_b64).map_err(|e| {
        XadesError::Certificate(format!("X509Certificate is not valid base64: {e}"))
    })?;
    let certificate = Certificate::from_der(&certificate_der).map_err(|e| {
        XadesError::Certificate(format!(
            "X509Certificate is not a DER X.509 certificate: {e}"
        ))
    })?;
    let identifiers = subject_identifiers(&certificate);

    if body.subject_identifier_type == SubjectIdentifierType::CertificateSubject
        && body.context.0 == ContextKind::Nip
        && identifiers.nip.is_none()
        && identifiers.pesel.is_none()
    {
        return Err(XadesError::Subject(format!(
            "SubjectIdentifierType is certificateSubject, but the certificate subject ({}) \
             carries neither serialNumber=TINPL-{{NIP}} / PNOPL-{{PESEL}} nor \
             organizationIdentifier=VATPL-{{NIP}}; use certificateFingerprint or put the \
             identifier into the certificate.",
            certificate.tbs_certificate.subject
        )));
    }

    Ok(AuthRequest {
        challenge: body.challenge,
        context: body.context,
        subject_identifier_type: body.subject_identifier_type,
        allowed_ips: body.allowed_ips,
        certificate_fingerprint: upper_hex(&Sha256::digest(&certificate_der)),
        certificate_der,
        certificate_nip: identifiers.nip,
        certificate_pesel: identifiers.pesel,
        document_hash: STANDARD.encode(Sha256::digest(raw)),
    })
}

/// The schema-checked content of the request, before the signature is looked at.
struct Body {
    challenge: String,
    context: (ContextKind, String),
    subject_identifier_type: SubjectIdentifierType,
    allowed_ips: Option<AllowedIps>,
}

/// One element of an `xsd:sequence`, with its occurrence bounds.
struct Particle {
    name: &'static str,
    min: usize,
    max: usize,
}

const fn one(name: &'static str) -> Particle {
    Particle {
        name,
        min: 1,
        max: 1,
    }
}

const REQUEST: [Particle; 4] = [
    one("Challenge"),
    one("ContextIdentifier"),
    one("SubjectIdentifierType"),
    Particle {
        name: "AuthorizationPolicy",
        min: 0,
        max: 1,
    },
];
const POLICY: [Particle; 1] = [one("AllowedIps")];
const ALLOWED_IPS: [Particle; 3] = [
    Particle {
        name: "Ip4Address",
        min: 0,
        max: 10,
    },
    Particle {
        name: "Ip4Range",
        min: 0,
        max: 10,
    },
    Particle {
        name: "Ip4Mask",
        min: 0,
        max: 10,
    },
];
const CONTEXT_CHOICE: [&str; 4] = ["Nip", "InternalId", "NipVatUe", "PeppolId"];

fn read_body(root: &Element, ns: &str) -> Result<Body, XadesError> {
    check_attributes(root)?;
    check_no_text(root)?;
    let children: Vec<&Element> = root
        .children
        .iter()
        .filter(|c| !(c.ns == DSIG_NS && c.name == "Signature"))
        .collect();
    let [challenge, context, subject, policy] = sequence(root, &children, ns, &REQUEST)?;

    let challenge = simple_value(first(&challenge)?)?;
    let context = read_context(first(&context)?, ns)?;
    let subject = first(&subject)?;
    let subject_identifier_type = match simple_value(subject)?.as_str() {
        "certificateSubject" => SubjectIdentifierType::CertificateSubject,
        "certificateFingerprint" => SubjectIdentifierType::CertificateFingerprint,
        other => {
            return Err(invalid_value(
                subject,
                other,
                "SubjectIdentifierTypeEnum",
                "Enumeration",
            ));
        }
    };
    let allowed_ips = match policy.first() {
        Some(policy) => Some(read_policy(policy, ns)?),
        None => None,
    };
    Ok(Body {
        challenge,
        context,
        subject_identifier_type,
        allowed_ips,
    })
}

fn first<'e>(matched: &[&'e Element]) -> Result<&'e Element, XadesError> {
    // `sequence` guarantees the minimum of one; this only keeps the code free of indexing.
    matched
        .first()
        .copied()
        .ok_or_else(|| XadesError::Schema("A required element is missing.".into()))
}

fn read_context(context: &Element, ns: &str) -> Result<(ContextKind, String), XadesError> {
    check_attributes(context)?;
    check_no_text(context)?;
    let mut children = context.children.iter();
    let Some(chosen) = children.next() else {
        return Err(XadesError::Schema(format!(
            "The element '{}' in namespace '{ns}' has incomplete content. {}",
            context.name,
            expected_list(&CONTEXT_CHOICE, ns)
        )));
    };
    let kind = match (chosen.ns == ns, chosen.name.as_str()) {
        (true, "Nip") => ContextKind::Nip,
        (true, "InternalId") => ContextKind::InternalId,
        (true, "NipVatUe") => ContextKind::NipVatUe,
        (true, "PeppolId") => ContextKind::PeppolId,
        _ => return Err(invalid_child(context, chosen, &CONTEXT_CHOICE, ns)),
    };
    if let Some(extra) = children.next() {
        return Err(invalid_child(context, extra, &[], ns));
    }
    check_attributes(chosen)?;
    check_text_only(chosen)?;
    // These types derive from xsd:string: whitespace is part of the value and fails the
    // pattern, as it does in KSeF's validator.
    let value = chosen.raw_text.as_str();
    let (valid, type_name) = match kind {
        ContextKind::Nip => (is_nip(value), "TNIP"),
        ContextKind::InternalId => (is_internal_id(value), "TIID"),
        ContextKind::NipVatUe => (is_nip_vat_ue(value), "TNipVatUE"),
        ContextKind::PeppolId => (is_peppol_id(value), "TPeppolId"),
    };
    if !valid {
        return Err(invalid_value(chosen, value, type_name, "Pattern"));
    }
    Ok((kind, value.to_owned()))
}

fn read_policy(policy: &Element, ns: &str) -> Result<AllowedIps, XadesError> {
    check_attributes(policy)?;
    check_no_text(policy)?;
    let children: Vec<&Element> = policy.children.iter().collect();
    let [allowed] = sequence(policy, &children, ns, &POLICY)?;
    let allowed = first(&allowed)?;
    check_attributes(allowed)?;
    check_no_text(allowed)?;
    let children: Vec<&Element> = allowed.children.iter().collect();
    let [addresses, ranges, masks] = sequence(allowed, &children, ns, &ALLOWED_IPS)?;
    Ok(AllowedIps {
        ip4_addresses: ip_values(&addresses, is_ipv4)?,
        ip4_ranges: ip_values(&ranges, is_ipv4_range)?,
        ip4_masks: ip_values(&masks, is_ipv4_mask)?,
    })
}

fn ip_values(elements: &[&Element], valid: fn(&str) -> bool) -> Result<Vec<String>, XadesError> {
    elements
        .iter()
        .map(|element| {
            let value = simple_value(element)?;
            if valid(&value) {
                Ok(value)
            } else {
                Err(invalid_value(element, &value, "Token", "Pattern"))
            }
        })
        .collect()
}

/// Matches `children` against an `xsd:sequence`, greedily as a schema validator does, and
/// returns the elements taken by each particle.
fn sequence<'e, const N: usize>(
    parent: &Element,
    children: &[&'e Element],
    ns: &str,
    particles: &[Particle; N],
) -> Result<[Vec<&'e Element>; N], XadesError> {
    let mut taken: [Vec<&'e Element>; N] = std::array::from_fn(|_| Vec::new());
    let mut rest = children.iter().copied().peekable();
    // The last particle that took an element: where a following child would continue.
    let mut position = 0;
    for (index, particle) in particles.iter().enumerate() {
        let mut count = 0;
        while count < particle.max {
            let Some(child) = rest.next_if(|c| c.ns == ns && c.name == particle.name) else {
                break;
            };
            if let Some(slot) = taken.get_mut(index) {
                slot.push(child);
            }
            count += 1;
            position = index;
        }
        if count < particle.min {
            let expected = possible_next(particles, &taken, position);
            return Err(match rest.peek() {
                Some(child) => invalid_child(parent, child, &expected, ns),
                None => XadesError::Schema(format!(
                    "The element '{}' in namespace '{ns}' has incomplete content. {}",
                    parent.name,
                    expected_list(&expected, ns)
                )),
            });
        }
    }
    if let Some(child) = rest.next() {
        let expected = possible_next(particles, &taken, position);
        return Err(invalid_child(parent, child, &expected, ns));
    }
    for child in children {
        check_attributes(child)?;
    }
    Ok(taken)
}

/// The element names that may come next: from `from` on, each particle with room left,
/// up to and including the first one still required.
fn possible_next(
    particles: &[Particle],
    taken: &[Vec<&Element>],
    from: usize,
) -> Vec<&'static str> {
    let mut names = Vec::new();
    for (particle, count) in particles.iter().zip(taken.iter().map(Vec::len)).skip(from) {
        if count < particle.max {
            names.push(particle.name);
        }
        if count < particle.min {
            break;
        }
    }
    names
}

fn qualified(element: &Element) -> String {
    if element.ns.is_empty() {
        element.name.clone()
    } else {
        format!("{}:{}", element.ns, element.name)
    }
}

fn expected_list(names: &[&str], ns: &str) -> String {
    let names: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    format!(
        "List of possible elements expected: {} in namespace '{ns}'.",
        names.join(", ")
    )
}

fn invalid_child(parent: &Element, child: &Element, expected: &[&str], ns: &str) -> XadesError {
    let child_ns = if child.ns.is_empty() {
        String::new()
    } else {
        format!(" in namespace '{}'", child.ns)
    };
    let mut message = format!(
        "The element '{}' in namespace '{ns}' has invalid child element '{}'{child_ns}.",
        parent.name, child.name
    );
    if !expected.is_empty() {
        message.push(' ');
        message.push_str(&expected_list(expected, ns));
    }
    XadesError::Schema(message)
}

fn invalid_value(element: &Element, value: &str, type_name: &str, facet: &str) -> XadesError {
    XadesError::Schema(format!(
        "The '{}' element is invalid - The value '{value}' is invalid according to its \
         datatype '{}:{type_name}' - The {facet} constraint failed.",
        qualified(element),
        element.ns
    ))
}

/// Only `xsi:` attributes are allowed: the schema declares none.
fn check_attributes(element: &Element) -> Result<(), XadesError> {
    match element.attrs.iter().find(|a| a.ns != XSI_NS) {
        Some(attr) => Err(XadesError::Schema(format!(
            "The '{}' attribute is not declared.",
            attr.name
        ))),
        None => Ok(()),
    }
}

fn check_no_text(element: &Element) -> Result<(), XadesError> {
    if element.text().is_empty() {
        Ok(())
    } else {
        Err(XadesError::Schema(format!(
            "The element '{}' in namespace '{}' cannot contain text.",
            element.name, element.ns
        )))
    }
}

fn check_text_only(element: &Element) -> Result<(), XadesError> {
    match element.children.first() {
        Some(child) => Err(XadesError::Schema(format!(
            "The element '{}' in namespace '{}' cannot contain child element '{}' because \
             the parent element's content model is text only.",
            element.name, element.ns, child.name
        ))),
        None => Ok(()),
    }
}

/// The value of an `xsd:token` element: whitespace collapsed.
fn simple_value(element: &Element) -> Result<String, XadesError> {
    check_text_only(element)?;
    Ok(element
        .raw_text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" "))
}

/// The schema's challenge facets (length 36, `\d{8}-CR-[A-F0-9]{10}-[A-F0-9]{10}-[A-F0-9]{2}`).
/// Whether eisim issued this challenge is the caller's question.
fn check_challenge(challenge: &str) -> Result<(), XadesError> {
    let groups: Vec<&str> = challenge.split('-').collect();
    let valid = challenge.len() == 36
        && matches!(groups.as_slice(), [date, "CR", a, b, crc]
            if date.len() == 8 && date.bytes().all(|c| c.is_ascii_digit())
                && [(a, 10), (b, 10), (crc, 2)].iter().all(|(g, n)| g.len() == *n && is_upper_hex(g)));
    if valid {
        Ok(())
    } else {
        Err(XadesError::Challenge(format!(
            "Challenge '{challenge}' does not have the form YYYYMMDD-CR-XXXXXXXXXX-XXXXXXXXXX-XX \
             (upper-case hex) returned by POST /auth/challenge."
        )))
    }
}

fn is_upper_hex(s: &str) -> bool {
    s.bytes()
        .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))
}

/// The checked parts of the one `ds:Signature`; returns the certificate's base64 text.
fn read_signature(signature: &Element) -> Result<&str, XadesError> {
    if ds_child(signature, "SignedInfo").is_none() {
        return Err(XadesError::Signature(
            "ds:Signature has no ds:SignedInfo.".into(),
        ));
    }
    let value = ds_child(signature, "SignatureValue")
        .ok_or_else(|| XadesError::Signature("ds:Signature has no ds:SignatureValue.".into()))?;
    match decode_base64(&value.raw_text) {
        Ok(bytes) if !bytes.is_empty() => {}
        Ok(_) => {
            return Err(XadesError::Signature("ds:SignatureValue is empty.".into()));
        }
        Err(e) => {
            return Err(XadesError::Signature(format!(
                "ds:SignatureValue is not valid base64: {e}"
            )));
        }
    }
    let certificate = ds_child(signature, "KeyInfo")
        .into_iter()
        .flat_map(|key_info| key_info.children.iter())
        .filter(|c| c.ns == DSIG_NS && c.name == "X509Data")
        .find_map(|data| ds_child(data, "X509Certificate"))
        .ok_or_else(|| {
            XadesError::Signature(
                "ds:Signature has no ds:KeyInfo/ds:X509Data/ds:X509Certificate: the signing \
                 certificate must be embedded."
                    .into(),
            )
        })?;
    Ok(certificate.raw_text.as_str())
}

fn ds_child<'e>(parent: &'e Element, name: &str) -> Option<&'e Element> {
    parent
        .children
        .iter()
        .find(|c| c.ns == DSIG_NS && c.name == name)
}

/// `xsd:base64Binary` allows whitespace anywhere (signers wrap lines at 64 or 76).
fn decode_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(compact)
}

#[derive(Default)]
struct SubjectIdentifiers {
    nip: Option<String>,
    pesel: Option<String>,
}

fn subject_identifiers(certificate: &Certificate) -> SubjectIdentifiers {
    let mut found = SubjectIdentifiers::default();
    let attributes = certificate
        .tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter());
    for attribute in attributes {
        let Some(value) = directory_string(&attribute.value) else {
            continue;
        };
        let value = value.trim();
        if attribute.oid == SERIAL_NUMBER {
            if let Some(nip) = value.strip_prefix("TINPL-").filter(|n| is_nip(n)) {
                found.nip.get_or_insert_with(|| nip.to_owned());
            } else if let Some(pesel) = value.strip_prefix("PNOPL-").filter(|p| is_pesel(p)) {
                found.pesel.get_or_insert_with(|| pesel.to_owned());
            }
        } else if attribute.oid == ORGANIZATION_IDENTIFIER
            && let Some(nip) = value.strip_prefix("VATPL-").filter(|n| is_nip(n))
        {
            found.nip.get_or_insert_with(|| nip.to_owned());
        }
    }
    found
}

/// The text of a `DirectoryString` in one of the byte-per-character or UTF-8 encodings;
/// `BMPString` and the like never carry these identifiers in practice.
fn directory_string(value: &x509_cert::der::Any) -> Option<&str> {
    match value.tag() {
        Tag::PrintableString | Tag::Utf8String | Tag::Ia5String | Tag::TeletexString => {
            std::str::from_utf8(value.value()).ok()
        }
        _ => None,
    }
}

fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_digit())
}

/// `[1-9]((\d[1-9])|([1-9]\d))\d{7}`: ten digits, the first not 0, the next two not both 0.
fn is_nip(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && all_digits(s)
        && b.first() != Some(&b'0')
        && (b.get(1) != Some(&b'0') || b.get(2) != Some(&b'0'))
}

fn is_pesel(s: &str) -> bool {
    s.len() == 11 && all_digits(s)
}

/// `{NIP}-\d{5}`.
fn is_internal_id(s: &str) -> bool {
    s.split_once('-')
        .is_some_and(|(nip, suffix)| is_nip(nip) && suffix.len() == 5 && all_digits(suffix))
}

/// `^P[A-Z]{2}[0-9]{6}$`.
fn is_peppol_id(s: &str) -> bool {
    s.len() == 9
        && s.starts_with('P')
        && s.get(1..3)
            .is_some_and(|c| c.bytes().all(|b| b.is_ascii_uppercase()))
        && s.get(3..).is_some_and(all_digits)
}

/// `{NIP}-{country}{number}` with the per-country VAT number shapes of the schema's
/// `TNipVatUE` pattern (VIES FAQ Q11).
fn is_nip_vat_ue(s: &str) -> bool {
    let Some((nip, vat)) = s.split_once('-') else {
        return false;
    };
    let (Some(country), Some(number)) = (vat.get(..2), vat.get(2..)) else {
        return false;
    };
    is_nip(nip)
        && vat_shapes(country)
            .iter()
            .any(|shape| matches_shape(number, shape))
}

/// Shapes of one country's VAT number, one character class per character: `d` a digit,
/// `L` a letter A-Z, `X` a letter or digit, `P` a letter, digit, `+` or `*`, `b` 0 or 1;
/// anything else stands for itself.
fn vat_shapes(country: &str) -> &'static [&'static str] {
    match country {
        "AT" => &["Udddddddd"],
        "BE" => &["bddddddddd"],
        "BG" => &["ddddddddd", "dddddddddd"],
        "CY" => &["ddddddddL"],
        "CZ" => &["dddddddd", "ddddddddd", "dddddddddd"],
        "DE" | "EE" | "EL" | "PT" => &["ddddddddd"],
        "DK" | "FI" | "HU" | "LU" | "MT" | "SI" => &["dddddddd"],
        "ES" => &["Ldddddddd", "ddddddddL", "LdddddddL"],
        "FR" => &["XXddddddddd"],
        "HR" | "IT" | "LV" => &["ddddddddddd"],
        "IE" => &["dddddddLL", "dPdddddL"],
        "LT" => &["ddddddddd", "dddddddddddd"],
        "NL" => &["PPPPPPPPPPPP"],
        "RO" => &[
            "dd",
            "ddd",
            "dddd",
            "ddddd",
            "dddddd",
            "ddddddd",
            "dddddddd",
            "ddddddddd",
            "dddddddddd",
        ],
        "SE" => &["dddddddddddd"],
        "SK" => &["dddddddddd"],
        "XI" => &["ddddddddd", "dddddddddddd", "GDddd", "HAddd"],
        _ => &[],
    }
}

fn matches_shape(value: &str, shape: &str) -> bool {
    value.len() == shape.len()
        && value.bytes().zip(shape.bytes()).all(|(v, s)| match s {
            b'd' => v.is_ascii_digit(),
            b'L' => v.is_ascii_uppercase(),
            b'X' => v.is_ascii_uppercase() || v.is_ascii_digit(),
            b'P' => v.is_ascii_uppercase() || v.is_ascii_digit() || v == b'+' || v == b'*',
            b'b' => v == b'0' || v == b'1',
            literal => v == literal,
        })
}

/// A dotted quad without leading zeros, as both schema versions' patterns require.
fn is_ipv4(s: &str) -> bool {
    let octets: Vec<&str> = s.split('.').collect();
    octets.len() == 4
        && octets.iter().all(|o| {
            !o.is_empty()
                && o.len() <= 3
                && all_digits(o)
                && (o.len() == 1 || !o.starts_with('0'))
                && o.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

fn is_ipv4_range(s: &str) -> bool {
    s.split_once('-')
        .is_some_and(|(from, to)| is_ipv4(from) && is_ipv4(to))
}

fn is_ipv4_mask(s: &str) -> bool {
    s.split_once('/').is_some_and(|(address, bits)| {
        is_ipv4(address)
            && all_digits(bits)
            && !bits.is_empty()
            && (bits.len() == 1 || !bits.starts_with('0'))
            && bits.parse::<u8>().is_ok_and(|n| n <= 32)
    })
}

#[cfg(test)]
mod tests {
    use crate::codelists::ksef::exception_description as description;

    fn kind_name(kind: ContextKind) -> &'static str {
        match kind {
            ContextKind::Nip => "Nip",
            ContextKind::InternalId => "InternalId",
            ContextKind::NipVatUe => "NipVatUe",
            ContextKind::PeppolId => "PeppolId",
        }
    }

    use std::str::FromStr as _;
    use std::sync::OnceLock;
    use std::time::Duration;

    use rsa::RsaPrivateKey;
    use rsa::pkcs1v15::{Signature as RsaSignature, SigningKey};
    use x509_cert::builder::{Builder as _, CertificateBuilder, Profile};
    use x509_cert::der::Encode as _;
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::spki::SubjectPublicKeyInfoOwned;
    use x509_cert::time::Validity;

    use super::*;
    use crate::xml::parse;

    const CHALLENGE: &str = "20250625-CR-20F5EE4000-DA48AE4124-46";
    const NIP: &str = "5265877635";
    const SIGNED_BY_NIP: &str = "CN=Jan Testowy,serialNumber=TINPL-5265877635,C=PL";

    fn key() -> &'static RsaPrivateKey {
        static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
        KEY.get_or_init(|| RsaPrivateKey::new(&mut rand::rngs::OsRng, 1024).unwrap())
    }

    /// A self-signed certificate as clients generate for TEST.
    fn certificate(subject: &str) -> Vec<u8> {
        let signer = SigningKey::<sha2_010::Sha256>::new(key().clone());
        let spki = SubjectPublicKeyInfoOwned::from_key(key().to_public_key()).unwrap();
        let builder = CertificateBuilder::new(
            Profile::Root,
            SerialNumber::from(7u32),
            Validity::from_now(Duration::from_secs(3600)).unwrap(),
            Name::from_str(subject).unwrap(),
            spki,
            &signer,
        )
        .unwrap();
        builder.build::<RsaSignature>().unwrap().to_der().unwrap()
    }

    /// Base64 wrapped at 64 characters, as XML signers emit it.
    fn wrapped_base64(bytes: &[u8]) -> String {
        let text = STANDARD.encode(bytes);
        let lines: Vec<String> = text
            .as_bytes()
            .chunks(64)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        format!("\n{}\n", lines.join("\n"))
    }

    fn signature_with(signed_info: &str, value: &str, key_info: &str) -> String {
        format!(
            r##"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="Signature-9707709">{signed_info}{value}{key_info}<ds:Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#Signature-9707709"><xades:SignedProperties Id="SignedProperties-1"/></xades:QualifyingProperties></ds:Object></ds:Signature>"##
        )
    }

    const SIGNED_INFO: &str = r#"<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI=""><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=</ds:DigestValue></ds:Reference></ds:SignedInfo>"#;

    fn signature_value() -> String {
        format!(
            "<ds:SignatureValue>{}</ds:SignatureValue>",
            wrapped_base64(&[0x5a; 128])
        )
    }

    fn key_info(der: &[u8]) -> String {
        format!(
            "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>",
            wrapped_base64(der)
        )
    }

    fn signature(der: &[u8]) -> String {
        signature_with(SIGNED_INFO, &signature_value(), &key_info(der))
    }

    fn body(context: &str, subject_type: &str) -> String {
        format!(
            "\n    <Challenge>{CHALLENGE}</Challenge>\n    <ContextIdentifier>\n        {context}\n    </ContextIdentifier>\n    <SubjectIdentifierType>{subject_type}</SubjectIdentifierType>\n"
        )
    }

    fn nip_body() -> String {
        body(&format!("<Nip>{NIP}</Nip>"), "certificateSubject")
    }

    fn document(ns: &str, body: &str, signature: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<AuthTokenRequest xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns="{ns}">{body}    {signature}
</AuthTokenRequest>"#
        )
    }

    fn read(xml: &str) -> Result<AuthRequest, XadesError> {
        let doc = parse(xml.as_bytes()).unwrap();
        read_auth_request(&doc, xml.as_bytes())
    }

    fn signed(body: &str) -> Result<AuthRequest, XadesError> {
        read(&document(
            AUTH_NS_2_0,
            body,
            &signature(&certificate(SIGNED_BY_NIP)),
        ))
    }

    fn schema_error(result: Result<AuthRequest, XadesError>) -> String {
        let error = result.unwrap_err();
        assert_eq!(error.code(), 21401, "{error:?}");
        assert_eq!(
            description(error.code()),
            "Dokument nie jest zgodny ze schemą (xsd)."
        );
        let details = error.details();
        assert_eq!(details.len(), 1);
        details.into_iter().next().unwrap()
    }

    #[test]
    fn reads_a_valid_request_in_both_namespaces() {
        let der = certificate(SIGNED_BY_NIP);
        for ns in [AUTH_NS_2_0, AUTH_NS_2_1] {
            let xml = document(ns, &nip_body(), &signature(&der));
            let request = read(&xml).unwrap();
            assert_eq!(request.challenge, CHALLENGE);
            assert_eq!(request.context, (ContextKind::Nip, NIP.to_owned()));
            assert_eq!(
                request.subject_identifier_type,
                SubjectIdentifierType::CertificateSubject
            );
            assert_eq!(request.allowed_ips, None);
            assert_eq!(request.certificate_der, der);
            assert_eq!(request.certificate_nip.as_deref(), Some(NIP));
            assert_eq!(request.certificate_pesel, None);
            let fingerprint = Sha256::digest(&der);
            assert_eq!(request.certificate_fingerprint.len(), 64);
            assert_eq!(
                request.certificate_fingerprint,
                fingerprint
                    .iter()
                    .map(|b| format!("{b:02X}"))
                    .collect::<String>()
            );
            assert_eq!(request.document_hash.len(), 44);
            assert_eq!(
                STANDARD.decode(&request.document_hash).unwrap(),
                Sha256::digest(xml.as_bytes()).to_vec()
            );
        }
    }

    #[test]
    fn reads_every_context_kind_and_the_ip_policy() {
        let cases = [
            ("<Nip>5261040828</Nip>", ContextKind::Nip, "5261040828"),
            (
                "<InternalId>5265877635-12345</InternalId>",
                ContextKind::InternalId,
                "5265877635-12345",
            ),
            (
                "<NipVatUe>5265877635-DE123456789</NipVatUe>",
                ContextKind::NipVatUe,
                "5265877635-DE123456789",
            ),
            (
                "<NipVatUe>5265877635-ESX1234567Y</NipVatUe>",
                ContextKind::NipVatUe,
                "5265877635-ESX1234567Y",
            ),
            (
                "<NipVatUe>5265877635-XIGD123</NipVatUe>",
                ContextKind::NipVatUe,
                "5265877635-XIGD123",
            ),
            (
                "<PeppolId>PPL123456</PeppolId>",
                ContextKind::PeppolId,
                "PPL123456",
            ),
        ];
        for (element, kind, value) in cases {
            let request = signed(&body(element, "certificateFingerprint")).unwrap();
            assert_eq!(request.context, (kind, value.to_owned()), "{element}");
            assert_eq!(
                kind_name(kind),
                element.get(1..1 + kind_name(kind).len()).unwrap()
            );
        }

        let policy = format!(
            "{}    <AuthorizationPolicy><AllowedIps>\
             <Ip4Address>192.168.0.1</Ip4Address><Ip4Address>10.0.0.255</Ip4Address>\
             <Ip4Range>10.0.0.1-10.0.0.20</Ip4Range>\
             <Ip4Mask>172.16.0.0/12</Ip4Mask>\
             </AllowedIps></AuthorizationPolicy>\n",
            nip_body()
        );
        let request = signed(&policy).unwrap();
        assert_eq!(
            request.allowed_ips,
            Some(AllowedIps {
                ip4_addresses: vec!["192.168.0.1".into(), "10.0.0.255".into()],
                ip4_ranges: vec!["10.0.0.1-10.0.0.20".into()],
                ip4_masks: vec!["172.16.0.0/12".into()],
            })
        );
        let empty = format!(
            "{}<AuthorizationPolicy><AllowedIps/></AuthorizationPolicy>",
            nip_body()
        );
        assert_eq!(
            signed(&empty).unwrap().allowed_ips,
            Some(AllowedIps::default())
        );
        assert_eq!(
            serde_json::to_value(AllowedIps::default()).unwrap(),
            serde_json::json!({"ip4Addresses": [], "ip4Ranges": [], "ip4Masks": []})
        );
    }

    #[test]
    fn finds_the_subject_identifiers_of_seals_and_personal_certificates() {
        let cases = [
            (
                "CN=Firma,2.5.4.97=VATPL-5261040828,C=PL",
                Some("5261040828"),
                None,
            ),
            (
                "CN=Anna Testowa,serialNumber=PNOPL-90010112345,C=PL",
                None,
                Some("90010112345"),
            ),
            // A NIP must pass the schema's NIP pattern to count.
            ("CN=X,serialNumber=TINPL-0065877635", None, None),
            ("CN=X,serialNumber=IDCPL-ABC123", None, None),
        ];
        for (subject, nip, pesel) in cases {
            let xml = document(
                AUTH_NS_2_1,
                &body(
                    "<InternalId>5265877635-00001</InternalId>",
                    "certificateSubject",
                ),
                &signature(&certificate(subject)),
            );
            let request = read(&xml).unwrap();
            assert_eq!(request.certificate_nip.as_deref(), nip, "{subject}");
            assert_eq!(request.certificate_pesel.as_deref(), pesel, "{subject}");
        }
    }

    #[test]
    fn schema_violations_are_21401_with_the_validator_message() {
        let der = certificate(SIGNED_BY_NIP);
        let sig = signature(&der);
        let with = |body: &str| read(&document(AUTH_NS_2_0, body, &sig));

        let wrong_root = read(&format!(
            r#"<AuthRequest xmlns="{AUTH_NS_2_0}">{}{sig}</AuthRequest>"#,
            nip_body()
        ));
        assert_eq!(
            schema_error(wrong_root),
            "The 'http://ksef.mf.gov.pl/auth/token/2.0:AuthRequest' element is not declared."
        );
        let wrong_ns = read(&document(
            "http://ksef.mf.gov.pl/auth/token/2.2",
            &nip_body(),
            &sig,
        ));
        assert!(
            schema_error(wrong_ns).contains("token/2.2:AuthTokenRequest' element is not declared")
        );

        let no_challenge =
            with(&nip_body().replace(&format!("<Challenge>{CHALLENGE}</Challenge>"), ""));
        assert_eq!(
            schema_error(no_challenge),
            "The element 'AuthTokenRequest' in namespace 'http://ksef.mf.gov.pl/auth/token/2.0' \
             has invalid child element 'ContextIdentifier' in namespace \
             'http://ksef.mf.gov.pl/auth/token/2.0'. List of possible elements expected: \
             'Challenge' in namespace 'http://ksef.mf.gov.pl/auth/token/2.0'."
        );
        let no_subject_type = with(&nip_body().replace(
            "<SubjectIdentifierType>certificateSubject</SubjectIdentifierType>",
            "",
        ));
        assert_eq!(
            schema_error(no_subject_type),
            "The element 'AuthTokenRequest' in namespace 'http://ksef.mf.gov.pl/auth/token/2.0' \
             has incomplete content. List of possible elements expected: \
             'SubjectIdentifierType' in namespace 'http://ksef.mf.gov.pl/auth/token/2.0'."
        );
        let extra = with(&format!("{}<Extra/>", nip_body()));
        assert!(schema_error(extra).contains(
            "has invalid child element 'Extra' in namespace \
                 'http://ksef.mf.gov.pl/auth/token/2.0'. List of possible elements expected: \
                 'AuthorizationPolicy'"
        ));
        let foreign = with(&format!("{}<x:Extra xmlns:x=\"urn:x\"/>", nip_body()));
        assert!(schema_error(foreign).contains("'Extra' in namespace 'urn:x'"));
        let unqualified = with(&nip_body().replace("<Challenge>", "<Challenge xmlns=\"\">"));
        assert!(schema_error(unqualified).contains("has invalid child element 'Challenge'."));

        let bad_enum = with(&body(&format!("<Nip>{NIP}</Nip>"), "certificateSerial"));
        assert_eq!(
            schema_error(bad_enum),
            "The 'http://ksef.mf.gov.pl/auth/token/2.0:SubjectIdentifierType' element is \
             invalid - The value 'certificateSerial' is invalid according to its datatype \
             'http://ksef.mf.gov.pl/auth/token/2.0:SubjectIdentifierTypeEnum' - The \
             Enumeration constraint failed."
        );
        for bad_context in [
            "<Nip>0265877635</Nip>",
            "<Nip>5005877635</Nip>",
            "<Nip>526587763</Nip>",
            "<Nip> 5265877635</Nip>",
            "<InternalId>5265877635-1234</InternalId>",
            "<NipVatUe>5265877635-DE12345678</NipVatUe>",
            "<NipVatUe>5265877635-PL1234567890</NipVatUe>",
            "<PeppolId>PPL12345</PeppolId>",
        ] {
            let message = schema_error(with(&body(bad_context, "certificateSubject")));
            assert!(
                message.contains("The Pattern constraint failed."),
                "{bad_context}: {message}"
            );
        }
        let two_contexts = with(&body(
            "<Nip>5265877635</Nip><PeppolId>PPL123456</PeppolId>",
            "certificateSubject",
        ));
        assert!(schema_error(two_contexts).contains("has invalid child element 'PeppolId'"));
        let empty_context = with(&body("", "certificateSubject"));
        assert!(schema_error(empty_context).contains(
            "'ContextIdentifier' in namespace 'http://ksef.mf.gov.pl/auth/token/2.0' has \
                 incomplete content. List of possible elements expected: 'Nip', 'InternalId', \
                 'NipVatUe', 'PeppolId'"
        ));
        let nested = with(&body(
            "<Nip><Nip>5265877635</Nip></Nip>",
            "certificateSubject",
        ));
        assert!(schema_error(nested).contains("content model is text only"));
        let text = with(&format!("stray{}", nip_body()));
        assert_eq!(
            schema_error(text),
            "The element 'AuthTokenRequest' in namespace \
             'http://ksef.mf.gov.pl/auth/token/2.0' cannot contain text."
        );
        let attribute = with(&nip_body().replace("<Challenge>", "<Challenge id=\"1\">"));
        assert_eq!(
            schema_error(attribute),
            "The 'id' attribute is not declared."
        );
        let xsi_attribute =
            with(&nip_body().replace("<Challenge>", "<Challenge xsi:type=\"xsd:token\">"));
        assert!(xsi_attribute.is_ok());

        let ips = |inner: &str| {
            with(&format!(
                "{}<AuthorizationPolicy><AllowedIps>{inner}</AllowedIps></AuthorizationPolicy>",
                nip_body()
            ))
        };
        let eleven = "<Ip4Address>1.1.1.1</Ip4Address>".repeat(11);
        assert!(schema_error(ips(&eleven)).contains(
            "has invalid child element 'Ip4Address' in namespace \
                 'http://ksef.mf.gov.pl/auth/token/2.0'. List of possible elements expected: \
                 'Ip4Range', 'Ip4Mask'"
        ));
        let out_of_order = "<Ip4Mask>10.0.0.0/8</Ip4Mask><Ip4Address>1.1.1.1</Ip4Address>";
        assert!(schema_error(ips(out_of_order)).contains("invalid child element 'Ip4Address'"));
        for bad in [
            "<Ip4Address>256.1.1.1</Ip4Address>",
            "<Ip4Address>01.1.1.1</Ip4Address>",
            "<Ip4Address>1.1.1</Ip4Address>",
            "<Ip4Range>1.1.1.1</Ip4Range>",
            "<Ip4Mask>10.0.0.0/33</Ip4Mask>",
            "<Ip4Mask>10.0.0.0/08</Ip4Mask>",
        ] {
            assert!(
                schema_error(ips(bad)).contains("Pattern constraint failed"),
                "{bad}"
            );
        }
        let no_allowed = with(&format!("{}<AuthorizationPolicy/>", nip_body()));
        assert!(schema_error(no_allowed).contains(
            "'AuthorizationPolicy' in namespace 'http://ksef.mf.gov.pl/auth/token/2.0' has \
             incomplete content. List of possible elements expected: 'AllowedIps'"
        ));
    }

    #[test]
    fn a_missing_signature_is_9102_and_two_are_9103() {
        let unsigned = read(&document(AUTH_NS_2_0, &nip_body(), "")).unwrap_err();
        assert_eq!(unsigned, XadesError::NoSignature);
        assert_eq!(unsigned.code(), 9102);
        assert_eq!(description(unsigned.code()), "Brak podpisu.");
        assert!(unsigned.details()[0].contains("xmldsig"));

        let sig = signature(&certificate(SIGNED_BY_NIP));
        let twice = read(&document(AUTH_NS_2_1, &nip_body(), &format!("{sig}{sig}"))).unwrap_err();
        assert_eq!(twice, XadesError::TooManySignatures(2));
        assert_eq!(twice.code(), 9103);
        assert_eq!(
            description(twice.code()),
            "Przekroczona liczba dozwolonych podpisów."
        );
    }

    #[test]
    fn an_incomplete_signature_is_9105() {
        let der = certificate(SIGNED_BY_NIP);
        let bad_value = |text: &str| format!("<ds:SignatureValue>{text}</ds:SignatureValue>");
        let cases = [
            (
                signature_with("", &signature_value(), &key_info(&der)),
                "SignedInfo",
            ),
            (
                signature_with(SIGNED_INFO, "", &key_info(&der)),
                "SignatureValue",
            ),
            (
                signature_with(SIGNED_INFO, &bad_value("not base64!"), &key_info(&der)),
                "not valid base64",
            ),
            (
                signature_with(SIGNED_INFO, &bad_value(" "), &key_info(&der)),
                "empty",
            ),
            (
                signature_with(SIGNED_INFO, &signature_value(), ""),
                "X509Certificate",
            ),
            (
                signature_with(
                    SIGNED_INFO,
                    &signature_value(),
                    "<ds:KeyInfo><ds:KeyValue/></ds:KeyInfo>",
                ),
                "X509Certificate",
            ),
            (
                // The right local names in another namespace are not the signature's.
                signature_with(
                    "<SignedInfo xmlns=\"urn:other\"/>",
                    &signature_value(),
                    &key_info(&der),
                ),
                "SignedInfo",
            ),
        ];
        for (signature, expected) in cases {
            let error = read(&document(AUTH_NS_2_0, &nip_body(), &signature)).unwrap_err();
            assert_eq!(error.code(), 9105, "{error:?}");
            assert_eq!(description(error.code()), "Nieprawidłowy podpis.");
            assert!(error.details()[0].contains(expected), "{error:?}");
        }
    }

    #[test]
    fn an_unreadable_certificate_is_21115() {
        let cases = [
            ("@@@@".to_owned(), "base64"),
            (STANDARD.encode(b"not a certificate at all"), "X.509"),
            (
                {
                    let mut der = certificate(SIGNED_BY_NIP);
                    der.push(0);
                    STANDARD.encode(der)
                },
                "X.509",
            ),
        ];
        for (text, expected) in cases {
            let key_info = format!(
                "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{text}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
            );
            let signature = signature_with(SIGNED_INFO, &signature_value(), &key_info);
            let error = read(&document(AUTH_NS_2_0, &nip_body(), &signature)).unwrap_err();
            assert_eq!(error.code(), 21115, "{error:?}");
            assert_eq!(description(error.code()), "Nieprawidłowy certyfikat.");
            assert!(error.details()[0].contains(expected), "{error:?}");
        }
    }

    #[test]
    fn a_malformed_challenge_is_21111() {
        for bad in [
            "20250625-CR-20f5ee4000-DA48AE4124-46",
            "20250625-AU-20F5EE4000-DA48AE4124-46",
            "2025062-CR-20F5EE4000-DA48AE4124-461",
            "20250625-CR-20F5EE4000-DA48AE4124-4",
            "20250625-CR-20F5EE4000-DA48AE4124-46-00",
            "",
        ] {
            let error = signed(&nip_body().replace(CHALLENGE, bad)).unwrap_err();
            assert_eq!(error.code(), 21111, "{bad}");
            assert_eq!(
                description(error.code()),
                "Nieprawidłowe wyzwanie autoryzacyjne."
            );
            assert!(error.details()[0].contains(bad));
        }
        // xsd:token collapses the whitespace around the value.
        let padded = signed(&nip_body().replace(CHALLENGE, &format!("\n  {CHALLENGE}\n")));
        assert_eq!(padded.unwrap().challenge, CHALLENGE);
    }

    #[test]
    fn a_subject_without_identifier_in_a_nip_context_is_21117() {
        let anonymous = certificate("CN=Bez Identyfikatora,O=Test,C=PL");
        let error = read(&document(AUTH_NS_2_0, &nip_body(), &signature(&anonymous))).unwrap_err();
        assert_eq!(error.code(), 21117);
        assert_eq!(
            description(error.code()),
            "Nieprawidłowy identyfikator podmiotu dla wskazanego typu kontekstu."
        );
        assert!(error.details()[0].contains("CN=Bez Identyfikatora"));

        // The same certificate may authenticate by its fingerprint.
        let by_fingerprint = body(&format!("<Nip>{NIP}</Nip>"), "certificateFingerprint");
        let request = read(&document(
            AUTH_NS_2_0,
            &by_fingerprint,
            &signature(&anonymous),
        ))
        .unwrap();
        assert_eq!(request.certificate_nip, None);
        assert_eq!(
            request.subject_identifier_type,
            SubjectIdentifierType::CertificateFingerprint
        );
        // A PESEL identifies a person, who may hold permissions in a NIP context.
        let person = certificate("CN=Anna Testowa,serialNumber=PNOPL-90010112345");
        assert!(read(&document(AUTH_NS_2_0, &nip_body(), &signature(&person))).is_ok());
    }

    #[test]
    fn the_signature_may_sit_anywhere_among_the_children() {
        let sig = signature(&certificate(SIGNED_BY_NIP));
        let xml = format!(
            r#"<AuthTokenRequest xmlns="{AUTH_NS_2_1}">{sig}{}</AuthTokenRequest>"#,
            nip_body()
        );
        assert_eq!(read(&xml).unwrap().context.1, NIP);
    }
}
