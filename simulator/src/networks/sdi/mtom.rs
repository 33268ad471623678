//! MIME `multipart/related` packaging for MTOM/XOP (W3C XOP 1.0, SOAP 1.1 flavour).
//!
//! SDI answers and delivers with MTOM by default, and integrators' stacks (Java/CXF, .NET WCF,
//! PHP, Go) send either plain SOAP or MTOM, so eisim must read and write both. This module only
//! knows about MIME: it splits a `multipart/related` body into parts keyed by `Content-ID` and,
//! in the other direction, lays out a root XML part plus binary attachments. What the XML means
//! (`xop:Include`, operations, fields) is `super::soap`'s business.
//!
//! The parser is a small hand-written one rather than a form-data crate because SOAP needs
//! `multipart/related` semantics (`start`, `Content-ID`, `cid:` references) that those crates
//! do not offer. Every input reaches it from the network, so it never indexes blindly and
//! bounds the number of parts and the size of header blocks.

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use sha2::{Digest as _, Sha256};

/// Content-ID of the root part in everything eisim writes; fixed so snapshots are stable.
pub(super) const ROOT_CONTENT_ID: &str = "root.message@eisim";

/// A request with more parts than this is not a SOAP message anyone sends in good faith
/// (SDICoop operations carry at most two binaries).
const MAX_PARTS: usize = 64;
/// Part headers are a few short lines; a longer header block is hostile or broken.
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// What went wrong while reading MIME; the text names the offending piece.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct MimeError(String);

impl MimeError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// A `type/subtype; name=value` header value, with the essence and parameter names lowercased
/// because MIME compares them case-insensitively while parameter values keep their case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MediaType {
    pub(super) essence: String,
    params: Vec<(String, String)>,
}

