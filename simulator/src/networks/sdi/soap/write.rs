//! The envelope writer the answers and the calls share: one wrapper element of unqualified
//! fields in a SOAP 1.1 envelope, plain or as an MTOM package.
//!
//! Writing is deterministic (fixed prefixes, Content-IDs and a content-derived MIME boundary)
//! so snapshots are stable. Each wrapper element declares its own namespace, so the first
//! child of `soap:Body` is a standalone document that validates against the types XSD.

use std::fmt::Write as _;

use super::{PLAIN_CONTENT_TYPE, SOAP_ENVELOPE_NS, XOP_NS};
use crate::networks::sdi::mtom::{self, Attachment};

/// A wrapper child to write.
pub(super) enum Out<'a> {
    Text(&'static str, String),
    Binary(&'static str, &'a [u8]),
    Group(&'static str, Vec<Out<'a>>),
}

/// Writes the envelope and, for MTOM, moves every binary into its own part. Content-IDs are
/// `<path>@eisim` (e.g. `File@eisim`, `ScartoEsito.File@eisim`): unique within a message
/// and stable for snapshots.
pub(super) fn write_message<'a>(
    ns: &str,
    element: &str,
    children: &[Out<'a>],
    mtom: bool,
) -> (String, Vec<u8>) {
    let mut xml = String::new();
    let mut attachments: Vec<(String, &'a [u8])> = Vec::new();
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(xml, "<soap:Envelope xmlns:soap=\"{SOAP_ENVELOPE_NS}\">");
    xml.push_str("  <soap:Body>\n");
    let _ = writeln!(xml, "    <typ:{element} xmlns:typ=\"{ns}\">");
    write_children(&mut xml, children, 3, "", mtom, &mut attachments);
    let _ = writeln!(xml, "    </typ:{element}>");
    xml.push_str("  </soap:Body>\n");
    xml.push_str("</soap:Envelope>\n");
    finish(xml, &attachments, mtom)
}

fn finish(xml: String, attachments: &[(String, &[u8])], mtom: bool) -> (String, Vec<u8>) {
    if mtom {
        let parts: Vec<Attachment<'_>> = attachments
            .iter()
            .map(|(id, bytes)| Attachment {
                content_id: id,
                bytes,
            })
            .collect();
        mtom::build_related(xml.as_bytes(), &parts)
    } else {
        (PLAIN_CONTENT_TYPE.to_string(), xml.into_bytes())
    }
}

fn write_children<'a>(
    xml: &mut String,
    children: &[Out<'a>],
    level: usize,
    path: &str,
    mtom: bool,
    attachments: &mut Vec<(String, &'a [u8])>,
) {
    let indent = "  ".repeat(level);
    for child in children {
        match child {
            Out::Text(name, value) => {
                let _ = writeln!(
                    xml,
                    "{indent}<{name}>{}</{name}>",
                    quick_xml::escape::escape(value.as_str())
                );
            }
            Out::Binary(name, bytes) => {
                if mtom {
                    let content_id = format!("{path}{name}@eisim");
                    let _ = writeln!(
                        xml,
                        "{indent}<{name}><xop:Include xmlns:xop=\"{XOP_NS}\" href=\"cid:{content_id}\"/></{name}>"
                    );
                    attachments.push((content_id, bytes));
                } else {
                    let _ = writeln!(
                        xml,
                        "{indent}<{name}>{}</{name}>",
                        mtom::encode_base64(bytes)
                    );
                }
            }
            Out::Group(name, inner) => {
                let _ = writeln!(xml, "{indent}<{name}>");
                write_children(
                    xml,
                    inner,
                    level + 1,
                    &format!("{path}{name}."),
                    mtom,
                    attachments,
                );
                let _ = writeln!(xml, "{indent}</{name}>");
            }
        }
    }
}
