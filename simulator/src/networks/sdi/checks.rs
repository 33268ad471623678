//! SDI's checks on a file it received (reference §9): the name, the format, the rules of
//! FatturaPA, and the cross-file ones (a reused name 00002, an invoice already sent 00404) from
//! the registry. A file that fails gets its NS (Notifica di scarto) and goes no further; one
//! that passes waits for delivery.
//!
//! A gateway document comes with the gateway's own inspection ([`PriorInspection`]), which the
//! checks take instead of inspecting the same bytes again when the context is the same.

use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::file_state::{set_state, update_gateway};
use super::issue::issue;
use super::registry::FileId;
use super::state::{FileState, Party, Sdi};
use crate::codelists::sdi as codes;
use crate::codelists::sdi::MessageType;
use crate::documents::{self, InspectionContext};
use crate::networks::sdi::messages::{Body, ScartoError};
use crate::runtime::Context;
use crate::vocabulary::DocumentState;

/// The gateway's inspection of a document it hands to SDI. SDI's own checks inspect the file
/// again with SDI's context (its reception date and the file's final name); when that context
/// is the one the gateway used, the answer is the same function of the same input, so SDI
/// takes it instead of parsing and validating the file a second time.
#[derive(Debug, Clone)]
pub(crate) struct PriorInspection {
    pub(crate) content_hash: String,
    pub(crate) received: jiff::civil::Date,
    pub(crate) file_name: Option<String>,
    pub(crate) format: documents::Format,
    pub(crate) findings: Vec<documents::Finding>,
}

impl PriorInspection {
    fn fits(&self, context: &InspectionContext) -> bool {
        self.received == context.received && self.file_name == context.file_name
    }
}

/// SDI's checks (reference §9), with the cross-file ones (00002, 00404) from the registry.
/// True when the file passed.
pub(super) fn checks(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    name_reused: bool,
    forced: &[String],
    now: Timestamp,
) -> bool {
    let Some(file) = sdi.file(id) else {
        return false;
    };
    let mut errors: Vec<ScartoError> = Vec::new();
    if name_reused {
        errors.push(scarto(
            "00002",
            format!("Nome file duplicato : {}", file.file_name),
            Some("Non sono accettati file con nome già trasmesso: rinominare il file con un nuovo progressivo"),
        ));
    }
    let context = InspectionContext {
        received: now.to_zoned(TimeZone::UTC).date(),
        file_name: Some(file.file_name.clone()),
    };
    let mut conforms = true;
    let lower = file.file_name.to_ascii_lowercase();
    let signed = if lower.ends_with(".p7m") {
        Some(open_cades(sdi, &file))
    } else {
        None
    };
    let prior = file.prior.as_deref().filter(|p| p.fits(&context));
    let inspected = match (signed, prior) {
        (Some(Err(fault)), _) => {
            // A signature SDI refuses ends the checks: what it signed is not looked at.
            errors.push(scarto(fault.code(), fault.detail, None));
            return refuse(sdi, ctx, id, errors, now);
        }
        (Some(Ok(opened)), _) => {
            super::file_state::note(
                ctx.journal,
                &file,
                now,
                format!(
                    "CAdES signature accepted: signed by {} at {}",
                    opened.signer, opened.signed_at
                ),
            );
            documents::inspect(&opened.content, &context)
                .map(|i| (i.format, std::borrow::Cow::Owned(i.findings)))
                .map_err(|e| e.to_string())
        }
        (None, _) if lower.ends_with(".zip") => Err(
            "un archivio ZIP non può contenere altri archivi: inserire solo file .xml o .xml.p7m"
                .to_owned(),
        ),
        (None, Some(prior)) => Ok((prior.format, std::borrow::Cow::Borrowed(&prior.findings))),
        (None, None) => documents::inspect(&file.bytes, &context)
            .map(|i| (i.format, std::borrow::Cow::Owned(i.findings)))
            .map_err(|e| e.to_string()),
    };
    match inspected {
        Ok((format, findings)) => {
            for finding in findings
                .iter()
                .filter(|f| f.severity == documents::Severity::Fatal)
            {
                if finding.rule == "00200" || finding.rule == "00201" {
                    conforms = false;
                }
                errors.push(scarto(&finding.rule, finding.message.clone(), None));
            }
            if !matches!(
                format,
                documents::Format::FatturaPaFpa12 | documents::Format::FatturaPaFpr12
            ) {
                conforms = false;
                errors.push(scarto(
                    "00200",
                    format!(
                        "File non conforme al formato : il file è {}, non una FatturaPA",
                        format.as_str()
                    ),
                    None,
                ));
            }
        }
        Err(error) => {
            conforms = false;
            errors.push(scarto(
                "00200",
                format!("File non conforme al formato : {error}"),
                None,
            ));
        }
    }
    if !lower.ends_with(".p7m") && carries_xml_signature(&file.bytes) {
        match verify_xades(sdi, &file) {
            Ok(verified) => super::file_state::note(
                ctx.journal,
                &file,
                now,
                format!(
                    "XAdES signature accepted: signed by {} at {}",
                    verified.signer, verified.signed_at
                ),
            ),
            Err(fault) => {
                // As with a `.p7m`, a refused signature ends the checks.
                let mut errors: Vec<ScartoError> =
                    errors.into_iter().filter(|e| e.code == "00002").collect();
                errors.push(scarto(fault.code(), fault.detail, None));
                return refuse(sdi, ctx, id, errors, now);
            }
        }
    }
    if conforms && let Some(error) = unknown_recipient(ctx, &file) {
        errors.push(error);
    }
    if conforms {
        let duplicates = sdi.records().registry.duplicates(&file.identities);
        for (position, original) in duplicates {
            let number = file
                .identities
                .get(position - 1)
                .and_then(Option::as_ref)
                .map(|i| i.number.clone())
                .unwrap_or_default();
            errors.push(scarto(
                "00404",
                format!(
                    "Fattura duplicata : il numero {number} è già stato trasmesso con il file IdentificativoSdI {original}"
                ),
                None,
            ));
        }
    }
    for code in forced {
        if !errors.iter().any(|e| &e.code == code) {
            errors.push(scarto(code, codes::description(code).to_owned(), None));
        }
    }

    if !errors.is_empty() {
        return refuse(sdi, ctx, id, errors, now);
    }
    {
        let mut records = sdi.records();
        records.registry.admit(id, &file.identities);
    }
    set_state(sdi, ctx, id, FileState::DeliveryPending, now);
    update_gateway(sdi, ctx, id, DocumentState::Accepted, None, Vec::new(), now);
    true
}