impl MediaType {
    pub(super) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a Content-Type value. Quoted parameter values may contain `;` and `\`-escapes (CXF
/// quotes `start`, WCF quotes `boundary`), so a plain `split(';')` would not do.
pub(super) fn parse_media_type(value: &str) -> Result<MediaType, MimeError> {
    let mut chars = value.chars().peekable();
    let mut essence = String::new();
    while let Some(&c) = chars.peek() {
        if c == ';' {
            break;
        }
        essence.push(c);
        chars.next();
    }
    let essence = essence.trim().to_ascii_lowercase();
    if essence.is_empty() || !essence.contains('/') {
        return Err(MimeError::new(format!("malformed media type {value:?}")));
    }
    let mut params = Vec::new();
    while chars.next() == Some(';') {
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ';' {
                break;
            }
            name.push(c);
            chars.next();
        }
        let name = name.trim().to_ascii_lowercase();
        let mut val = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            if chars.peek() == Some(&'"') {
                chars.next();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(escaped) = chars.next() {
                                val.push(escaped);
                            }
                        }
                        '"' => {
                            closed = true;
                            break;
                        }
                        other => val.push(other),
                    }
                }
                if !closed {
                    return Err(MimeError::new(format!(
                        "unterminated quoted parameter {name:?} in {value:?}"
                    )));
                }
                // Skip anything up to the next ';' (normally just whitespace).
                while chars.peek().is_some_and(|&c| c != ';') {
                    chars.next();
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ';' {
                        break;
                    }
                    val.push(c);
                    chars.next();
                }
                val = val.trim().to_string();
            }
        }
        if !name.is_empty() {
            params.push((name, val));
        }
    }
    Ok(MediaType { essence, params })
}

/// One body part after transfer decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Part {
    /// Without the angle brackets.
    pub(super) content_id: Option<String>,
    pub(super) content_type: Option<String>,
    pub(super) body: Vec<u8>,
}

/// A parsed `multipart/related` message: the root (the SOAP envelope) and the other parts
/// that `xop:Include` elements point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Package {
    pub(super) root: Part,
    pub(super) attachments: Vec<Part>,
}

impl Package {
    /// Looks up the part an `xop:Include href` names. The href is a `cid:` URL (RFC 2392), so
    /// it is percent-decoded before comparing with Content-IDs; the raw form is tried too
    /// because some stacks put an undecoded id in the href.
    pub(super) fn resolve_href(&self, href: &str) -> Option<&[u8]> {
        let trimmed = href.trim();
        let raw = if trimmed.len() >= 4
            && trimmed
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case("cid:"))
        {
            trimmed.get(4..).unwrap_or_default()
        } else {
            trimmed
        };
        let raw = strip_angle_brackets(raw);
        let decoded = percent_decode(raw);
        let by_id = |id: &str| {
            self.attachments
                .iter()
                .chain(std::iter::once(&self.root))
                .find(|p| p.content_id.as_deref() == Some(id))
                .map(|p| p.body.as_slice())
        };
        decoded.as_deref().and_then(by_id).or_else(|| by_id(raw))
    }
}

fn strip_angle_brackets(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('<')
        .and_then(|r| r.strip_suffix('>'))
        .unwrap_or(s)
}

/// RFC 3986 percent-decoding; `None` when the result is not UTF-8 or an escape is broken,
/// in which case the caller falls back to the raw text.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).and_then(|c| (*c as char).to_digit(16))?;
            let lo = bytes.get(i + 2).and_then(|c| (*c as char).to_digit(16))?;
            out.push(u8::try_from(hi * 16 + lo).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let hay = haystack.get(from..)?;
    let mut offset = 0;
    while let Some(rest) = hay.get(offset..) {
        let idx = rest.iter().position(|&b| b == first)?;
        let at = offset + idx;
        if hay.get(at..at + needle.len()) == Some(needle) {
            return Some(from + at);
        }
        offset = at + 1;
    }
    None
}

/// A delimiter only counts at the start of a line (RFC 2046 §5.1.1), so the same bytes in
/// the middle of a line of content do not split a part.
fn find_delimiter(body: &[u8], delimiter: &[u8], from: usize) -> Option<usize> {
    let mut search = from;
    loop {
        let at = find(body, delimiter, search)?;
        if at == 0 || body.get(at - 1) == Some(&b'\n') {
            return Some(at);
        }
        search = at + 1;
    }
}

/// Splits a `multipart/related` body. `media_type` is the parsed HTTP Content-Type; its
/// `boundary` is required and its `start` (if any) picks the root part, else the first part
/// is the root as RFC 2387 says.
pub(super) fn parse_related(media_type: &MediaType, body: &[u8]) -> Result<Package, MimeError> {
    let boundary = media_type
        .param("boundary")
        .filter(|b| !b.is_empty())
        .ok_or_else(|| MimeError::new("multipart Content-Type without a boundary parameter"))?;
    let mut delimiter = b"--".to_vec();
    delimiter.extend_from_slice(boundary.as_bytes());

    let mut parts = Vec::new();
    let mut pos = find_delimiter(body, &delimiter, 0)
        .ok_or_else(|| MimeError::new(format!("boundary {boundary:?} not found in the body")))?;
    loop {
        let after = pos + delimiter.len();
        let rest = body.get(after..).unwrap_or_default();
        if rest.starts_with(b"--") {
            break;
        }
        // Transport padding, then the end of the boundary line.
        let padding = rest
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        let rest_after_padding = rest.get(padding..).unwrap_or_default();
        let newline = if rest_after_padding.starts_with(b"\r\n") {
            2
        } else if rest_after_padding.starts_with(b"\n") {
            1
        } else {
            return Err(MimeError::new(
                "malformed boundary line (expected a line break after the boundary)",
            ));
        };
        let part_start = after + padding + newline;
        let next = find_delimiter(body, &delimiter, part_start).ok_or_else(|| {
            MimeError::new("multipart body is truncated: closing boundary not found")
        })?;
        // The line break before a delimiter belongs to the delimiter, not to the content.
        let mut part_end = next;
        if part_end > part_start && body.get(part_end - 1) == Some(&b'\n') {
            part_end -= 1;
            if part_end > part_start && body.get(part_end - 1) == Some(&b'\r') {
                part_end -= 1;
            }
        }
        if parts.len() >= MAX_PARTS {
            return Err(MimeError::new(format!(
                "too many MIME parts (more than {MAX_PARTS})"
            )));
        }
        let raw = body.get(part_start..part_end).unwrap_or_default();
        parts.push(parse_part(raw, parts.len() + 1)?);
        pos = next;
    }
    if parts.is_empty() {
        return Err(MimeError::new("multipart body has no parts"));
    }

    let root_index = match media_type.param("start") {
        Some(start) if !strip_angle_brackets(start).is_empty() => {
            let wanted = strip_angle_brackets(start);
            parts
                .iter()
                .position(|p| p.content_id.as_deref() == Some(wanted))
                .ok_or_else(|| {
                    MimeError::new(format!("start part <{wanted}> not found among the parts"))
                })?
        }
        _ => 0,
    };
    let root = parts.remove(root_index);
    if let Some(ct) = &root.content_type {
        let essence = parse_media_type(ct)?.essence;
        if essence != "application/xop+xml" && essence != "text/xml" {
            return Err(MimeError::new(format!(
                "root part has Content-Type {essence}, expected application/xop+xml"
            )));
        }
    }
    Ok(Package {
        root,
        attachments: parts,
    })
}

fn parse_part(raw: &[u8], number: usize) -> Result<Part, MimeError> {
    // Headers end at the first empty line; a part that starts with a line break has none.
    let (header_bytes, content) = if raw.starts_with(b"\r\n") {
        (&[][..], raw.get(2..).unwrap_or_default())
    } else if raw.starts_with(b"\n") {
        (&[][..], raw.get(1..).unwrap_or_default())
    } else {
        let crlf = find(raw, b"\r\n\r\n", 0).map(|i| (i, 4));
        let lf = find(raw, b"\n\n", 0).map(|i| (i, 2));
        let (end, sep) = match (crlf, lf) {
            (Some(a), Some(b)) => {
                if a.0 <= b.0 {
                    a
                } else {
                    b
                }
            }
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => {
                return Err(MimeError::new(format!(
                    "MIME part {number} has no blank line after its headers"
                )));
            }
        };
        (
            raw.get(..end).unwrap_or_default(),
            raw.get(end + sep..).unwrap_or_default(),
        )
    };
    if header_bytes.len() > MAX_HEADER_BYTES {
        return Err(MimeError::new(format!(
            "MIME part {number} has a header block over {MAX_HEADER_BYTES} bytes"
        )));
    }
    let header_text = std::str::from_utf8(header_bytes)
        .map_err(|_| MimeError::new(format!("MIME part {number} has non-UTF-8 headers")))?;

    let mut headers: Vec<(String, String)> = Vec::new();
    for line in header_text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            // Folded continuation of the previous header (RFC 5322 §2.2.3).
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
                continue;
            }
            return Err(MimeError::new(format!(
                "MIME part {number} starts with a continuation line"
            )));
        }
        let (name, value) = line.split_once(':').ok_or_else(|| {
            MimeError::new(format!("MIME part {number} has a malformed header line"))
        })?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };

    let encoding = header("content-transfer-encoding")
        .map(|e| e.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let body = match encoding.as_str() {
        "" | "binary" | "8bit" | "7bit" => content.to_vec(),
        "base64" => {
            let compact: Vec<u8> = content
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            lenient_base64().decode(&compact).map_err(|e| {
                MimeError::new(format!(
                    "MIME part {number} has invalid base64 content: {e}"
                ))
            })?
        }
        other => {
            return Err(MimeError::new(format!(
                "MIME part {number} uses unsupported Content-Transfer-Encoding {other:?}"
            )));
        }
    };
    Ok(Part {
        content_id: header("content-id")
            .map(strip_angle_brackets)
            .map(str::to_string),
        content_type: header("content-type").map(str::to_string),
        body,
    })
}

/// Base64 as senders actually write it: padding optional (some encoders drop it).
pub(super) fn lenient_base64() -> GeneralPurpose {
    GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    )
}

/// Standard padded base64, the canonical lexical form of `xsd:base64Binary`.
pub(super) fn encode_base64(bytes: &[u8]) -> String {
    general_purpose::STANDARD.encode(bytes)
}

/// A binary to attach as its own MIME part.
#[derive(Debug, Clone, Copy)]
pub(super) struct Attachment<'a> {
    pub(super) content_id: &'a str,
    pub(super) bytes: &'a [u8],
}

/// Lays out an MTOM message: the root part carries the envelope (already holding the
/// `xop:Include` elements), then one `application/octet-stream` part per attachment.
/// Returns the HTTP Content-Type and the body.
pub(super) fn build_related(root_xml: &[u8], attachments: &[Attachment<'_>]) -> (String, Vec<u8>) {
    let boundary = choose_boundary(root_xml, attachments);
    let mut body = Vec::with_capacity(
        root_xml.len()
            + attachments
                .iter()
                .map(|a| a.bytes.len() + 200)
                .sum::<usize>()
            + 300,
    );
    body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    body.extend_from_slice(
        b"Content-Type: application/xop+xml; charset=utf-8; type=\"text/xml\"\r\n",
    );
    body.extend_from_slice(b"Content-Transfer-Encoding: binary\r\n");
    body.extend_from_slice(format!("Content-ID: <{ROOT_CONTENT_ID}>\r\n\r\n").as_bytes());
    body.extend_from_slice(root_xml);
    for attachment in attachments {
        body.extend_from_slice(format!("\r\n--{boundary}\r\n").as_bytes());
        body.extend_from_slice(b"Content-Type: application/octet-stream\r\n");
        body.extend_from_slice(b"Content-Transfer-Encoding: binary\r\n");
        body.extend_from_slice(
            format!("Content-ID: <{}>\r\n\r\n", attachment.content_id).as_bytes(),
        );
        body.extend_from_slice(attachment.bytes);
    }
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type = format!(
        "multipart/related; type=\"application/xop+xml\"; start=\"<{ROOT_CONTENT_ID}>\"; \
         start-info=\"text/xml\"; boundary=\"{boundary}\""
    );
    (content_type, body)
}

/// The boundary is derived from a hash of the content so that the same message always gets
/// the same bytes (snapshots, reproducible runs). A candidate found inside any part is
/// rejected and the next counter value tried; this terminates because content of length L
/// contains at most L distinct 29-byte substrings, so at most L candidates can be refused.
fn choose_boundary(root_xml: &[u8], attachments: &[Attachment<'_>]) -> String {
    let mut counter: u64 = 0;
    loop {
        let mut hasher = Sha256::new();
        hasher.update(counter.to_be_bytes());
        hasher.update((root_xml.len() as u64).to_be_bytes());
        hasher.update(root_xml);
        for a in attachments {
            hasher.update((a.content_id.len() as u64).to_be_bytes());
            hasher.update(a.content_id.as_bytes());
            hasher.update((a.bytes.len() as u64).to_be_bytes());
            hasher.update(a.bytes);
        }
        let digest = hasher.finalize();
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        let candidate = format!("MIMEBoundary_{hex}");
        let clashes = find(root_xml, candidate.as_bytes(), 0).is_some()
            || attachments
                .iter()
                .any(|a| find(a.bytes, candidate.as_bytes(), 0).is_some());
        if !clashes {
            return candidate;
        }
        counter = counter.wrapping_add(1);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn media_type_parameters_quoted_and_bare() {
        let mt = parse_media_type(
            "Multipart/Related; type=\"application/xop+xml\"; boundary=uuid:1a;b; \
             start=\"<root.message@cxf.apache.org>\"; start-info=\"text/xml\"",
        )
        .unwrap();
        assert_eq!(mt.essence, "multipart/related");
        assert_eq!(mt.param("boundary"), Some("uuid:1a"));
        assert_eq!(mt.param("START"), Some("<root.message@cxf.apache.org>"));
        assert_eq!(mt.param("type"), Some("application/xop+xml"));
        assert!(parse_media_type("nonsense").is_err());
        assert!(parse_media_type("a/b; x=\"unterminated").is_err());
    }

    #[test]
    fn round_trip_build_then_parse() {
        let root = b"<Envelope/>";
        let att = [Attachment {
            content_id: "File@eisim",
            bytes: b"\x00\x01--binary\r\n\r\nstuff",
        }];
        let (ct, body) = build_related(root, &att);
        let pkg = parse_related(&parse_media_type(&ct).unwrap(), &body).unwrap();
        assert_eq!(pkg.root.body, root);
        assert_eq!(pkg.root.content_id.as_deref(), Some(ROOT_CONTENT_ID));
        assert_eq!(
            pkg.resolve_href("cid:File%40eisim"),
            Some(&b"\x00\x01--binary\r\n\r\nstuff"[..])
        );
        assert_eq!(
            pkg.resolve_href("cid:File@eisim").map(<[u8]>::len),
            Some(19)
        );
        assert_eq!(pkg.resolve_href("cid:nope@eisim"), None);
    }

    #[test]
    fn boundary_is_deterministic_and_avoids_content() {
        let (ct1, _) = build_related(b"<a/>", &[]);
        let (ct2, _) = build_related(b"<a/>", &[]);
        assert_eq!(ct1, ct2);
        // Put the first candidate inside the content: a different boundary must be chosen.
        let first = choose_boundary(b"<a/>", &[]);
        let tricky = format!("<a>{first}</a>");
        let chosen = choose_boundary(tricky.as_bytes(), &[]);
        assert!(!tricky.contains(&chosen));
    }

    #[test]
    fn lf_only_and_base64_parts() {
        let body = b"preamble\n--XX\nContent-Type: application/xop+xml\nContent-ID: <r>\n\n<x/>\n--XX\nContent-ID: <a>\nContent-Transfer-Encoding: BASE64\n\naGVs\nbG8=\n--XX--\nepilogue";
        let mt = parse_media_type("multipart/related; boundary=XX").unwrap();
        let pkg = parse_related(&mt, body).unwrap();
        assert_eq!(pkg.root.body, b"<x/>");
        assert_eq!(pkg.resolve_href("cid:a"), Some(&b"hello"[..]));
    }

    #[test]
    fn broken_bodies_are_errors() {
        let mt = parse_media_type("multipart/related; boundary=XX").unwrap();
        assert!(parse_related(&mt, b"").is_err());
        assert!(parse_related(&mt, b"--XX\r\nContent-ID: <r>\r\n\r\n<x/>").is_err());
        assert!(parse_related(&mt, b"--XX--").is_err());
        assert!(parse_related(&mt, b"--XXjunk\r\n").is_err());
        let no_boundary = parse_media_type("multipart/related").unwrap();
        assert!(parse_related(&no_boundary, b"--XX\r\n\r\n\r\n--XX--").is_err());
        let wrong_start =
            parse_media_type("multipart/related; boundary=XX; start=\"<z>\"").unwrap();
        assert!(parse_related(&wrong_start, b"--XX\r\n\r\n<x/>\r\n--XX--").is_err());
    }
}