/// 00311 for a B2B channel code (seven characters, not `0000000` "no channel" nor `XXXXXXX`
/// "foreign customer") that no scenario participant holds: SDI's registry of accredited
/// channels is the scenario's participants. Files SDI delivers to the integrator are not
/// judged: the integrator's own code is its channel.
fn unknown_recipient(ctx: &Context<'_>, file: &super::state::SdiFile) -> Option<ScartoError> {
    let code = &file.recipient_code;
    let judged = file.channel != super::state::Channel::Inbound
        && file.format == "FPR12"
        && code.len() == 7
        && code != "0000000"
        && code != "XXXXXXX";
    (judged
        && ctx
            .store
            .participant(crate::vocabulary::Network::Sdi, &format!("SDI:{code}"))
            .is_none())
    .then(|| {
        scarto(
            "00311",
            format!(
                "1.1.4 <CodiceDestinatario> non valido : Codice Destinatario B2B {code} non trovato"
            ),
            None,
        )
    })
}

/// Whether the invoice's root holds an enveloped `ds:Signature` (XAdES).
fn carries_xml_signature(bytes: &[u8]) -> bool {
    bytes.windows(9).any(|w| w == b"Signature")
        && crate::xml::parse(bytes).is_ok_and(|doc| {
            doc.root
                .children
                .iter()
                .any(|c| c.is(crate::xmldsig::DSIG_NS, "Signature"))
        })
}

/// An XAdES signature enveloped in a `.xml`, judged like a `.p7m`'s.
fn verify_xades(
    sdi: &Sdi,
    file: &super::state::SdiFile,
) -> Result<crate::signed::xades::Verified, crate::signed::Fault> {
    let trust = sdi.trust.as_ref().map_err(|problem| {
        crate::signed::Fault::new(
            crate::signed::FaultKind::UntrustedCa,
            format!("la lista delle CA affidabili dello scenario non è leggibile: {problem}"),
        )
    })?;
    let doc = crate::signed::xades::parse(&file.bytes)?;
    crate::signed::xades::verify(&doc, trust, file.received_at)
}

/// NS: the file is refused with `errors`, and goes no further.
fn refuse(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    errors: Vec<ScartoError>,
    now: Timestamp,
) -> bool {
    set_state(sdi, ctx, id, FileState::Rejected, now);
    let codes: Vec<String> = errors.iter().map(|e| e.code.clone()).collect();
    issue(
        sdi,
        ctx,
        id,
        Body::Scarto { errors },
        Party::Transmitter,
        now,
    );
    update_gateway(
        sdi,
        ctx,
        id,
        DocumentState::Refused,
        Some(MessageType::NS),
        codes,
        now,
    );
    false
}

/// A `.p7m`'s content once its signature is judged against the trust list, as of the file's
/// reception.
fn open_cades(
    sdi: &Sdi,
    file: &super::state::SdiFile,
) -> Result<crate::signed::cades::Opened, crate::signed::Fault> {
    let trust = sdi.trust.as_ref().map_err(|problem| {
        crate::signed::Fault::new(
            crate::signed::FaultKind::UntrustedCa,
            format!("la lista delle CA affidabili dello scenario non è leggibile: {problem}"),
        )
    })?;
    crate::signed::cades::open(&file.bytes, trust, file.received_at)
}

/// A transmitter's ZIP archive (one that did not itself come in an archive): its files when
/// SDI can open it and every name in it is an invoice file name (.xml or .xml.p7m), else the
/// archive's NS: 00106 for an archive SDI cannot open or that crosses the limits, 00001 for
/// each badly named file, 00002 for a reused archive name.
pub(super) fn check_archive(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    name_reused: bool,
    now: Timestamp,
) -> Option<Vec<super::unzip::Entry>> {
    let file = sdi.file(id)?;
    let mut errors = Vec::new();
    if name_reused {
        errors.push(scarto(
            "00002",
            format!("Nome file duplicato : {}", file.file_name),
            None,
        ));
    }
    let entries = match super::unzip::open(&file.bytes) {
        Ok(entries) => entries,
        Err(fault) => {
            errors.push(scarto(fault.code(), fault.detail, None));
            Vec::new()
        }
    };
    for entry in &entries {
        let lower = entry.name.to_ascii_lowercase();
        if !crate::networks::sdi::messages::is_invoice_file_name(&entry.name)
            || lower.ends_with(".zip")
        {
            errors.push(scarto(
                "00001",
                format!(
                    "Nome file non valido : {} nell'archivio {} (atteso <IdPaese><IdCodice>_<progressivo>.xml o .xml.p7m)",
                    entry.name, file.file_name
                ),
                None,
            ));
        }
    }
    if !errors.is_empty() {
        errors.truncate(crate::networks::sdi::messages::MAX_ERRORS);
        refuse(sdi, ctx, id, errors, now);
        return None;
    }
    set_state(sdi, ctx, id, FileState::Unpacked, now);
    Some(entries)
}

fn scarto(code: &str, description: String, suggestion: Option<&str>) -> ScartoError {
    ScartoError {
        code: code.to_owned(),
        description,
        suggestion: suggestion.map(str::to_owned),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// SDI takes the gateway's inspection only for the very context it was made in: another
    /// date (a check after midnight) or another name (one SDI drew) is inspected again.
    #[test]
    fn the_gateway_inspection_is_reused_only_in_its_own_context() {
        let day: jiff::civil::Date = "2026-11-21".parse().unwrap();
        let prior = PriorInspection {
            content_hash: String::new(),
            received: day,
            file_name: Some("IT01234567890_00001.xml".into()),
            format: documents::Format::FatturaPaFpa12,
            findings: Vec::new(),
        };
        assert!(prior.fits(&InspectionContext::new(day).file_name("IT01234567890_00001.xml")));
        assert!(!prior.fits(
            &InspectionContext::new(day.tomorrow().unwrap()).file_name("IT01234567890_00001.xml")
        ));
        assert!(!prior.fits(&InspectionContext::new(day).file_name("IT01234567890_0000A.xml")));
        assert!(!prior.fits(&InspectionContext::new(day)));
    }
}
